"""newspaper4k: Article(url); download(input_html=html); parse(); the article's text."""

from corpusbench_engine import serve_extract, starting, version

with starting():
    from newspaper import Article

# Article needs a URL; pages without one get this placeholder.
PLACEHOLDER_URL = "http://localhost/page.html"
PARAMS = {"fetch_images": bool}


def extract(html, url, params):
    article = Article(url or PLACEHOLDER_URL, fetch_images=params["fetch_images"])
    article.download(input_html=html)
    article.parse()
    return article.text or ""


if __name__ == "__main__":
    serve_extract("newspaper4k", version("newspaper4k"), extract, PARAMS)
