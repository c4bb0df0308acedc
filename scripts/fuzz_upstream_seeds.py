"""Seeds for the load_upstream fuzz target: one input per upstream format, laid out as
fuzz/fuzz_targets/load_upstream.rs reads it (a byte naming the format, then its files joined by
0xFF bytes). Small handmade seeds always; when ../shared/data holds the upstream datasets, also
two real entries of each, renamed to the target's page ids p0 and p1.

    python3 scripts/fuzz_upstream_seeds.py OUT_DIR [DATA_DIR]
"""
import gzip
import json
import os
import sys

SEP = b"\xff"
CLOUGH, DOLMA, SCRAPINGHUB, TRAFILATURA, WCXB = range(5)


def read(path):
    """A file's bytes, from `path` or `path.gz`."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            data = f.read()
    else:
        with open(path + ".gz", "rb") as f:
            data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def seed(out, name, fmt, parts):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([fmt]) + SEP.join(parts))


def handmade(out):
    seed(out, "clough", CLOUGH, [b"File,Task,Category\norig_taska.txt,a,orig\ng0pA_taska.txt,a,cut\n",
                                 b"The source text.", b"The source text, cut."])
    docs = b'{"id": "a", "text": "one\\ntwo\\n"}\n{"id": "b", "text": "one\\nthree\\n"}\n'
    expected = (b'{"id": "a", "attributes": {"bff_duplicate_paragraph_spans": []}}\n'
                b'{"id": "b", "attributes": {"bff_duplicate_paragraph_spans": [[0, 4, 1]]}}\n')
    seed(out, "dolma", DOLMA, [docs, expected])
    page = b"<html><head><title>T</title></head><body><p>Body text.</p><div>menu</div></body></html>"
    seed(out, "scrapinghub", SCRAPINGHUB,
         [b'{"p0": {"articleBody": "Body text.", "url": "http://a.example/"}, "p1": {"articleBody": ""}}', page, page])
    seed(out, "trafilatura", TRAFILATURA,
         [b'{"http://a.example/": {"file": "p0.html", "with": ["Body text."], "without": ["menu"]}}', page, page])
    gt = b'{"url": "http://a.example/", "file_id": "p0", "ground_truth": {"main_content": "Body text."}}'
    seed(out, "wcxb", WCXB, [gt, page, gt.replace(b'"p0"', b'"p1"'), page])


def real(out, data):
    ext = os.path.join(data, "extraction")
    ded = os.path.join(data, "dedup")
    d = os.path.join(ded, "clough-stevenson")
    if os.path.isdir(d):
        rows = read(os.path.join(d, "file_information.csv")).decode("utf-8").splitlines()
        row = next(r for r in rows[1:] if r.startswith("g0pA_taska.txt"))
        info = f"{rows[0]}\norig_taska.txt,a,orig\n{row}\n".encode()
        seed(out, "clough-real", CLOUGH,
             [info, read(os.path.join(d, "orig_taska.txt")), read(os.path.join(d, "g0pA_taska.txt"))])
    d = os.path.join(ded, "dolma-fixtures")
    if os.path.isdir(d):
        docs = read(os.path.join(d, "tests__data__provided__deduper__documents__000.json")).splitlines()[:3]
        exp = read(os.path.join(d, "tests__data__expected__dedupe-paragraphs.json")).splitlines()[:3]
        seed(out, "dolma-real", DOLMA, [b"\n".join(docs) + b"\n", b"\n".join(exp) + b"\n"])
    d = os.path.join(ext, "scrapinghub-aeb")
    if os.path.isdir(d):
        gt = json.loads(read(os.path.join(d, "ground-truth.json")))
        # The two smallest pages: small inputs mutate faster.
        ids = sorted(gt, key=lambda k: (len(read(os.path.join(d, "html", f"{k}.html"))), k))[:2]
        renamed = {f"p{i}": gt[k] for i, k in enumerate(ids)}
        pages = [read(os.path.join(d, "html", f"{k}.html")) for k in ids]
        seed(out, "scrapinghub-real", SCRAPINGHUB, [json.dumps(renamed).encode()] + pages)
    d = os.path.join(ext, "trafilatura-eval")
    if os.path.isdir(d):
        gt = json.loads(read(os.path.join(d, "evaldata.json")))
        url = sorted(gt)[0]
        entry = dict(gt[url], file="p0.html")
        page = read(os.path.join(d, "eval", gt[url]["file"]))
        seed(out, "trafilatura-real", TRAFILATURA, [json.dumps({url: entry}).encode(), page])
    d = os.path.join(ext, "wcxb-dev")
    if os.path.isdir(d):
        parts = []
        stems = sorted(f[: -len(".json")] for f in os.listdir(os.path.join(d, "ground-truth")) if f.endswith(".json"))
        stems = sorted(stems, key=lambda s: (len(read(os.path.join(d, "html", f"{s}.html"))), s))[:2]
        for i, stem in enumerate(stems):
            g = json.loads(read(os.path.join(d, "ground-truth", f"{stem}.json")))
            g["file_id"] = f"p{i}"
            parts += [json.dumps(g).encode(), read(os.path.join(d, "html", f"{stem}.html"))]
        seed(out, "wcxb-real", WCXB, parts)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    handmade(out)
    if len(sys.argv) > 2 and os.path.isdir(sys.argv[2]):
        real(out, sys.argv[2])


if __name__ == "__main__":
    main()
