"""datatrove: its MinHash deduplication pipeline (signatures -> buckets -> clusters -> filter),
run locally in a temporary folder. Clusters are datatrove's, each labelled by its smallest
document index; stats count the documents datatrove's filter removed."""

import tempfile

from corpusbench_engine import serve_dedup, starting, version

with starting():
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    load_word_tokenizer("eng").word_tokenize("warm up")  # loads spaCy once, before any timing

PARAMS = {"n_grams": int, "num_buckets": int, "hashes_per_bucket": int, "seed": int}


def dedup(docs, params):
    config = MinhashConfig(**params)
    seen, kept = [], set()

    def observe(data, rank=0, world_size=1):
        for doc in data:
            seen.append(doc)  # the filter writes the cluster id into these documents' metadata
            yield doc

    def survivors(data, rank=0, world_size=1):
        for doc in data:
            kept.add(doc.id)
            yield doc

    with tempfile.TemporaryDirectory(prefix="datatrove-minhash-") as tmp:
        documents = [Document(text=d.text, id=str(d.index)) for d in docs]
        stages = [
            ([documents, MinhashDedupSignature(output_folder=f"{tmp}/signatures", config=config)], 1),
            ([MinhashDedupBuckets(f"{tmp}/signatures", f"{tmp}/buckets", config=config)], config.num_buckets),
            ([MinhashDedupCluster(f"{tmp}/buckets", f"{tmp}/remove", config=config, save_cluster_id=True)], 1),
            ([documents, observe, MinhashDedupFilter(f"{tmp}/remove", load_cluster_ids=True), survivors], 1),
        ]
        for stage, (pipeline, tasks) in enumerate(stages):
            LocalPipelineExecutor(pipeline, tasks=tasks, workers=1, logging_dir=f"{tmp}/logs/{stage}").run()

    labels = list(range(len(docs)))
    first = {}  # datatrove cluster id -> smallest index in it
    for doc in seen:
        cluster, index = doc.metadata.get("minhash_cluster_id", -1), int(doc.id)
        if cluster != -1:
            labels[index] = first.setdefault(cluster, index)
    stats = {"removed": len(docs) - len(kept), "clusters": len(first)}
    return [{"cluster": c} for c in labels], stats


if __name__ == "__main__":
    serve_dedup("datatrove-minhash", version("datatrove"), dedup, PARAMS)
