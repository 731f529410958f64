/*
 * tests/unit/test_text.c - i18n/text.h: UTF-8 well-formedness, length in
 * code points, control characters, Unicode trimming and Han detection.
 * Each table row gives exact bytes and a byte length, so embedded NULs and
 * truncated sequences are tested as such.
 */
#include "test_support.h"

#include "i18n/text.h"

/* A string literal as (bytes, length without the terminating NUL). */
#define BYTES(s)  s, sizeof(s) - 1
#define MALFORMED ((size_t)-1)

/* --- ph_text_is_valid_utf8 and ph_text_length_chars ---------------------- */

struct utf8_case {
    const char *label;
    const char *bytes;
    size_t len;
    bool valid;   /* ph_text_is_valid_utf8 */
    size_t chars; /* ph_text_length_chars; MALFORMED for (size_t)-1 */
};

static const struct utf8_case utf8_cases[] = {
    {"empty", BYTES(""), true, 0},
    {"ASCII", BYTES("Puhui 95500"), true, 11},
    {"CJK", BYTES("普惠保险"), true, 4},
    {"CJK mixed with ASCII", BYTES("A类产品"), true, 4},
    {"ideographic space", BYTES("\xE3\x80\x80"), true, 1},
    {"emoji is one code point", BYTES("\xF0\x9F\x98\x80"), true, 1},
    {"CJK extension B", BYTES("\xF0\xA0\x80\x80"), true, 1},
    {"embedded NUL is well-formed", BYTES("a\0b"), true, 3},
    {"U+FFFD replacement character", BYTES("\xEF\xBF\xBD"), true, 1},
    {"U+10FFFD last private use", BYTES("\xF4\x8F\xBF\xBD"), true, 1},
    /* Overlong encodings of '/' and of U+FFFF. */
    {"overlong 2-byte C0 AF", BYTES("\xC0\xAF"), false, MALFORMED},
    {"overlong 2-byte C1 BF", BYTES("\xC1\xBF"), false, MALFORMED},
    {"overlong 3-byte E0 80 AF", BYTES("\xE0\x80\xAF"), false, MALFORMED},
    {"overlong 4-byte F0 80 80 AF", BYTES("\xF0\x80\x80\xAF"), false, MALFORMED},
    /* UTF-16 surrogates encoded as UTF-8 (CESU-8). */
    {"surrogate ED A0 80", BYTES("\xED\xA0\x80"), false, MALFORMED},
    {"surrogate ED BF BF", BYTES("a\xED\xBF\xBF"), false, MALFORMED},
    /* Truncated and stray bytes. */
    {"truncated 3-byte", BYTES("\xE6\x99"), false, MALFORMED},
    {"truncated 4-byte after text", BYTES("ok\xF0\x9F\x98"), false, MALFORMED},
    {"lone continuation byte", BYTES("\x80"), false, MALFORMED},
    {"invalid byte FF", BYTES("a\xFF"), false, MALFORMED},
    {"5-byte form", BYTES("\xF8\x88\x80\x80\x80"), false, MALFORMED},
    {"beyond U+10FFFF", BYTES("\xF4\x90\x80\x80"), false, MALFORMED},
    /* Non-characters are well-formed, so they count, but are not valid text. */
    {"noncharacter U+FFFE", BYTES("\xEF\xBF\xBE"), false, 1},
    {"noncharacter U+FFFF", BYTES("x\xEF\xBF\xBF"), false, 2},
    {"noncharacter U+FDD0", BYTES("\xEF\xB7\x90"), false, 1},
    {"noncharacter U+1FFFE", BYTES("\xF0\x9F\xBF\xBE"), false, 1},
    {"noncharacter U+10FFFF", BYTES("\xF4\x8F\xBF\xBF"), false, 1},
};

static void test_utf8_validity_and_length(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
        const struct utf8_case *c = &utf8_cases[i];
        bool valid = ph_text_is_valid_utf8(c->bytes, c->len);
        if (valid != c->valid)
            fail_msg("%s: ph_text_is_valid_utf8 = %d, expected %d", c->label, valid, c->valid);
        size_t chars = ph_text_length_chars(c->bytes, c->len);
        if (chars != c->chars)
            fail_msg("%s: ph_text_length_chars = %zd, expected %zd", c->label, (ssize_t)chars,
                     (ssize_t)c->chars);
    }
}

/* The length argument is a hard limit: a sequence cut by it is malformed
 * even though the bytes after it would complete it. */
static void test_utf8_never_reads_past_length(void **state)
{
    (void)state;
    const char *text = "普惠"; /* E6 99 AE E6 83 A0 */
    assert_true(ph_text_is_valid_utf8(text, 6));
    assert_true(ph_text_is_valid_utf8(text, 3));
    assert_false(ph_text_is_valid_utf8(text, 4));
    assert_int_equal(ph_text_length_chars(text, 3), 1);
    assert_int_equal(ph_text_length_chars(text, 5), MALFORMED);
    assert_true(ph_text_has_control_chars(text, 2, false));
    assert_int_equal(ph_text_length_chars(text, 0), 0);
}

/* --- ph_text_has_control_chars ------------------------------------------- */

struct control_case {
    const char *label;
    const char *bytes;
    size_t len;
    bool allow_newlines;
    bool expected;
};

static const struct control_case control_cases[] = {
    {"plain ASCII", BYTES("hello world"), false, false},
    {"plain CJK", BYTES("普惠保险，人人可保。"), false, false},
    {"empty", BYTES(""), false, false},
    {"ideographic space is not control", BYTES("普惠\xE3\x80\x80保险"), false, false},
    {"BEL 0x07", BYTES("a\x07"), false, true},
    {"BEL 0x07 with newlines allowed", BYTES("a\x07"), true, true},
    {"DEL 0x7F",
     BYTES("a\x7F"
           "b"),
     true, true},
    {"NUL", BYTES("a\0b"), true, true},
    {"ESC", BYTES("\x1B[31m"), true, true},
    {"U+0085 next line (C1)",
     BYTES("a\xC2\x85"
           "b"),
     true, true},
    {"U+009B CSI (C1)", BYTES("\xC2\x9B"), false, true},
    {"U+2028 line separator",
     BYTES("a\xE2\x80\xA8"
           "b"),
     true, true},
    {"U+2029 paragraph separator",
     BYTES("a\xE2\x80\xA9"
           "b"),
     true, true},
    {"U+202A LRE", BYTES("\xE2\x80\xAA"), false, true},
    {"U+202E RLO bidi override",
     BYTES("abc\xE2\x80\xAE"
           "fdp.exe"),
     false, true},
    {"U+202E RLO with newlines allowed", BYTES("\xE2\x80\xAE"), true, true},
    {"U+2066 LRI", BYTES("\xE2\x81\xA6"), false, true},
    {"U+2069 PDI", BYTES("\xE2\x81\xA9"), false, true},
    {"newline refused in single-line text", BYTES("a\nb"), false, true},
    {"newline allowed in long text", BYTES("第一行\n第二行"), true, false},
    {"tab refused in single-line text", BYTES("a\tb"), false, true},
    {"tab allowed in long text", BYTES("a\tb"), true, false},
    {"carriage return is never allowed", BYTES("a\r\nb"), true, true},
    {"non-character U+FFFE", BYTES("a\xEF\xBF\xBE"), true, true},
    {"non-character U+FDD0", BYTES("\xEF\xB7\x90"), false, true},
    {"malformed counts as control", BYTES("a\xFF"), true, true},
    {"truncated counts as control", BYTES("\xE6\x99"), false, true},
};

static void test_control_chars(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof control_cases / sizeof control_cases[0]; i++) {
        const struct control_case *c = &control_cases[i];
        bool got = ph_text_has_control_chars(c->bytes, c->len, c->allow_newlines);
        if (got != c->expected)
            fail_msg("%s: ph_text_has_control_chars = %d, expected %d", c->label, got, c->expected);
    }
}

/* --- ph_text_trim_dup ----------------------------------------------------- */

struct trim_case {
    const char *label;
    const char *bytes;
    size_t len;
    const char *expected; /* NULL: the call returns NULL */
};

static const struct trim_case trim_cases[] = {
    {"nothing to trim", BYTES("普惠保险"), "普惠保险"},
    {"ASCII spaces", BYTES("  abc  "), "abc"},
    {"inner spaces kept", BYTES(" a  b "), "a  b"},
    {"tabs and newlines", BYTES("\t\n abc \r\n"), "abc"},
    {"ideographic space U+3000", BYTES("\xE3\x80\x80普惠\xE3\x80\x80"), "普惠"},
    {"ideographic space inside kept", BYTES("普\xE3\x80\x80惠"), "普\xE3\x80\x80惠"},
    {"no-break space U+00A0", BYTES("\xC2\xA0x\xC2\xA0"), "x"},
    {"all spaces become empty", BYTES("  \xE3\x80\x80 \t"), ""},
    {"empty stays empty", BYTES(""), ""},
    {"malformed input", BYTES(" a\xFF "), NULL},
    {"surrogate input", BYTES(" \xED\xA0\x80 "), NULL},
};

static void test_trim_dup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof trim_cases / sizeof trim_cases[0]; i++) {
        const struct trim_case *c = &trim_cases[i];
        size_t out_len = 12345;
        char *out = ph_text_trim_dup(c->bytes, c->len, &out_len);
        if (c->expected == NULL) {
            if (out != NULL) {
                free(out);
                fail_msg("%s: expected NULL", c->label);
            }
            continue;
        }
        if (out == NULL)
            fail_msg("%s: unexpected NULL", c->label);
        bool same = strcmp(out, c->expected) == 0 && out_len == strlen(c->expected);
        if (!same) {
            fail_msg("%s: got \"%s\" (%zu bytes), expected \"%s\"", c->label, out, out_len, c->expected);
        }
        free(out);
    }
}

static void test_trim_dup_length_is_optional(void **state)
{
    (void)state;
    char *out = ph_text_trim_dup(BYTES(" x "), NULL);
    assert_non_null(out);
    assert_string_equal(out, "x");
    free(out);
}

/* --- ph_text_has_han ------------------------------------------------------ */

struct han_case {
    const char *label;
    const char *bytes;
    size_t len;
    bool expected;
};

static const struct han_case han_cases[] = {
    {"Chinese", BYTES("普惠保险"), true},
    {"one Han among ASCII", BYTES("Plan A 款"), true},
    {"CJK extension B", BYTES("\xF0\xA0\x80\x80"), true},
    {"ideographic number zero U+3007", BYTES("\xE3\x80\x87"), true},
    {"ASCII only", BYTES("Inclusive insurance for everyone"), false},
    {"empty", BYTES(""), false},
    {"katakana", BYTES("ホケン"), false},
    {"hangul", BYTES("보험"), false},
    {"CJK punctuation only", BYTES("，。「」"), false},
    {"fullwidth digits", BYTES("１２３"), false},
    {"Han after the length limit", "abc普", 3, false},
};

static void test_has_han(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof han_cases / sizeof han_cases[0]; i++) {
        const struct han_case *c = &han_cases[i];
        bool got = ph_text_has_han(c->bytes, c->len);
        if (got != c->expected)
            fail_msg("%s: ph_text_has_han = %d, expected %d", c->label, got, c->expected);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validity_and_length),
        cmocka_unit_test(test_utf8_never_reads_past_length),
        cmocka_unit_test(test_control_chars),
        cmocka_unit_test(test_trim_dup),
        cmocka_unit_test(test_trim_dup_length_is_optional),
        cmocka_unit_test(test_has_han),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
