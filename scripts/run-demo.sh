#!/usr/bin/env bash
# The newcomer's first command: install what is needed, build, and serve the
# demo registry on http://127.0.0.1:8080/ (database ./puhui.db).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" build -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec "$root/build/puhui" serve --demo "$@"
