//! Liveness and readiness, as JSON, for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::service::Services;
use crate::store::Dialect;

/// How long `/readyz` waits for the database before it says 503.
const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The process is up and serving HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers and every migration is applied; 503 with the reason otherwise.
pub async fn readyz(State(services): State<Services>) -> (StatusCode, Json<Value>) {
    let store = services.store();
    let database = match store.dialect() {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
    };
    let not_ready = |reason: &str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not_ready", "database": database, "reason": reason })),
        )
    };
    // A database that is down can keep a connection attempt waiting for the pool's whole timeout;
    // a load balancer's probe needs its answer sooner than that.
    match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database does not answer");
            return not_ready("database does not answer");
        }
        Err(_) => {
            tracing::warn!("readiness: database did not answer within {PING_TIMEOUT:?}");
            return not_ready("database does not answer");
        }
    }
    if services.engine_health().recording_failing_since().is_some() {
        // Attempts are made but cannot be written down: their leases will run out and everything
        // would be sent again. Take this process out of rotation until recording works.
        return not_ready("recording delivery attempts is failing");
    }
    match store.pending_migrations().await {
        Ok(0) => (StatusCode::OK, Json(json!({ "status": "ready", "database": database }))),
        Ok(_) => not_ready("migrations pending"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: cannot read migrations");
            not_ready("cannot read migrations")
        }
    }
}
