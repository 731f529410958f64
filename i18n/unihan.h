/*
 * i18n/unihan.h - the tables i18n/gen_unihan.py generates from Unihan at
 * build time (${CMAKE_BINARY_DIR}/generated/unihan_tables.c). Private to
 * i18n/fold.c; everyone else uses i18n/fold.h.
 *
 * Layout (all arrays sorted by code point, searched by binary search):
 *   ph_unihan_syllables[]       every distinct toneless reading, sorted by
 *                               strcmp; ph_unihan_syllable_typed[i] is 0 for
 *                               the syllabic nasals (m, n, ng, hm, hng)
 *   ph_unihan_reading_cp[i]     a code point with readings, and
 *   ph_unihan_reading_at[i]     the offset of its list in the pool:
 *   ph_unihan_reading_pool[at]  = count, followed by `count` indices into
 *                               ph_unihan_syllables, most common first
 *   ph_unihan_simplified_from[i] -> ph_unihan_simplified_to[i]
 *                               (kSimplifiedVariant, chains resolved)
 */
#ifndef PH_I18N_UNIHAN_H
#define PH_I18N_UNIHAN_H

#include <stddef.h>
#include <stdint.h>

extern const char *const ph_unihan_syllables[];
extern const uint8_t ph_unihan_syllable_typed[];
extern const size_t ph_unihan_syllable_count;

extern const uint32_t ph_unihan_reading_cp[];
extern const uint16_t ph_unihan_reading_at[];
extern const size_t ph_unihan_reading_count;
extern const uint16_t ph_unihan_reading_pool[];
extern const size_t ph_unihan_reading_pool_size;

extern const uint32_t ph_unihan_simplified_from[];
extern const uint32_t ph_unihan_simplified_to[];
extern const size_t ph_unihan_simplified_count;

#endif
