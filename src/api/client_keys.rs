//! `/clients/{client_uuid}/api-keys`: the client API keys of a client (created, listed and revoked with
//! an admin token here, or by the client's accounts in the dashboard). The keys themselves call the
//! pull API: the routes marked with the `client_key` scheme.

use app::dto::{ClientKeyView, CreatedClientKey, NewClientKey};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{Admin, ApiJson, ApiPath};
use super::openapi::{BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable};
use super::paths::{ClientPath, KeyPath};
use crate::service::Services;

/// The routes of this file, each documented by its handler's annotation.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new().routes(routes!(create_key, list_keys)).routes(routes!(revoke_key))
}

/// Creates a client API key; the answer holds the key (`rnck_…`) in clear, once.
///
/// The key reaches only this client (and only `environment`, when given): its notifications, data
/// deliveries and subscriptions, read-only or also resending and sending tests (`read_write`).
#[utoipa::path(
    post, path = "/clients/{client_uuid}/api-keys", tag = "api-keys",
    params(ClientPath),
    request_body = NewClientKey,
    responses(
        (status = CREATED, description = "The new key, with its secret shown this once.", body = CreatedClientKey),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, Unprocessable,
    )
)]
async fn create_key(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<ClientPath>,
    ApiJson { value, .. }: ApiJson<NewClientKey>,
) -> Result<(StatusCode, Json<CreatedClientKey>), ApiError> {
    let created = services.create_client_key(&actor, &path.client_uuid, value).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A client's API keys, newest first, revoked ones included (never the keys themselves).
#[utoipa::path(
    get, path = "/clients/{client_uuid}/api-keys", tag = "api-keys",
    params(ClientPath),
    responses((status = OK, description = "The keys.", body = Vec<ClientKeyView>), Unauthorized, Forbidden, NotFound)
)]
async fn list_keys(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<ClientPath>,
) -> Result<Json<Vec<ClientKeyView>>, ApiError> {
    Ok(Json(services.list_client_keys(&actor, &path.client_uuid).await?))
}

/// Revokes a client API key: it answers 401 from now on.
#[utoipa::path(
    post, path = "/clients/{client_uuid}/api-keys/{key_id}/revoke", tag = "api-keys",
    params(KeyPath),
    responses((status = OK, description = "The key, revoked.", body = ClientKeyView), Unauthorized, Forbidden, NotFound)
)]
async fn revoke_key(
    State(services): State<Services>,
    Admin(actor): Admin,
    ApiPath(path): ApiPath<KeyPath>,
) -> Result<Json<ClientKeyView>, ApiError> {
    Ok(Json(services.revoke_client_key(&actor, &path.client_uuid, &path.key_id).await?))
}
