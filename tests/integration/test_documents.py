#!/usr/bin/env python3
"""Black-box tests of insurers' documents (issue 5): the JSON API
(server/api_documents.c), the document pages and the journalist's page
(server/views_documents.c), against a real `puhui serve --demo`.

What is checked: an insurer publishes a document and a new version; the
exact bytes come back from /content and hash to the published SHA-256 (and
to the hash recorded in the log leaf, which verifies by inclusion against
the signed checkpoint's size); versions stay at permanent URLs; refusals
name the field with a stable code and store nothing; only the owner may
publish; the document search finds by Chinese, pinyin and traditional
characters with filters and facets; the pages show the log entry number,
the fingerprint and the text escaped; the journalist's page keeps its
filters in the export links.
"""

import hashlib
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

DOC_NO_RE = re.compile(r"^PD-\d{4}-\d{6}$")


def q(path, **params):
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


class DocumentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = H.start_demo(cls)
        r = cls.get("/api/v1/products?per_page=100")
        cls.products = r.json["items"]
        cls.own = next(p for p in cls.products if p["insurer"]["id"] == 1)
        cls.other = next(p for p in cls.products if p["insurer"]["id"] == 2)

    @classmethod
    def get(cls, path, **kw):
        return H.http_request(cls.port, "GET", path, **kw)

    def post(self, path, body, key):
        return H.http_request(self.port, "POST", path, body, key=key)

    def log_size(self):
        r = self.get("/log/checkpoint")
        self.assertEqual(r.status, 200)
        return int(r.raw.decode().split("\n")[1])

    def setUp(self):
        if not self.srv.running():
            self.fail("server is gone: %s" % self.srv.death_note())

    # ------------------------------------------------------------------

    def test_demo_documents_listed_and_searchable(self):
        r = self.get("/api/v1/documents?per_page=100")
        self.assertEqual(r.status, 200, r)
        self.assertGreater(r.json["total"], 100)
        types = {f["value"] for f in r.json["facets"]["type"]}
        self.assertEqual(types, {"terms", "rate_table", "prospectus", "notice", "operating_report"})
        for item in r.json["items"]:
            self.assertRegex(item["document_no"], DOC_NO_RE)
            self.assertRegex(item["content_sha256"], r"^[0-9a-f]{64}$")
        r = self.get("/api/v1/products/%s/documents" % self.own["registration_no"])
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(r.json["total"], 1)

    def test_publish_version_exact_bytes_and_log(self):
        key = self.keys[1]
        regno = self.own["registration_no"]
        content = "  关于测试产品费率调整的公告\r\n\r\n各位参保人：\n每年保险费由99元调整为109元。\t\n"
        before = self.log_size()
        r = self.post("/api/v1/products/%s/documents" % regno,
                      {"type": "notice", "title": "关于测试产品费率调整的公告", "content": content}, key)
        self.assertEqual(r.status, 201, r)
        no = r.json["document_no"]
        self.assertRegex(no, DOC_NO_RE)
        self.assertEqual(r.header("Location"), "/api/v1/documents/" + no)
        sha = hashlib.sha256(content.encode("utf-8")).hexdigest()
        self.assertEqual(r.json["content_sha256"], sha)
        self.assertEqual(self.log_size(), before + 1)

        raw = self.get("/api/v1/documents/%s/versions/1/content" % no)
        self.assertEqual(raw.status, 200)
        self.assertTrue(raw.header("Content-Type").startswith("text/plain"))
        self.assertEqual(raw.raw, content.encode("utf-8"))
        self.assertEqual(hashlib.sha256(raw.raw).hexdigest(), sha)

        # The leaf records the hash, and is in the signed log.
        leaf_index = r.json["log_index"]
        leaf = self.get("/log/leaves/%d" % leaf_index)
        self.assertEqual(leaf.json["event"], "document_published")
        self.assertEqual(leaf.json["record"]["content_sha256"], sha)
        self.assertEqual(leaf.json["record"]["document_no"], no)
        size = self.log_size()
        proof = self.get("/log/proof/inclusion?index=%d&size=%d" % (leaf_index, size))
        self.assertEqual(proof.status, 200, proof)

        # A new version; the first stays at its permanent address.
        r2 = self.post("/api/v1/documents/%s/versions" % no,
                       {"title": "关于测试产品费率调整的公告（更正）", "content": "每年保险费由99元调整为105元。\n",
                        "change_reason": "更正调整后的保费。"}, key)
        self.assertEqual(r2.status, 201, r2)
        self.assertEqual(r2.json["version"], 2)
        v1 = self.get("/api/v1/documents/%s/versions/1" % no)
        self.assertEqual(v1.json["content"], content)
        self.assertEqual(v1.json["latest_version"], 2)
        latest = self.get("/api/v1/documents/%s" % no)
        self.assertEqual(latest.json["version"], 2)
        self.assertEqual(self.get("/api/v1/documents/%s/versions" % no).json["total"], 2)

        # The pages: log entry number, fingerprint, text, both versions.
        page = self.get("/documents/%s" % no)
        self.assertEqual(page.status, 200)
        body = page.raw.decode("utf-8")
        self.assertIn("第 %d 条" % r2.json["log_index"], body)
        self.assertIn(r2.json["content_sha256"][:8], body)
        self.assertIn("105元", body)
        old = self.get("/documents/%s/versions/1" % no).raw.decode("utf-8")
        self.assertIn("这是旧版本", old)
        self.assertIn("109元", old)
        twin = self.get("/documents/%s/versions/1.json" % no)
        self.assertEqual(twin.json["document"]["content"], content)

        # The search finds the new version's words, not the old one's.
        found = self.get(q("/api/v1/documents", q="更正调整"))
        self.assertIn(no, [i["document_no"] for i in found.json["items"]])

    def test_plain_chinese_warnings(self):
        # Notices and prospectuses are read by citizens: the plain-Chinese
        # checker's findings come back as warnings (never a refusal); terms
        # are formal and are not checked.
        key = self.keys[1]
        regno = self.own["registration_no"]
        long_sentence = "本公司根据相关监管规定并结合上一保险年度的实际赔付情况经过审慎的精算评估决定自下一保险年度起调整本产品的保险费标准。\n"
        r = self.post("/api/v1/products/%s/documents" % regno,
                      {"type": "notice", "title": "关于调整保险费的公告", "content": long_sentence}, key)
        self.assertEqual(r.status, 201, r)
        codes = [w["code"] for w in r.json["warnings"]]
        self.assertIn("plain_sentence_long", codes)
        self.assertTrue(all(w["field"] == "content" and H.has_cjk(w["message"]) for w in r.json["warnings"]))
        r = self.post("/api/v1/products/%s/documents" % regno,
                      {"type": "terms", "title": "测试条款", "content": long_sentence}, key)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["warnings"], [])
        # Many long sentences: a bounded list, the rest counted in words.
        r = self.post("/api/v1/products/%s/documents" % regno,
                      {"type": "prospectus", "title": "测试说明书", "content": long_sentence * 30}, key)
        self.assertEqual(r.status, 201, r)
        self.assertLess(len(r.json["warnings"]), 12, r.json["warnings"])
        self.assertTrue(any("另外还有" in w["message"] for w in r.json["warnings"]), r.json["warnings"])

    def test_refusals_store_nothing(self):
        key = self.keys[1]
        regno = self.own["registration_no"]
        cases = [
            ({"type": "terms", "title": "条款", "content": "<p>正文</p>"}, 422, "document_markup_refused", "content"),
            ({"type": "memo", "title": "条款", "content": "x"}, 422, "enum_invalid", "type"),
            ({"type": "operating_report", "title": "季度报告", "content": "x"}, 422, "field_required", "period"),
            ({"type": "terms", "title": "条款"}, 422, "field_required", "content"),
            ({"type": "terms", "title": "条款", "content": "x", "published_on": "2100-01-01"}, 422,
             "document_date_future", "published_on"),
        ]
        before = self.log_size()
        for body, status, code, field in cases:
            r = self.post("/api/v1/products/%s/documents" % regno, body, key)
            self.assertEqual(r.status, status, (body, r))
            self.assertEqual(r.error["code"], code, r)
            self.assertEqual(r.error["field"], field, r)
            self.assertTrue(H.has_cjk(r.error["message"]), r)
        # Not the owner; no key; unknown product; a body that is not JSON.
        r = self.post("/api/v1/products/%s/documents" % self.other["registration_no"],
                      {"type": "terms", "title": "条款", "content": "x"}, key)
        self.assertEqual((r.status, r.error["code"]), (403, "not_owner"))
        r = self.post("/api/v1/products/%s/documents" % regno, {"type": "terms", "title": "条款", "content": "x"},
                      None)
        self.assertEqual(r.status, 401)
        r = self.post("/api/v1/products/PH-2026-999999/documents", {"type": "terms", "title": "条款", "content": "x"},
                      key)
        self.assertEqual((r.status, r.error["code"]), (404, "product_not_found"))
        r = H.http_request(self.port, "POST", "/api/v1/products/%s/documents" % regno, b"{not json", key=key)
        self.assertEqual(r.status, 400)
        self.assertEqual(self.log_size(), before)

    def test_reads_not_found(self):
        for path, code in [("/api/v1/documents/PD-2026-999999", "document_not_found"),
                           ("/api/v1/documents/nonsense", "document_not_found"),
                           ("/api/v1/documents/PD-2026-000001/versions/99", "document_version_not_found"),
                           ("/api/v1/documents/PD-2026-000001/versions/x", "document_version_not_found")]:
            r = self.get(path)
            self.assertEqual((r.status, r.error["code"]), (404, code), path)
        self.assertEqual(self.get("/documents/PD-2026-999999").status, 404)
        self.assertEqual(self.get("/documents/PD-2026-000001/versions/0").status, 404)

    def test_search_filters_and_errors(self):
        # Chinese, pinyin and traditional characters find the rate notices.
        for text in ("费率调整", "feilv tiaozheng", "費率調整"):
            r = self.get(q("/api/v1/documents", q=text, type="notice"))
            self.assertEqual(r.status, 200, r)
            self.assertGreater(r.json["total"], 0, text)
            for item in r.json["items"]:
                self.assertEqual(item["type"], "notice")
            top = r.json["items"][0]
            self.assertIn("<mark>", json.dumps(top["highlights"], ensure_ascii=False), text)
        # Filters: type, year range, category, insurer, product.
        r = self.get(q("/api/v1/documents", type="operating_report", per_page=100))
        self.assertTrue(all(i["period"] for i in r.json["items"]))
        everything = self.get("/api/v1/documents?per_page=1").json["total"]
        r = self.get(q("/api/v1/documents", category="agriculture", per_page=100))
        self.assertTrue(0 < r.json["total"] < everything)
        self.assertTrue(all(i["product"]["category"] == "agriculture" for i in r.json["items"]))
        r = self.get(q("/api/v1/documents", insurer=3, per_page=100))
        self.assertTrue(all(i["insurer"]["id"] == 3 for i in r.json["items"]))
        r = self.get(q("/api/v1/documents", registration_no=self.own["registration_no"], per_page=100))
        self.assertTrue(all(i["product"]["registration_no"] == self.own["registration_no"] for i in r.json["items"]))
        today = H.today()
        r = self.get(q("/api/v1/documents", date_from=today, date_to=today, per_page=100))
        self.assertTrue(all(i["published_on"] == today for i in r.json["items"]))
        # Bad values: 400 with the field.
        for params, field in [({"type": "memo"}, "type"), ({"date_from": "2026-02-30"}, "date_from"),
                              ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_from"),
                              ({"region": "12"}, "region"), ({"sort": "price"}, "sort"), ({"page": "x"}, "page"),
                              ({"insurer": "-1"}, "insurer"), ({"q": "字" * 700}, "q")]:
            r = self.get(q("/api/v1/documents", **params))
            self.assertEqual(r.status, 400, (params, r))
            self.assertEqual(r.error["field"], field, r)
            page = self.get(q("/disclosures", **params))
            self.assertEqual(page.status, 400, params)
            self.assertIn("error-summary", page.raw.decode("utf-8"))

    def test_journalist_page(self):
        r = self.get(q("/disclosures", q="赔付率", type="operating_report"))
        self.assertEqual(r.status, 200)
        body = r.raw.decode("utf-8")
        self.assertIn("<h1>查公开文件</h1>", body)
        self.assertIn("<mark>", body)
        # The export links keep the filters; the feeds and the log are linked.
        self.assertIn('href="/api/v1/documents.csv?q=%E8%B5%94%E4%BB%98%E7%8E%87&amp;type=operating_report"', body)
        for link in ("/feeds/documents.atom", "/log/checkpoint", "/exports/", "/changes"):
            self.assertIn('href="%s"' % link, body)
        twin = self.get(q("/disclosures.json", q="赔付率", type="operating_report"))
        self.assertEqual(twin.status, 200)
        self.assertEqual(twin.json["total"], twin.json["result"]["total"])
        self.assertIn("%d 份文件" % twin.json["total"], body)

    def test_hostile_title_escaped(self):
        key = self.keys[1]
        regno = self.own["registration_no"]
        title = "公告\"'&amp;<b>"
        r = self.post("/api/v1/products/%s/documents" % regno,
                      {"type": "notice", "title": title, "content": "正文 a&b \"引号\" x<3\n"}, key)
        self.assertEqual(r.status, 201, r)
        page = self.get("/documents/" + r.json["document_no"]).raw.decode("utf-8")
        self.assertNotIn("<b>", page)
        self.assertIn("&lt;b&gt;", page)
        self.assertIn("x&lt;3", page)


if __name__ == "__main__":
    unittest.main(verbosity=2)
