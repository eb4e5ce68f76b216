//! `after` follows commit order: UUIDv7 ids are made before commit, so with group commit or several
//! processes a notification can commit after a newer id was listed. A receiver paging with `after`
//! through the pull API, and a live feed resuming with `Last-Event-ID`, still get it — exactly once.
//! `after` keeps its form (the id of one of the client's listed items), and a purged payload is marked
//! in the pull list.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, Environment, NotificationType, Role};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use rook_notify::engine::retention::{RetentionPolicy, run_once};
use rook_notify::store::{DomainChange, IngestItem, NewNotification, new_id};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::client_keys::{create_key, get_with_key, with_key};
use crate::dashboard_client::read_until;
use crate::support::app::browser_client;
use crate::support::{Subscribed, TestApp, TestDatabase, spawn_app_with, spawn_subscribed};

const WAIT: Duration = Duration::from_secs(15);

/// A `user.created` of the client's Sandbox made now (its id too), to be recorded later.
fn made_now(client_uuid: &str, user_id: &str) -> NewNotification {
    NewNotification {
        id: new_id(),
        client_uuid: client_uuid.to_owned(),
        environment: Environment::Sandbox,
        kind: NotificationType::UserCreated,
        user_id: Some(user_id.to_owned()),
        data_source: None,
        occurred_at: Timestamp::now(),
        is_test: false,
        body: json!({ "type": "user.created", "user_id": user_id }).to_string().into_bytes(),
        trigger: AttemptTrigger::Schedule,
        triggered_by: None,
    }
}

/// Records `n` as the ingest writer would, only now: its commit comes after whatever was recorded since
/// its id was made.
async fn commit_late(app: &TestApp, n: NewNotification) {
    let item = IngestItem { notification: n, change: DomainChange::None, idempotency: None };
    app.services.store().ingest(&[item], Timestamp::now()).await.expect("recorded");
}

/// The ids of a page, in order.
fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

async fn a_notification_committed_after_a_newer_one_was_pulled_comes_next(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (_, key) = create_key(&app, &client_uuid, json!({ "name": "pull", "access": "read_only" })).await;
    let seen = app.user_created(&client_uuid, "u-0").await;
    let late = made_now(&client_uuid, "u-late");
    let newer = app.user_created(&client_uuid, "u-1").await;
    assert!(late.id < newer, "the late one's id sorts first");
    let page = get_with_key(&app, &key, &format!("/notifications?after={seen}")).await;
    assert_eq!(ids(&page), [newer.as_str()]);
    assert_eq!(page["next_cursor"], json!(newer), "the cursor stays the last row's id");

    let late_id = late.id.clone();
    commit_late(&app, late).await;
    let page = get_with_key(&app, &key, &format!("/notifications?after={newer}")).await;
    assert_eq!(ids(&page), [late_id.as_str()], "committed after the newer one, so listed after it");
    assert_eq!(page["next_cursor"], json!(late_id));
    let page = get_with_key(&app, &key, &format!("/notifications?after={late_id}")).await;
    assert_eq!((ids(&page).len(), &page["next_cursor"]), (0, &Value::Null), "nothing new: {page}");
    app.stop().await;
}

async fn after_names_one_of_the_clients_own_listed_items(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (_, key) = create_key(&app, &client_uuid, json!({ "name": "pull", "access": "read_only" })).await;
    let own = app.user_created(&client_uuid, "u-0").await;
    let (other_client, _) = app.subscribed_client("https://receiver.example/other").await;
    let others = app.user_created(&other_client, "u-0").await;
    let cases = [
        ("/notifications", others.as_str(), "another client's notification"),
        ("/notifications", "0190b7e2-0000-7000-8000-0000000000ff", "an id no list returned"),
        ("/notifications", "latest", "no id at all"),
        ("/data-deliveries", own.as_str(), "a notification is not a data delivery"),
    ];
    for (path, after, what) in cases {
        let res = with_key(&app, &key, Method::GET, &format!("{path}?after={after}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], "after", "{what}: {body}");
    }
    let res = with_key(&app, &key, Method::GET, &format!("/notifications?after={own}")).send().await.unwrap();
    assert_eq!(res.status(), 200, "its own");
    app.stop().await;
}

async fn a_purged_payload_is_marked_as_purged_in_the_pull_list(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (_, key) = create_key(&app, &client_uuid, json!({ "name": "pull", "access": "read_only" })).await;
    let old = app.user_created(&client_uuid, "u-old").await;
    app.wait_for_notification(&old, "delivered", 1, WAIT).await;
    // A hundred days old: past the 90 days notification payloads are kept.
    let hundred_days_ago = (Timestamp::now().as_micros() - 100 * 86_400 * 1_000_000).to_string();
    app.execute_sql("UPDATE notifications SET created_at = CAST($1 AS BIGINT)", &hundred_days_ago).await;
    let policy = RetentionPolicy {
        data_payloads: Duration::from_secs(30 * 86_400),
        notification_payloads: Duration::from_secs(90 * 86_400),
        records: Duration::from_secs(365 * 86_400),
    };
    let run = run_once(app.services.store(), policy, Timestamp::now()).await.unwrap();
    assert_eq!(run.notification_payloads_purged, 1);
    let fresh = app.user_created(&client_uuid, "u-fresh").await;

    let page = get_with_key(&app, &key, "/notifications").await;
    let purged: Vec<(String, bool)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap().to_owned(), n["payload_purged"].as_bool().expect("payload_purged")))
        .collect();
    assert_eq!(purged, [(fresh, false), (old.clone(), true)], "{page}");
    let detail = get_with_key(&app, &key, &format!("/notifications/{old}")).await;
    assert_eq!((&detail["payload_purged"], &detail["payload"]), (&json!(true), &Value::Null));
    app.stop().await;
}

async fn the_live_feed_sends_a_notification_committed_after_a_newer_one_it_sent(db: TestDatabase) {
    let Subscribed { app, client_uuid, .. } = spawn_subscribed(db, "/hooks", |_| {}).await;
    let (email, password) = ("dev@late.example", "correct-horse-battery");
    app.create_account(email, password, Role::Client, Some(&client_uuid)).await;
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, email, password).await.status(), 200);
    let shown = app.user_created(&client_uuid, "u-0").await;
    let late = made_now(&client_uuid, "u-late");
    let newer = app.user_created(&client_uuid, "u-1").await;

    // The browser reconnects having seen `newer` last.
    let url = reqwest::Url::parse_with_params(&app.url("/live/notifications"), [("after", &shown)]).unwrap();
    let mut feed = browser.get(url).header("last-event-id", &newer).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    let late_id = late.id.clone();
    commit_late(&app, late).await;
    let seen = read_until(&mut feed, &format!("id: {late_id}"), WAIT).await;
    assert!(!seen.contains(&format!("id: {newer}")), "nothing it saw again: {seen}");
    drop(feed);
    app.stop().await;
}

crate::on_both_backends!(
    a_notification_committed_after_a_newer_one_was_pulled_comes_next,
    after_names_one_of_the_clients_own_listed_items,
    a_purged_payload_is_marked_as_purged_in_the_pull_list,
    the_live_feed_sends_a_notification_committed_after_a_newer_one_it_sent,
);

/// How many events each process is sent, and how many requests are in flight to it at once.
const EVENTS_PER_PROCESS: usize = 400;
const IN_FLIGHT: usize = 16;
/// The longest the whole run may take.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Posts `count` events for the client to `app`, `IN_FLIGHT` at a time; the ids recorded.
async fn post_events(app: &TestApp, client_uuid: &str, tag: &str, count: usize) -> Vec<String> {
    let mut recorded = Vec::with_capacity(count);
    let users: Vec<String> = (0..count).map(|n| format!("{tag}-{n}")).collect();
    for chunk in users.chunks(IN_FLIGHT) {
        let answers = join_all(chunk.iter().map(|user| {
            let event = json!({ "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created",
                "user_id": user });
            app.api(Method::POST, "/platform-events").json(&event).send()
        }))
        .await;
        for res in answers {
            let res = res.expect("an API request");
            assert_eq!(res.status(), 202);
            recorded.push(res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned());
        }
    }
    recorded
}

/// What a reader paging with `after` was given, in order, and how many of those an id cursor would
/// have skipped (given after a page that held a larger id).
struct Pulled {
    ids: Vec<String>,
    behind_an_earlier_page: usize,
}

/// Pages with `after` through `app`'s pull API while `writing` holds, and once more after.
async fn pull_until_caught_up(app: &TestApp, key: &str, start: &str, writing: &AtomicBool) -> Pulled {
    let deadline = Instant::now() + RUN_LIMIT;
    let mut pulled = Pulled { ids: Vec::new(), behind_an_earlier_page: 0 };
    let (mut cursor, mut highest) = (start.to_owned(), start.to_owned());
    loop {
        // Read before the check: an empty page read after the writers finished means caught up.
        let done = !writing.load(Ordering::SeqCst);
        let page = get_with_key(app, key, &format!("/notifications?after={cursor}&limit=50")).await;
        let items = ids(&page);
        if items.is_empty() && done {
            return pulled;
        }
        if let Some(next) = page["next_cursor"].as_str() {
            cursor = next.to_owned();
        }
        pulled.behind_an_earlier_page += items.iter().filter(|id| **id < highest).count();
        if let Some(max) = items.iter().max().filter(|max| **max > highest) {
            highest.clone_from(max);
        }
        pulled.ids.extend(items);
        assert!(Instant::now() < deadline, "not caught up within {RUN_LIMIT:?}: {} pulled", pulled.ids.len());
    }
}

/// `processes` applications on one database take events at once (each with its own group-commit
/// writer) while a reader pages through the pull API with `after`: it sees every notification once.
async fn a_reader_paging_after_sees_everything_once_while_processes_record(db: TestDatabase, processes: usize) {
    let unlimited = |s: &mut rook_notify::config::Settings| {
        s.client_key_rate = 1e6;
        s.client_key_burst = 1_000_000;
    };
    let same = db.shared();
    let Subscribed { app, client_uuid, receiver: _receiver, .. } = spawn_subscribed(db, "/hooks", unlimited).await;
    let mut apps = vec![app];
    for _ in 1..processes {
        apps.push(spawn_app_with(same.shared(), unlimited).await);
    }
    let (_, key) = create_key(&apps[0], &client_uuid, json!({ "name": "reader", "access": "read_only" })).await;
    let start = apps[0].user_created(&client_uuid, "start").await;

    let writing = AtomicBool::new(true);
    let writers = async {
        let tags: Vec<String> = (0..apps.len()).map(|n| format!("p{n}")).collect();
        let posted =
            join_all(apps.iter().zip(&tags).map(|(app, tag)| post_events(app, &client_uuid, tag, EVENTS_PER_PROCESS)))
                .await;
        writing.store(false, Ordering::SeqCst);
        posted.concat()
    };
    // The reader reads through the last process, so what the others commit reaches it only by the
    // database.
    let reader = pull_until_caught_up(apps.last().unwrap(), &key, &start, &writing);
    let (posted, pulled) = tokio::join!(writers, reader);

    let unique: HashSet<&String> = pulled.ids.iter().collect();
    assert_eq!(unique.len(), pulled.ids.len(), "no notification twice");
    let posted: HashSet<&String> = posted.iter().collect();
    let missing = posted.difference(&unique).count();
    assert_eq!(missing, 0, "{missing} of {} never pulled", posted.len());
    assert_eq!(unique, posted, "nothing but what was posted after the start");
    // Whether this run had commits out of id order for the cursor to get right (not asserted: it
    // depends on timing).
    eprintln!("{} pulled; an id cursor would have skipped {}", pulled.ids.len(), pulled.behind_an_earlier_page);
    // The first owns the database: stopped last.
    for app in apps.into_iter().rev() {
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_under_load_a_reader_paging_after_misses_nothing() {
    let Some(db) = TestDatabase::postgres().await else { return };
    a_reader_paging_after_sees_everything_once_while_processes_record(db, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_process_on_sqlite_under_load_a_reader_paging_after_misses_nothing() {
    a_reader_paging_after_sees_everything_once_while_processes_record(TestDatabase::sqlite().await, 1).await;
}
