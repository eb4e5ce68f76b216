//! Sign-in rate limiting: failed attempts are counted per account and per client address over a
//! window; past the limit, further attempts are refused until the window has passed, even with the
//! right password (so guessing cannot continue by brute force).
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

impl LoginLimiter {
    pub(super) fn new(limits: LoginLimits) -> Self {
        LoginLimiter { limits, failures: Mutex::new(HashMap::new()) }
    }

    /// `Err(retry_after)` when the account or the address is locked out now.
    pub(super) fn check(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.retain(|_, f| now.duration_since(f.first_at) < self.limits.window);
        let locked = |key: &Key, max: u32| {
            failures
                .get(key)
                .filter(|f| f.count >= max)
                .map(|f| self.limits.window.saturating_sub(now.duration_since(f.first_at)))
        };
        let by_account = locked(&Key::Account(email.to_owned()), self.limits.max_failures_per_account);
        let by_address = address.and_then(|a| locked(&Key::Address(a), self.limits.max_failures_per_address));
        match by_account.into_iter().chain(by_address).max() {
            Some(wait) => Err(wait.max(Duration::from_secs(1))),
            None => Ok(()),
        }
    }

    /// Records a failed attempt against the account and the address.
    pub(super) fn record_failure(&self, email: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let keys = std::iter::once(Key::Account(email.to_owned())).chain(address.map(Key::Address));
        for key in keys {
            let entry = failures.entry(key).or_insert(Failures { count: 0, first_at: now });
            entry.count += 1;
        }
    }

    /// Forgets the account's failures after a successful sign-in (the address keeps its count, so one
    /// valid account cannot be used to reset an address that is guessing others).
    pub(super) fn record_success(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&Key::Account(email.to_owned()));
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
        assert!(l.check("a@x", Some(ip)).is_ok());
        l.record_failure("a@x", Some(ip));
        assert!(l.check("a@x", Some(ip)).is_ok());
        l.record_failure("a@x", Some(ip));
        assert!(l.check("a@x", Some(ip)).is_err());
        assert!(l.check("b@x", Some(ip)).is_ok(), "another account from the same address is not locked");
    }

    #[test]
    fn an_address_is_locked_across_accounts() {
        let l = limiter(100, 3);
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        for email in ["a@x", "b@x", "c@x"] {
            l.record_failure(email, Some(ip));
        }
        assert!(l.check("d@x", Some(ip)).is_err());
        assert!(l.check("d@x", Some("10.0.0.3".parse().unwrap())).is_ok());
    }

    #[test]
    fn success_clears_the_account_count() {
        let l = limiter(2, 100);
        l.record_failure("a@x", None);
        l.record_success("a@x");
        l.record_failure("a@x", None);
        assert!(l.check("a@x", None).is_ok());
    }
}
