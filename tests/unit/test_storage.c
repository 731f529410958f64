/*
 * tests/unit/test_storage.c - registry/registry.h on a real SQLite file:
 * migrations, insurers and solvency, API keys, products and their
 * versions, the append-only tables, the one-leaf-per-event log, batches,
 * the product state machine, public flags, nested transactions and the
 * demo loader.
 *
 * Every test gets a fresh database in its own temporary directory
 * (test_db_setup) and removes it in teardown. After every mutation the test
 * counts the events it expects and calls assert_registry_sane(); every
 * refused change is also checked to leave every table byte-for-byte as it
 * was (test_db_digest).
 */
#include "test_support.h"

#include "registry/demo.h"
#include "registry/product_validate.h"
#include "registry/rules.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The demo dataset embedded by cmake/embed.cmake. */
extern const unsigned char ph_demo_json[];
extern const size_t ph_demo_json_len;

/* --- helpers -------------------------------------------------------------- */

/* Fails unless the call failed with this status and first problem (field
 * NULL: any field) and added at least one problem. */
static void expect_failure(ph_status st, const struct ph_problems *problems, ph_status expected,
                           const char *code, const char *field, const char *label)
{
    if (st != expected)
        fail_msg("%s: status %d, expected %d (first problem %s)", label, st, expected,
                 ph_problems_first_code(problems));
    assert_first_problem(problems, code, field, label);
}

/* A valid, computed (not real) USCC that differs for each n. */
static void test_uscc(int n, char out[19])
{
    test_uscc_for(n, out);
    assert_true(ph_uscc_is_valid(out));
}

static json_t *insurer_body(int n)
{
    char uscc[19];
    test_uscc(n, uscc);
    char name[64];
    snprintf(name, sizeof name, "测试第%d保险股份有限公司", n);
    char short_name[32];
    snprintf(short_name, sizeof short_name, "测试%d险", n);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "short_name", short_name, "uscc",
                     uscc, "type", "property", "region", "330000", "website", "https://insurer.example",
                     "hotline", "95500");
}

/* Adds insurer n; one event. */
static int64_t add_insurer(struct test_db *t, int n)
{
    json_t *body = insurer_body(n);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_insurer_add(t->reg, body, &out, &problems);
    if (st != PH_OK)
        fail_msg("add insurer %d: %s", n, ph_problems_first_code(&problems));
    t->events++;
    int64_t id = json_integer_value(json_object_get(out, "id"));
    assert_true(id > 0);
    json_decref(out);
    json_decref(body);
    ph_problems_release(&problems);
    assert_registry_sane(t->reg, t->events);
    return id;
}

/* Records a solvency report; one event on success. */
static ph_status record_solvency(struct test_db *t, int64_t insurer_id, const char *quarter, double core_pct,
                                 double comprehensive_pct, const char *rating, bool *out_adequate)
{
    json_t *report = json_pack("{s:s, s:f, s:f, s:s}", "quarter", quarter, "core_pct", core_pct,
                               "comprehensive_pct", comprehensive_pct, "rating", rating);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_solvency_record(t->reg, insurer_id, report, &out, &problems);
    if (st == PH_OK) {
        assert_int_equal(json_integer_value(json_object_get(out, "log_index")), t->events);
        assert_int_equal(json_integer_value(json_object_get(out, "insurer_id")), insurer_id);
        assert_string_equal(json_string_value(json_object_get(out, "quarter")), quarter);
        if (out_adequate != NULL)
            *out_adequate = json_is_true(json_object_get(out, "adequate"));
        t->events++;
    } else {
        assert_null(out);
    }
    json_decref(out);
    json_decref(report);
    ph_problems_release(&problems);
    assert_registry_sane(t->reg, t->events);
    return st;
}

/* An insurer that may file products: added with an adequate report. */
static int64_t add_adequate_insurer(struct test_db *t, int n)
{
    int64_t id = add_insurer(t, n);
    assert_int_equal(record_solvency(t, id, "2026Q1", 150.0, 220.0, "A", NULL), PH_OK);
    return id;
}

/* Registers a body; one event. regno gets the registration number. */
static void register_body(struct test_db *t, int64_t insurer_id, const json_t *body, char regno[16])
{
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_product_register(t->reg, insurer_id, body, &out, &problems);
    if (st != PH_OK)
        fail_msg("register: %s at %s", ph_problems_first_code(&problems), ph_problems_first_field(&problems));
    t->events++;
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    snprintf(regno, 16, "%s", json_string_value(json_object_get(out, "registration_no")));
    json_decref(out);
    ph_problems_release(&problems);
    assert_registry_sane(t->reg, t->events);
}

static void register_product(struct test_db *t, int64_t insurer_id, char regno[16])
{
    json_t *body = test_product_body();
    register_body(t, insurer_id, body, regno);
    json_decref(body);
}

/* "PH-YYYY-NNNNNN" for the n-th registration of this (China) year. */
static void expected_regno(int n, char out[16])
{
    char today[16];
    ph_today_china(today);
    snprintf(out, 16, "PH-%.4s-%06d", today, n);
}

/* The public view of a product; fails the test when it cannot be read. */
static json_t *get_product(struct test_db *t, const char *regno, int64_t version)
{
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_product_get(t->reg, regno, version, &out, &problems);
    if (st != PH_OK)
        fail_msg("get %s v%lld: %s", regno, (long long)version, ph_problems_first_code(&problems));
    ph_problems_release(&problems);
    return out;
}

static json_t *product_body_with(const char *path, json_t *value)
{
    json_t *body = test_product_body();
    test_json_set_path(body, path, value);
    return body;
}

static json_t *update_body(const char *name, const char *change_reason)
{
    json_t *body = test_product_body();
    if (name != NULL)
        test_json_set_path(body, "name", json_string(name));
    if (change_reason != NULL)
        test_json_set_path(body, "change_reason", json_string(change_reason));
    return body;
}

/* --- schema and opening ----------------------------------------------------- */

static void test_migrations_set_user_version(void **state)
{
    struct test_db *t = *state;
    assert_true(ph_registry_schema_version() >= 1);
    assert_int_equal(test_sql_int(t->reg, "PRAGMA user_version"), ph_registry_schema_version());
    assert_int_equal(test_sql_int(t->reg,
                                  "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                                  " ('insurers', 'solvency_reports', 'api_keys',"
                                  "  'registration_counters', 'products', 'product_versions',"
                                  "  'log_leaves', 'documents', 'document_versions')"),
                     9);
    /* UPDATE, DELETE and REPLACE are refused on the four append-only
     * tables: product and document versions, log leaves and the log's
     * subtree hashes. */
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"), 12);
    assert_registry_sane(t->reg, 0);
    add_insurer(t, 1);

    /* Reopening runs no migration again and changes nothing. */
    char before[65];
    test_db_digest(t->reg, before);
    ph_registry_close(t->reg);
    t->reg = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_registry_open(t->path, PH_OPEN_READ_WRITE, &t->reg, &problems), PH_OK);
    assert_int_equal(ph_problems_count(&problems), 0);
    char after[65];
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    assert_int_equal(test_sql_int(t->reg, "PRAGMA user_version"), ph_registry_schema_version());
    assert_registry_sane(t->reg, t->events);

    /* A read-only connection to the migrated file reads but cannot write. */
    struct ph_registry *ro = NULL;
    assert_int_equal(ph_registry_open(t->path, PH_OPEN_READ_ONLY, &ro, &problems), PH_OK);
    json_t *list = NULL;
    assert_int_equal(ph_insurer_list(ro, &list, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(list, "total")), 1);
    json_decref(list);
    json_t *body = insurer_body(2);
    json_t *out = NULL;
    assert_int_equal(ph_insurer_add(ro, body, &out, &problems), PH_ERR_INTERNAL);
    assert_null(out);
    assert_string_equal(ph_problems_first_code(&problems), "internal");
    json_decref(body);
    ph_registry_close(ro);
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    ph_problems_release(&problems);
}

static void test_newer_schema_refused(void **state)
{
    struct test_db *t = *state;
    int newer = ph_registry_schema_version() + 1;
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", newer);
    assert_int_equal(sqlite3_exec(t->reg->db, pragma, NULL, NULL, NULL), SQLITE_OK);
    ph_registry_close(t->reg);
    t->reg = NULL;

    static const struct {
        enum ph_open_mode mode;
        const char *code;
    } cases[] = {
        {PH_OPEN_READ_WRITE, "schema_too_new"},
        {PH_OPEN_READ_ONLY, "schema_mismatch"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct ph_problems problems;
        ph_problems_init(&problems);
        struct ph_registry *reg = NULL;
        ph_status st = ph_registry_open(t->path, cases[i].mode, &reg, &problems);
        expect_failure(st, &problems, PH_ERR_INTERNAL, cases[i].code, "", cases[i].code);
        assert_null(reg);
        ph_problems_release(&problems);
    }

    /* The file is left as it was. */
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open_v2(t->path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), newer);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
}

static void test_read_only_open_needs_migrated_file(void **state)
{
    struct test_db *t = *state;
    /* A SQLite file that was never migrated. */
    char path[160];
    snprintf(path, sizeof path, "%s/unmigrated.db", t->dir);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE unrelated (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);

    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_registry *reg = NULL;
    expect_failure(ph_registry_open(path, PH_OPEN_READ_ONLY, &reg, &problems), &problems, PH_ERR_INTERNAL,
                   "schema_mismatch", "", "unmigrated file");
    assert_null(reg);
    ph_problems_release(&problems);

    /* Still unmigrated: opening read-only wrote nothing. */
    assert_int_equal(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(raw,
                                        "SELECT (SELECT COUNT(*) FROM sqlite_master),"
                                        " (SELECT user_version FROM pragma_user_version)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 1);
    assert_int_equal(sqlite3_column_int(stmt, 1), 0);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);

    /* A file that does not exist is not created. */
    snprintf(path, sizeof path, "%s/missing.db", t->dir);
    ph_problems_init(&problems);
    expect_failure(ph_registry_open(path, PH_OPEN_READ_ONLY, &reg, &problems), &problems, PH_ERR_INTERNAL,
                   "db_open_failed", "", "missing file");
    assert_null(reg);
    assert_int_not_equal(access(path, F_OK), 0);
    ph_problems_release(&problems);
}

/* The integrity check, and the digest the other tests rely on: it must see
 * a one-row change in any table. */
static void test_integrity_and_digest(void **state)
{
    struct test_db *t = *state;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_registry_check_integrity(t->reg, &problems), PH_OK);
    assert_int_equal(ph_problems_count(&problems), 0);
    ph_problems_release(&problems);

    char empty[65];
    test_db_digest(t->reg, empty);
    char again[65];
    test_db_digest(t->reg, again);
    assert_string_equal(empty, again);
    assert_int_equal(
        sqlite3_exec(t->reg->db, "INSERT INTO registration_counters VALUES (1999, 0)", NULL, NULL, NULL),
        SQLITE_OK);
    char changed[65];
    test_db_digest(t->reg, changed);
    assert_string_not_equal(empty, changed);
    assert_int_equal(
        sqlite3_exec(t->reg->db, "UPDATE registration_counters SET last_no = 1", NULL, NULL, NULL),
        SQLITE_OK);
    test_db_digest(t->reg, again);
    assert_string_not_equal(changed, again);
}

/* --- insurers ---------------------------------------------------------------- */

static void test_insurer_add_get_list(void **state)
{
    struct test_db *t = *state;
    struct ph_problems problems;
    ph_problems_init(&problems);

    /* Lower-case letters in the USCC are upper-cased before checking. */
    json_t *body = insurer_body(7);
    char uscc[19];
    test_uscc(7, uscc);
    char lower[19];
    for (size_t i = 0; i < sizeof lower; i++)
        lower[i] = (uscc[i] >= 'A' && uscc[i] <= 'Z') ? (char)(uscc[i] - 'A' + 'a') : uscc[i];
    json_object_set_new(body, "uscc", json_string(lower));
    json_t *added = NULL;
    assert_int_equal(ph_insurer_add(t->reg, body, &added, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    int64_t id = json_integer_value(json_object_get(added, "id"));
    assert_true(id > 0);
    assert_string_equal(test_string_at(added, "uscc"), uscc);
    assert_string_equal(test_string_at(added, "name"), "测试第7保险股份有限公司");
    assert_string_equal(test_string_at(added, "short_name"), "测试7险");
    assert_string_equal(test_string_at(added, "type"), "property");
    assert_string_equal(test_string_at(added, "type_zh"), "财产保险公司");
    assert_string_equal(test_string_at(added, "region"), "330000");
    assert_string_equal(test_string_at(added, "website"), "https://insurer.example");
    assert_string_equal(test_string_at(added, "hotline"), "95500");
    assert_int_equal(json_integer_value(json_object_get(added, "log_index")), 0);
    assert_true(json_is_null(json_object_get(added, "solvency")));
    assert_true(json_is_false(json_object_get(added, "may_sell_exclusive_products")));
    assert_int_equal(json_array_size(json_object_get(added, "products")), 0);
    assert_int_equal(json_integer_value(json_object_get(added, "products_count")), 0);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM insurers"), 1);

    json_t *got = NULL;
    assert_int_equal(ph_insurer_get(t->reg, id, &got, &problems), PH_OK);
    assert_true(json_equal(got, added));
    json_decref(got);

    /* Optional fields may be left out: they read as null. */
    json_t *second = insurer_body(8);
    json_object_del(second, "website");
    json_object_del(second, "hotline");
    json_t *added2 = NULL;
    assert_int_equal(ph_insurer_add(t->reg, second, &added2, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    assert_true(json_is_null(json_object_get(added2, "website")));
    assert_true(json_is_null(json_object_get(added2, "hotline")));

    json_t *list = NULL;
    assert_int_equal(ph_insurer_list(t->reg, &list, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(list, "total")), 2);
    json_t *items = json_object_get(list, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")),
                     json_integer_value(json_object_get(added2, "id")));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "products_count")), 0);
    json_decref(list);
    assert_int_equal(ph_problems_count(&problems), 0);

    got = NULL;
    expect_failure(ph_insurer_get(t->reg, 999, &got, &problems), &problems, PH_ERR_NOT_FOUND,
                   "insurer_not_found", NULL, "unknown insurer");
    assert_null(got);

    json_decref(added);
    json_decref(added2);
    json_decref(body);
    json_decref(second);
    ph_problems_release(&problems);
}

struct insurer_refusal {
    const char *label;
    const char *path;
    json_t *(*value)(void); /* NULL: delete the member */
    ph_status status;
    const char *code;
    const char *field; /* NULL: any */
};

static json_t *v_uscc_of_first(void)
{
    char uscc[19];
    test_uscc(1, uscc);
    return json_string(uscc);
}
static json_t *v_uscc_of_first_lower(void)
{
    char uscc[19];
    test_uscc(1, uscc);
    for (size_t i = 0; i < 18; i++)
        uscc[i] = (uscc[i] >= 'A' && uscc[i] <= 'Z') ? (char)(uscc[i] - 'A' + 'a') : uscc[i];
    return json_string(uscc);
}
static json_t *v_name_of_first(void)
{
    return json_string("测试第1保险股份有限公司");
}
static json_t *v_wrong_check(void)
{
    char uscc[19];
    test_uscc(2, uscc);
    uscc[17] = uscc[17] == '0' ? '1' : '0';
    return json_string(uscc);
}
static json_t *v_uscc_17(void)
{
    return json_string("91350100M000100Y4");
}
static json_t *v_uscc_cjk(void)
{
    return test_repeat_json("码", 18);
}
static json_t *v_uscc_letter_o(void)
{
    return json_string("91350100O000100Y43");
}
static json_t *v_whole_country(void)
{
    return json_string("000000");
}
static json_t *v_region_gap(void)
{
    return json_string("330006");
}
static json_t *v_type_bank(void)
{
    return json_string("bank");
}
static json_t *v_javascript(void)
{
    return json_string("javascript:alert(1)");
}
static json_t *v_one(void)
{
    return json_integer(1);
}

static const struct insurer_refusal insurer_refusals[] = {
    {"same USCC", "uscc", v_uscc_of_first, PH_ERR_CONFLICT, "insurer_exists", "uscc"},
    {"same USCC in lower case", "uscc", v_uscc_of_first_lower, PH_ERR_CONFLICT, "insurer_exists", "uscc"},
    {"same name", "name", v_name_of_first, PH_ERR_CONFLICT, "insurer_exists", NULL},
    {"wrong check character", "uscc", v_wrong_check, PH_ERR_INVALID, "uscc_invalid", "uscc"},
    {"17 characters", "uscc", v_uscc_17, PH_ERR_INVALID, "uscc_invalid", "uscc"},
    {"18 CJK characters", "uscc", v_uscc_cjk, PH_ERR_INVALID, "uscc_invalid", "uscc"},
    {"letter O", "uscc", v_uscc_letter_o, PH_ERR_INVALID, "uscc_invalid", "uscc"},
    {"missing USCC", "uscc", NULL, PH_ERR_INVALID, "field_required", "uscc"},
    {"whole country as seat", "region", v_whole_country, PH_ERR_INVALID, "region_invalid", "region"},
    {"county under missing city", "region", v_region_gap, PH_ERR_INVALID, "region_invalid", "region"},
    {"unknown type", "type", v_type_bank, PH_ERR_INVALID, "enum_invalid", "type"},
    {"missing name", "name", NULL, PH_ERR_INVALID, "field_required", "name"},
    {"javascript website", "website", v_javascript, PH_ERR_INVALID, "url_invalid", "website"},
    {"unknown field", "licence", v_one, PH_ERR_INVALID, "field_unknown", "licence"},
};

static void test_insurer_refusals_store_nothing(void **state)
{
    struct test_db *t = *state;
    add_insurer(t, 1);
    for (size_t i = 0; i < COUNT(insurer_refusals); i++) {
        const struct insurer_refusal *c = &insurer_refusals[i];
        char before[65];
        test_db_digest(t->reg, before);
        json_t *body = insurer_body(2);
        test_json_set_path(body, c->path, c->value != NULL ? c->value() : NULL);
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        expect_failure(ph_insurer_add(t->reg, body, &out, &problems), &problems, c->status, c->code, c->field,
                       c->label);
        assert_null(out);
        assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM insurers"), 1);
        char after[65];
        test_db_digest(t->reg, after);
        if (strcmp(before, after) != 0)
            fail_msg("%s: the refused insurer changed the database", c->label);
        assert_registry_sane(t->reg, t->events);
        json_decref(body);
        ph_problems_release(&problems);
    }
}

/* --- solvency (policy 十九) ------------------------------------------------- */

static void expect_may_file(struct test_db *t, int64_t insurer_id, ph_status expected, const char *code,
                            const char *label)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_insurer_may_file(t->reg, insurer_id, &problems);
    if (expected == PH_OK) {
        if (st != PH_OK)
            fail_msg("%s: may not file: %s", label, ph_problems_first_code(&problems));
        assert_int_equal(ph_problems_count(&problems), 0);
    } else {
        expect_failure(st, &problems, expected, code, NULL, label);
    }
    ph_problems_release(&problems);
}

static void test_solvency_decides_who_may_file(void **state)
{
    struct test_db *t = *state;
    int64_t id = add_insurer(t, 1);
    bool adequate = true;
    expect_may_file(t, id, PH_ERR_FORBIDDEN, "solvency_unreported", "no report yet");

    assert_int_equal(record_solvency(t, id, "2026Q1", 40.0, 120.0, "A", &adequate), PH_OK);
    assert_false(adequate);
    expect_may_file(t, id, PH_ERR_FORBIDDEN, "solvency_inadequate", "core 40 %");

    /* Exactly at the thresholds is adequate. */
    assert_int_equal(record_solvency(t, id, "2026Q2", 50.0, 100.0, "B", &adequate), PH_OK);
    assert_true(adequate);
    expect_may_file(t, id, PH_OK, NULL, "later adequate quarter");

    /* A second report for the same quarter corrects the first. */
    assert_int_equal(record_solvency(t, id, "2026Q2", 50.0, 100.0, "C", &adequate), PH_OK);
    assert_false(adequate);
    expect_may_file(t, id, PH_ERR_FORBIDDEN, "solvency_inadequate", "corrected quarter");

    /* A report for an earlier quarter, recorded later, is not the latest. */
    assert_int_equal(record_solvency(t, id, "2026Q1", 200.0, 300.0, "A", &adequate), PH_OK);
    assert_true(adequate);
    expect_may_file(t, id, PH_ERR_FORBIDDEN, "solvency_inadequate", "late report of an old quarter");

    assert_int_equal(record_solvency(t, id, "2026Q3", 120.0, 180.0, "A", &adequate), PH_OK);
    expect_may_file(t, id, PH_OK, NULL, "next quarter adequate");

    json_t *insurer = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_insurer_get(t->reg, id, &insurer, &problems), PH_OK);
    assert_string_equal(test_string_at(insurer, "solvency.quarter"), "2026Q3");
    assert_string_equal(test_string_at(insurer, "solvency.rating"), "A");
    assert_true(json_is_true(test_json_get_path(insurer, "solvency.adequate")));
    assert_true(json_is_true(json_object_get(insurer, "may_sell_exclusive_products")));
    json_decref(insurer);
    ph_problems_release(&problems);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM solvency_reports"), 5);

    expect_may_file(t, 999, PH_ERR_NOT_FOUND, "insurer_not_found", "unknown insurer");
}

struct solvency_refusal {
    const char *label;
    const char *report_json;
    bool unknown_insurer;
    ph_status status;
    const char *code;
    const char *field;
};

static const struct solvency_refusal solvency_refusals[] = {
    {"quarter 5", "{\"quarter\":\"2026Q5\",\"core_pct\":150,\"comprehensive_pct\":200,\"rating\":\"A\"}",
     false, PH_ERR_INVALID, "quarter_invalid", "quarter"},
    {"rating E", "{\"quarter\":\"2026Q3\",\"core_pct\":150,\"comprehensive_pct\":200,\"rating\":\"E\"}",
     false, PH_ERR_INVALID, "enum_invalid", "rating"},
    {"empty rating", "{\"quarter\":\"2026Q3\",\"core_pct\":150,\"comprehensive_pct\":200,\"rating\":\"\"}",
     false, PH_ERR_INVALID, "string_length", "rating"},
    {"core as text",
     "{\"quarter\":\"2026Q3\",\"core_pct\":\"150\",\"comprehensive_pct\":200,\"rating\":\"A\"}", false,
     PH_ERR_INVALID, "field_type", "core_pct"},
    {"3 decimals", "{\"quarter\":\"2026Q3\",\"core_pct\":150.125,\"comprehensive_pct\":200,\"rating\":\"A\"}",
     false, PH_ERR_INVALID, "number_range", "core_pct"},
    {"no quarter", "{\"core_pct\":150,\"comprehensive_pct\":200,\"rating\":\"A\"}", false, PH_ERR_INVALID,
     "field_required", "quarter"},
    {"unknown field",
     "{\"quarter\":\"2026Q3\",\"core_pct\":150,\"comprehensive_pct\":200,\"rating\":\"A\",\"x\":1}", false,
     PH_ERR_INVALID, "field_unknown", "x"},
    {"unknown insurer",
     "{\"quarter\":\"2026Q3\",\"core_pct\":150,\"comprehensive_pct\":200,\"rating\":\"A\"}", true,
     PH_ERR_NOT_FOUND, "insurer_not_found", "insurer_id"},
};

static void test_solvency_refusals_store_nothing(void **state)
{
    struct test_db *t = *state;
    int64_t id = add_adequate_insurer(t, 1);
    for (size_t i = 0; i < COUNT(solvency_refusals); i++) {
        const struct solvency_refusal *c = &solvency_refusals[i];
        char before[65];
        test_db_digest(t->reg, before);
        json_t *report = test_json(c->report_json);
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        expect_failure(ph_solvency_record(t->reg, c->unknown_insurer ? 999 : id, report, &out, &problems),
                       &problems, c->status, c->code, c->field, c->label);
        assert_null(out);
        char after[65];
        test_db_digest(t->reg, after);
        if (strcmp(before, after) != 0)
            fail_msg("%s: the refused report changed the database", c->label);
        assert_registry_sane(t->reg, t->events);
        json_decref(report);
        ph_problems_release(&problems);
    }
}

/* --- API keys ------------------------------------------------------------------ */

static json_t *issue_key(struct test_db *t, int64_t insurer_id)
{
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_key_issue(t->reg, insurer_id, &out, &problems), PH_OK);
    ph_problems_release(&problems);
    /* Keys are credentials, not registry events: no log leaf. */
    assert_registry_sane(t->reg, t->events);
    return out;
}

static void expect_auth(struct test_db *t, const char *key, ph_status expected, const char *code,
                        int64_t insurer_id, const char *label)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t got = -1;
    ph_status st = ph_key_authenticate(t->reg, key, &got, &problems);
    if (expected == PH_OK) {
        if (st != PH_OK)
            fail_msg("%s: %s", label, ph_problems_first_code(&problems));
        assert_int_equal(got, insurer_id);
    } else {
        expect_failure(st, &problems, expected, code, "", label);
        assert_int_equal(got, 0);
    }
    ph_problems_release(&problems);
}

static void test_keys_issue_authenticate_revoke(void **state)
{
    struct test_db *t = *state;
    int64_t a = add_insurer(t, 1);
    int64_t b = add_insurer(t, 2);
    json_t *k1 = issue_key(t, a);
    json_t *k2 = issue_key(t, a);
    json_t *kb = issue_key(t, b);
    const char *key1 = test_string_at(k1, "key");
    const char *key2 = test_string_at(k2, "key");
    assert_int_equal(strncmp(key1, "phk_", 4), 0);
    assert_int_equal(strlen(key1), 4 + 43); /* 256 bits, URL-safe base64 */
    assert_string_not_equal(key1, key2);
    assert_int_equal(strncmp(test_string_at(k1, "prefix"), key1, 12), 0);
    assert_int_equal(strlen(test_string_at(k1, "prefix")), 12);
    assert_int_equal(json_integer_value(json_object_get(k1, "insurer_id")), a);

    expect_auth(t, key1, PH_OK, NULL, a, "first key");
    expect_auth(t, key2, PH_OK, NULL, a, "second key");
    expect_auth(t, test_string_at(kb, "key"), PH_OK, NULL, b, "other insurer's key");

    /* Near misses and nonsense. */
    char altered[64];
    snprintf(altered, sizeof altered, "%s", key1);
    altered[10] = altered[10] == 'A' ? 'B' : 'A';
    expect_auth(t, altered, PH_ERR_UNAUTHORIZED, "auth_invalid", 0, "one character changed");
    expect_auth(t, "phk_not-a-key", PH_ERR_UNAUTHORIZED, "auth_invalid", 0, "made up");
    expect_auth(t, "", PH_ERR_UNAUTHORIZED, "auth_invalid", 0, "empty");
    expect_auth(t, NULL, PH_ERR_UNAUTHORIZED, "auth_invalid", 0, "NULL");
    json_t *long_key = test_repeat_json("k", 201);
    expect_auth(t, json_string_value(long_key), PH_ERR_UNAUTHORIZED, "auth_invalid", 0, "201 bytes");
    json_decref(long_key);

    /* Revoking one key leaves the others working. */
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *revoked = NULL;
    int64_t key1_id = json_integer_value(json_object_get(k1, "key_id"));
    assert_int_equal(ph_key_revoke(t->reg, key1_id, &revoked, &problems), PH_OK);
    assert_registry_sane(t->reg, t->events);
    const char *revoked_at = test_string_at(revoked, "revoked_at");
    expect_auth(t, key1, PH_ERR_UNAUTHORIZED, "auth_revoked", 0, "revoked key");
    expect_auth(t, key2, PH_OK, NULL, a, "sibling of a revoked key");

    /* Revoking again keeps the first revocation time. */
    json_t *again = NULL;
    assert_int_equal(ph_key_revoke(t->reg, key1_id, &again, &problems), PH_OK);
    assert_string_equal(test_string_at(again, "revoked_at"), revoked_at);

    json_t *list = NULL;
    assert_int_equal(ph_key_list(t->reg, a, &list, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(list, "total")), 2);
    json_t *first = json_array_get(json_object_get(list, "items"), 0);
    assert_null(json_object_get(first, "key"));
    assert_string_equal(test_string_at(first, "revoked_at"), revoked_at);
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(list, "items"), 1), "revoked_at")));
    json_decref(list);
    assert_int_equal(ph_key_list(t->reg, 0, &list, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(list, "total")), 3);
    json_decref(list);
    assert_int_equal(ph_problems_count(&problems), 0);

    json_decref(again);
    json_decref(revoked);
    json_decref(k1);
    json_decref(k2);
    json_decref(kb);
    ph_problems_release(&problems);
}

static bool holds_bytes(const void *haystack, size_t len, const char *needle, size_t needle_len)
{
    const unsigned char *h = haystack;
    for (size_t i = 0; h != NULL && i + needle_len <= len; i++) {
        if (memcmp(h + i, needle, needle_len) == 0)
            return true;
    }
    return false;
}

/* Only a hash of the key is stored: no column of any row holds the key
 * text or its random part. */
static void test_key_not_stored_in_clear(void **state)
{
    struct test_db *t = *state;
    int64_t a = add_insurer(t, 1);
    json_t *issued = issue_key(t, a);
    const char *key = test_string_at(issued, "key");
    const char *secret = key + 4;

    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(t->reg->db, "SELECT * FROM api_keys", -1, &stmt, NULL), SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        rows++;
        for (int c = 0; c < sqlite3_column_count(stmt); c++) {
            const void *bytes = sqlite3_column_blob(stmt, c);
            size_t len = (size_t)sqlite3_column_bytes(stmt, c);
            if (holds_bytes(bytes, len, key, strlen(key)) || holds_bytes(bytes, len, secret, 16)) {
                const char *column = sqlite3_column_name(stmt, c);
                sqlite3_finalize(stmt);
                fail_msg("api_keys.%s holds the key text", column);
            }
        }
    }
    sqlite3_finalize(stmt);
    assert_int_equal(rows, 1);
    assert_int_equal(test_sql_int(t->reg, "SELECT length(key_hash) FROM api_keys"), 32);
    assert_int_equal(test_sql_int(t->reg, "SELECT typeof(key_hash) = 'blob' FROM api_keys"), 1);
    json_decref(issued);

    /* A key for an insurer that does not exist is not stored. */
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    expect_failure(ph_key_issue(t->reg, 999, &out, &problems), &problems, PH_ERR_NOT_FOUND,
                   "insurer_not_found", "insurer_id", "key for unknown insurer");
    assert_null(out);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM api_keys"), 1);
    ph_problems_release(&problems);
}

/* --- products: registration, reading, versions ------------------------------ */

static void test_register_assigns_numbers_in_order(void **state)
{
    struct test_db *t = *state;
    int64_t a = add_adequate_insurer(t, 1);
    int64_t b = add_adequate_insurer(t, 2);
    for (int n = 1; n <= 3; n++) {
        json_t *body = test_product_body();
        if (n == 3)
            test_json_set_path(body, "purchase_url", NULL); /* earns a warning */
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        assert_int_equal(ph_product_register(t->reg, n == 2 ? b : a, body, &out, &problems), PH_OK);
        t->events++;
        assert_registry_sane(t->reg, t->events);
        char expected[16];
        expected_regno(n, expected);
        const char *regno = test_string_at(out, "registration_no");
        assert_string_equal(regno, expected);
        assert_true(ph_registration_no_is_valid(regno));
        assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
        char url[64];
        snprintf(url, sizeof url, "/api/v1/products/%s", expected);
        assert_string_equal(test_string_at(out, "url"), url);
        json_t *warnings = json_object_get(out, "warnings");
        assert_int_equal(json_array_size(warnings), n == 3 ? 1 : 0);
        if (n == 3)
            assert_true(test_has_code(warnings, "purchase_url_missing"));
        json_decref(out);
        json_decref(body);
        ph_problems_release(&problems);
    }
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM products"), 3);
    assert_int_equal(test_sql_int(t->reg, "SELECT last_no FROM registration_counters"), 3);
}

/* The stored version-1 row, as text, to show it never changes. */
static char *version_row_text(struct test_db *t, const char *regno, int version)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(t->reg->db,
                                        "SELECT json_array(v.body, v.body_sha256, v.change_reason,"
                                        " v.created_at, v.log_index) FROM product_versions v"
                                        " JOIN products p ON p.id = v.product_id"
                                        " WHERE p.registration_no = ? AND v.version = ?",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, regno, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, version);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    char *text = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return text;
}

static void test_get_and_update_versions(void **state)
{
    struct test_db *t = *state;
    int64_t owner = add_adequate_insurer(t, 1);
    char regno[16];
    register_product(t, owner, regno);

    /* The public view of version 1: the canonical body plus the facts. */
    json_t *body = test_product_body();
    json_t *canonical = NULL;
    json_t *no_reason = NULL;
    json_t *warnings = json_array();
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(
        ph_product_validate(body, PH_VALIDATE_REGISTER, &canonical, &no_reason, warnings, &problems), PH_OK);
    json_t *v1 = get_product(t, regno, 0);
    for (size_t i = 0; test_product_fields[i] != NULL; i++) {
        const char *field = test_product_fields[i];
        if (!json_equal(json_object_get(v1, field), json_object_get(canonical, field)))
            fail_msg("get: field %s differs from the canonical body", field);
    }
    assert_string_equal(test_string_at(v1, "registration_no"), regno);
    assert_int_equal(json_integer_value(json_object_get(v1, "version")), 1);
    assert_int_equal(json_integer_value(json_object_get(v1, "latest_version")), 1);
    assert_string_equal(test_string_at(v1, "status"), "published");
    assert_string_equal(test_string_at(v1, "status_zh"), "在售");
    assert_true(json_is_true(json_object_get(v1, "on_sale")));
    assert_true(json_is_true(json_object_get(v1, "accepts_applications")));
    assert_true(json_is_null(json_object_get(v1, "change_reason")));
    assert_true(json_is_null(json_object_get(v1, "withdrawal")));
    assert_true(json_is_null(json_object_get(v1, "suspension")));
    assert_int_equal(json_array_size(json_object_get(v1, "flags")), 0);
    assert_int_equal(json_integer_value(test_json_get_path(v1, "insurer.id")), owner);
    assert_string_equal(test_string_at(v1, "insurer.name"), "测试第1保险股份有限公司");
    assert_true(json_is_true(test_json_get_path(v1, "insurer.solvency.adequate")));
    char *text = json_dumps(canonical, PH_JSON_COMPACT);
    char sha[65];
    ph_sha256_hex(text, strlen(text), sha);
    free(text);
    assert_string_equal(test_string_at(v1, "body_sha256"), sha);
    json_t *v1_by_number = get_product(t, regno, 1);
    assert_true(json_equal(v1, v1_by_number));
    json_decref(v1_by_number);
    char *row_before = version_row_text(t, regno, 1);

    /* A new version. */
    json_t *changed = update_body("惠民示范医疗保险（2027 版）", "  费率调整 ");
    json_t *out = NULL;
    assert_int_equal(ph_product_update(t->reg, owner, regno, changed, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_string_equal(test_string_at(out, "registration_no"), regno);
    json_decref(out);

    json_t *latest = get_product(t, regno, 0);
    assert_int_equal(json_integer_value(json_object_get(latest, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(latest, "latest_version")), 2);
    assert_string_equal(test_string_at(latest, "name"), "惠民示范医疗保险（2027 版）");
    assert_string_equal(test_string_at(latest, "change_reason"), "费率调整");
    assert_string_not_equal(test_string_at(latest, "body_sha256"), sha);
    assert_int_equal(
        test_sql_int(t->reg, "SELECT COUNT(*) FROM products WHERE name = '惠民示范医疗保险（2027 版）'"), 1);

    /* Version 1 is unchanged, byte for byte. */
    json_t *old = get_product(t, regno, 1);
    assert_int_equal(json_integer_value(json_object_get(old, "version")), 1);
    assert_int_equal(json_integer_value(json_object_get(old, "latest_version")), 2);
    assert_string_equal(test_string_at(old, "name"), "惠民示范医疗保险");
    assert_string_equal(test_string_at(old, "body_sha256"), sha);
    assert_true(json_is_null(json_object_get(old, "change_reason")));
    char *row_after = version_row_text(t, regno, 1);
    assert_string_equal(row_before, row_after);

    json_t *versions = NULL;
    assert_int_equal(ph_product_versions(t->reg, regno, &versions, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(versions, "total")), 2);
    json_t *items = json_object_get(versions, "items");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "version")), 1);
    assert_true(json_is_null(json_object_get(json_array_get(items, 0), "change_reason")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "change_reason")),
                        "费率调整");
    json_decref(versions);
    assert_int_equal(ph_problems_count(&problems), 0);

    /* What is not there. */
    static const struct {
        const char *regno;
        int64_t version;
        const char *code;
        const char *field;
    } missing[] = {
        {NULL, 3, "version_not_found", "version"},
        {"PH-2000-000001", 0, "product_not_found", "registration_no"},
        {"PH-2000-000001", 1, "product_not_found", "registration_no"},
        {"PH-26-1", 0, "product_not_found", "registration_no"},
        {"ph-2026-000001", 0, "product_not_found", "registration_no"},
        {"", 0, "product_not_found", "registration_no"},
    };
    for (size_t i = 0; i < COUNT(missing); i++) {
        json_t *none = NULL;
        struct ph_problems p;
        ph_problems_init(&p);
        const char *which = missing[i].regno != NULL ? missing[i].regno : regno;
        expect_failure(ph_product_get(t->reg, which, missing[i].version, &none, &p), &p, PH_ERR_NOT_FOUND,
                       missing[i].code, missing[i].field, which);
        assert_null(none);
        ph_problems_release(&p);
    }
    json_t *none = NULL;
    struct ph_problems p;
    ph_problems_init(&p);
    expect_failure(ph_product_versions(t->reg, "PH-2000-000001", &none, &p), &p, PH_ERR_NOT_FOUND,
                   "product_not_found", "registration_no", "versions of unknown product");
    assert_null(none);
    ph_problems_release(&p);

    free(row_before);
    free(row_after);
    json_decref(old);
    json_decref(latest);
    json_decref(changed);
    json_decref(v1);
    json_decref(canonical);
    json_decref(warnings);
    json_decref(body);
    ph_problems_release(&problems);
}

/* --- append-only tables ----------------------------------------------------- */

static const char *const forbidden_sql[] = {
    "UPDATE product_versions SET body = '{}'",
    "UPDATE product_versions SET change_reason = 'forged' WHERE version = 1",
    "DELETE FROM product_versions",
    "DELETE FROM product_versions WHERE version = 2",
    "INSERT INTO product_versions (product_id, version, body, body_sha256, created_at, log_index)"
    " SELECT product_id, version, '{}', body_sha256, created_at, log_index FROM product_versions"
    " WHERE version = 1 ON CONFLICT DO UPDATE SET body = excluded.body",
    "UPDATE log_leaves SET event = 'forged'",
    "UPDATE log_leaves SET data = x'00' WHERE idx = 0",
    "DELETE FROM log_leaves",
    "DELETE FROM log_leaves WHERE idx = (SELECT MAX(idx) FROM log_leaves)",
    /* REPLACE deletes the old row without firing DELETE triggers (unless
     * recursive_triggers is on): it must not be a way round them. */
    "INSERT OR REPLACE INTO product_versions (product_id, version, body, body_sha256, created_at,"
    " log_index) SELECT product_id, version, '{}', body_sha256, created_at, log_index"
    " FROM product_versions WHERE version = 1",
    "REPLACE INTO log_leaves (idx, event, data, leaf_hash, created_at)"
    " SELECT idx, 'forged', data, leaf_hash, created_at FROM log_leaves WHERE idx = 0",
};

static void test_versions_and_log_are_append_only(void **state)
{
    struct test_db *t = *state;
    int64_t owner = add_adequate_insurer(t, 1);
    char regno[16];
    register_product(t, owner, regno);
    json_t *body = update_body(NULL, "条款更新");
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_product_update(t->reg, owner, regno, body, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    json_decref(out);
    json_decref(body);
    ph_problems_release(&problems);

    /* Every statement is tried, so that one report names every hole. */
    char holes[2048] = "";
    size_t used = 0;
    for (size_t i = 0; i < COUNT(forbidden_sql); i++) {
        char before[65];
        test_db_digest(t->reg, before);
        int rc = sqlite3_exec(t->reg->db, forbidden_sql[i], NULL, NULL, NULL);
        char after[65];
        test_db_digest(t->reg, after);
        bool refused = (rc & 0xff) == SQLITE_CONSTRAINT && strcmp(before, after) == 0;
        if (!refused && used < sizeof holes)
            used += (size_t)snprintf(holes + used, sizeof holes - used, "\n  %s", forbidden_sql[i]);
    }
    if (holes[0] != '\0')
        fail_msg("append-only tables changed by:%s", holes);
    assert_registry_sane(t->reg, t->events);
}

/* --- refused changes change nothing ----------------------------------------- */

struct world {
    struct test_db *t;
    int64_t owner;
    int64_t other;
    int64_t unreported;
    char regno[16];     /* published, the owner's */
    char withdrawn[16]; /* withdrawn, the owner's */
};

typedef ph_status (*world_op)(struct world *w, json_t **out, struct ph_problems *problems);

static ph_status op_register_invalid(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = product_body_with("age_min", json_integer(-1));
    ph_status st = ph_product_register(w->t->reg, w->owner, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_register_unreported(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = test_product_body();
    ph_status st = ph_product_register(w->t->reg, w->unreported, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_register_unknown_insurer(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = test_product_body();
    ph_status st = ph_product_register(w->t->reg, 999, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_update_not_owner(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = update_body(NULL, "费率调整");
    ph_status st = ph_product_update(w->t->reg, w->other, w->regno, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_update_unknown(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = update_body(NULL, "费率调整");
    ph_status st = ph_product_update(w->t->reg, w->owner, "PH-2000-999999", body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_update_without_reason(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = test_product_body();
    ph_status st = ph_product_update(w->t->reg, w->owner, w->regno, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_update_invalid(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = update_body(NULL, "费率调整");
    test_json_set_path(body, "age_min", json_integer(-1));
    ph_status st = ph_product_update(w->t->reg, w->owner, w->regno, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_update_withdrawn(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = update_body(NULL, "费率调整");
    ph_status st = ph_product_update(w->t->reg, w->owner, w->withdrawn, body, out, p);
    json_decref(body);
    return st;
}
static ph_status withdraw_with(struct world *w, int64_t insurer, const char *date, json_t **out,
                               struct ph_problems *p)
{
    json_t *body = json_pack("{s:s, s:s}", "date", date, "reason", "产品升级");
    ph_status st = ph_product_withdraw(w->t->reg, insurer, w->regno, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_withdraw_before_registration(struct world *w, json_t **out, struct ph_problems *p)
{
    return withdraw_with(w, w->owner, "2000-01-01", out, p);
}
static ph_status op_withdraw_impossible_date(struct world *w, json_t **out, struct ph_problems *p)
{
    return withdraw_with(w, w->owner, "2099-02-30", out, p);
}
static ph_status op_withdraw_not_owner(struct world *w, json_t **out, struct ph_problems *p)
{
    return withdraw_with(w, w->other, "2099-01-01", out, p);
}
static ph_status op_suspend_blank_reason(struct world *w, json_t **out, struct ph_problems *p)
{
    return ph_product_suspend(w->t->reg, w->regno, " \xE3\x80\x80 ", out, p);
}
static ph_status op_suspend_unknown(struct world *w, json_t **out, struct ph_problems *p)
{
    return ph_product_suspend(w->t->reg, "PH-2000-999999", "投诉较多", out, p);
}
static ph_status op_suspend_withdrawn(struct world *w, json_t **out, struct ph_problems *p)
{
    return ph_product_suspend(w->t->reg, w->withdrawn, "投诉较多", out, p);
}
static ph_status op_reinstate_published(struct world *w, json_t **out, struct ph_problems *p)
{
    return ph_product_reinstate(w->t->reg, w->regno, out, p);
}
static ph_status op_solvency_unknown_insurer(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *report = test_json("{\"quarter\":\"2026Q3\",\"core_pct\":150,\"comprehensive_pct\":200,"
                               "\"rating\":\"A\"}");
    ph_status st = ph_solvency_record(w->t->reg, 999, report, out, p);
    json_decref(report);
    return st;
}
static ph_status op_insurer_duplicate(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *body = insurer_body(1);
    ph_status st = ph_insurer_add(w->t->reg, body, out, p);
    json_decref(body);
    return st;
}
static ph_status op_batch_one_bad(struct world *w, json_t **out, struct ph_problems *p)
{
    json_t *bodies = json_array();
    json_array_append_new(bodies, test_product_body());
    json_array_append_new(bodies, product_body_with("age_min", json_integer(-1)));
    json_array_append_new(bodies, test_product_body());
    ph_status st = ph_product_register_batch(w->t->reg, w->owner, bodies, out, p);
    json_decref(bodies);
    return st;
}
static ph_status op_key_issue_unknown(struct world *w, json_t **out, struct ph_problems *p)
{
    return ph_key_issue(w->t->reg, 999, out, p);
}
static ph_status op_key_revoke_unknown(struct world *w, json_t **out, struct ph_problems *p)
{
    return ph_key_revoke(w->t->reg, 999, out, p);
}
static ph_status op_demo_not_empty(struct world *w, json_t **out, struct ph_problems *p)
{
    return ph_demo_load(w->t->reg, out, p);
}

static const struct {
    const char *label;
    world_op run;
    ph_status status;
    const char *code;
    const char *field;
} refused_changes[] = {
    {"register an invalid body", op_register_invalid, PH_ERR_INVALID, "number_range", "age_min"},
    {"register without a solvency report", op_register_unreported, PH_ERR_FORBIDDEN, "solvency_unreported",
     ""},
    {"register for an unknown insurer", op_register_unknown_insurer, PH_ERR_NOT_FOUND, "insurer_not_found",
     "insurer_id"},
    {"update someone else's product", op_update_not_owner, PH_ERR_FORBIDDEN, "not_owner", "registration_no"},
    {"update an unknown product", op_update_unknown, PH_ERR_NOT_FOUND, "product_not_found",
     "registration_no"},
    {"update without change_reason", op_update_without_reason, PH_ERR_INVALID, "field_required",
     "change_reason"},
    {"update with an invalid body", op_update_invalid, PH_ERR_INVALID, "number_range", "age_min"},
    {"update a withdrawn product", op_update_withdrawn, PH_ERR_CONFLICT, "product_withdrawn",
     "registration_no"},
    {"withdraw before registration", op_withdraw_before_registration, PH_ERR_INVALID, "date_invalid", "date"},
    {"withdraw on 30 February", op_withdraw_impossible_date, PH_ERR_INVALID, "date_invalid", "date"},
    {"withdraw someone else's product", op_withdraw_not_owner, PH_ERR_FORBIDDEN, "not_owner",
     "registration_no"},
    {"suspend with a blank reason", op_suspend_blank_reason, PH_ERR_INVALID, "string_length", "reason"},
    {"suspend an unknown product", op_suspend_unknown, PH_ERR_NOT_FOUND, "product_not_found",
     "registration_no"},
    {"suspend a withdrawn product", op_suspend_withdrawn, PH_ERR_CONFLICT, "product_withdrawn",
     "registration_no"},
    {"reinstate a published product", op_reinstate_published, PH_ERR_CONFLICT, "product_not_suspended",
     "registration_no"},
    {"solvency of an unknown insurer", op_solvency_unknown_insurer, PH_ERR_NOT_FOUND, "insurer_not_found",
     "insurer_id"},
    {"add an insurer twice", op_insurer_duplicate, PH_ERR_CONFLICT, "insurer_exists", "uscc"},
    {"batch with one bad product", op_batch_one_bad, PH_ERR_INVALID, "number_range", "products[1].age_min"},
    {"key for an unknown insurer", op_key_issue_unknown, PH_ERR_NOT_FOUND, "insurer_not_found", "insurer_id"},
    {"revoke an unknown key", op_key_revoke_unknown, PH_ERR_NOT_FOUND, "key_not_found", "key_id"},
    {"demo into a registry with data", op_demo_not_empty, PH_ERR_CONFLICT, "demo_already_loaded", ""},
};

static void test_refused_changes_change_nothing(void **state)
{
    struct test_db *t = *state;
    struct world w = {.t = t};
    w.owner = add_adequate_insurer(t, 1);
    w.other = add_adequate_insurer(t, 2);
    w.unreported = add_insurer(t, 3);
    register_product(t, w.owner, w.regno);
    register_product(t, w.owner, w.withdrawn);
    char today[16];
    ph_today_china(today);
    json_t *withdrawal = json_pack("{s:s, s:s}", "date", today, "reason", "产品升级");
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_product_withdraw(t->reg, w.owner, w.withdrawn, withdrawal, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    json_decref(out);
    json_decref(withdrawal);
    ph_problems_release(&problems);

    for (size_t i = 0; i < COUNT(refused_changes); i++) {
        char before[65];
        test_db_digest(t->reg, before);
        out = NULL;
        ph_problems_init(&problems);
        ph_status st = refused_changes[i].run(&w, &out, &problems);
        expect_failure(st, &problems, refused_changes[i].status, refused_changes[i].code,
                       refused_changes[i].field, refused_changes[i].label);
        assert_null(out);
        assert_string_equal(problems.field_prefix, "");
        char after[65];
        test_db_digest(t->reg, after);
        if (strcmp(before, after) != 0)
            fail_msg("%s: the refused change altered the database", refused_changes[i].label);
        assert_registry_sane(t->reg, t->events);
        ph_problems_release(&problems);
    }
    /* The next registration takes the next number: nothing was used up. */
    char regno[16];
    register_product(t, w.owner, regno);
    char expected[16];
    expected_regno(3, expected);
    assert_string_equal(regno, expected);
}

/* --- batches ----------------------------------------------------------------------- */

static void test_batch_all_or_nothing(void **state)
{
    struct test_db *t = *state;
    int64_t owner = add_adequate_insurer(t, 1);
    struct ph_problems problems;
    ph_problems_init(&problems);

    /* Every problem of every product, named by index; nothing stored. */
    json_t *bad = json_array();
    json_array_append_new(bad, test_product_body());
    json_t *second = product_body_with("age_min", json_integer(-1));
    json_object_set_new(second, "colour", json_string("red"));
    json_array_append_new(bad, second);
    json_array_append_new(bad, product_body_with("name", NULL));
    json_array_append_new(bad, json_string("not a product"));
    char before[65];
    test_db_digest(t->reg, before);
    json_t *out = NULL;
    expect_failure(ph_product_register_batch(t->reg, owner, bad, &out, &problems), &problems, PH_ERR_INVALID,
                   "field_unknown", "products[1].colour", "bad batch");
    assert_null(out);
    assert_int_equal(ph_problems_count(&problems), 4);
    assert_problem_at(&problems, 1, "number_range", "products[1].age_min", "bad batch");
    assert_problem_at(&problems, 2, "field_required", "products[2].name", "bad batch");
    assert_problem_at(&problems, 3, "field_type", "products[3]", "bad batch");
    assert_string_equal(problems.field_prefix, "");
    char after[65];
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    assert_registry_sane(t->reg, t->events);
    json_decref(bad);
    ph_problems_release(&problems);

    /* A good batch: all stored, numbered in order, one leaf each. */
    ph_problems_init(&problems);
    json_t *good = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append_new(good, test_product_body());
    assert_int_equal(ph_product_register_batch(t->reg, owner, good, &out, &problems), PH_OK);
    t->events += 3;
    assert_registry_sane(t->reg, t->events);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 3);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 3);
    for (int i = 0; i < 3; i++) {
        char expected[16];
        expected_regno(i + 1, expected);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(items, (size_t)i), "registration_no")),
            expected);
    }
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM products"), 3);
    json_decref(out);
    json_decref(good);
    ph_problems_release(&problems);
}

static void test_batch_limits(void **state)
{
    struct test_db *t = *state;
    int64_t owner = add_adequate_insurer(t, 1);
    int64_t unreported = add_insurer(t, 2);
    json_t *one = test_product_body();

    json_t *empty = json_array();
    json_t *too_many = json_array();
    for (int i = 0; i < PH_BATCH_MAX + 1; i++)
        json_array_append(too_many, one);
    json_t *not_list = json_object();
    json_t *single = json_array();
    json_array_append(single, one);

    static const struct {
        const char *label;
        int which; /* 0 empty, 1 too many, 2 object, 3 NULL, 4 unreported insurer */
        ph_status status;
        const char *code;
        const char *field;
    } cases[] = {
        {"no products", 0, PH_ERR_INVALID, "batch_length", "products"},
        {"1001 products", 1, PH_ERR_INVALID, "batch_length", "products"},
        {"not a list", 2, PH_ERR_INVALID, "field_type", "products"},
        {"nothing", 3, PH_ERR_INVALID, "field_required", "products"},
        {"insurer without solvency report", 4, PH_ERR_FORBIDDEN, "solvency_unreported", ""},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const json_t *bodies = cases[i].which == 0   ? empty
                               : cases[i].which == 1 ? too_many
                               : cases[i].which == 2 ? not_list
                               : cases[i].which == 3 ? NULL
                                                     : single;
        int64_t insurer = cases[i].which == 4 ? unreported : owner;
        char before[65];
        test_db_digest(t->reg, before);
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        expect_failure(ph_product_register_batch(t->reg, insurer, bodies, &out, &problems), &problems,
                       cases[i].status, cases[i].code, cases[i].field, cases[i].label);
        assert_null(out);
        char after[65];
        test_db_digest(t->reg, after);
        assert_string_equal(before, after);
        assert_registry_sane(t->reg, t->events);
        ph_problems_release(&problems);
    }
    json_decref(single);
    json_decref(not_list);
    json_decref(too_many);
    json_decref(empty);
    json_decref(one);
}

/* --- the product state machine ------------------------------------------------- */

typedef ph_status (*state_op)(struct test_db *t, const char *regno, int64_t insurer, json_t **out,
                              struct ph_problems *problems);

static ph_status st_update(struct test_db *t, const char *regno, int64_t insurer, json_t **out,
                           struct ph_problems *p)
{
    json_t *body = update_body(NULL, "费率调整");
    ph_status st = ph_product_update(t->reg, insurer, regno, body, out, p);
    json_decref(body);
    return st;
}
static ph_status st_withdraw_today(struct test_db *t, const char *regno, int64_t insurer, json_t **out,
                                   struct ph_problems *p)
{
    char today[16];
    ph_today_china(today);
    json_t *body = json_pack("{s:s, s:s}", "date", today, "reason", "产品升级，由新版替代。");
    ph_status st = ph_product_withdraw(t->reg, insurer, regno, body, out, p);
    json_decref(body);
    return st;
}
static ph_status st_withdraw_no_reason(struct test_db *t, const char *regno, int64_t insurer, json_t **out,
                                       struct ph_problems *p)
{
    json_t *body = json_pack("{s:s}", "date", "2099-01-01");
    ph_status st = ph_product_withdraw(t->reg, insurer, regno, body, out, p);
    json_decref(body);
    return st;
}
static ph_status st_suspend(struct test_db *t, const char *regno, int64_t insurer, json_t **out,
                            struct ph_problems *p)
{
    (void)insurer;
    return ph_product_suspend(t->reg, regno, "宣传材料与条款不一致", out, p);
}
static ph_status st_reinstate(struct test_db *t, const char *regno, int64_t insurer, json_t **out,
                              struct ph_problems *p)
{
    (void)insurer;
    return ph_product_reinstate(t->reg, regno, out, p);
}

struct transition {
    const char *label;
    state_op run;
    bool as_other; /* act as the other insurer */
    ph_status status;
    const char *code; /* on failure */
    const char *status_after;
    bool on_sale_after;
    const char *flag; /* a flag the product must show afterwards, or NULL */
};

static const struct transition transitions[] = {
    {"suspend", st_suspend, false, PH_OK, NULL, "suspended", false, "suspended"},
    {"update while suspended", st_update, false, PH_ERR_CONFLICT, "product_suspended", "suspended", false,
     "suspended"},
    {"suspend twice", st_suspend, false, PH_ERR_CONFLICT, "product_suspended", "suspended", false,
     "suspended"},
    {"reinstate", st_reinstate, false, PH_OK, NULL, "published", true, NULL},
    {"reinstate twice", st_reinstate, false, PH_ERR_CONFLICT, "product_not_suspended", "published", true,
     NULL},
    {"update by another insurer", st_update, true, PH_ERR_FORBIDDEN, "not_owner", "published", true, NULL},
    {"withdraw by another insurer", st_withdraw_today, true, PH_ERR_FORBIDDEN, "not_owner", "published", true,
     NULL},
    {"withdraw without reason", st_withdraw_no_reason, false, PH_ERR_INVALID, "field_required", "published",
     true, NULL},
    {"update", st_update, false, PH_OK, NULL, "published", true, NULL},
    {"withdraw today", st_withdraw_today, false, PH_OK, NULL, "withdrawn", false, "withdrawn"},
    {"update when withdrawn", st_update, false, PH_ERR_CONFLICT, "product_withdrawn", "withdrawn", false,
     "withdrawn"},
    {"withdraw twice", st_withdraw_today, false, PH_ERR_CONFLICT, "product_withdrawn", "withdrawn", false,
     "withdrawn"},
    {"suspend when withdrawn", st_suspend, false, PH_ERR_CONFLICT, "product_withdrawn", "withdrawn", false,
     "withdrawn"},
    {"reinstate when withdrawn", st_reinstate, false, PH_ERR_CONFLICT, "product_not_suspended", "withdrawn",
     false, "withdrawn"},
};

static void test_withdraw_suspend_reinstate(void **state)
{
    struct test_db *t = *state;
    int64_t owner = add_adequate_insurer(t, 1);
    int64_t other = add_adequate_insurer(t, 2);
    char regno[16];
    register_product(t, owner, regno);
    int64_t versions = 1;

    for (size_t i = 0; i < COUNT(transitions); i++) {
        const struct transition *c = &transitions[i];
        char before[65];
        test_db_digest(t->reg, before);
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        ph_status st = c->run(t, regno, c->as_other ? other : owner, &out, &problems);
        if (c->status == PH_OK) {
            if (st != PH_OK)
                fail_msg("%s: %s", c->label, ph_problems_first_code(&problems));
            t->events++;
            if (c->run == st_update)
                versions++;
        } else {
            expect_failure(st, &problems, c->status, c->code, NULL, c->label);
            assert_null(out);
            char after[65];
            test_db_digest(t->reg, after);
            assert_string_equal(before, after);
        }
        assert_registry_sane(t->reg, t->events);
        json_decref(out);
        ph_problems_release(&problems);

        json_t *product = get_product(t, regno, 0);
        if (strcmp(test_string_at(product, "status"), c->status_after) != 0)
            fail_msg("%s: status %s, expected %s", c->label, test_string_at(product, "status"),
                     c->status_after);
        if (json_is_true(json_object_get(product, "on_sale")) != c->on_sale_after ||
            json_is_true(json_object_get(product, "accepts_applications")) != c->on_sale_after)
            fail_msg("%s: on_sale should be %d", c->label, c->on_sale_after);
        json_t *flags = json_object_get(product, "flags");
        if (c->flag != NULL && !test_has_code(flags, c->flag))
            fail_msg("%s: no %s flag", c->label, c->flag);
        if (c->flag == NULL && json_array_size(flags) != 0)
            fail_msg("%s: unexpected flags", c->label);
        assert_int_equal(json_integer_value(json_object_get(product, "latest_version")), versions);
        json_decref(product);
    }
    assert_int_equal(ph_status_http(PH_ERR_CONFLICT), 409);

    json_t *product = get_product(t, regno, 0);
    char today[16];
    ph_today_china(today);
    assert_string_equal(test_string_at(product, "withdrawal.date"), today);
    assert_string_equal(test_string_at(product, "withdrawal.reason"), "产品升级，由新版替代。");
    json_decref(product);

    /* A suspended product can still be withdrawn by its owner. */
    char second[16];
    register_product(t, owner, second);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(st_suspend(t, second, owner, &out, &problems), PH_OK);
    t->events++;
    assert_string_equal(test_string_at(out, "suspension.reason"), "宣传材料与条款不一致");
    json_decref(out);
    assert_int_equal(st_withdraw_today(t, second, owner, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    assert_string_equal(test_string_at(out, "status"), "withdrawn");
    json_decref(out);
    ph_problems_release(&problems);
}

/* A stop-sale date in the future: the product can no longer change but is
 * on sale until that day. */
static void test_future_withdrawal(void **state)
{
    struct test_db *t = *state;
    int64_t owner = add_adequate_insurer(t, 1);
    char regno[16];
    register_product(t, owner, regno);
    char date[16];
    ph_date_china_after_days(30, date);
    json_t *body = json_pack("{s:s, s:s}", "date", date, "reason", "地方补贴方案调整");
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_product_withdraw(t->reg, owner, regno, body, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    assert_string_equal(test_string_at(out, "status"), "withdrawn");
    assert_true(json_is_true(json_object_get(out, "on_sale")));
    assert_true(json_is_true(json_object_get(out, "accepts_applications")));
    assert_string_equal(test_string_at(out, "withdrawal.date"), date);
    assert_true(test_has_code(json_object_get(out, "flags"), "withdrawn"));
    json_decref(out);
    json_decref(body);

    out = NULL;
    expect_failure(st_update(t, regno, owner, &out, &problems), &problems, PH_ERR_CONFLICT,
                   "product_withdrawn", "registration_no", "update after a future withdrawal");
    assert_null(out);
    assert_registry_sane(t->reg, t->events);
    ph_problems_release(&problems);
}

/* --- public flags and policy 十九 ------------------------------------------------ */

static void test_public_flags_and_solvency(void **state)
{
    struct test_db *t = *state;
    int64_t owner = add_adequate_insurer(t, 1);
    char higher_rate[16];
    json_t *body = product_body_with("premium_rate", test_json("{\"this_pct\": 90, \"comparable_pct\": 80,"
                                                               " \"reason\": \"保障范围更宽，含门诊\"}"));
    register_body(t, owner, body, higher_rate);
    json_decref(body);
    char equal_fee[16];
    body = product_body_with("intermediary_fee", test_json("{\"this_pct\": 15, \"comparable_pct\": 15,"
                                                           " \"reason\": \"线下代办网点成本\"}"));
    register_body(t, owner, body, equal_fee);
    json_decref(body);

    json_t *p = get_product(t, higher_rate, 0);
    json_t *flags = json_object_get(p, "flags");
    assert_int_equal(json_array_size(flags), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(flags, 0), "code")),
                        "premium_rate_not_lower");
    assert_string_equal(json_string_value(json_object_get(json_array_get(flags, 0), "field")),
                        "premium_rate");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(flags, 0), "message")),
                           "保障范围更宽，含门诊"));
    assert_true(json_is_true(json_object_get(p, "on_sale")));
    json_decref(p);
    p = get_product(t, equal_fee, 0);
    flags = json_object_get(p, "flags");
    assert_int_equal(json_array_size(flags), 1);
    assert_true(test_has_code(flags, "intermediary_fee_not_lower"));
    json_decref(p);

    /* The latest report is inadequate: reads say so, writes are refused. */
    assert_int_equal(record_solvency(t, owner, "2026Q2", 45.0, 160.0, "A", NULL), PH_OK);
    p = get_product(t, higher_rate, 0);
    assert_string_equal(test_string_at(p, "status"), "published");
    assert_true(json_is_false(json_object_get(p, "on_sale")));
    assert_true(json_is_false(json_object_get(p, "accepts_applications")));
    assert_true(json_is_false(test_json_get_path(p, "insurer.solvency.adequate")));
    assert_true(test_has_code(json_object_get(p, "flags"), "solvency_inadequate"));
    assert_true(test_has_code(json_object_get(p, "flags"), "premium_rate_not_lower"));
    json_decref(p);

    char before[65];
    test_db_digest(t->reg, before);
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *out = NULL;
    body = test_product_body();
    expect_failure(ph_product_register(t->reg, owner, body, &out, &problems), &problems, PH_ERR_FORBIDDEN,
                   "solvency_inadequate", "", "register while inadequate");
    json_decref(body);
    ph_problems_release(&problems);
    ph_problems_init(&problems);
    expect_failure(st_update(t, higher_rate, owner, &out, &problems), &problems, PH_ERR_FORBIDDEN,
                   "solvency_inadequate", "", "update while inadequate");
    assert_null(out);
    ph_problems_release(&problems);
    char after[65];
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    assert_registry_sane(t->reg, t->events);

    /* Adequate again next quarter. */
    assert_int_equal(record_solvency(t, owner, "2026Q3", 60.0, 130.0, "B", NULL), PH_OK);
    p = get_product(t, higher_rate, 0);
    assert_true(json_is_true(json_object_get(p, "on_sale")));
    assert_false(test_has_code(json_object_get(p, "flags"), "solvency_inadequate"));
    json_decref(p);
}

/* --- nested transactions ---------------------------------------------------------- */

static ph_status add_insurer_raw(struct test_db *t, int n, struct ph_problems *problems)
{
    json_t *body = insurer_body(n);
    json_t *out = NULL;
    ph_status st = ph_insurer_add(t->reg, body, &out, problems);
    json_decref(out);
    json_decref(body);
    return st;
}

static void test_nested_transactions(void **state)
{
    struct test_db *t = *state;
    struct ph_problems problems;
    ph_problems_init(&problems);

    /* Registry functions inside an outer transaction are savepoints: an
     * inner rollback undoes only the inner part. */
    assert_int_equal(ph_tx_begin(t->reg, &problems), PH_OK);
    assert_int_equal(add_insurer_raw(t, 1, &problems), PH_OK);
    assert_int_equal(t->reg->tx_depth, 1);
    assert_int_equal(ph_tx_begin(t->reg, &problems), PH_OK);
    assert_int_equal(t->reg->tx_depth, 2);
    assert_int_equal(add_insurer_raw(t, 2, &problems), PH_OK);
    ph_tx_rollback(t->reg);
    assert_int_equal(t->reg->tx_depth, 1);
    /* A failing function rolls back its own savepoint only. */
    assert_int_equal(add_insurer_raw(t, 1, &problems), PH_ERR_CONFLICT);
    assert_int_equal(t->reg->tx_depth, 1);
    assert_int_equal(ph_tx_commit(t->reg, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM insurers"), 1);
    assert_int_equal(
        test_sql_int(t->reg, "SELECT COUNT(*) FROM insurers WHERE name = '测试第1保险股份有限公司'"), 1);

    /* Rolling back the outer transaction undoes everything inside it. */
    char before[65];
    test_db_digest(t->reg, before);
    assert_int_equal(ph_tx_begin(t->reg, &problems), PH_OK);
    assert_int_equal(add_insurer_raw(t, 3, &problems), PH_OK);
    assert_int_equal(add_insurer_raw(t, 4, &problems), PH_OK);
    ph_tx_rollback(t->reg);
    char after[65];
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    assert_registry_sane(t->reg, t->events);
    ph_problems_release(&problems);
}

/* --- the demo dataset ----------------------------------------------------------------- */

struct demo_counts {
    size_t insurers, products, versions, reports, withdrawals, suspensions, documents, document_versions;
};

static json_t *demo_dataset(struct demo_counts *c)
{
    json_error_t error;
    json_t *dataset = json_loadb((const char *)ph_demo_json, ph_demo_json_len, 0, &error);
    if (dataset == NULL)
        fail_msg("embedded demo data does not parse: %s", error.text);
    memset(c, 0, sizeof *c);
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(dataset, "insurers"), i, item) {
        c->insurers++;
        c->reports += json_array_size(json_object_get(item, "solvency"));
    }
    json_array_foreach (json_object_get(dataset, "products"), i, item) {
        c->products++;
        c->versions += json_array_size(json_object_get(item, "versions"));
        c->withdrawals += json_object_get(item, "withdraw") != NULL;
        c->suspensions += json_object_get(item, "suspend") != NULL;
        size_t d;
        json_t *doc;
        json_array_foreach (json_object_get(item, "documents"), d, doc) {
            c->documents++;
            c->document_versions += 1 + json_array_size(json_object_get(doc, "updates"));
        }
    }
    assert_true(c->insurers > 0 && c->products > 0);
    return dataset;
}

static void test_demo_load(void **state)
{
    struct test_db *t = *state;
    struct demo_counts c;
    json_t *dataset = demo_dataset(&c);
    json_decref(dataset);

    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_demo_load(t->reg, &out, &problems);
    if (st != PH_OK)
        fail_msg("demo load: %s at %s: %s", ph_problems_first_code(&problems),
                 ph_problems_first_field(&problems), ph_problems_first_message(&problems));
    t->events +=
        (int64_t)(c.insurers + c.reports + c.versions + c.withdrawals + c.suspensions + c.document_versions);
    assert_registry_sane(t->reg, t->events);
    assert_true(c.documents > 100);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM documents"), c.documents);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM document_versions"), c.document_versions);

    assert_int_equal(json_integer_value(json_object_get(out, "insurers")), c.insurers);
    assert_int_equal(json_integer_value(json_object_get(out, "products")), c.products);
    assert_int_equal(json_integer_value(json_object_get(out, "versions")), c.versions);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM insurers"), c.insurers);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM solvency_reports"), c.reports);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM products"), c.products);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM product_versions"), c.versions);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM products WHERE status = 'withdrawn'"),
                     c.withdrawals);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM products WHERE status = 'suspended'"),
                     c.suspensions);
    assert_int_equal(test_sql_int(t->reg, "SELECT COUNT(*) FROM api_keys"), c.insurers);

    /* One working key per insurer. */
    json_t *keys = json_object_get(out, "keys");
    assert_int_equal(json_array_size(keys), c.insurers);
    size_t i;
    json_t *key;
    json_array_foreach (keys, i, key) {
        expect_auth(t, test_string_at(key, "key"), PH_OK, NULL,
                    json_integer_value(json_object_get(key, "insurer_id")), "demo key");
    }
    json_decref(out);

    /* A second load is refused and changes nothing. */
    char before[65];
    test_db_digest(t->reg, before);
    out = NULL;
    expect_failure(ph_demo_load(t->reg, &out, &problems), &problems, PH_ERR_CONFLICT, "demo_already_loaded",
                   "", "second demo load");
    assert_null(out);
    char after[65];
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    assert_registry_sane(t->reg, t->events);
    ph_problems_release(&problems);
}

/* One bad record late in the dataset: the whole load rolls back through
 * every nested savepoint and the registry stays empty. */
static void test_demo_load_is_all_or_nothing(void **state)
{
    struct test_db *t = *state;
    struct demo_counts c;
    json_t *dataset = demo_dataset(&c);
    json_t *products = json_object_get(dataset, "products");
    json_t *last = json_array_get(products, json_array_size(products) - 1);
    json_t *first_version = json_array_get(json_object_get(last, "versions"), 0);
    json_object_set_new(first_version, "age_min", json_integer(-1));

    char before[65];
    test_db_digest(t->reg, before);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    expect_failure(ph_demo_load_json(t->reg, dataset, &out, &problems), &problems, PH_ERR_INVALID,
                   "number_range", "age_min", "broken demo record");
    assert_null(out);
    char after[65];
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    assert_registry_sane(t->reg, 0);
    ph_problems_release(&problems);
    json_decref(dataset);

    /* The intact dataset still loads afterwards. */
    ph_problems_init(&problems);
    assert_int_equal(ph_demo_load(t->reg, &out, &problems), PH_OK);
    t->events =
        (int64_t)(c.insurers + c.reports + c.versions + c.withdrawals + c.suspensions + c.document_versions);
    assert_registry_sane(t->reg, t->events);
    json_decref(out);
    ph_problems_release(&problems);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, test_db_setup, test_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DB_TEST(test_migrations_set_user_version),
        DB_TEST(test_newer_schema_refused),
        DB_TEST(test_read_only_open_needs_migrated_file),
        DB_TEST(test_integrity_and_digest),
        DB_TEST(test_insurer_add_get_list),
        DB_TEST(test_insurer_refusals_store_nothing),
        DB_TEST(test_solvency_decides_who_may_file),
        DB_TEST(test_solvency_refusals_store_nothing),
        DB_TEST(test_keys_issue_authenticate_revoke),
        DB_TEST(test_key_not_stored_in_clear),
        DB_TEST(test_register_assigns_numbers_in_order),
        DB_TEST(test_get_and_update_versions),
        DB_TEST(test_versions_and_log_are_append_only),
        DB_TEST(test_refused_changes_change_nothing),
        DB_TEST(test_batch_all_or_nothing),
        DB_TEST(test_batch_limits),
        DB_TEST(test_withdraw_suspend_reinstate),
        DB_TEST(test_future_withdrawal),
        DB_TEST(test_public_flags_and_solvency),
        DB_TEST(test_nested_transactions),
        DB_TEST(test_demo_load),
        DB_TEST(test_demo_load_is_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
