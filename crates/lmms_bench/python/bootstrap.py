# lmms bench bootstrap. Runs as `python -c <this> MODULE ATTR EVENT_FILE ROOT...`.
# It imports only `sys` before the entry, so nothing the app needs is
# pre-loaded; the event is read after INIT is stamped and before the handler
# clock starts. Results go to stderr after a `@@lmms-bench@@` marker line.
import sys


class _LambdaContext:
    function_name = "lmms-bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:lmms-bench"
    log_group_name = "/aws/lambda/lmms-bench"
    log_stream_name = "lmms-bench"

    def get_remaining_time_in_millis(self):
        return 900000


def _user_traceback(marker, code):
    # The first frame is this bootstrap's own call: the user needs only
    # their code's frames, as Python shows them for `python -m app`.
    import traceback

    kind, value, tb = sys.exc_info()
    traceback.print_exception(kind, value, tb.tb_next if tb is not None else None)
    sys.stderr.write("\n@@lmms-bench@@ " + marker + "\n")
    sys.stderr.flush()
    sys.exit(code)


def _lmms_bench():
    entry, attr, event_path = sys.argv[1:4]
    roots = sys.argv[4:]
    del sys.argv[1:]
    sys.path[0:0] = roots
    try:
        __import__(entry)
        handler = getattr(sys.modules[entry], attr)
    except BaseException:
        _user_traceback("import-error", 3)
    import time

    ready_ns = time.monotonic_ns()
    import resource

    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first_ns = -1
    if event_path:
        import json

        with open(event_path, "rb") as f:
            event = json.load(f)
        context = _LambdaContext()
        try:
            t0 = time.monotonic_ns()
            handler(event, context)
            first_ns = time.monotonic_ns() - t0
        except BaseException:
            _user_traceback("handler-error", 5)
    sys.stderr.write("\n@@lmms-bench@@ ready %d %d %d\n" % (ready_ns, rss_kb, first_ns))
    sys.stderr.flush()
    sys.stdout.flush()
    import os

    os._exit(0)


_lmms_bench()
