/*
 * registry/product_validate.c - the product's rule tables and the rules
 * that relate fields to each other (age range, premium range, and the
 * rate comparison of policy points 八 and 十二).
 */
#include "registry/product_validate.h"

#include <stdio.h>
#include <string.h>

#include "i18n/text.h"
#include "registry/rules.h"
#include "registry/validate.h"

static const struct ph_field_rule premium_rules[] = {
    {"min", "每年最低保费", K_NUMBER, true, 0, 1e6, 2, false, 0, 0, NULL, NULL},
    {"max", "每年最高保费", K_NUMBER, true, 0, 1e6, 2, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

static const struct ph_field_rule claim_rules[] = {
    {"how", "怎么理赔", K_TEXT, true, 5, 500, 0, false, 0, 0, NULL, NULL},
    {"documents", "理赔要交的材料", K_STRING_LIST, true, 1, 100, 0, false, 1, 20, NULL, NULL},
    {"settle_days", "承诺几天内赔付", K_INT, true, 1, 365, 0, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

static const struct ph_field_rule comparison_rules[] = {
    {"this_pct", "本产品的比率", K_NUMBER, true, 0, 100, 4, false, 0, 0, NULL, NULL},
    {"comparable_pct", "同类普通产品的比率", K_NUMBER, true, 0, 100, 4, false, 0, 0, NULL, NULL},
    {"reason", "不低于普通产品的原因", K_TEXT, false, 2, 500, 0, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

static const struct ph_field_rule product_rules[] = {
    {"name", "产品名称", K_STRING, true, 2, 60, 0, false, 0, 0, NULL, NULL},
    {"category", "保险种类", K_ENUM, true, 0, 0, 0, false, 0, 0, &ph_enum_category, NULL},
    {"target_groups", "适合人群", K_ENUM_LIST, true, 0, 0, 0, false, 1, 10, &ph_enum_target_group, NULL},
    {"regions", "销售地区", K_REGIONS, true, 0, 0, 0, false, 1, 500, NULL, NULL},
    {"age_min", "最低投保年龄", K_INT, true, 0, 120, 0, false, 0, 0, NULL, NULL},
    {"age_max", "最高投保年龄", K_INT, true, 0, 120, 0, false, 0, 0, NULL, NULL},
    {"premium_yuan_per_year", "每年保费", K_OBJECT, true, 0, 0, 0, false, 0, 0, NULL, premium_rules},
    {"sum_insured_yuan", "最高保额", K_NUMBER, true, 0, 1e8, 2, true, 0, 0, NULL, NULL},
    {"deductible_yuan", "免赔额", K_NUMBER, true, 0, 1e6, 2, false, 0, 0, NULL, NULL},
    {"reimbursement_pct", "报销比例", K_NUMBER, false, 0, 100, 2, false, 0, 0, NULL, NULL},
    {"waiting_period_days", "等待期", K_INT, true, 0, 730, 0, false, 0, 0, NULL, NULL},
    {"cooling_off_days", "犹豫期", K_INT, false, 0, 365, 0, false, 0, 0, NULL, NULL},
    {"preexisting_conditions", "既往症能不能赔", K_ENUM, true, 0, 0, 0, false, 0, 0, &ph_enum_preexisting,
     NULL},
    {"health_questionnaire", "是否要做健康告知", K_BOOL, true, 0, 0, 0, false, 0, 0, NULL, NULL},
    {"term_months", "保障期限", K_INT, true, 1, 1200, 0, false, 0, 0, NULL, NULL},
    {"summary", "产品简介", K_TEXT, true, 10, 500, 0, false, 0, 0, NULL, NULL},
    {"covered", "保障内容", K_STRING_LIST, true, 2, 200, 0, false, 1, 30, NULL, NULL},
    {"not_covered", "不赔的情况", K_STRING_LIST, true, 2, 200, 0, false, 1, 30, NULL, NULL},
    {"claim", "理赔", K_OBJECT, true, 0, 0, 0, false, 0, 0, NULL, claim_rules},
    {"service_commitments", "服务承诺", K_STRING_LIST, false, 2, 200, 0, false, 0, 20, NULL, NULL},
    {"channels", "购买渠道", K_ENUM_LIST, true, 0, 0, 0, false, 1, 3, &ph_enum_channel, NULL},
    {"purchase_url", "网上购买地址", K_URL, false, 0, 500, 0, false, 0, 0, NULL, NULL},
    {"hotline", "客服电话", K_HOTLINE, true, 3, 20, 0, false, 0, 0, NULL, NULL},
    {"premium_rate", "费率与普通产品对比", K_OBJECT, true, 0, 0, 0, false, 0, 0, NULL, comparison_rules},
    {"intermediary_fee", "中介费用率与普通产品对比", K_OBJECT, true, 0, 0, 0, false, 0, 0, NULL,
     comparison_rules},
    PH_END_OF_RULES,
};

static const struct ph_field_rule change_reason_rule = {
    "change_reason", "变更原因", K_STRING, true, 2, 100, 0, false, 0, 0, NULL, NULL};

/* --- rules across fields ------------------------------------------------ */

static double number_at(const json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

/* Policy 八 and 十二: a rate or fee that is not below comparable ordinary
 * products must come with a reason, which is then shown publicly. */
static void check_comparison(struct ph_problems *problems, const json_t *product, const char *field,
                             const char *what_zh)
{
    const json_t *cmp = json_object_get(product, field);
    if (number_at(cmp, "this_pct") < number_at(cmp, "comparable_pct"))
        return;
    if (json_is_string(json_object_get(cmp, "reason")))
        return;
    char path[64];
    snprintf(path, sizeof path, "%s.reason", field);
    ph_problems_add(problems, "reason_required", path,
                    "本产品的%s不低于同类普通产品，请在「不低于普通产品的原因」（%s）里写明原因。"
                    "这个原因会向公众公开。",
                    what_zh, path);
}

static void check_cross_fields(struct ph_problems *problems, const json_t *product)
{
    if (json_integer_value(json_object_get(product, "age_min")) >
        json_integer_value(json_object_get(product, "age_max"))) {
        ph_problems_add(problems, "age_range", "age_min",
                        "最低投保年龄（age_min）不能大于最高投保年龄（age_max）。");
    }
    const json_t *premium = json_object_get(product, "premium_yuan_per_year");
    if (number_at(premium, "min") > number_at(premium, "max")) {
        ph_problems_add(problems, "premium_range", "premium_yuan_per_year.min",
                        "每年最低保费（premium_yuan_per_year.min）不能高于最高保费（max）。");
    }
    check_comparison(problems, product, "premium_rate", "费率");
    check_comparison(problems, product, "intermediary_fee", "中介费用率");
}

static void add_warning(json_t *warnings, const char *code, const char *field, const char *message)
{
    json_array_append_new(warnings,
                          json_pack("{s:s, s:s, s:s}", "code", code, "field", field, "message", message));
}

static void collect_warnings(const json_t *product, json_t *warnings)
{
    const char *url = json_string_value(json_object_get(product, "purchase_url"));
    if (url == NULL && ph_json_list_has_string(json_object_get(product, "channels"), "online"))
        add_warning(warnings, "purchase_url_missing", "purchase_url",
                    "购买渠道有“网上买”，但没有填写网上购买地址。");
    if (url != NULL && strncmp(url, "http://", 7) == 0)
        add_warning(warnings, "purchase_url_not_https", "purchase_url",
                    "网上购买地址没有用 https，个人信息在传输中可能不安全。");
    const char *summary = json_string_value(json_object_get(product, "summary"));
    if (!ph_text_has_han(summary, strlen(summary)))
        add_warning(warnings, "summary_not_chinese", "summary",
                    "产品简介里没有中文。请用简单的中文写给老百姓看。");
}

ph_status ph_product_validate(const json_t *body, enum ph_validate_mode mode, json_t **out_product,
                              json_t **out_change_reason, json_t *warnings, struct ph_problems *problems)
{
    *out_product = NULL;
    *out_change_reason = NULL;
    size_t before = ph_problems_count(problems);
    static const char *const change_reason_name[] = {"change_reason", NULL};

    json_t *product = ph_validate_object(product_rules, "", body, change_reason_name, problems);

    json_t *reason = NULL;
    const json_t *given_reason = json_is_object(body) ? json_object_get(body, "change_reason") : NULL;
    if (mode == PH_VALIDATE_UPDATE) {
        if (given_reason == NULL || json_is_null(given_reason))
            ph_problems_add(problems, "field_required", "change_reason",
                            "发布新版本时请写明「变更原因」（change_reason），例如“费率调整”。");
        else
            reason = ph_validate_value(&change_reason_rule, "change_reason", given_reason, problems);
    } else if (given_reason != NULL && !json_is_null(given_reason)) {
        ph_problems_add(problems, "field_unknown", "change_reason",
                        "第一次登记的产品不需要「变更原因」（change_reason），请删掉这一项。");
    }

    if (product != NULL)
        check_cross_fields(problems, product);

    if (ph_problems_count(problems) != before) {
        json_decref(product);
        json_decref(reason);
        return PH_ERR_INVALID;
    }
    collect_warnings(product, warnings);
    *out_product = product;
    *out_change_reason = reason;
    return PH_OK;
}

const char *ph_product_field_label(const char *field)
{
    const char *last = strrchr(field, '.');
    const char *name = last != NULL ? last + 1 : field;
    const char *label = ph_rules_label(product_rules, name);
    if (label == NULL && strcmp(name, "change_reason") == 0)
        label = change_reason_rule.label_zh;
    return label != NULL ? label : field;
}

size_t ph_product_field_count(void)
{
    return sizeof product_rules / sizeof product_rules[0] - 1; /* without PH_END_OF_RULES */
}

const char *ph_product_field_name(size_t index)
{
    return index < ph_product_field_count() ? product_rules[index].name : NULL;
}
