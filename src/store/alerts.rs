//! Operational alerts: recorded with the attempts that caused them, sent to the staff alert URL by the
//! engine, shown in the dashboard.

use app::timestamp::Timestamp;
use app::vocab::{AlertKind, Environment};

use super::stored::stored_record;
use super::{Store, StoreError, new_id};

stored_record! {
    /// A stored alert.
    #[derive(Debug, Clone, PartialEq)]
    pub struct AlertRecord read from "alerts" as Row {
        pub id: String,
        pub client_uuid: String,
        /// The client's name (its UUID if the client is gone).
        pub client_name: String,
        pub environment: Environment,
        pub kind: AlertKind,
        pub at: Timestamp,
        pub detail: serde_json::Value,
        pub send_attempts: u32,
    }
}

const COLUMNS: &str = "id, client_uuid, \
    COALESCE((SELECT name FROM clients WHERE clients.client_uuid = alerts.client_uuid), client_uuid) AS client_name, \
    environment, kind, at, detail, send_attempts";

/// Inserts an alert, due to be sent now, inside the caller's transaction.
pub(super) async fn insert_alert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    client_uuid: &str,
    environment: Environment,
    kind: AlertKind,
    detail: serde_json::Value,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO alerts (id, client_uuid, environment, kind, at, detail, next_send_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $5)",
    )
    .bind(&id)
    .bind(client_uuid)
    .bind(environment.as_str())
    .bind(kind.as_str())
    .bind(now.as_micros())
    .bind(detail.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

impl Store {
    /// The newest alerts first, of one client or of all.
    pub async fn list_alerts(&self, client_uuid: Option<&str>, limit: u32) -> Result<Vec<AlertRecord>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM alerts WHERE ($1 IS NULL OR client_uuid = $1) ORDER BY id DESC LIMIT $2");
        let rows: Vec<Row> =
            sqlx::query_as(&sql).bind(client_uuid).bind(i64::from(limit)).fetch_all(&self.read).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Alerts due to be sent to the staff alert URL, oldest first.
    pub async fn alerts_to_send(&self, now: Timestamp, limit: u32) -> Result<Vec<AlertRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM alerts WHERE next_send_at IS NOT NULL AND next_send_at <= $1 ORDER BY next_send_at LIMIT $2"
        );
        let rows: Vec<Row> =
            sqlx::query_as(&sql).bind(now.as_micros()).bind(i64::from(limit)).fetch_all(&self.read).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Records the outcome of sending an alert: sent, or to be tried again at `retry_at` (`None`: give
    /// up).
    pub async fn alert_sent(
        &self,
        id: &str,
        sent: bool,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alerts SET send_attempts = send_attempts + 1, \
               sent_at = CASE WHEN $1 = 1 THEN $2 ELSE sent_at END, next_send_at = $3 WHERE id = $4",
        )
        .bind(i64::from(sent))
        .bind(now.as_micros())
        .bind(if sent { None } else { retry_at.map(Timestamp::as_micros) })
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
