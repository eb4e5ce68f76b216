//! Sessions: use extends a session past its idle timeout, disuse ends it, and an open live feed ends
//! within seconds of sign-out or expiry.

use std::time::Duration;

use app::vocab::Role;
use tokio::time::Instant;

use crate::support::{TestApp, TestDatabase, app::browser_client, spawn_app_with, wait};

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "staff@rook.example";

async fn app_with_idle_timeout(db: TestDatabase, idle: Duration) -> (TestApp, reqwest::Client) {
    let app = spawn_app_with(db, |s| s.session_idle_timeout = idle).await;
    app.create_account(EMAIL, PASSWORD, Role::Staff, None).await;
    let browser = browser_client();
    let res = app.sign_in(&browser, EMAIL, PASSWORD).await;
    assert!(res.status().is_success() || res.status().is_redirection(), "signed in: {}", res.status());
    assert!(app.current_viewer(&browser).await.is_object(), "signed in");
    (app, browser)
}

async fn an_active_session_outlives_its_idle_timeout_and_an_idle_one_ends(db: TestDatabase) {
    let idle = Duration::from_secs(2);
    let (app, browser) = app_with_idle_timeout(db, idle).await;
    // Three idle timeouts of steady use: still signed in (today it ends 2 s after sign-in).
    let until = Instant::now() + idle * 3;
    let mut use_pace = tokio::time::interval(Duration::from_millis(200));
    while Instant::now() < until {
        use_pace.tick().await;
        assert!(app.current_viewer(&browser).await.is_object(), "an active user stays signed in");
    }
    // Left alone (any request would be use), it ends: wait, reading the store directly, until the
    // session's own expiry has passed.
    let unexpired = match app.backend() {
        "sqlite" => "SELECT count(*) FROM tower_sessions WHERE julianday(expiry_date) > julianday('now')",
        _ => "SELECT count(*) FROM tower_sessions WHERE expiry_date > now()",
    };
    wait::until("the idle session's expiry passes", idle * 5, || async { app.query_number(unexpired).await == 0 })
        .await;
    assert!(app.current_viewer(&browser).await.is_null(), "an idle session expires");
    app.stop().await;
}

/// Opens the live feed and reads its greeting.
async fn open_feed(app: &TestApp, browser: &reqwest::Client) -> reqwest::Response {
    let client_uuid = app.create_client("Feed Co").await;
    let url = reqwest::Url::parse_with_params(&app.url("/live/notifications"), [("client_uuid", &client_uuid)]);
    let mut feed = browser.get(url.unwrap()).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(5), feed.chunk()).await;
    assert!(matches!(first, Ok(Ok(Some(_)))), "the feed greets: {first:?}");
    feed
}

/// Whether the stream ends within `within`.
async fn ends_within(feed: &mut reqwest::Response, within: Duration) -> bool {
    tokio::time::timeout(within, async { while let Ok(Some(_)) = feed.chunk().await {} }).await.is_ok()
}

async fn the_live_feed_ends_within_seconds_of_sign_out(db: TestDatabase) {
    let (app, browser) = app_with_idle_timeout(db, Duration::from_secs(3600)).await;
    let mut feed = open_feed(&app, &browser).await;
    let res = app.call_fn(&browser, "logout", &[]).await;
    assert!(res.status().is_success() || res.status().is_redirection(), "signed out: {}", res.status());
    assert!(app.current_viewer(&browser).await.is_null());
    assert!(ends_within(&mut feed, Duration::from_secs(8)).await, "the feed kept streaming after sign-out");
    app.stop().await;
}

async fn the_live_feed_ends_within_seconds_of_expiry(db: TestDatabase) {
    let idle = Duration::from_secs(2);
    let (app, browser) = app_with_idle_timeout(db, idle).await;
    let mut feed = open_feed(&app, &browser).await;
    assert!(ends_within(&mut feed, idle + Duration::from_secs(8)).await, "the feed outlived its session");
    assert!(app.current_viewer(&browser).await.is_null(), "the session had expired");
    app.stop().await;
}

crate::on_both_backends!(
    an_active_session_outlives_its_idle_timeout_and_an_idle_one_ends,
    the_live_feed_ends_within_seconds_of_sign_out,
    the_live_feed_ends_within_seconds_of_expiry,
);
