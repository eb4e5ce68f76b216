//! What the dispatcher needs from the store: claiming due notifications under a lease, the endpoints'
//! settings, and recording attempts and their consequences in batches (group commit).

use std::collections::HashMap;

use app::timestamp::Timestamp;
use app::vocab::{
    AttemptErrorKind, AttemptTrigger, Environment, NotificationStatus, NotificationType, SubscriptionState,
};

use super::error::parse_stored;
use super::{Dialect, Store, StoreError, new_id};

/// An endpoint: one environment of one client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointKey {
    pub client_uuid: String,
    pub environment: Environment,
}

impl EndpointKey {
    /// `client_uuid/environment`, the form SQL compares against.
    pub fn joined(&self) -> String {
        format!("{}/{}", self.client_uuid, self.environment.as_str())
    }
}

/// A notification claimed for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedNotification {
    pub id: String,
    pub endpoint: EndpointKey,
    pub kind: NotificationType,
    pub user_id: Option<String>,
    pub occurred_at: Timestamp,
    pub created_at: Timestamp,
    pub is_test: bool,
    pub body: Vec<u8>,
    pub status: NotificationStatus,
    pub attempt_count: u32,
    pub trigger: AttemptTrigger,
    pub triggered_by: Option<String>,
    pub resume_at: Option<Timestamp>,
}

/// An endpoint's delivery settings at claim time.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    pub state: SubscriptionState,
    pub url: Option<String>,
    pub rook_hash_key: Option<String>,
    /// The notification secrets that sign now, current first.
    pub secrets: Vec<String>,
}

/// One attempt to record, with the notification's state after it (decided by the engine's policy).
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub notification_id: String,
    pub endpoint: EndpointKey,
    pub attempt_number: u32,
    pub trigger: AttemptTrigger,
    pub triggered_by: Option<String>,
    pub started_at: Timestamp,
    pub duration_micros: i64,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
    pub response_truncated: bool,
    pub error_kind: Option<AttemptErrorKind>,
    pub error_message: Option<String>,
    pub succeeded: bool,
    /// The endpoint answered 410 Gone: it is disabled.
    pub gone: bool,
    pub next: NextState,
}

/// A notification's state after an attempt, or after being skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextState {
    pub status: NotificationStatus,
    pub next_attempt_at: Option<Timestamp>,
    /// The scheduled retry to restore if a manual resend fails.
    pub resume_at: Option<Timestamp>,
}

/// What a batch of records changed beyond the notifications themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordSummary {
    /// Endpoints disabled by this batch, with the reason (`gone` or `failing`).
    pub disabled: Vec<(EndpointKey, app::vocab::DisabledReason)>,
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: String,
    client_uuid: String,
    environment: String,
    #[sqlx(rename = "type")]
    kind: String,
    user_id: Option<String>,
    occurred_at: i64,
    created_at: i64,
    is_test: i64,
    body: Option<Vec<u8>>,
    status: String,
    attempt_count: i64,
    next_trigger: Option<String>,
    next_triggered_by: Option<String>,
    resume_at: Option<i64>,
}

impl Store {
    /// Claims up to `limit` due notifications until `lease_until`, at most `per_endpoint` of any one
    /// endpoint and none of the endpoints in `exclude` (those this process is already busy with), oldest
    /// due first. No lock or connection is held once this returns: the lease alone marks the claim, and
    /// a claim whose process died comes back when the lease runs out.
    pub async fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        per_endpoint: u32,
        exclude: &[EndpointKey],
    ) -> Result<Vec<ClaimedNotification>, StoreError> {
        // Parameters: $1 now, $2 lease, $3 scan window, $4 per endpoint, $5 limit, then the exclusions.
        let exclusion = if exclude.is_empty() {
            String::new()
        } else {
            let list = (0..exclude.len()).map(|i| format!("${}", i + 6)).collect::<Vec<_>>().join(", ");
            format!("AND client_uuid || '/' || environment NOT IN ({list})")
        };
        let lock = match self.dialect {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "UPDATE notifications SET lease_until = $2 WHERE id IN ( \
               SELECT id FROM ( \
                 SELECT id, next_attempt_at, \
                        ROW_NUMBER() OVER (PARTITION BY client_uuid, environment ORDER BY next_attempt_at, id) AS rn \
                 FROM ( \
                   SELECT id, client_uuid, environment, next_attempt_at FROM notifications \
                   WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) {exclusion} \
                   ORDER BY next_attempt_at LIMIT $3 {lock} \
                 ) due \
               ) ranked WHERE rn <= $4 ORDER BY next_attempt_at LIMIT $5 \
             ) \
             RETURNING id, client_uuid, environment, type, user_id, occurred_at, created_at, is_test, body, status, \
                       attempt_count, next_trigger, next_triggered_by, resume_at"
        );
        let scan = i64::from(limit.saturating_mul(4).max(64));
        let mut query = sqlx::query_as::<_, ClaimRow>(&sql)
            .bind(now.as_micros())
            .bind(lease_until.as_micros())
            .bind(scan)
            .bind(i64::from(per_endpoint))
            .bind(i64::from(limit));
        for key in exclude {
            query = query.bind(key.joined());
        }
        let rows = query.fetch_all(&self.write).await?;
        rows.into_iter()
            .map(|r| {
                Ok(ClaimedNotification {
                    endpoint: EndpointKey {
                        client_uuid: r.client_uuid,
                        environment: parse_stored(&r.environment, "notifications.environment")?,
                    },
                    kind: parse_stored(&r.kind, "notifications.type")?,
                    status: parse_stored(&r.status, "notifications.status")?,
                    trigger: match r.next_trigger {
                        Some(t) => parse_stored(&t, "notifications.next_trigger")?,
                        None => AttemptTrigger::Schedule,
                    },
                    id: r.id,
                    user_id: r.user_id,
                    occurred_at: Timestamp::from_micros(r.occurred_at),
                    created_at: Timestamp::from_micros(r.created_at),
                    is_test: r.is_test != 0,
                    body: r.body.unwrap_or_default(),
                    attempt_count: u32::try_from(r.attempt_count).unwrap_or(u32::MAX),
                    triggered_by: r.next_triggered_by,
                    resume_at: r.resume_at.map(Timestamp::from_micros),
                })
            })
            .collect()
    }

    /// Gives claimed notifications back (graceful shutdown): another process may take them at once.
    pub async fn release_claims(&self, ids: &[String]) -> Result<(), StoreError> {
        for chunk in ids.chunks(500) {
            let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("UPDATE notifications SET lease_until = NULL WHERE id IN ({list})");
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(&self.write).await?;
        }
        Ok(())
    }

    /// When the next notification falls due (`None` when nothing is scheduled), ignoring claimed ones.
    pub async fn next_due_at(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM notifications \
             WHERE next_attempt_at IS NOT NULL AND (lease_until IS NULL OR lease_until <= $1)",
        )
        .bind(now.as_micros())
        .fetch_one(&self.read)
        .await?;
        Ok(next.map(Timestamp::from_micros))
    }

    /// The delivery settings of these endpoints, with the notification secrets that sign at `now`.
    pub async fn endpoint_configs(
        &self,
        keys: &[EndpointKey],
        now: Timestamp,
    ) -> Result<HashMap<EndpointKey, EndpointConfig>, StoreError> {
        let mut configs = HashMap::new();
        for chunk in keys.chunks(200) {
            let list = (2..chunk.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT e.client_uuid, e.environment, e.subscription_state, e.notification_webhook_url, e.rook_hash_key, \
                        s.secret, s.retired_at \
                 FROM environments e LEFT JOIN signing_secrets s \
                   ON s.client_uuid = e.client_uuid AND s.environment = e.environment AND s.purpose = 'notification' \
                  AND (s.retired_at IS NULL OR s.retired_at > $1) \
                 WHERE e.client_uuid || '/' || e.environment IN ({list}) \
                 ORDER BY e.client_uuid, e.environment, (s.retired_at IS NULL) DESC, s.created_at DESC"
            );
            type Row = (String, String, String, Option<String>, Option<String>, Option<String>, Option<i64>);
            let mut query = sqlx::query_as::<_, Row>(&sql).bind(now.as_micros());
            for key in chunk {
                query = query.bind(key.joined());
            }
            for (client_uuid, env, state, url, hash_key, secret, _) in query.fetch_all(&self.read).await? {
                let key = EndpointKey { client_uuid, environment: parse_stored(&env, "environments.environment")? };
                let config = match configs.entry(key) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(EndpointConfig {
                        state: parse_stored(&state, "environments.subscription_state")?,
                        url,
                        rook_hash_key: hash_key,
                        secrets: Vec::new(),
                    }),
                };
                config.secrets.extend(secret);
            }
        }
        Ok(configs)
    }

    /// Records a batch of attempts in one transaction: the attempts, each notification's new state, the
    /// endpoints' health (and disabling on 410 or after `disable_after_micros` of failure), and the
    /// hourly roll-up. `skipped` are claimed notifications set to a new state without an attempt.
    pub async fn record_attempts(
        &self,
        attempts: &[AttemptRecord],
        skipped: &[(String, NextState)],
        disable_after_micros: i64,
        now: Timestamp,
    ) -> Result<RecordSummary, StoreError> {
        let mut tx = self.write.begin().await?;
        let mut summary = RecordSummary::default();
        // Health first: an endpoint disabled by this batch holds this batch's retries too.
        let mut health: HashMap<&EndpointKey, BatchHealth> = HashMap::new();
        for a in attempts {
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
            update_health(&mut tx, key, h, now).await?;
            if h.gone {
                if disable(&mut tx, key, app::vocab::DisabledReason::Gone, now).await? {
                    summary.disabled.push(((*key).clone(), app::vocab::DisabledReason::Gone));
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
                    summary.disabled.push(((*key).clone(), app::vocab::DisabledReason::Failing));
                }
            }
        }

        for a in attempts {
            sqlx::query(
                "INSERT INTO attempts (id, notification_id, attempt_number, attempt_trigger, triggered_by, started_at, \
                 duration_us, url, request_headers, response_status, response_headers, response_body, \
                 response_truncated, error_kind, error_message, succeeded) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(new_id())
            .bind(&a.notification_id)
            .bind(i64::from(a.attempt_number))
            .bind(a.trigger.as_str())
            .bind(a.triggered_by.as_deref())
            .bind(a.started_at.as_micros())
            .bind(a.duration_micros)
            .bind(&a.url)
            .bind(headers_json(&a.request_headers))
            .bind(a.response_status.map(i64::from))
            .bind(
                (!a.response_headers.is_empty() || a.response_status.is_some())
                    .then(|| headers_json(&a.response_headers)),
            )
            .bind((a.response_status.is_some()).then_some(a.response_body.as_str()))
            .bind(i64::from(a.response_truncated))
            .bind(a.error_kind.map(AttemptErrorKind::as_str))
            .bind(a.error_message.as_deref())
            .bind(i64::from(a.succeeded))
            .execute(&mut *tx)
            .await?;
            apply_next_state(&mut tx, &a.notification_id, &a.next, Some(a), now).await?;
        }
        for (id, next) in skipped {
            apply_next_state(&mut tx, id, next, None, now).await?;
        }

        // Hourly roll-up, one row per endpoint and hour.
        let mut rollup: HashMap<(&EndpointKey, i64), (i64, i64, i64, i64)> = HashMap::new();
        for a in attempts {
            let hour = a.started_at.as_micros().div_euclid(3_600_000_000) * 3_600_000_000;
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

/// Sets a notification's state after an attempt (or a skip) and releases its lease. A notification
/// whose endpoint is no longer active does not stay due: it is `held` (disabled) or `not_subscribed`
/// (switched off).
async fn apply_next_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    next: &NextState,
    attempt: Option<&AttemptRecord>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let waiting = matches!(next.status, NotificationStatus::Pending | NotificationStatus::Retrying);
    let env_state = "(SELECT subscription_state FROM environments e \
                      WHERE e.client_uuid = notifications.client_uuid AND e.environment = notifications.environment)";
    let sql = format!(
        "UPDATE notifications SET \
           status = CASE WHEN $1 = 1 AND {env_state} = 'disabled' THEN 'held' \
                         WHEN $1 = 1 AND {env_state} = 'inactive' THEN 'not_subscribed' ELSE $2 END, \
           next_attempt_at = CASE WHEN $1 = 1 AND {env_state} <> 'active' THEN NULL ELSE $3 END, \
           resume_at = $4, next_trigger = NULL, next_triggered_by = NULL, lease_until = NULL, \
           attempt_count = attempt_count + $5, \
           last_attempt_at = CASE WHEN $5 = 1 THEN $6 ELSE last_attempt_at END, \
           delivered_at = CASE WHEN $7 = 1 THEN $6 ELSE delivered_at END, \
           last_error_kind = CASE WHEN $5 = 1 THEN $8 ELSE last_error_kind END \
         WHERE id = $9"
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
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What one batch saw of one endpoint.
#[derive(Debug, Default)]
struct BatchHealth {
    last_success: Option<Timestamp>,
    first_failure: Option<Timestamp>,
    failures: u32,
    gone: bool,
}

async fn update_health(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &EndpointKey,
    h: &BatchHealth,
    now: Timestamp,
) -> Result<(), StoreError> {
    let (last_success, first_failure, failures) = (h.last_success, h.first_failure, h.failures);
    // A success clears the failure streak; failures after it in the same batch start a new one.
    let failure_after_success = match (last_success, first_failure) {
        (Some(s), Some(f)) if f > s => Some(f),
        (Some(_), _) => None,
        (None, f) => f,
    };
    sqlx::query(
        "UPDATE environments SET \
           last_success_at = CASE WHEN $1 IS NULL THEN last_success_at ELSE $1 END, \
           failing_since = CASE WHEN $1 IS NOT NULL THEN $2 \
                                WHEN failing_since IS NULL THEN $2 ELSE failing_since END, \
           consecutive_failures = CASE WHEN $1 IS NOT NULL THEN (CASE WHEN $2 IS NULL THEN 0 ELSE 1 END) \
                                       ELSE consecutive_failures + $3 END, \
           updated_at = $4 \
         WHERE client_uuid = $5 AND environment = $6",
    )
    .bind(last_success.map(Timestamp::as_micros))
    .bind(failure_after_success.map(Timestamp::as_micros))
    .bind(i64::from(failures))
    .bind(now.as_micros())
    .bind(&key.client_uuid)
    .bind(key.environment.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Disables an active endpoint and holds its waiting notifications; false if it was not active.
pub(super) async fn disable(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &EndpointKey,
    reason: app::vocab::DisabledReason,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE environments SET subscription_state = 'disabled', disabled_reason = $1, state_since = $2, updated_at = $2 \
         WHERE client_uuid = $3 AND environment = $4 AND subscription_state = 'active'",
    )
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
pub(super) async fn hold_waiting(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &EndpointKey,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET status = 'held', next_attempt_at = NULL, resume_at = NULL \
         WHERE client_uuid = $1 AND environment = $2 AND status IN ('pending', 'retrying') \
           AND (lease_until IS NULL OR lease_until <= $3)",
    )
    .bind(&key.client_uuid)
    .bind(key.environment.as_str())
    .bind(now.as_micros())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

fn headers_json(headers: &[(String, String)]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".to_owned())
}
