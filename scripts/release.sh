#!/usr/bin/env bash
# Builds rook-notify for deployment: an optimised server and an optimised front end (wasm-opt -Oz from
# npm's `binaryen`), laid out as one directory that runs from anywhere:
#   $target/dist/rook-notify/bin/rook-notify   the server
#   $target/dist/rook-notify/site/             the front end (the server finds it at ../site from its binary)
# Copy that directory to the host (e.g. /opt/rook-notify); see docs/deploy.md.
# Needs npm (for Binaryen only: Debian's binaryen 108 may not read rustc 1.95's wasm); not Python.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
dist="$target_dir/dist/rook-notify"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

scripts/setup.sh

wasm_opt=tools/release/node_modules/.bin/wasm-opt
if [ ! -x "$wasm_opt" ] || [ tools/release/package-lock.json -nt tools/release/node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || { echo "npm is missing: the release build needs it for Binaryen's wasm-opt" >&2; exit 1; }
  say "installing Binaryen (wasm-opt) from npm"
  (cd tools/release && npm ci --no-audit --no-fund)
fi

rm -rf "$dist"
mkdir -p "$dist/bin"
say "building the optimised front end"
cargo site --release --wasm-opt "$(realpath "$wasm_opt")" --site-root "$dist/site"
say "building the optimised server"
cargo build --release --locked -p rook-notify --bin rook-notify
cp "$target_dir/release/rook-notify" "$dist/bin/"

wasm="$dist/site/pkg/rook_notify.wasm"
say "built $dist"
printf '  server %s bytes; wasm %s bytes (%s gzipped)\n' \
  "$(stat -c %s "$dist/bin/rook-notify")" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
echo "  run: $dist/bin/rook-notify serve --database-url ... --secret-key-file ...   (docs/deploy.md)"
