/*
 * server/feed.c - the Atom feeds of feed.h, written with xmlTextWriter.
 */
#include "server/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "registry/rules.h"
#include "registry/snapshot.h"
#include "server/server.h"

#define ATOM_NS       "http://www.w3.org/2005/Atom"
#define FEED_TEXT_MAX 1024
#define FEED_LINK_MAX 512

/* The filters, read from the query string like the search API reads them. */
struct feed_params {
    char category[SEARCH_VALUE_MAX_BYTES];
    char region[SEARCH_VALUE_MAX_BYTES];
    char insurer[SEARCH_VALUE_MAX_BYTES];
};

static void read_params(struct ph_request *req, struct feed_params *params, struct ph_feed_query *query,
                        struct ph_problems *problems)
{
    enum ph_param_read got = ph_query_param(req, "category", params->category, sizeof params->category);
    if (got == PH_PARAM_PRESENT)
        query->category = params->category;
    else if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(problems, "enum_invalid", "category", "「category」的值太长了，不是允许的值。");
    got = ph_query_param(req, "region", params->region, sizeof params->region);
    if (got == PH_PARAM_PRESENT)
        query->region = params->region;
    else if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(problems, "region_invalid", "region", "「region」的值太长了，不是允许的值。");
    got = ph_query_param(req, "insurer", params->insurer, sizeof params->insurer);
    int64_t id = 0;
    if (got == PH_PARAM_TOO_LONG ||
        (got == PH_PARAM_PRESENT && !ph_api_parse_positive_id(params->insurer, &id)))
        ph_problems_add(problems, "number_range", "insurer", "「insurer」应该是保险公司编号（正整数）。");
    else if (got == PH_PARAM_PRESENT)
        query->insurer_id = id;
}

/* "localhost/puhui-registry" -> "localhost": the tag authority. */
static void tag_authority(const struct ph_request *req, char *out, size_t size)
{
    const char *origin =
        req->server->config.log_origin != NULL ? req->server->config.log_origin : "localhost";
    size_t len = strcspn(origin, "/:");
    snprintf(out, size, "%.*s", (int)len, len > 0 ? origin : "localhost");
}

/* The filters as a canonical query string ("?category=medical&region=330100"),
 * for the feed's id and its self link. Values are codes and digits only
 * (checked before), so they need no escaping. */
static void canonical_query(const struct ph_feed_query *query, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    if (query->insurer_id > 0)
        used += (size_t)snprintf(out + used, size - used, "%sinsurer=%lld", used ? "&" : "?",
                                 (long long)query->insurer_id);
    if (query->category != NULL && used < size)
        used += (size_t)snprintf(out + used, size - used, "%scategory=%s", used ? "&" : "?", query->category);
    if (query->region != NULL && used < size)
        snprintf(out + used, size - used, "%sregion=%s", used ? "&" : "?", query->region);
}

static const char *str(const json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s != NULL ? s : "";
}

/* Title, summary, link and id of one entry, in plain Chinese. */
struct entry_words {
    char title[FEED_TEXT_MAX];
    char summary[FEED_TEXT_MAX];
    char link[FEED_LINK_MAX];
    char id_path[FEED_LINK_MAX];
};

static void product_words(const json_t *e, struct entry_words *w)
{
    const char *event = str(e, "event");
    const char *regno = str(e, "registration_no");
    const char *name = str(e, "name");
    const char *insurer = str(json_object_get(e, "insurer"), "name");
    const char *reason = str(e, "reason");
    long long version = (long long)json_integer_value(json_object_get(e, "version"));
    long long log_index = (long long)json_integer_value(json_object_get(e, "log_index"));
    snprintf(w->link, sizeof w->link, "/products/%s", regno);
    if (strcmp(event, "product_registered") == 0) {
        snprintf(w->title, sizeof w->title, "新登记：%s", name);
        snprintf(w->summary, sizeof w->summary, "%s登记了新产品「%s」，登记编号 %s。", insurer, name, regno);
        snprintf(w->id_path, sizeof w->id_path, "%s/v%lld", regno, version);
    } else if (strcmp(event, "product_version_published") == 0) {
        snprintf(w->title, sizeof w->title, "新版本（第 %lld 版）：%s", version, name);
        snprintf(w->summary, sizeof w->summary, "%s发布了「%s」（%s）的第 %lld 版。%s%s%s", insurer, name,
                 regno, version, reason[0] ? "改动的原因：" : "", reason, reason[0] ? "。" : "");
        snprintf(w->link, sizeof w->link, "/products/%s/versions/%lld", regno, version);
        snprintf(w->id_path, sizeof w->id_path, "%s/v%lld", regno, version);
    } else if (strcmp(event, "product_withdrawn") == 0) {
        snprintf(w->title, sizeof w->title, "停售：%s", name);
        snprintf(w->summary, sizeof w->summary, "%s的「%s」（%s）从 %s 起停止销售。原因：%s。", insurer, name,
                 regno, str(e, "date"), reason);
        snprintf(w->id_path, sizeof w->id_path, "%s/withdrawn/%lld", regno, log_index);
    } else if (strcmp(event, "product_suspended") == 0) {
        snprintf(w->title, sizeof w->title, "暂停销售：%s", name);
        snprintf(w->summary, sizeof w->summary, "平台暂停了%s的「%s」（%s）的销售。原因：%s。", insurer, name,
                 regno, reason);
        snprintf(w->id_path, sizeof w->id_path, "%s/suspended/%lld", regno, log_index);
    } else {
        snprintf(w->title, sizeof w->title, "恢复销售：%s", name);
        snprintf(w->summary, sizeof w->summary, "%s的「%s」（%s）恢复销售了。", insurer, name, regno);
        snprintf(w->id_path, sizeof w->id_path, "%s/reinstated/%lld", regno, log_index);
    }
}

static void document_words(const json_t *e, struct entry_words *w)
{
    const char *document_no = str(e, "document_no");
    const char *title = str(e, "title");
    const char *type = str(e, "type");
    const char *type_zh = ph_enum_label(&ph_enum_document_type, type);
    long long version = (long long)json_integer_value(json_object_get(e, "version"));
    const char *reason = str(e, "reason");
    if (version <= 1) {
        snprintf(w->title, sizeof w->title, "新文件：%s", title);
        snprintf(w->summary, sizeof w->summary, "%s为「%s」（%s）发布了%s「%s」，文件编号 %s。",
                 str(json_object_get(e, "insurer"), "name"), str(e, "name"), str(e, "registration_no"),
                 type_zh != NULL ? type_zh : "文件", title, document_no);
    } else {
        snprintf(w->title, sizeof w->title, "文件新版本（第 %lld 版）：%s", version, title);
        snprintf(w->summary, sizeof w->summary, "%s更新了「%s」的%s「%s」（%s），现在是第 %lld 版。%s%s%s",
                 str(json_object_get(e, "insurer"), "name"), str(e, "name"),
                 type_zh != NULL ? type_zh : "文件", title, document_no, version,
                 reason[0] ? "改动的原因：" : "", reason, reason[0] ? "。" : "");
    }
    snprintf(w->link, sizeof w->link, "/documents/%s/versions/%lld", document_no, version);
    snprintf(w->id_path, sizeof w->id_path, "%s/v%lld", document_no, version);
}

/* Sticky error over xmlTextWriter calls: each returns < 0 on failure. */
struct atom {
    xmlTextWriterPtr w;
    bool failed;
};

static void check(struct atom *a, int rc)
{
    if (rc < 0)
        a->failed = true;
}

static void element(struct atom *a, const char *name, const char *text)
{
    if (!a->failed)
        check(a, xmlTextWriterWriteElement(a->w, BAD_CAST name, BAD_CAST text));
}

static void text_element(struct atom *a, const char *name, const char *text)
{
    if (a->failed)
        return;
    check(a, xmlTextWriterStartElement(a->w, BAD_CAST name));
    check(a, xmlTextWriterWriteAttribute(a->w, BAD_CAST "type", BAD_CAST "text"));
    check(a, xmlTextWriterWriteString(a->w, BAD_CAST text));
    check(a, xmlTextWriterEndElement(a->w));
}

static void link_element(struct atom *a, const char *rel, const char *type, const char *href)
{
    if (a->failed)
        return;
    check(a, xmlTextWriterStartElement(a->w, BAD_CAST "link"));
    check(a, xmlTextWriterWriteAttribute(a->w, BAD_CAST "rel", BAD_CAST rel));
    check(a, xmlTextWriterWriteAttribute(a->w, BAD_CAST "type", BAD_CAST type));
    check(a, xmlTextWriterWriteAttribute(a->w, BAD_CAST "href", BAD_CAST href));
    check(a, xmlTextWriterEndElement(a->w));
}

static void person(struct atom *a, const char *name)
{
    if (a->failed)
        return;
    check(a, xmlTextWriterStartElement(a->w, BAD_CAST "author"));
    element(a, "name", name);
    check(a, xmlTextWriterEndElement(a->w));
}

static void write_entry(struct atom *a, const json_t *e, enum ph_feed_kind kind, const char *authority)
{
    struct entry_words words;
    memset(&words, 0, sizeof words);
    if (kind == PH_FEED_DOCUMENTS)
        document_words(e, &words);
    else
        product_words(e, &words);
    char id[FEED_LINK_MAX + 160];
    snprintf(id, sizeof id, "tag:%s,2026:%s", authority, words.id_path);
    check(a, xmlTextWriterStartElement(a->w, BAD_CAST "entry"));
    element(a, "id", id);
    text_element(a, "title", words.title);
    element(a, "updated", str(e, "time"));
    element(a, "published", str(e, "time"));
    link_element(a, "alternate", "text/html", words.link);
    person(a, str(json_object_get(e, "insurer"), "name"));
    const char *category = str(e, "category");
    if (category[0] != '\0' && !a->failed) {
        check(a, xmlTextWriterStartElement(a->w, BAD_CAST "category"));
        check(a, xmlTextWriterWriteAttribute(a->w, BAD_CAST "term", BAD_CAST category));
        const char *label = ph_enum_label(&ph_enum_category, category);
        if (label != NULL)
            check(a, xmlTextWriterWriteAttribute(a->w, BAD_CAST "label", BAD_CAST label));
        check(a, xmlTextWriterEndElement(a->w));
    }
    text_element(a, "summary", words.summary);
    check(a, xmlTextWriterEndElement(a->w));
}

/* The feed document into buf; false on a writer failure. */
static bool write_feed(struct ph_request *req, const struct ph_feed_query *query, const json_t *result,
                       xmlBufferPtr buf)
{
    struct atom a = {xmlNewTextWriterMemory(buf, 0), false};
    if (a.w == NULL)
        return false;
    char authority[128];
    tag_authority(req, authority, sizeof authority);
    char filters[256];
    canonical_query(query, filters, sizeof filters);
    const char *file = query->kind == PH_FEED_DOCUMENTS ? "documents.atom" : "products.atom";

    check(&a, xmlTextWriterStartDocument(a.w, "1.0", "UTF-8", NULL));
    check(&a, xmlTextWriterStartElementNS(a.w, NULL, BAD_CAST "feed", BAD_CAST ATOM_NS));
    check(&a, xmlTextWriterWriteAttribute(a.w, BAD_CAST "xml:lang", BAD_CAST "zh-CN"));
    char id[512];
    snprintf(id, sizeof id, "tag:%s,2026:feeds/%s%s", authority, file, filters);
    element(&a, "id", id);
    char title[256];
    const char *category_zh =
        query->category != NULL ? ph_enum_label(&ph_enum_category, query->category) : NULL;
    const char *region_zh = query->region != NULL ? ph_region_short_name(query->region) : NULL;
    if (region_zh == NULL && query->region != NULL)
        region_zh = ph_region_province_name(query->region);
    snprintf(title, sizeof title, "普惠保险%s%s%s%s",
             query->kind == PH_FEED_DOCUMENTS ? "文件发布" : "产品登记和变更",
             (category_zh != NULL || region_zh != NULL || query->insurer_id > 0) ? "（" : "",
             category_zh != NULL     ? category_zh
             : region_zh != NULL     ? region_zh
             : query->insurer_id > 0 ? "一家保险公司"
                                     : "",
             (category_zh != NULL || region_zh != NULL || query->insurer_id > 0) ? "）" : "");
    text_element(&a, "title", title);
    text_element(&a, "subtitle",
                 query->kind == PH_FEED_DOCUMENTS
                     ? "保险公司新发布的条款、费率表、产品说明书、公告和经营报告，最新的在前。"
                     : "专属普惠保险产品的新登记、新版本、停售、暂停和恢复销售，最新的在前。");
    /* With no entry yet, the feed changed when the registry last did. */
    const char *updated = json_string_value(json_object_get(result, "updated"));
    char now[32];
    if (updated == NULL) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        updated = now;
    }
    element(&a, "updated", updated);
    char self[512];
    snprintf(self, sizeof self, "/feeds/%s%s", file, filters);
    link_element(&a, "self", "application/atom+xml", self);
    link_element(&a, "alternate", "text/html",
                 query->kind == PH_FEED_DOCUMENTS ? "/" : "/search?sort=newest");
    person(&a, "普惠保险服务平台");
    if (!a.failed)
        check(&a, xmlTextWriterStartElement(a.w, BAD_CAST "generator"));
    if (!a.failed)
        check(&a, xmlTextWriterWriteString(a.w, BAD_CAST "Puhui Registry"));
    if (!a.failed)
        check(&a, xmlTextWriterEndElement(a.w));
    size_t i;
    json_t *e;
    json_array_foreach (json_object_get(result, "entries"), i, e) {
        if (a.failed)
            break;
        write_entry(&a, e, query->kind, authority);
    }
    check(&a, xmlTextWriterEndDocument(a.w));
    xmlFreeTextWriter(a.w);
    return !a.failed;
}

static void send_feed(struct ph_request *req, enum ph_feed_kind kind)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    struct feed_params params;
    memset(&params, 0, sizeof params);
    struct ph_feed_query query;
    ph_feed_query_init(&query);
    query.kind = kind;
    query.limit = PH_FEED_ENTRIES;
    read_params(req, &params, &query, &problems);
    if (ph_problems_count(&problems) == 0)
        ph_feed_query_check(&query, &problems);
    if (ph_problems_count(&problems) > 0) {
        /* A bad filter is a bad request (400), with the API's codes. */
        ph_respond_problems(req, 400, &problems);
        ph_problems_release(&problems);
        return;
    }
    json_t *result = NULL;
    ph_status st = ph_feed_entries(req->worker->reader, &query, &result, &problems);
    if (st != PH_OK) {
        ph_respond_problems(req, ph_status_http(st), &problems);
        ph_problems_release(&problems);
        return;
    }
    ph_problems_release(&problems);
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf != NULL && write_feed(req, &query, result, buf)) {
        ph_respond_page_bytes(req, 200, "application/atom+xml; charset=utf-8",
                              (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf), true, NULL);
    } else {
        ph_respond_error(req, 500, "internal", "", "生成订阅内容时出错，请稍后再试。");
    }
    if (buf != NULL)
        xmlBufferFree(buf);
    json_decref(result);
}

void ph_feed_dispatch(struct ph_request *req)
{
    const char *p = req->path;
    enum ph_feed_kind kind;
    if (strcmp(p, "/feeds/products.atom") == 0) {
        kind = PH_FEED_PRODUCTS;
    } else if (strcmp(p, "/feeds/documents.atom") == 0) {
        kind = PH_FEED_DOCUMENTS;
    } else {
        ph_respond_error(req, 404, "route_not_found", "",
                         "没有这个订阅地址。产品的订阅是 /feeds/products.atom。");
        return;
    }
    if (ph_api_method_allowed(req, "GET, HEAD"))
        send_feed(req, kind);
}
