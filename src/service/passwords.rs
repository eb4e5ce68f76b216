//! Password hashing with argon2 (the crate's defaults: Argon2id, 19 MiB, 2 passes), off the async
//! runtime's threads because each hash takes tens of milliseconds by design.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::ServiceError;

/// The shortest password accepted for a new account.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Hashes a password into a PHC string.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(ServiceError::internal)?
    .map_err(ServiceError::internal)
}

/// Whether `password` matches `hash`. With `hash = None` (no such account) it still spends the time
/// of a verification, so response times do not reveal which emails exist.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&hash).map_err(ServiceError::internal)?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(ServiceError::internal)?
}

/// A hash of a random password, computed once, to verify against when the account does not exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let random = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(random.as_str().as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}
