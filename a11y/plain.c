/*
 * a11y/plain.c - the plain-Chinese checker: sentence lengths (ICU sentence
 * breaks), common characters (the generated kTGH table) and unexplained
 * glossary words. See plain.h and docs/internals/plain.md.
 */
#include "a11y/plain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "a11y/buf.h"
#include "i18n/breaks.h"
#include "i18n/fold.h"
#include "i18n/text.h"

/* The first level of 《通用规范汉字表》, sorted (a11y/gen_common_chars.py). */
extern const uint32_t ph_common_chars[];
extern const size_t ph_common_chars_count;

#define IDEOGRAPHIC_NUMBER_ZERO 0x3007 /* 〇 */

/* Every text the checker takes, the glossary can search. */
_Static_assert(PH_PLAIN_MAX_TEXT_BYTES <= PH_GLOSSARY_MAX_TEXT_BYTES,
               "glossary text cap below the checker's");

/* A message is one or two sentences; 4 KiB is far more than enough. */
#define MESSAGE_CAP_BYTES 4096

const char *ph_plain_status_name(enum ph_plain_status status)
{
    switch (status) {
    case PH_PLAIN_OK:
        return "ok";
    case PH_PLAIN_BAD_INPUT:
        return "bad input";
    case PH_PLAIN_TOO_LONG:
        return "too long";
    case PH_PLAIN_NO_MEMORY:
        return "no memory";
    case PH_PLAIN_ICU_ERROR:
        return "ICU error";
    }
    return "unknown";
}

size_t ph_plain_common_char_count(void)
{
    return ph_common_chars_count;
}

bool ph_plain_is_common_char(UChar32 c)
{
    if (c == IDEOGRAPHIC_NUMBER_ZERO)
        return true;
    if (c < 0)
        return false;
    size_t lo = 0;
    size_t hi = ph_common_chars_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ph_common_chars[mid] == (uint32_t)c)
            return true;
        if (ph_common_chars[mid] < (uint32_t)c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Letters (L*), decimal digits (Nd) and letter numbers (Nl: 〇, Ⅻ): what
 * lengths count. */
static bool is_counted(UChar32 c)
{
    return u_isalnum(c) != 0 || u_charType(c) == U_LETTER_NUMBER;
}

static size_t ceil_div(size_t numerator, size_t denominator)
{
    return numerator / denominator + (numerator % denominator != 0);
}

/* ---- the walk over sentences ------------------------------------------ */

struct match_array {
    struct ph_glossary_match *items;
    size_t count;
    size_t alloc;
};

static bool keep_match(void *ctx, const struct ph_glossary_match *match)
{
    struct match_array *a = ctx;
    if (a->count == a->alloc) {
        size_t next = a->alloc ? a->alloc * 2 : 16;
        struct ph_glossary_match *grown = realloc(a->items, next * sizeof(*grown));
        if (grown == NULL) {
            a->alloc = SIZE_MAX; /* marks the failure; the walk stops */
            return false;
        }
        a->items = grown;
        a->alloc = next;
    }
    a->items[a->count++] = *match;
    return true;
}

struct walk {
    const char *text;
    size_t len;
    struct ph_plain_report *report;
    const struct match_array *matches;
    size_t next_match;
    /* Per glossary entry (by index): used, explained, and the order of
     * first use. */
    bool used[PH_GLOSSARY_MAX_ENTRIES];
    bool explained[PH_GLOSSARY_MAX_ENTRIES];
    const struct ph_glossary_match *first_use[PH_GLOSSARY_MAX_ENTRIES];
    size_t used_count;
};

static bool starts_with(const char *text, size_t len, size_t at, const char *prefix)
{
    size_t n = strlen(prefix);
    return at <= len && n <= len - at && memcmp(text + at, prefix, n) == 0;
}

/* Skips spaces and tabs (and the ideographic space) from byte `at`. */
static size_t skip_spaces(const char *text, size_t len, size_t at)
{
    for (;;) {
        if (starts_with(text, len, at, " ") || starts_with(text, len, at, "\t"))
            at += 1;
        else if (starts_with(text, len, at, "\u3000"))
            at += 3;
        else
            return at;
    }
}

/* Rule (a): right after the word an opening bracket, closed later, with a
 * counted character inside. */
static bool explained_in_brackets(const char *text, size_t len, size_t word_end)
{
    size_t at = skip_spaces(text, len, word_end);
    if (starts_with(text, len, at, "\uFF08"))
        at += 3;
    else if (starts_with(text, len, at, "("))
        at += 1;
    else
        return false;
    bool has_content = false;
    while (at < len) {
        if (starts_with(text, len, at, "\uFF09") || starts_with(text, len, at, ")"))
            return has_content;
        UChar32 c;
        U8_NEXT((const uint8_t *)text, at, len, c);
        has_content = has_content || is_counted(c);
    }
    return false;
}

/* True when `needle` occurs in bytes [from, to) of text (UTF-8 is
 * self-synchronising, so a byte match is a character match). */
static bool contains(const char *text, size_t from, size_t to, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t at = from; at + n <= to; at++) {
        if (memcmp(text + at, needle, n) == 0)
            return true;
    }
    return false;
}

/* Rule (b): a phrase that introduces an explanation later in the sentence. */
static bool explained_by_phrase(const char *text, size_t word_end, size_t sentence_end)
{
    static const char *const phrases[] = {"就是", "是指", "指的是", "也就是"};
    if (word_end >= sentence_end)
        return false;
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        if (contains(text, word_end, sentence_end, phrases[i]))
            return true;
    }
    return false;
}

static void note_term(struct walk *w, const struct ph_glossary_match *m, size_t sentence_end)
{
    size_t index = m->entry->index;
    if (!w->used[index]) {
        w->used[index] = true;
        w->first_use[w->used_count++] = m;
    }
    size_t end = m->start_bytes + m->len_bytes;
    if (!w->explained[index])
        w->explained[index] =
            explained_in_brackets(w->text, w->len, end) || explained_by_phrase(w->text, end, sentence_end);
}

/* The entry's own string for the bytes a match covered. */
static const char *spelling_of(const struct ph_glossary_entry *entry, const char *bytes, size_t len)
{
    for (size_t i = 0; i < entry->alias_count; i++) {
        if (strlen(entry->aliases[i]) == len && memcmp(entry->aliases[i], bytes, len) == 0)
            return entry->aliases[i];
    }
    return entry->term;
}

/* The first PH_PLAIN_EXCERPT_CHARS code points of a sentence, a run of
 * white space or control characters shown as one space (counted as one). */
static void make_excerpt(const char *text, size_t start, size_t end, char *out)
{
    struct ph_buf b;
    ph_buf_init(&b, PH_PLAIN_EXCERPT_BYTES - 1);
    size_t at = start;
    size_t taken = 0;
    bool pending_space = false;
    while (at < end) {
        size_t char_start = at;
        UChar32 c;
        U8_NEXT((const uint8_t *)text, at, end, c);
        if (u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR) {
            pending_space = taken > 0;
            continue;
        }
        size_t need = pending_space ? 2 : 1;
        if (taken + need > PH_PLAIN_EXCERPT_CHARS) {
            at = char_start;
            break;
        }
        if (pending_space)
            ph_buf_append_char(&b, ' ');
        pending_space = false;
        ph_buf_append(&b, text + char_start, at - char_start);
        taken += need;
    }
    /* Anything but white space left means the quote is cut. */
    bool cut = false;
    while (at < end && !cut) {
        UChar32 c;
        U8_NEXT((const uint8_t *)text, at, end, c);
        cut = !u_isUWhiteSpace(c) && u_charType(c) != U_CONTROL_CHAR;
    }
    if (cut)
        ph_buf_append_str(&b, "…");
    /* At most 10 code points of 4 bytes and "…": always within the cap. */
    if (b.failed) {
        ph_buf_release(&b);
        out[0] = '\0';
        return;
    }
    memcpy(out, b.data != NULL ? b.data : "", b.len + 1);
    ph_buf_release(&b);
}

static void note_rare(struct ph_plain_report *r, UChar32 c)
{
    r->rare_han_chars++;
    for (size_t i = 0; i < r->rare_listed_count; i++) {
        if (r->rare_listed[i] == c)
            return;
    }
    if (r->rare_listed_count < PH_PLAIN_LISTED_RARE)
        r->rare_listed[r->rare_listed_count++] = c;
    else
        r->rare_list_truncated = true;
}

static bool check_sentence(void *ctx, const struct ph_text_span *span)
{
    struct walk *w = ctx;
    struct ph_plain_report *r = w->report;
    size_t end = span->start_bytes + span->len_bytes;
    size_t counted = 0;
    size_t at = span->start_bytes;
    while (at < end) {
        UChar32 c;
        U8_NEXT((const uint8_t *)w->text, at, end, c);
        if (is_counted(c))
            counted++;
        if (ph_is_han(c)) {
            r->han_chars++;
            if (!ph_plain_is_common_char(c))
                note_rare(r, c);
        }
    }
    if (counted > 0) {
        r->sentence_count++;
        r->counted_chars += counted;
        if (counted > r->longest_sentence_chars)
            r->longest_sentence_chars = counted;
        if (counted > PH_PLAIN_SENTENCE_MAX_CHARS) {
            if (r->long_sentence_count < PH_PLAIN_LISTED_SENTENCES) {
                struct ph_plain_long_sentence *s = &r->long_sentences[r->long_sentence_count];
                s->start_bytes = span->start_bytes;
                s->len_bytes = span->len_bytes;
                s->chars = counted;
                make_excerpt(w->text, span->start_bytes, end, s->excerpt);
            }
            r->long_sentence_count++;
        }
    }
    while (w->next_match < w->matches->count && w->matches->items[w->next_match].start_bytes < end) {
        note_term(w, &w->matches->items[w->next_match], end);
        w->next_match++;
    }
    return true;
}

/*
 * The score: 100 minus four penalties, each capped, so that each problem
 * costs at most its share and the total at most 100. Every finding costs at
 * least one point, so 100 means exactly "no finding".
 *   average over 20: 1 point per half character over (at most 30)
 *   long sentences: 5 points each (at most 25)
 *   rare characters over 1%: 1 point per 0.2 percentage points over (at most 25)
 *   unexplained words: 5 points each (at most 20)
 * The weights are a judgement, not a validated readability formula: the
 * score ranks texts for the operator; the findings say what to change.
 */
#define AVERAGE_PENALTY_MAX      30
#define AVERAGE_TENTHS_PER_POINT 5 /* half a character */
#define LONG_SENTENCE_PENALTY    5
#define LONG_SENTENCES_MAX       25
#define RARE_PENALTY_MAX         25
#define RARE_PER_MILLE_PER_POINT 2 /* 0.2 percentage points */
#define JARGON_PENALTY           5
#define JARGON_PENALTY_MAX       20
_Static_assert(AVERAGE_PENALTY_MAX + LONG_SENTENCES_MAX + RARE_PENALTY_MAX + JARGON_PENALTY_MAX == 100,
               "the penalties share 100 points");

static size_t capped(size_t value, size_t cap)
{
    return value < cap ? value : cap;
}

static int score(const struct ph_plain_report *r)
{
    size_t penalty = 0;
    size_t average_limit_tenths = (size_t)PH_PLAIN_AVERAGE_MAX_CHARS * 10;
    if (r->average_tenths > average_limit_tenths)
        penalty += capped(ceil_div(r->average_tenths - average_limit_tenths, AVERAGE_TENTHS_PER_POINT),
                          AVERAGE_PENALTY_MAX);
    penalty +=
        capped(r->long_sentence_count, LONG_SENTENCES_MAX / LONG_SENTENCE_PENALTY) * LONG_SENTENCE_PENALTY;
    size_t rare_limit_per_mille = (size_t)PH_PLAIN_RARE_MAX_PERCENT * 10;
    if (r->rare_han_chars * 100 > r->han_chars * PH_PLAIN_RARE_MAX_PERCENT) {
        /* Flagged means over 1%, so at least 11 per mille: over is >= 1. */
        size_t over = r->rare_per_mille > rare_limit_per_mille ? r->rare_per_mille - rare_limit_per_mille : 1;
        penalty += capped(ceil_div(over, RARE_PER_MILLE_PER_POINT), RARE_PENALTY_MAX);
    }
    penalty += capped(r->unexplained_count, JARGON_PENALTY_MAX / JARGON_PENALTY) * JARGON_PENALTY;
    return 100 - (int)penalty;
}

enum ph_plain_status ph_plain_check(const char *utf8, size_t len_bytes, const struct ph_glossary *glossary,
                                    struct ph_plain_report *report)
{
    if (glossary == NULL || (utf8 == NULL && len_bytes > 0))
        return PH_PLAIN_BAD_INPUT;
    if (len_bytes > PH_PLAIN_MAX_TEXT_BYTES)
        return PH_PLAIN_TOO_LONG;
    if (!ph_text_is_valid_utf8(utf8, len_bytes))
        return PH_PLAIN_BAD_INPUT;
    if (utf8 == NULL)
        utf8 = "";

    struct match_array matches = {NULL, 0, 0};
    enum ph_glossary_status found = ph_glossary_find(glossary, utf8, len_bytes, keep_match, &matches);
    if (found != PH_GLOSSARY_OK || matches.alloc == SIZE_MAX) {
        free(matches.items);
        switch (found) {
        case PH_GLOSSARY_BAD_INPUT:
            return PH_PLAIN_BAD_INPUT;
        case PH_GLOSSARY_TOO_LONG:
            return PH_PLAIN_TOO_LONG;
        case PH_GLOSSARY_ICU_ERROR:
            return PH_PLAIN_ICU_ERROR;
        default:
            return PH_PLAIN_NO_MEMORY;
        }
    }

    struct ph_plain_report r;
    memset(&r, 0, sizeof(r));
    struct walk *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        free(matches.items);
        return PH_PLAIN_NO_MEMORY;
    }
    w->text = utf8;
    w->len = len_bytes;
    w->report = &r;
    w->matches = &matches;
    enum ph_i18n_status walked = ph_sentences(utf8, len_bytes, check_sentence, w);
    if (walked != PH_I18N_OK) {
        free(w);
        free(matches.items);
        return walked == PH_I18N_NO_MEMORY ? PH_PLAIN_NO_MEMORY : PH_PLAIN_ICU_ERROR;
    }
    /* A word the sentence walk did not reach (none should be left). */
    for (; w->next_match < matches.count; w->next_match++)
        note_term(w, &matches.items[w->next_match], len_bytes);

    for (size_t i = 0; i < w->used_count; i++) {
        const struct ph_glossary_match *m = w->first_use[i];
        if (w->explained[m->entry->index])
            continue;
        if (r.unexplained_count < PH_PLAIN_LISTED_TERMS) {
            struct ph_plain_term_use *use = &r.unexplained[r.unexplained_count];
            use->entry = m->entry;
            use->as_written = spelling_of(m->entry, utf8 + m->start_bytes, m->len_bytes);
            use->start_bytes = m->start_bytes;
            use->len_bytes = m->len_bytes;
        }
        r.unexplained_count++;
    }
    free(w);
    free(matches.items);

    if (r.sentence_count > 0)
        r.average_tenths = ceil_div(r.counted_chars * 10, r.sentence_count);
    if (r.han_chars > 0)
        r.rare_per_mille = ceil_div(r.rare_han_chars * 1000, r.han_chars);
    r.score = score(&r);
    *report = r;
    return PH_PLAIN_OK;
}

bool ph_plain_passes(const struct ph_plain_report *report)
{
    return report->score == 100;
}

/* ---- findings ---------------------------------------------------------- */

static bool add_finding(json_t *array, const char *code, const char *field, struct ph_buf *message)
{
    if (message->failed)
        return false;
    json_t *finding = json_pack("{s:s,s:s,s:s}", "code", code, "field", field, "message",
                                message->data != NULL ? message->data : "");
    ph_buf_reset(message);
    return finding != NULL && json_array_append_new(array, finding) == 0;
}

/* "25" or "25.5" from tenths. */
static void append_tenths(struct ph_buf *b, size_t tenths)
{
    if (tenths % 10 == 0)
        ph_buf_printf(b, "%zu", tenths / 10);
    else
        ph_buf_printf(b, "%zu.%zu", tenths / 10, tenths % 10);
}

static void append_code_point(struct ph_buf *b, UChar32 c)
{
    char bytes[4];
    size_t n = 0;
    bool error = false;
    U8_APPEND((uint8_t *)bytes, n, sizeof(bytes), c, error);
    if (error)
        b->failed = true;
    else
        ph_buf_append(b, bytes, n);
}

static bool sentence_findings(const struct ph_plain_report *r, const char *field, json_t *array,
                              struct ph_buf *m)
{
    size_t listed = r->long_sentence_count < PH_PLAIN_LISTED_SENTENCES ? r->long_sentence_count
                                                                       : PH_PLAIN_LISTED_SENTENCES;
    for (size_t i = 0; i < listed; i++) {
        const struct ph_plain_long_sentence *s = &r->long_sentences[i];
        ph_buf_printf(m, "「%s」这句话有 %zu 个字，太长了。请分成几句短句，每句不超过 %d 个字。", s->excerpt,
                      s->chars, PH_PLAIN_SENTENCE_MAX_CHARS);
        if (!add_finding(array, PH_PLAIN_CODE_SENTENCE_LONG, field, m))
            return false;
    }
    if (r->long_sentence_count > listed) {
        ph_buf_printf(m, "另外还有 %zu 句话也超过了 %d 个字，请一起改短。", r->long_sentence_count - listed,
                      PH_PLAIN_SENTENCE_MAX_CHARS);
        if (!add_finding(array, PH_PLAIN_CODE_SENTENCE_LONG, field, m))
            return false;
    }
    if (r->average_tenths > (size_t)PH_PLAIN_AVERAGE_MAX_CHARS * 10) {
        ph_buf_append_str(m, "这段文字平均每句有 ");
        append_tenths(m, r->average_tenths);
        ph_buf_printf(m, " 个字，太长了。请多用短句，平均每句不超过 %d 个字。", PH_PLAIN_AVERAGE_MAX_CHARS);
        if (!add_finding(array, PH_PLAIN_CODE_AVERAGE_LONG, field, m))
            return false;
    }
    return true;
}

static bool rare_finding(const struct ph_plain_report *r, const char *field, json_t *array, struct ph_buf *m)
{
    if (r->rare_han_chars * 100 <= r->han_chars * PH_PLAIN_RARE_MAX_PERCENT)
        return true;
    ph_buf_append_str(m, "这段文字用了不常用的字：");
    for (size_t i = 0; i < r->rare_listed_count; i++) {
        if (i > 0)
            ph_buf_append_str(m, "、");
        append_code_point(m, r->rare_listed[i]);
    }
    if (r->rare_list_truncated)
        ph_buf_append_str(m, "等");
    ph_buf_printf(m, "，共 %zu 处，占全部汉字的 ", r->rare_han_chars);
    append_tenths(m, r->rare_per_mille);
    ph_buf_append_str(m, "%。很多人不认识这些字，请换成常用的字。");
    return add_finding(array, PH_PLAIN_CODE_RARE, field, m);
}

/* The explanation without its final 。, to go inside brackets. */
static size_t explain_len_in_brackets(const char *explain)
{
    size_t len = strlen(explain);
    static const char full_stop[] = "。";
    size_t stop_len = sizeof(full_stop) - 1;
    if (len >= stop_len && memcmp(explain + len - stop_len, full_stop, stop_len) == 0)
        len -= stop_len;
    return len;
}

static bool jargon_findings(const struct ph_plain_report *r, const char *field, json_t *array,
                            struct ph_buf *m)
{
    size_t listed =
        r->unexplained_count < PH_PLAIN_LISTED_TERMS ? r->unexplained_count : PH_PLAIN_LISTED_TERMS;
    for (size_t i = 0; i < listed; i++) {
        const struct ph_plain_term_use *use = &r->unexplained[i];
        const char *term = use->as_written;
        ph_buf_printf(m, "「%s」是专业词，很多人看不懂。请在它后面加括号，用大白话说明，比如：%s（", term,
                      term);
        ph_buf_append(m, use->entry->explain, explain_len_in_brackets(use->entry->explain));
        ph_buf_append_str(m, "）。");
        if (!add_finding(array, PH_PLAIN_CODE_JARGON, field, m))
            return false;
    }
    if (r->unexplained_count > listed) {
        ph_buf_printf(m, "另外还有 %zu 个专业词没有解释。", r->unexplained_count - listed);
        if (!add_finding(array, PH_PLAIN_CODE_JARGON, field, m))
            return false;
    }
    return true;
}

enum ph_plain_status ph_plain_findings_json(const struct ph_plain_report *report, const char *field,
                                            json_t **out)
{
    if (field == NULL)
        return PH_PLAIN_BAD_INPUT;
    json_t *array = json_array();
    if (array == NULL)
        return PH_PLAIN_NO_MEMORY;
    struct ph_buf message;
    ph_buf_init(&message, MESSAGE_CAP_BYTES);
    bool ok = sentence_findings(report, field, array, &message) &&
              rare_finding(report, field, array, &message) && jargon_findings(report, field, array, &message);
    ph_buf_release(&message);
    if (!ok) {
        json_decref(array);
        return PH_PLAIN_NO_MEMORY;
    }
    *out = array;
    return PH_PLAIN_OK;
}

enum ph_plain_status ph_plain_summary_json(const struct ph_plain_report *report, json_t **out)
{
    json_t *rare = json_array();
    json_t *terms = json_array();
    bool ok = rare != NULL && terms != NULL;
    for (size_t i = 0; ok && i < report->rare_listed_count; i++) {
        struct ph_buf b;
        ph_buf_init(&b, 8);
        append_code_point(&b, report->rare_listed[i]);
        ok = !b.failed && json_array_append_new(rare, json_string(b.data)) == 0;
        ph_buf_release(&b);
    }
    size_t listed =
        report->unexplained_count < PH_PLAIN_LISTED_TERMS ? report->unexplained_count : PH_PLAIN_LISTED_TERMS;
    for (size_t i = 0; ok && i < listed; i++)
        ok = json_array_append_new(terms, json_string(report->unexplained[i].entry->term)) == 0;
    json_t *summary = NULL;
    if (ok) {
        summary = json_pack("{s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:f,s:o,s:o,s:i}", "sentences",
                            (json_int_t)report->sentence_count, "chars", (json_int_t)report->counted_chars,
                            "average_sentence_chars", (double)report->average_tenths / 10.0,
                            "longest_sentence_chars", (json_int_t)report->longest_sentence_chars,
                            "long_sentences", (json_int_t)report->long_sentence_count, "han_chars",
                            (json_int_t)report->han_chars, "rare_chars", (json_int_t)report->rare_han_chars,
                            "rare_percent", (double)report->rare_per_mille / 10.0, "rare_listed", rare,
                            "unexplained_terms", terms, "score", report->score);
        /* "o" steals the references, even when packing fails. */
        rare = NULL;
        terms = NULL;
    }
    json_decref(rare);
    json_decref(terms);
    if (summary == NULL)
        return PH_PLAIN_NO_MEMORY;
    *out = summary;
    return PH_PLAIN_OK;
}
