//! Where each endpoint's due rows start, as far as this process's claims have seen: Postgres only.
//!
//! On Postgres every claim and every record leaves the index entry of the row's previous due time
//! dead (MVCC) until a vacuum removes it, and those dead entries lie at the front of the endpoint's
//! range of the `(endpoint, due time)` index, where its claim starts reading. Without a vacuum
//! (`autovacuum = off`, or between two of its runs on a busy table) each claim, and each look for
//! endpoints with due work, read past every row the endpoint ever delivered: at a million rows one
//! look read 48,000 pages (250 ms), and delivering while ingesting fell to a fifth of the ingest rate.
//! So claims and looks start at the endpoint's *front*: the due time of the newest row a claim took,
//! less [`SLACK`]. Every row due before it was taken by that claim or an earlier one (a claim takes in
//! due order), so what lies there is dead or claimed.
//!
//! A row can still become due behind the front: a transaction that chose its due time more than
//! [`SLACK`] before it committed, another process whose clock is behind, or a retry schedule resumed
//! after a manual resend at a time already past. [`Store::sweep_fronts`], which the engine runs every
//! few seconds away from the dispatcher, reads past the dead entries once per endpoint to find such a
//! row, and forgets that endpoint's front: its next claim reads from the start. SQLite updates its
//! index in place, leaves nothing dead, and keeps no fronts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::timestamp::Timestamp;

use super::{Channel, EndpointKey};
use crate::store::error::parse_stored;
use crate::store::{Dialect, JsonColumn, Placeholders, Store, StoreError, json_param};

/// How far before the front a claim starts: a transaction commits within this of choosing its due time.
const SLACK: Duration = Duration::from_secs(5);

/// The fronts of the endpoints this process claims (shared by the store's clones): the latest due
/// time a claim took of each.
#[derive(Debug, Clone, Default)]
pub(in crate::store) struct ClaimFronts {
    fronts: Arc<Mutex<HashMap<(Channel, EndpointKey), Timestamp>>>,
}

impl ClaimFronts {
    /// The due time a claim or a look at `endpoint` starts reading at (`None`: from the start).
    pub(super) fn start(&self, channel: Channel, endpoint: &EndpointKey) -> Option<Timestamp> {
        let fronts = self.fronts.lock().unwrap_or_else(PoisonError::into_inner);
        fronts.get(&(channel, endpoint.clone())).map(|at| start_at(*at))
    }

    /// Where each endpoint of `channel` with a front starts (the others start at the start).
    pub(super) fn starts(&self, channel: Channel) -> Vec<(EndpointKey, Timestamp)> {
        let fronts = self.fronts.lock().unwrap_or_else(PoisonError::into_inner);
        fronts.iter().filter(|((of, _), _)| *of == channel).map(|((_, key), at)| (key.clone(), start_at(*at))).collect()
    }

    /// A claim took a row of `endpoint` that was due at `due`.
    pub(super) fn took(&self, channel: Channel, endpoint: &EndpointKey, due: Timestamp) {
        let mut fronts = self.fronts.lock().unwrap_or_else(PoisonError::into_inner);
        let at = fronts.entry((channel, endpoint.clone())).or_insert(due);
        *at = Timestamp::from_micros(at.as_micros().max(due.as_micros()));
    }

    /// Forgets the fronts of `endpoints`: their next claim reads from the start.
    fn forget(&self, channel: Channel, endpoints: &[EndpointKey]) {
        let mut fronts = self.fronts.lock().unwrap_or_else(PoisonError::into_inner);
        for endpoint in endpoints {
            fronts.remove(&(channel, endpoint.clone()));
        }
    }
}

/// A list of fronts as one statement parameter: a subquery of rows (`client_uuid`, `environment`,
/// `start`), whose parameter is [`starts_param`].
pub(super) fn starts_rows(placeholders: &mut Placeholders) -> String {
    placeholders.json_rows(&[
        ("client_uuid", JsonColumn::Text),
        ("environment", JsonColumn::Text),
        ("start", JsonColumn::Integer),
    ])
}

/// The parameter of [`starts_rows`].
pub(super) fn starts_param(starts: &[(EndpointKey, Timestamp)]) -> Result<String, StoreError> {
    let rows: Vec<(&str, &str, i64)> = starts
        .iter()
        .map(|(key, start)| (key.client_uuid.as_str(), key.environment.as_str(), start.as_micros()))
        .collect();
    json_param(&rows)
}

fn start_at(front: Timestamp) -> Timestamp {
    let slack = i64::try_from(SLACK.as_micros()).unwrap_or(i64::MAX);
    Timestamp::from_micros(front.as_micros().saturating_sub(slack))
}

impl Store {
    /// Finds the endpoints with a row due behind their front (see the module's documentation) and
    /// forgets their fronts, so their next claim and look read from the start; returns how many. Each
    /// endpoint's probe reads past its dead index entries: the engine runs this on its own, every few
    /// seconds, never in the dispatcher's way. Nothing to do on SQLite.
    pub async fn sweep_fronts(&self) -> Result<usize, StoreError> {
        if self.dialect != Dialect::Postgres {
            return Ok(0);
        }
        let mut forgotten = 0;
        for channel in [Channel::Notification, Channel::Data] {
            let starts = self.fronts.starts(channel);
            if starts.is_empty() {
                continue;
            }
            let fronts = starts_rows(&mut Placeholders::for_dialect(self.dialect));
            let sql = format!(
                "SELECT f.client_uuid, f.environment FROM ({fronts}) f WHERE EXISTS ( \
                   SELECT 1 FROM {table} t WHERE t.client_uuid = f.client_uuid AND t.environment = f.environment \
                   AND t.next_attempt_at IS NOT NULL AND t.next_attempt_at < f.start)",
                table = channel.table()
            );
            let behind: Vec<(String, String)> =
                sqlx::query_as(&sql).bind(starts_param(&starts)?).fetch_all(&self.read).await?;
            let behind = behind
                .into_iter()
                .map(|(client_uuid, env)| {
                    Ok(EndpointKey { client_uuid, environment: parse_stored(&env, "environments.environment")? })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            self.fronts.forget(channel, &behind);
            forgotten += behind.len();
        }
        Ok(forgotten)
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
        fronts.forget(Channel::Notification, std::slice::from_ref(&a));
        assert_eq!(fronts.start(Channel::Notification, &a), None, "forgotten: from the start again");
    }
}
