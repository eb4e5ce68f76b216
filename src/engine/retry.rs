//! When to try again: the retry schedule and what an attempt's result means for its notification.

use std::str::FromStr;
use std::time::Duration;

use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, NotificationStatus};
use rand::Rng;

use crate::store::{ClaimedDelivery, NextState};

/// Delays after each failed attempt: the n-th entry is the wait after the n-th failure; after the last
/// one the notification is `failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl RetrySchedule {
    /// The default Notification Webhook schedule: `10s,1m,10m,1h,2h,24h,48h`.
    pub fn notifications_default() -> Self {
        "10s,1m,10m,1h,2h,24h,48h".parse().expect("the default schedule parses")
    }
}

impl FromStr for RetrySchedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("none") {
            return Ok(RetrySchedule(Vec::new()));
        }
        s.split(',')
            .map(crate::config::parse_duration)
            .collect::<Result<Vec<_>, _>>()
            .map(RetrySchedule)
            .map_err(|e| format!("a retry schedule is a comma-separated list of durations like 10s,1m,1h: {e}"))
    }
}

impl std::fmt::Display for RetrySchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|d| humantime::format_duration(*d).to_string()).collect();
        f.write_str(&parts.join(","))
    }
}

/// The rules that turn an attempt's result into the notification's next state.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub schedule: RetrySchedule,
    /// Each delay is moved by up to this fraction either way, so retries of many notifications that
    /// failed together do not arrive together.
    pub jitter: f64,
}

/// What an attempt came to, as far as the retry rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    Succeeded,
    /// The receiver answered 410 Gone: its endpoint is disabled and the notification held.
    Gone,
    /// Any other failure, with the receiver's `Retry-After` when it sent one (429, 503).
    Failed {
        retry_after: Option<Duration>,
    },
}

impl RetryPolicy {
    /// The state of `claimed` after an attempt that ended in `result` at `now`.
    pub fn next_state(&self, claimed: &ClaimedDelivery, result: AttemptResult, now: Timestamp) -> NextState {
        let settle = |status| NextState { status, next_attempt_at: None, resume_at: None };
        let retry_after = match result {
            AttemptResult::Succeeded => return settle(NotificationStatus::Delivered),
            AttemptResult::Gone => return settle(NotificationStatus::Held),
            AttemptResult::Failed { retry_after } => retry_after,
        };
        if claimed.is_test || claimed.trigger == AttemptTrigger::Test {
            // A test is a single attempt: its result is what the person asked to see.
            return settle(NotificationStatus::Failed);
        }
        if matches!(claimed.trigger, AttemptTrigger::Resend | AttemptTrigger::BulkResend) {
            // A failed manual attempt changes nothing that was planned or achieved before it.
            if let Some(resume_at) = claimed.resume_at {
                return NextState {
                    status: NotificationStatus::Retrying,
                    next_attempt_at: Some(resume_at),
                    resume_at: None,
                };
            }
            match claimed.status {
                NotificationStatus::Delivered | NotificationStatus::Failed => return settle(claimed.status),
                _ => {}
            }
        }
        // The scheduled attempts before this one = the index of this failure's delay. Manual attempts
        // do not count: a resend never takes a step away from the schedule.
        let step = claimed.scheduled_attempts as usize;
        match self.schedule.0.get(step) {
            Some(delay) => {
                let delay = self.delay_with(*delay, retry_after);
                NextState {
                    status: NotificationStatus::Retrying,
                    next_attempt_at: Some(now.plus_micros(i64::try_from(delay.as_micros()).unwrap_or(i64::MAX))),
                    resume_at: None,
                }
            }
            None => settle(NotificationStatus::Failed),
        }
    }

    /// The jittered delay, moved later by `Retry-After` but never earlier, and at most to twice the
    /// scheduled delay.
    fn delay_with(&self, scheduled: Duration, retry_after: Option<Duration>) -> Duration {
        let jittered = if self.jitter > 0.0 {
            let factor = rand::thread_rng().gen_range((1.0 - self.jitter)..=(1.0 + self.jitter));
            scheduled.mul_f64(factor)
        } else {
            scheduled
        };
        match retry_after {
            Some(wanted) if wanted > jittered => wanted.min(scheduled * 2),
            _ => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Channel, EndpointKey};
    use app::vocab::{Environment, NotificationType};

    fn claimed(attempt_count: u32, trigger: AttemptTrigger, status: NotificationStatus) -> ClaimedDelivery {
        ClaimedDelivery {
            id: "n".into(),
            channel: Channel::Notification,
            endpoint: EndpointKey { client_uuid: "c".into(), environment: Environment::Sandbox },
            notification_type: Some(NotificationType::UserCreated),
            data: None,
            user_id: None,
            occurred_at: Timestamp::from_micros(0),
            created_at: Timestamp::from_micros(0),
            is_test: false,
            body: Some(bytes::Bytes::new()),
            status,
            attempt_count,
            scheduled_attempts: attempt_count,
            resend_mark: None,
            trigger,
            triggered_by: None,
            resume_at: None,
            lease: Timestamp::from_micros(0),
            send_at: None,
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy { schedule: "10s,1m".parse().unwrap(), jitter: 0.0 }
    }

    const NOW: Timestamp = Timestamp::from_micros(1_000_000_000_000);

    #[test]
    fn failures_follow_the_schedule_then_fail() {
        let p = policy();
        let failed = AttemptResult::Failed { retry_after: None };
        let first = p.next_state(&claimed(0, AttemptTrigger::Schedule, NotificationStatus::Pending), failed, NOW);
        assert_eq!(first.status, NotificationStatus::Retrying);
        assert_eq!(first.next_attempt_at, Some(NOW.plus_seconds(10)));
        let second = p.next_state(&claimed(1, AttemptTrigger::Schedule, NotificationStatus::Retrying), failed, NOW);
        assert_eq!(second.next_attempt_at, Some(NOW.plus_seconds(60)));
        let last = p.next_state(&claimed(2, AttemptTrigger::Schedule, NotificationStatus::Retrying), failed, NOW);
        assert_eq!(last, NextState { status: NotificationStatus::Failed, next_attempt_at: None, resume_at: None });
    }

    #[test]
    fn retry_after_moves_later_but_at_most_twice_the_delay() {
        let p = policy();
        let c = claimed(0, AttemptTrigger::Schedule, NotificationStatus::Pending);
        let later = p.next_state(&c, AttemptResult::Failed { retry_after: Some(Duration::from_secs(15)) }, NOW);
        assert_eq!(later.next_attempt_at, Some(NOW.plus_seconds(15)));
        let capped = p.next_state(&c, AttemptResult::Failed { retry_after: Some(Duration::from_secs(3600)) }, NOW);
        assert_eq!(capped.next_attempt_at, Some(NOW.plus_seconds(20)));
        let earlier = p.next_state(&c, AttemptResult::Failed { retry_after: Some(Duration::from_secs(1)) }, NOW);
        assert_eq!(earlier.next_attempt_at, Some(NOW.plus_seconds(10)), "never earlier");
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let p = RetryPolicy { schedule: "100s".parse().unwrap(), jitter: 0.1 };
        let c = claimed(0, AttemptTrigger::Schedule, NotificationStatus::Pending);
        for _ in 0..200 {
            let at = p.next_state(&c, AttemptResult::Failed { retry_after: None }, NOW).next_attempt_at.unwrap();
            let secs = (at.as_micros() - NOW.as_micros()) as f64 / 1e6;
            assert!((90.0..=110.0).contains(&secs), "{secs}");
        }
    }

    #[test]
    fn a_failed_resend_restores_the_planned_retry_or_keeps_the_final_state() {
        let p = policy();
        let failed = AttemptResult::Failed { retry_after: None };
        let mut c = claimed(1, AttemptTrigger::Resend, NotificationStatus::Retrying);
        c.resume_at = Some(NOW.plus_seconds(500));
        let next = p.next_state(&c, failed, NOW);
        assert_eq!(next.status, NotificationStatus::Retrying);
        assert_eq!(next.next_attempt_at, Some(NOW.plus_seconds(500)));
        let after_failed = p.next_state(&claimed(8, AttemptTrigger::Resend, NotificationStatus::Failed), failed, NOW);
        assert_eq!(after_failed.status, NotificationStatus::Failed);
        let after_delivered =
            p.next_state(&claimed(1, AttemptTrigger::BulkResend, NotificationStatus::Delivered), failed, NOW);
        assert_eq!(after_delivered.status, NotificationStatus::Delivered);
    }

    #[test]
    fn manual_attempts_do_not_use_up_the_schedule() {
        let p = policy();
        let failed = AttemptResult::Failed { retry_after: None };
        // One scheduled attempt and one failed resend so far: the next scheduled failure is the second
        // step of the schedule, not the end of it.
        let mut c = claimed(2, AttemptTrigger::Schedule, NotificationStatus::Retrying);
        c.scheduled_attempts = 1;
        let next = p.next_state(&c, failed, NOW);
        assert_eq!(next.status, NotificationStatus::Retrying);
        assert_eq!(next.next_attempt_at, Some(NOW.plus_seconds(60)));
    }

    #[test]
    fn success_delivers_and_gone_holds_and_tests_never_retry() {
        let p = policy();
        let c = claimed(0, AttemptTrigger::Schedule, NotificationStatus::Pending);
        assert_eq!(p.next_state(&c, AttemptResult::Succeeded, NOW).status, NotificationStatus::Delivered);
        assert_eq!(p.next_state(&c, AttemptResult::Gone, NOW).status, NotificationStatus::Held);
        let test = claimed(0, AttemptTrigger::Test, NotificationStatus::Pending);
        assert_eq!(
            p.next_state(&test, AttemptResult::Failed { retry_after: None }, NOW).status,
            NotificationStatus::Failed
        );
    }

    #[test]
    fn schedules_parse_and_print() {
        let s: RetrySchedule = "1s, 2m,1h".parse().unwrap();
        assert_eq!(s.0, vec![Duration::from_secs(1), Duration::from_secs(120), Duration::from_secs(3600)]);
        assert!("1s,soon".parse::<RetrySchedule>().is_err());
        assert_eq!(RetrySchedule::notifications_default().0.len(), 7);
    }
}
