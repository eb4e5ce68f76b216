//! Receivers that misbehave at the byte level, against a real server process: each misbehaviour is
//! recorded as an attempt with its kind of error (or as a success, where the receiver did answer 2xx),
//! and none makes the server hold more than a bounded amount of memory.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::TestDatabase;
use crate::support::app::{ADMIN_TOKEN, browser_client};
use crate::support::process::ServeProcess;
use crate::support::remote::subscribed_client;

/// What each path of the chaos receiver does, and what the attempt must say about it:
/// (path, URL scheme, expected error kind or `None` for a success, expected status).
const CASES: &[(&str, &str, Option<&str>, Option<u64>)] = &[
    ("/nul-body", "http", Some("http_status"), Some(500)),
    ("/odd-header-bytes", "http", None, Some(200)),
    ("/nul-in-header", "http", Some("connect"), None),
    ("/ten-megabytes", "http", None, Some(200)),
    ("/drip", "http", Some("timeout"), None),
    ("/reset", "http", Some("connect"), None),
    ("/endless-chunks", "http", Some("http_status"), Some(500)),
    ("/redirect", "http", Some("http_status"), Some(302)),
    ("/gone", "http", Some("http_status"), Some(410)),
    ("/tls", "https", Some("tls"), None),
];

/// The server's peak memory must stay under this while receivers send without end (its usual peak in
/// a debug build is well under 100 MiB; a body read whole would pass this within the timeout).
const PEAK_RSS_LIMIT_KIB: u64 = 256 * 1024;

async fn every_misbehaving_receiver_is_recorded_with_its_error_and_memory_stays_bounded(db: TestDatabase) {
    let (chaos, strays) = start_chaos_receiver().await;
    let server =
        ServeProcess::start(&db.url, &[("ROOK_NOTIFY_DELIVERY_TIMEOUT", "2s"), ("ROOK_NOTIFY_RETRY_SCHEDULE", "1h")])
            .await;
    let http = browser_client();
    let mut sent = Vec::new();
    for (path, scheme, kind, status) in CASES {
        let url = format!("{scheme}://127.0.0.1:{chaos}{path}");
        let client = subscribed_client(&http, &server.base_url, &url).await;
        let res = http
            .post(format!("{}/api/v1/platform-events", server.base_url))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "client_uuid": client, "environment": "sandbox", "type": "user.created", "user_id": "u" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        let id = res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned();
        sent.push((id, *path, *kind, *status));
    }

    let mut first_attempts: HashMap<&str, Value> = HashMap::new();
    for (id, path, _, _) in &sent {
        let url = format!("{}/api/v1/notifications/{id}", server.base_url);
        let found = std::sync::Mutex::new(Value::Null);
        let (http, url, found_ref) = (&http, &url, &found);
        crate::support::wait::until(
            &format!("{path}: an attempt is recorded"),
            Duration::from_secs(30),
            || async move {
                let res = http.get(url).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
                assert_eq!(res.status(), 200, "{path}: the notification reads");
                let notification: Value = res.json().await.unwrap();
                let attempt = notification["attempts"][0].clone();
                let recorded = !attempt.is_null();
                *found_ref.lock().unwrap() = attempt;
                recorded
            },
        )
        .await;
        let attempt = found.into_inner().unwrap();
        first_attempts.insert(path, attempt);
    }

    for (_, path, kind, status) in &sent {
        let attempt = &first_attempts[path];
        assert_eq!(attempt["error_kind"].as_str(), *kind, "{path}: {attempt:#}");
        assert_eq!(attempt["response_status"].as_u64(), *status, "{path}: {attempt:#}");
        assert_eq!(attempt["succeeded"], kind.is_none(), "{path}: {attempt:#}");
        eprintln!(
            "faults::receiver_chaos [{}] {path}: {} {} {}",
            db.backend,
            attempt["error_kind"].as_str().unwrap_or("success"),
            attempt["response_status"],
            attempt["error_message"].as_str().unwrap_or_default()
        );
    }
    // What was kept of the answers is bounded, and readable whatever bytes arrived.
    for path in ["/nul-body", "/ten-megabytes", "/endless-chunks"] {
        let body = first_attempts[path]["response_body"].as_str().unwrap_or_default();
        assert!(body.len() <= 16 * 1024 + 3, "{path}: kept {} bytes of its answer", body.len());
    }
    assert!(first_attempts["/nul-body"]["response_body"].as_str().unwrap().contains('\u{FFFD}'));
    assert!(first_attempts["/ten-megabytes"]["response_truncated"] == true);
    assert!(first_attempts["/endless-chunks"]["response_truncated"] == true);
    let odd = &first_attempts["/odd-header-bytes"]["response_headers"];
    assert!(odd.to_string().contains("x-odd"), "the odd header is kept (made readable): {odd}");
    assert_eq!(strays.load(Ordering::Relaxed), 0, "the redirect was followed, or a request went astray");
    let peak = server.peak_rss_kib();
    eprintln!("faults::receiver_chaos [{}]: server peak RSS {} MiB", db.backend, peak / 1024);
    assert!(peak < PEAK_RSS_LIMIT_KIB, "the server's memory peaked at {peak} KiB");
}

crate::on_both_backends!(every_misbehaving_receiver_is_recorded_with_its_error_and_memory_stays_bounded);

/// A raw TCP receiver on 127.0.0.1 that misbehaves by request path; returns its port and the count of
/// requests for paths it does not know (such as a redirect's target).
async fn start_chaos_receiver() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the chaos receiver");
    let port = listener.local_addr().unwrap().port();
    let strays = Arc::new(AtomicUsize::new(0));
    let counted = strays.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(misbehave(stream, counted.clone()));
        }
    });
    (port, strays)
}

async fn misbehave(mut stream: TcpStream, strays: Arc<AtomicUsize>) {
    let Some(path) = read_request(&mut stream).await else {
        // Not HTTP: a TLS ClientHello. Answer in plain HTTP, as a plain server would.
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
        return;
    };
    let _ = match path.as_str() {
        "/nul-body" => {
            let body = b"bad\0answer \xff\xfe\xc3(";
            let head = format!("HTTP/1.1 500 Internal Server Error\r\nContent-Length: {}\r\n\r\n", body.len());
            write_all(&mut stream, &[head.as_bytes(), body]).await
        }
        "/odd-header-bytes" => {
            write_all(&mut stream, &[b"HTTP/1.1 200 OK\r\nx-odd: caf\xe9 \xff\r\nContent-Length: 2\r\n\r\nok"]).await
        }
        "/nul-in-header" => {
            write_all(&mut stream, &[b"HTTP/1.1 200 OK\r\nx-nul: a\0b\r\nContent-Length: 0\r\n\r\n"]).await
        }
        "/ten-megabytes" => {
            let body = vec![b'x'; 10 * 1024 * 1024];
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            write_all(&mut stream, &[head.as_bytes(), &body]).await
        }
        "/drip" => {
            // One byte a second of a perfectly good answer: never finished within the timeout. The
            // pause is the behaviour under test, not a wait.
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(())
        }
        "/reset" => {
            // Linger 0: closing sends RST instead of FIN (and so never blocks, which is why tokio
            // deprecates lingering in general).
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
            return;
        }
        "/endless-chunks" => {
            let _ = stream.write_all(b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n").await;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "y".repeat(64 * 1024));
            // Until the server hangs up (or a minute, so the task cannot outlive the test run).
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while tokio::time::Instant::now() < deadline && stream.write_all(chunk.as_bytes()).await.is_ok() {}
            Ok(())
        }
        "/redirect" => {
            write_all(&mut stream, &[b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"]).await
        }
        "/gone" => write_all(&mut stream, &[b"HTTP/1.1 410 Gone\r\nContent-Length: 4\r\n\r\ngone"]).await,
        _ => {
            strays.fetch_add(1, Ordering::Relaxed);
            write_all(&mut stream, &[b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"]).await
        }
    };
}

async fn write_all(stream: &mut TcpStream, parts: &[&[u8]]) -> std::io::Result<()> {
    for part in parts {
        stream.write_all(part).await?;
    }
    stream.flush().await
}

/// Reads one request's head and body; its path, or `None` when the bytes are not an HTTP request.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        // An HTTP request starts with its method's capital letters; a TLS handshake with 0x16.
        if n == 0 || buf.is_empty() && !chunk[0].is_ascii_uppercase() {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    head.split_whitespace().nth(1).map(str::to_owned)
}
