//! The OpenAPI document at `/api/openapi.json`: served without a token, it lists exactly the API's
//! routes (each of which really exists), describes them from the real types, and an OpenAPI validator
//! from npm accepts it.

use std::collections::BTreeSet;

use app::vocab::{DataDeliveryStatus, Environment, NotificationStatus, NotificationType};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::external::{node_with, repo_path, run};
use crate::support::{TestApp, TestDatabase, spawn_app};

/// Every route of README's API table: (method, path).
const ROUTES: [(&str, &str); 23] = [
    ("post", "/api/v1/clients"),
    ("get", "/api/v1/clients"),
    ("get", "/api/v1/audit-log"),
    ("get", "/api/v1/clients/{client_uuid}"),
    ("put", "/api/v1/clients/{client_uuid}/environments/{env}"),
    ("put", "/api/v1/clients/{client_uuid}/environments/{env}/subscription"),
    ("get", "/api/v1/clients/{client_uuid}/environments/{env}/subscription"),
    ("get", "/api/v1/clients/{client_uuid}/environments/{env}/secrets/{purpose}"),
    ("post", "/api/v1/clients/{client_uuid}/environments/{env}/secrets/{purpose}/rotate"),
    ("post", "/api/v1/platform-events"),
    ("get", "/api/v1/notifications"),
    ("get", "/api/v1/notifications/{id}"),
    ("post", "/api/v1/notifications/{id}/resend"),
    ("post", "/api/v1/clients/{client_uuid}/environments/{env}/resend-failed"),
    ("post", "/api/v1/clients/{client_uuid}/environments/{env}/test"),
    ("post", "/api/v1/data-deliveries"),
    ("get", "/api/v1/data-deliveries"),
    ("get", "/api/v1/data-deliveries/{id}"),
    ("post", "/api/v1/data-deliveries/{id}/resend"),
    ("post", "/api/v1/clients/{client_uuid}/environments/{env}/resend-rejected-data"),
    ("post", "/api/v1/clients/{client_uuid}/api-keys"),
    ("get", "/api/v1/clients/{client_uuid}/api-keys"),
    ("post", "/api/v1/clients/{client_uuid}/api-keys/{key_id}/revoke"),
];

/// The pull API: the routes a client API key may call (README's API table marks them).
const PULL_ROUTES: [(&str, &str); 10] = [
    ("get", "/api/v1/notifications"),
    ("get", "/api/v1/notifications/{id}"),
    ("post", "/api/v1/notifications/{id}/resend"),
    ("post", "/api/v1/clients/{client_uuid}/environments/{env}/resend-failed"),
    ("post", "/api/v1/clients/{client_uuid}/environments/{env}/test"),
    ("get", "/api/v1/clients/{client_uuid}/environments/{env}/subscription"),
    ("get", "/api/v1/data-deliveries"),
    ("get", "/api/v1/data-deliveries/{id}"),
    ("post", "/api/v1/data-deliveries/{id}/resend"),
    ("post", "/api/v1/clients/{client_uuid}/environments/{env}/resend-rejected-data"),
];

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

async fn fetch_document(app: &TestApp) -> Value {
    let res = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200, "the document is served without a token");
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    res.json().await.expect("the document is JSON")
}

/// Every operation of the document: (method, path, operation).
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let paths = document["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{path}: `{method}` is not an HTTP method");
            found.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    found
}

/// The path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{client_uuid}", "01937c1e-7d2a-7000-8000-000000000001")
        .replace("{env}", "sandbox")
        .replace("{purpose}", "notification")
        .replace("{id}", "01937c1e-7d2a-7000-8000-000000000002")
        .replace("{key_id}", "01937c1e-7d2a-7000-8000-000000000003")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_exactly_the_routes_that_exist() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let document = fetch_document(&app).await;
    let documented: BTreeSet<(String, String)> = operations(&document).into_iter().map(|(m, p, _)| (m, p)).collect();
    let expected: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, expected, "the document's routes are README's API table");

    // Each one exists: a wrong token gets the API's 401, where a route that does not exist gets 404.
    for (method, path) in ROUTES {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res =
            app.client.request(method.clone(), app.url(&concrete(path))).bearer_auth("wrong").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{method} {path}: {body}");
    }
    let res = app.client.get(app.url("/api/v1/no-such-route")).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "an undocumented route does not exist");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_described_from_the_real_types() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let document = fetch_document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["security"], serde_json::json!([{ "bearer": [] }]));
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(document["components"]["securitySchemes"]["client_key"]["scheme"], "bearer");

    let mut operation_ids = BTreeSet::new();
    for (method, path, operation) in operations(&document) {
        let what = format!("{method} {path}");
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{what}: an operationId"));
        assert!(operation_ids.insert(id.to_owned()), "{what}: operationId {id} is used twice");
        let summary = operation["summary"].as_str().unwrap_or_default();
        assert!(!summary.is_empty() && !summary.contains('\n'), "{what}: a one-line summary: {summary:?}");
        let responses = operation["responses"].as_object().unwrap();
        let success = responses.iter().find(|(status, _)| status.starts_with('2'));
        let (_, success) = success.unwrap_or_else(|| panic!("{what}: a 2xx answer"));
        assert!(success["content"]["application/json"]["schema"].is_object(), "{what}: a 2xx schema");
        assert_eq!(responses["401"]["$ref"], "#/components/responses/Unauthorized", "{what}: 401");
        // The pull API's routes also take a client API key, and say it; no other route does.
        let pull = PULL_ROUTES.iter().any(|(m, p)| (*m, *p) == (method.as_str(), path.as_str()));
        let schemes: BTreeSet<&str> = operation["security"]
            .as_array()
            .map(|s| s.iter().filter_map(|r| r.as_object()).flat_map(|r| r.keys().map(String::as_str)).collect())
            .unwrap_or_default();
        if pull {
            assert_eq!(schemes, BTreeSet::from(["bearer", "client_key"]), "{what}: its security");
            assert_eq!(responses["429"]["$ref"], "#/components/responses/TooManyRequests", "{what}: 429");
        } else {
            assert!(!schemes.contains("client_key"), "{what}: a client key is refused here");
        }
        // Every path parameter is declared as one.
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        let in_path: BTreeSet<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        assert_eq!(declared, in_path, "{what}: path parameters");
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "422"] {
                assert!(responses.contains_key(status), "{what}: a body route answers {status}");
            }
        }
    }
    assert_every_ref_resolves(&document, &document);

    // The vocabulary is string enums with the exact wire values, times are date-times.
    let schemas = &document["components"]["schemas"];
    let wire = |values: Vec<&str>| Value::from(values);
    assert_eq!(schemas["NotificationType"]["enum"], wire(NotificationType::ALL.iter().map(|t| t.as_str()).collect()));
    assert_eq!(schemas["Environment"]["enum"], wire(Environment::ALL.iter().map(|e| e.as_str()).collect()));
    assert_eq!(
        schemas["NotificationStatus"]["enum"],
        wire(NotificationStatus::ALL.iter().map(|s| s.as_str()).collect())
    );
    assert_eq!(
        schemas["DataDeliveryStatus"]["enum"],
        wire(DataDeliveryStatus::ALL.iter().map(|s| s.as_str()).collect()),
        "a data delivery's status lists only what a document can have"
    );
    assert_eq!(schemas["Timestamp"]["type"], "string");
    assert_eq!(schemas["Timestamp"]["format"], "date-time");
    let error = &schemas["ErrorDetail"];
    assert_eq!(error["required"], serde_json::json!(["code", "message"]), "{error}");
    assert!(error["properties"]["field"].is_object(), "{error}");

    // One webhook per notification type, its body the payload, with the signature headers.
    let webhooks = document["webhooks"].as_object().expect("webhooks");
    let names: BTreeSet<&str> = webhooks.keys().map(String::as_str).collect();
    assert_eq!(names, NotificationType::ALL.iter().map(|t| t.as_str()).collect());
    for (kind, item) in webhooks {
        let post = &item["post"];
        let body = &post["requestBody"]["content"]["application/json"];
        assert_eq!(body["schema"]["$ref"], "#/components/schemas/NotificationPayload", "{kind}");
        assert_eq!(body["example"]["type"], kind.as_str(), "{kind}: its example");
        let headers: Vec<&str> =
            post["parameters"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(headers, ["webhook-id", "webhook-timestamp", "webhook-signature", "x-rook-hash"], "{kind}");
    }
    app.stop().await;
}

/// The list routes take exactly the query parameters they document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_routes_take_exactly_the_documented_query_parameters() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let document = fetch_document(&app).await;
    let client_uuid = app.create_client("Query Co").await;
    for path in ["/api/v1/notifications", "/api/v1/data-deliveries"] {
        let parameters = document["paths"][path]["get"]["parameters"].as_array().unwrap();
        let names: Vec<&str> =
            parameters.iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str()).collect();
        assert!(names.contains(&"client_uuid") && names.contains(&"cursor"), "{path}: {names:?}");
        for name in names.iter().filter(|n| **n != "client_uuid").chain(["not_a_parameter"].iter()) {
            // An empty value is no filter: only an unknown parameter is refused.
            let res = app
                .api(Method::GET, path.trim_start_matches("/api/v1"))
                .query(&[("client_uuid", client_uuid.as_str()), (name, "")])
                .send()
                .await
                .unwrap();
            let documented = *name != "not_a_parameter";
            let expected = if documented { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            assert_eq!(res.status(), expected, "{path}?{name}=: {}", res.text().await.unwrap());
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openapi_validator_accepts_the_document() {
    let Some(node) = node_with("@seriousme/openapi-schema-validator").await else { return };
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let document = fetch_document(&app).await;
    app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&document).unwrap()).unwrap();
    let output = run(&node, &[&repo_path("end2end/tools/validate-openapi.mjs"), &file], &[]).await;
    assert!(
        output.status.success(),
        "the validator refuses the document:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts that every `$ref` under `value` names something in `document`.
fn assert_every_ref_resolves(document: &Value, value: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("an external $ref: {reference}"));
                assert!(document.pointer(pointer).is_some(), "$ref {reference} does not resolve");
            }
            map.values().for_each(|v| assert_every_ref_resolves(document, v));
        }
        Value::Array(items) => items.iter().for_each(|v| assert_every_ref_resolves(document, v)),
        _ => {}
    }
}
