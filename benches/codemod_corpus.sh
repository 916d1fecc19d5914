#!/usr/bin/env bash
# Run `lmms fix --lazy` over a large real corpus and check the invariants:
# no crash, every rewritten file still compiles under the real interpreter,
# and a second pass changes nothing.
#
# usage: [PYFLAKES_PYTHON=…] benches/codemod_corpus.sh SRC_DIR WORK_DIR PYTHON MODULE...
#   e.g. benches/codemod_corpus.sh "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')" \
#          /tmp/corpus-stdlib python3 json re subprocess
# BENCHMARKS.md runs it with PYFLAKES_PYTHON set (benches/pyflakes-venv.sh builds a pinned one).
# The corpus is copied to WORK_DIR first; SRC_DIR is never modified.
set -euo pipefail

src=${1:?source dir}; work=${2:?work dir}; python=${3:?python}; shift 3
[ $# -gt 0 ] || { echo "name at least one module to defer" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
lmms=${LMMS:-$here/target/release/lmms}
[ -x "$lmms" ] || lmms=$here/target/debug/lmms

rm -rf "$work"
mkdir -p "$work"
cp -a "$src/." "$work/corpus"
# site-packages trees carry compiled caches; they are not sources.
find "$work/corpus" -name __pycache__ -prune -exec rm -rf {} +
files=$(find "$work/corpus" -name '*.py' | wc -l)

start=$(date +%s.%N)
set +e
"$lmms" -C "$work/corpus" fix --format json --unsafe-fixes --lazy "$@" -- "$work/corpus" >"$work/pass1.json" 2>"$work/pass1.err"
rc1=$?
set -e
end=$(date +%s.%N)
# Exit 0/1 are verdicts; 2 or a signal means lmms itself failed.
if [ "$rc1" -gt 1 ]; then echo "lmms failed (exit $rc1):" >&2; cat "$work/pass1.err" >&2; exit 1; fi

"$python" - "$work" "$start" "$end" "$files" <<'PY'
import json, sys, os, py_compile
work, start, end, files = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
doc = json.load(open(os.path.join(work, "pass1.json")))
s = doc["summary"]
written = [f["path"] for f in doc["files"] if f["status"] == "written"]
bad = []
for p in written:
    path = p if os.path.isabs(p) else os.path.join(work, "corpus", p)
    try:
        py_compile.compile(path, doraise=True, cfile=os.path.join(work, "check.pyc"))
    except py_compile.PyCompileError as e:
        bad.append((p, str(e).strip().splitlines()[-1]))
print(f"files: {s['files_scanned']} .py scanned of {files} in the tree (the walker skips site-packages/venv dirs below the root); {s['files_unreadable']} unreadable or with syntax errors")
print(f"rewritten: {s['files_changed']} files, {s['moved']} imports moved, {s['files_refused']} refused")
print("skipped by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(s["skipped_by_reason"].items(), key=lambda kv: -kv[1])))
print(f"time: {end - start:.2f} s")
print(f"py_compile failures: {len(bad)}")
for p, e in bad[:20]:
    print(f"  {p}: {e}")
sys.exit(1 if bad else 0)
PY

# Compiling proves syntax only. With PYFLAKES_PYTHON (an interpreter that
# has pyflakes), every rewritten file is also checked for names it no
# longer defines where they are used (undefined names, locals used before
# assignment) that the original did not have.
if [ -n "${PYFLAKES_PYTHON:-}" ]; then
"$PYFLAKES_PYTHON" - "$work" "$src" <<'PY'
import ast, json, os, sys
from collections import Counter
from pyflakes import checker, messages
work, src = sys.argv[1], sys.argv[2]
doc = json.load(open(os.path.join(work, "pass1.json")))
KINDS = (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)
def problems(path):
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    w = checker.Checker(tree, filename=path)
    return Counter((type(m).__name__, m.message_args[0]) for m in w.messages if isinstance(m, KINDS))
new = []
written = [f["path"] for f in doc["files"] if f["status"] == "written"]
for p in written:
    before, after = problems(os.path.join(src, p)), problems(os.path.join(work, "corpus", p))
    extra = after - before
    if extra:
        new.append((p, sorted(extra)))
print(f"pyflakes: {len(written)} rewritten files checked, {len(new)} with new undefined names")
for p, e in new[:20]:
    print(f"  {p}: {e}")
sys.exit(1 if new else 0)
PY
fi

set +e
"$lmms" -C "$work/corpus" fix --format json --unsafe-fixes --lazy "$@" -- "$work/corpus" >"$work/pass2.json" 2>"$work/pass2.err"
rc2=$?
set -e
if [ "$rc2" -gt 1 ]; then echo "second pass failed (exit $rc2)" >&2; cat "$work/pass2.err" >&2; exit 1; fi
"$python" - "$work/pass2.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f"second pass: {s['files_changed']} files changed, {s['moved']} imports moved")
sys.exit(0 if s["files_changed"] == 0 and s["moved"] == 0 else 1)
PY
