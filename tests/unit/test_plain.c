/*
 * tests/unit/test_plain.c - a11y/plain.h: the common-character table, what
 * is counted, every finding code with its boundary, the score, the JSON,
 * and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "a11y/buf.h"
#include "a11y/plain.h"
#include "i18n/fold.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The generated table (a11y/gen_common_chars.py), checked directly. */
extern const uint32_t ph_common_chars[];
extern const size_t ph_common_chars_count;

static const struct ph_glossary *glossary(void)
{
    const struct ph_glossary *g = NULL;
    assert_int_equal(ph_glossary_default(&g), PH_GLOSSARY_OK);
    return g;
}

/* Invariants of every report. */
static void assert_report_sane(const struct ph_plain_report *r)
{
    assert_true(r->longest_sentence_chars <= r->counted_chars);
    assert_true(r->sentence_count <= r->counted_chars);
    if (r->sentence_count == 0) {
        assert_int_equal(r->average_tenths, 0);
    } else {
        assert_true(r->average_tenths * r->sentence_count >= r->counted_chars * 10);
        assert_true(r->longest_sentence_chars * 10 >= r->average_tenths);
    }
    assert_true(r->rare_han_chars <= r->han_chars);
    assert_true(r->han_chars <= r->counted_chars);
    assert_true(r->rare_listed_count <= PH_PLAIN_LISTED_RARE);
    assert_true(r->rare_listed_count <= r->rare_han_chars);
    assert_true((r->long_sentence_count > 0) == (r->longest_sentence_chars > PH_PLAIN_SENTENCE_MAX_CHARS));
    assert_true(r->score >= 0 && r->score <= 100);
    assert_true(ph_plain_passes(r) == (r->score == 100));
}

static struct ph_plain_report check(const char *text)
{
    struct ph_plain_report r;
    assert_int_equal(ph_plain_check(text, strlen(text), glossary(), &r), PH_PLAIN_OK);
    assert_report_sane(&r);
    return r;
}

static json_t *findings(const struct ph_plain_report *r)
{
    json_t *out = NULL;
    assert_int_equal(ph_plain_findings_json(r, "summary", &out), PH_PLAIN_OK);
    assert_true(json_is_array(out));
    size_t i;
    json_t *f;
    json_array_foreach (out, i, f) {
        assert_int_equal(json_object_size(f), 3);
        assert_string_equal(json_string_value(json_object_get(f, "field")), "summary");
        assert_true(json_string_length(json_object_get(f, "message")) > 0);
    }
    /* No finding exactly when the text passes. */
    assert_true((json_array_size(out) == 0) == ph_plain_passes(r));
    return out;
}

static size_t count_code(const json_t *array, const char *code)
{
    size_t n = 0;
    size_t i;
    json_t *f;
    json_array_foreach (array, i, f) {
        if (strcmp(json_string_value(json_object_get(f, "code")), code) == 0)
            n++;
    }
    return n;
}

static const char *message_of(const json_t *array, const char *code, size_t nth)
{
    size_t i;
    json_t *f;
    json_array_foreach (array, i, f) {
        if (strcmp(json_string_value(json_object_get(f, "code")), code) == 0 && nth-- == 0)
            return json_string_value(json_object_get(f, "message"));
    }
    fail_msg("no finding %s", code);
    return NULL;
}

/* A sentence of n copies of one character, ending in 。. */
static void sentence(struct ph_buf *b, const char *character, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ph_buf_append_str(b, character);
    ph_buf_append_str(b, "。");
}

/* ---- the common-character table ----------------------------------------- */

static void test_common_table(void **state)
{
    (void)state;
    assert_int_equal(ph_plain_common_char_count(), 3500);
    assert_int_equal(ph_common_chars_count, 3500);
    for (size_t i = 0; i < ph_common_chars_count; i++) {
        if (i > 0)
            assert_true(ph_common_chars[i - 1] < ph_common_chars[i]);
        assert_true(ph_is_han((UChar32)ph_common_chars[i]));
        assert_true(ph_plain_is_common_char((UChar32)ph_common_chars[i]));
    }
    static const struct {
        UChar32 c;
        bool common;
    } cases[] = {
        {0x7684, true},                                        /* 的 */
        {0x4FDD, true},                                        /* 保 */
        {0x4E00, true},                                        /* 一, the first of the table */
        {0x9669, true},                                        /* 险 */
        {0x3007, true},                                        /* 〇, by our rule */
        {0x6C26, false},                                       /* 氦, second level (4550) */
        {0x6DFC, false},                                       /* 淼, third level (7371) */
        {0x96AA, false},                                       /* 險, traditional form of 险 */
        {0x8CBB, false},                                       /* 費, traditional form of 费 */
        {0x20000, false},                                      /* 𠀀, Extension B */
        {'a', false},     {'1', false},      {0x1F600, false}, /* 😀 */
        {-1, false},      {0x10FFFF, false},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        if (ph_plain_is_common_char(cases[i].c) != cases[i].common)
            fail_msg("U+%04X: expected %s", (unsigned)cases[i].c, cases[i].common ? "common" : "not common");
    }
}

/* ---- what is counted ------------------------------------------------------ */

static void test_counting(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t sentences;
        size_t chars;
        size_t longest;
        size_t han;
    } cases[] = {
        {"你好。今天天气很好！对吗？", 3, 10, 6, 10},
        {"每年 120 元。", 1, 6, 6, 3},
        {"看病的钱，先要自己付一部分，多出来的保险才赔。", 1, 20, 20, 20},
        {"第一行\n第二行\n", 2, 6, 3, 6},
        {"Hello world. This is fine.", 2, 20, 10, 0},
        {"我很好😀。😀😀。", 1, 3, 3, 3}, /* a sentence of emoji is not one */
        {"……。！！？", 0, 0, 0, 0},
        {"  \n\t ", 0, 0, 0, 0},
        {"二〇二六年五月", 1, 7, 7, 6}, /* 〇 is counted, but is no Han letter */
        {"ＡＢＣ１２３。", 1, 6, 6, 0}, /* full-width letters and digits count */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct ph_plain_report r = check(cases[i].text);
        if (r.sentence_count != cases[i].sentences || r.counted_chars != cases[i].chars ||
            r.longest_sentence_chars != cases[i].longest || r.han_chars != cases[i].han)
            fail_msg("%s: %zu sentences, %zu chars, longest %zu, %zu Han", cases[i].text, r.sentence_count,
                     r.counted_chars, r.longest_sentence_chars, r.han_chars);
    }
    struct ph_plain_report r = check("你好。今天天气很好！对吗？");
    assert_int_equal(r.average_tenths, 34); /* 10 / 3 = 3.33, rounded up */
}

/* ---- passing texts ------------------------------------------------------- */

static void test_plain_texts_pass(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "这份保险每年交 120 元。60 岁到 80 岁的人都能买。看病花的钱，医保报完后，剩下的最多能报七成。",
        "有病也能买。买之前不用去体检。",
        "出了事，请打电话 95500 找我们。我们会在 30 天内把钱给你。",
        "免赔额（看病的钱先自己付的部分）是一万元。",
        "等待期就是买了以后要等的那几天。这几天里生病不赔。",
        "二〇二六年五月起可以买。",
        "",
    };
    for (size_t i = 0; i < COUNT(texts); i++) {
        struct ph_plain_report r = check(texts[i]);
        if (!ph_plain_passes(&r))
            fail_msg("%s: score %d", texts[i], r.score);
        assert_int_equal(r.score, 100);
        json_t *f = findings(&r);
        assert_int_equal(json_array_size(f), 0);
        json_decref(f);
    }
}

/* ---- plain_sentence_long -------------------------------------------------- */

static void test_longest_sentence_boundary(void **state)
{
    (void)state;
    /* 40 + 10 + 10: the average is exactly 20, so only the longest decides. */
    struct ph_buf b;
    ph_buf_init(&b, 4096);
    sentence(&b, "好", PH_PLAIN_SENTENCE_MAX_CHARS);
    sentence(&b, "好", 10);
    sentence(&b, "好", 10);
    struct ph_plain_report r = check(b.data);
    assert_int_equal(r.longest_sentence_chars, 40);
    assert_int_equal(r.average_tenths, 200);
    assert_true(ph_plain_passes(&r));

    /* 41 + 10 + 9: still an average of 20, one sentence too long. */
    ph_buf_reset(&b);
    sentence(&b, "好", PH_PLAIN_SENTENCE_MAX_CHARS + 1);
    sentence(&b, "好", 10);
    sentence(&b, "好", 9);
    r = check(b.data);
    assert_int_equal(r.long_sentence_count, 1);
    assert_int_equal(r.long_sentences[0].chars, 41);
    assert_int_equal(r.long_sentences[0].start_bytes, 0);
    assert_string_equal(r.long_sentences[0].excerpt, "好好好好好好好好好好…");
    json_t *f = findings(&r);
    assert_int_equal(json_array_size(f), 1);
    assert_string_equal(
        message_of(f, PH_PLAIN_CODE_SENTENCE_LONG, 0),
        "「好好好好好好好好好好…」这句话有 41 个字，太长了。请分成几句短句，每句不超过 40 个字。");
    json_decref(f);
    ph_buf_release(&b);
}

static void test_long_sentences_are_listed_up_to_a_cap(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 8192);
    ph_buf_append_str(&b, "  我们  的产品\t很好");
    sentence(&b, "好", 40);
    for (int i = 0; i < 6; i++)
        sentence(&b, "好", 45);
    struct ph_plain_report r = check(b.data);
    assert_int_equal(r.long_sentence_count, 7);
    /* Leading white space skipped, runs of it shown as one space. */
    assert_string_equal(r.long_sentences[0].excerpt, "我们 的产品 很好好…");
    assert_int_equal(r.long_sentences[4].chars, 45);
    json_t *f = findings(&r);
    assert_int_equal(count_code(f, PH_PLAIN_CODE_SENTENCE_LONG), PH_PLAIN_LISTED_SENTENCES + 1);
    assert_string_equal(message_of(f, PH_PLAIN_CODE_SENTENCE_LONG, PH_PLAIN_LISTED_SENTENCES),
                        "另外还有 2 句话也超过了 40 个字，请一起改短。");
    assert_int_equal(count_code(f, PH_PLAIN_CODE_AVERAGE_LONG), 1);
    json_decref(f);
    ph_buf_release(&b);
}

/* ---- plain_sentences_long_on_average --------------------------------------- */

static void test_average_boundary(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 4096);
    sentence(&b, "好", 20);
    sentence(&b, "好", 20);
    struct ph_plain_report r = check(b.data);
    assert_int_equal(r.average_tenths, 200);
    assert_true(ph_plain_passes(&r));

    ph_buf_reset(&b);
    sentence(&b, "好", 21);
    sentence(&b, "好", 20);
    r = check(b.data);
    assert_int_equal(r.average_tenths, 205);
    assert_int_equal(r.long_sentence_count, 0);
    json_t *f = findings(&r);
    assert_int_equal(json_array_size(f), 1);
    assert_string_equal(message_of(f, PH_PLAIN_CODE_AVERAGE_LONG, 0),
                        "这段文字平均每句有 20.5 个字，太长了。请多用短句，平均每句不超过 20 个字。");
    json_decref(f);

    /* 61 / 3 = 20.33: shown rounded up, so never as "20". */
    ph_buf_reset(&b);
    sentence(&b, "好", 21);
    sentence(&b, "好", 20);
    sentence(&b, "好", 20);
    r = check(b.data);
    assert_int_equal(r.average_tenths, 204);
    assert_false(ph_plain_passes(&r));

    /* A single sentence of 25 averages 25. */
    ph_buf_reset(&b);
    sentence(&b, "好", 25);
    r = check(b.data);
    assert_int_equal(r.sentence_count, 1);
    assert_int_equal(r.average_tenths, 250);
    f = findings(&r);
    assert_int_equal(count_code(f, PH_PLAIN_CODE_AVERAGE_LONG), 1);
    json_decref(f);
    ph_buf_release(&b);
}

/* ---- plain_rare_characters ----------------------------------------------- */

/* han Han characters in sentences of at most 20, the first `rare` of them
 * replaced by rare_char. */
static char *han_text(size_t han, size_t rare, const char *rare_char)
{
    struct ph_buf b;
    ph_buf_init(&b, 1u << 20);
    for (size_t i = 0; i < han; i++) {
        ph_buf_append_str(&b, i < rare ? rare_char : "好");
        if (i % 20 == 19 || i == han - 1)
            ph_buf_append_str(&b, "。");
    }
    char *out = ph_buf_detach(&b, NULL);
    assert_non_null(out);
    return out;
}

static void test_rare_boundary(void **state)
{
    (void)state;
    /* 1 in 100 is exactly 1%: passes. */
    char *text = han_text(100, 1, "險");
    struct ph_plain_report r = check(text);
    assert_int_equal(r.han_chars, 100);
    assert_int_equal(r.rare_han_chars, 1);
    assert_int_equal(r.rare_per_mille, 10);
    assert_true(ph_plain_passes(&r));
    free(text);

    /* 1 in 99 is over 1%. */
    text = han_text(99, 1, "險");
    r = check(text);
    assert_int_equal(r.rare_han_chars, 1);
    assert_int_equal(r.rare_listed_count, 1);
    assert_int_equal(r.rare_listed[0], 0x96AA);
    json_t *f = findings(&r);
    assert_int_equal(json_array_size(f), 1);
    assert_string_equal(
        message_of(f, PH_PLAIN_CODE_RARE, 0),
        "这段文字用了不常用的字：險，共 1 处，占全部汉字的 1.1%。很多人不认识这些字，请换成常用的字。");
    json_decref(f);
    free(text);

    /* Second and third level characters are rare too; each distinct one is
     * listed once, in order. */
    r = check("氦淼氦。好好好。");
    assert_int_equal(r.rare_han_chars, 3);
    assert_int_equal(r.rare_listed_count, 2);
    assert_int_equal(r.rare_listed[0], 0x6C26);
    assert_int_equal(r.rare_listed[1], 0x6DFC);
    f = findings(&r);
    assert_non_null(strstr(message_of(f, PH_PLAIN_CODE_RARE, 0), "氦、淼，共 3 处"));
    json_decref(f);
}

static void test_rare_list_is_capped(void **state)
{
    (void)state;
    /* Twelve distinct traditional characters. */
    struct ph_plain_report r = check("險費醫療說書語錢銀園門車。");
    assert_int_equal(r.rare_han_chars, 12);
    assert_int_equal(r.rare_listed_count, PH_PLAIN_LISTED_RARE);
    assert_true(r.rare_list_truncated);
    json_t *f = findings(&r);
    assert_non_null(strstr(message_of(f, PH_PLAIN_CODE_RARE, 0), "銀、園等，共 12 处"));
    json_decref(f);
}

/* ---- plain_jargon_unexplained --------------------------------------------- */

static void test_jargon_explained_or_not(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool explained;
    } cases[] = {
        {"免赔额（先自己付的钱）是一万元。", true},
        {"免赔额 (先自己付的钱) 是一万元。", true},
        {"免赔额\u3000（先自己付的钱）是一万元。", true},
        {"免赔额就是先自己付的钱。", true},
        {"免赔额，是指先自己付的钱。", true},
        {"起付线指的是先自己付的钱。", true},
        {"免赔额，也就是先自己付的钱。", true},
        {"免赔额是一万元。免赔额（先自己付的钱）不退。", true}, /* a later use explains it */
        {"起付线（先自己付的钱）是一万元。免赔额不变。", true}, /* any spelling of the entry */
        {"免赔额是一万元。", false},
        {"免赔额（）是一万元。", false},           /* nothing inside */
        {"免赔额（ ，）是一万元。", false},        /* nothing counted inside */
        {"免赔额（先自己付的钱", false},           /* never closed */
        {"免赔额是一万元。就是这样。", false},     /* 就是 in another sentence */
        {"就是免赔额。", false},                   /* 就是 before the word */
        {"免赔额是一万元，（先自己付）。", false}, /* bracket not right after */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct ph_plain_report r = check(cases[i].text);
        if ((r.unexplained_count == 0) != cases[i].explained)
            fail_msg("%s: %zu unexplained", cases[i].text, r.unexplained_count);
    }
}

static void test_jargon_finding(void **state)
{
    (void)state;
    const struct ph_glossary_entry *deductible = ph_glossary_lookup(glossary(), "免赔额", strlen("免赔额"));
    struct ph_plain_report r = check("本产品起付线是一万元。免赔额不退。");
    assert_int_equal(r.unexplained_count, 1);
    assert_ptr_equal(r.unexplained[0].entry, deductible);
    assert_string_equal(r.unexplained[0].as_written, "起付线");
    assert_int_equal(r.unexplained[0].start_bytes, strlen("本产品"));
    assert_int_equal(r.score, 95);
    json_t *f = findings(&r);
    assert_int_equal(json_array_size(f), 1);
    /* The message suggests the glossary's own explanation, in brackets. */
    char expected[1024];
    size_t explain_len = strlen(deductible->explain) - strlen("。");
    snprintf(expected, sizeof(expected),
             "「起付线」是专业词，很多人看不懂。请在它后面加括号，用大白话说明，比如：起付线（%.*s）。",
             (int)explain_len, deductible->explain);
    assert_string_equal(message_of(f, PH_PLAIN_CODE_JARGON, 0), expected);
    json_decref(f);
}

static void test_jargon_list_is_capped(void **state)
{
    (void)state;
    struct ph_plain_report r =
        check("免赔额。等待期。既往症。保额。犹豫期。续保。保费。投保人。受益人。理赔。社保。门诊。");
    assert_int_equal(r.unexplained_count, 12);
    assert_string_equal(r.unexplained[0].entry->term, "免赔额");
    assert_string_equal(r.unexplained[9].entry->term, "理赔");
    assert_int_equal(r.score, 100 - 20);
    json_t *f = findings(&r);
    assert_int_equal(count_code(f, PH_PLAIN_CODE_JARGON), PH_PLAIN_LISTED_TERMS + 1);
    assert_string_equal(message_of(f, PH_PLAIN_CODE_JARGON, PH_PLAIN_LISTED_TERMS),
                        "另外还有 2 个专业词没有解释。");
    json_decref(f);
}

/* ---- every code at once, the score ---------------------------------------- */

static void test_every_code_and_the_lowest_score(void **state)
{
    (void)state;
    /* Six sentences of 50: four jargon words, then 39 third-level characters. */
    struct ph_buf b;
    ph_buf_init(&b, 8192);
    for (int i = 0; i < 6; i++) {
        ph_buf_append_str(&b, "免赔额等待期既往症保额");
        sentence(&b, "淼", 39);
    }
    struct ph_plain_report r = check(b.data);
    assert_int_equal(r.sentence_count, 6);
    assert_int_equal(r.longest_sentence_chars, 50);
    assert_int_equal(r.unexplained_count, 4);
    assert_int_equal(r.rare_han_chars, 6 * 39);
    assert_int_equal(r.score, 0);
    json_t *f = findings(&r);
    assert_int_equal(count_code(f, PH_PLAIN_CODE_SENTENCE_LONG), 6);
    assert_int_equal(count_code(f, PH_PLAIN_CODE_AVERAGE_LONG), 1);
    assert_int_equal(count_code(f, PH_PLAIN_CODE_RARE), 1);
    assert_int_equal(count_code(f, PH_PLAIN_CODE_JARGON), 4);
    assert_int_equal(json_array_size(f), 12);
    /* Our own messages use only common characters, except the one that
     * quotes the rare characters. */
    size_t i;
    json_t *finding;
    json_array_foreach (f, i, finding) {
        const char *code = json_string_value(json_object_get(finding, "code"));
        const char *message = json_string_value(json_object_get(finding, "message"));
        struct ph_plain_report m = check(message);
        if (strcmp(code, PH_PLAIN_CODE_RARE) != 0 && strcmp(code, PH_PLAIN_CODE_SENTENCE_LONG) != 0)
            assert_int_equal(m.rare_han_chars, 0);
    }
    json_decref(f);
    ph_buf_release(&b);
}

static void test_score_penalties(void **state)
{
    (void)state;
    struct ph_buf b;
    ph_buf_init(&b, 4096);
    /* Average 25: 5 characters over, 1 point per half character. */
    sentence(&b, "好", 25);
    assert_int_equal(check(b.data).score, 90);
    /* One sentence of 41: average penalty capped at 30, plus 5. */
    ph_buf_reset(&b);
    sentence(&b, "好", 41);
    assert_int_equal(check(b.data).score, 65);
    ph_buf_release(&b);
    /* One unexplained word: 5. */
    assert_int_equal(check("本产品免赔额是一万元。").score, 95);
    /* 1 rare in 50 Han = 2%: 1 point over, 1 point per 0.2 points: 5. */
    char *text = han_text(50, 1, "淼");
    assert_int_equal(check(text).score, 95);
    free(text);
}

/* ---- JSON summary ---------------------------------------------------------- */

static void test_summary_json(void **state)
{
    (void)state;
    struct ph_plain_report r = check("你好。今天天气很好！險在哪？免赔额多少？");
    json_t *s = NULL;
    assert_int_equal(ph_plain_summary_json(&r, &s), PH_PLAIN_OK);
    assert_int_equal(json_integer_value(json_object_get(s, "sentences")), 4);
    assert_int_equal(json_integer_value(json_object_get(s, "chars")), 16);
    assert_true(json_real_value(json_object_get(s, "average_sentence_chars")) == 4.0);
    assert_int_equal(json_integer_value(json_object_get(s, "longest_sentence_chars")), 6);
    assert_int_equal(json_integer_value(json_object_get(s, "long_sentences")), 0);
    assert_int_equal(json_integer_value(json_object_get(s, "han_chars")), 16);
    assert_int_equal(json_integer_value(json_object_get(s, "rare_chars")), 1);
    assert_true(json_real_value(json_object_get(s, "rare_percent")) == 6.3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "rare_listed"), 0)), "險");
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "unexplained_terms"), 0)),
                        "免赔额");
    assert_int_equal(json_integer_value(json_object_get(s, "score")), r.score);
    assert_int_equal(json_object_size(s), 11);
    json_decref(s);
}

/* ---- hostile input ---------------------------------------------------------- */

static void test_bad_input_changes_nothing(void **state)
{
    (void)state;
    struct ph_plain_report before;
    memset(&before, 0xAB, sizeof(before));
    struct ph_plain_report r = before;
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\xC3\x28", 2},         /* bad continuation */
        {"\xED\xA0\x80", 3},     /* a surrogate */
        {"免赔额\xE4\xB8", 11},  /* cut short */
        {"\xC0\xAF", 2},         /* overlong */
        {"\xEF\xBF\xBE", 3},     /* U+FFFE, a non-character */
        {"\xF4\x90\x80\x80", 4}, /* above U+10FFFF */
        {NULL, 5},
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_int_equal(ph_plain_check(bad[i].bytes, bad[i].len, glossary(), &r), PH_PLAIN_BAD_INPUT);
        assert_memory_equal(&r, &before, sizeof(r));
    }
    assert_int_equal(ph_plain_check("好。", strlen("好。"), NULL, &r), PH_PLAIN_BAD_INPUT);
    assert_memory_equal(&r, &before, sizeof(r));

    size_t big = PH_PLAIN_MAX_TEXT_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, 'a', big);
    assert_int_equal(ph_plain_check(huge, big, glossary(), &r), PH_PLAIN_TOO_LONG);
    assert_memory_equal(&r, &before, sizeof(r));
    free(huge);

    json_t *out = (json_t *)(uintptr_t)1;
    struct ph_plain_report ok = check("好。");
    assert_int_equal(ph_plain_findings_json(&ok, NULL, &out), PH_PLAIN_BAD_INPUT);
    assert_ptr_equal(out, (json_t *)(uintptr_t)1);
}

static void test_hostile_but_valid_text(void **state)
{
    (void)state;
    /* Empty, by pointer and by length. */
    struct ph_plain_report r;
    assert_int_equal(ph_plain_check(NULL, 0, glossary(), &r), PH_PLAIN_OK);
    assert_int_equal(r.sentence_count, 0);
    assert_int_equal(r.score, 100);

    /* Emoji only, Latin only, an embedded NUL, markup. */
    r = check("😀👍🏽🎉");
    assert_int_equal(r.sentence_count, 0);
    assert_int_equal(r.han_chars, 0);
    assert_true(ph_plain_passes(&r));
    r = check("Pay less. Get more.");
    assert_int_equal(r.sentence_count, 2);
    assert_int_equal(r.counted_chars, 14); /* Latin counts letter by letter */
    assert_int_equal(r.han_chars, 0);
    assert_true(ph_plain_passes(&r));
    static const char nul[] = "好\0好。";
    assert_int_equal(ph_plain_check(nul, sizeof(nul) - 1, glossary(), &r), PH_PLAIN_OK);
    assert_int_equal(r.counted_chars, 2);
    r = check("<script>alert('险')</script>");
    assert_int_equal(r.han_chars, 1);

    /* A long Latin sentence with no terminator is one sentence. */
    struct ph_buf b;
    ph_buf_init(&b, 4096);
    for (int i = 0; i < 100; i++)
        ph_buf_append_str(&b, "word ");
    r = check(b.data);
    assert_int_equal(r.sentence_count, 1);
    assert_int_equal(r.longest_sentence_chars, 400);
    assert_int_equal(r.long_sentences[0].chars, 400);
    assert_string_equal(r.long_sentences[0].excerpt, "word word…");
    ph_buf_release(&b);
}

static void test_100_kb_text(void **state)
{
    (void)state;
    static const char unit[] = "这份保险每年交120元。";
    size_t unit_len = sizeof(unit) - 1;
    size_t repeats = 100 * 1024 / unit_len + 1;
    struct ph_buf b;
    ph_buf_init(&b, 1u << 20);
    for (size_t i = 0; i < repeats; i++)
        ph_buf_append(&b, unit, unit_len);
    assert_false(b.failed);
    assert_true(b.len >= 100 * 1024);
    struct ph_plain_report r = check(b.data);
    assert_int_equal(r.sentence_count, repeats);
    assert_int_equal(r.counted_chars, 11 * repeats);
    assert_int_equal(r.average_tenths, 110);
    assert_true(ph_plain_passes(&r));
    ph_buf_release(&b);
}

/* The default glossary and ICU are shared: check from several threads. */
static void *check_in_thread(void *arg)
{
    const char *text = arg;
    const struct ph_glossary *g = NULL;
    int failures = 0;
    if (ph_glossary_default(&g) != PH_GLOSSARY_OK)
        return (void *)(uintptr_t)1;
    for (int i = 0; i < 50; i++) {
        struct ph_plain_report r;
        if (ph_plain_check(text, strlen(text), g, &r) != PH_PLAIN_OK || r.unexplained_count != 1 ||
            r.sentence_count != 2)
            failures++;
    }
    return (void *)(uintptr_t)failures;
}

static void test_threads(void **state)
{
    (void)state;
    char *text = (char *)"本产品等待期是三十天。看病先自己付钱。";
    pthread_t threads[4];
    for (size_t i = 0; i < COUNT(threads); i++)
        assert_int_equal(pthread_create(&threads[i], NULL, check_in_thread, text), 0);
    for (size_t i = 0; i < COUNT(threads); i++) {
        void *failures = NULL;
        assert_int_equal(pthread_join(threads[i], &failures), 0);
        assert_ptr_equal(failures, NULL);
    }
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ph_plain_status_name(PH_PLAIN_OK), "ok");
    assert_string_equal(ph_plain_status_name(PH_PLAIN_TOO_LONG), "too long");
    assert_string_equal(ph_plain_status_name((enum ph_plain_status)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_table),
        cmocka_unit_test(test_counting),
        cmocka_unit_test(test_plain_texts_pass),
        cmocka_unit_test(test_longest_sentence_boundary),
        cmocka_unit_test(test_long_sentences_are_listed_up_to_a_cap),
        cmocka_unit_test(test_average_boundary),
        cmocka_unit_test(test_rare_boundary),
        cmocka_unit_test(test_rare_list_is_capped),
        cmocka_unit_test(test_jargon_explained_or_not),
        cmocka_unit_test(test_jargon_finding),
        cmocka_unit_test(test_jargon_list_is_capped),
        cmocka_unit_test(test_every_code_and_the_lowest_score),
        cmocka_unit_test(test_score_penalties),
        cmocka_unit_test(test_summary_json),
        cmocka_unit_test(test_bad_input_changes_nothing),
        cmocka_unit_test(test_hostile_but_valid_text),
        cmocka_unit_test(test_100_kb_text),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
