"""Write recorded.jsonl: 1,000 deterministic events for `lmms usage --events`.

Fixed counts, not probabilities, so every usage fraction is known exactly:
200 fetch (requests), 120 query (jmespath), 70 store (boto3 + pydantic),
40 stream (websocket), 20 report (pandas), 550 ping. The order is a seeded
shuffle, so cold-path events are interleaved with pings as in production.

    python events/make_events.py            # writes events/recorded.jsonl
"""
import json
import os
import random

COUNTS = {"fetch": 200, "query": 120, "store": 70, "stream": 40, "report": 20, "ping": 550}


def make(kind, i):
    if kind == "fetch":
        return {"type": "fetch", "url": "https://example.invalid/items/%d" % i, "params": {"page": i % 7}}
    if kind == "query":
        return {"type": "query", "expression": "items[?n > `%d`].n" % (i % 3),
                "data": {"items": [{"n": n} for n in range(i % 5 + 1)]}}
    if kind == "store":
        return {"type": "store", "record": {"key": "uploads/%05d.csv" % i, "size": 100 + i, "tags": ["csv"]}}
    if kind == "stream":
        return {"type": "stream", "message": "hello %d" % i}
    if kind == "report":
        return {"type": "report", "rows": [{"team": t, "amount": i + n} for n, t in enumerate("abab")]}
    return {"type": "ping"}


def main():
    events = [make(kind, i) for kind, n in COUNTS.items() for i in range(n)]
    random.Random(20240501).shuffle(events)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recorded.jsonl")
    with open(out, "w") as f:
        for e in events:
            f.write(json.dumps(e, sort_keys=True) + "\n")
    print("wrote %d events to %s" % (len(events), out))


if __name__ == "__main__":
    main()
