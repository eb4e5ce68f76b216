//! Secrets at rest are bound to their owner: a ciphertext moved into another client's row does not
//! decrypt, values written before the binding still read and are bound at startup, and a server
//! refuses to start with a key that cannot read the secrets its database holds.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use reqwest::Method;
use rook_notify::config::Settings;
use rook_notify::startup::Application;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{TEST_SECRET_KEY, TestApp, TestDatabase, spawn_app, spawn_app_with};

/// `plain` in the stored form of the previous release (`enc:v1`, no associated data) under the test key.
pub(crate) fn stored_as_v1(plain: &str) -> String {
    let key = rook_notify::store::parse_key(TEST_SECRET_KEY).unwrap();
    let nonce = [9u8; 24];
    let sealed = XChaCha20Poly1305::new(&key.into()).encrypt(XNonce::from_slice(&nonce), plain.as_bytes()).unwrap();
    let blob = [nonce.as_slice(), &sealed].concat();
    let id = hex::encode(&Sha256::digest(key)[..4]);
    format!("enc:v1:{id}:{}", base64::engine::general_purpose::STANDARD.encode(blob))
}

async fn reveal(app: &TestApp, client_uuid: &str) -> reqwest::Response {
    app.api(Method::GET, &format!("/clients/{client_uuid}/environments/sandbox/secrets/notification"))
        .send()
        .await
        .unwrap()
}

async fn revealed(app: &TestApp, client_uuid: &str) -> String {
    let res = reveal(app, client_uuid).await;
    assert_eq!(res.status(), 200, "the secret is revealed");
    res.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned()
}

async fn secrets_are_bound_to_their_client_and_old_values_are_bound_at_startup(db: TestDatabase) {
    let app = spawn_app(db.shared()).await;
    let (a, secret_a) = app.subscribed_client("http://127.0.0.1:9/a").await;
    let (b, secret_b) = app.subscribed_client("http://127.0.0.1:9/b").await;

    // A value of the previous release, without associated data, still reads.
    let old_a = "whsec_b2xkIHNlY3JldCBvZiB0aGUgcHJldmlvdXMgcmVsZWFzZQ==";
    let changed = app
        .execute_sql(
            &format!("UPDATE signing_secrets SET secret = $1 WHERE client_uuid = '{a}' AND purpose = 'notification'"),
            &stored_as_v1(old_a),
        )
        .await;
    assert_eq!(changed, 1);
    assert_eq!(revealed(&app, &a).await, old_a, "a v1 value reads");
    app.stop().await;

    // The next start binds it to its owner, in place.
    let app = spawn_app(db.shared()).await;
    assert_eq!(app.query_number("SELECT COUNT(*) FROM signing_secrets WHERE secret LIKE 'enc:v1:%'").await, 0);
    assert_eq!(app.query_number("SELECT COUNT(*) FROM signing_secrets WHERE secret LIKE 'enc:v2:%'").await, 2);
    assert_eq!(revealed(&app, &a).await, old_a, "the bound value reads the same");
    assert_eq!(revealed(&app, &b).await, secret_b);
    assert_ne!(secret_a, old_a);

    // A database writer copies A's ciphertext into B's row: reading B's secret fails, and answers
    // nothing of A's.
    app.execute_sql_script(&format!(
        "UPDATE signing_secrets SET secret = (SELECT secret FROM signing_secrets WHERE client_uuid = '{a}') \
         WHERE client_uuid = '{b}'"
    ))
    .await;
    let res = reveal(&app, &b).await;
    assert_eq!(res.status(), 500, "a moved ciphertext is an error");
    let body = res.text().await.unwrap();
    assert!(!body.contains(old_a), "B's answer holds A's secret: {body}");
    let error: Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(error["error"]["code"], "internal");
    // A itself is untouched.
    assert_eq!(revealed(&app, &a).await, old_a);
    app.stop().await;
}

async fn a_server_refuses_a_key_that_cannot_read_the_stored_secrets(db: TestDatabase) {
    let app = spawn_app(db.shared()).await;
    app.subscribed_client("http://127.0.0.1:9/a").await;
    app.stop().await;

    // Started from elsewhere, the default key file is a new one: the secrets are not its.
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("data/secret.key");
    let mut settings = Settings::defaults();
    settings.database_url = db.url.clone();
    settings.site_addr = "127.0.0.1:0".parse().unwrap();
    settings.deliver = false;
    settings.secret_key_file = key_file.clone();
    let err = match Application::build(settings.clone()).await {
        Ok(_) => panic!("a server started with a key that cannot read the stored secrets"),
        Err(err) => err.to_string(),
    };
    for named in ["ROOK_NOTIFY_SECRET_KEY_FILE", "ROOK_NOTIFY_PREVIOUS_SECRET_KEYS", "reencrypt-secrets"] {
        assert!(err.contains(named), "the message does not name {named}: {err}");
    }
    assert!(err.contains(&key_file.display().to_string()), "the message does not name the key file: {err}");
    assert!(!err.contains(TEST_SECRET_KEY), "the message shows a key: {err}");

    // With the old key listed as a previous key, it starts, and `reencrypt-secrets` moves the values to
    // the new key.
    let new_key = std::fs::read_to_string(&key_file).unwrap().trim().to_owned();
    let app = spawn_app_with(db.shared(), |s| {
        s.secret_key = Some(new_key.clone());
        s.previous_secret_keys = vec![TEST_SECRET_KEY.to_owned()];
    })
    .await;
    let rewritten = app.services.store().reencrypt_secrets().await.unwrap();
    assert_eq!(rewritten, 1);
    app.stop().await;
    // Now the new key alone reads everything, and the old one is refused.
    let app = spawn_app_with(db.shared(), |s| s.secret_key = Some(new_key.clone())).await;
    app.stop().await;
    let mut old_only = settings;
    old_only.secret_key = Some(TEST_SECRET_KEY.to_owned());
    assert!(Application::build(old_only).await.is_err(), "the old key no longer reads the secrets");
}

crate::on_both_backends!(
    secrets_are_bound_to_their_client_and_old_values_are_bound_at_startup,
    a_server_refuses_a_key_that_cannot_read_the_stored_secrets,
);
