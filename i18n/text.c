/* i18n/text.c - UTF-8 checks on ICU. See text.h. */
#include "i18n/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

/* Walks the text once; returns false on the first malformed sequence. */
static bool next_code_point(const char *utf8, size_t len_bytes, size_t *offset, UChar32 *out)
{
    const uint8_t *s = (const uint8_t *)utf8;
    int32_t i = (int32_t)*offset;
    UChar32 c;
    U8_NEXT(s, i, (int32_t)len_bytes, c);
    *offset = (size_t)i;
    *out = c;
    return c >= 0;
}

/* Walks the code points until `pred` holds for one: 1 when it did, 0 when
 * it held for none, -1 on malformed input. */
static int find_code_point(const char *utf8, size_t len_bytes, bool (*pred)(UChar32, bool), bool arg)
{
    if (len_bytes > INT32_MAX)
        return -1;
    size_t offset = 0;
    while (offset < len_bytes) {
        UChar32 c;
        if (!next_code_point(utf8, len_bytes, &offset, &c))
            return -1;
        if (pred(c, arg))
            return 1;
    }
    return 0;
}

static bool is_nonchar(UChar32 c, bool unused)
{
    (void)unused;
    return U_IS_UNICODE_NONCHAR(c);
}

static bool is_han(UChar32 c, bool unused)
{
    (void)unused;
    UErrorCode err = U_ZERO_ERROR;
    return uscript_getScript(c, &err) == USCRIPT_HAN && U_SUCCESS(err);
}

bool ph_text_is_valid_utf8(const char *utf8, size_t len_bytes)
{
    return find_code_point(utf8, len_bytes, is_nonchar, false) == 0;
}

size_t ph_text_length_chars(const char *utf8, size_t len_bytes)
{
    if (len_bytes > INT32_MAX)
        return (size_t)-1;
    size_t offset = 0;
    size_t count = 0;
    while (offset < len_bytes) {
        UChar32 c;
        if (!next_code_point(utf8, len_bytes, &offset, &c))
            return (size_t)-1;
        count++;
    }
    return count;
}

static bool is_disallowed_control(UChar32 c, bool allow_newlines)
{
    if (allow_newlines && (c == '\n' || c == '\t'))
        return false;
    if (u_charType(c) == U_CONTROL_CHAR || U_IS_UNICODE_NONCHAR(c))
        return true;
    /* Line/paragraph separators and bidi overrides/isolates can reorder or
     * hide text on a public page. */
    if (c == 0x2028 || c == 0x2029)
        return true;
    if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
        return true;
    return false;
}

bool ph_text_has_control_chars(const char *utf8, size_t len_bytes, bool allow_newlines)
{
    /* Malformed input counts as containing control characters. */
    return find_code_point(utf8, len_bytes, is_disallowed_control, allow_newlines) != 0;
}

char *ph_text_trim_dup(const char *utf8, size_t len_bytes, size_t *out_len_bytes)
{
    if (!ph_text_is_valid_utf8(utf8, len_bytes))
        return NULL;
    size_t start = len_bytes;
    size_t end = 0;
    size_t offset = 0;
    while (offset < len_bytes) {
        size_t char_start = offset;
        UChar32 c;
        next_code_point(utf8, len_bytes, &offset, &c);
        if (!u_isUWhiteSpace(c)) {
            if (start == len_bytes)
                start = char_start;
            end = offset;
        }
    }
    if (start == len_bytes) {
        start = 0;
        end = 0;
    }
    size_t out_len = end - start;
    char *out = malloc(out_len + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, utf8 + start, out_len);
    out[out_len] = '\0';
    if (out_len_bytes != NULL)
        *out_len_bytes = out_len;
    return out;
}

bool ph_text_has_han(const char *utf8, size_t len_bytes)
{
    return find_code_point(utf8, len_bytes, is_han, false) == 1;
}
