/*
 * tests/unit/test_breaks.c - i18n/breaks.h: sentences and words of
 * Chinese and mixed text, spans that tile the text exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n/breaks.h"

#define MAX_SPANS 32

struct collected {
    const char *text;
    size_t count;
    size_t next_start; /* spans must tile the text */
    char pieces[MAX_SPANS][128];
    struct ph_text_span spans[MAX_SPANS];
    size_t stop_after; /* 0: never stop */
};

static bool collect(void *ctx, const struct ph_text_span *span)
{
    struct collected *c = ctx;
    assert_int_equal(span->start_bytes, c->next_start);
    assert_true(span->len_bytes > 0);
    c->next_start = span->start_bytes + span->len_bytes;
    if (c->count < MAX_SPANS) {
        assert_true(span->len_bytes < sizeof c->pieces[0]);
        memcpy(c->pieces[c->count], c->text + span->start_bytes, span->len_bytes);
        c->pieces[c->count][span->len_bytes] = '\0';
        c->spans[c->count] = *span;
    }
    c->count++;
    return c->stop_after == 0 || c->count < c->stop_after;
}

static void test_sentences(void **state)
{
    (void)state;
    const char *text = "你好。今天天气很好！对吗？";
    struct collected c = {.text = text};
    assert_int_equal(ph_sentences(text, strlen(text), collect, &c), PH_I18N_OK);
    assert_int_equal(c.count, 3);
    assert_int_equal(c.next_start, strlen(text));
    assert_string_equal(c.pieces[0], "你好。");
    assert_string_equal(c.pieces[1], "今天天气很好！");
    assert_string_equal(c.pieces[2], "对吗？");
    assert_int_equal(c.spans[0].len_chars, 3);
    assert_int_equal(c.spans[1].len_chars, 7);
    assert_int_equal(c.spans[2].len_chars, 3);

    size_t count = 0;
    size_t longest = 0;
    assert_int_equal(ph_sentence_stats(text, strlen(text), &count, &longest), PH_I18N_OK);
    assert_int_equal(count, 3);
    assert_int_equal(longest, 7);
}

static void test_sentences_mixed(void **state)
{
    (void)state;
    /* A decimal point and a Latin abbreviation do not end sentences; a
     * line of only spaces is not a sentence. */
    const char *text = "保费每年 99.5 元。等待期 30 天! Claims take 5 days. ";
    size_t count = 0;
    assert_int_equal(ph_sentence_stats(text, strlen(text), &count, NULL), PH_I18N_OK);
    assert_int_equal(count, 3);
    assert_int_equal(ph_sentence_stats("", 0, &count, NULL), PH_I18N_OK);
    assert_int_equal(count, 0);
    assert_int_equal(ph_sentence_stats("   ", 3, &count, NULL), PH_I18N_OK);
    assert_int_equal(count, 0);
    assert_int_equal(ph_sentence_stats("没有句号", strlen("没有句号"), &count, NULL), PH_I18N_OK);
    assert_int_equal(count, 1);
}

static void test_words(void **state)
{
    (void)state;
    const char *text = "医疗保险 covers 65岁。";
    struct collected c = {.text = text};
    assert_int_equal(ph_words(text, strlen(text), collect, &c), PH_I18N_OK);
    assert_int_equal(c.next_start, strlen(text));
    size_t words = 0;
    bool saw_covers = false;
    bool saw_ideographic = false;
    for (size_t i = 0; i < c.count && i < MAX_SPANS; i++) {
        if (!c.spans[i].is_word) {
            assert_true(strcmp(c.pieces[i], " ") == 0 || strcmp(c.pieces[i], "。") == 0);
            continue;
        }
        words++;
        if (strcmp(c.pieces[i], "covers") == 0) {
            saw_covers = true;
            assert_false(c.spans[i].is_ideographic);
        }
        if (c.spans[i].is_ideographic)
            saw_ideographic = true;
    }
    assert_true(words >= 4);
    assert_true(saw_covers);
    assert_true(saw_ideographic);

    /* ICU's dictionary splits Chinese into words, not characters. */
    const char *chinese = "医疗保险";
    struct collected d = {.text = chinese};
    assert_int_equal(ph_words(chinese, strlen(chinese), collect, &d), PH_I18N_OK);
    assert_true(d.count >= 1 && d.count <= 2);
}

static void test_stop_and_errors(void **state)
{
    (void)state;
    const char *text = "一。二。三。";
    struct collected c = {.text = text, .stop_after = 2};
    assert_int_equal(ph_sentences(text, strlen(text), collect, &c), PH_I18N_OK);
    assert_int_equal(c.count, 2);

    struct collected e = {.text = "x"};
    assert_int_equal(ph_sentences("ok\xF0\x9F\x98", 5, collect, &e), PH_I18N_BAD_INPUT);
    assert_int_equal(ph_words("\xC0\xAF", 2, collect, &e), PH_I18N_BAD_INPUT);
    assert_int_equal(e.count, 0);
    assert_int_equal(ph_words(NULL, 3, collect, &e), PH_I18N_BAD_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentences),
        cmocka_unit_test(test_sentences_mixed),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_stop_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
