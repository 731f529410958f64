/*
 * server/csv.h - an RFC 4180 CSV writer for the exports, on a capped,
 * sticky-error byte buffer (a11y/buf.h).
 *
 * What it writes
 *  - UTF-8 with a byte-order mark first (ph_csv_bom), so that Excel and
 *    WPS read Chinese text as UTF-8 instead of the local code page.
 *  - Fields separated by ",", records ended by CRLF (RFC 4180 2.1, 2.4).
 *  - A field holding "," '"' CR or LF is enclosed in double quotes, with
 *    every '"' doubled (RFC 4180 2.6, 2.7); other fields are written bare.
 *  - Formula-injection defence (OWASP "CSV Injection"): a text field that
 *    starts with = + - @ TAB or CR would be run as a formula by a
 *    spreadsheet, so it gets a leading apostrophe ("'=1+1"), which
 *    spreadsheets show as text. The apostrophe is part of the data: a
 *    program reading the CSV sees it and may strip one leading "'" before
 *    any of those six characters. Numbers written with ph_csv_number /
 *    ph_csv_int are ours, not user text, and never get it.
 *
 * Usage (sticky error, STYLE.md rule 4):
 *
 *     struct ph_buf out;
 *     ph_buf_init(&out, 1u << 20);
 *     struct ph_csv csv;
 *     ph_csv_init(&csv, &out);
 *     ph_csv_bom(&csv);
 *     ph_csv_text(&csv, "登记编号");
 *     ph_csv_int(&csv, 42);
 *     ph_csv_end_row(&csv);
 *     if (out.failed) ...
 *
 * The writer owns nothing: the buffer is the caller's. A streaming caller
 * sends out.data after some rows and ph_buf_reset()s it; a row never spans
 * two buffers unless the caller flushes mid-row.
 */
#ifndef PH_SERVER_CSV_H
#define PH_SERVER_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a11y/buf.h"

struct ph_csv {
    struct ph_buf *out;   /* not owned */
    size_t fields_in_row; /* fields written since the last end of row */
};

void ph_csv_init(struct ph_csv *csv, struct ph_buf *out);

/* The UTF-8 byte-order mark EF BB BF; once, before the header row. */
void ph_csv_bom(struct ph_csv *csv);

/* One text field (NULL is an empty field), quoted and defended as above. */
void ph_csv_text(struct ph_csv *csv, const char *text);
void ph_csv_textn(struct ph_csv *csv, const char *text, size_t len);

/* One number field: integers as they are, other values with up to 12
 * significant digits (99.5, 1000000); NaN and infinities as an empty field. */
void ph_csv_int(struct ph_csv *csv, int64_t value);
void ph_csv_number(struct ph_csv *csv, double value);

/* An empty field. */
void ph_csv_empty(struct ph_csv *csv);

/* Ends the record with CRLF. */
void ph_csv_end_row(struct ph_csv *csv);

/* Whether a text field would get the formula-defence apostrophe. */
bool ph_csv_needs_formula_guard(const char *text, size_t len);

#endif
