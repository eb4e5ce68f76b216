//! What a burst of writes took is given back once the process is at rest: the SQLite WAL file, which
//! keeps its size through load so that the next writes reuse it, is emptied.

use std::time::Duration;

use crate::support::{TestDatabase, spawn_app, wait};

#[tokio::test]
async fn the_sqlite_wal_file_is_emptied_at_rest() {
    let db = TestDatabase::sqlite().await;
    let wal_file = format!("{}-wal", db.url.trim_start_matches("sqlite://"));
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Acme").await;
    for n in 0..20 {
        app.user_created(&client_uuid, &format!("user-{n}")).await;
    }
    let wal_size = || std::fs::metadata(&wal_file).expect("the WAL file is there while the app runs").len();
    assert!(wal_size() > 0, "the writes went through the WAL");
    wait::until("the WAL file is emptied once nothing is written", Duration::from_secs(30), || {
        std::future::ready(wal_size() == 0)
    })
    .await;
    assert_eq!(app.query_number("SELECT count(*) FROM notifications").await, 20, "nothing written was lost");
    app.stop().await;
}
