//! Configuration and command line: every setting is a flag with an environment variable and a
//! default, documented once here, so `rook-notify --help` is the reference (README copies it).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::retry::RetrySchedule;

/// ROOK's Notification Webhook service: delivery engine and dashboard in one binary.
#[derive(Debug, Parser)]
#[command(name = "rook-notify", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run migrations, then serve the dashboard and the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Insert the demo clients and accounts if they are absent, print the logins and exit.
    SeedDemo,
    /// Create a dashboard account; the password is read from standard input, never from arguments.
    CreateAccount(CreateAccountArgs),
    /// Create an API token and print it (once: only its digest is stored).
    CreateToken(CreateTokenArgs),
    /// Rewrite every stored secret with the current secret key (after a key rotation).
    ReencryptSecrets,
    /// Print the effective configuration (secrets masked) and check it; exits non-zero on errors.
    CheckConfig,
}

/// Arguments of `create-token`.
#[derive(Debug, Clone, Args)]
pub struct CreateTokenArgs {
    /// A unique name saying who uses the token (it appears in the audit log).
    #[arg(long)]
    pub name: String,
    /// `ingest` may report platform events and data deliveries; `admin` may do everything.
    #[arg(long, value_parser = ["admin", "ingest"], default_value = "admin")]
    pub scope: String,
}

/// Arguments of `create-account`.
#[derive(Debug, Clone, Args)]
pub struct CreateAccountArgs {
    /// The sign-in email.
    #[arg(long)]
    pub email: String,
    /// `staff` sees every client; `client` sees only the client given by `--client`.
    #[arg(long, value_parser = ["staff", "client"])]
    pub role: String,
    /// The client UUID a `client` account belongs to.
    #[arg(long = "client")]
    pub client_uuid: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Every setting of the server. Flags may be given before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Where data lives: `sqlite://path/to/file.db` (created if absent) or `postgres://user@host/db`.
    /// Its password is never shown (`check-config` masks it).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/rook-notify.db",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// SQLite only: the most bytes the database file may grow to. Writes beyond it are refused as on a
    /// full disk (ingestion answers 503 `storage_full`; nothing acknowledged is lost) until retention
    /// or an operator frees space. Keeps a room of the disk free for the WAL and the rest of the
    /// machine. Default: no limit but the disk's.
    #[arg(long, env = "ROOK_NOTIFY_SQLITE_MAX_SIZE", global = true)]
    pub sqlite_max_size: Option<u64>,

    /// Serve `GET /metrics` (Prometheus, unauthenticated) on this separate address instead of the main
    /// one — keep it off the public network.
    #[arg(long, env = "ROOK_NOTIFY_METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,

    /// Address the dashboard and API listen on (port 0 picks a free port).
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub site_addr: SocketAddr,

    /// Directory with the built front end (`pkg/` with the wasm, JS and CSS). Default: `site/` beside
    /// the binary's directory (`target/site` for `target/debug/rook-notify`, where `cargo site` writes
    /// it; `<dir>/site` for the release layout `<dir>/bin/rook-notify`), then `target/site` under the
    /// working directory.
    #[arg(long, env = "LEPTOS_SITE_ROOT", global = true)]
    pub site_root: Option<PathBuf>,

    /// The address people reach the dashboard at. An `https://` URL makes session cookies `Secure`;
    /// its origin is also accepted for form posts. Default: `http://` + the listen address.
    #[arg(long, env = "ROOK_NOTIFY_PUBLIC_URL", global = true)]
    pub public_url: Option<url::Url>,

    /// Log filter, in `tracing` syntax (`info`, `rook_notify=debug,info`, …).
    #[arg(long, env = "ROOK_NOTIFY_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "ROOK_NOTIFY_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// Seed the demo clients and accounts at start (only those absent; nothing is overwritten).
    #[arg(long, env = "ROOK_NOTIFY_DEMO", default_value_t = false, global = true)]
    pub demo: bool,

    /// A dashboard session ends after this long without a request.
    #[arg(long, env = "ROOK_NOTIFY_SESSION_IDLE_TIMEOUT", default_value = "12h", value_parser = parse_duration, global = true)]
    pub session_idle_timeout: Duration,

    /// Failed sign-ins allowed per account from one client address within the window before further
    /// attempts from there are refused; from all addresses together, four times this (a browser that
    /// signed in to the account before is let past that account-wide limit).
    #[arg(long, env = "ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT", default_value_t = 5, global = true)]
    pub login_max_failures_per_account: u32,

    /// Failed sign-ins allowed per client IP address within the window.
    #[arg(long, env = "ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 20, global = true)]
    pub login_max_failures_per_address: u32,

    /// Reverse proxies (comma-separated IP addresses or CIDR networks) whose X-Forwarded-For header is
    /// believed for the client's address; from anyone else it is ignored and the connection's address
    /// is used. Default: none.
    #[arg(long, env = "ROOK_NOTIFY_TRUSTED_PROXIES", default_value = "", value_parser = parse_trusted_proxies, global = true)]
    pub trusted_proxies: crate::service::TrustedProxies,

    /// The window over which failed sign-ins are counted (and how long a lock-out lasts).
    #[arg(long, env = "ROOK_NOTIFY_LOGIN_FAILURE_WINDOW", default_value = "15m", value_parser = parse_duration, global = true)]
    pub login_failure_window: Duration,

    /// Requests per second each client API key may make, on average (a bulk resend also counts each
    /// item it queues); counted per process.
    #[arg(long, env = "ROOK_NOTIFY_CLIENT_KEY_RATE", default_value_t = 10.0, value_parser = parse_positive_rate, global = true)]
    pub client_key_rate: f64,

    /// Requests a client API key may make at once before its rate applies.
    #[arg(long, env = "ROOK_NOTIFY_CLIENT_KEY_BURST", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub client_key_burst: u32,

    /// How long in-flight work may take to finish after SIGTERM or Ctrl-C before the process exits.
    #[arg(long, env = "ROOK_NOTIFY_SHUTDOWN_GRACE", default_value = "20s", value_parser = parse_duration, global = true)]
    pub shutdown_grace: Duration,

    /// A client must send a request's headers within this long of their first byte (on a new
    /// connection, of connecting), or the connection is closed: slow clients cannot hold sockets.
    #[arg(long, env = "ROOK_NOTIFY_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration, global = true)]
    pub header_read_timeout: Duration,

    /// A keep-alive connection that has sent no new request for this long after its last answer is
    /// closed.
    #[arg(long, env = "ROOK_NOTIFY_KEEP_ALIVE_TIMEOUT", default_value = "75s", value_parser = parse_duration, global = true)]
    pub keep_alive_timeout: Duration,

    /// A client that reads none of an answer for this long while the server has more to send (its
    /// socket is full) is disconnected: a client that stops reading cannot hold a connection (and a
    /// live feed) for ever.
    #[arg(long, env = "ROOK_NOTIFY_SEND_TIMEOUT", default_value = "60s", value_parser = parse_duration, global = true)]
    pub send_timeout: Duration,

    /// A request's body must arrive within this long, or the request fails with 408.
    #[arg(long, env = "ROOK_NOTIFY_REQUEST_BODY_TIMEOUT", default_value = "60s", value_parser = parse_duration, global = true)]
    pub request_body_timeout: Duration,

    /// Ingest requests (platform events and data deliveries) waiting to be recorded at most; beyond it
    /// they are refused at once with 503 and `Retry-After` instead of queueing without bound.
    #[arg(long, env = "ROOK_NOTIFY_MAX_PENDING_INGEST", default_value_t = crate::engine::ingest_queue::DEFAULT_MAX_PENDING, global = true)]
    pub max_pending_ingest: usize,

    /// Connections served at once; more wait in the listen queue until one closes.
    #[arg(long, env = "ROOK_NOTIFY_MAX_CONNECTIONS", default_value_t = 4096, global = true)]
    pub max_connections: usize,

    /// An API token with admin scope, for ROOK's services (more: `create-token`). Never logged.
    #[arg(long, env = "ROOK_NOTIFY_API_TOKEN", hide_env_values = true, global = true)]
    pub api_token: Option<String>,

    /// Waits after each failed notification attempt; after the last one a notification is `failed`.
    #[arg(long, env = "ROOK_NOTIFY_RETRY_SCHEDULE", default_value = "10s,1m,10m,1h,2h,24h,48h", value_parser = parse_schedule, global = true)]
    pub retry_schedule: RetrySchedule,

    /// Waits after each failed Data Webhook delivery attempt (ROOK's Data Webhook schedule by default).
    #[arg(long, env = "ROOK_NOTIFY_DATA_RETRY_SCHEDULE", default_value = "2h,24h,48h", value_parser = parse_schedule, global = true)]
    pub data_retry_schedule: RetrySchedule,

    /// How long a data delivery's payload is kept; after it the body is purged (the record and its
    /// attempts stay).
    #[arg(long, env = "ROOK_NOTIFY_DATA_RETENTION", default_value = "30d", value_parser = parse_duration, global = true)]
    pub data_retention: Duration,

    /// How long a notification's payload is kept; after it the body is purged (record and attempts stay).
    #[arg(long, env = "ROOK_NOTIFY_NOTIFICATION_PAYLOAD_RETENTION", default_value = "90d", value_parser = parse_duration, global = true)]
    pub notification_payload_retention: Duration,

    /// How long notifications and data deliveries are kept at all; older ones are deleted with their
    /// attempts.
    #[arg(long, env = "ROOK_NOTIFY_RECORD_RETENTION", default_value = "365d", value_parser = parse_duration, global = true)]
    pub record_retention: Duration,

    /// How long a receiver has to answer an attempt.
    #[arg(long, env = "ROOK_NOTIFY_DELIVERY_TIMEOUT", default_value = "15s", value_parser = parse_duration, global = true)]
    pub delivery_timeout: Duration,

    /// Deliveries in flight from this process, all endpoints together.
    #[arg(long, env = "ROOK_NOTIFY_MAX_IN_FLIGHT", default_value_t = 256, global = true)]
    pub max_in_flight: usize,

    /// A request to a receiver still running after this long is slow: it stops holding one of the
    /// process's `--max-in-flight` slots (up to four times their number), and its endpoint gets no new
    /// requests until it ends.
    #[arg(long, env = "ROOK_NOTIFY_SLOW_AFTER", default_value = "1s", value_parser = parse_duration, global = true)]
    pub slow_after: Duration,

    /// Deliveries in flight to one endpoint from this process.
    #[arg(long, env = "ROOK_NOTIFY_MAX_IN_FLIGHT_PER_ENDPOINT", default_value_t = 4, global = true)]
    pub max_in_flight_per_endpoint: usize,

    /// Bytes of payloads claimed and in flight from this process at most (memory bound; one larger
    /// payload still goes alone).
    #[arg(long, env = "ROOK_NOTIFY_MAX_IN_FLIGHT_BYTES", default_value_t = 64 * 1024 * 1024, global = true)]
    pub max_in_flight_bytes: usize,

    /// How long a claimed delivery stays this process's; claims of a crashed process come back after it.
    #[arg(long, env = "ROOK_NOTIFY_CLAIM_LEASE", default_value = "60s", value_parser = parse_duration, global = true)]
    pub claim_lease: Duration,

    /// An endpoint failing without a single success for this long is disabled (its notifications are held).
    #[arg(long, env = "ROOK_NOTIFY_DISABLE_AFTER", default_value = "5d", value_parser = parse_duration, global = true)]
    pub disable_after: Duration,

    /// An endpoint failing this many attempts in a row raises an alert (and succeeding again after it,
    /// another).
    #[arg(long, env = "ROOK_NOTIFY_ALERT_AFTER_FAILURES", default_value_t = 5, global = true)]
    pub alert_after_failures: u32,

    /// Where operational alerts are POSTed as signed webhooks (optional; they are always in the dashboard).
    /// Credentials in it are never shown (`check-config` masks them).
    #[arg(long, env = "ROOK_NOTIFY_STAFF_ALERT_URL", hide_env_values = true, global = true)]
    pub staff_alert_url: Option<url::Url>,

    /// The `whsec_…` secret that signs alerts to the staff alert URL (required with it). Never logged.
    #[arg(long, env = "ROOK_NOTIFY_STAFF_ALERT_SECRET", hide_env_values = true, global = true)]
    pub staff_alert_secret: Option<String>,

    /// Allow deliveries to loopback, private and link-local addresses (local demos and tests only).
    #[arg(long, env = "ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS", default_value_t = false, global = true)]
    pub allow_private_destinations: bool,

    /// Accept http:// Production webhook URLs (local development only).
    #[arg(long, env = "ROOK_NOTIFY_ALLOW_INSECURE_URLS", default_value_t = false, global = true)]
    pub allow_insecure_urls: bool,

    /// The key that encrypts signing secrets and ROOK hash keys at rest (64 hex digits or base64 of 32
    /// bytes). Without it, the key file below is used (and created on first run). Never logged.
    #[arg(long, env = "ROOK_NOTIFY_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,

    /// Where the secret key is kept when `ROOK_NOTIFY_SECRET_KEY` is not set; created (mode 0600) if
    /// absent. Back it up: without it the stored secrets cannot be read.
    #[arg(long, env = "ROOK_NOTIFY_SECRET_KEY_FILE", default_value = "data/secret.key", global = true)]
    pub secret_key_file: PathBuf,

    /// Earlier secret keys (comma-separated), still accepted for reading during a key rotation.
    #[arg(
        long,
        env = "ROOK_NOTIFY_PREVIOUS_SECRET_KEYS",
        hide_env_values = true,
        value_delimiter = ',',
        global = true
    )]
    pub previous_secret_keys: Vec<String>,

    /// Run the delivery engine in this process (turn off for a process that only serves the dashboard
    /// and the API while others deliver).
    #[arg(long, env = "ROOK_NOTIFY_DELIVER", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub deliver: bool,
}

fn parse_schedule(s: &str) -> Result<RetrySchedule, String> {
    s.parse()
}

/// Parses a human duration such as `15m`, `12h` or `500ms`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("`{s}` is not a duration like 10s, 15m or 2h: {e}"))
}

impl Settings {
    /// The settings with every default, for tests and tools that build them in code.
    pub fn defaults() -> Self {
        Cli::parse_from(["rook-notify"]).settings
    }

    /// The public URL, or one made from the listen address.
    pub fn effective_public_url(&self) -> url::Url {
        self.public_url.clone().unwrap_or_else(|| {
            url::Url::parse(&format!("http://{}", self.site_addr)).expect("a socket address makes a valid URL")
        })
    }

    /// Whether session cookies must be `Secure` (the dashboard is reached over https).
    pub fn secure_cookies(&self) -> bool {
        self.effective_public_url().scheme() == "https"
    }

    /// The database file and key file this process would use, resolved against `cwd`.
    pub fn data_location(&self, cwd: &std::path::Path) -> DataLocation {
        DataLocation {
            database_file: sqlite_file(&self.database_url).map(|file| LocatedPath::new(&file, cwd)),
            key_file: self.secret_key.is_none().then(|| LocatedPath::new(&self.secret_key_file, cwd)),
        }
    }

    /// The front-end directory: the flag, else `site/` beside the binary's directory (where `cargo site`
    /// and cargo-leptos write it, and where scripts/release.sh puts it), else `target/site` under the
    /// working directory.
    pub fn resolved_site_root(&self) -> PathBuf {
        if let Some(root) = &self.site_root {
            return root.clone();
        }
        let beside_binary = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent()?.parent().map(|target| target.join("site")))
            .filter(|dir| dir.join("pkg").is_dir());
        beside_binary.unwrap_or_else(|| PathBuf::from("target/site"))
    }
}

/// Where this installation's identity lives: the SQLite database file and the secret key file, made
/// absolute. Both defaults are relative to the working directory, so a start from another directory
/// would silently begin a new database with a new key; [`DataLocation::warnings`] says so loudly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLocation {
    /// The SQLite database file (none for Postgres or an in-memory SQLite).
    pub database_file: Option<LocatedPath>,
    /// The secret key file (none when the key is given by `ROOK_NOTIFY_SECRET_KEY`).
    pub key_file: Option<LocatedPath>,
}

/// A path as configured and as it resolves against the working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedPath {
    pub absolute: PathBuf,
    /// The configured path was relative (to the working directory).
    pub relative: bool,
}

impl LocatedPath {
    fn new(path: &std::path::Path, cwd: &std::path::Path) -> Self {
        LocatedPath { absolute: cwd.join(path), relative: path.is_relative() }
    }
}

impl DataLocation {
    /// One warning per file that a relative path would create anew: the usual sign of a start from the
    /// wrong directory. An absolute path is taken as meant, and an existing file as this installation's.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let items = [
            ("database", "--database-url sqlite:///abs/path.db", &self.database_file),
            ("secret key file", "--secret-key-file /abs/path", &self.key_file),
        ];
        for (what, flag, located) in items {
            let Some(located) = located else { continue };
            if located.relative && !located.absolute.exists() {
                warnings.push(format!(
                    "NEW {what} at {}: its configured path is relative to the working directory and nothing is \
                     there yet. If this installation has data elsewhere, stop now and start from that directory \
                     or give an absolute path ({flag}).",
                    located.absolute.display()
                ));
            }
        }
        warnings
    }
}

/// The file of a `sqlite:` database URL (`sqlite://data/x.db`, `sqlite:///abs/x.db`, `sqlite:x.db?mode=rwc`);
/// none for other databases and in-memory SQLite.
fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn parse_trusted_proxies(s: &str) -> Result<crate::service::TrustedProxies, String> {
    s.parse()
}

/// A rate: a finite number above zero.
fn parse_positive_rate(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("`{raw}` is not a rate above zero (requests per second, such as 10 or 0.5)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file_and_others_none() {
        assert_eq!(sqlite_file("sqlite://data/rook-notify.db"), Some(PathBuf::from("data/rook-notify.db")));
        assert_eq!(sqlite_file("sqlite:///var/lib/rook/r.db?mode=rwc"), Some(PathBuf::from("/var/lib/rook/r.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://rook@db/rook"), None);
    }

    #[test]
    fn relative_paths_to_missing_files_warn_and_absolute_or_existing_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::defaults();
        // The defaults, from a directory with no data/: both would be created anew.
        let warnings = settings.data_location(dir.path()).warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains(&dir.path().join("data/rook-notify.db").display().to_string()));
        assert!(warnings[1].contains("secret key file"));

        // Once they exist (a later start from the same directory), nothing to say.
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/rook-notify.db"), b"").unwrap();
        std::fs::write(dir.path().join("data/secret.key"), b"").unwrap();
        assert!(settings.data_location(dir.path()).warnings().is_empty());

        // Absolute paths are taken as meant, even before the files exist; a key given inline has no file.
        let elsewhere = tempfile::tempdir().unwrap();
        settings.database_url = format!("sqlite://{}", elsewhere.path().join("new.db").display());
        settings.secret_key = Some("00".repeat(32));
        let location = settings.data_location(elsewhere.path());
        assert!(location.warnings().is_empty());
        assert_eq!(location.key_file, None);
        assert!(!location.database_file.unwrap().relative);
    }

    #[test]
    fn durations_accept_human_units_and_reject_garbage() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").unwrap_err().contains("not a duration"));
    }
}
