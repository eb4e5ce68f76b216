//! Every notification type arrives with the documented body and signed headers.

use std::time::Duration;

use app::payload::NotificationPayload;
use http::HeaderMap;
use serde_json::json;
use standardwebhooks::Webhook;

use crate::support::{Subscribed, TestDatabase, metric, spawn_subscribed};

fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) {
    Webhook::new(secret).expect("a valid secret").verify(body, headers).expect("the signature verifies");
}

async fn every_platform_event_type_arrives_signed_with_the_documented_body(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, secret } = spawn_subscribed(db, "/hooks", |_| {}).await;

    let events = [
        json!({ "type": "user.created", "user_id": "u-1" }),
        json!({ "type": "data_source.linked", "user_id": "u-1", "data_source": "Garmin" }),
        json!({ "type": "extraction.failed", "user_id": "u-1", "data_source": "Garmin", "reason": "credentials_invalid",
                "data_type": "summary", "pillar": "sleep", "message": "Garmin refused the token",
                "occurred_at": "2026-11-29T15:00:00Z" }),
        json!({ "type": "data_source.unlinked", "user_id": "u-1", "data_source": "Garmin" }),
        json!({ "type": "user.deleted", "user_id": "u-1" }),
    ];
    let mut ids = Vec::new();
    for mut event in events.clone() {
        event["client_uuid"] = json!(client_uuid);
        event["environment"] = json!("sandbox");
        let res = app.post_event(&event).await;
        assert_eq!(res.status(), 202);
        let receipt: serde_json::Value = res.json().await.unwrap();
        assert_eq!(receipt["status"], "pending");
        ids.push(receipt["notification_id"].as_str().unwrap().to_owned());
    }

    let received = receiver.wait_for(ids.len(), Duration::from_secs(10)).await;
    assert_eq!(received.len(), ids.len(), "each notification is delivered once");
    for (id, event) in ids.iter().zip(&events) {
        let request = received.iter().find(|r| r.header("webhook-id") == id).expect("delivered with its id");
        assert_eq!(request.path, "/hooks");
        assert_eq!(request.header("content-type"), "application/json");
        verify(&secret, &request.headers, &request.body);
        assert!(request.headers.get("x-rook-hash").is_none(), "no legacy hash without a hash key");

        let payload: NotificationPayload = serde_json::from_slice(&request.body).expect("the documented payload");
        assert_eq!(&payload.id, id);
        assert_eq!(payload.kind.as_str(), event["type"]);
        assert_eq!(payload.category, payload.kind.category());
        assert_eq!(payload.client_uuid, client_uuid);
        assert_eq!(payload.user_id.as_deref(), Some("u-1"));
        assert!(!payload.test);
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["environment"], "sandbox");
        if event["type"] == "extraction.failed" {
            assert_eq!(body["datetime"], "2026-11-29T15:00:00.000Z");
            assert_eq!(
                body["details"],
                json!({ "reason": "credentials_invalid", "data_type": "summary", "pillar": "sleep",
                        "message": "Garmin refused the token" })
            );
            assert_eq!(body["data_source"], "Garmin");
        }
        let stored = app.wait_for_notification(id, "delivered", 1, Duration::from_secs(5)).await;
        assert_eq!(stored["payload"], body, "the stored body is the one sent");
        assert_eq!(stored["attempts"][0]["response_status"], 200);
        assert_eq!(stored["attempts"][0]["trigger"], "schedule");
    }

    // The domain followed the events: the user exists, was deleted, and Garmin is no longer linked.
    let user = app.services.store().user(&client_uuid, app::vocab::Environment::Sandbox, "u-1").await.unwrap().unwrap();
    assert!(user.deleted);
    assert!(user.linked_sources.is_empty());
    app.stop().await;
}

async fn a_new_notification_goes_out_without_waiting_for_a_claim(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let scrape = || async { app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap() };
    let at_ingest = |text: &str| metric(text, "rook_notify_claims_total", &["how=\"at_ingest\""]);
    let before = scrape().await;
    // One at a time, each recorded delivered before the next: the endpoint always has room, so each is
    // claimed in the transaction that records it and handed to the dispatcher.
    let mut ids = Vec::new();
    for i in 0..5 {
        let user = [format!("u-{i}")];
        ids.extend(app.users_delivered(&client_uuid, &user, Duration::from_secs(10)).await);
    }
    let after = scrape().await;
    // Counters are per process and other tests run in it too: at least ours.
    assert!(at_ingest(&after) - at_ingest(&before) >= 5.0, "{after}");
    assert_eq!(receiver.wait_for(5, Duration::from_secs(5)).await.len(), 5, "each arrived once");
    for id in &ids {
        let notification = app.notification(id).await;
        assert_eq!(notification["attempts"].as_array().map(Vec::len), Some(1), "{notification:#}");
        assert_eq!(notification["attempts"][0]["attempt_number"], 1, "{notification:#}");
    }
    app.stop().await;
}

crate::on_both_backends!(
    every_platform_event_type_arrives_signed_with_the_documented_body,
    a_new_notification_goes_out_without_waiting_for_a_claim
);
