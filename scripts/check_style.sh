#!/usr/bin/env bash
# STYLE.md rule 8: the footguns are not used anywhere in our C.
# Usage: scripts/check_style.sh [ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
pattern='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets|localtime|gmtime|asctime|ctime)[[:space:]]*\('
hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' \
  "$root/server" "$root/registry" "$root/i18n" "$root/a11y" "$root/tests" 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "Banned functions (see ../shared/STYLE.md rule 8):"
  echo "$hits"
  exit 1
fi
echo "check_style: no banned functions"
