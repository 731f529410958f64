/*
 * server/log.c - the transparency log's public endpoints (issue 5):
 *   GET /log/key                              the verifier key (C2SP vkey), text
 *   GET /log/checkpoint                       the latest signed checkpoint (C2SP signed note), text
 *   GET /log/leaves/{index}                   one leaf: its exact bytes and what it records, JSON
 *   GET /log/proof/inclusion?index=&size=     RFC 9162 inclusion proof, JSON (base64 hashes)
 *   GET /log/proof/consistency?from=&to=      RFC 9162 consistency proof, JSON
 * The signing key is created on the first start and kept in a file the
 * operator backs up (ph_log_key_open).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/checkpoint.h"
#include "server/server.h"

bool ph_log_key_open(struct ph_server *server)
{
    const char *path = server->config.log_key_path;
    ph_checkpoint_key_init(&server->log_key);
    ph_checkpoint_status st = ph_checkpoint_key_load(&server->log_key, path);
    if (st == PH_CHECKPOINT_ERR_IO && errno == ENOENT) {
        st = ph_checkpoint_key_generate(&server->log_key, server->config.log_origin);
        if (st == PH_CHECKPOINT_OK)
            st = ph_checkpoint_key_save(&server->log_key, path);
        if (st == PH_CHECKPOINT_ERR_EXISTS)
            st = ph_checkpoint_key_load(&server->log_key, path); /* another process made it first */
        else if (st == PH_CHECKPOINT_OK)
            fprintf(stderr, "puhui: created the log's signing key in %s (back it up)\n", path);
    }
    if (st != PH_CHECKPOINT_OK) {
        fprintf(stderr, "puhui: log signing key %s: %s\n", path, ph_checkpoint_status_str(st));
        return false;
    }
    if (strcmp(server->log_key.name, server->config.log_origin) != 0) {
        fprintf(stderr, "puhui: the log key in %s is named %s, not the origin %s (--log-origin)\n", path,
                server->log_key.name, server->config.log_origin);
        return false;
    }
    return true;
}

static void respond_text(struct ph_request *req, const char *text, size_t len)
{
    ph_respond_page_bytes(req, 200, "text/plain; charset=utf-8", text, len, true, NULL);
}

/* A whole number parameter: false (and a problem) when missing or not one. */
static bool int_param(struct ph_request *req, const char *name, int64_t *out, struct ph_problems *problems)
{
    char buf[32];
    if (ph_query_param(req, name, buf, sizeof buf) != PH_PARAM_PRESENT) {
        ph_problems_add(problems, "field_missing", name, "缺少「%s」（一个整数）。", name);
        return false;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno != 0 || end == buf || *end != '\0' || buf[0] == '+' || buf[0] == ' ') {
        ph_problems_add(problems, "field_type", name, "「%s」应该是整数。", name);
        return false;
    }
    *out = v;
    return true;
}

static void respond(struct ph_request *req, ph_status st, json_t *value, struct ph_problems *problems)
{
    if (st == PH_OK)
        ph_respond_json(req, 200, value, true, NULL);
    else
        ph_respond_problems(req, ph_status_http(st), problems);
}

void ph_log_dispatch(struct ph_request *req)
{
    const char *path = req->path;
    if (strcmp(req->info->request_method, "GET") != 0 && !req->head) {
        ph_respond_method_not_allowed(req, "GET, HEAD");
        return;
    }
    struct ph_registry *reg = req->worker->reader;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (strcmp(path, "/log/key") == 0) {
        char vkey[PH_CHECKPOINT_VKEY_MAX + 1];
        if (ph_checkpoint_key_vkey(&req->server->log_key, vkey, sizeof vkey - 1) == PH_CHECKPOINT_OK) {
            size_t len = strlen(vkey);
            vkey[len] = '\n';
            respond_text(req, vkey, len + 1);
        } else {
            ph_respond_error(req, 500, "internal", "", "服务器出了点问题，请稍后再试。");
        }
    } else if (strcmp(path, "/log/checkpoint") == 0) {
        int64_t size = 0;
        uint8_t root[32];
        ph_status st = ph_log_root(reg, &size, root, &problems);
        char note[PH_CHECKPOINT_SIGNED_MAX];
        size_t len = 0;
        if (st == PH_OK && ph_checkpoint_sign(&req->server->log_key, req->server->config.log_origin, (uint64_t)size,
                                              root, note, sizeof note, &len) == PH_CHECKPOINT_OK)
            respond_text(req, note, len);
        else
            ph_respond_error(req, 500, "internal", "", "服务器出了点问题，请稍后再试。");
    } else if (strncmp(path, "/log/leaves/", 12) == 0) {
        const char *text = path + 12;
        char *end = NULL;
        errno = 0;
        long long index = strtoll(text, &end, 10);
        json_t *leaf = NULL;
        if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0') {
            ph_respond_error(req, 404, "log_leaf_not_found", "index", "记录编号应该是 0 或正整数。");
        } else {
            ph_status st = ph_log_leaf(reg, index, &leaf, &problems);
            respond(req, st, leaf, &problems);
        }
    } else if (strcmp(path, "/log/proof/inclusion") == 0) {
        int64_t index = 0;
        int64_t size = 0;
        json_t *proof = NULL;
        bool ok = int_param(req, "index", &index, &problems) & int_param(req, "size", &size, &problems);
        ph_status st = ok ? ph_log_inclusion(reg, index, size, &proof, &problems) : PH_ERR_BAD_REQUEST;
        respond(req, st, proof, &problems);
    } else if (strcmp(path, "/log/proof/consistency") == 0) {
        int64_t from = 0;
        int64_t to = 0;
        json_t *proof = NULL;
        bool ok = int_param(req, "from", &from, &problems) & int_param(req, "to", &to, &problems);
        ph_status st = ok ? ph_log_consistency(reg, from, to, &proof, &problems) : PH_ERR_BAD_REQUEST;
        respond(req, st, proof, &problems);
    } else {
        ph_respond_error(req, 404, "route_not_found", "", "没有这个地址。日志的地址见 /api/v1/openapi.json。");
    }
    ph_problems_release(&problems);
}
