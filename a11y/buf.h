/*
 * a11y/buf.h - a growable byte buffer with a hard cap and a sticky error,
 * used by every writer in a11y/ (templates, HTML, reports).
 *
 * Writers append in a chain and check once at the end (STYLE.md rule 4):
 *
 *     struct ph_buf b;
 *     ph_buf_init(&b, 4u << 20);          // never grows past 4 MiB
 *     ph_buf_append(&b, "<p>", 3);
 *     ph_buf_append_html(&b, name, strlen(name));
 *     ph_buf_printf(&b, "%d", count);
 *     if (b.failed) ...                   // out of memory or past the cap
 *     ph_buf_release(&b);
 *
 * Invariants: data is NUL-terminated whenever it is non-NULL (len excludes
 * the NUL); len + 1 <= alloc <= cap + 1. Once `failed` is set every append is
 * a no-op, so a partial result is never mistaken for a whole one.
 */
#ifndef PH_A11Y_BUF_H
#define PH_A11Y_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct ph_buf {
    char *data;       /* NULL until the first append; owned by the buffer */
    size_t len;       /* bytes written, excluding the NUL */
    size_t alloc;     /* bytes allocated */
    size_t cap;       /* the most bytes the buffer may ever hold */
    bool failed;      /* sticky: out of memory or an append past cap */
    bool over_cap;    /* the failure was the cap (as opposed to memory) */
};

/* Starts an empty buffer that will never hold more than cap_bytes. */
void ph_buf_init(struct ph_buf *b, size_t cap_bytes);

/* Frees the memory and leaves the buffer empty (it may be reused). */
void ph_buf_release(struct ph_buf *b);

/* Empties the buffer, keeping its memory and clearing the error. */
void ph_buf_reset(struct ph_buf *b);

/* Hands the bytes to the caller (caller frees with free()); the buffer is
 * left empty. Returns NULL when failed, or an empty string when nothing was
 * written; *len_out (may be NULL) gets the length. */
char *ph_buf_detach(struct ph_buf *b, size_t *len_out);

void ph_buf_append(struct ph_buf *b, const void *bytes, size_t len);
void ph_buf_append_str(struct ph_buf *b, const char *s);
void ph_buf_append_char(struct ph_buf *b, char c);

/* Appends text escaped for HTML text and quoted attribute values:
 * & < > " ' become entities. Bytes are otherwise copied as they are. */
void ph_buf_append_html(struct ph_buf *b, const char *text, size_t len);

/* printf-style append through vsnprintf (the one formatting helper). */
void ph_buf_printf(struct ph_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
