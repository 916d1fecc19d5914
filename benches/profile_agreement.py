"""Do `lmms profile`'s per-module times agree with CPython's own -X importtime?

Usage: python3 benches/profile_agreement.py LMMS APP_DIR PYTHON [RUNS]

Interleaves RUNS single-run `lmms profile --runs 1 --format json` with RUNS
bare `PYTHON -X importtime -c "import <entry module>"` in APP_DIR (so load
drift hits both alike), and prints both medians of cumulative time for the
costliest modules. "Within noise" means |diff| <= max(3 MAD, 2 ms).
"""
import json
import os
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
    lmms, app, python = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    samples, ours_samples, doc = {}, {}, None
    for _ in range(runs):
        out = subprocess.run(
            [lmms, "-C", app, "profile", "--runs", "1", "--format", "json", "--python", python],
            capture_output=True, text=True, check=True,
        ).stdout
        doc = json.loads(out)
        for m in doc["modules"]:
            ours_samples.setdefault(m["name"], []).append(m["cumulative_ms"]["median"])
        entry = doc["entry"].split(":")[0]
        err = subprocess.run(
            [python, "-X", "importtime", "-c", f"import {entry}"], cwd=app, capture_output=True, text=True
        ).stderr
        for name, ms in parse(err).items():
            samples.setdefault(name, []).append(ms)
    for m in doc["modules"]:
        xs = ours_samples[m["name"]]
        m["cumulative_ms"] = {"median": statistics.median(xs), "mad": mad(xs)}
    doc["modules"].sort(key=lambda m: -m["cumulative_ms"]["median"])
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
