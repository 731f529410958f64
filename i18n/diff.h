/*
 * i18n/diff.h - the difference between two UTF-8 texts, as people read
 * it: runs of text kept, deleted and inserted (issue 5, "History").
 *
 * Units. Chinese (and Japanese) text is compared character by character
 * (extended grapheme clusters, ICU's character break iterator), so that
 * 按70%报销 -> 按80%报销 changes only the number; Latin words and numbers
 * are compared whole (ICU's word break iterator: "premium" or "2026" is
 * one unit), as are runs of spaces and each punctuation mark. A unit is
 * never split, so a segment never splits a UTF-8 sequence, a grapheme
 * cluster (e + U+0301, an emoji with ZWJ) or a Latin word.
 *
 * Algorithm. Common leading and trailing units are taken off first; the
 * middle is compared with Myers' O(ND) algorithm (E. W. Myers, "An O(ND)
 * Difference Algorithm and Its Variations", Algorithmica 1, 1986), forward
 * greedy with the furthest-reaching paths of every D kept for the trace.
 * Then the runs are made readable (the "semantic cleanup" of N. Fraser's
 * diff-match-patch): a run kept between two changes that is no longer
 * than the changes on either side of it is folded into them, so that
 * 保障/医疗 does not read as three changes around one kept character.
 *
 * Bounds. Each text is at most PH_DIFF_MAX_BYTES. Myers' work is capped:
 * at most PH_DIFF_MAX_EDITS units changed (D) and PH_DIFF_MAX_WORK steps a
 * run, four runs' worth in all. Past a cap, when the changed middle has
 * line breaks, it is compared again line by line and each changed block of
 * lines by units (diff-match-patch's "line mode"), so a long document with
 * many small edits still gets exact runs. What still does not fit is
 * reported as wholly replaced (one delete, one insert) and `gave_up` is
 * set, so a page can say so instead of pretending to be exact. Memory is
 * O(D^2) integers for a run's trace (at most 4 MB at the caps) plus O(N + M)
 * for the units.
 *
 * Invariants of a result (checked by tests/unit/test_diff.c):
 *  - Applying it gives the new text: the EQUAL and INSERT segments in order
 *    are the new text; the EQUAL and DELETE segments in order are the old.
 *  - No segment is empty; no two neighbours have the same op; within a
 *    change a DELETE comes before its INSERT.
 *  - Identical texts give one EQUAL segment (none when both are empty).
 *
 * Thread-safe: each call clones its own break iterators from templates
 * opened once.
 */
#ifndef PH_I18N_DIFF_H
#define PH_I18N_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "i18n/status.h"

#define PH_DIFF_MAX_BYTES (4u << 20) /* each text */
#define PH_DIFF_MAX_EDITS 1000       /* D: units deleted plus units inserted */
#define PH_DIFF_MAX_WORK  20000000u  /* snake steps over all D */

enum ph_diff_op { PH_DIFF_EQUAL, PH_DIFF_DELETE, PH_DIFF_INSERT };

/* One run. text points into the caller's old text (EQUAL, DELETE) or new
 * text (INSERT); it is not NUL-terminated. */
struct ph_diff_segment {
    enum ph_diff_op op;
    const char *text;
    size_t len_bytes;
    size_t len_chars; /* code points */
};

struct ph_diff {
    struct ph_diff_segment *segments; /* owned; ph_diff_release frees it */
    size_t count;
    bool gave_up;          /* a cap was reached: the changed middle is shown as replaced whole */
    size_t deleted_chars;  /* code points in DELETE segments */
    size_t inserted_chars; /* code points in INSERT segments */
};

/* Initialises an empty result (count 0), safe to release. */
void ph_diff_init(struct ph_diff *diff);

/* Frees the segments and leaves an empty result. */
void ph_diff_release(struct ph_diff *diff);

/* Compares old_text with new_text and fills *out (which the caller has
 * initialised with ph_diff_init and later releases). The segments borrow
 * the two texts: keep them alive and unchanged while reading the result.
 * Returns PH_I18N_OK; PH_I18N_BAD_INPUT for malformed UTF-8 or a text over
 * PH_DIFF_MAX_BYTES; PH_I18N_ICU_ERROR; PH_I18N_NO_MEMORY. On error *out is
 * left empty. */
enum ph_i18n_status ph_diff_texts(const char *old_text, size_t old_len_bytes, const char *new_text,
                                  size_t new_len_bytes, struct ph_diff *out);

/* Like ph_diff_texts with smaller caps (tests exercise the fallback with
 * them); 0 means the default cap. */
enum ph_i18n_status ph_diff_texts_capped(const char *old_text, size_t old_len_bytes, const char *new_text,
                                         size_t new_len_bytes, size_t max_edits, size_t max_work,
                                         struct ph_diff *out);

/* A short English name of an op ("equal", "delete", "insert"). */
const char *ph_diff_op_name(enum ph_diff_op op);

#endif
