/*
 * registry/internal.h - what the registry's own .c files share. Not part of
 * the public interface; nothing outside registry/ includes it except the
 * registry's unit tests.
 */
#ifndef PH_REGISTRY_INTERNAL_H
#define PH_REGISTRY_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/registry.h"

#define PH_STMT_CACHE_MAX 64

struct ph_stmt_slot {
    const char *sql; /* identity: the address of a string literal */
    sqlite3_stmt *stmt;
};

struct ph_registry {
    sqlite3 *db;
    bool read_only;
    int tx_depth; /* 0: no transaction; 1: BEGIN; >1: nested SAVEPOINTs */
    size_t stmt_count;
    struct ph_stmt_slot stmts[PH_STMT_CACHE_MAX];
    struct ph_search_cache *search_cache; /* shared, not owned; NULL: none */
};

/* A prepared statement for a string literal, cached per connection and
 * handed out reset with no bindings. Callers sqlite3_reset() it when done
 * (a statement left mid-step would pin a read snapshot). NULL on failure,
 * after adding an `internal` problem. */
sqlite3_stmt *ph_stmt(struct ph_registry *reg, const char *sql, struct ph_problems *problems);

/* Transactions. The outermost begin uses BEGIN IMMEDIATE so that writers
 * queue on the busy timeout instead of failing half-way; a begin inside a
 * transaction opens a SAVEPOINT, so registry functions compose (the demo
 * loader runs them all inside one transaction). Every begin is matched by
 * exactly one commit or rollback. */
ph_status ph_tx_begin(struct ph_registry *reg, struct ph_problems *problems);
ph_status ph_tx_commit(struct ph_registry *reg, struct ph_problems *problems);
void ph_tx_rollback(struct ph_registry *reg);
/* A read snapshot for several statements: begins a (deferred) read
 * transaction when the connection is in none and returns whether it did;
 * ph_read_end(reg, began) ends it whatever happened, because a read
 * transaction left open would pin the connection to an old snapshot. */
bool ph_read_begin(struct ph_registry *reg);
void ph_read_end(struct ph_registry *reg, bool began);

/* Commits when st is PH_OK, rolls back otherwise; returns the final status. */
ph_status ph_tx_finish(struct ph_registry *reg, ph_status st, struct ph_problems *problems);

/* Steps a bound write statement to SQLITE_DONE and resets it. On failure
 * adds an `internal` problem naming `what` and returns PH_ERR_INTERNAL. */
ph_status ph_stmt_exec(struct ph_registry *reg, sqlite3_stmt *stmt, const char *what,
                       struct ph_problems *problems);

/* Adds an `internal` problem carrying SQLite's message to the log only. */
void ph_db_problem(struct ph_registry *reg, struct ph_problems *problems, const char *what);

/* Runs the schema migrations up to ph_registry_schema_version(). */
ph_status ph_db_migrate(struct ph_registry *reg, struct ph_problems *problems);

/* "2026-11-29T03:42:51Z" for now. */
void ph_now_utc(char out[32]);
/* "2026-11-29" in China Standard Time (UTC+8) for now, and for now plus
 * a number of days. */
void ph_today_china(char out[16]);
void ph_date_china_after_days(int64_t days, char out[16]);

/* Whether a log event records a document (published, or a new version):
 * the only events that cannot change an answer about products. */
bool ph_log_event_is_document(const char *event);

/* Appends one transparency-log leaf inside the caller's transaction. The
 * leaf's bytes are the canonical JSON (sorted keys, compact) of
 * {"event": event, "time": now, ...record}; its hash is RFC 9162's
 * SHA-256(0x00 || bytes). *out_index gets the leaf's index. */
ph_status ph_tlog_append(struct ph_registry *reg, const char *event, json_t *record, int64_t *out_index,
                         struct ph_problems *problems);

/* Hex SHA-256 of bytes into out (65 bytes). */
void ph_sha256_hex(const void *bytes, size_t len, char out[65]);

/* The Merkle tree over log_leaves, with log_nodes as its stored subtrees
 * (registry/merkle.h). The source reads through reg's cached statements. */
struct ph_merkle_source;
void ph_tlog_source(struct ph_registry *reg, struct ph_merkle_source *out);

/* Migration 3's follow-up: the subtree hashes of every existing leaf. */
ph_status ph_tlog_backfill_nodes(struct ph_registry *reg, struct ph_problems *problems);

/* The insurer's latest solvency report as public JSON (or JSON null) and
 * whether it is adequate. PH_ERR_NOT_FOUND when no such insurer. */
ph_status ph_insurer_solvency(struct ph_registry *reg, int64_t insurer_id, json_t **out_report,
                              bool *out_adequate, struct ph_problems *problems);

/* Problems for policy 十九 if the insurer may not register or change
 * products now: PH_ERR_FORBIDDEN with solvency_inadequate or
 * solvency_unreported. */
ph_status ph_insurer_may_file(struct ph_registry *reg, int64_t insurer_id, struct ph_problems *problems);

/* True when the text is a number of that shape: the two-letter prefix
 * ("PH", "PD"), a dash, four digits, a dash, six digits. */
bool ph_yearly_number_is_valid(const char *number, const char *prefix);

/* The cached statement `sql` with a yearly number bound as ?1. A number
 * not of the prefix's shape is not found (not_found adds the problem)
 * without touching the database. */
ph_status ph_stmt_for_number(struct ph_registry *reg, const char *sql, const char *number, const char *prefix,
                             void (*not_found)(struct ph_problems *, const char *), sqlite3_stmt **out,
                             struct ph_problems *problems);

/* Whether `sql` (a cached statement with one text parameter) finds a row
 * for value; false on any error. */
bool ph_row_exists(struct ph_registry *reg, const char *sql, const char *value);

/* The next number of the year in China, "PH-2026-000123" style: prefix
 * (two letters), the year, and the counter that counter_sql (an upsert of
 * (year, 1) RETURNING the new last number, with the year bound as ?1)
 * returns. Past 999,999 a problem exhausted_code. */
ph_status ph_next_yearly_number(struct ph_registry *reg, const char *counter_sql, const char *prefix, char out[16],
                                const char *exhausted_code, const char *exhausted_message,
                                struct ph_problems *problems);

/* Stores one validated (canonical) product body as a new product, inside
 * the caller's transaction: its first version, log leaf and index rows.
 * *out = {registration_no, version, url, warnings}; *out_product_id (may be
 * NULL) the row id. Used by registration, batches and filings. */
ph_status ph_product_insert(struct ph_registry *reg, int64_t insurer_id, const json_t *product, json_t *warnings,
                           json_t **out, int64_t *out_product_id, struct ph_problems *problems);

/* The JSON text of a column, parsed; NULL on failure. */
json_t *ph_column_json(sqlite3_stmt *stmt, int column);
/* Text column or NULL. */
const char *ph_column_text(sqlite3_stmt *stmt, int column);

#endif
