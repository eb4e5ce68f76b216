//! Browser sessions: tower-sessions with its sqlx store, in the same database as everything else.

use app::backend::SessionPort;
use app::error::AppError;
use async_trait::async_trait;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::store::NativePool;

/// The session key holding the signed-in account's id.
const ACCOUNT_KEY: &str = "account_id";
/// The session cookie's name.
pub const COOKIE_NAME: &str = "rook_notify_session";

/// The session store of whichever backend the server runs on.
#[derive(Debug, Clone)]
pub enum SqlSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SqlSessionStore {
    /// The store over the backend's native pool (its table is created by our migrations).
    pub fn new(pool: &NativePool) -> Self {
        match pool {
            NativePool::Sqlite(pool) => SqlSessionStore::Sqlite(SqliteStore::new(pool.clone())),
            NativePool::Postgres(pool) => SqlSessionStore::Postgres(
                PostgresStore::new(pool.clone())
                    .with_schema_name("public")
                    .and_then(|s| s.with_table_name("tower_sessions"))
                    .expect("static identifiers are valid"),
            ),
        }
    }
}

impl SqlSessionStore {
    /// The backend's own store, which every operation goes to.
    fn backend(&self) -> &(dyn SessionStore + 'static) {
        match self {
            Self::Sqlite(s) => s,
            Self::Postgres(s) => s,
        }
    }
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.backend().create(record).await
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.backend().save(record).await
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.backend().load(id).await
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.backend().delete(id).await
    }
}

#[async_trait]
impl ExpiredDeletion for SqlSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.delete_expired().await,
            Self::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// The session middleware, and how often use of a session extends it.
#[derive(Clone)]
pub struct SessionLayer {
    pub(super) manager: SessionManagerLayer<SqlSessionStore>,
    pub(super) store: SqlSessionStore,
    pub(super) extend_every: std::time::Duration,
    /// Whether cookies are `Secure` (the device cookie follows the session cookie).
    pub(super) secure: bool,
}

/// Session cookies: HttpOnly, SameSite=Lax, Secure when the dashboard is served over https; a session
/// ends after `idle_timeout` without requests.
pub fn layer(store: SqlSessionStore, secure: bool, idle_timeout: std::time::Duration) -> SessionLayer {
    let idle = time::Duration::try_from(idle_timeout).unwrap_or(time::Duration::hours(12));
    let manager = SessionManagerLayer::new(store.clone())
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(idle));
    // Once a minute is enough for a 12-hour timeout; a short timeout (tests) is extended sooner, so
    // use within it always counts.
    let extend_every = EXTEND_EVERY.min(idle_timeout / 4);
    SessionLayer { manager, store, extend_every, secure }
}

/// The session key holding when the session was last extended (Unix milliseconds).
const EXTENDED_KEY: &str = "extended_at";
/// How often, at most, use of a session writes its new expiry.
const EXTEND_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Extends a signed-in session on use. tower-sessions saves (and so moves the expiry of) only a
/// modified session, which would make the idle timeout an absolute one: an active user would be signed
/// out `idle_timeout` after signing in. Marking the session when more than `extend_every` has passed
/// since its last extension saves it with a new expiry (and a fresh cookie), without a write on every
/// request. The live feed does not count as use: an open tab is not a person at work, and it
/// reconnects by itself.
pub(super) async fn extend_on_use(
    axum::extract::State(extend_every): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    // Static files (the last segment has an extension) are not use either, and loading the session
    // for each would cost a query per asset.
    let is_use = !path.starts_with("/live/") && !path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    if is_use && let Some(session) = request.extensions().get::<Session>().cloned() {
        extend(&session, extend_every).await;
    }
    next.run(request).await
}

async fn extend(session: &Session, every: std::time::Duration) {
    // Only a signed-in session: a visitor gets no session row for looking at the login page.
    if !matches!(session.get::<String>(ACCOUNT_KEY).await, Ok(Some(_))) {
        return;
    }
    let now = i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let last = session.get::<i64>(EXTENDED_KEY).await.ok().flatten().unwrap_or(0);
    let every = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
    if now.saturating_sub(last) >= every
        && let Err(err) = session.insert(EXTENDED_KEY, now).await
    {
        // The request goes on; at worst the session is not extended this time.
        tracing::warn!(error = %err, "extending a session failed");
    }
}

/// Whether the session `id` still exists, unexpired, for `account_id`: what an open live feed checks
/// against the store (not the request's copy), so sign-out and expiry end it.
pub(super) async fn still_signed_in(store: &SqlSessionStore, id: Option<Id>, account_id: &str) -> bool {
    let Some(id) = id else { return false };
    match store.load(&id).await {
        Ok(Some(record)) => {
            let unexpired = record.expiry_date > time::OffsetDateTime::now_utc();
            unexpired && record.data.get(ACCOUNT_KEY).and_then(|v| v.as_str()) == Some(account_id)
        }
        Ok(None) => false,
        Err(err) => {
            // A failing store cannot vouch for the session: end the feed; the browser reconnects and
            // gets whatever answer the store gives then.
            tracing::warn!(error = %err, "checking a live feed's session failed");
            false
        }
    }
}

/// The app's view of one request's session.
pub struct BrowserSession(Session);

impl BrowserSession {
    pub fn new(session: Session) -> Self {
        BrowserSession(session)
    }
}

fn session_failed(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store failed");
    AppError::Internal
}

#[async_trait]
impl SessionPort for BrowserSession {
    async fn account_id(&self) -> Result<Option<String>, AppError> {
        self.0.get::<String>(ACCOUNT_KEY).await.map_err(session_failed)
    }

    async fn start(&self, account_id: &str) -> Result<(), AppError> {
        // A new id on sign-in: a session id planted before sign-in is worthless afterwards.
        self.0.cycle_id().await.map_err(session_failed)?;
        self.0.insert(ACCOUNT_KEY, account_id.to_owned()).await.map_err(session_failed)
    }

    async fn end(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(session_failed)
    }
}
