//! Connecting, migrating and the handle itself: which backend, its pools, the cipher, checkpoints
//! and the SQLite WAL's bound, freeing memory at rest, and closing.

use app::timestamp::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rook_notify::store::{Dialect, NativePool, Store, StoreError, WAL_BOUND_PAGES};

use super::fixtures::{document, subscribed, subscribed_store};
use crate::support::{TestDatabase, test_cipher};

/// The migrations each backend has (the same list for both).
fn migrations_in_the_repository() -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count()
}

async fn a_store_migrates_once_and_knows_its_backend(db: TestDatabase) {
    let store = Store::connect(&db.url, test_cipher()).await.unwrap();
    let expected = if db.backend == "sqlite" { Dialect::Sqlite } else { Dialect::Postgres };
    assert_eq!(store.dialect(), expected);
    assert!(matches!(
        (store.native(), expected),
        (NativePool::Sqlite(_), Dialect::Sqlite) | (NativePool::Postgres(_), Dialect::Postgres)
    ));
    assert_eq!(store.cipher().key_id(), test_cipher().key_id());
    store.ping().await.unwrap();

    assert_eq!(store.pending_migrations().await.unwrap(), migrations_in_the_repository(), "a new database");
    store.migrate().await.unwrap();
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
    store.migrate().await.unwrap();
    assert_eq!(store.pending_migrations().await.unwrap(), 0, "migrating again changes nothing");

    // The count of write transactions (the clock of memory at rest) moves with writes, and only with
    // them; clones of the handle share it.
    let t0 = Timestamp::now();
    let before = store.writes_begun();
    subscribed(&store, "0190b7e2-0000-7000-8000-0000000000a9", "Acme", t0).await;
    let written = store.writes_begun();
    assert!(written > before, "writing began a write transaction");
    store.list_clients(None, 10).await.unwrap();
    assert_eq!(store.clone().writes_begun(), written, "a read is not a write, and clones share the count");

    // A checkpoint reports the SQLite WAL's size; Postgres has none to copy.
    let wal_pages = store.checkpoint().await.unwrap();
    match expected {
        Dialect::Sqlite => assert!(wal_pages > 0, "the writes went to the WAL"),
        Dialect::Postgres => assert_eq!(wal_pages, 0),
    }
    // At rest the WAL is emptied (SQLite; Postgres has none).
    assert_eq!(store.truncate_wal().await.unwrap(), 0);

    // Freeing the page caches at rest waits for no connection in use (here the writer, inside a
    // transaction), and every pool answers afterwards with the data where it was.
    store
        .in_tx(async |_tx| {
            tokio::time::timeout(std::time::Duration::from_secs(10), store.release_memory())
                .await
                .expect("release_memory waited for the connection in use")
        })
        .await
        .unwrap();
    store.release_memory().await.unwrap();
    let client = store.client("0190b7e2-0000-7000-8000-0000000000a9").await.unwrap();
    assert_eq!(client.map(|c| c.name).as_deref(), Some("Acme"));
    subscribed(&store, "0190b7e2-0000-7000-8000-0000000000b0", "Beta", t0).await;
    assert_eq!(store.list_clients(None, 10).await.unwrap().len(), 2);

    // SQLite reuses dead rows' space at once; Postgres removes them only when its autovacuum runs,
    // which the server's configuration may turn off.
    let autovacuum = match store.native() {
        NativePool::Sqlite(_) => true,
        NativePool::Postgres(pool) => {
            sqlx::query_scalar::<_, String>("SHOW autovacuum").fetch_one(pool).await.unwrap() == "on"
        }
    };
    assert_eq!(store.removes_dead_rows().await.unwrap(), autovacuum);

    store.close().await;
    assert!(store.ping().await.is_err(), "a closed store answers nothing");
}

#[tokio::test]
async fn a_url_of_another_database_is_refused() {
    let err = Store::connect("mysql://localhost/rook", test_cipher()).await.unwrap_err();
    assert!(matches!(&err, StoreError::Config(m) if m.contains("`mysql`")), "{err:?}");
}

async fn a_size_limit_makes_sqlite_full_and_leaves_postgres_alone(db: TestDatabase) {
    let limit = 2 * 1024 * 1024;
    let store = Store::connect_with_limit(&db.url, test_cipher(), Some(limit)).await.unwrap();
    store.migrate().await.unwrap();
    let t0 = Timestamp::now();
    let a = subscribed(&store, "0190b7e2-0000-7000-8000-0000000000aa", "Acme", t0).await;
    let mut written = 0;
    let mut full = None;
    for _ in 0..24 {
        let mut doc = document(&a, "u1");
        doc.body = vec![b'x'; 256 * 1024];
        match store.insert_data_delivery(&doc, None, t0).await {
            Ok(_) => written += 1,
            Err(err) => {
                full = Some(err);
                break;
            }
        }
    }
    match db.backend {
        "sqlite" => {
            assert!(matches!(full, Some(StoreError::StorageFull(_))), "{full:?} after {written} documents");
            assert!(written > 0 && written < 8, "about the limit's worth was written: {written}");
            store.ping().await.unwrap();
        }
        _ => assert!(full.is_none() && written == 24, "no limit on Postgres: {full:?}"),
    }
    store.close().await;
}

/// Past its bound the SQLite WAL is started over although writes and reads never pause (a `PASSIVE`
/// checkpoint alone cannot: the moment when everything is copied and no reader is inside the WAL
/// does not come), and a reader that stays inside it costs the writer a short wait, not its busy
/// timeout; the connections that ran those checkpoints wait for locks as before afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_wal_is_started_over_past_its_bound_under_load() {
    let db = TestDatabase::sqlite().await;
    let (store, t0, sandbox) = subscribed_store(&db, "0190b7e2-0000-7000-8000-0000000000c1").await;
    let big = |n: usize| {
        let mut doc = document(&sandbox, &format!("u{n}"));
        doc.body = vec![b'x'; 256 * 1024];
        doc
    };
    // A reader inside the WAL while 80 MiB are written: nothing can be copied past its snapshot.
    let NativePool::Sqlite(native) = store.native() else { unreachable!("a SQLite store") };
    let mut reader = native.acquire().await.unwrap();
    sqlx::query("BEGIN").execute(&mut *reader).await.unwrap();
    let _: i64 = sqlx::query_scalar("SELECT count(*) FROM clients").fetch_one(&mut *reader).await.unwrap();
    for n in 0..320 {
        store.insert_data_delivery(&big(n), None, t0).await.unwrap();
    }
    let pinned = tokio::time::timeout(Duration::from_secs(5), store.checkpoint())
        .await
        .expect("a checkpoint waits only briefly for a reader inside the WAL")
        .unwrap();
    assert!(pinned > WAL_BOUND_PAGES, "the reader kept the WAL from starting over: {pinned} pages");
    tokio::time::timeout(Duration::from_secs(5), store.insert_data_delivery(&document(&sandbox, "after"), None, t0))
        .await
        .expect("the writer is not left waiting")
        .unwrap();
    sqlx::query("COMMIT").execute(&mut *reader).await.unwrap();
    drop(reader);

    // Writes and reads without a pause, as under load, while the checkpoints run.
    let stop = Arc::new(AtomicBool::new(false));
    let load = |write: bool| {
        let (store, stop, sandbox) = (store.clone(), stop.clone(), sandbox.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                if write {
                    store.insert_data_delivery(&document(&sandbox, &format!("w{n}")), None, t0).await.unwrap();
                } else {
                    store.client(&sandbox.client_uuid).await.unwrap();
                }
            }
        })
    };
    let tasks = [load(true), load(false), load(false)];
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut pages = store.checkpoint().await.unwrap();
    while pages > WAL_BOUND_PAGES && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        pages = store.checkpoint().await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    assert!(pages <= WAL_BOUND_PAGES, "the WAL still holds {pages} pages under load");
    // Under load the file keeps its size for the next writes; at rest it is emptied, and what was
    // written is all in the database.
    let wal_file = format!("{}-wal", db.url.trim_start_matches("sqlite://"));
    let kept = std::fs::metadata(&wal_file).unwrap().len();
    assert!(kept > 64 * 1024 * 1024, "the WAL file kept what the writes took: {kept} bytes");
    let count =
        async || -> i64 { sqlx::query_scalar("SELECT count(*) FROM data_deliveries").fetch_one(native).await.unwrap() };
    let deliveries = count().await;
    assert_eq!(store.truncate_wal().await.unwrap(), 0, "nothing is left in the WAL at rest");
    assert_eq!(std::fs::metadata(&wal_file).unwrap().len(), 0, "the WAL file is empty at rest");
    assert_eq!(count().await, deliveries, "everything written is in the database");
    // Those checkpoints looked for readers with a short wait of their own; every connection waits for
    // locks as long as before afterwards.
    let mut connections = Vec::new();
    for _ in 0..native.options().get_max_connections() {
        let mut conn = native.acquire().await.unwrap();
        let wait: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(wait, 10_000, "a connection's busy timeout after the checkpoints");
        connections.push(conn);
    }
    drop(connections);
    store.close().await;
}

crate::on_both_backends!(
    a_store_migrates_once_and_knows_its_backend,
    a_size_limit_makes_sqlite_full_and_leaves_postgres_alone,
);
