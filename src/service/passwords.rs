//! Password hashing with argon2 (the crate's defaults: Argon2id, 19 MiB, 2 passes), off the async
//! runtime's threads because each hash takes tens of milliseconds by design. At most
//! [`hashing_permits`] hashes run at once: each costs 19 MiB and a core, so a flood of sign-ins must
//! queue (briefly) rather than take every blocking thread and the memory with it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ServiceError;

/// How long a hash waits for a free permit before the request is refused as "try again shortly".
const HASHING_WAIT: Duration = Duration::from_secs(5);

/// The shortest password accepted for a new account.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Hashes a password into a PHC string.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    let permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
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
    let permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || {
        // Held until the hash is done, even when the request that asked for it is abandoned.
        let _permit = permit;
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&hash).map_err(ServiceError::internal)?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(ServiceError::internal)?
}

/// How many hashes may run at once: two per core keeps every core busy without queueing memory.
pub fn hashing_permits() -> usize {
    2 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// A permit to hash, waiting at most [`HASHING_WAIT`]; past it the caller is told to retry in a second.
async fn hashing_permit() -> Result<OwnedSemaphorePermit, ServiceError> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    let permits = PERMITS.get_or_init(|| Arc::new(Semaphore::new(hashing_permits()))).clone();
    match tokio::time::timeout(HASHING_WAIT, permits.acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(closed)) => Err(ServiceError::internal(closed)),
        Err(_) => Err(ServiceError::RateLimited { retry_after: Duration::from_secs(1) }),
    }
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
