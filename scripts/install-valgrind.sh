#!/usr/bin/env bash
# Installs valgrind (instruction counts) when it is missing: Debian's package, as root or with sudo.
set -euo pipefail
if ! command -v valgrind >/dev/null 2>&1; then
  echo "installing valgrind (needed for instruction counts)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq valgrind
  else sudo apt-get update -qq && sudo apt-get install -y -qq valgrind; fi
fi
