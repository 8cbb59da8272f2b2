#!/usr/bin/env bash
# Installs what the tests need, then runs lint, types, layer contracts and the whole suite
# on SQLite and on PostgreSQL. In CI (CI=true) a missing PostgreSQL is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh test
. .venv/bin/activate
export PATH="$PWD/.venv/bin:$PATH"

echo "==> ruff";          ruff check src tests benchmarks scripts
echo "==> mypy";          mypy
echo "==> import-linter"; lint-imports
echo "==> migrations";    DATABASE_URL="sqlite:///$PWD/var/check.sqlite3" chitra makemigrations --check --dry-run >/dev/null

echo "==> tests on SQLite"
DATABASE_URL="sqlite:///$PWD/var/test-suite.sqlite3" python -m pytest "$@"

PG_URL=${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/chitra}
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "==> starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
fi
if pg_up; then
  echo "==> tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" python -m pytest "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: PostgreSQL is not reachable at 127.0.0.1:5432 (required in CI)" >&2
  exit 1
else
  echo "NOTE: PostgreSQL is not reachable at 127.0.0.1:5432: ran the tests on SQLite only."
fi
