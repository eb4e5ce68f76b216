//! The HTTP API under `/api/v1`, for ROOK's services: JSON in and out, bearer tokens, one file per
//! resource. Validation and authorisation live in the service layer, shared with the dashboard.
//!
//! The routes are registered through `utoipa_axum` from the handlers' `#[utoipa::path]` annotations,
//! so the router and its OpenAPI document (`GET /api/openapi.json`) come from one list.

mod audit;
mod client_keys;
mod clients;
mod data_deliveries;
mod error;
mod events;
mod extract;
mod notifications;
pub mod openapi;
mod paths;

pub use error::ApiError;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::service::Services;

/// The largest JSON body the API reads (data deliveries have their own, larger limit).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Where the API's routes are.
pub const PREFIX: &str = "/api/v1";

/// Where the OpenAPI document of the API is served (unauthenticated).
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// The API's routes under [`PREFIX`] and, at [`OPENAPI_PATH`], the document that describes them.
pub fn router(services: Services) -> Router {
    let (api, openapi) =
        OpenApiRouter::with_openapi(openapi::ApiDoc::openapi()).nest(PREFIX, routes()).split_for_parts();
    let document = Bytes::from(serde_json::to_vec(&openapi::Document::new(openapi)).unwrap_or_default());
    let serve = move || std::future::ready(([(header::CONTENT_TYPE, "application/json")], document.clone()));
    api.route(OPENAPI_PATH, get(serve)).with_state(services)
}

/// Every API route, relative to [`PREFIX`], with the API's fallback and body limit.
fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .merge(audit::routes())
        .merge(client_keys::routes())
        .merge(clients::routes())
        .merge(data_deliveries::routes())
        .merge(events::routes())
        .merge(notifications::routes())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API route.") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
