//! The store's error type.

use sqlx::error::DatabaseError as _;

/// What can go wrong in the store. Callers act on `Conflict` and `NotFound`; the rest is internal.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with the same unique key exists (`what` names the key, e.g. "email").
    #[error("a row with this {what} already exists")]
    Conflict { what: &'static str },
    /// The row to change does not exist.
    #[error("not found")]
    NotFound,
    /// A stored value is not one the code knows (a bad manual edit, or a newer schema).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The database URL or options are unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// The database has no room for the write (SQLite: `SQLITE_FULL`; Postgres: `disk_full`, 53100).
    /// Nothing was written; the same write succeeds once space is freed.
    #[error("the database is full: {0}")]
    StorageFull(sqlx::Error),
    /// The database refused a value as data it cannot hold (Postgres class 22, "data exception": an
    /// invalid byte sequence, a character it cannot translate, a number out of range …). Inputs are
    /// checked before they get here; this keeps one that slipped through a client's mistake, not ours.
    #[error("the database refused a value: {0}")]
    UnstorableValue(sqlx::Error),
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match classify(&err) {
            Some(Refusal::Full) => Self::StorageFull(err),
            Some(Refusal::Unstorable) => Self::UnstorableValue(err),
            None => Self::Database(err),
        }
    }
}

enum Refusal {
    Full,
    Unstorable,
}

/// What a database's refusal means, by each backend's own codes.
fn classify(err: &sqlx::Error) -> Option<Refusal> {
    let sqlx::Error::Database(db) = err else { return None };
    if let Some(sqlite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
        // sqlx gives the extended result code; its low byte is the primary one (13: `SQLITE_FULL`).
        let code = sqlite.code().and_then(|c| c.parse::<i32>().ok())?;
        return (code & 0xff == 13).then_some(Refusal::Full);
    }
    let pg = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()?;
    match pg.code() {
        "53100" => Some(Refusal::Full),
        class_22 if class_22.starts_with("22") => Some(Refusal::Unstorable),
        _ => None,
    }
}

impl StoreError {
    /// The database could not be reached (down, restarting, or every connection busy past the pool's
    /// wait): nothing was written, and the same request may succeed in a moment.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_),
            ) => true,
            // Postgres' classes 08 (connection exception) and 57P (the server is shutting down, or
            // starting: "terminating connection due to administrator command"), and too many
            // connections.
            Self::Database(sqlx::Error::Database(db)) => {
                db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P") || code == "53300")
            }
            _ => false,
        }
    }

    /// Turns a unique-constraint violation into `Conflict { what }`, leaving other errors as they are.
    /// Constraint handling lives here, not in string matching scattered through callers.
    pub(crate) fn on_unique(err: sqlx::Error, what: &'static str) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict { what },
            _ => Self::from(err),
        }
    }
}

/// Parses a stored wire string into its enum, or reports the row as corrupt.
pub(crate) fn parse_stored<T: std::str::FromStr>(value: &str, column: &str) -> Result<T, StoreError> {
    value.parse().map_err(|_| StoreError::Corrupt(format!("{column} = {value:?}")))
}

/// [`parse_stored`] for a nullable column.
pub(crate) fn parse_stored_opt<T: std::str::FromStr>(
    value: Option<&str>,
    column: &str,
) -> Result<Option<T>, StoreError> {
    value.map(|v| parse_stored(v, column)).transpose()
}
