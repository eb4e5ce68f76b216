#!/usr/bin/env bash
# Installs what building and testing rook-notify needs, skipping whatever is already there:
# the wasm32 target, cargo-leptos 0.3.10, wasm-bindgen-cli at the version Cargo.lock pins, the
# end-to-end tests' npm packages, the receiver guide's Python venv (target/pyenv), and (with --browser)
# Chromium from Debian.
# Only package registries are used (crates.io, npm, PyPI, Debian): nothing is downloaded from GitHub or a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=true ;;
    *) echo "usage: scripts/setup.sh [--browser]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.11+ needs a newer rustc than 1.95; 0.3.10 builds (it takes ~35 min on 2 cores, once).
if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos 0.3.10" ]; then
  say "installing cargo-leptos 0.3.10 from crates.io (slow: it compiles OpenSSL and swc, once)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

# The CLI must match the wasm-bindgen crate exactly, or cargo-leptos tries to download one.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version from crates.io"
  # Without --locked: its lock file names a webpki-roots version that crates.io no longer has.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ to run the browser tests" >&2; exit 1; }
  say "installing the end-to-end tests' npm packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if $want_browser; then
  chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$chromium_path" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Chromium from Debian"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      cat >&2 <<MSG
Chromium is needed for the browser tests and is not at $chromium_path.
Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.
Playwright's own browser download is not used: it needs a CDN that many networks block.
MSG
      exit 1
    fi
  fi
fi

# The receiver guide's Python snippet is tested with PyPI's standardwebhooks, in a venv of its own.
pyenv_python=target/pyenv/bin/python
if ! "$pyenv_python" -c 'import importlib.metadata as m; assert m.version("standardwebhooks") == "1.1.0"' 2>/dev/null; then
  if command -v python3 >/dev/null; then
    say "creating target/pyenv with standardwebhooks 1.1.0 from PyPI (the receiver guide's Python snippet)"
    python3 -m venv target/pyenv
    "$pyenv_python" -m pip install -q --disable-pip-version-check standardwebhooks==1.1.0
  else
    echo "python3 is missing: the receiver guide's Python snippet will not be tested (CI=true fails without it)" >&2
  fi
fi
