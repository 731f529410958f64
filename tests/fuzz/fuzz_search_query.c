/*
 * tests/fuzz/fuzz_search_query.c - libFuzzer target for the search's query
 * handling (issue 3, acceptance 2): any bytes a person could send as q,
 * and as filter values, must give PH_OK or PH_ERR_INVALID, never an
 * internal error (an FTS5 syntax error surfaces as one), and a PH_OK
 * answer must be a whole result.
 *
 * Input layout: byte 0 picks the sort, page, per_page and the yes/no
 * filters; byte 1 picks the category, group, age and premium filters
 * (valid values or "raw"); 0x00 0x00 means relevance, page 1, 100 per
 * page, no filter. The rest is split at the first 0x00 byte into q and a
 * raw filter value (used as region, or category/group/preexisting when
 * byte 1 says "raw"). The registry is a temporary database loaded
 * once with the demo data. See tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/demo.h"
#include "registry/rules.h"
#include "registry/search.h"

static struct ph_registry *registry;
static char db_dir[] = "/tmp/puhui-fuzz-XXXXXX";
static char db_path[64];

static void remove_db(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[96];
    ph_registry_close(registry);
    registry = NULL;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
        unlink(path);
    }
    rmdir(db_dir);
}

static void die(const char *what, const struct ph_problems *problems)
{
    fprintf(stderr, "fuzz_search_query: %s: %s (%s)\n", what, ph_problems_first_message(problems),
            ph_problems_first_code(problems));
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (mkdtemp(db_dir) == NULL) {
        perror("fuzz_search_query: mkdtemp");
        abort();
    }
    snprintf(db_path, sizeof db_path, "%s/fuzz.db", db_dir);
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_registry_open(db_path, PH_OPEN_READ_WRITE, &registry, &problems) != PH_OK)
        die("cannot open the registry", &problems);
    atexit(remove_db);
    json_t *loaded = NULL;
    if (ph_demo_load(registry, &loaded, &problems) != PH_OK)
        die("cannot load the demo data", &problems);
    json_decref(loaded);
    ph_problems_release(&problems);
    return 0;
}

/* Selector 0: no filter; 1..count: that code of the enum; more: NULL. */
static const char *enum_pick(const struct ph_enum *e, unsigned selector)
{
    return selector >= 1 && selector <= e->count ? e->values[selector - 1].code : NULL;
}

static void check_result(const json_t *result, const struct ph_search_query *query)
{
    const json_t *items = json_object_get(result, "items");
    const json_t *total = json_object_get(result, "total");
    if (!json_is_array(items) || !json_is_integer(total) ||
        !json_is_object(json_object_get(result, "facets")) ||
        !json_is_object(json_object_get(result, "understood"))) {
        fprintf(stderr, "fuzz_search_query: answer without items, total, facets or understood\n");
        abort();
    }
    if (json_array_size(items) > (size_t)query->per_page ||
        (json_int_t)json_array_size(items) > json_integer_value(total)) {
        fprintf(stderr, "fuzz_search_query: %zu items for per_page %d and total %lld\n",
                json_array_size(items), query->per_page, (long long)json_integer_value(total));
        abort();
    }
    size_t i;
    const json_t *item;
    json_array_foreach (items, i, item) {
        if (!json_is_string(json_object_get(item, "registration_no")) ||
            !json_is_object(json_object_get(item, "highlights"))) {
            fprintf(stderr, "fuzz_search_query: item %zu without registration_no or highlights\n", i);
            abort();
        }
    }
    /* Every string must be valid UTF-8 and serialisable as the API sends it. */
    char *bytes = json_dumps(result, PH_JSON_COMPACT);
    if (bytes == NULL) {
        fprintf(stderr, "fuzz_search_query: the answer does not serialise\n");
        abort();
    }
    free(bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 4096)
        return 0;
    unsigned knobs = data[0];
    unsigned picks = data[1];
    const char *rest = (const char *)data + 2;
    size_t rest_len = size - 2;
    const char *nul = memchr(rest, '\0', rest_len);
    size_t text_len = nul != NULL ? (size_t)(nul - rest) : rest_len;

    char *text = malloc(text_len + 1);
    char *raw = malloc(rest_len + 1);
    if (text == NULL || raw == NULL)
        abort();
    memcpy(text, rest, text_len);
    text[text_len] = '\0';
    size_t raw_len = nul != NULL ? rest_len - text_len - 1 : 0;
    if (raw_len > 0)
        memcpy(raw, nul + 1, raw_len);
    raw[raw_len] = '\0';

    struct ph_search_query query;
    ph_search_query_init(&query);
    query.text = text_len > 0 ? text : NULL;
    query.sort = (enum ph_search_sort)(knobs & 3u);
    query.page = 1 + (int)((knobs >> 2) & 1u);
    query.per_page = (knobs & 0x08u) ? 5 : PH_SEARCH_PER_PAGE_MAX;
    query.questionnaire = (int)((knobs >> 4) % 3u) - 1;
    query.on_sale = (knobs & 0x40u) ? 1 : -1;
    query.insurer_id = (knobs & 0x80u) ? 1 + (picks % 14u) : 0;
    bool raw_codes = (picks & 0x80u) != 0;
    if (raw_codes) {
        query.category = raw;
        query.group = raw;
        query.preexisting = raw;
    } else {
        query.category = enum_pick(&ph_enum_category, picks & 0x0fu);
        query.group = enum_pick(&ph_enum_target_group, (picks >> 4) & 0x07u);
        query.preexisting = enum_pick(&ph_enum_preexisting, (picks >> 2) & 0x03u);
    }
    if (raw_len > 0)
        query.region = raw;
    query.age_years = (picks & 0x01u) ? (int)(picks % 121u) : -1;
    query.premium_max_yuan = (picks & 0x02u) ? (double)(picks * 3u) : -1;

    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_search_query_check(&query, &problems);
    if (st != PH_OK && st != PH_ERR_INVALID)
        die("ph_search_query_check: not PH_OK or PH_ERR_INVALID", &problems);
    if (st == PH_OK) {
        json_t *result = NULL;
        st = ph_search_products(registry, &query, &result, &problems);
        if (st != PH_OK && st != PH_ERR_INVALID)
            die("ph_search_products: not PH_OK or PH_ERR_INVALID", &problems);
        if (st == PH_OK)
            check_result(result, &query);
        json_decref(result);
    }
    ph_problems_release(&problems);
    free(text);
    free(raw);
    return 0;
}
