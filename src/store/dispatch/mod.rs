//! What the dispatcher needs from the store: claiming due deliveries under a lease, the endpoints'
//! settings, and recording attempts and their consequences in batches (group commit).
//!
//! Two channels share this machinery: notifications (to the Notification Webhook URL) and data
//! deliveries (to the Data Webhook URL); their tables have the same delivery columns.

mod fronts;
mod health;
mod rates;
mod record;

pub use rates::RateClaim;

pub(super) use fronts::ClaimFronts;

pub(super) use health::hold_waiting;

use std::collections::HashMap;

use app::timestamp::Timestamp;
use app::vocab::{
    AttemptErrorKind, AttemptTrigger, DataType, Environment, NotificationStatus, NotificationType, Pillar,
    SecretPurpose, SubscriptionState,
};

use super::error::{parse_stored, parse_stored_opt};
use super::ingest::NewNotification;
use super::{
    Dialect, JsonColumn, Placeholders, SecretKind, SecretOwner, Store, StoreError, endpoints_param, json_param,
};

/// How many endpoints one claim statement asks for at most (a power of two: statements are padded to
/// one).
const CLAIM_ENDPOINTS_PER_STATEMENT: usize = 32;

/// Which webhook a delivery goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Notifications, to the Notification Webhook URL, signed with the notification secret.
    Notification,
    /// Data Webhook documents, to the Data Webhook URL, signed with the data secret.
    Data,
}

impl Channel {
    pub(super) const fn table(self) -> &'static str {
        match self {
            Channel::Notification => "notifications",
            Channel::Data => "data_deliveries",
        }
    }

    const fn url_column(self) -> &'static str {
        match self {
            Channel::Notification => "notification_webhook_url",
            Channel::Data => "data_webhook_url",
        }
    }

    /// The channel's name where the database stores it (`endpoint_rates.channel`).
    pub const fn as_str(self) -> &'static str {
        self.purpose().as_str()
    }

    /// The environment's column with this channel's rate cap (deliveries per second, NULL: none).
    const fn rate_column(self) -> &'static str {
        match self {
            Channel::Notification => "notification_rate_limit",
            Channel::Data => "data_rate_limit",
        }
    }

    /// The secret that signs this channel's deliveries.
    pub const fn purpose(self) -> SecretPurpose {
        match self {
            Channel::Notification => SecretPurpose::Notification,
            Channel::Data => SecretPurpose::Data,
        }
    }

    /// The columns a claim returns, named alike for both tables.
    const fn returning(self) -> &'static str {
        match self {
            Channel::Notification => {
                "id, client_uuid, environment, user_id, occurred_at, created_at, body, status, attempt_count, \
                 next_trigger, next_triggered_by, resume_at, is_test, type AS notification_type, \
                 NULL AS data_type, NULL AS pillar, NULL AS document_id, NULL AS hash_datetime, \
                 0 AS rejection_notified, scheduled_attempts, resend_requested_at, lease_until"
            }
            Channel::Data => {
                "id, client_uuid, environment, user_id, created_at AS occurred_at, created_at, body, status, \
                 attempt_count, next_trigger, next_triggered_by, resume_at, 0 AS is_test, \
                 NULL AS notification_type, data_type, pillar, document_id, hash_datetime, rejection_notified, \
                 scheduled_attempts, resend_requested_at, lease_until"
            }
        }
    }
}

/// An endpoint: one environment of one client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointKey {
    pub client_uuid: String,
    pub environment: Environment,
}

/// What a claimed data delivery carries besides the common fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataMeta {
    pub data_type: DataType,
    pub pillar: Pillar,
    pub document_id: Option<String>,
    /// The text `x-rook-hash` covers as the datetime.
    pub hash_datetime: String,
    /// Whether its first rejection was already notified.
    pub rejection_notified: bool,
}

/// A delivery claimed for an attempt.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    pub channel: Channel,
    pub endpoint: EndpointKey,
    pub user_id: Option<String>,
    /// When the event happened (notifications), or when the document was handed over (data).
    pub occurred_at: Timestamp,
    pub created_at: Timestamp,
    /// The payload; `None` when it was purged (it is never sent as an empty body).
    pub body: Option<bytes::Bytes>,
    pub status: NotificationStatus,
    pub attempt_count: u32,
    /// How many of those attempts the retry schedule made (manual resends do not use up its steps).
    pub scheduled_attempts: u32,
    /// When a manual resend was last asked for, as of the claim (a later one is kept queued).
    pub resend_mark: Option<Timestamp>,
    pub trigger: AttemptTrigger,
    pub triggered_by: Option<String>,
    pub resume_at: Option<Timestamp>,
    pub is_test: bool,
    /// Notifications: the type.
    pub notification_type: Option<NotificationType>,
    /// Data deliveries: what the document is.
    pub data: Option<DataMeta>,
    /// The lease this claim set: its fencing token. A lease only moves forward (a claim sets it to its
    /// own time plus the lease length, and only once the previous one has passed), so an outcome whose
    /// lease is no longer the row's comes from a claim that was superseded, and is not applied.
    pub lease: Timestamp,
    /// On an endpoint with a rate cap, the send time this claim reserved for it: it is not sent
    /// before (`None`: at once).
    pub send_at: Option<Timestamp>,
}

impl ClaimedDelivery {
    /// A notification claimed in the transaction that recorded it (see [`super::IngestClaim`]): what a
    /// claim statement would have returned for it.
    pub(in crate::store) fn fresh(n: &NewNotification, created_at: Timestamp, lease: Timestamp) -> Self {
        ClaimedDelivery {
            id: n.id.clone(),
            channel: Channel::Notification,
            endpoint: n.endpoint(),
            user_id: n.user_id.clone(),
            occurred_at: n.occurred_at,
            created_at,
            body: Some(bytes::Bytes::copy_from_slice(&n.body)),
            status: NotificationStatus::Pending,
            attempt_count: 0,
            scheduled_attempts: 0,
            resend_mark: None,
            trigger: n.trigger,
            triggered_by: n.triggered_by.clone(),
            resume_at: None,
            is_test: n.is_test,
            notification_type: Some(n.kind),
            data: None,
            lease,
            send_at: None,
        }
    }
}

/// An endpoint's delivery settings for one channel at claim time.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// The subscription state (data deliveries are sent whatever it is).
    pub state: SubscriptionState,
    pub url: Option<String>,
    pub rook_hash_key: Option<String>,
    /// The channel's secrets that sign now, current first.
    pub secrets: Vec<String>,
    /// Why the endpoint's stored secrets cannot be used (one failed to decrypt: tampered with, or
    /// written with a key this process lacks). Its deliveries wait; other endpoints are not held up.
    pub unreadable: Option<&'static str>,
}

impl EndpointConfig {
    /// Whether deliveries of `channel` go out to this endpoint now.
    pub fn sends(&self, channel: Channel) -> bool {
        self.url.is_some() && (channel == Channel::Data || self.state == SubscriptionState::Active)
    }
}

/// One attempt to record, with the delivery's state after it (decided by the engine's policy).
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub channel: Channel,
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
    /// The Notification Webhook answered 410 Gone: the endpoint is disabled.
    pub gone: bool,
    pub next: NextState,
    /// The claim's resend mark (see [`ClaimedDelivery::resend_mark`]).
    pub resend_mark: Option<Timestamp>,
    /// The claim's lease (see [`ClaimedDelivery::lease`]).
    pub lease: Timestamp,
    /// A `data_webhook.rejected` notification this attempt causes (data deliveries only), recorded in
    /// the same transaction.
    pub notice: Option<RejectionNotice>,
}

/// A rejection notice to record with a data delivery's attempt.
#[derive(Debug, Clone)]
pub struct RejectionNotice {
    /// The first rejection of this data delivery (marks it so no second "first" notice is made).
    pub first: bool,
    pub notification: NewNotification,
}

/// A delivery's state after an attempt, or after being skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextState {
    pub status: NotificationStatus,
    pub next_attempt_at: Option<Timestamp>,
    /// The scheduled retry to restore if a manual resend fails.
    pub resume_at: Option<Timestamp>,
}

/// A claimed delivery put back into a state without an attempt.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub channel: Channel,
    pub id: String,
    pub endpoint: EndpointKey,
    pub next: NextState,
    /// The claim's resend mark (see [`ClaimedDelivery::resend_mark`]).
    pub resend_mark: Option<Timestamp>,
    /// The claim's lease (see [`ClaimedDelivery::lease`]).
    pub lease: Timestamp,
}

/// A Notification Webhook endpoint's health after a batch's attempts are counted: what the engine's
/// rules decide disabling from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointHealth {
    pub subscription: SubscriptionState,
    /// Since when it has failed without a success (`None`: its last attempt succeeded).
    pub failing_since: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub consecutive_failures: u32,
    /// This batch saw the receiver answer 410 Gone.
    pub gone: bool,
}

/// The product's rules that recording applies inside its transaction. The engine decides them (where
/// they can be read and tested); the store only carries them out.
pub trait RecordRules: Send + Sync {
    /// A notification's state once its endpoint's subscription is `subscription` (it may have changed
    /// while the attempt was in flight): a delivery still waiting for an attempt does not stay due on
    /// an endpoint that is not active.
    fn settle(&self, next: &NextState, subscription: SubscriptionState) -> NextState;

    /// Whether an endpoint in this health is disabled now, and why.
    fn disables(&self, health: &EndpointHealth, now: Timestamp) -> Option<app::vocab::DisabledReason>;
}

/// What a batch of records changed beyond the deliveries themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordSummary {
    /// Endpoints disabled by this batch, with the reason (`gone` or `failing`).
    pub disabled: Vec<(EndpointKey, app::vocab::DisabledReason)>,
    /// Rejection notices recorded, as (notification id, its initial status).
    pub notices: Vec<(String, NotificationStatus)>,
    /// Alerts recorded (their ids).
    pub alerts: Vec<String>,
    /// Outcomes not applied because their claim had been superseded by a newer one.
    pub stale: usize,
}

/// Which of an endpoint's due rows a claim statement takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Take {
    /// Any, in due order, unless the endpoint has a rate cap (capped endpoints are claimed by
    /// [`Store::claim_rated`]).
    Uncapped,
    /// Only rows never tried (`attempt_count = 0`).
    FirstAttempts,
    /// Only rows tried before.
    Retries,
}

/// One claim transaction under way: what it took so far, and what is left of its byte budget.
struct Claiming<'t> {
    tx: &'t mut sqlx::Transaction<'static, sqlx::Any>,
    channel: Channel,
    now: Timestamp,
    lease_until: Timestamp,
    bytes_left: i64,
    claimed: Vec<ClaimedDelivery>,
    /// Where each endpoint's claim starts reading, and learns from what it takes (see [`fronts`]);
    /// `None`: every claim reads its endpoint's due rows from the start.
    fronts: Option<&'t ClaimFronts>,
}

impl Claiming<'_> {
    /// Claims up to each endpoint's count of its rows with `sql`, a statement for that many endpoints
    /// (see [`Store::claim_sql`]); returns how many rows it took in all.
    async fn take(&mut self, sql: &str, endpoints: &[(&EndpointKey, u32)]) -> Result<u32, StoreError> {
        if endpoints.iter().all(|(_, count)| *count == 0) || self.bytes_left <= 0 {
            return Ok(0);
        }
        let mut query = sqlx::query_as::<_, ClaimRow>(sql)
            .bind(self.lease_until.as_micros())
            .bind(self.now.as_micros())
            .bind(self.bytes_left);
        for (endpoint, count) in endpoints {
            let start = self.fronts.and_then(|fronts| fronts.start(self.channel, endpoint));
            query = query
                .bind(&endpoint.client_uuid)
                .bind(endpoint.environment.as_str())
                .bind(i64::from(*count))
                .bind(start.map_or(i64::MIN, Timestamp::as_micros));
        }
        let rows = query.fetch_all(&mut **self.tx).await?;
        let taken = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        for row in rows {
            let was_due = row.was_due.map(Timestamp::from_micros);
            let delivery = row.into_claimed(self.channel)?;
            if let (Some(fronts), Some(due)) = (self.fronts, was_due) {
                fronts.took(self.channel, &delivery.endpoint, due);
            }
            self.bytes_left -= delivery.body.as_ref().map_or(0, |b| i64::try_from(b.len()).unwrap_or(i64::MAX));
            self.claimed.push(delivery);
        }
        Ok(taken)
    }
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: String,
    client_uuid: String,
    environment: String,
    user_id: Option<String>,
    occurred_at: i64,
    created_at: i64,
    body: Option<Vec<u8>>,
    status: String,
    attempt_count: i64,
    next_trigger: Option<String>,
    next_triggered_by: Option<String>,
    resume_at: Option<i64>,
    is_test: i64,
    notification_type: Option<String>,
    data_type: Option<String>,
    pillar: Option<String>,
    document_id: Option<String>,
    hash_datetime: Option<String>,
    rejection_notified: i64,
    scheduled_attempts: i64,
    resend_requested_at: Option<i64>,
    lease_until: Option<i64>,
    /// The due time the row had before this claim (Postgres; SQLite cannot return it, and keeps no
    /// fronts).
    was_due: Option<i64>,
}

impl ClaimRow {
    fn into_claimed(self, channel: Channel) -> Result<ClaimedDelivery, StoreError> {
        let data = match (channel, self.data_type, self.pillar) {
            (Channel::Data, Some(data_type), Some(pillar)) => Some(DataMeta {
                data_type: parse_stored(&data_type, "data_deliveries.data_type")?,
                pillar: parse_stored(&pillar, "data_deliveries.pillar")?,
                document_id: self.document_id,
                hash_datetime: self.hash_datetime.unwrap_or_default(),
                rejection_notified: self.rejection_notified != 0,
            }),
            _ => None,
        };
        Ok(ClaimedDelivery {
            channel,
            endpoint: EndpointKey {
                client_uuid: self.client_uuid,
                environment: parse_stored(&self.environment, "environment")?,
            },
            notification_type: parse_stored_opt(self.notification_type.as_deref(), "notifications.type")?,
            status: parse_stored(&self.status, "status")?,
            trigger: match self.next_trigger {
                Some(t) => parse_stored(&t, "next_trigger")?,
                None => AttemptTrigger::Schedule,
            },
            data,
            id: self.id,
            user_id: self.user_id,
            occurred_at: Timestamp::from_micros(self.occurred_at),
            created_at: Timestamp::from_micros(self.created_at),
            is_test: self.is_test != 0,
            body: self.body.map(bytes::Bytes::from),
            lease: Timestamp::from_micros(self.lease_until.unwrap_or_default()),
            attempt_count: u32::try_from(self.attempt_count).unwrap_or(u32::MAX),
            scheduled_attempts: u32::try_from(self.scheduled_attempts).unwrap_or(u32::MAX),
            resend_mark: self.resend_requested_at.map(Timestamp::from_micros),
            triggered_by: self.next_triggered_by,
            resume_at: self.resume_at.map(Timestamp::from_micros),
            send_at: None,
        })
    }
}

impl Store {
    /// The Notification Webhook endpoints whose last successful attempt was at `since` or later, with
    /// its time.
    pub async fn answered_since(&self, since: Timestamp) -> Result<Vec<(EndpointKey, Timestamp)>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT client_uuid, environment, last_success_at FROM environments WHERE last_success_at >= $1",
        )
        .bind(since.as_micros())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(client_uuid, env, at)| {
                let environment = parse_stored(&env, "environments.environment")?;
                Ok((EndpointKey { client_uuid, environment }, Timestamp::from_micros(at)))
            })
            .collect()
    }

    /// The endpoints with deliveries of `channel` due at `now` (claimed ones are not due: a claim moves
    /// a delivery's due time to the end of its lease). One index probe per endpoint, whatever the
    /// backlog.
    pub async fn due_endpoints(&self, channel: Channel, now: Timestamp) -> Result<Vec<EndpointKey>, StoreError> {
        // SQLite numbers its placeholders in the order they are written: the starts come first.
        let mut placeholders = Placeholders::for_dialect(self.dialect);
        let first_due = first_due_per_endpoint(channel, &mut placeholders);
        let at = placeholders.next();
        let sql = format!("SELECT client_uuid, environment FROM ({first_due}) d WHERE d.first_due <= {at}");
        let rows: Vec<(String, String)> =
            sqlx::query_as(&sql).bind(self.front_starts(channel)?).bind(now.as_micros()).fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|(client_uuid, env)| {
                Ok(EndpointKey { client_uuid, environment: parse_stored(&env, "environments.environment")? })
            })
            .collect()
    }

    /// Claims due deliveries of `channel` until `lease_until`: for each endpoint asked, up to its count,
    /// oldest due first, in one transaction. The bodies claimed add up to at most `bytes` (the first
    /// delivery is taken whatever its size, so a large one is never stuck).
    ///
    /// A claim moves the delivery's due time to the end of the lease, so claimed rows leave the due
    /// index until the lease ends; the lease is also the claim's fencing token. No lock or connection
    /// is held once this returns: a claim whose process died comes back when the lease runs out. On
    /// Postgres an endpoint's claim starts reading at its front, past the index entries that earlier
    /// claims left dead (see [`fronts`]).
    pub async fn claim_due(
        &self,
        channel: Channel,
        now: Timestamp,
        lease_until: Timestamp,
        endpoints: &[(EndpointKey, u32)],
        bytes: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let mut tx = self.begin_claim().await?;
        let fronts = (self.dialect == Dialect::Postgres).then_some(&self.fronts);
        let mut claim =
            Claiming { tx: &mut tx, channel, now, lease_until, bytes_left: bytes, claimed: Vec::new(), fronts };
        for chunk in endpoints.chunks(CLAIM_ENDPOINTS_PER_STATEMENT) {
            // Padded to a power of two with endpoints asked for nothing, so a handful of statement
            // shapes serve every number of endpoints (each backend keeps them prepared).
            let shape = chunk.len().next_power_of_two();
            let none = EndpointKey { client_uuid: String::new(), environment: Environment::Sandbox };
            let asked: Vec<(&EndpointKey, u32)> = chunk
                .iter()
                .map(|(endpoint, count)| (endpoint, *count))
                .chain(std::iter::repeat_n((&none, 0), shape - chunk.len()))
                .collect();
            claim.take(&self.claim_sql(channel, Take::Uncapped, shape), &asked).await?;
        }
        let claimed = std::mem::take(&mut claim.claimed);
        tx.commit().await?;
        Ok(claimed)
    }

    /// A claim's transaction. On Postgres it commits asynchronously: a claim lost in a crash is only
    /// claimed again when its lease ends, so it needs no fsync.
    async fn begin_claim(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let mut tx = self.begin_write().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await?;
        }
        Ok(tx)
    }

    /// The statement that claims the due rows of `channel` that `take` names for `endpoints`
    /// endpoints: for each, up to its count, oldest due first from the due time it starts at (binds:
    /// lease, now, bytes left, then client, environment, count and start of each endpoint; see
    /// [`fronts`]). One statement for all of them: a statement per endpoint cost Postgres a round trip
    /// each, and the single SQLite writer a hand-off each. On Postgres each row comes back with the
    /// due time it had (`was_due`), which moves its endpoint's front.
    fn claim_sql(&self, channel: Channel, take: Take, endpoints: usize) -> String {
        let (table, returning) = (channel.table(), channel.returning());
        // Only the first of the rows, in the endpoints' order and then due order, may exceed what is
        // left of the byte budget. The rows are locked first (Postgres), then sized: window functions
        // and row locks do not mix.
        let lock = match self.dialect {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let branches = (0..endpoints)
            .map(|i| {
                let (client, environment, count, start) = (4 + 4 * i, 5 + 4 * i, 6 + 4 * i, 7 + 4 * i);
                let only = match take {
                    // Evaluated once per statement (it does not depend on the row): an endpoint given a
                    // cap since the dispatcher last looked is left alone, not sent to at full speed.
                    Take::Uncapped => format!(
                        "AND NOT EXISTS (SELECT 1 FROM environments e WHERE e.client_uuid = ${client} \
                         AND e.environment = ${environment} AND e.{rate} IS NOT NULL)",
                        rate = channel.rate_column()
                    ),
                    Take::FirstAttempts => "AND attempt_count = 0".to_owned(),
                    // The same words as the partial index `*_due_retries` (migration 0008), so it is used.
                    Take::Retries => "AND attempt_count > 0".to_owned(),
                };
                format!(
                    "SELECT * FROM ( \
                       SELECT {i} AS ord, id, next_attempt_at, COALESCE(length(body), 0) AS size FROM {table} \
                       WHERE client_uuid = ${client} AND environment = ${environment} \
                         AND next_attempt_at >= ${start} AND next_attempt_at <= $2 \
                         AND (lease_until IS NULL OR lease_until <= $2) {only} \
                       ORDER BY next_attempt_at, id LIMIT ${count} {lock} \
                     ) AS e{i}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sized = format!(
            "SELECT id, next_attempt_at, size, SUM(size) OVER (ORDER BY ord, next_attempt_at, id) AS upto \
             FROM ({branches}) due"
        );
        match self.dialect {
            Dialect::Postgres => format!(
                "UPDATE {table} SET lease_until = $1, next_attempt_at = $1 FROM ( \
                   SELECT id AS claimed_id, next_attempt_at AS was_due FROM ({sized}) sized WHERE upto - size < $3 \
                 ) AS claimed WHERE {table}.id = claimed.claimed_id \
                 RETURNING {returning}, claimed.was_due"
            ),
            // SQLite's RETURNING cannot name another table of an `UPDATE … FROM`.
            Dialect::Sqlite => format!(
                "UPDATE {table} SET lease_until = $1, next_attempt_at = $1 WHERE id IN ( \
                   SELECT id FROM ({sized}) sized WHERE upto - size < $3 \
                 ) \
                 RETURNING {returning}, NULL AS was_due"
            ),
        }
    }

    /// Gives claimed deliveries back (graceful shutdown), due at once: another process may take them.
    /// Each is given back only if its claim (id and lease) is still the current one.
    pub async fn release_claims(&self, channel: Channel, claims: &[(String, Timestamp)]) -> Result<(), StoreError> {
        if claims.is_empty() {
            return Ok(());
        }
        let mut placeholders = Placeholders::for_dialect(self.dialect);
        let now = placeholders.next();
        let table = channel.table();
        let sql = format!(
            "UPDATE {table} SET lease_until = NULL, next_attempt_at = {now} FROM ({}) AS v \
             WHERE {table}.id = v.id AND {table}.lease_until = v.lease",
            placeholders.json_rows(&[("id", JsonColumn::Text), ("lease", JsonColumn::Integer)])
        );
        let rows: Vec<(&str, i64)> = claims.iter().map(|(id, lease)| (id.as_str(), lease.as_micros())).collect();
        sqlx::query(&sql).bind(Timestamp::now().as_micros()).bind(json_param(&rows)?).execute(&self.write).await?;
        Ok(())
    }

    /// When the next delivery of any channel falls due (`None` when nothing is scheduled). Claimed
    /// deliveries count as due when their lease ends.
    pub async fn next_due_at(&self) -> Result<Option<Timestamp>, StoreError> {
        let mut next: Option<i64> = None;
        for channel in [Channel::Notification, Channel::Data] {
            let mut placeholders = Placeholders::for_dialect(self.dialect);
            let sql =
                format!("SELECT MIN(d.first_due) FROM ({}) d", first_due_per_endpoint(channel, &mut placeholders));
            let due: Option<i64> =
                sqlx::query_scalar(&sql).bind(self.front_starts(channel)?).fetch_one(&self.read).await?;
            next = match (next, due) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(next.map(Timestamp::from_micros))
    }

    /// The parameter of [`first_due_per_endpoint`]: where each endpoint's look for due work starts
    /// (Postgres; SQLite keeps no fronts and looks from the start).
    fn front_starts(&self, channel: Channel) -> Result<String, StoreError> {
        let starts = match self.dialect {
            Dialect::Postgres => self.fronts.starts(channel),
            Dialect::Sqlite => Vec::new(),
        };
        fronts::starts_param(&starts)
    }

    /// The settings of these endpoints for `channel`, with the channel's secrets that sign at `now`.
    pub async fn endpoint_configs(
        &self,
        channel: Channel,
        keys: &[EndpointKey],
        now: Timestamp,
    ) -> Result<HashMap<EndpointKey, EndpointConfig>, StoreError> {
        let mut configs = HashMap::new();
        if keys.is_empty() {
            return Ok(configs);
        }
        // Each endpoint by its primary key (an index seek), not by a joined
        // `client_uuid || '/' || environment`, which read every environment on every claim.
        let mut placeholders = Placeholders::for_dialect(self.dialect);
        let environments = placeholders.environments_of_endpoints();
        let (purpose, at) = (placeholders.next(), placeholders.next());
        let sql = format!(
            "SELECT e.client_uuid, e.environment, e.subscription_state, e.{url}, e.rook_hash_key, s.secret \
             FROM {environments} LEFT JOIN signing_secrets s \
               ON s.client_uuid = e.client_uuid AND s.environment = e.environment AND s.purpose = {purpose} \
              AND (s.retired_at IS NULL OR s.retired_at > {at}) \
             ORDER BY e.client_uuid, e.environment, (s.retired_at IS NULL) DESC, s.created_at DESC",
            url = channel.url_column()
        );
        type Row = (String, String, String, Option<String>, Option<String>, Option<String>);
        let query = sqlx::query_as::<_, Row>(&sql)
            // Each endpoint once: a key given twice would join its secrets twice.
            .bind(endpoints_param(
                keys.iter()
                    .map(|key| (key.client_uuid.as_str(), key.environment))
                    .collect::<std::collections::BTreeSet<_>>(),
            )?)
            .bind(channel.purpose().as_str())
            .bind(now.as_micros());
        for (client_uuid, env, state, url, hash_key, secret) in query.fetch_all(&self.read).await? {
            let environment = parse_stored(&env, "environments.environment")?;
            let owner = |kind| SecretOwner { client_uuid: &client_uuid, environment, kind };
            let purpose = SecretKind::Signing(channel.purpose());
            // One endpoint's unreadable secret must not stop every other endpoint's deliveries.
            let secret = secret.map(|s| self.cipher.decrypt(&s, &owner(purpose)));
            let hash_key = hash_key.map(|k| self.cipher.decrypt(&k, &owner(SecretKind::HashKey)));
            let failed = [&secret, &hash_key].into_iter().flatten().find_map(|r| r.as_ref().err());
            if let Some(err) = failed {
                tracing::error!(%client_uuid, environment = environment.as_str(), error = %err,
                    "a stored secret of this endpoint cannot be decrypted; its deliveries wait");
            }
            let unreadable = failed.map(|_| "a stored secret of this endpoint cannot be decrypted");
            let key = EndpointKey { client_uuid, environment };
            let config = match configs.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(EndpointConfig {
                    state: parse_stored(&state, "environments.subscription_state")?,
                    url,
                    rook_hash_key: hash_key.and_then(Result::ok),
                    secrets: Vec::new(),
                    unreadable: None,
                }),
            };
            config.unreadable = config.unreadable.or(unreadable);
            config.secrets.extend(secret.and_then(Result::ok));
        }
        Ok(configs)
    }
}

/// Each environment with the first due time of its deliveries of `channel` (`first_due`, NULL when
/// nothing is scheduled): one probe of the `(endpoint, due time)` index per environment, whatever the
/// backlog, from the endpoint's front where it has one (the parameter [`Store::front_starts`] makes;
/// see [`fronts`]). Ordered by due time on an endpoint's own rows, so no other index can serve it:
/// given the choice (an index on the due time alone, an `EXISTS` that any index on the endpoint
/// answers), Postgres with statistics read every endpoint's rows, or all of one endpoint's, for each
/// probe (migration 0009).
fn first_due_per_endpoint(channel: Channel, placeholders: &mut Placeholders) -> String {
    let starts = fronts::starts_rows(placeholders);
    format!(
        "SELECT e.client_uuid, e.environment, ( \
           SELECT t.next_attempt_at FROM {table} t \
           WHERE t.client_uuid = e.client_uuid AND t.environment = e.environment AND t.next_attempt_at IS NOT NULL \
             AND t.next_attempt_at >= COALESCE(f.start, {from_the_start}) \
           ORDER BY t.next_attempt_at LIMIT 1 \
         ) AS first_due \
         FROM environments e LEFT JOIN ({starts}) f ON f.client_uuid = e.client_uuid AND f.environment = e.environment",
        table = channel.table(),
        // Not `i64::MIN`: Postgres reads that literal as a numeric (its digits overflow a bigint
        // before the minus applies), and a comparison with a numeric cannot use the index.
        from_the_start = i64::MIN + 1,
    )
}
