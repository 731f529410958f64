/*
 * a11y/glossary.c - the jargon glossary: parsing the TSV table, finding its
 * words in text (leftmost-longest, not inside other words) and splitting
 * page text for "explain at first use". See glossary.h and
 * docs/internals/glossary.md.
 */
#include "a11y/glossary.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "i18n/breaks.h"
#include "i18n/text.h"

/* One spelling of an entry: what the text is searched for. */
struct needle {
    const char *bytes; /* NUL-terminated, inside the glossary's text copy */
    size_t len;
    const struct ph_glossary_entry *entry;
    bool is_alias;
    size_t line; /* in the file, for error reports */
};

struct ph_glossary {
    char *text; /* the TSV, copied and split in place; every string points here */
    struct ph_glossary_entry *entries;
    size_t count;
    const char **alias_pool; /* the entries' alias arrays, back to back */
    struct needle *needles;  /* every spelling, in file order */
    size_t needle_count;
    const struct needle **by_bytes;  /* sorted by bytes: lookup and duplicate check */
    const struct needle **by_length; /* longest first: leftmost-longest matching */
    bool first_byte[256];            /* some spelling starts with this byte */
};

/* The embedded a11y/data/glossary.tsv (CMake ph_embed). */
extern const unsigned char ph_glossary_tsv[];
extern const size_t ph_glossary_tsv_len;

const char *ph_glossary_status_name(enum ph_glossary_status status)
{
    switch (status) {
    case PH_GLOSSARY_OK:
        return "ok";
    case PH_GLOSSARY_BAD_INPUT:
        return "bad input";
    case PH_GLOSSARY_TOO_LONG:
        return "too long";
    case PH_GLOSSARY_BAD_DATA:
        return "bad data";
    case PH_GLOSSARY_NO_MEMORY:
        return "no memory";
    case PH_GLOSSARY_ICU_ERROR:
        return "ICU error";
    }
    return "unknown";
}

/* ---- parsing ---------------------------------------------------------- */

void ph_glossary_free(struct ph_glossary *glossary)
{
    if (glossary == NULL)
        return;
    free(glossary->text);
    free(glossary->entries);
    free(glossary->alias_pool);
    free(glossary->needles);
    free(glossary->by_bytes);
    free(glossary->by_length);
    free(glossary);
}

static int compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0)
        return c;
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

static int needle_by_bytes(const void *a, const void *b)
{
    const struct needle *x = *(const struct needle *const *)a;
    const struct needle *y = *(const struct needle *const *)b;
    return compare_bytes(x->bytes, x->len, y->bytes, y->len);
}

/* Longest first; equal lengths keep file order, so the order is stable. */
static int needle_by_length(const void *a, const void *b)
{
    const struct needle *x = *(const struct needle *const *)a;
    const struct needle *y = *(const struct needle *const *)b;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* No white space and no control characters (the text is valid UTF-8). */
static bool clean_spelling(const char *s, size_t len)
{
    if (len == 0 || len > PH_GLOSSARY_MAX_TERM_BYTES)
        return false;
    int32_t i = 0;
    while (i < (int32_t)len) {
        UChar32 c;
        U8_NEXT((const uint8_t *)s, i, (int32_t)len, c);
        if (c < 0 || u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR)
            return false;
    }
    return true;
}

static bool clean_explanation(const char *s, size_t len)
{
    if (len == 0 || len > PH_GLOSSARY_MAX_EXPLAIN_BYTES)
        return false;
    int32_t i = 0;
    while (i < (int32_t)len) {
        UChar32 c;
        U8_NEXT((const uint8_t *)s, i, (int32_t)len, c);
        if (c < 0 || u_charType(c) == U_CONTROL_CHAR)
            return false;
    }
    return true;
}

/* Adds one spelling of `entry`; false when there are too many. */
static bool add_needle(struct ph_glossary *g, const char *bytes, const struct ph_glossary_entry *entry,
                       bool is_alias, size_t line)
{
    if (g->needle_count == PH_GLOSSARY_MAX_ENTRIES * (PH_GLOSSARY_MAX_ALIASES + 1))
        return false;
    struct needle *n = &g->needles[g->needle_count++];
    n->bytes = bytes;
    n->len = strlen(bytes);
    n->entry = entry;
    n->is_alias = is_alias;
    n->line = line;
    return true;
}

/* Parses one non-comment line, split in place (tabs and '|' become NULs).
 * Returns false when the line breaks a rule. */
static bool parse_line(struct ph_glossary *g, char *line, size_t len, size_t line_no)
{
    char *tab = memchr(line, '\t', len);
    if (tab == NULL || memchr(tab + 1, '\t', len - (size_t)(tab + 1 - line)) != NULL)
        return false;
    if (g->count == PH_GLOSSARY_MAX_ENTRIES)
        return false;
    char *explain = tab + 1;
    size_t explain_len = len - (size_t)(explain - line);
    if (!clean_explanation(explain, explain_len))
        return false;
    *tab = '\0';

    struct ph_glossary_entry *entry = &g->entries[g->count];
    const char **aliases = &g->alias_pool[g->count * PH_GLOSSARY_MAX_ALIASES];
    size_t spellings = 0;
    char *word = line;
    for (;;) {
        char *bar = strchr(word, '|');
        if (bar != NULL)
            *bar = '\0';
        if (!clean_spelling(word, strlen(word)))
            return false;
        if (spellings == 0) {
            entry->term = word;
        } else {
            if (spellings > PH_GLOSSARY_MAX_ALIASES)
                return false;
            aliases[spellings - 1] = word;
        }
        if (!add_needle(g, word, entry, spellings > 0, line_no))
            return false;
        spellings++;
        if (bar == NULL)
            break;
        word = bar + 1;
    }
    entry->explain = explain;
    entry->aliases = aliases;
    entry->alias_count = spellings - 1;
    entry->index = g->count;
    g->count++;
    return true;
}

/* Splits the copied text into lines and parses each; sets *bad_line. */
static bool parse_lines(struct ph_glossary *g, size_t len, size_t *bad_line)
{
    char *p = g->text;
    char *end = g->text + len;
    size_t line_no = 0;
    while (p < end) {
        line_no++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line_end = nl != NULL ? nl : end;
        *line_end = '\0';
        size_t n = (size_t)(line_end - p);
        if (n > 0 && p[n - 1] == '\r')
            p[--n] = '\0';
        if (n > 0 && p[0] != '#' && !parse_line(g, p, n, line_no)) {
            *bad_line = line_no;
            return false;
        }
        p = line_end + 1;
    }
    return true;
}

/* Sorts the spellings; false when one is given twice (*bad_line: the
 * later of the two lines). */
static bool index_needles(struct ph_glossary *g, size_t *bad_line)
{
    for (size_t i = 0; i < g->needle_count; i++) {
        g->by_bytes[i] = &g->needles[i];
        g->by_length[i] = &g->needles[i];
        g->first_byte[(unsigned char)g->needles[i].bytes[0]] = true;
    }
    qsort(g->by_bytes, g->needle_count, sizeof(g->by_bytes[0]), needle_by_bytes);
    qsort(g->by_length, g->needle_count, sizeof(g->by_length[0]), needle_by_length);
    for (size_t i = 1; i < g->needle_count; i++) {
        if (needle_by_bytes(&g->by_bytes[i - 1], &g->by_bytes[i]) == 0) {
            size_t a = g->by_bytes[i - 1]->line;
            size_t b = g->by_bytes[i]->line;
            *bad_line = a > b ? a : b;
            return false;
        }
    }
    return true;
}

enum ph_glossary_status ph_glossary_parse(const char *tsv, size_t len_bytes, struct ph_glossary **out,
                                          size_t *bad_line)
{
    size_t line_at_fault = 0;
    if (bad_line != NULL)
        *bad_line = 0;
    if ((tsv == NULL && len_bytes > 0) || len_bytes > SIZE_MAX - 1)
        return PH_GLOSSARY_BAD_DATA;
    if (!ph_text_is_valid_utf8(tsv, len_bytes))
        return PH_GLOSSARY_BAD_DATA;

    size_t max_needles = (size_t)PH_GLOSSARY_MAX_ENTRIES * (PH_GLOSSARY_MAX_ALIASES + 1);
    struct ph_glossary *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return PH_GLOSSARY_NO_MEMORY;
    g->text = malloc(len_bytes + 1);
    g->entries = calloc(PH_GLOSSARY_MAX_ENTRIES, sizeof(*g->entries));
    g->alias_pool = calloc((size_t)PH_GLOSSARY_MAX_ENTRIES * PH_GLOSSARY_MAX_ALIASES, sizeof(*g->alias_pool));
    g->needles = calloc(max_needles, sizeof(*g->needles));
    g->by_bytes = calloc(max_needles, sizeof(*g->by_bytes));
    g->by_length = calloc(max_needles, sizeof(*g->by_length));
    if (g->text == NULL || g->entries == NULL || g->alias_pool == NULL || g->needles == NULL ||
        g->by_bytes == NULL || g->by_length == NULL) {
        ph_glossary_free(g);
        return PH_GLOSSARY_NO_MEMORY;
    }
    if (len_bytes > 0)
        memcpy(g->text, tsv, len_bytes);
    g->text[len_bytes] = '\0';

    if (!parse_lines(g, len_bytes, &line_at_fault) || !index_needles(g, &line_at_fault)) {
        if (bad_line != NULL)
            *bad_line = line_at_fault;
        ph_glossary_free(g);
        return PH_GLOSSARY_BAD_DATA;
    }
    *out = g;
    return PH_GLOSSARY_OK;
}

/* The embedded table, built once. Read-only afterwards. */
static struct ph_glossary *default_glossary;
static enum ph_glossary_status default_status;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void load_default(void)
{
    default_status =
        ph_glossary_parse((const char *)ph_glossary_tsv, ph_glossary_tsv_len, &default_glossary, NULL);
}

enum ph_glossary_status ph_glossary_default(const struct ph_glossary **out)
{
    pthread_once(&default_once, load_default);
    if (default_status == PH_GLOSSARY_OK)
        *out = default_glossary;
    return default_status;
}

/* ---- lookup ----------------------------------------------------------- */

size_t ph_glossary_count(const struct ph_glossary *glossary)
{
    return glossary->count;
}

const struct ph_glossary_entry *ph_glossary_entry_at(const struct ph_glossary *glossary, size_t i)
{
    return i < glossary->count ? &glossary->entries[i] : NULL;
}

static const struct needle *find_needle(const struct ph_glossary *g, const char *word, size_t len)
{
    size_t lo = 0;
    size_t hi = g->needle_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct needle *n = g->by_bytes[mid];
        int c = compare_bytes(n->bytes, n->len, word, len);
        if (c == 0)
            return n;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct ph_glossary_entry *ph_glossary_lookup(const struct ph_glossary *glossary, const char *word,
                                                   size_t len_bytes)
{
    if (word == NULL)
        return NULL;
    const struct needle *n = find_needle(glossary, word, len_bytes);
    return n != NULL ? n->entry : NULL;
}

/* ---- finding ---------------------------------------------------------- */

struct match_list {
    struct ph_glossary_match *items;
    size_t count;
    size_t alloc;
};

static bool match_list_add(struct match_list *list, const struct ph_glossary_match *m)
{
    if (list->count == list->alloc) {
        size_t next = list->alloc ? list->alloc * 2 : 16;
        struct ph_glossary_match *grown = realloc(list->items, next * sizeof(*grown));
        if (grown == NULL)
            return false;
        list->items = grown;
        list->alloc = next;
    }
    list->items[list->count++] = *m;
    return true;
}

/* Word boundaries of the text as a bit per byte offset (0 .. len), made
 * only when a spelling first matches: most texts never need ICU. */
struct boundaries {
    unsigned char *bits;
    bool ready;
};

static bool mark_word_start(void *ctx, const struct ph_text_span *span)
{
    unsigned char *bits = ctx;
    bits[span->start_bytes / 8] |= (unsigned char)(1u << (span->start_bytes % 8));
    return true;
}

static enum ph_glossary_status boundaries_make(struct boundaries *b, const char *utf8, size_t len)
{
    b->bits = calloc(len / 8 + 1, 1);
    if (b->bits == NULL)
        return PH_GLOSSARY_NO_MEMORY;
    enum ph_i18n_status status = ph_words(utf8, len, mark_word_start, b->bits);
    if (status != PH_I18N_OK)
        return status == PH_I18N_BAD_INPUT   ? PH_GLOSSARY_BAD_INPUT
               : status == PH_I18N_NO_MEMORY ? PH_GLOSSARY_NO_MEMORY
                                             : PH_GLOSSARY_ICU_ERROR;
    b->bits[len / 8] |= (unsigned char)(1u << (len % 8));
    b->ready = true;
    return PH_GLOSSARY_OK;
}

static bool is_boundary(const struct boundaries *b, size_t offset)
{
    return (b->bits[offset / 8] >> (offset % 8)) & 1u;
}

static enum ph_glossary_status check_text(const struct ph_glossary *glossary, const char *utf8, size_t len)
{
    if (glossary == NULL || (utf8 == NULL && len > 0))
        return PH_GLOSSARY_BAD_INPUT;
    if (len > PH_GLOSSARY_MAX_TEXT_BYTES)
        return PH_GLOSSARY_TOO_LONG;
    if (!ph_text_is_valid_utf8(utf8, len))
        return PH_GLOSSARY_BAD_INPUT;
    return PH_GLOSSARY_OK;
}

/* Every match of the text, in order, into *list (caller frees list->items). */
static enum ph_glossary_status collect_matches(const struct ph_glossary *g, const char *utf8, size_t len,
                                               struct match_list *list)
{
    struct boundaries b = {NULL, false};
    enum ph_glossary_status status = PH_GLOSSARY_OK;
    size_t i = 0;
    while (i < len && status == PH_GLOSSARY_OK) {
        const struct needle *found = NULL;
        if (g->first_byte[(unsigned char)utf8[i]]) {
            for (size_t k = 0; k < g->needle_count && found == NULL; k++) {
                const struct needle *n = g->by_length[k];
                if (n->len > len - i || memcmp(utf8 + i, n->bytes, n->len) != 0)
                    continue;
                if (!b.ready) {
                    status = boundaries_make(&b, utf8, len);
                    if (status != PH_GLOSSARY_OK)
                        break;
                }
                /* Skipped only when both ends cut through words. */
                if (is_boundary(&b, i) || is_boundary(&b, i + n->len))
                    found = n;
            }
        }
        if (found == NULL) {
            U8_FWD_1((const uint8_t *)utf8, i, len);
            continue;
        }
        struct ph_glossary_match m = {
            .start_bytes = i,
            .len_bytes = found->len,
            .entry = found->entry,
            .is_alias = found->is_alias,
        };
        if (!match_list_add(list, &m))
            status = PH_GLOSSARY_NO_MEMORY;
        i += found->len;
    }
    free(b.bits);
    return status;
}

enum ph_glossary_status ph_glossary_find(const struct ph_glossary *glossary, const char *utf8,
                                         size_t len_bytes, ph_glossary_match_fn fn, void *ctx)
{
    enum ph_glossary_status status = check_text(glossary, utf8, len_bytes);
    if (status != PH_GLOSSARY_OK)
        return status;
    if (utf8 == NULL)
        utf8 = "";
    struct match_list list = {NULL, 0, 0};
    status = collect_matches(glossary, utf8, len_bytes, &list);
    for (size_t i = 0; status == PH_GLOSSARY_OK && i < list.count; i++) {
        if (!fn(ctx, &list.items[i]))
            break;
    }
    free(list.items);
    return status;
}

/* ---- explain at first use --------------------------------------------- */

void ph_glossary_seen_init(struct ph_glossary_seen *seen, const struct ph_glossary *glossary)
{
    memset(seen, 0, sizeof(*seen));
    seen->glossary = glossary;
}

static bool seen_bit(const struct ph_glossary_seen *seen, size_t index)
{
    return (seen->explained[index / 8] >> (index % 8)) & 1u;
}

bool ph_glossary_seen_has(const struct ph_glossary_seen *seen, const struct ph_glossary_entry *entry)
{
    return entry != NULL && entry->index < PH_GLOSSARY_MAX_ENTRIES && seen_bit(seen, entry->index);
}

/* Appends {"text": bytes} unless empty; false on allocation failure. */
static bool append_text(json_t *segments, const char *bytes, size_t len)
{
    if (len == 0)
        return true;
    json_t *segment = json_pack("{s:s%}", "text", bytes, len);
    return segment != NULL && json_array_append_new(segments, segment) == 0;
}

static bool append_term(json_t *segments, const char *bytes, size_t len,
                        const struct ph_glossary_entry *entry)
{
    json_t *segment =
        json_pack("{s:s%,s:s,s:s}", "term", bytes, len, "canonical", entry->term, "explain", entry->explain);
    return segment != NULL && json_array_append_new(segments, segment) == 0;
}

enum ph_glossary_status ph_glossary_annotate(const struct ph_glossary *glossary,
                                             struct ph_glossary_seen *seen, const char *utf8,
                                             size_t len_bytes, json_t **out)
{
    enum ph_glossary_status status = check_text(glossary, utf8, len_bytes);
    if (status != PH_GLOSSARY_OK)
        return status;
    if (seen == NULL || seen->glossary != glossary)
        return PH_GLOSSARY_BAD_INPUT;
    if (utf8 == NULL)
        utf8 = "";
    struct match_list list = {NULL, 0, 0};
    status = collect_matches(glossary, utf8, len_bytes, &list);
    json_t *segments = status == PH_GLOSSARY_OK ? json_array() : NULL;
    if (status == PH_GLOSSARY_OK && segments == NULL)
        status = PH_GLOSSARY_NO_MEMORY;

    /* Work on a copy, so that a failure leaves the caller's page as it was. */
    struct ph_glossary_seen next = *seen;
    size_t plain_from = 0;
    for (size_t i = 0; status == PH_GLOSSARY_OK && i < list.count; i++) {
        const struct ph_glossary_match *m = &list.items[i];
        if (seen_bit(&next, m->entry->index))
            continue; /* explained already: stays in the plain run */
        if (!append_text(segments, utf8 + plain_from, m->start_bytes - plain_from) ||
            !append_term(segments, utf8 + m->start_bytes, m->len_bytes, m->entry)) {
            status = PH_GLOSSARY_NO_MEMORY;
            break;
        }
        next.explained[m->entry->index / 8] |= (unsigned char)(1u << (m->entry->index % 8));
        plain_from = m->start_bytes + m->len_bytes;
    }
    if (status == PH_GLOSSARY_OK && !append_text(segments, utf8 + plain_from, len_bytes - plain_from))
        status = PH_GLOSSARY_NO_MEMORY;
    free(list.items);
    if (status != PH_GLOSSARY_OK) {
        json_decref(segments);
        return status;
    }
    *seen = next;
    *out = segments;
    return PH_GLOSSARY_OK;
}
