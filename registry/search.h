/*
 * registry/search.h - finding products the way people type: Chinese
 * characters, pinyin (full, split, initials), traditional characters,
 * full-width letters and digits, synonyms, and whole phrases with ages and
 * places in them ("75岁老人住院", "杭州 骑手").
 *
 * The index is an FTS5 table (product_search) with our own tokenizer
 * ("puhui", registered on every connection by ph_registry_open): one token
 * per Han character, with every pinyin reading and initial of it as
 * colocated tokens; Latin letters and digits as words; everything folded
 * (i18n/fold.h). The index row of a product is rewritten in the same
 * transaction as every change to the product. Filter values live in plain
 * tables next to it (product_filters, product_groups, product_regions).
 *
 * Query handling never lets user text reach FTS5's query syntax: every
 * term is quoted after tokenising, so no input is an FTS5 syntax error.
 */
#ifndef PH_REGISTRY_SEARCH_H
#define PH_REGISTRY_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "registry/problems.h"
#include "registry/registry.h"

#define PH_SEARCH_QUERY_MAX_CHARS 200 /* longer text is cut, and the answer says so */
#define PH_SEARCH_PER_PAGE_MAX    100

enum ph_search_sort {
    PH_SORT_RELEVANCE = 0, /* on sale first, then weighted bm25, then newest */
    PH_SORT_PREMIUM,       /* lowest yearly premium first */
    PH_SORT_NAME,          /* name in pinyin order (ICU collation) */
    PH_SORT_NEWEST         /* latest registration first */
};

/* A search as the public API receives it. Strings are NUL-terminated UTF-8
 * and may be NULL (no filter). Numbers are -1 when absent. */
struct ph_search_query {
    const char *text;        /* q */
    const char *category;    /* one of ph_enum_category */
    const char *group;       /* one of ph_enum_target_group */
    const char *region;      /* GB/T 2260 code */
    int age_years;           /* the person's age: age_min <= age <= age_max */
    double premium_max_yuan; /* products whose lowest yearly premium is at most this */
    const char *preexisting; /* covered | partly | not_covered */
    int questionnaire;       /* 0: only products without a health questionnaire; 1: only with; -1: any */
    int64_t insurer_id;      /* 0: any */
    int on_sale;             /* 1: only products on sale now; -1: any */
    enum ph_search_sort sort;
    int page;     /* 1-based */
    int per_page; /* 1..PH_SEARCH_PER_PAGE_MAX */
};

void ph_search_query_init(struct ph_search_query *query);

/* Checks a query's filter values (enums, region, ranges, paging): on
 * failure PH_ERR_INVALID with the field named as in the API (category,
 * group, region, age, premium_max, preexisting, questionnaire, insurer,
 * on_sale, sort, page, per_page). */
ph_status ph_search_query_check(const struct ph_search_query *query, struct ph_problems *problems);

/*
 * Runs a search. *out = {
 *   total, page, per_page, sort, sort_zh (the order in words, never paid),
 *   items: [{registration_no, name, insurer: {id, name, short_name}, category,
 *            target_groups, regions, age_min, age_max, premium_yuan_per_year,
 *            sum_insured_yuan, preexisting_conditions, health_questionnaire,
 *            status, on_sale, score, highlights: {name, summary, covered, claim,
 *            insurer, not_covered, labels}: only the fields that matched}],
 *   facets: {category: [{value, label_zh, count}], group: [...], preexisting: [...],
 *            questionnaire: [...], insurer: [...], on_sale: [...]},
 *   understood: {text (what was read: cut, malformed bytes dropped), terms: [...],
 *                age, region, region_zh (as named in the text), applied: {age,
 *                region} (the filters actually used: a form value wins over the
 *                text), fts_expression (the FTS5 expression that ran), relaxed: "none" |
 *                "words" | "dropped_terms" | "characters", unmatched: [...], truncated}
 * }
 * Highlights are HTML-escaped snippets with <mark>...</mark> around the
 * matched characters. Facet counts apply every other active filter.
 */
ph_status ph_search_products(struct ph_registry *reg, const struct ph_search_query *query, json_t **out,
                             struct ph_problems *problems);

/* Lets this connection's searches use a cache of answers shared with other
 * connections of the process (search_cache.h); NULL turns it off. The
 * cache is not owned and must outlive the connection's use of it. With a
 * cache, each search runs in one read transaction (unless the caller
 * already holds one; then the answer is looked up but not stored). */
struct ph_search_cache;
void ph_registry_use_search_cache(struct ph_registry *reg, struct ph_search_cache *cache);

/* The same answer as compact JSON text (what the API sends), *out NUL-
 * terminated, caller frees with free(). With a search cache, a repeated
 * search is one copy of stored bytes. */
ph_status ph_search_products_text(struct ph_registry *reg, const struct ph_search_query *query, char **out,
                                  size_t *out_len, struct ph_problems *problems);

/* Rewrites the index and filter rows of one product from its latest
 * version, inside the caller's transaction (used by every product write). */
ph_status ph_search_index_product(struct ph_registry *reg, int64_t product_id, struct ph_problems *problems);

/* --- exports (issue 5) ------------------------------------------------------
 * Every product a search matches, in the search's order, without paging
 * (query->page and query->per_page are checked but ignored), for CSV
 * exports. The whole walk runs in one read transaction (unless the caller
 * already holds one), so an export is one consistent snapshot even while a
 * writer commits. Memory stays flat: one SQL statement is stepped and each
 * row is built, handed to `row` and freed before the next.
 *
 * `item` = {registration_no, url, name, insurer: {id, name, short_name},
 * category, target_groups, regions, age_min, age_max,
 * premium_yuan_per_year: {min, max}, sum_insured_yuan,
 * preexisting_conditions, health_questionnaire, status, on_sale,
 * registered_at, updated_at, latest_version} (the search item's facts
 * without its texts, score and highlights); it is borrowed for the call
 * only (one object is refilled for every row: copy what you keep). `row` returns 0 to go on, anything else to
 * stop (a client that went away): the function then returns PH_OK, as the
 * stop was the caller's wish. On a bad query PH_ERR_INVALID with the same
 * problems as ph_search_query_check; nothing is emitted then. */
ph_status ph_search_products_each(struct ph_registry *reg, const struct ph_search_query *query,
                                  int (*row)(void *ctx, const json_t *item), void *ctx,
                                  struct ph_problems *problems);

/* --- documents (issue 5) ---------------------------------------------------
 * The same understanding of the text (pinyin, traditional, synonyms,
 * relaxation) over the document index (document_search: title, content,
 * product name, insurer), with filters. Only the latest version of each
 * document is indexed; older versions stay at their permanent URLs. */
enum ph_document_sort {
    PH_DOC_SORT_RELEVANCE = 0, /* bm25 (title weighs most), then newest */
    PH_DOC_SORT_NEWEST         /* latest published_on first */
};

struct ph_document_query {
    const char *text;       /* q */
    const char *type;       /* terms | rate_table | prospectus | notice | operating_report */
    const char *category;   /* the product's category (ph_enum_category) */
    const char *region;     /* GB/T 2260 code: the product is sold there */
    const char *date_from;  /* published_on >= YYYY-MM-DD */
    const char *date_to;    /* published_on <= YYYY-MM-DD */
    const char *registration_no; /* one product's documents */
    int64_t insurer_id;     /* 0: any */
    enum ph_document_sort sort;
    int page;     /* 1-based */
    int per_page; /* 1..PH_SEARCH_PER_PAGE_MAX */
};

void ph_document_query_init(struct ph_document_query *query);

/* Checks the filters: PH_ERR_INVALID naming type, category, region,
 * date_from, date_to (and date_from <= date_to), insurer, registration_no,
 * sort, page, per_page. */
ph_status ph_document_query_check(const struct ph_document_query *query, struct ph_problems *problems);

/*
 * *out = {total, page, per_page, sort,
 *   items: [{document_no, version, type, type_zh, title, published_on,
 *            period, content_sha256, content_bytes, log_index,
 *            product: {registration_no, name, category},
 *            insurer: {id, name, short_name}, score,
 *            highlights: {title?, content? (a snippet)}}],
 *   facets: {type: [{value, label_zh, count}], category: [...], insurer: [...],
 *            year: [...]},
 *   understood: {... as for products}}
 */
ph_status ph_search_documents(struct ph_registry *reg, const struct ph_document_query *query, json_t **out,
                              struct ph_problems *problems);

/* The same answer as compact JSON text (what the API sends); caller frees. */
ph_status ph_search_documents_text(struct ph_registry *reg, const struct ph_document_query *query, char **out,
                                   size_t *out_len, struct ph_problems *problems);

/* Every document a document search matches, in its order, without paging
 * (page and per_page are checked but ignored), in one read transaction,
 * one row at a time (registry/doc_export.c): `item` is a search item
 * without highlights, borrowed for the call; `row` returns non-zero to
 * stop (PH_OK then). PH_ERR_INVALID with ph_document_query_check's
 * problems on a bad query. */
ph_status ph_search_documents_each(struct ph_registry *reg, const struct ph_document_query *query,
                                   int (*row)(void *ctx, const json_t *item), void *ctx,
                                   struct ph_problems *problems);

/* Rewrites one document's index and filter rows from its latest version,
 * inside the caller's transaction. */
ph_status ph_search_index_document(struct ph_registry *reg, int64_t document_id, struct ph_problems *problems);

#endif
