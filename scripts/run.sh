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
echo
echo "Open http://${LEPTOS_SITE_ADDR} (Ctrl-C stops the server)"
exec target/debug/rook-notify serve "$@"
