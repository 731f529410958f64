#!/usr/bin/env python3
"""Prints a Markdown summary of bench_register.py --json and bench_get.py --json results.

  python3 tests/bench/summary.py REGISTER.json GET.json
"""

import json
import os
import subprocess
import sys
import time

GOAL_REGISTER_S = 20.0
GOAL_RATIO = 0.5


def git_commit(root):
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=10).stdout.decode().strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               timeout=10).stdout.decode().strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        reg = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        get = json.load(f)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    m = reg["machine"]
    print("## Benchmark summary")
    print()
    print("- when: %s; built from commit %s" % (time.strftime("%Y-%m-%d %H:%M %Z"),
                                                os.environ.get("BENCH_COMMIT") or git_commit(root)))
    print("- machine: %s CPUs, %s (shared, noisy: compare only numbers measured side by side)"
          % (m["nproc"], m["cpu"]))
    print("- binary: `%s` (%s build)" % (reg["bin"], reg["build_type"]))
    loads = [x.get("loadavg") for x in (reg, get)]
    if all(loads):
        print("- load average (1 min) at start/end: register %.1f/%.1f, GET %.1f/%.1f "
              "(the benchmark itself keeps about 2 busy; much more means other work competed)"
              % (loads[0][0], loads[0][1], loads[1][0], loads[1][1]))
    print()
    n = reg["count"]
    print("### Registering %s products (%d runs each, fresh DB per run)" % (format(n, ","), reg["repeat"]))
    print()
    print("| measurement | median s | min–max s | products/s | goal: 10,000 in < 20 s |")
    print("|---|---|---|---|---|")
    for s in reg["summary"]:
        mark = "~" if s["projected"] else ""
        ok = s["per_s"] >= 10000 / GOAL_REGISTER_S
        print("| %s | %s%.2f | %s%.2f–%.2f | %.0f | %s |"
              % (s["what"], mark, s["median_s"], mark, s["min_s"], s["max_s"], s["per_s"],
                 "met" if ok else "**missed**"))
    if any(s["projected"] for s in reg["summary"]):
        print()
        print("~ projected: the single phase was stopped at the %g s limit and the time for %s is "
              "computed from the measured rate." % (reg["time_limit"], format(n, ",")))
    for note in reg.get("retried", []):
        print()
        print("**Retried** (the server closed keep-alive connections without answering; run discarded "
              "and repeated on a fresh DB): %s" % note)
    print()
    a, s = get["summary"]["api"], get["summary"]["static"]
    print("### `GET` one product vs the same bytes as a static file (%d rounds, `%s`)"
          % (len(get["rounds"]), get["command"]))
    print()
    print("| URL | median req/s | median p50 ms | median p99 ms | server CPU |")
    print("|---|---|---|---|---|")
    print("| `%s` | %.0f | %.2f | %.2f | %.0f%% |" % (get["api_path"], a["rps"], a["p50_ms"], a["p99_ms"],
                                                   a["server_cpu_pct"]))
    print("| `%s` | %.0f | %.2f | %.2f | %.0f%% |" % (get["static_path"], s["rps"], s["p50_ms"], s["p99_ms"],
                                                   s["server_cpu_pct"]))
    print()
    print("API/static throughput: **%.2f** (ratio of medians), %.2f (median of per-round ratios); "
          "goal >= %.1f: %s" % (get["ratio_of_medians"], get["median_ratio"], GOAL_RATIO,
                                "met" if get["ratio_of_medians"] >= GOAL_RATIO else "**missed**"))
    if get.get("nagle_stall_suspected"):
        print()
        print("**Warning:** both URLs took ~40–44 ms per request while the server was mostly idle "
              "(Nagle + delayed ACK; `tcp_nodelay` not set), so these figures and their ratio measure "
              "that stall, not the server.")


if __name__ == "__main__":
    main()
