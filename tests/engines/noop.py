#!/usr/bin/env python3
"""No-op engine for measuring protocol overhead, standard library only; it accepts the raw
payload when offered.

    noop.py extract   every page's text is "" with compute_s 0
    noop.py dedup     every document is its own cluster (label = its index)
"""

import json
import sys


def send(out, obj):
    out.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    out.flush()


def main():
    task = sys.argv[1] if len(sys.argv) > 1 else "extract"
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    first = inp.readline()
    if not first:
        return
    ready = {"op": "ready", "protocol": 1, "name": f"noop-{task}", "version": "1"}
    if "raw" in (json.loads(first).get("payloads") or []):
        ready["payload"] = "raw"
    send(out, ready)
    index = 0
    for line in iter(inp.readline, b""):
        msg = json.loads(line)
        # the raw payload's bulk follows the line; it is read and dropped
        inp.read(msg.get("html_bytes") or msg.get("text_bytes") or 0)
        op = msg.get("op")
        if op == "extract":
            send(out, {"id": msg.get("id"), "text": "", "compute_s": 0})
        elif op == "dedup":
            index = 0
        elif op == "doc":
            out.write(json.dumps({"id": msg.get("id"), "cluster": index}, separators=(",", ":")).encode() + b"\n")
            index += 1
        elif op == "end":
            send(out, {"op": "done", "compute_s": 0})


if __name__ == "__main__":
    main()
