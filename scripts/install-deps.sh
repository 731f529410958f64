#!/usr/bin/env bash
# Installs the Debian 12 packages Puhui Registry needs to build, run, test
# and benchmark. Skips apt-get entirely when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcivetweb-dev libsqlite3-dev libjansson-dev libsodium-dev libicu-dev
  libcmocka-dev unicode-data libxml2-dev libqrencode-dev libxml2-utils
  python3 sqlite3 wrk curl faketime
  clang
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
