"""Measure the lmms tracker's per-invocation overhead (numbers for BENCHMARKS.md).

    python crates/lmms_usage/bench/tracker_overhead.py [APP_DIR EVENT_JSON ...]

Without arguments a trivial handler (json.dumps of the event) is measured;
with an app dir (containing lambda_function.py) and event files, its real
handler. For each: plain call, @track(rate=0) (unsampled path) and
@track(rate=1) (every call sampled; the JSON line goes to /dev/null).
Reports the median per-call time in microseconds over 15 repeats. Without
arguments it first measures the wrapper alone around a no-op handler
(timeit, best of 7), which isolates the tracker's own cost from noise.
"""
import io
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import lmms_tracker  # noqa: E402


def per_call_us(fn, event, n):
    samples = []
    for _ in range(15):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(event, None)
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples)


def measure(label, handler, event, n):
    real_stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # the sampled line, and app logging
    try:
        plain = per_call_us(handler, event, n)
        unsampled = per_call_us(lmms_tracker.track(handler, rate=0.0), event, n)
        sampled = per_call_us(lmms_tracker.track(handler, rate=1.0), event, max(n // 10, 50))
    finally:
        sys.stdout.close()
        sys.stdout = real_stdout
    print(
        "%-28s plain %8.2f us | unsampled %8.2f us (+%.2f) | sampled %9.2f us (+%.2f)"
        % (label, plain, unsampled, unsampled - plain, sampled, sampled - plain)
    )


def main():
    print("python %s (%s hook)" % (sys.version.split()[0], "sys.monitoring" if hasattr(sys, "monitoring") else "sys.setprofile"))
    if len(sys.argv) > 1:
        app = os.path.abspath(sys.argv[1])
        sys.path.insert(0, app)
        os.chdir(app)
        import logging

        logging.disable(logging.CRITICAL)
        import lambda_function

        for path in sys.argv[2:]:
            with open(path) as f:
                event = json.load(f)
            lambda_function.lambda_handler(event, None)  # warm lazy loaders
            measure(os.path.basename(path), lambda_function.lambda_handler, event, 2000)
    else:
        import timeit

        def noop(event, context):
            return None

        unsampled_w = lmms_tracker.track(noop, rate=0.0)
        sampled_w = lmms_tracker.track(noop, rate=1.0)
        n = 200000
        base = min(timeit.repeat(lambda: noop(1, None), number=n, repeat=7)) / n * 1e9
        uns = min(timeit.repeat(lambda: unsampled_w(1, None), number=n, repeat=7)) / n * 1e9
        real_stdout = sys.stdout
        sys.stdout = open(os.devnull, "w")
        try:
            sam = min(timeit.repeat(lambda: sampled_w(1, None), number=20000, repeat=7)) / 20000 * 1e9
        finally:
            sys.stdout.close()
            sys.stdout = real_stdout
        print(
            "%-28s unsampled +%.0f ns | sampled +%.1f us (wrapper alone, best of 7)"
            % ("no-op handler", uns - base, (sam - base) / 1000)
        )

        def handler(event, context):
            return json.dumps(event)

        measure("trivial json.dumps handler", handler, {"type": "ping", "n": 1}, 20000)


if __name__ == "__main__":
    main()
