//! Ingestion under overload and with a full database: refused at once with 503 and `Retry-After`
//! (nothing recorded, nothing acknowledged lost), served again when the pressure ends. And text the
//! database cannot hold is the client's mistake (4xx), not a server error.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::wait::until;
use crate::support::{TestApp, TestDatabase, spawn_app, spawn_app_with};

fn event(client_uuid: &str, user_id: &str) -> Value {
    json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": user_id })
}

fn document(client_uuid: &str, payload_bytes: usize) -> Value {
    json!({
        "client_uuid": client_uuid, "environment": "sandbox", "user_id": "user-1", "data_type": "summary",
        "pillar": "sleep", "payload": { "filler": "x".repeat(payload_bytes) }
    })
}

async fn hand_over(app: &TestApp, body: &Value) -> reqwest::Response {
    app.send_json(Method::POST, "/data-deliveries", body).await
}

/// A client whose Sandbox has a Data Webhook URL (so documents are accepted).
async fn client_with_data_url(app: &TestApp) -> String {
    let client_uuid = app.create_client("Overload Co").await;
    app.set_environment(&client_uuid, "sandbox", &json!({ "data_webhook_url": "http://127.0.0.1:9/data" })).await;
    client_uuid
}

/// Asserts a 503 with `Retry-After` and the JSON error `code`.
/// Writes with `write` (given the write's number) until one is not acknowledged with 202, at most
/// `tries` times; returns how many were acknowledged and the answer that was not.
async fn until_refused<F, Fut>(tries: usize, mut write: F) -> (i64, Option<reqwest::Response>)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let mut acknowledged = 0;
    for i in 0..tries {
        let res = write(i).await;
        if res.status() != 202 {
            return (acknowledged, Some(res));
        }
        acknowledged += 1;
    }
    (acknowledged, None)
}

async fn assert_unavailable(res: reqwest::Response, code: &str) {
    assert_eq!(res.status(), 503, "expected 503 {code}");
    let retry_after = res.headers().get("retry-after").expect("a Retry-After header").to_str().unwrap().to_owned();
    assert!(retry_after.parse::<u64>().is_ok_and(|s| s >= 1), "Retry-After: {retry_after}");
    let body: Value = res.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingestion_beyond_the_bound_is_refused_with_503_and_retry_after() {
    let db = TestDatabase::sqlite().await;
    let app = spawn_app_with(db, |s| {
        s.max_pending_ingest = 1;
        s.deliver = false;
    })
    .await;
    let client_uuid = client_with_data_url(&app).await;
    // A document first, so the data secret exists and handing over needs no write of its own but the
    // delivery.
    assert_eq!(hand_over(&app, &document(&client_uuid, 10)).await.status(), 202);

    // Another connection holds SQLite's write lock: the event admitted first waits for it.
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    let mut holder = sqlx::AnyConnection::connect(app.database_url()).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
    let first = tokio::spawn({
        let request = app.api(Method::POST, "/platform-events").json(&event(&client_uuid, "first"));
        async move { request.send().await.unwrap() }
    });
    until("the first event waits to be recorded", Duration::from_secs(10), || {
        std::future::ready(app.services.ingest_waiting() == 1)
    })
    .await;

    // Beyond the bound, events and documents are refused at once, not queued.
    assert_unavailable(app.post_event(&event(&client_uuid, "second")).await, "overloaded").await;
    assert_unavailable(hand_over(&app, &document(&client_uuid, 10)).await, "overloaded").await;

    // The pressure ends: the waiting event is recorded, and new ones are accepted again.
    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.unwrap();
    let _ = holder.close().await;
    assert_eq!(first.await.unwrap().status(), 202, "the admitted event is recorded");
    assert_eq!(app.post_event(&event(&client_uuid, "third")).await.status(), 202);
    assert_eq!(hand_over(&app, &document(&client_uuid, 10)).await.status(), 202);
    let users: Vec<String> =
        app.notifications_of(&client_uuid).await.iter().map(|n| n["user_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(users, ["third", "first"], "the refused event was not recorded");
    assert_eq!(
        app.query_number("SELECT COUNT(*) FROM data_deliveries").await,
        2,
        "the refused document was not recorded"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_database_answers_503_loses_nothing_acknowledged_and_recovers() {
    let db = TestDatabase::sqlite().await;
    // The database as migrated and in use, then limited to a little more than that.
    let app = spawn_app_with(db.shared(), |s| s.deliver = false).await;
    let client_uuid = client_with_data_url(&app).await;
    assert_eq!(hand_over(&app, &document(&client_uuid, 10)).await.status(), 202);
    let pages = app.query_number("PRAGMA page_count").await;
    let page_size = app.query_number("PRAGMA page_size").await;
    app.stop().await;
    let limit = u64::try_from((pages + 64) * page_size).unwrap();
    let app = spawn_app_with(db.shared(), |s| {
        s.deliver = false;
        s.sqlite_max_size = Some(limit);
    })
    .await;

    // Documents until the database is full: each one is either acknowledged and stored, or refused.
    let (acknowledged, refused) = until_refused(64, |_| {
        let (app, document) = (&app, document(&client_uuid, 16 * 1024));
        async move { hand_over(app, &document).await }
    })
    .await;
    // One more was stored before.
    let acknowledged = acknowledged + 1;
    assert_unavailable(refused.expect("the database filled up"), "storage_full").await;
    assert_eq!(app.query_number("SELECT COUNT(*) FROM data_deliveries").await, acknowledged, "an acknowledged loss");
    // Events too, through the group-commit writer.
    let (events, refused) = until_refused(2000, |i| {
        let event = event(&client_uuid, &format!("user-{i}"));
        let app = &app;
        async move { app.post_event(&event).await }
    })
    .await;
    assert_unavailable(refused.expect("events filled the database"), "storage_full").await;
    assert_eq!(app.query_number("SELECT COUNT(*) FROM notifications").await, events, "an acknowledged loss");

    // Space returns (an operator deletes old documents): the same server takes writes again.
    app.execute_sql_script("DELETE FROM data_deliveries").await;
    assert_eq!(app.post_event(&event(&client_uuid, "after")).await.status(), 202);
    assert_eq!(hand_over(&app, &document(&client_uuid, 16 * 1024)).await.status(), 202);
    assert_eq!(app.query_number("SELECT COUNT(*) FROM notifications").await, events + 1);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200, "ready again");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_postgres_cannot_hold_is_refused_with_4xx() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Bytes Co").await;
    // A NUL byte in a filter reaches Postgres, which refuses it (SQLSTATE 22021).
    for path in ["/notifications", "/data-deliveries"] {
        let res = app
            .api(Method::GET, path)
            .query(&[("client_uuid", client_uuid.as_str()), ("user_id", "user\u{0}1")])
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.expect("a JSON error body");
        assert!(status.is_client_error(), "{path} with a NUL byte answered {status}: {body}");
        assert_eq!(body["error"]["code"], "invalid", "{body}");
    }
    // The server is fine.
    let res = app
        .api(Method::GET, "/notifications")
        .query(&[("client_uuid", client_uuid.as_str()), ("user_id", "user-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}
