//! Assembles the server from its settings. Production (`serve`) and the tests build it through the
//! same [`Application::build`], so they cannot drift apart.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tower_sessions::ExpiredDeletion;

use crate::config::Settings;
use crate::engine::delivery_client::DeliveryClientConfig;
use crate::engine::retry::RetryPolicy;
use crate::engine::{Engine, EngineConfig, EngineError};
use crate::service::{KeyRate, LoginLimits, ServiceConfig, ServiceError, Services};
use crate::store::{SecretCipher, Store, StoreError, generate_key, parse_key};
use crate::web::{self, AllowedOrigins, session};

/// How often, in seconds of the background checkpoint's clock, the metrics' histograms are folded
/// ([`crate::metrics::upkeep`]), as the exporter's own upkeep task would.
const METRICS_UPKEEP_EVERY: u64 = 5;

/// Why the server could not be built or run.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Input(String),
}

/// A built server, bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    services: Services,
    engine: Option<Engine>,
    /// The separate listener of `/metrics`, when configured.
    metrics_listener: Option<TcpListener>,
    settings: Settings,
    local_addr: SocketAddr,
}

impl Application {
    /// Connects to and migrates the database, seeds the demo when asked, binds the listen address
    /// and builds the router.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let store = open_store(&settings).await?;
        let services = Services::new(store.clone(), service_config(&settings));
        if settings.demo {
            crate::demo::seed(&services, &settings).await?;
        }
        let engine = if settings.deliver {
            Some(Engine::start(
                store.clone(),
                engine_config(&settings)?,
                services.due_signal(),
                services.engine_health(),
                services.recorded_sender(),
            )?)
        } else {
            None
        };

        let listener = TcpListener::bind(settings.site_addr)
            .await
            .map_err(|source| StartupError::Bind { addr: settings.site_addr, source })?;
        let local_addr = listener.local_addr().map_err(StartupError::Serve)?;

        let options = leptos_options(&settings, local_addr);
        let session_store = session::SqlSessionStore::new(store.native());
        let sessions = session::layer(session_store, settings.secure_cookies(), settings.session_idle_timeout);
        let origins = AllowedOrigins(vec![settings.effective_public_url().origin().ascii_serialization()]);
        let mut router =
            web::router(services.clone(), options, sessions, origins).merge(crate::api::router(services.clone()));

        crate::metrics::handle();
        let metrics_listener = match settings.metrics_addr {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?),
            None => {
                router = router.merge(crate::metrics::router(store.clone()));
                None
            }
        };
        // A body that does not arrive in time fails its request (408) instead of holding the connection.
        let mut router = router
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(settings.request_body_timeout))
            .layer(tower_http::trace::TraceLayer::new_for_http());
        // Outside the trace layer: the demo receiver's 500s are its job, not server errors to log.
        if settings.demo {
            router = router.nest("/demo/receiver", crate::demo::receiver::router());
        }

        Ok(Application { listener, router, services, engine, metrics_listener, settings, local_addr })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The service layer, for tests and tools that act on the running server's data.
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), StartupError> {
        let store = self.services.store().clone();
        let session_store = session::SqlSessionStore::new(store.native());
        let cleanup = tokio::spawn(async move {
            if let Err(err) = session_store.continuously_delete_expired(std::time::Duration::from_secs(600)).await {
                tracing::warn!(error = %err, "expired-session cleanup stopped");
            }
        });
        let checkpoints = tokio::spawn({
            let store = store.clone();
            async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                // The same count of write transactions at 3 ticks in a row (2 s without a write) means
                // the database is at rest, and so is the engine: what the burst grew is given back, on
                // either backend (Postgres too keeps the engine's freed buffers in glibc's arenas),
                // and so is the disk the SQLite WAL file kept for the next second's writes.
                let mut at_rest = crate::memory::Quiet::new(2);
                for tick in 0u64.. {
                    every.tick().await;
                    if tick % METRICS_UPKEEP_EVERY == 0 {
                        crate::metrics::upkeep();
                    }
                    match store.checkpoint().await {
                        Ok(pages) => crate::metrics::wal_pages(pages),
                        Err(err) => tracing::warn!(error = %err, "checkpointing the SQLite WAL failed"),
                    }
                    if at_rest.observe(store.writes_begun()) {
                        if let Err(err) = store.truncate_wal().await {
                            tracing::warn!(error = %err, "emptying the SQLite WAL file failed");
                        }
                        if let Err(err) = store.release_memory().await {
                            tracing::warn!(error = %err, "freeing the SQLite page caches failed");
                        }
                        crate::memory::give_back();
                    }
                }
            }
        });
        let metrics = self.metrics_listener.map(|listener| {
            let router = crate::metrics::router(store.clone());
            tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, router).await {
                    tracing::warn!(error = %err, "the metrics listener stopped");
                }
            })
        });
        tracing::info!(address = %self.local_addr, "rook-notify listening");
        let services = self.services.clone();
        let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
        let shutdown = async move {
            shutdown.await;
            // Live feeds would otherwise keep their connections open until the grace period ends.
            services.begin_shutdown();
            let _ = stopping_tx.send(true);
        };
        let limits = crate::server::ConnectionLimits {
            header_read_timeout: self.settings.header_read_timeout,
            keep_alive_timeout: self.settings.keep_alive_timeout,
            send_timeout: self.settings.send_timeout,
            max_connections: self.settings.max_connections,
            shutdown_grace: self.settings.shutdown_grace,
        };
        // The connections and the engine wind down side by side, each within the grace period.
        let engine = self.engine;
        let grace = self.settings.shutdown_grace;
        let engine_stopped = async move {
            let _ = stopping.wait_for(|stopping| *stopping).await;
            if let Some(engine) = engine {
                engine.shutdown(grace).await;
            }
        };
        tokio::join!(crate::server::serve(self.listener, self.router, limits, shutdown), engine_stopped);
        cleanup.abort();
        checkpoints.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), store.close()).await;
        Ok(())
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        self.run_until(shutdown_signal()).await
    }
}

/// Connects to the configured database with the configured secret key, and migrates it. Refuses a
/// key that cannot read the secrets the database holds, and binds secrets stored before they were
/// bound to their owner.
pub async fn open_store(settings: &Settings) -> Result<Store, StartupError> {
    let max_bytes = settings.sqlite_max_size.filter(|&bytes| bytes > 0);
    let store = Store::connect_with_limit(&settings.database_url, secret_cipher(settings)?, max_bytes).await?;
    store.migrate().await?;
    let unreadable = store.unreadable_secret_keys().await?;
    if !unreadable.is_empty() {
        store.close().await;
        return Err(StartupError::Input(wrong_key_message(settings, store.cipher().key_id(), &unreadable)));
    }
    let bound = store.bind_secrets_to_owners().await?;
    if bound > 0 {
        tracing::info!(secrets = bound, "bound stored secrets to their client, environment and purpose");
    }
    if !store.removes_dead_rows().await? {
        tracing::warn!(
            "Postgres has autovacuum off: every claim and delivery leaves a dead row that only a vacuum \
             removes, so delivery slows down as they accumulate; turn autovacuum on, or VACUUM the \
             notifications and data_deliveries tables often"
        );
    }
    Ok(store)
}

/// Why the configured key is refused: a server started with the wrong key (say, from another working
/// directory, where a new key file was created) would fail every signature instead.
fn wrong_key_message(settings: &Settings, key_id: &str, unreadable: &[(String, usize)]) -> String {
    let source = match &settings.secret_key {
        Some(_) => "ROOK_NOTIFY_SECRET_KEY".to_owned(),
        None => format!("the key file {} (ROOK_NOTIFY_SECRET_KEY_FILE)", settings.secret_key_file.display()),
    };
    let held = unreadable.iter().map(|(id, n)| format!("{n} with key {id}")).collect::<Vec<_>>().join(", ");
    format!(
        "the database holds encrypted secrets that the configured secret key cannot read ({held}); the key \
         in use is {key_id}, from {source}. Start with the key that wrote them (set ROOK_NOTIFY_SECRET_KEY, \
         or ROOK_NOTIFY_SECRET_KEY_FILE to the file that holds it); after a key rotation, list the old key \
         in ROOK_NOTIFY_PREVIOUS_SECRET_KEYS and run `rook-notify reencrypt-secrets`"
    )
}

/// The cipher for secrets at rest: the configured key, or the key file (created on first run).
pub fn secret_cipher(settings: &Settings) -> Result<SecretCipher, StartupError> {
    let bad = |what: &str, e: String| StartupError::Input(format!("{what}: {e}"));
    let current = match &settings.secret_key {
        Some(key) => parse_key(key).map_err(|e| bad("ROOK_NOTIFY_SECRET_KEY", e))?,
        None => {
            let text = read_or_create_key_file(&settings.secret_key_file)?;
            parse_key(&text).map_err(|e| bad(&settings.secret_key_file.display().to_string(), e))?
        }
    };
    let previous = settings
        .previous_secret_keys
        .iter()
        .filter(|k| !k.trim().is_empty())
        .map(|k| parse_key(k).map_err(|e| bad("ROOK_NOTIFY_PREVIOUS_SECRET_KEYS", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SecretCipher::new(current, &previous))
}

fn read_or_create_key_file(path: &std::path::Path) -> Result<String, StartupError> {
    use std::io::Write;
    let io = |e: std::io::Error| StartupError::Input(format!("secret key file {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let key = generate_key();
            file.write_all(format!("{key}\n").as_bytes()).map_err(io)?;
            tracing::warn!(path = %path.display(), "created a new secret key file: back it up, the stored secrets need it");
            Ok(key)
        }
        // Another process created it first, or it exists from an earlier run.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(path).map_err(io),
        Err(e) => Err(io(e)),
    }
}

/// The service layer's settings.
pub fn service_config(settings: &Settings) -> ServiceConfig {
    ServiceConfig {
        login_limits: LoginLimits {
            max_failures_per_account: settings.login_max_failures_per_account,
            max_failures_per_address: settings.login_max_failures_per_address,
            window: settings.login_failure_window,
        },
        allow_insecure_urls: settings.allow_insecure_urls,
        api_token: settings.api_token.clone().filter(|t| !t.is_empty()),
        trusted_proxies: settings.trusted_proxies.clone(),
        max_pending_ingest: settings.max_pending_ingest,
        client_key_rate: KeyRate { per_second: settings.client_key_rate, burst: settings.client_key_burst },
    }
}

/// The delivery engine's settings.
pub fn engine_config(settings: &Settings) -> Result<EngineConfig, StartupError> {
    let staff_alerts = match (&settings.staff_alert_url, &settings.staff_alert_secret) {
        (None, _) => None,
        (Some(url), Some(secret)) if secret.starts_with(crate::engine::signing::SECRET_PREFIX) => {
            Some(crate::engine::alerts::StaffAlerts { url: url.to_string(), secret: secret.clone() })
        }
        (Some(_), _) => {
            return Err(StartupError::Input(
                "ROOK_NOTIFY_STAFF_ALERT_URL needs ROOK_NOTIFY_STAFF_ALERT_SECRET, a whsec_… secret that signs the alerts"
                    .to_owned(),
            ));
        }
    };
    Ok(EngineConfig {
        retry: RetryPolicy { schedule: settings.retry_schedule.clone(), jitter: 0.1 },
        data_retry: RetryPolicy { schedule: settings.data_retry_schedule.clone(), jitter: 0.1 },
        client: DeliveryClientConfig {
            timeout: settings.delivery_timeout,
            allow_private_destinations: settings.allow_private_destinations,
            ..DeliveryClientConfig::default()
        },
        max_in_flight: settings.max_in_flight.max(1),
        max_in_flight_per_endpoint: settings.max_in_flight_per_endpoint.max(1),
        slow_after: settings.slow_after,
        lease: settings.claim_lease.max(settings.delivery_timeout * 2),
        max_in_flight_bytes: settings.max_in_flight_bytes,
        disable_after: settings.disable_after,
        retention: crate::engine::retention::RetentionPolicy {
            data_payloads: settings.data_retention,
            notification_payloads: settings.notification_payload_retention,
            records: settings.record_retention,
        },
        alert_after_failures: settings.alert_after_failures,
        staff_alerts,
        shutdown_grace: settings.shutdown_grace,
    })
}

/// Leptos' options from our own settings, so the binary runs from any working directory.
fn leptos_options(settings: &Settings, local_addr: SocketAddr) -> LeptosOptions {
    let site_root: PathBuf = settings.resolved_site_root();
    let site_root = std::fs::canonicalize(&site_root).unwrap_or(site_root);
    if !site_root.join("pkg").is_dir() {
        tracing::warn!(
            site_root = %site_root.display(),
            "no built front end here (pkg/ is missing): pages render but will not hydrate; build it with `cargo site`"
        );
    }
    LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(local_addr)
        .build()
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested");
}
