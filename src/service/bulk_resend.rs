//! What every bulk resend (failed notifications, rejected data deliveries) shares: how much one call
//! queues, and the range of creation times it covers.

use app::timestamp::Timestamp;

use super::ServiceError;
use super::paging::check_time_range;

/// How many items one bulk resend queues at most; the receipt's `remaining` says how many are left.
pub(super) const BULK_RESEND_LIMIT: u32 = 10_000;

/// The creation times `[since, until)` a bulk resend covers: up to now (and a second beyond, so what
/// was created this instant is included) when `until` is absent.
pub(super) fn resend_range(
    since: Timestamp,
    until: Option<Timestamp>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), ServiceError> {
    let until = until.unwrap_or(now.plus_seconds(1));
    check_time_range(Some(since), Some(until))?;
    Ok((since, until))
}
