//! The audit log: who did what to which client, and when. Entries are only ever appended.

use app::dto::AuditEntryView;
use app::timestamp::Timestamp;
use app::vocab::Environment;

use super::list_query::{Conditions, Position};
use super::{Store, StoreError};

/// An entry to append. `actor` names who acted (an account's email, or `api-token:<name>`).
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub client_uuid: Option<&'a str>,
    pub environment: Option<Environment>,
    /// A JSON object with what changed; never a secret.
    pub detail: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: String,
    at: i64,
    actor: String,
    action: String,
    client_uuid: Option<String>,
    client_name: Option<String>,
    environment: Option<String>,
    detail: String,
}

impl Store {
    /// Appends an entry at `now`.
    pub async fn append_audit(&self, entry: NewAuditEntry<'_>, now: Timestamp) -> Result<String, StoreError> {
        self.in_tx(async |tx| tx.append_audit(entry, now).await).await
    }

    /// The newest entries first (as the dashboard and the API show them), optionally for one client and actions starting with `action_prefix`,
    /// from `position` on (a keyset cursor: the id of the last entry of the previous page).
    pub async fn list_audit(
        &self,
        client_uuid: Option<&str>,
        action_prefix: Option<&str>,
        position: &Position,
        limit: u32,
    ) -> Result<Vec<AuditEntryView>, StoreError> {
        let mut conditions = Conditions::default();
        conditions.equal("client_uuid", client_uuid);
        if let Some(prefix) = action_prefix {
            conditions.add("substr(action, 1, length($?)) = $?", prefix);
        }
        let columns = "id, at, actor, action, client_uuid, \
             (SELECT name FROM clients WHERE clients.client_uuid = audit_log.client_uuid) AS client_name, \
             environment, detail";
        let listing = conditions.select(columns, "audit_log", position, limit);
        let rows = listing.binds.bind(sqlx::query_as::<_, AuditRow>(&listing.sql)).fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|row| {
                Ok(AuditEntryView {
                    detail: serde_json::from_str(&row.detail)
                        .map_err(|e| StoreError::Corrupt(format!("audit_log.detail: {e}")))?,
                    id: row.id,
                    at: Timestamp::from_micros(row.at),
                    actor: row.actor,
                    action: row.action,
                    client_uuid: row.client_uuid,
                    client_name: row.client_name,
                    environment: row.environment,
                })
            })
            .collect()
    }
}
