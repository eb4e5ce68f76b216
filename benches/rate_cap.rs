//! The rate-cap benchmark: figures, not pass/fail.
//!
//! One endpoint capped at `--cap` deliveries per second (50 by default) drains a backlog of
//! `--capped-events` (10 s worth) while `--others` uncapped endpoints drain `--events-per-other` each,
//! in one process on SQLite (a file in a temporary directory), with the server's defaults. It runs
//! twice: once without the capped endpoint (the others' speed alone), once with it. Printed: the capped
//! endpoint's busiest sliding second (arrivals at the receiver), its sustained rate from first to last
//! arrival, and the other endpoints' deliveries per second in both runs.
//!
//! The backlog is reported with delivery off, then the application is started again with delivery on,
//! so every endpoint starts with its whole backlog due. The receiver answers 200 at once on 127.0.0.1.
//!
//!     cargo bench --bench rate_cap -- [--cap 50] [--capped-events 500] [--others 4] [--events-per-other 5000]

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use rook_notify::config::Settings;
use rook_notify::startup::Application;
use serde_json::{Value, json};
use tokio::sync::oneshot;

#[path = "support/arrivals.rs"]
mod arrivals;
use arrivals::busiest_second;

const TOKEN: &str = "bench-admin-token";
const SECRET_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const CONCURRENCY: usize = 32;

struct Options {
    cap: usize,
    capped_events: usize,
    others: usize,
    events_per_other: usize,
}

fn options() -> Options {
    let mut o = Options { cap: 50, capped_events: 500, others: 4, events_per_other: 5_000 };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value =
        |i: usize| args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{} needs a number", args[i]));
    for (i, arg) in args.iter().enumerate() {
        match arg.as_str() {
            "--cap" => o.cap = value(i),
            "--capped-events" => o.capped_events = value(i),
            "--others" => o.others = value(i),
            "--events-per-other" => o.events_per_other = value(i),
            _ => {}
        }
    }
    o
}

/// What the receiver saw: each arrival's time at `/capped`, and a count of the rest.
#[derive(Default)]
struct Seen {
    capped: Mutex<Vec<Instant>>,
    others: AtomicUsize,
}

async fn receive(State(seen): State<Arc<Seen>>, uri: Uri) -> &'static str {
    if uri.path() == "/capped" {
        seen.capped.lock().unwrap().push(Instant::now());
    } else {
        seen.others.fetch_add(1, Relaxed);
    }
    "ok"
}

async fn start_receiver(seen: Arc<Seen>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(receive).with_state(seen);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// A running application and what stops it.
struct Running {
    base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start_app(database_url: &str, deliver: bool) -> Running {
    let mut settings = Settings::defaults();
    settings.database_url = database_url.to_owned();
    settings.site_addr = "127.0.0.1:0".parse().unwrap();
    settings.api_token = Some(TOKEN.to_owned());
    settings.secret_key = Some(SECRET_KEY.to_owned());
    settings.allow_private_destinations = true;
    settings.deliver = deliver;
    settings.log = "warn".to_owned();
    let app = Application::build(settings).await.expect("the application builds");
    let base = format!("http://{}/api/v1", app.local_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .expect("the application runs");
    });
    Running { base, stop, task }
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

async fn call(http: &reqwest::Client, method: reqwest::Method, url: String, body: Value) -> Value {
    let res = http.request(method, &url).bearer_auth(TOKEN).json(&body).send().await.unwrap();
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {answer}");
    answer
}

/// A client whose Sandbox subscription is active and sends to `url`, capped at `cap` when given.
async fn subscribed(http: &reqwest::Client, base: &str, url: &str, cap: Option<usize>) -> String {
    use reqwest::Method;
    let client = call(http, Method::POST, format!("{base}/clients"), json!({ "name": "Bench Co" })).await;
    let uuid = client["client_uuid"].as_str().unwrap().to_owned();
    let env = format!("{base}/clients/{uuid}/environments/sandbox");
    call(http, Method::PUT, env.clone(), json!({ "notification_webhook_url": url, "notification_rate_limit": cap }))
        .await;
    call(http, Method::PUT, format!("{env}/subscription"), json!({ "active": true })).await;
    uuid
}

/// Reports `count` events for each client, `CONCURRENCY` requests at a time.
async fn report(http: &reqwest::Client, base: &str, clients: &[(String, usize)]) {
    let jobs: Vec<(String, usize)> =
        clients.iter().flat_map(|(uuid, count)| (0..*count).map(move |i| (uuid.clone(), i))).collect();
    let jobs = Arc::new(Mutex::new(jobs));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (http, base, jobs) = (http.clone(), base.to_owned(), jobs.clone());
        workers.spawn(async move {
            loop {
                let Some((uuid, i)) = jobs.lock().unwrap().pop() else { break };
                let event = json!({ "client_uuid": uuid, "environment": "sandbox", "type": "user.created",
                                    "user_id": format!("u-{i}") });
                call(&http, reqwest::Method::POST, format!("{base}/platform-events"), event).await;
            }
        });
    }
    while workers.join_next().await.is_some() {}
}

/// One run; returns the other endpoints' deliveries per second.
async fn run(o: &Options, with_capped: bool) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/bench.db", dir.path().display());
    let seen = Arc::new(Seen::default());
    let receiver = start_receiver(seen.clone()).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    let setup = start_app(&database_url, false).await;
    let mut clients = Vec::new();
    for i in 0..o.others {
        let uuid = subscribed(&http, &setup.base, &format!("{receiver}/other/{i}"), None).await;
        clients.push((uuid, o.events_per_other));
    }
    if with_capped {
        let uuid = subscribed(&http, &setup.base, &format!("{receiver}/capped"), Some(o.cap)).await;
        clients.push((uuid, o.capped_events));
    }
    report(&http, &setup.base, &clients).await;
    setup.stop().await;

    let others_total = o.others * o.events_per_other;
    let capped_total = if with_capped { o.capped_events } else { 0 };
    let started = Instant::now();
    let app = start_app(&database_url, true).await;
    let mut others_done = None;
    let deadline = started + Duration::from_secs(600);
    loop {
        let others = seen.others.load(Relaxed);
        if others_done.is_none() && others >= others_total {
            others_done = Some(started.elapsed());
        }
        let capped = seen.capped.lock().unwrap().len();
        if (others_done.is_some() && capped >= capped_total) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    app.stop().await;
    let others_secs = others_done.expect("the other endpoints drained within 600 s").as_secs_f64();
    let others_rate = others_total as f64 / others_secs;
    if with_capped {
        let mut times = seen.capped.lock().unwrap().clone();
        times.sort();
        let span = (times[times.len() - 1] - times[0]).as_secs_f64();
        println!(
            "  capped endpoint ({}/s, {} events): busiest 1 s window {} deliveries ({:.2} × cap), sustained {:.1}/s \
             ({:.2} × cap) over {:.1} s",
            o.cap,
            times.len(),
            busiest_second(&times),
            busiest_second(&times) as f64 / o.cap as f64,
            (times.len() - 1) as f64 / span,
            (times.len() - 1) as f64 / span / o.cap as f64,
            span
        );
    }
    println!(
        "  {} uncapped endpoints ({} events): {others_rate:.0} deliveries/s ({others_secs:.2} s){}",
        o.others,
        others_total,
        if with_capped { ", beside the capped one" } else { ", alone" }
    );
    others_rate
}

#[tokio::main]
async fn main() {
    let o = options();
    println!("rate cap on SQLite, server defaults (4 in flight per endpoint, 256 in all)");
    let alone = run(&o, false).await;
    let beside = run(&o, true).await;
    println!("  uncapped endpoints beside the capped one: {:.2} × their speed alone", beside / alone);
}
