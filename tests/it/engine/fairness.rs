//! Fairness under hung receivers: endpoints that accept the connection and never answer hold only
//! what they already have; the other endpoints keep being delivered to. On Postgres, a quiet
//! endpoint's new work does not wait for the claim of a busy one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use rook_notify::config::Settings;
use serde_json::json;
use sqlx::Connection as _;

use crate::support::{TestApp, TestDatabase, TestReceiver, spawn_app, spawn_app_with, wait};

/// A receiver that accepts every connection, reads what comes, and never answers.
struct HungReceiver {
    url: String,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HungReceiver {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hung", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 4096];
                    while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
                });
            }
        });
        HungReceiver { url, accepted, task }
    }
}

impl Drop for HungReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An app with eight slots in all and `per_endpoint` per endpoint, and a timeout far beyond the test
/// (a hung request never ends within it), with `endpoints` hung endpoints holding `events` events each.
async fn app_with_hung_endpoints(
    db: TestDatabase,
    per_endpoint: usize,
    endpoints: usize,
    events: usize,
) -> (TestApp, Vec<HungReceiver>) {
    let app = spawn_app_with(db, |s| {
        s.max_in_flight = 8;
        s.max_in_flight_per_endpoint = per_endpoint;
        s.delivery_timeout = Duration::from_secs(60);
        s.claim_lease = Duration::from_secs(120);
    })
    .await;
    let hung = hung_endpoints(&app, endpoints, events).await;
    (app, hung)
}

/// `endpoints` hung endpoints of `app`, holding `events` events each.
async fn hung_endpoints(app: &TestApp, endpoints: usize, events: usize) -> Vec<HungReceiver> {
    let mut hung = Vec::new();
    for i in 0..endpoints {
        let receiver = HungReceiver::start().await;
        let (client, _) = app.subscribed_client(&receiver.url).await;
        for j in 0..events {
            app.user_created(&client, &format!("u-hung-{i}-{j}")).await;
        }
        hung.push(receiver);
    }
    hung
}

fn accepted(hung: &[HungReceiver]) -> usize {
    hung.iter().map(|h| h.accepted.load(Ordering::SeqCst)).sum()
}

async fn endpoints_that_never_answer_do_not_stop_the_others(db: TestDatabase) {
    // Few slots: only fairness can get the polite endpoint served.
    let (app, hung) = app_with_hung_endpoints(db, 2, 6, 3).await;
    // Wait until the hung endpoints hold requests open: four, half the process's 8 slots, all that
    // endpoints that have not answered may hold before their requests are slow.
    wait::until("the hung endpoints are tried", Duration::from_secs(20), || std::future::ready(accepted(&hung) >= 4))
        .await;

    let polite = TestReceiver::start().await;
    let (client, _) = app.subscribed_client(&polite.url("/hooks")).await;
    let users: Vec<String> = (0..10).map(|i| format!("u-polite-{i}")).collect();
    // Well within the hung requests' 60 s timeout.
    app.users_delivered(&client, &users, Duration::from_secs(20)).await;
    app.stop().await;
}

async fn an_endpoint_that_has_not_answered_gets_one_request_at_a_time(db: TestDatabase) {
    // Room for four requests per endpoint and eight in the process: without a slow start the first hung
    // endpoint would take four requests (and eight claims) at once.
    let (app, hung) = app_with_hung_endpoints(db, 4, 3, 4).await;
    // An endpoint that answers is served meanwhile.
    let polite = TestReceiver::start().await;
    let (client, _) = app.subscribed_client(&polite.url("/hooks")).await;
    let users: Vec<String> = (0..20).map(|i| format!("u-polite-{i}")).collect();
    app.users_delivered(&client, &users, Duration::from_secs(20)).await;
    wait::until("every hung endpoint is tried", Duration::from_secs(20), || {
        std::future::ready(hung.iter().all(|h| h.accepted.load(Ordering::SeqCst) >= 1))
    })
    .await;

    // A hung request never ends within the test (60 s timeout), and an endpoint with one in flight that
    // has never answered gets no second: one connection each.
    let each: Vec<usize> = hung.iter().map(|h| h.accepted.load(Ordering::SeqCst)).collect();
    assert_eq!(each, vec![1, 1, 1], "requests each hung endpoint received");
    app.stop().await;
}

/// Eight slots, and no request found slow within a test: without the half kept for endpoints that
/// answer, ten fresh hung endpoints would take all eight until their 60 s timeout.
fn eight_slots_nothing_slow(s: &mut Settings) {
    s.max_in_flight = 8;
    s.max_in_flight_per_endpoint = 4;
    s.delivery_timeout = Duration::from_secs(60);
    s.claim_lease = Duration::from_secs(120);
    s.slow_after = Duration::from_secs(600);
}

async fn endpoints_that_have_not_answered_hold_at_most_half_the_slots(db: TestDatabase) {
    let app = spawn_app_with(db, eight_slots_nothing_slow).await;
    // The polite endpoint answers once before the hung ones arrive: it is an endpoint that answers.
    let polite = TestReceiver::start().await;
    let (client, _) = app.subscribed_client(&polite.url("/hooks")).await;
    app.users_delivered(&client, &["u-polite-first".to_owned()], Duration::from_secs(20)).await;
    hung_endpoints_leave_the_polite_one_half(&app, &client).await;
    app.stop().await;
}

async fn an_endpoint_that_answered_before_a_restart_keeps_its_half(db: TestDatabase) {
    let first = spawn_app_with(db.shared(), eight_slots_nothing_slow).await;
    let polite = TestReceiver::start().await;
    let (client, _) = first.subscribed_client(&polite.url("/hooks")).await;
    first.users_delivered(&client, &["u-polite-first".to_owned()], Duration::from_secs(20)).await;
    first.stop().await;
    // The restarted process has seen no answer itself; the polite endpoint's recorded success counts.
    let app = spawn_app_with(db, eight_slots_nothing_slow).await;
    hung_endpoints_leave_the_polite_one_half(&app, &client).await;
    app.stop().await;
}

/// Ten hung endpoints get four requests (half the eight slots), and the polite endpoint of `client`,
/// one that answers, is served with the other half.
async fn hung_endpoints_leave_the_polite_one_half(app: &TestApp, client: &str) {
    let hung = hung_endpoints(app, 10, 1).await;
    wait::until("the hung endpoints hold half the slots", Duration::from_secs(20), || {
        std::future::ready(accepted(&hung) >= 4)
    })
    .await;
    // The other half is the polite endpoint's.
    let users: Vec<String> = (0..20).map(|i| format!("u-polite-{i}")).collect();
    app.users_delivered(client, &users, Duration::from_secs(20)).await;
    // No hung request ends or is found slow within the test, so no hung endpoint got a fifth place.
    assert_eq!(accepted(&hung), 4, "requests the hung endpoints received: half of the 8 slots");
}

crate::on_both_backends!(
    endpoints_that_never_answer_do_not_stop_the_others,
    an_endpoint_that_has_not_answered_gets_one_request_at_a_time,
    endpoints_that_have_not_answered_hold_at_most_half_the_slots,
    an_endpoint_that_answered_before_a_restart_keeps_its_half
);

/// Postgres: while the dispatcher's claim of a busy endpoint is under way, a notification for an
/// endpoint with nothing in flight is claimed and sent in a claim of its own, not after that one. The
/// busy endpoint's claim is held up by a lock on its send schedule (it has a rate cap), which the
/// quiet endpoint's claim does not touch; before, the quiet one waited for the lock too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_endpoint_does_not_wait_for_the_claim_of_a_busy_one() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let within = Duration::from_secs(20);
    let receiver = TestReceiver::start().await;
    let app = spawn_app(db).await;
    let (busy, _) = app.subscribed_client(&receiver.url("/busy")).await;
    app.set_environment(&busy, "sandbox", &json!({ "notification_rate_limit": 20 })).await;
    let (quiet, _) = app.subscribed_client(&receiver.url("/quiet")).await;
    // The quiet endpoint has answered lately, and has nothing in flight any more.
    let first = app.user_created(&quiet, "u-quiet-1").await;
    app.wait_for_notification(&first, "delivered", 1, within).await;

    let mut lock = sqlx::PgConnection::connect(app.database_url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut lock).await.unwrap();
    sqlx::query("LOCK TABLE endpoint_rates IN ACCESS EXCLUSIVE MODE").execute(&mut lock).await.unwrap();
    let held = app.user_created(&busy, "u-busy").await;
    wait::until("the busy endpoint's claim waits for its send schedule", within, || async {
        app.query_number(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND query LIKE '%endpoint_rates%'",
        )
        .await
            > 0
    })
    .await;

    let second = app.user_created(&quiet, "u-quiet-2").await;
    let arrived = receiver.wait_for(2, within).await;
    let ids: Vec<&str> = arrived.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids, [first.as_str(), second.as_str()], "the quiet endpoint's notification went out meanwhile");

    sqlx::query("COMMIT").execute(&mut lock).await.unwrap();
    app.wait_for_notification(&held, "delivered", 1, within).await;
    app.wait_for_notification(&second, "delivered", 1, within).await;
    lock.close().await.unwrap();
    app.stop().await;
}
