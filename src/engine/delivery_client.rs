//! One HTTP delivery attempt: POST the stored body to the receiver and report what happened, classified.
//!
//! The client is built once and shared (keep-alive matters: a pooled client does ~5× the requests per second
//! of one connecting anew). Destinations go through the SSRF guard in [`super::ssrf`].

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use app::vocab::AttemptErrorKind;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use super::ssrf::{DestinationPolicy, GuardedResolver, RefusedDestination, ResolveError, check_ip_literal_host};

/// A `Retry-After` beyond this is treated as this: the retry policy applies its own, tighter bound.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// How deliveries are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryClientConfig {
    /// The whole attempt (connect, send, answer, reading the body excerpt) must finish within this.
    pub timeout: Duration,
    /// Turns the SSRF guard off (local demos and tests deliver to 127.0.0.1).
    pub allow_private_destinations: bool,
    /// At most this many bytes of a response body are read and kept.
    pub max_response_bytes: usize,
    /// Sent as `User-Agent` unless the request carries its own.
    pub user_agent: String,
}

impl Default for DeliveryClientConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            allow_private_destinations: false,
            max_response_bytes: 16 * 1024,
            user_agent: concat!("rook-notify/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// One request to deliver. The body is sent byte for byte as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingRequest {
    /// The receiver's URL (http or https).
    pub url: String,
    /// Header names and values, sent in this order (a name may repeat).
    pub headers: Vec<(String, String)>,
    /// The exact bytes to POST (shared, not copied, between the claim, the request and a retry).
    pub body: bytes::Bytes,
}

/// Why an attempt did not succeed. The message is for people; it may name the host but never carries the
/// URL's path, query or credentials, nor header values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError {
    /// The class of failure, as stored and filtered on.
    pub kind: AttemptErrorKind,
    /// A readable sentence, e.g. "the receiver answered 503 Service Unavailable".
    pub message: String,
}

/// What one attempt did. Produced for every attempt, whatever happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// When the attempt started (wall clock).
    pub started_at: SystemTime,
    /// How long the attempt took, up to the end of reading the body excerpt.
    pub duration: Duration,
    /// The response status, when an answer arrived.
    pub status: Option<u16>,
    /// The response headers, values decoded lossily.
    pub response_headers: Vec<(String, String)>,
    /// The first `max_response_bytes` of the response body, decoded lossily (a character cut by the limit is
    /// dropped).
    pub body_excerpt: String,
    /// True when the body was longer than the excerpt; the rest was not read.
    pub body_truncated: bool,
    /// Why the attempt failed, if it did.
    pub error: Option<AttemptError>,
    /// The receiver's `Retry-After` on a 429 or 503 (delta-seconds or HTTP date), at most [`MAX_RETRY_AFTER`].
    pub retry_after: Option<Duration>,
}

impl AttemptOutcome {
    /// True when the receiver answered 2xx and nothing went wrong.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Makes delivery attempts over one pooled, keep-alive HTTP client. Cheap to clone (clones share the pool).
#[derive(Debug, Clone)]
pub struct DeliveryClient {
    client: reqwest::Client,
    config: Arc<DeliveryClientConfig>,
}

impl DeliveryClient {
    /// How long a receiver has to answer one attempt.
    pub fn timeout(&self) -> Duration {
        self.config.timeout
    }

    /// Builds the client. It never uses a proxy from the environment, never follows redirects, and connects
    /// only to addresses vetted by the [`GuardedResolver`] (which lets everything through when private
    /// destinations are allowed). Fails if the TLS roots cannot be loaded or the user agent is not a valid
    /// header value.
    pub fn new(config: DeliveryClientConfig) -> Result<Self, reqwest::Error> {
        let policy = DestinationPolicy { allow_private: config.allow_private_destinations };
        let client = reqwest::Client::builder()
            // HTTP(S)_PROXY would otherwise send deliveries to the proxy, and the guard would vet the proxy's
            // address instead of the receiver's.
            .no_proxy()
            // A 3xx is an answer like any other non-2xx; following it could lead past the guard's intent.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .dns_resolver(Arc::new(GuardedResolver::new(policy)))
            .pool_max_idle_per_host(32)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(config.user_agent.clone())
            .build()?;
        Ok(Self { client, config: Arc::new(config) })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &DeliveryClientConfig {
        &self.config
    }

    /// POSTs `request` once and reports the outcome; never panics and never returns early without one.
    ///
    /// `Content-Type: application/json` is added when the request has no content type. Success is judged by
    /// the status alone; at most `max_response_bytes` of the body are read.
    pub async fn send(&self, request: &OutgoingRequest) -> AttemptOutcome {
        let clock = Instant::now();
        let mut outcome = AttemptOutcome {
            started_at: SystemTime::now(),
            duration: Duration::ZERO,
            status: None,
            response_headers: Vec::new(),
            body_excerpt: String::new(),
            body_truncated: false,
            error: None,
            retry_after: None,
        };
        if let Err(error) = self.exchange(request, &mut outcome).await {
            outcome.error = Some(error);
        }
        outcome.duration = clock.elapsed();
        outcome
    }

    async fn exchange(&self, request: &OutgoingRequest, outcome: &mut AttemptOutcome) -> Result<(), AttemptError> {
        let url = self.vet_url(&request.url)?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let headers = build_headers(&request.headers)?;

        let sent = self.client.post(url.clone()).headers(headers).body(request.body.clone()).send().await;
        let mut response = sent.map_err(|e| self.classify(e, &url, &host))?;

        let status = response.status();
        outcome.status = Some(status.as_u16());
        outcome.response_headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        if status.as_u16() == 429 || status.as_u16() == 503 {
            outcome.retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
        }

        let body = read_excerpt(&mut response, self.config.max_response_bytes).await;
        outcome.body_excerpt = body.excerpt;
        outcome.body_truncated = body.truncated;

        if !status.is_success() {
            let mut message = format!("the receiver answered {}", describe_status(status));
            if let Some(e) = &body.error {
                message.push_str(&format!("; reading its body failed: {}", describe_chain(e)));
            }
            return Err(AttemptError { kind: AttemptErrorKind::HttpStatus, message });
        }
        match body.error {
            Some(e) if e.is_timeout() => Err(AttemptError {
                kind: AttemptErrorKind::Timeout,
                message: format!(
                    "{host} answered {} but its body did not arrive within {:?}",
                    describe_status(status),
                    self.config.timeout
                ),
            }),
            Some(e) => Err(AttemptError {
                kind: AttemptErrorKind::Connect,
                message: format!(
                    "{host} answered {} but the connection broke while reading its body: {}",
                    describe_status(status),
                    describe_chain(&e)
                ),
            }),
            None => Ok(()),
        }
    }

    fn vet_url(&self, raw: &str) -> Result<url::Url, AttemptError> {
        let refused = |message: String| AttemptError { kind: AttemptErrorKind::RefusedDestination, message };
        // The url crate's parse errors describe the problem without echoing the URL (which may hold a token).
        let url = url::Url::parse(raw).map_err(|e| refused(format!("the URL is not valid: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refused(format!("the URL's scheme must be http or https, not {:?}", url.scheme())));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(refused("the URL has no host".to_owned()));
        }
        let policy = DestinationPolicy { allow_private: self.config.allow_private_destinations };
        check_ip_literal_host(&url, policy).map_err(|e| refused(e.to_string()))?;
        Ok(url)
    }

    fn classify(&self, err: reqwest::Error, url: &url::Url, host: &str) -> AttemptError {
        // Drop the URL so no path, query or credentials can reach the stored message.
        let err = err.without_url();
        let chain = error_chain(&err);

        let (kind, message) = if let Some(refused) = chain.iter().find_map(|e| e.downcast_ref::<RefusedDestination>()) {
            (AttemptErrorKind::RefusedDestination, refused.to_string())
        } else if err.is_timeout() {
            let message = if err.is_connect() {
                format!("connecting to {host} timed out")
            } else {
                format!("{host} did not answer within {:?}", self.config.timeout)
            };
            (AttemptErrorKind::Timeout, message)
        } else if let Some(dns) = chain.iter().find_map(|e| e.downcast_ref::<ResolveError>()) {
            (AttemptErrorKind::Dns, dns.to_string())
        } else if chain.iter().any(|e| e.to_string() == "dns error") {
            (AttemptErrorKind::Dns, format!("could not resolve {host}: {}", describe_chain(&err)))
        } else if url.scheme() == "https" && looks_like_tls_failure(&chain) {
            (AttemptErrorKind::Tls, format!("the TLS handshake with {host} failed: {}", describe_chain(&err)))
        } else if err.is_connect() {
            (AttemptErrorKind::Connect, format!("could not connect to {host}: {}", describe_chain(&err)))
        } else if err.is_builder() {
            (AttemptErrorKind::Connect, format!("the request could not be made: {}", describe_chain(&err)))
        } else {
            (AttemptErrorKind::Connect, format!("the exchange with {host} failed: {}", describe_chain(&err)))
        };
        AttemptError { kind, message }
    }
}

fn build_headers(pairs: &[(String, String)]) -> Result<HeaderMap, AttemptError> {
    let mut headers = HeaderMap::with_capacity(pairs.len() + 1);
    for (name, value) in pairs {
        // Name the header but never echo its value: it may be a signature.
        let invalid = || AttemptError {
            kind: AttemptErrorKind::Connect,
            message: format!("the request could not be made: header {name:?} is not a valid HTTP header"),
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
        headers.append(name, value);
    }
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Ok(headers)
}

struct BodyExcerpt {
    excerpt: String,
    truncated: bool,
    error: Option<reqwest::Error>,
}

/// Reads at most `max` bytes, chunk by chunk, and stops there: the rest of a huge body is never read.
async fn read_excerpt(response: &mut reqwest::Response, max: usize) -> BodyExcerpt {
    let declared = response.content_length();
    let mut buf: Vec<u8> = Vec::new();
    let mut truncated = false;
    let mut error = None;
    loop {
        if buf.len() == max && declared.is_some_and(|n| n <= max as u64) {
            break;
        }
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = max - buf.len();
                if chunk.len() > room {
                    buf.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                error = Some(e.without_url());
                break;
            }
        }
    }
    if truncated && let Err(e) = std::str::from_utf8(&buf) {
        // The limit may cut a character in two: drop the partial one rather than show a replacement mark.
        if e.error_len().is_none() {
            buf.truncate(e.valid_up_to());
        }
    }
    BodyExcerpt { excerpt: String::from_utf8_lossy(&buf).into_owned(), truncated, error }
}

fn describe_status(status: reqwest::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// Every error in the chain, including the payload of `io::Error`s (whose `source()` skips it).
fn error_chain<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut chain = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        chain.push(e);
        if chain.len() >= 32 {
            break;
        }
        next = match e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    chain
}

/// The causes below reqwest's own wrapper, joined: "tcp connect error: Connection refused (os error 111)".
fn describe_chain(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in error_chain(err).into_iter().skip(1) {
        let text = e.to_string();
        // hyper's "client error (Connect)" wrapper says nothing the kind does not; io::Error repeats its payload.
        if text.starts_with("client error (") || parts.last() == Some(&text) {
            continue;
        }
        parts.push(text);
    }
    if parts.is_empty() { err.to_string() } else { parts.join(": ") }
}

fn looks_like_tls_failure(chain: &[&(dyn StdError + 'static)]) -> bool {
    // rustls is not a direct dependency, so its errors are recognised by what tokio-rustls wraps them in
    // (InvalidData) and by their wording.
    const MARKERS: [&str; 9] = [
        "tls",
        "certificate",
        "handshake",
        "received corrupt message",
        "received fatal alert",
        "peer is incompatible",
        "peer misbehaved",
        "received unexpected message",
        "unknownissuer",
    ];
    chain.iter().any(|e| {
        if e.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::InvalidData) {
            return true;
        }
        let text = e.to_string().to_lowercase();
        MARKERS.iter().any(|m| text.contains(m))
    })
}

/// Parses `Retry-After`: delta-seconds, or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) relative to `now`
/// (a date in the past means "now"). Capped at [`MAX_RETRY_AFTER`]; anything else is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, format).ok()?.assume_utc();
    let at = SystemTime::from(at);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// A tiny HTTP/1.1 receiver on 127.0.0.1 that records each request and lets `reply` answer it.
    struct Receiver {
        addr: SocketAddr,
        connections: Arc<AtomicUsize>,
        requests: Arc<Mutex<Vec<Vec<u8>>>>,
    }

    impl Receiver {
        async fn start<F, Fut>(reply: F) -> Receiver
        where
            F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
        {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let connections = Arc::new(AtomicUsize::new(0));
            let requests = Arc::new(Mutex::new(Vec::new()));
            let (conns, reqs, reply) = (connections.clone(), requests.clone(), Arc::new(reply));
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    conns.fetch_add(1, Ordering::SeqCst);
                    let (reqs, reply) = (reqs.clone(), reply.clone());
                    tokio::spawn(async move {
                        if let Some(request) = read_request(&mut stream).await {
                            reqs.lock().expect("lock").push(request);
                            reply(stream).await;
                        }
                    });
                }
            });
            Receiver { addr, connections, requests }
        }

        /// Answers every request with `response` (raw HTTP) after `delay`.
        async fn answering(response: String, delay: Duration) -> Receiver {
            Receiver::start(move |mut stream| {
                let response = response.clone();
                async move {
                    tokio::time::sleep(delay).await;
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
            })
            .await
        }

        fn url(&self, host: &str) -> String {
            format!("http://{host}:{}/hooks/rook?token=s3cr3t", self.addr.port())
        }

        fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }
    }

    async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    return Some(buf);
                }
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn http(status: &str, extra_headers: &str, body: &str) -> String {
        format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n{extra_headers}\r\n{body}", body.len())
    }

    fn client(allow_private: bool, timeout: Duration) -> DeliveryClient {
        DeliveryClient::new(DeliveryClientConfig {
            timeout,
            allow_private_destinations: allow_private,
            ..DeliveryClientConfig::default()
        })
        .expect("client builds")
    }

    fn local() -> DeliveryClient {
        client(true, Duration::from_secs(5))
    }

    fn post(url: String) -> OutgoingRequest {
        OutgoingRequest {
            url,
            headers: vec![("webhook-id".to_owned(), "msg_1".to_owned())],
            body: bytes::Bytes::from_static(br#"{"type":"subscription.test"}"#),
        }
    }

    fn kind(outcome: &AttemptOutcome) -> Option<AttemptErrorKind> {
        outcome.error.as_ref().map(|e| e.kind)
    }

    #[tokio::test]
    async fn a_2xx_answer_succeeds_and_keeps_the_body_excerpt() {
        let rx = Receiver::answering(http("200 OK", "x-receiver: yes\r\n", "thanks"), Duration::ZERO).await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert!(outcome.succeeded(), "{outcome:?}");
        assert_eq!(outcome.status, Some(200));
        assert_eq!(outcome.body_excerpt, "thanks");
        assert!(!outcome.body_truncated);
        assert!(outcome.response_headers.contains(&("x-receiver".to_owned(), "yes".to_owned())));
        let requests = rx.requests.lock().expect("lock").clone();
        let request = String::from_utf8_lossy(&requests[0]).to_lowercase();
        assert!(request.starts_with("post /hooks/rook?token=s3cr3t http/1.1"));
        assert!(request.contains("webhook-id: msg_1"));
        assert!(request.contains("content-type: application/json"));
        assert!(request.contains(concat!("user-agent: rook-notify/", env!("CARGO_PKG_VERSION"))));
        assert!(request.ends_with(r#"{"type":"subscription.test"}"#));
    }

    #[tokio::test]
    async fn a_500_is_an_http_status_failure() {
        let rx = Receiver::answering(http("500 Internal Server Error", "", "boom"), Duration::ZERO).await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert!(!outcome.succeeded());
        assert_eq!(outcome.status, Some(500));
        assert_eq!(kind(&outcome), Some(AttemptErrorKind::HttpStatus));
        assert_eq!(outcome.error.expect("error").message, "the receiver answered 500 Internal Server Error");
        assert_eq!(outcome.body_excerpt, "boom");
        assert_eq!(outcome.retry_after, None);
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let target = Receiver::answering(http("200 OK", "", ""), Duration::ZERO).await;
        let location = format!("location: {}\r\n", target.url("127.0.0.1"));
        let rx = Receiver::answering(http("302 Found", &location, ""), Duration::ZERO).await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert_eq!(outcome.status, Some(302));
        assert_eq!(kind(&outcome), Some(AttemptErrorKind::HttpStatus));
        assert_eq!(target.connections(), 0, "the redirect target must receive nothing");
    }

    #[tokio::test]
    async fn a_huge_body_is_cut_at_the_limit() {
        let body = "a".repeat(100 * 1024);
        let rx = Receiver::answering(http("200 OK", "", &body), Duration::ZERO).await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert!(outcome.succeeded(), "{outcome:?}");
        assert_eq!(outcome.body_excerpt.len(), 16 * 1024);
        assert!(outcome.body_truncated);
    }

    #[tokio::test]
    async fn an_endless_body_is_not_read_to_its_end() {
        let rx = Receiver::start(|mut stream| async move {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n").await;
            let chunk = "é".repeat(1000);
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        })
        .await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert!(outcome.succeeded(), "{outcome:?}");
        assert!(outcome.body_truncated);
        // 16384 bytes of two-byte characters: exactly 8192 of them, none cut in half.
        assert_eq!(outcome.body_excerpt, "é".repeat(8192));
    }

    #[tokio::test]
    async fn a_body_exactly_at_the_limit_is_not_truncated() {
        let body = "b".repeat(16 * 1024);
        let rx = Receiver::answering(http("200 OK", "", &body), Duration::ZERO).await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert!(outcome.succeeded(), "{outcome:?}");
        assert_eq!(outcome.body_excerpt, body);
        assert!(!outcome.body_truncated);
    }

    #[tokio::test]
    async fn a_slow_receiver_times_out() {
        let rx = Receiver::answering(http("200 OK", "", ""), Duration::from_secs(3)).await;
        let outcome = client(true, Duration::from_millis(300)).send(&post(rx.url("127.0.0.1"))).await;
        assert_eq!(kind(&outcome), Some(AttemptErrorKind::Timeout), "{outcome:?}");
        assert_eq!(outcome.status, None);
        assert!(outcome.duration < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn a_body_that_stalls_times_out_even_after_a_2xx() {
        let rx = Receiver::start(|mut stream| async move {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab").await;
            tokio::time::sleep(Duration::from_secs(3)).await;
        })
        .await;
        let outcome = client(true, Duration::from_millis(300)).send(&post(rx.url("127.0.0.1"))).await;
        assert_eq!(outcome.status, Some(200));
        assert_eq!(kind(&outcome), Some(AttemptErrorKind::Timeout), "{outcome:?}");
        assert!(!outcome.succeeded());
        assert_eq!(outcome.body_excerpt, "ab");
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connect_failure() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            listener.local_addr().expect("addr").port()
        };
        let outcome = local().send(&post(format!("http://127.0.0.1:{port}/"))).await;
        assert_eq!(kind(&outcome), Some(AttemptErrorKind::Connect), "{outcome:?}");
        let message = outcome.error.expect("error").message;
        assert!(message.starts_with("could not connect to 127.0.0.1: "), "{message}");
    }

    #[tokio::test]
    async fn private_destinations_are_refused_unless_allowed() {
        let rx = Receiver::answering(http("200 OK", "", "ok"), Duration::ZERO).await;
        let strict = client(false, Duration::from_secs(5));
        for host in ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"] {
            let outcome = strict.send(&post(rx.url(host))).await;
            assert_eq!(kind(&outcome), Some(AttemptErrorKind::RefusedDestination), "{host}: {outcome:?}");
            let message = outcome.error.expect("error").message;
            assert!(!message.contains("s3cr3t"), "the message must not leak the query: {message}");
            assert_eq!(outcome.status, None);
        }
        assert_eq!(rx.connections(), 0, "a refused destination must receive nothing");

        for host in ["127.0.0.1", "localhost"] {
            let outcome = local().send(&post(rx.url(host))).await;
            assert!(outcome.succeeded(), "{host}: {outcome:?}");
        }
        assert_eq!(rx.requests.lock().expect("lock").len(), 2);
    }

    #[tokio::test]
    async fn unusable_urls_are_refused_destinations() {
        for url in ["not a url", "ftp://example.com/x", "file:///etc/passwd", "http://", "http://:80/"] {
            let outcome = local().send(&post(url.to_owned())).await;
            assert_eq!(kind(&outcome), Some(AttemptErrorKind::RefusedDestination), "{url}: {outcome:?}");
        }
    }

    #[tokio::test]
    async fn an_unresolvable_name_is_a_dns_failure() {
        let outcome = client(false, Duration::from_secs(20)).send(&post("https://no-such-host.invalid/".into())).await;
        assert_eq!(kind(&outcome), Some(AttemptErrorKind::Dns), "{outcome:?}");
    }

    #[tokio::test]
    async fn https_to_a_plain_http_port_is_a_tls_failure() {
        // The TLS ClientHello never ends in a blank line, so a bare listener answers it with plain HTTP.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf).await;
                let _ = stream.write_all(http("400 Bad Request", "", "plain http").as_bytes()).await;
            }
        });
        let outcome = local().send(&post(format!("https://127.0.0.1:{port}/"))).await;
        let error = outcome.error.expect("error");
        assert!(matches!(error.kind, AttemptErrorKind::Tls | AttemptErrorKind::Connect), "{error:?}");
        assert_eq!(error.kind, AttemptErrorKind::Tls, "{error:?}");
    }

    #[tokio::test]
    async fn a_429_carries_its_retry_after() {
        let rx = Receiver::answering(http("429 Too Many Requests", "retry-after: 7\r\n", ""), Duration::ZERO).await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert_eq!(kind(&outcome), Some(AttemptErrorKind::HttpStatus));
        assert_eq!(outcome.retry_after, Some(Duration::from_secs(7)));

        let rx = Receiver::answering(http("500 Internal Server Error", "retry-after: 7\r\n", ""), Duration::ZERO).await;
        let outcome = local().send(&post(rx.url("127.0.0.1"))).await;
        assert_eq!(outcome.retry_after, None, "only 429 and 503 say when to come back");
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn invalid_headers_fail_without_echoing_their_value() {
        let err = build_headers(&[("x-ok".into(), "bad\nvalue-s3cr3t".into())]).expect_err("newline is invalid");
        assert!(!err.message.contains("s3cr3t"));
        let headers = build_headers(&[("content-type".into(), "application/cloudevents+json".into())]).expect("ok");
        assert_eq!(headers.get_all(CONTENT_TYPE).iter().count(), 1);
    }

    // HTTP(S)_PROXY from the environment is ignored by construction: `DeliveryClient::new` calls `.no_proxy()`.
    // Tests must not mutate the process environment (they run in parallel), so this is not exercised here.
}
