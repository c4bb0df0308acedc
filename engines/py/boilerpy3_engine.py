"""boilerpy3: ArticleExtractor().get_content (boilerpipe's article extractor)."""

from corpusbench_engine import serve_extract, starting, version

with starting():
    from boilerpy3.extractors import ArticleExtractor


def extract(html, url, params):
    return ArticleExtractor().get_content(html)


if __name__ == "__main__":
    serve_extract("boilerpy3", version("boilerpy3"), extract)
