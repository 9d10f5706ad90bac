#!/usr/bin/env bash
# README command 1: set up (first time) and serve SIGAP on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/python -m streamlit run serve.py --server.port "${PORT:-8501}" "$@"
