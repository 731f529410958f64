/*
 * tests/unit/test_snapshot.c - the registry side of the exports (issue 5):
 * ph_search_products_each (every match, in the search's order, the same
 * as paging through ph_search_products to the end), the SQLite copy
 * without secrets (registry/snapshot.h), the NDJSON walks and the feed
 * source. Runs on a fresh registry with the embedded demo dataset.
 */
#include "test_support.h"

#include <sqlite3.h>

#include "registry/demo.h"
#include "registry/search.h"
#include "registry/snapshot.h"

static int demo_setup(void **state)
{
    if (test_db_setup(state) != 0)
        return -1;
    struct test_db *t = *state;
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_demo_load(t->reg, &out, &problems);
    ph_problems_release(&problems);
    json_decref(out);
    return st == PH_OK ? 0 : -1;
}

/* --- ph_search_products_each ----------------------------------------------- */

struct collected {
    json_t *regnos;
    int stop_after; /* 0: never */
};

static int collect(void *ctx, const json_t *item)
{
    struct collected *c = ctx;
    assert_non_null(json_object_get(item, "name"));
    assert_non_null(json_object_get(item, "registered_at"));
    assert_true(json_is_integer(json_object_get(item, "latest_version")));
    assert_true(json_is_object(json_object_get(item, "premium_yuan_per_year")));
    json_array_append_new(c->regnos,
                          json_string(json_string_value(json_object_get(item, "registration_no"))));
    return c->stop_after > 0 && (int)json_array_size(c->regnos) >= c->stop_after;
}

/* Every page of ph_search_products, registration numbers in order. */
static json_t *paged(struct ph_registry *reg, struct ph_search_query query)
{
    json_t *all = json_array();
    query.per_page = PH_SEARCH_PER_PAGE_MAX;
    for (query.page = 1;; query.page++) {
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        assert_int_equal(ph_search_products(reg, &query, &out, &problems), PH_OK);
        ph_problems_release(&problems);
        size_t i;
        json_t *item;
        json_array_foreach (json_object_get(out, "items"), i, item)
            json_array_append(all, json_object_get(item, "registration_no"));
        int64_t total = json_integer_value(json_object_get(out, "total"));
        json_decref(out);
        if ((int64_t)query.page * query.per_page >= total) {
            assert_int_equal((int64_t)json_array_size(all), total);
            return all;
        }
    }
}

static void test_each_is_every_page_in_order(void **state)
{
    struct test_db *t = *state;
    struct case_ {
        const char *text, *category, *region, *group;
        enum ph_search_sort sort;
        int age;
    } cases[] = {
        {NULL, NULL, NULL, NULL, PH_SORT_RELEVANCE, -1},
        {"惠民保", NULL, NULL, NULL, PH_SORT_RELEVANCE, -1},
        {"yiwai", NULL, NULL, NULL, PH_SORT_RELEVANCE, -1},
        {"75岁老人住院", NULL, NULL, NULL, PH_SORT_RELEVANCE, -1},
        {NULL, "medical", NULL, NULL, PH_SORT_PREMIUM, -1},
        {NULL, NULL, "330100", NULL, PH_SORT_RELEVANCE, -1},
        {NULL, NULL, NULL, "elderly", PH_SORT_NAME, 70},
        {NULL, NULL, NULL, NULL, PH_SORT_NEWEST, -1},
        {"摔了一跤能赔吗", NULL, NULL, NULL, PH_SORT_RELEVANCE, -1}, /* relaxed */
        {"qqqzzzxxx", NULL, NULL, NULL, PH_SORT_RELEVANCE, -1},      /* nothing */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct ph_search_query query;
        ph_search_query_init(&query);
        query.text = cases[k].text;
        query.category = cases[k].category;
        query.region = cases[k].region;
        query.group = cases[k].group;
        query.sort = cases[k].sort;
        query.age_years = cases[k].age;
        struct collected c = {json_array(), 0};
        struct ph_problems problems;
        ph_problems_init(&problems);
        assert_int_equal(ph_search_products_each(t->reg, &query, collect, &c, &problems), PH_OK);
        ph_problems_release(&problems);
        json_t *want = paged(t->reg, query);
        if (!json_equal(c.regnos, want)) {
            char *got_text = json_dumps(c.regnos, 0);
            char *want_text = json_dumps(want, 0);
            fail_msg("case %zu (%s): each %s != pages %s", k, cases[k].text ? cases[k].text : "-", got_text,
                     want_text);
        }
        json_decref(want);
        json_decref(c.regnos);
    }
}

static void test_each_stops_when_asked_and_checks_the_query(void **state)
{
    struct test_db *t = *state;
    struct ph_search_query query;
    ph_search_query_init(&query);
    struct collected c = {json_array(), 3};
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_search_products_each(t->reg, &query, collect, &c, &problems), PH_OK);
    assert_int_equal(json_array_size(c.regnos), 3);
    assert_int_equal(ph_problems_count(&problems), 0);
    json_array_clear(c.regnos);

    query.category = "bogus";
    query.age_years = 200;
    assert_int_equal(ph_search_products_each(t->reg, &query, collect, &c, &problems), PH_ERR_INVALID);
    assert_int_equal(json_array_size(c.regnos), 0);
    assert_problem_at(&problems, 0, "enum_invalid", "category", "enum_invalid category");
    assert_problem_at(&problems, 1, "number_range", "age", "number_range age");
    ph_problems_release(&problems);
    json_decref(c.regnos);
    /* no transaction is left open behind */
    assert_true(sqlite3_get_autocommit(t->reg->db));
}

/* --- ph_search_documents_each ------------------------------------------------ */

static int collect_document(void *ctx, const json_t *item)
{
    struct collected *c = ctx;
    json_array_append_new(c->regnos, json_string(json_string_value(json_object_get(item, "document_no"))));
    return 0;
}

static void test_documents_each_is_every_page_in_order(void **state)
{
    struct test_db *t = *state;
    static const char *const texts[] = {NULL, "条款", "feilv", "费率调整", "qqqzzzxxx"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        for (int sort = 0; sort < 2; sort++) {
            struct ph_document_query query;
            ph_document_query_init(&query);
            query.text = texts[k];
            query.sort = sort == 0 ? PH_DOC_SORT_RELEVANCE : PH_DOC_SORT_NEWEST;
            struct collected c = {json_array(), 0};
            struct ph_problems problems;
            ph_problems_init(&problems);
            assert_int_equal(ph_search_documents_each(t->reg, &query, collect_document, &c, &problems),
                             PH_OK);
            json_t *want = json_array();
            query.per_page = PH_SEARCH_PER_PAGE_MAX;
            for (query.page = 1;; query.page++) {
                json_t *out = NULL;
                assert_int_equal(ph_search_documents(t->reg, &query, &out, &problems), PH_OK);
                size_t i;
                json_t *item;
                json_array_foreach (json_object_get(out, "items"), i, item)
                    json_array_append(want, json_object_get(item, "document_no"));
                int64_t total = json_integer_value(json_object_get(out, "total"));
                json_decref(out);
                if ((int64_t)query.page * query.per_page >= total)
                    break;
            }
            ph_problems_release(&problems);
            if (!json_equal(c.regnos, want))
                fail_msg("documents case %zu sort %d: the walk and the pages differ (%zu vs %zu)", k, sort,
                         json_array_size(c.regnos), json_array_size(want));
            if (k == 0)
                assert_int_equal((int64_t)json_array_size(want),
                                 test_sql_int(t->reg, "SELECT COUNT(*) FROM documents"));
            json_decref(want);
            json_decref(c.regnos);
        }
    }
}

/* --- the SQLite copy ---------------------------------------------------------- */

static int64_t copy_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static void test_sqlite_copy_has_everything_but_the_keys(void **state)
{
    struct test_db *t = *state;
    char dest[400];
    snprintf(dest, sizeof dest, "%s/copy.sqlite", t->dir);
    int64_t keys = test_sql_int(t->reg, "SELECT COUNT(*) FROM api_keys");
    assert_true(keys > 0); /* the demo issues one per insurer */
    int64_t log_size = 0;
    struct ph_problems problems;
    ph_problems_init(&problems);
    bool began = ph_snapshot_begin(t->reg);
    assert_true(began);
    assert_int_equal(ph_snapshot_sqlite(t->reg, dest, &log_size, &problems), PH_OK);
    ph_snapshot_end(t->reg, began);
    assert_int_equal(log_size, test_sql_int(t->reg, "SELECT COUNT(*) FROM log_leaves"));

    sqlite3 *copy = NULL;
    assert_int_equal(sqlite3_open_v2(dest, &copy, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(copy_int(copy, "SELECT COUNT(*) FROM api_keys"), 0);
    assert_int_equal(copy_int(copy, "SELECT COUNT(*) FROM products"),
                     test_sql_int(t->reg, "SELECT COUNT(*) FROM products"));
    assert_int_equal(copy_int(copy, "SELECT COUNT(*) FROM product_versions"),
                     test_sql_int(t->reg, "SELECT COUNT(*) FROM product_versions"));
    assert_int_equal(copy_int(copy, "SELECT COUNT(*) FROM log_leaves"), log_size);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(copy, "PRAGMA integrity_check", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_prepare_v2(copy, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "delete");
    sqlite3_finalize(stmt);
    sqlite3_close(copy);
    /* the source is untouched */
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM api_keys"), keys);

    /* never over an existing file */
    assert_int_equal(ph_snapshot_sqlite(t->reg, dest, NULL, &problems), PH_ERR_CONFLICT);
    assert_first_problem(&problems, "snapshot_exists", "", "an existing copy");
    ph_problems_release(&problems);
    ph_problems_init(&problems);
    /* a directory that does not exist: an error, and nothing left behind */
    assert_int_equal(ph_snapshot_sqlite(t->reg, "/nonexistent-dir/x.sqlite", NULL, &problems),
                     PH_ERR_INTERNAL);
    ph_problems_release(&problems);
    unlink(dest);
}

/* --- NDJSON walks --------------------------------------------------------------- */

static int count_rows(void *ctx, const json_t *value)
{
    int64_t *n = ctx;
    const char *key = json_string_value(json_object_get(value, "registration_no"));
    if (key == NULL)
        key = json_string_value(json_object_get(value, "document_no"));
    assert_non_null(key);
    assert_int_equal(json_integer_value(json_object_get(value, "version")),
                     json_integer_value(json_object_get(value, "latest_version")));
    (*n)++;
    return 0;
}

static void test_walks_see_every_product_and_document(void **state)
{
    struct test_db *t = *state;
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t n = 0;
    assert_int_equal(ph_snapshot_products_each(t->reg, count_rows, &n, &problems), PH_OK);
    assert_int_equal(n, test_sql_int(t->reg, "SELECT COUNT(*) FROM products"));
    n = 0;
    assert_int_equal(ph_snapshot_documents_each(t->reg, count_rows, &n, &problems), PH_OK);
    assert_int_equal(n, test_sql_int(t->reg, "SELECT COUNT(*) FROM documents"));
    ph_problems_release(&problems);
    assert_true(sqlite3_get_autocommit(t->reg->db));
}

/* --- the feed source ------------------------------------------------------------- */

static void test_feed_entries_newest_first_and_filtered(void **state)
{
    struct test_db *t = *state;
    struct ph_feed_query query;
    ph_feed_query_init(&query);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_feed_entries(t->reg, &query, &out, &problems), PH_OK);
    json_t *entries = json_object_get(out, "entries");
    assert_int_equal(json_array_size(entries), 50);
    int64_t previous = INT64_MAX;
    size_t i;
    json_t *e;
    json_array_foreach (entries, i, e) {
        int64_t index = json_integer_value(json_object_get(e, "log_index"));
        assert_true(index < previous);
        previous = index;
        const char *event = json_string_value(json_object_get(e, "event"));
        assert_true(strncmp(event, "product_", 8) == 0);
    }
    assert_string_equal(json_string_value(json_object_get(out, "updated")),
                        json_string_value(json_object_get(json_array_get(entries, 0), "time")));
    json_decref(out);

    query.category = "medical";
    query.region = "330100";
    assert_int_equal(ph_feed_entries(t->reg, &query, &out, &problems), PH_OK);
    assert_true(json_array_size(json_object_get(out, "entries")) > 0);
    json_array_foreach (json_object_get(out, "entries"), i, e)
        assert_string_equal(json_string_value(json_object_get(e, "category")), "medical");
    json_decref(out);

    ph_feed_query_init(&query);
    query.kind = PH_FEED_DOCUMENTS;
    assert_int_equal(ph_feed_entries(t->reg, &query, &out, &problems), PH_OK);
    json_array_foreach (json_object_get(out, "entries"), i, e) {
        assert_non_null(json_string_value(json_object_get(e, "document_no")));
        assert_non_null(json_string_value(json_object_get(e, "title")));
    }
    json_decref(out);

    ph_feed_query_init(&query);
    query.category = "bogus";
    query.region = "12";
    query.insurer_id = -1;
    query.limit = 1000;
    assert_int_equal(ph_feed_entries(t->reg, &query, &out, &problems), PH_ERR_INVALID);
    assert_null(out);
    assert_problem_at(&problems, 0, "number_range", "insurer", "number_range insurer");
    assert_problem_at(&problems, 1, "enum_invalid", "category", "enum_invalid category");
    assert_problem_at(&problems, 2, "region_invalid", "region", "region_invalid region");
    assert_problem_at(&problems, 3, "number_range", "limit", "number_range limit");
    ph_problems_release(&problems);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_is_every_page_in_order, demo_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_each_stops_when_asked_and_checks_the_query, demo_setup,
                                        test_db_teardown),
        cmocka_unit_test_setup_teardown(test_documents_each_is_every_page_in_order, demo_setup,
                                        test_db_teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_copy_has_everything_but_the_keys, demo_setup,
                                        test_db_teardown),
        cmocka_unit_test_setup_teardown(test_walks_see_every_product_and_document, demo_setup,
                                        test_db_teardown),
        cmocka_unit_test_setup_teardown(test_feed_entries_newest_first_and_filtered, demo_setup,
                                        test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
