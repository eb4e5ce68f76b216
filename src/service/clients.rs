//! Clients: creating them and showing them to whoever may see them.

use app::dto::ClientView;
use app::timestamp::Timestamp;
use serde_json::json;

use super::{Actor, ServiceError, Services};

/// The longest client name accepted.
pub(super) const MAX_CLIENT_NAME_LEN: usize = 200;

impl Services {
    /// Creates a client (staff only), with both environments inactive, and shows it. `client_uuid` is
    /// ROOK's identifier of the client when it already has one; a new UUID is made otherwise.
    pub async fn create_client(
        &self,
        actor: &Actor,
        name: &str,
        client_uuid: Option<&str>,
    ) -> Result<ClientView, ServiceError> {
        if !actor.is_staff() {
            return Err(ServiceError::Forbidden);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_CLIENT_NAME_LEN || name.chars().any(char::is_control) {
            return Err(ServiceError::validation(
                "name",
                format!("The client name must have between 1 and {MAX_CLIENT_NAME_LEN} printable characters."),
            ));
        }
        let client_uuid = match client_uuid {
            Some(raw) => parse_client_uuid(raw)?,
            None => uuid::Uuid::now_v7().to_string(),
        };
        let now = Timestamp::now();
        let mut tx = self.store().begin().await?;
        let client = tx
            .insert_client(&client_uuid, name, now)
            .await
            .map_err(ServiceError::taken(|| format!("A client with the UUID {client_uuid} already exists.")))?;
        let detail = json!({ "name": name });
        self.audit_in(&mut tx, actor, "client.created", Some(client_uuid.as_str()), None, detail, now).await?;
        tx.commit().await?;
        self.client_view(actor, &client.client_uuid).await
    }
}

/// A client UUID in canonical form (lowercase, hyphenated), or a validation error.
pub(crate) fn parse_client_uuid(raw: &str) -> Result<String, ServiceError> {
    uuid::Uuid::parse_str(raw.trim()).map(|u| u.hyphenated().to_string()).map_err(|_| {
        ServiceError::validation("client_uuid", "Expected a UUID such as 0196f0c8-8c2a-7c4e-9a51-6b1f0d2c3e4f.")
    })
}
