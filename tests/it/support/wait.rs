//! Waiting on a condition with a deadline: the one place the tests poll, so no test sleeps hoping
//! something has happened.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How often a condition is looked at again.
const POLL: Duration = Duration::from_millis(25);

/// Whether `check` becomes true within `within` (looked at until the deadline).
pub async fn within<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep_until((Instant::now() + POLL).min(deadline)).await;
    }
}

/// Waits until `check` is true, failing the test with `what` if it is not within `within`.
pub async fn until<F, Fut>(what: &str, limit: Duration, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    assert!(within(limit, check).await, "{what} (not within {limit:?})");
}
