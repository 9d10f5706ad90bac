#!/usr/bin/env bash
# README command 2: set up (first time) and run the whole test suite. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")"
SIGAP_NO_DEMO=1 SIGAP_REQUIREMENTS=requirements-dev.txt bash scripts/setup.sh
# Browser tests need Debian's Chromium; the server-engine tests need PostGIS for the PostgreSQL on
# the image (tests start a throw-away cluster themselves). Install what is missing when we may.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 && ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  pg=$(ls /usr/lib/postgresql | sort -V | tail -1)
  missing+=("postgresql-$pg-postgis-3")
fi
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "[test] memasang ${missing[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
fi
# Lint first (ruff's rules in pyproject.toml), then every test; the layer contracts run as a test.
.venv/bin/python -m ruff check --quiet .
exec .venv/bin/python -m pytest "$@"
