/*
 * server/pages.h - the public HTML pages (issue 4): every page is built
 * once as a JSON view model and rendered through the templates in
 * public/templates/ (a11y/template.h), or returned as that same JSON when
 * the path ends in ".json" (/products/PH-2026-000001.json, /search.json?q=,
 * /index.json for the home page). The JSON a script reads and the HTML a
 * person reads can never disagree.
 *
 * A page builder fills page->view and names its template; pages.c adds
 * what every page has (the display mode, the header's search box, the
 * path for "return here" links) and renders. A builder never writes HTML:
 * text goes into the view model and the template escapes it. The only HTML
 * a builder may put in the view is in fields whose names end in _html
 * (search highlights, made by the registry from escaped text; the QR code
 * SVG from a11y/qr.h).
 *
 * View-model conventions (the templates rely on them):
 *   page.h1          the page's one heading; the <title> is "h1 - 普惠保险服务平台",
 *                    "错误：h1 - ..." when page.has_errors
 *   page.path        the path and query of this page (for return_to)
 *   display.*        elder, contrast, spacing (booleans) and classes
 *   errors           [{field, message}] of a failed form, for the error summary
 *   ...terms         texts that may hold glossary words are arrays of
 *                    segments ({text} or {term, explain}, a11y/glossary.h), made
 *                    with ph_page_terms() in reading order so that each word
 *                    is explained at its first use on the page
 */
#ifndef PH_SERVER_PAGES_H
#define PH_SERVER_PAGES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "a11y/glossary.h"
#include "registry/registry.h"

struct ph_request;
struct ph_templates;

struct ph_page {
    struct ph_request *req;
    struct ph_registry *reg;    /* the worker's read connection */
    json_t *view;               /* the view model being built; owned by the page */
    const char *template_name;  /* set by the builder: public/templates/<name>.html */
    int status;                 /* HTTP status; 200 unless the builder says otherwise */
    bool json;                  /* the .json twin was asked for */
    const struct ph_glossary *glossary;
    struct ph_glossary_seen seen; /* glossary words explained so far on this page */
};

/* The path of the HTML page a request is for, without any ".json" (and
 * "/index.json" as "/"), so that a page and its JSON twin link alike. */
void ph_page_html_path(const struct ph_request *req, char *out, size_t size);

/* Sets page.h1 (and so the title). */
void ph_page_set_h1(struct ph_page *page, const char *h1);

/* A text as glossary segments, explaining each glossary word at its first
 * use on this page. Never NULL: on any trouble the text comes back as one
 * plain segment. New reference. */
json_t *ph_page_terms(struct ph_page *page, const char *text);

/* Turns the page into the helpful "not found" page (status 404) with a
 * sentence saying what was not found. */
void ph_page_not_found(struct ph_page *page, const char *what_zh);

/* Turns the page into the "something went wrong" page (status 500, or 503
 * when the database is busy). */
void ph_page_failed(struct ph_page *page, int status);

/* Adds {field, message} to the page's form errors and sets page.has_errors. */
void ph_page_add_error(struct ph_page *page, const char *field, const char *message);

/* Loads and checks every template in dir (at start-up). NULL with a
 * message on stderr when any is broken. Caller frees with ph_templates_free. */
struct ph_templates *ph_pages_load_templates(const char *public_dir);

/* Answers a request for a page (anything that is not /api/, /healthz or
 * /static/). Always answers: unknown paths get the 404 page. */
void ph_pages_dispatch(struct ph_request *req);

/* --- views.c: the words every page shows about a product ------------------ */

/* The key facts of a product (as ph_product_get returns it), always in the
 * same order, each {key, label, value, terms, hint}: who can buy, price per
 * year, the most it pays, what you pay first, reimbursement, waiting
 * period, pre-existing conditions, health questions, how to claim and in
 * how many days, cooling-off period, term. value is the fact in plain
 * words ("每年 99 元", "最高赔 200万元", "50 到 85 岁能买"); terms is value
 * as glossary segments (ph_page_terms). New reference. */
json_t *ph_view_key_facts(struct ph_page *page, const json_t *product);

/* The short facts a result card shows, from a search item: price, most it
 * pays, ages, pre-existing conditions, health questions, regions, each a
 * plain string. New reference. */
json_t *ph_view_card_facts(const json_t *item);

/* Region codes as words: "全国", "杭州", "浙江部分地区" (a place the table does not name). */
json_t *ph_view_region_names(const json_t *codes);

/* "每年 99 元" or "每年 99 到 299 元（看年龄）" into buf. */
void ph_view_premium_text(const json_t *premium, char *buf, size_t size);

/* The page builders (pages.c routes to them). Each fills page->view and
 * sets page->template_name, or calls ph_page_not_found / ph_page_failed. */
void ph_view_home(struct ph_page *page);
void ph_view_search(struct ph_page *page, const char *browse_kind, const char *browse_code);
void ph_view_product(struct ph_page *page, const char *registration_no, int64_t version);
void ph_view_compare(struct ph_page *page);
void ph_view_insurer(struct ph_page *page, const char *id_text);
void ph_view_settings(struct ph_page *page);
void ph_view_static(struct ph_page *page, const char *which); /* accessibility, help, help-choose */
void ph_view_document(struct ph_page *page, const char *document_no, int64_t version); /* 0: latest */
void ph_view_disclosures(struct ph_page *page);

#endif
