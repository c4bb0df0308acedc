"""inscriptis: inscriptis.get_text with its default configuration."""

from corpusbench_engine import serve_extract, starting, version

with starting():
    from inscriptis import get_text


def extract(html, url, params):
    return get_text(html)


if __name__ == "__main__":
    serve_extract("inscriptis", version("inscriptis"), extract)
