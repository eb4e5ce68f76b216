//! The receiver guide's reconciliation programs (`docs/verify/reconcile.py`, `docs/verify/reconcile.mjs`,
//! shown verbatim in the guide) run as real receivers of a real server: they process what the webhooks
//! bring, miss what is sent while they are down, and on restart catch up through the pull API — every
//! notification processed exactly once, whichever way it came.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::process::{Child, Command};

use crate::client_keys::create_key;
use crate::support::external::{node_script_in, node_with, pyenv_python, repo_path};
use crate::support::process::restartable_port;
use crate::support::{TestApp, TestDatabase, spawn_app_with, wait};

/// Notifications delivered while the program runs.
const DELIVERED: usize = 5;
/// Notifications sent while it is down: more than a page of the pull API (200), so it pages.
const MISSED: usize = 205;
/// Of the missed ones, how many are resent by webhook once the program has pulled them.
const RESENT: usize = 3;
const WITHIN: Duration = Duration::from_secs(60);

crate::on_both_backends!(
    the_guides_python_receiver_catches_up_after_downtime_processing_each_notification_once,
    the_guides_node_receiver_catches_up_after_downtime_processing_each_notification_once,
);

async fn the_guides_python_receiver_catches_up_after_downtime_processing_each_notification_once(db: TestDatabase) {
    let Some(python) = pyenv_python("standardwebhooks").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let script = repo_path("docs/verify/reconcile.py");
    catches_up_after_downtime(db, Program { name: "reconcile.py", interpreter: python, script, dir: dir.path() }).await;
}

async fn the_guides_node_receiver_catches_up_after_downtime_processing_each_notification_once(db: TestDatabase) {
    let Some(node) = node_with("standardwebhooks").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let script = node_script_in(dir.path(), "docs/verify/reconcile.mjs");
    catches_up_after_downtime(db, Program { name: "reconcile.mjs", interpreter: node, script, dir: dir.path() }).await;
}

async fn catches_up_after_downtime(db: TestDatabase, program: Program<'_>) {
    // Retries come an hour later: what the program missed reaches it only through the pull API.
    let app = spawn_app_with(db, |settings| {
        settings.retry_schedule = "1h".parse().unwrap();
        settings.client_key_rate = 1000.0;
        settings.client_key_burst = 1000;
    })
    .await;
    let port = restartable_port();
    let (client_uuid, secret) = app.subscribed_client(&format!("http://127.0.0.1:{port}/rook")).await;
    let key_request = json!({ "name": "reconciler", "access": "read_only", "environment": "sandbox" });
    let (_, key) = create_key(&app, &client_uuid, key_request).await;
    let env = [
        ("WEBHOOK_SECRET", secret),
        ("ROOK_API_KEY", key),
        ("ROOK_API_URL", app.url("/api/v1")),
        ("PORT", port.to_string()),
        ("STATE_DIR", program.dir.join("state").display().to_string()),
    ];
    // Catching up every 0.2 s while up: the rounds list what the webhooks already brought.
    let mut receiver = RunningProgram::start(&program, &env, "0.2", port).await;

    // Up: the webhooks bring the first ones, and the catch-up rounds list them again.
    let delivered = user_notifications(&app, &client_uuid, "up", DELIVERED).await;
    receiver
        .wait_until("it processed what the webhooks brought and saved a position", |processed| {
            processed.len() == DELIVERED && program.dir.join("state/position").is_file()
        })
        .await;

    // Down: every first attempt fails to connect.
    receiver.stop().await;
    let missed = user_notifications(&app, &client_uuid, "down", MISSED).await;
    for id in &missed {
        app.wait_for_notification(id, "retrying", 1, WITHIN).await;
    }

    // Back, with no round but the first for an hour: the first catch-up pulls all it missed, page
    // after page.
    let mut receiver = RunningProgram::start(&program, &env, "3600", port).await;
    receiver.wait_until("it pulled what it missed", |processed| processed.len() == DELIVERED + MISSED).await;
    let pulled = receiver.processed();
    for id in &missed {
        assert_eq!(pulled.get(id).map(Vec::as_slice), Some(&["pull".to_owned()][..]), "{id} came by the pull API");
    }

    // A missed one sent again by webhook is acknowledged and not processed again; a new one still is.
    for id in &missed[..RESENT] {
        let res = app.api(Method::POST, &format!("/notifications/{id}/resend")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED, "{id} resent");
    }
    let later = user_notifications(&app, &client_uuid, "later", 1).await;
    for id in &missed[..RESENT] {
        app.wait_for_notification(id, "delivered", 2, WITHIN).await;
    }
    app.wait_for_notification(&later[0], "delivered", 1, WITHIN).await;
    // A request that is not signed with the secret is refused and not processed.
    let forged = forged_delivery(port).await;
    assert_eq!(forged, StatusCode::BAD_REQUEST, "{} refuses an unsigned request", program.name);
    receiver.stop().await;

    let processed = receiver.processed();
    let repeated: Vec<_> = processed.iter().filter(|(_, ways)| ways.len() > 1).collect();
    assert!(repeated.is_empty(), "{} processed these more than once: {repeated:?}", program.name);
    let expected: BTreeSet<&String> = delivered.iter().chain(&missed).chain(&later).collect();
    let got: BTreeSet<&String> = processed.keys().collect();
    assert_eq!(got, expected, "{} processed every notification, and nothing else", program.name);
    app.stop().await;
}

/// Reports `count` `user.created` events for the client's Sandbox; returns their notification ids.
async fn user_notifications(app: &TestApp, client_uuid: &str, label: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        ids.push(app.user_created(client_uuid, &format!("{label}-{i}")).await);
    }
    ids
}

/// POSTs a notification-shaped body with a made-up signature to the program; returns its status.
async fn forged_delivery(port: u16) -> StatusCode {
    let client = reqwest::Client::builder().no_proxy().timeout(WITHIN).build().unwrap();
    let body = json!({ "id": "0196f0c8-8c2a-7c4e-9a51-6b1f0d2c3e4f", "type": "user.created" });
    let res = client
        .post(format!("http://127.0.0.1:{port}/rook"))
        .header("webhook-id", "0196f0c8-8c2a-7c4e-9a51-6b1f0d2c3e4f")
        .header("webhook-timestamp", unix_now())
        .header("webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=")
        .json(&body)
        .send()
        .await
        .expect("the program answers");
    res.status()
}

/// The current Unix time in seconds, as `webhook-timestamp` carries it.
fn unix_now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    now.as_secs().to_string()
}

/// One of the guide's programs: the interpreter, the script, and the directory it runs in.
struct Program<'a> {
    name: &'static str,
    interpreter: PathBuf,
    script: PathBuf,
    dir: &'a Path,
}

/// The program running as a receiver; killed when dropped.
struct RunningProgram<'a> {
    program: &'a Program<'a>,
    child: Child,
}

impl<'a> RunningProgram<'a> {
    /// Starts the program with `env`, catching up every `catch_up_every` seconds, and waits until it
    /// listens on `port`.
    async fn start(program: &'a Program<'a>, env: &[(&str, String)], catch_up_every: &str, port: u16) -> Self {
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(program.dir.join("output.log"))
            .expect("the program's output file");
        let mut command = Command::new(&program.interpreter);
        command
            .arg(&program.script)
            .current_dir(program.dir)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .env("CATCH_UP_EVERY", catch_up_every)
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .kill_on_drop(true);
        // Only 127.0.0.1 is called: no proxy may stand in between.
        for proxy in ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
            command.env_remove(proxy);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", program.name));
        let mut running = RunningProgram { program, child };
        let what = format!("{} listens on 127.0.0.1:{port}", program.name);
        wait::for_value(&what, WITHIN, || {
            running.assert_alive();
            async move { tokio::net::TcpStream::connect(("127.0.0.1", port)).await.map(drop) }
        })
        .await;
        running
    }

    /// Stops the program without warning, as a crash or a lost machine would.
    async fn stop(&mut self) {
        self.child.kill().await.expect("the program is killed");
    }

    /// What the program processed, from the log it writes: each id with the ways it came, in order.
    fn processed(&self) -> BTreeMap<String, Vec<String>> {
        let log = std::fs::read_to_string(self.program.dir.join("state/processed.log")).unwrap_or_default();
        let complete = &log[..log.rfind('\n').map_or(0, |end| end + 1)];
        let mut processed: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in complete.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 3, "a processed line is `id type way`: {line:?}");
            processed.entry(fields[0].to_owned()).or_default().push(fields[2].to_owned());
        }
        processed
    }

    /// Waits until what the program processed passes `check`, failing with what it processed and said.
    async fn wait_until(&mut self, what: &str, check: impl Fn(&BTreeMap<String, Vec<String>>) -> bool) {
        let what = format!("{}: {what}", self.program.name);
        wait::for_value(&what, WITHIN, || {
            self.assert_alive();
            let processed = self.processed();
            let seen = if check(&processed) {
                Ok(())
            } else {
                Err(format!("{} processed; its output ends with\n{}", processed.len(), self.output_tail()))
            };
            std::future::ready(seen)
        })
        .await;
    }

    /// Fails the test with the end of the program's output if it has exited.
    fn assert_alive(&mut self) {
        if let Some(status) = self.child.try_wait().expect("the program's status") {
            panic!("{} exited ({status}); its output ends with\n{}", self.program.name, self.output_tail());
        }
    }

    /// The last lines the program wrote to its standard output and error (every request it answered,
    /// and why a catch-up stopped).
    fn output_tail(&self) -> String {
        let output = std::fs::read_to_string(self.program.dir.join("output.log")).unwrap_or_default();
        let lines: Vec<&str> = output.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}
