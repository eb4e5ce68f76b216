//! Endpoint health: the failure streak of each Notification Webhook endpoint, and disabling it.

use app::timestamp::Timestamp;
use app::vocab::{NotificationStatus, SubscriptionState};

use std::collections::HashMap;

use super::{EndpointHealth, EndpointKey};
use crate::store::error::parse_stored;
use crate::store::vocab_sql::{SqlLiteral, sql_list};
use crate::store::{JsonColumn, Placeholders, StoreError, json_param};

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

/// Applies a batch's successes and failures to each endpoint's failure streak: one statement reads
/// the streaks before, one updates them all (a statement per endpoint cost Postgres a round trip each,
/// and the single SQLite writer a hand-off each).
pub(super) async fn update_health<'k>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &[(&'k EndpointKey, &BatchHealth)],
    now: Timestamp,
) -> Result<Vec<(&'k EndpointKey, Streak)>, StoreError> {
    use JsonColumn::{Integer, Text};
    const FIELDS: [(&str, JsonColumn); 5] = [
        ("v_client", Text),
        ("v_environment", Text),
        ("v_success", Integer),
        ("v_failure", Integer),
        ("v_failures", Integer),
    ];
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let mut streaks = Vec::with_capacity(batch.len());
    let rows: Vec<_> = batch
        .iter()
        .map(|(key, h)| {
            let failure_after_success = match (h.last_success, h.first_failure) {
                (Some(s), Some(f)) if f > s => Some(f),
                (Some(_), _) => None,
                (None, f) => f,
            };
            (
                &key.client_uuid,
                key.environment.as_str(),
                h.last_success.map(Timestamp::as_micros),
                failure_after_success.map(Timestamp::as_micros),
                i64::from(h.failures),
            )
        })
        .collect();
    let rows = json_param(&rows)?;
    // Both statements take the batch as one JSON parameter: one shape for any number of endpoints
    // (see `Placeholders::json_rows`).
    let sql = format!(
        "SELECT e.client_uuid, e.environment, e.consecutive_failures FROM ({}) AS v JOIN environments e \
         ON e.client_uuid = v.v_client AND e.environment = v.v_environment",
        Placeholders::for_connection(tx).json_rows(&FIELDS)
    );
    let before: HashMap<(String, String), i64> = sqlx::query_as::<_, (String, String, i64)>(&sql)
        .bind(&rows)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(c, e, n)| ((c, e), n))
        .collect();

    let mut placeholders = Placeholders::for_connection(tx);
    let at = placeholders.next();
    let values = placeholders.json_rows(&FIELDS);
    // A success clears the failure streak; failures after it in the same batch start a new one.
    let sql = format!(
        "UPDATE environments SET \
           last_success_at = CASE WHEN v_success IS NULL THEN last_success_at ELSE v_success END, \
           failing_since = CASE WHEN v_success IS NOT NULL THEN v_failure \
                                WHEN failing_since IS NULL THEN v_failure ELSE failing_since END, \
           consecutive_failures = CASE WHEN v_success IS NOT NULL \
                                       THEN (CASE WHEN v_failure IS NULL THEN 0 ELSE 1 END) \
                                       ELSE consecutive_failures + v_failures END, \
           updated_at = {at} \
         FROM ({values}) AS v WHERE client_uuid = v_client AND environment = v_environment \
         RETURNING client_uuid, environment, consecutive_failures, failing_since, last_success_at, \
           subscription_state"
    );
    let query = sqlx::query_as::<_, (String, String, i64, Option<i64>, Option<i64>, String)>(&sql)
        .bind(now.as_micros())
        .bind(&rows);
    let mut after: HashMap<(String, String), _> = HashMap::new();
    for (client_uuid, environment, failures, failing_since, last_success_at, subscription) in
        query.fetch_all(&mut **tx).await?
    {
        after.insert((client_uuid, environment), (failures, failing_since, last_success_at, subscription));
    }
    for (key, h) in batch {
        let row = (key.client_uuid.clone(), key.environment.as_str().to_owned());
        // An endpoint deleted meanwhile has no row: no streak, and nothing to disable.
        let (failures, failing_since, last_success_at, subscription) =
            after.remove(&row).unwrap_or((0, None, None, SubscriptionState::Inactive.as_str().to_owned()));
        let streak = Streak {
            before: u32::try_from(before.get(&row).copied().unwrap_or(0)).unwrap_or(0),
            after: EndpointHealth {
                subscription: parse_stored(&subscription, "environments.subscription_state")?,
                failing_since: failing_since.map(Timestamp::from_micros),
                last_success_at: last_success_at.map(Timestamp::from_micros),
                consecutive_failures: u32::try_from(failures).unwrap_or(0),
                gone: h.gone,
            },
        };
        streaks.push((*key, streak));
    }
    Ok(streaks)
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
