//! The REST API's edges: tokens and scopes, every kind of bad input (answered with the field at fault
//! and nothing written), the URL rules, and secret rotation.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use rook_notify::service::Actor;
use rook_notify::store::{Position, TokenScope};
use serde_json::{Value, json};
use standardwebhooks::Webhook;

use crate::support::{Subscribed, TestDatabase, spawn_app, spawn_subscribed};

const WITHIN: Duration = Duration::from_secs(10);

/// Asserts the API's error shape and returns the error object.
async fn expect_error(res: reqwest::Response, status: u16, code: &str, what: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "{what}: status");
    let body: Value = res.json().await.unwrap_or_else(|e| panic!("{what}: a JSON error body: {e}"));
    let error = body["error"].clone();
    assert_eq!(error["code"], code, "{what}: {body}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a message: {body}");
    error
}

async fn requests_without_a_valid_token_are_unauthorized(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Token Test Co").await;
    let event =
        json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": "u-1" });
    let url = |path: &str| app.url(&format!("/api/v1{path}"));
    let requests = [
        ("no token", app.client.get(url(&format!("/clients/{client_uuid}")))),
        ("no token", app.client.post(url("/platform-events")).json(&event)),
        ("no token", app.client.get(url("/notifications")).query(&[("client_uuid", &client_uuid)])),
        ("wrong token", app.client.get(url(&format!("/clients/{client_uuid}"))).bearer_auth("not-the-token")),
        ("wrong token", app.client.post(url("/platform-events")).bearer_auth("rnk_guessed").json(&event)),
        ("empty bearer", app.client.get(url(&format!("/clients/{client_uuid}"))).header("authorization", "Bearer ")),
        ("basic auth", app.client.get(url(&format!("/clients/{client_uuid}"))).basic_auth("admin", Some("x"))),
    ];
    for (what, request) in requests {
        let res = request.send().await.unwrap();
        expect_error(res, 401, "unauthorized", what).await;
    }
    assert!(app.notifications_of(&client_uuid).await.is_empty(), "nothing was recorded");
    app.stop().await;
}

async fn bad_input_is_refused_with_the_field_at_fault_and_nothing_is_written(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let event = |extra: Value| {
        let mut event =
            json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": "u-1" });
        for (k, v) in extra.as_object().unwrap() {
            event[k] = v.clone();
        }
        event.to_string()
    };
    let cases: Vec<(&str, String, u16, &str, Option<&str>)> = vec![
        ("malformed JSON", format!(r#"{{"client_uuid": "{client_uuid}", "#), 400, "malformed_json", None),
        ("an empty body", String::new(), 400, "malformed_json", None),
        ("a number for a string", event(json!({ "user_id": 5 })), 422, "invalid", Some("user_id")),
        ("an unknown type", event(json!({ "type": "user.exploded" })), 422, "invalid", Some("type")),
        ("an unknown environment", event(json!({ "environment": "staging" })), 422, "invalid", Some("environment")),
        (
            "a link without its source",
            event(json!({ "type": "data_source.linked" })),
            422,
            "invalid",
            Some("data_source"),
        ),
        (
            "a failure without its reason",
            event(json!({ "type": "extraction.failed", "data_source": "Garmin" })),
            422,
            "invalid",
            Some("reason"),
        ),
        (
            "an unknown reason",
            event(json!({ "type": "extraction.failed", "data_source": "Garmin", "reason": "bad_luck" })),
            422,
            "invalid",
            Some("reason"),
        ),
        (
            "a rejection as a platform event",
            event(json!({ "type": "data_webhook.rejected" })),
            422,
            "invalid",
            Some("type"),
        ),
        ("a test as a platform event", event(json!({ "type": "subscription.test" })), 422, "invalid", Some("type")),
        ("a bad occurred_at", event(json!({ "occurred_at": "yesterday" })), 422, "invalid", Some("occurred_at")),
        ("a body over 64 KiB", event(json!({ "message": "x".repeat(70 * 1024) })), 413, "body_too_large", None),
        (
            "an unknown client",
            event(json!({ "client_uuid": "01937c1e-7d2a-7000-8000-000000000001" })),
            404,
            "not_found",
            None,
        ),
        ("a malformed client id", event(json!({ "client_uuid": "not-a-uuid" })), 422, "invalid", Some("client_uuid")),
    ];
    for (what, body, status, code, field) in cases {
        let res = app.post_body("/platform-events", body).await;
        let error = expect_error(res, status, code, what).await;
        if let Some(field) = field {
            assert_eq!(error["field"], field, "{what}: {error}");
        }
    }

    // An unknown field, and a missing one, are named.
    let res = app.post_body("/platform-events", event(json!({ "colour": "blue" }))).await;
    let error = expect_error(res, 422, "invalid", "an unknown field").await;
    assert_eq!(error["field"], "colour", "{error}");
    let res = app
        .send_json(
            Method::POST,
            "/platform-events",
            &json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created" }),
        )
        .await;
    let error = expect_error(res, 422, "invalid", "a missing user_id").await;
    assert!(error["message"].as_str().unwrap().contains("user_id"), "the message names the field: {error}");

    // The same shape for a bad body elsewhere: a subscription switched with a string.
    let res = app.update_subscription(&client_uuid, "sandbox", &json!({ "active": "yes" })).await;
    let error = expect_error(res, 422, "invalid", "active as a string").await;
    assert_eq!(error["field"], "active");

    assert!(app.notifications_of(&client_uuid).await.is_empty(), "nothing was recorded");
    let users = app.services.store().user(&client_uuid, app::vocab::Environment::Sandbox, "u-1").await.unwrap();
    assert!(users.is_none(), "no user was created by a refused event");
    assert!(receiver.received().is_empty());
    app.stop().await;
}

/// What one change of `url_rules_are_enforced` must get.
enum Answer {
    /// Saved; `Some(warned)` also checks whether the answer carries warnings (and, when warned, that
    /// it echoes the URL).
    Saved(Option<bool>),
    /// Refused as `invalid`, naming this field, with a message that says each of these.
    Refused(&'static str, &'static [&'static str]),
}

async fn url_rules_are_enforced(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("URL Rules Co").await;
    let (n, d) = ("notification_webhook_url", "data_webhook_url");
    const DIFFER: &str = "must differ from every Data Webhook URL";
    // Applied in order: each builds on what the ones before saved.
    let changes = [
        ("a data URL to compare with", "sandbox", d, "https://Example.com:443/hooks/", Answer::Saved(None)),
        (
            "a notification URL equal to this environment's data URL, once normalised",
            "sandbox",
            n,
            "https://example.com/hooks",
            Answer::Refused(n, &[DIFFER, "Sandbox"]),
        ),
        ("the other environment's data URL", "production", d, "https://data.example.com/prod", Answer::Saved(None)),
        (
            "a notification URL equal to the other environment's data URL",
            "sandbox",
            n,
            "HTTPS://DATA.example.COM/prod/",
            Answer::Refused(n, &[DIFFER, "Production"]),
        ),
        ("a notification URL", "sandbox", n, "https://notify.example.com/rook", Answer::Saved(Some(false))),
        (
            "the reverse: a data URL equal to the other environment's notification URL",
            "production",
            d,
            "https://notify.example.com:443/rook/",
            Answer::Refused(d, &[]),
        ),
        (
            "the same notification URL in both environments: allowed, with a warning",
            "production",
            n,
            "https://notify.example.com/rook",
            Answer::Saved(Some(true)),
        ),
        ("an http production URL", "production", n, "http://notify.example.com/prod", Answer::Refused(n, &["https"])),
        ("an http production data URL", "production", d, "http://data.example.com/x", Answer::Refused(d, &[])),
        ("not http(s)", "sandbox", n, "ftp://example.com/x", Answer::Refused(n, &[])),
    ];
    for (what, env, field, url, answer) in changes {
        let res = app.update_environment(&client_uuid, env, &json!({ field: url })).await;
        match answer {
            Answer::Saved(warned) => {
                assert_eq!(res.status(), 200, "{what}");
                let body: Value = res.json().await.unwrap();
                let warnings = body["warnings"].as_array().unwrap_or_else(|| panic!("{what}: warnings: {body:#}"));
                match warned {
                    Some(true) => {
                        assert!(!warnings.is_empty(), "{what}: a warning: {body:#}");
                        assert_eq!(body[field], url, "{what}");
                    }
                    Some(false) => assert!(warnings.is_empty(), "{what}: no warning: {body:#}"),
                    None => {}
                }
            }
            Answer::Refused(at_fault, says) => {
                let error = expect_error(res, 422, "invalid", what).await;
                assert_eq!(error["field"], at_fault, "{what}: {error}");
                let message = error["message"].as_str().unwrap();
                assert!(says.iter().all(|part| message.contains(part)), "{what}: {message}");
            }
        }
    }

    // What was refused was not stored.
    let view = app.client_view(&client_uuid).await;
    let env = |name: &str| {
        view["environments"].as_array().unwrap().iter().find(|e| e["environment"] == name).unwrap().clone()
    };
    assert_eq!(env("sandbox")["notification_webhook_url"], "https://notify.example.com/rook");
    assert_eq!(env("sandbox")["data_webhook_url"], "https://example.com/hooks/");
    assert_eq!(env("production")["notification_webhook_url"], "https://notify.example.com/rook");
    assert_eq!(env("production")["data_webhook_url"], "https://data.example.com/prod");

    // A subscription needs a URL before it can be activated.
    let other = app.create_client("No URL Co").await;
    let res = app.update_subscription(&other, "sandbox", &json!({ "active": true })).await;
    let error = expect_error(res, 422, "url_required", "activating without a URL").await;
    assert_eq!(error["field"], "notification_webhook_url");
    assert_eq!(app.subscription(&other, "sandbox").await["state"], "inactive");
    app.stop().await;
}

async fn an_ingest_token_may_report_events_and_nothing_else(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Ingest Co").await;
    let (_, token) = app.services.create_token(&Actor::System, "ingest-test", TokenScope::Ingest).await.unwrap();
    let url = |path: &str| app.url(&format!("/api/v1{path}"));

    let res = app
        .client
        .post(url("/platform-events"))
        .bearer_auth(&token)
        .json(
            &json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": "u-1" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["status"], "not_subscribed");

    let forbidden = [
        ("read a client", app.client.get(url(&format!("/clients/{client_uuid}")))),
        ("list notifications", app.client.get(url("/notifications")).query(&[("client_uuid", &client_uuid)])),
        (
            "read a notification",
            app.client.get(url(&format!("/notifications/{}", receipt["notification_id"].as_str().unwrap()))),
        ),
        ("create a client", app.client.post(url("/clients")).json(&json!({ "name": "Sneaky Co" }))),
        (
            "reveal a secret",
            app.client.get(url(&format!("/clients/{client_uuid}/environments/sandbox/secrets/notification"))),
        ),
    ];
    for (what, request) in forbidden {
        let res = request.bearer_auth(&token).send().await.unwrap();
        expect_error(res, 403, "forbidden", what).await;
    }
    // The event it reported was recorded once; the refused client was not created.
    assert_eq!(app.notifications_of(&client_uuid).await.len(), 1);
    app.stop().await;
}

async fn a_rotated_secret_signs_beside_the_old_one(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, secret: old } = spawn_subscribed(db, "/hooks", |_| {}).await;

    let res = app
        .api(Method::POST, &format!("/clients/{client_uuid}/environments/sandbox/secrets/notification/rotate"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let new = res.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_"), "{new}");
    assert_ne!(new, old);
    let res = app
        .api(Method::GET, &format!("/clients/{client_uuid}/environments/sandbox/secrets/notification"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["secret"], new.as_str(), "the new secret is the current one");

    let id = app.user_created(&client_uuid, "u-1").await;
    let received = receiver.wait_for(1, WITHIN).await;
    let request = &received[0];
    assert_eq!(request.header("webhook-id"), id);
    let signatures: Vec<&str> = request.header("webhook-signature").split(' ').collect();
    assert_eq!(signatures.len(), 2, "two signatures during the rotation: {signatures:?}");
    assert!(signatures.iter().all(|s| s.starts_with("v1,")), "{signatures:?}");
    for secret in [&old, &new] {
        Webhook::new(secret).unwrap().verify(&request.body, &request.headers).expect("verifies with each secret");
    }
    let stranger = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(Webhook::new(stranger).unwrap().verify(&request.body, &request.headers).is_err());
    app.stop().await;
}

async fn malformed_paths_are_answered_in_the_error_shape(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Bad URL Co").await;
    let res = app.api(Method::GET, "/notifications/%FF").send().await.unwrap();
    expect_error(res, 400, "malformed_path", "an undecodable id").await;
    let res =
        app.send_json(Method::POST, &format!("/clients/{client_uuid}/environments/%C3%28/test"), &json!({})).await;
    expect_error(res, 400, "malformed_path", "an undecodable environment").await;
    // Query strings a list refuses are answered in it too: see
    // `list_queries::a_bad_or_unknown_parameter_is_refused_by_name_on_every_list`.
    app.stop().await;
}

async fn a_client_uuid_in_upper_case_names_the_same_client(db: TestDatabase) {
    let Subscribed { app, client_uuid, secret, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let upper = client_uuid.to_uppercase();
    assert_ne!(upper, client_uuid);

    let res = app.api(Method::GET, &format!("/clients/{upper}")).send().await.unwrap();
    assert_eq!(res.status(), 200, "read in upper case");
    assert_eq!(res.json::<Value>().await.unwrap()["client_uuid"], client_uuid.as_str(), "answered in lower case");
    let res = app
        .api(Method::GET, &format!("/clients/{upper}/environments/sandbox/secrets/notification"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a secret revealed in upper case");
    assert_eq!(res.json::<Value>().await.unwrap()["secret"], secret.as_str(), "the same client's secret");
    let res =
        app.api(Method::GET, &format!("/clients/{upper}/environments/sandbox/secrets/data")).send().await.unwrap();
    assert_eq!(res.status(), 200, "a secret created in upper case");
    app.set_environment(&upper, "production", &json!({ "notification_webhook_url": "https://hooks.example.com/prod" }))
        .await;
    let res = app.update_subscription(&upper, "sandbox", &json!({ "active": true, "types": ["user.created"] })).await;
    assert_eq!(res.status(), 200, "a subscription changed in upper case");
    assert_eq!(app.subscription(&client_uuid, "sandbox").await["types"], json!(["user.created"]));

    // Everything was recorded under the one, lower-case UUID.
    let store = app.services.store();
    let audit = store.list_audit(None, None, &Position::NEWEST, 100).await.unwrap();
    assert!(audit.iter().all(|e| e.client_uuid.as_deref() == Some(client_uuid.as_str())), "{audit:#?}");
    assert_eq!(store.list_clients(None, 10).await.unwrap().len(), 1);
    app.stop().await;
}

async fn nul_and_control_characters_are_refused_and_nothing_is_written(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("NUL Test Co").await;
    app.set_environment(&client_uuid, "sandbox", &json!({ "data_webhook_url": "http://127.0.0.1:9/data" })).await;
    let delivery = |document_id: &str, datetime: &str| {
        json!({
            "client_uuid": client_uuid, "environment": "sandbox", "user_id": "u-1", "data_type": "summary",
            "pillar": "physical", "document_id": document_id,
            "payload": { "datetime": datetime, "steps": 10 },
        })
    };
    let cases = [
        ("a NUL in document_id", delivery("doc\u{0}1", "2024-05-01T00:00:00Z"), "document_id"),
        ("a NUL in the payload's datetime", delivery("doc-1", "2024-05-01\u{0}"), "payload.datetime"),
        ("a newline in document_id", delivery("doc\n1", "2024-05-01T00:00:00Z"), "document_id"),
    ];
    for (what, body, field) in cases {
        let res = app.send_json(Method::POST, "/data-deliveries", &body).await;
        let error = expect_error(res, 422, "invalid", what).await;
        assert_eq!(error["field"], field, "{what}: {error}");
    }
    let res = app.send_json(Method::POST, "/clients", &json!({ "name": "Evil\u{0} Co" })).await;
    let error = expect_error(res, 422, "invalid", "a NUL in a client name").await;
    assert_eq!(error["field"], "name");
    let event = json!({
        "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": "u\u{0}1"
    });
    let error = expect_error(app.post_event(&event).await, 422, "invalid", "a NUL in user_id").await;
    assert_eq!(error["field"], "user_id");
    // A NUL typed into the sign-in form is a wrong email, not a server error.
    let browser = crate::support::app::browser_client();
    assert_eq!(app.sign_in(&browser, "staff\u{0}@rook.example", "whatever-password").await.status(), 401);

    let res = app.api(Method::GET, "/data-deliveries").query(&[("client_uuid", &client_uuid)]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["items"], json!([]), "no delivery was recorded");
    assert!(app.notifications_of(&client_uuid).await.is_empty(), "no notification was recorded");
    assert_eq!(app.services.store().list_clients(None, 10).await.unwrap().len(), 1, "no client was created");
    app.stop().await;
}

async fn a_refused_subscription_change_changes_nothing(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Partial Co").await;
    let path = format!("/clients/{client_uuid}/environments/sandbox/subscription");
    // Activating needs a URL: the types sent with it must not be saved either.
    let res = app.send_json(Method::PUT, &path, &json!({ "active": true, "types": ["user.created"] })).await;
    expect_error(res, 422, "url_required", "activating without a URL").await;
    let subscription = app.subscription(&client_uuid, "sandbox").await;
    assert_eq!(subscription["types"], Value::Null, "the types were not saved: {subscription}");
    assert_eq!(subscription["state"], "inactive");
    let res = app.send_json(Method::PUT, &path, &json!({ "active": false, "types": [] })).await;
    let error = expect_error(res, 422, "invalid", "an empty type list").await;
    assert_eq!(error["field"], "types");
    let audit = app
        .services
        .store()
        .list_audit(Some(&client_uuid), Some("subscription."), &Position::NEWEST, 100)
        .await
        .unwrap();
    assert!(audit.is_empty(), "nothing was audited: {audit:#?}");

    // Both parts of an accepted change are written.
    app.set_environment(&client_uuid, "sandbox", &json!({ "notification_webhook_url": "http://127.0.0.1:9/hooks" }))
        .await;
    let res = app.send_json(Method::PUT, &path, &json!({ "active": true, "types": ["user.created"] })).await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    assert_eq!((answer["state"].clone(), answer["types"].clone()), (json!("active"), json!(["user.created"])));
    app.stop().await;
}

async fn every_answer_with_the_signing_secret_is_audited(db: TestDatabase) {
    let Subscribed { app, client_uuid, secret, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    // Switching on what is already on changes no state, yet answers the secret again.
    for _ in 0..2 {
        assert_eq!(app.set_subscription(&client_uuid, "sandbox", true).await["secret"], secret.as_str());
    }
    let store = app.services.store();
    let reveals = store.list_audit(Some(&client_uuid), Some("secret.revealed"), &Position::NEWEST, 100).await.unwrap();
    assert_eq!(reveals.len(), 3, "one reveal per answer with the secret: {reveals:#?}");
    assert!(reveals.iter().all(|e| e.detail["purpose"] == "notification"), "{reveals:#?}");
    let activations =
        store.list_audit(Some(&client_uuid), Some("subscription.activated"), &Position::NEWEST, 100).await.unwrap();
    assert_eq!(activations.len(), 1, "the state changed once");
    // Switching off answers no secret and reveals nothing.
    assert!(app.set_subscription(&client_uuid, "sandbox", false).await.get("secret").is_none());
    let reveals = store.list_audit(Some(&client_uuid), Some("secret.revealed"), &Position::NEWEST, 100).await.unwrap();
    assert_eq!(reveals.len(), 3);
    app.stop().await;
}

crate::on_both_backends!(
    requests_without_a_valid_token_are_unauthorized,
    bad_input_is_refused_with_the_field_at_fault_and_nothing_is_written,
    malformed_paths_are_answered_in_the_error_shape,
    url_rules_are_enforced,
    an_ingest_token_may_report_events_and_nothing_else,
    a_rotated_secret_signs_beside_the_old_one,
    a_client_uuid_in_upper_case_names_the_same_client,
    nul_and_control_characters_are_refused_and_nothing_is_written,
    a_refused_subscription_change_changes_nothing,
    every_answer_with_the_signing_secret_is_audited,
);
