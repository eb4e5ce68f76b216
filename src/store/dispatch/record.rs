//! Recording attempts in batches: one transaction for everything that finished since the last one.

use std::collections::HashMap;

use app::timestamp::Timestamp;
use app::vocab::{AlertKind, AttemptErrorKind, DisabledReason, NotificationStatus};
use serde_json::json;

use super::health::{BatchHealth, disable, hold_waiting, update_health};
use super::{AttemptRecord, Channel, EndpointKey, NextState, RecordSummary, Skipped};
use crate::store::alerts::insert_alert;
use crate::store::ingest::{admission, insert_notification};
use crate::store::{Store, StoreError, new_id};

const HOUR_MICROS: i64 = 3_600_000_000;

impl Store {
    /// Records a batch in one transaction: the attempts, each delivery's new state, the notification
    /// endpoints' health (and disabling on 410 or after `disable_after_micros` of failure), the hourly
    /// roll-up, and the rejection notices of data deliveries. `skipped` are claimed deliveries set to a
    /// new state without an attempt.
    ///
    /// Alerts are recorded with it: when an endpoint's failure streak reaches `alert_after_failures`,
    /// when an endpoint is disabled, and when it succeeds again after such a streak.
    pub async fn record_attempts(
        &self,
        attempts: &[AttemptRecord],
        skipped: &[Skipped],
        disable_after_micros: i64,
        alert_after_failures: u32,
        now: Timestamp,
    ) -> Result<RecordSummary, StoreError> {
        let mut tx = self.write.begin().await?;
        let mut summary = RecordSummary::default();
        let notifications: Vec<&AttemptRecord> =
            attempts.iter().filter(|a| a.channel == Channel::Notification).collect();

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
        for (key, h) in &health {
            let streak = update_health(&mut tx, key, h, now).await?;
            let threshold = alert_after_failures.max(1);
            if h.failures > 0 && streak.before < threshold && streak.after >= threshold {
                let detail = json!({ "consecutive_failures": streak.after, "failing_since": streak.failing_since });
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
            if h.gone {
                if disable(&mut tx, key, DisabledReason::Gone, now).await? {
                    summary.disabled.push(((*key).clone(), DisabledReason::Gone));
                }
            } else if h.failures > 0 {
                let failing = sqlx::query(
                    "UPDATE environments SET subscription_state = 'disabled', disabled_reason = 'failing', \
                     state_since = $1, updated_at = $1 \
                     WHERE client_uuid = $2 AND environment = $3 AND subscription_state = 'active' \
                       AND failing_since IS NOT NULL AND failing_since <= $4 \
                       AND (last_success_at IS NULL OR last_success_at < failing_since)",
                )
                .bind(now.as_micros())
                .bind(&key.client_uuid)
                .bind(key.environment.as_str())
                .bind(now.as_micros() - disable_after_micros)
                .execute(&mut *tx)
                .await?;
                if failing.rows_affected() > 0 {
                    hold_waiting(&mut tx, key, now).await?;
                    summary.disabled.push(((*key).clone(), DisabledReason::Failing));
                }
            }
        }

        for a in attempts {
            insert_attempt(&mut tx, a).await?;
            apply_next_state(&mut tx, a.channel, &a.delivery_id, &a.next, a.resend_mark, Some(a), now).await?;
            if let Some(notice) = &a.notice {
                let n = &notice.notification;
                let status = admission(&mut tx, &n.client_uuid, n.environment).await?.status_for(n);
                insert_notification(&mut tx, n, status, now).await?;
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
        for s in skipped {
            apply_next_state(&mut tx, s.channel, &s.id, &s.next, s.resend_mark, None, now).await?;
        }
        for (key, reason) in &summary.disabled {
            let detail = json!({ "reason": reason.as_str() });
            let id = insert_alert(&mut tx, &key.client_uuid, key.environment, AlertKind::Disabled, detail, now).await?;
            summary.alerts.push(id);
        }

        // Hourly roll-up of notification attempts, one row per endpoint and hour.
        let mut rollup: HashMap<(&EndpointKey, i64), (i64, i64, i64, i64)> = HashMap::new();
        for a in &notifications {
            let hour = a.started_at.as_micros().div_euclid(HOUR_MICROS) * HOUR_MICROS;
            let r = rollup.entry((&a.endpoint, hour)).or_insert((0, 0, 0, 0));
            if a.succeeded {
                r.0 += 1;
            } else {
                r.1 += 1;
            }
            r.2 += a.duration_micros;
            r.3 = r.3.max(a.duration_micros);
        }
        for ((key, hour), (ok, failed, sum, max)) in rollup {
            sqlx::query(
                "INSERT INTO delivery_stats_hourly (client_uuid, environment, hour, attempts_succeeded, attempts_failed, \
                 latency_us_sum, latency_us_max) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (client_uuid, environment, hour) DO UPDATE SET \
                 attempts_succeeded = delivery_stats_hourly.attempts_succeeded + excluded.attempts_succeeded, \
                 attempts_failed = delivery_stats_hourly.attempts_failed + excluded.attempts_failed, \
                 latency_us_sum = delivery_stats_hourly.latency_us_sum + excluded.latency_us_sum, \
                 latency_us_max = CASE WHEN excluded.latency_us_max > delivery_stats_hourly.latency_us_max \
                                  THEN excluded.latency_us_max ELSE delivery_stats_hourly.latency_us_max END",
            )
            .bind(&key.client_uuid)
            .bind(key.environment.as_str())
            .bind(hour)
            .bind(ok)
            .bind(failed)
            .bind(sum)
            .bind(max)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(summary)
    }
}

async fn insert_attempt(tx: &mut sqlx::Transaction<'_, sqlx::Any>, a: &AttemptRecord) -> Result<(), StoreError> {
    let (notification_id, data_delivery_id) = match a.channel {
        Channel::Notification => (Some(a.delivery_id.as_str()), None),
        Channel::Data => (None, Some(a.delivery_id.as_str())),
    };
    sqlx::query(
        "INSERT INTO attempts (id, notification_id, data_delivery_id, attempt_number, attempt_trigger, triggered_by, \
         started_at, duration_us, url, request_headers, response_status, response_headers, response_body, \
         response_truncated, error_kind, error_message, succeeded) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(new_id())
    .bind(notification_id)
    .bind(data_delivery_id)
    .bind(i64::from(a.attempt_number))
    .bind(a.trigger.as_str())
    .bind(a.triggered_by.as_deref())
    .bind(a.started_at.as_micros())
    .bind(a.duration_micros)
    .bind(&a.url)
    .bind(headers_json(&a.request_headers))
    .bind(a.response_status.map(i64::from))
    .bind((!a.response_headers.is_empty() || a.response_status.is_some()).then(|| headers_json(&a.response_headers)))
    .bind(a.response_status.is_some().then_some(a.response_body.as_str()))
    .bind(i64::from(a.response_truncated))
    .bind(a.error_kind.map(AttemptErrorKind::as_str))
    .bind(a.error_message.as_deref())
    .bind(i64::from(a.succeeded))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets a delivery's state after an attempt (or a skip) and releases its lease. A notification whose
/// endpoint is no longer active does not stay due: it is `held` (disabled) or `not_subscribed`
/// (switched off). Data deliveries do not depend on the subscription. A manual resend asked for while
/// the attempt was in flight (a resend mark newer than the claim's) stays queued, with the planned
/// retry kept to restore.
async fn apply_next_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    channel: Channel,
    id: &str,
    next: &NextState,
    claimed_resend_mark: Option<Timestamp>,
    attempt: Option<&AttemptRecord>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let waiting = matches!(next.status, NotificationStatus::Pending | NotificationStatus::Retrying);
    let (status, next_attempt, deliverable) = match channel {
        Channel::Notification => {
            let env_state = "(SELECT subscription_state FROM environments e \
                WHERE e.client_uuid = notifications.client_uuid AND e.environment = notifications.environment)";
            (
                format!(
                    "CASE WHEN $1 = 1 AND {env_state} = 'disabled' THEN 'held' \
                          WHEN $1 = 1 AND {env_state} = 'inactive' THEN 'not_subscribed' ELSE $2 END"
                ),
                format!("CASE WHEN $1 = 1 AND {env_state} <> 'active' THEN NULL ELSE $3 END"),
                format!("{env_state} = 'active'"),
            )
        }
        // `$1 = $1` keeps every parameter in use, so both statements bind the same list.
        Channel::Data => ("CASE WHEN $1 = $1 THEN $2 END".to_owned(), "$3".to_owned(), "1 = 1".to_owned()),
    };
    let pending = "(resend_requested_at IS NOT NULL AND ($11 IS NULL OR resend_requested_at > $11))";
    let sql = format!(
        "UPDATE {table} SET status = {status}, \
           next_attempt_at = CASE WHEN {pending} AND {deliverable} THEN resend_requested_at ELSE {next_attempt} END, \
           resume_at = CASE WHEN {pending} THEN $3 ELSE $4 END, \
           next_trigger = CASE WHEN {pending} THEN next_trigger END, \
           next_triggered_by = CASE WHEN {pending} THEN next_triggered_by END, \
           lease_until = NULL, \
           attempt_count = attempt_count + $5, \
           scheduled_attempts = scheduled_attempts + $10, \
           last_attempt_at = CASE WHEN $5 = 1 THEN $6 ELSE last_attempt_at END, \
           delivered_at = CASE WHEN $7 = 1 THEN $6 ELSE delivered_at END, \
           last_error_kind = CASE WHEN $5 = 1 THEN $8 ELSE last_error_kind END \
         WHERE id = $9",
        table = channel.table()
    );
    sqlx::query(&sql)
        .bind(i64::from(waiting))
        .bind(next.status.as_str())
        .bind(next.next_attempt_at.map(Timestamp::as_micros))
        .bind(next.resume_at.map(Timestamp::as_micros))
        .bind(i64::from(attempt.is_some()))
        .bind(attempt.map_or(now, |a| a.started_at).as_micros())
        .bind(i64::from(attempt.is_some_and(|a| a.succeeded)))
        .bind(attempt.and_then(|a| a.error_kind).map(AttemptErrorKind::as_str))
        .bind(id)
        .bind(i64::from(attempt.is_some_and(|a| a.trigger == app::vocab::AttemptTrigger::Schedule)))
        .bind(claimed_resend_mark.map(Timestamp::as_micros))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn headers_json(headers: &[(String, String)]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".to_owned())
}
