/*
 * a11y/glossary.h - insurance words many readers do not know (免赔额, 等待期,
 * 既往症 ...), each with one short plain sentence that explains it.
 *
 * ACCESSIBILITY.md point 20: a glossary word is explained in words at its
 * first use on a page. This module finds the words in a text and says which
 * occurrence is the first on the page; templates render that occurrence as
 * <dfn> followed by the explanation. The plain-Chinese checker (plain.h) uses
 * the same table to find jargon that a text leaves unexplained.
 *
 * The table is data: a11y/data/glossary.tsv, embedded in the binary at build
 * time (format in that file and docs/internals/glossary.md). Each entry has a
 * headword, optional other spellings (aliases: 起付线 for 免赔额) and one
 * explanation. No spelling belongs to two entries.
 *
 * Matching is exact and byte-wise on UTF-8 (no folding: 保費 is not 保费),
 * leftmost-longest (in "意外伤害保险" the longer 意外伤害 wins over 意外 if
 * both are words), and never inside another word: a match whose start and
 * end both fall inside words of ICU's segmentation is skipped, so 续保 is
 * not found in 继续保持 (继续|保持) nor 重疾 in 严重疾病 (严重|疾病), while
 * 保费 is still found in 交保费 (交保|费: its end is a word boundary).
 *
 * Thread safety: a glossary is read-only once built. ph_glossary_default()
 * builds the embedded table once (pthread_once); afterwards any number of
 * threads may use it at the same time. A struct ph_glossary_seen belongs to
 * one page being built and must not be shared between threads.
 */
#ifndef PH_A11Y_GLOSSARY_H
#define PH_A11Y_GLOSSARY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum ph_glossary_status {
    PH_GLOSSARY_OK = 0,
    PH_GLOSSARY_BAD_INPUT, /* malformed UTF-8, a NULL text with a length, a seen set of another glossary */
    PH_GLOSSARY_TOO_LONG,  /* text longer than PH_GLOSSARY_MAX_TEXT_BYTES */
    PH_GLOSSARY_BAD_DATA,  /* the glossary file breaks a rule (see ph_glossary_parse) */
    PH_GLOSSARY_NO_MEMORY,
    PH_GLOSSARY_ICU_ERROR, /* ICU could not segment the text into words */
};

/* Limits. Texts are page text and product summaries: 1 MiB is far above
 * any of them. The others bound the data file. */
#define PH_GLOSSARY_MAX_TEXT_BYTES    (1u << 20)
#define PH_GLOSSARY_MAX_ENTRIES       256
#define PH_GLOSSARY_MAX_ALIASES       8  /* other spellings per entry */
#define PH_GLOSSARY_MAX_TERM_BYTES    64 /* 21 Han characters */
#define PH_GLOSSARY_MAX_EXPLAIN_BYTES 512

/* One word of the glossary. All strings are NUL-terminated UTF-8 owned by
 * the glossary and valid until it is freed (the default one: forever). */
struct ph_glossary_entry {
    const char *term;           /* the headword, e.g. "免赔额" */
    const char *explain;        /* one plain sentence, e.g. "看病的钱，...才赔。" */
    const char *const *aliases; /* other spellings, e.g. "起付线"; alias_count of them */
    size_t alias_count;
    size_t index; /* 0 .. ph_glossary_count() - 1, in file order */
};

struct ph_glossary; /* opaque */

/* One occurrence of a glossary word in a text: bytes
 * [start_bytes, start_bytes + len_bytes) of the text spell entry->term or
 * one of its aliases (is_alias). */
struct ph_glossary_match {
    size_t start_bytes;
    size_t len_bytes;
    const struct ph_glossary_entry *entry;
    bool is_alias;
};

/* Called for each match in text order; return false to stop early. */
typedef bool (*ph_glossary_match_fn)(void *ctx, const struct ph_glossary_match *match);

/* Which entries have been explained on the page being built. Caller-owned
 * (usually on the stack), one per page; holds no heap memory, so there is
 * nothing to release. */
struct ph_glossary_seen {
    const struct ph_glossary *glossary;
    unsigned char explained[PH_GLOSSARY_MAX_ENTRIES / 8]; /* bit per entry index */
};

/* The embedded table (a11y/data/glossary.tsv), parsed on first call and
 * kept for the life of the process. Sets *out and returns PH_GLOSSARY_OK;
 * returns PH_GLOSSARY_BAD_DATA or PH_GLOSSARY_NO_MEMORY (every time, the
 * outcome of the first call is remembered) and leaves *out unchanged. The
 * caller never frees the result. */
enum ph_glossary_status ph_glossary_default(const struct ph_glossary **out);

/* Builds a glossary from TSV text in the format of a11y/data/glossary.tsv:
 * per line "term|alias|alias<TAB>explanation"; '#' lines and empty lines
 * are skipped; a final line without a newline is read. Rules: valid UTF-8;
 * exactly one tab per line; every spelling non-empty, at most
 * PH_GLOSSARY_MAX_TERM_BYTES, with no white space or control character; no
 * spelling twice in the whole file; explanation non-empty and at most
 * PH_GLOSSARY_MAX_EXPLAIN_BYTES; at most PH_GLOSSARY_MAX_ALIASES aliases
 * per entry and PH_GLOSSARY_MAX_ENTRIES entries. An empty file is a valid
 * empty glossary. The text is copied; the caller keeps its own.
 *
 * On success sets *out (caller frees with ph_glossary_free()). On error
 * returns PH_GLOSSARY_BAD_DATA (or _NO_MEMORY), leaves *out unchanged and,
 * if bad_line is not NULL, sets *bad_line to the 1-based line at fault (for
 * a spelling given twice, the later line; 0 for malformed UTF-8, which is
 * checked for the whole text first). */
enum ph_glossary_status ph_glossary_parse(const char *tsv, size_t len_bytes, struct ph_glossary **out,
                                          size_t *bad_line);

/* Frees a glossary from ph_glossary_parse(); NULL is ignored. Never call it
 * on the default glossary. */
void ph_glossary_free(struct ph_glossary *glossary);

/* Number of entries, and entry i in file order (NULL when i is past the end). */
size_t ph_glossary_count(const struct ph_glossary *glossary);
const struct ph_glossary_entry *ph_glossary_entry_at(const struct ph_glossary *glossary, size_t i);

/* The entry spelled exactly `word` (its headword or an alias), or NULL. */
const struct ph_glossary_entry *ph_glossary_lookup(const struct ph_glossary *glossary, const char *word,
                                                   size_t len_bytes);

/* Calls fn for every glossary word in the text, leftmost-longest and not
 * overlapping, in order (matching rules at the top of this file). The text
 * is checked before any callback runs. Returns PH_GLOSSARY_OK (also when fn
 * stopped early), PH_GLOSSARY_BAD_INPUT for malformed UTF-8,
 * PH_GLOSSARY_TOO_LONG, PH_GLOSSARY_NO_MEMORY or PH_GLOSSARY_ICU_ERROR. */
enum ph_glossary_status ph_glossary_find(const struct ph_glossary *glossary, const char *utf8,
                                         size_t len_bytes, ph_glossary_match_fn fn, void *ctx);

/* Starts a page: nothing explained yet. */
void ph_glossary_seen_init(struct ph_glossary_seen *seen, const struct ph_glossary *glossary);

/* True when the entry has been explained on this page. */
bool ph_glossary_seen_has(const struct ph_glossary_seen *seen, const struct ph_glossary_entry *entry);

/* Splits one text of the page into segments for "explain at first use":
 * a new JSON array, in text order, of
 *     {"text": "..."}                                   plain text
 *     {"term": "起付线", "canonical": "免赔额", "explain": "..."}
 * where "term" is the word as written, "canonical" its headword. A word
 * becomes a term segment only at its entry's first occurrence on the page
 * (any spelling counts); later occurrences stay plain text, and neighbouring
 * plain text is one segment. Joining every segment's "text" or "term" gives
 * the input back exactly. An empty text gives []. Marks the entries it
 * explained in *seen, so call it for the texts of one page in reading order.
 *
 * On success sets *out (caller frees with json_decref()). On error (same
 * statuses as ph_glossary_find(), or PH_GLOSSARY_BAD_INPUT when seen was
 * started for another glossary) leaves *out and *seen unchanged. */
enum ph_glossary_status ph_glossary_annotate(const struct ph_glossary *glossary,
                                             struct ph_glossary_seen *seen, const char *utf8,
                                             size_t len_bytes, json_t **out);

/* A short English name of the status, for logs ("bad data"). */
const char *ph_glossary_status_name(enum ph_glossary_status status);

#endif
