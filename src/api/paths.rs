//! The path parameters of the client routes: extracted from the path and described in the OpenAPI
//! document by the same structs. An unknown environment or secret purpose is a route that does not
//! exist (404), not a bad request.

use app::vocab::{Environment, SecretPurpose};
use serde::{Deserialize, Deserializer};

use super::error::ApiError;

/// `/clients/{client_uuid}`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientPath {
    /// The client's UUID (in either case).
    #[serde(deserialize_with = "canonical_uuid")]
    pub client_uuid: String,
}

/// `/clients/{client_uuid}/environments/{env}`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EnvironmentPath {
    /// The client's UUID (in either case).
    #[serde(deserialize_with = "canonical_uuid")]
    pub client_uuid: String,
    /// The environment.
    #[param(value_type = Environment, inline)]
    env: String,
}

impl EnvironmentPath {
    /// The environment the path names.
    pub fn environment(&self) -> Result<Environment, ApiError> {
        parse_environment(&self.env)
    }
}

/// `/clients/{client_uuid}/environments/{env}/secrets/{purpose}`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SecretPath {
    /// The client's UUID (in either case).
    #[serde(deserialize_with = "canonical_uuid")]
    pub client_uuid: String,
    /// The environment.
    #[param(value_type = Environment, inline)]
    env: String,
    /// Which secret: the one signing notifications or the one signing Data Webhook deliveries.
    #[param(value_type = SecretPurpose, inline)]
    purpose: String,
}

impl SecretPath {
    /// The environment and the secret the path names.
    pub fn parse(&self) -> Result<(Environment, SecretPurpose), ApiError> {
        let purpose = self.purpose.parse().map_err(|_| ApiError::not_found("secret (use notification or data)"))?;
        Ok((parse_environment(&self.env)?, purpose))
    }
}

/// `/clients/{client_uuid}/api-keys/{key_id}`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyPath {
    /// The client's UUID (in either case).
    #[serde(deserialize_with = "canonical_uuid")]
    pub client_uuid: String,
    /// The key's id (as listed; never the key itself).
    pub key_id: String,
}

/// UUIDs are case-insensitive and stored in lower case: a path may name a client in either case.
fn canonical_uuid<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(String::deserialize(d)?.to_ascii_lowercase())
}

fn parse_environment(raw: &str) -> Result<Environment, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("environment (use sandbox or production)"))
}
