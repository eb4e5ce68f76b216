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

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.create(record).await,
            Self::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.save(record).await,
            Self::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(s) => s.load(id).await,
            Self::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.delete(id).await,
            Self::Postgres(s) => s.delete(id).await,
        }
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

/// The session middleware.
pub type SessionLayer = SessionManagerLayer<SqlSessionStore>;

/// Session cookies: HttpOnly, SameSite=Lax, Secure when the dashboard is served over https; a session
/// ends after `idle_timeout` without requests.
pub fn layer(store: SqlSessionStore, secure: bool, idle_timeout: std::time::Duration) -> SessionLayer {
    let idle = time::Duration::try_from(idle_timeout).unwrap_or(time::Duration::hours(12));
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(idle))
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
