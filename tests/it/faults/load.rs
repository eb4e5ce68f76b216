//! The fault tests' load generator: reports `user.created` events through the public API from several
//! concurrent tasks, as ROOK's services do — each event with its own `Idempotency-Key`, sent again
//! until it is acknowledged (202), whatever happens to the server meanwhile — and logs every
//! acknowledgement. The tasks share only an atomic counter, so the generator itself never waits on a
//! lock while the server is under test.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::support::app::ADMIN_TOKEN;

/// What to send, and where.
pub struct Plan {
    pub base_url: String,
    /// Events go to these clients' Sandbox in turn.
    pub clients: Vec<String>,
    pub events: usize,
    pub concurrency: usize,
    /// The whole load must be acknowledged within this; the test fails otherwise.
    pub deadline: Duration,
}

/// One acknowledged event.
pub struct Ack {
    pub notification_id: String,
    /// The server answered this acknowledgement from its idempotency record: an earlier request for the
    /// same event was committed, but its answer never reached us.
    pub replayed: bool,
}

/// Everything the generator saw.
#[derive(Default)]
pub struct Log {
    pub acks: Vec<Ack>,
    /// Answers other than 202, by status: each was followed by a retry of the same event.
    pub refused: BTreeMap<u16, usize>,
    /// Requests that got no answer at all (connection refused or broken): retried too.
    pub unanswered: usize,
    /// 429 and 503 answers that did not say when to come back (`Retry-After`).
    pub without_retry_after: usize,
}

/// A load in progress.
pub struct Load {
    acknowledged: Arc<AtomicUsize>,
    turned_away: Arc<AtomicUsize>,
    tasks: JoinSet<Log>,
}

impl Load {
    pub fn start(plan: Plan) -> Load {
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let turned_away = Arc::new(AtomicUsize::new(0));
        let plan = Arc::new(plan);
        let mut tasks = JoinSet::new();
        for task in 0..plan.concurrency {
            let counters = Counters { acknowledged: acknowledged.clone(), turned_away: turned_away.clone() };
            let plan = plan.clone();
            tasks.spawn(async move { run_task(&plan, task, &counters).await });
        }
        Load { acknowledged, turned_away, tasks }
    }

    /// How many events were acknowledged so far.
    pub fn acknowledged(&self) -> usize {
        self.acknowledged.load(Ordering::Relaxed)
    }

    /// How many requests were answered with something else than 202, or not at all, so far.
    pub fn turned_away(&self) -> usize {
        self.turned_away.load(Ordering::Relaxed)
    }

    /// Waits for every task to finish (each event acknowledged, or the plan's deadline failed the test).
    pub async fn finish(mut self) -> Log {
        let mut log = Log::default();
        while let Some(part) = self.tasks.join_next().await {
            let part = part.expect("a load task panicked");
            log.acks.extend(part.acks);
            for (status, n) in part.refused {
                *log.refused.entry(status).or_default() += n;
            }
            log.unanswered += part.unanswered;
            log.without_retry_after += part.without_retry_after;
        }
        log
    }
}

/// The progress the tasks report (atomics: no task waits for another).
struct Counters {
    acknowledged: Arc<AtomicUsize>,
    turned_away: Arc<AtomicUsize>,
}

async fn run_task(plan: &Plan, task: usize, counters: &Counters) -> Log {
    // A request to a killed process fails at once; the timeout only bounds a server that hangs.
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(15)).build().unwrap();
    let deadline = Instant::now() + plan.deadline;
    let mut log = Log::default();
    for event in (task..plan.events).step_by(plan.concurrency) {
        let body = json!({
            "client_uuid": plan.clients[event % plan.clients.len()],
            "environment": "sandbox",
            "type": "user.created",
            "user_id": format!("load-user-{event}"),
        });
        loop {
            assert!(Instant::now() < deadline, "event {event} was not acknowledged within {:?}", plan.deadline);
            let sent = client
                .post(format!("{}/api/v1/platform-events", plan.base_url))
                .bearer_auth(ADMIN_TOKEN)
                .header("idempotency-key", format!("fault-load-{event}"))
                .json(&body)
                .send()
                .await;
            let res = match sent {
                Ok(res) => res,
                Err(_) => {
                    log.unanswered += 1;
                    counters.turned_away.fetch_add(1, Ordering::Relaxed);
                    back_off().await;
                    continue;
                }
            };
            let status = res.status().as_u16();
            let replayed = res.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
            if matches!(status, 429 | 503) && res.headers().get("retry-after").is_none() {
                log.without_retry_after += 1;
            }
            let answer: Option<Value> = res.json().await.ok();
            match (status, answer) {
                (202, Some(answer)) => {
                    let notification_id = answer["notification_id"].as_str().expect("a notification id").to_owned();
                    log.acks.push(Ack { notification_id, replayed });
                    counters.acknowledged.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                // The answer was cut off with the process: the event may or may not be stored.
                (202, None) => log.unanswered += 1,
                (429 | 500.., _) => *log.refused.entry(status).or_default() += 1,
                (status, answer) => panic!("event {event} was refused with {status}: {answer:?}"),
            }
            counters.turned_away.fetch_add(1, Ordering::Relaxed);
            back_off().await;
        }
    }
    log
}

/// A sender's pause before it tries an event again (ROOK's services back off the same way): part of
/// the load being modelled, not a wait for anything.
async fn back_off() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}
