//! Sign-in rate limiting, counted in the database so that several processes on one database count
//! together. Three counters, each over a window (`ROOK_NOTIFY_LOGIN_FAILURE_WINDOW`):
//! - per account and client address (`ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT`, 5): the back-off a
//!   guesser meets. It is per address so that an attacker's failures do not stop the real user signing
//!   in from somewhere else;
//! - per account, whatever the address ([`ACCOUNT_WIDE_FACTOR`] times the above, 20): stops guesses
//!   spread over many addresses. A browser that signed in to the account before (its device cookie) is
//!   let past this one, so such an attack does not lock the owner out either;
//! - per client address, whatever the account (`ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS`, 20).
//!
//! Past a limit an attempt is refused, with how long to wait (429 with `Retry-After`), even with the
//! right password; nothing sleeps on the server. Each attempt is counted as a failure before its
//! password is checked and given back if it succeeds, so parallel attempts cannot get past a limit by
//! all being checked before any is counted.

use std::net::IpAddr;
use std::time::Duration;

use app::timestamp::Timestamp;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::store::{FailureSlot, Store, StoreError};

/// The account-wide limit is this many times the per-(account, address) one: a few addresses' worth
/// of guesses before the account is closed to browsers it does not know.
pub const ACCOUNT_WIDE_FACTOR: u32 = 4;
/// How long a browser stays known to an account after signing in.
pub const DEVICE_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

/// The limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures per account from one address; the account-wide limit is [`ACCOUNT_WIDE_FACTOR`] times
    /// this.
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    /// The command line's defaults: 5 failures per account and address, 20 per address, over 15
    /// minutes.
    fn default() -> Self {
        LoginLimits { max_failures_per_account: 5, max_failures_per_address: 20, window: Duration::from_secs(15 * 60) }
    }
}

fn digest(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        // A separator that cannot occur in an email address or an IP address keeps keys apart.
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    hex::encode(hash.finalize())
}

/// The digest an account's counter and devices are stored under.
fn account_key(email: &str) -> String {
    digest(&["account", email])
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Counts failures and answers whether an attempt may proceed.
pub(super) struct LoginLimiter {
    limits: LoginLimits,
    store: Store,
}

/// A failure counted in advance for one attempt in progress. Dropped without [`Self::succeeded`] or
/// [`Self::failed`] (an internal error, or the request abandoned before an answer), the failure is
/// given back: no answer was learned.
pub(super) struct Reservation {
    store: Store,
    /// Account-wide (absent for a known device), then per (account, address), then per address.
    account: Option<String>,
    pair: String,
    address: String,
    settled: bool,
}

impl LoginLimiter {
    pub(super) fn new(limits: LoginLimits, store: Store) -> Self {
        LoginLimiter { limits, store }
    }

    /// Counts a failure for the attempt before it is checked, or `Err(retry_after)` when a counter has
    /// no failure left in its window. `device` is the browser's device cookie, if any.
    pub(super) async fn reserve(
        &self,
        email: &str,
        address: Option<IpAddr>,
        device: Option<&str>,
    ) -> Result<Result<Reservation, Duration>, StoreError> {
        let now = Timestamp::now();
        let account = account_key(email);
        let ip = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        let known_device = match device.filter(|d| !d.is_empty() && d.len() <= 100) {
            Some(token) => self.store.is_login_device(&digest(&["device", token]), &account, now).await?,
            None => false,
        };
        let per_pair = self.limits.max_failures_per_account;
        let account_slot = (!known_device)
            .then(|| FailureSlot { key_sha256: account.clone(), max: per_pair.saturating_mul(ACCOUNT_WIDE_FACTOR) });
        let pair = FailureSlot { key_sha256: digest(&["pair", email, &ip]), max: per_pair };
        let by_address =
            FailureSlot { key_sha256: digest(&["address", &ip]), max: self.limits.max_failures_per_address };
        // Always in this order (account, pair, address): see `Store::take_login_slots`.
        let slots: Vec<FailureSlot> = account_slot.iter().cloned().chain([pair.clone(), by_address.clone()]).collect();
        match self.store.take_login_slots(&slots, micros(self.limits.window), now).await? {
            Ok(()) => Ok(Ok(Reservation {
                store: self.store.clone(),
                account: account_slot.map(|s| s.key_sha256),
                pair: pair.key_sha256,
                address: by_address.key_sha256,
                settled: false,
            })),
            Err(wait_micros) => {
                let wait = Duration::from_micros(u64::try_from(wait_micros).unwrap_or(0));
                Ok(Err(wait.max(Duration::from_secs(1))))
            }
        }
    }

    /// Remembers this browser for the account that just signed in; returns the token for its cookie.
    pub(super) async fn remember_device(&self, email: &str) -> Result<String, StoreError> {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let now = Timestamp::now();
        let expires_at = now.plus_micros(micros(DEVICE_LIFETIME));
        let stale_before = now.plus_micros(-micros(self.limits.window));
        self.store
            .remember_login_device(&digest(&["device", &token]), &account_key(email), expires_at, stale_before, now)
            .await?;
        Ok(token)
    }
}

impl Reservation {
    /// The attempt failed: the counted failures stay.
    pub(super) fn failed(mut self) {
        self.settled = true;
    }

    /// The attempt succeeded: this account and address start again, and the account-wide and address
    /// counters get back the failure this attempt took (they keep the others, so one valid account
    /// cannot be used to reset an address that guesses others, nor a success to reset an account that
    /// is guessed from elsewhere).
    pub(super) async fn succeeded(mut self) -> Result<(), StoreError> {
        self.settled = true;
        self.store.clear_login_failures(&self.pair).await?;
        let keys: Vec<String> = self.account.iter().cloned().chain([self.address.clone()]).collect();
        self.store.give_back_login_slots(&keys).await
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let keys: Vec<String> = self
            .account
            .iter()
            .cloned()
            .chain([std::mem::take(&mut self.pair), std::mem::take(&mut self.address)])
            .collect();
        let store = self.store.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = store.give_back_login_slots(&keys).await {
                    tracing::warn!(error = %err, "giving back an abandoned sign-in attempt failed");
                }
            });
        }
    }
}
