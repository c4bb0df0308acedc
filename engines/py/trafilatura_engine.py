"""trafilatura: trafilatura.extract on the page, its defaults except the declared parameters."""

from corpusbench_engine import serve_extract, starting, version

with starting():
    import trafilatura

PARAMS = {"favor_precision": bool, "favor_recall": bool, "include_comments": bool, "include_tables": bool}


def extract(html, url, params):
    return trafilatura.extract(html, url=url, **params) or ""


if __name__ == "__main__":
    serve_extract("trafilatura", version("trafilatura"), extract, PARAMS)
