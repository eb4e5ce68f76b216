//! Clients and their two environments (URLs, subscription state, legacy hash key).

use app::timestamp::Timestamp;
use app::vocab::{DisabledReason, Environment, NotificationType, SubscriptionState};

use super::stored::stored_record;
use super::{SecretKind, SecretOwner, Store, StoreError};

stored_record! {
    /// A client of ROOK.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClientRecord read from "clients" as ClientRow {
        pub client_uuid: String,
        pub name: String,
        pub created_at: Timestamp,
    }
}

stored_record! {
    /// One environment of a client, as stored.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct EnvironmentRecord read from "environments" as EnvironmentRow {
        pub client_uuid: String,
        pub environment: Environment,
        pub notification_webhook_url: Option<String>,
        pub data_webhook_url: Option<String>,
        pub rook_hash_key: Option<String>,
        #[row(rename = "subscription_state")]
        pub state: SubscriptionState,
        pub disabled_reason: Option<DisabledReason>,
        pub state_since: Timestamp,
        pub updated_at: Timestamp,
        /// First failure since the last success, while failing.
        pub failing_since: Option<Timestamp>,
        pub last_success_at: Option<Timestamp>,
        pub consecutive_failures: u32,
        /// The types the subscription wants; `None` wants every type.
        pub notification_types: Option<Vec<NotificationType>>,
        /// The most deliveries per second sent to the Notification Webhook URL (`None`: no cap).
        pub notification_rate_limit: Option<u32>,
        /// The most deliveries per second sent to the Data Webhook URL (`None`: no cap).
        pub data_rate_limit: Option<u32>,
    }
}

pub(super) const ENVIRONMENT_COLUMNS: &str = "client_uuid, environment, notification_webhook_url, data_webhook_url, \
     rook_hash_key, subscription_state, disabled_reason, state_since, updated_at, failing_since, last_success_at, \
     consecutive_failures, notification_types, notification_rate_limit, data_rate_limit";

impl Store {
    /// Creates a client with both environments inactive and without URLs.
    pub async fn insert_client(
        &self,
        client_uuid: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<ClientRecord, StoreError> {
        self.in_tx(async |tx| tx.insert_client(client_uuid, name, now).await).await
    }

    /// The client with this UUID.
    pub async fn client(&self, client_uuid: &str) -> Result<Option<ClientRecord>, StoreError> {
        self.one_by::<ClientRow, _>(
            "SELECT client_uuid, name, created_at FROM clients WHERE client_uuid = $1",
            client_uuid,
        )
        .await
    }

    /// Clients ordered by name (then UUID), optionally only those whose name contains `search`
    /// (case-insensitively) or whose UUID starts with it, at most `limit`.
    pub async fn list_clients(&self, search: Option<&str>, limit: u32) -> Result<Vec<ClientRecord>, StoreError> {
        let rows: Vec<ClientRow> = match search.map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                sqlx::query_as(
                    "SELECT client_uuid, name, created_at FROM clients ORDER BY lower(name), client_uuid LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?
            }
            Some(search) => {
                let needle = search.to_lowercase();
                sqlx::query_as(
                    "SELECT client_uuid, name, created_at FROM clients \
                     WHERE lower(name) LIKE $1 ESCAPE '\\' OR client_uuid LIKE $2 ESCAPE '\\' \
                     ORDER BY lower(name), client_uuid LIMIT $3",
                )
                .bind(format!("%{}%", escape_like(&needle)))
                .bind(format!("{}%", escape_like(&needle)))
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?
            }
        };
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Both environments of each of these clients, ordered by client then environment.
    pub async fn environments_of(&self, client_uuids: &[String]) -> Result<Vec<EnvironmentRecord>, StoreError> {
        if client_uuids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=client_uuids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {ENVIRONMENT_COLUMNS} FROM environments WHERE client_uuid IN ({placeholders}) \
             ORDER BY client_uuid, environment DESC"
        );
        let mut query = sqlx::query_as::<_, EnvironmentRow>(&sql);
        for uuid in client_uuids {
            query = query.bind(uuid);
        }
        query.fetch_all(&self.read).await?.into_iter().map(|row| self.environment_record(row)).collect()
    }

    /// A stored environment row as a record, its hash key decrypted.
    pub(super) fn environment_record(&self, row: EnvironmentRow) -> Result<EnvironmentRecord, StoreError> {
        let mut record = EnvironmentRecord::try_from(row)?;
        let owner = SecretOwner {
            client_uuid: &record.client_uuid,
            environment: record.environment,
            kind: SecretKind::HashKey,
        };
        let hash_key = record.rook_hash_key.as_deref().map(|k| self.cipher.decrypt(k, &owner)).transpose()?;
        record.rook_hash_key = hash_key;
        Ok(record)
    }

    /// One environment of a client.
    pub async fn environment(
        &self,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<Option<EnvironmentRecord>, StoreError> {
        let sql = format!("SELECT {ENVIRONMENT_COLUMNS} FROM environments WHERE client_uuid = $1 AND environment = $2");
        let row: Option<EnvironmentRow> =
            sqlx::query_as(&sql).bind(client_uuid).bind(environment.as_str()).fetch_optional(&self.read).await?;
        row.map(|row| self.environment_record(row)).transpose()
    }
}

/// Escapes `%`, `_` and `\` so that a search string matches itself literally in `LIKE … ESCAPE '\'`.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
