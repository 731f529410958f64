/*
 * a11y/plain.h - the plain-Chinese checker (ACCESSIBILITY.md point 23).
 *
 * Many of our readers are old or read little. This module measures how
 * easy a text is to read: a product summary an insurer registers, or our own
 * page text. It reports four things, each with a threshold below and a
 * finding with a stable code and a short Chinese message that the server
 * returns to insurers as a registration warning:
 *
 *   plain_sentence_long              a sentence is longer than 40 characters
 *   plain_sentences_long_on_average  sentences average more than 20 characters
 *   plain_rare_characters            over 1% of the Han characters are not common
 *   plain_jargon_unexplained         a glossary word is used and not explained
 *
 * What is counted:
 * - Sentences are ICU's sentence breaks (i18n/breaks.h, UAX #29): a
 *   sentence ends at 。！？, at !? and at a full stop as UAX #29 decides
 *   ("1.5" and "e.g. this" go on), or at a line break; commas and
 *   semicolons do not end one. A sentence with nothing
 *   counted in it (only spaces, punctuation, emoji) is not a sentence here.
 * - A sentence's length is the number of "characters": code points that are
 *   letters (Unicode L*: Han characters, Latin letters), decimal digits (Nd)
 *   or letter numbers (Nl: 〇, Ⅻ). Spaces, punctuation, symbols and emoji
 *   are not counted. "每年 120 元。" has 6: digits count one each, and so
 *   do Latin letters, so English text scores as long (this checker is for
 *   Chinese).
 * - Han characters are the Han-script letters (i18n/fold.h ph_is_han). A
 *   common character is one of the 3,500 of the first level (一级字表) of
 *   《通用规范汉字表》(2013), from Unihan kTGH positions 1-3500. The text is
 *   scored as written: a traditional character (險) is not common, because
 *   the site is in Simplified Chinese. 〇 (U+3007, as in 二〇二六年) is a
 *   letter number, not a Han letter: it counts in lengths and is never
 *   rare (Unihan gives it no position; ph_plain_is_common_char says yes).
 * - A glossary word (glossary.h, matched as ph_glossary_find() does) counts
 *   as explained when one of its occurrences (any spelling of the entry) is
 *   (a) followed right away, spaces allowed, by a bracket （ or ( whose
 *   closing bracket ） or ) comes later with at least one counted character
 *   inside: "免赔额（看病先自己付的钱）"; or (b) followed later in the same
 *   sentence by 就是, 是指, 指的是 or 也就是: "免赔额就是...".
 *
 * The report is a plain struct with no heap memory; strings it points to
 * belong to the glossary (valid as long as the glossary is). Everything is
 * thread-safe: no state is kept between calls.
 */
#ifndef PH_A11Y_PLAIN_H
#define PH_A11Y_PLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <unicode/umachine.h>

#include "a11y/glossary.h"

enum ph_plain_status {
    PH_PLAIN_OK = 0,
    PH_PLAIN_BAD_INPUT, /* malformed UTF-8 (or a non-character), a NULL text with a length or NULL glossary */
    PH_PLAIN_TOO_LONG,  /* text longer than PH_PLAIN_MAX_TEXT_BYTES */
    PH_PLAIN_NO_MEMORY,
    PH_PLAIN_ICU_ERROR,
};

/* The longest text checked: 1 MiB, far above a product summary or a page. */
#define PH_PLAIN_MAX_TEXT_BYTES (1u << 20)

/*
 * Thresholds. A text passes a check when its value is at most the
 * threshold. Why these numbers:
 * - A reader who reads little holds a short sentence in mind at once and
 *   loses a long one. Plain-language guides ask for about 15-20 words a
 *   sentence on average; a Chinese word is 1.5-2 characters, but people
 *   with low literacy read character by character, so we take the lower
 *   end in characters: on average at most 20 (three short clauses such
 *   as "看病的钱，先要自己付一部分，多出来的保险才赔。" are 20).
 * - One long sentence among short ones still stops a reader: none longer
 *   than 40 characters, twice the average; a sentence that long nearly
 *   always holds two thoughts that can be two sentences.
 * - 3,500 common characters cover about 99.5% of the characters in everyday
 *   modern Chinese (the coverage figures published with 现代汉语常用字表,
 *   1988: its 2,500 characters 97.97%, 1,000 more 1.51%; the first level of
 *   the 2013 table is built on that list). Allowing 1% is about twice what
 *   ordinary writing uses: a text above it chooses uncommon characters that
 *   plainer words would avoid.
 * - Jargon: none unexplained. One unexplained word can hide what is not
 *   paid for (免赔额, 等待期); an explanation costs a few characters.
 */
#define PH_PLAIN_SENTENCE_MAX_CHARS 40
#define PH_PLAIN_AVERAGE_MAX_CHARS  20
#define PH_PLAIN_RARE_MAX_PERCENT   1
#define PH_PLAIN_UNEXPLAINED_MAX    0

/* Finding codes: stable, for programs (the messages may be reworded). */
#define PH_PLAIN_CODE_SENTENCE_LONG "plain_sentence_long"
#define PH_PLAIN_CODE_AVERAGE_LONG  "plain_sentences_long_on_average"
#define PH_PLAIN_CODE_RARE          "plain_rare_characters"
#define PH_PLAIN_CODE_JARGON        "plain_jargon_unexplained"

/* How much of each problem the report lists in detail (the counts are
 * always whole). */
#define PH_PLAIN_LISTED_SENTENCES 5
#define PH_PLAIN_LISTED_RARE      10
#define PH_PLAIN_LISTED_TERMS     10
#define PH_PLAIN_EXCERPT_CHARS    10 /* code points quoted from a long sentence */
#define PH_PLAIN_EXCERPT_BYTES    (PH_PLAIN_EXCERPT_CHARS * 4 + 4)

/* A sentence over PH_PLAIN_SENTENCE_MAX_CHARS. */
struct ph_plain_long_sentence {
    size_t start_bytes; /* where it starts in the text */
    size_t len_bytes;
    size_t chars;                         /* counted characters */
    char excerpt[PH_PLAIN_EXCERPT_BYTES]; /* its first characters, "…" when cut; white space as one space */
};

/* A glossary word used without an explanation, at its first use. */
struct ph_plain_term_use {
    const struct ph_glossary_entry *entry;
    const char *as_written; /* the spelling used first: entry->term or one of its aliases */
    size_t start_bytes;     /* the first occurrence in the text */
    size_t len_bytes;
};

struct ph_plain_report {
    /* Sentences: only those with at least one counted character. */
    size_t sentence_count;
    size_t counted_chars; /* counted characters in the whole text */
    size_t longest_sentence_chars;
    size_t average_tenths; /* counted_chars / sentence_count in tenths, rounded up; 0 without sentences */
    size_t long_sentence_count; /* sentences over PH_PLAIN_SENTENCE_MAX_CHARS */
    struct ph_plain_long_sentence long_sentences[PH_PLAIN_LISTED_SENTENCES]; /* the first ones */
    /* Characters. */
    size_t han_chars;                          /* Han characters, every occurrence */
    size_t rare_han_chars;                     /* of those, not common */
    size_t rare_per_mille;                     /* 1000 * rare / han, rounded up; 0 without Han */
    UChar32 rare_listed[PH_PLAIN_LISTED_RARE]; /* distinct, in order of first use */
    size_t rare_listed_count;
    bool rare_list_truncated; /* more distinct rare characters than listed */
    /* Jargon. */
    size_t unexplained_count; /* glossary entries used and never explained */
    struct ph_plain_term_use unexplained[PH_PLAIN_LISTED_TERMS]; /* in order of first use */
    /* 0-100, 100 exactly when there is no finding (formula in plain.c and docs/internals/plain.md). */
    int score;
};

/* Checks the text against the thresholds above, finding jargon with the
 * given glossary (usually ph_glossary_default()). Fills *report and returns
 * PH_PLAIN_OK; an empty text is OK, with no sentences, no findings and
 * score 100. On error (PH_PLAIN_BAD_INPUT, PH_PLAIN_TOO_LONG,
 * PH_PLAIN_NO_MEMORY, PH_PLAIN_ICU_ERROR) leaves *report unchanged. */
enum ph_plain_status ph_plain_check(const char *utf8, size_t len_bytes, const struct ph_glossary *glossary,
                                    struct ph_plain_report *report);

/* True when the report has no finding (score is then 100). */
bool ph_plain_passes(const struct ph_plain_report *report);

/* The findings as a new JSON array of {"code", "field", "message"}, field
 * being the caller's name for the text ("summary"): one per long sentence
 * listed (plus one saying how many more), one for the average, one for rare
 * characters, one per unexplained word listed (plus one for the rest). The
 * messages are short Simplified Chinese addressed to the writer, e.g.
 * "「本产品的保障范围包…」这句话有 58 个字，太长了。请分成几句短句，每句不超过 40 个字。"
 * An empty array when the text passes. On success sets *out (caller frees
 * with json_decref()); on error returns PH_PLAIN_NO_MEMORY (or
 * PH_PLAIN_BAD_INPUT for a NULL field) and leaves *out unchanged. */
enum ph_plain_status ph_plain_findings_json(const struct ph_plain_report *report, const char *field,
                                            json_t **out);

/* The measures as a new JSON object, for the operator's lists:
 * {"sentences", "chars", "average_sentence_chars" (one decimal, rounded
 * up), "longest_sentence_chars", "long_sentences", "han_chars",
 * "rare_chars", "rare_percent" (one decimal, rounded up), "rare_listed"
 * (array of one-character strings), "unexplained_terms" (headwords),
 * "score"}. Ownership and errors as ph_plain_findings_json(). */
enum ph_plain_status ph_plain_summary_json(const struct ph_plain_report *report, json_t **out);

/* True for one of the 3,500 common characters, or 〇; see above. */
bool ph_plain_is_common_char(UChar32 c);

/* How many characters the generated kTGH table holds (3,500). */
size_t ph_plain_common_char_count(void);

/* A short English name of the status, for logs ("too long"). */
const char *ph_plain_status_name(enum ph_plain_status status);

#endif
