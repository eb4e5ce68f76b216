//! The delivery benchmark: figures, not pass/fail.
//!
//! Starts a receiver on 127.0.0.1, then for SQLite and for Postgres, with the real `rook-notify serve`
//! (release build) on a fresh database:
//! 1. ingest: N events through the HTTP API with delivery off → ingest requests/s;
//! 2. delivery: the same server restarted with delivery on drains those N → deliveries/s (first to
//!    last arrival at the receiver), every attempt recorded;
//! 3. latency: events at a steady 1,000/s → ingest→first-attempt p50/p99.
//!
//! It also reports the server's peak RSS, next to a baseline of plain HTTP POSTs from the same client
//! to the same receiver, with no database (the loopback limit).
//!
//!     cargo bench --bench delivery -- [--events 100000] [--endpoints 10] [--concurrency 64]
//!                                     [--postgres-url URL] [--skip-postgres]
//!
//! The events are spread over `--endpoints` clients (each its own endpoint on the receiver), and the
//! server runs with its defaults (4 requests in flight per endpoint).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderMap;
use futures::StreamExt;
use serde_json::{Value, json};

const TOKEN: &str = "bench-admin-token";

struct Options {
    events: usize,
    endpoints: usize,
    concurrency: usize,
    latency_events: usize,
    postgres_url: String,
    skip_postgres: bool,
}

fn options() -> Options {
    let mut o = Options {
        events: 100_000,
        endpoints: 10,
        concurrency: 64,
        latency_events: 5_000,
        postgres_url: std::env::var("ROOK_NOTIFY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        skip_postgres: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--events" => o.events = args.next().and_then(|v| v.parse().ok()).expect("--events N"),
            "--endpoints" => o.endpoints = args.next().and_then(|v| v.parse().ok()).expect("--endpoints N"),
            "--concurrency" => o.concurrency = args.next().and_then(|v| v.parse().ok()).expect("--concurrency N"),
            "--latency-events" => {
                o.latency_events = args.next().and_then(|v| v.parse().ok()).expect("--latency-events N")
            }
            "--postgres-url" => o.postgres_url = args.next().expect("--postgres-url URL"),
            "--skip-postgres" => o.skip_postgres = true,
            _ => {} // cargo bench passes --bench
        }
    }
    o
}

/// When each webhook-id first arrived.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<HashMap<String, Instant>>>);

async fn start_receiver(arrivals: Arrivals) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new().fallback(move |headers: HeaderMap| {
        let arrivals = arrivals.clone();
        async move {
            if let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
                arrivals.0.lock().unwrap().entry(id.to_owned()).or_insert_with(Instant::now);
            }
            "ok"
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str, deliver: bool) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_rook-notify"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("ROOK_NOTIFY_API_TOKEN", TOKEN)
            .env("ROOK_NOTIFY_SECRET_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
            .env("ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS", "true")
            .env("ROOK_NOTIFY_LOG", "warn")
            .env("ROOK_NOTIFY_DELIVER", if deliver { "true" } else { "false" })
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run target/release/rook-notify");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        for _ in 0..300 {
            if client.get(format!("{}/readyz", server.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not start");
    }

    /// Peak resident memory so far, in MiB (Linux).
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn api(client: &reqwest::Client, method: reqwest::Method, url: String, body: Value) -> Value {
    let res = client.request(method, url).bearer_auth(TOKEN).json(&body).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    res.json().await.unwrap_or(Value::Null)
}

async fn subscribed_client(client: &reqwest::Client, base: &str, receiver: &str) -> String {
    let created =
        api(client, reqwest::Method::POST, format!("{base}/api/v1/clients"), json!({ "name": "Bench" })).await;
    let uuid = created["client_uuid"].as_str().unwrap().to_owned();
    let env = format!("{base}/api/v1/clients/{uuid}/environments/sandbox");
    api(client, reqwest::Method::PUT, env.clone(), json!({ "notification_webhook_url": receiver })).await;
    api(client, reqwest::Method::PUT, format!("{env}/subscription"), json!({ "active": true })).await;
    uuid
}

fn event(uuid: &str, i: usize) -> Value {
    json!({ "client_uuid": uuid, "environment": "sandbox", "type": "user.created", "user_id": format!("u{i}") })
}

async fn post_event(client: &reqwest::Client, base: &str, body: &Value) -> String {
    let res = client.post(format!("{base}/api/v1/platform-events")).bearer_auth(TOKEN).json(body).send().await.unwrap();
    assert_eq!(res.status(), 202);
    res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn baseline(client: &reqwest::Client, receiver: &str, n: usize, concurrency: usize) -> f64 {
    let started = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            let url = receiver.to_owned();
            async move {
                client.post(url).header("webhook-id", format!("baseline-{i}")).body("{}").send().await.unwrap();
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    n as f64 / started.elapsed().as_secs_f64()
}

async fn run_backend(name: &str, database_url: &str, o: &Options, receiver: &str, arrivals: &Arrivals) {
    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(256).build().unwrap();

    // 1. Ingest only.
    let ingesting = Server::start(database_url, false).await;
    // Events go to several clients (endpoints), as on a platform: per-endpoint fairness applies.
    let mut uuids = Vec::with_capacity(o.endpoints);
    for e in 0..o.endpoints {
        uuids.push(subscribed_client(&client, &ingesting.base, &format!("{receiver}/{e}")).await);
    }
    let started = Instant::now();
    let ids: Vec<String> = futures::stream::iter(0..o.events)
        .map(|i| {
            let (client, base, body) = (client.clone(), ingesting.base.clone(), event(&uuids[i % uuids.len()], i));
            async move { post_event(&client, &base, &body).await }
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await;
    let ingest_rate = o.events as f64 / started.elapsed().as_secs_f64();
    let ingest_rss = ingesting.peak_rss_mib();
    drop(ingesting);

    // 2. Delivery of what was ingested.
    let server = Server::start(database_url, true).await;
    let started = Instant::now();
    loop {
        let done = {
            let arrived = arrivals.0.lock().unwrap();
            ids.iter().filter(|id| arrived.contains_key(*id)).count()
        };
        if done == ids.len() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1800), "deliveries stalled at {done}/{}", ids.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (first, last) = {
        let arrived = arrivals.0.lock().unwrap();
        let times: Vec<Instant> = ids.iter().filter_map(|id| arrived.get(id)).copied().collect();
        (*times.iter().min().unwrap(), *times.iter().max().unwrap())
    };
    let delivery_rate = o.events as f64 / last.duration_since(first).as_secs_f64().max(1e-6);
    // Let the recorder write the last attempts before the next phase.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // 3. Latency at a steady 1,000 events/s.
    let mut sent: Vec<(String, Instant)> = Vec::with_capacity(o.latency_events);
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    let mut pending = futures::stream::FuturesUnordered::new();
    for i in 0..o.latency_events {
        ticker.tick().await;
        let (client, base, body) = (client.clone(), server.base.clone(), event(&uuids[i % uuids.len()], o.events + i));
        pending.push(async move {
            let at = Instant::now();
            (post_event(&client, &base, &body).await, at)
        });
        while let Some(Some(done)) = futures::FutureExt::now_or_never(pending.next()) {
            sent.push(done);
        }
    }
    while let Some(done) = pending.next().await {
        sent.push(done);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut latencies = loop {
        let arrived = arrivals.0.lock().unwrap();
        let got: Vec<Duration> =
            sent.iter().filter_map(|(id, at)| arrived.get(id).map(|t| t.saturating_duration_since(*at))).collect();
        if got.len() == sent.len() || Instant::now() > deadline {
            break got;
        }
        drop(arrived);
        std::thread::sleep(Duration::from_millis(20));
    };
    latencies.sort();

    println!(
        "{name:<9} ingest {ingest_rate:>7.0} req/s | delivered {delivery_rate:>7.0} /s | ingest→first attempt p50 {:>5.1} ms p99 {:>5.1} ms (1,000/s, n={}) | peak RSS {:>5.1} MiB ingesting, {:>5.1} MiB delivering",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.len(),
        ingest_rss,
        server.peak_rss_mib(),
    );
}

#[tokio::main]
async fn main() {
    let o = options();
    let arrivals = Arrivals::default();
    let receiver = start_receiver(arrivals.clone()).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    println!(
        "rook-notify delivery benchmark: {} events over {} endpoints, {} concurrent API clients, {} cores",
        o.events,
        o.endpoints,
        o.concurrency,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let baseline_rate = baseline(&client, &receiver, o.events.min(50_000), o.concurrency).await;
    println!("baseline  plain POSTs to the receiver, no database: {baseline_rate:>8.0} req/s");

    let dir = tempfile::tempdir().unwrap();
    run_backend("sqlite", &format!("sqlite://{}", dir.path().join("bench.db").display()), &o, &receiver, &arrivals)
        .await;

    if !o.skip_postgres {
        let admin = o.postgres_url.clone();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path("/rn_bench");
        let reset = Command::new("psql")
            .args([&admin, "-qc", "DROP DATABASE IF EXISTS rn_bench WITH (FORCE)", "-c", "CREATE DATABASE rn_bench"])
            .status();
        match reset {
            Ok(status) if status.success() => run_backend("postgres", url.as_str(), &o, &receiver, &arrivals).await,
            _ => println!("postgres  skipped: cannot (re)create rn_bench at {admin} with psql"),
        }
    }
}
