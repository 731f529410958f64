#!/usr/bin/env bash
# The newcomer's second command: install what is needed, build, and run every
# test (unit, integration, crash, style) twice: on a normal build and on a
# build with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
# LibreOffice, trang and the npm feed parser for test_exports.py (ctest).
"$root/scripts/install-export-test-deps.sh"

status=0
run_suite() {
  local dir=$1
  shift
  echo "== build $dir"
  "$root/scripts/build.sh" "$dir" "$@"
  echo "== test $dir"
  if ! (cd "$root/$dir" && ctest --output-on-failure --timeout 900); then
    status=1
  fi
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# halt_on_error keeps a sanitizer finding from passing silently.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DPUHUI_SANITIZE=ON

# --- fuzzing (issue 3, acceptance 2): libFuzzer targets for a bounded time
# (FUZZ_SECONDS each, default 30) over a copy of the checked-in corpus.
echo "== fuzz (tests/fuzz/run.sh)"
if ! "$root/tests/fuzz/run.sh"; then
  status=1
fi

# --- browser checks (ACCESSIBILITY.md; tests/browser/README.md): headless
# Debian Chromium. First the harness proves each check on its fixture site
# (--self-test), then it checks every public page type of build/puhui, which
# it starts itself on a temporary --demo database and a random port.
# Screenshots, saved HTML and report.json in build/browser-artifacts/.
echo "== browser (tests/browser/run.mjs)"
if ! "$root/scripts/install-browser-deps.sh"; then
  status=1
else
  if ! (cd "$root/tests/browser" && node run.mjs --self-test --artifacts "$root/build/browser-artifacts/self-test"); then
    status=1
  fi
  if ! (cd "$root/tests/browser" && node run.mjs --puhui "$root/build/puhui" --artifacts "$root/build/browser-artifacts"); then
    status=1
  fi
fi

if [ $status -eq 0 ]; then
  echo "test.sh: all suites passed (normal, ASan+UBSan, fuzzing, browser)"
else
  echo "test.sh: FAILED"
fi
exit $status
