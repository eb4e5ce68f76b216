//! Retention by status: nothing `pending`, `retrying` or `held` loses its payload or its record, however
//! old; resending or releasing what lost its payload is refused with 409 and changes nothing.

use std::time::Duration;

use app::timestamp::Timestamp;
use reqwest::Method;
use rook_notify::engine::retention::{RetentionPolicy, run_once};
use serde_json::{Value, json};

use crate::support::{Reply, Subscribed, TestApp, TestDatabase, TestReceiver, spawn_app, spawn_subscribed, wait};

const WAIT: Duration = Duration::from_secs(15);

fn default_policy() -> RetentionPolicy {
    RetentionPolicy {
        data_payloads: Duration::from_secs(30 * 86_400),
        notification_payloads: Duration::from_secs(90 * 86_400),
        records: Duration::from_secs(365 * 86_400),
    }
}

/// Makes every row look 400 days old (retention reads `created_at`) and keeps what waits for a retry
/// from being sent during the test.
async fn age_everything(app: &TestApp) {
    let old = (Timestamp::now().as_micros() - 400 * 86_400 * 1_000_000).to_string();
    let later = (Timestamp::now().as_micros() + 86_400 * 1_000_000).to_string();
    for table in ["notifications", "data_deliveries"] {
        app.execute_sql(&format!("UPDATE {table} SET created_at = CAST($1 AS BIGINT)"), &old).await;
        app.execute_sql(
            &format!("UPDATE {table} SET next_attempt_at = CAST($1 AS BIGINT) WHERE next_attempt_at IS NOT NULL"),
            &later,
        )
        .await;
    }
}

async fn data_delivery(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/data-deliveries/{id}")).await
}

async fn retention_keeps_held_and_retrying_records_whole_however_old(db: TestDatabase) {
    let notifications = TestReceiver::start().await;
    let data = TestReceiver::start().await;
    let app = spawn_app(db).await;
    let (uuid, _) = app.subscribed_client(&notifications.url("/n")).await;
    app.set_environment(&uuid, "sandbox", &json!({ "data_webhook_url": data.url("/d") })).await;

    // A 410 disables the endpoint: the notification is held, and so is the next one.
    notifications.reply_always(Reply::Status(410));
    let gone = app.user_created(&uuid, "gone").await;
    app.wait_for_notification(&gone, "held", 1, WAIT).await;
    app.wait_for_subscription_state(&uuid, "sandbox", "disabled", WAIT).await;
    let held = app.user_created(&uuid, "held").await;
    app.wait_for_notification(&held, "held", 0, WAIT).await;

    // A data delivery that waits for a retry.
    data.reply_always(Reply::Status(503));
    let res = app
        .send_json(
            Method::POST,
            "/data-deliveries",
            &json!({ "client_uuid": uuid, "environment": "sandbox", "user_id": "u", "data_type": "summary",
                       "pillar": "sleep", "document_id": "doc-1", "payload": { "kept": true } }),
        )
        .await;
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let delivery = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    wait::until("the data delivery is retrying", WAIT, || async {
        data_delivery(&app, &delivery).await["status"] == "retrying"
    })
    .await;

    age_everything(&app).await;
    let run = run_once(app.services.store(), default_policy(), Timestamp::now()).await.unwrap();
    assert_eq!(run.notification_payloads_purged, 0, "{run:?}");
    assert_eq!(run.data_payloads_purged, 0, "{run:?}");
    assert_eq!(run.records_deleted, 0, "{run:?}");
    for id in [&gone, &held] {
        let n = app.notification(id).await;
        assert_eq!(n["status"], "held");
        assert!(n["payload"].is_object(), "a held notification keeps its payload: {n:#}");
    }
    let d = data_delivery(&app, &delivery).await;
    assert_eq!(d["payload"], json!({ "kept": true }), "{d:#}");

    // Released, they are sent whole.
    notifications.reply_always(Reply::Status(200));
    app.set_subscription(&uuid, "sandbox", true).await;
    app.wait_for_notification(&held, "delivered", 1, WAIT).await;
    let last = notifications.received().pop().expect("the released one was received");
    assert!(serde_json::from_slice::<Value>(&last.body).is_ok_and(|b| b["user_id"].is_string()), "sent whole");
    app.stop().await;
}

async fn resend_and_release_of_a_purged_payload_answer_409_and_change_nothing(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid: uuid, .. } = spawn_subscribed(db, "/n", |_| {}).await;
    let delivered = app.user_created(&uuid, "delivered").await;
    app.wait_for_notification(&delivered, "delivered", 1, WAIT).await;
    app.execute_sql("UPDATE notifications SET body = NULL WHERE id = $1", &delivered).await;

    let res = app.api(Method::POST, &format!("/notifications/{delivered}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 409);
    let error: Value = res.json().await.unwrap();
    assert_eq!(error["error"]["code"], "payload_purged", "{error:#}");
    assert!(error["error"]["message"].as_str().unwrap().contains("retention"));
    let n = app.notification(&delivered).await;
    assert_eq!(n["status"], "delivered", "{n:#}");
    assert_eq!(n["attempts"].as_array().unwrap().len(), 1);

    // A held notification whose payload was purged (before held ones were kept) is not released.
    receiver.reply_always(Reply::Status(410));
    let held = app.user_created(&uuid, "held").await;
    app.wait_for_notification(&held, "held", 1, WAIT).await;
    app.wait_for_subscription_state(&uuid, "sandbox", "disabled", WAIT).await;
    app.execute_sql("UPDATE notifications SET body = NULL WHERE id = $1", &held).await;
    receiver.reply_always(Reply::Status(200));
    let res = app.update_subscription(&uuid, "sandbox", &json!({ "active": true })).await;
    assert_eq!(res.status(), 409);
    let error: Value = res.json().await.unwrap();
    assert_eq!(error["error"]["code"], "payload_purged", "{error:#}");
    assert_eq!(app.subscription(&uuid, "sandbox").await["state"], "disabled", "nothing changed");
    assert_eq!(app.notification(&held).await["status"], "held");
    let res = app.api(Method::POST, &format!("/notifications/{held}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 409, "nor resent");

    // Switched off and on, the subscription is active again and the held one is not sent.
    app.set_subscription(&uuid, "sandbox", false).await;
    app.set_subscription(&uuid, "sandbox", true).await;
    assert_eq!(app.notification(&held).await["status"], "not_subscribed");
    app.stop().await;
}

crate::on_both_backends!(
    retention_keeps_held_and_retrying_records_whole_however_old,
    resend_and_release_of_a_purged_payload_answer_409_and_change_nothing
);
