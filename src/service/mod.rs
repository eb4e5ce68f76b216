//! The service layer: every rule of the product — validation and authorisation — in one place, used
//! by both the REST API and the dashboard's server functions, so no rule is written twice.
//!
//! Every operation takes the [`Actor`] it acts for and decides what that actor may see or do.

mod accounts;
mod actor;
mod client_keys;
mod clients;
mod dashboard;
mod data;
mod environments;
mod error;
mod events;
mod key_rate;
mod login_limit;
mod notifications;
mod paging;
mod passwords;
mod resend;
mod tokens;
mod trusted_proxies;
mod urls;
mod user_id;
mod views;

pub use accounts::SignedIn;
pub use actor::{Actor, ClientKeyActor};
pub use client_keys::CLIENT_KEY_PREFIX;
pub use data::DataDeliveryRequest;
pub use environments::{EnvironmentPatch, Patch, SubscriptionChange};
pub use error::ServiceError;
pub use events::PlatformEvent;
pub use key_rate::KeyRate;
pub use login_limit::LoginLimits;
pub use tokens::{IdempotencyKey, IdempotentReply};
pub use trusted_proxies::TrustedProxies;

use std::sync::Arc;

use tokio::sync::{broadcast, watch};

use crate::engine::due::DueSignal;
use crate::engine::health::EngineHealth;
use crate::engine::ingest_queue::IngestQueue;
use crate::engine::recorded::Recorded;
use crate::store::Store;
use login_limit::LoginLimiter;

/// The service layer's settings.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub login_limits: LoginLimits,
    /// Accept `http://` Production URLs (local development only).
    pub allow_insecure_urls: bool,
    /// A token from the configuration that has admin scope (besides those created with `create-token`).
    pub api_token: Option<String>,
    /// The proxies whose `X-Forwarded-For` is believed (`ROOK_NOTIFY_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// Ingest requests (events and data deliveries) waiting to be recorded at most; more are refused
    /// with 503 and `Retry-After`.
    pub max_pending_ingest: usize,
    /// Each client API key's request rate.
    pub client_key_rate: KeyRate,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            login_limits: LoginLimits::default(),
            allow_insecure_urls: false,
            api_token: None,
            trusted_proxies: TrustedProxies::default(),
            max_pending_ingest: crate::engine::ingest_queue::DEFAULT_MAX_PENDING,
            client_key_rate: KeyRate::default(),
        }
    }
}

/// The service layer's handle; cheap to clone.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: ServiceConfig,
    login_limiter: LoginLimiter,
    /// Each client API key's request budget.
    key_rate: key_rate::KeyRateLimiter,
    /// What this process remembers of client API keys' uses.
    key_uses: std::sync::Mutex<client_keys::KeyUses>,
    ingest: IngestQueue,
    /// Wakes the dispatcher when something became due.
    due: Arc<DueSignal>,
    /// The clients whose notifications were recorded or changed (for live feeds).
    recorded: broadcast::Sender<Recorded>,
    /// Turns `true` when the server begins to shut down.
    closing: watch::Sender<bool>,
    /// What the delivery engine reports about itself (readiness).
    engine_health: Arc<EngineHealth>,
    /// Clients known to exist (clients are never deleted, so a hit never goes stale): ingestion checks
    /// the client of every event without a query each time.
    known_clients: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Services {
    /// Builds the service layer over a store and starts its ingest writer.
    pub fn new(store: Store, config: ServiceConfig) -> Self {
        let due = Arc::new(DueSignal::default());
        let (recorded, _) = broadcast::channel(1024);
        let ingest = IngestQueue::start(store.clone(), due.clone(), recorded.clone(), config.max_pending_ingest);
        Services {
            inner: Arc::new(Inner {
                login_limiter: LoginLimiter::new(config.login_limits, store.clone()),
                key_rate: key_rate::KeyRateLimiter::new(config.client_key_rate),
                key_uses: std::sync::Mutex::default(),
                store,
                config,
                ingest,
                due,
                recorded,
                closing: watch::Sender::new(false),
                engine_health: Arc::default(),
                known_clients: std::sync::Mutex::new(std::collections::HashSet::new()),
            }),
        }
    }

    /// The client's address of a request from `peer` carrying `forwarded_for` (its `X-Forwarded-For`
    /// values): the header is believed only from a trusted proxy.
    pub fn client_address<'a>(
        &self,
        peer: std::net::IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> std::net::IpAddr {
        self.inner.config.trusted_proxies.client_address(peer, forwarded_for)
    }

    /// The store underneath (for the engine and health checks, which have no actor).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Ingest requests (events and data deliveries) admitted and not answered yet.
    pub fn ingest_waiting(&self) -> usize {
        self.inner.ingest.waiting()
    }

    /// The signal that wakes the dispatcher; the engine waits on it.
    pub fn due_signal(&self) -> Arc<DueSignal> {
        self.inner.due.clone()
    }

    /// What the delivery engine reports about itself; the engine writes it, readiness reads it.
    pub fn engine_health(&self) -> Arc<EngineHealth> {
        self.inner.engine_health.clone()
    }

    /// Hears, from now on, the clients whose notifications this process records or changes (a live feed
    /// also polls, for what other processes record).
    pub fn recorded_signal(&self) -> broadcast::Receiver<Recorded> {
        self.inner.recorded.subscribe()
    }

    /// Where the engine announces the notifications it changed; live feeds hear it through
    /// [`Services::recorded_signal`].
    pub fn recorded_sender(&self) -> broadcast::Sender<Recorded> {
        self.inner.recorded.clone()
    }

    /// Tells long-lived responses (live feeds) that the server is shutting down: graceful shutdown
    /// waits for every open response, so they must end rather than run their course.
    pub fn begin_shutdown(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Becomes `true` once [`Services::begin_shutdown`] was called.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// `NotFound` unless the client exists and the actor may see it; answers from memory once a client
    /// was seen (the hot path of ingestion).
    async fn known_client(&self, actor: &Actor, client_uuid: &str) -> Result<(), ServiceError> {
        if !actor.can_access_client(client_uuid) {
            return Err(ServiceError::NotFound("client"));
        }
        let known = |known: &std::collections::HashSet<String>| known.contains(client_uuid);
        if known(&self.inner.known_clients.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(());
        }
        self.store().client(client_uuid).await?.ok_or(ServiceError::NotFound("client"))?;
        self.inner.known_clients.lock().unwrap_or_else(|e| e.into_inner()).insert(client_uuid.to_owned());
        Ok(())
    }

    fn wake_dispatcher(&self) {
        self.inner.due.anywhere();
    }
}
