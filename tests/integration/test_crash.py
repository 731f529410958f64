#!/usr/bin/env python3
"""Crash safety: SIGKILL the server while 4 clients register products, restart on the
same DB, and check that every acknowledged registration survived whole and that
nothing half-written appears.  Three kill cycles on the same DB."""

import http.client
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

THREADS = 4
RUN_SECONDS = 2.0
MIN_ACKED = 50
CYCLES = 3


class Writer(threading.Thread):
    def __init__(self, port, key, cycle, tid, sent, acked, lock, stop):
        super().__init__(daemon=True)
        self.port, self.key, self.cycle, self.tid = port, key, cycle, tid
        self.sent, self.acked, self.lock, self.stop = sent, acked, lock, stop
        self.errors = []
        self.other = []

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            name = "崩溃测试第%d轮%d线程%d号惠民保" % (self.cycle, self.tid, i)
            body = H.valid_product(name=name, age_max=60 + (i % 60),
                                   premium_yuan_per_year={"min": i % 100, "max": 100 + i % 900},
                                   summary="崩溃测试产品摘要：第%d轮第%d线程第%d次登记，面向全市参保人。"
                                           % (self.cycle, self.tid, i))
            with self.lock:
                self.sent[name] = body       # recorded before it is sent
            try:
                r = H.http_request(self.port, "POST", "/api/v1/products", body, key=self.key, timeout=5)
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(repr(e))
                if self.stop.is_set():
                    return
                time.sleep(0.01)
                continue
            if r.status == 201 and isinstance(r.json, dict) and "registration_no" in r.json:
                with self.lock:
                    self.acked[name] = r.json["registration_no"]
            elif r.status == 201:
                self.errors.append("201 without a whole body: %r" % r)
            else:
                self.other.append(repr(r))


def fetch_all(port, regs, workers=4):
    """GET /api/v1/products/{reg} for every reg, in parallel on keep-alive connections.
    Returns {reg: (status, json)}."""
    regs = list(regs)
    out = {}
    lock = threading.Lock()
    idx = [0]

    def work():
        conn = None
        while True:
            with lock:
                if idx[0] >= len(regs):
                    break
                reg = regs[idx[0]]
                idx[0] += 1
            for attempt in range(2):
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", "/api/v1/products/" + reg)
                    r = conn.getresponse()
                    raw = r.read()
                    res = H.Response(r.status, r.getheaders(), raw)
                    if (r.getheader("Connection") or "").lower() == "close":
                        conn.close()
                        conn = None
                    break
                except (OSError, http.client.HTTPException) as e:
                    if conn is not None:
                        conn.close()
                    conn = None
                    res = H.Response(599, [], repr(e).encode())
            with lock:
                out[reg] = (res.status, res.json)
        if conn is not None:
            conn.close()

    ts = [threading.Thread(target=work) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


class CrashTest(unittest.TestCase):

    def setUp(self):
        self.env = H.Env()
        self.addCleanup(self.env.cleanup)

    def _check(self, srv, sent, acked):
        # every acknowledged registration is there, whole, version 1
        problems = []
        rows = [r[0] for r in H.db_query(self.env.db, "SELECT registration_no FROM products")]
        got = fetch_all(srv.port, set(acked.values()) | set(rows))
        for name, reg in acked.items():
            status, p = got[reg]
            if status != 200:
                problems.append("%s (%s): GET %s" % (reg, name, status))
                continue
            d = H.diff_sent(sent[name], p)
            if d:
                problems.append("%s: %s" % (reg, d[:3]))
            if p.get("version") != 1:
                problems.append("%s: version %r" % (reg, p.get("version")))
            if p.get("registration_no") != reg:
                problems.append("%s: answered as %r" % (reg, p.get("registration_no")))
        self.assertEqual(problems[:20], [], "%d acknowledged products lost or changed" % len(problems))

        self.assertEqual(H.integrity_check(self.env.db), ["ok"])

        # every stored product is whole and is one of the bodies sent
        self.assertEqual(len(rows), len(set(rows)), "duplicate registration numbers")
        by_reg = {reg: name for name, reg in acked.items()}
        unacked = 0
        problems = []
        for reg in rows:
            status, p = got[reg]
            if status != 200:
                problems.append("%s: GET %s" % (reg, status))
                continue
            name = p.get("name")
            if name not in sent:
                problems.append("%s: unknown name %r" % (reg, name))
                continue
            d = H.diff_sent(sent[name], p)
            if d:
                problems.append("%s: %s" % (reg, d[:3]))
            if p.get("version") != 1:
                problems.append("%s: version %r" % (reg, p.get("version")))
            if reg in by_reg:
                if by_reg[reg] != name:
                    problems.append("%s: acknowledged for %r but holds %r" % (reg, by_reg[reg], name))
            else:
                unacked += 1
        self.assertEqual(problems[:20], [], "%d stored products are not whole" % len(problems))
        return len(rows), unacked

    def test_sigkill_during_writes(self):
        A = self.env.add_insurer("上海安泰健康保险股份有限公司", "安泰健康", region="310000")
        sent, acked = {}, {}
        lock = threading.Lock()
        for cycle in range(1, CYCLES + 1):
            srv = self.env.start_server()
            stop = threading.Event()
            before_acked = len(acked)
            before_sent = len(sent)
            writers = [Writer(srv.port, A["key"], cycle, t, sent, acked, lock, stop) for t in range(THREADS)]
            for w in writers:
                w.start()
            t0 = time.time()
            time.sleep(RUN_SECONDS)
            while len(acked) - before_acked < MIN_ACKED and time.time() - t0 < 15:
                time.sleep(0.1)
            srv.kill()            # SIGKILL with requests in flight
            stop.set()
            for w in writers:
                w.join(10)
            with lock:
                cycle_acked = len(acked) - before_acked
                snapshot_sent, snapshot_acked = dict(sent), dict(acked)
            others = [o for w in writers for o in w.other]
            self.assertEqual(others[:5], [], "non-201 answers during the run")
            self.assertGreaterEqual(cycle_acked, MIN_ACKED,
                                    "only %d registrations acknowledged in cycle %d" % (cycle_acked, cycle))

            t1 = time.time()
            srv = self.env.start_server()
            t2 = time.time()
            stored, unacked = self._check(srv, snapshot_sent, snapshot_acked)
            H.log("cycle %d: sent %d, acknowledged %d (total %d), stored %d, "
                  "landed unacknowledged so far %d (unanswered this cycle: %d)"
                  % (cycle, len(snapshot_sent) - before_sent, cycle_acked, len(snapshot_acked), stored, unacked,
                     (len(snapshot_sent) - before_sent) - cycle_acked))
            H.log("  timing: run+kill %.1fs, restart %.1fs, checks %.1fs" % (t1 - t0, t2 - t1, time.time() - t2))
            h = srv.get("/healthz")
            self.assertEqual(h.status, 200, h)
            self.assertEqual(srv.stop(), 0, srv.stderr_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
