//! The API's one error type: every failure is `{"error": {"code", "message", "field"?}}` with the
//! status that fits, and nothing internal ever reaches the body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::service::ServiceError;

/// The body of every error answer: `{"error": {"code", "message", "field"?}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: `unauthorized`, `forbidden`, `not_found`, `invalid`,
    /// `malformed_json`, `body_too_large`, `not_subscribed`, `url_required`, …
    #[schema(example = "invalid")]
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The field or query parameter at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answer of the API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Sent as `Retry-After` (whole seconds) with a 429 or 503.
    pub retry_after: Option<std::time::Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None, retry_after: None }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_retry_after(mut self, after: std::time::Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Send a valid API token as `Authorization: Bearer <token>`.",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("No such {what}."))
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).with_field(field)
    }
}

impl ApiError {
    /// The JSON body this error is answered with.
    pub fn body(self) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code: self.code, message: self.message, field: self.field } }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after.map(|after| after.as_secs().max(1).to_string());
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(Ok(value)) = retry_after.map(|secs| axum::http::HeaderValue::from_str(&secs)) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Unauthenticated | ServiceError::InvalidCredentials => ApiError::unauthorized(),
            ServiceError::RateLimited { retry_after } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests; try again in {} s.", retry_after.as_secs().max(1)),
            )
            .with_retry_after(retry_after),
            ServiceError::Unavailable { code, message, retry_after } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message).with_retry_after(retry_after)
            }
            ServiceError::Unstorable => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "The request holds a value that cannot be stored (such as an invalid character).",
            ),
            ServiceError::NotFound(what) => ApiError::not_found(what),
            ServiceError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", "This token may not do that."),
            ServiceError::Validation { code, field, message } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).with_field(field)
            }
            ServiceError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            ServiceError::Internal => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side. It has been logged.",
            ),
        }
    }
}
