#!/usr/bin/env bash
# The regression gate as CI runs it: quality on the bundled corpus (and on the shared benchmark
# data when present), deterministic cost under valgrind, then the comparison with the committed
# baseline. Exits non-zero on any regression.
#
#   scripts/gate.sh            # compare with gate/baseline.toml
#   scripts/gate.sh --update   # re-baseline (refuses to lower a floor; add --allow-lower to force)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-valgrind.sh

cargo build --release --quiet
bin=target/release/corpusbench
out=target/gate-run
rm -rf "$out"

corpus=(--corpus corpus)
strict=(--strict)
shared=../shared/data
if [ -d "$shared" ]; then
  for d in "$shared"/dedup/* "$shared"/extraction/*; do
    [ -d "$d" ] && corpus+=(--corpus "$d")
  done
else
  echo "note: $shared is absent; gating the bundled corpus only (cells on shared data are reported missing)"
  strict=()
fi

# Quality: every built-in strategy on every dataset, ROUGE-LSum included (it is opt-in for users,
# but its floors are gated). Exit 2 (input problems) still leaves results.
"$bin" run "${corpus[@]}" --metrics default,rouge --out "$out" --threads 2 >/dev/null || [ $? -eq 2 ]
# Cost: instructions and allocations on the bundled corpus only (small, fixed inputs).
"$bin" cost --corpus corpus --out "$out" >/dev/null
"$bin" gate --baseline gate/baseline.toml --run "$out" --markdown "$out/gate.md" "${strict[@]}" "$@"
