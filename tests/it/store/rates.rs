//! Delivery rate caps in the store: setting them, which endpoints are capped, and claims that reserve
//! send times `1/cap` apart, at most a second ahead, shared through the database.

use app::vocab::Environment;
use rook_notify::store::Channel;

use super::fixtures::{record, subscribed_store};
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a7";

async fn a_capped_endpoint_is_claimed_at_send_times_its_cap_apart_until_its_schedule_is_full(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    assert!(store.rated_endpoints().await.unwrap().is_empty(), "no cap by default");

    store.in_tx(async |tx| tx.set_rate_limits(A, Environment::Sandbox, Some(10), None, t0).await).await.unwrap();
    assert_eq!(store.rated_endpoints().await.unwrap(), vec![(Channel::Notification, a.clone())]);
    let env = store.environment(A, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!((env.notification_rate_limit, env.data_rate_limit), (Some(10), None));

    for i in 0..30 {
        record(&store, &a, &format!("u{i}"), t0).await;
    }
    let now = t0.plus_seconds(1);
    let lease = now.plus_seconds(60);
    let first = store.claim_rated(Channel::Notification, now, lease, &[(a.clone(), 30)], i64::MAX).await.unwrap();
    // At 10 per second a claim reserves what fits in the next second, not the 30 asked for.
    let count = first.claimed.len();
    assert!((1..=11).contains(&count), "claimed {count}");
    let mut times: Vec<i64> =
        first.claimed.iter().map(|c| c.send_at.expect("a reserved send time").as_micros()).collect();
    times.sort_unstable();
    assert!(times[0] >= now.as_micros(), "no send time in the past");
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 100_000), "send times 1/cap apart: {times:?}");
    assert!(times[count - 1] - now.as_micros() <= 1_000_000, "at most a second ahead");
    assert!(first.claimed.iter().all(|c| c.lease == lease && c.endpoint == a));
    // It has more work than room: it waits for its schedule, it is not out of work.
    assert!(first.waiting.iter().any(|(endpoint, at)| *endpoint == a && *at > now), "{:?}", first.waiting);

    // At the same moment the schedule is full: another claim (another process's) takes nothing.
    let again = store.claim_rated(Channel::Notification, now, lease, &[(a.clone(), 30)], i64::MAX).await.unwrap();
    assert!(again.claimed.is_empty(), "claimed {} more", again.claimed.len());
    assert!(again.waiting.iter().any(|(endpoint, _)| *endpoint == a));

    // Once its send times have passed, the next claim continues after the last one reserved.
    let later = now.plus_seconds(2);
    let asked = [(a.clone(), 30)];
    let next = store.claim_rated(Channel::Notification, later, later.plus_seconds(60), &asked, i64::MAX).await.unwrap();
    assert!(!next.claimed.is_empty());
    assert!(next.claimed.iter().all(|c| c.send_at.is_some_and(|t| t.as_micros() > times[count - 1])));

    // The Data Webhook's cap is its own; clearing both leaves nothing capped.
    store.in_tx(async |tx| tx.set_rate_limits(A, Environment::Sandbox, None, Some(5), t0).await).await.unwrap();
    assert_eq!(store.rated_endpoints().await.unwrap(), vec![(Channel::Data, a.clone())]);
    store.in_tx(async |tx| tx.set_rate_limits(A, Environment::Sandbox, None, None, t0).await).await.unwrap();
    assert!(store.rated_endpoints().await.unwrap().is_empty());
}

crate::on_both_backends!(a_capped_endpoint_is_claimed_at_send_times_its_cap_apart_until_its_schedule_is_full);
