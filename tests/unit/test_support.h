/*
 * tests/unit/test_support.h - what the unit tests share: JSON helpers, a
 * valid product body, problem assertions, a temporary registry fixture and
 * assert_registry_sane(), the invariant check every storage test runs after
 * each mutation (STYLE.md rule 12).
 *
 * Everything is static inline so that a test file that uses only part of it
 * compiles without unused-function warnings.
 */
#ifndef PH_TEST_SUPPORT_H
#define PH_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <sodium.h>
#include <unistd.h>

#include "registry/internal.h"
#include "registry/problems.h"
#include "registry/merkle.h"
#include "registry/registry.h"
#include "registry/rules.h"

/* --- JSON --------------------------------------------------------------- */

/* Parses JSON text (any value); fails the test on a syntax error. */
static inline json_t *test_json(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error);
    if (value == NULL)
        fail_msg("test JSON does not parse (%s): %s", error.text, text);
    return value;
}

/* A new JSON string of `unit` repeated `count` times. */
static inline json_t *test_repeat_json(const char *unit, size_t count)
{
    size_t unit_len = strlen(unit);
    char *text = malloc(unit_len * count + 1);
    assert_non_null(text);
    for (size_t i = 0; i < count; i++)
        memcpy(text + i * unit_len, unit, unit_len);
    text[unit_len * count] = '\0';
    json_t *s = json_string(text);
    free(text);
    assert_non_null(s);
    return s;
}

/* Sets (value != NULL, reference stolen) or deletes (value == NULL) the
 * member at a dotted path such as "claim.settle_days". Intermediate
 * objects must exist. */
static inline void test_json_set_path(json_t *root, const char *path, json_t *value)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *parent = root;
    char *name = buf;
    char *dot = strchr(name, '.');
    while (dot != NULL) {
        *dot = '\0';
        parent = json_object_get(parent, name);
        if (!json_is_object(parent))
            fail_msg("test path %s: %s is not an object", path, name);
        name = dot + 1;
        dot = strchr(name, '.');
    }
    if (value == NULL)
        json_object_del(parent, name);
    else
        assert_int_equal(json_object_set_new(parent, name, value), 0);
}

/* The member at a dotted path, or NULL. */
static inline json_t *test_json_get_path(json_t *root, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *node = root;
    char *rest = buf;
    while (node != NULL && rest != NULL) {
        char *dot = strchr(rest, '.');
        if (dot != NULL)
            *dot = '\0';
        node = json_object_get(node, rest);
        rest = dot != NULL ? dot + 1 : NULL;
    }
    return node;
}

/* The string member of an object, failing the test when it is not one. */
static inline const char *test_string_at(json_t *root, const char *path)
{
    const char *s = json_string_value(test_json_get_path(root, path));
    if (s == NULL)
        fail_msg("%s is not a string", path);
    return s;
}

/* True when a JSON array of {code, ...} objects holds an item with `code`. */
static inline bool test_has_code(const json_t *items, const char *code)
{
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        const char *c = json_string_value(json_object_get(item, "code"));
        if (c != NULL && strcmp(c, code) == 0)
            return true;
    }
    return false;
}

/* --- a valid product body --------------------------------------------- */

/* A product body that passes every rule with no warnings. Each optional
 * field (reimbursement_pct, cooling_off_days, service_commitments) is left
 * out so that the canonical defaults show. Caller json_decref's. */
static inline json_t *test_product_body(void)
{
    return test_json("{"
                     "\"name\": \"惠民示范医疗保险\","
                     "\"category\": \"medical\","
                     "\"target_groups\": [\"elderly\", \"low_income\"],"
                     "\"regions\": [\"330000\", \"110105\"],"
                     "\"age_min\": 0,"
                     "\"age_max\": 100,"
                     "\"premium_yuan_per_year\": {\"min\": 59, \"max\": 299.5},"
                     "\"sum_insured_yuan\": 2000000,"
                     "\"deductible_yuan\": 20000,"
                     "\"waiting_period_days\": 30,"
                     "\"preexisting_conditions\": \"partly\","
                     "\"health_questionnaire\": false,"
                     "\"term_months\": 12,"
                     "\"summary\": \"面向老年人和低收入人群的普惠医疗保险，有既往症也能部分报销。\","
                     "\"covered\": [\"住院医疗费用\", \"特定高额药品费用\"],"
                     "\"not_covered\": [\"美容整形\", \"故意自伤\"],"
                     "\"claim\": {\"how\": \"拨打客服电话报案，上传材料后审核赔付。\","
                     "            \"documents\": [\"身份证\", \"医疗费用发票\"], \"settle_days\": 10},"
                     "\"channels\": [\"online\", \"offline\"],"
                     "\"purchase_url\": \"https://insurer.example/buy\","
                     "\"hotline\": \"400-800-1234\","
                     "\"premium_rate\": {\"this_pct\": 60, \"comparable_pct\": 80},"
                     "\"intermediary_fee\": {\"this_pct\": 5, \"comparable_pct\": 15}"
                     "}");
}

/* The product fields in canonical (table) order, as docs/API.md lists them. */
static const char *const test_product_fields[] = {
    "name",
    "category",
    "target_groups",
    "regions",
    "age_min",
    "age_max",
    "premium_yuan_per_year",
    "sum_insured_yuan",
    "deductible_yuan",
    "reimbursement_pct",
    "waiting_period_days",
    "cooling_off_days",
    "preexisting_conditions",
    "health_questionnaire",
    "term_months",
    "summary",
    "covered",
    "not_covered",
    "claim",
    "service_commitments",
    "channels",
    "purchase_url",
    "hotline",
    "premium_rate",
    "intermediary_fee",
    NULL,
};

/* --- problems ------------------------------------------------------------ */

/* Asserts the index-th problem's code and field (field NULL: any field);
 * `label` names the case. */
static inline void assert_problem_at(const struct ph_problems *problems, size_t index, const char *code,
                                     const char *field, const char *label)
{
    json_t *item = json_array_get(problems->items, index);
    const char *got_code = json_string_value(json_object_get(item, "code"));
    const char *got_field = json_string_value(json_object_get(item, "field"));
    bool same = item != NULL && got_code != NULL && got_field != NULL && strcmp(got_code, code) == 0 &&
                (field == NULL || strcmp(got_field, field) == 0);
    if (!same) {
        char *all = json_dumps(problems->items, JSON_COMPACT);
        fail_msg("%s: problem %zu: expected (%s, \"%s\"), got (%s, \"%s\"); all: %s", label, index, code,
                 field ? field : "*", got_code ? got_code : "-", got_field ? got_field : "-",
                 all ? all : "?");
    }
    const char *message = json_string_value(json_object_get(item, "message"));
    if (message == NULL || message[0] == '\0')
        fail_msg("%s: problem %zu has no message", label, index);
}

static inline void assert_first_problem(const struct ph_problems *problems, const char *code,
                                        const char *field, const char *label)
{
    if (ph_problems_count(problems) == 0)
        fail_msg("%s: expected problem %s at \"%s\", got none", label, code, field ? field : "*");
    assert_problem_at(problems, 0, code, field, label);
}

/* --- a temporary registry ----------------------------------------------- */

struct test_db {
    char dir[64];
    char path[128];
    struct ph_registry *reg;
    int64_t events; /* log leaves the registry should hold by now */
};

static inline void test_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            char file[384];
            snprintf(file, sizeof file, "%s/%s", dir, entry->d_name);
            unlink(file);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* cmocka setup: a fresh database file in its own temporary directory. */
static inline int test_db_setup(void **state)
{
    struct test_db *t = calloc(1, sizeof *t);
    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/ph_unit_XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/registry.db", t->dir);
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_registry_open(t->path, PH_OPEN_READ_WRITE, &t->reg, &problems);
    ph_problems_release(&problems);
    if (st != PH_OK) {
        test_remove_dir(t->dir);
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

/* cmocka teardown: closes whatever is open and removes every file. */
static inline int test_db_teardown(void **state)
{
    struct test_db *t = *state;
    if (t == NULL)
        return 0;
    ph_registry_close(t->reg);
    test_remove_dir(t->dir);
    free(t);
    *state = NULL;
    return 0;
}

/* A valid USCC for test insurer n (GB 32100-2015 check character). */
static inline void test_uscc_for(int n, char out[19])
{
    char first17[18];
    snprintf(first17, sizeof first17, "91330000MA2H%05d", n);
    memcpy(out, first17, 17);
    out[17] = ph_uscc_check_char(first17);
    out[18] = '\0';
}

/* Adds test insurer n with an adequate solvency report (two log events,
 * counted in t->events); returns its id. */
static inline int64_t test_add_adequate_insurer(struct test_db *t, int n)
{
    char uscc[19];
    test_uscc_for(n, uscc);
    char name[64];
    snprintf(name, sizeof name, "测试第%d保险股份有限公司", n);
    char short_name[32];
    snprintf(short_name, sizeof short_name, "测试%d险", n);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "short_name", short_name, "uscc", uscc,
                             "type", "property", "region", "330000");
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_insurer_add(t->reg, body, &out, &problems) != PH_OK)
        fail_msg("add insurer: %s", ph_problems_first_code(&problems));
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(body);
    json_t *report = json_pack("{s:s, s:f, s:f, s:s}", "quarter", "2026Q1", "core_pct", 150.0,
                               "comprehensive_pct", 220.0, "rating", "A");
    if (ph_solvency_record(t->reg, id, report, &out, &problems) != PH_OK)
        fail_msg("solvency: %s", ph_problems_first_code(&problems));
    json_decref(out);
    json_decref(report);
    ph_problems_release(&problems);
    t->events += 2;
    return id;
}

/* The single integer an SQL query answers; fails the test otherwise. */
static inline int64_t test_sql_int(struct ph_registry *reg, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(reg->db));
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        fail_msg("no row from %s", sql);
    }
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* SHA-256 (hex) over every row of every table, in a fixed order, plus the
 * schema version: two equal digests mean no table changed. */
static inline void test_db_digest(struct ph_registry *reg, char out[65])
{
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    char version[32];
    snprintf(version, sizeof version, "v%lld", (long long)test_sql_int(reg, "PRAGMA user_version"));
    crypto_hash_sha256_update(&state, (const unsigned char *)version, strlen(version));

    sqlite3_stmt *tables = NULL;
    assert_int_equal(sqlite3_prepare_v2(reg->db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                                        " ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        crypto_hash_sha256_update(&state, (const unsigned char *)name, strlen(name) + 1);
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
        sqlite3_stmt *probe = NULL;
        assert_int_equal(sqlite3_prepare_v2(reg->db, sql, -1, &probe, NULL), SQLITE_OK);
        int columns = sqlite3_column_count(probe);
        sqlite3_finalize(probe);
        size_t used = strlen(sql);
        for (int c = 1; c <= columns && used < sizeof sql; c++)
            used += (size_t)snprintf(sql + used, sizeof sql - used, "%s%d", c == 1 ? " ORDER BY " : ", ", c);
        assert_true(used < sizeof sql);
        sqlite3_stmt *rows = NULL;
        assert_int_equal(sqlite3_prepare_v2(reg->db, sql, -1, &rows, NULL), SQLITE_OK);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < columns; c++) {
                unsigned char type = (unsigned char)sqlite3_column_type(rows, c);
                crypto_hash_sha256_update(&state, &type, 1);
                if (type == SQLITE_NULL)
                    continue;
                const unsigned char *bytes =
                    type == SQLITE_BLOB ? sqlite3_column_blob(rows, c) : sqlite3_column_text(rows, c);
                int len = sqlite3_column_bytes(rows, c);
                unsigned char len_bytes[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                                              (unsigned char)(len >> 8), (unsigned char)len};
                crypto_hash_sha256_update(&state, len_bytes, sizeof len_bytes);
                if (len > 0)
                    crypto_hash_sha256_update(&state, bytes, (unsigned long long)len);
            }
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

/* The stored Merkle subtrees (log_nodes) agree with the leaves: the root
 * computed through them equals the root of a tree rebuilt in memory from
 * the leaf hashes alone, and there are exactly n - popcount(n) of them
 * (one per perfect subtree of two or more leaves). */
static inline void assert_log_tree_sane(struct ph_registry *reg, int64_t size)
{
    int64_t expected_nodes = size - (int64_t)__builtin_popcountll((unsigned long long)size);
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM log_nodes"), expected_nodes);
    struct ph_merkle_memtree mem;
    ph_merkle_memtree_init(&mem, (uint64_t)size + 1);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(reg->db, "SELECT leaf_hash FROM log_leaves ORDER BY idx", -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW)
        assert_int_equal(ph_merkle_memtree_append(&mem, sqlite3_column_blob(stmt, 0)), PH_MERKLE_OK);
    sqlite3_finalize(stmt);
    struct ph_merkle_source from_memory = ph_merkle_memtree_source(&mem);
    struct ph_merkle_source from_db;
    ph_tlog_source(reg, &from_db);
    uint8_t want[PH_MERKLE_HASH_SIZE];
    uint8_t got[PH_MERKLE_HASH_SIZE];
    assert_int_equal(ph_merkle_root(&from_memory, (uint64_t)size, want), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_root(&from_db, (uint64_t)size, got), PH_MERKLE_OK);
    assert_memory_equal(want, got, sizeof want);
    ph_merkle_memtree_release(&mem);
}

/* The registry's invariants (registry.h), checked after every mutation:
 *  - PRAGMA integrity_check says ok and no transaction is left open;
 *  - the log holds exactly `expected_events` leaves, indexed 0..n-1, each
 *    hashed as RFC 9162 says (SHA-256 of 0x00 || data);
 *  - every product's latest_version is its highest version row and its
 *    versions are 1..latest with no gap;
 *  - every version row's body_sha256 is the SHA-256 of its body, and the
 *    leaf at its log_index records that hash. */
static inline void assert_registry_sane(struct ph_registry *reg, int64_t expected_events)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_registry_check_integrity(reg, &problems);
    ph_problems_release(&problems);
    assert_int_equal(st, PH_OK);
    assert_int_equal(reg->tx_depth, 0);
    assert_true(sqlite3_get_autocommit(reg->db));

    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM log_leaves"), expected_events);
    assert_int_equal(test_sql_int(reg, "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves"), expected_events);
    int64_t log_size = -1;
    int64_t last_change = -1;
    ph_problems_init(&problems);
    st = ph_registry_state(reg, &log_size, &last_change, &problems);
    ph_problems_release(&problems);
    assert_int_equal(st, PH_OK);
    assert_int_equal(log_size, expected_events);
    assert_true(expected_events == 0 ? last_change == 0 : last_change > 0);
    /* The products mark is the log's size after its last leaf that is not
     * a document's, as recomputed from the leaves. */
    int64_t products_size = -1;
    ph_problems_init(&problems);
    st = ph_registry_products_state(reg, &products_size, &problems);
    ph_problems_release(&problems);
    assert_int_equal(st, PH_OK);
    assert_int_equal(products_size,
                     test_sql_int(reg, "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves WHERE event NOT IN"
                                       " ('document_published', 'document_version_published')"));

    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM products p WHERE p.latest_version IS NOT"
                                       " (SELECT MAX(version) FROM product_versions v"
                                       "  WHERE v.product_id = p.id)"
                                       " OR p.latest_version IS NOT"
                                       " (SELECT COUNT(*) FROM product_versions v"
                                       "  WHERE v.product_id = p.id)"),
                     0);
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM product_versions v"
                                       " WHERE NOT EXISTS (SELECT 1 FROM products p"
                                       "  WHERE p.id = v.product_id)"),
                     0);

    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(reg->db,
                                        "SELECT v.body, v.body_sha256, l.data FROM product_versions v"
                                        " LEFT JOIN log_leaves l ON l.idx = v.log_index",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        char sha[65];
        ph_sha256_hex(sqlite3_column_text(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0), sha);
        const char *stored = (const char *)sqlite3_column_text(stmt, 1);
        const char *leaf = (const char *)sqlite3_column_text(stmt, 2);
        if (stored == NULL || strcmp(sha, stored) != 0) {
            sqlite3_finalize(stmt);
            fail_msg("version body hash %s != stored %s", sha, stored ? stored : "NULL");
        }
        if (leaf == NULL || strstr(leaf, sha) == NULL) {
            sqlite3_finalize(stmt);
            fail_msg("the leaf of a version does not record its hash %s", sha);
        }
    }
    sqlite3_finalize(stmt);

    /* Documents: versions 1..latest with no gap; each version's stored
     * hash is the SHA-256 of its exact bytes and its leaf records it; the
     * search index holds one row per document. */
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM documents d WHERE d.latest_version IS NOT"
                                       " (SELECT MAX(version) FROM document_versions v WHERE v.document_id = d.id)"
                                       " OR d.latest_version IS NOT"
                                       " (SELECT COUNT(*) FROM document_versions v WHERE v.document_id = d.id)"),
                     0);
    assert_int_equal(test_sql_int(reg, "SELECT (SELECT COUNT(*) FROM documents) - (SELECT COUNT(*) FROM"
                                       " document_search) + (SELECT COUNT(*) FROM documents) - (SELECT COUNT(*)"
                                       " FROM document_filters)"),
                     0);
    assert_int_equal(sqlite3_prepare_v2(reg->db,
                                        "SELECT v.content, v.content_sha256, l.data FROM document_versions v"
                                        " LEFT JOIN log_leaves l ON l.idx = v.log_index",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        char sha[65];
        ph_sha256_hex(sqlite3_column_blob(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0), sha);
        const char *stored = (const char *)sqlite3_column_text(stmt, 1);
        const char *leaf = (const char *)sqlite3_column_text(stmt, 2);
        if (stored == NULL || strcmp(sha, stored) != 0 || leaf == NULL || strstr(leaf, sha) == NULL) {
            sqlite3_finalize(stmt);
            fail_msg("a document version's hash %s is not stored or not in its leaf", sha);
        }
    }
    sqlite3_finalize(stmt);

    assert_int_equal(sqlite3_prepare_v2(reg->db, "SELECT data, leaf_hash FROM log_leaves", -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        unsigned char expected[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_state state;
        const unsigned char leaf_prefix = 0x00;
        crypto_hash_sha256_init(&state);
        crypto_hash_sha256_update(&state, &leaf_prefix, 1);
        crypto_hash_sha256_update(&state, sqlite3_column_blob(stmt, 0),
                                  (unsigned long long)sqlite3_column_bytes(stmt, 0));
        crypto_hash_sha256_final(&state, expected);
        bool same = sqlite3_column_bytes(stmt, 1) == (int)sizeof expected &&
                    memcmp(sqlite3_column_blob(stmt, 1), expected, sizeof expected) == 0;
        if (!same) {
            sqlite3_finalize(stmt);
            fail_msg("a log leaf's hash is not SHA-256(0x00 || data)");
        }
    }
    sqlite3_finalize(stmt);
    assert_log_tree_sane(reg, expected_events);
}

#endif
