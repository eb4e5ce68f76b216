//! Operational alerts: recorded with the attempts that cause them (a failure streak, a disabled
//! endpoint, a recovery), listed newest first, and sent to staff until sent or given up.

use app::vocab::{AlertKind, DisabledReason, Environment, NotificationStatus, SubscriptionState};
use rook_notify::store::Channel;

use super::fixtures::{attempt, claim, delivered, record, retry_at, rules, subscribed, subscribed_store};
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a2";
const B: &str = "0190b7e2-0000-7000-8000-0000000000b2";

async fn a_gone_answer_disables_the_endpoint_holds_its_waiting_notifications_and_alerts(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let (tried, _) = record(&store, &a, "u1", t0).await;
    let (waiting, _) = record(&store, &a, "u2", t0.plus_seconds(1)).await;
    let claims =
        store.claim_due(Channel::Notification, t0, t0.plus_seconds(60), &[(a.clone(), 1)], i64::MAX).await.unwrap();
    let gone = attempt(&claims[0], 410, t0.plus_seconds(2), retry_at(t0.plus_seconds(60)));
    let summary = store.record_attempts(&[gone], &[], &rules(), 5, t0.plus_seconds(3)).await.unwrap();
    assert_eq!(summary.disabled, [(a.clone(), DisabledReason::Gone)]);
    assert_eq!(summary.alerts.len(), 1);

    let env = store.environment(A, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!((env.state, env.disabled_reason), (SubscriptionState::Disabled, Some(DisabledReason::Gone)));
    assert_eq!(env.state_since, t0.plus_seconds(3));
    for id in [&tried, &waiting] {
        let n = store.notification(id).await.unwrap().unwrap();
        assert_eq!((n.status, n.progress.next_attempt_at), (NotificationStatus::Held, None), "held until re-enabled");
    }

    let alerts = store.list_alerts(Some(A), 10).await.unwrap();
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(
        (alert.id.as_str(), alert.kind, alert.environment),
        (summary.alerts[0].as_str(), AlertKind::Disabled, Environment::Sandbox)
    );
    assert_eq!((alert.at, alert.send_attempts), (t0.plus_seconds(3), 0));
    assert_eq!(alert.detail["reason"], "gone");

    // Due at once; a failed send is retried at the time given, a successful one is not sent again.
    assert!(store.alerts_to_send(t0.plus_seconds(2), 10).await.unwrap().is_empty(), "not before it was recorded");
    assert_eq!(store.alerts_to_send(t0.plus_seconds(3), 10).await.unwrap(), alerts);
    store.alert_sent(&alert.id, false, Some(t0.plus_seconds(30)), t0.plus_seconds(4)).await.unwrap();
    assert!(store.alerts_to_send(t0.plus_seconds(29), 10).await.unwrap().is_empty());
    let retried = store.alerts_to_send(t0.plus_seconds(30), 10).await.unwrap();
    assert_eq!((retried.len(), retried[0].send_attempts), (1, 1));
    store.alert_sent(&alert.id, true, Some(t0.plus_seconds(60)), t0.plus_seconds(31)).await.unwrap();
    assert!(store.alerts_to_send(t0.plus_seconds(3600), 10).await.unwrap().is_empty(), "a sent alert is done");
    assert_eq!(store.list_alerts(Some(A), 10).await.unwrap()[0].send_attempts, 2);
}

async fn a_failure_streak_and_its_recovery_alert_once_each(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let b = subscribed(&store, B, "Beta", t0).await;
    for i in 0..4 {
        record(&store, &a, &format!("u{i}"), t0).await;
    }
    record(&store, &b, "u-b", t0).await;

    // Two failures reach the threshold of two: one `failing` alert, not one per failure.
    let claims = store
        .claim_due(Channel::Notification, t0, t0.plus_seconds(60), &[(a.clone(), 3), (b.clone(), 1)], i64::MAX)
        .await
        .unwrap();
    let failures: Vec<_> = claims
        .iter()
        .filter(|c| c.endpoint == a)
        .take(2)
        .map(|c| attempt(c, 503, t0.plus_seconds(1), retry_at(t0.plus_seconds(600))))
        .chain(claims.iter().filter(|c| c.endpoint == b).map(|c| attempt(c, 200, t0.plus_seconds(1), delivered())))
        .collect();
    let summary = store.record_attempts(&failures, &[], &rules(), 2, t0.plus_seconds(2)).await.unwrap();
    assert_eq!(summary.alerts.len(), 1, "{summary:?}");
    assert!(summary.disabled.is_empty(), "failing for seconds does not disable");
    let third = claims.iter().filter(|c| c.endpoint == a).nth(2).unwrap();
    let more = attempt(third, 503, t0.plus_seconds(3), retry_at(t0.plus_seconds(600)));
    let summary = store.record_attempts(&[more], &[], &rules(), 2, t0.plus_seconds(4)).await.unwrap();
    assert!(summary.alerts.is_empty(), "a streak already alerted does not alert again");

    // A success after the streak: `recovered`, with how many failures came before it.
    let last = claim(&store, Channel::Notification, &a, t0.plus_seconds(5)).await;
    assert_eq!(last.len(), 1);
    let ok = attempt(&last[0], 200, t0.plus_seconds(6), delivered());
    let summary = store.record_attempts(&[ok], &[], &rules(), 2, t0.plus_seconds(7)).await.unwrap();
    assert_eq!(summary.alerts.len(), 1);

    let alerts = store.list_alerts(Some(A), 10).await.unwrap();
    assert_eq!(
        alerts.iter().map(|a| a.kind).collect::<Vec<_>>(),
        [AlertKind::Recovered, AlertKind::Failing],
        "newest first"
    );
    assert_eq!(alerts[0].detail["failures_before_recovery"], 3);
    assert_eq!(alerts[1].detail["consecutive_failures"], 2);
    assert_eq!(store.list_alerts(Some(A), 1).await.unwrap().len(), 1);
    assert!(store.list_alerts(Some(B), 10).await.unwrap().is_empty(), "a healthy endpoint has none");
    assert_eq!(store.list_alerts(None, 10).await.unwrap(), alerts, "every client's");
    let env = store.environment(A, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!((env.consecutive_failures, env.failing_since), (0, None));
    assert!(claim(&store, Channel::Notification, &a, t0.plus_seconds(5)).await.is_empty());
}

crate::on_both_backends!(
    a_gone_answer_disables_the_endpoint_holds_its_waiting_notifications_and_alerts,
    a_failure_streak_and_its_recovery_alert_once_each,
);
