#!/usr/bin/env python3
"""Relevance of product search over the demo dataset: Recall@5 and MRR.

Standard library only.  Starts its own `puhui serve --demo` on a fresh temporary
database and a random loopback port, maps the product names of relevance.json to
registration numbers through the public API, runs every query and reports the
figures per kind and overall.

    python3 tests/search/run_relevance.py                   # our search (GET /api/v1/products?q=)
    python3 tests/search/run_relevance.py --baseline unicode61
    python3 tests/search/run_relevance.py --baseline trigram
    python3 tests/search/run_relevance.py --compare         # all three, side by side

Environment: PUHUI_BIN (default /work/main/build/puhui, i.e. build/puhui of this tree).
Exit status: 0 when our Recall@5 >= 0.95 (or --no-fail, or a baseline run), 1 when it
is below the bar, 2 when something could not run (binary, server, search API missing).
See README.md next to this file for the method.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("PUHUI_BIN", os.path.join(ROOT, "build", "puhui"))
RECALL_BAR = 0.95
FILTER_KEYS = ("category", "group", "region", "age", "premium_max", "preexisting",
               "questionnaire", "insurer", "on_sale")
DOC_FILTER_KEYS = ("type", "category", "region", "insurer", "date_from", "date_to")

# Chinese names of the enumerations, as in registry/rules.c: the baselines index them
# (the product JSON carries only the codes).
CATEGORY_ZH = {
    "accident": "意外伤害保险", "medical": "医疗保险", "critical_illness": "重大疾病保险",
    "term_life": "定期寿险", "home_property": "家庭财产保险", "agriculture": "农业保险",
    "pension": "养老年金保险", "long_term_care": "长期护理保险", "liability": "责任保险",
    "other": "其他保险",
}
GROUP_ZH = {
    "elderly": "老年人", "disabled": "残疾人", "rural": "农村居民",
    "low_income": "低收入和脱贫人口", "new_citizens": "新市民和灵活就业人员",
    "special_occupations": "特殊职业人员", "chronic_conditions": "有既往症或慢性病的人",
    "women_children": "妇女儿童", "small_business": "小微企业和个体工商户",
    "new_agri": "新型农业经营主体",
}


class Unavailable(Exception):
    """Something this run needs is not there (exit status 2)."""


# ---------------------------------------------------------------------------
# HTTP and the server
# ---------------------------------------------------------------------------

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def http_get(base, path, params=None, timeout=30):
    """(status, parsed JSON or None, elapsed seconds)."""
    url = base + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        body = e.read()
        status = e.code
    elapsed = time.perf_counter() - t0
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except ValueError:
        data = None
    return status, data, elapsed


class Server:
    """Our own `puhui serve --demo`; stopped with SIGTERM (and only ours)."""

    def __init__(self, binary, keep=False):
        self.binary = binary
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix="puhui-relevance-")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.proc = None

    def start(self, timeout=30.0):
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise Unavailable("puhui binary not found or not executable: %s "
                              "(set PUHUI_BIN or build: cmake -S . -B build && cmake --build build)"
                              % self.binary)
        self.out = open(os.path.join(self.dir, "server.out"), "wb")
        self.err = open(os.path.join(self.dir, "server.err"), "wb")
        cmd = [self.binary, "serve", "--db", os.path.join(self.dir, "relevance.db"),
               "--listen", "127.0.0.1:%d" % self.port, "--demo"]
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Unavailable("server exited early with %s: %s" % (self.proc.returncode, self.stderr()))
            try:
                status, _, _ = http_get(self.base, "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise Unavailable("server did not answer /healthz within %ss: %s" % (timeout, self.stderr()))

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "server.err"), "rb") as f:
                return f.read()[-600:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f is not None:
                f.close()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# The demo products through the API
# ---------------------------------------------------------------------------

def load_products(base):
    """Every product (latest version JSON) in registration order, the insurers, the year."""
    status, ins1, _ = http_get(base, "/api/v1/insurers/1")
    if status != 200 or not ins1 or not ins1.get("products"):
        raise Unavailable("GET /api/v1/insurers/1 answered %s without products" % status)
    m = re.match(r"^PH-(\d{4})-\d{6}$", ins1["products"][0]["registration_no"])
    if not m:
        raise Unavailable("unexpected registration number %r" % ins1["products"][0]["registration_no"])
    year = m.group(1)
    products = []
    n = 1
    while True:
        regno = "PH-%s-%06d" % (year, n)
        status, p, _ = http_get(base, "/api/v1/products/" + regno)
        if status == 404:
            break
        if status != 200 or not p:
            raise Unavailable("GET /api/v1/products/%s answered %s" % (regno, status))
        products.append(p)
        n += 1
    status, insurers, _ = http_get(base, "/api/v1/insurers")
    if status != 200:
        raise Unavailable("GET /api/v1/insurers answered %s" % status)
    if isinstance(insurers, dict):
        insurers = insurers.get("items") or insurers.get("insurers") or []
    return year, products, insurers


def load_documents(base):
    """Every document's latest version (GET /api/v1/documents, then each one with its
    text, for the baselines), newest first."""
    docs = []
    page = 1
    while True:
        status, data, _ = http_get(base, "/api/v1/documents", {"per_page": "100", "page": str(page), "sort": "newest"})
        if status != 200 or not isinstance(data, dict):
            raise Unavailable("GET /api/v1/documents answered %s" % status)
        for item in data.get("items", []):
            st, doc, _ = http_get(base, "/api/v1/documents/" + item["document_no"])
            if st != 200:
                raise Unavailable("GET /api/v1/documents/%s answered %s" % (item["document_no"], st))
            docs.append(doc)
        if page * 100 >= data.get("total", 0):
            return docs
        page += 1


def resolve_names(queries, products, documents=()):
    """Product names and document titles (queries with "target": "documents") to their
    numbers; both must be unique."""
    by_name = {}
    for p in products:
        if p["name"] in by_name:
            raise Unavailable("two products are called %s" % p["name"])
        by_name[p["name"]] = p["registration_no"]
    for d in documents:
        if d["title"] in by_name:
            raise Unavailable("two documents (or a document and a product) are called %s" % d["title"])
        by_name[d["title"]] = d["document_no"]
    unknown = sorted({n for q in queries for n in q["must_top5"] + q.get("relevant", [])
                      if n not in by_name})
    if unknown:
        raise Unavailable("relevance.json names products the demo does not have: %s" % ", ".join(unknown))
    return by_name


def insurer_id(name, insurers):
    for i in insurers:
        if name in (i.get("name"), i.get("short_name")) or str(name) == str(i.get("id")):
            return i["id"]
    raise Unavailable("no insurer called %s" % name)


def is_doc(q):
    return q.get("target") == "documents"


def api_filters(filters, insurers, documents=False):
    """relevance.json filters -> query parameters of GET /api/v1/products (or documents)."""
    params = []
    for key, value in (filters or {}).items():
        if key not in (DOC_FILTER_KEYS if documents else FILTER_KEYS):
            raise Unavailable("unknown filter %r" % key)
        if key == "insurer":
            value = insurer_id(value, insurers)
        if isinstance(value, bool):
            value = "true" if value else "false"
        params.append((key, str(value)))
    return params


# ---------------------------------------------------------------------------
# Our search
# ---------------------------------------------------------------------------

def search_api_available(base):
    status, data, _ = http_get(base, "/api/v1/products", {"q": "意外"})
    return status == 200 and isinstance(data, dict) and isinstance(data.get("items"), list), status


def run_ours(base, queries, insurers):
    ok, status = search_api_available(base)
    if not ok:
        raise Unavailable("GET /api/v1/products?q=意外 answered %s: the search API is not there yet" % status)
    runs = []
    for q in queries:
        params = [("q", q["q"])] + api_filters(q.get("filters"), insurers, is_doc(q))
        path = "/api/v1/documents" if is_doc(q) else "/api/v1/products"
        id_key = "document_no" if is_doc(q) else "registration_no"
        st5, d5, t5 = http_get(base, path, params + [("per_page", "5")])
        st10, d10, t10 = http_get(base, path, params + [("per_page", "10")])
        run = {"status": st5}
        if st5 != 200 or st10 != 200 or not isinstance(d5, dict) or not isinstance(d10, dict):
            run.update(top5=[], top10=[], error="HTTP %s/%s: %s" % (st5, st10, json.dumps(d5, ensure_ascii=False)[:300]))
        else:
            run["top5"] = [i.get(id_key) for i in d5.get("items", [])][:5]
            run["top10"] = [i.get(id_key) for i in d10.get("items", [])][:10]
            run["total"] = d10.get("total")
            if run["top5"] != run["top10"][:5]:
                run["warning"] = "per_page=5 and the first 5 of per_page=10 differ"
            # how the query was understood (whatever the API calls it), for the report
            run["understood"] = {k: v for k, v in d5.items() if k not in ("items", "facets")}
        run["ms"] = round(1000 * (t5 + t10) / 2, 2)
        runs.append(run)
    return runs


# ---------------------------------------------------------------------------
# Baselines: plain FTS5 over the same text
# ---------------------------------------------------------------------------

def product_text(p):
    ins = p.get("insurer") or {}
    claim = p.get("claim") or {}
    tags = [CATEGORY_ZH.get(p.get("category"), "")] + [GROUP_ZH.get(g, "") for g in p.get("target_groups", [])]
    return (p.get("name", ""),
            " ".join(x for x in (ins.get("name"), ins.get("short_name")) if x),
            p.get("summary", ""),
            "\n".join(p.get("covered") or []),
            "\n".join(p.get("not_covered") or []),
            claim.get("how", "") or "",
            " ".join(t for t in tags if t))


def check_fts5(tokenizer):
    """'python' when this Python's sqlite3 has FTS5 with the tokenizer, 'cli' when the
    sqlite3 command does, else raise."""
    try:
        c = sqlite3.connect(":memory:")
        c.execute("create virtual table t using fts5(x, tokenize='%s')" % tokenizer)
        c.close()
        return "python"
    except sqlite3.Error:
        pass
    cli = shutil.which("sqlite3")
    if cli:
        r = subprocess.run([cli, ":memory:", "create virtual table t using fts5(x, tokenize='%s');" % tokenizer],
                           capture_output=True, text=True)
        if r.returncode == 0:
            return "cli"
    raise Unavailable("neither Python's sqlite3 nor the sqlite3 command has FTS5 with %s "
                      "(apt-get install sqlite3)" % tokenizer)


def fts_string(term):
    return '"' + term.replace('"', '""') + '"'


def fts_query(text):
    """The plain way: every whitespace-separated term as an FTS5 string, AND-ed."""
    return " ".join(fts_string(t) for t in text.split())


def document_text(d):
    ins = d.get("insurer") or {}
    return (d.get("title", ""), d.get("content", ""), (d.get("product") or {}).get("name", ""),
            " ".join(x for x in (ins.get("name"), ins.get("short_name")) if x))


class Fts5Baseline:
    COLUMNS = ("name", "insurer", "summary", "covered", "not_covered", "claim_how", "tags")
    DOC_COLUMNS = ("title", "content", "product", "insurer")

    def __init__(self, tokenizer, products, documents=False):
        self.tokenizer = tokenizer
        self.products = products
        self.how = check_fts5(tokenizer)
        if documents:
            self.COLUMNS = self.DOC_COLUMNS
            self.rows = [document_text(d) for d in products]
        else:
            self.rows = [product_text(p) for p in products]
        if self.how == "python":
            self.db = sqlite3.connect(":memory:")
            self.db.execute("create virtual table t using fts5(%s, tokenize='%s')"
                            % (", ".join(self.COLUMNS), tokenizer))
            self.db.executemany("insert into t(rowid, %s) values (?, %s)"
                                % (", ".join(self.COLUMNS), ", ".join("?" * len(self.COLUMNS))),
                                [(i + 1,) + r for i, r in enumerate(self.rows)])
        else:
            self.dir = tempfile.mkdtemp(prefix="puhui-fts5-")
            self.dbpath = os.path.join(self.dir, "baseline.db")
            sql = ["create virtual table t using fts5(%s, tokenize='%s');"
                   % (", ".join(self.COLUMNS), tokenizer)]
            for i, r in enumerate(self.rows):
                sql.append("insert into t(rowid, %s) values (%d, %s);"
                           % (", ".join(self.COLUMNS), i + 1, ", ".join(self._lit(x) for x in r)))
            subprocess.run(["sqlite3", self.dbpath], input="\n".join(sql), text=True, check=True)

    @staticmethod
    def _lit(s):
        return "'" + s.replace("'", "''") + "'"

    def match(self, text):
        """Product indexes in bm25 order; [] when FTS5 rejects the query or finds nothing."""
        expr = fts_query(text)
        if self.how == "python":
            try:
                return [r[0] - 1 for r in self.db.execute(
                    "select rowid from t where t match ? order by bm25(t)", (expr,))]
            except sqlite3.Error:
                return []
        r = subprocess.run(["sqlite3", self.dbpath,
                            "select rowid from t where t match %s order by bm25(t);" % self._lit(expr)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return []
        return [int(x) - 1 for x in r.stdout.split()]


def region_matches(wanted, regions):
    """As the API documents it: 000000 products match every region, and a province's
    products match its cities (a city code finds the products of its province)."""
    wanted = str(wanted)
    prov = wanted[:2] + "0000"
    return any(r in ("000000", wanted, prov) for r in regions)


def passes(p, filters, insurers):
    for key, value in (filters or {}).items():
        if key == "category" and p.get("category") != value:
            return False
        if key == "group" and value not in p.get("target_groups", []):
            return False
        if key == "region" and not region_matches(value, p.get("regions", [])):
            return False
        if key == "age" and not (p.get("age_min", 0) <= int(value) <= p.get("age_max", 200)):
            return False
        if key == "premium_max" and (p.get("premium_yuan_per_year") or {}).get("min", 0) > float(value):
            return False
        if key == "preexisting" and p.get("preexisting_conditions") != value:
            return False
        if key == "questionnaire" and bool(p.get("health_questionnaire")) != bool(value):
            return False
        if key == "insurer" and (p.get("insurer") or {}).get("id") != insurer_id(value, insurers):
            return False
        if key == "on_sale" and bool(p.get("on_sale")) != bool(value):
            return False
    return True


def doc_passes(d, filters, insurers, products_by_no):
    product = products_by_no.get((d.get("product") or {}).get("registration_no"), {})
    for key, value in (filters or {}).items():
        if key == "type" and d.get("type") != value:
            return False
        if key == "category" and product.get("category") != value:
            return False
        if key == "region" and not region_matches(value, product.get("regions", [])):
            return False
        if key == "insurer" and (d.get("insurer") or {}).get("id") != insurer_id(value, insurers):
            return False
        if key == "date_from" and d.get("published_on", "") < value:
            return False
        if key == "date_to" and d.get("published_on", "") > value:
            return False
    return True


def run_baseline(tokenizer, products, queries, insurers, documents=()):
    base = Fts5Baseline(tokenizer, products)
    doc_base = Fts5Baseline(tokenizer, list(documents), documents=True) if documents else None
    products_by_no = {p["registration_no"]: p for p in products}
    runs = []
    for q in queries:
        t0 = time.perf_counter()
        rows = list(documents) if is_doc(q) else products
        engine = doc_base if is_doc(q) else base
        if q["q"].strip():
            hits = engine.match(q["q"])
        else:
            hits = list(range(len(rows)))  # no text: filters only, in the listing's order
        if is_doc(q):
            hits = [i for i in hits if doc_passes(rows[i], q.get("filters"), insurers, products_by_no)]
        else:
            hits = [i for i in hits if passes(rows[i], q.get("filters"), insurers)]
        ms = 1000 * (time.perf_counter() - t0)
        regnos = [rows[i]["document_no" if is_doc(q) else "registration_no"] for i in hits]
        runs.append({"status": 200, "top5": regnos[:5], "top10": regnos[:10], "total": len(hits),
                     "ms": round(ms, 3), "fts5_query": fts_query(q["q"])})
    return runs


# ---------------------------------------------------------------------------
# Metrics and report
# ---------------------------------------------------------------------------

def score(q, run, by_name):
    """Recall@5 and reciprocal rank of one query.

    must_top5: the share of those products found in the top 5.
    relevant (broad queries, must_top5 empty): the share of the top 5 slots filled
    from the relevant set, out of min(5, |relevant|) (capped recall).
    Reciprocal rank: 1/rank of the first expected product in the top 10, else 0."""
    must = [by_name[n] for n in q["must_top5"]]
    relevant = [by_name[n] for n in q.get("relevant", [])]
    top5, top10 = run["top5"], run["top10"]
    if must:
        found = [r for r in must if r in top5]
        recall = len(found) / len(must)
        missing = [r for r in must if r not in top5]
        wanted = set(must)
    else:
        hits = [r for r in top5 if r in relevant]
        recall = min(1.0, len(set(hits)) / min(5, len(relevant)))
        missing = [r for r in top5 if r not in relevant]  # intruders in the top 5
        if len(top5) < min(5, len(relevant)):
            missing.append("(only %d results)" % len(top5))
        wanted = set(relevant)
    rr = 0.0
    for rank, r in enumerate(top10, 1):
        if r in wanted:
            rr = 1.0 / rank
            break
    return recall, rr, missing


def evaluate(mode, queries, runs, by_name):
    name_of = {v: k for k, v in by_name.items()}
    per_query = []
    for q, run in zip(queries, runs):
        recall, rr, missing = score(q, run, by_name)
        per_query.append({
            "id": q["id"], "kind": q["kind"], "q": q["q"], "filters": q.get("filters", {}),
            "must_top5": q["must_top5"], "relevant": q.get("relevant"),
            "recall5": round(recall, 4), "rr": round(rr, 4),
            "missing": [name_of.get(m, m) for m in missing],
            "top5": [name_of.get(r, r) for r in run["top5"]],
            "top10": [name_of.get(r, r) for r in run["top10"]],
            **{k: run[k] for k in ("total", "ms", "error", "warning", "understood", "fts5_query") if k in run},
        })
    kinds = []
    for q in queries:
        if q["kind"] not in kinds:
            kinds.append(q["kind"])
    per_kind = {}
    for k in kinds:
        rows = [r for r in per_query if r["kind"] == k]
        per_kind[k] = {"queries": len(rows),
                       "recall5": round(sum(r["recall5"] for r in rows) / len(rows), 4),
                       "mrr": round(sum(r["rr"] for r in rows) / len(rows), 4)}
    overall = {"queries": len(per_query),
               "recall5": round(sum(r["recall5"] for r in per_query) / len(per_query), 4),
               "mrr": round(sum(r["rr"] for r in per_query) / len(per_query), 4)}
    ms = sorted(r["ms"] for r in per_query if "ms" in r)
    if ms:
        overall["ms_p50"] = ms[len(ms) // 2]
        overall["ms_max"] = ms[-1]
    return {"mode": mode, "overall": overall, "per_kind": per_kind, "queries": per_query}


def print_table(results):
    """One table, one Recall@5 / MRR column pair per mode."""
    modes = list(results)
    kinds = []
    for res in results.values():
        for k in res["per_kind"]:
            if k not in kinds:
                kinds.append(k)
    head = "%-18s %4s" % ("kind", "n") + "".join("  %*s" % (max(15, len(m) + 12), m + " R@5 / MRR") for m in modes)
    print(head)
    print("-" * len(head))
    first = results[modes[0]]
    for k in kinds + ["overall"]:
        n = first["overall"]["queries"] if k == "overall" else first["per_kind"][k]["queries"]
        line = "%-18s %4d" % (k, n)
        for m in modes:
            row = results[m]["overall"] if k == "overall" else results[m]["per_kind"].get(k)
            cell = "%.3f / %.3f" % (row["recall5"], row["mrr"]) if row else "- / -"
            line += "  %*s" % (max(15, len(m) + 12), cell)
        if k == "overall":
            print("-" * len(head))
        print(line)


def markdown_table(results):
    """The table of docs/SEARCH.md: one column per mode, each cell Recall@5 / MRR."""
    modes = list(results)
    label = {"ours": "ours", "unicode61": "FTS5 `unicode61`", "trigram": "FTS5 `trigram`"}
    kinds = []
    for res in results.values():
        for k in res["per_kind"]:
            if k not in kinds:
                kinds.append(k)
    out = ["| kind | queries | " + " | ".join(label.get(m, m) for m in modes) + " |",
           "|---|---:|" + "---:|" * len(modes)]
    first = results[modes[0]]
    for k in kinds + ["overall"]:
        n = first["overall"]["queries"] if k == "overall" else first["per_kind"][k]["queries"]
        cells = []
        for m in modes:
            row = results[m]["overall"] if k == "overall" else results[m]["per_kind"].get(k)
            cells.append("%.3f / %.3f" % (row["recall5"], row["mrr"]) if row else "–")
        if k == "overall":
            out.append("| **overall** | **%d** | %s |" % (n, " | ".join("**%s**" % c for c in cells)))
        else:
            out.append("| %s | %d | %s |" % (k, n, " | ".join(cells)))
    return "\n".join(out)


def markdown_failures(res):
    """The failing queries of one mode as a Markdown list, for docs/SEARCH.md."""
    bad = [r for r in res["queries"] if r["recall5"] < 1.0]
    if not bad:
        return "Every query has its expected products in the top 5."
    out = []
    for r in bad:
        f = " + " + ", ".join("%s=%s" % (k, json.dumps(v, ensure_ascii=False).strip('"'))
                              for k, v in r["filters"].items()) if r["filters"] else ""
        if r["must_top5"]:
            what = "missing " + "、".join(r["missing"])
        else:
            what = "not right answers in the top 5: " + "、".join(r["missing"])
        u = (r.get("understood") or {}).get("understood")
        how = ""
        if isinstance(u, dict):
            parts = []
            if u.get("terms"):
                parts.append("terms " + " ".join(u["terms"]))
            if u.get("age") is not None:
                parts.append("age %s" % u["age"])
            if u.get("region"):
                parts.append("region %s" % u["region"])
            if u.get("relaxed") not in (None, "none"):
                parts.append("relaxed: %s" % u["relaxed"])
            how = "; understood as " + ", ".join(parts) if parts else ""
        out.append("- `%s` %s%s — Recall@5 %.2f, RR %.2f; %s. Top 5: %s%s."
                   % (r["id"], r["q"] or "(no text)", f, r["recall5"], r["rr"], what,
                      "、".join(r["top5"]) or "nothing", how))
    return "\n".join(out)


def update_doc(path, results):
    """Replace the marked parts of docs/SEARCH.md with this run's figures."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    parts = {"relevance-table": markdown_table(results)}
    if "ours" in results:
        parts["relevance-failures"] = markdown_failures(results["ours"])
    for marker, body in parts.items():
        begin, end = "<!-- %s -->" % marker, "<!-- /%s -->" % marker
        i, j = text.find(begin), text.find(end)
        if i < 0 or j < i:
            raise Unavailable("%s has no %s ... %s markers" % (path, begin, end))
        text = text[:i + len(begin)] + "\n" + body + "\n" + text[j:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def print_failures(res, limit):
    bad = [r for r in res["queries"] if r["recall5"] < 1.0]
    if not bad:
        print("\n%s: every query has its expected products in the top 5." % res["mode"])
        return
    print("\n%s: %d queries below Recall@5 = 1%s" % (res["mode"], len(bad), "" if limit is None or len(bad) <= limit else " (first %d)" % limit))
    for r in bad[:limit]:
        f = " " + json.dumps(r["filters"], ensure_ascii=False) if r["filters"] else ""
        what = "missing" if r["must_top5"] else "not relevant"
        print("  %-20s %-16s%s  R@5=%.2f RR=%.2f" % (r["id"], r["q"] or "(empty)", f, r["recall5"], r["rr"]))
        print("      %s: %s" % (what, ", ".join(r["missing"]) or "-"))
        print("      top 5:   %s" % (", ".join(r["top5"]) or "(nothing)"))
        u = (r.get("understood") or {}).get("understood")
        if isinstance(u, dict):
            print("      understood: %s" % ", ".join(
                "%s=%s" % (k, json.dumps(u[k], ensure_ascii=False))
                for k in ("terms", "age", "region", "relaxed", "unmatched") if u.get(k) not in (None, [], "")))
        if r.get("error"):
            print("      error:   %s" % r["error"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--baseline", choices=("unicode61", "trigram"),
                   help="run the set against a plain FTS5 table with this tokenizer instead of our search")
    g.add_argument("--compare", action="store_true",
                   help="run ours (if the search API exists), unicode61 and trigram; print them side by side")
    ap.add_argument("--relevance", default=os.path.join(HERE, "relevance.json"))
    ap.add_argument("--out", help="JSON results file (default tests/search/results/<mode>.json)")
    ap.add_argument("--bin", default=BIN, help="puhui binary (default $PUHUI_BIN or build/puhui)")
    ap.add_argument("--url", help="use this running server (e.g. http://127.0.0.1:8080) instead of starting one")
    ap.add_argument("--kind", action="append", help="only queries of this kind (repeatable)")
    ap.add_argument("--failures", type=int, default=None, metavar="N",
                    help="list at most N failing queries (default all)")
    ap.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    ap.add_argument("--write-doc", metavar="FILE",
                    help="with --compare: put the table (and our failing queries) between the "
                         "<!-- relevance-table --> / <!-- relevance-failures --> markers of FILE "
                         "(docs/SEARCH.md)")
    ap.add_argument("--no-fail", action="store_true", help="exit 0 even when Recall@5 < %.2f" % RECALL_BAR)
    ap.add_argument("--keep", action="store_true", help="keep the server's temporary directory")
    args = ap.parse_args()

    with open(args.relevance, encoding="utf-8") as f:
        queries = json.load(f)["queries"]
    if args.kind:
        queries = [q for q in queries if q["kind"] in args.kind]
    if not queries:
        print("no queries", file=sys.stderr)
        return 2

    server = None
    try:
        if args.url:
            base = args.url.rstrip("/")
        else:
            server = Server(args.bin, keep=args.keep)
            server.start()
            base = server.base
        year, products, insurers = load_products(base)
        documents = load_documents(base) if any(is_doc(q) for q in queries) else []
        by_name = resolve_names(queries, products, documents)
        print("%d queries (%d over documents), %d demo products (PH-%s-000001..%06d), %d documents, server %s"
              % (len(queries), sum(is_doc(q) for q in queries), len(products), year, len(products),
                 len(documents), base))

        results = {}
        if args.compare:
            ok, status = search_api_available(base)
            if ok:
                results["ours"] = evaluate("ours", queries, run_ours(base, queries, insurers), by_name)
            else:
                print("(our search: GET /api/v1/products?q= answered %s, not there yet)" % status)
            for tok in ("unicode61", "trigram"):
                results[tok] = evaluate(tok, queries, run_baseline(tok, products, queries, insurers, documents),
                                        by_name)
        elif args.baseline:
            results[args.baseline] = evaluate(args.baseline, queries,
                                              run_baseline(args.baseline, products, queries, insurers, documents),
                                              by_name)
        else:
            results["ours"] = evaluate("ours", queries, run_ours(base, queries, insurers), by_name)
    except Unavailable as e:
        print("cannot run: %s" % e, file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()

    print()
    print_table(results)
    if args.markdown:
        print()
        print(markdown_table(results))
    for res in results.values():
        print_failures(res, args.failures)

    if args.write_doc:
        if not args.compare:
            print("--write-doc needs --compare", file=sys.stderr)
            return 2
        try:
            update_doc(args.write_doc, results)
        except Unavailable as e:
            print("cannot write: %s" % e, file=sys.stderr)
            return 2
        print("\nupdated %s" % args.write_doc)

    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for mode, res in results.items():
        res["run_at"] = stamp
        res["binary"] = None if args.url else os.path.abspath(args.bin)
        path = args.out if (args.out and len(results) == 1) else os.path.join(HERE, "results", mode + ".json")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(res, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print("\nwrote %s" % os.path.relpath(path))

    if "ours" in results:
        r5 = results["ours"]["overall"]["recall5"]
        if r5 < RECALL_BAR and not args.no_fail:
            print("\nFAIL: our Recall@5 %.3f is below the bar %.2f" % (r5, RECALL_BAR))
            return 1
        print("\nour Recall@5 %.3f, MRR %.3f (bar: Recall@5 >= %.2f)"
              % (r5, results["ours"]["overall"]["mrr"], RECALL_BAR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
