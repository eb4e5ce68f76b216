//! `/audit-log`: who did what to which client, and when.

use app::dto::{AuditEntryView, AuditQuery, Page};
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{Admin, ListQuery};
use super::openapi::{Forbidden, Unauthorized, Unprocessable};
use crate::service::Services;

/// The routes of this file, each documented by its handler's annotation.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Lists the audit log, newest first, optionally one client's entries or actions with a prefix.
///
/// A page at a time: pass the answer's `next_cursor` as `cursor` for the next page.
#[utoipa::path(
    get, path = "/audit-log", tag = "audit", operation_id = "list_audit_log",
    params(AuditQuery),
    responses(
        (status = OK, description = "One page.", body = Page<AuditEntryView>),
        Unauthorized, Forbidden, Unprocessable,
    )
)]
async fn list(
    State(services): State<Services>,
    Admin(actor): Admin,
    ListQuery(query): ListQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    Ok(Json(services.full_audit_log(&actor, query).await?))
}
