/* registry/registry.c - state of the whole registry. See registry.h. */
#include <string.h>
#include <time.h>

#include "registry/internal.h"

/* Leaves are numbered 0..n-1 with no gaps (append-only, in-transaction),
 * so the last one gives both the size and the time in O(log n). */
static const char sql_state[] =
    "SELECT COALESCE(MAX(idx) + 1, 0),"
    " COALESCE((SELECT CAST(strftime('%s', created_at) AS INTEGER) FROM log_leaves"
    "           ORDER BY idx DESC LIMIT 1), 0) FROM log_leaves";

ph_status ph_registry_state(struct ph_registry *reg, int64_t *out_log_size, int64_t *out_last_change_unix,
                            struct ph_problems *problems)
{
    sqlite3_stmt *stmt = ph_stmt(reg, sql_state, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    ph_status st = PH_ERR_INTERNAL;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *out_log_size = sqlite3_column_int64(stmt, 0);
        *out_last_change_unix = sqlite3_column_int64(stmt, 1);
        st = PH_OK;
    } else {
        ph_db_problem(reg, problems, "state");
    }
    sqlite3_reset(stmt);
    return st;
}

static const char sql_products_state[] = "SELECT log_size FROM log_marks WHERE name = 'products'";

ph_status ph_registry_products_state(struct ph_registry *reg, int64_t *out_log_size,
                                     struct ph_problems *problems)
{
    sqlite3_stmt *stmt = ph_stmt(reg, sql_products_state, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    int rc = sqlite3_step(stmt);
    /* No row: nothing logged since the table was made by an empty log. */
    *out_log_size = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ph_db_problem(reg, problems, "products state");
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

ph_status ph_registry_check_integrity(struct ph_registry *reg, struct ph_problems *problems)
{
    sqlite3_stmt *stmt = NULL;
    ph_status st = PH_ERR_INTERNAL;
    if (sqlite3_prepare_v2(reg->db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
        if (verdict != NULL && strcmp(verdict, "ok") == 0)
            st = PH_OK;
        else
            ph_problems_add(problems, "integrity_failed", "", "数据库完整性检查没有通过：%.200s",
                            verdict != NULL ? verdict : "?");
    } else {
        ph_db_problem(reg, problems, "integrity_check");
    }
    sqlite3_finalize(stmt);
    return st;
}
