//! Clients and environments.

use app::timestamp::Timestamp;
use app::vocab::{DisabledReason, Environment, SubscriptionState};
use rook_notify::store::StoreError;

use super::migrated;
use crate::support::TestDatabase;

const T0: i64 = 1_764_428_400_123_457; // 2025-11-29T15:00:00.123457Z: odd microseconds on purpose

async fn a_new_client_has_both_environments_inactive_without_urls(db: TestDatabase) {
    let store = migrated(&db).await;
    let now = Timestamp::from_micros(T0);
    let client = store.insert_client("0190b7e2-0000-7000-8000-000000000001", "Acme", now).await.unwrap();
    assert_eq!(client.created_at, now);

    let fetched = store.client("0190b7e2-0000-7000-8000-000000000001").await.unwrap().unwrap();
    assert_eq!(fetched, client, "ids and timestamps round-trip exactly");

    let envs = store.environments_of(std::slice::from_ref(&client.client_uuid)).await.unwrap();
    assert_eq!(
        envs.iter().map(|e| e.environment).collect::<Vec<_>>(),
        vec![Environment::Sandbox, Environment::Production]
    );
    for env in &envs {
        assert_eq!(env.state, SubscriptionState::Inactive);
        assert_eq!(env.disabled_reason, None);
        assert_eq!(env.notification_webhook_url, None);
        assert_eq!(env.state_since, now);
    }
}

async fn a_duplicate_client_uuid_is_a_conflict(db: TestDatabase) {
    let store = migrated(&db).await;
    let now = Timestamp::from_micros(T0);
    store.insert_client("0190b7e2-0000-7000-8000-000000000002", "One", now).await.unwrap();
    let err = store.insert_client("0190b7e2-0000-7000-8000-000000000002", "Two", now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { what: "client_uuid" }), "{err:?}");
    assert_eq!(store.client("0190b7e2-0000-7000-8000-000000000002").await.unwrap().unwrap().name, "One");
}

async fn clients_list_by_name_and_search_by_name_or_uuid_prefix(db: TestDatabase) {
    let store = migrated(&db).await;
    let now = Timestamp::from_micros(T0);
    store.insert_client("0190b7e2-0000-7000-8000-00000000000c", "charlie_co", now).await.unwrap();
    store.insert_client("0190b7e2-0000-7000-8000-00000000000a", "Alpha Health", now).await.unwrap();
    store.insert_client("0190b7e2-0000-7000-8000-00000000000b", "beta 100%", now).await.unwrap();

    let names = |list: Vec<rook_notify::store::ClientRecord>| list.into_iter().map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(names(store.list_clients(None, 10).await.unwrap()), ["Alpha Health", "beta 100%", "charlie_co"]);
    assert_eq!(names(store.list_clients(None, 2).await.unwrap()), ["Alpha Health", "beta 100%"]);
    assert_eq!(names(store.list_clients(Some("HEALTH"), 10).await.unwrap()), ["Alpha Health"]);
    assert_eq!(
        names(store.list_clients(Some("0190b7e2-0000-7000-8000-00000000000b"), 10).await.unwrap()),
        ["beta 100%"]
    );
    // LIKE wildcards in the search match themselves only.
    assert_eq!(names(store.list_clients(Some("%"), 10).await.unwrap()), ["beta 100%"]);
    assert_eq!(names(store.list_clients(Some("_"), 10).await.unwrap()), ["charlie_co"]);
    assert!(store.list_clients(Some("nobody"), 10).await.unwrap().is_empty());
}

async fn environment_endpoints_and_subscription_state_are_updated(db: TestDatabase) {
    let store = migrated(&db).await;
    let uuid = "0190b7e2-0000-7000-8000-000000000003";
    store.insert_client(uuid, "Acme", Timestamp::from_micros(T0)).await.unwrap();
    let later = Timestamp::from_micros(T0 + 5_000_001);
    store
        .in_tx(async |tx| {
            tx.set_environment_endpoints(
                uuid,
                Environment::Production,
                Some("https://acme.example/notify"),
                Some("https://acme.example/data"),
                Some("hash key"),
                later,
            )
            .await
        })
        .await
        .unwrap();
    store
        .in_tx(async |tx| {
            tx.set_subscription_state(
                uuid,
                Environment::Production,
                SubscriptionState::Disabled,
                Some(DisabledReason::Gone),
                later,
            )
            .await
        })
        .await
        .unwrap();

    let env = store.environment(uuid, Environment::Production).await.unwrap().unwrap();
    assert_eq!(env.notification_webhook_url.as_deref(), Some("https://acme.example/notify"));
    assert_eq!(env.data_webhook_url.as_deref(), Some("https://acme.example/data"));
    assert_eq!(env.rook_hash_key.as_deref(), Some("hash key"));
    assert_eq!(env.state, SubscriptionState::Disabled);
    assert_eq!(env.disabled_reason, Some(DisabledReason::Gone));
    assert_eq!(env.state_since, later);
    let sandbox = store.environment(uuid, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!(sandbox.state, SubscriptionState::Inactive, "the other environment is untouched");

    let missing = store
        .in_tx(async |tx| {
            tx.set_subscription_state(
                "0190b7e2-0000-7000-8000-0000000000ff",
                Environment::Sandbox,
                SubscriptionState::Active,
                None,
                later,
            )
            .await
        })
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound));
}

crate::on_both_backends!(
    a_new_client_has_both_environments_inactive_without_urls,
    a_duplicate_client_uuid_is_a_conflict,
    clients_list_by_name_and_search_by_name_or_uuid_prefix,
    environment_endpoints_and_subscription_state_are_updated,
);
