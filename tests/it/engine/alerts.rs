//! Operational alerts: an endpoint starting to fail, being disabled and recovering raises an alert,
//! recorded for the dashboard and POSTed signed to the staff alert URL.

use std::time::Duration;

use rook_notify::service::Actor;
use serde_json::Value;
use standardwebhooks::Webhook;

use crate::support::{Reply, TestDatabase, TestReceiver, spawn_app_with};

const ALERT_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn failing_recovering_and_disabled_endpoints_raise_signed_alerts(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    let staff = TestReceiver::start().await;
    let staff_url = staff.url("/alerts");
    let app = spawn_app_with(db, |s| {
        s.alert_after_failures = 2;
        s.retry_schedule = "200ms,200ms,200ms,200ms".parse().unwrap();
        s.staff_alert_url = Some(staff_url.parse().unwrap());
        s.staff_alert_secret = Some(ALERT_SECRET.to_owned());
    })
    .await;
    let (uuid, _) = app.subscribed_client(&receiver.url("/hook")).await;
    let client_name = app.services.client_view(&Actor::System, &uuid).await.unwrap().name;

    // Two failures in a row, then success.
    receiver.reply_next([Reply::Status(500), Reply::Status(500)]);
    let id = app.user_created(&uuid, "u-1").await;
    app.wait_for_notification(&id, "delivered", 3, Duration::from_secs(10)).await;
    let got = staff.wait_for(2, Duration::from_secs(15)).await;
    let kinds: Vec<String> = got.iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["endpoint.failing", "endpoint.recovered"]);

    // A 410 disables it.
    receiver.reply_next([Reply::Status(410)]);
    let id = app.user_created(&uuid, "u-2").await;
    app.wait_for_notification(&id, "held", 1, Duration::from_secs(10)).await;
    let got = staff.wait_for(3, Duration::from_secs(15)).await;
    let disabled = got[2].json();
    assert_eq!(disabled["type"], "endpoint.disabled");
    assert_eq!(disabled["details"]["reason"], "gone");

    for request in &got {
        let body: Value = request.json();
        assert_eq!(body["client_uuid"], uuid);
        // Staff read who it is about without looking the UUID up.
        assert_eq!(body["client_name"], client_name);
        assert_eq!(body["environment"], "sandbox");
        Webhook::new(ALERT_SECRET).unwrap().verify(&request.body, &request.headers).expect("alerts are signed");
    }

    // The same alerts are on record for the dashboard, newest first.
    let alerts = app.services.alerts(&Actor::System, Some(&uuid)).await.unwrap();
    let kinds: Vec<&str> = alerts.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["disabled", "recovered", "failing"]);
    assert_eq!(alerts[2].detail["consecutive_failures"], 2);
    assert!(alerts.iter().all(|a| a.client_name == client_name), "{alerts:#?}");
    app.stop().await;
}

crate::on_both_backends!(failing_recovering_and_disabled_endpoints_raise_signed_alerts);
