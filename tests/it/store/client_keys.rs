//! Client API keys: stored by digest, listed per client newest first, revoked once, touched on use,
//! and each address they are used from remembered once.

use app::vocab::{Environment, KeyAccess};
use rook_notify::store::{NewClientKey, StoreError};

use super::fixtures::subscribed_store;
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000c1";
const B: &str = "0190b7e2-0000-7000-8000-0000000000c2";

fn key<'a>(client_uuid: &'a str, name: &'a str, digest: &'a str) -> NewClientKey<'a> {
    NewClientKey {
        client_uuid,
        environment: Some(Environment::Sandbox),
        name,
        access: KeyAccess::ReadOnly,
        key_sha256: digest,
        created_by: "dev@example.com",
        expires_at: None,
    }
}

async fn keys_are_found_by_digest_listed_per_client_and_revoked_once(db: TestDatabase) {
    let (store, t0, _) = subscribed_store(&db, A).await;
    store.insert_client(B, "Other", t0).await.unwrap();
    let first = store.in_tx(async |tx| tx.insert_client_key(key(A, "ci", "digest-1"), t0).await).await.unwrap();
    let later = t0.plus_seconds(1);
    let both = NewClientKey { environment: None, access: KeyAccess::ReadWrite, ..key(A, "cron", "digest-2") };
    let second = store.in_tx(async |tx| tx.insert_client_key(both, later).await).await.unwrap();
    store.in_tx(async |tx| tx.insert_client_key(key(B, "theirs", "digest-3"), t0).await).await.unwrap();
    assert_eq!(
        (first.name.as_str(), first.environment, first.access),
        ("ci", Some(Environment::Sandbox), KeyAccess::ReadOnly)
    );
    assert_eq!((second.environment, second.access, second.created_at), (None, KeyAccess::ReadWrite, later));

    assert_eq!(store.client_key_by_digest("digest-1").await.unwrap(), Some(first.clone()));
    assert_eq!(store.client_key_by_digest("ci").await.unwrap(), None, "found by digest, not by name");
    let listed: Vec<String> = store.client_keys(A).await.unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(listed, ["cron", "ci"], "newest first, only the client's own");
    let err = store.in_tx(async |tx| tx.insert_client_key(key(A, "dup", "digest-1"), t0).await).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { what: "key" }), "{err:?}");

    let at = t0.plus_seconds(5);
    let revoked = store.in_tx(async |tx| tx.revoke_client_key(A, &first.id, at).await).await.unwrap().expect("the key");
    assert_eq!(revoked.revoked_at, Some(at));
    let again = store
        .in_tx(async |tx| tx.revoke_client_key(A, &first.id, at.plus_seconds(5)).await)
        .await
        .unwrap()
        .expect("the key");
    assert_eq!(again.revoked_at, Some(at), "the first revocation time stays");
    assert_eq!(
        store.in_tx(async |tx| tx.revoke_client_key(B, &second.id, at).await).await.unwrap(),
        None,
        "another client's key is not found"
    );
    assert_eq!(store.client_key_by_digest("digest-2").await.unwrap().unwrap().revoked_at, None);
}

async fn uses_are_touched_and_each_address_is_new_once(db: TestDatabase) {
    let (store, t0, _) = subscribed_store(&db, A).await;
    let created = store.in_tx(async |tx| tx.insert_client_key(key(A, "ci", "digest-1"), t0).await).await.unwrap();
    let used = t0.plus_seconds(3);
    store.touch_client_key(&created.id, used).await.unwrap();
    assert_eq!(store.client_key_by_digest("digest-1").await.unwrap().unwrap().last_used_at, Some(used));
    assert!(store.in_tx(async |tx| tx.note_client_key_address(&created.id, "192.0.2.7", used).await).await.unwrap());
    assert!(
        !store.in_tx(async |tx| tx.note_client_key_address(&created.id, "192.0.2.7", used).await).await.unwrap(),
        "seen before"
    );
    assert!(store.in_tx(async |tx| tx.note_client_key_address(&created.id, "2001:db8::1", used).await).await.unwrap());
}

crate::on_both_backends!(
    keys_are_found_by_digest_listed_per_client_and_revoked_once,
    uses_are_touched_and_each_address_is_new_once,
);
