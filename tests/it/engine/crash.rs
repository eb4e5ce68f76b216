//! Nothing acknowledged is lost: a process killed with SIGKILL mid-delivery, then restarted, delivers
//! every acknowledged notification (duplicates only for the ones in flight, with the same webhook-id);
//! and two processes sharing one Postgres database deliver everything between them.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::app::{ADMIN_TOKEN, browser_client};
use crate::support::process::ServeProcess;
use crate::support::remote::{subscribed_client, wait_all_received};
use crate::support::{Reply, TestDatabase, TestReceiver};

/// Posts `n` events through `base_url`, returning the acknowledged notification ids.
async fn post_events(client: &reqwest::Client, base_url: &str, client_uuid: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let res = client
            .post(format!("{base_url}/api/v1/platform-events"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created",
                           "user_id": format!("user-{i}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        ids.push(res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned());
    }
    ids
}

const FAST_RECOVERY: [(&str, &str); 4] = [
    // A short lease so the killed process's claims come back quickly.
    ("ROOK_NOTIFY_DELIVERY_TIMEOUT", "1s"),
    ("ROOK_NOTIFY_CLAIM_LEASE", "2s"),
    ("ROOK_NOTIFY_MAX_IN_FLIGHT", "16"),
    ("ROOK_NOTIFY_RETRY_SCHEDULE", "300ms,300ms,300ms"),
];

async fn a_killed_process_loses_nothing_it_acknowledged(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    // Slow answers keep deliveries in flight when the process dies.
    receiver.reply_always(Reply::Slow(Duration::from_millis(150), 200));
    let client = browser_client();
    let mut first = ServeProcess::start(&db.url, &FAST_RECOVERY).await;
    let uuid = subscribed_client(&client, &first.base_url, &receiver.url("/crash")).await;
    let ids = post_events(&client, &first.base_url, &uuid, 120).await;

    receiver.wait_for(10, Duration::from_secs(20)).await;
    first.kill();
    let delivered_before_kill = receiver.received().len();
    assert!(delivered_before_kill < ids.len(), "the kill must happen while work remains");

    let second = ServeProcess::start(&db.url, &FAST_RECOVERY).await;
    let counts = wait_all_received(&receiver, &ids, Duration::from_secs(60)).await;
    let duplicated: usize = counts.values().map(|c| c - 1).sum();
    // Only notifications in flight at the kill can arrive twice: at most one claim's worth.
    assert!(duplicated <= 16, "{duplicated} duplicates: more than were in flight");
    drop(second);
}

crate::on_both_backends!(a_killed_process_loses_nothing_it_acknowledged);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_database_deliver_everything_once() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let receiver = TestReceiver::start().await;
    receiver.reply_always(Reply::Slow(Duration::from_millis(5), 200));
    let client = browser_client();
    let a = ServeProcess::start(&db.url, &[]).await;
    let b = ServeProcess::start(&db.url, &[]).await;
    let uuid = subscribed_client(&client, &a.base_url, &receiver.url("/shared")).await;
    // Events arrive through both processes; either may deliver any of them.
    let (from_a, from_b) =
        tokio::join!(post_events(&client, &a.base_url, &uuid, 150), post_events(&client, &b.base_url, &uuid, 150));
    let ids: Vec<String> = from_a.into_iter().chain(from_b).collect();
    let counts = wait_all_received(&receiver, &ids, Duration::from_secs(60)).await;
    let duplicated: usize = counts.values().map(|c| c - 1).sum();
    assert_eq!(duplicated, 0, "no process crashed, so nothing is delivered twice");
    drop((a, b));
}
