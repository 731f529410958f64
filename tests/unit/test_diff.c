/*
 * tests/unit/test_diff.c - i18n/diff.h: exact runs for Chinese, mixed and
 * edge-case texts, units never split, the caps' fallback, and a randomized
 * property test (1,000 random pairs: the segments rebuild both texts and
 * keep every invariant the header promises).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n/diff.h"

/* Every invariant of diff.h, and that the segments rebuild both texts. */
static void assert_diff_sane(const struct ph_diff *d, const char *old_text, size_t old_len,
                             const char *new_text, size_t new_len)
{
    char *rebuilt_old = malloc(old_len + 1);
    char *rebuilt_new = malloc(new_len + 1);
    assert_non_null(rebuilt_old);
    assert_non_null(rebuilt_new);
    size_t o = 0, n = 0, deleted = 0, inserted = 0;
    for (size_t i = 0; i < d->count; i++) {
        const struct ph_diff_segment *s = &d->segments[i];
        assert_true(s->len_bytes > 0);
        if (i > 0) {
            assert_int_not_equal(s->op, d->segments[i - 1].op);
            /* within a change, the deletion comes first */
            assert_false(s->op == PH_DIFF_DELETE && d->segments[i - 1].op == PH_DIFF_INSERT);
        }
        /* a segment starts and ends on a code point boundary */
        assert_int_not_equal((unsigned char)s->text[0] & 0xC0, 0x80);
        if (s->op != PH_DIFF_INSERT) {
            assert_true(o + s->len_bytes <= old_len);
            assert_ptr_equal(s->text, old_text + o);
            memcpy(rebuilt_old + o, s->text, s->len_bytes);
            o += s->len_bytes;
        }
        if (s->op != PH_DIFF_DELETE) {
            assert_true(n + s->len_bytes <= new_len);
            if (s->op == PH_DIFF_INSERT)
                assert_ptr_equal(s->text, new_text + n);
            memcpy(rebuilt_new + n, s->text, s->len_bytes);
            n += s->len_bytes;
        }
        size_t chars = 0;
        for (size_t k = 0; k < s->len_bytes; k++)
            chars += ((unsigned char)s->text[k] & 0xC0) != 0x80;
        assert_int_equal(chars, s->len_chars);
        if (s->op == PH_DIFF_DELETE)
            deleted += chars;
        if (s->op == PH_DIFF_INSERT)
            inserted += chars;
    }
    assert_int_equal(o, old_len);
    assert_int_equal(n, new_len);
    assert_memory_equal(rebuilt_old, old_text, old_len);
    assert_memory_equal(rebuilt_new, new_text, new_len);
    assert_int_equal(deleted, d->deleted_chars);
    assert_int_equal(inserted, d->inserted_chars);
    free(rebuilt_old);
    free(rebuilt_new);
}

/* The segments as "=kept|-gone|+new|", for exact comparisons. */
static void render(const struct ph_diff *d, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d->count && used < size; i++) {
        const struct ph_diff_segment *s = &d->segments[i];
        char mark = s->op == PH_DIFF_EQUAL ? '=' : s->op == PH_DIFF_DELETE ? '-' : '+';
        int w = snprintf(out + used, size - used, "%c%.*s|", mark, (int)s->len_bytes, s->text);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static void check(const char *old_text, const char *new_text, const char *want)
{
    struct ph_diff d;
    ph_diff_init(&d);
    assert_int_equal(ph_diff_texts(old_text, strlen(old_text), new_text, strlen(new_text), &d), PH_I18N_OK);
    assert_diff_sane(&d, old_text, strlen(old_text), new_text, strlen(new_text));
    assert_false(d.gave_up);
    char got[4096];
    render(&d, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("diff of \"%s\" -> \"%s\"\n  got  %s\n  want %s", old_text, new_text, got, want);
    ph_diff_release(&d);
}

static void test_chinese(void **state)
{
    (void)state;
    /* A number inside Chinese: only the number changes. */
    check("医保内住院费用按70%报销。", "医保内住院费用按80%报销。", "=医保内住院费用按|-70|+80|=%报销。|");
    /* Characters added in the middle. */
    check("材料齐全后15天内赔款到账", "材料齐全后10个工作日内赔款到账",
          "=材料齐全后|-15天|+10个工作日|=内赔款到账|");
    /* A word replaced: one change, not one per character. */
    check("不赔美容费用。", "不赔镶牙费用。", "=不赔|-美容|+镶牙|=费用。|");
    /* A sentence added at the end. */
    check("一年99元。", "一年99元。已经有病的人也能买。", "=一年99元。|+已经有病的人也能买。|");
    /* A sentence removed at the start. */
    check("新规定。一年99元。", "一年99元。", "-新规定。|=一年99元。|");
}

static void test_semantic_cleanup(void **state)
{
    (void)state;
    /* One kept character between two changes is folded into them: not
     * "-住院|+门诊|=费|-用|+钱|". */
    check("住院费用", "门诊费钱", "-住院费用|+门诊费钱|");
    /* A long kept run between two small changes stays. */
    check("甲医保目录内住院费用乙", "丙医保目录内住院费用丁", "-甲|+丙|=医保目录内住院费用|-乙|+丁|");
}

static void test_mixed_and_latin(void **state)
{
    (void)state;
    /* Latin words are compared whole. */
    check("the premium is low", "the premium is high", "=the premium is |-low|+high|");
    check("APP 上买", "App 上买", "-APP|+App|= 上买|");
    /* Chinese with Latin and numbers. */
    check("每年 99 元，可以在 app 里买", "每年 129 元，可以在 App 里买",
          "=每年 |-99|+129|= 元，可以在 |-app|+App|= 里买|");
}

static void test_empty_identical_all_changed(void **state)
{
    (void)state;
    check("", "", "");
    check("", "新的", "+新的|");
    check("旧的", "", "-旧的|");
    check("一模一样的文字。", "一模一样的文字。", "=一模一样的文字。|");
    check("甲乙丙", "丁戊己", "-甲乙丙|+丁戊己|");
    check("abc", "xyz", "-abc|+xyz|");
}

static void test_units_never_split(void **state)
{
    (void)state;
    /* e + U+0301 is one grapheme: changing the mark changes the cluster. */
    check("cafe\xCC\x81 好", "cafe\xCC\x80 好", "-cafe\xCC\x81|+cafe\xCC\x80|= 好|");
    /* A family emoji (ZWJ sequence) is one unit. */
    check("家\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9", "家\xF0\x9F\x91\xA8",
          "=家|-\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9|+\xF0\x9F\x91\xA8|");
    /* Four-byte Han (CJK Extension B) next to ordinary ones. */
    check("\xF0\xA0\x80\x80保险", "\xF0\xA0\x80\x81保险", "-\xF0\xA0\x80\x80|+\xF0\xA0\x80\x81|=保险|");
    /* Characters whose UTF-8 share leading bytes (保 E4BF9D, 保 E4BF9D? no: 信 E4BFA1). */
    check("保", "信", "-保|+信|");
}

static void test_errors_and_caps(void **state)
{
    (void)state;
    struct ph_diff d;
    ph_diff_init(&d);
    assert_int_equal(ph_diff_texts("ok\xC0\xAF", 4, "ok", 2, &d), PH_I18N_BAD_INPUT);
    assert_int_equal(d.count, 0);
    assert_int_equal(ph_diff_texts("ok", 2, "\xF0\x9F\x98", 3, &d), PH_I18N_BAD_INPUT);
    assert_int_equal(ph_diff_texts(NULL, 1, "", 0, &d), PH_I18N_BAD_INPUT);
    assert_int_equal(ph_diff_texts("", 0, "", PH_DIFF_MAX_BYTES + 1, &d), PH_I18N_BAD_INPUT);
    ph_diff_release(&d);

    /* Past the edit cap the middle is replaced whole, and it says so; the
     * common ends are still found. */
    const char *a = "开头相同。甲乙丙丁戊己庚辛。结尾相同。";
    const char *b = "开头相同。一二三四五六七八。结尾相同。";
    assert_int_equal(ph_diff_texts_capped(a, strlen(a), b, strlen(b), 4, 0, &d), PH_I18N_OK);
    assert_true(d.gave_up);
    assert_diff_sane(&d, a, strlen(a), b, strlen(b));
    char got[512];
    render(&d, got, sizeof got);
    assert_string_equal(got, "=开头相同。|-甲乙丙丁戊己庚辛|+一二三四五六七八|=。结尾相同。|");
    ph_diff_release(&d);

    /* The work cap as well. */
    assert_int_equal(ph_diff_texts_capped(a, strlen(a), b, strlen(b), 0, 3, &d), PH_I18N_OK);
    assert_true(d.gave_up);
    assert_diff_sane(&d, a, strlen(a), b, strlen(b));
    ph_diff_release(&d);

    /* A big text with one change in the middle is exact and cheap. */
    size_t big = 300000;
    char *x = malloc(big + 1);
    char *y = malloc(big + 1);
    for (size_t i = 0; i + 3 <= big; i += 3) {
        memcpy(x + i, "保", 3);
        memcpy(y + i, "保", 3);
    }
    x[big] = y[big] = '\0';
    memcpy(y + 150000, "险", 3);
    assert_int_equal(ph_diff_texts(x, big, y, big, &d), PH_I18N_OK);
    assert_false(d.gave_up);
    assert_int_equal(d.count, 4);
    assert_int_equal(d.deleted_chars, 1);
    assert_int_equal(d.inserted_chars, 1);
    assert_diff_sane(&d, x, big, y, big);
    ph_diff_release(&d);
    free(x);
    free(y);
}

/* Past the unit cap, a text of lines is compared line by line, and each
 * changed block of lines by units: still exact, nothing given up. */
static void test_line_mode(void **state)
{
    (void)state;
    char old_text[8192], new_text[8192];
    size_t o = 0, n = 0;
    for (int line = 0; line < 40; line++) {
        bool changed = line % 10 == 5 || line == 39;
        o += (size_t)snprintf(old_text + o, sizeof old_text - o, "第%d行：%s\n", line,
                              "甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸");
        n += (size_t)snprintf(new_text + n, sizeof new_text - n, "第%d行：%s\n", line,
                              changed ? "一二三四五六七八九十一二三四五六七八九十"
                                      : "甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸");
    }
    struct ph_diff d;
    ph_diff_init(&d);
    /* By units D = 200 (5 lines of 20 characters, deleted and inserted). */
    assert_int_equal(ph_diff_texts_capped(old_text, o, new_text, n, 50, 0, &d), PH_I18N_OK);
    assert_diff_sane(&d, old_text, o, new_text, n);
    assert_false(d.gave_up);
    assert_int_equal(d.deleted_chars, 100);
    assert_int_equal(d.inserted_chars, 100);
    assert_int_equal(d.count, 5 * 3 + 1); /* =,-,+ for each changed line, then the last "\n" kept */
    ph_diff_release(&d);
    /* Lines past the cap too: the changed middle is replaced whole. */
    assert_int_equal(ph_diff_texts_capped(old_text, o, new_text, n, 4, 0, &d), PH_I18N_OK);
    assert_diff_sane(&d, old_text, o, new_text, n);
    assert_true(d.gave_up);
    ph_diff_release(&d);
}

/* --- the randomized property test --------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng(void)
{
    /* xorshift64*: reproducible across runs and platforms. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static const char *const pieces[] = {
    "保",
    "险",
    "医",
    "疗",
    "住",
    "院",
    "费",
    "用",
    "赔",
    "。",
    "，",
    "、",
    "（",
    "）",
    " ",
    "  ",
    "a",
    "b",
    "app",
    "premium",
    "2026",
    "99",
    "%",
    "\n",
    "e\xCC\x81",
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
    "\xF0\xA0\x80\x80",
    "ん",
    "カ",
    "한",
    "-",
};

static size_t random_text(char *out, size_t cap)
{
    size_t count = rng() % 40;
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        const char *p = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        if (len + l >= cap)
            break;
        memcpy(out + len, p, l);
        len += l;
    }
    out[len] = '\0';
    return len;
}

/* A random edit of text: pieces inserted, bytes deleted at piece
 * boundaries (whole texts of random pieces are also mixed in). */
static size_t mutate(const char *in, size_t in_len, char *out, size_t cap)
{
    if (rng() % 5 == 0)
        return random_text(out, cap);
    size_t len = 0;
    size_t i = 0;
    while (i < in_len) {
        size_t step = 1;
        while (i + step < in_len && ((unsigned char)in[i + step] & 0xC0) == 0x80)
            step++;
        uint32_t r = rng() % 10;
        if (r == 0 && len + 16 < cap) {
            const char *p = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
            memcpy(out + len, p, strlen(p));
            len += strlen(p);
        }
        if (r != 1 && len + step < cap) {
            memcpy(out + len, in + i, step);
            len += step;
        }
        i += step;
    }
    out[len] = '\0';
    return len;
}

static void test_random_pairs(void **state)
{
    (void)state;
    char a[1024], b[1200];
    for (int round = 0; round < 1000; round++) {
        size_t a_len = random_text(a, sizeof a);
        size_t b_len = mutate(a, a_len, b, sizeof b);
        struct ph_diff d;
        ph_diff_init(&d);
        assert_int_equal(ph_diff_texts(a, a_len, b, b_len, &d), PH_I18N_OK);
        assert_diff_sane(&d, a, a_len, b, b_len);
        if (a_len == b_len && memcmp(a, b, a_len) == 0)
            assert_int_equal(d.count, a_len > 0 ? 1 : 0);
        ph_diff_release(&d);
        /* And with a tiny cap, the fallback keeps the invariants too. */
        assert_int_equal(ph_diff_texts_capped(a, a_len, b, b_len, 2, 0, &d), PH_I18N_OK);
        assert_diff_sane(&d, a, a_len, b, b_len);
        ph_diff_release(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinese),           cmocka_unit_test(test_semantic_cleanup),
        cmocka_unit_test(test_mixed_and_latin),   cmocka_unit_test(test_empty_identical_all_changed),
        cmocka_unit_test(test_units_never_split), cmocka_unit_test(test_errors_and_caps),
        cmocka_unit_test(test_line_mode),         cmocka_unit_test(test_random_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
