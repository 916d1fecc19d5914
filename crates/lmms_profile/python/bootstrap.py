# lmms profile bootstrap. Runs as `python -X importtime -c <this> ENTRY ATTR DUMP TIMEOUT ROOT...`.
# It must import nothing the user's code might import before the entry is
# loaded, or those imports would vanish from the profile: only builtins that
# the interpreter has already loaded (sys) and faulthandler (a builtin, so
# its row falls before the begin marker and is dropped).
import sys
import faulthandler


def _lmms_dynamic_hooks(roots, err):
    """Make imports that project code asks for by name visible and marked.

    `importlib.import_module` loads through importlib's Python-level
    `_gcd_import`, which `-X importtime` does not time: the module gets no
    row, and what it imports is charged to whatever module was importing at
    the time. Routed through the C `__import__` instead, it gets its row, at
    the same place and with the same result. Before such a load, and before
    a load that project code started by calling `__import__(...)`, the
    caller is named on stderr:
    `@@lmms@@ dynamic import_module|__import__ MODULE IMPORTER`.
    Only `sys` and builtins are used, so nothing is imported early."""
    bootstrap = sys.modules.get("_frozen_importlib")
    if bootstrap is None or not hasattr(sys, "_getframe"):
        return None
    gcd_import = bootstrap._gcd_import
    find_and_load = bootstrap._find_and_load
    c_import = __import__
    getframe = sys._getframe
    # IMPORT_NAME's opcode differs between versions (108, 75 from 3.13):
    # the one opcode `import a` has that assignments lack. A frame paused on
    # it is an import statement; on anything else, a call of `__import__`.
    assign = set(compile("a = 0; b = None", "<lmms>", "exec").co_code[0::2])
    ops = {op for op in compile("import a", "<lmms>", "exec").co_code[0::2] if op not in assign}
    import_name = ops.pop() if len(ops) == 1 else None
    prefixes = tuple(r.rstrip("/\\") + sep for r in roots for sep in ("/", "\\"))

    def project(code):
        f = code.co_filename
        return f.startswith(prefixes) and "site-packages" not in f and "dist-packages" not in f

    def project_caller(frame):
        # The nearest project frame, unless a module body outside the
        # project runs in between (a library's own import_module calls).
        while frame is not None:
            code = frame.f_code
            if code.co_filename.startswith("<frozen importlib"):
                return None
            if project(code):
                return frame
            frame = frame.f_back
        return None

    def mark(via, name, frame):
        err.write("\n@@lmms@@ dynamic %s %s %s\n" % (via, name, frame.f_globals.get("__name__") or "?"))

    def lmms_gcd_import(name, package=None, level=0):
        frame = getframe(1)
        if frame.f_code.co_name == "import_module" and frame.f_globals.get("__name__") == "importlib":
            caller = project_caller(frame.f_back)
            if caller is not None:
                bootstrap._sanity_check(name, package, level)
                if level > 0:
                    name = bootstrap._resolve_name(name, package, level)
                    level = 0
                if name not in sys.modules:
                    mark("import_module", name, caller)
                    # A non-empty fromlist makes `__import__` return the
                    # module itself, as `_gcd_import` does.
                    return c_import(name, None, None, ("__name__",), 0)
        return gcd_import(name, package, level)

    def lmms_find_and_load(name, import_):
        frame = getframe(1)
        code = frame.f_code
        if import_name is not None and project(code) and code.co_code[frame.f_lasti] != import_name:
            mark("__import__", name, frame)
        return find_and_load(name, import_)

    bootstrap._gcd_import = lmms_gcd_import
    bootstrap._find_and_load = lmms_find_and_load

    def restore():
        bootstrap._gcd_import = gcd_import
        bootstrap._find_and_load = find_and_load

    return restore


def _lmms_edge_hooks(roots):
    """Record what the entry's import executes, for one untimed run.

    Every import statement, `__import__(...)` and `importlib.import_module`
    call, hits on modules already in `sys.modules` included, as (module,
    module whose code asked, line, function or None at module level, module
    whose module-level code was running and its line): `-X importtime` shows a module
    under its first importer only, and a library's own dynamic import
    (`__import__(name)` inside a function its module body calls) under no
    file's statements. Also every project function that ran. The hooks are
    Python code on every import and call, so this run is never timed."""
    import builtins

    bootstrap = sys.modules.get("_frozen_importlib")
    getframe = sys._getframe
    c_import = builtins.__import__
    gcd_import = bootstrap._gcd_import if bootstrap is not None else None
    prefixes = tuple(r.rstrip("/\\") + sep for r in roots for sep in ("/", "\\"))
    edges = set()
    codes = set()
    # What the interpreter loaded before the entry costs INIT nothing.
    before = set(sys.modules)

    def during(frame):
        while frame is not None:
            code = frame.f_code
            if code.co_name == "<module>" and not code.co_filename.startswith("<"):
                return frame.f_globals.get("__name__"), frame.f_lineno or 0
            frame = frame.f_back
        return None, 0

    def record(name, frame):
        if name in before:
            return
        # importlib's own frames (a from-list's submodules) are not the
        # importer: the code that started the import is.
        while frame is not None and frame.f_code.co_filename.startswith("<frozen "):
            frame = frame.f_back
        if frame is None:
            return
        importer = frame.f_globals.get("__name__")
        cause, cause_line = during(frame)
        if not importer or not cause or importer == "__main__" or cause == "__main__":
            return
        code = frame.f_code
        function = None if code.co_name == "<module>" else getattr(code, "co_qualname", code.co_name)
        edges.add((name, importer, frame.f_lineno or 0, function, cause, cause_line))

    def absolute(name, globals_, level):
        if level <= 0:
            return name
        g = globals_ or {}
        package = g.get("__package__")
        if package is None:
            package = g.get("__name__", "") if "__path__" in g else g.get("__name__", "").rpartition(".")[0]
        base = package.rsplit(".", level - 1)[0] if level > 1 else package
        return base + "." + name if name else base

    def lmms_import(name, globals=None, locals=None, fromlist=(), level=0):
        module = c_import(name, globals, locals, fromlist, level)
        try:
            frame = getframe(1)
            full = absolute(name, globals, level)
            if full in sys.modules:
                record(full, frame)
            for item in fromlist or ():
                sub = full + "." + item if isinstance(item, str) else None
                if sub is not None and sub in sys.modules:
                    record(sub, frame)
        except Exception:
            pass
        return module

    def lmms_gcd_import(name, package=None, level=0):
        module = gcd_import(name, package, level)
        try:
            frame = getframe(1)
            if frame.f_code.co_name == "import_module" and frame.f_globals.get("__name__") == "importlib":
                record(module.__name__, frame.f_back)
        except Exception:
            pass
        return module

    def profile(frame, event, arg):
        if event == "call":
            codes.add(frame.f_code)

    builtins.__import__ = lmms_import
    if gcd_import is not None:
        bootstrap._gcd_import = lmms_gcd_import
    sys.setprofile(profile)

    def finish():
        sys.setprofile(None)
        builtins.__import__ = c_import
        if gcd_import is not None:
            bootstrap._gcd_import = gcd_import

        def project(f):
            return f.startswith(prefixes) and "site-packages" not in f and "dist-packages" not in f

        by_file = {}
        for name, mod in list(sys.modules.items()):
            f = getattr(mod, "__file__", None)
            if isinstance(f, str):
                by_file.setdefault(f, name)
        ran = set()
        for code in codes:
            if code.co_name != "<module>" and project(code.co_filename) and code.co_filename in by_file:
                ran.add((by_file[code.co_filename], getattr(code, "co_qualname", code.co_name)))
        return {"imports": sorted(edges, key=repr), "ran": sorted(ran)}

    return finish


def _lmms_main():
    entry, attr, dump, timeout = sys.argv[1:5]
    roots = sys.argv[5:]
    del sys.argv[1:]
    # Source roots first, as Lambda puts LAMBDA_TASK_ROOT first.
    sys.path[0:0] = roots
    err = sys.stderr
    if float(timeout) > 0:
        # On a hang, Python itself says where it is stuck before lmms kills it.
        faulthandler.dump_traceback_later(float(timeout), exit=True)
    # Only when import times are recorded: a pure INIT timing stays untouched.
    restore = _lmms_dynamic_hooks(roots, err) if "importtime" in getattr(sys, "_xoptions", {}) else None
    # DUMP "edges": the one untimed run that records what the import executes.
    edges = _lmms_edge_hooks(roots) if dump == "edges" else None
    err.write("\n@@lmms@@ begin\n")
    err.flush()
    try:
        __import__(entry)
        module = sys.modules[entry]
    except BaseException:
        import traceback

        err.write("\n@@lmms@@ import-error\n")
        traceback.print_exc()
        err.flush()
        faulthandler.cancel_dump_traceback_later()
        sys.exit(3)
    module_count = len(sys.modules)
    if restore is not None:
        restore()
    executed = edges() if edges is not None else None
    handler = getattr(module, attr, None)
    # Rows after this line are the bootstrap's own (time, resource).
    err.write("\n@@lmms@@ loaded\n")
    import time

    ready_ns = time.monotonic_ns()
    faulthandler.cancel_dump_traceback_later()
    if not callable(handler):
        what = "has no attribute" if handler is None else "has a non-callable attribute"
        err.write("\n@@lmms@@ no-handler module %r %s %r\n" % (entry, what, attr))
        err.flush()
        sys.exit(4)
    import resource

    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        rss_kb //= 1024  # bytes there, KiB on Linux and the BSDs
    err.write("\n@@lmms@@ ready %d %d %d\n" % (ready_ns, rss_kb, module_count))
    if executed is not None:
        import json

        err.write("@@lmms@@ edges " + json.dumps(executed) + "\n")
    if dump == "1":
        import json
        import sysconfig

        files = {}
        for name, mod in list(sys.modules.items()):
            f = getattr(mod, "__file__", None)
            files[name] = f if isinstance(f, str) else None
        paths = sysconfig.get_paths()
        info = {
            "executable": sys.executable,
            "version": "%d.%d.%d" % sys.version_info[:3],
            "stdlib": [paths.get("stdlib"), paths.get("platstdlib")],
            "purelib": [paths.get("purelib"), paths.get("platlib")],
            "prefix": sys.prefix,
            "builtin": list(sys.builtin_module_names),
            "stdlib_names": sorted(getattr(sys, "stdlib_module_names", ())),
            "files": files,
        }
        err.write("@@lmms@@ info " + json.dumps(info) + "\n")
    err.flush()
    sys.stdout.flush()
    # Skip interpreter teardown: it is not part of INIT and only slows runs.
    import os

    os._exit(0)


_lmms_main()
