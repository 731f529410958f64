/*
 * registry/doc_search.c - searching insurers' documents with the same
 * understanding of Chinese text as the product search (search.c: pinyin,
 * traditional characters, synonyms, relaxation), over the document index
 * document_search (title, content, product, insurer), with filters by type,
 * the product's category and regions, insurer, product and publication
 * dates, and facet counts.
 *
 * Like the product search, no byte of user text reaches SQL or FTS5's
 * query language except through bindings and the quoted expression that
 * search.c builds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/internal.h"
#include "registry/rules.h"
#include "registry/search.h"
#include "registry/search_cache.h"
#include "registry/search_internal.h"
#include "registry/validate.h"

/* bm25 weights: title, content, product name, insurer. */
#define DOC_BM25 "bm25(document_search, 12.0, 1.0, 4.0, 2.0)"

/* --- the index ------------------------------------------------------------- */

ph_status ph_search_index_document(struct ph_registry *reg, int64_t document_id, struct ph_problems *problems)
{
    static const char sql_source[] =
        "SELECT v.title, v.content, p.name, i.name || ' ' || i.short_name, d.product_id, d.insurer_id, "
        "d.type,"
        " v.published_on FROM documents d JOIN document_versions v ON v.document_id = d.id"
        " AND v.version = d.latest_version JOIN products p ON p.id = d.product_id"
        " JOIN insurers i ON i.id = d.insurer_id WHERE d.id = ?";
    static const char sql_delete_fts[] = "DELETE FROM document_search WHERE rowid = ?";
    static const char sql_insert_fts[] =
        "INSERT INTO document_search (rowid, title, content, product, insurer) VALUES (?, ?, ?, ?, ?)";
    static const char sql_filters[] =
        "INSERT OR REPLACE INTO document_filters (document_id, product_id, insurer_id, type, published_on)"
        " VALUES (?, ?, ?, ?, ?)";
    sqlite3_stmt *source = ph_stmt(reg, sql_source, problems);
    if (source == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(source, 1, document_id);
    if (sqlite3_step(source) != SQLITE_ROW) {
        sqlite3_reset(source);
        ph_db_problem(reg, problems, "document index source");
        return PH_ERR_INTERNAL;
    }
    ph_status st = PH_OK;
    sqlite3_stmt *stmt = ph_stmt(reg, sql_delete_fts, problems);
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, document_id);
        st = ph_stmt_exec(reg, stmt, "document index delete", problems);
    } else {
        st = PH_ERR_INTERNAL;
    }
    stmt = st == PH_OK ? ph_stmt(reg, sql_insert_fts, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, document_id);
        for (int c = 0; c < 4; c++)
            sqlite3_bind_text(stmt, c + 2, (const char *)sqlite3_column_text(source, c),
                              sqlite3_column_bytes(source, c), SQLITE_STATIC);
        st = ph_stmt_exec(reg, stmt, "document index insert", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    stmt = st == PH_OK ? ph_stmt(reg, sql_filters, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, document_id);
        sqlite3_bind_int64(stmt, 2, sqlite3_column_int64(source, 4));
        sqlite3_bind_int64(stmt, 3, sqlite3_column_int64(source, 5));
        sqlite3_bind_text(stmt, 4, ph_column_text(source, 6), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, ph_column_text(source, 7), -1, SQLITE_STATIC);
        st = ph_stmt_exec(reg, stmt, "document filters", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    sqlite3_reset(source);
    return st;
}

/* --- queries ------------------------------------------------------------- */

void ph_document_query_init(struct ph_document_query *query)
{
    memset(query, 0, sizeof *query);
    query->sort = PH_DOC_SORT_RELEVANCE;
    query->page = 1;
    query->per_page = 20;
}

static bool date_ok(const char *date)
{
    struct ph_field_rule rule = {"date", "日期", K_DATE, true, 10, 10, 0, false, 0, 0, NULL, NULL};
    struct ph_problems ignored;
    ph_problems_init(&ignored);
    json_t *value = json_string(date);
    json_t *clean = value != NULL ? ph_validate_value(&rule, "date", value, &ignored) : NULL;
    bool ok = clean != NULL;
    json_decref(clean);
    json_decref(value);
    ph_problems_release(&ignored);
    return ok;
}

ph_status ph_document_query_check(const struct ph_document_query *query, struct ph_problems *problems)
{
    size_t before = ph_problems_count(problems);
    char list[256];
    if (query->type != NULL && !ph_enum_has(&ph_enum_document_type, query->type)) {
        ph_enum_list_text(&ph_enum_document_type, list, sizeof list);
        ph_problems_add(problems, "enum_invalid", "type", "文件类型（type）只能是这些：%s。", list);
    }
    if (query->category != NULL && !ph_enum_has(&ph_enum_category, query->category)) {
        ph_enum_list_text(&ph_enum_category, list, sizeof list);
        ph_problems_add(problems, "enum_invalid", "category", "保险种类（category）只能是这些：%s。", list);
    }
    if (query->region != NULL && !ph_region_is_valid(query->region))
        ph_problems_add(problems, "region_invalid", "region",
                        "地区代码（region）应该是 6 位数字的行政区划代码，比如 330100 是杭州市。");
    bool from_ok = query->date_from == NULL || date_ok(query->date_from);
    bool to_ok = query->date_to == NULL || date_ok(query->date_to);
    if (!from_ok)
        ph_problems_add(problems, "date_invalid", "date_from",
                        "开始日期（date_from）要写成 2026-05-01 这样。");
    if (!to_ok)
        ph_problems_add(problems, "date_invalid", "date_to", "结束日期（date_to）要写成 2026-05-31 这样。");
    if (from_ok && to_ok && query->date_from != NULL && query->date_to != NULL &&
        strcmp(query->date_from, query->date_to) > 0)
        ph_problems_add(problems, "date_range_invalid", "date_from", "开始日期不能晚于结束日期。");
    if (query->registration_no != NULL && !ph_registration_no_is_valid(query->registration_no))
        ph_problems_add(problems, "registration_no_invalid", "registration_no",
                        "登记编号（registration_no）的格式像 PH-2026-000123。");
    if (query->insurer_id < 0)
        ph_problems_add(problems, "insurer_invalid", "insurer", "保险公司编号（insurer）应该是正整数。");
    if (query->sort != PH_DOC_SORT_RELEVANCE && query->sort != PH_DOC_SORT_NEWEST)
        ph_problems_add(problems, "sort_invalid", "sort", "排序（sort）只能是 relevance 或 newest。");
    if (query->page < 1 || query->page > 10000)
        ph_problems_add(problems, "page_invalid", "page", "页码（page）应该是 1 到 10000 之间的整数。");
    if (query->per_page < 1 || query->per_page > PH_SEARCH_PER_PAGE_MAX)
        ph_problems_add(problems, "per_page_invalid", "per_page", "每页条数（per_page）应该是 1 到 %d。",
                        PH_SEARCH_PER_PAGE_MAX);
    return ph_problems_count(problems) == before ? PH_OK : PH_ERR_INVALID;
}

/* --- SQL with bindings ------------------------------------------------------ */

#define DOC_SQL_MAX   8192
#define DOC_BINDS_MAX 24

struct doc_sql {
    char text[DOC_SQL_MAX];
    size_t len;
    bool overflow;
    int count;
    struct {
        bool is_int;
        const char *text;
        int64_t integer;
    } binds[DOC_BINDS_MAX];
};

static void add(struct doc_sql *q, const char *s)
{
    size_t n = strlen(s);
    if (q->overflow || q->len + n + 1 > sizeof q->text) {
        q->overflow = true;
        return;
    }
    memcpy(q->text + q->len, s, n + 1);
    q->len += n;
}

static void add_text(struct doc_sql *q, const char *value)
{
    if (q->count >= DOC_BINDS_MAX) {
        q->overflow = true;
        return;
    }
    q->binds[q->count].is_int = false;
    q->binds[q->count].text = value;
    q->count++;
    add(q, "?");
}

static void add_int(struct doc_sql *q, int64_t value)
{
    if (q->count >= DOC_BINDS_MAX) {
        q->overflow = true;
        return;
    }
    q->binds[q->count].is_int = true;
    q->binds[q->count].integer = value;
    q->count++;
    add(q, "?");
}

static sqlite3_stmt *prepare(struct ph_registry *reg, const struct doc_sql *q, struct ph_problems *problems)
{
    sqlite3_stmt *stmt = NULL;
    if (q->overflow || sqlite3_prepare_v2(reg->db, q->text, (int)q->len, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        ph_db_problem(reg, problems, "document search prepare");
        return NULL;
    }
    for (int i = 0; i < q->count; i++) {
        if (q->binds[i].is_int)
            sqlite3_bind_int64(stmt, i + 1, q->binds[i].integer);
        else
            sqlite3_bind_text(stmt, i + 1, q->binds[i].text, -1, SQLITE_STATIC);
    }
    return stmt;
}

enum doc_facet { DF_TYPE, DF_CATEGORY, DF_INSURER, DF_YEAR, DF_NONE };

struct doc_run {
    struct ph_registry *reg;
    const struct ph_document_query *query;
    const char *region; /* the form's, else the one the text named */
    struct ph_region_units region_units; /* of region, when set */
    const char *match;
};

/* A run of a query: the region is the form's, else the place the text
 * names; with the codes of the units above it and the LIKE pattern of the
 * units inside it. */
static void doc_run_init(struct doc_run *run, struct ph_registry *reg, const struct ph_document_query *query,
                         const struct ph_text_query *tq)
{
    memset(run, 0, sizeof *run);
    run->reg = reg;
    run->query = query;
    run->region = query->region != NULL ? query->region : ph_text_query_region(tq);
    if (run->region == NULL)
        return;
    ph_region_units(run->region, &run->region_units);
}

/* The filters that are also facets (type, category, insurer, dates), as
 * " AND ..." terms over f (document_filters) and p (products). */
static void add_facet_filters(struct doc_sql *q, const struct ph_document_query *query)
{
    if (query->type != NULL) {
        add(q, " AND f.type = ");
        add_text(q, query->type);
    }
    if (query->category != NULL) {
        add(q, " AND p.category = ");
        add_text(q, query->category);
    }
    if (query->insurer_id > 0) {
        add(q, " AND +f.insurer_id = ");
        add_int(q, query->insurer_id);
    }
    if (query->date_from != NULL) {
        add(q, " AND f.published_on >= ");
        add_text(q, query->date_from);
    }
    if (query->date_to != NULL) {
        add(q, " AND f.published_on <= ");
        add_text(q, query->date_to);
    }
}

static bool has_facet_filters(const struct ph_document_query *query)
{
    return query->type != NULL || query->category != NULL || query->insurer_id > 0 || query->date_from != NULL ||
           query->date_to != NULL;
}

/* FROM ... WHERE ...: the text, the product and the region, and the facet
 * filters too when with_facet_filters (the one-pass scan checks those
 * itself, see scan_matches). */
static void from_where(struct doc_sql *q, const struct doc_run *run, bool with_facet_filters)
{
    const struct ph_document_query *query = run->query;
    /* With text, the full-text index is the outer loop (CROSS JOIN keeps
     * that order): left to itself, the planner reads a product's rows first
     * when a product is named, and FTS5 then evaluates the whole MATCH again
     * to seek each row, 36 ms a row at 100,000 documents (22.6 s for one
     * product's 627 matches, against 81 ms reading the matches in order). */
    if (run->match != NULL)
        add(q, " FROM document_search CROSS JOIN document_filters f ON f.document_id = document_search.rowid"
               " JOIN products p ON p.id = f.product_id");
    else
        add(q, " FROM document_filters f JOIN products p ON p.id = f.product_id");
    add(q, " WHERE 1");
    if (run->match != NULL) {
        add(q, " AND document_search MATCH ");
        add_text(q, run->match);
    }
    if (with_facet_filters)
        add_facet_filters(q, query);
    if (query->registration_no != NULL) {
        add(q, " AND p.registration_no = ");
        add_text(q, query->registration_no);
    }
    if (run->region != NULL) {
        add(q, " AND EXISTS (SELECT 1 FROM product_regions r WHERE r.product_id = f.product_id AND"
               " (r.region IN ('000000', ");
        add_text(q, run->region);
        add(q, ", ");
        add_text(q, run->region_units.city);
        add(q, ", ");
        add_text(q, run->region_units.province);
        add(q, ") OR r.region LIKE ");
        add_text(q, run->region_units.like);
        add(q, "))");
    }
}

static ph_status count_documents(void *ctx, const char *match, bool exists_only, int64_t *out,
                                 struct ph_problems *problems)
{
    struct doc_run *run = ctx;
    run->match = match;
    struct doc_sql *q = calloc(1, sizeof *q);
    if (q == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    add(q, exists_only ? "SELECT EXISTS (SELECT 1" : "SELECT COUNT(*)");
    from_where(q, run, true);
    if (exists_only)
        add(q, ")");
    sqlite3_stmt *stmt = prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    int rc = sqlite3_step(stmt);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW) {
        ph_db_problem(run->reg, problems, "document search count");
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

/* The columns of a document's item, in the order document_item_json reads
 * them; d, v, p and i are documents, document_versions, products and
 * insurers. */
#define DOC_ITEM_COLUMNS                                                                                     \
    "d.document_no, d.latest_version, d.type, v.title, v.published_on, v.period, v.content_sha256,"          \
    " length(v.content), v.log_index, p.registration_no, p.name, p.category, i.id, i.name, i.short_name"
#define DOC_ITEM_JOINS                                                                                       \
    " JOIN documents d ON d.id = page.id JOIN document_versions v ON v.document_id = d.id"                   \
    " AND v.version = d.latest_version JOIN products p ON p.id = d.product_id"                               \
    " JOIN insurers i ON i.id = d.insurer_id"

/* An item of the search's answer from DOC_ITEM_COLUMNS (without score and
 * highlights). */
static json_t *document_item_json(sqlite3_stmt *stmt)
{
    const char *type = ph_column_text(stmt, 2);
    json_t *item = json_object();
    json_object_set_new(item, "document_no", json_string(ph_column_text(stmt, 0)));
    json_object_set_new(item, "version", json_integer(sqlite3_column_int64(stmt, 1)));
    json_object_set_new(item, "type", json_string(type));
    json_object_set_new(item, "type_zh", json_string(ph_enum_label(&ph_enum_document_type, type)));
    json_object_set_new(item, "title", json_string(ph_column_text(stmt, 3)));
    json_object_set_new(item, "published_on", json_string(ph_column_text(stmt, 4)));
    json_object_set_new(item, "period",
                        sqlite3_column_type(stmt, 5) == SQLITE_NULL ? json_null()
                                                                    : json_string(ph_column_text(stmt, 5)));
    json_object_set_new(item, "content_sha256", json_string(ph_column_text(stmt, 6)));
    json_object_set_new(item, "content_bytes", json_integer(sqlite3_column_int64(stmt, 7)));
    json_object_set_new(item, "log_index", json_integer(sqlite3_column_int64(stmt, 8)));
    const char *category = ph_column_text(stmt, 11);
    json_object_set_new(item, "product",
                        json_pack("{s:s, s:s, s:s, s:s}", "registration_no", ph_column_text(stmt, 9), "name",
                                  ph_column_text(stmt, 10), "category", category, "category_zh",
                                  ph_enum_label(&ph_enum_category, category)));
    json_object_set_new(item, "insurer",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)sqlite3_column_int64(stmt, 12), "name",
                                  ph_column_text(stmt, 13), "short_name", ph_column_text(stmt, 14)));
    return item;
}

/* The ORDER BY of a search's matches over `f` (document_filters) and
 * `score` (bm25, lower is better). */
static const char *order_by(const struct doc_run *run)
{
    return run->match != NULL && run->query->sort == PH_DOC_SORT_RELEVANCE
               ? " ORDER BY score, f.published_on DESC, f.document_id DESC"
               : " ORDER BY f.published_on DESC, f.document_id DESC";
}

/* Counts per facet value (a facet has at most a few dozen values). */
struct tally_entry {
    char value[32];
    int64_t number; /* the insurer facet's value */
    int64_t count;
};

struct tally {
    struct tally_entry *items;
    size_t count, cap;
};

static bool tally_add(struct tally *t, const char *value, int64_t number, int64_t n)
{
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->items[i].value, value) == 0) {
            t->items[i].count += n;
            return true;
        }
    }
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct tally_entry *items = realloc(t->items, cap * sizeof *items);
        if (items == NULL)
            return false;
        t->items = items;
        t->cap = cap;
    }
    struct tally_entry *e = &t->items[t->count++];
    snprintf(e->value, sizeof e->value, "%s", value);
    e->number = number;
    e->count = n;
    return true;
}

/* Facet values by count, most first, then by value. */
static int tally_by_count_text(const void *a, const void *b)
{
    const struct tally_entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->value, y->value);
}

static int tally_by_count_number(const void *a, const void *b)
{
    const struct tally_entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->number < y->number ? -1 : x->number > y->number;
}

/* --- one pass over the matches ---------------------------------------------
 *
 * A search reads its matches once. One statement returns every matching
 * row's id, date and facet values, and its bm25 score when the row passes
 * every filter (bm25 reads the row's sizes and hits, so it is computed for
 * those rows only). Here the rows are counted for the total and the four
 * facets, and the ranked ids of those that pass are kept; then only the
 * page's rows are read in full, with highlight() and snippet().
 *
 * A facet counts the rows that pass every filter but its own, so that a
 * filtered facet still shows its other values: the WHERE clause holds the
 * text, the product and the region, and the facet filters (type, category,
 * insurer, dates) are checked here, per row. Before, the total with the
 * unfiltered facets, the page, and each filtered facet were statements of
 * their own, each evaluating the full-text match over every row again. */

/* A row that passes every filter. */
struct doc_hit {
    double score; /* bm25, lower is better; 0 without text */
    int32_t date; /* published_on as YYYYMMDD */
    int64_t id;
};

struct doc_scan {
    struct tally tallies[DF_NONE];
    struct doc_hit *hits;
    size_t count, cap;
};

static void doc_scan_release(struct doc_scan *scan)
{
    for (int f = DF_TYPE; f < DF_NONE; f++)
        free(scan->tallies[f].items);
    free(scan->hits);
}

static int32_t date_number(const char *date)
{
    /* YYYY-MM-DD as stored (validated on the way in); 0 for anything else. */
    if (date == NULL || strlen(date) != 10)
        return 0;
    return (int32_t)strtol(date, NULL, 10) * 10000 + (int32_t)strtol(date + 5, NULL, 10) * 100 +
           (int32_t)strtol(date + 8, NULL, 10);
}

/* By relevance: score, then newer first, then the later number first. */
static int hit_by_relevance(const void *a, const void *b)
{
    const struct doc_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    if (x->date != y->date)
        return x->date > y->date ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id;
}

/* Newest first, then the later number first. */
static int hit_by_date(const void *a, const void *b)
{
    const struct doc_hit *x = a, *y = b;
    if (x->date != y->date)
        return x->date > y->date ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id;
}

/* Counts one row into the facets it belongs to: all of them when it passes
 * every filter, else the one facet whose filter alone it fails. */
static bool scan_row(struct doc_scan *scan, const struct ph_document_query *query, sqlite3_stmt *stmt)
{
    const char *date = ph_column_text(stmt, 1);
    const char *type = ph_column_text(stmt, 2);
    const char *category = ph_column_text(stmt, 3);
    int64_t insurer = sqlite3_column_int64(stmt, 4);
    if (date == NULL || type == NULL || category == NULL)
        return true; /* NOT NULL columns; nothing to count */
    bool pass[DF_NONE];
    pass[DF_TYPE] = query->type == NULL || strcmp(type, query->type) == 0;
    pass[DF_CATEGORY] = query->category == NULL || strcmp(category, query->category) == 0;
    pass[DF_INSURER] = query->insurer_id <= 0 || insurer == query->insurer_id;
    pass[DF_YEAR] = (query->date_from == NULL || strcmp(date, query->date_from) >= 0) &&
                    (query->date_to == NULL || strcmp(date, query->date_to) <= 0);
    int failed = 0;
    enum doc_facet only = DF_NONE;
    for (int f = DF_TYPE; f < DF_NONE; f++) {
        if (!pass[f]) {
            failed++;
            only = (enum doc_facet)f;
        }
    }
    if (failed > 1)
        return true;
    char insurer_text[32];
    snprintf(insurer_text, sizeof insurer_text, "%lld", (long long)insurer);
    char year[8];
    snprintf(year, sizeof year, "%.4s", date);
    const char *values[DF_NONE] = {type, category, insurer_text, year};
    for (int f = DF_TYPE; f < DF_NONE; f++) {
        if ((failed == 0 || only == (enum doc_facet)f) &&
            !tally_add(&scan->tallies[f], values[f], f == DF_INSURER ? insurer : 0, 1))
            return false;
    }
    if (failed > 0)
        return true;
    if (scan->count == scan->cap) {
        size_t cap = scan->cap ? scan->cap * 2 : 256;
        struct doc_hit *hits = realloc(scan->hits, cap * sizeof *hits);
        if (hits == NULL)
            return false;
        scan->hits = hits;
        scan->cap = cap;
    }
    scan->hits[scan->count++] = (struct doc_hit){
        .score = sqlite3_column_double(stmt, 5),
        .date = date_number(date),
        .id = sqlite3_column_int64(stmt, 0),
    };
    return true;
}

/* The one pass: every match, counted and (those that pass) ranked. */
static ph_status scan_matches(const struct doc_run *run, struct doc_scan *scan, struct ph_problems *problems)
{
    struct doc_sql *q = calloc(1, sizeof *q);
    if (q == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    add(q, "SELECT f.document_id, f.published_on, f.type, p.category, f.insurer_id, ");
    if (run->match == NULL) {
        add(q, "0.0");
    } else if (has_facet_filters(run->query)) {
        add(q, "CASE WHEN 1");
        add_facet_filters(q, run->query);
        add(q, " THEN " DOC_BM25 " END");
    } else {
        add(q, DOC_BM25);
    }
    from_where(q, run, false);
    sqlite3_stmt *stmt = prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    bool ok = true;
    int rc;
    while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ok = scan_row(scan, run->query, stmt);
    sqlite3_finalize(stmt);
    if (!ok) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    if (rc != SQLITE_DONE) {
        ph_db_problem(run->reg, problems, "document search scan");
        return PH_ERR_INTERNAL;
    }
    if (scan->count > 1)
        qsort(scan->hits, scan->count, sizeof scan->hits[0],
              run->match != NULL && run->query->sort == PH_DOC_SORT_RELEVANCE ? hit_by_relevance : hit_by_date);
    return PH_OK;
}

/* The page's rows, read by id in rank order, with the highlighted title and
 * the content's snippet when there is text. */
static ph_status fetch_page(const struct doc_run *run, const struct doc_scan *scan, json_t *items,
                            struct ph_problems *problems)
{
    const struct ph_document_query *query = run->query;
    size_t first = (size_t)(query->page - 1) * (size_t)query->per_page;
    if (first >= scan->count)
        return PH_OK;
    size_t end = first + (size_t)query->per_page;
    if (end > scan->count)
        end = scan->count;
    struct doc_sql *q = calloc(1, sizeof *q);
    if (q == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    add(q, "SELECT " DOC_ITEM_COLUMNS);
    if (run->match != NULL)
        add(q, ", highlight(document_search, 0, char(1), char(2)),"
               " snippet(document_search, 1, char(1), char(2), '…', 40)");
    add(q, " FROM (SELECT ?1 AS id) AS page");
    if (run->match != NULL)
        add(q, " JOIN document_search ON document_search.rowid = page.id");
    add(q, DOC_ITEM_JOINS);
    if (run->match != NULL)
        add(q, " WHERE document_search MATCH ?2");
    sqlite3_stmt *stmt = prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    if (run->match != NULL)
        sqlite3_bind_text(stmt, 2, run->match, -1, SQLITE_STATIC);
    ph_status st = PH_OK;
    for (size_t i = first; i < end && st == PH_OK; i++) {
        sqlite3_bind_int64(stmt, 1, scan->hits[i].id);
        if (sqlite3_step(stmt) != SQLITE_ROW) {
            ph_db_problem(run->reg, problems, "document search page");
            st = PH_ERR_INTERNAL;
        } else {
            json_t *item = document_item_json(stmt);
            json_t *highlights = json_object();
            if (run->match != NULL) {
                json_object_set_new(item, "score", json_real(-scan->hits[i].score));
                json_t *title = ph_search_highlight_json(ph_column_text(stmt, 15));
                json_t *content = ph_search_highlight_json(ph_column_text(stmt, 16));
                if (!json_is_null(title))
                    json_object_set(highlights, "title", title);
                if (!json_is_null(content))
                    json_object_set(highlights, "content", content);
                json_decref(title);
                json_decref(content);
            } else {
                json_object_set_new(item, "score", json_null());
            }
            json_object_set_new(item, "highlights", highlights);
            json_array_append_new(items, item);
        }
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    return st;
}

/* One facet from its tally, sorted. */
static void facet_from_tally(enum doc_facet facet, struct tally *t, json_t *facets)
{
    static const char *const names[] = {"type", "category", "insurer", "year"};
    if (t->count > 1) /* qsort's array may not be NULL, even for 0 items */
        qsort(t->items, t->count, sizeof t->items[0],
              facet == DF_INSURER ? tally_by_count_number : tally_by_count_text);
    json_t *values = json_array();
    for (size_t i = 0; i < t->count; i++) {
        const struct tally_entry *e = &t->items[i];
        const char *label = e->value;
        char year[48];
        if (facet == DF_TYPE)
            label = ph_enum_label(&ph_enum_document_type, e->value);
        else if (facet == DF_CATEGORY)
            label = ph_enum_label(&ph_enum_category, e->value);
        else if (facet == DF_YEAR) {
            snprintf(year, sizeof year, "%s年", e->value);
            label = year;
        }
        json_t *entry = json_object();
        json_object_set_new(entry, "value",
                            facet == DF_INSURER ? json_integer(e->number) : json_string(e->value));
        json_object_set_new(entry, "label_zh", json_string(label != NULL ? label : e->value));
        json_object_set_new(entry, "count", json_integer(e->count));
        json_array_append_new(values, entry);
    }
    json_object_set_new(facets, names[facet], values);
}

/* The insurer facet's labels: the short names. */
static void label_insurers(struct ph_registry *reg, json_t *facets)
{
    static const char sql[] = "SELECT short_name FROM insurers WHERE id = ?";
    struct ph_problems ignored;
    ph_problems_init(&ignored);
    size_t i;
    json_t *v;
    json_array_foreach (json_object_get(facets, "insurer"), i, v) {
        sqlite3_stmt *stmt = ph_stmt(reg, sql, &ignored);
        if (stmt == NULL)
            break;
        sqlite3_bind_int64(stmt, 1, json_integer_value(json_object_get(v, "value")));
        if (sqlite3_step(stmt) == SQLITE_ROW)
            json_object_set_new(v, "label_zh", json_string(ph_column_text(stmt, 0)));
        sqlite3_reset(stmt);
    }
    ph_problems_release(&ignored);
}

static ph_status search_documents_uncached(struct ph_registry *reg, const struct ph_document_query *query,
                                           json_t **out, struct ph_problems *problems)
{
    struct ph_text_query *tq = ph_text_query_new(query->text);
    if (tq == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    struct doc_run run;
    doc_run_init(&run, reg, query, tq);
    const char *match = NULL;
    int64_t total = 0;
    ph_status st = ph_text_query_choose(tq, count_documents, &run, &match, &total, problems);
    run.match = match;
    bool nothing = ph_text_query_term_count(tq) > 0 && match == NULL;
    json_t *items = json_array();
    json_t *facets = json_object();
    if (st == PH_OK && !nothing) {
        struct doc_scan scan;
        memset(&scan, 0, sizeof scan);
        st = scan_matches(&run, &scan, problems);
        total = (int64_t)scan.count;
        if (st == PH_OK)
            st = fetch_page(&run, &scan, items, problems);
        for (int f = DF_TYPE; f < DF_NONE && st == PH_OK; f++)
            facet_from_tally((enum doc_facet)f, &scan.tallies[f], facets);
        doc_scan_release(&scan);
        if (st == PH_OK)
            label_insurers(reg, facets);
    } else {
        total = 0;
    }
    if (st == PH_OK) {
        json_t *result = json_object();
        json_object_set_new(result, "total", json_integer(total));
        json_object_set_new(result, "page", json_integer(query->page));
        json_object_set_new(result, "per_page", json_integer(query->per_page));
        bool by_relevance = match != NULL && query->sort == PH_DOC_SORT_RELEVANCE;
        json_object_set_new(result, "sort",
                            json_string(query->sort == PH_DOC_SORT_NEWEST ? "newest" : "relevance"));
        json_object_set_new(
            result, "sort_zh",
            json_string(by_relevance ? "按和您搜的词有多相关排序" : "按发布日期排序，新的在前"));
        json_object_set(result, "items", items);
        json_object_set(result, "facets", facets);
        json_t *understood = ph_text_query_understood(tq);
        json_t *applied = json_object();
        json_object_set_new(applied, "region", run.region != NULL ? json_string(run.region) : json_null());
        json_object_set_new(understood, "applied", applied);
        json_object_set_new(result, "understood", understood);
        *out = result;
    }
    json_decref(items);
    json_decref(facets);
    ph_text_query_free(tq);
    return st;
}

static ph_status compute_documents(struct ph_registry *reg, const void *query, json_t **out,
                                   struct ph_problems *problems)
{
    return search_documents_uncached(reg, query, out, problems);
}

/* The cache key: every field of the query, so that two queries that differ
 * in anything never share an answer. */
static bool document_cache_key(const struct ph_document_query *q, char key[PH_SEARCH_CACHE_KEY_MAX])
{
    int n = snprintf(key, PH_SEARCH_CACHE_KEY_MAX,
                     "documents\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%lld\x1f%d\x1f%d\x1f%d",
                     q->text ? q->text : "", q->type ? q->type : "", q->category ? q->category : "",
                     q->region ? q->region : "", q->date_from ? q->date_from : "",
                     q->date_to ? q->date_to : "", q->registration_no ? q->registration_no : "",
                     (long long)q->insurer_id, (int)q->sort, q->page, q->per_page);
    return n > 0 && n < PH_SEARCH_CACHE_KEY_MAX;
}

ph_status ph_search_documents(struct ph_registry *reg, const struct ph_document_query *query, json_t **out,
                              struct ph_problems *problems)
{
    *out = NULL;
    ph_status st = ph_document_query_check(query, problems);
    if (st != PH_OK)
        return st;
    char key[PH_SEARCH_CACHE_KEY_MAX];
    if (reg->search_cache == NULL || !document_cache_key(query, key)) {
        bool began = ph_read_begin(reg);
        st = search_documents_uncached(reg, query, out, problems);
        ph_read_end(reg, began);
        return st;
    }
    return ph_search_cached_json(reg, key, false, compute_documents, query, out, problems);
}

ph_status ph_search_documents_text(struct ph_registry *reg, const struct ph_document_query *query, char **out,
                                   size_t *out_len, struct ph_problems *problems)
{
    *out = NULL;
    ph_status st = ph_document_query_check(query, problems);
    if (st != PH_OK)
        return st;
    json_t *json = NULL;
    char key[PH_SEARCH_CACHE_KEY_MAX];
    if (reg->search_cache == NULL || !document_cache_key(query, key)) {
        bool began = ph_read_begin(reg);
        st = search_documents_uncached(reg, query, &json, problems);
        ph_read_end(reg, began);
    } else {
        st = ph_search_cached_answer(reg, key, false, compute_documents, query, &json, out, out_len, problems);
    }
    if (st == PH_OK && json != NULL) {
        *out = json_dumps(json, PH_JSON_COMPACT);
        *out_len = *out != NULL ? strlen(*out) : 0;
        if (*out == NULL) {
            ph_problems_add(problems, "internal", "", "内存不足。");
            st = PH_ERR_INTERNAL;
        }
    }
    json_decref(json);
    return st;
}

/* --- every match, for the exports --------------------------------------------- */

static const char sql_document_row[] =
    "SELECT " DOC_ITEM_COLUMNS " FROM (SELECT ? AS id) AS page" DOC_ITEM_JOINS;

/* Steps the ordered ids of every match (the sorter holds ids, dates and
 * scores, never the texts) and reads each document by its id. */
static ph_status walk_matches(const struct doc_run *run, int (*row)(void *ctx, const json_t *item), void *ctx,
                              struct ph_problems *problems)
{
    struct doc_sql *q = calloc(1, sizeof *q);
    if (q == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    add(q, "SELECT f.document_id, ");
    add(q, run->match != NULL ? DOC_BM25 : "0.0");
    add(q, " AS score");
    from_where(q, run, true);
    add(q, order_by(run));
    sqlite3_stmt *stmt = prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    ph_status st = PH_OK;
    int rc;
    while (st == PH_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        sqlite3_stmt *one = ph_stmt(run->reg, sql_document_row, problems);
        if (one == NULL) {
            st = PH_ERR_INTERNAL;
            break;
        }
        sqlite3_bind_int64(one, 1, sqlite3_column_int64(stmt, 0));
        json_t *item = sqlite3_step(one) == SQLITE_ROW ? document_item_json(one) : NULL;
        sqlite3_reset(one);
        if (item == NULL) {
            ph_db_problem(run->reg, problems, "document export row");
            st = PH_ERR_INTERNAL;
            break;
        }
        json_object_set_new(item, "score",
                            run->match != NULL ? json_real(-sqlite3_column_double(stmt, 1)) : json_null());
        int stop = row(ctx, item);
        json_decref(item);
        if (stop != 0)
            break;
    }
    if (st == PH_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ph_db_problem(run->reg, problems, "document export walk");
        st = PH_ERR_INTERNAL;
    }
    sqlite3_finalize(stmt);
    return st;
}

ph_status ph_search_documents_each(struct ph_registry *reg, const struct ph_document_query *query,
                                   int (*row)(void *ctx, const json_t *item), void *ctx,
                                   struct ph_problems *problems)
{
    ph_status st = ph_document_query_check(query, problems);
    if (st != PH_OK)
        return st;
    struct ph_text_query *tq = ph_text_query_new(query->text);
    if (tq == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    struct doc_run run;
    doc_run_init(&run, reg, query, tq);
    /* One read snapshot: the export is the registry at one moment. */
    bool began = ph_read_begin(reg);
    const char *match = NULL;
    int64_t total = 0;
    st = ph_text_query_choose(tq, count_documents, &run, &match, &total, problems);
    run.match = match;
    bool nothing = ph_text_query_term_count(tq) > 0 && match == NULL;
    if (st == PH_OK && !nothing)
        st = walk_matches(&run, row, ctx, problems);
    ph_read_end(reg, began);
    ph_text_query_free(tq);
    return st;
}
