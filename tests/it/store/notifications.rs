//! The state changes people ask for: resend one notification, resend every failed one in a range,
//! hold an endpoint's waiting notifications, release them, or stop them.

use app::vocab::{AttemptTrigger, Environment, NotificationStatus};
use rook_notify::store::Channel;

use super::fixtures::{
    attempt, claim, claimed_ids, endpoint, failed, outcome, record, retry_at, rules, subscribed_store,
};
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a5";

async fn a_resend_makes_one_notification_due_now_and_keeps_the_planned_retry(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let (id, _) = record(&store, &a, "u1", t0).await;
    let claims = claim(&store, Channel::Notification, &a, t0).await;
    let planned = t0.plus_seconds(600);
    store.record_attempts(&[attempt(&claims[0], 500, t0, retry_at(planned))], &[], &rules(), 5, t0).await.unwrap();

    assert!(
        store.schedule_resend(&id, AttemptTrigger::Resend, "staff@rook.example", t0.plus_seconds(10)).await.unwrap()
    );
    let n = store.notification(&id).await.unwrap().unwrap();
    assert_eq!((n.status, n.progress.next_attempt_at), (NotificationStatus::Retrying, Some(t0.plus_seconds(10))));
    let resend = claim(&store, Channel::Notification, &a, t0.plus_seconds(10)).await;
    assert_eq!(resend.len(), 1);
    let c = &resend[0];
    assert_eq!((c.trigger, c.triggered_by.as_deref()), (AttemptTrigger::Resend, Some("staff@rook.example")));
    assert_eq!((c.resume_at, c.resend_mark, c.attempt_count), (Some(planned), Some(t0.plus_seconds(10)), 1));
    assert!(
        !store.schedule_resend("0190b7e2-0000-7000-8000-00000000ffff", AttemptTrigger::Resend, "s", t0).await.unwrap()
    );

    // A notification that was never to be sent (the add-on was off) is sent when resent.
    let (quiet, status) = record(&store, &endpoint(A, Environment::Production), "u2", t0).await;
    assert_eq!(status, NotificationStatus::NotSubscribed);
    assert!(store.schedule_resend(&quiet, AttemptTrigger::Resend, "s", t0.plus_seconds(20)).await.unwrap());
    let n = store.notification(&quiet).await.unwrap().unwrap();
    assert_eq!((n.status, n.progress.next_attempt_at), (NotificationStatus::Pending, Some(t0.plus_seconds(20))));
}

async fn a_bulk_resend_queues_failed_notifications_of_the_range_oldest_first(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(record(&store, &a, &format!("u{i}"), t0.plus_seconds(i)).await.0);
    }
    let (retrying, _) = record(&store, &a, "u-r", t0.plus_seconds(1)).await;
    let claims = claim(&store, Channel::Notification, &a, t0.plus_seconds(5)).await;
    let outcomes: Vec<_> = claims
        .iter()
        .map(|c| {
            let next = if c.id == retrying { retry_at(t0.plus_seconds(900)) } else { failed() };
            outcome(c, t0.plus_seconds(5), next)
        })
        .collect();
    store.record_attempts(&outcomes, &[], &rules(), 100, t0.plus_seconds(5)).await.unwrap();

    // [t0, t0+2) holds the first two failed ones; the one still retrying is not failed.
    let (since, until, now) = (t0, t0.plus_seconds(2), t0.plus_seconds(10));
    assert_eq!(store.schedule_resend_failed(&a, since, until, "staff", 1, now).await.unwrap(), (1, 1));
    let first = store.notification(&ids[0]).await.unwrap().unwrap();
    assert_eq!((first.status, first.progress.next_attempt_at), (NotificationStatus::Failed, Some(now)), "oldest first");
    assert_eq!(store.notification(&ids[1]).await.unwrap().unwrap().progress.next_attempt_at, None);
    assert_eq!(store.schedule_resend_failed(&a, since, until, "staff", 10, now).await.unwrap(), (1, 0));
    assert_eq!(
        store.schedule_resend_failed(&a, since, until, "staff", 10, now).await.unwrap(),
        (0, 0),
        "queued ones stay queued once"
    );
    assert_eq!(store.notification(&ids[2]).await.unwrap().unwrap().progress.next_attempt_at, None, "outside the range");
    assert_eq!(
        store.notification(&retrying).await.unwrap().unwrap().progress.next_attempt_at,
        Some(t0.plus_seconds(900))
    );

    let queued = claim(&store, Channel::Notification, &a, now).await;
    assert_eq!(claimed_ids(&queued), ids[..2]);
    assert!(
        queued.iter().all(|c| c.trigger == AttemptTrigger::BulkResend && c.triggered_by.as_deref() == Some("staff"))
    );
}

async fn an_endpoints_waiting_notifications_are_held_released_or_stopped(db: TestDatabase) {
    use NotificationStatus::{Held, NotSubscribed, Pending, Retrying};
    let (store, t0, a) = subscribed_store(&db, A).await;
    let (tried, _) = record(&store, &a, "u1", t0).await;
    let (fresh, _) = record(&store, &a, "u2", t0).await;
    let claims =
        store.claim_due(Channel::Notification, t0, t0.plus_seconds(60), &[(a.clone(), 1)], i64::MAX).await.unwrap();
    assert_eq!(claims[0].id, tried, "the oldest is claimed first");
    let retry = attempt(&claims[0], 500, t0, retry_at(t0.plus_seconds(600)));
    store.record_attempts(&[retry], &[], &rules(), 5, t0).await.unwrap();
    // Due before the others, so a claim of one takes it.
    let (in_flight, _) = record(&store, &a, "u3", t0.plus_seconds(-1)).await;
    let claims =
        store.claim_due(Channel::Notification, t0, t0.plus_seconds(60), &[(a.clone(), 1)], i64::MAX).await.unwrap();
    assert_eq!(claimed_ids(&claims), vec![in_flight.clone()]);
    let state = |id: String| {
        let store = &store;
        async move {
            let n = store.notification(&id).await.unwrap().unwrap();
            (n.status, n.progress.next_attempt_at)
        }
    };

    assert_eq!(store.hold_endpoint(&a, t0.plus_seconds(1)).await.unwrap(), 2, "a claimed one is in flight: not held");
    assert_eq!(state(fresh.clone()).await, (Held, None));
    assert_eq!(state(tried.clone()).await, (Held, None));
    assert_eq!(state(in_flight.clone()).await.0, Pending);

    let now = t0.plus_seconds(2);
    assert_eq!(store.release_held(&a, now).await.unwrap(), 2);
    assert_eq!(state(fresh.clone()).await, (Pending, Some(now)), "never tried: pending");
    assert_eq!(state(tried.clone()).await, (Retrying, Some(now)), "tried before: retrying, due now");
    assert_eq!(store.release_held(&a, now).await.unwrap(), 0, "nothing left held");

    assert_eq!(store.stop_waiting(&a, now).await.unwrap(), 2, "the claimed one is left to its attempt");
    assert_eq!(state(fresh.clone()).await, (NotSubscribed, None));
    assert_eq!(state(tried.clone()).await, (NotSubscribed, None));
    assert_eq!(store.hold_endpoint(&a, now).await.unwrap(), 0, "stopped ones are not waiting");
    // Once the lease has passed, the claimed one is waiting again and is stopped too.
    assert_eq!(store.stop_waiting(&a, t0.plus_seconds(61)).await.unwrap(), 1);
    assert_eq!(state(in_flight).await.0, NotSubscribed);
    assert_eq!(store.stop_waiting(&endpoint(A, Environment::Production), now).await.unwrap(), 0);
}

crate::on_both_backends!(
    a_resend_makes_one_notification_due_now_and_keeps_the_planned_retry,
    a_bulk_resend_queues_failed_notifications_of_the_range_oldest_first,
    an_endpoints_waiting_notifications_are_held_released_or_stopped,
);
