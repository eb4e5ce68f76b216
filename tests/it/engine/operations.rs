//! Operating the engine through the API: idempotent ingest, events while unsubscribed, resending one
//! or many, test notifications, endpoints disabled by 410 or by failing, and switching a
//! subscription off.

use std::time::Duration;

use app::timestamp::Timestamp;
use reqwest::Method;
use serde_json::{Value, json};
use standardwebhooks::Webhook;

use crate::support::{
    Reply, Subscribed, TestApp, TestDatabase, TestReceiver, retry_schedule, spawn_app, spawn_subscribed, wait,
};

const WITHIN: Duration = Duration::from_secs(10);

fn attempts(notification: &Value) -> &Vec<Value> {
    notification["attempts"].as_array().expect("attempts")
}

/// A client whose Sandbox has a notification URL but whose subscription was never activated.
async fn unsubscribed_client(app: &TestApp, url: &str) -> String {
    let client_uuid = app.remote().create_client("Not Subscribed Co").await;
    app.set_environment(&client_uuid, "sandbox", &json!({ "notification_webhook_url": url })).await;
    client_uuid
}

async fn error_code(res: reqwest::Response) -> String {
    let body: Value = res.json().await.expect("a JSON error");
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("an error code: {body}")).to_owned()
}

async fn an_idempotency_key_records_an_event_once(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let body =
        json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": "u-1" })
            .to_string();
    let send = |body: String| {
        app.api(Method::POST, "/platform-events")
            .header("content-type", "application/json")
            .header("idempotency-key", "evt-0001")
            .body(body)
            .send()
    };

    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let id = first["notification_id"].as_str().unwrap().to_owned();

    let replay = send(body.clone()).await.unwrap();
    assert_eq!(replay.status(), 202);
    assert_eq!(replay.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["notification_id"], id.as_str(), "the same notification");
    assert_eq!(replay, first, "the first answer, again");

    let other =
        json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": "u-2" });
    let reused = send(other.to_string()).await.unwrap();
    assert_eq!(reused.status(), 422);
    assert_eq!(error_code(reused).await, "idempotency_key_reused");

    app.wait_for_notification(&id, "delivered", 1, WITHIN).await;
    let listed = app.notifications_of(&client_uuid).await;
    assert_eq!(listed.len(), 1, "one notification recorded: {listed:#?}");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["user_id"], "u-1");
    // A notification recorded after the replays is delivered; still only one delivery of the first.
    let later = app.user_created(&client_uuid, "u-3").await;
    app.wait_for_notification(&later, "delivered", 1, WITHIN).await;
    let received = receiver.wait_for(2, WITHIN).await;
    assert_eq!(received.iter().filter(|r| r.header("webhook-id") == id).count(), 1, "one delivery");
    assert_eq!(received.len(), 2);
    app.stop().await;
}

async fn events_while_unsubscribed_are_recorded_and_never_sent(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    let app = spawn_app(db).await;
    let client_uuid = unsubscribed_client(&app, &receiver.url("/unsubscribed")).await;

    let mut ids = Vec::new();
    for user in ["u-1", "u-2"] {
        let res = app
            .post_event(&json!({
                "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": user
            }))
            .await;
        assert_eq!(res.status(), 202);
        let receipt: Value = res.json().await.unwrap();
        assert_eq!(receipt["status"], "not_subscribed");
        ids.push(receipt["notification_id"].as_str().unwrap().to_owned());
    }
    let listed = app.notifications_of(&client_uuid).await;
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|n| n["status"] == "not_subscribed" && n["next_attempt_at"].is_null()), "{listed:#?}");

    let res = app.api(Method::POST, &format!("/notifications/{}/resend", ids[0])).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(error_code(res).await, "not_subscribed");

    // A subscribed client's notification goes through the same dispatcher; the others never do.
    let (other, _) = app.subscribed_client(&receiver.url("/subscribed")).await;
    let sentinel = app.user_created(&other, "u-9").await;
    app.wait_for_notification(&sentinel, "delivered", 1, WITHIN).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/subscribed");
    for id in &ids {
        let n = app.notification(id).await;
        assert_eq!(n["status"], "not_subscribed");
        assert!(attempts(&n).is_empty());
    }
    app.stop().await;
}

async fn a_resend_adds_an_attempt_and_keeps_the_first(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, secret } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let id = app.user_created(&client_uuid, "u-1").await;
    let before = app.wait_for_notification(&id, "delivered", 1, WITHIN).await;

    let res = app.api(Method::POST, &format!("/notifications/{id}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(summary["id"], id.as_str());

    let after = app.wait_for_notification(&id, "delivered", 2, WITHIN).await;
    assert_eq!(attempts(&after)[0], attempts(&before)[0], "the first attempt is unchanged");
    let resend = &attempts(&after)[1];
    assert_eq!(resend["trigger"], "resend");
    assert_eq!(resend["attempt_number"], 2);
    assert_eq!(resend["succeeded"], true);
    assert!(resend["triggered_by"].as_str().is_some_and(|by| !by.is_empty()), "who resent it: {resend:#}");

    let received = receiver.wait_for(2, WITHIN).await;
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.header("webhook-id"), id);
        Webhook::new(&secret).unwrap().verify(&request.body, &request.headers).expect("verifies");
    }
    assert_eq!(received[0].body, received[1].body);
    app.stop().await;
}

async fn failed_notifications_are_resent_in_bulk(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", retry_schedule("none")).await;
    receiver.reply_always(Reply::Status(500));

    let before = Timestamp::now().plus_micros(-1000);
    let mut ids = Vec::new();
    for user in ["u-1", "u-2", "u-3"] {
        ids.push(app.user_created(&client_uuid, user).await);
    }
    for id in &ids {
        app.wait_for_notification(id, "failed", 1, WITHIN).await;
    }
    receiver.reply_always(Reply::Status(200));
    let resend_failed = |range: Value| {
        app.api(Method::POST, &format!("/clients/{client_uuid}/environments/sandbox/resend-failed")).json(&range).send()
    };

    // A range that ends before them queues nothing.
    let res = resend_failed(json!({ "since": before.plus_seconds(-3600), "until": before })).await.unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "queued": 0, "remaining": 0 }));

    let res = resend_failed(json!({ "since": before })).await.unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "queued": 3, "remaining": 0 }));
    for id in &ids {
        let n = app.wait_for_notification(id, "delivered", 2, WITHIN).await;
        assert_eq!(attempts(&n)[0]["trigger"], "schedule");
        assert_eq!(attempts(&n)[0]["response_status"], 500);
        assert_eq!(attempts(&n)[1]["trigger"], "bulk_resend");
        assert_eq!(attempts(&n)[1]["response_status"], 200);
    }
    assert_eq!(receiver.received().len(), 6);

    // Nothing failed is left to resend.
    let res = resend_failed(json!({ "since": before })).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "queued": 0, "remaining": 0 }));
    app.stop().await;
}

async fn test_notifications_arrive_marked_as_tests(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, secret } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let test_url = format!("/clients/{client_uuid}/environments/sandbox/test");

    let res = app.api(Method::POST, &test_url).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let plain = res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned();
    let res = app.send_json(Method::POST, &test_url, &json!({ "type": "extraction.failed" })).await;
    assert_eq!(res.status(), 202);
    let failure = res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned();

    let received = receiver.wait_for(2, WITHIN).await;
    let body_of = |id: &str| {
        let request = received.iter().find(|r| r.header("webhook-id") == id).expect("the test arrived");
        Webhook::new(&secret).unwrap().verify(&request.body, &request.headers).expect("verifies");
        request.json()
    };
    let body = body_of(&plain);
    assert_eq!(body["type"], "subscription.test");
    assert_eq!(body["category"], "operational");
    assert_eq!(body["test"], true);
    assert_eq!(body["client_uuid"], client_uuid.as_str());
    assert_eq!(body["environment"], "sandbox");
    let body = body_of(&failure);
    assert_eq!(body["type"], "extraction.failed");
    assert_eq!(body["category"], "extraction_failure");
    assert_eq!(body["test"], true);
    assert_eq!(body["client_uuid"], client_uuid.as_str());
    assert!(body["details"]["reason"].is_string(), "an example with a reason: {body:#}");
    for id in [&plain, &failure] {
        let n = app.wait_for_notification(id, "delivered", 1, WITHIN).await;
        assert_eq!(n["test"], true);
        assert_eq!(attempts(&n)[0]["trigger"], "test");
    }

    // Production was never activated.
    let res =
        app.api(Method::POST, &format!("/clients/{client_uuid}/environments/production/test")).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(error_code(res).await, "not_subscribed");
    app.stop().await;
}

async fn a_410_disables_the_endpoint_until_it_is_reenabled(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    receiver.reply_next([Reply::Status(410)]);

    let gone = app.user_created(&client_uuid, "u-1").await;
    let n = app.wait_for_notification(&gone, "held", 1, WITHIN).await;
    assert_eq!(attempts(&n)[0]["response_status"], 410);
    let subscription = app.subscription(&client_uuid, "sandbox").await;
    assert_eq!(subscription["state"], "disabled", "{subscription:#}");
    assert_eq!(subscription["disabled_reason"], "gone");
    assert_eq!(subscription["active"], false);

    let res = app
        .post_event(&json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created",
                             "user_id": "u-2" }))
        .await;
    assert_eq!(res.status(), 202);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["status"], "held");
    let held = receipt["notification_id"].as_str().unwrap().to_owned();
    assert!(attempts(&app.notification(&held).await).is_empty());
    assert_eq!(receiver.received().len(), 1, "nothing is sent to a disabled endpoint");

    let subscription = app.set_subscription(&client_uuid, "sandbox", true).await;
    assert_eq!(subscription["state"], "active");
    assert_eq!(subscription["disabled_reason"], Value::Null);
    let n = app.wait_for_notification(&gone, "delivered", 2, WITHIN).await;
    assert_eq!(attempts(&n)[1]["response_status"], 200);
    app.wait_for_notification(&held, "delivered", 1, WITHIN).await;
    let received = receiver.wait_for(3, WITHIN).await;
    assert_eq!(received.len(), 3);
    app.stop().await;
}

async fn an_endpoint_failing_for_too_long_is_disabled(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", |s| {
        s.disable_after = Duration::from_secs(1);
        s.retry_schedule = "300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms".parse().unwrap();
    })
    .await;
    receiver.reply_always(Reply::Status(500));

    let id = app.user_created(&client_uuid, "u-1").await;
    let subscription = app.wait_for_subscription_state(&client_uuid, "sandbox", "disabled", WITHIN).await;
    assert_eq!(subscription["disabled_reason"], "failing", "{subscription:#}");
    let n = app.notification(&id).await;
    assert_eq!(n["status"], "held", "its retries wait for the endpoint to be re-enabled: {n:#}");
    assert_eq!(n["next_attempt_at"], Value::Null);
    let tried = attempts(&n).len();
    assert!((2..9).contains(&tried), "{tried} attempts before it was disabled");
    assert!(attempts(&n).iter().all(|a| a["response_status"] == 500));
    assert_eq!(receiver.received().len(), tried);
    app.stop().await;
}

async fn switching_a_subscription_off_stops_waiting_retries(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", retry_schedule("2s")).await;
    receiver.reply_always(Reply::Status(500));

    let id = app.user_created(&client_uuid, "u-1").await;
    let n = app.wait_for_notification(&id, "retrying", 1, WITHIN).await;
    let due: Timestamp = n["next_attempt_at"].as_str().expect("a retry is planned").parse().unwrap();

    let subscription = app.set_subscription(&client_uuid, "sandbox", false).await;
    assert_eq!(subscription["state"], "inactive");
    let n = app.notification(&id).await;
    assert_eq!(n["status"], "not_subscribed");
    assert_eq!(n["next_attempt_at"], Value::Null);

    // Past when the retry was due, switched on again (what was recorded unsubscribed stays so) and
    // answering: a later notification to the endpoint is claimed after anything due there, and is the
    // only thing that arrives. The retry never comes.
    wait::until_past(due).await;
    app.set_subscription(&client_uuid, "sandbox", true).await;
    receiver.reply_always(Reply::Status(200));
    let marker = app.deliver_marker(&client_uuid).await;
    assert_eq!(receiver.header_values("webhook-id"), [id.as_str(), marker.as_str()], "nothing more is sent");
    let n = app.notification(&id).await;
    assert_eq!(n["status"], "not_subscribed");
    assert_eq!(attempts(&n).len(), 1);
    app.stop().await;
}

async fn a_failed_resend_keeps_the_planned_retries(db: TestDatabase) {
    // Two scheduled retries; the first is far enough away to resend before it.
    let Subscribed { app, receiver, client_uuid, .. } =
        spawn_subscribed(db, "/hooks", retry_schedule("2s,300ms")).await;
    receiver.reply_always(Reply::Status(500));

    let id = app.user_created(&client_uuid, "u-1").await;
    let planned = app.wait_for_notification(&id, "retrying", 1, WITHIN).await["next_attempt_at"].clone();
    assert!(planned.is_string());
    let res = app.api(Method::POST, &format!("/notifications/{id}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 202);
    // The detail reads the notification and its attempts one after the other, and the status is
    // `retrying` before and after the resend: wait until the row itself counts the second attempt.
    let n = wait::for_value("the resend is recorded", WITHIN, || async {
        let n = app.notification(&id).await;
        let counted = n["status"] == "retrying" && attempts(&n).len() == 2 && n["attempt_count"] == 2;
        if counted { Ok(n) } else { Err(format!("{n:#}")) }
    })
    .await;
    assert_eq!(attempts(&n)[1]["trigger"], "resend");
    assert_eq!(n["next_attempt_at"], planned, "the failed resend restored the planned retry: {n:#}");

    // The schedule runs to its end as if the resend had not happened: 1 + 2 scheduled attempts.
    let n = app.wait_for_notification(&id, "failed", 4, WITHIN).await;
    let triggers: Vec<&str> = attempts(&n).iter().map(|a| a["trigger"].as_str().unwrap()).collect();
    assert_eq!(triggers, ["schedule", "resend", "schedule", "schedule"]);
    app.stop().await;
}

async fn a_successful_resend_settles_a_retrying_notification(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", retry_schedule("2s")).await;
    receiver.reply_next([Reply::Status(500)]);

    let id = app.user_created(&client_uuid, "u-1").await;
    app.wait_for_notification(&id, "retrying", 1, WITHIN).await;
    let res = app.api(Method::POST, &format!("/notifications/{id}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let n = app.wait_for_notification(&id, "delivered", 2, WITHIN).await;
    assert_eq!(attempts(&n)[1]["trigger"], "resend");
    assert_eq!(n["next_attempt_at"], Value::Null, "the planned retry is cancelled");
    assert!(n["delivered_at"].is_string());
    app.stop().await;
}

async fn a_resend_asked_for_during_an_attempt_is_not_lost(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid: uuid, .. } = spawn_subscribed(db, "/slow", retry_schedule("1h")).await;
    // A slow failing first attempt: the resend is asked for while it is in flight.
    receiver.reply_next([Reply::Slow(Duration::from_millis(800), 500)]);
    let id = app.user_created(&uuid, "in-flight").await;
    receiver.wait_for_arrivals(1, WITHIN).await;
    let res = app.api(Method::POST, &format!("/notifications/{id}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 202);

    let n = app.wait_for_notification(&id, "delivered", 2, Duration::from_secs(10)).await;
    assert_eq!(n["attempts"][0]["trigger"], "schedule");
    assert_eq!(n["attempts"][1]["trigger"], "resend", "the resend asked for mid-flight happened");
    app.stop().await;
}

crate::on_both_backends!(
    a_resend_asked_for_during_an_attempt_is_not_lost,
    an_idempotency_key_records_an_event_once,
    events_while_unsubscribed_are_recorded_and_never_sent,
    a_resend_adds_an_attempt_and_keeps_the_first,
    failed_notifications_are_resent_in_bulk,
    test_notifications_arrive_marked_as_tests,
    a_410_disables_the_endpoint_until_it_is_reenabled,
    an_endpoint_failing_for_too_long_is_disabled,
    switching_a_subscription_off_stops_waiting_retries,
    a_failed_resend_keeps_the_planned_retries,
    a_successful_resend_settles_a_retrying_notification,
);
