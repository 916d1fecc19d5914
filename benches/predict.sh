#!/usr/bin/env bash
# Predicted vs measured INIT after `lmms fix` on the corpus (corpus/): for each project, the plan's fast estimate,
# `lmms plan --simulate`'s prediction and the INIT `lmms bench --against HEAD` measures after `lmms fix
# --unsafe-fixes`, interleaved with today's tree; writes corpus/predict.json, corpus/predict.md and the table in
# BENCHMARKS.md.
#
#   benches/predict.sh [--lmms PATH] [--only NAME[,NAME]] [--runs N] [--work DIR] [--no-benchmarks]
#
# Installs and caches exactly as benches/corpus.sh (its helpers are imported from benches/corpus/run.py).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "${PYTHON:-python3}" "$here/corpus/predict.py" "$@"
