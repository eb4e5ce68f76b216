//! Recording attempts in batches: one transaction for everything that finished since the last one.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use app::timestamp::Timestamp;
use app::vocab::{AlertKind, AttemptErrorKind, AttemptTrigger, SubscriptionState};
use serde_json::json;

use super::health::{BatchHealth, disable, update_health};
use super::{AttemptRecord, Channel, EndpointKey, NextState, RecordRules, RecordSummary, Skipped};
use crate::store::alerts::insert_alert;
use crate::store::error::parse_stored;
use crate::store::ingest::{admission, insert_notifications};
use crate::store::{
    JsonColumn, Placeholders, Store, StoreError, endpoints_param, json_param, new_id, rows_per_statement,
};

const HOUR_MICROS: i64 = 3_600_000_000;

impl Store {
    /// Records a batch in one transaction: the attempts, each delivery's new state, the notification
    /// endpoints' health (and disabling them when `rules` say so), the hourly
    /// roll-up, and the rejection notices of data deliveries. `skipped` are claimed deliveries set to a
    /// new state without an attempt.
    ///
    /// Alerts are recorded with it: when an endpoint's failure streak reaches `alert_after_failures`,
    /// when an endpoint is disabled, and when it succeeds again after such a streak.
    pub async fn record_attempts(
        &self,
        attempts: &[AttemptRecord],
        skipped: &[Skipped],
        rules: &dyn RecordRules,
        alert_after_failures: u32,
        now: Timestamp,
    ) -> Result<RecordSummary, StoreError> {
        let (attempts_given, skipped_given) = (attempts.len(), skipped.len());
        let mut tx = self.begin_write().await?;
        let mut summary = RecordSummary::default();

        // Fencing: only outcomes of claims that are still current count; one whose lease ran out and
        // was claimed again must not overwrite what the newer claim does.
        let mut current: HashSet<(Channel, &str)> = HashSet::new();
        for channel in [Channel::Notification, Channel::Data] {
            let claims: Vec<(&str, Timestamp)> = attempts
                .iter()
                .filter(|a| a.channel == channel)
                .map(|a| (a.delivery_id.as_str(), a.lease))
                .chain(skipped.iter().filter(|s| s.channel == channel).map(|s| (s.id.as_str(), s.lease)))
                .collect();
            current.extend(current_claims(&mut tx, channel, &claims).await?.into_iter().map(|id| (channel, id)));
        }
        let attempts: Vec<&AttemptRecord> =
            attempts.iter().filter(|a| current.contains(&(a.channel, a.delivery_id.as_str()))).collect();
        let skipped: Vec<&Skipped> = skipped.iter().filter(|s| current.contains(&(s.channel, s.id.as_str()))).collect();
        summary.stale = (attempts_given + skipped_given) - (attempts.len() + skipped.len());
        let notifications: Vec<&AttemptRecord> =
            attempts.iter().copied().filter(|a| a.channel == Channel::Notification).collect();

        // Health first: an endpoint disabled by this batch holds this batch's retries too.
        let mut health: HashMap<&EndpointKey, BatchHealth> = HashMap::new();
        for a in &notifications {
            let h = health.entry(&a.endpoint).or_default();
            if a.succeeded {
                h.last_success = Some(h.last_success.map_or(a.started_at, |t| t.max(a.started_at)));
            } else {
                h.first_failure = Some(h.first_failure.map_or(a.started_at, |t| t.min(a.started_at)));
                h.failures += 1;
                h.gone |= a.gone;
            }
        }
        let batch: Vec<(&EndpointKey, &BatchHealth)> = health.iter().map(|(key, h)| (*key, h)).collect();
        for (key, streak) in update_health(&mut tx, &batch, now).await? {
            let h = &health[key];
            let threshold = alert_after_failures.max(1);
            let after = streak.after.consecutive_failures;
            if h.failures > 0 && streak.before < threshold && after >= threshold {
                let detail = json!({ "consecutive_failures": after, "failing_since": streak.after.failing_since });
                summary.alerts.push(
                    insert_alert(&mut tx, &key.client_uuid, key.environment, AlertKind::Failing, detail, now).await?,
                );
            }
            if h.last_success.is_some() && streak.before >= threshold {
                let detail = json!({ "failures_before_recovery": streak.before });
                summary.alerts.push(
                    insert_alert(&mut tx, &key.client_uuid, key.environment, AlertKind::Recovered, detail, now).await?,
                );
            }
            if let Some(reason) = rules.disables(&streak.after, now)
                && disable(&mut tx, key, reason, now).await?
            {
                summary.disabled.push(((*key).clone(), reason));
            }
        }

        // Each notification's state as its endpoint's subscription now has it (after any disabling
        // above), decided by the engine's rules.
        let endpoints: Vec<&EndpointKey> = notifications
            .iter()
            .map(|a| &a.endpoint)
            .chain(skipped.iter().filter(|s| s.channel == Channel::Notification).map(|s| &s.endpoint))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let subscriptions = subscription_states(&mut tx, &endpoints).await?;
        let settle = |channel: Channel, endpoint: &EndpointKey, next: &NextState| match channel {
            // Data deliveries do not depend on the subscription.
            Channel::Data => (next.clone(), true),
            Channel::Notification => {
                let state = subscriptions.get(endpoint).copied().unwrap_or(SubscriptionState::Inactive);
                (rules.settle(next, state), state == SubscriptionState::Active)
            }
        };

        insert_attempts(&mut tx, &attempts).await?;
        for channel in [Channel::Notification, Channel::Data] {
            let rows: Vec<NextRow> = attempts
                .iter()
                .filter(|a| a.channel == channel)
                .map(|a| NextRow::of_attempt(a, settle(channel, &a.endpoint, &a.next)))
                .chain(
                    skipped
                        .iter()
                        .filter(|s| s.channel == channel)
                        .map(|s| NextRow::of_skip(s, now, settle(channel, &s.endpoint, &s.next))),
                )
                .collect();
            apply_next_states(&mut tx, channel, &rows).await?;
        }
        // Rejection notices are inserted last (they take commit-order numbers, see `store/commit_order.rs`).
        let mut notices = Vec::new();
        for a in &attempts {
            if let Some(notice) = &a.notice {
                let n = &notice.notification;
                let status = admission(&mut tx, &n.client_uuid, n.environment).await?.status_for(n);
                notices.push((n, status, None));
                if notice.first {
                    sqlx::query(
                        "UPDATE data_deliveries SET rejection_notified = 1, rejected_notification_id = $1 WHERE id = $2",
                    )
                    .bind(&n.id)
                    .bind(&a.delivery_id)
                    .execute(&mut *tx)
                    .await?;
                }
                summary.notices.push((n.id.clone(), status));
            }
        }
        for (key, reason) in &summary.disabled {
            let detail = json!({ "reason": reason.as_str() });
            let id = insert_alert(&mut tx, &key.client_uuid, key.environment, AlertKind::Disabled, detail, now).await?;
            summary.alerts.push(id);
        }

        // Hourly roll-up of notification attempts, one row per endpoint and hour.
        let mut rollup: HashMap<(&EndpointKey, i64), HourTally> = HashMap::new();
        for a in &notifications {
            let hour = a.started_at.as_micros().div_euclid(HOUR_MICROS) * HOUR_MICROS;
            let tally = rollup.entry((&a.endpoint, hour)).or_default();
            if a.succeeded {
                tally.succeeded += 1;
            } else {
                tally.failed += 1;
            }
            tally.latency_us_sum += a.duration_micros;
            tally.latency_us_max = tally.latency_us_max.max(a.duration_micros);
        }
        let rollup: Vec<((&EndpointKey, i64), HourTally)> = rollup.into_iter().collect();
        add_to_hourly_stats(&mut tx, &rollup).await?;
        insert_notifications(&mut tx, &notices, now).await?;
        tx.commit().await?;
        Ok(summary)
    }
}

/// Adds each endpoint's hour to its row of `delivery_stats_hourly`, many rows per statement (each
/// (endpoint, hour) comes once, so no statement updates a row twice).
async fn add_to_hourly_stats(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rollup: &[((&EndpointKey, i64), HourTally)],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 7;
    for chunk in rollup.chunks(rows_per_statement(COLUMNS)) {
        let sql = format!(
            "INSERT INTO delivery_stats_hourly (client_uuid, environment, hour, attempts_succeeded, attempts_failed, \
             latency_us_sum, latency_us_max) VALUES {} \
             ON CONFLICT (client_uuid, environment, hour) DO UPDATE SET \
             attempts_succeeded = delivery_stats_hourly.attempts_succeeded + excluded.attempts_succeeded, \
             attempts_failed = delivery_stats_hourly.attempts_failed + excluded.attempts_failed, \
             latency_us_sum = delivery_stats_hourly.latency_us_sum + excluded.latency_us_sum, \
             latency_us_max = CASE WHEN excluded.latency_us_max > delivery_stats_hourly.latency_us_max \
                              THEN excluded.latency_us_max ELSE delivery_stats_hourly.latency_us_max END",
            Placeholders::for_connection(tx).value_rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for ((key, hour), tally) in chunk {
            query = query
                .bind(&key.client_uuid)
                .bind(key.environment.as_str())
                .bind(*hour)
                .bind(tally.succeeded)
                .bind(tally.failed)
                .bind(tally.latency_us_sum)
                .bind(tally.latency_us_max);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// One endpoint's notification attempts in one hour, as added to its row of `delivery_stats_hourly`.
#[derive(Default)]
struct HourTally {
    succeeded: i64,
    failed: i64,
    latency_us_sum: i64,
    latency_us_max: i64,
}

/// The subscription state of each of these endpoints, read in the recording transaction.
async fn subscription_states(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    endpoints: &[&EndpointKey],
) -> Result<HashMap<EndpointKey, SubscriptionState>, StoreError> {
    if endpoints.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT e.client_uuid, e.environment, e.subscription_state FROM {}",
        Placeholders::for_connection(tx).environments_of_endpoints()
    );
    let param = endpoints_param(endpoints.iter().map(|key| (key.client_uuid.as_str(), key.environment)))?;
    let mut states = HashMap::with_capacity(endpoints.len());
    for (client_uuid, environment, state) in
        sqlx::query_as::<_, (String, String, String)>(&sql).bind(param).fetch_all(&mut **tx).await?
    {
        let key = EndpointKey { client_uuid, environment: parse_stored(&environment, "environments.environment")? };
        states.insert(key, parse_stored(&state, "environments.subscription_state")?);
    }
    Ok(states)
}

/// The ids among `claims` (id, lease) whose claim is still current: the row's lease is the claim's.
/// On Postgres the rows stay locked until the batch commits, so no other process claims them again
/// in between (claims skip locked rows).
async fn current_claims<'a>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    channel: Channel,
    claims: &[(&'a str, Timestamp)],
) -> Result<Vec<&'a str>, StoreError> {
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    // One statement of one shape for any number of claims (see `Placeholders::json_rows`).
    let lock = if tx.backend_name().eq_ignore_ascii_case("postgresql") { " FOR UPDATE OF t" } else { "" };
    let sql = format!(
        "SELECT t.id, t.lease_until FROM ({}) AS v JOIN {} t ON t.id = v.id{lock}",
        Placeholders::for_connection(tx).json_rows(&[("id", JsonColumn::Text)]),
        channel.table()
    );
    let ids: Vec<[&str; 1]> = claims.iter().map(|(id, _)| [*id]).collect();
    let leases: HashMap<String, Option<i64>> = sqlx::query_as::<_, (String, Option<i64>)>(&sql)
        .bind(json_param(&ids)?)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
    Ok(claims
        .iter()
        .filter(|(id, lease)| leases.get(*id) == Some(&Some(lease.as_micros())))
        .map(|(id, _)| *id)
        .collect())
}

/// Text as the database can keep it: Postgres text cannot hold NUL, and a receiver may answer with
/// any bytes, so NUL becomes U+FFFD (the replacement character invalid UTF-8 already became).
fn storable(text: &str) -> Cow<'_, str> {
    if text.contains('\0') { Cow::Owned(text.replace('\0', "\u{FFFD}")) } else { Cow::Borrowed(text) }
}

/// Inserts attempts, all in one statement of one shape (see `Placeholders::json_rows`). Whatever the
/// receiver sent is stored as storable text.
async fn insert_attempts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    attempts: &[&AttemptRecord],
) -> Result<(), StoreError> {
    use JsonColumn::{Integer, Text};
    const FIELDS: [(&str, JsonColumn); 17] = [
        ("id", Text),
        ("notification_id", Text),
        ("data_delivery_id", Text),
        ("attempt_number", Integer),
        ("attempt_trigger", Text),
        ("triggered_by", Text),
        ("started_at", Integer),
        ("duration_us", Integer),
        ("url", Text),
        ("request_headers", Text),
        ("response_status", Integer),
        ("response_headers", Text),
        ("response_body", Text),
        ("response_truncated", Integer),
        ("error_kind", Text),
        ("error_message", Text),
        ("succeeded", Integer),
    ];
    if attempts.is_empty() {
        return Ok(());
    }
    let columns = FIELDS.map(|(name, _)| name).join(", ");
    let sql = format!(
        "INSERT INTO attempts ({columns}) SELECT {columns} FROM ({}) AS v",
        Placeholders::for_connection(tx).json_rows(&FIELDS)
    );
    let rows: Vec<AttemptRow<'_>> = attempts
        .iter()
        .map(|a| {
            let (notification_id, data_delivery_id) = match a.channel {
                Channel::Notification => (Some(a.delivery_id.as_str()), None),
                Channel::Data => (None, Some(a.delivery_id.as_str())),
            };
            AttemptRow(
                new_id(),
                notification_id,
                data_delivery_id,
                a.attempt_number,
                a.trigger.as_str(),
                a.triggered_by.as_deref(),
                a.started_at.as_micros(),
                a.duration_micros,
                storable(&a.url),
                headers_json(&a.request_headers),
                a.response_status,
                (!a.response_headers.is_empty() || a.response_status.is_some())
                    .then(|| headers_json(&a.response_headers)),
                a.response_status.is_some().then(|| storable(&a.response_body)),
                i64::from(a.response_truncated),
                a.error_kind.map(AttemptErrorKind::as_str),
                a.error_message.as_deref().map(storable),
                i64::from(a.succeeded),
            )
        })
        .collect();
    sqlx::query(&sql).bind(json_param(&rows)?).execute(&mut **tx).await?;
    Ok(())
}

/// One attempt as a row of `insert_attempts`' JSON parameter: a tuple struct, which serde writes as a
/// JSON array, in the order of its `FIELDS`.
#[derive(serde::Serialize)]
struct AttemptRow<'a>(
    String,
    Option<&'a str>,
    Option<&'a str>,
    u32,
    &'a str,
    Option<&'a str>,
    i64,
    i64,
    Cow<'a, str>,
    String,
    Option<u16>,
    Option<String>,
    Option<Cow<'a, str>>,
    i64,
    Option<&'a str>,
    Option<Cow<'a, str>>,
    i64,
);

/// A delivery's new state, as one row of the batched update.
struct NextRow<'a> {
    id: &'a str,
    /// The new state, settled by the rules for the endpoint's subscription.
    next: NextState,
    /// Whether the endpoint takes deliveries now (a resend asked for during the attempt then goes).
    deliverable: bool,
    /// The claim's resend mark.
    resend_mark: Option<Timestamp>,
    /// When the attempt started (`None`: skipped, no attempt).
    attempted_at: Option<Timestamp>,
    succeeded: bool,
    error_kind: Option<AttemptErrorKind>,
    by_schedule: bool,
    /// The time a skip is recorded at.
    now: Timestamp,
    /// The claim's lease: the row changes only while it is still the row's.
    lease: Timestamp,
}

impl<'a> NextRow<'a> {
    fn of_attempt(a: &'a AttemptRecord, (next, deliverable): (NextState, bool)) -> Self {
        NextRow {
            id: &a.delivery_id,
            next,
            deliverable,
            resend_mark: a.resend_mark,
            attempted_at: Some(a.started_at),
            succeeded: a.succeeded,
            error_kind: a.error_kind,
            by_schedule: a.trigger == AttemptTrigger::Schedule,
            now: a.started_at,
            lease: a.lease,
        }
    }

    fn of_skip(s: &'a Skipped, now: Timestamp, (next, deliverable): (NextState, bool)) -> Self {
        NextRow {
            id: &s.id,
            next,
            deliverable,
            resend_mark: s.resend_mark,
            attempted_at: None,
            succeeded: false,
            error_kind: None,
            by_schedule: false,
            now,
            lease: s.lease,
        }
    }
}

/// Sets deliveries' states after their attempts (or skips) and releases their leases, many per
/// statement. A notification whose endpoint is no longer active does not stay due: it is `held`
/// (disabled) or `not_subscribed` (switched off); data deliveries do not depend on the subscription. A
/// manual resend asked for while the attempt was in flight (a resend mark newer than the claim's) stays
/// queued, with the planned retry kept to restore.
async fn apply_next_states(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    channel: Channel,
    rows: &[NextRow<'_>],
) -> Result<(), StoreError> {
    use JsonColumn::{Integer, Text};
    const FIELDS: [(&str, JsonColumn); 12] = [
        ("id", Text),
        ("deliverable", Integer),
        ("status", Text),
        ("next_at", Integer),
        ("resume_at", Integer),
        ("attempted", Integer),
        ("at", Integer),
        ("succeeded", Integer),
        ("error_kind", Text),
        ("scheduled", Integer),
        ("mark", Integer),
        ("lease", Integer),
    ];
    if rows.is_empty() {
        return Ok(());
    }
    let table = channel.table();
    let pending = format!(
        "({table}.resend_requested_at IS NOT NULL AND (v.mark IS NULL OR {table}.resend_requested_at > v.mark))"
    );
    // One statement of one shape for any number of rows (see `Placeholders::json_rows`).
    let values = Placeholders::for_connection(tx).json_rows(&FIELDS);
    let sql = format!(
        "UPDATE {table} SET status = v.status, \
           next_attempt_at = CASE WHEN {pending} AND v.deliverable = 1 THEN {table}.resend_requested_at \
                                  ELSE v.next_at END, \
           resume_at = CASE WHEN {pending} THEN v.next_at ELSE v.resume_at END, \
           next_trigger = CASE WHEN {pending} THEN {table}.next_trigger END, \
           next_triggered_by = CASE WHEN {pending} THEN {table}.next_triggered_by END, \
           lease_until = NULL, \
           attempt_count = {table}.attempt_count + v.attempted, \
           scheduled_attempts = {table}.scheduled_attempts + v.scheduled, \
           last_attempt_at = CASE WHEN v.attempted = 1 THEN v.at ELSE {table}.last_attempt_at END, \
           delivered_at = CASE WHEN v.succeeded = 1 THEN v.at ELSE {table}.delivered_at END, \
           last_error_kind = CASE WHEN v.attempted = 1 THEN v.error_kind ELSE {table}.last_error_kind END \
         FROM ({values}) AS v WHERE {table}.id = v.id AND {table}.lease_until = v.lease"
    );
    let values: Vec<_> = rows
        .iter()
        .map(|row| {
            (
                row.id,
                i64::from(row.deliverable),
                row.next.status.as_str(),
                row.next.next_attempt_at.map(Timestamp::as_micros),
                row.next.resume_at.map(Timestamp::as_micros),
                i64::from(row.attempted_at.is_some()),
                row.attempted_at.unwrap_or(row.now).as_micros(),
                i64::from(row.succeeded),
                row.error_kind.map(AttemptErrorKind::as_str),
                i64::from(row.by_schedule),
                row.resend_mark.map(Timestamp::as_micros),
                row.lease.as_micros(),
            )
        })
        .collect();
    sqlx::query(&sql).bind(json_param(&values)?).execute(&mut **tx).await?;
    Ok(())
}

fn headers_json(headers: &[(String, String)]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".to_owned())
}
