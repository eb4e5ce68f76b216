//! Protection against cross-site request forgery for the dashboard: session cookies are
//! `SameSite=Lax`, and a state-changing request whose `Origin` is not this site's is refused
//! (browsers always send `Origin` on cross-origin POSTs, so a forged form post cannot pass).

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origins (`scheme://host[:port]`) allowed to post to the dashboard, besides the request's own
/// `Host`.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Vec<String>);

/// Refuses state-changing requests that come from another site.
pub async fn refuse_cross_site(State(allowed): State<AllowedOrigins>, request: Request, next: Next) -> Response {
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && is_cross_site(&request, &allowed) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "Cross-site requests are not accepted.").into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request, allowed: &AllowedOrigins) -> bool {
    let headers = request.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // No Origin: not a browser's cross-origin request (browsers send it on every such POST).
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if allowed.0.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
        return false;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let same_host = origin
        .split_once("://")
        .map(|(_, authority)| !host.is_empty() && authority.eq_ignore_ascii_case(host))
        .unwrap_or(false);
    !same_host
}
