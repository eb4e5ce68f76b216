//! Where each endpoint's due rows start, as far as this process's claims have seen: Postgres only.
//!
//! On Postgres every claim and every record leaves the index entry of the row's previous due time
//! dead (MVCC) until a vacuum removes it, and those dead entries lie at the front of the endpoint's
//! range of the `(endpoint, due time)` index, where its claim starts reading. Without a vacuum
//! (`autovacuum = off`, or between two of its runs on a busy table) each claim read past every row
//! the endpoint ever delivered: at a million rows a claim cost milliseconds per endpoint, and delivery
//! fell to a fifth of its rate. So a claim starts at the endpoint's *front*: the due time of the
//! newest row an earlier claim took, less [`SLACK`]. Every row due before the front was taken by that
//! claim or an earlier one (a claim takes in due order), so the rows before it are dead or claimed.
//!
//! A row can still become due behind the front: a transaction that chose its due time more than
//! [`SLACK`] before it committed, another process whose clock is behind, or a retry schedule resumed
//! after a manual resend at a time already past. A front is therefore forgotten [`LIFETIME`] after it
//! was learnt, and the next claim of the endpoint reads its range from the start: such a row waits at
//! most that long. SQLite updates its index in place, leaves nothing dead, and keeps no fronts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use app::timestamp::Timestamp;

use super::{Channel, EndpointKey};

/// How far before the front a claim starts: a transaction commits within this of choosing its due time.
const SLACK: Duration = Duration::from_secs(5);

/// How long a front is used before a claim reads the endpoint's range from the start again.
pub const LIFETIME: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
struct Front {
    /// The latest due time a claim took of the endpoint.
    at: Timestamp,
    /// When the first of those claims was made: the front is forgotten [`LIFETIME`] later.
    learnt: Instant,
}

/// The fronts of the endpoints this process claims (shared by the store's clones).
#[derive(Debug, Clone, Default)]
pub(in crate::store) struct ClaimFronts {
    fronts: Arc<Mutex<HashMap<(Channel, EndpointKey), Front>>>,
}

impl ClaimFronts {
    /// The due time a claim of `endpoint` starts reading at (`None`: from the start). A front past its
    /// lifetime is forgotten here, so this claim reads from the start and learns it again.
    pub(super) fn start(&self, channel: Channel, endpoint: &EndpointKey) -> Option<Timestamp> {
        let mut fronts = self.fronts.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (channel, endpoint.clone());
        let front = *fronts.get(&key)?;
        if front.learnt.elapsed() > LIFETIME {
            fronts.remove(&key);
            return None;
        }
        Some(front.start())
    }

    /// Where each endpoint of `channel` with a front starts (the others start at the start): for the
    /// looks for due work, which read the same index range as a claim. Fronts past their lifetime are
    /// forgotten here too, so a row due behind one is found by a look as well as claimed.
    pub(super) fn starts(&self, channel: Channel) -> Vec<(EndpointKey, Timestamp)> {
        let mut fronts = self.fronts.lock().unwrap_or_else(PoisonError::into_inner);
        fronts.retain(|_, front| front.learnt.elapsed() <= LIFETIME);
        fronts
            .iter()
            .filter(|((of, _), _)| *of == channel)
            .map(|((_, key), front)| (key.clone(), front.start()))
            .collect()
    }

    /// A claim took a row of `endpoint` that was due at `due`.
    pub(super) fn took(&self, channel: Channel, endpoint: &EndpointKey, due: Timestamp) {
        let mut fronts = self.fronts.lock().unwrap_or_else(PoisonError::into_inner);
        fronts
            .entry((channel, endpoint.clone()))
            .and_modify(|front| front.at = Timestamp::from_micros(front.at.as_micros().max(due.as_micros())))
            .or_insert(Front { at: due, learnt: Instant::now() });
    }
}

impl Front {
    fn start(&self) -> Timestamp {
        let slack = i64::try_from(SLACK.as_micros()).unwrap_or(i64::MAX);
        Timestamp::from_micros(self.at.as_micros().saturating_sub(slack))
    }
}

#[cfg(test)]
mod tests {
    use app::vocab::Environment;

    use super::*;

    fn endpoint(client: &str) -> EndpointKey {
        EndpointKey { client_uuid: client.to_owned(), environment: Environment::Production }
    }

    #[test]
    fn a_claim_starts_slack_before_the_latest_due_time_taken_of_its_endpoint_only() {
        let fronts = ClaimFronts::default();
        let (a, b) = (endpoint("a"), endpoint("b"));
        let t = Timestamp::from_micros(1_000_000_000_000);
        assert_eq!(fronts.start(Channel::Notification, &a), None, "nothing taken yet: from the start");
        fronts.took(Channel::Notification, &a, t.plus_seconds(10));
        fronts.took(Channel::Notification, &a, t);
        assert_eq!(fronts.start(Channel::Notification, &a), Some(t.plus_seconds(5)), "the latest, less the slack");
        assert_eq!(fronts.start(Channel::Notification, &b), None, "another endpoint");
        assert_eq!(fronts.start(Channel::Data, &a), None, "another channel");
        assert_eq!(fronts.starts(Channel::Notification), [(a.clone(), t.plus_seconds(5))]);
        assert!(fronts.starts(Channel::Data).is_empty());
    }
}
