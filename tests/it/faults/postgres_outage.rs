//! Postgres stops and starts again under load: while it is away `/readyz` says 503 and ingest turns
//! events away (never acknowledging what it could not store); when it is back the API and the engine
//! resume by themselves and every acknowledged event is delivered.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::load::{Load, Plan};
use crate::support::app::browser_client;
use crate::support::own_postgres::OwnPostgres;
use crate::support::process::ServeProcess;
use crate::support::remote::{subscribed_client, wait_all_received};
use crate::support::wait::until;
use crate::support::{TestDatabase, TestReceiver};

const EVENTS: usize = 3_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_rides_out_a_postgres_restart_under_load() {
    let Some(cluster) = OwnPostgres::start() else { return };
    let receiver = TestReceiver::start().await;
    let server = ServeProcess::start(&cluster.url(), &[("ROOK_NOTIFY_RETRY_SCHEDULE", "300ms,300ms,300ms")]).await;
    let http = browser_client();
    let client = subscribed_client(&http, &server.base_url, &receiver.url("/outage")).await;
    let readyz = |http: reqwest::Client, url: String| async move {
        http.get(url).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    };
    let readyz_url = format!("{}/readyz", server.base_url);

    let load = Load::start(Plan {
        base_url: server.base_url.clone(),
        clients: vec![client],
        events: EVENTS,
        concurrency: 8,
        deadline: Duration::from_secs(240),
    });
    until("part of the load is acknowledged before the outage", Duration::from_secs(60), || {
        std::future::ready(load.acknowledged() >= EVENTS / 4)
    })
    .await;

    cluster.stop();
    let stopped = Instant::now();
    // Waits until `/readyz` answers `status`.
    let readyz_says = |what: &'static str, status: u16, limit: Duration| {
        let (http, readyz_url) = (&http, &readyz_url);
        until(what, limit, move || {
            let check = readyz(http.clone(), readyz_url.clone());
            async move { check.await == status }
        })
    };
    readyz_says("/readyz says 503 while the database is away", 503, Duration::from_secs(20)).await;
    let turned_away = load.turned_away();
    until("ingest turns events away while the database is away", Duration::from_secs(20), || {
        // Each of the load's tasks at least once.
        std::future::ready(load.turned_away() >= turned_away + 8)
    })
    .await;
    let acknowledged_during_outage = load.acknowledged();

    cluster.start_again();
    let back = Instant::now();
    readyz_says("/readyz is 200 again once the database is back", 200, Duration::from_secs(60)).await;
    let ready_after = back.elapsed();
    let log = load.finish().await;

    let ids: Vec<String> = log.acks.iter().map(|a| a.notification_id.clone()).collect();
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), EVENTS, "every event is acknowledged once");
    let db = TestDatabase::existing(&cluster.url());
    assert_eq!(db.query_number("SELECT COUNT(*) FROM notifications").await, EVENTS as i64);
    wait_all_received(&receiver, &ids, Duration::from_secs(120)).await;
    until("every notification is recorded as delivered", Duration::from_secs(60), || async {
        db.query_number("SELECT COUNT(*) FROM notifications WHERE status = 'delivered'").await == EVENTS as i64
    })
    .await;
    eprintln!(
        "faults::postgres_outage: {EVENTS} events; database away {:.1}s; ready {:.1}s after it was back; \
         while away the API turned away {} requests (by status {:?}, {} unanswered); all delivered",
        (back - stopped).as_secs_f64(),
        ready_after.as_secs_f64(),
        log.refused.values().sum::<usize>() + log.unanswered,
        log.refused,
        log.unanswered,
    );
    assert!(acknowledged_during_outage < EVENTS, "the outage happened during the load");
    assert!(!log.refused.contains_key(&500), "a database outage is a 503, not a 500: {:?}", log.refused);
    assert_eq!(log.without_retry_after, 0, "every 503 says when to try again");
    drop(server);
}
