#!/usr/bin/env python3
"""Benchmark: registering products through the real HTTP API.

For each repetition and each client count C (default 1 and 4), on a fresh
database and a fresh `puhui serve`:

  single  COUNT products, one POST /api/v1/products each, over keep-alive HTTP
          (http.client), split across C client threads;
  batch   COUNT more products with POST /api/v1/products:batch, BATCH per request.

Bodies are built and serialised before the clock starts; the clock covers
sending, the server's work and reading every answer.  Every answer must be
201 with a registration number; afterwards the database (read-only) must hold
exactly 2 x COUNT products and versions with distinct registration numbers and
names, and a sample is read back through GET.  Anything else fails the run.

  python3 tests/bench/bench_register.py [--bin build/puhui] [--count 10000]
         [--clients 1,4] [--batch-size 1000] [--repeat 3] [--json FILE] [--keep]
"""

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import die, log, median  # noqa: E402


GOAL_PER_S = 10000 / 20.0


class ConnectionLost(Exception):
    """The server closed a keep-alive connection without answering (or refused one)."""


def post(conn, path, body_bytes, key):
    conn.request("POST", path, body=body_bytes,
                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def run_single(port, key, bodies, clients, time_limit):
    """POSTs the bodies in order over `clients` keep-alive connections until all are
    registered or `time_limit` seconds have passed; returns (seconds, done, regnos)
    where regnos[i] is None for a body not sent."""
    results = [None] * len(bodies)
    errors = []
    lost = []
    barrier = threading.Barrier(clients + 1)
    start = [0.0]

    def worker(w):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        barrier.wait()
        deadline = start[0] + time_limit
        try:
            for i in range(w, len(bodies), clients):
                if time.perf_counter() > deadline:
                    return
                status, data = post(conn, "/api/v1/products", bodies[i], key)
                if status != 201:
                    errors.append("product %d: HTTP %d %s" % (i, status, data[:300]))
                    return
                results[i] = json.loads(data)["registration_no"]
        except (OSError, http.client.HTTPException) as e:
            lost.append("client %d after %d of its requests: %r" % (w, sum(
                1 for j in range(w, len(bodies), clients) if results[j] is not None), e))
        except Exception as e:  # noqa: BLE001 - reported, fails the run
            errors.append("client %d: %r" % (w, e))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    start[0] = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start[0]
    if errors:
        die("single registration: %d errors, first: %s" % (len(errors), errors[0]))
    if lost:
        raise ConnectionLost("single registration, %.1f s in: %s" % (seconds, "; ".join(lost)))
    done = sum(1 for r in results if r is not None)
    return seconds, done, results


def run_batch(port, key, batches):
    """POSTs each pre-serialised batch in turn on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.connect()
    regnos = []
    t0 = time.perf_counter()
    for n, (count, body) in enumerate(batches):
        try:
            status, data = post(conn, "/api/v1/products:batch", body, key)
        except (OSError, http.client.HTTPException) as e:
            raise ConnectionLost("batch %d: %r" % (n, e))
        if status != 201:
            die("batch %d: HTTP %d %s" % (n, status, data[:300]))
        answer = json.loads(data)
        if answer.get("count") != count or len(answer.get("items", [])) != count:
            die("batch %d: answered count %r for %d products" % (n, answer.get("count"), count))
        regnos += [item["registration_no"] for item in answer["items"]]
    seconds = time.perf_counter() - t0
    conn.close()
    return seconds, regnos


def verify(db, port, acknowledged):
    """The database holds exactly the acknowledged products; a sample reads back.
    `acknowledged` is a list of (registration_no, name)."""
    expected = len(acknowledged)
    regnos = [r for r, _ in acknowledged]
    if len(set(regnos)) != expected:
        die("%d acknowledged registration numbers but only %d distinct" % (expected, len(set(regnos))))
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        products, distinct_names = con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT name) FROM products").fetchone()
        versions = con.execute("SELECT COUNT(*) FROM product_versions").fetchone()[0]
        stored = set(r[0] for r in con.execute("SELECT registration_no FROM products"))
    finally:
        con.close()
    if products != expected or versions != expected or distinct_names != expected:
        die("database holds %d products, %d versions, %d distinct names; expected %d each"
            % (products, versions, distinct_names, expected))
    if stored != set(regnos):
        die("stored registration numbers differ from the acknowledged ones")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for regno, name in (acknowledged[0], acknowledged[expected // 2], acknowledged[-1]):
        conn.request("GET", "/api/v1/products/" + regno)
        r = conn.getresponse()
        data = r.read()
        got = json.loads(data).get("name") if r.status == 200 else None
        if got != name:
            die("GET %s: HTTP %d, name %r, expected %r" % (regno, r.status, got, name))
    conn.close()
    return products


def one_run(args, rep, clients):
    tmp = common.temp_dir("puhui-bench-reg-")
    db = os.path.join(tmp, "bench.db")
    public = os.path.join(tmp, "public")
    server = None
    try:
        shutil.copytree(common.SOURCE_PUBLIC, public)
        _, key = common.setup_insurer(args.bin, db)
        tag = "r%dc%d" % (rep, clients)
        single_bodies = [common.make_product(i, tag + "s") for i in range(args.count)]
        batch_bodies = [common.make_product(i, tag + "b") for i in range(args.count)]
        single_bytes = [json.dumps(b, ensure_ascii=False).encode("utf-8") for b in single_bodies]
        batches = []
        for start in range(0, args.count, args.batch_size):
            chunk = batch_bodies[start:start + args.batch_size]
            batches.append((len(chunk), json.dumps({"products": chunk}, ensure_ascii=False).encode("utf-8")))
        mean_body = sum(map(len, single_bytes)) / len(single_bytes)

        server = common.Server(args.bin, db, public, tmp).start()
        cpu0, srv0 = time.process_time(), server.cpu_seconds()
        s_single, done, regnos = run_single(server.port, key, single_bytes, clients, args.time_limit)
        cpu_single, srv_single = time.process_time() - cpu0, server.cpu_seconds() - srv0
        cpu0, srv0 = time.process_time(), server.cpu_seconds()
        s_batch, regnos_b = run_batch(server.port, key, batches)
        cpu_batch, srv_batch = time.process_time() - cpu0, server.cpu_seconds() - srv0
        acknowledged = [(r, b["name"]) for r, b in zip(regnos, single_bodies) if r is not None]
        acknowledged += list(zip(regnos_b, [b["name"] for b in batch_bodies]))
        total = verify(db, server.port, acknowledged)
        rc = server.stop()
        if rc != 0:
            die("server exit code after SIGTERM: %r; %s" % (rc, server.stderr_tail()))
        db_bytes = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp)
                       if f.startswith("bench.db"))
        rate = done / s_single
        return {"rep": rep, "clients": clients, "single_done": done, "single_elapsed_s": s_single,
                "single_complete": done == args.count, "single_per_s": rate,
                "single_s": s_single if done == args.count else args.count / rate,
                "batch_s": s_batch, "batch_per_s": args.count / s_batch,
                "client_cpu_single_s": cpu_single, "client_cpu_batch_s": cpu_batch,
                "server_cpu_single_s": srv_single, "server_cpu_batch_s": srv_batch,
                "products_verified": total, "mean_body_bytes": mean_body,
                "db_bytes": db_bytes, "stop_s": server.stop_seconds}
    finally:
        if server is not None:
            server.stop()
        common.remove_dir(tmp, args.keep)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=common.DEFAULT_BIN, help="puhui binary (env PUHUI_BIN; default build/puhui)")
    p.add_argument("--count", type=int, default=10000, help="products per phase (default 10000)")
    p.add_argument("--clients", default="1,4", help="client thread counts for the single phase (default 1,4)")
    p.add_argument("--batch-size", type=int, default=1000, help="products per batch request (default 1000)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions, fresh DB each (default 3)")
    p.add_argument("--time-limit", type=float, default=25.0,
                   help="stop the single phase after this many seconds and report the measured rate "
                        "and a projection (default 25: the goal is 20 s)")
    p.add_argument("--retries", type=int, default=0,
                   help="repeat a run (fresh DB) at most this often when the server drops connections "
                        "without answering; every retry is reported (default 0: a dropped connection fails the run)")
    p.add_argument("--json", help="write the raw results and medians here")
    p.add_argument("--keep", action="store_true", help="keep the temp directories")
    args = p.parse_args()
    common.install_signal_handlers()
    common.require_binary(args.bin)
    clients_list = [int(c) for c in args.clients.split(",") if c.strip()]
    if args.count < 1 or args.repeat < 1 or not clients_list or min(clients_list) < 1 \
            or not 1 <= args.batch_size <= 1000 or args.time_limit <= 0:
        die("bad arguments", 2)

    m = common.machine()
    load0 = os.getloadavg()[0]
    log("bench_register: %s (%s build), %d products per phase, clients %s, batch %d, %d repetitions, "
        "single-phase time limit %g s; %s CPUs, %s; temp DBs under %s"
        % (args.bin, common.build_type(args.bin), args.count, clients_list, args.batch_size,
           args.repeat, args.time_limit, m["nproc"], m["cpu"], os.environ.get("TMPDIR", "/tmp")))
    runs = []
    retried = []
    for rep in range(1, args.repeat + 1):
        for c in clients_list:
            for attempt in range(args.retries + 1):
                try:
                    r = one_run(args, rep, c)
                    break
                except ConnectionLost as e:
                    if attempt == args.retries:
                        die("run %d clients=%d: the server closed connections without answering: %s"
                            % (rep, c, e))
                    retried.append("run %d clients=%d: %s" % (rep, c, e))
                    log("bench: WARNING: run %d clients=%d: the server closed connections without "
                        "answering (%s); discarding this run and repeating it on a fresh DB" % (rep, c, e))
            runs.append(r)
            single = ("%.2f s" % r["single_elapsed_s"] if r["single_complete"] else
                      "STOPPED at %.1f s after %d (projected %.0f s)"
                      % (r["single_elapsed_s"], r["single_done"], r["single_s"]))
            log("  run %d clients=%d: single %s, %.0f/s; batch %.2f s, %.0f/s; CPU s single/batch: "
                "server %.1f/%.1f, client %.1f/%.1f; %d products verified; DB %.1f MB"
                % (rep, c, single, r["single_per_s"], r["batch_s"], r["batch_per_s"],
                   r["server_cpu_single_s"], r["server_cpu_batch_s"],
                   r["client_cpu_single_s"], r["client_cpu_batch_s"], r["products_verified"],
                   r["db_bytes"] / 1e6))

    summary = []
    for c in clients_list:
        mine = [r for r in runs if r["clients"] == c]
        xs = [r["single_s"] for r in mine]
        summary.append({"what": "single POST, %d client%s" % (c, "" if c == 1 else "s"),
                        "runs": len(xs), "median_s": median(xs), "min_s": min(xs), "max_s": max(xs),
                        "per_s": median([r["single_per_s"] for r in mine]),
                        "projected": not all(r["single_complete"] for r in mine)})
    xs = [r["batch_s"] for r in runs]
    summary.append({"what": "batch POST, %d per request, 1 client" % args.batch_size,
                    "runs": len(xs), "median_s": median(xs), "min_s": min(xs), "max_s": max(xs),
                    "per_s": median([r["batch_per_s"] for r in runs]), "projected": False})

    print("\nRegistering %d products: medians of repeated runs, fresh DB per run, every run verified"
          % args.count)
    print("| measurement | runs | median s for %d | min–max s | products/s (median) "
          "| goal: 10,000 in < 20 s (>= 500/s) |" % args.count)
    print("|---|---|---|---|---|---|")
    for s in summary:
        mark = "~" if s["projected"] else ""
        print("| %s | %d | %s%.2f | %s%.2f–%.2f | %.0f | %s |"
              % (s["what"], s["runs"], mark, s["median_s"], mark, s["min_s"], s["max_s"], s["per_s"],
                 "met" if s["per_s"] >= GOAL_PER_S else "**missed**"))
    if any(s["projected"] for s in summary):
        print("~ = the single phase was stopped at the %g s time limit; seconds projected from the "
              "measured rate (%d products / rate)" % (args.time_limit, args.count))
    print("batch runs follow the single phase in the same DB (so each starts with the single phase's "
          "products stored); mean single body %.0f bytes; server stop after SIGTERM: median %.2f s"
          % (median([r["mean_body_bytes"] for r in runs]),
             median([r["stop_s"] for r in runs if r["stop_s"] is not None])))
    for note in retried:
        print("RETRIED (connections dropped, run discarded): " + note)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": m, "bin": args.bin, "build_type": common.build_type(args.bin),
                       "loadavg": [load0, os.getloadavg()[0]], "count": args.count, "batch_size": args.batch_size, "repeat": args.repeat,
                       "time_limit": args.time_limit, "runs": runs, "retried": retried, "summary": summary},
                      f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
