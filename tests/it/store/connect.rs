//! Connecting, migrating and the handle itself: which backend, its pools, the cipher, checkpoints,
//! freeing memory at rest, and closing.

use app::timestamp::Timestamp;
use rook_notify::store::{Dialect, NativePool, Store, StoreError};

use super::fixtures::{document, subscribed};
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

    // A checkpoint reports the SQLite WAL's size; Postgres has none to copy.
    let t0 = Timestamp::now();
    subscribed(&store, "0190b7e2-0000-7000-8000-0000000000a9", "Acme", t0).await;
    let wal_pages = store.checkpoint().await.unwrap();
    match expected {
        Dialect::Sqlite => assert!(wal_pages > 0, "the writes went to the WAL"),
        Dialect::Postgres => assert_eq!(wal_pages, 0),
    }

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

crate::on_both_backends!(
    a_store_migrates_once_and_knows_its_backend,
    a_size_limit_makes_sqlite_full_and_leaves_postgres_alone,
);
