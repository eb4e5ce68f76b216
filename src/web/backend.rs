//! The server's implementation of the dashboard's [`Backend`]: each call goes through the service
//! layer with the viewer as the actor, and service errors become the UI's errors here, in one place.

use std::net::IpAddr;

use app::backend::Backend;
use app::dto::{
    AccountView, AlertView, AuditEntryView, AuditQuery, BulkResendReceipt, ClientDashboard, ClientView,
    DataDeliveryQuery, DataDeliverySummary, DeliveryHealth, EnvironmentChange, EnvironmentUpdate, EventReceipt,
    NewAccountCredentials, NotificationDetail, NotificationQuery, NotificationSummary, Page, SubscriptionView, Viewer,
};
use app::error::AppError;
use app::timestamp::Timestamp;
use app::vocab::{Environment, NotificationType, Role, SecretPurpose};
use async_trait::async_trait;

use crate::service::{Actor, EnvironmentPatch, Patch, ServiceError, Services};

/// The dashboard's way into the service layer.
pub struct DashboardBackend {
    services: Services,
}

impl DashboardBackend {
    pub fn new(services: Services) -> Self {
        DashboardBackend { services }
    }
}

/// The actor a viewer stands for. Viewers are only ever made by the server from a stored account
/// (see [`Backend::viewer`]), so this conversion adds no trust.
fn actor(viewer: &Viewer) -> Actor {
    match (viewer.role, &viewer.client_uuid) {
        (Role::Staff, _) => Actor::Staff { account_id: viewer.account_id.clone(), email: viewer.email.clone() },
        (Role::Client, client_uuid) => Actor::Client {
            account_id: viewer.account_id.clone(),
            email: viewer.email.clone(),
            client_uuid: client_uuid.clone().unwrap_or_default(),
        },
    }
}

impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Unauthenticated => AppError::Unauthenticated,
            ServiceError::InvalidCredentials => AppError::InvalidCredentials,
            ServiceError::RateLimited { retry_after } => {
                AppError::RateLimited { retry_after_secs: retry_after.as_secs().max(1) }
            }
            ServiceError::NotFound(what) => AppError::not_found(capitalise(what)),
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Validation { field, message, .. } => AppError::Validation { field, message },
            ServiceError::Conflict { code, message } => AppError::conflict(code, message),
            // The dashboard has no retry loop: the message tells the person to try again later.
            ServiceError::Unavailable { retry_after, .. } => {
                AppError::Unavailable { retry_after_secs: retry_after.as_secs().max(1) }
            }
            ServiceError::Unstorable => AppError::validation(
                "input",
                "The form holds a value that cannot be stored (such as an invalid character).",
            ),
            ServiceError::Internal => AppError::Internal,
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[async_trait]
impl Backend for DashboardBackend {
    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
        device: Option<&str>,
    ) -> Result<(Viewer, String), AppError> {
        let signed_in = self.services.sign_in(email, password, address, device).await?;
        Ok((signed_in.actor.viewer().ok_or(AppError::Internal)?, signed_in.device_token))
    }

    async fn viewer(&self, account_id: &str) -> Result<Option<Viewer>, AppError> {
        Ok(self.services.actor_for_account(account_id).await?.and_then(|a| a.viewer()))
    }

    async fn client_dashboard(&self, viewer: &Viewer, client_uuid: &str) -> Result<ClientDashboard, AppError> {
        Ok(self.services.client_dashboard(&actor(viewer), client_uuid).await?)
    }

    async fn list_notifications(
        &self,
        viewer: &Viewer,
        query: NotificationQuery,
    ) -> Result<Page<NotificationSummary>, AppError> {
        Ok(self.services.list_notifications(&actor(viewer), query).await?)
    }

    async fn notification_detail(&self, viewer: &Viewer, id: &str) -> Result<NotificationDetail, AppError> {
        Ok(self.services.notification_detail(&actor(viewer), id).await?)
    }

    async fn resend(&self, viewer: &Viewer, id: &str) -> Result<NotificationSummary, AppError> {
        Ok(self.services.resend(&actor(viewer), id).await?)
    }

    async fn resend_failed(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        since: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<BulkResendReceipt, AppError> {
        Ok(self.services.resend_failed(&actor(viewer), client_uuid, environment, since, until).await?)
    }

    async fn send_test(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        kind: Option<NotificationType>,
    ) -> Result<EventReceipt, AppError> {
        Ok(self.services.send_test(&actor(viewer), client_uuid, environment, kind).await?)
    }

    async fn reveal_secret(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
    ) -> Result<String, AppError> {
        Ok(self.services.reveal_secret(&actor(viewer), client_uuid, environment, purpose).await?)
    }

    async fn rotate_secret(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
    ) -> Result<String, AppError> {
        Ok(self.services.rotate_secret(&actor(viewer), client_uuid, environment, purpose).await?)
    }

    async fn reenable(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<SubscriptionView, AppError> {
        Ok(self.services.reenable(&actor(viewer), client_uuid, environment).await?)
    }

    async fn search_clients(&self, viewer: &Viewer, search: Option<String>) -> Result<Vec<ClientView>, AppError> {
        Ok(self.services.search_clients(&actor(viewer), search.as_deref()).await?)
    }

    async fn create_client(
        &self,
        viewer: &Viewer,
        name: &str,
        client_uuid: Option<String>,
    ) -> Result<ClientView, AppError> {
        let actor = actor(viewer);
        let client_uuid = client_uuid.filter(|u| !u.trim().is_empty());
        let client = self.services.create_client(&actor, name, client_uuid.as_deref()).await?;
        Ok(self.services.client_view(&actor, &client.client_uuid).await?)
    }

    async fn client_view(&self, viewer: &Viewer, client_uuid: &str) -> Result<ClientView, AppError> {
        Ok(self.services.client_view(&actor(viewer), client_uuid).await?)
    }

    async fn update_environment(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        change: EnvironmentChange,
    ) -> Result<EnvironmentUpdate, AppError> {
        // The form's convention: absent leaves a field, an empty string clears it.
        let patch = |field: Option<String>| match field {
            None => Patch::Unchanged,
            Some(value) if value.trim().is_empty() => Patch::Clear,
            Some(value) => Patch::Set(value),
        };
        let patch = EnvironmentPatch {
            notification_webhook_url: patch(change.notification_webhook_url),
            data_webhook_url: patch(change.data_webhook_url),
            rook_hash_key: patch(change.rook_hash_key),
        };
        Ok(self.services.update_environment(&actor(viewer), client_uuid, environment, patch).await?)
    }

    async fn set_subscription(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        active: bool,
    ) -> Result<SubscriptionView, AppError> {
        // The dashboard reveals secrets only on request (and audits it): not as a side effect.
        Ok(self.services.set_subscription(&actor(viewer), client_uuid, environment, active).await?)
    }

    async fn delivery_health(&self, viewer: &Viewer) -> Result<DeliveryHealth, AppError> {
        Ok(self.services.delivery_health(&actor(viewer)).await?)
    }

    async fn audit_log(&self, viewer: &Viewer, query: AuditQuery) -> Result<Page<AuditEntryView>, AppError> {
        Ok(self.services.audit_log(&actor(viewer), query).await?)
    }

    async fn client_accounts(&self, viewer: &Viewer, client_uuid: &str) -> Result<Vec<AccountView>, AppError> {
        Ok(self.services.client_accounts(&actor(viewer), client_uuid).await?)
    }

    async fn create_client_account(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        email: &str,
    ) -> Result<NewAccountCredentials, AppError> {
        Ok(self.services.create_client_account(&actor(viewer), client_uuid, email).await?)
    }

    async fn notification_body(&self, viewer: &Viewer, id: &str) -> Result<Option<String>, AppError> {
        Ok(self.services.notification_body(&actor(viewer), id).await?)
    }

    async fn full_audit_log(&self, viewer: &Viewer, query: AuditQuery) -> Result<Page<AuditEntryView>, AppError> {
        Ok(self.services.full_audit_log(&actor(viewer), query).await?)
    }

    async fn alerts(&self, viewer: &Viewer, client_uuid: Option<String>) -> Result<Vec<AlertView>, AppError> {
        Ok(self.services.alerts(&actor(viewer), client_uuid.as_deref()).await?)
    }

    async fn list_data_deliveries(
        &self,
        viewer: &Viewer,
        query: DataDeliveryQuery,
    ) -> Result<Page<DataDeliverySummary>, AppError> {
        Ok(self.services.list_data_deliveries(&actor(viewer), query).await?)
    }

    async fn resend_data(&self, viewer: &Viewer, id: &str) -> Result<DataDeliverySummary, AppError> {
        Ok(self.services.resend_data(&actor(viewer), id).await?)
    }

    async fn resend_rejected_data(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        since: Timestamp,
    ) -> Result<BulkResendReceipt, AppError> {
        Ok(self.services.resend_rejected_data(&actor(viewer), client_uuid, environment, since, None).await?)
    }
}
