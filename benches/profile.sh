#!/usr/bin/env bash
# Benchmarks for `lmms profile` (issue 2). Run from the repo root after
# `cargo build --release -p lmms` and `bash scripts/heavy-venv.sh`.
# Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lmms="${LMMS:-$root/target/release/lmms}"
py="$root/.venv-heavy/bin/python"
app="$root/examples/heavy_app"

echo "## lmms profile --runs 10 vs 10 bare python -X importtime runs (heavy_app)"
hyperfine -N --warmup 1 --runs "${RUNS:-5}" \
  -n "lmms profile --runs 10" "$lmms -C $app profile --runs 10 --format json" \
  -n "10 x python -X importtime" "bash -c 'cd $app && for i in 1 2 3 4 5 6 7 8 9 10; do $py -X importtime -c \"import lambda_function\" 2>/dev/null; done'"

echo "## agreement with CPython's own -X importtime"
python3 "$root/benches/profile_agreement.py" "$lmms" "$app" "$py" "${AGREE_RUNS:-15}"

echo "## start-up of the tool itself"
hyperfine -N --warmup 5 --runs 200 "$lmms --version" "$py -I -S -c pass"
