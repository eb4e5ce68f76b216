//! The Data Webhook channel: documents delivered byte for byte, signed with the data secret, and every
//! rejection turned into a `data_webhook.rejected` notification.

use std::time::Duration;

use http::HeaderMap;
use reqwest::Method;
use serde_json::{Value, json};
use standardwebhooks::Webhook;

use crate::support::{Reply, TestApp, TestDatabase, TestReceiver, spawn_app_with};

const WITHIN: Duration = Duration::from_secs(10);

/// A client whose Sandbox sends notifications to `notifications` (subscribed when `subscribe`) and data
/// to `data`; returns its UUID, the notification secret (when subscribed) and the data secret.
async fn data_client(
    app: &TestApp,
    notifications: &str,
    data: &str,
    subscribe: bool,
) -> (String, Option<String>, String) {
    let uuid = app.remote().create_client("Data Co").await;
    let urls = json!({ "notification_webhook_url": notifications, "data_webhook_url": data });
    app.set_environment(&uuid, "sandbox", &urls).await;
    let notification_secret = if subscribe {
        Some(app.set_subscription(&uuid, "sandbox", true).await["secret"].as_str().unwrap().to_owned())
    } else {
        None
    };
    let data_secret = app.get_json(&format!("/clients/{uuid}/environments/sandbox/secrets/data")).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    (uuid, notification_secret, data_secret)
}

/// An application whose data deliveries are retried on `data_retry_schedule`, with a receiver for
/// notifications and one for data, and a client sending to both (subscribed when `subscribe`).
struct DataSetup {
    app: TestApp,
    notifications: TestReceiver,
    data: TestReceiver,
    uuid: String,
    notification_secret: Option<String>,
    data_secret: String,
}

async fn data_setup(db: TestDatabase, data_retry_schedule: Option<&str>, subscribe: bool) -> DataSetup {
    let notifications = TestReceiver::start().await;
    let data = TestReceiver::start().await;
    let app = spawn_app_with(db, |s| {
        if let Some(schedule) = data_retry_schedule {
            s.data_retry_schedule = schedule.parse().unwrap();
        }
    })
    .await;
    let (uuid, notification_secret, data_secret) =
        data_client(&app, &notifications.url("/n"), &data.url("/d"), subscribe).await;
    DataSetup { app, notifications, data, uuid, notification_secret, data_secret }
}

fn body_with_payload(uuid: &str, payload: &str) -> String {
    format!(
        r#"{{"client_uuid":"{uuid}","environment":"sandbox","user_id":"user-7","data_type":"summary","pillar":"sleep","document_id":"doc-1","payload":{payload}}}"#
    )
}

async fn hand_over(app: &TestApp, body: String) -> reqwest::Response {
    app.post_body("/data-deliveries", body).await
}

/// Hands a document over, which must be accepted; returns the data delivery's id.
async fn handed_over(app: &TestApp, body: String) -> String {
    let res = hand_over(app, body).await;
    assert_eq!(res.status(), 202, "data is accepted whatever the add-on");
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// POSTs over a raw connection and reads the answer even when the server stops reading the body
/// early (a 413 sent before the whole body arrived): an HTTP client may report a broken pipe then.
async fn post_raw(app: &TestApp, path: &str, body: String) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base_url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        crate::support::app::ADMIN_TOKEN,
        body.len()
    );
    let write = tokio::spawn(async move {
        // A failure here is the server closing early, which is what this is for.
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(body.as_bytes()).await;
    });
    let mut answer = Vec::new();
    let _ = reader.read_to_end(&mut answer).await;
    write.abort();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

/// Asks for every rejected document of the client's Sandbox since 2020 to be sent again.
async fn resend_rejected_data(app: &TestApp, client_uuid: &str) -> reqwest::Response {
    let path = format!("/clients/{client_uuid}/environments/sandbox/resend-rejected-data");
    app.send_json(Method::POST, &path, &json!({ "since": "2020-01-01T00:00:00Z" })).await
}

/// The client's `data_webhook.rejected` notifications, through the API.
async fn rejection_notices(app: &TestApp, client_uuid: &str) -> Vec<Value> {
    let list = app.get_json(&format!("/notifications?client_uuid={client_uuid}&type=data_webhook.rejected")).await;
    list["items"].as_array().expect("a page of notifications").clone()
}

fn verifies(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    Webhook::new(secret).unwrap().verify(body, headers).is_ok()
}

async fn an_accepted_document_arrives_byte_for_byte_signed_with_the_data_secret(db: TestDatabase) {
    let DataSetup { app, notifications, data, uuid, notification_secret, data_secret } =
        data_setup(db, None, true).await;
    // Odd spacing and key order on purpose: nothing may re-serialise it.
    let payload = r#"{ "z": 1,   "a" : [1, 2.50, "é"],"datetime":"2026-11-29T15:00:00Z" }"#;
    let id = handed_over(&app, body_with_payload(&uuid, payload)).await;

    let got = data.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].body, payload.as_bytes(), "the payload is sent byte for byte");
    assert_eq!(got[0].header("webhook-id"), id);
    assert!(verifies(&data_secret, &got[0].headers, &got[0].body), "signed with the data secret");
    assert!(
        !verifies(notification_secret.as_deref().unwrap(), &got[0].headers, &got[0].body),
        "not with the notification secret"
    );
    let stored = app.wait_for_data_delivery(&id, "delivered", 1, WITHIN).await;
    assert_eq!(stored["data_type"], "summary");
    assert_eq!(stored["payload"], serde_json::from_str::<Value>(payload).unwrap());

    // No notification: an accepted document is not news.
    assert_eq!(app.notifications_of(&uuid).await, Vec::<Value>::new());
    assert!(notifications.received().is_empty());

    // The reverse: a notification does not verify with the data secret.
    app.user_created(&uuid, "u-2").await;
    let n = notifications.wait_for(1, Duration::from_secs(10)).await;
    assert!(verifies(notification_secret.as_deref().unwrap(), &n[0].headers, &n[0].body));
    assert!(!verifies(&data_secret, &n[0].headers, &n[0].body));
    app.stop().await;
}

async fn a_rejected_document_is_notified_at_the_first_rejection_and_at_the_final_failure(db: TestDatabase) {
    let DataSetup { app, notifications, data, uuid, notification_secret, .. } =
        data_setup(db, Some("300ms,300ms"), true).await;
    data.reply_always(Reply::Status(500));
    let id = handed_over(&app, body_with_payload(&uuid, r#"{"datetime":"2026-11-29T15:00:00Z"}"#)).await;

    app.wait_for_data_delivery(&id, "failed", 3, WITHIN).await;
    // A notice is recorded with its attempt, so once the delivery has failed for good every notice it
    // will ever make is recorded; once those are delivered, none is left to come.
    let recorded = rejection_notices(&app, &uuid).await;
    assert_eq!(recorded.len(), 2, "one notice at the first rejection, one at the final failure: {recorded:#?}");
    for notice in &recorded {
        app.wait_for_notification(notice["id"].as_str().unwrap(), "delivered", 1, WITHIN).await;
    }
    let notices = notifications.received();
    assert_eq!(notices.len(), 2, "one notice at the first rejection, one at the final failure");
    let secret = notification_secret.unwrap();
    let mut bodies: Vec<Value> = notices
        .iter()
        .map(|r| {
            assert!(verifies(&secret, &r.headers, &r.body), "the notice is signed");
            r.json()
        })
        .collect();
    bodies.sort_by_key(|b| b["details"]["attempt_number"].as_u64());
    let (first, last) = (&bodies[0], &bodies[1]);
    for notice in [first, last] {
        assert_eq!(notice["type"], "data_webhook.rejected");
        assert_eq!(notice["category"], "rejected_information");
        assert_eq!(notice["user_id"], "user-7");
        assert_eq!(notice["details"]["data_type"], "summary");
        assert_eq!(notice["details"]["pillar"], "sleep");
        assert_eq!(notice["details"]["document_id"], "doc-1");
        assert_eq!(notice["details"]["data_delivery_id"], id);
        assert_eq!(notice["details"]["response_status"], 500);
        assert_eq!(notice["details"]["response_excerpt"], "answer");
        assert_eq!(notice["details"]["error_kind"], "http_status");
    }
    assert_eq!(first["details"]["attempt_number"], 1);
    assert_eq!(first["details"]["will_retry"], true);
    assert!(first["details"]["next_attempt_at"].is_string());
    assert_eq!(last["details"]["attempt_number"], 3);
    assert_eq!(last["details"]["will_retry"], false);
    assert!(last["details"].get("next_attempt_at").is_none());
    app.stop().await;
}

async fn every_kind_of_rejection_is_notified(db: TestDatabase) {
    let notifications = TestReceiver::start().await;
    let data = TestReceiver::start().await;
    let app = spawn_app_with(db, |s| {
        s.data_retry_schedule = "none".parse().unwrap();
        s.delivery_timeout = Duration::from_millis(500);
    })
    .await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/gone", l.local_addr().unwrap())
    };
    let cases = [
        (data.url("/bad-request"), Some(Reply::Status(400)), "http_status", Some(400)),
        (data.url("/slow"), Some(Reply::Slow(Duration::from_secs(2), 200)), "timeout", None),
        (closed, None, "connect", None),
    ];
    for (i, (url, reply, kind, status)) in cases.into_iter().enumerate() {
        if let Some(reply) = reply {
            data.reply_next([reply]);
        }
        let (uuid, _, _) = data_client(&app, &notifications.url(&format!("/n{i}")), &url, true).await;
        let res = hand_over(&app, body_with_payload(&uuid, "{}")).await;
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        app.wait_for_data_delivery(&id, "failed", 1, WITHIN).await;
        let got = notifications.wait_for(i + 1, Duration::from_secs(10)).await;
        let notice = got.iter().map(|r| r.json()).find(|n| n["details"]["data_delivery_id"] == id).expect("notified");
        assert_eq!(notice["details"]["error_kind"], kind);
        assert_eq!(notice["details"]["response_status"], json!(status));
        assert_eq!(notice["details"]["will_retry"], false, "first rejection and final failure at once: one notice");
    }
    app.stop().await;
}

async fn without_the_add_on_rejections_are_recorded_but_not_sent(db: TestDatabase) {
    let DataSetup { app, notifications, data, uuid, .. } = data_setup(db, Some("none"), false).await;
    data.reply_always(Reply::Status(503));
    let id = handed_over(&app, body_with_payload(&uuid, "{}")).await;
    app.wait_for_data_delivery(&id, "failed", 1, WITHIN).await;
    let notices = rejection_notices(&app, &uuid).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["status"], "not_subscribed");
    // Switched on now (what was recorded unsubscribed stays so), a later notification to the same URL
    // is the only thing that arrives there.
    app.set_subscription(&uuid, "sandbox", true).await;
    let marker = app.deliver_marker(&uuid).await;
    assert_eq!(notifications.header_values("webhook-id"), [marker], "nothing else is sent to the notification URL");
    app.stop().await;
}

async fn a_resend_after_the_receiver_is_fixed_is_accepted_and_shown_on_the_notice(db: TestDatabase) {
    let DataSetup { app, data, uuid, .. } = data_setup(db, Some("none"), true).await;
    data.reply_next([Reply::Status(500)]);
    let id = handed_over(&app, body_with_payload(&uuid, r#"{"n":1}"#)).await;
    let failed = app.wait_for_data_delivery(&id, "failed", 1, WITHIN).await;
    let notice_id = failed["rejected_notification_id"].as_str().expect("the rejection is linked").to_owned();

    // The receiver is fixed (it answers 200 from now on); resend.
    let res = app.api(Method::POST, &format!("/data-deliveries/{id}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let delivered = app.wait_for_data_delivery(&id, "delivered", 2, WITHIN).await;
    assert_eq!(delivered["attempts"][1]["trigger"], "resend");
    assert_eq!(data.received()[1].body, br#"{"n":1}"#);

    let notice = app.notification(&notice_id).await;
    assert_eq!(notice["type"], "data_webhook.rejected");
    assert_eq!(notice["data_delivery"]["status"], "delivered", "the notice's detail shows the later acceptance");
    assert!(notice["data_delivery"]["delivered_at"].is_string());

    // Resending every rejected document of a range: none left once it was accepted.
    let res = resend_rejected_data(&app, &uuid).await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "queued": 0, "remaining": 0 }));
    app.stop().await;
}

async fn rejected_documents_are_resent_in_bulk(db: TestDatabase) {
    let DataSetup { app, data, uuid, .. } = data_setup(db, Some("none"), false).await;
    data.reply_next([Reply::Status(500), Reply::Status(500), Reply::Status(500)]);
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(handed_over(&app, body_with_payload(&uuid, &format!(r#"{{"i":{i}}}"#))).await);
    }
    for id in &ids {
        app.wait_for_data_delivery(id, "failed", 1, WITHIN).await;
    }
    let res = resend_rejected_data(&app, &uuid).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "queued": 3, "remaining": 0 }));
    for id in &ids {
        let d = app.wait_for_data_delivery(id, "delivered", 2, WITHIN).await;
        assert_eq!(d["attempts"][1]["trigger"], "bulk_resend");
    }
    app.stop().await;
}

async fn a_5_mib_summary_is_delivered_and_an_11_mib_one_is_refused(db: TestDatabase) {
    let DataSetup { app, data, uuid, .. } = data_setup(db, None, false).await;
    let big = format!(r#"{{"samples":"{}"}}"#, "x".repeat(5 * 1024 * 1024));
    let id = handed_over(&app, body_with_payload(&uuid, &big)).await;
    let got = data.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got[0].body.len(), big.len());
    assert!(got[0].body == big.as_bytes());
    app.wait_for_data_delivery(&id, "delivered", 1, WITHIN).await;

    let huge = format!(r#"{{"samples":"{}"}}"#, "x".repeat(11 * 1024 * 1024));
    let (status, answer) = post_raw(&app, "/api/v1/data-deliveries", body_with_payload(&uuid, &huge)).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("body_too_large"), "{answer}");
    app.stop().await;
}

async fn retention_purges_old_payloads_and_keeps_the_records(db: TestDatabase) {
    let DataSetup { app, uuid, .. } = data_setup(db, None, false).await;
    let id = handed_over(&app, body_with_payload(&uuid, r#"{"old":true}"#)).await;
    app.wait_for_data_delivery(&id, "delivered", 1, WITHIN).await;

    let store = app.services.store();
    let now = app::timestamp::Timestamp::now();
    let policy = rook_notify::engine::retention::RetentionPolicy {
        data_payloads: Duration::from_secs(3600),
        notification_payloads: Duration::from_secs(90 * 86_400),
        records: Duration::from_secs(365 * 86_400),
    };
    let run = rook_notify::engine::retention::run_once(store, policy, now).await.unwrap();
    assert_eq!(run.data_payloads_purged, 0, "a fresh payload is within retention");
    let run = rook_notify::engine::retention::run_once(store, policy, now.plus_seconds(2 * 3600)).await.unwrap();
    assert_eq!(run.data_payloads_purged, 1);
    assert_eq!(run.records_deleted, 0);

    let d = app.data_delivery(&id).await;
    assert_eq!(d["payload"], Value::Null);
    assert_eq!(d["payload_purged"], true);
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 1, "the attempts stay");
    let res = app.api(Method::POST, &format!("/data-deliveries/{id}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 409, "nothing left to send");
    app.stop().await;
}

async fn data_deliveries_need_a_data_url_that_differs_from_every_notification_url(db: TestDatabase) {
    let app = spawn_app_with(db, |_| {}).await;
    let uuid = app.remote().create_client("No Data Co").await;
    let res = hand_over(&app, body_with_payload(&uuid, "{}")).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "url_required");

    app.set_environment(&uuid, "production", &json!({ "notification_webhook_url": "https://hooks.example.com/rook" }))
        .await;
    let res = app
        .update_environment(&uuid, "sandbox", &json!({ "data_webhook_url": "HTTPS://hooks.example.com:443/rook/" }))
        .await;
    assert_eq!(res.status(), 422);
    let error = res.json::<Value>().await.unwrap()["error"].clone();
    assert_eq!(error["field"], "data_webhook_url");
    assert!(error["message"].as_str().unwrap().contains("Production Notification Webhook URL"), "{error}");
    app.stop().await;
}

crate::on_both_backends!(
    an_accepted_document_arrives_byte_for_byte_signed_with_the_data_secret,
    a_rejected_document_is_notified_at_the_first_rejection_and_at_the_final_failure,
    every_kind_of_rejection_is_notified,
    without_the_add_on_rejections_are_recorded_but_not_sent,
    a_resend_after_the_receiver_is_fixed_is_accepted_and_shown_on_the_notice,
    rejected_documents_are_resent_in_bulk,
    a_5_mib_summary_is_delivered_and_an_11_mib_one_is_refused,
    retention_purges_old_payloads_and_keeps_the_records,
    data_deliveries_need_a_data_url_that_differs_from_every_notification_url,
);
