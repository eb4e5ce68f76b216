//! A delivery rate per endpoint: with a backlog, a capped endpoint gets at most 1.1 × its cap in any
//! second and at least 0.9 × its cap sustained, also with two processes on one Postgres; first
//! attempts go before retries, and retries keep a tenth of the sends.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::receiver::Received;
use crate::support::{TestApp, TestDatabase, TestReceiver, spawn_app, spawn_app_with};

// The measure the rate-cap benchmark prints, so the test's bound and the bench's figure agree.
#[path = "../../../benches/support/arrivals.rs"]
mod arrivals;
use arrivals::busiest_second;

/// The cap the tests set (deliveries per second): small, so a backlog of a few seconds is few rows.
const CAP: usize = 20;
/// Long enough for the backlogs below at the cap, with room for a slow machine.
const WITHIN: Duration = Duration::from_secs(30);

/// Caps the client's Sandbox Notification Webhook at [`CAP`] per second through the admin API.
async fn cap_sandbox(app: &TestApp, client_uuid: &str) {
    let update = app.set_environment(client_uuid, "sandbox", &json!({ "notification_rate_limit": CAP })).await;
    assert_eq!(update["notification_rate_limit"], CAP, "{update:#}");
}

/// Reports `count` `user.created` events for the client's Sandbox; returns the notification ids.
async fn report_backlog(app: &TestApp, client_uuid: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        ids.push(app.user_created(client_uuid, &format!("u-rate-{i}")).await);
    }
    ids
}

/// A backlog the tests below drain: an application with delivery off (the caller stops it), a
/// receiver, and a client whose Sandbox points at the receiver's `path` and is capped at [`CAP`].
/// Made with delivery off, the backlog is all due when delivery starts, so the schedule has work for
/// every send time from the first one on: made while delivering, a slow moment of the test's own
/// requests would leave the schedule idle and look like a rate below the cap.
struct Backlog {
    setup: TestApp,
    receiver: TestReceiver,
    client_uuid: String,
}

async fn capped_backlog(db: TestDatabase, path: &str) -> Backlog {
    let receiver = TestReceiver::start().await;
    let setup = spawn_app_with(db, |s| s.deliver = false).await;
    let (client_uuid, _) = setup.subscribed_client(&receiver.url(path)).await;
    cap_sandbox(&setup, &client_uuid).await;
    Backlog { setup, receiver, client_uuid }
}

/// Asserts the cap's two properties on the arrival times of a backlog. Each claim reserves send times
/// `1/cap` apart, so any second holds at most `cap` of them (`cap + 1` with both ends closed); the
/// arrivals trail their reserved times by a scheduling wake-up and a local HTTP request (milliseconds),
/// which the 10 % margin covers.
fn assert_cap_held(arrivals: &[Received], cap: usize) {
    let mut times: Vec<Instant> = arrivals.iter().map(|r| r.at).collect();
    times.sort();
    let busiest = busiest_second(&times);
    assert!(busiest as f64 <= 1.1 * cap as f64, "{busiest} deliveries arrived within one second, the cap is {cap}/s");
    let span = times[times.len() - 1] - times[0];
    let rate = (times.len() - 1) as f64 / span.as_secs_f64();
    assert!(rate >= 0.9 * cap as f64, "sustained {rate:.1}/s over {span:?}, the cap is {cap}/s");
}

/// Each id arrived exactly once.
fn assert_each_once(arrivals: &[Received], ids: &[String]) {
    let got: Vec<&str> = arrivals.iter().map(|r| r.header("webhook-id")).collect();
    let distinct: HashSet<&str> = got.iter().copied().collect();
    assert_eq!(got.len(), distinct.len(), "no delivery arrived twice");
    assert!(ids.iter().all(|id| distinct.contains(id.as_str())), "every notification arrived");
}

async fn a_capped_endpoint_stays_within_its_rate_and_keeps_it_with_a_backlog(db: TestDatabase) {
    let Backlog { setup, receiver, client_uuid } = capped_backlog(db.shared(), "/capped").await;
    let ids = report_backlog(&setup, &client_uuid, 3 * CAP).await;
    setup.stop().await;
    let app = spawn_app(db).await;
    let arrivals = receiver.wait_for(ids.len(), WITHIN).await;
    assert_cap_held(&arrivals, CAP);
    assert_each_once(&arrivals, &ids);
    app.stop().await;
}

async fn first_attempts_go_before_retries_and_retries_keep_a_tenth_of_the_rate(db: TestDatabase) {
    let Backlog { setup, receiver, client_uuid } = capped_backlog(db.shared(), "/mixed").await;
    let ids = report_backlog(&setup, &client_uuid, 40).await;
    // A quarter wait for a retry, long overdue: in due order alone they would all go first.
    let retries: HashSet<String> = ids[30..].iter().cloned().collect();
    for id in &retries {
        let changed = setup
            .execute_sql(
                "UPDATE notifications SET status = 'retrying', attempt_count = 1, scheduled_attempts = 1, \
                 next_attempt_at = 1 WHERE id = $1",
                id,
            )
            .await;
        assert_eq!(changed, 1);
    }
    setup.stop().await;

    let app = spawn_app(db).await;
    let arrivals = receiver.wait_for(ids.len(), WITHIN).await;
    assert_each_once(&arrivals, &ids);
    let is_retry: Vec<bool> = arrivals.iter().map(|r| retries.contains(r.header("webhook-id"))).collect();
    // The first 20 send times hold 2 retry slots (3 when a claim's first slot falls on one): retries
    // neither go first nor starve.
    let early = is_retry[..20].iter().filter(|r| **r).count();
    assert!((1..=3).contains(&early), "{early} of the first 20 deliveries were retries: {is_retry:?}");
    assert_cap_held(&arrivals, CAP);
    app.stop().await;
}

async fn the_data_webhook_has_its_own_cap(db: TestDatabase) {
    let Backlog { setup, receiver, client_uuid } = capped_backlog(db.shared(), "/notifications").await;
    // The data channel gets its own cap; the notification channel's is removed.
    let change = json!({ "data_webhook_url": receiver.url("/data"), "data_rate_limit": CAP,
                         "notification_rate_limit": null });
    let update = setup.set_environment(&client_uuid, "sandbox", &change).await;
    assert_eq!((&update["data_rate_limit"], &update["notification_rate_limit"]), (&json!(CAP), &Value::Null));
    let mut ids = Vec::new();
    for i in 0..2 * CAP {
        let body = json!({ "client_uuid": client_uuid, "environment": "sandbox", "user_id": "user-7",
                           "data_type": "summary", "pillar": "sleep", "payload": { "n": i } });
        let res = setup.post_body("/data-deliveries", body.to_string()).await;
        assert_eq!(res.status(), 202);
        ids.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    // The Notification Webhook URL of the same environment has no cap: its notifications go as well.
    let notifications = report_backlog(&setup, &client_uuid, CAP).await;
    setup.stop().await;
    let app = spawn_app(db).await;
    let all = receiver.wait_for(ids.len() + notifications.len(), WITHIN).await;
    let (data, sent): (Vec<Received>, Vec<Received>) = all.into_iter().partition(|r| r.path == "/data");
    assert_cap_held(&data, CAP);
    assert_each_once(&data, &ids);
    assert_each_once(&sent, &notifications);
    app.stop().await;
}

crate::on_both_backends!(
    the_data_webhook_has_its_own_cap,
    a_capped_endpoint_stays_within_its_rate_and_keeps_it_with_a_backlog,
    first_attempts_go_before_retries_and_retries_keep_a_tenth_of_the_rate,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_share_an_endpoints_rate() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let Backlog { setup, receiver, client_uuid } = capped_backlog(db.shared(), "/shared").await;
    let ids = report_backlog(&setup, &client_uuid, 3 * CAP).await;
    setup.stop().await;
    // Both processes start on the backlog; either may claim any of it.
    let first = spawn_app(db.shared()).await;
    let second = spawn_app(db).await;
    let arrivals = receiver.wait_for(ids.len(), WITHIN).await;
    assert_cap_held(&arrivals, CAP);
    assert_each_once(&arrivals, &ids);
    first.stop().await;
    second.stop().await;
}
