/*
 * tests/unit/test_csv.c - server/csv.h: the BOM, RFC 4180 quoting, CRLF,
 * numbers, the formula-injection defence and the buffer's sticky error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/csv.h"

/* One field written alone, as it appears in the row (without CRLF). */
static void assert_field(const char *input, const char *expected)
{
    struct ph_buf b;
    ph_buf_init(&b, 4096);
    struct ph_csv csv;
    ph_csv_init(&csv, &b);
    ph_csv_text(&csv, input);
    assert_false(b.failed);
    assert_string_equal(b.data != NULL ? b.data : "", expected);
    ph_buf_release(&b);
}

static void test_plain_fields_are_bare(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"杭州西湖惠民保2026（示范）", "杭州西湖惠民保2026（示范）"},
        {"PH-2026-000001", "PH-2026-000001"},
        {"abc def", "abc def"},
        {"", ""},
        {"a'b", "a'b"},
        {"中间-减号", "中间-减号"},
        {"全角＝等号", "全角＝等号"}, /* U+FF1D is not a formula prefix */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_field(cases[i][0], cases[i][1]);
}

static void test_quoting_rfc4180(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},
        {"line1\nline2", "\"line1\nline2\""},
        {"line1\r\nline2", "\"line1\r\nline2\""},
        {"逗号，全角不用引号", "逗号，全角不用引号"},
        {"end,", "\"end,\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_field(cases[i][0], cases[i][1]);
}

static void test_formula_prefixes_get_an_apostrophe(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"=1+1", "'=1+1"},
        {"+86 571", "'+86 571"},
        {"-5", "'-5"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "'\tx"},
        {"\rx", "\"'\rx\""},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"=a,b", "\"'=a,b\""},
        {" =1", " =1"}, /* only the first character counts */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_field(cases[i][0], cases[i][1]);
    assert_true(ph_csv_needs_formula_guard("=", 1));
    assert_false(ph_csv_needs_formula_guard("", 0));
    assert_false(ph_csv_needs_formula_guard("1", 1));
}

static void test_rows_bom_numbers(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 4096);
    struct ph_csv csv;
    ph_csv_init(&csv, &b);
    ph_csv_bom(&csv);
    ph_csv_text(&csv, "登记编号");
    ph_csv_text(&csv, "金额");
    ph_csv_end_row(&csv);
    ph_csv_text(&csv, "PH-2026-000001");
    ph_csv_number(&csv, 99.5);
    ph_csv_int(&csv, -3); /* numbers are ours: never guarded */
    ph_csv_number(&csv, 3000000);
    ph_csv_empty(&csv);
    ph_csv_text(&csv, NULL);
    ph_csv_end_row(&csv);
    assert_false(b.failed);
    static const char expected[] = "\xEF\xBB\xBF登记编号,金额\r\nPH-2026-000001,99.5,-3,3000000,,\r\n";
    assert_int_equal(b.len, strlen(expected));
    assert_memory_equal(b.data, expected, b.len);
    ph_buf_release(&b);
}

static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        double value;
        const char *text;
    } cases[] = {
        {0, "0"},         {150, "150"},
        {380.5, "380.5"}, {99.99, "99.99"},
        {0.1, "0.1"},     {0.07, "0.07"},
        {-3.25, "-3.25"}, {3000000, "3000000"},
        {171.4, "171.4"}, {1e15, "1e+15"},
        {0.001, "0.001"}, {12.345, "12.345"},
        {-0.5, "-0.5"},   {9999999.99, "9999999.99"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ph_buf b;
        ph_buf_init(&b, 64);
        struct ph_csv csv;
        ph_csv_init(&csv, &b);
        ph_csv_number(&csv, cases[i].value);
        assert_string_equal(b.data, cases[i].text);
        ph_buf_release(&b);
    }
    struct ph_buf b;
    ph_buf_init(&b, 64);
    struct ph_csv csv;
    ph_csv_init(&csv, &b);
    ph_csv_int(&csv, INT64_MIN);
    ph_csv_int(&csv, 0);
    ph_csv_number(&csv, NAN);
    ph_csv_int(&csv, 42);
    assert_string_equal(b.data, "-9223372036854775808,0,,42");
    ph_buf_release(&b);
}

static void test_textn_with_embedded_bytes(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 64);
    struct ph_csv csv;
    ph_csv_init(&csv, &b);
    ph_csv_textn(&csv, "ab\"cd", 3); /* only "ab\"" */
    assert_string_equal(b.data, "\"ab\"\"\"");
    ph_buf_release(&b);
}

static void test_cap_is_sticky(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 8);
    struct ph_csv csv;
    ph_csv_init(&csv, &b);
    ph_csv_text(&csv, "12345678901234567890");
    assert_true(b.failed);
    ph_csv_text(&csv, "x");
    ph_csv_end_row(&csv);
    assert_true(b.failed);
    ph_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_fields_are_bare),
        cmocka_unit_test(test_quoting_rfc4180),
        cmocka_unit_test(test_formula_prefixes_get_an_apostrophe),
        cmocka_unit_test(test_rows_bom_numbers),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_textn_with_embedded_bytes),
        cmocka_unit_test(test_cap_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
