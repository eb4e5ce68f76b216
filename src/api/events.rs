//! `/platform-events`: ROOK's services report what happened in a client's integration.

use app::dto::EventReceipt;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use crate::service::{Actor, IdempotencyKey, IdempotentReply, PlatformEvent, Services};

pub fn routes() -> Router<Services> {
    Router::new().route("/platform-events", post(report_event))
}

async fn report_event(
    State(services): State<Services>,
    Caller(actor): Caller,
    headers: HeaderMap,
    ApiJson { value, raw }: ApiJson<PlatformEvent>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&actor, &headers, &raw)?;
    match services.report_event(&actor, value, key).await? {
        IdempotentReply::Fresh(receipt) => Ok((StatusCode::ACCEPTED, Json::<EventReceipt>(receipt)).into_response()),
        IdempotentReply::Replay { status, body } => Ok(replayed(status, body)),
    }
}

/// The request's `Idempotency-Key`, scoped to the calling token.
pub(super) fn idempotency_key(
    actor: &Actor,
    headers: &HeaderMap,
    raw: &[u8],
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key =
        value.to_str().map_err(|_| ApiError::validation("Idempotency-Key", "The Idempotency-Key must be ASCII."))?;
    let token_id = match actor {
        Actor::ApiToken { token_id, .. } => token_id.as_str(),
        _ => "system",
    };
    Ok(Some(IdempotencyKey::new(token_id, key, raw)?))
}

/// The first answer to an idempotency key, sent again, marked as a replay.
pub(super) fn replayed(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
    (
        status,
        [(header::CONTENT_TYPE, "application/json"), (header::HeaderName::from_static("idempotent-replayed"), "true")],
        body,
    )
        .into_response()
}
