"""Write recorded.jsonl: 200 events in a realistic mix (deterministic).

70% ping, 12% fetch, 8% notify, 6% archive, 4% stream — the samples next to
this file, shuffled with a fixed seed so replays are reproducible.
"""
import json
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
mix = {"ping": 140, "fetch": 24, "notify": 16, "archive": 12, "stream": 8}
events = []
for kind, count in mix.items():
    with open(os.path.join(here, f"{kind}.json")) as f:
        sample = json.load(f)
    events += [sample] * count
random.Random(810).shuffle(events)
with open(os.path.join(here, "recorded.jsonl"), "w") as f:
    for e in events:
        f.write(json.dumps(e, sort_keys=True) + "\n")
