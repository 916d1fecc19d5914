#!/usr/bin/env bash
# `lmms plan --simulate` against reality (issue 5): the predicted INIT of
# heavy_app's planned eager set vs the measured INIT of the same app rewritten
# by hand to that plan (examples/heavy_app_optimized), in alternating sessions.
#
#   LMMS=target/release/lmms SESSIONS=5 RUNS=15 benches/simulate_vs_optimized.sh
#
# Prints one line per session (current, predicted, measured, predicted/measured)
# and the median ratio. Needs .venv-heavy (scripts/heavy-venv.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lmms="${LMMS:-$root/target/release/lmms}"
py="$root/.venv-heavy/bin/python"
runs="${RUNS:-15}"
sessions="${SESSIONS:-5}"
[ -x "$py" ] || bash "$root/scripts/heavy-venv.sh" >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for app in heavy_app heavy_app_optimized; do
  cp -r "$root/examples/$app/." "$work/$app/"
  rm -rf "$work/$app/.lmms"
done
# The plan needs a profile and usage of the original app, measured once.
"$lmms" -C "$work/heavy_app" profile --runs "$runs" --python "$py" >/dev/null
"$lmms" -C "$work/heavy_app" usage --events events/recorded.jsonl --python "$py" >/dev/null

for s in $(seq "$sessions"); do
  "$lmms" -C "$work/heavy_app" plan --simulate --runs "$runs" --python "$py" --format json >"$work/plan-$s.json"
  "$lmms" -C "$work/heavy_app_optimized" profile --runs "$runs" --python "$py" --format json >"$work/opt-$s.json"
done

python3 - "$work" "$sessions" <<'PY'
import json, statistics, sys
work, sessions = sys.argv[1], int(sys.argv[2])
ratios = []
for s in range(1, sessions + 1):
    plan = json.load(open(f"{work}/plan-{s}.json"))
    opt = json.load(open(f"{work}/opt-{s}.json"))
    cur, pred, meas = plan["current_init_ms"]["median"], plan["predicted_init_ms"]["median"], opt["init_ms"]["median"]
    ratios.append(pred / meas)
    print(f"session {s}: current {cur:.1f} ms, predicted {pred:.1f} ms, optimized app measured {meas:.1f} ms, "
          f"predicted/measured {pred / meas:.2f}")
print(f"median predicted/measured {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f}, "
      f"{sessions} sessions)")
PY
