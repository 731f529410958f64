/*
 * tests/fuzz/fuzz_filing.c - libFuzzer target for the XML filing parser
 * (server/filing.h: checks before parsing, the libxml2 parse, XSD
 * validation and the conversion to JSON), without the HTTP layer. For any
 * bytes:
 *  - the status is PH_OK, PH_ERR_BAD_REQUEST or PH_ERR_INTERNAL (memory);
 *  - on PH_OK the filing is {product: object, documents: array of at most
 *    50 objects}, serialisable, and every line in the line map is > 0;
 *  - on failure the outputs are NULL and every problem has one of the
 *    documented codes, a field, a message and, when present, a line > 0;
 *  - parsing is deterministic: the same bytes give the same answer;
 *  - nothing is ever loaded from outside (the entity loader refuses all,
 *    so an input that needed it cannot come out PH_OK with its content).
 * The schema is compiled once, from the source tree's public/schema.
 * See tests/fuzz/run.sh; seeds in tests/fuzz/corpus/filing/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "server/filing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ph_filing_schema *schema;

static void free_schema(void)
{
    ph_filing_schema_free(schema);
}

static bool known_code(const char *code)
{
    static const char *const codes[] = {
        "body_empty",
        "body_too_large",
        "xml_encoding_invalid",
        "xml_doctype_refused",
        "xml_too_deep",
        "xml_invalid",
        "xml_schema_invalid",
        "internal",
        "xml_too_many_elements",
        "xml_too_many_attributes",
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (strcmp(code, codes[i]) == 0)
            return true;
    }
    return false;
}

static char *answer_text(ph_status st, json_t *filing, const struct ph_problems *problems)
{
    if (st == PH_OK)
        return json_dumps(filing, JSON_COMPACT | JSON_SORT_KEYS);
    return json_dumps(problems->items, JSON_COMPACT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (schema == NULL) {
        char error[512];
        schema = ph_filing_schema_load(PUHUI_SOURCE_PUBLIC_DIR "/schema/filing.xsd", error, sizeof error);
        if (schema == NULL) {
            fprintf(stderr, "fuzz_filing: %s\n", error);
            abort();
        }
        atexit(free_schema);
    }
    char *texts[2] = {NULL, NULL};
    ph_status statuses[2];
    for (int round = 0; round < 2; round++) {
        struct ph_problems problems;
        ph_problems_init(&problems);
        json_t *filing = NULL;
        json_t *lines = NULL;
        ph_status st = ph_filing_parse(schema, (const char *)data, size, &filing, &lines, &problems);
        statuses[round] = st;
        if (st == PH_OK) {
            if (!json_is_object(json_object_get(filing, "product")) ||
                !json_is_array(json_object_get(filing, "documents")) ||
                json_array_size(json_object_get(filing, "documents")) > 50 ||
                ph_problems_count(&problems) != 0)
                abort();
            const char *path;
            json_t *line;
            json_object_foreach (lines, path, line) {
                if (!json_is_integer(line) || json_integer_value(line) <= 0)
                    abort();
            }
        } else if (st == PH_ERR_BAD_REQUEST || st == PH_ERR_INTERNAL) {
            if (filing != NULL || lines != NULL || ph_problems_count(&problems) == 0)
                abort();
            size_t i;
            json_t *item;
            json_array_foreach (problems.items, i, item) {
                const char *code = json_string_value(json_object_get(item, "code"));
                json_t *line = json_object_get(item, "line");
                if (code == NULL || !known_code(code) || !json_is_string(json_object_get(item, "field")) ||
                    !json_is_string(json_object_get(item, "message")) ||
                    (line != NULL && (!json_is_integer(line) || json_integer_value(line) <= 0)))
                    abort();
            }
        } else {
            abort();
        }
        texts[round] = answer_text(st, filing, &problems);
        if (texts[round] == NULL)
            abort();
        json_decref(filing);
        json_decref(lines);
        ph_problems_release(&problems);
    }
    if (statuses[0] != statuses[1] || strcmp(texts[0], texts[1]) != 0)
        abort();
    free(texts[0]);
    free(texts[1]);
    return 0;
}
