"""lmms usage replay: run recorded events through a handler in ONE interpreter.

Embedded in the lmms binary. argv[1] is a JSON config
{"entry": "module:function", "src": [roots], "timeout": seconds}; events
arrive on stdin as JSON lines {"name": ..., "event": ...}. For every event
one JSON line goes to the *original* stdout:
{"i": n, "name": ..., "error": null|"Type: msg", "traceback": null|text, "ms": float,
 "modules": [names whose code ran], "functions": ["module:qualname", ...],
 "called": [modules under config "targets" whose code a project function
 called directly], "response": null (it raised) | {"json": value} (the
 handler's return value, JSON-serialisable) | {"repr": text}}
The handler's own prints are redirected to stderr so they cannot corrupt
that stream. Only calls are hooked (sys.monitoring PY_START on 3.12+, a
call-only profile hook before), never lines, and each code object is
recorded once per event.
"""
import importlib
import json
import os
import signal
import sys
import threading
import time

CONFIG = json.loads(sys.argv[1])
ENTRY_MOD, _, ENTRY_FN = CONFIG["entry"].partition(":")
SRC = [os.path.realpath(p) for p in CONFIG["src"]]
TIMEOUT = float(CONFIG.get("timeout") or 0)
TARGETS = frozenset(CONFIG.get("targets") or ())

_out = os.fdopen(os.dup(1), "w", buffering=1 << 16)
os.dup2(2, 1)
sys.stdout = sys.stderr
_events_text = sys.stdin.read()
try:
    sys.stdin = open(os.devnull)
except OSError:
    pass

for p in reversed(SRC):
    if p in sys.path:
        sys.path.remove(p)
    sys.path.insert(0, p)


def _fail(kind, msg):
    _out.write(json.dumps({"fatal": kind, "message": msg}) + "\n")
    _out.flush()
    sys.exit(3)


class Context:
    """The attributes handlers commonly read from Lambda's context."""

    def __init__(self, n, timeout_s):
        self.function_name = "lmms-replay"
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:lmms-replay"
        self.memory_limit_in_mb = 128
        self.aws_request_id = "00000000-0000-4000-8000-%012d" % n
        self.log_group_name = "/aws/lambda/lmms-replay"
        self.log_stream_name = "lmms-replay"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + (timeout_s or 900.0)

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class EventTimeout(BaseException):
    """BaseException so a handler's `except Exception` cannot swallow it."""


def _on_alarm(signum, frame):
    raise EventTimeout("event exceeded %.3gs" % TIMEOUT)


try:
    _mod = importlib.import_module(ENTRY_MOD)
    HANDLER = getattr(_mod, ENTRY_FN)
except BaseException as e:  # the user's INIT failed: report, do not replay
    _fail("init", "%s: %s" % (type(e).__name__, e))

# --- mapping code objects to modules -------------------------------------
_file_to_mod = {}
_known = 0


def _refresh_files():
    global _known
    mods = list(sys.modules.items())
    if len(mods) == _known:
        return
    _known = len(mods)
    for name, m in mods:
        f = getattr(m, "__file__", None)
        if isinstance(f, str) and f.endswith((".py", ".pyw")):
            _file_to_mod.setdefault(f, name)
            _file_to_mod.setdefault(os.path.realpath(f), name)


def _module_of(filename):
    name = _file_to_mod.get(filename)
    if name is None and filename.startswith("<frozen "):
        name = filename[8:-1]
    if name is None and not filename.startswith("<"):
        name = _file_to_mod.get(os.path.realpath(filename))
    return name


_SELF_FILE = globals().get("__file__", "<string>")


def _is_project(filename):
    if filename.startswith("<"):
        return False
    rp = os.path.realpath(filename)
    return any(rp.startswith(root + os.sep) for root in SRC)


# A code object is project code, code of an import target (M or M.*), or
# other code; asked on every call, so cached (holding the code keeps its id
# from being reused).
_PROJECT, _TARGET, _OTHER = 1, 2, 0
_kinds = {}


def _under_targets(name):
    while name:
        if name in TARGETS:
            return True
        name = name.rpartition(".")[0]
    return False


def _kind(code):
    hit = _kinds.get(id(code))
    if hit is not None and hit[0] is code:
        return hit[1]
    fn = code.co_filename
    if _is_project(fn):
        k = _PROJECT
    else:
        mod = _module_of(fn)
        if mod is None and not fn.startswith("<"):
            _refresh_files()
            mod = _module_of(fn)
        k = _TARGET if mod is not None and _under_targets(mod) else _OTHER
    _kinds[id(code)] = (code, k)
    return k


# --- imports inside a request ---------------------------------------------
# Code that runs while a module is being imported (its own body, code it
# calls, other libraries' import hooks such as six's meta-path finder) is
# import-time work, even when a lazy import happens mid-request: it never
# counts as use. Every import of a module not yet in sys.modules goes
# through importlib._bootstrap._find_and_load, looked up by name on each
# import, so wrapping it during an event marks those spans.
_bootstrap = sys.modules.get("_frozen_importlib") or importlib._bootstrap
_find_and_load = _bootstrap._find_and_load
_importing = [0]


def _find_and_load_marked(name, import_):
    _importing[0] += 1
    try:
        return _find_and_load(name, import_)
    finally:
        _importing[0] -= 1


# --- the call hook --------------------------------------------------------
# _seen: code that ran; _called: target code whose caller was project code
# (calls into C leave no frame on either hook, so neither sees them).
_seen = {}
_called = {}
_MONITORING = hasattr(sys, "monitoring")

if _MONITORING:
    _mon = sys.monitoring
    _TOOL = _mon.PROFILER_ID
    try:
        _mon.use_tool_id(_TOOL, "lmms-usage")
    except ValueError:
        _TOOL = 5
        _mon.use_tool_id(_TOOL, "lmms-usage")
    _DISABLE = _mon.DISABLE

    _getframe = sys._getframe

    def _py_start(code, offset):
        if _importing[0]:
            return None  # keep watching: the same code may run after the import
        _seen[id(code)] = code
        if _kind(code) == _TARGET:
            caller = _getframe(1).f_back  # frame 1 is the one starting
            if caller is None or _kind(caller.f_code) != _PROJECT:
                return None  # keep watching: a project function may call it later
            _called[id(code)] = code
        return _DISABLE  # once per code object per event; restart_events() re-arms

    _mon.register_callback(_TOOL, _mon.events.PY_START, _py_start)

    def _start():
        _bootstrap._find_and_load = _find_and_load_marked
        _mon.restart_events()
        _mon.set_events(_TOOL, _mon.events.PY_START)

    def _stop():
        _mon.set_events(_TOOL, 0)
        _bootstrap._find_and_load = _find_and_load

else:

    def _hook(frame, event, arg):
        if event == "call" and not _importing[0]:
            c = frame.f_code
            _seen[id(c)] = c
            if id(c) not in _called and _kind(c) == _TARGET:
                caller = frame.f_back
                if caller is not None and _kind(caller.f_code) == _PROJECT:
                    _called[id(c)] = c

    def _start():
        _bootstrap._find_and_load = _find_and_load_marked
        threading.setprofile(_hook)
        sys.setprofile(_hook)

    def _stop():
        sys.setprofile(None)
        threading.setprofile(None)
        _bootstrap._find_and_load = _find_and_load


_qual_cache = {}


def _qualname(code):
    """`co_qualname` exists from 3.11; before, ask the function holding the
    code (once per code object: get_referrers scans the heap)."""
    q = getattr(code, "co_qualname", None)
    if q:
        return q
    hit = _qual_cache.get(id(code))
    if hit is None:
        import gc

        q = code.co_name
        for r in gc.get_referrers(code):
            if getattr(r, "__code__", None) is code:
                q = getattr(r, "__qualname__", q)
                break
        hit = _qual_cache[id(code)] = (code, q)  # keeps the id from being reused
    return hit[1]


def _collect():
    _refresh_files()
    modules = set()
    functions = set()
    for code in _seen.values():
        if code.co_name == "<module>":
            continue  # module-level code runs at import time, never "use"
        fn = code.co_filename
        if fn == _SELF_FILE:
            continue  # the replay loop itself
        mod = _module_of(fn)
        if mod is None:
            continue
        modules.add(mod)
        if _is_project(fn):
            functions.add(mod + ":" + _qualname(code))
    called = set()
    for code in _called.values():
        mod = _module_of(code.co_filename)
        if mod is not None and code.co_name != "<module>":
            called.add(mod)
    return sorted(modules), sorted(functions), sorted(called)


def _user_traceback(e):
    """The traceback of a failed event without this script's frames (the
    replay loop, the alarm handler, the import wrapper): the user wants to
    see their code, not lmms'."""
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != _SELF_FILE]
    text = "".join(traceback.format_exception_only(type(e), e))
    if frames:
        text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + text
    return text


def _response(value):
    """What the handler returned, comparable across runs: the value itself
    when JSON can carry it (lmms fix compares it canonically), else its repr."""
    try:
        json.dumps(value, allow_nan=False)
        return {"json": value}
    except Exception:
        pass
    try:
        return {"repr": repr(value)}
    except Exception:
        return {"repr": "<%s without a repr>" % type(value).__name__}


if TIMEOUT > 0:
    signal.signal(signal.SIGALRM, _on_alarm)

n = 0
for line in _events_text.splitlines():
    if not line.strip():
        continue
    item = json.loads(line)
    ctx = Context(n, TIMEOUT)
    error = None
    tb = None
    response = None
    _seen.clear()
    _called.clear()
    t0 = time.perf_counter()
    if TIMEOUT > 0:
        signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        _start()
        try:
            result = HANDLER(item["event"], ctx)
        finally:
            _stop()
            if TIMEOUT > 0:
                signal.setitimer(signal.ITIMER_REAL, 0)
        response = _response(result)
    except EventTimeout as e:
        error = "Timeout: %s" % e
        tb = _user_traceback(e)
    except BaseException as e:  # the event failed, the replay goes on
        if isinstance(e, KeyboardInterrupt):
            raise
        error = "%s: %s" % (type(e).__name__, e)
        tb = _user_traceback(e)
    ms = (time.perf_counter() - t0) * 1000.0
    modules, functions, called = _collect()
    _out.write(
        json.dumps(
            {"i": n, "name": item.get("name"), "error": error, "traceback": tb, "ms": round(ms, 3),
             "modules": modules, "functions": functions, "called": called, "response": response}
        )
        + "\n"
    )
    # lmms counts these lines as they come, for its progress bar.
    _out.flush()
    n += 1
_out.write(json.dumps({"done": n}) + "\n")
_out.flush()
