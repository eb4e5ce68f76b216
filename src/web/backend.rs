//! The server's implementation of the dashboard's [`Backend`]: each call goes through the service
//! layer with the viewer as the actor, and service errors become the UI's errors here, in one place.

use std::net::IpAddr;

use app::backend::Backend;
use app::dto::{ClientOverview, Viewer};
use app::error::AppError;
use app::vocab::Role;
use async_trait::async_trait;

use crate::service::{Actor, ServiceError, Services};

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
    async fn sign_in(&self, email: &str, password: &str, address: Option<IpAddr>) -> Result<Viewer, AppError> {
        let actor = self.services.sign_in(email, password, address).await?;
        actor.viewer().ok_or(AppError::Internal)
    }

    async fn viewer(&self, account_id: &str) -> Result<Option<Viewer>, AppError> {
        Ok(self.services.actor_for_account(account_id).await?.and_then(|a| a.viewer()))
    }

    async fn overview(&self, viewer: &Viewer) -> Result<Vec<ClientOverview>, AppError> {
        Ok(self.services.overview(&actor(viewer)).await?)
    }
}
