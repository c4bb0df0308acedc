#!/usr/bin/env python3
"""Each Python extraction peer inside corpusbench (`engine:NAME`) beside the same adapter run
directly (engines/py/direct.py), on the same pages: quality and MB/s of both, one thread.

    scripts/side_by_side.py --corpus ../shared/data/extraction [--engine NAME ...] [--out DIR]

For every dataset under --corpus, `corpusbench export` writes the decoded pages once; every
engine then runs directly (outputs saved), and one `corpusbench run --threads 1` scores each
engine beside its direct outputs (`outputs:FILE`), so both are scored by the same code. Prints a
Markdown table: the dataset's primary metric inside and direct, MB/s inside (`mb_per_s`, round
trip included) and direct (the adapter's loop), and their ratio. Direct runs and corpusbench runs
alternate per dataset; run it on an idle machine.
"""

import argparse
import csv
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTRACTORS = ["trafilatura", "resiliparse", "readability", "justext", "inscriptis", "newspaper4k", "boilerpy3"]
PRIMARY = {"scrapinghub-aeb": "shingle_f1", "trafilatura-eval": "snippet_f1", "wcxb-dev": "bow_f1"}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="a folder of extraction dataset folders")
    ap.add_argument("--engine", action="append", help="engines to compare (default: every extraction peer)")
    ap.add_argument("--out", default=os.path.join(REPO, "results", "side-by-side"))
    ap.add_argument("--corpusbench", default=os.path.join(REPO, "target", "release", "corpusbench"))
    args = ap.parse_args()
    engines = args.engine or EXTRACTORS
    peers = os.environ.get("CORPUSBENCH_PEERS", os.path.join(REPO, ".peers"))
    python = os.path.join(peers, "main", "bin", "python")
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for name in sorted(os.listdir(args.corpus)):
        ds = os.path.join(args.corpus, name)
        if not os.path.isfile(os.path.join(ds, "dataset.toml")) and name not in PRIMARY:
            continue
        pages = os.path.join(args.out, f"{name}.pages.jsonl")
        run([args.corpusbench, "export", "--corpus", ds, "--out", pages], cwd=REPO)
        direct = {}
        specs = []
        for e in engines:
            outputs = os.path.join(args.out, f"{name}.{e}.json")
            line = run([python, os.path.join(REPO, "engines", "py", "direct.py"), e, pages, "--out", outputs]).stdout
            direct[e] = (json.loads(line.strip().splitlines()[-1]), f"outputs:{outputs}")
            specs += ["-s", f"engine:{e}", "-s", f"outputs:{outputs}"]
        out = os.path.join(args.out, f"{name}.run")
        subprocess.run([args.corpusbench, "run", "--corpus", ds, "--threads", "1", "--out", out, *specs], cwd=REPO,
                       check=False, capture_output=True)
        values = {}
        with open(os.path.join(out, "results.csv"), newline="") as f:
            for r in csv.DictReader(f):
                values[(r["strategy"], r["metric"])] = float(r["value"])
        primary = PRIMARY.get(name, "bow_f1")
        for e in engines:
            stats, saved = direct[e]
            inside_q = values.get((f"engine:{e}", primary))
            direct_q = values.get((saved, primary))
            inside_mb = values.get((f"engine:{e}", "mb_per_s"))
            overhead = values.get((f"engine:{e}", "overhead_p50_ms"))
            rows.append((name, e, primary, inside_q, direct_q, inside_mb, stats["mb_per_s"], overhead))
    print("| dataset | engine | metric | inside | direct | MB/s inside | MB/s direct | inside / direct | overhead p50 ms |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    fmt = lambda v, p=3: "-" if v is None else f"{v:.{p}f}"  # noqa: E731
    for name, e, metric, iq, dq, imb, dmb, ov in rows:
        ratio = imb / dmb if imb and dmb else None
        print(f"| {name} | {e} | {metric} | {fmt(iq)} | {fmt(dq)} | {fmt(imb, 1)} | {fmt(dmb, 1)} | {fmt(ratio, 2)} | {fmt(ov, 3)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
