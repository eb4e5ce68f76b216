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

/// Reads one whole `Content-Length` answer from `stream` (at most 10 s) and returns its head.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let n = stream.read(&mut buffer).await.expect("the answer is read");
            assert!(n > 0, "the server closed the connection before answering");
            received.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                    .and_then(|v| v.parse::<usize>().ok())
                    .expect("a Content-Length");
                if body.len() >= length {
                    return head.to_owned();
                }
            }
        }
    })
    .await
    .expect("an answer within 10 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_outlive_the_header_timeout_and_close_at_the_keep_alive_timeout() {
    let header_timeout = Duration::from_millis(500);
    let keep_alive = Duration::from_secs(4);
    let app = spawn_app_with(TestDatabase::sqlite().await, |s| {
        s.header_read_timeout = header_timeout;
        s.keep_alive_timeout = keep_alive;
    })
    .await;
    let address = app.base_url.trim_start_matches("http://").to_owned();

    // A keep-alive connection answers a request, then waits idle: the header timeout is not for it.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_answer(&mut idle).await.starts_with("HTTP/1.1 200"));
    let answered = std::time::Instant::now();
    assert!(closed_by_server(&mut idle, Duration::from_secs(30)).await, "an idle connection is closed in the end");
    let idle_for = answered.elapsed();
    // Timers never fire early: a close before the keep-alive timeout is the header timeout's doing.
    assert!(
        idle_for >= keep_alive - Duration::from_millis(100),
        "the idle connection was closed after {idle_for:?}, before the {keep_alive:?} keep-alive timeout \
         (the header timeout is {header_timeout:?})"
    );

    // Between requests, a connection may idle well past the header timeout and still be served.
    let mut reused = TcpStream::connect(&address).await.unwrap();
    reused.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_answer(&mut reused).await.starts_with("HTTP/1.1 200"));
    assert!(
        !closed_by_server(&mut reused, header_timeout * 4).await,
        "an idle keep-alive connection was closed at the header timeout"
    );
    reused.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_answer(&mut reused).await.starts_with("HTTP/1.1 200"), "the kept-alive connection serves again");

    // A request head that stops half-way is still closed at the header timeout, on a new connection
    // and on one that served a request before.
    let mut half = TcpStream::connect(&address).await.unwrap();
    half.write_all(HALF_SENT).await.unwrap();
    let started = std::time::Instant::now();
    assert!(closed_by_server(&mut half, Duration::from_secs(30)).await, "a half-sent head is closed");
    assert!(started.elapsed() < keep_alive, "a half-sent head was kept for {:?}", started.elapsed());
    reused.write_all(HALF_SENT).await.unwrap();
    let started = std::time::Instant::now();
    assert!(closed_by_server(&mut reused, Duration::from_secs(30)).await, "a half-sent second head is closed");
    assert!(started.elapsed() < keep_alive, "a half-sent second head was kept for {:?}", started.elapsed());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_its_answers_is_disconnected_after_the_send_timeout() {
    let send_timeout = Duration::from_millis(500);
    let app = spawn_app_with(TestDatabase::sqlite().await, |s| {
        s.send_timeout = send_timeout;
        // Only the send timeout may end the connection in this test.
        s.keep_alive_timeout = Duration::from_secs(300);
    })
    .await;
    let document = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().bytes().await.unwrap().len();
    // Far more answer than the sockets' buffers hold, asked for at once (HTTP/1.1 pipelining).
    let requests = (64 * 1024 * 1024 / document).max(50);
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let address = app.base_url.trim_start_matches("http://").parse().unwrap();
    let mut stream = socket.connect(address).await.unwrap();
    let pipeline = "GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(requests);
    stream.write_all(pipeline.as_bytes()).await.unwrap();

    // The client reads nothing for several send timeouts: that is the misbehaviour under test, not a
    // wait for something to happen (there is nothing to observe without reading).
    tokio::time::sleep(send_timeout * 6).await;
    let mut received = 0usize;
    let mut buffer = vec![0u8; 64 * 1024];
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received += n,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the connection was neither closed nor finished within 60 s");
    assert!(
        received < requests * document,
        "all {requests} answers were sent ({received} bytes): the stalled connection was kept"
    );
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200, "the server serves everyone else");
    app.stop().await;
}
