#!/usr/bin/env python3
"""Black-box tests of the history pages (issue 5, server/views_history.c,
registry/changes.c, public/templates/diff.html and changes.html): a real
`puhui serve --demo` on a temporary database and a random port.

What is checked: a new version published through the API with a changed
premium and an edited covered item shows on /products/{no}/diff both in words
("每年保费：从 99 元 改为 129 元") and as text marked with <del>/<ins> whose
runs are announced in words ("删去：", "新增：" and the hidden end marks); the
.json twin says the same; the product page and the version pages link to
the difference; /changes lists the version as a rate change (费率调整) under
today's China date, its filters and paging work, and /api/v1/changes answers
the same; bad parameters answer 400 with the error summary (HTML) or stable
codes naming the parameter (JSON), unknown products and versions 404; a
document's new version has its own difference page. Every page is run
through the HTML checker (check_html) when the build has it.
"""

import datetime
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402
from test_pages_product import parse, squash  # noqa: E402

CHECK_HTML = os.environ.get("PUHUI_CHECK_HTML",
                            os.path.join(os.path.dirname(os.path.abspath(H.BIN)), "check_html"))

COVERED_OLD = "医保目录外住院费用，报销比例百分之七十。"
COVERED_NEW = "医保目录外住院费用，报销比例百分之八十。"


class HistoryBase(unittest.TestCase):
    env = None
    srv = None
    ins = None
    regno = None
    body1 = None
    body2 = None
    pages_seen = {}

    @classmethod
    def setUpClass(cls):
        if HistoryBase.env is not None:
            return
        env = H.Env()
        HistoryBase.env = env
        HistoryBase.srv = env.start_server(extra=["--demo"])
        ins = env.add_insurer("历史测试健康保险股份有限公司", "历史测试健康")
        HistoryBase.ins = ins
        body1 = H.valid_product(
            name="历史测试惠民保",
            premium_yuan_per_year={"min": 99, "max": 99},
            covered=["医保目录内住院自付费用，报销比例百分之八十。", COVERED_OLD, "二十种特定高额药品费用。"],
        )
        r = H.http_request(env.server.port, "POST", "/api/v1/products", body1, key=ins["key"])
        assert r.status == 201, r
        regno = r.json["registration_no"]
        body2 = dict(body1)
        body2["premium_yuan_per_year"] = {"min": 129, "max": 129}
        body2["covered"] = [body1["covered"][0], COVERED_NEW, body1["covered"][2]]
        body2["change_reason"] = "费率调整"
        r = H.http_request(env.server.port, "PUT", "/api/v1/products/" + regno, body2, key=ins["key"])
        assert r.status == 200, r
        assert r.json["version"] == 2, r
        HistoryBase.regno = regno
        HistoryBase.body1 = body1
        HistoryBase.body2 = body2

    # helpers ------------------------------------------------------------------
    def get(self, path, **kw):
        if not self.srv.running():
            self.fail("the server died: %s" % self.srv.death_note())
        return H.http_request(self.srv.port, "GET", path, **kw)

    def page(self, path, status=200):
        r = self.get(path)
        self.assertEqual(r.status, status, "%s: %r" % (path, r))
        self.assertIn("text/html", r.header("Content-Type") or "", path)
        HistoryBase.pages_seen[path] = r.raw
        return parse(r.raw), r

    def twin(self, path, status=200):
        u = urllib.parse.urlsplit(path)
        r = self.get(u.path + ".json" + ("?" + u.query if u.query else ""))
        self.assertEqual(r.status, status, "%s: %r" % (path, r))
        self.assertIn("application/json", r.header("Content-Type") or "")
        return r.json

    def api(self, path, status=200):
        r = self.get(path)
        self.assertEqual(r.status, status, "%s: %r" % (path, r))
        return r.json

    def assertSane(self, doc, path):
        self.assertEqual(len(doc.find_all("h1")), 1, path)
        levels = [int(n.tag[1]) for n in doc.iter() if re.match(r"^h[1-6]$", n.tag)]
        for a, b in zip(levels, levels[1:]):
            self.assertLessEqual(b, a + 1, "%s: heading h%d after h%d" % (path, b, a))
        ids = [n.get("id") for n in doc.iter() if n.get("id")]
        self.assertEqual(len(ids), len(set(ids)), "%s: duplicate ids" % path)
        for n in doc.iter():
            for ref in (n.get("aria-describedby") or "").split() + (n.get("aria-labelledby") or "").split():
                self.assertIn(ref, ids, "%s: aria reference to missing id %s" % (path, ref))
        for t in doc.find_all("time"):
            self.assertRegex(t.get("datetime") or "", r"^\d{4}-\d{2}-\d{2}$", path)

    def assertErrorSummary(self, doc, fields, path):
        title = doc.find("title").text()
        self.assertTrue(title.startswith("错误："), "%s: title %r" % (path, title))
        summary = doc.find("div", class_="error-summary")
        self.assertIsNotNone(summary, path)
        hrefs = [a.get("href") for a in summary.find_all("a")]
        for f in fields:
            self.assertIn("#" + f, hrefs, path)
            control = doc.find(id=f)
            self.assertIsNotNone(control, "%s: no control #%s" % (path, f))
            self.assertEqual(control.get("aria-invalid"), "true", path)
            self.assertIn(f + "-error", (control.get("aria-describedby") or "").split(), path)


class TestProductDiff(HistoryBase):

    def test_words_and_marks(self):
        path = "/products/%s/diff?from=1&to=2" % self.regno
        doc, r = self.page(path)
        self.assertSane(doc, path)
        items = doc.find_all("li", class_="diff-change")
        by_key = {}
        for li in items:
            key = [c[len("change-"):] for c in li.classes() if c.startswith("change-")][0]
            by_key[key] = li
        self.assertIn("premium", by_key)
        self.assertIn("每年保费：从99元改为129元。", squash(by_key["premium"].text(skip_explain=True)))
        self.assertIn("covered", by_key)
        covered = by_key["covered"]
        self.assertIn("改了1条", squash(covered.text()))
        dels = covered.find_all("del")
        inss = covered.find_all("ins")
        self.assertEqual(len(dels), 1, covered.text())
        self.assertEqual(len(inss), 1, covered.text())
        # Each run says what it is in words, not only by its styling.
        self.assertTrue(dels[0].text().startswith("删去："), dels[0].text())
        self.assertIn("七", dels[0].text())
        self.assertIn("删去的到这里", dels[0].text())
        self.assertTrue(inss[0].text().startswith("新增："), inss[0].text())
        self.assertIn("八", inss[0].text())
        self.assertIn("新增的到这里", inss[0].text())
        # The run is the changed character, not the whole item.
        self.assertNotIn("医保目录外", dels[0].text())
        # Nothing else changed.
        self.assertEqual(sorted(by_key), ["covered", "premium"])
        # The two versions are linked.
        links = [a.get("href") for a in doc.find("section", class_="diff-versions").find_all("a")]
        self.assertIn("/products/%s/versions/1" % self.regno, links)
        self.assertTrue("/products/%s" % self.regno in links or "/products/%s/versions/2" % self.regno in links,
                        links)
        # The legend explains the marks in words.
        self.assertIsNotNone(doc.find("div", class_="diff-legend"))
        # The version chooser is a GET form with labelled selects.
        form = doc.find("form", action="/products/%s/diff" % self.regno)
        self.assertIsNotNone(form)
        self.assertEqual((form.get("method") or "").lower(), "get")
        for name in ("from", "to"):
            sel = form.find("select", id=name)
            self.assertIsNotNone(sel)
            self.assertIsNotNone(doc.find("label", for_=name))

    def test_json_twin_matches(self):
        path = "/products/%s/diff?from=1&to=2" % self.regno
        doc, r = self.page(path)
        view = self.twin(path)
        self.assertEqual(view["registration_no"], self.regno)
        self.assertEqual(view["from"]["version"], 1)
        self.assertEqual(view["to"]["version"], 2)
        self.assertTrue(view["compared"])
        html_keys = []
        for li in doc.find_all("li", class_="diff-change"):
            html_keys.append([c[len("change-"):] for c in li.classes() if c.startswith("change-")][0])
        self.assertEqual([c["key"] for c in view["changes"]], html_keys)
        premium = [c for c in view["changes"] if c["key"] == "premium"][0]
        self.assertEqual(premium["said"]["value"], "从 99 元 改为 129 元。")
        covered = [c for c in view["changes"] if c["key"] == "covered"][0]
        self.assertIsNone(covered["added"])
        self.assertIsNone(covered["removed"])
        edit = covered["edited"]["items"][0]
        self.assertEqual(edit["old"], COVERED_OLD)
        self.assertEqual(edit["new"], COVERED_NEW)
        ops = [(s["op"], s.get("text")) for s in edit["segments"]]
        self.assertEqual(ops, [("equal", "医保目录外住院费用，报销比例百分之"), ("delete", "七"),
                               ("insert", "八"), ("equal", "十。")])
        # Applying the segments gives both texts.
        old = "".join(s["text"] for s in edit["segments"] if s["op"] in ("equal", "delete"))
        new = "".join(s["text"] for s in edit["segments"] if s["op"] in ("equal", "insert"))
        self.assertEqual((old, new), (COVERED_OLD, COVERED_NEW))

    def test_default_versions_are_latest_and_the_one_before(self):
        a = self.twin("/products/%s/diff" % self.regno)
        b = self.twin("/products/%s/diff?from=1&to=2" % self.regno)
        self.assertEqual(a["from"]["version"], 1)
        self.assertEqual(a["to"]["version"], 2)
        self.assertEqual(a["changes"], b["changes"])
        c = self.twin("/products/%s/diff?to=2" % self.regno)
        self.assertEqual(c["changes"], b["changes"])

    def test_reverse_and_single_version(self):
        view = self.twin("/products/%s/diff?from=2&to=1" % self.regno)
        premium = [c for c in view["changes"] if c["key"] == "premium"][0]
        self.assertEqual(premium["said"]["value"], "从 129 元 改为 99 元。")
        # A product with one version: nothing to compare, said in words.
        r = H.http_request(self.srv.port, "POST", "/api/v1/products", H.valid_product(), key=self.ins["key"])
        self.assertEqual(r.status, 201, r)
        path = "/products/%s/diff" % r.json["registration_no"]
        doc, _ = self.page(path)
        self.assertSane(doc, path)
        self.assertIn("只有一个版本", doc.find("main").text())
        self.assertEqual(doc.find_all("li", class_="diff-change"), [])

    def test_summary_text_diff_and_words_box(self):
        # A product of its own, so that the shared one keeps two versions.
        body = H.valid_product()
        r = H.http_request(self.srv.port, "POST", "/api/v1/products", body, key=self.ins["key"])
        self.assertEqual(r.status, 201, r)
        regno = r.json["registration_no"]
        body2 = dict(body, summary=body["summary"].replace("不限年龄", "六十岁以上也能买"), change_reason="改写简介")
        r = H.http_request(self.srv.port, "PUT", "/api/v1/products/" + regno, body2, key=self.ins["key"])
        self.assertEqual(r.status, 200, r)
        path = "/products/%s/diff?from=1&to=2" % regno
        doc, _ = self.page(path)
        self.assertSane(doc, path)
        li = doc.find("li", class_="change-summary")
        self.assertIsNotNone(li)
        box = li.find("div", class_="diff-text")
        self.assertTrue(any("不限年龄" in d.text() for d in box.find_all("del")), box.text())
        self.assertTrue(any("六十岁以上也能买" in i.text() for i in box.find_all("ins")), box.text())
        # The rest of the summary is kept as plain text.
        self.assertIn("普惠型补充医疗保险", box.text())
        view = self.twin(path)
        self.assertEqual([c["key"] for c in view["changes"]], ["summary"])

    def test_links_from_product_and_version_pages(self):
        doc, _ = self.page("/products/%s" % self.regno)
        versions = doc.find("ol", class_="versions")
        hrefs = [a.get("href") for a in versions.find_all("a")]
        self.assertIn("/products/%s/diff?from=1&to=2" % self.regno, hrefs)
        doc, _ = self.page("/products/%s/versions/1" % self.regno)
        old = doc.find("div", class_="old-version")
        hrefs = [a.get("href") for a in old.find_all("a")]
        self.assertTrue(any(h.startswith("/products/%s/diff?from=1&to=" % self.regno) for h in hrefs), hrefs)

    def test_bad_versions_400(self):
        for query, fields in (("from=abc", ["from"]), ("to=-1", ["to"]), ("from=1.5&to=x", ["from", "to"]),
                              ("from=2&to=2", ["to"]), ("from=0", ["from"]), ("to=" + "9" * 30, ["to"])):
            path = "/products/%s/diff?%s" % (self.regno, query)
            doc, r = self.page(path, status=400)
            self.assertSane(doc, path)
            self.assertErrorSummary(doc, fields, path)
            view = self.twin(path, status=400)
            self.assertTrue(view["page"]["has_errors"])
            self.assertEqual(sorted({e["field"] for e in view["errors"]}), sorted(fields))
            for e in view["errors"]:
                self.assertTrue(H.has_cjk(e["message"]), e)

    def test_unknown_404(self):
        for path in ("/products/PH-2099-999999/diff", "/products/nonsense/diff",
                     "/products/%s/diff?from=1&to=99" % self.regno, "/products/%s/diff?from=42" % self.regno):
            doc, r = self.page(path, status=404)
            self.assertSane(doc, path)
            self.twin(path, status=404)


class TestChanges(HistoryBase):

    def find(self, items, kind=None, version=None):
        return [i for i in items if i.get("registration_no") == self.regno
                and (kind is None or i["kind"] == kind) and (version is None or i.get("version") == version)]

    def test_rate_change_under_today(self):
        today = H.today()
        view = self.twin("/changes")
        days = [i for i in view["changes"]["items"]]
        mine = self.find(days, "rate_change", 2)
        self.assertEqual(len(mine), 1, [i for i in days if i.get("registration_no") == self.regno])
        item = mine[0]
        self.assertEqual(item["date"], today)
        self.assertEqual(item["kind_zh"], "费率调整")
        self.assertEqual(item["previous_version"], 1)
        self.assertEqual(item["premium"], {"before": {"min": 99, "max": 99}, "after": {"min": 129, "max": 129}})
        self.assertIn("每年 99 元", item["sentence_zh"])
        self.assertIn("每年 129 元", item["sentence_zh"])
        self.assertEqual(item["links"]["diff"], "/products/%s/diff?from=1&to=2" % self.regno)
        self.assertEqual(item["insurer"]["id"], self.ins["id"])
        self.assertIsInstance(item["log_index"], int)
        # The HTML: an h2 per day, today's holding the rate change.
        doc, _ = self.page("/changes")
        self.assertSane(doc, "/changes")
        day = doc.find("section", class_="changes-day")
        h2 = day.find("h2")
        self.assertEqual(h2.find("time").get("datetime"), today)
        found = [li for li in day.find_all("li", class_="change-rate_change") if self.body1["name"] in li.text()]
        self.assertTrue(found, "no rate change of %s under today" % self.regno)
        self.assertIn("费率调整", found[0].find("strong").text())
        hrefs = [a.get("href") for a in found[0].find_all("a")]
        self.assertIn("/products/%s/diff?from=1&to=2" % self.regno, hrefs)
        # The API says the same.
        api = self.api("/api/v1/changes")
        self.assertEqual(api["items"], view["changes"]["items"])

    def test_filters(self):
        today = H.today()
        iid = self.ins["id"]
        reg = self.api("/api/v1/changes?kind=registration&insurer=%d" % iid)["items"]
        self.assertTrue(self.find(reg, "registration", 1))
        self.assertTrue(all(i["kind"] == "registration" for i in reg))
        self.assertTrue(all(i["insurer"]["id"] == iid for i in reg))
        rate = self.api("/api/v1/changes?kind=rate_change&per_page=100")["items"]
        self.assertTrue(self.find(rate, "rate_change", 2))
        self.assertTrue(all(i["kind"] == "rate_change" for i in rate))
        # kind=version means every new version, rate changes included.
        ver = self.api("/api/v1/changes?kind=version&insurer=%d" % iid)["items"]
        self.assertTrue(self.find(ver, "rate_change", 2))
        self.assertTrue(all(i["kind"] in ("version", "rate_change") for i in ver))
        # Category and region of the product.
        self.assertTrue(self.find(self.api("/api/v1/changes?category=medical&insurer=%d" % iid)["items"]))
        self.assertFalse(self.find(self.api("/api/v1/changes?category=accident&insurer=%d" % iid)["items"]))
        self.assertTrue(self.find(self.api("/api/v1/changes?region=330000&insurer=%d" % iid)["items"]))
        self.assertTrue(self.find(self.api("/api/v1/changes?region=330100&insurer=%d" % iid)["items"]))
        self.assertFalse(self.find(self.api("/api/v1/changes?region=110000&insurer=%d" % iid)["items"]))
        # Solvency and insurer events have no product: left out by category.
        cat = self.api("/api/v1/changes?category=medical&per_page=100")["items"]
        self.assertFalse([i for i in cat if i["kind"] in ("solvency", "insurer")])
        sol = self.api("/api/v1/changes?kind=solvency&insurer=%d" % iid)["items"]
        self.assertEqual(len(sol), 1, sol)
        self.assertTrue(sol[0]["adequate"])
        new = self.api("/api/v1/changes?kind=insurer&insurer=%d" % iid)["items"]
        self.assertEqual(len(new), 1, new)
        # Dates: today has it, tomorrow and yesterday do not.
        d = datetime.date.fromisoformat(today)
        tomorrow = (d + datetime.timedelta(days=1)).isoformat()
        yesterday = (d - datetime.timedelta(days=1)).isoformat()
        self.assertTrue(self.find(self.api("/api/v1/changes?date_from=%s&date_to=%s" % (today, today))["items"]))
        self.assertEqual(self.api("/api/v1/changes?date_from=%s" % tomorrow)["total"], 0)
        self.assertEqual(self.api("/api/v1/changes?date_to=%s" % yesterday)["total"], 0)
        # The HTML form keeps the choices.
        path = "/changes?kind=rate_change&insurer=%d&date_from=%s" % (iid, today)
        doc, _ = self.page(path)
        self.assertSane(doc, path)
        self.assertIn("selected", doc.find("select", id="kind").find("option", value="rate_change").attrs)
        self.assertEqual(doc.find("input", id="date_from").get("value"), today)
        items = doc.find_all("li", class_="change")
        self.assertTrue(items)
        self.assertTrue(all("change-rate_change" in li.classes() for li in items))

    def test_paging(self):
        first = self.api("/api/v1/changes?per_page=2")
        second = self.api("/api/v1/changes?per_page=2&page=2")
        self.assertEqual(first["per_page"], 2)
        self.assertEqual(len(first["items"]), 2)
        self.assertGreater(first["pages"], 2)
        self.assertGreater(first["items"][-1]["log_index"], second["items"][0]["log_index"])
        idx = [i["log_index"] for i in first["items"] + second["items"]]
        self.assertEqual(idx, sorted(idx, reverse=True))
        doc, _ = self.page("/changes?per_page=2&page=2&kind=")
        nav = doc.find("nav", class_="paging")
        hrefs = [a.get("href") for a in nav.find_all("a")]
        self.assertIn("/changes?per_page=2&kind=&page=1", hrefs)
        self.assertIn("/changes?per_page=2&kind=&page=3", hrefs)

    def test_bad_parameters(self):
        cases = [
            ("date_from=2026-13-45", "date_invalid", "date_from"),
            ("date_to=yesterday", "date_invalid", "date_to"),
            ("date_from=2026-11-30&date_to=2026-11-01", "date_range_invalid", "date_to"),
            ("kind=everything", "kind_invalid", "kind"),
            ("category=xx", "category_invalid", "category"),
            ("region=12", "region_invalid", "region"),
            ("insurer=abc", "insurer_invalid", "insurer"),
            ("page=0", "page_invalid", "page"),
            ("page=x", "page_invalid", "page"),
            ("per_page=1000", "per_page_invalid", "per_page"),
        ]
        for query, code, field in cases:
            r = self.get("/api/v1/changes?" + query)
            self.assertEqual(r.status, 400, "%s: %r" % (query, r))
            self.assertEqual(r.error["code"], code, query)
            self.assertEqual(r.error["field"], field, query)
            self.assertTrue(H.has_cjk(r.error["message"]), query)
        # Several at once: every one is named.
        r = self.get("/api/v1/changes?date_from=x&kind=y&page=z")
        self.assertEqual(r.status, 400)
        self.assertEqual(sorted(e["field"] for e in r.error["errors"]), ["date_from", "kind", "page"])
        # The page: the error summary, each field marked, the typed value kept.
        path = "/changes?date_from=2026-13-45&kind=everything"
        doc, _ = self.page(path, status=400)
        self.assertSane(doc, path)
        self.assertErrorSummary(doc, ["date_from", "kind"], path)
        self.assertEqual(doc.find("input", id="date_from").get("value"), "2026-13-45")
        self.assertEqual(doc.find_all("section", class_="changes-day"), [])
        view = self.twin(path, status=400)
        self.assertEqual(sorted(e["field"] for e in view["errors"]), ["date_from", "kind"])

    def test_home_links_to_changes(self):
        doc, _ = self.page("/")
        self.assertIn("/changes", [a.get("href") for a in doc.find_all("a")])


class TestDocumentDiff(HistoryBase):

    def test_document_versions(self):
        body = {"type": "notice", "title": "历史测试费率调整公告",
                "content": "本产品从下月起调整保费。\n每年保费 99 元。\n咨询电话 95500。"}
        r = H.http_request(self.srv.port, "POST", "/api/v1/products/%s/documents" % self.regno, body,
                           key=self.ins["key"])
        if r.status == 404 and (r.error or {}).get("code") == "route_not_found":
            self.skipTest("the documents API is not built in this tree")
        self.assertEqual(r.status, 201, r)
        docno = r.json["document_no"]
        body2 = {"title": "历史测试费率调整公告", "content": body["content"].replace("99 元", "129 元"),
                 "change_reason": "改正保费"}
        r = H.http_request(self.srv.port, "POST", "/api/v1/documents/%s/versions" % docno, body2,
                           key=self.ins["key"])
        self.assertIn(r.status, (200, 201), r)
        path = "/documents/%s/diff" % docno
        doc, _ = self.page(path)
        self.assertSane(doc, path)
        li = doc.find("li", class_="change-content")
        self.assertIsNotNone(li, doc.find("main").text())
        self.assertEqual([d.text() for d in li.find_all("del")], ["删去：99（删去的到这里）"])
        self.assertEqual([i.text() for i in li.find_all("ins")], ["新增：129（新增的到这里）"])
        view = self.twin(path)
        self.assertEqual(view["document_no"], docno)
        self.assertEqual([c["key"] for c in view["changes"]], ["content"])
        changes = self.api("/api/v1/changes?kind=document&insurer=%d" % self.ins["id"])["items"]
        versions = sorted(i["version"] for i in changes if i.get("document_no") == docno)
        self.assertEqual(versions, [1, 2])
        second = [i for i in changes if i.get("document_no") == docno and i["version"] == 2][0]
        self.assertEqual(second["links"]["diff"], "/documents/%s/diff?from=1&to=2" % docno)
        self.page("/documents/%s/diff?from=abc" % docno, status=400)
        self.page("/documents/%s/diff?from=1&to=7" % docno, status=404)
        self.page("/documents/PD-2099-999999/diff", status=404)


class TestHtmlChecker(HistoryBase):

    def test_check_html(self):
        if not os.path.exists(CHECK_HTML):
            self.skipTest("no check_html next to the binary (%s)" % CHECK_HTML)
        paths = ["/products/%s/diff" % self.regno, "/products/%s/diff?from=abc" % self.regno, "/changes",
                 "/changes?kind=rate_change", "/changes?date_from=x", "/changes?per_page=3&page=2"]
        with tempfile.TemporaryDirectory() as d:
            for i, path in enumerate(paths):
                r = self.get(path)
                f = os.path.join(d, "p%d.html" % i)
                with open(f, "wb") as out:
                    out.write(r.raw)
                p = subprocess.run([CHECK_HTML, f], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                self.assertEqual(p.returncode, 0, "%s: %s %s" % (path, p.stdout.decode(), p.stderr.decode()))


def tearDownModule():
    if HistoryBase.env is not None:
        HistoryBase.env.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
