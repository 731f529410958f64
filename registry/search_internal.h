/*
 * registry/search_internal.h - what the search's files share with each
 * other and with db.c (which registers the tokenizer and SQL functions on
 * every connection). Not a public interface.
 */
#ifndef PH_REGISTRY_SEARCH_INTERNAL_H
#define PH_REGISTRY_SEARCH_INTERNAL_H

#include <sqlite3.h>

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

#endif
