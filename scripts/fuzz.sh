#!/usr/bin/env bash
# Fuzzes the loaders (the project's JSONL and each upstream format), the WARC reader, the HTML path, the spec and
# saved-output parsers and the checks on engine answers (fuzz/, cargo-fuzz).
# Seeds come from the bundled datasets (and from ../shared/data when it is there). The installed stable toolchain builds the targets with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz needs nightly flags).
#
#   scripts/fuzz.sh                  # each target for 300 runs (what CI does)
#   scripts/fuzz.sh 600              # each target for 600 seconds
#   scripts/fuzz.sh 600 extract_html # one target
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --version 0.13.2 --locked

seeds=fuzz/corpus
mkdir -p "$seeds/load_dedup" "$seeds/extract_html" "$seeds/specs_and_outputs" "$seeds/engine_answers" "$seeds/load_upstream" "$seeds/warc_records"
for d in corpus/*/; do
  name=$(basename "$d")
  if grep -q 'task = "dedup"' "$d/dataset.toml"; then
    { cat "$d/docs.jsonl"; printf '\377'; cat "$d/gold.jsonl"; } > "$seeds/load_dedup/$name"
  fi
done
for p in corpus/handmade-extract/pages/*; do cp "$p" "$seeds/extract_html/"; done
printf 'minhash:bands=14,rows=8' > "$seeds/specs_and_outputs/spec"
printf '{"a": "text", "b": null}' > "$seeds/specs_and_outputs/outputs"
printf '{"id":"d0","cluster":"x"}\n{"id":"d1","cluster":3}\n' > "$seeds/specs_and_outputs/dedup-clusters"
printf '{"id":"d2","attributes":{"bff_duplicate_paragraph_spans":[[0,3,1.0]]}}\n' > "$seeds/specs_and_outputs/dedup-dolma"
printf '{"op":"ready","protocol":1,"name":"x","version":"1"}\n{"id":"p","text":"t","compute_s":0.1}\n' > "$seeds/engine_answers/page"
printf 'WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 60\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\r\n\r\nWARC/1.1\r\nContent-Length: 0\r\n\r\n' > "$seeds/warc_records/two"
printf '{"id":"d0","cluster":0,"spans":[[0,5]]}\n{"id":"d1","cluster":0,"spans":[]}\n{"id":"d2","error":"x"}\n' > "$seeds/engine_answers/dedup"

# The upstream formats: handmade seeds, plus real entries when the shared datasets are here.
python3 scripts/fuzz_upstream_seeds.py "$seeds/load_upstream" ../shared/data

limit=(-runs=300)
[ $# -ge 1 ] && limit=(-max_total_time="$1")
targets=(load_dedup load_upstream extract_html specs_and_outputs engine_answers warc_records)
[ $# -ge 2 ] && targets=("$2")
cd fuzz
for t in "${targets[@]}"; do
  echo "fuzz: $t (${limit[*]})"
  # -rss_limit_mb: a target that needs more than 2 GB for one input is a finding too.
  cargo fuzz run -O "$t" "../$seeds/$t" -- "${limit[@]}" -rss_limit_mb=2048 -timeout=10
done
