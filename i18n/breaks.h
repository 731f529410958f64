/*
 * i18n/breaks.h - sentences and words of UTF-8 text, by ICU's break
 * iterators (UAX #29, with ICU's dictionary for Chinese words), for the
 * plain-Chinese checker: how long sentences are, how long words are.
 *
 * The text is read in place (utext_openUTF8); spans are byte ranges of the
 * caller's text. Malformed UTF-8 is refused before any callback runs.
 * Thread-safe: each call clones its own iterator from a shared template
 * opened once.
 */
#ifndef PH_I18N_BREAKS_H
#define PH_I18N_BREAKS_H

#include <stdbool.h>
#include <stddef.h>

#include "i18n/status.h"

/* One sentence or word: bytes [start_bytes, start_bytes + len_bytes) of
 * the text, len_chars code points. A sentence includes its terminator and
 * the spaces after it, as UAX #29 defines. For words, is_word is false for
 * runs of spaces and punctuation, and is_ideographic is true for Chinese
 * words (ICU's UBRK_WORD_IDEO), false for Latin words and numbers. */
struct ph_text_span {
    size_t start_bytes;
    size_t len_bytes;
    size_t len_chars;
    bool is_word;
    bool is_ideographic;
};

/* Called for each span in order; return false to stop early. */
typedef bool (*ph_span_fn)(void *ctx, const struct ph_text_span *span);

/* Calls fn for every sentence of the text ("你好。今天天气很好！对吗？" has
 * three). Returns PH_I18N_OK (also when fn stopped early),
 * PH_I18N_BAD_INPUT for malformed UTF-8 or text over 2 GB, or
 * PH_I18N_ICU_ERROR. */
enum ph_i18n_status ph_sentences(const char *utf8, size_t len_bytes, ph_span_fn fn, void *ctx);

/* Counts the sentences and the longest one's length in characters
 * (either pointer may be NULL). Sentences that are only white space are
 * not counted. */
enum ph_i18n_status ph_sentence_stats(const char *utf8, size_t len_bytes, size_t *count,
                                      size_t *longest_chars);

/* Calls fn for every word-break span (words, and the spaces and
 * punctuation between them, told apart by is_word). Same returns as
 * ph_sentences(). */
enum ph_i18n_status ph_words(const char *utf8, size_t len_bytes, ph_span_fn fn, void *ctx);

#endif
