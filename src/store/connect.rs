//! Opening the database and migrating it.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Executor};

use super::{Dialect, NativePool, SecretCipher, Store, StoreError, new_id};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a SQLite connection waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Per-connection settings of every SQLite connection (the native one sets the same through options).
/// `synchronous = NORMAL` with WAL: an acknowledged commit survives a crash of the process (the
/// SIGKILL test), and an OS crash or power loss can lose the last commits. `FULL` would add an fsync to
/// every commit — claims and attempt records too — which measured several times the delivery latency here
/// (BENCHMARKS.md); deployments that need power-loss durability run on Postgres.
const SQLITE_SESSION_PRAGMAS: &str =
    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
/// The single writer does most of the work (claims, recording): a larger page cache keeps the hot
/// index pages in memory, and statement journals of large multi-row statements stay in memory instead
/// of temporary files.
/// Checkpoints do not run on the writer's commits (`wal_autocheckpoint = 0`): a commit that has to copy
/// the WAL into the database first stalls everything queued behind the single writer. A background
/// task checkpoints instead ([`Store::checkpoint`]).
/// When the WAL starts over, its file keeps up to 1 GiB (`journal_size_limit`), more than a second of
/// writes at full load (about 0.5 GB here), so the next second's frames overwrite blocks the file has.
/// Trimmed to 64 MiB, the file grew back by some 400 MB every second, and extending it (allocating
/// and zeroing pages in the kernel, then freeing them at the next trim) was two thirds of the writer
/// thread's time at ingest (BENCHMARKS.md, sixth session). At rest the file is emptied
/// ([`Store::truncate_wal`]), so the disk a burst took is given back.
const SQLITE_WRITER_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
    PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY; \
    PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 1073741824;";

impl Store {
    /// Connects to `database_url` (`sqlite://…` or `postgres://…`), storing secrets with `cipher`. A
    /// SQLite file and its directory are created when absent. Does not migrate: call [`Store::migrate`].
    pub async fn connect(database_url: &str, cipher: SecretCipher) -> Result<Self, StoreError> {
        Self::connect_with_limit(database_url, cipher, None).await
    }

    /// As [`Store::connect`]; on SQLite, the database file grows to at most `sqlite_max_bytes` (rounded
    /// down to whole pages, and never below its current size): a write that needs more fails as on a
    /// full disk ([`StoreError::StorageFull`]) and succeeds again once rows are deleted.
    pub async fn connect_with_limit(
        database_url: &str,
        cipher: SecretCipher,
        sqlite_max_bytes: Option<u64>,
    ) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        if database_url.starts_with("sqlite:") {
            Self::connect_sqlite(database_url, cipher, sqlite_max_bytes).await
        } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
            Self::connect_postgres(database_url, cipher).await
        } else {
            Err(StoreError::Config(format!(
                "DATABASE_URL must start with sqlite:// or postgres://, got `{}`",
                database_url.split(':').next().unwrap_or_default()
            )))
        }
    }

    async fn connect_sqlite(url: &str, cipher: SecretCipher, max_bytes: Option<u64>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true)
            .disable_statement_logging();
        let filename = options.get_filename().to_owned();
        if let Some(dir) = filename.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        // The native pool creates the file and switches it to WAL (which is persistent) before the
        // `Any` pools open it.
        let native = SqlitePoolOptions::new()
            .max_connections(4)
            .after_release(|conn, _meta| Box::pin(reusable_after_release(conn)))
            .connect_with(options.clone())
            .await?;
        // The size limit is a setting of each connection, not of the file: every connection that
        // writes sets it (new ones too, when the pools replace theirs).
        let limit = match max_bytes {
            Some(bytes) => {
                let page_size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&native).await?;
                let pages = bytes / u64::try_from(page_size.max(512)).unwrap_or(4096);
                format!(" PRAGMA max_page_count = {};", pages.max(1))
            }
            None => String::new(),
        };
        let native = if limit.is_empty() {
            native
        } else {
            native.close().await;
            let limit = limit.clone();
            SqlitePoolOptions::new()
                .max_connections(4)
                .after_release(|conn, _meta| Box::pin(reusable_after_release(conn)))
                .after_connect(move |conn, _meta| {
                    let limit = limit.clone();
                    Box::pin(async move {
                        conn.execute(limit.as_str()).await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?
        };
        let any_url = format!("sqlite://{}", path_for_url(&filename));
        let read =
            any_pool(&any_url, 8, SQLITE_ACQUIRE_TIMEOUT, Some(format!("{SQLITE_SESSION_PRAGMAS}{limit}"))).await?;
        let write =
            any_pool(&any_url, 1, SQLITE_ACQUIRE_TIMEOUT, Some(format!("{SQLITE_WRITER_PRAGMAS}{limit}"))).await?;
        Ok(Store {
            read,
            write,
            native: NativePool::Sqlite(native),
            dialect: Dialect::Sqlite,
            cipher,
            instance: new_id().into(),
            writes: Default::default(),
            fronts: Default::default(),
        })
    }

    async fn connect_postgres(url: &str, cipher: SecretCipher) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid Postgres URL: {e}")))?
            .disable_statement_logging();
        let native = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        let pool = any_pool(url, 16, POSTGRES_ACQUIRE_TIMEOUT, None).await?;
        Ok(Store {
            read: pool.clone(),
            write: pool,
            native: NativePool::Postgres(native),
            dialect: Dialect::Postgres,
            cipher,
            instance: new_id().into(),
            writes: Default::default(),
            fronts: Default::default(),
        })
    }

    /// Copies what the SQLite WAL holds into the database (nothing to do on Postgres), so the WAL stays
    /// bounded while checkpoints are off the commit path: run it every second or so. Returns the WAL's
    /// size in pages.
    ///
    /// Each call is a `PASSIVE` checkpoint, which never waits for (or blocks) the writer or readers.
    /// That alone does not bound the WAL under sustained load: the writer starts the WAL over (writes
    /// it again from its beginning) only when everything has been copied and no reader is
    /// inside the WAL, and with writes and reads never pausing that moment does not come (the WAL
    /// reached 2.3 GiB in a minute, BENCHMARKS.md). So past [`WAL_BOUND_PAGES`] the checkpoint takes
    /// the writer's turn (nothing is written meanwhile, so it can copy everything) and runs `RESTART`,
    /// which waits at most [`RESTART_WAIT`] for the readers still inside the WAL (new ones read the
    /// database file) and lets the next write start it over. (A `RESTART` every second from another
    /// connection stalled ingestion under load: it waited for the writer, then copied a second's
    /// frames holding the write lock with a 10 s busy timeout.)
    pub async fn checkpoint(&self) -> Result<i64, StoreError> {
        let NativePool::Sqlite(pool) = &self.native else { return Ok(0) };
        let passive = async || -> Result<(i64, i64), sqlx::Error> {
            // (busy, WAL pages, pages checkpointed)
            let (_, wal_pages, copied): (i64, i64, i64) =
                sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
            Ok((wal_pages, copied))
        };
        let (mut wal_pages, mut copied) = passive().await?;
        if wal_pages <= WAL_BOUND_PAGES {
            return Ok(wal_pages);
        }
        // What is copied without the writer's turn is not copied while holding it: while the first
        // pass copied a second's frames, writes went on; a few more passes copy what came in meanwhile
        // (less each time), so the `RESTART` below pauses writes for a small remainder, not for up to a
        // second of frames and their fsync.
        for _ in 0..CATCH_UP_PASSES {
            if wal_pages - copied <= CATCH_UP_PAGES {
                break;
            }
            (wal_pages, copied) = passive().await?;
        }
        self.checkpoint_on_writer("RESTART").await
    }

    /// Empties the SQLite WAL file (nothing to do on Postgres), for a process at rest: the file keeps
    /// its size through load (`journal_size_limit`, see `SQLITE_WRITER_PRAGMAS`), and this gives back
    /// the disk a burst took. A `TRUNCATE` checkpoint, which copies what is left and truncates the file
    /// to nothing; like the `RESTART` past the bound it takes the writer's turn and waits at most
    /// [`RESTART_WAIT`] for readers. Returns the WAL's size in pages afterwards (0 when it was emptied;
    /// a reader still inside it leaves it as it was, until the next rest).
    pub async fn truncate_wal(&self) -> Result<i64, StoreError> {
        if self.dialect != Dialect::Sqlite {
            return Ok(0);
        }
        self.checkpoint_on_writer("TRUNCATE").await
    }

    /// Runs a checkpoint that starts the WAL over (`mode`: `RESTART` or `TRUNCATE`) in the writer's
    /// turn, waiting at most [`RESTART_WAIT`] for readers; returns the WAL's size in pages.
    ///
    /// It holds the writer's connection, so nothing of this process writes meanwhile, and runs on a
    /// connection of the native pool, whose busy handler looks for the readers every
    /// [`READER_POLL`]. SQLite's own handler (`busy_timeout`) sleeps 1, 2, 5, 10 ms … between looks:
    /// readers gone after 3 ms still cost 8 ms, gone after 9 ms cost 18, and every write of the service
    /// waits that long (most of the 18–26 ms pauses under load measured on one machine; on a slower
    /// disk the copy and the fsync, which hold the writer too, are most of it: BENCHMARKS.md).
    ///
    /// Starting the WAL over needs the WAL and then the database file synced to disk. Synced inside
    /// the writer's turn, that is every page the `PASSIVE` passes copied since the last such sync, and
    /// the syncs were most of the pause (50 ms on one disk: BENCHMARKS.md). So both files are synced
    /// first, outside the turn. Writes went on meanwhile: one more `PASSIVE` pass copies what came in
    /// during those syncs, so the checkpoint in the turn copies and syncs only the few pages written
    /// since.
    async fn checkpoint_on_writer(&self, mode: &'static str) -> Result<i64, StoreError> {
        let NativePool::Sqlite(native) = &self.native else { return Ok(0) };
        let mut conn = sync_files(native.acquire().await?).await?;
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await?;
        let _writers_turn = self.write.acquire().await?;
        set_busy_handler(&mut conn, BusyWait::PollReaders).await?;
        let restarted: Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as(&format!("PRAGMA wal_checkpoint({mode})")).fetch_one(&mut *conn).await;
        // The connection's waits go back to normal whatever the checkpoint did; a connection that
        // cannot be set back is closed rather than left with the short wait.
        let reset = set_busy_handler(&mut conn, BusyWait::Timeout).await;
        if reset.is_err() {
            conn.close_on_drop();
        }
        let (_, wal_pages, _) = restarted?;
        reset?;
        Ok(wal_pages)
    }

    /// Frees the SQLite page caches of every connection not in use (nothing to do on Postgres, whose
    /// caches live in the server): for a process at rest, whose caches otherwise stay at their
    /// high-water mark until the next burst (the writer's up to `cache_size`, 32 MB). The next
    /// statements read their pages from the file again (the OS page cache). Connections in use are left
    /// alone; an idle connection taken here is busy for the one `PRAGMA`.
    pub async fn release_memory(&self) -> Result<(), StoreError> {
        let NativePool::Sqlite(native) = &self.native else { return Ok(()) };
        shrink_idle(&self.write).await?;
        shrink_idle(&self.read).await?;
        shrink_idle(native).await?;
        Ok(())
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.native {
            NativePool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            NativePool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database removes dead rows by itself: Postgres's `autovacuum` setting (always true
    /// on SQLite, which reuses a deleted or updated row's space at once). Every claim and every record
    /// leaves a dead version of a `notifications` row behind, and claims and due scans read past them
    /// in the due indexes until a vacuum removes them: with autovacuum off, delivery slows down as
    /// they accumulate.
    pub async fn removes_dead_rows(&self) -> Result<bool, StoreError> {
        let NativePool::Postgres(pool) = &self.native else { return Ok(true) };
        let setting: String = sqlx::query_scalar("SELECT current_setting('autovacuum')").fetch_one(pool).await?;
        Ok(setting == "on")
    }

    /// How many of this backend's migrations are not applied yet (0 when the schema is current).
    pub async fn pending_migrations(&self) -> Result<usize, StoreError> {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: Vec<i64> = match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&self.read)
            .await
        {
            Ok(versions) => versions,
            // No migrations table yet: nothing is applied.
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(migrator.iter().filter(|m| !applied.contains(&m.version)).count())
    }
}

/// `PRAGMA shrink_memory` on each connection of `pool` that is idle now (taken all at once, so each
/// is a different connection).
async fn shrink_idle<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut idle = Vec::new();
    while let Some(conn) = pool.try_acquire() {
        idle.push(conn);
    }
    for conn in &mut idle {
        conn.execute("PRAGMA shrink_memory").await?;
    }
    Ok(())
}

/// Whether a SQLite connection given back to its pool may be used again. After `SQLITE_FULL` (or
/// another error on which SQLite rolls the whole transaction back by itself) the `ROLLBACK` of the
/// dropped transaction fails, and sqlx then still counts the connection as inside a transaction:
/// every later `BEGIN` on it would fail, and with a single writer the service would never write again.
/// Such a connection is closed (the pool opens a fresh one).
async fn reusable_after_release<C: sqlx::Connection>(conn: &mut C) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // The rollback of a dropped transaction may still be queued: a ping runs after it.
    conn.ping().await?;
    Ok(!conn.is_in_transaction())
}

/// How long a query waits for a connection. SQLite's single writer can be busy that long under load;
/// a Postgres server that is down should be reported (503) well before a client gives up.
const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// The SQLite WAL's size (pages of 4 KiB: 64 MiB) past which a checkpoint
/// starts it over ([`Store::checkpoint`]). Small enough that readers, which look pages up in the WAL's
/// index before the database file, do not slow down as it grows.
pub const WAL_BOUND_PAGES: i64 = 16_384;
/// How many more `PASSIVE` passes a checkpoint past the bound makes before it takes the writer's turn,
/// and the frames left to copy at which it stops early ([`Store::checkpoint`]).
const CATCH_UP_PASSES: usize = 3;
const CATCH_UP_PAGES: i64 = 256;
/// How long a checkpoint that starts the WAL over waits for readers still inside it. It holds the
/// writer's turn meanwhile, so this is a pause of every write.
const RESTART_WAIT: Duration = Duration::from_millis(100);
/// How often that checkpoint looks whether the readers have left: a read transaction lasts a
/// millisecond or a few, so the pause ends this soon after the last one.
const READER_POLL: Duration = Duration::from_micros(100);
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// How a native SQLite connection waits for a lock another connection holds.
enum BusyWait {
    /// SQLite's own handler, up to [`SQLITE_BUSY_TIMEOUT`].
    Timeout,
    /// A look every [`READER_POLL`], until its sleeps add up to [`RESTART_WAIT`].
    PollReaders,
}

/// Syncs the database file and its WAL to disk through `conn`'s own handles of them (SQLite's
/// `xSync`, as a checkpoint does), on a blocking thread; gives the connection back afterwards.
///
/// The handles are the connection's, not files opened here: closing any other descriptor of the
/// database file would drop the locks SQLite holds on it (POSIX locks belong to the process and the
/// file). The connection is moved into the blocking task, so it cannot be used, or given back to the
/// pool, while its handles are in use, even if the caller is cancelled meanwhile.
async fn sync_files(
    mut conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, StoreError> {
    let files = {
        let mut handle = conn.lock_handle().await?;
        let db = handle.as_raw_handle().as_ptr();
        // SAFETY: `db` is the open connection `handle` holds locked; the file control only reads the
        // pointers of its open files (the WAL's once it has read the database, a closed journal before).
        unsafe {
            [libsqlite3_sys::SQLITE_FCNTL_JOURNAL_POINTER, libsqlite3_sys::SQLITE_FCNTL_FILE_POINTER]
                .map(|op| file_pointer(db, op))
        }
    };
    let files = OpenFiles(files);
    let (conn, rc) = tokio::task::spawn_blocking(move || {
        // The whole struct is moved in (a closure would otherwise capture only its array, not `Send`).
        let files = files;
        let mut rc = libsqlite3_sys::SQLITE_OK;
        for &file in &files.0 {
            // SAFETY: each pointer is an open file of `conn`, which this task owns and runs nothing
            // on until the syncs return; a file without methods (not open) is skipped.
            let sync = unsafe { file.as_ref().and_then(|f| f.pMethods.as_ref()).and_then(|m| m.xSync) };
            if let Some(sync) = sync {
                rc = unsafe { sync(file, libsqlite3_sys::SQLITE_SYNC_NORMAL) };
                if rc != libsqlite3_sys::SQLITE_OK {
                    break;
                }
            }
        }
        (conn, rc)
    })
    .await
    .map_err(|e| sync_error(format!("syncing the SQLite files stopped: {e}")))?;
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(conn)
    } else {
        Err(sync_error(format!("syncing the SQLite files failed (SQLite code {rc})")))
    }
}

/// A sync that failed is an I/O error of the database.
fn sync_error(message: String) -> StoreError {
    sqlx::Error::Io(std::io::Error::other(message)).into()
}

/// The `sqlite3_file` a file control `op` (`SQLITE_FCNTL_FILE_POINTER` or `…_JOURNAL_POINTER`) names
/// for the main database of `db`; null when SQLite has none.
///
/// # Safety
/// `db` must be an open connection that nothing else uses meanwhile.
unsafe fn file_pointer(db: *mut libsqlite3_sys::sqlite3, op: std::ffi::c_int) -> *mut libsqlite3_sys::sqlite3_file {
    let mut file: *mut libsqlite3_sys::sqlite3_file = std::ptr::null_mut();
    // SAFETY: the caller's contract; SQLite writes one pointer through the last argument.
    let rc = unsafe { libsqlite3_sys::sqlite3_file_control(db, c"main".as_ptr(), op, (&raw mut file).cast()) };
    if rc == libsqlite3_sys::SQLITE_OK { file } else { std::ptr::null_mut() }
}

/// A connection's open files, handed to the blocking task that syncs them together with the
/// connection that owns them.
struct OpenFiles([*mut libsqlite3_sys::sqlite3_file; 2]);
// SAFETY: the files are used on one thread at a time, while their connection runs nothing.
unsafe impl Send for OpenFiles {}

/// Sets how `conn` waits for locks (see [`BusyWait`]).
async fn set_busy_handler(conn: &mut sqlx::SqliteConnection, wait: BusyWait) -> Result<(), StoreError> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the open connection `handle` holds locked, so no statement runs on it while its
    // handler changes; `poll_readers` is a plain function that keeps no state and never unwinds.
    let rc = unsafe {
        match wait {
            BusyWait::Timeout => {
                let millis = i32::try_from(SQLITE_BUSY_TIMEOUT.as_millis()).unwrap_or(i32::MAX);
                libsqlite3_sys::sqlite3_busy_timeout(db, millis)
            }
            BusyWait::PollReaders => libsqlite3_sys::sqlite3_busy_handler(db, Some(poll_readers), std::ptr::null_mut()),
        }
    };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(StoreError::Config(format!("setting a SQLite busy handler failed (code {rc})")))
    }
}

/// SQLite's busy handler for [`BusyWait::PollReaders`]: called on the connection's worker thread with
/// how many times it was called for this lock; a nonzero answer tries the lock again.
extern "C" fn poll_readers(_: *mut std::ffi::c_void, calls: std::ffi::c_int) -> std::ffi::c_int {
    let waited = READER_POLL.saturating_mul(u32::try_from(calls).unwrap_or(u32::MAX));
    if waited >= RESTART_WAIT {
        return 0;
    }
    std::thread::sleep(READER_POLL);
    1
}

/// A pool of `max` connections through sqlx's `Any` driver; `pragmas` (SQLite only, and given for
/// every SQLite pool) run on each new connection.
async fn any_pool(
    url: &str,
    max: u32,
    acquire_timeout: Duration,
    pragmas: Option<String>,
) -> Result<sqlx::AnyPool, StoreError> {
    let mut options = AnyPoolOptions::new().max_connections(max).acquire_timeout(acquire_timeout);
    if let Some(pragmas) = pragmas {
        let pragmas: std::sync::Arc<str> = pragmas.into();
        options = options
            // A SQLite connection is a file opened by this process: it cannot be dropped by a server
            // or a network, so the pool's ping before each use (a hand-off to the connection's thread
            // and back, on every transaction and every read) would only delay the statement.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                let pragmas = pragmas.clone();
                Box::pin(async move {
                    conn.execute(&*pragmas).await?;
                    Ok(())
                })
            })
            .after_release(|conn, _meta| Box::pin(reusable_after_release(conn)));
    }
    Ok(options.connect(url).await?)
}

fn path_for_url(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
