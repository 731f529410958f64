#!/usr/bin/env python3
"""The public pages (issue 4): routes, display modes, the settings form, the
error summary, and acceptance point 4 -- every HTML page's .json twin returns
the same facts: every text and number of the view model that a person is
meant to read appears in the HTML (after entities are decoded and tags
removed), for every page type, and the other way round the page's h1 and
title come from the view model.

Each test class starts the real `puhui serve --demo` on a loopback port
with a fresh database (tests/integration/harness.py).
"""
import html
import html.parser
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

PAGES = [
    "/",
    "/search?q=" + urllib.parse.quote("意外"),
    "/search?q=" + urllib.parse.quote("老人 住院") + "&age=70",
    "/search?q=zzqqxx" + urllib.parse.quote("不存在"),
    "/search?q=yiwai&per_page=5&page=2",
    "/search?age=abc&q=" + urllib.parse.quote("住院"),
    "/browse/category/medical",
    "/browse/group/elderly",
    "/browse/region/330000",
    "/products/PH-2026-000001",
    "/products/PH-2026-000001/versions/1",
    "/products/PH-2026-000005",
    "/compare?p=PH-2026-000001&p=PH-2026-000002",
    "/compare?p=PH-2026-000001&p=PH-2026-000002&p=PH-2026-000004",
    "/compare",
    "/insurers/1",
    "/settings",
    "/accessibility",
    "/help",
    "/help/choose",
    "/no-such-page",
]

# Keys whose values are machinery, not facts a person reads.
NOT_FACTS = {
    "href", "path", "classes", "id", "value", "checkbox_id", "template", "action", "code", "kind",
    "field", "url", "canonical", "registration_no_url", "status", "has_errors", "own_search",
    "selected", "checked", "has_products", "has_results", "explain_id", "qr_url", "body_sha256_url",
    "which", "key", "status_code", "previous", "next", "quarter",
}
# Subtrees for programs: how a query was read, the display mode, and the raw
# registry records a page is made from ("product", the estimate's
# "scenarios"), whose codes and figures the page says in words elsewhere in
# the same view model (key facts, table rows), which this test does check.
NOT_FACT_TREES = {"understood", "display", "browse", "product", "scenarios"}


class TextOf(html.parser.HTMLParser):
    """The text a person can read or hear: text nodes and the values of
    inputs, options and accessible names. With without_explanations, the
    glossary's explanations in brackets are left out, so that a fact
    written once with and once without them is found either way."""

    def __init__(self, without_explanations=False):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0
        self.without_explanations = without_explanations
        self.stack = []

    def handle_starttag(self, tag, attrs):
        explain = self.without_explanations and ("class", "explain") in attrs
        self.stack.append((tag, explain))
        if tag in ("script", "style") or explain:
            self.skip += 1
        for name, value in attrs:
            if name in ("value", "aria-label", "alt", "title", "datetime") and value:
                self.parts.append(" " + value + " ")

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, explain = self.stack.pop()
            if (open_tag in ("script", "style") or explain) and self.skip:
                self.skip -= 1
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TextOfVoidAware(TextOf):
    def handle_startendtag(self, tag, attrs):
        TextOf.handle_starttag(self, tag, attrs)
        self.stack.pop()

    def handle_starttag(self, tag, attrs):
        TextOf.handle_starttag(self, tag, attrs)
        if tag in VOID:
            self.stack.pop()


def visible_text(raw, without_explanations=False):
    p = TextOfVoidAware(without_explanations)
    p.feed(raw)
    return re.sub(r"\s+", "", "".join(p.parts))


def facts(value, key=None, path=""):
    """(path, text) of every fact leaf of a view model."""
    if key in NOT_FACTS or key in NOT_FACT_TREES or (key or "").endswith("_html"):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from facts(v, k, path + "." + k)
    elif isinstance(value, list):
        # A list of glossary segments reads as one text.
        if value and all(isinstance(x, dict) and ("text" in x or "term" in x) and
                         set(x) <= {"text", "term", "canonical", "explain"} for x in value):
            # As rendered: a term is followed by its explanation in brackets.
            yield path, "".join(x["text"] if "text" in x else "%s（%s）" % (x["term"], x["explain"])
                                for x in value)
            return
        for i, v in enumerate(value):
            yield from facts(v, key, "%s[%d]" % (path, i))
    elif isinstance(value, str):
        if value.strip():
            yield path, value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float)) and key in ("total", "count", "total_products", "version",
                                                      "settle_days", "log_index"):
        yield path, str(value)


def json_path(path):
    """/products/X?y=1 -> /products/X.json?y=1; / -> /index.json."""
    base, _, query = path.partition("?")
    base = "/index" if base == "/" else base
    return base + ".json" + ("?" + query if query else "")


class PagesBase(unittest.TestCase):
    maxDiff = None
    @classmethod
    def setUpClass(cls):
        H.start_demo(cls)

    def get(self, path, **kw):
        return H.http_request(self.port, "GET", path, **kw)


class TestJsonTwins(PagesBase):
    def test_every_page_and_its_json_twin_say_the_same(self):
        checked = 0
        for path in PAGES:
            with self.subTest(path=path):
                page = self.get(path)
                twin = self.get(json_path(path))
                self.assertEqual(page.status, twin.status, path)
                self.assertTrue((page.header("Content-Type") or "").startswith("text/html"), path)
                self.assertTrue((twin.header("Content-Type") or "").startswith("application/json"), path)
                view = json.loads(twin.raw.decode("utf-8"))
                text = visible_text(page.raw.decode("utf-8"))
                plain_text = visible_text(page.raw.decode("utf-8"), without_explanations=True)
                missing = []
                for where, fact in facts(view):
                    checked += 1
                    wanted = re.sub(r"\s+", "", fact)
                    if wanted not in text and wanted not in plain_text:
                        missing.append("%s = %r" % (where, fact[:80]))
                self.assertEqual(missing, [], "%s: facts of the JSON twin not on the page" % path)
                h1 = view["page"]["h1"]
                m = re.search(r"<h1[^>]*>(.*?)</h1>", page.raw.decode("utf-8"), re.S)
                self.assertIsNotNone(m, path)
                self.assertEqual(re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))),
                                 re.sub(r"\s+", "", h1), path)
        self.assertGreater(checked, 500)

    def test_the_comparison_finds_a_missing_fact(self):
        # The checker above must be able to fail: a fact that is not on the
        # page is reported.
        view = {"page": {"h1": "标题"}, "items": [{"name": "甲产品"}, {"name": "乙产品"}]}
        text = visible_text("<h1>标题</h1><p>甲产品</p>")
        missing = [f for _, f in facts(view) if f not in text]
        self.assertEqual(missing, ["乙产品"])


class TestDisplayModes(PagesBase):
    def test_cookie_sets_classes_and_settings_form_sets_cookie(self):
        r = self.get("/", headers={"Cookie": "puhui_display=elder,contrast"})
        self.assertIn('class="elder contrast"', r.raw.decode("utf-8"))
        self.assertIn("Cookie", r.header("Vary") or "")
        r = H.http_request(self.port, "POST", "/settings", b"elder=1&spacing=wide&return_to=%2Fhelp",
                           content_type="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/help")
        cookie = r.header("Set-Cookie") or ""
        self.assertIn("puhui_display=elder,spacing", cookie)
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Lax", cookie)
        # The header's one-button form switches 长辈版 off again.
        r = H.http_request(self.port, "POST", "/settings", b"toggle=elder&return_to=%2F",
                           content_type="application/x-www-form-urlencoded",
                           headers={"Cookie": "puhui_display=elder"})
        self.assertEqual(r.status, 303, r)
        self.assertIn("Max-Age=0", r.header("Set-Cookie") or "")

    def test_return_to_never_leaves_the_site(self):
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil", "/ok\r\nSet-Cookie: x=1",
                       "javascript:alert(1)", ""):
            with self.subTest(target=target):
                body = ("elder=1&return_to=" + urllib.parse.quote(target, safe="")).encode()
                r = H.http_request(self.port, "POST", "/settings", body,
                                   content_type="application/x-www-form-urlencoded")
                self.assertEqual(r.status, 303, r)
                self.assertEqual(r.header("Location"), "/settings?saved=1")

    def test_unknown_cookie_words_are_ignored(self):
        r = self.get("/help", headers={"Cookie": "puhui_display=\"><script>,elder,huge"})
        text = r.raw.decode("utf-8")
        self.assertIn('class="elder"', text)
        self.assertNotIn("<script>", text)


class TestFormErrors(PagesBase):
    def test_bad_filters_give_the_error_summary_and_keep_values(self):
        r = self.get("/search?age=abc&premium_max=x1&q=" + urllib.parse.quote("住院"))
        self.assertEqual(r.status, 400)
        page = r.raw.decode("utf-8")
        self.assertRegex(page, r"<title>错误：")
        self.assertIn('class="error-summary"', page)
        self.assertIn("出现问题", page)
        self.assertIn('href="#age"', page)
        self.assertIn('href="#premium_max"', page)
        self.assertRegex(page, r'id="age"[^>]*value="abc"')
        self.assertRegex(page, r'id="age"[^>]*aria-invalid="true"')
        self.assertRegex(page, r'id="age"[^>]*aria-describedby="age-hint age-error"')
        self.assertIn('id="age-error"', page)
        self.assertRegex(page, r'id="q"[^>]*value="住院"')

    def test_hostile_query_text_is_escaped(self):
        q = "\"><script>alert(1)</script>"
        r = self.get("/search?q=" + urllib.parse.quote(q))
        self.assertEqual(r.status, 200)
        page = r.raw.decode("utf-8")
        self.assertNotIn("<script>alert(1)", page)
        self.assertIn("&lt;script&gt;", page)

    def test_other_methods_get_an_html_405(self):
        r = H.http_request(self.port, "PUT", "/search", b"x", content_type="text/plain")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD")
        self.assertIn("text/html", r.header("Content-Type") or "")

    def test_not_found_pages_help(self):
        for path in ("/no-such-page", "/products/PH-2099-000001", "/browse/category/nope", "/insurers/999999",
                     "/products/PH-2026-000001/versions/0", "/a//b", "/" + "x" * 600):
            with self.subTest(path=path[:40]):
                r = self.get(path)
                self.assertEqual(r.status, 404, r)
                page = r.raw.decode("utf-8")
                self.assertIn("回到首页", page)


class TestPlainWarnings(PagesBase):
    def test_registration_returns_plain_chinese_warnings(self):
        with open(self.srv.stderr_path, "rb") as f:
            key = re.findall(rb"(phk_\S+)", f.read())[0].decode()
        body = H.valid_product(summary="本产品为专门面向特定人群所设计之普惠型商业补充医疗保障产品，"
                                       "其保障范围涵盖医保目录内外之住院及特定门诊费用并设有免赔额，"
                                       "具体以条款为准。")
        r = H.http_request(self.port, "POST", "/api/v1/products", body, key=key)
        self.assertEqual(r.status, 201, r)
        codes = {(w["code"], w["field"]) for w in r.json["warnings"]}
        self.assertIn(("plain_sentence_long", "summary"), codes, r.json["warnings"])
        self.assertIn(("plain_jargon_unexplained", "summary"), codes, r.json["warnings"])
        # The operator's list has it, worst first.
        report = H.admin_ok(self.srv.db, "plain-report")
        numbers = [i["registration_no"] for i in report["items"]]
        self.assertIn(r.json["registration_no"], numbers)
        scores = [i["score"] for i in report["items"]]
        self.assertEqual(scores, sorted(scores))


if __name__ == "__main__":
    unittest.main(verbosity=2)
