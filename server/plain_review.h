/*
 * server/plain_review.h - the plain-Chinese checker (a11y/plain.h) applied
 * to the texts of a product that citizens read: the summary, what is
 * covered and not covered, how to claim and the service promises.
 *
 * Registration and updates return the findings to the insurer as warnings
 * (they never block a registration: the policy asks for plain words, and
 * the insurer decides how to fix them); the operator lists the products
 * that score worst with `puhui admin plain-report`.
 */
#ifndef PH_SERVER_PLAIN_REVIEW_H
#define PH_SERVER_PLAIN_REVIEW_H

#include <jansson.h>

/* Checks every citizen-facing text of a product body and appends each
 * finding {code, field, message} to warnings (field names like
 * "covered[2]"). Returns the lowest score of the texts (100: all plain),
 * or -1 when the glossary cannot be loaded (then nothing is appended). */
int ph_plain_review_product(const json_t *product, json_t *warnings);

/* The same for a document body that citizens read: a prospectus (产品说明书)
 * or a notice (公告); terms, rate tables and reports are formal texts and
 * are not checked. The checker itself bounds the findings of a long text
 * (the first long sentences, then one finding counting the rest). */
int ph_plain_review_document(const json_t *document, json_t *warnings);

#endif
