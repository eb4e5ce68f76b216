#!/usr/bin/env bash
# Makes sure the Postgres server the tests use answers, starting the machine's local cluster when it is
# installed but stopped. Exits non-zero (with a message) when no server can be reached; the tests then
# skip their Postgres half loudly, or fail under CI=true.
set -uo pipefail
url="${ROOK_NOTIFY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

answers() { command -v pg_isready >/dev/null && pg_isready -q -d "$url" -t 3; }

answers && exit 0
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "Postgres does not answer at $url; starting the local cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster "$version" main start || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do answers && exit 0; sleep 1; done
fi
echo "!! Postgres does not answer at $url: the Postgres tests will be skipped (or fail under CI=true)." >&2
exit 1
