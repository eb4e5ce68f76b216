//! Fairness under hung receivers: endpoints that accept the connection and never answer hold only
//! what they already have; the other endpoints keep being delivered to.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::support::{TestDatabase, TestReceiver, spawn_app_with, wait};

/// A receiver that accepts every connection, reads what comes, and never answers.
struct HungReceiver {
    url: String,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HungReceiver {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hung", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 4096];
                    while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
                });
            }
        });
        HungReceiver { url, accepted, task }
    }
}

impl Drop for HungReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn endpoints_that_never_answer_do_not_stop_the_others(db: TestDatabase) {
    // Few slots, and a timeout far beyond the test: only fairness can get the polite endpoint served.
    let app = spawn_app_with(db, |s| {
        s.max_in_flight = 8;
        s.max_in_flight_per_endpoint = 2;
        s.delivery_timeout = Duration::from_secs(60);
        s.claim_lease = Duration::from_secs(120);
    })
    .await;
    let mut hung = Vec::new();
    for i in 0..6 {
        let receiver = HungReceiver::start().await;
        let (client, _) = app.subscribed_client(&receiver.url).await;
        for j in 0..3 {
            app.user_created(&client, &format!("u-hung-{i}-{j}")).await;
        }
        hung.push(receiver);
    }
    // Wait until the hung endpoints hold requests open (their claims, waiting or sending, are more than
    // the process's 8 slots).
    wait::until("the hung endpoints are tried", Duration::from_secs(20), || {
        std::future::ready(hung.iter().map(|h| h.accepted.load(Ordering::SeqCst)).sum::<usize>() >= 4)
    })
    .await;

    let polite = TestReceiver::start().await;
    let (client, _) = app.subscribed_client(&polite.url("/hooks")).await;
    let users: Vec<String> = (0..10).map(|i| format!("u-polite-{i}")).collect();
    // Well within the hung requests' 60 s timeout.
    app.users_delivered(&client, &users, Duration::from_secs(20)).await;
    app.stop().await;
}

async fn an_endpoint_that_has_not_answered_gets_one_request_at_a_time(db: TestDatabase) {
    // Room for four requests per endpoint and eight in the process: without a slow start the first hung
    // endpoint would take four requests (and eight claims) at once.
    let app = spawn_app_with(db, |s| {
        s.max_in_flight = 8;
        s.max_in_flight_per_endpoint = 4;
        s.delivery_timeout = Duration::from_secs(60);
        s.claim_lease = Duration::from_secs(120);
    })
    .await;
    let mut hung = Vec::new();
    for i in 0..3 {
        let receiver = HungReceiver::start().await;
        let (client, _) = app.subscribed_client(&receiver.url).await;
        for j in 0..4 {
            app.user_created(&client, &format!("u-hung-{i}-{j}")).await;
        }
        hung.push(receiver);
    }
    // An endpoint that answers is served at its full width meanwhile.
    let polite = TestReceiver::start().await;
    let (client, _) = app.subscribed_client(&polite.url("/hooks")).await;
    let users: Vec<String> = (0..20).map(|i| format!("u-polite-{i}")).collect();
    app.users_delivered(&client, &users, Duration::from_secs(20)).await;
    wait::until("every hung endpoint is tried", Duration::from_secs(20), || {
        std::future::ready(hung.iter().all(|h| h.accepted.load(Ordering::SeqCst) >= 1))
    })
    .await;

    // A hung request never ends within the test (60 s timeout), and an endpoint with one in flight that
    // has never answered gets no second: one connection each.
    let accepted: Vec<usize> = hung.iter().map(|h| h.accepted.load(Ordering::SeqCst)).collect();
    assert_eq!(accepted, vec![1, 1, 1], "requests each hung endpoint received");
    app.stop().await;
}

crate::on_both_backends!(
    endpoints_that_never_answer_do_not_stop_the_others,
    an_endpoint_that_has_not_answered_gets_one_request_at_a_time
);
