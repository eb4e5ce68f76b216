//! Each client API key's request rate: a token bucket per key, refilled at `per_second` up to `burst`.
//! A request takes one token; a bulk resend also takes one per item it queues, so a key cannot queue
//! ten thousand deliveries for the price of one request.
//!
//! The buckets live in this process's memory: unlike sign-in failures (`login_limit.rs`, counted in
//! the database because a guesser must not get the limit again from each process), a request budget
//! that allows each of N processes its own rate still bounds a key to N times it, and counting in the
//! database would cost a write on every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A key's rate, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct KeyRate {
    /// Tokens added per second.
    pub per_second: f64,
    /// The most tokens a key can save up (and the largest request a fresh key may make at once).
    pub burst: u32,
}

impl Default for KeyRate {
    /// The command line's defaults: 10 requests a second, 100 at once.
    fn default() -> Self {
        KeyRate { per_second: 10.0, burst: 100 }
    }
}

/// The buckets of every key this process has seen.
pub(super) struct KeyRateLimiter {
    rate: KeyRate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl KeyRateLimiter {
    pub fn new(rate: KeyRate) -> Self {
        KeyRateLimiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes `n` tokens from the key's bucket, or answers how long until it holds them.
    pub fn take(&self, key_id: &str, n: u32) -> Result<(), Duration> {
        self.with_bucket(key_id, |bucket, rate| {
            let n = f64::from(n);
            if bucket.tokens >= n {
                bucket.tokens -= n;
                Ok(())
            } else {
                Err(Duration::from_secs_f64((n - bucket.tokens) / rate.per_second))
            }
        })
    }

    /// Takes as many whole tokens as the bucket holds, up to `at_most` (at least one, or how long
    /// until there is one): what a bulk resend may queue now. Give back what it did not use.
    pub fn take_up_to(&self, key_id: &str, at_most: u32) -> Result<u32, Duration> {
        self.with_bucket(key_id, |bucket, rate| {
            let whole = bucket.tokens.floor().min(f64::from(at_most));
            if whole < 1.0 {
                return Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate.per_second));
            }
            bucket.tokens -= whole;
            // `whole` is a whole number between 1 and `at_most`.
            Ok(whole as u32)
        })
    }

    /// Gives back tokens taken and not used (never beyond the burst).
    pub fn give_back(&self, key_id: &str, n: u32) {
        let _ = self.with_bucket(key_id, |bucket, rate| -> Result<(), Duration> {
            bucket.tokens = (bucket.tokens + f64::from(n)).min(f64::from(rate.burst));
            Ok(())
        });
    }

    /// Runs `f` on the key's bucket refilled up to now.
    fn with_bucket<T>(
        &self,
        key_id: &str,
        f: impl FnOnce(&mut Bucket, KeyRate) -> Result<T, Duration>,
    ) -> Result<T, Duration> {
        let now = Instant::now();
        let rate = self.rate;
        let burst = f64::from(rate.burst.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        // Full buckets are forgotten: a key not used for a while needs no memory.
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate.per_second < burst);
        }
        let bucket = buckets.entry(key_id.to_owned()).or_insert(Bucket { tokens: burst, at: now });
        let refilled = bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate.per_second;
        *bucket = Bucket { tokens: refilled.min(burst), at: now };
        f(bucket, rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_for_the_refill() {
        let limiter = KeyRateLimiter::new(KeyRate { per_second: 1.0, burst: 3 });
        for _ in 0..3 {
            limiter.take("k", 1).unwrap();
        }
        let wait = limiter.take("k", 1).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.take("other", 1).is_ok(), "each key has its own bucket");
    }

    #[test]
    fn a_bulk_take_is_bounded_by_what_the_bucket_holds_and_unused_tokens_come_back() {
        let limiter = KeyRateLimiter::new(KeyRate { per_second: 0.001, burst: 5 });
        assert_eq!(limiter.take_up_to("k", 10_000).unwrap(), 5);
        assert!(limiter.take_up_to("k", 10).is_err());
        limiter.give_back("k", 2);
        assert_eq!(limiter.take_up_to("k", 10).unwrap(), 2);
    }
}
