//! The API's OpenAPI 3.1 document, served at `GET /api/openapi.json`. Its paths come from the
//! handlers' `#[utoipa::path]` annotations through the same `OpenApiRouter` that builds the router, so
//! a route cannot exist undocumented; its schemas are the real request and answer types. The
//! notifications a client's receiver gets are added as OpenAPI `webhooks`, one per notification type.

use std::collections::BTreeMap;

use app::payload::{NotificationPayload, example};
use app::vocab::NotificationType;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HttpMethod, PathItem, Ref, RefOr, Required, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::error::{ApiError, ErrorBody};

/// The parts of the document that are not routes: description, security, shared components, tags.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "rook-notify API",
        description = "ROOK's Notification Webhook service. ROOK's services report platform events and hand over \
            Data Webhook documents; staff tools manage clients, subscriptions and secrets and browse deliveries. \
            Every route needs `Authorization: Bearer <token>`. A client's own programs call the pull API (the \
            routes that accept the `client_key` scheme) with a client API key (`rnck_…`), which reaches only \
            its client (and environment, when scoped), read-only or read-write, within its own request rate. \
            The receiver guide (docs/receiver-guide.md) explains the webhooks below: headers, signatures, retries."
    ),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    components(
        schemas(ErrorBody, NotificationPayload),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, Unprocessable, TooManyRequests,
            ServiceUnavailable
        )
    ),
    tags(
        (name = "clients", description = "Clients, their environments, subscriptions and signing secrets."),
        (name = "platform-events", description = "What happened in a client's integration: each event is a notification."),
        (name = "notifications", description = "Notifications, their delivery attempts, resending."),
        (name = "data-deliveries", description = "Documents for the client's Data Webhook, their attempts, resending."),
        (name = "api-keys", description = "Client API keys: what a client's own programs call the pull API with."),
        (name = "webhooks", description = "What the client's Notification Webhook receives: see the receiver guide."),
    )
)]
pub struct ApiDoc;

/// The bearer credentials: ROOK's API tokens (`ROOK_NOTIFY_API_TOKEN`, or one made by `create-token`),
/// which every route takes, and client API keys, which only the pull API's routes take.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        let mut client_key = Http::new(HttpAuthScheme::Bearer);
        client_key.description = Some(
            "A client API key (`rnck_…`), created in the dashboard's Webhook settings or with \
             `POST /clients/{client_uuid}/api-keys`: only its client's notifications, data deliveries and \
             subscriptions (and only one environment's, when scoped); read-only keys cannot resend or send tests."
                .to_owned(),
        );
        components.add_security_scheme("client_key", SecurityScheme::Http(client_key));
    }
}

/// The document as served: the generated one with the notification webhooks added (utoipa 5 has no
/// `webhooks` of its own).
#[derive(Serialize)]
pub struct Document {
    #[serde(flatten)]
    openapi: utoipa::openapi::OpenApi,
    /// One POST per notification type, in the vocabulary's order (a map like `paths`).
    webhooks: Paths,
}

impl Document {
    /// The generated document with the webhooks.
    pub fn new(openapi: utoipa::openapi::OpenApi) -> Self {
        let webhooks = NotificationType::ALL
            .iter()
            .fold(Paths::builder(), |paths, kind| paths.path(kind.as_str(), webhook(*kind)));
        Document { openapi, webhooks: webhooks.build() }
    }
}

/// The POST a client's Notification Webhook receives for one notification type.
fn webhook(kind: NotificationType) -> PathItem {
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(NotificationPayload::name())))
        .example(serde_json::to_value(example(kind)).ok())
        .build();
    let operation = OperationBuilder::new()
        .operation_id(Some(format!("webhook_{}", kind.as_str().replace('.', "_"))))
        .summary(Some(format!("`{kind}` notification ({})", kind.category())))
        .description(Some(
            "Sent to the environment's Notification Webhook URL, signed with its notification secret \
             (Standard Webhooks). Answer 2xx within 15 s; anything else is retried (by default after 10s, 1m, \
             10m, 1h, 2h, 24h and 48h, ±10 %) with the same `webhook-id`.",
        ))
        .tag("webhooks")
        .parameters(Some(webhook_headers()))
        .request_body(Some(
            RequestBodyBuilder::new().content("application/json", body).required(Some(Required::True)).build(),
        ))
        .response("2XX", ResponseBuilder::new().description("Received: delivered, no retry."))
        .response("410", ResponseBuilder::new().description("Gone: the endpoint is disabled, no more sends."))
        .response("default", ResponseBuilder::new().description("Anything else (or no answer in time): retried."))
        .securities(Some(Vec::new()))
        .build();
    PathItem::new(HttpMethod::Post, operation)
}

/// The headers of every webhook request.
fn webhook_headers() -> Vec<utoipa::openapi::path::Parameter> {
    let header = |name: &str, schema_type: Type, required: Required, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(required)
            .schema(Some(ObjectBuilder::new().schema_type(schema_type)))
            .description(Some(description))
            .build()
    };
    vec![
        header(
            "webhook-id",
            Type::String,
            Required::True,
            "The notification's id (the payload's `id`): the same on every retry, for de-duplication.",
        ),
        header("webhook-timestamp", Type::Integer, Required::True, "This attempt's send time, Unix seconds."),
        header(
            "webhook-signature",
            Type::String,
            Required::True,
            "`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the secret's bytes; \
             during a rotation two signatures, space-separated.",
        ),
        header(
            "x-rook-hash",
            Type::String,
            Required::False,
            "Only when a ROOK hash key is set: hex HMAC-SHA256 keyed with the key's text over \
             `client_uuid + user_id + datetime`. It does not cover the body: trust `webhook-signature`.",
        ),
    ]
}

/// Declares the shared error answers: each is a response component (with the error body and an
/// example made by [`ApiError`]) and, used in a handler's `responses(...)`, its status mapped to it.
macro_rules! error_responses {
    ($($(#[doc = $doc:literal])+ $name:ident => $status:ident, $example:expr;)+) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), error_response(concat!($($doc),+), $example))
            }
        }

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([(StatusCode::$status.as_u16().to_string(), Ref::from_response_name(stringify!($name)).into())])
            }
        }
    )+};
}

error_responses! {
    /// The body is not JSON (`malformed_json`) or could not be read (`unreadable_body`).
    BadRequest => BAD_REQUEST,
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid JSON: EOF while parsing an object at line 1 column 16.");
    /// No valid API token: send `Authorization: Bearer <token>` (`unauthorized`).
    Unauthorized => UNAUTHORIZED, ApiError::unauthorized();
    /// The token's scope does not allow this route: an `ingest` token may only report platform events and
    /// hand over data deliveries, a client API key only call the pull API, and a read-only key cannot
    /// resend or send tests (`forbidden`).
    Forbidden => FORBIDDEN,
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "This token has the ingest scope; this route needs an admin token.");
    /// No such client, environment, secret, notification or data delivery (`not_found`).
    NotFound => NOT_FOUND, ApiError::not_found("client");
    /// The current state does not allow it: `not_subscribed`, `endpoint_disabled`, `already_exists`,
    /// `payload_purged`.
    Conflict => CONFLICT,
        ApiError::new(StatusCode::CONFLICT, "not_subscribed", "The Sandbox Notification Webhook subscription is not active.");
    /// The body is over the limit: 64 KiB, 10 MiB for data deliveries (`body_too_large`).
    PayloadTooLarge => PAYLOAD_TOO_LARGE,
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "The request body is too large.");
    /// A field or query parameter is not acceptable; `field` names it (`invalid`, or a rule's own code
    /// such as `url_required`).
    Unprocessable => UNPROCESSABLE_ENTITY,
        ApiError::validation("user_id", "user_id: invalid type: integer `5`, expected a string");
    /// A client API key went over its request rate (a bulk resend counts each item it queues); try
    /// again after the `Retry-After` seconds (`rate_limited`).
    TooManyRequests => TOO_MANY_REQUESTS,
        ApiError::from(crate::service::ServiceError::RateLimited { retry_after: std::time::Duration::from_secs(2) });
    /// Nothing was recorded; send the same request again after the `Retry-After` seconds: too many
    /// requests are waiting to be recorded (`overloaded`), or the database has no room (`storage_full`).
    ServiceUnavailable => SERVICE_UNAVAILABLE,
        ApiError::from(crate::service::ServiceError::from(crate::engine::ingest_queue::IngestError::Overloaded));
}

/// An error answer's component: its description, the error body and an example.
fn error_response(description: &str, example: ApiError) -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(ErrorBody::name())))
        .example(serde_json::to_value(example.body()).ok())
        .build();
    ResponseBuilder::new().description(description.trim()).content("application/json", content).build().into()
}
