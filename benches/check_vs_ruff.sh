#!/usr/bin/env bash
# Benchmark: `lmms check --statistics` vs `ruff check --select TID253` over the
# same site-packages tree (boto3, botocore, pandas, numpy, requests, pydantic),
# with the same heavy modules declared/banned, no caches, same machine, same run.
# lmms runs twice: with the heavy table only, and with a full profile of
# examples/heavy_app (hundreds of measured modules) next to it, generated here.
#
#   benches/check_vs_ruff.sh                          # venv: .venv-heavy (scripts/heavy-venv.sh)
#   RUNS=15 LMMS=target/release/lmms benches/check_vs_ruff.sh
#   LMMS_HEAVY_VENV=/path/to/venv benches/check_vs_ruff.sh
#   LMMS_BASELINE=/path/to/older/lmms benches/check_vs_ruff.sh   # adds that build, with the profile
#   HYPERFINE=0 benches/check_vs_ruff.sh              # interleaved rounds only
#
# Prints file and line counts, the load average, per-command medians (wall and
# CPU), and each lmms/ruff ratio, measured interleaved (every round runs all
# three commands, in rotating order) and, if installed, with hyperfine.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${LMMS_HEAVY_VENV:-$here/.venv-heavy}"
runs="${RUNS:-10}"
profile_runs="${PROFILE_RUNS:-5}"
ruff_version="${RUFF_VERSION:-0.17.6}"
heavy=(boto3 botocore pandas numpy requests pydantic)

if [ ! -x "$venv/bin/python" ]; then
  LMMS_HEAVY_VENV="$venv" "$here/scripts/heavy-venv.sh" >/dev/null
fi
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# ruff, pinned, from PyPI, in a throw-away venv of its own so the measured
# tree is exactly the heavy venv's.
ruff_venv="${LMMS_RUFF_VENV:-${TMPDIR:-/tmp}/lmms-ruff-$ruff_version}"
if [ "$("$ruff_venv/bin/ruff" --version 2>/dev/null)" != "ruff $ruff_version" ]; then
  rm -rf "$ruff_venv"
  python3 -m venv "$ruff_venv"
  "$ruff_venv/bin/pip" install --quiet --disable-pip-version-check "ruff==$ruff_version"
fi
ruff="$ruff_venv/bin/ruff"
echo "ruff: $("$ruff" --version)"

if [ -z "${LMMS:-}" ]; then
  (cd "$here" && cargo build --release -p lmms --quiet)
  LMMS="$here/target/release/lmms"
fi
lmms="$(cd "$(dirname "$LMMS")" && pwd)/$(basename "$LMMS")"

work="$(mktemp -d "${TMPDIR:-/tmp}/lmms-check-vs-ruff.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The heavy table holds times measured here, one fresh interpreter per module
# (never invented): `lmms check` without a profile judges by this table.
mkdir -p "$work/table" "$work/profiled/.lmms"
{
  echo "src = [\"$site\"]"
  echo "[heavy]"
  for m in "${heavy[@]}"; do
    ms="$("$venv/bin/python" -c "import time; t = time.perf_counter(); import $m; print(round((time.perf_counter() - t) * 1000, 1))")"
    echo "$m = $ms"
  done
} > "$work/table/lmms.toml"
cp "$work/table/lmms.toml" "$work/profiled/lmms.toml"

# The full profile: `lmms profile` of a copy of examples/heavy_app with the
# heavy venv, placed where `lmms check` looks for it (`.lmms/profile.json`
# beside the config).
cp -r "$here/examples/heavy_app" "$work/app"
rm -rf "$work/app/.lmms"
(cd "$work/app" && "$lmms" profile --runs "$profile_runs" --python "$venv/bin/python" >/dev/null)
cp "$work/app/.lmms/profile.json" "$work/profiled/.lmms/profile.json"
modules="$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["modules"]))' "$work/profiled/.lmms/profile.json")"

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
echo "tree: site-packages of $venv"
echo "files: $files (.py/.pyi), ruff sees $ruff_files; lines: $lines; cores: $(nproc)"
echo "$("$ruff" --version); lmms $("$lmms" --version | cut -d' ' -f2); profile: $modules modules"
echo "heavy table:"; sed -n '/\[heavy\]/,$p' "$work/table/lmms.toml" | tail -n +2 | sed 's/^/  /'

table_cmd="$lmms --config $work/table/lmms.toml check --statistics --exit-zero $site"
profiled_cmd="$lmms --config $work/profiled/lmms.toml check --statistics --exit-zero $site"
baseline_cmd=""
if [ -n "${LMMS_BASELINE:-}" ]; then
  baseline_cmd="$LMMS_BASELINE --config $work/profiled/lmms.toml check --statistics --exit-zero $site"
fi
ruff_cmd="$ruff check --config $work/ruff.toml --no-cache --select TID253 --statistics --exit-zero $site"

echo "--- lmms check --statistics (heavy table)"; $table_cmd | tail -n 8
echo "--- lmms check --statistics (heavy table + full profile)"; $profiled_cmd | tail -n 8
echo "--- ruff check --select TID253 --statistics"; $ruff_cmd 2>/dev/null | tail -n 4

# Interleaved rounds (every command once per round, the order rotating) so
# load from other processes on a shared machine hits all alike; wall and CPU
# (user+sys of the child) medians, and medians of per-round ratios to ruff.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$runs" "$table_cmd" "$profiled_cmd" "$ruff_cmd" "$baseline_cmd" <<'PY'
import resource, shlex, statistics, subprocess, sys, time
runs = int(sys.argv[1])
cmds = {"lmms (table)": shlex.split(sys.argv[2]), "lmms (profile)": shlex.split(sys.argv[3]),
        "ruff": shlex.split(sys.argv[4])}
if sys.argv[5]:
    cmds["baseline lmms (profile)"] = shlex.split(sys.argv[5])
names = list(cmds)
wall, cpu = {k: [] for k in cmds}, {k: [] for k in cmds}
for name in names:  # warm-up: page cache, binaries
    subprocess.run(cmds[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for i in range(runs):
    for name in names[i % len(names):] + names[:i % len(names)]:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmds[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall[name].append((t1 - t0) * 1000)
        cpu[name].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
med = statistics.median
for name in names:
    w = wall[name]
    print(f"{name}: wall median {med(w):.0f} ms (min {min(w):.0f}, max {max(w):.0f}), "
          f"cpu median {med(cpu[name]):.0f} ms, {runs} runs")
for name in [n for n in names if n != "ruff"]:
    paired = [a / b for a, b in zip(wall[name], wall["ruff"])]
    print(f"ratio {name}/ruff: wall medians {med(wall[name]) / med(wall['ruff']):.2f}, "
          f"median of paired ratios {med(paired):.2f}, cpu {med(cpu[name]) / med(cpu['ruff']):.2f}")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${HYPERFINE:-1}" != 0 ] && command -v hyperfine >/dev/null; then
  echo "--- hyperfine (sequential blocks, not interleaved)"
  hyperfine -N --warmup 2 --runs "$runs" --style basic \
    -n "lmms (table)" "$table_cmd" -n "lmms (profile)" "$profiled_cmd" -n ruff "$ruff_cmd" 2>&1 |
    grep -E "Benchmark|Time|Range|ran|faster|±"
fi
