/*
 * registry/changes.c - "what changed": the registry's events by date, read
 * from the transparency log (see registry.h, "what changed").
 *
 * Why on read. Every event is already a log leaf, written in the same
 * transaction as the change, and product versions are immutable: whether a
 * new version changed the premium is a fact of two rows that never change,
 * so computing it when asked can never disagree with the log, needs no
 * migration or backfill, and stays right for leaves written before this
 * file existed. The cost is a scan of the log per page (a COUNT and a
 * LIMIT/OFFSET query with json_extract per leaf); docs/internals/history.md
 * measures it and says what to add when the log is large. Pages go through
 * the search's answer cache (search_internal.h), valid until the next leaf,
 * so only the first reader after a change pays for the scan.
 */
#include <stdio.h>
#include <string.h>

#include "i18n/format.h"
#include "registry/internal.h"
#include "registry/rules.h"
#include "registry/search_cache.h"
#include "registry/search_internal.h"

static const struct {
    const char *code;
    const char *label;
} KINDS[] = {
    {"registration", "新登记"}, {"version", "新版本"},        {"rate_change", "费率调整"},
    {"withdrawal", "停售"},     {"suspension", "暂停销售"},   {"reinstatement", "恢复销售"},
    {"document", "公开文件"},   {"solvency", "偿付能力报告"}, {"insurer", "新保险公司"},
};
#define KIND_COUNT (sizeof KINDS / sizeof KINDS[0])

void ph_changes_query_init(struct ph_changes_query *query)
{
    memset(query, 0, sizeof *query);
    query->page = 1;
    query->per_page = PH_CHANGES_PER_PAGE_DEFAULT;
}

const char *ph_changes_kind_code(size_t index)
{
    return index < KIND_COUNT ? KINDS[index].code : NULL;
}

const char *ph_changes_kind_label(const char *code)
{
    for (size_t i = 0; code != NULL && i < KIND_COUNT; i++) {
        if (strcmp(KINDS[i].code, code) == 0)
            return KINDS[i].label;
    }
    return NULL;
}

/* --- the query ------------------------------------------------------------------ */

/* Parameters: ?1 ?2 the UTC bounds' China dates (NULL: open), ?3 kind,
 * ?4 insurer id (0: all), ?5 category, ?6 region, ?7 its city, ?8 its
 * province, ?9 a LIKE pattern for the units inside it. */
#define CHANGES_FROM_WHERE                                                                                   \
    " FROM (SELECT r.*, CASE r.event"                                                                        \
    "   WHEN 'product_registered' THEN 'registration'"                                                       \
    "   WHEN 'product_version_published' THEN CASE WHEN r.rate_change THEN 'rate_change' ELSE 'version' END" \
    "   WHEN 'product_withdrawn' THEN 'withdrawal' WHEN 'product_suspended' THEN 'suspension'"               \
    "   WHEN 'product_reinstated' THEN 'reinstatement' WHEN 'solvency_reported' THEN 'solvency'"             \
    "   WHEN 'insurer_added' THEN 'insurer' ELSE 'document' END AS kind"                                     \
    " FROM (SELECT e.*, p.id AS product_id, p.name AS product_name, p.category AS category,"                 \
    "   COALESCE(p.insurer_id, e.leaf_insurer,"                                                              \
    "     CASE WHEN e.event = 'insurer_added' THEN (SELECT n.id FROM insurers n WHERE n.log_index = e.idx) " \
    "END)"                                                                                                   \
    "     AS insurer_id,"                                                                                    \
    "   CASE WHEN e.event = 'product_version_published' THEN COALESCE((SELECT"                               \
    "     json_extract(v.body, '$.premium_yuan_per_year.min') IS NOT"                                        \
    "       json_extract(w.body, '$.premium_yuan_per_year.min')"                                             \
    "     OR json_extract(v.body, '$.premium_yuan_per_year.max') IS NOT"                                     \
    "       json_extract(w.body, '$.premium_yuan_per_year.max')"                                             \
    "     OR json_extract(v.body, '$.premium_rate.this_pct') IS NOT"                                         \
    "       json_extract(w.body, '$.premium_rate.this_pct')"                                                 \
    "     FROM product_versions v JOIN product_versions w ON w.product_id = v.product_id"                    \
    "       AND w.version = v.version - 1"                                                                   \
    "     WHERE v.product_id = p.id AND v.version = e.version), 0) ELSE 0 END AS rate_change"                \
    "  FROM (SELECT l.idx AS idx, l.event AS event, l.created_at AS created_at,"                             \
    "     CAST(l.data AS TEXT) AS data,"                                                                     \
    "     json_extract(CAST(l.data AS TEXT), '$.registration_no') AS regno,"                                 \
    "     json_extract(CAST(l.data AS TEXT), '$.version') AS version,"                                       \
    "     json_extract(CAST(l.data AS TEXT), '$.insurer_id') AS leaf_insurer"                                \
    "   FROM log_leaves l"                                                                                   \
    "   WHERE l.event IN ('insurer_added', 'solvency_reported', 'product_registered',"                       \
    "     'product_version_published', 'product_withdrawn', 'product_suspended', 'product_reinstated',"      \
    "     'document_published', 'document_version_published')"                                               \
    "     AND (?1 IS NULL OR l.created_at >= strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-8 hours'))"                \
    "     AND (?2 IS NULL OR l.created_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?2, '+1 day', '-8 hours'))) e"    \
    "  LEFT JOIN products p ON p.registration_no = e.regno) r) c"                                            \
    " LEFT JOIN insurers i ON i.id = c.insurer_id"                                                           \
    " WHERE (?3 IS NULL OR c.kind = ?3 OR (?3 = 'version' AND c.kind = 'rate_change'))"                      \
    "   AND (?4 = 0 OR c.insurer_id = ?4)"                                                                   \
    "   AND (?5 IS NULL OR c.category = ?5)"                                                                 \
    "   AND (?6 IS NULL OR EXISTS (SELECT 1 FROM product_regions g WHERE g.product_id = c.product_id"        \
    "     AND (g.region IN ('000000', ?6, ?7, ?8) OR g.region LIKE ?9)))"

static const char sql_count[] = "SELECT COUNT(*)" CHANGES_FROM_WHERE;
static const char sql_page[] =
    "SELECT c.idx, c.event, c.created_at, date(c.created_at, '+8 hours'), c.data, c.regno, c.version,"
    " c.product_name, c.category, c.insurer_id, i.name, i.short_name, c.kind" CHANGES_FROM_WHERE
    " ORDER BY c.idx DESC LIMIT ?10 OFFSET ?11";
static const char sql_premiums[] =
    "SELECT json_extract(w.body, '$.premium_yuan_per_year'), json_extract(v.body, '$.premium_yuan_per_year'),"
    " json_extract(w.body, '$.premium_rate.this_pct'), json_extract(v.body, '$.premium_rate.this_pct')"
    " FROM products p JOIN product_versions v ON v.product_id = p.id AND v.version = ?2"
    " JOIN product_versions w ON w.product_id = p.id AND w.version = ?2 - 1"
    " WHERE p.registration_no = ?1";


static void bind_filters(sqlite3_stmt *stmt, const struct ph_changes_query *q, const struct ph_region_units *r)
{
    if (q->date_from != NULL)
        sqlite3_bind_text(stmt, 1, q->date_from, -1, SQLITE_STATIC);
    if (q->date_to != NULL)
        sqlite3_bind_text(stmt, 2, q->date_to, -1, SQLITE_STATIC);
    if (q->kind != NULL)
        sqlite3_bind_text(stmt, 3, q->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, q->insurer_id);
    if (q->category != NULL)
        sqlite3_bind_text(stmt, 5, q->category, -1, SQLITE_STATIC);
    if (q->region != NULL) {
        sqlite3_bind_text(stmt, 6, q->region, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 7, r->city, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 8, r->province, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 9, r->like, -1, SQLITE_STATIC);
    }
}

static bool check_query(const struct ph_changes_query *q, struct ph_problems *problems)
{
    size_t before = ph_problems_count(problems);
    if (q->date_from != NULL && !ph_date_is_valid(q->date_from))
        ph_problems_add(problems, "date_invalid", "date_from",
                        "开始日期要写成 2026-11-29 这样：年-月-日，都是数字。");
    if (q->date_to != NULL && !ph_date_is_valid(q->date_to))
        ph_problems_add(problems, "date_invalid", "date_to",
                        "结束日期要写成 2026-11-29 这样：年-月-日，都是数字。");
    if (q->date_from != NULL && q->date_to != NULL && ph_date_is_valid(q->date_from) &&
        ph_date_is_valid(q->date_to) && strcmp(q->date_from, q->date_to) > 0)
        ph_problems_add(problems, "date_range_invalid", "date_to", "结束日期不能早于开始日期。");
    if (q->kind != NULL && ph_changes_kind_label(q->kind) == NULL)
        ph_problems_add(problems, "kind_invalid", "kind", "没有这种变化。请从列表里选。");
    if (q->insurer_id < 0)
        ph_problems_add(problems, "insurer_invalid", "insurer", "保险公司的编号是 1、2、3 这样的数字。");
    if (q->category != NULL && !ph_enum_has(&ph_enum_category, q->category))
        ph_problems_add(problems, "category_invalid", "category", "没有这个保险种类。请从列表里选。");
    if (q->region != NULL && !ph_region_is_valid(q->region))
        ph_problems_add(problems, "region_invalid", "region",
                        "地区代码不对。地区代码是 6 位数字，比如 330000。");
    if (q->page < 1 || q->page > PH_CHANGES_PAGE_MAX)
        ph_problems_add(problems, "page_invalid", "page", "页码要在 1 到 %d 之间。", PH_CHANGES_PAGE_MAX);
    if (q->per_page < 1 || q->per_page > PH_CHANGES_PER_PAGE_MAX)
        ph_problems_add(problems, "per_page_invalid", "per_page", "每页条数要在 1 到 %d 之间。",
                        PH_CHANGES_PER_PAGE_MAX);
    return ph_problems_count(problems) == before;
}

/* --- one item ------------------------------------------------------------------------ */

/* "2026年第二季度" for "2026Q2". */
static void quarter_words(const char *quarter, char *buf, size_t size)
{
    static const char *const names[] = {"一", "二", "三", "四"};
    if (quarter != NULL && ph_quarter_is_valid(quarter))
        snprintf(buf, size, "%.4s年第%s季度", quarter, names[quarter[5] - '1']);
    else
        snprintf(buf, size, "%s", quarter != NULL ? quarter : "");
}

/* A reason as its own short sentence, without a doubled full stop. */
static void reason_sentence(const char *label, const char *reason, char *buf, size_t size)
{
    if (reason == NULL || reason[0] == '\0') {
        buf[0] = '\0';
        return;
    }
    size_t len = strlen(reason);
    bool ends = len >= 3 && (strcmp(reason + len - 3, "。") == 0 || strcmp(reason + len - 3, "！") == 0);
    snprintf(buf, size, "%s：%s%s", label, reason, ends ? "" : "。");
}

/* "每年 99 元" or "每年 99 到 299 元" for a premium object. */
static void premium_words(const json_t *premium, char *buf, size_t size)
{
    double min = json_number_value(json_object_get(premium, "min"));
    double max = json_number_value(json_object_get(premium, "max"));
    char a[PH_FORMAT_MAX_BYTES], b[PH_FORMAT_MAX_BYTES];
    if (ph_format_yuan_per_year(min, a, sizeof a) != PH_I18N_OK)
        snprintf(a, sizeof a, "每年 %g 元", min);
    if (max <= min) {
        snprintf(buf, size, "%s", a);
        return;
    }
    if (ph_format_yuan(max, b, sizeof b) != PH_I18N_OK)
        snprintf(b, sizeof b, "%g元", max);
    /* "每年 99 元" -> "每年 99 到 299元": the minimum without its unit. */
    size_t alen = strlen(a);
    if (alen > 4 && strcmp(a + alen - 4, " 元") == 0)
        a[alen - 4] = '\0';
    else if (alen > 3 && strcmp(a + alen - 3, "元") == 0)
        a[alen - 3] = '\0';
    snprintf(buf, size, "%s 到 %s", a, b);
}

/* The premiums before and after a rate change, into item.premium, and
 * the sentence saying it. */
static void rate_change_words(struct ph_registry *reg, json_t *item, const char *regno, int64_t version,
                              char *buf, size_t size)
{
    buf[0] = '\0';
    struct ph_problems ignored;
    ph_problems_init(&ignored);
    sqlite3_stmt *stmt = ph_stmt(reg, sql_premiums, &ignored);
    ph_problems_release(&ignored);
    if (stmt == NULL)
        return;
    sqlite3_bind_text(stmt, 1, regno, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, version);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        json_t *before = ph_column_json(stmt, 0);
        json_t *after = ph_column_json(stmt, 1);
        double rate_before = sqlite3_column_double(stmt, 2);
        double rate_after = sqlite3_column_double(stmt, 3);
        if (json_is_object(before) && json_is_object(after)) {
            json_object_set_new(item, "premium", json_pack("{s:O, s:O}", "before", before, "after", after));
            char was[160], now[160];
            premium_words(before, was, sizeof was);
            premium_words(after, now, sizeof now);
            if (!json_equal(before, after))
                snprintf(buf, size, "保费从%s改为%s。", was, now);
            else
                snprintf(buf, size, "费率从 %g%% 改为 %g%%。", rate_before, rate_after);
        }
        json_decref(before);
        json_decref(after);
    }
    sqlite3_reset(stmt);
}

struct row {
    int64_t idx;
    const char *event, *created_at, *day, *regno, *name, *category, *insurer_name, *insurer_short, *kind;
    int64_t version;
    int64_t insurer_id;
    json_t *data;
};

static json_t *item_json(struct ph_registry *reg, const struct row *r)
{
    json_t *item = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?}", "log_index", (json_int_t)r->idx, "time",
                             r->created_at, "date", r->day, "event", r->event, "kind", r->kind, "kind_zh",
                             ph_changes_kind_label(r->kind));
    json_object_set_new(item, "insurer",
                        r->insurer_name != NULL
                            ? json_pack("{s:I, s:s, s:s?}", "id", (json_int_t)r->insurer_id, "name",
                                        r->insurer_name, "short_name", r->insurer_short)
                            : json_null());
    const char *name = r->name != NULL ? r->name : r->regno;
    const char *who = r->insurer_short != NULL ? r->insurer_short : (r->insurer_name ? r->insurer_name : "");
    const char *reason = json_string_value(json_object_get(r->data, "reason"));
    const char *change_reason = json_string_value(json_object_get(r->data, "change_reason"));
    const char *document_no = json_string_value(json_object_get(r->data, "document_no"));
    const char *title = json_string_value(json_object_get(r->data, "title"));
    char sentence[1024] = "", more[640] = "", page[128] = "", diff[160] = "", api[128] = "", log[64];
    snprintf(log, sizeof log, "/log/leaves/%lld", (long long)r->idx);

    if (r->regno != NULL) {
        json_object_set_new(item, "registration_no", json_string(r->regno));
        json_object_set_new(item, "product_name", name != NULL ? json_string(name) : json_null());
        json_object_set_new(item, "category", r->category ? json_string(r->category) : json_null());
    }
    if (strcmp(r->kind, "document") == 0) {
        json_object_set_new(item, "document_no", document_no ? json_string(document_no) : json_null());
        json_object_set_new(item, "document_title", title ? json_string(title) : json_null());
        json_object_set_new(item, "version", json_integer(r->version));
        if (r->version <= 1)
            snprintf(sentence, sizeof sentence, "“%s”公开了新文件。文件名是《%s》。", name ? name : "",
                     title ? title : "");
        else
            snprintf(sentence, sizeof sentence, "文件《%s》更新为第 %lld 版。", title ? title : "",
                     (long long)r->version);
        reason_sentence("原因", change_reason, more, sizeof more);
        if (document_no != NULL) {
            snprintf(page, sizeof page, "/documents/%s/versions/%lld", document_no, (long long)r->version);
            snprintf(api, sizeof api, "/api/v1/documents/%s/versions/%lld", document_no,
                     (long long)r->version);
            if (r->version >= 2)
                snprintf(diff, sizeof diff, "/documents/%s/diff?from=%lld&to=%lld", document_no,
                         (long long)(r->version - 1), (long long)r->version);
        }
    } else if (strcmp(r->kind, "solvency") == 0) {
        const char *quarter = json_string_value(json_object_get(r->data, "quarter"));
        const char *rating = json_string_value(json_object_get(r->data, "rating"));
        bool adequate = ph_solvency_is_adequate(
            json_number_value(json_object_get(r->data, "core_pct")),
            json_number_value(json_object_get(r->data, "comprehensive_pct")), rating ? rating : "");
        char quarter_zh[64];
        quarter_words(quarter, quarter_zh, sizeof quarter_zh);
        snprintf(sentence, sizeof sentence, "%s交了%s的偿付能力报告。", who, quarter_zh);
        snprintf(more, sizeof more, "%s", adequate ? "结果达标。" : "结果不达标，它的产品暂时不能卖。");
        json_object_set_new(item, "quarter", quarter ? json_string(quarter) : json_null());
        json_object_set_new(item, "adequate", json_boolean(adequate));
        snprintf(page, sizeof page, "/insurers/%lld", (long long)r->insurer_id);
        snprintf(api, sizeof api, "/api/v1/insurers/%lld", (long long)r->insurer_id);
    } else if (strcmp(r->kind, "insurer") == 0) {
        snprintf(sentence, sizeof sentence, "新加入的保险公司：%s。", r->insurer_name ? r->insurer_name : "");
        snprintf(page, sizeof page, "/insurers/%lld", (long long)r->insurer_id);
        snprintf(api, sizeof api, "/api/v1/insurers/%lld", (long long)r->insurer_id);
    } else if (r->regno != NULL) {
        bool versioned =
            strcmp(r->event, "product_registered") == 0 || strcmp(r->event, "product_version_published") == 0;
        if (versioned) {
            json_object_set_new(item, "version", json_integer(r->version));
            snprintf(page, sizeof page, "/products/%s/versions/%lld", r->regno, (long long)r->version);
            snprintf(api, sizeof api, "/api/v1/products/%s/versions/%lld", r->regno, (long long)r->version);
        } else {
            snprintf(page, sizeof page, "/products/%s", r->regno);
            snprintf(api, sizeof api, "/api/v1/products/%s", r->regno);
        }
        if (strcmp(r->kind, "registration") == 0) {
            snprintf(sentence, sizeof sentence, "%s登记了新产品“%s”。", who, name);
        } else if (strcmp(r->kind, "version") == 0 || strcmp(r->kind, "rate_change") == 0) {
            json_object_set_new(item, "previous_version", json_integer(r->version - 1));
            snprintf(diff, sizeof diff, "/products/%s/diff?from=%lld&to=%lld", r->regno,
                     (long long)(r->version - 1), (long long)r->version);
            if (strcmp(r->kind, "rate_change") == 0) {
                char words[400];
                rate_change_words(reg, item, r->regno, r->version, words, sizeof words);
                bool premium = strncmp(words, "保费", strlen("保费")) == 0;
                snprintf(sentence, sizeof sentence, "“%s”调整了%s，这是第 %lld 版。%s", name,
                         premium ? "保费" : "费率", (long long)r->version, words);
            } else {
                snprintf(sentence, sizeof sentence, "“%s”发布了第 %lld 版。", name, (long long)r->version);
            }
            reason_sentence("原因", change_reason, more, sizeof more);
        } else if (strcmp(r->kind, "withdrawal") == 0) {
            const char *date = json_string_value(json_object_get(r->data, "date"));
            char date_zh[PH_FORMAT_MAX_BYTES] = "";
            if (date == NULL || ph_format_date_zh(date, date_zh, sizeof date_zh) != PH_I18N_OK)
                snprintf(date_zh, sizeof date_zh, "%s", date ? date : "");
            json_object_set_new(item, "withdrawal_date", date ? json_string(date) : json_null());
            snprintf(sentence, sizeof sentence, "“%s”登记停售，从%s起不再卖。", name, date_zh);
            reason_sentence("原因", reason, more, sizeof more);
        } else if (strcmp(r->kind, "suspension") == 0) {
            snprintf(sentence, sizeof sentence, "平台暂停了“%s”的销售。", name);
            reason_sentence("原因", reason, more, sizeof more);
        } else {
            snprintf(sentence, sizeof sentence, "平台恢复了“%s”的销售。", name);
        }
    }
    const char *why =
        strcmp(r->kind, "withdrawal") == 0 || strcmp(r->kind, "suspension") == 0 ? reason : change_reason;
    if (why != NULL && strcmp(r->kind, "solvency") != 0 && strcmp(r->kind, "insurer") != 0)
        json_object_set_new(item, "reason", json_string(why));
    char said[1700];
    snprintf(said, sizeof said, "%s%s", sentence, more);
    json_object_set_new(item, "sentence_zh", json_string(said));
    json_t *links = json_pack("{s:s}", "log", log);
    if (page[0] != '\0')
        json_object_set_new(links, "page", json_string(page));
    if (diff[0] != '\0')
        json_object_set_new(links, "diff", json_string(diff));
    if (api[0] != '\0')
        json_object_set_new(links, "api", json_string(api));
    json_object_set_new(item, "links", links);
    return item;
}

/* --- the list ----------------------------------------------------------------------------- */

static json_t *filters_json(const struct ph_changes_query *q)
{
    return json_pack("{s:s?, s:s?, s:s?, s:I, s:s?, s:s?}", "date_from", q->date_from, "date_to", q->date_to,
                     "kind", q->kind, "insurer", (json_int_t)q->insurer_id, "category", q->category, "region",
                     q->region);
}

static ph_status changes_uncached(struct ph_registry *reg, const struct ph_changes_query *query, json_t **out,
                                  struct ph_problems *problems)
{
    struct ph_region_units region = {"", "", ""};
    if (query->region != NULL)
        ph_region_units(query->region, &region);

    bool began = ph_read_begin(reg);
    ph_status st = PH_OK;
    int64_t total = 0;
    sqlite3_stmt *count = ph_stmt(reg, sql_count, problems);
    if (count == NULL) {
        st = PH_ERR_INTERNAL;
    } else {
        bind_filters(count, query, &region);
        if (sqlite3_step(count) == SQLITE_ROW) {
            total = sqlite3_column_int64(count, 0);
        } else {
            ph_db_problem(reg, problems, "changes count");
            st = PH_ERR_INTERNAL;
        }
        sqlite3_reset(count);
    }
    json_t *items = json_array();
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_page, problems) : NULL;
    if (stmt != NULL) {
        bind_filters(stmt, query, &region);
        sqlite3_bind_int64(stmt, 10, query->per_page);
        sqlite3_bind_int64(stmt, 11, (query->page - 1) * query->per_page);
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            struct row r = {
                .idx = sqlite3_column_int64(stmt, 0),
                .event = ph_column_text(stmt, 1),
                .created_at = ph_column_text(stmt, 2),
                .day = ph_column_text(stmt, 3),
                .data = ph_column_json(stmt, 4),
                .regno = ph_column_text(stmt, 5),
                .version = sqlite3_column_int64(stmt, 6),
                .name = ph_column_text(stmt, 7),
                .category = ph_column_text(stmt, 8),
                .insurer_id = sqlite3_column_int64(stmt, 9),
                .insurer_name = ph_column_text(stmt, 10),
                .insurer_short = ph_column_text(stmt, 11),
                .kind = ph_column_text(stmt, 12),
            };
            if (r.event != NULL && r.created_at != NULL && r.day != NULL && r.kind != NULL)
                json_array_append_new(items, item_json(reg, &r));
            json_decref(r.data);
        }
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
            ph_db_problem(reg, problems, "changes page");
            st = PH_ERR_INTERNAL;
        }
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    ph_read_end(reg, began);
    if (st != PH_OK) {
        json_decref(items);
        return st;
    }
    int64_t pages = total == 0 ? 1 : (total + query->per_page - 1) / query->per_page;
    *out = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "total", (json_int_t)total, "page",
                     (json_int_t)query->page, "per_page", (json_int_t)query->per_page, "pages",
                     (json_int_t)pages, "filters", filters_json(query), "items", items);
    return PH_OK;
}

static ph_status compute_changes(struct ph_registry *reg, const void *query, json_t **out,
                                 struct ph_problems *problems)
{
    return changes_uncached(reg, query, out, problems);
}

/* Every field of the query (all checked: dates, codes, numbers; no free
 * text, so no value can imitate a separator). */
static bool changes_cache_key(const struct ph_changes_query *q, char key[PH_SEARCH_CACHE_KEY_MAX])
{
    int n = snprintf(key, PH_SEARCH_CACHE_KEY_MAX,
                     "changes\x1f%s\x1f%s\x1f%s\x1f%lld\x1f%s\x1f%s\x1f%lld\x1f%lld",
                     q->date_from ? q->date_from : "", q->date_to ? q->date_to : "", q->kind ? q->kind : "",
                     (long long)q->insurer_id, q->category ? q->category : "", q->region ? q->region : "",
                     (long long)q->page, (long long)q->per_page);
    return n > 0 && n < PH_SEARCH_CACHE_KEY_MAX;
}

/* Each page is a scan of the log (0.3-0.5 s at 100,000 leaves): answers go
 * through the search's answer cache, valid until the next leaf. */
ph_status ph_changes_list(struct ph_registry *reg, const struct ph_changes_query *query, json_t **out,
                          struct ph_problems *problems)
{
    *out = NULL;
    if (!check_query(query, problems))
        return PH_ERR_BAD_REQUEST;
    char key[PH_SEARCH_CACHE_KEY_MAX];
    if (reg->search_cache == NULL || !changes_cache_key(query, key))
        return changes_uncached(reg, query, out, problems);
    return ph_search_cached_json(reg, key, false, compute_changes, query, out, problems);
}
