//! Migrations on both backends.

use rook_notify::store::Store;

use crate::support::TestDatabase;

async fn a_new_database_has_pending_migrations_and_none_after_migrating(db: TestDatabase) {
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.unwrap();
    assert!(store.pending_migrations().await.unwrap() > 0);
    store.migrate().await.unwrap();
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
    // Idempotent.
    store.migrate().await.unwrap();
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
    store.close().await;
}

crate::on_both_backends!(a_new_database_has_pending_migrations_and_none_after_migrating);
