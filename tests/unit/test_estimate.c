/*
 * tests/unit/test_estimate.c - registry/estimate.h: the three illustrative
 * years of "一年大约要花多少钱", figures checked by hand.
 */
#include "test_support.h"

#include "registry/estimate.h"

static json_t *scenario_of(json_t *estimate, const char *kind)
{
    size_t i;
    json_t *s;
    json_array_foreach (json_object_get(estimate, "scenarios"), i, s) {
        if (strcmp(json_string_value(json_object_get(s, "kind")), kind) == 0)
            return s;
    }
    return NULL;
}

static double num(json_t *s, const char *field)
{
    return json_number_value(json_object_get(s, field));
}

static json_t *estimate_of(const char *product_json)
{
    json_t *product = test_json(product_json);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_estimate_yearly_cost(product, &out, &problems), PH_OK);
    ph_problems_release(&problems);
    json_decref(product);
    return out;
}

static void test_medical_three_years(void **state)
{
    (void)state;
    /* 99 a year; 20,000 deductible; 70 % paid; up to 2,000,000. */
    json_t *e = estimate_of("{\"category\": \"medical\", \"premium_yuan_per_year\": {\"min\": 99, \"max\": 99},"
                            " \"deductible_yuan\": 20000, \"reimbursement_pct\": 70, \"sum_insured_yuan\": 2000000}");
    assert_int_equal(json_array_size(json_object_get(e, "scenarios")), 3);
    json_t *light = scenario_of(e, "light");
    assert_float_equal(num(light, "you_pay_yuan"), 99, 1e-9);
    assert_float_equal(num(light, "payout_yuan"), 0, 1e-9);
    json_t *typical = scenario_of(e, "typical");
    assert_float_equal(num(typical, "loss_yuan"), 30000, 1e-9);
    assert_float_equal(num(typical, "payout_yuan"), 7000, 1e-9); /* (30,000 - 20,000) x 70 % */
    assert_float_equal(num(typical, "you_pay_yuan"), 23099, 1e-9);
    json_t *heavy = scenario_of(e, "heavy");
    assert_float_equal(num(heavy, "payout_yuan"), 126000, 1e-9); /* (200,000 - 20,000) x 70 % */
    assert_float_equal(num(heavy, "you_pay_yuan"), 74099, 1e-9);
    const char *summary = json_string_value(json_object_get(typical, "summary_zh"));
    assert_non_null(strstr(summary, "7000元"));
    assert_non_null(strstr(summary, "99元"));
    assert_non_null(strstr(json_string_value(json_object_get(e, "basis_zh")), "举例"));
    json_decref(e);
}

static void test_capped_by_sum_insured_and_no_deductible(void **state)
{
    (void)state;
    json_t *e = estimate_of("{\"category\": \"accident\", \"premium_yuan_per_year\": {\"min\": 30.5},"
                            " \"deductible_yuan\": 0, \"sum_insured_yuan\": 20000}");
    json_t *typical = scenario_of(e, "typical");
    assert_float_equal(num(typical, "payout_yuan"), 5000, 1e-9); /* no share named: all of it */
    assert_float_equal(num(typical, "you_pay_yuan"), 30.5, 1e-9);
    json_t *heavy = scenario_of(e, "heavy");
    assert_float_equal(num(heavy, "payout_yuan"), 20000, 1e-9); /* the cap, not 50,000 */
    assert_float_equal(num(heavy, "you_pay_yuan"), 30030.5, 1e-9);
    json_decref(e);
    /* A loss below the deductible pays nothing. */
    e = estimate_of("{\"category\": \"home_property\", \"premium_yuan_per_year\": {\"min\": 50},"
                    " \"deductible_yuan\": 6000, \"sum_insured_yuan\": 100000, \"reimbursement_pct\": 80}");
    assert_float_equal(num(scenario_of(e, "typical"), "payout_yuan"), 0, 1e-9);
    assert_float_equal(num(scenario_of(e, "heavy"), "payout_yuan"), 35200, 1e-9);
    json_decref(e);
}

static void test_fixed_sum_products_show_premium_only(void **state)
{
    (void)state;
    json_t *e = estimate_of("{\"category\": \"critical_illness\", \"premium_yuan_per_year\": {\"min\": 120},"
                            " \"sum_insured_yuan\": 100000}");
    assert_int_equal(json_array_size(json_object_get(e, "scenarios")), 1);
    assert_float_equal(num(scenario_of(e, "light"), "you_pay_yuan"), 120, 1e-9);
    assert_true(json_is_null(json_object_get(e, "loss_kind_zh")));
    json_decref(e);
}

static void test_missing_premium_is_an_error(void **state)
{
    (void)state;
    static const char *const bad[] = {"{\"category\": \"medical\"}",
                                      "{\"premium_yuan_per_year\": {\"min\": \"99\"}}",
                                      "{\"premium_yuan_per_year\": {\"min\": -1}}", "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *product = test_json(bad[i]);
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        assert_int_equal(ph_estimate_yearly_cost(product, &out, &problems), PH_ERR_INVALID);
        assert_null(out);
        assert_first_problem(&problems, "missing_field", "premium_yuan_per_year", bad[i]);
        ph_problems_release(&problems);
        json_decref(product);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_medical_three_years),
        cmocka_unit_test(test_capped_by_sum_insured_and_no_deductible),
        cmocka_unit_test(test_fixed_sum_products_show_premium_only),
        cmocka_unit_test(test_missing_premium_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
