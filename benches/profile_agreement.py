"""Do `lmms profile`'s per-module times agree with CPython's own -X importtime?

Usage: python3 benches/profile_agreement.py APP_DIR PYTHON [RUNS]

Reads APP_DIR/.lmms/profile.json (run `lmms profile --runs RUNS` first), runs
`PYTHON -X importtime -c "import <entry module>"` RUNS times in APP_DIR, and
prints both medians of cumulative time for the costliest modules with the
difference in units of the larger MAD. "Within noise" means |diff| <= 3 MAD
(or <= 2 ms for modules too fast to have a meaningful MAD).
"""
import json
import statistics
import subprocess
import sys


def parse(stderr):
    rows = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3:
            continue
        try:
            cum = int(parts[1])
        except ValueError:
            continue
        rows.setdefault(parts[2].strip(), cum / 1000.0)
    return rows


def mad(xs):
    m = statistics.median(xs)
    return statistics.median([abs(x - m) for x in xs])


def main():
    app, python = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    doc = json.load(open(f"{app}/.lmms/profile.json"))
    entry = doc["entry"].split(":")[0]
    samples = {}
    for _ in range(runs):
        err = subprocess.run(
            [python, "-X", "importtime", "-c", f"import {entry}"], cwd=app, capture_output=True, text=True
        ).stderr
        for name, ms in parse(err).items():
            samples.setdefault(name, []).append(ms)
    top = [m for m in doc["modules"] if m["origin"] != "builtin"][:25]
    print(f"{'module':<40} {'lmms ms':>9} {'±':>6} {'cpython ms':>11} {'±':>6} {'diff':>7}  verdict")
    within = 0
    for m in top:
        ours = m["cumulative_ms"]
        theirs = samples.get(m["name"])
        if not theirs:
            print(f"{m['name']:<40} missing from CPython's output")
            continue
        t_med, t_mad = statistics.median(theirs), mad(theirs)
        diff = ours["median"] - t_med
        noise = max(3 * max(ours["mad"], t_mad), 2.0)
        ok = abs(diff) <= noise
        within += ok
        print(
            f"{m['name']:<40} {ours['median']:9.1f} {ours['mad']:6.1f} {t_med:11.1f} {t_mad:6.1f} {diff:+7.1f}  "
            + ("within noise" if ok else "OUTSIDE noise")
        )
    print(f"\n{within}/{len(top)} of the costliest modules agree within noise (|diff| <= max(3 MAD, 2 ms))")


main()
