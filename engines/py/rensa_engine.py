"""rensa: RMinHash of word n-grams into RMinHashLSH; clusters are the connected components of
the LSH query results, each labelled by its smallest document index."""

from corpusbench_engine import clusters_from_pairs, serve_dedup, starting, version, word_ngrams

with starting():
    from rensa import RMinHash, RMinHashLSH

PARAMS = {"threshold": float, "num_perm": int, "num_bands": int, "ngram": int, "seed": int}


def _error_weight(threshold, bands, rows, steps=200):
    """False positive plus false negative area of the banding's S-curve (datasketch's criterion
    with equal weights), by the midpoint rule."""
    total = 0.0
    for k in range(steps):
        s = (k + 0.5) / steps
        p = 1.0 - (1.0 - s**rows) ** bands
        total += p if s < threshold else 1.0 - p
    return total / steps


def choose_bands(threshold, num_perm):
    """The band count among the divisors of num_perm (RMinHashLSH needs equal bands) whose
    S-curve best fits the threshold."""
    divisors = [b for b in range(1, num_perm + 1) if num_perm % b == 0]
    return min(divisors, key=lambda b: _error_weight(threshold, b, num_perm // b))


def dedup(docs, params):
    num_perm = params["num_perm"]
    bands = params["num_bands"] or choose_bands(params["threshold"], num_perm)
    shingles = [word_ngrams(d.text, params["ngram"]) for d in docs]
    sketches = RMinHash.from_token_sets(shingles, num_perm, params["seed"])
    lsh = RMinHashLSH(params["threshold"], num_perm, bands)
    indexed = [i for i, sh in enumerate(shingles) if sh]  # an empty text has no MinHash
    for i in indexed:
        lsh.insert(i, sketches[i])
    found = lsh.query_all([sketches[i] for i in indexed])
    pairs = {(min(i, j), max(i, j)) for i, cands in zip(indexed, found) for j in cands if j != i}
    labels = clusters_from_pairs(len(docs), pairs)
    return [{"cluster": c} for c in labels], {"candidate_pairs": len(pairs), "bands": bands}


if __name__ == "__main__":
    serve_dedup("rensa", version("rensa"), dedup, PARAMS)
