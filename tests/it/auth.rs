//! Signing in and out over real HTTP against the real router: sessions, cookies, which clients a
//! session may see, rate limiting and the cross-site check.

use std::time::Duration;

use app::timestamp::Timestamp;
use app::vocab::Role;
use rook_notify::config::Settings;
use serde_json::{Value, json};

use crate::support::{TestApp, TestDatabase, app::browser_client, spawn_app, spawn_app_with, wait};

const PASSWORD: &str = "correct-horse-battery";

/// Two clients, an account for each and a staff account.
async fn two_clients(app: &TestApp) -> (String, String) {
    let acme = app.create_client("Acme Health").await;
    let globex = app.create_client("Globex Fitness").await;
    app.create_account("dev@acme.example", PASSWORD, Role::Client, Some(&acme)).await;
    app.create_account("dev@globex.example", PASSWORD, Role::Client, Some(&globex)).await;
    app.create_account("staff@rook.example", PASSWORD, Role::Staff, None).await;
    (acme, globex)
}

/// The names of those of `clients` that the session may see (through the client pages' profile).
async fn visible_names(app: &TestApp, client: &reqwest::Client, clients: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    for uuid in clients {
        let res = app.call_fn(client, "client_profile", &[("client_uuid", uuid)]).await;
        match res.status().as_u16() {
            200 => names.push(res.json::<Value>().await.unwrap()["name"].as_str().unwrap().to_owned()),
            404 => {}
            other => panic!("client_profile answered {other}"),
        }
    }
    names
}

/// Signs dev@acme.example in with `password` by posting the login form with one extra header (an
/// origin, or what the browser accepts), as a form without JavaScript or another site would.
async fn post_login(
    app: &TestApp,
    browser: &reqwest::Client,
    (name, value): (&str, &str),
    password: &str,
) -> reqwest::Response {
    let form = [("email", "dev@acme.example"), ("password", password)];
    browser.post(app.url("/fn/login")).header(name, value).form(&form).send().await.expect("a login request")
}

async fn signing_in_sets_a_protected_session_cookie_and_shows_only_the_own_client(db: TestDatabase) {
    let app = spawn_app(db).await;
    let (acme, globex) = two_clients(&app).await;
    let browser = browser_client();

    let res = app.sign_in(&browser, "Dev@Acme.example ", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_owned()).collect();
    // The session, and the device cookie that remembers this browser for the sign-in limits.
    for name in ["rook_notify_session=", "rook_notify_device="] {
        let cookie = cookies.iter().find(|c| c.starts_with(name)).unwrap_or_else(|| panic!("{name} in {cookies:?}"));
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
    }

    let viewer = app.current_viewer(&browser).await;
    assert_eq!(viewer["email"], "dev@acme.example");
    assert_eq!(viewer["role"], "client");
    assert_eq!(viewer["client_uuid"], json!(acme));
    assert_eq!(visible_names(&app, &browser, &[&acme, &globex]).await, ["Acme Health"]);
    app.stop().await;
}

async fn staff_see_every_client(db: TestDatabase) {
    let app = spawn_app(db).await;
    let (acme, globex) = two_clients(&app).await;
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, "staff@rook.example", PASSWORD).await.status(), 200);
    assert_eq!(visible_names(&app, &browser, &[&acme, &globex]).await, ["Acme Health", "Globex Fitness"]);
    app.stop().await;
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(db: TestDatabase) {
    let app = spawn_app(db).await;
    two_clients(&app).await;
    let browser = browser_client();
    let wrong = app.sign_in(&browser, "dev@acme.example", "not-the-password").await;
    assert_eq!(wrong.status(), 401);
    let wrong_body: Value = wrong.json().await.unwrap();
    let unknown = app.sign_in(&browser, "nobody@acme.example", "not-the-password").await;
    assert_eq!(unknown.status(), 401);
    let unknown_body: Value = unknown.json().await.unwrap();
    assert_eq!(wrong_body, json!({ "kind": "invalid_credentials" }));
    assert_eq!(wrong_body, unknown_body);
    assert_eq!(app.current_viewer(&browser).await, Value::Null, "still signed out");
    app.stop().await;
}

async fn signing_out_ends_the_session_for_good(db: TestDatabase) {
    let app = spawn_app(db).await;
    let (_, globex) = two_clients(&app).await;
    let browser = browser_client();
    let res = app.sign_in(&browser, "dev@globex.example", PASSWORD).await;
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();

    assert_eq!(app.call_fn(&browser, "logout", &[]).await.status(), 200);
    assert_eq!(app.current_viewer(&browser).await, Value::Null);

    // Replaying the old cookie from another client does not bring the session back.
    let replay = crate::support::app::browser_client()
        .post(app.url("/fn/client_profile"))
        .header("cookie", cookie)
        .form(&[("client_uuid", &globex)])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body, json!({ "kind": "unauthenticated" }));
    app.stop().await;
}

/// When the one stored session expires, rounded up to the second, read from the database underneath.
async fn session_expiry(app: &TestApp) -> Timestamp {
    let seconds = match app.backend() {
        "sqlite" => "SELECT CAST(strftime('%s', MAX(expiry_date)) AS INTEGER) + 1 FROM tower_sessions",
        _ => "SELECT CAST(CEIL(EXTRACT(EPOCH FROM MAX(expiry_date))) AS BIGINT) FROM tower_sessions",
    };
    Timestamp::from_micros(app.query_number(seconds).await * 1_000_000)
}

async fn an_idle_session_expires(db: TestDatabase) {
    let app = spawn_app_with(db, |s| s.session_idle_timeout = Duration::from_secs(1)).await;
    two_clients(&app).await;
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, "dev@acme.example", PASSWORD).await.status(), 200);
    assert_eq!(app.current_viewer(&browser).await["email"], "dev@acme.example");
    // Past the expiry the store keeps (looking at it in the database does not use the session).
    wait::until_past(session_expiry(&app).await).await;
    assert_eq!(app.current_viewer(&browser).await, Value::Null);
    app.stop().await;
}

crate::on_both_backends!(
    signing_in_sets_a_protected_session_cookie_and_shows_only_the_own_client,
    staff_see_every_client,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    signing_out_ends_the_session_for_good,
    an_idle_session_expires,
);

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let (app, browser) = signed_out_on_sqlite(lock_after(3)).await;
    for _ in 0..3 {
        assert_eq!(app.sign_in(&browser, "dev@acme.example", "wrong-password").await.status(), 401);
    }
    let locked = app.sign_in(&browser, "dev@acme.example", PASSWORD).await;
    assert_eq!(locked.status(), 429);
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["kind"], "rate_limited");
    assert!(body["retry_after_secs"].as_u64().unwrap() > 0);
    // Another account is not affected.
    assert_eq!(app.sign_in(&browser, "dev@globex.example", PASSWORD).await.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_get_no_more_tries_than_the_limit() {
    let (app, _) = signed_out_on_sqlite(lock_after(5)).await;
    let guesses = (0..40).map(|i| {
        let app = &app;
        async move {
            let browser = browser_client();
            let res = app.sign_in(&browser, "staff@rook.example", &format!("guess-number-{i}")).await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, body)
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let refused = answers.iter().filter(|(status, _)| *status == 401).count();
    let limited = answers.iter().filter(|(status, _)| *status == 429).count();
    assert_eq!(refused, 5, "exactly the limit of guesses were checked: {answers:?}");
    assert_eq!(limited, 35, "every other guess was refused unchecked: {answers:?}");
    for (status, body) in &answers {
        if *status == 429 {
            assert_eq!(body["kind"], "rate_limited", "{body}");
            assert!(body["retry_after_secs"].as_u64().unwrap() > 0, "{body}");
        }
    }
    app.stop().await;
}

/// An application on SQLite (settings adjusted by `adjust`) with [`two_clients`], and a browser that
/// has not signed in.
async fn signed_out_on_sqlite(adjust: impl FnOnce(&mut Settings)) -> (TestApp, reqwest::Client) {
    let app = spawn_app_with(TestDatabase::sqlite().await, adjust).await;
    two_clients(&app).await;
    (app, browser_client())
}

/// Settings that lock an account after `failures` wrong passwords within a minute.
fn lock_after(failures: u32) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.login_max_failures_per_account = failures;
        s.login_failure_window = Duration::from_secs(60);
    }
}

#[tokio::test]
async fn a_cross_site_post_is_refused_before_reaching_the_server_function() {
    let (app, browser) = signed_out_on_sqlite(|_| {}).await;
    let forged = post_login(&app, &browser, ("origin", "https://evil.example"), PASSWORD).await;
    assert_eq!(forged.status(), 403);
    assert_eq!(app.current_viewer(&browser).await, Value::Null);

    let same_site = post_login(&app, &browser, ("origin", app.base_url.as_str()), PASSWORD).await;
    assert_eq!(same_site.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn without_javascript_a_failed_sign_in_returns_to_the_login_page_with_the_reason() {
    let (app, browser) = signed_out_on_sqlite(|_| {}).await;
    let res = post_login(&app, &browser, ("accept", "text/html"), "wrong-password").await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?error=invalid_credentials");

    let res = post_login(&app, &browser, ("accept", "text/html"), PASSWORD).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");
    app.stop().await;
}

#[tokio::test]
async fn pages_redirect_to_sign_in_when_signed_out() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let res = app.client.get(app.url("/")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login");
    let login = app.client.get(app.url("/login")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("Sign in"));
    app.stop().await;
}
