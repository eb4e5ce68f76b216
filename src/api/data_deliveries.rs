//! `/data-deliveries`: documents ROOK hands over for the client's Data Webhook, and their history.

use app::dto::{
    BulkResend, BulkResendReceipt, DataDeliveryDetail, DataDeliveryQuery, DataDeliveryReceipt, DataDeliverySummary,
    Page,
};
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::clients::{ResendRange, resend_in_bulk};
use super::error::ApiError;
use super::events::{IDEMPOTENCY_KEY, idempotency_key, ingest_answer};
use super::extract::{ApiJson, ApiPath, Caller, ListQuery, PullCaller};
use super::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized,
    Unprocessable,
};
use super::paths::EnvironmentPath;
use crate::service::{DataDeliveryRequest, Services};

/// Documents are large (summaries with granular data): up to 10 MiB.
pub const MAX_DATA_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The routes of this file, each documented by its handler's annotation.
pub fn routes() -> OpenApiRouter<Services> {
    // The larger limit covers `/data-deliveries` only (its GET reads no body).
    let documents =
        OpenApiRouter::new().routes(routes!(hand_over, list)).layer(DefaultBodyLimit::max(MAX_DATA_BODY_BYTES));
    OpenApiRouter::new()
        .merge(documents)
        .routes(routes!(detail))
        .routes(routes!(resend))
        .routes(routes!(resend_rejected))
}

/// Hands over a document for the client's Data Webhook.
///
/// Any token scope. The `payload` is stored as received and delivered byte for byte, signed with the
/// environment's data secret; 422 `url_required` when the environment has no Data Webhook URL.
#[utoipa::path(
    post, path = "/data-deliveries", tag = "data-deliveries", operation_id = "hand_over_data",
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    request_body = DataDeliveryRequest,
    responses(
        (status = ACCEPTED, description = "Recorded and due.", body = DataDeliveryReceipt,
            headers(("idempotent-replayed" = bool, description = "`true`: the first answer to this Idempotency-Key, sent again."))),
        BadRequest, Unauthorized, NotFound, PayloadTooLarge, Unprocessable, ServiceUnavailable,
    )
)]
async fn hand_over(
    State(services): State<Services>,
    Caller(actor): Caller,
    headers: HeaderMap,
    ApiJson { value, raw }: ApiJson<DataDeliveryRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&actor, &headers, &raw)?;
    Ok(ingest_answer(services.hand_over_data(&actor, value, key).await?))
}

/// Lists a client's data deliveries.
///
/// Newest first, a page at a time: pass the answer's `next_cursor` as `cursor` for the next page.
#[utoipa::path(
    get, path = "/data-deliveries", tag = "data-deliveries", operation_id = "list_data_deliveries",
    params(DataDeliveryQuery),
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = OK, description = "One page.", body = Page<DataDeliverySummary>),
        Unauthorized, Forbidden, NotFound, Unprocessable, TooManyRequests,
    )
)]
async fn list(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ListQuery(query): ListQuery<DataDeliveryQuery>,
) -> Result<Json<Page<DataDeliverySummary>>, ApiError> {
    Ok(Json(services.list_data_deliveries(&actor, query).await?))
}

/// A data delivery with its payload (until purged) and every attempt.
#[utoipa::path(
    get, path = "/data-deliveries/{id}", tag = "data-deliveries", operation_id = "get_data_delivery",
    params(("id" = String, Path, description = "The data delivery's id.")),
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = OK, description = "The data delivery.", body = DataDeliveryDetail),
        Unauthorized, Forbidden, NotFound, TooManyRequests,
    )
)]
async fn detail(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DataDeliveryDetail>, ApiError> {
    Ok(Json(services.data_delivery_detail(&actor, &id).await?))
}

/// Queues an immediate new attempt; 409 once its payload was purged.
#[utoipa::path(
    post, path = "/data-deliveries/{id}/resend", tag = "data-deliveries", operation_id = "resend_data_delivery",
    params(("id" = String, Path, description = "The data delivery's id.")),
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = ACCEPTED, description = "Queued.", body = DataDeliverySummary),
        Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests,
    )
)]
async fn resend(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<DataDeliverySummary>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(services.resend_data(&actor, &id).await?)))
}

/// Resends the environment's rejected data deliveries.
///
/// Queues an immediate attempt of every rejected data delivery created in the range (up to 10,000 per
/// call: call again while `remaining` is not 0).
#[utoipa::path(
    post, path = "/clients/{client_uuid}/environments/{env}/resend-rejected-data", tag = "data-deliveries",
    params(EnvironmentPath),
    request_body = ResendRange,
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = ACCEPTED, description = "How many were queued.", body = BulkResendReceipt),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, Unprocessable, TooManyRequests,
    )
)]
async fn resend_rejected(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(path): ApiPath<EnvironmentPath>,
    ApiJson { value, .. }: ApiJson<ResendRange>,
) -> Result<(StatusCode, Json<BulkResendReceipt>), ApiError> {
    resend_in_bulk(&services, &actor, BulkResend::RejectedData, path, value).await
}
