//! The server's implementation of the dashboard's [`Backend`]: each call goes through the service
//! layer with the viewer as the actor, and service errors become the UI's errors here, in one place.

use app::backend::{Backend, SignIn};
use app::dto::*;
use app::error::AppError;
use app::timestamp::Timestamp;
use app::vocab::*;
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

/// How an action's argument is handed to its service method: strings are lent, other values copied,
/// and the form's change of an environment read as a patch. (The trait's arguments are owned because
/// they arrive in a server function's request; the service borrows what it only reads.)
trait Lend<'a, T> {
    fn lend(&'a self) -> T;
}

impl<'a> Lend<'a, &'a str> for String {
    fn lend(&'a self) -> &'a str {
        self
    }
}

impl<'a> Lend<'a, Option<&'a str>> for Option<String> {
    fn lend(&'a self) -> Option<&'a str> {
        self.as_deref()
    }
}

impl<T: Clone> Lend<'_, T> for T {
    fn lend(&self) -> T {
        self.clone()
    }
}

impl Lend<'_, EnvironmentPatch> for EnvironmentChange {
    /// The form's convention: absent leaves a field, an empty string clears it.
    fn lend(&self) -> EnvironmentPatch {
        let patch = |field: &Option<String>| match field {
            None => Patch::Unchanged,
            Some(value) if value.trim().is_empty() => Patch::Clear,
            Some(value) => Patch::Set(value.clone()),
        };
        EnvironmentPatch {
            notification_webhook_url: patch(&self.notification_webhook_url),
            data_webhook_url: patch(&self.data_webhook_url),
            rook_hash_key: patch(&self.rook_hash_key),
            notification_rate_limit: patch(&self.notification_rate_limit),
            data_rate_limit: patch(&self.data_rate_limit),
        }
    }
}

/// Implements [`Backend`]: signing in by hand, and every action of
/// [`app::for_each_backend_action!`] as one call of the service method of the same name, with the
/// viewer as the actor.
macro_rules! forward_to_services {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($($(#[$($arg_attr:tt)*])* $arg:ident: $ty:ty),* $(,)?) -> $ret:ty
            $(=> #[server($($server:tt)*)] $server_fn:ident)?;
    )*) => {
        #[async_trait]
        impl Backend for DashboardBackend {
            async fn sign_in(&self, attempt: SignIn<'_>) -> Result<(Viewer, String), AppError> {
                let signed_in = self.services.sign_in(attempt).await?;
                Ok((signed_in.actor.viewer().ok_or(AppError::Internal)?, signed_in.device_token))
            }

            async fn viewer(&self, account_id: &str) -> Result<Option<Viewer>, AppError> {
                Ok(self.services.actor_for_account(account_id).await?.and_then(|a| a.viewer()))
            }

            $(
                async fn $name(&self, viewer: &Viewer, $($arg: $ty),*) -> Result<$ret, AppError> {
                    Ok(self.services.$name(&actor(viewer), $(Lend::lend(&$arg)),*).await?)
                }
            )*
        }
    };
}

app::for_each_backend_action!(forward_to_services);
