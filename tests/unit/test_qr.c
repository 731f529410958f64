/*
 * tests/unit/test_qr.c - a11y/qr.h: the SVG's dark modules are exactly
 * libqrencode's matrix (read back from the path), with the quiet zone,
 * an escaped accessible name, and refusals for empty or too long text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <qrencode.h>

#include "a11y/qr.h"

/* Reads "M x y h n v1 h-n z" runs back into a side x side matrix. */
static unsigned char *read_back(const char *svg, int side)
{
    unsigned char *m = calloc((size_t)side * (size_t)side, 1);
    assert_non_null(m);
    const char *p = strstr(svg, " d=\"");
    assert_non_null(p);
    p += 4;
    while (*p == 'M') {
        int x = 0, y = 0, run = 0, back = 0, used = 0;
        assert_int_equal(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &back, &used), 4);
        assert_int_equal(run, back);
        for (int k = 0; k < run; k++) {
            assert_true(x + k < side && y < side);
            m[y * side + x + k] = 1;
        }
        p += used;
    }
    assert_int_equal(*p, '"');
    return m;
}

static void test_modules_match_libqrencode(void **state)
{
    (void)state;
    static const char *const texts[] = {"http://127.0.0.1:8080/products/PH-2026-000001",
                                        "https://puhui.example.cn/products/PH-2026-123456?x=1&y=2", "中文地址"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        struct ph_buf b;
        ph_buf_init(&b, 1 << 20);
        assert_true(ph_qr_svg(texts[t], "扫码打开这一页", &b));
        assert_false(b.failed);
        QRcode *code = QRcode_encodeData((int)strlen(texts[t]), (const unsigned char *)texts[t], 0, QR_ECLEVEL_M);
        assert_non_null(code);
        int side = code->width + 8;
        char view_box[64];
        snprintf(view_box, sizeof view_box, "viewBox=\"0 0 %d %d\"", side, side);
        assert_non_null(strstr(b.data, view_box));
        unsigned char *m = read_back(b.data, side);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                bool inside = x >= 4 && y >= 4 && x < side - 4 && y < side - 4;
                int want = inside ? code->data[(y - 4) * code->width + (x - 4)] & 1 : 0;
                if (m[y * side + x] != want)
                    fail_msg("%s: module (%d, %d) is %d, want %d", texts[t], x, y, m[y * side + x], want);
            }
        }
        free(m);
        QRcode_free(code);
        assert_non_null(strstr(b.data, "role=\"img\""));
        assert_non_null(strstr(b.data, "aria-label=\"扫码打开这一页\""));
        ph_buf_release(&b);
    }
}

static void test_label_is_escaped_and_bad_text_refused(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 1 << 20);
    assert_true(ph_qr_svg("/x", "\"><script>", &b));
    assert_null(strstr(b.data, "<script>"));
    assert_non_null(strstr(b.data, "&quot;&gt;&lt;script&gt;"));
    ph_buf_reset(&b);
    assert_false(ph_qr_svg("", "x", &b));
    assert_int_equal(b.len, 0);
    char *long_text = malloc(PH_QR_TEXT_MAX_BYTES + 2);
    assert_non_null(long_text);
    memset(long_text, 'a', PH_QR_TEXT_MAX_BYTES + 1);
    long_text[PH_QR_TEXT_MAX_BYTES + 1] = '\0';
    assert_false(ph_qr_svg(long_text, "x", &b));
    assert_int_equal(b.len, 0);
    free(long_text);
    ph_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modules_match_libqrencode),
        cmocka_unit_test(test_label_is_escaped_and_bad_text_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
