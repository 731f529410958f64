/*
 * registry/rules.h - the rules of the policy and of the national standards
 * that the registry enforces, as pure functions (no I/O, thread-safe).
 *
 *  - 统一社会信用代码 (unified social credit code), GB 32100-2015.
 *  - Administrative division codes, GB/T 2260 (province-level prefixes).
 *  - Solvency adequacy (policy point 十九): core >= 50 %, comprehensive
 *    >= 100 % and integrated risk rating A or B.
 *  - Calendar dates, quarters, phone numbers and URLs as insurers send them.
 *  - The enumerations of the data model, each value with its plain Chinese
 *    label for people.
 */
#ifndef PH_REGISTRY_RULES_H
#define PH_REGISTRY_RULES_H

#include <stdbool.h>
#include <stddef.h>

/* GB 32100-2015: 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY",
 * positions 3-8 a division code, position 18 the check character computed
 * with weights 3^(i-1) mod 31. Lower-case letters are not accepted; callers
 * upper-case ASCII first if they want to be lenient. */
bool ph_uscc_is_valid(const char *uscc);

/* The check character that completes the first 17 characters, or '\0' if
 * any of them is outside the character set. */
char ph_uscc_check_char(const char *first17);

/* GB/T 2260: six digits whose first two are one of the 34 province-level
 * codes, with no county part under a missing city part (XX00YY), or the
 * whole-country code "000000". */
bool ph_region_is_valid(const char *code);

/* What a region filter matches besides the region itself: the city and the
 * province above it, and a LIKE pattern for the units inside it ("33%" for
 * a province, "3301%" for a city, the code itself for a county). A product
 * sold in any of them, or nationwide ("000000"), is sold there. The one
 * rule of the product search, the document search, the feeds and "what
 * changed". code must be valid (ph_region_is_valid). */
struct ph_region_units {
    char city[8];
    char province[8];
    char like[8];
};
void ph_region_units(const char *code, struct ph_region_units *out);

/* Plain Chinese name of the province-level unit of a region code
 * ("浙江省" for "330106"), "全国" for "000000", NULL when unknown. */
const char *ph_region_province_name(const char *code);

/* Number of province-level units known (34), and the i-th two-digit
 * prefix, for tests and forms. */
size_t ph_region_province_count(void);
const char *ph_region_province_prefix(size_t index);

/* Places people write, with the code they mean: the province-level units
 * by their usual short names ("浙江"), then capitals and large cities
 * ("杭州" 330100). Used to read places in search text and to name regions
 * on pages. */
struct ph_region_place {
    const char *name;
    const char *code;
};
size_t ph_region_place_count(void);
const struct ph_region_place *ph_region_place_at(size_t index); /* NULL past the end */

/* The short name of a region code known to the table above ("杭州" for
 * 330100, "浙江" for 330000), "全国" for 000000, NULL otherwise. */
const char *ph_region_short_name(const char *code);

/* "YYYY-MM-DD", a real Gregorian date with 2000 <= YYYY <= 2100. */
bool ph_date_is_valid(const char *date);

/* "YYYYQn" with 2000 <= YYYY <= 2100 and n in 1..4. */
bool ph_quarter_is_valid(const char *quarter);

/* 3-20 characters of digits and single hyphens, starting and ending with a
 * digit ("95500", "400-800-1234", "010-12345678"). */
bool ph_hotline_is_valid(const char *hotline);

/* An absolute http(s) URL of printable ASCII without spaces, quotes or
 * angle brackets, with a non-empty host, at most 500 bytes. */
bool ph_url_is_valid(const char *url);

/* Policy 十九. Ratings are "A", "B", "C", "D". */
bool ph_solvency_is_adequate(double core_pct, double comprehensive_pct, const char *rating);
bool ph_rating_is_valid(const char *rating);

/* An enumeration: the JSON values and their plain Chinese labels. */
struct ph_enum_value {
    const char *code;
    const char *label_zh;
};
struct ph_enum {
    const char *name; /* e.g. "category" */
    const struct ph_enum_value *values;
    size_t count;
};

extern const struct ph_enum ph_enum_category;
extern const struct ph_enum ph_enum_target_group;
extern const struct ph_enum ph_enum_preexisting;
extern const struct ph_enum ph_enum_channel;
extern const struct ph_enum ph_enum_insurer_type;
extern const struct ph_enum ph_enum_product_status;
extern const struct ph_enum ph_enum_document_type; /* terms, rate_table, prospectus, notice, operating_report */

/* The label of a code, or NULL when the code is not in the enumeration. */
const char *ph_enum_label(const struct ph_enum *e, const char *code);
bool ph_enum_has(const struct ph_enum *e, const char *code);

/* Writes "accident, medical, ..." (the codes, comma separated) into buf,
 * truncated to size - 1 bytes, for error messages. */
void ph_enum_list_text(const struct ph_enum *e, char *buf, size_t size);

#endif
