//! The web layer: the dashboard (Leptos pages and server functions, the live feed), health checks,
//! static files, and the middleware around them (sessions, the cross-site check, the per-request context).

mod backend;
mod health;
mod language;
mod live;
mod origin;
mod request_context;
pub mod session;

use std::sync::Arc;

use app::backend::Backend;
use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::compression::{CompressionLayer, DefaultPredicate};

use crate::service::Services;
use backend::DashboardBackend;
pub use origin::AllowedOrigins;

/// The dashboard's pages, generated once per process.
///
/// Generating them runs the app with resource loading suppressed through a process-wide flag
/// (leptos_server's `SuppressResourceLoad`): a resource first polled by any render in the process
/// meanwhile waits for ever, and so does that page's answer. A process that builds its router more than
/// once while serving — the test suite builds one per test — must therefore generate the list only
/// once, before anything renders.
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole HTTP application.
pub fn router(
    services: Services,
    options: LeptosOptions,
    sessions: session::SessionLayer,
    origins: AllowedOrigins,
) -> Router {
    let backend: Arc<dyn Backend> = Arc::new(DashboardBackend::new(services.clone()));
    let context = move || provide_context(backend.clone());
    let routes = route_list();

    let dashboard = Router::new()
        .route("/live/notifications", get(live::notifications).with_state((services.clone(), sessions.store.clone())))
        .route("/lang", get(language::switch).with_state(sessions.secure))
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .layer(axum::middleware::from_fn_with_state((services.clone(), sessions.secure), request_context::insert))
        .layer(axum::middleware::from_fn_with_state(sessions.extend_every, session::extend_on_use))
        .layer(sessions.manager)
        .layer(axum::middleware::from_fn_with_state(origins, origin::refuse_cross_site))
        .layer(compression())
        .with_state(options);

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(services)
        .merge(dashboard)
}

/// Brotli or gzip for the pages, server functions and static files (the run command's wasm is ~10 MB:
/// ~2.1 MB gzipped, ~1.6 MB with brotli at quality 4, tower-http's default on the fly), whichever the
/// browser prefers of those it accepts. Never for the live feed: a compressor holds bytes back until
/// it has enough of them, so events would arrive late; tower-http's default predicate leaves
/// `text/event-stream` alone (as it does images and bodies under 32 bytes).
fn compression() -> CompressionLayer<DefaultPredicate> {
    CompressionLayer::new().no_deflate().no_zstd().compress_when(DefaultPredicate::new())
}
