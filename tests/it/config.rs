//! Parsing the command line and the environment into settings.

use clap::Parser;
use rook_notify::config::{Cli, Command, LogFormat, Settings};

#[test]
fn defaults_are_the_documented_ones() {
    let s = Settings::defaults();
    assert_eq!(s.database_url, "sqlite://data/rook-notify.db");
    assert_eq!(s.site_addr.to_string(), "127.0.0.1:3000");
    assert_eq!(s.log_format, LogFormat::Text);
    assert_eq!(s.session_idle_timeout.as_secs(), 12 * 3600);
    assert_eq!(s.login_max_failures_per_account, 5);
    assert!(!s.demo);
    assert!(!s.secure_cookies());
}

#[test]
fn flags_work_before_and_after_the_subcommand() {
    let cli = Cli::try_parse_from(["rook-notify", "--database-url", "postgres://x@h/db", "migrate", "--log", "debug"])
        .unwrap();
    assert!(matches!(cli.command, Some(Command::Migrate)));
    assert_eq!(cli.settings.database_url, "postgres://x@h/db");
    assert_eq!(cli.settings.log, "debug");
}

#[test]
fn no_subcommand_means_serve() {
    let cli = Cli::try_parse_from(["rook-notify"]).unwrap();
    assert!(cli.command.is_none());
}

#[test]
fn durations_and_addresses_are_validated() {
    let err = Cli::try_parse_from(["rook-notify", "--session-idle-timeout", "forever"]).unwrap_err();
    assert!(err.to_string().contains("not a duration"), "{err}");
    assert!(Cli::try_parse_from(["rook-notify", "--site-addr", "localhost"]).is_err());
    let cli = Cli::try_parse_from(["rook-notify", "--session-idle-timeout", "90m"]).unwrap();
    assert_eq!(cli.settings.session_idle_timeout.as_secs(), 5400);
}

#[test]
fn an_https_public_url_makes_cookies_secure() {
    let cli = Cli::try_parse_from(["rook-notify", "--public-url", "https://notify.rook.example"]).unwrap();
    assert!(cli.settings.secure_cookies());
}

#[test]
fn create_account_takes_no_password_argument() {
    let ok = Cli::try_parse_from(["rook-notify", "create-account", "--email", "a@b.co", "--role", "staff"]);
    assert!(ok.is_ok());
    let with_password = Cli::try_parse_from([
        "rook-notify",
        "create-account",
        "--email",
        "a@b.co",
        "--role",
        "staff",
        "--password",
        "x",
    ]);
    assert!(with_password.is_err(), "a password must never be accepted on the command line");
    let bad_role = Cli::try_parse_from(["rook-notify", "create-account", "--email", "a@b.co", "--role", "admin"]);
    assert!(bad_role.is_err());
}
