//! The delivery benchmark: figures, not pass/fail — but it exits non-zero when the database does not
//! hold what was delivered, the API answered non-2xx, or a phase does not finish within its deadline
//! (`--phase-deadline-secs`, 600 by default). `--keep-logs` keeps the servers' logs.
//!
//! A standalone program. It starts a receiver on 127.0.0.1 (answers 200 at once; counts arrivals with
//! an atomic and duplicate `webhook-id`s in 64 sharded sets, no shared lock), then per backend starts
//! the real `rook-notify serve` (release build) as a child process on a fresh database (SQLite: a file
//! in a temporary directory; Postgres: its own database `rn_bench`, dropped at the end) and measures:
//!
//! 1. **ingest**: N events through `POST /api/v1/platform-events` from `--concurrency` API clients,
//!    delivery off (`ROOK_NOTIFY_DELIVER=false`) → events/s, each answered 202 after its commit;
//!    non-2xx answers are counted as errors;
//! 2. **drain**: the server stopped and restarted with delivery on (`--processes 2`: two servers on
//!    one Postgres database); the clock runs from the first arrival at the receiver until the
//!    DATABASE says `count(*) FROM attempts` = N and `notifications` delivered = N (a separate sqlx
//!    connection polls every 200 ms, every 25 ms for the last 2 %, never more than a quarter of the
//!    time; a count holds as of its query's start) → deliveries/s; the steady rate
//!    over the window from 10 % to 90 % of N recorded (poll timestamps), to compare backlogs for
//!    flatness; server CPU-seconds per 1,000 deliveries (`/proc/<pid>/stat`, from the process start),
//!    peak RSS (VmHWM) and RSS at rest (VmRSS after idling); duplicates; then verifies attempts = N,
//!    delivered = N and arrivals ≥ N;
//! 3. **baseline**: plain POSTs to the same receiver from the same load-generator client setup and
//!    concurrency, with the headers and body (same size) of a signed delivery the receiver saw, in
//!    the same run — printed next to each figure with the ratio;
//! 4. **ingest while delivering**: N/2 more events at full speed with delivery on → in-rate, and the
//!    out-rate (attempts recorded per second, from the database polls) over the same window;
//! 5. **latency**: `--latency-events` events at a steady 1,000/s → time from sending the API request
//!    to the first arrival of that webhook-id at the receiver, p50/p99, split at the API's answer
//!    (request → committed, answer → first arrival), and when the slowest 1 % were sent (one stall
//!    hitting consecutive events reads differently from slow events spread over the phase);
//!    5b. **cold endpoints while a hot one drains**: N events for the first endpoint only (more
//!    when phase 2's rate would drain them before the cold events end), ingested with delivery off;
//!    then delivery on and, while that backlog drains (checked), the other endpoints get
//!    [`COLD_EVENTS`] events at [`COLD_RATE`]/s → the cold events' time from request to first
//!    arrival, p50/p99 (the aim: p99 ≤ 25 ms), split at the API's answer as in phase 5, and again
//!    for the events sent [`COLD_SETTLE`] or more after the server started (its first claims of the
//!    hot backlog come together with the first cold events);
//! 6. **fairness under hung receivers** (`--hung`, 100 by default, 0 skips it): `--hung` more
//!    endpoints whose receiver accepts the connection and never answers, each with
//!    [`HUNG_EVENTS_EACH`] events (4 in flight each: more than the process's 256 slots), ingested with
//!    delivery off together with N more events for the ordinary endpoints; then delivery on → the
//!    ordinary endpoints' drain rate (first arrival → the database says N more delivered, counted
//!    among this phase's rows of those endpoints only, from an index) and its steady 10–90 % window,
//!    each printed as a share of phase 2's (the aim: ≥ 90 %). The hung requests are still open when
//!    it ends: the server is killed, not stopped.
//!
//! On SQLite a thread of its own polls the WAL file's size every 20 ms over the whole run and reports
//! the largest (the server bounds it: `WAL_BOUND_PAGES` in `src/store/connect.rs`).
//!
//! With `--processes 2` CPU is the sum over both servers and RSS the larger of the two. At the end it
//! verifies again that every event ingested has exactly one attempt and is delivered.
//!
//!     cargo bench --bench delivery -- [--events 100000] [--endpoints 10] [--skew] [--concurrency 64]
//!         [--latency-events 5000] [--processes 1|2] [--hung 100] [--skip-sqlite] [--skip-postgres]
//!         [--postgres-url URL] [--phase-deadline-secs 600] [--keep-logs]
//!
//! Events are spread evenly over `--endpoints` clients, each subscribed with its own URL path on the
//! receiver; `--skew` puts 90 % of them on the first (hot) client and spreads the rest. The server runs
//! with its defaults (4 requests in flight per endpoint, 256 in all). All traffic stays on 127.0.0.1.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use sqlx::{PgPool, SqlitePool};

#[path = "support/numbers.rs"]
mod numbers;
use numbers::thousands;

const TOKEN: &str = "bench-admin-token";
const SECRET_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const SHARDS: usize = 64;
const BENCH_DB: &str = "rn_bench";

type Res<T> = Result<T, String>;

// ---------------------------------------------------------------------------------------------------
// Options

struct Options {
    events: usize,
    endpoints: usize,
    skew: bool,
    concurrency: usize,
    latency_events: usize,
    processes: usize,
    hung: usize,
    postgres_url: String,
    skip_postgres: bool,
    skip_sqlite: bool,
    phase_deadline: Duration,
    keep_logs: bool,
}

fn options() -> Options {
    let mut o = Options {
        events: 100_000,
        endpoints: 10,
        skew: false,
        concurrency: 64,
        latency_events: 5_000,
        processes: 1,
        hung: 100,
        postgres_url: std::env::var("ROOK_NOTIFY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        skip_postgres: false,
        skip_sqlite: false,
        phase_deadline: Duration::from_secs(600),
        keep_logs: false,
    };
    fn number(args: &mut impl Iterator<Item = String>, flag: &str) -> usize {
        match args.next().and_then(|v| v.replace('_', "").parse().ok()) {
            Some(n) => n,
            None => {
                eprintln!("{flag} needs a number");
                std::process::exit(2)
            }
        }
    }
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--events" => o.events = number(&mut args, "--events").max(1),
            "--endpoints" => o.endpoints = number(&mut args, "--endpoints").max(1),
            "--skew" => o.skew = true,
            "--concurrency" => o.concurrency = number(&mut args, "--concurrency").max(1),
            "--latency-events" => o.latency_events = number(&mut args, "--latency-events"),
            "--processes" => o.processes = number(&mut args, "--processes").clamp(1, 2),
            "--hung" => o.hung = number(&mut args, "--hung"),
            "--postgres-url" => o.postgres_url = args.next().expect("--postgres-url URL"),
            "--skip-postgres" => o.skip_postgres = true,
            "--skip-sqlite" => o.skip_sqlite = true,
            "--keep-logs" => o.keep_logs = true,
            "--phase-deadline-secs" => {
                o.phase_deadline = Duration::from_secs(number(&mut args, "--phase-deadline-secs") as u64)
            }
            "--help" | "-h" => {
                println!(
                    "cargo bench --bench delivery -- [--events N] [--endpoints N] [--skew] [--concurrency N] \
                     [--latency-events N] [--processes 1|2] [--hung N] [--skip-sqlite] [--skip-postgres] \
                     [--postgres-url URL] [--phase-deadline-secs S] [--keep-logs]"
                );
                std::process::exit(0)
            }
            _ => {} // cargo bench passes --bench
        }
    }
    o
}

/// The client (endpoint) event `i` goes to: even round robin, or 90 % on client 0 with `--skew`.
fn client_for(i: usize, endpoints: usize, skew: bool) -> usize {
    if !skew || endpoints == 1 {
        i % endpoints
    } else if i % 10 != 9 {
        0
    } else {
        1 + (i / 10) % (endpoints - 1)
    }
}

// ---------------------------------------------------------------------------------------------------
// The receiver

/// One signed delivery as the receiver saw it: what the baseline replays.
struct Sample {
    headers: Vec<(String, String)>,
    body: Bytes,
}

struct Receiver {
    arrivals: AtomicU64,
    duplicates: AtomicU64,
    /// Every webhook-id seen, sharded by hash: a request locks one shard of 64 for one insert.
    seen: Vec<Mutex<HashSet<Box<str>>>>,
    hasher: RandomState,
    /// Latency phase only: the first arrival of each webhook-id.
    record_first: AtomicBool,
    first_arrival: Vec<Mutex<HashMap<Box<str>, Instant>>>,
    /// Nanoseconds since `epoch` (+1; 0 = none) of the first and last arrival since `reset_span`.
    epoch: Instant,
    span_first: AtomicU64,
    span_last: AtomicU64,
    sample: OnceLock<Sample>,
}

impl Receiver {
    fn new() -> Self {
        Receiver {
            arrivals: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            seen: (0..SHARDS).map(|_| Mutex::new(HashSet::new())).collect(),
            hasher: RandomState::new(),
            record_first: AtomicBool::new(false),
            first_arrival: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            epoch: Instant::now(),
            span_first: AtomicU64::new(0),
            span_last: AtomicU64::new(0),
            sample: OnceLock::new(),
        }
    }

    fn shard(&self, id: &str) -> usize {
        (self.hasher.hash_one(id) as usize) % SHARDS
    }

    fn counters(&self) -> (u64, u64) {
        (self.arrivals.load(Relaxed), self.duplicates.load(Relaxed))
    }

    fn reset_span(&self) {
        self.span_first.store(0, Relaxed);
        self.span_last.store(0, Relaxed);
    }

    fn span(&self) -> Option<(Instant, Instant)> {
        let (first, last) = (self.span_first.load(Relaxed), self.span_last.load(Relaxed));
        (first > 0 && last > 0)
            .then(|| (self.epoch + Duration::from_nanos(first - 1), self.epoch + Duration::from_nanos(last - 1)))
    }

    fn first_arrival_of(&self, id: &str) -> Option<Instant> {
        self.first_arrival[self.shard(id)].lock().unwrap().get(id).copied()
    }
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let now = Instant::now();
    r.arrivals.fetch_add(1, Relaxed);
    let at = now.duration_since(r.epoch).as_nanos() as u64 + 1;
    if r.span_first.load(Relaxed) == 0 {
        let _ = r.span_first.compare_exchange(0, at, Relaxed, Relaxed);
    }
    r.span_last.fetch_max(at, Relaxed);
    if let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
        let shard = r.shard(id);
        let new = r.seen[shard].lock().unwrap().insert(id.into());
        if !new {
            r.duplicates.fetch_add(1, Relaxed);
        } else if r.record_first.load(Relaxed) {
            r.first_arrival[shard].lock().unwrap().insert(id.into(), now);
        }
        if r.sample.get().is_none() && headers.contains_key("webhook-signature") {
            let headers = headers
                .iter()
                .filter(|(name, _)| !matches!(name.as_str(), "host" | "content-length" | "accept"))
                .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
                .collect();
            let _ = r.sample.set(Sample { headers, body: body.clone() });
        }
    }
    StatusCode::OK
}

/// Runs the receiver on its own runtime (two threads), so the load generator cannot starve it.
fn start_receiver(receiver: Arc<Receiver>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("receiver".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("receiver-worker")
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new().fallback(receive).with_state(receiver);
                axum::serve(listener, app).await.unwrap();
            });
        })
        .unwrap();
    format!("http://{}", rx.recv().unwrap())
}

// ---------------------------------------------------------------------------------------------------
// The server under test

struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    async fn start(database_url: &str, deliver: bool, log: PathBuf) -> Res<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let stderr = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let child = Command::new(env!("CARGO_BIN_EXE_rook-notify"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("ROOK_NOTIFY_API_TOKEN", TOKEN)
            .env("ROOK_NOTIFY_SECRET_KEY", SECRET_KEY)
            .env("ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS", "true")
            .env("ROOK_NOTIFY_LOG", "warn")
            .env("ROOK_NOTIFY_DELIVER", if deliver { "true" } else { "false" })
            .env_remove("ROOK_NOTIFY_METRICS_ADDR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", env!("CARGO_BIN_EXE_rook-notify")))?;
        let mut server = Server { child, base: format!("http://127.0.0.1:{port}"), log };
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the server exited at start ({status}): {}", server.log_tail()));
            }
            if client.get(format!("{}/readyz", server.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("the server was not ready within 60 s: {}", server.log_tail()))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let raw = std::fs::read_to_string(&self.log).unwrap_or_default();
        // Drop colour escapes (`ESC [ … m`).
        let mut text = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                text.push(c);
            }
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" / ")
    }

    /// User + system CPU seconds since the process started.
    fn cpu_seconds(&self, clock_ticks: f64) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start at field 3 (state).
        let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (ticks(14 - 3) + ticks(15 - 3)) / clock_ticks
    }

    /// A `/proc/<pid>/status` memory figure (`VmHWM`, `VmRSS`) in MiB.
    fn memory_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    }

    /// SIGTERM, then SIGKILL if it has not exited within 30 s.
    async fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("  the server did not stop within 30 s of SIGTERM; killing it");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------------------------------------------
// The database, read by the bench itself

enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    async fn connect(database_url: &str) -> Res<Db> {
        let e = |e: sqlx::Error| format!("bench database connection: {e}");
        if database_url.starts_with("sqlite:") {
            let options =
                sqlx::sqlite::SqliteConnectOptions::from_str(database_url).map_err(e)?.create_if_missing(false);
            let pool =
                sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(e)?;
            Ok(Db::Sqlite(pool))
        } else {
            let pool =
                sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(database_url).await.map_err(e)?;
            Ok(Db::Postgres(pool))
        }
    }

    /// The one value a statement returns, on either backend.
    async fn scalar<T>(&self, sql: &str) -> Res<T>
    where
        T: Send + Unpin,
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        let r = match self {
            Db::Sqlite(pool) => sqlx::query_scalar::<_, T>(sql).fetch_one(pool).await,
            Db::Postgres(pool) => sqlx::query_scalar::<_, T>(sql).fetch_one(pool).await,
        };
        r.map_err(|e| format!("{sql}: {e}"))
    }

    async fn count(&self, sql: &str) -> Res<i64> {
        self.scalar(sql).await
    }

    /// The id of the latest notification recorded so far ("" when there is none).
    async fn last_id(&self) -> Res<String> {
        self.scalar("SELECT COALESCE(MAX(id), '') FROM notifications").await
    }

    async fn attempts(&self) -> Res<u64> {
        self.count(ATTEMPTS).await.map(|n| n as u64)
    }

    async fn delivered(&self) -> Res<u64> {
        self.count(DELIVERED).await.map(|n| n as u64)
    }

    /// One poll of a count (`ATTEMPTS` or `DELIVERED`), and how long it took. A count sees the database
    /// as of the query's start (its snapshot), so that is when the count held.
    async fn poll(&self, sql: &str) -> Res<(Poll, Duration)> {
        let at = Instant::now();
        let attempts = self.count(sql).await? as u64;
        Ok((Poll { at, attempts }, at.elapsed()))
    }

    async fn close(self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// One database poll: when the count query started (the moment its count held), and the count.
#[derive(Clone, Copy)]
struct Poll {
    at: Instant,
    attempts: u64,
}

const ATTEMPTS: &str = "SELECT count(*) FROM attempts";
const DELIVERED: &str = "SELECT count(*) FROM notifications WHERE status = 'delivered'";

/// A count of the delivered notifications of these clients recorded after the one with id `after`
/// (ids are UUIDv7: in the order they were made): read from the `(client_uuid, status, id)` index
/// alone, however many rows earlier phases left.
fn delivered_since(client_uuids: &[String], after: &str) -> String {
    let clients: Vec<String> = client_uuids.iter().map(|uuid| format!("'{uuid}'")).collect();
    format!(
        "SELECT count(*) FROM notifications WHERE client_uuid IN ({}) AND status = 'delivered' AND id > '{after}'",
        clients.join(", ")
    )
}

/// The pause before the next poll of a count that took `took`: `every`, but never so short that the
/// bench's polls take more than one part in [`POLL_DUTY`] of the time (a count of a large table takes
/// 50–95 ms on a slow machine, and counting back to back took most of a core from the server it
/// measures).
fn poll_pause(every: Duration, took: Duration) -> Duration {
    every.max(took * (POLL_DUTY - 1))
}

/// The bench's database polls take at most one part in this many of the time they run over.
const POLL_DUTY: u32 = 4;

/// How often to poll a count short of `target`: every 200 ms, every 25 ms once within `near` of it.
fn poll_every(count: u64, target: u64, near: u64) -> Duration {
    Duration::from_millis(if target.saturating_sub(count) <= near { 25 } else { 200 })
}

/// Polls until the database holds `target` attempts and `target` delivered notifications (see
/// [`poll_every`]: 25 ms apart within 2 % of the target). Returns every poll; the last is the moment it
/// held.
async fn wait_recorded(db: &Db, target: u64, deadline: Instant, what: &str) -> Res<Vec<Poll>> {
    let mut polls = Vec::new();
    loop {
        let (poll, took) = db.poll(ATTEMPTS).await?;
        let Poll { at, attempts } = poll;
        polls.push(poll);
        if attempts >= target {
            let delivered = db.delivered().await?;
            if delivered >= target {
                return Ok(polls);
            }
            if at > deadline {
                return Err(format!(
                    "{what}: deadline passed with {attempts} attempts, {delivered}/{target} delivered"
                ));
            }
        } else if at > deadline {
            return Err(format!("{what}: deadline passed with {attempts}/{target} attempts recorded"));
        }
        tokio::time::sleep(poll_pause(poll_every(attempts, target, target / 50), took)).await;
    }
}

/// The rate between the first polls at `from` and `to` (fractions of `target`), and its window in s.
fn window_rate(polls: &[Poll], base: u64, target: u64, from: f64, to: f64) -> Option<(f64, f64)> {
    let at_least = |f: f64| {
        let need = base + (target as f64 * f) as u64;
        polls.iter().find(|p| p.attempts >= need).copied()
    };
    let (a, b) = (at_least(from)?, at_least(to)?);
    let secs = b.at.duration_since(a.at).as_secs_f64();
    (secs > 0.0).then(|| ((b.attempts - a.attempts) as f64 / secs, secs))
}

// ---------------------------------------------------------------------------------------------------
// The load generator: tasks with their own client (one pooled connection each), an atomic work index

fn load_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

#[derive(Default)]
struct Load {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
}

impl Load {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends `count` requests from `concurrency` tasks; `request(client, i)` builds request `i`.
async fn run_load<F>(count: usize, concurrency: usize, deadline: Duration, request: F) -> Res<Load>
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(count.max(1)) {
        let (request, next) = (request.clone(), next.clone());
        tasks.spawn(async move {
            let client = load_client();
            let mut load = Load::default();
            loop {
                let i = next.fetch_add(1, Relaxed);
                if i >= count {
                    break;
                }
                let error = match request(&client, i).send().await {
                    Ok(res) if res.status().is_success() => {
                        let _ = res.bytes().await; // read to the end: the connection is reused
                        None
                    }
                    Ok(res) => Some(format!("{} {}", res.status(), res.text().await.unwrap_or_default())),
                    Err(e) => Some(e.to_string()),
                };
                match error {
                    None => load.ok += 1,
                    Some(error) => {
                        load.errors += 1;
                        load.first_error.get_or_insert(error);
                    }
                }
            }
            load
        });
    }
    let mut total = Load::default();
    let joined = tokio::time::timeout(deadline, async {
        while let Some(done) = tasks.join_next().await {
            let load = done.map_err(|e| e.to_string())?;
            total.ok += load.ok;
            total.errors += load.errors;
            if total.first_error.is_none() {
                total.first_error = load.first_error;
            }
        }
        Ok::<(), String>(())
    })
    .await;
    match joined {
        Ok(result) => result?,
        Err(_) => return Err(format!("deadline passed with {} of {count} requests answered", total.ok + total.errors)),
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

fn event_body(uuid: &str, i: usize) -> String {
    format!(r#"{{"client_uuid":"{uuid}","environment":"sandbox","type":"user.created","user_id":"u{i}"}}"#)
}

/// Events the cold endpoints get in phase 5b, and their rate (events/s).
const COLD_EVENTS: usize = 1_000;
const COLD_RATE: u64 = 200;

/// An event sent at a steady rate: its notification id, when the request was sent, and when the API
/// answered.
type Sent = (String, Instant, Instant);

/// Sends events `first..first + count` at `per_sec` from a few clients (connected before the clock
/// matters), event `i` to client `to(i)`; returns the events answered 2xx and how many were not.
async fn steady_sends(
    base: &str,
    o: &Options,
    uuids: &Arc<Vec<String>>,
    first: usize,
    count: usize,
    per_sec: u64,
    to: impl Fn(usize) -> usize,
) -> Res<(Vec<Sent>, u64)> {
    let clients: Vec<reqwest::Client> = (0..o.concurrency.min(16)).map(|_| load_client()).collect();
    for client in &clients {
        let _ = client.get(format!("{base}/readyz")).send().await.map(|r| r.bytes());
    }
    let url = Arc::new(format!("{base}/api/v1/platform-events"));
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / per_sec.max(1)));
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..count {
        ticker.tick().await;
        let (client, url, i) = (clients[i % clients.len()].clone(), url.clone(), first + i);
        let body = event_body(&uuids[to(i)], i);
        sends.spawn(async move {
            let sent = Instant::now();
            let res = client
                .post(url.as_str())
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .ok()?;
            if !res.status().is_success() {
                return None;
            }
            let id = res.json::<Value>().await.ok()?["notification_id"].as_str()?.to_owned();
            Some((id, sent, Instant::now()))
        });
    }
    let mut sent = Vec::with_capacity(count);
    let mut errors = 0;
    let joined = tokio::time::timeout(o.phase_deadline, async {
        while let Some(done) = sends.join_next().await {
            match done.ok().flatten() {
                Some(s) => sent.push(s),
                None => errors += 1,
            }
        }
    })
    .await;
    if joined.is_err() {
        return Err("deadline passed waiting for API answers".to_owned());
    }
    Ok((sent, errors))
}

/// Where the time of `sent` went, printed and returned: until the API answered (the event committed),
/// and from that answer to the first arrival (claim, sign, send; zero when the webhook arrived before
/// the answer came back) — p50 and p99 of each, in ms.
fn print_split(receiver: &Receiver, sent: &[Sent]) -> (f64, f64, f64, f64) {
    let mut answered: Vec<Duration> =
        sent.iter().map(|(_, at, answer)| answer.saturating_duration_since(*at)).collect();
    answered.sort();
    // One entry per arrival, where `answered` has one per event sent.
    let after_answer = first_arrivals(receiver, sent, |(_, _, answer)| *answer);
    let split = (ms(&answered, 0.5), ms(&answered, 0.99), ms(&after_answer, 0.5), ms(&after_answer, 0.99));
    println!(
        "  of which: API answered (committed) p50 {:.2} ms, p99 {:.2} ms; answer → first arrival p50 {:.2} ms, p99 {:.2} ms",
        split.0, split.1, split.2, split.3
    );
    print_slowest(receiver, sent);
    split
}

/// When in the phase its slowest 1 % (at most 20) were sent, in seconds after its first request, and
/// how long each took from request to first arrival: stalls at the server's start read differently
/// from stalls spread over the phase.
fn print_slowest(receiver: &Receiver, sent: &[Sent]) {
    let Some(start) = sent.iter().map(|(_, at, _)| *at).min() else { return };
    let mut slow: Vec<(Duration, Duration)> = sent
        .iter()
        .filter_map(|(id, at, _)| {
            receiver.first_arrival_of(id).map(|t| (t.saturating_duration_since(*at), at.duration_since(start)))
        })
        .collect();
    slow.sort_by_key(|(took, _)| std::cmp::Reverse(*took));
    slow.truncate((sent.len() / 100).clamp(1, 20));
    slow.sort_by_key(|(_, at)| *at);
    let list: Vec<String> =
        slow.iter().map(|(took, at)| format!("{:.2} s {:.0} ms", at.as_secs_f64(), took.as_secs_f64() * 1e3)).collect();
    println!("  slowest (sent at, request → first arrival): {}", list.join(" · "));
}

/// For each event of `sent` seen arriving, the time from `since(event)` to its first arrival, sorted.
fn first_arrivals(receiver: &Receiver, sent: &[Sent], since: impl Fn(&Sent) -> Instant) -> Vec<Duration> {
    let mut times: Vec<Duration> = sent
        .iter()
        .filter_map(|event| receiver.first_arrival_of(&event.0).map(|t| t.saturating_duration_since(since(event))))
        .collect();
    times.sort();
    times
}

/// The q-quantile of sorted durations, in milliseconds.
fn ms(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

/// Ingests events `first..first + count` through the API.
async fn ingest(base: &str, uuids: &Arc<Vec<String>>, o: &Options, first: usize, count: usize) -> Res<Load> {
    let (url, uuids, endpoints, skew) = (format!("{base}/api/v1/platform-events"), uuids.clone(), o.endpoints, o.skew);
    run_load(count, o.concurrency, o.phase_deadline, move |client, i| {
        let i = first + i;
        client
            .post(&url)
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(event_body(&uuids[client_for(i, endpoints, skew)], i))
    })
    .await
}

async fn api(client: &reqwest::Client, method: reqwest::Method, url: String, body: Value) -> Res<Value> {
    let res = client.request(method, &url).bearer_auth(TOKEN).json(&body).send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    if !status.is_success() {
        return Err(format!("{url}: {status} {}", res.text().await.unwrap_or_default()));
    }
    Ok(res.json().await.unwrap_or(Value::Null))
}

async fn subscribed_client(client: &reqwest::Client, base: &str, url: &str, n: usize) -> Res<String> {
    let created =
        api(client, reqwest::Method::POST, format!("{base}/api/v1/clients"), json!({ "name": format!("Bench {n}") }))
            .await?;
    let uuid = created["client_uuid"].as_str().ok_or("no client_uuid in the answer")?.to_owned();
    let env = format!("{base}/api/v1/clients/{uuid}/environments/sandbox");
    api(client, reqwest::Method::PUT, env.clone(), json!({ "notification_webhook_url": url })).await?;
    api(client, reqwest::Method::PUT, format!("{env}/subscription"), json!({ "active": true })).await?;
    Ok(uuid)
}

// ---------------------------------------------------------------------------------------------------
// One backend

#[derive(Default)]
struct Report {
    name: String,
    processes: usize,
    baseline: Option<(f64, usize, usize)>, // POST/s, body bytes, header count
    ingest: Option<(f64, u64)>,            // events/s, errors
    drain: Option<f64>,
    drain_arrival_span: Option<f64>,         // first to last arrival, for comparison only
    window: Option<(f64, f64)>,              // rate, seconds
    mixed: Option<(f64, f64, u64)>,          // in/s, out/s, errors
    latency: Option<(f64, f64, usize, u64)>, // p50 ms, p99 ms, n, errors
    latency_split: Option<(f64, f64, f64, f64)>, // API answer p50/p99, answer → arrival p50/p99 (ms)
    cold: Option<(f64, f64, usize, f64)>,    // cold endpoints' p50, p99 (ms), n; the hot one's events/s
    cold_settled: Option<(f64, f64, usize)>, // the same, of the cold events sent ≥ 1 s after the server started
    cpu_per_1k: Option<f64>,
    peak_rss: Option<f64>,
    peak_rss_all: Option<f64>,
    rest_rss: Option<f64>,
    /// The SQLite WAL file's largest size over the whole run (bytes).
    wal_peak: Option<u64>,
    fairness: Option<Fairness>,
    duplicates_drain: Option<u64>,
    duplicates_total: Option<u64>,
    /// Database checks: what was answered 2xx is stored, attempted once and delivered.
    checks: Vec<(String, bool)>,
    /// Non-2xx answers (or no answer) from the API, all phases.
    api_errors: u64,
    error: Option<String>,
}

/// Watches the SQLite WAL file's size from a thread of its own (polled every 20 ms) and keeps the
/// largest: the WAL's bound, stated by the server, checked from outside.
struct WalWatch {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl WalWatch {
    fn start(path: std::path::PathBuf) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = stop.clone();
            move || {
                let mut peak = 0;
                while !stop.load(Relaxed) {
                    peak = peak.max(std::fs::metadata(&path).map_or(0, |m| m.len()));
                    std::thread::sleep(Duration::from_millis(20));
                }
                peak
            }
        });
        WalWatch { stop, thread }
    }

    /// The largest size seen.
    fn stop(self) -> u64 {
        self.stop.store(true, Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// Phase 6's figures.
struct Fairness {
    /// The ordinary endpoints' deliveries/s, and as a share of the drain's (phase 2).
    rate: f64,
    share: f64,
    /// The same over the steady window (10–90 %), and as a share of the drain's steady window.
    steady: Option<f64>,
    steady_share: Option<f64>,
    hung: usize,
    /// Connections the hung receiver accepted.
    held: u64,
}

impl Report {
    fn check(&mut self, what: String, ok: bool) {
        println!("  check {}: {what}", if ok { "ok" } else { "FAILED" });
        self.checks.push((what, ok));
    }

    fn verified(&self) -> bool {
        self.error.is_none() && !self.checks.is_empty() && self.checks.iter().all(|(_, ok)| *ok)
    }
}

struct Backend<'a> {
    name: &'a str,
    database_url: String,
    dir: &'a Path,
}

impl Backend<'_> {
    /// Where a server of this backend started for `phase` logs.
    fn log(&self, phase: &str) -> PathBuf {
        self.dir.join(format!("server-{}-{phase}.log", self.name))
    }
}

async fn run_backend(
    b: &Backend<'_>,
    o: &Options,
    receiver: &Arc<Receiver>,
    receiver_url: &str,
    report: &mut Report,
) -> Res<()> {
    let ticks = clock_ticks();
    let n = o.events;
    let admin = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap();

    // 1. Ingest, delivery off.
    let server = Server::start(&b.database_url, false, b.log("ingest")).await?;
    let mut uuids = Vec::with_capacity(o.endpoints);
    for e in 0..o.endpoints {
        uuids.push(subscribed_client(&admin, &server.base, &format!("{receiver_url}/e{e}"), e).await?);
    }
    let uuids = Arc::new(uuids);
    let load = ingest(&server.base, &uuids, o, 0, n).await.map_err(|e| format!("ingest: {e}"))?;
    println!(
        "  ingest: {} events in {:.1} s = {:.0} events/s, {} errors{}",
        load.ok,
        load.elapsed.as_secs_f64(),
        load.rate(),
        load.errors,
        load.first_error.as_deref().map(|e| format!(" (first: {e})")).unwrap_or_default()
    );
    if load.errors > 0 {
        println!("  server log (last lines): {}", server.log_tail());
    }
    report.ingest = Some((load.rate(), load.errors));
    report.api_errors += load.errors;
    let target = load.ok;
    server.stop().await;
    let db = Db::connect(&b.database_url).await?;
    let pending = db.count("SELECT count(*) FROM notifications WHERE status <> 'delivered'").await?;
    report.check(
        format!("{pending} notifications pending after ingest = {target} answered 2xx"),
        pending as u64 == target,
    );

    // 2. Drain, delivery on.
    let (arrivals0, dups0) = receiver.counters();
    receiver.reset_span();
    let mut servers = Vec::new();
    for p in 0..report.processes {
        let spawned = Instant::now();
        servers.push(Server::start(&b.database_url, true, b.log(&format!("deliver{p}"))).await?);
        println!("  server {p} (delivering) ready in {:.2} s", spawned.elapsed().as_secs_f64());
    }
    let deadline = Instant::now() + o.phase_deadline;
    let polls = wait_recorded(&db, target, deadline, "drain").await?;
    let done = polls.last().unwrap().at;
    let cpu: f64 = servers.iter().map(|s| s.cpu_seconds(ticks)).sum();
    let peak = servers.iter().map(|s| s.memory_mib("VmHWM")).fold(0.0, f64::max);
    let (arrivals1, dups1) = receiver.counters();
    let span = receiver.span();
    let started = span.map_or(polls[0].at, |(first, _)| first);
    let drain_rate = target as f64 / done.duration_since(started).as_secs_f64().max(1e-9);
    report.drain = Some(drain_rate);
    report.drain_arrival_span =
        span.map(|(first, last)| target as f64 / last.duration_since(first).as_secs_f64().max(1e-9));
    report.window = window_rate(&polls, 0, target, 0.10, 0.90);
    report.cpu_per_1k = Some(cpu / target as f64 * 1000.0);
    report.peak_rss = Some(peak);
    report.duplicates_drain = Some(dups1 - dups0);
    println!(
        "  drain: {target} recorded in {:.1} s = {drain_rate:.0} deliveries/s (first arrival → database says done); \
         steady 10–90 %: {}; CPU {cpu:.1} s; peak RSS {peak:.1} MiB",
        done.duration_since(started).as_secs_f64(),
        report.window.map_or("n/a".to_owned(), |(r, s)| format!("{r:.0}/s over {s:.1} s")),
    );
    let (attempts, delivered) = (db.attempts().await?, db.delivered().await?);
    report.check(format!("after the drain attempts = {attempts} (expected {target})"), attempts == target);
    report.check(format!("after the drain delivered = {delivered} (expected {target})"), delivered == target);
    report.check(
        format!("arrivals during the drain = {} (expected ≥ {target})", arrivals1 - arrivals0),
        arrivals1 - arrivals0 >= target,
    );
    let rest_from = Instant::now();

    // 3. Baseline: the signed delivery's headers and body, replayed as plain POSTs (server idle).
    let sample = receiver.sample.get().ok_or("the receiver saw no signed delivery")?;
    let (headers, body) = (Arc::new(sample.headers.clone()), sample.body.clone());
    let (body_len, header_count) = (body.len(), headers.len());
    static BASELINE_RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = BASELINE_RUNS.fetch_add(1, Relaxed);
    let url = format!("{receiver_url}/baseline");
    let baseline_count = n.clamp(20_000, 100_000);
    let before_baseline = receiver.counters().0;
    let load = run_load(baseline_count, o.concurrency, o.phase_deadline, move |client, i| {
        let mut request = client.post(&url).body(body.clone());
        for (name, value) in headers.iter() {
            request = match name.as_str() {
                "webhook-id" => request.header("webhook-id", format!("baseline-{run:02}-{i:024}")),
                _ => request.header(name, value),
            };
        }
        request
    })
    .await
    .map_err(|e| format!("baseline: {e}"))?;
    if load.errors > 0 {
        return Err(format!("baseline: {} errors, first: {:?}", load.errors, load.first_error));
    }
    println!(
        "  baseline: {baseline_count} plain POSTs ({body_len}-byte body, {header_count} headers as signed), \
         {} concurrent: {:.0}/s",
        o.concurrency,
        load.rate()
    );
    report.baseline = Some((load.rate(), body_len, header_count));
    let baseline_arrivals = receiver.counters().0 - before_baseline;

    // RSS at rest: at least 5 s idle after the drain.
    tokio::time::sleep(Duration::from_secs(5).saturating_sub(rest_from.elapsed())).await;
    report.rest_rss = Some(servers.iter().map(|s| s.memory_mib("VmRSS")).fold(0.0, f64::max));

    // 4. Ingest while delivering: N/2 more at full speed.
    let mixed_n = (n / 2).max(1);
    let poller_stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let (stop, db_url) = (poller_stop.clone(), b.database_url.clone());
        tokio::spawn(async move {
            let db = Db::connect(&db_url).await?;
            let mut polls = Vec::new();
            loop {
                let (poll, took) = db.poll(ATTEMPTS).await?;
                polls.push(poll);
                if stop.load(Relaxed) {
                    break;
                }
                tokio::time::sleep(poll_pause(Duration::from_millis(200), took)).await;
            }
            db.close().await;
            Ok::<_, String>(polls)
        })
    };
    let load =
        ingest(&servers[0].base, &uuids, o, n, mixed_n).await.map_err(|e| format!("ingest while delivering: {e}"));
    poller_stop.store(true, Relaxed);
    let polls = poller.await.map_err(|e| e.to_string())??;
    let load = load?;
    let out = match (polls.first(), polls.last()) {
        (Some(a), Some(z)) if z.at > a.at => (z.attempts - a.attempts) as f64 / z.at.duration_since(a.at).as_secs_f64(),
        _ => 0.0,
    };
    println!(
        "  ingest while delivering: {} events in {:.1} s: in {:.0}/s, out {out:.0} attempts/s, {} errors; \
         backlog at the end {}",
        load.ok,
        load.elapsed.as_secs_f64(),
        load.rate(),
        load.errors,
        (target + load.ok).saturating_sub(polls.last().map_or(0, |p| p.attempts)),
    );
    report.mixed = Some((load.rate(), out, load.errors));
    report.api_errors += load.errors;
    let target = target + load.ok;
    let deadline = Instant::now() + o.phase_deadline;
    wait_recorded(&db, target, deadline, "the rest of ingest-while-delivering").await?;

    // 5. Latency at a steady 1,000 events/s.
    let target = if o.latency_events > 0 {
        receiver.record_first.store(true, Relaxed);
        let first = n + mixed_n;
        let to = |i: usize| client_for(i, o.endpoints, o.skew);
        let (sent, errors) = steady_sends(&servers[0].base, o, &uuids, first, o.latency_events, 1_000, to).await?;
        let target = target + sent.len() as u64;
        let deadline = Instant::now() + o.phase_deadline;
        wait_recorded(&db, target, deadline, "latency").await?;
        receiver.record_first.store(false, Relaxed);
        let latencies = first_arrivals(receiver, &sent, |(_, at, _)| *at);
        report.check(
            format!("latency: {} of {} events seen arriving", latencies.len(), sent.len()),
            latencies.len() == sent.len(),
        );
        if !latencies.is_empty() {
            println!(
                "  latency at 1,000 events/s: p50 {:.2} ms, p99 {:.2} ms, n = {}, {errors} errors",
                ms(&latencies, 0.5),
                ms(&latencies, 0.99),
                latencies.len()
            );
            report.latency = Some((ms(&latencies, 0.5), ms(&latencies, 0.99), latencies.len(), errors));
            report.latency_split = Some(print_split(receiver, &sent));
        }
        report.api_errors += errors;
        target
    } else {
        target
    };

    // The end: every event ingested has exactly one attempt and is delivered.
    report.peak_rss_all = Some(servers.iter().map(|s| s.memory_mib("VmHWM")).fold(0.0, f64::max));
    for server in servers {
        server.stop().await;
    }
    let (attempts, delivered) = (db.attempts().await?, db.delivered().await?);
    let notifications = db.count("SELECT count(*) FROM notifications").await? as u64;
    db.close().await;
    let (arrivals, dups) = receiver.counters();
    // The baseline's POSTs reached the receiver too: count only deliveries.
    let delivered_arrivals = (arrivals - arrivals0).saturating_sub(baseline_arrivals);
    report.duplicates_total = Some(dups - dups0);
    report.check(format!("at the end notifications = {notifications} (expected {target})"), notifications == target);
    report.check(format!("at the end attempts = {attempts} (expected {target})"), attempts == target);
    report.check(format!("at the end delivered = {delivered} (expected {target})"), delivered == target);
    report.check(
        format!("at the end arrivals = {delivered_arrivals} (expected ≥ {target})"),
        delivered_arrivals >= target,
    );

    // 5b. Cold endpoints while a hot one drains a backlog.
    let target = if o.latency_events > 0 && o.endpoints > 1 {
        cold_while_hot_drains(b, o, receiver, &uuids, target, report).await?
    } else {
        target
    };

    // 6. Fairness under hung receivers.
    if o.hung > 0 {
        fairness(b, o, receiver, &uuids, target as usize, report).await?;
    }
    Ok(())
}

/// Phase 5b: N events (more when phase 2 drained fast enough to finish them before the cold events
/// end) for the first endpoint only, ingested with delivery off; then delivery on, and
/// while that backlog drains (at most its 4 requests in flight), [`COLD_EVENTS`] events at
/// [`COLD_RATE`]/s for the other endpoints, which have nothing waiting → their request → first arrival
/// p50/p99. `recorded`: the events recorded before; returns the count after.
async fn cold_while_hot_drains(
    b: &Backend<'_>,
    o: &Options,
    receiver: &Arc<Receiver>,
    uuids: &Arc<Vec<String>>,
    recorded: u64,
    report: &mut Report,
) -> Res<u64> {
    let first = recorded as usize;
    // The hot backlog must outlast the cold events' phase. One endpoint drains at most as fast as all of
    // them did in phase 2, so that rate over the phase, with half again to spare, is enough; N when more.
    let cold_phase_secs = COLD_EVENTS as f64 / COLD_RATE as f64;
    let hot_events = o.events.max(report.drain.map_or(0, |rate| (rate * cold_phase_secs * 1.5) as usize));
    let server = Server::start(&b.database_url, false, b.log("cold-ingest")).await?;
    let (url, hot_uuid) = (format!("{}/api/v1/platform-events", server.base), uuids[0].clone());
    let hot = run_load(hot_events, o.concurrency, o.phase_deadline, move |client, i| {
        client
            .post(&url)
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(event_body(&hot_uuid, first + i))
    })
    .await
    .map_err(|e| format!("cold endpoints: ingest for the hot endpoint: {e}"))?;
    server.stop().await;

    let db = Db::connect(&b.database_url).await?;
    let server = Server::start(&b.database_url, true, b.log("cold")).await?;
    receiver.record_first.store(true, Relaxed);
    let to = |i: usize| 1 + i % (o.endpoints - 1);
    let cold_first = first + hot_events;
    let (sent, errors) = steady_sends(&server.base, o, uuids, cold_first, COLD_EVENTS, COLD_RATE, to).await?;
    let target = recorded + hot.ok + sent.len() as u64;
    // The hot backlog must still be draining when the last cold event was answered, or the figure
    // would not say what it claims.
    let hot_left = target.saturating_sub(db.attempts().await?);
    wait_recorded(&db, target, Instant::now() + o.phase_deadline, "cold endpoints while a hot one drains").await?;
    receiver.record_first.store(false, Relaxed);
    server.stop().await;
    db.close().await;
    let latencies = first_arrivals(receiver, &sent, |(_, at, _)| *at);
    report.check(
        format!("cold endpoints: {} of {} events seen arriving", latencies.len(), sent.len()),
        latencies.len() == sent.len(),
    );
    report.check(
        format!("cold endpoints: the hot backlog was still draining at the end ({hot_left} attempts to go)"),
        hot_left > 0,
    );
    if !latencies.is_empty() {
        let cold = (ms(&latencies, 0.5), ms(&latencies, 0.99), latencies.len(), hot.ok as f64);
        println!(
            "  cold endpoints at {COLD_RATE}/s while the hot one drains {} events: first arrival p50 {:.2} ms, \
             p99 {:.2} ms, n = {}",
            hot.ok, cold.0, cold.1, cold.2
        );
        print_split(receiver, &sent);
        report.cold = Some(cold);
        // The server starts with the phase, and its first claims of the hot backlog can hold the first
        // cold events: the events sent once it has settled, apart.
        let settled_from = sent.iter().map(|(_, at, _)| *at).min().map(|start| start + COLD_SETTLE);
        let settled: Vec<Sent> =
            sent.iter().filter(|(_, at, _)| settled_from.is_some_and(|from| *at >= from)).cloned().collect();
        let later = first_arrivals(receiver, &settled, |(_, at, _)| *at);
        if !later.is_empty() {
            let figure = (ms(&later, 0.5), ms(&later, 0.99), later.len());
            println!(
                "  of which sent {} s or more after the server started: first arrival p50 {:.2} ms, p99 {:.2} ms, n = {}",
                COLD_SETTLE.as_secs(),
                figure.0,
                figure.1,
                figure.2
            );
            report.cold_settled = Some(figure);
        }
    }
    report.api_errors += errors + hot.errors;
    Ok(target)
}

/// The cold phase's events sent this long after the server started are also reported apart.
const COLD_SETTLE: Duration = Duration::from_secs(1);

/// Events per hung endpoint in the fairness phase: as many as its requests in flight (4 by default),
/// so every hung endpoint holds all of its slots and 100 of them more than the process's 256.
const HUNG_EVENTS_EACH: usize = 4;

/// A receiver that accepts every connection, reads what comes and never answers; the connections stay
/// open until it is dropped.
struct HungReceiver {
    url: String,
    accepted: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl HungReceiver {
    async fn start() -> Res<Self> {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
        let accepted = Arc::new(AtomicU64::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            let mut open = tokio::task::JoinSet::new();
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Relaxed);
                open.spawn(async move {
                    let mut buffer = vec![0u8; 4096];
                    while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
                });
            }
        });
        Ok(HungReceiver { url, accepted, task })
    }
}

impl Drop for HungReceiver {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts (and closes) every held connection.
        self.task.abort();
    }
}

/// Phase 6: `o.hung` endpoints that never answer, next to N more events for the ordinary endpoints.
/// `first` is the index of the first event not used yet (event indexes make distinct user ids).
async fn fairness(
    b: &Backend<'_>,
    o: &Options,
    receiver: &Arc<Receiver>,
    uuids: &Arc<Vec<String>>,
    first: usize,
    report: &mut Report,
) -> Res<()> {
    let admin = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap();
    let hung = HungReceiver::start().await?;
    let server = Server::start(&b.database_url, false, b.log("fairness-ingest")).await?;
    // The polls below count this phase's rows only: counting every delivered row of the run (250,000
    // by now at 100,000 events) took the server's machine more than the drain's polls did.
    let db = Db::connect(&b.database_url).await?;
    let delivered_here = delivered_since(uuids, &db.last_id().await?);
    let mut hung_uuids = Vec::with_capacity(o.hung);
    for h in 0..o.hung {
        hung_uuids.push(subscribed_client(&admin, &server.base, &format!("{}/h{h}", hung.url), 1_000 + h).await?);
    }
    let hung_count = o.hung * HUNG_EVENTS_EACH;
    let (url, hung_uuids) = (format!("{}/api/v1/platform-events", server.base), Arc::new(hung_uuids));
    let hung_load = run_load(hung_count, o.concurrency, o.phase_deadline, move |client, i| {
        client
            .post(&url)
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(event_body(&hung_uuids[i % hung_uuids.len()], first + i))
    })
    .await
    .map_err(|e| format!("fairness: ingest for the hung endpoints: {e}"))?;
    let load = ingest(&server.base, uuids, o, first + hung_count, o.events)
        .await
        .map_err(|e| format!("fairness: ingest: {e}"))?;
    report.api_errors += hung_load.errors + load.errors;
    server.stop().await;

    let before = db.count(&delivered_here).await? as u64;
    let target = before + load.ok;
    let (arrivals0, dups0) = receiver.counters();
    receiver.reset_span();
    let mut servers = Vec::new();
    for p in 0..report.processes {
        servers.push(Server::start(&b.database_url, true, b.log(&format!("fairness{p}"))).await?);
    }
    let deadline = Instant::now() + o.phase_deadline;
    // Polls of the delivered count (the hung endpoints' attempts are recorded only when they time out).
    let mut polls = Vec::new();
    let done = loop {
        let (poll, took) = db.poll(&delivered_here).await?;
        let Poll { at, attempts: delivered } = poll;
        polls.push(poll);
        if delivered >= target {
            break at;
        }
        if at > deadline {
            return Err(format!("fairness: deadline passed with {delivered}/{target} delivered"));
        }
        tokio::time::sleep(poll_pause(poll_every(delivered, target, load.ok / 50), took)).await;
    };
    let (arrivals1, dups1) = receiver.counters();
    let accepted = hung.accepted.load(Relaxed);
    let started = receiver.span().map_or(done, |(first, _)| first);
    let rate = load.ok as f64 / done.duration_since(started).as_secs_f64().max(1e-9);
    let share = report.drain.map_or(0.0, |drain| rate / drain);
    // The steady rate, 10–90 % of the way, next to the drain's: what the others keep once the hung
    // endpoints hold all they can (the whole-phase rate includes the first second, in which the hung
    // requests still count against the process's slots).
    let steady = window_rate(&polls, before, load.ok, 0.10, 0.90).map(|(r, _)| r);
    let steady_share = match (steady, report.window) {
        (Some(fair), Some((drain, _))) if drain > 0.0 => Some(fair / drain),
        _ => None,
    };
    println!(
        "  fairness: {} ordinary deliveries in {:.1} s = {rate:.0}/s ({:.0} % of the drain's rate), steady \
         10–90 %: {} while {} endpoints never answer ({accepted} connections held)",
        load.ok,
        done.duration_since(started).as_secs_f64(),
        share * 100.0,
        match (steady, steady_share) {
            (Some(v), Some(s)) => format!("{v:.0}/s ({:.0} % of the drain's steady rate)", s * 100.0),
            _ => "n/a".to_owned(),
        },
        o.hung
    );
    report.fairness = Some(Fairness { rate, share, steady, steady_share, hung: o.hung, held: accepted });
    report.check(
        format!("fairness: arrivals = {} (expected ≥ {})", arrivals1 - arrivals0, load.ok),
        arrivals1 - arrivals0 >= load.ok,
    );
    report.check(format!("fairness: duplicates = {}", dups1 - dups0), dups1 == dups0);
    report.duplicates_total = report.duplicates_total.map(|d| d + dups1 - dups0);
    // The hung requests would hold a graceful stop for its whole grace period: kill the servers.
    drop(servers);
    db.close().await;
    drop(hung);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Postgres database of its own

/// Runs `work` on a connection of its own to the admin database, closed afterwards.
async fn with_postgres_admin<T>(admin_url: &str, work: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Res<T>) -> Res<T> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await.map_err(|e| format!("{admin_url}: {e}"))?;
    let value = work(&mut conn).await?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(value)
}

async fn postgres_admin(admin_url: &str, sql: &str) -> Res<()> {
    with_postgres_admin(admin_url, async |conn| {
        sqlx::raw_sql(sql).execute(conn).await.map(drop).map_err(|e| format!("{sql}: {e}"))
    })
    .await
}

/// One of the Postgres server's settings, as `SHOW` prints it.
async fn postgres_setting(admin_url: &str, name: &str) -> Res<String> {
    with_postgres_admin(admin_url, async |conn| {
        sqlx::query_scalar("SELECT current_setting($1)")
            .bind(name)
            .fetch_one(conn)
            .await
            .map_err(|e| format!("{name}: {e}"))
    })
    .await
}

// ---------------------------------------------------------------------------------------------------
// The table

/// A rate, rounded, with thousands separated: "12,345".
fn fmt_rate(v: f64) -> String {
    thousands(v.round() as usize)
}

fn print_table(reports: &[Report], o: &Options) {
    let c = o.concurrency;
    let na = || "n/a".to_owned();
    let ratio = |r: &Report, v: f64| match r.baseline {
        Some((b, _, _)) if b > 0.0 => format!(" ({:.2}× baseline)", v / b),
        _ => String::new(),
    };
    type Row = (&'static str, Box<dyn Fn(&Report) -> String>);
    let rows: Vec<Row> = vec![
        (
            "baseline plain POST/s",
            Box::new(move |r: &Report| {
                r.baseline.map_or(na(), |(b, body, headers)| {
                    format!("{} ({body} B body, {headers} headers, {c} conc.)", fmt_rate(b))
                })
            }),
        ),
        (
            "ingest events/s",
            Box::new(move |r: &Report| {
                r.ingest.map_or(na(), |(v, e)| format!("{}{}, {e} errors", fmt_rate(v), ratio(r, v)))
            }),
        ),
        (
            "drain deliveries/s (DB)",
            Box::new(move |r: &Report| {
                r.drain.map_or(na(), |v| {
                    let procs = if r.processes > 1 { format!(", {} processes", r.processes) } else { String::new() };
                    format!("{}{}{procs}", fmt_rate(v), ratio(r, v))
                })
            }),
        ),
        ("  first→last arrival /s", Box::new(move |r: &Report| r.drain_arrival_span.map_or(na(), fmt_rate))),
        (
            "steady window 10–90 % /s",
            Box::new(move |r: &Report| r.window.map_or(na(), |(v, s)| format!("{} over {s:.1} s", fmt_rate(v)))),
        ),
        (
            "ingest while delivering in/out",
            Box::new(move |r: &Report| {
                r.mixed.map_or(na(), |(i, out, e)| format!("{} / {} per s, {e} errors", fmt_rate(i), fmt_rate(out)))
            }),
        ),
        (
            "ingest→first arrival p50/p99",
            Box::new(move |r: &Report| {
                r.latency.map_or(na(), |(p50, p99, n, e)| format!("{p50:.2} / {p99:.2} ms (n={n}, {e} errors)"))
            }),
        ),
        (
            "  API answer; answer→arrival",
            Box::new(move |r: &Report| {
                r.latency_split.map_or(na(), |(a50, a99, b50, b99)| {
                    format!("{a50:.2} / {a99:.2} ms; {b50:.2} / {b99:.2} ms (p50 / p99)")
                })
            }),
        ),
        (
            "cold endpoints' first arrival, hot draining",
            Box::new(move |r: &Report| {
                r.cold
                    .map_or(na(), |(p50, p99, n, hot)| format!("{p50:.2} / {p99:.2} ms (n={n}; hot backlog {hot:.0})"))
            }),
        ),
        (
            "  of those, sent ≥ 1 s after the start",
            Box::new(move |r: &Report| {
                r.cold_settled.map_or(na(), |(p50, p99, n)| format!("{p50:.2} / {p99:.2} ms (n={n})"))
            }),
        ),
        (
            "server CPU-s per 1k deliveries",
            Box::new(move |r: &Report| r.cpu_per_1k.map_or(na(), |v| format!("{v:.3}"))),
        ),
        (
            "peak RSS drain / whole run",
            Box::new(move |r: &Report| {
                r.peak_rss
                    .map_or(na(), |v| format!("{v:.1} / {} MiB", r.peak_rss_all.map_or(na(), |a| format!("{a:.1}"))))
            }),
        ),
        (
            "with hung endpoints, others /s",
            Box::new(move |r: &Report| {
                r.fairness.as_ref().map_or(na(), |f| {
                    format!(
                        "{} ({:.0} % of drain); steady {} ({}); {} hung, {} conns held",
                        fmt_rate(f.rate),
                        f.share * 100.0,
                        f.steady.map_or(na(), fmt_rate),
                        f.steady_share.map_or(na(), |s| format!("{:.0} %", s * 100.0)),
                        f.hung,
                        f.held
                    )
                })
            }),
        ),
        ("RSS at rest after drain", Box::new(move |r: &Report| r.rest_rss.map_or(na(), |v| format!("{v:.1} MiB")))),
        (
            "SQLite WAL file, largest",
            Box::new(move |r: &Report| r.wal_peak.map_or(na(), |b| format!("{:.1} MiB", b as f64 / 1_048_576.0))),
        ),
        (
            "duplicates drain / total",
            Box::new(move |r: &Report| {
                format!(
                    "{} / {}",
                    r.duplicates_drain.map_or(na(), |d| d.to_string()),
                    r.duplicates_total.map_or(na(), |d| d.to_string())
                )
            }),
        ),
        ("API errors (non-2xx), all phases", Box::new(move |r: &Report| r.api_errors.to_string())),
        (
            "DB verification",
            Box::new(move |r: &Report| if r.verified() { "OK".to_owned() } else { "FAILED".to_owned() }),
        ),
    ];
    println!();
    println!(
        "rook-notify delivery benchmark: {} events over {} endpoints{}, {} API clients, {} cores",
        o.events,
        o.endpoints,
        if o.skew { " (skewed: 90 % on one)" } else { " (even)" },
        o.concurrency,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let cells: Vec<Vec<String>> = rows.iter().map(|(_, f)| reports.iter().map(f).collect()).collect();
    let first = rows.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..reports.len())
        .map(|c| {
            cells.iter().map(|row| row[c].chars().count()).chain([reports[c].name.chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    let mut line = format!("| {} |", pad("", first));
    for (r, w) in reports.iter().zip(&widths) {
        line += &format!(" {} |", pad(&r.name, *w));
    }
    println!("{line}");
    let mut sep = format!("|{}|", "-".repeat(first + 2));
    for w in &widths {
        sep += &format!("{}|", "-".repeat(w + 2));
    }
    println!("{sep}");
    for ((label, _), row) in rows.iter().zip(&cells) {
        let mut line = format!("| {} |", pad(label, first));
        for (cell, w) in row.iter().zip(&widths) {
            line += &format!(" {} |", pad(cell, *w));
        }
        println!("{line}");
    }
    for r in reports {
        if let Some(e) = &r.error {
            println!("{}: FAILED: {e}", r.name);
        }
        for (what, ok) in &r.checks {
            if !ok {
                println!("{}: check FAILED: {what}", r.name);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------

#[tokio::main]
async fn main() {
    let o = options();
    let receiver = Arc::new(Receiver::new());
    let receiver_url = start_receiver(receiver.clone());
    println!(
        "rook-notify delivery benchmark: {} events over {} endpoints{}, {} API clients, receiver {receiver_url}",
        o.events,
        o.endpoints,
        if o.skew { " (skewed)" } else { "" },
        o.concurrency
    );
    let mut reports = Vec::new();
    let dir = tempfile::tempdir().unwrap();

    if !o.skip_sqlite {
        println!("sqlite:");
        if o.processes > 1 {
            println!("  (--processes applies to Postgres only; SQLite runs one process)");
        }
        let backend = Backend {
            name: "sqlite",
            database_url: format!("sqlite://{}", dir.path().join("bench.db").display()),
            dir: dir.path(),
        };
        let mut report = Report { name: "sqlite".into(), processes: 1, ..Report::default() };
        let wal = WalWatch::start(dir.path().join("bench.db-wal"));
        if let Err(e) = run_backend(&backend, &o, &receiver, &receiver_url, &mut report).await {
            println!("  FAILED: {e}");
            report.error = Some(e);
        }
        report.wal_peak = Some(wal.stop());
        reports.push(report);
    }

    if !o.skip_postgres {
        println!("postgres:");
        // Claims and deliveries leave dead rows that only a vacuum removes: the figures depend on it.
        match postgres_setting(&o.postgres_url, "autovacuum").await {
            Ok(on) => println!("  the server's autovacuum: {on}"),
            Err(e) => println!("  the server's autovacuum: unknown ({e})"),
        }
        let name = if o.processes > 1 { "postgres ×2" } else { "postgres" };
        let mut report = Report { name: name.into(), processes: o.processes, ..Report::default() };
        let mut url = url::Url::parse(&o.postgres_url).expect("--postgres-url");
        url.set_path(&format!("/{BENCH_DB}"));
        let drop_db = format!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)");
        let reset = match postgres_admin(&o.postgres_url, &drop_db).await {
            Ok(()) => postgres_admin(&o.postgres_url, &format!("CREATE DATABASE {BENCH_DB}")).await,
            Err(e) => Err(e),
        };
        let result = match reset {
            Ok(()) => {
                let backend = Backend { name: "postgres", database_url: url.to_string(), dir: dir.path() };
                let result = run_backend(&backend, &o, &receiver, &receiver_url, &mut report).await;
                let dropped = postgres_admin(&o.postgres_url, &drop_db).await;
                result.and(dropped)
            }
            Err(e) => Err(format!("cannot (re)create {BENCH_DB}: {e}")),
        };
        if let Err(e) = result {
            println!("  FAILED: {e}");
            report.error = Some(e);
        }
        reports.push(report);
    }

    print_table(&reports, &o);
    let ok = !reports.is_empty() && reports.iter().all(|r| r.verified() && r.api_errors == 0);
    if o.keep_logs {
        println!("server logs kept in {}", dir.keep().display());
    } else {
        drop(dir);
    }
    std::process::exit(if ok { 0 } else { 1 });
}
