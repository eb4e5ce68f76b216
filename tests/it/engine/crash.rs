//! Nothing acknowledged is lost: a process killed with SIGKILL mid-delivery, then restarted, delivers
//! every acknowledged notification (duplicates only for the ones in flight, with the same webhook-id);
//! and two processes sharing one Postgres database deliver everything between them.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::app::{ADMIN_TOKEN, browser_client};
use crate::support::process::ServeProcess;
use crate::support::{Reply, TestDatabase, TestReceiver};

/// Through `base_url`'s API: a client whose Sandbox subscription is active and points at `url`.
async fn subscribed_client(client: &reqwest::Client, base_url: &str, url: &str) -> String {
    let api = |method, path: &str| client.request(method, format!("{base_url}/api/v1{path}")).bearer_auth(ADMIN_TOKEN);
    let created: Value = api(reqwest::Method::POST, "/clients")
        .json(&json!({ "name": "Crash Co" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uuid = created["client_uuid"].as_str().unwrap().to_owned();
    let res = api(reqwest::Method::PUT, &format!("/clients/{uuid}/environments/sandbox"))
        .json(&json!({ "notification_webhook_url": url }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = api(reqwest::Method::PUT, &format!("/clients/{uuid}/environments/sandbox/subscription"))
        .json(&json!({ "active": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    uuid
}

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

/// Waits until every id was received at least once; returns how many times each arrived.
async fn wait_all_received(receiver: &TestReceiver, ids: &[String], within: Duration) -> HashMap<String, usize> {
    let wanted: HashSet<&String> = ids.iter().collect();
    let deadline = Instant::now() + within;
    loop {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for r in receiver.received() {
            *counts.entry(r.header("webhook-id").to_owned()).or_default() += 1;
        }
        if wanted.iter().all(|id| counts.contains_key(*id)) {
            return counts;
        }
        let missing = wanted.iter().filter(|id| !counts.contains_key(**id)).count();
        assert!(Instant::now() < deadline, "{missing} acknowledged notifications were never delivered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
