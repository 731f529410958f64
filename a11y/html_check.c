/*
 * a11y/html_check.c - the structural accessibility checker: libxml2's HTML
 * parser builds the tree, two walks in document order test it against
 * ../shared/ACCESSIBILITY.md. See html_check.h (the API) and
 * docs/internals/html_check.md (the design and every rule).
 *
 * Walk 1 indexes the page (ids, label targets, aria-describedby targets,
 * titles, headings, landmarks, the first focusable element, radio and
 * checkbox groups); the page-wide rules run on that index; walk 2 checks
 * every element and text node on its own, looking ids up in the index.
 * Both walks recurse once per level of the tree, which libxml2 keeps under
 * 257 levels (deeper pages are refused with PH_HTML_CHECK_TOO_DEEP).
 */
#include "a11y/html_check.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>
#include <unicode/utf8.h>

#include "a11y/buf.h"

/* The per-thread error handler swap below is only safe in a threaded build
 * (Debian's is): there xmlStructuredError is thread-local state. */
#ifndef LIBXML_THREAD_ENABLED
#error "a11y/html_check.c needs a libxml2 built with thread support"
#endif

#define PARSE_OPTIONS                                                                                        \
    (HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NODEFDTD |                    \
     HTML_PARSE_IGNORE_ENC)

/* libxml2 refuses to build a tree deeper than ~257 levels; the walks stop
 * (and report PH_HTML_CHECK_TOO_DEEP) well past that, so that nothing in
 * this file can recurse without bound even if libxml2 changes. */
#define WALK_MAX_DEPTH 1024

/* libxml2's HTML parser hands text to the tree in chunks of this many bytes
 * (HTML_PARSER_BIG_BUFFER_SIZE) and stamps a text node with the line where
 * its first chunk ended; text_line() uses it to find a word's own line. */
#define LIBXML_TEXT_CHUNK_BYTES 1000

/* A message is one line; values quoted in it are cut to this many
 * characters, so that a message stays far below MESSAGE_MAX_BYTES. */
#define QUOTE_MAX_CHARS   60
#define QUOTE_BYTES       (QUOTE_MAX_CHARS * 4 + 8)
#define MESSAGE_MAX_BYTES 1024

/* Text gathered for a comparison or a search (h1, title, labels, error
 * summary); longer text is cut, which only matters for absurd pages. */
#define TEXT_CAP_BYTES ((size_t)64 << 10)

#define REPORT_TEXT_CAP_BYTES ((size_t)16 << 20)

/* A field with more labels than this: only the first ones are looked at. */
#define LABELS_PER_FIELD_MAX 16

#define SITE_NAME     "普惠保险服务平台"
#define TITLE_SEP     " - "
#define ERROR_PREFIX  "错误："
#define SKIP_TEXT     "跳到主要内容"
#define SUMMARY_TITLE "出现问题"

/* ---------------------------------------------------------------- rules */

enum rule {
    R_ENCODING_INVALID,
    R_TOO_MANY_FINDINGS,
    R_HTML_LANG,
    R_LANG_INVALID,
    R_TITLE_MISSING,
    R_TITLE_MULTIPLE,
    R_TITLE_MISMATCH,
    R_TITLE_ERROR_PREFIX,
    R_H1_MISSING,
    R_H1_MULTIPLE,
    R_HEADING_SKIPPED,
    R_HEADING_EMPTY,
    R_HEADER_MISSING,
    R_NAV_MISSING,
    R_MAIN_MISSING,
    R_MAIN_MULTIPLE,
    R_MAIN_ID,
    R_FOOTER_MISSING,
    R_NAV_LABEL_MISSING,
    R_NAV_LABEL_DUPLICATE,
    R_SKIP_LINK_MISSING,
    R_SKIP_LINK_TEXT,
    R_ID_DUPLICATE,
    R_ID_INVALID,
    R_META_CHARSET,
    R_VIEWPORT_MISSING,
    R_VIEWPORT_ZOOM_BLOCKED,
    R_TABINDEX_POSITIVE,
    R_HREF_EMPTY,
    R_JAVASCRIPT_URL,
    R_META_REFRESH,
    R_MEDIA_AUTOPLAY,
    R_URGENCY_WORD,
    R_SCRIPT_OFFSITE,
    R_SCRIPT_INLINE,
    R_RESOURCE_OFFSITE,
    R_STYLE_ELEMENT,
    R_STYLE_ATTR,
    R_EVENT_HANDLER_ATTR,
    R_LABEL_MISSING,
    R_LABEL_EMPTY,
    R_FIELDSET_MISSING,
    R_LEGEND_MISSING,
    R_HINT_UNREFERENCED,
    R_IDREF_MISSING,
    R_ERROR_SUMMARY_ROLE,
    R_ERROR_SUMMARY_TEXT,
    R_ERROR_SUMMARY_LINK,
    R_ERROR_SUMMARY_POSITION,
    R_ARIA_INVALID_DESCRIBEDBY,
    R_FIELD_ERROR_UNREFERENCED,
    R_LINK_TARGET_MISSING,
    R_MONEY_SYMBOL,
    R_DATE_NOT_IN_TIME,
    R_TIME_DATETIME_MISSING,
    R_TIME_DATETIME_INVALID,
    R_TIME_DATETIME_MISMATCH,
    R_TABLE_CAPTION_MISSING,
    R_TABLE_TH_MISSING,
    R_TH_SCOPE_MISSING,
    R_IMG_ALT_MISSING,
    R_SVG_NAME_MISSING,
    R_NAME_MISSING,
    R_COUNT
};

/* Codes are stable: programs and tests match on them. Points are those of
 * ACCESSIBILITY.md; docs/internals/html_check.md explains each rule. */
static const struct ph_html_check_rule rules[R_COUNT] = {
    [R_ENCODING_INVALID] = {"encoding_invalid", 0, "the page is not well-formed UTF-8 or contains NUL"},
    [R_TOO_MANY_FINDINGS] = {"too_many_findings", 0, "more findings than the report keeps"},
    [R_HTML_LANG] = {"html_lang", 1, "<html> has lang=\"zh-CN\""},
    [R_LANG_INVALID] = {"lang_invalid", 1, "every lang attribute is a language tag such as en or zh-CN"},
    [R_TITLE_MISSING] = {"title_missing", 2, "the page has a non-empty <title>"},
    [R_TITLE_MULTIPLE] = {"title_multiple", 2, "the page has one <title>"},
    [R_TITLE_MISMATCH] = {"title_mismatch", 2,
                          "<title> is \"<h1 text> - 普惠保险服务平台\", after an error prefixed with 错误："},
    [R_TITLE_ERROR_PREFIX] = {"title_error_prefix", 2,
                              "<title> starts with 错误： exactly when the page shows an error summary"},
    [R_H1_MISSING] = {"h1_missing", 3, "the page has an <h1>"},
    [R_H1_MULTIPLE] = {"h1_multiple", 3, "the page has one <h1>"},
    [R_HEADING_SKIPPED] = {"heading_skipped", 3, "heading levels never skip going down (h2 then h4)"},
    [R_HEADING_EMPTY] = {"heading_empty", 3, "every heading has text"},
    [R_HEADER_MISSING] = {"header_missing", 3,
                          "the page has a <header> outside article, aside, main, nav and section"},
    [R_NAV_MISSING] = {"nav_missing", 3, "the page has a <nav>"},
    [R_MAIN_MISSING] = {"main_missing", 3, "the page has a <main>"},
    [R_MAIN_MULTIPLE] = {"main_multiple", 3, "the page has one <main>"},
    [R_MAIN_ID] = {"main_id", 3, "<main> has id=\"main\""},
    [R_FOOTER_MISSING] = {"footer_missing", 3,
                          "the page has a <footer> outside article, aside, main, nav and section"},
    [R_NAV_LABEL_MISSING] = {"nav_label_missing", 3, "when there are several <nav>, each has an aria-label"},
    [R_NAV_LABEL_DUPLICATE] = {"nav_label_duplicate", 3, "when there are several <nav>, their labels differ"},
    [R_SKIP_LINK_MISSING] = {"skip_link_missing", 4, "the first focusable element is a link to #main"},
    [R_SKIP_LINK_TEXT] = {"skip_link_text", 4, "the skip link's text is 跳到主要内容"},
    [R_ID_DUPLICATE] = {"id_duplicate", 6, "ids are unique"},
    [R_ID_INVALID] = {"id_invalid", 6, "ids are not empty and contain no white space"},
    [R_META_CHARSET] = {"meta_charset", 6, "the page declares <meta charset=\"utf-8\">"},
    [R_VIEWPORT_MISSING] = {"viewport_missing", 10, "the page has a viewport <meta> (phones)"},
    [R_VIEWPORT_ZOOM_BLOCKED] = {"viewport_zoom_blocked", 10,
                                 "the viewport never blocks zoom (user-scalable=no, maximum-scale below 5)"},
    [R_TABINDEX_POSITIVE] = {"tabindex_positive", 13, "no tabindex above 0"},
    [R_HREF_EMPTY] = {"href_empty", 14, "no link with href=\"#\" or an empty href"},
    [R_JAVASCRIPT_URL] = {"javascript_url", 14, "no javascript: URL in href, src, action or formaction"},
    [R_META_REFRESH] = {"meta_refresh", 15, "no <meta http-equiv=\"refresh\">"},
    [R_MEDIA_AUTOPLAY] = {"media_autoplay", 15, "no <audio> or <video> with autoplay"},
    [R_URGENCY_WORD] = {"urgency_word", 16, "no urgency words (限时, 仅剩, 立即抢购, 倒计时 ...)"},
    [R_SCRIPT_OFFSITE] = {"script_offsite", 16, "every <script src> is a path on this site"},
    [R_SCRIPT_INLINE] = {"script_inline", 16, "no inline script (the CSP blocks it)"},
    [R_RESOURCE_OFFSITE] = {"resource_offsite", 16,
                            "images, frames, media and style sheets come from this site"},
    [R_STYLE_ELEMENT] = {"style_element", 16, "no <style> element (the CSP blocks it)"},
    [R_STYLE_ATTR] = {"style_attr", 16, "no style= attribute (the CSP blocks it)"},
    [R_EVENT_HANDLER_ATTR] = {"event_handler_attr", 16, "no on* event handler attribute (the CSP blocks it)"},
    [R_LABEL_MISSING] = {"label_missing", 17, "every form control has a <label>"},
    [R_LABEL_EMPTY] = {"label_empty", 17, "every form control's <label> has text"},
    [R_FIELDSET_MISSING] = {"fieldset_missing", 17, "radio and checkbox groups are inside a <fieldset>"},
    [R_LEGEND_MISSING] = {"legend_missing", 17, "every <fieldset> starts with a non-empty <legend>"},
    [R_HINT_UNREFERENCED] = {"hint_unreferenced", 17,
                             "every .hint in a form is tied to its field by aria-describedby"},
    [R_IDREF_MISSING] = {"idref_missing", 17,
                         "for=, aria-describedby, aria-labelledby ... name ids on the page"},
    [R_ERROR_SUMMARY_ROLE] = {"error_summary_role", 18,
                              ".error-summary has role=\"alert\" or tabindex=\"-1\""},
    [R_ERROR_SUMMARY_TEXT] = {"error_summary_text", 18, ".error-summary says 出现问题"},
    [R_ERROR_SUMMARY_LINK] = {"error_summary_link", 18,
                              ".error-summary links to each field with href=\"#id\""},
    [R_ERROR_SUMMARY_POSITION] = {"error_summary_position", 18,
                                  ".error-summary is in <main>, before every form field there"},
    [R_ARIA_INVALID_DESCRIBEDBY] =
        {"aria_invalid_describedby", 18,
         "aria-invalid=\"true\" comes with aria-describedby naming an element on the page"},
    [R_FIELD_ERROR_UNREFERENCED] = {"field_error_unreferenced", 18,
                                    "every .field-error is tied to its field by aria-describedby"},
    [R_LINK_TARGET_MISSING] = {"link_target_missing", 18,
                               "every in-page link (href=\"#id\") names an id on the page"},
    [R_MONEY_SYMBOL] = {"money_symbol", 20, "money is written as number + 元, never with ¥ or ￥"},
    [R_DATE_NOT_IN_TIME] = {"date_not_in_time", 20, "a date like 2026年5月29日 is inside <time datetime>"},
    [R_TIME_DATETIME_MISSING] = {"time_datetime_missing", 20, "every <time> has a datetime attribute"},
    [R_TIME_DATETIME_INVALID] = {"time_datetime_invalid", 20,
                                 "every datetime attribute is a valid date or time"},
    [R_TIME_DATETIME_MISMATCH] = {"time_datetime_mismatch", 20,
                                  "a <time> showing a date has that date in datetime"},
    [R_TABLE_CAPTION_MISSING] = {"table_caption_missing", 22, "every <table> has a non-empty <caption>"},
    [R_TABLE_TH_MISSING] = {"table_th_missing", 22, "every <table> has header cells (<th>)"},
    [R_TH_SCOPE_MISSING] = {"th_scope_missing", 22, "every <th> has scope=\"col\" or scope=\"row\""},
    [R_IMG_ALT_MISSING] = {"img_alt_missing", 24, "every <img> has an alt attribute"},
    [R_SVG_NAME_MISSING] = {"svg_name_missing", 24,
                            "every <svg> is role=\"img\" with a name, or aria-hidden=\"true\""},
    [R_NAME_MISSING] = {"name_missing", 24, "every link, button and focusable element has a name"},
};

const struct ph_html_check_rule *ph_html_check_rules(size_t *count)
{
    if (count != NULL)
        *count = R_COUNT;
    return rules;
}

const char *ph_html_check_status_code(enum ph_html_check_status status)
{
    switch (status) {
    case PH_HTML_CHECK_OK:
        return "ok";
    case PH_HTML_CHECK_TOO_BIG:
        return "input_too_big";
    case PH_HTML_CHECK_TOO_DEEP:
        return "input_too_deep";
    case PH_HTML_CHECK_UNPARSEABLE:
        return "input_unparseable";
    case PH_HTML_CHECK_NO_MEMORY:
        return "no_memory";
    case PH_HTML_CHECK_TOO_COMPLEX:
        return "input_too_complex";
    }
    return "unknown";
}

const char *ph_html_check_status_message(enum ph_html_check_status status)
{
    switch (status) {
    case PH_HTML_CHECK_OK:
        return "the page was checked";
    case PH_HTML_CHECK_TOO_BIG:
        return "the page is larger than 8 MiB and was not checked";
    case PH_HTML_CHECK_TOO_DEEP:
        return "the page nests elements more than 256 levels deep and was not checked";
    case PH_HTML_CHECK_UNPARSEABLE:
        return "the page has no element to check (empty, or only white space, comments, a doctype or end "
               "tags)";
    case PH_HTML_CHECK_NO_MEMORY:
        return "out of memory while checking the page";
    case PH_HTML_CHECK_TOO_COMPLEX:
        return "a start tag has more than 256 attributes; the page was not checked";
    }
    return "unknown status";
}

/* ------------------------------------------------------------- reports */

void ph_html_report_init(struct ph_html_report *report, size_t max_findings)
{
    report->items = NULL;
    report->count = 0;
    report->alloc = 0;
    report->max_findings = max_findings == 0 ? 1 : max_findings;
    report->truncated = false;
}

void ph_html_report_release(struct ph_html_report *report)
{
    for (size_t i = 0; i < report->count; i++)
        free(report->items[i].message);
    free(report->items);
    report->items = NULL;
    report->count = 0;
    report->alloc = 0;
    report->truncated = false;
}

bool ph_html_report_has(const struct ph_html_report *report, const char *code)
{
    for (size_t i = 0; i < report->count; i++) {
        if (strcmp(report->items[i].code, code) == 0)
            return true;
    }
    return false;
}

json_t *ph_html_report_to_json(const struct ph_html_report *report)
{
    json_t *array = json_array();
    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < report->count; i++) {
        const struct ph_html_finding *f = &report->items[i];
        json_t *item =
            json_pack("{s:s, s:I, s:s}", "code", f->code, "line", (json_int_t)f->line, "message", f->message);
        if (item == NULL || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

char *ph_html_report_to_text(const struct ph_html_report *report, const char *file_name, size_t *len_out)
{
    struct ph_buf out;
    ph_buf_init(&out, REPORT_TEXT_CAP_BYTES);
    const char *name = file_name == NULL ? "-" : file_name;
    for (size_t i = 0; i < report->count; i++) {
        const struct ph_html_finding *f = &report->items[i];
        /* A control character in a file name would break the one-line format. */
        for (const char *p = name; *p != '\0'; p++)
            ph_buf_append_char(&out, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
        ph_buf_printf(&out, ":%d: %s: %s\n", f->line, f->code, f->message);
    }
    char *text = ph_buf_detach(&out, len_out);
    ph_buf_release(&out);
    return text;
}

/* ------------------------------------------------------------ text utils */

static bool is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* White space and invisible characters that leave a name or a label empty
 * to a reader: Unicode White_Space, plus the zero-width space and the BOM. */
static bool is_blank_char(UChar32 c)
{
    if (c < 0x80)
        return is_ascii_space((unsigned char)c) || c == 0x0b;
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200b) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
}

/* True when s (well-formed UTF-8; the input was validated) shows nothing. */
static bool is_blank_n(const char *s, size_t len)
{
    if (s == NULL)
        return true;
    const uint8_t *u = (const uint8_t *)s;
    int32_t i = 0;
    int32_t n = (int32_t)len;
    while (i < n) {
        UChar32 c;
        U8_NEXT(u, i, n, c);
        if (c < 0 || !is_blank_char(c))
            return false;
    }
    return true;
}

static bool is_blank(const char *s)
{
    return s == NULL || is_blank_n(s, strlen(s));
}

/* What a message may not carry (html_check.h: one line, no control
 * characters): C0/C1 controls, line and paragraph separators, bidi
 * controls and non-characters. */
static bool is_unsafe_char(UChar32 c)
{
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        return true;
    if (c == 0x2028 || c == 0x2029 || c == 0x061c || c == 0x200e || c == 0x200f)
        return true;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
        return true;
    return U_IS_UNICODE_NONCHAR(c);
}

/* Writes s as a double-quoted, one-line, length-capped string into out
 * (QUOTE_BYTES) and returns out: for putting page text into a message. */
static const char *quote_n(char *out, const char *s, size_t len)
{
    size_t o = 0;
    out[o++] = '"';
    const uint8_t *u = (const uint8_t *)(s == NULL ? "" : s);
    int32_t i = 0;
    int32_t n = s == NULL ? 0 : (int32_t)len;
    int chars = 0;
    while (i < n) {
        if (chars == QUOTE_MAX_CHARS) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        int32_t start = i;
        UChar32 c;
        U8_NEXT(u, i, n, c);
        if (c < 0 || is_unsafe_char(c)) {
            out[o++] = (c >= 0 && c < 0x80 && is_ascii_space((unsigned char)c)) ? ' ' : '?';
        } else {
            memcpy(out + o, u + start, (size_t)(i - start));
            o += (size_t)(i - start);
        }
        chars++;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

static const char *quote(char *out, const char *s)
{
    return quote_n(out, s, s == NULL ? 0 : strlen(s));
}

/* The value without ASCII white space around it, as a pointer and length. */
static const char *trim_ascii(const char *s, size_t *len_out)
{
    while (is_ascii_space((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && is_ascii_space((unsigned char)s[len - 1]))
        len--;
    *len_out = len;
    return s;
}

static bool trimmed_ieq(const char *s, const char *expected)
{
    size_t len;
    const char *t = trim_ascii(s, &len);
    return len == strlen(expected) && strncasecmp(t, expected, len) == 0;
}

/* strcasestr for ASCII needles, without _GNU_SOURCE. */
static bool contains_ci(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = haystack; *p != '\0'; p++) {
        if (strncasecmp(p, needle, n) == 0)
            return true;
    }
    return n == 0;
}

/* Strips and collapses ASCII white space in place (the HTML rule for
 * titles and text comparisons). */
static size_t collapse_spaces(char *s, size_t len)
{
    size_t o = 0;
    bool pending_space = false;
    for (size_t i = 0; i < len; i++) {
        if (is_ascii_space((unsigned char)s[i])) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space)
            s[o++] = ' ';
        pending_space = false;
        s[o++] = s[i];
    }
    s[o] = '\0';
    return o;
}

/* Token iteration over an ASCII-white-space separated list (class, rel,
 * aria-describedby ...): returns the next token or NULL. */
static const char *next_token(const char **cursor, size_t *len_out)
{
    const char *p = *cursor;
    while (is_ascii_space((unsigned char)*p))
        p++;
    if (*p == '\0')
        return NULL;
    const char *start = p;
    while (*p != '\0' && !is_ascii_space((unsigned char)*p))
        p++;
    *cursor = p;
    *len_out = (size_t)(p - start);
    return start;
}

static bool has_token(const char *list, const char *token, bool ignore_case)
{
    if (list == NULL)
        return false;
    size_t want = strlen(token);
    const char *cursor = list;
    size_t len;
    const char *t;
    while ((t = next_token(&cursor, &len)) != NULL) {
        if (len != want)
            continue;
        if (ignore_case ? strncasecmp(t, token, len) == 0 : memcmp(t, token, len) == 0)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ tree utils */

static bool is_el(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* An attribute's value, "" for one without a value (hidden, checked).
 * libxml2's HTML parser keeps one text child per value. */
static const char *attr_value(const xmlAttr *a)
{
    const xmlNode *v = a->children;
    if (v != NULL && v->type == XML_TEXT_NODE && v->content != NULL)
        return (const char *)v->content;
    return "";
}

/* The attribute's value, or NULL when absent. libxml2's HTML parser
 * lower-cases attribute names. */
static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        if (strcmp((const char *)a->name, name) == 0)
            return attr_value(a);
    }
    return NULL;
}

static bool attr_is(const xmlNode *n, const char *name, const char *value)
{
    const char *v = attr(n, name);
    return v != NULL && trimmed_ieq(v, value);
}

static bool has_class(const xmlNode *n, const char *cls)
{
    return has_token(attr(n, "class"), cls, false);
}

static int line_of(const xmlNode *n)
{
    long line = xmlGetLineNo(n);
    if (line < 0)
        return 0;
    return line > INT_MAX ? INT_MAX : (int)line;
}

/* The heading level of h1..h6, else 0. */
static int heading_level(const xmlNode *n)
{
    if (n->type != XML_ELEMENT_NODE)
        return 0;
    const char *name = (const char *)n->name;
    if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0')
        return name[1] - '0';
    return 0;
}

static const char *input_type(const xmlNode *input)
{
    const char *type = attr(input, "type");
    return type == NULL ? "text" : type;
}

/* input/select/textarea that need a label (not hidden or a button). */
static bool is_labelable_control(const xmlNode *n)
{
    if (is_el(n, "select") || is_el(n, "textarea"))
        return true;
    if (!is_el(n, "input"))
        return false;
    const char *type = input_type(n);
    return !(trimmed_ieq(type, "hidden") || trimmed_ieq(type, "submit") || trimmed_ieq(type, "button") ||
             trimmed_ieq(type, "reset") || trimmed_ieq(type, "image"));
}

static bool is_form_field(const xmlNode *n)
{
    return is_labelable_control(n) || is_el(n, "fieldset");
}

/* Parses an HTML integer ("-1", " 3") into *out; false when it is not one. */
static bool parse_int(const char *s, long *out)
{
    while (is_ascii_space((unsigned char)*s))
        s++;
    bool negative = false;
    if (*s == '-' || *s == '+') {
        negative = *s == '-';
        s++;
    }
    if (*s < '0' || *s > '9')
        return false;
    long value = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (value < 1000000)
            value = value * 10 + (*s - '0');
    }
    *out = negative ? -value : value;
    return true;
}

/* Focusable and in the tab order (HTML "sequentially focusable"). */
static bool is_tab_focusable(const xmlNode *n)
{
    long tabindex;
    const char *ti = attr(n, "tabindex");
    bool has_tabindex = ti != NULL && parse_int(ti, &tabindex);
    bool disabled = attr(n, "disabled") != NULL;
    if ((is_el(n, "button") || is_el(n, "select") || is_el(n, "textarea") || is_el(n, "input")) && disabled)
        return false;
    if (has_tabindex)
        return tabindex >= 0;
    if ((is_el(n, "a") || is_el(n, "area")) && attr(n, "href") != NULL)
        return true;
    if (is_el(n, "button") || is_el(n, "select") || is_el(n, "textarea") || is_el(n, "iframe"))
        return true;
    if (is_el(n, "input"))
        return !trimmed_ieq(input_type(n), "hidden");
    if ((is_el(n, "audio") || is_el(n, "video")) && attr(n, "controls") != NULL)
        return true;
    if (is_el(n, "summary") && is_el(n->parent, "details")) {
        for (const xmlNode *c = n->parent->children; c != NULL; c = c->next) {
            if (is_el(c, "summary"))
                return c == n;
        }
    }
    const char *editable = attr(n, "contenteditable");
    return editable != NULL && !trimmed_ieq(editable, "false");
}

static bool is_native_interactive(const xmlNode *n)
{
    return is_el(n, "a") || is_el(n, "area") || is_el(n, "button") || is_el(n, "input") ||
           is_el(n, "select") || is_el(n, "textarea") || is_el(n, "summary") || is_el(n, "iframe") ||
           is_el(n, "audio") || is_el(n, "video");
}

/* Elements whose content is not page text. */
static bool is_non_text_element(const xmlNode *n)
{
    return is_el(n, "script") || is_el(n, "style") || is_el(n, "template");
}

/* Hidden from assistive technology (and, for hidden, from everyone). */
static bool is_hidden_from_at(const xmlNode *n)
{
    return attr(n, "hidden") != NULL || attr_is(n, "aria-hidden", "true");
}

/* ------------------------------------------------------- the index types */

struct slice {
    const char *s;
    size_t len;
};

static int slice_cmp(struct slice a, struct slice b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.s, b.s, n);
    if (c != 0)
        return c;
    return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
}

/* An id, a label's for=, or an aria-describedby token, with the element. */
struct ref {
    struct slice id;
    const xmlNode *node;
    size_t order; /* element number in document order */
};

struct ref_list {
    struct ref *items;
    size_t count;
    size_t alloc;
};

/* One radio button or checkbox, for the group rule. */
struct choice {
    size_t form_order; /* 0 outside any form */
    const char *name;
    const xmlNode *node;
    const xmlNode *fieldset; /* nearest ancestor, or NULL */
    size_t order;
};

struct choice_list {
    struct choice *items;
    size_t count;
    size_t alloc;
};

struct node_list {
    const xmlNode **items;
    size_t count;
    size_t alloc;
};

/* Grows *items (of elem_size bytes each) to hold one more; false when out
 * of memory, leaving it as it was. */
static bool grow(void **items, size_t *alloc, size_t count, size_t elem_size)
{
    if (count < *alloc)
        return true;
    size_t next = *alloc == 0 ? 16 : *alloc * 2;
    if (next > SIZE_MAX / elem_size)
        return false;
    void *p = realloc(*items, next * elem_size);
    if (p == NULL)
        return false;
    *items = p;
    *alloc = next;
    return true;
}

/* ----------------------------------------------------------- the checker */

struct check {
    struct ph_html_report report; /* being built; moved to the caller's on success */
    size_t found;                 /* findings found, kept or not */
    bool no_memory;
    bool too_deep;

    /* Walk 1: the index. */
    size_t order;
    struct ref_list ids;
    struct ref_list label_fors;
    struct ref_list described; /* every aria-describedby token on the page */
    struct choice_list choices;
    struct node_list titles; /* <title> outside svg */
    struct node_list h1s;
    struct node_list mains;
    struct node_list navs;
    size_t banner_count;
    size_t contentinfo_count;
    const xmlNode *first_focusable;
    const xmlNode *first_summary;
    bool main_field_seen; /* a form field inside <main> came before */
    bool has_charset;
    bool has_viewport;

    /* Walk 2. */
    int prev_heading_level;
};

static void add_finding(struct check *ck, enum rule rule, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_finding(struct check *ck, enum rule rule, int line, const char *fmt, ...)
{
    ck->found++;
    struct ph_html_report *r = &ck->report;
    if (r->count >= r->max_findings || ck->no_memory)
        return;
    char text[MESSAGE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0) {
        ck->no_memory = true;
        return;
    }
    size_t len = (size_t)n;
    if (len >= sizeof text) {
        /* Cut at a character boundary: messages stay well-formed UTF-8. */
        len = sizeof text - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
            len--;
        text[len] = '\0';
    }
    char *message = malloc(len + 1);
    if (message == NULL || !grow((void **)&r->items, &r->alloc, r->count, sizeof(struct ph_html_finding))) {
        free(message);
        ck->no_memory = true;
        return;
    }
    memcpy(message, text, len + 1);
    r->items[r->count].code = rules[rule].code;
    r->items[r->count].line = line;
    r->items[r->count].message = message;
    r->count++;
}

static void push_ref(struct check *ck, struct ref_list *list, const char *s, size_t len, const xmlNode *n)
{
    if (!grow((void **)&list->items, &list->alloc, list->count, sizeof(struct ref))) {
        ck->no_memory = true;
        return;
    }
    list->items[list->count].id.s = s;
    list->items[list->count].id.len = len;
    list->items[list->count].node = n;
    list->items[list->count].order = ck->order;
    list->count++;
}

static void push_node(struct check *ck, struct node_list *list, const xmlNode *n)
{
    if (!grow((void **)&list->items, &list->alloc, list->count, sizeof(const xmlNode *))) {
        ck->no_memory = true;
        return;
    }
    list->items[list->count++] = n;
}

static int ref_cmp(const void *a, const void *b)
{
    const struct ref *x = a;
    const struct ref *y = b;
    int c = slice_cmp(x->id, y->id);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

static void sort_refs(struct ref_list *list)
{
    if (list->count > 1)
        qsort(list->items, list->count, sizeof(struct ref), ref_cmp);
}

/* The first ref (in document order) with this id in a sorted list, or NULL. */
static const struct ref *find_ref(const struct ref_list *list, const char *s, size_t len)
{
    struct slice key = {s, len};
    size_t lo = 0;
    size_t hi = list->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (slice_cmp(list->items[mid].id, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < list->count && slice_cmp(list->items[lo].id, key) == 0)
        return &list->items[lo];
    return NULL;
}

static const xmlNode *element_by_id(const struct check *ck, const char *s, size_t len)
{
    const struct ref *r = find_ref(&ck->ids, s, len);
    return r == NULL ? NULL : r->node;
}

static bool is_described(const struct check *ck, const char *id)
{
    if (id == NULL)
        return false;
    size_t len;
    const char *t = trim_ascii(id, &len);
    return len > 0 && find_ref(&ck->described, t, len) != NULL;
}

/* ------------------------------------------------------- text of a subtree */

static void collect_text(const xmlNode *n, struct ph_buf *out, int depth)
{
    if (depth > WALK_MAX_DEPTH)
        return;
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content != NULL) {
            ph_buf_append_str(out, (const char *)c->content);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE || is_non_text_element(c))
            continue;
        collect_text(c, out, depth + 1);
    }
}

/* The subtree's text with ASCII white space collapsed, in a buffer the
 * caller releases; buf_text() gives "" when it is empty, out of memory or
 * over TEXT_CAP_BYTES (such text is not compared: no rule needs it). */
static void normalized_text(struct check *ck, const xmlNode *n, struct ph_buf *out)
{
    ph_buf_init(out, TEXT_CAP_BYTES);
    collect_text(n, out, 0);
    if (out->failed && !out->over_cap)
        ck->no_memory = true;
    if (out->data != NULL && !out->failed)
        out->len = collapse_spaces(out->data, out->len);
}

static const char *buf_text(const struct ph_buf *b)
{
    return b->data == NULL || b->failed ? "" : b->data;
}

/* Answers about a subtree are kept in the element's _private field (the
 * tree is ours alone, and libxml2 leaves _private to the application), so
 * that many references to one big subtree (aria-labelledby, label for=, a
 * label wrapping many fields) cost one walk, not one each. Two bits per
 * question: 0 not known yet, 1 no, 2 yes. */
enum memo_question {
    MEMO_TEXT_ALTERNATIVE = 0, /* has_text_alternative(n, false) */
    MEMO_LABEL_TEXT = 2,       /* has_text_alternative(n, true) */
};

static int memo_get(const xmlNode *n, enum memo_question q)
{
    return (int)(((uintptr_t)n->_private >> q) & 3u);
}

static bool memo_set(const xmlNode *n, enum memo_question q, bool answer)
{
    uintptr_t bits = (uintptr_t)n->_private & ~((uintptr_t)3u << q);
    bits |= (uintptr_t)(answer ? 2u : 1u) << q;
    ((xmlNode *)n)->_private = (void *)bits; /* our own tree: see above */
    return answer;
}

/* True when the subtree gives a screen reader something to say: text, an
 * image's alt, a named svg, an aria-label. aria-hidden and hidden subtrees
 * say nothing. For a label's text (label_text) the fields inside it do not
 * count: their values and options are not the label. */
static bool has_text_alternative(const xmlNode *n, bool label_text, int depth)
{
    enum memo_question q = label_text ? MEMO_LABEL_TEXT : MEMO_TEXT_ALTERNATIVE;
    int known = memo_get(n, q);
    if (known != 0)
        return known == 2;
    if (depth > WALK_MAX_DEPTH)
        return false;
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            if (!is_blank((const char *)c->content))
                return memo_set(n, q, true);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE || is_non_text_element(c) || is_hidden_from_at(c))
            continue;
        if (label_text &&
            (is_el(c, "input") || is_el(c, "select") || is_el(c, "textarea") || is_el(c, "datalist")))
            continue;
        if (!is_blank(attr(c, "aria-label")))
            return memo_set(n, q, true);
        if (is_el(c, "img") || (is_el(c, "input") && trimmed_ieq(input_type(c), "image"))) {
            if (!is_blank(attr(c, "alt")))
                return memo_set(n, q, true);
            continue;
        }
        if (is_el(c, "svg")) {
            for (const xmlNode *t = c->children; t != NULL; t = t->next) {
                if (is_el(t, "title") && has_text_alternative(t, false, depth + 1))
                    return memo_set(n, q, true);
            }
            continue;
        }
        if (has_text_alternative(c, label_text, depth + 1))
            return memo_set(n, q, true);
    }
    return memo_set(n, q, false);
}

/* aria-labelledby naming at least one element that has text. */
static bool labelledby_has_text(const struct check *ck, const xmlNode *n)
{
    const char *list = attr(n, "aria-labelledby");
    if (list == NULL)
        return false;
    const char *cursor = list;
    size_t len;
    const char *t;
    while ((t = next_token(&cursor, &len)) != NULL) {
        const xmlNode *target = element_by_id(ck, t, len);
        if (target != NULL &&
            (!is_blank(attr(target, "aria-label")) || has_text_alternative(target, false, 0)))
            return true;
    }
    return false;
}

/* The accessible name of a link, button or heading is not empty. The title
 * attribute does not count: ACCESSIBILITY.md wants words on the page. */
static bool has_accessible_name(const struct check *ck, const xmlNode *n)
{
    return labelledby_has_text(ck, n) || !is_blank(attr(n, "aria-label")) ||
           has_text_alternative(n, false, 0);
}

/* --------------------------------------------------------- walk 1: index */

struct ctx1 {
    bool in_svg;
    bool in_main;
    bool in_sectioning; /* article, aside, main, nav, section: header/footer are not landmarks */
    bool in_hidden;
    size_t form_order;
    const xmlNode *fieldset;
};

static void index_element(struct check *ck, const xmlNode *n, struct ctx1 *ctx)
{
    const char *id = attr(n, "id");
    if (id != NULL && id[0] != '\0')
        push_ref(ck, &ck->ids, id, strlen(id), n);
    if (is_el(n, "label")) {
        const char *for_id = attr(n, "for");
        if (for_id != NULL) {
            size_t len;
            const char *t = trim_ascii(for_id, &len);
            push_ref(ck, &ck->label_fors, t, len, n);
        }
    }
    const char *described = attr(n, "aria-describedby");
    if (described != NULL) {
        const char *cursor = described;
        size_t len;
        const char *t;
        while ((t = next_token(&cursor, &len)) != NULL)
            push_ref(ck, &ck->described, t, len, n);
    }

    if (attr(n, "hidden") != NULL)
        ctx->in_hidden = true;
    if (ck->first_focusable == NULL && !ctx->in_hidden && is_tab_focusable(n))
        ck->first_focusable = n;

    if (is_el(n, "title") && !ctx->in_svg)
        push_node(ck, &ck->titles, n);
    else if (is_el(n, "h1"))
        push_node(ck, &ck->h1s, n);
    else if (is_el(n, "main"))
        push_node(ck, &ck->mains, n);
    else if (is_el(n, "nav"))
        push_node(ck, &ck->navs, n);
    else if (is_el(n, "header") && !ctx->in_sectioning)
        ck->banner_count++;
    else if (is_el(n, "footer") && !ctx->in_sectioning)
        ck->contentinfo_count++;
    else if (is_el(n, "meta")) {
        const char *charset = attr(n, "charset");
        if (charset != NULL) /* a wrong one is reported where it is */
            ck->has_charset = true;
        if (attr_is(n, "http-equiv", "content-type")) {
            const char *content = attr(n, "content");
            if (content != NULL && contains_ci(content, "charset=utf-8"))
                ck->has_charset = true;
        }
        if (attr_is(n, "name", "viewport"))
            ck->has_viewport = true;
    }

    if (is_labelable_control(n) && ctx->in_main)
        ck->main_field_seen = true;
    if (is_el(n, "input")) {
        const char *type = input_type(n);
        const char *name = attr(n, "name");
        if ((trimmed_ieq(type, "radio") || trimmed_ieq(type, "checkbox")) && !is_blank(name)) {
            struct choice_list *l = &ck->choices;
            if (!grow((void **)&l->items, &l->alloc, l->count, sizeof(struct choice))) {
                ck->no_memory = true;
            } else {
                l->items[l->count] = (struct choice){ctx->form_order, name, n, ctx->fieldset, ck->order};
                l->count++;
            }
        }
    }

    if (has_class(n, "error-summary")) {
        if (ck->first_summary == NULL)
            ck->first_summary = n;
        if (!ctx->in_main)
            add_finding(ck, R_ERROR_SUMMARY_POSITION, line_of(n),
                        "the error summary is not inside <main>; put it at the top of the main content");
        else if (ck->main_field_seen)
            add_finding(ck, R_ERROR_SUMMARY_POSITION, line_of(n),
                        "the error summary comes after a form field; put it above the form, under the <h1>");
    }

    /* What the children inherit. */
    if (is_el(n, "svg"))
        ctx->in_svg = true;
    if (is_el(n, "main"))
        ctx->in_main = true;
    if (is_el(n, "article") || is_el(n, "aside") || is_el(n, "main") || is_el(n, "nav") ||
        is_el(n, "section"))
        ctx->in_sectioning = true;
    if (is_el(n, "form"))
        ctx->form_order = ck->order;
    if (is_el(n, "fieldset"))
        ctx->fieldset = n;
}

static void walk_index(struct check *ck, const xmlNode *n, struct ctx1 ctx, int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        ck->too_deep = true;
        return;
    }
    if (is_el(n, "template"))
        return; /* inert content: never shown, never focused */
    ck->order++;
    index_element(ck, n, &ctx);
    for (const xmlNode *c = n->children; c != NULL && !ck->too_deep; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            walk_index(ck, c, ctx, depth + 1);
    }
}

/* --------------------------------------------------- page-wide rules */

static void check_lang_and_title(struct check *ck, const xmlNode *root)
{
    char q1[QUOTE_BYTES];
    char q2[QUOTE_BYTES];
    const char *lang = attr(root, "lang");
    if (lang == NULL)
        add_finding(ck, R_HTML_LANG, line_of(root),
                    "<html> has no lang attribute; it must be lang=\"zh-CN\"");
    else if (!trimmed_ieq(lang, "zh-CN"))
        add_finding(ck, R_HTML_LANG, line_of(root), "<html lang=%s> must be lang=\"zh-CN\"", quote(q1, lang));

    for (size_t i = 1; i < ck->titles.count; i++)
        add_finding(ck, R_TITLE_MULTIPLE, line_of(ck->titles.items[i]),
                    "a second <title>; the page must have exactly one (the first is on line %d)",
                    line_of(ck->titles.items[0]));
    for (size_t i = 1; i < ck->h1s.count; i++)
        add_finding(ck, R_H1_MULTIPLE, line_of(ck->h1s.items[i]),
                    "a second <h1>; the page must have exactly one (the first is on line %d)",
                    line_of(ck->h1s.items[0]));
    if (ck->h1s.count == 0)
        add_finding(ck, R_H1_MISSING, 0, "the page has no <h1>");
    if (ck->titles.count == 0) {
        add_finding(ck, R_TITLE_MISSING, 0, "the page has no <title>");
        return;
    }

    const xmlNode *title_el = ck->titles.items[0];
    struct ph_buf title;
    normalized_text(ck, title_el, &title);
    const char *title_text = buf_text(&title);
    if (title.over_cap) {
        add_finding(ck, R_TITLE_MISMATCH, line_of(title_el), "the <title> is longer than 64 KiB");
        ph_buf_release(&title);
        return;
    }
    if (is_blank(title_text)) {
        add_finding(ck, R_TITLE_MISSING, line_of(title_el), "the <title> is empty");
        ph_buf_release(&title);
        return;
    }
    bool error_title = strncmp(title_text, ERROR_PREFIX, strlen(ERROR_PREFIX)) == 0;
    if (error_title && ck->first_summary == NULL)
        add_finding(ck, R_TITLE_ERROR_PREFIX, line_of(title_el),
                    "the <title> starts with " ERROR_PREFIX " but the page has no error summary");
    else if (!error_title && ck->first_summary != NULL)
        add_finding(ck, R_TITLE_ERROR_PREFIX, line_of(title_el),
                    "the page shows an error summary (line %d), so the <title> must start with " ERROR_PREFIX,
                    line_of(ck->first_summary));

    if (ck->h1s.count > 0) {
        struct ph_buf h1;
        normalized_text(ck, ck->h1s.items[0], &h1);
        const char *h1_text = buf_text(&h1);
        if (!is_blank(h1_text)) {
            struct ph_buf want;
            ph_buf_init(&want, TEXT_CAP_BYTES + 64);
            ph_buf_printf(&want, "%s" TITLE_SEP SITE_NAME, h1_text);
            const char *plain = buf_text(&want);
            const char *after_prefix = error_title ? title_text + strlen(ERROR_PREFIX) : title_text;
            if (!want.failed && strcmp(after_prefix, plain) != 0)
                add_finding(ck, R_TITLE_MISMATCH, line_of(title_el),
                            "the <title> is %s; with this <h1> it must be %s (or start with " ERROR_PREFIX
                            " after a failed form)",
                            quote(q1, title_text), quote(q2, plain));
            ph_buf_release(&want);
        }
        ph_buf_release(&h1);
    }
    ph_buf_release(&title);
}

/* What tells a <nav> apart: its aria-label (white space collapsed), else
 * its aria-labelledby list (two navs labelled by the same elements say the
 * same thing). Comparing these, not the referenced text, keeps the rule
 * linear however many navs point at one big element. */
struct nav_key {
    char *key; /* owned; starts with \1 for an aria-labelledby list */
    const xmlNode *nav;
    size_t order;
};

static int nav_key_cmp(const void *a, const void *b)
{
    const struct nav_key *x = a;
    const struct nav_key *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

static char *nav_key_of(struct check *ck, const xmlNode *nav)
{
    const char *label = attr(nav, "aria-label");
    bool by_label = !is_blank(label);
    if (!by_label && !labelledby_has_text(ck, nav))
        return NULL;
    const char *value = by_label ? label : attr(nav, "aria-labelledby");
    size_t len = strlen(value);
    char *key = malloc(len + 2);
    if (key == NULL) {
        ck->no_memory = true;
        return NULL;
    }
    key[0] = by_label ? ' ' : '\1';
    memcpy(key + 1, value, len + 1);
    collapse_spaces(key + 1, len);
    return key;
}

static void check_nav_labels(struct check *ck)
{
    size_t count = ck->navs.count;
    struct nav_key *keys = calloc(count, sizeof *keys);
    if (keys == NULL) {
        ck->no_memory = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < count && !ck->no_memory; i++) {
        const xmlNode *nav = ck->navs.items[i];
        char *key = nav_key_of(ck, nav);
        if (key == NULL) {
            if (!ck->no_memory)
                add_finding(ck, R_NAV_LABEL_MISSING, line_of(nav),
                            "the page has %zu <nav> elements; each needs an aria-label saying what it is",
                            count);
            continue;
        }
        keys[n++] = (struct nav_key){key, nav, i};
    }
    qsort(keys, n, sizeof *keys, nav_key_cmp);
    char q[QUOTE_BYTES];
    size_t first = 0; /* the start of the current run of equal keys */
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[first].key, keys[i].key) != 0) {
            first = i;
            continue;
        }
        bool by_label = keys[i].key[0] == ' ';
        add_finding(ck, R_NAV_LABEL_DUPLICATE, line_of(keys[i].nav),
                    "this <nav> and the one on line %d are both %s %s; labels must differ",
                    line_of(keys[first].nav), by_label ? "labelled" : "aria-labelledby",
                    quote(q, keys[i].key + 1));
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i].key);
    free(keys);
}

static void check_landmarks(struct check *ck)
{
    char q[QUOTE_BYTES];
    if (ck->banner_count == 0)
        add_finding(ck, R_HEADER_MISSING, 0,
                    "the page has no <header> (a <header> inside article, aside, main, nav or section does "
                    "not count)");
    if (ck->navs.count == 0)
        add_finding(ck, R_NAV_MISSING, 0, "the page has no <nav>");
    if (ck->contentinfo_count == 0)
        add_finding(ck, R_FOOTER_MISSING, 0,
                    "the page has no <footer> (a <footer> inside article, aside, main, nav or section does "
                    "not count)");
    if (ck->mains.count == 0) {
        add_finding(ck, R_MAIN_MISSING, 0, "the page has no <main id=\"main\">");
    } else {
        const char *id = attr(ck->mains.items[0], "id");
        if (id == NULL || strcmp(id, "main") != 0)
            add_finding(ck, R_MAIN_ID, line_of(ck->mains.items[0]),
                        "<main> has %s%s; it must be id=\"main\" (the skip link's target)",
                        id == NULL ? "no id" : "id=", id == NULL ? "" : quote(q, id));
    }
    for (size_t i = 1; i < ck->mains.count; i++)
        add_finding(ck, R_MAIN_MULTIPLE, line_of(ck->mains.items[i]),
                    "a second <main>; the page must have exactly one (the first is on line %d)",
                    line_of(ck->mains.items[0]));

    if (ck->navs.count > 1)
        check_nav_labels(ck);
}

static void check_skip_link(struct check *ck)
{
    const xmlNode *first = ck->first_focusable;
    if (first == NULL) {
        add_finding(
            ck, R_SKIP_LINK_MISSING, 0,
            "the page has nothing focusable; the first focusable element must be <a href=\"#main\">" SKIP_TEXT
            "</a>");
        return;
    }
    const char *href = attr(first, "href");
    size_t href_len = 0;
    const char *h = href == NULL ? "" : trim_ascii(href, &href_len);
    if (!is_el(first, "a") || href_len != 5 || memcmp(h, "#main", 5) != 0) { /* ids are case-sensitive */
        add_finding(
            ck, R_SKIP_LINK_MISSING, line_of(first),
            "the first focusable element is <%s>; it must be the skip link <a href=\"#main\">" SKIP_TEXT
            "</a>",
            (const char *)first->name);
        return;
    }
    struct ph_buf text;
    normalized_text(ck, first, &text);
    char q[QUOTE_BYTES];
    if (strcmp(buf_text(&text), SKIP_TEXT) != 0)
        add_finding(ck, R_SKIP_LINK_TEXT, line_of(first), "the skip link says %s; it must say " SKIP_TEXT,
                    quote(q, buf_text(&text)));
    ph_buf_release(&text);
}

static void check_head_meta(struct check *ck)
{
    if (!ck->has_charset)
        add_finding(ck, R_META_CHARSET, 0, "the page does not declare <meta charset=\"utf-8\">");
    if (!ck->has_viewport)
        add_finding(
            ck, R_VIEWPORT_MISSING, 0,
            "the page has no <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
}

static void check_ids(struct check *ck)
{
    char q[QUOTE_BYTES];
    for (size_t i = 1; i < ck->ids.count; i++) {
        const struct ref *r = &ck->ids.items[i];
        if (slice_cmp(r->id, ck->ids.items[i - 1].id) != 0)
            continue;
        const struct ref *first = find_ref(&ck->ids, r->id.s, r->id.len);
        add_finding(ck, R_ID_DUPLICATE, line_of(r->node),
                    "id=%s is already used on line %d; ids must be unique", quote_n(q, r->id.s, r->id.len),
                    line_of(first->node));
    }
}

static int choice_cmp(const void *a, const void *b)
{
    const struct choice *x = a;
    const struct choice *y = b;
    if (x->form_order != y->form_order)
        return x->form_order < y->form_order ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

/* Radio buttons or checkboxes sharing a name (in one form) are a group, and
 * a group is announced through its fieldset's legend. */
static void check_groups(struct check *ck)
{
    struct choice_list *l = &ck->choices;
    if (l->count > 1)
        qsort(l->items, l->count, sizeof(struct choice), choice_cmp);
    char q[QUOTE_BYTES];
    size_t start = 0;
    while (start < l->count) {
        size_t end = start + 1;
        while (end < l->count && l->items[end].form_order == l->items[start].form_order &&
               strcmp(l->items[end].name, l->items[start].name) == 0)
            end++;
        if (end - start > 1) {
            for (size_t i = start; i < end; i++) {
                if (l->items[i].fieldset != NULL)
                    continue;
                bool radio = trimmed_ieq(input_type(l->items[i].node), "radio");
                add_finding(ck, R_FIELDSET_MISSING, line_of(l->items[i].node),
                            "the %s group name=%s (%zu controls) is not inside a <fieldset> with a <legend>",
                            radio ? "radio" : "checkbox", quote(q, l->items[i].name), end - start);
                break;
            }
        }
        start = end;
    }
}

/* ------------------------------------------------------ walk 2: checks */

struct table_state {
    size_t th_count;
};

struct ctx2 {
    bool in_svg;
    bool in_time;
    bool no_time_possible; /* title, option, textarea: cannot hold a <time> */
    bool in_form;
    const xmlNode *label;
    struct table_state *table;
};

/* The line of byte `offset` in a text node (see LIBXML_TEXT_CHUNK_BYTES):
 * exact for text without character references. */
static int text_line(const xmlNode *text, size_t offset)
{
    const char *s = (const char *)text->content;
    size_t len = strlen(s);
    size_t chunk = len < LIBXML_TEXT_CHUNK_BYTES ? len : LIBXML_TEXT_CHUNK_BYTES;
    long line = (long)line_of(text);
    for (size_t i = 0; i < chunk; i++)
        line -= s[i] == '\n';
    for (size_t i = 0; i < offset && i < len; i++)
        line += s[i] == '\n';
    return line < 1 ? 1 : (line > INT_MAX ? INT_MAX : (int)line);
}

static const char *const urgency_words[] = {
    "限时", "仅剩", "立即抢购", "抢购", "倒计时", "秒杀", "名额有限", "错过不再", "最后一天",
};

/* Finds the earliest urgency word; returns it and its offset. */
static const char *find_urgency(const char *s, size_t *offset)
{
    const char *best = NULL;
    const char *best_at = NULL;
    for (size_t i = 0; i < sizeof urgency_words / sizeof urgency_words[0]; i++) {
        const char *at = strstr(s, urgency_words[i]);
        if (at != NULL && (best_at == NULL || at < best_at)) {
            best = urgency_words[i];
            best_at = at;
        }
    }
    if (best != NULL)
        *offset = (size_t)(best_at - s);
    return best;
}

static const char *find_money_symbol(const char *s, size_t *offset)
{
    const char *yen = strstr(s, "¥");        /* U+00A5 */
    const char *fullwidth = strstr(s, "￥"); /* U+FFE5 */
    const char *at = yen;
    if (at == NULL || (fullwidth != NULL && fullwidth < at))
        at = fullwidth;
    if (at == NULL)
        return NULL;
    *offset = (size_t)(at - s);
    return at == yen ? "¥" : "￥";
}

/* ------------------------------------------------- dates (point 20) */

struct ymd {
    int year;
    int month;
    int day;
};

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static bool valid_ymd(int year, int month, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return false;
    int max = days[month - 1] + (month == 2 && is_leap(year));
    return day <= max;
}

/* Reads exactly `count` ASCII digits at *p. */
static bool read_digits(const char **p, int count, int *out)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    *p += count;
    *out = value;
    return true;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* A written date "2026年5月29日" (spaces allowed between the parts) starting
 * exactly at s; on success *end is the byte after 日. */
static bool read_cn_date(const char *s, struct ymd *out, const char **end)
{
    const char *p = s;
    int year;
    if (!read_digits(&p, 4, &year))
        return false;
    p = skip_spaces(p);
    if (strncmp(p, "年", strlen("年")) != 0)
        return false;
    p = skip_spaces(p + strlen("年"));
    int parts[2];
    const char *marks[2] = {"月", "日"};
    for (int k = 0; k < 2; k++) {
        int value = 0;
        int digits = 0;
        while (digits < 2 && *p >= '0' && *p <= '9') {
            value = value * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (digits == 0)
            return false;
        p = skip_spaces(p);
        if (strncmp(p, marks[k], strlen(marks[k])) != 0)
            return false;
        p += strlen(marks[k]);
        if (k == 0)
            p = skip_spaces(p);
        parts[k] = value;
    }
    if (!valid_ymd(year, parts[0], parts[1]))
        return false;
    out->year = year;
    out->month = parts[0];
    out->day = parts[1];
    *end = p;
    return true;
}

/* The first written date in s, not preceded by another digit. */
static bool find_cn_date(const char *s, size_t *offset)
{
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || (p > s && p[-1] >= '0' && p[-1] <= '9'))
            continue;
        struct ymd date;
        const char *end;
        if (read_cn_date(p, &date, &end)) {
            *offset = (size_t)(p - s);
            return true;
        }
    }
    return false;
}

/* HH:MM[:SS[.fff]] */
static bool read_time_of_day(const char **p)
{
    int hour;
    int minute;
    if (!read_digits(p, 2, &hour) || **p != ':')
        return false;
    (*p)++;
    if (!read_digits(p, 2, &minute) || hour > 23 || minute > 59)
        return false;
    if (**p == ':') {
        (*p)++;
        int second;
        if (!read_digits(p, 2, &second) || second > 59)
            return false;
        if (**p == '.') {
            (*p)++;
            int digits = 0;
            while (**p >= '0' && **p <= '9' && digits < 3) {
                (*p)++;
                digits++;
            }
            if (digits == 0)
                return false;
        }
    }
    return true;
}

/* Z, +HH:MM, -HHMM, or nothing. */
static bool read_zone(const char **p)
{
    if (**p == 'Z') {
        (*p)++;
        return true;
    }
    if (**p != '+' && **p != '-')
        return true;
    (*p)++;
    int hour;
    int minute;
    if (!read_digits(p, 2, &hour))
        return false;
    if (**p == ':')
        (*p)++;
    return read_digits(p, 2, &minute) && hour <= 23 && minute <= 59;
}

/* A datetime value HTML accepts for <time>, for the forms a registry page
 * uses: YYYY, YYYY-MM, YYYY-MM-DD, MM-DD, YYYY-Www, HH:MM[:SS[.f]], a date
 * and a time joined by T or a space with an optional zone, and durations
 * (P...). *date gets the date when the value has a whole one. */
static bool parse_datetime(const char *value, struct ymd *date, bool *has_date)
{
    size_t len;
    const char *v = trim_ascii(value, &len);
    if (len == 0 || len > 64)
        return false;
    char s[65];
    memcpy(s, v, len);
    s[len] = '\0';
    const char *p = s;
    *has_date = false;
    if (*p == 'P') {
        p++;
        if (*p == '\0')
            return false;
        for (; *p != '\0'; p++) {
            if (strchr("0123456789.DTHMSW", *p) == NULL)
                return false;
        }
        return true;
    }
    if (strlen(s) >= 5 && s[2] == ':')
        return read_time_of_day(&p) && *p == '\0';
    if (strlen(s) == 5 && s[2] == '-') { /* yearless: MM-DD */
        int month;
        int day;
        return read_digits(&p, 2, &month) && *p++ == '-' && read_digits(&p, 2, &day) &&
               valid_ymd(2000, month, day);
    }
    int year;
    if (!read_digits(&p, 4, &year) || year < 1)
        return false;
    if (*p == '\0')
        return true;
    if (*p++ != '-')
        return false;
    if (*p == 'W') {
        p++;
        int week;
        return read_digits(&p, 2, &week) && week >= 1 && week <= 53 && *p == '\0';
    }
    int month;
    if (!read_digits(&p, 2, &month) || month < 1 || month > 12)
        return false;
    if (*p == '\0')
        return true;
    int day;
    if (*p++ != '-' || !read_digits(&p, 2, &day) || !valid_ymd(year, month, day))
        return false;
    date->year = year;
    date->month = month;
    date->day = day;
    *has_date = true;
    if (*p == '\0')
        return true;
    if (*p != 'T' && *p != ' ')
        return false;
    p++;
    return read_time_of_day(&p) && read_zone(&p) && *p == '\0';
}

static void check_time(struct check *ck, const xmlNode *n)
{
    char q1[QUOTE_BYTES];
    char q2[QUOTE_BYTES];
    const char *datetime = attr(n, "datetime");
    if (datetime == NULL) {
        add_finding(ck, R_TIME_DATETIME_MISSING, line_of(n),
                    "<time> has no datetime attribute (for 2026年5月29日 write datetime=\"2026-05-29\")");
        return;
    }
    struct ymd machine;
    bool has_date;
    if (!parse_datetime(datetime, &machine, &has_date)) {
        add_finding(ck, R_TIME_DATETIME_INVALID, line_of(n),
                    "<time datetime=%s> is not a valid date or time (write 2026-05-29)", quote(q1, datetime));
        return;
    }
    if (!has_date)
        return;
    struct ph_buf text;
    normalized_text(ck, n, &text);
    const char *shown = buf_text(&text);
    struct ymd human;
    const char *end;
    if (read_cn_date(shown, &human, &end) && *end == '\0' &&
        (human.year != machine.year || human.month != machine.month || human.day != machine.day))
        add_finding(ck, R_TIME_DATETIME_MISMATCH, line_of(n), "<time> shows %s but its datetime is %s",
                    quote(q1, shown), quote(q2, datetime));
    ph_buf_release(&text);
}

/* Page text a person reads (text nodes, alt, title, aria-label,
 * placeholder, button values): urgency words and money symbols. */
static void scan_words(struct check *ck, const char *s, const xmlNode *where, bool is_text_node,
                       const char *what)
{
    char q[QUOTE_BYTES];
    size_t offset;
    const char *word = find_urgency(s, &offset);
    if (word != NULL)
        add_finding(ck, R_URGENCY_WORD, is_text_node ? text_line(where, offset) : line_of(where),
                    "%s has the urgency word %s; nothing may push people to buy", what, quote(q, word));
    const char *symbol = find_money_symbol(s, &offset);
    if (symbol != NULL)
        add_finding(ck, R_MONEY_SYMBOL, is_text_node ? text_line(where, offset) : line_of(where),
                    "%s writes money with %s; write the number and 元 (每年 120 元)", what, quote(q, symbol));
}

static void check_text_node(struct check *ck, const xmlNode *n, const struct ctx2 *ctx)
{
    const char *s = (const char *)n->content;
    if (s == NULL || ctx->in_svg)
        return;
    scan_words(ck, s, n, true, "the text");
    size_t offset;
    if (!ctx->in_time && !ctx->no_time_possible && find_cn_date(s, &offset)) {
        char q[QUOTE_BYTES];
        struct ymd date;
        const char *end;
        read_cn_date(s + offset, &date, &end);
        add_finding(ck, R_DATE_NOT_IN_TIME, text_line(n, offset),
                    "the date %s is not inside <time datetime=\"%04d-%02d-%02d\">",
                    quote_n(q, s + offset, (size_t)(end - (s + offset))), date.year, date.month, date.day);
    }
}

/* "/path" is on this site; "//host", "https://", "data:" and relative
 * paths are not (we write every URL to our own files as an absolute path). */
static bool is_onsite_url(const char *url)
{
    size_t len;
    const char *u = trim_ascii(url, &len);
    return len > 0 && u[0] == '/' && (len == 1 || (u[1] != '/' && u[1] != '\\'));
}

/* javascript: after what browsers ignore (leading controls and spaces; tab
 * and newlines anywhere), in any case. */
static bool is_javascript_url(const char *url)
{
    const char *want = "javascript:";
    const unsigned char *p = (const unsigned char *)url;
    while (*p != '\0' && *p <= 0x20)
        p++;
    size_t matched = 0;
    for (; *p != '\0' && want[matched] != '\0'; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r')
            continue;
        unsigned char c = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p - 'A' + 'a') : *p;
        if (c != (unsigned char)want[matched])
            return false;
        matched++;
    }
    return want[matched] == '\0';
}

/* A non-negative decimal ("5", "1.0", ".5") without the C locale. */
static bool parse_decimal(const char *s, size_t len, double *out)
{
    double value = 0;
    double scale = 0;
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' && scale == 0) {
            scale = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return false;
        digits++;
        if (scale == 0) {
            value = value * 10 + (s[i] - '0');
        } else {
            scale /= 10;
            value += (s[i] - '0') * scale;
        }
    }
    *out = value;
    return digits > 0;
}

static bool value_ieq(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

/* content="width=device-width, initial-scale=1": keys and values separated
 * by commas, semicolons or spaces. */
static void check_viewport(struct check *ck, const xmlNode *n)
{
    const char *content = attr(n, "content");
    const char *p = content == NULL ? "" : content;
    char q[QUOTE_BYTES];
    while (*p != '\0') {
        while (*p == ',' || *p == ';' || is_ascii_space((unsigned char)*p))
            p++;
        const char *key = p;
        while (*p != '\0' && *p != '=' && *p != ',' && *p != ';' && !is_ascii_space((unsigned char)*p))
            p++;
        size_t key_len = (size_t)(p - key);
        while (is_ascii_space((unsigned char)*p))
            p++;
        const char *value = p;
        size_t value_len = 0;
        if (*p == '=') {
            p++;
            while (is_ascii_space((unsigned char)*p))
                p++;
            value = p;
            while (*p != '\0' && *p != ',' && *p != ';' && !is_ascii_space((unsigned char)*p))
                p++;
            value_len = (size_t)(p - value);
        }
        if (key_len == 0)
            continue;
        double number = 0;
        bool numeric = parse_decimal(value, value_len, &number);
        bool blocked = false;
        if (value_ieq(key, key_len, "user-scalable"))
            blocked = value_ieq(value, value_len, "no") || (numeric && number < 1);
        else if (value_ieq(key, key_len, "maximum-scale"))
            blocked = value_ieq(value, value_len, "yes") || value_ieq(value, value_len, "no") ||
                      (numeric && number < 5);
        if (blocked)
            add_finding(ck, R_VIEWPORT_ZOOM_BLOCKED, line_of(n),
                        "the viewport has %s; people must be able to zoom to at least 500 %%",
                        quote_n(q, key, (size_t)(value + value_len - key)));
    }
}

/* Each id named by an IDREF list attribute exists on the page. */
static void check_idrefs(struct check *ck, const xmlNode *n, const char *name)
{
    const char *list = attr(n, name);
    if (list == NULL)
        return;
    char q[QUOTE_BYTES];
    const char *cursor = list;
    size_t len;
    const char *t;
    while ((t = next_token(&cursor, &len)) != NULL) {
        if (element_by_id(ck, t, len) == NULL)
            add_finding(ck, R_IDREF_MISSING, line_of(n), "%s names id %s, which is not on the page", name,
                        quote_n(q, t, len));
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes a fragment into out (out_size bytes); false when it does
 * not fit (then only the raw fragment is compared). */
static bool percent_decode(const char *s, size_t len, char *out, size_t out_size, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (o + 1 >= out_size)
            return false;
        if (s[i] == '%' && i + 2 < len && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
            out[o++] = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
            i += 2;
            continue;
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    *out_len = o;
    return true;
}

/* The element an in-page link (href="#id") points at, or NULL. "#top"
 * needs no element (HTML scrolls to the top). *fragment gets the id. */
static const xmlNode *link_target(const struct check *ck, const char *href, struct slice *fragment,
                                  bool *is_top)
{
    size_t len;
    const char *h = trim_ascii(href, &len);
    fragment->s = h + 1;
    fragment->len = len - 1;
    *is_top = false;
    const xmlNode *target = element_by_id(ck, fragment->s, fragment->len);
    if (target != NULL)
        return target;
    char decoded[256];
    size_t decoded_len;
    if (percent_decode(fragment->s, fragment->len, decoded, sizeof decoded, &decoded_len)) {
        target = element_by_id(ck, decoded, decoded_len);
        if (target != NULL)
            return target;
        *is_top = value_ieq(decoded, decoded_len, "top");
    }
    return NULL;
}

static bool is_fragment_href(const char *href)
{
    size_t len;
    const char *h = trim_ascii(href, &len);
    return len > 1 && h[0] == '#';
}

static void check_link(struct check *ck, const xmlNode *n)
{
    const char *href = attr(n, "href");
    if (href == NULL)
        return;
    char q[QUOTE_BYTES];
    size_t len;
    const char *h = trim_ascii(href, &len);
    if (len == 0 || (len == 1 && h[0] == '#')) {
        add_finding(ck, R_HREF_EMPTY, line_of(n),
                    "<%s href=%s> goes nowhere; link to a real page or use a <button> in a form",
                    (const char *)n->name, quote(q, href));
        return;
    }
    if (is_fragment_href(href)) {
        struct slice fragment;
        bool is_top;
        if (link_target(ck, href, &fragment, &is_top) == NULL && !is_top)
            add_finding(ck, R_LINK_TARGET_MISSING, line_of(n),
                        "the in-page link href=%s points at no id on the page", quote(q, href));
    }
    if (is_el(n, "a") && !has_accessible_name(ck, n))
        add_finding(ck, R_NAME_MISSING, line_of(n), "a link (href=%s) has no text, aria-label or img alt",
                    quote(q, href));
}

static void check_label(struct check *ck, const xmlNode *control, const struct ctx2 *ctx)
{
    const char *id = attr(control, "id");
    size_t id_len = 0;
    const char *id_trim = id == NULL ? NULL : trim_ascii(id, &id_len);
    bool found_label = false;
    if (id_trim != NULL && id_len > 0) {
        const struct ref *r = find_ref(&ck->label_fors, id_trim, id_len);
        /* items is NULL while no label has a for= (no pointer arithmetic on NULL). */
        const struct ref *end = ck->label_fors.items != NULL ? ck->label_fors.items + ck->label_fors.count : NULL;
        /* Many labels for one id are a defect of their own (and a page full
         * of them must not cost labels x fields): look at the first few. */
        for (int seen = 0; r != NULL && r < end && seen < LABELS_PER_FIELD_MAX &&
                           slice_cmp(r->id, (struct slice){id_trim, id_len}) == 0;
             r++, seen++) {
            found_label = true;
            if (has_text_alternative(r->node, true, 0))
                return;
        }
    }
    const xmlNode *wrap = ctx->label;
    if (wrap != NULL) {
        const char *for_id = attr(wrap, "for");
        size_t for_len = 0;
        const char *for_trim = for_id == NULL ? NULL : trim_ascii(for_id, &for_len);
        if (for_id == NULL ||
            (for_len == id_len && id_trim != NULL && memcmp(for_trim, id_trim, id_len) == 0)) {
            found_label = true;
            if (has_text_alternative(wrap, true, 0))
                return;
        }
    }
    char q[QUOTE_BYTES];
    const char *what = is_el(control, "input") ? input_type(control) : (const char *)control->name;
    const char *name = attr(control, "name");
    const char *key = id != NULL ? "id=" : (name != NULL ? "name=" : "");
    const char *value = id != NULL ? quote(q, id) : (name != NULL ? quote(q, name) : "");
    if (found_label)
        add_finding(ck, R_LABEL_EMPTY, line_of(control), "the label of this %s field (%s%s) has no text",
                    what, key, value);
    else
        add_finding(ck, R_LABEL_MISSING, line_of(control),
                    "this %s field (%s%s) has no <label for> and is not inside a <label>", what, key, value);
}

static void check_button_name(struct check *ck, const xmlNode *n)
{
    if (is_el(n, "button")) {
        if (!has_accessible_name(ck, n))
            add_finding(ck, R_NAME_MISSING, line_of(n), "a <button> has no text, aria-label or img alt");
        return;
    }
    const char *type = input_type(n);
    bool aria_named = labelledby_has_text(ck, n) || !is_blank(attr(n, "aria-label"));
    if (trimmed_ieq(type, "image")) {
        if (!aria_named && is_blank(attr(n, "alt")))
            add_finding(ck, R_NAME_MISSING, line_of(n), "an <input type=\"image\"> has no alt text");
        return;
    }
    const char *value = attr(n, "value");
    bool has_default = value == NULL && (trimmed_ieq(type, "submit") || trimmed_ieq(type, "reset"));
    if (!aria_named && !has_default && is_blank(value))
        add_finding(ck, R_NAME_MISSING, line_of(n), "an <input type=\"%s\"> button has no text (value)",
                    trimmed_ieq(type, "button")   ? "button"
                    : trimmed_ieq(type, "submit") ? "submit"
                                                  : "reset");
}

static void check_svg(struct check *ck, const xmlNode *n)
{
    if (attr_is(n, "aria-hidden", "true"))
        return;
    const char *role = attr(n, "role");
    const char *cursor = role == NULL ? "" : role;
    size_t len;
    const char *first_role = next_token(&cursor, &len);
    if (first_role == NULL || !value_ieq(first_role, len, "img")) {
        add_finding(
            ck, R_SVG_NAME_MISSING, line_of(n),
            "an <svg> must be role=\"img\" with an aria-label, or aria-hidden=\"true\" when decorative");
        return;
    }
    if (!is_blank(attr(n, "aria-label")) || labelledby_has_text(ck, n))
        return;
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (is_el(c, "title") && has_text_alternative(c, false, 0))
            return;
    }
    add_finding(ck, R_SVG_NAME_MISSING, line_of(n), "an <svg role=\"img\"> has no aria-label and no <title>");
}

static void check_table_end(struct check *ck, const xmlNode *n, const struct table_state *ts)
{
    const xmlNode *caption = NULL;
    for (const xmlNode *c = n->children; c != NULL && caption == NULL; c = c->next) {
        if (is_el(c, "caption"))
            caption = c;
    }
    if (caption == NULL)
        add_finding(ck, R_TABLE_CAPTION_MISSING, line_of(n),
                    "a <table> has no <caption> saying what it shows");
    else if (!has_text_alternative(caption, false, 0))
        add_finding(ck, R_TABLE_CAPTION_MISSING, line_of(caption), "the table's <caption> is empty");
    if (ts->th_count == 0)
        add_finding(ck, R_TABLE_TH_MISSING, line_of(n),
                    "a <table> has no <th>; mark the column and row headers with <th scope>");
}

/* The error summary's links point at fields on this page. */
static void check_summary_links(struct check *ck, const xmlNode *n, size_t *links, int depth)
{
    char q[QUOTE_BYTES];
    for (const xmlNode *c = n->children; c != NULL && depth < WALK_MAX_DEPTH; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *href = is_el(c, "a") ? attr(c, "href") : NULL;
        if (href != NULL) {
            (*links)++;
            struct slice fragment;
            bool is_top;
            const xmlNode *target = is_fragment_href(href) ? link_target(ck, href, &fragment, &is_top) : NULL;
            if (!is_fragment_href(href))
                add_finding(ck, R_ERROR_SUMMARY_LINK, line_of(c),
                            "the error summary links to %s; it must link to the field (href=\"#field-id\")",
                            quote(q, href));
            else if (target != NULL && !is_form_field(target))
                add_finding(ck, R_ERROR_SUMMARY_LINK, line_of(c),
                            "the error summary links to a <%s>, not to a form field",
                            (const char *)target->name);
        }
        check_summary_links(ck, c, links, depth + 1);
    }
}

static void check_error_summary(struct check *ck, const xmlNode *n)
{
    if (!has_token(attr(n, "role"), "alert", true) && !attr_is(n, "tabindex", "-1"))
        add_finding(
            ck, R_ERROR_SUMMARY_ROLE, line_of(n),
            "the error summary needs role=\"alert\" (or tabindex=\"-1\" and focus) so it is announced");
    struct ph_buf text;
    normalized_text(ck, n, &text);
    if (strstr(buf_text(&text), SUMMARY_TITLE) == NULL)
        add_finding(ck, R_ERROR_SUMMARY_TEXT, line_of(n), "the error summary does not say " SUMMARY_TITLE);
    ph_buf_release(&text);

    size_t links = 0;
    check_summary_links(ck, n, &links, 0);
    if (links == 0)
        add_finding(ck, R_ERROR_SUMMARY_LINK, line_of(n),
                    "the error summary has no links to the fields in error");
}

static void check_resources(struct check *ck, const xmlNode *n)
{
    char q[QUOTE_BYTES];
    const char *url = NULL;
    const char *attr_name = "src";
    if (is_el(n, "img") || is_el(n, "iframe") || is_el(n, "frame") || is_el(n, "audio") ||
        is_el(n, "video") || is_el(n, "source") || is_el(n, "track") || is_el(n, "embed") ||
        (is_el(n, "input") && trimmed_ieq(input_type(n), "image"))) {
        url = attr(n, "src");
    } else if (is_el(n, "object")) {
        url = attr(n, "data");
        attr_name = "data";
    } else if (is_el(n, "link")) {
        const char *rel = attr(n, "rel");
        if (has_token(rel, "stylesheet", true) || has_token(rel, "icon", true) ||
            has_token(rel, "preload", true) || has_token(rel, "modulepreload", true) ||
            has_token(rel, "manifest", true) || has_token(rel, "apple-touch-icon", true)) {
            url = attr(n, "href");
            attr_name = "href";
        }
    }
    if (url != NULL && !is_onsite_url(url))
        add_finding(ck, R_RESOURCE_OFFSITE, line_of(n),
                    "<%s %s=%s> is not a path on this site; the CSP (default-src 'self') blocks it",
                    (const char *)n->name, attr_name, quote(q, url));
    if (is_el(n, "video")) {
        const char *poster = attr(n, "poster");
        if (poster != NULL && !is_onsite_url(poster))
            add_finding(ck, R_RESOURCE_OFFSITE, line_of(n), "<video poster=%s> is not a path on this site",
                        quote(q, poster));
    }
}

static void check_script(struct check *ck, const xmlNode *n)
{
    char q[QUOTE_BYTES];
    const char *src = attr(n, "src");
    if (src != NULL) {
        if (!is_onsite_url(src))
            add_finding(ck, R_SCRIPT_OFFSITE, line_of(n),
                        "<script src=%s> is not a path on this site; no third-party scripts", quote(q, src));
        return;
    }
    /* Data blocks (JSON) are not run and the CSP does not apply to them. */
    const char *type = attr(n, "type");
    bool runs = type == NULL || is_blank(type) || trimmed_ieq(type, "module") ||
                contains_ci(type, "javascript") || contains_ci(type, "ecmascript");
    if (!runs)
        return;
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (!is_blank((const char *)c->content)) {
            add_finding(
                ck, R_SCRIPT_INLINE, line_of(n),
                "an inline <script>; the CSP (default-src 'self') blocks it: use a file under /static");
            return;
        }
    }
}

/* Is lang a plausible BCP 47 tag (en, zh-CN, zh-Hans-CN)? An empty lang is
 * valid HTML (language unknown). */
static bool is_language_tag(const char *lang)
{
    size_t len;
    const char *s = trim_ascii(lang, &len);
    if (len == 0)
        return true;
    size_t i = 0;
    size_t part = 0;
    size_t part_len = 0;
    for (; i <= len; i++) {
        char c = i < len ? s[i] : '-';
        if (c == '-') {
            if (part_len == 0 || part_len > 8 || (part == 0 && (part_len < 2 || part_len > 8)))
                return false;
            part++;
            part_len = 0;
            continue;
        }
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && part > 0))
            return false;
        part_len++;
    }
    return true;
}

static const char *const idref_attributes[] = {
    "aria-describedby", "aria-labelledby", "aria-controls",     "aria-owns",
    "aria-flowto",      "aria-details",    "aria-errormessage", "aria-activedescendant",
};

static void check_attributes(struct check *ck, const xmlNode *n, const struct ctx2 *ctx)
{
    char q[QUOTE_BYTES];
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        const char *name = (const char *)a->name;
        const char *value = attr_value(a);
        if (strncmp(name, "on", 2) == 0 && name[2] != '\0')
            add_finding(ck, R_EVENT_HANDLER_ATTR, line_of(n),
                        "<%s %s=...>: inline event handlers are blocked by the CSP; use a script file",
                        (const char *)n->name, name);
        else if (strcmp(name, "style") == 0)
            add_finding(ck, R_STYLE_ATTR, line_of(n),
                        "<%s style=...>: inline styles are blocked by the CSP; use a class in a style sheet",
                        (const char *)n->name);
        else if ((strcmp(name, "href") == 0 || strcmp(name, "src") == 0 || strcmp(name, "action") == 0 ||
                  strcmp(name, "formaction") == 0 || strcmp(name, "xlink:href") == 0) &&
                 value != NULL && is_javascript_url(value))
            add_finding(ck, R_JAVASCRIPT_URL, line_of(n),
                        "<%s %s=\"javascript:...\">: the page must work without JavaScript",
                        (const char *)n->name, name);
    }

    const char *tabindex = attr(n, "tabindex");
    long ti;
    if (tabindex != NULL && parse_int(tabindex, &ti) && ti > 0)
        add_finding(ck, R_TABINDEX_POSITIVE, line_of(n),
                    "tabindex=%s changes the keyboard order; use 0 or -1, or move the element",
                    quote(q, tabindex));
    const char *lang = attr(n, "lang");
    if (lang != NULL && !is_language_tag(lang))
        add_finding(ck, R_LANG_INVALID, line_of(n), "lang=%s is not a language tag (en, zh-CN)",
                    quote(q, lang));
    const char *id = attr(n, "id");
    if (id != NULL && (id[0] == '\0' || strpbrk(id, " \t\n\r\f") != NULL))
        add_finding(ck, R_ID_INVALID, line_of(n), "id=%s is empty or has white space", quote(q, id));

    if (!ctx->in_svg) {
        for (size_t i = 0; i < sizeof idref_attributes / sizeof idref_attributes[0]; i++)
            check_idrefs(ck, n, idref_attributes[i]);
        if (is_el(n, "label") || is_el(n, "output"))
            check_idrefs(ck, n, "for");
        if (is_el(n, "td") || is_el(n, "th"))
            check_idrefs(ck, n, "headers");
        if (is_el(n, "input"))
            check_idrefs(ck, n, "list");
        if (is_el(n, "input") || is_el(n, "select") || is_el(n, "textarea") || is_el(n, "button") ||
            is_el(n, "fieldset") || is_el(n, "output") || is_el(n, "object"))
            check_idrefs(ck, n, "form");
    }

    /* Words people see or hear outside text nodes. */
    static const char *const text_attributes[] = {"alt", "title", "aria-label", "placeholder"};
    for (size_t i = 0; i < sizeof text_attributes / sizeof text_attributes[0]; i++) {
        const char *v = attr(n, text_attributes[i]);
        if (v != NULL) {
            char what[64];
            snprintf(what, sizeof what, "the %s attribute", text_attributes[i]);
            scan_words(ck, v, n, false, what);
        }
    }
    if (is_el(n, "input")) {
        const char *type = input_type(n);
        const char *v = attr(n, "value");
        if (v != NULL &&
            (trimmed_ieq(type, "submit") || trimmed_ieq(type, "button") || trimmed_ieq(type, "reset")))
            scan_words(ck, v, n, false, "the button's value");
    }
}

static void check_aria_invalid(struct check *ck, const xmlNode *n)
{
    if (!attr_is(n, "aria-invalid", "true"))
        return;
    const char *list = attr(n, "aria-describedby");
    const char *cursor = list == NULL ? "" : list;
    size_t len;
    const char *t;
    while ((t = next_token(&cursor, &len)) != NULL) {
        if (element_by_id(ck, t, len) != NULL)
            return;
    }
    add_finding(ck, R_ARIA_INVALID_DESCRIBEDBY, line_of(n),
                "aria-invalid=\"true\" without aria-describedby naming the error message on the page");
}

static void check_heading(struct check *ck, const xmlNode *n, int level)
{
    if (ck->prev_heading_level > 0 && level > ck->prev_heading_level + 1)
        add_finding(ck, R_HEADING_SKIPPED, line_of(n), "<h%d> follows <h%d>; use <h%d> (levels never skip)",
                    level, ck->prev_heading_level, ck->prev_heading_level + 1);
    ck->prev_heading_level = level;
    if (!has_accessible_name(ck, n))
        add_finding(ck, R_HEADING_EMPTY, line_of(n), "an empty <h%d>", level);
}

/* Checks one element on its own; updates what its children inherit. */
static void check_element(struct check *ck, const xmlNode *n, struct ctx2 *ctx)
{
    char q[QUOTE_BYTES];
    check_attributes(ck, n, ctx);
    check_aria_invalid(ck, n);

    if (ctx->in_svg)
        return; /* inside an svg only the attribute rules apply */

    int level = heading_level(n);
    if (level > 0)
        check_heading(ck, n, level);
    else if (is_el(n, "a") || is_el(n, "area"))
        check_link(ck, n);
    else if (is_el(n, "button"))
        check_button_name(ck, n);
    else if (is_el(n, "input")) {
        const char *type = input_type(n);
        if (trimmed_ieq(type, "submit") || trimmed_ieq(type, "button") || trimmed_ieq(type, "reset") ||
            trimmed_ieq(type, "image"))
            check_button_name(ck, n);
    } else if (is_el(n, "img")) {
        if (attr(n, "alt") == NULL)
            add_finding(ck, R_IMG_ALT_MISSING, line_of(n),
                        "<img src=%s> has no alt attribute (alt=\"\" when it is decorative)",
                        quote(q, attr(n, "src")));
    } else if (is_el(n, "svg")) {
        check_svg(ck, n);
    } else if (is_el(n, "th")) {
        if (ctx->table != NULL)
            ctx->table->th_count++;
        const char *scope = attr(n, "scope");
        if (scope == NULL || !(trimmed_ieq(scope, "col") || trimmed_ieq(scope, "row")))
            add_finding(ck, R_TH_SCOPE_MISSING, line_of(n), "<th%s%s> needs scope=\"col\" or scope=\"row\"",
                        scope == NULL ? "" : " scope=", scope == NULL ? "" : quote(q, scope));
    } else if (is_el(n, "time")) {
        check_time(ck, n);
    } else if (is_el(n, "script")) {
        check_script(ck, n);
    } else if (is_el(n, "style")) {
        add_finding(
            ck, R_STYLE_ELEMENT, line_of(n),
            "a <style> element; the CSP (default-src 'self') blocks it: use a style sheet under /static");
    } else if (is_el(n, "meta")) {
        if (attr_is(n, "http-equiv", "refresh"))
            add_finding(ck, R_META_REFRESH, line_of(n),
                        "<meta http-equiv=\"refresh\"> reloads or moves the page on a timer");
        if (attr_is(n, "name", "viewport"))
            check_viewport(ck, n);
        const char *charset = attr(n, "charset");
        if (charset != NULL && !trimmed_ieq(charset, "utf-8"))
            add_finding(ck, R_META_CHARSET, line_of(n),
                        "<meta charset=%s>; the page is UTF-8: charset=\"utf-8\"", quote(q, charset));
    } else if (is_el(n, "fieldset")) {
        const xmlNode *first = n->children;
        while (first != NULL && first->type != XML_ELEMENT_NODE)
            first = first->next;
        if (!is_el(first, "legend") || !has_text_alternative(first, false, 0))
            add_finding(ck, R_LEGEND_MISSING, line_of(n),
                        "a <fieldset> must start with a <legend> that asks the question");
    }
    if ((is_el(n, "audio") || is_el(n, "video")) && attr(n, "autoplay") != NULL)
        add_finding(ck, R_MEDIA_AUTOPLAY, line_of(n), "<%s autoplay>: nothing may play by itself",
                    (const char *)n->name);
    if (is_labelable_control(n))
        check_label(ck, n, ctx);
    check_resources(ck, n);

    /* Focusable elements that are not controls need a name from ARIA. */
    long ti;
    const char *tabindex = attr(n, "tabindex");
    if (tabindex != NULL && parse_int(tabindex, &ti) && ti >= 0 && !is_native_interactive(n) &&
        !labelledby_has_text(ck, n) && is_blank(attr(n, "aria-label")))
        add_finding(ck, R_NAME_MISSING, line_of(n),
                    "<%s tabindex=%s> can take focus but has no aria-label or aria-labelledby",
                    (const char *)n->name, quote(q, tabindex));

    if (has_class(n, "error-summary"))
        check_error_summary(ck, n);
    if (has_class(n, "hint") && ctx->in_form && !is_described(ck, attr(n, "id")))
        add_finding(
            ck, R_HINT_UNREFERENCED, line_of(n),
            "a form hint that no field names in aria-describedby (give it an id and tie it to its field)");
    if (has_class(n, "field-error") && !is_described(ck, attr(n, "id")))
        add_finding(ck, R_FIELD_ERROR_UNREFERENCED, line_of(n),
                    "an error message that no field names in aria-describedby");

    if (is_el(n, "svg"))
        ctx->in_svg = true;
    if (is_el(n, "time"))
        ctx->in_time = true;
    if (is_el(n, "title") || is_el(n, "option") || is_el(n, "textarea"))
        ctx->no_time_possible = true;
    if (is_el(n, "label"))
        ctx->label = n;
    if (is_el(n, "form"))
        ctx->in_form = true;
}

static void walk_check(struct check *ck, const xmlNode *n, struct ctx2 ctx, int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        ck->too_deep = true;
        return;
    }
    if (is_el(n, "template") || is_el(n, "script") || is_el(n, "style")) {
        if (!is_el(n, "template"))
            check_element(ck, n, &ctx);
        return; /* their content is not page text */
    }
    check_element(ck, n, &ctx);
    struct table_state table = {0};
    if (is_el(n, "table"))
        ctx.table = &table;
    for (const xmlNode *c = n->children; c != NULL && !ck->too_deep; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            walk_check(ck, c, ctx, depth + 1);
        else if (c->type == XML_TEXT_NODE)
            check_text_node(ck, c, &ctx);
    }
    if (is_el(n, "table") && !ctx.in_svg)
        check_table_end(ck, n, &table);
}

/* ------------------------------------------------------- the whole page */

/* True when some start tag has more than PH_HTML_CHECK_MAX_ATTRIBUTES
 * attributes, counted in one pass the way the HTML tokenizer reads them
 * (names, optional = and a quoted or unquoted value). Text inside comments
 * and scripts is read as markup too, which can only over-count. */
static bool has_huge_tag(const char *html, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(html + i, '<', len - i);
        if (lt == NULL)
            return false;
        i = (size_t)(lt - html) + 1;
        char c = i < len ? html[i] : '\0';
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            continue;
        while (i < len && !is_ascii_space((unsigned char)html[i]) && html[i] != '>' && html[i] != '/')
            i++;
        size_t attributes = 0;
        for (;;) {
            while (i < len && (is_ascii_space((unsigned char)html[i]) || html[i] == '/'))
                i++;
            if (i >= len || html[i] == '>')
                break;
            if (++attributes > PH_HTML_CHECK_MAX_ATTRIBUTES)
                return true;
            while (i < len && !is_ascii_space((unsigned char)html[i]) && html[i] != '>' && html[i] != '/' &&
                   html[i] != '=')
                i++;
            while (i < len && is_ascii_space((unsigned char)html[i]))
                i++;
            if (i >= len || html[i] != '=')
                continue;
            i++;
            while (i < len && is_ascii_space((unsigned char)html[i]))
                i++;
            if (i < len && (html[i] == '"' || html[i] == '\'')) {
                const char *close = memchr(html + i + 1, html[i], len - i - 1);
                i = close == NULL ? len : (size_t)(close - html) + 1;
            } else {
                while (i < len && !is_ascii_space((unsigned char)html[i]) && html[i] != '>')
                    i++;
            }
        }
    }
    return false;
}

/* Where the input stops being UTF-8 (or has a NUL); false when it is fine. */
static bool find_bad_utf8(const char *html, size_t len, size_t *offset)
{
    const uint8_t *s = (const uint8_t *)html;
    int32_t i = 0;
    int32_t n = (int32_t)len;
    while (i < n) {
        int32_t start = i;
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c <= 0) {
            *offset = (size_t)start;
            return true;
        }
    }
    return false;
}

static int line_at(const char *html, size_t offset)
{
    long line = 1;
    for (size_t i = 0; i < offset; i++)
        line += html[i] == '\n';
    return line > INT_MAX ? INT_MAX : (int)line;
}

struct parse_errors {
    bool too_deep;
    bool no_memory;
};

/* Collects what matters from libxml2's errors while we parse; everything
 * else (unknown HTML5 tags, unclosed elements) is expected noise. */
static void on_parse_error(void *data, xmlErrorPtr error)
{
    struct parse_errors *pe = data;
    if (error == NULL)
        return;
    if (error->code == XML_ERR_NO_MEMORY)
        pe->no_memory = true;
    if (error->code == XML_ERR_INTERNAL_ERROR && error->message != NULL &&
        strstr(error->message, "depth") != NULL)
        pe->too_deep = true;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
}

void ph_html_check_init(void)
{
    pthread_once(&init_once, init_libxml);
}

static enum ph_html_check_status parse(const char *html, size_t len, xmlDocPtr *doc_out)
{
    *doc_out = NULL;
    htmlParserCtxtPtr parser = htmlNewParserCtxt();
    if (parser == NULL)
        return PH_HTML_CHECK_NO_MEMORY;
    struct parse_errors pe = {false, false};
    /* This thread's handler (thread-local in libxml2), swapped for the parse
     * only: whatever another module installed is back before we return. */
    xmlStructuredErrorFunc saved_handler = xmlStructuredError;
    void *saved_context = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(&pe, on_parse_error);
    xmlDocPtr doc = htmlCtxtReadMemory(parser, html, (int)len, NULL, "UTF-8", PARSE_OPTIONS);
    bool halted = parser->disableSAX != 0 && parser->instate == XML_PARSER_EOF;
    xmlSetStructuredErrorFunc(saved_context, saved_handler);
    htmlFreeParserCtxt(parser);

    enum ph_html_check_status status = PH_HTML_CHECK_OK;
    if (pe.no_memory)
        status = PH_HTML_CHECK_NO_MEMORY;
    else if (pe.too_deep)
        status = PH_HTML_CHECK_TOO_DEEP;
    else if (doc == NULL || halted || xmlDocGetRootElement(doc) == NULL)
        status = PH_HTML_CHECK_UNPARSEABLE;
    if (status != PH_HTML_CHECK_OK) {
        xmlFreeDoc(doc);
        return status;
    }
    *doc_out = doc;
    return PH_HTML_CHECK_OK;
}

static void run_checks(struct check *ck, const xmlNode *root)
{
    struct ctx1 ctx1 = {false, false, false, false, 0, NULL};
    walk_index(ck, root, ctx1, 0);
    if (ck->too_deep || ck->no_memory)
        return;
    sort_refs(&ck->ids);
    sort_refs(&ck->label_fors);
    sort_refs(&ck->described);

    check_lang_and_title(ck, root);
    check_landmarks(ck);
    check_skip_link(ck);
    check_head_meta(ck);
    check_ids(ck);
    check_groups(ck);

    struct ctx2 ctx2 = {false, false, false, false, NULL, NULL};
    walk_check(ck, root, ctx2, 0);
}

struct sortable {
    struct ph_html_finding finding;
    size_t seq;
};

static int sortable_cmp(const void *a, const void *b)
{
    const struct sortable *x = a;
    const struct sortable *y = b;
    if (x->finding.line != y->finding.line)
        return x->finding.line < y->finding.line ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

/* Sorts by line (ties in the order found) and closes a truncated report. */
static void finish_report(struct check *ck)
{
    struct ph_html_report *r = &ck->report;
    if (r->count > 1) {
        struct sortable *tmp = malloc(r->count * sizeof *tmp);
        if (tmp == NULL) {
            ck->no_memory = true;
            return;
        }
        for (size_t i = 0; i < r->count; i++) {
            tmp[i].finding = r->items[i];
            tmp[i].seq = i;
        }
        qsort(tmp, r->count, sizeof *tmp, sortable_cmp);
        for (size_t i = 0; i < r->count; i++)
            r->items[i] = tmp[i].finding;
        free(tmp);
    }
    if (ck->found > r->count) {
        size_t kept = r->count;
        size_t more = ck->found - kept;
        r->max_findings++; /* room for the closing item only */
        add_finding(ck, R_TOO_MANY_FINDINGS, 0, "%zu more findings were not listed (this report keeps %zu)",
                    more, kept);
        r->max_findings--;
        r->truncated = true;
    }
}

static void check_release(struct check *ck)
{
    free(ck->ids.items);
    free(ck->label_fors.items);
    free(ck->described.items);
    free(ck->choices.items);
    free(ck->titles.items);
    free(ck->h1s.items);
    free(ck->mains.items);
    free(ck->navs.items);
}

enum ph_html_check_status ph_html_check(const char *html, size_t len_bytes, struct ph_html_report *report)
{
    if (html == NULL && len_bytes > 0)
        return PH_HTML_CHECK_UNPARSEABLE;
    if (len_bytes > PH_HTML_CHECK_MAX_BYTES)
        return PH_HTML_CHECK_TOO_BIG;
    if (len_bytes == 0)
        return PH_HTML_CHECK_UNPARSEABLE;
    ph_html_check_init();

    struct check ck;
    memset(&ck, 0, sizeof ck);
    ph_html_report_init(&ck.report, report->max_findings);

    enum ph_html_check_status status = PH_HTML_CHECK_OK;
    size_t bad_offset;
    if (find_bad_utf8(html, len_bytes, &bad_offset)) {
        add_finding(&ck, R_ENCODING_INVALID, line_at(html, bad_offset),
                    "byte %zu is not well-formed UTF-8 (or is NUL); nothing else was checked", bad_offset);
    } else if (has_huge_tag(html, len_bytes)) {
        status = PH_HTML_CHECK_TOO_COMPLEX;
    } else {
        xmlDocPtr doc;
        status = parse(html, len_bytes, &doc);
        if (status == PH_HTML_CHECK_OK) {
            run_checks(&ck, xmlDocGetRootElement(doc));
            xmlFreeDoc(doc);
            if (ck.too_deep)
                status = PH_HTML_CHECK_TOO_DEEP;
        }
    }
    if (status == PH_HTML_CHECK_OK && !ck.no_memory)
        finish_report(&ck);
    if (status == PH_HTML_CHECK_OK && ck.no_memory)
        status = PH_HTML_CHECK_NO_MEMORY;

    if (status == PH_HTML_CHECK_OK) {
        ph_html_report_release(report);
        *report = ck.report;
    } else {
        ph_html_report_release(&ck.report);
    }
    check_release(&ck);
    return status;
}
