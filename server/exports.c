/*
 * server/exports.c - CSV twins of the product lists and the full snapshot
 * downloads (exports.h). The rows come from registry iterators that hold
 * one read snapshot and build one row at a time; this file turns each into
 * bytes in a buffer that is sent as a chunk every EXPORT_CHUNK_BYTES, so
 * the server's memory does not grow with the export.
 */
#include "server/exports.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "a11y/buf.h"
#include "registry/rules.h"
#include "registry/search.h"
#include "registry/snapshot.h"
#include "server/csv.h"
#include "server/server.h"

#define EXPORT_CHUNK_BYTES (64u * 1024)
/* A CSV row is a product's short facts: far below this, whatever the text. */
#define EXPORT_ROW_MAX_BYTES (EXPORT_CHUNK_BYTES + 256u * 1024)
/* An NDJSON line can hold a whole document (512 KiB of text, which JSON
 * escaping can make up to six times longer: control characters as \u00XX). */
#define EXPORT_LINE_MAX_BYTES (EXPORT_CHUNK_BYTES + 6u * PH_DOCUMENT_CONTENT_MAX_BYTES + 64u * 1024)
#define EXPORT_PATH_MAX       512

/* --- the stream: a buffer sent in chunks -------------------------------------- */

/* A product sells in at most 500 places (product_validate.c); their names
 * and codes always fit these, so a row is never cut. */
#define REGION_WORDS_BYTES (500u * 48)
#define REGION_CODES_BYTES (500u * 8)

struct export_stream {
    struct ph_request *req;
    struct ph_buf buf;
    struct ph_csv csv;
    bool client_gone;
    int64_t rows;
    char *region_words; /* scratch for one row, REGION_WORDS_BYTES */
    char *region_codes; /* REGION_CODES_BYTES */
};

static void stream_init(struct export_stream *s, struct ph_request *req, size_t cap_bytes)
{
    memset(s, 0, sizeof *s);
    s->req = req;
    ph_buf_init(&s->buf, cap_bytes);
    ph_csv_init(&s->csv, &s->buf);
    s->region_words = malloc(REGION_WORDS_BYTES);
    s->region_codes = malloc(REGION_CODES_BYTES);
    if (s->region_words == NULL || s->region_codes == NULL)
        s->buf.failed = true;
}

static void stream_release(struct export_stream *s)
{
    ph_buf_release(&s->buf);
    free(s->region_words);
    free(s->region_codes);
    s->region_words = NULL;
    s->region_codes = NULL;
}

/* Sends what the buffer holds when it is full enough (or `force`). False
 * when the stream cannot go on (the client went away, or a row broke the
 * buffer's cap). */
static bool stream_flush(struct export_stream *s, bool force)
{
    if (s->buf.failed)
        return false;
    if (s->client_gone)
        return false;
    if (s->buf.len == 0 || (!force && s->buf.len < EXPORT_CHUNK_BYTES))
        return true;
    if (!ph_respond_stream_chunk(s->req, s->buf.data, s->buf.len)) {
        s->client_gone = true;
        return false;
    }
    ph_buf_reset(&s->buf);
    return true;
}

/* Ends the answer: the last chunk only when every row went out. A stream
 * that broke off is left without it, and the connection is closed (the
 * answer said Connection: close), so a client sees a truncated transfer,
 * never a short file that looks whole. */
static void stream_finish(struct export_stream *s, ph_status st)
{
    if (st == PH_OK && stream_flush(s, true))
        ph_respond_stream_end(s->req);
    else if (st != PH_OK)
        fprintf(stderr, "puhui: export of %s broke off after %lld rows\n", s->req->path, (long long)s->rows);
    stream_release(s);
}

/* A validator for a streamed answer, which is not known before it is sent:
 * what decides its bytes is the registry's state (log size), the China
 * date ("on sale" changes with it) and the request (path and query). */
static void export_etag(const struct ph_request *req, int64_t log_size, char out[48])
{
    char today[16];
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    crypto_generichash_state state;
    unsigned char digest[16];
    crypto_generichash_init(&state, NULL, 0, sizeof digest);
    char head[64];
    int n = snprintf(head, sizeof head, "export|%lld|%s|", (long long)log_size, today);
    crypto_generichash_update(&state, (const unsigned char *)head, (size_t)n);
    crypto_generichash_update(&state, (const unsigned char *)req->path, strlen(req->path));
    const char *query = req->info->query_string;
    if (query != NULL) {
        crypto_generichash_update(&state, (const unsigned char *)"?", 1);
        crypto_generichash_update(&state, (const unsigned char *)query, strlen(query));
    }
    crypto_generichash_final(&state, digest, sizeof digest);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(out, 48, "\"x%s\"", hex);
}

/* Begins a streamed answer inside the caller's snapshot: reads the state
 * for the validators, sends the headers. False when there is no body to
 * send (304, HEAD, or the state could not be read: then answered 503). */
static bool stream_begin(struct export_stream *s, const char *content_type, const char *disposition)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t log_size = 0;
    int64_t last_change = 0;
    ph_status st = ph_registry_state(s->req->worker->reader, &log_size, &last_change, &problems);
    if (st != PH_OK) {
        ph_respond_error(s->req, 503, "unavailable", "", "服务器暂时无法读取数据，请稍后再试。");
        ph_problems_release(&problems);
        return false;
    }
    ph_problems_release(&problems);
    char etag[48];
    export_etag(s->req, log_size, etag);
    return ph_respond_stream_begin(s->req, content_type, disposition, etag, last_change);
}

/* The rows of one export: a registry iterator over `query` (NULL for the
 * snapshot's), each row written to the stream. */
typedef ph_status (*export_rows)(struct ph_registry *reg, const void *query, struct export_stream *s,
                                 struct ph_problems *problems);

/* Streams one export inside one read snapshot: the headers, the CSV
 * header row when there is one (with the BOM), then every row. */
static void stream_export(struct ph_request *req, size_t cap_bytes, const char *content_type,
                          const char *disposition, const char *const *csv_header, size_t csv_columns,
                          export_rows rows, const void *query)
{
    struct ph_registry *reg = req->worker->reader;
    struct export_stream s;
    stream_init(&s, req, cap_bytes);
    bool began = ph_snapshot_begin(reg);
    if (stream_begin(&s, content_type, disposition)) {
        if (csv_header != NULL) {
            ph_csv_bom(&s.csv);
            for (size_t i = 0; i < csv_columns; i++)
                ph_csv_text(&s.csv, csv_header[i]);
            ph_csv_end_row(&s.csv);
        }
        struct ph_problems problems;
        ph_problems_init(&problems);
        ph_status st = rows(reg, query, &s, &problems);
        if (st == PH_OK && s.buf.failed)
            st = PH_ERR_INTERNAL;
        stream_finish(&s, s.client_gone ? PH_OK : st);
        ph_problems_release(&problems);
    } else {
        stream_release(&s);
    }
    ph_snapshot_end(reg, began);
}

static void send_documents_csv(struct ph_request *req);

/* --- products as CSV ------------------------------------------------------------- */

static const char *const csv_header[] = {
    "登记编号",
    "产品名称",
    "保险公司",
    "保险种类",
    "适合人群",
    "销售地区",
    "地区代码",
    "最低投保年龄（岁）",
    "最高投保年龄（岁）",
    "每年保费最低（元）",
    "每年保费最高（元）",
    "最高保额（元）",
    "既往症能不能赔",
    "要不要健康告知",
    "状态",
    "现在能买吗",
    "登记日期",
    "最新版本",
    "网址",
};

/* Appends text to a fixed buffer; false (leaving it as it was) when it
 * would not fit. Rows are built without printf or allocation. */
static bool put(char *buf, size_t size, size_t *used, const char *text)
{
    size_t n = strlen(text);
    if (*used + n >= size)
        return false;
    memcpy(buf + *used, text, n);
    *used += n;
    buf[*used] = '\0';
    return true;
}

static void csv_join_labels(struct ph_csv *csv, const struct ph_enum *e, const json_t *codes)
{
    char text[1024];
    size_t used = 0;
    text[0] = '\0';
    size_t i;
    json_t *code;
    json_array_foreach (codes, i, code) {
        const char *c = json_string_value(code);
        const char *label = c != NULL ? ph_enum_label(e, c) : NULL;
        if ((i > 0 && !put(text, sizeof text, &used, "、")) || !put(text, sizeof text, &used,
                                                                    label ? label
                                                                    : c   ? c
                                                                          : ""))
            break;
    }
    ph_csv_textn(csv, text, used);
}

/* Region codes as words ("杭州、宁波", as the pages name them: views.c's
 * ph_view_region_names) and as codes ("330100 330200"). */
static void csv_regions(struct export_stream *s, const json_t *codes)
{
    char *words = s->region_words;
    char *list = s->region_codes;
    size_t words_used = 0;
    size_t list_used = 0;
    words[0] = '\0';
    list[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach (codes, i, v) {
        const char *code = json_string_value(v);
        if (code == NULL)
            continue;
        const char *name = ph_region_short_name(code);
        const char *province = NULL;
        if (name == NULL) {
            /* A place the table does not name: its province, in short. */
            char province_code[8] = {code[0], code[1], '0', '0', '0', '0', '\0', '\0'};
            province = ph_region_short_name(province_code);
            if (province == NULL)
                province = ph_region_province_name(code);
        }
        bool fits = (i == 0 || put(words, REGION_WORDS_BYTES, &words_used, "、")) &&
                    (name != NULL ? put(words, REGION_WORDS_BYTES, &words_used, name)
                                  : put(words, REGION_WORDS_BYTES, &words_used, province ? province : "") &&
                                        put(words, REGION_WORDS_BYTES, &words_used, "部分地区")) &&
                    (i == 0 || put(list, REGION_CODES_BYTES, &list_used, " ")) &&
                    put(list, REGION_CODES_BYTES, &list_used, code);
        if (!fits) {
            /* Beyond the registry's cap: break the export off rather
             * than send a row with places missing. */
            s->buf.failed = true;
            return;
        }
    }
    ph_csv_textn(&s->csv, words, words_used);
    ph_csv_textn(&s->csv, list, list_used);
}

/* Reads `count` decimal digits; -1 when one is not a digit. */
static int read_digits(const char *text, size_t count)
{
    int value = 0;
    for (size_t i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

/* "2026-11-29T03:42:51Z" (UTC) as the date in China, "2026-11-29"; ""
 * for anything else. By hand rather than sscanf: once per row. */
static void china_date(const char *utc, char out[16])
{
    out[0] = '\0';
    if (utc == NULL || strlen(utc) < 20 || utc[4] != '-' || utc[7] != '-' || utc[10] != 'T')
        return;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = read_digits(utc, 4) - 1900;
    tm.tm_mon = read_digits(utc + 5, 2) - 1;
    tm.tm_mday = read_digits(utc + 8, 2);
    tm.tm_hour = read_digits(utc + 11, 2);
    if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_hour < 0)
        return;
    if (tm.tm_hour < 16) {
        /* Before 16:00 UTC it is the same day in China (UTC+8). */
        memcpy(out, utc, 10);
        out[10] = '\0';
        return;
    }
    time_t t = timegm(&tm) + 8 * 3600;
    struct tm china;
    gmtime_r(&t, &china);
    strftime(out, 16, "%Y-%m-%d", &china);
}

static int product_csv_row(void *ctx, const json_t *item)
{
    struct export_stream *s = ctx;
    struct ph_csv *csv = &s->csv;
    const char *regno = json_string_value(json_object_get(item, "registration_no"));
    const char *category = json_string_value(json_object_get(item, "category"));
    const char *preexisting = json_string_value(json_object_get(item, "preexisting_conditions"));
    const char *status = json_string_value(json_object_get(item, "status"));
    const json_t *premium = json_object_get(item, "premium_yuan_per_year");
    ph_csv_text(csv, regno);
    ph_csv_text(csv, json_string_value(json_object_get(item, "name")));
    ph_csv_text(csv, json_string_value(json_object_get(json_object_get(item, "insurer"), "name")));
    ph_csv_text(csv, category ? ph_enum_label(&ph_enum_category, category) : NULL);
    csv_join_labels(csv, &ph_enum_target_group, json_object_get(item, "target_groups"));
    csv_regions(s, json_object_get(item, "regions"));
    ph_csv_int(csv, json_integer_value(json_object_get(item, "age_min")));
    ph_csv_int(csv, json_integer_value(json_object_get(item, "age_max")));
    ph_csv_number(csv, json_number_value(json_object_get(premium, "min")));
    ph_csv_number(csv, json_number_value(json_object_get(premium, "max")));
    ph_csv_number(csv, json_number_value(json_object_get(item, "sum_insured_yuan")));
    ph_csv_text(csv, preexisting ? ph_enum_label(&ph_enum_preexisting, preexisting) : NULL);
    ph_csv_text(csv, json_is_true(json_object_get(item, "health_questionnaire")) ? "要" : "不要");
    ph_csv_text(csv, status ? ph_enum_label(&ph_enum_product_status, status) : NULL);
    ph_csv_text(csv, json_is_true(json_object_get(item, "on_sale")) ? "能" : "不能");
    char date[16];
    china_date(json_string_value(json_object_get(item, "registered_at")), date);
    ph_csv_text(csv, date);
    ph_csv_int(csv, json_integer_value(json_object_get(item, "latest_version")));
    char url[64];
    snprintf(url, sizeof url, "/products/%s", regno ? regno : "");
    ph_csv_text(csv, url);
    ph_csv_end_row(csv);
    s->rows++;
    return stream_flush(s, false) ? 0 : 1;
}

/* Content-Disposition for a CSV download: "<stem>-YYYYMMDD.csv" (the
 * China date), ASCII, also as RFC 6266's filename*. */
static void export_disposition(const char *stem, char *out, size_t size)
{
    char today[16];
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y%m%d", &tm);
    snprintf(out, size, "attachment; filename=\"%s-%s.csv\"; filename*=UTF-8''%s-%s.csv", stem, today, stem,
             today);
}

static ph_status product_csv_rows(struct ph_registry *reg, const void *query, struct export_stream *s,
                                  struct ph_problems *problems)
{
    return ph_search_products_each(reg, query, product_csv_row, s, problems);
}

/* Streams the products a query finds as CSV; the query has been checked. */
static void send_products_csv(struct ph_request *req, const struct ph_search_query *query)
{
    char disposition[160];
    export_disposition("puhui-products", disposition, sizeof disposition);
    stream_export(req, EXPORT_ROW_MAX_BYTES, "text/csv; charset=utf-8", disposition, csv_header,
                  sizeof csv_header / sizeof csv_header[0], product_csv_rows, query);
}

/* Reads q and the filters as the search page and the API do; false after
 * answering the problems with `bad_status` (the twin's status). */
static bool read_query(struct ph_request *req, struct ph_search_params *params, struct ph_search_query *query,
                       int bad_status)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    enum ph_param_read got = ph_query_param(req, "q", params->text, sizeof params->text);
    if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(&problems, "query_too_long", "q",
                        "搜索的文字太长了（最多 %d 字节）。请只输入关键词。", SEARCH_QUERY_MAX_BYTES);
    else if (got == PH_PARAM_PRESENT)
        query->text = params->text;
    if (ph_problems_count(&problems) == 0)
        ph_read_search_params(req, params, query, &problems);
    bool ok = ph_problems_count(&problems) == 0 && ph_search_query_check(query, &problems) == PH_OK;
    if (!ok)
        ph_respond_problems(req, got == PH_PARAM_TOO_LONG ? 400 : bad_status, &problems);
    ph_problems_release(&problems);
    return ok;
}

/* The fixed filter of a browse or insurer page, as the page checks it;
 * false after answering 404 (the page's answer to a code it does not know). */
static bool page_filter(struct ph_request *req, const char *kind, const char *code,
                        struct ph_search_query *query)
{
    bool ok = false;
    if (strcmp(kind, "category") == 0) {
        ok = ph_enum_has(&ph_enum_category, code);
        query->category = code;
    } else if (strcmp(kind, "group") == 0) {
        ok = ph_enum_has(&ph_enum_target_group, code);
        query->group = code;
    } else if (strcmp(kind, "region") == 0) {
        ok = ph_region_is_valid(code) && strcmp(code, "000000") != 0;
        query->region = code;
    } else if (strcmp(kind, "insurer") == 0) {
        int64_t id = 0;
        ok = ph_api_parse_positive_id(code, &id);
        json_t *insurer = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        if (ok && ph_insurer_get(req->worker->reader, id, &insurer, &problems) != PH_OK)
            ok = false;
        ph_problems_release(&problems);
        json_decref(insurer);
        query->insurer_id = id;
    }
    if (!ok)
        ph_respond_error(req, 404, "route_not_found", "", "没有这个分类或保险公司，所以没有可以下载的列表。");
    return ok;
}

/* A product list as CSV: q and the filters (a bad one answers
 * `bad_status`), and the fixed filter of a browse or insurer page (kind and
 * code, or NULL). */
static void products_csv(struct ph_request *req, int bad_status, const char *kind, const char *code)
{
    struct ph_search_params *params = calloc(1, sizeof *params);
    if (params == NULL) {
        ph_respond_error(req, 500, "internal", "", "服务器内存不足，请稍后再试。");
        return;
    }
    struct ph_search_query query;
    ph_search_query_init(&query);
    if (read_query(req, params, &query, bad_status) && (kind == NULL || page_filter(req, kind, code, &query)))
        send_products_csv(req, &query);
    free(params);
}

bool ph_exports_is_page_csv(const char *path)
{
    size_t len = strlen(path);
    return len > 4 && strcmp(path + len - 4, ".csv") == 0;
}

void ph_exports_page_csv(struct ph_request *req)
{
    const char *method = req->info->request_method;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        ph_respond_method_not_allowed(req, "GET, HEAD");
        return;
    }
    /* "/browse/category/medical.csv" -> browse, category, medical. */
    char path[EXPORT_PATH_MAX];
    size_t len = strlen(req->path);
    if (len >= sizeof path || len < 5) {
        ph_respond_error(req, 404, "route_not_found", "", "这个地址没有可以下载的列表。");
        return;
    }
    snprintf(path, sizeof path, "%.*s", (int)(len - 5), req->path + 1);
    char *part[4] = {NULL};
    size_t count = 0;
    for (char *p = path; count < 4;) {
        part[count++] = p;
        char *slash = strchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
        if (count == 4)
            count = 5; /* too deep */
    }
    const char *kind = NULL;
    const char *code = NULL;
    if (count == 1 && (strcmp(part[0], "documents") == 0 || strcmp(part[0], "disclosures") == 0)) {
        send_documents_csv(req);
        return;
    }
    if (count == 1 && strcmp(part[0], "search") == 0) {
        /* no fixed filter */
    } else if (count == 3 && strcmp(part[0], "browse") == 0 && part[2][0] != '\0') {
        kind = part[1];
        code = part[2];
        if (strcmp(kind, "category") != 0 && strcmp(kind, "group") != 0 && strcmp(kind, "region") != 0)
            kind = NULL;
        if (kind == NULL) {
            ph_respond_error(req, 404, "route_not_found", "", "这个地址没有可以下载的列表。");
            return;
        }
    } else if (count == 2 && strcmp(part[0], "insurers") == 0) {
        kind = "insurer";
        code = part[1];
    } else {
        ph_respond_error(req, 404, "route_not_found", "",
                         "这个地址没有可以下载的列表。产品列表的下载地址是 /search.csv?q=…");
        return;
    }
    /* The HTML pages answer a bad filter with 400 (a form with errors). */
    products_csv(req, 400, kind, code);
}

void ph_exports_api_products_csv(struct ph_request *req)
{
    /* As GET /api/v1/products: query_too_long is 400, every other bad
     * value 422 (ph_status_http(PH_ERR_INVALID)). */
    products_csv(req, ph_status_http(PH_ERR_INVALID), NULL, NULL);
}

/* --- documents as CSV ------------------------------------------------------------ */

static const char *const document_csv_header[] = {
    "文件编号", "标题",     "文件类型", "发布日期",         "报告期",  "版本",     "产品登记编号",
    "产品名称", "保险种类", "保险公司", "文件大小（字节）", "SHA-256", "日志序号", "网址",
};

static int document_csv_row(void *ctx, const json_t *item)
{
    struct export_stream *s = ctx;
    struct ph_csv *csv = &s->csv;
    const json_t *product = json_object_get(item, "product");
    const char *document_no = json_string_value(json_object_get(item, "document_no"));
    ph_csv_text(csv, document_no);
    ph_csv_text(csv, json_string_value(json_object_get(item, "title")));
    ph_csv_text(csv, json_string_value(json_object_get(item, "type_zh")));
    ph_csv_text(csv, json_string_value(json_object_get(item, "published_on")));
    ph_csv_text(csv, json_string_value(json_object_get(item, "period")));
    ph_csv_int(csv, json_integer_value(json_object_get(item, "version")));
    ph_csv_text(csv, json_string_value(json_object_get(product, "registration_no")));
    ph_csv_text(csv, json_string_value(json_object_get(product, "name")));
    ph_csv_text(csv, json_string_value(json_object_get(product, "category_zh")));
    ph_csv_text(csv, json_string_value(json_object_get(json_object_get(item, "insurer"), "name")));
    ph_csv_int(csv, json_integer_value(json_object_get(item, "content_bytes")));
    ph_csv_text(csv, json_string_value(json_object_get(item, "content_sha256")));
    ph_csv_int(csv, json_integer_value(json_object_get(item, "log_index")));
    char url[64];
    snprintf(url, sizeof url, "/documents/%s", document_no != NULL ? document_no : "");
    ph_csv_text(csv, url);
    ph_csv_end_row(csv);
    s->rows++;
    return stream_flush(s, false) ? 0 : 1;
}

static ph_status document_csv_rows(struct ph_registry *reg, const void *query, struct export_stream *s,
                                   struct ph_problems *problems)
{
    return ph_search_documents_each(reg, query, document_csv_row, s, problems);
}

/* GET /api/v1/documents.csv, /documents.csv and /disclosures.csv: the
 * document search's parameters; a bad one answers 400 as the API and the
 * journalist's page do. */
static void send_documents_csv(struct ph_request *req)
{
    const char *method = req->info->request_method;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        ph_respond_method_not_allowed(req, "GET, HEAD");
        return;
    }
    struct ph_document_params *params = calloc(1, sizeof *params);
    if (params == NULL) {
        ph_respond_error(req, 500, "internal", "", "服务器内存不足，请稍后再试。");
        return;
    }
    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_document_query query;
    ph_document_query_init(&query);
    bool ok = ph_document_query_from_request(req, params, &query, &problems);
    if (!ok)
        ph_respond_problems(req, 400, &problems);
    ph_problems_release(&problems);
    if (ok) {
        char disposition[160];
        export_disposition("puhui-documents", disposition, sizeof disposition);
        stream_export(req, EXPORT_ROW_MAX_BYTES, "text/csv; charset=utf-8", disposition, document_csv_header,
                      sizeof document_csv_header / sizeof document_csv_header[0], document_csv_rows, &query);
    }
    free(params);
}

void ph_exports_api_documents_csv(struct ph_request *req)
{
    send_documents_csv(req);
}

/* --- the full snapshot ------------------------------------------------------------- */

static int ndjson_row(void *ctx, const json_t *value)
{
    struct export_stream *s = ctx;
    char *line = json_dumps(value, PH_JSON_COMPACT);
    if (line == NULL) {
        s->buf.failed = true;
        return 1;
    }
    ph_buf_append_str(&s->buf, line);
    ph_buf_append_char(&s->buf, '\n');
    free(line);
    s->rows++;
    return stream_flush(s, false) ? 0 : 1;
}

static ph_status product_lines(struct ph_registry *reg, const void *query, struct export_stream *s,
                               struct ph_problems *problems)
{
    (void)query;
    return ph_snapshot_products_each(reg, ndjson_row, s, problems);
}

static ph_status document_lines(struct ph_registry *reg, const void *query, struct export_stream *s,
                                struct ph_problems *problems)
{
    (void)query;
    return ph_snapshot_documents_each(reg, ndjson_row, s, problems);
}

static void send_ndjson(struct ph_request *req, bool documents)
{
    const char *disposition = documents ? "attachment; filename=\"puhui-documents.ndjson\""
                                        : "attachment; filename=\"puhui-products.ndjson\"";
    stream_export(req, EXPORT_LINE_MAX_BYTES, "application/x-ndjson; charset=utf-8", disposition, NULL, 0,
                  documents ? document_lines : product_lines, NULL);
}

/* The cached copy for a log size: "<db>.snapshot-<size>.sqlite", next to
 * the database (same file system, so a rename is atomic). */
static void snapshot_path(const char *db_path, int64_t log_size, char *out, size_t size)
{
    snprintf(out, size, "%s.snapshot-%lld.sqlite", db_path, (long long)log_size);
}

/* Removes the cached copies of other log sizes (not copies being made). */
static void remove_old_snapshots(const char *db_path, const char *keep)
{
    char dir[EXPORT_PATH_MAX];
    const char *slash = strrchr(db_path, '/');
    const char *base = slash != NULL ? slash + 1 : db_path;
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == db_path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - db_path), db_path);
    char prefix[EXPORT_PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s.snapshot-", base);
    size_t prefix_len = strlen(prefix);
    const char *keep_base = strrchr(keep, '/') != NULL ? strrchr(keep, '/') + 1 : keep;
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        bool ours = n > prefix_len + 7 && strncmp(e->d_name, prefix, prefix_len) == 0 &&
                    strcmp(e->d_name + n - 7, ".sqlite") == 0 &&
                    strncmp(e->d_name + prefix_len, "tmp-", 4) != 0;
        if (!ours || strcmp(e->d_name, keep_base) == 0)
            continue;
        char full[EXPORT_PATH_MAX * 2];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        unlink(full);
    }
    closedir(d);
}

/* Opens the copy for the registry's current log size, making it first when
 * there is none yet. -1 after answering an error. */
static int open_snapshot(struct ph_request *req, int64_t *out_log_size, int64_t *out_last_change)
{
    struct ph_registry *reg = req->worker->reader;
    const char *db_path = req->server->config.db_path;
    struct ph_problems problems;
    ph_problems_init(&problems);
    bool began = ph_snapshot_begin(reg);
    ph_status st = ph_registry_state(reg, out_log_size, out_last_change, &problems);
    char path[EXPORT_PATH_MAX];
    int fd = -1;
    if (st == PH_OK) {
        snapshot_path(db_path, *out_log_size, path, sizeof path);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (st == PH_OK && fd < 0) {
        /* Made under a name of its own and renamed into place when whole:
         * a reader never sees half a copy, and two requests that make the
         * same copy at once just both rename identical files. */
        unsigned char random[8];
        randombytes_buf(random, sizeof random);
        char hex[17];
        sodium_bin2hex(hex, sizeof hex, random, sizeof random);
        char tmp[EXPORT_PATH_MAX + 32];
        snprintf(tmp, sizeof tmp, "%s.snapshot-tmp-%s.sqlite", db_path, hex);
        int64_t copied_size = -1;
        st = ph_snapshot_sqlite(reg, tmp, &copied_size, &problems);
        if (st == PH_OK && copied_size != *out_log_size) {
            /* Cannot happen inside one snapshot; refuse rather than label
             * a copy with the wrong state. */
            unlink(tmp);
            ph_problems_add(&problems, "internal", "", "数据库副本和当前状态不一致，请稍后再试。");
            st = PH_ERR_INTERNAL;
        }
        if (st == PH_OK && rename(tmp, path) != 0) {
            unlink(tmp);
            ph_problems_add(&problems, "internal", "", "无法保存数据库副本，请稍后再试。");
            st = PH_ERR_INTERNAL;
        }
        if (st == PH_OK) {
            fd = open(path, O_RDONLY | O_CLOEXEC);
            remove_old_snapshots(db_path, path);
        }
    }
    ph_snapshot_end(reg, began);
    if (st != PH_OK || fd < 0)
        ph_respond_problems(req, st != PH_OK ? ph_status_http(st) : 500, &problems);
    ph_problems_release(&problems);
    return st == PH_OK ? fd : -1;
}

static void send_snapshot(struct ph_request *req)
{
    int64_t log_size = 0;
    int64_t last_change = 0;
    int fd = open_snapshot(req, &log_size, &last_change);
    if (fd < 0)
        return;
    char etag[48];
    snprintf(etag, sizeof etag, "\"snapshot-%lld\"", (long long)log_size);
    char disposition[128];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"puhui-snapshot-%lld.sqlite\"",
             (long long)log_size);
    if (ph_respond_stream_begin(req, "application/vnd.sqlite3", disposition, etag, last_change)) {
        char *chunk = malloc(EXPORT_CHUNK_BYTES);
        bool ok = chunk != NULL;
        for (;;) {
            ssize_t n = ok ? read(fd, chunk, EXPORT_CHUNK_BYTES) : -1;
            if (n <= 0) {
                ok = ok && n == 0;
                break;
            }
            if (!ph_respond_stream_chunk(req, chunk, (size_t)n)) {
                ok = false;
                break;
            }
        }
        if (ok)
            ph_respond_stream_end(req);
        free(chunk);
    }
    close(fd);
}

static void send_index(struct ph_request *req)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t log_size = 0;
    int64_t last_change = 0;
    ph_status st = ph_registry_state(req->worker->reader, &log_size, &last_change, &problems);
    if (st != PH_OK) {
        ph_respond_problems(req, ph_status_http(st), &problems);
        ph_problems_release(&problems);
        return;
    }
    ph_problems_release(&problems);
    char cached[EXPORT_PATH_MAX];
    snapshot_path(req->server->config.db_path, log_size, cached, sizeof cached);
    struct stat sb;
    json_t *snapshot_bytes = stat(cached, &sb) == 0 ? json_integer((json_int_t)sb.st_size) : json_null();
    json_t *body = json_pack(
        "{s:s, s:I, s:[{s:s, s:s, s:s, s:o}, {s:s, s:s, s:s}, {s:s, s:s, s:s}], s:[{s:s, s:s}, {s:s, s:s}],"
        " s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}",
        "description", "普惠保险登记平台的全部公开数据，不需要密钥，可以自由下载。", "log_size",
        (json_int_t)log_size, "downloads", "url", "/exports/puhui-snapshot.sqlite", "format",
        "application/vnd.sqlite3", "description_zh",
        "整个登记库的一致副本（SQLite 数据库文件，不含 API 密钥）", "bytes", snapshot_bytes, "url",
        "/exports/products.ndjson", "format", "application/x-ndjson", "description_zh",
        "每个产品的最新版本，一行一个 JSON", "url", "/exports/documents.ndjson", "format",
        "application/x-ndjson", "description_zh", "每份文件的最新版本，一行一个 JSON", "feeds", "url",
        "/feeds/products.atom", "description_zh", "产品的新登记、新版本、停售和暂停（Atom）", "url",
        "/feeds/documents.atom", "description_zh", "新发布的文件（Atom）", "csv", "url", "/search.csv",
        "description_zh", "搜索结果（加上和搜索页一样的条件）", "url", "/api/v1/products.csv",
        "description_zh", "和 /api/v1/products 一样的参数", "url", "/browse/category/{category}.csv",
        "description_zh", "分类浏览页的列表", "url", "/api/v1/documents.csv", "description_zh",
        "和 /api/v1/documents 一样的参数（文件）");
    ph_respond_json(req, 200, body, true, NULL);
}

void ph_exports_dispatch(struct ph_request *req)
{
    const char *p = req->path;
    bool known = strcmp(p, "/exports") == 0 || strcmp(p, "/exports/") == 0 ||
                 strcmp(p, "/exports/puhui-snapshot.sqlite") == 0 ||
                 strcmp(p, "/exports/products.ndjson") == 0 || strcmp(p, "/exports/documents.ndjson") == 0;
    if (!known) {
        ph_respond_error(req, 404, "route_not_found", "", "没有这个下载。全部下载见 /exports/。");
        return;
    }
    if (!ph_api_method_allowed(req, "GET, HEAD"))
        return;
    if (strcmp(p, "/exports/puhui-snapshot.sqlite") == 0)
        send_snapshot(req);
    else if (strcmp(p, "/exports/products.ndjson") == 0)
        send_ndjson(req, false);
    else if (strcmp(p, "/exports/documents.ndjson") == 0)
        send_ndjson(req, true);
    else
        send_index(req);
}
