#!/usr/bin/env python3
"""Brute-force fuzzy screening with rapidfuzz, on the data written by
`cargo run --release -p xyjt-match --example screen_bench -- --out DIR`.

For each query, the best-scoring listed name over *all* listed names is taken
(`rapidfuzz.process.extractOne`, or `rapidfuzz.process.cdist` in chunks, both
single-threaded unless --workers says otherwise). Recall and precision use the
same labels and definitions as screen_bench:

* recall@1: the true entry is the best match and its score >= cutoff (true variants only,
  two-change `stress_*` variants left out);
* precision@1: among queries whose best score >= cutoff, the share whose best match is the
  true entry (non-listed queries count as wrong when they have one).

Usage:
    pip install rapidfuzz numpy
    python3 scripts/bench/rapidfuzz_screen.py /tmp/screen --queries 200 \
        --field name --scorer ratio --method extractone

--field name: the names as written, with rapidfuzz's utils.default_process (lower case,
              non-alphanumerics to spaces, trimmed), applied once to every listed name up
              front (timed separately) and to each query inside the timed loop;
--field norm: the names after xyjt's character-level normalisation (traditional → simplified,
              full → half width, no brackets/spaces/punctuation, upper case), as written by
              screen_bench: the normalisation is then not part of the timed loop.

The query subset is every k-th query (k = total / --queries), which keeps the 70/30 mix of
true variants and non-listed names. If DIR/xyjt_results.csv exists, xyjt's metrics on the same
subset are printed too (--xyjt-threshold).
"""

import argparse
import csv
import sys
import time

import numpy as np
from rapidfuzz import fuzz, process, utils


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def metrics(rows, cutoff, score_key, top_key):
    """rows: dicts with label, kind, top (entry id), score."""
    pos = found = reported = correct = neg = flagged = 0
    for r in rows:
        if r["kind"].startswith("stress_"):
            continue
        score = r[score_key]
        above = score is not None and score >= cutoff
        is_correct = above and r["label"] != "" and r[top_key] == r["label"]
        if r["label"]:
            pos += 1
            found += is_correct
        else:
            neg += 1
            flagged += above
        if above:
            reported += 1
            correct += is_correct
    ratio = lambda a, b: a / b if b else 0.0
    return ratio(found, pos), ratio(correct, reported), ratio(flagged, neg), pos, neg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--field", choices=["name", "norm"], default="name")
    ap.add_argument("--scorer", choices=["ratio", "WRatio"], default="ratio")
    ap.add_argument("--method", choices=["extractone", "cdist"], default="extractone")
    ap.add_argument("--cutoff", type=float, default=0.0,
                    help="score_cutoff passed to rapidfuzz (0 keeps every best match)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=8, help="queries per cdist call")
    ap.add_argument("--xyjt-threshold", type=float, default=0.63)
    args = ap.parse_args()

    t = time.perf_counter()
    listed = load(f"{args.dir}/listed.csv")
    queries = load(f"{args.dir}/queries.csv")
    print(f"loaded {len(listed)} listed names and {len(queries)} queries "
          f"in {time.perf_counter() - t:.1f} s")
    stride = max(1, len(queries) // args.queries)
    subset = queries[::stride][: args.queries]
    ids = [r["entry_id"] for r in listed]
    scorer = {"ratio": fuzz.ratio, "WRatio": fuzz.WRatio}[args.scorer]

    t = time.perf_counter()
    if args.field == "name":
        choices = [utils.default_process(r["name"]) for r in listed]
        prep = utils.default_process
    else:
        choices = [r["norm"] for r in listed]
        prep = lambda s: s
    print(f"prepared {len(choices)} choices ({args.field}) in {time.perf_counter() - t:.1f} s")

    results = []
    t = time.perf_counter()
    if args.method == "extractone":
        for q in subset:
            best = process.extractOne(prep(q[args.field]), choices, scorer=scorer,
                                      processor=None, score_cutoff=args.cutoff)
            results.append((best[1], best[2]) if best else (None, None))
    else:
        for i in range(0, len(subset), args.chunk):
            chunk = [prep(q[args.field]) for q in subset[i : i + args.chunk]]
            m = process.cdist(chunk, choices, scorer=scorer, processor=None,
                              score_cutoff=args.cutoff, dtype=np.float32, workers=args.workers)
            best = m.argmax(axis=1)
            for row, j in enumerate(best):
                results.append((float(m[row, j]), int(j)))
    elapsed = time.perf_counter() - t
    n = len(subset)
    print(f"rapidfuzz {args.method} {args.scorer} on {args.field}, workers={args.workers}, "
          f"score_cutoff={args.cutoff}: {n} queries against {len(choices)} names in "
          f"{elapsed:.2f} s = {n / elapsed:.2f} names/s ({elapsed / n * 1000:.0f} ms per name)")

    rows = []
    for q, (score, j) in zip(subset, results):
        rows.append({
            "label": q["label_entry_id"],
            "kind": q["kind"],
            "top": ids[j] if j is not None else "",
            "score": score,
        })
    print("| cutoff | recall@1 | precision@1 | non-listed flagged |")
    print("|---|---|---|---|")
    best_cutoff = None
    for cutoff in range(50, 101, 1):
        r, p, f, pos, neg = metrics(rows, cutoff, "score", "top")
        if r >= 0.98:
            best_cutoff = (cutoff, r, p, f)
        if cutoff % 5 == 0:
            print(f"| {cutoff} | {r:.4f} | {p:.4f} | {f:.4f} |")
    print(f"({pos} true variants, {neg} non-listed in the subset)")
    kinds = {}
    for x in rows:
        k = kinds.setdefault(x["kind"], [0, 0])
        k[0] += 1
        k[1] += bool(x["label"]) and x["top"] == x["label"]
    print("per kind (queries, true entry is the best match at any score): " + ", ".join(
        f"{k} {n}/{c}" if not k.startswith("neg_") else f"{k} {n}"
        for k, (n, c) in sorted(kinds.items())))
    r_any = sum(1 for x in rows if x["label"] and x["top"] == x["label"]
                and not x["kind"].startswith("stress_")) / max(1, pos)
    print(f"true entry is rapidfuzz's best match (any score): {r_any:.4f}")
    if best_cutoff:
        c, r, p, f = best_cutoff
        print(f"highest cutoff with recall@1 >= 0.98: {c} (recall {r:.4f}, precision@1 {p:.4f}, "
              f"non-listed flagged {f:.4f})")
    else:
        print("no cutoff reaches recall@1 >= 0.98")

    try:
        xyjt = {r["query_id"]: r for r in load(f"{args.dir}/xyjt_results.csv")}
    except FileNotFoundError:
        return
    xrows = []
    for q in subset:
        x = xyjt[q["query_id"]]
        xrows.append({
            "label": q["label_entry_id"],
            "kind": q["kind"],
            "top": x["top_entry_id"],
            "score": float(x["top_score"]) if x["top_score"] else None,
        })
    r, p, f, _, _ = metrics(xrows, args.xyjt_threshold, "score", "top")
    print(f"xyjt on the same {n} queries at threshold {args.xyjt_threshold}: "
          f"recall@1 {r:.4f}, precision@1 {p:.4f}, non-listed flagged {f:.4f}")


if __name__ == "__main__":
    sys.exit(main())
