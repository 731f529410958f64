/*
 * registry/estimate.h - "一年大约要花多少钱": what a year with a product
 * costs a person in three illustrative years (light, typical and heavy
 * use), from the product's own figures.
 *
 * For products that pay back part of a cost (medical, accident, home and
 * farm cover): the year's cost = the yearly premium + the loss - what the
 * product pays, where the product pays
 *     min(sum insured, max(0, loss - deductible) x reimbursement share),
 * with the reimbursement share 100 % when the product names none. The
 * losses are fixed per category (ESTIMATE_LOSSES in estimate.c), the same
 * for every product of the category, so that products can be compared;
 * they are examples, not predictions, and the answer says so in words.
 * Products that pay a fixed sum (critical illness, life, pension, care,
 * liability, other) get the premium only, with a sentence saying why.
 *
 * The premium is the lowest yearly premium (people of different ages pay
 * different amounts; the product page shows the range).
 */
#ifndef PH_REGISTRY_ESTIMATE_H
#define PH_REGISTRY_ESTIMATE_H

#include <jansson.h>

#include "registry/problems.h"

/*
 * From a product as ph_product_get returns it, *out = {
 *   basis_zh:   how the figures were made, in one or two plain sentences,
 *   loss_kind_zh: what the loss is ("自己要付的医疗费"), or null,
 *   scenarios: [{kind: "light"|"typical"|"heavy", label_zh, loss_yuan,
 *                payout_yuan, premium_yuan, you_pay_yuan, summary_zh}]
 * }
 * Amounts are in yuan (numbers); summary_zh says the year in words
 * ("一年住院自付 3万元：保险赔 5600 元，您一共花 2.45万元（含保费 99 元）").
 * PH_ERR_INVALID (field premium_yuan_per_year) when the product has no
 * yearly premium. The caller json_decref's *out.
 */
ph_status ph_estimate_yearly_cost(const json_t *product, json_t **out, struct ph_problems *problems);

#endif
