//! The store conformance suite: every store operation, written once and run on SQLite and Postgres.
//! Later features add their modules here.

mod accounts;
mod alerts;
mod audit;
mod clients;
mod dispatch;
mod fixtures;
mod ingest;
mod notifications;
mod secrets;
mod tokens;

use rook_notify::store::Store;

use crate::support::TestDatabase;

/// A migrated store over `db`.
pub async fn migrated(db: &TestDatabase) -> Store {
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.expect("connects");
    store.migrate().await.expect("migrates");
    store
}
