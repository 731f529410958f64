#!/usr/bin/env python3
"""Table-driven bad-input tests: each request must be refused with the exact status,
error code and field, a Chinese message, and no change at all to the database."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402
from harness import DELETE, set_path  # noqa: E402

PRODUCTS = "/api/v1/products"
BATCH = "/api/v1/products:batch"
MISSING = "/api/v1/products/PH-2026-999999"


def P(**overrides):
    """Valid product with top-level overrides (DELETE removes a field)."""
    body = H.valid_product()
    for k, v in overrides.items():
        if v is DELETE:
            del body[k]
        else:
            body[k] = v
    return body


def Pp(path, value):
    """Valid product with a nested path set (or DELETEd)."""
    return set_path(H.valid_product(), path, value)


def truncated_body():
    raw = json.dumps(H.valid_product(), ensure_ascii=False).encode("utf-8")
    cut = len(raw) // 2
    while raw[cut] >= 0x80:  # cut on an ASCII byte so that the prefix is valid UTF-8
        cut += 1
    return raw[:cut]


def invalid_utf8_body():
    raw = json.dumps(H.valid_product(name="惠民保XXBADXX测试"), ensure_ascii=False).encode("utf-8")
    return raw.replace(b"XXBADXX", b"\xc3\x28\xff\xfe")


def oversized_body():
    body = H.valid_product(summary="超长" * 10)
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    pad = b' ' * (1024 * 1024 + 100 - len(raw))
    return raw[:-1] + pad + b"}"   # whitespace padding: valid JSON, just too big


def batch_with_bad_fourth():
    items = [H.valid_product(name=H.unique_name("批量坏件测试")) for _ in range(5)]
    items[3]["age_min"] = 70
    items[3]["age_max"] = 60
    return {"products": items}


def batch_of(n):
    return {"products": [H.valid_product(name=H.unique_name("批量上限")) for _ in range(n)]}


LONG61 = "惠" * 61

# Each case: id, method, path ("{own}" = a product of insurer A), body (value or callable),
# key ("A", "B", "revoked", None or literal), content_type, headers, status, code, field.
# field may be a tuple of accepted spellings (list items: "x[1]" or "x").
CASES = [
    # --- body / transport --------------------------------------------------------------
    dict(id="empty_body", body=b"", status=400, code="body_empty"),
    dict(id="malformed_json", body='{"name": "惠民保", category: medical}'.encode("utf-8"), status=400, code="json_malformed"),
    dict(id="not_json_at_all", body=b"hello", status=400, code="json_malformed"),
    dict(id="truncated_json", body=truncated_body, status=400, code="json_malformed"),
    dict(id="invalid_utf8_in_string", body=invalid_utf8_body, status=400, code="utf8_invalid"),
    dict(id="top_level_array", body=lambda: [H.valid_product()], status=400, code="body_not_object"),
    dict(id="top_level_string", body=b'"just a string"', status=400, code="body_not_object"),
    dict(id="top_level_null", body=b"null", status=400, code="body_not_object"),
    dict(id="content_type_text_plain", body=P, content_type="text/plain", status=415,
         code="content_type_unsupported"),
    dict(id="content_type_form", body=P, content_type="application/x-www-form-urlencoded", status=415,
         code="content_type_unsupported"),
    dict(id="content_type_missing", body=P, content_type=None, status=415, code="content_type_unsupported"),
    dict(id="oversized_body", body=oversized_body, streaming=True, status=413, code="body_too_large"),
    # --- authentication ------------------------------------------------------------------
    dict(id="auth_missing", body=P, key=None, status=401, code="auth_missing"),
    dict(id="auth_basic", body=P, key=None, headers={"Authorization": "Basic eDp5"}, status=401,
         code="auth_missing"),
    dict(id="auth_unknown_key", body=P, key="phk_" + "A" * 40, status=401, code="auth_invalid"),
    dict(id="auth_garbage_key", body=P, key="not-a-key", status=401, code="auth_invalid"),
    dict(id="auth_revoked", body=P, key="revoked", status=401, code="auth_revoked"),
    # --- required fields -----------------------------------------------------------------
    dict(id="missing_name", body=lambda: P(name=DELETE), status=422, code="field_required", field="name"),
    dict(id="null_name", body=lambda: P(name=None), status=422, code="field_required", field="name"),
    dict(id="missing_category", body=lambda: P(category=DELETE), status=422, code="field_required",
         field="category"),
    dict(id="missing_target_groups", body=lambda: P(target_groups=DELETE), status=422,
         code="field_required", field="target_groups"),
    dict(id="missing_regions", body=lambda: P(regions=DELETE), status=422, code="field_required",
         field="regions"),
    dict(id="missing_age_max", body=lambda: P(age_max=DELETE), status=422, code="field_required",
         field="age_max"),
    dict(id="missing_premium", body=lambda: P(premium_yuan_per_year=DELETE), status=422,
         code="field_required", field="premium_yuan_per_year"),
    dict(id="missing_health_questionnaire", body=lambda: P(health_questionnaire=DELETE), status=422,
         code="field_required", field="health_questionnaire"),
    dict(id="missing_hotline", body=lambda: P(hotline=DELETE), status=422, code="field_required",
         field="hotline"),
    dict(id="missing_premium_rate", body=lambda: P(premium_rate=DELETE), status=422,
         code="field_required", field="premium_rate"),
    dict(id="missing_claim_how", body=lambda: Pp("claim.how", DELETE), status=422,
         code="field_required", field="claim.how"),
    # --- types ---------------------------------------------------------------------------
    dict(id="name_number", body=lambda: P(name=123), status=422, code="field_type", field="name"),
    dict(id="age_min_string", body=lambda: P(age_min="18"), status=422, code="field_type", field="age_min"),
    dict(id="health_questionnaire_yes", body=lambda: P(health_questionnaire="yes"), status=422,
         code="field_type", field="health_questionnaire"),
    dict(id="target_groups_string", body=lambda: P(target_groups="elderly"), status=422,
         code="field_type", field="target_groups"),
    dict(id="premium_array", body=lambda: P(premium_yuan_per_year=[150, 380]), status=422,
         code="field_type", field="premium_yuan_per_year"),
    dict(id="claim_string", body=lambda: P(claim="打电话"), status=422, code="field_type", field="claim"),
    # --- unknown field -------------------------------------------------------------------
    dict(id="unknown_field", body=lambda: P(nmae="错拼字段"), status=422, code="field_unknown", field="nmae"),
    dict(id="unknown_nested_field", body=lambda: Pp("premium_rate.note", "多余"), status=422,
         code="field_unknown", field="premium_rate.note"),
    # --- strings -------------------------------------------------------------------------
    dict(id="name_61_chars", body=lambda: P(name=LONG61), status=422, code="string_length", field="name"),
    dict(id="name_1_char", body=lambda: P(name="险"), status=422, code="string_length", field="name"),
    dict(id="name_1_char_after_trim", body=lambda: P(name="  险  "), status=422, code="string_length",
         field="name"),
    dict(id="name_control_char", body=lambda: P(name="惠民\u0007保险产品"), status=422,
         code="string_control_chars", field="name"),
    dict(id="summary_control_char", body=lambda: P(summary="面向本市参保人的普惠型补充医疗\u0001保险，不限年龄。"),
         status=422, code="string_control_chars", field="summary"),
    dict(id="summary_too_short", body=lambda: P(summary="太短的摘要"), status=422, code="string_length",
         field="summary"),
    # --- enums and lists -----------------------------------------------------------------
    dict(id="category_unknown", body=lambda: P(category="banana"), status=422, code="enum_invalid",
         field="category"),
    dict(id="target_group_unknown", body=lambda: P(target_groups=["elderly", "aliens"]), status=422,
         code="enum_invalid", field=("target_groups[1]", "target_groups")),
    dict(id="channel_unknown", body=lambda: P(channels=["online", "telepathy"]), status=422,
         code="enum_invalid", field=("channels[1]", "channels")),
    dict(id="preexisting_unknown", body=lambda: P(preexisting_conditions="maybe"), status=422,
         code="enum_invalid", field="preexisting_conditions"),
    dict(id="target_group_duplicate", body=lambda: P(target_groups=["elderly", "rural", "elderly"]),
         status=422, code="list_duplicate", field=("target_groups[2]", "target_groups")),
    dict(id="target_groups_empty", body=lambda: P(target_groups=[]), status=422, code="list_length",
         field="target_groups"),
    dict(id="covered_empty", body=lambda: P(covered=[]), status=422, code="list_length", field="covered"),
    # --- regions -------------------------------------------------------------------------
    dict(id="region_5_digits", body=lambda: P(regions=["12345"]), status=422, code="region_invalid",
         field=("regions[0]", "regions")),
    dict(id="region_no_province", body=lambda: P(regions=["990000"]), status=422, code="region_invalid",
         field=("regions[0]", "regions")),
    dict(id="region_letters", body=lambda: P(regions=["abcdef"]), status=422, code="region_invalid",
         field=("regions[0]", "regions")),
    dict(id="region_whole_country_with_others", body=lambda: P(regions=["000000", "330100"]), status=422,
         code="region_conflict", field=("regions", "regions[0]", "regions[1]")),
    # --- numbers -------------------------------------------------------------------------
    dict(id="age_min_gt_age_max", body=lambda: P(age_min=70, age_max=60), status=422, code="age_range",
         field="age_min"),
    dict(id="age_max_121", body=lambda: P(age_max=121), status=422, code="number_range", field="age_max"),
    dict(id="age_min_negative", body=lambda: P(age_min=-1), status=422, code="number_range", field="age_min"),
    dict(id="premium_min_gt_max", body=lambda: P(premium_yuan_per_year={"min": 300, "max": 100}),
         status=422, code="premium_range", field=("premium_yuan_per_year.min", "premium_yuan_per_year")),
    dict(id="sum_insured_negative", body=lambda: P(sum_insured_yuan=-1000), status=422, code="number_range",
         field="sum_insured_yuan"),
    dict(id="sum_insured_zero", body=lambda: P(sum_insured_yuan=0), status=422, code="number_range",
         field="sum_insured_yuan"),
    dict(id="money_three_decimals", body=lambda: P(deductible_yuan=100.005), status=422, code="number_range",
         field="deductible_yuan"),
    dict(id="reimbursement_101", body=lambda: P(reimbursement_pct=101), status=422, code="number_range",
         field="reimbursement_pct"),
    dict(id="waiting_period_731", body=lambda: P(waiting_period_days=731), status=422, code="number_range",
         field="waiting_period_days"),
    dict(id="term_months_zero", body=lambda: P(term_months=0), status=422, code="number_range",
         field="term_months"),
    dict(id="settle_days_zero", body=lambda: Pp("claim.settle_days", 0), status=422, code="number_range",
         field="claim.settle_days"),
    # --- policy rules --------------------------------------------------------------------
    dict(id="rate_not_lower_no_reason", body=lambda: P(premium_rate={"this_pct": 1.5, "comparable_pct": 1.2}),
         status=422, code="reason_required", field="premium_rate.reason"),
    dict(id="rate_equal_no_reason", body=lambda: P(premium_rate={"this_pct": 1.2, "comparable_pct": 1.2}),
         status=422, code="reason_required", field="premium_rate.reason"),
    dict(id="fee_not_lower_no_reason", body=lambda: P(intermediary_fee={"this_pct": 9, "comparable_pct": 8}),
         status=422, code="reason_required", field="intermediary_fee.reason"),
    dict(id="purchase_url_javascript", body=lambda: P(purchase_url="javascript:alert(1)"), status=422,
         code="url_invalid", field="purchase_url"),
    dict(id="purchase_url_space", body=lambda: P(purchase_url="https://www.example.com/a b"), status=422,
         code="url_invalid", field="purchase_url"),
    dict(id="hotline_words", body=lambda: P(hotline="call me"), status=422, code="hotline_invalid",
         field="hotline"),
    # --- PUT -----------------------------------------------------------------------------
    dict(id="put_without_change_reason", method="PUT", path="{own}", body=P, status=422,
         code="field_required", field="change_reason"),
    dict(id="put_change_reason_too_short", method="PUT", path="{own}",
         body=lambda: P(change_reason="改"), status=422, code="string_length", field="change_reason"),
    dict(id="put_not_owner", method="PUT", path="{own}", key="B",
         body=lambda: P(change_reason="费率调整"), status=403, code="not_owner"),
    dict(id="put_unknown_product", method="PUT", path=MISSING, body=lambda: P(change_reason="费率调整"),
         status=404, code="product_not_found"),
    dict(id="put_no_auth", method="PUT", path="{own}", key=None,
         body=lambda: P(change_reason="费率调整"), status=401, code="auth_missing"),
    # --- withdraw ------------------------------------------------------------------------
    dict(id="withdraw_bad_date", method="POST", path="{own}/withdraw",
         body={"date": "2026-02-30", "reason": "产品停售。"}, status=422, code="date_invalid", field="date"),
    dict(id="withdraw_date_1999", method="POST", path="{own}/withdraw",
         body={"date": "1999-12-31", "reason": "产品停售。"}, status=422, code="date_invalid", field="date"),
    dict(id="withdraw_date_format", method="POST", path="{own}/withdraw",
         body={"date": "2026/06/30", "reason": "产品停售。"}, status=422, code="date_invalid", field="date"),
    dict(id="withdraw_missing_reason", method="POST", path="{own}/withdraw",
         body=lambda: {"date": H.today()}, status=422, code="field_required", field="reason"),
    dict(id="withdraw_not_owner", method="POST", path="{own}/withdraw", key="B",
         body=lambda: {"date": H.today(), "reason": "产品停售。"}, status=403, code="not_owner"),
    dict(id="withdraw_unknown_product", method="POST", path=MISSING + "/withdraw",
         body=lambda: {"date": H.today(), "reason": "产品停售。"}, status=404, code="product_not_found"),
    # --- batch ---------------------------------------------------------------------------
    dict(id="batch_one_bad_of_five", path=BATCH, body=batch_with_bad_fourth, status=422, code="age_range",
         field="products[3].age_min"),
    dict(id="batch_empty", path=BATCH, body={"products": []}, status=422, code="batch_length",
         field="products"),
    dict(id="batch_1001", path=BATCH, body=lambda: batch_of(1001), status=422, code="batch_length",
         field="products"),
    dict(id="batch_products_missing", path=BATCH, body={}, status=422, code="field_required",
         field="products"),
]


def _value(v):
    return v() if callable(v) else v


class BadInput(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.env = H.Env()
        cls.addClassCleanup(cls.env.cleanup)
        cls.A = cls.env.add_insurer("浙江惠民健康保险股份有限公司", "惠民健康")
        cls.B = cls.env.add_insurer("江苏普安财产保险股份有限公司", "普安财险", type_="property",
                                    region="320000")
        k = H.admin_ok(cls.env.db, "key", "issue", "--insurer", cls.A["id"])
        H.admin_ok(cls.env.db, "key", "revoke", "--key-id", k["key_id"])
        cls.revoked_key = k["key"]
        cls.srv = cls.env.start_server()
        r = cls.srv.request("POST", PRODUCTS, H.valid_product(), key=cls.A["key"])
        if r.status != 201:
            raise AssertionError("cannot register the fixture product: %r" % r)
        cls.own = r.json["registration_no"]

    def setUp(self):
        # a crash in one case must not turn every later case into "connection refused"
        if not self.srv.running():
            H.log("server had died before %s: %s; restarting" % (self.id(), self.srv.death_note()))
            self.srv.start()

    def assertErrorShape(self, err_json, status, code, field, where):
        self.assertIsInstance(err_json, dict, where)
        err = err_json.get("error")
        self.assertIsInstance(err, dict, where)
        codes = code if isinstance(code, tuple) else (code,)
        self.assertIn(err.get("code"), codes, where)
        if status is not None:
            self.assertEqual(err.get("status"), status, where)
        if field is not None:
            fields = field if isinstance(field, tuple) else (field,)
            self.assertIn(err.get("field"), fields, where)
        msg = err.get("message")
        self.assertTrue(H.has_cjk(msg), "message is not Chinese: %s" % where)
        errors = err.get("errors")
        self.assertIsInstance(errors, list, where)
        self.assertGreaterEqual(len(errors), 1, where)
        match = [e for e in errors if e.get("code") in codes and
                 (field is None or e.get("field") in (field if isinstance(field, tuple) else (field,)))]
        self.assertTrue(match, "errors[] lacks %s/%s: %s" % (code, field, where))
        for e in errors:
            self.assertTrue(H.has_cjk(e.get("message")), "errors[] message not Chinese: %s" % where)

    def run_case(self, case):
        path = case.get("path", PRODUCTS).replace("{own}", "/api/v1/products/" + self.own)
        keyname = case.get("key", "A")
        key = {"A": self.A["key"], "B": self.B["key"], "revoked": self.revoked_key}.get(keyname, keyname)
        body = _value(case["body"])
        data = H.encode_body(body)
        before = H.db_digest(self.env.db)
        if case.get("streaming"):
            hdrs = {"Content-Type": "application/json", "Authorization": "Bearer " + key}
            r = H.http_request_streaming(self.srv.port, case.get("method", "POST"), path, data, headers=hdrs)
        else:
            r = H.http_request(self.srv.port, case.get("method", "POST"), path, data,
                               key=key, headers=case.get("headers"),
                               content_type=case.get("content_type", "application/json"))
        where = "%s: %r" % (case["id"], r)
        self.assertEqual(r.status, case["status"], where)
        self.assertIn("application/json", r.header("Content-Type") or "", where)
        self.assertErrorShape(r.json, case["status"], case["code"], case.get("field"), where)
        after = H.db_digest(self.env.db)
        self.assertEqual(before, after, "database changed by a rejected request: " + case["id"])

    # --- cases that are not a single HTTP request ---------------------------------------

    def admin_case(self, args, code, field):
        before = H.db_digest(self.env.db)
        a = H.admin(self.env.db, *args)
        self.assertEqual(a.rc, 1, a)
        self.assertErrorShape(a.err, None, code, field, repr(a))
        self.assertEqual(H.db_digest(self.env.db), before, "admin error changed the DB")
        return a

    def _insurer_args(self, **kw):
        args = {"--name": "测试错误保险股份有限公司", "--short-name": "测试错误", "--uscc": H.make_uscc(),
                "--type": "health", "--region": "330000"}
        args.update(kw)
        out = ["insurer", "add"]
        for k, v in args.items():
            out += [k, v]
        return out

    def test_admin_insurer_bad_uscc(self):
        self.admin_case(self._insurer_args(**{"--uscc": H.bad_uscc()}), "uscc_invalid", "uscc")
        n = H.db_query(self.env.db, "SELECT count(*) FROM insurers WHERE name=?", ("测试错误保险股份有限公司",))
        self.assertEqual(n[0][0], 0)

    def test_admin_insurer_uscc_wrong_length(self):
        # 17 characters: uscc_invalid, or the generic string_length of the same field
        self.admin_case(self._insurer_args(**{"--uscc": "91350100M000100Y4"}),
                        ("uscc_invalid", "string_length"), "uscc")

    def test_admin_insurer_uscc_forbidden_letter(self):
        # 'I', 'O', 'S', 'V', 'Z' are not in the GB 32100 character set
        self.admin_case(self._insurer_args(**{"--uscc": "91350100M000100IO3"}), "uscc_invalid", "uscc")

    def test_admin_insurer_bad_region(self):
        self.admin_case(self._insurer_args(**{"--region": "990000"}), "region_invalid", "region")

    def test_admin_insurer_bad_type(self):
        self.admin_case(self._insurer_args(**{"--type": "bank"}), "enum_invalid", "type")

    def test_admin_solvency_bad_rating(self):
        self.admin_case(["solvency", "record", "--insurer", self.A["id"], "--quarter", "2026Q3",
                         "--core-pct", "120", "--comprehensive-pct", "180", "--rating", "E"],
                        "enum_invalid", "rating")

    def test_admin_solvency_unknown_insurer(self):
        self.admin_case(["solvency", "record", "--insurer", "999999", "--quarter", "2026Q3",
                         "--core-pct", "120", "--comprehensive-pct", "180", "--rating", "A"],
                        "insurer_not_found", None)

    def test_admin_valid_uscc_example_accepted(self):
        a = H.admin(self.env.db, *self._insurer_args(**{"--uscc": "91350100M000100Y43",
                                                         "--name": "福建示例保险股份有限公司",
                                                         "--short-name": "福建示例"}))
        self.assertEqual(a.rc, 0, a)
        self.assertIsInstance(a.out.get("id"), int, a)

    def test_several_problems_reported_at_once(self):
        body = P(name=DELETE, age_max=121, hotline="call me")
        before = H.db_digest(self.env.db)
        r = H.http_request(self.srv.port, "POST", PRODUCTS, body, key=self.A["key"])
        self.assertEqual(r.status, 422, r)
        err = r.error
        got = {(e.get("code"), e.get("field")) for e in err["errors"]}
        want = {("field_required", "name"), ("number_range", "age_max"), ("hotline_invalid", "hotline")}
        self.assertTrue(want <= got, "errors[] = %r" % err["errors"])
        self.assertIn((err["code"], err["field"]), want)
        self.assertEqual(err["code"], err["errors"][0]["code"])
        self.assertEqual(err["field"], err["errors"][0]["field"])
        self.assertEqual(H.db_digest(self.env.db), before)

    def test_batch_bad_item_stores_none(self):
        body = batch_with_bad_fourth()
        before = H.db_digest(self.env.db)
        r = H.http_request(self.srv.port, "POST", BATCH, body, key=self.A["key"])
        self.assertEqual(r.status, 422, r)
        self.assertEqual(H.db_digest(self.env.db), before)
        names = {p["name"] for p in body["products"]}
        ins = self.srv.get("/api/v1/insurers/%s" % self.A["id"])
        self.assertEqual(ins.status, 200, ins)
        listed = {p["name"] for p in ins.json["products"]}
        self.assertFalse(names & listed, "some batch items were stored")

    def test_sql_and_html_strings_stored_verbatim(self):
        name = "'); DROP TABLE products;-- <b>\"惠民\"</b>"
        summary = ("<script>alert('x')</script> & \\ \" ' 1=1; DELETE FROM insurers; "
                   "</textarea><img src=x onerror=alert(1)> 普惠保险摘要 %s %d {{7*7}}")
        covered = ["Robert'); DROP TABLE students;-- 住院费用", "<iframe src=\"//evil\"></iframe>报销"]
        body = H.valid_product(name=name, summary=summary, covered=covered)
        r = H.http_request(self.srv.port, "POST", PRODUCTS, body, key=self.A["key"])
        self.assertEqual(r.status, 201, r)
        reg = r.json["registration_no"]
        g = self.srv.get("/api/v1/products/" + reg)
        self.assertEqual(g.status, 200, g)
        self.assertIn("application/json", g.header("Content-Type") or "")
        self.assertEqual(g.json["name"], name)
        self.assertEqual(g.json["summary"], summary)
        self.assertEqual(g.json["covered"], covered)
        self.assertEqual(H.diff_sent(body, g.json), [])
        tables = {t for (t,) in H.db_query(self.env.db, "SELECT name FROM sqlite_master WHERE type='table'")}
        self.assertTrue({"products", "insurers", "product_versions"} <= tables)
        n = H.db_query(self.env.db, "SELECT count(*) FROM products WHERE registration_no=?", (reg,))
        self.assertEqual(n[0][0], 1)

    def test_boundaries_accepted(self):
        """The edges of each rule are allowed (so that the refusals above are not blanket)."""
        cases = {
            "name_60_chars": dict(name=(lambda s: s + "惠" * (60 - len(s)))(H.unique_name("边界"))),
            "whole_country": dict(regions=["000000"]),
            "ages_0_120": dict(age_min=0, age_max=120),
            "money_2_decimals": dict(deductible_yuan=100.01, premium_yuan_per_year={"min": 0, "max": 0.99}),
            "reimbursement_null": dict(reimbursement_pct=None),
            "tab_newline_in_summary": dict(summary="第一行：面向全市参保人。\n第二行：\t不限年龄与职业。"),
            "hotline_plain": dict(hotline="95500"),
        }
        for what, over in cases.items():
            with self.subTest(what=what):
                body = H.valid_product(**over)
                r = H.http_request(self.srv.port, "POST", PRODUCTS, body, key=self.A["key"])
                self.assertEqual(r.status, 201, "%s: %r" % (what, r))
        r = H.http_request(self.srv.port, "POST", PRODUCTS, H.valid_product(), key=self.A["key"],
                           content_type="application/json; charset=utf-8")
        self.assertEqual(r.status, 201, r)
        padded = H.valid_product(name="  惠民保边界测试  ")
        r = H.http_request(self.srv.port, "POST", PRODUCTS, padded, key=self.A["key"])
        self.assertEqual(r.status, 201, r)
        g = self.srv.get("/api/v1/products/" + r.json["registration_no"])
        self.assertEqual(g.json["name"], "惠民保边界测试")


class DeepNesting(unittest.TestCase):
    """Deeply nested JSON must be refused with 400 and must not bring the server down."""

    def setUp(self):
        self.env = H.Env()
        self.addCleanup(self.env.cleanup)
        self.A = self.env.add_insurer("浙江惠民健康保险股份有限公司", "惠民健康")
        self.srv = self.env.start_server()

    def post(self, body):
        before = H.db_digest(self.env.db)
        try:
            r = H.http_request(self.srv.port, "POST", PRODUCTS, body, key=self.A["key"])
        except (OSError, H.http.client.HTTPException) as e:
            time.sleep(0.2)
            self.fail("no answer (%r); %s" % (e, self.srv.death_note()))
        self.assertTrue(self.srv.running(), "server died")
        self.assertEqual(self.srv.get("/healthz").status, 200)
        self.assertEqual(H.db_digest(self.env.db), before)
        return r

    def test_array_10000_deep(self):
        r = self.post(b"[" * 10000 + b"]" * 10000)
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.error.get("code"), ("json_malformed", "body_not_object"), r)
        self.assertTrue(H.has_cjk(r.error.get("message")))

    def test_array_1000_deep(self):
        r = self.post(b"[" * 1000 + b"]" * 1000)
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.error.get("code"), ("json_malformed", "body_not_object"), r)

    def test_object_150000_deep(self):
        r = self.post(b'{"a":' * 150000 + b"1" + b"}" * 150000)
        self.assertEqual(r.status, 400, r)

    def test_deep_value_inside_field(self):
        r = self.post(b'{"name":' + b"[" * 10000 + b"]" * 10000 + b"}")
        self.assertIn(r.status, (400, 422), r)
        self.assertIsNotNone(r.error, r)


def _make(case):
    def test(self):
        self.run_case(case)
    test.__doc__ = "%s -> %s %s %s" % (case["id"], case["status"], case["code"], case.get("field") or "")
    return test


for _i, _case in enumerate(CASES):
    setattr(BadInput, "test_%03d_%s" % (_i, _case["id"]), _make(_case))


if __name__ == "__main__":
    unittest.main(verbosity=2)
