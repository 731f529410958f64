#!/usr/bin/env bash
# Runs a command with the clock (of it and of every process it starts) set to
# today at the given UTC time, by libfaketime, then running on from there.
#   run_at_utc_hour.sh 20:30 python3 tests/integration/test_api.py
# The registry's calendar is China's (UTC+8): from 16:00 to 24:00 UTC the
# China date is a day ahead of the UTC date. A test that mixes the two passes
# in the morning and fails in the evening; running the date-touching suites
# at 20:30 UTC as well catches that whatever the hour CI runs at.
# Not for sanitizer builds: ASan refuses to start behind an LD_PRELOAD.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 HH:MM command [args...]" >&2
  exit 2
fi
at=$1
shift
if ! [[ $at =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]]; then
  echo "run_at_utc_hour: $at is not HH:MM" >&2
  exit 2
fi
if ! command -v faketime >/dev/null; then
  echo "run_at_utc_hour: faketime not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
start="$(date -u +%Y-%m-%d) $at:00"
echo "run_at_utc_hour: clock starts at $start UTC"
# Prove the clock moved before trusting a pass: the child must see the hour.
seen=$(TZ=UTC faketime -f "@$start" date -u +%H:%M)
if [ "$seen" != "$at" ]; then
  echo "run_at_utc_hour: faketime did not set the clock (saw $seen, wanted $at)" >&2
  exit 1
fi
export TZ=UTC
exec faketime -f "@$start" "$@"
