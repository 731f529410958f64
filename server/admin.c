/* server/admin.c - the operator's CLI. See admin.h. */
#include "server/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/demo.h"
#include "registry/registry.h"
#include "registry/search.h"
#include "server/plain_review.h"

const char ph_admin_usage[] =
    "Operator commands (print JSON; exit 0 done, 1 rejected and nothing changed, 2 usage):\n"
    "  puhui admin [--db FILE] insurer add --name NAME --short-name SHORT --uscc CODE\n"
    "              --type property|life|health|pension|agricultural --region CODE\n"
    "              [--website URL] [--hotline PHONE]\n"
    "  puhui admin [--db FILE] insurer list\n"
    "  puhui admin [--db FILE] insurer show ID\n"
    "  puhui admin [--db FILE] solvency record --insurer ID --quarter 2026Q3\n"
    "              --core-pct PCT --comprehensive-pct PCT --rating A|B|C|D\n"
    "  puhui admin [--db FILE] key issue --insurer ID     (the key is shown once)\n"
    "  puhui admin [--db FILE] key revoke --key-id ID\n"
    "  puhui admin [--db FILE] key list [--insurer ID]\n"
    "  puhui admin [--db FILE] product suspend REGISTRATION_NO --reason TEXT\n"
    "  puhui admin [--db FILE] product reinstate REGISTRATION_NO\n"
    "  puhui admin [--db FILE] product show REGISTRATION_NO\n"
    "  puhui admin [--db FILE] plain-report [--max-score N]\n"
    "              products whose texts are not plain Chinese (a11y/plain.h), worst first:\n"
    "              {count, items: [{registration_no, name, score, findings}]}; default 99\n"
    "  puhui admin [--db FILE] demo load                  (into an empty database)\n"
    "  puhui admin [--db FILE] check                      (PRAGMA integrity_check)\n";

#define MAX_OPTIONS    16
#define MAX_POSITIONAL 4

struct args {
    const char *db_path;
    const char *positional[MAX_POSITIONAL];
    size_t positional_count;
    const char *names[MAX_OPTIONS];
    const char *values[MAX_OPTIONS];
    size_t option_count;
};

static int usage_error(const char *what, const char *detail)
{
    fprintf(stderr, "puhui admin: %s%s%s\n\n%s", what, detail[0] != '\0' ? ": " : "", detail, ph_admin_usage);
    return 2;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    a->db_path = "puhui.db";
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            if (a->positional_count == MAX_POSITIONAL)
                return usage_error("too many arguments at", arg);
            a->positional[a->positional_count++] = arg;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("option needs a value", arg);
        if (strcmp(arg, "--db") == 0) {
            a->db_path = argv[++i];
            continue;
        }
        if (a->option_count == MAX_OPTIONS)
            return usage_error("too many options at", arg);
        a->names[a->option_count] = arg + 2;
        a->values[a->option_count] = argv[++i];
        a->option_count++;
    }
    return 0;
}

static const char *option(const struct args *a, const char *name)
{
    for (size_t i = 0; i < a->option_count; i++) {
        if (strcmp(a->names[i], name) == 0)
            return a->values[i];
    }
    return NULL;
}

/* Refuses options the command does not take, so that a typo is never
 * silently ignored. `allowed` is NULL-terminated. */
static int check_options(const struct args *a, const char *const *allowed)
{
    for (size_t i = 0; i < a->option_count; i++) {
        bool known = false;
        for (const char *const *p = allowed; *p != NULL; p++)
            known = known || strcmp(*p, a->names[i]) == 0;
        if (!known)
            return usage_error("unknown option for this command", a->names[i]);
    }
    return 0;
}

/* An option as a JSON number when it is one, else as the string given
 * (the registry then reports field_type with the field's name). */
static json_t *number_or_string(const char *text)
{
    if (text == NULL)
        return json_null();
    char *end = NULL;
    double value = strtod(text, &end);
    if (end != text && *end == '\0')
        return json_real(value);
    return json_string(text);
}

static bool parse_id(const char *text, int64_t *out)
{
    if (text == NULL || *text == '\0')
        return false;
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (*end != '\0' || value <= 0)
        return false;
    *out = value;
    return true;
}

static int print_result(ph_status st, json_t *value, const struct ph_problems *problems)
{
    if (st == PH_OK) {
        json_dumpf(value, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        fputc('\n', stdout);
        json_decref(value);
        return 0;
    }
    json_t *error = ph_problems_to_json(problems, ph_status_http(st));
    json_dumpf(error, stderr, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    fputc('\n', stderr);
    json_decref(error);
    return 1;
}

/* Rejected input before the database is touched: an id that is no id. */
static int reject(const char *code, const char *field, const char *message)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_problems_add(&problems, code, field, "%s", message);
    int rc = print_result(PH_ERR_INVALID, NULL, &problems);
    ph_problems_release(&problems);
    return rc;
}

static int run_insurer(struct ph_registry *reg, const struct args *a, struct ph_problems *problems)
{
    const char *verb = a->positional[1];
    json_t *out = NULL;
    if (verb != NULL && strcmp(verb, "add") == 0) {
        static const char *const allowed[] = {"name",   "short-name", "uscc",    "type",
                                              "region", "website",    "hotline", NULL};
        if (check_options(a, allowed) != 0)
            return 2;
        json_t *fields = json_object();
        static const char *const names[][2] = {
            {"name", "name"},     {"short-name", "short_name"}, {"uscc", "uscc"},      {"type", "type"},
            {"region", "region"}, {"website", "website"},       {"hotline", "hotline"}};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            const char *value = option(a, names[i][0]);
            if (value != NULL)
                json_object_set_new(fields, names[i][1], json_string(value));
        }
        ph_status st = ph_insurer_add(reg, fields, &out, problems);
        json_decref(fields);
        return print_result(st, out, problems);
    }
    if (verb != NULL && strcmp(verb, "list") == 0) {
        ph_status st = ph_insurer_list(reg, &out, problems);
        return print_result(st, out, problems);
    }
    if (verb != NULL && strcmp(verb, "show") == 0) {
        int64_t id = 0;
        if (!parse_id(a->positional[2], &id))
            return reject("insurer_not_found", "id", "请给出保险公司编号（正整数）。");
        ph_status st = ph_insurer_get(reg, id, &out, problems);
        return print_result(st, out, problems);
    }
    return usage_error("unknown insurer command", verb != NULL ? verb : "");
}

static int run_solvency(struct ph_registry *reg, const struct args *a, struct ph_problems *problems)
{
    static const char *const allowed[] = {"insurer",           "quarter", "core-pct",
                                          "comprehensive-pct", "rating",  NULL};
    if (a->positional[1] == NULL || strcmp(a->positional[1], "record") != 0)
        return usage_error("unknown solvency command", a->positional[1] != NULL ? a->positional[1] : "");
    if (check_options(a, allowed) != 0)
        return 2;
    int64_t insurer_id = 0;
    if (!parse_id(option(a, "insurer"), &insurer_id))
        return reject("insurer_not_found", "insurer", "请用 --insurer 给出保险公司编号（正整数）。");
    json_t *report = json_object();
    const char *quarter = option(a, "quarter");
    const char *rating = option(a, "rating");
    json_object_set_new(report, "quarter", quarter != NULL ? json_string(quarter) : json_null());
    json_object_set_new(report, "core_pct", number_or_string(option(a, "core-pct")));
    json_object_set_new(report, "comprehensive_pct", number_or_string(option(a, "comprehensive-pct")));
    json_object_set_new(report, "rating", rating != NULL ? json_string(rating) : json_null());
    json_t *out = NULL;
    ph_status st = ph_solvency_record(reg, insurer_id, report, &out, problems);
    json_decref(report);
    return print_result(st, out, problems);
}

static int run_key(struct ph_registry *reg, const struct args *a, struct ph_problems *problems)
{
    const char *verb = a->positional[1];
    json_t *out = NULL;
    static const char *const allowed[] = {"insurer", "key-id", NULL};
    if (check_options(a, allowed) != 0)
        return 2;
    int64_t id = 0;
    if (verb != NULL && strcmp(verb, "issue") == 0) {
        if (!parse_id(option(a, "insurer"), &id))
            return reject("insurer_not_found", "insurer", "请用 --insurer 给出保险公司编号（正整数）。");
        ph_status st = ph_key_issue(reg, id, &out, problems);
        return print_result(st, out, problems);
    }
    if (verb != NULL && strcmp(verb, "revoke") == 0) {
        if (!parse_id(option(a, "key-id"), &id))
            return reject("key_not_found", "key_id", "请用 --key-id 给出密钥编号（正整数）。");
        ph_status st = ph_key_revoke(reg, id, &out, problems);
        return print_result(st, out, problems);
    }
    if (verb != NULL && strcmp(verb, "list") == 0) {
        if (option(a, "insurer") != NULL && !parse_id(option(a, "insurer"), &id))
            return reject("insurer_not_found", "insurer", "保险公司编号应该是正整数。");
        ph_status st = ph_key_list(reg, id, &out, problems);
        return print_result(st, out, problems);
    }
    return usage_error("unknown key command", verb != NULL ? verb : "");
}

static int run_product(struct ph_registry *reg, const struct args *a, struct ph_problems *problems)
{
    const char *verb = a->positional[1];
    const char *regno = a->positional[2];
    static const char *const allowed[] = {"reason", NULL};
    if (check_options(a, allowed) != 0)
        return 2;
    if (verb == NULL || regno == NULL)
        return usage_error("product needs a command and a registration number", "");
    json_t *out = NULL;
    if (strcmp(verb, "suspend") == 0) {
        ph_status st = ph_product_suspend(reg, regno, option(a, "reason"), &out, problems);
        return print_result(st, out, problems);
    }
    if (strcmp(verb, "reinstate") == 0) {
        ph_status st = ph_product_reinstate(reg, regno, &out, problems);
        return print_result(st, out, problems);
    }
    if (strcmp(verb, "show") == 0) {
        ph_status st = ph_product_get(reg, regno, 0, &out, problems);
        return print_result(st, out, problems);
    }
    return usage_error("unknown product command", verb);
}

static int compare_scores(const void *a, const void *b)
{
    json_int_t sa = json_integer_value(json_object_get(*(json_t *const *)a, "score"));
    json_int_t sb = json_integer_value(json_object_get(*(json_t *const *)b, "score"));
    return sa < sb ? -1 : sa > sb;
}

/* Every product's latest texts through the plain-Chinese checker; the ones
 * scoring at most --max-score, worst first. */
static int run_plain_report(struct ph_registry *reg, const struct args *a, struct ph_problems *problems)
{
    static const char *const allowed[] = {"max-score", NULL};
    if (check_options(a, allowed) != 0)
        return 2;
    long max_score = 99;
    const char *text = option(a, "max-score");
    if (text != NULL) {
        char *end = NULL;
        max_score = strtol(text, &end, 10);
        if (*end != '\0' || max_score < 0 || max_score > 100)
            return usage_error("--max-score must be 0-100", text);
    }
    json_t *items = json_array();
    ph_status st = PH_OK;
    for (int page = 1; st == PH_OK; page++) {
        struct ph_search_query query;
        ph_search_query_init(&query);
        query.sort = PH_SORT_NEWEST;
        query.per_page = PH_SEARCH_PER_PAGE_MAX;
        query.page = page;
        json_t *found = NULL;
        st = ph_search_products(reg, &query, &found, problems);
        if (st != PH_OK)
            break;
        json_t *list = json_object_get(found, "items");
        size_t i;
        json_t *item;
        json_array_foreach (list, i, item) {
            const char *regno = json_string_value(json_object_get(item, "registration_no"));
            json_t *product = NULL;
            if (ph_product_get(reg, regno, 0, &product, problems) != PH_OK)
                continue;
            json_t *findings = json_array();
            int score = ph_plain_review_product(product, findings);
            if (score >= 0 && score <= max_score)
                json_array_append_new(items, json_pack("{s:s, s:O, s:i, s:o}", "registration_no", regno, "name",
                                                       json_object_get(product, "name"), "score", score,
                                                       "findings", findings));
            else
                json_decref(findings);
            json_decref(product);
        }
        bool last = json_array_size(list) < PH_SEARCH_PER_PAGE_MAX || page >= 10000;
        json_decref(found);
        if (last)
            break;
    }
    if (st != PH_OK) {
        json_decref(items);
        return print_result(st, NULL, problems);
    }
    size_t n = json_array_size(items);
    json_t **sorted = malloc((n + 1) * sizeof *sorted);
    json_t *worst_first = json_array();
    if (sorted != NULL) {
        for (size_t i = 0; i < n; i++)
            sorted[i] = json_array_get(items, i);
        qsort(sorted, n, sizeof *sorted, compare_scores);
        for (size_t i = 0; i < n; i++)
            json_array_append(worst_first, sorted[i]);
        free(sorted);
    }
    json_decref(items);
    return print_result(PH_OK, json_pack("{s:I, s:i, s:o}", "count", (json_int_t)json_array_size(worst_first),
                                         "max_score", (int)max_score, "items", worst_first),
                        problems);
}

int ph_admin_main(int argc, char **argv)
{
    struct args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    const char *noun = a.positional[0];
    if (noun == NULL)
        return usage_error("missing command", "");
    static const char *const nouns[] = {"insurer", "solvency", "key", "product", "demo", "check", "plain-report"};
    bool known = false;
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        known = known || strcmp(noun, nouns[i]) == 0;
    if (!known)
        return usage_error("unknown command", noun);

    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_registry *reg = NULL;
    ph_status st = ph_registry_open(a.db_path, PH_OPEN_READ_WRITE, &reg, &problems);
    if (st != PH_OK) {
        rc = print_result(st, NULL, &problems);
        ph_problems_release(&problems);
        return rc;
    }
    json_t *out = NULL;
    if (strcmp(noun, "insurer") == 0)
        rc = run_insurer(reg, &a, &problems);
    else if (strcmp(noun, "solvency") == 0)
        rc = run_solvency(reg, &a, &problems);
    else if (strcmp(noun, "key") == 0)
        rc = run_key(reg, &a, &problems);
    else if (strcmp(noun, "product") == 0)
        rc = run_product(reg, &a, &problems);
    else if (strcmp(noun, "plain-report") == 0)
        rc = run_plain_report(reg, &a, &problems);
    else if (strcmp(noun, "demo") == 0) {
        st = ph_demo_load(reg, &out, &problems);
        rc = print_result(st, out, &problems);
    } else {
        st = ph_registry_check_integrity(reg, &problems);
        rc = print_result(st, st == PH_OK ? json_pack("{s:s}", "integrity_check", "ok") : NULL, &problems);
    }
    ph_registry_close(reg);
    ph_problems_release(&problems);
    return rc;
}
