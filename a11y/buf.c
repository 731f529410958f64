/*
 * a11y/buf.c - see buf.h. Growth doubles, bounded by the cap.
 */
#include "a11y/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ph_buf_init(struct ph_buf *b, size_t cap_bytes)
{
    memset(b, 0, sizeof(*b));
    b->cap = cap_bytes;
}

void ph_buf_release(struct ph_buf *b)
{
    size_t cap = b->cap;
    free(b->data);
    ph_buf_init(b, cap);
}

void ph_buf_reset(struct ph_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    b->failed = false;
    b->over_cap = false;
}

char *ph_buf_detach(struct ph_buf *b, size_t *len_out)
{
    char *out = NULL;
    size_t len = 0;
    if (!b->failed) {
        out = b->data ? b->data : calloc(1, 1);
        len = b->data ? b->len : 0;
        b->data = NULL;
    }
    if (len_out)
        *len_out = len;
    ph_buf_release(b);
    return out;
}

/* Makes room for `extra` more bytes plus the NUL, or sets the error. */
static bool ph_buf_grow(struct ph_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra > b->cap || b->len > b->cap - extra) {
        b->failed = true;
        b->over_cap = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return true;
    size_t next = b->alloc ? b->alloc : 256;
    while (next < need)
        next = next > SIZE_MAX / 2 ? need : next * 2;
    if (next > b->cap + 1)
        next = b->cap + 1;
    char *grown = realloc(b->data, next);
    if (!grown) {
        b->failed = true;
        return false;
    }
    b->data = grown;
    b->alloc = next;
    return true;
}

void ph_buf_append(struct ph_buf *b, const void *bytes, size_t len)
{
    if (!ph_buf_grow(b, len))
        return;
    if (len)
        memcpy(b->data + b->len, bytes, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void ph_buf_append_str(struct ph_buf *b, const char *s)
{
    ph_buf_append(b, s, strlen(s));
}

void ph_buf_append_char(struct ph_buf *b, char c)
{
    ph_buf_append(b, &c, 1);
}

void ph_buf_append_html(struct ph_buf *b, const char *text, size_t len)
{
    size_t run_start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *entity = NULL;
        switch (text[i]) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        default: continue;
        }
        ph_buf_append(b, text + run_start, i - run_start);
        ph_buf_append_str(b, entity);
        run_start = i + 1;
    }
    ph_buf_append(b, text + run_start, len - run_start);
}

void ph_buf_printf(struct ph_buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        va_end(ap2);
        return;
    }
    if (ph_buf_grow(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}
