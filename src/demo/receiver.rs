//! The demo receiver: a webhook endpoint inside the demo server, so a newcomer sees successes, retries
//! and failures at once, the same way every time. It answers by the payload's `user_id`:
//!
//! | user_id starts with | answer |
//! |---|---|
//! | `reject-` | 500 on every attempt (retries, then `failed`) |
//! | `flaky-`  | 503 on the first attempt of each notification, 200 afterwards |
//! | `slow-`   | 200 after 3 seconds |
//! | anything else (or no user) | 200 |

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// How many webhook ids the receiver remembers (for `flaky-`); older ones are forgotten.
const REMEMBERED: usize = 10_000;

#[derive(Default)]
struct Seen {
    ids: Mutex<HashSet<String>>,
}

/// The receiver's routes, to be nested under `/demo/receiver`.
pub fn router() -> Router {
    Router::new().route("/{*path}", post(receive)).with_state(Arc::new(Seen::default()))
}

async fn receive(State(seen): State<Arc<Seen>>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let user_id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("user_id").and_then(|u| u.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if user_id.starts_with("reject-") {
        return (StatusCode::INTERNAL_SERVER_ERROR, "demo receiver: this user's notifications are always rejected");
    }
    if user_id.starts_with("flaky-") {
        let first_time = {
            let mut ids = seen.ids.lock().unwrap_or_else(|e| e.into_inner());
            if ids.len() >= REMEMBERED {
                ids.clear();
            }
            ids.insert(id)
        };
        if first_time {
            return (StatusCode::SERVICE_UNAVAILABLE, "demo receiver: the first attempt fails, the retry succeeds");
        }
    }
    if user_id.starts_with("slow-") {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    (StatusCode::OK, "demo receiver: accepted")
}
