//! `/notifications`: browsing a client's notifications, their attempts, and resending.

use std::collections::HashMap;
use std::str::FromStr;

use app::dto::{NotificationDetail, NotificationQuery, NotificationSummary, Page};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ApiError;
use super::extract::Admin;
use crate::service::Services;

pub fn routes() -> Router<Services> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/{id}", get(detail))
        .route("/notifications/{id}/resend", post(resend))
}

/// Reads an optional query parameter into its type; a bad value is a 422 naming the parameter.
pub(super) fn param<T: FromStr>(params: &HashMap<String, String>, name: &str) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|e: T::Err| ApiError::validation(name, format!("{name}: {e}"))),
    }
}

async fn list(
    State(services): State<Services>,
    Admin(actor): Admin,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Page<NotificationSummary>>, ApiError> {
    const KNOWN: [&str; 10] =
        ["client_uuid", "environment", "type", "category", "status", "user_id", "since", "until", "limit", "cursor"];
    if let Some(unknown) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::validation(unknown, format!("Unknown query parameter `{unknown}`.")));
    }
    let query = NotificationQuery {
        client_uuid: param(&params, "client_uuid")?,
        environment: param(&params, "environment")?,
        kind: param(&params, "type")?,
        category: param(&params, "category")?,
        status: param(&params, "status")?,
        user_id: param(&params, "user_id")?,
        since: param(&params, "since")?,
        until: param(&params, "until")?,
        limit: param(&params, "limit")?,
        cursor: param(&params, "cursor")?,
    };
    Ok(Json(services.list_notifications(&actor, query).await?))
}

async fn detail(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<Json<NotificationDetail>, ApiError> {
    Ok(Json(services.notification_detail(&actor, &id).await?))
}

async fn resend(
    State(services): State<Services>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<NotificationSummary>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(services.resend(&actor, &id).await?)))
}
