//! The HTTP API under `/api/v1`, for ROOK's services: JSON in and out, bearer tokens, one file per
//! resource. Validation and authorisation live in the service layer, shared with the dashboard.

mod clients;
mod data_deliveries;
mod error;
mod events;
mod extract;
mod notifications;

pub use error::ApiError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;

use crate::service::Services;

/// The largest JSON body the API reads (data deliveries have their own, larger limit).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The API's routes, to be nested under `/api/v1`.
pub fn router(services: Services) -> Router {
    Router::new()
        .merge(clients::routes())
        .merge(data_deliveries::routes())
        .merge(events::routes())
        .merge(notifications::routes())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API route.") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(services)
}

/// Parses an environment named in a path; an unknown one is a route that does not exist.
fn path_environment(raw: &str) -> Result<app::vocab::Environment, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("environment (use sandbox or production)"))
}
