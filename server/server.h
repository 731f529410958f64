/*
 * server/server.h - the HTTP server: CivetWeb set up with hardened
 * defaults, one read connection per worker thread, one serialised writer,
 * security headers on every response, an access log without keys or
 * personal data, and a clean shutdown on SIGTERM.
 *
 * Handlers (server/api.c) receive a struct ph_request and answer through
 * the ph_respond_* helpers here, which is the one place that sends headers:
 * no handler can forget the security headers or the cache validators.
 */
#ifndef PH_SERVER_SERVER_H
#define PH_SERVER_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <civetweb.h>
#include <jansson.h>

#include "registry/problems.h"
#include "registry/checkpoint.h"
#include "registry/registry.h"

struct ph_server_config {
    const char *db_path;         /* default "puhui.db" */
    const char *listen;          /* default "127.0.0.1:8080" */
    const char *public_dir;      /* static assets and the OpenAPI document */
    const char *access_log_path; /* NULL: standard error; "-": none */
    int threads;                 /* worker threads = concurrent connections */
    bool demo;                   /* load the demo dataset into an empty db */
    int search_cache_mb;         /* answers to recent searches (search_cache.h); 0: off */
    const char *log_key_path;    /* the log's signing key file; default <db>.log-key */
    const char *log_origin;      /* the log's name in checkpoints (C2SP origin) */
};

#define PH_BODY_MAX_BYTES       (1024 * 1024)
#define PH_BATCH_BODY_MAX_BYTES (16 * 1024 * 1024)
/* A document's content is at most 512 KB; escaped in JSON it can be up to
 * six times that (\uXXXX), plus the other fields. */
#define PH_DOCUMENT_BODY_MAX_BYTES (4 * 1024 * 1024)

struct ph_server {
    struct ph_server_config config;
    struct mg_context *ctx;
    struct ph_registry *writer; /* guarded by write_lock */
    pthread_mutex_t write_lock;
    char *openapi_json; /* read at start-up */
    size_t openapi_len;
    int access_log_fd; /* -1: no access log */
    struct ph_search_cache *search_cache; /* shared by the workers; NULL: off */
    struct ph_templates *templates;       /* public/templates, read at start-up */
    struct ph_filing_schema *filing_schema; /* public/schema/filing.xsd, compiled at start-up (filing.h) */
    struct ph_checkpoint_key log_key;     /* signs checkpoints (log.c) */
};

/* Per worker thread, created in CivetWeb's init_thread callback. */
struct ph_worker {
    struct ph_registry *reader;
    struct timespec request_start;
};

struct ph_request {
    struct mg_connection *conn;
    const struct mg_request_info *info;
    struct ph_server *server;
    struct ph_worker *worker;
    const char *path;
    bool head;  /* HEAD: headers as for GET, no body */
    int status; /* the status sent, for the access log; 0 until answered */
};

/* Runs the server until SIGTERM or SIGINT; returns the process exit code. */
int ph_server_run(const struct ph_server_config *config);

/* --- answering (the only functions that send headers) ------------------- */

/* Sends `body` (a reference is stolen) as JSON. Public reads (cacheable)
 * get a strong ETag over the exact bytes, Last-Modified and a short shared
 * Cache-Control, and answer 304 to a matching If-None-Match. `location`
 * may be NULL. */
void ph_respond_json(struct ph_request *req, int status, json_t *body, bool cacheable, const char *location);

/* Sends pre-serialised JSON bytes the same way. */
void ph_respond_json_bytes(struct ph_request *req, int status, const char *bytes, size_t len, bool cacheable,
                           const char *location);

/* --- query strings (api.c) -------------------------------------------- */

/* q is cut to PH_SEARCH_QUERY_MAX_CHARS characters by the registry (and the
 * answer says so); more than this many bytes is not text a person typed and
 * is refused before any work. Other values are short codes and numbers. */
#define SEARCH_QUERY_MAX_BYTES 2000
#define SEARCH_VALUE_MAX_BYTES 64

enum ph_param_read { PH_PARAM_ABSENT, PH_PARAM_PRESENT, PH_PARAM_TOO_LONG };

/* Reads one query-string parameter (URL-decoded, the first occurrence) into
 * buf. An empty value counts as absent, as HTML forms send empty fields. */
enum ph_param_read ph_query_param(const struct ph_request *req, const char *name, char *buf, size_t size);

/* The search filters' storage, so that a struct ph_search_query can point
 * into it. */
struct ph_search_params {
    char text[SEARCH_QUERY_MAX_BYTES + 1];
    char category[SEARCH_VALUE_MAX_BYTES];
    char group[SEARCH_VALUE_MAX_BYTES];
    char region[SEARCH_VALUE_MAX_BYTES];
    char preexisting[SEARCH_VALUE_MAX_BYTES];
};

struct ph_search_query;
/* Fills the query's filters (not q) from the query string; a problem for
 * every value that is not even of the right type (field = the parameter's
 * name); ph_search_query_check checks the rest. */
void ph_read_search_params(const struct ph_request *req, struct ph_search_params *params,
                           struct ph_search_query *query, struct ph_problems *problems);

/* The document search's filters' storage (api.c), for a struct
 * ph_document_query to point into. */
struct ph_document_params {
    char text[SEARCH_QUERY_MAX_BYTES + 1];
    char type[SEARCH_VALUE_MAX_BYTES];
    char category[SEARCH_VALUE_MAX_BYTES];
    char region[SEARCH_VALUE_MAX_BYTES];
    char date_from[SEARCH_VALUE_MAX_BYTES];
    char date_to[SEARCH_VALUE_MAX_BYTES];
    char registration_no[SEARCH_VALUE_MAX_BYTES];
};
struct ph_document_query;
/* Fills a document query from the query string (q, type, category,
 * region, date_from, date_to, registration_no, insurer, sort, page,
 * per_page); a problem for every value not even of the right type. */
void ph_read_document_params(const struct ph_request *req, struct ph_document_params *params,
                             struct ph_document_query *query, struct ph_problems *problems);
/* The same, then ph_document_query_check: true when the query is usable,
 * else the problems say why (the caller answers 400). */
bool ph_document_query_from_request(const struct ph_request *req, struct ph_document_params *params,
                                    struct ph_document_query *query, struct ph_problems *problems);

/* api.c's routing helpers, shared with api_documents.c. */
bool ph_api_method_allowed(struct ph_request *req, const char *allow); /* else 405 (or OPTIONS) sent */
bool ph_api_is_get(const struct ph_request *req);                      /* GET or HEAD */
void ph_api_not_found(struct ph_request *req);
bool ph_api_parse_positive_id(const char *text, int64_t *out);

/* api_documents.c: /api/v1/documents... (parts = the path after /api/v1/)
 * and /api/v1/products/{no}/documents. */
void ph_api_documents(struct ph_request *req, const char *const *parts, size_t count);
void ph_api_product_documents(struct ph_request *req, const char *registration_no);

/* Sends a page (HTML, or the JSON twin of a page) the same way, with
 * Vary: Cookie (the display mode changes the HTML); allow is sent as the
 * Allow header of a 405. */
void ph_respond_page_bytes(struct ph_request *req, int status, const char *content_type, const char *bytes,
                           size_t len, bool cacheable, const char *allow);

/* Starts a streamed 200 answer of unknown length (Transfer-Encoding:
 * chunked), with the security headers. With an etag (a validator the
 * caller derived from the registry's state and the request, since the
 * bytes are not known yet) the answer is cacheable like the others and a
 * matching If-None-Match gets 304; without one it is no-store.
 * disposition (may be NULL) is sent as Content-Disposition. Returns true
 * when the caller must now send the body with ph_respond_stream_chunk and
 * end it with ph_respond_stream_end; false when the answer is already
 * complete (304, or HEAD). */
bool ph_respond_stream_begin(struct ph_request *req, const char *content_type, const char *disposition,
                             const char *etag, int64_t last_change_unix);
/* One chunk (len 0 sends nothing); false when the client has gone away. */
bool ph_respond_stream_chunk(struct ph_request *req, const void *bytes, size_t len);
/* The last, empty chunk. */
void ph_respond_stream_end(struct ph_request *req);

/* 303 See Other to a local path, optionally setting one cookie. */
void ph_respond_see_other(struct ph_request *req, const char *location, const char *set_cookie);

/* Sends the problems as the standard error body with the status's code. */
void ph_respond_problems(struct ph_request *req, int http_status, const struct ph_problems *problems);

/* One-problem shortcut. */
void ph_respond_error(struct ph_request *req, int http_status, const char *code, const char *field,
                      const char *message);

/* 204 to OPTIONS with an Allow header and no CORS headers. */
void ph_respond_options(struct ph_request *req, const char *allow);

/* 405 with an Allow header. */
void ph_respond_method_not_allowed(struct ph_request *req, const char *allow);

/* Reads the request body, at most max_bytes (a chunked body, length -1,
 * is read up to the cap plus one byte to tell). On success returns 0 and
 * *out (NUL-terminated, caller frees; may be empty) with *out_len; on
 * failure 413 (body_too_large) or 500 (internal) with the problem added.
 * limit_note follows the byte cap in the message ("" or "（8 MiB）"). */
int ph_read_body(struct ph_request *req, size_t max_bytes, const char *limit_note, char **out,
                 size_t *out_len, struct ph_problems *problems);

/* Reads and parses a JSON request body of at most max_bytes. On failure
 * returns the HTTP status to answer (400, 413, 415) with the problem
 * added; on success 0 and *out (caller json_decref's). */
int ph_read_json_body(struct ph_request *req, size_t max_bytes, json_t **out, struct ph_problems *problems);

/* The insurer behind the request's bearer key, or the HTTP status (401,
 * 500) to answer with the problem added. */
int ph_authenticate(struct ph_request *req, int64_t *out_insurer_id, struct ph_problems *problems);

/* The route table and dispatch (server/api.c). */
void ph_api_dispatch(struct ph_request *req);

/* log.c: the transparency log's endpoints under /log/, and the signing key
 * (loaded, or created and saved with mode 0600 on the first start). */
void ph_log_dispatch(struct ph_request *req);
bool ph_log_key_open(struct ph_server *server);

#endif
