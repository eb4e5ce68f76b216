//! Migrations on both backends.

use app::timestamp::Timestamp;
use app::vocab::{Environment, NotificationStatus};
use rook_notify::store::{Channel, DataDeliveryFilter, EndpointKey, NativePool, NotificationFilter, Position, Store};

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

crate::on_both_backends!(
    a_new_database_has_pending_migrations_and_none_after_migrating,
    a_populated_database_of_the_previous_release_migrates_with_nothing_lost,
    a_populated_database_gets_commit_order_in_id_order_and_continues_it
);

/// Applies only the migrations up to `version` (as an older release of rook-notify did).
async fn migrate_up_to(store: &Store, backend: &str, version: i64) {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    let older = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let number: i64 = name.split('_').next().unwrap().parse().unwrap();
        if number <= version {
            std::fs::copy(&path, older.path().join(&name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(older.path()).await.unwrap();
    match store.native() {
        NativePool::Sqlite(pool) => migrator.run(pool).await.unwrap(),
        NativePool::Postgres(pool) => migrator.run(pool).await.unwrap(),
    }
}

/// A database of the release before claims by endpoint (migration 0004), with a notification claimed by
/// a process of that release, one due and one delivered, migrates with nothing lost, and the claimed one
/// is not taken again before its lease ends.
async fn a_populated_database_of_the_previous_release_migrates_with_nothing_lost(db: TestDatabase) {
    let backend = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.unwrap();
    migrate_up_to(&store, backend, 3).await;
    let now = Timestamp::now();
    let (t, later) = (now.as_micros(), now.plus_seconds(60).as_micros());
    let client = "0190b7e2-4c1a-7b3e-9f00-0000000000c1";
    let statements = [
        format!("INSERT INTO clients (client_uuid, name, created_at) VALUES ('{client}', 'Old Co', {t})"),
        format!(
            "INSERT INTO environments (client_uuid, environment, notification_webhook_url, subscription_state, \
             state_since, updated_at) VALUES ('{client}', 'sandbox', 'https://example.com/hook', 'active', {t}, {t})"
        ),
        // Claimed by an old process: still due by its time, owned by its lease.
        format!(
            "INSERT INTO notifications (id, client_uuid, environment, type, category, occurred_at, created_at, body, \
             status, next_attempt_at, lease_until) VALUES ('01a00000-0000-7000-8000-000000000001', '{client}', \
             'sandbox', 'user.created', 'user_management', {t}, {t}, NULL, 'pending', {t}, {later})"
        ),
        format!(
            "INSERT INTO notifications (id, client_uuid, environment, type, category, occurred_at, created_at, body, \
             status, next_attempt_at) VALUES ('01a00000-0000-7000-8000-000000000002', '{client}', 'sandbox', \
             'user.created', 'user_management', {t}, {t}, NULL, 'pending', {t})"
        ),
        format!(
            "INSERT INTO notifications (id, client_uuid, environment, type, category, occurred_at, created_at, body, \
             status, attempt_count, delivered_at) VALUES ('01a00000-0000-7000-8000-000000000003', '{client}', \
             'sandbox', 'user.created', 'user_management', {t}, {t}, NULL, 'delivered', 1, {t})"
        ),
    ];
    execute_each(&store, &statements).await;

    store.migrate().await.unwrap();
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
    for (id, status) in
        [("1", NotificationStatus::Pending), ("2", NotificationStatus::Pending), ("3", NotificationStatus::Delivered)]
    {
        let id = format!("01a00000-0000-7000-8000-00000000000{id}");
        let n = store.notification(&id).await.unwrap().unwrap_or_else(|| panic!("{id} kept"));
        assert_eq!(n.status, status);
    }
    let endpoint = EndpointKey { client_uuid: client.to_owned(), environment: Environment::Sandbox };
    let claimed = store
        .claim_due(Channel::Notification, now, now.plus_seconds(120), &[(endpoint.clone(), 10)], i64::MAX)
        .await
        .unwrap();
    let ids: Vec<&str> = claimed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["01a00000-0000-7000-8000-000000000002"], "the old claim is respected until its lease ends");
    assert!(claimed[0].body.is_none(), "a missing body is handed out as missing, never as empty");
    let after_lease = now.plus_seconds(61);
    let claimed = store
        .claim_due(Channel::Notification, after_lease, after_lease.plus_seconds(30), &[(endpoint, 10)], i64::MAX)
        .await
        .unwrap();
    let ids: Vec<&str> = claimed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["01a00000-0000-7000-8000-000000000001"], "after its lease the old claim is due again");
    store.close().await;
}

/// Runs each statement on the store's own pool; each must change one row.
async fn execute_each(store: &Store, statements: &[String]) {
    for sql in statements {
        let done = match store.native() {
            NativePool::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
            NativePool::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
        };
        assert_eq!(done.unwrap(), 1, "{sql}");
    }
}

/// Rows recorded before commit order (migration 0007) are numbered in id order, and `after` lists
/// from them; what is recorded afterwards comes after every one of them.
async fn a_populated_database_gets_commit_order_in_id_order_and_continues_it(db: TestDatabase) {
    let backend = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.unwrap();
    migrate_up_to(&store, backend, 6).await;
    let t = Timestamp::now().as_micros();
    let client = "0190b7e2-4c1a-7b3e-9f00-0000000000c2";
    let id = |n: u32| format!("01a00000-0000-7000-8000-00000000000{n}");
    // A notification as a release before 0007 inserts it: without `seq`.
    let old_notification = |n: u32| {
        format!(
            "INSERT INTO notifications (id, client_uuid, environment, type, category, occurred_at, created_at, body, \
             status) VALUES ('{}', '{client}', 'sandbox', 'user.created', 'user_management', {t}, {t}, NULL, \
             'not_subscribed')",
            id(n)
        )
    };
    let mut statements = vec![
        format!("INSERT INTO clients (client_uuid, name, created_at) VALUES ('{client}', 'Old Co', {t})"),
        format!(
            "INSERT INTO environments (client_uuid, environment, subscription_state, state_since, updated_at) \
             VALUES ('{client}', 'sandbox', 'inactive', {t}, {t})"
        ),
    ];
    // Inserted out of id order: the numbering follows the ids.
    for n in [3, 1, 2] {
        statements.push(old_notification(n));
        statements.push(format!(
            "INSERT INTO data_deliveries (id, client_uuid, environment, user_id, data_type, pillar, hash_datetime, \
             created_at, status) VALUES ('{}', '{client}', 'sandbox', 'u1', 'summary', 'sleep', 'x', {t}, 'delivered')",
            id(n)
        ));
    }
    execute_each(&store, &statements).await;
    store.migrate().await.unwrap();

    for n in 1..=3 {
        assert_eq!(store.notification(&id(n)).await.unwrap().unwrap().seq, i64::from(n), "notification {n}");
        assert_eq!(store.data_delivery(&id(n)).await.unwrap().unwrap().seq, i64::from(n), "data delivery {n}");
    }
    if backend == "postgres" {
        // A process of the previous release inserts without `seq` during a rolling upgrade: the
        // column's default numbers it next.
        execute_each(&store, &[old_notification(4)]).await;
        assert_eq!(store.notification(&id(4)).await.unwrap().unwrap().seq, 4, "numbered after the others");
    }
    let filter = NotificationFilter { client_uuid: client.to_owned(), ..Default::default() };
    let after_first = store.list_notifications(&filter, &Position::After(1), 10).await.unwrap();
    let listed: Vec<String> = after_first.iter().map(|n| n.id.clone()).collect();
    assert_eq!(listed[..2], [id(2), id(3)]);

    // A delivery handed over now, with an id older than all of them, is numbered after them.
    let document = rook_notify::store::NewDataDelivery {
        id: "01000000-0000-7000-8000-000000000000".to_owned(),
        client_uuid: client.to_owned(),
        environment: Environment::Sandbox,
        user_id: "u1".to_owned(),
        data_type: app::vocab::DataType::Summary,
        pillar: app::vocab::Pillar::Sleep,
        document_id: None,
        hash_datetime: "x".to_owned(),
        body: b"{}".to_vec(),
    };
    store.insert_data_delivery(&document, None, Timestamp::now()).await.unwrap();
    let documents = DataDeliveryFilter { client_uuid: client.to_owned(), ..Default::default() };
    let after_last = store.list_data_deliveries(&documents, &Position::After(3), 10).await.unwrap();
    assert_eq!(after_last.iter().map(|d| (d.id.as_str(), d.seq)).collect::<Vec<_>>(), [(document.id.as_str(), 4)]);
    store.close().await;
}
