#!/usr/bin/env python3
"""Extraction engine whose text is the page's HTML unchanged, through corpusbench_engine, so the
transport can be checked to be lossless (non-ASCII, control characters, very long lines)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "engines", "py"))

from corpusbench_engine import serve_extract  # noqa: E402


def extract(html, url, params):
    return html


if __name__ == "__main__":
    serve_extract("echo", "1", extract)
