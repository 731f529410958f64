/*
 * tests/unit/test_changes.c - registry/changes.c: "what changed" read from
 * the transparency log. Every kind of event in order, newest first; a new
 * version is a rate change exactly when premium_yuan_per_year or
 * premium_rate.this_pct moved (comparable_pct alone does not count); the
 * filters, paging, and every bad parameter's code.
 */
#include "test_support.h"

#include "i18n/text.h"
#include "registry/search.h"
#include "registry/search_cache.h"

static void update(struct test_db *t, int64_t insurer, const char *regno, json_t *body, const char *reason)
{
    json_object_set_new(body, "change_reason", json_string(reason));
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_product_update(t->reg, insurer, regno, body, &out, &problems) != PH_OK)
        fail_msg("update: %s", ph_problems_first_code(&problems));
    ph_problems_release(&problems);
    json_decref(out);
    t->events++;
}

static void register_product(struct test_db *t, int64_t insurer, const char *name, const char *category,
                             char regno[16])
{
    json_t *body = test_product_body();
    test_json_set_path(body, "name", json_string(name));
    test_json_set_path(body, "category", json_string(category));
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_product_register(t->reg, insurer, body, &out, &problems) != PH_OK)
        fail_msg("register: %s", ph_problems_first_code(&problems));
    ph_problems_release(&problems);
    snprintf(regno, 16, "%s", json_string_value(json_object_get(out, "registration_no")));
    json_decref(out);
    json_decref(body);
    t->events++;
}

static json_t *list(struct test_db *t, const struct ph_changes_query *q)
{
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_changes_list(t->reg, q, &out, &problems) != PH_OK)
        fail_msg("changes: %s", ph_problems_first_code(&problems));
    ph_problems_release(&problems);
    /* Every item says what happened, in Chinese, and names its log leaf. */
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(out, "items"), i, item) {
        const char *sentence = json_string_value(json_object_get(item, "sentence_zh"));
        assert_non_null(sentence);
        assert_true(ph_text_has_han(sentence, strlen(sentence)));
        assert_non_null(json_string_value(json_object_get(item, "kind_zh")));
        assert_true(json_is_integer(json_object_get(item, "log_index")));
        assert_non_null(json_string_value(json_object_get(json_object_get(item, "links"), "log")));
    }
    return out;
}

static const char *kind_at(const json_t *result, size_t i)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(result, "items"), i), "kind"));
}

/* One of every event; returns the insurer ids and the products. */
struct history {
    int64_t a, b;
    char medical[16], accident[16];
};

static void make_history(struct test_db *t, struct history *h)
{
    h->a = test_add_adequate_insurer(t, 1);
    h->b = test_add_adequate_insurer(t, 2);
    register_product(t, h->a, "变化测试医疗保险", "medical", h->medical);
    register_product(t, h->b, "变化测试意外保险", "accident", h->accident);

    /* v2: only the ordinary products' rate: a version, not a rate change. */
    json_t *body = test_product_body();
    test_json_set_path(body, "name", json_string("变化测试医疗保险"));
    test_json_set_path(body, "premium_rate.comparable_pct", json_real(85));
    update(t, h->a, h->medical, body, "更新对比数据");
    /* v3: the premium: a rate change. */
    test_json_set_path(body, "premium_yuan_per_year.min", json_integer(69));
    update(t, h->a, h->medical, body, "费率调整");
    /* v4: this product's rate alone: a rate change too. */
    test_json_set_path(body, "premium_rate.this_pct", json_real(55));
    update(t, h->a, h->medical, body, "费率下调");
    json_decref(body);

    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_product_suspend(t->reg, h->accident, "材料不全，先暂停", &out, &problems), PH_OK);
    json_decref(out);
    assert_int_equal(ph_product_reinstate(t->reg, h->accident, &out, &problems), PH_OK);
    json_decref(out);
    char today[16];
    ph_today_china(today);
    json_t *withdraw = json_pack("{s:s, s:s}", "date", today, "reason", "产品到期停售");
    assert_int_equal(ph_product_withdraw(t->reg, h->b, h->accident, withdraw, &out, &problems), PH_OK);
    json_decref(out);
    json_decref(withdraw);
    ph_problems_release(&problems);
    t->events += 3;
}

static void test_every_kind_newest_first(void **state)
{
    struct test_db *t = *state;
    struct history h;
    make_history(t, &h);
    struct ph_changes_query q;
    ph_changes_query_init(&q);
    json_t *all = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(all, "total")), t->events);
    static const char *const want[] = {"withdrawal",  "reinstatement", "suspension",   "rate_change",
                                       "rate_change", "version",       "registration", "registration",
                                       "solvency",    "insurer",       "solvency",     "insurer"};
    assert_int_equal(json_array_size(json_object_get(all, "items")), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(kind_at(all, i), want[i]);
    /* Newest first, by log index. */
    const json_t *items = json_object_get(all, "items");
    for (size_t i = 1; i < json_array_size(items); i++)
        assert_true(json_integer_value(json_object_get(json_array_get(items, i - 1), "log_index")) >
                    json_integer_value(json_object_get(json_array_get(items, i), "log_index")));
    /* The premium rate change says the premiums; the diff link is there. */
    const json_t *v3 = json_array_get(items, 4);
    assert_int_equal(json_integer_value(json_object_get(v3, "version")), 3);
    assert_int_equal(json_integer_value(json_object_get(v3, "previous_version")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(v3, "sentence_zh")),
                           "从每年 59 到 299.5元改为每年 69 到 299.5元"));
    char diff[96];
    snprintf(diff, sizeof diff, "/products/%s/diff?from=2&to=3", h.medical);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v3, "links"), "diff")), diff);
    /* Insurer events name their insurer. */
    const json_t *added = json_array_get(items, 11);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(added, "insurer"), "id")), h.a);
    json_decref(all);
}

static void test_filters_and_paging(void **state)
{
    struct test_db *t = *state;
    struct history h;
    make_history(t, &h);
    struct ph_changes_query q;
    ph_changes_query_init(&q);

    q.kind = "rate_change";
    json_t *r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
    json_decref(r);
    q.kind = "version"; /* every new version, rate changes included */
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 3);
    json_decref(r);

    ph_changes_query_init(&q);
    q.insurer_id = h.b;
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")),
                     6); /* insurer, solvency, reg, 3 states */
    json_decref(r);

    ph_changes_query_init(&q);
    q.category = "medical"; /* product events only */
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 4);
    json_decref(r);
    q.category = NULL;
    q.region = "110000"; /* the test product is sold in 330000 and 110105 */
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 8);
    json_decref(r);
    q.region = "440000";
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 0);
    json_decref(r);

    char today[16], tomorrow[16];
    ph_today_china(today);
    ph_date_china_after_days(1, tomorrow);
    ph_changes_query_init(&q);
    q.date_from = today;
    q.date_to = today;
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), t->events);
    json_decref(r);
    q.date_from = tomorrow;
    q.date_to = NULL;
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 0);
    json_decref(r);

    ph_changes_query_init(&q);
    q.per_page = 5;
    q.page = 3;
    r = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(r, "pages")), (t->events + 4) / 5);
    assert_int_equal(json_array_size(json_object_get(r, "items")), (size_t)(t->events - 10));
    json_decref(r);
}

static void test_bad_queries(void **state)
{
    struct test_db *t = *state;
    static const struct {
        const char *date_from, *date_to, *kind, *category, *region;
        int64_t insurer, page, per_page;
        const char *code, *field;
    } cases[] = {
        {"2026-13-01", NULL, NULL, NULL, NULL, 0, 1, 50, "date_invalid", "date_from"},
        {NULL, "yesterday", NULL, NULL, NULL, 0, 1, 50, "date_invalid", "date_to"},
        {"2026-05-02", "2026-05-01", NULL, NULL, NULL, 0, 1, 50, "date_range_invalid", "date_to"},
        {NULL, NULL, "everything", NULL, NULL, 0, 1, 50, "kind_invalid", "kind"},
        {NULL, NULL, NULL, "cars", NULL, 0, 1, 50, "category_invalid", "category"},
        {NULL, NULL, NULL, NULL, "12", 0, 1, 50, "region_invalid", "region"},
        {NULL, NULL, NULL, NULL, NULL, -1, 1, 50, "insurer_invalid", "insurer"},
        {NULL, NULL, NULL, NULL, NULL, 0, 0, 50, "page_invalid", "page"},
        {NULL, NULL, NULL, NULL, NULL, 0, 1, 101, "per_page_invalid", "per_page"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ph_changes_query q = {cases[i].date_from, cases[i].date_to, cases[i].kind, cases[i].insurer,
                                     cases[i].category,  cases[i].region,  cases[i].page, cases[i].per_page};
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        assert_int_equal(ph_changes_list(t->reg, &q, &out, &problems), PH_ERR_BAD_REQUEST);
        assert_null(out);
        assert_first_problem(&problems, cases[i].code, cases[i].field, cases[i].code);
        ph_problems_release(&problems);
    }
    /* Kinds and their words. */
    assert_string_equal(ph_changes_kind_label("rate_change"), "费率调整");
    assert_null(ph_changes_kind_label("nope"));
    size_t n = 0;
    while (ph_changes_kind_code(n) != NULL)
        n++;
    assert_int_equal(n, 9);
}

/* With the answer cache: the same answers, a second read is a hit, and a
 * new event shows on the very next read. */
static void test_cached_pages_follow_the_log(void **state)
{
    struct test_db *t = *state;
    struct history h;
    make_history(t, &h);
    struct ph_changes_query q;
    ph_changes_query_init(&q);
    json_t *plain = list(t, &q);
    struct ph_changes_query by_kind = q;
    by_kind.kind = "rate_change";
    json_t *plain_kind = list(t, &by_kind);

    struct ph_search_cache *cache = ph_search_cache_new(16, 1 << 20);
    assert_non_null(cache);
    ph_registry_use_search_cache(t->reg, cache);
    json_t *first = list(t, &q);  /* a miss, stored */
    json_t *second = list(t, &q); /* a hit */
    json_t *kind = list(t, &by_kind);
    assert_true(json_equal(plain, first));
    assert_true(json_equal(plain, second));
    assert_true(json_equal(plain_kind, kind)); /* the kind is in the key */
    struct ph_search_cache_stats stats;
    ph_search_cache_get_stats(cache, &stats);
    assert_int_equal(stats.hits, 1);

    char regno[16];
    register_product(t, h.b, "变化测试新产品", "medical", regno);
    json_t *after = list(t, &q);
    assert_int_equal(json_integer_value(json_object_get(after, "total")),
                     json_integer_value(json_object_get(plain, "total")) + 1);
    assert_string_equal(kind_at(after, 0), "registration");
    assert_string_equal(test_string_at(json_array_get(json_object_get(after, "items"), 0), "registration_no"),
                        regno);
    ph_registry_use_search_cache(t->reg, NULL);
    ph_search_cache_free(cache);
    json_decref(plain);
    json_decref(plain_kind);
    json_decref(first);
    json_decref(second);
    json_decref(kind);
    json_decref(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_kind_newest_first, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_filters_and_paging, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_bad_queries, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_cached_pages_follow_the_log, test_db_setup, test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
