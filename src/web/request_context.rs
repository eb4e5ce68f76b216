//! Puts the dashboard's per-request context (the session and the caller's address) into the request's
//! extensions, where the app's server functions find it.

use std::net::SocketAddr;
use std::sync::Arc;

use app::backend::RequestContext;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use super::session::BrowserSession;

/// Adds [`RequestContext`] to the request (the session layer must run before this).
pub async fn insert(mut request: Request, next: Next) -> Response {
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(session) = request.extensions().get::<Session>().cloned() {
        request.extensions_mut().insert(RequestContext { session: Arc::new(BrowserSession::new(session)), address });
    }
    next.run(request).await
}
