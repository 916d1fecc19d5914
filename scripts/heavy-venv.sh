#!/usr/bin/env bash
# Create (or reuse) the venv with the real PyPI packages the heavy example
# app imports. Idempotent: a second run only checks the imports.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${LMMS_HEAVY_VENV:-$here/.venv-heavy}"
base_python="${PYTHON:-python3}"
# pyenv shims add ~90 ms per start; resolve the real interpreter once.
base_python="$("$base_python" -c 'import sys; print(sys.executable)')"
if [ ! -x "$venv/bin/python" ]; then
  "$base_python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import boto3, requests, pandas, websocket, jmespath, pydantic, pytest, attrs' 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$here/examples/heavy_app/requirements.txt" pytest attrs==26.1.0
fi
echo "$venv/bin/python"
