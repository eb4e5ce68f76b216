//! Figures for the dashboard and metrics: counts by status, the hourly roll-up, troubled endpoints,
//! the queue's depth and the disabled endpoints.

use app::timestamp::Timestamp;
use app::vocab::{DisabledReason, Environment, NotificationStatus, SubscriptionState};
use rook_notify::store::{Channel, HourRow};

use super::fixtures::{
    attempt, claim, claimed, delivered, document, endpoint, record, retry_at, rules, set_state, subscribed,
    subscribed_store,
};
use super::migrated;
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a8";
const B: &str = "0190b7e2-0000-7000-8000-0000000000b8";
const C: &str = "0190b7e2-0000-7000-8000-0000000000c8";
const D: &str = "0190b7e2-0000-7000-8000-0000000000d8";
const HOUR: i64 = 3_600_000_000;

async fn counts_by_status_and_the_queue_depth(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let (before, _) = record(&store, &a, "before", t0.plus_seconds(-10)).await;
    let (u0, _) = record(&store, &a, "u0", t0).await;
    for i in 1..3 {
        record(&store, &a, &format!("u{i}"), t0.plus_seconds(i)).await;
    }
    let production = super::fixtures::endpoint(A, Environment::Production);
    record(&store, &production, "quiet", t0).await;
    let asked = [(a.clone(), 2)];
    let claims = store.claim_due(Channel::Notification, t0, t0.plus_seconds(60), &asked, i64::MAX).await.unwrap();
    let outcomes = [
        attempt(claimed(&claims, &before), 200, t0, delivered()),
        attempt(claimed(&claims, &u0), 500, t0, retry_at(t0.plus_seconds(600))),
    ];
    store.record_attempts(&outcomes, &[], &rules(), 5, t0).await.unwrap();

    // Claimed oldest first: `before` was delivered, u0 is retrying. `before` was recorded before t0.
    let counts = store.status_counts_since(A, Environment::Sandbox, t0).await.unwrap();
    assert_eq!(
        counts,
        [(NotificationStatus::Pending, 2), (NotificationStatus::Retrying, 1)],
        "statuses in their order"
    );
    let all = store.status_counts_since(A, Environment::Sandbox, t0.plus_seconds(-60)).await.unwrap();
    assert_eq!(
        all,
        [(NotificationStatus::Pending, 2), (NotificationStatus::Retrying, 1), (NotificationStatus::Delivered, 1)]
    );
    let quiet = store.status_counts_since(A, Environment::Production, t0).await.unwrap();
    assert_eq!(quiet, [(NotificationStatus::NotSubscribed, 1)]);

    // Scheduled: two pending (due at t0+1 and t0+2) and one retry at t0+600; the oldest due is t0+1.
    let now = t0.plus_seconds(5);
    assert_eq!(store.queue_depth(Channel::Notification, now).await.unwrap(), (3, Some(t0.plus_seconds(1))));
    assert_eq!(store.queue_depth(Channel::Notification, t0).await.unwrap(), (3, None), "scheduled, none due yet");
    assert_eq!(store.queue_depth(Channel::Data, now).await.unwrap(), (0, None));
    store.insert_data_delivery(&document(&a, "u1"), None, t0).await.unwrap();
    assert_eq!(store.queue_depth(Channel::Data, now).await.unwrap(), (1, Some(t0)));
}

async fn the_hourly_roll_up_sums_attempts_per_endpoint_and_hour(db: TestDatabase) {
    let store = migrated(&db).await;
    let t0 = Timestamp::now();
    let hour = Timestamp::from_micros(t0.as_micros().div_euclid(HOUR) * HOUR);
    let (a, b) = (subscribed(&store, A, "Acme", t0).await, subscribed(&store, B, "Beta", t0).await);
    for i in 0..3 {
        record(&store, &a, &format!("u{i}"), t0).await;
    }
    record(&store, &b, "u-b", t0).await;
    let ca = claim(&store, Channel::Notification, &a, t0).await;
    let cb = claim(&store, Channel::Notification, &b, t0).await;
    let mut first = attempt(&ca[0], 200, hour.plus_seconds(10), delivered());
    first.duration_micros = 1_000;
    let mut second = attempt(&ca[1], 500, hour.plus_seconds(20), retry_at(t0.plus_seconds(600)));
    second.duration_micros = 9_000;
    store.record_attempts(&[first, second], &[], &rules(), 5, t0).await.unwrap();
    // A later batch adds to the same hour; the next hour has its own row.
    let mut third = attempt(&ca[2], 200, hour.plus_seconds(30), delivered());
    third.duration_micros = 2_000;
    let mut next_hour = attempt(&cb[0], 200, hour.plus_micros(HOUR + 1), delivered());
    next_hour.duration_micros = 4_000;
    store.record_attempts(&[third, next_hour], &[], &rules(), 5, t0).await.unwrap();

    let row = |at: Timestamp, succeeded, failed, sum, max| HourRow {
        hour: at,
        succeeded,
        failed,
        latency_us_sum: sum,
        latency_us_max: max,
    };
    let one_more = hour.plus_micros(HOUR);
    assert_eq!(
        store.hourly_stats(Some((A, Environment::Sandbox)), hour).await.unwrap(),
        [row(hour, 2, 1, 12_000, 9_000)]
    );
    assert_eq!(
        store.hourly_stats(Some((B, Environment::Sandbox)), hour).await.unwrap(),
        [row(one_more, 1, 0, 4_000, 4_000)]
    );
    assert!(store.hourly_stats(Some((A, Environment::Production)), hour).await.unwrap().is_empty());
    assert_eq!(
        store.hourly_stats(None, hour).await.unwrap(),
        [row(hour, 2, 1, 12_000, 9_000), row(one_more, 1, 0, 4_000, 4_000)],
        "every endpoint, hour by hour"
    );
    assert_eq!(
        store.hourly_stats(None, one_more).await.unwrap(),
        [row(one_more, 1, 0, 4_000, 4_000)],
        "since that hour"
    );
}

async fn troubled_endpoints_are_the_disabled_then_the_longest_failing(db: TestDatabase) {
    let store = migrated(&db).await;
    let t0 = Timestamp::now();
    let (a, b) = (subscribed(&store, A, "Acme", t0).await, subscribed(&store, B, "Beta", t0).await);
    subscribed(&store, C, "Charlie", t0).await;
    let d = subscribed(&store, D, "Delta", t0).await;
    assert_eq!(store.disabled_endpoints().await.unwrap(), 0);
    assert!(store.troubled_endpoints(10).await.unwrap().is_empty());

    // B fails first (longest failing), then A; D fails then succeeds; C is disabled.
    for (endpoint, at, status) in [(&b, 1, 500), (&a, 2, 500), (&d, 3, 500), (&d, 4, 200)] {
        record(&store, endpoint, "u", t0).await;
        let claims = claim(&store, Channel::Notification, endpoint, t0).await;
        let next = if status == 200 { delivered() } else { retry_at(t0.plus_seconds(600)) };
        store
            .record_attempts(&[attempt(&claims[0], status, t0.plus_seconds(at), next)], &[], &rules(), 5, t0)
            .await
            .unwrap();
    }
    set_state(
        &store,
        &endpoint(C, Environment::Sandbox),
        (SubscriptionState::Disabled, Some(DisabledReason::Failing)),
        t0,
    )
    .await;

    let troubled = store.troubled_endpoints(10).await.unwrap();
    let names: Vec<_> = troubled.iter().map(|r| r.client_name.as_str()).collect();
    assert_eq!(names, ["Charlie", "Beta", "Acme"], "disabled first, then by how long they fail; recovered ones not");
    let beta = &troubled[1].environment;
    assert_eq!((beta.client_uuid.as_str(), beta.environment, beta.consecutive_failures), (B, Environment::Sandbox, 1));
    assert_eq!(beta.failing_since, Some(t0.plus_seconds(1)));
    assert_eq!(troubled[0].environment.state, SubscriptionState::Disabled);
    assert_eq!(store.troubled_endpoints(2).await.unwrap().len(), 2);
    assert_eq!(store.disabled_endpoints().await.unwrap(), 1);
}

crate::on_both_backends!(
    counts_by_status_and_the_queue_depth,
    the_hourly_roll_up_sums_attempts_per_endpoint_and_hour,
    troubled_endpoints_are_the_disabled_then_the_longest_failing,
);
