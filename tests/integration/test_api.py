#!/usr/bin/env python3
"""Black-box tests of every HTTP endpoint of the Puhui Registry (docs/API.md)."""

import json
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

MISSING_PRODUCT = "/api/v1/products/PH-2026-999999"


class ApiBase(unittest.TestCase):
    """One server and fresh DB per class; insurers A and B (adequate solvency, keys)."""

    @classmethod
    def setUpClass(cls):
        cls.env = H.Env()
        cls.addClassCleanup(cls.env.cleanup)
        cls.A = cls.env.add_insurer("浙江惠民健康保险股份有限公司", "惠民健康")
        cls.B = cls.env.add_insurer("江苏普安财产保险股份有限公司", "普安财险",
                                    type_="property", region="320000")
        cls.srv = cls.env.start_server()
        cls.port = cls.srv.port

    def setUp(self):
        # one crash must not turn every later test into "connection refused"
        if not self.srv.running():
            H.log("server had died before %s: %s; restarting" % (self.id(), self.srv.death_note()))
            self.srv.start()
            type(self).port = self.srv.port

    # helpers -------------------------------------------------------------
    def req(self, method, path, body=None, **kw):
        return H.http_request(self.port, method, path, body, **kw)

    def get(self, path, **kw):
        return H.http_request(self.port, "GET", path, **kw)

    def assertError(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        err = r.error
        self.assertIsNotNone(err, "no error object: %r" % r)
        self.assertEqual(err.get("code"), code, r)
        self.assertEqual(err.get("status"), status, r)
        if field is not None:
            self.assertEqual(err.get("field"), field, r)
        self.assertTrue(H.has_cjk(err.get("message")), "message not Chinese: %r" % r)
        self.assertIsInstance(err.get("errors"), list, r)

    def register(self, body=None, key=None):
        body = body or H.valid_product()
        r = self.req("POST", "/api/v1/products", body, key=key or self.A["key"])
        self.assertEqual(r.status, 201, r)
        return r.json["registration_no"], body

    def ppath(self, reg_no, suffix=""):
        return "/api/v1/products/%s%s" % (reg_no, suffix)


class TestProducts(ApiBase):

    def test_register_and_read_back(self):
        body = H.valid_product()
        r = self.req("POST", "/api/v1/products", body, key=self.A["key"])
        self.assertEqual(r.status, 201, r)
        self.assertIn("application/json", r.header("Content-Type") or "")
        reg = r.json.get("registration_no")
        self.assertRegex(reg or "", H.REG_NO_RE)
        self.assertEqual(r.json.get("version"), 1)
        self.assertIn("warnings", r.json)
        self.assertIsInstance(r.json["warnings"], list)
        self.assertIn(reg, r.json.get("url") or "")
        loc = r.header("Location")
        self.assertIsNotNone(loc, "no Location header")
        self.assertTrue(loc.endswith("/api/v1/products/" + reg), loc)

        g = self.get(self.ppath(reg))
        self.assertEqual(g.status, 200, g)
        p = g.json
        self.assertEqual(H.diff_sent(body, p), [])
        self.assertEqual(p["registration_no"], reg)
        self.assertEqual(p["version"], 1)
        self.assertEqual(p["status"], "published")
        self.assertIs(p["on_sale"], True)
        self.assertIs(p["accepts_applications"], True)
        self.assertIsNone(p["withdrawal"])
        self.assertIsNone(p["suspension"])
        self.assertEqual(p["insurer"]["id"], self.A["id"])
        self.assertEqual(p["insurer"]["name"], "浙江惠民健康保险股份有限公司")
        self.assertEqual(p["insurer"]["short_name"], "惠民健康")
        self.assertIn("solvency", p["insurer"])
        for k in ("registered_at", "updated_at", "version_created_at"):
            self.assertTrue(p.get(k), "missing %s" % k)
        self.assertIn("change_reason", p)
        self.assertIsInstance(p["flags"], list)
        codes = [f.get("code") for f in p["flags"]]
        self.assertNotIn("premium_rate_not_lower", codes)
        self.assertNotIn("intermediary_fee_not_lower", codes)
        self.assertNotIn("solvency_inadequate", codes)
        # the row is in the DB
        rows = H.db_query(self.env.db, "SELECT count(*) FROM products WHERE registration_no=?", (reg,))
        self.assertEqual(rows[0][0], 1)

    def test_registration_numbers_are_distinct(self):
        a, _ = self.register()
        b, _ = self.register()
        self.assertNotEqual(a, b)

    def test_update_and_versions(self):
        reg, v1 = self.register()
        v2 = dict(H.valid_product(name=v1["name"]))
        v2["summary"] = "第二版：调整保费并扩大特药目录，面向全市基本医保参保人。"
        v2["premium_yuan_per_year"] = {"min": 160, "max": 399}
        put = dict(v2, change_reason="费率调整")
        r = self.req("PUT", self.ppath(reg), put, key=self.A["key"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("registration_no"), reg)
        self.assertEqual(r.json.get("version"), 2)
        self.assertIn("warnings", r.json)

        latest = self.get(self.ppath(reg))
        self.assertEqual(latest.status, 200, latest)
        self.assertEqual(latest.json["version"], 2)
        self.assertEqual(latest.json["change_reason"], "费率调整")
        self.assertEqual(H.diff_sent(v2, latest.json), [])

        vs = self.get(self.ppath(reg, "/versions"))
        self.assertEqual(vs.status, 200, vs)
        self.assertEqual(vs.json.get("registration_no"), reg)
        self.assertEqual(vs.json.get("total"), 2)
        items = sorted(vs.json["items"], key=lambda i: i["version"])
        self.assertEqual([i["version"] for i in items], [1, 2])
        self.assertEqual(items[1]["change_reason"], "费率调整")
        for i in items:
            self.assertTrue(i.get("created_at"))
            self.assertIn("/versions/%d" % i["version"], i.get("url") or "")

        g1 = self.get(self.ppath(reg, "/versions/1"))
        g2 = self.get(self.ppath(reg, "/versions/2"))
        self.assertEqual(g1.status, 200, g1)
        self.assertEqual(g2.status, 200, g2)
        self.assertEqual(g1.json["version"], 1)
        self.assertEqual(g2.json["version"], 2)
        self.assertEqual(H.diff_sent(v1, g1.json), [])
        self.assertEqual(H.diff_sent(v2, g2.json), [])
        self.assertNotEqual(g1.json["summary"], g2.json["summary"])
        self.assertNotEqual(g1.json["premium_yuan_per_year"], g2.json["premium_yuan_per_year"])
        self.assertEqual(g1.json["registered_at"], g2.json["registered_at"])

        self.assertError(self.get(self.ppath(reg, "/versions/3")), 404, "version_not_found")
        self.assertError(self.get(self.ppath(reg, "/versions/0")), 404, "version_not_found")

    def test_withdraw(self):
        reg, body = self.register()
        w = {"date": H.today(), "reason": "产品停售，转为新一年度产品。"}
        r = self.req("POST", self.ppath(reg, "/withdraw"), w, key=self.A["key"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("registration_no"), reg)
        self.assertEqual(r.json.get("status"), "withdrawn")
        self.assertEqual(r.json.get("withdrawal"), w)

        g = self.get(self.ppath(reg))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.json["status"], "withdrawn")
        self.assertEqual(g.json["withdrawal"], w)
        self.assertIs(g.json["on_sale"], False)
        self.assertIs(g.json["accepts_applications"], False)
        self.assertEqual(H.diff_sent(body, g.json), [])

        vs = self.get(self.ppath(reg, "/versions"))
        self.assertEqual(vs.status, 200, vs)
        self.assertEqual(vs.json["total"], 1)
        self.assertEqual(self.get(self.ppath(reg, "/versions/1")).status, 200)

        digest = H.db_digest(self.env.db)
        put = dict(H.valid_product(name=body["name"]), change_reason="费率调整")
        self.assertError(self.req("PUT", self.ppath(reg), put, key=self.A["key"]),
                         409, "product_withdrawn")
        self.assertError(self.req("POST", self.ppath(reg, "/withdraw"), w, key=self.A["key"]),
                         409, "product_withdrawn")
        self.assertEqual(H.db_digest(self.env.db), digest)

    def test_batch(self):
        bodies = [H.valid_product() for _ in range(3)]
        r = self.req("POST", "/api/v1/products:batch", {"products": bodies}, key=self.A["key"])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json.get("count"), 3)
        items = r.json.get("items")
        self.assertEqual(len(items), 3)
        nos = [i["registration_no"] for i in items]
        self.assertEqual(len(set(nos)), 3)
        for item, body in zip(items, bodies):
            self.assertRegex(item["registration_no"], H.REG_NO_RE)
            self.assertEqual(item["version"], 1)
            self.assertIn(item["registration_no"], item["url"])
            g = self.get(self.ppath(item["registration_no"]))
            self.assertEqual(g.status, 200, g)
            self.assertEqual(H.diff_sent(body, g.json), [])

    def test_ownership(self):
        reg, body = self.register()
        digest = H.db_digest(self.env.db)
        put = dict(H.valid_product(name=body["name"]), change_reason="费率调整")
        self.assertError(self.req("PUT", self.ppath(reg), put, key=self.B["key"]), 403, "not_owner")
        w = {"date": H.today(), "reason": "他人撤回测试。"}
        self.assertError(self.req("POST", self.ppath(reg, "/withdraw"), w, key=self.B["key"]),
                         403, "not_owner")
        self.assertEqual(H.db_digest(self.env.db), digest)
        g = self.get(self.ppath(reg))
        self.assertEqual(g.json["version"], 1)
        self.assertEqual(g.json["status"], "published")

    def test_rate_and_fee_not_lower_with_reason(self):
        rate_reason = "本产品增加特药与质子重离子责任，保障范围更广。"
        fee_reason = "线下渠道服务成本较高，含社区上门服务。"
        body = H.valid_product(
            premium_rate={"this_pct": 1.5, "comparable_pct": 1.2, "reason": rate_reason},
            intermediary_fee={"this_pct": 8, "comparable_pct": 8, "reason": fee_reason})
        reg, _ = self.register(body)
        g = self.get(self.ppath(reg))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.json["premium_rate"]["reason"], rate_reason)
        self.assertEqual(g.json["intermediary_fee"]["reason"], fee_reason)
        flags = {f.get("code"): f for f in g.json["flags"]}
        self.assertIn("premium_rate_not_lower", flags, g.json["flags"])
        self.assertIn("intermediary_fee_not_lower", flags, g.json["flags"])
        for code, reason in (("premium_rate_not_lower", rate_reason),
                             ("intermediary_fee_not_lower", fee_reason)):
            f = flags[code]
            self.assertTrue(H.has_cjk(f.get("message")), f)
            self.assertIn(reason, json.dumps(f, ensure_ascii=False), f)

    def test_suspend_and_reinstate(self):
        reg, body = self.register()
        reason = "监管检查发现宣传材料不规范，暂停销售。"
        a = H.admin(self.env.db, "product", "suspend", reg, "--reason", reason)
        self.assertEqual(a.rc, 0, a)
        g = self.get(self.ppath(reg))
        self.assertEqual(g.json["status"], "suspended")
        self.assertIs(g.json["on_sale"], False)
        self.assertIs(g.json["accepts_applications"], False)
        self.assertEqual(g.json["suspension"]["reason"], reason)
        self.assertTrue(g.json["suspension"].get("since"))
        put = dict(H.valid_product(name=body["name"]), change_reason="费率调整")
        self.assertError(self.req("PUT", self.ppath(reg), put, key=self.A["key"]),
                         409, "product_suspended")
        a = H.admin(self.env.db, "product", "reinstate", reg)
        self.assertEqual(a.rc, 0, a)
        g = self.get(self.ppath(reg))
        self.assertEqual(g.json["status"], "published")
        self.assertIs(g.json["on_sale"], True)
        self.assertIsNone(g.json["suspension"])

    def test_admin_suspend_unknown_product(self):
        a = H.admin(self.env.db, "product", "suspend", "PH-2026-999999", "--reason", "不存在的产品。")
        self.assertEqual(a.rc, 1, a)
        self.assertEqual((a.err or {}).get("error", {}).get("code"), "product_not_found", a)


class TestSolvency(ApiBase):

    def test_inadequate_solvency_blocks_changes_and_flags_products(self):
        C = self.env.add_insurer("安徽康宁人寿保险股份有限公司", "康宁人寿", type_="life",
                                 region="340000", quarter="2026Q2")
        reg, body = self.register(key=C["key"])
        a = H.admin(self.env.db, "solvency", "record", "--insurer", C["id"], "--quarter", "2026Q3",
                    "--core-pct", "40", "--comprehensive-pct", "90", "--rating", "C")
        self.assertEqual(a.rc, 0, a)
        digest = H.db_digest(self.env.db)
        self.assertError(self.req("POST", "/api/v1/products", H.valid_product(), key=C["key"]),
                         403, "solvency_inadequate")
        put = dict(H.valid_product(name=body["name"]), change_reason="费率调整")
        self.assertError(self.req("PUT", self.ppath(reg), put, key=C["key"]),
                         403, "solvency_inadequate")
        self.assertEqual(H.db_digest(self.env.db), digest)
        g = self.get(self.ppath(reg))
        self.assertEqual(g.status, 200, g)
        self.assertIs(g.json["on_sale"], False)
        self.assertIs(g.json["accepts_applications"], False)
        flags = [f for f in g.json["flags"] if f.get("code") == "solvency_inadequate"]
        self.assertEqual(len(flags), 1, g.json["flags"])
        self.assertTrue(H.has_cjk(flags[0].get("message")))

    def test_unreported_solvency(self):
        D = self.env.add_insurer("四川新禾农业保险股份有限公司", "新禾农险", type_="agricultural",
                                 region="510000", adequate=None)
        digest = H.db_digest(self.env.db)
        self.assertError(self.req("POST", "/api/v1/products", H.valid_product(), key=D["key"]),
                         403, "solvency_unreported")
        self.assertEqual(H.db_digest(self.env.db), digest)


class TestInsurersAndRouting(ApiBase):

    def test_insurers(self):
        reg, body = self.register()
        r = self.get("/api/v1/insurers")
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(r.json["total"], 2)
        self.assertEqual(r.json["total"], len(r.json["items"]))
        ids = [i["id"] for i in r.json["items"]]
        self.assertEqual(ids, sorted(ids))
        a = [i for i in r.json["items"] if i["id"] == self.A["id"]][0]
        self.assertEqual(a["name"], "浙江惠民健康保险股份有限公司")
        self.assertEqual(a["short_name"], "惠民健康")

        r = self.get("/api/v1/insurers/%s" % self.A["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["id"], self.A["id"])
        self.assertIsNotNone(r.json.get("solvency"))
        prods = {p["registration_no"]: p for p in r.json["products"]}
        self.assertIn(reg, prods)
        self.assertEqual(prods[reg]["name"], body["name"])
        self.assertError(self.get("/api/v1/insurers/999999"), 404, "insurer_not_found")

    def test_not_found(self):
        self.assertError(self.get(MISSING_PRODUCT), 404, "product_not_found")
        self.assertError(self.get(MISSING_PRODUCT + "/versions"), 404, "product_not_found")
        self.assertError(self.get(MISSING_PRODUCT + "/versions/1"), 404, "product_not_found")
        self.assertError(self.get("/api/v1/nothing-here"), 404, "route_not_found")
        self.assertError(self.get("/api/v2/products"), 404, "route_not_found")
        self.assertEqual(self.get("/no/such/page").status, 404)

    def test_method_not_allowed(self):
        reg, _ = self.register()
        r = self.req("DELETE", self.ppath(reg), key=self.A["key"])
        self.assertError(r, 405, "method_not_allowed")
        allow = (r.header("Allow") or "").upper()
        for m in ("GET", "PUT"):
            self.assertIn(m, allow)
        self.assertNotIn("DELETE", allow)
        r = self.req("PATCH", "/api/v1/insurers", {})
        self.assertError(r, 405, "method_not_allowed")
        self.assertIn("GET", (r.header("Allow") or "").upper())
        r = self.req("GET", "/api/v1/products:batch")
        self.assertError(r, 405, "method_not_allowed")
        self.assertIn("POST", (r.header("Allow") or "").upper())
        self.assertEqual(self.get(self.ppath(reg)).status, 200)

    def test_etag_and_caching(self):
        reg, body = self.register()
        for path in (self.ppath(reg), "/api/v1/insurers", self.ppath(reg, "/versions")):
            r = self.get(path)
            self.assertEqual(r.status, 200, r)
            etag = r.header("ETag")
            self.assertTrue(etag, "no ETag on %s" % path)
            self.assertFalse(etag.startswith("W/"), "weak ETag %s" % etag)
            self.assertTrue(etag.startswith('"') and etag.endswith('"'), etag)
            self.assertTrue(r.header("Last-Modified"), path)
            cc = (r.header("Cache-Control") or "").replace(" ", "")
            self.assertIn("public", cc)
            self.assertIn("max-age=30", cc)
            again = self.get(path)
            self.assertEqual(again.header("ETag"), etag, "ETag not stable for %s" % path)
            nm = self.get(path, headers={"If-None-Match": etag})
            self.assertEqual(nm.status, 304, nm)
            self.assertEqual(nm.raw, b"")
            self.assertEqual(nm.header("ETag"), etag)
            other = self.get(path, headers={"If-None-Match": '"not-the-tag"'})
            self.assertEqual(other.status, 200)
        old = self.get(self.ppath(reg)).header("ETag")
        put = dict(H.valid_product(name=body["name"], summary="第二版摘要：调整了免赔额与报销比例。"),
                   change_reason="责任调整")
        self.assertEqual(self.req("PUT", self.ppath(reg), put, key=self.A["key"]).status, 200)
        r = self.get(self.ppath(reg), headers={"If-None-Match": old})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.header("ETag"), old)


def _check_security_headers(tc, r, what):
    csp = r.header("Content-Security-Policy") or ""
    tc.assertIn("default-src 'self'", csp, "%s: CSP %r" % (what, csp))
    tc.assertIn("frame-ancestors 'none'", csp, "%s: CSP %r" % (what, csp))
    tc.assertEqual((r.header("X-Content-Type-Options") or "").lower(), "nosniff", what)
    tc.assertTrue(r.header("Referrer-Policy"), "%s: no Referrer-Policy" % what)
    tc.assertEqual(r.header_all("Access-Control-Allow-Origin"), [], "%s: CORS header" % what)
    tc.assertEqual(r.header_all("Access-Control-Allow-Credentials"), [], what)


class TestHeaders(ApiBase):

    def test_security_headers_everywhere(self):
        origin = {"Origin": "https://evil.example.com"}
        reg, body = self.register()
        cases = []
        cases.append(("201", self.req("POST", "/api/v1/products", H.valid_product(),
                                      key=self.A["key"], headers=origin), 201))
        ok = self.get(self.ppath(reg), headers=origin)
        cases.append(("200 json", ok, 200))
        cases.append(("304", self.get(self.ppath(reg), headers=dict(origin, **{"If-None-Match": ok.header("ETag") or '"x"'})), 304))
        cases.append(("healthz", self.get("/healthz", headers=origin), 200))
        cases.append(("openapi", self.get("/api/v1/openapi.json", headers=origin), 200))
        cases.append(("insurers", self.get("/api/v1/insurers", headers=origin), 200))
        cases.append(("404 product", self.get(MISSING_PRODUCT, headers=origin), 404))
        cases.append(("404 route", self.get("/api/v1/nope", headers=origin), 404))
        cases.append(("404 static", self.get("/static/nope.css", headers=origin), 404))
        cases.append(("405", self.req("DELETE", self.ppath(reg), headers=origin), 405))
        cases.append(("401", self.req("POST", "/api/v1/products", H.valid_product(), headers=origin), 401))
        cases.append(("403", self.req("PUT", self.ppath(reg), dict(body, change_reason="测试变更"),
                                      key=self.B["key"], headers=origin), 403))
        cases.append(("415", self.req("POST", "/api/v1/products", b"name=x", key=self.A["key"],
                                      content_type="text/plain", headers=origin), 415))
        cases.append(("422", self.req("POST", "/api/v1/products", {"name": 1}, key=self.A["key"],
                                      headers=origin), 422))
        cases.append(("400", self.req("POST", "/api/v1/products", b"{", key=self.A["key"],
                                      headers=origin), 400))
        big = b'{"name":"' + b"x" * (1024 * 1024 + 10) + b'"}'
        cases.append(("413", H.http_request_streaming(
            self.port, "POST", "/api/v1/products", big,
            headers=dict(origin, **{"Content-Type": "application/json",
                                    "Authorization": "Bearer " + self.A["key"]})), 413))
        cases.append(("OPTIONS", self.req("OPTIONS", "/api/v1/products", headers=dict(
            origin, **{"Access-Control-Request-Method": "POST",
                       "Access-Control-Request-Headers": "authorization, content-type"})), None))
        for what, r, status in cases:
            with self.subTest(what=what):
                if status is not None:
                    self.assertEqual(r.status, status, "%s: %r" % (what, r))
                _check_security_headers(self, r, what)
                if r.status not in (204, 304) and r.raw:
                    self.assertTrue(r.header("Content-Type"), what)
        opt = cases[-1][1]
        self.assertEqual(opt.header_all("Access-Control-Allow-Methods"), [], opt)
        self.assertEqual(opt.header_all("Access-Control-Allow-Headers"), [], opt)

    def test_no_directory_listing(self):
        for path in ("/static/", "/static", "/"):
            r = self.get(path)
            with self.subTest(path=path):
                _check_security_headers(self, r, path)
                text = r.raw.decode("utf-8", "replace")
                self.assertNotIn("Index of", text)
                self.assertNotIn("Parent directory", text)
        r = self.get("/static/")
        self.assertIn(r.status, (403, 404), r)
        static_dir = os.path.join(H.PUBLIC, "static")
        if os.path.isdir(static_dir):
            text = r.raw.decode("utf-8", "replace")
            for name in os.listdir(static_dir):
                self.assertNotIn('href="' + name, text)

    def test_path_traversal(self):
        for path in ("/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                     "/static/..%2f..%2fetc%2fpasswd"):
            r = self.get(path)
            with self.subTest(path=path):
                self.assertNotEqual(r.status, 200, r)
                self.assertNotIn(b"root:", r.raw)


class TestOpenApi(ApiBase):

    TESTED = [
        ("post", "/api/v1/products"),
        ("post", "/api/v1/products:batch"),
        ("put", "/api/v1/products/{}"),
        ("post", "/api/v1/products/{}/withdraw"),
        ("get", "/api/v1/products/{}"),
        ("get", "/api/v1/products/{}/versions"),
        ("get", "/api/v1/products/{}/versions/{}"),
        ("get", "/api/v1/insurers"),
        ("get", "/api/v1/insurers/{}"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/healthz"),
        ("get", "/api/v1"),
        ("get", "/"),
        ("get", "/search"),
        ("get", "/products/{}"),
        ("get", "/compare"),
        ("get", "/settings"),
        ("post", "/settings"),
    ]

    def _doc(self):
        r = self.get("/api/v1/openapi.json")
        self.assertEqual(r.status, 200, r)
        self.assertIn("json", r.header("Content-Type") or "")
        self.assertIsInstance(r.json, dict, "openapi.json does not parse")
        return r.json

    @staticmethod
    def _prefix(doc):
        servers = doc.get("servers") or []
        if servers and isinstance(servers[0], dict):
            url = servers[0].get("url", "")
            m = re.match(r"^(?:https?://[^/]+)?(/.*)?$", url)
            if m and m.group(1):
                return m.group(1).rstrip("/")
        return ""

    def _full(self, doc, path):
        prefix = self._prefix(doc)
        if not prefix or path.startswith(prefix + "/") or path == "/healthz" or path.startswith("/api/"):
            return path
        return prefix + path

    def test_version_and_paths_present(self):
        doc = self._doc()
        self.assertTrue(str(doc.get("openapi", "")).startswith("3.1"), doc.get("openapi"))
        self.assertTrue(doc.get("info", {}).get("title"))
        declared = set()
        for path, ops in doc["paths"].items():
            norm = re.sub(r"\{[^}]+\}", "{}", self._full(doc, path))
            for m in ops:
                if m.lower() in ("get", "put", "post", "delete", "patch", "head", "options"):
                    declared.add((m.lower(), norm))
        for m, p in self.TESTED:
            self.assertIn((m, p), declared, "%s %s missing from openapi.json" % (m.upper(), p))

    def test_every_declared_path_is_answered(self):
        reg, _ = self.register()
        r = self.req("POST", "/api/v1/products/%s/documents" % reg,
                     {"type": "terms", "title": "测试条款", "content": "第一条 保险责任\n"}, key=self.A["key"])
        self.assertEqual(r.status, 201, r)
        document_no = r.json["document_no"]
        doc = self._doc()
        digest = H.db_digest(self.env.db)
        n = 0
        for path, ops in doc["paths"].items():
            def fill(m):
                name = m.group(1).lower()
                page_values = {"category": "medical", "group": "elderly", "region": "330000", "version": "1"}
                if name in page_values:
                    return page_values[name]
                if "document" in name:
                    return document_no
                if "registration" in name or name in ("no", "reg_no", "product"):
                    return reg
                if "id" in name or "insurer" in name:
                    return str(self.A["id"])
                return "1"
            url = re.sub(r"\{([^}]+)\}", fill, self._full(doc, path))
            # Endpoints whose required parameters are in the query string.
            url += {"/log/proof/inclusion": "?index=0&size=1", "/log/proof/consistency": "?from=1&to=1"}.get(path, "")
            for m in ops:
                if m.lower() not in ("get", "put", "post", "delete", "patch"):
                    continue
                n += 1
                # write methods without a key: must reach the route and be refused (401)
                body = {} if m.lower() in ("put", "post", "patch") else None
                if path == "/settings" and m.lower() == "post":
                    # The display settings need no key: 303 and a cookie.
                    r = H.http_request(self.port, "POST", url, b"elder=1",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
                    self.assertEqual(r.status, 303, r)
                    self.assertIn("puhui_display=elder", r.header("Set-Cookie") or "")
                    continue
                r = self.req(m.upper(), url, body)
                with self.subTest(method=m, path=path):
                    code = (r.error or {}).get("code")
                    self.assertNotEqual(code, "route_not_found", "%s %s: %r" % (m, url, r))
                    self.assertNotEqual(r.status, 405, "%s %s: %r" % (m, url, r))
                    if m.lower() == "get":
                        self.assertEqual(r.status, 200, "%s %s: %r" % (m, url, r))
                    else:
                        self.assertEqual(r.status, 401, "%s %s: %r" % (m, url, r))
        self.assertGreaterEqual(n, len(self.TESTED))
        self.assertEqual(H.db_digest(self.env.db), digest)


class TestProcess(unittest.TestCase):
    """Tests that need their own server: access log, SIGTERM."""

    def setUp(self):
        self.env = H.Env()
        self.addCleanup(self.env.cleanup)

    def test_access_log(self):
        A = self.env.add_insurer("广东安心保险股份有限公司", "安心保险", region="440000")
        logf = os.path.join(self.env.dir, "access.log")
        srv = self.env.start_server(access_log=logf)
        marker = "BODYMARKER7f3aQZ"
        body = H.valid_product(summary="正文不应出现在访问日志中：" + marker + "，这是一段摘要文字。")
        paths = []

        def do(method, path, b=None, key=None, expect=None):
            r = srv.request(method, path, b, key=key)
            if expect is not None:
                self.assertEqual(r.status, expect, r)
            paths.append((method, path))
            return r

        r = do("POST", "/api/v1/products", body, key=A["key"], expect=201)
        reg = r.json["registration_no"]
        do("GET", "/api/v1/products/" + reg, expect=200)
        do("PUT", "/api/v1/products/" + reg, dict(body, change_reason="费率调整" + marker),
           key=A["key"], expect=200)
        do("POST", "/api/v1/products", body, key="phk_" + "Q" * 40, expect=401)
        do("POST", "/api/v1/products", {"name": marker}, key=A["key"], expect=422)
        do("GET", "/api/v1/insurers", expect=200)
        do("GET", "/api/v1/nope", expect=404)
        rc = srv.stop()
        self.assertEqual(rc, 0, srv.stderr_text())
        with open(logf, "rb") as f:
            data = f.read()
        text = data.decode("utf-8", "replace")
        lines = [l for l in text.splitlines() if l.strip() and "/healthz" not in l]
        self.assertEqual(len(lines), len(paths), "access log:\n" + text)
        # Each line is written when its worker finishes, so two requests in a
        # row may be logged in either order: compare them as sets of lines.
        logged = sorted((l.split()[1], l.split()[2]) for l in lines)
        self.assertEqual(logged, sorted(paths), "access log:\n" + text)
        self.assertNotIn(A["key"], text)
        secret_tail = A["key"][len(A.get("prefix") or "phk_"):]
        self.assertGreaterEqual(len(secret_tail), 8)
        self.assertNotIn(secret_tail, text)
        self.assertNotIn("Q" * 40, text)
        self.assertNotIn(marker, text)
        self.assertNotIn("Bearer", text)

    def test_sigterm_clean_exit(self):
        A = self.env.add_insurer("北京安康人寿保险股份有限公司", "安康人寿", type_="life", region="110000")
        srv = self.env.start_server()
        body = H.valid_product()
        r = srv.request("POST", "/api/v1/products", body, key=A["key"])
        self.assertEqual(r.status, 201, r)
        reg = r.json["registration_no"]
        t0 = time.time()
        rc = srv.stop(timeout=10)
        self.assertEqual(rc, 0, "exit code %r; stderr: %s" % (rc, srv.stderr_text()))
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(H.integrity_check(self.env.db), ["ok"])
        rows = H.db_query(self.env.db, "SELECT count(*) FROM products WHERE registration_no=?", (reg,))
        self.assertEqual(rows[0][0], 1)
        srv2 = self.env.start_server()
        g = srv2.get("/api/v1/products/" + reg)
        self.assertEqual(g.status, 200, g)
        self.assertEqual(H.diff_sent(body, g.json), [])
        self.assertEqual(srv2.stop(), 0)

    def test_healthz(self):
        srv = self.env.start_server()
        r = srv.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("status"), "ok")
        self.assertIsInstance(r.json.get("log_size"), int)


if __name__ == "__main__":
    unittest.main(verbosity=2)
