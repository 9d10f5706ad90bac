#!/usr/bin/env bash
# Prepare a fresh clone: virtual environment, pinned packages, boundaries, database, demo data.
# Idempotent: a second run only checks what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "[setup] membuat .venv dengan $PYTHON"
  "$PYTHON" -m venv .venv
fi
# The app installs requirements.txt; test.sh asks for requirements-dev.txt (tests, linters) instead.
# Both are locks with hashes made by scripts/lock.sh from pyproject.toml.
reqs=${SIGAP_REQUIREMENTS:-requirements.txt}
stamp=.venv/.requirements.sha256
want=$(sha256sum "$reqs" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] memasang paket ($reqs)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --require-hashes -r "$reqs"
  echo "$want" > "$stamp"
fi
# Boundaries: from ../shared/boundaries if present, else the pinned upstream URLs (checksummed).
.venv/bin/python -m sigap boundaries install ${SIGAP_BOUNDARY_SOURCE:+--source "$SIGAP_BOUNDARY_SOURCE"}
# First administrator: created once, with a one-time password printed here (change it at first sign-in).
.venv/bin/python -m sigap users create-admin admin --if-none
if [ "${SIGAP_NO_DEMO:-0}" != "1" ]; then
  .venv/bin/python -m sigap demo load --if-empty
fi
