//! Write transactions for changes made of several parts: every part is written, or (dropped without
//! a commit) none is.

use app::timestamp::Timestamp;
use app::vocab::{
    DisabledReason, Environment, NotificationStatus, NotificationType, Role, SecretPurpose, SubscriptionState,
};
use rook_notify::store::{NewAccount, NewAuditEntry, Position, StoreError};
use serde_json::json;

use super::fixtures::{NOTIFY_URL, record, subscribed_store};
use super::migrated;
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000ab";

async fn a_transaction_writes_every_part_or_none(db: TestDatabase) {
    let store = migrated(&db).await;
    let t0 = Timestamp::now();
    let account = NewAccount { email: "c@acme.example", password_hash: "h", role: Role::Client, client_uuid: Some(A) };
    let audit = || NewAuditEntry {
        actor: "staff@rook.example",
        action: "client.created",
        client_uuid: Some(A),
        environment: Some(Environment::Sandbox),
        detail: json!({ "name": "Acme" }),
    };
    let purpose = SecretPurpose::Notification;
    for commit in [false, true] {
        let mut tx = store.begin().await.unwrap();
        let client = tx.insert_client(A, "Acme", t0).await.unwrap();
        assert_eq!(client.name, "Acme");
        let created = tx.insert_account(account.clone(), t0).await.unwrap();
        assert_eq!(created.client_uuid.as_deref(), Some(A));
        tx.set_environment_endpoints(A, Environment::Sandbox, Some(NOTIFY_URL), None, Some("hash"), t0).await.unwrap();
        tx.set_notification_types(A, Environment::Sandbox, Some(&[NotificationType::UserDeleted]), t0).await.unwrap();
        tx.set_subscription_state(A, Environment::Sandbox, SubscriptionState::Active, None, t0).await.unwrap();
        let first = tx.ensure_secret(A, Environment::Sandbox, purpose, || "whsec_one".into(), t0).await.unwrap();
        let again = tx.ensure_secret(A, Environment::Sandbox, purpose, || "whsec_other".into(), t0).await.unwrap();
        assert_eq!((first.as_str(), again.as_str()), ("whsec_one", "whsec_one"), "ensured once");
        tx.rotate_secret(A, Environment::Sandbox, purpose, "whsec_two", 1_000_000, t0).await.unwrap();
        tx.append_audit(audit(), t0).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
        } else {
            drop(tx);
            assert!(store.client(A).await.unwrap().is_none(), "a dropped transaction writes nothing");
            assert!(store.account_by_email("c@acme.example").await.unwrap().is_none());
            assert!(store.list_audit(None, None, &Position::NEWEST, 10).await.unwrap().is_empty());
            assert!(store.signing_secrets(A, Environment::Sandbox, purpose, t0).await.unwrap().is_empty());
        }
    }
    let env = store.environment(A, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!((env.state, env.notification_webhook_url.as_deref()), (SubscriptionState::Active, Some(NOTIFY_URL)));
    assert_eq!(
        (env.notification_types, env.rook_hash_key.as_deref()),
        (Some(vec![NotificationType::UserDeleted]), Some("hash"))
    );
    assert_eq!(store.accounts_of_client(A).await.unwrap().len(), 1);
    assert_eq!(store.list_audit(Some(A), None, &Position::NEWEST, 10).await.unwrap().len(), 1);
    let secrets = store.signing_secrets(A, Environment::Sandbox, purpose, t0).await.unwrap();
    assert_eq!(secrets.iter().map(|s| s.secret.as_str()).collect::<Vec<_>>(), ["whsec_two", "whsec_one"]);

    // A part that fails fails the call; the transaction is then dropped and nothing is written.
    let mut tx = store.begin().await.unwrap();
    tx.append_audit(audit(), t0).await.unwrap();
    let missing = tx.set_subscription_state("nobody", Environment::Sandbox, SubscriptionState::Active, None, t0).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    let taken = tx.insert_client(A, "Again", t0).await;
    assert!(matches!(taken, Err(StoreError::Conflict { what: "client_uuid" })), "{taken:?}");
    drop(tx);
    assert_eq!(store.list_audit(Some(A), None, &Position::NEWEST, 10).await.unwrap().len(), 1);
}

async fn a_re_enabling_transaction_releases_or_stops_what_was_held(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let mut ids = Vec::new();
    for user in ["u1", "u2", "u3"] {
        ids.push(record(&store, &a, user, t0).await.0);
    }
    assert_eq!(store.hold_endpoint(&a, t0).await.unwrap(), 3);
    // One lost its payload while held (an older retention did that): releasing it sends nothing.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE notifications SET body = NULL WHERE id = $1").bind(&ids[0]).execute(&pool).await.unwrap();
    pool.close().await;

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.held_without_payload(&a).await.unwrap(), 1);
    tx.set_subscription_state(A, Environment::Sandbox, SubscriptionState::Active, None, t0).await.unwrap();
    assert_eq!(tx.release_held(&a, t0.plus_seconds(1)).await.unwrap(), 3);
    drop(tx);
    let status = |id: String| {
        let store = &store;
        async move { store.notification(&id).await.unwrap().unwrap().status }
    };
    assert_eq!(status(ids[1].clone()).await, NotificationStatus::Held, "not committed: still held");

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.release_held(&a, t0.plus_seconds(1)).await.unwrap(), 3);
    tx.commit().await.unwrap();
    assert_eq!(status(ids[1].clone()).await, NotificationStatus::Pending);
    assert_eq!(store.notification(&ids[1]).await.unwrap().unwrap().progress.next_attempt_at, Some(t0.plus_seconds(1)));

    let mut tx = store.begin().await.unwrap();
    tx.set_subscription_state(A, Environment::Sandbox, SubscriptionState::Inactive, None, t0).await.unwrap();
    assert_eq!(tx.stop_waiting(&a, t0.plus_seconds(2)).await.unwrap(), 3);
    assert_eq!(tx.held_without_payload(&a).await.unwrap(), 0, "nothing is held any more");
    tx.commit().await.unwrap();
    for id in ids {
        assert_eq!(status(id).await, NotificationStatus::NotSubscribed);
    }
    let env = store.environment(A, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!((env.state, env.disabled_reason), (SubscriptionState::Inactive, None::<DisabledReason>));
}

crate::on_both_backends!(
    a_transaction_writes_every_part_or_none,
    a_re_enabling_transaction_releases_or_stops_what_was_held
);
