/*
 * registry/insurer.c - insurers, their solvency reports and API keys.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "registry/internal.h"
#include "registry/rules.h"
#include "registry/validate.h"

static const struct ph_field_rule insurer_rules[] = {
    {"name", "公司全称", K_STRING, true, 4, 60, 0, false, 0, 0, NULL, NULL},
    {"short_name", "公司简称", K_STRING, true, 2, 20, 0, false, 0, 0, NULL, NULL},
    {"uscc", "统一社会信用代码", K_USCC, true, 18, 18, 0, false, 0, 0, NULL, NULL},
    {"type", "公司类型", K_ENUM, true, 0, 0, 0, false, 0, 0, &ph_enum_insurer_type, NULL},
    {"region", "总部所在地", K_REGION, true, 0, 0, 0, false, 0, 0, NULL, NULL},
    {"website", "官方网站", K_URL, false, 0, 500, 0, false, 0, 0, NULL, NULL},
    {"hotline", "客服电话", K_HOTLINE, false, 3, 20, 0, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

static const struct ph_field_rule solvency_rules[] = {
    {"quarter", "季度", K_QUARTER, true, 6, 6, 0, false, 0, 0, NULL, NULL},
    {"core_pct", "核心偿付能力充足率", K_NUMBER, true, -1000, 10000, 2, false, 0, 0, NULL, NULL},
    {"comprehensive_pct", "综合偿付能力充足率", K_NUMBER, true, -1000, 10000, 2, false, 0, 0, NULL, NULL},
    {"rating", "风险综合评级", K_RATING, true, 1, 1, 0, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

/* --- solvency ----------------------------------------------------------- */

static const char sql_latest_solvency[] =
    "SELECT quarter, core_pct, comprehensive_pct, rating, recorded_at FROM solvency_reports"
    " WHERE insurer_id = ? ORDER BY quarter DESC, id DESC LIMIT 1";
static const char sql_insurer_exists[] = "SELECT 1 FROM insurers WHERE id = ?";

static ph_status insurer_exists(struct ph_registry *reg, int64_t insurer_id, struct ph_problems *problems)
{
    sqlite3_stmt *stmt = ph_stmt(reg, sql_insurer_exists, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(stmt, 1, insurer_id);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_ROW)
        return PH_OK;
    if (rc != SQLITE_DONE) {
        ph_db_problem(reg, problems, "insurer lookup");
        return PH_ERR_INTERNAL;
    }
    ph_problems_add(problems, "insurer_not_found", "insurer_id", "没有编号为 %lld 的保险公司。",
                    (long long)insurer_id);
    return PH_ERR_NOT_FOUND;
}

static json_t *solvency_json(const char *quarter, double core, double comprehensive, const char *rating,
                             const char *recorded_at)
{
    bool adequate = ph_solvency_is_adequate(core, comprehensive, rating);
    return json_pack("{s:s, s:f, s:f, s:s, s:b, s:s, s:s}", "quarter", quarter, "core_pct", core,
                     "comprehensive_pct", comprehensive, "rating", rating, "adequate", adequate,
                     "recorded_at", recorded_at, "summary_zh",
                     adequate ? "偿付能力充足：这家公司有足够的钱赔付。"
                              : "偿付能力不足：按监管规定，这家公司现在不能销售专属普惠保险，"
                                "已上架的产品暂停接受投保。");
}

ph_status ph_insurer_solvency(struct ph_registry *reg, int64_t insurer_id, json_t **out_report,
                              bool *out_adequate, struct ph_problems *problems)
{
    *out_report = NULL;
    *out_adequate = false;
    sqlite3_stmt *stmt = ph_stmt(reg, sql_latest_solvency, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(stmt, 1, insurer_id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        double core = sqlite3_column_double(stmt, 1);
        double comprehensive = sqlite3_column_double(stmt, 2);
        const char *rating = ph_column_text(stmt, 3);
        *out_adequate = ph_solvency_is_adequate(core, comprehensive, rating);
        *out_report =
            solvency_json(ph_column_text(stmt, 0), core, comprehensive, rating, ph_column_text(stmt, 4));
    }
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE) {
        /* No report: only now is it worth asking whether the insurer exists
         * (every product read lands here with an existing insurer). */
        ph_status st = insurer_exists(reg, insurer_id, problems);
        if (st != PH_OK)
            return st;
        *out_report = json_null();
    }
    if (*out_report == NULL) {
        ph_db_problem(reg, problems, "solvency lookup");
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

ph_status ph_insurer_may_file(struct ph_registry *reg, int64_t insurer_id, struct ph_problems *problems)
{
    json_t *report = NULL;
    bool adequate = false;
    ph_status st = ph_insurer_solvency(reg, insurer_id, &report, &adequate, problems);
    if (st != PH_OK)
        return st;
    if (json_is_null(report)) {
        ph_problems_add(problems, "solvency_unreported", "",
                        "贵公司还没有报送偿付能力报告，暂时不能登记或修改专属普惠保险产品。"
                        "请先向平台报送最近一个季度的偿付能力数据。");
        st = PH_ERR_FORBIDDEN;
    } else if (!adequate) {
        ph_problems_add(problems, "solvency_inadequate", "",
                        "贵公司最近一期（%s）偿付能力不达标（核心充足率 %.1f%%，综合充足率 %.1f%%，"
                        "风险评级 %s）。按《指导意见》第十九条，不能登记或修改专属普惠保险产品。",
                        json_string_value(json_object_get(report, "quarter")),
                        json_real_value(json_object_get(report, "core_pct")),
                        json_real_value(json_object_get(report, "comprehensive_pct")),
                        json_string_value(json_object_get(report, "rating")));
        st = PH_ERR_FORBIDDEN;
    }
    json_decref(report);
    return st;
}

ph_status ph_solvency_record(struct ph_registry *reg, int64_t insurer_id, const json_t *report, json_t **out,
                             struct ph_problems *problems)
{
    static const char sql_insert[] =
        "INSERT INTO solvency_reports (insurer_id, quarter, core_pct, comprehensive_pct, rating,"
        " recorded_at, log_index) VALUES (?, ?, ?, ?, ?, ?, ?)";
    *out = NULL;
    json_t *clean = ph_validate_object(solvency_rules, "", report, NULL, problems);
    if (clean == NULL)
        return PH_ERR_INVALID;
    ph_status st = ph_tx_begin(reg, problems);
    if (st == PH_OK)
        st = insurer_exists(reg, insurer_id, problems);
    int64_t log_index = -1;
    if (st == PH_OK) {
        json_t *leaf = json_deep_copy(clean);
        json_object_set_new(leaf, "insurer_id", json_integer(insurer_id));
        st = ph_tlog_append(reg, "solvency_reported", leaf, &log_index, problems);
        json_decref(leaf);
    }
    char now[32];
    ph_now_utc(now);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_insert, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, insurer_id);
        sqlite3_bind_text(stmt, 2, json_string_value(json_object_get(clean, "quarter")), -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_double(stmt, 3, json_number_value(json_object_get(clean, "core_pct")));
        sqlite3_bind_double(stmt, 4, json_number_value(json_object_get(clean, "comprehensive_pct")));
        sqlite3_bind_text(stmt, 5, json_string_value(json_object_get(clean, "rating")), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 6, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 7, log_index);
        st = ph_stmt_exec(reg, stmt, "solvency insert", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    st = ph_tx_finish(reg, st, problems);
    if (st == PH_OK) {
        *out = solvency_json(json_string_value(json_object_get(clean, "quarter")),
                             json_number_value(json_object_get(clean, "core_pct")),
                             json_number_value(json_object_get(clean, "comprehensive_pct")),
                             json_string_value(json_object_get(clean, "rating")), now);
        json_object_set_new(*out, "insurer_id", json_integer(insurer_id));
        json_object_set_new(*out, "log_index", json_integer(log_index));
    }
    json_decref(clean);
    return st;
}

/* --- insurers ----------------------------------------------------------- */

static const char sql_insurer_by_name_or_uscc[] =
    "SELECT id, uscc = ?1 FROM insurers WHERE uscc = ?1 OR name = ?2";

ph_status ph_insurer_add(struct ph_registry *reg, const json_t *insurer, json_t **out,
                         struct ph_problems *problems)
{
    static const char sql_insert[] =
        "INSERT INTO insurers (uscc, name, short_name, type, region, website, hotline, created_at,"
        " log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    *out = NULL;
    json_t *clean = ph_validate_object(insurer_rules, "", insurer, NULL, problems);
    if (clean == NULL)
        return PH_ERR_INVALID;
    const char *uscc = json_string_value(json_object_get(clean, "uscc"));
    const char *name = json_string_value(json_object_get(clean, "name"));
    if (strcmp(json_string_value(json_object_get(clean, "region")), "000000") == 0) {
        ph_problems_add(problems, "region_invalid", "region",
                        "总部所在地要写具体的省、市或区县代码，不能写全国（000000）。");
        json_decref(clean);
        return PH_ERR_INVALID;
    }
    ph_status st = ph_tx_begin(reg, problems);
    sqlite3_stmt *dup = st == PH_OK ? ph_stmt(reg, sql_insurer_by_name_or_uscc, problems) : NULL;
    if (dup != NULL) {
        sqlite3_bind_text(dup, 1, uscc, -1, SQLITE_STATIC);
        sqlite3_bind_text(dup, 2, name, -1, SQLITE_STATIC);
        if (sqlite3_step(dup) == SQLITE_ROW) {
            bool same_uscc = sqlite3_column_int(dup, 1) != 0;
            ph_problems_add(problems, "insurer_exists", same_uscc ? "uscc" : "name",
                            "这家公司已经登记过了（%s相同），编号 %lld。",
                            same_uscc ? "统一社会信用代码" : "公司全称",
                            (long long)sqlite3_column_int64(dup, 0));
            st = PH_ERR_CONFLICT;
        }
        sqlite3_reset(dup);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    int64_t log_index = -1;
    if (st == PH_OK) {
        json_t *leaf = json_deep_copy(clean);
        st = ph_tlog_append(reg, "insurer_added", leaf, &log_index, problems);
        json_decref(leaf);
    }
    char now[32];
    ph_now_utc(now);
    int64_t id = 0;
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_insert, problems) : NULL;
    if (stmt != NULL) {
        static const char *const columns[] = {"uscc",   "name",    "short_name", "type",
                                              "region", "website", "hotline"};
        for (int i = 0; i < 7; i++)
            sqlite3_bind_text(stmt, i + 1, json_string_value(json_object_get(clean, columns[i])), -1,
                              SQLITE_STATIC);
        sqlite3_bind_text(stmt, 8, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 9, log_index);
        st = ph_stmt_exec(reg, stmt, "insurer insert", problems);
        if (st == PH_OK)
            id = sqlite3_last_insert_rowid(reg->db);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    st = ph_tx_finish(reg, st, problems);
    json_decref(clean);
    if (st != PH_OK)
        return st;
    return ph_insurer_get(reg, id, out, problems);
}

#define INSURER_COLUMNS "id, name, short_name, uscc, type, region, website, hotline, created_at, log_index"

static json_t *insurer_row_json(sqlite3_stmt *stmt)
{
    const char *type = ph_column_text(stmt, 4);
    const char *region = ph_column_text(stmt, 5);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:I}", "id",
                     (json_int_t)sqlite3_column_int64(stmt, 0), "name", ph_column_text(stmt, 1), "short_name",
                     ph_column_text(stmt, 2), "uscc", ph_column_text(stmt, 3), "type", type, "type_zh",
                     ph_enum_label(&ph_enum_insurer_type, type), "region", region, "website",
                     ph_column_text(stmt, 6), "hotline", ph_column_text(stmt, 7), "created_at",
                     ph_column_text(stmt, 8), "log_index", (json_int_t)sqlite3_column_int64(stmt, 9));
}

/* Adds the latest solvency report and what it means to an insurer object. */
static ph_status add_solvency(struct ph_registry *reg, json_t *insurer, struct ph_problems *problems)
{
    int64_t id = json_integer_value(json_object_get(insurer, "id"));
    json_t *report = NULL;
    bool adequate = false;
    ph_status st = ph_insurer_solvency(reg, id, &report, &adequate, problems);
    if (st != PH_OK)
        return st;
    json_object_set_new(insurer, "solvency", report);
    json_object_set_new(insurer, "may_sell_exclusive_products", json_boolean(adequate));
    return PH_OK;
}

/* Adds the insurer's products (registration number, name, state) and their count. */
static ph_status add_products(struct ph_registry *reg, json_t *insurer, struct ph_problems *problems)
{
    static const char sql_products[] =
        "SELECT registration_no, name, category, status, latest_version FROM products"
        " WHERE insurer_id = ? ORDER BY registration_no";
    sqlite3_stmt *stmt = ph_stmt(reg, sql_products, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(stmt, 1, json_integer_value(json_object_get(insurer, "id")));
    json_t *products = json_array();
    int rc = sqlite3_step(stmt);
    while (rc == SQLITE_ROW) {
        const char *regno = ph_column_text(stmt, 0);
        char url[64];
        snprintf(url, sizeof url, "/api/v1/products/%s", regno);
        json_array_append_new(products,
                              json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "registration_no", regno, "name",
                                        ph_column_text(stmt, 1), "category", ph_column_text(stmt, 2),
                                        "status", ph_column_text(stmt, 3), "version",
                                        (json_int_t)sqlite3_column_int64(stmt, 4), "url", url));
        rc = sqlite3_step(stmt);
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        json_decref(products);
        ph_db_problem(reg, problems, "insurer products");
        return PH_ERR_INTERNAL;
    }
    json_object_set_new(insurer, "products_count", json_integer((json_int_t)json_array_size(products)));
    json_object_set_new(insurer, "products", products);
    return PH_OK;
}

ph_status ph_insurer_get(struct ph_registry *reg, int64_t insurer_id, json_t **out,
                         struct ph_problems *problems)
{
    static const char sql[] = "SELECT " INSURER_COLUMNS " FROM insurers WHERE id = ?";
    *out = NULL;
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(stmt, 1, insurer_id);
    json_t *insurer = NULL;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        insurer = insurer_row_json(stmt);
    sqlite3_reset(stmt);
    if (insurer == NULL) {
        ph_problems_add(problems, "insurer_not_found", "", "没有编号为 %lld 的保险公司。",
                        (long long)insurer_id);
        return PH_ERR_NOT_FOUND;
    }
    ph_status st = add_solvency(reg, insurer, problems);
    if (st == PH_OK)
        st = add_products(reg, insurer, problems);
    if (st != PH_OK) {
        json_decref(insurer);
        return st;
    }
    *out = insurer;
    return PH_OK;
}

ph_status ph_insurer_list(struct ph_registry *reg, json_t **out, struct ph_problems *problems)
{
    static const char sql[] =
        "SELECT " INSURER_COLUMNS ", (SELECT COUNT(*) FROM products p WHERE p.insurer_id = i.id)"
        " FROM insurers i ORDER BY id";
    *out = NULL;
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    json_t *items = json_array();
    int rc = sqlite3_step(stmt);
    while (rc == SQLITE_ROW) {
        json_t *insurer = insurer_row_json(stmt);
        json_object_set_new(insurer, "products_count", json_integer(sqlite3_column_int64(stmt, 10)));
        json_array_append_new(items, insurer);
        rc = sqlite3_step(stmt);
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        json_decref(items);
        ph_db_problem(reg, problems, "insurer list");
        return PH_ERR_INTERNAL;
    }
    size_t i;
    json_t *insurer;
    json_array_foreach (items, i, insurer) {
        ph_status st = add_solvency(reg, insurer, problems);
        if (st != PH_OK) {
            json_decref(items);
            return st;
        }
    }
    *out = json_pack("{s:I, s:o}", "total", (json_int_t)json_array_size(items), "items", items);
    return PH_OK;
}

/* --- API keys ----------------------------------------------------------- */

/* Keys carry 256 random bits, so a fast keyed-free hash is enough: nothing
 * can be guessed from it and lookups by hash stay cheap on every request. */
static void key_hash(const char *key, unsigned char out[crypto_generichash_BYTES])
{
    crypto_generichash(out, crypto_generichash_BYTES, (const unsigned char *)key, strlen(key), NULL, 0);
}

ph_status ph_key_issue(struct ph_registry *reg, int64_t insurer_id, json_t **out,
                       struct ph_problems *problems)
{
    static const char sql_insert[] =
        "INSERT INTO api_keys (insurer_id, key_hash, prefix, created_at) VALUES (?, ?, ?, ?)";
    *out = NULL;
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    char encoded[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(encoded, sizeof encoded, secret, sizeof secret,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(secret, sizeof secret);
    char key[96];
    snprintf(key, sizeof key, "phk_%s", encoded);
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%.12s", key);
    unsigned char hash[crypto_generichash_BYTES];
    key_hash(key, hash);
    char now[32];
    ph_now_utc(now);

    ph_status st = ph_tx_begin(reg, problems);
    if (st == PH_OK)
        st = insurer_exists(reg, insurer_id, problems);
    int64_t key_id = 0;
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_insert, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, insurer_id);
        sqlite3_bind_blob(stmt, 2, hash, sizeof hash, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, prefix, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, now, -1, SQLITE_STATIC);
        st = ph_stmt_exec(reg, stmt, "key insert", problems);
        if (st == PH_OK)
            key_id = sqlite3_last_insert_rowid(reg->db);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    st = ph_tx_finish(reg, st, problems);
    if (st == PH_OK)
        *out = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "key_id", (json_int_t)key_id, "insurer_id",
                         (json_int_t)insurer_id, "key", key, "prefix", prefix, "created_at", now, "note_zh",
                         "这是唯一一次显示完整密钥，请马上妥善保存。平台只保存它的摘要，无法找回。");
    sodium_memzero(key, sizeof key);
    return st;
}

ph_status ph_key_revoke(struct ph_registry *reg, int64_t key_id, json_t **out, struct ph_problems *problems)
{
    static const char sql_revoke[] = "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
    static const char sql_get[] =
        "SELECT id, insurer_id, prefix, created_at, revoked_at FROM api_keys WHERE id = ?";
    *out = NULL;
    char now[32];
    ph_now_utc(now);
    ph_status st = ph_tx_begin(reg, problems);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_revoke, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_text(stmt, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, key_id);
        st = ph_stmt_exec(reg, stmt, "key revoke", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    sqlite3_stmt *get = st == PH_OK ? ph_stmt(reg, sql_get, problems) : NULL;
    if (get != NULL) {
        sqlite3_bind_int64(get, 1, key_id);
        if (sqlite3_step(get) == SQLITE_ROW) {
            *out = json_pack("{s:I, s:I, s:s, s:s, s:s?}", "key_id", (json_int_t)sqlite3_column_int64(get, 0),
                             "insurer_id", (json_int_t)sqlite3_column_int64(get, 1), "prefix",
                             ph_column_text(get, 2), "created_at", ph_column_text(get, 3), "revoked_at",
                             ph_column_text(get, 4));
        } else {
            ph_problems_add(problems, "key_not_found", "key_id", "没有编号为 %lld 的密钥。",
                            (long long)key_id);
            st = PH_ERR_NOT_FOUND;
        }
        sqlite3_reset(get);
    }
    st = ph_tx_finish(reg, st, problems);
    if (st != PH_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return st;
}

ph_status ph_key_list(struct ph_registry *reg, int64_t insurer_id, json_t **out, struct ph_problems *problems)
{
    static const char sql[] = "SELECT id, insurer_id, prefix, created_at, revoked_at FROM api_keys"
                              " WHERE ?1 = 0 OR insurer_id = ?1 ORDER BY id";
    *out = NULL;
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(stmt, 1, insurer_id);
    json_t *items = json_array();
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, s:s?}", "key_id",
                                               (json_int_t)sqlite3_column_int64(stmt, 0), "insurer_id",
                                               (json_int_t)sqlite3_column_int64(stmt, 1), "prefix",
                                               ph_column_text(stmt, 2), "created_at", ph_column_text(stmt, 3),
                                               "revoked_at", ph_column_text(stmt, 4)));
    }
    sqlite3_reset(stmt);
    *out = json_pack("{s:I, s:o}", "total", (json_int_t)json_array_size(items), "items", items);
    return PH_OK;
}

ph_status ph_key_authenticate(struct ph_registry *reg, const char *key, int64_t *out_insurer_id,
                              struct ph_problems *problems)
{
    static const char sql[] = "SELECT insurer_id, revoked_at FROM api_keys WHERE key_hash = ?";
    *out_insurer_id = 0;
    if (key == NULL || strlen(key) > 200) {
        ph_problems_add(problems, "auth_invalid", "", "API 密钥不对。请检查 Authorization 请求头。");
        return PH_ERR_UNAUTHORIZED;
    }
    unsigned char hash[crypto_generichash_BYTES];
    key_hash(key, hash);
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_blob(stmt, 1, hash, sizeof hash, SQLITE_STATIC);
    ph_status st;
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        ph_problems_add(problems, "auth_invalid", "", "API 密钥不对。请检查 Authorization 请求头。");
        st = PH_ERR_UNAUTHORIZED;
    } else if (sqlite3_column_type(stmt, 1) != SQLITE_NULL) {
        ph_problems_add(problems, "auth_revoked", "", "这个 API 密钥已经作废，请向平台申请新的密钥。");
        st = PH_ERR_UNAUTHORIZED;
    } else {
        *out_insurer_id = sqlite3_column_int64(stmt, 0);
        st = PH_OK;
    }
    sqlite3_reset(stmt);
    return st;
}
