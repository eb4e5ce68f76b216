//! The service layer's error type.

use std::time::Duration;

use crate::engine::ingest_queue::IngestError;
use crate::store::StoreError;

/// When to try again after a write was refused for lack of space: an operator has to free some.
const STORAGE_FULL_RETRY_AFTER: Duration = Duration::from_secs(60);
/// When to try again after ingestion was refused as overloaded: the backlog drains in moments.
const OVERLOADED_RETRY_AFTER: Duration = Duration::from_secs(1);
/// When to try again while the database cannot be reached (restarting, failing over).
const DATABASE_UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);

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
    /// The service cannot take this now (ingest backlog full, storage full, database unreachable);
    /// nothing was recorded and the same request may be sent again after `retry_after`. `code` is
    /// stable (`overloaded`, `storage_full`, `unavailable`).
    #[error("{message}")]
    Unavailable { code: &'static str, message: String, retry_after: Duration },
    /// The database refused a value of the input as data it cannot hold (a safety net behind input
    /// validation); nothing was changed.
    #[error("the input holds a value that cannot be stored")]
    Unstorable,
    #[error("internal error")]
    Internal,
}

impl ServiceError {
    /// A store error as the service's, a conflict (a unique value already taken) told by `message`.
    pub(super) fn taken(message: impl FnOnce() -> String) -> impl FnOnce(StoreError) -> Self {
        move |error| match Self::from(error) {
            Self::Conflict { code, .. } => Self::Conflict { code, message: message() },
            other => other,
        }
    }

    /// A validation error for one field.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { code: "invalid", field: field.into(), message: message.into() }
    }

    /// The answer while the database has no room for writes.
    pub fn storage_full() -> Self {
        Self::Unavailable {
            code: "storage_full",
            message: "The service cannot store this now (its storage is full); nothing was recorded. Try again later."
                .to_owned(),
            retry_after: STORAGE_FULL_RETRY_AFTER,
        }
    }

    /// The answer while the database cannot be reached.
    pub fn database_unavailable() -> Self {
        Self::Unavailable {
            code: "unavailable",
            message: "The service cannot reach its database just now; nothing was recorded. Try again shortly."
                .to_owned(),
            retry_after: DATABASE_UNAVAILABLE_RETRY_AFTER,
        }
    }

    /// Logs an unexpected failure and returns the opaque `Internal`.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound("record"),
            StoreError::Conflict { what } => {
                Self::Conflict { code: "already_exists", message: format!("A record with this {what} already exists.") }
            }
            StoreError::StorageFull(cause) => {
                tracing::error!(error = %cause, "the database is full: writes are refused until space is freed");
                Self::storage_full()
            }
            StoreError::UnstorableValue(cause) => {
                // The input check that should have refused this value is missing: worth a look.
                tracing::warn!(error = %cause, "the database refused a value of a request");
                Self::Unstorable
            }
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "the database is unavailable");
                Self::database_unavailable()
            }
            other => Self::internal(other),
        }
    }
}

impl From<IngestError> for ServiceError {
    fn from(err: IngestError) -> Self {
        match err {
            IngestError::Overloaded => Self::Unavailable {
                code: "overloaded",
                message: "Too many events are waiting to be recorded; nothing was recorded. Try again shortly."
                    .to_owned(),
                retry_after: OVERLOADED_RETRY_AFTER,
            },
            IngestError::StorageFull => Self::storage_full(),
            IngestError::Unavailable => Self::database_unavailable(),
            IngestError::Unstorable => Self::Unstorable,
            // The writer logged the cause.
            IngestError::Failed => Self::Internal,
        }
    }
}
