/*
 * tests/unit/test_fold.c - i18n/fold.h: folding for search (NFKC, case,
 * width, traditional -> simplified), pinyin readings and initials of Han
 * characters, syllables, and the splitting of typed pinyin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n/fold.h"

#include <unicode/utf8.h>

/* A string literal as (bytes, length without the terminating NUL). */
#define BYTES(s) s, sizeof(s) - 1

/* --- ph_fold_text --------------------------------------------------------- */

struct fold_case {
    const char *label;
    const char *in;
    size_t in_len;
    const char *want;
};

static const struct fold_case fold_cases[] = {
    {"empty", BYTES(""), ""},
    {"ASCII lower-cased", BYTES("Puhui ABC"), "puhui abc"},
    {"full-width Latin", BYTES("ＡＢＣ"), "abc"},
    {"full-width digits", BYTES("６５周岁"), "65周岁"},
    {"ideographic space is a space", BYTES("老人\xE3\x80\x80医疗"), "老人 医疗"},
    {"traditional 保費", BYTES("保費"), "保费"},
    {"traditional 醫療", BYTES("醫療"), "医疗"},
    {"traditional 醫療保險", BYTES("醫療保險"), "医疗保险"},
    {"simplified stays", BYTES("普惠保险"), "普惠保险"},
    {"circled digit", BYTES("①"), "1"},
    {"sharp s", BYTES("Straße"), "strasse"},
    {"ligature fi", BYTES("\xEF\xAC\x81le"), "file"},
    {"combining acute composes", BYTES("Cafe\xCC\x81"), "caf\xC3\xA9"},
    {"precomposed stays composed", BYTES("CAF\xC3\x89"), "caf\xC3\xA9"},
    {"emoji unchanged", BYTES("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80"},
    {"zero-width joiner removed",
     BYTES("a\xE2\x80\x8D"
           "b"),
     "ab"},
    {"soft hyphen removed", BYTES("bao\xC2\xADxian"), "baoxian"},
    {"half-width katakana", BYTES("\xEF\xBD\xB1"), "\xE3\x82\xA2"},
    {"square unit", BYTES("\xE3\x8E\x8F"), "kg"},
    /* U+F900 is NFKC 豈, whose simplified form is 岂. */
    {"compatibility ideograph", BYTES("\xEF\xA4\x80"), "\xE5\xB2\x82"},
    {"Greek final sigma", BYTES("ΣΑΣ"), "σασ"},
    {"embedded NUL kept", BYTES("a\0B"), "a\0b"},
};

static void test_fold_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fold_cases / sizeof fold_cases[0]; i++) {
        const struct fold_case *tc = &fold_cases[i];
        size_t got_len = 12345;
        char *got = ph_fold_text(tc->in, tc->in_len, &got_len);
        if (got == NULL)
            fail_msg("%s: NULL", tc->label);
        size_t want_len = strlen(tc->want);
        if (strcmp(tc->label, "embedded NUL kept") == 0)
            want_len = 3;
        if (got_len != want_len || memcmp(got, tc->want, want_len) != 0 || got[got_len] != '\0')
            fail_msg("%s: got \"%s\" (%zu bytes), want \"%s\"", tc->label, got, got_len, tc->want);
        /* Folding is idempotent. */
        size_t again_len = 0;
        char *again = ph_fold_text(got, got_len, &again_len);
        assert_non_null(again);
        if (again_len != got_len || memcmp(again, got, got_len) != 0)
            fail_msg("%s: folding twice changed \"%s\" to \"%s\"", tc->label, got, again);
        free(again);
        free(got);
    }
}

static void test_fold_text_rejects_malformed(void **state)
{
    (void)state;
    assert_null(ph_fold_text(BYTES("\xC0\xAF"), NULL));
    assert_null(ph_fold_text(BYTES("ok\xF0\x9F\x98"), NULL));
    assert_null(ph_fold_text(BYTES("\xED\xA0\x80"), NULL));
    assert_null(ph_fold_text(NULL, 0, NULL));
}

/* --- ph_fold_char and ph_fold_simplify_char -------------------------------- */

/* Folds one code point and compares with the expected code points. */
static void assert_fold_char(UChar32 c, const UChar32 *want, size_t want_count)
{
    UChar32 out[PH_FOLD_MAX_EXPANSION];
    size_t n = ph_fold_char(c, out, PH_FOLD_MAX_EXPANSION);
    if (n != want_count)
        fail_msg("U+%04X: %zu code points, want %zu", (unsigned)c, n, want_count);
    for (size_t i = 0; i < n; i++) {
        if (out[i] != want[i])
            fail_msg("U+%04X: [%zu] = U+%04X, want U+%04X", (unsigned)c, i, (unsigned)out[i],
                     (unsigned)want[i]);
    }
}

static void test_fold_char(void **state)
{
    (void)state;
    assert_fold_char(0xFF21, (const UChar32[]){'a'}, 1); /* Ａ */
    assert_fold_char('Z', (const UChar32[]){'z'}, 1);
    assert_fold_char(0x8CBB, (const UChar32[]){0x8D39}, 1);   /* 費 -> 费 */
    assert_fold_char(0x91AB, (const UChar32[]){0x533B}, 1);   /* 醫 -> 医 */
    assert_fold_char(0x2460, (const UChar32[]){'1'}, 1);      /* ① */
    assert_fold_char(0x00DF, (const UChar32[]){'s', 's'}, 2); /* ß */
    assert_fold_char(0xFB01, (const UChar32[]){'f', 'i'}, 2); /* ﬁ */
    assert_fold_char(0x00C9, (const UChar32[]){0x00E9}, 1);   /* É -> é */
    assert_fold_char(0x0301, (const UChar32[]){0x0301}, 1);   /* lone mark stays */
    assert_fold_char(0x1F600, (const UChar32[]){0x1F600}, 1); /* 😀 */
    assert_fold_char(0x3000, (const UChar32[]){' '}, 1);      /* ideographic space */
    assert_fold_char(0x200D, NULL, 0);                        /* ZWJ: nothing */
    assert_fold_char(0xFE0F, NULL, 0);                        /* VS16: nothing */
    assert_fold_char(0x00AD, NULL, 0);                        /* soft hyphen */

    /* The longest expansion fits PH_FOLD_MAX_EXPANSION; a small buffer
     * is never overrun. */
    UChar32 out[PH_FOLD_MAX_EXPANSION + 1];
    assert_int_equal(ph_fold_char(0xFDFA, out, PH_FOLD_MAX_EXPANSION), 18);
    out[2] = 0x7777;
    assert_int_equal(ph_fold_char(0xFDFA, out, 2), 2);
    assert_int_equal(out[2], 0x7777);
    assert_int_equal(ph_fold_char(0xFDFA, out, 0), 0);
    /* Not code points. */
    assert_int_equal(ph_fold_char(-1, out, 4), 0);
    assert_int_equal(ph_fold_char(0x110000, out, 4), 0);
    assert_int_equal(ph_fold_char(0xD800, out, 4), 0);

    assert_int_equal(ph_fold_simplify_char(0x9AD4), 0x4F53); /* 體 -> 体 */
    assert_int_equal(ph_fold_simplify_char(0x4F53), 0x4F53); /* 体 stays */
    assert_int_equal(ph_fold_simplify_char('a'), 'a');
    assert_int_equal(ph_fold_simplify_char(0x4E7E), 0x4E7E); /* 乾 is its own simplified form too */
}

/* Every character's fold is a fixed point: folding the output changes nothing. */
static void test_fold_char_is_idempotent(void **state)
{
    (void)state;
    static const UChar32 samples[] = {0x4E00,  0x9577, 0x9EBC, 0x5011, 0x6A02, 0x8AAA, 0xFF41,
                                      0x1D400, 0x2160, 0x3300, 0xF900, 0x2F00, 0x20000};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        UChar32 once[PH_FOLD_MAX_EXPANSION];
        size_t n = ph_fold_char(samples[i], once, PH_FOLD_MAX_EXPANSION);
        for (size_t j = 0; j < n; j++) {
            UChar32 twice[PH_FOLD_MAX_EXPANSION];
            size_t m = ph_fold_char(once[j], twice, PH_FOLD_MAX_EXPANSION);
            if (m != 1 || twice[0] != once[j])
                fail_msg("U+%04X folds to U+%04X, which folds again", (unsigned)samples[i],
                         (unsigned)once[j]);
        }
    }
}

static void test_is_han(void **state)
{
    (void)state;
    assert_true(ph_is_han(0x4FDD));  /* 保 */
    assert_true(ph_is_han(0x20000)); /* ext B */
    assert_true(ph_is_han(0x91AB));  /* 醫 */
    assert_false(ph_is_han('a'));
    assert_false(ph_is_han(0x3002)); /* 。 */
    assert_false(ph_is_han(0x3042)); /* あ */
    assert_false(ph_is_han(0x2F00)); /* ⼀ Kangxi radical: Han script, not a letter */
    assert_false(ph_is_han(0x1F600));
}

/* --- pinyin readings and initials ------------------------------------------ */

/* Joins the readings of c with "," for comparison. */
static void readings_of(UChar32 c, char *buf, size_t cap)
{
    const char *readings[PH_PINYIN_MAX_READINGS];
    size_t n = ph_pinyin_readings(c, readings, PH_PINYIN_MAX_READINGS);
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n && i < PH_PINYIN_MAX_READINGS; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", readings[i]);
        assert_true(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
    }
}

static void initials_of(UChar32 c, char *buf, size_t cap)
{
    const char *initials[PH_PINYIN_MAX_READINGS];
    size_t n = ph_pinyin_initials(c, initials, PH_PINYIN_MAX_READINGS);
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", initials[i]);
        assert_true(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
    }
}

struct pinyin_case {
    UChar32 c;
    const char *readings; /* exact list, most common first */
    const char *initials;
};

static const struct pinyin_case pinyin_cases[] = {
    {0x884C, "xing,hang,heng", "x,h"},     /* 行 (kHanyuPinyin's hang/xing dedupe) */
    {0x91CD, "zhong,chong,tong", "z,c,t"}, /* 重 */
    {0x957F, "zhang,chang", "z,c"},        /* 长: kMandarin gives zhǎng */
    {0x4E50, "le,yue", "l,y"},             /* 乐 */
    {0x94F6, "yin", "y"},                  /* 银 */
    {0x4FDD, "bao", "b"},                  /* 保 */
    {0x9669, "xian", "x"},                 /* 险 */
    {0x5B89, "an", "a"},                   /* 安: no consonant initial */
    {0x4E8C, "er", "e"},                   /* 二 */
    {0x7EFF, "lv,lu", "l"},                /* 绿: ü as v */
    {0x5973, "nv,ru", "n,r"},              /* 女: kHanyuPinyin adds the old rù */
    {0x7565, "lve", "l"},                  /* 略 */
    {0x91AB, "yi", "y"},                   /* 醫 has its own readings */
    {'a', "", ""},
    {0x1F600, "", ""},
};

static void test_pinyin_readings_and_initials(void **state)
{
    (void)state;
    char got[256];
    for (size_t i = 0; i < sizeof pinyin_cases / sizeof pinyin_cases[0]; i++) {
        const struct pinyin_case *tc = &pinyin_cases[i];
        readings_of(tc->c, got, sizeof got);
        if (strcmp(got, tc->readings) != 0)
            fail_msg("U+%04X readings \"%s\", want \"%s\"", (unsigned)tc->c, got, tc->readings);
        initials_of(tc->c, got, sizeof got);
        if (strcmp(got, tc->initials) != 0)
            fail_msg("U+%04X initials \"%s\", want \"%s\"", (unsigned)tc->c, got, tc->initials);
    }
}

static void test_pinyin_readings_count_beyond_max(void **state)
{
    (void)state;
    const char *one[1] = {NULL};
    /* 行 has three readings; only the first is written. */
    assert_int_equal(ph_pinyin_readings(0x884C, one, 1), 3);
    assert_string_equal(one[0], "xing");
    assert_int_equal(ph_pinyin_readings(0x884C, NULL, 0), 3);
    assert_int_equal(ph_pinyin_initials(0x884C, one, 1), 1);
    assert_string_equal(one[0], "x");
}

/* Every Han character in the basic block has readings that are syllables,
 * and each reading's initial is among its initials. */
static void test_pinyin_tables_sane(void **state)
{
    (void)state;
    size_t with_readings = 0;
    for (UChar32 c = 0x4E00; c <= 0x9FFF; c++) {
        const char *readings[64];
        size_t n = ph_pinyin_readings(c, readings, 64);
        assert_true(n <= 64);
        if (n > 0)
            with_readings++;
        for (size_t i = 0; i < n; i++) {
            assert_true(readings[i][0] >= 'a' && readings[i][0] <= 'z');
            for (size_t j = 0; j < i; j++)
                assert_true(strcmp(readings[i], readings[j]) != 0);
        }
    }
    assert_true(with_readings > 20000);
}

static void test_pinyin_is_syllable(void **state)
{
    (void)state;
    static const char *const yes[] = {"a",      "e",  "o",  "er",  "an",   "ang", "zhuang", "chuang",
                                      "shuang", "lv", "nv", "lve", "xian", "yi",  "wai",    "ba"};
    static const char *const no[] = {"",       "b",   "v",       "zh",  "ng", "n",  "m",           "hng",
                                     "xiang1", "Bao", "zhuangg", "lu:", "bx", "qa", "zhuangzhuang"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!ph_pinyin_is_syllable(yes[i]))
            fail_msg("\"%s\" should be a syllable", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (ph_pinyin_is_syllable(no[i]))
            fail_msg("\"%s\" should not be a syllable", no[i]);
    }
    assert_false(ph_pinyin_is_syllable(NULL));
}

/* --- ph_pinyin_split --------------------------------------------------------- */

#define MAX_TEST_SPLITS 16

/* Renders split k of `ascii` as "yi|wai|xian". */
static void render_split(const char *ascii, const uint8_t *ends, size_t count, char *buf, size_t cap)
{
    size_t used = 0;
    size_t start = 0;
    for (size_t i = 0; i < count; i++) {
        int w =
            snprintf(buf + used, cap - used, "%s%.*s", i ? "|" : "", (int)(ends[i] - start), ascii + start);
        assert_true(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
        start = ends[i];
    }
    if (count == 0)
        buf[0] = '\0';
}

struct split_case {
    const char *ascii;
    size_t want_count;  /* total splits (all of them; < MAX_TEST_SPLITS) */
    const char *first;  /* the preferred split */
    const char *second; /* the next one, or NULL */
};

static const struct split_case split_cases[] = {
    {"yiwaixian", 2, "yi|wai|xian", "yi|wai|xi|an"},
    {"xian", 2, "xian", "xi|an"},
    /* "o" (哦) is a syllable too. */
    {"baoxian", 4, "bao|xian", "bao|xi|an"},
    {"zhongji", 1, "zhong|ji", NULL},
    {"lvyou", 1, "lv|you", NULL},
    {"fangan", 2, "fang|an", "fan|gan"},
    {"a", 1, "a", NULL},
    /* "a" is a syllable but "bc" is no syllable: nothing splits, so the
     * caller treats it as initials or a word. */
    {"abc", 0, "", NULL},
    {"ywx", 0, "", NULL},
    {"bx", 0, "", NULL},
};

static void test_pinyin_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof split_cases / sizeof split_cases[0]; i++) {
        const struct split_case *tc = &split_cases[i];
        uint8_t ends[MAX_TEST_SPLITS][PH_PINYIN_MAX_SYLLABLES];
        size_t counts[MAX_TEST_SPLITS];
        size_t n = ph_pinyin_split(tc->ascii, strlen(tc->ascii), MAX_TEST_SPLITS, ends, counts);
        if (n != tc->want_count)
            fail_msg("%s: %zu splits, want %zu", tc->ascii, n, tc->want_count);
        char got[128];
        for (size_t k = 0; k < n; k++) {
            /* Every split covers the input exactly, with syllables only. */
            assert_true(counts[k] >= 1 && counts[k] <= PH_PINYIN_MAX_SYLLABLES);
            assert_int_equal(ends[k][counts[k] - 1], strlen(tc->ascii));
            size_t start = 0;
            for (size_t s = 0; s < counts[k]; s++) {
                char piece[8];
                assert_true(ends[k][s] > start && ends[k][s] - start < sizeof piece);
                memcpy(piece, tc->ascii + start, ends[k][s] - start);
                piece[ends[k][s] - start] = '\0';
                assert_true(ph_pinyin_is_syllable(piece));
                start = ends[k][s];
            }
            /* Fewer syllables first. */
            if (k > 0)
                assert_true(counts[k - 1] <= counts[k]);
        }
        if (n > 0) {
            render_split(tc->ascii, ends[0], counts[0], got, sizeof got);
            if (strcmp(got, tc->first) != 0)
                fail_msg("%s: first split %s, want %s", tc->ascii, got, tc->first);
        }
        if (tc->second != NULL) {
            render_split(tc->ascii, ends[1], counts[1], got, sizeof got);
            if (strcmp(got, tc->second) != 0)
                fail_msg("%s: second split %s, want %s", tc->ascii, got, tc->second);
        }
    }
}

static void test_pinyin_split_limits(void **state)
{
    (void)state;
    uint8_t ends[4][PH_PINYIN_MAX_SYLLABLES];
    size_t counts[4];
    /* The cap on splits is respected. */
    assert_int_equal(ph_pinyin_split("yiwaixian", 9, 2, ends, counts), 2);
    assert_int_equal(ph_pinyin_split("yiwaixian", 9, 0, ends, counts), 0);
    /* Not lower-case letters. */
    assert_int_equal(ph_pinyin_split("Baoxian", 7, 4, ends, counts), 0);
    assert_int_equal(ph_pinyin_split("bao xian", 8, 4, ends, counts), 0);
    assert_int_equal(ph_pinyin_split("", 0, 4, ends, counts), 0);
    /* Sixteen syllables fit; seventeen do not. */
    char many[2 * 17 + 1];
    for (size_t i = 0; i < 17; i++)
        memcpy(many + 2 * i, "an", 2);
    many[34] = '\0';
    assert_true(ph_pinyin_split(many, 32, 4, ends, counts) >= 1);
    assert_int_equal(counts[0], 16);
    assert_int_equal(ph_pinyin_split(many, 34, 4, ends, counts), 0);
    /* 2,000 letters of noise return at once with nothing. */
    char *noise = malloc(2000);
    assert_non_null(noise);
    for (size_t i = 0; i < 2000; i++)
        noise[i] = "aeiou"[i % 5];
    assert_int_equal(ph_pinyin_split(noise, 2000, 4, ends, counts), 0);
    free(noise);
    /* Highly ambiguous input within the limit: bounded, still capped. */
    char ambiguous[] = "xianxianxianxianxianxianxianxian";
    assert_int_equal(ph_pinyin_split(ambiguous, strlen(ambiguous), 4, ends, counts), 4);
    assert_int_equal(counts[0], 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_text),
        cmocka_unit_test(test_fold_text_rejects_malformed),
        cmocka_unit_test(test_fold_char),
        cmocka_unit_test(test_fold_char_is_idempotent),
        cmocka_unit_test(test_is_han),
        cmocka_unit_test(test_pinyin_readings_and_initials),
        cmocka_unit_test(test_pinyin_readings_count_beyond_max),
        cmocka_unit_test(test_pinyin_tables_sane),
        cmocka_unit_test(test_pinyin_is_syllable),
        cmocka_unit_test(test_pinyin_split),
        cmocka_unit_test(test_pinyin_split_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
