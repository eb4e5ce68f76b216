//! Waiting on a condition with a deadline: the one place the tests poll, so no test sleeps hoping
//! something has happened.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use app::timestamp::Timestamp;
use tokio::time::Instant;

/// How often a condition is looked at again.
const POLL: Duration = Duration::from_millis(25);

/// Looks at `probe` until it yields `Ok`, at most until `limit` has passed; `Err` holds the last thing
/// `probe` saw instead.
async fn poll<T, E, F, Fut>(limit: Duration, mut probe: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let seen = probe().await;
        if seen.is_ok() || Instant::now() >= deadline {
            return seen;
        }
        tokio::time::sleep_until((Instant::now() + POLL).min(deadline)).await;
    }
}

/// Whether `check` becomes true within `within` (looked at until the deadline).
pub async fn within<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    poll(within, || {
        let checked = check();
        async { if checked.await { Ok(()) } else { Err(()) } }
    })
    .await
    .is_ok()
}

/// Waits until `check` is true, failing the test with `what` if it is not within `within`.
pub async fn until<F, Fut>(what: &str, limit: Duration, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    assert!(within(limit, check).await, "{what} (not within {limit:?})");
}

/// Waits until `probe` yields `Ok(value)` and returns the value, failing the test with `what` and the
/// last thing `probe` saw instead (its `Err`) if that does not happen within `limit`.
pub async fn for_value<T, E, F, Fut>(what: &str, limit: Duration, probe: F) -> T
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    match poll(limit, probe).await {
        Ok(value) => value,
        Err(seen) => panic!("{what} (not within {limit:?}); last seen: {seen}"),
    }
}

/// Waits until the wall clock has passed `instant`: a time the server named (when a retry was due,
/// when a session expires), so that what the test does next happens after it.
pub async fn until_past(instant: Timestamp) {
    let left = u64::try_from(instant.as_micros() - Timestamp::now().as_micros()).unwrap_or(0);
    let limit = Duration::from_micros(left) + Duration::from_secs(5);
    until(&format!("the clock passes {}", instant.to_rfc3339()), limit, || {
        std::future::ready(Timestamp::now() > instant)
    })
    .await;
}
