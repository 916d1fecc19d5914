"""lmms usage tracker: which modules does a production request use?

Written by `lmms runtime`; standard library only. Decorate the handler:

    from lmms_tracker import track

    @track                  # samples 1% of invocations (LMMS_USAGE_SAMPLE_RATE)
    def lambda_handler(event, context): ...

    @track(rate=0.05)       # or choose the fraction here

An unsampled invocation costs one random() call. A sampled one watches
function calls (sys.monitoring on Python 3.12+, a profile hook before; never
line tracing) and prints ONE JSON line to stdout, which Lambda sends to
CloudWatch Logs:

    {"cold":0,"lmms_usage":1,"m":{"requests":1,"urllib3":1},"ms":3.1}

"m" names the top-level packages whose functions ran during the request
(module-level code, i.e. importing, does not count), "cold" is 1 on the first
invocation of the execution environment (numbers, so Logs Insights can sum
them). Aggregate with `lmms usage --logs`
or the query `lmms usage --insights-query` prints.
"""
import functools
import json
import os
import sys
import time

try:  # the C generator alone: `random` would add ~2 ms of imports to INIT
    from _random import Random as _Random
except ImportError:  # pragma: no cover - every CPython has _random
    from random import Random as _Random

__all__ = ["track"]

_RATE = float(os.environ.get("LMMS_USAGE_SAMPLE_RATE", "0.01"))
_SELF = __file__
_top_of_file = {_SELF: ""}  # co_filename -> top-level package ("" = not counted)
_mapped = [0]


def _map_files():
    mods = list(sys.modules.items())
    if len(mods) == _mapped[0]:
        return
    _mapped[0] = len(mods)
    for name, m in mods:
        f = getattr(m, "__file__", None)
        if isinstance(f, str) and f not in _top_of_file:
            _top_of_file[f] = name.partition(".")[0]


def _top(filename):
    top = _top_of_file.get(filename)
    if top is None:
        if filename.startswith("<frozen "):
            top = filename[8:-1].partition(".")[0]
        elif filename.startswith("<") or filename == _SELF:
            top = ""
        else:
            _map_files()
            top = _top_of_file.get(filename) or ""
        _top_of_file[filename] = top
    return top


# Code running while a module is imported (a lazy import inside the request,
# other libraries' import hooks) is import-time work, never use: imports of
# new modules all pass through _find_and_load, wrapped while sampling.
_bootstrap = sys.modules["importlib._bootstrap"] if "importlib._bootstrap" in sys.modules else sys.modules["_frozen_importlib"]
_find_and_load = _bootstrap._find_and_load
_importing = [0]


def _find_and_load_marked(name, import_):
    _importing[0] += 1
    try:
        return _find_and_load(name, import_)
    finally:
        _importing[0] -= 1


_seen = {}

if hasattr(sys, "monitoring"):
    _mon = sys.monitoring
    _tool = None
    for _candidate in (_mon.PROFILER_ID, 3, 4, 5):
        try:
            _mon.use_tool_id(_candidate, "lmms-tracker")
            _tool = _candidate
            break
        except ValueError:
            continue

    def _py_start(code, offset):
        if _importing[0]:
            return None
        _seen[id(code)] = code
        return _mon.DISABLE

    if _tool is not None:
        _mon.register_callback(_tool, _mon.events.PY_START, _py_start)

    def _start():
        if _tool is not None:
            _bootstrap._find_and_load = _find_and_load_marked
            _mon.restart_events()
            _mon.set_events(_tool, _mon.events.PY_START)

    def _stop():
        if _tool is not None:
            _mon.set_events(_tool, 0)
            _bootstrap._find_and_load = _find_and_load

else:

    def _hook(frame, event, arg):
        if event == "call" and not _importing[0]:
            c = frame.f_code
            _seen[id(c)] = c

    def _start():
        _bootstrap._find_and_load = _find_and_load_marked
        sys.setprofile(_hook)

    def _stop():
        sys.setprofile(None)
        _bootstrap._find_and_load = _find_and_load


def _report(cold, ms):
    used = {}
    for code in _seen.values():
        if code.co_name != "<module>":
            top = _top(code.co_filename)
            if top:
                used[top] = 1
    _seen.clear()
    line = json.dumps(
        {"lmms_usage": 1, "cold": 1 if cold else 0, "m": used, "ms": round(ms, 3)}, separators=(",", ":"), sort_keys=True
    )
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def track(handler=None, *, rate=None):
    """Decorate a handler; `rate` is the sampled fraction (default 1%)."""
    r = _RATE if rate is None else float(rate)

    def wrap(fn):
        first = [True]
        rnd = _Random().random  # seeded from os.urandom

        @functools.wraps(fn)
        def wrapper(event, context):
            if rnd() >= r:
                first[0] = False
                return fn(event, context)
            cold = first[0]
            first[0] = False
            t0 = time.perf_counter()
            _start()
            try:
                return fn(event, context)
            finally:
                _stop()
                try:
                    _report(cold, (time.perf_counter() - t0) * 1000.0)
                except Exception:
                    pass  # the tracker must never fail a request

        return wrapper

    return wrap(handler) if handler is not None else wrap
