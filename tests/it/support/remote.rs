//! The admin API of a server known by its address: how every test sets a client up, whether the
//! server is a [`super::TestApp`] or a [`super::process::ServeProcess`] (the crash and fault tests).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::TestReceiver;
use super::app::ADMIN_TOKEN;

/// The admin API (`/api/v1`, admin token) of the server at `base_url`, through `client`: what every
/// test does through the API to set a client up.
#[derive(Clone, Copy)]
pub struct Api<'a> {
    pub client: &'a reqwest::Client,
    pub base_url: &'a str,
}

impl Api<'_> {
    /// A request to `path` under `/api/v1` with the admin token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}/api/v1{path}", self.base_url)).bearer_auth(ADMIN_TOKEN)
    }

    /// Sends `body` as JSON to `path` and returns the answer, whatever it is.
    pub async fn send_json(&self, method: Method, path: &str, body: &Value) -> reqwest::Response {
        self.request(method, path).json(body).send().await.expect("an API request")
    }

    /// The JSON answer to a GET of `path`, whatever its status.
    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.request(Method::GET, path).send().await.expect("an API request");
        res.json().await.expect("a JSON answer")
    }

    /// Creates a client and returns its UUID.
    pub async fn create_client(&self, name: &str) -> String {
        let res = self.send_json(Method::POST, "/clients", &json!({ "name": name })).await;
        assert_eq!(res.status(), 201, "client created");
        res.json::<Value>().await.unwrap()["client_uuid"].as_str().unwrap().to_owned()
    }

    /// PUTs `change` to one environment of the client and returns the answer, whatever it is.
    pub async fn update_environment(&self, client_uuid: &str, env: &str, change: &Value) -> reqwest::Response {
        self.send_json(Method::PUT, &format!("/clients/{client_uuid}/environments/{env}"), change).await
    }

    /// PUTs `change` to one environment of the client, which must accept it; returns the environment.
    pub async fn set_environment(&self, client_uuid: &str, env: &str, change: &Value) -> Value {
        let res = self.update_environment(client_uuid, env, change).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "the {env} environment took {change}: {body}");
        serde_json::from_str(&body).expect("a JSON environment")
    }

    /// PUTs `change` to one subscription of the client and returns the answer, whatever it is.
    pub async fn update_subscription(&self, client_uuid: &str, env: &str, change: &Value) -> reqwest::Response {
        self.send_json(Method::PUT, &format!("/clients/{client_uuid}/environments/{env}/subscription"), change).await
    }

    /// Switches a subscription, which must succeed; returns the answer.
    pub async fn set_subscription(&self, client_uuid: &str, env: &str, active: bool) -> Value {
        let res = self.update_subscription(client_uuid, env, &json!({ "active": active })).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "the {env} subscription switched to {active}: {body}");
        serde_json::from_str(&body).expect("a JSON subscription")
    }

    /// A client whose Sandbox subscription is active and points at `url`; returns its UUID and the
    /// notification signing secret.
    pub async fn subscribed_client(&self, url: &str) -> (String, String) {
        let client_uuid = self.create_client("Receiver Test Co").await;
        self.set_environment(&client_uuid, "sandbox", &json!({ "notification_webhook_url": url })).await;
        let secret = self.set_subscription(&client_uuid, "sandbox", true).await["secret"].as_str().unwrap().to_owned();
        (client_uuid, secret)
    }
}

/// Through `base_url`'s API: a client whose Sandbox subscription is active and points at `url`.
pub async fn subscribed_client(client: &reqwest::Client, base_url: &str, url: &str) -> String {
    Api { client, base_url }.subscribed_client(url).await.0
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
