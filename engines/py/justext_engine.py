"""jusText: justext.justext with a built-in stoplist; the non-boilerplate paragraphs, one a line."""

import functools

from corpusbench_engine import serve_extract, starting, version

with starting():
    import justext


@functools.lru_cache(maxsize=None)
def _stoplist(language):
    return frozenset(justext.get_stoplist(language))


def _language(name):
    _stoplist(name)  # ValueError for a language without a stoplist
    return name


PARAMS = {"language": _language}


def extract(html, url, params):
    paragraphs = justext.justext(html, _stoplist(params["language"]))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


if __name__ == "__main__":
    serve_extract("justext", version("justext"), extract, PARAMS)
