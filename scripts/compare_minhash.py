#!/usr/bin/env python3
"""Side-by-side MinHash-LSH throughput on one JSONL file of documents: datasketch (MinHash +
MinHashLSH) and rensa (RMinHash + RMinHashLSH), each with word 5-gram shingling done in Python as
their users write it, and corpusbench's `minhash@fineweb` as the reference measured in the same run.

Every engine does the same job end to end: texts in memory -> signatures -> LSH with 14 bands x 8
rows (112 permutations, FineWeb's setting) -> candidate pairs -> union-find clusters. The number of
clusters each finds is printed beside its speed, so a fast wrong answer shows.

    python scripts/compare_minhash.py DIR/docs.jsonl --corpusbench target/release/corpusbench

Times are medians of --repeat runs, single-threaded (Python engines are; corpusbench is run with
--threads 1). MB/s counts UTF-8 bytes of the texts; JSON reading is not timed.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BANDS, ROWS, NGRAM = 14, 8, 5


def shingles(text, n=NGRAM):
    """Word n-grams of the lower-cased, white-space split text (a text shorter than n words is one
    shingle)."""
    words = text.lower().split()
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def count_clusters(n, pairs):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return len({find(i) for i in range(n)})


def run_datasketch(texts):
    from datasketch import MinHash, MinHashLSH

    num_perm = BANDS * ROWS
    lsh = MinHashLSH(num_perm=num_perm, params=(BANDS, ROWS))
    sigs = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=num_perm)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        lsh.insert(i, m)
        sigs.append(m)
    pairs = [(i, j) for i, m in enumerate(sigs) for j in lsh.query(m) if j != i]
    return count_clusters(len(texts), pairs)


def run_rensa(texts):
    from rensa import RMinHash, RMinHashLSH

    num_perm = BANDS * ROWS
    lsh = RMinHashLSH(threshold=0.8, num_perm=num_perm, num_bands=BANDS)
    sigs = []
    for i, text in enumerate(texts):
        m = RMinHash(num_perm=num_perm, seed=42)
        m.update(list(shingles(text)))
        lsh.insert(i, m)
        sigs.append(m)
    pairs = [(i, j) for i, m in enumerate(sigs) for j in lsh.query(m) if j != i]
    return count_clusters(len(texts), pairs)


def run_corpusbench(binary, docs_path, repeat):
    """Median MB/s of `minhash@fineweb` on the dataset folder holding docs_path (its pair F1
    against the planted clusters is checked to be 1)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [binary, "run", "--corpus", os.path.dirname(os.path.abspath(docs_path)), "-s", "minhash@fineweb",
               "--threads", "1", "--repeat", str(repeat), "--out", out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "results.csv"), newline="") as f:
            rows = {r["metric"]: float(r["value"]) for r in csv.DictReader(f)}
    if rows.get("pair_f1") != 1.0:
        print(f"warning: corpusbench pair_f1 = {rows.get('pair_f1')}, not 1", file=sys.stderr)
    return rows.get("mb_per_s")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs", help="JSONL with a `text` field per line (e.g. from examples/gen_bench_corpus.rs)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per engine; the median is reported")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N documents (0 = all)")
    ap.add_argument("--corpusbench", help="path to the corpusbench binary, to measure the reference in the same run")
    ap.add_argument("--engines", default="datasketch,rensa", help="comma-separated: datasketch, rensa")
    args = ap.parse_args()

    with open(args.docs, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    if args.limit:
        texts = texts[: args.limit]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"{len(texts)} documents, {mb:.1f} MB; word {NGRAM}-grams, {BANDS} bands x {ROWS} rows; "
          f"median of {args.repeat} runs, 1 thread")

    results = {}
    if args.corpusbench:
        if args.limit:
            print("note: --limit does not apply to corpusbench, which reads the whole dataset folder")
        mbps = run_corpusbench(args.corpusbench, args.docs, args.repeat)
        results["corpusbench minhash@fineweb"] = mbps
        print(f"{'corpusbench minhash@fineweb':32s} {mbps:9.2f} MB/s")
    engines = {"datasketch": run_datasketch, "rensa": run_rensa}
    for name in args.engines.split(","):
        fn = engines[name.strip()]
        times, clusters = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            clusters = fn(texts)
            times.append(time.perf_counter() - t0)
        mbps = mb / statistics.median(times)
        results[name] = mbps
        print(f"{name:32s} {mbps:9.2f} MB/s   {clusters} clusters")
        sys.stdout.flush()
    ref = results.get("corpusbench minhash@fineweb")
    if ref:
        for name, mbps in results.items():
            if name != "corpusbench minhash@fineweb":
                print(f"ratio corpusbench / {name}: {ref / mbps:.1f}x")


if __name__ == "__main__":
    main()
