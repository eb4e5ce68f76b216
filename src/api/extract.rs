//! Extractors that turn a request into what handlers need, or into an [`ApiError`]: the caller behind
//! the bearer token, JSON bodies whose faults name the field at fault, path segments and list query
//! strings (answered in the API's error shape, never axum's plain-text rejections).

use std::net::SocketAddr;

use app::error::AppError;
use app::query::parse_pairs;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::service::{Actor, ServiceError, Services};
use crate::store::TokenScope;

/// Whoever the bearer token stands for (any scope, or a client API key).
pub struct Caller(pub Actor);

/// A caller whose token has admin scope; an ingest token or a client API key gets 403.
pub struct Admin(pub Actor);

/// A caller of a pull API route: an admin token or a client API key (which the service then holds
/// to its client, its environment and its access); an ingest token gets 403.
pub struct PullCaller(pub Actor);

// The API's routers all hold `Services` as their state, so the caller extractors read it directly.
impl FromRequestParts<Services> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| {
            let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
            services.client_address(c.0.ip(), forwarded)
        });
        match services.authenticate_bearer(token, address).await {
            Ok(actor) => Ok(Caller(actor)),
            // Over a key's rate (429), or the database away (503): worth telling apart from a bad token.
            Err(
                err @ (ServiceError::RateLimited { .. } | ServiceError::Unavailable { .. } | ServiceError::Internal),
            ) => Err(err.into()),
            Err(_) => Err(ApiError::unauthorized()),
        }
    }
}

impl FromRequestParts<Services> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Self, ApiError> {
        match PullCaller::from_request_parts(parts, services).await? {
            PullCaller(Actor::ClientKey(_)) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "A client API key may only call the pull API's routes (its notifications, data deliveries and \
                 subscriptions); this route needs an admin token.",
            )),
            PullCaller(actor) => Ok(Admin(actor)),
        }
    }
}

impl FromRequestParts<Services> for PullCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Self, ApiError> {
        match Caller::from_request_parts(parts, services).await? {
            Caller(Actor::ApiToken { scope: TokenScope::Ingest, .. }) => Err(ingest_refused()),
            Caller(actor) => Ok(PullCaller(actor)),
        }
    }
}

fn ingest_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "This token has the ingest scope; this route needs an admin token.",
    )
}

/// A JSON body: malformed JSON is 400, a body that does not fit the expected shape (wrong types,
/// unknown values, missing or unknown fields) is 422 naming the field, an oversized body 413. The raw
/// bytes are kept (idempotency keys compare them).
pub struct ApiJson<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let raw = Bytes::from_request(req, state).await.map_err(body_rejection)?;
        let value = parse_json(&raw)?;
        Ok(ApiJson { value, raw })
    }
}

/// Parses JSON bytes into `T` in one pass (raw values such as a data delivery's payload keep their
/// exact text), with the API's error for each way it can fail.
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The request body must be a JSON object.",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    let parsed = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| (e.path().to_string(), e.into_inner()))
        .and_then(|value| deserializer.end().map(|()| value).map_err(|e| (".".to_owned(), e)));
    parsed.map_err(|(path, inner)| {
        match inner.classify() {
            // Syntax: the client's JSON is broken, whatever its content.
            serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof
            | serde_json::error::Category::Io => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("The request body is not valid JSON: {inner}."),
            ),
            serde_json::error::Category::Data => {
                let field = if path == "." { "body".to_owned() } else { path };
                ApiError::validation(&field, format!("{field}: {inner}"))
            }
        }
    })
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "The request body is too large.")
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "unreadable_body", "The request body could not be read.")
    }
}

/// A list route's query string read into its typed query (see `app::query`, shared with the
/// dashboard and the live feed): a bad value is a 422 naming the parameter, and so is a parameter no
/// field takes (a misspelt filter must not silently list everything); axum's `Query<T>` would answer a
/// plain-text 400 naming none.
pub struct ListQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ListQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Pairs of strings only fail on a malformed query string.
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", "The query string is malformed."))?;
        parse_pairs(pairs).map(ListQuery).map_err(|err| match err {
            AppError::Validation { field, message } => ApiError::validation(&field, message),
            _ => ApiError::validation("query", "The query string could not be read."),
        })
    }
}

/// Path segments: a segment that is not valid percent-encoded UTF-8 is a 400 in the API's error shape.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // The path parameters are strings, so only undecodable bytes fail here.
        Path::<T>::from_request_parts(parts, state).await.map(|Path(value)| ApiPath(value)).map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_path",
                "A segment of the URL path is not valid percent-encoded UTF-8.",
            )
        })
    }
}
