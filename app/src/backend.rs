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

use crate::dto::{
    AccountView, AlertView, AuditEntryView, AuditQuery, BulkResendReceipt, ClientDashboard, ClientView,
    DataDeliveryQuery, DataDeliverySummary, DeliveryHealth, EnvironmentChange, EnvironmentUpdate, EventReceipt,
    NewAccountCredentials, NotificationDetail, NotificationQuery, NotificationSummary, Page, SubscriptionView, Viewer,
};
use crate::error::AppError;
use crate::timestamp::Timestamp;
use crate::vocab::{Environment, NotificationType, SecretPurpose};

/// The operations the dashboard needs. Every method that reads or changes client data takes the
/// [`Viewer`] and is authorised by the implementation: the UI never decides who may see what.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Checks an email and password (rate-limited per account and address; `device`, the browser's
    /// device cookie, gets past the account-wide limit when it signed in to this account before) and
    /// returns the account with a new device token to remember this browser by.
    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
        device: Option<&str>,
    ) -> Result<(Viewer, String), AppError>;

    /// The account behind a session, as it is now; `None` if it no longer exists.
    async fn viewer(&self, account_id: &str) -> Result<Option<Viewer>, AppError>;

    // ---- one client's pages (a client account: only its own client; staff: any) ----

    /// A client's overview: both environments with last day's counts and last week's hourly figures.
    async fn client_dashboard(&self, viewer: &Viewer, client_uuid: &str) -> Result<ClientDashboard, AppError>;

    /// A page of a client's notifications, newest first.
    async fn list_notifications(
        &self,
        viewer: &Viewer,
        query: NotificationQuery,
    ) -> Result<Page<NotificationSummary>, AppError>;

    /// One notification with its payload and every attempt.
    async fn notification_detail(&self, viewer: &Viewer, id: &str) -> Result<NotificationDetail, AppError>;

    /// Queues an immediate new attempt of a notification.
    async fn resend(&self, viewer: &Viewer, id: &str) -> Result<NotificationSummary, AppError>;

    /// Queues an immediate attempt of every failed notification of an environment created since `since`.
    async fn resend_failed(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        since: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<BulkResendReceipt, AppError>;

    /// Sends a test notification (`subscription.test`, or an example of `kind` marked as a test).
    async fn send_test(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        kind: Option<NotificationType>,
    ) -> Result<EventReceipt, AppError>;

    /// Shows a signing secret (written to the audit log).
    async fn reveal_secret(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
    ) -> Result<String, AppError>;

    /// Replaces a signing secret; the old one keeps signing for 24 hours.
    async fn rotate_secret(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
    ) -> Result<String, AppError>;

    /// Re-enables a disabled endpoint and sends what was held.
    async fn reenable(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<SubscriptionView, AppError>;

    // ---- staff only ----

    /// Clients whose name contains `search` or whose UUID starts with it (all when `None`), by name.
    async fn search_clients(&self, viewer: &Viewer, search: Option<String>) -> Result<Vec<ClientView>, AppError>;

    /// Creates a client.
    async fn create_client(
        &self,
        viewer: &Viewer,
        name: &str,
        client_uuid: Option<String>,
    ) -> Result<ClientView, AppError>;

    /// A client with both environments' settings.
    async fn client_view(&self, viewer: &Viewer, client_uuid: &str) -> Result<ClientView, AppError>;

    /// Changes an environment's URLs and ROOK hash key under the URL rules.
    async fn update_environment(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        change: EnvironmentChange,
    ) -> Result<EnvironmentUpdate, AppError>;

    /// Switches an environment's Notification Webhook subscription on or off.
    async fn set_subscription(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        active: bool,
    ) -> Result<SubscriptionView, AppError>;

    /// Failing and disabled endpoints, the queue, and the last day's throughput and errors.
    async fn delivery_health(&self, viewer: &Viewer) -> Result<DeliveryHealth, AppError>;

    /// The audit log, newest first.
    async fn audit_log(&self, viewer: &Viewer, query: AuditQuery) -> Result<Page<AuditEntryView>, AppError>;

    /// The dashboard accounts of a client.
    async fn client_accounts(&self, viewer: &Viewer, client_uuid: &str) -> Result<Vec<AccountView>, AppError>;

    /// Creates an account for a client with a generated password, returned once.
    async fn create_client_account(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        email: &str,
    ) -> Result<NewAccountCredentials, AppError>;

    /// A notification's body exactly as sent (`None` once purged), for "Copy as curl".
    async fn notification_body(&self, viewer: &Viewer, id: &str) -> Result<Option<String>, AppError>;

    /// The whole audit log, newest first (staff only: a client account is refused, not narrowed).
    async fn full_audit_log(&self, viewer: &Viewer, query: AuditQuery) -> Result<Page<AuditEntryView>, AppError>;

    /// Recent operational alerts, newest first (a client account: its own client's).
    async fn alerts(&self, viewer: &Viewer, client_uuid: Option<String>) -> Result<Vec<AlertView>, AppError>;

    /// A page of a client's Data Webhook deliveries, newest first.
    async fn list_data_deliveries(
        &self,
        viewer: &Viewer,
        query: DataDeliveryQuery,
    ) -> Result<Page<DataDeliverySummary>, AppError>;

    /// Queues an immediate new attempt of a data delivery ("Resend rejected data").
    async fn resend_data(&self, viewer: &Viewer, id: &str) -> Result<DataDeliverySummary, AppError>;

    /// Queues an immediate attempt of every rejected data delivery of an environment since `since`.
    async fn resend_rejected_data(
        &self,
        viewer: &Viewer,
        client_uuid: &str,
        environment: Environment,
        since: Timestamp,
    ) -> Result<BulkResendReceipt, AppError>;
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
