//! The `rook-notify` binary's subcommands, run as a user would run them.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use app::backend::SignIn;
use rook_notify::service::{ServiceConfig, Services};
use rook_notify::store::Store;

use crate::support::TestDatabase;
use crate::support::process::ServeProcess;

fn rook_notify(db: &TestDatabase, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rook-notify"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("ROOK_NOTIFY_LOG", "warn")
        .env("ROOK_NOTIFY_SECRET_KEY", crate::support::TEST_SECRET_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_lists_every_setting_with_its_environment_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_rook-notify")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "DATABASE_URL",
        "LEPTOS_SITE_ADDR",
        "LEPTOS_SITE_ROOT",
        "ROOK_NOTIFY_PUBLIC_URL",
        "ROOK_NOTIFY_LOG",
        "ROOK_NOTIFY_LOG_FORMAT",
        "ROOK_NOTIFY_DEMO",
        "ROOK_NOTIFY_SESSION_IDLE_TIMEOUT",
        "ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        "ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS",
        "ROOK_NOTIFY_LOGIN_FAILURE_WINDOW",
        "ROOK_NOTIFY_TRUSTED_PROXIES",
        "ROOK_NOTIFY_SHUTDOWN_GRACE",
        "ROOK_NOTIFY_API_TOKEN",
        "ROOK_NOTIFY_RETRY_SCHEDULE",
        "ROOK_NOTIFY_DATA_RETRY_SCHEDULE",
        "ROOK_NOTIFY_DATA_RETENTION",
        "ROOK_NOTIFY_NOTIFICATION_PAYLOAD_RETENTION",
        "ROOK_NOTIFY_RECORD_RETENTION",
        "ROOK_NOTIFY_DELIVERY_TIMEOUT",
        "ROOK_NOTIFY_MAX_IN_FLIGHT",
        "ROOK_NOTIFY_MAX_IN_FLIGHT_PER_ENDPOINT",
        "ROOK_NOTIFY_CLAIM_LEASE",
        "ROOK_NOTIFY_DISABLE_AFTER",
        "ROOK_NOTIFY_ALERT_AFTER_FAILURES",
        "ROOK_NOTIFY_STAFF_ALERT_URL",
        "ROOK_NOTIFY_STAFF_ALERT_SECRET",
        "ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS",
        "ROOK_NOTIFY_ALLOW_INSECURE_URLS",
        "ROOK_NOTIFY_SECRET_KEY",
        "ROOK_NOTIFY_SECRET_KEY_FILE",
        "ROOK_NOTIFY_PREVIOUS_SECRET_KEYS",
        "ROOK_NOTIFY_DELIVER",
    ] {
        assert!(help.contains(var), "--help does not mention {var}:\n{help}");
    }
    for sub in ["serve", "migrate", "seed-demo", "create-account", "create-token", "reencrypt-secrets", "check-config"]
    {
        assert!(help.contains(sub), "--help does not list `{sub}`");
    }
}

#[tokio::test]
async fn migrate_brings_a_new_database_to_the_current_schema() {
    let db = TestDatabase::sqlite().await;
    let out = rook_notify(&db, &["migrate"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.unwrap();
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
    // A second run has nothing to do and still succeeds.
    assert!(rook_notify(&db, &["migrate"], "").status.success());
}

#[tokio::test]
async fn create_account_reads_the_password_from_stdin_and_the_account_can_sign_in() {
    let db = TestDatabase::sqlite().await;
    let out =
        rook_notify(&db, &["create-account", "--email", "Ops@Rook.Example", "--role", "staff"], "a-long-password-1\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("ops@rook.example"));

    let store = Store::connect(&db.url, crate::support::test_cipher()).await.unwrap();
    let services = Services::new(store, ServiceConfig::default());
    let attempt = SignIn { email: "ops@rook.example", password: "a-long-password-1", address: None, device: None };
    services.sign_in(attempt).await.expect("the account signs in");
}

#[tokio::test]
async fn create_account_refuses_bad_input_with_a_message() {
    let db = TestDatabase::sqlite().await;
    let no_password = rook_notify(&db, &["create-account", "--email", "a@rook.example", "--role", "staff"], "");
    assert!(!no_password.status.success());
    assert!(stderr(&no_password).contains("no password"), "{}", stderr(&no_password));

    let short = rook_notify(&db, &["create-account", "--email", "a@rook.example", "--role", "staff"], "short\n");
    assert!(!short.status.success());
    assert!(stderr(&short).contains("at least 12 characters"), "{}", stderr(&short));

    let unknown_client = rook_notify(
        &db,
        &[
            "create-account",
            "--email",
            "c@x.example",
            "--role",
            "client",
            "--client",
            "0190b7e2-4c1a-7b3e-9f00-000000000999",
        ],
        "a-long-password-1\n",
    );
    assert!(!unknown_client.status.success());
    assert!(stderr(&unknown_client).contains("client not found"), "{}", stderr(&unknown_client));
}

#[tokio::test]
async fn seed_demo_twice_creates_the_demo_once() {
    let db = TestDatabase::sqlite().await;
    for _ in 0..2 {
        let out = rook_notify(&db, &["seed-demo"], "");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("staff@rook.example"), "the logins are printed");
    }
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.unwrap();
    assert_eq!(store.list_clients(None, 100).await.unwrap().len(), 2);
    for email in ["staff@rook.example", "dev@vitalis.example", "dev@pulse.example"] {
        assert!(store.account_by_email(email).await.unwrap().is_some(), "{email} exists");
    }
}

#[tokio::test]
async fn check_config_masks_secrets_and_fails_on_errors() {
    let db = TestDatabase::sqlite().await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_rook-notify"));
    let ok = command
        .arg("check-config")
        .env("DATABASE_URL", &db.url)
        .env("ROOK_NOTIFY_API_TOKEN", "very-secret-token-value")
        .env("ROOK_NOTIFY_SECRET_KEY", crate::support::TEST_SECRET_KEY)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}{}", stderr(&ok));
    assert!(stdout.contains("ROOK_NOTIFY_API_TOKEN"), "{stdout}");
    assert!(stdout.contains("(set, hidden)"));
    assert!(!stdout.contains("very-secret-token-value"), "secrets are masked");
    assert!(!stdout.contains(crate::support::TEST_SECRET_KEY), "keys are masked");
    assert!(stdout.contains("configuration OK"));

    let bad = Command::new(env!("CARGO_BIN_EXE_rook-notify"))
        .arg("check-config")
        .env("DATABASE_URL", &db.url)
        .env("ROOK_NOTIFY_SECRET_KEY", "not-a-key")
        .env("ROOK_NOTIFY_STAFF_ALERT_URL", "https://alerts.example.com/rook")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(err.contains("ROOK_NOTIFY_SECRET_KEY"), "{err}");
    assert!(err.contains("ROOK_NOTIFY_STAFF_ALERT_SECRET"), "{err}");
}

#[test]
fn help_and_check_config_never_show_credentials_in_urls() {
    let db_password = "db-pass-5f3a";
    let alert_user = "alert-user-9c1e";
    let alert_password = "alert-pass-77d2";
    let database_url = format!("postgres://rook:{db_password}@127.0.0.1:1/rook");
    let alert_url = format!("https://{alert_user}:{alert_password}@alerts.example.com/rook");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rook-notify"))
            .args(args)
            .env("DATABASE_URL", &database_url)
            .env("ROOK_NOTIFY_STAFF_ALERT_URL", &alert_url)
            .env("ROOK_NOTIFY_STAFF_ALERT_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .env("ROOK_NOTIFY_SECRET_KEY", crate::support::TEST_SECRET_KEY)
            .output()
            .unwrap()
    };
    for args in [&["--help"][..], &["check-config"][..]] {
        let out = run(args);
        let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        for secret in [db_password, alert_password] {
            assert!(!printed.contains(secret), "{args:?} printed a password:\n{printed}");
        }
        assert!(!printed.contains(alert_user), "{args:?} printed the alert URL's user:\n{printed}");
    }
    // check-config still shows where the URLs point, with the credentials masked.
    let out = run(&["check-config"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("postgres://rook:****@127.0.0.1:1/rook"), "{stdout}");
    assert!(stdout.contains("https://****:****@alerts.example.com/rook"), "{stdout}");
    assert!(!out.status.success(), "nothing answers on port 1: {stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sign_in_does_not_log_what_was_typed() {
    let db = TestDatabase::sqlite().await;
    let out =
        rook_notify(&db, &["create-account", "--email", "ops@rook.example", "--role", "staff"], "a-long-password-1\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let server = ServeProcess::start_logging_to(&db.url, &[("ROOK_NOTIFY_LOG", "info")], &log).await;
    let browser = crate::support::app::browser_client();
    // A password typed into the email field, and a wrong password for a real account.
    let typed = [("typed-Secret-Passw0rd", "anything-else"), ("ops@rook.example", "wrong-Passw0rd-typed")];
    for (email, password) in typed {
        let res = browser
            .post(format!("{}/fn/login", server.base_url))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    // Both refusals are logged (the log is written before the answer), without what was typed.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(logged.matches("sign-in refused").count(), 2, "{logged}");
    for (email, password) in typed {
        assert!(!logged.to_lowercase().contains(&email.to_lowercase()), "the typed email was logged:\n{logged}");
        assert!(!logged.contains(password), "the typed password was logged:\n{logged}");
    }
    drop(server);
}

/// Started with the relative defaults from a directory that has no data yet, a command says loudly
/// that it is creating a new database and key there (the usual sign of a start from the wrong
/// directory); from the same directory again, or with absolute paths, it says nothing of the kind.
#[test]
fn creating_data_through_a_relative_default_path_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = |cwd: &std::path::Path, envs: &[(&str, String)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rook-notify"));
        command
            .arg("migrate")
            .current_dir(cwd)
            .env_remove("DATABASE_URL")
            .env_remove("ROOK_NOTIFY_SECRET_KEY")
            .env_remove("ROOK_NOTIFY_SECRET_KEY_FILE")
            .env("ROOK_NOTIFY_LOG", "warn");
        for (key, value) in envs {
            command.env(key, value);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };

    let first = migrate(dir.path(), &[]);
    let db = dir.path().join("data/rook-notify.db");
    assert!(db.is_file(), "the default database is created under the working directory");
    assert!(first.contains(&format!("NEW database at {}", db.display())), "{first}");
    assert!(first.contains("NEW secret key file at"), "{first}");

    let again = migrate(dir.path(), &[]);
    assert!(!again.contains("NEW "), "an existing installation is not warned about: {again}");

    let elsewhere = tempfile::tempdir().unwrap();
    let absolute = migrate(
        elsewhere.path(),
        &[
            ("DATABASE_URL", format!("sqlite://{}", elsewhere.path().join("other.db").display())),
            ("ROOK_NOTIFY_SECRET_KEY_FILE", elsewhere.path().join("other.key").display().to_string()),
        ],
    );
    assert!(!absolute.contains("NEW "), "absolute paths are taken as meant: {absolute}");
}
