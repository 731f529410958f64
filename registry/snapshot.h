/*
 * registry/snapshot.h - taking the registry's public data away whole: a
 * consistent copy of the database (SQLite's online backup API) with the
 * private tables emptied, and walks over every product for NDJSON, each in
 * one read snapshot so that an export is the registry at one log size.
 *
 * Invariants
 *  - A copy never holds a secret: the rows of every table named in
 *    ph_snapshot_private_tables (API key hashes) are deleted in the copy and
 *    the file is VACUUMed, so not even free pages keep them.
 *  - A copy is a single self-contained file (rollback journal mode, no WAL
 *    beside it) that the sqlite3 shell opens as it is.
 *  - Nothing here writes to the registry's own database.
 */
#ifndef PH_REGISTRY_SNAPSHOT_H
#define PH_REGISTRY_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "registry/problems.h"
#include "registry/registry.h"

/* Tables whose rows never leave the server; NULL-terminated. */
extern const char *const ph_snapshot_private_tables[];

/* Holds one read snapshot on the connection for several calls (the state
 * for an ETag, then the rows it labels): returns whether it began one
 * (false when the connection already was in a transaction, which then is
 * the snapshot). Every begin is matched by ph_snapshot_end(reg, began). */
bool ph_snapshot_begin(struct ph_registry *reg);
void ph_snapshot_end(struct ph_registry *reg, bool began);

/* Copies the database to dest_path (which must not exist: it is created
 * with mode 0644) with sqlite3_backup_* in one step, so the copy is one
 * consistent state even while writers commit (the caller's snapshot, when
 * it holds one); then empties the private tables, switches the copy to
 * rollback-journal mode and VACUUMs it. *out_log_size (may be NULL) gets
 * the log size of the copy. On error removes dest_path, adds a problem and
 * returns PH_ERR_INTERNAL (PH_ERR_CONFLICT snapshot_exists when dest_path
 * exists). */
ph_status ph_snapshot_sqlite(struct ph_registry *reg, const char *dest_path, int64_t *out_log_size,
                             struct ph_problems *problems);

/* Calls row() with every product's latest version as ph_product_get shows
 * it, in registration order, all from one read snapshot; memory stays flat
 * (one product at a time; `product` is borrowed for the call). row returns
 * 0 to go on, anything else to stop (PH_OK then). */
ph_status ph_snapshot_products_each(struct ph_registry *reg, int (*row)(void *ctx, const json_t *product),
                                    void *ctx, struct ph_problems *problems);

/* The same for every document's latest version as ph_document_get shows
 * it, in document-number order. */
ph_status ph_snapshot_documents_each(struct ph_registry *reg, int (*row)(void *ctx, const json_t *document),
                                     void *ctx, struct ph_problems *problems);

/* --- feeds: what changed, from the transparency log ------------------------
 * (registry/feed_source.c) The newest log leaves about products (or
 * documents) that pass the filters, newest first. */
#define PH_FEED_ENTRIES_MAX 100

enum ph_feed_kind { PH_FEED_PRODUCTS, PH_FEED_DOCUMENTS };

struct ph_feed_query {
    enum ph_feed_kind kind;
    int64_t insurer_id;   /* 0: any */
    const char *category; /* ph_enum_category code, or NULL */
    const char *region;   /* GB/T 2260 code: sold there (as the search matches), or NULL */
    int limit;            /* 1..PH_FEED_ENTRIES_MAX */
};

void ph_feed_query_init(struct ph_feed_query *query);

/* PH_ERR_INVALID naming insurer, category, region or limit. */
ph_status ph_feed_query_check(const struct ph_feed_query *query, struct ph_problems *problems);

/*
 * *out = {log_size, updated (the newest entry's time, or null),
 *   entries: [{log_index, event, time (RFC 3339, UTC), registration_no,
 *              version (null for state changes), name, category,
 *              insurer: {id, name, short_name}, reason (change, withdrawal
 *              or suspension reason, or null), date (a withdrawal's stop
 *              date, or null), document_no, title, type (documents only)}]}
 * product events: product_registered, product_version_published,
 * product_withdrawn, product_suspended, product_reinstated; document
 * events: document_published, document_version_published.
 */
ph_status ph_feed_entries(struct ph_registry *reg, const struct ph_feed_query *query, json_t **out,
                          struct ph_problems *problems);

#endif
