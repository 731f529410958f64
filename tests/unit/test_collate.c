/*
 * tests/unit/test_collate.c - i18n/collate.h: pinyin order through the
 * shared ICU collator, sort keys that agree with it, and concurrent use.
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

#include "i18n/collate.h"

static int compare(const char *a, const char *b)
{
    return ph_collate_compare_utf8(a, strlen(a), b, strlen(b));
}

/* Each list is in order: every earlier entry sorts before every later one. */
static const char *const pinyin_order[] = {
    "1",      "2", "2号", "10", "10号", /* digits first, by value */
    "阿",                               /* a */
    "安全",                             /* an */
    "保",                               /* bao */
    "保险",                             /* bao xian: a prefix sorts first */
    "北京",                             /* bei */
    "重庆",                             /* ICU sorts 重 as chong */
    "老年人",                           /* lao */
    "乐山",                             /* le */
    "银行",                             /* yin */
    "长沙",                             /* ICU sorts 长 as zhang */
    "浙江",                             /* zhe */
    "中国",                             /* zhong */
    "abc",                              /* Latin after Han in CLDR's zh order */
    "ABC",                              /* lower before upper when otherwise equal */
    "Zebra",
};

static void test_pinyin_order(void **state)
{
    (void)state;
    assert_int_equal(ph_collate_init(), PH_I18N_OK);
    size_t n = sizeof pinyin_order / sizeof pinyin_order[0];
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(compare(pinyin_order[i], pinyin_order[i]), 0);
        for (size_t j = i + 1; j < n; j++) {
            if (compare(pinyin_order[i], pinyin_order[j]) >= 0)
                fail_msg("\"%s\" should sort before \"%s\"", pinyin_order[i], pinyin_order[j]);
            if (compare(pinyin_order[j], pinyin_order[i]) <= 0)
                fail_msg("\"%s\" should sort after \"%s\"", pinyin_order[j], pinyin_order[i]);
        }
    }
}

static void test_the_issue_example(void **state)
{
    (void)state;
    /* 阿 < 保 < 重庆 < 浙江 < 中国 */
    assert_true(compare("阿", "保") < 0);
    assert_true(compare("保", "重庆") < 0);
    assert_true(compare("重庆", "浙江") < 0);
    assert_true(compare("浙江", "中国") < 0);
    /* Latin letters ignore case at first: "apple" < "Banana" < "cherry". */
    assert_true(compare("apple", "Banana") < 0);
    assert_true(compare("Banana", "cherry") < 0);
    /* Explicit lengths: only the given bytes count. */
    assert_int_equal(ph_collate_compare_utf8("保险公司", 6, "保险", 6), 0);
    assert_true(ph_collate_compare_utf8("", 0, "a", 1) < 0);
}

static void test_sort_key_agrees(void **state)
{
    (void)state;
    size_t n = sizeof pinyin_order / sizeof pinyin_order[0];
    for (size_t i = 0; i + 1 < n; i++) {
        uint8_t a[128];
        uint8_t b[128];
        size_t a_len = ph_collate_sort_key(pinyin_order[i], strlen(pinyin_order[i]), a, sizeof a);
        size_t b_len = ph_collate_sort_key(pinyin_order[i + 1], strlen(pinyin_order[i + 1]), b, sizeof b);
        assert_true(a_len > 0 && a_len <= sizeof a);
        assert_true(b_len > 0 && b_len <= sizeof b);
        assert_int_equal(a[a_len - 1], 0);
        if (strcmp((const char *)a, (const char *)b) >= 0)
            fail_msg("sort key of \"%s\" is not below \"%s\"", pinyin_order[i], pinyin_order[i + 1]);
    }
    /* Too small: the needed length is returned. */
    uint8_t tiny[2];
    size_t needed = ph_collate_sort_key("普惠保险", strlen("普惠保险"), tiny, sizeof tiny);
    assert_true(needed > sizeof tiny);
    /* Malformed input. */
    assert_int_equal(ph_collate_sort_key("\xC0\xAF", 2, tiny, sizeof tiny), 0);
}

static void *compare_many(void *arg)
{
    (void)arg;
    size_t n = sizeof pinyin_order / sizeof pinyin_order[0];
    size_t wrong = 0;
    for (int round = 0; round < 2000; round++) {
        size_t i = (size_t)round % (n - 1);
        if (compare(pinyin_order[i], pinyin_order[i + 1]) >= 0)
            wrong++;
    }
    return (void *)(uintptr_t)wrong;
}

static void test_concurrent_compare(void **state)
{
    (void)state;
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, compare_many, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *wrong = NULL;
        assert_int_equal(pthread_join(threads[i], &wrong), 0);
        assert_int_equal((uintptr_t)wrong, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinyin_order),
        cmocka_unit_test(test_the_issue_example),
        cmocka_unit_test(test_sort_key_agrees),
        cmocka_unit_test(test_concurrent_compare),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ph_collate_release();
    return failed;
}
