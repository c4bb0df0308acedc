#!/usr/bin/env bash
# Makes the virtual environments the peer engines (engines/*.toml) run in:
#   <root>/main   from engines/requirements.txt        (every engine but dolma)
#   <root>/dolma  from engines/requirements-dolma.txt  (dolma needs numpy<2)
#   <root>/ray    from distributed/requirements.txt     (the scheduler of docs/distributed.md)
# <root> is $CORPUSBENCH_PEERS, else .peers at the repository root. Each venv is made with the
# system python3 (or $PYTHON), pip is first upgraded to a pinned version (the bundled one fails
# on trafilatura's extras), then the fully pinned requirements are installed and checked.
# A venv whose stamp matches its requirements file and interpreter is left as it is.
#
#   scripts/peers.sh            every venv
#   scripts/peers.sh dolma      only the ones named
set -euo pipefail

PIP_VERSION=26.3
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${CORPUSBENCH_PEERS:-$repo/.peers}"
python="${PYTHON:-python3}"
declare -A requirements=(
  [main]="$repo/engines/requirements.txt"
  [dolma]="$repo/engines/requirements-dolma.txt"
  [ray]="$repo/distributed/requirements.txt"
)

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

make_venv() {
  local name="$1" req="${requirements[$1]}" dir="$root/$1" start want
  start="$(now)"
  want="$(sha256sum "$req" | cut -d' ' -f1) pip==$PIP_VERSION $("$python" -c 'import sys; print(sys.version.split()[0])')"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.corpusbench-stamp" 2>/dev/null)" = "$want" ]; then
    echo "peers: $name: up to date ($dir)"
    return
  fi
  if [ -e "$dir" ] && [ ! -f "$dir/pyvenv.cfg" ]; then
    echo "peers: $dir exists and is not a virtual environment; not touching it" >&2
    exit 1
  fi
  echo "peers: $name: creating $dir with $("$python" --version 2>&1)"
  "$python" -m venv --clear "$dir"
  echo "peers: $name: pip==$PIP_VERSION"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "pip==$PIP_VERSION"
  echo "peers: $name: installing ${req#"$repo"/}"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  "$dir/bin/python" -m pip check --disable-pip-version-check
  echo "$want" >"$dir/.corpusbench-stamp"
  echo "peers: $name: done in $(since "$start")"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(main dolma ray)
for name in "${names[@]}"; do
  if [ -z "${requirements[$name]+x}" ]; then
    echo "peers: unknown venv '$name' (known: ${!requirements[*]})" >&2
    exit 2
  fi
done

total="$(now)"
mkdir -p "$root"
for name in "${names[@]}"; do
  make_venv "$name"
done
echo "peers: ready in $root ($(since "$total"))"
