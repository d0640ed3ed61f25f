# Shared by demo.sh and test.sh: a Python 3.11 virtual environment with a lock file installed.
ensure_venv() {
  local lock=$1 python=${PYTHON:-}
  if [ -z "$python" ]; then
    for candidate in python3.11 python3; do
      if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        python=$candidate
        break
      fi
    done
  fi
  if [ -z "$python" ]; then
    echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  # The lock file pins every package, transitive ones included.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock"
}
