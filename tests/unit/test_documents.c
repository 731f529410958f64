/*
 * tests/unit/test_documents.c - insurers' documents and filings
 * (registry/document.c) and the document search (registry/doc_search.c):
 * exact bytes and their hash, versions, refusals that change nothing,
 * filings all or nothing, and finding documents by Chinese text, pinyin,
 * traditional characters and filters.
 */
#include "test_support.h"

#include "registry/search.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char terms_text[] =
    "  杭州惠民保条款\r\n\r\n第一条 保险责任\n住院医疗费用，按70%报销。\n\t第二条 责任免除\n"
    "美容整形不赔。  \n";

static void register_product(struct test_db *t, int64_t insurer_id, const char *name, char regno[16])
{
    json_t *body = test_product_body();
    json_object_set_new(body, "name", json_string(name));
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_product_register(t->reg, insurer_id, body, &out, &problems) != PH_OK)
        fail_msg("register: %s %s", ph_problems_first_code(&problems), ph_problems_first_field(&problems));
    t->events++;
    snprintf(regno, 16, "%s", test_string_at(out, "registration_no"));
    json_decref(out);
    json_decref(body);
    ph_problems_release(&problems);
}

static json_t *doc_body(const char *type, const char *title, const char *content)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "type", type, "title", title, "content", content);
    if (strcmp(type, "operating_report") == 0)
        json_object_set_new(body, "period", json_string("2026Q2"));
    return body;
}

/* Publishes; fails the test on a refusal. Writes the number to out. */
static void publish(struct test_db *t, int64_t insurer_id, const char *regno, json_t *body, char out_no[16])
{
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_document_publish(t->reg, insurer_id, regno, body, &out, &problems) != PH_OK)
        fail_msg("publish: %s %s", ph_problems_first_code(&problems), ph_problems_first_field(&problems));
    t->events++;
    snprintf(out_no, 16, "%s", test_string_at(out, "document_no"));
    json_decref(out);
    json_decref(body);
    ph_problems_release(&problems);
    assert_registry_sane(t->reg, t->events);
}

static void test_publish_keeps_exact_bytes(void **state)
{
    struct test_db *t = *state;
    int64_t insurer = test_add_adequate_insurer(t, 1);
    char regno[16];
    register_product(t, insurer, "杭州惠民保", regno);

    json_t *body = doc_body("terms", "杭州惠民保条款", terms_text);
    json_object_set_new(body, "published_on", json_string("2026-03-01"));
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_document_publish(t->reg, insurer, regno, body, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    char expected_sha[65];
    ph_sha256_hex(terms_text, strlen(terms_text), expected_sha);
    const char *no = test_string_at(out, "document_no");
    assert_true(ph_document_no_is_valid(no));
    assert_int_equal(strlen(no), 14);
    assert_string_equal(no + 8, "000001");
    assert_string_equal(test_string_at(out, "content_sha256"), expected_sha);
    assert_int_equal(json_integer_value(json_object_get(out, "log_index")), t->events - 1);
    char document_no[16];
    snprintf(document_no, sizeof document_no, "%s", no);
    json_decref(out);

    /* Read back: byte for byte, leading spaces, CR LF and tabs included. */
    assert_int_equal(ph_document_get(t->reg, document_no, 0, &out, &problems), PH_OK);
    assert_string_equal(test_string_at(out, "content"), terms_text);
    assert_int_equal(json_integer_value(json_object_get(out, "content_bytes")), strlen(terms_text));
    assert_string_equal(test_string_at(out, "content_sha256"), expected_sha);
    assert_string_equal(test_string_at(out, "type_zh"), "保险条款");
    assert_string_equal(test_string_at(out, "published_on"), "2026-03-01");
    assert_string_equal(test_string_at(out, "product.registration_no"), regno);
    assert_true(json_is_null(json_object_get(out, "period")));
    json_decref(out);

    /* The leaf names the event and records the hash. */
    assert_int_equal(ph_log_leaf(t->reg, t->events - 1, &out, &problems), PH_OK);
    assert_string_equal(test_string_at(out, "event"), "document_published");
    assert_string_equal(test_string_at(out, "record.content_sha256"), expected_sha);
    assert_string_equal(test_string_at(out, "record.document_no"), document_no);
    json_decref(out);
    json_decref(body);
    ph_problems_release(&problems);
}

static void test_versions(void **state)
{
    struct test_db *t = *state;
    int64_t insurer = test_add_adequate_insurer(t, 1);
    char regno[16];
    register_product(t, insurer, "骑手意外险", regno);
    char no[16];
    publish(t, insurer, regno, doc_body("rate_table", "骑手意外险费率表", "18到40岁 每年48元\n"), no);

    json_t *update = json_pack("{s:s, s:s, s:s}", "title", "骑手意外险费率表（2027年）", "content",
                               "18到40岁 每年60元\n", "change_reason", "根据去年赔付情况调整费率。");
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_document_update(t->reg, insurer, no, update, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    json_decref(out);

    assert_int_equal(ph_document_get(t->reg, no, 1, &out, &problems), PH_OK);
    assert_string_equal(test_string_at(out, "content"), "18到40岁 每年48元\n");
    assert_int_equal(json_integer_value(json_object_get(out, "latest_version")), 2);
    json_decref(out);
    assert_int_equal(ph_document_get(t->reg, no, 0, &out, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_string_equal(test_string_at(out, "change_reason"), "根据去年赔付情况调整费率。");
    json_decref(out);
    assert_int_equal(ph_document_versions(t->reg, no, &out, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "total")), 2);
    json_decref(out);

    assert_int_equal(ph_document_get(t->reg, no, 3, &out, &problems), PH_ERR_NOT_FOUND);
    assert_problem_at(&problems, 0, "document_version_not_found", "version", NULL);
    ph_problems_release(&problems);
    ph_problems_init(&problems);
    assert_int_equal(ph_document_get(t->reg, "PD-2026-999999", 0, &out, &problems), PH_ERR_NOT_FOUND);
    assert_problem_at(&problems, 0, "document_not_found", "document_no", NULL);
    ph_problems_release(&problems);
    ph_problems_init(&problems);
    assert_int_equal(ph_document_get(t->reg, "'; DROP TABLE documents; --", 0, &out, &problems),
                     PH_ERR_NOT_FOUND);

    /* Versions are immutable, whatever opens the file. */
    assert_int_not_equal(
        sqlite3_exec(t->reg->db, "UPDATE document_versions SET content = 'x'", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(t->reg->db, "DELETE FROM document_versions", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(
        sqlite3_exec(t->reg->db, "INSERT OR REPLACE INTO document_versions SELECT * FROM document_versions",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_registry_sane(t->reg, t->events);

    /* The product lists it, newest first. */
    char notice[16];
    publish(t, insurer, regno, doc_body("notice", "关于骑手意外险停售的公告", "本产品停售。\n"), notice);
    assert_int_equal(ph_product_documents(t->reg, regno, &out, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "total")), 2);
    json_t *first = json_array_get(json_object_get(out, "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "version")) > 0, 1);
    json_decref(out);
    json_decref(update);
    ph_problems_release(&problems);
}

struct refusal {
    const char *label;
    const char *body_json; /* NULL: a valid body */
    bool update;           /* a new version of the existing document */
    bool other_insurer;
    bool unknown_product;
    ph_status status;
    const char *code;
    const char *field;
};

static const struct refusal refusals[] = {
    {"bad type", "{\"type\":\"brochure\",\"title\":\"条款\",\"content\":\"x\"}", false, false, false,
     PH_ERR_INVALID, "enum_invalid", "type"},
    {"short title", "{\"type\":\"terms\",\"title\":\"条\",\"content\":\"正文\"}", false, false, false,
     PH_ERR_INVALID, "string_length", "title"},
    {"no content", "{\"type\":\"terms\",\"title\":\"条款\"}", false, false, false, PH_ERR_INVALID,
     "field_required", "content"},
    {"content not text", "{\"type\":\"terms\",\"title\":\"条款\",\"content\":12}", false, false, false,
     PH_ERR_INVALID, "field_type", "content"},
    {"blank content", "{\"type\":\"terms\",\"title\":\"条款\",\"content\":\" \\n\\u3000 \"}", false, false,
     false, PH_ERR_INVALID, "string_length", "content"},
    {"control chars", "{\"type\":\"terms\",\"title\":\"条款\",\"content\":\"正文\\u0007\"}", false, false,
     false, PH_ERR_INVALID, "string_control_chars", "content"},
    {"html", "{\"type\":\"terms\",\"title\":\"条款\",\"content\":\"<p>正文</p>\"}", false, false, false,
     PH_ERR_INVALID, "document_markup_refused", "content"},
    {"script", "{\"type\":\"notice\",\"title\":\"公告\",\"content\":\"正文<script>alert(1)</script>\"}",
     false, false, false, PH_ERR_INVALID, "document_markup_refused", "content"},
    {"report without period",
     "{\"type\":\"operating_report\",\"title\":\"季度报告\",\"content\":\"参保人数\"}", false, false, false,
     PH_ERR_INVALID, "field_required", "period"},
    {"period on terms", "{\"type\":\"terms\",\"title\":\"条款\",\"content\":\"x\",\"period\":\"2026Q1\"}",
     false, false, false, PH_ERR_INVALID, "period_not_allowed", "period"},
    {"bad period",
     "{\"type\":\"operating_report\",\"title\":\"报告\",\"content\":\"x\",\"period\":\"2026Q5\"}", false,
     false, false, PH_ERR_INVALID, "quarter_invalid", "period"},
    {"future date",
     "{\"type\":\"terms\",\"title\":\"条款\",\"content\":\"x\",\"published_on\":\"2100-12-31\"}", false,
     false, false, PH_ERR_INVALID, "document_date_future", "published_on"},
    {"unknown field", "{\"type\":\"terms\",\"title\":\"条款\",\"content\":\"x\",\"html\":\"<b>\"}", false,
     false, false, PH_ERR_INVALID, "field_unknown", "html"},
    {"not an object", "[1]", false, false, false, PH_ERR_INVALID, "body_type", ""},
    {"other insurer's product", NULL, false, true, false, PH_ERR_FORBIDDEN, "not_owner", "registration_no"},
    {"unknown product", NULL, false, false, true, PH_ERR_NOT_FOUND, "product_not_found", "registration_no"},
    {"update without reason", "{\"title\":\"条款\",\"content\":\"新\"}", true, false, false, PH_ERR_INVALID,
     "field_required", "change_reason"},
    {"update changes type",
     "{\"type\":\"notice\",\"title\":\"条款\",\"content\":\"新\",\"change_reason\":\"改类型\"}", true, false,
     false, PH_ERR_INVALID, "document_type_fixed", "type"},
    {"update by other insurer", "{\"title\":\"条款\",\"content\":\"新\",\"change_reason\":\"修改\"}", true,
     true, false, PH_ERR_FORBIDDEN, "not_owner", "document_no"},
};

static void test_refusals_change_nothing(void **state)
{
    struct test_db *t = *state;
    int64_t insurer = test_add_adequate_insurer(t, 1);
    int64_t other = test_add_adequate_insurer(t, 2);
    char regno[16];
    register_product(t, insurer, "杭州惠民保", regno);
    char no[16];
    publish(t, insurer, regno, doc_body("terms", "杭州惠民保条款", terms_text), no);
    for (size_t i = 0; i < COUNT(refusals); i++) {
        const struct refusal *r = &refusals[i];
        char before[65];
        test_db_digest(t->reg, before);
        json_t *body = r->body_json != NULL ? test_json(r->body_json) : doc_body("terms", "条款", "正文");
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        int64_t who = r->other_insurer ? other : insurer;
        ph_status st = r->update
                           ? ph_document_update(t->reg, who, no, body, &out, &problems)
                           : ph_document_publish(t->reg, who, r->unknown_product ? "PH-2026-999999" : regno,
                                                 body, &out, &problems);
        if (st != r->status || strcmp(ph_problems_first_code(&problems), r->code) != 0 ||
            strcmp(ph_problems_first_field(&problems), r->field) != 0)
            fail_msg("%s: got %d %s (%s), expected %d %s (%s)", r->label, st,
                     ph_problems_first_code(&problems), ph_problems_first_field(&problems), r->status,
                     r->code, r->field);
        assert_null(out);
        char after[65];
        test_db_digest(t->reg, after);
        if (strcmp(before, after) != 0)
            fail_msg("%s: a refused document changed the database", r->label);
        json_decref(body);
        ph_problems_release(&problems);
    }
    /* Too large: one byte over the limit. */
    char *big = malloc(PH_DOCUMENT_CONTENT_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, 'a', PH_DOCUMENT_CONTENT_MAX_BYTES + 1);
    big[PH_DOCUMENT_CONTENT_MAX_BYTES + 1] = '\0';
    json_t *body = doc_body("terms", "条款", big);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_document_publish(t->reg, insurer, regno, body, &out, &problems), PH_ERR_INVALID);
    assert_problem_at(&problems, 0, "document_too_large", "content", NULL);
    json_decref(body);
    ph_problems_release(&problems);
    /* Exactly at the limit is accepted. */
    big[PH_DOCUMENT_CONTENT_MAX_BYTES] = '\0';
    char at_limit[16];
    publish(t, insurer, regno, doc_body("terms", "条款", big), at_limit);
    free(big);
    assert_registry_sane(t->reg, t->events);
}

static void test_filing_all_or_nothing(void **state)
{
    struct test_db *t = *state;
    int64_t insurer = test_add_adequate_insurer(t, 1);
    json_t *filing =
        json_pack("{s:o, s:[o, o]}", "product", test_product_body(), "documents",
                  doc_body("terms", "测试产品条款", "第一条 保险责任\n意外身故赔10万元。\n"),
                  doc_body("operating_report", "测试产品2026年第二季度经营情况报告", "参保人数：1000人。\n"));
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_filing_register(t->reg, insurer, filing, &out, &problems), PH_OK);
    t->events += 3;
    assert_registry_sane(t->reg, t->events);
    assert_int_equal(json_array_size(json_object_get(out, "documents")), 2);
    const char *regno = test_string_at(out, "registration_no");
    json_t *docs = NULL;
    assert_int_equal(ph_product_documents(t->reg, regno, &docs, &problems), PH_OK);
    assert_int_equal(json_integer_value(json_object_get(docs, "total")), 2);
    json_decref(docs);
    json_decref(out);

    /* One bad document: nothing at all is stored, and the problems name
     * the parts by path. */
    json_object_set_new(json_array_get(json_object_get(filing, "documents"), 1), "title", json_string("报"));
    json_object_set_new(json_object_get(filing, "product"), "age_min", json_integer(-1));
    char before[65];
    test_db_digest(t->reg, before);
    assert_int_equal(ph_filing_register(t->reg, insurer, filing, &out, &problems), PH_ERR_INVALID);
    assert_null(out);
    bool product_named = false;
    bool document_named = false;
    size_t i;
    json_t *p;
    json_array_foreach (problems.items, i, p) {
        const char *field = json_string_value(json_object_get(p, "field"));
        product_named = product_named || strcmp(field, "product.age_min") == 0;
        document_named = document_named || strcmp(field, "documents[1].title") == 0;
    }
    assert_true(product_named);
    assert_true(document_named);
    char after[65];
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    ph_problems_release(&problems);

    /* Shape errors. */
    const char *const shapes[][2] = {
        {"[]", "body_type"},
        {"{\"documents\":[]}", "field_required"},
        {"{\"product\":{}, \"extra\":1}", "field_unknown"},
        {"{\"product\":{}, \"documents\":{}}", "field_type"},
    };
    for (size_t s = 0; s < COUNT(shapes); s++) {
        json_t *bad = test_json(shapes[s][0]);
        ph_problems_init(&problems);
        assert_int_equal(ph_filing_register(t->reg, insurer, bad, &out, &problems), PH_ERR_INVALID);
        assert_true(test_has_code(problems.items, shapes[s][1]));
        ph_problems_release(&problems);
        json_decref(bad);
    }
    test_db_digest(t->reg, after);
    assert_string_equal(before, after);
    json_decref(filing);
}

/* --- search ---------------------------------------------------------------- */

static json_t *search(struct ph_registry *reg, const char *text, void (*tweak)(struct ph_document_query *))
{
    struct ph_document_query q;
    ph_document_query_init(&q);
    q.text = text;
    if (tweak != NULL)
        tweak(&q);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_search_documents(reg, &q, &out, &problems) != PH_OK)
        fail_msg("search %s: %s", text ? text : "(none)", ph_problems_first_code(&problems));
    ph_problems_release(&problems);
    return out;
}

static bool has_document(json_t *result, const char *no)
{
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(result, "items"), i, item) {
        if (strcmp(json_string_value(json_object_get(item, "document_no")), no) == 0)
            return true;
    }
    return false;
}

static void only_notices(struct ph_document_query *q)
{
    q->type = "notice";
}
static void only_2025(struct ph_document_query *q)
{
    q->date_from = "2025-01-01";
    q->date_to = "2025-12-31";
}
static void newest(struct ph_document_query *q)
{
    q->sort = PH_DOC_SORT_NEWEST;
}

/* The products mark (ph_registry_products_state) skips document leaves, and
 * migration 5 computes it for a registry made before the mark existed. */
static int64_t products_mark(struct ph_registry *reg)
{
    int64_t size = -1;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_registry_products_state(reg, &size, &problems), PH_OK);
    ph_problems_release(&problems);
    return size;
}

static void test_products_mark(void **state)
{
    struct test_db *t = *state;
    int64_t insurer = test_add_adequate_insurer(t, 1);
    char regno[16];
    register_product(t, insurer, "杭州惠民保", regno);
    int64_t after_product = t->events;
    assert_int_equal(products_mark(t->reg), after_product);
    char no[16];
    publish(t, insurer, regno, doc_body("terms", "杭州惠民保条款", terms_text), no);
    publish(t, insurer, regno, doc_body("notice", "关于杭州惠民保续保的公告", "续保不用再交材料。\n"), no);
    assert_int_equal(products_mark(t->reg), after_product);
    assert_true(t->events > after_product);

    /* A registry of schema 4: no log_marks. Reopening migrates and backfills. */
    assert_int_equal(sqlite3_exec(t->reg->db, "DROP TABLE log_marks; PRAGMA user_version = 4", NULL, NULL, NULL),
                     SQLITE_OK);
    ph_registry_close(t->reg);
    t->reg = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_registry_open(t->path, PH_OPEN_READ_WRITE, &t->reg, &problems), PH_OK);
    ph_problems_release(&problems);
    assert_int_equal(test_sql_int(t->reg, "PRAGMA user_version"), ph_registry_schema_version());
    assert_int_equal(products_mark(t->reg), after_product);
    assert_registry_sane(t->reg, t->events);

    /* Anything but a document moves it: a withdrawal. */
    char today[16];
    ph_today_china(today);
    json_t *withdrawal = json_pack("{s:s, s:s}", "date", today, "reason", "产品升级");
    json_t *out = NULL;
    ph_problems_init(&problems);
    assert_int_equal(ph_product_withdraw(t->reg, insurer, regno, withdrawal, &out, &problems), PH_OK);
    t->events++;
    json_decref(out);
    json_decref(withdrawal);
    ph_problems_release(&problems);
    assert_int_equal(products_mark(t->reg), t->events);
    assert_registry_sane(t->reg, t->events);
}

/* --- facets against an oracle ----------------------------------------------
 *
 * The search reads its matches in one pass and checks the facet filters
 * itself (doc_search.c): a facet counts the documents that pass every filter
 * but its own, the total and the page those that pass them all. Here every
 * combination of the four facet filters, with and without text, is checked
 * against what the test knows of each document it published. */

struct known_doc {
    const char *type;
    int owner; /* 0: insurer A's medical product; 1: insurer B's accident product */
    const char *published_on;
    bool fracture; /* the content says 骨折 */
    char no[16];
};

struct facet_case {
    const char *type;
    int owner; /* -1: any insurer */
    const char *category;
    bool only_2025;
    const char *text;
};

static bool known_passes(const struct known_doc *d, const struct facet_case *c, const char *const categories[2],
                         int skip)
{
    bool pass[4] = {
        c->type == NULL || strcmp(d->type, c->type) == 0,
        c->category == NULL || strcmp(categories[d->owner], c->category) == 0,
        c->owner < 0 || d->owner == c->owner,
        !c->only_2025 || strncmp(d->published_on, "2025", 4) == 0,
    };
    for (int f = 0; f < 4; f++) {
        if (f != skip && !pass[f])
            return false;
    }
    return c->text == NULL || d->fracture;
}

/* Newest first, then the later number (numbers of one year sort as text). */
static int known_newest_first(const void *a, const void *b)
{
    const struct known_doc *x = *(const struct known_doc *const *)a, *y = *(const struct known_doc *const *)b;
    int by_date = strcmp(y->published_on, x->published_on);
    return by_date != 0 ? by_date : strcmp(y->no, x->no);
}

/* A document's value in facet f (type, category, insurer, year) as the
 * answer's facets spell it. */
static void known_facet_value(const struct known_doc *d, int f, const char *const categories[2],
                              const int64_t insurers[2], char out[32])
{
    if (f == 0)
        snprintf(out, 32, "%s", d->type);
    else if (f == 1)
        snprintf(out, 32, "%s", categories[d->owner]);
    else if (f == 2)
        snprintf(out, 32, "%lld", (long long)insurers[d->owner]);
    else
        snprintf(out, 32, "%.4s", d->published_on);
}

static int64_t facet_count(json_t *result, const char *facet, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach (json_object_get(json_object_get(result, "facets"), facet), i, v) {
        json_t *value_json = json_object_get(v, "value");
        char text[32];
        if (json_is_integer(value_json))
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(value_json));
        else
            snprintf(text, sizeof text, "%s", json_string_value(value_json));
        if (strcmp(text, value) == 0)
            return json_integer_value(json_object_get(v, "count"));
    }
    return 0;
}

static void test_search_facets_against_oracle(void **state)
{
    struct test_db *t = *state;
    int64_t insurers[2] = {test_add_adequate_insurer(t, 1), test_add_adequate_insurer(t, 2)};
    const char *const categories[2] = {"medical", "accident"};
    char regnos[2][16];
    for (int o = 0; o < 2; o++) {
        json_t *body = test_product_body();
        json_object_set_new(body, "category", json_string(categories[o]));
        json_object_set_new(body, "name", json_string(o == 0 ? "安康惠民医疗保险" : "平安出行意外保险"));
        json_t *out = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        if (ph_product_register(t->reg, insurers[o], body, &out, &problems) != PH_OK)
            fail_msg("register: %s %s", ph_problems_first_code(&problems), ph_problems_first_field(&problems));
        t->events++;
        snprintf(regnos[o], 16, "%s", test_string_at(out, "registration_no"));
        json_decref(out);
        json_decref(body);
        ph_problems_release(&problems);
    }
    struct known_doc docs[] = {
        {"terms", 0, "2024-03-01", true, ""},       {"terms", 1, "2025-02-01", true, ""},
        {"notice", 0, "2025-04-01", false, ""},     {"notice", 1, "2025-04-01", true, ""},
        {"rate_table", 0, "2025-07-15", false, ""}, {"rate_table", 1, "2026-01-10", true, ""},
        {"notice", 1, "2026-02-01", false, ""},     {"prospectus", 0, "2025-09-30", true, ""},
        {"terms", 0, "2025-09-30", false, ""},      {"notice", 0, "2024-12-31", true, ""},
    };
    for (size_t k = 0; k < COUNT(docs); k++) {
        char title[64];
        snprintf(title, sizeof title, "示范文件第%zu号", k + 1);
        json_t *body = doc_body(docs[k].type, title,
                                docs[k].fracture ? "老人摔倒骨折，按合同赔付医疗费用。\n" : "住院医疗费用按比例报销。\n");
        json_object_set_new(body, "published_on", json_string(docs[k].published_on));
        publish(t, insurers[docs[k].owner], regnos[docs[k].owner], body, docs[k].no);
    }

    const char *const types[] = {NULL, "notice", "terms"};
    const char *const category_filters[] = {NULL, "medical", "accident"};
    const char *const texts[] = {NULL, "骨折"};
    size_t cases = 0;
    for (size_t a = 0; a < COUNT(types); a++)
        for (int owner = -1; owner < 2; owner++)
            for (size_t c = 0; c < COUNT(category_filters); c++)
                for (int y = 0; y < 2; y++)
                    for (size_t x = 0; x < COUNT(texts); x++) {
                        struct facet_case fc = {types[a], owner, category_filters[c], y == 1, texts[x]};
                        struct ph_document_query q;
                        ph_document_query_init(&q);
                        q.text = fc.text;
                        q.type = fc.type;
                        q.category = fc.category;
                        q.insurer_id = owner < 0 ? 0 : insurers[owner];
                        if (fc.only_2025) {
                            q.date_from = "2025-01-01";
                            q.date_to = "2025-12-31";
                        }
                        q.sort = PH_DOC_SORT_NEWEST;
                        json_t *r = NULL;
                        struct ph_problems problems;
                        ph_problems_init(&problems);
                        assert_int_equal(ph_search_documents(t->reg, &q, &r, &problems), PH_OK);
                        ph_problems_release(&problems);
                        cases++;

                        /* The page: every document that passes, newest first, then the later number. */
                        const struct known_doc *expected[COUNT(docs)];
                        size_t n = 0;
                        for (size_t k = 0; k < COUNT(docs); k++) {
                            if (known_passes(&docs[k], &fc, categories, -1))
                                expected[n++] = &docs[k];
                        }
                        qsort(expected, n, sizeof expected[0], known_newest_first);
                        json_t *items = json_object_get(r, "items");
                        if ((size_t)json_integer_value(json_object_get(r, "total")) != n ||
                            json_array_size(items) != n)
                            fail_msg("case %zu: total %lld, items %zu, expected %zu", cases,
                                     (long long)json_integer_value(json_object_get(r, "total")),
                                     json_array_size(items), n);
                        for (size_t i = 0; i < n; i++)
                            assert_string_equal(test_string_at(json_array_get(items, i), "document_no"),
                                                expected[i]->no);

                        /* Each facet: every filter but its own. */
                        static const char *const facet_names[4] = {"type", "category", "insurer", "year"};
                        for (int f = 0; f < 4; f++) {
                            for (size_t k = 0; k < COUNT(docs); k++) {
                                char value[32];
                                known_facet_value(&docs[k], f, categories, insurers, value);
                                int64_t want = 0;
                                for (size_t m = 0; m < COUNT(docs); m++) {
                                    char other[32];
                                    known_facet_value(&docs[m], f, categories, insurers, other);
                                    if (strcmp(other, value) == 0 && known_passes(&docs[m], &fc, categories, f))
                                        want++;
                                }
                                int64_t got = facet_count(r, facet_names[f], value);
                                if (got != want)
                                    fail_msg("case %zu (type %s, insurer %d, category %s, 2025 %d, text %s): facet "
                                             "%s value %s: %lld, expected %lld",
                                             cases, fc.type ? fc.type : "-", owner, fc.category ? fc.category : "-",
                                             y, fc.text ? fc.text : "-", facet_names[f], value, (long long)got,
                                             (long long)want);
                            }
                            /* No value listed with a count of 0; counts sorted, most first. */
                            size_t i;
                            json_t *v;
                            int64_t previous = INT64_MAX;
                            json_array_foreach (json_object_get(json_object_get(r, "facets"), facet_names[f]), i, v) {
                                int64_t count = json_integer_value(json_object_get(v, "count"));
                                assert_true(count > 0 && count <= previous);
                                previous = count;
                            }
                        }
                        json_decref(r);
                    }
    assert_int_equal(cases, 108);
}

static void test_search_documents(void **state)
{
    struct test_db *t = *state;
    int64_t insurer = test_add_adequate_insurer(t, 1);
    char regno[16];
    register_product(t, insurer, "银发安心意外险", regno);
    char terms_no[16];
    char notice_no[16];
    char report_no[16];
    json_t *body =
        doc_body("terms", "银发安心意外险条款", "第一条 保险责任\n老人摔倒骨折，按合同赔付医疗费用。\n");
    json_object_set_new(body, "published_on", json_string("2025-06-01"));
    publish(t, insurer, regno, body, terms_no);
    publish(t, insurer, regno,
            doc_body("notice", "关于银发安心意外险费率调整的公告", "每年保险费由59元调整为69元。\n"),
            notice_no);
    publish(t, insurer, regno,
            doc_body("operating_report", "2026年第二季度经营情况报告", "赔付率80%。理赔件数120件。\n"),
            report_no);

    json_t *r = search(t->reg, "骨折", NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
    assert_true(has_document(r, terms_no));
    json_t *hl = json_object_get(
        json_object_get(json_array_get(json_object_get(r, "items"), 0), "highlights"), "content");
    if (strstr(json_string_value(hl), "骨") == NULL || strstr(json_string_value(hl), "<mark>") == NULL) fail_msg("highlight: %s", json_string_value(hl));
    json_decref(r);

    r = search(t->reg, "feilv tiaozheng", NULL); /* pinyin */
    assert_true(has_document(r, notice_no));
    assert_false(has_document(r, terms_no));
    json_decref(r);
    r = search(t->reg, "費率調整", NULL); /* traditional */
    assert_true(has_document(r, notice_no));
    json_decref(r);
    r = search(t->reg, "赔付率", NULL);
    assert_true(has_document(r, report_no));
    json_decref(r);

    r = search(t->reg, NULL, only_notices);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
    assert_true(has_document(r, notice_no));
    /* The type facet counts every type with the type filter left out. */
    json_t *facet = json_object_get(json_object_get(r, "facets"), "type");
    assert_int_equal(json_array_size(facet), 3);
    json_decref(r);
    r = search(t->reg, NULL, only_2025);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
    assert_true(has_document(r, terms_no));
    json_decref(r);
    r = search(t->reg, NULL, newest);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "items"), 2), "document_no")),
        terms_no);
    json_decref(r);

    /* The index follows a new version: the old words are gone. */
    json_t *update = json_pack("{s:s, s:s, s:s}", "title", "银发安心意外险条款", "content",
                               "第一条 保险责任\n老人走失，帮忙寻找。\n", "change_reason", "修改保险责任。");
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_document_update(t->reg, insurer, terms_no, update, &out, &problems), PH_OK);
    t->events++;
    assert_registry_sane(t->reg, t->events);
    json_decref(out);
    json_decref(update);
    ph_problems_release(&problems);
    r = search(t->reg, "走失", NULL);
    assert_true(has_document(r, terms_no));
    json_decref(r);
    r = search(t->reg, "骨折", NULL);
    assert_false(has_document(r, terms_no));
    json_decref(r);

    /* Hostile text is just text. */
    const char *const hostile[] = {"\"",      "NEAR(a b)", "title:x", "*", "'; DROP TABLE documents; --",
                                   "\xff\xfe"};
    for (size_t i = 0; i < COUNT(hostile); i++) {
        r = search(t->reg, hostile[i], NULL);
        json_decref(r);
    }
    assert_registry_sane(t->reg, t->events);

    /* Bad filters. */
    struct {
        const char *type, *category, *region, *from, *to;
        const char *field;
    } bad[] = {
        {"brochure", NULL, NULL, NULL, NULL, "type"},
        {NULL, "cars", NULL, NULL, NULL, "category"},
        {NULL, NULL, "99", NULL, NULL, "region"},
        {NULL, NULL, NULL, "2026-13-01", NULL, "date_from"},
        {NULL, NULL, NULL, NULL, "yesterday", "date_to"},
        {NULL, NULL, NULL, "2026-05-02", "2026-05-01", "date_from"},
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        struct ph_document_query q;
        ph_document_query_init(&q);
        q.type = bad[i].type;
        q.category = bad[i].category;
        q.region = bad[i].region;
        q.date_from = bad[i].from;
        q.date_to = bad[i].to;
        ph_problems_init(&problems);
        assert_int_equal(ph_search_documents(t->reg, &q, &out, &problems), PH_ERR_INVALID);
        assert_null(out);
        assert_string_equal(ph_problems_first_field(&problems), bad[i].field);
        ph_problems_release(&problems);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publish_keeps_exact_bytes, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_versions, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_filing_all_or_nothing, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_search_documents, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_search_facets_against_oracle, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_products_mark, test_db_setup, test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
