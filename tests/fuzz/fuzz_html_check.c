/*
 * tests/fuzz/fuzz_html_check.c - libFuzzer target for the HTML checker
 * (a11y/html_check.h): it parses whatever a page turns out to be, so any
 * bytes must give a status and a well-formed report, never a crash, a leak
 * or a read out of bounds. For any input:
 *  - the status is one of the enum's; on OK every finding has a known code
 *    (one of ph_html_check_rules()), a line >= 0 and a NUL-terminated
 *    message; the count respects the cap plus the closing
 *    too_many_findings;
 *  - checking is deterministic: the same bytes give the same findings;
 *  - the text and JSON renderings of the report succeed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "a11y/html_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool known_code(const char *code)
{
    size_t count = 0;
    const struct ph_html_check_rule *rules = ph_html_check_rules(&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(rules[i].code, code) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ph_html_report first;
    struct ph_html_report second;
    ph_html_report_init(&first, 20);
    ph_html_report_init(&second, 20);
    enum ph_html_check_status a = ph_html_check((const char *)data, size, &first);
    enum ph_html_check_status b = ph_html_check((const char *)data, size, &second);
    if (a != b)
        abort();
    if (a == PH_HTML_CHECK_OK) {
        if (first.count != second.count || first.count > 21)
            abort();
        for (size_t i = 0; i < first.count; i++) {
            const struct ph_html_finding *f = &first.items[i];
            if (!known_code(f->code) || f->line < 0 || f->message == NULL ||
                strcmp(f->code, second.items[i].code) != 0 || f->line != second.items[i].line ||
                strcmp(f->message, second.items[i].message) != 0)
                abort();
        }
        size_t len = 0;
        char *text = ph_html_report_to_text(&first, "fuzz", &len);
        json_t *json = ph_html_report_to_json(&first);
        if (text == NULL || json == NULL || strlen(text) != len || json_array_size(json) != first.count)
            abort();
        free(text);
        json_decref(json);
    }
    ph_html_report_release(&first);
    ph_html_report_release(&second);
    return 0;
}
