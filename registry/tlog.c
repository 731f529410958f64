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
static const char sql_mark_products[] = "INSERT INTO log_marks (name, log_size) VALUES ('products', ?)"
                                        " ON CONFLICT (name) DO UPDATE SET log_size = excluded.log_size";

bool ph_log_event_is_document(const char *event)
{
    return strcmp(event, "document_published") == 0 || strcmp(event, "document_version_published") == 0;
}
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
        if (st == PH_OK && !ph_log_event_is_document(event)) {
            sqlite3_stmt *mark = ph_stmt(reg, sql_mark_products, problems);
            if (mark == NULL) {
                st = PH_ERR_INTERNAL;
            } else {
                sqlite3_bind_int64(mark, 1, index + 1);
                st = ph_stmt_exec(reg, mark, "log mark", problems);
            }
        }
    } else if (next != NULL && index < 0) {
        ph_db_problem(reg, problems, "log index");
    }
    free(data);
    if (st == PH_OK && out_index != NULL)
        *out_index = index;
    return st;
}

/* --- reading the log (public, registry.h) ----------------------------------- */

static json_t *hash_b64(const uint8_t hash[PH_MERKLE_HASH_SIZE])
{
    char text[sodium_base64_ENCODED_LEN(PH_MERKLE_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(text, sizeof text, hash, PH_MERKLE_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
    return json_string(text);
}

static json_t *proof_json(const struct ph_merkle_proof *proof)
{
    json_t *list = json_array();
    for (size_t i = 0; i < proof->len; i++)
        json_array_append_new(list, hash_b64(proof->hash[i]));
    return list;
}

/* The current size, checked against a size asked for (0 < size <= current). */
static ph_status checked_size(struct ph_registry *reg, int64_t size, const char *field, struct ph_problems *problems)
{
    int64_t current = 0;
    int64_t last = 0;
    ph_status st = ph_registry_state(reg, &current, &last, problems);
    if (st != PH_OK)
        return st;
    if (size < 1 || size > current) {
        ph_problems_add(problems, "log_size_invalid", field, "日志现在有 %lld 条记录；这个数要在 1 到 %lld 之间。",
                        (long long)current, (long long)current);
        return PH_ERR_BAD_REQUEST;
    }
    return PH_OK;
}

static ph_status merkle_problem(struct ph_registry *reg, ph_merkle_status ms, struct ph_problems *problems)
{
    if (ms == PH_MERKLE_OK)
        return PH_OK;
    ph_db_problem(reg, problems, ph_merkle_status_str(ms));
    return PH_ERR_INTERNAL;
}

/* Sizes, roots and proofs of one answer come from one read snapshot
 * (ph_read_begin). */
ph_status ph_log_root(struct ph_registry *reg, int64_t *out_size, uint8_t out_root[32], struct ph_problems *problems)
{
    bool own = ph_read_begin(reg);
    int64_t last = 0;
    ph_status st = ph_registry_state(reg, out_size, &last, problems);
    struct ph_merkle_source source;
    ph_tlog_source(reg, &source);
    if (st == PH_OK)
        st = merkle_problem(reg, ph_merkle_root(&source, (uint64_t)*out_size, out_root), problems);
    ph_read_end(reg, own);
    return st;
}

ph_status ph_log_leaf(struct ph_registry *reg, int64_t index, json_t **out, struct ph_problems *problems)
{
    *out = NULL;
    static const char sql[] = "SELECT event, data, leaf_hash, created_at FROM log_leaves WHERE idx = ?";
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(stmt, 1, index);
    ph_status st = PH_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 2) == PH_MERKLE_HASH_SIZE) {
        const unsigned char *data = sqlite3_column_blob(stmt, 1);
        size_t len = (size_t)sqlite3_column_bytes(stmt, 1);
        char *b64 = malloc(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL));
        json_t *record = json_loadb((const char *)data, len, 0, NULL);
        if (b64 != NULL) {
            sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), data, len,
                              sodium_base64_VARIANT_ORIGINAL);
            *out = json_object();
            json_object_set_new(*out, "index", json_integer(index));
            json_object_set_new(*out, "event", json_string(ph_column_text(stmt, 0)));
            json_object_set_new(*out, "created_at", json_string(ph_column_text(stmt, 3)));
            json_object_set_new(*out, "data_base64", json_string(b64));
            json_object_set_new(*out, "leaf_hash", hash_b64(sqlite3_column_blob(stmt, 2)));
            json_object_set_new(*out, "record", record != NULL ? record : json_null());
            record = NULL;
        }
        json_decref(record);
        free(b64);
        if (*out == NULL) {
            ph_problems_add(problems, "internal", "", "内存不足。");
            st = PH_ERR_INTERNAL;
        }
    } else {
        ph_problems_add(problems, "log_leaf_not_found", "index", "日志里没有第 %lld 条记录。", (long long)index);
        st = PH_ERR_NOT_FOUND;
    }
    sqlite3_reset(stmt);
    return st;
}

ph_status ph_log_inclusion(struct ph_registry *reg, int64_t index, int64_t size, json_t **out,
                           struct ph_problems *problems)
{
    *out = NULL;
    bool own = ph_read_begin(reg);
    ph_status st = checked_size(reg, size, "size", problems);
    if (st == PH_OK && (index < 0 || index >= size)) {
        ph_problems_add(problems, "log_index_invalid", "index", "记录的编号要在 0 到 %lld 之间。",
                        (long long)(size - 1));
        st = PH_ERR_BAD_REQUEST;
    }
    struct ph_merkle_source source;
    ph_tlog_source(reg, &source);
    struct ph_merkle_proof *proof = st == PH_OK ? malloc(sizeof *proof) : NULL;
    uint8_t root[PH_MERKLE_HASH_SIZE];
    uint8_t leaf[PH_MERKLE_HASH_SIZE];
    if (st == PH_OK && proof == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        st = PH_ERR_INTERNAL;
    }
    if (st == PH_OK)
        st = merkle_problem(reg, ph_merkle_inclusion_proof(&source, (uint64_t)index, (uint64_t)size, proof), problems);
    if (st == PH_OK)
        st = merkle_problem(reg, ph_merkle_root(&source, (uint64_t)size, root), problems);
    if (st == PH_OK && source.leaf_hash(reg, (uint64_t)index, leaf) != PH_MERKLE_SOURCE_OK)
        st = merkle_problem(reg, PH_MERKLE_ERR_SOURCE, problems);
    if (st == PH_OK) {
        *out = json_object();
        json_object_set_new(*out, "index", json_integer(index));
        json_object_set_new(*out, "size", json_integer(size));
        json_object_set_new(*out, "leaf_hash", hash_b64(leaf));
        json_object_set_new(*out, "root", hash_b64(root));
        json_object_set_new(*out, "proof", proof_json(proof));
    }
    free(proof);
    ph_read_end(reg, own);
    return st;
}

ph_status ph_log_consistency(struct ph_registry *reg, int64_t from, int64_t to, json_t **out,
                             struct ph_problems *problems)
{
    *out = NULL;
    bool own = ph_read_begin(reg);
    ph_status st = checked_size(reg, to, "to", problems);
    if (st == PH_OK && (from < 1 || from > to)) {
        ph_problems_add(problems, "log_size_invalid", "from", "from 要在 1 到 %lld 之间。", (long long)to);
        st = PH_ERR_BAD_REQUEST;
    }
    struct ph_merkle_source source;
    ph_tlog_source(reg, &source);
    struct ph_merkle_proof *proof = st == PH_OK ? malloc(sizeof *proof) : NULL;
    uint8_t root_from[PH_MERKLE_HASH_SIZE];
    uint8_t root_to[PH_MERKLE_HASH_SIZE];
    if (st == PH_OK && proof == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        st = PH_ERR_INTERNAL;
    }
    if (st == PH_OK)
        st = merkle_problem(reg, ph_merkle_consistency_proof(&source, (uint64_t)from, (uint64_t)to, proof), problems);
    if (st == PH_OK)
        st = merkle_problem(reg, ph_merkle_root(&source, (uint64_t)from, root_from), problems);
    if (st == PH_OK)
        st = merkle_problem(reg, ph_merkle_root(&source, (uint64_t)to, root_to), problems);
    if (st == PH_OK) {
        *out = json_object();
        json_object_set_new(*out, "from", json_integer(from));
        json_object_set_new(*out, "to", json_integer(to));
        json_object_set_new(*out, "root_from", hash_b64(root_from));
        json_object_set_new(*out, "root_to", hash_b64(root_to));
        json_object_set_new(*out, "proof", proof_json(proof));
    }
    free(proof);
    ph_read_end(reg, own);
    return st;
}
