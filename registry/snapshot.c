/*
 * registry/snapshot.c - consistent copies and full walks for the public
 * exports (snapshot.h).
 *
 * The copy uses SQLite's online backup API in a single step
 * (sqlite3_backup_step(-1)), which holds one read lock on the source for
 * the whole copy: the copy is exactly one committed state, and writers
 * (WAL) go on meanwhile. The secrets are then removed from the copy, never
 * from the source, and VACUUM rewrites the file so that their old pages
 * are not left in it as free pages.
 */
#include "registry/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/internal.h"

const char *const ph_snapshot_private_tables[] = {"api_keys", NULL};

bool ph_snapshot_begin(struct ph_registry *reg)
{
    return ph_read_begin(reg);
}

void ph_snapshot_end(struct ph_registry *reg, bool began)
{
    ph_read_end(reg, began);
}

static ph_status copy_problem(sqlite3 *db, const char *what, struct ph_problems *problems)
{
    fprintf(stderr, "puhui: snapshot: %s: %s\n", what, db != NULL ? sqlite3_errmsg(db) : "out of memory");
    ph_problems_add(problems, "internal", "", "制作数据库副本时出错（%s），请稍后再试。", what);
    return PH_ERR_INTERNAL;
}

/* Empties the private tables of the copy, makes it one self-contained file
 * and reads its log size. */
static ph_status sanitise_copy(sqlite3 *copy, int64_t *out_log_size, struct ph_problems *problems)
{
    /* The copy carries the source's WAL flag in its header; a download is
     * one file, so back to a rollback journal before anything else. */
    if (sqlite3_exec(copy, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
        return copy_problem(copy, "journal mode", problems);
    for (size_t i = 0; ph_snapshot_private_tables[i] != NULL; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", ph_snapshot_private_tables[i]);
        if (sqlite3_exec(copy, sql, NULL, NULL, NULL) != SQLITE_OK)
            return copy_problem(copy, "private table", problems);
    }
    if (sqlite3_exec(copy, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
        return copy_problem(copy, "vacuum", problems);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(copy, "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves", -1, &stmt, NULL) !=
        SQLITE_OK)
        return copy_problem(copy, "log size", problems);
    ph_status st = PH_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        if (out_log_size != NULL)
            *out_log_size = sqlite3_column_int64(stmt, 0);
    } else {
        st = copy_problem(copy, "log size", problems);
    }
    sqlite3_finalize(stmt);
    return st;
}

ph_status ph_snapshot_sqlite(struct ph_registry *reg, const char *dest_path, int64_t *out_log_size,
                             struct ph_problems *problems)
{
    /* O_EXCL: never overwrite a file someone else is reading or made. */
    int fd = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) {
            ph_problems_add(problems, "snapshot_exists", "", "副本文件已经存在：%s", dest_path);
            return PH_ERR_CONFLICT;
        }
        fprintf(stderr, "puhui: snapshot: cannot create %s: %s\n", dest_path, strerror(errno));
        ph_problems_add(problems, "internal", "", "无法创建数据库副本文件，请稍后再试。");
        return PH_ERR_INTERNAL;
    }
    close(fd);

    sqlite3 *copy = NULL;
    ph_status st = PH_OK;
    if (sqlite3_open_v2(dest_path, &copy, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        st = copy_problem(copy, "open copy", problems);
    } else {
        sqlite3_busy_timeout(copy, 5000);
        sqlite3_backup *backup = sqlite3_backup_init(copy, "main", reg->db, "main");
        if (backup == NULL) {
            st = copy_problem(copy, "backup init", problems);
        } else {
            int rc = sqlite3_backup_step(backup, -1);
            int finish = sqlite3_backup_finish(backup);
            if (rc != SQLITE_DONE || finish != SQLITE_OK)
                st = copy_problem(copy, "backup", problems);
        }
    }
    if (st == PH_OK)
        st = sanitise_copy(copy, out_log_size, problems);
    if (copy != NULL && sqlite3_close(copy) != SQLITE_OK && st == PH_OK)
        st = copy_problem(NULL, "close copy", problems);
    if (st != PH_OK)
        unlink(dest_path);
    return st;
}

/* Steps `sql` (one text column: a key) in one read snapshot and hands
 * get(key)'s answer to row, one at a time. */
static ph_status
walk_keys(struct ph_registry *reg, const char *sql,
          ph_status (*get)(struct ph_registry *, const char *, int64_t, json_t **, struct ph_problems *),
          int (*row)(void *ctx, const json_t *value), void *ctx, struct ph_problems *problems)
{
    bool began = ph_read_begin(reg);
    sqlite3_stmt *stmt = NULL;
    ph_status st = PH_OK;
    if (sqlite3_prepare_v2(reg->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        ph_db_problem(reg, problems, "export walk");
        st = PH_ERR_INTERNAL;
    }
    int rc = st == PH_OK ? sqlite3_step(stmt) : SQLITE_DONE;
    while (st == PH_OK && rc == SQLITE_ROW) {
        json_t *value = NULL;
        st = get(reg, ph_column_text(stmt, 0), 0, &value, problems);
        if (st != PH_OK)
            break;
        int stop = row(ctx, value);
        json_decref(value);
        if (stop != 0)
            break;
        rc = sqlite3_step(stmt);
    }
    if (st == PH_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ph_db_problem(reg, problems, "export walk");
        st = PH_ERR_INTERNAL;
    }
    sqlite3_finalize(stmt);
    ph_read_end(reg, began);
    return st;
}

ph_status ph_snapshot_products_each(struct ph_registry *reg, int (*row)(void *ctx, const json_t *product),
                                    void *ctx, struct ph_problems *problems)
{
    return walk_keys(reg, "SELECT registration_no FROM products ORDER BY id", ph_product_get, row, ctx,
                     problems);
}

ph_status ph_snapshot_documents_each(struct ph_registry *reg, int (*row)(void *ctx, const json_t *document),
                                     void *ctx, struct ph_problems *problems)
{
    return walk_keys(reg, "SELECT document_no FROM documents ORDER BY document_no", ph_document_get, row, ctx,
                     problems);
}
