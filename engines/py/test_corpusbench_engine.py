"""Tests of corpusbench_engine: engines built on it are run as subprocesses speaking the protocol.

    python3 -m unittest discover -s engines/py -p 'test_*.py'
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import corpusbench_engine as cb  # noqa: E402

PRELUDE = f"import sys\nsys.path.insert(0, {HERE!r})\n"


def hello(task="extract", params=None, protocol=1, payloads=None):
    msg = {"op": "hello", "protocol": protocol, "task": task, "params": params or {}}
    if payloads is not None:
        msg["payloads"] = payloads
    return msg


def raw_frame(op, item_id, bulk, url=None):
    """A request whose bulk (bytes) follows its header line raw, as with the `raw` payload."""
    count = "html_bytes" if op == "extract" else "text_bytes"
    header = {"op": op, "id": item_id, "url": url, count: len(bulk)}
    return json.dumps(header).encode() + b"\n" + bulk


class Engine:
    """Runs an engine script with the given input messages and collects its output."""

    def __init__(self, source=None, argv=None):
        self._dir = tempfile.TemporaryDirectory()
        if argv is None:
            path = os.path.join(self._dir.name, "engine.py")
            with open(path, "w") as f:
                f.write(PRELUDE + textwrap.dedent(source))
            argv = [sys.executable, path]
        self.argv = argv

    def run(self, *messages, raw=b"", timeout=60):
        data = b"".join(
            m if isinstance(m, bytes) else json.dumps(m, ensure_ascii=False).encode() + b"\n" for m in messages
        )
        data += raw
        proc = subprocess.run(self.argv, input=data, capture_output=True, timeout=timeout)
        self.stdout, self.stderr, self.code = proc.stdout, proc.stderr, proc.returncode
        lines = self.stdout.split(b"\n")
        assert lines[-1] == b"", f"output does not end with a newline: {self.stdout[-200:]!r}"
        return [json.loads(line) for line in lines[:-1]]

    def close(self):
        self._dir.cleanup()


TYPED = """
    from corpusbench_engine import serve_extract
    import json

    def extract(html, url, params):
        return json.dumps({k: [type(v).__name__, v] for k, v in sorted(params.items())})

    if __name__ == "__main__":
        serve_extract("typed", "0.1", extract, {"flag": bool, "n": int, "x": float, "s": str})
"""

FAILING = """
    from corpusbench_engine import serve_extract
    import time

    def extract(html, url, params):
        if html == "boom":
            raise RuntimeError("page failed")
        if html == "none":
            return None
        if html == "surrogate":
            return "bad \\ud800 text"
        if html == "slow":
            time.sleep(0.05)
        return html.upper() + "|" + str(url)

    if __name__ == "__main__":
        serve_extract("failing", "2.0", extract)
"""

NOISY = """
    import os
    from corpusbench_engine import serve_extract, starting

    with starting():
        print("banner at import")

    def extract(html, url, params):
        print("stray print")
        sys.stdout.write("stray write\\n")
        os.write(1, b"raw fd write\\n")
        return "clean"

    if __name__ == "__main__":
        serve_extract("noisy", "1", extract)
"""

MISSING = """
    from corpusbench_engine import serve_extract, starting

    with starting():
        import no_such_module_for_corpusbench

    if __name__ == "__main__":
        serve_extract("missing", "1", lambda html, url, params: html)
"""

DEDUP = """
    from corpusbench_engine import serve_dedup

    def dedup(docs, params):
        if any(d.text == "explode" for d in docs):
            raise ValueError("cell failed")
        if any(d.text == "short" for d in docs):
            return [{"cluster": 0}]
        answers = []
        for d in docs:
            if d.text == "bad":
                answers.append({"error": "cannot read"})
            else:
                answers.append({"cluster": d.text[0], "spans": [[0, d.index]] if d.index else []})
        return answers, {"docs_seen": len(docs), "mode": params["mode"]}

    if __name__ == "__main__":
        serve_dedup("dedupper", "3", dedup, {"mode": str})
"""


def docs_request(*texts):
    msgs = [{"op": "dedup", "docs": len(texts)}]
    msgs += [{"op": "doc", "id": f"d{i}", "text": t, "url": None} for i, t in enumerate(texts)]
    return msgs + [{"op": "end"}]


class HandshakeTest(unittest.TestCase):
    def setUp(self):
        self.engine = Engine(TYPED)

    def tearDown(self):
        self.engine.close()

    def test_ready_and_typed_params(self):
        params = {"flag": "TRUE", "n": "42", "x": "0.25", "s": "a b"}
        out = self.engine.run(hello(params=params), {"op": "extract", "id": "p", "url": None, "html": ""})
        self.assertEqual(out[0], {"op": "ready", "protocol": 1, "name": "typed", "version": "0.1"})
        self.assertEqual(
            json.loads(out[1]["text"]),
            {"flag": ["bool", True], "n": ["int", 42], "s": ["str", "a b"], "x": ["float", 0.25]},
        )
        self.assertEqual(self.engine.code, 0)

    def test_bool_accepts_0_and_false(self):
        for raw, value in [("0", False), ("false", False), ("1", True), ("True", True)]:
            out = self.engine.run(
                hello(params={"flag": raw, "n": "1", "x": "1", "s": ""}),
                {"op": "extract", "id": "p", "url": None, "html": ""},
            )
            self.assertEqual(json.loads(out[1]["text"])["flag"], ["bool", value], raw)

    def assert_refused(self, message_part, *messages):
        out = self.engine.run(*messages)
        self.assertEqual(len(out), 1, out)
        self.assertEqual(out[0]["op"], "error")
        self.assertIn(message_part, out[0]["message"])
        self.assertEqual(self.engine.code, 2)

    def test_bad_bool(self):
        self.assert_refused("flag", hello(params={"flag": "yes", "n": "1", "x": "1", "s": ""}))

    def test_bad_int(self):
        self.assert_refused("parameter n", hello(params={"flag": "1", "n": "1.5", "x": "1", "s": ""}))

    def test_non_finite_float(self):
        self.assert_refused("parameter x", hello(params={"flag": "1", "n": "1", "x": "nan", "s": ""}))

    def test_unknown_param(self):
        self.assert_refused("unknown parameter", hello(params={"flag": "1", "n": "1", "x": "1", "s": "", "y": "2"}))

    def test_missing_param(self):
        self.assert_refused("missing parameter s", hello(params={"flag": "1", "n": "1", "x": "1"}))

    def test_wrong_protocol(self):
        self.assert_refused("protocol 2", hello(protocol=2))

    def test_wrong_task(self):
        self.assert_refused("does extract", hello(task="dedup"))

    def test_first_line_not_json(self):
        self.engine.run(raw=b"hello there\n")
        self.assertEqual(json.loads(self.engine.stdout)["op"], "error")
        self.assertEqual(self.engine.code, 2)

    def test_no_input_exits_quietly(self):
        self.assertEqual(self.engine.run(), [])
        self.assertEqual(self.engine.code, 0)

    def test_failed_import_is_a_handshake_error(self):
        engine = Engine(MISSING)
        try:
            out = engine.run(hello())
            self.assertEqual(len(out), 1)
            self.assertEqual(out[0]["op"], "error")
            self.assertIn("no_such_module_for_corpusbench", out[0]["message"])
            self.assertEqual(engine.code, 2)
            self.assertIn(b"ModuleNotFoundError", engine.stderr)
        finally:
            engine.close()


class ExtractTest(unittest.TestCase):
    def setUp(self):
        self.engine = Engine(FAILING)

    def tearDown(self):
        self.engine.close()

    def page(self, page_id, html, url=None):
        return {"op": "extract", "id": page_id, "url": url, "html": html}

    def test_answers_in_order_with_compute_time(self):
        out = self.engine.run(hello(), self.page("a", "x", "https://e.org/"), self.page("b", "slow"))
        self.assertEqual(out[1]["id"], "a")
        self.assertEqual(out[1]["text"], "X|https://e.org/")
        self.assertEqual(out[2]["text"], "SLOW|None")
        self.assertGreaterEqual(out[2]["compute_s"], 0.05)
        self.assertLess(out[1]["compute_s"], 0.05)

    def test_exception_is_that_pages_error_and_serving_goes_on(self):
        out = self.engine.run(hello(), self.page("p1", "boom"), self.page("p2", "fine"))
        self.assertEqual(out[1], {"id": "p1", "error": "RuntimeError: page failed"})
        self.assertEqual(out[2]["id"], "p2")
        self.assertEqual(out[2]["text"], "FINE|None")
        self.assertIn(b"Traceback", self.engine.stderr)
        self.assertEqual(self.engine.code, 0)

    def test_result_not_a_string(self):
        out = self.engine.run(hello(), self.page("p", "none"))
        self.assertEqual(out[1]["id"], "p")
        self.assertIn("NoneType, not str", out[1]["error"])

    def test_lone_surrogate_in_result_is_an_error_not_invalid_utf8(self):
        out = self.engine.run(hello(), self.page("p", "surrogate"), self.page("q", "ok"))
        self.assertIn("error", out[1])
        self.assertEqual(out[2]["text"], "OK|None")

    def test_malformed_request_answered(self):
        out = self.engine.run(hello(), raw=b"{broken\n" + json.dumps(self.page("q", "y")).encode() + b"\n")
        self.assertEqual(out[1]["id"], None)
        self.assertIn("bad request", out[1]["error"])
        self.assertEqual(out[2]["text"], "Y|None")

    def test_html_not_a_string(self):
        out = self.engine.run(hello(), {"op": "extract", "id": "p", "url": None, "html": 5})
        self.assertIn("html is not a string", out[1]["error"])

    def test_stray_output_goes_to_stderr(self):
        engine = Engine(NOISY)
        try:
            out = engine.run(hello(), self.page("p", "x"), self.page("q", "y"))
            self.assertEqual([m.get("text") for m in out], [None, "clean", "clean"])
            for stray in (b"banner at import", b"stray print", b"stray write", b"raw fd write"):
                self.assertNotIn(stray, engine.stdout)
                self.assertIn(stray, engine.stderr)
        finally:
            engine.close()


class RawPayloadTest(unittest.TestCase):
    """The `raw` payload: bulk as bytes after the header line, accepted when offered."""

    def setUp(self):
        self.engine = Engine(FAILING)

    def tearDown(self):
        self.engine.close()

    def test_accepted_only_when_offered(self):
        self.assertEqual(self.engine.run(hello(payloads=["raw"]))[0]["payload"], "raw")
        self.assertNotIn("payload", self.engine.run(hello())[0])
        self.assertNotIn("payload", self.engine.run(hello(payloads=["cbor"]))[0])

    def test_pages_arrive_intact_and_stay_in_step(self):
        html = "caf\u00e9\n{\"x\"}\u2028\U0001f600"
        out = self.engine.run(
            hello(payloads=["raw"]),
            raw_frame("extract", "a", html.encode(), "https://e.org/"),
            raw_frame("extract", "bad", b"\xff\xfe\n\n"),
            raw_frame("extract", "b", b"fine"),
        )
        self.assertEqual(out[1], {"id": "a", "text": html.upper() + "|https://e.org/", "compute_s": out[1]["compute_s"]})
        self.assertEqual(out[2]["id"], "bad")
        self.assertIn("not valid UTF-8", out[2]["error"])
        self.assertEqual(out[3]["text"], "FINE|None")
        self.assertEqual(len(out), 4)

    def test_input_ending_inside_a_bulk_ends_quietly(self):
        out = self.engine.run(hello(payloads=["raw"]), raw=raw_frame("extract", "a", b"abcdef")[:-3])
        self.assertEqual(len(out), 1)
        self.assertEqual(self.engine.code, 0)

    def test_dedup_documents(self):
        engine = Engine(DEDUP)
        self.addCleanup(engine.close)
        docs = [raw_frame("doc", f"d{i}", t.encode()) for i, t in enumerate(["apple", "avocado\n"])]
        out = engine.run(hello("dedup", {"mode": "m"}, payloads=["raw"]), {"op": "dedup", "docs": 2}, *docs, {"op": "end"})
        self.assertEqual([m.get("cluster") for m in out[1:3]], ["a", "a"])
        self.assertEqual(out[2]["spans"], [[0, 1]])
        self.assertEqual(out[3]["op"], "done")


class DedupTest(unittest.TestCase):
    def setUp(self):
        self.engine = Engine(DEDUP)

    def tearDown(self):
        self.engine.close()

    def test_answers_in_order_then_done(self):
        out = self.engine.run(hello("dedup", {"mode": "m"}), *docs_request("apple", "avocado", "bad", "banana"))
        self.assertEqual(out[0]["op"], "ready")
        self.assertEqual(
            out[1:5],
            [
                {"id": "d0", "cluster": "a", "spans": []},
                {"id": "d1", "cluster": "a", "spans": [[0, 1]]},
                {"id": "d2", "error": "cannot read"},
                {"id": "d3", "cluster": "b", "spans": [[0, 3]]},
            ],
        )
        done = out[5]
        self.assertEqual(done["op"], "done")
        self.assertEqual(done["stats"], {"docs_seen": 4, "mode": "m"})
        self.assertGreaterEqual(done["compute_s"], 0)
        self.assertEqual(len(out), 6)

    def test_exception_fails_the_cell_and_the_next_request_is_served(self):
        out = self.engine.run(
            hello("dedup", {"mode": "m"}), *docs_request("x", "explode"), *docs_request("yes", "no")
        )
        self.assertEqual(out[1], {"op": "error", "message": "ValueError: cell failed"})
        self.assertEqual([m.get("id") for m in out[2:4]], ["d0", "d1"])
        self.assertEqual(out[4]["op"], "done")
        self.assertEqual(len(out), 5)

    def test_wrong_answer_count_fails_the_cell(self):
        out = self.engine.run(hello("dedup", {"mode": "m"}), *docs_request("short", "b", "c"))
        self.assertEqual(len(out), 2)
        self.assertEqual(out[1]["op"], "error")
        self.assertIn("1 answers for 3 documents", out[1]["message"])

    def test_empty_request(self):
        out = self.engine.run(hello("dedup", {"mode": "m"}), *docs_request())
        self.assertEqual(out[1]["op"], "done")
        self.assertEqual(out[1]["stats"]["docs_seen"], 0)


class TestEnginesTest(unittest.TestCase):
    """The stdlib test engines in tests/engines."""

    def test_echo_is_lossless(self):
        html = "<p>h\u00e9llo \u4e16\u754c \U0001f600</p>\x01\x1f\t\r\n\u2028\u0085" + "x" * 3_000_000
        engine = Engine(argv=[sys.executable, os.path.join(REPO, "tests", "engines", "echo.py")])
        try:
            out = engine.run(hello(), {"op": "extract", "id": "e", "url": None, "html": html})
            self.assertEqual(out[0]["name"], "echo")
            self.assertEqual(out[1]["text"], html)
        finally:
            engine.close()

    def test_noop_extract_and_dedup(self):
        path = os.path.join(REPO, "tests", "engines", "noop.py")
        engine = Engine(argv=[sys.executable, path, "extract"])
        self.addCleanup(engine.close)
        out = engine.run(hello(), {"op": "extract", "id": "a", "url": None, "html": "<p>x</p>"})
        self.assertEqual(out[1], {"id": "a", "text": "", "compute_s": 0})
        out = engine.run(hello(payloads=["raw"]), raw_frame("extract", "a", b"<p>\n</p>"), raw_frame("extract", "b", b""))
        self.assertEqual(out[0]["payload"], "raw")
        self.assertEqual(out[1:], [{"id": "a", "text": "", "compute_s": 0}, {"id": "b", "text": "", "compute_s": 0}])
        engine = Engine(argv=[sys.executable, path, "dedup"])
        self.addCleanup(engine.close)
        out = engine.run(hello("dedup"), *docs_request("a", "b"), *docs_request("c"))
        self.assertEqual([m.get("cluster") for m in out[1:]], [0, 1, None, 0, None])
        self.assertEqual(out[3]["op"], "done")


class FunctionsTest(unittest.TestCase):
    def test_parse_params(self):
        self.assertEqual(cb.parse_params({"a": bool, "b": int}, {"a": "0", "b": " 7 "}), {"a": False, "b": 7})
        self.assertEqual(cb.parse_params({"a": bool}, {"a": True}), {"a": True})
        self.assertEqual(cb.parse_params(None, {}), {})
        with self.assertRaisesRegex(ValueError, "parameter a"):
            cb.parse_params({"a": bool}, {"a": "maybe"})
        with self.assertRaisesRegex(ValueError, "parameter lang"):
            cb.parse_params({"lang": lambda s: {"en": "English"}[s]}, {"lang": "xx"})

    def test_merge_spans(self):
        self.assertEqual(cb.merge_spans([(5, 8), (0, 3), (2, 4), (8, 9), (10, 10)]), [[0, 4], [5, 9]])
        self.assertEqual(cb.merge_spans([]), [])

    def test_clusters_from_pairs(self):
        self.assertEqual(cb.clusters_from_pairs(6, [(4, 2), (2, 5), (1, 3)]), [0, 1, 2, 1, 2, 2])
        self.assertEqual(cb.clusters_from_pairs(0, []), [])

    def test_word_ngrams(self):
        self.assertEqual(cb.word_ngrams("A b  c", 2), {"a b", "b c"})
        self.assertEqual(cb.word_ngrams("A b", 5), {"a b"})
        self.assertEqual(cb.word_ngrams("  ", 5), set())


if __name__ == "__main__":
    unittest.main()
