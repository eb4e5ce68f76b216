//! 10,000 malformed or hostile requests, from a fixed seed, over every API operation (as the served
//! OpenAPI document lists them), every registered server function, every dashboard page and the other
//! routes: random JSON, wrong types, deep nesting, huge numbers, long strings, NUL, invalid UTF-8,
//! bad cursors, wrong content types and methods, and bytes that are not valid HTTP. More than half
//! carry valid credentials for their route (admin or ingest token; a staff or client session with
//! its Origin). The server must answer none with 5xx, never panic, stay healthy, and leave the
//! database exactly as it was after every request it refused (4xx); after an accepted one the
//! database is read again as the new baseline.
//!
//! Each backend runs on a runtime of its own whose threads are named for it, so a panic hook can
//! count the server's panics without counting other tests'. The delivery engine is off: it would
//! change notifications between two requests by itself.

mod dump;
mod found;
mod hostile;
mod report;
mod targets;
mod wire;

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use app::vocab::Role;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use reqwest::Method;
use reqwest::cookie::{CookieStore, Jar};
use rook_notify::service::Actor;
use rook_notify::store::TokenScope;
use serde_json::{Value, json};

use crate::support::{TestApp, TestDatabase, spawn_app_with};
use dump::{Dumper, EXCLUDED};
use hostile::Pool;
use report::{Tally, describe};
use targets::{Audience, Target};
use wire::{Answer, Sender};

/// The seed of every request's shape. `ROOK_NOTIFY_HOSTILE_SEED` replaces it, to look for faults
/// this one does not reach; CI runs this one.
const SEED: u64 = 0x5EED_0F11;

fn seed_in_use() -> u64 {
    std::env::var("ROOK_NOTIFY_HOSTILE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED)
}
/// How many hostile requests each backend gets.
const REQUESTS: usize = 10_000;
/// The run fails rather than going on past this (it takes far less; see the report it prints).
const BUDGET: Duration = Duration::from_secs(15 * 60);

const PASSWORD: &str = "correct-horse-battery";
const STAFF: &str = "staff@rook.example";
const CLIENT: &str = "dev@acme.example";

mod sqlite {
    #[test]
    fn ten_thousand_hostile_requests_get_no_5xx_no_panic_and_refused_ones_change_nothing() {
        super::run_on("sqlite");
    }
}

mod postgres {
    #[test]
    fn ten_thousand_hostile_requests_get_no_5xx_no_panic_and_refused_ones_change_nothing() {
        super::run_on("postgres");
    }
}

/// The server functions this test fuzzes are exactly those registered in the binary.
#[test]
fn every_registered_server_function_is_fuzzed() {
    let registered = targets::registered_server_functions();
    let listed = targets::listed_server_functions();
    assert!(!registered.is_empty(), "no server function is registered: the app crate is not linked in");
    assert_eq!(
        listed, registered,
        "targets::SERVER_FUNCTIONS must list every registered server function with its form fields"
    );
}

/// Runs the fuzz on `backend`, on a runtime whose threads are named for it.
fn run_on(backend: &'static str) {
    count_panics();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(format!("{PANIC_PREFIX}{backend}"))
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let db = match backend {
            "sqlite" => TestDatabase::sqlite().await,
            _ => match TestDatabase::postgres().await {
                Some(db) => db,
                None => return,
            },
        };
        fuzz(db, backend).await;
    });
}

/// The names of the threads whose panics are counted start with this.
const PANIC_PREFIX: &str = "hostile-";

/// Panics on this test's runtimes (thread name, message), from the hook.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Installs (once) a panic hook that records panics of this test's runtimes, then does what the
/// previous hook did.
fn count_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            if let Some(name) = thread.name().filter(|n| n.starts_with(PANIC_PREFIX)) {
                let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                PANICS.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{name} at {location}: {message}"));
            }
            previous(info);
        }));
    });
}

/// The message of the panic that shows the hook works (it is not counted against the server).
const SELF_CHECK: &str =
    "a panic on purpose: the hostile-requests test checks that its panic hook sees the server's runtime";

/// The panics of `backend`'s runtime (the one on purpose included).
fn panics_of(backend: &str) -> Vec<String> {
    let prefix = format!("{PANIC_PREFIX}{backend}");
    PANICS.lock().unwrap_or_else(|e| e.into_inner()).iter().filter(|p| p.starts_with(&prefix)).cloned().collect()
}

/// Who a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Identity {
    Admin,
    Ingest,
    Staff,
    ClientAccount,
    Anonymous,
    /// A bearer token that is no token.
    Forged,
}

impl Identity {
    /// Whether these are valid credentials for a route of `audience`.
    fn authenticated_for(self, audience: Audience) -> bool {
        match audience {
            Audience::Api => matches!(self, Identity::Admin | Identity::Ingest),
            Audience::Dashboard => matches!(self, Identity::Staff | Identity::ClientAccount),
            Audience::Public => !matches!(self, Identity::Anonymous | Identity::Forged),
        }
    }

    /// Who sends to a route of `audience`: mostly its own callers, sometimes the wrong ones.
    fn pick(audience: Audience, rng: &mut StdRng) -> Identity {
        use Identity::*;
        let weights: &[(Identity, u32)] = match audience {
            Audience::Api => &[(Admin, 60), (Ingest, 12), (Anonymous, 9), (Forged, 9), (Staff, 7), (ClientAccount, 3)],
            Audience::Dashboard => &[(Staff, 60), (ClientAccount, 18), (Anonymous, 10), (Admin, 7), (Forged, 5)],
            Audience::Public => &[(Anonymous, 40), (Admin, 30), (Staff, 30)],
        };
        weights.choose_weighted(rng, |(_, w)| *w).map(|(i, _)| *i).unwrap()
    }
}

/// A signed-in browser: its client and cookie jar.
struct Browser {
    client: reqwest::Client,
    jar: Arc<Jar>,
    email: &'static str,
}

impl Browser {
    fn new(email: &'static str) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .no_proxy()
            .build()
            .unwrap();
        Browser { client, jar, email }
    }

    async fn sign_in(&self, app: &TestApp) {
        let res = app.sign_in(&self.client, self.email, PASSWORD).await;
        assert_eq!(res.status(), 200, "{} signs in", self.email);
    }

    /// Signs in again if a request ended the session; answers whether it had to.
    async fn keep_signed_in(&self, app: &TestApp) -> bool {
        if app.current_viewer(&self.client).await.is_null() {
            self.sign_in(app).await;
            return true;
        }
        false
    }
}

async fn fuzz(db: TestDatabase, backend: &'static str) {
    let started = Instant::now();
    let app = spawn_app_with(db, |s| s.deliver = false).await;
    let address: std::net::SocketAddr = app.base_url.trim_start_matches("http://").parse().unwrap();
    let (pool, ingest_token) = seed(&app).await;
    let staff = Browser::new(STAFF);
    let account = Browser::new(CLIENT);
    staff.sign_in(&app).await;
    account.sign_in(&app).await;
    // No connection is reused: a connection the server closed after refusing a request could be taken
    // from the pool before the client noticed, and the next request would fail on it.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .no_proxy()
        .build()
        .unwrap();

    let openapi: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let targets = targets::all(&openapi);
    let registered = targets::registered_server_functions();
    assert_eq!(targets::listed_server_functions(), registered, "every registered server function is a target");

    // The panic hook sees this runtime's panics: one on purpose shows it does.
    let _ = tokio::spawn(async { panic!("{SELF_CHECK}") }).await;
    assert_eq!(panics_of(backend).len(), 1, "the panic hook counts this runtime's panics");

    let mut dumper = Dumper::connect(app.database_url(), app.backend()).await;
    let mut baseline = dumper.fingerprint().await;
    let first_digest = baseline.digest();
    let seeded_at = started.elapsed();

    let seed = seed_in_use();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let mut dumping = Duration::ZERO;
    let (mut authenticated, mut admin_or_staff, mut refused_checked, mut rebaselined, mut sign_ins_again) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut order: Vec<usize> = Vec::new();

    for n in 0..REQUESTS {
        assert!(started.elapsed() < BUDGET, "the fuzz did not finish within {BUDGET:?} ({n} requests sent)");
        // Every target in turn, in a shuffled order each round, so each gets its share: three turns a
        // round, but one for what costs the most: a page (rendered on the server, it runs server
        // functions that are fuzzed directly anyway), and signing in and out (a password hash each,
        // and a session to sign in again).
        if order.is_empty() {
            for (i, target) in targets.iter().enumerate() {
                let costly =
                    target.label.starts_with("page ") || ["fn login", "fn logout"].contains(&target.label.as_str());
                let turns = if costly { 1 } else { 3 };
                order.extend(std::iter::repeat_n(i, turns));
            }
            order.shuffle(&mut rng);
        }
        let target: &Target = &targets[order.pop().unwrap()];
        let identity = Identity::pick(target.audience, &mut rng);
        let h = hostile::request(target, &openapi, &pool, &mut rng);

        let own_origin = app.base_url.clone().into_bytes();
        let origin = if h.foreign_origin { b"https://evil.example".to_vec() } else { own_origin };
        let (client, mut headers, jar) = match identity {
            Identity::Admin => (&plain, vec![bearer(crate::support::app::ADMIN_TOKEN)], None),
            Identity::Ingest => (&plain, vec![bearer(&ingest_token)], None),
            Identity::Forged => (&plain, vec![bearer("rnk_forged-token-that-is-no-token")], None),
            Identity::Anonymous => (&plain, Vec::new(), None),
            Identity::Staff => (&staff.client, Vec::new(), Some(&staff.jar)),
            Identity::ClientAccount => (&account.client, Vec::new(), Some(&account.jar)),
        };
        // A browser sends its Origin on posts (the cross-site check reads it); other callers may too.
        if jar.is_some() || h.foreign_origin {
            headers.push(("origin".to_owned(), origin));
        }
        let cookie = jar.and_then(|jar| jar.cookies(&reqwest::Url::parse(&app.base_url).unwrap()));
        // Credentials replaced by a hostile header, or a session sent from another site, do not count.
        let credentials_replaced = h.headers.iter().any(|(name, _)| name == "authorization" || name == "cookie")
            || (jar.is_some() && h.foreign_origin);
        if identity.authenticated_for(target.audience) && !credentials_replaced {
            authenticated += 1;
            if matches!(identity, Identity::Admin | Identity::Staff) {
                admin_or_staff += 1;
            }
        }

        let sender = Sender { client, address, headers, cookie };
        let sent_at = Instant::now();
        let answer = sender.send(&h, target.streams).await;
        let took = sent_at.elapsed();
        tally.answered(&target.label, h.mutation, identity, &answer, took);
        tally.timed(took, || describe(n, &target.label, identity, &h));

        let refused = match &answer {
            Answer::Status(status, body) if *status >= 500 => {
                let start: String = body.rsplit("  ").next().unwrap_or(body).chars().take(90).collect();
                tally.fail(
                    format!("{status} {} {start}", target.label),
                    format!("{status} for {}: {body}", describe(n, &target.label, identity, &h)),
                );
                false
            }
            Answer::Status(status, _) => (400..500).contains(status),
            Answer::Closed if h.wire.is_some() || h.body.len() > wire::OVERSIZED => true,
            Answer::Closed => {
                tally.fail(
                    format!("closed {}", target.label),
                    format!("closed without an answer: {}", describe(n, &target.label, identity, &h)),
                );
                true
            }
            Answer::Failed(err) => {
                tally.fail(
                    format!("no answer {}", target.label),
                    format!("no answer ({err}): {}", describe(n, &target.label, identity, &h)),
                );
                true
            }
        };
        let dumped_at = Instant::now();
        let now = dumper.fingerprint().await;
        dumping += dumped_at.elapsed();
        if refused {
            refused_checked += 1;
            if now != baseline {
                let tables = baseline.changed_tables(&now);
                tally.fail(
                    format!("changed {tables:?} {} {:?}", target.label, h.mutation),
                    format!(
                        "a refused request changed the database (tables {tables:?}): {}",
                        describe(n, &target.label, identity, &h)
                    ),
                );
            }
        } else {
            rebaselined += 1;
        }
        baseline = now;

        // A request may end a session (sign-out, or a sign-in on a signed-in browser): sign in again.
        let touches_sessions = target.label == "fn logout" || target.label == "fn login";
        let browsers: &[&Browser] = match identity {
            _ if n % 500 == 499 => &[&staff, &account],
            Identity::Staff if touches_sessions => &[&staff],
            Identity::ClientAccount if touches_sessions => &[&account],
            _ => &[],
        };
        for browser in browsers {
            if browser.keep_signed_in(&app).await {
                sign_ins_again += 1;
            }
        }
        if !browsers.is_empty() {
            baseline = dumper.fingerprint().await;
        }
    }
    let fuzzed_in = started.elapsed() - seeded_at;

    // Still healthy, and a valid request still does what it should.
    let healthz = plain.get(app.url("/healthz")).send().await.unwrap().status().as_u16();
    let readyz = plain.get(app.url("/readyz")).send().await.unwrap().status().as_u16();
    let client = app.api(Method::GET, &format!("/clients/{}", pool.client_uuids[0])).send().await.unwrap().status();
    let event = app
        .post_event(&json!({
            "client_uuid": pool.client_uuids[0], "environment": "sandbox", "type": "user.created", "user_id": "after-fuzz"
        }))
        .await
        .status();
    staff.keep_signed_in(&app).await;
    let viewer = app.current_viewer(&staff.client).await;
    let last_digest = dumper.fingerprint().await.digest();
    let (tables, dumps) = (dumper.tables.len(), dumper.dumps);
    dumper.close().await;
    let panics: Vec<String> = panics_of(backend).into_iter().filter(|p| !p.ends_with(SELF_CHECK)).collect();

    // The report: the closing note quotes it.
    let mut report = format!(
        "\n==== hostile requests on {backend}: {REQUESTS} requests (seed {seed:#x}) in {:.1} s after {:.1} s of \
         setup; {authenticated} with valid credentials for their route ({admin_or_staff} admin token or staff \
         session), {refused_checked} refused or unanswered each followed by a database comparison, \
         {rebaselined} accepted (new baseline), {sign_ins_again} sessions signed in again; {} targets; \
         database digest {first_digest} → {last_digest} over {tables} tables, {dumps} table reads (of tables written to) \
         taking {:.1} s in all; not compared: {:?}\n",
        fuzzed_in.as_secs_f64(),
        seeded_at.as_secs_f64(),
        targets.len(),
        dumping.as_secs_f64(),
        EXCLUDED.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
    );
    report += &tally.tables();
    report += &format!("panics: {}\n", panics.len());
    eprintln!("{report}");

    assert_eq!(tally.total().total() as usize, REQUESTS);
    assert!(
        tally.failures.is_empty() && panics.is_empty(),
        "{} failures and {} panics on {backend}; the first:\n{}\npanics:\n{}",
        tally.failures.len(),
        panics.len(),
        tally.failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n"),
        panics.join("\n")
    );
    assert!(authenticated as usize * 2 >= REQUESTS, "at least half the requests carry valid credentials");
    assert!(admin_or_staff as usize * 2 >= REQUESTS, "at least half carry the admin token or a staff session");
    let unfuzzed: Vec<&String> = targets.iter().map(|t| &t.label).filter(|l| !tally.fuzzed(l)).collect();
    assert!(unfuzzed.is_empty(), "targets that got no request: {unfuzzed:?}");
    assert_eq!((healthz, readyz), (200, 200), "the server is healthy after the fuzz");
    assert_eq!(client, 200, "a valid API request still works");
    assert_eq!(event, 202, "a valid platform event is still recorded");
    assert_eq!(viewer["email"], STAFF, "the staff session still works: {viewer}");
    app.stop().await;
}

fn bearer(token: &str) -> (String, Vec<u8>) {
    ("authorization".to_owned(), format!("Bearer {token}").into_bytes())
}

/// Two clients (one subscribed in Sandbox), a staff and a client account, an ingest token, some
/// notifications and a data delivery; returns what requests can name, and the ingest token.
async fn seed(app: &TestApp) -> (Pool, String) {
    let (acme, _secret) = app.subscribed_client("http://127.0.0.1:9/hook").await;
    let globex = app.create_client("Globex Fitness").await;
    app.set_environment(&acme, "sandbox", &json!({ "data_webhook_url": "http://127.0.0.1:9/data" })).await;
    app.create_account(STAFF, PASSWORD, Role::Staff, None).await;
    app.create_account(CLIENT, PASSWORD, Role::Client, Some(&acme)).await;
    let (_, ingest_token) =
        app.services.create_token(&Actor::System, "fuzz-ingest", TokenScope::Ingest).await.expect("an ingest token");

    let user_ids: Vec<String> = (1..=3).map(|i| format!("user-{i}")).collect();
    let mut notification_ids = Vec::new();
    for (i, user) in user_ids.iter().enumerate() {
        for env in ["sandbox", "production"] {
            notification_ids.push(app.user_created(&acme, user).await);
            let res = app
                .post_event(&json!({
                    "client_uuid": if i == 0 { &globex } else { &acme }, "environment": env,
                    "type": "extraction.failed", "user_id": user, "data_source": "Garmin",
                    "reason": "credentials_invalid", "data_type": "summary", "pillar": "sleep"
                }))
                .await;
            assert_eq!(res.status(), 202, "event recorded");
            notification_ids.push(res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned());
        }
    }
    let mut data_delivery_ids = Vec::new();
    for user in &user_ids {
        let res = app
            .send_json(
                Method::POST,
                "/data-deliveries",
                &json!({
                    "client_uuid": acme, "environment": "sandbox", "user_id": user, "data_type": "summary",
                    "pillar": "sleep", "document_id": format!("doc-{user}"),
                    "payload": { "datetime": "2026-11-29T15:00:00.000Z", "sleep_minutes": 420 }
                }),
            )
            .await;
        let status = res.status();
        let receipt: Value = res.json().await.unwrap();
        assert_eq!(status, 202, "data delivery handed over: {receipt}");
        data_delivery_ids.push(receipt["id"].as_str().unwrap().to_owned());
    }
    let page: Value = app.get_json(&format!("/notifications?client_uuid={acme}&limit=1")).await;
    let cursor = page["next_cursor"].as_str().expect("a next page").to_owned();
    let pool = Pool {
        client_uuids: vec![acme, globex],
        notification_ids,
        data_delivery_ids,
        user_ids,
        cursors: vec![cursor, String::new()],
    };
    (pool, ingest_token)
}
