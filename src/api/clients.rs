//! `/clients`: clients, their environments' settings, subscriptions and secrets.

use app::dto::{BulkResendReceipt, ClientView, EnvironmentUpdate, EventReceipt, SubscriptionView};
use app::timestamp::Timestamp;
use app::vocab::{NotificationType, SecretPurpose};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};

use super::error::ApiError;
use super::extract::{Admin, ApiJson};
use super::path_environment;
use crate::service::{EnvironmentPatch, Patch, Services};

pub fn routes() -> Router<Services> {
    Router::new()
        .route("/clients", post(create_client))
        .route("/clients/{client_uuid}", get(get_client))
        .route("/clients/{client_uuid}/environments/{env}", put(update_environment))
        .route("/clients/{client_uuid}/environments/{env}/subscription", put(set_subscription))
        .route("/clients/{client_uuid}/environments/{env}/secrets/{purpose}", get(reveal_secret))
        .route("/clients/{client_uuid}/environments/{env}/secrets/{purpose}/rotate", post(rotate_secret))
        .route("/clients/{client_uuid}/environments/{env}/resend-failed", post(resend_failed))
        .route("/clients/{client_uuid}/environments/{env}/test", post(send_test))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewClient {
    name: String,
    #[serde(default)]
    client_uuid: Option<String>,
}

async fn create_client(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiJson { value, .. }: ApiJson<NewClient>,
) -> Result<(StatusCode, Json<ClientView>), ApiError> {
    let client = services.create_client(&actor, &value.name, value.client_uuid.as_deref()).await?;
    let view = services.client_view(&actor, &client.client_uuid).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_client(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path(client_uuid): Path<String>,
) -> Result<Json<ClientView>, ApiError> {
    Ok(Json(services.client_view(&actor, &client_uuid).await?))
}

/// A field that may be absent (unchanged), `null` (cleared) or a value (set).
fn patch<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<String>, D::Error> {
    Ok(match Option::<String>::deserialize(d)? {
        None => Patch::Clear,
        Some(value) => Patch::Set(value),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvironmentChange {
    #[serde(default, deserialize_with = "patch")]
    notification_webhook_url: Patch<String>,
    #[serde(default, deserialize_with = "patch")]
    data_webhook_url: Patch<String>,
    #[serde(default, deserialize_with = "patch")]
    rook_hash_key: Patch<String>,
}

async fn update_environment(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path((client_uuid, env)): Path<(String, String)>,
    ApiJson { value, .. }: ApiJson<EnvironmentChange>,
) -> Result<Json<EnvironmentUpdate>, ApiError> {
    let environment = path_environment(&env)?;
    let patch = EnvironmentPatch {
        notification_webhook_url: value.notification_webhook_url,
        data_webhook_url: value.data_webhook_url,
        rook_hash_key: value.rook_hash_key,
    };
    Ok(Json(services.update_environment(&actor, &client_uuid, environment, patch).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionChange {
    active: bool,
    /// Absent: unchanged; `null`: every type; a list: only those types.
    #[serde(default, deserialize_with = "present")]
    types: Option<Option<Vec<NotificationType>>>,
}

/// Tells an absent field (`None`, via `default`) from a `null` one (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

async fn set_subscription(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path((client_uuid, env)): Path<(String, String)>,
    ApiJson { value, .. }: ApiJson<SubscriptionChange>,
) -> Result<Json<SubscriptionView>, ApiError> {
    let environment = path_environment(&env)?;
    if let Some(types) = value.types {
        services.set_notification_types(&actor, &client_uuid, environment, types).await?;
    }
    Ok(Json(services.set_subscription(&actor, &client_uuid, environment, value.active).await?))
}

#[derive(Serialize)]
struct SecretAnswer {
    secret: String,
}

fn path_purpose(raw: &str) -> Result<SecretPurpose, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("secret (use notification or data)"))
}

async fn reveal_secret(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path((client_uuid, env, purpose)): Path<(String, String, String)>,
) -> Result<Json<SecretAnswer>, ApiError> {
    let (environment, purpose) = (path_environment(&env)?, path_purpose(&purpose)?);
    let secret = services.reveal_secret(&actor, &client_uuid, environment, purpose).await?;
    Ok(Json(SecretAnswer { secret }))
}

async fn rotate_secret(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path((client_uuid, env, purpose)): Path<(String, String, String)>,
) -> Result<Json<SecretAnswer>, ApiError> {
    let (environment, purpose) = (path_environment(&env)?, path_purpose(&purpose)?);
    let secret = services.rotate_secret(&actor, &client_uuid, environment, purpose).await?;
    Ok(Json(SecretAnswer { secret }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResendFailed {
    since: Timestamp,
    #[serde(default)]
    until: Option<Timestamp>,
}

async fn resend_failed(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path((client_uuid, env)): Path<(String, String)>,
    ApiJson { value, .. }: ApiJson<ResendFailed>,
) -> Result<(StatusCode, Json<BulkResendReceipt>), ApiError> {
    let environment = path_environment(&env)?;
    let receipt = services.resend_failed(&actor, &client_uuid, environment, value.since, value.until).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TestRequest {
    #[serde(default, rename = "type")]
    kind: Option<NotificationType>,
}

async fn send_test(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path((client_uuid, env)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<EventReceipt>), ApiError> {
    let environment = path_environment(&env)?;
    // The body is optional here: none means a `subscription.test`.
    let request: TestRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TestRequest::default()
    } else {
        super::extract::parse_json(&body)?
    };
    let receipt = services.send_test(&actor, &client_uuid, environment, request.kind).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)))
}
