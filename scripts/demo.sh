#!/usr/bin/env bash
# Command 1: set up everything on this machine and serve the demo on SQLite.
#   virtual environment + locked dependencies, database migrations, demo data (once),
#   then the app on http://127.0.0.1:${PORT:-5000}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements/base.lock

export FLASK_APP=wsgi
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi demo load --if-empty

port=${PORT:-5000}
cat <<TXT

  Lifelong Learning Week is running at http://127.0.0.1:${port}
  Sign in as admin@bachthong.demo with the password hoctapsuotdoi
  (other demo accounts: bantochuc@bachthong.demo, diemdanh@thcsphuthong.demo,
   baocao@bachthong.demo, admin@sobackan.demo, admin@dongda.demo; same password)
  Stop with Ctrl+C.

TXT
exec .venv/bin/flask --app wsgi run --host 127.0.0.1 --port "$port"
