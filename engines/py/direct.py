#!/usr/bin/env python3
"""Runs an extraction adapter directly, without corpusbench, on pages that `corpusbench export`
wrote, so its quality and speed inside corpusbench can be compared with running it alone.

    corpusbench export --corpus DATASET --out pages.jsonl
    .peers/main/bin/python engines/py/direct.py trafilatura pages.jsonl --out outputs.json

The adapter's own `extract` function is called with the default parameters of its declaration
(engines/NAME.toml, `--param key=value` to change one), page after page in one thread. The
texts go to `--out` as a JSON map page id -> text, which `corpusbench run -s outputs:FILE`
scores with the same metrics; a page that raised is left out (corpusbench then counts it
failed). Printed: pages, failures, HTML megabytes (UTF-8), the wall seconds of the loop and
MB/s, the figure `mb_per_s` gives inside corpusbench.
"""

import argparse
import importlib
import json
import os
import sys
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from corpusbench_engine import parse_params  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("engine", help="engine name (engines/NAME.toml)")
    ap.add_argument("pages", help="JSON lines of corpusbench export")
    ap.add_argument("--out", required=True, help="JSON map page id -> text")
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()

    with open(os.path.join(HERE, "..", f"{args.engine}.toml"), "rb") as f:
        decl = tomllib.load(f)
    raw = {k: str(v["default"]).lower() if isinstance(v["default"], bool) else str(v["default"])
           for k, v in decl.get("params", {}).items()}
    for kv in args.param:
        key, _, value = kv.partition("=")
        raw[key] = value
    module = importlib.import_module(args.engine.replace("-", "_") + "_engine")
    params = parse_params(getattr(module, "PARAMS", None), raw)

    with open(args.pages, encoding="utf-8") as f:
        pages = [json.loads(line) for line in f if line.strip()]
    texts, failed, size = {}, 0, 0
    start = time.perf_counter()
    for p in pages:
        size += len(p["html"].encode("utf-8"))
        try:
            texts[p["id"]] = module.extract(p["html"], p.get("url"), params)
        except Exception:  # noqa: BLE001 - a failing page is counted, as inside corpusbench
            failed += 1
    wall = time.perf_counter() - start
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    print(json.dumps({"engine": args.engine, "pages": len(pages), "failed": failed, "mb": size / 1e6,
                      "wall_s": wall, "mb_per_s": size / 1e6 / wall if wall > 0 else 0.0}))


if __name__ == "__main__":
    main()
