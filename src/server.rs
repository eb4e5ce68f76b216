//! Serves the router on the listener, with the limits a public server needs against slow or hostile
//! clients, and a graceful shutdown that ends within its grace period whatever the clients do.
//!
//! `axum::serve` has neither a header timeout nor a bound on how long graceful shutdown waits: one
//! client that never finishes its request kept the process alive after SIGTERM. Here each connection
//! is a task of our own, so a shutdown can first ask every connection to finish its request, then
//! close those still open when the grace period ends.
//!
//! The header and keep-alive timeouts are ours too: hyper's `header_read_timeout` starts as soon as a
//! connection waits for its next request, so it also closes idle keep-alive connections at the header
//! timeout. A watchdog per connection tells the two apart (see [`Phase`]), and also closes a
//! connection whose client stopped reading its answer (a write that makes no progress for
//! `send_timeout`): otherwise such a client holds its connection, and a live feed's task, for ever.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::{Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

/// How the server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A request's headers must arrive within this long of its first byte (a new connection's first
    /// request: of the connection's start).
    pub header_read_timeout: Duration,
    /// A keep-alive connection waiting for its next request is closed after this long.
    pub keep_alive_timeout: Duration,
    /// A connection whose client has read nothing for this long while an answer waits to be written
    /// is closed.
    pub send_timeout: Duration,
    /// Connections served at once; further ones wait in the listen queue.
    pub max_connections: usize,
    /// How long shutdown lets open connections finish before closing them.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in progress finish
/// for at most `limits.shutdown_grace` and closes whatever is left.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // hyper's own header timeout (30 s by default once a timer is set) would also end idle keep-alive
    // connections: the watchdog below keeps both timeouts instead.
    builder.http1().timer(TokioTimer::new()).header_read_timeout(None);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);

    loop {
        // Reap finished connection tasks so the set does not grow with the server's age.
        while connections.try_join_next().is_some() {}
        // Wait for a free connection slot before accepting: beyond the cap, clients wait in the
        // kernel's listen queue rather than each holding a task and a socket here.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(WatchedStream { stream, activity: activity.clone() });
        let service = {
            let router = router.clone();
            let activity = activity.clone();
            hyper::service::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
                // Handlers read the client's address (`ConnectInfo`), as under
                // `into_make_service_with_connect_info`.
                request.extensions_mut().insert(ConnectInfo(remote));
                // The request counts as in progress until its response body is done (or dropped).
                let in_progress = RequestInProgress::start(activity.clone());
                let answer = router.clone().oneshot(request);
                async move {
                    let response = answer.await?;
                    Ok::<_, Infallible>(response.map(|body| Body::new(TrackedBody { body, _in_progress: in_progress })))
                }
            })
        };
        let builder = builder.clone();
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let _permit = permit;
            let connection = builder.serve_connection_with_upgrades(io, service);
            tokio::pin!(connection);
            loop {
                let deadline = activity.deadline(&limits);
                tokio::select! {
                    _ = connection.as_mut() => return,
                    _ = stop.wait_for(|stopped| *stopped) => break,
                    () = activity.changed.notified() => continue,
                    () = sleep_until(deadline) => {
                        if activity.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                            // A slow head, a keep-alive connection idle too long, or a client that
                            // stopped reading its answer: close it.
                            return;
                        }
                    }
                }
            }
            // Finish the request in progress (if any), then close; idle connections close at once.
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }

    drop(listener);
    let _ = stop_tx.send(true);
    let open = connections.len();
    let finished =
        tokio::time::timeout(limits.shutdown_grace, async { while connections.join_next().await.is_some() {} }).await;
    if finished.is_err() {
        tracing::warn!(
            open = connections.len(),
            of = open,
            grace = ?limits.shutdown_grace,
            "closing connections that did not finish within the shutdown grace period"
        );
        connections.shutdown().await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Where a connection is between requests, which decides the timeout that applies to it.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Bytes of a request head have arrived (or the connection is new) and the head is not complete:
    /// the header timeout runs from `since`.
    Head { since: Instant },
    /// This many requests are being answered (several with HTTP/2): no timeout here (the body timeout
    /// and the handlers' own bounds apply).
    Busy { requests: usize },
    /// Every response is done and nothing new has arrived since: the keep-alive timeout runs.
    Idle { since: Instant },
}

/// What a connection is doing, shared by its stream, its requests and its watchdog.
struct Activity {
    phase: Mutex<Phase>,
    /// Since when a write has been waiting for the client to read (its socket buffer is full).
    write_stalled_since: Mutex<Option<Instant>>,
    /// Woken when the phase changes, so the watchdog recomputes its deadline.
    changed: Notify,
}

impl Activity {
    fn new() -> Self {
        Activity {
            phase: Mutex::new(Phase::Head { since: Instant::now() }),
            write_stalled_since: Mutex::new(None),
            changed: Notify::new(),
        }
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        // The phase is plain data: a panic elsewhere cannot leave it half-written.
        self.phase.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// When the connection is to be closed unless something changes; `None` while it is busy and its
    /// answers flow.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        let phase = match *self.phase() {
            Phase::Head { since } => Some(since + limits.header_read_timeout),
            Phase::Busy { .. } => None,
            Phase::Idle { since } => Some(since + limits.keep_alive_timeout),
        };
        let stalled = self.write_stalled_since.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let stall = stalled.map(|since| since + limits.send_timeout);
        match (phase, stall) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A write could not proceed (`stalled`) or did: the send timeout runs only while it cannot.
    fn write_progress(&self, stalled: bool) {
        let mut since = self.write_stalled_since.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let changed = match (*since, stalled) {
            (None, true) => {
                *since = Some(Instant::now());
                true
            }
            (Some(_), false) => {
                *since = None;
                true
            }
            _ => false,
        };
        drop(since);
        if changed {
            self.changed.notify_one();
        }
    }

    /// Bytes arrived: on an idle connection, the next request's head has begun.
    fn read(&self) {
        let mut phase = self.phase();
        if let Phase::Idle { .. } = *phase {
            *phase = Phase::Head { since: Instant::now() };
            drop(phase);
            self.changed.notify_one();
        }
    }

    fn request_started(&self) {
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Busy { requests } => Phase::Busy { requests: requests + 1 },
            Phase::Head { .. } | Phase::Idle { .. } => Phase::Busy { requests: 1 },
        };
        drop(phase);
        self.changed.notify_one();
    }

    fn request_ended(&self) {
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Busy { requests } if requests > 1 => Phase::Busy { requests: requests - 1 },
            _ => Phase::Idle { since: Instant::now() },
        };
        drop(phase);
        self.changed.notify_one();
    }
}

/// One request being answered; ends when dropped.
struct RequestInProgress(Arc<Activity>);

impl RequestInProgress {
    fn start(activity: Arc<Activity>) -> Self {
        activity.request_started();
        RequestInProgress(activity)
    }
}

impl Drop for RequestInProgress {
    fn drop(&mut self) {
        self.0.request_ended();
    }
}

/// A response body that keeps its request in progress until it is sent (a live feed's stream is a
/// request in progress for as long as it runs).
struct TrackedBody {
    body: Body,
    _in_progress: RequestInProgress,
}

impl hyper::body::Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket, telling its [`Activity`] when bytes arrive.
struct WatchedStream {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for WatchedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, data);
        self.activity.write_progress(polled.is_pending());
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.activity.write_progress(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
