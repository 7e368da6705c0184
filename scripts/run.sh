#!/usr/bin/env bash
# Sets everything up and serves the portal with the Nancheng demo data on SQLite
# at http://127.0.0.1:5000 .
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export PORTAL_ENV="${PORTAL_ENV:-development}"
export PORTAL_DEMO=1
.venv/bin/portal db upgrade
.venv/bin/portal keys init  # before the demo: its issued minutes and agreements are sealed
.venv/bin/portal seed-demo
echo "==> Serving the portal at http://127.0.0.1:5000 (Ctrl+C stops it)"
exec .venv/bin/portal run --host 127.0.0.1 --port 5000
