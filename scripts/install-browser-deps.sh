#!/usr/bin/env bash
# Installs what the browser tests (tests/browser/) need: Debian's Chromium,
# a CJK font so that Chinese text is measured and drawn with real glyphs,
# a Java runtime for the Nu HTML Checker (vnu.jar), Node.js and npm only if
# `node` is missing, then the exact npm packages of tests/browser/package-lock.json
# with `npm ci`. Skips apt-get entirely when everything is already there, and
# skips `npm ci` when node_modules already matches the lock file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
browser_dir="$root/tests/browser"

packages=(chromium fonts-noto-cjk)
if ! command -v java >/dev/null 2>&1; then
  packages+=(default-jre-headless)
fi
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

# shellcheck source=scripts/apt-install-missing.sh
. "$root/scripts/apt-install-missing.sh"
apt_install_missing install-browser-deps "${packages[@]}"

# npm ci removes and reinstalls node_modules; only do it when the lock file
# changed since the last install (the stamp holds the lock file's hash).
stamp="$browser_dir/node_modules/.puhui-lock.sha256"
want=$(sha256sum "$browser_dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "install-browser-deps: tests/browser/node_modules matches package-lock.json"
  exit 0
fi
echo "install-browser-deps: npm ci in tests/browser"
(cd "$browser_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
