"""dolma: paragraph deduplication with a Bloom filter (dolma.deduper, the Rust deduper behind
`dolma dedupe`), run on the documents written in dolma's format to a temporary folder. The
duplicate paragraph spans of its attribute output, clipped, sorted and merged."""

import json
import os
import tempfile

from corpusbench_engine import merge_spans, serve_dedup, starting, version

with starting():
    import nltk

    # dolma asks NLTK to download "punkt" at import when it is missing; paragraph
    # deduplication uses no NLTK data, so the download is skipped (no network use).
    nltk.download = lambda *args, **kwargs: False
    import dolma

PARAMS = {
    "size_in_bytes": int,
    "estimated_doc_count": int,
    "desired_false_positive_rate": float,
    "skip_empty": bool,
}
ATTRIBUTE = "paragraph_duplicates"


def dedup(docs, params):
    with tempfile.TemporaryDirectory(prefix="dolma-dedup-") as tmp:
        source = os.path.join(tmp, "documents", "docs.jsonl")
        os.makedirs(os.path.dirname(source))
        with open(source, "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps({"id": str(d.index), "text": d.text, "source": "corpusbench"}) + "\n")
        # 0 elements would make dolma size its filter for none: count the paragraphs it inserts.
        elements = params["estimated_doc_count"] or max(1, sum(d.text.count("\n") + 1 for d in docs))
        dolma.deduper({
            "documents": [source],
            "work_dir": {"input": os.path.join(tmp, "work-in"), "output": os.path.join(tmp, "work-out")},
            "dedupe": {
                "name": ATTRIBUTE,
                "paragraphs": {"attribute_name": ATTRIBUTE},
                "skip_empty": params["skip_empty"],
                "min_length": 0,
                "min_words": 0,
                "num_partitions": 1,
                "partition_index": 0,
                "file_partition": False,
                "document_dir": "documents",
            },
            "bloom_filter": {
                "file": os.path.join(tmp, "bloom.bin"),
                "read_only": False,
                "size_in_bytes": params["size_in_bytes"],
                "estimated_doc_count": elements,
                "desired_false_positive_rate": params["desired_false_positive_rate"],
            },
            "processes": 1,
            "is_s3_volume": False,
            "compression": {"input": None, "output": None},
        })
        spans = {}
        with open(os.path.join(tmp, "attributes", ATTRIBUTE, "docs.jsonl"), encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                spans[int(row["id"])] = row["attributes"].get(ATTRIBUTE, [])
    # dolma's offsets count code points, but it adds the separator after the last paragraph
    # when the text has more bytes than code points: clip every span to the text.
    answers = []
    for d in docs:
        n = len(d.text)
        answers.append({"spans": merge_spans((min(s, n), min(e, n)) for s, e, _score in spans.get(d.index, []))})
    return answers, {"duplicate_spans": sum(len(a["spans"]) for a in answers)}


if __name__ == "__main__":
    serve_dedup("dolma", version("dolma"), dedup, PARAMS)
