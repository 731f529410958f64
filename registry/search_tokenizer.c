/*
 * registry/search_tokenizer.c - the "puhui" FTS5 tokenizer.
 *
 * DESIGN.md's recommended design: every character is folded (NFKC, case,
 * traditional -> simplified: i18n/fold.h); each Han character becomes one
 * token, and when indexing every pinyin reading and initial of it are
 * colocated tokens (FTS5_TOKEN_COLOCATED) at the same position; runs of
 * other letters and digits become words. Offsets always point into the
 * original text, so highlight() and snippet() mark exactly the characters
 * that matched, whatever folding did.
 *
 * At query time (FTS5_TOKENIZE_QUERY) only the folded characters and words
 * are emitted: pinyin typed by a person arrives as Latin words and matches
 * the colocated readings stored at index time. So for highlight() and
 * snippet() (FTS5_TOKENIZE_AUX), which ignore colocated tokens.
 */
#include <string.h>

#include <sqlite3.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "i18n/fold.h"
#include "registry/search_internal.h"

#define WORD_MAX_BYTES 64

struct word {
    char bytes[WORD_MAX_BYTES + 8];
    int len;
    int start;
    int end;
};

struct token_sink {
    void *ctx;
    int (*emit)(void *, int, const char *, int, int, int);
};

static int flush_word(struct token_sink *sink, struct word *w)
{
    int rc = SQLITE_OK;
    if (w->len > 0)
        rc = sink->emit(sink->ctx, 0, w->bytes, w->len, w->start, w->end);
    w->len = 0;
    return rc;
}

static int append_to_word(struct token_sink *sink, struct word *w, UChar32 c, int start, int end)
{
    if (w->len + U8_MAX_LENGTH > WORD_MAX_BYTES) {
        int rc = flush_word(sink, w);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (w->len == 0)
        w->start = start;
    w->end = end;
    U8_APPEND_UNSAFE(w->bytes, w->len, c);
    return SQLITE_OK;
}

/* One Han character and, when indexing, its readings and initials. */
static int emit_han(struct token_sink *sink, UChar32 c, int start, int end, bool with_pinyin)
{
    char bytes[U8_MAX_LENGTH];
    int len = 0;
    U8_APPEND_UNSAFE(bytes, len, c);
    int rc = sink->emit(sink->ctx, 0, bytes, len, start, end);
    if (rc != SQLITE_OK || !with_pinyin)
        return rc;
    const char *readings[PH_PINYIN_MAX_READINGS];
    size_t n = ph_pinyin_readings(c, readings, PH_PINYIN_MAX_READINGS);
    if (n > PH_PINYIN_MAX_READINGS)
        n = PH_PINYIN_MAX_READINGS;
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
        rc = sink->emit(sink->ctx, FTS5_TOKEN_COLOCATED, readings[i], (int)strlen(readings[i]), start, end);
    const char *initials[PH_PINYIN_MAX_READINGS];
    size_t m = ph_pinyin_initials(c, initials, PH_PINYIN_MAX_READINGS);
    if (m > PH_PINYIN_MAX_READINGS)
        m = PH_PINYIN_MAX_READINGS;
    for (size_t i = 0; i < m && rc == SQLITE_OK; i++) {
        /* A one-letter reading ("a", "e") is its own initial: emitted once. */
        bool already = false;
        for (size_t k = 0; k < n; k++)
            already = already || strcmp(readings[k], initials[i]) == 0;
        if (!already)
            rc = sink->emit(sink->ctx, FTS5_TOKEN_COLOCATED, initials[i], (int)strlen(initials[i]), start,
                            end);
    }
    return rc;
}

int ph_search_tokenize(void *ctx, int flags, const char *text, int text_len,
                       int (*emit)(void *, int, const char *, int, int, int))
{
    struct token_sink sink = {ctx, emit};
    struct word w = {.len = 0};
    /* Readings only when indexing: a query's pinyin arrives as typed Latin
     * words, and highlight() and snippet() (FTS5_TOKENIZE_AUX) skip
     * colocated tokens, so producing them there is wasted work (about 40%
     * of a snippet's time). */
    bool with_pinyin = (flags & (FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_AUX)) == 0;
    const uint8_t *s = (const uint8_t *)text;
    int offset = 0;
    int rc = SQLITE_OK;
    while (offset < text_len && rc == SQLITE_OK) {
        int start = offset;
        UChar32 c;
        U8_NEXT(s, offset, text_len, c);
        if (c < 0) {
            rc = flush_word(&sink, &w); /* malformed bytes separate words */
            continue;
        }
        UChar32 folded[PH_FOLD_MAX_EXPANSION];
        size_t n = ph_fold_char(c, folded, PH_FOLD_MAX_EXPANSION);
        for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
            UChar32 g = folded[i];
            if (ph_is_mark(g)) {
                /* Accents belong to the letter before them and are folded
                 * away: "cafe" + U+0301 is the word "cafe", like "café". */
                if (w.len > 0)
                    w.end = offset;
            } else if (ph_is_han(g)) {
                rc = flush_word(&sink, &w);
                if (rc == SQLITE_OK)
                    rc = emit_han(&sink, g, start, offset, with_pinyin);
            } else if (u_isalnum(g)) {
                rc = append_to_word(&sink, &w, ph_fold_strip_marks(g), start, offset);
            } else {
                rc = flush_word(&sink, &w);
            }
        }
        if (n == 0 && rc == SQLITE_OK)
            continue; /* default-ignorables join nothing and split nothing */
    }
    if (rc == SQLITE_OK)
        rc = flush_word(&sink, &w);
    return rc;
}

/* --- FTS5 glue ------------------------------------------------------------ */

/* The tokenizer has no state; FTS5 still wants an object per table. */
struct puhui_tokenizer {
    int unused;
};

static int tokenizer_create(void *unused, const char **args, int arg_count, Fts5Tokenizer **out)
{
    (void)unused;
    (void)args;
    if (arg_count != 0)
        return SQLITE_ERROR;
    struct puhui_tokenizer *t = sqlite3_malloc(sizeof *t);
    if (t == NULL)
        return SQLITE_NOMEM;
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void tokenizer_delete(Fts5Tokenizer *t)
{
    sqlite3_free(t);
}

static int tokenizer_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int text_len,
                              int (*emit)(void *, int, const char *, int, int, int))
{
    (void)t;
    return ph_search_tokenize(ctx, flags, text, text_len, emit);
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return api;
}

int ph_search_register_tokenizer(sqlite3 *db)
{
    fts5_api *api = fts5_api_of(db);
    if (api == NULL || api->iVersion < 2)
        return SQLITE_ERROR;
    static fts5_tokenizer tokenizer = {tokenizer_create, tokenizer_delete, tokenizer_tokenize};
    return api->xCreateTokenizer(api, "puhui", NULL, &tokenizer, NULL);
}
