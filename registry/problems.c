/* registry/problems.c - see problems.h. */
#include "registry/problems.h"

#include <stdarg.h>
#include <stdio.h>

void ph_problems_init(struct ph_problems *problems)
{
    problems->items = json_array();
    problems->field_prefix[0] = '\0';
    problems->dropped = 0;
}

void ph_problems_release(struct ph_problems *problems)
{
    json_decref(problems->items);
    problems->items = NULL;
}

void ph_problems_add(struct ph_problems *problems, const char *code, const char *field, const char *fmt, ...)
{
    if (json_array_size(problems->items) >= PH_PROBLEMS_MAX || problems->items == NULL) {
        problems->dropped++;
        return;
    }
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);

    char full_field[256];
    if (field == NULL || field[0] == '\0')
        full_field[0] = '\0';
    else
        snprintf(full_field, sizeof full_field, "%s%s", problems->field_prefix, field);

    json_t *item = json_pack("{s:s, s:s, s:s}", "code", code, "field", full_field, "message", message);
    if (item == NULL || json_array_append_new(problems->items, item) != 0)
        problems->dropped++;
}

size_t ph_problems_count(const struct ph_problems *problems)
{
    return json_array_size(problems->items) + problems->dropped;
}

static const char *first_string(const struct ph_problems *problems, const char *key, const char *fallback)
{
    json_t *first = json_array_get(problems->items, 0);
    const char *value = json_string_value(json_object_get(first, key));
    return value != NULL ? value : fallback;
}

const char *ph_problems_first_code(const struct ph_problems *problems)
{
    return first_string(problems, "code", "internal");
}

const char *ph_problems_first_field(const struct ph_problems *problems)
{
    return first_string(problems, "field", "");
}

const char *ph_problems_first_message(const struct ph_problems *problems)
{
    return first_string(problems, "message", "服务器出了点问题，您提交的内容没有保存。请稍后再试。");
}

json_t *ph_problems_to_json(const struct ph_problems *problems, int http_status)
{
    json_t *errors = json_deep_copy(problems->items);
    if (errors == NULL)
        errors = json_array();
    return json_pack("{s:{s:i, s:s, s:s, s:s, s:o, s:I}}", "error", "status", http_status, "code",
                     ph_problems_first_code(problems), "field", ph_problems_first_field(problems), "message",
                     ph_problems_first_message(problems), "errors", errors, "count",
                     (json_int_t)ph_problems_count(problems));
}

int ph_status_http(ph_status status)
{
    switch (status) {
    case PH_OK:
        return 200;
    case PH_ERR_INVALID:
        return 422;
    case PH_ERR_BAD_REQUEST:
        return 400;
    case PH_ERR_UNAUTHORIZED:
        return 401;
    case PH_ERR_FORBIDDEN:
        return 403;
    case PH_ERR_NOT_FOUND:
        return 404;
    case PH_ERR_CONFLICT:
        return 409;
    case PH_ERR_INTERNAL:
        break;
    }
    return 500;
}
