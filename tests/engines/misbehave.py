#!/usr/bin/env python3
"""An engine that breaks the protocol in one way, named by its argument, standard library only.

Extraction modes:
    bad-handshake        first line is {"op":"hi"}
    wrong-protocol       ready with protocol 99
    exits-at-start       a message on stderr, then exit 1 before any output
    never-answers        handshakes, then reads requests and never answers
    invalid-json         `not json` for page ids ending in "1", text "ok" otherwise
    wrong-id             answers with id "other"
    invalid-utf8         raw invalid UTF-8 bytes inside the answer's text
    stderr-flood         5 MB to stderr per page, then text "ok"
    crash-on-page        exits (code 3) on a page whose html holds "CRASH", text "ok" otherwise
    error-answer         {"id": ..., "error": "boom"} for every page
Deduplication modes:
    dedup-bad-spans      every document gets a span ending past its text
    dedup-unsorted-spans every document gets spans [[5, 8], [0, 3]]
    dedup-wrong-count    answers one document fewer, then done
    dedup-error          {"op": "error", "message": "boom"} instead of answers
    dedup-hang           reads the documents and never answers
"""

import json
import sys

EXTRACT_MODES = {
    "bad-handshake",
    "wrong-protocol",
    "exits-at-start",
    "never-answers",
    "invalid-json",
    "wrong-id",
    "invalid-utf8",
    "stderr-flood",
    "crash-on-page",
    "error-answer",
}
DEDUP_MODES = {"dedup-bad-spans", "dedup-unsorted-spans", "dedup-wrong-count", "dedup-error", "dedup-hang"}

inp, out = sys.stdin.buffer, sys.stdout.buffer


def write(data):
    out.write(data)
    out.flush()


def send(obj):
    write(json.dumps(obj).encode() + b"\n")


def drain():
    """Reads and ignores everything up to end of input."""
    for _ in inp:
        pass


def answer_page(mode, msg):
    page_id = msg.get("id")
    if mode == "never-answers":
        return
    if mode == "invalid-json" and str(page_id).endswith("1"):
        write(b"not json\n")
    elif mode == "wrong-id":
        send({"id": "other", "text": "ok", "compute_s": 0})
    elif mode == "invalid-utf8":
        write(b'{"id":' + json.dumps(page_id).encode() + b',"text":"bad \xff\xfe\xc3 bytes","compute_s":0}\n')
    elif mode == "stderr-flood":
        chunk = b"x" * 65535 + b"\n"
        for _ in range(5 * 1000 * 1000 // len(chunk) + 1):
            sys.stderr.buffer.write(chunk)
        sys.stderr.buffer.flush()
        send({"id": page_id, "text": "ok", "compute_s": 0})
    elif mode == "crash-on-page" and "CRASH" in (msg.get("html") or ""):
        sys.stderr.write("misbehave: crashing on page %s\n" % page_id)
        sys.stderr.flush()
        sys.exit(3)
    elif mode == "error-answer":
        send({"id": page_id, "error": "boom"})
    else:
        send({"id": page_id, "text": "ok", "compute_s": 0})


def answer_docs(mode, docs):
    if mode == "dedup-hang":
        return
    if mode == "dedup-error":
        send({"op": "error", "message": "boom"})
        return
    if mode == "dedup-wrong-count":
        docs = docs[:-1]
    for i, doc in enumerate(docs):
        if mode == "dedup-bad-spans":
            answer = {"id": doc["id"], "spans": [[0, len(doc.get("text") or "") + 1]]}
        elif mode == "dedup-unsorted-spans":
            answer = {"id": doc["id"], "spans": [[5, 8], [0, 3]]}
        else:
            answer = {"id": doc["id"], "cluster": i}
        out.write(json.dumps(answer).encode() + b"\n")
    send({"op": "done", "compute_s": 0})


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in EXTRACT_MODES | DEDUP_MODES:
        sys.stderr.write("misbehave: unknown mode %r\n" % mode)
        sys.exit(2)
    if mode == "exits-at-start":
        sys.stderr.write("misbehave: exiting at start on purpose\n")
        sys.stderr.flush()
        sys.exit(1)
    if not inp.readline():
        return
    if mode == "bad-handshake":
        send({"op": "hi"})
        drain()
        return
    send({"op": "ready", "protocol": 99 if mode == "wrong-protocol" else 1, "name": "misbehave", "version": "1"})
    if mode == "wrong-protocol":
        drain()
        return
    docs = []
    for line in inp:
        msg = json.loads(line)
        op = msg.get("op")
        if op == "extract":
            answer_page(mode, msg)
        elif op == "dedup":
            docs = []
        elif op == "doc":
            docs.append(msg)
        elif op == "end":
            answer_docs(mode, docs)


if __name__ == "__main__":
    main()
