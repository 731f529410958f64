/*
 * tests/unit/test_product_validate.c - registry/product_validate.h against
 * the rules of docs/API.md: the canonical form of a valid body, then one
 * table of mutations of that body, each with the exact status, first
 * problem code and field it must produce.
 */
#include "test_support.h"

#include "registry/product_validate.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Runs the validator; the caller releases *problems and the outputs. */
static ph_status validate(const json_t *body, enum ph_validate_mode mode, json_t **product, json_t **reason,
                          json_t *warnings, struct ph_problems *problems)
{
    ph_status st = ph_product_validate(body, mode, product, reason, warnings, problems);
    if (st == PH_OK) {
        assert_non_null(*product);
        assert_int_equal(ph_problems_count(problems), 0);
    } else {
        assert_null(*product);
        assert_null(*reason);
        assert_true(ph_problems_count(problems) > 0);
    }
    return st;
}

/* --- the canonical form ------------------------------------------------------ */

static void assert_keys_in_order(const json_t *object, const char *const *keys, const char *what)
{
    size_t i = 0;
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)object, key, value) {
        if (keys[i] == NULL || strcmp(key, keys[i]) != 0)
            fail_msg("%s: key %zu is %s, expected %s", what, i, key, keys[i] ? keys[i] : "(end)");
        i++;
    }
    if (keys[i] != NULL)
        fail_msg("%s: missing %s", what, keys[i]);
}

static void test_valid_body_canonical_form(void **state)
{
    (void)state;
    json_t *body = test_product_body();
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *reason = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(validate(body, PH_VALIDATE_REGISTER, &product, &reason, warnings, &problems), PH_OK);
    assert_null(reason);
    assert_int_equal(json_array_size(warnings), 0);

    assert_keys_in_order(product, test_product_fields, "product");
    static const char *const premium_keys[] = {"min", "max", NULL};
    static const char *const claim_keys[] = {"how", "documents", "settle_days", NULL};
    static const char *const comparison_keys[] = {"this_pct", "comparable_pct", "reason", NULL};
    assert_keys_in_order(json_object_get(product, "premium_yuan_per_year"), premium_keys, "premium");
    assert_keys_in_order(json_object_get(product, "claim"), claim_keys, "claim");
    assert_keys_in_order(json_object_get(product, "premium_rate"), comparison_keys, "premium_rate");
    assert_keys_in_order(json_object_get(product, "intermediary_fee"), comparison_keys, "intermediary_fee");

    /* Absent optional fields: null, or [] for lists. */
    assert_true(json_is_null(json_object_get(product, "reimbursement_pct")));
    assert_true(json_is_null(json_object_get(product, "cooling_off_days")));
    assert_true(json_is_array(json_object_get(product, "service_commitments")));
    assert_int_equal(json_array_size(json_object_get(product, "service_commitments")), 0);
    assert_true(json_is_null(test_json_get_path(product, "premium_rate.reason")));

    /* The whole canonical text, byte for byte. */
    char *text = json_dumps(product, PH_JSON_COMPACT);
    assert_string_equal(text,
                        "{\"name\":\"惠民示范医疗保险\",\"category\":\"medical\","
                        "\"target_groups\":[\"elderly\",\"low_income\"],\"regions\":[\"330000\",\"110105\"],"
                        "\"age_min\":0,\"age_max\":100,\"premium_yuan_per_year\":{\"min\":59,\"max\":299.5},"
                        "\"sum_insured_yuan\":2000000,\"deductible_yuan\":20000,\"reimbursement_pct\":null,"
                        "\"waiting_period_days\":30,\"cooling_off_days\":null,"
                        "\"preexisting_conditions\":\"partly\",\"health_questionnaire\":false,"
                        "\"term_months\":12,"
                        "\"summary\":\"面向老年人和低收入人群的普惠医疗保险，有既往症也能部分报销。\","
                        "\"covered\":[\"住院医疗费用\",\"特定高额药品费用\"],"
                        "\"not_covered\":[\"美容整形\",\"故意自伤\"],"
                        "\"claim\":{\"how\":\"拨打客服电话报案，上传材料后审核赔付。\","
                        "\"documents\":[\"身份证\",\"医疗费用发票\"],\"settle_days\":10},"
                        "\"service_commitments\":[],\"channels\":[\"online\",\"offline\"],"
                        "\"purchase_url\":\"https://insurer.example/buy\",\"hotline\":\"400-800-1234\","
                        "\"premium_rate\":{\"this_pct\":60,\"comparable_pct\":80,\"reason\":null},"
                        "\"intermediary_fee\":{\"this_pct\":5,\"comparable_pct\":15,\"reason\":null}}");
    free(text);

    json_decref(product);
    json_decref(warnings);
    json_decref(body);
    ph_problems_release(&problems);
}

/* Two bodies that mean the same thing have the same canonical JSON: member
 * order, surrounding white space, 100.0 vs 100 and "" for an absent
 * optional field make no difference. */
static void test_equivalent_bodies_same_canonical_json(void **state)
{
    (void)state;
    json_t *plain = test_product_body();
    test_json_set_path(plain, "premium_yuan_per_year.max", json_integer(100));
    test_json_set_path(plain, "purchase_url", NULL);
    test_json_set_path(plain, "channels", test_json("[\"offline\"]"));

    /* The same product, written differently. */
    json_t *messy = json_object();
    json_t *ordered = test_product_body();
    const char *key;
    json_t *value;
    const char *keys[32];
    size_t n = 0;
    json_object_foreach (ordered, key, value) {
        keys[n++] = key;
    }
    while (n > 0) {
        n--;
        json_object_set(messy, keys[n], json_object_get(ordered, keys[n]));
    }
    json_object_set_new(messy, "name", json_string(" \xE3\x80\x80惠民示范医疗保险 \xC2\xA0"));
    test_json_set_path(messy, "premium_yuan_per_year", test_json("{\"max\": 100.0, \"min\": 59.00}"));
    test_json_set_path(messy, "purchase_url", json_string(""));
    test_json_set_path(messy, "channels", test_json("[\"offline\"]"));
    test_json_set_path(messy, "cooling_off_days", json_null());
    test_json_set_path(messy, "reimbursement_pct", json_string("  "));
    test_json_set_path(messy, "service_commitments", json_null());
    test_json_set_path(messy, "claim",
                       test_json("{\"settle_days\": 10.0, \"documents\": [\" 身份证 \", \"医疗费用发票\"],"
                                 " \"how\": \"拨打客服电话报案，上传材料后审核赔付。\\n\"}"));
    test_json_set_path(messy, "premium_rate",
                       test_json("{\"reason\": \"\", \"comparable_pct\": 80.0, \"this_pct\": 60}"));

    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *warnings = json_array();
    json_t *a = NULL;
    json_t *b = NULL;
    json_t *reason = NULL;
    assert_int_equal(validate(plain, PH_VALIDATE_REGISTER, &a, &reason, warnings, &problems), PH_OK);
    ph_status st_b = validate(messy, PH_VALIDATE_REGISTER, &b, &reason, warnings, &problems);
    if (st_b != PH_OK)
        fail_msg("equivalent body refused: %s", json_dumps(problems.items, JSON_COMPACT));

    json_t *max = test_json_get_path(b, "premium_yuan_per_year.max");
    assert_true(json_is_integer(max));
    assert_int_equal(json_integer_value(max), 100);
    assert_true(json_is_integer(test_json_get_path(b, "claim.settle_days")));
    assert_string_equal(test_string_at(b, "name"), "惠民示范医疗保险");
    assert_string_equal(json_string_value(json_array_get(test_json_get_path(b, "claim.documents"), 0)),
                        "身份证");
    assert_true(json_is_null(json_object_get(b, "purchase_url")));
    assert_true(json_is_null(json_object_get(b, "reimbursement_pct")));
    assert_true(json_is_null(test_json_get_path(b, "premium_rate.reason")));

    char *text_a = json_dumps(a, PH_JSON_COMPACT);
    char *text_b = json_dumps(b, PH_JSON_COMPACT);
    assert_string_equal(text_a, text_b);
    free(text_a);
    free(text_b);

    json_decref(a);
    json_decref(b);
    json_decref(plain);
    json_decref(messy);
    json_decref(ordered);
    json_decref(warnings);
    ph_problems_release(&problems);
}

static void test_optional_fields_kept_when_given(void **state)
{
    (void)state;
    json_t *body = test_product_body();
    test_json_set_path(body, "reimbursement_pct", json_real(55.5));
    test_json_set_path(body, "cooling_off_days", json_integer(15));
    test_json_set_path(body, "service_commitments", test_json("[\" 7×24 小时客服 \"]"));
    test_json_set_path(body, "premium_rate",
                       test_json("{\"this_pct\": 85, \"comparable_pct\": 80,"
                                 " \"reason\": \"  保障范围更宽  \"}"));
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *reason = NULL;
    assert_int_equal(validate(body, PH_VALIDATE_REGISTER, &product, &reason, warnings, &problems), PH_OK);
    assert_true(json_is_real(json_object_get(product, "reimbursement_pct")));
    assert_true(json_real_value(json_object_get(product, "reimbursement_pct")) == 55.5);
    assert_int_equal(json_integer_value(json_object_get(product, "cooling_off_days")), 15);
    assert_string_equal(json_string_value(json_array_get(json_object_get(product, "service_commitments"), 0)),
                        "7×24 小时客服");
    assert_string_equal(test_string_at(product, "premium_rate.reason"), "保障范围更宽");
    json_decref(product);
    json_decref(warnings);
    json_decref(body);
    ph_problems_release(&problems);
}

/* --- one mutation, one expected answer ------------------------------------ */

struct mutation {
    const char *label;
    const char *path;       /* dotted member path */
    const char *value_json; /* NULL with repeat_count 0: delete the member */
    const char *repeat_unit;
    size_t repeat_count; /* > 0: the value is repeat_unit repeated */
    ph_status status;
    const char *code; /* first problem; NULL when PH_OK */
    const char *field;
};

#define DELETE(path, field)                                                                                  \
    {                                                                                                        \
        "missing " path, path, NULL, NULL, 0, PH_ERR_INVALID, "field_required", field                        \
    }
/* The last arguments are (status, code, field), or OK. */
#define SET(label, path, json, ...)                                                                          \
    {                                                                                                        \
        label, path, json, NULL, 0, __VA_ARGS__                                                              \
    }
#define REPEAT(label, path, unit, count, ...)                                                                \
    {                                                                                                        \
        label, path, NULL, unit, count, __VA_ARGS__                                                          \
    }
#define BAD PH_ERR_INVALID
#define OK  PH_OK, NULL, NULL

static const struct mutation mutations[] = {
    /* field_required: every required field, top level and nested. */
    DELETE("name", "name"),
    DELETE("category", "category"),
    DELETE("target_groups", "target_groups"),
    DELETE("regions", "regions"),
    DELETE("age_min", "age_min"),
    DELETE("age_max", "age_max"),
    DELETE("premium_yuan_per_year", "premium_yuan_per_year"),
    DELETE("premium_yuan_per_year.min", "premium_yuan_per_year.min"),
    DELETE("premium_yuan_per_year.max", "premium_yuan_per_year.max"),
    DELETE("sum_insured_yuan", "sum_insured_yuan"),
    DELETE("deductible_yuan", "deductible_yuan"),
    DELETE("waiting_period_days", "waiting_period_days"),
    DELETE("preexisting_conditions", "preexisting_conditions"),
    DELETE("health_questionnaire", "health_questionnaire"),
    DELETE("term_months", "term_months"),
    DELETE("summary", "summary"),
    DELETE("covered", "covered"),
    DELETE("not_covered", "not_covered"),
    DELETE("claim", "claim"),
    DELETE("claim.how", "claim.how"),
    DELETE("claim.documents", "claim.documents"),
    DELETE("claim.settle_days", "claim.settle_days"),
    DELETE("channels", "channels"),
    DELETE("hotline", "hotline"),
    DELETE("premium_rate", "premium_rate"),
    DELETE("premium_rate.this_pct", "premium_rate.this_pct"),
    DELETE("premium_rate.comparable_pct", "premium_rate.comparable_pct"),
    DELETE("intermediary_fee", "intermediary_fee"),
    DELETE("intermediary_fee.this_pct", "intermediary_fee.this_pct"),
    DELETE("intermediary_fee.comparable_pct", "intermediary_fee.comparable_pct"),
    SET("required null", "name", "null", BAD, "field_required", "name"),
    SET("required nested null", "claim.settle_days", "null", BAD, "field_required", "claim.settle_days"),
    /* Optional fields may be absent, null or blank. */
    SET("no purchase_url", "purchase_url", "null", OK),
    SET("no reimbursement_pct", "reimbursement_pct", "null", OK),
    SET("empty service_commitments", "service_commitments", "[]", OK),
    SET("blank cooling_off_days", "cooling_off_days", "\"\"", OK),

    /* field_type */
    SET("name as number", "name", "123", BAD, "field_type", "name"),
    SET("age as string", "age_min", "\"18\"", BAD, "field_type", "age_min"),
    SET("age with a fraction", "age_min", "18.5", BAD, "field_type", "age_min"),
    SET("integral real age", "age_min", "18.0", OK),
    SET("boolean as string", "health_questionnaire", "\"false\"", BAD, "field_type", "health_questionnaire"),
    SET("boolean as 0", "health_questionnaire", "0", BAD, "field_type", "health_questionnaire"),
    SET("list as string", "target_groups", "\"elderly\"", BAD, "field_type", "target_groups"),
    SET("object as string", "claim", "\"打电话\"", BAD, "field_type", "claim"),
    SET("object as list", "premium_yuan_per_year", "[1, 2]", BAD, "field_type", "premium_yuan_per_year"),
    SET("money as string", "sum_insured_yuan", "\"1000\"", BAD, "field_type", "sum_insured_yuan"),
    SET("list item of wrong type", "covered", "[\"住院医疗费用\", 2]", BAD, "field_type", "covered[1]"),
    SET("region as number", "regions", "[330000]", BAD, "field_type", "regions[0]"),
    SET("optional number as string", "reimbursement_pct", "\"50\"", BAD, "field_type", "reimbursement_pct"),

    /* field_unknown, reported before everything else. */
    SET("unknown top-level field", "extra", "1", BAD, "field_unknown", "extra"),
    SET("misspelt field", "Name", "\"惠民保\"", BAD, "field_unknown", "Name"),
    SET("unknown nested field", "claim.extra", "true", BAD, "field_unknown", "claim.extra"),
    SET("unknown field in a comparison", "premium_rate.note", "\"x\"", BAD, "field_unknown",
        "premium_rate.note"),

    /* string_length counts characters after trimming. */
    REPEAT("60 CJK characters", "name", "保", 60, OK),
    REPEAT("61 CJK characters", "name", "保", 61, BAD, "string_length", "name"),
    REPEAT("60 emoji", "name", "\xF0\x9F\x98\x80", 60, OK),
    SET("one character", "name", "\"保\"", BAD, "string_length", "name"),
    SET("two characters", "name", "\"惠保\"", OK),
    SET("one character after trimming", "name", "\"\xE3\x80\x80保 \"", BAD, "string_length", "name"),
    SET("blank required string", "name", "\"   \"", BAD, "string_length", "name"),
    SET("summary of 9", "summary", "\"一二三四五六七八九\"", BAD, "string_length", "summary"),
    REPEAT("summary of 500", "summary", "保", 500, OK),
    REPEAT("summary of 501", "summary", "保", 501, BAD, "string_length", "summary"),
    SET("short list item", "covered", "[\"住院医疗费用\", \"药\"]", BAD, "string_length", "covered[1]"),
    SET("short nested text", "claim.how", "\"打电话\"", BAD, "string_length", "claim.how"),
    SET("empty document", "claim.documents", "[\"\"]", BAD, "string_length", "claim.documents[0]"),
    REPEAT("URL of 500", "purchase_url", "a", 500, OK),
    REPEAT("URL of 501", "purchase_url", "a", 501, BAD, "string_length", "purchase_url"),

    /* string_control_chars: newline and tab only in long text. */
    SET("newline in name", "name", "\"惠民\\n保险\"", BAD, "string_control_chars", "name"),
    SET("bidi override in name", "name", "\"惠民\\u202e险保\"", BAD, "string_control_chars", "name"),
    SET("C1 control in name", "name", "\"惠民\\u0085保险\"", BAD, "string_control_chars", "name"),
    SET("newline in summary", "summary", "\"第一行说明保障内容。\\n第二行说明理赔。\"", OK),
    SET("BEL in summary", "summary", "\"普惠医疗保险产品说明\\u0007\"", BAD, "string_control_chars",
        "summary"),
    SET("tab in claim.how", "claim.how", "\"第一步\\t报案，第二步\\t交材料\"", OK),
    SET("newline in a list item", "covered", "[\"住院\\n费用\"]", BAD, "string_control_chars", "covered[0]"),
    SET("line separator in a list item", "not_covered", "[\"战争\\u2028\"]", BAD, "string_control_chars",
        "not_covered[0]"),

    /* enum_invalid */
    SET("unknown category", "category", "\"health\"", BAD, "enum_invalid", "category"),
    SET("category in capitals", "category", "\"Medical\"", BAD, "enum_invalid", "category"),
    SET("unknown target group", "target_groups", "[\"elderly\", \"kids\"]", BAD, "enum_invalid",
        "target_groups[1]"),
    SET("unknown channel", "channels", "[\"mail\"]", BAD, "enum_invalid", "channels[0]"),
    SET("unknown preexisting", "preexisting_conditions", "\"yes\"", BAD, "enum_invalid",
        "preexisting_conditions"),

    /* list_length */
    SET("no target group", "target_groups", "[]", BAD, "list_length", "target_groups"),
    SET("11 target groups", "target_groups",
        "[\"elderly\",\"disabled\",\"rural\",\"low_income\",\"new_citizens\",\"special_occupations\","
        "\"chronic_conditions\",\"women_children\",\"small_business\",\"new_agri\",\"elderly\"]",
        BAD, "list_length", "target_groups"),
    SET("10 target groups", "target_groups",
        "[\"elderly\",\"disabled\",\"rural\",\"low_income\",\"new_citizens\",\"special_occupations\","
        "\"chronic_conditions\",\"women_children\",\"small_business\",\"new_agri\"]",
        OK),
    SET("no region", "regions", "[]", BAD, "list_length", "regions"),
    SET("no channel", "channels", "[]", BAD, "list_length", "channels"),
    SET("4 channels", "channels", "[\"online\",\"offline\",\"assisted\",\"online\"]", BAD, "list_length",
        "channels"),
    SET("nothing covered", "covered", "[]", BAD, "list_length", "covered"),
    SET("no claim documents", "claim.documents", "[]", BAD, "list_length", "claim.documents"),

    /* list_duplicate */
    SET("duplicate target group", "target_groups", "[\"elderly\", \"elderly\"]", BAD, "list_duplicate",
        "target_groups[1]"),
    SET("duplicate region", "regions", "[\"330000\", \"110105\", \"330000\"]", BAD, "list_duplicate",
        "regions[2]"),
    SET("duplicate channel", "channels", "[\"online\", \"online\"]", BAD, "list_duplicate", "channels[1]"),

    /* number_range */
    SET("negative age", "age_min", "-1", BAD, "number_range", "age_min"),
    SET("age 121", "age_max", "121", BAD, "number_range", "age_max"),
    SET("age 120", "age_max", "120", OK),
    SET("sum insured 0 (exclusive)", "sum_insured_yuan", "0", BAD, "number_range", "sum_insured_yuan"),
    SET("sum insured 0.01", "sum_insured_yuan", "0.01", OK),
    SET("sum insured at the cap", "sum_insured_yuan", "100000000", OK),
    SET("sum insured over the cap", "sum_insured_yuan", "100000000.01", BAD, "number_range",
        "sum_insured_yuan"),
    SET("negative money", "deductible_yuan", "-0.01", BAD, "number_range", "deductible_yuan"),
    SET("zero deductible", "deductible_yuan", "0", OK),
    SET("money with 3 decimals", "deductible_yuan", "100.125", BAD, "number_range", "deductible_yuan"),
    SET("money with 2 decimals", "deductible_yuan", "100.12", OK),
    SET("premium over the cap", "premium_yuan_per_year.max", "1000000.01", BAD, "number_range",
        "premium_yuan_per_year.max"),
    SET("pct with 4 decimals", "premium_rate.this_pct", "12.3456", OK),
    SET("pct with 5 decimals", "premium_rate.this_pct", "12.34567", BAD, "number_range",
        "premium_rate.this_pct"),
    SET("pct over 100", "intermediary_fee.comparable_pct", "100.0001", BAD, "number_range",
        "intermediary_fee.comparable_pct"),
    SET("negative pct", "intermediary_fee.this_pct", "-0.0001", BAD, "number_range",
        "intermediary_fee.this_pct"),
    SET("reimbursement with 3 decimals", "reimbursement_pct", "55.555", BAD, "number_range",
        "reimbursement_pct"),
    SET("reimbursement over 100", "reimbursement_pct", "100.5", BAD, "number_range", "reimbursement_pct"),
    SET("waiting period 731", "waiting_period_days", "731", BAD, "number_range", "waiting_period_days"),
    SET("term of 0 months", "term_months", "0", BAD, "number_range", "term_months"),
    SET("settle in 0 days", "claim.settle_days", "0", BAD, "number_range", "claim.settle_days"),
    SET("cooling off 366", "cooling_off_days", "366", BAD, "number_range", "cooling_off_days"),

    /* Rules across fields. */
    SET("age_min above age_max", "age_min", "101", BAD, "age_range", "age_min"),
    SET("age_min equal to age_max", "age_min", "100", OK),
    SET("premium min above max", "premium_yuan_per_year.min", "299.51", BAD, "premium_range",
        "premium_yuan_per_year.min"),
    SET("premium min equal to max", "premium_yuan_per_year.min", "299.5", OK),

    /* Regions */
    SET("unknown province", "regions", "[\"990000\"]", BAD, "region_invalid", "regions[0]"),
    SET("county under missing city", "regions", "[\"330000\", \"330006\"]", BAD, "region_invalid",
        "regions[1]"),
    SET("five digits", "regions", "[\"33000\"]", BAD, "region_invalid", "regions[0]"),
    SET("whole country alone", "regions", "[\"000000\"]", OK),
    SET("whole country and more", "regions", "[\"000000\", \"330000\"]", BAD, "region_conflict", "regions"),
    SET("more and whole country", "regions", "[\"330000\", \"000000\"]", BAD, "region_conflict", "regions"),

    /* Policy 八 and 十二: not lower needs a public reason. */
    SET("premium rate higher, no reason", "premium_rate", "{\"this_pct\": 90, \"comparable_pct\": 80}", BAD,
        "reason_required", "premium_rate.reason"),
    SET("premium rate equal, no reason", "premium_rate", "{\"this_pct\": 80, \"comparable_pct\": 80}", BAD,
        "reason_required", "premium_rate.reason"),
    SET("premium rate higher, blank reason", "premium_rate",
        "{\"this_pct\": 90, \"comparable_pct\": 80, \"reason\": \"\\u3000 \"}", BAD, "reason_required",
        "premium_rate.reason"),
    SET("premium rate higher, with reason", "premium_rate",
        "{\"this_pct\": 90, \"comparable_pct\": 80, \"reason\": \"保障范围更宽\"}", OK),
    SET("fee equal, no reason", "intermediary_fee", "{\"this_pct\": 15, \"comparable_pct\": 15}", BAD,
        "reason_required", "intermediary_fee.reason"),
    SET("fee lower by a hair", "intermediary_fee", "{\"this_pct\": 14.9999, \"comparable_pct\": 15}", OK),
    SET("reason too short", "premium_rate", "{\"this_pct\": 60, \"comparable_pct\": 80, \"reason\": \"贵\"}",
        BAD, "string_length", "premium_rate.reason"),

    /* URLs and hotlines */
    SET("javascript URL", "purchase_url", "\"javascript:alert(1)\"", BAD, "url_invalid", "purchase_url"),
    SET("URL with space", "purchase_url", "\"https://insurer.example/a b\"", BAD, "url_invalid",
        "purchase_url"),
    SET("URL with credentials", "purchase_url", "\"https://user@insurer.example/\"", BAD, "url_invalid",
        "purchase_url"),
    SET("hotline ending in hyphen", "hotline", "\"95500-\"", BAD, "hotline_invalid", "hotline"),
    SET("hotline of 2 digits", "hotline", "\"12\"", BAD, "hotline_invalid", "hotline"),
    SET("hotline with letters", "hotline", "\"400-CALL-NOW\"", BAD, "hotline_invalid", "hotline"),

    /* change_reason belongs to updates only. */
    SET("change_reason on registration", "change_reason", "\"费率调整\"", BAD, "field_unknown",
        "change_reason"),
    SET("null change_reason on registration", "change_reason", "null", OK),
};

static json_t *mutation_value(const struct mutation *m)
{
    if (m->repeat_count > 0) {
        if (strcmp(m->path, "purchase_url") == 0) {
            /* A URL of exactly repeat_count characters. */
            static const char start[] = "https://x.example/";
            json_t *tail = test_repeat_json(m->repeat_unit, m->repeat_count - (sizeof start - 1));
            char *url = malloc(m->repeat_count + 1);
            assert_non_null(url);
            snprintf(url, m->repeat_count + 1, "%s%s", start, json_string_value(tail));
            json_t *value = json_string(url);
            free(url);
            json_decref(tail);
            return value;
        }
        return test_repeat_json(m->repeat_unit, m->repeat_count);
    }
    return m->value_json != NULL ? test_json(m->value_json) : NULL;
}

static void test_mutations(void **state)
{
    (void)state;
    assert_true(COUNT(mutations) >= 40);
    for (size_t i = 0; i < COUNT(mutations); i++) {
        const struct mutation *m = &mutations[i];
        json_t *body = test_product_body();
        test_json_set_path(body, m->path, mutation_value(m));

        struct ph_problems problems;
        ph_problems_init(&problems);
        json_t *warnings = json_array();
        json_t *product = NULL;
        json_t *reason = NULL;
        ph_status st = validate(body, PH_VALIDATE_REGISTER, &product, &reason, warnings, &problems);
        if (st != m->status) {
            char *all = json_dumps(problems.items, JSON_COMPACT);
            fail_msg("%s: status %d, expected %d; problems %s", m->label, st, m->status, all);
        }
        if (m->code != NULL)
            assert_first_problem(&problems, m->code, m->field, m->label);
        json_decref(product);
        json_decref(warnings);
        json_decref(body);
        ph_problems_release(&problems);
    }
}

/* A string that is well-formed JSON but holds a Unicode non-character is a
 * mistake of the sender (422), never the server's "internal" failure. */
static void test_noncharacter_is_the_senders_problem(void **state)
{
    (void)state;
    json_t *body = test_product_body();
    test_json_set_path(body, "name", test_json("\"惠民\\ufffe保险\""));
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *reason = NULL;
    assert_int_equal(validate(body, PH_VALIDATE_REGISTER, &product, &reason, warnings, &problems),
                     PH_ERR_INVALID);
    assert_string_equal(ph_problems_first_field(&problems), "name");
    if (strcmp(ph_problems_first_code(&problems), "internal") == 0)
        fail_msg("a non-character in \"name\" is reported as an internal (server) error");
    json_decref(warnings);
    json_decref(body);
    ph_problems_release(&problems);
}

/* Validation reports every problem at once, unknown fields first, then the
 * fields in table order. */
static void test_all_problems_reported_at_once(void **state)
{
    (void)state;
    json_t *body = test_product_body();
    test_json_set_path(body, "name", NULL);
    test_json_set_path(body, "category", json_string("health"));
    test_json_set_path(body, "age_min", json_integer(-1));
    test_json_set_path(body, "claim.settle_days", json_integer(0));
    test_json_set_path(body, "hotline", json_string("call us"));
    test_json_set_path(body, "colour", json_string("red"));

    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *reason = NULL;
    assert_int_equal(validate(body, PH_VALIDATE_UPDATE, &product, &reason, warnings, &problems),
                     PH_ERR_INVALID);
    static const struct {
        const char *code;
        const char *field;
    } expected[] = {
        {"field_unknown", "colour"},           {"field_required", "name"},
        {"enum_invalid", "category"},          {"number_range", "age_min"},
        {"number_range", "claim.settle_days"}, {"hotline_invalid", "hotline"},
        {"field_required", "change_reason"},
    };
    assert_int_equal(ph_problems_count(&problems), COUNT(expected));
    for (size_t i = 0; i < COUNT(expected); i++)
        assert_problem_at(&problems, i, expected[i].code, expected[i].field, "all at once");
    assert_int_equal(json_array_size(warnings), 0);

    json_decref(warnings);
    json_decref(body);
    ph_problems_release(&problems);
}

static void test_body_must_be_an_object(void **state)
{
    (void)state;
    static const char *const bodies[] = {"[]", "\"product\"", "42", "null"};
    for (size_t i = 0; i < COUNT(bodies); i++) {
        json_t *body = test_json(bodies[i]);
        struct ph_problems problems;
        ph_problems_init(&problems);
        json_t *warnings = json_array();
        json_t *product = NULL;
        json_t *reason = NULL;
        assert_int_equal(validate(body, PH_VALIDATE_REGISTER, &product, &reason, warnings, &problems),
                         PH_ERR_INVALID);
        assert_first_problem(&problems, "field_type", "", bodies[i]);
        assert_int_equal(ph_problems_count(&problems), 1);
        json_decref(warnings);
        json_decref(body);
        ph_problems_release(&problems);
    }
}

/* --- change_reason in update mode ---------------------------------------- */

struct reason_case {
    const char *label;
    const char *value_json; /* NULL: absent */
    ph_status status;
    const char *code;
    const char *expected_reason; /* trimmed, on PH_OK */
};

static const struct reason_case reason_cases[] = {
    {"absent", NULL, PH_ERR_INVALID, "field_required", NULL},
    {"null", "null", PH_ERR_INVALID, "field_required", NULL},
    {"empty", "\"\"", PH_ERR_INVALID, "string_length", NULL},
    {"one character", "\"改\"", PH_ERR_INVALID, "string_length", NULL},
    {"number", "7", PH_ERR_INVALID, "field_type", NULL},
    {"newline", "\"费率\\n调整\"", PH_ERR_INVALID, "string_control_chars", NULL},
    {"two characters", "\"调价\"", PH_OK, NULL, "调价"},
    {"trimmed", "\" \\u3000费率调整 \"", PH_OK, NULL, "费率调整"},
};

static void test_change_reason_in_update_mode(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(reason_cases) + 2; i++) {
        const struct reason_case *c = i < COUNT(reason_cases) ? &reason_cases[i] : NULL;
        json_t *body = test_product_body();
        json_t *value;
        const char *label;
        size_t length = 0;
        if (c != NULL) {
            value = c->value_json != NULL ? test_json(c->value_json) : NULL;
            label = c->label;
        } else {
            length = i == COUNT(reason_cases) ? 100 : 101;
            value = test_repeat_json("改", length);
            label = length == 100 ? "100 characters" : "101 characters";
        }
        if (value != NULL)
            json_object_set_new(body, "change_reason", value);

        struct ph_problems problems;
        ph_problems_init(&problems);
        json_t *warnings = json_array();
        json_t *product = NULL;
        json_t *reason = NULL;
        ph_status st = validate(body, PH_VALIDATE_UPDATE, &product, &reason, warnings, &problems);
        ph_status expected = c != NULL ? c->status : (length == 100 ? PH_OK : PH_ERR_INVALID);
        if (st != expected)
            fail_msg("change_reason %s: status %d, expected %d", label, st, expected);
        if (st == PH_OK) {
            assert_non_null(reason);
            if (c != NULL)
                assert_string_equal(json_string_value(reason), c->expected_reason);
            else
                assert_int_equal(json_string_length(reason), 3 * 100);
            /* The reason is not part of the product. */
            assert_null(json_object_get(product, "change_reason"));
        } else {
            assert_first_problem(&problems, c != NULL ? c->code : "string_length", "change_reason", label);
        }
        json_decref(product);
        json_decref(reason);
        json_decref(warnings);
        json_decref(body);
        ph_problems_release(&problems);
    }
}

/* --- warnings ---------------------------------------------------------------- */

struct warning_case {
    const char *label;
    const char *path;
    const char *value_json; /* NULL: delete */
    const char *code;       /* NULL: no warning */
    const char *field;
};

static const struct warning_case warning_cases[] = {
    {"online without URL", "purchase_url", NULL, "purchase_url_missing", "purchase_url"},
    {"online with blank URL", "purchase_url", "\"  \"", "purchase_url_missing", "purchase_url"},
    {"plain http", "purchase_url", "\"http://insurer.example/buy\"", "purchase_url_not_https",
     "purchase_url"},
    {"summary without Chinese", "summary", "\"Inclusive medical insurance for seniors.\"",
     "summary_not_chinese", "summary"},
    {"offline only, no URL", "channels", "[\"offline\", \"assisted\"]", NULL, NULL},
    {"summary with one Han character", "summary", "\"Medical cover for 老 people.\"", NULL, NULL},
};

static void test_warnings(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(warning_cases); i++) {
        const struct warning_case *c = &warning_cases[i];
        json_t *body = test_product_body();
        test_json_set_path(body, c->path, c->value_json != NULL ? test_json(c->value_json) : NULL);
        if (strcmp(c->label, "offline only, no URL") == 0)
            test_json_set_path(body, "purchase_url", NULL);

        struct ph_problems problems;
        ph_problems_init(&problems);
        json_t *warnings = json_array();
        json_t *product = NULL;
        json_t *reason = NULL;
        assert_int_equal(validate(body, PH_VALIDATE_REGISTER, &product, &reason, warnings, &problems), PH_OK);
        size_t expected = c->code != NULL ? 1 : 0;
        if (json_array_size(warnings) != expected) {
            char *all = json_dumps(warnings, JSON_COMPACT);
            fail_msg("%s: %zu warnings, expected %zu: %s", c->label, json_array_size(warnings), expected,
                     all);
        }
        if (c->code != NULL) {
            json_t *w = json_array_get(warnings, 0);
            assert_string_equal(json_string_value(json_object_get(w, "code")), c->code);
            assert_string_equal(json_string_value(json_object_get(w, "field")), c->field);
            assert_true(json_string_length(json_object_get(w, "message")) > 0);
        }
        json_decref(product);
        json_decref(warnings);
        json_decref(body);
        ph_problems_release(&problems);
    }
}

/* An invalid body adds no warnings, even ones it would deserve. */
static void test_no_warnings_when_invalid(void **state)
{
    (void)state;
    json_t *body = test_product_body();
    test_json_set_path(body, "purchase_url", json_string("http://insurer.example/"));
    test_json_set_path(body, "age_min", json_integer(-5));
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *reason = NULL;
    assert_int_equal(validate(body, PH_VALIDATE_REGISTER, &product, &reason, warnings, &problems),
                     PH_ERR_INVALID);
    assert_int_equal(json_array_size(warnings), 0);
    json_decref(warnings);
    json_decref(body);
    ph_problems_release(&problems);
}

static void test_field_labels(void **state)
{
    (void)state;
    static const struct {
        const char *field;
        const char *label;
    } cases[] = {
        {"age_min", "最低投保年龄"},
        {"claim.settle_days", "承诺几天内赔付"},
        {"premium_yuan_per_year.min", "每年最低保费"},
        {"products[3].hotline", "客服电话"},
        {"premium_rate.reason", "不低于普通产品的原因"},
        {"change_reason", "变更原因"},
        {"colour", "colour"},
    };
    for (size_t i = 0; i < COUNT(cases); i++)
        assert_string_equal(ph_product_field_label(cases[i].field), cases[i].label);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_body_canonical_form),
        cmocka_unit_test(test_equivalent_bodies_same_canonical_json),
        cmocka_unit_test(test_optional_fields_kept_when_given),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_noncharacter_is_the_senders_problem),
        cmocka_unit_test(test_all_problems_reported_at_once),
        cmocka_unit_test(test_body_must_be_an_object),
        cmocka_unit_test(test_change_reason_in_update_mode),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_no_warnings_when_invalid),
        cmocka_unit_test(test_field_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
