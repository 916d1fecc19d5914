#!/usr/bin/env bash
# The seeds' whole LMMS loop on a throw-away copy of an app:
# profile -> usage -> plan --simulate -> fast-path generate -> fix -> fast-path check -> bench.
#
#   scripts/loop.sh examples/lambda_app                       # stdlib only
#   scripts/loop.sh examples/heavy_app --python "$PWD/.venv-heavy/bin/python"
#
# The app itself is never modified: it is copied to a temp dir and committed
# there, so `lmms bench --against HEAD` compares the rewrite with the original.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$(cd "${1:?app directory}" && pwd)"; shift
lmms="${LMMS:-$(command -v lmms || echo "$root/target/release/lmms")}"
runs="${RUNS:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$app/." "$work/"
rm -rf "$work/.lmms" "$work"/**/__pycache__ 2>/dev/null || true
cd "$work"
git init -q && git add -A && git -c user.name=lmms -c user.email=lmms@localhost commit -qm original
events="events/recorded.jsonl"
[ -f "$events" ] || events="events"

step() { printf '\n== %s\n' "$*"; }
step "lmms profile";            "$lmms" profile --runs "$runs" "$@" | sed -n '/Cold start/,/modules loaded/p'
step "lmms usage --events";     "$lmms" usage --events "$events" "$@" | head -3
step "lmms plan --simulate";    "$lmms" plan --unsafe-fixes --simulate --runs "$runs" "$@" | grep -E "^(summary|simulated|hot set)"
step "lmms fast-path generate"; "$lmms" fast-path generate | head -1
step "lmms fix --unsafe-fixes"; "$lmms" fix --unsafe-fixes | tail -2
step "lmms fix (second run)";   "$lmms" fix --unsafe-fixes | tail -1
step "lmms fast-path check";    "$lmms" fast-path check
if [ -d tests ] && "${PYTHON:-python3}" -c 'import pytest' 2>/dev/null; then
  step "the app's own tests";   "${PYTHON:-python3}" -m pytest -q tests | tail -1
fi
step "lmms bench --against HEAD --fail-under 40"
"$lmms" bench --against HEAD --runs "$runs" --events events --fail-under 40 "$@"
