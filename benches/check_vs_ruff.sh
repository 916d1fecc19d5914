#!/usr/bin/env bash
# Benchmark: `lmms check --statistics` vs `ruff check --select TID253` over the
# same site-packages tree (boto3, botocore, pandas, numpy, requests, pydantic),
# with the same heavy modules declared/banned, no caches, same machine, same run.
#
#   benches/check_vs_ruff.sh            # uses this checkout's .venv-heavy (scripts/heavy-venv.sh)
#   LMMS_HEAVY_VENV=/path/to/venv benches/check_vs_ruff.sh
#   RUFF_VERSION=0.17.6 (the default) pins the ruff compared against.
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
# Pinned: BENCHMARKS.md cites this version, and ruff's speed changes between releases.
ruff_version="${RUFF_VERSION:-0.17.6}"
ruff_venv="${LMMS_RUFF_VENV:-/tmp/lmms-ruff-venv}"
if [ "$("$ruff_venv/bin/ruff" --version 2>/dev/null)" != "ruff $ruff_version" ]; then
  [ -x "$ruff_venv/bin/python" ] || python3 -m venv "$ruff_venv"
  "$ruff_venv/bin/pip" install --quiet --disable-pip-version-check "ruff==$ruff_version"
fi
ruff="$ruff_venv/bin/ruff"
echo "ruff: $("$ruff" --version)"

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

# Interleaved runs (lmms, ruff, lmms, ruff, …) so load from other processes
# on a shared machine hits both alike; wall and CPU (user+sys) medians.
python3 - "$runs" "$lmms_cmd" "$ruff_cmd" <<'PY'
import resource, shlex, statistics, subprocess, sys, time
runs, cmds = int(sys.argv[1]), {"lmms": shlex.split(sys.argv[2]), "ruff": shlex.split(sys.argv[3])}
wall, cpu = {k: [] for k in cmds}, {k: [] for k in cmds}
for name in cmds:  # warm-up: page cache, binaries
    subprocess.run(cmds[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    for name, cmd in cmds.items():
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall[name].append((t1 - t0) * 1000)
        cpu[name].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
for name in cmds:
    w = wall[name]
    print(f"{name}: wall median {statistics.median(w):.0f} ms (min {min(w):.0f}, max {max(w):.0f}), cpu median {statistics.median(cpu[name]):.0f} ms, {runs} runs")
ratios = [a / b for a, b in zip(wall["lmms"], wall["ruff"])]
print(f"ratio lmms/ruff (wall medians) = {statistics.median(wall['lmms']) / statistics.median(wall['ruff']):.2f}; "
      f"median of paired ratios = {statistics.median(ratios):.2f}; "
      f"cpu ratio = {statistics.median(cpu['lmms']) / statistics.median(cpu['ruff']):.2f}")
PY

if command -v hyperfine >/dev/null; then
  echo "--- hyperfine (sequential blocks)"
  hyperfine --warmup 2 --runs "$runs" --style basic -n lmms "$lmms_cmd" -n ruff "$ruff_cmd" 2>&1 | grep -E "Benchmark|Time|Range|faster|±"
fi
