#!/usr/bin/env bash
# Builds puhui and bench_search in Release (build-bench/), runs the three
# benchmarks (registration, GET, search) at their defaults and prints a Markdown
# summary. About 9-10 minutes (the search part alone about 5). See
# tests/bench/README.md.
#
#   tests/bench/run_all.sh
#   REGISTER_ARGS="--repeat 1 --count 2000" GET_ARGS="--rounds 1 --duration 3" \
#       SEARCH_ARGS="--products 5000 --http-rounds 1 --duration 3" tests/bench/run_all.sh
#   BENCH_OUT=/tmp/results tests/bench/run_all.sh    # keep the raw JSON there
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

if ! command -v wrk >/dev/null 2>&1; then
    echo "run_all.sh: wrk not found. Install it: apt-get install wrk (scripts/install-deps.sh does this)" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "run_all.sh: python3 not found" >&2; exit 2; }

# The commit the binary is built from (the tree may move on during the run);
# changes under tests/bench and docs do not change the binary.
BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)tests/bench' ':(exclude)docs' 2>/dev/null)" ]; then
    BENCH_COMMIT="$BENCH_COMMIT with uncommitted changes"
fi
export BENCH_COMMIT

echo "== building Release into build-bench/ (commit $BENCH_COMMIT)" >&2
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null

out="${BENCH_OUT:-}"
if [ -z "$out" ]; then
    out="$(mktemp -d -t puhui-bench-XXXXXX)"
    trap 'rm -rf "$out"' EXIT
else
    mkdir -p "$out"
fi

bin="$root/build-bench/puhui"
echo "== bench_register.py" >&2
# shellcheck disable=SC2086  # *_ARGS are word lists on purpose
python3 tests/bench/bench_register.py --bin "$bin" --json "$out/register.json" ${REGISTER_ARGS:-}
echo "== bench_get.py" >&2
# shellcheck disable=SC2086
python3 tests/bench/bench_get.py --bin "$bin" --json "$out/get.json" ${GET_ARGS:-}
echo "== bench_search.py" >&2
# shellcheck disable=SC2086
python3 tests/bench/bench_search.py --no-build --build-dir "$root/build-bench" --json "$out/search.json" \
    ${SEARCH_ARGS:-} >"$out/search.md"
echo >&2
python3 tests/bench/summary.py "$out/register.json" "$out/get.json"
echo
cat "$out/search.md"
