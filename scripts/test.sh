#!/usr/bin/env bash
# Command 2: install what the tests need and run the whole suite, on SQLite and PostgreSQL.
#   Debian's chromium (browser tests), a running PostgreSQL, the locked dev dependencies,
#   then ruff (lint and format) and pytest once per database engine.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "== starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

source scripts/_venv.sh
ensure_venv requirements/dev.lock

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

export PYTHONPATH=$PWD
echo "== tests on SQLite"
TEST_DB=sqlite .venv/bin/python -m pytest "$@"
echo "== tests on PostgreSQL"
TEST_DB=postgresql .venv/bin/python -m pytest "$@"
