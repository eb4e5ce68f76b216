//! Recording platform events: the domain change (users, data-source links) and the notification are
//! written in one transaction (the transactional outbox), many events per transaction (group commit).

use std::collections::{HashMap, HashSet};

use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, Environment, NotificationStatus, NotificationType, SubscriptionState};

use super::commit_order::take_seqs;
use super::dispatch::{Channel, ClaimedDelivery, EndpointKey};
use super::error::parse_stored;
use super::stored::FromStored;
use super::{Placeholders, Store, StoreError, endpoints_param, rows_per_statement};

/// The channel Postgres processes listen on to hear about new due notifications.
pub const DUE_CHANNEL: &str = "rook_notify_due";

/// A notification to record.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub id: String,
    pub client_uuid: String,
    pub environment: Environment,
    pub kind: NotificationType,
    pub user_id: Option<String>,
    pub data_source: Option<String>,
    pub occurred_at: Timestamp,
    pub is_test: bool,
    /// The exact JSON bytes every attempt sends.
    pub body: Vec<u8>,
    /// What the first attempt will be recorded as (`schedule`, or `test`).
    pub trigger: AttemptTrigger,
    pub triggered_by: Option<String>,
}

impl NewNotification {
    /// The endpoint it goes to: its client's Notification Webhook URL in its environment.
    pub fn endpoint(&self) -> EndpointKey {
        EndpointKey { client_uuid: self.client_uuid.clone(), environment: self.environment }
    }
}

/// How an event changes what rook-notify knows about the client's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainChange {
    None,
    UserCreated {
        user_id: String,
    },
    UserDeleted {
        user_id: String,
    },
    SourceLinked {
        user_id: String,
        data_source: String,
    },
    SourceUnlinked {
        user_id: String,
        data_source: String,
    },
    /// The event names a user: make sure rook-notify knows them (events may arrive out of order).
    UserSeen {
        user_id: String,
    },
}

/// An idempotency key to claim together with the event.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub token_id: String,
    pub key: String,
    pub request_sha256: String,
    /// Keys recorded before this are expired and may be reused.
    pub expired_before: Timestamp,
}

impl IdempotencyClaim {
    /// Claims the key for a request whose stored answer is `receipt`, or takes over one that expired,
    /// inside the transaction that records what the request asked for. False when a live key holds it
    /// (a concurrent or earlier request): the row is left untouched and nothing may be recorded.
    pub(super) async fn take(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        receipt: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (token_id, key, request_sha256, response_status, response_body, created_at) \
             VALUES ($1, $2, $3, 202, $4, $5) \
             ON CONFLICT (token_id, key) DO UPDATE SET request_sha256 = excluded.request_sha256, \
             response_body = excluded.response_body, created_at = excluded.created_at \
             WHERE idempotency_keys.created_at < $6",
        )
        .bind(&self.token_id)
        .bind(&self.key)
        .bind(&self.request_sha256)
        .bind(receipt)
        .bind(now.as_micros())
        .bind(self.expired_before.as_micros())
        .execute(&mut **tx)
        .await?;
        Ok(claimed.rows_affected() > 0)
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct IngestItem {
    pub notification: NewNotification,
    pub change: DomainChange,
    pub idempotency: Option<IdempotencyClaim>,
}

/// What recording one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Recorded, with the status the notification started in.
    Recorded { notification_id: String, status: NotificationStatus },
    /// The idempotency key was already used (by a concurrent request): nothing was written.
    DuplicateKey,
}

/// The body stored for replays of an idempotent ingest (the API's 202 answer).
pub fn receipt_body(notification_id: &str, status: NotificationStatus) -> String {
    serde_json::json!({ "notification_id": notification_id, "status": status.as_str() }).to_string()
}

/// What the recording process takes of a batch's notifications that start due: each one it takes is
/// recorded already claimed by it (until `lease_until`, the claim's fencing token as with any claim)
/// and handed back with the outcomes, so it is sent without a claim statement or a wait for one.
pub struct IngestClaim<'f> {
    pub lease_until: Timestamp,
    /// Whether the transaction first reads if the endpoint has due work waiting (one index probe per
    /// endpoint), in which case the notification is not offered and goes on in due order through
    /// claims. Without it, `take` alone decides. On Postgres the probe reads the index entries that
    /// claims and deliveries left dead until vacuum (MVCC): tens of milliseconds per batch at a few
    /// hundred thousand rows.
    pub probe_backlog: bool,
    /// Asked for each notification that starts due on an endpoint without a rate cap, with its body's
    /// size: whether the process takes it. A `true` reserves room that the caller frees again if the
    /// batch is not recorded.
    pub take: &'f mut (dyn FnMut(&EndpointKey, usize) -> bool + Send),
}

impl Store {
    /// Records a batch of events in one transaction. A notification starts `pending` (due now) when its
    /// environment's subscription is active with a URL, `held` when it is disabled, `not_subscribed`
    /// otherwise. Returns one outcome per item, in order.
    pub async fn ingest(&self, items: &[IngestItem], now: Timestamp) -> Result<Vec<IngestOutcome>, StoreError> {
        Ok(self.ingest_claiming(items, now, None).await?.0)
    }

    /// Records a batch like [`Store::ingest`]; with `claim`, the notifications it takes are recorded
    /// claimed and returned as claimed deliveries.
    pub async fn ingest_claiming(
        &self,
        items: &[IngestItem],
        now: Timestamp,
        mut claim: Option<IngestClaim<'_>>,
    ) -> Result<(Vec<IngestOutcome>, Vec<ClaimedDelivery>), StoreError> {
        // The write lock first: a transaction that reads first fails at once (SQLite calls no busy
        // handler for a read transaction that wants to write) while another process writes.
        let mut tx = self.begin_write().await?;
        let environments: Vec<(&str, Environment)> = items
            .iter()
            .map(|i| (i.notification.client_uuid.as_str(), i.notification.environment))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // Whether an endpoint has due work matters only to what a process may take.
        let probe = claim.as_ref().is_some_and(|claim| claim.probe_backlog);
        let admissions = admissions(&mut tx, &environments, probe.then_some(now)).await?;
        let mut outcomes = Vec::with_capacity(items.len());
        let mut recorded: Vec<(&IngestItem, NotificationStatus, Option<Timestamp>)> = Vec::with_capacity(items.len());
        for item in items {
            let n = &item.notification;
            let admission = admissions.get(&(n.client_uuid.clone(), n.environment)).ok_or(StoreError::NotFound)?;
            let status = admission.status_for(n);
            if let Some(claim) = &item.idempotency
                && !claim.take(&mut tx, &receipt_body(&n.id, status), now).await?
            {
                outcomes.push(IngestOutcome::DuplicateKey);
                continue;
            }
            // A capped endpoint's deliveries go through its send schedule, never straight out; one with
            // due work waiting goes on in due order, through claims.
            let lease = match &mut claim {
                Some(claim) if status == NotificationStatus::Pending && !admission.capped && !admission.backlog => {
                    (claim.take)(&n.endpoint(), n.body.len()).then_some(claim.lease_until)
                }
                _ => None,
            };
            outcomes.push(IngestOutcome::Recorded { notification_id: n.id.clone(), status });
            recorded.push((item, status, lease));
        }
        // Few statements per batch, many rows each: per-statement overhead, not rows, is what costs.
        apply_changes(&mut tx, recorded.iter().map(|(item, _, _)| *item), now).await?;
        let notifications: Vec<(&NewNotification, NotificationStatus, Option<Timestamp>)> =
            recorded.iter().map(|(item, status, lease)| (&item.notification, *status, *lease)).collect();
        insert_notifications(&mut tx, &notifications, now).await?;
        // Other processes are woken only for work nobody took.
        if recorded.iter().any(|(_, s, lease)| *s == NotificationStatus::Pending && lease.is_none()) {
            self.notify_due(&mut tx).await?;
        }
        tx.commit().await?;
        let claimed = recorded
            .iter()
            .filter_map(|(item, _, lease)| lease.map(|lease| ClaimedDelivery::fresh(&item.notification, now, lease)))
            .collect();
        Ok((outcomes, claimed))
    }
}

/// What decides the status a new notification of an environment starts in.
pub(super) struct Admission {
    state: SubscriptionState,
    has_url: bool,
    types: Option<Vec<NotificationType>>,
    /// The environment's notifications have a rate cap.
    capped: bool,
    /// Notifications of the environment were due and not claimed when the transaction read it.
    backlog: bool,
}

impl Admission {
    /// `pending` when subscribed (with a URL) and the type is wanted, `filtered` when it is not
    /// wanted, `held` when disabled, `not_subscribed` otherwise. Tests are always wanted.
    pub(super) fn status_for(&self, n: &NewNotification) -> NotificationStatus {
        match (self.state, self.has_url) {
            (SubscriptionState::Active, true) => {
                let wanted = n.is_test || self.types.as_ref().is_none_or(|types| types.contains(&n.kind));
                if wanted { NotificationStatus::Pending } else { NotificationStatus::Filtered }
            }
            (SubscriptionState::Disabled, _) => NotificationStatus::Held,
            _ => NotificationStatus::NotSubscribed,
        }
    }
}

/// The admission rules of an environment, read in the recording transaction.
pub(super) async fn admission(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    client_uuid: &str,
    environment: Environment,
) -> Result<Admission, StoreError> {
    admissions(tx, &[(client_uuid, environment)], None)
        .await?
        .remove(&(client_uuid.to_owned(), environment))
        .ok_or(StoreError::NotFound)
}

/// The admission rules of these environments (those that exist), read in the recording transaction
/// with one statement whatever their number; with `due_at`, also whether each has notifications due then
/// and not claimed (one index probe each; otherwise `backlog` is false).
async fn admissions(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    environments: &[(&str, Environment)],
    due_at: Option<Timestamp>,
) -> Result<HashMap<(String, Environment), Admission>, StoreError> {
    let mut admissions = HashMap::with_capacity(environments.len());
    if environments.is_empty() {
        return Ok(admissions);
    }
    let mut placeholders = Placeholders::for_connection(tx);
    let backlog = match due_at {
        Some(_) => format!(
            "CASE WHEN EXISTS (SELECT 1 FROM notifications n WHERE n.client_uuid = e.client_uuid \
             AND n.environment = e.environment AND n.next_attempt_at <= {}) THEN 1 ELSE 0 END",
            placeholders.next()
        ),
        None => "0".to_owned(),
    };
    let sql = format!(
        "SELECT e.client_uuid, e.environment, e.subscription_state, e.notification_webhook_url, \
         e.notification_types, e.notification_rate_limit, {backlog} FROM {}",
        placeholders.environments_of_endpoints()
    );
    type Row = (String, String, String, Option<String>, Option<String>, Option<i64>, i64);
    let mut query = sqlx::query_as::<_, Row>(&sql);
    if let Some(at) = due_at {
        query = query.bind(at.as_micros());
    }
    query = query.bind(endpoints_param(environments.iter().copied())?);
    for (client_uuid, environment, state, url, types, rate, backlog) in query.fetch_all(&mut **tx).await? {
        let admission = Admission {
            state: parse_stored(&state, "environments.subscription_state")?,
            has_url: url.is_some(),
            types: FromStored::from_stored(types, "environments.notification_types")?,
            capped: rate.is_some(),
            backlog: backlog != 0,
        };
        admissions.insert((client_uuid, parse_stored(&environment, "environments.environment")?), admission);
    }
    Ok(admissions)
}

/// Inserts notifications, many per statement, numbered in commit order (in the order given); each is
/// due now when `pending`, or claimed until its lease when it has one. The transaction's last writes:
/// it takes the numbers first (see `store/commit_order.rs`). On an error the transaction is to be rolled
/// back: on SQLite the rows before the failing one stay in it ([`Placeholders::insert_into`]).
pub(super) async fn insert_notifications(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    notifications: &[(&NewNotification, NotificationStatus, Option<Timestamp>)],
    now: Timestamp,
) -> Result<(), StoreError> {
    const COLUMNS: usize = 17;
    if notifications.is_empty() {
        return Ok(());
    }
    let mut seq = take_seqs(tx, Channel::Notification, notifications.len()).await?;
    for chunk in notifications.chunks(rows_per_statement(COLUMNS)) {
        let mut placeholders = Placeholders::for_connection(tx);
        let sql = format!(
            "{} notifications (id, client_uuid, environment, type, category, user_id, data_source, \
             occurred_at, created_at, is_test, body, status, next_attempt_at, next_trigger, next_triggered_by, seq, \
             lease_until) \
             VALUES {}",
            placeholders.insert_into(),
            placeholders.value_rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for (n, status, lease) in chunk {
            let due = *status == NotificationStatus::Pending;
            // A claimed row is due again when its lease ends, like any claimed row.
            let due_at = lease.unwrap_or(now).as_micros();
            query = query
                .bind(&n.id)
                .bind(&n.client_uuid)
                .bind(n.environment.as_str())
                .bind(n.kind.as_str())
                .bind(n.kind.category().as_str())
                .bind(n.user_id.as_deref())
                .bind(n.data_source.as_deref())
                .bind(n.occurred_at.as_micros())
                .bind(now.as_micros())
                .bind(i64::from(n.is_test))
                .bind(n.body.as_slice())
                .bind(status.as_str())
                .bind(due.then_some(due_at))
                .bind(due.then_some(n.trigger.as_str()))
                .bind(if due { n.triggered_by.as_deref() } else { None })
                .bind(seq)
                .bind(lease.map(Timestamp::as_micros));
            seq += 1;
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// What a batch of events does to one user: make sure they exist, and (when the batch says so) whether
/// they end up deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserEnd {
    Exists,
    Created,
    Deleted,
}

/// Applies the domain changes of a batch of events, reduced to each user's and each link's final
/// state (events of one batch apply in order), with a few multi-row upserts.
async fn apply_changes<'a>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    items: impl Iterator<Item = &'a IngestItem>,
    now: Timestamp,
) -> Result<(), StoreError> {
    type UserKey<'k> = (&'k str, Environment, &'k str);
    let mut users: Vec<(UserKey<'a>, UserEnd)> = Vec::new();
    let mut links: Vec<((UserKey<'a>, &'a str), bool)> = Vec::new();
    fn set<K: PartialEq, V>(list: &mut Vec<(K, V)>, key: K, value: V, keep: impl Fn(&V) -> bool) {
        match list.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) if keep(&entry.1) => {}
            Some(entry) => entry.1 = value,
            None => list.push((key, value)),
        }
    }
    for item in items {
        let n = &item.notification;
        let user = |user_id: &'a String| (n.client_uuid.as_str(), n.environment, user_id.as_str());
        match &item.change {
            DomainChange::None => {}
            // Seeing a user never undoes what a created or deleted event in the same batch said.
            DomainChange::UserSeen { user_id } => {
                set(&mut users, user(user_id), UserEnd::Exists, |v| *v != UserEnd::Exists)
            }
            DomainChange::UserCreated { user_id } => set(&mut users, user(user_id), UserEnd::Created, |_| false),
            DomainChange::UserDeleted { user_id } => set(&mut users, user(user_id), UserEnd::Deleted, |_| false),
            DomainChange::SourceLinked { user_id, data_source }
            | DomainChange::SourceUnlinked { user_id, data_source } => {
                set(&mut users, user(user_id), UserEnd::Exists, |v| *v != UserEnd::Exists);
                let linked = matches!(item.change, DomainChange::SourceLinked { .. });
                set(&mut links, (user(user_id), data_source.as_str()), linked, |_| false);
            }
        }
    }
    let now = now.as_micros();
    for (end, conflict) in [
        (UserEnd::Exists, "DO NOTHING"),
        (UserEnd::Created, "DO UPDATE SET deleted_at = NULL"),
        (UserEnd::Deleted, "DO UPDATE SET deleted_at = excluded.deleted_at"),
    ] {
        let rows: Vec<&UserKey> = users.iter().filter(|(_, e)| *e == end).map(|(k, _)| k).collect();
        for chunk in rows.chunks(rows_per_statement(5)) {
            let sql = format!(
                "INSERT INTO users (client_uuid, environment, user_id, created_at, deleted_at) VALUES {} \
                 ON CONFLICT (client_uuid, environment, user_id) {conflict}",
                Placeholders::for_connection(tx).value_rows(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for (client, env, user_id) in chunk {
                query = query
                    .bind(*client)
                    .bind(env.as_str())
                    .bind(*user_id)
                    .bind(now)
                    .bind((end == UserEnd::Deleted).then_some(now));
            }
            query.execute(&mut **tx).await?;
        }
    }
    for chunk in links.chunks(rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO user_data_sources (client_uuid, environment, user_id, data_source, linked, updated_at) \
             VALUES {} ON CONFLICT (client_uuid, environment, user_id, data_source) \
             DO UPDATE SET linked = excluded.linked, updated_at = excluded.updated_at",
            Placeholders::for_connection(tx).value_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for (((client, env, user_id), source), linked) in chunk {
            query =
                query.bind(*client).bind(env.as_str()).bind(*user_id).bind(*source).bind(i64::from(*linked)).bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A user as the store knows them, for tests and the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user_id: String,
    pub deleted: bool,
    /// Data sources currently linked, by name.
    pub linked_sources: Vec<String>,
}

impl Store {
    /// What the store knows of one user of a client's environment.
    pub async fn user(
        &self,
        client_uuid: &str,
        environment: Environment,
        user_id: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT deleted_at FROM users WHERE client_uuid = $1 AND environment = $2 AND user_id = $3")
                .bind(client_uuid)
                .bind(environment.as_str())
                .bind(user_id)
                .fetch_optional(&self.read)
                .await?;
        let Some((deleted_at,)) = row else { return Ok(None) };
        let linked_sources: Vec<String> = sqlx::query_scalar(
            "SELECT data_source FROM user_data_sources \
             WHERE client_uuid = $1 AND environment = $2 AND user_id = $3 AND linked = 1 ORDER BY data_source",
        )
        .bind(client_uuid)
        .bind(environment.as_str())
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        Ok(Some(UserRecord { user_id: user_id.to_owned(), deleted: deleted_at.is_some(), linked_sources }))
    }
}
