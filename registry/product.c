/*
 * registry/product.c - products and their immutable versions.
 *
 * A product row holds what changes (status, latest version, withdrawal,
 * suspension); each version row holds one canonical body, never changed.
 * Every public read is assembled from the two plus the insurer's current
 * solvency, so the facts of policy 十九 are always those of today.
 */
#include <stdio.h>
#include <string.h>

#include "registry/internal.h"
#include "registry/product_validate.h"
#include "registry/rules.h"
#include "registry/search.h"
#include "registry/validate.h"

bool ph_yearly_number_is_valid(const char *number, const char *prefix)
{
    /* XX-YYYY-NNNNNN */
    if (number == NULL || strlen(number) != 14 || strncmp(number, prefix, 2) != 0 || number[2] != '-' ||
        number[7] != '-')
        return false;
    for (int i = 3; i < 14; i++) {
        if (i != 7 && (number[i] < '0' || number[i] > '9'))
            return false;
    }
    return true;
}

bool ph_registration_no_is_valid(const char *regno)
{
    return ph_yearly_number_is_valid(regno, "PH");
}

static void product_not_found(struct ph_problems *problems, const char *regno)
{
    ph_problems_add(problems, "product_not_found", "registration_no",
                    "没有找到登记编号为“%.20s”的产品。请核对编号，格式像 PH-2026-000123。",
                    regno != NULL ? regno : "");
}

ph_status ph_stmt_for_number(struct ph_registry *reg, const char *sql, const char *number, const char *prefix,
                             void (*not_found)(struct ph_problems *, const char *), sqlite3_stmt **out,
                             struct ph_problems *problems)
{
    *out = NULL;
    if (!ph_yearly_number_is_valid(number, prefix)) {
        not_found(problems, number);
        return PH_ERR_NOT_FOUND;
    }
    *out = ph_stmt(reg, sql, problems);
    if (*out == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_text(*out, 1, number, -1, SQLITE_STATIC);
    return PH_OK;
}

static ph_status stmt_for_regno(struct ph_registry *reg, const char *sql, const char *regno, sqlite3_stmt **out,
                                struct ph_problems *problems)
{
    return ph_stmt_for_number(reg, sql, regno, "PH", product_not_found, out, problems);
}

/* --- writing ------------------------------------------------------------ */

static const char sql_next_regno[] =
    "INSERT INTO registration_counters (year, last_no) VALUES (?, 1)"
    " ON CONFLICT (year) DO UPDATE SET last_no = last_no + 1 RETURNING last_no";
static const char sql_insert_product[] =
    "INSERT INTO products (registration_no, insurer_id, latest_version, status, name, category,"
    " registered_at, updated_at) VALUES (?, ?, 1, 'published', ?, ?, ?, ?)";
static const char sql_insert_version[] =
    "INSERT INTO product_versions (product_id, version, body, body_sha256, change_reason,"
    " created_at, log_index) VALUES (?, ?, ?, ?, ?, ?, ?)";

ph_status ph_next_yearly_number(struct ph_registry *reg, const char *counter_sql, const char *prefix, char out[16],
                                const char *exhausted_code, const char *exhausted_message,
                                struct ph_problems *problems)
{
    char today[16];
    ph_today_china(today);
    int year = (today[0] - '0') * 1000 + (today[1] - '0') * 100 + (today[2] - '0') * 10 + (today[3] - '0');
    sqlite3_stmt *stmt = ph_stmt(reg, counter_sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int(stmt, 1, year);
    ph_status st = PH_ERR_INTERNAL;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(stmt, 0);
        if (n <= 999999) {
            snprintf(out, 16, "%.2s-%04d-%06d", prefix, year % 10000, (int)n);
            st = PH_OK;
        } else {
            ph_problems_add(problems, exhausted_code, "", "%s", exhausted_message);
        }
    } else {
        ph_db_problem(reg, problems, "number counter");
    }
    sqlite3_reset(stmt);
    return st;
}

static ph_status next_registration_no(struct ph_registry *reg, char out[16], struct ph_problems *problems)
{
    return ph_next_yearly_number(reg, sql_next_regno, "PH", out, "registration_no_exhausted",
                                 "今年的登记编号已经用完，请联系平台运营方。", problems);
}

/* Inserts one version row and its log leaf. `event` names the leaf. */
static ph_status insert_version(struct ph_registry *reg, int64_t product_id, const char *regno,
                                int64_t insurer_id, int64_t version, const json_t *body,
                                const char *change_reason, const char *event, struct ph_problems *problems)
{
    char *text = json_dumps(body, PH_JSON_COMPACT);
    if (text == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    char sha[65];
    ph_sha256_hex(text, strlen(text), sha);

    json_t *leaf =
        json_pack("{s:s, s:I, s:I, s:s, s:s?}", "registration_no", regno, "version", (json_int_t)version,
                  "insurer_id", (json_int_t)insurer_id, "body_sha256", sha, "change_reason", change_reason);
    int64_t log_index = -1;
    ph_status st = ph_tlog_append(reg, event, leaf, &log_index, problems);
    json_decref(leaf);

    char now[32];
    ph_now_utc(now);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_insert_version, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, product_id);
        sqlite3_bind_int64(stmt, 2, version);
        sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, sha, -1, SQLITE_STATIC);
        if (change_reason != NULL)
            sqlite3_bind_text(stmt, 5, change_reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 6, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 7, log_index);
        st = ph_stmt_exec(reg, stmt, "version insert", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    free(text);
    return st;
}

static json_t *write_result(const char *regno, int64_t version, json_t *warnings)
{
    char url[64];
    snprintf(url, sizeof url, "/api/v1/products/%s", regno);
    return json_pack("{s:s, s:I, s:s, s:O}", "registration_no", regno, "version", (json_int_t)version, "url",
                     url, "warnings", warnings);
}

ph_status ph_product_insert(struct ph_registry *reg, int64_t insurer_id, const json_t *product, json_t *warnings,
                           json_t **out, int64_t *out_product_id, struct ph_problems *problems)
{
    char regno[16];
    ph_status st = next_registration_no(reg, regno, problems);
    if (st != PH_OK)
        return st;
    char now[32];
    ph_now_utc(now);
    sqlite3_stmt *stmt = ph_stmt(reg, sql_insert_product, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_text(stmt, 1, regno, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, insurer_id);
    sqlite3_bind_text(stmt, 3, json_string_value(json_object_get(product, "name")), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, json_string_value(json_object_get(product, "category")), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        ph_db_problem(reg, problems, "product insert");
        return PH_ERR_INTERNAL;
    }
    int64_t product_id = sqlite3_last_insert_rowid(reg->db);
    if (out_product_id != NULL)
        *out_product_id = product_id;
    st = insert_version(reg, product_id, regno, insurer_id, 1, product, NULL, "product_registered", problems);
    if (st == PH_OK)
        st = ph_search_index_product(reg, product_id, problems);
    if (st == PH_OK)
        *out = write_result(regno, 1, warnings);
    return st;
}

ph_status ph_product_register(struct ph_registry *reg, int64_t insurer_id, const json_t *body, json_t **out,
                              struct ph_problems *problems)
{
    *out = NULL;
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *unused_reason = NULL;
    ph_status st =
        ph_product_validate(body, PH_VALIDATE_REGISTER, &product, &unused_reason, warnings, problems);
    if (st == PH_OK)
        st = ph_tx_begin(reg, problems);
    if (st == PH_OK) {
        st = ph_insurer_may_file(reg, insurer_id, problems);
        if (st == PH_OK)
            st = ph_product_insert(reg, insurer_id, product, warnings, out, NULL, problems);
        st = ph_tx_finish(reg, st, problems);
    }
    if (st != PH_OK) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(product);
    json_decref(warnings);
    return st;
}

ph_status ph_product_register_batch(struct ph_registry *reg, int64_t insurer_id, const json_t *bodies,
                                    json_t **out, struct ph_problems *problems)
{
    *out = NULL;
    if (!json_is_array(bodies)) {
        ph_problems_add(problems, json_is_null(bodies) || bodies == NULL ? "field_required" : "field_type",
                        "products", "请把要登记的产品放在「products」列表（数组）里。");
        return PH_ERR_INVALID;
    }
    size_t n = json_array_size(bodies);
    if (n == 0 || n > PH_BATCH_MAX) {
        ph_problems_add(problems, "batch_length", "products", "一次可以登记 1 到 %d 个产品，现在是 %zu 个。",
                        PH_BATCH_MAX, n);
        return PH_ERR_INVALID;
    }
    /* Validate everything first, so that the insurer hears every problem of
     * every product and no transaction is held while doing it. */
    json_t *products = json_array();
    json_t *warnings = json_array();
    ph_status st = PH_OK;
    for (size_t i = 0; i < n; i++) {
        snprintf(problems->field_prefix, sizeof problems->field_prefix, "products[%zu].", i);
        json_t *product = NULL;
        json_t *unused_reason = NULL;
        json_t *item_warnings = json_array();
        const json_t *body = json_array_get(bodies, i);
        if (!json_is_object(body)) {
            problems->field_prefix[0] = '\0';
            char field[32];
            snprintf(field, sizeof field, "products[%zu]", i);
            ph_problems_add(problems, "field_type", field, "第 %zu 个产品的格式不对，应该是对象。", i + 1);
            st = PH_ERR_INVALID;
        } else if (ph_product_validate(body, PH_VALIDATE_REGISTER, &product, &unused_reason, item_warnings,
                                       problems) != PH_OK) {
            st = PH_ERR_INVALID;
        }
        json_array_append_new(products, product != NULL ? product : json_null());
        json_array_append_new(warnings, item_warnings);
    }
    problems->field_prefix[0] = '\0';

    json_t *items = json_array();
    if (st == PH_OK)
        st = ph_tx_begin(reg, problems);
    if (st == PH_OK) {
        st = ph_insurer_may_file(reg, insurer_id, problems);
        for (size_t i = 0; i < n && st == PH_OK; i++) {
            json_t *result = NULL;
            st = ph_product_insert(reg, insurer_id, json_array_get(products, i), json_array_get(warnings, i),
                                   &result, NULL, problems);
            if (st == PH_OK)
                json_array_append_new(items, result);
        }
        st = ph_tx_finish(reg, st, problems);
    }
    if (st == PH_OK)
        *out = json_pack("{s:I, s:O}", "count", (json_int_t)n, "items", items);
    json_decref(items);
    json_decref(products);
    json_decref(warnings);
    return st;
}

/* The product row a writer needs; reset before returning. */
struct product_row {
    int64_t id;
    int64_t insurer_id;
    int64_t latest_version;
    char status[16];
    char registered_on[16]; /* in China time, like withdrawal dates */
};

static ph_status load_product_row(struct ph_registry *reg, const char *regno, struct product_row *row,
                                  struct ph_problems *problems)
{
    static const char sql[] = "SELECT id, insurer_id, latest_version, status, date(registered_at, '+8 hours')"
                              " FROM products WHERE registration_no = ?";
    sqlite3_stmt *stmt = NULL;
    ph_status found = stmt_for_regno(reg, sql, regno, &stmt, problems);
    if (found != PH_OK)
        return found;
    ph_status st = PH_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        row->id = sqlite3_column_int64(stmt, 0);
        row->insurer_id = sqlite3_column_int64(stmt, 1);
        row->latest_version = sqlite3_column_int64(stmt, 2);
        snprintf(row->status, sizeof row->status, "%s", ph_column_text(stmt, 3));
        snprintf(row->registered_on, sizeof row->registered_on, "%s", ph_column_text(stmt, 4));
    } else {
        product_not_found(problems, regno);
        st = PH_ERR_NOT_FOUND;
    }
    sqlite3_reset(stmt);
    return st;
}

/* Ownership and state checks shared by the insurer's writes. */
static ph_status check_owner_may_change(const struct product_row *row, int64_t insurer_id, const char *regno,
                                        bool allow_suspended, struct ph_problems *problems)
{
    if (row->insurer_id != insurer_id) {
        ph_problems_add(problems, "not_owner", "registration_no", "产品 %s 不是贵公司登记的，不能修改。",
                        regno);
        return PH_ERR_FORBIDDEN;
    }
    if (strcmp(row->status, "withdrawn") == 0) {
        ph_problems_add(problems, "product_withdrawn", "registration_no",
                        "产品 %s 已经停售，不能再修改。历史版本仍然公开。", regno);
        return PH_ERR_CONFLICT;
    }
    if (!allow_suspended && strcmp(row->status, "suspended") == 0) {
        ph_problems_add(problems, "product_suspended", "registration_no",
                        "产品 %s 已被平台暂停销售，恢复之前不能发布新版本。", regno);
        return PH_ERR_CONFLICT;
    }
    return PH_OK;
}

ph_status ph_product_update(struct ph_registry *reg, int64_t insurer_id, const char *regno,
                            const json_t *body, json_t **out, struct ph_problems *problems)
{
    static const char sql_update[] =
        "UPDATE products SET latest_version = ?, name = ?, category = ?, updated_at = ? WHERE id = ?";
    *out = NULL;
    struct product_row row = {0};
    ph_status st = ph_tx_begin(reg, problems);
    if (st != PH_OK)
        return st;
    st = load_product_row(reg, regno, &row, problems);
    if (st == PH_OK)
        st = check_owner_may_change(&row, insurer_id, regno, false, problems);
    if (st == PH_OK)
        st = ph_insurer_may_file(reg, insurer_id, problems);
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *reason = NULL;
    if (st == PH_OK)
        st = ph_product_validate(body, PH_VALIDATE_UPDATE, &product, &reason, warnings, problems);
    int64_t version = row.latest_version + 1;
    if (st == PH_OK)
        st = insert_version(reg, row.id, regno, insurer_id, version, product, json_string_value(reason),
                            "product_version_published", problems);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_update, problems) : NULL;
    if (stmt != NULL) {
        char now[32];
        ph_now_utc(now);
        sqlite3_bind_int64(stmt, 1, version);
        sqlite3_bind_text(stmt, 2, json_string_value(json_object_get(product, "name")), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, json_string_value(json_object_get(product, "category")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 5, row.id);
        st = ph_stmt_exec(reg, stmt, "product update", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    if (st == PH_OK)
        st = ph_search_index_product(reg, row.id, problems);
    st = ph_tx_finish(reg, st, problems);
    if (st == PH_OK)
        *out = write_result(regno, version, warnings);
    json_decref(product);
    json_decref(reason);
    json_decref(warnings);
    return st;
}

/* Runs one UPDATE of a product's state with its log leaf, in a transaction,
 * then returns the product as the public sees it. */
static ph_status change_state(struct ph_registry *reg, const char *regno, int64_t product_id, const char *sql,
                              const char *const binds[4], const char *event, json_t *leaf, json_t **out,
                              struct ph_problems *problems)
{
    ph_status st = ph_tlog_append(reg, event, leaf, NULL, problems);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql, problems) : NULL;
    if (stmt != NULL) {
        int i = 0;
        for (; i < 4 && binds[i] != NULL; i++)
            sqlite3_bind_text(stmt, i + 1, binds[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, i + 1, product_id);
        st = ph_stmt_exec(reg, stmt, event, problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    st = ph_tx_finish(reg, st, problems);
    if (st == PH_OK)
        st = ph_product_get(reg, regno, 0, out, problems);
    return st;
}

static const struct ph_field_rule withdraw_rules[] = {
    {"date", "停售日期", K_DATE, true, 10, 10, 0, false, 0, 0, NULL, NULL},
    {"reason", "停售原因", K_TEXT, true, 2, 200, 0, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

ph_status ph_product_withdraw(struct ph_registry *reg, int64_t insurer_id, const char *regno,
                              const json_t *body, json_t **out, struct ph_problems *problems)
{
    static const char sql[] =
        "UPDATE products SET status = 'withdrawn', withdrawal_date = ?, withdrawal_reason = ?,"
        " updated_at = ? WHERE id = ?";
    *out = NULL;
    struct product_row row = {0};
    ph_status st = ph_tx_begin(reg, problems);
    if (st != PH_OK)
        return st;
    st = load_product_row(reg, regno, &row, problems);
    if (st == PH_OK)
        st = check_owner_may_change(&row, insurer_id, regno, true, problems);
    json_t *clean = NULL;
    if (st == PH_OK) {
        clean = ph_validate_object(withdraw_rules, "", body, NULL, problems);
        st = clean != NULL ? PH_OK : PH_ERR_INVALID;
    }
    const char *date = json_string_value(json_object_get(clean, "date"));
    if (st == PH_OK && strcmp(date, row.registered_on) < 0) {
        ph_problems_add(problems, "date_invalid", "date", "停售日期（%s）不能早于产品登记的日期（%s）。",
                        date, row.registered_on);
        st = PH_ERR_INVALID;
    }
    if (st != PH_OK) {
        ph_tx_rollback(reg);
        json_decref(clean);
        return st;
    }
    char now[32];
    ph_now_utc(now);
    const char *reason = json_string_value(json_object_get(clean, "reason"));
    const char *binds[4] = {date, reason, now, NULL};
    json_t *leaf = json_pack("{s:s, s:s, s:s}", "registration_no", regno, "date", date, "reason", reason);
    st = change_state(reg, regno, row.id, sql, binds, "product_withdrawn", leaf, out, problems);
    json_decref(leaf);
    json_decref(clean);
    return st;
}

ph_status ph_product_suspend(struct ph_registry *reg, const char *regno, const char *reason, json_t **out,
                             struct ph_problems *problems)
{
    static const char sql[] =
        "UPDATE products SET status = 'suspended', suspended_at = ?, suspension_reason = ?,"
        " updated_at = ? WHERE id = ?";
    static const struct ph_field_rule reason_rule = {"reason", "暂停原因", K_TEXT, true, 2,    200,
                                                     0,        false,      0,      0,    NULL, NULL};
    *out = NULL;
    json_t *given = json_string(reason != NULL ? reason : "");
    json_t *clean = ph_validate_value(&reason_rule, "reason", given, problems);
    json_decref(given);
    if (clean == NULL)
        return PH_ERR_INVALID;
    struct product_row row = {0};
    ph_status st = ph_tx_begin(reg, problems);
    if (st == PH_OK)
        st = load_product_row(reg, regno, &row, problems);
    if (st == PH_OK && strcmp(row.status, "published") != 0) {
        ph_problems_add(problems,
                        strcmp(row.status, "withdrawn") == 0 ? "product_withdrawn" : "product_suspended",
                        "registration_no", "产品 %s 现在的状态是“%s”，不能暂停。", regno,
                        ph_enum_label(&ph_enum_product_status, row.status));
        st = PH_ERR_CONFLICT;
    }
    if (st != PH_OK) {
        ph_tx_rollback(reg);
        json_decref(clean);
        return st;
    }
    char now[32];
    ph_now_utc(now);
    const char *binds[4] = {now, json_string_value(clean), now, NULL};
    json_t *leaf = json_pack("{s:s, s:O}", "registration_no", regno, "reason", clean);
    st = change_state(reg, regno, row.id, sql, binds, "product_suspended", leaf, out, problems);
    json_decref(leaf);
    json_decref(clean);
    return st;
}

ph_status ph_product_reinstate(struct ph_registry *reg, const char *regno, json_t **out,
                               struct ph_problems *problems)
{
    static const char sql[] =
        "UPDATE products SET status = 'published', suspended_at = NULL, suspension_reason = NULL,"
        " updated_at = ? WHERE id = ?";
    *out = NULL;
    struct product_row row = {0};
    ph_status st = ph_tx_begin(reg, problems);
    if (st == PH_OK)
        st = load_product_row(reg, regno, &row, problems);
    if (st == PH_OK && strcmp(row.status, "suspended") != 0) {
        ph_problems_add(problems, "product_not_suspended", "registration_no",
                        "产品 %s 没有被暂停，不需要恢复。", regno);
        st = PH_ERR_CONFLICT;
    }
    if (st != PH_OK) {
        ph_tx_rollback(reg);
        return st;
    }
    char now[32];
    ph_now_utc(now);
    const char *binds[4] = {now, NULL, NULL, NULL};
    json_t *leaf = json_pack("{s:s}", "registration_no", regno);
    st = change_state(reg, regno, row.id, sql, binds, "product_reinstated", leaf, out, problems);
    json_decref(leaf);
    return st;
}

/* --- reading ------------------------------------------------------------ */

static json_t *flag(const char *code, const char *field, const char *message)
{
    return json_pack("{s:s, s:s, s:s}", "code", code, "field", field, "message", message);
}

static void add_comparison_flag(json_t *flags, const json_t *body, const char *field, const char *code,
                                const char *what_zh)
{
    const json_t *cmp = json_object_get(body, field);
    double this_pct = json_number_value(json_object_get(cmp, "this_pct"));
    double comparable_pct = json_number_value(json_object_get(cmp, "comparable_pct"));
    if (this_pct < comparable_pct)
        return;
    const char *reason = json_string_value(json_object_get(cmp, "reason"));
    char message[1024];
    snprintf(message, sizeof message,
             "注意：这款产品的%s（%g%%）不低于同类普通产品（%g%%）。保险公司的说明：%s", what_zh, this_pct,
             comparable_pct, reason != NULL ? reason : "（未说明）");
    json_array_append_new(flags, flag(code, field, message));
}

bool ph_row_exists(struct ph_registry *reg, const char *sql, const char *value)
{
    struct ph_problems ignored;
    ph_problems_init(&ignored);
    sqlite3_stmt *stmt = ph_stmt(reg, sql, &ignored);
    ph_problems_release(&ignored);
    if (stmt == NULL)
        return false;
    sqlite3_bind_text(stmt, 1, value, -1, SQLITE_STATIC);
    bool found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_reset(stmt);
    return found;
}

static bool product_exists(struct ph_registry *reg, const char *regno)
{
    static const char sql[] = "SELECT 1 FROM products WHERE registration_no = ?";
    return ph_row_exists(reg, sql, regno);
}

static const char sql_get[] =
    "SELECT p.registration_no, p.insurer_id, p.latest_version, p.status, p.registered_at,"
    " p.updated_at, p.withdrawal_date, p.withdrawal_reason, p.suspended_at, p.suspension_reason,"
    " v.version, v.body, v.body_sha256, v.change_reason, v.created_at, v.log_index,"
    " i.name, i.short_name"
    " FROM products p"
    " JOIN product_versions v ON v.product_id = p.id"
    "  AND v.version = CASE WHEN ?2 = 0 THEN p.latest_version ELSE ?2 END"
    " JOIN insurers i ON i.id = p.insurer_id"
    " WHERE p.registration_no = ?1";

ph_status ph_product_get(struct ph_registry *reg, const char *regno, int64_t version, json_t **out,
                         struct ph_problems *problems)
{
    *out = NULL;
    sqlite3_stmt *stmt = NULL;
    ph_status found = stmt_for_regno(reg, sql_get, regno, &stmt, problems);
    if (found != PH_OK)
        return found;
    sqlite3_bind_int64(stmt, 2, version);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
            ph_db_problem(reg, problems, "product get");
            return PH_ERR_INTERNAL;
        }
        if (version == 0 || !product_exists(reg, regno))
            product_not_found(problems, regno);
        else
            ph_problems_add(problems, "version_not_found", "version", "产品 %s 没有第 %lld 版。", regno,
                            (long long)version);
        return PH_ERR_NOT_FOUND;
    }
    json_t *body = ph_column_json(stmt, 11);
    int64_t insurer_id = sqlite3_column_int64(stmt, 1);
    int64_t latest = sqlite3_column_int64(stmt, 2);
    const char *status = ph_column_text(stmt, 3);
    /* Copied: column pointers die with sqlite3_reset() below. */
    char withdrawal_date[16] = "";
    bool withdrawn = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
    if (withdrawn)
        snprintf(withdrawal_date, sizeof withdrawal_date, "%s", ph_column_text(stmt, 6));
    char today[16];
    ph_today_china(today);
    bool sales_stopped =
        strcmp(status, "suspended") == 0 || (withdrawn && strcmp(today, withdrawal_date) >= 0);

    json_t *product =
        json_pack("{s:s, s:I, s:I, s:s, s:s}", "registration_no", ph_column_text(stmt, 0), "version",
                  (json_int_t)sqlite3_column_int64(stmt, 10), "latest_version", (json_int_t)latest, "status",
                  status, "status_zh", ph_enum_label(&ph_enum_product_status, status));
    if (body == NULL || product == NULL || json_object_update(product, body) != 0) {
        sqlite3_reset(stmt);
        json_decref(body);
        json_decref(product);
        ph_db_problem(reg, problems, "product body");
        return PH_ERR_INTERNAL;
    }
    json_t *withdrawal =
        !withdrawn ? json_null()
                   : json_pack("{s:s, s:s}", "date", withdrawal_date, "reason", ph_column_text(stmt, 7));
    json_t *suspension =
        sqlite3_column_type(stmt, 8) == SQLITE_NULL
            ? json_null()
            : json_pack("{s:s, s:s}", "since", ph_column_text(stmt, 8), "reason", ph_column_text(stmt, 9));
    json_object_set_new(product, "insurer",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)insurer_id, "name",
                                  ph_column_text(stmt, 16), "short_name", ph_column_text(stmt, 17)));
    json_object_set_new(product, "registered_at", json_string(ph_column_text(stmt, 4)));
    json_object_set_new(product, "updated_at", json_string(ph_column_text(stmt, 5)));
    json_object_set_new(product, "version_created_at", json_string(ph_column_text(stmt, 14)));
    json_object_set_new(product, "change_reason",
                        sqlite3_column_type(stmt, 13) == SQLITE_NULL ? json_null()
                                                                     : json_string(ph_column_text(stmt, 13)));
    json_object_set_new(product, "body_sha256", json_string(ph_column_text(stmt, 12)));
    json_object_set_new(product, "log_index", json_integer(sqlite3_column_int64(stmt, 15)));
    json_object_set_new(product, "withdrawal", withdrawal);
    json_object_set_new(product, "suspension", suspension);
    sqlite3_reset(stmt);

    json_t *solvency = NULL;
    bool adequate = false;
    ph_status st = ph_insurer_solvency(reg, insurer_id, &solvency, &adequate, problems);
    if (st != PH_OK) {
        json_decref(body);
        json_decref(product);
        return st;
    }
    json_object_set_new(json_object_get(product, "insurer"), "solvency", solvency);
    bool on_sale = !sales_stopped && adequate;
    json_object_set_new(product, "on_sale", json_boolean(on_sale));
    json_object_set_new(product, "accepts_applications", json_boolean(on_sale));

    json_t *flags = json_array();
    add_comparison_flag(flags, body, "premium_rate", "premium_rate_not_lower", "费率");
    add_comparison_flag(flags, body, "intermediary_fee", "intermediary_fee_not_lower", "中介费用率");
    if (!adequate)
        json_array_append_new(flags, flag("solvency_inadequate", "insurer.solvency",
                                          "注意：这家保险公司最近一期偿付能力不达标。按监管规定，"
                                          "这款产品现在不接受投保。已经买了的保单照常有效。"));
    if (!json_is_null(suspension)) {
        char message[600];
        snprintf(message, sizeof message, "平台已暂停这款产品的销售。原因：%s",
                 json_string_value(json_object_get(suspension, "reason")));
        json_array_append_new(flags, flag("suspended", "suspension", message));
    }
    if (!json_is_null(withdrawal)) {
        char message[600];
        snprintf(message, sizeof message, "这款产品%s %s 停售。原因：%s",
                 strcmp(today, withdrawal_date) >= 0 ? "已于" : "将于",
                 json_string_value(json_object_get(withdrawal, "date")),
                 json_string_value(json_object_get(withdrawal, "reason")));
        json_array_append_new(flags, flag("withdrawn", "withdrawal", message));
    }
    json_object_set_new(product, "flags", flags);
    json_decref(body);
    *out = product;
    return PH_OK;
}

ph_status ph_product_versions(struct ph_registry *reg, const char *regno, json_t **out,
                              struct ph_problems *problems)
{
    static const char sql[] = "SELECT v.version, v.change_reason, v.created_at, v.body_sha256, v.log_index"
                              " FROM products p JOIN product_versions v ON v.product_id = p.id"
                              " WHERE p.registration_no = ? ORDER BY v.version";
    *out = NULL;
    sqlite3_stmt *stmt = NULL;
    ph_status found = stmt_for_regno(reg, sql, regno, &stmt, problems);
    if (found != PH_OK)
        return found;
    json_t *items = json_array();
    int rc = sqlite3_step(stmt);
    while (rc == SQLITE_ROW) {
        int64_t version = sqlite3_column_int64(stmt, 0);
        char url[80];
        snprintf(url, sizeof url, "/api/v1/products/%s/versions/%lld", regno, (long long)version);
        json_array_append_new(items,
                              json_pack("{s:I, s:s?, s:s, s:s, s:I, s:s}", "version", (json_int_t)version,
                                        "change_reason", ph_column_text(stmt, 1), "created_at",
                                        ph_column_text(stmt, 2), "body_sha256", ph_column_text(stmt, 3),
                                        "log_index", (json_int_t)sqlite3_column_int64(stmt, 4), "url", url));
        rc = sqlite3_step(stmt);
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        json_decref(items);
        ph_db_problem(reg, problems, "versions");
        return PH_ERR_INTERNAL;
    }
    if (json_array_size(items) == 0) {
        json_decref(items);
        product_not_found(problems, regno);
        return PH_ERR_NOT_FOUND;
    }
    *out = json_pack("{s:s, s:I, s:o}", "registration_no", regno, "total", (json_int_t)json_array_size(items),
                     "items", items);
    return PH_OK;
}
