//! A client's webhook settings: per environment the signing secret (reveal, rotate) and test
//! notifications, the client's API keys, and the receiver guide. Reading the settings uses `client_profile`.

pub mod api_keys;
mod environment;
pub mod guide;
mod page;

pub use page::SettingsPage;

use leptos::prelude::*;

use crate::dto::EventReceipt;
use crate::error::AppError;
use crate::vocab::{Environment, NotificationType, SecretPurpose};

/// Shows an environment's signing secret of `purpose` (the notification one when absent; the service
/// writes the reveal to the audit log).
#[server(prefix = "/fn", endpoint = "reveal_signing_secret")]
pub async fn reveal_signing_secret(
    client_uuid: String,
    environment: Environment,
    #[server(default)] purpose: Option<SecretPurpose>,
) -> Result<String, AppError> {
    signing_secret(client_uuid, environment, purpose, crate::dto::SecretAction::Reveal, true).await
}

/// Replaces an environment's signing secret of `purpose` (the notification one when absent) and shows
/// the new one; the old one keeps signing for 24 hours. `understood` is the confirmation checkbox,
/// which must be ticked.
#[server(prefix = "/fn", endpoint = "rotate_signing_secret")]
pub async fn rotate_signing_secret(
    client_uuid: String,
    environment: Environment,
    #[server(default)] purpose: Option<SecretPurpose>,
    #[server(default)] understood: Option<String>,
) -> Result<String, AppError> {
    signing_secret(client_uuid, environment, purpose, crate::dto::SecretAction::Rotate, understood.is_some()).await
}

/// Reveals or rotates an environment's signing secret for the signed-in viewer, once `confirmed` (a
/// rotation's checkbox).
#[cfg(feature = "ssr")]
async fn signing_secret(
    client_uuid: String,
    environment: Environment,
    purpose: Option<SecretPurpose>,
    action: crate::dto::SecretAction,
    confirmed: bool,
) -> Result<String, AppError> {
    use crate::backend::{as_viewer, respond_with};
    let purpose = purpose.unwrap_or(SecretPurpose::Notification);
    as_viewer(|backend, viewer| async move {
        if !confirmed {
            return Err(AppError::validation(
                "understood",
                "Confirm that you understand the current secret keeps working for 24 hours.",
            ));
        }
        backend.secret_action(&viewer, client_uuid, environment, purpose, action).await
    })
    .await
    .map_err(respond_with)
}

/// Sends a test notification of `kind` to an environment's endpoint.
#[server(prefix = "/fn", endpoint = "send_test_notification")]
pub async fn send_test_notification(
    client_uuid: String,
    environment: Environment,
    kind: NotificationType,
) -> Result<EventReceipt, AppError> {
    use crate::backend::{require_viewer, respond_with};
    let (backend, viewer) = require_viewer().await.map_err(respond_with)?;
    backend.send_test(&viewer, client_uuid, environment, Some(kind)).await.map_err(respond_with)
}
