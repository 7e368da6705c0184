#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: lint, then every test on SQLite
# (browser tests included), then again on PostgreSQL when a server answers at
# PORTAL_TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
#   --require-postgres   fail when PostgreSQL could not be covered (CI uses this)
# Further arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."

require_pg=0
if [ "${1:-}" = "--require-postgres" ]; then require_pg=1; shift; fi

bash scripts/setup.sh --tests || exit 1
export PORTAL_TEST_DATABASE_URL="${PORTAL_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
workers="${PORTAL_TEST_WORKERS:-$(nproc)}"

echo "==> ruff check"
.venv/bin/ruff check . || exit 1

covered=()
status=0
echo "==> Tests on SQLite"
if PORTAL_TEST_DB=sqlite .venv/bin/python -m pytest -n "$workers" "$@"; then
  covered+=(SQLite)
else
  status=1
fi

pg_answers() {
  .venv/bin/python - <<'PY'
import os, sys
import psycopg
from sqlalchemy.engine import make_url
url = make_url(os.environ["PORTAL_TEST_DATABASE_URL"])
try:
    psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                    password=url.password, dbname=url.database or "postgres",
                    connect_timeout=3).close()
except Exception as error:
    print(error, file=sys.stderr)
    sys.exit(1)
PY
}

if pg_answers; then
  echo "==> Tests on PostgreSQL"
  # The browser tests exercise pages, not the database; they run once, on SQLite.
  if PORTAL_TEST_DB=postgres .venv/bin/python -m pytest -n "$workers" -m "not browser" "$@"; then
    covered+=(PostgreSQL)
  else
    status=1
  fi
else
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!! WARNING: no PostgreSQL answers at $PORTAL_TEST_DATABASE_URL"
  echo "!! The suite did NOT run on PostgreSQL."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  [ "$require_pg" = 1 ] && status=1
fi

echo
if [ ${#covered[@]} -gt 0 ]; then
  echo "Databases covered (all tests passed): ${covered[*]}"
else
  echo "Databases covered: none"
fi
[ "$status" = 0 ] && echo "RESULT: PASS" || echo "RESULT: FAIL"
exit "$status"
