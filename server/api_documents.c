/*
 * server/api_documents.c - the documents part of the JSON API:
 *
 *   GET  /api/v1/documents                          search (q and filters)
 *   GET  /api/v1/documents/{no}                     the latest version
 *   POST /api/v1/documents/{no}/versions            a new version (insurer)
 *   GET  /api/v1/documents/{no}/versions            the version list
 *   GET  /api/v1/documents/{no}/versions/{n}        one version
 *   GET  /api/v1/documents/{no}/content             the latest exact bytes
 *   GET  /api/v1/documents/{no}/versions/{n}/content   one version's bytes
 *   GET  /api/v1/products/{no}/documents            a product's documents
 *   POST /api/v1/products/{no}/documents            publish one (insurer)
 *
 * The content endpoints answer the exact bytes as text/plain, so that
 * `curl ... | sha256sum` gives the published content_sha256.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/search.h"
#include "server/plain_review.h"
#include "server/server.h"

static void respond(struct ph_request *req, ph_status st, int ok_status, json_t *value,
                    const struct ph_problems *problems, bool cacheable, const char *location)
{
    if (st == PH_OK)
        ph_respond_json(req, ok_status, value, cacheable, location);
    else
        ph_respond_problems(req, ph_status_http(st), problems);
}

static void search_documents(struct ph_request *req)
{
    struct ph_document_params *params = calloc(1, sizeof *params);
    if (params == NULL) {
        ph_respond_error(req, 500, "internal", "", "服务器内存不足，请稍后再试。");
        return;
    }
    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_document_query query;
    ph_document_query_init(&query);
    ph_status st = ph_document_query_from_request(req, params, &query, &problems) ? PH_OK : PH_ERR_INVALID;
    char *text = NULL;
    size_t len = 0;
    if (st == PH_OK)
        st = ph_search_documents_text(req->worker->reader, &query, &text, &len, &problems);
    if (st == PH_OK)
        ph_respond_json_bytes(req, 200, text, len, true, NULL);
    else
        ph_respond_problems(req, st == PH_ERR_INVALID ? 400 : ph_status_http(st), &problems);
    free(text);
    ph_problems_release(&problems);
    free(params);
}

static void get_document(struct ph_request *req, const char *document_no, int64_t version, bool content_only)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *doc = NULL;
    ph_status st = ph_document_get(req->worker->reader, document_no, version, &doc, &problems);
    if (st == PH_OK && content_only) {
        const json_t *content = json_object_get(doc, "content");
        ph_respond_page_bytes(req, 200, "text/plain; charset=utf-8", json_string_value(content),
                              json_string_length(content), true, NULL);
        json_decref(doc);
    } else {
        respond(req, st, 200, doc, &problems, true, NULL);
    }
    ph_problems_release(&problems);
}

enum doc_write { DOC_PUBLISH, DOC_UPDATE };

/* Authenticates, reads the JSON body (a document may be up to 512 KB of
 * text, escaped), and runs the write under the writer lock. */
static void write_document(struct ph_request *req, enum doc_write kind, const char *number)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    int64_t insurer_id = 0;
    json_t *body = NULL;
    int http = ph_authenticate(req, &insurer_id, &problems);
    if (http == 0)
        http = ph_read_json_body(req, PH_DOCUMENT_BODY_MAX_BYTES, &body, &problems);
    if (http != 0) {
        ph_respond_problems(req, http, &problems);
        ph_problems_release(&problems);
        return;
    }
    json_t *result = NULL;
    struct ph_server *server = req->server;
    pthread_mutex_lock(&server->write_lock);
    ph_status st = kind == DOC_PUBLISH
                       ? ph_document_publish(server->writer, insurer_id, number, body, &result, &problems)
                       : ph_document_update(server->writer, insurer_id, number, body, &result, &problems);
    pthread_mutex_unlock(&server->write_lock);
    if (st == PH_OK) {
        /* A new version keeps its type, which the body may leave out. */
        json_object_set(body, "type", json_object_get(result, "type"));
        ph_plain_review_document(body, json_object_get(result, "warnings"));
    }
    json_decref(body);
    char location[80] = "";
    if (st == PH_OK)
        snprintf(location, sizeof location, "%s", json_string_value(json_object_get(result, "url")));
    respond(req, st, 201, result, &problems, false, st == PH_OK ? location : NULL);
    ph_problems_release(&problems);
}

void ph_api_product_documents(struct ph_request *req, const char *registration_no)
{
    if (!ph_api_method_allowed(req, "GET, HEAD, POST"))
        return;
    if (!ph_api_is_get(req)) {
        write_document(req, DOC_PUBLISH, registration_no);
        return;
    }
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *list = NULL;
    ph_status st = ph_product_documents(req->worker->reader, registration_no, &list, &problems);
    respond(req, st, 200, list, &problems, true, NULL);
    ph_problems_release(&problems);
}

void ph_api_documents(struct ph_request *req, const char *const *parts, size_t count)
{
    /* parts: documents [no [content | versions [n [content]]]] */
    if (count == 1) {
        if (ph_api_method_allowed(req, "GET, HEAD"))
            search_documents(req);
        return;
    }
    const char *no = parts[1];
    if (count == 2) {
        if (ph_api_method_allowed(req, "GET, HEAD"))
            get_document(req, no, 0, false);
        return;
    }
    if (count == 3 && strcmp(parts[2], "content") == 0) {
        if (ph_api_method_allowed(req, "GET, HEAD"))
            get_document(req, no, 0, true);
        return;
    }
    if (count == 3 && strcmp(parts[2], "versions") == 0) {
        if (!ph_api_method_allowed(req, "GET, HEAD, POST"))
            return;
        if (!ph_api_is_get(req)) {
            write_document(req, DOC_UPDATE, no);
            return;
        }
        struct ph_problems problems;
        ph_problems_init(&problems);
        json_t *list = NULL;
        ph_status st = ph_document_versions(req->worker->reader, no, &list, &problems);
        respond(req, st, 200, list, &problems, true, NULL);
        ph_problems_release(&problems);
        return;
    }
    if ((count == 4 || (count == 5 && strcmp(parts[4], "content") == 0)) &&
        strcmp(parts[2], "versions") == 0) {
        int64_t version = 0;
        if (!ph_api_parse_positive_id(parts[3], &version)) {
            ph_respond_error(req, 404, "document_version_not_found", "version",
                             "版本号应该是正整数，例如 1。");
            return;
        }
        if (ph_api_method_allowed(req, "GET, HEAD"))
            get_document(req, no, version, count == 5);
        return;
    }
    ph_api_not_found(req);
}
