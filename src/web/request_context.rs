//! Puts the dashboard's per-request context (the session and the caller's address) into the request's
//! extensions, where the app's server functions find it.

use std::net::SocketAddr;
use std::sync::Arc;

use app::backend::{DEVICE_COOKIE, RequestContext};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use super::session::BrowserSession;
use crate::service::Services;

/// Adds [`RequestContext`] to the request (the session layer must run before this). The client's
/// address is the connection's, or what a trusted proxy says it forwarded for.
pub async fn insert(
    State((services, secure_cookies)): State<(Services, bool)>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| {
        let forwarded = request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        services.client_address(c.0.ip(), forwarded)
    });
    let device = device_cookie(request.headers());
    if let Some(session) = request.extensions().get::<Session>().cloned() {
        let session = Arc::new(BrowserSession::new(session));
        request.extensions_mut().insert(RequestContext { session, address, device, secure_cookies });
    }
    next.run(request).await
}

/// The device cookie's value, from any of the request's `Cookie` headers.
fn device_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .map(|(_, value)| value.to_owned())
}
