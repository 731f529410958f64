#!/usr/bin/env python3
"""Check registry/data/demo.json against docs/API.md and the demo-data brief.

Usage: python3 scripts/check_demo.py [path]   (stdlib only; exits 1 on any failure)
"""
import collections, datetime, json, os, re, sys

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "registry", "data", "demo.json")
CATEGORIES = "accident medical critical_illness term_life home_property agriculture pension long_term_care liability other".split()
GROUPS = "elderly disabled rural low_income new_citizens special_occupations chronic_conditions women_children small_business new_agri".split()
PROVINCES = set("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split())
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: 31 characters, no I O S V Z
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
REAL_NAMES = ["人保", "人民", "平安", "太平洋", "太保", "国寿", "中国人寿", "泰康", "中华联合", "新华", "阳光", "大地", "太平"]
FIELDS = ("name category target_groups regions age_min age_max premium_yuan_per_year sum_insured_yuan deductible_yuan "
          "reimbursement_pct waiting_period_days cooling_off_days preexisting_conditions health_questionnaire term_months "
          "summary covered not_covered claim service_commitments channels purchase_url hotline premium_rate intermediary_fee").split()
OPTIONAL = {"reimbursement_pct", "cooling_off_days", "service_commitments", "purchase_url"}

errors = []
def check(ok, where, msg):
    if not ok:
        errors.append(f"{where}: {msg}")
    return ok

def is_num(x): return isinstance(x, (int, float)) and not isinstance(x, bool)
def is_int(x): return isinstance(x, int) and not isinstance(x, bool)

def text(w, s, lo, hi):
    if check(isinstance(s, str), w, "not a string"):
        check(not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", s), w, "control characters")
        check(lo <= len(s.strip()) <= hi, w, f"length {len(s.strip())} not in {lo}-{hi}")

def number(w, x, lo, hi, decimals=2, above=False):
    if check(is_num(x), w, "not a number"):
        check((x > lo if above else x >= lo) and x <= hi, w, f"{x} out of range")
        check(round(x, decimals) == x, w, f"more than {decimals} decimals")

def integer(w, x, lo, hi):
    if check(is_int(x), w, "not an integer"):
        check(lo <= x <= hi, w, f"{x} not in {lo}-{hi}")

DOC_TYPES = ["terms", "rate_table", "prospectus", "notice", "operating_report"]


def str_list(w, xs, lo, hi, slo, shi, allowed=None):
    if not check(isinstance(xs, list) and lo <= len(xs) <= hi, w, f"must be a list of {lo}-{hi}"):
        return
    check(len(set(map(str, xs))) == len(xs), w, "duplicate items")
    for i, x in enumerate(xs):
        text(f"{w}[{i}]", x, slo, shi)
        if allowed is not None:
            check(x in allowed, f"{w}[{i}]", f"{x!r} not allowed")

def region_ok(code):
    return (isinstance(code, str) and re.fullmatch(r"\d{6}", code) is not None and
            (code == "000000" or (code[:2] in PROVINCES and not (code[2:4] == "00" and code[4:] != "00"))))

def uscc_check_value(s17, chars):
    return (31 - sum(chars.index(c) * w for c, w in zip(s17, USCC_WEIGHTS)) % 31) % 31

def comparison(w, c):
    if not check(isinstance(c, dict) and set(c) <= {"this_pct", "comparable_pct", "reason"}, w, "bad object"):
        return False
    number(f"{w}.this_pct", c.get("this_pct"), 0, 100, 4)
    number(f"{w}.comparable_pct", c.get("comparable_pct"), 0, 100, 4)
    if "reason" in c:
        text(f"{w}.reason", c["reason"], 2, 500)
    not_lower = is_num(c.get("this_pct")) and is_num(c.get("comparable_pct")) and c["this_pct"] >= c["comparable_pct"]
    if not_lower:
        check(isinstance(c.get("reason"), str) and c["reason"].strip(), w, "not lower but no reason (reason_required)")
    return not_lower

def product_body(w, b, hotline):
    check(not set(b) - set(FIELDS), w, f"unknown fields {sorted(set(b) - set(FIELDS))}")
    for f in FIELDS:
        if f not in OPTIONAL:
            check(b.get(f) is not None, w, f"{f} required")
    text(f"{w}.name", b.get("name"), 2, 60)
    check(b.get("category") in CATEGORIES, w, "category")
    str_list(f"{w}.target_groups", b.get("target_groups"), 1, 10, 1, 100, GROUPS)
    regions = b.get("regions")
    str_list(f"{w}.regions", regions, 1, 500, 6, 6)
    if isinstance(regions, list):
        check(all(region_ok(r) for r in regions), w, f"region_invalid {regions}")
        check("000000" not in regions or len(regions) == 1, w, "region_conflict")
    integer(f"{w}.age_min", b.get("age_min"), 0, 120)
    integer(f"{w}.age_max", b.get("age_max"), 0, 120)
    if is_int(b.get("age_min")) and is_int(b.get("age_max")):
        check(b["age_min"] <= b["age_max"], w, "age_range")
    pr = b.get("premium_yuan_per_year")
    if check(isinstance(pr, dict) and set(pr) == {"min", "max"}, w, "premium_yuan_per_year"):
        number(f"{w}.premium.min", pr["min"], 0, 1e6)
        number(f"{w}.premium.max", pr["max"], 0, 1e6)
        check(is_num(pr["min"]) and is_num(pr["max"]) and pr["min"] <= pr["max"], w, "premium_range")
    number(f"{w}.sum_insured_yuan", b.get("sum_insured_yuan"), 0, 1e8, above=True)
    number(f"{w}.deductible_yuan", b.get("deductible_yuan"), 0, 1e6)
    if b.get("reimbursement_pct") is not None:
        number(f"{w}.reimbursement_pct", b["reimbursement_pct"], 0, 100)
    integer(f"{w}.waiting_period_days", b.get("waiting_period_days"), 0, 730)
    if "cooling_off_days" in b:
        integer(f"{w}.cooling_off_days", b["cooling_off_days"], 0, 365)
    check(b.get("preexisting_conditions") in ("covered", "partly", "not_covered"), w, "preexisting_conditions")
    check(isinstance(b.get("health_questionnaire"), bool), w, "health_questionnaire")
    integer(f"{w}.term_months", b.get("term_months"), 1, 1200)
    text(f"{w}.summary", b.get("summary"), 30, 150)                        # API 10-500, brief 30-150
    str_list(f"{w}.covered", b.get("covered"), 2, 6, 2, 200)                # API 1-30, brief 2-6
    str_list(f"{w}.not_covered", b.get("not_covered"), 2, 6, 2, 200)
    cl = b.get("claim")
    if check(isinstance(cl, dict) and set(cl) == {"how", "documents", "settle_days"}, w, "claim"):
        text(f"{w}.claim.how", cl["how"], 5, 500)
        str_list(f"{w}.claim.documents", cl["documents"], 1, 20, 1, 100)
        integer(f"{w}.claim.settle_days", cl["settle_days"], 3, 30)           # API 1-365, brief 3-30
    if "service_commitments" in b:
        str_list(f"{w}.service_commitments", b["service_commitments"], 0, 20, 2, 200)
    str_list(f"{w}.channels", b.get("channels"), 1, 3, 1, 20, ("online", "offline", "assisted"))
    url = b.get("purchase_url")
    if url is not None:
        check(isinstance(url, str) and len(url) <= 500 and re.fullmatch(r"https?://[A-Za-z0-9.-]+\.example(/[!-~]*)?", url or "")
              and not re.search(r"[\s\"'<>]", url), w, f"url_invalid {url!r}")
    check((url is not None) == ("online" in (b.get("channels") or [])), w, "purchase_url iff online channel")
    check(b.get("hotline") == hotline and re.fullmatch(r"\d+(-\d+)*", hotline) and 3 <= len(hotline) <= 20, w, "hotline")
    if is_int(b.get("term_months")) and b["term_months"] > 12:
        check(b.get("cooling_off_days") == 15, w, "long-term product without 15-day cooling-off")
    nl_rate = comparison(f"{w}.premium_rate", b.get("premium_rate"))
    nl_fee = comparison(f"{w}.intermediary_fee", b.get("intermediary_fee"))
    return nl_rate or nl_fee

def main():
    with open(PATH, encoding="utf-8") as f:
        data = json.load(f)
    check(set(data) == {"insurers", "products"}, "top", "keys must be insurers, products")
    insurers = {}
    inadequate = []
    for i, ins in enumerate(data["insurers"]):
        w = f"insurers[{i}]"
        check(set(ins) == {"key", "name", "short_name", "uscc", "type", "region", "website", "hotline", "solvency"}, w, "fields")
        check(ins["key"] not in insurers, w, "duplicate key")
        insurers[ins["key"]] = ins
        text(f"{w}.name", ins["name"], 4, 60)
        check(any(m in ins["name"] for m in ("示范", "演示", "样例")), w, "name must be clearly fictional")
        check(not any(r in ins["name"] + ins["short_name"] for r in REAL_NAMES), w, "looks like a real company")
        check(ins["type"] in ("property", "life", "health", "pension", "agricultural"), w, "type")
        check(region_ok(ins["region"]) and ins["region"].endswith("0000") and ins["region"] != "000000", w, "region")
        u = ins["uscc"]
        if check(isinstance(u, str) and len(u) == 18 and all(c in USCC_CHARS for c in u), w, "uscc format"):
            check(u[:2] == "91" and u[2:8] == ins["region"], w, "uscc must start with 91 + head-office region")
            v = uscc_check_value(u[:17], USCC_CHARS)
            check(USCC_CHARS[v] == u[17], w, f"uscc check character should be {USCC_CHARS[v]}")
            check(re.fullmatch(r"https://[a-z0-9-]+\.example", ins["website"]), w, "website on .example")
        check(re.fullmatch(r"400-6\d\d-\d{4}", ins["hotline"]), w, "hotline")
        sv = ins["solvency"]
        check([s["quarter"] for s in sv] == ["2026Q1", "2026Q2"], w, "quarters 2026Q1, 2026Q2")
        ok = [s["core_pct"] >= 50 and s["comprehensive_pct"] >= 100 and s["rating"] in "AB" for s in sv]
        for j, s in enumerate(sv):
            check(set(s) == {"quarter", "core_pct", "comprehensive_pct", "rating"} and s["rating"] in ("A", "B", "C", "D"), f"{w}.solvency[{j}]", "fields")
            if ok[j]:
                check(60 <= s["core_pct"] <= 300 and 120 <= s["comprehensive_pct"] <= 400, f"{w}.solvency[{j}]", "unrealistic")
        check(ok[0], w, "first report must be adequate")
        if not ok[-1]:
            inadequate.append(ins["key"])
    check(len(insurers) == 14, "insurers", f"{len(insurers)} instead of 14")
    check(len({i["uscc"] for i in insurers.values()}) == len(insurers), "insurers", "duplicate uscc")
    check(len(inadequate) == 1, "insurers", f"exactly one last-inadequate insurer, got {inadequate}")

    cats, groups, nver, per_ins = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
    names, not_lower, withdrawn, suspended = {}, 0, 0, 0
    doc_types = collections.Counter()
    doc_titles = {}
    for i, p in enumerate(data["products"]):
        w = f"products[{i}]"
        check(set(p) <= {"insurer", "versions", "withdraw", "suspend", "documents"}, w, "fields")
        ins = insurers.get(p["insurer"])
        if not check(ins is not None, w, "unknown insurer"):
            continue
        per_ins[p["insurer"]] += 1
        vs = p["versions"]
        check(1 <= len(vs) <= 3, w, "1-3 versions")
        nver[len(vs)] += 1
        for n, v in enumerate(vs):
            vw = f"{w}.v{n + 1}"
            body = {k: x for k, x in v.items() if k != "change_reason"}
            if n == 0:
                check("change_reason" not in v, vw, "first version has no change_reason")
            else:
                text(f"{vw}.change_reason", v.get("change_reason"), 2, 100)
                check(body != {k: x for k, x in vs[n - 1].items() if k != "change_reason"}, vw, "changes nothing")
            nl = product_body(vw, body, ins["hotline"])
            if isinstance(v.get("name"), str):
                check(names.setdefault(v["name"], i) == i, vw, f"name {v['name']!r} used by another product")
        last = vs[-1]
        cats[last["category"]] += 1
        groups.update(last["target_groups"])
        not_lower += bool(nl)
        if "withdraw" in p:
            withdrawn += 1
            wd = p["withdraw"]
            # The loader dates the withdrawal this many days after the load day:
            # the registry refuses a stop-sale date before the product's registration.
            check(set(wd) == {"days_after_load", "reason"}, w, "withdraw fields")
            days = wd.get("days_after_load")
            check(isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= 365, w,
                  "withdraw.days_after_load is an integer 0-365")
            text(f"{w}.withdraw.reason", wd.get("reason"), 2, 200)
        if "suspend" in p:
            suspended += 1
            check(set(p["suspend"]) == {"reason"}, w, "suspend fields")
            text(f"{w}.suspend.reason", p["suspend"].get("reason"), 2, 200)
        check(not ("withdraw" in p and "suspend" in p), w, "both withdrawn and suspended")
        docs = p.get("documents", [])
        check(any(d.get("type") == "terms" for d in docs), w, "every product publishes its terms (条款)")
        for j, d in enumerate(docs):
            dw = f"{w}.documents[{j}]"
            check(set(d) <= {"type", "title", "content", "period", "days_before_load", "updates"}, dw, "fields")
            check(d.get("type") in DOC_TYPES, dw, f"type {d.get('type')!r}")
            text(f"{dw}.title", d.get("title"), 2, 100)
            check(isinstance(d.get("content"), str) and 0 < len(d["content"].encode()) <= 512 * 1024
                  and "<" not in d["content"], dw, "content: plain text up to 512 KB")
            check((d.get("type") == "operating_report") == ("period" in d), dw, "period iff operating_report")
            days = d.get("days_before_load")
            check(isinstance(days, int) and 0 <= days <= 365, dw, "days_before_load 0-365")
            for k, u in enumerate(d.get("updates", [])):
                check(set(u) == {"title", "content", "change_reason"}, f"{dw}.updates[{k}]", "fields")
            doc_types[d.get("type")] += 1
            check(doc_titles.setdefault(d.get("title"), dw) == dw, dw, f"title {d.get('title')!r} used twice")

    total = len(data["products"])
    check(total >= 64, "products", f"{total} < 64")
    check(set(cats) == set(CATEGORIES), "products", f"missing categories {set(CATEGORIES) - set(cats)}")
    top2 = {c for c, _ in cats.most_common(2)}
    check(top2 == {"medical", "accident"} and min(cats["medical"], cats["accident"]) > max(n for c, n in cats.items() if c not in top2),
          "products", "medical and accident must be the most common")
    check(all(groups[g] >= 4 for g in GROUPS), "products", f"groups under 4: {[g for g in GROUPS if groups[g] < 4]}")
    check(nver[2] >= 10 and nver[3] >= 3, "products", f"versions {dict(nver)}")
    check(withdrawn == 3 and suspended == 1, "products", f"{withdrawn} withdrawn, {suspended} suspended")
    check(not_lower >= 5, "products", f"only {not_lower} products with a rate or fee not lower")
    check(set(doc_types) == set(DOC_TYPES), "documents", f"missing types {set(DOC_TYPES) - set(doc_types)}")
    check(all(2 <= per_ins[k] for k in insurers) and per_ins[inadequate[0] if inadequate else "ins14"] == 3,
          "products", f"per insurer {dict(per_ins)}")

    print(f"insurers {len(insurers)} (last report inadequate: {', '.join(inadequate)}); products {total}")
    print("per insurer:", " ".join(f"{k}={n}" for k, n in sorted(per_ins.items())))
    print("categories:", " ".join(f"{c}={cats[c]}" for c in CATEGORIES))
    print("groups:", " ".join(f"{g}={groups[g]}" for g in GROUPS))
    print(f"versions: 1={nver[1]} 2={nver[2]} 3={nver[3]}; withdrawn {withdrawn}; suspended {suspended}; not lower {not_lower}")
    print("documents:", " ".join(f"{t}={doc_types[t]}" for t in DOC_TYPES))
    for e in errors:
        print("FAIL", e)
    print("FAILED" if errors else "OK", f"({len(errors)} problems)")
    return 1 if errors else 0

if __name__ == "__main__":
    sys.exit(main())
