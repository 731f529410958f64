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

#endif
