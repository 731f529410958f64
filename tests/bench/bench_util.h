/*
 * tests/bench/bench_util.h - what the in-process benchmarks (bench_search.c,
 * bench_documents.c) share: the clock, error and progress messages, a
 * deterministic random source, a capped string buffer, SQL on the
 * registry's connection, percentiles and their JSON, EXPLAIN QUERY PLAN and
 * the MATCH-only timing. Header only (static inline): each benchmark is one
 * translation unit.
 *
 * Define BENCH_NAME (the program's name) and BENCH_USAGE (its arguments),
 * string literals, before including it: every message starts with the
 * name, and usage() prints both.
 */
#ifndef PH_BENCH_UTIL_H
#define PH_BENCH_UTIL_H

#if !defined(BENCH_NAME) || !defined(BENCH_USAGE)
#error "define BENCH_NAME and BENCH_USAGE before including bench_util.h"
#endif

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "registry/demo.h"
#include "registry/internal.h"
#include "registry/registry.h"

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void die(const char *what, const struct ph_problems *problems)
{
    fprintf(stderr, BENCH_NAME ": %s", what);
    if (problems != NULL && ph_problems_count(problems) > 0)
        fprintf(stderr, ": %s (%s, field %s)", ph_problems_first_message(problems),
                ph_problems_first_code(problems), ph_problems_first_field(problems));
    fprintf(stderr, "\n");
    exit(1);
}

__attribute__((format(printf, 1, 2))) static inline void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, BENCH_NAME ": ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* --- set-up ---------------------------------------------------------------------- */

/* True, after saying so, when db_path exists (st then describes it): the
 * benchmark wants the path of a fresh database. */
static inline bool db_exists(const char *db_path, struct stat *st)
{
    if (stat(db_path, st) != 0)
        return false;
    fprintf(stderr, BENCH_NAME ": %s exists; give a path for a fresh database\n", db_path);
    return true;
}

enum bench_option_kind { OPT_LONG, OPT_DOUBLE, OPT_STRING, OPT_TRUE, OPT_FALSE };

/* A command-line option: "--rounds" with a long, a double or a string after
 * it, or a flag that sets a bool to true or false. */
struct bench_option {
    const char *name;
    enum bench_option_kind kind;
    void *value;
};

/* Reads argv[first..argc-1]; false for anything that is not one of the
 * options, an option without its value, or a number with text after it. */
static inline bool parse_options(int argc, char **argv, int first, const struct bench_option *options,
                                 size_t count)
{
    for (int k = first; k < argc; k++) {
        const struct bench_option *o = NULL;
        for (size_t i = 0; i < count && o == NULL; i++) {
            if (strcmp(argv[k], options[i].name) == 0 && (options[i].kind >= OPT_TRUE || k + 1 < argc))
                o = &options[i];
        }
        if (o == NULL)
            return false;
        char *end = NULL;
        switch (o->kind) {
        case OPT_LONG:
            *(long *)o->value = strtol(argv[++k], &end, 10);
            break;
        case OPT_DOUBLE:
            *(double *)o->value = strtod(argv[++k], &end);
            break;
        case OPT_STRING:
            *(const char **)o->value = argv[++k];
            break;
        case OPT_TRUE:
        case OPT_FALSE:
            *(bool *)o->value = o->kind == OPT_TRUE;
            break;
        }
        if (end != NULL && *end != '\0')
            return false;
    }
    return true;
}

/* The relevance set (tests/search/relevance.json), or NULL after saying why. */
static inline json_t *load_relevance(const char *path)
{
    json_error_t jerr;
    json_t *relevance = json_load_file(path, 0, &jerr);
    if (relevance == NULL)
        fprintf(stderr, BENCH_NAME ": %s: %s (line %d)\n", path, jerr.text, jerr.line);
    return relevance;
}

/* Loads the relevance set into *relevance and opens the registry read-write
 * (dies if it cannot), with *problems initialised; NULL, with nothing
 * opened, when the relevance set does not load. */
static inline struct ph_registry *open_with_relevance(const char *db_path, const char *relevance_path,
                                                      json_t **relevance, struct ph_problems *problems)
{
    *relevance = load_relevance(relevance_path);
    if (*relevance == NULL)
        return NULL;
    ph_problems_init(problems);
    struct ph_registry *reg = NULL;
    if (ph_registry_open(db_path, PH_OPEN_READ_WRITE, &reg, problems) != PH_OK)
        die("opening the registry", problems);
    return reg;
}

/* Undoes open_with_relevance. */
static inline void close_with_relevance(struct ph_registry *reg, json_t *relevance,
                                        struct ph_problems *problems)
{
    json_decref(relevance);
    ph_registry_close(reg);
    ph_problems_release(problems);
}

static inline void load_demo(struct ph_registry *reg, struct ph_problems *problems)
{
    json_t *loaded = NULL;
    if (ph_demo_load(reg, &loaded, problems) != PH_OK)
        die("loading the demo", problems);
    json_decref(loaded);
}

static inline void usage(void)
{
    fprintf(stderr, "usage: " BENCH_NAME " " BENCH_USAGE "\n");
    exit(2);
}

/* --- a deterministic random source (xorshift64*) ------------------------- */

struct rng {
    uint64_t state;
};

static inline void rng_seed(struct rng *r, uint64_t seed)
{
    r->state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (r->state == 0)
        r->state = 1;
}

static inline uint64_t rng_next(struct rng *r)
{
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return r->state * 0x2545F4914F6CDD1Dull;
}

static inline size_t rng_below(struct rng *r, size_t n)
{
    return n == 0 ? 0 : (size_t)(rng_next(r) % n);
}

static inline double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static inline bool rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

/* --- a growing string with a cap and a sticky error ----------------------- */

#define BUF_CAP (64 * 1024)

struct buf {
    char data[BUF_CAP];
    size_t len;
    bool overflow;
};

static inline void buf_reset(struct buf *b)
{
    b->len = 0;
    b->overflow = false;
    b->data[0] = '\0';
}

static inline void buf_addn(struct buf *b, const char *s, size_t n)
{
    if (b->overflow || b->len + n + 1 > sizeof b->data) {
        b->overflow = true;
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static inline void buf_add(struct buf *b, const char *fmt, ...)
{
    if (b->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, sizeof b->data - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof b->data - b->len) {
        b->overflow = true;
        b->data[b->len] = '\0';
    } else {
        b->len += (size_t)n;
    }
}

static inline size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Appends `in` to `out` with about a third of its numbers (10 and up, not
 * years 2000-2100, not before a decimal point) changed by up to +-30%, so
 * that generated texts differ the way real ones do; with move_years, half
 * of the years followed by 年 move into 2024-2026. */
static inline void vary_numbers(const char *in, struct rng *r, struct buf *out, bool move_years)
{
    const char *p = in;
    while (*p != '\0') {
        if (*p < '0' || *p > '9') {
            buf_addn(out, p, 1);
            p++;
            continue;
        }
        const char *start = p;
        long value = 0;
        while (*p >= '0' && *p <= '9' && p - start < 9) {
            value = value * 10 + (*p - '0');
            p++;
        }
        bool year = value >= 2000 && value <= 2100;
        if (move_years && year && strncmp(p, "年", strlen("年")) == 0 && rng_chance(r, 0.5)) {
            buf_add(out, "%ld", 2024 + (long)rng_below(r, 3));
        } else if (value >= 10 && !year && *p != '.' && rng_chance(r, 0.35)) {
            double factor = 0.7 + 0.6 * rng_unit(r);
            long varied = lround((double)value * factor);
            if (value <= 100 && varied > 100)
                varied = 100; /* percentages stay percentages */
            buf_add(out, "%ld", varied < 1 ? 1 : varied);
        } else {
            buf_addn(out, start, (size_t)(p - start));
        }
    }
}

/* --- SQL on the registry's connection --------------------------------------- */

static inline void exec_sql(struct ph_registry *reg, const char *sql)
{
    char *error = NULL;
    if (sqlite3_exec(reg->db, sql, NULL, NULL, &error) != SQLITE_OK) {
        fprintf(stderr, BENCH_NAME ": %s: %s\n", sql, error != NULL ? error : "?");
        sqlite3_free(error);
        exit(1);
    }
}

static inline double sql_number(struct ph_registry *reg, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, BENCH_NAME ": %s: %s\n", sql, sqlite3_errmsg(reg->db));
        exit(1);
    }
    double value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_double(stmt, 0) : NAN;
    sqlite3_finalize(stmt);
    return value;
}

static inline bool has_dbstat(struct ph_registry *reg)
{
    sqlite3_stmt *stmt = NULL;
    bool ok = sqlite3_prepare_v2(reg->db, "SELECT pgsize FROM dbstat LIMIT 1", -1, &stmt, NULL) == SQLITE_OK;
    sqlite3_finalize(stmt);
    return ok;
}

/* Every rowid the FTS5 expression matches, nothing else (match_sql binds it
 * as ?1): what the full-text part of a search costs on its own. */
static inline void match_only(struct ph_registry *reg, const char *match_sql, const char *expression,
                              double *ms, int64_t *match_rows)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, match_sql, -1, &stmt, NULL) != SQLITE_OK)
        die("preparing the MATCH-only query", NULL);
    sqlite3_bind_text(stmt, 1, expression, -1, SQLITE_STATIC);
    double t0 = now_s();
    int64_t rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW)
        rows++;
    *ms = (now_s() - t0) * 1e3;
    *match_rows = rows;
    sqlite3_finalize(stmt);
}

/* EXPLAIN QUERY PLAN of one statement, a line a row. */
static inline json_t *query_plan(struct ph_registry *reg, const char *sql)
{
    json_t *rows = json_array();
    if (sql == NULL)
        return rows;
    size_t len = strlen(sql) + 32;
    char *text = malloc(len);
    if (text == NULL)
        return rows;
    snprintf(text, len, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, text, -1, &stmt, NULL) == SQLITE_OK) {
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            char line[512];
            snprintf(line, sizeof line, "%d<-%d %s", sqlite3_column_int(stmt, 0), sqlite3_column_int(stmt, 1),
                     (const char *)sqlite3_column_text(stmt, 3));
            json_array_append_new(rows, json_string(line));
        }
    } else {
        json_array_append_new(rows, json_string(sqlite3_errmsg(reg->db)));
    }
    sqlite3_finalize(stmt);
    free(text);
    return rows;
}

/* The id of the insurer whose short name or name is `name`; dies when there
 * is none. With several, the first in the list, or the last with
 * last_match (what each benchmark has always done). */
static inline int64_t insurer_by_name(struct ph_registry *reg, const char *name, bool last_match)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *list = NULL;
    if (ph_insurer_list(reg, &list, &problems) != PH_OK)
        die("listing insurers", &problems);
    int64_t id = 0;
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(list, "items"), i, item) {
        if ((id == 0 || last_match) &&
            (strcmp(json_string_value(json_object_get(item, "short_name")), name) == 0 ||
             strcmp(json_string_value(json_object_get(item, "name")), name) == 0))
            id = json_integer_value(json_object_get(item, "id"));
    }
    json_decref(list);
    ph_problems_release(&problems);
    if (id == 0) {
        fprintf(stderr, BENCH_NAME ": no insurer called %s\n", name);
        exit(1);
    }
    return id;
}

/* --- one search ------------------------------------------------------------------ */

/* A search entry point (ph_search_products, ph_search_documents) with the
 * query behind a void pointer. */
typedef ph_status (*bench_search_fn)(struct ph_registry *reg, const void *query, json_t **out,
                                     struct ph_problems *problems);

/* Runs one search and returns its milliseconds; dies if it fails. Keeps the
 * answer's total, understood.relaxed ("" when absent) and the first
 * understood.fts_expression it sees (strdup'ed into *fts_expression). */
static inline double timed_search(struct ph_registry *reg, bench_search_fn search, const void *query,
                                  const char *id, int64_t *total, char *relaxed, size_t relaxed_size,
                                  char **fts_expression)
{
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *result = NULL;
    double t0 = now_s();
    ph_status st = search(reg, query, &result, &problems);
    double ms = (now_s() - t0) * 1e3;
    if (st != PH_OK) {
        fprintf(stderr, BENCH_NAME ": query %s failed\n", id);
        die("search", &problems);
    }
    *total = json_integer_value(json_object_get(result, "total"));
    const json_t *understood = json_object_get(result, "understood");
    const char *how = json_string_value(json_object_get(understood, "relaxed"));
    snprintf(relaxed, relaxed_size, "%s", how != NULL ? how : "");
    const char *expression = json_string_value(json_object_get(understood, "fts_expression"));
    if (*fts_expression == NULL && expression != NULL)
        *fts_expression = strdup(expression);
    json_decref(result);
    ph_problems_release(&problems);
    return ms;
}

/* Defines, for a struct bench_query with the members id, query, total,
 * relaxed, fts_expression, match_only_ms, match_rows, samples_ms and
 * sample_count:
 *   run_one(reg, b)            one timed search through SEARCH
 *                              (ph_search_products, ph_search_documents),
 *                              whose query is a QUERY_TYPE;
 *   match_only_all(reg, q, n)  match_only() of each query's expression on
 *                              FTS_TABLE (a string literal);
 *   compare_by_median          for qsort of struct bench_query pointers,
 *                              slowest median first;
 *   free_queries(q, n)         frees each query's samples and expression. */
#define BENCH_DEFINE_QUERY_HELPERS(SEARCH, QUERY_TYPE, FTS_TABLE)                                            \
    static ph_status bench_search_entry(struct ph_registry *reg, const void *query, json_t **out,            \
                                        struct ph_problems *problems)                                        \
    {                                                                                                        \
        return SEARCH(reg, (const QUERY_TYPE *)query, out, problems);                                        \
    }                                                                                                        \
    static double run_one(struct ph_registry *reg, struct bench_query *b)                                    \
    {                                                                                                        \
        return timed_search(reg, bench_search_entry, &b->query, b->id, &b->total, b->relaxed,                \
                            sizeof b->relaxed, &b->fts_expression);                                          \
    }                                                                                                        \
    static void match_only_all(struct ph_registry *reg, struct bench_query *queries, size_t n)               \
    {                                                                                                        \
        for (size_t k = 0; k < n; k++) {                                                                     \
            struct bench_query *b = &queries[k];                                                             \
            if (b->fts_expression != NULL)                                                                   \
                match_only(reg, "SELECT rowid FROM " FTS_TABLE " WHERE " FTS_TABLE " MATCH ?",               \
                           b->fts_expression, &b->match_only_ms, &b->match_rows);                            \
        }                                                                                                    \
    }                                                                                                        \
    static int compare_by_median(const void *a, const void *b)                                               \
    {                                                                                                        \
        const struct bench_query *x = *(const struct bench_query *const *)a;                                 \
        const struct bench_query *y = *(const struct bench_query *const *)b;                                 \
        return compare_medians_desc(x->samples_ms, x->sample_count, y->samples_ms, y->sample_count);         \
    }                                                                                                        \
    static void free_queries(struct bench_query *queries, size_t n)                                          \
    {                                                                                                        \
        for (size_t k = 0; k < n; k++) {                                                                     \
            free(queries[k].samples_ms);                                                                     \
            free(queries[k].fts_expression);                                                                 \
        }                                                                                                    \
    }

/* --- latency figures ------------------------------------------------------------ */

static inline int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted values. */
static inline double percentile(const double *sorted, size_t n, double pct)
{
    if (n == 0)
        return NAN;
    size_t rank = (size_t)ceil(pct / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

/* For qsort of queries, slowest first: compares the medians of two sorted
 * sample sets. */
static inline int compare_medians_desc(const double *x, size_t xn, const double *y, size_t yn)
{
    double mx = percentile(x, xn, 50);
    double my = percentile(y, yn, 50);
    return mx < my ? 1 : mx > my ? -1 : 0;
}

/* Sorts the values; samples, p50/p90/p99, max, min and mean. */
static inline json_t *latency_json(double *values, size_t n)
{
    qsort(values, n, sizeof values[0], compare_doubles);
    double sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += values[k];
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "samples", (json_int_t)n, "p50_ms",
                     percentile(values, n, 50), "p90_ms", percentile(values, n, 90), "p99_ms",
                     percentile(values, n, 99), "max_ms", n ? values[n - 1] : NAN, "min_ms",
                     n ? values[0] : NAN, "mean_ms", n ? sum / (double)n : NAN);
}

/* One query's figures from its sorted samples: id, kind, q, filters, total,
 * relaxed, p50/p99/max. */
static inline json_t *query_head_json(const char *id, const char *kind, const char *q, const json_t *filters,
                                      int64_t total, const char *relaxed, const double *samples, size_t n)
{
    return json_pack("{s:s, s:s?, s:s, s:O?, s:I, s:s, s:f, s:f, s:f}", "id", id, "kind", kind, "q",
                     q != NULL ? q : "", "filters", filters, "total", (json_int_t)total, "relaxed", relaxed,
                     "p50_ms", percentile(samples, n, 50), "p99_ms", percentile(samples, n, 99), "max_ms",
                     n ? samples[n - 1] : NAN);
}

/* How many measured rounds fit the budget after a warm-up round that took
 * warm_s: the rounds asked for, or fewer but no fewer than 3. */
static inline long rounds_within_budget(long rounds, double warm_s, double budget_s)
{
    if ((double)rounds * warm_s > budget_s)
        rounds = (long)(budget_s / warm_s) < 3 ? 3 : (long)(budget_s / warm_s);
    return rounds;
}

/* The report on stdout, then frees it. */
static inline void print_report(json_t *report)
{
    json_dumpf(report, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    fputc('\n', stdout);
    json_decref(report);
}

#endif
