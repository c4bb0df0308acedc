"""resiliparse: HTMLTree.parse, then extract_plain_text with main-content heuristics."""

from corpusbench_engine import serve_extract, starting, version

with starting():
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

PARAMS = {"main_content": bool}


def extract(html, url, params):
    return extract_plain_text(HTMLTree.parse(html), main_content=params["main_content"])


if __name__ == "__main__":
    serve_extract("resiliparse", version("resiliparse"), extract, PARAMS)
