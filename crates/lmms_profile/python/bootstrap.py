# lmms profile bootstrap. Runs as `python -X importtime -c <this> ENTRY ATTR DUMP TIMEOUT ROOT...`.
# It must import nothing the user's code might import before the entry is
# loaded, or those imports would vanish from the profile: only builtins that
# the interpreter has already loaded (sys) and faulthandler (a builtin, so
# its row falls before the begin marker and is dropped).
import sys
import faulthandler


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
    handler = getattr(module, attr, None)
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
