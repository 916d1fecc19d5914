"""Run today's lmms over a corpus of real projects nobody on the lmms team wrote, and tell the truth about it.

For each project under corpus/<name>/ (see corpus/README.md) this installs the pinned sdist and venv (cached), then:

  copy A: tests (before) -> profile -> usage (events) -> plan -> fix --unsafe-fixes --diff (do the plan's rows agree
          with its moves?) -> fix --unsafe-fixes -> tests -> fix again (no-op?)
          -> profile (INIT after)
  copy B: fix --lazy M1..Mn (20+ modules the package imports at module level) -> tests -> fix again -> profile

and writes results.json ("lmms.corpus/1") and results.md. Failures are results, not errors: the table is the point.
Only the standard library is used, so the base interpreter runs it.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import datetime
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SCHEMA = "lmms.corpus/1"
LAZY_MIN, LAZY_MAX = 20, 25
TEST_TIMEOUT = 900
LMMS_TIMEOUT = 1800  # fix verifies with the test suite, bisecting what breaks it


def log(name: str, msg: str) -> None:
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}] {name}: {msg}", flush=True)


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None, timeout: int = LMMS_TIMEOUT):
    """Run a command, never raise: a timeout is reported as exit code 124 like timeout(1)."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out, f"timed out after {timeout} s"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Project:
    def __init__(self, name: str, cache: Path, base_python: str):
        self.name = name
        self.dir = CORPUS / name
        self.spec = tomllib.loads((self.dir / "corpus.toml").read_text())
        self.cache = cache
        self.base_python = base_python
        self.dist, self.version = self.spec["sdist"].split("==")
        req = (self.dir / "requirements.txt").read_bytes()
        pyver = subprocess.run([base_python, "-c", "import sys; print(sys.version)"], capture_output=True,
                               text=True, check=True).stdout
        key = hashlib.sha256(req + pyver.encode()).hexdigest()[:12]
        self.venv = cache / "venvs" / f"{name}-{key}"
        self.python = self.venv / "bin" / "python"

    # -- install (cached) ------------------------------------------------------------------------------------------
    def sdist(self) -> Path:
        d = self.cache / "sdists"
        d.mkdir(parents=True, exist_ok=True)
        for f in d.iterdir():
            if f.name.endswith((".tar.gz", ".zip")) and sha256(f) == self.spec["sha256"]:
                return f
        with tempfile.TemporaryDirectory(dir=d) as tmp:
            # --no-binary for this one name only: build dependencies still come as wheels.
            rc, out, err = run([self.base_python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                                "--no-deps", "--no-binary", self.dist, "-d", tmp, self.spec["sdist"]], timeout=600)
            files = list(Path(tmp).iterdir())
            if rc != 0 or len(files) != 1:
                raise RuntimeError(f"pip download {self.spec['sdist']} failed (exit {rc}): {err.strip()[-400:]}")
            got = sha256(files[0])
            if got != self.spec["sha256"]:
                raise RuntimeError(f"{files[0].name}: sha256 {got} does not match the pinned {self.spec['sha256']}")
            dest = d / files[0].name
            files[0].replace(dest)
            return dest

    def ensure_venv(self) -> None:
        # The marker is written last, so an interrupted install is redone rather than trusted.
        if (self.venv / ".corpus-ok").exists():
            return
        shutil.rmtree(self.venv, ignore_errors=True)
        self.venv.parent.mkdir(parents=True, exist_ok=True)
        rc, _, err = run([self.base_python, "-m", "venv", str(self.venv)])
        if rc != 0:
            raise RuntimeError(f"venv failed: {err.strip()[-400:]}")
        # Every distribution is pinned in requirements.txt, so --no-deps installs exactly that set.
        rc, _, err = run([str(self.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          "--no-deps", "-r", str(self.dir / "requirements.txt")], timeout=900)
        if rc != 0:
            raise RuntimeError(f"pip install -r corpus/{self.name}/requirements.txt failed: {err.strip()[-400:]}")
        (self.venv / ".corpus-ok").write_text(self.spec["sdist"] + "\n")

    # -- one fresh copy ----------------------------------------------------------------------------------------------
    def fresh_copy(self, sdist: Path, dest: Path) -> Path:
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        with tarfile.open(sdist) as tar:
            top = tar.getnames()[0].split("/")[0]
            tar.extractall(dest, filter="data")
        copy = dest / top
        overlay = self.dir / "overlay"
        if overlay.is_dir():
            shutil.copytree(overlay, copy, dirs_exist_ok=True)
        src = ", ".join(json.dumps(s) for s in self.spec["src"])
        (copy / "lmms.toml").write_text(
            f'entry = "{self.spec["entry"]}"\npython = "{self.python}"\nsrc = [{src}]\n')
        return copy

    def env(self) -> dict:
        env = dict(os.environ)
        env.pop("VIRTUAL_ENV", None)
        # With it set (this workplace sets it), every run compiles every project source again, so INIT measures
        # the compiler as much as the imports (click: 334 vs 164 ms), and any line fix adds is paid on every run.
        # A deployed app ships or caches its bytecode; the warm-up runs write it here.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPATH"] = os.pathsep.join(self.spec["src"])
        # Loopback-only credentials for code that builds boto3 clients; no test here talks to AWS.
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        env.setdefault("AWS_ACCESS_KEY_ID", "testing")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        return env

    # -- tests -------------------------------------------------------------------------------------------------------
    def test_command(self) -> str:
        """The same suite for `lmms fix --test`, which runs it in its shadow copy (cwd = the copy's root)."""
        return shlex.join([str(self.python), "-m", "pytest", "-q", "--tb=line", "-p", "no:cacheprovider",
                           *self.spec["tests"], *self.spec.get("pytest-args", [])])

    def tests(self, copy: Path, label: str, out: Path, timeout: int = TEST_TIMEOUT) -> dict:
        xml = out / f"junit-{label}.xml"
        xml.unlink(missing_ok=True)
        # --tb=line: a broken rewrite fails hundreds of tests, and full tracebacks take minutes to render; the JUnit
        # file keeps each failure's message.
        cmd = [str(self.python), "-m", "pytest", "-q", "--tb=line", "-p", "no:cacheprovider", f"--junitxml={xml}",
               *self.spec["tests"], *self.spec.get("pytest-args", [])]
        t0 = time.monotonic()
        rc, stdout, stderr = run(cmd, cwd=copy, env=self.env(), timeout=timeout)
        secs = time.monotonic() - t0
        (out / f"pytest-{label}.txt").write_text(stdout + stderr)
        outcomes: dict[str, str] = {}
        messages: dict[str, str] = {}
        if xml.exists():
            for case in ET.parse(xml).getroot().iter("testcase"):
                tid = f"{case.get('classname', '')}::{case.get('name', '')}"
                outcome = "passed"
                for child in case:
                    if child.tag in ("failure", "error", "skipped"):
                        outcome = {"failure": "failed"}.get(child.tag, child.tag)
                        messages[tid] = (child.get("message") or child.text or "").strip()[:600]
                        break
                outcomes[tid] = outcome
        counts = {k: sum(1 for v in outcomes.values() if v == k) for k in ("passed", "failed", "error", "skipped")}
        return {"exit": rc, "seconds": round(secs, 1), **counts, "outcomes": outcomes, "messages": messages,
                "tail": (stdout + stderr).strip().splitlines()[-1:] if not xml.exists() else []}


def lmms(binary: str, copy: Path, args: list[str], env: dict, out: Path, label: str):
    rc, stdout, stderr = run([binary, "-C", str(copy), *args], cwd=copy, env=env)
    (out / f"lmms-{label}.out").write_text(stdout)
    (out / f"lmms-{label}.err").write_text(stderr)
    return rc, stdout, stderr


def as_json(stdout: str):
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        return None


def tree_digest(copy: Path) -> dict[str, str]:
    """Every file a fix could touch, by content; tool state and bytecode are not sources."""
    files = {}
    for p in sorted(copy.rglob("*")):
        rel = p.relative_to(copy)
        if p.is_file() and not ({"__pycache__", ".lmms"} & set(rel.parts)) and p.suffix != ".pyc":
            files[str(rel)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return files


def module_level_imports(copy: Path, paths: list[str], exclude: set[str], src: list[str] | None = None) -> list[str]:
    """The modules the package imports at module level, most widely imported first. `src`: the source roots, to
    name a module whose fix path is a file or a subpackage (default: each path's parent is its root)."""
    users: dict[str, set[str]] = {}
    for root in paths:
        base = copy / root
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        roots = [copy / s for s in (src or [])] or [copy / Path(root).parent]
        for f in files:
            rel = f.relative_to(copy)
            try:
                tree = ast.parse(f.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                continue
            # The dotted name of this module's package, to resolve relative imports.
            top = max((r for r in roots if f.is_relative_to(r)), key=lambda r: len(r.parts), default=copy)
            pkg = list(f.relative_to(top).with_suffix("").parts)[:-1]
            body = list(tree.body)
            stmts = []
            while body:
                node = body.pop(0)
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    stmts.append(node)
                elif isinstance(node, ast.Try):
                    body[:0] = node.body
            for node in stmts:
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    if node.level:
                        up = pkg[: len(pkg) - (node.level - 1)]
                        names = [".".join(up + ([node.module] if node.module else []))]
                    else:
                        names = [node.module or ""]
                for n in names:
                    if n and n != "__future__" and n not in exclude:
                        users.setdefault(n, set()).add(str(rel))
    ranked = sorted(users, key=lambda m: (-len(users[m]), m))
    return ranked[:LAZY_MAX]


def entry_imports(copy: Path, spec: dict) -> set[str]:
    """What the entry module imports itself: deferring those would only hide the package from the profile."""
    mod = spec["entry"].split(":")[0]
    for root in spec["src"]:
        f = copy / root / (mod.replace(".", "/") + ".py")
        if f.exists():
            names = set()
            for node in ast.parse(f.read_text()).body:
                if isinstance(node, ast.Import):
                    names |= {a.name for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
            return names
    return set()


def diff_outcomes(before: dict, after: dict) -> list[dict]:
    changed = []
    for tid in sorted(set(before) | set(after)):
        b, a = before.get(tid, "absent"), after.get(tid, "absent")
        if b != a:
            changed.append({"test": tid, "before": b, "after": a})
    return changed


def init_median(doc) -> float | None:
    try:
        return round(doc["init_ms"]["median"], 1)
    except (TypeError, KeyError):
        return None


def init_mad(doc) -> float | None:
    try:
        return round(doc["init_ms"]["mad"], 1)
    except (TypeError, KeyError):
        return None



def fix_round(res, binary, p, tree, fix_args, kind, label, before, env, out, budget, runs):
    """One fix of `tree`, its tests against `before`, the same fix again (must change nothing), and INIT after;
    recorded in `res` under `fix_KIND`, `tests_after_KIND`, `changed_after_KIND`, `second_fix_KIND` and
    `profile_after_KIND`."""
    rc, so, se = lmms(binary, tree, fix_args, env, out, f"fix-{kind}")
    doc = as_json(so) or {}
    res[f"fix_{kind}"] = {"exit": rc, "summary": doc.get("summary"), "verification": doc.get("verification"),
                          "stderr": se.strip()[-600:]}
    log(p.name, label)
    after = p.tests(tree, f"after-{kind}", out, budget)
    res[f"tests_after_{kind}"] = after
    res[f"changed_after_{kind}"] = diff_outcomes(before["outcomes"], after["outcomes"])
    snap = tree_digest(tree)
    rc, so, se = lmms(binary, tree, fix_args, env, out, f"fix-{kind}-again")
    again = tree_digest(tree)
    res[f"second_fix_{kind}"] = {"exit": rc, "noop": snap == again,
                                 "files_changed": sorted(k for k in set(snap) | set(again) if snap.get(k) != again.get(k))}
    rc, so, se = lmms(binary, tree, ["profile", "--runs", str(runs), "--format", "json"], env, out, f"profile-{kind}")
    res[f"profile_after_{kind}"] = {"exit": rc, "init_ms": init_median(as_json(so)), "init_mad_ms": init_mad(as_json(so)),
                                    "stderr": se.strip()[-600:]}

def agreement(plan: dict, fix: dict | None, fix_paths: list[str], rc: int, stderr: str) -> dict:
    """Rows `lmms plan --unsafe-fixes` moves against the moves `lmms fix --unsafe-fixes --diff` makes, statement by
    statement (path and line) in the files fix may write. A plan move is a module-level row planned function-level
    and not pinned (a pinned row is shown `blocked at`, a use to rewrite by hand first, and fix leaves it). Each
    disagreement names fix's skip for that statement, if any."""
    if not fix or not isinstance(plan.get("imports"), list):
        return {"exit": rc, "disagreements": None, "stderr": stderr.strip()[-600:]}
    inside = lambda path: any(path == f or path.startswith(f.rstrip("/") + "/") for f in fix_paths)
    planned: dict[tuple[str, int], list[str]] = {}
    for r in plan["imports"]:
        if (r["current"] == "module-level" and r["strategy"] == "function-level" and not r.get("pinned")
                and inside(r["path"])):
            planned.setdefault((r["path"], r["line"]), []).append(r["module"])
    moved: dict[tuple[str, int], list[str]] = {}
    skipped: dict[tuple[str, int], str] = {}
    for f in fix.get("files", []):
        for m in f.get("moves", []):
            moved.setdefault((f["path"], m["line"]), []).append(m["module"])
        for s in f.get("skips", []):
            skipped.setdefault((f["path"], s["line"]), f"{s['reason']}: {s['detail']}")
    rows = [{"statement": f"{k[0]}:{k[1]}", "plan": "function-level", "fix": skipped.get(k, "not moved"),
             "modules": planned[k]} for k in sorted(set(planned) - set(moved))]
    rows += [{"statement": f"{k[0]}:{k[1]}", "plan": "stays", "fix": "moved", "modules": moved[k]}
             for k in sorted(set(moved) - set(planned))]
    # Fix's second look: the entry imported with the rewrite in a shadow copy still loads the module (a function
    # the import would move into runs at import). The static plan cannot see that; `plan --simulate` runs it.
    run_time = sum(1 for r in rows if "importing the entry with the rewrite still loads" in r["fix"])
    return {"exit": rc, "plan_moves": len(planned), "fix_moves": len(moved), "disagreements": len(rows),
            "run_time": run_time, "rows": rows}


def run_project(p: Project, binary: str, work: Path, runs: int) -> dict:
    t0 = time.monotonic()
    res: dict = {"project": p.name, "kind": p.spec["kind"], "sdist": p.spec["sdist"],
                 "description": p.spec.get("description", ""), "entry": p.spec["entry"]}
    out = work / p.name / "logs"
    try:
        sdist = p.sdist()
        p.ensure_venv()
    except RuntimeError as e:
        res["error"] = str(e)
        return res
    out.mkdir(parents=True, exist_ok=True)
    env = p.env()

    # ---- copy A: the loop
    a = p.fresh_copy(sdist, work / p.name / "loop")
    log(p.name, "tests before")
    before = p.tests(a, "before", out)
    res["tests_before"] = before
    # A rewrite that makes the suite hang must not eat CI's budget: ten times the baseline is generous.
    budget = int(max(120, 10 * before["seconds"]))
    log(p.name, f"tests before: {before['passed']} passed, {before['failed']} failed, {before['error']} errors")
    rc, so, se = lmms(binary, a, ["profile", "--runs", str(runs), "--format", "json"], env, out, "profile-before")
    res["profile_before"] = {"exit": rc, "init_ms": init_median(as_json(so)), "init_mad_ms": init_mad(as_json(so)),
                            "stderr": se.strip()[-600:]}
    events = a / "events"
    if events.is_dir():
        rc, so, se = lmms(binary, a, ["usage", "--events", "events", "--format", "json"], env, out, "usage")
        doc = as_json(so) or {}
        res["usage"] = {"exit": rc, "requests": doc.get("requests"), "errors": doc.get("errors"),
                        "stderr": se.strip()[-600:]}
    # --simulate first: the plain plan written last is the one fix reads, as in a user's loop.
    # --unsafe-fixes: plan the code the `fix --unsafe-fixes` below writes.
    rc, so, se = lmms(binary, a, ["plan", "--unsafe-fixes", "--simulate", "--runs", str(runs), "--format", "json"], env, out,
                      "plan-simulate")
    sim = (as_json(so) or {}).get("predicted_init_ms")
    rc, so, se = lmms(binary, a, ["plan", "--unsafe-fixes", "--format", "json"], env, out, "plan")
    doc = as_json(so) or {}
    cur = doc.get("current_init_ms")
    res["plan"] = {"exit": rc, "current_init_ms": cur.get("median") if isinstance(cur, dict) else cur,
                   "estimated_init_ms": doc.get("estimated_init_ms"),
                   "simulated_init_ms": sim.get("median") if isinstance(sim, dict) else sim,
                   "stderr": se.strip()[-600:]}
    # What the plan says per row against what the same fix decides (its import check and shadow measurement
    # included, not the test suite: a rewrite the tests drop is the tests' finding, counted in the columns above).
    rc, so, se = lmms(binary, a, ["fix", "--unsafe-fixes", "--diff", "--format", "json", "--", *p.spec["fix-paths"]],
                      env, out, "fix-diff")
    res["agreement"] = agreement(doc, as_json(so), p.spec["fix-paths"], rc, se)
    log(p.name, f"plan/fix agreement: {res['agreement'].get('disagreements')} disagreeing rows")
    fix_args = ["fix", "--unsafe-fixes", "--format", "json", "--test", p.test_command(), "--", *p.spec["fix-paths"]]
    fix_round(res, binary, p, a, fix_args, "loop", "tests after loop fix", before, env, out, budget, runs)

    # ---- copy B: an aggressive ad hoc --lazy of the package's module-level imports
    b = p.fresh_copy(sdist, work / p.name / "lazy")
    mods = module_level_imports(b, p.spec["fix-paths"], entry_imports(b, p.spec), p.spec["src"])
    res["lazy_modules"] = mods
    lazy_args = ["fix", "--format", "json", "--test", p.test_command(), "--lazy", *mods, "--", *p.spec["fix-paths"]]
    fix_round(res, binary, p, b, lazy_args, "lazy", f"tests after --lazy of {len(mods)} modules", before, env, out,
              budget, runs)
    res["seconds"] = round(time.monotonic() - t0, 1)
    log(p.name, f"done in {res['seconds']} s")
    return res


def counts(t: dict | None) -> str:
    if not t:
        return "—"
    s = f"{t['passed']}/{t['failed']}/{t['error']}"
    return s if t.get("outcomes") or t["exit"] in (0, 1) else f"{s} (pytest exit {t['exit']})"


def ms(v) -> str:
    return "—" if v is None else f"{v:.1f}"


def init(p: dict) -> str:
    if p.get("init_ms") is None:
        return "—"
    if p.get("init_mad_ms") is None:
        return f"{p['init_ms']:.1f}"
    return f"{p['init_ms']:.1f} ± {p['init_mad_ms']:.1f}"


def verdict(res: dict) -> list[str]:
    """Why this project fails the bar of issues 10 and 11: tests unchanged, a second fix that changes nothing, and
    plan rows that say what fix does."""
    bad = []
    if res.get("error"):
        return [f"not run: {res['error']}"]
    if res["changed_after_loop"]["count"]:
        bad.append(f"loop fix changed {res['changed_after_loop']['count']} test outcomes")
    if res["changed_after_lazy"]["count"]:
        bad.append(f"--lazy changed {res['changed_after_lazy']['count']} test outcomes")
    if not res["second_fix_loop"]["noop"]:
        bad.append("second loop fix rewrote files")
    if not res["second_fix_lazy"]["noop"]:
        bad.append("second --lazy fix rewrote files")
    agree = res.get("agreement") or {}
    if agree.get("disagreements") is None:
        bad.append(f"plan/fix agreement not measured (fix --diff exited {agree.get('exit')})")
    elif agree["disagreements"]:
        bad.append(f"{agree['disagreements']} plan rows disagree with fix")
    for key in ("profile_before", "fix_loop", "fix_lazy"):
        if res[key]["exit"] not in (0, 1):
            bad.append(f"{key.replace('_', ' ')} exited {res[key]['exit']}")
    return bad


def markdown(doc: dict) -> str:
    lines = [
        "| project | kind | tests before (pass/fail/error) | after loop fix | after `--lazy` (modules) | "
        "2nd fix no-op (loop/lazy) | INIT before | after loop fix | after `--lazy` | plan estimate | "
        "plan `--simulate` | plan/fix rows disagreeing |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["projects"]:
        if r.get("error"):
            lines.append(f"| {r['project']} | {r['kind']} | not run: {r['error'][:80]} |||||||||")
            continue
        yn = lambda x: "yes" if x["noop"] else f"**no** ({len(x['files_changed'])} files)"
        mark = lambda changed, t: counts(t) if not changed["count"] else f"**{counts(t)}**"
        lines.append(
            f"| {r['project']} ({r['sdist'].split('==')[1]}) | {r['kind']} | {counts(r['tests_before'])} | "
            f"{mark(r['changed_after_loop'], r['tests_after_loop'])} | "
            f"{mark(r['changed_after_lazy'], r['tests_after_lazy'])} ({len(r['lazy_modules'])}) | "
            f"{yn(r['second_fix_loop'])} / {yn(r['second_fix_lazy'])} | {init(r['profile_before'])} | "
            f"{init(r['profile_after_loop'])} | {init(r['profile_after_lazy'])} | "
            f"{ms(r['plan']['estimated_init_ms'])} | {ms(r['plan']['simulated_init_ms'])} | {disagreeing(r)} |")
    lines.append("")
    lines.append("INIT: median ± MAD of `lmms profile --runs %d`, ms; plan estimate: `lmms plan`'s "
                 "`estimated_init_ms`;\n`--simulate`: `lmms plan --simulate`'s predicted median (— where it failed). "
                 "Tests: pass/fail/error by JUnit\ntest id; bold where any outcome differs from before.\n"
                 "plan/fix rows disagreeing: of the statements `lmms plan --unsafe-fixes` moves, those "
                 "`lmms fix --unsafe-fixes --diff` does not move, plus\nthose it moves that the plan keeps (results.json "
                 "lists each with fix's skip); run-time: fix took the move\nback because importing the rewritten entry "
                 "still loads the module." % doc["runs"])
    return "\n".join(lines) + "\n"


def disagreeing(r: dict) -> str:
    a = r.get("agreement") or {}
    if a.get("disagreements") is None:
        return "—"
    n = f"{a['disagreements']} of {a['plan_moves']}"
    if a.get("run_time"):
        n += f" ({a['run_time']} run-time)"
    return f"**{n}**" if a["disagreements"] else n


def slim(res: dict) -> dict:
    """results.json keeps counts and the changed tests grouped by failure message, not every passing test id."""
    r = json.loads(json.dumps(res))
    for stage in ("loop", "lazy"):
        key = f"tests_after_{stage}"
        if key not in r:
            continue
        msgs = r[key].pop("messages")
        r[key].pop("outcomes")
        groups: dict[str, list[str]] = {}
        for c in r[f"changed_after_{stage}"]:
            text = msgs.get(c["test"])
            msg = text.splitlines()[0][:300] if text else f"{c['before']} -> {c['after']}"
            groups.setdefault(msg, []).append(c["test"])
        r[f"changed_after_{stage}"] = {
            "count": len(r[f"changed_after_{stage}"]),
            "by_message": [{"message": m, "count": len(ids), "examples": ids[:3]}
                           for m, ids in sorted(groups.items(), key=lambda kv: -len(kv[1]))]}
    if "tests_before" in r:
        r["tests_before"].pop("messages")
        r["tests_before"].pop("outcomes")
    return r



def selected_projects(only: str | None) -> list[str] | None:
    """The corpus projects `--only` names (all without it); None, after saying why, for an unknown name."""
    names = sorted(p.name for p in CORPUS.iterdir() if (p / "corpus.toml").exists())
    if not only:
        return names
    wanted = only.split(",")
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"error: unknown project(s) {', '.join(unknown)}; the corpus has {', '.join(names)}", file=sys.stderr)
        return None
    return wanted


def start_session(args: argparse.Namespace, prefix: str) -> tuple[str, list[str], Path, Path, str, str] | None:
    """What corpus.sh and predict.sh both start from: the lmms binary (`--lmms`), the projects (`--only`), the
    cache, the work folder (`--work`), the real interpreter and lmms's version; None, after saying why, on an
    error the user can fix."""
    binary = str(Path(args.lmms).resolve()) if args.lmms else str(ROOT / "target" / "release" / "lmms")
    if not os.access(binary, os.X_OK):
        print(f"error: no lmms binary at {binary} (cargo build --release -p lmms, or --lmms PATH)", file=sys.stderr)
        return None
    names = selected_projects(args.only)
    if names is None:
        return None
    cache = Path(os.environ.get("LMMS_CORPUS_CACHE") or Path.home() / ".cache" / "lmms-corpus")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix=f"lmms-{prefix}-"))
    work.mkdir(parents=True, exist_ok=True)
    # pyenv shims cost ~90 ms a start; the venvs are built from the real interpreter.
    base_python = subprocess.run([os.environ.get("PYTHON", "python3"), "-c", "import sys; print(sys.executable)"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    return binary, names, cache, work, base_python, version

def main() -> int:
    ap = argparse.ArgumentParser(prog="benches/corpus.sh", description=__doc__.splitlines()[0])
    ap.add_argument("--lmms", help="the lmms binary (default: target/release/lmms)")
    ap.add_argument("--only", help="comma-separated project names")
    ap.add_argument("--jobs", type=int, default=1, help="projects run at once (default 1: INIT is measured)")
    ap.add_argument("--runs", type=int, default=10, help="lmms profile --runs (default 10)")
    ap.add_argument("--work", help="where the copies and logs go (default: a temporary dir, kept)")
    ap.add_argument("--out", default=str(CORPUS), help="where results.json and results.md go (default corpus/)")
    ap.add_argument("--gate", action="store_true",
                    help="exit 1 unless every project's tests are unchanged after both fixes, a second fix "
                    "is a no-op and the plan's rows agree with fix's moves")
    args = ap.parse_args()

    started = start_session(args, "corpus")
    if started is None:
        return 2
    binary, names, cache, work, base_python, version = started
    print(f"corpus: {', '.join(names)}; {version}; python {base_python}; cache {cache}; work {work}", flush=True)

    t0 = time.monotonic()
    projects = [Project(n, cache, base_python) for n in names]
    def install(p: Project) -> None:
        try:
            p.sdist()
            p.ensure_venv()
        except RuntimeError:
            pass  # run_project tries again and records the error in the project's row

    # Installing is network- and pip-bound, not measured: do it for all projects at once, then measure.
    log("corpus", "install (cached sdists + venvs)")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(install, projects))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: run_project(p, binary, work, args.runs), projects))
    for r in results:
        (work / r["project"]).mkdir(parents=True, exist_ok=True)
        (work / r["project"] / "result.json").write_text(json.dumps(r, indent=1) + "\n")

    doc = {"schema": SCHEMA, "lmms": version, "python": subprocess.run(
        [base_python, "-c", "import platform; print(platform.python_version())"], capture_output=True,
        text=True).stdout.strip(), "runs": args.runs, "jobs": args.jobs,
           "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "seconds": round(time.monotonic() - t0, 1), "projects": [slim(r) for r in results]}
    for r in doc["projects"]:
        r["failures"] = verdict(r)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # Paths of this machine say nothing about lmms and must not land in a committed file.
    text = json.dumps(doc, indent=1) + "\n"
    for path, name in ((work, "$WORK"), (cache, "$LMMS_CORPUS_CACHE"), (ROOT, "."), (Path.home(), "~")):
        text = text.replace(str(path), name)
    (out / "results.json").write_text(text)
    table = markdown(doc)
    (out / "results.md").write_text(table)
    print()
    print(table)
    failing = [r for r in doc["projects"] if r["failures"]]
    for r in failing:
        print(f"{r['project']}: " + "; ".join(r["failures"]))
    print(f"corpus: {len(doc['projects']) - len(failing)} of {len(doc['projects'])} projects meet the bar "
          f"({doc['seconds']:.0f} s; logs in {work})")
    if any(r.get("error") for r in doc["projects"]):
        return 3
    return 1 if args.gate and failing else 0


if __name__ == "__main__":
    sys.exit(main())
