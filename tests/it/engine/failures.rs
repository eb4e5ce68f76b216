//! What the engine does when a delivery does not succeed: retries signed anew, exhaustion, timeouts,
//! refused connections, redirects, `Retry-After`, oversized answers, the SSRF guard, and the legacy
//! `x-rook-hash`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use app::timestamp::Timestamp;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use standardwebhooks::Webhook;

use crate::support::receiver::Received;
use crate::support::{
    Reply, Subscribed, TestDatabase, TestReceiver, retry_schedule, spawn_app_with, spawn_subscribed, wait,
};

/// Long enough for any single step of these tests on a loaded machine.
const WITHIN: Duration = Duration::from_secs(10);

fn verify(secret: &str, request: &Received) {
    Webhook::new(secret)
        .expect("a valid secret")
        .verify(&request.body, &request.headers)
        .unwrap_or_else(|e| panic!("the signature verifies: {e:?}; headers {:?}", request.headers));
}

fn attempts(notification: &Value) -> &Vec<Value> {
    notification["attempts"].as_array().expect("attempts")
}

/// A request header as the attempt stored it.
fn stored_header<'a>(attempt: &'a Value, name: &str) -> &'a str {
    attempt["request_headers"]
        .as_array()
        .expect("request headers")
        .iter()
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair[1].as_str())
        .unwrap_or_else(|| panic!("the attempt stored no {name} header: {attempt:#}"))
}

fn unix_now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

fn timestamp_header(request: &Received) -> i64 {
    request.header("webhook-timestamp").parse().expect("webhook-timestamp is Unix seconds")
}

fn started_at_secs(attempt: &Value) -> i64 {
    let at: Timestamp = attempt["started_at"].as_str().expect("started_at").parse().expect("RFC 3339");
    at.as_unix_seconds()
}

async fn a_failed_attempt_is_retried_with_the_same_id_and_a_fresh_signature(db: TestDatabase) {
    // Over a second between attempts: their timestamps must differ.
    let Subscribed { app, receiver, client_uuid, secret } =
        spawn_subscribed(db, "/hooks", retry_schedule("1200ms")).await;
    receiver.reply_next([Reply::Status(500)]);

    let id = app.user_created(&client_uuid, "u-retry").await;
    let n = app.wait_for_notification(&id, "delivered", 2, WITHIN).await;
    let tries = attempts(&n);
    assert_eq!(tries[0]["error_kind"], "http_status");
    assert_eq!(tries[0]["response_status"], 500);
    assert_eq!(tries[0]["succeeded"], false);
    assert_eq!(tries[1]["response_status"], 200);
    assert_eq!(tries[1]["succeeded"], true);
    assert_eq!(tries[1]["error_kind"], Value::Null);
    assert_eq!((tries[0]["attempt_number"].clone(), tries[1]["attempt_number"].clone()), (json!(1), json!(2)));
    assert!(tries.iter().all(|a| a["trigger"] == "schedule"));

    let received = receiver.wait_for(2, WITHIN).await;
    assert_eq!(received.len(), 2);
    for (request, attempt) in received.iter().zip(tries) {
        assert_eq!(request.header("webhook-id"), id, "the same webhook-id on every attempt");
        verify(&secret, request);
        // Each attempt is signed at its own time: the header is the one stored with the attempt and
        // matches when the attempt started.
        assert_eq!(request.header("webhook-timestamp"), stored_header(attempt, "webhook-timestamp"));
        assert_eq!(request.header("webhook-signature"), stored_header(attempt, "webhook-signature"));
        assert!((timestamp_header(request) - started_at_secs(attempt)).abs() <= 1, "{attempt:#}");
    }
    assert!(timestamp_header(&received[1]) > timestamp_header(&received[0]), "the retry carries a later timestamp");
    assert_ne!(received[0].header("webhook-signature"), received[1].header("webhook-signature"));
    assert_eq!(received[0].body, received[1].body, "the body is sent byte for byte each time");
    app.stop().await;
}

async fn a_retry_long_after_the_event_is_signed_with_the_time_of_the_retry(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, secret } = spawn_subscribed(db, "/hooks", retry_schedule("1h")).await;
    receiver.reply_next([Reply::Status(500)]);

    let id = app.user_created(&client_uuid, "u-old").await;
    let first = app.wait_for_notification(&id, "retrying", 1, WITHIN).await;
    let created_at: Timestamp = first["created_at"].as_str().unwrap().parse().unwrap();

    // An hour passes: the notification is an hour old and its retry is due now.
    const HOUR: i64 = 3_600_000_000;
    let changed = app
        .execute_sql(
            &format!(
                "UPDATE notifications SET created_at = created_at - {HOUR}, occurred_at = occurred_at - {HOUR}, \
                 next_attempt_at = next_attempt_at - 2 * {HOUR} WHERE id = $1"
            ),
            &id,
        )
        .await;
    assert_eq!(changed, 1);
    // Any new work wakes the dispatcher, which then also finds the backdated retry due.
    app.user_created(&client_uuid, "u-wake").await;

    let n = app.wait_for_notification(&id, "delivered", 2, WITHIN).await;
    let backdated: Timestamp = n["created_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(backdated.as_micros(), created_at.as_micros() - HOUR, "the notification is an hour old");

    let received = receiver.wait_for(3, WITHIN).await;
    let retry = received.iter().filter(|r| r.header("webhook-id") == id).nth(1).expect("the retry arrived");
    let sent_at = timestamp_header(retry);
    assert!((sent_at - unix_now()).abs() <= 60, "the timestamp is the retry's, not the event's: {sent_at}");
    assert!(sent_at - backdated.as_unix_seconds() >= 3500);
    // standardwebhooks rejects timestamps older than five minutes: this passes only if signed anew.
    verify(&secret, retry);
    app.stop().await;
}

async fn a_notification_that_keeps_failing_ends_failed_after_the_schedule(db: TestDatabase) {
    // The test schedule, 300ms,300ms: three attempts.
    let Subscribed { app, receiver, client_uuid, secret } = spawn_subscribed(db, "/hooks", |_| {}).await;
    receiver.reply_always(Reply::Status(503));

    let id = app.user_created(&client_uuid, "u-503").await;
    let n = app.wait_for_notification(&id, "failed", 3, WITHIN).await;
    for (i, attempt) in attempts(&n).iter().enumerate() {
        assert_eq!(attempt["attempt_number"], i + 1);
        assert_eq!(attempt["error_kind"], "http_status");
        assert_eq!(attempt["response_status"], 503);
        assert_eq!(attempt["trigger"], "schedule");
    }
    assert_eq!(n["next_attempt_at"], Value::Null);
    assert_eq!(n["last_error_kind"], "http_status");
    assert_eq!(n["last_http_status"], 503, "the newest attempt's answer, on the item");
    assert_eq!(receiver.received().len(), 3);
    for request in receiver.received() {
        verify(&secret, &request);
    }

    // Nothing more comes. Past where a fourth attempt would be due (a step of 300 ms, +10 % jitter,
    // after the third), a later notification to the endpoint is claimed after anything due there,
    // and is the only thing that arrives.
    let third = &attempts(&n)[2];
    let third_ended: Timestamp = third["started_at"].as_str().unwrap().parse().unwrap();
    let third_ended = third_ended.plus_micros(third["duration_ms"].as_i64().unwrap() * 1000);
    wait::until_past(third_ended.plus_micros(330_000)).await;
    receiver.reply_always(Reply::Status(200));
    let marker = app.deliver_marker(&client_uuid).await;
    assert_eq!(
        receiver.header_values("webhook-id"),
        [id.as_str(), id.as_str(), id.as_str(), marker.as_str()],
        "no attempt after the schedule"
    );
    let n = app.notification(&id).await;
    assert_eq!(n["status"], "failed");
    assert_eq!(attempts(&n).len(), 3);
    app.stop().await;
}

async fn a_receiver_slower_than_the_timeout_is_a_timeout(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |s| {
        s.delivery_timeout = Duration::from_millis(500);
        s.retry_schedule = "none".parse().unwrap();
    })
    .await;
    receiver.reply_always(Reply::Slow(Duration::from_secs(2), 200));

    let id = app.user_created(&client_uuid, "u-slow").await;
    let n = app.wait_for_notification(&id, "failed", 1, WITHIN).await;
    let attempt = &attempts(&n)[0];
    assert_eq!(attempt["error_kind"], "timeout", "{attempt:#}");
    assert_eq!(attempt["response_status"], Value::Null);
    assert!(attempt["duration_ms"].as_u64().unwrap() < 2000, "the attempt gave up at the timeout: {attempt:#}");
    app.stop().await;
}

async fn a_closed_port_is_a_connect_failure(db: TestDatabase) {
    let app = spawn_app_with(db, retry_schedule("none")).await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (client_uuid, _) = app.subscribed_client(&format!("http://127.0.0.1:{port}/hooks")).await;

    let id = app.user_created(&client_uuid, "u-closed").await;
    let n = app.wait_for_notification(&id, "failed", 1, WITHIN).await;
    let attempt = &attempts(&n)[0];
    assert_eq!(attempt["error_kind"], "connect", "{attempt:#}");
    assert_eq!(attempt["response_status"], Value::Null);
    assert!(attempt["error_message"].as_str().unwrap().contains("127.0.0.1"), "{attempt:#}");
    app.stop().await;
}

async fn redirects_are_not_followed(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    receiver.reply_always(Reply::WithHeaders(302, vec![("location", receiver.url("/elsewhere"))]));

    let id = app.user_created(&client_uuid, "u-302").await;
    let n = app.wait_for_notification(&id, "failed", 3, WITHIN).await;
    for attempt in attempts(&n) {
        assert_eq!(attempt["error_kind"], "http_status");
        assert_eq!(attempt["response_status"], 302);
        assert!(
            attempt["response_headers"].as_array().unwrap().iter().any(|h| h[0] == "location"),
            "the Location is on record: {attempt:#}"
        );
    }
    let received = receiver.received();
    assert_eq!(received.len(), 3, "one request per attempt");
    assert!(received.iter().all(|r| r.path == "/hooks"), "the Location target is never requested");
    app.stop().await;
}

/// The time between the first two requests carrying `id`.
/// How long after its first attempt the notification's retry is scheduled: the engine's decision as
/// stored, not a wall-clock gap between two requests (which a busy machine stretches).
async fn scheduled_retry_after(app: &crate::support::TestApp, id: &str) -> Duration {
    let n = app.wait_for_notification(id, "retrying", 1, WITHIN).await;
    let micros = |v: &Value| serde_json::from_value::<Timestamp>(v.clone()).unwrap().as_micros();
    let next = micros(&n["next_attempt_at"]);
    let attempted = micros(&attempts(&n)[0]["started_at"]);
    Duration::from_micros(u64::try_from(next - attempted).expect("the retry comes after the attempt"))
}

async fn retry_after_moves_the_retry_later_up_to_twice_the_delay(db: TestDatabase) {
    // Scheduled 20 s ± 10 % (18–22 s) after the first attempt.
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", retry_schedule("20s")).await;
    let secs = Duration::from_secs;

    receiver.reply_next([Reply::WithHeaders(429, vec![("retry-after", "30".to_owned())])]);
    let id = app.user_created(&client_uuid, "u-429").await;
    let delay = scheduled_retry_after(&app, &id).await;
    assert!(delay >= secs(30) && delay < secs(32), "Retry-After moved the retry to 30 s: {delay:?}");

    receiver.reply_next([Reply::WithHeaders(429, vec![("retry-after", "100".to_owned())])]);
    let id = app.user_created(&client_uuid, "u-429-long").await;
    let delay = scheduled_retry_after(&app, &id).await;
    assert!(delay >= secs(36) && delay < secs(46), "but at most to twice the scheduled delay: {delay:?}");

    // The same answer without Retry-After: the schedule holds.
    receiver.reply_next([Reply::Status(429)]);
    let id = app.user_created(&client_uuid, "u-429-plain").await;
    let delay = scheduled_retry_after(&app, &id).await;
    assert!(delay >= secs(18) && delay < secs(24), "without Retry-After the schedule holds: {delay:?}");
    app.stop().await;
}

async fn only_the_first_16_kib_of_an_answer_are_kept(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", retry_schedule("none")).await;
    receiver.reply_always(Reply::LargeBody(500, 100 * 1024));

    let id = app.user_created(&client_uuid, "u-big").await;
    let n = app.wait_for_notification(&id, "failed", 1, WITHIN).await;
    let attempt = &attempts(&n)[0];
    assert_eq!(attempt["response_status"], 500);
    let body = attempt["response_body"].as_str().expect("the body excerpt is stored");
    assert!(!body.is_empty() && body.len() <= 16 * 1024, "excerpt of {} bytes", body.len());
    assert!(body.bytes().all(|b| b == b'x'));
    assert_eq!(attempt["response_truncated"], true);
    app.stop().await;
}

async fn private_destinations_are_refused_when_not_allowed(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    let app = spawn_app_with(db, |s| {
        s.allow_private_destinations = false;
        s.retry_schedule = "none".parse().unwrap();
    })
    .await;
    let port = receiver.base_url.rsplit(':').next().unwrap().to_owned();
    let mut ids = Vec::new();
    for url in [format!("http://127.0.0.1:{port}/"), format!("http://localhost:{port}/")] {
        let (client_uuid, _) = app.subscribed_client(&url).await;
        ids.push((url, app.user_created(&client_uuid, "u-ssrf").await));
    }
    for (url, id) in &ids {
        let n = app.wait_for_notification(id, "failed", 1, WITHIN).await;
        let attempt = &attempts(&n)[0];
        assert_eq!(attempt["error_kind"], "refused_destination", "{url}: {attempt:#}");
        assert_eq!(attempt["response_status"], Value::Null);
    }
    assert!(receiver.received().is_empty(), "a refused destination receives nothing");
    app.stop().await;
}

/// ROOK's hash, computed here independently of the server's signing code.
fn expected_rook_hash(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn a_rook_hash_key_adds_the_legacy_hash(db: TestDatabase) {
    assert_eq!(
        expected_rook_hash("ROOK_Secret_Key", "ROOK"),
        "382da6381717a0fdfeba9ef922041df3ea8db97bbd2d20af21e216bdd1e6096b",
        "ROOK's test vector"
    );
    let Subscribed { app, receiver, client_uuid, secret } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let res = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/clients/{client_uuid}/environments/sandbox"),
            &json!({ "rook_hash_key": "ROOK_Secret_Key" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["rook_hash_key_set"], true);
    assert!(!updated.to_string().contains("ROOK_Secret_Key"), "the key is never shown");

    let id = app.user_created(&client_uuid, "user-42").await;
    let received = receiver.wait_for(1, WITHIN).await;
    let request = &received[0];
    assert_eq!(request.header("webhook-id"), id);
    let body = request.json();
    let message = format!("{client_uuid}user-42{}", body["datetime"].as_str().unwrap());
    assert_eq!(request.header("x-rook-hash"), expected_rook_hash("ROOK_Secret_Key", &message));
    verify(&secret, request);
    app.stop().await;
}

crate::on_both_backends!(
    a_failed_attempt_is_retried_with_the_same_id_and_a_fresh_signature,
    a_retry_long_after_the_event_is_signed_with_the_time_of_the_retry,
    a_notification_that_keeps_failing_ends_failed_after_the_schedule,
    a_receiver_slower_than_the_timeout_is_a_timeout,
    a_closed_port_is_a_connect_failure,
    redirects_are_not_followed,
    retry_after_moves_the_retry_later_up_to_twice_the_delay,
    only_the_first_16_kib_of_an_answer_are_kept,
    private_destinations_are_refused_when_not_allowed,
    a_rook_hash_key_adds_the_legacy_hash,
);
