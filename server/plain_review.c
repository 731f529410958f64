/* server/plain_review.c - see plain_review.h. */
#include "server/plain_review.h"

#include <stdio.h>
#include <string.h>

#include "a11y/plain.h"

static void review_text(const struct ph_glossary *glossary, const char *text, const char *field, json_t *warnings,
                        int *lowest)
{
    if (text == NULL || text[0] == '\0')
        return;
    struct ph_plain_report report;
    if (ph_plain_check(text, strlen(text), glossary, &report) != PH_PLAIN_OK)
        return;
    if (report.score < *lowest)
        *lowest = report.score;
    json_t *findings = NULL;
    if (ph_plain_findings_json(&report, field, &findings) == PH_PLAIN_OK) {
        json_array_extend(warnings, findings);
        json_decref(findings);
    }
}

static void review_list(const struct ph_glossary *glossary, const json_t *list, const char *name, json_t *warnings,
                        int *lowest)
{
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        char field[64];
        snprintf(field, sizeof field, "%s[%zu]", name, i);
        review_text(glossary, json_string_value(item), field, warnings, lowest);
    }
}

int ph_plain_review_product(const json_t *product, json_t *warnings)
{
    const struct ph_glossary *glossary = NULL;
    if (ph_glossary_default(&glossary) != PH_GLOSSARY_OK)
        return -1;
    int lowest = 100;
    review_text(glossary, json_string_value(json_object_get(product, "summary")), "summary", warnings, &lowest);
    review_list(glossary, json_object_get(product, "covered"), "covered", warnings, &lowest);
    review_list(glossary, json_object_get(product, "not_covered"), "not_covered", warnings, &lowest);
    review_text(glossary, json_string_value(json_object_get(json_object_get(product, "claim"), "how")), "claim.how",
                warnings, &lowest);
    review_list(glossary, json_object_get(product, "service_commitments"), "service_commitments", warnings,
                &lowest);
    return lowest;
}

int ph_plain_review_document(const json_t *document, json_t *warnings)
{
    const char *type = json_string_value(json_object_get(document, "type"));
    if (type == NULL || (strcmp(type, "prospectus") != 0 && strcmp(type, "notice") != 0))
        return 100;
    const struct ph_glossary *glossary = NULL;
    if (ph_glossary_default(&glossary) != PH_GLOSSARY_OK)
        return -1;
    int lowest = 100;
    review_text(glossary, json_string_value(json_object_get(document, "content")), "content", warnings, &lowest);
    return lowest;
}
