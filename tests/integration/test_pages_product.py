#!/usr/bin/env python3
"""Black-box tests of the product, compare and insurer pages (issue 4,
server/views_product.c, public/templates/product.html, compare.html,
insurer.html): a real `puhui serve --demo`, pages fetched over HTTP and
parsed with the standard library's html.parser.

What is checked (../shared/ACCESSIBILITY.md): one h1 and no skipped heading
levels; the key facts in the same fixed order on every product; 不赔的情况 a
visible list under its own heading; the compare table's caption, column and
row headers and equal row lengths; the error-summary pattern of point 18;
money never as "¥"; dates in <time datetime>; the .json twin carries the same
facts as the HTML; hostile product texts come out escaped. When the build
directory has the HTML checker CLI (check_html, tests/tools/check_html.c) every
page is also run through it; without it that test is skipped and says why.
"""

import html
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

KEY_FACT_ORDER = ["who", "premium", "sum_insured", "deductible", "reimbursement", "waiting_period",
                  "preexisting", "health_questionnaire", "claim", "cooling_off", "term"]
KEY_FACTS_ALWAYS = ["who", "premium", "sum_insured", "deductible", "waiting_period", "preexisting",
                    "health_questionnaire", "claim", "term"]
COMPARE_ROW_ORDER = KEY_FACT_ORDER + ["yearly_cost", "not_covered", "status"]
CHECK_HTML = os.environ.get("PUHUI_CHECK_HTML",
                            os.path.join(os.path.dirname(os.path.abspath(H.BIN)), "check_html"))
DATE_ZH_RE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")

# ---------------------------------------------------------------------------
# a small DOM on html.parser
# ---------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node(object):
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []  # Node or str

    def get(self, name, default=None):
        value = self.attrs.get(name, default)
        return default if value is None and default is not None else value

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                for n in c.iter():
                    yield n

    def find_all(self, tag=None, **attrs):
        out = []
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            if all(n._matches(k, v) for k, v in attrs.items()):
                out.append(n)
        return out

    def _matches(self, key, want):
        """class_ matches one of the classes; other names (for_ for "for") the whole value."""
        if key == "class_":
            return want in self.classes()
        name = key.rstrip("_")
        if want is True:
            return name in self.attrs
        return self.attrs.get(name) == want

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def element_children(self, tag=None):
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]

    def text(self, skip_explain=False):
        """Text content; skip_explain leaves out the glossary explanations."""
        parts = []
        for c in self.children:
            if isinstance(c, Node):
                if skip_explain and "explain" in c.classes():
                    continue
                parts.append(c.text(skip_explain))
            else:
                parts.append(c)
        return "".join(parts)

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent

    def __repr__(self):
        return "<%s %r>" % (self.tag, self.attrs)


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(raw):
    b = TreeBuilder()
    b.feed(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    b.close()
    return b.root


def squash(text):
    """Text without any white space, to compare words across line breaks."""
    return re.sub(r"\s+", "", text or "")


def next_siblings(node):
    """The element siblings after node, up to the next heading of the same or a higher level."""
    siblings = node.parent.element_children()
    i = siblings.index(node)
    level = int(node.tag[1]) if re.match(r"^h[1-6]$", node.tag) else 7
    out = []
    for s in siblings[i + 1:]:
        if re.match(r"^h[1-6]$", s.tag) and int(s.tag[1]) <= level:
            break
        out.append(s)
    return out


# ---------------------------------------------------------------------------
# the tests
# ---------------------------------------------------------------------------


class PagesBase(unittest.TestCase):
    """One demo server for the module; products of every kind found through the API."""

    env = None
    srv = None
    products = {}
    pick = {}
    hostile = None
    pages_seen = {}

    @classmethod
    def setUpClass(cls):
        if PagesBase.env is not None:
            return
        env = H.Env()
        PagesBase.env = env
        PagesBase.srv = env.start_server(extra=["--demo"])
        listing = H.http_request(PagesBase.srv.port, "GET", "/api/v1/products?per_page=100")
        assert listing.status == 200, listing
        for item in listing.json["items"]:
            regno = item["registration_no"]
            r = H.http_request(PagesBase.srv.port, "GET", "/api/v1/products/" + regno)
            assert r.status == 200, r
            PagesBase.products[regno] = r.json
        cls._pick()
        cls._register_hostile()

    @classmethod
    def _pick(cls):
        ps = sorted(PagesBase.products.values(), key=lambda p: p["registration_no"])

        def first(pred):
            for p in ps:
                if pred(p):
                    return p
            return None

        flags = lambda p: {f["code"] for f in p.get("flags") or []}  # noqa: E731
        pick = PagesBase.pick
        pick["multi"] = first(lambda p: p["latest_version"] >= 2 and p["on_sale"])
        pick["medical"] = first(lambda p: p["category"] == "medical" and p["on_sale"]
                                and p.get("reimbursement_pct") is not None)
        pick["medical2"] = first(lambda p: p["category"] == "medical" and p["on_sale"]
                                 and p["registration_no"] != pick["medical"]["registration_no"])
        pick["accident"] = first(lambda p: p["category"] == "accident" and p["on_sale"])
        pick["fixed_sum"] = first(lambda p: p["category"] in ("critical_illness", "term_life"))
        pick["withdrawn"] = first(lambda p: p.get("withdrawal") and not p["on_sale"]
                                  and p.get("suspension") is None and "solvency_inadequate" not in flags(p))
        pick["suspended"] = first(lambda p: p.get("suspension") is not None)
        pick["inadequate"] = first(lambda p: "solvency_inadequate" in flags(p))
        pick["not_lower"] = first(lambda p: "premium_rate_not_lower" in flags(p))
        for k, v in pick.items():
            assert v is not None, "the demo data has no product of the kind %r" % k

    @classmethod
    def _register_hostile(cls):
        ins = PagesBase.env.add_insurer("黑客测试<script>保险股份有限公司", "测试\"保险")
        name = '<script>alert(1)</script>"双引号\'单引号&amp;' + "长" * 20
        body = H.valid_product(
            name=name,
            summary=('简介里有"双引号"、\'单引号\'和<b>尖括号</b>，都要原样显示。' + "这是很长的一句话" * 20),
            covered=['<img src=x onerror=alert(1)>看病的钱' + "报销" * 80],
            not_covered=['"不赔"<script>alert(2)</script>' + "情况" * 60, "打架受伤不赔。"],
            claim={"how": '打电话"报案"</p><p>再交材料。', "documents": ["<身份证>", "发票"], "settle_days": 10},
        )
        r = H.http_request(PagesBase.srv.port, "POST", "/api/v1/products", body, key=ins["key"])
        assert r.status == 201, r
        PagesBase.hostile = {"regno": r.json["registration_no"], "body": body, "insurer": ins}

    @classmethod
    def tearDownClass(cls):
        pass

    # helpers ---------------------------------------------------------------
    def get(self, path, **kw):
        if not self.srv.running():
            self.fail("the server died: %s" % self.srv.death_note())
        return H.http_request(self.srv.port, "GET", path, **kw)

    def page(self, path, status=200, **kw):
        r = self.get(path, **kw)
        self.assertEqual(r.status, status, "%s: %r" % (path, r))
        self.assertIn("text/html", r.header("Content-Type") or "", path)
        PagesBase.pages_seen[path] = r.raw
        return parse(r.raw), r

    def page_with_host(self, path, host):
        """GET with exactly this Host header (the harness's client adds its own)."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=15)
        try:
            conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host)
            conn.endheaders()
            r = conn.getresponse()
            raw = r.read()
            self.assertEqual(r.status, 200, path)
        finally:
            conn.close()
        PagesBase.pages_seen[path] = raw
        return parse(raw), raw

    def twin(self, path, status=200):
        u = urllib.parse.urlsplit(path)
        r = self.get(u.path + ".json" + ("?" + u.query if u.query else ""))
        self.assertEqual(r.status, status, r)
        self.assertIn("application/json", r.header("Content-Type") or "")
        self.assertIsInstance(r.json, dict, r)
        return r.json

    def assertPageSane(self, doc, raw, path):
        h1s = doc.find_all("h1")
        self.assertEqual(len(h1s), 1, "%s: %d h1" % (path, len(h1s)))
        levels = [int(n.tag[1]) for n in doc.iter() if re.match(r"^h[1-6]$", n.tag)]
        self.assertEqual(levels[0], 1, path)
        for a, b in zip(levels, levels[1:]):
            self.assertLessEqual(b, a + 1, "%s: heading h%d after h%d" % (path, b, a))
        self.assertEqual(len(doc.find_all("main", id="main")), 1, path)
        text = raw.decode("utf-8")
        self.assertNotIn("¥", text, path)
        self.assertNotIn("￥", text, path)
        self.assertIsNone(re.search(r"<[a-z][^>]*\sstyle=", text), "%s: inline style attribute" % path)
        self.assertNotIn("<script", text, path)
        self.assertNotIn("javascript:", text, path)
        for t in doc.find_all("time"):
            self.assertRegex(t.get("datetime") or "", r"^\d{4}-\d{2}-\d{2}$", path)
            self.assertRegex(t.text().strip(), DATE_ZH_RE, path)
        for inp in doc.find_all("input"):
            if inp.get("type") in ("hidden", "submit"):
                continue
            labels = [lab for lab in doc.find_all("label") if lab.get("for") == inp.get("id")]
            self.assertTrue(inp.get("id") and labels, "%s: input without a label: %r" % (path, inp))
        ids = [n.get("id") for n in doc.iter() if n.get("id")]
        self.assertEqual(len(ids), len(set(ids)), "%s: duplicate ids" % path)
        for n in doc.iter():
            for ref in (n.get("aria-describedby") or "").split() + (n.get("aria-labelledby") or "").split():
                self.assertIn(ref, ids, "%s: aria reference to missing id %s" % (path, ref))
            tab = n.get("tabindex")
            if tab is not None:
                self.assertLessEqual(int(tab), 0, path)

    def key_fact_items(self, doc):
        box = doc.find("section", class_="key-facts")
        self.assertIsNotNone(box, "no key-facts section")
        items = []
        for div in box.find_all("div"):
            keys = [c[len("fact-"):] for c in div.classes() if c.startswith("fact-")]
            if "fact" in div.classes() and keys:
                items.append((keys[0], div.find("dt"), div.find("dd")))
        return items


class TestProductPage(PagesBase):

    def check_product(self, regno, path=None):
        path = path or "/products/" + regno
        doc, r = self.page(path)
        self.assertPageSane(doc, r.raw, path)
        view = self.twin(path)
        api = self.products.get(regno)
        return doc, r, view, api

    def test_key_facts_fixed_order_and_twin(self):
        for kind in ("medical", "accident", "fixed_sum", "multi"):
            p = self.pick[kind]
            doc, r, view, api = self.check_product(p["registration_no"])
            items = self.key_fact_items(doc)
            keys = [k for k, _, _ in items]
            self.assertEqual(keys, [k for k in KEY_FACT_ORDER if k in keys], "%s: order %s" % (kind, keys))
            for k in KEY_FACTS_ALWAYS:
                self.assertIn(k, keys, kind)
            if p.get("reimbursement_pct") is not None:
                self.assertIn("reimbursement", keys)
            if p.get("cooling_off_days") is not None:
                self.assertIn("cooling_off", keys)
            # The key facts box comes first in main: before 简单介绍 and every other h2.
            h2s = doc.find_all("h2")
            self.assertEqual(squash(h2s[0].text()), "最要紧的几件事", kind)
            # the .json twin: same keys in the same order, every value in the HTML
            self.assertEqual([f["key"] for f in view["key_facts"]], keys)
            for (k, dt, dd), fact in zip(items, view["key_facts"]):
                self.assertIn(squash(fact["value"]), squash(dd.text(skip_explain=True)), "%s %s" % (kind, k))
                self.assertEqual(squash(fact["label"]), squash(dt.text(skip_explain=True)))
                joined = "".join(s.get("text", s.get("term", "")) for s in fact["terms"])
                self.assertEqual(joined, fact["value"], "terms must join back to the value")
            self.assertEqual(squash(doc.find("h1").text()), squash(view["name"]))
            self.assertEqual(view["name"], api["name"])
            self.assertEqual(view["page"]["h1"], api["name"])

    def test_key_fact_words(self):
        p = self.pick["medical"]
        doc, r, view, api = self.check_product(p["registration_no"])
        facts = {f["key"]: f["value"] for f in view["key_facts"]}
        self.assertIn("每年", facts["premium"])
        self.assertIn("元", facts["premium"])
        self.assertTrue(facts["sum_insured"].startswith("最高赔 "), facts["sum_insured"])
        if api["deductible_yuan"] > 0:
            self.assertIn("先自己付", facts["deductible"])
            self.assertIn("免赔额", facts["deductible"])
        else:
            self.assertIn("没有免赔额", facts["deductible"])
        if api["waiting_period_days"] > 0:
            self.assertIn("%d 天内生病不赔" % api["waiting_period_days"], facts["waiting_period"])
        else:
            self.assertIn("没有等待期", facts["waiting_period"])
        self.assertIn("%d 天内赔钱" % api["claim"]["settle_days"], facts["claim"])
        for doc_name in api["claim"]["documents"]:
            self.assertIn(doc_name, facts["claim"])
        # a glossary word is explained in words (dfn + explanation) on the page
        dfns = [squash(d.text()) for d in doc.find_all("dfn")]
        if api["deductible_yuan"] > 0:
            self.assertIn("免赔额", dfns)
        self.assertTrue(doc.find_all("span", class_="explain"), "no glossary explanation on the page")
        self.assertEqual(len(dfns), len(set(dfns)), "a glossary word explained twice: %s" % dfns)

    def test_not_covered_is_a_visible_list_under_its_heading(self):
        for kind in ("medical", "accident", "withdrawn"):
            p = self.pick[kind]
            doc, r, view, api = self.check_product(p["registration_no"])
            heads = [h for h in doc.find_all("h2") if squash(h.text()) == "不赔的情况（责任免除）"]
            self.assertEqual(len(heads), 1, kind)
            lists = [n for n in next_siblings(heads[0]) if n.tag == "ul"]
            self.assertEqual(len(lists), 1, kind)
            ul = lists[0]
            for a in [ul] + list(ul.ancestors()):
                self.assertNotEqual(a.tag, "details", "不赔的情况 inside <details>")
                self.assertNotIn("hidden", a.attrs)
                self.assertNotEqual(a.get("aria-hidden"), "true")
            lis = ul.element_children("li")
            self.assertEqual(len(lis), len(api["not_covered"]), kind)
            for li, want in zip(lis, api["not_covered"]):
                self.assertEqual(squash(li.text(skip_explain=True)), squash(want))
            self.assertEqual([x["value"] for x in view["not_covered"]], api["not_covered"])

    def test_sections_in_order(self):
        p = self.pick["medical"]
        doc, r, view, api = self.check_product(p["registration_no"])
        h2 = [squash(h.text()) for h in doc.find_all("h2")]
        want = ["最要紧的几件事", "保什么", "不赔的情况（责任免除）", "一年大约要花多少钱", "和普通保险比，便宜吗",
                "保险公司靠不靠得住", "怎么买", "不满意怎么办", "修改记录", "登记信息", "扫码打开这一页",
                "和其他产品比一比"]
        positions = [h2.index(w) for w in want]
        self.assertEqual(positions, sorted(positions), h2)

    def test_yearly_cost_table(self):
        p = self.pick["medical"]
        doc, r, view, api = self.check_product(p["registration_no"])
        table = doc.find("table", class_="estimate")
        self.assertIsNotNone(table)
        self.assertTrue(squash(table.find("caption").text()))
        region = table.parent
        self.assertEqual(region.get("role"), "region")
        self.assertEqual(region.get("tabindex"), "0")
        self.assertTrue(region.get("aria-label") or region.get("aria-labelledby"))
        cols = table.find("thead").find_all("th", scope="col")
        self.assertEqual(len(cols), 5)
        rows = table.find("tbody").find_all("tr")
        self.assertEqual(len(rows), 3)
        for row in rows:
            self.assertEqual(len(row.find_all("th", scope="row")), 1)
            self.assertEqual(len(row.find_all("td")), 4)
            for td in row.find_all("td"):
                self.assertRegex(td.text().strip(), r"元$")
        self.assertEqual(len(view["estimate"]["rows"]), 3)
        self.assertIn(squash(view["estimate"]["basis"]["value"]), squash(doc.text(skip_explain=True)))
        # a product that pays a fixed sum says why only the premium counts
        doc2, _, view2, _ = self.check_product(self.pick["fixed_sum"]["registration_no"])
        self.assertIsNone(doc2.find("table", class_="estimate"))
        self.assertIn("只算保费", squash(doc2.text(skip_explain=True)))

    def test_rate_comparison_in_words(self):
        p = self.pick["medical"]
        doc, r, view, api = self.check_product(p["registration_no"])
        text = squash(doc.text(skip_explain=True))
        self.assertRegex(text, r"比普通同类产品低\d+%")
        p = self.pick["not_lower"]
        doc, r, view, api = self.check_product(p["registration_no"])
        text = squash(doc.text(skip_explain=True))
        self.assertIn(squash(api["premium_rate"]["reason"]), text)
        self.assertIn("保险公司的说明", text)
        self.assertIn("注意", text)
        item = [c for c in view["comparison"] if c["key"] == "premium_rate"][0]
        self.assertFalse(item["lower"])
        self.assertEqual(item["flag"]["code"], "premium_rate_not_lower")

    def test_solvency_buy_and_complaints(self):
        p = self.pick["medical"]
        doc, r, view, api = self.check_product(p["registration_no"])
        text = squash(doc.text(skip_explain=True))
        self.assertIn("年第", text)  # the quarter in words
        links = [a.get("href") for a in doc.find_all("a")]
        self.assertIn("/insurers/%d" % api["insurer"]["id"], links)
        self.assertIn("tel:" + api["hotline"], links)
        self.assertIn("tel:12378", links)
        if api.get("purchase_url"):
            a = [x for x in doc.find_all("a") if x.get("href") == api["purchase_url"]]
            self.assertTrue(a and squash(a[0].text()), "the purchase link needs visible text")

    def test_status_words(self):
        cases = [("withdrawn", "已停售"), ("suspended", "暂停销售"), ("inadequate", "偿付能力不足"),
                 ("medical", "在售")]
        for kind, words in cases:
            p = self.pick[kind]
            doc, r, view, api = self.check_product(p["registration_no"])
            self.assertIn(words, squash(doc.text(skip_explain=True)), kind)
        # a product that cannot be bought shows no purchase link
        p = self.pick["inadequate"]
        doc, r, view, api = self.check_product(p["registration_no"])
        if api.get("purchase_url"):
            self.assertNotIn(api["purchase_url"], [a.get("href") for a in doc.find_all("a")])
        self.assertIn("现在不能买", squash(doc.text()))

    def test_old_version(self):
        p = self.pick["multi"]
        regno = p["registration_no"]
        latest = p["latest_version"]
        doc, r, view, api = self.check_product(regno, "/products/%s/versions/1" % regno)
        self.assertIn("这是旧版本", squash(doc.text()))
        self.assertIn("/products/" + regno, [a.get("href") for a in doc.find_all("a")])
        self.assertEqual(view["version"], 1)
        self.assertEqual(view["old_version"]["latest_version"], latest)
        versions = doc.find("ol", class_="versions")
        self.assertEqual(len(versions.element_children("li")), latest)
        hrefs = [a.get("href") for a in versions.find_all("a")]
        for n in range(2, latest):
            self.assertIn("/products/%s/versions/%d" % (regno, n), hrefs)
        self.assertIn("/products/%s" % regno, hrefs)
        # the latest page: no old-version notice, every older version linked
        doc2, _, view2, _ = self.check_product(regno)
        self.assertNotIn("这是旧版本", squash(doc2.text()))
        self.assertIsNone(view2["old_version"])
        hrefs = [a.get("href") for a in doc2.find("ol", class_="versions").find_all("a")]
        for n in range(1, latest):
            self.assertIn("/products/%s/versions/%d" % (regno, n), hrefs)
        # a version's facts are that version's
        v1 = self.get("/api/v1/products/%s/versions/1" % regno)
        if v1.status == 200:
            self.assertEqual(view["product"]["not_covered"], v1.json["not_covered"])

    def test_record_and_qr(self):
        p = self.pick["medical"]
        regno = p["registration_no"]
        doc, raw = self.page_with_host("/products/" + regno, "puhui.example")
        text = squash(doc.text())
        self.assertIn(regno, text)
        self.assertIn("内容指纹", text)
        self.assertIn(self.products[regno]["body_sha256"], text)
        self.assertIn("第%d条" % self.products[regno]["log_index"], text)
        svg = doc.find("svg")
        self.assertIsNotNone(svg)
        self.assertEqual(svg.get("role"), "img")
        self.assertTrue(svg.get("aria-label"))
        self.assertIn("https://puhui.example/products/" + regno, text)
        doc, raw = self.page_with_host("/products/" + regno, "127.0.0.1:%d" % self.srv.port)
        self.assertEqual(doc.find("span", class_="page-url").text(),
                         "http://127.0.0.1:%d/products/%s" % (self.srv.port, regno))
        for bad in ('evil"><x>', "a@b", "x/y", "a b", ""):
            doc, raw = self.page_with_host("/products/" + regno, bad)
            url = doc.find("span", class_="page-url").text()
            self.assertEqual(url, "/products/" + regno, bad)

    def test_compare_form_on_product_page(self):
        p = self.pick["medical"]
        doc, r = self.page("/products/" + p["registration_no"])
        forms = [f for f in doc.find_all("form") if f.get("action") == "/compare"]
        self.assertEqual(len(forms), 1)
        f = forms[0]
        self.assertEqual((f.get("method") or "get").lower(), "get")
        hidden = f.find("input", type="hidden")
        self.assertEqual(hidden.get("name"), "p")
        self.assertEqual(hidden.get("value"), p["registration_no"])
        text = f.find("input", type="text")
        self.assertEqual(text.get("name"), "p")
        self.assertTrue(doc.find("label", for_=text.get("id")))

    def test_not_found(self):
        regno = self.pick["multi"]["registration_no"]
        for path in ("/products/PH-2000-999999", "/products/nonsense", "/products/%s/versions/99" % regno,
                     "/products/%s/versions/0" % regno, "/products/%3Cscript%3E"):
            doc, r = self.page(path, status=404)
            self.assertPageSane(doc, r.raw, path)
            self.assertTrue(squash(doc.find("main").text()), path)
            twin = self.twin(path, status=404)
            self.assertTrue(twin.get("what"), path)
        doc, r = self.page("/products/%s/versions/99" % regno, status=404)
        self.assertIn("没有第99版", squash(doc.text()))


class TestComparePage(PagesBase):

    def compare(self, regnos, status=200, raw_query=None):
        query = raw_query if raw_query is not None else urllib.parse.urlencode([("p", x) for x in regnos])
        path = "/compare" + ("?" + query if query else "")
        doc, r = self.page(path, status=status)
        self.assertPageSane(doc, r.raw, path)
        return doc, r, path

    def check_table(self, doc, regnos):
        table = doc.find("table", class_="compare")
        self.assertIsNotNone(table, "no table.compare")
        self.assertEqual(len(doc.find_all("table", class_="compare")), 1)
        self.assertTrue(squash(table.find("caption").text()), "empty caption")
        region = table.parent
        self.assertEqual(region.get("role"), "region")
        self.assertEqual(region.get("tabindex"), "0")
        self.assertTrue(region.get("aria-label") or region.get("aria-labelledby"))
        head = table.find("thead").find_all("tr")
        self.assertEqual(len(head), 1)
        cols = head[0].find_all("th", scope="col")
        self.assertEqual(len(cols), len(regnos) + 1)
        for th, regno in zip(cols[1:], regnos):
            a = th.find("a")
            self.assertEqual(a.get("href"), "/products/" + regno)
            self.assertIn(squash(self.products.get(regno, {}).get("name", "")), squash(a.text()))
        rows = table.find("tbody").find_all("tr")
        keys = []
        for row in rows:
            ths = row.find_all("th")
            self.assertEqual(len(ths), 1)
            self.assertEqual(ths[0].get("scope"), "row")
            self.assertEqual(len(row.find_all("td")), len(regnos), "every row has one cell per product")
            self.assertTrue(squash(ths[0].text()))
            keys += [c[len("row-"):] for c in row.classes() if c.startswith("row-")]
        self.assertEqual(keys, COMPARE_ROW_ORDER)
        labels = [squash(r.find("th").text(skip_explain=True)) for r in rows]
        self.assertIn("一年大约要花多少钱", labels)
        self.assertIn("不赔的情况", labels)
        return table

    def test_two_products(self):
        a, b = self.pick["medical"]["registration_no"], self.pick["accident"]["registration_no"]
        doc, r, path = self.compare([a, b])
        table = self.check_table(doc, [a, b])
        diff_head = [h for h in doc.find_all("h2") if squash(h.text()) == "差别在哪里"]
        self.assertEqual(len(diff_head), 1)
        items = doc.find("ul", class_="differences").element_children("li")
        self.assertTrue(items, "two different products, no differences said")
        pa, pb = self.products[a], self.products[b]
        if pa["premium_yuan_per_year"]["min"] != pb["premium_yuan_per_year"]["min"]:
            self.assertTrue(any("便宜" in li.text() for li in items))
        # not-covered cells list every item
        nc = [row for row in table.find("tbody").find_all("tr") if "row-not_covered" in row.classes()][0]
        for td, regno in zip(nc.find_all("td"), [a, b]):
            self.assertEqual(len(td.find_all("li")), len(self.products[regno]["not_covered"]))
        # the twin has the same facts as the table
        view = self.twin(path)
        self.assertEqual([c["registration_no"] for c in view["table"]["columns"]], [a, b])
        self.assertEqual([row["key"] for row in view["table"]["rows"]], COMPARE_ROW_ORDER)
        html_rows = table.find("tbody").find_all("tr")
        for row, hrow in zip(view["table"]["rows"], html_rows):
            for cell, td in zip(row["cells"], hrow.find_all("td")):
                self.assertIn(squash(cell["value"]), squash(td.text(skip_explain=True)))
        for d, li in zip(view["differences"], items):
            self.assertEqual(squash(d["value"]), squash(li.text(skip_explain=True)))
        for prod in view["products"]:
            page_facts = {f["key"]: f["value"] for f in self.twin("/products/" + prod["registration_no"])["key_facts"]}
            for k, v in prod["facts"].items():
                if v is not None:
                    self.assertEqual(v, page_facts[k], "compare and product page disagree on %s" % k)

    def test_three_products(self):
        regnos = [self.pick[k]["registration_no"] for k in ("medical", "medical2", "accident")]
        doc, r, path = self.compare(regnos)
        self.check_table(doc, regnos)
        self.assertTrue(doc.find("ul", class_="differences").element_children("li"))
        # lenient input: lower case, full width, no dashes
        odd = [regnos[0].lower(), regnos[1].replace("-", ""),
               "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in regnos[2])]
        doc, r, path = self.compare(odd)
        self.check_table(doc, regnos)

    def test_empty_and_one(self):
        doc, r, path = self.compare([])
        self.assertIsNone(doc.find("table", class_="compare"))
        form = [f for f in doc.find_all("form") if f.get("action") == "/compare"][0]
        inputs = form.find_all("input", name="p")
        self.assertEqual(len(inputs), 3)
        self.assertIsNone(doc.find("div", class_="error-summary"))
        self.assertFalse(doc.find("title").text().startswith("错误"))
        self.assertIn("还没有选产品", squash(doc.text()))
        a = self.pick["medical"]["registration_no"]
        doc, r, path = self.compare([a])
        self.assertIsNone(doc.find("table", class_="compare"))
        self.assertIn("只选了一个产品", squash(doc.text()))
        self.assertIn("/products/" + a, [x.get("href") for x in doc.find_all("a")])
        # the product page's form sent with its box left empty: the error pattern
        doc, r, path = self.compare(None, status=400, raw_query="p=%s&p=" % a)
        self.assertErrorPattern(doc, {"p2": ""})

    def assertErrorPattern(self, doc, fields):
        """ACCESSIBILITY.md 18: title 错误：, a summary linking to each field, the
        message next to the field and tied by aria-describedby, aria-invalid, values kept."""
        self.assertTrue(doc.find("title").text().startswith("错误："), doc.find("title").text())
        summary = doc.find("div", class_="error-summary")
        self.assertIsNotNone(summary)
        self.assertIn("出现问题", summary.text())
        links = [a.get("href") for a in summary.find_all("a")]
        main_children = doc.find("main").element_children()
        self.assertIs(main_children[1], summary, "the error summary is at the top, after the h1")
        for field, value in fields.items():
            self.assertIn("#" + field, links)
            inp = doc.find("input", id=field)
            self.assertIsNotNone(inp, field)
            self.assertEqual(inp.get("aria-invalid"), "true", field)
            err = doc.find(id=field + "-error")
            self.assertIsNotNone(err, field)
            self.assertIn(field + "-error", (inp.get("aria-describedby") or "").split())
            self.assertEqual(inp.get("value") or "", value, "the typed value is kept")
            self.assertTrue(squash(err.text()))

    def test_unknown_and_malformed(self):
        a = self.pick["medical"]["registration_no"]
        b = self.pick["accident"]["registration_no"]
        doc, r, path = self.compare([a, "PH-2000-999999"], status=400)
        self.assertErrorPattern(doc, {"p2": "PH-2000-999999"})
        self.assertIn("PH-2000-999999", squash(doc.find(id="p2-error").text()))
        bad = '"><script>alert(1)</script>'
        doc, r, path = self.compare([a, b, bad], status=400)
        self.assertErrorPattern(doc, {"p3": bad})
        self.assertNotIn("<script>alert(1)", r.raw.decode("utf-8"))
        # the two good ones are still compared
        self.check_table(doc, [a, b])
        doc, r, path = self.compare([a, a], status=400)
        self.assertErrorPattern(doc, {"p2": a})
        twin = self.twin(path, status=400)
        self.assertTrue(twin["page"]["has_errors"])
        self.assertEqual([e["field"] for e in twin["errors"]], ["p2"])

    def test_four_products(self):
        regnos = [self.pick[k]["registration_no"] for k in ("medical", "medical2", "accident", "fixed_sum")]
        doc, r, path = self.compare(regnos, status=400)
        self.assertErrorPattern(doc, {"p4": regnos[3]})
        form = [f for f in doc.find_all("form") if f.get("action") == "/compare"][0]
        self.assertEqual([i.get("value") for i in form.find_all("input", name="p")], regnos)
        # far too many: refused with a message, nothing crashes
        many = "&".join("p=PH-2026-%06d" % i for i in range(1, 40))
        doc, r, path = self.compare(None, status=400, raw_query=many)
        self.assertIsNotNone(doc.find("div", class_="error-summary"))
        long_query = "p=" + "A" * 5000
        doc, r, path = self.compare(None, status=400, raw_query=long_query)
        self.assertIsNotNone(doc.find("div", class_="error-summary"))


class TestInsurerPage(PagesBase):

    def test_insurer(self):
        p = self.pick["medical"]
        iid = p["insurer"]["id"]
        api = self.get("/api/v1/insurers/%d" % iid).json
        path = "/insurers/%d" % iid
        doc, r = self.page(path)
        self.assertPageSane(doc, r.raw, path)
        self.assertEqual(squash(doc.find("h1").text()), squash(api["name"]))
        text = squash(doc.text(skip_explain=True))
        self.assertIn(squash(api["short_name"]), text)
        self.assertIn(squash(api["type_zh"]), text)
        self.assertIn("年第", text)
        self.assertIn("偿付能力充足", text)
        hrefs = [a.get("href") for a in doc.find_all("a")]
        if api.get("website"):
            self.assertIn(api["website"], hrefs)
        if api.get("hotline"):
            self.assertIn("tel:" + api["hotline"], hrefs)
        listed = doc.find("ul", class_="insurer-products")
        self.assertEqual(len(listed.element_children("li")), len(api["products"]))
        for prod in api["products"]:
            self.assertIn("/products/" + prod["registration_no"], hrefs)
        view = self.twin(path)
        self.assertEqual(view["name"], api["name"])
        for prod, li in zip(view["products"], listed.element_children("li")):
            self.assertIn(squash(prod["status"]), squash(li.text()))
            self.assertIn(squash(prod["name"]), squash(li.text()))

    def test_inadequate_insurer(self):
        p = self.pick["inadequate"]
        path = "/insurers/%d" % p["insurer"]["id"]
        doc, r = self.page(path)
        self.assertPageSane(doc, r.raw, path)
        text = squash(doc.text(skip_explain=True))
        self.assertIn("偿付能力不足", text)
        self.assertIn("注意", text)
        self.assertIn("暂时不能买", text)

    def test_not_found(self):
        for path in ("/insurers/999999", "/insurers/abc", "/insurers/0", "/insurers/-1"):
            doc, r = self.page(path, status=404)
            self.assertPageSane(doc, r.raw, path)
            self.twin(path, status=404)


class TestHostileProduct(PagesBase):

    def test_product_page_escapes(self):
        h = self.hostile
        path = "/products/" + h["regno"]
        doc, r = self.page(path)
        self.assertPageSane(doc, r.raw, path)
        raw = r.raw.decode("utf-8")
        self.assertNotIn("<script>alert", raw)
        self.assertNotIn("<img src=x", raw)
        self.assertNotIn("<b>尖括号", raw)
        self.assertEqual(doc.find("h1").text(), h["body"]["name"])
        self.assertIn(html.escape("<script>alert(1)</script>", quote=False), raw)
        self.assertTrue(doc.find("title").text().startswith(h["body"]["name"]))
        view = self.twin(path)
        self.assertEqual(view["name"], h["body"]["name"])
        for fact in view["key_facts"]:
            self.assertIn(squash(fact["value"]), squash(doc.text(skip_explain=True)), fact["key"])
        self.assertIn(squash(h["body"]["summary"]), squash(doc.text(skip_explain=True)))
        lis = [squash(li.text(skip_explain=True)) for li in doc.find("ul", class_="not-covered").element_children("li")]
        self.assertEqual(lis, [squash(x) for x in h["body"]["not_covered"]])

    def test_compare_and_insurer_escape(self):
        h = self.hostile
        a = self.pick["medical"]["registration_no"]
        path = "/compare?" + urllib.parse.urlencode([("p", h["regno"]), ("p", a)])
        doc, r = self.page(path)
        self.assertPageSane(doc, r.raw, path)
        self.assertNotIn("<script>alert", r.raw.decode("utf-8"))
        th = doc.find("table", class_="compare").find("thead").find_all("th", scope="col")[1]
        self.assertIn(squash(h["body"]["name"]), squash(th.text()))
        path = "/insurers/%d" % h["insurer"]["id"]
        doc, r = self.page(path)
        self.assertPageSane(doc, r.raw, path)
        self.assertNotIn("<script>", r.raw.decode("utf-8"))
        self.assertIn("/products/" + h["regno"], [x.get("href") for x in doc.find_all("a")])


class TestHtmlChecker(PagesBase):
    """Every page type through the libxml2 HTML checker's CLI, when it is built."""

    def test_check_html(self):
        if not (os.path.isfile(CHECK_HTML) and os.access(CHECK_HTML, os.X_OK)):
            self.skipTest("the HTML checker CLI is not built (looked for %s; tests/tools/check_html.c, "
                          "or set PUHUI_CHECK_HTML)" % CHECK_HTML)
        m = self.pick["medical"]["registration_no"]
        multi = self.pick["multi"]["registration_no"]
        acc = self.pick["accident"]["registration_no"]
        paths = ["/products/" + m, "/products/%s/versions/1" % multi, "/products/" + self.pick["withdrawn"]["registration_no"],
                 "/products/" + self.pick["inadequate"]["registration_no"], "/products/" + self.hostile["regno"],
                 "/compare", "/compare?p=" + m, "/compare?p=%s&p=%s" % (m, acc),
                 "/compare?p=%s&p=%s&p=%s" % (m, acc, self.pick["fixed_sum"]["registration_no"]),
                 "/compare?p=%s&p=PH-2000-999999&p=%%3Cx%%3E" % m, "/insurers/%d" % self.pick["medical"]["insurer"]["id"],
                 "/products/PH-2000-999999", "/insurers/999999"]
        failures = []
        with tempfile.TemporaryDirectory(prefix="puhui-check-") as tmp:
            for i, path in enumerate(paths):
                r = self.get(path)
                name = os.path.join(tmp, "page%02d.html" % i)
                with open(name, "wb") as f:
                    f.write(r.raw)
                p = subprocess.run([CHECK_HTML, name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
                if p.returncode != 0:
                    failures.append("%s (exit %d):\n%s" % (path, p.returncode, p.stdout.decode("utf-8", "replace")[:3000]))
        self.assertFalse(failures, "\n\n".join(failures))


def tearDownModule():
    if PagesBase.env is not None:
        PagesBase.env.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
