/*
 * tests/bench/bench_search.c - the search benchmark, in-process (issue 3,
 * acceptance point 4). Not a test: nothing here is registered with ctest.
 *
 *   bench_search DB_PATH RELEVANCE_JSON [--products 50000] [--rounds 20]
 *                [--budget-s 120] [--no-rebuild] [--no-profile] [--register-only]
 *                [--cache-mb N]
 *
 * 1. Creates a fresh registry at DB_PATH (it must not exist), loads the demo
 *    dataset, adds bench insurers with adequate solvency, and registers
 *    --products variants of the 64 demo products through
 *    ph_product_register_batch (1,000 per batch, one transaction each, index
 *    rows written in the same transaction): names combine cities, 示范-style
 *    words and numbers; places in the text follow the product's city; the
 *    sentences of two products of the same category are mixed; ages,
 *    premiums, groups, regions and some numbers in the text vary.
 * 2. Measures the FTS5 index on its own: 'rebuild' of product_search inside
 *    a transaction that is rolled back (the searches below run on the index
 *    as registration built it), and the index size (dbstat) relative to the
 *    bytes of text it indexes.
 * 3. Runs every relevance query (q and filters, per_page 20) through
 *    ph_search_products: one warm-up round, then --rounds rounds (fewer if
 *    the warm-up round says they would take longer than --budget-s), and a
 *    few listings without text. Then one more round with SQLite statement
 *    tracing, which splits each search into count, page, facets and
 *    relaxation probes, and EXPLAIN QUERY PLAN of the slowest statements.
 *    Then the same queries with the server's answer cache (search_cache.h):
 *    one round that fills it, and --rounds rounds answered from it.
 *
 * Prints one JSON document on stdout; progress goes to stderr. Includes
 * registry/internal.h for the connection (reg->db) only: the rebuild, the
 * sizes and the tracing need SQL on the registry's own connection, where
 * the puhui tokenizer is registered.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "registry/demo.h"
#include "registry/internal.h"
#include "registry/product_validate.h"
#include "registry/registry.h"
#include "registry/rules.h"
#include "registry/search.h"
#include "registry/search_cache.h"

#define BENCH_NAME "bench_search"
#define BENCH_USAGE                                                                                          \
    "DB_PATH RELEVANCE_JSON [--products 50000] [--rounds 20] [--budget-s 120] [--no-rebuild] "               \
    "[--no-profile] [--register-only] [--cache-mb N]"
#include "bench_util.h"

#define BATCH_SIZE       1000
#define DEMO_MAX         128
#define QUERIES_MAX      512
#define ROUNDS_MAX       100
#define SLOWEST_REPORTED 10

/* --- the variation material ------------------------------------------------ */

static const struct {
    const char *name;
    const char *code;
} cities[] = {
    {"杭州", "330100"}, {"宁波", "330200"},   {"温州", "330300"}, {"南京", "320100"}, {"苏州", "320500"},
    {"广州", "440100"}, {"深圳", "440300"},   {"成都", "510100"}, {"武汉", "420100"}, {"西安", "610100"},
    {"长沙", "430100"}, {"郑州", "410100"},   {"济南", "370100"}, {"青岛", "370200"}, {"福州", "350100"},
    {"厦门", "350200"}, {"合肥", "340100"},   {"南昌", "360100"}, {"昆明", "530100"}, {"贵阳", "520100"},
    {"南宁", "450100"}, {"哈尔滨", "230100"}, {"长春", "220100"}, {"沈阳", "210100"}, {"石家庄", "130100"},
    {"太原", "140100"}, {"兰州", "620100"},   {"西宁", "630100"}, {"银川", "640100"}, {"乌鲁木齐", "650100"},
    {"拉萨", "540100"}, {"海口", "460100"},   {"北京", "110000"}, {"上海", "310000"}, {"天津", "120000"},
    {"重庆", "500000"}, {"无锡", "320200"},   {"绍兴", "330600"}, {"佛山", "440600"}, {"大连", "210200"},
};
#define CITY_COUNT (sizeof cities / sizeof cities[0])

/* Places the demo texts name; each is replaced by the variant's city. The
 * longer names come first so that 杭州市 is not read as 杭州 + 市 twice. */
static const char *const places[] = {
    "内蒙古", "黑龙江", "乌鲁木齐", "哈尔滨", "石家庄", "北京", "天津", "河北", "山西", "辽宁", "吉林",
    "上海",   "江苏",   "浙江",     "安徽",   "福建",   "江西", "山东", "河南", "湖北", "湖南", "广东",
    "广西",   "海南",   "重庆",     "四川",   "贵州",   "云南", "西藏", "陕西", "甘肃", "青海", "宁夏",
    "新疆",   "杭州",   "宁波",     "温州",   "南京",   "苏州", "广州", "深圳", "成都", "武汉", "西安",
    "长沙",   "郑州",   "济南",     "青岛",   "福州",   "厦门", "合肥", "南昌", "昆明", "贵阳", "南宁",
    "长春",   "沈阳",   "太原",     "兰州",   "西宁",   "银川", "拉萨", "海口",
};
static const char *const place_units[] = {"壮族自治区", "维吾尔自治区", "回族自治区", "自治区", "省", "市"};

static const char *const name_words[] = {"示范",   "演示",   "样例",   "试点",   "普惠版", "惠民版",
                                         "家庭版", "长者版", "升级版", "专属版", "城乡版", "新市民版",
                                         "安心版", "关爱版", "优选版", "基础版"};

struct demo {
    json_t *bodies[DEMO_MAX];
    char core[DEMO_MAX][256]; /* the name without place, year and bracketed note */
    size_t count;
};

/* Replaces every place name (with its unit word) by the city. */
static void replace_places(const char *in, const char *city, struct buf *out)
{
    buf_reset(out);
    const char *p = in;
    while (*p != '\0') {
        size_t matched = 0;
        for (size_t k = 0; k < sizeof places / sizeof places[0] && matched == 0; k++) {
            size_t n = strlen(places[k]);
            if (strncmp(p, places[k], n) == 0)
                matched = n;
        }
        if (matched == 0) {
            buf_addn(out, p, 1);
            p++;
            continue;
        }
        bool unit = false;
        for (size_t u = 0; u < sizeof place_units / sizeof place_units[0] && !unit; u++) {
            size_t n = strlen(place_units[u]);
            if (strncmp(p + matched, place_units[u], n) == 0) {
                matched += n;
                unit = true;
            }
        }
        buf_add(out, "%s%s", city, unit && city[0] != '\0' ? "市" : "");
        p += matched;
    }
}

static json_t *text_json(const char *in, const char *city, struct rng *r)
{
    static struct buf placed;
    static struct buf varied;
    replace_places(in, city, &placed);
    buf_reset(&varied);
    vary_numbers(placed.data, r, &varied, false);
    if (placed.overflow || varied.overflow)
        return json_string(in);
    return json_string(varied.data);
}

/* A list of sentences: most of the base's, some of the donor's, in a
 * slightly shuffled order; at most `max` items. */
static json_t *mixed_list(const json_t *base, const json_t *donor, const char *city, struct rng *r,
                          size_t max)
{
    const json_t *picked[64];
    size_t n = 0;
    size_t i;
    json_t *item;
    json_array_foreach (base, i, item) {
        if (n < 64 && (json_array_size(base) <= 2 || !rng_chance(r, 0.2)))
            picked[n++] = item;
    }
    size_t extra = 1 + rng_below(r, 2);
    for (size_t k = 0; k < extra && donor != NULL && json_array_size(donor) > 0 && n < 64; k++) {
        const json_t *candidate = json_array_get(donor, rng_below(r, json_array_size(donor)));
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || json_equal((json_t *)picked[j], (json_t *)candidate);
        if (!dup)
            picked[n++] = candidate;
    }
    for (size_t k = 0; n > 1 && k < 2; k++) {
        size_t a = rng_below(r, n);
        size_t b = rng_below(r, n);
        const json_t *t = picked[a];
        picked[a] = picked[b];
        picked[b] = t;
    }
    json_t *out = json_array();
    for (size_t k = 0; k < n && k < max; k++)
        json_array_append_new(out, text_json(json_string_value(picked[k]), city, r));
    return out;
}

/* The summary: the base's sentences and, often, one of the donor's. */
static json_t *mixed_summary(const char *base, const char *donor, const char *city, struct rng *r)
{
    static struct buf text;
    buf_reset(&text);
    buf_add(&text, "%s", base);
    if (donor != NULL && rng_chance(r, 0.6)) {
        const char *end = strstr(donor, "。");
        size_t n = end != NULL ? (size_t)(end - donor) + strlen("。") : strlen(donor);
        static struct buf sentence;
        buf_reset(&sentence);
        buf_addn(&sentence, donor, n);
        if (!sentence.overflow && utf8_chars(base) + utf8_chars(sentence.data) <= 480 &&
            strstr(base, sentence.data) == NULL)
            buf_add(&text, "%s", sentence.data);
    }
    return text_json(text.overflow ? base : text.data, city, r);
}

/* Strips places, years and bracketed notes from a demo name. */
static void name_core(const char *name, char *out, size_t size)
{
    static struct buf placed;
    replace_places(name, "", &placed);
    size_t used = 0;
    const char *p = placed.data;
    while (*p != '\0' && used + 1 < size) {
        if (strncmp(p, "（", strlen("（")) == 0) {
            const char *close = strstr(p, "）");
            if (close != NULL) {
                p = close + strlen("）");
                continue;
            }
        }
        if (p[0] == '2' && p[1] == '0' && p[2] >= '0' && p[2] <= '9' && p[3] >= '0' && p[3] <= '9') {
            p += 4;
            continue;
        }
        out[used++] = *p++;
    }
    out[used] = '\0';
}

static const json_t *donor_for(const struct demo *demo, size_t base, struct rng *r)
{
    const char *category = json_string_value(json_object_get(demo->bodies[base], "category"));
    size_t start = rng_below(r, demo->count);
    for (size_t k = 1; k <= demo->count; k++) {
        size_t j = (start + k) % demo->count;
        if (j != base &&
            strcmp(category, json_string_value(json_object_get(demo->bodies[j], "category"))) == 0)
            return demo->bodies[j];
    }
    return NULL;
}

static json_t *make_variant(const struct demo *demo, size_t i)
{
    struct rng r;
    rng_seed(&r, (uint64_t)i + 1);
    size_t base_index = i % demo->count;
    const json_t *base = demo->bodies[base_index];
    const json_t *donor = donor_for(demo, base_index, &r);
    size_t city_index = (i / demo->count + rng_below(&r, 3)) % CITY_COUNT;
    const char *city = cities[city_index].name;
    json_t *body = json_deep_copy(base);

    char name[512];
    snprintf(name, sizeof name, "%s%s%d（%s%zu）", city, demo->core[base_index], 2026 + (int)rng_below(&r, 2),
             name_words[rng_below(&r, sizeof name_words / sizeof name_words[0])], i + 1);
    if (utf8_chars(name) > 60)
        snprintf(name, sizeof name, "%s保险（%zu）", city, i + 1);
    json_object_set_new(body, "name", json_string(name));

    json_object_set_new(
        body, "summary",
        mixed_summary(json_string_value(json_object_get(base, "summary")),
                      donor != NULL ? json_string_value(json_object_get(donor, "summary")) : NULL, city, &r));
    json_object_set_new(body, "covered",
                        mixed_list(json_object_get(base, "covered"),
                                   donor != NULL ? json_object_get(donor, "covered") : NULL, city, &r, 30));
    json_object_set_new(body, "not_covered",
                        mixed_list(json_object_get(base, "not_covered"),
                                   donor != NULL ? json_object_get(donor, "not_covered") : NULL, city, &r,
                                   30));
    json_t *claim = json_object_get(body, "claim");
    const json_t *how_from = donor != NULL && rng_chance(&r, 0.3) ? json_object_get(donor, "claim") : claim;
    json_object_set_new(claim, "how",
                        text_json(json_string_value(json_object_get(how_from, "how")), city, &r));
    json_t *services = json_object_get(base, "service_commitments");
    if (services != NULL)
        json_object_set_new(body, "service_commitments", mixed_list(services, NULL, city, &r, 20));

    /* Where it is sold. */
    json_t *regions = json_array();
    if (rng_chance(&r, 0.08)) {
        json_array_append_new(regions, json_string("000000"));
    } else {
        char code[8];
        snprintf(code, sizeof code, "%s", cities[city_index].code);
        if (rng_chance(&r, 0.1))
            snprintf(code, sizeof code, "%.2s0000", cities[city_index].code);
        json_array_append_new(regions, json_string(code));
        if (rng_chance(&r, 0.2)) {
            const char *other = cities[rng_below(&r, CITY_COUNT)].code;
            if (strcmp(other, code) != 0)
                json_array_append_new(regions, json_string(other));
        }
    }
    json_object_set_new(body, "regions", regions);

    /* Who may buy it. */
    json_t *target = json_deep_copy(json_object_get(base, "target_groups"));
    if (rng_chance(&r, 0.3) && json_array_size(target) < 10) {
        const char *g = ph_enum_target_group.values[rng_below(&r, ph_enum_target_group.count)].code;
        bool has = false;
        size_t k;
        json_t *v;
        json_array_foreach (target, k, v)
            has = has || strcmp(json_string_value(v), g) == 0;
        if (!has)
            json_array_append_new(target, json_string(g));
    }
    json_object_set_new(body, "target_groups", target);
    int64_t age_min = json_integer_value(json_object_get(base, "age_min"));
    int64_t age_max = json_integer_value(json_object_get(base, "age_max"));
    static const int mins[] = {0, 16, 18, 30, 40, 50, 60};
    static const int maxes[] = {60, 65, 70, 75, 80, 85, 100, 120};
    if (rng_chance(&r, 0.3))
        age_min = mins[rng_below(&r, sizeof mins / sizeof mins[0])];
    if (rng_chance(&r, 0.3))
        age_max = maxes[rng_below(&r, sizeof maxes / sizeof maxes[0])];
    if (age_min > age_max)
        age_min = 0;
    json_object_set_new(body, "age_min", json_integer(age_min));
    json_object_set_new(body, "age_max", json_integer(age_max));

    /* What it costs and pays. */
    const json_t *premium = json_object_get(base, "premium_yuan_per_year");
    double factor = 0.7 + 0.7 * rng_unit(&r);
    double pmin = round(json_number_value(json_object_get(premium, "min")) * factor * 10.0) / 10.0;
    double pmax = round(json_number_value(json_object_get(premium, "max")) * factor * 10.0) / 10.0;
    if (pmax < pmin)
        pmax = pmin;
    json_object_set_new(body, "premium_yuan_per_year", json_pack("{s:f, s:f}", "min", pmin, "max", pmax));
    static const double sums[] = {0.5, 1.0, 1.0, 2.0};
    double sum = round(json_number_value(json_object_get(base, "sum_insured_yuan")) *
                       sums[rng_below(&r, sizeof sums / sizeof sums[0])]);
    if (sum >= 1.0 && sum <= 1e8)
        json_object_set_new(body, "sum_insured_yuan", json_real(sum));
    if (rng_chance(&r, 0.2))
        json_object_set_new(body, "preexisting_conditions",
                            json_string(ph_enum_preexisting.values[rng_below(&r, ph_enum_preexisting.count)].code));
    if (rng_chance(&r, 0.15))
        json_object_set_new(body, "health_questionnaire",
                            json_boolean(!json_is_true(json_object_get(base, "health_questionnaire"))));
    char url[96];
    snprintf(url, sizeof url, "https://bench-search.example/buy/%zu", i + 1);
    json_object_set_new(body, "purchase_url", json_string(url));
    return body;
}

/* --- set-up ------------------------------------------------------------------ */

static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* A valid GB 32100-2015 code: 91 + region + GB 11714 organisation code + check. */
static void make_uscc(unsigned n, const char *region, char out[19])
{
    static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    char body[9];
    snprintf(body, sizeof body, "%08u", n % 100000000u);
    int sum = 0;
    for (int k = 0; k < 8; k++)
        sum += (body[k] - '0') * org_weights[k];
    int c = 11 - sum % 11;
    char check = c == 11 ? '0' : c == 10 ? 'X' : (char)('0' + c);
    char first[18];
    snprintf(first, sizeof first, "91%.6s%s%c", region, body, check);
    int total = 0;
    for (int k = 0; k < 17; k++)
        total += (int)(strchr(uscc_chars, first[k]) - uscc_chars) * weights[k];
    snprintf(out, 19, "%s%c", first, uscc_chars[(31 - total % 31) % 31]);
}

static const char *const brands[] = {"青禾", "远山", "知安", "南桥", "北辰", "云栖", "安澜",
                                     "和煦", "禾丰", "晴川", "锦程", "望岳", "清源", "长河",
                                     "星野", "松涛", "白鹭", "石泉", "明湖", "暖阳"};
static const struct {
    const char *type;
    const char *full;
    const char *brief;
} insurer_types[] = {
    {"property", "财产保险", "财险"}, {"life", "人寿保险", "人寿"},         {"health", "健康保险", "健康"},
    {"pension", "养老保险", "养老"},  {"agricultural", "农业保险", "农险"},
};

/* Adds the bench insurers with an adequate solvency report; returns their ids. */
static size_t add_insurers(struct ph_registry *reg, int64_t *ids, size_t max)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    size_t n = 0;
    for (size_t b = 0; b < sizeof brands / sizeof brands[0] && n < max; b++) {
        size_t t = b % (sizeof insurer_types / sizeof insurer_types[0]);
        char name[128];
        char short_name[64];
        char uscc[19];
        char website[64];
        snprintf(name, sizeof name, "%s示范%s股份有限公司", brands[b], insurer_types[t].full);
        snprintf(short_name, sizeof short_name, "%s示范%s", brands[b], insurer_types[t].brief);
        make_uscc(70000000u + (unsigned)b * 7919u, cities[b].code, uscc);
        snprintf(website, sizeof website, "https://bench-insurer-%zu.example", b + 1);
        json_t *insurer = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "short_name",
                                    short_name, "uscc", uscc, "type", insurer_types[t].type, "region",
                                    cities[b].code, "website", website, "hotline", "400-800-1234");
        json_t *out = NULL;
        if (ph_insurer_add(reg, insurer, &out, &problems) != PH_OK)
            die("adding a bench insurer", &problems);
        int64_t id = json_integer_value(json_object_get(out, "id"));
        json_decref(out);
        json_decref(insurer);
        json_t *report = json_pack("{s:s, s:f, s:f, s:s}", "quarter", "2026Q2", "core_pct", 150.0,
                                   "comprehensive_pct", 220.0, "rating", "A");
        if (ph_solvency_record(reg, id, report, &out, &problems) != PH_OK)
            die("recording solvency", &problems);
        json_decref(out);
        json_decref(report);
        ids[n++] = id;
    }
    ph_problems_release(&problems);
    return n;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads the demo products back (latest versions, in registration order)
 * and the demo insurers that may sell now. */
static void read_demo(struct ph_registry *reg, struct demo *demo, int64_t *sellers, size_t *seller_count,
                      size_t seller_max)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *list = NULL;
    if (ph_insurer_list(reg, &list, &problems) != PH_OK)
        die("listing insurers", &problems);
    char *regnos[DEMO_MAX];
    size_t regno_count = 0;
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(list, "items"), i, item) {
        json_t *insurer = NULL;
        if (ph_insurer_get(reg, json_integer_value(json_object_get(item, "id")), &insurer, &problems) !=
            PH_OK)
            die("reading an insurer", &problems);
        if (json_is_true(json_object_get(insurer, "may_sell_exclusive_products")) &&
            *seller_count < seller_max)
            sellers[(*seller_count)++] = json_integer_value(json_object_get(insurer, "id"));
        size_t k;
        json_t *product;
        json_array_foreach (json_object_get(insurer, "products"), k, product) {
            if (regno_count < DEMO_MAX)
                regnos[regno_count++] =
                    strdup(json_string_value(json_object_get(product, "registration_no")));
        }
        json_decref(insurer);
    }
    json_decref(list);
    qsort(regnos, regno_count, sizeof regnos[0], compare_strings);
    demo->count = 0;
    for (size_t k = 0; k < regno_count; k++) {
        json_t *product = NULL;
        if (ph_product_get(reg, regnos[k], 0, &product, &problems) != PH_OK)
            die("reading a demo product", &problems);
        json_t *body = json_object();
        for (size_t f = 0; f < ph_product_field_count(); f++) {
            const char *field = ph_product_field_name(f);
            json_t *value = json_object_get(product, field);
            if (value != NULL && !json_is_null(value))
                json_object_set(body, field, value);
        }
        json_decref(product);
        name_core(json_string_value(json_object_get(body, "name")), demo->core[demo->count],
                  sizeof demo->core[0]);
        demo->bodies[demo->count++] = body;
        free(regnos[k]);
    }
    ph_problems_release(&problems);
}

/* --- SQL on the registry's connection --------------------------------------- */

/* Bytes on disk per table (with its indexes) from dbstat, or, without it,
 * the bytes of the FTS5 shadow tables' own content. */
static json_t *index_sizes(struct ph_registry *reg, double text_bytes)
{
    json_t *out = json_object();
    json_int_t fts_data = 0, fts_idx = 0, fts_docsize = 0, fts_config = 0, fts_content = 0, filters = 0;
    if (has_dbstat(reg)) {
        json_t *tables = json_object();
        sqlite3_stmt *stmt = NULL;
        const char *sql = "SELECT COALESCE(s.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d"
                          " LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY 1 ORDER BY 2 DESC";
        if (sqlite3_prepare_v2(reg->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
            fprintf(stderr, "bench_search: %s: %s\n", sql, sqlite3_errmsg(reg->db));
            exit(1);
        }
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            const char *table = (const char *)sqlite3_column_text(stmt, 0);
            json_int_t bytes = sqlite3_column_int64(stmt, 1);
            json_object_set_new(tables, table, json_integer(bytes));
            if (strcmp(table, "product_search_data") == 0)
                fts_data = bytes;
            else if (strcmp(table, "product_search_idx") == 0)
                fts_idx = bytes;
            else if (strcmp(table, "product_search_docsize") == 0)
                fts_docsize = bytes;
            else if (strcmp(table, "product_search_config") == 0)
                fts_config = bytes;
            else if (strcmp(table, "product_search_content") == 0)
                fts_content = bytes;
            else if (strcmp(table, "product_filters") == 0 || strcmp(table, "product_groups") == 0 ||
                     strcmp(table, "product_regions") == 0)
                filters += bytes;
        }
        sqlite3_finalize(stmt);
        json_object_set_new(out, "tables_with_their_indexes", tables);
        json_object_set_new(out, "method", json_string("dbstat: pages, including their free space"));
    } else {
        fts_data =
            (json_int_t)sql_number(reg, "SELECT COALESCE(SUM(length(block)), 0) FROM product_search_data");
        fts_idx =
            (json_int_t)sql_number(reg, "SELECT COALESCE(SUM(length(term) + 16), 0) FROM product_search_idx");
        fts_docsize = (json_int_t)sql_number(
            reg, "SELECT COALESCE(SUM(length(sz) + 8), 0) FROM product_search_docsize");
        fts_content = (json_int_t)text_bytes;
        json_object_set_new(out, "method", json_string("bytes of the shadow tables' values (no dbstat)"));
    }
    json_int_t index = fts_data + fts_idx + fts_docsize + fts_config;
    json_object_set_new(out, "fts_data", json_integer(fts_data));
    json_object_set_new(out, "fts_idx", json_integer(fts_idx));
    json_object_set_new(out, "fts_docsize", json_integer(fts_docsize));
    json_object_set_new(out, "fts_config", json_integer(fts_config));
    json_object_set_new(out, "fts_content", json_integer(fts_content));
    json_object_set_new(out, "filter_tables", json_integer(filters));
    json_object_set_new(out, "fts_index_bytes", json_integer(index));
    json_object_set_new(out, "index_to_text", json_real((double)index / text_bytes));
    json_object_set_new(out, "index_and_content_to_text",
                        json_real((double)(index + fts_content) / text_bytes));
    return out;
}

/* --- queries ------------------------------------------------------------------- */

struct bench_query {
    char id[64];
    const char *kind;
    const json_t *source;         /* the entry in relevance.json, or NULL */
    struct ph_search_query query; /* strings point into the parsed JSON */
    bool listing;
    double *samples_ms;
    size_t sample_count;
    int64_t total;
    char relaxed[24];
    char *fts_expression; /* the expression the search chose (understood.fts_expression) */
    double match_only_ms; /* that expression on its own: every matching rowid, nothing else */
    int64_t match_rows;
    /* One traced run: time per step. */
    double count_ms, page_ms, facets_ms, probes_ms, other_sql_ms, c_side_ms, traced_total_ms;
    double facet_ms[6];
    int statements;
};

static void apply_filters(struct ph_registry *reg, const json_t *filters, struct ph_search_query *q)
{
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)filters, key, value) {
        if (strcmp(key, "category") == 0)
            q->category = json_string_value(value);
        else if (strcmp(key, "group") == 0)
            q->group = json_string_value(value);
        else if (strcmp(key, "region") == 0)
            q->region = json_string_value(value);
        else if (strcmp(key, "age") == 0)
            q->age_years = (int)json_integer_value(value);
        else if (strcmp(key, "premium_max") == 0)
            q->premium_max_yuan = json_number_value(value);
        else if (strcmp(key, "preexisting") == 0)
            q->preexisting = json_string_value(value);
        else if (strcmp(key, "questionnaire") == 0)
            q->questionnaire = json_is_true(value) ? 1 : 0;
        else if (strcmp(key, "on_sale") == 0)
            q->on_sale = json_is_true(value) ? 1 : 0;
        else if (strcmp(key, "insurer") == 0)
            q->insurer_id = json_is_integer(value) ? json_integer_value(value)
                                                   : insurer_by_name(reg, json_string_value(value), true);
        else {
            fprintf(stderr, "bench_search: unknown filter %s\n", key);
            exit(1);
        }
    }
}

static size_t load_queries(struct ph_registry *reg, const json_t *relevance, json_t *listings,
                           struct bench_query *out, size_t max)
{
    size_t n = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get(relevance, "queries"), i, entry) {
        if (n == max)
            break;
        /* The document queries are bench_documents.c's. */
        if (json_object_get(entry, "target") != NULL)
            continue;
        struct bench_query *b = &out[n++];
        memset(b, 0, sizeof *b);
        snprintf(b->id, sizeof b->id, "%s", json_string_value(json_object_get(entry, "id")));
        b->kind = json_string_value(json_object_get(entry, "kind"));
        b->source = entry;
        ph_search_query_init(&b->query);
        b->query.text = json_string_value(json_object_get(entry, "q"));
        b->query.per_page = 20;
        apply_filters(reg, json_object_get(entry, "filters"), &b->query);
    }
    json_array_foreach (listings, i, entry) {
        if (n == max)
            break;
        struct bench_query *b = &out[n++];
        memset(b, 0, sizeof *b);
        snprintf(b->id, sizeof b->id, "%s", json_string_value(json_object_get(entry, "id")));
        b->kind = "listing";
        b->source = entry;
        b->listing = true;
        ph_search_query_init(&b->query);
        b->query.text = "";
        b->query.per_page = 20;
        apply_filters(reg, json_object_get(entry, "filters"), &b->query);
    }
    return n;
}

BENCH_DEFINE_QUERY_HELPERS(ph_search_products, struct ph_search_query, "product_search")

/* --- tracing: where the time of one search goes --------------------------------- */

enum step { STEP_COUNT, STEP_PAGE, STEP_FACET, STEP_OTHER };

struct trace {
    struct bench_query *current;
    int counts_seen;
    sqlite3_stmt *active[16];
    double started[16];
    /* The slowest page and count statements, for EXPLAIN QUERY PLAN. */
    double worst_page_ms, worst_count_ms, worst_facet_ms;
    char *worst_page_sql, *worst_count_sql, *worst_facet_sql;
    char worst_page_id[64], worst_count_id[64], worst_facet_id[64];
};

static int facet_of(const char *sql)
{
    static const char *const prefixes[6] = {"SELECT f.category",        "SELECT g.grp",
                                            "SELECT f.preexisting",     "SELECT CASE f.questionnaire",
                                            "SELECT CAST(f.insurer_id", "SELECT CASE WHEN"};
    for (int k = 0; k < 6; k++) {
        if (strncmp(sql, prefixes[k], strlen(prefixes[k])) == 0)
            return k;
    }
    return -1;
}

static void keep_worst(double ms, double *worst, char **worst_sql, char *worst_id, sqlite3_stmt *stmt,
                       const char *id)
{
    if (ms <= *worst)
        return;
    *worst = ms;
    sqlite3_free(*worst_sql);
    *worst_sql = sqlite3_expanded_sql(stmt);
    snprintf(worst_id, 64, "%s", id);
}

static int trace_callback(unsigned type, void *ctx, void *p, void *x)
{
    struct trace *t = ctx;
    sqlite3_stmt *stmt = p;
    double now = now_s();
    if (t->current == NULL)
        return 0;
    if (type == SQLITE_TRACE_STMT) {
        const char *text = x;
        if (text != NULL && strncmp(text, "--", 2) == 0)
            return 0; /* a trigger's sub-program */
        for (int k = 0; k < 16; k++) {
            if (t->active[k] == stmt)
                return 0;
        }
        for (int k = 0; k < 16; k++) {
            if (t->active[k] == NULL) {
                t->active[k] = stmt;
                t->started[k] = now;
                return 0;
            }
        }
        return 0;
    }
    if (type != SQLITE_TRACE_PROFILE)
        return 0;
    int slot = -1;
    for (int k = 0; k < 16 && slot < 0; k++) {
        if (t->active[k] == stmt)
            slot = k;
    }
    if (slot < 0)
        return 0;
    double ms = (now - t->started[slot]) * 1e3;
    t->active[slot] = NULL;
    const char *sql = sqlite3_sql(stmt);
    struct bench_query *b = t->current;
    b->statements++;
    if (strncmp(sql, "SELECT COUNT(*)", 15) == 0) {
        if (t->counts_seen++ == 0)
            b->count_ms += ms;
        else
            b->probes_ms += ms;
        keep_worst(ms, &t->worst_count_ms, &t->worst_count_sql, t->worst_count_id, stmt, b->id);
    } else if (strncmp(sql, "SELECT p.registration_no", 24) == 0) {
        b->page_ms += ms;
        keep_worst(ms, &t->worst_page_ms, &t->worst_page_sql, t->worst_page_id, stmt, b->id);
    } else if (facet_of(sql) >= 0) {
        b->facet_ms[facet_of(sql)] += ms;
        b->facets_ms += ms;
        keep_worst(ms, &t->worst_facet_ms, &t->worst_facet_sql, t->worst_facet_id, stmt, b->id);
    } else {
        b->other_sql_ms += ms;
    }
    return 0;
}

/* The relaxation's later counts run before the page: the first COUNT of a
 * search is the main count only when the search did not relax. */
static void trace_round(struct ph_registry *reg, struct bench_query *queries, size_t n, struct trace *t)
{
    sqlite3_trace_v2(reg->db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, trace_callback, t);
    for (size_t k = 0; k < n; k++) {
        struct bench_query *b = &queries[k];
        t->current = b;
        t->counts_seen = 0;
        memset(t->active, 0, sizeof t->active);
        double ms = run_one(reg, b);
        t->current = NULL;
        b->traced_total_ms = ms;
        if (strcmp(b->relaxed, "none") != 0) {
            /* Every count was a probe; the last one chose the expression. */
            b->probes_ms += b->count_ms;
            b->count_ms = 0;
        }
        b->c_side_ms = ms - b->count_ms - b->page_ms - b->facets_ms - b->probes_ms - b->other_sql_ms;
    }
    sqlite3_trace_v2(reg->db, 0, NULL, NULL);
    /* What the full-text part alone costs: the chosen expression, every
     * matching rowid, no join, no ranking. A search evaluates it once per
     * statement (count, page, six facets). */
    match_only_all(reg, queries, n);
}

static json_t *worst_json(struct ph_registry *reg, const char *id, double ms, const char *sql)
{
    return json_pack("{s:s, s:f, s:s?, s:o}", "query", id, "ms", ms, "sql", sql, "plan",
                     query_plan(reg, sql));
}

/* --- main ----------------------------------------------------------------------- */

static json_t *query_json(const struct bench_query *b)
{
    json_t *j = query_head_json(b->id, b->kind, b->query.text, json_object_get(b->source, "filters"),
                                b->total, b->relaxed, b->samples_ms, b->sample_count);
    json_t *steps =
        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:s?, s:f, s:I}", "total_ms", b->traced_total_ms,
                  "count_ms", b->count_ms, "page_ms", b->page_ms, "facets_ms", b->facets_ms,
                  "relaxation_probes_ms", b->probes_ms, "other_sql_ms", b->other_sql_ms, "c_side_ms",
                  b->c_side_ms, "statements", b->statements, "fts_expression", b->fts_expression,
                  "match_only_ms", b->match_only_ms, "match_rows", (json_int_t)b->match_rows);
    static const char *const names[6] = {"category",      "group",   "preexisting",
                                         "questionnaire", "insurer", "on_sale"};
    json_t *facets = json_object();
    for (int k = 0; k < 6; k++)
        json_object_set_new(facets, names[k], json_real(b->facet_ms[k]));
    json_object_set_new(steps, "facet_ms", facets);
    json_object_set_new(j, "traced", steps);
    return j;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    const char *db_path = argv[1];
    const char *relevance_path = argv[2];
    long products = 50000;
    long rounds = 20;
    double budget_s = 120;
    bool rebuild = true;
    bool profile = true;
    bool register_only = false;
    long cache_mb = 0; /* 0: the registry's own page cache size */
    const struct bench_option options[] = {
        {"--products", OPT_LONG, &products},   {"--rounds", OPT_LONG, &rounds},
        {"--budget-s", OPT_DOUBLE, &budget_s}, {"--no-rebuild", OPT_FALSE, &rebuild},
        {"--no-profile", OPT_FALSE, &profile}, {"--register-only", OPT_TRUE, &register_only},
        {"--cache-mb", OPT_LONG, &cache_mb},
    };
    if (!parse_options(argc, argv, 3, options, sizeof options / sizeof options[0]))
        usage();
    if (products < 0 || products > 10000000 || rounds < 1 || rounds > ROUNDS_MAX || budget_s <= 0 ||
        cache_mb < 0 || cache_mb > 65536)
        usage();
    struct stat st;
    if (db_exists(db_path, &st))
        return 2;
    json_t *relevance = NULL;
    struct ph_problems problems;
    struct ph_registry *reg = open_with_relevance(db_path, relevance_path, &relevance, &problems);
    if (reg == NULL)
        return 2;
    load_demo(reg, &problems);

    static struct demo demo;
    int64_t sellers[64];
    size_t seller_count = 0;
    read_demo(reg, &demo, sellers, &seller_count, 32);
    size_t demo_sellers = seller_count;
    seller_count += add_insurers(reg, sellers + seller_count, 64 - seller_count);
    progress("demo: %zu products; %zu insurers may sell (%zu demo, %zu bench)", demo.count, seller_count,
             demo_sellers, seller_count - demo_sellers);

    /* Register the variants, a batch per insurer in turn. Bodies are built
     * before each batch's clock starts. */
    double register_s = 0;
    double generate_s = 0;
    double worst_batch_s = 0;
    size_t batches = 0;
    for (long done = 0; done < products; batches++) {
        double g0 = now_s();
        json_t *bodies = json_array();
        long n = products - done < BATCH_SIZE ? products - done : BATCH_SIZE;
        for (long k = 0; k < n; k++)
            json_array_append_new(bodies, make_variant(&demo, (size_t)(done + k)));
        double t0 = now_s();
        generate_s += t0 - g0;
        json_t *out = NULL;
        if (ph_product_register_batch(reg, sellers[batches % seller_count], bodies, &out, &problems) !=
            PH_OK) {
            json_dumpf(json_array_get(bodies, 0), stderr, JSON_INDENT(1));
            die("registering a batch", &problems);
        }
        double batch_s = now_s() - t0;
        register_s += batch_s;
        worst_batch_s = batch_s > worst_batch_s ? batch_s : worst_batch_s;
        json_decref(out);
        json_decref(bodies);
        done += n;
        if (batches % 10 == 9 || done == products)
            progress("registered %ld/%ld (%.1f s, %.0f/s)", done, products, register_s,
                     (double)done / register_s);
    }
    exec_sql(reg, "PRAGMA wal_checkpoint(TRUNCATE)");

    json_t *report = json_object();
    json_object_set_new(report, "sqlite_version", json_string(sqlite3_libversion()));
    json_t *dataset =
        json_pack("{s:i, s:I, s:I, s:i, s:f}", "demo_products", (int)demo.count, "generated",
                  (json_int_t)products, "total_products", (json_int_t)(products + (long)demo.count),
                  "insurers_selling", (int)seller_count, "generate_s", generate_s);
    double text_bytes = sql_number(
        reg,
        "SELECT SUM(length(CAST(name AS BLOB)) + length(CAST(insurer AS BLOB)) + length(CAST(summary AS "
        "BLOB))"
        " + length(CAST(covered AS BLOB)) + length(CAST(not_covered AS BLOB)) + length(CAST(claim AS BLOB))"
        " + length(CAST(labels AS BLOB))) FROM product_search");
    double index_rows = sql_number(reg, "SELECT COUNT(*) FROM product_search");
    json_object_set_new(dataset, "indexed_rows", json_integer((json_int_t)index_rows));
    json_object_set_new(dataset, "indexed_text_bytes", json_integer((json_int_t)text_bytes));
    json_object_set_new(dataset, "indexed_text_bytes_per_product", json_real(text_bytes / index_rows));
    json_object_set_new(
        dataset, "distinct_names",
        json_integer((json_int_t)sql_number(reg, "SELECT COUNT(DISTINCT name) FROM products")));
    json_object_set_new(
        dataset, "distinct_summaries",
        json_integer((json_int_t)sql_number(reg, "SELECT COUNT(DISTINCT summary) FROM product_search")));
    json_object_set_new(
        dataset, "distinct_covered",
        json_integer((json_int_t)sql_number(reg, "SELECT COUNT(DISTINCT covered) FROM product_search")));
    json_object_set_new(report, "dataset", dataset);
    json_object_set_new(report, "register",
                        json_pack("{s:f, s:f, s:i, s:i, s:f, s:f}", "seconds", register_s, "products_per_s",
                                  (double)products / register_s, "batches", (int)batches, "batch_size",
                                  BATCH_SIZE, "mean_batch_s", register_s / (double)batches, "worst_batch_s",
                                  worst_batch_s));

    double t0 = now_s();
    json_t *sizes = index_sizes(reg, text_bytes);
    json_object_set_new(sizes, "db_file_bytes",
                        json_integer((json_int_t)(stat(db_path, &st) == 0 ? st.st_size : 0)));
    json_t *index = json_object();
    json_object_set_new(index, "as_registered", sizes);
    progress("index: %.1f MB FTS index for %.1f MB of text (%.2fx); measured in %.1f s",
             (double)json_integer_value(json_object_get(sizes, "fts_index_bytes")) / 1e6, text_bytes / 1e6,
             json_real_value(json_object_get(sizes, "index_to_text")), now_s() - t0);
    if (rebuild) {
        exec_sql(reg, "BEGIN IMMEDIATE");
        t0 = now_s();
        exec_sql(reg, "INSERT INTO product_search(product_search) VALUES('rebuild')");
        double rebuild_s = now_s() - t0;
        json_t *after = index_sizes(reg, text_bytes);
        exec_sql(reg, "ROLLBACK");
        json_object_set_new(index, "rebuild",
                            json_pack("{s:f, s:f, s:s}", "seconds", rebuild_s, "products_per_s",
                                      index_rows / rebuild_s, "note",
                                      "INSERT INTO product_search(product_search) VALUES('rebuild') in a "
                                      "transaction that is then rolled back"));
        json_object_set_new(index, "after_rebuild", after);
        progress("rebuild: %.0f rows in %.2f s (%.0f/s)", index_rows, rebuild_s, index_rows / rebuild_s);
    }
    json_object_set_new(report, "index", index);
    if (register_only) {
        print_report(report);
        for (size_t k = 0; k < demo.count; k++)
            json_decref(demo.bodies[k]);
        close_with_relevance(reg, relevance, &problems);
        return 0;
    }

    /* Queries. --cache-mb tries another page cache size for them (a what-if:
     * the server uses the registry's default). */
    if (cache_mb > 0) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%ld", cache_mb * 1024);
        exec_sql(reg, pragma);
    }
    json_object_set_new(report, "cache_mb", json_integer(cache_mb));
    json_t *listings =
        json_pack("[{s:s, s:{}}, {s:s, s:{s:s}}, {s:s, s:{s:s}}, {s:s, s:{s:i}}, {s:s, s:{s:s, s:b}}]", "id",
                  "listing-all", "filters", "id", "listing-category", "filters", "category", "medical", "id",
                  "listing-region", "filters", "region", "330100", "id", "listing-age", "filters", "age", 70,
                  "id", "listing-group-on-sale", "filters", "group", "elderly", "on_sale", 1);
    static struct bench_query queries[QUERIES_MAX];
    size_t query_count = load_queries(reg, relevance, listings, queries, QUERIES_MAX);
    t0 = now_s();
    for (size_t k = 0; k < query_count; k++)
        run_one(reg, &queries[k]);
    double warm_s = now_s() - t0;
    long planned = rounds;
    rounds = rounds_within_budget(rounds, warm_s, budget_s);
    progress("warm-up round: %zu searches in %.1f s; %ld measured rounds (asked for %ld, budget %.0f s)",
             query_count, warm_s, rounds, planned, budget_s);
    for (size_t k = 0; k < query_count; k++) {
        queries[k].samples_ms = calloc((size_t)rounds, sizeof(double));
        if (queries[k].samples_ms == NULL)
            die("out of memory", NULL);
    }
    double *all = calloc((size_t)rounds * query_count, sizeof(double));
    double *listing_all = calloc((size_t)rounds * query_count, sizeof(double));
    double *medians = calloc(query_count, sizeof(double));
    if (all == NULL || listing_all == NULL || medians == NULL)
        die("out of memory", NULL);
    size_t all_n = 0;
    size_t listing_n = 0;
    t0 = now_s();
    for (long round = 0; round < rounds; round++) {
        for (size_t k = 0; k < query_count; k++) {
            double ms = run_one(reg, &queries[k]);
            queries[k].samples_ms[queries[k].sample_count++] = ms;
            if (queries[k].listing)
                listing_all[listing_n++] = ms;
            else
                all[all_n++] = ms;
        }
    }
    double measured_s = now_s() - t0;
    size_t relevance_count = 0;
    for (size_t k = 0; k < query_count; k++) {
        qsort(queries[k].samples_ms, queries[k].sample_count, sizeof(double), compare_doubles);
        if (!queries[k].listing)
            medians[relevance_count++] = percentile(queries[k].samples_ms, queries[k].sample_count, 50);
    }
    if (profile)
        progress("measured %ld rounds in %.1f s; one traced round follows", rounds, measured_s);

    json_t *latency = json_object();
    json_object_set_new(latency, "rounds", json_integer(rounds));
    json_object_set_new(latency, "rounds_asked", json_integer(planned));
    json_object_set_new(latency, "queries", json_integer((json_int_t)relevance_count));
    json_object_set_new(latency, "per_page", json_integer(20));
    json_object_set_new(latency, "warmup_round_s", json_real(warm_s));
    json_object_set_new(latency, "measured_s", json_real(measured_s));
    json_object_set_new(latency, "all_samples", latency_json(all, all_n));
    json_object_set_new(latency, "per_query_medians", latency_json(medians, relevance_count));
    json_object_set_new(latency, "listing_samples", latency_json(listing_all, listing_n));

    /* The same queries with the answer cache (search_cache.h) the server
     * uses: one round that fills it (every search a miss: what a query
     * costs the first time it is asked after a change), then rounds that
     * are answered from it. The figures above are without it. */
    struct ph_search_cache *answers = ph_search_cache_new(16384, (size_t)64 << 20);
    if (answers == NULL)
        die("out of memory", NULL);
    ph_registry_use_search_cache(reg, answers);
    double *fill = calloc(query_count, sizeof(double));
    double *hits = calloc((size_t)rounds * query_count, sizeof(double));
    if (fill == NULL || hits == NULL)
        die("out of memory", NULL);
    size_t fill_n = 0;
    size_t hits_n = 0;
    for (size_t k = 0; k < query_count; k++) {
        if (!queries[k].listing)
            fill[fill_n++] = run_one(reg, &queries[k]);
        else
            run_one(reg, &queries[k]);
    }
    for (long round = 0; round < rounds; round++)
        for (size_t k = 0; k < query_count; k++)
            if (!queries[k].listing)
                hits[hits_n++] = run_one(reg, &queries[k]);
    struct ph_search_cache_stats cache_stats;
    ph_search_cache_get_stats(answers, &cache_stats);
    ph_registry_use_search_cache(reg, NULL);
    ph_search_cache_free(answers);
    json_t *cached = json_object();
    json_object_set_new(cached, "note", json_string("ph_registry_use_search_cache with 64 MB: first round fills "
                                                    "it (misses), then the measured rounds are answered from it"));
    json_object_set_new(cached, "first_round", latency_json(fill, fill_n));
    json_object_set_new(cached, "repeat_rounds", latency_json(hits, hits_n));
    json_object_set_new(cached, "hits", json_integer((json_int_t)cache_stats.hits));
    json_object_set_new(cached, "misses", json_integer((json_int_t)cache_stats.misses));
    json_object_set_new(cached, "entries", json_integer((json_int_t)cache_stats.entries));
    json_object_set_new(cached, "bytes", json_integer((json_int_t)cache_stats.bytes));
    json_object_set_new(latency, "answer_cache", cached);
    progress("answer cache: %zu misses then %zu hits; cache holds %zu answers in %.1f MB", fill_n, hits_n,
             cache_stats.entries, (double)cache_stats.bytes / 1e6);
    free(fill);
    free(hits);

    struct trace trace;
    memset(&trace, 0, sizeof trace);
    if (profile) {
        trace_round(reg, queries, query_count, &trace);
        double sums[8] = {0};
        size_t searches = 0;
        for (size_t k = 0; k < query_count; k++) {
            if (queries[k].listing)
                continue;
            searches++;
            sums[0] += queries[k].traced_total_ms;
            sums[1] += queries[k].count_ms;
            sums[2] += queries[k].page_ms;
            sums[3] += queries[k].facets_ms;
            sums[4] += queries[k].probes_ms;
            sums[5] += queries[k].other_sql_ms;
            sums[6] += queries[k].c_side_ms;
            sums[7] += queries[k].match_only_ms;
        }
        json_t *steps =
            json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "searches", (json_int_t)searches,
                      "total_ms", sums[0], "count_ms", sums[1], "page_ms", sums[2], "facets_ms", sums[3],
                      "relaxation_probes_ms", sums[4], "other_sql_ms", sums[5], "c_side_ms", sums[6]);
        json_object_set_new(steps, "match_only_ms", json_real(sums[7]));
        json_object_set_new(
            steps, "worst_statements",
            json_pack("[o, o, o]",
                      worst_json(reg, trace.worst_page_id, trace.worst_page_ms, trace.worst_page_sql),
                      worst_json(reg, trace.worst_count_id, trace.worst_count_ms, trace.worst_count_sql),
                      worst_json(reg, trace.worst_facet_id, trace.worst_facet_ms, trace.worst_facet_sql)));
        json_object_set_new(report, "traced_round", steps);
    }

    struct bench_query *order[QUERIES_MAX];
    size_t order_n = 0;
    for (size_t k = 0; k < query_count; k++) {
        if (!queries[k].listing)
            order[order_n++] = &queries[k];
    }
    qsort(order, order_n, sizeof order[0], compare_by_median);
    json_t *slowest = json_array();
    for (size_t k = 0; k < order_n && k < SLOWEST_REPORTED; k++)
        json_array_append_new(slowest, query_json(order[k]));
    json_object_set_new(latency, "slowest", slowest);
    json_t *fastest = json_array();
    for (size_t k = order_n > 3 ? order_n - 3 : 0; k < order_n; k++)
        json_array_append_new(fastest, query_json(order[k]));
    json_object_set_new(latency, "fastest", fastest);
    json_t *listing = json_array();
    json_t *every = json_array();
    for (size_t k = 0; k < query_count; k++) {
        if (queries[k].listing)
            json_array_append_new(listing, query_json(&queries[k]));
        else
            json_array_append_new(every, query_json(&queries[k]));
    }
    json_object_set_new(latency, "listing", listing);
    json_object_set_new(latency, "every_query", every);
    json_object_set_new(report, "in_process", latency);

    print_report(report);

    sqlite3_free(trace.worst_page_sql);
    sqlite3_free(trace.worst_count_sql);
    sqlite3_free(trace.worst_facet_sql);
    free_queries(queries, query_count);
    free(all);
    free(listing_all);
    free(medians);
    json_decref(listings);
    for (size_t k = 0; k < demo.count; k++)
        json_decref(demo.bodies[k]);
    close_with_relevance(reg, relevance, &problems);
    return 0;
}
