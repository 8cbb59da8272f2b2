#!/usr/bin/env bash
# Installs chitra and starts it on SQLite with the Lai Châu demo: web + task worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh run
. .venv/bin/activate
export CHITRA_INSECURE_HTTP=1   # plain http on localhost; production runs behind TLS
export CHITRA_POPULATION_SIMULATOR=1  # the demo verifies against the simulator (issue 16)
PORT=${PORT:-8000}

chitra migrate --no-input -v0
chitra collectstatic --no-input -v0
if [ ! -f var/.demo-seeded ]; then
  chitra seed_demo --province 12 --beneficiaries "${DEMO_BENEFICIARIES:-2000}" --seed 1 \
    | tee var/demo-logins.txt
  chitra payment_settings --province 12 --debtor-name "BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU" \
    --debtor-account 8800201001234 --debtor-bic VBAAVNVX --as officer
  [ -f var/keys/bhxh-demo.p12 ] || chitra make_demo_keystore
  chitra seed_demo_payments --province 12 --months 2   # two paid, closed months to report on
  touch var/.demo-seeded
else
  cat var/demo-logins.txt
fi

chitra db_worker --interval 1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo
echo "chitra chạy tại / is running at: http://127.0.0.1:$PORT/   (Ctrl+C để dừng / to stop)"
# Access log without query strings or Referer (%(U)s is the path alone): a URL may carry a
# search or an identifier, and the log must not keep citizen IDs.
gunicorn chitra.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --access-logfile - \
  --access-logformat '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
