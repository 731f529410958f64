/*
 * i18n/collate.h - sorting Chinese text in pinyin order with ICU.
 *
 * One process-wide collator for the "zh" locale, whose default order is
 * pinyin (阿 < 保 < 重庆 < 浙江 < 中国). CLDR's order for zh puts digits first,
 * then Han characters by pinyin, then Latin letters (case-insensitive at
 * the primary level, lower before upper when otherwise equal). Runs of
 * digits sort by their value (2 < 10, 惠民保2号 < 惠民保10号). ICU orders
 * each Han character by one reading (重庆 as chong, but 长沙 as zhang);
 * this is a sort order, not a transcription.
 *
 * ph_collate_init() opens the collator; call it once at start-up (it is
 * idempotent and thread-safe, and the other functions call it on first
 * use). Afterwards the collator is never modified, and comparing through
 * it is safe from any number of threads at once (ICU's const API).
 */
#ifndef PH_I18N_COLLATE_H
#define PH_I18N_COLLATE_H

#include <stddef.h>
#include <stdint.h>

#include "i18n/status.h"

/* Opens the shared collator. Returns PH_I18N_ICU_ERROR when ICU has no
 * collation data; the comparison then falls back to byte order. */
enum ph_i18n_status ph_collate_init(void);

/* Compares two UTF-8 strings in pinyin order: <0, 0 or >0 as strcmp.
 * Malformed sequences compare as U+FFFD. Never fails; without a collator
 * it compares bytes. */
int ph_collate_compare_utf8(const char *a, size_t a_len_bytes, const char *b, size_t b_len_bytes);

/* Writes the collation sort key of a UTF-8 string (NUL-terminated bytes
 * that compare with memcmp/strcmp as ph_collate_compare_utf8 compares the
 * strings; store it in an index to sort in SQL). Returns the key's length
 * including the NUL; when that exceeds `cap` nothing useful is written and
 * the caller retries with a larger buffer. 0 on malformed input or
 * without a collator. */
size_t ph_collate_sort_key(const char *utf8, size_t len_bytes, uint8_t *key, size_t cap);

/* Closes the collator at exit (after every thread that compares has
 * stopped). Init is not possible afterwards. */
void ph_collate_release(void);

#endif
