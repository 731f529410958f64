/*
 * registry/problems.h - the one error convention of the registry.
 *
 * Fallible registry functions return a ph_status and describe what went
 * wrong in a struct ph_problems: a list of {code, field, message} where
 * `code` is a stable machine code (docs/API.md lists them all), `field` is
 * the JSON path of the offending field ("" when none applies) and `message`
 * is plain Chinese for people. Validation collects every problem at once;
 * other failures add exactly one.
 *
 * Invariant: a function that returns anything but PH_OK has added at least
 * one problem and has changed nothing in the database.
 */
#ifndef PH_REGISTRY_PROBLEMS_H
#define PH_REGISTRY_PROBLEMS_H

#include <stddef.h>

#include <jansson.h>

typedef enum ph_status {
    PH_OK = 0,
    PH_ERR_INVALID,      /* the input broke a rule (HTTP 422) */
    PH_ERR_BAD_REQUEST,  /* the request itself is unusable (HTTP 400) */
    PH_ERR_UNAUTHORIZED, /* no valid credential (HTTP 401) */
    PH_ERR_FORBIDDEN,    /* a valid credential that may not do this (HTTP 403) */
    PH_ERR_NOT_FOUND,    /* HTTP 404 */
    PH_ERR_CONFLICT,     /* the thing's state forbids it (HTTP 409) */
    PH_ERR_INTERNAL      /* storage or memory failure; nothing stored (HTTP 500) */
} ph_status;

/* Every JSON the project writes uses these flags: 12 significant digits
 * print 171.4 as 171.4 (not 171.40000000000001) and are exact for money
 * below ten billion yuan with fen. */
#define PH_JSON_COMPACT (JSON_COMPACT | JSON_REAL_PRECISION(12))

/* Caps the list so that a hostile batch cannot make an unbounded answer. */
#define PH_PROBLEMS_MAX 200

struct ph_problems {
    json_t *items;         /* array of {code, field, message}; owned */
    char field_prefix[48]; /* prepended to every field added, e.g. "products[3]." */
    size_t dropped;        /* problems past PH_PROBLEMS_MAX, counted not kept */
};

void ph_problems_init(struct ph_problems *problems);
void ph_problems_release(struct ph_problems *problems);

/* Adds one problem. `field` may be NULL or "". The message is formatted
 * with vsnprintf and capped at 512 bytes. Allocation failures are absorbed
 * (the problem count still grows) so callers never need a second path. */
void ph_problems_add(struct ph_problems *problems, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

size_t ph_problems_count(const struct ph_problems *problems);

/* The first problem's code and field, or "internal" and "" when empty. */
const char *ph_problems_first_code(const struct ph_problems *problems);
const char *ph_problems_first_field(const struct ph_problems *problems);
const char *ph_problems_first_message(const struct ph_problems *problems);

/* {"status": http_status, "code", "field", "message", "errors": [...]}
 * wrapped as {"error": {...}}. Caller owns the result (json_decref). */
json_t *ph_problems_to_json(const struct ph_problems *problems, int http_status);

/* The HTTP status that matches a registry status. */
int ph_status_http(ph_status status);

#endif
