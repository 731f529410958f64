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
# shellcheck source=scripts/apt-install-missing.sh
. "$root/scripts/apt-install-missing.sh"
apt_install_missing install-export-test-deps "${packages[@]}"

# The feed parser is pinned in tests/browser/package-lock.json.
"$root/scripts/install-browser-deps.sh"
