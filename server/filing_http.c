/*
 * server/filing_http.c - the HTTP side of XML filings (see filing.h):
 * POST /api/v1/filings and GET /schema/filing.xsd. The parser lives in
 * filing.c, which knows nothing of HTTP so that the fuzz target and the
 * unit tests can use it alone.
 */
#include "server/filing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/plain_review.h"
#include "server/server.h"

/* --- HTTP ---------------------------------------------------------------- */

static bool is_xml_content_type(const char *content_type)
{
    if (content_type == NULL)
        return false;
    static const char *const types[] = {"application/xml", "text/xml"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t n = strlen(types[i]);
        if (strncasecmp(content_type, types[i], n) == 0 &&
            (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' '))
            return true;
    }
    return false;
}

/* The standard error body, with the first problem's line at the top too. */
static void respond_filing_problems(struct ph_request *req, int http_status,
                                    const struct ph_problems *problems)
{
    json_t *body = ph_problems_to_json(problems, http_status);
    json_t *first = json_array_get(problems->items, 0);
    json_t *line = json_object_get(first, "line");
    json_t *error = json_object_get(body, "error");
    if (json_is_integer(line) && json_is_object(error))
        json_object_set_new(error, "line", json_integer(json_integer_value(line)));
    ph_respond_json(req, http_status, body, false, NULL);
}

/* A filing's warnings are all about the product: they name fields as its
 * problems do ("product.summary") and carry the element's line. */
static void name_warnings(json_t *warnings, const json_t *lines)
{
    size_t i;
    json_t *item;
    json_array_foreach (warnings, i, item) {
        const char *field = json_string_value(json_object_get(item, "field"));
        if (field == NULL || field[0] == '\0')
            continue;
        if (strncmp(field, "product.", 8) != 0 && strncmp(field, "documents[", 10) != 0) {
            char named[160];
            snprintf(named, sizeof named, "product.%s", field);
            json_object_set_new(item, "field", json_string(named));
        }
    }
    ph_filing_add_lines(warnings, lines);
}

void ph_filing_post(struct ph_request *req)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t insurer_id = 0;
    char *bytes = NULL;
    size_t len = 0;
    json_t *filing = NULL;
    json_t *lines = NULL;
    json_t *result = NULL;
    int http = ph_authenticate(req, &insurer_id, &problems);
    if (http == 0 && !is_xml_content_type(mg_get_header(req->conn, "Content-Type"))) {
        ph_problems_add(
            &problems, "content_type_unsupported", "",
            "请用 XML 格式提交报备，并设置请求头 Content-Type: application/xml。格式见 /schema/filing.xsd。");
        http = 415;
    }
    if (http == 0)
        http = ph_read_body(req, PH_FILING_BODY_MAX_BYTES, "（8 MiB）", &bytes, &len, &problems);
    if (http == 0) {
        ph_status st = ph_filing_parse(req->server->filing_schema, bytes, len, &filing, &lines, &problems);
        if (st != PH_OK)
            http = ph_filing_parse_http_status(st, &problems);
    }
    free(bytes);
    if (http == 0) {
        struct ph_server *server = req->server;
        pthread_mutex_lock(&server->write_lock);
        ph_status st = ph_filing_register(server->writer, insurer_id, filing, &result, &problems);
        pthread_mutex_unlock(&server->write_lock);
        if (st != PH_OK) {
            ph_filing_add_lines(problems.items, lines);
            http = ph_status_http(st);
        }
    }
    if (http != 0) {
        respond_filing_problems(req, http, &problems);
    } else {
        json_t *warnings = json_object_get(result, "warnings");
        if (json_is_array(warnings))
            ph_plain_review_product(json_object_get(filing, "product"), warnings);
        name_warnings(warnings, lines);
        const char *url = json_string_value(json_object_get(result, "url"));
        const char *regno = json_string_value(json_object_get(result, "registration_no"));
        char location[128];
        if (url != NULL)
            snprintf(location, sizeof location, "%s", url);
        else
            snprintf(location, sizeof location, "/api/v1/products/%s", regno != NULL ? regno : "");
        ph_respond_json(req, 201, result, false, location);
    }
    json_decref(filing);
    json_decref(lines);
    ph_problems_release(&problems);
}

void ph_filing_schema_get(struct ph_request *req)
{
    const char *method = req->info->request_method;
    if (strcmp(method, "OPTIONS") == 0) {
        ph_respond_options(req, "GET, HEAD");
        return;
    }
    if (!req->head && strcmp(method, "GET") != 0) {
        ph_respond_method_not_allowed(req, "GET, HEAD");
        return;
    }
    size_t len = 0;
    const char *text = ph_filing_schema_text(req->server->filing_schema, &len);
    ph_respond_page_bytes(req, 200, "application/xml; charset=utf-8", text, len, true, NULL);
}
