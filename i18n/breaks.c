/*
 * i18n/breaks.c - sentence and word spans with ICU break iterators over
 * UTF-8 in place. See breaks.h.
 */
#include "i18n/breaks.h"

#include <pthread.h>
#include <stdint.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include "i18n/text.h"

/* Opened once, never used directly: each call iterates on a clone. */
static UBreakIterator *sentence_template;
static UBreakIterator *word_template;
static pthread_once_t templates_once = PTHREAD_ONCE_INIT;

static UBreakIterator *open_template(UBreakIteratorType type)
{
    UErrorCode err = U_ZERO_ERROR;
    UBreakIterator *iterator = ubrk_open(type, "zh", NULL, 0, &err);
    if (U_FAILURE(err)) {
        ubrk_close(iterator);
        return NULL;
    }
    return iterator;
}

static void open_templates(void)
{
    sentence_template = open_template(UBRK_SENTENCE);
    word_template = open_template(UBRK_WORD);
}

/* Code points in bytes [start, end) of well-formed UTF-8. */
static size_t count_chars(const char *utf8, int32_t start, int32_t end)
{
    size_t count = 0;
    int32_t i = start;
    while (i < end) {
        U8_FWD_1((const uint8_t *)utf8, i, end);
        count++;
    }
    return count;
}

static enum ph_i18n_status walk(UBreakIteratorType type, const char *utf8, size_t len_bytes, ph_span_fn fn,
                                void *ctx)
{
    if (len_bytes > INT32_MAX || (utf8 == NULL && len_bytes > 0))
        return PH_I18N_BAD_INPUT;
    if (ph_text_length_chars(utf8, len_bytes) == (size_t)-1)
        return PH_I18N_BAD_INPUT;
    if (len_bytes == 0)
        return PH_I18N_OK;
    pthread_once(&templates_once, open_templates);
    const UBreakIterator *template_iterator = type == UBRK_SENTENCE ? sentence_template : word_template;
    if (template_iterator == NULL)
        return PH_I18N_ICU_ERROR;

    UErrorCode err = U_ZERO_ERROR;
    UText text = UTEXT_INITIALIZER;
    utext_openUTF8(&text, utf8, (int64_t)len_bytes, &err);
    UBreakIterator *iterator = ubrk_clone(template_iterator, &err);
    if (U_SUCCESS(err))
        ubrk_setUText(iterator, &text, &err);
    if (U_FAILURE(err)) {
        ubrk_close(iterator);
        utext_close(&text);
        return PH_I18N_ICU_ERROR;
    }

    int32_t start = ubrk_first(iterator);
    for (int32_t end = ubrk_next(iterator); end != UBRK_DONE; end = ubrk_next(iterator)) {
        struct ph_text_span span = {
            .start_bytes = (size_t)start,
            .len_bytes = (size_t)(end - start),
            .len_chars = count_chars(utf8, start, end),
            .is_word = false,
            .is_ideographic = false,
        };
        if (type == UBRK_WORD) {
            int32_t rule = ubrk_getRuleStatus(iterator);
            span.is_word = rule >= UBRK_WORD_NONE_LIMIT;
            span.is_ideographic = rule >= UBRK_WORD_IDEO && rule < UBRK_WORD_IDEO_LIMIT;
        }
        start = end;
        if (!fn(ctx, &span))
            break;
    }
    ubrk_close(iterator);
    utext_close(&text);
    return PH_I18N_OK;
}

enum ph_i18n_status ph_sentences(const char *utf8, size_t len_bytes, ph_span_fn fn, void *ctx)
{
    return walk(UBRK_SENTENCE, utf8, len_bytes, fn, ctx);
}

enum ph_i18n_status ph_words(const char *utf8, size_t len_bytes, ph_span_fn fn, void *ctx)
{
    return walk(UBRK_WORD, utf8, len_bytes, fn, ctx);
}

struct sentence_stats {
    const char *utf8;
    size_t count;
    size_t longest_chars;
};

static bool only_white_space(const char *utf8, const struct ph_text_span *span)
{
    int32_t i = (int32_t)span->start_bytes;
    int32_t end = (int32_t)(span->start_bytes + span->len_bytes);
    while (i < end) {
        UChar32 c;
        U8_NEXT((const uint8_t *)utf8, i, end, c);
        if (!u_isUWhiteSpace(c))
            return false;
    }
    return true;
}

static bool add_sentence(void *ctx, const struct ph_text_span *span)
{
    struct sentence_stats *stats = ctx;
    if (only_white_space(stats->utf8, span))
        return true;
    stats->count++;
    if (span->len_chars > stats->longest_chars)
        stats->longest_chars = span->len_chars;
    return true;
}

enum ph_i18n_status ph_sentence_stats(const char *utf8, size_t len_bytes, size_t *count,
                                      size_t *longest_chars)
{
    struct sentence_stats stats = {.utf8 = utf8, .count = 0, .longest_chars = 0};
    enum ph_i18n_status status = ph_sentences(utf8, len_bytes, add_sentence, &stats);
    if (status != PH_I18N_OK)
        return status;
    if (count != NULL)
        *count = stats.count;
    if (longest_chars != NULL)
        *longest_chars = stats.longest_chars;
    return PH_I18N_OK;
}
