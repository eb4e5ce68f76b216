//! The client-facing dashboard over real HTTP: every server function of the client pages is refused
//! when signed out, answers "not found" (and nothing else) for another client's data and works for the
//! own client; resending through the dashboard makes a `resend` attempt; forms posted without
//! JavaScript come back to their page; the live feed's event stream follows the same rules and carries
//! new notifications.

use std::time::{Duration, Instant};

use app::vocab::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::browser_client;
use crate::support::receiver::Reply;
use crate::support::{TestApp, TestDatabase, TestReceiver, spawn_app};

const PASSWORD: &str = "correct-horse-battery";
const OWN_EMAIL: &str = "dev@own.example";

/// Two subscribed clients with one delivered notification each, and an account for the first.
struct TwoClients {
    app: TestApp,
    receiver: TestReceiver,
    own: String,
    other: String,
    own_notification: String,
    other_notification: String,
}

async fn two_clients(db: TestDatabase) -> TwoClients {
    let app = spawn_app(db).await;
    let receiver = TestReceiver::start().await;
    let (own, _) = app.subscribed_client(&receiver.url("/own")).await;
    let (other, _) = app.subscribed_client(&receiver.url("/other")).await;
    app.create_account(OWN_EMAIL, PASSWORD, Role::Client, Some(&own)).await;
    let own_notification = app.user_created(&own, "user-own").await;
    let other_notification = app.user_created(&other, "user-other").await;
    for id in [&own_notification, &other_notification] {
        app.wait_for_notification(id, "delivered", 1, Duration::from_secs(10)).await;
    }
    TwoClients { app, receiver, own, other, own_notification, other_notification }
}

impl TwoClients {
    /// A browser signed in as the own client's developer.
    async fn signed_in(&self) -> reqwest::Client {
        let browser = browser_client();
        assert_eq!(self.app.sign_in(&browser, OWN_EMAIL, PASSWORD).await.status(), 200);
        browser
    }

    /// Every server function of the client pages, with its arguments for the client `uuid` and the
    /// notification `id`.
    fn calls(&self, uuid: &str, id: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
        let client = || ("client_uuid", uuid.to_owned());
        let sandbox = || ("environment", "sandbox".to_owned());
        let week_ago = app::timestamp::Timestamp::now().plus_seconds(-7 * 86_400).to_rfc3339()[..10].to_owned();
        vec![
            ("client_dashboard", vec![client()]),
            ("client_profile", vec![client()]),
            ("reenable_endpoint", vec![client(), sandbox()]),
            ("notification_feed", vec![("query[client_uuid]", uuid.to_owned())]),
            ("notification_page", vec![("id", id.to_owned())]),
            ("resend_notification", vec![("id", id.to_owned())]),
            ("failed_notifications", vec![client()]),
            ("resend_failed_since", vec![client(), sandbox(), ("since", week_ago)]),
            ("reveal_signing_secret", vec![client(), sandbox()]),
            ("rotate_signing_secret", vec![client(), sandbox(), ("understood", "on".to_owned())]),
            ("reveal_signing_secret", vec![client(), sandbox(), ("purpose", "data".to_owned())]),
            (
                "rotate_signing_secret",
                vec![client(), sandbox(), ("purpose", "data".to_owned()), ("understood", "on".to_owned())],
            ),
            ("send_test_notification", vec![client(), sandbox(), ("kind", "subscription.test".to_owned())]),
        ]
    }

    async fn call(
        &self,
        browser: &reqwest::Client,
        name: &str,
        form: &[(&'static str, String)],
    ) -> (StatusCode, String) {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = self.app.call_fn(browser, name, &form).await;
        (res.status(), res.text().await.unwrap())
    }

    /// Makes the own Sandbox endpoint disabled, as the engine does after a 410.
    async fn disable_own_sandbox(&self) {
        let changed = self
            .app
            .execute_sql(
                "UPDATE environments SET subscription_state = 'disabled', disabled_reason = 'gone' \
                 WHERE client_uuid = $1 AND environment = 'sandbox'",
                &self.own,
            )
            .await;
        assert_eq!(changed, 1);
    }
}

async fn every_client_server_function_is_refused_signed_out_hides_other_clients_and_serves_the_own(db: TestDatabase) {
    let t = two_clients(db).await;

    let signed_out = browser_client();
    for (name, form) in t.calls(&t.own, &t.own_notification) {
        let (status, body) = t.call(&signed_out, name, &form).await;
        assert_eq!(status, 401, "{name} signed out: {body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({ "kind": "unauthenticated" }), "{name}");
    }

    let browser = t.signed_in().await;
    for (name, form) in t.calls(&t.other, &t.other_notification) {
        let (status, body) = t.call(&browser, name, &form).await;
        assert_eq!(status, 404, "{name} with another client's ids: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["kind"], "not_found", "{name}: {body}");
        assert_eq!(body.as_object().unwrap().len(), 2, "{name} says nothing but what was not found: {body}");
    }
    assert_eq!(t.receiver.received().iter().filter(|r| r.path == "/other").count(), 1, "nothing sent to the other");

    t.disable_own_sandbox().await;
    for (name, form) in t.calls(&t.own, &t.own_notification) {
        let (status, body) = t.call(&browser, name, &form).await;
        assert_eq!(status, 200, "{name} for the own client: {body}");
    }
    t.app.stop().await;
}

async fn resending_through_the_dashboard_makes_a_resend_attempt_by_the_signed_in_person(db: TestDatabase) {
    let t = two_clients(db).await;
    let browser = t.signed_in().await;

    let (status, body) = t.call(&browser, "resend_notification", &[("id", t.own_notification.clone())]).await;
    assert_eq!(status, 200, "{body}");

    let n = t.app.wait_for_notification(&t.own_notification, "delivered", 2, Duration::from_secs(10)).await;
    let resent = &n["attempts"][1];
    assert_eq!(resent["trigger"], "resend", "{n:#}");
    assert_eq!(resent["triggered_by"], OWN_EMAIL, "{n:#}");
    assert_eq!(n["attempts"][0]["trigger"], "schedule", "the first attempt is kept: {n:#}");
    let own_requests = t.receiver.received().into_iter().filter(|r| r.path == "/own").collect::<Vec<_>>();
    assert_eq!(own_requests.len(), 2);
    assert_eq!(own_requests[0].body, own_requests[1].body, "the same bytes are sent again");
    t.app.stop().await;
}

async fn the_feed_lists_the_own_client_newest_first_with_a_keyset_cursor(db: TestDatabase) {
    let t = two_clients(db).await;
    let second = t.app.user_created(&t.own, "user-own-2").await;
    let browser = t.signed_in().await;

    let res =
        t.app.call_fn(&browser, "notification_feed", &[("query[client_uuid]", &t.own), ("query[limit]", "1")]).await;
    assert_eq!(res.status(), 200);
    let first_page: Value = res.json().await.unwrap();
    assert_eq!(first_page["client_name"], "Receiver Test Co");
    assert_eq!(first_page["page"]["items"][0]["id"], json!(second), "newest first");
    let cursor = first_page["page"]["next_cursor"].as_str().expect("an older page").to_owned();

    let res = t
        .app
        .call_fn(
            &browser,
            "notification_feed",
            &[("query[client_uuid]", &t.own), ("query[limit]", "1"), ("query[cursor]", &cursor)],
        )
        .await;
    let older: Value = res.json().await.unwrap();
    assert_eq!(older["page"]["items"][0]["id"], json!(t.own_notification));

    let res = t
        .app
        .call_fn(&browser, "notification_feed", &[("query[client_uuid]", &t.own), ("query[type]", "user.deleted")])
        .await;
    let filtered: Value = res.json().await.unwrap();
    assert_eq!(filtered["page"]["items"], json!([]), "filters apply");
    t.app.stop().await;
}

async fn forms_posted_without_javascript_come_back_to_their_page_saying_what_happened(db: TestDatabase) {
    let t = two_clients(db).await;
    let browser = t.signed_in().await;
    let plain_post = |name: &str, form: Vec<(&'static str, String)>| {
        browser.post(t.app.url(&format!("/fn/{name}"))).header("accept", "text/html").form(&form).send()
    };

    let res = plain_post("resend_notification", vec![("id", t.own_notification.clone())]).await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("/notifications/{}?resent=1", t.own_notification).as_str());

    let res = plain_post("resend_notification", vec![("id", t.other_notification.clone())]).await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("/notifications/{}?error=not_found", t.other_notification).as_str());

    let res = plain_post("reenable_endpoint", vec![("client_uuid", t.own.clone()), ("environment", "sandbox".into())])
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("/clients/{}?error=not_disabled", t.own).as_str());

    let since = "2000-01-01".to_owned();
    let form = vec![("client_uuid", t.own.clone()), ("environment", "sandbox".to_owned()), ("since", since)];
    let res = plain_post("resend_failed_since", form).await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("/clients/{}/attention?queued=0&remaining=0", t.own).as_str());

    let res = browser_client()
        .post(t.app.url("/fn/resend_notification"))
        .header("accept", "text/html")
        .form(&[("id", t.own_notification.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (302, "/login"));
    t.app.stop().await;
}

async fn the_pages_render_on_the_server_for_the_own_client_only(db: TestDatabase) {
    let t = two_clients(db).await;
    let browser = t.signed_in().await;

    let res = browser.get(t.app.url("/")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 302, "home sends a client account to its overview");
    assert_eq!(res.headers()["location"], format!("/clients/{}", t.own).as_str());

    let feed = browser.get(t.app.url(&format!("/clients/{}/notifications", t.own))).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    let html = feed.text().await.unwrap();
    assert!(html.contains("user-own") && html.contains(&t.own_notification), "the feed lists the own notification");

    for path in [format!("/clients/{}", t.other), format!("/notifications/{}", t.other_notification)] {
        let res = browser.get(t.app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("not found."), "{path} says so");
        assert!(!html.contains("user-other") && !html.contains("/other"), "{path} shows none of the other's data");
    }
    t.app.stop().await;
}

crate::on_both_backends!(
    every_client_server_function_is_refused_signed_out_hides_other_clients_and_serves_the_own,
    resending_through_the_dashboard_makes_a_resend_attempt_by_the_signed_in_person,
    the_feed_lists_the_own_client_newest_first_with_a_keyset_cursor,
    forms_posted_without_javascript_come_back_to_their_page_saying_what_happened,
    the_pages_render_on_the_server_for_the_own_client_only,
    the_live_feed_needs_a_session_and_hides_other_clients,
    a_notification_recorded_after_the_feed_opened_arrives_on_the_stream,
    a_shown_notification_delivered_after_the_feed_opened_arrives_changed_within_a_second,
);

// ---- the live feed ----

fn live_url(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Url {
    reqwest::Url::parse_with_params(&app.url("/live/notifications"), query).unwrap()
}

async fn the_live_feed_needs_a_session_and_hides_other_clients(db: TestDatabase) {
    let t = two_clients(db).await;

    let res = browser_client().get(live_url(&t.app, &[("client_uuid", &t.own)])).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "kind": "unauthenticated" }));

    let browser = t.signed_in().await;
    let res = browser.get(live_url(&t.app, &[("client_uuid", &t.other)])).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "not_found");

    let res =
        browser.get(live_url(&t.app, &[("client_uuid", &t.own), ("type", "user.exploded")])).send().await.unwrap();
    assert_eq!(res.status(), 422, "a filter outside the vocabulary");
    t.app.stop().await;
}

/// Reads the event stream until `wanted` appears in it (at most `within`), returning what was read.
pub(crate) async fn read_until(res: &mut reqwest::Response, wanted: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut seen = String::new();
    while !seen.contains(wanted) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(Ok(None)) => panic!("the stream ended before {wanted} arrived: {seen}"),
            Ok(Err(err)) => panic!("the stream failed: {err}"),
            Err(_) => panic!("{wanted} did not arrive within {within:?}: {seen}"),
        }
    }
    seen
}

async fn a_notification_recorded_after_the_feed_opened_arrives_on_the_stream(db: TestDatabase) {
    let t = two_clients(db).await;
    let browser = t.signed_in().await;
    let url = live_url(&t.app, &[("client_uuid", &t.own), ("after", &t.own_notification)]);
    let mut all = browser.get(url).send().await.unwrap();
    assert_eq!(all.status(), 200);
    assert!(all.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let url = live_url(&t.app, &[("client_uuid", &t.own), ("type", "user.deleted")]);
    let mut deletions = browser.get(url).send().await.unwrap();

    let other = t.app.user_created(&t.other, "user-other-2").await;
    let created = t.app.user_created(&t.own, "user-own-live").await;
    let res = t
        .app
        .post_event(&json!({
            "client_uuid": t.own, "environment": "sandbox", "type": "user.deleted", "user_id": "user-own-live"
        }))
        .await;
    let deleted = res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned();

    let seen = read_until(&mut all, &deleted, Duration::from_secs(10)).await;
    assert!(seen.contains(&format!("id: {created}")), "each event carries the notification's id: {seen}");
    assert!(seen.contains("\"user_id\":\"user-own-live\""), "and its summary as JSON: {seen}");
    assert!(!seen.contains(&other), "never another client's: {seen}");
    assert!(!seen.contains(&t.own_notification), "nothing already shown: {seen}");

    let seen = read_until(&mut deletions, &deleted, Duration::from_secs(10)).await;
    assert!(!seen.contains(&created), "filters apply: {seen}");

    // A reconnecting browser names the last event it saw and gets only what came after.
    let url = live_url(&t.app, &[("client_uuid", &t.own), ("after", &t.own_notification)]);
    let mut resumed = browser.get(url).header("last-event-id", &created).send().await.unwrap();
    let seen = read_until(&mut resumed, &deleted, Duration::from_secs(10)).await;
    assert!(!seen.contains(&format!("id: {created}")), "{seen}");
    drop((all, deletions, resumed));
    t.app.stop().await;
}

/// The `changed` events of an event stream as (event, data) text, in order.
fn changed_events(stream: &str) -> Vec<Value> {
    stream
        .split("\n\n")
        .filter(|event| event.lines().any(|line| line == "event: changed"))
        .filter_map(|event| event.lines().find_map(|line| line.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

async fn a_shown_notification_delivered_after_the_feed_opened_arrives_changed_within_a_second(db: TestDatabase) {
    let t = two_clients(db).await;
    let browser = t.signed_in().await;
    // The receiver holds the next attempt for 2 s (deliberately slow, within the tests' 3 s delivery
    // timeout): the notification is still pending when the page shows it and its feed opens.
    t.receiver.reply_next([Reply::Slow(Duration::from_secs(2), 200)]);
    let shown = t.app.user_created(&t.own, "user-own-slow").await;
    t.receiver.wait_for_arrivals(3, Duration::from_secs(10)).await;
    let url = live_url(&t.app, &[("client_uuid", &t.own), ("after", &shown)]);
    let mut feed = browser.get(url).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    let other = t.app.user_created(&t.other, "user-other-live").await;

    t.app.wait_for_notification(&other, "delivered", 1, Duration::from_secs(10)).await;
    let record = t.app.wait_for_notification(&shown, "delivered", 1, Duration::from_secs(10)).await;
    // Seen delivered in the store: its row's change is on the stream within a second.
    let seen = read_until(&mut feed, "\"status\":\"delivered\"", Duration::from_secs(1)).await;
    let changed = changed_events(&seen);
    assert_eq!(changed.len(), 1, "one change, of the row shown: {seen}");
    assert_eq!(changed[0]["id"], shown.as_str());
    assert_eq!(changed[0]["attempt_count"], 1);
    assert_eq!(changed[0]["last_attempt_at"], record["last_attempt_at"]);
    assert!(!seen.contains(&format!("id: {shown}")), "a change does not move the resumption point: {seen}");
    assert!(!seen.contains(&other), "never another client's: {seen}");
    assert!(!seen.contains(&t.own_notification), "nothing unchanged: {seen}");
    drop(feed);
    t.app.stop().await;
}

#[tokio::test]
async fn a_server_shutting_down_ends_open_live_feeds() {
    let t = two_clients(TestDatabase::sqlite().await).await;
    let browser = t.signed_in().await;
    let mut feed = browser.get(live_url(&t.app, &[("client_uuid", &t.own)])).send().await.unwrap();
    assert_eq!(feed.status(), 200);

    let stopped = tokio::time::timeout(Duration::from_secs(10), t.app.stop()).await;
    assert!(stopped.is_ok(), "graceful shutdown does not wait for the feed");
    let rest =
        tokio::time::timeout(Duration::from_secs(5), async { while let Ok(Some(_)) = feed.chunk().await {} }).await;
    assert!(rest.is_ok(), "the stream ended");
}
