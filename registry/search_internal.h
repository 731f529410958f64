/*
 * registry/search_internal.h - what the search's files share with each
 * other and with db.c (which registers the tokenizer and SQL functions on
 * every connection). Not a public interface.
 */
#ifndef PH_REGISTRY_SEARCH_INTERNAL_H
#define PH_REGISTRY_SEARCH_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "registry/problems.h"
#include "registry/registry.h"

/* The tokenizer's work, callable without FTS5 (unit tests and the fuzz
 * target): emits tokens through `emit` exactly as FTS5 would see them. */
int ph_search_tokenize(void *ctx, int flags, const char *text, int text_len,
                       int (*emit)(void *, int, const char *, int, int, int));

/* Registers the "puhui" FTS5 tokenizer on a connection. SQLITE_OK or an
 * SQLite error code. */
int ph_search_register_tokenizer(sqlite3 *db);

/* Registers the SQL helpers the search queries use: the function
 * ph_solvency_adequate(core_pct, comprehensive_pct, rating) (policy 十九,
 * the same rule as rules.h) and the collation "pinyin" (ICU, Chinese in
 * pinyin order). */
int ph_search_register_sql(sqlite3 *db);

/* The text part of a search, shared by the product search and the document
 * search (doc_search.c): what a person typed, understood (folded, terms,
 * the place it names), and the FTS5 expression chosen by relaxing step by
 * step while nothing matches. `count` says how many rows of the caller's
 * index and filters an expression matches (exists_only: whether any). */
struct ph_text_query;
struct ph_text_query *ph_text_query_new(const char *text); /* NULL: out of memory */
void ph_text_query_free(struct ph_text_query *tq);
size_t ph_text_query_term_count(const struct ph_text_query *tq);
const char *ph_text_query_region(const struct ph_text_query *tq); /* GB/T 2260 code, or NULL */
/* *out_match points into tq (NULL when nothing can match). */
ph_status ph_text_query_choose(struct ph_text_query *tq,
                               ph_status (*count)(void *ctx, const char *match, bool exists_only, int64_t *out,
                                                  struct ph_problems *problems),
                               void *ctx, const char **out_match, int64_t *out_total, struct ph_problems *problems);
/* {text, terms, region, region_zh, relaxed, unmatched, truncated, fts_expression}. */
json_t *ph_text_query_understood(const struct ph_text_query *tq);

/* An FTS5 highlight()/snippet() result with \x01 \x02 markers as escaped
 * HTML with <mark>; JSON null when nothing in it matched. */
json_t *ph_search_highlight_json(const char *marked);

/* An answer from the search cache (search_cache.h) when it holds one for
 * the registry's current state and China date (read in one read
 * transaction), else computed by `compute` and stored. The state is the
 * log's size, or with products_only the size at its last leaf that is not
 * a document's (ph_registry_products_state): for answers made of products
 * alone, which publishing a document cannot change. On success exactly
 * one of *out_json (computed) and *out_text (cached, malloc'd) is set. */
typedef ph_status (*ph_search_compute_fn)(struct ph_registry *reg, const void *query, json_t **out,
                                          struct ph_problems *problems);
ph_status ph_search_cached_answer(struct ph_registry *reg, const char *key, bool products_only,
                                  ph_search_compute_fn compute, const void *query, json_t **out_json,
                                  char **out_text, size_t *out_len, struct ph_problems *problems);

/* The same answer always as JSON (*out; a cached text is parsed), for
 * callers that build on it rather than send it as it is. */
ph_status ph_search_cached_json(struct ph_registry *reg, const char *key, bool products_only,
                                ph_search_compute_fn compute, const void *query, json_t **out,
                                struct ph_problems *problems);

#endif
