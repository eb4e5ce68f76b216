//! The store conformance suite: every store operation, written once and run on SQLite and Postgres.
//! Later features add their modules here; `coverage` fails while a public store method is called by none
//! of them.

mod accounts;
mod alerts;
mod audit;
mod client_keys;
mod clients;
mod connect;
mod coverage;
mod data;
mod dispatch;
pub(crate) mod fixtures;
mod ingest;
mod lists;
mod login;
mod notifications;
mod rates;
mod retention;
mod secrets;
mod stats;
mod tokens;
mod tx;

use rook_notify::store::Store;

use crate::support::TestDatabase;

/// A migrated store over `db`.
pub async fn migrated(db: &TestDatabase) -> Store {
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.expect("connects");
    store.migrate().await.expect("migrates");
    store
}
