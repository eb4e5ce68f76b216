//! Sign-in rate limiting: failed attempts are counted per account and per client address over a
//! window; past the limit, further attempts are refused until the window has passed, even with the
//! right password (so guessing cannot continue by brute force). Each attempt is counted as a failure
//! before its password is checked and given back if it succeeds, so parallel attempts cannot get past
//! the limit by all being checked before any is counted.
//!
//! Counts live in this process's memory: with several processes each counts its own share, which
//! multiplies the limits by the process count but keeps them finite.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    /// The command line's defaults: 5 failures per account, 20 per address, over 15 minutes.
    fn default() -> Self {
        LoginLimits { max_failures_per_account: 5, max_failures_per_address: 20, window: Duration::from_secs(15 * 60) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first_at: Instant,
}

/// Counts failures and answers whether an attempt may proceed.
pub(super) struct LoginLimiter {
    limits: LoginLimits,
    failures: Mutex<HashMap<Key, Failures>>,
}

/// A failure counted in advance for one attempt in progress. Counting before the password is
/// verified, under one lock, is what stops parallel guesses: each takes a slot or is refused, so no
/// more attempts than the limit can be in flight or done. Dropped without [`Self::succeeded`] or
/// [`Self::failed`] (an internal error, or the request abandoned before an answer), the slot is given
/// back: no answer was learned.
pub(super) struct Reservation<'a> {
    limiter: &'a LoginLimiter,
    account: Key,
    address: Option<Key>,
    settled: bool,
}

impl LoginLimiter {
    pub(super) fn new(limits: LoginLimits) -> Self {
        LoginLimiter { limits, failures: Mutex::new(HashMap::new()) }
    }

    /// Counts a failure for the account and the address before the attempt is checked, or
    /// `Err(retry_after)` when either has no failure left in the window.
    pub(super) fn reserve(&self, email: &str, address: Option<IpAddr>) -> Result<Reservation<'_>, Duration> {
        let now = Instant::now();
        let account = Key::Account(email.to_owned());
        let address = address.map(Key::Address);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.retain(|_, f| now.duration_since(f.first_at) < self.limits.window);
        let locked = |key: &Key, max: u32| {
            failures
                .get(key)
                .filter(|f| f.count >= max)
                .map(|f| self.limits.window.saturating_sub(now.duration_since(f.first_at)))
        };
        let by_account = locked(&account, self.limits.max_failures_per_account);
        let by_address = address.as_ref().and_then(|a| locked(a, self.limits.max_failures_per_address));
        if let Some(wait) = by_account.into_iter().chain(by_address).max() {
            return Err(wait.max(Duration::from_secs(1)));
        }
        for key in std::iter::once(&account).chain(address.as_ref()) {
            failures.entry(key.clone()).or_insert(Failures { count: 0, first_at: now }).count += 1;
        }
        Ok(Reservation { limiter: self, account, address, settled: false })
    }

    /// Takes one counted failure back from each key.
    fn release(&self, keys: &[&Key]) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if let Some(entry) = failures.get_mut(*key) {
                entry.count = entry.count.saturating_sub(1);
                if entry.count == 0 {
                    failures.remove(*key);
                }
            }
        }
    }
}

impl Reservation<'_> {
    /// The attempt failed: the counted failure stays.
    pub(super) fn failed(mut self) {
        self.settled = true;
    }

    /// The attempt succeeded: the account's failures are forgotten, and the address gets back the
    /// slot this attempt took (it keeps its other failures, so one valid account cannot be used to
    /// reset an address that is guessing others).
    pub(super) fn succeeded(mut self) {
        self.settled = true;
        if let Some(address) = &self.address {
            self.limiter.release(&[address]);
        }
        let mut failures = self.limiter.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&self.account);
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.settled {
            let keys: Vec<&Key> = std::iter::once(&self.account).chain(self.address.as_ref()).collect();
            self.limiter.release(&keys);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_account: u32, per_address: u32) -> LoginLimiter {
        LoginLimiter::new(LoginLimits {
            max_failures_per_account: per_account,
            max_failures_per_address: per_address,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn an_account_is_locked_after_its_limit_of_failures() {
        let l = limiter(2, 100);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        l.reserve("a@x", Some(ip)).unwrap().failed();
        l.reserve("a@x", Some(ip)).unwrap().failed();
        assert!(l.reserve("a@x", Some(ip)).is_err());
        assert!(l.reserve("b@x", Some(ip)).is_ok(), "another account from the same address is not locked");
    }

    #[test]
    fn attempts_in_progress_count_against_the_limit() {
        let l = limiter(2, 100);
        let first = l.reserve("a@x", None).unwrap();
        let second = l.reserve("a@x", None).unwrap();
        assert!(l.reserve("a@x", None).is_err(), "two attempts in flight use up a limit of two");
        drop(first);
        assert!(l.reserve("a@x", None).is_ok(), "an abandoned attempt gives its slot back");
        second.failed();
    }

    #[test]
    fn an_address_is_locked_across_accounts() {
        let l = limiter(100, 3);
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        for email in ["a@x", "b@x", "c@x"] {
            l.reserve(email, Some(ip)).unwrap().failed();
        }
        assert!(l.reserve("d@x", Some(ip)).is_err());
        assert!(l.reserve("d@x", Some("10.0.0.3".parse().unwrap())).is_ok());
    }

    #[test]
    fn success_clears_the_account_count_but_not_the_address_count() {
        let l = limiter(2, 3);
        let ip: IpAddr = "10.0.0.4".parse().unwrap();
        l.reserve("a@x", Some(ip)).unwrap().failed();
        l.reserve("a@x", Some(ip)).unwrap().succeeded();
        l.reserve("a@x", Some(ip)).unwrap().failed();
        assert!(l.reserve("a@x", Some(ip)).is_ok(), "the account starts counting again after a success");
        l.reserve("b@x", Some(ip)).unwrap().failed();
        assert!(l.reserve("c@x", Some(ip)).is_err(), "the address kept its failures");
    }
}
