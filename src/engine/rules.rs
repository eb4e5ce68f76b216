//! The rules recording applies to a delivery's outcome, beyond the retry schedule: what becomes of a
//! notification whose endpoint is no longer active, and when an endpoint is disabled. The store
//! carries them out inside its recording transaction ([`RecordRules`]); they are decided here.

use std::time::Duration;

use app::timestamp::Timestamp;
use app::vocab::{DisabledReason, NotificationStatus, SubscriptionState};

use crate::store::{EndpointHealth, NextState, RecordRules};

/// The engine's rules.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryRules {
    /// An endpoint failing without a single success for this long is disabled.
    pub disable_after: Duration,
}

impl RecordRules for DeliveryRules {
    /// A notification still waiting for an attempt (pending or retrying) is not left due on an endpoint
    /// that stopped taking deliveries: it is `held` while the endpoint is disabled (sent when it is
    /// re-enabled) and `not_subscribed` while the add-on is off (recorded, not sent). Any other
    /// outcome (delivered, failed) stands.
    fn settle(&self, next: &NextState, subscription: SubscriptionState) -> NextState {
        let waiting = matches!(next.status, NotificationStatus::Pending | NotificationStatus::Retrying);
        let parked = match subscription {
            SubscriptionState::Active => return next.clone(),
            SubscriptionState::Disabled => NotificationStatus::Held,
            SubscriptionState::Inactive => NotificationStatus::NotSubscribed,
        };
        if waiting { NextState { status: parked, next_attempt_at: None, resume_at: None } } else { next.clone() }
    }

    /// A 410 Gone disables an active endpoint at once; failing without a success for `disable_after`
    /// disables it too. An endpoint already switched off or disabled stays as it is.
    fn disables(&self, health: &EndpointHealth, now: Timestamp) -> Option<DisabledReason> {
        if health.subscription != SubscriptionState::Active {
            return None;
        }
        if health.gone {
            return Some(DisabledReason::Gone);
        }
        let since = health.failing_since?;
        let limit = i64::try_from(self.disable_after.as_micros()).unwrap_or(i64::MAX);
        let failing_long = now.as_micros().saturating_sub(since.as_micros()) >= limit;
        let no_success_since = health.last_success_at.is_none_or(|success| success < since);
        (failing_long && no_success_since).then_some(DisabledReason::Failing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp::from_micros(10_000_000_000_000);
    const DAY: i64 = 86_400;

    fn rules() -> DeliveryRules {
        DeliveryRules { disable_after: Duration::from_secs(5 * 86_400) }
    }

    fn retrying() -> NextState {
        NextState { status: NotificationStatus::Retrying, next_attempt_at: Some(NOW.plus_seconds(60)), resume_at: None }
    }

    fn health(failing_days: Option<i64>, success_days_ago: Option<i64>) -> EndpointHealth {
        EndpointHealth {
            subscription: SubscriptionState::Active,
            failing_since: failing_days.map(|d| NOW.plus_seconds(-d * DAY)),
            last_success_at: success_days_ago.map(|d| NOW.plus_seconds(-d * DAY)),
            consecutive_failures: 3,
            gone: false,
        }
    }

    #[test]
    fn a_waiting_notification_follows_its_endpoint_and_an_outcome_stands() {
        let r = rules();
        assert_eq!(r.settle(&retrying(), SubscriptionState::Active), retrying());
        let held = r.settle(&retrying(), SubscriptionState::Disabled);
        assert_eq!((held.status, held.next_attempt_at), (NotificationStatus::Held, None));
        let off = r.settle(&retrying(), SubscriptionState::Inactive);
        assert_eq!((off.status, off.next_attempt_at), (NotificationStatus::NotSubscribed, None));
        let delivered = NextState { status: NotificationStatus::Delivered, next_attempt_at: None, resume_at: None };
        assert_eq!(r.settle(&delivered, SubscriptionState::Disabled), delivered);
    }

    #[test]
    fn gone_disables_at_once_and_failing_only_after_the_period_without_a_success() {
        let r = rules();
        assert_eq!(
            r.disables(&EndpointHealth { gone: true, ..health(None, Some(0)) }, NOW),
            Some(DisabledReason::Gone)
        );
        assert_eq!(r.disables(&health(Some(4), Some(6)), NOW), None, "failing for 4 days");
        assert_eq!(r.disables(&health(Some(5), Some(6)), NOW), Some(DisabledReason::Failing));
        assert_eq!(r.disables(&health(Some(6), None), NOW), Some(DisabledReason::Failing), "never succeeded");
        assert_eq!(r.disables(&health(None, Some(0)), NOW), None, "its last attempt succeeded");
        let off = EndpointHealth { subscription: SubscriptionState::Inactive, gone: true, ..health(Some(9), None) };
        assert_eq!(r.disables(&off, NOW), None, "only an active endpoint is disabled");
    }
}
