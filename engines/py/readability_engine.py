"""readability-lxml: Document(html).summary(), turned into text with lxml, one block a line."""

import re

from corpusbench_engine import serve_extract, starting, version

with starting():
    import lxml.etree
    import lxml.html
    from readability import Document

BLOCKS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody td tfoot th "
    "thead tr ul".split()
)
_SPACE = re.compile(r"\s+")


def html_to_text(fragment):
    """Text of an HTML fragment: white space folded, one line per block element or <br>."""
    if not fragment.strip():
        return ""
    parts = []
    root = lxml.html.fromstring(fragment)
    lxml.etree.strip_tags(root, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    for event, node in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else None
        if event == "start":
            if tag in BLOCKS or tag == "br":
                parts.append("\n")
            if tag is not None and tag not in ("script", "style") and node.text:
                parts.append(node.text)
        else:
            if tag in BLOCKS:
                parts.append("\n")
            if node is not root and node.tail:
                parts.append(node.tail)
    lines = (_SPACE.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def extract(html, url, params):
    return html_to_text(Document(html, url=url).summary())


if __name__ == "__main__":
    serve_extract("readability", version("readability-lxml"), extract)
