/*
 * tests/unit/test_glossary.c - a11y/glossary.h: the embedded table, the
 * file format, leftmost-longest matching that stays out of other words,
 * aliases, "explain at first use" across the texts of one page, and
 * hostile input. Every explanation must pass the plain-Chinese checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "a11y/glossary.h"
#include "a11y/plain.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct ph_glossary *default_glossary(void)
{
    const struct ph_glossary *g = NULL;
    assert_int_equal(ph_glossary_default(&g), PH_GLOSSARY_OK);
    assert_non_null(g);
    return g;
}

static struct ph_glossary *parse_ok(const char *tsv)
{
    struct ph_glossary *g = NULL;
    size_t bad_line = 99;
    assert_int_equal(ph_glossary_parse(tsv, strlen(tsv), &g, &bad_line), PH_GLOSSARY_OK);
    assert_int_equal(bad_line, 0);
    assert_non_null(g);
    return g;
}

/* Invariants of any glossary: entries numbered in order, every spelling
 * looks up to its own entry. */
static void assert_glossary_sane(const struct ph_glossary *g)
{
    for (size_t i = 0; i < ph_glossary_count(g); i++) {
        const struct ph_glossary_entry *e = ph_glossary_entry_at(g, i);
        assert_non_null(e);
        assert_int_equal(e->index, i);
        assert_true(strlen(e->term) > 0);
        assert_true(strlen(e->explain) > 0);
        assert_ptr_equal(ph_glossary_lookup(g, e->term, strlen(e->term)), e);
        for (size_t k = 0; k < e->alias_count; k++)
            assert_ptr_equal(ph_glossary_lookup(g, e->aliases[k], strlen(e->aliases[k])), e);
    }
    assert_null(ph_glossary_entry_at(g, ph_glossary_count(g)));
}

/* ---- the embedded table ------------------------------------------------ */

static void test_default_table_has_the_words(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    assert_true(ph_glossary_count(g) >= 40);
    assert_glossary_sane(g);
    static const char *const words[] = {
        "免赔额",   "等待期",   "既往症",   "保额",       "犹豫期",   "责任免除", "报销比例",
        "续保",     "保费",     "投保人",   "被保险人",   "受益人",   "理赔",     "免责条款",
        "社保",     "医保目录", "特药",     "质子重离子", "门诊",     "住院",     "重疾",
        "意外伤害", "伤残等级", "赔付比例", "保障期限",   "现金价值", "退保",     "偿付能力",
        "核保",     "健康告知", "带病投保", "普惠保险",   "惠民保",   "增值服务", "直付",
        "垫付",     "共付",     "基本医保", "大病保险",   "医疗救助", "费率",     "手续费",
    };
    for (size_t i = 0; i < COUNT(words); i++) {
        const struct ph_glossary_entry *e = ph_glossary_lookup(g, words[i], strlen(words[i]));
        if (e == NULL)
            fail_msg("missing glossary word %s", words[i]);
        assert_string_equal(e->term, words[i]);
    }
    /* The same table every time. */
    const struct ph_glossary *again = NULL;
    assert_int_equal(ph_glossary_default(&again), PH_GLOSSARY_OK);
    assert_ptr_equal(again, g);
}

/* Every explanation is one plain sentence by our own checker, and holds no
 * other glossary word. */
static bool count_match(void *ctx, const struct ph_glossary_match *m)
{
    (void)m;
    (*(size_t *)ctx)++;
    return true;
}

static void test_every_explanation_is_plain(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    for (size_t i = 0; i < ph_glossary_count(g); i++) {
        const struct ph_glossary_entry *e = ph_glossary_entry_at(g, i);
        struct ph_plain_report r;
        assert_int_equal(ph_plain_check(e->explain, strlen(e->explain), g, &r), PH_PLAIN_OK);
        if (!ph_plain_passes(&r) || r.sentence_count != 1)
            fail_msg(
                "%s: explanation not plain (%zu sentences, average %zu tenths, %zu rare, %zu jargon): %s",
                e->term, r.sentence_count, r.average_tenths, r.rare_han_chars, r.unexplained_count,
                e->explain);
        size_t words = 0;
        assert_int_equal(ph_glossary_find(g, e->explain, strlen(e->explain), count_match, &words),
                         PH_GLOSSARY_OK);
        if (words != 0)
            fail_msg("%s: explanation uses another glossary word: %s", e->term, e->explain);
    }
}

static void test_lookup_is_exact(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    const struct ph_glossary_entry *deductible = ph_glossary_lookup(g, "免赔额", strlen("免赔额"));
    assert_non_null(deductible);
    assert_ptr_equal(ph_glossary_lookup(g, "起付线", strlen("起付线")), deductible);
    assert_true(deductible->alias_count >= 1);
    assert_string_equal(deductible->aliases[0], "起付线");
    static const char *const not_words[] = {"免赔", "免赔额 ", "保費", "", "保险"};
    for (size_t i = 0; i < COUNT(not_words); i++)
        assert_null(ph_glossary_lookup(g, not_words[i], strlen(not_words[i])));
    /* The length is honoured: "免赔额" is a prefix of this buffer. */
    assert_ptr_equal(ph_glossary_lookup(g, "免赔额是多少", strlen("免赔额")), deductible);
    assert_null(ph_glossary_lookup(g, NULL, 0));
}

/* ---- the file format --------------------------------------------------- */

static void test_parse_accepts_the_format(void **state)
{
    (void)state;
    struct ph_glossary *g = parse_ok("# comment\n"
                                     "\n"
                                     "甲|乙|丙\t第一条。\r\n"
                                     "丁\t有 空格 的说明。\n"
                                     "戊\t最后一行没有换行。");
    assert_glossary_sane(g);
    assert_int_equal(ph_glossary_count(g), 3);
    const struct ph_glossary_entry *first = ph_glossary_entry_at(g, 0);
    assert_string_equal(first->term, "甲");
    assert_int_equal(first->alias_count, 2);
    assert_string_equal(first->aliases[1], "丙");
    assert_string_equal(first->explain, "第一条。"); /* the \r is not part of it */
    assert_string_equal(ph_glossary_entry_at(g, 2)->explain, "最后一行没有换行。");
    ph_glossary_free(g);

    g = parse_ok("");
    assert_int_equal(ph_glossary_count(g), 0);
    size_t n = 0;
    assert_int_equal(ph_glossary_find(g, "免赔额", strlen("免赔额"), count_match, &n), PH_GLOSSARY_OK);
    assert_int_equal(n, 0);
    ph_glossary_free(g);
    ph_glossary_free(NULL);
}

static void test_parse_refuses_bad_data(void **state)
{
    (void)state;
    char too_long_term[PH_GLOSSARY_MAX_TERM_BYTES + 16];
    memset(too_long_term, 'a', PH_GLOSSARY_MAX_TERM_BYTES + 1);
    memcpy(too_long_term + PH_GLOSSARY_MAX_TERM_BYTES + 1, "\tx\n", 4);
    char longest_term[PH_GLOSSARY_MAX_TERM_BYTES + 16];
    memset(longest_term, 'a', PH_GLOSSARY_MAX_TERM_BYTES);
    memcpy(longest_term + PH_GLOSSARY_MAX_TERM_BYTES, "\tx\n", 4);
    static const struct {
        const char *tsv;
        size_t bad_line;
    } cases[] = {
        {"甲 说明\n", 1},                             /* no tab */
        {"甲\t说明\t多余\n", 1},                      /* two tabs */
        {"甲\t说明\n\t说明\n", 2},                    /* empty headword */
        {"甲||乙\t说明\n", 1},                        /* empty alias */
        {"甲|\t说明\n", 1},                           /* empty alias at the end */
        {"甲\t\n", 1},                                /* empty explanation */
        {"甲\t说明\n乙|甲\t说明\n", 2},               /* a spelling in two entries */
        {"甲|甲\t说明\n", 1},                         /* a spelling twice in one entry */
        {"甲 乙\t说明\n", 1},                         /* white space in a word */
        {"甲\u3000乙\t说明\n", 1},                    /* ideographic space in a word */
        {"甲\t说\x01明\n", 1},                        /* control character */
        {"一|二|三|四|五|六|七|八|九|十\t说明\n", 1}, /* nine aliases */
        {"甲\t说明\n\xE4\xB8\t说明\n", 0},            /* malformed UTF-8 */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct ph_glossary *g = (struct ph_glossary *)(uintptr_t)1; /* must stay untouched */
        size_t bad_line = 99;
        assert_int_equal(ph_glossary_parse(cases[i].tsv, strlen(cases[i].tsv), &g, &bad_line),
                         PH_GLOSSARY_BAD_DATA);
        assert_ptr_equal(g, (struct ph_glossary *)(uintptr_t)1);
        if (bad_line != cases[i].bad_line)
            fail_msg("case %zu: bad line %zu, expected %zu", i, bad_line, cases[i].bad_line);
    }
    /* Eight aliases are allowed, nine are not (above). */
    struct ph_glossary *g = parse_ok("一|二|三|四|五|六|七|八|九\t说明\n");
    assert_int_equal(ph_glossary_entry_at(g, 0)->alias_count, PH_GLOSSARY_MAX_ALIASES);
    ph_glossary_free(g);
    /* A word of the longest length is allowed, one byte more is not. */
    g = parse_ok(longest_term);
    ph_glossary_free(g);
    struct ph_glossary *refused = NULL;
    assert_int_equal(ph_glossary_parse(too_long_term, strlen(too_long_term), &refused, NULL),
                     PH_GLOSSARY_BAD_DATA);
    assert_null(refused);
}

static void test_parse_caps_the_entries(void **state)
{
    (void)state;
    /* PH_GLOSSARY_MAX_ENTRIES entries are fine; one more is bad data. */
    size_t cap = (PH_GLOSSARY_MAX_ENTRIES + 1) * 16;
    char *tsv = malloc(cap);
    assert_non_null(tsv);
    size_t len = 0;
    for (int i = 0; i <= PH_GLOSSARY_MAX_ENTRIES; i++) {
        int n = snprintf(tsv + len, cap - len, "w%d\tx\n", i);
        assert_true(n > 0);
        len += (size_t)n;
    }
    size_t all_but_last = len - strlen("w256\tx\n");
    struct ph_glossary *g = NULL;
    assert_int_equal(ph_glossary_parse(tsv, all_but_last, &g, NULL), PH_GLOSSARY_OK);
    assert_int_equal(ph_glossary_count(g), PH_GLOSSARY_MAX_ENTRIES);
    assert_glossary_sane(g);
    ph_glossary_free(g);
    size_t bad_line = 0;
    g = NULL;
    assert_int_equal(ph_glossary_parse(tsv, len, &g, &bad_line), PH_GLOSSARY_BAD_DATA);
    assert_int_equal(bad_line, PH_GLOSSARY_MAX_ENTRIES + 1);
    assert_null(g);
    free(tsv);
}

/* ---- finding ----------------------------------------------------------- */

struct found {
    size_t count;
    char words[16][64];
    bool alias[16];
    size_t start[16];
};

static bool collect(void *ctx, const struct ph_glossary_match *m)
{
    struct found *f = ctx;
    if (f->count < 16) {
        assert_true(m->len_bytes < sizeof(f->words[0]));
        f->alias[f->count] = m->is_alias;
        f->start[f->count] = m->start_bytes;
        snprintf(f->words[f->count], sizeof(f->words[0]), "%s", m->entry->term);
    }
    f->count++;
    return true;
}

static struct found find_all(const struct ph_glossary *g, const char *text)
{
    struct found f;
    memset(&f, 0, sizeof(f));
    assert_int_equal(ph_glossary_find(g, text, strlen(text), collect, &f), PH_GLOSSARY_OK);
    return f;
}

static void test_leftmost_longest(void **state)
{
    (void)state;
    struct ph_glossary *g = parse_ok("意外\t甲。\n意外伤害\t乙。\n伤害保险\t丙。\n保险\t丁。\n");
    /* At 意 the longer 意外伤害 wins; then 保险, not 伤害保险. */
    struct found f = find_all(g, "意外伤害保险");
    assert_int_equal(f.count, 2);
    assert_string_equal(f.words[0], "意外伤害");
    assert_int_equal(f.start[0], 0);
    assert_string_equal(f.words[1], "保险");
    assert_int_equal(f.start[1], strlen("意外伤害"));
    f = find_all(g, "一次意外，买了保险。");
    assert_int_equal(f.count, 2);
    assert_string_equal(f.words[0], "意外");
    assert_string_equal(f.words[1], "保险");
    ph_glossary_free(g);

    /* In the real table: the leftmost word wins over a longer one that
     * starts later, the longest over a shorter one at the same place. */
    const struct ph_glossary *real = default_glossary();
    f = find_all(real, "基本医保目录");
    assert_int_equal(f.count, 1);
    assert_string_equal(f.words[0], "基本医保");
    f = find_all(real, "这是一份重疾险");
    assert_int_equal(f.count, 1);
    assert_string_equal(f.words[0], "重疾险");
    f = find_all(real, "保险金额为十万元");
    assert_int_equal(f.count, 1);
    assert_string_equal(f.words[0], "保额");
    assert_true(f.alias[0]);
}

static void test_not_inside_other_words(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    static const struct {
        const char *text;
        const char *word; /* NULL: nothing found */
    } cases[] = {
        {"请继续保持好习惯。", NULL}, /* 继续|保持: not 续保 */
        {"得了严重疾病。", NULL},     /* 严重|疾病: not 重疾 */
        {"确保费用合理。", NULL},     /* 确保|费用: not 保费 */
        {"先去交保费。", "保费"},     /* 交保|费: the word ends on a boundary */
        {"可以续保。", "续保"},       {"得了重疾。", "重疾"}, {"门诊和住院都能报。", "门诊"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct found f = find_all(g, cases[i].text);
        if (cases[i].word == NULL) {
            if (f.count != 0)
                fail_msg("%s: found %s", cases[i].text, f.words[0]);
        } else {
            assert_true(f.count >= 1);
            assert_string_equal(f.words[0], cases[i].word);
        }
    }
}

static void test_aliases_and_exact_bytes(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    struct found f = find_all(g, "起付线是多少？免赔额是多少？");
    assert_int_equal(f.count, 2);
    assert_string_equal(f.words[0], "免赔额");
    assert_true(f.alias[0]);
    assert_string_equal(f.words[1], "免赔额");
    assert_false(f.alias[1]);
    assert_int_equal(f.start[1], strlen("起付线是多少？"));
    /* No folding: traditional characters and full-width forms are other text. */
    f = find_all(g, "保費和等待期");
    assert_int_equal(f.count, 1);
    assert_string_equal(f.words[0], "等待期");
}

static bool stop_after_first(void *ctx, const struct ph_glossary_match *m)
{
    (void)m;
    (*(size_t *)ctx)++;
    return false;
}

static void test_find_stops_early_and_refuses_bad_text(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    size_t calls = 0;
    const char *text = "免赔额、等待期、既往症";
    assert_int_equal(ph_glossary_find(g, text, strlen(text), stop_after_first, &calls), PH_GLOSSARY_OK);
    assert_int_equal(calls, 1);

    /* Malformed UTF-8 after a word: refused before any callback runs. */
    static const char bad[] = "免赔额\xE4\xB8";
    calls = 0;
    assert_int_equal(ph_glossary_find(g, bad, sizeof(bad) - 1, count_match, &calls), PH_GLOSSARY_BAD_INPUT);
    assert_int_equal(calls, 0);
    assert_int_equal(ph_glossary_find(g, NULL, 3, count_match, &calls), PH_GLOSSARY_BAD_INPUT);
    assert_int_equal(ph_glossary_find(g, NULL, 0, count_match, &calls), PH_GLOSSARY_OK);
    assert_int_equal(ph_glossary_find(NULL, "x", 1, count_match, &calls), PH_GLOSSARY_BAD_INPUT);
    assert_int_equal(calls, 0);

    size_t big = PH_GLOSSARY_MAX_TEXT_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, 'a', big);
    assert_int_equal(ph_glossary_find(g, huge, big, count_match, &calls), PH_GLOSSARY_TOO_LONG);
    assert_int_equal(ph_glossary_find(g, huge, big - 1, count_match, &calls), PH_GLOSSARY_OK);
    assert_int_equal(calls, 0);
    free(huge);
}

/* ---- explain at first use ---------------------------------------------- */

/* Joining the segments gives the text back; shapes are as documented. */
static void assert_segments_sane(const json_t *segments, const char *text)
{
    assert_true(json_is_array(segments));
    size_t len = strlen(text);
    size_t at = 0;
    size_t i;
    json_t *segment;
    bool previous_plain = false;
    json_array_foreach (segments, i, segment) {
        const json_t *plain = json_object_get(segment, "text");
        const json_t *term = json_object_get(segment, "term");
        assert_true((plain != NULL) != (term != NULL));
        const json_t *piece = plain != NULL ? plain : term;
        size_t n = json_string_length(piece);
        assert_true(n > 0);
        assert_true(at + n <= len);
        assert_memory_equal(text + at, json_string_value(piece), n);
        at += n;
        if (plain != NULL) {
            assert_false(previous_plain); /* neighbouring plain text is one segment */
            assert_int_equal(json_object_size(segment), 1);
        } else {
            assert_int_equal(json_object_size(segment), 3);
            assert_true(json_is_string(json_object_get(segment, "canonical")));
            assert_true(json_is_string(json_object_get(segment, "explain")));
        }
        previous_plain = plain != NULL;
    }
    assert_int_equal(at, len);
}

static json_t *annotate(const struct ph_glossary *g, struct ph_glossary_seen *seen, const char *text)
{
    json_t *out = NULL;
    assert_int_equal(ph_glossary_annotate(g, seen, text, strlen(text), &out), PH_GLOSSARY_OK);
    assert_segments_sane(out, text);
    return out;
}

static void assert_text_segment(const json_t *segments, size_t i, const char *text)
{
    const json_t *s = json_array_get(segments, i);
    assert_non_null(s);
    assert_string_equal(json_string_value(json_object_get(s, "text")), text);
}

static void assert_term_segment(const json_t *segments, size_t i, const char *term, const char *canonical)
{
    const json_t *s = json_array_get(segments, i);
    assert_non_null(s);
    assert_string_equal(json_string_value(json_object_get(s, "term")), term);
    assert_string_equal(json_string_value(json_object_get(s, "canonical")), canonical);
}

static void test_first_use_across_one_page(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    const struct ph_glossary_entry *waiting = ph_glossary_lookup(g, "等待期", strlen("等待期"));
    const struct ph_glossary_entry *deductible = ph_glossary_lookup(g, "免赔额", strlen("免赔额"));
    struct ph_glossary_seen seen;
    ph_glossary_seen_init(&seen, g);
    assert_false(ph_glossary_seen_has(&seen, waiting));

    /* First text of the page: the first 等待期 is explained, the second not. */
    json_t *a = annotate(g, &seen, "本产品等待期30天，等待期里生病不赔。");
    assert_int_equal(json_array_size(a), 3);
    assert_text_segment(a, 0, "本产品");
    assert_term_segment(a, 1, "等待期", "等待期");
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "explain")),
                        waiting->explain);
    assert_text_segment(a, 2, "30天，等待期里生病不赔。");
    assert_true(ph_glossary_seen_has(&seen, waiting));
    assert_false(ph_glossary_seen_has(&seen, deductible));
    json_decref(a);

    /* Second text: 免赔额 is new, 等待期 was explained above. */
    json_t *b = annotate(g, &seen, "免赔额1万元，过了等待期才赔。");
    assert_int_equal(json_array_size(b), 2);
    assert_term_segment(b, 0, "免赔额", "免赔额");
    assert_text_segment(b, 1, "1万元，过了等待期才赔。");
    json_decref(b);

    /* Third text: an alias of an explained word is not explained again. */
    json_t *c = annotate(g, &seen, "起付线就是免赔额。");
    assert_int_equal(json_array_size(c), 1);
    assert_text_segment(c, 0, "起付线就是免赔额。");
    json_decref(c);

    /* A new page starts over, and an alias shows as written. */
    ph_glossary_seen_init(&seen, g);
    json_t *d = annotate(g, &seen, "起付线是500元，免赔额也一样。");
    assert_int_equal(json_array_size(d), 2);
    assert_term_segment(d, 0, "起付线", "免赔额");
    assert_text_segment(d, 1, "是500元，免赔额也一样。");
    assert_true(ph_glossary_seen_has(&seen, deductible));
    json_decref(d);

    /* Two words side by side: two term segments, no empty text between. */
    ph_glossary_seen_init(&seen, g);
    json_t *e = annotate(g, &seen, "保费续保");
    assert_int_equal(json_array_size(e), 2);
    assert_term_segment(e, 0, "保费", "保费");
    assert_term_segment(e, 1, "续保", "续保");
    json_decref(e);
}

static void test_annotate_failure_changes_nothing(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    struct ph_glossary_seen seen;
    ph_glossary_seen_init(&seen, g);
    json_t *first = annotate(g, &seen, "等待期");
    json_decref(first);
    struct ph_glossary_seen before = seen;

    json_t *out = (json_t *)(uintptr_t)1;
    static const char bad[] = "免赔额\xFF";
    assert_int_equal(ph_glossary_annotate(g, &seen, bad, sizeof(bad) - 1, &out), PH_GLOSSARY_BAD_INPUT);
    assert_ptr_equal(out, (json_t *)(uintptr_t)1);
    assert_memory_equal(&seen, &before, sizeof(seen));

    struct ph_glossary *other = parse_ok("免赔额\t甲。\n");
    assert_int_equal(ph_glossary_annotate(other, &seen, "免赔额", strlen("免赔额"), &out),
                     PH_GLOSSARY_BAD_INPUT);
    assert_ptr_equal(out, (json_t *)(uintptr_t)1);
    assert_memory_equal(&seen, &before, sizeof(seen));
    ph_glossary_free(other);

    size_t big = PH_GLOSSARY_MAX_TEXT_BYTES + 1;
    char *huge = calloc(big, 1);
    assert_non_null(huge);
    assert_int_equal(ph_glossary_annotate(g, &seen, huge, big, &out), PH_GLOSSARY_TOO_LONG);
    assert_memory_equal(&seen, &before, sizeof(seen));
    free(huge);
}

static void test_hostile_text(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    struct ph_glossary_seen seen;
    ph_glossary_seen_init(&seen, g);

    json_t *empty = annotate(g, &seen, "");
    assert_int_equal(json_array_size(empty), 0);
    json_decref(empty);
    json_t *null_text = NULL;
    assert_int_equal(ph_glossary_annotate(g, &seen, NULL, 0, &null_text), PH_GLOSSARY_OK);
    assert_int_equal(json_array_size(null_text), 0);
    json_decref(null_text);

    static const char *const no_words[] = {"😀👍🏽 insurance deductible",
                                           "Only Latin letters. No words here.", "\t\n  ",
                                           "<script>alert(1)</script>"};
    for (size_t i = 0; i < COUNT(no_words); i++) {
        json_t *s = annotate(g, &seen, no_words[i]);
        assert_int_equal(json_array_size(s), 1);
        json_decref(s);
    }
    json_t *with_emoji = annotate(g, &seen, "😀免赔额😀");
    assert_int_equal(json_array_size(with_emoji), 3);
    assert_term_segment(with_emoji, 1, "免赔额", "免赔额");
    json_decref(with_emoji);

    /* An embedded NUL is text like any other. */
    static const char nul[] = "续保\0续保";
    json_t *segments = NULL;
    ph_glossary_seen_init(&seen, g);
    assert_int_equal(ph_glossary_annotate(g, &seen, nul, sizeof(nul) - 1, &segments), PH_GLOSSARY_OK);
    assert_int_equal(json_array_size(segments), 2);
    assert_int_equal(json_string_length(json_object_get(json_array_get(segments, 1), "text")),
                     1 + strlen("续保"));
    json_decref(segments);
}

static void test_100_kb_page(void **state)
{
    (void)state;
    const struct ph_glossary *g = default_glossary();
    static const char unit[] = "本产品的等待期是30天，免赔额是一万元，看病时可以直付。";
    size_t unit_len = sizeof(unit) - 1;
    size_t repeats = 100 * 1024 / unit_len + 1;
    char *text = malloc(repeats * unit_len + 1);
    assert_non_null(text);
    for (size_t i = 0; i < repeats; i++)
        memcpy(text + i * unit_len, unit, unit_len);
    text[repeats * unit_len] = '\0';

    size_t n = 0;
    assert_int_equal(ph_glossary_find(g, text, strlen(text), count_match, &n), PH_GLOSSARY_OK);
    assert_int_equal(n, 3 * repeats);

    struct ph_glossary_seen seen;
    ph_glossary_seen_init(&seen, g);
    json_t *segments = annotate(g, &seen, text);
    /* Three explained words, the plain text around them, then the rest of
     * the 100 KB as one plain segment. */
    assert_int_equal(json_array_size(segments), 7);
    assert_term_segment(segments, 1, "等待期", "等待期");
    assert_term_segment(segments, 3, "免赔额", "免赔额");
    assert_term_segment(segments, 5, "直付", "直付");
    json_decref(segments);
    free(text);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ph_glossary_status_name(PH_GLOSSARY_OK), "ok");
    assert_string_equal(ph_glossary_status_name(PH_GLOSSARY_BAD_DATA), "bad data");
    assert_string_equal(ph_glossary_status_name((enum ph_glossary_status)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_table_has_the_words),
        cmocka_unit_test(test_every_explanation_is_plain),
        cmocka_unit_test(test_lookup_is_exact),
        cmocka_unit_test(test_parse_accepts_the_format),
        cmocka_unit_test(test_parse_refuses_bad_data),
        cmocka_unit_test(test_parse_caps_the_entries),
        cmocka_unit_test(test_leftmost_longest),
        cmocka_unit_test(test_not_inside_other_words),
        cmocka_unit_test(test_aliases_and_exact_bytes),
        cmocka_unit_test(test_find_stops_early_and_refuses_bad_text),
        cmocka_unit_test(test_first_use_across_one_page),
        cmocka_unit_test(test_annotate_failure_changes_nothing),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_100_kb_page),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
