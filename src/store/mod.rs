//! The durable store: one interface over SQLite (embedded, the default) and Postgres (to share one
//! database between several server processes).
//!
//! Queries are written once, with `$n` placeholders, against sqlx's `Any` driver, over a storage model
//! both backends hold the same way: UUIDv7 ids as text, times as integer microseconds, booleans as
//! integers, JSON as text. Where the backends really differ (connection set-up, migrations, claiming
//! work, wake-ups) the code branches on [`Dialect`] in one visible place. The conformance suite in
//! `tests/it/store` runs every method against both backends.

mod accounts;
mod alerts;
mod audit;
mod cipher;
mod client_keys;
mod clients;
mod commit_order;
mod connect;
mod data;
mod dispatch;
mod error;
mod ingest;
mod list_query;
mod login;
mod notifications;
mod progress;
mod retention;
mod secrets;
mod stats;
mod stored;
mod tokens;
mod tx;
mod vocab_sql;

pub use accounts::{AccountRecord, NewAccount};
pub use alerts::AlertRecord;
pub use audit::NewAuditEntry;
pub use cipher::{SecretCipher, SecretKind, SecretOwner, generate_key, parse_key};
pub use client_keys::NewClientKey;
pub use clients::{ClientRecord, EnvironmentRecord};
pub use connect::WAL_BOUND_PAGES;
pub use data::{DataDeliveryFilter, DataDeliveryRecord, DataIngestOutcome, NewDataDelivery};
pub use dispatch::{
    AttemptRecord, Channel, ClaimedDelivery, DataMeta, EndpointConfig, EndpointHealth, EndpointKey, NextState,
    RateClaim, RecordRules, RecordSummary, RejectionNotice, Skipped,
};
pub use error::StoreError;
pub use ingest::{
    DUE_CHANNEL, DomainChange, IdempotencyClaim, IngestClaim, IngestItem, IngestOutcome, NewNotification, UserRecord,
    receipt_body,
};
pub use list_query::Position;
pub use login::FailureSlot;
pub use notifications::{NotificationFilter, NotificationRecord};
pub use secrets::SecretRecord;
pub use stats::{EndpointRow, HourRow};
pub use tokens::{StoredResponse, TokenRecord, TokenScope};
pub use tx::StoreTx;

use sqlx::{AnyPool, PgPool, SqlitePool};

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The backend's own pool, for what must speak its native protocol (migrations, the session store,
/// `LISTEN`).
#[derive(Debug, Clone)]
pub enum NativePool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    /// For reads: several connections.
    read: AnyPool,
    /// For writes: on SQLite a single connection (one writer, so no "database is locked"); on
    /// Postgres the same pool as `read`.
    write: AnyPool,
    native: NativePool,
    dialect: Dialect,
    /// Encrypts secrets before they are stored, decrypts them when read.
    cipher: SecretCipher,
    /// This store's name in its wake-ups (a new id per connect), so a process can tell its own
    /// `NOTIFY` from another's.
    instance: std::sync::Arc<str>,
    /// How many write transactions this process has begun: a reading that stays the same while the
    /// process writes nothing (see [`Store::writes_begun`]).
    writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Where each endpoint's due rows start, as far as this process's claims have seen (Postgres).
    fronts: dispatch::ClaimFronts,
}

impl Store {
    /// Which backend this is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The backend's native pool.
    pub fn native(&self) -> &NativePool {
        &self.native
    }

    /// Wakes other processes' dispatchers when `conn`'s transaction commits (a Postgres `NOTIFY` is
    /// delivered at commit, and not at all on rollback). It carries [`Store::instance`]: this process
    /// wakes its own dispatcher in memory, naming the endpoints when it knows them, so it ignores its
    /// own notifications rather than look at every endpoint after each commit. On SQLite there is
    /// only this process.
    pub(crate) async fn notify_due(&self, conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)").bind(DUE_CHANNEL).bind(&*self.instance).execute(conn).await?;
        }
        Ok(())
    }

    /// This store's name in the wake-ups it sends (see [`Store::notify_due`]).
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// How many write transactions this store has begun (clones share the count): unchanged over a
    /// stretch of time means the process wrote nothing then, on either backend.
    pub fn writes_begun(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The cipher secrets are stored with.
    pub fn cipher(&self) -> &SecretCipher {
        &self.cipher
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): one that
    /// reads first and writes later fails outright (`SQLITE_BUSY`, no waiting) when another connection
    /// committed in between.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        self.writes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(match self.dialect {
            Dialect::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.write.begin().await?,
        })
    }

    /// The row `sql` selects with its one parameter `key` (an id, an email, a digest), read as a `T`:
    /// the shape of every lookup by one key.
    pub(crate) async fn one_by<R, T>(&self, sql: &str, key: &str) -> Result<Option<T>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin + TryInto<T, Error = StoreError>,
    {
        let row: Option<R> = sqlx::query_as(sql).bind(key).fetch_optional(&self.read).await?;
        row.map(TryInto::try_into).transpose()
    }

    /// Every row `sql` selects with its one parameter `key` (a client), each read as a `T`.
    pub(crate) async fn all_by<R, T>(&self, sql: &str, key: &str) -> Result<Vec<T>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin + TryInto<T, Error = StoreError>,
    {
        let rows: Vec<R> = sqlx::query_as(sql).bind(key).fetch_all(&self.read).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Closes every pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
        match &self.native {
            NativePool::Sqlite(pool) => pool.close().await,
            NativePool::Postgres(pool) => pool.close().await,
        }
    }
}

/// Placeholders for parameters used once each, in order: `$1, $2, …` on Postgres, bare `?` on SQLite.
///
/// Why not `$n` on SQLite too: SQLite looks a named parameter up by scanning the statement's list of
/// names, so binding a statement of n named parameters costs n² — most of the time of a multi-row
/// statement. Anonymous parameters cost nothing to look up.
pub(crate) struct Placeholders {
    sqlite: bool,
    next: usize,
}

impl Placeholders {
    /// Placeholders for a statement on `conn`'s backend.
    pub(crate) fn for_connection(conn: &sqlx::AnyConnection) -> Self {
        Placeholders { sqlite: conn.backend_name().eq_ignore_ascii_case("sqlite"), next: 0 }
    }

    /// Placeholders for a statement on a pool of `dialect`.
    pub(crate) fn for_dialect(dialect: Dialect) -> Self {
        Placeholders { sqlite: dialect == Dialect::Sqlite, next: 0 }
    }

    /// How a multi-row `INSERT` of the hot path starts: `INSERT OR FAIL INTO` on SQLite, `INSERT INTO`
    /// on Postgres. Only for statements whose error fails their whole transaction (the caller returns
    /// it and the transaction rolls back).
    ///
    /// Why: in a transaction, SQLite gives a statement that may stop on a constraint (`NOT NULL`,
    /// `UNIQUE`) a statement journal, a copy of every page it changes, so that the stop undoes the
    /// statement's own rows and keeps the transaction's. `OR FAIL` stops without undoing the rows
    /// before the failing one, so it needs no copy; the rollback of the transaction undoes them. The
    /// copies were 17 % of the SQLite writer thread's time at ingest (BENCHMARKS.md, fifth session).
    pub(crate) fn insert_into(&self) -> &'static str {
        if self.sqlite { "INSERT OR FAIL INTO" } else { "INSERT INTO" }
    }

    /// The next placeholder.
    pub(crate) fn next(&mut self) -> String {
        self.next += 1;
        if self.sqlite { "?".to_owned() } else { format!("${}", self.next) }
    }

    /// The placeholders of a multi-row `VALUES`: `($1, $2), ($3, $4)` for 2 rows of 2 columns.
    pub(crate) fn value_rows(&mut self, rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|_| format!("({})", (0..columns).map(|_| self.next()).collect::<Vec<_>>().join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The rows of one parameter holding a JSON array of rows, each an array of the `columns`' values
    /// in order, as a subquery with those column names: `SELECT r.value ->> 0 AS a, (r.value ->> 1)::bigint
    /// AS b FROM jsonb_array_elements($1::jsonb) AS r(value)` on Postgres, and over `json_each(?) AS r`
    /// on SQLite (no cast: its `->>` keeps a JSON number an INTEGER).
    ///
    /// Why one JSON parameter and not a row of placeholders per row: the statement then has one shape
    /// whatever the number of rows, so each backend prepares (and Postgres plans) it once. With a
    /// shape per batch size, Postgres planned the recorder's update afresh for most batches, and the
    /// planning took longer than the update (BENCHMARKS.md, 2026-12-04).
    pub(crate) fn json_rows(&mut self, columns: &[(&str, JsonColumn)]) -> String {
        let param = self.next();
        let fields: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (name, kind))| match (self.sqlite, kind) {
                // SQLite's `->>` gives a JSON number as an INTEGER and a string as TEXT already.
                (true, _) => format!("r.value ->> {i} AS {name}"),
                (false, JsonColumn::Text) => format!("r.value ->> {i} AS {name}"),
                (false, JsonColumn::Integer) => format!("(r.value ->> {i})::bigint AS {name}"),
            })
            .collect();
        let source = if self.sqlite {
            format!("json_each({param}) AS r")
        } else {
            format!("jsonb_array_elements({param}::jsonb) AS r(value)")
        };
        format!("SELECT {} FROM {source}", fields.join(", "))
    }

    /// The `environments` rows (as `e`) of a list of endpoints given as one parameter
    /// ([`endpoints_param`]): a `FROM` clause that joins the list to `environments` on both key
    /// columns, so each endpoint is a seek on its primary key, on both backends, and the statement has
    /// one shape for any number of endpoints.
    pub(crate) fn environments_of_endpoints(&mut self) -> String {
        let list = self.json_rows(&[("client_uuid", JsonColumn::Text), ("environment", JsonColumn::Text)]);
        format!("({list}) AS v JOIN environments e ON e.client_uuid = v.client_uuid AND e.environment = v.environment")
    }
}

/// The SQL type a column of [`Placeholders::json_rows`] is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonColumn {
    Text,
    Integer,
}

/// The rows of a [`Placeholders::json_rows`] subquery as its one parameter: a JSON array of rows,
/// each an array of the columns' values in order.
pub(crate) fn json_param(rows: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))
}

/// The parameter of [`Placeholders::environments_of_endpoints`].
pub(crate) fn endpoints_param<'a>(
    endpoints: impl IntoIterator<Item = (&'a str, app::vocab::Environment)>,
) -> Result<String, StoreError> {
    let rows: Vec<[&str; 2]> =
        endpoints.into_iter().map(|(client, environment)| [client, environment.as_str()]).collect();
    json_param(&rows)
}

/// How many rows of `columns` parameters one statement may carry: well under SQLite's 32,766 and
/// Postgres' 65,535 parameters, and small enough to keep statements quick.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (4_000 / columns.max(1)).max(1)
}

/// A new UUIDv7 id as text: unique, and sorting by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
