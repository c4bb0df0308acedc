#!/usr/bin/env bash
# Makes what scripts/browser_check.py needs to open a report in a real browser:
#   /usr/bin/chromium   Debian's chromium (apt-get update once, then apt-get install -y chromium)
#   <root>/browser      a virtual environment with the pinned Python driver (playwright)
# <root> is $CORPUSBENCH_PEERS, else .peers at the repository root, as in scripts/peers.sh; the
# browser venv sits beside the peer venvs but has its own stamp, so that neither script rebuilds
# the other's. playwright is only the driver: browser_check.py launches /usr/bin/chromium through
# it (executable_path), and `playwright install` (a browser download of its own) is never run.
# Quick when everything is already there.
set -euo pipefail

PIP_VERSION=26.3
PLAYWRIGHT_VERSION=1.65.2
CHROMIUM=/usr/bin/chromium
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${CORPUSBENCH_PEERS:-$repo/.peers}"
dir="$root/browser"
python="${PYTHON:-python3}"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

total="$(now)"

if [ -x "$CHROMIUM" ]; then
  echo "browser: chromium: present ($("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"))"
else
  start="$(now)"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  echo "browser: chromium: installing Debian's package"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  [ -x "$CHROMIUM" ] || { echo "browser: $CHROMIUM still missing after apt-get install" >&2; exit 1; }
  echo "browser: chromium: $("$CHROMIUM" --version 2>/dev/null) in $(since "$start")"
fi

want="playwright==$PLAYWRIGHT_VERSION pip==$PIP_VERSION $("$python" -c 'import sys; print(sys.version.split()[0])')"
if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.corpusbench-stamp" 2>/dev/null)" = "$want" ]; then
  echo "browser: driver: up to date ($dir)"
else
  if [ -e "$dir" ] && [ ! -f "$dir/pyvenv.cfg" ]; then
    echo "browser: $dir exists and is not a virtual environment; not touching it" >&2
    exit 1
  fi
  start="$(now)"
  mkdir -p "$root"
  echo "browser: driver: creating $dir with $("$python" --version 2>&1)"
  "$python" -m venv --clear "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "pip==$PIP_VERSION"
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: the wheel downloads nothing at install time anyway; the
  # variable keeps it so should that ever change.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
    "playwright==$PLAYWRIGHT_VERSION"
  "$dir/bin/python" -m pip check --disable-pip-version-check
  echo "$want" >"$dir/.corpusbench-stamp"
  echo "browser: driver: playwright==$PLAYWRIGHT_VERSION in $(since "$start")"
fi
echo "browser: ready ($(since "$total")); check a report with $dir/bin/python scripts/browser_check.py"
