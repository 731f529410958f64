#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz and runs each
# for FUZZ_SECONDS (default 30) over a scratch copy of its checked-in corpus
# (tests/fuzz/corpus/<target>/, never modified here). Fails on any crash,
# sanitizer report, leak, timeout or out-of-memory; the reproducer is left
# in build-fuzz/findings/<target>/.
#   tests/fuzz/run.sh                   # both targets, 30 s each
#   FUZZ_SECONDS=300 tests/fuzz/run.sh fold
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"
seconds=${FUZZ_SECONDS:-30}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(search_query fold template html_check filing)
fi

if ! command -v clang >/dev/null; then
  echo "fuzz: clang not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
echo "== fuzz: build $build"
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPUHUI_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  seeds="$root/tests/fuzz/corpus/$t"
  work="$build/corpus/$t"
  findings="$build/findings/$t"
  rm -rf "$work" "$findings"
  mkdir -p "$work" "$findings"
  cp -R "$seeds/." "$work/"
  log="$build/fuzz_$t.log"
  echo "== fuzz: $t for ${seconds}s ($(find "$seeds" -type f | wc -l) seeds)"
  # -timeout: one input slower than 10 s is a failure (a hang, or
  # backtracking); -rss_limit_mb bounds memory.
  # A whole XML filing with its documents is longer than the other inputs.
  max_len=4096
  [ "$t" = filing ] && max_len=16384
  if "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
      -print_final_stats=1 -artifact_prefix="$findings/" "$work" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | tr '\n' ' ' || true
    echo
    echo "fuzz: $t passed"
  else
    status=1
    echo "fuzz: $t FAILED; reproducer(s) in $findings, log $log:" >&2
    grep -E 'ERROR|SUMMARY|fuzz_|==[0-9]+==|Test unit written|Base64' "$log" | head -40 >&2 || true
  fi
done
exit $status
