"""Predicted INIT vs INIT measured after `lmms fix`, on every corpus project (issue 11).

For each project under corpus/ (installed and cached by run.py, whose helpers this imports), on one fresh copy that
is a git repository with today's tree committed:

  profile -> usage (events, when the project has them) -> plan --simulate --unsafe-fixes -> plan
  -> fix --unsafe-fixes -> bench --against HEAD (today's tree and the fixed one, interleaved) -> profile (fixed tree)

and records three predictions of INIT after the fix, each from its own series: the plan's fast estimate
(`prediction` of `lmms plan`, series `profile`), `--simulate`'s (series `simulate`: the fix applied in a shadow copy
and measured) and the bench's measured INIT after. Because every series measures today's tree too and the machine's
speed drifts between them, the error of a prediction is the error of its ratio: (predicted / its today) /
(measured after / measured today) - 1, i.e. the prediction rescaled to the bench's today. Writes
corpus/predict.json ("lmms.predict/1"), corpus/predict.md, and the table into BENCHMARKS.md between markers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as corpus  # noqa: E402  (benches/corpus/run.py: install, cache, copies, env)

SCHEMA = "lmms.predict/1"
TOLERANCE_PCT = 10.0
BEGIN, END = "<!-- predict.sh: begin -->", "<!-- predict.sh: end -->"


def prediction(doc) -> dict | None:
    p = (doc or {}).get("prediction")
    if not isinstance(p, dict):
        return None
    return {k: p.get(k) for k in ("series", "current_init_ms", "predicted_init_ms", "improvement_pct")}


def bench_init(doc) -> dict | None:
    for m in (doc or {}).get("metrics", []):
        if m.get("name") == "init" and m.get("baseline"):
            return {"today_ms": m["baseline"]["median"], "today_mad_ms": m["baseline"]["mad"],
                    "after_ms": m["current"]["median"], "after_mad_ms": m["current"]["mad"], "ratio": m.get("ratio")}
    return None


def error_pct(pred: dict | None, measured: dict | None) -> float | None:
    """The prediction's after/today ratio against the measured paired ratio, in %."""
    if not pred or not measured or not pred.get("current_init_ms") or not measured.get("ratio"):
        return None
    return round(100.0 * ((pred["predicted_init_ms"] / pred["current_init_ms"]) / measured["ratio"] - 1.0), 1)


def off_init(today, after, plan) -> dict | None:
    """The modules today's profile has and the fixed tree's does not, against the plan's `off_init`: how many, and
    the median self ms (today's profile) the estimate missed or wrongly took off."""
    if not today or not after or not plan or "off_init" not in plan:
        return None
    self_ms = {m["name"]: m["self_ms"]["median"] for m in today.get("modules", [])}
    gone = set(self_ms) - {m["name"] for m in after.get("modules", [])}
    predicted = set(plan["off_init"]) & set(self_ms)
    ms = lambda names: round(sum(self_ms[n] for n in names), 1)
    return {"measured": len(gone), "predicted": len(predicted), "measured_ms": ms(gone), "predicted_ms": ms(predicted),
            "missed": sorted(gone - predicted), "missed_ms": ms(gone - predicted),
            "extra": sorted(predicted - gone), "extra_ms": ms(predicted - gone)}


def git(copy: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=lmms", "-c", "user.email=lmms@localhost", "-c", "commit.gpgsign=false",
                    *args], cwd=copy, check=True, capture_output=True)


def step(res: dict, name: str, rc: int, stderr: str) -> None:
    res.setdefault("steps", {})[name] = {"exit": rc, "stderr": stderr.strip()[-600:]}


def run_project(p: corpus.Project, binary: str, work: Path, runs: int) -> dict:
    t0 = time.monotonic()
    res: dict = {"project": p.name, "kind": p.spec["kind"], "sdist": p.spec["sdist"], "entry": p.spec["entry"]}
    try:
        sdist = p.sdist()
        p.ensure_venv()
    except RuntimeError as e:
        res["error"] = str(e)
        return res
    out = work / p.name / "logs"
    out.mkdir(parents=True, exist_ok=True)
    env = p.env()
    copy = p.fresh_copy(sdist, work / p.name / "predict")
    (copy / ".gitignore").write_text(".lmms/\n__pycache__/\n")
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "today")

    def lmms(label: str, args: list[str]):
        rc, so, se = corpus.lmms(binary, copy, args, env, out, label)
        step(res, label, rc, se)
        return rc, corpus.as_json(so)

    corpus.log(p.name, "profile")
    _, doc = lmms("profile", ["profile", "--runs", str(runs), "--format", "json"])
    res["profile_init_ms"] = corpus.init_median(doc)
    today = doc
    if (copy / "events").is_dir():
        lmms("usage", ["usage", "--events", "events", "--format", "json"])
    corpus.log(p.name, "plan --simulate")
    _, doc = lmms("plan-simulate", ["plan", "--simulate", "--unsafe-fixes", "--runs", str(runs), "--format", "json"])
    res["simulate"] = prediction(doc)
    # The fast plan last: it is the plan.json fix applies, as in a user's loop.
    _, doc = lmms("plan", ["plan", "--unsafe-fixes", "--format", "json"])
    plan_doc = doc
    res["estimate"] = prediction(doc)
    res["moves_planned"] = sum(1 for i in (doc or {}).get("imports", []) if i.get("strategy") == "function-level"
                               and i.get("current") == "module-level")
    corpus.log(p.name, "fix --unsafe-fixes")
    _, doc = lmms("fix", ["fix", "--unsafe-fixes", "--format", "json"])
    summary = (doc or {}).get("summary") or {}
    res["fix"] = {k: summary.get(k) for k in ("moved", "files_changed", "files_dropped", "files_refused")}
    corpus.log(p.name, "bench --against HEAD")
    _, doc = lmms("bench", ["bench", "--against", "HEAD", "--runs", str(runs), "--format", "json"])
    res["measured"] = bench_init(doc)
    # Which modules the fixed tree no longer loads, against the estimate's `off_init`: a set, so it does not move
    # with the machine's load as the timings do.
    _, after = lmms("profile-after", ["profile", "--runs", "3", "--format", "json"])
    res["off_init"] = off_init(today, after, plan_doc)
    res["estimate_error_pct"] = error_pct(res["estimate"], res["measured"])
    res["simulate_error_pct"] = error_pct(res["simulate"], res["measured"])
    res["seconds"] = round(time.monotonic() - t0, 1)
    corpus.log(p.name, f"done in {res['seconds']} s: estimate {res['estimate_error_pct']}%, "
               f"simulate {res['simulate_error_pct']}%")
    return res


def ms(v) -> str:
    return "—" if v is None else f"{v:.1f}"


def pct(v) -> str:
    if v is None:
        return "—"
    text = f"{v:+.1f}%"
    return text if abs(v) <= TOLERANCE_PCT else f"**{text}**"


def pred(p) -> str:
    return "—" if not p else f"{ms(p['predicted_init_ms'])} (of {ms(p['current_init_ms'])})"


def sets(o) -> str:
    if not o:
        return "—"
    text = f"{o['predicted']} / {o['measured']}"
    if o["missed"] or o["extra"]:
        text += f" (**missed {o['missed_ms']:.1f} ms, extra {o['extra_ms']:.1f} ms**)"
    return text


def markdown(doc: dict) -> str:
    lines = [
        "| project | moves (planned / made) | today (bench) | after `fix` (bench) | estimate: after (of today) | "
        "error | `--simulate`: after (of today) | error | off INIT: estimate / fixed tree (modules) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["projects"]:
        if r.get("error"):
            lines.append(f"| {r['project']} | not run: {r['error'][:80]} |||||||")
            continue
        m = r.get("measured") or {}
        moved = (r.get("fix") or {}).get("moved")
        lines.append(
            f"| {r['project']} ({r['sdist'].split('==')[1]}) | {r.get('moves_planned', '—')} / "
            f"{'—' if moved is None else moved} | {ms(m.get('today_ms'))} ± {ms(m.get('today_mad_ms'))} | "
            f"{ms(m.get('after_ms'))} ± {ms(m.get('after_mad_ms'))} | {pred(r.get('estimate'))} | "
            f"{pct(r.get('estimate_error_pct'))} | {pred(r.get('simulate'))} | {pct(r.get('simulate_error_pct'))} | "
            f"{sets(r.get('off_init'))} |")
    lines += [
        "",
        f"ms, medians; `lmms profile`/`plan --simulate`/`bench` with `--runs {doc['runs']}` ({doc['measured_at']}, "
        f"load average {doc['load_average']}). Estimate: `lmms plan`'s `prediction` (series `profile`); "
        "`--simulate`: `lmms plan --simulate --unsafe-fixes`'s (series `simulate`); after `fix`: "
        "`lmms bench --against HEAD` after `lmms fix --unsafe-fixes`, interleaved with today's tree. Each prediction "
        "comes with its own series' today, so the error compares ratios: (after / today predicted) / (paired ratio "
        f"measured) − 1; bold beyond ±{TOLERANCE_PCT:.0f}%. Off INIT: the modules the estimate takes off (`off_init`) "
        "and those today's profile has and `lmms profile` of the fixed tree does not.",
    ]
    return "\n".join(lines) + "\n"


def into_benchmarks(path: Path, table: str, command: str) -> None:
    """Replace the block between the markers (append a section the first time)."""
    text = path.read_text()
    block = f"{BEGIN}\n`{command}`\n\n{table}{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Predicted vs measured INIT after `lmms fix` (corpus)\n\n" + block + "\n"
    path.write_text(text)


def main() -> int:
    ap = argparse.ArgumentParser(prog="benches/predict.sh", description=__doc__.splitlines()[0])
    ap.add_argument("--lmms", help="the lmms binary (default: target/release/lmms)")
    ap.add_argument("--only", help="comma-separated project names")
    ap.add_argument("--runs", type=int, default=10, help="runs per series (default 10)")
    ap.add_argument("--work", help="where the copies and logs go (default: a temporary dir, kept)")
    ap.add_argument("--out", default=str(corpus.CORPUS), help="where predict.json and predict.md go (default corpus/)")
    ap.add_argument("--no-benchmarks", action="store_true", help="do not update BENCHMARKS.md")
    args = ap.parse_args()

    started = corpus.start_session(args, "predict")
    if started is None:
        return 2
    binary, names, cache, work, base_python, version = started
    print(f"predict: {', '.join(names)}; {version}; python {base_python}; cache {cache}; work {work}", flush=True)
    t0 = time.monotonic()
    # One project at a time: every figure here is a timing.
    results = [run_project(corpus.Project(n, cache, base_python), binary, work, args.runs) for n in names]
    doc = {"schema": SCHEMA, "lmms": version, "runs": args.runs, "tolerance_pct": TOLERANCE_PCT,
           "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
           "seconds": round(time.monotonic() - t0, 1), "projects": results}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1) + "\n"
    for path, name in ((work, "$WORK"), (cache, "$LMMS_CORPUS_CACHE"), (corpus.ROOT, "."), (Path.home(), "~")):
        text = text.replace(str(path), name)
    (out / "predict.json").write_text(text)
    table = markdown(doc)
    (out / "predict.md").write_text(table)
    if not args.no_benchmarks:
        command = "benches/predict.sh" + (f" --only {args.only}" if args.only else "") + f" --runs {args.runs}"
        into_benchmarks(corpus.ROOT / "BENCHMARKS.md", table, command)
    print()
    print(table)
    off = [r["project"] for r in results for k in ("estimate_error_pct", "simulate_error_pct")
           if r.get(k) is None or abs(r[k]) > TOLERANCE_PCT]
    print(f"predict: {len(results)} project(s), {len(set(off))} with a prediction off by more than "
          f"{TOLERANCE_PCT:.0f}% or missing ({doc['seconds']:.0f} s; logs in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
