#!/usr/bin/env python3
"""Benchmark: full exports of 100,000 products over HTTP (issue 5, acceptance 5).

1. Builds Release into build-bench-export/ (skip with --no-build; or --bin).
2. Fresh temporary database; one insurer (adequate solvency, API key); a real
   `puhui serve`; --products (100,000) realistic products registered through
   POST /api/v1/products:batch, 1,000 per request (tests/bench/common.py's
   make_product).
3. --repeat (3) times each, on the same server:
     GET /api/v1/products.csv                  every product as CSV
     GET /search.csv?q=惠民保                   a text search's every match
     GET /exports/products.ndjson              every product as ph_product_get shows it
     GET /exports/puhui-snapshot.sqlite        the SQLite copy (first: made; then: cached)
   read by a client that counts rows as they arrive. For each: seconds, rows/s,
   and the server's memory: VmRSS just before, and the peak during the export
   (VmHWM, reset before each export by writing 5 to /proc/PID/clear_refs, and
   VmRSS sampled every 5 ms as a cross-check). Medians of the runs.
4. Checks: the CSV has exactly --products rows plus the header, each export
   answers 200, and the peak stays under before + --flat-mib (64 MiB): the
   export does not hold the result in memory.
5. Prints a Markdown summary (goal: CSV > 50,000 rows/s with flat memory).

  python3 tests/bench/bench_export.py [--products 100000] [--repeat 3] [--bin PATH]
         [--build-dir build-bench-export] [--no-build] [--flat-mib 64] [--json FILE] [--keep]
         [--db KEPT.db] [--only /api/v1/products.csv,...]
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import die, log, median  # noqa: E402

GOAL_ROWS_PER_S = 50000.0
BATCH = 1000


def build(build_dir):
    log("bench_export: building Release into %s" % build_dir)
    subprocess.run(["cmake", "-S", common.ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j%d" % (os.cpu_count() or 2), "--target", "puhui"],
                   check=True, stdout=subprocess.DEVNULL)


def proc_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux >= 4.0). False when not allowed."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def register(port, key, count):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    for start in range(0, count, BATCH):
        bodies = [common.make_product(i, "导出基准") for i in range(start, min(count, start + BATCH))]
        data = json.dumps({"products": bodies}, ensure_ascii=False).encode("utf-8")
        conn.request("POST", "/api/v1/products:batch", body=data,
                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
        r = conn.getresponse()
        answer = r.read()
        if r.status != 201:
            die("batch at %d: HTTP %d %s" % (start, r.status, answer[:400]))
        if start % 20000 == 0:
            log("bench_export: registered %d/%d" % (start + len(bodies), count))
    conn.close()
    return time.perf_counter() - t0


def export_once(server, path, count_rows):
    """One export, read as it streams. Returns (seconds, rows, bytes, rss_before_kib,
    peak_kib (VmHWM), sampled_peak_kib, server_cpu_seconds)."""
    port = server.port
    pid = server.proc.pid
    samples = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                samples.append(proc_kib(pid, "VmRSS"))
            except OSError:
                return
            time.sleep(0.005)

    rss_before = proc_kib(pid, "VmRSS")
    can_reset = reset_peak(pid)
    cpu_before = server.cpu_seconds()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    if r.status != 200:
        die("%s: HTTP %d %s" % (path, r.status, r.read()[:300]))
    rows = 0
    total = 0
    while True:
        chunk = r.read1(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if count_rows:
            rows += chunk.count(b"\n")
    seconds = time.perf_counter() - t0
    conn.close()
    cpu = server.cpu_seconds() - cpu_before
    stop.set()
    sampler.join()
    peak = proc_kib(pid, "VmHWM") if can_reset else -1
    return seconds, rows, total, rss_before, peak, max(samples) if samples else -1, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bin")
    ap.add_argument("--build-dir", default=os.path.join(common.ROOT, "build-bench-export"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--flat-mib", type=float, default=64.0)
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--db", help="an existing database (a --keep'd one) with --products products: "
                                 "skips the set-up and the registration")
    ap.add_argument("--only", help="comma-separated export paths to run (default: all four)")
    args = ap.parse_args()
    common.install_signal_handlers()

    bin_path = args.bin
    if bin_path is None:
        if not args.no_build:
            build(args.build_dir)
        bin_path = os.path.join(args.build_dir, "puhui")
    common.require_binary(bin_path)
    work = common.temp_dir("puhui-bench-export-")
    db = args.db or os.path.join(work, "bench.db")
    server = None
    try:
        seconds = None
        if args.db is None:
            insurer_id, key = common.setup_insurer(bin_path, db)
        server = common.Server(bin_path, db, common.SOURCE_PUBLIC, work).start()
        pid = server.proc.pid
        if args.db is None:
            seconds = register(server.port, key, args.products)
            log("bench_export: %d products registered in %.1f s" % (args.products, seconds))
        idle_kib = proc_kib(pid, "VmRSS")

        exports = [
            ("CSV, every product", "/api/v1/products.csv", True),
            ("CSV, a text search's matches", "/search.csv?q=%E6%83%A0%E6%B0%91%E4%BF%9D", True),
            ("NDJSON, every product", "/exports/products.ndjson", True),
            ("SQLite snapshot", "/exports/puhui-snapshot.sqlite", False),
        ]
        if args.only:
            wanted = args.only.split(",")
            exports = [e for e in exports if e[1] in wanted]
        results = []
        for label, path, count_rows in exports:
            runs = []
            for i in range(args.repeat):
                s, rows, nbytes, before, peak, sampled, cpu = export_once(server, path, count_rows)
                if count_rows and path.endswith("products.csv") and rows != args.products + 1:
                    die("%s: %d lines, expected %d products plus the header" % (path, rows, args.products))
                if count_rows and path.endswith(".ndjson") and rows != args.products:
                    die("%s: %d lines, expected %d" % (path, rows, args.products))
                data_rows = rows - 1 if path.endswith(".csv") else rows
                runs.append({"seconds": s, "rows": data_rows, "bytes": nbytes, "rss_before_kib": before,
                             "peak_kib": peak, "sampled_peak_kib": sampled,
                             "rows_per_s": data_rows / s if count_rows else None,
                             "server_cpu_seconds": cpu,
                             "rows_per_cpu_s": data_rows / cpu if count_rows and cpu > 0 else None,
                             "mib_per_s": nbytes / s / 1048576})
                log("bench_export: %s run %d: %.2f s, %d rows, %.1f MiB, RSS %d -> peak %d KiB (sampled %d)"
                    % (label, i + 1, s, data_rows, nbytes / 1048576, before, peak, sampled))
            growth = [(r["peak_kib"] if r["peak_kib"] > 0 else r["sampled_peak_kib"]) - r["rss_before_kib"]
                      for r in runs]
            results.append({
                "export": label, "path": path, "runs": runs,
                "median_seconds": median([r["seconds"] for r in runs]),
                "median_rows": median([r["rows"] for r in runs]),
                "median_rows_per_s": median([r["rows_per_s"] for r in runs]) if count_rows else None,
                "median_rows_per_cpu_s": median([r["rows_per_cpu_s"] for r in runs]) if count_rows else None,
                "median_server_cpu_seconds": median([r["server_cpu_seconds"] for r in runs]),
                "median_mib_per_s": median([r["mib_per_s"] for r in runs]),
                "median_bytes": median([r["bytes"] for r in runs]),
                "median_rss_before_mib": median([r["rss_before_kib"] for r in runs]) / 1024,
                "median_peak_mib": median([(r["peak_kib"] if r["peak_kib"] > 0 else r["sampled_peak_kib"])
                                           for r in runs]) / 1024,
                "max_growth_mib": max(growth) / 1024,
            })
        rc = server.stop()
        server = None
        if rc != 0:
            die("server exit code %s" % rc)

        csv_all = results[0]
        ok_rate = csv_all["median_rows_per_s"] >= GOAL_ROWS_PER_S
        ok_flat = all(r["max_growth_mib"] < args.flat_mib for r in results)
        summary = {
            "products": args.products, "repeat": args.repeat, "machine": common.machine(),
            "build_type": common.build_type(bin_path), "register_seconds": seconds,
            "idle_rss_mib": idle_kib / 1024, "results": results,
            "goal_rows_per_s": GOAL_ROWS_PER_S, "flat_mib": args.flat_mib,
            "passed": ok_rate and ok_flat,
        }
        print("## Exports, %d products (%s build, %d cores)\n" % (args.products, summary["build_type"],
                                                                  summary["machine"]["nproc"]))
        print("| export | rows | MiB | seconds | rows/s | rows per server CPU-s | MiB/s | server RSS before "
              "| peak during | growth (max of runs) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            print("| %s `%s` | %d | %.1f | %.2f | %s | %s | %.1f | %.1f MiB | %.1f MiB | %.1f MiB |" % (
                r["export"], r["path"], r["median_rows"], r["median_bytes"] / 1048576, r["median_seconds"],
                "%.0f" % r["median_rows_per_s"] if r["median_rows_per_s"] is not None else "-",
                "%.0f" % r["median_rows_per_cpu_s"] if r["median_rows_per_cpu_s"] is not None else "-",
                r["median_mib_per_s"], r["median_rss_before_mib"], r["median_peak_mib"], r["max_growth_mib"]))
        print("\nLoad average when done: %s. Medians of %d runs. Goal: CSV of every product > %d rows/s: %s; memory flat (growth < %d MiB "
              "for every export): %s." % (open("/proc/loadavg").read().split()[0], args.repeat, GOAL_ROWS_PER_S, "met" if ok_rate else "NOT met",
                                         args.flat_mib, "met" if ok_flat else "NOT met"))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(summary, f, ensure_ascii=False, indent=2)
        return 0 if summary["passed"] else 1
    finally:
        if server is not None:
            server.stop()
        common.remove_dir(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
