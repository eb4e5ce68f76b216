//! `/platform-events`: ROOK's services report what happened in a client's integration.

use app::dto::EventReceipt;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use super::openapi::{BadRequest, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::service::{Actor, IdempotencyKey, IdempotentReply, PlatformEvent, Services};

/// The routes of this file, each documented by its handler's annotation.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new().routes(routes!(report_event))
}

/// Records a platform event and its notification.
///
/// Any token scope; both are written in one transaction. The notification is `pending` when the
/// environment's subscription is active, `not_subscribed` when it is off, `held` while the endpoint is
/// disabled, `filtered` when the subscription does not want the type.
#[utoipa::path(
    post, path = "/platform-events", tag = "platform-events",
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    request_body = PlatformEvent,
    responses(
        (status = ACCEPTED, description = "Recorded.", body = EventReceipt,
            headers(("idempotent-replayed" = bool, description = "`true`: the first answer to this Idempotency-Key, sent again."))),
        BadRequest, Unauthorized, NotFound, PayloadTooLarge, Unprocessable, ServiceUnavailable,
    )
)]
async fn report_event(
    State(services): State<Services>,
    Caller(actor): Caller,
    headers: HeaderMap,
    ApiJson { value, raw }: ApiJson<PlatformEvent>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&actor, &headers, &raw)?;
    Ok(ingest_answer(services.report_event(&actor, value, key).await?))
}

/// What the `Idempotency-Key` header of the two ingest routes does, for the OpenAPI document.
pub(super) const IDEMPOTENCY_KEY: &str = "Makes a repeat within 24 h (per token) get the first answer again, \
    marked `idempotent-replayed: true`, without recording anything; the same key with another body is a 422.";

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

/// The answer to an ingest request: 202 with its receipt, or the first answer to its idempotency key
/// sent again, marked as a replay.
pub(super) fn ingest_answer<T: Serialize>(reply: IdempotentReply<T>) -> Response {
    match reply {
        IdempotentReply::Fresh(receipt) => (StatusCode::ACCEPTED, Json(receipt)).into_response(),
        IdempotentReply::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
            (
                status,
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::HeaderName::from_static("idempotent-replayed"), "true"),
                ],
                body,
            )
                .into_response()
        }
    }
}
