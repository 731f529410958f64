/*
 * registry/product_validate.h - turns a product body as an insurer sends it
 * into the registry's canonical form, or says everything that is wrong with
 * it. docs/API.md is the table of fields and rules this implements.
 *
 * The canonical form has every field of the API in a fixed order, strings
 * trimmed, optional fields present (null, or [] for lists), and nothing
 * else. Two bodies that mean the same thing have the same canonical JSON,
 * so a version's SHA-256 is a stable fingerprint of what was disclosed.
 */
#ifndef PH_REGISTRY_PRODUCT_VALIDATE_H
#define PH_REGISTRY_PRODUCT_VALIDATE_H

#include <jansson.h>

#include "registry/problems.h"

enum ph_validate_mode {
    PH_VALIDATE_REGISTER, /* a first version: change_reason must be absent or null */
    PH_VALIDATE_UPDATE    /* a new version: change_reason is required */
};

/*
 * Validates `body` (not modified). On PH_OK:
 *   *out_product  = the canonical product (caller json_decref's it),
 *   *out_change_reason = the trimmed change reason (a new json string, or
 *                        NULL in register mode; caller json_decref's it),
 *   non-blocking findings appended to `warnings` as {code, field, message}.
 * On PH_ERR_INVALID every problem found is in `problems` and the out
 * parameters are left NULL.
 */
ph_status ph_product_validate(const json_t *body, enum ph_validate_mode mode, json_t **out_product,
                              json_t **out_change_reason, json_t *warnings, struct ph_problems *problems);

/* The product's top-level fields in canonical order (the rule table's
 * order): ph_product_field_name(i) for i < ph_product_field_count(). */
size_t ph_product_field_count(void);
const char *ph_product_field_name(size_t index);

/* The plain Chinese label of a product field path's last part
 * ("age_min" -> "最低投保年龄"), or the name itself when unknown. */
const char *ph_product_field_label(const char *field);

#endif
