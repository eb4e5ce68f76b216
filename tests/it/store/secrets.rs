//! Signing secrets and ROOK hash keys: encrypted at rest, readable only with the key, rotated with an
//! overlap.

use app::timestamp::Timestamp;
use app::vocab::{Environment, SecretPurpose};
use rook_notify::store::{SecretCipher, Store};

use super::migrated;
use crate::support::TestDatabase;

const T0: i64 = 1_764_428_400_000_000;

/// Every text value of the tables that hold secrets, as a database dump would show them.
async fn dump(db: &TestDatabase) -> String {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let mut text = String::new();
    for sql in [
        "SELECT id || ' ' || secret FROM signing_secrets",
        "SELECT client_uuid || ' ' || COALESCE(rook_hash_key, '') FROM environments",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
        text.push_str(&rows.join("\n"));
    }
    pool.close().await;
    text
}

/// A client (at `T0`) whose `environment` has a signing secret of the purpose given and a ROOK hash
/// key; returns the secret.
async fn client_with_secrets(
    store: &Store,
    uuid: &str,
    environment: Environment,
    (purpose, secret): (SecretPurpose, &str),
    hash_key: &str,
) -> String {
    let now = Timestamp::from_micros(T0);
    store.insert_client(uuid, "Acme", now).await.unwrap();
    let secret = store
        .in_tx(async |tx| tx.ensure_secret(uuid, environment, purpose, || secret.to_owned(), now).await)
        .await
        .unwrap();
    store
        .in_tx(async |tx| tx.set_environment_endpoints(uuid, environment, None, None, Some(hash_key), now).await)
        .await
        .unwrap();
    secret
}

async fn secrets_and_hash_keys_are_stored_encrypted(db: TestDatabase) {
    let store = migrated(&db).await;
    let uuid = "0190b7e2-0000-7000-8000-000000000020";
    let now = Timestamp::from_micros(T0);
    let notification = (SecretPurpose::Notification, "whsec_clearTEXTsecret");
    let secret = client_with_secrets(&store, uuid, Environment::Sandbox, notification, "ROOK_Secret_Key_clear").await;

    let dumped = dump(&db).await;
    assert!(!dumped.contains("clearTEXTsecret"), "a dump reveals no signing secret");
    assert!(!dumped.contains("ROOK_Secret_Key_clear"), "a dump reveals no hash key");
    assert!(dumped.contains("enc:v2:"));

    // Through the store, with the key, they read back.
    let signing = store.signing_secrets(uuid, Environment::Sandbox, SecretPurpose::Notification, now).await.unwrap();
    assert_eq!(signing[0].secret, secret);
    let env = store.environment(uuid, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!(env.rook_hash_key.as_deref(), Some("ROOK_Secret_Key_clear"));

    // With another key, they do not.
    let stranger = Store::connect(&db.url, SecretCipher::new([42; 32], &[])).await.unwrap();
    assert!(stranger.signing_secrets(uuid, Environment::Sandbox, SecretPurpose::Notification, now).await.is_err());
}

async fn a_key_rotation_reads_old_values_and_rewrites_them(db: TestDatabase) {
    let store = migrated(&db).await;
    let uuid = "0190b7e2-0000-7000-8000-000000000021";
    let now = Timestamp::from_micros(T0);
    client_with_secrets(&store, uuid, Environment::Production, (SecretPurpose::Data, "whsec_old"), "hash").await;
    let before = dump(&db).await;

    let old_key = rook_notify::store::parse_key(crate::support::TEST_SECRET_KEY).unwrap();
    let rotated = Store::connect(&db.url, SecretCipher::new([5; 32], &[old_key])).await.unwrap();
    assert_eq!(rotated.reencrypt_secrets().await.unwrap(), 2);
    assert_eq!(rotated.reencrypt_secrets().await.unwrap(), 0, "nothing stale is left");
    assert_ne!(dump(&db).await, before);

    let only_new = Store::connect(&db.url, SecretCipher::new([5; 32], &[])).await.unwrap();
    let secrets = only_new.signing_secrets(uuid, Environment::Production, SecretPurpose::Data, now).await.unwrap();
    assert_eq!(secrets[0].secret, "whsec_old");
    assert_eq!(
        only_new.environment(uuid, Environment::Production).await.unwrap().unwrap().rook_hash_key.as_deref(),
        Some("hash")
    );
}

async fn a_rotated_secret_keeps_signing_for_the_overlap(db: TestDatabase) {
    let store = migrated(&db).await;
    let uuid = "0190b7e2-0000-7000-8000-000000000022";
    let now = Timestamp::from_micros(T0);
    store.insert_client(uuid, "Acme", now).await.unwrap();
    store
        .in_tx(async |tx| {
            tx.ensure_secret(uuid, Environment::Sandbox, SecretPurpose::Notification, || "whsec_one".into(), now).await
        })
        .await
        .unwrap();
    // Each rotation keeps the previous secret signing for a day.
    let rotate = async |secret: &str, at: Timestamp| {
        let (environment, purpose, day) = (Environment::Sandbox, SecretPurpose::Notification, 24 * 3600 * 1_000_000);
        store.in_tx(async |tx| tx.rotate_secret(uuid, environment, purpose, secret, day, at).await).await.unwrap();
    };
    rotate("whsec_two", now.plus_seconds(1)).await;
    let signing = |at| store.signing_secrets(uuid, Environment::Sandbox, SecretPurpose::Notification, at);
    let names = |list: Vec<rook_notify::store::SecretRecord>| list.into_iter().map(|s| s.secret).collect::<Vec<_>>();
    assert_eq!(names(signing(now.plus_seconds(2)).await.unwrap()), ["whsec_two", "whsec_one"], "current first");
    assert_eq!(names(signing(now.plus_seconds(2 + 24 * 3600)).await.unwrap()), ["whsec_two"], "the old one retires");

    // A second rotation within the overlap retires the oldest at once: two secrets sign at most.
    rotate("whsec_three", now.plus_seconds(3)).await;
    assert_eq!(names(signing(now.plus_seconds(4)).await.unwrap()), ["whsec_three", "whsec_two"]);
}

async fn unowned_values_are_bound_to_their_owner_and_unknown_keys_are_named(db: TestDatabase) {
    let store = migrated(&db).await;
    let uuid = "0190b7e2-0000-7000-8000-000000000023";
    let now = Timestamp::from_micros(T0);
    client_with_secrets(&store, uuid, Environment::Sandbox, (SecretPurpose::Data, "whsec_v2"), "hash").await;
    assert!(store.unreadable_secret_keys().await.unwrap().is_empty(), "every value is readable with the key");
    assert_eq!(store.bind_secrets_to_owners().await.unwrap(), 0, "every value is bound already");

    // A value of the previous release: it reads, and is rewritten bound to its owner once.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE signing_secrets SET secret = $1 WHERE client_uuid = $2")
        .bind(crate::secrets_at_rest::stored_as_v1("whsec_v1"))
        .bind(uuid)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(dump(&db).await.contains("enc:v1:"));
    assert_eq!(store.bind_secrets_to_owners().await.unwrap(), 1);
    assert_eq!(store.bind_secrets_to_owners().await.unwrap(), 0);
    assert!(!dump(&db).await.contains("enc:v1:"));
    let signing = store.signing_secrets(uuid, Environment::Sandbox, SecretPurpose::Data, now).await.unwrap();
    assert_eq!(signing[0].secret, "whsec_v1");

    // A process with another key names the key it lacks, with how many values it wrote.
    let stranger = Store::connect(&db.url, SecretCipher::new([42; 32], &[])).await.unwrap();
    assert_eq!(stranger.unreadable_secret_keys().await.unwrap(), [(store.cipher().key_id().to_owned(), 2)]);
    stranger.close().await;
}

crate::on_both_backends!(
    unowned_values_are_bound_to_their_owner_and_unknown_keys_are_named,
    secrets_and_hash_keys_are_stored_encrypted,
    a_key_rotation_reads_old_values_and_rewrites_them,
    a_rotated_secret_keeps_signing_for_the_overlap,
);
