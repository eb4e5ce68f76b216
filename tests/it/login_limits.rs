//! Sign-in limits that stop guessing without locking out the real user: back-off per account and
//! address (429 with `Retry-After`), a device cookie past the account-wide limit, counters shared by
//! processes on one database, and `X-Forwarded-For` believed only from a trusted proxy.

use std::time::Duration;

use app::vocab::Role;
use reqwest::StatusCode;

use crate::support::{TestApp, TestDatabase, app::browser_client, spawn_app_with};

const EMAIL: &str = "staff@rook.example";
const PASSWORD: &str = "correct horse battery staple";

async fn app_with_limits(db: TestDatabase, per_account: u32) -> TestApp {
    limited_app(db, per_account, false).await
}

/// The test's requests all come from 127.0.0.1: trusting it as a proxy lets each claim an address.
async fn app_trusting_loopback(db: TestDatabase, per_account: u32) -> TestApp {
    limited_app(db, per_account, true).await
}

async fn limited_app(db: TestDatabase, per_account: u32, trust_loopback: bool) -> TestApp {
    let app = spawn_app_with(db, |s| {
        s.login_max_failures_per_account = per_account;
        s.login_max_failures_per_address = 1000;
        s.login_failure_window = Duration::from_secs(60);
        if trust_loopback {
            s.trusted_proxies = "127.0.0.1/32, ::1".parse().unwrap();
        }
    })
    .await;
    app.create_account(EMAIL, PASSWORD, Role::Staff, None).await;
    app
}

/// One sign-in attempt said to come from `from` (believed only from a trusted proxy).
async fn attempt(app: &TestApp, browser: &reqwest::Client, password: &str, from: &str) -> reqwest::Response {
    browser
        .post(app.url("/fn/login"))
        .header("x-forwarded-for", from)
        .form(&[("email", EMAIL), ("password", password)])
        .send()
        .await
        .unwrap()
}

fn assert_limited(res: &reqwest::Response, what: &str) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{what}");
    let retry_after =
        res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    assert!(retry_after.is_some_and(|s| s > 0 && s <= 60), "{what}: a Retry-After within the window: {retry_after:?}");
}

async fn an_attackers_failures_from_one_address_do_not_stop_the_owner_elsewhere(db: TestDatabase) {
    let app = app_trusting_loopback(db, 5).await;
    let guesses = (0..40).map(|i| {
        let app = &app;
        async move { attempt(app, &browser_client(), &format!("guess-number-{i}"), "203.0.113.66").await }
    });
    let answers = futures::future::join_all(guesses).await;
    let refused = answers.iter().filter(|r| r.status() == StatusCode::UNAUTHORIZED).count();
    assert_eq!(refused, 5, "the attacker's address gets its limit of guesses");
    for res in answers.iter().filter(|r| r.status() != StatusCode::UNAUTHORIZED) {
        assert_limited(res, "the rest are refused unchecked");
    }
    // Even the right password is refused from there for now.
    assert_limited(&attempt(&app, &browser_client(), PASSWORD, "203.0.113.66").await, "the attacker's address");
    // The owner, elsewhere, signs in.
    let owner = browser_client();
    let res = attempt(&app, &owner, PASSWORD, "198.51.100.7").await;
    assert_eq!(res.status(), StatusCode::OK, "the owner from another address is not locked out");
    assert!(app.current_viewer(&owner).await.is_object());
    app.stop().await;
}

async fn a_device_cookie_passes_the_account_wide_limit_but_not_its_own_back_off(db: TestDatabase) {
    // Two per account and address, so eight account-wide.
    let app = app_trusting_loopback(db, 2).await;
    let owner = browser_client();
    assert_eq!(attempt(&app, &owner, PASSWORD, "198.51.100.1").await.status(), StatusCode::OK);

    // Guesses from four addresses use up the account-wide limit.
    for attacker in ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"] {
        for _ in 0..2 {
            let res = attempt(&app, &browser_client(), "wrong-password", attacker).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
    }
    assert_limited(&attempt(&app, &browser_client(), PASSWORD, "198.51.100.2").await, "an unknown browser");

    // The owner's browser, from yet another address, gets past it.
    let res = attempt(&app, &owner, PASSWORD, "198.51.100.3").await;
    assert_eq!(res.status(), StatusCode::OK, "the device cookie passes the account-wide limit");

    // But not past its own back-off.
    for _ in 0..2 {
        assert_eq!(attempt(&app, &owner, "wrong-password", "198.51.100.4").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(&attempt(&app, &owner, PASSWORD, "198.51.100.4").await, "the device's own back-off");
    app.stop().await;
}

async fn x_forwarded_for_is_ignored_unless_from_a_trusted_proxy(db: TestDatabase) {
    // `db` outlives both servers: the second, started with the setting, sees the first one's counters.
    let app = app_with_limits(db.shared(), 2).await;
    for from in ["203.0.113.9", "203.0.113.10"] {
        assert_eq!(attempt(&app, &browser_client(), "wrong-password", from).await.status(), StatusCode::UNAUTHORIZED);
    }
    // Not trusted: every attempt came from 127.0.0.1 whatever the header says.
    assert_limited(&attempt(&app, &browser_client(), PASSWORD, "198.51.100.9").await, "a forged header");

    app.stop().await;

    // The setting names the proxies: from one of them the header names the client.
    let app = spawn_app_with(db.shared(), |s| {
        s.login_max_failures_per_account = 2;
        s.login_failure_window = Duration::from_secs(60);
        s.trusted_proxies = "127.0.0.0/8".parse().unwrap();
    })
    .await;
    let res = attempt(&app, &browser_client(), PASSWORD, "198.51.100.9").await;
    assert_eq!(res.status(), StatusCode::OK, "from a trusted proxy the header names the client");
    let res = app.sign_in(&browser_client(), EMAIL, PASSWORD).await;
    assert_limited(&res, "without the header the client is the proxy, which made the guesses");
    app.stop().await;
    drop(db);
}

crate::on_both_backends!(
    an_attackers_failures_from_one_address_do_not_stop_the_owner_elsewhere,
    a_device_cookie_passes_the_account_wide_limit_but_not_its_own_back_off,
    x_forwarded_for_is_ignored_unless_from_a_trusted_proxy,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_share_the_counters() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let same = db.shared();
    let first = app_with_limits(db, 3).await;
    let second = spawn_app_with(same, |s| {
        s.login_max_failures_per_account = 3;
        s.login_max_failures_per_address = 1000;
        s.login_failure_window = Duration::from_secs(60);
    })
    .await;
    let browser = browser_client();
    for app in [&first, &second, &first] {
        assert_eq!(app.sign_in(&browser, EMAIL, "wrong-password").await.status(), StatusCode::UNAUTHORIZED);
    }
    let res = second.sign_in(&browser, EMAIL, PASSWORD).await;
    assert_limited(&res, "the second instance counts the first one's failures");
    second.stop().await;
    first.stop().await;
}
