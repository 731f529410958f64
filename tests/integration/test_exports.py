#!/usr/bin/env python3
"""Black-box tests of the exports and feeds (issue 5): CSV twins of every product
list, the full snapshot (SQLite copy and NDJSON), the Atom feeds, and the
round trip of a CSV through LibreOffice.

One real `puhui serve --demo` on a temporary database; an insurer of our own
registers hostile products (formula prefixes, quotes, commas) through the API.

Outside tools, each installed by scripts/install-export-test-deps.sh:
  soffice (libreoffice-calc-nogui), trang, xmllint, node with
  tests/browser/node_modules (@rowanmanning/feed-parser).
A missing tool is a failure that says how to install it, never a skip.
"""

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

ROOT = H.ROOT
ATOM = "{http://www.w3.org/2005/Atom}"
BOM = b"\xef\xbb\xbf"
HEADER = ["登记编号", "产品名称", "保险公司", "保险种类", "适合人群", "销售地区", "地区代码",
          "最低投保年龄（岁）", "最高投保年龄（岁）", "每年保费最低（元）", "每年保费最高（元）", "最高保额（元）",
          "既往症能不能赔", "要不要健康告知", "状态", "现在能买吗", "登记日期", "最新版本", "网址"]
CHINESE_NAME = "杭州西湖惠民保2026（示范）"
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example","点我"),逗号',
    '+惠民保,"引号"测试',
    '-减号开头惠民保',
    '@艾特开头惠民保',
]
INSTALL_HINT = "run scripts/install-export-test-deps.sh"


def q(params):
    return urllib.parse.urlencode(params)


class ExportsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        H.start_demo(cls)
        cls.A = cls.env.add_insurer("浙江导出测试健康保险股份有限公司", "导出测试健康")
        cls.registered = {}
        for name in [CHINESE_NAME] + HOSTILE_NAMES:
            body = H.valid_product(name=name, regions=["330100"])
            r = H.http_request(cls.port, "POST", "/api/v1/products", body, key=cls.A["key"])
            if r.status != 201:
                raise AssertionError("registering %r: %r" % (name, r))
            cls.registered[name] = r.json["registration_no"]

    @classmethod
    def tearDownClass(cls):
        # A clean stop, so that a sanitizer build reports leaks and errors.
        rc = cls.srv.stop()
        err = cls.srv.stderr_text()
        if rc != 0 or "Sanitizer" in err or "runtime error" in err:
            raise AssertionError("server did not stop cleanly (rc=%s): %s" % (rc, err[-1500:]))

    def get(self, path, **kw):
        return H.http_request(self.port, "GET", path, timeout=120, **kw)

    def csv_rows(self, path):
        r = self.get(path)
        self.assertEqual(r.status, 200, "%s: %r" % (path, r))
        self.assertTrue(r.raw.startswith(BOM), "%s: no UTF-8 BOM" % path)
        text = r.raw[len(BOM):].decode("utf-8")
        self.assertIn("\r\n", text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0], HEADER)
        for row in rows[1:]:
            self.assertEqual(len(row), len(HEADER), row)
        return r, rows[1:]

    def api_all(self, params):
        """Registration numbers of every page of GET /api/v1/products, in order."""
        out = []
        page = 1
        while True:
            p = dict(params, page=page, per_page=100)
            r = self.get("/api/v1/products?" + q(p))
            self.assertEqual(r.status, 200, r)
            items = r.json["items"]
            out += [it["registration_no"] for it in items]
            if page * 100 >= r.json["total"]:
                self.assertEqual(len(out), r.json["total"])
                return out
            page += 1

    # --- CSV ---------------------------------------------------------------

    def test_csv_headers(self):
        r = self.get("/search.csv?q=" + urllib.parse.quote("意外"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
        disposition = r.header("Content-Disposition")
        self.assertRegex(disposition, r'^attachment; filename="puhui-products-\d{8}\.csv"; '
                                      r"filename\*=UTF-8''puhui-products-\d{8}\.csv$")
        self.assertEqual(r.header("Transfer-Encoding"), "chunked")
        self.assertIsNone(r.header("Content-Length"))
        # the shared helper's security headers
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertIn("default-src", r.header("Content-Security-Policy") or "")
        self.assertTrue(r.header("ETag"))
        self.assertTrue(r.raw.startswith(BOM))

    def test_csv_has_every_match_in_the_search_order(self):
        cases = [
            {},
            {"q": "意外"},
            {"q": "惠民保"},
            {"q": "huiminbao"},
            {"category": "medical"},
            {"region": "330100"},
            {"q": "老人住院", "age": "70"},
            {"group": "elderly", "sort": "premium"},
            {"sort": "name"},
            {"sort": "newest", "on_sale": "true"},
            {"insurer": str(self.A["id"])},
            {"q": "不存在的词语组合测试"},
        ]
        for params in cases:
            with self.subTest(params=params):
                want = self.api_all(params)
                _, rows = self.csv_rows("/api/v1/products.csv?" + q(params))
                self.assertEqual([row[0] for row in rows], want)
                # the page's twin, with the same filters
                _, rows = self.csv_rows("/search.csv?" + q(params))
                self.assertEqual([row[0] for row in rows], want)
        _, everything = self.csv_rows("/api/v1/products.csv")
        self.assertGreater(len(everything), 60)

    def test_page_twins_keep_their_filter(self):
        cases = [
            ("/browse/category/medical.csv", {"category": "medical"}),
            ("/browse/group/elderly.csv", {"group": "elderly"}),
            ("/browse/region/330100.csv", {"region": "330100"}),
            ("/insurers/%d.csv" % self.A["id"], {"insurer": str(self.A["id"])}),
            ("/browse/category/medical.csv?" + q({"q": "惠民保", "age": "60"}),
             {"category": "medical", "q": "惠民保", "age": "60"}),
        ]
        for path, params in cases:
            with self.subTest(path=path):
                _, rows = self.csv_rows(path)
                self.assertEqual([row[0] for row in rows], self.api_all(params))
                self.assertGreater(len(rows), 0)
        _, rows = self.csv_rows("/browse/category/medical.csv")
        self.assertEqual({row[3] for row in rows}, {"医疗保险"})
        _, rows = self.csv_rows("/insurers/%d.csv" % self.A["id"])
        self.assertEqual({row[2] for row in rows}, {"浙江导出测试健康保险股份有限公司"})
        self.assertLessEqual(set(self.registered.values()), {row[0] for row in rows})

    def test_pages_link_their_csv(self):
        # A list page offers its own CSV twin, filters kept, and the link works.
        for path, csv_path in [("/search?q=%E6%84%8F%E5%A4%96&age=70", "/search.csv?q=%E6%84%8F%E5%A4%96&amp;age=70"),
                               ("/browse/category/medical", "/browse/category/medical.csv")]:
            page = self.get(path)
            self.assertEqual(page.status, 200, path)
            self.assertIn('href="%s"' % csv_path, page.raw.decode("utf-8"), path)
            r = self.get(csv_path.replace("&amp;", "&"))
            self.assertEqual(r.status, 200, csv_path)
            self.assertTrue(r.header("Content-Type").startswith("text/csv"), csv_path)
        disclosures = self.get("/disclosures?q=%E8%B4%B9%E7%8E%87").raw.decode("utf-8")
        self.assertIn('href="/api/v1/documents.csv?q=%E8%B4%B9%E7%8E%87"', disclosures)

    def test_row_content(self):
        regno = self.registered[CHINESE_NAME]
        r = self.get("/api/v1/products/" + regno)
        product = r.json
        _, rows = self.csv_rows("/insurers/%d.csv" % self.A["id"])
        row = next(row for row in rows if row[0] == regno)
        self.assertEqual(row[1], CHINESE_NAME)
        self.assertEqual(row[5], "杭州")
        self.assertEqual(row[6], "330100")
        self.assertEqual(row[7:9], [str(product["age_min"]), str(product["age_max"])])
        self.assertEqual(float(row[9]), product["premium_yuan_per_year"]["min"])
        self.assertEqual(float(row[10]), product["premium_yuan_per_year"]["max"])
        self.assertEqual(float(row[11]), product["sum_insured_yuan"])
        self.assertEqual(row[14], "在售")
        self.assertEqual(row[15], "能")
        self.assertRegex(row[16], r"^\d{4}-\d{2}-\d{2}$")
        self.assertEqual(row[17], "1")
        self.assertEqual(row[18], "/products/" + regno)
        self.assertEqual(self.get(row[18]).status, 200)

    def test_hostile_text_is_quoted_and_defended(self):
        r, rows = self.csv_rows("/insurers/%d.csv" % self.A["id"])
        by_regno = {row[0]: row for row in rows}
        for name in HOSTILE_NAMES:
            with self.subTest(name=name):
                row = by_regno[self.registered[name]]
                # a leading apostrophe, and the rest exactly as registered
                self.assertEqual(row[1], "'" + name)
        raw = r.raw.decode("utf-8")
        self.assertIn('"\'=HYPERLINK(""http://evil.example"",""点我""),逗号"', raw)
        self.assertIn('"\'+惠民保,""引号""测试"', raw)
        self.assertIn(",'-减号开头惠民保,", raw)
        # every record ends with CRLF and no bare LF is outside quotes
        self.assertTrue(raw.endswith("\r\n"))
        self.assertNotIn("\n", raw.replace("\r\n", ""))

    def test_bad_filters_get_the_twins_errors(self):
        for params, code, field in [
            ({"category": "bogus"}, "enum_invalid", "category"),
            ({"region": "12"}, "region_invalid", "region"),
            ({"age": "abc"}, "field_type", "age"),
            ({"age": "200"}, "number_range", "age"),
            ({"on_sale": "maybe"}, "field_type", "on_sale"),
            ({"sort": "cheapest"}, "enum_invalid", "sort"),
        ]:
            with self.subTest(params=params):
                api = self.get("/api/v1/products?" + q(params))
                api_csv = self.get("/api/v1/products.csv?" + q(params))
                self.assertEqual(api_csv.status, api.status, api_csv)
                self.assertEqual(api_csv.error["code"], code, api_csv)
                self.assertEqual(api_csv.error["field"], field, api_csv)
                self.assertEqual(api.error["code"], code)
                self.assertTrue(H.has_cjk(api_csv.error["message"]))
                page = self.get("/search?" + q(params))
                page_csv = self.get("/search.csv?" + q(params))
                self.assertEqual(page_csv.status, page.status, page_csv)
                self.assertEqual(page_csv.status, 400)
                self.assertEqual(page_csv.error["code"], code)
                self.assertEqual(page_csv.error["field"], field)
        long_q = "保" * 700  # 2,100 bytes
        r = self.get("/api/v1/products.csv?" + q({"q": long_q}))
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error["code"], "query_too_long")
        self.assertEqual(self.get("/browse/category/bogus.csv").status, 404)
        self.assertEqual(self.get("/insurers/999999.csv").status, 404)
        self.assertEqual(self.get("/products/PH-2026-000001.csv").status, 404)
        r = H.http_request(self.port, "POST", "/search.csv", b"", content_type=None)
        self.assertEqual(r.status, 405)

    def test_validators_and_head(self):
        path = "/api/v1/products.csv?" + q({"q": "惠民保"})
        r = self.get(path)
        etag = r.header("ETag")
        self.assertTrue(etag)
        again = self.get(path, headers={"If-None-Match": etag})
        self.assertEqual(again.status, 304)
        self.assertEqual(again.raw, b"")
        other = self.get("/api/v1/products.csv?" + q({"q": "意外"}))
        self.assertNotEqual(other.header("ETag"), etag)
        head = H.http_request(self.port, "HEAD", path)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.raw, b"")
        self.assertEqual(head.header("Content-Type"), "text/csv; charset=utf-8")

    # --- documents as CSV --------------------------------------------------

    DOC_HEADER = ["文件编号", "标题", "文件类型", "发布日期", "报告期", "版本", "产品登记编号", "产品名称",
                  "保险种类", "保险公司", "文件大小（字节）", "SHA-256", "日志序号", "网址"]

    def api_all_documents(self, params):
        out = []
        page = 1
        while True:
            r = self.get("/api/v1/documents?" + q(dict(params, page=page, per_page=100)))
            self.assertEqual(r.status, 200, r)
            out += [it["document_no"] for it in r.json["items"]]
            if page * 100 >= r.json["total"]:
                self.assertEqual(len(out), r.json["total"])
                return out
            page += 1

    def document_rows(self, path):
        r = self.get(path)
        self.assertEqual(r.status, 200, "%s: %r" % (path, r))
        self.assertTrue(r.raw.startswith(BOM))
        rows = list(csv.reader(io.StringIO(r.raw[len(BOM):].decode("utf-8"), newline="")))
        self.assertEqual(rows[0], self.DOC_HEADER)
        return rows[1:]

    def test_documents_csv_has_every_match_in_the_search_order(self):
        regno = self.get("/api/v1/documents?per_page=1").json["items"][0]["product"]["registration_no"]
        cases = [
            {},
            {"q": "条款"},
            {"q": "tiaokuan"},
            {"q": "费率调整", "sort": "newest"},
            {"type": "terms"},
            {"category": "medical"},
            {"region": "330100"},
            {"date_from": "2026-04-01", "date_to": "2026-06-30"},
            {"registration_no": regno},
            {"q": "不存在的词语组合测试"},
        ]
        for params in cases:
            with self.subTest(params=params):
                want = self.api_all_documents(params)
                for path in ("/api/v1/documents.csv", "/documents.csv", "/disclosures.csv"):
                    rows = self.document_rows(path + "?" + q(params))
                    self.assertEqual([row[0] for row in rows], want, path)
        rows = self.document_rows("/api/v1/documents.csv")
        self.assertGreater(len(rows), 100)
        one = self.get("/api/v1/documents/" + rows[0][0]).json
        self.assertEqual(rows[0][1], one["title"])
        self.assertEqual(rows[0][11], one["content_sha256"])
        self.assertEqual(rows[0][13], "/documents/" + rows[0][0])
        for params, code, field in [({"type": "bogus"}, "enum_invalid", "type"),
                                    ({"date_from": "2026-13-01"}, "date_invalid", "date_from"),
                                    ({"region": "1"}, "region_invalid", "region")]:
            with self.subTest(params=params):
                api = self.get("/api/v1/documents?" + q(params))
                for path in ("/api/v1/documents.csv", "/disclosures.csv"):
                    r = self.get(path + "?" + q(params))
                    self.assertEqual(r.status, api.status, r)
                    self.assertEqual(r.status, 400, r)
                    self.assertEqual(r.error["code"], code)
                    self.assertEqual(r.error["field"], field)

    # --- snapshot ----------------------------------------------------------

    def test_snapshot_is_a_consistent_copy_without_keys(self):
        r = self.get("/exports/puhui-snapshot.sqlite")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/vnd.sqlite3")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertTrue(r.raw.startswith(b"SQLite format 3\x00"))
        health = self.get("/healthz").json
        path = os.path.join(self.env.dir, "downloaded.sqlite")
        with open(path, "wb") as f:
            f.write(r.raw)
        con = sqlite3.connect(path)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0], "delete")
            self.assertEqual(con.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0], 0)
            log_size = con.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves").fetchone()[0]
            self.assertEqual(log_size, health["log_size"])
            copied = [row[0] for row in con.execute("SELECT registration_no FROM products ORDER BY id")]
        finally:
            con.close()
        self.assertEqual(sorted(copied), sorted(self.api_all({})))
        # the server's own database still has its keys
        self.assertGreater(H.db_query(self.env.db, "SELECT COUNT(*) FROM api_keys")[0][0], 0)
        # no key hash survives anywhere in the file, not even in free pages
        for (key_hash,) in H.db_query(self.env.db, "SELECT key_hash FROM api_keys"):
            self.assertNotIn(bytes(key_hash), r.raw)
        # the same state gives the same validator; a 304 sends nothing
        again = self.get("/exports/puhui-snapshot.sqlite", headers={"If-None-Match": r.header("ETag")})
        self.assertEqual(again.status, 304)
        index = self.get("/exports/")
        self.assertEqual(index.status, 200)
        self.assertEqual(index.json["log_size"], health["log_size"])
        urls = [d["url"] for d in index.json["downloads"]]
        self.assertIn("/exports/puhui-snapshot.sqlite", urls)
        self.assertIn("/exports/products.ndjson", urls)

    def test_snapshot_follows_a_change(self):
        first = self.get("/exports/puhui-snapshot.sqlite")
        body = H.valid_product(name="快照之后登记的惠民保")
        r = H.http_request(self.port, "POST", "/api/v1/products", body, key=self.A["key"])
        self.assertEqual(r.status, 201, r)
        second = self.get("/exports/puhui-snapshot.sqlite")
        self.assertNotEqual(first.header("ETag"), second.header("ETag"))
        path = os.path.join(self.env.dir, "second.sqlite")
        with open(path, "wb") as f:
            f.write(second.raw)
        con = sqlite3.connect(path)
        try:
            names = [row[0] for row in con.execute("SELECT name FROM products")]
        finally:
            con.close()
        self.assertIn("快照之后登记的惠民保", names)
        # only the newest copy is kept next to the database
        copies = [f for f in os.listdir(self.env.dir) if ".snapshot-" in f]
        self.assertEqual(len(copies), 1, copies)

    def test_products_ndjson(self):
        r = self.get("/exports/products.ndjson")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type").startswith("application/x-ndjson"))
        lines = r.raw.decode("utf-8").split("\n")
        self.assertEqual(lines[-1], "")
        products = [json.loads(line) for line in lines[:-1]]
        regnos = [p["registration_no"] for p in products]
        self.assertEqual(len(regnos), len(set(regnos)))
        self.assertEqual(sorted(regnos), sorted(self.api_all({})))
        for p in products:
            self.assertEqual(p["version"], p["latest_version"])
        sample = products[len(products) // 2]
        one = self.get("/api/v1/products/" + sample["registration_no"]).json
        self.assertEqual(one, sample)

    def test_documents_ndjson(self):
        # A document near the 512 KiB cap (its JSON line, tabs and newlines
        # escaped, is longer still): the line must come out whole.
        unit = "第一条\t保险责任\n"
        big = unit * (500000 // len(unit.encode("utf-8")))
        regno = self.registered[CHINESE_NAME]
        r = H.http_request(self.port, "POST", "/api/v1/products/%s/documents" % regno,
                           {"type": "terms", "title": "很长的保险条款", "content": big}, key=self.A["key"])
        self.assertEqual(r.status, 201, r)
        big_no = r.json["document_no"]
        r = self.get("/exports/documents.ndjson")
        self.assertEqual(r.status, 200, r)
        lines = r.raw.decode("utf-8").split("\n")
        self.assertEqual(lines[-1], "")
        documents = [json.loads(line) for line in lines[:-1]]
        stored = H.db_query(self.env.db, "SELECT document_no FROM documents ORDER BY document_no")
        self.assertEqual([d["document_no"] for d in documents], [row[0] for row in stored])
        for d in documents:
            self.assertEqual(d["version"], d["latest_version"])
            # the published hash is the hash of the exact text
            self.assertEqual(hashlib.sha256(d["content"].encode("utf-8")).hexdigest(), d["content_sha256"])
        self.assertEqual(next(d for d in documents if d["document_no"] == big_no)["content"], big)

    # --- feeds -------------------------------------------------------------

    def feed(self, params=None, kind="products"):
        path = "/feeds/%s.atom" % kind + ("?" + q(params) if params else "")
        r = self.get(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/atom+xml; charset=utf-8")
        return r, ET.fromstring(r.raw)

    def test_feed_entries(self):
        r, root = self.feed()
        self.assertEqual(root.tag, ATOM + "feed")
        entries = root.findall(ATOM + "entry")
        self.assertEqual(len(entries), 50)
        ids = [e.find(ATOM + "id").text for e in entries]
        self.assertEqual(len(ids), len(set(ids)))
        for e in entries:
            self.assertTrue(e.find(ATOM + "id").text.startswith("tag:localhost,2026:"))
            self.assertEqual(e.find(ATOM + "title").get("type"), "text")
            self.assertTrue(H.has_cjk(e.find(ATOM + "title").text))
            self.assertTrue(H.has_cjk(e.find(ATOM + "summary").text))
            self.assertRegex(e.find(ATOM + "updated").text, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertTrue(e.find(ATOM + "author/" + ATOM + "name").text)
            self.assertTrue(e.find(ATOM + "link").get("href").startswith("/products/PH-"))
        updated = [e.find(ATOM + "updated").text for e in entries]
        self.assertEqual(updated, sorted(updated, reverse=True))
        # newest first: the hostile products registered last are at the top,
        # their text escaped by the writer, not pasted
        titles = [e.find(ATOM + "title").text for e in entries[:8]]
        self.assertIn("新登记：" + HOSTILE_NAMES[0], titles)
        self.assertEqual(root.find(ATOM + "updated").text, updated[0])
        self.assertEqual(root.find(ATOM + "link[@rel='self']").get("href"), "/feeds/products.atom")
        # a version's entry links to the version and says which
        versions = [e for e in entries if "/v" in e.find(ATOM + "id").text
                    and not e.find(ATOM + "id").text.endswith("/v1")]
        for e in versions:
            self.assertIn("/versions/", e.find(ATOM + "link").get("href"))
            self.assertIn("新版本", e.find(ATOM + "title").text)

    def test_feed_filters(self):
        _, root = self.feed({"category": "medical"})
        entries = root.findall(ATOM + "entry")
        self.assertGreater(len(entries), 0)
        for e in entries:
            self.assertEqual(e.find(ATOM + "category").get("term"), "medical")
        self.assertEqual(root.find(ATOM + "link[@rel='self']").get("href"),
                         "/feeds/products.atom?category=medical")
        _, root = self.feed({"insurer": str(self.A["id"])})
        entries = root.findall(ATOM + "entry")
        self.assertEqual(len(entries), len([e for e in entries]))
        self.assertGreaterEqual(len(entries), len(HOSTILE_NAMES) + 1)
        for e in entries:
            self.assertEqual(e.find(ATOM + "author/" + ATOM + "name").text, "浙江导出测试健康保险股份有限公司")
        # a region: every entry's product is sold there (or in the whole country)
        _, root = self.feed({"region": "330100"})
        sold_there = set(self.api_all({"region": "330100"}))
        entries = root.findall(ATOM + "entry")
        self.assertGreater(len(entries), 0)
        for e in entries:
            regno = e.find(ATOM + "id").text.split(":")[-1].split("/")[0]
            self.assertIn(regno, sold_there)
        _, root = self.feed({"insurer": "999999"})
        self.assertEqual(root.findall(ATOM + "entry"), [])
        # documents: published documents and their versions, newest first
        _, root = self.feed(kind="documents")
        entries = root.findall(ATOM + "entry")
        published = H.db_query(self.env.db, "SELECT COUNT(*) FROM log_leaves WHERE event IN"
                                            " ('document_published', 'document_version_published')")[0][0]
        self.assertEqual(len(entries), min(50, published))
        for e in entries:
            self.assertRegex(e.find(ATOM + "id").text, r"^tag:localhost,2026:PD-\d{4}-\d{6}/v\d+$")
            self.assertTrue(e.find(ATOM + "link").get("href").startswith("/documents/PD-"))
            self.assertTrue(H.has_cjk(e.find(ATOM + "title").text))
        if entries:
            self.assertEqual(self.get(entries[0].find(ATOM + "link").get("href")).status, 200)

    def test_feed_bad_filters(self):
        for params, code, field in [
            ({"category": "bogus"}, "enum_invalid", "category"),
            ({"region": "99"}, "region_invalid", "region"),
            ({"insurer": "abc"}, "number_range", "insurer"),
            ({"insurer": "0"}, "number_range", "insurer"),
        ]:
            with self.subTest(params=params):
                r = self.get("/feeds/products.atom?" + q(params))
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.error["code"], code)
                self.assertEqual(r.error["field"], field)
                self.assertTrue(H.has_cjk(r.error["message"]))
        self.assertEqual(self.get("/feeds/nothing.atom").status, 404)

    def test_feeds_parse_in_a_feed_parser_and_validate_against_rfc4287(self):
        node = shutil.which("node")
        trang = shutil.which("trang")
        xmllint = shutil.which("xmllint")
        parser_dir = os.path.join(ROOT, "tests", "browser", "node_modules", "@rowanmanning", "feed-parser")
        missing = [n for n, ok in [("node", node), ("trang", trang), ("xmllint", xmllint),
                                   ("@rowanmanning/feed-parser", os.path.isdir(parser_dir))] if not ok]
        if missing:
            self.fail("missing %s: %s" % (", ".join(missing), INSTALL_HINT))
        work = tempfile.mkdtemp(prefix="puhui-feeds-", dir=self.env.dir)
        rng = os.path.join(work, "atom.rng")
        subprocess.run([trang, os.path.join(ROOT, "tests", "feeds", "atom.rnc"), rng], check=True)
        files = []
        for name, params, kind in [("all", None, "products"), ("medical", {"category": "medical"}, "products"),
                                   ("insurer", {"insurer": str(self.A["id"])}, "products"),
                                   ("region", {"region": "330100"}, "products"),
                                   ("empty", {"insurer": "999999"}, "products"),
                                   ("documents", None, "documents")]:
            r, _ = self.feed(params, kind)
            path = os.path.join(work, name + ".atom")
            with open(path, "wb") as f:
                f.write(r.raw)
            files.append(path)
        lint = subprocess.run([xmllint, "--noout", "--relaxng", rng] + files,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(lint.returncode, 0, lint.stderr.decode("utf-8", "replace"))
        checked = subprocess.run([node, os.path.join(ROOT, "tests", "feeds", "check_feeds.mjs")] + files,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(checked.returncode, 0, checked.stderr.decode("utf-8", "replace"))
        summaries = json.loads(checked.stdout.decode("utf-8"))
        self.assertEqual(len(summaries), len(files))
        for summary, path in zip(summaries, files):
            root = ET.parse(path).getroot()
            entries = root.findall(ATOM + "entry")
            self.assertEqual([it["id"] for it in summary["items"]], [e.find(ATOM + "id").text for e in entries])
            self.assertEqual([it["title"] for it in summary["items"]],
                             [e.find(ATOM + "title").text for e in entries])
            self.assertEqual(summary["language"], "zh-CN")
        all_items = summaries[0]["items"]
        self.assertIn("新登记：" + CHINESE_NAME, [it["title"] for it in all_items])
        # Both checks must fail on broken feeds, or they prove nothing.
        with open(files[0], "rb") as f:
            good = f.read().decode("utf-8")
        first_updated = re.search(r"<entry>.*?(<updated>[^<]*</updated>)", good).group(1)
        broken = {
            "no_entry_updated": good.replace(first_updated, "", 1).replace("<published>", "<published>", 1),
            "bad_date": good.replace(first_updated, "<updated>昨天</updated>", 1),
            "truncated": good[:len(good) // 2],
            "no_entry_id": re.sub(r"(<entry>)<id>[^<]*</id>", r"\1", good, count=1),
        }
        for name, text in broken.items():
            with self.subTest(broken=name):
                path = os.path.join(work, "broken-%s.atom" % name)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                lint = subprocess.run([xmllint, "--noout", "--relaxng", rng, path],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                self.assertNotEqual(lint.returncode, 0, "RELAX NG accepted broken feed %s" % name)
                if name in ("truncated", "no_entry_id", "bad_date"):
                    checked = subprocess.run([node, os.path.join(ROOT, "tests", "feeds", "check_feeds.mjs"), path],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    self.assertNotEqual(checked.returncode, 0, "the feed check accepted broken feed %s" % name)

    # --- LibreOffice -------------------------------------------------------

    def test_libreoffice_opens_the_csv_with_chinese_intact(self):
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if not soffice:
            self.fail("soffice not found: " + INSTALL_HINT)
        work = tempfile.mkdtemp(prefix="puhui-lo-", dir=self.env.dir)
        r = self.get("/insurers/%d.csv" % self.A["id"])
        self.assertEqual(r.status, 200)
        src = os.path.join(work, "export.csv")
        with open(src, "wb") as f:
            f.write(r.raw)
        profile = os.path.join(work, "profile")
        # CSV:44,34,76,1 = comma, double quote, UTF-8 (76), start at row 1
        p = subprocess.run([soffice, "--headless", "--norestore", "-env:UserInstallation=file://" + profile,
                            "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", work, src],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
        out = os.path.join(work, "export.xlsx")
        self.assertTrue(os.path.exists(out), "LibreOffice did not convert: %s %s"
                        % (p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")))
        with zipfile.ZipFile(out) as z:
            shared = z.read("xl/sharedStrings.xml")
            sheet = z.read("xl/worksheets/sheet1.xml")
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        strings = []
        for si in ET.fromstring(shared).findall("m:si", ns):
            # a cell may be split into runs (one per font): join them
            strings.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
        self.assertIn(CHINESE_NAME, strings)
        self.assertIn("登记编号", strings)
        self.assertIn("浙江导出测试健康保险股份有限公司", strings)
        for name in HOSTILE_NAMES:
            self.assertIn("'" + name, strings)
        # no cell became a formula
        self.assertNotIn(b"<f>", sheet)
        self.assertNotIn(b"<f ", sheet)


if __name__ == "__main__":
    unittest.main(verbosity=2)
