/*
 * i18n/format.h - numbers, money, dates and percentages written the way
 * people in China say them, with ICU (locale "zh").
 *
 *   ph_format_yuan(100000)          -> "10万元"    (保额 10万元)
 *   ph_format_yuan(1500)            -> "1500元"
 *   ph_format_yuan(15000)           -> "1.5万元"
 *   ph_format_yuan(99.5)            -> "99.5元"
 *   ph_format_yuan_per_year(120)    -> "每年 120 元"
 *   ph_format_percent(70)           -> "70%"
 *   ph_format_date_zh("2026-05-29") -> "2026年5月29日"
 *
 * Money is rounded to the fen (two decimals, trailing zeros dropped).
 * Amounts of 10,000 yuan and more that are whole hundreds of yuan use ICU's
 * short compact form (万, 亿, 万亿: 2000000 -> "200万元"); other amounts are
 * written out (12345 -> "12345元"), so no figure is ever rounded away.
 * Numbers are never grouped with commas, as in Chinese price tags.
 *
 * Every function writes a NUL-terminated UTF-8 string into the caller's
 * buffer of `cap` bytes and returns PH_I18N_OK; on any error it writes ""
 * (when cap > 0) and returns PH_I18N_BAD_INPUT (not finite, not a date),
 * PH_I18N_TOO_SMALL, or PH_I18N_ICU_ERROR. PH_FORMAT_MAX_BYTES always
 * suffices. Thread-safe: the ICU number formatters are opened once and are
 * immutable; each date call clones its own formatter.
 */
#ifndef PH_I18N_FORMAT_H
#define PH_I18N_FORMAT_H

#include <stddef.h>

#include "i18n/status.h"

#define PH_FORMAT_MAX_BYTES 128

/* An amount of money in yuan: "10万元", "1500元", "99.5元". */
enum ph_i18n_status ph_format_yuan(double yuan, char *buf, size_t cap);

/* A yearly premium: "每年 120 元", "每年 99.5 元", "每年 1.2万元" (a space
 * sets written-out digits apart from the Chinese, as in the issue's
 * examples; a compact figure already ends in a Chinese character). */
enum ph_i18n_status ph_format_yuan_per_year(double yuan, char *buf, size_t cap);

/* A percentage given in percent (70 -> "70%", 12.5 -> "12.5%"). */
enum ph_i18n_status ph_format_percent(double percent, char *buf, size_t cap);

/* An ISO date "YYYY-MM-DD" (exactly ten bytes before any NUL, a real
 * Gregorian date, year 1-9999) as "2026年5月29日". */
enum ph_i18n_status ph_format_date_zh(const char *iso_date, char *buf, size_t cap);

#endif
