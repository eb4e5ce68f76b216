//! Endpoint health: the failure streak of each Notification Webhook endpoint, and disabling it.

use app::timestamp::Timestamp;
use app::vocab::{NotificationStatus, SubscriptionState};

use super::{EndpointHealth, EndpointKey};
use crate::store::StoreError;
use crate::store::error::parse_stored;
use crate::store::vocab_sql::{SqlLiteral, sql_list};

/// What one batch saw of one endpoint.
#[derive(Debug, Default)]
pub(super) struct BatchHealth {
    pub(super) last_success: Option<Timestamp>,
    pub(super) first_failure: Option<Timestamp>,
    pub(super) failures: u32,
    pub(super) gone: bool,
}

/// The failure streak before a batch, and the endpoint's health after it.
#[derive(Debug, Clone)]
pub(super) struct Streak {
    pub(super) before: u32,
    pub(super) after: EndpointHealth,
}

/// Applies a batch's successes and failures to an endpoint's failure streak.
pub(super) async fn update_health(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &EndpointKey,
    h: &BatchHealth,
    now: Timestamp,
) -> Result<Streak, StoreError> {
    let before: i64 =
        sqlx::query_scalar("SELECT consecutive_failures FROM environments WHERE client_uuid = $1 AND environment = $2")
            .bind(&key.client_uuid)
            .bind(key.environment.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .unwrap_or(0);
    let (last_success, first_failure, failures) = (h.last_success, h.first_failure, h.failures);
    // A success clears the failure streak; failures after it in the same batch start a new one.
    let failure_after_success = match (last_success, first_failure) {
        (Some(s), Some(f)) if f > s => Some(f),
        (Some(_), _) => None,
        (None, f) => f,
    };
    type After = (i64, Option<i64>, Option<i64>, String);
    let after: Option<After> = sqlx::query_as(
        "UPDATE environments SET \
           last_success_at = CASE WHEN $1 IS NULL THEN last_success_at ELSE $1 END, \
           failing_since = CASE WHEN $1 IS NOT NULL THEN $2 \
                                WHEN failing_since IS NULL THEN $2 ELSE failing_since END, \
           consecutive_failures = CASE WHEN $1 IS NOT NULL THEN (CASE WHEN $2 IS NULL THEN 0 ELSE 1 END) \
                                       ELSE consecutive_failures + $3 END, \
           updated_at = $4 \
         WHERE client_uuid = $5 AND environment = $6 \
         RETURNING consecutive_failures, failing_since, last_success_at, subscription_state",
    )
    .bind(last_success.map(Timestamp::as_micros))
    .bind(failure_after_success.map(Timestamp::as_micros))
    .bind(i64::from(failures))
    .bind(now.as_micros())
    .bind(&key.client_uuid)
    .bind(key.environment.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let (failures, failing_since, last_success_at, subscription) =
        after.unwrap_or((0, None, None, SubscriptionState::Inactive.as_str().to_owned()));
    Ok(Streak {
        before: u32::try_from(before).unwrap_or(0),
        after: EndpointHealth {
            subscription: parse_stored(&subscription, "environments.subscription_state")?,
            failing_since: failing_since.map(Timestamp::from_micros),
            last_success_at: last_success_at.map(Timestamp::from_micros),
            consecutive_failures: u32::try_from(failures).unwrap_or(0),
            gone: h.gone,
        },
    })
}

/// Disables an active endpoint and holds its waiting notifications; false if it was not active.
pub(in crate::store) async fn disable(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &EndpointKey,
    reason: app::vocab::DisabledReason,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(&format!(
        "UPDATE environments SET subscription_state = {disabled}, disabled_reason = $1, state_since = $2, updated_at = $2 \
         WHERE client_uuid = $3 AND environment = $4 AND subscription_state = {active}",
        disabled = SubscriptionState::Disabled.sql(),
        active = SubscriptionState::Active.sql(),
    ))
    .bind(reason.as_str())
    .bind(now.as_micros())
    .bind(&key.client_uuid)
    .bind(key.environment.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    hold_waiting(tx, key, now).await?;
    Ok(true)
}

/// Moves an endpoint's waiting (pending or retrying, not in flight) notifications to `held`.
pub(in crate::store) async fn hold_waiting(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &EndpointKey,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let done = sqlx::query(&format!(
        "UPDATE notifications SET status = {held}, next_attempt_at = NULL, resume_at = NULL \
         WHERE client_uuid = $1 AND environment = $2 AND status IN {waiting} \
           AND (lease_until IS NULL OR lease_until <= $3)",
        held = NotificationStatus::Held.sql(),
        waiting = sql_list(&[NotificationStatus::Pending, NotificationStatus::Retrying]),
    ))
    .bind(&key.client_uuid)
    .bind(key.environment.as_str())
    .bind(now.as_micros())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}
