"""Writes recorded.jsonl: 100 requests in the mix the shop sees in a day's logs."""
import json
import random

MIX = [("cart", 40), ("search", 30), ("health", 15), ("checkout", 12), ("export", 3)]
QUERIES = ["mug", "tea", "cups", "jug", "teapot", "spoon"]


def event(action, rng):
    e = {"action": action, "customer": f"c-{rng.randint(1, 50)}", "country": rng.choice(["DE", "FR", "NL"])}
    if action in ("cart", "checkout"):
        e["items"] = [{"sku": rng.choice(["sku-100", "sku-200", "sku-300"]), "quantity": rng.randint(1, 3)}]
    if action == "search":
        e["query"] = rng.choice(QUERIES)
    if action == "health":
        e = {"action": "health"}
    return e


if __name__ == "__main__":
    rng = random.Random(7)
    events = [event(a, rng) for a, n in MIX for _ in range(n)]
    rng.shuffle(events)
    with open("recorded.jsonl", "w") as f:
        for e in events:
            f.write(json.dumps(e, sort_keys=True) + "\n")
