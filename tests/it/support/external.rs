//! Programs from outside Rust that some tests run: Node.js with the end-to-end tests' npm packages, and
//! the receiver guide's Python environment (`target/pyenv`), both installed by `scripts/setup.sh`.
//!
//! When one is missing the test is skipped with a loud message; with `CI=true` it fails instead: CI
//! must run them.

use std::path::{Path, PathBuf};
use std::process::Output;

/// A path inside the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `node`, when it is installed and `end2end/node_modules` has `package`.
pub async fn node_with(package: &str) -> Option<PathBuf> {
    let node = PathBuf::from("node");
    if !answers(&node, &["--version"]).await {
        return missing("Node.js (`node`)");
    }
    if !repo_path("end2end/node_modules").join(package).is_dir() {
        return missing(&format!("the npm package {package} in end2end/node_modules"));
    }
    Some(node)
}

/// A copy of the Node.js script at `relative` in `dir`, beside a `node_modules` that is the end-to-end
/// tests' (as in a receiver's project, where the script imports the packages installed next to it).
pub fn node_script_in(dir: &Path, relative: &str) -> PathBuf {
    let script = dir.join(Path::new(relative).file_name().expect("a file name"));
    std::fs::copy(repo_path(relative), &script).expect("the script copied");
    let modules = dir.join("node_modules");
    if !modules.exists() {
        std::os::unix::fs::symlink(repo_path("end2end/node_modules"), modules).expect("node_modules linked");
    }
    script
}

/// The Python of `target/pyenv`, when it exists and can import `module`.
pub async fn pyenv_python(module: &str) -> Option<PathBuf> {
    let python = repo_path("target/pyenv/bin/python");
    if !answers(&python, &["-c", &format!("import {module}")]).await {
        return missing(&format!("target/pyenv/bin/python with the PyPI package {module}"));
    }
    Some(python)
}

/// Runs `program` with `args` and extra environment variables, and returns what it did.
pub async fn run(program: &Path, args: &[&Path], env: &[(&str, &str)]) -> Output {
    tokio::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

/// Whether `program args` runs and succeeds.
async fn answers(program: &Path, args: &[&str]) -> bool {
    let status = tokio::process::Command::new(program).args(args).output().await;
    status.is_ok_and(|output| output.status.success())
}

fn missing<T>(what: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true but {what} is missing: scripts/setup.sh installs it, and CI must run this test");
    }
    eprintln!("\n!!!! SKIPPED: {what} is missing; run scripts/setup.sh to run this test !!!!\n");
    None
}
