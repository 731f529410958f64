/*
 * tests/bench/bench_merkle.c - how long an inclusion and a consistency proof
 * take at 1,000,000 leaves (issue 5, acceptance point 5: under 1 ms).
 * Not a test: nothing here is registered with ctest.
 *
 *   bench_merkle [--leaves 1000000] [--proofs 20000] [--no-sqlite] [--dir /tmp]
 *
 * 1. Builds a tree of --leaves leaf hashes in a ph_merkle_memtree (every
 *    leaf and perfect-subtree hash in memory) and times the appends.
 * 2. Times --proofs inclusion proofs (random index, at the full size and at
 *    random older sizes) and --proofs consistency proofs (random old size
 *    to the full size), one clock reading around each; every proof is then
 *    verified against the root (untimed), so a fast wrong answer cannot
 *    pass.
 * 3. For contrast, times a few inclusion proofs with no stored subtrees
 *    (node_hash NULL): each reads every other leaf.
 * 4. Unless --no-sqlite: the same tree in SQLite, in a fresh database file
 *    under --dir, laid out as the registry would store it - leaf hashes in
 *    log_leaves(idx, leaf_hash), perfect-subtree hashes in
 *    log_nodes(level, idx, hash) WITHOUT ROWID, each written with its leaf
 *    using ph_merkle_append_nodes() - and the same proofs through a source
 *    of two cached prepared statements, on a connection opened as the
 *    registry opens them (SQLite's default 2 MB page cache over the OS
 *    cache): with each lookup in its own implicit read transaction, with
 *    one read transaction (BEGIN ... COMMIT, timed) around each proof, and
 *    the same with PRAGMA mmap_size = 256 MiB.
 *
 * Prints one JSON document on stdout (times in microseconds: median, p90,
 * p99, max per proof); progress goes to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "registry/merkle.h"

#define HASH PH_MERKLE_HASH_SIZE

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

__attribute__((format(printf, 1, 2))) static void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_merkle: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_merkle: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* xorshift64*: the same picks on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_below(uint64_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 0x2545F4914F6CDD1Dull) % n;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stats {
    double median, p90, p99, max;
};

static struct stats stats_of(double *samples, size_t n)
{
    qsort(samples, n, sizeof samples[0], compare_doubles);
    struct stats s = {
        .median = samples[n / 2],
        .p90 = samples[(size_t)((double)(n - 1) * 0.90)],
        .p99 = samples[(size_t)((double)(n - 1) * 0.99)],
        .max = samples[n - 1],
    };
    return s;
}

static void print_stats(const char *name, struct stats s, bool last)
{
    printf("    \"%s\": {\"median_us\": %.2f, \"p90_us\": %.2f, \"p99_us\": %.2f, \"max_us\": %.2f}%s\n",
           name, s.median, s.p90, s.p99, s.max, last ? "" : ",");
}

/* --- the timed workloads ----------------------------------------------------- */

enum workload { INCLUSION_AT_SIZE, INCLUSION_AT_OLDER_SIZE, CONSISTENCY };

/* A read transaction around each proof (NULL: none), as prepared BEGIN
 * and COMMIT statements. */
struct read_tx {
    sqlite3_stmt *begin;
    sqlite3_stmt *commit;
};

static void step_reset(sqlite3_stmt *stmt)
{
    if (sqlite3_step(stmt) != SQLITE_DONE)
        die("%s failed", sqlite3_sql(stmt));
    sqlite3_reset(stmt);
}

/* Times `count` proofs of one kind over source (inside one read
 * transaction each when tx is not NULL) and verifies each against the
 * roots the reference source gives. */
static struct stats time_proofs(const struct ph_merkle_source *source, const struct read_tx *tx,
                                const struct ph_merkle_source *reference, const uint8_t (*leaves)[HASH],
                                uint64_t size, enum workload kind, size_t count)
{
    double *samples = malloc(count * sizeof *samples);
    if (samples == NULL)
        die("out of memory");
    uint8_t root_full[HASH];
    if (ph_merkle_root(reference, size, root_full) != PH_MERKLE_OK)
        die("root");
    for (size_t i = 0; i < count; i++) {
        uint64_t n = kind == INCLUSION_AT_OLDER_SIZE ? 1 + rng_below(size) : size;
        uint64_t a = kind == CONSISTENCY ? 1 + rng_below(size - 1) : rng_below(n);
        struct ph_merkle_proof proof;
        double start = now_us();
        if (tx != NULL)
            step_reset(tx->begin);
        ph_merkle_status st = kind == CONSISTENCY ? ph_merkle_consistency_proof(source, a, n, &proof)
                                                  : ph_merkle_inclusion_proof(source, a, n, &proof);
        if (tx != NULL)
            step_reset(tx->commit);
        samples[i] = now_us() - start;
        if (st != PH_MERKLE_OK)
            die("proof failed: %s", ph_merkle_status_str(st));
        uint8_t root[HASH];
        if (ph_merkle_root(reference, kind == CONSISTENCY ? a : n, root) != PH_MERKLE_OK)
            die("root");
        st = kind == CONSISTENCY ? ph_merkle_verify_consistency(a, n, root, root_full, &proof)
                                 : ph_merkle_verify_inclusion(leaves[a], a, n, &proof, root);
        if (st != PH_MERKLE_OK)
            die("a proof did not verify: %s", ph_merkle_status_str(st));
    }
    struct stats s = stats_of(samples, count);
    free(samples);
    return s;
}

/* --- SQLite, laid out as the registry would ------------------------------------ */

struct sql_source {
    sqlite3 *db;
    sqlite3_stmt *leaf;
    sqlite3_stmt *node;
};

static int sql_leaf_hash(void *ctx, uint64_t index, uint8_t out[HASH])
{
    struct sql_source *s = ctx;
    int rc = -1;
    sqlite3_bind_int64(s->leaf, 1, (sqlite3_int64)index);
    if (sqlite3_step(s->leaf) == SQLITE_ROW && sqlite3_column_bytes(s->leaf, 0) == HASH) {
        memcpy(out, sqlite3_column_blob(s->leaf, 0), HASH);
        rc = PH_MERKLE_SOURCE_OK;
    }
    sqlite3_reset(s->leaf);
    return rc;
}

static int sql_node_hash(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH])
{
    struct sql_source *s = ctx;
    int rc = -1;
    sqlite3_bind_int(s->node, 1, (int)level);
    sqlite3_bind_int64(s->node, 2, (sqlite3_int64)index);
    int step = sqlite3_step(s->node);
    if (step == SQLITE_ROW && sqlite3_column_bytes(s->node, 0) == HASH) {
        memcpy(out, sqlite3_column_blob(s->node, 0), HASH);
        rc = PH_MERKLE_SOURCE_OK;
    } else if (step == SQLITE_DONE) {
        rc = PH_MERKLE_SOURCE_MISSING;
    }
    sqlite3_reset(s->node);
    return rc;
}

static void sql_exec(sqlite3 *db, const char *sql)
{
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
        die("%s: %s", sql, error != NULL ? error : "?");
}

static sqlite3_stmt *sql_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        die("%s: %s", sql, sqlite3_errmsg(db));
    return stmt;
}

static void sql_step_done(sqlite3 *db, sqlite3_stmt *stmt)
{
    if (sqlite3_step(stmt) != SQLITE_DONE)
        die("insert: %s", sqlite3_errmsg(db));
    sqlite3_reset(stmt);
}

static double sql_number(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = sql_prepare(db, sql);
    if (sqlite3_step(stmt) != SQLITE_ROW)
        die("%s: %s", sql, sqlite3_errmsg(db));
    double value = sqlite3_column_double(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* Fills a fresh database with the leaves, appending as a writer would:
 * the leaf row, then the perfect subtrees it completes, in one
 * transaction per 10,000 leaves. Returns microseconds per leaf. */
static double sql_fill(struct sql_source *s, const uint8_t (*leaves)[HASH], uint64_t count)
{
    sql_exec(s->db,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
             "CREATE TABLE log_leaves (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL);"
             "CREATE TABLE log_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
             " PRIMARY KEY (level, idx)) WITHOUT ROWID;");
    sqlite3_stmt *insert_leaf = sql_prepare(s->db, "INSERT INTO log_leaves (idx, leaf_hash) VALUES (?, ?)");
    sqlite3_stmt *insert_node =
        sql_prepare(s->db, "INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)");
    s->leaf = sql_prepare(s->db, "SELECT leaf_hash FROM log_leaves WHERE idx = ?");
    s->node = sql_prepare(s->db, "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?");
    struct ph_merkle_source source = {.ctx = s, .leaf_hash = sql_leaf_hash, .node_hash = sql_node_hash};
    double start = now_us();
    for (uint64_t i = 0; i < count; i++) {
        if (i % 10000 == 0)
            sql_exec(s->db, "BEGIN");
        sqlite3_bind_int64(insert_leaf, 1, (sqlite3_int64)i);
        sqlite3_bind_blob(insert_leaf, 2, leaves[i], HASH, SQLITE_STATIC);
        sql_step_done(s->db, insert_leaf);
        struct ph_merkle_node nodes[PH_MERKLE_LEVELS - 1];
        size_t node_count = 0;
        if (ph_merkle_append_nodes(&source, i, leaves[i], nodes, &node_count) != PH_MERKLE_OK)
            die("append_nodes at %llu", (unsigned long long)i);
        for (size_t k = 0; k < node_count; k++) {
            sqlite3_bind_int(insert_node, 1, (int)nodes[k].level);
            sqlite3_bind_int64(insert_node, 2, (sqlite3_int64)nodes[k].index);
            sqlite3_bind_blob(insert_node, 3, nodes[k].hash, HASH, SQLITE_TRANSIENT);
            sql_step_done(s->db, insert_node);
        }
        if (i % 10000 == 9999 || i + 1 == count)
            sql_exec(s->db, "COMMIT");
    }
    double per_leaf = (now_us() - start) / (double)count;
    sqlite3_finalize(insert_leaf);
    sqlite3_finalize(insert_node);
    return per_leaf;
}

/* --- main ----------------------------------------------------------------------- */

static uint64_t parse_count(const char *text, const char *option)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 2 || value > (1ull << 32))
        die("%s: expected a number from 2 to 2^32, got \"%s\"", option, text);
    return (uint64_t)value;
}

int main(int argc, char **argv)
{
    uint64_t leaf_count = 1000000;
    size_t proof_count = 20000;
    bool with_sqlite = true;
    const char *dir = "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--leaves") == 0 && i + 1 < argc)
            leaf_count = parse_count(argv[++i], "--leaves");
        else if (strcmp(argv[i], "--proofs") == 0 && i + 1 < argc)
            proof_count = (size_t)parse_count(argv[++i], "--proofs");
        else if (strcmp(argv[i], "--no-sqlite") == 0)
            with_sqlite = false;
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else
            die("usage: bench_merkle [--leaves N] [--proofs N] [--no-sqlite] [--dir DIR]");
    }

    uint8_t(*leaves)[HASH] = malloc((size_t)leaf_count * HASH);
    if (leaves == NULL)
        die("out of memory");
    for (uint64_t i = 0; i < leaf_count; i++) {
        char data[64];
        int len = snprintf(data, sizeof data, "{\"event\":\"bench\",\"n\":%llu}", (unsigned long long)i);
        ph_merkle_leaf_hash(data, (size_t)len, leaves[i]);
    }

    progress("building the in-memory tree of %llu leaves", (unsigned long long)leaf_count);
    struct ph_merkle_memtree tree;
    ph_merkle_memtree_init(&tree, leaf_count);
    double start = now_us();
    for (uint64_t i = 0; i < leaf_count; i++) {
        if (ph_merkle_memtree_append(&tree, leaves[i]) != PH_MERKLE_OK)
            die("memtree append at %llu", (unsigned long long)i);
    }
    double append_us = (now_us() - start) / (double)leaf_count;
    struct ph_merkle_source memory = ph_merkle_memtree_source(&tree);
    uint8_t root[HASH];
    start = now_us();
    ph_merkle_root(&memory, leaf_count, root);
    double root_us = now_us() - start;

    progress("timing %zu proofs of each kind (memtree)", proof_count);
    const uint8_t(*leaf_hashes)[HASH] = (const uint8_t(*)[HASH])leaves;
    struct stats mem_inclusion =
        time_proofs(&memory, NULL, &memory, leaf_hashes, leaf_count, INCLUSION_AT_SIZE, proof_count);
    struct stats mem_inclusion_older =
        time_proofs(&memory, NULL, &memory, leaf_hashes, leaf_count, INCLUSION_AT_OLDER_SIZE, proof_count);
    struct stats mem_consistency =
        time_proofs(&memory, NULL, &memory, leaf_hashes, leaf_count, CONSISTENCY, proof_count);

    progress("timing 5 inclusion proofs from leaf hashes only (no stored subtrees)");
    struct ph_merkle_source leaves_only = {.ctx = &tree, .leaf_hash = memory.leaf_hash, .node_hash = NULL};
    struct stats no_cache =
        time_proofs(&leaves_only, NULL, &memory, leaf_hashes, leaf_count, INCLUSION_AT_SIZE, 5);

    printf("{\n  \"leaves\": %llu,\n  \"proofs_per_kind\": %zu,\n", (unsigned long long)leaf_count,
           proof_count);
    printf("  \"memtree\": {\n    \"append_us_per_leaf\": %.3f,\n    \"root_us\": %.2f,\n", append_us,
           root_us);
    print_stats("inclusion_at_full_size", mem_inclusion, false);
    print_stats("inclusion_at_older_size", mem_inclusion_older, false);
    print_stats("consistency_to_full_size", mem_consistency, false);
    print_stats("inclusion_without_stored_subtrees", no_cache, true);
    printf("  }");

    if (with_sqlite) {
        char path[512];
        snprintf(path, sizeof path, "%s/bench_merkle_%ld.db", dir, (long)getpid());
        progress("filling %s", path);
        struct sql_source sql = {0};
        if (sqlite3_open(path, &sql.db) != SQLITE_OK)
            die("cannot open %s", path);
        double fill_us = sql_fill(&sql, leaf_hashes, leaf_count);
        sql_exec(sql.db, "PRAGMA wal_checkpoint(TRUNCATE)");
        double file_mb =
            sql_number(sql.db, "PRAGMA page_count") * sql_number(sql.db, "PRAGMA page_size") / 1e6;
        double node_rows = sql_number(sql.db, "SELECT COUNT(*) FROM log_nodes");
        struct ph_merkle_source from_sql = {
            .ctx = &sql, .leaf_hash = sql_leaf_hash, .node_hash = sql_node_hash};
        uint8_t sql_root[HASH];
        if (ph_merkle_root(&from_sql, leaf_count, sql_root) != PH_MERKLE_OK ||
            memcmp(sql_root, root, HASH) != 0)
            die("the SQLite tree's root differs from the memtree's");
        /* Each lookup in its own implicit read transaction (a lock and a
         * WAL check per statement); one read transaction per proof, as the
         * server should run it; the same with the file memory-mapped. */
        enum { SQL_MODES = 3 };
        static const char *const modes[SQL_MODES] = {"sqlite_autocommit_per_lookup",
                                                     "sqlite_one_read_transaction",
                                                     "sqlite_one_read_transaction_mmap_256mb"};
        struct read_tx tx = {.begin = sql_prepare(sql.db, "BEGIN"), .commit = sql_prepare(sql.db, "COMMIT")};
        struct stats sql_inclusion[SQL_MODES];
        struct stats sql_inclusion_older[SQL_MODES];
        struct stats sql_consistency[SQL_MODES];
        for (size_t m = 0; m < SQL_MODES; m++) {
            const struct read_tx *around = m == 0 ? NULL : &tx;
            if (m == 2)
                sql_exec(sql.db, "PRAGMA mmap_size = 268435456");
            progress("timing %zu proofs of each kind (%s)", proof_count, modes[m]);
            sql_inclusion[m] = time_proofs(&from_sql, around, &memory, leaf_hashes, leaf_count,
                                           INCLUSION_AT_SIZE, proof_count);
            sql_inclusion_older[m] = time_proofs(&from_sql, around, &memory, leaf_hashes, leaf_count,
                                                 INCLUSION_AT_OLDER_SIZE, proof_count);
            sql_consistency[m] =
                time_proofs(&from_sql, around, &memory, leaf_hashes, leaf_count, CONSISTENCY, proof_count);
        }
        sqlite3_finalize(tx.begin);
        sqlite3_finalize(tx.commit);
        sqlite3_finalize(sql.leaf);
        sqlite3_finalize(sql.node);
        sqlite3_close(sql.db);
        char wal[540];
        snprintf(wal, sizeof wal, "%s-wal", path);
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", path);
        unlink(wal);
        unlink(path);
        printf(",\n  \"sqlite_append_us_per_leaf\": %.3f,\n  \"sqlite_node_rows\": %.0f,\n"
               "  \"sqlite_file_mb\": %.1f",
               fill_us, node_rows, file_mb);
        for (size_t m = 0; m < SQL_MODES; m++) {
            printf(",\n  \"%s\": {\n", modes[m]);
            print_stats("inclusion_at_full_size", sql_inclusion[m], false);
            print_stats("inclusion_at_older_size", sql_inclusion_older[m], false);
            print_stats("consistency_to_full_size", sql_consistency[m], true);
            printf("  }");
        }
    }
    printf("\n}\n");
    ph_merkle_memtree_release(&tree);
    free(leaves);
    return 0;
}
