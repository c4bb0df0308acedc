"""datatrove: GopherRepetitionFilter with its defaults; a document it removes is one span
covering the whole text, a kept one has no spans. Stats count removals by reason."""

from collections import Counter

from corpusbench_engine import serve_dedup, starting, version

with starting():
    from datatrove.data import Document
    from datatrove.pipeline.filters import GopherRepetitionFilter
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    load_word_tokenizer("eng").word_tokenize("warm up")  # loads spaCy once, before any timing

FILTER = GopherRepetitionFilter()


def dedup(docs, params):
    answers, reasons = [], Counter()
    for d in docs:
        try:
            verdict = FILTER.filter(Document(text=d.text, id=str(d.index)))
        except Exception as e:
            answers.append({"error": f"{type(e).__name__}: {e}"})
            continue
        keep, reason = (verdict, "removed") if isinstance(verdict, bool) else verdict
        if keep:
            answers.append({"spans": []})
        else:
            reasons[f"removed_{reason}"] += 1
            answers.append({"spans": [[0, len(d.text)]] if d.text else [], "figures": {f"fails_{reason}": 1}})
    return answers, {"removed": sum(reasons.values()), **reasons}


if __name__ == "__main__":
    serve_dedup("datatrove-gopher", version("datatrove"), dedup)
