#!/usr/bin/env bash
# The real-code corpus (corpus/): install each pinned project, run its tests, run the lmms loop and an aggressive
# `lmms fix --lazy`, re-run the tests, measure INIT; write corpus/results.json and corpus/results.md.
#
#   benches/corpus.sh [--lmms PATH] [--only NAME[,NAME]] [--jobs N] [--runs N] [--work DIR] [--gate]
#
# Sdists and venvs are cached under ${LMMS_CORPUS_CACHE:-$HOME/.cache/lmms-corpus}. Exit 0 with the table (the
# truth, failures included), 1 with --gate when a project's tests changed, a second fix was not a no-op or a plan row
# disagrees with what fix moves,
# 2 for a usage error, 3 when a project could not be installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "${PYTHON:-python3}" "$here/corpus/run.py" "$@"
