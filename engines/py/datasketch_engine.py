"""datasketch: MinHash of word n-grams into MinHashLSH; clusters are the connected components
of the LSH query results, each labelled by its smallest document index."""

from corpusbench_engine import clusters_from_pairs, serve_dedup, starting, version, word_ngrams

with starting():
    from datasketch import MinHash, MinHashLSH

PARAMS = {"threshold": float, "num_perm": int, "ngram": int, "seed": int}


def dedup(docs, params):
    shingles = [word_ngrams(d.text, params["ngram"]) for d in docs]
    sketches = MinHash.bulk(
        ([s.encode("utf-8") for s in sh] for sh in shingles), num_perm=params["num_perm"], seed=params["seed"]
    )
    lsh = MinHashLSH(threshold=params["threshold"], num_perm=params["num_perm"])
    indexed = [i for i, sh in enumerate(shingles) if sh]  # an empty text has no MinHash
    for i in indexed:
        lsh.insert(i, sketches[i])
    pairs = {(min(i, j), max(i, j)) for i in indexed for j in lsh.query(sketches[i]) if j != i}
    labels = clusters_from_pairs(len(docs), pairs)
    return [{"cluster": c} for c in labels], {"candidate_pairs": len(pairs), "bands": lsh.b, "rows": lsh.r}


if __name__ == "__main__":
    serve_dedup("datasketch", version("datasketch"), dedup, PARAMS)
