//! What the fuzz aims at, found from the running server rather than written down: every operation of
//! the OpenAPI document it serves, every server function registered in this binary, every dashboard
//! page of the app's router, and the few routes outside those (live feed, health, metrics, files).
//! A new route is therefore fuzzed without this file changing, except a new server function, whose
//! arguments must be added to [`SERVER_FUNCTIONS`] (a test fails until they are).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

/// Who a route is for: the credentials that count as "authenticated" on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The API: bearer tokens.
    Api,
    /// The dashboard: a signed-in session (with its Origin on state-changing requests).
    Dashboard,
    /// Open to anyone (health, metrics, the OpenAPI document, static files).
    Public,
}

/// What a value of a path segment, query parameter, form field or JSON property stands for, so that a
/// request starts from something the server would accept and is then made hostile in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ClientUuid,
    Environment,
    Purpose,
    NotificationType,
    Category,
    Status,
    NotificationId,
    DataDeliveryId,
    UserId,
    Time,
    Day,
    Limit,
    Cursor,
    Bool,
    Email,
    Password,
    Url,
    Name,
    Text,
}

impl Field {
    /// The kind of value a parameter or property of this name holds (`path` tells ids apart).
    pub fn named(name: &str, path: &str) -> Field {
        match name {
            "client_uuid" => Field::ClientUuid,
            "env" | "environment" => Field::Environment,
            "purpose" => Field::Purpose,
            "type" | "kind" => Field::NotificationType,
            "category" => Field::Category,
            "status" => Field::Status,
            "id" if path.contains("data-deliveries") => Field::DataDeliveryId,
            "id" | "notification_id" | "after" => Field::NotificationId,
            "data_delivery_id" => Field::DataDeliveryId,
            "user_id" => Field::UserId,
            "since" | "until" | "datetime" | "occurred_at" => Field::Time,
            "limit" => Field::Limit,
            "cursor" => Field::Cursor,
            "active" | "clear_rook_hash_key" => Field::Bool,
            "email" => Field::Email,
            "password" => Field::Password,
            "notification_webhook_url" | "data_webhook_url" => Field::Url,
            "name" => Field::Name,
            _ => Field::Text,
        }
    }
}

/// What a request to a target carries as its body.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    /// JSON of this schema (the OpenAPI document's, `$ref`s resolved against it when sampled).
    Json(Value),
    /// A server function's form fields (`serde_qs` names, e.g. `query[limit]`).
    Form(Vec<(String, Field)>),
}

/// One route to fuzz.
#[derive(Debug, Clone)]
pub struct Target {
    /// How the report names it: `PUT /api/v1/clients/{client_uuid}/…`, `fn login`, `page /staff/audit`.
    pub label: String,
    pub method: Method,
    /// The path, with `{name}` where a parameter goes.
    pub path: String,
    pub path_params: Vec<(String, Field)>,
    pub query: Vec<(String, Field)>,
    pub body: Body,
    pub audience: Audience,
    /// Answers `text/event-stream` when accepted: its body is never read to the end.
    pub streams: bool,
}

/// Every server function of the dashboard with its form fields. The set of names is checked against
/// the functions registered in this binary, so a new one cannot go unfuzzed.
pub const SERVER_FUNCTIONS: &[(&str, &[&str])] = &[
    ("login", &["email", "password"]),
    ("logout", &[]),
    ("current_viewer", &[]),
    ("failed_notifications", &["client_uuid"]),
    ("resend_failed_since", &["client_uuid", "environment", "since:day"]),
    ("resend_rejected_data_since", &["client_uuid", "environment", "since:day"]),
    ("resend_rejected_data", &["data_delivery_id", "notification_id"]),
    (
        "notification_feed",
        &[
            "query[client_uuid]",
            "query[environment]",
            "query[type]",
            "query[category]",
            "query[status]",
            "query[user_id]",
            "query[since]",
            "query[until]",
            "query[limit]",
            "query[cursor]",
        ],
    ),
    ("notification_page", &["id"]),
    ("resend_notification", &["id"]),
    ("reveal_signing_secret", &["client_uuid", "environment"]),
    ("rotate_signing_secret", &["client_uuid", "environment", "understood:text"]),
    ("send_test_notification", &["client_uuid", "environment", "kind"]),
    ("staff_delivery_health", &[]),
    ("staff_audit_log", &["query[client_uuid]", "query[action]", "query[cursor]"]),
    ("staff_client", &["client_uuid"]),
    ("staff_set_subscription", &["client_uuid", "environment", "active"]),
    (
        "staff_update_environment",
        &[
            "client_uuid",
            "environment",
            "change[notification_webhook_url]",
            "change[data_webhook_url]",
            "change[new_rook_hash_key]:text",
            "change[clear_rook_hash_key]",
        ],
    ),
    ("staff_reenable", &["client_uuid", "environment"]),
    ("staff_clients", &["q:text"]),
    ("staff_create_client", &["name", "client_uuid"]),
    ("staff_create_client_account", &["client_uuid", "email"]),
    ("client_dashboard", &["client_uuid"]),
    ("client_profile", &["client_uuid"]),
    ("reenable_endpoint", &["client_uuid", "environment"]),
    ("client_api_keys", &["client_uuid"]),
    ("create_api_key", &["client_uuid", "name", "environment", "access:text", "expires_in_days:text"]),
    ("revoke_api_key", &["client_uuid", "key_id:text", "understood:text"]),
];

/// The server functions registered in this binary (their URL paths), as the server routes them.
pub fn registered_server_functions() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect()
}

/// The URL paths of [`SERVER_FUNCTIONS`].
pub fn listed_server_functions() -> BTreeSet<String> {
    SERVER_FUNCTIONS.iter().map(|(name, _)| format!("{}{name}", app::backend::SERVER_FN_PREFIX)).collect()
}

/// A form field's name and kind: `name:kind` overrides the kind its innermost name implies.
fn form_field(spec: &str) -> (String, Field) {
    let (name, kind) = spec.split_once(':').unwrap_or((spec, ""));
    let inner = name.rsplit('[').next().unwrap_or(name).trim_end_matches(']');
    let field = match kind {
        "day" => Field::Day,
        "text" => Field::Text,
        _ => Field::named(inner, ""),
    };
    (name.to_owned(), field)
}

/// Every target: the API's operations from `openapi` (the served document), the registered server
/// functions, the dashboard's pages, and the routes outside them.
pub fn all(openapi: &Value) -> Vec<Target> {
    let mut targets = api_operations(openapi);
    targets.extend(server_functions());
    targets.extend(pages());
    targets.extend(others());
    targets
}

/// One target per operation of the OpenAPI document.
fn api_operations(openapi: &Value) -> Vec<Target> {
    let mut targets = Vec::new();
    let paths = openapi["paths"].as_object().expect("the OpenAPI document has paths");
    for (path, item) in paths {
        let item = item.as_object().expect("a path item is an object");
        for (method, operation) in item {
            let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else { continue };
            let mut path_params = Vec::new();
            let mut query = Vec::new();
            for param in operation["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap_or_default().to_owned();
                let field = Field::named(&name, path);
                match param["in"].as_str() {
                    Some("path") => path_params.push((name, field)),
                    Some("query") => query.push((name, field)),
                    _ => {}
                }
            }
            let body = match operation.pointer("/requestBody/content/application~1json/schema") {
                Some(schema) => Body::Json(schema.clone()),
                None => Body::None,
            };
            targets.push(Target {
                label: format!("{method} {path}"),
                method,
                path: path.clone(),
                path_params,
                query,
                body,
                audience: Audience::Api,
                streams: false,
            });
        }
    }
    assert!(!targets.is_empty(), "the OpenAPI document lists no operation");
    targets
}

/// One target per server function, posted as the hydrated app posts them.
fn server_functions() -> Vec<Target> {
    SERVER_FUNCTIONS
        .iter()
        .map(|(name, fields)| Target {
            label: format!("fn {name}"),
            method: Method::POST,
            path: format!("{}{name}", app::backend::SERVER_FN_PREFIX),
            path_params: Vec::new(),
            query: Vec::new(),
            body: Body::Form(fields.iter().map(|spec| form_field(spec)).collect()),
            audience: Audience::Dashboard,
            streams: false,
        })
        .collect()
}

/// One target per page of the app's router (server-side rendered, so each runs server functions).
fn pages() -> Vec<Target> {
    // The server's own list: generating it again here would stall renders in other tests meanwhile.
    let routes = rook_notify::web::route_list();
    let mut paths: Vec<String> = routes.iter().map(|r| r.path().to_owned()).collect();
    paths.sort();
    paths.dedup();
    assert!(paths.len() > 3, "the app's router lists its pages: {paths:?}");
    paths
        .into_iter()
        .map(|path| {
            let path_params = path
                .split('/')
                .filter_map(|segment| {
                    let name = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))?;
                    let name = name.trim_start_matches('*');
                    Some((name.to_owned(), Field::named(name, &path)))
                })
                .collect();
            let query = ["client_uuid", "environment", "type", "status", "since", "until", "cursor", "limit"]
                .iter()
                .map(|name| (name.to_string(), Field::named(name, "")))
                .collect();
            Target {
                label: format!("page {path}"),
                method: Method::GET,
                path,
                path_params,
                query,
                body: Body::None,
                audience: Audience::Dashboard,
                streams: false,
            }
        })
        .collect()
}

/// The routes that are neither API operations, server functions nor pages.
fn others() -> Vec<Target> {
    let get = |path: &str, audience: Audience| Target {
        label: format!("GET {path}"),
        method: Method::GET,
        path: path.to_owned(),
        path_params: Vec::new(),
        query: Vec::new(),
        body: Body::None,
        audience,
        streams: false,
    };
    let live_query = ["client_uuid", "environment", "category", "type", "status", "user_id", "since", "until", "after"]
        .iter()
        .map(|name| (name.to_string(), Field::named(name, "")))
        .collect();
    vec![
        Target { query: live_query, streams: true, ..get("/live/notifications", Audience::Dashboard) },
        get("/healthz", Audience::Public),
        get("/readyz", Audience::Public),
        get("/metrics", Audience::Public),
        get("/api/openapi.json", Audience::Public),
        Target { path_params: vec![("file".into(), Field::Text)], ..get("/pkg/{file}", Audience::Public) },
        Target { path_params: vec![("rest".into(), Field::Text)], ..get("/api/v1/{rest}", Audience::Api) },
        Target { path_params: vec![("rest".into(), Field::Text)], ..get("/fn/{rest}", Audience::Dashboard) },
    ]
}
