//! Compiles the dashboard crate to wasm, as cargo-leptos does: the library only, for
//! wasm32-unknown-unknown, with the metadata's front-end features.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::project::{Project, cargo};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Builds the wasm and returns its path.
pub fn build(project: &Project, release: bool) -> Result<PathBuf> {
    // The server's target directory (cargo-leptos uses `<target>/front`): the proc macros and build
    // scripts both builds run on the host are then compiled once, about a third of the front end's
    // first build. Nothing is evicted: cargo keeps each feature set's artifacts under its own hash.
    let target_dir = &project.target_dir;
    let mut command = Command::new(cargo());
    command
        .current_dir(&project.workspace_root)
        .args(["build", "--lib", "--target", WASM_TARGET, "-p", &project.lib_package])
        .arg("--target-dir")
        .arg(target_dir);
    if !project.lib_default_features {
        command.arg("--no-default-features");
    }
    if !project.lib_features.is_empty() {
        command.args(["--features", &project.lib_features.join(",")]);
    }
    let profile = if release { &project.lib_profile_release } else { &project.lib_profile_dev };
    command.args(["--profile", profile]);
    // Cargo writes the `dev` profile's output under `debug/`, every other profile's under its name.
    let profile_dir = if profile == "dev" { "debug" } else { profile.as_str() };
    // `cargo run` exports the tool's own package variables; the wasm build must not see them.
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("CARGO_PKG_") || k == "CARGO_MANIFEST_DIR") {
            command.env_remove(key);
        }
    }
    eprintln!("build-site: compiling {} for {WASM_TARGET}", project.lib_package);
    let status = command.status().context("running cargo")?;
    if !status.success() {
        if status.code() == Some(101) && !wasm_target_installed() {
            bail!("the {WASM_TARGET} target is missing: `rustup target add {WASM_TARGET}` (scripts/setup.sh does)");
        }
        bail!("compiling the front end failed");
    }
    let wasm =
        target_dir.join(WASM_TARGET).join(profile_dir).join(format!("{}.wasm", project.lib_package.replace('-', "_")));
    if !wasm.is_file() {
        bail!("cargo built the front end but {} is not there", wasm.display());
    }
    Ok(wasm)
}

fn wasm_target_installed() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == WASM_TARGET))
        .unwrap_or(true)
}
