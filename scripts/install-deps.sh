#!/usr/bin/env bash
# Installs the Debian 12 packages Puhui Registry needs to build, run, test
# and benchmark. Skips apt-get entirely when everything is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config
  libcivetweb-dev libsqlite3-dev libjansson-dev libsodium-dev libicu-dev
  libcmocka-dev unicode-data libxml2-dev libqrencode-dev libxml2-utils
  python3 sqlite3 wrk curl faketime
  clang
)

# shellcheck source=scripts/apt-install-missing.sh
. "$root/scripts/apt-install-missing.sh"
apt_install_missing install-deps "${packages[@]}"
