#!/usr/bin/env bash
# Makes docs/report.png, the picture in the README: the top of the HTML report of the bundled
# the two bundled benchmark datasets (`corpusbench run --html` on corpus/handmade-extract and
# corpus/synth-small), as headless chromium renders it.
# Needs scripts/browser.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
target/release/corpusbench run --corpus corpus/handmade-extract --corpus corpus/synth-small --html --out "$out/run" >/dev/null
.peers/browser/bin/python scripts/browser_check.py "$out/run/report.html" docs/report.png \
    --clip-height "${PICTURE_HEIGHT:-1180}" --json "$out/check.json" >/dev/null
echo "picture: docs/report.png ($(wc -c <docs/report.png) bytes)"
