/*
 * tests/fuzz/fuzz_fold.c - libFuzzer target for folding, pinyin and the
 * FTS5 tokenizer (issue 3, acceptance 2), without a database.
 *
 * For any bytes:
 *  - ph_fold_text returns NULL exactly when the input is not UTF-8, and
 *    otherwise valid UTF-8 of the length it reports, without NUL inside;
 *  - every code point's fold, readings and initials stay within their
 *    documented bounds and are lower-case ASCII;
 *  - every run of ASCII letters in the folded text (and the whole input
 *    when it is letters only) splits into real syllables that end exactly
 *    at the run's end, at most PH_PINYIN_MAX_SYLLABLES of them;
 *  - the tokenizer, at index and at query time, emits non-empty tokens
 *    whose offsets lie inside the text, in order, and the first token at a
 *    position is never marked colocated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <unicode/utf8.h>

#include "i18n/fold.h"
#include "registry/search_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_fold: " __VA_ARGS__);                                                          \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

static bool is_utf8(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        UChar32 c;
        U8_NEXT(s, i, len, c);
        if (c < 0)
            return false;
    }
    return true;
}

static bool is_lower_ascii(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < 'a' || *s > 'z')
            return false;
    }
    return true;
}

static void check_char(UChar32 c)
{
    UChar32 folded[PH_FOLD_MAX_EXPANSION];
    size_t n = ph_fold_char(c, folded, PH_FOLD_MAX_EXPANSION);
    if (n > PH_FOLD_MAX_EXPANSION)
        FAIL("ph_fold_char(U+%04X) wrote %zu code points", (unsigned)c, n);
    for (size_t i = 0; i < n; i++) {
        if (folded[i] < 0 || folded[i] > 0x10FFFF || U_IS_SURROGATE(folded[i]))
            FAIL("ph_fold_char(U+%04X) gave U+%04X", (unsigned)c, (unsigned)folded[i]);
    }
    const char *readings[PH_PINYIN_MAX_READINGS];
    size_t r = ph_pinyin_readings(c, readings, PH_PINYIN_MAX_READINGS);
    for (size_t i = 0; i < r && i < PH_PINYIN_MAX_READINGS; i++) {
        if (!is_lower_ascii(readings[i]) || !ph_pinyin_is_syllable(readings[i]))
            FAIL("reading %zu of U+%04X is %s", i, (unsigned)c, readings[i] != NULL ? readings[i] : "NULL");
    }
    const char *initials[PH_PINYIN_MAX_READINGS];
    size_t m = ph_pinyin_initials(c, initials, PH_PINYIN_MAX_READINGS);
    if (m > r)
        FAIL("U+%04X has %zu initials for %zu readings", (unsigned)c, m, r);
    for (size_t i = 0; i < m && i < PH_PINYIN_MAX_READINGS; i++) {
        if (!is_lower_ascii(initials[i]))
            FAIL("initial %zu of U+%04X is %s", i, (unsigned)c, initials[i] != NULL ? initials[i] : "NULL");
    }
}

#define MAX_SPLITS 8

static void check_split(const char *letters, size_t len)
{
    uint8_t ends[MAX_SPLITS][PH_PINYIN_MAX_SYLLABLES];
    size_t counts[MAX_SPLITS];
    size_t found = ph_pinyin_split(letters, len, MAX_SPLITS, ends, counts);
    for (size_t s = 0; s < found && s < MAX_SPLITS; s++) {
        if (counts[s] == 0 || counts[s] > PH_PINYIN_MAX_SYLLABLES)
            FAIL("split %zu of %.*s has %zu syllables", s, (int)len, letters, counts[s]);
        size_t start = 0;
        for (size_t k = 0; k < counts[s]; k++) {
            size_t end = ends[s][k];
            if (end <= start || end > len || end - start > 6)
                FAIL("split %zu of %.*s: syllable %zu ends at %zu after %zu", s, (int)len, letters, k, end,
                     start);
            char syllable[8];
            memcpy(syllable, letters + start, end - start);
            syllable[end - start] = '\0';
            if (!ph_pinyin_is_syllable(syllable))
                FAIL("split %zu of %.*s has %s, not a syllable", s, (int)len, letters, syllable);
            start = end;
        }
        if (start != len)
            FAIL("split %zu of %.*s ends at %zu, not %zu", s, (int)len, letters, start, len);
    }
}

/* Every run of a-z in the text, at most 255 letters (ends are bytes). */
static void check_letter_runs(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (text[i] < 'a' || text[i] > 'z') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && text[i] >= 'a' && text[i] <= 'z')
            i++;
        size_t run = i - start;
        check_split(text + start, run > 255 ? 255 : run);
    }
}

struct token_check {
    int text_len;
    int tokens;
    int last_start;
};

static int on_token(void *ctx, int flags, const char *token, int token_len, int start, int end)
{
    struct token_check *check = ctx;
    if (token == NULL || token_len <= 0 || token_len > 1024)
        FAIL("token of %d bytes", token_len);
    if (start < 0 || start > end || end > check->text_len)
        FAIL("token offsets %d..%d in a text of %d bytes", start, end, check->text_len);
    if ((flags & FTS5_TOKEN_COLOCATED) != 0 && check->tokens == 0)
        FAIL("first token is colocated");
    if ((flags & FTS5_TOKEN_COLOCATED) == 0 && start < check->last_start)
        FAIL("token at %d after one at %d", start, check->last_start);
    if ((flags & FTS5_TOKEN_COLOCATED) == 0)
        check->last_start = start;
    check->tokens++;
    return SQLITE_OK;
}

static void check_tokenizer(const char *text, size_t len)
{
    static const int modes[] = {FTS5_TOKENIZE_DOCUMENT, FTS5_TOKENIZE_QUERY,
                                FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, FTS5_TOKENIZE_AUX};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        struct token_check check = {(int)len, 0, 0};
        int rc = ph_search_tokenize(&check, modes[i], text, (int)len, on_token);
        if (rc != SQLITE_OK)
            FAIL("ph_search_tokenize returned %d in mode %d", rc, modes[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    const char *text = (const char *)data;
    bool valid = is_utf8(data, size);
    size_t folded_len = 0;
    char *folded = ph_fold_text(text, size, &folded_len);
    if (valid && folded == NULL)
        FAIL("ph_fold_text refused valid UTF-8 of %zu bytes", size);
    if (!valid && folded != NULL)
        FAIL("ph_fold_text accepted malformed UTF-8");
    if (folded != NULL) {
        if (folded[folded_len] != '\0' || !is_utf8((const uint8_t *)folded, folded_len))
            FAIL("ph_fold_text gave %zu bytes that are not NUL-terminated UTF-8", folded_len);
        check_letter_runs(folded, folded_len);
        free(folded);
    }
    if (valid) {
        size_t i = 0;
        while (i < size) {
            UChar32 c;
            U8_NEXT(data, i, size, c);
            check_char(c);
        }
        check_letter_runs(text, size);
    }
    check_tokenizer(text, size);
    return 0;
}
