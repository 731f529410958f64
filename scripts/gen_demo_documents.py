#!/usr/bin/env python3
"""Writes the demo products' documents into registry/data/demo.json.

The demo dataset's documents (条款, 费率表, 产品说明书, 公告 and quarterly
operating reports) are invented, like the rest of the demo data, and made
from each product's own facts so that they agree with it. This script is
how they were written; run it again after changing the demo products:

    python3 scripts/gen_demo_documents.py

Each product gets a "documents" list: {type, title, content,
days_before_load, period?, updates: [{title, content, change_reason}]}.
Deterministic: the same products give the same documents.
"""
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "registry" / "data" / "demo.json"

CATEGORY_ZH = {
    "accident": "意外伤害保险", "medical": "医疗保险", "critical_illness": "重大疾病保险",
    "term_life": "定期寿险", "home_property": "家庭财产保险", "agriculture": "农业保险",
    "pension": "养老年金保险", "long_term_care": "长期护理保险", "liability": "责任保险", "other": "其他保险",
}
NUMERALS = "一二三四五六七八九十"


def article_no(n):
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    return NUMERALS[n // 10 - 1] + "十" + ("" if n % 10 == 0 else NUMERALS[n % 10 - 1])


def yuan(v):
    v = float(v)
    if v >= 10000 and v % 10000 == 0:
        return f"{int(v // 10000)}万元"
    return f"{int(v)}元" if v == int(v) else f"{v:.2f}元"


def sentence(text):
    return text if text.endswith(("。", "！", "？")) else text + "。"


def terms(name, insurer, body):
    lines = [f"{name}条款", "", f"保险人：{insurer}", ""]
    n = 0

    def art(title, text):
        nonlocal n
        n += 1
        lines.append(f"第{article_no(n)}条 {title}")
        lines.append(text)
        lines.append("")

    art("合同构成", "本合同由本条款、投保单、保险单和批注组成。")
    art("投保范围", f"投保时年龄在{body['age_min']}周岁到{body['age_max']}周岁之间的人，可以投保本保险。")
    p = body["premium_yuan_per_year"]
    if p["min"] == p["max"]:
        art("保险费", f"每人每年交保险费{yuan(p['min'])}。")
    else:
        art("保险费", f"每人每年交保险费{yuan(p['min'])}到{yuan(p['max'])}，按年龄和保障档次不同，详见费率表。")
    art("保险金额", f"本保险的保险金额最高为{yuan(body['sum_insured_yuan'])}。")
    if body.get("deductible_yuan"):
        art("免赔额", f"本保险的免赔额为{yuan(body['deductible_yuan'])}。免赔额以内的费用由您自己承担。")
    if body.get("waiting_period_days"):
        art("等待期", f"合同生效后{body['waiting_period_days']}天内为等待期。等待期内因疾病发生的费用不赔，意外伤害除外。")
    for item in body.get("covered", []):
        art("保险责任", item)
    for item in body.get("not_covered", []):
        art("责任免除", item)
    claim = body.get("claim") or {}
    if claim.get("how"):
        docs = "、".join(claim.get("documents", []))
        art("理赔申请", claim["how"] + (f"需要的材料：{docs}。" if docs else ""))
    if claim.get("settle_days"):
        art("赔付时间", f"材料齐全后，保险人在{claim['settle_days']}天内作出核定，并在达成协议后10天内支付赔款。")
    art("保险期间", f"本保险的保险期间为{body.get('term_months', 12)}个月，以保险单载明的起止时间为准。")
    art("争议处理", "合同争议可以协商解决，也可以向消费者权益保护部门或12378投诉，或依法向法院起诉。")
    return "\n".join(lines).strip() + "\n"


def prospectus(name, insurer, body):
    lines = [f"{name}产品说明书", "", "一、这个保险是什么", body["summary"], "", "二、保什么"]
    lines += [f"{i + 1}. {c}" for i, c in enumerate(body.get("covered", []))]
    lines += ["", "三、不保什么"]
    lines += [f"{i + 1}. {c}" for i, c in enumerate(body.get("not_covered", []))]
    p = body["premium_yuan_per_year"]
    lines += ["", "四、要花多少钱",
              f"每年{yuan(p['min'])}" + ("。" if p["min"] == p["max"] else f"到{yuan(p['max'])}，年龄越大越贵。"),
              "", "五、怎么买", f"可以在线投保，也可以打电话{body.get('hotline', '')}问客服。",
              "", "六、有问题找谁", f"请先打{insurer}的客服电话{body.get('hotline', '')}。解决不了，可以打12378投诉。"]
    return "\n".join(lines).strip() + "\n"


def rate_table(name, body, rng):
    p = body["premium_yuan_per_year"]
    lo, hi = float(p["min"]), float(p["max"])
    age_min, age_max = body["age_min"], min(body["age_max"], 100)
    bands = []
    edges = [age_min] + [a for a in (18, 41, 51, 61, 71, 81) if age_min < a <= age_max] + [age_max + 1]
    for i in range(len(edges) - 1):
        a, b = edges[i], edges[i + 1] - 1
        if a > b:
            continue
        bands.append((a, b))
    lines = [f"{name}费率表", "", "单位：元/人/年", "", "年龄（周岁）    保险费"]
    for i, (a, b) in enumerate(bands):
        frac = i / max(1, len(bands) - 1)
        fee = lo + (hi - lo) * frac
        fee = round(fee)
        lines.append(f"{a}到{b}岁        {fee}")
    lines += ["", "说明：", "1. 年龄按投保时的周岁计算。", "2. 同一年龄段的人，保险费相同，不因健康状况加价。"]
    return "\n".join(lines).strip() + "\n"


def report(name, quarter, body, rng):
    insured = rng.randrange(8, 240) * 1000
    premium_per = float(body["premium_yuan_per_year"]["min"])
    income = insured * premium_per / 4
    ratio = rng.uniform(0.55, 0.92)
    claims = rng.randrange(200, 9000)
    days = rng.randrange(3, 18)
    y, q = quarter[:4], quarter[-1]
    lines = [f"{name}{y}年第{NUMERALS[int(q) - 1]}季度经营情况报告", "",
             f"一、参保人数：{insured:,}人。".replace(",", ""),
             f"二、保险费收入：{income / 10000:.1f}万元。",
             f"三、赔付金额：{income * ratio / 10000:.1f}万元，赔付率{ratio * 100:.1f}%。",
             f"四、理赔件数：{claims}件，平均{days}天结案。",
             f"五、投诉件数：{rng.randrange(0, 30)}件，已全部处理完毕。",
             "六、说明：赔付率是赔给参保人的钱占保费的比例，越高说明保费越多用在了参保人身上。"]
    return "\n".join(lines).strip() + "\n"


def documents_for(index, item, insurers):
    rng = random.Random(20260529 + index)
    versions = item["versions"]
    first, last = versions[0], versions[-1]
    name = last["name"]
    insurer = insurers[item["insurer"]]
    docs = []
    term = {"type": "terms", "title": f"{name}条款", "content": terms(first["name"], insurer, first),
            "days_before_load": 200 + rng.randrange(0, 60)}
    if len(versions) > 1:
        term["updates"] = [{"title": f"{name}条款", "content": terms(v["name"], insurer, v),
                            "change_reason": v.get("change_reason") or "随产品新版本更新条款。"}
                           for v in versions[1:]]
    docs.append(term)
    if index % 2 == 0:
        docs.append({"type": "prospectus", "title": f"{name}产品说明书", "content": prospectus(name, insurer, last),
                     "days_before_load": 190 + rng.randrange(0, 30)})
    p = last["premium_yuan_per_year"]
    if p["min"] != p["max"]:
        docs.append({"type": "rate_table", "title": f"{name}费率表", "content": rate_table(name, last, rng),
                     "days_before_load": 195 + rng.randrange(0, 30)})
    for n, (v_prev, v) in enumerate(zip(versions, versions[1:]), 2):
        if v["premium_yuan_per_year"] != v_prev["premium_yuan_per_year"]:
            a, b = v_prev["premium_yuan_per_year"], v["premium_yuan_per_year"]
            docs.append({"type": "notice", "title": f"关于{name}费率调整的公告",
                         "content": (f"关于{name}费率调整的公告\n\n各位参保人：\n\n"
                                     f"经精算评估，本产品每年保险费由{yuan(a['min'])}起调整为{yuan(b['min'])}起。\n"
                                     f"调整原因：{sentence(v.get('change_reason') or '根据上一年度赔付情况调整')}\n"
                                     "已经生效的保单，保险费在保险期间内不变。\n\n"
                                     f"{insurer}\n"),
                         "days_before_load": 30 + rng.randrange(0, 20)})
        elif v.get("change_reason"):
            docs.append({"type": "notice", "title": f"关于{name}保障升级的公告（第{n}版）",
                         "content": (f"关于{name}保障升级的公告（第{n}版）\n\n各位参保人：\n\n"
                                     f"本产品发布了新版本。变化是：{sentence(v['change_reason'])}\n"
                                     "已经生效的保单，按原来的条款继续有效。新投保的人按新条款执行。\n\n"
                                     f"{insurer}\n"),
                         "days_before_load": 20 + rng.randrange(0, 20)})
    if "withdraw" in item:
        docs.append({"type": "notice", "title": f"关于{name}停售的公告",
                     "content": (f"关于{name}停售的公告\n\n各位参保人：\n\n本产品将停止销售。"
                                 f"原因：{item['withdraw']['reason']}\n"
                                 "停售前已经买的保单，在保险期间内继续有效，理赔不受影响。\n\n"
                                 f"{insurer}\n"),
                     "days_before_load": 0})
    if index % 3 == 0:
        for days, quarter in ((150, "2026Q1"), (60, "2026Q2")):
            docs.append({"type": "operating_report", "period": quarter,
                         "title": f"{name}{quarter[:4]}年第{NUMERALS[int(quarter[-1]) - 1]}季度经营情况报告",
                         "content": report(name, quarter, last, rng), "days_before_load": days})
    return docs


def main():
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    insurers = {i["key"]: i["name"] for i in data["insurers"]}
    count = 0
    for index, item in enumerate(data["products"]):
        item["documents"] = documents_for(index, item, insurers)
        count += len(item["documents"]) + sum(len(d.get("updates", [])) for d in item["documents"])
    DEMO.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"gen_demo_documents: {count} document versions for {len(data['products'])} products", file=sys.stderr)


if __name__ == "__main__":
    main()
