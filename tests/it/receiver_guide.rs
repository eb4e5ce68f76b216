//! The receiver guide (`docs/receiver-guide.md`) against the product: its examples are the payloads the
//! server builds, its verification snippets are the files in `docs/verify/` and those verify real
//! deliveries (and refuse a wrong secret), and its numbers are the defaults.

use std::path::Path;
use std::time::Duration;

use app::payload::example;
use app::vocab::NotificationType;
use reqwest::Method;
use rook_notify::config::Settings;
use rook_notify::engine::retry::RetrySchedule;
use rook_notify::engine::signing::hmac_sha256_hex;
use serde_json::{Value, json};

use crate::support::external::{node_script_in, node_with, pyenv_python, repo_path, run};
use crate::support::receiver::Received;
use crate::support::{TestDatabase, TestReceiver, spawn_app};

/// The Rust snippet of the guide, compiled here as it is written there.
mod rust_snippet {
    include!("../../docs/verify/verify.rs");
}

const GUIDE: &str = include_str!("../../docs/receiver-guide.md");
const SNIPPETS: [(&str, &str); 5] = [
    ("docs/verify/verify.mjs", include_str!("../../docs/verify/verify.mjs")),
    ("docs/verify/verify.py", include_str!("../../docs/verify/verify.py")),
    ("docs/verify/verify.rs", include_str!("../../docs/verify/verify.rs")),
    ("docs/verify/reconcile.py", include_str!("../../docs/verify/reconcile.py")),
    ("docs/verify/reconcile.mjs", include_str!("../../docs/verify/reconcile.mjs")),
];
/// A secret that signed nothing here (the Standard Webhooks specification's example).
const WRONG_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ROOK_TEST_VECTOR: &str = "382da6381717a0fdfeba9ef922041df3ea8db97bbd2d20af21e216bdd1e6096b";
const WITHIN: Duration = Duration::from_secs(10);

/// The JSON of the first ```json block after the heading that names `kind`.
fn example_in_guide(kind: NotificationType) -> Value {
    let heading = format!("`{kind}`");
    let mut lines = GUIDE.lines().skip_while(|l| !(l.starts_with('#') && l.contains(&heading)));
    assert!(lines.next().is_some(), "the guide has a heading naming {heading}");
    let block: Vec<&str> =
        lines.skip_while(|l| l.trim() != "```json").skip(1).take_while(|l| l.trim() != "```").collect();
    serde_json::from_str(&block.join("\n")).unwrap_or_else(|e| panic!("{heading}: the example is not JSON: {e}"))
}

#[test]
fn every_notification_type_has_its_real_example_in_the_guide() {
    for kind in NotificationType::ALL {
        let expected = serde_json::to_value(example(*kind)).unwrap();
        assert_eq!(
            example_in_guide(*kind),
            expected,
            "the guide's `{kind}` example is not `app::payload::example`; it is:\n{}",
            serde_json::to_string_pretty(&example(*kind)).unwrap()
        );
    }
}

#[test]
fn the_guide_shows_the_snippet_files_verbatim() {
    for (path, text) in SNIPPETS {
        assert!(GUIDE.contains(text.trim_end()), "the guide does not show {path} as it is");
    }
}

#[test]
fn the_guide_states_the_defaults_and_rooks_test_vector() {
    let defaults = Settings::defaults();
    let stated = |schedule: &str| -> RetrySchedule {
        assert!(GUIDE.contains(&format!("`{schedule}`")), "the guide states the schedule `{schedule}`");
        schedule.parse().unwrap()
    };
    assert_eq!(stated("10s,1m,10m,1h,2h,24h,48h"), defaults.retry_schedule);
    assert_eq!(stated("2h,24h,48h"), defaults.data_retry_schedule);
    assert_eq!(defaults.delivery_timeout, Duration::from_secs(15));
    assert!(GUIDE.contains("15 s"), "the guide states the timeout");
    assert_eq!(hmac_sha256_hex("ROOK_Secret_Key", "ROOK"), ROOK_TEST_VECTOR);
    assert!(GUIDE.contains(ROOK_TEST_VECTOR), "the guide gives ROOK's test vector");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_snippets_verify_real_deliveries_and_refuse_a_wrong_secret() {
    let receiver = TestReceiver::start().await;
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let (client_uuid, secret) = app.subscribed_client(&receiver.url("/hooks")).await;
    let environment = format!("/clients/{client_uuid}/environments/sandbox");
    let res = app.api(Method::PUT, &environment).json(&json!({ "rook_hash_key": "ROOK_Secret_Key" })).send().await;
    assert_eq!(res.unwrap().status(), 200, "ROOK hash key set");
    let event = json!({
        "client_uuid": client_uuid, "environment": "sandbox", "type": "data_source.linked",
        "user_id": "user-8f14e45f", "data_source": "Garmin"
    });
    assert_eq!(app.post_event(&event).await.status(), 202);
    let first = receiver.wait_for(1, WITHIN).await.remove(0);

    // During a rotation both secrets sign: two signatures, and either secret verifies.
    let res = app.api(Method::POST, &format!("{environment}/secrets/notification/rotate")).send().await.unwrap();
    assert_eq!(res.status(), 200, "secret rotated");
    let new_secret = res.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.post_event(&event).await.status(), 202);
    let rotated = receiver.wait_for(2, WITHIN).await.remove(1);
    assert_eq!(rotated.header("webhook-signature").split(' ').count(), 2, "two signatures during the rotation");
    app.stop().await;

    assert_rook_hash_is_as_the_guide_says(&first);
    let cases = [(&first, vec![secret.as_str()]), (&rotated, vec![secret.as_str(), new_secret.as_str()])];
    for (delivery, secrets) in &cases {
        for secret in secrets {
            assert!(rust_snippet::verify_notification(secret, &delivery.headers, &delivery.body).is_ok());
        }
        assert!(rust_snippet::verify_notification(WRONG_SECRET, &delivery.headers, &delivery.body).is_err());
    }
    let dir = tempfile::tempdir().unwrap();
    if let Some(node) = node_with("standardwebhooks").await {
        let script = node_script_in(dir.path(), "docs/verify/verify.mjs");
        for (delivery, secrets) in &cases {
            check_snippet(&node, &script, delivery, secrets, dir.path()).await;
        }
    }
    if let Some(python) = pyenv_python("standardwebhooks").await {
        for (delivery, secrets) in &cases {
            check_snippet(&python, &repo_path("docs/verify/verify.py"), delivery, secrets, dir.path()).await;
        }
    }
}

/// Runs a snippet on `delivery`: it must verify with each of `secrets`, and not with a wrong one.
async fn check_snippet(program: &Path, script: &Path, delivery: &Received, secrets: &[&str], dir: &Path) {
    let headers: serde_json::Map<String, Value> =
        delivery.headers.iter().map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap()))).collect();
    let (headers_file, body_file) = (dir.join("headers.json"), dir.join("body"));
    std::fs::write(&headers_file, Value::Object(headers).to_string()).unwrap();
    std::fs::write(&body_file, &delivery.body).unwrap();
    let name = script.file_name().unwrap().to_string_lossy().into_owned();
    for secret in secrets.iter().copied().chain([WRONG_SECRET]) {
        let output = run(program, &[script, &headers_file, &body_file], &[("WEBHOOK_SECRET", secret)]).await;
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        if secret == WRONG_SECRET {
            assert!(!output.status.success(), "{name} accepted a wrong secret: {said}");
        } else {
            assert!(output.status.success(), "{name} did not verify a real delivery: {said}");
            assert!(said.starts_with("verified data_source.linked"), "{name}: {said}");
        }
    }
}

/// `x-rook-hash` is, as the guide says, hex HMAC-SHA256 keyed with the key's text over the payload's
/// `client_uuid + user_id + datetime`.
fn assert_rook_hash_is_as_the_guide_says(delivery: &Received) {
    let payload = delivery.json();
    let text = |field: &str| payload[field].as_str().unwrap_or_default().to_owned();
    let message = text("client_uuid") + &text("user_id") + &text("datetime");
    assert_eq!(delivery.header("x-rook-hash"), hmac_sha256_hex("ROOK_Secret_Key", &message));
}

#[test]
fn the_guide_explains_every_extraction_failure_reason_with_the_dashboards_table() {
    let table = app::reasons::reason_table_markdown();
    assert!(
        GUIDE.contains(&table),
        "the guide's table of reasons under `extraction.failed` is not `app::reasons::reason_table_markdown()`:\n{table}"
    );
}
