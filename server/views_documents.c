/*
 * server/views_documents.c - the documents' pages (issue 5):
 *
 *   /documents/{no}                 a document's latest version
 *   /documents/{no}/versions/{n}    any version, at a permanent address
 *   /disclosures                    the journalist's page: search across every
 *                                   document, with facets, and links to the
 *                                   exports, the feeds and the log
 *
 * A document's text is the insurer's plain text, shown as it was sent:
 * paragraphs at blank lines, lines kept. It is never HTML (the registry
 * refuses markup) and the template escapes it anyway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/rules.h"
#include "registry/search.h"
#include "server/pages.h"
#include "server/server.h"
#include "server/views_internal.h"

static const char *string_at(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static void document_href(const char *no, int64_t version, int64_t latest, char *out, size_t size)
{
    if (version == latest || version == 0)
        snprintf(out, size, "/documents/%s", no);
    else
        snprintf(out, size, "/documents/%s/versions/%lld", no, (long long)version);
}

/* The text as paragraphs of lines: [{lines: [{text}]}]. Blank lines end a
 * paragraph; CR LF counts as one line end; trailing spaces stay. */
static json_t *paragraphs_json(const char *text, size_t len)
{
    json_t *paragraphs = json_array();
    json_t *lines = json_array();
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n')
            continue;
        size_t end = i;
        if (end > start && text[end - 1] == '\r')
            end--;
        bool blank = true;
        for (size_t k = start; k < end; k++)
            blank = blank && (text[k] == ' ' || text[k] == '\t');
        if (blank) {
            if (json_array_size(lines) > 0) {
                json_array_append_new(paragraphs, json_pack("{s:o}", "lines", lines));
                lines = json_array();
            }
        } else {
            json_array_append_new(lines, json_pack("{s:s%}", "text", text + start, end - start));
        }
        start = i + 1;
    }
    if (json_array_size(lines) > 0)
        json_array_append_new(paragraphs, json_pack("{s:o}", "lines", lines));
    else
        json_decref(lines);
    return paragraphs;
}

static json_t *fingerprint_groups(const char *sha)
{
    json_t *groups = json_array();
    size_t len = sha != NULL ? strlen(sha) : 0;
    for (size_t i = 0; i < len; i += 8)
        json_array_append_new(groups, json_stringn(sha + i, len - i < 8 ? len - i : 8));
    return groups;
}

static json_t *versions_json(struct ph_page *page, const char *no, int64_t this_version, int64_t latest)
{
    json_t *versions = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_document_versions(page->reg, no, &versions, &problems);
    ph_problems_release(&problems);
    if (st != PH_OK)
        return json_array();
    char base[64];
    snprintf(base, sizeof base, "/documents/%s", no);
    json_t *items = ph_view_version_list(page, json_object_get(versions, "items"), base, "published_on",
                                         "第一次发布", this_version, latest);
    json_decref(versions);
    return items;
}

void ph_view_document(struct ph_page *page, const char *document_no, int64_t version)
{
    json_t *doc = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_document_get(page->reg, document_no, version, &doc, &problems);
    if (st == PH_ERR_NOT_FOUND) {
        char what[256];
        if (strcmp(ph_problems_first_code(&problems), "document_version_not_found") == 0)
            snprintf(what, sizeof what, "文件 %.20s 没有第 %lld 版。", document_no, (long long)version);
        else
            snprintf(what, sizeof what, "没有编号是“%.20s”的文件。文件编号像 PD-2026-000123 这样。",
                     document_no);
        ph_problems_release(&problems);
        ph_page_not_found(page, what);
        return;
    }
    ph_problems_release(&problems);
    if (st != PH_OK) {
        ph_page_failed(page, 503);
        return;
    }
    const char *no = string_at(doc, "document_no");
    int64_t this_version = json_integer_value(json_object_get(doc, "version"));
    int64_t latest = json_integer_value(json_object_get(doc, "latest_version"));
    const json_t *product = json_object_get(doc, "product");
    const json_t *insurer = json_object_get(doc, "insurer");
    json_t *v = page->view;
    page->template_name = "document";
    ph_page_set_h1(page, string_at(doc, "title"));
    char href[96];
    document_href(no, this_version, latest, href, sizeof href);
    char product_href[64];
    snprintf(product_href, sizeof product_href, "/products/%s", string_at(product, "registration_no"));
    char insurer_href[64];
    snprintf(insurer_href, sizeof insurer_href, "/insurers/%lld",
             (long long)json_integer_value(json_object_get(insurer, "id")));
    char raw_href[128];
    snprintf(raw_href, sizeof raw_href, "/api/v1/documents/%s/versions/%lld/content", no,
             (long long)this_version);
    char leaf_href[64];
    snprintf(leaf_href, sizeof leaf_href, "/log/leaves/%lld",
             (long long)json_integer_value(json_object_get(doc, "log_index")));

    json_object_set_new(v, "document_no", json_string(no));
    json_object_set_new(v, "href", json_string(href));
    json_object_set_new(v, "type_zh", json_string(string_at(doc, "type_zh")));
    json_object_set_new(v, "product",
                        json_pack("{s:s?, s:s?, s:s}", "name", string_at(product, "name"), "registration_no",
                                  string_at(product, "registration_no"), "href", product_href));
    json_object_set_new(v, "insurer",
                        json_pack("{s:s?, s:s}", "name", string_at(insurer, "name"), "href", insurer_href));
    json_object_set_new(v, "published", ph_view_date(string_at(doc, "published_on")));
    const char *period = string_at(doc, "period");
    if (period != NULL && strlen(period) == 6)
        json_object_set_new(v, "period_zh", json_sprintf("%.4s年第%c季度", period, period[5]));
    json_object_set_new(v, "version", json_integer(this_version));
    json_object_set_new(v, "latest_version", json_integer(latest));
    if (this_version != latest) {
        char latest_href[64];
        document_href(no, latest, latest, latest_href, sizeof latest_href);
        json_object_set_new(v, "old_version",
                            json_pack("{s:I, s:I, s:s}", "version", (json_int_t)this_version,
                                      "latest_version", (json_int_t)latest, "latest_href", latest_href));
    } else {
        json_object_set_new(v, "old_version", json_null());
    }
    const json_t *content = json_object_get(doc, "content");
    json_object_set_new(v, "paragraphs",
                        paragraphs_json(json_string_value(content), json_string_length(content)));
    json_object_set_new(v, "versions", versions_json(page, no, this_version, latest));
    json_object_set_new(v, "record",
                        json_pack("{s:s, s:I, s:O, s:s, s:O, s:s, s:s, s:o, s:O}", "document_no", no,
                                  "version", (json_int_t)this_version, "log_index",
                                  json_object_get(doc, "log_index"), "leaf_href", leaf_href, "content_sha256",
                                  json_object_get(doc, "content_sha256"), "raw_href", raw_href, "sha_command",
                                  "sha256sum", "fingerprint_groups",
                                  fingerprint_groups(string_at(doc, "content_sha256")), "content_bytes",
                                  json_object_get(doc, "content_bytes")));
    json_object_set_new(
        json_object_get(v, "record"), "fingerprint_explain",
        ph_view_glossed(page, "内容指纹是用文件的原文算出来的一串字母和数字。原文改了一个字，"
                              "指纹就完全不一样。下载原文后，可以自己算一算，看和这里是不是一样。"));
    /* The registry's record, for programs (the .json twin). */
    json_object_set_new(v, "document", doc);
}

json_t *ph_view_product_documents(struct ph_page *page, const char *registration_no)
{
    json_t *list = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_product_documents(page->reg, registration_no, &list, &problems);
    ph_problems_release(&problems);
    json_t *items = json_array();
    if (st != PH_OK)
        return items;
    size_t i;
    const json_t *d;
    json_array_foreach (json_object_get(list, "items"), i, d) {
        char href[64];
        snprintf(href, sizeof href, "/documents/%s", string_at(d, "document_no"));
        json_array_append_new(items, json_pack("{s:s, s:s?, s:s?, s:o, s:I}", "href", href, "title",
                                               string_at(d, "title"), "type_zh", string_at(d, "type_zh"),
                                               "date", ph_view_date(string_at(d, "published_on")), "version",
                                               json_integer_value(json_object_get(d, "version"))));
    }
    json_decref(list);
    return items;
}

/* --- the journalist's page -------------------------------------------------- */

static const char *form_field(const char *field)
{
    static const char *const known[] = {"q",       "type",      "category",       "region",
                                        "insurer", "date_from", "date_to",        "sort",
                                        "page",    "per_page",  "registration_no"};
    /* The text box is doc_q: the header's product search box is q. */
    for (size_t i = 1; i < sizeof known / sizeof known[0]; i++)
        if (field != NULL && strcmp(field, known[i]) == 0)
            return known[i];
    return "doc_q";
}

static json_int_t facet_count(const json_t *facet, const char *value)
{
    size_t i;
    const json_t *v;
    json_array_foreach (facet, i, v) {
        const json_t *value_json = json_object_get(v, "value");
        if (json_is_string(value_json) && strcmp(json_string_value(value_json), value) == 0)
            return json_integer_value(json_object_get(v, "count"));
    }
    return 0;
}

static json_t *enum_options(const struct ph_enum *e, const json_t *facet, const char *selected)
{
    json_t *options = json_array();
    for (size_t k = 0; k < e->count; k++) {
        char name[160];
        if (e == &ph_enum_document_type)
            snprintf(name, sizeof name, "%s", e->values[k].label_zh);
        else
            ph_view_enum_value_label(e, k, name, sizeof name);
        char label[192];
        snprintf(label, sizeof label, "%s（%lld 份）", name, (long long)facet_count(facet, e->values[k].code));
        json_array_append_new(
            options, json_pack("{s:s, s:s, s:b}", "value", e->values[k].code, "label", label, "selected",
                               selected != NULL && strcmp(selected, e->values[k].code) == 0));
    }
    return options;
}

static json_t *insurer_options(const json_t *facet, int64_t selected)
{
    json_t *options = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach (facet, i, v) {
        int64_t id = json_integer_value(json_object_get(v, "value"));
        char value[24];
        snprintf(value, sizeof value, "%lld", (long long)id);
        char label[192];
        snprintf(label, sizeof label, "%s（%lld 份）", string_at(v, "label_zh"),
                 (long long)json_integer_value(json_object_get(v, "count")));
        json_array_append_new(options, json_pack("{s:s, s:s, s:b}", "value", value, "label", label,
                                                 "selected", id == selected));
    }
    return options;
}

static json_t *result_cards(const json_t *items)
{
    json_t *cards = json_array();
    size_t i;
    const json_t *item;
    json_array_foreach (items, i, item) {
        const char *no = string_at(item, "document_no");
        char href[64];
        snprintf(href, sizeof href, "/documents/%s", no);
        const json_t *product = json_object_get(item, "product");
        const json_t *insurer = json_object_get(item, "insurer");
        char product_href[64];
        snprintf(product_href, sizeof product_href, "/products/%s", string_at(product, "registration_no"));
        const json_t *highlights = json_object_get(item, "highlights");
        json_t *card =
            json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:s?, s:s, s:s?, s:s?}", "document_no", no, "href", href,
                      "title", string_at(item, "title"), "type_zh", string_at(item, "type_zh"), "date",
                      ph_view_date(string_at(item, "published_on")), "product_name",
                      string_at(product, "name"), "product_href", product_href, "insurer",
                      string_at(insurer, "short_name"), "category_zh", ph_view_category_plain(string_at(product, "category")));
        const char *title_html = string_at(highlights, "title");
        const char *snippet_html = string_at(highlights, "content");
        if (title_html != NULL)
            json_object_set_new(card, "title_html", json_string(title_html));
        if (snippet_html != NULL)
            json_object_set_new(card, "snippet_html", json_string(snippet_html));
        json_array_append_new(cards, card);
    }
    return cards;
}

void ph_view_disclosures(struct ph_page *page)
{
    struct ph_document_params *params = calloc(1, sizeof *params);
    if (params == NULL) {
        ph_page_failed(page, 500);
        return;
    }
    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_document_query query;
    ph_document_query_init(&query);
    ph_document_query_from_request(page->req, params, &query, &problems);

    page->template_name = "disclosures";
    json_t *v = page->view;
    ph_page_set_h1(page, "查公开文件");
    json_object_set_new(v, "intro",
                        ph_view_glossed(page,
                                        "这里能查到保险公司公开的全部文件：条款、费率表、产品说明书、公告和"
                                        "经营情况报告。每份文件的每一版都留着，改过什么都能看到。"));
    json_t *form = json_object();
    static const char *const kept[] = {"q", "date_from", "date_to"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        char value[SEARCH_QUERY_MAX_BYTES + 1];
        if (ph_query_param(page->req, kept[i], value, sizeof value) == PH_PARAM_PRESENT)
            json_object_set_new(form, kept[i], json_string(value));
    }
    json_t *result = NULL;
    if (ph_problems_count(&problems) > 0) {
        size_t i;
        json_t *problem;
        json_array_foreach (problems.items, i, problem) {
            const char *message = string_at(problem, "message");
            ph_page_add_error(page, form_field(string_at(problem, "field")),
                              message ? message : "这一项填得不对。");
        }
        page->status = 400;
    } else if (ph_search_documents(page->reg, &query, &result, &problems) != PH_OK) {
        ph_problems_release(&problems);
        free(params);
        ph_page_failed(page, 503);
        return;
    }
    const json_t *facets = result != NULL ? json_object_get(result, "facets") : NULL;
    json_object_set_new(form, "types",
                        enum_options(&ph_enum_document_type, json_object_get(facets, "type"), query.type));
    json_object_set_new(form, "categories",
                        enum_options(&ph_enum_category, json_object_get(facets, "category"), query.category));
    json_object_set_new(form, "provinces", ph_view_province_options(query.region));
    json_object_set_new(form, "insurers",
                        insurer_options(json_object_get(facets, "insurer"), query.insurer_id));
    json_object_set_new(form, "sorts",
                        json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]", "value", "relevance", "label",
                                  "最相关的在前", "selected", query.sort == PH_DOC_SORT_RELEVANCE, "value",
                                  "newest", "label", "最新发布的在前", "selected",
                                  query.sort == PH_DOC_SORT_NEWEST));
    json_object_set_new(v, "form", form);
    /* The header's box searches products: it does not take this page's q. */
    json_object_set_new(v, "search_q", json_string(""));

    /* The same list to take away, with the same filters. */
    const char *qs = page->req->info->query_string;
    bool has_qs = qs != NULL && qs[0] != '\0' && strlen(qs) < 2048;
    json_t *take_away = json_object();
    if (has_qs) {
        json_object_set_new(take_away, "csv_href", json_sprintf("/api/v1/documents.csv?%s", qs));
        json_object_set_new(take_away, "json_href", json_sprintf("/api/v1/documents?%s", qs));
    } else {
        json_object_set_new(take_away, "csv_href", json_string("/api/v1/documents.csv"));
        json_object_set_new(take_away, "json_href", json_string("/api/v1/documents"));
    }
    json_object_set_new(v, "take_away", take_away);

    if (result != NULL) {
        json_int_t total = json_integer_value(json_object_get(result, "total"));
        json_object_set_new(v, "total", json_integer(total));
        json_object_set(v, "sort_zh", json_object_get(result, "sort_zh"));
        json_t *cards = result_cards(json_object_get(result, "items"));
        json_object_set_new(v, "has_results", json_boolean(json_array_size(cards) > 0));
        json_object_set_new(v, "results", cards);
        json_t *understood = json_object_get(result, "understood");
        json_object_set(v, "understood", understood);
        const char *relaxed = string_at(understood, "relaxed");
        if (relaxed != NULL && strcmp(relaxed, "none") != 0)
            json_object_set_new(v, "relaxed_note",
                                json_string("没有找到含有您写的所有词的文件。下面是最接近的结果。"));
        ph_view_set_paging(page, total, query.page, query.per_page);
        json_object_set_new(v, "result", result);
    }
    ph_problems_release(&problems);
    free(params);
}
