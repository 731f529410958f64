/*
 * i18n/diff.c - text differences in readable runs: units from ICU's break
 * iterators, Myers' O(ND) greedy algorithm with a capped trace, and the
 * semantic cleanup of diff-match-patch. See diff.h.
 */
#include "i18n/diff.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "i18n/text.h"

/* --- units ------------------------------------------------------------------ */

struct unit {
    uint32_t start; /* byte offset in its text */
    uint32_t len;   /* bytes */
    uint32_t hash;  /* FNV-1a of the bytes: a fast first comparison */
};

struct units {
    struct unit *items;
    size_t count;
    size_t cap;
};

static UBreakIterator *word_template;
static UBreakIterator *char_template;
static pthread_once_t templates_once = PTHREAD_ONCE_INIT;

static void open_templates(void)
{
    UErrorCode err = U_ZERO_ERROR;
    word_template = ubrk_open(UBRK_WORD, "zh", NULL, 0, &err);
    if (U_FAILURE(err)) {
        ubrk_close(word_template);
        word_template = NULL;
    }
    err = U_ZERO_ERROR;
    char_template = ubrk_open(UBRK_CHARACTER, "zh", NULL, 0, &err);
    if (U_FAILURE(err)) {
        ubrk_close(char_template);
        char_template = NULL;
    }
}

static uint32_t fnv1a(const char *bytes, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)bytes[i];
        h *= 16777619u;
    }
    return h;
}

static bool units_push(struct units *u, const char *text, int32_t start, int32_t end)
{
    if (u->count == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 64;
        struct unit *items = realloc(u->items, cap * sizeof *items);
        if (items == NULL)
            return false;
        u->items = items;
        u->cap = cap;
    }
    u->items[u->count++] = (struct unit){
        .start = (uint32_t)start,
        .len = (uint32_t)(end - start),
        .hash = fnv1a(text + start, (size_t)(end - start)),
    };
    return true;
}

/* Splits text into units: Latin words, numbers, runs of spaces and marks
 * whole; ideographic words into grapheme clusters. */
static enum ph_i18n_status split_units(const char *text, size_t len, struct units *out)
{
    if (len == 0)
        return PH_I18N_OK;
    UErrorCode err = U_ZERO_ERROR;
    UText utext = UTEXT_INITIALIZER;
    utext_openUTF8(&utext, text, (int64_t)len, &err);
    UBreakIterator *words = ubrk_clone(word_template, &err);
    UBreakIterator *chars = ubrk_clone(char_template, &err);
    if (U_SUCCESS(err))
        ubrk_setUText(words, &utext, &err);
    if (U_SUCCESS(err))
        ubrk_setUText(chars, &utext, &err);
    enum ph_i18n_status status = U_SUCCESS(err) ? PH_I18N_OK : PH_I18N_ICU_ERROR;
    int32_t start = status == PH_I18N_OK ? ubrk_first(words) : UBRK_DONE;
    for (int32_t end = status == PH_I18N_OK ? ubrk_next(words) : UBRK_DONE;
         end != UBRK_DONE && status == PH_I18N_OK; end = ubrk_next(words)) {
        int32_t rule = ubrk_getRuleStatus(words);
        bool ideographic = (rule >= UBRK_WORD_IDEO && rule < UBRK_WORD_IDEO_LIMIT) ||
                           (rule >= UBRK_WORD_KANA && rule < UBRK_WORD_KANA_LIMIT);
        if (!ideographic) {
            if (!units_push(out, text, start, end))
                status = PH_I18N_NO_MEMORY;
        } else {
            int32_t at = start;
            while (at < end && status == PH_I18N_OK) {
                int32_t next = ubrk_following(chars, at);
                if (next == UBRK_DONE || next > end)
                    next = end;
                if (!units_push(out, text, at, next))
                    status = PH_I18N_NO_MEMORY;
                at = next;
            }
        }
        start = end;
    }
    ubrk_close(words);
    ubrk_close(chars);
    utext_close(&utext);
    return status;
}

static bool unit_equal(const char *a_text, const struct unit *a, const char *b_text, const struct unit *b)
{
    return a->hash == b->hash && a->len == b->len &&
           memcmp(a_text + a->start, b_text + b->start, a->len) == 0;
}

/* --- hunks: runs in both texts ------------------------------------------------------ */

/* An equal run (old_len == new_len, same bytes) or a change (either side
 * may be empty, not both). Offsets and lengths in bytes. */
struct hunk {
    bool equal;
    size_t old_start, old_len;
    size_t new_start, new_len;
    size_t old_chars, new_chars;
};

struct hunks {
    struct hunk *items;
    size_t count;
    size_t cap;
};

static size_t count_chars(const char *text, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)text[i] & 0xC0) != 0x80;
    return n;
}

static bool hunks_reserve(struct hunks *h)
{
    if (h->count < h->cap)
        return true;
    size_t cap = h->cap ? h->cap * 2 : 16;
    struct hunk *items = realloc(h->items, cap * sizeof *items);
    if (items == NULL)
        return false;
    h->items = items;
    h->cap = cap;
    return true;
}

/* Appends bytes [old_start, +old_len) / [new_start, +new_len) as equal or
 * changed, merging with the last hunk when it is of the same kind. */
static bool hunks_add(struct hunks *h, bool equal, size_t old_start, size_t old_len, size_t new_start,
                      size_t new_len)
{
    if (old_len == 0 && new_len == 0)
        return true;
    if (h->count > 0 && h->items[h->count - 1].equal == equal) {
        struct hunk *last = &h->items[h->count - 1];
        last->old_len = old_start + old_len - last->old_start;
        last->new_len = new_start + new_len - last->new_start;
        return true;
    }
    if (!hunks_reserve(h))
        return false;
    h->items[h->count++] = (struct hunk){equal, old_start, old_len, new_start, new_len, 0, 0};
    return true;
}

/* --- Myers' greedy O(ND) with a trace --------------------------------------------------- */

struct myers {
    const char *a_text, *b_text;
    const struct unit *a, *b;
    int32_t n, m;
    size_t max_edits, max_work;
    size_t work_used;
    int32_t *trace; /* V[-d..d] for every d, one after the other */
    size_t trace_len, trace_cap;
};

static bool trace_append(struct myers *my, const int32_t *v, int32_t d, int32_t offset)
{
    size_t need = (size_t)(2 * d + 1);
    if (my->trace_len + need > my->trace_cap) {
        size_t cap = my->trace_cap ? my->trace_cap * 2 : 1024;
        while (cap < my->trace_len + need)
            cap *= 2;
        int32_t *t = realloc(my->trace, cap * sizeof *t);
        if (t == NULL)
            return false;
        my->trace = t;
        my->trace_cap = cap;
    }
    memcpy(my->trace + my->trace_len, v + offset - d, need * sizeof *v);
    my->trace_len += need;
    return true;
}

/* x of diagonal k after round d, from the trace (V[k] of round d starts at
 * d*d: rounds 0..d-1 hold 1 + 3 + ... + (2d-1) = d^2 values). */
static int32_t trace_x(const struct myers *my, int32_t d, int32_t k)
{
    return my->trace[(size_t)d * (size_t)d + (size_t)(k + d)];
}

enum myers_result { MYERS_DONE, MYERS_GAVE_UP, MYERS_NO_MEMORY };

/* Runs the forward search; on MYERS_DONE *out_d is the edit distance and the
 * trace holds rounds 0..d. */
static enum myers_result myers_search(struct myers *my, int32_t *out_d)
{
    int32_t max_d = my->n + my->m;
    if ((size_t)max_d > my->max_edits)
        max_d = (int32_t)my->max_edits;
    int32_t offset = max_d + 1;
    int32_t *v = calloc((size_t)(2 * max_d + 3), sizeof *v);
    if (v == NULL)
        return MYERS_NO_MEMORY;
    size_t work = 0;
    enum myers_result result = MYERS_GAVE_UP;
    for (int32_t d = 0; d <= max_d; d++) {
        bool reached = false;
        for (int32_t k = -d; k <= d; k += 2) {
            int32_t x;
            if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                x = v[offset + k + 1]; /* down: an insertion */
            else
                x = v[offset + k - 1] + 1; /* right: a deletion */
            int32_t y = x - k;
            while (x < my->n && y < my->m && unit_equal(my->a_text, &my->a[x], my->b_text, &my->b[y])) {
                x++;
                y++;
                work++;
            }
            v[offset + k] = x;
            work++;
            if (x >= my->n && y >= my->m)
                reached = true;
        }
        if (!trace_append(my, v, d, offset)) {
            result = MYERS_NO_MEMORY;
            break;
        }
        if (reached) {
            *out_d = d;
            result = MYERS_DONE;
            break;
        }
        if (work > my->max_work)
            break;
    }
    my->work_used = work;
    free(v);
    return result;
}

/* One step of the path, from the end back to the start. */
struct step {
    int32_t prev_x, prev_y; /* where the edit starts */
    int32_t x, y;           /* where the snake after it starts */
    int32_t end_x, end_y;   /* where the snake ends */
};

/* Walks the trace back from (n, m) and appends the hunks in order. */
static bool myers_hunks(const struct myers *my, int32_t d_end, size_t old_base, size_t new_base,
                        struct hunks *out)
{
    struct step *steps = malloc(((size_t)d_end + 1) * sizeof *steps);
    if (steps == NULL)
        return false;
    int32_t x = my->n, y = my->m;
    for (int32_t d = d_end; d >= 0; d--) {
        int32_t k = x - y;
        struct step s = {.end_x = x, .end_y = y};
        if (d == 0) {
            s.prev_x = s.prev_y = s.x = s.y = 0;
        } else {
            int32_t prev_k;
            if (k == -d || (k != d && trace_x(my, d - 1, k - 1) < trace_x(my, d - 1, k + 1)))
                prev_k = k + 1;
            else
                prev_k = k - 1;
            s.prev_x = trace_x(my, d - 1, prev_k);
            s.prev_y = s.prev_x - prev_k;
            s.x = prev_k == k + 1 ? s.prev_x : s.prev_x + 1;
            s.y = s.x - k;
        }
        steps[d] = s;
        x = s.prev_x;
        y = s.prev_y;
    }
    bool ok = true;
    for (int32_t d = 0; d <= d_end && ok; d++) {
        const struct step *s = &steps[d];
        if (d > 0) {
            /* One unit deleted (x moved) or inserted (y moved). */
            if (s->x > s->prev_x) {
                const struct unit *u = &my->a[s->prev_x];
                ok = hunks_add(out, false, old_base + u->start, u->len,
                               new_base +
                                   (s->prev_y < my->m
                                        ? my->b[s->prev_y].start
                                        : (my->m > 0 ? my->b[my->m - 1].start + my->b[my->m - 1].len : 0)),
                               0);
            } else {
                const struct unit *u = &my->b[s->prev_y];
                ok = hunks_add(out, false,
                               old_base +
                                   (s->prev_x < my->n
                                        ? my->a[s->prev_x].start
                                        : (my->n > 0 ? my->a[my->n - 1].start + my->a[my->n - 1].len : 0)),
                               0, new_base + u->start, u->len);
            }
        }
        if (ok && s->end_x > s->x) {
            const struct unit *first_a = &my->a[s->x];
            const struct unit *last_a = &my->a[s->end_x - 1];
            const struct unit *first_b = &my->b[s->y];
            size_t len = last_a->start + last_a->len - first_a->start;
            ok = hunks_add(out, true, old_base + first_a->start, len, new_base + first_b->start, len);
        }
    }
    free(steps);
    return ok;
}

/* --- semantic cleanup ------------------------------------------------------------------- */

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* diff-match-patch's cleanupSemantic, on hunks: an equal run between two
 * changes that is no longer (in characters) than the bigger side of the
 * change before it and than that of the change after it is folded into
 * one change with both. A stack, so that a fold that makes the change
 * bigger re-examines the equal run before it. */
static void cleanup_semantic(struct hunks *h, const char *old_text, const char *new_text)
{
    for (size_t i = 0; i < h->count; i++) {
        struct hunk *x = &h->items[i];
        x->old_chars = count_chars(old_text + x->old_start, x->old_len);
        x->new_chars = x->equal ? x->old_chars : count_chars(new_text + x->new_start, x->new_len);
    }
    size_t top = 0; /* items[0..top) is the cleaned stack */
    for (size_t i = 0; i < h->count; i++) {
        h->items[top++] = h->items[i];
        while (top >= 3) {
            struct hunk *before = &h->items[top - 3];
            struct hunk *kept = &h->items[top - 2];
            struct hunk *after = &h->items[top - 1];
            if (before->equal || !kept->equal || after->equal)
                break;
            size_t len = kept->old_chars;
            if (len > max_size(before->old_chars, before->new_chars) ||
                len > max_size(after->old_chars, after->new_chars))
                break;
            before->old_len = after->old_start + after->old_len - before->old_start;
            before->new_len = after->new_start + after->new_len - before->new_start;
            before->old_chars += kept->old_chars + after->old_chars;
            before->new_chars += kept->new_chars + after->new_chars;
            top -= 2;
        }
    }
    h->count = top;
}

/* --- the result --------------------------------------------------------------------------- */

void ph_diff_init(struct ph_diff *diff)
{
    memset(diff, 0, sizeof *diff);
}

void ph_diff_release(struct ph_diff *diff)
{
    free(diff->segments);
    ph_diff_init(diff);
}

const char *ph_diff_op_name(enum ph_diff_op op)
{
    switch (op) {
    case PH_DIFF_EQUAL:
        return "equal";
    case PH_DIFF_DELETE:
        return "delete";
    case PH_DIFF_INSERT:
        return "insert";
    }
    return "unknown";
}

static void emit(struct ph_diff *out, enum ph_diff_op op, const char *text, size_t len, size_t chars)
{
    if (len == 0)
        return;
    out->segments[out->count++] = (struct ph_diff_segment){op, text, len, chars};
    if (op == PH_DIFF_DELETE)
        out->deleted_chars += chars;
    else if (op == PH_DIFF_INSERT)
        out->inserted_chars += chars;
}

static enum ph_i18n_status finish(const struct hunks *h, const char *old_text, const char *new_text,
                                  struct ph_diff *out)
{
    out->segments = calloc(h->count * 2 + 1, sizeof *out->segments);
    if (out->segments == NULL)
        return PH_I18N_NO_MEMORY;
    for (size_t i = 0; i < h->count; i++) {
        const struct hunk *x = &h->items[i];
        if (x->equal) {
            emit(out, PH_DIFF_EQUAL, old_text + x->old_start, x->old_len, x->old_chars);
        } else {
            emit(out, PH_DIFF_DELETE, old_text + x->old_start, x->old_len, x->old_chars);
            emit(out, PH_DIFF_INSERT, new_text + x->new_start, x->new_len, x->new_chars);
        }
    }
    return PH_I18N_OK;
}

/* The budget of one ph_diff_texts call: each Myers run may take max_work
 * steps, all of them together PH_DIFF_WORK_RUNS times that (so that the
 * line-by-line retry still has work left after a failed first try). */
#define PH_DIFF_WORK_RUNS 4
struct budget {
    size_t max_edits;
    size_t max_work;
    size_t work_left;
};

/* Lines of text [start, end) as units (each with its "\n"), offsets
 * relative to start. */
static bool split_lines(const char *text, size_t start, size_t end, struct units *out)
{
    size_t at = start;
    while (at < end) {
        const char *nl = memchr(text + at, '\n', end - at);
        size_t stop = nl != NULL ? (size_t)(nl - text) + 1 : end;
        if (!units_push(out, text + start, (int32_t)(at - start), (int32_t)(stop - start)))
            return false;
        at = stop;
    }
    return true;
}

static bool has_newline(const char *text, size_t start, size_t end)
{
    return end > start && memchr(text + start, '\n', end - start) != NULL;
}

/* How a range is compared: by units, falling back to lines past the
 * budget; by lines (each changed block then by units only); by units only. */
enum range_mode { BY_UNITS, BY_LINES, BY_UNITS_ONLY };

static enum ph_i18n_status diff_range(const char *old_text, size_t o0, size_t o1, const char *new_text,
                                      size_t n0, size_t n1, enum range_mode mode, struct budget *budget,
                                      struct hunks *out, bool *gave_up);

/* Runs Myers over units a and b of the ranges starting at o0 / n0 and
 * appends the hunks. Returns MYERS_GAVE_UP past the budget (nothing
 * appended then). */
static enum myers_result myers_range(const char *old_text, size_t o0, const struct units *a,
                                     const char *new_text, size_t n0, const struct units *b,
                                     struct budget *budget, struct hunks *out, struct hunks *line_hunks)
{
    struct myers my = {
        .a_text = old_text + o0,
        .b_text = new_text + n0,
        .a = a->items,
        .b = b->items,
        .n = (int32_t)a->count,
        .m = (int32_t)b->count,
        .max_edits = budget->max_edits,
        .max_work = budget->max_work < budget->work_left ? budget->max_work : budget->work_left,
    };
    int32_t d = 0;
    enum myers_result r = myers_search(&my, &d);
    budget->work_left = my.work_used < budget->work_left ? budget->work_left - my.work_used : 0;
    if (r == MYERS_DONE && !myers_hunks(&my, d, o0, n0, line_hunks != NULL ? line_hunks : out))
        r = MYERS_NO_MEMORY;
    free(my.trace);
    return r;
}

/* Compares old_text[o0, o1) with new_text[n0, n1) and appends the hunks:
 * common ends first, then Myers over units. Past the budget, when the
 * changed middle has lines, it is compared line by line and each changed
 * block of lines again by units (as diff-match-patch's line mode does);
 * what still does not fit is appended as replaced whole, and *gave_up set. */
static enum ph_i18n_status diff_range(const char *old_text, size_t o0, size_t o1, const char *new_text,
                                      size_t n0, size_t n1, enum range_mode mode, struct budget *budget,
                                      struct hunks *out, bool *gave_up)
{
    bool by_lines = mode == BY_LINES;
    struct units a = {0}, b = {0};
    enum ph_i18n_status status = PH_I18N_OK;
    if (by_lines) {
        if (!split_lines(old_text, o0, o1, &a) || !split_lines(new_text, n0, n1, &b))
            status = PH_I18N_NO_MEMORY;
    } else {
        status = split_units(old_text + o0, o1 - o0, &a);
        if (status == PH_I18N_OK)
            status = split_units(new_text + n0, n1 - n0, &b);
    }
    const char *at = old_text + o0, *bt = new_text + n0;
    size_t prefix = 0, suffix = 0;
    if (status == PH_I18N_OK) {
        while (prefix < a.count && prefix < b.count && unit_equal(at, &a.items[prefix], bt, &b.items[prefix]))
            prefix++;
        while (suffix < a.count - prefix && suffix < b.count - prefix &&
               unit_equal(at, &a.items[a.count - 1 - suffix], bt, &b.items[b.count - 1 - suffix]))
            suffix++;
    }
    /* Bytes (absolute) of the changed middle. */
    size_t om0 = o0 + (prefix < a.count ? a.items[prefix].start : o1 - o0);
    size_t nm0 = n0 + (prefix < b.count ? b.items[prefix].start : n1 - n0);
    size_t om1 = suffix > 0 ? o0 + a.items[a.count - suffix].start : o1;
    size_t nm1 = suffix > 0 ? n0 + b.items[b.count - suffix].start : n1;
    if (status == PH_I18N_OK && !hunks_add(out, true, o0, om0 - o0, n0, nm0 - n0))
        status = PH_I18N_NO_MEMORY;

    size_t n = a.count - prefix - suffix, m = b.count - prefix - suffix;
    if (status == PH_I18N_OK && n + m > 0) {
        /* The middle's units, relative to the middle. */
        struct units ma = {a.items + prefix, n, n}, mb = {b.items + prefix, m, m};
        for (size_t i = 0; i < n; i++)
            ma.items[i].start -= (uint32_t)(om0 - o0);
        for (size_t i = 0; i < m; i++)
            mb.items[i].start -= (uint32_t)(nm0 - n0);
        struct hunks lines = {0};
        enum myers_result r = n == 0 || m == 0 ? MYERS_DONE
                                               : myers_range(old_text, om0, &ma, new_text, nm0, &mb, budget,
                                                             out, by_lines ? &lines : NULL);
        if (n == 0 || m == 0) {
            if (!hunks_add(out, false, om0, om1 - om0, nm0, nm1 - nm0))
                status = PH_I18N_NO_MEMORY;
        } else if (r == MYERS_NO_MEMORY) {
            status = PH_I18N_NO_MEMORY;
        } else if (r == MYERS_GAVE_UP && mode == BY_UNITS &&
                   (has_newline(old_text, om0, om1) || has_newline(new_text, nm0, nm1))) {
            status = diff_range(old_text, om0, om1, new_text, nm0, nm1, BY_LINES, budget, out, gave_up);
        } else if (r == MYERS_GAVE_UP) {
            *gave_up = true;
            if (!hunks_add(out, false, om0, om1 - om0, nm0, nm1 - nm0))
                status = PH_I18N_NO_MEMORY;
        } else if (by_lines) {
            /* Each changed block of lines, again by units. */
            for (size_t i = 0; i < lines.count && status == PH_I18N_OK; i++) {
                const struct hunk *h = &lines.items[i];
                if (h->equal || h->old_len == 0 || h->new_len == 0) {
                    if (!hunks_add(out, h->equal, h->old_start, h->old_len, h->new_start, h->new_len))
                        status = PH_I18N_NO_MEMORY;
                } else {
                    status =
                        diff_range(old_text, h->old_start, h->old_start + h->old_len, new_text, h->new_start,
                                   h->new_start + h->new_len, BY_UNITS_ONLY, budget, out, gave_up);
                }
            }
        }
        free(lines.items);
    }
    if (status == PH_I18N_OK && !hunks_add(out, true, om1, o1 - om1, nm1, n1 - nm1))
        status = PH_I18N_NO_MEMORY;
    free(a.items);
    free(b.items);
    return status;
}

enum ph_i18n_status ph_diff_texts_capped(const char *old_text, size_t old_len, const char *new_text,
                                         size_t new_len, size_t max_edits, size_t max_work,
                                         struct ph_diff *out)
{
    ph_diff_init(out);
    if ((old_text == NULL && old_len > 0) || (new_text == NULL && new_len > 0) ||
        old_len > PH_DIFF_MAX_BYTES || new_len > PH_DIFF_MAX_BYTES)
        return PH_I18N_BAD_INPUT;
    if (ph_text_length_chars(old_text, old_len) == (size_t)-1 ||
        ph_text_length_chars(new_text, new_len) == (size_t)-1)
        return PH_I18N_BAD_INPUT;
    if (max_edits == 0 || max_edits > PH_DIFF_MAX_EDITS)
        max_edits = PH_DIFF_MAX_EDITS;
    if (max_work == 0 || max_work > PH_DIFF_MAX_WORK)
        max_work = PH_DIFF_MAX_WORK;
    if (old_text == NULL)
        old_text = "";
    if (new_text == NULL)
        new_text = "";

    struct hunks hunks = {0};
    enum ph_i18n_status status = PH_I18N_OK;
    bool gave_up = false;
    if (old_len == new_len && memcmp(old_text, new_text, old_len) == 0) {
        if (!hunks_add(&hunks, true, 0, old_len, 0, new_len))
            status = PH_I18N_NO_MEMORY;
    } else {
        pthread_once(&templates_once, open_templates);
        if (word_template == NULL || char_template == NULL)
            return PH_I18N_ICU_ERROR;
        struct budget budget = {max_edits, max_work, max_work * PH_DIFF_WORK_RUNS};
        status = diff_range(old_text, 0, old_len, new_text, 0, new_len, BY_UNITS, &budget, &hunks, &gave_up);
    }
    if (status == PH_I18N_OK) {
        cleanup_semantic(&hunks, old_text, new_text);
        status = finish(&hunks, old_text, new_text, out);
        out->gave_up = gave_up;
    }
    free(hunks.items);
    if (status != PH_I18N_OK)
        ph_diff_release(out);
    return status;
}

enum ph_i18n_status ph_diff_texts(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                                  struct ph_diff *out)
{
    return ph_diff_texts_capped(old_text, old_len, new_text, new_len, 0, 0, out);
}
