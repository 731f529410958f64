/* registry/estimate.c - see estimate.h. */
#include "registry/estimate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "i18n/format.h"

/* The losses of the three illustrative years, per category (yuan). */
struct category_losses {
    const char *category;
    const char *loss_kind_zh;
    double light_yuan, typical_yuan, heavy_yuan;
    const char *typical_zh, *heavy_zh;
};

static const struct category_losses ESTIMATE_LOSSES[] = {
    {"medical", "医保报销后自己要付的医疗费", 0, 30000, 200000, "住院一次，医保报销后自己还要付 3万元",
     "大病住院，医保报销后自己还要付 20万元"},
    {"accident", "意外受伤的医疗费", 0, 5000, 50000, "摔伤骨折，看病花了 5000 元", "意外重伤，看病花了 5万元"},
    {"home_property", "家里财物的损失", 0, 5000, 50000, "水管爆裂，家里损失 5000 元", "火灾或大风，家里损失 5万元"},
    {"agriculture", "庄稼或牲畜的损失", 0, 10000, 100000, "一场冰雹，损失 1万元", "大灾减产，损失 10万元"},
};

static json_t *scenario(const char *kind, const char *label, double loss, double payout, double premium,
                        const char *summary)
{
    json_t *s = json_object();
    json_object_set_new(s, "kind", json_string(kind));
    json_object_set_new(s, "label_zh", json_string(label));
    json_object_set_new(s, "loss_yuan", json_real(loss));
    json_object_set_new(s, "payout_yuan", json_real(payout));
    json_object_set_new(s, "premium_yuan", json_real(premium));
    json_object_set_new(s, "you_pay_yuan", json_real(premium + loss - payout));
    json_object_set_new(s, "summary_zh", json_string(summary));
    return s;
}

static double number_or(const json_t *v, double fallback)
{
    return json_is_number(v) ? json_number_value(v) : fallback;
}

/* Rounds to whole fen so that sums of money never show float noise. */
static double to_fen(double yuan)
{
    return round(yuan * 100.0) / 100.0;
}

ph_status ph_estimate_yearly_cost(const json_t *product, json_t **out, struct ph_problems *problems)
{
    *out = NULL;
    const json_t *premium_v = json_object_get(json_object_get(product, "premium_yuan_per_year"), "min");
    if (!json_is_number(premium_v) || json_number_value(premium_v) < 0) {
        ph_problems_add(problems, "missing_field", "premium_yuan_per_year", "这个产品没有写每年的保费。");
        return PH_ERR_INVALID;
    }
    double premium = json_number_value(premium_v);
    const char *category = json_string_value(json_object_get(product, "category"));
    const struct category_losses *losses = NULL;
    for (size_t i = 0; category != NULL && i < sizeof ESTIMATE_LOSSES / sizeof ESTIMATE_LOSSES[0]; i++) {
        if (strcmp(ESTIMATE_LOSSES[i].category, category) == 0)
            losses = &ESTIMATE_LOSSES[i];
    }
    char premium_text[64];
    if (ph_format_yuan(premium, premium_text, sizeof premium_text) != PH_I18N_OK)
        snprintf(premium_text, sizeof premium_text, "%.2f 元", premium);
    json_t *result = json_object();
    json_t *scenarios = json_array();
    char summary[256];
    snprintf(summary, sizeof summary, "这一年没有用到保险：只花保费 %s。", premium_text);
    json_array_append_new(scenarios, scenario("light", "基本用不上", 0, 0, premium, summary));
    if (losses == NULL) {
        json_object_set_new(result, "basis_zh",
                            json_string("这类保险出了约定的事就按约定的钱数赔，不按花了多少钱报销，"
                                        "所以这里只算保费。按最低的每年保费算。"));
        json_object_set_new(result, "loss_kind_zh", json_null());
    } else {
        double sum_insured = number_or(json_object_get(product, "sum_insured_yuan"), INFINITY);
        double deductible = number_or(json_object_get(product, "deductible_yuan"), 0);
        double share = number_or(json_object_get(product, "reimbursement_pct"), 100) / 100.0;
        const struct {
            const char *kind, *label, *what;
            double loss;
        } years[] = {
            {"typical", "一般情况", losses->typical_zh, losses->typical_yuan},
            {"heavy", "情况很重", losses->heavy_zh, losses->heavy_yuan},
        };
        for (size_t i = 0; i < 2; i++) {
            double payout = years[i].loss > deductible ? (years[i].loss - deductible) * share : 0;
            payout = to_fen(payout < sum_insured ? payout : sum_insured);
            char payout_text[64];
            char total_text[64];
            if (ph_format_yuan(payout, payout_text, sizeof payout_text) != PH_I18N_OK ||
                ph_format_yuan(to_fen(premium + years[i].loss - payout), total_text, sizeof total_text) !=
                    PH_I18N_OK) {
                json_decref(scenarios);
                json_decref(result);
                ph_problems_add(problems, "internal", "", "金额格式化失败。");
                return PH_ERR_INTERNAL;
            }
            snprintf(summary, sizeof summary, "%s：保险赔 %s，您这一年一共花 %s（含保费 %s）。", years[i].what,
                     payout_text, total_text, premium_text);
            json_array_append_new(scenarios,
                                  scenario(years[i].kind, years[i].label, years[i].loss, payout, premium, summary));
        }
        char basis[512];
        snprintf(basis, sizeof basis,
                 "这是举例算的账，不是承诺。每个同类产品都用同样的例子算，方便比较。"
                 "按最低的每年保费、这个产品的免赔额、报销比例和最高赔付算。");
        json_object_set_new(result, "basis_zh", json_string(basis));
        json_object_set_new(result, "loss_kind_zh", json_string(losses->loss_kind_zh));
    }
    json_object_set_new(result, "scenarios", scenarios);
    *out = result;
    return PH_OK;
}
