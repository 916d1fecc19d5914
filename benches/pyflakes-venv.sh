#!/usr/bin/env bash
# A venv with a pinned pyflakes for benches/codemod_corpus.sh's undefined-name
# check; prints its interpreter, so `PYFLAKES_PYTHON=$(benches/pyflakes-venv.sh)`.
set -euo pipefail
venv="${LMMS_PYFLAKES_VENV:-/tmp/lmms-pyflakes-venv}"
version="${PYFLAKES_VERSION:-4.1.0}"
if ! "$venv/bin/python" -c "import pyflakes, sys; sys.exit(pyflakes.__version__ != '$version')" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyflakes==$version" >&2
fi
echo "$venv/bin/python"
