/*
 * registry/validate.h - table-driven validation of JSON objects.
 *
 * Each field is one row of a rule table: its JSON name, its plain Chinese
 * label, its kind, whether it is required, and its bounds. One walker
 * applies a table to an object (recursing into nested objects), collects
 * every problem with the field's path, and builds the canonical output in
 * table order: strings trimmed, integral numbers as integers, absent
 * optional fields as null (lists as []), unknown fields refused.
 */
#ifndef PH_REGISTRY_VALIDATE_H
#define PH_REGISTRY_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "registry/problems.h"
#include "registry/rules.h"

enum ph_field_kind {
    K_STRING, /* single line */
    K_TEXT,   /* may hold newlines and tabs */
    K_INT,
    K_NUMBER, /* with at most `decimals` decimal places */
    K_BOOL,
    K_ENUM,
    K_ENUM_LIST,
    K_STRING_LIST,
    K_REGION,  /* one GB/T 2260 code */
    K_REGIONS, /* a list of them; 000000 must stand alone */
    K_URL,
    K_HOTLINE,
    K_USCC,    /* GB 32100-2015; ASCII letters are upper-cased */
    K_QUARTER, /* 2026Q3 */
    K_RATING,  /* A, B, C, D */
    K_DATE,    /* YYYY-MM-DD */
    K_OBJECT
};

struct ph_field_rule {
    const char *name;
    const char *label_zh;
    enum ph_field_kind kind;
    bool required;
    double min; /* numbers: value; strings: length in characters */
    double max;
    int decimals;       /* K_NUMBER */
    bool min_exclusive; /* K_NUMBER: value must be > min */
    size_t items_min;   /* lists */
    size_t items_max;
    const struct ph_enum *values;       /* K_ENUM, K_ENUM_LIST */
    const struct ph_field_rule *fields; /* K_OBJECT: ends with PH_END_OF_RULES */
};

#define PH_END_OF_RULES                                                                                      \
    {                                                                                                        \
        NULL, NULL, K_STRING, false, 0, 0, 0, false, 0, 0, NULL, NULL                                        \
    }

/* Applies `rules` to `value` at `path` ("" for the top level). Fields named
 * in `extra_allowed` (NULL-terminated, may be NULL) are neither checked nor
 * refused as unknown. Returns the canonical object (caller json_decref's),
 * or NULL after adding every problem found. */
json_t *ph_validate_object(const struct ph_field_rule *rules, const char *path, const json_t *value,
                           const char *const *extra_allowed, struct ph_problems *problems);

/* Applies one rule to one value; NULL after adding a problem. */
json_t *ph_validate_value(const struct ph_field_rule *rule, const char *path, const json_t *value,
                          struct ph_problems *problems);

/* True when a JSON array of strings holds `s`. */
bool ph_json_list_has_string(const json_t *list, const char *s);

/* The label of a field in a table, searching nested tables; NULL if none. */
const char *ph_rules_label(const struct ph_field_rule *rules, const char *name);

#endif
