//! A webhook receiver on 127.0.0.1 for the tests: it records every request and answers as told.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// When the request arrived (before any wait of a [`Reply::Slow`]).
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// A status with extra headers.
    WithHeaders(u16, Vec<(&'static str, String)>),
    /// A status with a body of this many bytes.
    LargeBody(u16, usize),
    /// Wait, then answer: a receiver that is slow on purpose (the request is recorded when answered,
    /// and counted as arrived at once, see [`TestReceiver::wait_for_arrivals`]).
    Slow(Duration, u16),
    /// A status with these exact body bytes and header bytes (anything HTTP allows, such as NUL in the
    /// body or non-UTF-8 header values).
    Bytes(u16, Vec<(&'static str, Vec<u8>)>, Vec<u8>),
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    /// Requests that arrived, whether answered yet or not.
    arrivals: Mutex<usize>,
    replies: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
    arrived: Notify,
}

/// The receiver; answers 200 unless told otherwise.
#[derive(Clone)]
pub struct TestReceiver {
    pub base_url: String,
    inner: Arc<Inner>,
}

impl TestReceiver {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a receiver port");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        // No body limit: the tests send documents of several MiB.
        let app =
            Router::new().fallback(receive).layer(axum::extract::DefaultBodyLimit::disable()).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestReceiver { base_url, inner }
    }

    /// The URL of `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Answers the next requests with these replies, in order, then with the default.
    pub fn reply_next(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.replies.lock().unwrap().extend(replies);
    }

    /// Answers every request not covered by `reply_next` with `reply`.
    pub fn reply_always(&self, reply: Reply) {
        *self.inner.default.lock().unwrap() = Some(reply);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// The value of header `name` in every request so far, in arrival order (cheaper than
    /// [`TestReceiver::received`] when thousands arrived).
    pub fn header_values(&self, name: &str) -> Vec<String> {
        let received = self.inner.received.lock().unwrap();
        received.iter().map(|r| r.header(name).to_owned()).collect()
    }

    /// Waits until at least `n` requests were answered (at most `within`), and returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        self.wait_until(n, within, "answered", || self.inner.received.lock().unwrap().len()).await;
        self.received()
    }

    /// Waits until at least `n` requests arrived, answered or not (at most `within`): with a
    /// [`Reply::Slow`], the sender is then in the middle of its request.
    pub async fn wait_for_arrivals(&self, n: usize, within: Duration) {
        self.wait_until(n, within, "arrived", || *self.inner.arrivals.lock().unwrap()).await;
    }

    async fn wait_until(&self, n: usize, within: Duration, what: &str, count: impl Fn() -> usize) {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.inner.arrived.notified();
            if count() >= n {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                let got = count();
                assert!(got >= n, "expected {n} requests {what} within {within:?}, got {got}");
                return;
            }
        }
    }
}

async fn receive(State(inner): State<Arc<Inner>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let at = Instant::now();
    let reply = inner.replies.lock().unwrap().pop_front().or_else(|| inner.default.lock().unwrap().clone());
    *inner.arrivals.lock().unwrap() += 1;
    inner.arrived.notify_waiters();
    if let Some(Reply::Slow(wait, _)) = &reply {
        // Not a wait for anything: answering late is what this reply is for.
        tokio::time::sleep(*wait).await;
    }
    inner.received.lock().unwrap().push(Received { path: uri.path().to_owned(), headers, body: body.to_vec(), at });
    inner.arrived.notify_waiters();
    let status = |s: u16| StatusCode::from_u16(s).unwrap();
    match reply {
        None => (StatusCode::OK, "ok").into_response(),
        Some(Reply::Status(s)) | Some(Reply::Slow(_, s)) => (status(s), "answer").into_response(),
        Some(Reply::WithHeaders(s, headers)) => {
            let mut response = (status(s), "answer").into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
        Some(Reply::LargeBody(s, size)) => (status(s), "x".repeat(size)).into_response(),
        Some(Reply::Bytes(s, headers, body)) => {
            let mut response = (status(s), body).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, axum::http::HeaderValue::from_bytes(&value).unwrap());
            }
            response
        }
    }
}
