/*
 * registry/registry.h - the registry of exclusive inclusive insurance
 * products: insurers, their solvency and API keys, products and their
 * immutable versions, stored in SQLite.
 *
 * A struct ph_registry is one SQLite connection; it is not thread-safe.
 * Servers open one read connection per worker thread and one write
 * connection whose use they serialise (see docs/internals/registry.md).
 *
 * Invariants
 *  - Every change is one transaction (BEGIN IMMEDIATE ... COMMIT) that also
 *    appends exactly one leaf to the transparency log per registry event.
 *    A function that fails rolls back and changes nothing.
 *  - Product versions and log leaves are append-only: SQL triggers refuse
 *    UPDATE and DELETE on them.
 *  - Registration numbers (PH-YYYY-NNNNNN) are assigned once, in order, and
 *    never reused.
 *  - Policy 十九: an insurer whose latest solvency report is inadequate (or
 *    missing) cannot register or change products; reads of its products say
 *    so and report accepts_applications = false.
 *
 * Every function returning ph_status adds at least one problem on failure
 * (see problems.h). JSON outputs are new references the caller json_decref's.
 */
#ifndef PH_REGISTRY_REGISTRY_H
#define PH_REGISTRY_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "registry/problems.h"

struct ph_registry;

enum ph_open_mode {
    PH_OPEN_READ_WRITE, /* creates the file and migrates the schema */
    PH_OPEN_READ_ONLY   /* the file must exist and be migrated */
};

/* The schema version this build migrates to (PRAGMA user_version). */
int ph_registry_schema_version(void);

/* Opens (and for read-write, creates and migrates) the database. WAL mode,
 * synchronous=FULL, foreign keys on, a 5 s busy timeout.
 * On success *out is the caller's; close with ph_registry_close(). */
ph_status ph_registry_open(const char *path, enum ph_open_mode mode, struct ph_registry **out,
                           struct ph_problems *problems);
void ph_registry_close(struct ph_registry *reg);

/* The number of leaves in the transparency log (a version of the whole
 * registry's state) and the UTC time of the latest change as Unix seconds
 * (0 when empty). */
ph_status ph_registry_state(struct ph_registry *reg, int64_t *out_log_size, int64_t *out_last_change_unix,
                            struct ph_problems *problems);

/* --- the transparency log (RFC 9162 Merkle tree, registry/merkle.h) ------ */

/* The log's current size and root hash, from one snapshot. */
ph_status ph_log_root(struct ph_registry *reg, int64_t *out_size, uint8_t out_root[32], struct ph_problems *problems);

/* Leaf `index`: {index, event, created_at, data_base64 (the exact bytes),
 * leaf_hash (base64 of SHA-256(0x00 || bytes)), record (the bytes as
 * JSON)}. 404 log_leaf_not_found. */
ph_status ph_log_leaf(struct ph_registry *reg, int64_t index, json_t **out, struct ph_problems *problems);

/* {index, size, leaf_hash, root, proof: [base64...]} (RFC 9162 2.1.3);
 * 400 log_size_invalid / log_index_invalid unless 0 <= index < size <=
 * the current size. */
ph_status ph_log_inclusion(struct ph_registry *reg, int64_t index, int64_t size, json_t **out,
                           struct ph_problems *problems);

/* {from, to, root_from, root_to, proof: [base64...]} (RFC 9162 2.1.4);
 * 400 log_size_invalid unless 1 <= from <= to <= the current size. */
ph_status ph_log_consistency(struct ph_registry *reg, int64_t from, int64_t to, json_t **out,
                             struct ph_problems *problems);

/* Runs PRAGMA integrity_check; PH_OK when it says "ok". */
ph_status ph_registry_check_integrity(struct ph_registry *reg, struct ph_problems *problems);

/* --- insurers ----------------------------------------------------------- */

/* Adds an insurer from {name, short_name, uscc, type, region, website?,
 * hotline?}. Checks the USCC (GB 32100-2015), the region, the type and
 * that name and USCC are not registered yet (409 insurer_exists). */
ph_status ph_insurer_add(struct ph_registry *reg, const json_t *insurer, json_t **out,
                         struct ph_problems *problems);

/* One insurer with its latest solvency report and products. */
ph_status ph_insurer_get(struct ph_registry *reg, int64_t insurer_id, json_t **out,
                         struct ph_problems *problems);

/* {total, items: [insurer]} in id order. */
ph_status ph_insurer_list(struct ph_registry *reg, json_t **out, struct ph_problems *problems);

/* Records a solvency report {quarter: "2026Q3", core_pct, comprehensive_pct,
 * rating: A|B|C|D}. The latest report is the one with the latest quarter
 * (a later record for the same quarter corrects an earlier one). */
ph_status ph_solvency_record(struct ph_registry *reg, int64_t insurer_id, const json_t *report, json_t **out,
                             struct ph_problems *problems);

/* --- API keys ----------------------------------------------------------- */

/* Issues a new key for an insurer. *out = {key_id, insurer_id, key, prefix,
 * created_at}: the only time the key is ever shown; only its BLAKE2b hash
 * is stored. */
ph_status ph_key_issue(struct ph_registry *reg, int64_t insurer_id, json_t **out,
                       struct ph_problems *problems);
ph_status ph_key_revoke(struct ph_registry *reg, int64_t key_id, json_t **out, struct ph_problems *problems);
/* {items: [{key_id, insurer_id, prefix, created_at, revoked_at}]};
 * insurer_id 0 lists all. */
ph_status ph_key_list(struct ph_registry *reg, int64_t insurer_id, json_t **out,
                      struct ph_problems *problems);
/* Finds the insurer a presented key belongs to. PH_ERR_UNAUTHORIZED with
 * auth_invalid or auth_revoked otherwise. */
ph_status ph_key_authenticate(struct ph_registry *reg, const char *key, int64_t *out_insurer_id,
                              struct ph_problems *problems);

/* --- products ----------------------------------------------------------- */

/* Registers a product for the insurer. *out = {registration_no, version: 1,
 * warnings}. Refused when the insurer's solvency is not adequate. */
ph_status ph_product_register(struct ph_registry *reg, int64_t insurer_id, const json_t *body, json_t **out,
                              struct ph_problems *problems);

/* Registers 1..1000 products in one transaction: all or none. Problems
 * name fields as "products[i].field". *out = {count, items: [...]}. */
#define PH_BATCH_MAX 1000
ph_status ph_product_register_batch(struct ph_registry *reg, int64_t insurer_id, const json_t *bodies,
                                    json_t **out, struct ph_problems *problems);

/* Publishes a new version (body = a full product plus change_reason).
 * Only the owner; not when withdrawn or suspended. *out = {registration_no,
 * version, warnings}. */
ph_status ph_product_update(struct ph_registry *reg, int64_t insurer_id, const char *registration_no,
                            const json_t *body, json_t **out, struct ph_problems *problems);

/* Stops sales: body {date: "YYYY-MM-DD", reason}. Only the owner; *out is
 * the product as ph_product_get() shows it. */
ph_status ph_product_withdraw(struct ph_registry *reg, int64_t insurer_id, const char *registration_no,
                              const json_t *body, json_t **out, struct ph_problems *problems);

/* The operator's suspension (暂停销售) and reinstatement. */
ph_status ph_product_suspend(struct ph_registry *reg, const char *registration_no, const char *reason,
                             json_t **out, struct ph_problems *problems);
ph_status ph_product_reinstate(struct ph_registry *reg, const char *registration_no, json_t **out,
                               struct ph_problems *problems);

/* A product as the public sees it: version 0 means the latest. */
ph_status ph_product_get(struct ph_registry *reg, const char *registration_no, int64_t version, json_t **out,
                         struct ph_problems *problems);

/* {registration_no, total, items: [{version, change_reason, created_at}]}. */
ph_status ph_product_versions(struct ph_registry *reg, const char *registration_no, json_t **out,
                              struct ph_problems *problems);

/* True when the text has the shape of a registration number. */
bool ph_registration_no_is_valid(const char *registration_no);

#endif
