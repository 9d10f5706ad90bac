#!/usr/bin/env bash
# Re-lock the dependencies declared in pyproject.toml, with hashes: requirements.txt (what the app
# installs) and requirements-dev.txt (plus tests, linters, benchmarks). Versions already locked stay
# unless pyproject.toml asks otherwise; to upgrade one, edit its bound in pyproject.toml first.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=3.11.7
UV=${UV:-.venv/bin/uv}
keep=$(mktemp)
grep -hoE '^[A-Za-z0-9_.-]+==[^ ;\\]+' requirements-dev.txt requirements.txt 2>/dev/null | sort -u > "$keep" || true
"$UV" pip compile pyproject.toml --python-version "$PY" --generate-hashes -c "$keep" -o requirements.txt
"$UV" pip compile pyproject.toml --extra test --python-version "$PY" --generate-hashes -c requirements.txt \
  -c "$keep" -o requirements-dev.txt
sed -i "s#$keep#<locked versions>#" requirements.txt requirements-dev.txt  # headers stay stable
rm -f "$keep"
