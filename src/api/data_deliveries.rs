//! `/data-deliveries`: documents ROOK hands over for the client's Data Webhook, and their history.

use std::collections::HashMap;

use app::dto::{
    BulkResendReceipt, DataDeliveryDetail, DataDeliveryQuery, DataDeliveryReceipt, DataDeliverySummary, Page,
};
use app::timestamp::Timestamp;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::ApiError;
use super::events::{idempotency_key, replayed};
use super::extract::{Admin, ApiJson, Caller};
use super::notifications::param;
use super::path_environment;
use crate::service::{DataDeliveryRequest, IdempotentReply, Services};

/// Documents are large (summaries with granular data): up to 10 MiB.
pub const MAX_DATA_BODY_BYTES: usize = 10 * 1024 * 1024;

pub fn routes() -> Router<Services> {
    Router::new()
        .route("/data-deliveries", post(hand_over).layer(DefaultBodyLimit::max(MAX_DATA_BODY_BYTES)).get(list))
        .route("/data-deliveries/{id}", get(detail))
        .route("/data-deliveries/{id}/resend", post(resend))
        .route("/clients/{client_uuid}/environments/{env}/resend-rejected-data", post(resend_rejected))
}

async fn hand_over(
    State(services): State<Services>,
    Caller(actor): Caller,
    headers: HeaderMap,
    ApiJson { value, raw }: ApiJson<DataDeliveryRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&actor, &headers, &raw)?;
    match services.hand_over_data(&actor, value, key).await? {
        IdempotentReply::Fresh(receipt) => {
            Ok((StatusCode::ACCEPTED, Json::<DataDeliveryReceipt>(receipt)).into_response())
        }
        IdempotentReply::Replay { status, body } => Ok(replayed(status, body)),
    }
}

async fn list(
    State(services): State<Services>,
    Admin(actor): Admin,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Page<DataDeliverySummary>>, ApiError> {
    const KNOWN: [&str; 8] = ["client_uuid", "environment", "status", "user_id", "since", "until", "limit", "cursor"];
    if let Some(unknown) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::validation(unknown, format!("Unknown query parameter `{unknown}`.")));
    }
    let query = DataDeliveryQuery {
        client_uuid: param(&params, "client_uuid")?,
        environment: param(&params, "environment")?,
        status: param(&params, "status")?,
        user_id: param(&params, "user_id")?,
        since: param(&params, "since")?,
        until: param(&params, "until")?,
        limit: param(&params, "limit")?,
        cursor: param(&params, "cursor")?,
    };
    Ok(Json(services.list_data_deliveries(&actor, query).await?))
}

async fn detail(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<Json<DataDeliveryDetail>, ApiError> {
    Ok(Json(services.data_delivery_detail(&actor, &id).await?))
}

async fn resend(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<DataDeliverySummary>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(services.resend_data(&actor, &id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResendRejected {
    since: Timestamp,
    #[serde(default)]
    until: Option<Timestamp>,
}

async fn resend_rejected(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path((client_uuid, env)): Path<(String, String)>,
    ApiJson { value, .. }: ApiJson<ResendRejected>,
) -> Result<(StatusCode, Json<BulkResendReceipt>), ApiError> {
    let environment = path_environment(&env)?;
    let receipt = services.resend_rejected_data(&actor, &client_uuid, environment, value.since, value.until).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)))
}
