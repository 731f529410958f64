/*
 * registry/search.c - the product search: index maintenance, reading what
 * a person typed, building a safe FTS5 expression, filters, facets,
 * sorting, highlights, and relaxing a query that finds nothing.
 *
 * Safety: no byte of user text is ever pasted into SQL, and it reaches
 * FTS5's query language only inside double-quoted strings with every
 * quote doubled, after our own tokenising has reduced it to letters,
 * digits and Han characters. So quotes, operators, column filters, NEAR,
 * stars and carets in the input are just text.
 */
#include "registry/search.h"
#include "registry/search_cache.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "i18n/breaks.h"
#include "i18n/collate.h"
#include "i18n/fold.h"
#include "i18n/text.h"
#include "registry/internal.h"
#include "registry/rules.h"
#include "registry/search_internal.h"
#include "registry/validate.h"

/* bm25 weights per column: name, insurer, summary, covered, not_covered,
 * claim, labels. A match in the name counts most; a match among the
 * exclusions counts least (it is rarely what a person looks for). */
#define BM25_WEIGHTS "30.0, 3.0, 4.0, 1.5, 0.3, 0.5, 5.0"

/* --- SQL with bindings, built with a sticky error ------------------------- */

#define SQL_MAX_BYTES 16384
#define SQL_MAX_BINDS 64

enum bind_kind { BIND_TEXT, BIND_INT, BIND_DOUBLE };

struct bind {
    enum bind_kind kind;
    const char *text; /* BIND_TEXT: must outlive the statement */
    int64_t integer;
    double real;
};

struct sql {
    char text[SQL_MAX_BYTES];
    size_t len;
    bool overflow;
    int bind_count;
    struct bind binds[SQL_MAX_BINDS];
};

__attribute__((format(printf, 2, 3))) static void sql_add(struct sql *q, const char *fmt, ...)
{
    if (q->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(q->text + q->len, sizeof q->text - q->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof q->text - q->len)
        q->overflow = true;
    else
        q->len += (size_t)n;
}

/* Appends "?" and records the value to bind there. */
static void sql_bind(struct sql *q, struct bind value)
{
    if (q->bind_count == SQL_MAX_BINDS) {
        q->overflow = true;
        return;
    }
    q->binds[q->bind_count++] = value;
    sql_add(q, "?");
}

static void sql_text(struct sql *q, const char *value)
{
    sql_bind(q, (struct bind){.kind = BIND_TEXT, .text = value});
}

static void sql_int(struct sql *q, int64_t value)
{
    sql_bind(q, (struct bind){.kind = BIND_INT, .integer = value});
}

static void sql_double(struct sql *q, double value)
{
    sql_bind(q, (struct bind){.kind = BIND_DOUBLE, .real = value});
}

/* Prepares (uncached: the text varies with the filters) and binds. */
static sqlite3_stmt *sql_prepare(struct ph_registry *reg, const struct sql *q, struct ph_problems *problems)
{
    if (q->overflow) {
        ph_problems_add(problems, "internal", "", "搜索条件太复杂了，请减少一些条件再试。");
        return NULL;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(reg->db, q->text, (int)q->len, &stmt, NULL) != SQLITE_OK) {
        ph_db_problem(reg, problems, "search prepare");
        return NULL;
    }
    for (int i = 0; i < q->bind_count; i++) {
        const struct bind *b = &q->binds[i];
        if (b->kind == BIND_TEXT)
            sqlite3_bind_text(stmt, i + 1, b->text, -1, SQLITE_STATIC);
        else if (b->kind == BIND_INT)
            sqlite3_bind_int64(stmt, i + 1, b->integer);
        else
            sqlite3_bind_double(stmt, i + 1, b->real);
    }
    return stmt;
}

/* A builder on the heap: 18 KiB would crowd a CivetWeb worker's 100 KiB
 * stack. Caller frees with free(). NULL after adding a problem. */
static struct sql *sql_new(struct ph_problems *problems)
{
    struct sql *q = calloc(1, sizeof *q);
    if (q == NULL)
        ph_problems_add(problems, "internal", "", "内存不足。");
    return q;
}

/* --- the index ------------------------------------------------------------ */

static void join_list(const json_t *list, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        int n = snprintf(out + used, size - used, "%s%s", i > 0 ? "\n" : "", json_string_value(item));
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

static void labels_text(const json_t *body, char *out, size_t size)
{
    size_t used = 0;
    int n = snprintf(out, size, "%s",
                     ph_enum_label(&ph_enum_category, json_string_value(json_object_get(body, "category"))));
    used = n > 0 ? (size_t)n : 0;
    size_t i;
    json_t *group;
    json_array_foreach (json_object_get(body, "target_groups"), i, group) {
        n = snprintf(out + used, size - used, " %s",
                     ph_enum_label(&ph_enum_target_group, json_string_value(group)));
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

static int group_index(const char *code)
{
    for (size_t i = 0; code != NULL && i < ph_enum_target_group.count; i++) {
        if (strcmp(ph_enum_target_group.values[i].code, code) == 0)
            return (int)i;
    }
    return -1;
}

static int64_t groups_mask(const json_t *groups)
{
    int64_t mask = 0;
    size_t i;
    json_t *group;
    json_array_foreach (groups, i, group) {
        int bit = group_index(json_string_value(group));
        if (bit >= 0)
            mask |= (int64_t)1 << bit;
    }
    return mask;
}

ph_status ph_search_index_product(struct ph_registry *reg, int64_t product_id, struct ph_problems *problems)
{
    static const char sql_source[] =
        "SELECT v.body, i.name || ' ' || i.short_name, p.insurer_id, p.registered_at"
        " FROM products p JOIN product_versions v ON v.product_id = p.id AND v.version = p.latest_version"
        " JOIN insurers i ON i.id = p.insurer_id WHERE p.id = ?";
    static const char sql_delete_fts[] = "DELETE FROM product_search WHERE rowid = ?";
    static const char sql_insert_fts[] =
        "INSERT INTO product_search (rowid, name, insurer, summary, covered, not_covered, claim, labels)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    static const char sql_filters[] =
        "INSERT INTO product_filters (product_id, category, age_min, age_max, premium_min_yuan,"
        " premium_max_yuan, preexisting, questionnaire, insurer_id, registered_at, groups_mask)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static const char sql_delete_filters[] = "DELETE FROM product_filters WHERE product_id = ?";
    static const char sql_delete_groups[] = "DELETE FROM product_groups WHERE product_id = ?";
    static const char sql_delete_regions[] = "DELETE FROM product_regions WHERE product_id = ?";
    static const char sql_group[] = "INSERT INTO product_groups (product_id, grp) VALUES (?, ?)";
    static const char sql_region[] = "INSERT INTO product_regions (product_id, region) VALUES (?, ?)";

    sqlite3_stmt *src = ph_stmt(reg, sql_source, problems);
    if (src == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(src, 1, product_id);
    if (sqlite3_step(src) != SQLITE_ROW) {
        sqlite3_reset(src);
        ph_db_problem(reg, problems, "search source");
        return PH_ERR_INTERNAL;
    }
    json_t *body = ph_column_json(src, 0);
    char insurer[256];
    snprintf(insurer, sizeof insurer, "%s", ph_column_text(src, 1));
    int64_t insurer_id = sqlite3_column_int64(src, 2);
    char registered_at[32];
    snprintf(registered_at, sizeof registered_at, "%s", ph_column_text(src, 3));
    sqlite3_reset(src);
    if (body == NULL) {
        ph_problems_add(problems, "internal", "", "产品数据损坏，无法建立索引。");
        return PH_ERR_INTERNAL;
    }

    /* Bounded by the validation rules: 30 sentences of 200 characters. */
    static const size_t text_max = 30 * 200 * 4 + 64;
    char *covered = malloc(text_max);
    char *not_covered = malloc(text_max);
    char *claim = malloc(text_max);
    char labels[512];
    ph_status st = covered != NULL && not_covered != NULL && claim != NULL ? PH_OK : PH_ERR_INTERNAL;
    if (st != PH_OK)
        ph_problems_add(problems, "internal", "", "内存不足。");

    sqlite3_stmt *stmt = st == PH_OK ? ph_stmt(reg, sql_delete_fts, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, product_id);
        st = ph_stmt_exec(reg, stmt, "search delete", problems);
    } else {
        st = PH_ERR_INTERNAL;
    }
    stmt = st == PH_OK ? ph_stmt(reg, sql_insert_fts, problems) : NULL;
    if (stmt != NULL) {
        const json_t *claim_obj = json_object_get(body, "claim");
        join_list(json_object_get(body, "covered"), covered, text_max);
        join_list(json_object_get(body, "not_covered"), not_covered, text_max);
        char documents[2400];
        join_list(json_object_get(claim_obj, "documents"), documents, sizeof documents);
        snprintf(claim, text_max, "%s\n%s", json_string_value(json_object_get(claim_obj, "how")), documents);
        labels_text(body, labels, sizeof labels);
        sqlite3_bind_int64(stmt, 1, product_id);
        sqlite3_bind_text(stmt, 2, json_string_value(json_object_get(body, "name")), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, insurer, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, json_string_value(json_object_get(body, "summary")), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, covered, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 6, not_covered, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 7, claim, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 8, labels, -1, SQLITE_STATIC);
        st = ph_stmt_exec(reg, stmt, "search insert", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    /* DELETE then INSERT, not INSERT OR REPLACE: REPLACE opens a statement
     * savepoint, and FTS5 flushes its pending index data at every one. */
    stmt = st == PH_OK ? ph_stmt(reg, sql_delete_filters, problems) : NULL;
    if (stmt != NULL) {
        sqlite3_bind_int64(stmt, 1, product_id);
        st = ph_stmt_exec(reg, stmt, "search filters delete", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    stmt = st == PH_OK ? ph_stmt(reg, sql_filters, problems) : NULL;
    if (stmt != NULL) {
        const json_t *premium = json_object_get(body, "premium_yuan_per_year");
        sqlite3_bind_int64(stmt, 1, product_id);
        sqlite3_bind_text(stmt, 2, json_string_value(json_object_get(body, "category")), -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, json_integer_value(json_object_get(body, "age_min")));
        sqlite3_bind_int64(stmt, 4, json_integer_value(json_object_get(body, "age_max")));
        sqlite3_bind_double(stmt, 5, json_number_value(json_object_get(premium, "min")));
        sqlite3_bind_double(stmt, 6, json_number_value(json_object_get(premium, "max")));
        sqlite3_bind_text(stmt, 7, json_string_value(json_object_get(body, "preexisting_conditions")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(stmt, 8, json_is_true(json_object_get(body, "health_questionnaire")));
        sqlite3_bind_int64(stmt, 9, insurer_id);
        sqlite3_bind_text(stmt, 10, registered_at, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 11, groups_mask(json_object_get(body, "target_groups")));
        st = ph_stmt_exec(reg, stmt, "search filters", problems);
    } else if (st == PH_OK) {
        st = PH_ERR_INTERNAL;
    }
    const char *const list_sql[2][2] = {{sql_delete_groups, sql_group}, {sql_delete_regions, sql_region}};
    const char *const list_field[2] = {"target_groups", "regions"};
    for (int l = 0; l < 2 && st == PH_OK; l++) {
        stmt = ph_stmt(reg, list_sql[l][0], problems);
        if (stmt == NULL) {
            st = PH_ERR_INTERNAL;
            break;
        }
        sqlite3_bind_int64(stmt, 1, product_id);
        st = ph_stmt_exec(reg, stmt, "search list delete", problems);
        size_t i;
        json_t *value;
        json_array_foreach (json_object_get(body, list_field[l]), i, value) {
            if (st != PH_OK)
                break;
            stmt = ph_stmt(reg, list_sql[l][1], problems);
            if (stmt == NULL) {
                st = PH_ERR_INTERNAL;
                break;
            }
            sqlite3_bind_int64(stmt, 1, product_id);
            sqlite3_bind_text(stmt, 2, json_string_value(value), -1, SQLITE_STATIC);
            st = ph_stmt_exec(reg, stmt, "search list insert", problems);
        }
    }
    free(covered);
    free(not_covered);
    free(claim);
    json_decref(body);
    return st;
}

/* --- SQL helpers registered on every connection -------------------------- */

static void sql_solvency_adequate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    const char *rating = (const char *)sqlite3_value_text(argv[2]);
    sqlite3_result_int(ctx,
                       ph_solvency_is_adequate(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1]),
                                               rating != NULL ? rating : ""));
}

static int sql_pinyin_collation(void *unused, int a_len, const void *a, int b_len, const void *b)
{
    (void)unused;
    return ph_collate_compare_utf8(a, (size_t)a_len, b, (size_t)b_len);
}

int ph_search_register_sql(sqlite3 *db)
{
    int rc = sqlite3_create_function(db, "ph_solvency_adequate", 3,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     sql_solvency_adequate, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_collation(db, "pinyin", SQLITE_UTF8, NULL, sql_pinyin_collation);
    return rc;
}

/* --- reading what people typed ------------------------------------------- */

#define TERMS_MAX      12
#define TERM_MAX_BYTES 256
#define EXPR_MAX_BYTES 4096

enum term_kind {
    TERM_HAN,     /* an exact phrase of characters (with its synonyms) */
    TERM_LATIN,   /* a word, its pinyin splits, its initials */
    TERM_ANY_CHAR /* any one of its meaningful characters (relaxation) */
};

struct term {
    enum term_kind kind;
    char text[TERM_MAX_BYTES]; /* folded */
};

struct understood {
    char typed[PH_SEARCH_QUERY_MAX_CHARS * 4 + 8]; /* what was typed, cut, as valid UTF-8 */
    char folded[PH_SEARCH_QUERY_MAX_CHARS * 4 + 8];
    struct term terms[TERMS_MAX];
    size_t term_count;
    int age_years;  /* -1 when the text names none */
    char region[8]; /* "" when the text names none */
    const char *region_zh;
    bool truncated;
};


/* Words that carry no meaning for the search on their own. */
static const char *const stop_chars[] = {"的", "了", "吗", "呢", "吧",   "啊",   "能",
                                         "我", "你", "他", "一", "是",   "在",   "有",
                                         "和", "与", "要", "想", "可以", "怎么", "什么"};

static bool is_stop_word(const char *folded)
{
    for (size_t i = 0; i < sizeof stop_chars / sizeof stop_chars[0]; i++) {
        if (strcmp(folded, stop_chars[i]) == 0)
            return true;
    }
    return false;
}

/* Removes `len` bytes at `at` from a NUL-terminated string, leaving a space
 * so that the words on either side stay apart. */
static void cut(char *s, size_t at, size_t len)
{
    s[at] = ' ';
    memmove(s + at + 1, s + at + len, strlen(s + at + len) + 1);
}

/* "65岁", "65周岁", "65 岁": the person's age. */
static void take_age(struct understood *u)
{
    char *s = u->folded;
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'))
            continue;
        size_t j = i;
        int age = 0;
        while (s[j] >= '0' && s[j] <= '9' && j - i < 4)
            age = age * 10 + (s[j++] - '0');
        size_t k = j;
        while (s[k] == ' ')
            k++;
        size_t unit = 0;
        if (strncmp(s + k, "周岁", strlen("周岁")) == 0)
            unit = strlen("周岁");
        else if (strncmp(s + k, "岁", strlen("岁")) == 0)
            unit = strlen("岁");
        if (unit > 0 && age <= 120) {
            u->age_years = age;
            cut(s, i, k + unit - i);
            return;
        }
    }
}

/* Cuts a place name (and the unit word after it) out of the text. */
static bool cut_place(char *text, const char *name)
{
    char *at = strstr(text, name);
    if (at == NULL)
        return false;
    size_t len = strlen(name);
    /* "浙江省", "杭州市": the unit word goes with the name. */
    static const char *const units[] = {"省", "市", "自治区", "地区"};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        if (strncmp(at + len, units[k], strlen(units[k])) == 0) {
            len += strlen(units[k]);
            break;
        }
    }
    cut(text, (size_t)(at - text), len);
    return true;
}

/* Every place named is taken out of the text; the most specific one
 * ("浙江杭州" -> 杭州, 330100) becomes the region. */
static void take_region(struct understood *u)
{
    int best_depth = -1;
    for (size_t p = 0; p < ph_region_place_count(); p++) {
        const struct ph_region_place *place = ph_region_place_at(p);
        if (!cut_place(u->folded, place->name))
            continue;
        int depth = strcmp(place->code + 2, "0000") == 0 ? 0 : 1;
        if (depth > best_depth) {
            best_depth = depth;
            snprintf(u->region, sizeof u->region, "%s", place->code);
            u->region_zh = place->name;
        }
    }
}

static void add_term(struct understood *u, enum term_kind kind, const char *bytes, size_t len)
{
    /* A run longer than a term holds is cut into several terms, on
     * character boundaries: long text still narrows the search. */
    while (len >= TERM_MAX_BYTES && u->term_count < TERMS_MAX) {
        size_t piece = TERM_MAX_BYTES - 1;
        while (piece > 0 && ((unsigned char)bytes[piece] & 0xC0) == 0x80)
            piece--;
        add_term(u, kind, bytes, piece);
        bytes += piece;
        len -= piece;
    }
    if (len == 0 || u->term_count == TERMS_MAX)
        return;
    struct term *t = &u->terms[u->term_count];
    memcpy(t->text, bytes, len);
    t->text[len] = '\0';
    if (kind == TERM_HAN && is_stop_word(t->text))
        return;
    t->kind = kind;
    u->term_count++;
}

/* Runs of Han characters and runs of letters and digits, split by
 * anything else (spaces, punctuation, operators, emoji). */
static void split_terms(struct understood *u)
{
    const uint8_t *s = (const uint8_t *)u->folded;
    int len = (int)strlen(u->folded);
    int offset = 0;
    int run_start = 0;
    enum term_kind run_kind = TERM_HAN;
    bool in_run = false;
    while (offset <= len) {
        int start = offset;
        UChar32 c = 0;
        if (offset < len)
            U8_NEXT(s, offset, len, c);
        else
            offset++;
        enum term_kind kind = TERM_HAN;
        bool word_char = false;
        if (start < len && c >= 0) {
            if (ph_is_han(c)) {
                word_char = true;
            } else if (u_isalnum(c)) {
                word_char = true;
                kind = TERM_LATIN;
            }
        }
        if (in_run && (!word_char || kind != run_kind)) {
            add_term(u, run_kind, u->folded + run_start, (size_t)(start - run_start));
            in_run = false;
        }
        if (word_char && !in_run) {
            in_run = true;
            run_start = start;
            run_kind = kind;
        }
    }
}

static void understand(const char *text, struct understood *u)
{
    memset(u, 0, sizeof *u);
    u->age_years = -1;
    if (text == NULL)
        return;
    size_t len = strlen(text);
    /* Cut to the first PH_SEARCH_QUERY_MAX_CHARS characters, on a
     * character boundary; malformed bytes are dropped by folding. */
    size_t cut_at = 0;
    size_t chars = 0;
    while (cut_at < len && chars < PH_SEARCH_QUERY_MAX_CHARS) {
        UChar32 c;
        int32_t i = (int32_t)cut_at;
        U8_NEXT((const uint8_t *)text, i, (int32_t)len, c);
        (void)c;
        cut_at = (size_t)i;
        chars++;
    }
    u->truncated = cut_at < len;
    /* Malformed bytes are dropped (they cannot mean anything), then the
     * rest is folded. */
    char clean[PH_SEARCH_QUERY_MAX_CHARS * 4 + 8];
    size_t clean_len = 0;
    for (int32_t i = 0; i < (int32_t)cut_at && clean_len + U8_MAX_LENGTH < sizeof clean;) {
        UChar32 c;
        U8_NEXT((const uint8_t *)text, i, (int32_t)cut_at, c);
        if (c >= 0 && !U_IS_UNICODE_NONCHAR(c))
            U8_APPEND_UNSAFE(clean, clean_len, c);
    }
    memcpy(u->typed, clean, clean_len);
    u->typed[clean_len] = '\0';
    size_t folded_len = 0;
    char *folded = ph_fold_text(clean, clean_len, &folded_len);
    if (folded == NULL)
        return;
    /* Accents folded away as the tokenizer does (é -> e, yìwài -> yiwai). */
    size_t used = 0;
    for (int32_t i = 0; i < (int32_t)folded_len && used + U8_MAX_LENGTH < sizeof u->folded;) {
        UChar32 c;
        U8_NEXT((const uint8_t *)folded, i, (int32_t)folded_len, c);
        if (c < 0 || ph_is_mark(c))
            continue;
        UChar32 base = ph_fold_strip_marks(c);
        U8_APPEND_UNSAFE(u->folded, used, base);
    }
    u->folded[used] = '\0';
    free(folded);
    take_age(u);
    take_region(u);
    split_terms(u);
}

/* --- FTS5 expressions ------------------------------------------------------ */

struct expr {
    char text[EXPR_MAX_BYTES];
    size_t len;
    bool overflow;
};

static void expr_add(struct expr *e, const char *s)
{
    size_t n = strlen(s);
    if (e->overflow || e->len + n + 1 > sizeof e->text) {
        e->overflow = true;
        return;
    }
    memcpy(e->text + e->len, s, n + 1);
    e->len += n;
}

/* A quoted FTS5 string: the tokenizer turns it into a phrase. Our terms
 * hold no quotes, but doubling them keeps that true by construction. */
static void expr_phrase(struct expr *e, const char *words)
{
    expr_add(e, "\"");
    for (const char *p = words; *p != '\0'; p++) {
        char one[2] = {*p, '\0'};
        expr_add(e, *p == '"' ? "\"\"" : one);
    }
    expr_add(e, "\"");
}

/* Synonym groups, as data: registry/data/synonyms.txt, embedded at build
 * time (one group per line, words separated by spaces; '#' comments). */
extern const unsigned char ph_synonyms_txt[];
extern const size_t ph_synonyms_txt_len;

/* Calls `each` for every other word of the synonym groups that hold `word`. */
static void for_each_synonym(const char *word, void (*each)(void *, const char *), void *ctx)
{
    const char *p = (const char *)ph_synonyms_txt;
    const char *end = p + ph_synonyms_txt_len;
    char line[512];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        if (n < sizeof line && n > 0 && p[0] != '#') {
            memcpy(line, p, n);
            line[n] = '\0';
            bool has = false;
            for (char *w = line; *w != '\0';) {
                size_t wl = strcspn(w, " \t");
                has = has || (wl == strlen(word) && strncmp(w, word, wl) == 0);
                w += wl;
                w += strspn(w, " \t");
            }
            if (has) {
                for (char *w = line; *w != '\0';) {
                    size_t wl = strcspn(w, " \t");
                    char saved = w[wl];
                    w[wl] = '\0';
                    if (strcmp(w, word) != 0)
                        each(ctx, w);
                    w[wl] = saved;
                    w += wl;
                    w += strspn(w, " \t");
                }
            }
        }
        p += n + 1;
    }
}

static void add_synonym_alternative(void *ctx, const char *synonym)
{
    struct expr *e = ctx;
    /* Synonyms are written folded already (simplified, lower case). */
    expr_add(e, " OR ");
    expr_phrase(e, synonym);
}

/* The alternatives of one Latin term: the word itself, its pinyin
 * syllable splits, and its letters as pinyin initials. */
static void latin_alternatives(struct expr *e, const char *word)
{
    expr_phrase(e, word);
    size_t len = strlen(word);
    bool letters = true;
    for (size_t i = 0; i < len; i++)
        letters = letters && word[i] >= 'a' && word[i] <= 'z';
    if (!letters || len > 64)
        return;
    uint8_t ends[4][PH_PINYIN_MAX_SYLLABLES];
    size_t counts[4];
    size_t splits = ph_pinyin_split(word, len, 4, ends, counts);
    for (size_t s = 0; s < splits && s < 4; s++) {
        if (counts[s] < 2)
            continue; /* one syllable is the word itself, already there */
        char spaced[TERM_MAX_BYTES * 2];
        size_t used = 0;
        size_t from = 0;
        for (size_t k = 0; k < counts[s]; k++) {
            size_t to = ends[s][k];
            if (used + (to - from) + 2 >= sizeof spaced)
                break;
            if (k > 0)
                spaced[used++] = ' ';
            memcpy(spaced + used, word + from, to - from);
            used += to - from;
            from = to;
        }
        spaced[used] = '\0';
        expr_add(e, " OR ");
        expr_phrase(e, spaced);
    }
    /* As initials only when the letters are not already pinyin ("ywx",
     * "hmb"): for "nongfang" the extra phrase costs ten times the work and
     * finds nothing the syllables do not. */
    if (len >= 2 && len <= 10 && (splits == 0 || len <= 3)) {
        char initials[32];
        size_t used = 0;
        for (size_t i = 0; i < len; i++) {
            if (i > 0)
                initials[used++] = ' ';
            initials[used++] = word[i];
        }
        initials[used] = '\0';
        expr_add(e, " OR ");
        expr_phrase(e, initials);
    }
}

/* Any one of the text's characters that is not a stop word. Returns
 * whether it wrote anything. */
static bool any_character(struct expr *e, const char *text, bool first)
{
    const uint8_t *s = (const uint8_t *)text;
    int len = (int)strlen(text);
    int offset = 0;
    while (offset < len) {
        int start = offset;
        UChar32 c;
        U8_NEXT(s, offset, len, c);
        char one[8];
        snprintf(one, sizeof one, "%.*s", offset - start, text + start);
        if (c < 0 || is_stop_word(one))
            continue;
        if (!first)
            expr_add(e, " OR ");
        expr_phrase(e, one);
        first = false;
    }
    return !first;
}

static void term_alternatives(struct expr *e, const struct term *t)
{
    expr_add(e, "(");
    if (t->kind == TERM_ANY_CHAR) {
        if (!any_character(e, t->text, true))
            expr_phrase(e, t->text);
    } else if (t->kind == TERM_LATIN) {
        latin_alternatives(e, t->text);
    } else {
        expr_phrase(e, t->text);
        for_each_synonym(t->text, add_synonym_alternative, e);
    }
    expr_add(e, ")");
}

/* AND of the terms whose bit is set in `mask`. */
static void build_and(struct expr *e, const struct understood *u, uint32_t mask)
{
    bool first = true;
    for (size_t i = 0; i < u->term_count; i++) {
        if ((mask & (1u << i)) == 0)
            continue;
        if (!first)
            expr_add(e, " AND ");
        term_alternatives(e, &u->terms[i]);
        first = false;
    }
}

/* OR of the terms whose bit is set in `mask`. */
static void build_or(struct expr *e, const struct understood *u, uint32_t mask)
{
    bool first = true;
    for (size_t i = 0; i < u->term_count; i++) {
        if ((mask & (1u << i)) == 0)
            continue;
        if (!first)
            expr_add(e, " OR ");
        term_alternatives(e, &u->terms[i]);
        first = false;
    }
}

/* OR of every meaningful Han character and Latin term: the last resort. */
static void build_characters(struct expr *e, const struct understood *u)
{
    bool first = true;
    for (size_t i = 0; i < u->term_count; i++) {
        const struct term *t = &u->terms[i];
        if (t->kind == TERM_LATIN) {
            if (!first)
                expr_add(e, " OR ");
            term_alternatives(e, t);
            first = false;
        } else {
            first = !any_character(e, t->text, first) && first;
        }
    }
}

/* --- running --------------------------------------------------------------- */

enum facet {
    FACET_CATEGORY,
    FACET_GROUP,
    FACET_PREEXISTING,
    FACET_QUESTIONNAIRE,
    FACET_INSURER,
    FACET_ON_SALE,
    FACET_COUNT,
    FACET_NONE = FACET_COUNT, /* every filter applies */
    FACET_ALL                 /* no facet's filter applies (the facet pass) */
};

/* Whether the filter of `facet` applies when `excluded` is left out. */
static bool applies(enum facet excluded, enum facet facet)
{
    return excluded != FACET_ALL && excluded != facet;
}

struct search_run {
    struct ph_registry *reg;
    const char *name_match;              /* "{name} : (match)", or NULL */
    const struct ph_search_query *query; /* with the age and region the text named */
    const char *match;                   /* FTS5 expression, or NULL for no text */
    char today[16];
    struct ph_region_units region_units; /* of query->region, when set */
};

/* The on-sale rule in SQL, the same as ph_product_get's in C: published,
 * or withdrawn with a stop date still ahead; never suspended; and an
 * insurer whose latest solvency report is adequate (policy 十九). */
static void sql_on_sale(struct sql *q, const struct search_run *run)
{
    sql_add(q, "((p.status = 'published' OR (p.status = 'withdrawn' AND p.withdrawal_date > ");
    sql_text(q, run->today);
    sql_add(q, ")) AND ok.adequate = 1)");
}

/* Whether a product is sold in the region asked about: for the place
 * itself, a unit above it or a unit inside it, and, when whole_country,
 * also for the whole country (000000). */
static void sql_region_match(struct sql *q, const struct search_run *run, bool whole_country)
{
    sql_add(q, "EXISTS (SELECT 1 FROM product_regions r WHERE r.product_id = p.id AND (r.region IN (%s",
            whole_country ? "'000000', " : "");
    sql_text(q, run->query->region);
    sql_add(q, ", ");
    sql_text(q, run->region_units.city);
    sql_add(q, ", ");
    sql_text(q, run->region_units.province);
    sql_add(q, ") OR r.region LIKE ");
    sql_text(q, run->region_units.like);
    sql_add(q, "))");
}

/* FROM ... WHERE ... shared by every query of one search, leaving out the
 * filter of the facet being counted. The insurer's adequacy is computed
 * once per insurer, not once per product. */
static void sql_from_where(struct sql *q, const struct search_run *run, enum facet excluded, bool with_body)
{
    const struct ph_search_query *query = run->query;
    /* The unary "+" on f.category and f.insurer_id below keeps SQLite from
     * driving the join from those indexes, a plan that re-runs the FTS5
     * query once per candidate product (332 ms instead of 14 ms at 50,000
     * products). */
    sql_add(q, " FROM products p JOIN product_filters f ON f.product_id = p.id"
               " JOIN (SELECT i.id AS insurer_id, COALESCE((SELECT ph_solvency_adequate(s.core_pct,"
               " s.comprehensive_pct, s.rating) FROM solvency_reports s WHERE s.insurer_id = i.id"
               " ORDER BY s.quarter DESC, s.id DESC LIMIT 1), 0) AS adequate FROM insurers i) ok"
               " ON ok.insurer_id = p.insurer_id");
    if (with_body)
        sql_add(q, " JOIN product_versions v ON v.product_id = p.id AND v.version = p.latest_version"
                   " JOIN insurers i ON i.id = p.insurer_id");
    if (run->match != NULL)
        sql_add(q, " JOIN product_search ON product_search.rowid = p.id");
    sql_add(q, " WHERE 1");
    if (run->match != NULL) {
        sql_add(q, " AND product_search MATCH ");
        sql_text(q, run->match);
    }
    if (query->category != NULL && applies(excluded, FACET_CATEGORY)) {
        sql_add(q, " AND +f.category = ");
        sql_text(q, query->category);
    }
    if (query->group != NULL && applies(excluded, FACET_GROUP)) {
        sql_add(q, " AND EXISTS (SELECT 1 FROM product_groups g WHERE g.product_id = p.id AND g.grp = ");
        sql_text(q, query->group);
        sql_add(q, ")");
    }
    if (query->region != NULL) {
        sql_add(q, " AND ");
        sql_region_match(q, run, true);
    }
    if (query->age_years >= 0) {
        sql_add(q, " AND f.age_min <= ");
        sql_int(q, query->age_years);
        sql_add(q, " AND f.age_max >= ");
        sql_int(q, query->age_years);
    }
    if (query->premium_max_yuan >= 0) {
        sql_add(q, " AND f.premium_min_yuan <= ");
        sql_double(q, query->premium_max_yuan);
    }
    if (query->preexisting != NULL && applies(excluded, FACET_PREEXISTING)) {
        sql_add(q, " AND f.preexisting = ");
        sql_text(q, query->preexisting);
    }
    if (query->questionnaire >= 0 && applies(excluded, FACET_QUESTIONNAIRE)) {
        sql_add(q, " AND f.questionnaire = ");
        sql_int(q, query->questionnaire);
    }
    if (query->insurer_id > 0 && applies(excluded, FACET_INSURER)) {
        sql_add(q, " AND +f.insurer_id = ");
        sql_int(q, query->insurer_id);
    }
    if (query->on_sale >= 0 && applies(excluded, FACET_ON_SALE)) {
        sql_add(q, query->on_sale == 1 ? " AND " : " AND NOT ");
        sql_on_sale(q, run);
    }
}

/* The number of products that pass the text and every filter; with
 * exists_only, just whether there is one (1 or 0), which stops at the
 * first match instead of counting tens of thousands. */
static ph_status count_matches(const struct search_run *run, bool exists_only, int64_t *out,
                               struct ph_problems *problems)
{
    struct sql *q = sql_new(problems);
    if (q == NULL)
        return PH_ERR_INTERNAL;
    sql_add(q, exists_only ? "SELECT EXISTS (SELECT 1" : "SELECT COUNT(*)");
    sql_from_where(q, run, FACET_NONE, false);
    if (exists_only)
        sql_add(q, ")");
    sqlite3_stmt *stmt = sql_prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    int rc = sqlite3_step(stmt);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW) {
        ph_db_problem(run->reg, problems, "search count");
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

/* HTML-escapes a snippet and turns the \x01 ... \x02 markers FTS5 put
 * around matched tokens into <mark> ... </mark>. NULL when nothing in it
 * matched. */
static json_t *highlight_json(const char *marked)
{
    if (marked == NULL || strchr(marked, '\x01') == NULL)
        return json_null();
    size_t len = strlen(marked);
    char *out = malloc(len * 7 + 1);
    if (out == NULL)
        return json_null();
    size_t used = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep;
        char one[2] = {marked[i], '\0'};
        switch (marked[i]) {
        case '\x01':
            rep = "<mark>";
            break;
        case '\x02':
            rep = "</mark>";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            rep = one;
        }
        size_t n = strlen(rep);
        memcpy(out + used, rep, n);
        used += n;
    }
    json_t *value = json_stringn(out, used);
    free(out);
    return value;
}

static const char *order_sql(enum ph_search_sort sort, bool has_text)
{
    switch (sort) {
    case PH_SORT_PREMIUM:
        return "f.premium_min_yuan ASC, p.registration_no ASC";
    case PH_SORT_NAME:
        return "p.name COLLATE pinyin ASC, p.registration_no ASC";
    case PH_SORT_NEWEST:
        return "p.registration_no DESC"; /* numbers are given in order */
    case PH_SORT_RELEVANCE:
        break;
    }
    /* A product made for the place asked about comes before one sold in
     * the whole country, and a product whose name holds what was asked for
     * before one that only mentions it in its text, whatever bm25 says. */
    /* Ties go to the newest registration: registration numbers are given
     * in order, and unlike registered_at (whole seconds) they never tie, so
     * the same query always answers in the same order. */
    return has_text ? "on_sale DESC, region_specific DESC, name_hit DESC, score ASC, p.registration_no DESC"
                    : "on_sale DESC, region_specific DESC, p.registration_no DESC";
}

/* The columns fetch_page selects, in order. */
enum page_column {
    COL_REGNO,
    COL_INSURER_ID,
    COL_STATUS,
    COL_ON_SALE,
    COL_SCORE,
    COL_NAME_HIT,
    COL_REGION_SPECIFIC,
    COL_BODY,
    COL_INSURER_NAME,
    COL_INSURER_SHORT_NAME,
    COL_HIGHLIGHTS /* seven of them, in the order of item_json's fields */
};

static json_t *item_json(sqlite3_stmt *stmt)
{
    json_t *body = ph_column_json(stmt, COL_BODY);
    if (body == NULL)
        return NULL;
    static const char *const kept[] = {"name",
                                       "category",
                                       "target_groups",
                                       "regions",
                                       "age_min",
                                       "age_max",
                                       "premium_yuan_per_year",
                                       "sum_insured_yuan",
                                       "deductible_yuan",
                                       "preexisting_conditions",
                                       "health_questionnaire",
                                       "summary"};
    const char *regno = ph_column_text(stmt, COL_REGNO);
    char url[64];
    snprintf(url, sizeof url, "/api/v1/products/%s", regno);
    json_t *item = json_pack("{s:s, s:s}", "registration_no", regno, "url", url);
    for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
        json_object_set(item, kept[k], json_object_get(body, kept[k]));
    json_decref(body);
    json_object_set_new(item, "insurer",
                        json_pack("{s:I, s:s, s:s}", "id",
                                  (json_int_t)sqlite3_column_int64(stmt, COL_INSURER_ID), "name",
                                  ph_column_text(stmt, COL_INSURER_NAME), "short_name",
                                  ph_column_text(stmt, COL_INSURER_SHORT_NAME)));
    json_object_set_new(item, "status", json_string(ph_column_text(stmt, COL_STATUS)));
    json_object_set_new(item, "on_sale", json_boolean(sqlite3_column_int(stmt, COL_ON_SALE) != 0));
    double score = sqlite3_column_double(stmt, COL_SCORE);
    json_object_set_new(item, "score", json_real(score != 0.0 ? -score : 0.0));
    json_t *highlights = json_object();
    static const char *const fields[] = {"name",    "summary",     "covered", "claim",
                                         "insurer", "not_covered", "labels"};
    for (int k = 0; k < 7; k++) {
        json_t *h = highlight_json(ph_column_text(stmt, COL_HIGHLIGHTS + k));
        if (json_is_null(h))
            json_decref(h);
        else
            json_object_set_new(highlights, fields[k], h);
    }
    json_object_set_new(item, "highlights", highlights);
    return item;
}

/* The columns the order needs, cheap to compute for every candidate:
 * on_sale, score, name_hit, region_specific. */
static void sql_order_columns(struct sql *q, const struct search_run *run)
{
    sql_on_sale(q, run);
    sql_add(q, " AS on_sale, %s AS score",
            run->match != NULL ? "bm25(product_search, " BM25_WEIGHTS ")" : "0.0");
    /* Whether the name matched, from one column-filtered FTS5 query run
     * once, not by highlighting every matching product's name. */
    if (run->match != NULL) {
        sql_add(q, ", p.id IN (SELECT rowid FROM product_search WHERE product_search MATCH ");
        sql_text(q, run->name_match);
        sql_add(q, ") AS name_hit");
    } else {
        sql_add(q, ", 0 AS name_hit");
    }
    if (run->query->region != NULL) {
        sql_add(q, ", ");
        sql_region_match(q, run, false);
        sql_add(q, " AS region_specific");
    } else {
        sql_add(q, ", 0 AS region_specific");
    }
}

/* One page of results. The inner query orders every candidate by cheap
 * columns and keeps the page's ids; only those rows get their body,
 * highlights and snippets (computing them for every candidate before the
 * sort was most of a search's time at 50,000 products). */
static ph_status fetch_page(const struct search_run *run, json_t *items, struct ph_problems *problems)
{
    const struct ph_search_query *query = run->query;
    const char *order = order_sql(query->sort, run->match != NULL);
    struct sql *q = sql_new(problems);
    if (q == NULL)
        return PH_ERR_INTERNAL;
    sql_add(q, "SELECT p.registration_no, p.insurer_id, p.status, ");
    sql_order_columns(q, run);
    sql_add(q, ", v.body, i.name, i.short_name");
    if (run->match != NULL)
        sql_add(q, ", highlight(product_search, 0, char(1), char(2)),"
                   " snippet(product_search, 2, char(1), char(2), '…', 32),"
                   " snippet(product_search, 3, char(1), char(2), '…', 32),"
                   " snippet(product_search, 5, char(1), char(2), '…', 32),"
                   " highlight(product_search, 1, char(1), char(2)),"
                   " snippet(product_search, 4, char(1), char(2), '…', 32),"
                   " highlight(product_search, 6, char(1), char(2))");
    else
        sql_add(q, ", NULL, NULL, NULL, NULL, NULL, NULL, NULL");
    sql_from_where(q, run, FACET_NONE, true);
    sql_add(q, " AND p.id IN (SELECT id FROM (SELECT p.id AS id, ");
    sql_order_columns(q, run);
    sql_from_where(q, run, FACET_NONE, false);
    sql_add(q, " ORDER BY %s LIMIT ", order);
    sql_int(q, query->per_page);
    sql_add(q, " OFFSET ");
    sql_int(q, (int64_t)(query->page - 1) * query->per_page);
    sql_add(q, ")) ORDER BY %s", order);
    sqlite3_stmt *stmt = sql_prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    int rc = sqlite3_step(stmt);
    while (rc == SQLITE_ROW) {
        json_t *item = item_json(stmt);
        if (item != NULL)
            json_array_append_new(items, item);
        rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        ph_db_problem(run->reg, problems, "search page");
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

/* Counts per value of every facet, each under every other active filter,
 * in one pass: one query returns the facet values of every product that
 * passes the text and the non-facet filters (region, age, premium), and
 * the counting happens here. Six GROUP BY queries re-ran the match six
 * times (59% of a search's time at 50,000 products). */
struct facet_counter {
    int64_t category[16];
    int64_t group[16];
    int64_t preexisting[4];
    int64_t questionnaire[2]; /* false, true */
    int64_t on_sale[2];       /* false, true */
    int64_t *insurer_ids;     /* grows: there is no cap on insurers */
    int64_t *insurer_counts;
    size_t insurers;
    size_t insurers_capacity;
};

static int enum_index(const struct ph_enum *e, const char *code)
{
    for (size_t i = 0; code != NULL && i < e->count; i++) {
        if (strcmp(e->values[i].code, code) == 0)
            return (int)i;
    }
    return -1;
}

/* Returns false only when memory runs out. */
static bool count_insurer(struct facet_counter *c, int64_t id)
{
    for (size_t i = 0; i < c->insurers; i++) {
        if (c->insurer_ids[i] == id) {
            c->insurer_counts[i]++;
            return true;
        }
    }
    if (c->insurers == c->insurers_capacity) {
        size_t capacity = c->insurers_capacity == 0 ? 64 : c->insurers_capacity * 2;
        int64_t *ids = realloc(c->insurer_ids, capacity * sizeof *ids);
        if (ids == NULL)
            return false;
        c->insurer_ids = ids;
        int64_t *counts = realloc(c->insurer_counts, capacity * sizeof *counts);
        if (counts == NULL)
            return false;
        c->insurer_counts = counts;
        c->insurers_capacity = capacity;
    }
    c->insurer_ids[c->insurers] = id;
    c->insurer_counts[c->insurers++] = 1;
    return true;
}

static void facet_counter_free(struct facet_counter *c)
{
    if (c == NULL)
        return;
    free(c->insurer_ids);
    free(c->insurer_counts);
    free(c);
}

static json_t *facet_value(const char *value, const char *label, int64_t count)
{
    return json_pack("{s:s, s:s?, s:I}", "value", value, "label_zh", label, "count", (json_int_t)count);
}

/* Sorts a facet's values by count (most first), then by value. */
static int compare_facet_values(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a;
    const json_t *y = *(json_t *const *)b;
    json_int_t cx = json_integer_value(json_object_get(x, "count"));
    json_int_t cy = json_integer_value(json_object_get(y, "count"));
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "value")),
                  json_string_value(json_object_get(y, "value")));
}

static json_t *sorted_facet(json_t **values, size_t n)
{
    qsort(values, n, sizeof values[0], compare_facet_values);
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, values[i]);
    return array;
}

static json_t *enum_facet(const struct ph_enum *e, const int64_t *counts)
{
    json_t *values[16];
    size_t n = 0;
    for (size_t i = 0; i < e->count && i < 16; i++) {
        if (counts[i] > 0)
            values[n++] = facet_value(e->values[i].code, e->values[i].label_zh, counts[i]);
    }
    return sorted_facet(values, n);
}

static json_t *yes_no_facet(const int64_t counts[2], const char *label_no, const char *label_yes)
{
    json_t *values[2];
    size_t n = 0;
    if (counts[1] > 0)
        values[n++] = facet_value("true", label_yes, counts[1]);
    if (counts[0] > 0)
        values[n++] = facet_value("false", label_no, counts[0]);
    return sorted_facet(values, n);
}

static ph_status count_facets(const struct search_run *run, json_t *facets, int64_t *out_total,
                              struct ph_problems *problems)
{
    const struct ph_search_query *query = run->query;
    struct sql *q = sql_new(problems);
    if (q == NULL)
        return PH_ERR_INTERNAL;
    sql_add(q, "SELECT f.category, f.groups_mask, f.preexisting, f.questionnaire, f.insurer_id, ");
    sql_on_sale(q, run);
    sql_from_where(q, run, FACET_ALL, false);
    sqlite3_stmt *stmt = sql_prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    struct facet_counter *c = calloc(1, sizeof *c);
    if (c == NULL) {
        sqlite3_finalize(stmt);
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    int wanted_group = query->group != NULL ? enum_index(&ph_enum_target_group, query->group) : -1;
    int64_t total = 0;
    int rc = sqlite3_step(stmt);
    while (rc == SQLITE_ROW) {
        const char *category = ph_column_text(stmt, 0);
        int64_t mask = sqlite3_column_int64(stmt, 1);
        const char *preexisting = ph_column_text(stmt, 2);
        int questionnaire = sqlite3_column_int(stmt, 3) != 0;
        int64_t insurer_id = sqlite3_column_int64(stmt, 4);
        int on_sale = sqlite3_column_int(stmt, 5) != 0;
        bool pass[FACET_COUNT] = {
            [FACET_CATEGORY] = query->category == NULL || strcmp(category, query->category) == 0,
            [FACET_GROUP] =
                query->group == NULL || (wanted_group >= 0 && (mask & ((int64_t)1 << wanted_group))),
            [FACET_PREEXISTING] = query->preexisting == NULL || strcmp(preexisting, query->preexisting) == 0,
            [FACET_QUESTIONNAIRE] = query->questionnaire < 0 || questionnaire == query->questionnaire,
            [FACET_INSURER] = query->insurer_id <= 0 || insurer_id == query->insurer_id,
            [FACET_ON_SALE] = query->on_sale < 0 || on_sale == query->on_sale,
        };
        int failing = 0;
        enum facet failed = FACET_NONE;
        for (int f = 0; f < FACET_COUNT; f++) {
            if (!pass[f]) {
                failing++;
                failed = (enum facet)f;
            }
        }
        if (failing == 0)
            total++;
        /* A product counts for facet X when it passes every other filter. */
        if (failing == 0 || failed == FACET_CATEGORY) {
            int k = enum_index(&ph_enum_category, category);
            if (k >= 0)
                c->category[k]++;
        }
        if (failing == 0 || failed == FACET_GROUP) {
            for (size_t g = 0; g < ph_enum_target_group.count; g++) {
                if (mask & ((int64_t)1 << g))
                    c->group[g]++;
            }
        }
        if (failing == 0 || failed == FACET_PREEXISTING) {
            int k = enum_index(&ph_enum_preexisting, preexisting);
            if (k >= 0)
                c->preexisting[k]++;
        }
        if (failing == 0 || failed == FACET_QUESTIONNAIRE)
            c->questionnaire[questionnaire]++;
        if ((failing == 0 || failed == FACET_INSURER) && !count_insurer(c, insurer_id)) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (failing == 0 || failed == FACET_ON_SALE)
            c->on_sale[on_sale]++;
        rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        facet_counter_free(c);
        ph_db_problem(run->reg, problems, "search facets");
        return PH_ERR_INTERNAL;
    }
    *out_total = total;
    json_object_set_new(facets, "category", enum_facet(&ph_enum_category, c->category));
    json_object_set_new(facets, "group", enum_facet(&ph_enum_target_group, c->group));
    json_object_set_new(facets, "preexisting", enum_facet(&ph_enum_preexisting, c->preexisting));
    json_object_set_new(facets, "questionnaire",
                        yes_no_facet(c->questionnaire, "不用做健康告知", "要做健康告知"));
    json_t **insurers = malloc((c->insurers + 1) * sizeof *insurers);
    if (insurers != NULL) {
        for (size_t i = 0; i < c->insurers; i++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)c->insurer_ids[i]);
            insurers[i] = facet_value(id, NULL, c->insurer_counts[i]);
        }
        json_object_set_new(facets, "insurer", sorted_facet(insurers, c->insurers));
        free(insurers);
    }
    json_object_set_new(facets, "on_sale", yes_no_facet(c->on_sale, "现在不能买", "现在能买"));
    facet_counter_free(c);
    return PH_OK;
}

/* Labels the insurer facet's values with the insurers' short names. */
static void label_insurers(struct ph_registry *reg, json_t *facets)
{
    static const char sql[] = "SELECT short_name FROM insurers WHERE id = ?";
    struct ph_problems ignored;
    ph_problems_init(&ignored);
    size_t i;
    json_t *value;
    json_array_foreach (json_object_get(facets, "insurer"), i, value) {
        sqlite3_stmt *stmt = ph_stmt(reg, sql, &ignored);
        if (stmt == NULL)
            break;
        sqlite3_bind_int64(stmt, 1, strtoll(json_string_value(json_object_get(value, "value")), NULL, 10));
        if (sqlite3_step(stmt) == SQLITE_ROW)
            json_object_set_new(value, "label_zh", json_string(ph_column_text(stmt, 0)));
        sqlite3_reset(stmt);
    }
    ph_problems_release(&ignored);
}

/* --- relaxing a query that finds nothing ------------------------------------ */

/* Counts what an FTS5 expression matches under the caller's filters (the
 * products' or the documents'); exists_only asks only whether anything does. */
struct match_counter {
    ph_status (*count)(void *ctx, const char *match, bool exists_only, int64_t *out, struct ph_problems *problems);
    void *ctx;
};

static ph_status count_expr(const struct match_counter *counter, const struct expr *e, bool exists_only,
                            int64_t *out, struct ph_problems *problems)
{
    if (e->overflow || e->len == 0) {
        *out = 0;
        return PH_OK;
    }
    return counter->count(counter->ctx, e->text, exists_only, out, problems);
}

static ph_status count_products(void *ctx, const char *match, bool exists_only, int64_t *out,
                                struct ph_problems *problems)
{
    struct search_run *run = ctx;
    run->match = match;
    return count_matches(run, exists_only, out, problems);
}

struct segment_ctx {
    const char *text;
    struct understood *out;
};

static bool add_word_span(void *ctx, const struct ph_text_span *span)
{
    struct segment_ctx *c = ctx;
    if (span->is_word)
        add_term(c->out, TERM_HAN, c->text + span->start_bytes, span->len_bytes);
    return c->out->term_count < TERMS_MAX;
}

/* The same terms with every Han run longer than two characters cut into
 * words by ICU's dictionary ("摔了一跤能赔吗" -> 摔 一跤 赔, stop words
 * dropped). Returns false when no run was cut (nothing new to try). */
static bool segment_terms(const struct understood *u, struct understood *out)
{
    *out = *u;
    out->term_count = 0;
    bool cut_any = false;
    for (size_t i = 0; i < u->term_count; i++) {
        const struct term *t = &u->terms[i];
        size_t chars = ph_text_length_chars(t->text, strlen(t->text));
        if (t->kind != TERM_HAN || chars <= 2) {
            if (out->term_count < TERMS_MAX)
                out->terms[out->term_count++] = *t;
            continue;
        }
        size_t before = out->term_count;
        struct segment_ctx ctx = {t->text, out};
        if (ph_words(t->text, strlen(t->text), add_word_span, &ctx) != PH_I18N_OK) {
            out->term_count = before;
            if (out->term_count < TERMS_MAX)
                out->terms[out->term_count++] = *t;
            continue;
        }
        cut_any = cut_any || out->term_count != before + 1;
    }
    return cut_any;
}

/* Chooses the expression, relaxing step by step while nothing matches:
 * every term as typed; the same cut into words; the words that match on
 * their own (naming the others); any of the characters. */
static ph_status choose_with(const struct match_counter *run, const struct understood *typed, struct expr *chosen,
                             const char **relaxed, json_t *unmatched, int64_t *total, struct ph_problems *problems)
{
    memset(chosen, 0, sizeof *chosen);
    build_and(chosen, typed, (1u << typed->term_count) - 1);
    ph_status st = count_expr(run, chosen, true, total, problems);
    *relaxed = "none";
    if (st != PH_OK || *total > 0 || typed->term_count == 0)
        return st;

    struct understood *words = malloc(sizeof *words);
    if (words == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    const struct understood *u = typed;
    if (segment_terms(typed, words) && words->term_count > 0) {
        u = words;
        memset(chosen, 0, sizeof *chosen);
        build_and(chosen, u, (1u << u->term_count) - 1);
        st = count_expr(run, chosen, true, total, problems);
        *relaxed = "words";
        if (st != PH_OK || *total > 0) {
            free(words);
            return st;
        }
    }

    uint32_t matching = 0;
    uint32_t all = (1u << u->term_count) - 1;
    for (size_t i = 0; i < u->term_count && st == PH_OK; i++) {
        struct expr one = {.len = 0};
        build_and(&one, u, 1u << i);
        int64_t n = 0;
        st = count_expr(run, &one, true, &n, problems);
        if (n > 0)
            matching |= 1u << i;
        else
            json_array_append_new(unmatched, json_string(u->terms[i].text));
    }
    if (st == PH_OK && matching == all && u->term_count > 1 && u->term_count <= 6) {
        /* Every word matches on its own, but not all together: keep the
         * largest set that still finds something by leaving one word out. */
        int64_t best = 0;
        size_t best_drop = 0;
        for (size_t d = 0; d < u->term_count && st == PH_OK; d++) {
            struct expr some = {.len = 0};
            build_and(&some, u, all & ~(1u << d));
            int64_t n = 0;
            st = count_expr(run, &some, false, &n, problems);
            if (n > best) {
                best = n;
                best_drop = d;
            }
        }
        if (st == PH_OK && best > 0) {
            matching = all & ~(1u << best_drop);
            json_array_append_new(unmatched, json_string(u->terms[best_drop].text));
        }
    }
    if (st == PH_OK && matching != 0 && matching != all) {
        /* An unmatched word of several characters still says something:
         * "摔了一跤" becomes any of 摔, 跤. */
        struct understood *partial = words;
        if (partial != u)
            *partial = *u;
        uint32_t kept = matching;
        for (size_t i = 0; i < partial->term_count; i++) {
            struct term *t = &partial->terms[i];
            if ((matching & (1u << i)) == 0 && t->kind == TERM_HAN &&
                ph_text_length_chars(t->text, strlen(t->text)) > 1) {
                t->kind = TERM_ANY_CHAR;
                kept |= 1u << i;
            }
        }
        memset(chosen, 0, sizeof *chosen);
        build_and(chosen, partial, kept);
        st = count_expr(run, chosen, true, total, problems);
        *relaxed = "dropped_terms";
        if (st != PH_OK || *total > 0) {
            free(words);
            return st;
        }
        /* Not all of them together: any of them, and bm25 puts the
         * products that match the most (and the rarest) words first. */
        u = partial;
        memset(chosen, 0, sizeof *chosen);
        build_or(chosen, u, kept);
        st = count_expr(run, chosen, true, total, problems);
        *relaxed = "dropped_terms";
        if (st != PH_OK || *total > 0) {
            free(words);
            return st;
        }
    }
    if (st == PH_OK) {
        memset(chosen, 0, sizeof *chosen);
        build_characters(chosen, u);
        *relaxed = "characters";
        st = count_expr(run, chosen, true, total, problems);
    }
    free(words);
    return st;
}

static ph_status choose_expression(struct search_run *run, const struct understood *typed, struct expr *chosen,
                                   const char **relaxed, json_t *unmatched, int64_t *total,
                                   struct ph_problems *problems)
{
    struct match_counter counter = {count_products, run};
    return choose_with(&counter, typed, chosen, relaxed, unmatched, total, problems);
}

/* --- the text part of a search, for other indexes (search_internal.h) ------ */

struct ph_text_query {
    struct understood u;
    struct expr chosen;
    const char *relaxed;
    json_t *unmatched;
};

struct ph_text_query *ph_text_query_new(const char *text)
{
    struct ph_text_query *tq = calloc(1, sizeof *tq);
    if (tq == NULL)
        return NULL;
    tq->unmatched = json_array();
    tq->relaxed = "none";
    understand(text, &tq->u);
    return tq;
}

void ph_text_query_free(struct ph_text_query *tq)
{
    if (tq == NULL)
        return;
    json_decref(tq->unmatched);
    free(tq);
}

size_t ph_text_query_term_count(const struct ph_text_query *tq)
{
    return tq->u.term_count;
}

const char *ph_text_query_region(const struct ph_text_query *tq)
{
    return tq->u.region[0] != '\0' ? tq->u.region : NULL;
}

ph_status ph_text_query_choose(struct ph_text_query *tq,
                               ph_status (*count)(void *ctx, const char *match, bool exists_only, int64_t *out,
                                                  struct ph_problems *problems),
                               void *ctx, const char **out_match, int64_t *out_total, struct ph_problems *problems)
{
    struct match_counter counter = {count, ctx};
    *out_match = NULL;
    *out_total = 0;
    if (tq->u.term_count == 0)
        return PH_OK;
    ph_status st = choose_with(&counter, &tq->u, &tq->chosen, &tq->relaxed, tq->unmatched, out_total, problems);
    if (st == PH_OK && tq->chosen.len > 0 && !tq->chosen.overflow)
        *out_match = tq->chosen.text;
    else
        *out_total = 0;
    return st;
}

json_t *ph_text_query_understood(const struct ph_text_query *tq)
{
    const struct understood *u = &tq->u;
    json_t *terms = json_array();
    for (size_t i = 0; i < u->term_count; i++)
        json_array_append_new(terms, json_string(u->terms[i].text));
    json_t *understood = json_object();
    json_object_set_new(understood, "text", json_string(u->typed));
    json_object_set_new(understood, "terms", terms);
    json_object_set_new(understood, "region", u->region[0] ? json_string(u->region) : json_null());
    json_object_set_new(understood, "region_zh", u->region_zh ? json_string(u->region_zh) : json_null());
    json_object_set_new(understood, "relaxed", json_string(tq->relaxed));
    json_object_set(understood, "unmatched", tq->unmatched);
    json_object_set_new(understood, "truncated", json_boolean(u->truncated));
    bool chosen = tq->chosen.len > 0 && !tq->chosen.overflow;
    json_object_set_new(understood, "fts_expression", chosen ? json_string(tq->chosen.text) : json_null());
    return understood;
}

json_t *ph_search_highlight_json(const char *marked)
{
    return highlight_json(marked);
}

/* --- the public entry points ------------------------------------------------- */

void ph_search_query_init(struct ph_search_query *query)
{
    memset(query, 0, sizeof *query);
    query->age_years = -1;
    query->premium_max_yuan = -1;
    query->questionnaire = -1;
    query->on_sale = -1;
    query->sort = PH_SORT_RELEVANCE;
    query->page = 1;
    query->per_page = 20;
}

ph_status ph_search_query_check(const struct ph_search_query *query, struct ph_problems *problems)
{
    size_t before = ph_problems_count(problems);
    if (query->category != NULL && !ph_enum_has(&ph_enum_category, query->category))
        ph_problems_add(problems, "enum_invalid", "category", "没有这个保险种类。");
    if (query->group != NULL && !ph_enum_has(&ph_enum_target_group, query->group))
        ph_problems_add(problems, "enum_invalid", "group", "没有这个人群。");
    if (query->preexisting != NULL && !ph_enum_has(&ph_enum_preexisting, query->preexisting))
        ph_problems_add(problems, "enum_invalid", "preexisting",
                        "既往症条件只能是 covered、partly 或 not_covered。");
    if (query->region != NULL && !ph_region_is_valid(query->region))
        ph_problems_add(problems, "region_invalid", "region",
                        "地区要用 6 位行政区划代码，例如 330100（杭州市）。");
    if (query->age_years != -1 && (query->age_years < 0 || query->age_years > 120))
        ph_problems_add(problems, "number_range", "age", "年龄应该在 0 到 120 岁之间。");
    if (query->premium_max_yuan != -1 &&
        (query->premium_max_yuan < 0 || query->premium_max_yuan > 1e6 || isnan(query->premium_max_yuan)))
        ph_problems_add(problems, "number_range", "premium_max", "每年最多想花多少钱，要在 0 到 1000000 元之间。");
    if (query->questionnaire < -1 || query->questionnaire > 1)
        ph_problems_add(problems, "enum_invalid", "questionnaire", "健康告知只能是 true 或 false。");
    if (query->on_sale < -1 || query->on_sale > 1)
        ph_problems_add(problems, "enum_invalid", "on_sale", "on_sale 只能是 true 或 false。");
    if (query->insurer_id < 0)
        ph_problems_add(problems, "number_range", "insurer", "保险公司编号应该是正整数。");
    if ((int)query->sort < 0 || query->sort > PH_SORT_NEWEST)
        ph_problems_add(problems, "enum_invalid", "sort", "排序只能是 relevance、premium、name 或 newest。");
    if (query->page < 1 || query->page > 10000)
        ph_problems_add(problems, "number_range", "page", "页码应该在 1 到 10000 之间。");
    if (query->per_page < 1 || query->per_page > PH_SEARCH_PER_PAGE_MAX)
        ph_problems_add(problems, "number_range", "per_page", "每页条数应该在 1 到 %d 之间。",
                        PH_SEARCH_PER_PAGE_MAX);
    return ph_problems_count(problems) == before ? PH_OK : PH_ERR_INVALID;
}

static const char *sort_name(enum ph_search_sort sort)
{
    static const char *const names[] = {"relevance", "premium", "name", "newest"};
    return names[sort];
}

static const char *sort_zh(enum ph_search_sort sort, bool has_text)
{
    switch (sort) {
    case PH_SORT_PREMIUM:
        return "按每年最低保费从低到高排列。";
    case PH_SORT_NAME:
        return "按产品名称的拼音顺序排列。";
    case PH_SORT_NEWEST:
        return "按登记时间从新到旧排列。";
    case PH_SORT_RELEVANCE:
        break;
    }
    return has_text ? "现在能买的排在前面，再按和您搜的词有多相关排列。排序不收任何费用。"
                    : "现在能买的排在前面，再按登记时间从新到旧排列。排序不收任何费用。";
}

/* A run of a search: the form's query, with the ages and places the text
 * names as filters unless the form gave them (*query, which run points
 * to), today's China date and the region's units. */
static void run_init(struct search_run *run, struct ph_registry *reg, const struct ph_search_query *given,
                     const struct understood *u, struct ph_search_query *query)
{
    *query = *given;
    if (query->age_years < 0 && u->age_years >= 0)
        query->age_years = u->age_years;
    if (query->region == NULL && u->region[0] != '\0')
        query->region = u->region;
    memset(run, 0, sizeof *run);
    run->reg = reg;
    run->query = query;
    ph_today_china(run->today);
    if (query->region != NULL)
        ph_region_units(query->region, &run->region_units);
}

/* The search itself, every time (ph_search_products adds the cache). */
static ph_status search_uncached(struct ph_registry *reg, const struct ph_search_query *given, json_t **out,
                                 struct ph_problems *problems)
{
    ph_status st = PH_OK;
    struct understood *u = malloc(sizeof *u);
    if (u == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    understand(given->text, u);

    struct ph_search_query query;
    struct search_run run;
    run_init(&run, reg, given, u, &query);

    json_t *unmatched = json_array();
    const char *relaxed = "none";
    int64_t total = 0;
    struct expr *chosen = calloc(1, sizeof *chosen);
    if (chosen == NULL) {
        st = PH_ERR_INTERNAL;
        ph_problems_add(problems, "internal", "", "内存不足。");
    } else if (u->term_count > 0) {
        st = choose_expression(&run, u, chosen, &relaxed, unmatched, &total, problems);
        run.match = chosen->len > 0 && !chosen->overflow ? chosen->text : NULL;
        if (run.match == NULL)
            total = 0;
    }

    /* Heap, not stack: CivetWeb's workers have 100 KiB stacks. */
    char *name_match = run.match != NULL ? malloc(EXPR_MAX_BYTES + 16) : NULL;
    if (name_match != NULL) {
        snprintf(name_match, EXPR_MAX_BYTES + 16, "{name} : (%s)", run.match);
        run.name_match = name_match;
    } else if (run.match != NULL) {
        st = PH_ERR_INTERNAL;
        ph_problems_add(problems, "internal", "", "内存不足。");
    }
    json_t *items = json_array();
    json_t *facets = json_object();
    bool nothing = u->term_count > 0 && run.match == NULL;
    if (st == PH_OK && !nothing)
        st = fetch_page(&run, items, problems);
    /* The facet pass also counts the total: the probes above only asked
     * whether anything matched. */
    if (st == PH_OK && !nothing)
        st = count_facets(&run, facets, &total, problems);
    if (st == PH_OK)
        label_insurers(reg, facets);

    if (st == PH_OK) {
        json_t *terms = json_array();
        for (size_t i = 0; i < u->term_count; i++)
            json_array_append_new(terms, json_string(u->terms[i].text));
        /* Built with set_new, never json_pack: a pack that fails (on text
         * that is not UTF-8, say) would free what it was given. */
        json_t *understood = json_object();
        json_object_set_new(understood, "text", json_string(u->typed));
        json_object_set_new(understood, "terms", terms);
        json_object_set_new(understood, "age", u->age_years >= 0 ? json_integer(u->age_years) : json_null());
        json_object_set_new(understood, "region", u->region[0] ? json_string(u->region) : json_null());
        json_object_set_new(understood, "region_zh", u->region_zh ? json_string(u->region_zh) : json_null());
        json_object_set_new(understood, "relaxed", json_string(relaxed));
        json_object_set(understood, "unmatched", unmatched);
        json_object_set_new(understood, "truncated", json_boolean(u->truncated));
        json_object_set_new(understood, "fts_expression",
                            run.match != NULL ? json_string(run.match) : json_null());
        /* What was actually filtered on: a form value wins over the text's. */
        json_t *applied = json_object();
        json_object_set_new(applied, "age",
                            query.age_years >= 0 ? json_integer(query.age_years) : json_null());
        json_object_set_new(applied, "region",
                            query.region != NULL ? json_string(query.region) : json_null());
        json_object_set_new(understood, "applied", applied);
        json_t *result = json_object();
        json_object_set_new(result, "total", json_integer(total));
        json_object_set_new(result, "page", json_integer(query.page));
        json_object_set_new(result, "per_page", json_integer(query.per_page));
        json_object_set_new(result, "sort", json_string(sort_name(query.sort)));
        json_object_set_new(result, "sort_zh", json_string(sort_zh(query.sort, run.match != NULL)));
        json_object_set(result, "items", items);
        json_object_set(result, "facets", facets);
        json_object_set_new(result, "understood", understood);
        *out = result;
    }
    json_decref(items);
    json_decref(facets);
    json_decref(unmatched);
    free(name_match);
    free(chosen);
    free(u);
    return st;
}

/* The answer as compact JSON text, from the cache when it holds one for
 * this state of the registry, else computed (and then stored). Exactly one
 * of *out_json and *out_text is set on success, whichever came cheaper. */
ph_status ph_search_cached_answer(struct ph_registry *reg, const char *key, bool products_only,
                                  ph_search_compute_fn compute, const void *query, json_t **out_json,
                                  char **out_text, size_t *out_len, struct ph_problems *problems)
{
    *out_json = NULL;
    *out_text = NULL;
    /* One read transaction: the state the answer is stored under is the
     * state it was computed at, even while a writer commits meanwhile. */
    bool own_tx = ph_read_begin(reg);
    int64_t log_size = 0;
    int64_t last_change_unix = 0;
    char today[16];
    ph_today_china(today);
    ph_status st = products_only ? ph_registry_products_state(reg, &log_size, problems)
                                 : ph_registry_state(reg, &log_size, &last_change_unix, problems);
    if (st == PH_OK) {
        *out_text = ph_search_cache_get(reg->search_cache, key, log_size, today, out_len);
        if (*out_text == NULL) {
            st = compute(reg, query, out_json, problems);
            if (st == PH_OK && own_tx) {
                char *text = json_dumps(*out_json, JSON_COMPACT);
                if (text != NULL)
                    ph_search_cache_put(reg->search_cache, key, log_size, today, text, strlen(text));
                free(text);
            }
        }
    }
    ph_read_end(reg, own_tx);
    return st;
}

/* A cached answer's text as JSON in *out; frees the text. */
static ph_status parse_cached_text(char *text, size_t len, json_t **out, struct ph_problems *problems)
{
    *out = json_loadb(text, len, 0, NULL);
    free(text);
    if (*out == NULL) {
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

ph_status ph_search_cached_json(struct ph_registry *reg, const char *key, bool products_only,
                                ph_search_compute_fn compute, const void *query, json_t **out,
                                struct ph_problems *problems)
{
    char *text = NULL;
    size_t len = 0;
    ph_status st = ph_search_cached_answer(reg, key, products_only, compute, query, out, &text, &len, problems);
    if (st == PH_OK && text != NULL)
        st = parse_cached_text(text, len, out, problems);
    return st;
}

static ph_status compute_products(struct ph_registry *reg, const void *query, json_t **out,
                                  struct ph_problems *problems)
{
    return search_uncached(reg, query, out, problems);
}

static ph_status search_cached(struct ph_registry *reg, const struct ph_search_query *query, json_t **out_json,
                               char **out_text, size_t *out_len, struct ph_problems *problems)
{
    *out_json = NULL;
    *out_text = NULL;
    ph_status st = ph_search_query_check(query, problems);
    if (st != PH_OK)
        return st;
    char *key = reg->search_cache != NULL ? malloc(PH_SEARCH_CACHE_KEY_MAX) : NULL;
    if (key == NULL || !ph_search_cache_key(query, key)) {
        free(key);
        return search_uncached(reg, query, out_json, problems);
    }
    /* A product search's answer is made of products, insurers and their
     * solvency alone: documents published meanwhile leave it valid. */
    st = ph_search_cached_answer(reg, key, true, compute_products, query, out_json, out_text, out_len, problems);
    free(key);
    return st;
}

ph_status ph_search_products(struct ph_registry *reg, const struct ph_search_query *query, json_t **out,
                             struct ph_problems *problems)
{
    char *text = NULL;
    size_t len = 0;
    ph_status st = search_cached(reg, query, out, &text, &len, problems);
    if (st == PH_OK && text != NULL)
        st = parse_cached_text(text, len, out, problems);
    else
        free(text);
    return st;
}

ph_status ph_search_products_text(struct ph_registry *reg, const struct ph_search_query *query, char **out,
                                  size_t *out_len, struct ph_problems *problems)
{
    json_t *answer = NULL;
    ph_status st = search_cached(reg, query, &answer, out, out_len, problems);
    if (st == PH_OK && answer != NULL) {
        *out = json_dumps(answer, JSON_COMPACT);
        *out_len = *out != NULL ? strlen(*out) : 0;
        if (*out == NULL) {
            ph_problems_add(problems, "internal", "", "内存不足。");
            st = PH_ERR_INTERNAL;
        }
    }
    json_decref(answer);
    return st;
}

void ph_registry_use_search_cache(struct ph_registry *reg, struct ph_search_cache *cache)
{
    reg->search_cache = cache;
}

/* --- exports: every match, streamed (search.h) -------------------------------- */

/* One product's row for an export. The filter tables already hold most
 * of what a row shows; of the 1-3 KB body only three values are read, by
 * one json_extract (one parse, in SQLite), because parsing every body
 * with jansson was half of an export's time. */
static const char sql_export_row[] =
    "SELECT p.registration_no, p.insurer_id, p.status, p.name, f.category, f.age_min, f.age_max,"
    " f.premium_min_yuan, f.premium_max_yuan, f.preexisting, f.questionnaire, i.name, i.short_name,"
    " json_extract(v.body, '$.target_groups', '$.regions', '$.sum_insured_yuan'),"
    " p.registered_at, p.latest_version, p.updated_at"
    " FROM products p JOIN product_filters f ON f.product_id = p.id"
    " JOIN product_versions v ON v.product_id = p.id AND v.version = p.latest_version"
    " JOIN insurers i ON i.id = p.insurer_id WHERE p.id = ?";

/* The export item's shape, made once per walk: each row then only
 * replaces the values (json_*_set), so the keys, the hash table and the
 * nested objects are not allocated again for every row. */
static json_t *export_item_new(void)
{
    json_t *item = json_object();
    static const char *const strings[] = {"registration_no",        "url",    "name",          "category",
                                          "preexisting_conditions", "status", "registered_at", "updated_at"};
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
        json_object_set_new(item, strings[k], json_string(""));
    json_object_set_new(item, "insurer",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)0, "name", "", "short_name", ""));
    json_object_set_new(item, "premium_yuan_per_year", json_pack("{s:f, s:f}", "min", 0.0, "max", 0.0));
    static const char *const integers[] = {"age_min", "age_max", "latest_version"};
    for (size_t k = 0; k < sizeof integers / sizeof integers[0]; k++)
        json_object_set_new(item, integers[k], json_integer(0));
    return item;
}

static void set_string(json_t *object, const char *key, const char *value)
{
    json_string_set(json_object_get(object, key), value != NULL ? value : "");
}

/* Fills the item with product `id`'s row; PH_ERR_INTERNAL after adding a
 * problem. */
static ph_status export_item(struct ph_registry *reg, int64_t id, int on_sale, json_t *item,
                             struct ph_problems *problems)
{
    sqlite3_stmt *stmt = ph_stmt(reg, sql_export_row, problems);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    sqlite3_bind_int64(stmt, 1, id);
    json_t *extracted = NULL;
    bool ok = sqlite3_step(stmt) == SQLITE_ROW;
    if (ok)
        extracted = ph_column_json(stmt, 13);
    ok = ok && extracted != NULL;
    if (ok) {
        const char *regno = ph_column_text(stmt, 0);
        char url[64];
        snprintf(url, sizeof url, "/api/v1/products/%s", regno);
        set_string(item, "registration_no", regno);
        set_string(item, "url", url);
        set_string(item, "name", ph_column_text(stmt, 3));
        json_t *insurer = json_object_get(item, "insurer");
        json_integer_set(json_object_get(insurer, "id"), sqlite3_column_int64(stmt, 1));
        set_string(insurer, "name", ph_column_text(stmt, 11));
        set_string(insurer, "short_name", ph_column_text(stmt, 12));
        set_string(item, "category", ph_column_text(stmt, 4));
        json_object_set(item, "target_groups", json_array_get(extracted, 0));
        json_object_set(item, "regions", json_array_get(extracted, 1));
        json_integer_set(json_object_get(item, "age_min"), sqlite3_column_int64(stmt, 5));
        json_integer_set(json_object_get(item, "age_max"), sqlite3_column_int64(stmt, 6));
        json_t *premium = json_object_get(item, "premium_yuan_per_year");
        json_real_set(json_object_get(premium, "min"), sqlite3_column_double(stmt, 7));
        json_real_set(json_object_get(premium, "max"), sqlite3_column_double(stmt, 8));
        json_object_set(item, "sum_insured_yuan", json_array_get(extracted, 2));
        set_string(item, "preexisting_conditions", ph_column_text(stmt, 9));
        json_object_set_new(item, "health_questionnaire", json_boolean(sqlite3_column_int(stmt, 10) != 0));
        set_string(item, "status", ph_column_text(stmt, 2));
        json_object_set_new(item, "on_sale", json_boolean(on_sale != 0));
        set_string(item, "registered_at", ph_column_text(stmt, 14));
        json_integer_set(json_object_get(item, "latest_version"), sqlite3_column_int64(stmt, 15));
        set_string(item, "updated_at", ph_column_text(stmt, 16));
    }
    json_decref(extracted);
    sqlite3_reset(stmt);
    if (!ok) {
        ph_db_problem(reg, problems, "export row");
        return PH_ERR_INTERNAL;
    }
    return PH_OK;
}

/* Walks the ordered ids of every match (the sorter holds ids and the cheap
 * order columns, never the 1-3 KB bodies) and builds each item as it goes. */
static ph_status export_walk(const struct search_run *run, int (*row)(void *ctx, const json_t *item),
                             void *ctx, struct ph_problems *problems)
{
    struct sql *q = sql_new(problems);
    if (q == NULL)
        return PH_ERR_INTERNAL;
    sql_add(q, "SELECT p.id, ");
    sql_order_columns(q, run);
    sql_from_where(q, run, FACET_NONE, false);
    sql_add(q, " ORDER BY %s", order_sql(run->query->sort, run->match != NULL));
    sqlite3_stmt *stmt = sql_prepare(run->reg, q, problems);
    free(q);
    if (stmt == NULL)
        return PH_ERR_INTERNAL;
    json_t *item = export_item_new();
    ph_status st = item != NULL ? PH_OK : PH_ERR_INTERNAL;
    if (item == NULL)
        ph_problems_add(problems, "internal", "", "内存不足。");
    int rc = st == PH_OK ? sqlite3_step(stmt) : SQLITE_DONE;
    while (rc == SQLITE_ROW) {
        st =
            export_item(run->reg, sqlite3_column_int64(stmt, 0), sqlite3_column_int(stmt, 1), item, problems);
        if (st != PH_OK || row(ctx, item) != 0)
            break;
        rc = sqlite3_step(stmt);
    }
    json_decref(item);
    if (st == PH_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ph_db_problem(run->reg, problems, "export walk");
        st = PH_ERR_INTERNAL;
    }
    sqlite3_finalize(stmt);
    return st;
}

ph_status ph_search_products_each(struct ph_registry *reg, const struct ph_search_query *given,
                                  int (*row)(void *ctx, const json_t *item), void *ctx,
                                  struct ph_problems *problems)
{
    ph_status st = ph_search_query_check(given, problems);
    if (st != PH_OK)
        return st;
    struct understood *u = malloc(sizeof *u);
    struct expr *chosen = calloc(1, sizeof *chosen);
    char *name_match = malloc(EXPR_MAX_BYTES + 16);
    json_t *unmatched = json_array();
    if (u == NULL || chosen == NULL || name_match == NULL || unmatched == NULL) {
        free(u);
        free(chosen);
        free(name_match);
        json_decref(unmatched);
        ph_problems_add(problems, "internal", "", "内存不足。");
        return PH_ERR_INTERNAL;
    }
    understand(given->text, u);
    /* The same reading of the text as ph_search_products. */
    struct ph_search_query query;
    struct search_run run;
    run_init(&run, reg, given, u, &query);

    bool own_tx = ph_read_begin(reg);
    bool nothing = false;
    if (u->term_count > 0) {
        const char *relaxed = "none";
        int64_t total = 0;
        st = choose_expression(&run, u, chosen, &relaxed, unmatched, &total, problems);
        run.match = chosen->len > 0 && !chosen->overflow ? chosen->text : NULL;
        nothing = run.match == NULL;
    }
    if (st == PH_OK && run.match != NULL) {
        snprintf(name_match, EXPR_MAX_BYTES + 16, "{name} : (%s)", run.match);
        run.name_match = name_match;
    }
    if (st == PH_OK && !nothing)
        st = export_walk(&run, row, ctx, problems);
    ph_read_end(reg, own_tx);

    json_decref(unmatched);
    free(name_match);
    free(chosen);
    free(u);
    return st;
}
