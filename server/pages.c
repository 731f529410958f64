/*
 * server/pages.c - routing, the display mode and rendering of the public
 * pages (see pages.h). The builders live in views.c and views_product.c.
 */
#include "server/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a11y/buf.h"
#include "a11y/template.h"
#include "server/exports.h"
#include "server/server.h"
#include "server/views_internal.h"

#define PAGE_MAX_BYTES        (4u << 20) /* a rendered page never grows past this */
#define PATH_MAX_BYTES        512
#define SETTINGS_BODY_MAX     2048
#define DISPLAY_COOKIE        "puhui_display"
#define DISPLAY_COOKIE_MAX_AGE "31536000" /* a year: no time limit a person would notice */

/* --- the page helpers of pages.h ------------------------------------------ */

void ph_page_html_path(const struct ph_request *req, char *out, size_t size)
{
    const char *uri = req->info->local_uri ? req->info->local_uri : "/";
    size_t len = strlen(uri);
    if (len >= 5 && strcmp(uri + len - 5, ".json") == 0)
        len -= 5;
    if (len == strlen("/index") && strncmp(uri, "/index", len) == 0)
        len = 1;
    snprintf(out, size, "%.*s", (int)len, uri);
}

static json_t *page_object(struct ph_page *page)
{
    json_t *p = json_object_get(page->view, "page");
    if (!json_is_object(p)) {
        p = json_object();
        json_object_set_new(page->view, "page", p);
    }
    return p;
}

void ph_page_set_h1(struct ph_page *page, const char *h1)
{
    json_object_set_new(page_object(page), "h1", json_string(h1));
}

json_t *ph_page_terms(struct ph_page *page, const char *text)
{
    json_t *segments = NULL;
    if (text == NULL)
        text = "";
    if (page->glossary != NULL &&
        ph_glossary_annotate(page->glossary, &page->seen, text, strlen(text), &segments) == PH_GLOSSARY_OK)
        return segments;
    segments = json_array();
    if (text[0] != '\0')
        json_array_append_new(segments, json_pack("{s:s}", "text", text));
    return segments;
}

void ph_page_add_error(struct ph_page *page, const char *field, const char *message)
{
    json_t *errors = json_object_get(page->view, "errors");
    if (!json_is_array(errors)) {
        errors = json_array();
        json_object_set_new(page->view, "errors", errors);
    }
    json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
    json_t *by_field = json_object_get(page->view, "field_errors");
    if (!json_is_object(by_field)) {
        by_field = json_object();
        json_object_set_new(page->view, "field_errors", by_field);
    }
    if (json_object_get(by_field, field) == NULL)
        json_object_set_new(by_field, field, json_string(message));
    json_object_set_new(page_object(page), "has_errors", json_true());
}

/* Starts the view over: an error page shows nothing of what was half built. */
static void page_reset(struct ph_page *page)
{
    json_object_clear(page->view);
    ph_glossary_seen_init(&page->seen, page->glossary);
}

void ph_page_not_found(struct ph_page *page, const char *what_zh)
{
    page_reset(page);
    page->status = 404;
    page->template_name = "not_found";
    ph_page_set_h1(page, "没有找到这一页");
    json_object_set_new(page->view, "what", json_string(what_zh));
}

void ph_page_failed(struct ph_page *page, int status)
{
    page_reset(page);
    page->status = status;
    page->template_name = "error";
    json_object_set_new(page->view, "status", json_integer(status));
    if (status == 405) {
        ph_page_set_h1(page, "这个地址不能这样打开");
        json_object_set_new(page->view, "message", json_string("请从网站上的链接或按钮打开这一页。"));
    } else if (status == 400) {
        ph_page_set_h1(page, "地址不对");
        json_object_set_new(page->view, "message", json_string("这个网址有错，请回到首页重新找。"));
    } else {
        ph_page_set_h1(page, "出了点问题");
        json_object_set_new(page->view, "message",
                            json_string("网站暂时出了问题，不是您的错。请过几分钟再试。"));
    }
}

/* --- the display mode: 长辈版, high contrast, wider spacing ------------------- */

struct display {
    bool elder, contrast, spacing;
};

static void display_from_text(const char *text, struct display *d)
{
    memset(d, 0, sizeof *d);
    const char *word = text;
    while (*word != '\0') {
        size_t len = strcspn(word, ",");
        if (len == 5 && strncmp(word, "elder", 5) == 0)
            d->elder = true;
        else if (len == 8 && strncmp(word, "contrast", 8) == 0)
            d->contrast = true;
        else if (len == 7 && strncmp(word, "spacing", 7) == 0)
            d->spacing = true;
        word += len;
        if (*word == ',')
            word++;
    }
}

static void display_text(const struct display *d, char *out, size_t size)
{
    snprintf(out, size, "%s%s%s%s%s", d->elder ? "elder" : "", d->elder && (d->contrast || d->spacing) ? "," : "",
             d->contrast ? "contrast" : "", d->contrast && d->spacing ? "," : "", d->spacing ? "spacing" : "");
}

static void read_display(const struct ph_request *req, struct display *d)
{
    char value[64] = "";
    const char *cookies = mg_get_header(req->conn, "Cookie");
    if (cookies == NULL || mg_get_cookie(cookies, DISPLAY_COOKIE, value, sizeof value) <= 0)
        value[0] = '\0';
    display_from_text(value, d);
}

static json_t *display_json(const struct display *d)
{
    char classes[64];
    snprintf(classes, sizeof classes, "%s%s%s", d->elder ? " elder" : "", d->contrast ? " contrast" : "",
             d->spacing ? " spacing" : "");
    return json_pack("{s:b, s:b, s:b, s:s}", "elder", d->elder, "contrast", d->contrast, "spacing", d->spacing,
                     "classes", classes[0] == ' ' ? classes + 1 : classes);
}

/* A place to go back to after the settings form: a path of ours, never
 * another site ("//evil", "/\\evil") and never a header injection. */
static bool is_local_path(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || len > PATH_MAX_BYTES || path[0] != '/' || path[1] == '/' || path[1] == '\\')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x21 || c == 0x7f || c == '\\')
            return false;
    }
    return true;
}

/* POST /settings: application/x-www-form-urlencoded, read with a cap. */
static void post_settings(struct ph_request *req)
{
    char body[SETTINGS_BODY_MAX + 1];
    size_t used = 0;
    long long declared = req->info->content_length;
    if (declared > SETTINGS_BODY_MAX) {
        ph_respond_see_other(req, "/settings", NULL);
        return;
    }
    for (;;) {
        int n = mg_read(req->conn, body + used, SETTINGS_BODY_MAX - used);
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == SETTINGS_BODY_MAX)
            break;
    }
    body[used] = '\0';
    struct display d;
    char value[PATH_MAX_BYTES + 1];
    read_display(req, &d);
    if (mg_get_var(body, used, "toggle", value, sizeof value) > 0) {
        /* The header's one-button form: switch 长辈版 on or off. */
        if (strcmp(value, "elder") == 0)
            d.elder = !d.elder;
    } else {
        d.elder = mg_get_var(body, used, "elder", value, sizeof value) > 0 && strcmp(value, "1") == 0;
        d.contrast = mg_get_var(body, used, "contrast", value, sizeof value) > 0 && strcmp(value, "high") == 0;
        d.spacing = mg_get_var(body, used, "spacing", value, sizeof value) > 0 && strcmp(value, "wide") == 0;
    }
    char back[PATH_MAX_BYTES + 1] = "/settings?saved=1";
    if (mg_get_var(body, used, "return_to", value, sizeof value) > 0 && is_local_path(value))
        snprintf(back, sizeof back, "%s", value);
    char text[64];
    display_text(&d, text, sizeof text);
    char cookie[160];
    if (text[0] == '\0')
        snprintf(cookie, sizeof cookie, DISPLAY_COOKIE "=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly");
    else
        snprintf(cookie, sizeof cookie, DISPLAY_COOKIE "=%s; Path=/; Max-Age=" DISPLAY_COOKIE_MAX_AGE
                 "; SameSite=Lax; HttpOnly", text);
    ph_respond_see_other(req, back, cookie);
}

/* --- routing ------------------------------------------------------------------ */

#define SEGMENTS_MAX 6

struct route {
    char buf[PATH_MAX_BYTES + 1];
    char *part[SEGMENTS_MAX + 1];
    size_t count;
    bool json;
};

/* Splits "/a/b/c.json" into a, b, c and notes the .json. False for paths
 * that are too long or deep, or have empty segments ("//", trailing "/"). */
static bool split_route(const char *path, struct route *r)
{
    memset(r, 0, sizeof *r);
    size_t len = strlen(path);
    if (len == 0 || len > PATH_MAX_BYTES || path[0] != '/')
        return false;
    snprintf(r->buf, sizeof r->buf, "%s", path + 1);
    len = strlen(r->buf);
    if (len >= 5 && strcmp(r->buf + len - 5, ".json") == 0) {
        r->json = true;
        r->buf[len - 5] = '\0';
    }
    if (r->buf[0] == '\0')
        return true;
    char *p = r->buf;
    for (;;) {
        if (r->count == SEGMENTS_MAX)
            return false;
        char *slash = strchr(p, '/');
        if (slash != NULL)
            *slash = '\0';
        if (*p == '\0')
            return false;
        r->part[r->count++] = p;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    return true;
}

static bool is(const struct route *r, size_t count, const char *first)
{
    return r->count == count && strcmp(r->part[0], first) == 0;
}

static bool parse_version(const char *text, int64_t *out)
{
    if (text[0] == '\0' || strlen(text) > 6)
        return false;
    int64_t v = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return v >= 1;
}

static void route_page(struct ph_page *page, const struct route *r)
{
    if (r->count == 0 || (is(r, 1, "index") && r->json)) {
        ph_view_home(page);
    } else if (is(r, 1, "search")) {
        ph_view_search(page, NULL, NULL);
    } else if (r->count == 3 && strcmp(r->part[0], "browse") == 0 &&
               (strcmp(r->part[1], "category") == 0 || strcmp(r->part[1], "group") == 0 ||
                strcmp(r->part[1], "region") == 0)) {
        ph_view_search(page, r->part[1], r->part[2]);
    } else if (is(r, 2, "products")) {
        ph_view_product(page, r->part[1], 0);
    } else if (r->count == 4 && strcmp(r->part[0], "products") == 0 && strcmp(r->part[2], "versions") == 0) {
        int64_t version = 0;
        if (parse_version(r->part[3], &version))
            ph_view_product(page, r->part[1], version);
        else
            ph_page_not_found(page, "没有这个版本号。版本号是 1、2、3 这样的数字。");
    } else if (is(r, 2, "documents")) {
        ph_view_document(page, r->part[1], 0);
    } else if (r->count == 4 && strcmp(r->part[0], "documents") == 0 && strcmp(r->part[2], "versions") == 0) {
        int64_t version = 0;
        if (parse_version(r->part[3], &version))
            ph_view_document(page, r->part[1], version);
        else
            ph_page_not_found(page, "没有这个版本号。版本号是 1、2、3 这样的数字。");
    } else if (is(r, 1, "disclosures")) {
        ph_view_disclosures(page);
    } else if (r->count == 3 && strcmp(r->part[0], "products") == 0 && strcmp(r->part[2], "diff") == 0) {
        ph_view_product_diff(page, r->part[1]);
    } else if (r->count == 3 && strcmp(r->part[0], "documents") == 0 && strcmp(r->part[2], "diff") == 0) {
        ph_view_document_diff(page, r->part[1]);
    } else if (is(r, 1, "changes")) {
        ph_view_changes(page);
    } else if (is(r, 1, "compare")) {
        ph_view_compare(page);
    } else if (is(r, 2, "insurers")) {
        ph_view_insurer(page, r->part[1]);
    } else if (is(r, 1, "settings")) {
        ph_view_settings(page);
    } else if (is(r, 1, "accessibility") || is(r, 1, "help")) {
        ph_view_static(page, r->part[0]);
    } else if (r->count == 2 && strcmp(r->part[0], "help") == 0 && strcmp(r->part[1], "choose") == 0) {
        ph_view_static(page, "help-choose");
    } else {
        ph_page_not_found(page, "这个网址上没有内容。可能是网址打错了，或者这一页已经不在了。");
    }
}

/* --- rendering ------------------------------------------------------------------ */

static void add_common(struct ph_page *page, const struct display *d)
{
    json_object_set_new(page->view, "display", display_json(d));
    json_t *p = page_object(page);
    char uri[PATH_MAX_BYTES + 1];
    ph_page_html_path(page->req, uri, sizeof uri);
    const char *query = page->req->info->query_string;
    char path[PATH_MAX_BYTES * 2 + 2];
    snprintf(path, sizeof path, "%s%s%s", uri, query && query[0] ? "?" : "", query && query[0] ? query : "");
    json_object_set_new(p, "path", json_string(is_local_path(path) ? path : "/"));
    if (json_object_get(p, "has_errors") == NULL)
        json_object_set_new(p, "has_errors", json_false());
    json_object_set_new(p, "status", json_integer(page->status));
    json_object_set_new(p, "template", json_string(page->template_name));
    /* The header's search box keeps what was searched. */
    char q[SEARCH_QUERY_MAX_BYTES + 1];
    if (json_object_get(page->view, "search_q") == NULL &&
        ph_query_param(page->req, "q", q, sizeof q) == PH_PARAM_PRESENT)
        json_object_set_new(page->view, "search_q", json_string(q));
}

static void send_page(struct ph_page *page)
{
    struct ph_request *req = page->req;
    bool cacheable = page->status == 200 && strcmp(req->info->request_method, "POST") != 0;
    const char *allow = page->status == 405 ? "GET, HEAD" : NULL;
    if (page->json) {
        char *bytes = json_dumps(page->view, JSON_COMPACT);
        if (bytes != NULL) {
            ph_respond_page_bytes(req, page->status, "application/json; charset=utf-8", bytes, strlen(bytes),
                                  cacheable, allow);
            free(bytes);
            return;
        }
    } else {
        struct ph_buf out;
        ph_buf_init(&out, PAGE_MAX_BYTES);
        enum ph_template_status st =
            ph_templates_render(req->server->templates, page->template_name, page->view, &out);
        if (st == PH_TEMPLATE_OK && !out.failed) {
            ph_respond_page_bytes(req, page->status, "text/html; charset=utf-8", out.data, out.len, cacheable,
                                  allow);
            ph_buf_release(&out);
            return;
        }
        fprintf(stderr, "puhui: rendering %s failed: %s\n", page->template_name, ph_template_status_name(st));
        ph_buf_release(&out);
    }
    static const char fallback[] = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                                   "<title>出了点问题 - 普惠保险服务平台</title></head><body><main id=\"main\">"
                                   "<h1>出了点问题</h1><p>网站暂时出了问题，请过几分钟再试。</p></main></body></html>";
    ph_respond_page_bytes(req, 500, "text/html; charset=utf-8", fallback, sizeof fallback - 1, false, NULL);
}

void ph_pages_dispatch(struct ph_request *req)
{
    /* Every list page's CSV twin (exports.h). */
    if (ph_exports_is_page_csv(req->path)) {
        ph_exports_page_csv(req);
        return;
    }
    struct route r;
    bool routed = split_route(req->path, &r);
    struct ph_page page = {
        .req = req,
        .reg = req->worker->reader,
        .view = json_object(),
        .template_name = NULL,
        .status = 200,
        .json = routed && r.json,
    };
    if (page.view == NULL) {
        ph_respond_error(req, 500, "internal", "", "服务器内存不足，请稍后再试。");
        return;
    }
    if (ph_glossary_default(&page.glossary) != PH_GLOSSARY_OK)
        page.glossary = NULL;
    ph_glossary_seen_init(&page.seen, page.glossary);

    const char *method = req->info->request_method;
    bool read = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (routed && is(&r, 1, "settings") && !r.json && strcmp(method, "POST") == 0) {
        json_decref(page.view);
        post_settings(req);
        return;
    }
    if (!routed)
        ph_page_not_found(&page, "这个网址上没有内容。可能是网址打错了。");
    else if (!read)
        ph_page_failed(&page, 405);
    else
        route_page(&page, &r);
    if (page.template_name == NULL)
        ph_page_failed(&page, 500);

    struct display d;
    read_display(req, &d);
    add_common(&page, &d);
    send_page(&page);
    json_decref(page.view);
}

struct ph_templates *ph_pages_load_templates(const char *public_dir)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/templates", public_dir);
    struct ph_templates *set = ph_templates_new();
    char err[512];
    if (set == NULL) {
        fprintf(stderr, "puhui: out of memory loading templates\n");
        return NULL;
    }
    if (ph_templates_load_dir(set, dir, err, sizeof err) != PH_TEMPLATE_OK ||
        ph_templates_finish(set, err, sizeof err) != PH_TEMPLATE_OK) {
        fprintf(stderr, "puhui: templates in %s: %s\n", dir, err);
        ph_templates_free(set);
        return NULL;
    }
    static const char *const required[] = {"home", "search", "product", "compare", "insurer", "settings",
                                           "static", "not_found", "error"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!ph_templates_has(set, required[i])) {
            fprintf(stderr, "puhui: templates in %s: %s.html is missing\n", dir, required[i]);
            ph_templates_free(set);
            return NULL;
        }
    }
    return set;
}
