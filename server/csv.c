/*
 * server/csv.c - the RFC 4180 writer of csv.h.
 */
#include "server/csv.h"

#include <math.h>
#include <string.h>

void ph_csv_init(struct ph_csv *csv, struct ph_buf *out)
{
    csv->out = out;
    csv->fields_in_row = 0;
}

void ph_csv_bom(struct ph_csv *csv)
{
    ph_buf_append(csv->out, "\xEF\xBB\xBF", 3);
}

static void separator(struct ph_csv *csv)
{
    if (csv->fields_in_row > 0)
        ph_buf_append_char(csv->out, ',');
    csv->fields_in_row++;
}

bool ph_csv_needs_formula_guard(const char *text, size_t len)
{
    if (len == 0)
        return false;
    switch (text[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return true;
    default:
        return false;
    }
}

void ph_csv_textn(struct ph_csv *csv, const char *text, size_t len)
{
    separator(csv);
    if (text == NULL || len == 0)
        return;
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n';
    if (quote)
        ph_buf_append_char(csv->out, '"');
    if (ph_csv_needs_formula_guard(text, len))
        ph_buf_append_char(csv->out, '\'');
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"') {
            /* Copy through the quote, then write it once more. */
            ph_buf_append(csv->out, text + start, i + 1 - start);
            ph_buf_append_char(csv->out, '"');
            start = i + 1;
        }
    }
    ph_buf_append(csv->out, text + start, len - start);
    if (quote)
        ph_buf_append_char(csv->out, '"');
}

void ph_csv_text(struct ph_csv *csv, const char *text)
{
    ph_csv_textn(csv, text, text != NULL ? strlen(text) : 0);
}

/* Decimal digits of a whole number, without printf: exports write
 * several numbers per row, and printf was a tenth of an export's time. */
static void append_int(struct ph_buf *out, int64_t value)
{
    char digits[24];
    size_t n = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    if (value < 0)
        digits[sizeof digits - 1 - n++] = '-';
    ph_buf_append(out, digits + sizeof digits - n, n);
}

void ph_csv_int(struct ph_csv *csv, int64_t value)
{
    separator(csv);
    append_int(csv->out, value);
}

void ph_csv_number(struct ph_csv *csv, double value)
{
    separator(csv);
    if (!isfinite(value))
        return;
    /* Money has at most fen (two decimals): whole fen below 10^13 yuan are
     * written exactly without printf; anything else as %.12g. */
    double fen = value * 100.0;
    if (fabs(value) < 1e13 && fabs(fen - nearbyint(fen)) < 1e-6 * (fabs(fen) > 1 ? fabs(fen) : 1)) {
        int64_t whole_fen = (int64_t)nearbyint(fen);
        int64_t magnitude = whole_fen < 0 ? -whole_fen : whole_fen;
        if (whole_fen < 0)
            ph_buf_append_char(csv->out, '-');
        append_int(csv->out, magnitude / 100);
        int64_t cents = magnitude % 100;
        if (cents != 0) {
            char frac[3] = {'.', (char)('0' + cents / 10), (char)('0' + cents % 10)};
            ph_buf_append(csv->out, frac, cents % 10 == 0 ? 2 : 3);
        }
        return;
    }
    ph_buf_printf(csv->out, "%.12g", value);
}

void ph_csv_empty(struct ph_csv *csv)
{
    separator(csv);
}

void ph_csv_end_row(struct ph_csv *csv)
{
    ph_buf_append(csv->out, "\r\n", 2);
    csv->fields_in_row = 0;
}
