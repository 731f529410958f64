/*
 * tests/fuzz/fuzz_template.c - libFuzzer target for the template engine
 * (a11y/template.h).
 *
 * Input: template text, a NUL byte, then a JSON view (any JSON value; when
 * it is missing or not JSON a fixed view with every kind of value is used).
 * The text is compiled as "main" and again as "part" (so {{>part}} and
 * {{>main}} recurse), next to a fixed "item" template; the set is finished
 * and "main" rendered under a 64 KiB cap. For any bytes:
 *  - nothing crashes, leaks or reads out of bounds, and every render ends
 *    (recursion and nested loops are capped);
 *  - a refused template leaves a NUL-terminated "name:..." message that
 *    fits the buffer, and is not in the set;
 *  - a render succeeds exactly when the buffer has not failed; a full
 *    buffer says over_cap; a successful output is valid UTF-8;
 *  - rendering is deterministic: a second render gives the same status
 *    and the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "a11y/buf.h"
#include "a11y/template.h"
#include "i18n/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_template: " __VA_ARGS__);                                                      \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

#define OUTPUT_CAP (64u * 1024u)

static json_t *fixed_view(void)
{
    return json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:[]}, s], s:b, s:b, s:n, s:i, s:f, s:s, "
                     "s:{s:{s:s}}, s:s, s:[[i, i], []]}",
                     "name", "<b>\"&'</b>", "url", "javascript:alert(1)", "ok_url", "/ok?a=1&b=2", "items",
                     "name", "甲", "url", "//evil.example", "name", "乙", "items", "plain", "t", 1, "f", 0,
                     "z", "n", 0, "r", 1.5, "s", "", "o", "a", "b", "c", "x_html", "<mark>x</mark>", "nested",
                     1, 2);
}

static void check_message(const char *err, size_t errlen, enum ph_template_status status, const char *what)
{
    if (status == PH_TEMPLATE_OK) {
        if (err[0] != '\0')
            FAIL("%s succeeded with a message: %s", what, err);
        return;
    }
    if (memchr(err, '\0', errlen) == NULL || err[0] == '\0')
        FAIL("%s failed (%s) without a terminated message", what, ph_template_status_name(status));
}

static enum ph_template_status render(const struct ph_templates *set, const json_t *view, char **out,
                                      size_t *out_len)
{
    struct ph_buf buf;
    ph_buf_init(&buf, OUTPUT_CAP);
    enum ph_template_status status = ph_templates_render(set, "main", view, &buf);
    if ((status == PH_TEMPLATE_OK) == buf.failed)
        FAIL("render gave %s but buf.failed is %d", ph_template_status_name(status), buf.failed);
    if (status == PH_TEMPLATE_OUTPUT_FULL && !buf.over_cap)
        FAIL("output full without over_cap");
    if (status == PH_TEMPLATE_OK && buf.len > OUTPUT_CAP)
        FAIL("output of %zu bytes over the cap", buf.len);
    *out = ph_buf_detach(&buf, out_len);
    if ((*out != NULL) != (status == PH_TEMPLATE_OK))
        FAIL("detach disagrees with status %s", ph_template_status_name(status));
    return status;
}

/* Compiles, finishes and renders; returns at the first refusal. */
static void exercise(struct ph_templates *set, const char *text, size_t text_len, const json_t *view)
{
    char err[96];
    enum ph_template_status status = ph_templates_add(set, "main", text, text_len, err, sizeof err);
    check_message(err, sizeof err, status, "add main");
    if (status != PH_TEMPLATE_OK) {
        if (ph_templates_has(set, "main"))
            FAIL("a refused template is in the set");
        if (strncmp(err, "main:", 5) != 0)
            FAIL("message does not name the template: %s", err);
        return;
    }
    status = ph_templates_add(set, "part", text, text_len, err, sizeof err);
    if (status != PH_TEMPLATE_OK)
        FAIL("the same text compiled once and failed once: %s", err);
    static const char item[] = "<li>{{name}} <a href=\"{{url}}\">{{.}}</a></li>\n";
    status = ph_templates_add(set, "item", item, sizeof item - 1, err, sizeof err);
    if (status != PH_TEMPLATE_OK)
        FAIL("fixed template item: %s", err);
    status = ph_templates_finish(set, err, sizeof err);
    check_message(err, sizeof err, status, "finish");
    if (status != PH_TEMPLATE_OK)
        return;

    char *first = NULL;
    size_t first_len = 0;
    enum ph_template_status first_status = render(set, view, &first, &first_len);
    if (first_status == PH_TEMPLATE_OK && !ph_text_is_valid_utf8(first, first_len))
        FAIL("output is not UTF-8");
    char *second = NULL;
    size_t second_len = 0;
    enum ph_template_status second_status = render(set, view, &second, &second_len);
    if (second_status != first_status)
        FAIL("render gave %s, then %s", ph_template_status_name(first_status),
             ph_template_status_name(second_status));
    if (first != NULL && (first_len != second_len || memcmp(first, second, first_len) != 0))
        FAIL("two renders differ");
    free(first);
    free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    const uint8_t *nul = memchr(data, '\0', size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    json_t *view = NULL;
    if (nul != NULL) {
        json_error_t error;
        view = json_loadb((const char *)nul + 1, size - text_len - 1, JSON_DECODE_ANY, &error);
    }
    if (view == NULL)
        view = fixed_view();
    if (view == NULL)
        FAIL("no view");
    struct ph_templates *set = ph_templates_new();
    if (set == NULL)
        FAIL("no set");
    exercise(set, (const char *)data, text_len, view);
    ph_templates_free(set);
    json_decref(view);
    return 0;
}
