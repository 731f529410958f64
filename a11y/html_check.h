/*
 * a11y/html_check.h - the structural accessibility checker: parses one served
 * HTML page and tests the points of ../shared/ACCESSIBILITY.md that can be
 * decided from the markup alone (language, title, headings, landmarks, skip
 * link, labels, fieldsets, id references, tables, names, zoom, CSP, urgency
 * words, money, dates, error summaries).
 *
 *     struct ph_html_report report;
 *     ph_html_report_init(&report, PH_HTML_REPORT_MAX_FINDINGS);
 *     enum ph_html_check_status st = ph_html_check(page, page_len, &report);
 *     if (st != PH_HTML_CHECK_OK) ...           // could not check at all
 *     for (size_t i = 0; i < report.count; i++)
 *         printf("%d: %s: %s\n", report.items[i].line, report.items[i].code,
 *                report.items[i].message);
 *     ph_html_report_release(&report);
 *
 * A finding is a defect of the page; a status other than PH_HTML_CHECK_OK
 * means the checker could not produce findings (input too big, too deep or
 * with an absurd tag, no document, no memory). The two never mix: on a bad
 * status the report is untouched.
 *
 * Invariants of a report: count <= max_findings + 1; when more findings were
 * found than max_findings, the first max_findings found are kept (page-wide
 * rules run first, then every element in document order) and one more,
 * "too_many_findings" (line 0), is the last item and `truncated` is set.
 * Every `code` is one of the rules listed by ph_html_check_rules() (a static
 * string, never freed; `check_html --rules` prints them, and
 * docs/internals/html_check.md explains each); every `message` is one line
 * of well-formed UTF-8 English, page text in it quoted and cut to 60
 * characters, no control characters, owned by the report. Items are sorted
 * by line, ties in the order found; too_many_findings is always last.
 *
 * Lines: a finding about an element has the line where its start tag ends
 * (libxml2 stamps elements then); one about words in text has the word's
 * own line (exact unless a character reference precedes it in a text run of
 * several lines); page-wide findings (no <h1>, no <main> ...) have line 0.
 * libxml2 stores lines in 16 bits: past line 65535 lines read 65535.
 *
 * The input is UTF-8. Bytes that are not well-formed UTF-8, or NUL bytes,
 * give the single finding "encoding_invalid" at the first bad line and no
 * other check runs: libxml2 would otherwise decode the page as Latin-1 and
 * every later finding would be noise.
 *
 * libxml2 (2.9.14, Debian 12): the page is parsed with htmlCtxtReadMemory,
 * options HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
 * HTML_PARSE_NODEFDTD | HTML_PARSE_IGNORE_ENC, encoding forced to UTF-8 (a
 * <meta charset> in the page cannot switch it); nothing is ever loaded from
 * the network or disk. The parser is HTML4-era: header, nav, main, footer,
 * section, time, details, summary, mark, svg ... are "unknown" tags, but they
 * stay elements at their place in the tree (tested), and that is all the
 * checks need. (It does not close an open <p> for them, so a <section> after
 * an unclosed <p> ends up inside it; no rule depends on that.) libxml2 stops
 * at 256 levels of nesting; a page that deep gets PH_HTML_CHECK_TOO_DEEP
 * rather than findings about a truncated tree.
 *
 * Threads: ph_html_check() may run on many threads at once; it keeps no state
 * between calls. It installs no process-wide libxml2 handler and never calls
 * xmlCleanupParser(). While it parses it sets this thread's structured error
 * handler (xmlSetStructuredErrorFunc, which is per thread in a threaded
 * libxml2) to its own and restores the previous one before returning, so a
 * handler that another module (the XML filing parser) installs is neither
 * replaced nor sent our HTML errors. It does not use or mind a custom
 * external entity loader (the HTML parser here loads nothing). It writes
 * only to the tree it parsed, keeping answers in its nodes' _private field,
 * so no xmlRegisterNodeDefault() callback that uses _private may be
 * installed (none is in this project).
 */
#ifndef PH_A11Y_HTML_CHECK_H
#define PH_A11Y_HTML_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Largest page ph_html_check() parses (8 MiB). Memory is mostly libxml2's
 * tree: about 17 times the input for our pages (2.7 MB of search results:
 * 46 MB, 0.16 s), up to about 80 times for pathological markup (8 MiB of
 * "<p>x": 680 MB peak, 2.3 s). */
#define PH_HTML_CHECK_MAX_BYTES ((size_t)8 << 20)

/* Most attributes one start tag may have. libxml2 2.9.14 compares each
 * attribute of a tag with every earlier one (a tag with 100,000 attributes
 * takes half a minute to parse), so a page with a bigger tag is refused
 * before parsing; real tags have a dozen. */
#define PH_HTML_CHECK_MAX_ATTRIBUTES 256

/* The usual cap on findings per page. */
#define PH_HTML_REPORT_MAX_FINDINGS 500

enum ph_html_check_status {
    PH_HTML_CHECK_OK = 0,      /* checked; the report holds the findings (maybe none) */
    PH_HTML_CHECK_TOO_BIG,     /* more than PH_HTML_CHECK_MAX_BYTES; nothing parsed */
    PH_HTML_CHECK_TOO_DEEP,    /* nested past libxml2's 256 levels; the parse stopped */
    PH_HTML_CHECK_UNPARSEABLE, /* no root element: empty, white space, comments, a doctype only */
    PH_HTML_CHECK_NO_MEMORY,
    PH_HTML_CHECK_TOO_COMPLEX, /* a start tag with more than PH_HTML_CHECK_MAX_ATTRIBUTES attributes */
};

/* One rule: its stable machine code (snake_case), the ACCESSIBILITY.md point
 * it enforces (0 when it is about the input itself), and a short summary. */
struct ph_html_check_rule {
    const char *code;
    int point;
    const char *summary;
};

struct ph_html_finding {
    const char *code; /* static; one of ph_html_check_rules() */
    int line;         /* 1-based line in the input; 0 for the page as a whole */
    char *message;    /* one line of English for developers; owned by the report */
};

struct ph_html_report {
    struct ph_html_finding *items; /* owned by the report */
    size_t count;
    size_t alloc;
    size_t max_findings; /* set by ph_html_report_init() */
    bool truncated;      /* the last item is too_many_findings */
};

/* Makes libxml2 ready (xmlInitParser) exactly once per process, safely from
 * any thread (pthread_once). ph_html_check() calls it itself; a program that
 * also uses libxml2 elsewhere should call this (or xmlInitParser) from main
 * before it starts threads, because libxml2 2.9's own xmlInitParser is not
 * safe to race with. Never fails (libxml2 reports nothing). */
void ph_html_check_init(void);

/* Every rule the checker can report, in a static array of *count entries
 * (too_many_findings included). The caller owns nothing. */
const struct ph_html_check_rule *ph_html_check_rules(size_t *count);

/* Starts an empty report that keeps at most max_findings findings (0 counts
 * as 1) plus the closing too_many_findings. */
void ph_html_report_init(struct ph_html_report *report, size_t max_findings);

/* Frees every message and the array; the report is empty afterwards and may
 * be used again with the same cap. */
void ph_html_report_release(struct ph_html_report *report);

/* True when the report holds a finding with this code. */
bool ph_html_report_has(const struct ph_html_report *report, const char *code);

/* Checks one page: html points at len_bytes of UTF-8 (no NUL needed; html
 * may be NULL only when len_bytes is 0, and NULL with a length gives
 * PH_HTML_CHECK_UNPARSEABLE). The report must have been initialised; its cap
 * applies. On PH_HTML_CHECK_OK the report's previous findings are released
 * and it holds this page's findings. On any other status the report is
 * unchanged. The caller keeps html. */
enum ph_html_check_status ph_html_check(const char *html, size_t len_bytes, struct ph_html_report *report);

/* Stable snake_case names of the statuses for programs and the CLI
 * ("ok", "input_too_big", "input_too_deep", "input_unparseable",
 * "no_memory", "input_too_complex"), and a one-line English explanation.
 * Static strings. */
const char *ph_html_check_status_code(enum ph_html_check_status status);
const char *ph_html_check_status_message(enum ph_html_check_status status);

/* The report as a new JSON array of {"code", "line", "message"} objects, in
 * report order. Caller owns the reference (json_decref). Returns NULL when
 * out of memory. */
json_t *ph_html_report_to_json(const struct ph_html_report *report);

/* The report as text, one line per finding: "NAME:LINE: code: message\n"
 * (NAME is file_name, or "-" when NULL). Caller frees with free(); *len_out
 * (may be NULL) gets the length. An empty report gives "". Returns NULL when
 * out of memory or past 16 MiB. */
char *ph_html_report_to_text(const struct ph_html_report *report, const char *file_name, size_t *len_out);

#endif
