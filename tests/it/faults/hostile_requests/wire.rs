//! Sends a hostile request and reads how the server answered: through reqwest when the request is
//! valid HTTP, through a raw socket when it is not (or when reqwest would refuse to send it).

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::hostile::{Hostile, WireTweak};

/// Bodies larger than this are over the API's limit (64 KiB; server functions read 2 MiB, data
/// deliveries 10 MiB): a server may close the connection on a body it will not read, instead of
/// answering.
pub const OVERSIZED: usize = 64 * 1024;

/// How long one request may take before it counts as unanswered. Answers take well under a second
/// (the report lists the slowest), but once, with the whole suite running at a load of 11 on two
/// cores, one waited over 30 s: a hang fails the test, a starved machine should not.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// How the server answered one request.
#[derive(Debug)]
pub enum Answer {
    /// A status and the start of the body (for the report of a failure).
    Status(u16, String),
    /// The connection was closed without a status line: allowed for bytes that are not HTTP only.
    Closed,
    /// No answer in time, or the connection failed mid-answer: a failure.
    Failed(String),
}

/// Who sends the request: credentials as headers, and the session cookies (if any) of a jar.
pub struct Sender<'a> {
    pub client: &'a reqwest::Client,
    pub address: SocketAddr,
    pub headers: Vec<(String, Vec<u8>)>,
    /// The `Cookie` header of the identity's session, for raw requests (reqwest adds it itself).
    pub cookie: Option<HeaderValue>,
}

impl Sender<'_> {
    /// Sends `h`, with the sender's credentials under the request's own headers.
    pub async fn send(&self, h: &Hostile, streams: bool) -> Answer {
        // A body over every limit goes through the raw socket, which reads the answer while it writes:
        // the server answers and closes without reading it all, and reqwest reports the closed pipe.
        if h.wire.is_none()
            && h.body.len() <= OVERSIZED
            && let Some(request) = self.build(h)
        {
            return match tokio::time::timeout(ANSWER_WITHIN, read_answer(self.client, request, streams)).await {
                Ok(answer) => answer,
                Err(_) => Answer::Failed(format!("no answer within {ANSWER_WITHIN:?}")),
            };
        }
        match tokio::time::timeout(ANSWER_WITHIN, self.send_raw(h)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(err)) => Answer::Failed(format!("raw socket: {err}")),
            Err(_) => Answer::Failed(format!("no answer within {ANSWER_WITHIN:?} (raw socket)")),
        }
    }

    /// The request through reqwest, or `None` when reqwest cannot say it (the raw socket will).
    fn build(&self, h: &Hostile) -> Option<reqwest::Request> {
        let url = reqwest::Url::parse(&format!("http://{}{}", self.address, h.path_and_query)).ok()?;
        // The URL parser normalises some paths (`..`, `%2e`) and encodes some characters: what it
        // would change goes through the raw socket as it was meant.
        if url[url::Position::BeforePath..] != h.path_and_query || http::Uri::try_from(url.as_str()).is_err() {
            return None;
        }
        let mut headers = HeaderMap::new();
        for (name, value) in self.headers.iter().chain(&h.headers) {
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            let value = HeaderValue::from_bytes(value).ok()?;
            headers.insert(name, value);
        }
        self.client.request(h.method.clone(), url).headers(headers).body(h.body.clone()).build().ok()
    }

    async fn send_raw(&self, h: &Hostile) -> std::io::Result<Answer> {
        let (path, query) =
            h.path_and_query.split_once('?').map_or((h.path_and_query.as_str(), None), |(p, q)| (p, Some(q)));
        let mut head = Vec::new();
        head.extend(h.method.as_str().as_bytes());
        head.push(b' ');
        head.extend(path.as_bytes());
        if let Some(WireTweak::PathBytes(bytes)) = &h.wire {
            head.extend(bytes);
        }
        match (&h.wire, query) {
            (Some(WireTweak::QueryBytes(bytes)), _) => {
                head.push(b'?');
                head.extend(bytes);
            }
            (_, Some(query)) => {
                head.push(b'?');
                head.extend(query.as_bytes());
            }
            _ => {}
        }
        let http10 = matches!(h.wire, Some(WireTweak::Http10NoHost));
        head.extend(if http10 { &b" HTTP/1.0\r\n"[..] } else { &b" HTTP/1.1\r\n"[..] });
        let mut header = |name: &str, value: &[u8]| {
            head.extend(name.as_bytes());
            head.extend(b": ");
            head.extend(value);
            head.extend(b"\r\n");
        };
        if !http10 {
            header("host", self.address.to_string().as_bytes());
        }
        for (name, value) in self.headers.iter().chain(&h.headers) {
            header(name, value);
        }
        if let Some(cookie) = &self.cookie {
            header("cookie", cookie.as_bytes());
        }
        header("connection", b"close");
        let mut body = h.body.clone();
        match &h.wire {
            Some(WireTweak::HeaderBytes(bytes)) => {
                let mut value = b"x".to_vec();
                value.extend(bytes);
                header("x-hostile", &value);
            }
            Some(WireTweak::LongHeader(size)) => header("x-long", &vec![b'l'; *size]),
            Some(WireTweak::BadContentLength(length)) => header("content-length", length.as_bytes()),
            Some(WireTweak::BadChunk) => {
                header("transfer-encoding", b"chunked");
                body = b"zz\r\nhello\r\n0\r\n\r\n".to_vec();
            }
            Some(WireTweak::ChunkedAndLength) => {
                header("transfer-encoding", b"chunked");
                header("content-length", body.len().to_string().as_bytes());
                body = chunked(&body);
            }
            Some(WireTweak::Chunked) => {
                header("transfer-encoding", b"chunked");
                body = chunked(&body);
            }
            _ => header("content-length", body.len().to_string().as_bytes()),
        }
        if matches!(h.wire, Some(WireTweak::HeaderWithoutColon)) {
            head.extend(b"this line has no colon\r\n");
        }
        head.extend(b"\r\n");
        head.extend(body);

        let (mut reader, mut writer) = TcpStream::connect(self.address).await?.into_split();
        // Written while the answer is read: the server may answer (and close) before reading all of a
        // body it refuses. The write half stays open until the answer is read (closing it early
        // would tell the server the client went away).
        let writing = tokio::spawn(async move {
            let _ = writer.write_all(&head).await;
            writer
        });
        let mut answer = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) => break,
                Ok(n) => {
                    answer.extend(&buffer[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                // A reset after the server gave up on the request: judged by what was read.
                Err(_) => break,
            }
        }
        writing.abort();
        let status_line = answer.split(|b| *b == b'\n').next().unwrap_or_default();
        let status = std::str::from_utf8(status_line)
            .ok()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse::<u16>().ok());
        Ok(match status {
            Some(status) => Answer::Status(status, excerpt(&answer)),
            None => Answer::Closed,
        })
    }
}

/// `body` in chunked transfer encoding, in small pieces.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(700) {
        out.extend(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend(piece);
        out.extend(b"\r\n");
    }
    out.extend(b"0\r\n\r\n");
    out
}

/// Sends a reqwest request and reads its answer (a stream's body is not read: it does not end).
async fn read_answer(client: &reqwest::Client, request: reqwest::Request, streams: bool) -> Answer {
    let res = match client.execute(request).await {
        Ok(res) => res,
        Err(err) => return Answer::Failed(excerpt(format!("{err:?}").as_bytes())),
    };
    let status = res.status().as_u16();
    let event_stream =
        res.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if streams && event_stream {
        return Answer::Status(status, "(event stream)".into());
    }
    match res.bytes().await {
        Ok(body) => Answer::Status(status, excerpt(&body)),
        Err(err) => Answer::Failed(format!("status {status}, then the body failed: {err:?}")),
    }
}

/// The first bytes of an answer, as text, for the report.
pub fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]);
    text.replace(['\r', '\n'], " ")
}
