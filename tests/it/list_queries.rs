//! One typed query per list, read the same way by the REST API, the dashboard's feed page and the live
//! feed (`app::query`). A filter is declared once — here `data_source`, the newest — and works on all
//! three; a value that does not fit is refused by name on each.

use std::time::Duration;

use app::vocab::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::dashboard_client::read_until;
use crate::support::app::browser_client;
use crate::support::{TestApp, TestDatabase, TestReceiver, spawn_app};

const EMAIL: &str = "dev@lists.example";
const PASSWORD: &str = "a long enough password";

crate::on_both_backends!(
    a_data_source_filter_works_alike_on_the_api_the_feed_page_and_the_live_feed,
    a_bad_or_unknown_parameter_is_refused_by_name_on_every_list,
    after_lists_what_was_recorded_since_a_notification_oldest_first,
    a_day_bound_includes_the_whole_day,
);

/// A subscribed client with a client account, and what it needs to read its lists.
async fn client_with_account(db: TestDatabase) -> (TestApp, TestReceiver, String) {
    let app = spawn_app(db).await;
    let receiver = TestReceiver::start().await;
    let (client, _) = app.subscribed_client(&receiver.url("/lists")).await;
    app.create_account(EMAIL, PASSWORD, Role::Client, Some(&client)).await;
    (app, receiver, client)
}

/// Reports that the user linked `source`, returning the notification's id.
async fn linked(app: &TestApp, client: &str, user: &str, source: &str) -> String {
    let res = app
        .post_event(&json!({
            "client_uuid": client, "environment": "sandbox", "type": "data_source.linked",
            "user_id": user, "data_source": source
        }))
        .await;
    assert_eq!(res.status(), 202);
    res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned()
}

/// The ids of one page of the API's notification list.
async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let res = app.api(Method::GET, &format!("/notifications?{query}")).send().await.unwrap();
    assert_eq!(res.status(), 200, "{query}");
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

async fn a_data_source_filter_works_alike_on_the_api_the_feed_page_and_the_live_feed(db: TestDatabase) {
    let (app, _receiver, client) = client_with_account(db).await;
    let oura = linked(&app, &client, "user-1", "Oura").await;
    let garmin = linked(&app, &client, "user-2", "Garmin").await;

    // The API: any case of the source's name.
    assert_eq!(listed(&app, &format!("client_uuid={client}&data_source=oura")).await, vec![oura.clone()]);
    assert_eq!(listed(&app, &format!("client_uuid={client}&data_source=")).await, vec![garmin.clone(), oura.clone()]);

    // The feed page, rendered on the server for the signed-in client, with the field in its form.
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, EMAIL, PASSWORD).await.status(), 200);
    let page = browser.get(app.url(&format!("/clients/{client}/notifications?data_source=Oura"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&oura), "the Oura notification is listed");
    assert!(!html.contains(&garmin), "the Garmin one is not");
    assert!(html.contains(r#"name="data_source""#) && html.contains(r#"value="Oura""#), "the form shows the filter");

    // The live feed: what is recorded later, filtered by the same query.
    let url = reqwest::Url::parse_with_params(
        &app.url("/live/notifications"),
        [("client_uuid", client.as_str()), ("data_source", "Oura")],
    )
    .unwrap();
    let mut stream = browser.get(url).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let later_garmin = linked(&app, &client, "user-3", "Garmin").await;
    let later_oura = linked(&app, &client, "user-4", "OURA").await;
    // The Garmin one was recorded first: had the filter let it through, it would come before.
    let seen = read_until(&mut stream, &later_oura, Duration::from_secs(20)).await;
    assert!(!seen.contains(&later_garmin), "the live feed kept to the filter: {seen}");
    assert!(!seen.contains(&oura), "and sent only what came after it opened");
    app.stop().await;
}

async fn a_bad_or_unknown_parameter_is_refused_by_name_on_every_list(db: TestDatabase) {
    let (app, _receiver, client) = client_with_account(db).await;
    // Each refused for the parameter it starts with.
    let notifications = [
        "statuss=failed",
        "colour=blue",
        "type=user.exploded",
        "since=yesterday",
        "limit=lots",
        "status=lost",
        "status=failed&status=delivered",
    ];
    // A document is never held: a notification's status that no data delivery has is refused.
    let data_deliveries = ["pillar=sleep", "since=yesterday", "type=user.created", "status=lost", "status=held"];
    let cases = notifications
        .map(|q| ("/notifications", q))
        .into_iter()
        .chain(data_deliveries.map(|q| ("/data-deliveries", q)));
    for (path, query) in cases {
        let field = query.split('=').next().unwrap();
        let res = app.api(Method::GET, &format!("{path}?client_uuid={client}&{query}")).send().await.unwrap();
        assert_eq!(res.status(), 422, "{path}?{query}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid", "{path}?{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{path}?{query}: {body}");
    }
    let both = format!("client_uuid={client}&cursor={client}&after={client}");
    let res = app.api(Method::GET, &format!("/notifications?{both}")).send().await.unwrap();
    assert_eq!(res.status(), 422, "a page goes one way: cursor or after");

    // The live feed reads the same query, and refuses the same way.
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, EMAIL, PASSWORD).await.status(), 200);
    let url = app.url(&format!("/live/notifications?client_uuid={client}&statuss=failed"));
    let res = browser.get(url).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "statuss");
    app.stop().await;
}

async fn after_lists_what_was_recorded_since_a_notification_oldest_first(db: TestDatabase) {
    let (app, _receiver, client) = client_with_account(db).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(linked(&app, &client, &format!("user-{n}"), "Oura").await);
    }
    assert_eq!(listed(&app, &format!("client_uuid={client}&after={}", ids[1])).await, ids[2..].to_vec());
    let res = app.api(Method::GET, &format!("/notifications?client_uuid={client}&after={}&limit=2", ids[0])).send();
    let page: Value = res.await.unwrap().json().await.unwrap();
    assert_eq!(page["next_cursor"], json!(ids[2]), "where to continue: the last one listed");
    let res = app.api(Method::GET, &format!("/notifications?client_uuid={client}&after={}", ids[4])).send();
    let page: Value = res.await.unwrap().json().await.unwrap();
    assert_eq!(page, json!({ "items": [], "next_cursor": null }), "nothing new yet");
    app.stop().await;
}

async fn a_day_bound_includes_the_whole_day(db: TestDatabase) {
    let (app, _receiver, client) = client_with_account(db).await;
    let id = linked(&app, &client, "user-1", "Oura").await;
    let recorded = app.notification(&id).await["created_at"].as_str().unwrap().to_owned();
    let today = &recorded[..10];
    assert_eq!(listed(&app, &format!("client_uuid={client}&since={today}&until={today}")).await, vec![id.clone()]);
    let instant = app::timestamp::Timestamp::now().plus_seconds(-3600).to_rfc3339();
    assert_eq!(listed(&app, &format!("client_uuid={client}&until={instant}")).await, Vec::<String>::new());
    app.stop().await;
}
