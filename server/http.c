/*
 * server/http.c - CivetWeb set-up, the response helpers, request bodies,
 * authentication, the access log and shutdown. See server.h.
 */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "a11y/template.h"
#include "registry/demo.h"
#include "server/pages.h"
#include "server/filing.h"
#include "server/exports.h"
#include "server/feed.h"
#include "registry/search.h"
#include "registry/search_cache.h"

/* One value, joined by CRLF: CivetWeb keeps only the last additional_header
 * option. It covers static files; handlers send the same lines through
 * send_common_headers(). */
#define CSP_VALUE "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
static const char *const security_headers[][2] = {
    {"Content-Security-Policy", CSP_VALUE},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
};
#define SECURITY_HEADER_COUNT (sizeof security_headers / sizeof security_headers[0])

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

/* --- responses ---------------------------------------------------------- */

static void send_common_headers(struct mg_connection *conn)
{
    for (size_t i = 0; i < SECURITY_HEADER_COUNT; i++)
        mg_response_header_add(conn, security_headers[i][0], security_headers[i][1], -1);
}

static void http_date(int64_t unix_seconds, char out[64])
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A strong validator over the exact bytes: equal bytes, equal tag, on any
 * replica; any change to what a reader would see changes it. */
static void body_etag(const char *bytes, size_t len, char out[48])
{
    unsigned char digest[16];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)bytes, len, NULL, 0);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(out, 48, "\"%s\"", hex);
}

static bool etag_matches(const char *if_none_match, const char *etag)
{
    if (if_none_match == NULL)
        return false;
    if (strcmp(if_none_match, "*") == 0)
        return true;
    /* A list of tags; weak comparison is what If-None-Match uses (RFC 9110
     * 13.1.2), so W/"x" matches "x". */
    size_t tag_len = strlen(etag);
    for (const char *p = strstr(if_none_match, etag); p != NULL; p = strstr(p + 1, etag)) {
        char after = p[tag_len];
        if (after == '\0' || after == ',' || after == ' ')
            return true;
    }
    return false;
}

/* Sends bytes of one content type: a strong ETag, Last-Modified and a
 * short shared Cache-Control for cacheable 200s (304 when the client has
 * them), no-store otherwise. Pages that depend on the display cookie say
 * Vary: Cookie so that a shared cache keeps one copy per display mode. */
static void respond_bytes(struct ph_request *req, int status, const char *content_type, const char *bytes,
                          size_t len, bool cacheable, const char *location, bool vary_cookie, const char *allow)
{
    struct mg_connection *conn = req->conn;
    char etag[48];
    char last_modified[64] = "";
    bool not_modified = false;
    if (cacheable && status == 200) {
        body_etag(bytes, len, etag);
        int64_t log_size = 0;
        int64_t last_change = 0;
        struct ph_problems ignored;
        ph_problems_init(&ignored);
        if (ph_registry_state(req->worker->reader, &log_size, &last_change, &ignored) == PH_OK &&
            last_change > 0)
            http_date(last_change, last_modified);
        ph_problems_release(&ignored);
        not_modified = etag_matches(mg_get_header(conn, "If-None-Match"), etag);
    }
    req->status = not_modified ? 304 : status;
    mg_response_header_start(conn, req->status);
    send_common_headers(conn);
    if (cacheable && status == 200) {
        mg_response_header_add(conn, "ETag", etag, -1);
        if (last_modified[0] != '\0')
            mg_response_header_add(conn, "Last-Modified", last_modified, -1);
        mg_response_header_add(conn, "Cache-Control", "public, max-age=30", -1);
    } else {
        mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    }
    if (location != NULL)
        mg_response_header_add(conn, "Location", location, -1);
    if (vary_cookie)
        mg_response_header_add(conn, "Vary", "Cookie", -1);
    if (allow != NULL)
        mg_response_header_add(conn, "Allow", allow, -1);
    if (not_modified) {
        mg_response_header_send(conn);
        return;
    }
    char length[32];
    snprintf(length, sizeof length, "%zu", len);
    mg_response_header_add(conn, "Content-Type", content_type, -1);
    mg_response_header_add(conn, "Content-Length", length, -1);
    if (status == 401)
        mg_response_header_add(conn, "WWW-Authenticate", "Bearer realm=\"puhui\"", -1);
    if (status == 413 || status == 400)
        mg_response_header_add(conn, "Connection", "close", -1);
    mg_response_header_send(conn);
    if (!req->head)
        mg_write(conn, bytes, len);
}

void ph_respond_json_bytes(struct ph_request *req, int status, const char *bytes, size_t len, bool cacheable,
                           const char *location)
{
    respond_bytes(req, status, "application/json; charset=utf-8", bytes, len, cacheable, location, false, NULL);
}

void ph_respond_page_bytes(struct ph_request *req, int status, const char *content_type, const char *bytes,
                           size_t len, bool cacheable, const char *allow)
{
    respond_bytes(req, status, content_type, bytes, len, cacheable, NULL, true, status == 405 ? allow : NULL);
}

void ph_respond_see_other(struct ph_request *req, const char *location, const char *set_cookie)
{
    req->status = 303;
    mg_response_header_start(req->conn, 303);
    send_common_headers(req->conn);
    mg_response_header_add(req->conn, "Location", location, -1);
    if (set_cookie != NULL)
        mg_response_header_add(req->conn, "Set-Cookie", set_cookie, -1);
    mg_response_header_add(req->conn, "Cache-Control", "no-store", -1);
    mg_response_header_add(req->conn, "Content-Length", "0", -1);
    mg_response_header_send(req->conn);
}

bool ph_respond_stream_begin(struct ph_request *req, const char *content_type, const char *disposition,
                             const char *etag, int64_t last_change_unix)
{
    struct mg_connection *conn = req->conn;
    bool not_modified = etag != NULL && etag_matches(mg_get_header(conn, "If-None-Match"), etag);
    req->status = not_modified ? 304 : 200;
    mg_response_header_start(conn, req->status);
    send_common_headers(conn);
    if (etag != NULL) {
        mg_response_header_add(conn, "ETag", etag, -1);
        char last_modified[64];
        if (last_change_unix > 0) {
            http_date(last_change_unix, last_modified);
            mg_response_header_add(conn, "Last-Modified", last_modified, -1);
        }
        mg_response_header_add(conn, "Cache-Control", "public, max-age=30", -1);
    } else {
        mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    }
    if (not_modified) {
        mg_response_header_send(conn);
        return false;
    }
    mg_response_header_add(conn, "Content-Type", content_type, -1);
    if (disposition != NULL)
        mg_response_header_add(conn, "Content-Disposition", disposition, -1);
    if (req->head) {
        mg_response_header_send(conn);
        return false;
    }
    /* A stream that breaks off leaves out the last chunk and the
     * connection closes, so the client sees a truncated transfer. */
    mg_response_header_add(conn, "Connection", "close", -1);
    mg_response_header_add(conn, "Transfer-Encoding", "chunked", -1);
    mg_response_header_send(conn);
    return true;
}

bool ph_respond_stream_chunk(struct ph_request *req, const void *bytes, size_t len)
{
    if (len == 0)
        return true; /* an empty chunk would end the body */
    return mg_send_chunk(req->conn, bytes, (unsigned int)len) > 0;
}

void ph_respond_stream_end(struct ph_request *req)
{
    mg_send_chunk(req->conn, "", 0);
}

void ph_respond_json(struct ph_request *req, int status, json_t *body, bool cacheable, const char *location)
{
    char *bytes = body != NULL ? json_dumps(body, PH_JSON_COMPACT) : NULL;
    json_decref(body);
    if (bytes == NULL) {
        static const char fallback[] =
            "{\"error\":{\"status\":500,\"code\":\"internal\",\"field\":\"\","
            "\"message\":\"服务器内存不足，请稍后再试。\",\"errors\":[],\"count\":1}}";
        ph_respond_json_bytes(req, 500, fallback, sizeof fallback - 1, false, NULL);
        return;
    }
    ph_respond_json_bytes(req, status, bytes, strlen(bytes), cacheable, location);
    free(bytes);
}

void ph_respond_problems(struct ph_request *req, int http_status, const struct ph_problems *problems)
{
    ph_respond_json(req, http_status, ph_problems_to_json(problems, http_status), false, NULL);
}

void ph_respond_error(struct ph_request *req, int http_status, const char *code, const char *field,
                      const char *message)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_problems_add(&problems, code, field, "%s", message);
    ph_respond_problems(req, http_status, &problems);
    ph_problems_release(&problems);
}

void ph_respond_options(struct ph_request *req, const char *allow)
{
    req->status = 204;
    mg_response_header_start(req->conn, 204);
    send_common_headers(req->conn);
    mg_response_header_add(req->conn, "Allow", allow, -1);
    mg_response_header_add(req->conn, "Cache-Control", "no-store", -1);
    mg_response_header_send(req->conn);
}

void ph_respond_method_not_allowed(struct ph_request *req, const char *allow)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_problems_add(&problems, "method_not_allowed", "", "这个地址不支持 %.10s 请求，只支持：%s。",
                    req->info->request_method, allow);
    json_t *body = ph_problems_to_json(&problems, 405);
    ph_problems_release(&problems);
    char *bytes = json_dumps(body, PH_JSON_COMPACT);
    json_decref(body);
    if (bytes == NULL)
        return;
    char length[32];
    snprintf(length, sizeof length, "%zu", strlen(bytes));
    req->status = 405;
    mg_response_header_start(req->conn, 405);
    send_common_headers(req->conn);
    mg_response_header_add(req->conn, "Allow", allow, -1);
    mg_response_header_add(req->conn, "Cache-Control", "no-store", -1);
    mg_response_header_add(req->conn, "Content-Type", "application/json; charset=utf-8", -1);
    mg_response_header_add(req->conn, "Content-Length", length, -1);
    mg_response_header_send(req->conn);
    if (!req->head)
        mg_write(req->conn, bytes, strlen(bytes));
    free(bytes);
}

/* --- request bodies and authentication ---------------------------------- */

static bool is_json_content_type(const char *content_type)
{
    if (content_type == NULL)
        return false;
    static const char json_type[] = "application/json";
    size_t n = sizeof json_type - 1;
    if (strncasecmp(content_type, json_type, n) != 0)
        return false;
    char after = content_type[n];
    return after == '\0' || after == ';' || after == ' ';
}

static const char *json_error_code_name(const json_error_t *error)
{
    switch (json_error_code(error)) {
    case json_error_invalid_utf8:
        return "utf8_invalid";
    case json_error_duplicate_key:
        return "json_duplicate_key";
    default:
        return "json_malformed";
    }
}

/* CivetWeb's workers run on 100 KiB stacks (Debian builds it with the
 * default CIVETWEB_THREAD_STACK_SIZE) and jansson parses and frees
 * recursively: 1,000 nested arrays crash the process. So nesting is
 * bounded before parsing. This only counts brackets outside strings;
 * jansson still decides what is valid JSON. */
#define PH_JSON_MAX_DEPTH 32

static bool json_nesting_within(const char *buf, size_t len, int max_depth)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return false;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return true;
}

int ph_read_body(struct ph_request *req, size_t max_bytes, const char *limit_note, char **out,
                 size_t *out_len, struct ph_problems *problems)
{
    *out = NULL;
    *out_len = 0;
    long long declared = req->info->content_length;
    if (declared > (long long)max_bytes) {
        ph_problems_add(problems, "body_too_large", "", "提交的内容太大了（%lld 字节），最多 %zu 字节%s。",
                        declared, max_bytes, limit_note);
        return 413;
    }
    /* Chunked bodies report -1: read up to the cap plus one byte to tell. */
    size_t capacity = declared >= 0 ? (size_t)declared : max_bytes + 1;
    char *buf = malloc(capacity + 1);
    if (buf == NULL) {
        ph_problems_add(problems, "internal", "", "服务器内存不足，请稍后再试。");
        return 500;
    }
    size_t used = 0;
    while (used < capacity) {
        int n = mg_read(req->conn, buf + used, capacity - used);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    if (used > max_bytes) {
        free(buf);
        ph_problems_add(problems, "body_too_large", "", "提交的内容太大了，最多 %zu 字节%s。", max_bytes,
                        limit_note);
        return 413;
    }
    buf[used] = '\0';
    *out = buf;
    *out_len = used;
    return 0;
}

int ph_read_json_body(struct ph_request *req, size_t max_bytes, json_t **out, struct ph_problems *problems)
{
    *out = NULL;
    if (!is_json_content_type(mg_get_header(req->conn, "Content-Type"))) {
        ph_problems_add(problems, "content_type_unsupported", "",
                        "请用 JSON 格式提交，并设置请求头 Content-Type: application/json。");
        return 415;
    }
    char *buf = NULL;
    size_t used = 0;
    int http = ph_read_body(req, max_bytes, "", &buf, &used, problems);
    if (http != 0)
        return http;
    if (used == 0) {
        free(buf);
        ph_problems_add(problems, "body_empty", "", "没有收到提交的内容。请在请求体里放一个 JSON 对象。");
        return 400;
    }
    if (!json_nesting_within(buf, used, PH_JSON_MAX_DEPTH)) {
        free(buf);
        ph_problems_add(problems, "json_malformed", "",
                        "提交的 JSON 嵌套太深了（超过 %d 层）。产品信息最多只需要 4 层。", PH_JSON_MAX_DEPTH);
        return 400;
    }
    json_error_t error;
    json_t *body = json_loadb(buf, used, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    free(buf);
    if (body == NULL) {
        const char *code = json_error_code_name(&error);
        if (strcmp(code, "utf8_invalid") == 0)
            ph_problems_add(problems, code, "",
                            "提交的内容不是有效的 UTF-8 文字（第 %d 行第 %d 个字符附近）。", error.line,
                            error.column);
        else if (strcmp(code, "json_duplicate_key") == 0)
            ph_problems_add(problems, code, "", "同一个字段出现了两次（第 %d 行）。", error.line);
        else
            ph_problems_add(problems, code, "", "提交的内容不是完整有效的 JSON（第 %d 行第 %d 个字符附近）。",
                            error.line, error.column);
        return 400;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        ph_problems_add(problems, "body_not_object", "", "提交的内容应该是一个 JSON 对象（用 { } 括起来）。");
        return 400;
    }
    *out = body;
    return 0;
}

int ph_authenticate(struct ph_request *req, int64_t *out_insurer_id, struct ph_problems *problems)
{
    const char *header = mg_get_header(req->conn, "Authorization");
    static const char scheme[] = "Bearer ";
    if (header == NULL || strncasecmp(header, scheme, sizeof scheme - 1) != 0 ||
        header[sizeof scheme - 1] == '\0') {
        ph_problems_add(problems, "auth_missing", "",
                        "需要 API 密钥。请在请求头里加上 Authorization: Bearer 您的密钥。");
        return 401;
    }
    ph_status st =
        ph_key_authenticate(req->worker->reader, header + sizeof scheme - 1, out_insurer_id, problems);
    return st == PH_OK ? 0 : ph_status_http(st);
}

/* --- CivetWeb callbacks ------------------------------------------------- */

static void *init_thread(const struct mg_context *ctx, int thread_type)
{
    /* 1 = a worker; the master and timer threads need no database. */
    if (thread_type != 1)
        return NULL;
    struct ph_server *server = mg_get_user_data(ctx);
    struct ph_worker *worker = calloc(1, sizeof *worker);
    if (worker == NULL)
        return NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_registry_open(server->config.db_path, PH_OPEN_READ_ONLY, &worker->reader, &problems) != PH_OK) {
        fprintf(stderr, "puhui: worker cannot open the database: %s\n", ph_problems_first_message(&problems));
        free(worker);
        worker = NULL;
    } else {
        ph_registry_use_search_cache(worker->reader, server->search_cache);
    }
    ph_problems_release(&problems);
    return worker;
}

static void exit_thread(const struct mg_context *ctx, int thread_type, void *thread_pointer)
{
    (void)ctx;
    (void)thread_type;
    struct ph_worker *worker = thread_pointer;
    if (worker == NULL)
        return;
    ph_registry_close(worker->reader);
    free(worker);
}

static int begin_request(struct mg_connection *conn)
{
    struct ph_worker *worker = mg_get_thread_pointer(conn);
    if (worker != NULL)
        clock_gettime(CLOCK_MONOTONIC, &worker->request_start);
    return 0;
}

/* One line per request: time, method, path without the query, status and
 * duration. No client address, no headers (keys), no query (search terms
 * or anything a person typed), no body. */
static void end_request(const struct mg_connection *conn, int status)
{
    struct ph_server *server = mg_get_user_data(mg_get_context(conn));
    struct ph_worker *worker = mg_get_thread_pointer(conn);
    if (server == NULL || server->access_log_fd < 0)
        return;
    const struct mg_request_info *info = mg_get_request_info(conn);
    double ms = 0;
    if (worker != NULL) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (double)(now.tv_sec - worker->request_start.tv_sec) * 1e3 +
             (double)(now.tv_nsec - worker->request_start.tv_nsec) / 1e6;
    }
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[512];
    int n = snprintf(line, sizeof line, "%s %.10s %.300s%s %d %.2fms\n", when,
                     info->request_method != NULL ? info->request_method : "-",
                     info->local_uri != NULL ? info->local_uri : "-", info->query_string != NULL ? "?…" : "",
                     status, ms);
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        /* One write on an O_APPEND descriptor: lines never interleave. */
        ssize_t written = write(server->access_log_fd, line, len);
        (void)written;
    }
}

static int http_error(struct mg_connection *conn, int status, const char *message)
{
    (void)message;
    struct ph_request req = {
        .conn = conn,
        .info = mg_get_request_info(conn),
        .server = mg_get_user_data(mg_get_context(conn)),
        .worker = mg_get_thread_pointer(conn),
        .path = "",
        .head = false,
    };
    const char *code = "http_error";
    const char *text = "请求没有成功。";
    if (status == 404) {
        code = "route_not_found";
        text = "没有这个地址。请检查网址是否正确。";
    } else if (status == 403) {
        code = "forbidden";
        text = "这个地址不能访问。";
    } else if (status == 413) {
        code = "body_too_large";
        text = "提交的内容太大了。";
    } else if (status == 400) {
        code = "bad_request";
        text = "请求的格式不对。";
    } else if (status == 405) {
        code = "method_not_allowed";
        text = "这个地址不支持这种请求。";
    }
    ph_respond_error(&req, status, code, "", text);
    return 0;
}

static int handle_request(struct mg_connection *conn, void *cbdata)
{
    struct ph_server *server = cbdata;
    const struct mg_request_info *info = mg_get_request_info(conn);
    const char *path = info->local_uri != NULL ? info->local_uri : "/";
    if (strncmp(path, "/static/", 8) == 0)
        return 0; /* CivetWeb serves the file, with additional_header */
    struct ph_request req = {
        .conn = conn,
        .info = info,
        .server = server,
        .worker = mg_get_thread_pointer(conn),
        .path = path,
        .head = strcmp(info->request_method, "HEAD") == 0,
    };
    if (req.worker == NULL) {
        ph_respond_error(&req, 503, "unavailable", "", "服务器暂时无法读取数据，请稍后再试。");
        return 503;
    }
    if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 || strcmp(path, "/healthz") == 0)
        ph_api_dispatch(&req);
    else if (strncmp(path, "/log/", 5) == 0)
        ph_log_dispatch(&req);
    else if (strcmp(path, "/schema/filing.xsd") == 0)
        ph_filing_schema_get(&req);
    else if (strncmp(path, "/exports/", 9) == 0 || strcmp(path, "/exports") == 0)
        ph_exports_dispatch(&req);
    else if (strncmp(path, "/feeds/", 7) == 0)
        ph_feed_dispatch(&req);
    else
        ph_pages_dispatch(&req);
    return req.status > 0 ? req.status : 500;
}

/* --- start-up and shutdown ---------------------------------------------- */

static char *read_file(const char *path, size_t max_bytes, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(max_bytes + 1);
    size_t n = buf != NULL ? fread(buf, 1, max_bytes + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > max_bytes) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *out_len = n;
    return buf;
}

static int load_assets(struct ph_server *server)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/api/openapi.json", server->config.public_dir);
    server->openapi_json = read_file(path, 4 * 1024 * 1024, &server->openapi_len);
    if (server->openapi_json == NULL) {
        fprintf(stderr, "puhui: cannot read %s (use --public DIR)\n", path);
        return -1;
    }
    json_error_t error;
    json_t *doc = json_loadb(server->openapi_json, server->openapi_len, 0, &error);
    if (doc == NULL) {
        fprintf(stderr, "puhui: %s is not valid JSON: line %d: %s\n", path, error.line, error.text);
        return -1;
    }
    json_decref(doc);
    server->templates = ph_pages_load_templates(server->config.public_dir);
    snprintf(path, sizeof path, "%s/schema/filing.xsd", server->config.public_dir);
    char xsd_error[512];
    server->filing_schema = ph_filing_schema_load(path, xsd_error, sizeof xsd_error);
    if (server->filing_schema == NULL) {
        fprintf(stderr, "puhui: the XML filing schema: %s\n", xsd_error);
        return -1;
    }
    return server->templates != NULL ? 0 : -1;
}

static int open_access_log(struct ph_server *server)
{
    const char *path = server->config.access_log_path;
    if (path == NULL) {
        server->access_log_fd = dup(STDERR_FILENO);
        return 0;
    }
    if (strcmp(path, "-") == 0) {
        server->access_log_fd = -1;
        return 0;
    }
    server->access_log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (server->access_log_fd < 0) {
        fprintf(stderr, "puhui: cannot open access log %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_database(struct ph_server *server)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_registry_open(server->config.db_path, PH_OPEN_READ_WRITE, &server->writer, &problems);
    if (st == PH_OK && server->config.demo) {
        json_t *loaded = NULL;
        ph_status demo = ph_demo_load(server->writer, &loaded, &problems);
        if (demo == PH_OK) {
            fprintf(stderr, "puhui: demo data loaded: %lld insurers, %lld products, %lld versions\n",
                    (long long)json_integer_value(json_object_get(loaded, "insurers")),
                    (long long)json_integer_value(json_object_get(loaded, "products")),
                    (long long)json_integer_value(json_object_get(loaded, "versions")));
            size_t i;
            json_t *key;
            json_array_foreach (json_object_get(loaded, "keys"), i, key) {
                fprintf(stderr, "puhui: demo API key for insurer %lld (%s): %s\n",
                        (long long)json_integer_value(json_object_get(key, "insurer_id")),
                        json_string_value(json_object_get(key, "short_name")),
                        json_string_value(json_object_get(key, "key")));
            }
        } else if (demo == PH_ERR_CONFLICT) {
            fprintf(stderr, "puhui: %s\n", ph_problems_first_message(&problems));
        } else {
            st = demo;
        }
        json_decref(loaded);
    }
    if (st != PH_OK)
        fprintf(stderr, "puhui: cannot open %s: %s\n", server->config.db_path,
                ph_problems_first_message(&problems));
    ph_problems_release(&problems);
    return st == PH_OK ? 0 : -1;
}

static void build_additional_header(char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < SECURITY_HEADER_COUNT && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s: %s", i > 0 ? "\r\n" : "", security_headers[i][0],
                         security_headers[i][1]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void release_server(struct ph_server *server)
{
    ph_registry_close(server->writer);
    free(server->openapi_json);
    ph_templates_free(server->templates);
    ph_filing_schema_free(server->filing_schema);
    ph_checkpoint_key_release(&server->log_key);
    if (server->access_log_fd >= 0)
        close(server->access_log_fd);
    ph_search_cache_free(server->search_cache);
    pthread_mutex_destroy(&server->write_lock);
}

int ph_server_run(const struct ph_server_config *config)
{
    struct ph_server server;
    memset(&server, 0, sizeof server);
    server.config = *config;
    server.access_log_fd = -1;
    pthread_mutex_init(&server.write_lock, NULL);

    if (config->search_cache_mb > 0) {
        /* About 8 KiB per answer of 20 results. */
        size_t bytes = (size_t)config->search_cache_mb << 20;
        server.search_cache = ph_search_cache_new(bytes / 4096, bytes);
        if (server.search_cache == NULL) {
            fprintf(stderr, "puhui: cannot allocate the search cache\n");
            release_server(&server);
            return 1;
        }
    }
    if (load_assets(&server) != 0 || !ph_log_key_open(&server) || open_access_log(&server) != 0 || open_database(&server) != 0) {
        release_server(&server);
        return 1;
    }
    /* Returns the features it initialised, 0 on failure; TLS is not asked
     * for (it fails with OpenSSL 3 on Debian 12, see DESIGN.md). */
    if (mg_init_library(MG_FEATURES_FILES) == 0) {
        fprintf(stderr, "puhui: CivetWeb failed to initialise\n");
        release_server(&server);
        return 1;
    }

    char threads[16];
    snprintf(threads, sizeof threads, "%d", config->threads);
    char additional_header[1024];
    build_additional_header(additional_header, sizeof additional_header);
    const char *options[] = {
        "listening_ports",
        config->listen,
        "num_threads",
        threads,
        "document_root",
        config->public_dir,
        "enable_directory_listing",
        "no",
        /* Nothing is executed: patterns that no file of ours can match. */
        "cgi_pattern",
        "/puhui-cgi-disabled$",
        "ssi_pattern",
        "/puhui-ssi-disabled$",
        "access_control_allow_origin",
        "",
        "access_control_allow_methods",
        "",
        "access_control_allow_headers",
        "",
        "additional_header",
        additional_header,
        "enable_keep_alive",
        "yes",
        /* Headers and body leave in two writes; without this, Nagle's
         * algorithm and delayed ACKs stall every keep-alive answer ~40 ms. */
        "tcp_nodelay",
        "1",
        "keep_alive_timeout_ms",
        "5000",
        "request_timeout_ms",
        "30000",
        "max_request_size",
        "16384",
        "static_file_max_age",
        "3600",
        "hide_files_patterns",
        "**/.*",
        NULL,
    };
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.init_thread = init_thread;
    callbacks.exit_thread = exit_thread;
    callbacks.begin_request = begin_request;
    callbacks.end_request = end_request;
    callbacks.http_error = http_error;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    server.ctx = mg_start(&callbacks, &server, options);
    if (server.ctx == NULL) {
        fprintf(stderr, "puhui: cannot listen on %s\n", config->listen);
        mg_exit_library();
        release_server(&server);
        return 1;
    }
    mg_set_request_handler(server.ctx, "/", handle_request, &server);
    fprintf(stderr, "puhui: serving http://%s/ (database %s)\n", config->listen, config->db_path);

    while (!stop_requested) {
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "puhui: stopping: finishing requests in flight\n");
    mg_stop(server.ctx); /* returns when every worker has finished */
    mg_exit_library();
    release_server(&server);
    fprintf(stderr, "puhui: stopped cleanly\n");
    return 0;
}
