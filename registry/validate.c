/*
 * registry/validate.c - the rule-table walker. See validate.h.
 */
#include "registry/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/text.h"

typedef struct ph_field_rule rule_t;

static void join_path(char *out, size_t size, const char *parent, const char *name)
{
    if (parent[0] == '\0')
        snprintf(out, size, "%s", name);
    else
        snprintf(out, size, "%s.%s", parent, name);
}

static const char *type_name_zh(enum ph_field_kind kind)
{
    switch (kind) {
    case K_INT:
        return "整数";
    case K_NUMBER:
        return "数字";
    case K_BOOL:
        return "true 或 false";
    case K_ENUM_LIST:
    case K_STRING_LIST:
    case K_REGIONS:
        return "列表（数组）";
    case K_OBJECT:
        return "对象";
    default:
        return "文字（字符串）";
    }
}

static void type_problem(struct ph_problems *problems, const rule_t *r, const char *path)
{
    ph_problems_add(problems, "field_type", path, "「%s」（%s）的格式不对，应该是%s。", r->label_zh, path,
                    type_name_zh(r->kind));
}

/* Validates one string value; returns a new trimmed json string or NULL. */
static json_t *check_string(struct ph_problems *problems, const rule_t *r, const char *path,
                            const json_t *value, size_t min_chars, size_t max_chars, bool multiline)
{
    if (!json_is_string(value)) {
        type_problem(problems, r, path);
        return NULL;
    }
    const char *raw = json_string_value(value);
    size_t raw_len = json_string_length(value);
    if (ph_text_has_control_chars(raw, raw_len, multiline)) {
        ph_problems_add(problems, "string_control_chars", path,
                        "「%s」（%s）里有看不见的控制字符，请删掉后再提交。", r->label_zh, path);
        return NULL;
    }
    size_t trimmed_len = 0;
    char *trimmed = ph_text_trim_dup(raw, raw_len, &trimmed_len);
    if (trimmed == NULL) {
        ph_problems_add(problems, "internal", path, "服务器内存不足，请稍后再试。");
        return NULL;
    }
    size_t chars = ph_text_length_chars(trimmed, trimmed_len);
    if (chars < min_chars || chars > max_chars) {
        ph_problems_add(problems, "string_length", path,
                        "「%s」（%s）应该是 %zu 到 %zu 个字，现在是 %zu 个字。", r->label_zh, path, min_chars,
                        max_chars, chars);
        free(trimmed);
        return NULL;
    }
    json_t *out = json_stringn(trimmed, trimmed_len);
    free(trimmed);
    return out;
}

/* A string that must also pass a predicate of rules.h. */
static json_t *check_shaped_string(struct ph_problems *problems, const rule_t *r, const char *path,
                                   const json_t *value, bool (*is_valid)(const char *), const char *code,
                                   const char *hint)
{
    json_t *s = check_string(problems, r, path, value, 1, r->max > 0 ? (size_t)r->max : 64, false);
    if (s == NULL)
        return NULL;
    if (!is_valid(json_string_value(s))) {
        ph_problems_add(problems, code, path, "「%s」（%s）%s", r->label_zh, path, hint);
        json_decref(s);
        return NULL;
    }
    return s;
}

static bool number_value(const json_t *value, double *out)
{
    if (json_is_integer(value)) {
        *out = (double)json_integer_value(value);
        return true;
    }
    if (json_is_real(value)) {
        *out = json_real_value(value);
        return isfinite(*out);
    }
    return false;
}

static bool has_at_most_decimals(double x, int decimals)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return strtod(buf, NULL) == x;
}

/* Integral values become JSON integers so that 100 and 100.0 are stored alike. */
static json_t *canonical_number(double x)
{
    if (x == floor(x) && fabs(x) < 9e15)
        return json_integer((json_int_t)x);
    return json_real(x);
}

static json_t *check_number(struct ph_problems *problems, const rule_t *r, const char *path,
                            const json_t *value)
{
    double x;
    if (!number_value(value, &x) || (r->kind == K_INT && x != floor(x))) {
        type_problem(problems, r, path);
        return NULL;
    }
    bool below = r->min_exclusive ? x <= r->min : x < r->min;
    if (below || x > r->max) {
        ph_problems_add(problems, "number_range", path, "「%s」（%s）应该%s %g、不超过 %g，现在是 %g。",
                        r->label_zh, path, r->min_exclusive ? "大于" : "不小于", r->min, r->max, x);
        return NULL;
    }
    if (r->kind == K_NUMBER && !has_at_most_decimals(x, r->decimals)) {
        ph_problems_add(problems, "number_range", path, "「%s」（%s）最多只能有 %d 位小数。", r->label_zh,
                        path, r->decimals);
        return NULL;
    }
    return canonical_number(x);
}

static json_t *check_enum(struct ph_problems *problems, const rule_t *r, const char *path,
                          const json_t *value)
{
    if (!json_is_string(value)) {
        type_problem(problems, r, path);
        return NULL;
    }
    if (!ph_enum_has(r->values, json_string_value(value))) {
        char allowed[256];
        ph_enum_list_text(r->values, allowed, sizeof allowed);
        ph_problems_add(problems, "enum_invalid", path, "「%s」（%s）只能是这些值之一：%s。", r->label_zh,
                        path, allowed);
        return NULL;
    }
    return json_string(json_string_value(value));
}

bool ph_json_list_has_string(const json_t *list, const char *s)
{
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        if (strcmp(json_string_value(item), s) == 0)
            return true;
    }
    return false;
}

static json_t *check_region(struct ph_problems *problems, const rule_t *r, const char *path,
                            const json_t *value)
{
    if (!json_is_string(value)) {
        type_problem(problems, r, path);
        return NULL;
    }
    if (!ph_region_is_valid(json_string_value(value))) {
        ph_problems_add(problems, "region_invalid", path,
                        "「%s」（%s）里的“%.12s”不是有效的行政区划代码。请用 6 位数字代码，"
                        "例如 330000（浙江省）、330100（杭州市），全国用 000000。",
                        r->label_zh, path, json_string_value(value));
        return NULL;
    }
    return json_string(json_string_value(value));
}

static json_t *check_uscc(struct ph_problems *problems, const rule_t *r, const char *path,
                          const json_t *value)
{
    json_t *s = check_string(problems, r, path, value, 1, 64, false);
    if (s == NULL)
        return NULL;
    /* 18 characters may be more than 18 bytes: only ASCII can be a code. */
    char upper[19] = "";
    const char *given = json_string_value(s);
    bool ascii = json_string_length(s) == 18;
    for (size_t i = 0; ascii && i < 19; i++)
        upper[i] = (given[i] >= 'a' && given[i] <= 'z') ? (char)(given[i] - 'a' + 'A') : given[i];
    json_decref(s);
    if (!ascii || !ph_uscc_is_valid(upper)) {
        ph_problems_add(problems, "uscc_invalid", path,
                        "「%s」（%s）不是有效的统一社会信用代码：应为 18 位，最后一位校验码要符合"
                        " GB 32100-2015。请对照营业执照核对。",
                        r->label_zh, path);
        return NULL;
    }
    return json_string(upper);
}

/* Lists of enums, regions or sentences: type, length, each item, uniqueness. */
static json_t *check_list(struct ph_problems *problems, const rule_t *r, const char *path,
                          const json_t *value)
{
    if (!json_is_array(value)) {
        type_problem(problems, r, path);
        return NULL;
    }
    size_t n = json_array_size(value);
    if (n < r->items_min || n > r->items_max) {
        ph_problems_add(problems, "list_length", path, "「%s」（%s）应该有 %zu 到 %zu 项，现在有 %zu 项。",
                        r->label_zh, path, r->items_min, r->items_max, n);
        return NULL;
    }
    json_t *out = json_array();
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char item_path[160];
        snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
        const json_t *item = json_array_get(value, i);
        json_t *checked;
        if (r->kind == K_ENUM_LIST)
            checked = check_enum(problems, r, item_path, item);
        else if (r->kind == K_STRING_LIST)
            checked = check_string(problems, r, item_path, item, (size_t)r->min, (size_t)r->max, false);
        else
            checked = check_region(problems, r, item_path, item);
        if (checked == NULL) {
            json_decref(out);
            return NULL;
        }
        if (r->kind != K_STRING_LIST && ph_json_list_has_string(out, json_string_value(checked))) {
            ph_problems_add(problems, "list_duplicate", item_path, "「%s」（%s）里“%s”重复了。", r->label_zh,
                            item_path, json_string_value(checked));
            json_decref(checked);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, checked);
    }
    if (r->kind == K_REGIONS && n > 1 && ph_json_list_has_string(out, "000000")) {
        ph_problems_add(problems, "region_conflict", path,
                        "「%s」（%s）选了全国（000000），就不要再列其他地区。", r->label_zh, path);
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *ph_validate_value(const rule_t *r, const char *path, const json_t *value,
                          struct ph_problems *problems)
{
    switch (r->kind) {
    case K_STRING:
    case K_TEXT:
        return check_string(problems, r, path, value, (size_t)r->min, (size_t)r->max, r->kind == K_TEXT);
    case K_URL:
        return check_shaped_string(problems, r, path, value, ph_url_is_valid, "url_invalid",
                                   "不是有效的网址，应该以 https:// 开头，不能有空格。");
    case K_HOTLINE:
        return check_shaped_string(problems, r, path, value, ph_hotline_is_valid, "hotline_invalid",
                                   "不是有效的电话号码。只能用数字和“-”，3 到 20 位，"
                                   "例如 95500 或 400-800-1234。");
    case K_QUARTER:
        return check_shaped_string(problems, r, path, value, ph_quarter_is_valid, "quarter_invalid",
                                   "应该写成“年份Q季度”，例如 2026Q3。");
    case K_RATING:
        return check_shaped_string(problems, r, path, value, ph_rating_is_valid, "enum_invalid",
                                   "只能是 A、B、C、D 之一。");
    case K_DATE:
        return check_shaped_string(problems, r, path, value, ph_date_is_valid, "date_invalid",
                                   "应该是 2000 到 2100 年之间真实存在的日期，写成 2026-05-29 的样子。");
    case K_USCC:
        return check_uscc(problems, r, path, value);
    case K_REGION:
        return check_region(problems, r, path, value);
    case K_INT:
    case K_NUMBER:
        return check_number(problems, r, path, value);
    case K_BOOL:
        if (!json_is_boolean(value)) {
            type_problem(problems, r, path);
            return NULL;
        }
        return json_boolean(json_is_true(value));
    case K_ENUM:
        return check_enum(problems, r, path, value);
    case K_ENUM_LIST:
    case K_STRING_LIST:
    case K_REGIONS:
        return check_list(problems, r, path, value);
    case K_OBJECT:
        return ph_validate_object(r->fields, path, value, NULL, problems);
    }
    return NULL;
}

static const rule_t *find_rule(const rule_t *rules, const char *name)
{
    for (const rule_t *r = rules; r->name != NULL; r++) {
        if (strcmp(r->name, name) == 0)
            return r;
    }
    return NULL;
}

static bool name_in(const char *const *names, const char *name)
{
    for (; names != NULL && *names != NULL; names++) {
        if (strcmp(*names, name) == 0)
            return true;
    }
    return false;
}

/* An optional text field sent as "" or white space means "not given". */
static bool is_blank_string(const json_t *value)
{
    if (!json_is_string(value))
        return false;
    size_t len = 0;
    char *trimmed = ph_text_trim_dup(json_string_value(value), json_string_length(value), &len);
    free(trimmed);
    return trimmed != NULL && len == 0;
}

/* Walks every field even after a failure so that the sender hears about
 * all problems at once. */
json_t *ph_validate_object(const rule_t *rules, const char *path, const json_t *value,
                           const char *const *extra_allowed, struct ph_problems *problems)
{
    if (!json_is_object(value)) {
        ph_problems_add(problems, "field_type", path[0] ? path : "", "「%s」的格式不对，应该是对象。",
                        path[0] ? path : "请求内容");
        return NULL;
    }
    size_t before = ph_problems_count(problems);
    const char *key;
    json_t *item;
    json_object_foreach ((json_t *)value, key, item) {
        if (find_rule(rules, key) != NULL || name_in(extra_allowed, key))
            continue;
        char field_path[160];
        join_path(field_path, sizeof field_path, path, key);
        ph_problems_add(problems, "field_unknown", field_path,
                        "没有“%.40s”这一项，请检查名字是否拼错（见 /api/v1/openapi.json）。", key);
    }

    json_t *out = json_object();
    for (const rule_t *r = rules; r->name != NULL; r++) {
        char field_path[160];
        join_path(field_path, sizeof field_path, path, r->name);
        json_t *given = json_object_get(value, r->name);
        if (!r->required && is_blank_string(given))
            given = NULL;
        if (given == NULL || json_is_null(given)) {
            if (r->required) {
                ph_problems_add(problems, "field_required", field_path, "请填写「%s」（%s）。", r->label_zh,
                                field_path);
                continue;
            }
            bool is_list = r->kind == K_STRING_LIST || r->kind == K_ENUM_LIST;
            json_object_set_new(out, r->name, is_list ? json_array() : json_null());
            continue;
        }
        json_t *checked = ph_validate_value(r, field_path, given, problems);
        if (checked != NULL)
            json_object_set_new(out, r->name, checked);
    }
    if (out == NULL || ph_problems_count(problems) != before) {
        json_decref(out);
        return NULL;
    }
    return out;
}

const char *ph_rules_label(const rule_t *rules, const char *name)
{
    for (const rule_t *r = rules; r->name != NULL; r++) {
        if (strcmp(r->name, name) == 0)
            return r->label_zh;
        if (r->kind == K_OBJECT) {
            const char *nested = ph_rules_label(r->fields, name);
            if (nested != NULL)
                return nested;
        }
    }
    return NULL;
}
