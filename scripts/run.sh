#!/usr/bin/env bash
# Runs rook-notify locally: installs what is missing (the wasm32 target only), builds the front end and
# the server with plain cargo, and serves the dashboard on an embedded SQLite database under ./data with
# the demo data (seeded once; later runs keep what is there).
# Needs neither cargo-leptos, wasm-bindgen-cli, npm nor Python. Settings can be changed with the
# environment variables or flags listed by `rook-notify --help`; arguments are passed to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")

scripts/setup.sh
# The server, and meanwhile `cargo site`: the front end (wasm, JS glue, CSS, public files) into
# $target_dir/site, as `cargo leptos build` would. The two overlap while the build tool compiles (it
# has a target directory of its own); the wasm build then waits for the server's build to release
# the shared target directory, whose host-side artifacts (proc macros, build scripts) it reuses.
cargo build -p rook-notify --bin rook-notify &
server_build=$!
trap 'kill "$server_build" 2>/dev/null || true' EXIT
cargo site
wait "$server_build"
trap - EXIT

# Explicit, absolute paths: the database and its secret key stay this checkout's whatever the working
# directory of later commands (a relative default would silently start a new database elsewhere).
mkdir -p "$repo/data"
export DATABASE_URL="${DATABASE_URL:-sqlite://$repo/data/rook-notify.db}"
export ROOK_NOTIFY_SECRET_KEY_FILE="${ROOK_NOTIFY_SECRET_KEY_FILE:-$repo/data/secret.key}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$target_dir/site}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export ROOK_NOTIFY_DEMO="${ROOK_NOTIFY_DEMO:-true}"
# The demo receiver is a route of this same server on 127.0.0.1: allow private destinations (never do
# this in production), and retry quickly so failures show within minutes instead of days.
export ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS="${ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS:-true}"
export ROOK_NOTIFY_RETRY_SCHEDULE="${ROOK_NOTIFY_RETRY_SCHEDULE:-10s,30s,1m}"
export ROOK_NOTIFY_API_TOKEN="${ROOK_NOTIFY_API_TOKEN:-demo-api-token}"
cat <<MSG

Open http://${LEPTOS_SITE_ADDR} (Ctrl-C stops the server).
API token for the demo: ${ROOK_NOTIFY_API_TOKEN}, e.g.
  curl -s -H 'Authorization: Bearer ${ROOK_NOTIFY_API_TOKEN}' -H 'content-type: application/json' \\
    -d '{"client_uuid":"0190b7e2-4c1a-7b3e-9f00-00000000a001","environment":"sandbox","type":"user.created","user_id":"flaky-dee"}' \\
    http://${LEPTOS_SITE_ADDR}/api/v1/platform-events
MSG
exec "$target_dir/debug/rook-notify" serve "$@"
