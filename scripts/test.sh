#!/usr/bin/env bash
# Runs every check and test of rook-notify, installing what is missing first:
#   formatting, clippy (server, wasm, the build tool), all Rust tests (the store suite on SQLite and on
#   Postgres), and the Playwright suite in Chromium against the real server on a fresh database.
# Postgres: ROOK_NOTIFY_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres). When no
# server answers, the Postgres tests are skipped with a loud message — except with CI=true, where that
# fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
tool=(--manifest-path tools/build-site/Cargo.toml)

scripts/setup.sh --tests --browser

say "formatting"
cargo fmt --all -- --check
cargo fmt "${tool[@]}" -- --check

say "clippy (server, tests, dashboard on the server)"
cargo clippy --workspace --all-targets -- -D warnings
say "clippy (dashboard in the browser: wasm)"
cargo clippy -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings
say "clippy and tests (tools/build-site)"
cargo clippy "${tool[@]}" --all-targets -- -D warnings
cargo test "${tool[@]}" --quiet

say "building the front end (cargo site, as scripts/run.sh does)"
cargo site

export ROOK_NOTIFY_TEST_POSTGRES_URL="${ROOK_NOTIFY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
scripts/ensure-postgres.sh || true

# `cargo test` also builds the server binary the browser tests run (target/debug/rook-notify).
say "Rust tests"
cargo test --workspace

say "browser tests (Playwright, Chromium)"
(cd end2end && npx playwright test)

say "all checks passed in $(( $(date +%s) - started ))s"
