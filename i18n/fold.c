/*
 * i18n/fold.c - folding for search and pinyin. See fold.h.
 *
 * Normalisation and case folding are ICU's NFKC_Casefold (one step: NFKC,
 * full case folding, default-ignorables removed). Simplification and
 * pinyin are lookups by binary search in the sorted tables that
 * i18n/gen_unihan.py generates from Unihan (layout in i18n/unihan.h).
 */
#include "i18n/fold.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include "i18n/unihan.h"

/* Longest syllable in the table ("zhuang"); pieces longer than this are
 * never looked up. */
#define MAX_SYLLABLE_LETTERS 6

/* Index of `c` in a sorted code point array, or -1. */
static long find_code_point(const uint32_t *sorted, size_t count, UChar32 c)
{
    if (c < 0)
        return -1;
    size_t lo = 0;
    size_t hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < (uint32_t)c)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < count && sorted[lo] == (uint32_t)c)
        return (long)lo;
    return -1;
}

UChar32 ph_fold_simplify_char(UChar32 c)
{
    long at = find_code_point(ph_unihan_simplified_from, ph_unihan_simplified_count, c);
    if (at < 0)
        return c;
    return (UChar32)ph_unihan_simplified_to[at];
}

UChar32 ph_fold_strip_marks(UChar32 c)
{
    if (c < 0x80 || c > 0x10FFFF || U_IS_SURROGATE(c))
        return c;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&err);
    if (U_FAILURE(err))
        return c;
    UChar decomposed[32];
    int32_t len = unorm2_getDecomposition(nfd, c, decomposed, 32, &err);
    if (U_FAILURE(err) || len <= 0)
        return c;
    int32_t i = 0;
    UChar32 base;
    U16_NEXT(decomposed, i, len, base);
    if (!u_isalpha(base))
        return c;
    while (i < len) {
        UChar32 mark;
        U16_NEXT(decomposed, i, len, mark);
        if (!ph_is_mark(mark))
            return c;
    }
    return base;
}

bool ph_is_mark(UChar32 c)
{
    int8_t type = u_charType(c);
    return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK;
}

size_t ph_fold_char(UChar32 c, UChar32 *out, size_t max)
{
    if (c < 0 || c > 0x10FFFF || U_IS_SURROGATE(c) || max == 0)
        return 0;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    if (U_FAILURE(err))
        return 0;

    UChar src[2];
    int32_t src_len = 0;
    UBool unused = false;
    U16_APPEND(src, src_len, 2, c, unused);
    (void)unused;

    /* 18 code points at most (U+FDFA), each at most two UTF-16 units. */
    UChar folded[2 * PH_FOLD_MAX_EXPANSION + 4];
    int32_t folded_len =
        unorm2_normalize(nfkc_cf, src, src_len, folded, (int32_t)(sizeof folded / sizeof folded[0]), &err);
    if (U_FAILURE(err))
        return 0;

    size_t written = 0;
    int32_t i = 0;
    while (i < folded_len && written < max && written < PH_FOLD_MAX_EXPANSION) {
        UChar32 piece;
        U16_NEXT(folded, i, folded_len, piece);
        out[written++] = ph_fold_simplify_char(piece);
    }
    return written;
}

char *ph_fold_text(const char *utf8, size_t len_bytes, size_t *out_len)
{
    if (utf8 == NULL || len_bytes > INT32_MAX / 4)
        return NULL;

    /* UTF-16 never needs more units than UTF-8 has bytes. */
    UChar *wide = malloc((len_bytes + 1) * sizeof(UChar));
    if (wide == NULL)
        return NULL;
    UErrorCode err = U_ZERO_ERROR;
    int32_t wide_len = 0;
    u_strFromUTF8(wide, (int32_t)len_bytes + 1, &wide_len, utf8, (int32_t)len_bytes, &err);
    if (U_FAILURE(err)) {
        free(wide);
        return NULL;
    }

    /* Whole-text normalisation composes combining sequences ("e" U+0301
     * -> "é"), which folding one code point at a time cannot. */
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    int32_t folded_len = 0;
    if (U_SUCCESS(err))
        folded_len = unorm2_normalize(nfkc_cf, wide, wide_len, NULL, 0, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) {
        free(wide);
        return NULL;
    }
    UChar *folded = malloc(((size_t)folded_len + 1) * sizeof(UChar));
    if (folded == NULL) {
        free(wide);
        return NULL;
    }
    err = U_ZERO_ERROR;
    folded_len = unorm2_normalize(nfkc_cf, wide, wide_len, folded, folded_len + 1, &err);
    free(wide);
    if (U_FAILURE(err)) {
        free(folded);
        return NULL;
    }

    /* Simplify each code point; the first pass sizes the output. */
    size_t out_bytes = 0;
    for (int32_t i = 0; i < folded_len;) {
        UChar32 c;
        U16_NEXT(folded, i, folded_len, c);
        out_bytes += (size_t)U8_LENGTH(ph_fold_simplify_char(c));
    }
    if (out_bytes > INT32_MAX) {
        free(folded);
        return NULL;
    }
    uint8_t *out = malloc(out_bytes + 1);
    if (out == NULL) {
        free(folded);
        return NULL;
    }
    int32_t at = 0;
    for (int32_t i = 0; i < folded_len;) {
        UChar32 c;
        U16_NEXT(folded, i, folded_len, c);
        UBool unused = false;
        U8_APPEND(out, at, (int32_t)out_bytes, ph_fold_simplify_char(c), unused);
        (void)unused;
    }
    free(folded);
    out[at] = '\0';
    if (out_len != NULL)
        *out_len = (size_t)at;
    return (char *)out;
}

bool ph_is_han(UChar32 c)
{
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &err);
    return U_SUCCESS(err) && script == USCRIPT_HAN && u_isalpha(c);
}

/* The pool entry of c's reading list (count first), or NULL. */
static const uint16_t *reading_list(UChar32 c)
{
    long at = find_code_point(ph_unihan_reading_cp, ph_unihan_reading_count, c);
    if (at < 0)
        return NULL;
    return &ph_unihan_reading_pool[ph_unihan_reading_at[at]];
}

size_t ph_pinyin_readings(UChar32 c, const char **out, size_t max)
{
    const uint16_t *list = reading_list(c);
    if (list == NULL)
        return 0;
    size_t count = list[0];
    for (size_t i = 0; i < count && i < max; i++)
        out[i] = ph_unihan_syllables[list[1 + i]];
    return count;
}

static const char *const initial_letters[26] = {
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
};

size_t ph_pinyin_initials(UChar32 c, const char **out, size_t max)
{
    const uint16_t *list = reading_list(c);
    if (list == NULL)
        return 0;
    /* The first letter is the initial: zh/ch/sh give z/c/s, as phone
     * keyboards take them, and a reading without a consonant ("an",
     * "er") gives its vowel. */
    bool seen[26] = {false};
    size_t found = 0;
    for (size_t i = 0; i < list[0]; i++) {
        unsigned char first = (unsigned char)ph_unihan_syllables[list[1 + i]][0];
        if (first < 'a' || first > 'z' || seen[first - 'a'])
            continue;
        seen[first - 'a'] = true;
        if (found < max)
            out[found] = initial_letters[first - 'a'];
        found++;
    }
    return found < max ? found : max;
}

/* Compares `len` bytes at s with a NUL-terminated syllable, as strcmp. */
static int compare_piece(const char *s, size_t len, const char *syllable)
{
    size_t syllable_len = strlen(syllable);
    size_t common = len < syllable_len ? len : syllable_len;
    int order = memcmp(s, syllable, common);
    if (order != 0)
        return order;
    if (len == syllable_len)
        return 0;
    return len < syllable_len ? -1 : 1;
}

/* True when s[0..len) is a syllable one types. */
static bool is_typed_syllable(const char *s, size_t len)
{
    if (len == 0 || len > MAX_SYLLABLE_LETTERS)
        return false;
    size_t lo = 0;
    size_t hi = ph_unihan_syllable_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int order = compare_piece(s, len, ph_unihan_syllables[mid]);
        if (order == 0)
            return ph_unihan_syllable_typed[mid] != 0;
        if (order > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool ph_pinyin_is_syllable(const char *syllable)
{
    if (syllable == NULL)
        return false;
    size_t len = strnlen(syllable, MAX_SYLLABLE_LETTERS + 1);
    return is_typed_syllable(syllable, len);
}

/* The longest input that can still be split: 16 syllables of 6 letters. */
#define MAX_SPLIT_LETTERS (PH_PINYIN_MAX_SYLLABLES * MAX_SYLLABLE_LETTERS)

struct split_search {
    const char *ascii;
    size_t len;
    /* feasible[i] bit k: ascii[i..len) splits into exactly k syllables. */
    uint32_t feasible[MAX_SPLIT_LETTERS + 1];
    uint8_t path[PH_PINYIN_MAX_SYLLABLES];
    size_t max_splits;
    size_t found;
    uint8_t (*ends)[PH_PINYIN_MAX_SYLLABLES];
    size_t *counts;
};

/* Depth-first over splits of ascii[pos..) into exactly `left` more
 * syllables, longest syllable first. `feasible` prunes every branch that
 * cannot finish, so each leaf reached is a split and the work is bounded
 * by max_splits * PH_PINYIN_MAX_SYLLABLES * MAX_SYLLABLE_LETTERS. */
static void split_dfs(struct split_search *search, size_t pos, size_t depth, size_t left)
{
    if (search->found >= search->max_splits)
        return;
    if (left == 0) {
        memcpy(search->ends[search->found], search->path, depth);
        search->counts[search->found] = depth;
        search->found++;
        return;
    }
    for (size_t letters = MAX_SYLLABLE_LETTERS; letters >= 1; letters--) {
        size_t next = pos + letters;
        if (next > search->len)
            continue;
        if ((search->feasible[next] & (UINT32_C(1) << (left - 1))) == 0)
            continue;
        if (!is_typed_syllable(search->ascii + pos, letters))
            continue;
        search->path[depth] = (uint8_t)next;
        split_dfs(search, next, depth + 1, left - 1);
        if (search->found >= search->max_splits)
            return;
    }
}

size_t ph_pinyin_split(const char *ascii, size_t len, size_t max_splits,
                       uint8_t ends[][PH_PINYIN_MAX_SYLLABLES], size_t *counts)
{
    if (ascii == NULL || len == 0 || len > MAX_SPLIT_LETTERS || max_splits == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (ascii[i] < 'a' || ascii[i] > 'z')
            return 0;
    }

    struct split_search search;
    memset(&search, 0, sizeof search);
    search.ascii = ascii;
    search.len = len;
    search.max_splits = max_splits;
    search.ends = ends;
    search.counts = counts;

    /* Right to left: which syllable counts can finish from each position. */
    search.feasible[len] = 1;
    for (size_t pos = len; pos-- > 0;) {
        uint32_t mask = 0;
        for (size_t letters = 1; letters <= MAX_SYLLABLE_LETTERS && pos + letters <= len; letters++) {
            if (search.feasible[pos + letters] != 0 && is_typed_syllable(ascii + pos, letters))
                mask |= search.feasible[pos + letters] << 1;
        }
        search.feasible[pos] = mask & ((UINT32_C(1) << (PH_PINYIN_MAX_SYLLABLES + 1)) - 1);
    }

    /* Fewer syllables first. */
    for (size_t syllables = 1; syllables <= PH_PINYIN_MAX_SYLLABLES; syllables++) {
        if ((search.feasible[0] & (UINT32_C(1) << syllables)) == 0)
            continue;
        split_dfs(&search, 0, 0, syllables);
        if (search.found >= max_splits)
            break;
    }
    return search.found;
}
