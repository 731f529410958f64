/*
 * registry/feed_source.c - what changed, for the Atom feeds (snapshot.h):
 * the newest transparency-log leaves about products or documents, joined
 * to the product they name for the filters. The log is the source because
 * it is the one complete, ordered record of every change; the leaf's own
 * bytes say what happened (version, reasons), the tables say what the
 * product is called and who sells it.
 */
#include "registry/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/internal.h"
#include "registry/rules.h"

void ph_feed_query_init(struct ph_feed_query *query)
{
    memset(query, 0, sizeof *query);
    query->kind = PH_FEED_PRODUCTS;
    query->limit = 50;
}

ph_status ph_feed_query_check(const struct ph_feed_query *query, struct ph_problems *problems)
{
    size_t before = ph_problems_count(problems);
    if (query->insurer_id < 0)
        ph_problems_add(problems, "number_range", "insurer", "保险公司编号应该是正整数。");
    if (query->category != NULL && !ph_enum_has(&ph_enum_category, query->category))
        ph_problems_add(problems, "enum_invalid", "category", "没有这个保险种类。");
    if (query->region != NULL && !ph_region_is_valid(query->region))
        ph_problems_add(problems, "region_invalid", "region",
                        "地区要用 6 位行政区划代码，例如 330100（杭州市）。");
    if (query->limit < 1 || query->limit > PH_FEED_ENTRIES_MAX)
        ph_problems_add(problems, "number_range", "limit", "条数应该在 1 到 %d 之间。", PH_FEED_ENTRIES_MAX);
    return ph_problems_count(problems) == before ? PH_OK : PH_ERR_INVALID;
}

/* The filters are fixed in shape, so the statement is one of a few texts;
 * absent filters bind values that match everything. */
static const char sql_feed[] =
    "SELECT l.idx, l.event, l.created_at, l.data, p.registration_no,"
    " COALESCE(json_extract(v.body, '$.name'), p.name), p.category, i.id, i.name, i.short_name"
    " FROM log_leaves l"
    " JOIN products p ON p.registration_no = json_extract(l.data, '$.registration_no')"
    " JOIN insurers i ON i.id = p.insurer_id"
    " LEFT JOIN product_versions v ON v.product_id = p.id AND v.version = json_extract(l.data, '$.version')"
    "   AND l.event IN ('product_registered', 'product_version_published')"
    " WHERE l.event IN (?1, ?2, ?3, ?4, ?5)"
    " AND (?6 = 0 OR p.insurer_id = ?6)"
    " AND (?7 IS NULL OR p.category = ?7)"
    " AND (?8 IS NULL OR EXISTS (SELECT 1 FROM product_regions r WHERE r.product_id = p.id"
    "      AND (r.region IN ('000000', ?8, ?9, ?10) OR r.region LIKE ?11)))"
    " ORDER BY l.idx DESC LIMIT ?12";

static const char *const product_events[5] = {"product_registered", "product_version_published",
                                              "product_withdrawn", "product_suspended", "product_reinstated"};
static const char *const document_events[5] = {"document_published", "document_version_published", "", "",
                                               ""};

static json_t *string_or_null(const json_t *value)
{
    return json_is_string(value) ? json_string(json_string_value(value)) : json_null();
}

static json_t *entry_json(sqlite3_stmt *stmt, enum ph_feed_kind kind)
{
    json_t *data = json_loadb(sqlite3_column_blob(stmt, 3), (size_t)sqlite3_column_bytes(stmt, 3), 0, NULL);
    if (data == NULL)
        return NULL;
    json_t *entry = json_object();
    json_object_set_new(entry, "log_index", json_integer(sqlite3_column_int64(stmt, 0)));
    json_object_set_new(entry, "event", json_string(ph_column_text(stmt, 1)));
    json_object_set_new(entry, "time", json_string(ph_column_text(stmt, 2)));
    json_object_set_new(entry, "registration_no", json_string(ph_column_text(stmt, 4)));
    json_t *version = json_object_get(data, "version");
    json_object_set_new(entry, "version",
                        json_is_integer(version) ? json_integer(json_integer_value(version)) : json_null());
    json_object_set_new(entry, "name", json_string(ph_column_text(stmt, 5)));
    json_object_set_new(entry, "category", json_string(ph_column_text(stmt, 6)));
    json_object_set_new(entry, "insurer",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)sqlite3_column_int64(stmt, 7), "name",
                                  ph_column_text(stmt, 8), "short_name", ph_column_text(stmt, 9)));
    json_t *reason = json_object_get(data, "change_reason");
    if (!json_is_string(reason))
        reason = json_object_get(data, "reason");
    json_object_set_new(entry, "reason", string_or_null(reason));
    json_object_set_new(entry, "date", string_or_null(json_object_get(data, "date")));
    if (kind == PH_FEED_DOCUMENTS) {
        json_object_set_new(entry, "document_no", string_or_null(json_object_get(data, "document_no")));
        json_object_set_new(entry, "title", string_or_null(json_object_get(data, "title")));
        json_object_set_new(entry, "type", string_or_null(json_object_get(data, "type")));
    }
    json_decref(data);
    return entry;
}

ph_status ph_feed_entries(struct ph_registry *reg, const struct ph_feed_query *query, json_t **out,
                          struct ph_problems *problems)
{
    *out = NULL;
    ph_status st = ph_feed_query_check(query, problems);
    if (st != PH_OK)
        return st;
    struct ph_region_units units = {"", "", ""};
    if (query->region != NULL)
        ph_region_units(query->region, &units);
    bool began = ph_read_begin(reg);
    int64_t log_size = 0;
    int64_t last_change = 0;
    st = ph_registry_state(reg, &log_size, &last_change, problems);
    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_feed, problems) : NULL;
    if (st == PH_OK && stmt == NULL)
        st = PH_ERR_INTERNAL;
    json_t *entries = json_array();
    if (stmt != NULL) {
        const char *const *events = query->kind == PH_FEED_DOCUMENTS ? document_events : product_events;
        for (int i = 0; i < 5; i++)
            sqlite3_bind_text(stmt, i + 1, events[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 6, query->insurer_id);
        if (query->category != NULL)
            sqlite3_bind_text(stmt, 7, query->category, -1, SQLITE_STATIC);
        if (query->region != NULL) {
            sqlite3_bind_text(stmt, 8, query->region, -1, SQLITE_STATIC);
            sqlite3_bind_text(stmt, 9, units.city, -1, SQLITE_STATIC);
            sqlite3_bind_text(stmt, 10, units.province, -1, SQLITE_STATIC);
            sqlite3_bind_text(stmt, 11, units.like, -1, SQLITE_STATIC);
        }
        sqlite3_bind_int(stmt, 12, query->limit);
        int rc = sqlite3_step(stmt);
        while (rc == SQLITE_ROW) {
            json_t *entry = entry_json(stmt, query->kind);
            if (entry != NULL)
                json_array_append_new(entries, entry);
            rc = sqlite3_step(stmt);
        }
        if (rc != SQLITE_DONE) {
            ph_db_problem(reg, problems, "feed entries");
            st = PH_ERR_INTERNAL;
        }
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
    ph_read_end(reg, began);
    if (st != PH_OK) {
        json_decref(entries);
        return st;
    }
    json_t *first = json_array_get(entries, 0);
    json_t *result = json_object();
    json_object_set_new(result, "log_size", json_integer(log_size));
    json_object_set_new(result, "updated",
                        first != NULL ? json_string(json_string_value(json_object_get(first, "time")))
                                      : json_null());
    json_object_set_new(result, "entries", entries);
    *out = result;
    return PH_OK;
}
