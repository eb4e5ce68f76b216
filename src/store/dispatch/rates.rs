//! A delivery rate per endpoint and channel, shared by every process on the database.
//!
//! A capped endpoint has a next free send time (`endpoint_rates.next_send_at`, a "generic cell rate"
//! schedule). A claim reserves one send time per row it takes, `1/cap` seconds apart from that time
//! (or from now, when it has passed), and moves it forward in the same transaction; each delivery
//! waits for its time before it is sent. Claims reserve at most [`RATE_HORIZON_MICROS`] ahead. So
//! any second holds at most `cap + 1` reserved send times, whatever the number of processes, and with
//! a backlog the schedule never idles: the sustained rate is the cap.

use app::timestamp::Timestamp;

use super::{Channel, ClaimedDelivery, Claiming, EndpointKey, Take};
use crate::store::error::parse_stored;
use crate::store::{Dialect, Store, StoreError};

/// How far ahead of now a claim may reserve send times on a capped endpoint.
const RATE_HORIZON_MICROS: i64 = 1_000_000;
/// One in this many of a capped endpoint's send times goes to a due retry first: first attempts go
/// before retries, but retries keep a tenth of the cap and never starve.
const RETRY_SHARE: i64 = 10;
/// When an endpoint's schedule is held by another claim (another process, Postgres), how long before
/// the dispatcher asks again.
const BUSY_WAIT_MICROS: i64 = 5_000;

/// What a claim on capped endpoints took.
#[derive(Debug, Default)]
pub struct RateClaim {
    /// The deliveries claimed, each with its reserved send time.
    pub claimed: Vec<ClaimedDelivery>,
    /// Endpoints that may have due work but no free send time now (their schedule is full, or held
    /// by another claim): when to ask again. They are not out of work.
    pub waiting: Vec<(EndpointKey, Timestamp)>,
}

/// The send times one claim may reserve on a capped endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SendPlan {
    /// The first free send time (microseconds).
    pub(super) first: i64,
    /// The time between two sends (microseconds).
    pub(super) interval: i64,
    /// How many send times fit in the horizon, up to what was wanted.
    pub(super) count: u32,
    /// How many of them go to due retries first.
    pub(super) retry_slots: u32,
}

impl SendPlan {
    /// The plan for `wanted` rows at `now` on an endpoint capped at `cap` per second whose next free
    /// send time is `next_send_at`.
    pub(super) fn new(cap: i64, next_send_at: i64, now: i64, wanted: u32) -> Self {
        // Rounded up: never faster than the cap.
        let interval = (1_000_000 + cap - 1) / cap.max(1);
        let first = next_send_at.max(now);
        let horizon_end = now + RATE_HORIZON_MICROS;
        let fit = if first >= horizon_end { 0 } else { (horizon_end - first + interval - 1) / interval };
        let count = u32::try_from(fit.min(i64::from(wanted))).unwrap_or(0);
        // Send times are numbered by their slot since the epoch (`time / interval`); while a backlog
        // lasts they are consecutive across claims and processes, so every tenth one is a retry's.
        let slot = first / interval;
        let retry_slots = if count == 0 {
            0
        } else {
            let last = slot + i64::from(count) - 1;
            u32::try_from(last.div_euclid(RETRY_SHARE) - (slot - 1).div_euclid(RETRY_SHARE)).unwrap_or(0)
        };
        SendPlan { first, interval, count, retry_slots }
    }

    /// The `k`-th send time of this plan.
    pub(super) fn send_time(&self, k: usize) -> i64 {
        self.first + i64::try_from(k).unwrap_or(i64::MAX).saturating_mul(self.interval)
    }
}

impl Store {
    /// The endpoints with a rate cap, per channel.
    pub async fn rated_endpoints(&self) -> Result<Vec<(Channel, EndpointKey)>, StoreError> {
        type Row = (String, String, Option<i64>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT client_uuid, environment, notification_rate_limit, data_rate_limit FROM environments \
             WHERE notification_rate_limit IS NOT NULL OR data_rate_limit IS NOT NULL",
        )
        .fetch_all(&self.read)
        .await?;
        let mut rated = Vec::new();
        for (client_uuid, environment, notification, data) in rows {
            let key = EndpointKey { client_uuid, environment: parse_stored(&environment, "environments.environment")? };
            if notification.is_some() {
                rated.push((Channel::Notification, key.clone()));
            }
            if data.is_some() {
                rated.push((Channel::Data, key));
            }
        }
        Ok(rated)
    }

    /// Claims due deliveries of `channel` on endpoints with a rate cap, like [`Store::claim_due`], and
    /// reserves a send time for each (see the module's documentation): for each endpoint, up to its
    /// count and what its schedule has room for. A tenth of the send times go to due retries first,
    /// the rest to first attempts, and what first attempts leave to more retries. An endpoint whose cap
    /// was removed meanwhile is claimed as any other.
    pub async fn claim_rated(
        &self,
        channel: Channel,
        now: Timestamp,
        lease_until: Timestamp,
        endpoints: &[(EndpointKey, u32)],
        bytes: i64,
    ) -> Result<RateClaim, StoreError> {
        // Schedules are locked in one order, so two claims never wait for each other in a cycle.
        let mut endpoints = endpoints.to_vec();
        endpoints.sort();
        let lock = match self.dialect {
            // Another process's claim holds the schedule: come back shortly rather than wait.
            Dialect::Postgres => "FOR UPDATE OF r SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let schedule = format!(
            "SELECT e.{rate}, r.next_send_at FROM environments e JOIN endpoint_rates r \
               ON r.client_uuid = e.client_uuid AND r.environment = e.environment AND r.channel = $3 \
             WHERE e.client_uuid = $1 AND e.environment = $2 {lock}",
            rate = channel.rate_column()
        );
        let (firsts, retries, uncapped) = (
            self.claim_sql(channel, Take::FirstAttempts, 1),
            self.claim_sql(channel, Take::Retries, 1),
            self.claim_sql(channel, Take::Uncapped, 1),
        );
        let mut tx = self.begin_claim().await?;
        let mut waiting = Vec::new();
        // No fronts: a schedule takes first attempts before retries, so it passes over due retries and
        // the newest due time it took says nothing of the rows before it.
        let mut claim =
            Claiming { tx: &mut tx, channel, now, lease_until, bytes_left: bytes, claimed: Vec::new(), fronts: None };
        for (endpoint, wanted) in &endpoints {
            if *wanted == 0 {
                continue;
            }
            let row: Option<(Option<i64>, i64)> = sqlx::query_as(&schedule)
                .bind(&endpoint.client_uuid)
                .bind(endpoint.environment.as_str())
                .bind(channel.as_str())
                .fetch_optional(&mut **claim.tx)
                .await?;
            let Some((cap, next_send_at)) = row else {
                // Held by another claim, or not made yet (it is made when the cap is set; this makes
                // it for a database changed by hand).
                sqlx::query(
                    "INSERT INTO endpoint_rates (client_uuid, environment, channel, next_send_at) \
                     VALUES ($1, $2, $3, 0) ON CONFLICT (client_uuid, environment, channel) DO NOTHING",
                )
                .bind(&endpoint.client_uuid)
                .bind(endpoint.environment.as_str())
                .bind(channel.as_str())
                .execute(&mut **claim.tx)
                .await?;
                waiting.push((endpoint.clone(), now.plus_micros(BUSY_WAIT_MICROS)));
                continue;
            };
            let Some(cap) = cap.filter(|c| *c > 0) else {
                claim.take(&uncapped, &[(endpoint, *wanted)]).await?;
                continue;
            };
            let plan = SendPlan::new(cap, next_send_at, now.as_micros(), *wanted);
            if plan.count == 0 {
                waiting.push((endpoint.clone(), free_at(plan.first)));
                continue;
            }
            let before = claim.claimed.len();
            let mut got = claim.take(&retries, &[(endpoint, plan.retry_slots)]).await?;
            got += claim.take(&firsts, &[(endpoint, plan.count - got)]).await?;
            got += claim.take(&retries, &[(endpoint, plan.count - got)]).await?;
            for (k, delivery) in claim.claimed[before..].iter_mut().enumerate() {
                delivery.send_at = Some(Timestamp::from_micros(plan.send_time(k)));
            }
            if got == 0 {
                continue;
            }
            let next = plan.send_time(got as usize);
            sqlx::query(
                "UPDATE endpoint_rates SET next_send_at = $1 WHERE client_uuid = $2 AND environment = $3 AND channel = $4",
            )
            .bind(next)
            .bind(&endpoint.client_uuid)
            .bind(endpoint.environment.as_str())
            .bind(channel.as_str())
            .execute(&mut **claim.tx)
            .await?;
            if got == plan.count && plan.count < *wanted {
                // The schedule is full for now, not the endpoint's work.
                waiting.push((endpoint.clone(), free_at(next)));
            }
        }
        let claimed = std::mem::take(&mut claim.claimed);
        tx.commit().await?;
        Ok(RateClaim { claimed, waiting })
    }
}

/// When a schedule whose next free send time is `next` has room again: when that time comes within
/// the horizon.
fn free_at(next: i64) -> Timestamp {
    Timestamp::from_micros(next - RATE_HORIZON_MICROS + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reserves_send_times_one_interval_apart_within_the_horizon() {
        // 20/s from an idle schedule: 20 send times fit in the second ahead.
        let plan = SendPlan::new(20, 0, 10_000_000, 100);
        assert_eq!((plan.first, plan.interval, plan.count), (10_000_000, 50_000, 20));
        assert_eq!(plan.send_time(3), 10_150_000);
        // Only what was wanted.
        assert_eq!(SendPlan::new(20, 0, 10_000_000, 8).count, 8);
        // A schedule already booked to the horizon's end has no room.
        assert_eq!(SendPlan::new(20, 11_000_000, 10_000_000, 8).count, 0);
        // Booked 400 ms ahead: 12 of the 20 remain.
        assert_eq!(SendPlan::new(20, 10_400_000, 10_000_000, 100).count, 12);
    }

    #[test]
    fn every_tenth_send_time_goes_to_retries_across_claims() {
        // One row per claim, as a capped endpoint often claims: consecutive slots, one in ten a retry's.
        let mut next = 0;
        let mut retry_slots = 0;
        for _ in 0..100 {
            let plan = SendPlan::new(50, next, next - 100_000, 1);
            retry_slots += plan.retry_slots;
            next = plan.send_time(1);
        }
        assert_eq!(retry_slots, 10);
        let plan = SendPlan::new(50, 0, 1_000_000, 45);
        assert!((4..=5).contains(&plan.retry_slots), "{plan:?}");
    }
}
