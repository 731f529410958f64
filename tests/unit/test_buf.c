/*
 * tests/unit/test_buf.c - a11y/buf.h: appends, HTML escaping, the cap and
 * the sticky error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "a11y/buf.h"

static void test_append_and_detach(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 1024);
    ph_buf_append_str(&b, "每年 ");
    ph_buf_printf(&b, "%d 元", 120);
    ph_buf_append_char(&b, '.');
    assert_false(b.failed);
    assert_string_equal(b.data, "每年 120 元.");
    size_t len = 0;
    char *out = ph_buf_detach(&b, &len);
    assert_string_equal(out, "每年 120 元.");
    assert_int_equal(len, strlen("每年 120 元."));
    assert_null(b.data);
    free(out);
    ph_buf_release(&b);
}

static void test_empty_detach_is_empty_string(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 16);
    char *out = ph_buf_detach(&b, NULL);
    assert_non_null(out);
    assert_string_equal(out, "");
    free(out);
}

static void test_html_escape(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"plain 中文", "plain 中文"},
        {"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
        {"a & b \"c\"", "a &amp; b &quot;c&quot;"},
        {"&amp;", "&amp;amp;"},
        {"><", "&gt;&lt;"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ph_buf b;
        ph_buf_init(&b, 1024);
        ph_buf_append_html(&b, cases[i].in, strlen(cases[i].in));
        assert_false(b.failed);
        assert_string_equal(b.data ? b.data : "", cases[i].out);
        ph_buf_release(&b);
    }
}

static void test_cap_is_sticky(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 8);
    ph_buf_append_str(&b, "12345678");
    assert_false(b.failed);
    assert_int_equal(b.len, 8);
    ph_buf_append_char(&b, '9');
    assert_true(b.failed);
    assert_true(b.over_cap);
    /* Later appends that would fit are still refused: the error is sticky. */
    ph_buf_reset(&b);
    assert_false(b.failed);
    ph_buf_append_str(&b, "123456789");
    assert_true(b.failed);
    ph_buf_append_str(&b, "1");
    assert_true(b.failed);
    assert_null(ph_buf_detach(&b, NULL));
    ph_buf_release(&b);
}

static void test_growth_many_appends(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 1u << 20);
    for (int i = 0; i < 10000; i++)
        ph_buf_printf(&b, "%04d", i % 10000);
    assert_false(b.failed);
    assert_int_equal(b.len, 40000);
    assert_memory_equal(b.data + 39996, "9999", 4);
    assert_int_equal(strlen(b.data), b.len);
    ph_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_detach),
        cmocka_unit_test(test_empty_detach_is_empty_string),
        cmocka_unit_test(test_html_escape),
        cmocka_unit_test(test_cap_is_sticky),
        cmocka_unit_test(test_growth_many_appends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
