#!/usr/bin/env bash
# README command 2: set up (first time) and run the whole test suite. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")"
SIGAP_NO_DEMO=1 SIGAP_REQUIREMENTS=requirements-dev.txt bash scripts/setup.sh
# Browser tests need Debian's Chromium; install it when missing and we may (root, apt).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "[test] memasang chromium untuk uji peramban"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null
fi
# Lint first (ruff's rules in pyproject.toml), then every test; the layer contracts run as a test.
.venv/bin/python -m ruff check --quiet .
exec .venv/bin/python -m pytest "$@"
