//! Client API keys and the pull API: a key is shown once and stored as a digest, reaches only its
//! client (and environment) and the pull routes, read-only keys cannot resend, revoked and expired keys
//! are refused, each key has its own rate, and its life is in the audit log.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{Reply, Subscribed, TestApp, TestDatabase, spawn_subscribed};

/// Creates a key for `client_uuid` through the admin API; returns its listed view and the secret.
pub(crate) async fn create_key(app: &TestApp, client_uuid: &str, body: Value) -> (Value, String) {
    let res = app.send_json(Method::POST, &format!("/clients/{client_uuid}/api-keys"), &body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "the key is created");
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().expect("the secret, once").to_owned();
    (created, secret)
}

/// A request to `path` under `/api/v1` with a client API key.
pub(crate) fn with_key(app: &TestApp, key: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client.request(method, app.url(&format!("/api/v1{path}"))).bearer_auth(key)
}

async fn status_with_key(app: &TestApp, key: &str, method: Method, path: &str, body: Option<Value>) -> u16 {
    let request = with_key(app, key, method, path);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.expect("an API request").status().as_u16()
}

/// The JSON a GET of `path` with a client API key answers, which must be a 200.
pub(crate) async fn get_with_key(app: &TestApp, key: &str, path: &str) -> Value {
    let res = with_key(app, key, Method::GET, path).send().await.expect("an API request");
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.expect("a JSON answer")
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

async fn a_new_key_is_shown_once_and_only_its_digest_is_stored(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (created, secret) =
        create_key(&app, &client_uuid, json!({ "name": "reconciler", "access": "read_only" })).await;
    assert!(secret.starts_with("rnck_") && secret.len() == 5 + 43, "a recognisable prefix: {secret}");
    assert_eq!(created["name"], "reconciler");
    assert_eq!(created["environment"], Value::Null, "both environments");
    assert_eq!(created["last_used_at"], Value::Null);

    let listed = app.get_json(&format!("/clients/{client_uuid}/api-keys")).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&secret), "the list never holds the secret: {listed}");
    assert_eq!(listed[0]["id"], created["id"]);
    let digest = sha256_hex(&secret);
    let stored = app.query_number(&format!("SELECT COUNT(*) FROM client_api_keys WHERE key_sha256 = '{digest}'")).await;
    assert_eq!(stored, 1, "the digest is stored");
    let in_clear = app
        .query_number(&format!(
            "SELECT COUNT(*) FROM client_api_keys WHERE key_sha256 = '{secret}' OR name = '{secret}' OR id = '{secret}'"
        ))
        .await;
    assert_eq!(in_clear, 0, "the key itself is not");

    let res = with_key(&app, &secret, Method::GET, "/notifications").send().await.unwrap();
    assert_eq!(res.status(), 200, "the key lists its own client's notifications without naming it");
    let listed = app.get_json(&format!("/clients/{client_uuid}/api-keys")).await;
    assert!(listed[0]["last_used_at"].is_string(), "the use is listed: {listed}");
    app.stop().await;
}

async fn revoked_and_expired_keys_are_refused(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (revoked, revoked_secret) =
        create_key(&app, &client_uuid, json!({ "name": "old", "access": "read_only" })).await;
    let (expiring, expiring_secret) = create_key(
        &app,
        &client_uuid,
        json!({ "name": "temp", "access": "read_only", "expires_at": "2999-01-01T00:00:00Z" }),
    )
    .await;
    for secret in [&revoked_secret, &expiring_secret] {
        assert_eq!(status_with_key(&app, secret, Method::GET, "/notifications", None).await, 200);
    }

    let id = revoked["id"].as_str().unwrap();
    let res = app.api(Method::POST, &format!("/clients/{client_uuid}/api-keys/{id}/revoke")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["revoked_at"].is_string());
    // An expiry in the past cannot be asked for; set one underneath.
    let expiring_id = expiring["id"].as_str().unwrap();
    assert_eq!(app.execute_sql("UPDATE client_api_keys SET expires_at = 1 WHERE id = $1", expiring_id).await, 1);

    for (what, secret) in [("revoked", &revoked_secret), ("expired", &expiring_secret)] {
        let res = with_key(&app, secret, Method::GET, "/notifications").send().await.unwrap();
        assert_eq!(res.status(), 401, "a {what} key is refused at once");
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    }
    let past = app
        .send_json(
            Method::POST,
            &format!("/clients/{client_uuid}/api-keys"),
            &json!({ "name": "past", "access": "read_only", "expires_at": "2001-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(past.status(), 422, "an expiry must be in the future");
    app.stop().await;
}

async fn a_key_reaches_only_its_client_its_environment_and_the_pull_routes(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (other_uuid, _) = app.subscribed_client(&receiver.url("/other")).await;
    let own = app.user_created(&client_uuid, "u-own").await;
    let theirs = app.user_created(&other_uuid, "u-theirs").await;
    let (_, key) = create_key(&app, &client_uuid, json!({ "name": "rw", "access": "read_write" })).await;

    assert_eq!(status_with_key(&app, &key, Method::GET, &format!("/notifications/{own}"), None).await, 200);
    let not_found = [
        (Method::GET, format!("/notifications/{theirs}")),
        (Method::POST, format!("/notifications/{theirs}/resend")),
        (Method::GET, format!("/notifications?client_uuid={other_uuid}")),
        (Method::GET, format!("/data-deliveries?client_uuid={other_uuid}")),
        (Method::GET, format!("/clients/{other_uuid}/environments/sandbox/subscription")),
        (Method::POST, format!("/clients/{other_uuid}/environments/sandbox/test")),
    ];
    for (method, path) in not_found {
        assert_eq!(status_with_key(&app, &key, method.clone(), &path, None).await, 404, "{method} {path}");
    }
    let forbidden = [
        (Method::GET, format!("/clients/{client_uuid}")),
        (Method::GET, "/clients".to_owned()),
        (Method::POST, "/clients".to_owned()),
        (Method::GET, format!("/clients/{client_uuid}/environments/sandbox/secrets/notification")),
        (Method::POST, format!("/clients/{client_uuid}/environments/sandbox/secrets/notification/rotate")),
        (Method::PUT, format!("/clients/{client_uuid}/environments/sandbox/subscription")),
        (Method::GET, format!("/clients/{client_uuid}/api-keys")),
        (Method::POST, format!("/clients/{client_uuid}/api-keys")),
        (Method::GET, "/audit-log".to_owned()),
        (Method::POST, "/platform-events".to_owned()),
    ];
    let event = json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": "k" });
    for (method, path) in forbidden {
        let status = status_with_key(&app, &key, method.clone(), &path, Some(event.clone())).await;
        assert_eq!(status, 403, "{method} {path}");
    }
    let subscription =
        with_key(&app, &key, Method::GET, &format!("/clients/{client_uuid}/environments/sandbox/subscription"))
            .send()
            .await
            .unwrap();
    assert_eq!(subscription.status(), 200);
    let subscription: Value = subscription.json().await.unwrap();
    assert_eq!(subscription["state"], "active");
    assert!(subscription.get("secret").is_none(), "never the secret: {subscription}");

    // A key scoped to Production sees nothing of Sandbox.
    let (_, production) =
        create_key(&app, &client_uuid, json!({ "name": "prod", "access": "read_write", "environment": "production" }))
            .await;
    for path in [
        format!("/notifications/{own}"),
        "/notifications?environment=sandbox".to_owned(),
        format!("/clients/{client_uuid}/environments/sandbox/subscription"),
    ] {
        assert_eq!(status_with_key(&app, &production, Method::GET, &path, None).await, 404, "{path}");
    }
    let listed: Value = get_with_key(&app, &production, "/notifications").await;
    assert_eq!(listed["items"], json!([]), "its list holds no Sandbox notification: {listed}");
    app.stop().await;
}

async fn a_read_only_key_cannot_resend_or_send_tests(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let id = app.user_created(&client_uuid, "u-1").await;
    let (_, read_only) = create_key(&app, &client_uuid, json!({ "name": "ro", "access": "read_only" })).await;
    let (_, read_write) = create_key(&app, &client_uuid, json!({ "name": "rw", "access": "read_write" })).await;
    let range = json!({ "since": "2000-01-01T00:00:00Z" });
    let writes = [
        (format!("/notifications/{id}/resend"), None),
        (format!("/clients/{client_uuid}/environments/sandbox/test"), None),
        (format!("/clients/{client_uuid}/environments/sandbox/resend-failed"), Some(range.clone())),
        (format!("/clients/{client_uuid}/environments/sandbox/resend-rejected-data"), Some(range.clone())),
    ];
    for (path, body) in &writes {
        assert_eq!(status_with_key(&app, &read_only, Method::POST, path, body.clone()).await, 403, "read-only {path}");
    }
    assert_eq!(status_with_key(&app, &read_only, Method::GET, &format!("/notifications/{id}"), None).await, 200);
    for (path, body) in &writes {
        assert_eq!(
            status_with_key(&app, &read_write, Method::POST, path, body.clone()).await,
            202,
            "read-write {path}"
        );
    }
    let log = app.get_json(&format!("/audit-log?client_uuid={client_uuid}&action=notification.resent")).await;
    let actor = log["items"][0]["actor"].as_str().unwrap_or_default().to_owned();
    assert!(actor.starts_with("client-key:rw:"), "the resend names the key that asked: {log}");
    app.stop().await;
}

async fn after_pulls_what_was_missed_oldest_first(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (_, key) = create_key(&app, &client_uuid, json!({ "name": "pull", "access": "read_only" })).await;
    let seen = app.user_created(&client_uuid, "u-0").await;
    let mut missed = Vec::new();
    for n in 1..=3 {
        missed.push(app.user_created(&client_uuid, &format!("u-{n}")).await);
    }
    let page: Value = get_with_key(&app, &key, &format!("/notifications?after={seen}&limit=2")).await;
    let ids = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(&page), missed[..2], "oldest first, after the one seen");
    let next = page["next_cursor"].as_str().unwrap();
    let rest: Value = get_with_key(&app, &key, &format!("/notifications?after={next}")).await;
    assert_eq!(ids(&rest), missed[2..]);
    let last = rest["next_cursor"].as_str().unwrap();
    let none: Value = get_with_key(&app, &key, &format!("/notifications?after={last}")).await;
    assert_eq!((ids(&none).len(), &none["next_cursor"]), (0, &Value::Null), "nothing new: {none}");

    // The same for data deliveries.
    app.set_environment(&client_uuid, "sandbox", &json!({ "data_webhook_url": receiver.url("/data") })).await;
    let mut documents = Vec::new();
    for n in 0..3 {
        let body = json!({ "client_uuid": client_uuid, "environment": "sandbox", "user_id": format!("u-{n}"),
            "data_type": "summary", "pillar": "sleep", "payload": { "n": n } });
        let res = app.send_json(Method::POST, "/data-deliveries", &body).await;
        assert_eq!(res.status(), 202);
        documents.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let page: Value = get_with_key(&app, &key, &format!("/data-deliveries?after={}", documents[0])).await;
    assert_eq!(ids(&page), documents[1..]);
    let detail = with_key(&app, &key, Method::GET, &format!("/data-deliveries/{}", documents[1])).send().await.unwrap();
    assert_eq!(detail.status(), 200);
    assert!(detail.json::<Value>().await.unwrap()["attempts"].is_array());
    app.stop().await;
}

async fn a_key_over_its_rate_is_answered_429_with_retry_after(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |settings| {
        settings.client_key_rate = 0.01;
        settings.client_key_burst = 3;
    })
    .await;
    let (_, key) = create_key(&app, &client_uuid, json!({ "name": "busy", "access": "read_only" })).await;
    let (_, other) = create_key(&app, &client_uuid, json!({ "name": "calm", "access": "read_only" })).await;
    for _ in 0..3 {
        assert_eq!(status_with_key(&app, &key, Method::GET, "/notifications", None).await, 200);
    }
    let res = with_key(&app, &key, Method::GET, "/notifications").send().await.unwrap();
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=100).contains(&retry_after), "{retry_after}");
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "rate_limited");
    assert_eq!(status_with_key(&app, &other, Method::GET, "/notifications", None).await, 200, "each key has its own");
    let admin = app.api(Method::GET, &format!("/notifications?client_uuid={client_uuid}")).send().await.unwrap();
    assert_eq!(admin.status(), 200, "ROOK's tokens are not limited");
    app.stop().await;
}

async fn a_bulk_resend_counts_what_it_queues_against_the_key_rate(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |settings| {
        settings.retry_schedule = "none".parse().unwrap();
        settings.client_key_rate = 0.01;
        settings.client_key_burst = 3;
    })
    .await;
    receiver.reply_always(Reply::Status(500));
    let mut ids = Vec::new();
    for user in ["u-1", "u-2", "u-3"] {
        ids.push(app.user_created(&client_uuid, user).await);
    }
    for id in &ids {
        app.wait_for_notification(id, "failed", 1, Duration::from_secs(10)).await;
    }
    let (_, key) = create_key(&app, &client_uuid, json!({ "name": "bulk", "access": "read_write" })).await;
    let path = format!("/clients/{client_uuid}/environments/sandbox/resend-failed");
    let range = json!({ "since": "2000-01-01T00:00:00Z" });

    // The request takes one of the three, so two are left to queue: the third stays for later.
    let res = with_key(&app, &key, Method::POST, &path).json(&range).send().await.unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "queued": 2, "remaining": 1 }));
    let res = with_key(&app, &key, Method::POST, &path).json(&range).send().await.unwrap();
    assert_eq!(res.status(), 429, "what was queued used up the key's rate");
    assert!(res.headers().contains_key("retry-after"));
    app.stop().await;
}

async fn creation_first_use_from_an_address_and_revocation_are_audited(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (created, key) = create_key(&app, &client_uuid, json!({ "name": "audited", "access": "read_only" })).await;
    for _ in 0..3 {
        assert_eq!(status_with_key(&app, &key, Method::GET, "/notifications", None).await, 200);
    }
    let id = created["id"].as_str().unwrap();
    let res = app.api(Method::POST, &format!("/clients/{client_uuid}/api-keys/{id}/revoke")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let again = app.api(Method::POST, &format!("/clients/{client_uuid}/api-keys/{id}/revoke")).send().await.unwrap();
    assert_eq!(again.status(), 200, "revoking twice is harmless");

    let log = app.get_json(&format!("/audit-log?client_uuid={client_uuid}&action=client_key.")).await;
    let entries = log["items"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["client_key.revoked", "client_key.used_from_new_address", "client_key.created"], "{log}");
    assert!(entries.iter().all(|e| e["detail"]["key_id"] == id), "{log}");
    assert_eq!(entries[1]["detail"]["address"], "127.0.0.1");
    assert!(entries[1]["actor"].as_str().unwrap().starts_with("client-key:audited:"));
    assert!(!log.to_string().contains(&key), "the audit log never holds the key");
    app.stop().await;
}

async fn a_client_account_manages_its_own_keys_in_the_dashboard(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (other_uuid, _) = app.subscribed_client(&receiver.url("/other")).await;
    app.create_account("dev@client.example", "a long password 1", app::vocab::Role::Client, Some(&client_uuid)).await;
    let browser = crate::support::app::browser_client();
    assert_eq!(app.sign_in(&browser, "dev@client.example", "a long password 1").await.status(), 200);

    let form = [
        ("client_uuid", client_uuid.as_str()),
        ("name", "nightly sync"),
        ("environment", "sandbox"),
        ("access", "read_write"),
        ("expires_in_days", "30"),
    ];
    let res = app.call_fn(&browser, "create_api_key", &form).await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!((created["environment"].as_str(), created["access"].as_str()), (Some("sandbox"), Some("read_write")));
    assert!(created["expires_at"].is_string());
    assert_eq!(created["created_by"], "dev@client.example");
    assert_eq!(status_with_key(&app, &secret, Method::GET, "/notifications", None).await, 200);

    let listed: Value =
        app.call_fn(&browser, "client_api_keys", &[("client_uuid", &client_uuid)]).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&secret));
    let theirs = app.call_fn(&browser, "client_api_keys", &[("client_uuid", &other_uuid)]).await;
    assert_eq!(theirs.status(), 404, "another client's keys are not found");
    let theirs_form = [("client_uuid", other_uuid.as_str()), ("name", "x"), ("access", "read_only")];
    assert_eq!(app.call_fn(&browser, "create_api_key", &theirs_form).await.status(), 404);

    let id = created["id"].as_str().unwrap();
    let unconfirmed = app.call_fn(&browser, "revoke_api_key", &[("client_uuid", &client_uuid), ("key_id", id)]).await;
    assert_eq!(unconfirmed.status(), 422, "revoking needs the confirmation");
    assert_eq!(status_with_key(&app, &secret, Method::GET, "/notifications", None).await, 200);
    let confirmed = [("client_uuid", client_uuid.as_str()), ("key_id", id), ("understood", "on")];
    assert_eq!(app.call_fn(&browser, "revoke_api_key", &confirmed).await.status(), 200);
    assert_eq!(status_with_key(&app, &secret, Method::GET, "/notifications", None).await, 401);
    app.stop().await;
}

crate::on_both_backends!(
    a_new_key_is_shown_once_and_only_its_digest_is_stored,
    revoked_and_expired_keys_are_refused,
    a_key_reaches_only_its_client_its_environment_and_the_pull_routes,
    a_read_only_key_cannot_resend_or_send_tests,
    after_pulls_what_was_missed_oldest_first,
    a_key_over_its_rate_is_answered_429_with_retry_after,
    a_bulk_resend_counts_what_it_queues_against_the_key_rate,
    creation_first_use_from_an_address_and_revocation_are_audited,
    a_client_account_manages_its_own_keys_in_the_dashboard,
);
