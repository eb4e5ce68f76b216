//! The seam between the dashboard and the server (server side only).
//!
//! The UI knows no SQL and no HTTP client: its server functions reach the service layer through the
//! [`Backend`] trait declared here, which the server implements and provides as context. The
//! per-request [`RequestContext`] (the session, the caller's address) is put into the request's
//! extensions by the server before any page or server function runs.

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;
use crate::timestamp::Timestamp;
use crate::vocab::*;

/// Declares [`Backend`]: signing in and the session's viewer, then one method per dashboard action
/// of [`for_each_backend_action!`](crate::for_each_backend_action).
macro_rules! declare_backend {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($($(#[$($arg_attr:tt)*])* $arg:ident: $ty:ty),* $(,)?) -> $ret:ty
            $(=> #[server($($server:tt)*)] $server_fn:ident)?;
    )*) => {
        /// The operations the dashboard needs. Every action takes the [`Viewer`] and is authorised by
        /// the implementation: the UI never decides who may see what.
        #[async_trait]
        pub trait Backend: Send + Sync + 'static {
            /// Checks an email and password (rate-limited per account and address) and returns the
            /// account with a new device token to remember this browser by.
            async fn sign_in(&self, attempt: SignIn<'_>) -> Result<(Viewer, String), AppError>;

            /// The account behind a session, as it is now; `None` if it no longer exists.
            async fn viewer(&self, account_id: &str) -> Result<Option<Viewer>, AppError>;

            $(
                $(#[doc = $doc])*
                async fn $name(&self, viewer: &Viewer, $($arg: $ty),*) -> Result<$ret, AppError>;
            )*
        }
    };
}

crate::for_each_backend_action!(declare_backend);

/// A sign-in attempt, as the login form and the request give it.
#[derive(Clone, Copy)]
pub struct SignIn<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address (a trusted proxy's `X-Forwarded-For` believed).
    pub address: Option<IpAddr>,
    /// The browser's device cookie: one from an earlier sign-in to this account gets past the
    /// account-wide limit.
    pub device: Option<&'a str>,
}

/// The browser session of one request.
#[async_trait]
pub trait SessionPort: Send + Sync {
    /// The account remembered in the session, if any.
    async fn account_id(&self) -> Result<Option<String>, AppError>;
    /// Remembers `account_id` under a fresh session id (so a pre-login id can never be reused).
    async fn start(&self, account_id: &str) -> Result<(), AppError>;
    /// Forgets the session entirely.
    async fn end(&self) -> Result<(), AppError>;
}

/// What the server knows about the current request, placed in the request's extensions.
#[derive(Clone)]
pub struct RequestContext {
    pub session: Arc<dyn SessionPort>,
    /// The client's address (a trusted proxy's `X-Forwarded-For` believed).
    pub address: Option<IpAddr>,
    /// The device cookie's value, if the browser sent one.
    pub device: Option<String>,
    /// Whether cookies must be `Secure` (the dashboard is served over https).
    pub secure_cookies: bool,
}

/// The cookie that remembers a browser which signed in (see [`Backend::sign_in`]).
pub const DEVICE_COOKIE: &str = "rook_notify_device";
/// How long the device cookie lasts, in seconds (90 days).
pub const DEVICE_COOKIE_MAX_AGE: u64 = 90 * 24 * 3600;

/// The backend the server provided as context.
pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    use_context::<Arc<dyn Backend>>().ok_or_else(|| {
        leptos::logging::error!("no Backend in context: the server must provide one");
        AppError::Internal
    })
}

/// The current request's context.
pub fn request_context() -> Result<RequestContext, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestContext>().cloned())
        .ok_or_else(|| {
            leptos::logging::error!("no RequestContext in the request: the server must insert one");
            AppError::Internal
        })
}

/// The signed-in viewer, re-checked against the store on every call, or `Unauthenticated`.
pub async fn require_viewer() -> Result<(Arc<dyn Backend>, Viewer), AppError> {
    let backend = backend()?;
    let ctx = request_context()?;
    let account_id = ctx.session.account_id().await?.ok_or(AppError::Unauthenticated)?;
    let viewer = backend.viewer(&account_id).await?.ok_or(AppError::Unauthenticated)?;
    Ok((backend, viewer))
}

/// Runs `call` for the signed-in viewer (see [`require_viewer`]): how a hand-written server function
/// reaches the backend.
pub async fn as_viewer<T, F>(call: impl FnOnce(Arc<dyn Backend>, Viewer) -> F) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    let (backend, viewer) = require_viewer().await?;
    call(backend, viewer).await
}

/// Sets the HTTP status of a failed server function's response to the one its error deserves.
///
/// Only when the server function was called over HTTP: during server-side rendering the same function
/// runs inside the page's request, whose status is the page's to decide.
pub fn respond_with(err: AppError) -> AppError {
    let called_over_http =
        use_context::<http::request::Parts>().is_some_and(|parts| parts.uri.path().starts_with(SERVER_FN_PREFIX));
    if called_over_http && let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::from_u16(err.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
        // A refusal for a while says how long, as HTTP clients expect of a 429.
        if let AppError::RateLimited { retry_after_secs } = &err
            && let Ok(value) = http::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            res.insert_header(http::header::RETRY_AFTER, value);
        }
    }
    err
}

/// The path prefix of every server function (`#[server(prefix = "/fn", …)]`).
pub const SERVER_FN_PREFIX: &str = "/fn/";
