//! The `rook-notify` binary: parse the command line, set up logging, run the subcommand.

use std::process::ExitCode;

use clap::Parser;
use rook_notify::config::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    rook_notify::telemetry::init(&cli.settings);
    match rook_notify::commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rook-notify: {err}");
            ExitCode::FAILURE
        }
    }
}
