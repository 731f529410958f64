/*
 * registry/db.c - opening connections and migrating the schema.
 *
 * Migrations are an append-only list of SQL scripts; PRAGMA user_version
 * says how many have run. Each runs in its own IMMEDIATE transaction and
 * re-reads user_version inside it, so two processes starting at once
 * cannot both apply one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "registry/internal.h"
#include "registry/search.h"
#include "registry/search_internal.h"

static const char *const migrations[] = {
    /* 1: the registry core (issue 2). */
    "CREATE TABLE insurers ("
    "  id INTEGER PRIMARY KEY,"
    "  uscc TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL UNIQUE,"
    "  short_name TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  website TEXT,"
    "  hotline TEXT,"
    "  created_at TEXT NOT NULL,"
    "  log_index INTEGER NOT NULL"
    ");"
    "CREATE TABLE solvency_reports ("
    "  id INTEGER PRIMARY KEY,"
    "  insurer_id INTEGER NOT NULL REFERENCES insurers(id),"
    "  quarter TEXT NOT NULL,"
    "  core_pct REAL NOT NULL,"
    "  comprehensive_pct REAL NOT NULL,"
    "  rating TEXT NOT NULL CHECK (rating IN ('A','B','C','D')),"
    "  recorded_at TEXT NOT NULL,"
    "  log_index INTEGER NOT NULL"
    ");"
    "CREATE INDEX solvency_latest ON solvency_reports(insurer_id, quarter DESC, id DESC);"
    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  insurer_id INTEGER NOT NULL REFERENCES insurers(id),"
    "  key_hash BLOB NOT NULL UNIQUE,"
    "  prefix TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  revoked_at TEXT"
    ");"
    "CREATE TABLE registration_counters ("
    "  year INTEGER PRIMARY KEY,"
    "  last_no INTEGER NOT NULL"
    ");"
    "CREATE TABLE products ("
    "  id INTEGER PRIMARY KEY,"
    "  registration_no TEXT NOT NULL UNIQUE,"
    "  insurer_id INTEGER NOT NULL REFERENCES insurers(id),"
    "  latest_version INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('published','suspended','withdrawn')),"
    "  name TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  registered_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  withdrawal_date TEXT,"
    "  withdrawal_reason TEXT,"
    "  suspended_at TEXT,"
    "  suspension_reason TEXT"
    ");"
    "CREATE INDEX products_insurer ON products(insurer_id);"
    /* A rowid table: bodies are 1-3 KB, and WITHOUT ROWID tables keep
     * rows that large in the b-tree with an overflow page each, which made
     * the file 3.3 times its content. */
    "CREATE TABLE product_versions ("
    "  id INTEGER PRIMARY KEY,"
    "  product_id INTEGER NOT NULL REFERENCES products(id),"
    "  version INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  body_sha256 TEXT NOT NULL,"
    "  change_reason TEXT,"
    "  created_at TEXT NOT NULL,"
    "  log_index INTEGER NOT NULL,"
    "  UNIQUE (product_id, version)"
    ");"
    "CREATE TRIGGER product_versions_no_update BEFORE UPDATE ON product_versions"
    " BEGIN SELECT RAISE(ABORT, 'product versions are immutable'); END;"
    "CREATE TRIGGER product_versions_no_delete BEFORE DELETE ON product_versions"
    " BEGIN SELECT RAISE(ABORT, 'product versions are immutable'); END;"
    /* REPLACE deletes without firing DELETE triggers (recursive_triggers is
     * off by default, and off in any tool a person may open the file with),
     * so an insert over an existing key is refused outright. */
    "CREATE TRIGGER product_versions_no_replace BEFORE INSERT ON product_versions"
    " WHEN EXISTS (SELECT 1 FROM product_versions"
    "              WHERE product_id = NEW.product_id AND version = NEW.version)"
    " BEGIN SELECT RAISE(ABORT, 'product versions are immutable'); END;"
    "CREATE TABLE log_leaves ("
    "  idx INTEGER PRIMARY KEY,"
    "  event TEXT NOT NULL,"
    "  data BLOB NOT NULL,"
    "  leaf_hash BLOB NOT NULL,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;"
    "CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;"
    "CREATE TRIGGER log_leaves_no_replace BEFORE INSERT ON log_leaves"
    " WHEN EXISTS (SELECT 1 FROM log_leaves WHERE idx = NEW.idx)"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;",

    /* 2: search (issue 3). The FTS5 index with our tokenizer, and the
     * filter values beside it; ph_db_migrate indexes existing products. */
    "CREATE VIRTUAL TABLE product_search USING fts5("
    "  name, insurer, summary, covered, not_covered, claim, labels, tokenize = 'puhui'"
    ");"
    "CREATE TABLE product_filters ("
    "  product_id INTEGER PRIMARY KEY REFERENCES products(id),"
    "  category TEXT NOT NULL,"
    "  age_min INTEGER NOT NULL,"
    "  age_max INTEGER NOT NULL,"
    "  premium_min_yuan REAL NOT NULL,"
    "  premium_max_yuan REAL NOT NULL,"
    "  preexisting TEXT NOT NULL,"
    "  questionnaire INTEGER NOT NULL,"
    "  insurer_id INTEGER NOT NULL REFERENCES insurers(id),"
    "  registered_at TEXT NOT NULL,"
    "  groups_mask INTEGER NOT NULL" /* bit i: the i-th value of ph_enum_target_group */
    ");"
    "CREATE INDEX product_filters_category ON product_filters(category);"
    "CREATE INDEX product_filters_insurer ON product_filters(insurer_id);"
    "CREATE TABLE product_groups ("
    "  product_id INTEGER NOT NULL REFERENCES products(id),"
    "  grp TEXT NOT NULL,"
    "  PRIMARY KEY (product_id, grp)"
    ") WITHOUT ROWID;"
    "CREATE INDEX product_groups_grp ON product_groups(grp, product_id);"
    "CREATE TABLE product_regions ("
    "  product_id INTEGER NOT NULL REFERENCES products(id),"
    "  region TEXT NOT NULL,"
    "  PRIMARY KEY (product_id, region)"
    ") WITHOUT ROWID;"
    "CREATE INDEX product_regions_region ON product_regions(region, product_id);",

    /* 3: the Merkle tree's perfect-subtree hashes (issue 5; registry/merkle.h),
     * written with each leaf so that roots and proofs read O(log n) hashes.
     * Append-only like the leaves; ph_db_migrate fills it for existing ones. */
    "CREATE TABLE log_nodes ("
    "  level INTEGER NOT NULL,"
    "  idx INTEGER NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  PRIMARY KEY (level, idx)"
    ") WITHOUT ROWID;"
    "CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;"
    "CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;"
    "CREATE TRIGGER log_nodes_no_replace BEFORE INSERT ON log_nodes"
    " WHEN EXISTS (SELECT 1 FROM log_nodes WHERE level = NEW.level AND idx = NEW.idx)"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;",

    /* 4: documents (issue 5): per product, versioned like products, with
     * their exact bytes and SHA-256; their own search index beside the
     * products' (the latest version of each document), and filter values. */
    "CREATE TABLE document_counters ("
    "  year INTEGER PRIMARY KEY,"
    "  last_no INTEGER NOT NULL"
    ");"
    "CREATE TABLE documents ("
    "  id INTEGER PRIMARY KEY,"
    "  document_no TEXT NOT NULL UNIQUE,"
    "  product_id INTEGER NOT NULL REFERENCES products(id),"
    "  insurer_id INTEGER NOT NULL REFERENCES insurers(id),"
    "  type TEXT NOT NULL,"
    "  latest_version INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL"
    ");"
    "CREATE INDEX documents_product ON documents(product_id);"
    "CREATE TABLE document_versions ("
    "  id INTEGER PRIMARY KEY,"
    "  document_id INTEGER NOT NULL REFERENCES documents(id),"
    "  version INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  content BLOB NOT NULL," /* the exact bytes, UTF-8 */
    "  content_sha256 TEXT NOT NULL,"
    "  published_on TEXT NOT NULL,"
    "  period TEXT,"
    "  change_reason TEXT,"
    "  created_at TEXT NOT NULL,"
    "  log_index INTEGER NOT NULL,"
    "  UNIQUE (document_id, version)"
    ");"
    "CREATE TRIGGER document_versions_no_update BEFORE UPDATE ON document_versions"
    " BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END;"
    "CREATE TRIGGER document_versions_no_delete BEFORE DELETE ON document_versions"
    " BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END;"
    "CREATE TRIGGER document_versions_no_replace BEFORE INSERT ON document_versions"
    " WHEN EXISTS (SELECT 1 FROM document_versions"
    "              WHERE document_id = NEW.document_id AND version = NEW.version)"
    " BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END;"
    "CREATE VIRTUAL TABLE document_search USING fts5("
    "  title, content, product, insurer, tokenize = 'puhui'"
    ");"
    "CREATE TABLE document_filters ("
    "  document_id INTEGER PRIMARY KEY REFERENCES documents(id),"
    "  product_id INTEGER NOT NULL REFERENCES products(id),"
    "  insurer_id INTEGER NOT NULL REFERENCES insurers(id),"
    "  type TEXT NOT NULL,"
    "  published_on TEXT NOT NULL" /* the product's category and regions: joined */
    ");"
    "CREATE INDEX document_filters_published ON document_filters(published_on);"
    "CREATE INDEX document_filters_product ON document_filters(product_id);",

    /* 5: the log's size after the last leaf that is not a document's
     * (registry.h, ph_registry_products_state), kept by ph_tlog_append in
     * the same transaction as every leaf: answers about products stay valid
     * in the search cache while insurers only publish documents. */
    "CREATE TABLE log_marks ("
    "  name TEXT PRIMARY KEY,"
    "  log_size INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "INSERT INTO log_marks (name, log_size)"
    " SELECT 'products', COALESCE(MAX(idx) + 1, 0) FROM log_leaves"
    " WHERE event NOT IN ('document_published', 'document_version_published');",
};

/* Work a migration needs beyond its SQL, run in the same transaction. */
static ph_status index_existing_products(struct ph_registry *reg, struct ph_problems *problems)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, "SELECT id FROM products ORDER BY id", -1, &stmt, NULL) != SQLITE_OK) {
        ph_db_problem(reg, problems, "index existing products");
        return PH_ERR_INTERNAL;
    }
    ph_status st = PH_OK;
    while (st == PH_OK && sqlite3_step(stmt) == SQLITE_ROW)
        st = ph_search_index_product(reg, sqlite3_column_int64(stmt, 0), problems);
    sqlite3_finalize(stmt);
    return st;
}

static ph_status (*const migration_followups[])(struct ph_registry *, struct ph_problems *) = {
    NULL,
    index_existing_products,
    ph_tlog_backfill_nodes,
    NULL,
    NULL,
};

_Static_assert(sizeof migrations / sizeof migrations[0] ==
                   sizeof migration_followups / sizeof migration_followups[0],
               "every migration has a follow-up slot");

int ph_registry_schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

void ph_db_problem(struct ph_registry *reg, struct ph_problems *problems, const char *what)
{
    /* SQLite's text goes to the operator's log, never to the client. */
    fprintf(stderr, "puhui: database error in %s: %s\n", what, sqlite3_errmsg(reg->db));
    ph_problems_add(problems, "internal", "", "服务器出了点问题，您提交的内容没有保存。请稍后再试。");
}

static int user_version(struct ph_registry *reg)
{
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(reg->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

ph_status ph_db_migrate(struct ph_registry *reg, struct ph_problems *problems)
{
    int target = ph_registry_schema_version();
    for (;;) {
        if (ph_tx_begin(reg, problems) != PH_OK)
            return PH_ERR_INTERNAL;
        int current = user_version(reg);
        if (current < 0 || current > target) {
            ph_tx_rollback(reg);
            ph_problems_add(problems, "schema_too_new", "",
                            "数据库的版本（%d）比本程序新（%d），请升级程序。", current, target);
            return PH_ERR_INTERNAL;
        }
        if (current == target) {
            ph_tx_rollback(reg);
            return PH_OK;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", current + 1);
        if (sqlite3_exec(reg->db, migrations[current], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(reg->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
            ph_db_problem(reg, problems, "migration");
            ph_tx_rollback(reg);
            return PH_ERR_INTERNAL;
        }
        if (migration_followups[current] != NULL && migration_followups[current](reg, problems) != PH_OK) {
            ph_tx_rollback(reg);
            return PH_ERR_INTERNAL;
        }
        if (ph_tx_commit(reg, problems) != PH_OK)
            return PH_ERR_INTERNAL;
    }
}

bool ph_read_begin(struct ph_registry *reg)
{
    return sqlite3_get_autocommit(reg->db) && sqlite3_exec(reg->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void ph_read_end(struct ph_registry *reg, bool began)
{
    if (began && sqlite3_exec(reg->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
}

static ph_status exec_pragma(struct ph_registry *reg, const char *sql, struct ph_problems *problems)
{
    if (sqlite3_exec(reg->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        ph_db_problem(reg, problems, sql);
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

ph_status ph_registry_open(const char *path, enum ph_open_mode mode, struct ph_registry **out,
                           struct ph_problems *problems)
{
    *out = NULL;
    if (sodium_init() < 0) {
        ph_problems_add(problems, "internal", "", "加密库无法初始化。");
        return PH_ERR_INTERNAL;
    }
    struct ph_registry *reg = calloc(1, sizeof *reg);
    if (reg == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    reg->read_only = mode == PH_OPEN_READ_ONLY;
    int flags = SQLITE_OPEN_NOMUTEX |
                (reg->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &reg->db, flags, NULL) != SQLITE_OK) {
        ph_problems_add(problems, "db_open_failed", "", "无法打开数据库文件 %s：%s", path,
                        reg->db != NULL ? sqlite3_errmsg(reg->db) : "内存不足");
        ph_registry_close(reg);
        return PH_ERR_INTERNAL;
    }
    sqlite3_extended_result_codes(reg->db, 1);
    sqlite3_busy_timeout(reg->db, 5000);
    /* The search's tokenizer and SQL helpers must exist on every connection
     * before anything touches the FTS5 table, migrations included. */
    if (ph_search_register_tokenizer(reg->db) != SQLITE_OK || ph_search_register_sql(reg->db) != SQLITE_OK) {
        ph_problems_add(problems, "internal", "", "无法在数据库连接上注册搜索组件。");
        ph_registry_close(reg);
        return PH_ERR_INTERNAL;
    }
    ph_status st = exec_pragma(reg, "PRAGMA foreign_keys = ON", problems);
    if (st == PH_OK && !reg->read_only)
        st = exec_pragma(reg, "PRAGMA journal_mode = WAL", problems);
    if (st == PH_OK)
        st = exec_pragma(reg, "PRAGMA synchronous = FULL", problems);
    if (st == PH_OK && !reg->read_only)
        st = ph_db_migrate(reg, problems);
    if (st == PH_OK && reg->read_only && user_version(reg) != ph_registry_schema_version()) {
        ph_problems_add(problems, "schema_mismatch", "", "数据库还没有升级到本程序的版本。");
        st = PH_ERR_INTERNAL;
    }
    if (st != PH_OK) {
        ph_registry_close(reg);
        return st;
    }
    *out = reg;
    return PH_OK;
}

void ph_registry_close(struct ph_registry *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < reg->stmt_count; i++)
        sqlite3_finalize(reg->stmts[i].stmt);
    sqlite3_close(reg->db);
    free(reg);
}

sqlite3_stmt *ph_stmt(struct ph_registry *reg, const char *sql, struct ph_problems *problems)
{
    for (size_t i = 0; i < reg->stmt_count; i++) {
        if (reg->stmts[i].sql == sql) {
            sqlite3_stmt *stmt = reg->stmts[i].stmt;
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
            return stmt;
        }
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(reg->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
        ph_db_problem(reg, problems, "prepare");
        return NULL;
    }
    if (reg->stmt_count < PH_STMT_CACHE_MAX) {
        reg->stmts[reg->stmt_count].sql = sql;
        reg->stmts[reg->stmt_count].stmt = stmt;
        reg->stmt_count++;
        return stmt;
    }
    /* The cache is sized for every statement in the registry; running out
     * is a programming error, reported rather than leaked. */
    sqlite3_finalize(stmt);
    ph_problems_add(problems, "internal", "", "服务器出了点问题，请稍后再试。");
    fprintf(stderr, "puhui: statement cache full; raise PH_STMT_CACHE_MAX\n");
    return NULL;
}

static ph_status tx_exec(struct ph_registry *reg, const char *verb, int depth, struct ph_problems *problems)
{
    char sql[48];
    snprintf(sql, sizeof sql, "%s ph_tx_%d", verb, depth);
    if (sqlite3_exec(reg->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        if (problems != NULL)
            ph_db_problem(reg, problems, verb);
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

ph_status ph_tx_begin(struct ph_registry *reg, struct ph_problems *problems)
{
    ph_status st;
    if (reg->tx_depth == 0) {
        st = PH_OK;
        if (sqlite3_exec(reg->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            ph_db_problem(reg, problems, "begin");
            st = PH_ERR_INTERNAL;
        }
    } else {
        st = tx_exec(reg, "SAVEPOINT", reg->tx_depth, problems);
    }
    if (st == PH_OK)
        reg->tx_depth++;
    return st;
}

ph_status ph_tx_commit(struct ph_registry *reg, struct ph_problems *problems)
{
    if (reg->tx_depth > 1) {
        reg->tx_depth--;
        return tx_exec(reg, "RELEASE", reg->tx_depth, problems);
    }
    if (sqlite3_exec(reg->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        ph_db_problem(reg, problems, "commit");
        ph_tx_rollback(reg);
        return PH_ERR_INTERNAL;
    }
    reg->tx_depth = 0;
    return PH_OK;
}

void ph_tx_rollback(struct ph_registry *reg)
{
    if (reg->tx_depth > 1) {
        reg->tx_depth--;
        tx_exec(reg, "ROLLBACK TO", reg->tx_depth, NULL);
        tx_exec(reg, "RELEASE", reg->tx_depth, NULL);
        return;
    }
    reg->tx_depth = 0;
    if (!sqlite3_get_autocommit(reg->db))
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
}

ph_status ph_tx_finish(struct ph_registry *reg, ph_status st, struct ph_problems *problems)
{
    if (st == PH_OK)
        return ph_tx_commit(reg, problems);
    ph_tx_rollback(reg);
    return st;
}

ph_status ph_stmt_exec(struct ph_registry *reg, sqlite3_stmt *stmt, const char *what,
                       struct ph_problems *problems)
{
    int rc = sqlite3_step(stmt);
    ph_status st = PH_OK;
    if (rc != SQLITE_DONE) {
        ph_db_problem(reg, problems, what);
        st = PH_ERR_INTERNAL;
    }
    sqlite3_reset(stmt);
    return st;
}

void ph_now_utc(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ph_today_china(char out[16])
{
    ph_date_china_after_days(0, out);
}

void ph_date_china_after_days(int64_t days, char out[16])
{
    time_t now = time(NULL) + 8 * 3600 + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

json_t *ph_column_json(sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);
    if (text == NULL)
        return NULL;
    return json_loadb(text, (size_t)sqlite3_column_bytes(stmt, column), 0, NULL);
}

const char *ph_column_text(sqlite3_stmt *stmt, int column)
{
    return (const char *)sqlite3_column_text(stmt, column);
}
