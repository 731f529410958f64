#!/usr/bin/env python3
"""Black-box tests of the product search, GET /api/v1/products (docs/API.md, Search).

One server with the demo data (`puhui serve --demo`).  Every filter is checked against the
products themselves (read through GET /api/v1/products/{no}), every facet count against the
total of the same search with that value as a filter, and hostile text must never reach FTS5.
"""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

SEARCH = "/api/v1/products"
FACETS = ("category", "group", "preexisting", "questionnaire", "insurer", "on_sale")
# What a search answer may say about itself; anything mentioning the engine is a leak.
ENGINE_WORDS = ("fts5", "syntax error", "no such column", "malformed match", "unterminated string", "sqlite_")


def openapi_required():
    """Required keys of the search answer's schemas, from the OpenAPI document."""
    with open(os.path.join(H.PUBLIC, "api", "openapi.json"), encoding="utf-8") as f:
        schemas = json.load(f)["components"]["schemas"]
    return {name: schemas[name]["required"] for name in ("SearchResult", "SearchItem", "SearchUnderstood")}


REQUIRED = openapi_required()


def qs(**params):
    """A query string from keyword arguments (UTF-8, %-encoded); bytes pass raw."""
    parts = []
    for k, v in params.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        if isinstance(v, bytes):
            parts.append("%s=%s" % (k, urllib.parse.quote_from_bytes(v, safe="")))
        else:
            parts.append("%s=%s" % (k, urllib.parse.quote(str(v), safe="")))
    return SEARCH + ("?" + "&".join(parts) if parts else "")


def product_text(p):
    """The searchable text of a product, as the issue lists it."""
    ins = p.get("insurer") or {}
    claim = p.get("claim") or {}
    pieces = [p.get("name", ""), ins.get("name", ""), ins.get("short_name", ""), p.get("summary", ""),
              claim.get("how", "")]
    pieces += p.get("covered") or []
    pieces += p.get("not_covered") or []
    return "\n".join(x for x in pieces if x)


def region_matches(product_regions, wanted):
    """A product sold in product_regions is found by a search for region `wanted`:
    nationwide, the same code, a province or city containing it, or a place inside it."""
    prov, city = wanted[:2] + "0000", wanted[:4] + "00"
    for r in product_regions:
        if r in ("000000", wanted, prov, city):
            return True
        if wanted.endswith("0000") and r[:2] == wanted[:2]:
            return True
        if wanted.endswith("00") and r[:4] == wanted[:4]:
            return True
    return False


class SearchBase(unittest.TestCase):
    """One demo server per class; every product's details read once."""

    @classmethod
    def setUpClass(cls):
        cls.keys = sorted(H.start_demo(cls).items())
        r = H.http_request(cls.port, "GET", qs(per_page=100))
        if r.status != 200 or not isinstance(r.json, dict):
            raise AssertionError("search of everything failed: %r" % r)
        cls.all_total = r.json["total"]
        cls.products = {}
        for item in r.json["items"]:
            no = item["registration_no"]
            d = H.http_request(cls.port, "GET", "/api/v1/products/" + no)
            if d.status != 200:
                raise AssertionError("GET product %s: %r" % (no, d))
            cls.products[no] = d.json

    def setUp(self):
        if not self.srv.running():
            self.fail("server is gone: %s" % self.srv.death_note())

    # helpers -------------------------------------------------------------
    def get(self, path, **kw):
        return H.http_request(self.port, "GET", path, **kw)

    def search(self, **params):
        r = self.get(qs(**params))
        self.assertEqual(r.status, 200, "%s: %r" % (qs(**params), r))
        self.assertSane(r.json, params)
        return r.json

    def search_all(self, **params):
        """Every matching item over all pages (per_page 100)."""
        params = dict(params, per_page=100)
        first = self.search(page=1, **params)
        items = list(first["items"])
        page = 2
        while len(items) < first["total"] and page < 50:
            items += self.search(page=page, **params)["items"]
            page += 1
        self.assertEqual(len(items), first["total"], params)
        return first, items

    def nos(self, items):
        return [i["registration_no"] for i in items]

    def assertSane(self, body, params=None):
        """Shape of every search answer (search.h, openapi SearchResult)."""
        what = "search %r" % (params,)
        self.assertIsInstance(body, dict, what)
        for k in REQUIRED["SearchResult"]:
            self.assertIn(k, body, what)
        self.assertIsInstance(body["items"], list, what)
        self.assertLessEqual(len(body["items"]), body["per_page"], what)
        self.assertLessEqual(len(body["items"]), body["total"], what)
        self.assertIn(body["sort"], ("relevance", "premium", "name", "newest"), what)
        self.assertTrue(H.has_cjk(body["sort_zh"]), what)
        nos = self.nos(body["items"])
        self.assertEqual(len(nos), len(set(nos)), "duplicate items: %s" % what)
        for item in body["items"]:
            self.assertRegex(item["registration_no"], H.REG_NO_RE, what)
            for k in REQUIRED["SearchItem"]:
                self.assertIn(k, item, what)
            self.assertIsInstance(item["highlights"], dict, what)
            for field, snippet in item["highlights"].items():
                # HTML-escaped text; the only markup is <mark>...</mark>
                bare = snippet.replace("<mark>", "").replace("</mark>", "")
                self.assertNotIn("<", bare, "%s: unescaped highlight %s=%r" % (what, field, snippet))
                self.assertEqual(snippet.count("<mark>"), snippet.count("</mark>"), snippet)
        for f in FACETS:
            self.assertIn(f, body["facets"], what)
            for v in body["facets"][f]:
                self.assertGreater(v["count"], 0, "%s: facet %s %r" % (what, f, v))
                self.assertIsInstance(v["label_zh"], str, what)
        u = body["understood"]
        for k in REQUIRED["SearchUnderstood"]:
            self.assertIn(k, u, what)
        self.assertIn(u["relaxed"], ("none", "words", "dropped_terms", "characters"), what)
        text = json.dumps(body, ensure_ascii=False).lower()
        typed = json.dumps(params, ensure_ascii=False).lower()
        for w in ENGINE_WORDS:
            if w not in typed:  # the answer may echo what was typed
                self.assertNotIn(w, text, "%s: engine detail in the answer" % what)

    def assertError(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        err = r.error
        self.assertIsNotNone(err, "no error object: %r" % r)
        self.assertEqual(err.get("code"), code, r)
        if field is not None:
            self.assertEqual(err.get("field"), field, r)
        self.assertTrue(H.has_cjk(err.get("message")), "message not Chinese: %r" % r)
        self.assertEqual(r.header("Cache-Control"), "no-store", r)

    def names_of(self, body, n=None):
        items = body["items"] if n is None else body["items"][:n]
        return [i["name"] for i in items]


class TestSearchText(SearchBase):

    def test_everything_without_q(self):
        self.assertEqual(self.all_total, 64)
        self.assertEqual(len(self.products), 64)
        body = self.search()
        self.assertEqual(body["total"], 64)
        self.assertEqual(body["per_page"], 20)
        self.assertEqual(body["page"], 1)
        self.assertEqual(body["sort"], "relevance")

    def test_chinese_word_with_highlights(self):
        body = self.search(q="意外")
        self.assertGreater(body["total"], 0)
        top = body["items"][:5]
        self.assertGreaterEqual(sum(1 for i in top if i["category"] == "accident"), 4, self.names_of(body, 5))
        for item in body["items"]:
            marked = " ".join(item["highlights"].values())
            self.assertIn("<mark>", marked, "no <mark> for %s" % item["name"])
        # every accident product with 意外 in its name is found
        expected = {no for no, p in self.products.items() if "意外" in p["name"]}
        _, items = self.search_all(q="意外")
        self.assertLessEqual(expected, set(self.nos(items)))

    def test_highlight_marks_the_matched_characters(self):
        body = self.search(q="骑手")
        name_hl = [i["highlights"].get("name", "") for i in body["items"] if "骑手" in i["name"]]
        self.assertTrue(name_hl, self.names_of(body))
        self.assertIn("<mark>骑手</mark>", name_hl[0].replace("</mark><mark>", ""))

    def _assert_finds_yiwaixian(self, q):
        body = self.search(q=q)
        top = self.names_of(body, 5)
        self.assertTrue(any("意外险" in n for n in top), "%s: top 5 %r" % (q, top))

    def test_full_pinyin(self):
        self._assert_finds_yiwaixian("yiwaixian")

    def test_split_pinyin(self):
        self._assert_finds_yiwaixian("yi wai xian")

    def test_pinyin_initials(self):
        self._assert_finds_yiwaixian("ywx")

    def test_pinyin_upper_and_full_width(self):
        self._assert_finds_yiwaixian("YiWaiXian")
        self._assert_finds_yiwaixian("ｙｉｗａｉｘｉａｎ")

    def test_traditional_equals_simplified(self):
        trad = self.search_all(q="醫療")[1]
        simp = self.search_all(q="医疗")[1]
        self.assertGreater(len(simp), 0)
        self.assertEqual(set(self.nos(trad)), set(self.nos(simp)))

    def test_full_width_digits_equal_ascii(self):
        full = self.search_all(q="２０２６")[1]
        ascii_ = self.search_all(q="2026")[1]
        self.assertGreater(len(ascii_), 0)
        self.assertEqual(set(self.nos(full)), set(self.nos(ascii_)))

    def _assert_synonym(self, q, others):
        """q finds every product that says q, and products that say only a synonym."""
        _, items = self.search_all(q=q)
        found = set(self.nos(items))
        saying = {no for no, p in self.products.items() if q in product_text(p)}
        self.assertLessEqual(saying, found, "%s: missing %s" % (q, saying - found))
        only_synonym = {no for no, p in self.products.items()
                        if q not in product_text(p) and any(o in product_text(p) for o in others)}
        if only_synonym:
            self.assertTrue(only_synonym & found, "%s: none of %s (synonyms %s) found" % (q, only_synonym, others))

    def test_synonym_huiminbao(self):
        self._assert_synonym("惠民保", ["城市定制型商业医疗保险", "城市普惠险", "城市惠民保", "普惠医疗"])

    def test_synonym_laoren(self):
        self._assert_synonym("老人", ["老年人", "长者", "长辈", "银发"])

    def test_synonym_qishou(self):
        self._assert_synonym("骑手", ["外卖配送员", "外卖员", "快递员", "配送员"])

    def test_phrase_with_age_becomes_filter(self):
        body = self.search(q="75岁老人住院", per_page=100)
        self.assertEqual(body["understood"].get("age"), 75, body["understood"])
        for item in body["items"]:
            self.assertLessEqual(item["age_min"], 75, item["name"])
            self.assertGreaterEqual(item["age_max"], 75, item["name"])

    def test_place_in_text_becomes_filter(self):
        body = self.search(q="杭州 骑手", per_page=100)
        self.assertTrue(body["understood"].get("region"), body["understood"])
        for item in body["items"]:
            p = self.products[item["registration_no"]]
            self.assertTrue(region_matches(p["regions"], "330100"), "%s %s" % (item["name"], p["regions"]))

    def test_nothing_matches_relaxes_and_says_so(self):
        body = self.search(q="意外 鲲鹏鳐鲼")
        u = body["understood"]
        if body["total"] > 0:
            self.assertNotEqual(u["relaxed"], "none", u)
            self.assertTrue(u["unmatched"], u)

    def test_truncated_long_text(self):
        body = self.search(q="意外" * 150)  # 300 characters, 900 bytes
        self.assertTrue(body["understood"]["truncated"], body["understood"])
        self.assertTrue(body["understood"]["terms"], body["understood"])

    def test_long_text_never_means_everything(self):
        # typed text always narrows (or relaxes and says so); it never silently matches all
        for n in (30, 60, 100):
            with self.subTest(characters=2 * n):
                body = self.search(q="意外" * n)
                self.assertTrue(body["understood"]["terms"], body["understood"])
                self.assertLess(body["total"], self.all_total, body["understood"])


class TestSearchFilters(SearchBase):

    FILTERS = [
        ("category", "accident", lambda p: p["category"] == "accident"),
        ("category", "medical", lambda p: p["category"] == "medical"),
        ("group", "elderly", lambda p: "elderly" in p["target_groups"]),
        ("group", "new_agri", lambda p: "new_agri" in p["target_groups"]),
        ("region", "330100", lambda p: region_matches(p["regions"], "330100")),
        ("region", "330000", lambda p: region_matches(p["regions"], "330000")),
        ("region", "510100", lambda p: region_matches(p["regions"], "510100")),
        ("age", 70, lambda p: p["age_min"] <= 70 <= p["age_max"]),
        ("age", 0, lambda p: p["age_min"] <= 0 <= p["age_max"]),
        ("premium_max", 50, lambda p: p["premium_yuan_per_year"]["min"] <= 50),
        ("premium_max", "99.5", lambda p: p["premium_yuan_per_year"]["min"] <= 99.5),
        ("preexisting", "covered", lambda p: p["preexisting_conditions"] == "covered"),
        ("questionnaire", False, lambda p: p["health_questionnaire"] is False),
        ("questionnaire", True, lambda p: p["health_questionnaire"] is True),
        ("insurer", 2, lambda p: p["insurer"]["id"] == 2),
        ("on_sale", True, lambda p: p["on_sale"] is True),
        ("on_sale", False, lambda p: p["on_sale"] is False),
    ]

    def test_each_filter_gives_exactly_the_matching_products(self):
        for name, value, pred in self.FILTERS:
            with self.subTest(filter=name, value=value):
                expected = {no for no, p in self.products.items() if pred(p)}
                first, items = self.search_all(**{name: value})
                got = set(self.nos(items))
                self.assertLess(len(got), self.all_total, "%s=%s does not narrow" % (name, value))
                self.assertEqual(got - expected, set(), "%s=%s: found but not matching" % (name, value))
                self.assertEqual(expected - got, set(), "%s=%s: matching but not found" % (name, value))

    def test_filters_combine_with_text(self):
        _, items = self.search_all(q="意外", age=70, on_sale=True)
        self.assertTrue(items)
        for item in items:
            p = self.products[item["registration_no"]]
            self.assertTrue(p["age_min"] <= 70 <= p["age_max"] and p["on_sale"], p["name"])

    def test_facet_counts_equal_filtered_totals(self):
        for base in ({}, {"q": "意外"}, {"q": "医疗", "category": "medical"}, {"age": 60, "on_sale": True}):
            body = self.search(**base)
            for facet in FACETS:
                for v in body["facets"][facet]:
                    with self.subTest(base=base, facet=facet, value=v["value"]):
                        # a facet's count ignores the facet's own filter
                        params = dict(base)
                        params[facet] = v["value"]
                        r = self.get(qs(**params))
                        self.assertEqual(r.status, 200, r)
                        self.assertEqual(r.json["total"], v["count"], "%s -> %r" % (params, v))

    def test_facet_values_cover_the_total(self):
        body = self.search(q="保险")
        for facet in ("category", "preexisting", "questionnaire", "insurer", "on_sale"):
            # each product has exactly one value of these
            self.assertEqual(sum(v["count"] for v in body["facets"][facet]), body["total"], facet)


class TestSearchPagingSorting(SearchBase):

    def test_pages_are_disjoint_and_total_stable(self):
        p1 = self.search(q="保险", per_page=5, page=1)
        p2 = self.search(q="保险", per_page=5, page=2)
        self.assertEqual(p1["total"], p2["total"])
        self.assertGreater(p1["total"], 10)
        self.assertEqual(len(p1["items"]), 5)
        self.assertEqual(len(p2["items"]), 5)
        self.assertFalse(set(self.nos(p1["items"])) & set(self.nos(p2["items"])))
        big = self.search(q="保险", per_page=10)
        self.assertEqual(self.nos(big["items"]), self.nos(p1["items"]) + self.nos(p2["items"]))

    def test_page_past_the_end_is_empty(self):
        body = self.search(q="保险", per_page=100, page=50)
        self.assertEqual(body["items"], [])
        self.assertGreater(body["total"], 0)

    def test_every_sort_returns_the_same_set(self):
        base = set(self.nos(self.search_all(q="老人")[1]))
        for sort in ("premium", "name", "newest"):
            self.assertEqual(set(self.nos(self.search_all(q="老人", sort=sort)[1])), base, sort)

    def test_sort_premium_non_decreasing(self):
        for params in ({}, {"q": "意外"}):
            _, items = self.search_all(sort="premium", **params)
            mins = [i["premium_yuan_per_year"]["min"] for i in items]
            self.assertEqual(mins, sorted(mins), params)

    def test_sort_name_pinyin_order(self):
        _, items = self.search_all(sort="name")
        names = [i["name"] for i in items]
        known = ["八桂惠民保2026（示范）", "残疾人专属住院医疗保险", "福寿防癌保（老年版）", "姑苏惠民保2026（示范）",
                 "杭州西湖惠民保2026（示范）", "荆楚惠民保2026", "拉萨惠民医疗保险2026", "南粤长者意外保障",
                 "骑手日日保意外险", "天府水稻完全成本保险", "新疆棉花收入保险", "助残安康意外伤害保险"]
        positions = [names.index(n) for n in known]
        self.assertEqual(positions, sorted(positions), [names[i] for i in sorted(positions)])

    def test_sort_newest(self):
        body = self.search(sort="newest")
        self.assertEqual(body["sort"], "newest")
        self.assertEqual(body["total"], 64)


class TestSearchHostileInput(SearchBase):

    HOSTILE = [
        '"', '""', '"意外', "意外\"", "'", "“惠民保”", "NEAR(", "NEAR(意外 医疗, 3)", "NEAR", "*", "意*", "yi*",
        "OR", "AND", "NOT", "意外 OR 医疗", "意外 AND", "NOT 意外", "-", "-意外", "意外 -医疗", "^", "^意外",
        ":", "name:意外", "summary : 医疗", "{name}: 意外", "(", ")", "((意外)", "+", "a+b", "\\", "%", "_", "%_%",
        "'; DROP TABLE products; --", "1' OR '1'='1", "\" OR 1=1 --", "SELECT * FROM sqlite_master",
        "<script>alert(1)</script>", "&lt;mark&gt;", "👴🏻老人🏥", "👨‍👩‍👧", "\u202e意外\u202c", "\u200b", "\ufeff",
        "\t\n", " ", "\u3000", "NEAR/3", "col1 : x", "x:y:z", "a b c d e f g h i j k l m n o p q r s t",
    ]

    def check_hostile(self, path, what):
        r = self.get(path)
        self.assertLess(r.status, 500, "%s: %r" % (what, r))
        self.assertIn(r.status, (200, 400, 422), "%s: %r" % (what, r))
        text = r.raw.decode("utf-8", "replace").lower()
        for w in ENGINE_WORDS:
            if w not in what.lower():
                self.assertNotIn(w, text, "%s: engine detail: %r" % (what, r))
        if r.status == 200:
            self.assertSane(r.json, what)
        return r

    def test_hostile_text_is_just_text(self):
        for q in self.HOSTILE:
            with self.subTest(q=q):
                self.check_hostile(qs(q=q), repr(q))

    def test_noise(self):
        import random
        rnd = random.Random(3)
        alphabet = "意外险医疗老人abcXYZ019 \"*^:()-+NEAR AND OR NOT'\\;%_&<>👴\u3000，。"
        for n in range(5):
            q = "".join(rnd.choice(alphabet) for _ in range(2000 // 4))
            with self.subTest(n=n):
                self.check_hostile(qs(q=q), "noise %d" % n)
        ascii_noise = "".join(rnd.choice("ab\"*^:()- ORNEA") for _ in range(2000))
        self.check_hostile(qs(q=ascii_noise), "2,000 ASCII characters of noise")

    def test_invalid_utf8(self):
        for raw in (b"\xff\xfe", b"\xe6\x84", b"\xc0\xaf", b"\xed\xa0\x80", b"ok\xffok", b"\xe6\x84\x8f\xff"):
            with self.subTest(raw=raw):
                self.check_hostile(qs(q=raw), repr(raw))
        # malformed percent-encoding and a NUL
        for raw_qs in ("q=%", "q=%G1", "q=%E6%84", "q=a%00b", "q=%%%", "q&q=&=x&&"):
            with self.subTest(qs=raw_qs):
                self.check_hostile(SEARCH + "?" + raw_qs, raw_qs)

    def test_hostile_filter_values(self):
        for name in ("category", "group", "region", "preexisting", "sort"):
            for v in ('"', "NEAR(", "' OR 1=1 --", b"\xff\xfe", "x" * 300):
                with self.subTest(name=name, value=v):
                    r = self.check_hostile(qs(**{name: v}), "%s=%r" % (name, v))
                    self.assertEqual(r.status, 422, r)
                    self.assertEqual(r.error.get("field"), name, r)

    def test_query_length_limit(self):
        r = self.get(qs(q="a" * 2001))
        self.assertError(r, 400, "query_too_long", "q")
        r = self.get(qs(q="意" * 667))  # 2,001 bytes
        self.assertError(r, 400, "query_too_long", "q")
        self.search(q="a" * 2000)
        self.search(q="意" * 666)


class TestSearchBadValues(SearchBase):

    CASES = [
        ("category", "car", "enum_invalid"),
        ("group", "students", "enum_invalid"),
        ("preexisting", "yes", "enum_invalid"),
        ("sort", "price", "enum_invalid"),
        ("sort", "RELEVANCE", "enum_invalid"),
        ("region", "999999", "region_invalid"),
        ("region", "3301", "region_invalid"),
        ("region", "hangzhou", "region_invalid"),
        ("age", "abc", "field_type"),
        ("age", "6.5", "field_type"),
        ("age", "-1", "number_range"),
        ("age", "121", "number_range"),
        ("age", "99999999999999999999", "number_range"),
        ("premium_max", "cheap", "field_type"),
        ("premium_max", "1e3", "field_type"),
        ("premium_max", "inf", "field_type"),
        ("premium_max", "-5", "number_range"),
        ("premium_max", "1000000.01", "number_range"),
        ("questionnaire", "yes", "field_type"),
        ("questionnaire", "1", "field_type"),
        ("on_sale", "TRUE", "field_type"),
        ("insurer", "abc", "field_type"),
        ("insurer", "0", "number_range"),
        ("insurer", "-3", "number_range"),
        ("page", "0", "number_range"),
        ("page", "10001", "number_range"),
        ("page", "2147483648", "number_range"),
        ("page", "x", "field_type"),
        ("per_page", "0", "number_range"),
        ("per_page", "101", "number_range"),
        ("per_page", "1.5", "field_type"),
    ]

    def test_bad_values_answer_422_with_the_field(self):
        for name, value, code in self.CASES:
            with self.subTest(name=name, value=value):
                self.assertError(self.get(qs(**{name: value})), 422, code, name)

    def test_every_problem_at_once(self):
        r = self.get(qs(age="x", per_page="y", sort="z"))
        self.assertEqual(r.status, 422, r)
        fields = {e["field"] for e in r.error["errors"]}
        self.assertEqual(fields, {"age", "per_page", "sort"}, r)

    def test_unknown_insurer_finds_nothing(self):
        body = self.search(insurer=999999)
        self.assertEqual(body["total"], 0)

    def test_empty_values_are_absent(self):
        body = self.search(q="", category="", age="", sort="", page="")
        self.assertEqual(body["total"], 64)


class TestSearchHttp(SearchBase):

    def test_etag_and_304(self):
        path = qs(q="意外", per_page=5)
        r = self.get(path)
        self.assertEqual(r.status, 200, r)
        etag = r.header("ETag")
        self.assertRegex(etag or "", r'^"[0-9a-f]{32}"$')
        self.assertEqual(r.header("Cache-Control"), "public, max-age=30")
        self.assertIsNotNone(r.header("Last-Modified"))
        again = self.get(path)
        self.assertEqual(again.header("ETag"), etag, "the same search gives different bytes")
        r304 = self.get(path, headers={"If-None-Match": etag})
        self.assertEqual(r304.status, 304, r304)
        self.assertEqual(r304.raw, b"")
        other = self.get(qs(q="医疗", per_page=5), headers={"If-None-Match": etag})
        self.assertEqual(other.status, 200, other)

    def test_head_and_options(self):
        path = qs(q="意外")
        get = self.get(path)
        head = H.http_request(self.port, "HEAD", path)
        self.assertEqual(head.status, 200, head)
        self.assertEqual(head.raw, b"")
        self.assertEqual(head.header("ETag"), get.header("ETag"))
        opt = H.http_request(self.port, "OPTIONS", SEARCH)
        self.assertEqual(opt.status, 204, opt)
        allow = [m.strip() for m in (opt.header("Allow") or "").split(",")]
        self.assertEqual(sorted(allow), ["GET", "HEAD", "POST"], opt)
        r = H.http_request(self.port, "DELETE", SEARCH)
        self.assertEqual(r.status, 405, r)
        self.assertIn("GET", r.header("Allow") or "")

    def test_post_still_registers(self):
        r = H.http_request(self.port, "POST", SEARCH, H.valid_product())
        self.assertError(r, 401, "auth_missing")

    def test_access_log_has_no_search_text(self):
        secret = "秘密搜索词%d" % os.getpid()
        self.assertEqual(self.get(qs(q=secret)).status, 200)
        with open(self.srv.stderr_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        self.assertIn("GET /api/v1/products?", log)
        self.assertNotIn(secret, log)
        self.assertNotIn(urllib.parse.quote(secret), log)


class TestSearchFreshness(SearchBase):

    def register(self, body):
        for insurer_id, key in self.keys:
            r = H.http_request(self.port, "POST", SEARCH, body, key=key)
            if r.status == 201:
                return r.json["registration_no"], key
            self.assertIn(r.status, (403,), r)  # inadequate solvency: try the next insurer
        self.fail("no demo insurer could register a product")

    def test_new_product_found_at_once_and_withdrawal_shows(self):
        name = "鲲鹏护航骑行意外险%d" % (os.getpid() % 1000)
        body = H.valid_product(name=name, category="accident", regions=["000000"],
                               summary="给骑电动车上下班的人的意外保险，鲲鹏护航，骑车摔伤也能赔。")
        before = self.search(q="鲲鹏")
        no, key = self.register(body)
        after = self.search(q="鲲鹏")
        self.assertIn(no, self.nos(after["items"]), after)
        self.assertEqual(after["total"], before["total"] + 1)
        item = [i for i in after["items"] if i["registration_no"] == no][0]
        self.assertTrue(item["on_sale"])
        self.assertIn("<mark>", item["highlights"].get("name", ""), item)
        # pinyin of the new name works too
        self.assertIn(no, self.nos(self.search(q="kunpeng")["items"]))

        r = H.http_request(self.port, "POST", "/api/v1/products/%s/withdraw" % no,
                           {"date": H.today(), "reason": "测试停售"}, key=key)
        self.assertEqual(r.status, 200, r)
        gone = self.search(q="鲲鹏")
        item = [i for i in gone["items"] if i["registration_no"] == no]
        self.assertTrue(item, "a withdrawn product is still public and findable")
        self.assertFalse(item[0]["on_sale"], item)
        self.assertEqual(item[0]["status"], "withdrawn", item)
        self.assertNotIn(no, self.nos(self.search(q="鲲鹏", on_sale=True)["items"]))
        self.assertIn(no, self.nos(self.search(q="鲲鹏", on_sale=False)["items"]))


    def test_change_by_another_process_is_seen_at_once(self):
        # The server keeps answers to recent searches; a suspension made by
        # the operator's CLI (another process, another connection) must
        # still show in the very next search.
        name = "青鸾守护意外险%d" % (os.getpid() % 1000)
        body = H.valid_product(name=name, category="accident", regions=["000000"],
                               summary="青鸾守护，给上下班路上的人的意外保险，骑车摔伤也能赔。")
        no, _ = self.register(body)
        for _ in range(2):  # the second answer comes from the cache
            self.assertIn(no, self.nos(self.search(q="青鸾", on_sale=True)["items"]))
        H.admin_ok(self.srv.db, "product", "suspend", no, "--reason", "测试暂停")
        self.assertNotIn(no, self.nos(self.search(q="青鸾", on_sale=True)["items"]))
        H.admin_ok(self.srv.db, "product", "reinstate", no)
        self.assertIn(no, self.nos(self.search(q="青鸾", on_sale=True)["items"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
