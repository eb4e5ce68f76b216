//! The one error type of the dashboard: what server functions return and the pages show.
//!
//! Its variants are the things a person can act on. Anything else is `Internal`, whose message is
//! generic: the server logs the cause and never sends it to the browser.

use serde::{Deserialize, Serialize};

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// An error a dashboard action can end with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session: the person must sign in (again).
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// The email or password is wrong; deliberately the same whether or not the email exists.
    #[error("Wrong email or password.")]
    InvalidCredentials,
    /// Too many failed sign-ins from this account or address.
    #[error("Too many failed sign-in attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// The thing does not exist, or belongs to someone the viewer may not see (never distinguished).
    #[error("{what} not found.")]
    NotFound { what: String },
    /// The viewer may not do this (for example, a client account calling a staff action).
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// A field of the input is wrong; `message` says how to fix it.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The action does not fit the current state (`code` is stable, `message` is for people).
    #[error("{message}")]
    Conflict { code: String, message: String },
    /// The server cannot reach its database just now; nothing was changed.
    #[error("The service is briefly unavailable; nothing was changed. Please try again in {retry_after_secs} seconds.")]
    Unavailable { retry_after_secs: u64 },
    /// Something failed on the server; the cause is in the server's log, not here.
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("The server could not be reached ({0}). Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), message: message.into() }
    }

    /// A not-found error naming what was looked for.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// A conflict with a stable code.
    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict { code: code.into(), message: message.into() }
    }

    /// The HTTP status this error travels with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::RateLimited { .. } => 429,
            Self::NotFound { .. } => 404,
            Self::Forbidden => 403,
            Self::Validation { .. } => 422,
            Self::Conflict { .. } => 409,
            Self::Unavailable { .. } => 503,
            Self::Internal => 500,
            Self::Transport(_) => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Bad arguments from a hand-made request are the caller's mistake, not ours.
            ServerFnErrorErr::Args(msg)
            | ServerFnErrorErr::Deserialization(msg)
            | ServerFnErrorErr::MissingArg(msg) => {
                with_its_status(Self::validation("request", format!("The request could not be read: {msg}")))
            }
            ServerFnErrorErr::ServerError(_) => Self::Internal,
            other => Self::Transport(other.to_string()),
        }
    }
}

/// On the server, sets the status of the server function's answer to the error's. An error from
/// reading the request comes before the function's body, where every other error gets its status:
/// without this it would be answered as a 500.
#[cfg(feature = "ssr")]
fn with_its_status(err: AppError) -> AppError {
    crate::backend::respond_with(err)
}

/// In the browser there is no answer to set a status on.
#[cfg(not(feature = "ssr"))]
fn with_its_status(err: AppError) -> AppError {
    err
}
