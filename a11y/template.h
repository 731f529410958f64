/*
 * a11y/template.h - logic-less, auto-escaping HTML templates (a subset of
 * Mustache) that turn a page's JSON view model into HTML.
 *
 * Every public page is built once as a jansson view model and rendered
 * through the templates in public/templates/ (*.html). Escaping cannot be
 * forgotten: every value is HTML-escaped unless the template says
 * {{&name_html}}, and that form is accepted only for names ending in _html
 * (the view-model builder's promise that it made the HTML itself).
 *
 *     struct ph_templates *set = ph_templates_new();
 *     char err[256];
 *     if (ph_templates_load_dir(set, "public/templates", err, sizeof err) != PH_TEMPLATE_OK ||
 *         ph_templates_finish(set, err, sizeof err) != PH_TEMPLATE_OK)
 *         die("%s", err);                      // "product:12:7: unclosed section {{#items}}"
 *     ...                                      // any number of threads:
 *     struct ph_buf out;
 *     ph_buf_init(&out, 4u << 20);
 *     if (ph_templates_render(set, "product", view, &out) != PH_TEMPLATE_OK) ...
 *
 * Syntax (Mustache where Mustache speaks; docs/internals/template.md):
 *   {{name}} {{a.b.c}} {{.}}   the value, HTML-escaped (& < > " ' become
 *                              entities). Strings as they are, integers in
 *                              decimal, reals with "%.15g"; true, false, null,
 *                              objects and arrays give nothing.
 *   {{#name}}...{{/name}}      an array: once per item, the item pushed; an
 *                              object: once, pushed; true, a non-empty string
 *                              or any number: once, the value pushed; false,
 *                              null, missing, [] and "": not at all.
 *   {{^name}}...{{/name}}      once exactly when {{#name}} would not render.
 *   {{>partial}}               another template of the set, by name.
 *   {{! comment }}             nothing.
 *   {{&name_html}}             the value as it is (raw HTML); only for names
 *                              whose last segment ends in _html, and only
 *                              between HTML elements (not inside a tag).
 * A name is found by walking the context stack from the innermost section
 * outwards; in a dotted name the first segment is found that way and the
 * rest inside it. Padding spaces inside a tag are ignored ({{ name }}).
 * Names are segments of [A-Za-z0-9_-] joined by single dots, at most 128
 * bytes; template and partial names are [A-Za-z0-9_-], at most 128 bytes.
 * A section, inverted, closing, comment or partial tag alone on its line
 * removes the whole line; a standalone partial is indented like its tag.
 *
 * Context safety, worked out when a template is compiled from the HTML
 * around each tag:
 *   - A variable in the value of a URL attribute (href, src, action,
 *     formaction, poster, cite, data, codebase, ping, manifest, background,
 *     xlink:href) is
 *     either the whole value, and then renders only when it is a safe URL
 *     (it starts with "/" but not "//" or "/\", "?", "#", or has the scheme
 *     http, https, mailto or tel, case-insensitive, after the leading
 *     spaces and control characters browsers ignore) and as about:invalid
 *     otherwise; or it follows a fixed prefix in the template that already
 *     makes the URL safe ("/products/", "?q=", "tel:"). Anything else is a
 *     compile error.
 *   - Variables must not appear inside a tag outside a quoted attribute
 *     value, in unquoted attribute values, in on* / style / srcdoc
 *     attributes, or inside <script>, <style> and other raw-text elements.
 *     Partials and raw HTML only appear between elements. A section must
 *     end in the same HTML context it started in, and a template must end
 *     outside any tag, comment or raw-text element.
 *
 * Invariants: a set is built single-threaded with ph_templates_add() or
 * ph_templates_load_dir(), then ph_templates_finish() checks that every
 * partial exists; from then on the set is read-only and ph_templates_render()
 * may run on any number of threads at once. Templates are compiled once to
 * a flat list of operations; rendering never parses. A failed call changes
 * nothing in the set.
 *
 * Limits: template source PH_TEMPLATE_MAX_SOURCE_BYTES, valid UTF-8;
 * sections nested PH_TEMPLATE_MAX_NESTING deep; tag and template names
 * PH_TEMPLATE_MAX_NAME_BYTES; PH_TEMPLATES_MAX_COUNT templates in a set;
 * partials nested PH_TEMPLATE_MAX_PARTIAL_DEPTH deep when rendering (so
 * recursive partials end); PH_TEMPLATE_MAX_RENDER_STEPS operations per
 * render (so nested loops over a big view end); the output is capped by
 * the caller's struct ph_buf.
 *
 * Error messages go into a caller's buffer (char *err, size_t errlen): they
 * read "name:line:column: message" (column in characters, both from 1) or
 * "name: message", are always NUL-terminated when errlen > 0 (and cut to
 * fit), and are set to "" on success. err may be NULL when errlen is 0.
 */
#ifndef PH_A11Y_TEMPLATE_H
#define PH_A11Y_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "a11y/buf.h"

#define PH_TEMPLATE_MAX_SOURCE_BYTES  (1u << 20)
#define PH_TEMPLATE_MAX_NESTING       32
#define PH_TEMPLATE_MAX_NAME_BYTES    128
#define PH_TEMPLATE_MAX_PARTIAL_DEPTH 16
#define PH_TEMPLATES_MAX_COUNT        1024
#define PH_TEMPLATE_MAX_RENDER_STEPS  (1u << 24)

enum ph_template_status {
    PH_TEMPLATE_OK = 0,
    PH_TEMPLATE_SYNTAX,          /* compile error; the message says where and what */
    PH_TEMPLATE_TOO_BIG,         /* source over 1 MiB, or the set is full */
    PH_TEMPLATE_BAD_NAME,        /* a template name or file name with odd characters */
    PH_TEMPLATE_DUPLICATE,       /* a template of that name is already in the set */
    PH_TEMPLATE_MISSING_PARTIAL, /* finish: a {{>partial}} names no template of the set */
    PH_TEMPLATE_NOT_FOUND,       /* render: no template of that name */
    PH_TEMPLATE_WRONG_STATE,     /* add after finish, or render before it */
    PH_TEMPLATE_TOO_DEEP,        /* render: partials nested too deep (recursion) */
    PH_TEMPLATE_TOO_MUCH_WORK,   /* render: more than PH_TEMPLATE_MAX_RENDER_STEPS */
    PH_TEMPLATE_OUTPUT_FULL,     /* render: the output reached the ph_buf's cap */
    PH_TEMPLATE_NO_MEMORY,
    PH_TEMPLATE_IO, /* load_dir: a directory or file could not be read */
};

/* A short English name of the status, for logs ("syntax error"). */
const char *ph_template_status_name(enum ph_template_status status);

struct ph_templates;

/* An empty, unfinished set. Caller frees with ph_templates_free(); NULL when
 * out of memory. */
struct ph_templates *ph_templates_new(void);

/* Frees the set and every template in it. NULL is allowed. No render may be
 * running. */
void ph_templates_free(struct ph_templates *set);

/* Compiles `len` bytes of template text under `name` and adds it to the set.
 * The set keeps its own copy of everything; the caller keeps text and name.
 * Before ph_templates_finish() only. On error returns the status, writes the
 * message to err and leaves the set as it was. */
enum ph_template_status ph_templates_add(struct ph_templates *set, const char *name, const char *text,
                                         size_t len, char *err, size_t errlen);

/* Adds every regular file "<name>.html" of directory `dir` (not its
 * sub-directories) in name order; file names starting with "." are skipped
 * and any other file name whose <name> is not [A-Za-z0-9_-] is refused
 * (PH_TEMPLATE_BAD_NAME). Errors read "path: message" or
 * "name:line:column: message". On error none of the directory's templates
 * stay in the set. */
enum ph_template_status ph_templates_load_dir(struct ph_templates *set, const char *dir, char *err,
                                              size_t errlen);

/* Checks that every {{>partial}} of every template names a template of the
 * set, links them, and makes the set read-only. Calling it again on a
 * finished set does nothing and returns PH_TEMPLATE_OK. On error
 * (PH_TEMPLATE_MISSING_PARTIAL, "name:line:column: no template 'x' for
 * {{>x}}") the set stays unfinished and templates may still be added. */
enum ph_template_status ph_templates_finish(struct ph_templates *set, char *err, size_t errlen);

/* True when the set holds a template of that name. */
bool ph_templates_has(const struct ph_templates *set, const char *name);

/* Renders template `name` with `view` (borrowed, only read; NULL renders
 * as an empty view) as the outermost context and appends the HTML to out.
 * The set must be finished. Thread-safe: any number of renders may share
 * one finished set.
 * On any error returns the status and sets out->failed (the sticky error
 * of ph_buf), so that whatever was appended is never mistaken for a whole
 * page; out->over_cap tells whether the cap was the reason. A buffer that
 * has already failed gives PH_TEMPLATE_OUTPUT_FULL or PH_TEMPLATE_NO_MEMORY
 * at once. */
enum ph_template_status ph_templates_render(const struct ph_templates *set, const char *name,
                                            const json_t *view, struct ph_buf *out);

#endif
