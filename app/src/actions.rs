//! The dashboard's actions, declared once.
//!
//! [`for_each_backend_action!`](crate::for_each_backend_action) holds the list. Each entry is one
//! service operation as the dashboard calls it: its doc, its name, its arguments (the viewer is
//! implied: every action takes it first, and the service authorises), and what it answers. The list
//! is expanded three times, by callback macros:
//! - `app/src/backend.rs` declares a method of the [`Backend`](crate::backend::Backend) trait per
//!   entry, with the entry's doc;
//! - `src/web/backend.rs` implements each as one forwarding call to the service method of the same
//!   name, with the viewer as the actor;
//! - this module writes the server function of each entry that names one after `=>` (an action the
//!   page calls as it is, 1:1). Server functions that combine calls, shape a form's input or answer a
//!   form post are written by hand in the page's module, on top of the trait.
//!
//! An entry reads `/// doc` then `fn NAME(ARG: TYPE, …) -> ANSWER;`, or, with its server function,
//! `… -> ANSWER => #[server(prefix = "/fn", endpoint = "…")] SERVER_FN;`. An attribute on an argument
//! (such as `#[server(default)]`) is for the server function only. Arguments are owned (they arrive
//! in a server function's request); the server lends them to the service as it expects. Types are named as `dto`, `vocab` and `timestamp` name them: every site
//! that expands the list imports those modules whole.

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;
// What the list names; which of it the server functions below use depends on which actions have one.
#[allow(unused_imports)]
use crate::timestamp::Timestamp;
#[allow(unused_imports)]
use crate::vocab::*;

/// Calls `$callback! { … }` with every dashboard action (see the module's documentation).
#[macro_export]
macro_rules! for_each_backend_action {
    ($callback:ident) => {
        $callback! {
            // ---- one client's pages (a client account: only its own client; staff: any) ----

            /// A client's overview: both environments with last day's counts and last week's hourly
            /// figures.
            fn client_dashboard(client_uuid: String) -> ClientDashboard
                => #[server(name = LoadClientDashboard, prefix = "/fn", endpoint = "client_dashboard")]
                client_dashboard;

            /// A client with both environments' settings (never its secrets).
            fn client_view(client_uuid: String) -> ClientView
                => #[server(prefix = "/fn", endpoint = "client_profile")] client_profile;

            /// A page of a client's notifications, newest first.
            fn list_notifications(query: NotificationQuery) -> Page<NotificationSummary>;

            /// One notification with its payload and every attempt.
            fn notification_detail(id: String) -> NotificationDetail;

            /// A notification's body exactly as sent (`None` once purged), for "Copy as curl".
            fn notification_body(id: String) -> Option<String>;

            /// Queues an immediate new attempt of a notification.
            fn resend(id: String) -> NotificationSummary;

            /// Queues an immediate attempt of every failed notification or rejected data delivery
            /// (`what`) of an environment created since `since` (and before `until`, when given).
            fn resend_in_bulk(
                what: BulkResend,
                client_uuid: String,
                environment: Environment,
                since: Timestamp,
                until: Option<Timestamp>,
            ) -> BulkResendReceipt;

            /// Sends a test notification (`subscription.test`, or an example of `kind` marked as a
            /// test).
            fn send_test(client_uuid: String, environment: Environment, kind: Option<NotificationType>) -> EventReceipt;

            /// Shows or replaces a signing secret (written to the audit log), and answers it.
            fn secret_action(
                client_uuid: String,
                environment: Environment,
                purpose: SecretPurpose,
                action: SecretAction,
            ) -> String;

            /// Re-enables a disabled endpoint and sends what was held.
            fn reenable(client_uuid: String, environment: Environment) -> SubscriptionView;

            /// Recent operational alerts, newest first (a client account: its own client's).
            fn alerts(client_uuid: Option<String>) -> Vec<AlertView>;

            /// A page of a client's Data Webhook deliveries, newest first.
            fn list_data_deliveries(query: DataDeliveryQuery) -> Page<DataDeliverySummary>;

            /// Queues an immediate new attempt of a data delivery ("Resend rejected data").
            fn resend_data(id: String) -> DataDeliverySummary;

            /// A client's API keys, newest first, revoked ones included (never the keys themselves).
            fn list_client_keys(client_uuid: String) -> Vec<ClientKeyView>
                => #[server(prefix = "/fn", endpoint = "client_api_keys")] client_api_keys;

            /// Creates a client API key; the answer holds the key in clear, this once.
            fn create_client_key(client_uuid: String, key: NewClientKey) -> CreatedClientKey;

            /// Revokes a client API key: it stops working at once.
            fn revoke_client_key(client_uuid: String, key_id: String) -> ClientKeyView;

            // ---- staff only ----

            /// Clients whose name contains `search` or whose UUID starts with it (all when `None`),
            /// by name.
            fn search_clients(search: Option<String>) -> Vec<ClientView>;

            /// Creates a client (with ROOK's client UUID when it has one) and shows it.
            fn create_client(name: String, client_uuid: Option<String>) -> ClientView;

            /// Changes an environment's URLs and ROOK hash key under the URL rules (absent leaves a
            /// field, an empty string clears it).
            fn update_environment(client_uuid: String, environment: Environment, change: EnvironmentChange)
                -> EnvironmentUpdate;

            /// Switches an environment's Notification Webhook subscription on or off.
            fn set_subscription(client_uuid: String, environment: Environment, active: bool) -> SubscriptionView;

            /// Failing and disabled endpoints, the queue, and the last day's throughput and errors.
            fn delivery_health() -> DeliveryHealth
                => #[server(prefix = "/fn", endpoint = "staff_delivery_health")] staff_delivery_health;

            /// A client's audit log, newest first.
            fn audit_log(query: AuditQuery) -> Page<AuditEntryView>;

            /// The whole audit log, newest first (staff only: a client account is refused, not
            /// narrowed).
            fn full_audit_log(#[server(default)] query: AuditQuery) -> Page<AuditEntryView>
                => #[server(prefix = "/fn", endpoint = "staff_audit_log")] staff_audit_log;

            /// The dashboard accounts of a client.
            fn client_accounts(client_uuid: String) -> Vec<AccountView>;

            /// Creates an account for a client with a generated password, returned once.
            fn create_client_account(client_uuid: String, email: String) -> NewAccountCredentials;
        }
    };
}

/// Writes the server function of each action that names one: the signed-in viewer calls the backend
/// method with the request's arguments, and a failure gets the HTTP status it deserves.
macro_rules! plain_server_fns {
    () => {};
    (
        $(#[doc = $doc:literal])*
        fn $name:ident($($(#[$($arg_attr:tt)*])* $arg:ident: $ty:ty),* $(,)?) -> $ret:ty
            => #[server($($server:tt)*)] $server_fn:ident;
        $($rest:tt)*
    ) => {
        $(#[doc = $doc])*
        #[server($($server)*)]
        pub async fn $server_fn($($(#[$($arg_attr)*])* $arg: $ty),*) -> Result<$ret, AppError> {
            use crate::backend::{require_viewer, respond_with};
            let (backend, viewer) = require_viewer().await.map_err(respond_with)?;
            backend.$name(&viewer, $($arg),*).await.map_err(respond_with)
        }
        plain_server_fns! { $($rest)* }
    };
    (
        $(#[doc = $doc:literal])*
        fn $name:ident($($(#[$($arg_attr:tt)*])* $arg:ident: $ty:ty),* $(,)?) -> $ret:ty;
        $($rest:tt)*
    ) => {
        plain_server_fns! { $($rest)* }
    };
}

crate::for_each_backend_action!(plain_server_fns);
