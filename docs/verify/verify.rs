// Verifies a rook-notify delivery with the official Standard Webhooks crate: in Cargo.toml,
// `standardwebhooks = "1"`, `http = "1"` (axum's and hyper's header type) and `serde_json = "1"`.
use http::HeaderMap;
use standardwebhooks::{Webhook, WebhookError};

/// The notification, once its signature is checked; an error for a wrong signature or secret, a
/// missing header or a stale timestamp.
pub fn verify_notification(
    secret: &str,
    headers: &HeaderMap,
    raw_body: &[u8],
) -> Result<serde_json::Value, WebhookError> {
    // Verify the raw body as received: JSON parsed and serialised again would not match the signature.
    Webhook::new(secret)?.verify(raw_body, headers)?;
    serde_json::from_slice(raw_body).map_err(|_| WebhookError::InvalidPayload)
}
