//! The feed benchmark: figures, not pass/fail.
//!
//! Seeds one client with N notifications (default 1,000,000) on SQLite and on Postgres, then times the
//! notification feed as the dashboard asks for it — the first page, a page deep in the history (by
//! cursor), and filtered pages — through the service layer (the server's time, without the network).
//!
//!     cargo bench --bench feed -- [--rows 1000000] [--postgres-url URL] [--skip-postgres]

use std::time::{Duration, Instant};

use app::dto::NotificationQuery;
use app::vocab::{NotificationStatus, NotificationType};
use rook_notify::service::{Actor, ServiceConfig, Services};
use rook_notify::store::{SecretCipher, Store};

const CLIENT: &str = "0190b7e2-4c1a-7b3e-9f00-00000000f00d";

/// One statement that generates `rows` notifications for the client, ids sortable like UUIDv7 (the
/// row number in the first and last groups), a mix of types and statuses.
fn seed_sql(postgres: bool, rows: u64) -> String {
    let types = "CASE n % 5 WHEN 0 THEN 'user.created' WHEN 1 THEN 'data_source.linked' WHEN 2 THEN 'extraction.failed' \
                 WHEN 3 THEN 'data_source.unlinked' ELSE 'user.deleted' END";
    let categories = "CASE n % 5 WHEN 2 THEN 'extraction_failure' ELSE 'user_management' END";
    let status = "CASE WHEN n % 50 = 0 THEN 'failed' WHEN n % 7 = 0 THEN 'not_subscribed' ELSE 'delivered' END";
    let env = "CASE n % 2 WHEN 0 THEN 'sandbox' ELSE 'production' END";
    let (source, id, user) = if postgres {
        (
            format!("generate_series(1, {rows}) AS n"),
            "lpad(to_hex(n), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(n), 12, '0')".to_owned(),
            "'user-' || (n % 5000)".to_owned(),
        )
    } else {
        (
            format!(
                "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows}) SELECT n FROM s)"
            ),
            "printf('%08x-0000-7000-8000-%012x', n, n)".to_owned(),
            "'user-' || (n % 5000)".to_owned(),
        )
    };
    format!(
        "INSERT INTO notifications (id, client_uuid, environment, type, category, user_id, occurred_at, created_at, \
         body, status, attempt_count, delivered_at, seq) \
         SELECT {id}, '{CLIENT}', {env}, {types}, {categories}, {user}, 1764428400000000 + n * 1000, \
                1764428400000000 + n * 1000, NULL, {status}, 1, 1764428400000000 + n * 1000, n \
         FROM {source}"
    )
}

fn options() -> (u64, String, bool) {
    let mut rows = 1_000_000;
    let mut postgres_url = std::env::var("ROOK_NOTIFY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut skip_postgres = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = args.next().and_then(|v| v.parse().ok()).expect("--rows N"),
            "--postgres-url" => postgres_url = args.next().expect("--postgres-url URL"),
            "--skip-postgres" => skip_postgres = true,
            _ => {}
        }
    }
    (rows, postgres_url, skip_postgres)
}

/// The median and the worst of `runs` timings of `f`.
async fn time<F, Fut>(runs: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await;
        times.push(started.elapsed());
    }
    times.sort();
    (times[runs / 2], times[runs - 1])
}

async fn run(name: &str, url: &str, rows: u64, postgres: bool) {
    let store = Store::connect(url, SecretCipher::new([1; 32], &[])).await.expect("connect");
    store.migrate().await.expect("migrate");
    let services = Services::new(store.clone(), ServiceConfig::default());
    services.create_client(&Actor::System, "Feed Bench", Some(CLIENT)).await.expect("client");
    let started = Instant::now();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(&seed_sql(postgres, rows)).execute(&pool).await.expect("seed");
    if postgres {
        sqlx::query("ANALYZE notifications").execute(&pool).await.unwrap();
    } else {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    pool.close().await;
    println!("{name:<9} seeded {rows} notifications for one client in {:.1} s", started.elapsed().as_secs_f64());

    let actor = Actor::System;
    let query = |q: NotificationQuery| NotificationQuery { client_uuid: Some(CLIENT.to_owned()), ..q };
    // A cursor half-way through the history, as if paging deep.
    let middle = format!("{:08x}-0000-7000-8000-{:012x}", rows / 2, rows / 2);
    let cases: Vec<(&str, NotificationQuery)> = vec![
        ("first page", query(NotificationQuery::default())),
        ("page at 50%", query(NotificationQuery { cursor: Some(middle.clone()), ..Default::default() })),
        ("after at 50%", query(NotificationQuery { after: Some(middle.clone()), ..Default::default() })),
        (
            "type=extraction.failed",
            query(NotificationQuery { kind: Some(NotificationType::ExtractionFailed), ..Default::default() }),
        ),
        ("status=failed", query(NotificationQuery { status: Some(NotificationStatus::Failed), ..Default::default() })),
        (
            "status=failed at 50%",
            query(NotificationQuery {
                status: Some(NotificationStatus::Failed),
                cursor: Some(middle),
                ..Default::default()
            }),
        ),
        ("user_id=user-42", query(NotificationQuery { user_id: Some("user-42".into()), ..Default::default() })),
        (
            "environment=production",
            query(NotificationQuery { environment: Some(app::vocab::Environment::Production), ..Default::default() }),
        ),
    ];
    for (label, q) in cases {
        let (median, worst) = time(20, || {
            let (services, actor, q) = (&services, &actor, q.clone());
            async move {
                let page = services.list_notifications(actor, q).await.expect("page");
                assert!(!page.items.is_empty());
            }
        })
        .await;
        println!(
            "{name:<9} feed {label:<24} median {:>7.2} ms  worst {:>7.2} ms (50 rows, 20 runs)",
            median.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
    store.close().await;
}

#[tokio::main]
async fn main() {
    let (rows, postgres_url, skip_postgres) = options();
    println!(
        "rook-notify feed benchmark: {rows} notifications, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let dir = tempfile::tempdir().unwrap();
    run("sqlite", &format!("sqlite://{}", dir.path().join("feed.db").display()), rows, false).await;
    if !skip_postgres {
        let mut url = url::Url::parse(&postgres_url).unwrap();
        url.set_path("/rn_feed_bench");
        let reset = std::process::Command::new("psql")
            .args([
                &postgres_url,
                "-qc",
                "DROP DATABASE IF EXISTS rn_feed_bench WITH (FORCE)",
                "-c",
                "CREATE DATABASE rn_feed_bench",
            ])
            .status();
        match reset {
            Ok(status) if status.success() => run("postgres", url.as_str(), rows, true).await,
            _ => println!("postgres  skipped: cannot (re)create rn_feed_bench at {postgres_url} with psql"),
        }
    }
}
