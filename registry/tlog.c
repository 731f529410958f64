/*
 * registry/tlog.c - appending leaves to the transparency log.
 *
 * Each registry event (a registration, a version, a withdrawal, a
 * suspension, a solvency report, an insurer) becomes one leaf whose bytes
 * are canonical JSON and whose hash is SHA-256(0x00 || bytes), RFC 9162
 * section 2.1.1. The Merkle tree, proofs and signed checkpoints over these
 * leaves are built by the disclosure work (issue 5); storing the exact
 * leaf bytes now, in the same transaction as the change, is what lets that
 * work prove the whole history later.
 */
#include <sodium.h>
#include <string.h>

#include "registry/internal.h"

void ph_sha256_hex(const void *bytes, size_t len, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytes, len);
    sodium_bin2hex(out, 65, digest, sizeof digest);
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
    } else if (next != NULL && index < 0) {
        ph_db_problem(reg, problems, "log index");
    }
    free(data);
    if (st == PH_OK && out_index != NULL)
        *out_index = index;
    return st;
}
