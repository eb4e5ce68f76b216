//! Graceful shutdown and slow clients: a client that never finishes its request neither keeps the
//! server from stopping nor holds its connection for ever.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::process::ServeProcess;
use crate::support::{TestDatabase, spawn_app_with};

/// A request line and a header, without the blank line that ends the headers.
const HALF_SENT: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n";

/// Reads until the server closes the connection (or answers), for at most `within`. `true` when the
/// server ended it.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = vec![0u8; 4096];
    let read = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    read.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_within_the_grace_period_while_clients_hold_connections_open() {
    let app = spawn_app_with(TestDatabase::sqlite().await, |s| {
        s.shutdown_grace = Duration::from_secs(2);
        // Long enough that only the shutdown can end the half-sent request.
        s.header_read_timeout = Duration::from_secs(300);
    })
    .await;
    let address = app.base_url.trim_start_matches("http://").to_owned();
    let mut half = TcpStream::connect(&address).await.unwrap();
    half.write_all(HALF_SENT).await.unwrap();
    // A keep-alive client with an idle pooled connection, as every browser has.
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // `stop` asserts that the server stopped; the half-sent request must not keep it waiting.
    app.stop().await;
    assert!(closed_by_server(&mut half, Duration::from_secs(5)).await, "the half-sent request's connection is closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_do_not_send_their_headers_in_time_are_closed() {
    let app = spawn_app_with(TestDatabase::sqlite().await, |s| {
        s.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let address = app.base_url.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream.write_all(&HALF_SENT[..10]).await.unwrap();
        slow.push(stream);
    }
    for stream in &mut slow {
        assert!(closed_by_server(stream, Duration::from_secs(20)).await, "a slow client's connection is closed");
    }
    // The server still serves everyone else.
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_process_within_the_grace_period_despite_a_half_sent_request() {
    let db = TestDatabase::sqlite().await;
    let mut process = ServeProcess::start(
        &db.url,
        &[("ROOK_NOTIFY_SHUTDOWN_GRACE", "2s"), ("ROOK_NOTIFY_HEADER_READ_TIMEOUT", "300s")],
    )
    .await;
    let address = process.base_url.trim_start_matches("http://").to_owned();
    let mut half = TcpStream::connect(&address).await.unwrap();
    half.write_all(HALF_SENT).await.unwrap();
    process.terminate();
    let exited = process.wait_exit(Duration::from_secs(30)).await;
    assert!(exited.is_some(), "rook-notify still runs 30 s after SIGTERM with a 2 s grace period");
    assert!(exited.unwrap().success(), "a graceful stop exits 0");
}
