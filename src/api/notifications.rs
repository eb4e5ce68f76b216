//! `/notifications`: browsing a client's notifications, their attempts, and resending.

use app::dto::{NotificationDetail, NotificationQuery, NotificationSummary, Page};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{ApiPath, ListQuery, PullCaller};
use super::openapi::{Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized, Unprocessable};
use crate::service::Services;

/// The routes of this file, each documented by its handler's annotation.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(detail)).routes(routes!(resend))
}

/// Lists a client's notifications.
///
/// Newest first, a page at a time: pass the answer's `next_cursor` as `cursor` for the next page.
#[utoipa::path(
    get, path = "/notifications", tag = "notifications", operation_id = "list_notifications",
    params(NotificationQuery),
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = OK, description = "One page.", body = Page<NotificationSummary>),
        Unauthorized, Forbidden, NotFound, Unprocessable, TooManyRequests,
    )
)]
async fn list(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ListQuery(query): ListQuery<NotificationQuery>,
) -> Result<Json<Page<NotificationSummary>>, ApiError> {
    Ok(Json(services.list_notifications(&actor, query).await?))
}

/// A notification with its payload and every delivery attempt.
#[utoipa::path(
    get, path = "/notifications/{id}", tag = "notifications", operation_id = "get_notification",
    params(("id" = String, Path, description = "The notification's id (its `webhook-id`).")),
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = OK, description = "The notification.", body = NotificationDetail),
        Unauthorized, Forbidden, NotFound, TooManyRequests,
    )
)]
async fn detail(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<NotificationDetail>, ApiError> {
    Ok(Json(services.notification_detail(&actor, &id).await?))
}

/// Queues an immediate new attempt (history is kept); 409 while the subscription is not active.
#[utoipa::path(
    post, path = "/notifications/{id}/resend", tag = "notifications", operation_id = "resend_notification",
    params(("id" = String, Path, description = "The notification's id (its `webhook-id`).")),
        security(("bearer" = []), ("client_key" = [])),
    responses(
        (status = ACCEPTED, description = "Queued.", body = NotificationSummary),
        Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests,
    )
)]
async fn resend(
    State(services): State<Services>,
    PullCaller(actor): PullCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<NotificationSummary>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(services.resend(&actor, &id).await?)))
}
