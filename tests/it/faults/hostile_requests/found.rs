//! The faults the hostile requests found, each pinned by the smallest request that showed it, so that
//! they stay fixed whatever the seed reaches.

use app::vocab::Role;
use reqwest::Method;
use serde_json::Value;

use super::hostile::{Hostile, Mutation};
use super::wire::{Answer, Sender};
use crate::on_both_backends;
use crate::support::app::browser_client;
use crate::support::{TestApp, TestDatabase, spawn_app};

const PASSWORD: &str = "correct-horse-battery";
const STAFF: &str = "staff@rook.example";

on_both_backends!(
    server_functions_answer_422_to_arguments_they_cannot_read,
    text_holding_nul_or_too_long_is_refused_before_it_reaches_the_database,
);

async fn staff_browser(app: &TestApp) -> reqwest::Client {
    app.create_account(STAFF, PASSWORD, Role::Staff, None).await;
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, STAFF, PASSWORD).await.status(), 200);
    browser
}

/// Posts a raw form body to a server function; answers the status and the JSON body.
async fn post_form(app: &TestApp, browser: &reqwest::Client, name: &str, body: impl AsRef<[u8]>) -> (u16, Value) {
    let res = browser
        .post(app.url(&format!("/fn/{name}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.as_ref().to_vec())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn server_functions_answer_422_to_arguments_they_cannot_read(db: TestDatabase) {
    let app = spawn_app(db).await;
    let staff = staff_browser(&app).await;
    let client = app.create_client("Acme Health").await;
    let form = |text: String| text.into_bytes();
    let cases: [(&str, Vec<u8>, &str); 7] = [
        ("staff_client", Vec::new(), "a missing argument"),
        ("staff_set_subscription", form(format!("client_uuid={client}&environment=sandbox")), "a missing bool"),
        (
            "staff_set_subscription",
            form(format!("client_uuid={client}&environment=%25&active=true")),
            "an unknown environment",
        ),
        (
            "staff_set_subscription",
            form(format!("client_uuid={client}&environment=sandbox&active=maybe")),
            "a bool that is not one",
        ),
        ("notification_feed", form("query[limit]=18446744073709551616".into()), "a number out of range"),
        ("staff_client", b"client_uuid=\xff\xfe".to_vec(), "a body that is not UTF-8"),
        ("staff_client", form("client_uuid[a][b][c][d][e][f][g]=1".into()), "nesting where a string goes"),
    ];
    for (name, body, what) in cases {
        let (status, answer) = post_form(&app, &staff, name, &body).await;
        assert_eq!(status, 422, "{name} with {what}: {answer}");
        assert_eq!(answer["kind"], "validation", "{name} with {what}: {answer}");
    }
    // The same for anyone: the arguments are read before the session is looked at.
    let (status, _) = post_form(&app, &browser_client(), "staff_client", "").await;
    assert_eq!(status, 422, "signed out");
    // A body over the 2 MiB limit: the server may stop reading it, so the answer is read while it
    // is written, on a raw connection.
    let over_limit = Hostile {
        method: Method::POST,
        path_and_query: "/fn/staff_client".into(),
        headers: vec![("content-type".into(), b"application/x-www-form-urlencoded".to_vec())],
        body: vec![b'x'; 3 << 20],
        mutation: Mutation::Body,
        wire: None,
        foreign_origin: false,
    };
    let address = app.base_url.trim_start_matches("http://").parse().unwrap();
    let plain = browser_client();
    let sender = Sender { client: &plain, address, headers: Vec::new(), cookie: None };
    match sender.send(&over_limit, false).await {
        Answer::Status(status, answer) => assert_eq!(status, 422, "a body over the limit: {answer}"),
        other => panic!("a body over the limit got no answer: {other:?}"),
    }
    app.stop().await;
}

async fn text_holding_nul_or_too_long_is_refused_before_it_reaches_the_database(db: TestDatabase) {
    let app = spawn_app(db).await;
    let staff = staff_browser(&app).await;
    let client = app.create_client("Acme Health").await;

    for path in ["/clients/%00", "/clients/a%00b/environments/sandbox/secrets/notification"] {
        let res = app.api(Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), 404, "GET {path}");
    }
    for list in ["/notifications", "/data-deliveries"] {
        let res = app.api(Method::GET, &format!("{list}?client_uuid={client}&user_id=a%00b")).send().await.unwrap();
        let status = res.status();
        let answer: Value = res.json().await.unwrap();
        assert_eq!(status, 422, "GET {list} with a NUL in user_id: {answer}");
        assert_eq!(answer["error"]["field"], "user_id");
    }
    let not_found = [
        ("staff_client", "client_uuid=a%00b".to_owned()),
        ("client_profile", "client_uuid=%00".to_owned()),
        ("failed_notifications", "client_uuid=%00".to_owned()),
        ("staff_reenable", "client_uuid=%00&environment=sandbox".to_owned()),
        ("rotate_signing_secret", "client_uuid=a%00b&environment=production&understood=x".to_owned()),
        ("staff_create_client_account", "client_uuid=a%00b&email=new%40acme.example".to_owned()),
    ];
    for (name, body) in not_found {
        let (status, answer) = post_form(&app, &staff, name, &body).await;
        assert_eq!(status, 404, "{name} {body}: {answer}");
    }
    let refused = [
        ("staff_audit_log", "query[action]=%00".to_owned(), "action"),
        ("staff_audit_log", "query[client_uuid]=%00".to_owned(), "client_uuid"),
        ("staff_audit_log", format!("query[client_uuid]={client}&query[action]=a%00"), "action"),
        ("staff_clients", "q=%00".to_owned(), "q"),
        ("staff_clients", format!("q={}", "y".repeat(60_000)), "q"),
    ];
    for (name, body, field) in refused {
        let (status, answer) = post_form(&app, &staff, name, &body).await;
        assert_eq!(status, 422, "{name} {body}: {answer}");
        assert_eq!(answer["field"], field, "{name} {body}: {answer}");
    }
    // The ordinary filters still work.
    let (status, answer) = post_form(&app, &staff, "staff_clients", "q=acme").await;
    assert_eq!((status, answer.as_array().map(Vec::len)), (200, Some(1)), "{answer}");
    let (status, answer) =
        post_form(&app, &staff, "staff_audit_log", &format!("query[client_uuid]={}", client.to_uppercase())).await;
    assert_eq!(status, 200, "a client UUID in upper case filters the audit log: {answer}");
    app.stop().await;
}
