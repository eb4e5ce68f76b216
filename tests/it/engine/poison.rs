//! Nothing a receiver answers can stop recording, for its client or any other; a record the database
//! refuses anyway is isolated, stored without the receiver's answer, and never retried for ever.

use std::time::Duration;

use serde_json::Value;

use crate::support::{Reply, TestDatabase, TestReceiver, spawn_app};

const WITHIN: Duration = Duration::from_secs(20);

/// Waits until every notification has been recorded as delivered with exactly one attempt.
async fn wait_all_delivered_once(app: &crate::support::TestApp, ids: &[String]) -> Vec<Value> {
    let mut delivered = Vec::with_capacity(ids.len());
    for id in ids {
        delivered.push(app.wait_for_notification(id, "delivered", 1, WITHIN).await);
    }
    delivered
}

async fn a_receiver_answering_nul_bytes_and_invalid_utf8_stops_no_recording(db: TestDatabase) {
    let hostile = TestReceiver::start().await;
    hostile.reply_always(Reply::Bytes(200, vec![("x-odd", vec![b'o', 0xff, 0xfe, b'k'])], b"a\0b".to_vec()));
    let polite = TestReceiver::start().await;
    let app = spawn_app(db).await;
    let (hostile_client, _) = app.subscribed_client(&hostile.url("/hooks")).await;
    let (polite_client, _) = app.subscribed_client(&polite.url("/hooks")).await;

    let poisoned = app.user_created(&hostile_client, "u-nul").await;
    hostile.wait_for(1, WITHIN).await;
    let mut ids = vec![poisoned.clone()];
    for i in 0..20 {
        ids.push(app.user_created(&polite_client, &format!("u-{i}")).await);
    }
    wait_all_delivered_once(&app, &ids).await;
    let n = app.notification(&poisoned).await;
    let attempt = &n["attempts"][0];
    assert_eq!(attempt["response_status"], 200);
    assert_eq!(attempt["response_body"], "a\u{FFFD}b", "NUL is kept as the replacement character");
    let odd = attempt["response_headers"]
        .as_array()
        .expect("response headers")
        .iter()
        .find(|pair| pair[0] == "x-odd")
        .and_then(|pair| pair[1].as_str())
        .expect("the x-odd header is recorded")
        .to_owned();
    assert!(odd.starts_with('o') && odd.ends_with('k'), "non-UTF-8 header bytes are recorded lossily: {odd:?}");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "recording works: the process is ready");
    assert_eq!(polite.received().len(), 20, "nothing was sent twice");
    app.stop().await;
}

/// A trigger that refuses attempts whose stored answer contains `poison`: a record the database
/// refuses for a reason no sanitising foresaw.
fn refuse_poison_sql(backend: &str) -> &'static str {
    match backend {
        "sqlite" => {
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON attempts \
             WHEN NEW.response_body LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned record'); END;"
        }
        _ => {
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN \
               IF NEW.response_body LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned record'; END IF; \
               RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse_poison BEFORE INSERT ON attempts FOR EACH ROW EXECUTE FUNCTION refuse_poison();"
        }
    }
}

async fn a_record_the_database_refuses_is_isolated_and_stored_without_the_answer(db: TestDatabase) {
    let hostile = TestReceiver::start().await;
    hostile.reply_always(Reply::Bytes(200, Vec::new(), b"poison".to_vec()));
    let polite = TestReceiver::start().await;
    let app = spawn_app(db).await;
    app.execute_sql_script(refuse_poison_sql(app.backend())).await;
    let (hostile_client, _) = app.subscribed_client(&hostile.url("/hooks")).await;
    let (polite_client, _) = app.subscribed_client(&polite.url("/hooks")).await;

    let mut ids = Vec::new();
    let poisoned = app.user_created(&hostile_client, "u-poison").await;
    for i in 0..20 {
        ids.push(app.user_created(&polite_client, &format!("u-{i}")).await);
    }
    wait_all_delivered_once(&app, &ids).await;
    // The refused record is stored without what the receiver sent, with the reason, and counts as
    // delivered (the receiver answered 200).
    let n = wait_all_delivered_once(&app, std::slice::from_ref(&poisoned)).await.remove(0);
    let attempt = &n["attempts"][0];
    assert_eq!(attempt["response_status"], 200);
    assert_ne!(attempt["response_body"], "poison");
    let message = attempt["error_message"].as_str().unwrap_or_default();
    assert!(message.contains("could not be recorded"), "the attempt says why its answer is missing: {attempt:#}");
    assert_eq!(hostile.received().len(), 1, "the refused record did not make the engine send it again");

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("rook_notify_recording_failures_total{action=\"without_answer\"}")),
        "the metrics say a record was stored without its answer"
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "recording works again: the process is ready");
    app.stop().await;
}

async fn an_endpoint_whose_secret_cannot_be_decrypted_holds_up_no_other(db: TestDatabase) {
    let tampered = TestReceiver::start().await;
    let polite = TestReceiver::start().await;
    let app = spawn_app(db).await;
    let (tampered_client, _) = app.subscribed_client(&tampered.url("/hooks")).await;
    let (polite_client, _) = app.subscribed_client(&polite.url("/hooks")).await;
    // A database writer copies the polite client's encrypted secret into the other's row: bound to
    // its owner, it does not decrypt there.
    let swapped = app
        .execute_sql(
            "UPDATE signing_secrets SET secret = (SELECT s.secret FROM signing_secrets s \
               WHERE s.client_uuid = $1 AND s.environment = 'sandbox' AND s.purpose = 'notification') \
             WHERE client_uuid <> $1",
            &polite_client,
        )
        .await;
    assert!(swapped >= 1, "the tampered client's secret was replaced");

    let stuck = app.user_created(&tampered_client, "u-tampered").await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(app.user_created(&polite_client, &format!("u-{i}")).await);
    }
    wait_all_delivered_once(&app, &ids).await;
    let n = app.notification(&stuck).await;
    assert_eq!(n["status"], "pending", "it waits to be signed: {n:#}");
    assert_eq!(n["attempts"].as_array().map_or(0, Vec::len), 0, "nothing unsigned or wrongly signed was sent");
    assert!(tampered.received().is_empty(), "the tampered endpoint got nothing");
    app.stop().await;
}

crate::on_both_backends!(
    a_receiver_answering_nul_bytes_and_invalid_utf8_stops_no_recording,
    a_record_the_database_refuses_is_isolated_and_stored_without_the_answer,
    an_endpoint_whose_secret_cannot_be_decrypted_holds_up_no_other,
);
