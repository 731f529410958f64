#!/usr/bin/env bash
# Installs what the export tests (tests/integration/test_exports.py) need
# beyond scripts/install-deps.sh: LibreOffice's spreadsheet without a GUI
# (headless soffice with the CSV import filter, to open a CSV export as
# Excel or WPS would), trang (to turn RFC 4287's RELAX NG compact schema
# into the XML syntax xmllint reads), and the npm packages of tests/browser
# (the Atom feed parser, via scripts/install-browser-deps.sh).
#
# Measured on Debian 12 with --no-install-recommends: libreoffice-calc-nogui
# and trang bring 73 packages (/usr/lib/libreoffice alone is 193 MB); Java,
# which trang needs, is already there for the browser tests. Skips apt-get when everything is present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(libreoffice-calc-nogui trang libxml2-utils)
if ! command -v java >/dev/null 2>&1; then
  packages+=(default-jre-headless)
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-export-test-deps: all ${#packages[@]} packages present"
else
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  echo "install-export-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The feed parser is pinned in tests/browser/package-lock.json.
"$root/scripts/install-browser-deps.sh"
