#!/usr/bin/env bash
# Runs rook-notify locally: installs what is missing, builds, and serves the dashboard on an embedded
# SQLite database under data/ with the demo data (seeded once; later runs keep what is there).
# Settings can be changed with the environment variables or flags listed by `rook-notify --help`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cargo leptos build

export DATABASE_URL="${DATABASE_URL:-sqlite://data/rook-notify.db}"
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
exec target/debug/rook-notify serve "$@"
