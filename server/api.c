/*
 * server/api.c - the JSON API's routes. Each handler turns a request into
 * one registry call and the registry's answer into a response; the rules
 * live in registry/, the headers in server/http.c.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/search.h"
#include "server/exports.h"
#include "server/filing.h"
#include "server/plain_review.h"
#include "server/server.h"
#include "server/views_internal.h"

/* Path segments after the leading slash, at most 8; NULL-terminated. */
struct segments {
    char buf[512];
    const char *part[9];
    size_t count;
};

static bool split_path(const char *path, struct segments *s)
{
    s->count = 0;
    if (strlen(path) >= sizeof s->buf)
        return false;
    snprintf(s->buf, sizeof s->buf, "%s", path[0] == '/' ? path + 1 : path);
    char *p = s->buf;
    while (*p != '\0') {
        if (s->count == 8)
            return false;
        s->part[s->count++] = p;
        char *slash = strchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    s->part[s->count] = NULL;
    return true;
}

static bool is_method(const struct ph_request *req, const char *method)
{
    const char *m = req->info->request_method;
    if (strcmp(method, "GET") == 0 && req->head)
        return true;
    return strcmp(m, method) == 0;
}

/* Answers a registry result: the value on success, the problems otherwise. */
static void respond_result(struct ph_request *req, ph_status st, int ok_status, json_t *value,
                           const struct ph_problems *problems, bool cacheable, const char *location)
{
    if (st == PH_OK)
        ph_respond_json(req, ok_status, value, cacheable, location);
    else
        ph_respond_problems(req, ph_status_http(st), problems);
}

static bool parse_positive_id(const char *text, int64_t *out)
{
    if (text == NULL || text[0] == '\0' || strlen(text) > 15)
        return false;
    int64_t value = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10 + (*p - '0');
    }
    *out = value;
    return value > 0;
}

/* --- public reads ------------------------------------------------------- */

static void get_product(struct ph_request *req, const char *regno, int64_t version)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *product = NULL;
    ph_status st = ph_product_get(req->worker->reader, regno, version, &product, &problems);
    respond_result(req, st, 200, product, &problems, true, NULL);
    ph_problems_release(&problems);
}

static void get_versions(struct ph_request *req, const char *regno)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *versions = NULL;
    ph_status st = ph_product_versions(req->worker->reader, regno, &versions, &problems);
    respond_result(req, st, 200, versions, &problems, true, NULL);
    ph_problems_release(&problems);
}

static void get_insurers(struct ph_request *req)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *list = NULL;
    ph_status st = ph_insurer_list(req->worker->reader, &list, &problems);
    respond_result(req, st, 200, list, &problems, true, NULL);
    ph_problems_release(&problems);
}

static void get_insurer(struct ph_request *req, const char *id_text)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t id = 0;
    json_t *insurer = NULL;
    ph_status st;
    if (!parse_positive_id(id_text, &id)) {
        ph_problems_add(&problems, "insurer_not_found", "id", "保险公司编号应该是正整数。");
        st = PH_ERR_NOT_FOUND;
    } else {
        st = ph_insurer_get(req->worker->reader, id, &insurer, &problems);
    }
    respond_result(req, st, 200, insurer, &problems, true, NULL);
    ph_problems_release(&problems);
}

static void get_health(struct ph_request *req)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t log_size = 0;
    int64_t last_change = 0;
    ph_status st = ph_registry_state(req->worker->reader, &log_size, &last_change, &problems);
    json_t *body = json_pack("{s:s, s:I, s:I}", "status", "ok", "log_size", (json_int_t)log_size,
                             "schema_version", (json_int_t)ph_registry_schema_version());
    respond_result(req, st, 200, body, &problems, false, NULL);
    if (st != PH_OK)
        json_decref(body);
    ph_problems_release(&problems);
}

static void get_index(struct ph_request *req)
{
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "name", "普惠保险服务平台", "description",
                             "专属普惠保险产品的公开登记和信息披露平台。", "openapi", "/api/v1/openapi.json",
                             "insurers", "/api/v1/insurers");
    ph_respond_json(req, 200, body, true, NULL);
}

/* --- search ------------------------------------------------------------- */

/* q is cut to PH_SEARCH_QUERY_MAX_CHARS characters by the registry (and the
 * answer says so); more than this many bytes is not text a person typed and
 * is refused before any work. Other values are short codes and numbers. */

/* Reads one query-string parameter (URL-decoded, the first occurrence) into
 * buf. An empty value counts as absent, as HTML forms send empty fields. */
enum ph_param_read ph_query_param(const struct ph_request *req, const char *name, char *buf, size_t size)
{
    const char *query_string = req->info->query_string;
    buf[0] = '\0';
    if (query_string == NULL)
        return PH_PARAM_ABSENT;
    int n = mg_get_var(query_string, strlen(query_string), name, buf, size);
    if (n == -2) {
        buf[0] = '\0';
        return PH_PARAM_TOO_LONG;
    }
    return n > 0 ? PH_PARAM_PRESENT : PH_PARAM_ABSENT;
}

/* A whole number: an optional minus sign and digits, nothing else. Values
 * beyond 10^15 saturate there: out of every range anyway. */
#define PARAM_INTEGER_CAP 1000000000000000LL
static bool parse_integer(const char *text, int64_t *out)
{
    const char *p = text[0] == '-' ? text + 1 : text;
    if (*p == '\0')
        return false;
    int64_t value = 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (value < PARAM_INTEGER_CAP)
            value = value * 10 + (*p - '0');
    }
    *out = text[0] == '-' ? -value : value;
    return true;
}

/* Yuan: an optional minus sign, digits and at most one decimal point (no
 * exponent, hex, inf or nan, which strtod would also take). */
static bool parse_yuan(const char *text, double *out)
{
    size_t digits = 0;
    size_t points = 0;
    for (const char *p = text[0] == '-' ? text + 1 : text; *p != '\0'; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.')
            points++;
        else
            return false;
    }
    if (digits == 0 || points > 1)
        return false;
    double value = strtod(text, NULL);
    if (!isfinite(value))
        return false;
    *out = value;
    return true;
}

/* An integer parameter: -1 stays "absent"; a negative or huge number is out
 * of range here (the query uses -1 for absent), the rest is checked by
 * ph_search_query_check. */
static void read_int_param(const struct ph_request *req, const char *name, int *out,
                           struct ph_problems *problems)
{
    char buf[SEARCH_VALUE_MAX_BYTES];
    enum ph_param_read got = ph_query_param(req, name, buf, sizeof buf);
    if (got == PH_PARAM_ABSENT)
        return;
    int64_t value = 0;
    bool number = got == PH_PARAM_PRESENT && parse_integer(buf, &value);
    if (got == PH_PARAM_PRESENT && !number) {
        ph_problems_add(problems, "field_type", name, "「%s」应该是整数，例如 %s=1。", name, name);
        return;
    }
    if (!number || value < 0 || value > INT_MAX) {
        ph_problems_add(problems, "number_range", name, "「%s」的数字超出了允许的范围。", name);
        return;
    }
    *out = (int)value;
}

/* true | false -> 1 | 0; absent leaves *out (-1, any). */
static void read_bool_param(const struct ph_request *req, const char *name, int *out,
                            struct ph_problems *problems)
{
    char buf[SEARCH_VALUE_MAX_BYTES];
    enum ph_param_read got = ph_query_param(req, name, buf, sizeof buf);
    if (got == PH_PARAM_ABSENT)
        return;
    if (got == PH_PARAM_PRESENT && strcmp(buf, "true") == 0) {
        *out = 1;
        return;
    }
    if (got == PH_PARAM_PRESENT && strcmp(buf, "false") == 0) {
        *out = 0;
        return;
    }
    ph_problems_add(problems, "field_type", name, "「%s」应该是 true 或 false。", name);
}

/* A code (category, group, region, preexisting) passed on for the registry
 * to check; one longer than any code is refused here. */
static void read_code_param(const struct ph_request *req, const char *name, char *buf, size_t size,
                            const char **out, struct ph_problems *problems)
{
    enum ph_param_read got = ph_query_param(req, name, buf, size);
    if (got == PH_PARAM_PRESENT)
        *out = buf;
    else if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(problems, strcmp(name, "region") == 0 ? "region_invalid" : "enum_invalid", name,
                        "「%s」的值太长了，不是允许的值。", name);
}

static void read_sort_param(const struct ph_request *req, enum ph_search_sort *out,
                            struct ph_problems *problems)
{
    static const struct {
        const char *name;
        enum ph_search_sort sort;
    } sorts[] = {
        {"relevance", PH_SORT_RELEVANCE},
        {"premium", PH_SORT_PREMIUM},
        {"name", PH_SORT_NAME},
        {"newest", PH_SORT_NEWEST},
    };
    char buf[SEARCH_VALUE_MAX_BYTES];
    if (ph_query_param(req, "sort", buf, sizeof buf) == PH_PARAM_ABSENT)
        return;
    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++) {
        if (strcmp(buf, sorts[i].name) == 0) {
            *out = sorts[i].sort;
            return;
        }
    }
    ph_problems_add(problems, "enum_invalid", "sort", "「sort」只能是 relevance、premium、name 或 newest。");
}


/* Fills the query from the query string; problems for every value that is
 * not even of the right type (the registry checks the rest). */
void ph_read_search_params(const struct ph_request *req, struct ph_search_params *params,
                           struct ph_search_query *query, struct ph_problems *problems)
{
    read_code_param(req, "category", params->category, sizeof params->category, &query->category, problems);
    read_code_param(req, "group", params->group, sizeof params->group, &query->group, problems);
    read_code_param(req, "region", params->region, sizeof params->region, &query->region, problems);
    read_code_param(req, "preexisting", params->preexisting, sizeof params->preexisting, &query->preexisting,
                    problems);
    read_int_param(req, "age", &query->age_years, problems);
    read_int_param(req, "page", &query->page, problems);
    read_int_param(req, "per_page", &query->per_page, problems);
    read_bool_param(req, "questionnaire", &query->questionnaire, problems);
    read_bool_param(req, "on_sale", &query->on_sale, problems);
    read_sort_param(req, &query->sort, problems);

    char buf[SEARCH_VALUE_MAX_BYTES];
    enum ph_param_read got = ph_query_param(req, "premium_max", buf, sizeof buf);
    double yuan = 0;
    if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(problems, "number_range", "premium_max", "「premium_max」的数字超出了允许的范围。");
    else if (got == PH_PARAM_PRESENT && !parse_yuan(buf, &yuan))
        ph_problems_add(problems, "field_type", "premium_max", "「premium_max」应该是金额（元），例如 200。");
    else if (got == PH_PARAM_PRESENT && yuan < 0)
        ph_problems_add(problems, "number_range", "premium_max", "「premium_max」不能是负数。");
    else if (got == PH_PARAM_PRESENT)
        query->premium_max_yuan = yuan;

    got = ph_query_param(req, "insurer", buf, sizeof buf);
    int64_t insurer_id = 0;
    bool number = got == PH_PARAM_PRESENT && parse_integer(buf, &insurer_id);
    if (got == PH_PARAM_PRESENT && !number)
        ph_problems_add(problems, "field_type", "insurer", "「insurer」应该是保险公司编号（正整数）。");
    else if (got != PH_PARAM_ABSENT && (!number || insurer_id < 1 || insurer_id >= PARAM_INTEGER_CAP))
        ph_problems_add(problems, "number_range", "insurer", "「insurer」应该是保险公司编号（正整数）。");
    else if (got == PH_PARAM_PRESENT)
        query->insurer_id = insurer_id;
}

static void search_products(struct ph_request *req)
{
    struct ph_search_params *params = calloc(1, sizeof *params);
    if (params == NULL) {
        ph_respond_error(req, 500, "internal", "", "服务器内存不足，请稍后再试。");
        return;
    }
    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_search_query query;
    ph_search_query_init(&query);
    enum ph_param_read got = ph_query_param(req, "q", params->text, sizeof params->text);
    if (got == PH_PARAM_TOO_LONG) {
        ph_problems_add(&problems, "query_too_long", "q",
                        "搜索的文字太长了（最多 %d 字节）。请只输入关键词。", SEARCH_QUERY_MAX_BYTES);
        ph_respond_problems(req, 400, &problems);
        ph_problems_release(&problems);
        free(params);
        return;
    }
    if (got == PH_PARAM_PRESENT)
        query.text = params->text;
    ph_read_search_params(req, params, &query, &problems);
    ph_status st = ph_problems_count(&problems) == 0 ? PH_OK : PH_ERR_INVALID;
    if (st == PH_OK)
        st = ph_search_query_check(&query, &problems);
    char *text = NULL;
    size_t len = 0;
    if (st == PH_OK)
        st = ph_search_products_text(req->worker->reader, &query, &text, &len, &problems);
    if (st == PH_OK)
        ph_respond_json_bytes(req, 200, text, len, true, NULL);
    else
        ph_respond_problems(req, ph_status_http(st), &problems);
    free(text);
    ph_problems_release(&problems);
    free(params);
}

/* --- insurer writes ----------------------------------------------------- */

enum write_kind { WRITE_REGISTER, WRITE_BATCH, WRITE_UPDATE, WRITE_WITHDRAW };

/* Authenticates, reads the body, runs one registry write under the writer
 * lock and answers. Every failure answers with the problems and stores
 * nothing. */
/* The plain-Chinese findings on the texts just registered, added to the
 * answer's warnings (a batch: each item's own warnings). */
static void add_plain_warnings(enum write_kind kind, const json_t *body, json_t *result)
{
    if (kind == WRITE_REGISTER || kind == WRITE_UPDATE) {
        json_t *warnings = json_object_get(result, "warnings");
        if (json_is_array(warnings))
            ph_plain_review_product(body, warnings);
    } else if (kind == WRITE_BATCH) {
        json_t *items = json_object_get(result, "items");
        json_t *products = json_object_get(body, "products");
        size_t i;
        json_t *item;
        json_array_foreach (items, i, item) {
            json_t *warnings = json_object_get(item, "warnings");
            if (json_is_array(warnings))
                ph_plain_review_product(json_array_get(products, i), warnings);
        }
    }
}

static void write_product(struct ph_request *req, enum write_kind kind, const char *regno)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t insurer_id = 0;
    json_t *body = NULL;
    int http = ph_authenticate(req, &insurer_id, &problems);
    if (http == 0)
        http = ph_read_json_body(req, kind == WRITE_BATCH ? PH_BATCH_BODY_MAX_BYTES : PH_BODY_MAX_BYTES,
                                 &body, &problems);
    if (http != 0) {
        ph_respond_problems(req, http, &problems);
        ph_problems_release(&problems);
        return;
    }
    if (kind == WRITE_BATCH) {
        /* The batch body is {"products": [...]} and nothing else. */
        const char *key;
        json_t *value;
        json_object_foreach (body, key, value) {
            if (strcmp(key, "products") != 0)
                ph_problems_add(&problems, "field_unknown", key, "批量登记的请求里只能有「products」一项。");
        }
    }
    json_t *result = NULL;
    ph_status st = ph_problems_count(&problems) == 0 ? PH_OK : PH_ERR_INVALID;
    if (st == PH_OK) {
        struct ph_server *server = req->server;
        pthread_mutex_lock(&server->write_lock);
        switch (kind) {
        case WRITE_REGISTER:
            st = ph_product_register(server->writer, insurer_id, body, &result, &problems);
            break;
        case WRITE_BATCH:
            st = ph_product_register_batch(server->writer, insurer_id, json_object_get(body, "products"),
                                           &result, &problems);
            break;
        case WRITE_UPDATE:
            st = ph_product_update(server->writer, insurer_id, regno, body, &result, &problems);
            break;
        case WRITE_WITHDRAW:
            st = ph_product_withdraw(server->writer, insurer_id, regno, body, &result, &problems);
            break;
        }
        pthread_mutex_unlock(&server->write_lock);
    }
    if (st == PH_OK)
        add_plain_warnings(kind, body, result);
    json_decref(body);
    const char *location = NULL;
    if (st == PH_OK && kind == WRITE_REGISTER)
        location = json_string_value(json_object_get(result, "url"));
    char location_copy[80] = "";
    if (location != NULL)
        snprintf(location_copy, sizeof location_copy, "%s", location);
    int ok_status = (kind == WRITE_REGISTER || kind == WRITE_BATCH) ? 201 : 200;
    respond_result(req, st, ok_status, result, &problems, false, location != NULL ? location_copy : NULL);
    ph_problems_release(&problems);
}

/* --- routing ------------------------------------------------------------ */

static void not_found(struct ph_request *req)
{
    ph_respond_error(req, 404, "route_not_found", "", "没有这个地址。接口说明见 /api/v1/openapi.json。");
}

/* Dispatches when the method is allowed, else answers 405 (or OPTIONS). */
static bool method_allowed(struct ph_request *req, const char *allow)
{
    const char *m = req->info->request_method;
    if (strcmp(m, "OPTIONS") == 0) {
        ph_respond_options(req, allow);
        return false;
    }
    char padded[64];
    snprintf(padded, sizeof padded, ", %s,", allow);
    char wanted[24];
    snprintf(wanted, sizeof wanted, " %s,", req->head ? "GET" : m);
    if (strstr(padded, wanted) != NULL)
        return true;
    ph_respond_method_not_allowed(req, allow);
    return false;
}

static void route_products(struct ph_request *req, const struct segments *s)
{
    /* s->part: api v1 products[:batch] [regno [versions [n] | withdraw]] */
    const char *regno = s->count > 3 ? s->part[3] : NULL;
    if (s->count == 3 && strcmp(s->part[2], "products:batch") == 0) {
        if (method_allowed(req, "POST"))
            write_product(req, WRITE_BATCH, NULL);
        return;
    }
    if (strcmp(s->part[2], "products") != 0) {
        not_found(req);
        return;
    }
    if (s->count == 3) {
        /* GET searches the public registry; POST registers a product. */
        if (!method_allowed(req, "GET, HEAD, POST"))
            return;
        if (is_method(req, "GET"))
            search_products(req);
        else
            write_product(req, WRITE_REGISTER, NULL);
        return;
    }
    if (s->count == 4) {
        if (!method_allowed(req, "GET, HEAD, PUT"))
            return;
        if (is_method(req, "GET"))
            get_product(req, regno, 0);
        else
            write_product(req, WRITE_UPDATE, regno);
        return;
    }
    if (s->count == 5 && strcmp(s->part[4], "withdraw") == 0) {
        if (method_allowed(req, "POST"))
            write_product(req, WRITE_WITHDRAW, regno);
        return;
    }
    if (s->count == 5 && strcmp(s->part[4], "versions") == 0) {
        if (method_allowed(req, "GET, HEAD"))
            get_versions(req, regno);
        return;
    }
    if (s->count == 5 && strcmp(s->part[4], "documents") == 0) {
        ph_api_product_documents(req, regno);
        return;
    }
    if (s->count == 6 && strcmp(s->part[4], "versions") == 0) {
        int64_t version = 0;
        if (!parse_positive_id(s->part[5], &version)) {
            ph_respond_error(req, 404, "version_not_found", "version", "版本号应该是正整数，例如 1。");
            return;
        }
        if (method_allowed(req, "GET, HEAD"))
            get_product(req, regno, version);
        return;
    }
    not_found(req);
}

void ph_api_dispatch(struct ph_request *req)
{
    struct segments s;
    if (!split_path(req->path, &s)) {
        not_found(req);
        return;
    }
    if (s.count == 1 && strcmp(s.part[0], "healthz") == 0) {
        if (method_allowed(req, "GET, HEAD"))
            get_health(req);
        return;
    }
    if (s.count == 2 && strcmp(s.part[0], "api") == 0 && strcmp(s.part[1], "v1") == 0) {
        if (method_allowed(req, "GET, HEAD"))
            get_index(req);
        return;
    }
    if (s.count < 3 || strcmp(s.part[0], "api") != 0 || strcmp(s.part[1], "v1") != 0) {
        not_found(req);
        return;
    }
    if (s.count == 3 && strcmp(s.part[2], "openapi.json") == 0) {
        if (method_allowed(req, "GET, HEAD"))
            ph_respond_json_bytes(req, 200, req->server->openapi_json, req->server->openapi_len, true, NULL);
        return;
    }
    if (strcmp(s.part[2], "insurers") == 0 && s.count <= 4) {
        if (!method_allowed(req, "GET, HEAD"))
            return;
        if (s.count == 3)
            get_insurers(req);
        else
            get_insurer(req, s.part[3]);
        return;
    }
    if (s.count == 3 && strcmp(s.part[2], "products.csv") == 0) {
        if (method_allowed(req, "GET, HEAD"))
            ph_exports_api_products_csv(req);
        return;
    }
    if (s.count == 3 && strcmp(s.part[2], "documents.csv") == 0) {
        if (method_allowed(req, "GET, HEAD"))
            ph_exports_api_documents_csv(req);
        return;
    }
    if (s.count == 3 && strcmp(s.part[2], "filings") == 0) {
        /* An XML filing: a product with its documents (server/filing.h). */
        if (method_allowed(req, "POST"))
            ph_filing_post(req);
        return;
    }
    if (s.count == 3 && strcmp(s.part[2], "changes") == 0) {
        /* What changed, by date (server/views_history.c). */
        if (method_allowed(req, "GET, HEAD"))
            ph_api_changes(req);
        return;
    }
    if (strncmp(s.part[2], "products", 8) == 0) {
        route_products(req, &s);
        return;
    }
    if (strcmp(s.part[2], "documents") == 0) {
        ph_api_documents(req, s.part + 2, s.count - 2);
        return;
    }
    not_found(req);
}

/* --- shared with the document API (api_documents.c) -------------------- */

bool ph_api_method_allowed(struct ph_request *req, const char *allow)
{
    return method_allowed(req, allow);
}

bool ph_api_is_get(const struct ph_request *req)
{
    return is_method(req, "GET");
}

void ph_api_not_found(struct ph_request *req)
{
    not_found(req);
}

bool ph_api_parse_positive_id(const char *text, int64_t *out)
{
    return parse_positive_id(text, out);
}

bool ph_document_query_from_request(const struct ph_request *req, struct ph_document_params *params,
                                    struct ph_document_query *query, struct ph_problems *problems)
{
    ph_read_document_params(req, params, query, problems);
    if (ph_problems_count(problems) == 0)
        ph_document_query_check(query, problems);
    return ph_problems_count(problems) == 0;
}

void ph_read_document_params(const struct ph_request *req, struct ph_document_params *params,
                             struct ph_document_query *query, struct ph_problems *problems)
{
    enum ph_param_read got = ph_query_param(req, "q", params->text, sizeof params->text);
    if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(problems, "query_too_long", "q", "搜索的文字太长了（最多 %d 字节）。请只输入关键词。",
                        SEARCH_QUERY_MAX_BYTES);
    else if (got == PH_PARAM_PRESENT)
        query->text = params->text;
    read_code_param(req, "type", params->type, sizeof params->type, &query->type, problems);
    read_code_param(req, "category", params->category, sizeof params->category, &query->category, problems);
    read_code_param(req, "region", params->region, sizeof params->region, &query->region, problems);
    static const char *const date_names[2] = {"date_from", "date_to"};
    char *const date_bufs[2] = {params->date_from, params->date_to};
    const char **const date_out[2] = {&query->date_from, &query->date_to};
    for (int i = 0; i < 2; i++) {
        got = ph_query_param(req, date_names[i], date_bufs[i], sizeof params->date_from);
        if (got == PH_PARAM_TOO_LONG)
            ph_problems_add(problems, "date_invalid", date_names[i], "「%s」要写成 2026-05-01 这样。",
                            date_names[i]);
        else if (got == PH_PARAM_PRESENT)
            *date_out[i] = date_bufs[i];
    }
    got = ph_query_param(req, "registration_no", params->registration_no, sizeof params->registration_no);
    if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(problems, "registration_no_invalid", "registration_no",
                        "登记编号（registration_no）的格式像 PH-2026-000123。");
    else if (got == PH_PARAM_PRESENT)
        query->registration_no = params->registration_no;
    read_int_param(req, "page", &query->page, problems);
    read_int_param(req, "per_page", &query->per_page, problems);
    char buf[SEARCH_VALUE_MAX_BYTES];
    got = ph_query_param(req, "sort", buf, sizeof buf);
    if (got == PH_PARAM_PRESENT && strcmp(buf, "relevance") == 0)
        query->sort = PH_DOC_SORT_RELEVANCE;
    else if (got == PH_PARAM_PRESENT && strcmp(buf, "newest") == 0)
        query->sort = PH_DOC_SORT_NEWEST;
    else if (got != PH_PARAM_ABSENT)
        ph_problems_add(problems, "enum_invalid", "sort", "「sort」只能是 relevance 或 newest。");
    got = ph_query_param(req, "insurer", buf, sizeof buf);
    int64_t insurer_id = 0;
    bool number = got == PH_PARAM_PRESENT && parse_integer(buf, &insurer_id);
    if (got != PH_PARAM_ABSENT && (!number || insurer_id < 1 || insurer_id >= PARAM_INTEGER_CAP))
        ph_problems_add(problems, number ? "number_range" : "field_type", "insurer",
                        "「insurer」应该是保险公司编号（正整数）。");
    else if (got == PH_PARAM_PRESENT)
        query->insurer_id = insurer_id;
}
