"""Engine side of corpusbench's engine protocol v1 (docs/engines.md), standard library only.

An adapter wraps one library function and hands it to `serve_extract` or `serve_dedup`:

    from corpusbench_engine import serve_extract, starting, version

    with starting():
        import trafilatura

    PARAMS = {"favor_precision": bool}

    def extract(html, url, params):
        return trafilatura.extract(html, url=url, **params) or ""

    if __name__ == "__main__":
        serve_extract("trafilatura", version("trafilatura"), extract, PARAMS)

The module-level function stays importable, so a script can call it without the protocol.

What the helper does for every engine:
- The handshake: checks `hello` (protocol 1, the task), converts the parameter strings with the
  declared types and answers `ready`, or `{"op": "error"}` and exit code 2 on a bad value.
- Output isolation: file descriptor 1 is moved away for the protocol and pointed at standard
  error, so prints by Python code or native libraries cannot corrupt the protocol stream.
- Transport: accepts the `raw` payload corpusbench offers, so a page's HTML or a document's
  text arrives as raw UTF-8 bytes after its header line and is never JSON-decoded.
- Timing: `compute_s` is `time.perf_counter()` around the wrapped function only.
- Failure isolation: an exception on a page is that page's `error` answer, an exception in a
  deduplication is that cell's `{"op": "error"}` line; the loop goes on in both cases.

Parameter types (`params` maps each parameter name to one of these):
    bool   true/false/1/0, any case
    int    a decimal integer
    float  a finite number
    str    the string as given
    any other callable: called with the string; ValueError, TypeError or LookupError
           means a bad value.
Every declared parameter must be in `hello`, and `hello` may hold no undeclared one.
"""

import dataclasses
import importlib.metadata
import json
import math
import os
import sys
import time
import traceback

PROTOCOL = 1
_MAX_MESSAGE = 2000
_RAW = "raw"
_BULK = {"html_bytes": "html", "text_bytes": "text"}

__all__ = [
    "Doc",
    "clusters_from_pairs",
    "merge_spans",
    "parse_params",
    "serve_dedup",
    "serve_extract",
    "starting",
    "version",
    "word_ngrams",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Doc:
    """One document of a deduplication request; `index` is its position in dataset order."""

    index: int
    id: str
    text: str
    url: str | None = None


def version(distribution):
    """The installed version of a distribution (a PyPI package name), as found at run time."""
    return importlib.metadata.version(distribution)


# --- parameters -------------------------------------------------------------------------------

_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def _convert(kind, value):
    if kind is bool:
        key = value.strip().lower()
        if key not in _BOOLS:
            raise ValueError("expected true, false, 1 or 0")
        return _BOOLS[key]
    if kind is int:
        return int(value.strip())
    if kind is float:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("expected a finite number")
        return number
    if kind is str:
        return value
    return kind(value)


def parse_params(spec, raw):
    """Converts the parameter strings of `hello` by the types in `spec`.

    Returns a new dict; raises ValueError naming the parameter for a missing, unknown or badly
    typed one.
    """
    spec = spec or {}
    if not isinstance(raw, dict):
        raise ValueError("params must be a JSON object")
    unknown = sorted(set(raw) - set(spec))
    if unknown:
        known = ", ".join(sorted(spec)) or "none"
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)} (this engine takes: {known})")
    out = {}
    for name, kind in spec.items():
        if name not in raw:
            raise ValueError(f"missing parameter {name}")
        value = raw[name]
        if not isinstance(value, str):
            value = json.dumps(value)
        try:
            out[name] = _convert(kind, value)
        except (ValueError, TypeError, LookupError) as e:
            expected = f" for {kind.__name__}" if kind in (bool, int, float, str) else ""
            raise ValueError(f"parameter {name}: bad value {value!r}{expected}: {e}") from None
    return out


# --- clusters and spans -----------------------------------------------------------------------


def clusters_from_pairs(n, pairs):
    """Connected components of documents 0..n-1 linked by `pairs` of indices; each document's
    label is the smallest index in its component."""
    parent = list(range(n))

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def merge_spans(spans):
    """Half-open [start, end) spans sorted and merged (overlapping or touching ones joined),
    empty ones dropped, as a list of [start, end] lists."""
    merged = []
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def word_ngrams(text, n):
    """The set of word n-grams of the lower-cased, white-space split text, each n words joined by
    one space; a non-empty text shorter than n words is one n-gram, an empty text has none."""
    words = text.lower().split()
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


# --- transport --------------------------------------------------------------------------------

_out = None
_inp = sys.stdin.buffer if sys.stdin is not None else None
_hello_read = False


def _protocol_stream():
    """The protocol's output stream. On first use, file descriptor 1 is duplicated for the
    protocol and then pointed at standard error, and sys.stdout is standard error."""
    global _out
    if _out is None:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        _out = os.fdopen(fd, "wb")
    return _out


def _jsonable(value):
    # numpy scalars and arrays
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _encode(obj):
    """One protocol line as bytes; raises ValueError or TypeError for what cannot be sent
    (a lone surrogate, NaN, an object without a JSON form)."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_jsonable, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def _write(data, flush=True):
    out = _protocol_stream()
    try:
        out.write(data)
        if flush:
            out.flush()
    except (BrokenPipeError, ValueError):
        # corpusbench has gone: nothing left to answer
        sys.stderr.flush()
        os._exit(0)


def _describe(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _report(exc):
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    sys.stderr.flush()


def _readline():
    return _inp.readline() if _inp is not None else b""


class _Ended(Exception):
    """Input ended, possibly inside a message's raw bulk."""


class _BadBulk(ValueError):
    """A raw bulk that is not UTF-8; the message's id is kept for its error answer."""

    def __init__(self, message, item_id):
        super().__init__(message)
        self.item_id = item_id


def _read_message():
    """The next request as a dict, its raw bulk (if announced) decoded into `html` or `text`.
    Raises _Ended at end of input, ValueError for a malformed message (its bulk consumed)."""
    line = _readline()
    if not line:
        raise _Ended()
    msg = json.loads(line)
    if not isinstance(msg, dict):
        raise ValueError("request is not a JSON object")
    for count, field in _BULK.items():
        n = msg.get(count)
        if n is None:
            continue
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{count} is not a byte count")
        data = _inp.read(n)
        if len(data) < n:
            raise _Ended()
        try:
            msg[field] = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _BadBulk(f"raw {field} is not valid UTF-8 ({e})", msg.get("id")) from None
    return msg


def _refuse(message):
    """Answers the handshake with an error and exits with code 2."""
    global _hello_read
    if not _hello_read:
        _hello_read = True
        _readline()
    _write(_encode({"op": "error", "message": message}))
    sys.stderr.flush()
    os._exit(2)


class _Starting:
    def __init__(self, is_main):
        self.is_main = is_main

    def __enter__(self):
        if self.is_main:
            _protocol_stream()
        return self

    def __exit__(self, typ, exc, tb):
        if exc is None or not self.is_main or not isinstance(exc, Exception):
            return False
        _report(exc)
        _refuse(f"cannot start: {_describe(exc)}")


def starting():
    """Context manager for an engine's imports. Run as an engine (in the `__main__` module), it
    isolates the protocol stream at once and answers a failed import as a handshake error
    (exit code 2); imported by a script, it does nothing."""
    caller = sys._getframe(1).f_globals.get("__name__")
    return _Starting(caller == "__main__")


def _handshake(task, name, engine_version, spec):
    global _hello_read
    _protocol_stream()
    line = _readline()
    _hello_read = True
    if not line:
        sys.exit(0)
    try:
        hello = json.loads(line)
    except ValueError as e:
        _refuse(f"first line is not JSON: {e}")
    if not isinstance(hello, dict) or hello.get("op") != "hello":
        _refuse("expected a hello message first")
    if hello.get("protocol") != PROTOCOL:
        _refuse(f"protocol {hello.get('protocol')!r} not supported (this engine speaks {PROTOCOL})")
    if hello.get("task", task) != task:
        _refuse(f"this engine does {task}, not {hello.get('task')!r}")
    try:
        values = parse_params(spec, hello.get("params") or {})
    except ValueError as e:
        _refuse(str(e))
    ready = {"op": "ready", "protocol": PROTOCOL, "name": name, "version": str(engine_version)}
    if _RAW in (hello.get("payloads") or []):
        ready["payload"] = _RAW
    _write(_encode(ready))
    return values


def _fatal(exc):
    return isinstance(exc, (KeyboardInterrupt, SystemExit))


# --- extraction -------------------------------------------------------------------------------


def serve_extract(name, engine_version, extract, params=None):
    """Serves extraction requests until standard input ends.

    extract(html: str, url: str | None, params: dict) -> str is called once per page with the
    converted parameters; its time is the page's compute_s. An exception, or a result that is
    not a str, is that page's error answer.
    """
    values = _handshake("extract", name, engine_version, params)
    while True:
        page_id = None
        try:
            request = _read_message()
            page_id = request.get("id")
            if request.get("op") != "extract":
                raise ValueError(f"unexpected op {request.get('op')!r}")
            html, url = request.get("html"), request.get("url")
            if not isinstance(html, str):
                raise ValueError("html is not a string")
        except _Ended:
            return
        except ValueError as e:
            page_id = getattr(e, "item_id", page_id)
            _write(_encode({"id": page_id, "error": f"bad request: {e}"}))
            continue
        start = time.perf_counter()
        try:
            text = extract(html, url, values)
        except BaseException as e:
            if _fatal(e):
                raise
            _report(e)
            _write(_encode({"id": page_id, "error": _describe(e)}))
            continue
        compute_s = time.perf_counter() - start
        try:
            if not isinstance(text, str):
                raise TypeError(f"extract returned {type(text).__name__}, not str")
            data = _encode({"id": page_id, "text": text, "compute_s": compute_s})
        except (ValueError, TypeError) as e:
            data = _encode({"id": page_id, "error": _describe(e)})
        _write(data)


# --- deduplication ----------------------------------------------------------------------------


def _read_docs():
    """The documents of one dedup request up to its `end`; None at end of input. Raises
    ValueError for a malformed line (after reading up to `end`)."""
    docs, problem = [], None
    while True:
        try:
            msg = _read_message()
            op = msg.get("op")
            if op == "end":
                break
            if op != "doc":
                raise ValueError(f"unexpected op {op!r}")
            doc_id, text, url = msg.get("id"), msg.get("text"), msg.get("url")
            if not isinstance(text, str):
                raise ValueError(f"document {doc_id!r}: text is not a string")
            docs.append(Doc(len(docs), doc_id, text, url if isinstance(url, str) else None))
        except _Ended:
            return None
        except ValueError as e:
            problem = problem or f"bad request: {e}"
    if problem:
        raise ValueError(problem)
    return docs


def _dedup_lines(docs, result, compute_s):
    stats = None
    if isinstance(result, tuple) and len(result) == 2:
        result, stats = result
    answers = list(result)
    if len(answers) != len(docs):
        raise ValueError(f"dedup returned {len(answers)} answers for {len(docs)} documents")
    lines = []
    for doc, answer in zip(docs, answers):
        if not isinstance(answer, dict):
            raise TypeError(f"answer for document {doc.id!r} is {type(answer).__name__}, not dict")
        obj = {"id": doc.id}
        obj.update((k, v) for k, v in answer.items() if k != "id")
        lines.append(_encode(obj))
    done = {"op": "done", "compute_s": compute_s}
    if stats:
        done["stats"] = stats
    lines.append(_encode(done))
    return lines


def serve_dedup(name, engine_version, dedup, params=None):
    """Serves deduplication requests until standard input ends.

    dedup(docs: list[Doc], params: dict) returns one dict per document, in order, with
    `cluster` (str or int) and/or `spans` ([[start, end], ...] in code points), or `error`;
    or a pair (answers, stats) where stats is a dict of figures. Its time is compute_s. An
    exception, or answers of the wrong count or shape, is the cell's {"op": "error"} line.
    """
    values = _handshake("dedup", name, engine_version, params)
    while True:
        try:
            msg = _read_message()
        except _Ended:
            return
        except ValueError as e:
            msg = {"problem": str(e)}
        if msg.get("op") != "dedup":
            print(f"corpusbench_engine: ignored a message outside a dedup request: {str(msg)[:200]}", file=sys.stderr)
            continue
        try:
            docs = _read_docs()
        except ValueError as e:
            _write(_encode({"op": "error", "message": str(e)}))
            continue
        if docs is None:
            return
        start = time.perf_counter()
        try:
            result = dedup(docs, values)
        except BaseException as e:
            if _fatal(e):
                raise
            _report(e)
            _write(_encode({"op": "error", "message": _describe(e)}))
            continue
        compute_s = time.perf_counter() - start
        try:
            lines = _dedup_lines(docs, result, compute_s)
        except (ValueError, TypeError) as e:
            _write(_encode({"op": "error", "message": _describe(e)}))
            continue
        for data in lines:
            _write(data, flush=False)
        _write(b"")
