/*
 * registry/document.c - insurers' documents (条款, 费率表, 产品说明书, 公告,
 * quarterly operating reports) and filings of a product with its documents.
 *
 * A document row holds what changes (its latest version); each version row
 * holds the exact bytes of one text and their SHA-256, never changed. The
 * bytes are kept as sent: no trimming, no normalisation, so that the hash a
 * reader computes over a downloaded copy is the one shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/text.h"
#include "registry/internal.h"
#include "registry/product_validate.h"
#include "registry/rules.h"
#include "registry/search.h"
#include "registry/validate.h"

bool ph_document_no_is_valid(const char *document_no)
{
    return ph_yearly_number_is_valid(document_no, "PD");
}

static void document_not_found(struct ph_problems *problems, const char *document_no)
{
    ph_problems_add(problems, "document_not_found", "document_no",
                    "没有找到编号为“%.20s”的文件。请核对编号，格式像 PD-2026-000123。",
                    document_no != NULL ? document_no : "");
}

static ph_status stmt_for_document_no(struct ph_registry *reg, const char *sql, const char *document_no,
                                      sqlite3_stmt **out, struct ph_problems *problems)
{
    return ph_stmt_for_number(reg, sql, document_no, "PD", document_not_found, out, problems);
}

/* --- validation -------------------------------------------------------- */

static const struct ph_field_rule publish_rules[] = {
    {"type", "文件类型", K_ENUM, true, 0, 0, 0, false, 0, 0, &ph_enum_document_type, NULL},
    {"title", "文件标题", K_STRING, true, 2, 100, 0, false, 0, 0, NULL, NULL},
    {"published_on", "发布日期", K_DATE, false, 10, 10, 0, false, 0, 0, NULL, NULL},
    {"period", "报告期", K_QUARTER, false, 6, 6, 0, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

static const struct ph_field_rule update_rules[] = {
    {"type", "文件类型", K_ENUM, false, 0, 0, 0, false, 0, 0, &ph_enum_document_type, NULL},
    {"title", "文件标题", K_STRING, true, 2, 100, 0, false, 0, 0, NULL, NULL},
    {"published_on", "发布日期", K_DATE, false, 10, 10, 0, false, 0, 0, NULL, NULL},
    {"period", "报告期", K_QUARTER, false, 6, 6, 0, false, 0, 0, NULL, NULL},
    {"change_reason", "修改原因", K_TEXT, true, 2, 200, 0, false, 0, 0, NULL, NULL},
    PH_END_OF_RULES,
};

/* True when the text holds something that looks like a markup tag: "<"
 * followed by a letter, "/", "!" or "?". Documents are plain text that we
 * render ourselves; HTML from insurers is refused, not cleaned. */
static bool looks_like_markup(const char *text, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] != '<')
            continue;
        char c = text[i + 1];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' || c == '?')
            return true;
    }
    return false;
}

static bool only_white_space(const char *text, size_t len)
{
    size_t trimmed_len = 0;
    char *trimmed = ph_text_trim_dup(text, len, &trimmed_len);
    free(trimmed);
    return trimmed != NULL && trimmed_len == 0;
}

/* Checks the content: a string of 1..PH_DOCUMENT_CONTENT_MAX_BYTES bytes of
 * text (newlines and tabs allowed), not blank, not markup. */
static bool check_content(const json_t *body, struct ph_problems *problems)
{
    const json_t *content = json_object_get(body, "content");
    if (content == NULL || json_is_null(content)) {
        ph_problems_add(problems, "field_required", "content", "请填写「文件内容」（content）。");
        return false;
    }
    if (!json_is_string(content)) {
        ph_problems_add(problems, "field_type", "content", "「文件内容」（content）应该是文字。");
        return false;
    }
    const char *text = json_string_value(content);
    size_t len = json_string_length(content);
    if (len > PH_DOCUMENT_CONTENT_MAX_BYTES) {
        ph_problems_add(problems, "document_too_large", "content",
                        "「文件内容」太长了：最多 %d KB，现在是 %zu KB。请分成几个文件发布。",
                        PH_DOCUMENT_CONTENT_MAX_BYTES / 1024, (len + 1023) / 1024);
        return false;
    }
    /* Line ends as Windows writes them (CR LF) are kept as sent; any other
     * control character is refused. */
    char *lf = malloc(len + 1);
    if (lf == NULL) {
        ph_problems_add(problems, "internal", "content", "服务器内存不足，请稍后再试。");
        return false;
    }
    for (size_t i = 0; i <= len; i++)
        lf[i] = text[i] == '\r' ? '\n' : text[i];
    bool controls = ph_text_has_control_chars(lf, len, true);
    free(lf);
    if (controls) {
        ph_problems_add(problems, "string_control_chars", "content",
                        "「文件内容」（content）里有看不见的控制字符，请删掉后再提交。");
        return false;
    }
    if (len == 0 || only_white_space(text, len)) {
        ph_problems_add(problems, "string_length", "content", "「文件内容」（content）是空的。");
        return false;
    }
    if (looks_like_markup(text, len)) {
        ph_problems_add(problems, "document_markup_refused", "content",
                        "「文件内容」里有网页标记（像 <p> 这样的）。请只提交纯文字，平台会自己排版。");
        return false;
    }
    return true;
}

/*
 * Validates a document body. On success *out is {type?, title,
 * published_on, period, change_reason?} canonical (published_on defaults to
 * today in China) and the content stays in `body`. `type` is the document's
 * type when updating (NULL when publishing): the body may repeat it, never
 * change it.
 */
static json_t *validate_document(const json_t *body, const char *existing_type, struct ph_problems *problems)
{
    if (!json_is_object(body)) {
        ph_problems_add(problems, "body_type", "", "请求内容应该是一个 JSON 对象。");
        return NULL;
    }
    static const char *const content_name[] = {"content", NULL};
    size_t before = ph_problems_count(problems);
    json_t *clean = ph_validate_object(existing_type == NULL ? publish_rules : update_rules, "", body,
                                       content_name, problems);
    bool content_ok = check_content(body, problems);
    if (clean == NULL || !content_ok) {
        json_decref(clean);
        return NULL;
    }
    const char *type = json_string_value(json_object_get(clean, "type"));
    if (existing_type != NULL) {
        if (type != NULL && strcmp(type, existing_type) != 0)
            ph_problems_add(problems, "document_type_fixed", "type",
                            "文件的类型不能改。这个文件是「%s」，如果要发布别的类型，请发布一个新文件。",
                            ph_enum_label(&ph_enum_document_type, existing_type));
        type = existing_type;
        json_object_set_new(clean, "type", json_string(existing_type));
    }
    bool is_report = type != NULL && strcmp(type, "operating_report") == 0;
    bool has_period = json_is_string(json_object_get(clean, "period"));
    if (is_report && !has_period)
        ph_problems_add(problems, "field_required", "period",
                        "经营情况报告要写明「报告期」（period），比如 2026Q3 表示 2026 年第三季度。");
    else if (!is_report && has_period)
        ph_problems_add(problems, "period_not_allowed", "period",
                        "只有经营情况报告才填「报告期」（period），这个文件不用填。");
    char today[16];
    ph_today_china(today);
    const char *published_on = json_string_value(json_object_get(clean, "published_on"));
    if (published_on == NULL)
        json_object_set_new(clean, "published_on", json_string(today));
    else if (strcmp(published_on, today) > 0)
        ph_problems_add(problems, "document_date_future", "published_on",
                        "「发布日期」不能晚于今天（%s）。要提前公布的事，请在文件里写明生效日期。", today);
    if (ph_problems_count(problems) != before) {
        json_decref(clean);
        return NULL;
    }
    return clean;
}

/* --- writing ------------------------------------------------------------ */

static const char sql_next_document_no[] =
    "INSERT INTO document_counters (year, last_no) VALUES (?, 1)"
    " ON CONFLICT (year) DO UPDATE SET last_no = last_no + 1 RETURNING last_no";

static ph_status next_document_no(struct ph_registry *reg, char out[16], struct ph_problems *problems)
{
    return ph_next_yearly_number(reg, sql_next_document_no, "PD", out, "document_no_exhausted",
                                 "今年的文件编号已经用完，请联系平台运营方。", problems);
}

struct document_target {
    int64_t id;
    int64_t product_id;
    int64_t insurer_id;
    int64_t version;
    char document_no[16];
    char registration_no[16];
};

static const char sql_insert_document_version[] =
    "INSERT INTO document_versions (document_id, version, title, content, content_sha256, published_on,"
    " period, change_reason, created_at, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Inserts one version of the document `t` (t->version) with its log leaf
 * and reindexes it, inside the caller's transaction. */
static ph_status insert_document_version(struct ph_registry *reg, const struct document_target *t,
                                         const json_t *clean, const json_t *body, const char *event,
                                         json_t **out, struct ph_problems *problems)
{
    const json_t *content = json_object_get(body, "content");
    const char *bytes = json_string_value(content);
    size_t len = json_string_length(content);
    char sha[65];
    ph_sha256_hex(bytes, len, sha);
    const char *type = json_string_value(json_object_get(clean, "type"));
    const char *title = json_string_value(json_object_get(clean, "title"));
    const char *published_on = json_string_value(json_object_get(clean, "published_on"));
    const char *period = json_string_value(json_object_get(clean, "period"));
    const char *reason = json_string_value(json_object_get(clean, "change_reason"));

    json_t *leaf = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s?, s:s?}", "document_no",
                             t->document_no, "registration_no", t->registration_no, "version",
                             (json_int_t)t->version, "insurer_id", (json_int_t)t->insurer_id, "type", type,
                             "title", title, "content_sha256", sha, "content_bytes", (json_int_t)len,
                             "published_on", published_on, "period", period, "change_reason", reason);
    int64_t log_index = -1;
    ph_status st = ph_tlog_append(reg, event, leaf, &log_index, problems);
    json_decref(leaf);

    char now[32];
    ph_now_utc(now);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_insert_document_version, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, t->id);
        sqlite3_bind_int64(stmt, 2, t->version);
        sqlite3_bind_text(stmt, 3, title, -1, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 4, bytes, (int)len, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 6, published_on, -1, SQLITE_STATIC);
        if (period != NULL)
            sqlite3_bind_text(stmt, 7, period, -1, SQLITE_STATIC);
        if (reason != NULL)
            sqlite3_bind_text(stmt, 8, reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 9, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 10, log_index);
        st = ph_stmt_exec(reg, stmt, "document version insert", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    if (st == PH_OK)
        st = ph_search_index_document(reg, t->id, problems);
    if (st == PH_OK) {
        char url[64];
        snprintf(url, sizeof url, "/api/v1/documents/%s", t->document_no);
        *out = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:[]}", "document_no", t->document_no,
                         "version", (json_int_t)t->version, "type", type, "registration_no", t->registration_no,
                         "content_sha256", sha, "content_bytes", (json_int_t)len, "log_index",
                         (json_int_t)log_index, "url", url, "warnings");
    }
    return st;
}

/* The product a new document attaches to, checked for ownership. */
static ph_status load_product_for_document(struct ph_registry *reg, int64_t insurer_id, const char *regno,
                                           struct document_target *t, struct ph_problems *problems)
{
    static const char sql[] = "SELECT id, insurer_id FROM products WHERE registration_no = ?";
    if (!ph_registration_no_is_valid(regno)) {
        ph_problems_add(problems, "product_not_found", "registration_no",
                        "没有找到登记编号为“%.20s”的产品。请核对编号，格式像 PH-2026-000123。",
                        regno != NULL ? regno : "");
        return PH_ERR_NOT_FOUND;
    }
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_text(stmt, 1, regno, -1, SQLITE_STATIC);
    ph_status st = PH_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        t->product_id = sqlite3_column_int64(stmt, 0);
        if (sqlite3_column_int64(stmt, 1) != insurer_id) {
            ph_problems_add(problems, "not_owner", "registration_no",
                            "产品 %s 不是贵公司登记的，不能为它发布文件。", regno);
            st = PH_ERR_FORBIDDEN;
        }
    } else {
        ph_problems_add(problems, "product_not_found", "registration_no",
                        "没有找到登记编号为“%.20s”的产品。请核对编号，格式像 PH-2026-000123。", regno);
        st = PH_ERR_NOT_FOUND;
    }
    sqlite3_reset(stmt);
    t->insurer_id = insurer_id;
    snprintf(t->registration_no, sizeof t->registration_no, "%s", regno);
    return st;
}

/* Creates the document row and its first version, inside the caller's
 * transaction. */
static ph_status insert_document(struct ph_registry *reg, struct document_target *t, const json_t *clean,
                                 const json_t *body, json_t **out, struct ph_problems *problems)
{
    static const char sql[] =
        "INSERT INTO documents (document_no, product_id, insurer_id, type, latest_version,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)";
    ph_status st = next_document_no(reg, t->document_no, problems);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql, problems) : NULL;
    if (stmt == NULL)
        return st == PH_OK ? PH_ERR_INTERNAL : st;
    char now[32];
    ph_now_utc(now);
    sqlite3_bind_text(stmt, 1, t->document_no, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, t->product_id);
    sqlite3_bind_int64(stmt, 3, t->insurer_id);
    sqlite3_bind_text(stmt, 4, json_string_value(json_object_get(clean, "type")), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, now, -1, SQLITE_STATIC);
    st = ph_stmt_exec(reg, stmt, "document insert", problems);
    if (st != PH_OK)
        return st;
    t->id = sqlite3_last_insert_rowid(reg->db);
    t->version = 1;
    return insert_document_version(reg, t, clean, body, "document_published", out, problems);
}

ph_status ph_document_publish(struct ph_registry *reg, int64_t insurer_id, const char *registration_no,
                              const json_t *body, json_t **out, struct ph_problems *problems)
{
    *out = NULL;
    json_t *clean = validate_document(body, NULL, problems);
    if (clean == NULL)
        return PH_ERR_INVALID;
    struct document_target t = {0};
    ph_status st = ph_tx_begin(reg, problems);
    if (st == PH_OK) {
        st = load_product_for_document(reg, insurer_id, registration_no, &t, problems);
        if (st == PH_OK)
            st = insert_document(reg, &t, clean, body, out, problems);
        st = ph_tx_finish(reg, st, problems);
    }
    if (st != PH_OK) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(clean);
    return st;
}

/* The document row a new version needs. */
static ph_status load_document(struct ph_registry *reg, const char *document_no, struct document_target *t,
                               char type[32], struct ph_problems *problems)
{
    static const char sql[] =
        "SELECT d.id, d.product_id, d.insurer_id, d.latest_version, d.type, p.registration_no"
        " FROM documents d JOIN products p ON p.id = d.product_id WHERE d.document_no = ?";
    sqlite3_stmt *stmt = NULL;
    ph_status found = stmt_for_document_no(reg, sql, document_no, &stmt, problems);
    if (found != PH_OK)
        return found;
    ph_status st = PH_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        t->id = sqlite3_column_int64(stmt, 0);
        t->product_id = sqlite3_column_int64(stmt, 1);
        t->insurer_id = sqlite3_column_int64(stmt, 2);
        t->version = sqlite3_column_int64(stmt, 3);
        snprintf(type, 32, "%s", ph_column_text(stmt, 4));
        snprintf(t->registration_no, sizeof t->registration_no, "%s", ph_column_text(stmt, 5));
        snprintf(t->document_no, sizeof t->document_no, "%s", document_no);
    } else {
        document_not_found(problems, document_no);
        st = PH_ERR_NOT_FOUND;
    }
    sqlite3_reset(stmt);
    return st;
}

ph_status ph_document_update(struct ph_registry *reg, int64_t insurer_id, const char *document_no,
                             const json_t *body, json_t **out, struct ph_problems *problems)
{
    static const char sql_bump[] = "UPDATE documents SET latest_version = ?, updated_at = ? WHERE id = ?";
    *out = NULL;
    struct document_target t = {0};
    char type[32] = "";
    ph_status st = ph_tx_begin(reg, problems);
    if (st != PH_OK)
        return st;
    st = load_document(reg, document_no, &t, type, problems);
    if (st == PH_OK && t.insurer_id != insurer_id) {
        ph_problems_add(problems, "not_owner", "document_no", "文件 %s 不是贵公司发布的，不能修改。",
                        document_no);
        st = PH_ERR_FORBIDDEN;
    }
    json_t *clean = NULL;
    if (st == PH_OK) {
        clean = validate_document(body, type, problems);
        if (clean == NULL)
            st = PH_ERR_INVALID;
    }
    /* The row first: indexing the new version reads the latest one. */
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_bump, problems) : NULL;
    if (stmt != NULL) {
        char now[32];
        ph_now_utc(now);
        t.version++;
        sqlite3_bind_int64(stmt, 1, t.version);
        sqlite3_bind_text(stmt, 2, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 3, t.id);
        st = ph_stmt_exec(reg, stmt, "document update", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    if (st == PH_OK)
        st = insert_document_version(reg, &t, clean, body, "document_version_published", out, problems);
    st = ph_tx_finish(reg, st, problems);
    if (st != PH_OK) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(clean);
    return st;
}

/* --- reading ------------------------------------------------------------ */

static const char sql_document_get[] =
    "SELECT d.document_no, v.version, d.latest_version, d.type, v.title, v.content, v.content_sha256,"
    " v.published_on, v.period, v.change_reason, v.created_at, v.log_index, p.registration_no, p.name,"
    " p.category, p.status, i.id, i.name, i.short_name"
    " FROM documents d JOIN document_versions v ON v.document_id = d.id"
    " JOIN products p ON p.id = d.product_id JOIN insurers i ON i.id = d.insurer_id"
    " WHERE d.document_no = ?1 AND v.version = CASE WHEN ?2 = 0 THEN d.latest_version ELSE ?2 END";

static json_t *text_or_null(sqlite3_stmt *stmt, int column)
{
    return sqlite3_column_type(stmt, column) == SQLITE_NULL ? json_null()
                                                            : json_string(ph_column_text(stmt, column));
}

ph_status ph_document_get(struct ph_registry *reg, const char *document_no, int64_t version, json_t **out,
                          struct ph_problems *problems)
{
    *out = NULL;
    sqlite3_stmt *stmt = NULL;
    ph_status found = stmt_for_document_no(reg, sql_document_get, document_no, &stmt, problems);
    if (found != PH_OK)
        return found;
    sqlite3_bind_int64(stmt, 2, version);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
            ph_db_problem(reg, problems, "document get");
            return PH_ERR_INTERNAL;
        }
        static const char sql_exists[] = "SELECT 1 FROM documents WHERE document_no = ?";
        if (version != 0 && ph_row_exists(reg, sql_exists, document_no))
            ph_problems_add(problems, "document_version_not_found", "version", "文件 %s 没有第 %lld 版。",
                            document_no, (long long)version);
        else
            document_not_found(problems, document_no);
        return PH_ERR_NOT_FOUND;
    }
    const char *type = ph_column_text(stmt, 3);
    const void *content = sqlite3_column_blob(stmt, 5);
    int content_len = sqlite3_column_bytes(stmt, 5);
    char url[64];
    snprintf(url, sizeof url, "/documents/%s/versions/%lld", document_no,
             (long long)sqlite3_column_int64(stmt, 1));
    *out = json_pack(
        "{s:s, s:I, s:I, s:s, s:s, s:s, s:s%, s:s, s:I, s:s, s:o, s:o, s:s, s:I, s:{s:s, s:s, s:s, s:s, s:s},"
        " s:{s:I, s:s, s:s}}",
        "document_no", ph_column_text(stmt, 0), "version", (json_int_t)sqlite3_column_int64(stmt, 1),
        "latest_version", (json_int_t)sqlite3_column_int64(stmt, 2), "type", type, "type_zh",
        ph_enum_label(&ph_enum_document_type, type), "title", ph_column_text(stmt, 4), "content",
        content != NULL ? (const char *)content : "", (size_t)content_len, "content_sha256",
        ph_column_text(stmt, 6), "content_bytes", (json_int_t)content_len, "published_on",
        ph_column_text(stmt, 7), "period", text_or_null(stmt, 8), "change_reason", text_or_null(stmt, 9),
        "created_at", ph_column_text(stmt, 10), "log_index", (json_int_t)sqlite3_column_int64(stmt, 11),
        "product", "registration_no", ph_column_text(stmt, 12), "name", ph_column_text(stmt, 13), "category",
        ph_column_text(stmt, 14), "status", ph_column_text(stmt, 15), "status_zh",
        ph_enum_label(&ph_enum_product_status, ph_column_text(stmt, 15)), "insurer", "id",
        (json_int_t)sqlite3_column_int64(stmt, 16), "name", ph_column_text(stmt, 17), "short_name",
        ph_column_text(stmt, 18));
    sqlite3_reset(stmt);
    if (*out == NULL) {
        ph_db_problem(reg, problems, "document json");
        return PH_ERR_INTERNAL;
    }
    json_object_set_new(*out, "url", json_string(url));
    return PH_OK;
}

ph_status ph_document_versions(struct ph_registry *reg, const char *document_no, json_t **out,
                               struct ph_problems *problems)
{
    static const char sql[] =
        "SELECT v.version, v.title, v.content_sha256, length(v.content), v.published_on, v.change_reason,"
        " v.created_at, v.log_index FROM documents d JOIN document_versions v ON v.document_id = d.id"
        " WHERE d.document_no = ? ORDER BY v.version";
    *out = NULL;
    sqlite3_stmt *stmt = NULL;
    ph_status found = stmt_for_document_no(reg, sql, document_no, &stmt, problems);
    if (found != PH_OK)
        return found;
    json_t *items = json_array();
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        json_array_append_new(items,
                              json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:s, s:I}", "version",
                                        (json_int_t)sqlite3_column_int64(stmt, 0), "title",
                                        ph_column_text(stmt, 1), "content_sha256", ph_column_text(stmt, 2),
                                        "content_bytes", (json_int_t)sqlite3_column_int64(stmt, 3),
                                        "published_on", ph_column_text(stmt, 4), "change_reason",
                                        text_or_null(stmt, 5), "created_at", ph_column_text(stmt, 6),
                                        "log_index", (json_int_t)sqlite3_column_int64(stmt, 7)));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        json_decref(items);
        ph_db_problem(reg, problems, "document versions");
        return PH_ERR_INTERNAL;
    }
    if (json_array_size(items) == 0) {
        json_decref(items);
        document_not_found(problems, document_no);
        return PH_ERR_NOT_FOUND;
    }
    *out = json_pack("{s:s, s:I, s:o}", "document_no", document_no, "total",
                     (json_int_t)json_array_size(items), "items", items);
    return PH_OK;
}

ph_status ph_product_documents(struct ph_registry *reg, const char *registration_no, json_t **out,
                               struct ph_problems *problems)
{
    static const char sql_exists[] = "SELECT 1 FROM products WHERE registration_no = ?";
    static const char sql[] =
        "SELECT d.document_no, d.latest_version, d.type, v.title, v.published_on, v.period, v.content_sha256,"
        " v.log_index FROM products p JOIN documents d ON d.product_id = p.id"
        " JOIN document_versions v ON v.document_id = d.id AND v.version = d.latest_version"
        " WHERE p.registration_no = ? ORDER BY v.published_on DESC, d.id DESC";
    *out = NULL;
    if (!ph_registration_no_is_valid(registration_no)) {
        ph_problems_add(problems, "product_not_found", "registration_no",
                        "没有找到登记编号为“%.20s”的产品。请核对编号，格式像 PH-2026-000123。",
                        registration_no != NULL ? registration_no : "");
        return PH_ERR_NOT_FOUND;
    }
    bool began = ph_read_begin(reg);
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL) {
        ph_read_end(reg, began);
        return PH_ERR_INTERNAL;
    }
    if (!ph_row_exists(reg, sql_exists, registration_no)) {
        ph_read_end(reg, began);
        ph_problems_add(problems, "product_not_found", "registration_no",
                        "没有找到登记编号为“%.20s”的产品。请核对编号，格式像 PH-2026-000123。",
                        registration_no);
        return PH_ERR_NOT_FOUND;
    }
    sqlite3_bind_text(stmt, 1, registration_no, -1, SQLITE_STATIC);
    json_t *items = json_array();
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *type = ph_column_text(stmt, 2);
        json_array_append_new(
            items, json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:I}", "document_no",
                             ph_column_text(stmt, 0), "version", (json_int_t)sqlite3_column_int64(stmt, 1),
                             "type", type, "type_zh", ph_enum_label(&ph_enum_document_type, type), "title",
                             ph_column_text(stmt, 3), "published_on", ph_column_text(stmt, 4), "period",
                             text_or_null(stmt, 5), "content_sha256", ph_column_text(stmt, 6), "log_index",
                             (json_int_t)sqlite3_column_int64(stmt, 7)));
    }
    sqlite3_reset(stmt);
    ph_read_end(reg, began);
    if (rc != SQLITE_DONE) {
        json_decref(items);
        ph_db_problem(reg, problems, "product documents");
        return PH_ERR_INTERNAL;
    }
    *out = json_pack("{s:s, s:I, s:o}", "registration_no", registration_no, "total",
                     (json_int_t)json_array_size(items), "items", items);
    return PH_OK;
}

/* --- filings ------------------------------------------------------------- */

ph_status ph_filing_register(struct ph_registry *reg, int64_t insurer_id, const json_t *filing, json_t **out,
                             struct ph_problems *problems)
{
    *out = NULL;
    if (!json_is_object(filing)) {
        ph_problems_add(problems, "body_type", "", "申报内容应该是一个对象，包含 product 和 documents。");
        return PH_ERR_INVALID;
    }
    const char *key;
    const json_t *unused;
    ph_status st = PH_OK;
    json_object_foreach ((json_t *)filing, key, unused) {
        if (strcmp(key, "product") != 0 && strcmp(key, "documents") != 0) {
            ph_problems_add(problems, "field_unknown", key,
                            "申报里不认识「%.40s」这一项，只能有 product 和 documents。", key);
            st = PH_ERR_INVALID;
        }
    }
    const json_t *body = json_object_get(filing, "product");
    const json_t *documents = json_object_get(filing, "documents");
    if (!json_is_object(body)) {
        ph_problems_add(problems, body == NULL || json_is_null(body) ? "field_required" : "field_type",
                        "product", "申报里要有产品（product），而且应该是一个对象。");
        st = PH_ERR_INVALID;
    }
    size_t n = 0;
    if (documents != NULL && !json_is_null(documents)) {
        if (!json_is_array(documents)) {
            ph_problems_add(problems, "field_type", "documents", "文件（documents）应该是一个列表（数组）。");
            st = PH_ERR_INVALID;
        } else if ((n = json_array_size(documents)) > PH_FILING_DOCUMENTS_MAX) {
            ph_problems_add(problems, "batch_length", "documents",
                            "一次申报最多带 %d 个文件，现在是 %zu 个。", PH_FILING_DOCUMENTS_MAX, n);
            st = PH_ERR_INVALID;
            n = 0;
        }
    }
    /* Every problem of every part first, with its path, and no transaction
     * held while validating. */
    json_t *warnings = json_array();
    json_t *product = NULL;
    json_t *unused_reason = NULL;
    if (json_is_object(body)) {
        snprintf(problems->field_prefix, sizeof problems->field_prefix, "product.");
        if (ph_product_validate(body, PH_VALIDATE_REGISTER, &product, &unused_reason, warnings, problems) !=
            PH_OK)
            st = PH_ERR_INVALID;
    }
    json_t *cleans = json_array();
    for (size_t i = 0; i < n; i++) {
        snprintf(problems->field_prefix, sizeof problems->field_prefix, "documents[%zu].", i);
        json_t *clean = validate_document(json_array_get(documents, i), NULL, problems);
        if (clean == NULL)
            st = PH_ERR_INVALID;
        json_array_append_new(cleans, clean != NULL ? clean : json_null());
    }
    problems->field_prefix[0] = '\0';

    json_t *product_result = NULL;
    int64_t product_id = 0;
    json_t *doc_results = json_array();
    if (st == PH_OK)
        st = ph_tx_begin(reg, problems);
    if (st == PH_OK) {
        st = ph_insurer_may_file(reg, insurer_id, problems);
        if (st == PH_OK)
            st =
                ph_product_insert(reg, insurer_id, product, warnings, &product_result, &product_id, problems);
        const char *regno = json_string_value(json_object_get(product_result, "registration_no"));
        for (size_t i = 0; i < n && st == PH_OK; i++) {
            struct document_target t = {.insurer_id = insurer_id};
            snprintf(t.registration_no, sizeof t.registration_no, "%s", regno);
            t.product_id = product_id;
            json_t *result = NULL;
            st = insert_document(reg, &t, json_array_get(cleans, i), json_array_get(documents, i), &result,
                                 problems);
            if (st == PH_OK)
                json_array_append_new(doc_results, result);
        }
        st = ph_tx_finish(reg, st, problems);
    }
    if (st == PH_OK) {
        json_object_set(product_result, "documents", doc_results);
        *out = product_result;
        product_result = NULL;
    }
    json_decref(product_result);
    json_decref(doc_results);
    json_decref(cleans);
    json_decref(product);
    json_decref(warnings);
    return st;
}
