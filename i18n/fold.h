/*
 * i18n/fold.h - folding text for search, and the pinyin of Han characters.
 *
 * Folding makes what people type and what insurers wrote meet: Unicode
 * NFKC (full-width ＡＢＣ１２３ -> ABC123, compatibility forms), case
 * folding (ABC -> abc), and traditional -> simplified Chinese (保費 ->
 * 保费, 醫療 -> 医疗). Pinyin gives every Mandarin reading of a Han
 * character, toneless and lower-case ASCII ("行" -> "xing", "hang"), and
 * its initial ("x", "h"; zh/ch/sh count as "z"/"c"/"s" initials as phone
 * keyboards do). The tables come from Debian's unicode-data (Unihan:
 * kSimplifiedVariant, kTGHZ2013, kHanyuPinyin, kMandarin), generated at
 * build time by i18n/gen_unihan.py; ICU does the normalisation and
 * case folding.
 *
 * All functions are thread-safe and allocate nothing unless they say so.
 */
#ifndef PH_I18N_FOLD_H
#define PH_I18N_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicode/umachine.h>

/* The simplified form of one character (kSimplifiedVariant), or the
 * character itself when it has none. */
UChar32 ph_fold_simplify_char(UChar32 c);

/* Folds one code point for search: NFKC, case fold, then simplify each
 * resulting character. Writes at most `max` code points into out and
 * returns how many it wrote (0 for characters that fold to nothing, such
 * as default-ignorables). Never more than PH_FOLD_MAX_EXPANSION. */
#define PH_FOLD_MAX_EXPANSION 18
size_t ph_fold_char(UChar32 c, UChar32 *out, size_t max);

/* Folds a whole UTF-8 text. Normalises the whole text, so a combining
 * sequence composes ("e" U+0301 -> "é") where ph_fold_char() of a lone
 * mark returns the mark itself. Returns a new NUL-terminated UTF-8 string the
 * caller frees with free(), and its length in *out_len (may be NULL); NULL
 * on malformed input or allocation failure. */
char *ph_fold_text(const char *utf8, size_t len_bytes, size_t *out_len);

/* Accent folding for search: the base letter of a precomposed Latin,
 * Greek or Cyrillic letter with marks (é -> e, ǚ -> u, ì -> i), or c itself.
 * Uses ICU's canonical decomposition. */
UChar32 ph_fold_strip_marks(UChar32 c);

/* True for a combining mark (general categories Mn, Mc, Me): search skips
 * them, so that "cafe" + U+0301 and "café" and "cafe" are one word. */
bool ph_is_mark(UChar32 c);

/* True for a Han ideograph (script Han, a letter). */
bool ph_is_han(UChar32 c);

/* Every Mandarin reading of a Han character, toneless lower-case ASCII,
 * most common first (kMandarin first, then kTGHZ2013, then kHanyuPinyin),
 * without duplicates. Fills out[0..max-1] with pointers to static strings
 * and returns the total number of readings (which may exceed max). 0 for
 * characters with no reading. "ü" is written "v" (lv, nv), as on phone
 * keyboards. */
#define PH_PINYIN_MAX_READINGS 8
size_t ph_pinyin_readings(UChar32 c, const char **out, size_t max);

/* The initials of a character's readings ("x", "h" for 行), without
 * duplicates, in the same order; static strings. The initial is the first
 * letter: zh/ch/sh give "z"/"c"/"s", and a reading without a consonant
 * ("an", "er") gives its vowel ("a", "e"). Returns the count written (at
 * most max). */
size_t ph_pinyin_initials(UChar32 c, const char **out, size_t max);

/* True when `syllable` (lower-case ASCII, NUL-terminated) is a Mandarin
 * syllable without tone ("zhuang", "lv", "er"). */
bool ph_pinyin_is_syllable(const char *syllable);

/* Splits lower-case ASCII letters into pinyin syllables, all of them (no
 * initials-only pieces). Writes up to `max_splits` alternative splits;
 * each split is a list of byte offsets where syllables end, written into
 * ends[split][0..counts[split]-1] with at most PH_PINYIN_MAX_SYLLABLES
 * syllables. Returns the number of splits found (0 when the input cannot
 * be split into syllables), preferring splits with fewer, longer syllables
 * first ("xian" -> [xian], [xi|an]; "yiwaixian" -> [yi|wai|xian], ...). */
#define PH_PINYIN_MAX_SYLLABLES 16
size_t ph_pinyin_split(const char *ascii, size_t len, size_t max_splits,
                       uint8_t ends[][PH_PINYIN_MAX_SYLLABLES], size_t *counts);

#endif
