/*
 * server/views_internal.h - what the page builders share beyond pages.h:
 * the product page's own words (labels, facts, dates, glossed texts), so
 * that the history pages (server/views_history.c: version differences and
 * "what changed") say things exactly as the product page does. Defined in
 * server/views_product.c; private to server/.
 */
#ifndef PH_SERVER_VIEWS_INTERNAL_H
#define PH_SERVER_VIEWS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "server/pages.h"

/* The key facts' fixed order: FACT count, and the key ("premium") and the
 * label ("每年保费") of fact i, as the product page shows them. */
size_t ph_view_fact_count(void);
const char *ph_view_fact_key(size_t index);
const char *ph_view_fact_label(size_t index);

/* {value, terms}: a text with its glossary words explained at their first
 * use on the page. New reference. */
json_t *ph_view_glossed(struct ph_page *page, const char *text);

/* {iso: "2026-05-29", zh: "2026年5月29日"} of a China date or of a UTC
 * timestamp turned into China's date, or JSON null. New reference. */
json_t *ph_view_date(const char *text);

/* The China date (UTC+8) of "YYYY-MM-DD" or a UTC timestamp into out. */
bool ph_view_china_date(const char *text, char out[16]);

/* The number written by the first `count` characters of text, when all are
 * decimal digits (out untouched otherwise). */
bool ph_view_digits(const char *text, size_t count, int64_t *out);

/* "10万元", "99.5元". */
void ph_view_yuan_text(double yuan, char *buf, size_t size);

/* "48%", "0.0049%" (up to four decimals). */
void ph_view_percent_text(double pct, char *buf, size_t size);

/* Reads a product version (0: the latest); on trouble turns the page into
 * the not-found page (with a sentence saying what and how many versions
 * there are) or the failed page, and returns NULL. New reference. */
json_t *ph_view_load_product(struct ph_page *page, const char *registration_no, int64_t version);

/* Glossary words inside names, explained once: {words: [{word, explain}]}
 * or null. New reference. */
json_t *ph_view_name_words(struct ph_page *page, const char *const *names, size_t count);

/* views.c: the province select's options ({value, label, selected}), and
 * the link to another page of the same list (every parameter but page
 * kept). */
json_t *ph_view_province_options(const char *selected);

/* How pages name a category or group value (index into e): plain words,
 * never the registry's formal label ("意外险：摔伤、车祸这类意外"); and a
 * category's short plain name ("意外险"). */
struct ph_enum;
void ph_view_enum_value_label(const struct ph_enum *e, size_t index, char *out, size_t size);
const char *ph_view_category_plain(const char *code);
void ph_view_page_link(const struct ph_request *req, int page_number, char *out, size_t size);

/* Sets view.paging {text: "第 2 页，共 5 页", previous?, next?} when a list of
 * total items takes more than one page of per_page. */
void ph_view_set_paging(struct ph_page *page, int64_t total, int page_number, int per_page);

/* A version history list for a page: versions as the registry lists them
 * ([{version, change_reason, <date_key>}]), base the latest version's page
 * ("/products/PH-2026-000001"); each item {version, href, date, is_this,
 * is_latest, change_reason (glossed; first_reason for version 1 without
 * one), diff: {href, from, to} or null}. New reference. */
json_t *ph_view_version_list(struct ph_page *page, const json_t *versions, const char *base, const char *date_key,
                             const char *first_reason, int64_t this_version, int64_t latest);

/* views_documents.c: a product's documents for its page, newest first
 * ({href, title, type_zh, date, period}), or [] . New reference. */
json_t *ph_view_product_documents(struct ph_page *page, const char *registration_no);

/* The history pages (server/views_history.c; routed by pages.c):
 * /products/{no}/diff?from=&to=, /documents/{no}/diff?from=&to= and
 * /changes. Each fills page->view and sets page->template_name ("diff",
 * "changes"), or turns the page into the not-found or failed page. Bad
 * from/to or filters answer 400 with the error summary. */
void ph_view_product_diff(struct ph_page *page, const char *registration_no);
void ph_view_document_diff(struct ph_page *page, const char *document_no);
void ph_view_changes(struct ph_page *page);

/* GET /api/v1/changes (server/api.c routes to it): ph_changes_list() with
 * the page's parameters, as JSON; 400 with the problems otherwise. */
struct ph_request;
void ph_api_changes(struct ph_request *req);

#endif
