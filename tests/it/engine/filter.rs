//! A subscription's type filter: unwanted types are recorded as `filtered` and never sent.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Subscribed, TestDatabase, spawn_subscribed};

async fn a_type_filter_records_but_does_not_send_unwanted_types(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid: uuid, .. } = spawn_subscribed(db, "/f", |_| {}).await;
    let subscription = format!("/clients/{uuid}/environments/sandbox/subscription");

    let res =
        app.send_json(Method::PUT, &subscription, &json!({ "active": true, "types": ["extraction.failed"] })).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["types"], json!(["extraction.failed"]));

    let filtered = app.user_created(&uuid, "u-1").await;
    let res = app
        .post_event(&json!({ "client_uuid": uuid, "environment": "sandbox", "type": "extraction.failed",
                             "user_id": "u-1", "data_source": "Oura", "reason": "data_source_error" }))
        .await;
    assert_eq!(res.status(), 202);
    let wanted = res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned();
    app.wait_for_notification(&wanted, "delivered", 1, Duration::from_secs(10)).await;
    let kept = app.notification(&filtered).await;
    assert_eq!(kept["status"], "filtered");
    assert_eq!(kept["attempts"], json!([]));
    assert!(kept["payload"].is_object(), "recorded with its payload");
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("webhook-id"), wanted);

    // The filter shows in the feed's vocabulary.
    let list: Value = app.get_json(&format!("/notifications?client_uuid={uuid}&status=filtered")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Tests are always wanted; an empty list is refused; null wants everything again.
    let res = app.api(Method::POST, &format!("/clients/{uuid}/environments/sandbox/test")).send().await.unwrap();
    assert_eq!(res.status(), 202);
    receiver.wait_for(2, Duration::from_secs(10)).await;
    let res = app.send_json(Method::PUT, &subscription, &json!({ "active": true, "types": [] })).await;
    assert_eq!(res.status(), 422);
    let res = app.send_json(Method::PUT, &subscription, &json!({ "active": true, "types": null })).await;
    assert_eq!(res.json::<Value>().await.unwrap()["types"], Value::Null);
    let again = app.user_created(&uuid, "u-2").await;
    app.wait_for_notification(&again, "delivered", 1, Duration::from_secs(10)).await;
    app.stop().await;
}

crate::on_both_backends!(a_type_filter_records_but_does_not_send_unwanted_types);
