//! The service layer's error type.

use std::time::Duration;

use crate::engine::ingest_queue::IngestFailed;
use crate::store::StoreError;

/// Why an operation was refused or failed. Each variant is something a caller can act on, except
/// `Internal`, whose cause is logged where it is created and never shown.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins")]
    RateLimited { retry_after: Duration },
    /// Absent, or not visible to the actor: the two are never distinguished.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not allowed")]
    Forbidden,
    /// The input breaks a rule; `code` is stable (`invalid`, `url_required`, …), `field` names the input.
    #[error("{field}: {message}")]
    Validation { code: &'static str, field: String, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The database cannot be reached just now; nothing was changed and the caller may try again.
    #[error("temporarily unavailable")]
    Unavailable { retry_after: Duration },
    #[error("internal error")]
    Internal,
}

/// How long a caller is asked to wait when the database cannot be reached.
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);

impl ServiceError {
    /// A validation error for one field.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { code: "invalid", field: field.into(), message: message.into() }
    }

    /// Logs an unexpected failure and returns the opaque `Internal`.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal
    }
}

impl From<IngestFailed> for ServiceError {
    fn from(err: IngestFailed) -> Self {
        match err {
            IngestFailed::Unavailable => Self::Unavailable { retry_after: UNAVAILABLE_RETRY_AFTER },
            IngestFailed::Failed => Self::internal(err),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound("record"),
            StoreError::Conflict { what } => {
                Self::Conflict { code: "already_exists", message: format!("A record with this {what} already exists.") }
            }
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "the database is unavailable");
                Self::Unavailable { retry_after: UNAVAILABLE_RETRY_AFTER }
            }
            other => Self::internal(other),
        }
    }
}
