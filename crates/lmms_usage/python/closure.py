"""lmms usage closure: what does `import M` load in a fresh interpreter?

Embedded in the lmms binary; run once per module so every measurement
starts from the same clean interpreter. argv[1] is a JSON config
{"src": [roots], "module": "M", "names": ["a", ...]}. Prints one JSON
object: {"module", "error", "loaded": [[name, kind], ...], "submodules"}
where kind is "project", "stdlib" or "third-party", and "submodules" are
the `names` that are submodules of M (`from M import a` loading M.a).
"""
import importlib
import importlib.util
import json
import os
import sys

CONFIG = json.loads(sys.argv[1])
SRC = [os.path.realpath(p) for p in CONFIG["src"]]
for p in reversed(SRC):
    if p in sys.path:
        sys.path.remove(p)
    sys.path.insert(0, p)
# Silence the module's own prints: stdout carries the answer.
_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr

STDLIB = getattr(sys, "stdlib_module_names", None)
if STDLIB is None:  # Python < 3.10
    import sysconfig

    _std = os.path.realpath(sysconfig.get_paths()["stdlib"])

    def _is_stdlib(name, mod):
        f = getattr(mod, "__file__", None)
        if not f:
            return True
        rp = os.path.realpath(f)
        return rp.startswith(_std + os.sep) and "site-packages" not in rp
else:

    def _is_stdlib(name, mod):
        return name.partition(".")[0] in STDLIB


import sysconfig

_STD_DIRS = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}


def kind(name, mod):
    f = getattr(mod, "__file__", None)
    if isinstance(f, str):
        rp = os.path.realpath(f)
        if any(rp.startswith(r + os.sep) for r in SRC):
            return "project"
        if "site-packages" not in rp and any(rp.startswith(d + os.sep) for d in _STD_DIRS):
            return "stdlib"
    return "stdlib" if _is_stdlib(name, mod) else "third-party"


before = set(sys.modules)
name = CONFIG["module"]
error = None
submodules = []
try:
    mod = importlib.import_module(name)
    # `from M import a` also runs M's lazy loaders (a module __getattr__,
    # as pydantic has): the statement, not just `import M`, is measured.
    for a in CONFIG.get("names", []):
        try:
            getattr(mod, a)
        except AttributeError:
            pass
except BaseException as e:
    error = "%s: %s" % (type(e).__name__, e)
# `__mp_main__` and friends are aliases of `__main__`, not modules M loaded.
loaded = [
    [n, kind(n, sys.modules[n])]
    for n in sorted(set(sys.modules) - before)
    if sys.modules.get(n) is not None and not n.startswith("__")
]
if error is None:
    for a in CONFIG.get("names", []):
        full = name + "." + a
        try:
            if full in sys.modules or importlib.util.find_spec(full) is not None:
                submodules.append(a)
        except (ImportError, ValueError, AttributeError):
            pass
_out.write(json.dumps({"module": name, "error": error, "loaded": loaded, "submodules": submodules}))
_out.flush()
