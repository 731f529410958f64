/*
 * tests/bench/bench_documents.c - the document search benchmark, in-process
 * (issue 5, acceptance point 5). Not a test: nothing here is registered with
 * ctest.
 *
 *   bench_documents DB_PATH [--documents 100000] [--seed 1] [--rounds 10]
 *                   [--budget-s 120] [--relevance FILE] [--no-profile]
 *   bench_documents DB_PATH --queries-only [--rounds 10] ...
 *
 * 1. Creates a fresh registry at DB_PATH (it must not exist) and loads the
 *    demo dataset (64 products, 216 documents).
 * 2. Publishes --documents documents through ph_document_publish, spread
 *    over the 64 demo products (each by the product's own insurer), 1,000
 *    per transaction (ph_tx_begin / ph_tx_commit: each publish nests as a
 *    savepoint, as in the demo loader). Texts are recombined from the lines
 *    of every demo document (the embedded demo JSON, versions included):
 *    a title from the product's name and the type, then lines mostly from
 *    documents of the same type, with about a third of the numbers varied
 *    by up to +-30% and years moved within 2024-2026, 300-1,500 characters.
 *    All five types; operating reports carry the quarter before their
 *    publication date; published_on is spread over 2024-01-01..today.
 *    Bodies are built before each batch's clock starts.
 * 3. Measures the database and index sizes (dbstat when compiled in).
 * 4. Runs every relevance query with "target": "documents" (q and filters:
 *    type, category, region, insurer; per_page 20) through
 *    ph_search_documents without an answer cache: one warm-up round, then
 *    --rounds rounds (cut to no fewer than 3 when the warm-up says they
 *    would take longer than --budget-s), then one traced round
 *    (sqlite3_trace_v2) that splits each search into the relaxation
 *    probes, the one pass over the matches (bm25, total, facets, ranking),
 *    and the page (each row read with highlight and snippet), with
 *    EXPLAIN QUERY PLAN of the slowest statements.
 *
 * --queries-only skips 1-3 and runs 4 on an existing database (one this
 * program made): to measure the search again after a change to it.
 *
 * Prints one JSON document on stdout; progress goes to stderr. Includes
 * registry/internal.h for the connection (reg->db: product list, sizes,
 * tracing) and the transaction helpers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "registry/demo.h"
#include "registry/internal.h"
#include "registry/registry.h"
#include "registry/search.h"

#define BENCH_NAME "bench_documents"
#define BENCH_USAGE                                                                                          \
    "DB_PATH [--documents 100000] [--seed 1] [--rounds 10] [--budget-s 120] [--relevance FILE] "             \
    "[--no-profile] [--queries-only]"
#include "bench_util.h"

#ifndef PH_SOURCE_DIR
#define PH_SOURCE_DIR "."
#endif

extern const unsigned char ph_demo_json[];
extern const size_t ph_demo_json_len;

#define BATCH_SIZE  1000
#define PRODUCT_MAX 128
#define QUERIES_MAX 128
#define ROUNDS_MAX  100

/* The number written by n ASCII digits (dates we made ourselves). */
static int digits(const char *s, int n)
{
    int value = 0;
    for (int i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        value = value * 10 + (s[i] - '0');
    return value;
}

/* --- the material: every line of every demo document ----------------------- */

enum doc_type { T_TERMS, T_RATE_TABLE, T_PROSPECTUS, T_NOTICE, T_REPORT, T_COUNT };
static const char *const type_codes[T_COUNT] = {"terms", "rate_table", "prospectus", "notice",
                                                "operating_report"};
/* How often each type is published: reports and notices are the most
 * frequent (quarterly, and every rate change or withdrawal). */
static const double type_share[T_COUNT] = {0.18, 0.14, 0.16, 0.24, 0.28};

struct lines {
    char **items;
    size_t count, cap;
};

static struct lines pool[T_COUNT];
static struct lines every_line;

static void lines_add(struct lines *l, const char *text)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->items = realloc(l->items, l->cap * sizeof l->items[0]);
        if (l->items == NULL)
            die("out of memory", NULL);
    }
    l->items[l->count++] = strdup(text);
}

static bool lines_has(const struct lines *l, const char *text)
{
    for (size_t k = 0; k < l->count; k++) {
        if (strcmp(l->items[k], text) == 0)
            return true;
    }
    return false;
}

static int type_index(const char *code)
{
    for (int t = 0; t < T_COUNT; t++) {
        if (code != NULL && strcmp(code, type_codes[t]) == 0)
            return t;
    }
    return -1;
}

/* Splits one content into lines; leaves out the title line (the first) and
 * the insurer line, which name the demo's own product and insurer. */
static void collect_content(int type, const char *content)
{
    static struct buf line;
    const char *p = content;
    bool first = true;
    while (*p != '\0') {
        const char *end = strchr(p, '\n');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        buf_reset(&line);
        buf_addn(&line, p, n);
        if (!first && n > 0 && !line.overflow && strncmp(line.data, "保险人：", strlen("保险人：")) != 0 &&
            !lines_has(&pool[type], line.data)) {
            lines_add(&pool[type], line.data);
            if (!lines_has(&every_line, line.data))
                lines_add(&every_line, line.data);
        }
        first = false;
        p += n;
        if (*p == '\n')
            p++;
    }
}

static size_t collect_demo_lines(void)
{
    json_error_t error;
    json_t *dataset = json_loadb((const char *)ph_demo_json, ph_demo_json_len, 0, &error);
    if (dataset == NULL)
        die("parsing the embedded demo JSON", NULL);
    size_t documents = 0;
    size_t i;
    json_t *product;
    json_array_foreach (json_object_get(dataset, "products"), i, product) {
        size_t d;
        json_t *doc;
        json_array_foreach (json_object_get(product, "documents"), d, doc) {
            int type = type_index(json_string_value(json_object_get(doc, "type")));
            if (type < 0)
                continue;
            documents++;
            collect_content(type, json_string_value(json_object_get(doc, "content")));
            size_t u;
            json_t *update;
            json_array_foreach (json_object_get(doc, "updates"), u, update) {
                const char *content = json_string_value(json_object_get(update, "content"));
                if (content != NULL)
                    collect_content(type, content);
            }
        }
    }
    json_decref(dataset);
    for (int t = 0; t < T_COUNT; t++) {
        if (pool[t].count == 0)
            die("the demo has no lines for a document type", NULL);
    }
    return documents;
}

/* --- the products documents are published for ------------------------------- */

struct product {
    char registration_no[32];
    char name[256];
    char core[256]; /* the name without its bracketed note */
    int64_t insurer_id;
};

static struct product products[PRODUCT_MAX];
static size_t product_count;

static void read_products(struct ph_registry *reg)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, "SELECT registration_no, name, insurer_id FROM products ORDER BY id", -1,
                           &stmt, NULL) != SQLITE_OK)
        die("listing the products", NULL);
    while (sqlite3_step(stmt) == SQLITE_ROW && product_count < PRODUCT_MAX) {
        struct product *p = &products[product_count++];
        snprintf(p->registration_no, sizeof p->registration_no, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(p->name, sizeof p->name, "%s", (const char *)sqlite3_column_text(stmt, 1));
        p->insurer_id = sqlite3_column_int64(stmt, 2);
        /* 杭州西湖惠民保2026（示范） -> 杭州西湖惠民保2026 */
        memcpy(p->core, p->name, sizeof p->core);
        char *note = strstr(p->core, "（");
        if (note != NULL && note != p->core)
            *note = '\0';
    }
    sqlite3_finalize(stmt);
    if (product_count == 0)
        die("the demo registered no products", NULL);
}

/* --- generating one document ------------------------------------------------- */

static int pick_type(struct rng *r)
{
    double u = rng_unit(r);
    for (int t = 0; t < T_COUNT; t++) {
        if (u < type_share[t])
            return t;
        u -= type_share[t];
    }
    return T_REPORT;
}

static const char *const notice_subjects[] = {"费率调整", "停售", "保障升级", "理赔服务调整", "续保规则调整",
                                              "投保渠道变更", "客服电话变更", "条款修订", "销售区域调整"};
static const char *const title_editions[] = {"", "", "", "（2024版）", "（2025版）", "（2026版）", "（修订版）",
                                             "（城乡版）", "（家庭版）"};

struct dates {
    time_t start; /* 2024-01-01 00:00 UTC */
    long days;    /* days from start to today (China) inclusive */
};

static void date_after(const struct dates *d, long day, char out[16])
{
    time_t t = d->start + (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static json_t *make_document(size_t i, uint64_t seed, const struct dates *dates, int64_t *insurer_id,
                             const char **regno, size_t *content_chars)
{
    static struct buf title;
    static struct buf content;
    static struct buf varied;
    struct rng r;
    rng_seed(&r, seed * 1000003ull + (uint64_t)i + 1);
    const struct product *p = &products[rng_below(&r, product_count)];
    *insurer_id = p->insurer_id;
    *regno = p->registration_no;
    int type = pick_type(&r);
    char published_on[16];
    date_after(dates, (long)rng_below(&r, (size_t)dates->days), published_on);
    int year = digits(published_on, 4);
    int month = digits(published_on + 5, 2);
    /* the quarter before the publication date */
    int quarter = (month - 1) / 3;
    int period_year = year;
    if (quarter == 0) {
        quarter = 4;
        period_year--;
    }
    char period[32];
    snprintf(period, sizeof period, "%dQ%d", period_year % 10000, quarter);

    buf_reset(&title);
    const char *edition = title_editions[rng_below(&r, sizeof title_editions / sizeof title_editions[0])];
    const char *name = rng_chance(&r, 0.5) ? p->name : p->core;
    switch (type) {
    case T_TERMS:
        buf_add(&title, "%s%s条款", name, edition);
        break;
    case T_RATE_TABLE:
        buf_add(&title, "%s%s费率表", name, edition);
        break;
    case T_PROSPECTUS:
        buf_add(&title, "%s%s产品说明书", name, edition);
        break;
    case T_NOTICE:
        buf_add(&title, "关于%s%s的公告", p->core,
                notice_subjects[rng_below(&r, sizeof notice_subjects / sizeof notice_subjects[0])]);
        break;
    default:
        buf_add(&title, "%s%d年第%d季度经营情况报告", p->core, period_year, quarter);
        break;
    }
    if (utf8_chars(title.data) > 100) {
        buf_reset(&title);
        buf_add(&title, "%s（%zu）", type_codes[type], i + 1);
    }

    /* The content: the title, the insurer line, then lines of the same type
     * (85%) or any type, until a target length of 300-1,500 characters. */
    size_t target = 300 + rng_below(&r, 1201);
    buf_reset(&content);
    buf_add(&content, "%s\n\n", title.data);
    if (type == T_REPORT)
        buf_add(&content, "报告期：%d年第%d季度\n本季度参保人数%zu人，保费收入%.1f万元，赔付率%zu%%。\n", period_year,
                quarter, 1000 + rng_below(&r, 900000), 10.0 + 50000.0 * rng_unit(&r), 20 + rng_below(&r, 80));
    size_t chars = utf8_chars(content.data);
    while (chars < target && !content.overflow) {
        const struct lines *from = rng_chance(&r, 0.85) ? &pool[type] : &every_line;
        const char *line = from->items[rng_below(&r, from->count)];
        buf_reset(&varied);
        vary_numbers(line, &r, &varied, true);
        if (varied.overflow)
            continue;
        buf_add(&content, "%s\n", varied.data);
        chars += utf8_chars(varied.data) + 1;
    }
    buf_add(&content, "\n发布日期：%.4s年%d月%d日\n", published_on, month, digits(published_on + 8, 2));
    if (content.overflow || title.overflow)
        die("a generated document is too long", NULL);
    *content_chars = utf8_chars(content.data);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "type", type_codes[type], "title", title.data, "content",
                             content.data, "published_on", published_on);
    if (type == T_REPORT)
        json_object_set_new(body, "period", json_string(period));
    return body;
}

/* --- SQL on the registry's connection --------------------------------------- */

/* Pages per table and index of the document search (dbstat), or a note
 * that dbstat is not compiled in. */
static json_t *index_sizes(struct ph_registry *reg)
{
    json_t *out = json_object();
    if (!has_dbstat(reg)) {
        json_object_set_new(out, "dbstat", json_false());
        json_object_set_new(out, "note", json_string("dbstat is not compiled into this SQLite: no page sizes"));
        json_object_set_new(out, "fts_shadow_value_bytes",
                            json_integer((json_int_t)sql_number(
                                reg, "SELECT COALESCE(SUM(length(block)), 0) FROM document_search_data")));
        return out;
    }
    json_object_set_new(out, "dbstat", json_true());
    json_t *tables = json_object();
    sqlite3_stmt *stmt = NULL;
    const char *sql = "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'document%' GROUP BY name"
                      " ORDER BY 2 DESC";
    if (sqlite3_prepare_v2(reg->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        die("dbstat", NULL);
    json_int_t search = 0, content = 0, filters = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        json_int_t bytes = sqlite3_column_int64(stmt, 1);
        json_object_set_new(tables, name, json_integer(bytes));
        if (strncmp(name, "document_search", 15) == 0) {
            search += bytes;
            if (strcmp(name, "document_search_content") == 0)
                content = bytes;
        } else if (strncmp(name, "document_filters", 16) == 0) {
            filters += bytes;
        }
    }
    sqlite3_finalize(stmt);
    json_object_set_new(out, "tables", tables);
    json_object_set_new(out, "document_search_bytes", json_integer(search));
    json_object_set_new(out, "document_search_without_content_bytes", json_integer(search - content));
    json_object_set_new(out, "document_search_content_bytes", json_integer(content));
    json_object_set_new(out, "document_filters_bytes", json_integer(filters));
    return out;
}

/* --- queries ------------------------------------------------------------------- */

struct bench_query {
    char id[64];
    const char *kind;
    const json_t *filters;
    struct ph_document_query query;
    double *samples_ms;
    size_t sample_count;
    int64_t total;
    char relaxed[24];
    /* one traced run */
    double traced_ms, probes_ms, count_ms, tally_ms, page_ms, facets_ms, other_sql_ms;
    double fts_content_ms, fts_docsize_ms, fts_other_ms; /* FTS5's own statements, inside the above */
    char *fts_expression; /* what the search matched (understood.fts_expression) */
    double match_only_ms; /* that expression on its own: every matching rowid, nothing else */
    int64_t match_rows;
    double facet_ms[4];
    int statements;
};

static size_t load_queries(struct ph_registry *reg, const json_t *relevance, struct bench_query *out, size_t max)
{
    size_t n = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get(relevance, "queries"), i, entry) {
        const char *target = json_string_value(json_object_get(entry, "target"));
        if (target == NULL || strcmp(target, "documents") != 0 || n == max)
            continue;
        struct bench_query *b = &out[n++];
        memset(b, 0, sizeof *b);
        snprintf(b->id, sizeof b->id, "%s", json_string_value(json_object_get(entry, "id")));
        b->kind = json_string_value(json_object_get(entry, "kind"));
        b->filters = json_object_get(entry, "filters");
        ph_document_query_init(&b->query);
        const char *q = json_string_value(json_object_get(entry, "q"));
        b->query.text = q != NULL && q[0] != '\0' ? q : NULL;
        b->query.per_page = 20;
        const char *key;
        json_t *value;
        json_object_foreach ((json_t *)b->filters, key, value) {
            if (strcmp(key, "type") == 0)
                b->query.type = json_string_value(value);
            else if (strcmp(key, "category") == 0)
                b->query.category = json_string_value(value);
            else if (strcmp(key, "region") == 0)
                b->query.region = json_string_value(value);
            else if (strcmp(key, "insurer") == 0)
                b->query.insurer_id = json_is_integer(value)
                                          ? json_integer_value(value)
                                          : insurer_by_name(reg, json_string_value(value), false);
            else {
                fprintf(stderr, "bench_documents: unknown filter %s in %s\n", key, b->id);
                exit(1);
            }
        }
    }
    return n;
}

BENCH_DEFINE_QUERY_HELPERS(ph_search_documents, struct ph_document_query, "document_search")

/* --- tracing: where the time of one search goes --------------------------------- */

struct trace {
    struct bench_query *current;
    double worst_ms[3]; /* page, count, facet */
    char *worst_sql[3];
    char worst_id[3][64];
};

static int facet_of(const char *sql)
{
    static const char *const prefixes[4] = {"SELECT f.type,", "SELECT p.category,", "SELECT f.insurer_id,",
                                            "SELECT substr("};
    for (int k = 0; k < 4; k++) {
        if (strncmp(sql, prefixes[k], strlen(prefixes[k])) == 0)
            return k;
    }
    return -1;
}

static void keep_worst(struct trace *t, int which, double ms, sqlite3_stmt *stmt)
{
    if (ms <= t->worst_ms[which])
        return;
    t->worst_ms[which] = ms;
    sqlite3_free(t->worst_sql[which]);
    t->worst_sql[which] = sqlite3_expanded_sql(stmt);
    snprintf(t->worst_id[which], sizeof t->worst_id[which], "%s", t->current->id);
}

static int trace_callback(unsigned type, void *ctx, void *p, void *x)
{
    struct trace *t = ctx;
    if (type != SQLITE_TRACE_PROFILE || t->current == NULL)
        return 0;
    sqlite3_stmt *stmt = p;
    double ms = (double)*(sqlite3_int64 *)x / 1e6;
    const char *sql = sqlite3_sql(stmt);
    struct bench_query *b = t->current;
    /* FTS5 reads its shadow tables with statements of its own on the same
     * connection; they run inside the statements above (the content for
     * highlight() and snippet(), the document sizes for bm25()). */
    if (strstr(sql, "'document_search_content'") != NULL) {
        b->fts_content_ms += ms;
        return 0;
    }
    if (strstr(sql, "'document_search_docsize'") != NULL) {
        b->fts_docsize_ms += ms;
        return 0;
    }
    if (strstr(sql, "'document_search_") != NULL) {
        b->fts_other_ms += ms;
        return 0;
    }
    b->statements++;
    if (strncmp(sql, "SELECT EXISTS", 13) == 0) {
        b->probes_ms += ms;
    } else if (strncmp(sql, "SELECT COUNT(*)", 15) == 0) {
        b->count_ms += ms;
        keep_worst(t, 1, ms, stmt);
    } else if (strncmp(sql, "SELECT f.document_id, f.published_on", 36) == 0) {
        /* the one pass over the matches: bm25 of the rows that pass every
         * filter, the total, the four facets and the ranking (doc_search.c) */
        b->tally_ms += ms;
        keep_worst(t, 1, ms, stmt);
    } else if (strncmp(sql, "SELECT d.document_no", 20) == 0) {
        b->page_ms += ms;
        keep_worst(t, 0, ms, stmt);
    } else if (facet_of(sql) >= 0) {
        b->facet_ms[facet_of(sql)] += ms;
        b->facets_ms += ms;
        keep_worst(t, 2, ms, stmt);
    } else {
        b->other_sql_ms += ms;
    }
    return 0;
}

static void trace_round(struct ph_registry *reg, struct bench_query *queries, size_t n, struct trace *t)
{
    sqlite3_trace_v2(reg->db, SQLITE_TRACE_PROFILE, trace_callback, t);
    for (size_t k = 0; k < n; k++) {
        t->current = &queries[k];
        queries[k].traced_ms = run_one(reg, &queries[k]);
        t->current = NULL;
    }
    sqlite3_trace_v2(reg->db, 0, NULL, NULL);
    /* What the full-text part alone costs: the chosen expression, every
     * matching rowid, no join, no ranking. A search evaluates it once per
     * statement (probes, count, page, four facets). */
    match_only_all(reg, queries, n);
}

static json_t *query_json(const struct bench_query *b)
{
    json_t *j = query_head_json(b->id, b->kind, b->query.text, b->filters, b->total, b->relaxed,
                                b->samples_ms, b->sample_count);
    json_object_set_new(j, "traced",
                        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:{s:f, s:f, s:f, s:f}, s:f, s:f}",
                                  "total_ms", b->traced_ms, "probes_ms", b->probes_ms, "count_ms", b->count_ms,
                                  "page_ms", b->page_ms, "facets_ms", b->facets_ms, "other_sql_ms", b->other_sql_ms,
                                  "statements", b->statements, "facet_ms", "type", b->facet_ms[0], "category",
                                  b->facet_ms[1], "insurer", b->facet_ms[2], "year", b->facet_ms[3],
                                  "fts_content_reads_ms", b->fts_content_ms, "fts_docsize_reads_ms",
                                  b->fts_docsize_ms));
    json_t *traced = json_object_get(j, "traced");
    json_object_set_new(traced, "fts_expression",
                        b->fts_expression != NULL ? json_string(b->fts_expression) : json_null());
    json_object_set_new(traced, "match_only_ms", json_real(b->match_only_ms));
    json_object_set_new(traced, "tally_ms", json_real(b->tally_ms));
    json_object_set_new(traced, "match_rows", json_integer((json_int_t)b->match_rows));
    return j;
}

/* --- main ----------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *db_path = argv[1];
    const char *relevance_path = PH_SOURCE_DIR "/tests/search/relevance.json";
    long documents = 100000;
    long seed = 1;
    long rounds = 10;
    double budget_s = 120;
    bool profile = true;
    bool queries_only = false;
    const struct bench_option options[] = {
        {"--documents", OPT_LONG, &documents},
        {"--seed", OPT_LONG, &seed},
        {"--rounds", OPT_LONG, &rounds},
        {"--budget-s", OPT_DOUBLE, &budget_s},
        {"--relevance", OPT_STRING, &relevance_path},
        {"--no-profile", OPT_FALSE, &profile},
        {"--queries-only", OPT_TRUE, &queries_only},
    };
    if (!parse_options(argc, argv, 2, options, sizeof options / sizeof options[0]))
        usage();
    if (documents < 0 || documents > 10000000 || seed < 0 || rounds < 1 || rounds > ROUNDS_MAX ||
        budget_s <= 0)
        usage();
    struct stat st;
    if (queries_only && stat(db_path, &st) != 0) {
        fprintf(stderr, "bench_documents: %s does not exist\n", db_path);
        return 2;
    }
    if (!queries_only && db_exists(db_path, &st))
        return 2;
    json_t *relevance = NULL;
    struct ph_problems problems;
    struct ph_registry *reg = open_with_relevance(db_path, relevance_path, &relevance, &problems);
    if (reg == NULL)
        return 2;
    json_t *report = json_object();
    json_object_set_new(report, "sqlite_version", json_string(sqlite3_libversion()));
    if (queries_only) {
        json_object_set_new(report, "queries_only", json_true());
        json_object_set_new(report, "total_documents",
                            json_integer((json_int_t)sql_number(reg, "SELECT COUNT(*) FROM documents")));
        json_object_set_new(report, "db_bytes", json_integer((json_int_t)st.st_size));
        goto queries;
    }
    load_demo(reg, &problems);
    size_t demo_documents = (size_t)sql_number(reg, "SELECT COUNT(*) FROM documents");
    size_t source_documents = collect_demo_lines();
    read_products(reg);
    progress("demo: %zu products, %zu documents; %zu distinct lines from %zu document texts "
             "(terms %zu, rate tables %zu, prospectuses %zu, notices %zu, reports %zu)",
             product_count, demo_documents, every_line.count, source_documents, pool[T_TERMS].count,
             pool[T_RATE_TABLE].count, pool[T_PROSPECTUS].count, pool[T_NOTICE].count, pool[T_REPORT].count);

    struct dates dates;
    {
        struct tm tm = {.tm_year = 2024 - 1900, .tm_mon = 0, .tm_mday = 1};
        dates.start = timegm(&tm);
        char today[16];
        ph_today_china(today);
        struct tm now = {.tm_year = digits(today, 4) - 1900, .tm_mon = digits(today + 5, 2) - 1, .tm_mday = digits(today + 8, 2)};
        dates.days = (long)((timegm(&now) - dates.start) / 86400) + 1;
    }

    /* Publish, 1,000 per transaction; bodies built before the clock. */
    static json_t *bodies[BATCH_SIZE];
    static int64_t insurers[BATCH_SIZE];
    static const char *regnos[BATCH_SIZE];
    double publish_s = 0, generate_s = 0, worst_batch_s = 0;
    double content_chars = 0;
    size_t batches = 0;
    for (long done = 0; done < documents; batches++) {
        long n = documents - done < BATCH_SIZE ? documents - done : BATCH_SIZE;
        double g0 = now_s();
        for (long k = 0; k < n; k++) {
            size_t chars = 0;
            bodies[k] = make_document((size_t)(done + k), (uint64_t)seed, &dates, &insurers[k], &regnos[k], &chars);
            content_chars += (double)chars;
        }
        double t0 = now_s();
        generate_s += t0 - g0;
        if (ph_tx_begin(reg, &problems) != PH_OK)
            die("beginning a transaction", &problems);
        for (long k = 0; k < n; k++) {
            json_t *out = NULL;
            if (ph_document_publish(reg, insurers[k], regnos[k], bodies[k], &out, &problems) != PH_OK) {
                json_dumpf(bodies[k], stderr, JSON_INDENT(1));
                die("publishing a document", &problems);
            }
            json_decref(out);
        }
        if (ph_tx_commit(reg, &problems) != PH_OK)
            die("committing a batch", &problems);
        double batch_s = now_s() - t0;
        publish_s += batch_s;
        worst_batch_s = batch_s > worst_batch_s ? batch_s : worst_batch_s;
        for (long k = 0; k < n; k++)
            json_decref(bodies[k]);
        done += n;
        if (batches % 10 == 9 || done == documents)
            progress("published %ld/%ld (%.1f s, %.0f/s)", done, documents, publish_s, (double)done / publish_s);
    }
    exec_sql(reg, "PRAGMA wal_checkpoint(TRUNCATE)");

    json_object_set_new(report, "documents", json_integer(documents));
    json_object_set_new(report, "seed", json_integer(seed));
    json_object_set_new(report, "seconds", json_real(publish_s));
    json_object_set_new(report, "documents_per_s", json_real(documents > 0 ? (double)documents / publish_s : 0));
    json_object_set_new(report, "batch_size", json_integer(BATCH_SIZE));
    json_object_set_new(report, "batches", json_integer((json_int_t)batches));
    json_object_set_new(report, "worst_batch_s", json_real(worst_batch_s));
    json_object_set_new(report, "generate_s", json_real(generate_s));
    json_object_set_new(report, "demo_products", json_integer((json_int_t)product_count));
    json_object_set_new(report, "demo_documents", json_integer((json_int_t)demo_documents));
    json_object_set_new(report, "source_lines", json_integer((json_int_t)every_line.count));
    json_object_set_new(report, "total_documents",
                        json_integer((json_int_t)sql_number(reg, "SELECT COUNT(*) FROM documents")));
    json_object_set_new(report, "indexed_rows",
                        json_integer((json_int_t)sql_number(reg, "SELECT COUNT(*) FROM document_filters")));
    json_object_set_new(report, "distinct_titles",
                        json_integer((json_int_t)sql_number(
                            reg, "SELECT COUNT(DISTINCT title) FROM document_versions")));
    json_object_set_new(report, "content_bytes",
                        json_integer((json_int_t)sql_number(
                            reg, "SELECT SUM(length(CAST(content AS BLOB))) FROM document_versions")));
    json_object_set_new(report, "generated_content_chars_mean",
                        json_real(documents > 0 ? content_chars / (double)documents : 0));
    json_t *types = json_object();
    {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(reg->db, "SELECT type, COUNT(*) FROM documents GROUP BY 1", -1, &stmt, NULL) !=
            SQLITE_OK)
            die("counting types", NULL);
        while (sqlite3_step(stmt) == SQLITE_ROW)
            json_object_set_new(types, (const char *)sqlite3_column_text(stmt, 0),
                                json_integer(sqlite3_column_int64(stmt, 1)));
        sqlite3_finalize(stmt);
    }
    json_object_set_new(report, "types", types);
    json_object_set_new(report, "db_bytes", json_integer((json_int_t)(stat(db_path, &st) == 0 ? st.st_size : 0)));
    double s0 = now_s();
    json_t *sizes = index_sizes(reg);
    json_object_set(report, "index", sizes);
    json_object_set(report, "document_index_bytes",
                    json_object_get(sizes, "document_search_bytes") != NULL
                        ? json_object_get(sizes, "document_search_bytes")
                        : json_null());
    json_decref(sizes);
    progress("sizes measured in %.1f s", now_s() - s0);

queries:
    /* Latency, no answer cache. */
    ph_registry_use_search_cache(reg, NULL);
    static struct bench_query queries[QUERIES_MAX];
    size_t query_count = load_queries(reg, relevance, queries, QUERIES_MAX);
    if (query_count == 0)
        die("no relevance queries with \"target\": \"documents\"", NULL);
    double t0 = now_s();
    for (size_t k = 0; k < query_count; k++)
        run_one(reg, &queries[k]);
    double warm_s = now_s() - t0;
    long planned = rounds;
    rounds = rounds_within_budget(rounds, warm_s, budget_s);
    progress("warm-up round: %zu searches in %.2f s; %ld measured rounds (asked for %ld)", query_count, warm_s,
             rounds, planned);
    double *all = calloc((size_t)rounds * query_count, sizeof(double));
    double *medians = calloc(query_count, sizeof(double));
    if (all == NULL || medians == NULL)
        die("out of memory", NULL);
    for (size_t k = 0; k < query_count; k++) {
        queries[k].samples_ms = calloc((size_t)rounds, sizeof(double));
        if (queries[k].samples_ms == NULL)
            die("out of memory", NULL);
    }
    size_t all_n = 0;
    t0 = now_s();
    for (long round = 0; round < rounds; round++) {
        for (size_t k = 0; k < query_count; k++) {
            double ms = run_one(reg, &queries[k]);
            queries[k].samples_ms[queries[k].sample_count++] = ms;
            all[all_n++] = ms;
        }
    }
    double measured_s = now_s() - t0;
    for (size_t k = 0; k < query_count; k++) {
        qsort(queries[k].samples_ms, queries[k].sample_count, sizeof(double), compare_doubles);
        medians[k] = percentile(queries[k].samples_ms, queries[k].sample_count, 50);
    }
    json_t *latency = json_object();
    json_object_set_new(latency, "note", json_string("ph_search_documents, no answer cache "
                                                     "(ph_registry_use_search_cache(reg, NULL)), per_page 20"));
    json_object_set_new(latency, "queries", json_integer((json_int_t)query_count));
    json_object_set_new(latency, "rounds", json_integer(rounds));
    json_object_set_new(latency, "rounds_asked", json_integer(planned));
    json_object_set_new(latency, "warmup_round_s", json_real(warm_s));
    json_object_set_new(latency, "measured_s", json_real(measured_s));
    json_object_set_new(latency, "all_samples", latency_json(all, all_n));
    json_object_set_new(latency, "per_query_medians", latency_json(medians, query_count));

    struct trace trace;
    memset(&trace, 0, sizeof trace);
    if (profile) {
        trace_round(reg, queries, query_count, &trace);
        double sums[11] = {0};
        for (size_t k = 0; k < query_count; k++) {
            sums[0] += queries[k].traced_ms;
            sums[1] += queries[k].probes_ms;
            sums[2] += queries[k].count_ms;
            sums[3] += queries[k].page_ms;
            sums[4] += queries[k].facets_ms;
            sums[5] += queries[k].other_sql_ms;
            sums[6] += queries[k].fts_content_ms;
            sums[7] += queries[k].fts_docsize_ms;
            sums[8] += queries[k].fts_other_ms;
            sums[9] += queries[k].match_only_ms;
            sums[10] += queries[k].tally_ms;
        }
        json_t *steps = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "total_ms", sums[0], "probes_ms", sums[1],
                                  "count_ms", sums[2], "page_ms", sums[3], "facets_ms", sums[4], "other_sql_ms",
                                  sums[5], "c_side_ms", sums[0] - sums[1] - sums[2] - sums[3] - sums[4] - sums[5]);
        json_object_set_new(steps, "match_only_ms", json_real(sums[9]));
        json_object_set_new(steps, "tally_ms", json_real(sums[10]));
        json_object_set_new(steps, "c_side_ms",
                            json_real(json_real_value(json_object_get(steps, "c_side_ms")) - sums[10]));
        json_object_set_new(steps, "inside_them",
                            json_pack("{s:f, s:f, s:f, s:s}", "fts_content_reads_ms", sums[6], "fts_docsize_reads_ms",
                                      sums[7], "fts_other_reads_ms", sums[8], "note",
                                      "FTS5's own statements on its shadow tables, already counted in the steps "
                                      "above: _content rows for highlight()/snippet(), _docsize rows for bm25()"));
        static const char *const labels[3] = {"page", "count or one pass", "facet"};
        json_t *worst = json_array();
        for (int w = 0; w < 3; w++)
            json_array_append_new(worst, json_pack("{s:s, s:s, s:f, s:s?, s:o}", "statement", labels[w], "query",
                                                   trace.worst_id[w], "ms", trace.worst_ms[w], "sql",
                                                   trace.worst_sql[w], "plan",
                                                   query_plan(reg, trace.worst_sql[w])));
        json_object_set_new(steps, "worst_statements", worst);
        json_object_set_new(report, "traced_round", steps);
    }

    struct bench_query *order[QUERIES_MAX];
    for (size_t k = 0; k < query_count; k++)
        order[k] = &queries[k];
    qsort(order, query_count, sizeof order[0], compare_by_median);
    json_t *every = json_array();
    for (size_t k = 0; k < query_count; k++)
        json_array_append_new(every, query_json(order[k]));
    json_object_set_new(latency, "every_query", every);
    json_object_set_new(report, "in_process", latency);

    print_report(report);

    for (int w = 0; w < 3; w++)
        sqlite3_free(trace.worst_sql[w]);
    free_queries(queries, query_count);
    free(all);
    free(medians);
    close_with_relevance(reg, relevance, &problems);
    return 0;
}
