/*
 * i18n/text.h - the small set of text checks the registry needs at its
 * boundary, on ICU's UTF-8 macros and character properties.
 *
 * Everything here takes UTF-8 with an explicit byte length and never reads
 * past it. Nothing allocates except ph_text_trim_dup(). These functions are
 * pure and thread-safe.
 *
 * Later issues add normalisation, pinyin, collation and formatting to this
 * module; the registry depends on i18n and never the other way round.
 */
#ifndef PH_I18N_TEXT_H
#define PH_I18N_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when the bytes are well-formed UTF-8 with no surrogates and no
 * non-characters. */
bool ph_text_is_valid_utf8(const char *utf8, size_t len_bytes);

/* Number of Unicode code points in well-formed UTF-8. Returns (size_t)-1
 * for malformed input. */
size_t ph_text_length_chars(const char *utf8, size_t len_bytes);

/* True when the text contains a control character (Unicode general
 * category Cc, plus the line and paragraph separators and bidirectional
 * formatting controls that can disguise text, and the non-characters
 * such as U+FFFF that mean nothing to anyone). Tab and newline count as
 * control characters unless allow_newlines is set. Malformed input counts
 * as containing control characters. */
bool ph_text_has_control_chars(const char *utf8, size_t len_bytes, bool allow_newlines);

/* Copy of the text without leading and trailing white space (Unicode
 * White_Space, which includes the ideographic space U+3000).
 * Caller frees with free(). Returns NULL on allocation failure or
 * malformed input. */
char *ph_text_trim_dup(const char *utf8, size_t len_bytes, size_t *out_len_bytes);

/* True when the text contains at least one Han character (script Han). */
bool ph_text_has_han(const char *utf8, size_t len_bytes);

#endif
