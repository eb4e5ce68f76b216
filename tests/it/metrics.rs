//! `GET /metrics`: Prometheus text that moves under load.

use std::time::Duration;

use crate::support::{TestDatabase, TestReceiver, metric as sample, spawn_app, spawn_app_with};

async fn metrics_are_exposed_and_move_under_load(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    let app = spawn_app(db).await;
    let scrape = || async {
        let res = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        res.text().await.unwrap()
    };
    // Counters are per process (tests share one): compare before and after.
    let before = scrape().await;
    let (uuid, _) = app.subscribed_client(&receiver.url("/m")).await;
    let users: Vec<String> = (0..5).map(|i| format!("m-{i}")).collect();
    app.users_delivered(&uuid, &users, Duration::from_secs(10)).await;
    let after = scrape().await;

    let grew = |name: &str, labels: &[&str]| sample(&after, name, labels) - sample(&before, name, labels);
    assert!(grew("rook_notify_events_ingested_total", &["type=\"user.created\""]) >= 5.0, "{after}");
    // Every event went through a group-commit transaction, each one timed.
    assert!(grew("rook_notify_ingest_batch_events_sum", &[]) >= 5.0, "{after}");
    assert!(grew("rook_notify_ingest_batch_events_count", &[]) >= 1.0);
    assert!(grew("rook_notify_ingest_transaction_duration_seconds_count", &[]) >= 1.0);
    assert!(after.contains("rook_notify_ingest_batch_events_bucket{le=\"64\"}"), "batch sizes in buckets");
    assert!(grew("rook_notify_attempts_total", &["channel=\"notification\"", "outcome=\"succeeded\""]) >= 5.0);
    assert!(grew("rook_notify_attempt_duration_seconds_count", &["channel=\"notification\""]) >= 5.0);
    assert!(grew("rook_notify_first_attempt_latency_seconds_count", &["channel=\"notification\""]) >= 5.0);
    assert!(after.contains("rook_notify_first_attempt_latency_seconds_bucket"), "a histogram with buckets");
    for gauge in ["rook_notify_queue_depth", "rook_notify_oldest_due_age_seconds", "rook_notify_endpoints_disabled"] {
        assert!(after.lines().any(|l| l.starts_with(gauge)), "{gauge} is exposed");
    }
    app.stop().await;
}

crate::on_both_backends!(metrics_are_exposed_and_move_under_load);

#[tokio::test]
async fn metrics_can_live_on_their_own_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(TestDatabase::sqlite().await, |s| {
        s.metrics_addr = Some(format!("127.0.0.1:{port}").parse().unwrap());
    })
    .await;
    let own = app.client.get(format!("http://127.0.0.1:{port}/metrics")).send().await.unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.text().await.unwrap().contains("rook_notify_queue_depth"));
    let main = app.client.get(app.url("/metrics")).header("accept", "text/plain").send().await.unwrap();
    assert_ne!(main.status(), 200, "not on the main address then");
    app.stop().await;
}
