//! Retention of notifications: payloads go after their retention, records (with attempts) after
//! theirs, in batches; nothing else is touched.

use std::time::Duration;

use app::timestamp::Timestamp;
use reqwest::Method;
use rook_notify::engine::retention::{RetentionPolicy, run_once};

use crate::support::{Reply, Subscribed, TestDatabase, spawn_subscribed};

const DAY: i64 = 86_400 * 1_000_000;

async fn retention_removes_what_is_due_and_nothing_else(db: TestDatabase) {
    let url = db.url.clone();
    let Subscribed { app, receiver, client_uuid: uuid, .. } = spawn_subscribed(db, "/r", |_| {}).await;
    let old_payload = app.user_created(&uuid, "old-payload").await;
    let ancient = app.user_created(&uuid, "ancient").await;
    let fresh = app.user_created(&uuid, "fresh").await;
    for id in [&old_payload, &ancient, &fresh] {
        app.wait_for_notification(id, "delivered", 1, Duration::from_secs(10)).await;
    }
    // One that is still waiting for a retry, however old, stays whole.
    receiver.reply_always(Reply::Status(503));
    let waiting = app.user_created(&uuid, "waiting").await;
    app.wait_for_notification(&waiting, "retrying", 1, Duration::from_secs(10)).await;
    receiver.reply_always(Reply::Status(200));

    // Age them (created_at is what retention reads).
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let now = Timestamp::now();
    for (id, days) in [(&old_payload, 100), (&ancient, 400), (&waiting, 400)] {
        sqlx::query("UPDATE notifications SET created_at = $1 WHERE id = $2")
            .bind(now.as_micros() - days * DAY)
            .bind(id.as_str())
            .execute(&pool)
            .await
            .unwrap();
    }
    // Keep the waiting one from being delivered during the run.
    sqlx::query("UPDATE notifications SET next_attempt_at = $1 WHERE id = $2")
        .bind(now.as_micros() + DAY)
        .bind(waiting.as_str())
        .execute(&pool)
        .await
        .unwrap();

    let policy = RetentionPolicy {
        data_payloads: Duration::from_secs(30 * 86_400),
        notification_payloads: Duration::from_secs(90 * 86_400),
        records: Duration::from_secs(365 * 86_400),
    };
    let run = run_once(app.services.store(), policy, now).await.unwrap();
    assert_eq!(run.notification_payloads_purged, 2, "the 100- and 400-day-old delivered ones");
    assert_eq!(run.records_deleted, 1, "only the 400-day-old delivered one");

    let purged = app.notification(&old_payload).await;
    assert_eq!(purged["payload"], serde_json::Value::Null);
    assert_eq!(purged["attempts"].as_array().unwrap().len(), 1, "its attempts stay");
    let gone = app.api(Method::GET, &format!("/notifications/{ancient}")).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    let attempts_left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attempts WHERE notification_id = $1")
        .bind(ancient.as_str())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts_left, 0, "its attempts went with it");
    assert!(app.notification(&fresh).await["payload"].is_object());
    let still_waiting = app.notification(&waiting).await;
    assert_eq!(still_waiting["status"], "retrying");
    assert!(still_waiting["payload"].is_object());

    // A second run finds nothing more.
    let again = run_once(app.services.store(), policy, now).await.unwrap();
    assert_eq!((again.notification_payloads_purged, again.records_deleted), (0, 0));
    pool.close().await;
    app.stop().await;
}

crate::on_both_backends!(retention_removes_what_is_due_and_nothing_else);
