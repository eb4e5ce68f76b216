//! A fresh, empty database per test: a SQLite file in a temporary directory, or a Postgres database
//! created for the test and dropped after it.
//!
//! Postgres is reached at `ROOK_NOTIFY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it does not answer, Postgres tests are skipped
//! with a loud message; with `CI=true` they fail instead.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tokio::sync::{Mutex, OnceCell};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Every database this suite creates starts with this, so leftovers of killed runs can be found.
const PREFIX: &str = "rn_test_";

/// A database for one test; removed when dropped.
pub struct TestDatabase {
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    postgres_name: Option<String>,
}

impl TestDatabase {
    /// Another handle on the same database that leaves it in place when dropped: for a second server
    /// process on one database (this handle must outlive it).
    pub fn shared(&self) -> TestDatabase {
        TestDatabase { url: self.url.clone(), backend: self.backend, _dir: None, postgres_name: None }
    }

    /// A handle on a database the test made some other way (left in place when dropped).
    pub fn existing(url: &str) -> TestDatabase {
        let backend = if url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
        TestDatabase { url: url.to_owned(), backend, _dir: None, postgres_name: None }
    }

    /// The single number a query on this database answers (a count, say), read directly, not through
    /// the application.
    pub async fn query_number(&self, sql: &str) -> i64 {
        use sqlx::Connection as _;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url).await.expect("a direct database connection");
        let number: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.expect("the query answers a number");
        let _ = conn.close().await;
        number
    }

    /// A query's `(key, number)` rows as a map (counts per notification, say), read directly.
    pub async fn query_numbers_by_key(&self, sql: &str) -> std::collections::HashMap<String, i64> {
        use sqlx::Connection as _;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url).await.expect("a direct database connection");
        let rows: Vec<(String, i64)> =
            sqlx::query_as(sql).fetch_all(&mut conn).await.expect("the query answers (key, number) rows");
        let _ = conn.close().await;
        rows.into_iter().collect()
    }

    /// A new SQLite database file in its own temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDatabase { url, backend: "sqlite", _dir: Some(dir), postgres_name: None }
    }

    /// A new Postgres database, or `None` (after a loud message) when Postgres is unavailable and this
    /// is not CI.
    pub async fn postgres() -> Option<Self> {
        let admin_url = admin_url();
        let Some(mut admin) = connect_admin(&admin_url).await else {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but Postgres does not answer at {admin_url}: the Postgres tests must run in CI");
            }
            eprintln!(
                "\n!!!! SKIPPED: Postgres does not answer at {admin_url}; set ROOK_NOTIFY_TEST_POSTGRES_URL or \
                 start Postgres to run this test on Postgres !!!!\n"
            );
            return None;
        };
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!("{PREFIX}{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        create_database(&mut admin, &name).await;
        let _ = admin.close().await;
        let url = database_url(&admin_url, &name);
        Some(TestDatabase { url, backend: "postgres", _dir: None, postgres_name: Some(name) })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else { return };
        let admin_url = admin_url();
        // Drop runs outside any async context we could borrow: use a short-lived runtime on its own
        // thread. FORCE ends connections the test's pools may still hold.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin).await.ok()
            })
        })
        .join();
    }
}

fn admin_url() -> String {
    std::env::var("ROOK_NOTIFY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// The admin URL with its database name replaced.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("ROOK_NOTIFY_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn connect_admin(admin_url: &str) -> Option<PgConnection> {
    // Once per test binary: is Postgres there at all, and clear databases left by killed runs.
    static AVAILABLE: OnceCell<bool> = OnceCell::const_new();
    let available = *AVAILABLE
        .get_or_init(|| async {
            let Ok(Ok(mut admin)) =
                tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(admin_url)).await
            else {
                return false;
            };
            drop_leftovers(&mut admin).await;
            let _ = admin.close().await;
            true
        })
        .await;
    if !available {
        return None;
    }
    PgConnection::connect(admin_url).await.ok()
}

/// Drops test databases of processes that no longer run.
async fn drop_leftovers(admin: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'rn\\_test\\_%'")
        .fetch_all(&mut *admin)
        .await
        .unwrap_or_default();
    for name in names {
        let pid = name.trim_start_matches(PREFIX).split('_').next().and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut *admin).await;
        }
    }
}

/// `CREATE DATABASE`, one at a time: concurrent ones can fail while another copies the template.
async fn create_database(admin: &mut PgConnection, name: &str) {
    static SERIAL: Mutex<()> = Mutex::const_new(());
    let _guard = SERIAL.lock().await;
    let admin = Mutex::new(admin);
    let create = format!("CREATE DATABASE \"{name}\"");
    super::wait::for_value(&format!("the test database {name} is created"), Duration::from_secs(5), || async {
        sqlx::query(&create).execute(&mut **admin.lock().await).await.map(drop)
    })
    .await;
}
