#!/usr/bin/env bash
# A/A: `lmms bench --against HEAD` and `lmms plan --simulate` on trees identical to the one they are compared with,
# so every ratio should come out 1.00 within its interval (hyperfine's anchor: two identical commands are 1.00×).
# Projects: corpus/jinja2, corpus/click, corpus/mangum (installed and cached by benches/corpus/run.py under
# ~/.cache/lmms-corpus) and examples/heavy_app (with .venv-heavy). `--simulate` gets thresholds no import reaches
# (module-level-ms), so its plan moves nothing and the shadow copy it measures is today's tree. The project's own tree
# has a bytecode cache, as after any earlier run (its profile is taken with PYTHONDONTWRITEBYTECODE unset); the
# worktree and the shadow copies start without one.
#
#   benches/aa.sh [--lmms PATH] [--only NAME[,NAME]] [--runs N] [--bytecode inherit|unset|set]
#
# --bytecode: PYTHONDONTWRITEBYTECODE as inherited (default; this is what exposed the bias), removed, or set to 1.
# Prints one row per project and measurement: runs, both medians, the paired ratio and its 95% interval.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "${PYTHON:-python3}" - "$here" "$@" <<'EOF'
import argparse, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

here = Path(sys.argv[1])
sys.path.insert(0, str(here / "corpus"))
import run as corpus  # noqa: E402  (benches/corpus/run.py: install, cache, copies, env)

ap = argparse.ArgumentParser(prog="benches/aa.sh")
ap.add_argument("--lmms", default=str(corpus.ROOT / "target" / "release" / "lmms"))
ap.add_argument("--only", default="jinja2,click,mangum,heavy_app")
ap.add_argument("--runs", type=int, default=30)
ap.add_argument("--bytecode", choices=["inherit", "unset", "set"], default="inherit")
args = ap.parse_args(sys.argv[2:])
args.lmms = str(Path(args.lmms).resolve())
inherited = os.environ.get("PYTHONDONTWRITEBYTECODE")
# No import reaches these, so the plan keeps every import where it is.
NEVER = "module-level-ms = 1000000.0\nfunction-level-ms = 2000000.0\n"


def git(copy: Path) -> None:
    (copy / ".gitignore").write_text(".lmms/\n__pycache__/\n")
    for a in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "today"]):
        subprocess.run(["git", "-c", "user.name=lmms", "-c", "user.email=lmms@localhost", "-c", "commit.gpgsign=false",
                        *a], cwd=copy, check=True, capture_output=True)


def bytecode(env: dict) -> dict:
    env = dict(env)
    value = {"inherit": inherited, "unset": None, "set": "1"}[args.bytecode]
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if value is not None:
        env["PYTHONDONTWRITEBYTECODE"] = value
    return env


def corpus_project(name: str, work: Path):
    base = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True, text=True,
                          check=True).stdout.strip()
    p = corpus.Project(name, Path.home() / ".cache" / "lmms-corpus", base)
    sdist = p.sdist()
    p.ensure_venv()
    copy = p.fresh_copy(sdist, work / name)
    with open(copy / "lmms.toml", "a") as f:
        f.write(NEVER)
    return copy, p.env()


def heavy_app(work: Path):
    repo = here.parent
    python = repo / ".venv-heavy" / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} missing")
    copy = work / "heavy_app"
    shutil.copytree(repo / "examples" / "heavy_app", copy, ignore=shutil.ignore_patterns("__pycache__", ".lmms"))
    toml = copy / "pyproject.toml"
    lines = [f'python = "{python}"' if l.startswith("python =") else l for l in toml.read_text().splitlines()]
    i = lines.index("[tool.lmms]") + 1
    toml.write_text("\n".join(lines[:i] + NEVER.splitlines() + lines[i:]) + "\n")
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    return copy, env


def lmms(copy: Path, env: dict, *a: str):
    r = subprocess.run([args.lmms, "-C", str(copy), *a], cwd=copy, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"lmms {' '.join(a)} exited {r.returncode}: {r.stderr.strip()[-600:]}")
    return json.loads(r.stdout)


def row(name, what, runs, a, b, ratio, interval):
    iv = "—" if not interval else f"{interval[0]:.3f}–{interval[1]:.3f}"
    ok = "" if not interval else ("yes" if interval[0] <= 1.0 <= interval[1] else "NO")
    print(f"| {name} | {what} | {runs} | {a:.1f} | {b:.1f} | {ratio:.3f} | {iv} | {ok} |", flush=True)


print(f"lmms: {args.lmms}; PYTHONDONTWRITEBYTECODE: {args.bytecode} ({'set' if inherited else 'unset'} here); "
      f"load average {os.getloadavg()[0]:.1f}")
print("| project | measurement | runs | A (ms) | B (ms) | B/A paired | 95% interval | 1.00 inside |")
print("|---|---|---|---|---|---|---|---|")
with tempfile.TemporaryDirectory(prefix="lmms-aa-") as tmp:
    for name in args.only.split(","):
        try:
            copy, env = heavy_app(Path(tmp)) if name == "heavy_app" else corpus_project(name, Path(tmp))
            env = bytecode(env)
            git(copy)
            # A tree that has run before has its __pycache__ (here: the profile's runs write it); the --against
            # worktree and --simulate's copies start without one.
            lmms(copy, {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}, "profile", "--runs", "3",
                 "--format", "json")
            d = lmms(copy, env, "bench", "--against", "HEAD", "--runs", str(args.runs), "--format", "json")
            m = d["metrics"][0]
            row(name, "bench --against HEAD", d["runs"], m["baseline"]["median"], m["current"]["median"], m["ratio"],
                m.get("ratio_interval"))
            d = lmms(copy, env, "plan", "--simulate", "--runs", str(args.runs), "--format", "json")
            s = d["simulation"]
            moved = [n for n in d["notes"] if "import(s) moved" in n]
            if not moved or "(0 import(s) moved" not in moved[0]:
                print(f"| {name} | plan --simulate | not A/A: {moved[:1]} |||||")
                continue
            # The ratio and interval as --simulate states them; older builds only had the two medians.
            note = next((n for n in d["notes"] if "interleaved pair(s)" in n), "")
            found = re.search(r": ([\d.]+)(?:, 95% interval ([\d.]+)–([\d.]+))?$", note)
            a, b = s["current_init_ms"]["median"], s["predicted_init_ms"]["median"]
            ratio = float(found.group(1)) if found else b / a
            interval = [float(found.group(2)), float(found.group(3))] if found and found.group(2) else None
            row(name, "plan --simulate", s["runs"], a, b, ratio, interval)
        except (RuntimeError, json.JSONDecodeError, KeyError) as e:
            print(f"| {name} | not run: {str(e)[:200]} |||||||", flush=True)
EOF
