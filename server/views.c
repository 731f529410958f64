/*
 * server/views.c - the view models of the home page, search and browse
 * pages, settings and the help pages, and the plain words for a product's
 * short facts (see pages.h). Words a citizen reads are short, plain
 * Simplified Chinese; every number goes through i18n/format.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/format.h"
#include "registry/rules.h"
#include "registry/search.h"
#include "server/pages.h"
#include "server/server.h"
#include "server/views_internal.h"

/* --- the plain words for a product's figures -------------------------------- */

static void yuan_text(double yuan, char *buf, size_t size)
{
    if (ph_format_yuan(yuan, buf, size) != PH_I18N_OK)
        snprintf(buf, size, "%.2f元", yuan);
}

/* An amount without its unit, the way people say it: "50", "99.5", "1.2万". */
static void amount_words(double yuan, char *buf, size_t size)
{
    yuan_text(yuan, buf, size);
    size_t len = strlen(buf);
    static const char unit[] = "元";
    if (len >= sizeof unit - 1 && strcmp(buf + len - (sizeof unit - 1), unit) == 0)
        buf[len - (sizeof unit - 1)] = '\0';
}

void ph_view_premium_text(const json_t *premium, char *buf, size_t size)
{
    const json_t *min = json_object_get(premium, "min");
    const json_t *max = json_object_get(premium, "max");
    if (!json_is_number(min)) {
        snprintf(buf, size, "保费没有写明");
        return;
    }
    if (!json_is_number(max) || json_number_value(max) <= json_number_value(min)) {
        if (ph_format_yuan_per_year(json_number_value(min), buf, size) != PH_I18N_OK)
            snprintf(buf, size, "每年 %.2f 元", json_number_value(min));
        return;
    }
    char low[64];
    char high[64];
    amount_words(json_number_value(min), low, sizeof low);
    amount_words(json_number_value(max), high, sizeof high);
    /* A space sets digits apart from the Chinese ("每年 50 到 160 元"); a
     * figure that ends in 万 runs on ("每年 5000 到 1.2万元"). */
    size_t high_len = strlen(high);
    bool digit_end = high_len > 0 && high[high_len - 1] >= '0' && high[high_len - 1] <= '9';
    snprintf(buf, size, "每年 %s 到 %s%s元（看年龄）", low, high, digit_end ? " " : "");
}

json_t *ph_view_region_names(const json_t *codes)
{
    json_t *names = json_array();
    size_t i;
    json_t *code;
    json_array_foreach (codes, i, code) {
        const char *c = json_string_value(code);
        if (c == NULL)
            continue;
        const char *short_name = ph_region_short_name(c);
        char text[96];
        if (short_name != NULL) {
            snprintf(text, sizeof text, "%s", short_name);
        } else {
            /* A place the table does not name: its province, in short. */
            char province_code[8];
            snprintf(province_code, sizeof province_code, "%.2s0000", c);
            const char *province = ph_region_short_name(province_code);
            if (province == NULL)
                province = ph_region_province_name(c);
            snprintf(text, sizeof text, "%s部分地区", province ? province : "");
        }
        json_array_append_new(names, json_string(text));
    }
    return names;
}

static void join_strings(const json_t *list, const char *sep, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach (list, i, v) {
        const char *s = json_string_value(v);
        if (s == NULL)
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? sep : "", s);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

json_t *ph_view_card_facts(const json_t *item)
{
    json_t *facts = json_array();
    char text[256];
    ph_view_premium_text(json_object_get(item, "premium_yuan_per_year"), text, sizeof text);
    json_array_append_new(facts, json_pack("{s:s, s:s}", "label", "每年交多少钱", "value", text));
    const json_t *sum = json_object_get(item, "sum_insured_yuan");
    if (json_is_number(sum)) {
        char yuan[64];
        yuan_text(json_number_value(sum), yuan, sizeof yuan);
        snprintf(text, sizeof text, "最高赔 %s", yuan);
        json_array_append_new(facts, json_pack("{s:s, s:s}", "label", "最多赔", "value", text));
    }
    snprintf(text, sizeof text, "%lld 到 %lld 岁能买", (long long)json_integer_value(json_object_get(item, "age_min")),
             (long long)json_integer_value(json_object_get(item, "age_max")));
    json_array_append_new(facts, json_pack("{s:s, s:s}", "label", "年龄", "value", text));
    const char *pre = json_string_value(json_object_get(item, "preexisting_conditions"));
    const char *pre_text = pre == NULL                   ? "没有写明"
                           : strcmp(pre, "covered") == 0 ? "以前有病的也能买，也能赔"
                           : strcmp(pre, "partly") == 0  ? "以前有病的也能买，能赔一部分"
                                                         : "以前有病的能买，但那个病不赔";
    json_array_append_new(facts, json_pack("{s:s, s:s}", "label", "有病能不能买", "value", pre_text));
    json_array_append_new(facts, json_pack("{s:s, s:s}", "label", "身体情况",
                                           "value", json_is_true(json_object_get(item, "health_questionnaire"))
                                                        ? "要如实回答身体情况的问题"
                                                        : "不问身体情况"));
    json_t *regions = ph_view_region_names(json_object_get(item, "regions"));
    size_t region_count = json_array_size(regions);
    if (region_count > 3) {
        /* A long list of places is a sentence nobody reads: the first
         * three and how many more (the product page lists them all). */
        while (json_array_size(regions) > 3)
            json_array_remove(regions, json_array_size(regions) - 1);
        char first[160];
        join_strings(regions, "、", first, sizeof first);
        snprintf(text, sizeof text, "%s等 %zu 个地方", first, region_count);
    } else {
        join_strings(regions, "、", text, sizeof text);
    }
    json_decref(regions);
    json_array_append_new(facts, json_pack("{s:s, s:s}", "label", "哪里能买", "value", text));
    return facts;
}

/* --- kinds of cover in plain words ---------------------------------------------- */

/* The registry's category labels are the formal names (意外伤害保险,
 * 重大疾病保险), which are jargon to many readers; pages name kinds of
 * cover the way people say them, with what they pay for. */
static const struct {
    const char *code, *short_zh, *what_zh;
} plain_categories[] = {
    {"accident", "意外险", "摔伤、车祸这类意外"},
    {"medical", "医疗险", "看病花的钱能报"},
    {"critical_illness", "大病一次赔", "得了很重的病，赔一笔钱"},
    {"term_life", "定期寿险", "人不在了，家里能拿到钱"},
    {"home_property", "家财险", "家里东西坏了、丢了能赔"},
    {"agriculture", "农业险", "庄稼、牲畜受灾能赔"},
    {"pension", "养老年金", "老了每月领钱"},
    {"long_term_care", "长期护理险", "不能自理时，给钱请人照顾"},
    {"liability", "责任险", "伤了别人，保险帮着赔"},
    {"other", "其他保险", "别的保障"},
};

static const char *category_short(const char *code)
{
    for (size_t i = 0; code != NULL && i < sizeof plain_categories / sizeof plain_categories[0]; i++)
        if (strcmp(plain_categories[i].code, code) == 0)
            return plain_categories[i].short_zh;
    return "保险";
}

static const char *category_what(const char *code)
{
    for (size_t i = 0; code != NULL && i < sizeof plain_categories / sizeof plain_categories[0]; i++)
        if (strcmp(plain_categories[i].code, code) == 0)
            return plain_categories[i].what_zh;
    return "";
}

/* A target group as pages name it: the registry's label, except where that
 * label is jargon. */
static const char *group_label(const char *code, const char *label)
{
    if (strcmp(code, "chronic_conditions") == 0)
        return "以前生过病、要长期吃药的人";
    return label;
}

/* --- home ------------------------------------------------------------------ */

static json_t *search_everything(struct ph_page *page, const char *group_or_null)
{
    struct ph_search_query query;
    ph_search_query_init(&query);
    query.per_page = 1;
    query.group = group_or_null;
    json_t *result = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_search_products(page->reg, &query, &result, &problems) != PH_OK)
        result = NULL;
    ph_problems_release(&problems);
    return result;
}

static json_int_t facet_count(const json_t *facet, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach (facet, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "value")), value) == 0)
            return json_integer_value(json_object_get(v, "count"));
    }
    return 0;
}

/* A category or group value as pages name it (category_short/what,
 * group_label). */
static void value_label(const struct ph_enum *e, size_t k, char *out, size_t size)
{
    if (e == &ph_enum_category)
        snprintf(out, size, "%s：%s", category_short(e->values[k].code), category_what(e->values[k].code));
    else
        snprintf(out, size, "%s", group_label(e->values[k].code, e->values[k].label_zh));
}

/* Facet values as browse links: [{href, label, count}], in the enum's order. */
static json_t *browse_links(const char *kind, const struct ph_enum *e, const json_t *facet)
{
    json_t *links = json_array();
    for (size_t k = 0; k < e->count; k++) {
        json_int_t count = facet_count(facet, e->values[k].code);
        char href[96];
        snprintf(href, sizeof href, "/browse/%s/%s", kind, e->values[k].code);
        char label[160];
        value_label(e, k, label, sizeof label);
        json_array_append_new(links, json_pack("{s:s, s:s, s:s, s:I, s:b}", "href", href, "code", e->values[k].code,
                                               "label", label, "count", count, "has_products", count > 0));
    }
    return links;
}

json_t *ph_view_province_options(const char *selected)
{
    json_t *options = json_array();
    for (size_t i = 0; i < ph_region_province_count(); i++) {
        char code[8];
        snprintf(code, sizeof code, "%s0000", ph_region_province_prefix(i));
        const char *name = ph_region_province_name(code);
        json_array_append_new(options, json_pack("{s:s, s:s, s:b}", "value", code, "label", name ? name : code,
                                                 "selected", selected != NULL && strcmp(selected, code) == 0));
    }
    return options;
}

static json_t *text_list(const char *const *texts)
{
    json_t *list = json_array();
    for (size_t i = 0; texts[i] != NULL; i++)
        json_array_append_new(list, json_string(texts[i]));
    return list;
}

void ph_view_home(struct ph_page *page)
{
    json_t *all = search_everything(page, NULL);
    if (all == NULL) {
        ph_page_failed(page, 503);
        return;
    }
    page->template_name = "home";
    ph_page_set_h1(page, "找适合您的保险");
    json_object_set_new(json_object_get(page->view, "page"), "own_search", json_true());
    json_t *v = page->view;
    json_object_set_new(v, "intro", json_pack("{s:o}", "terms", ph_page_terms(page, "这里能查到所有登记过的普惠保险产品。")));
    json_object_set(v, "total_products", json_object_get(all, "total"));
    json_t *facets = json_object_get(all, "facets");
    json_object_set_new(v, "categories", browse_links("category", &ph_enum_category, json_object_get(facets, "category")));
    json_object_set_new(v, "groups", browse_links("group", &ph_enum_target_group, json_object_get(facets, "group")));
    json_object_set_new(v, "provinces", ph_view_province_options(NULL));
    static const char *const guide[] = {
        "先看谁能买：年龄和地区要合适。",
        "再看每年要交多少钱，最多能赔多少钱。",
        "看清楚哪些情况不赔。",
        "以前生过病的，看看有病能不能买、能不能赔。",
        "多比较两三个产品，再决定。",
        NULL,
    };
    json_object_set_new(v, "guide", text_list(guide));
    json_decref(all);
}

/* --- search and browse ------------------------------------------------------- */

static json_t *enum_options(const struct ph_enum *e, const json_t *facet, const char *selected)
{
    json_t *options = json_array();
    for (size_t k = 0; k < e->count; k++) {
        char name[160];
        value_label(e, k, name, sizeof name);
        char label[192];
        snprintf(label, sizeof label, "%s（%lld 个）", name, (long long)facet_count(facet, e->values[k].code));
        json_array_append_new(options, json_pack("{s:s, s:s, s:b}", "value", e->values[k].code, "label", label,
                                                 "selected", selected != NULL && strcmp(selected, e->values[k].code) == 0));
    }
    return options;
}


/* A yes/no/any choice as radio buttons: [{value, label, checked, id}]. */
static json_t *choice_options(const char *name, const char *const labels[3], const json_t *facet, int current)
{
    json_t *options = json_array();
    static const char *const values[3] = {"", "true", "false"};
    for (int k = 0; k < 3; k++) {
        char label[128];
        if (k == 0)
            snprintf(label, sizeof label, "%s", labels[k]);
        else
            snprintf(label, sizeof label, "%s（%lld 个）", labels[k], (long long)facet_count(facet, values[k]));
        char id[64];
        snprintf(id, sizeof id, "%s-%s", name, k == 0 ? "any" : values[k]);
        bool checked = (k == 0 && current < 0) || (k == 1 && current == 1) || (k == 2 && current == 0);
        json_array_append_new(options, json_pack("{s:s, s:s, s:b, s:s}", "value", values[k], "label", label, "checked",
                                                 checked, "id", id));
    }
    return options;
}

static const char *sort_options_names[] = {"relevance", "premium", "name", "newest"};
static const char *sort_options_labels[] = {"最相关的在前", "每年交的钱从少到多", "按名称拼音", "最新登记的在前"};

/* The page's link with one parameter changed (paging), keeping the rest. */
void ph_view_page_link(const struct ph_request *req, int page_number, char *out, size_t size)
{
    const char *qs = req->info->query_string ? req->info->query_string : "";
    char uri[600];
    ph_page_html_path(req, uri, sizeof uri);
    size_t used = (size_t)snprintf(out, size, "%s?", uri);
    /* Copy every parameter but page. */
    const char *p = qs;
    while (*p != '\0' && used < size) {
        size_t len = strcspn(p, "&");
        if (!(len >= 5 && strncmp(p, "page=", 5) == 0) && len > 0) {
            int n = snprintf(out + used, size - used, "%.*s&", (int)len, p);
            if (n < 0 || (size_t)n >= size - used)
                break;
            used += (size_t)n;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    if (used < size)
        snprintf(out + used, size - used, "page=%d", page_number);
}

static json_t *result_cards(struct ph_page *page, const json_t *items)
{
    json_t *cards = json_array();
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        const char *regno = json_string_value(json_object_get(item, "registration_no"));
        char href[64];
        snprintf(href, sizeof href, "/products/%s", regno ? regno : "");
        json_t *highlights = json_object_get(item, "highlights");
        json_t *card = json_object();
        json_object_set_new(card, "registration_no", json_string(regno ? regno : ""));
        json_object_set_new(card, "href", json_string(href));
        json_object_set(card, "name", json_object_get(item, "name"));
        json_object_set(card, "name_html", json_object_get(highlights, "name"));
        /* The card shows the matched part of the summary when there is
         * one, else the whole summary: the view model holds what is shown. */
        json_t *summary_html = json_object_get(highlights, "summary");
        if (json_is_string(summary_html))
            json_object_set(card, "summary_html", summary_html);
        else
            json_object_set(card, "summary", json_object_get(item, "summary"));
        json_object_set(card, "insurer", json_object_get(json_object_get(item, "insurer"), "short_name"));
        json_object_set_new(card, "facts", ph_view_card_facts(item));
        json_object_set(card, "on_sale", json_object_get(item, "on_sale"));
        const char *category = json_string_value(json_object_get(item, "category"));
        json_object_set_new(card, "category_zh", json_string(category_short(category)));
        json_object_set_new(card, "checkbox_id", json_sprintf("pick-%s", regno ? regno : ""));
        json_array_append_new(cards, card);
    }
    (void)page;
    return cards;
}

/* The glossary words the result cards use that this page has not explained
 * yet, each {term, explain}, shown in a box before the cards: a card's
 * summary is shown as a highlighted snippet, which cannot carry the
 * explanation inline, so the words are explained before their first use. */
static json_t *page_words(struct ph_page *page, const json_t *items)
{
    json_t *words = json_array();
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        static const char *const fields[] = {"name", "summary"};
        for (size_t f = 0; f < 2; f++) {
            const char *text = json_string_value(json_object_get(item, fields[f]));
            json_t *segments = text != NULL ? ph_page_terms(page, text) : NULL;
            size_t k;
            json_t *segment;
            json_array_foreach (segments, k, segment) {
                if (json_object_get(segment, "term") != NULL)
                    json_array_append_new(words, json_pack("{s:O, s:O}", "term", json_object_get(segment, "canonical"),
                                                           "explain", json_object_get(segment, "explain")));
            }
            json_decref(segments);
        }
    }
    return words;
}

/* Which field of the form each query problem belongs to. */
static const char *form_field_id(const char *field)
{
    static const char *const known[] = {"q", "category", "group", "region", "age", "premium_max", "preexisting",
                                        "questionnaire", "insurer", "on_sale", "sort", "page", "per_page"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(field, known[i]) == 0)
            return known[i];
    return "q";
}

static void add_form_errors(struct ph_page *page, const struct ph_problems *problems)
{
    size_t i;
    json_t *problem;
    json_array_foreach (problems->items, i, problem) {
        const char *field = json_string_value(json_object_get(problem, "field"));
        const char *message = json_string_value(json_object_get(problem, "message"));
        ph_page_add_error(page, form_field_id(field ? field : "q"), message ? message : "这一项填得不对。");
    }
}

/* The value a person typed into a field, kept after an error. */
static void keep_value(struct ph_page *page, json_t *form, const char *name)
{
    char value[SEARCH_QUERY_MAX_BYTES + 1];
    if (ph_query_param(page->req, name, value, sizeof value) == PH_PARAM_PRESENT)
        json_object_set_new(form, name, json_string(value));
}

static bool browse_filter(struct ph_page *page, const char *kind, const char *code, struct ph_search_query *query,
                          char *h1, size_t size)
{
    if (strcmp(kind, "category") == 0) {
        if (ph_enum_label(&ph_enum_category, code) == NULL)
            return false;
        query->category = code;
        snprintf(h1, size, "%s：%s", category_short(code), category_what(code));
    } else if (strcmp(kind, "group") == 0) {
        const char *label = ph_enum_label(&ph_enum_target_group, code);
        if (label == NULL)
            return false;
        query->group = code;
        snprintf(h1, size, "适合%s的保险", group_label(code, label));
    } else {
        if (!ph_region_is_valid(code) || strcmp(code, "000000") == 0)
            return false;
        const char *name = ph_region_short_name(code);
        const char *province = ph_region_province_name(code);
        query->region = code;
        snprintf(h1, size, "%s能买的保险", name ? name : province ? province : code);
    }
    (void)page;
    return true;
}

void ph_view_search(struct ph_page *page, const char *browse_kind, const char *browse_code)
{
    struct ph_search_params *params = calloc(1, sizeof *params);
    if (params == NULL) {
        ph_page_failed(page, 500);
        return;
    }
    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_search_query query;
    ph_search_query_init(&query);
    enum ph_param_read got = ph_query_param(page->req, "q", params->text, sizeof params->text);
    if (got == PH_PARAM_TOO_LONG)
        ph_problems_add(&problems, "query_too_long", "q", "搜索的字太多了。请只写几个关键的词。");
    else if (got == PH_PARAM_PRESENT)
        query.text = params->text;
    ph_read_search_params(page->req, params, &query, &problems);
    char h1[160] = "搜索结果";
    if (browse_kind != NULL && !browse_filter(page, browse_kind, browse_code, &query, h1, sizeof h1)) {
        ph_problems_release(&problems);
        free(params);
        ph_page_not_found(page, "没有这个分类。请从首页的分类里选。");
        return;
    }
    if (ph_problems_count(&problems) == 0)
        ph_search_query_check(&query, &problems);

    page->template_name = "search";
    json_t *v = page->view;
    ph_page_set_h1(page, h1);
    json_object_set_new(json_object_get(v, "page"), "own_search", json_true());
    json_t *form = json_object();
    /* A browse page's form searches everywhere, its fixed filter kept by the
     * select that shows it. */
    if (browse_kind != NULL)
        json_object_set_new(v, "browse", json_pack("{s:s, s:s}", "kind", browse_kind, "code", browse_code));
    json_object_set_new(form, "action", json_string("/search"));
    static const char *const kept[] = {"q", "age", "premium_max", NULL};
    for (size_t i = 0; kept[i] != NULL; i++)
        keep_value(page, form, kept[i]);
    json_object_set_new(v, "search_q", json_string(query.text ? query.text : ""));

    json_t *result = NULL;
    if (ph_problems_count(&problems) > 0) {
        add_form_errors(page, &problems);
        page->status = 400;
        ph_page_set_h1(page, h1);
    } else if (ph_search_products(page->reg, &query, &result, &problems) != PH_OK) {
        ph_problems_release(&problems);
        free(params);
        ph_page_failed(page, 503);
        return;
    } else if (query.text != NULL && browse_kind == NULL) {
        /* The words searched for are said under the heading, where the
         * glossary can explain them: "您搜的是：住院（...）". */
        ph_page_set_h1(page, h1);
        json_object_set_new(v, "searched", json_pack("{s:o}", "terms", ph_page_terms(page, query.text)));
    } else {
        ph_page_set_h1(page, h1);
    }

    json_t *facets = result ? json_object_get(result, "facets") : NULL;
    json_object_set_new(form, "categories", enum_options(&ph_enum_category, json_object_get(facets, "category"), query.category));
    json_object_set_new(form, "groups", enum_options(&ph_enum_target_group, json_object_get(facets, "group"), query.group));
    json_object_set_new(form, "provinces", ph_view_province_options(query.region));
    static const char *const pre_labels[3] = {"都可以", "", ""};
    json_t *pre = json_array();
    json_array_append_new(pre, json_pack("{s:s, s:s, s:b, s:s}", "value", "", "label", pre_labels[0], "checked",
                                         query.preexisting == NULL, "id", "preexisting-any"));
    for (size_t k = 0; k < ph_enum_preexisting.count; k++) {
        const char *code = ph_enum_preexisting.values[k].code;
        char label[128];
        snprintf(label, sizeof label, "%s（%lld 个）", ph_enum_preexisting.values[k].label_zh,
                 (long long)facet_count(json_object_get(facets, "preexisting"), code));
        char id[64];
        snprintf(id, sizeof id, "preexisting-%s", code);
        json_array_append_new(pre, json_pack("{s:s, s:s, s:b, s:s}", "value", code, "label", label, "checked",
                                             query.preexisting != NULL && strcmp(query.preexisting, code) == 0,
                                             "id", id));
    }
    json_object_set_new(form, "preexisting", pre);
    static const char *const questionnaire_labels[3] = {"都可以", "要做健康告知", "不用做健康告知"};
    json_object_set_new(form, "questionnaire",
                        choice_options("questionnaire", questionnaire_labels, json_object_get(facets, "questionnaire"),
                                       query.questionnaire));
    json_object_set_new(form, "on_sale_checked", json_boolean(query.on_sale == 1));
    json_object_set_new(form, "preexisting_legend",
                        json_pack("{s:o}", "terms", ph_page_terms(page, "以前生过的病，也就是既往症，能不能赔")));
    json_object_set_new(form, "questionnaire_legend",
                        json_pack("{s:o}", "terms", ph_page_terms(page, "买的时候要不要回答身体情况，也就是健康告知")));
    json_t *sorts = json_array();
    for (int k = 0; k < 4; k++)
        json_array_append_new(sorts, json_pack("{s:s, s:s, s:b}", "value", sort_options_names[k], "label",
                                               sort_options_labels[k], "selected", (int)query.sort == k));
    json_object_set_new(form, "sorts", sorts);
    json_object_set_new(v, "form", form);

    if (result != NULL) {
        json_int_t total = json_integer_value(json_object_get(result, "total"));
        json_object_set_new(v, "total", json_integer(total));
        json_object_set(v, "sort_zh", json_object_get(result, "sort_zh"));
        json_t *cards = result_cards(page, json_object_get(result, "items"));
        json_t *words = page_words(page, json_object_get(result, "items"));
        json_object_set_new(v, "has_words", json_boolean(json_array_size(words) > 0));
        json_object_set_new(v, "words", words);
        json_object_set_new(v, "has_results", json_boolean(json_array_size(cards) > 0));
        json_object_set_new(v, "results", cards);
        /* The same list, every match, as a spreadsheet (server/exports.c). */
        char uri[600];
        ph_page_html_path(page->req, uri, sizeof uri);
        const char *qs = page->req->info->query_string;
        bool has_qs = qs != NULL && qs[0] != '\0' && strlen(qs) < 2048;
        json_object_set_new(v, "take_away",
                            json_pack("{s:o, s:o}", "href",
                                      json_sprintf("%s.csv%s%s", uri, has_qs ? "?" : "", has_qs ? qs : ""), "text",
                                      json_sprintf("把这 %lld 个产品下载成表格（CSV，Excel 和 WPS 都能打开）",
                                                   (long long)total)));
        json_t *understood = json_object_get(result, "understood");
        json_object_set(v, "understood", understood);
        const char *relaxed = json_string_value(json_object_get(understood, "relaxed"));
        if (relaxed != NULL && strcmp(relaxed, "none") != 0) {
            char unmatched[512];
            join_strings(json_object_get(understood, "unmatched"), "、", unmatched, sizeof unmatched);
            char note[768];
            if (unmatched[0] != '\0')
                snprintf(note, sizeof note, "没有找到同时含有您写的所有词的产品。下面是最接近的结果。没有找到的词：%s。",
                         unmatched);
            else
                snprintf(note, sizeof note, "没有找到完全一样的词。下面是最接近的结果。");
            json_object_set_new(v, "relaxed_note", json_string(note));
        }
        json_t *applied = json_object_get(understood, "applied");
        char applied_text[256] = "";
        if (json_is_integer(json_object_get(applied, "age")) && json_is_integer(json_object_get(understood, "age")))
            snprintf(applied_text, sizeof applied_text, "已经按 %lld 岁来找。",
                     (long long)json_integer_value(json_object_get(applied, "age")));
        const char *region_zh = json_string_value(json_object_get(understood, "region_zh"));
        if (region_zh != NULL) {
            size_t used = strlen(applied_text);
            snprintf(applied_text + used, sizeof applied_text - used, "只看%s能买的。", region_zh);
        }
        if (applied_text[0] != '\0')
            json_object_set_new(v, "applied_note", json_string(applied_text));
        ph_view_set_paging(page, total, query.page, query.per_page);
        json_decref(result);
    }
    ph_problems_release(&problems);
    free(params);
}

/* --- settings and the help pages ------------------------------------------------ */

void ph_view_settings(struct ph_page *page)
{
    page->template_name = "settings";
    ph_page_set_h1(page, "显示设置");
    char saved[8];
    json_object_set_new(page->view, "saved",
                        json_boolean(ph_query_param(page->req, "saved", saved, sizeof saved) == PH_PARAM_PRESENT));
}

struct static_page {
    const char *which, *h1;
    const char *const *paragraphs;
};

static const char *const accessibility_text[] = {
    "我们希望每个人都能方便地用这个网站。",
    "老年人、看不清的人、用读屏软件的人和识字不多的人，都能用。",
    "网站的字可以放大。在每一页上方点“长辈版”，字和按钮都会变大。",
    "还可以换成黑底白字的高对比度，或者把行距加大。这些设置会记住，下次打开还是一样。",
    "不用鼠标，只用键盘也能用。按 Tab 键可以一个一个地移到链接和按钮上。",
    "关掉网页里的脚本，网站也能正常用。",
    "我们按照国家标准 GB/T 37668-2019 和 WCAG 2.2 AA 来做。",
    "每次改动网站，都会自动检查一遍。",
    "如果您用起来有困难，请打电话告诉我们：12378。我们会尽快改。",
    NULL,
};

static const char *const help_text[] = {
    "这个网站登记了所有的专属普惠保险产品。产品的信息由保险公司填写，我们公开给大家看。",
    "在首页的搜索框里写您想找的，比如“住院”“意外”“老人”。用拼音也可以。",
    "点产品的名字，可以看到谁能买、每年多少钱、最多赔多少，还有哪些情况不赔。",
    "想比一比，可以在搜索结果里勾选两三个产品，再点“对比选中的产品”。",
    "这个网站不卖保险。要买的话，请用产品页上写的方法找保险公司。",
    NULL,
};

static const char *const choose_text[] = {
    "先看自己能不能买：年龄要在产品写的范围里，地区也要对。",
    "看每年要交多少钱。普惠保险一般每年几十元到几百元。",
    "看最多能赔多少钱，还有自己要先付多少钱。",
    "一定要看“不赔的情况”。这些情况出了事，保险不给钱。",
    "有慢性病的人，要看“有病能不能买”。有的产品有病也能赔一部分。",
    "看等待期。刚买的时候有一段时间，生病了不赔。",
    "买之前可以多比较两三个产品。有不明白的，打保险公司的电话问清楚。",
    NULL,
};

void ph_view_static(struct ph_page *page, const char *which)
{
    static const struct static_page pages[] = {
        {"accessibility", "无障碍说明", accessibility_text},
        {"help", "使用帮助", help_text},
        {"help-choose", "怎么选普惠保险", choose_text},
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        if (strcmp(pages[i].which, which) != 0)
            continue;
        page->template_name = "static";
        ph_page_set_h1(page, pages[i].h1);
        json_t *paragraphs = json_array();
        for (size_t k = 0; pages[i].paragraphs[k] != NULL; k++)
            json_array_append_new(paragraphs, json_pack("{s:o}", "terms", ph_page_terms(page, pages[i].paragraphs[k])));
        json_object_set_new(page->view, "paragraphs", paragraphs);
        json_object_set_new(page->view, "which", json_string(which));
        return;
    }
    ph_page_not_found(page, "没有这个帮助页。");
}

/* --- shared with the document pages (server/views_internal.h) --------------- */

void ph_view_set_paging(struct ph_page *page, int64_t total, int page_number, int per_page)
{
    int pages = (int)((total + per_page - 1) / per_page);
    if (pages <= 1)
        return;
    json_t *paging = json_object();
    json_object_set_new(paging, "text", json_sprintf("第 %d 页，共 %d 页", page_number, pages));
    char link[PH_SEARCH_QUERY_MAX_CHARS * 12 + 256];
    if (page_number > 1) {
        ph_view_page_link(page->req, page_number - 1, link, sizeof link);
        json_object_set_new(paging, "previous", json_string(link));
    }
    if (page_number < pages) {
        ph_view_page_link(page->req, page_number + 1, link, sizeof link);
        json_object_set_new(paging, "next", json_string(link));
    }
    json_object_set_new(page->view, "paging", paging);
}

void ph_view_enum_value_label(const struct ph_enum *e, size_t index, char *out, size_t size)
{
    value_label(e, index, out, size);
}

const char *ph_view_category_plain(const char *code)
{
    return category_short(code);
}
