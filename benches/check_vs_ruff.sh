#!/usr/bin/env bash
# Benchmark: `lmms check --statistics` vs `ruff check --select TID253` over the
# same site-packages tree (boto3, botocore, pandas, numpy, requests, pydantic),
# with the same heavy modules declared/banned, no caches, same machine, same run.
#
#   benches/check_vs_ruff.sh            # uses /work/main/.venv-heavy (scripts/heavy-venv.sh)
#   LMMS_HEAVY_VENV=/path/to/venv benches/check_vs_ruff.sh
#
# Prints file and line counts, both medians and the ratio lmms/ruff.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${LMMS_HEAVY_VENV:-$here/.venv-heavy}"
runs="${RUNS:-10}"
heavy=(boto3 botocore pandas numpy requests pydantic)

if [ ! -x "$venv/bin/python" ]; then
  if [ -x "$here/scripts/heavy-venv.sh" ]; then
    "$here/scripts/heavy-venv.sh" >/dev/null
  else
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check boto3 pandas numpy requests pydantic
  fi
fi
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# ruff lives in its own venv so the measured tree is exactly the heavy venv's.
ruff_venv="${LMMS_RUFF_VENV:-/tmp/lmms-ruff-venv}"
if [ ! -x "$ruff_venv/bin/ruff" ]; then
  python3 -m venv "$ruff_venv"
  "$ruff_venv/bin/pip" install --quiet --disable-pip-version-check ruff
fi
ruff="$ruff_venv/bin/ruff"

(cd "$here" && cargo build --release -p lmms --quiet)
lmms="$here/target/release/lmms"

work="$(mktemp -d /tmp/lmms-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The heavy table holds times measured here, one fresh interpreter per module
# (never invented): `lmms check` without a profile judges by this table.
{
  echo "src = [\"$site\"]"
  echo "[heavy]"
  for m in "${heavy[@]}"; do
    ms="$("$venv/bin/python" -c "import time; t = time.perf_counter(); import $m; print(round((time.perf_counter() - t) * 1000, 1))")"
    echo "$m = $ms"
  done
} > "$work/lmms.toml"

banned="$(printf '"%s", ' "${heavy[@]}")"
cat > "$work/ruff.toml" <<TOML
# Check everything under the path given, like lmms does (ruff's defaults
# would skip nothing here, but be explicit).
exclude = []
[lint.flake8-tidy-imports]
banned-module-level-imports = [${banned%, }]
TOML

files="$(find "$site" -type f \( -name '*.py' -o -name '*.pyi' \) -not -path '*/__pycache__/*' | wc -l)"
lines="$(find "$site" -type f \( -name '*.py' -o -name '*.pyi' \) -not -path '*/__pycache__/*' -print0 | xargs -0 cat | wc -l)"
ruff_files="$("$ruff" check --config "$work/ruff.toml" --no-cache --show-files "$site" 2>/dev/null | wc -l)"
echo "tree: $site"
echo "files: $files (.py/.pyi), ruff sees $ruff_files; lines: $lines; cores: $(nproc)"
echo "heavy table:"; sed -n '/\[heavy\]/,$p' "$work/lmms.toml" | tail -n +2 | sed 's/^/  /'

lmms_cmd="$lmms --config $work/lmms.toml check --statistics --exit-zero $site"
ruff_cmd="$ruff check --config $work/ruff.toml --no-cache --select TID253 --statistics --exit-zero $site"

echo "--- lmms check --statistics"; $lmms_cmd | tail -n 8
echo "--- ruff check --select TID253 --statistics"; $ruff_cmd 2>/dev/null | tail -n 4

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs "$runs" --style basic --export-json "$work/h.json" \
    -n lmms "$lmms_cmd" -n ruff "$ruff_cmd" >/dev/null
  python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
lm, rf = r["lmms"]["median"], r["ruff"]["median"]
print(f"lmms median {lm*1000:.0f} ms (min {r['lmms']['min']*1000:.0f}, max {r['lmms']['max']*1000:.0f})")
print(f"ruff median {rf*1000:.0f} ms (min {r['ruff']['min']*1000:.0f}, max {r['ruff']['max']*1000:.0f})")
print(f"ratio lmms/ruff = {lm/rf:.2f}")
PY
else
  med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  t() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
  lm="$(for _ in $(seq "$runs"); do t $lmms_cmd; done | med)"
  rf="$(for _ in $(seq "$runs"); do t $ruff_cmd; done | med)"
  echo "lmms median ${lm} ms; ruff median ${rf} ms; ratio lmms/ruff = $(awk "BEGIN {printf \"%.2f\", $lm/$rf}")"
fi
