/*
 * i18n/format.c - money, percentages and dates in Chinese with ICU's number
 * formatter (skeletons) and date formatter. See format.h.
 */
#include "i18n/format.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/unumberformatter.h>
#include <unicode/ustring.h>

/* The locale; CLDR's "zh" is Simplified Chinese as used in China. */
#define FORMAT_LOCALE "zh"

/* The largest amount we format: beyond this a double no longer holds fen. */
#define MAX_ABS_VALUE 1e13

/* Opened once under pthread_once, immutable afterwards (ICU documents
 * UNumberFormatter as thread-safe); the date template is only cloned. */
static UNumberFormatter *plain_formatter;   /* 1500, 99.5 */
static UNumberFormatter *compact_formatter; /* 10万, 1.5万, 1.234亿 */
static UNumberFormatter *percent_formatter; /* 70% */
static UDateFormat *date_template;          /* 2026年5月29日 */
static bool formatters_ready;
static pthread_once_t formatters_once = PTHREAD_ONCE_INIT;

static UNumberFormatter *open_skeleton(const char *skeleton_ascii)
{
    UChar skeleton[64];
    u_uastrncpy(skeleton, skeleton_ascii, 63);
    skeleton[63] = 0;
    UErrorCode err = U_ZERO_ERROR;
    UNumberFormatter *formatter = unumf_openForSkeletonAndLocale(skeleton, -1, FORMAT_LOCALE, &err);
    if (U_FAILURE(err)) {
        unumf_close(formatter);
        return NULL;
    }
    return formatter;
}

static void open_formatters(void)
{
    /* ".##": at most two decimals (fen), trailing zeros dropped. */
    plain_formatter = open_skeleton(".## group-off");
    /* Six decimals of 万 are a fen; used only for whole hundreds (format.h). */
    compact_formatter = open_skeleton("compact-short .###### group-off");
    /* "percent" shows the sign without scaling: 70 -> 70%. */
    percent_formatter = open_skeleton("percent .## group-off");

    static const UChar pattern[] = {'y', 0x5E74, 'M', 0x6708, 'd', 0x65E5, 0}; /* y年M月d日 */
    static const UChar utc[] = {'U', 'T', 'C', 0};
    UErrorCode err = U_ZERO_ERROR;
    date_template = udat_open(UDAT_PATTERN, UDAT_PATTERN, FORMAT_LOCALE, utc, -1, pattern, -1, &err);
    if (U_FAILURE(err)) {
        udat_close(date_template);
        date_template = NULL;
    }
    formatters_ready = plain_formatter != NULL && compact_formatter != NULL && percent_formatter != NULL &&
                       date_template != NULL;
}

static bool formatters_open(void)
{
    pthread_once(&formatters_once, open_formatters);
    return formatters_ready;
}

/* --- output -------------------------------------------------------------- */

/* A bounded UTF-8 writer with a sticky status (STYLE.md rule 4). */
struct out {
    char *buf;
    size_t cap;
    size_t used;
    enum ph_i18n_status status;
};

static void out_init(struct out *out, char *buf, size_t cap)
{
    out->buf = buf;
    out->cap = cap;
    out->used = 0;
    out->status = cap > 0 ? PH_I18N_OK : PH_I18N_TOO_SMALL;
    if (cap > 0)
        buf[0] = '\0';
}

static void out_bytes(struct out *out, const char *bytes, size_t len)
{
    if (out->status != PH_I18N_OK)
        return;
    if (len >= out->cap - out->used) {
        out->status = PH_I18N_TOO_SMALL;
        return;
    }
    memcpy(out->buf + out->used, bytes, len);
    out->used += len;
    out->buf[out->used] = '\0';
}

static void out_str(struct out *out, const char *s)
{
    out_bytes(out, s, strlen(s));
}

static void out_utf16(struct out *out, const UChar *s, int32_t len)
{
    if (out->status != PH_I18N_OK)
        return;
    char utf8[PH_FORMAT_MAX_BYTES];
    int32_t utf8_len = 0;
    UErrorCode err = U_ZERO_ERROR;
    u_strToUTF8(utf8, (int32_t)sizeof utf8, &utf8_len, s, len, &err);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING) {
        out->status = PH_I18N_ICU_ERROR;
        return;
    }
    out_bytes(out, utf8, (size_t)utf8_len);
}

/* Ends a call: on failure the buffer holds "". */
static enum ph_i18n_status out_finish(struct out *out)
{
    if (out->status != PH_I18N_OK && out->cap > 0)
        out->buf[0] = '\0';
    return out->status;
}

/* Formats `value` with `formatter` and appends it. */
static void out_number(struct out *out, const UNumberFormatter *formatter, double value)
{
    if (out->status != PH_I18N_OK)
        return;
    UErrorCode err = U_ZERO_ERROR;
    UFormattedNumber *result = unumf_openResult(&err);
    UChar text[PH_FORMAT_MAX_BYTES];
    int32_t text_len = 0;
    if (U_SUCCESS(err))
        unumf_formatDouble(formatter, value, result, &err);
    if (U_SUCCESS(err))
        text_len = unumf_resultToString(result, text, PH_FORMAT_MAX_BYTES, &err);
    unumf_closeResult(result);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING) {
        out->status = PH_I18N_ICU_ERROR;
        return;
    }
    out_utf16(out, text, text_len);
}

/* --- money ---------------------------------------------------------------- */

/* Appends the figure of an amount ("10万", "1500", "99.5"); true when it
 * was written in the compact form. */
static bool out_yuan_figure(struct out *out, double yuan)
{
    double fen = round(yuan * 100.0);
    bool compact = fabs(fen) >= 1000000.0 && fmod(fen, 10000.0) == 0.0;
    out_number(out, compact ? compact_formatter : plain_formatter, fen / 100.0);
    return compact;
}

static enum ph_i18n_status check_amount(double value, struct out *out)
{
    if (!isfinite(value) || fabs(value) > MAX_ABS_VALUE) {
        out->status = PH_I18N_BAD_INPUT;
        return out_finish(out);
    }
    if (!formatters_open()) {
        out->status = PH_I18N_ICU_ERROR;
        return out_finish(out);
    }
    return out->status;
}

enum ph_i18n_status ph_format_yuan(double yuan, char *buf, size_t cap)
{
    struct out out;
    out_init(&out, buf, cap);
    if (check_amount(yuan, &out) != PH_I18N_OK)
        return out_finish(&out);
    out_yuan_figure(&out, yuan);
    out_str(&out, "元");
    return out_finish(&out);
}

enum ph_i18n_status ph_format_yuan_per_year(double yuan, char *buf, size_t cap)
{
    struct out out;
    out_init(&out, buf, cap);
    if (check_amount(yuan, &out) != PH_I18N_OK)
        return out_finish(&out);
    out_str(&out, "每年 ");
    bool compact = out_yuan_figure(&out, yuan);
    out_str(&out, compact ? "元" : " 元");
    return out_finish(&out);
}

enum ph_i18n_status ph_format_percent(double percent, char *buf, size_t cap)
{
    struct out out;
    out_init(&out, buf, cap);
    if (check_amount(percent, &out) != PH_I18N_OK)
        return out_finish(&out);
    out_number(&out, percent_formatter, percent);
    return out_finish(&out);
}

/* --- dates ---------------------------------------------------------------- */

/* Reads `digits` ASCII digits; false on anything else. */
static bool read_digits(const char *s, size_t digits, int *value)
{
    int v = 0;
    for (size_t i = 0; i < digits; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

/* The UTC midnight of an ISO date, checked by a non-lenient ICU calendar
 * (2026-02-30 is refused). */
static enum ph_i18n_status iso_date_to_udate(const char *iso_date, UDate *when)
{
    if (iso_date == NULL || strnlen(iso_date, 11) != 10 || iso_date[4] != '-' || iso_date[7] != '-')
        return PH_I18N_BAD_INPUT;
    int year = 0;
    int month = 0;
    int day = 0;
    if (!read_digits(iso_date, 4, &year) || !read_digits(iso_date + 5, 2, &month) ||
        !read_digits(iso_date + 8, 2, &day) || year < 1)
        return PH_I18N_BAD_INPUT;

    static const UChar utc[] = {'U', 'T', 'C', 0};
    UErrorCode err = U_ZERO_ERROR;
    UCalendar *calendar = ucal_open(utc, -1, FORMAT_LOCALE, UCAL_GREGORIAN, &err);
    if (U_FAILURE(err)) {
        ucal_close(calendar);
        return PH_I18N_ICU_ERROR;
    }
    ucal_setAttribute(calendar, UCAL_LENIENT, 0);
    ucal_clear(calendar);
    ucal_setDateTime(calendar, year, month - 1, day, 0, 0, 0, &err);
    UDate millis = ucal_getMillis(calendar, &err);
    ucal_close(calendar);
    if (U_FAILURE(err))
        return PH_I18N_BAD_INPUT;
    *when = millis;
    return PH_I18N_OK;
}

enum ph_i18n_status ph_format_date_zh(const char *iso_date, char *buf, size_t cap)
{
    struct out out;
    out_init(&out, buf, cap);
    if (out.status != PH_I18N_OK)
        return out_finish(&out);
    UDate when = 0;
    out.status = iso_date_to_udate(iso_date, &when);
    if (out.status != PH_I18N_OK)
        return out_finish(&out);
    if (!formatters_open()) {
        out.status = PH_I18N_ICU_ERROR;
        return out_finish(&out);
    }
    /* ICU's date formatters are not safe for concurrent use; a clone is. */
    UErrorCode err = U_ZERO_ERROR;
    UDateFormat *formatter = udat_clone(date_template, &err);
    UChar text[PH_FORMAT_MAX_BYTES];
    int32_t text_len = 0;
    if (U_SUCCESS(err))
        text_len = udat_format(formatter, when, text, PH_FORMAT_MAX_BYTES, NULL, &err);
    udat_close(formatter);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING) {
        out.status = PH_I18N_ICU_ERROR;
        return out_finish(&out);
    }
    out_utf16(&out, text, text_len);
    return out_finish(&out);
}
