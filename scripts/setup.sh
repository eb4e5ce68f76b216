#!/usr/bin/env bash
# Installs what building rook-notify needs, skipping whatever is already there.
#   scripts/setup.sh            the wasm32 target: all that building and running needs (no npm, no Python)
#   scripts/setup.sh --tests    also the end-to-end tests' npm packages (with the npm standardwebhooks that
#                               the receiver guide's Node.js programs use) and the receiver guide's Python
#                               venv (target/pyenv)
#   scripts/setup.sh --browser  also Chromium from Debian (for the browser tests)
# Only package registries are used (crates.io, npm, PyPI, Debian): nothing is downloaded from GitHub or a
# CDN. cargo-leptos and wasm-bindgen-cli are not needed: `cargo site` (tools/build-site) builds the front end.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
want_browser=false
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=true ;;
    --browser) want_browser=true ;;
    *) echo "usage: scripts/setup.sh [--tests] [--browser]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if $want_tests; then
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ to run the browser tests" >&2; exit 1; }
    say "installing the end-to-end tests' npm packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
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
