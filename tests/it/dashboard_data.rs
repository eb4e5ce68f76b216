//! The dashboard's side of rejected information and alerts: resending rejected data from a rejection
//! notice or in bulk, under the same authorisation as everything else, and alerts on the overview.

use std::time::Duration;

use app::vocab::Role;
use serde_json::{Value, json};

use crate::support::app::browser_client;
use crate::support::{Reply, TestApp, TestDatabase, TestReceiver, spawn_app_with, wait};

const PASSWORD: &str = "correct-horse-battery";
const WITHIN: Duration = Duration::from_secs(10);

/// A subscribed client whose Data Webhook rejected one document for good; returns the client, the
/// data delivery id and its rejection notice id.
async fn rejected_document(app: &TestApp, receiver: &TestReceiver) -> (String, String, String) {
    let (uuid, _) = app.subscribed_client(&receiver.url("/n")).await;
    app.set_environment(&uuid, "sandbox", &json!({ "data_webhook_url": receiver.url("/data") })).await;
    receiver.reply_next([Reply::Status(500)]);
    let body = format!(
        r#"{{"client_uuid":"{uuid}","environment":"sandbox","user_id":"u-1","data_type":"event","pillar":"body","payload":{{"w":70}}}}"#
    );
    let res = app.post_body("/data-deliveries", body).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // No retries in these tests: one refused attempt fails it.
    let failed = app.wait_for_data_delivery(&id, "failed", 1, WITHIN).await;
    (uuid, id, failed["rejected_notification_id"].as_str().unwrap().to_owned())
}

async fn rejected_data_is_resent_from_the_dashboard_for_the_own_client_only(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    let app = spawn_app_with(db, |s| s.data_retry_schedule = "none".parse().unwrap()).await;
    let (own, own_delivery, own_notice) = rejected_document(&app, &receiver).await;
    let (other, other_delivery, other_notice) = rejected_document(&app, &receiver).await;
    app.create_account("dev@own.example", PASSWORD, Role::Client, Some(&own)).await;
    let signed_out = browser_client();
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, "dev@own.example", PASSWORD).await.status(), 200);
    let week_ago = app::timestamp::Timestamp::now().plus_seconds(-7 * 86_400).to_rfc3339()[..10].to_owned();

    let resend = |delivery: &str, notice: &str| {
        vec![("data_delivery_id", delivery.to_owned()), ("notification_id", notice.to_owned())]
    };
    let bulk = |uuid: &str| {
        vec![("client_uuid", uuid.to_owned()), ("environment", "sandbox".to_owned()), ("since", week_ago.clone())]
    };
    let call = |browser: &reqwest::Client, name: &'static str, form: Vec<(&'static str, String)>| {
        let (app, browser) = (&app, browser.clone());
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.call_fn(&browser, name, &form).await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // Signed out: refused.
    for (name, form) in
        [("resend_rejected_data", resend(&own_delivery, &own_notice)), ("resend_rejected_data_since", bulk(&own))]
    {
        let (status, body) = call(&signed_out, name, form).await;
        assert_eq!((status, body), (401, json!({ "kind": "unauthenticated" })), "{name}");
    }
    // Another client's: not found, and nothing is queued.
    for (name, form) in
        [("resend_rejected_data", resend(&other_delivery, &other_notice)), ("resend_rejected_data_since", bulk(&other))]
    {
        let (status, body) = call(&browser, name, form).await;
        assert_eq!(status, 404, "{name}: {body}");
        assert_eq!(body["kind"], "not_found");
    }
    // The own one: a resend attempt, accepted now, shown on the notice.
    let (status, body) = call(&browser, "resend_rejected_data", resend(&own_delivery, &own_notice)).await;
    assert_eq!(status, 200, "{body}");
    let notice = wait::for_value("the notice shows the resent data delivered", WITHIN, || async {
        let notice = app.notification(&own_notice).await;
        if notice["data_delivery"]["status"] == "delivered" { Ok(notice) } else { Err(format!("{notice:#}")) }
    })
    .await;
    assert_eq!(notice["data_delivery"]["attempts"][1]["trigger"], "resend");
    assert_eq!(notice["data_delivery"]["attempts"][1]["triggered_by"], "dev@own.example");

    // In bulk: the other client's rejected document is untouched by the own client's call.
    let (status, body) = call(&browser, "resend_rejected_data_since", bulk(&own)).await;
    assert_eq!((status, body), (200, json!({ "queued": 0, "remaining": 0 })));
    let other_now: Value = app.get_json(&format!("/data-deliveries/{other_delivery}")).await;
    assert_eq!(other_now["attempts"].as_array().unwrap().len(), 1);

    // The needs-attention page data lists rejected data deliveries per environment.
    let (status, attention) = call(&browser, "failed_notifications", vec![("client_uuid", own.clone())]).await;
    assert_eq!(status, 200);
    let sandbox = attention["environments"].as_array().unwrap().iter().find(|e| e["environment"] == "sandbox").unwrap();
    assert_eq!(sandbox["rejected_data"], json!([]), "accepted now, so no longer rejected");
    app.stop().await;
}

async fn the_overview_shows_the_clients_alerts(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    let app = spawn_app_with(db, |s| {
        s.alert_after_failures = 1;
        s.retry_schedule = "200ms".parse().unwrap();
    })
    .await;
    let (uuid, _) = app.subscribed_client(&receiver.url("/a")).await;
    app.create_account("dev@alerts.example", PASSWORD, Role::Client, Some(&uuid)).await;
    receiver.reply_next([Reply::Status(500)]);
    let id = app.user_created(&uuid, "u-a").await;
    app.wait_for_notification(&id, "delivered", 2, Duration::from_secs(10)).await;
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, "dev@alerts.example", PASSWORD).await.status(), 200);
    let res = app.call_fn(&browser, "client_dashboard", &[("client_uuid", &uuid)]).await;
    assert_eq!(res.status(), 200);
    let dashboard: Value = res.json().await.unwrap();
    let kinds: Vec<&str> =
        dashboard["alerts"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["recovered", "failing"]);
    app.stop().await;
}

crate::on_both_backends!(
    rejected_data_is_resent_from_the_dashboard_for_the_own_client_only,
    the_overview_shows_the_clients_alerts,
);
