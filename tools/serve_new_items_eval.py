#!/usr/bin/env python3
"""Cold-start check of `gr2 serve --sid`: how well the served re-ranker ranks candidates it meets as
new items (SIDs assigned on the fly from their text) against the same slates with the SIDs it was
trained on.

For each sampled test slate with a positive label it sends /v1/rerank three ways: candidates by id
(trained SIDs); every candidate renamed "new/<id>" with its catalog text (title, category, brand),
so the server gives it a SID from the text (rerank requests of later slates reuse them); and it
also scores the incoming order. History items stay known ids. Prints R@1, R@3 and N@3 of each, with
95% paired-bootstrap intervals of the differences. Standard library only.

  gr2 serve --model work/demo/rl_conditional --data work/demo/data --sid work/demo/sid --port 8000 &
  tools/serve_new_items_eval.py --url http://127.0.0.1:8000 --data work/demo/data --sample 1000
"""
import argparse
import json
import math
import random
import sys
import urllib.error
import urllib.request


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def recall_at(labels, order, k):
    positives = sum(1 for x in labels if x > 0)
    return sum(1 for i in order[:k] if labels[i] > 0) / min(k, positives)


def ndcg_at(labels, order, k):
    dcg = sum((2 ** labels[i] - 1) / math.log2(2 + r) for r, i in enumerate(order[:k]))
    ideal = sorted(labels, reverse=True)
    idcg = sum((2 ** g - 1) / math.log2(2 + r) for r, g in enumerate(ideal[:k]))
    return dcg / idcg


def rerank(url, body):
    request = urllib.request.Request(url + "/v1/rerank", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as e:
        sys.exit(f"serve_new_items_eval: HTTP {e.code}: {e.read().decode(errors='replace')}")
    if answer.get("fallback"):
        print(f"serve_new_items_eval: warning: fallback {answer['fallback']}", file=sys.stderr)
    return [r["index"] for r in answer["results"]]


def bootstrap(diffs, rounds=2000, seed=1):
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--data", required=True, help="data directory (catalog.jsonl, slates_test.jsonl)")
    ap.add_argument("--sample", type=int, default=1000, help="test slates with a positive (0 = all)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    catalog = {item["item_id"]: item for item in read_jsonl(args.data + "/catalog.jsonl")}
    slates = [s for s in read_jsonl(args.data + "/slates_test.jsonl") if any(x > 0 for x in s["labels"])]
    random.Random(args.seed).shuffle(slates)
    if args.sample > 0:
        slates = slates[: args.sample]

    metrics = {name: {"R@1": [], "R@3": [], "N@3": []} for name in ("incoming", "trained SIDs", "new items")}
    for n, slate in enumerate(slates, 1):
        labels = slate["labels"]
        ids = [c["item_id"] for c in slate["candidates"]]
        base = {"history": slate["history"][-500:], "user_id": slate.get("user_id", "")}
        known = rerank(args.url, dict(base, candidates=ids))
        fresh = []
        for item_id in ids:
            item = catalog[item_id]
            fresh.append({"item_id": "new/" + item_id, "title": item.get("title", ""),
                          "category": item.get("category", []), "brand": item.get("brand", "")})
        new = rerank(args.url, dict(base, candidates=fresh))
        for name, order in (("incoming", list(range(len(ids)))), ("trained SIDs", known), ("new items", new)):
            metrics[name]["R@1"].append(recall_at(labels, order, 1))
            metrics[name]["R@3"].append(recall_at(labels, order, 3))
            metrics[name]["N@3"].append(ndcg_at(labels, order, 3))
        if n % 100 == 0:
            print(f"serve_new_items_eval: {n}/{len(slates)} slates", file=sys.stderr)

    print(f"{len(slates)} test slates with a positive, seed {args.seed}")
    print("| policy | R@1 | R@3 | N@3 |\n|---|---:|---:|---:|")
    for name, m in metrics.items():
        cells = []
        for key in ("R@1", "R@3", "N@3"):
            mean = sum(m[key]) / len(m[key])
            if name == "incoming":
                cells.append(f"{mean:.3f}")
                continue
            ref = "trained SIDs" if name == "new items" else "incoming"
            diffs = [a - b for a, b in zip(m[key], metrics[ref][key])]
            lo, hi = bootstrap(diffs)
            cells.append(f"{mean:.3f} ({sum(diffs) / len(diffs):+.3f} [{lo:+.3f}, {hi:+.3f}] vs {ref})")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
