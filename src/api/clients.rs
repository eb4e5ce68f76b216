//! `/clients`: clients, their environments' settings, subscriptions and secrets.

use app::dto::{
    BulkResend, BulkResendReceipt, ClientQuery, ClientView, EnvironmentUpdate, EventReceipt, SecretAction,
    SubscriptionView,
};
use app::timestamp::Timestamp;
use app::vocab::NotificationType;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{Admin, ApiJson, ApiPath, ListQuery, PullCaller};
use super::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized, Unprocessable,
};
use super::paths::{ClientPath, EnvironmentPath, SecretPath};
use crate::service::{Actor, EnvironmentPatch, Patch, Services, SubscriptionChange as Change};

/// The routes of this file, each documented by its handler's annotation.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(create_client, list_clients))
        .routes(routes!(get_client))
        .routes(routes!(update_environment))
        .routes(routes!(set_subscription, get_subscription))
        .routes(routes!(reveal_secret))
        .routes(routes!(rotate_secret))
        .routes(routes!(resend_failed))
        .routes(routes!(send_test))
}

/// A new client.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewClient {
    /// Its name, 1 to 200 characters.
    name: String,
    /// Its ROOK client UUID; a new UUIDv7 when absent.
    #[serde(default)]
    client_uuid: Option<String>,
}

/// Creates a client; both environments start unsubscribed.
#[utoipa::path(
    post, path = "/clients", tag = "clients",
    request_body = NewClient,
    responses(
        (status = CREATED, description = "The new client.", body = ClientView),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, Unprocessable,
    )
)]
async fn create_client(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiJson { value, .. }: ApiJson<NewClient>,
) -> Result<(StatusCode, Json<ClientView>), ApiError> {
    let client = services.create_client(&actor, &value.name, value.client_uuid.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(client)))
}

/// Lists clients by name (at most 100), or those whose name contains `q` or whose UUID starts with it.
#[utoipa::path(
    get, path = "/clients", tag = "clients",
    params(ClientQuery),
    responses((status = OK, description = "The clients.", body = Vec<ClientView>), Unauthorized, Forbidden, Unprocessable)
)]
async fn list_clients(
    State(services): State<Services>,
    Admin(actor): Admin,
    ListQuery(query): ListQuery<ClientQuery>,
) -> Result<Json<Vec<ClientView>>, ApiError> {
    Ok(Json(services.search_clients(&actor, query.q.as_deref()).await?))
}

/// A client with both environments and their subscriptions (never their secrets).
#[utoipa::path(
    get, path = "/clients/{client_uuid}", tag = "clients",
    params(ClientPath),
    responses((status = OK, description = "The client.", body = ClientView), Unauthorized, Forbidden, NotFound)
)]
async fn get_client(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<ClientPath>,
) -> Result<Json<ClientView>, ApiError> {
    Ok(Json(services.client_view(&actor, &path.client_uuid).await?))
}

/// A field that may be absent (unchanged), `null` (cleared) or a value (set).
fn patch<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<String>, D::Error> {
    Ok(match Option::<String>::deserialize(d)? {
        None => Patch::Clear,
        Some(value) => Patch::Set(value),
    })
}

/// A change to an environment: an absent field is unchanged, `null` clears it, a value sets it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EnvironmentChange {
    /// Where notifications are sent: https in Production, and different from every Data Webhook URL
    /// of the client.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    notification_webhook_url: Patch<String>,
    /// Where data deliveries are sent.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    data_webhook_url: Patch<String>,
    /// ROOK's legacy secret hash key: when set, deliveries carry `x-rook-hash`.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    rook_hash_key: Patch<String>,
    /// The most deliveries per second sent to the Notification Webhook URL: a whole number from 1 to
    /// 10000; `null`: no limit (the default). Any other value answers 422 naming this field.
    #[serde(default, deserialize_with = "rate_patch")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    notification_rate_limit: Patch<String>,
    /// The same for the Data Webhook URL.
    #[serde(default, deserialize_with = "rate_patch")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    data_rate_limit: Patch<String>,
}

/// A rate that may be absent (unchanged), `null` (no limit) or a value. Any JSON value is taken as its
/// text, so that the service names the field in its answer to a wrong one (`"50"`, `1.5`, `-1`).
fn rate_patch<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Patch::Clear,
        value => Patch::Set(value.to_string()),
    })
}

/// Sets or clears an environment's URLs, ROOK hash key and delivery rates (answers `warnings`).
///
/// A delivery rate is the most deliveries per second sent to that URL, shared by every process.
#[utoipa::path(
    put, path = "/clients/{client_uuid}/environments/{env}", tag = "clients",
    params(EnvironmentPath),
    request_body = EnvironmentChange,
    responses(
        (status = OK, description = "The environment as it is now.", body = EnvironmentUpdate),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, Unprocessable,
    )
)]
async fn update_environment(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<EnvironmentPath>,
    ApiJson { value, .. }: ApiJson<EnvironmentChange>,
) -> Result<Json<EnvironmentUpdate>, ApiError> {
    let environment = path.environment()?;
    let client_uuid = path.client_uuid;
    let patch = EnvironmentPatch {
        notification_webhook_url: value.notification_webhook_url,
        data_webhook_url: value.data_webhook_url,
        rook_hash_key: value.rook_hash_key,
        notification_rate_limit: value.notification_rate_limit,
        data_rate_limit: value.data_rate_limit,
    };
    Ok(Json(services.update_environment(&actor, &client_uuid, environment, patch).await?))
}

/// Switches the add-on, and optionally chooses the notification types it sends.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SubscriptionChange {
    /// On (needs a Notification Webhook URL) or off.
    active: bool,
    /// Absent: unchanged; `null`: every type; a list: only those types.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<NotificationType>>)]
    types: Option<Option<Vec<NotificationType>>>,
}

/// Tells an absent field (`None`, via `default`) from a `null` one (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Switches an environment's Notification Webhook subscription.
///
/// Activating needs a Notification Webhook URL and answers the notification signing secret; every
/// answer with the secret (also when the subscription was already active) is written to the audit log
/// as `secret.revealed`. The switch and the types are one change: when any part is refused, nothing
/// changes.
#[utoipa::path(
    put, path = "/clients/{client_uuid}/environments/{env}/subscription", tag = "clients",
    params(EnvironmentPath),
    request_body = SubscriptionChange,
    responses(
        (status = OK, description = "The subscription (with `secret`, audited, when active).", body = SubscriptionView),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, Unprocessable,
    )
)]
async fn set_subscription(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<EnvironmentPath>,
    ApiJson { value, .. }: ApiJson<SubscriptionChange>,
) -> Result<Json<SubscriptionView>, ApiError> {
    let environment = path.environment()?;
    let change = Change { active: value.active, types: value.types, reveal_secret: true };
    let view = services.change_subscription(&actor, &path.client_uuid, environment, change).await?;
    Ok(Json(view))
}

/// An environment's Notification Webhook subscription (never its secret).
#[utoipa::path(
    get, path = "/clients/{client_uuid}/environments/{env}/subscription", tag = "clients",
    params(EnvironmentPath),
    security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = OK, description = "The subscription.", body = SubscriptionView),
        Unauthorized, Forbidden, NotFound, TooManyRequests,
    )
)]
async fn get_subscription(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(path): ApiPath<EnvironmentPath>,
) -> Result<Json<SubscriptionView>, ApiError> {
    let environment = path.environment()?;
    Ok(Json(services.subscription(&actor, &path.client_uuid, environment).await?))
}

/// A signing secret.
#[derive(Serialize, utoipa::ToSchema)]
struct SecretAnswer {
    /// `whsec_` and the base64 key.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    secret: String,
}

/// The answer of both secret routes: the path's secret after `action` (written to the audit log).
async fn secret_answer(
    services: &Services,
    actor: &Actor,
    path: SecretPath,
    action: SecretAction,
) -> Result<Json<SecretAnswer>, ApiError> {
    let (environment, purpose) = path.parse()?;
    let secret = services.secret_action(actor, &path.client_uuid, environment, purpose, action).await?;
    Ok(Json(SecretAnswer { secret }))
}

/// Reveals a signing secret (audited); it is created when first needed.
#[utoipa::path(
    get, path = "/clients/{client_uuid}/environments/{env}/secrets/{purpose}", tag = "clients",
    params(SecretPath),
    responses((status = OK, description = "The secret.", body = SecretAnswer), Unauthorized, Forbidden, NotFound)
)]
async fn reveal_secret(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<SecretPath>,
) -> Result<Json<SecretAnswer>, ApiError> {
    secret_answer(&services, &actor, path, SecretAction::Reveal).await
}

/// Makes a new signing secret; the old one keeps signing beside it for 24 h.
#[utoipa::path(
    post, path = "/clients/{client_uuid}/environments/{env}/secrets/{purpose}/rotate", tag = "clients",
    params(SecretPath),
    responses((status = OK, description = "The new secret.", body = SecretAnswer), Unauthorized, Forbidden, NotFound)
)]
async fn rotate_secret(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<SecretPath>,
) -> Result<Json<SecretAnswer>, ApiError> {
    secret_answer(&services, &actor, path, SecretAction::Rotate).await
}

/// A range of creation times, `[since, until)`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ResendRange {
    pub since: Timestamp,
    /// Now when absent.
    #[serde(default)]
    pub until: Option<Timestamp>,
}

/// The answer of both bulk resend routes: `what` of the path's environment created in `range`,
/// queued (202 with the counts).
pub(super) async fn resend_in_bulk(
    services: &Services,
    actor: &Actor,
    what: BulkResend,
    path: EnvironmentPath,
    range: ResendRange,
) -> Result<(StatusCode, Json<BulkResendReceipt>), ApiError> {
    let environment = path.environment()?;
    let receipt =
        services.resend_in_bulk(actor, what, &path.client_uuid, environment, range.since, range.until).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)))
}

/// Resends the environment's failed notifications.
///
/// Queues an immediate attempt of every failed notification created in the range (up to 10,000 per
/// call: call again while `remaining` is not 0).
#[utoipa::path(
    post, path = "/clients/{client_uuid}/environments/{env}/resend-failed", tag = "notifications",
    params(EnvironmentPath),
    request_body = ResendRange,
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = ACCEPTED, description = "How many were queued.", body = BulkResendReceipt),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, Unprocessable, TooManyRequests,
    )
)]
async fn resend_failed(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(path): ApiPath<EnvironmentPath>,
    ApiJson { value, .. }: ApiJson<ResendRange>,
) -> Result<(StatusCode, Json<BulkResendReceipt>), ApiError> {
    resend_in_bulk(&services, &actor, BulkResend::FailedNotifications, path, value).await
}

/// Which test notification to send.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TestRequest {
    /// The type whose example is sent (marked `"test": true`); `subscription.test` when absent.
    #[serde(default, rename = "type")]
    kind: Option<NotificationType>,
}

/// Sends a test notification to the environment's Notification Webhook (the body is optional).
#[utoipa::path(
    post, path = "/clients/{client_uuid}/environments/{env}/test", tag = "notifications",
    params(EnvironmentPath),
    request_body(content = Option<TestRequest>, description = "Optional: none sends a `subscription.test`."),
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = ACCEPTED, description = "The test notification, recorded and due.", body = EventReceipt),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, Unprocessable, TooManyRequests,
    )
)]
async fn send_test(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(path): ApiPath<EnvironmentPath>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<EventReceipt>), ApiError> {
    let environment = path.environment()?;
    let client_uuid = path.client_uuid;
    // The body is optional here: none means a `subscription.test`.
    let request: TestRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TestRequest::default()
    } else {
        super::extract::parse_json(&body)?
    };
    let receipt = services.send_test(&actor, &client_uuid, environment, request.kind).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)))
}
