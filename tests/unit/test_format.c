/*
 * tests/unit/test_format.c - i18n/format.h: money, percentages and dates
 * exactly as a Chinese reader expects them, and the error contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "i18n/format.h"

struct number_case {
    double value;
    const char *want;
};

static const struct number_case yuan_cases[] = {
    {0, "0元"},           {59, "59元"},           {99.5, "99.5元"},     {99.99, "99.99元"},
    {99.999, "100元"}, /* rounded to the fen */
    {1500, "1500元"},     {9999, "9999元"},       {10000, "1万元"},     {15000, "1.5万元"},
    {12345, "12345元"}, /* not whole hundreds: written out */
    {12300, "1.23万元"},  {100000, "10万元"},     {2000000, "200万元"}, {3000000, "300万元"},
    {100000000, "1亿元"}, {150000000, "1.5亿元"}, {-15000, "-1.5万元"},
};

static const struct number_case per_year_cases[] = {
    {120, "每年 120 元"},
    {99.5, "每年 99.5 元"},
    {1500, "每年 1500 元"},
    {12000, "每年 1.2万元"},
};

static const struct number_case percent_cases[] = {
    {70, "70%"}, {100, "100%"}, {0, "0%"}, {12.5, "12.5%"}, {33.333, "33.33%"}, {150, "150%"},
};

static void check_numbers(const struct number_case *cases, size_t n,
                          enum ph_i18n_status (*format)(double, char *, size_t), const char *what)
{
    for (size_t i = 0; i < n; i++) {
        char buf[PH_FORMAT_MAX_BYTES];
        enum ph_i18n_status status = format(cases[i].value, buf, sizeof buf);
        if (status != PH_I18N_OK)
            fail_msg("%s(%g): %s", what, cases[i].value, ph_i18n_status_name(status));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%s(%g) = \"%s\", want \"%s\"", what, cases[i].value, buf, cases[i].want);
    }
}

static void test_yuan(void **state)
{
    (void)state;
    check_numbers(yuan_cases, sizeof yuan_cases / sizeof yuan_cases[0], ph_format_yuan, "ph_format_yuan");
}

static void test_yuan_per_year(void **state)
{
    (void)state;
    check_numbers(per_year_cases, sizeof per_year_cases / sizeof per_year_cases[0], ph_format_yuan_per_year,
                  "ph_format_yuan_per_year");
}

static void test_percent(void **state)
{
    (void)state;
    check_numbers(percent_cases, sizeof percent_cases / sizeof percent_cases[0], ph_format_percent,
                  "ph_format_percent");
}

struct date_case {
    const char *iso;
    const char *want; /* NULL: PH_I18N_BAD_INPUT */
};

static const struct date_case date_cases[] = {
    {"2026-05-29", "2026年5月29日"},
    {"2024-02-29", "2024年2月29日"},
    {"2000-01-01", "2000年1月1日"},
    {"1999-12-31", "1999年12月31日"},
    {"2026-02-29", NULL}, /* not a leap year */
    {"2026-04-31", NULL},
    {"2026-13-01", NULL},
    {"2026-00-10", NULL},
    {"2026-05-00", NULL},
    {"2026-5-29", NULL},
    {"2026/05/29", NULL},
    {"2026-05-29T00:00", NULL},
    {"0000-01-01", NULL},
    {"", NULL},
    {"abcd-ef-gh", NULL},
};

static void test_date(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
        char buf[PH_FORMAT_MAX_BYTES] = "junk";
        enum ph_i18n_status status = ph_format_date_zh(date_cases[i].iso, buf, sizeof buf);
        if (date_cases[i].want == NULL) {
            if (status != PH_I18N_BAD_INPUT)
                fail_msg("\"%s\": %s, want bad input", date_cases[i].iso, ph_i18n_status_name(status));
            assert_string_equal(buf, "");
            continue;
        }
        if (status != PH_I18N_OK)
            fail_msg("\"%s\": %s", date_cases[i].iso, ph_i18n_status_name(status));
        if (strcmp(buf, date_cases[i].want) != 0)
            fail_msg("\"%s\" = \"%s\", want \"%s\"", date_cases[i].iso, buf, date_cases[i].want);
    }
    char buf[8];
    assert_int_equal(ph_format_date_zh(NULL, buf, sizeof buf), PH_I18N_BAD_INPUT);
}

static void test_errors(void **state)
{
    (void)state;
    char buf[PH_FORMAT_MAX_BYTES] = "junk";
    assert_int_equal(ph_format_yuan(NAN, buf, sizeof buf), PH_I18N_BAD_INPUT);
    assert_string_equal(buf, "");
    assert_int_equal(ph_format_yuan(INFINITY, buf, sizeof buf), PH_I18N_BAD_INPUT);
    assert_int_equal(ph_format_percent(-INFINITY, buf, sizeof buf), PH_I18N_BAD_INPUT);
    assert_int_equal(ph_format_yuan(1e300, buf, sizeof buf), PH_I18N_BAD_INPUT);

    /* "10万元" is 8 bytes: 9 bytes fit, 8 do not (the NUL needs one). */
    char small[10];
    assert_int_equal(ph_format_yuan(100000, small, 9), PH_I18N_OK);
    assert_string_equal(small, "10万元");
    memcpy(small, "junkjunk", 9);
    assert_int_equal(ph_format_yuan(100000, small, 8), PH_I18N_TOO_SMALL);
    assert_string_equal(small, "");
    assert_int_equal(ph_format_yuan(1, small, 0), PH_I18N_TOO_SMALL);
    assert_int_equal(ph_format_date_zh("2026-05-29", small, sizeof small), PH_I18N_TOO_SMALL);
    assert_string_equal(small, "");
    assert_string_equal(ph_i18n_status_name(PH_I18N_TOO_SMALL), "buffer too small");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yuan), cmocka_unit_test(test_yuan_per_year), cmocka_unit_test(test_percent),
        cmocka_unit_test(test_date), cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
