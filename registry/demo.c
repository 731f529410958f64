/* registry/demo.c - loading the demo dataset. See demo.h. */
#include "registry/demo.h"

#include <stdio.h>
#include <string.h>

#include "registry/internal.h"

extern const unsigned char ph_demo_json[];
extern const size_t ph_demo_json_len;

static ph_status registry_is_empty(struct ph_registry *reg, struct ph_problems *problems)
{
    static const char sql[] = "SELECT COUNT(*) FROM insurers";
    sqlite3_stmt *stmt = ph_stmt(reg, sql, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    int64_t count = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_reset(stmt);
    if (count == 0)
        return PH_OK;
    ph_problems_add(problems, "demo_already_loaded", "", "数据库里已经有数据，没有再次载入演示数据。");
    return PH_ERR_CONFLICT;
}

/* Names the failing demo record so that a broken dataset is easy to mend. */
static ph_status fail_at(struct ph_problems *problems, ph_status st, const char *what, size_t index)
{
    fprintf(stderr, "puhui: demo data: %s #%zu: %s (%s) %s\n", what, index, ph_problems_first_code(problems),
            ph_problems_first_field(problems), ph_problems_first_message(problems));
    return st;
}

static ph_status load_insurers(struct ph_registry *reg, const json_t *insurers, json_t *ids, json_t *keys,
                               struct ph_problems *problems)
{
    size_t i;
    json_t *item;
    json_array_foreach (insurers, i, item) {
        json_t *fields = json_deep_copy(item);
        json_object_del(fields, "key");
        json_object_del(fields, "solvency");
        json_t *added = NULL;
        ph_status st = ph_insurer_add(reg, fields, &added, problems);
        json_decref(fields);
        if (st != PH_OK)
            return fail_at(problems, st, "insurer", i);
        json_int_t id = json_integer_value(json_object_get(added, "id"));
        json_object_set_new(ids, json_string_value(json_object_get(item, "key")), json_integer(id));

        json_t *report = NULL;
        st = ph_solvency_record(reg, id, json_array_get(json_object_get(item, "solvency"), 0), &report,
                                problems);
        json_decref(report);
        json_t *key = NULL;
        if (st == PH_OK)
            st = ph_key_issue(reg, id, &key, problems);
        if (st != PH_OK) {
            json_decref(added);
            return fail_at(problems, st, "insurer solvency or key", i);
        }
        json_array_append_new(keys, json_pack("{s:I, s:O, s:O}", "insurer_id", id, "short_name",
                                              json_object_get(added, "short_name"), "key",
                                              json_object_get(key, "key")));
        json_decref(key);
        json_decref(added);
    }
    return PH_OK;
}

/* A demo document: {type, title, content, period?, days_before_load,
 * updates: [{title, content, change_reason}]}. Dated relative to the load
 * day, like withdrawals. */
static ph_status load_document(struct ph_registry *reg, int64_t insurer_id, const char *regno,
                               const json_t *doc, struct ph_problems *problems)
{
    char date[16];
    ph_date_china_after_days(-json_integer_value(json_object_get(doc, "days_before_load")), date);
    json_t *body = json_deep_copy(doc);
    json_object_del(body, "days_before_load");
    json_object_del(body, "updates");
    json_object_set_new(body, "published_on", json_string(date));
    json_t *result = NULL;
    ph_status st = ph_document_publish(reg, insurer_id, regno, body, &result, problems);
    json_decref(body);
    char document_no[32] = "";
    if (st == PH_OK)
        snprintf(document_no, sizeof document_no, "%s",
                 json_string_value(json_object_get(result, "document_no")));
    json_decref(result);
    size_t u;
    const json_t *update;
    json_array_foreach (json_object_get(doc, "updates"), u, update) {
        if (st != PH_OK)
            break;
        /* Later versions come out later, still before the load day. */
        int64_t days = json_integer_value(json_object_get(doc, "days_before_load")) *
                       (int64_t)(json_array_size(json_object_get(doc, "updates")) - u) /
                       (int64_t)(json_array_size(json_object_get(doc, "updates")) + 1);
        ph_date_china_after_days(-days, date);
        body = json_deep_copy(update);
        json_object_set_new(body, "published_on", json_string(date));
        st = ph_document_update(reg, insurer_id, document_no, body, &result, problems);
        json_decref(body);
        json_decref(result);
    }
    return st;
}

static ph_status load_product(struct ph_registry *reg, const json_t *item, int64_t insurer_id,
                              size_t *versions, struct ph_problems *problems)
{
    const json_t *bodies = json_object_get(item, "versions");
    json_t *result = NULL;
    ph_status st = ph_product_register(reg, insurer_id, json_array_get(bodies, 0), &result, problems);
    if (st != PH_OK)
        return st;
    char regno[32];
    snprintf(regno, sizeof regno, "%s", json_string_value(json_object_get(result, "registration_no")));
    json_decref(result);
    (*versions)++;
    for (size_t v = 1; v < json_array_size(bodies) && st == PH_OK; v++) {
        st = ph_product_update(reg, insurer_id, regno, json_array_get(bodies, v), &result, problems);
        json_decref(result);
        (*versions)++;
    }
    size_t d;
    const json_t *doc;
    json_array_foreach (json_object_get(item, "documents"), d, doc) {
        if (st != PH_OK)
            break;
        st = load_document(reg, insurer_id, regno, doc, problems);
    }
    const json_t *withdraw = json_object_get(item, "withdraw");
    if (st == PH_OK && withdraw != NULL) {
        /* Dated relative to the load day: the registry refuses a stop-sale
         * date before the product's registration, which is today. */
        char date[16];
        ph_date_china_after_days(json_integer_value(json_object_get(withdraw, "days_after_load")), date);
        json_t *body = json_pack("{s:s, s:O}", "date", date, "reason", json_object_get(withdraw, "reason"));
        st = ph_product_withdraw(reg, insurer_id, regno, body, &result, problems);
        json_decref(body);
        json_decref(result);
    }
    const json_t *suspend = json_object_get(item, "suspend");
    if (st == PH_OK && suspend != NULL) {
        st = ph_product_suspend(reg, regno, json_string_value(json_object_get(suspend, "reason")), &result,
                                problems);
        json_decref(result);
    }
    return st;
}

ph_status ph_demo_load_json(struct ph_registry *reg, const json_t *dataset, json_t **out,
                            struct ph_problems *problems)
{
    *out = NULL;
    ph_status st = registry_is_empty(reg, problems);
    if (st != PH_OK)
        return st;
    /* One enclosing transaction: the demo loads all or nothing, and with a
     * single sync. The registry functions nest as savepoints inside it. */
    if (ph_tx_begin(reg, problems) != PH_OK)
        return PH_ERR_INTERNAL;
    const json_t *insurers = json_object_get(dataset, "insurers");
    const json_t *products = json_object_get(dataset, "products");
    json_t *ids = json_object();
    json_t *keys = json_array();
    st = load_insurers(reg, insurers, ids, keys, problems);
    size_t versions = 0;
    size_t i;
    json_t *item;
    json_array_foreach (products, i, item) {
        if (st != PH_OK)
            break;
        const char *insurer_key = json_string_value(json_object_get(item, "insurer"));
        json_int_t insurer_id = json_integer_value(json_object_get(ids, insurer_key ? insurer_key : ""));
        st = load_product(reg, item, insurer_id, &versions, problems);
        if (st != PH_OK)
            st = fail_at(problems, st, "product", i);
    }
    json_array_foreach (insurers, i, item) {
        if (st != PH_OK)
            break;
        const json_t *reports = json_object_get(item, "solvency");
        json_int_t id =
            json_integer_value(json_object_get(ids, json_string_value(json_object_get(item, "key"))));
        for (size_t r = 1; r < json_array_size(reports) && st == PH_OK; r++) {
            json_t *report = NULL;
            st = ph_solvency_record(reg, id, json_array_get(reports, r), &report, problems);
            json_decref(report);
        }
        if (st != PH_OK)
            st = fail_at(problems, st, "later solvency report", i);
    }
    if (st == PH_OK)
        st = ph_tx_commit(reg, problems);
    else
        ph_tx_rollback(reg);
    if (st == PH_OK)
        *out =
            json_pack("{s:I, s:I, s:I, s:O}", "insurers", (json_int_t)json_array_size(insurers), "products",
                      (json_int_t)json_array_size(products), "versions", (json_int_t)versions, "keys", keys);
    json_decref(ids);
    json_decref(keys);
    return st;
}

ph_status ph_demo_load(struct ph_registry *reg, json_t **out, struct ph_problems *problems)
{
    json_error_t error;
    json_t *dataset =
        json_loadb((const char *)ph_demo_json, ph_demo_json_len, JSON_REJECT_DUPLICATES, &error);
    if (dataset == NULL) {
        ph_problems_add(problems, "internal", "", "演示数据损坏（第 %d 行）：%s", error.line, error.text);
        return PH_ERR_INTERNAL;
    }
    ph_status st = ph_demo_load_json(reg, dataset, out, problems);
    json_decref(dataset);
    return st;
}
