//! `/healthz` and `/readyz`.

use serde_json::{Value, json};

use crate::support::{TestDatabase, spawn_app};

async fn health_and_readiness_answer_as_json(db: TestDatabase) {
    let backend = db.backend;
    let app = spawn_app(db).await;
    let health: Value = app.client.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health, json!({ "status": "ok" }));

    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let ready: Value = res.json().await.unwrap();
    assert_eq!(ready, json!({ "status": "ready", "database": backend }));
    app.stop().await;
}

crate::on_both_backends!(health_and_readiness_answer_as_json);
