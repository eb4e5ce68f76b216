//! The API of a server known only by its address (a [`super::process::ServeProcess`]): what the
//! crash and fault tests do through it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Value, json};

use super::TestReceiver;
use super::app::ADMIN_TOKEN;

/// Through `base_url`'s API: a client whose Sandbox subscription is active and points at `url`.
pub async fn subscribed_client(client: &reqwest::Client, base_url: &str, url: &str) -> String {
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

/// How many times each `webhook-id` reached the receiver.
pub fn arrivals(receiver: &TestReceiver) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for id in receiver.header_values("webhook-id") {
        *counts.entry(id).or_default() += 1;
    }
    counts
}

/// Waits until every id was received at least once; returns how many times each arrived.
pub async fn wait_all_received(receiver: &TestReceiver, ids: &[String], within: Duration) -> HashMap<String, usize> {
    let wanted: HashSet<&String> = ids.iter().collect();
    let mut counts = HashMap::new();
    let all_arrived = super::wait::within(within, || {
        counts = arrivals(receiver);
        std::future::ready(wanted.iter().all(|id| counts.contains_key(*id)))
    })
    .await;
    let missing = wanted.iter().filter(|id| !counts.contains_key(**id)).count();
    assert!(all_arrived, "{missing} acknowledged notifications were never delivered");
    counts
}
