//! Fencing: an outcome from a claim that is no longer current (its lease ran out and the delivery was
//! claimed again) never overwrites what the newer claim did — in one process or across two processes
//! on one database.

use app::timestamp::Timestamp;
use app::vocab::{AttemptErrorKind, AttemptTrigger, Environment, NotificationStatus};
use rook_notify::engine::rules::DeliveryRules;
use rook_notify::store::{AttemptRecord, Channel, ClaimedDelivery, EndpointKey, NextState, Skipped, Store};

use crate::support::{TestDatabase, spawn_app_with, test_cipher};

const SECOND: i64 = 1_000_000;

/// The attempt a claim made, as the engine would hand it to the recorder.
fn attempt(claim: &ClaimedDelivery, succeeded: bool, at: Timestamp) -> AttemptRecord {
    AttemptRecord {
        delivery_id: claim.id.clone(),
        channel: claim.channel,
        endpoint: claim.endpoint.clone(),
        attempt_number: claim.attempt_count + 1,
        trigger: AttemptTrigger::Schedule,
        triggered_by: None,
        started_at: at,
        duration_micros: 1_000,
        url: "http://127.0.0.1:9/hooks".to_owned(),
        request_headers: Vec::new(),
        response_status: Some(if succeeded { 200 } else { 500 }),
        response_headers: Vec::new(),
        response_body: String::new(),
        response_truncated: false,
        error_kind: (!succeeded).then_some(AttemptErrorKind::HttpStatus),
        error_message: None,
        succeeded,
        gone: false,
        next: if succeeded {
            NextState { status: NotificationStatus::Delivered, next_attempt_at: None, resume_at: None }
        } else {
            NextState {
                status: NotificationStatus::Retrying,
                next_attempt_at: Some(at.plus_seconds(10)),
                resume_at: None,
            }
        },
        resend_mark: claim.resend_mark,
        lease: claim.lease,
        notice: None,
    }
}

async fn claim_at(store: &Store, now: Timestamp, lease_seconds: i64, client_uuid: &str) -> Vec<ClaimedDelivery> {
    let endpoint = EndpointKey { client_uuid: client_uuid.to_owned(), environment: Environment::Sandbox };
    store
        .claim_due(Channel::Notification, now, now.plus_micros(lease_seconds * SECOND), &[(endpoint, 10)], i64::MAX)
        .await
        .unwrap()
}

async fn record(store: &Store, attempts: &[AttemptRecord], skipped: &[Skipped], now: Timestamp) -> usize {
    let rules = DeliveryRules { disable_after: std::time::Duration::from_secs(86_400) };
    store.record_attempts(attempts, skipped, &rules, 5, now).await.expect("the batch is recorded").stale
}

async fn an_outcome_of_a_superseded_claim_never_overwrites_the_newer_one(db: TestDatabase) {
    let app = spawn_app_with(db, |s| s.deliver = false).await;
    let (client_uuid, _) = app.subscribed_client("http://127.0.0.1:9/hooks").await;
    let id = app.user_created(&client_uuid, "u-fence").await;
    // A second process on the same database: its own pool, its own claims.
    let other = Store::connect(app.database_url(), test_cipher()).await.expect("a second store");
    let store = app.services.store();

    // Claim 1 takes the notification with a 1 s lease; the lease runs out and claim 2 (the other
    // process, 2 s later) takes it again.
    let t0 = Timestamp::now();
    let first = claim_at(store, t0, 1, &client_uuid).await;
    assert_eq!(first.len(), 1);
    assert!(
        claim_at(&other, t0.plus_micros(SECOND / 2), 60, &client_uuid).await.is_empty(),
        "a live claim is not taken"
    );
    let second = claim_at(&other, t0.plus_micros(2 * SECOND), 60, &client_uuid).await;
    assert_eq!(second.len(), 1, "an expired claim is taken again");
    assert!(second[0].lease > first[0].lease, "each claim's lease is later than the one it replaces");

    // The newer claim succeeds and is recorded; then the stale one reports a failure.
    let stale = record(&other, &[attempt(&second[0], true, t0.plus_micros(2 * SECOND))], &[], t0).await;
    assert_eq!(stale, 0);
    let stale = record(store, &[attempt(&first[0], false, t0.plus_micros(3 * SECOND))], &[], t0).await;
    assert_eq!(stale, 1, "the superseded claim's outcome is reported stale");
    // Nor may a stale claim's give-back or skip touch the row.
    store.release_claims(Channel::Notification, &[(first[0].id.clone(), first[0].lease)]).await.unwrap();
    let skip = Skipped {
        channel: Channel::Notification,
        id: id.clone(),
        endpoint: first[0].endpoint.clone(),
        next: NextState { status: NotificationStatus::Pending, next_attempt_at: Some(t0), resume_at: None },
        resend_mark: None,
        lease: first[0].lease,
    };
    assert_eq!(record(store, &[], &[skip], t0).await, 1);

    let n = store.notification(&id).await.unwrap().expect("the notification");
    assert_eq!(n.status, NotificationStatus::Delivered, "delivered stays delivered");
    assert_eq!(n.progress.attempt_count, 1);
    assert_eq!(n.progress.next_attempt_at, None, "nothing is scheduled again");
    let attempts = store.attempts_of(&id).await.unwrap();
    assert_eq!(attempts.len(), 1, "only the current claim's attempt is recorded");
    assert_eq!(attempts[0].attempt_number, 1);
    other.close().await;
    app.stop().await;
}

async fn the_current_claim_is_applied_after_a_stale_one_reported_first(db: TestDatabase) {
    let app = spawn_app_with(db, |s| s.deliver = false).await;
    let (client_uuid, _) = app.subscribed_client("http://127.0.0.1:9/hooks").await;
    let id = app.user_created(&client_uuid, "u-fence-2").await;
    let store = app.services.store();

    let t0 = Timestamp::now();
    let first = claim_at(store, t0, 1, &client_uuid).await;
    let second = claim_at(store, t0.plus_micros(2 * SECOND), 60, &client_uuid).await;
    assert_eq!((first.len(), second.len()), (1, 1));
    // The stale claim reports a success first: it must not mark the notification delivered while the
    // newer claim's attempt is still in flight.
    assert_eq!(record(store, &[attempt(&first[0], true, t0.plus_micros(3 * SECOND))], &[], t0).await, 1);
    let n = store.notification(&id).await.unwrap().unwrap();
    assert_eq!(n.status, NotificationStatus::Pending);
    assert_eq!(n.progress.attempt_count, 0);
    // The newer claim's failure is applied.
    assert_eq!(record(store, &[attempt(&second[0], false, t0.plus_micros(3 * SECOND))], &[], t0).await, 0);
    let n = store.notification(&id).await.unwrap().unwrap();
    assert_eq!(n.status, NotificationStatus::Retrying);
    assert_eq!(n.progress.attempt_count, 1);
    app.stop().await;
}

crate::on_both_backends!(
    an_outcome_of_a_superseded_claim_never_overwrites_the_newer_one,
    the_current_claim_is_applied_after_a_stale_one_reported_first,
);
