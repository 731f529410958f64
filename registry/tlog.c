/*
 * registry/tlog.c - appending leaves to the transparency log.
 *
 * Each registry event (a registration, a version, a withdrawal, a
 * suspension, a solvency report, an insurer) becomes one leaf whose bytes
 * are canonical JSON and whose hash is SHA-256(0x00 || bytes), RFC 9162
 * section 2.1.1. With each leaf the hashes of the perfect subtrees it
 * completes go into log_nodes (registry/merkle.h), in the same transaction,
 * so that roots and proofs read O(log n) stored hashes.
 */
#include <sodium.h>
#include <string.h>

#include "registry/internal.h"
#include "registry/merkle.h"

void ph_sha256_hex(const void *bytes, size_t len, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytes, len);
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

static const char sql_leaf_hash[] = "SELECT leaf_hash FROM log_leaves WHERE idx = ?";
static const char sql_node_hash[] = "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?";
static const char sql_insert_node[] = "INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)";

static int read_hash(struct ph_registry *reg, const char *sql, int64_t a, int64_t b, bool two,
                     uint8_t out[PH_MERKLE_HASH_SIZE])
{
    struct ph_problems ignored;
    ph_problems_init(&ignored);
    sqlite3_stmt *stmt = ph_stmt(reg, sql, &ignored);
    ph_problems_release(&ignored);
    if (stmt == NULL)
        return -1;
    sqlite3_bind_int64(stmt, 1, a);
    if (two)
        sqlite3_bind_int64(stmt, 2, b);
    int answer = PH_MERKLE_SOURCE_MISSING;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) == PH_MERKLE_HASH_SIZE) {
        memcpy(out, sqlite3_column_blob(stmt, 0), PH_MERKLE_HASH_SIZE);
        answer = PH_MERKLE_SOURCE_OK;
    }
    sqlite3_reset(stmt);
    return answer;
}

static int source_leaf_hash(void *ctx, uint64_t index, uint8_t out[PH_MERKLE_HASH_SIZE])
{
    /* A leaf the log does not have is an error of the caller, not a gap. */
    int got = read_hash(ctx, sql_leaf_hash, (int64_t)index, 0, false, out);
    return got == PH_MERKLE_SOURCE_OK ? PH_MERKLE_SOURCE_OK : -1;
}

static int source_node_hash(void *ctx, unsigned level, uint64_t index, uint8_t out[PH_MERKLE_HASH_SIZE])
{
    return read_hash(ctx, sql_node_hash, (int64_t)level, (int64_t)index, true, out);
}

void ph_tlog_source(struct ph_registry *reg, struct ph_merkle_source *out)
{
    out->ctx = reg;
    out->leaf_hash = source_leaf_hash;
    out->node_hash = source_node_hash;
}

/* Stores the subtree hashes leaf `index` completes. */
static ph_status append_nodes(struct ph_registry *reg, int64_t index, const uint8_t leaf_hash[PH_MERKLE_HASH_SIZE],
                              struct ph_problems *problems)
{
    struct ph_merkle_source source;
    ph_tlog_source(reg, &source);
    struct ph_merkle_node nodes[63];
    size_t count = 0;
    if (ph_merkle_append_nodes(&source, (uint64_t)index, leaf_hash, nodes, &count) != PH_MERKLE_OK) {
        ph_db_problem(reg, problems, "log subtree hashes");
        return PH_ERR_INTERNAL;
    }
    ph_status st = PH_OK;
    for (size_t i = 0; i < count && st == PH_OK; i++) {
        sqlite3_stmt *insert = ph_stmt(reg, sql_insert_node, problems);
        if (insert == NULL)
            return PH_ERR_INTERNAL;
        sqlite3_bind_int64(insert, 1, (int64_t)nodes[i].level);
        sqlite3_bind_int64(insert, 2, (int64_t)nodes[i].index);
        sqlite3_bind_blob(insert, 3, nodes[i].hash, PH_MERKLE_HASH_SIZE, SQLITE_STATIC);
        st = ph_stmt_exec(reg, insert, "log node", problems);
    }
    return st;
}

ph_status ph_tlog_backfill_nodes(struct ph_registry *reg, struct ph_problems *problems)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, "SELECT idx, leaf_hash FROM log_leaves ORDER BY idx", -1, &stmt, NULL) !=
        SQLITE_OK) {
        ph_db_problem(reg, problems, "log backfill");
        return PH_ERR_INTERNAL;
    }
    ph_status st = PH_OK;
    while (st == PH_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        uint8_t hash[PH_MERKLE_HASH_SIZE];
        if (sqlite3_column_bytes(stmt, 1) != PH_MERKLE_HASH_SIZE) {
            ph_db_problem(reg, problems, "log backfill: a leaf hash is not 32 bytes");
            st = PH_ERR_INTERNAL;
            break;
        }
        memcpy(hash, sqlite3_column_blob(stmt, 1), sizeof hash);
        st = append_nodes(reg, sqlite3_column_int64(stmt, 0), hash, problems);
    }
    sqlite3_finalize(stmt);
    return st;
}

static const char sql_next_index[] = "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves";
static const char sql_insert_leaf[] =
    "INSERT INTO log_leaves (idx, event, data, leaf_hash, created_at) VALUES (?, ?, ?, ?, ?)";

ph_status ph_tlog_append(struct ph_registry *reg, const char *event, json_t *record, int64_t *out_index,
                         struct ph_problems *problems)
{
    char now[32];
    ph_now_utc(now);
    if (json_object_set_new(record, "event", json_string(event)) != 0 ||
        json_object_set_new(record, "time", json_string(now)) != 0) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    char *data = json_dumps(record, PH_JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (data == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    size_t data_len = strlen(data);

    unsigned char leaf_hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state state;
    const unsigned char leaf_prefix = 0x00;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, &leaf_prefix, 1);
    crypto_hash_sha256_update(&state, (const unsigned char *)data, data_len);
    crypto_hash_sha256_final(&state, leaf_hash);

    ph_status st = PH_ERR_INTERNAL;
    int64_t index = -1;
    sqlite3_stmt *next = ph_stmt(reg, sql_next_index, problems);
    if (next != NULL && sqlite3_step(next) == SQLITE_ROW)
        index = sqlite3_column_int64(next, 0);
    if (next != NULL)
        sqlite3_reset(next);
    sqlite3_stmt *insert = index >= 0 ? ph_stmt(reg, sql_insert_leaf, problems) : NULL;
    if (insert != NULL) {
        sqlite3_bind_int64(insert, 1, index);
        sqlite3_bind_text(insert, 2, event, -1, SQLITE_STATIC);
        sqlite3_bind_blob(insert, 3, data, (int)data_len, SQLITE_STATIC);
        sqlite3_bind_blob(insert, 4, leaf_hash, sizeof leaf_hash, SQLITE_STATIC);
        sqlite3_bind_text(insert, 5, now, -1, SQLITE_STATIC);
        st = ph_stmt_exec(reg, insert, "log append", problems);
        if (st == PH_OK)
            st = append_nodes(reg, index, leaf_hash, problems);
    } else if (next != NULL && index < 0) {
        ph_db_problem(reg, problems, "log index");
    }
    free(data);
    if (st == PH_OK && out_index != NULL)
        *out_index = index;
    return st;
}
