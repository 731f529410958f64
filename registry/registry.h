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

/* The log's size just after its last leaf that is not a document's
 * (document_published, document_version_published): the version of
 * everything a product search answer is made of (products, their versions,
 * withdrawals and suspensions, insurers' solvency). Publishing documents
 * leaves it unchanged. Kept in the leaf's transaction (table log_marks). */
ph_status ph_registry_products_state(struct ph_registry *reg, int64_t *out_log_size,
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

/* --- documents (issue 5) --------------------------------------------------
 *
 * Insurers publish documents per product: 条款 (terms), 费率表 (rate_table),
 * 产品说明书 (prospectus), 公告 (notice: 费率调整, 停售 ...) and quarterly
 * operating reports (operating_report). A document's content is plain UTF-8
 * text, never HTML (text that looks like markup is refused); the registry
 * keeps its exact bytes and their SHA-256 (hex), shown publicly so anyone
 * can check a copy with `sha256sum`. Documents are versioned like products:
 * versions are immutable and each is one log leaf (document_published,
 * document_version_published). Document numbers are PD-YYYY-NNNNNN.
 *
 * A document body: {type, title (2-100 characters), content (1 byte to
 * PH_DOCUMENT_CONTENT_MAX_BYTES), published_on? ("YYYY-MM-DD", default
 * today in China), period? ("2026Q3": required for operating_report, refused
 * otherwise)}; a new version adds change_reason (required) and may leave
 * type out (a document's type never changes).
 */
#define PH_DOCUMENT_CONTENT_MAX_BYTES (512 * 1024)

/* True when the text has the shape of a document number. */
bool ph_document_no_is_valid(const char *document_no);

/* Publishes a document for one of the insurer's products, whatever the
 * product's state: disclosure is never blocked (a 停售 notice follows a
 * withdrawal; an insurer under policy 十九 still reports). Only the owner
 * (403 not_owner). *out = {document_no, version: 1, registration_no,
 * content_sha256, log_index, warnings}. */
ph_status ph_document_publish(struct ph_registry *reg, int64_t insurer_id, const char *registration_no,
                              const json_t *body, json_t **out, struct ph_problems *problems);

/* A new version of a document (only its insurer). *out as above. */
ph_status ph_document_update(struct ph_registry *reg, int64_t insurer_id, const char *document_no,
                             const json_t *body, json_t **out, struct ph_problems *problems);

/* A document version as the public sees it (version 0: the latest):
 * {document_no, version, latest_version, type, type_zh, title, content,
 *  content_sha256, content_bytes, published_on, period, change_reason,
 *  created_at, log_index, product: {registration_no, name, category,
 *  status}, insurer: {id, name, short_name}}. 404 document_not_found,
 * document_version_not_found. */
ph_status ph_document_get(struct ph_registry *reg, const char *document_no, int64_t version, json_t **out,
                          struct ph_problems *problems);

/* {document_no, total, items: [{version, title, content_sha256,
 * content_bytes, published_on, change_reason, created_at, log_index}]}. */
ph_status ph_document_versions(struct ph_registry *reg, const char *document_no, json_t **out,
                               struct ph_problems *problems);

/* A product's documents, latest versions, newest first: {registration_no,
 * total, items: [{document_no, version, type, type_zh, title,
 * published_on, period, content_sha256, log_index}]}. */
ph_status ph_product_documents(struct ph_registry *reg, const char *registration_no, json_t **out,
                               struct ph_problems *problems);

/* --- filings: a product with its documents in one transaction ------------
 *
 * {product: <a product body as ph_product_register takes it>, documents:
 * [<document bodies>, 0..PH_FILING_DOCUMENTS_MAX]}. Registers the product
 * and publishes every document, all or nothing, with the same rules and
 * codes as the separate calls; problems name fields "product.<field>" and
 * "documents[i].<field>". *out = {registration_no, version, documents:
 * [{document_no, version, content_sha256, log_index}], warnings}. */
#define PH_FILING_DOCUMENTS_MAX 50
ph_status ph_filing_register(struct ph_registry *reg, int64_t insurer_id, const json_t *filing, json_t **out,
                             struct ph_problems *problems);

/* --- what changed: registry events by date (issue 5; registry/changes.c) --
 *
 * Read from the transparency log (log_leaves), newest first, with the
 * product, insurer and versions each leaf names. Kinds: registration
 * (product_registered), version (product_version_published: every new
 * version), rate_change (a new version whose premium_yuan_per_year min or
 * max, or premium_rate.this_pct, differs from the version before it; it
 * is computed on read from the two immutable versions, never stored),
 * withdrawal, suspension, reinstatement, document (document_published,
 * document_version_published), solvency (solvency_reported) and insurer
 * (insurer_added). An item's kind is rate_change or version for a new
 * version; the filter kind=version matches both.
 *
 * Dates are China dates (UTC+8), inclusive. Filters that name a product
 * property (category, region) leave out events of no product (solvency,
 * insurer). region matches as search does: the place, the units above and
 * inside it, and whole-country products.
 */
#define PH_CHANGES_PER_PAGE_DEFAULT 50
#define PH_CHANGES_PER_PAGE_MAX     100
#define PH_CHANGES_PAGE_MAX         10000

struct ph_changes_query {
    const char *date_from; /* "YYYY-MM-DD" or NULL */
    const char *date_to;   /* "YYYY-MM-DD" or NULL */
    const char *kind;      /* one of the kinds above, or NULL for all */
    int64_t insurer_id;    /* 0: every insurer */
    const char *category;  /* a ph_enum_category code, or NULL */
    const char *region;    /* a GB/T 2260 code, or NULL */
    int64_t page;          /* from 1 */
    int64_t per_page;      /* 1..PH_CHANGES_PER_PAGE_MAX */
};

/* No filters, page 1, PH_CHANGES_PER_PAGE_DEFAULT a page. */
void ph_changes_query_init(struct ph_changes_query *query);

/* The kinds, in the order forms show them: code and words ("rate_change",
 * "费率调整"). NULL past the end. */
const char *ph_changes_kind_code(size_t index);
const char *ph_changes_kind_label(const char *code); /* NULL for an unknown code */

/* One page of changes: {total, page, per_page, pages, filters: {...},
 * items: [{log_index, time (UTC), date (China, YYYY-MM-DD), event, kind,
 * kind_zh, registration_no?, product_name?, category?, insurer: {id, name,
 * short_name} | null, version?, previous_version?, document_no?,
 * document_title?, reason? (a version's change reason, a withdrawal's or
 * suspension's reason), premium: {before, after} (rate changes:
 * premium_yuan_per_year objects), sentence_zh, links: {page, diff?, api,
 * log}}]}.
 * 400 (PH_ERR_BAD_REQUEST) with date_invalid / date_range_invalid /
 * kind_invalid / category_invalid / region_invalid / page_invalid /
 * per_page_invalid naming the parameter. */
ph_status ph_changes_list(struct ph_registry *reg, const struct ph_changes_query *query, json_t **out,
                          struct ph_problems *problems);

#endif
