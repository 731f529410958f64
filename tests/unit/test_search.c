/*
 * tests/unit/test_search.c - registry/search.h (issue 3): the "puhui"
 * tokenizer (ph_search_tokenize, without FTS5), highlight() marking
 * exactly the matched characters of mixed Chinese and Latin text, query
 * handling through ph_search_products (hostile input, synonyms, ages,
 * places, relaxation, paging bounds), and the index following every
 * product write in the same transaction.
 *
 * The search tests run on a fresh temporary registry (test_db_setup) with
 * one insurer whose solvency is adequate and a handful of products whose
 * texts are chosen so that each assertion can fail: a product that must
 * not be found is always there to be wrongly found.
 */
#include "test_support.h"

#include <sqlite3.h>
#include <unicode/utf8.h>

#include "registry/rules.h"
#include "registry/search.h"
#include "registry/search_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Table-driven tests report every failing case, then fail once. */
static int case_failures;
#define CASE_FAIL(...)                                                                                       \
    do {                                                                                                     \
        print_error(__VA_ARGS__);                                                                            \
        print_error("\n");                                                                                   \
        case_failures++;                                                                                     \
    } while (0)

static void cases_done(void)
{
    int n = case_failures;
    case_failures = 0;
    if (n > 0)
        fail_msg("%d case(s) failed", n);
}

/* A string literal as (bytes, length without the terminating NUL). */
#define BYTES(s) s, (int)(sizeof(s) - 1)

/* ========================================================================
 * 1. The tokenizer
 * ===================================================================== */

#define TOKENS_MAX 512

struct token {
    int flags;
    char text[96];
    int len;
    int start;
    int end;
};

struct collected {
    struct token tokens[TOKENS_MAX];
    int count;
    int stop_after; /* > 0: answer SQLITE_NOMEM to the call after this many tokens */
    int calls;
};

static int collect(void *ctx, int flags, const char *text, int len, int start, int end)
{
    struct collected *c = ctx;
    c->calls++;
    if (c->stop_after > 0 && c->count >= c->stop_after)
        return SQLITE_NOMEM;
    if (c->count >= TOKENS_MAX)
        fail_msg("more than %d tokens", TOKENS_MAX);
    if (len < 0 || (size_t)len >= sizeof c->tokens[0].text)
        fail_msg("token of %d bytes", len);
    struct token *t = &c->tokens[c->count++];
    t->flags = flags;
    memcpy(t->text, text, (size_t)len);
    t->text[len] = '\0';
    t->len = len;
    t->start = start;
    t->end = end;
    return SQLITE_OK;
}

static void tokenize(int flags, const char *text, int len, struct collected *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(ph_search_tokenize(out, flags, text, len, collect), SQLITE_OK);
}

/* Expected tokens: flags 1 = colocated. */
struct want_token {
    int colocated;
    const char *text;
    int start;
    int end;
};

#define END_TOKENS {0, NULL, 0, 0}
#define IDX  0
#define QRY  FTS5_TOKENIZE_QUERY
#define DOC  FTS5_TOKENIZE_DOCUMENT

struct tokenize_case {
    const char *label;
    int flags;
    const char *in;
    int in_len;
    struct want_token want[24];
};

static const struct tokenize_case tokenize_cases[] = {
    {"意外险 indexed: characters with colocated pinyin and initials",
     DOC,
     BYTES("意外险"),
     {{0, "意", 0, 3},
      {1, "yi", 0, 3},
      {1, "y", 0, 3},
      {0, "外", 3, 6},
      {1, "wai", 3, 6},
      {1, "w", 3, 6},
      {0, "险", 6, 9},
      {1, "xian", 6, 9},
      {1, "x", 6, 9},
      END_TOKENS}},
    {"意外险 at query time: characters only",
     QRY,
     BYTES("意外险"),
     {{0, "意", 0, 3}, {0, "外", 3, 6}, {0, "险", 6, 9}, END_TOKENS}},
    {"traditional 醫療 -> 医 疗, offsets into the original",
     QRY,
     BYTES("醫療"),
     {{0, "医", 0, 3}, {0, "疗", 3, 6}, END_TOKENS}},
    {"traditional 醫療 indexed: pinyin of the simplified form",
     DOC,
     BYTES("醫療"),
     {{0, "医", 0, 3}, {1, "yi", 0, 3}, {1, "y", 0, 3}, {0, "疗", 3, 6}, {1, "liao", 3, 6}, {1, "l", 3, 6},
      END_TOKENS}},
    {"traditional after Latin keeps byte offsets",
     QRY,
     BYTES("Ab保險"),
     {{0, "ab", 0, 2}, {0, "保", 2, 5}, {0, "险", 5, 8}, END_TOKENS}},
    {"full-width ＡＢＣ１２３ is one word", QRY, BYTES("ＡＢＣ１２３"), {{0, "abc123", 0, 18}, END_TOKENS}},
    {"full-width indexed: no pinyin for Latin", DOC, BYTES("ＡＢＣ１２３"), {{0, "abc123", 0, 18}, END_TOKENS}},
    {"mixed AB保险C",
     QRY,
     BYTES("AB保险C"),
     {{0, "ab", 0, 2}, {0, "保", 2, 5}, {0, "险", 5, 8}, {0, "c", 8, 9}, END_TOKENS}},
    {"mixed AB保险C indexed",
     DOC,
     BYTES("AB保险C"),
     {{0, "ab", 0, 2},
      {0, "保", 2, 5},
      {1, "bao", 2, 5},
      {1, "b", 2, 5},
      {0, "险", 5, 8},
      {1, "xian", 5, 8},
      {1, "x", 5, 8},
      {0, "c", 8, 9},
      END_TOKENS}},
    {"ASCII punctuation splits words", QRY, BYTES("a,b.c-d"),
     {{0, "a", 0, 1}, {0, "b", 2, 3}, {0, "c", 4, 5}, {0, "d", 6, 7}, END_TOKENS}},
    {"emoji splits words", QRY, BYTES("ab😀cd"), {{0, "ab", 0, 2}, {0, "cd", 6, 8}, END_TOKENS}},
    {"Chinese punctuation and ideographic space split", QRY, BYTES("保，险。x\xE3\x80\x80y"),
     {{0, "保", 0, 3}, {0, "险", 6, 9}, {0, "x", 12, 13}, {0, "y", 16, 17}, END_TOKENS}},
    {"operators and quotes are not tokens", QRY, BYTES("\"a\" OR b* ^c NEAR(d)"),
     {{0, "a", 1, 2}, {0, "or", 4, 6}, {0, "b", 7, 8}, {0, "c", 11, 12}, {0, "near", 13, 17},
      {0, "d", 18, 19}, END_TOKENS}},
    {"digits and letters form one word", QRY, BYTES("Plus2026版"),
     {{0, "plus2026", 0, 8}, {0, "版", 8, 11}, END_TOKENS}},
    {"case folding that expands (ß -> ss)", QRY, BYTES("Straße"), {{0, "strasse", 0, 7}, END_TOKENS}},
    {"zero-width joiner neither joins nor splits", QRY, BYTES("a\xE2\x80\x8D" "b"),
     {{0, "ab", 0, 5}, END_TOKENS}},
    {"decomposed é joins its word and its accent is folded away", QRY, BYTES("Cafe\xCC\x81s"),
     {{0, "cafes", 0, 7}, END_TOKENS}},
    {"precomposed é folds to e", QRY, BYTES("Caf\xC3\xA9s"), {{0, "cafes", 0, 6}, END_TOKENS}},
    {"empty text", QRY, BYTES(""), {END_TOKENS}},
    {"only spaces", QRY, BYTES("   \t\n"), {END_TOKENS}},
    {"invalid byte between letters", QRY, BYTES("x\xFFy"), {{0, "x", 0, 1}, {0, "y", 2, 3}, END_TOKENS}},
    {"truncated sequence at the end", QRY, BYTES("意\xE5\xA4"), {{0, "意", 0, 3}, END_TOKENS}},
    {"surrogate encoded as bytes", QRY, BYTES("a\xED\xA0\x80" "b"), {{0, "a", 0, 1}, {0, "b", 4, 5}, END_TOKENS}},
};

static void test_tokenize_exact(void **state)
{
    (void)state;
    static struct collected got;
    for (size_t k = 0; k < COUNT(tokenize_cases); k++) {
        const struct tokenize_case *c = &tokenize_cases[k];
        tokenize(c->flags, c->in, c->in_len, &got);
        int n = 0;
        while (c->want[n].text != NULL)
            n++;
        for (int i = 0; i < n || i < got.count; i++) {
            const struct want_token *w = i < n ? &c->want[i] : NULL;
            const struct token *g = i < got.count ? &got.tokens[i] : NULL;
            bool same = w != NULL && g != NULL && strcmp(w->text, g->text) == 0 &&
                        (g->flags & FTS5_TOKEN_COLOCATED ? 1 : 0) == w->colocated && g->start == w->start &&
                        g->end == w->end;
            if (!same) {
                CASE_FAIL("%s: token %d: expected %s'%s' %d-%d, got %s'%s' %d-%d (%d tokens, %d expected)",
                         c->label, i, w && w->colocated ? "+" : "", w ? w->text : "(none)", w ? w->start : -1,
                         w ? w->end : -1, g && (g->flags & FTS5_TOKEN_COLOCATED) ? "+" : "",
                         g ? g->text : "(none)", g ? g->start : -1, g ? g->end : -1, got.count, n);
                break;
            }
        }
    }
    cases_done();
}

/* Polyphonic characters: every reading and initial, colocated, same offsets. */
struct polyphone_case {
    const char *character;
    const char *readings[4];
    const char *initials[4];
};

static const struct polyphone_case polyphone_cases[] = {
    {"行", {"xing", "hang", NULL}, {"x", "h", NULL}},
    {"重", {"zhong", "chong", NULL}, {"z", "c", NULL}},
    {"长", {"chang", "zhang", NULL}, {"c", "z", NULL}},
    {"乐", {"le", "yue", NULL}, {"l", "y", NULL}},
    {"銀行", {"hang", "xing", NULL}, {"h", "x", NULL}}, /* 银 then 行: checked on the second character */
};

static bool has_colocated(const struct collected *got, int from, int to, const char *text, int start, int end)
{
    for (int i = from; i < to; i++) {
        const struct token *t = &got->tokens[i];
        if ((t->flags & FTS5_TOKEN_COLOCATED) && strcmp(t->text, text) == 0 && t->start == start &&
            t->end == end)
            return true;
    }
    return false;
}

static void test_tokenize_polyphonic(void **state)
{
    (void)state;
    static struct collected got;
    for (size_t k = 0; k < COUNT(polyphone_cases); k++) {
        const struct polyphone_case *c = &polyphone_cases[k];
        tokenize(DOC, c->character, (int)strlen(c->character), &got);
        /* The last character's group: its non-colocated token and what follows. */
        int first = -1;
        for (int i = 0; i < got.count; i++)
            if ((got.tokens[i].flags & FTS5_TOKEN_COLOCATED) == 0)
                first = i;
        if (first < 0)
            fail_msg("%s: no character token", c->character);
        const struct token *ch = &got.tokens[first];
        int start = ch->start;
        int end = ch->end;
        assert_int_equal(end, (int)strlen(c->character));
        assert_int_equal(end - start, 3);
        for (int r = 0; c->readings[r] != NULL; r++)
            if (!has_colocated(&got, first + 1, got.count, c->readings[r], start, end))
                fail_msg("%s: reading %s not colocated", c->character, c->readings[r]);
        for (int r = 0; c->initials[r] != NULL; r++)
            if (!has_colocated(&got, first + 1, got.count, c->initials[r], start, end))
                fail_msg("%s: initial %s not colocated", c->character, c->initials[r]);
        /* No colocated token twice. */
        for (int i = first + 1; i < got.count; i++)
            for (int j = i + 1; j < got.count; j++)
                if (strcmp(got.tokens[i].text, got.tokens[j].text) == 0)
                    fail_msg("%s: %s emitted twice", c->character, got.tokens[i].text);
        /* Query mode: the character alone. */
        tokenize(QRY, c->character, (int)strlen(c->character), &got);
        for (int i = 0; i < got.count; i++)
            assert_int_equal(got.tokens[i].flags & FTS5_TOKEN_COLOCATED, 0);
    }
}

static bool valid_utf8(const char *s, int len)
{
    int i = 0;
    while (i < len) {
        UChar32 c;
        U8_NEXT((const uint8_t *)s, i, len, c);
        if (c < 0)
            return false;
    }
    return true;
}

/* Malformed input: never a crash, never a token holding a malformed byte,
 * offsets inside the text and in order. */
struct malformed_case {
    const char *label;
    const char *in;
    int in_len;
    int min_tokens; /* the well-formed parts must still come through */
};

static const struct malformed_case malformed_cases[] = {
    {"lone 0xFF", BYTES("\xFF"), 0},
    {"lone continuation bytes", BYTES("\x80\x80\xBF"), 0},
    {"overlong slash", BYTES("a\xC0\xAF" "b"), 2},
    {"overlong NUL", BYTES("\xC0\x80意"), 1},
    {"high surrogate as bytes", BYTES("\xED\xA0\x80"), 0},
    {"low surrogate as bytes", BYTES("x\xED\xB0\x80y"), 2},
    {"surrogate pair as bytes (CESU-8)", BYTES("\xED\xA0\xBD\xED\xB8\x80"), 0},
    {"beyond U+10FFFF", BYTES("\xF4\x90\x80\x80z"), 1},
    {"5-byte form", BYTES("\xF8\x88\x80\x80\x80z"), 1},
    {"truncated 4-byte at end", BYTES("ab\xF0\x9F\x98"), 1},
    {"truncated 3-byte inside a Han run", BYTES("保\xE9\x99险"), 2},
    {"lead byte then ASCII", BYTES("\xE4" "abc"), 1},
    {"embedded NUL", BYTES("a\0b"), 2},
    {"noncharacter U+FFFE", BYTES("a\xEF\xBF\xBE" "b"), 2},
};

static void check_tokens_sane(const char *label, const char *in, int in_len, const struct collected *got)
{
    for (int i = 0; i < got->count; i++) {
        const struct token *t = &got->tokens[i];
        if (t->len <= 0 || !valid_utf8(t->text, t->len))
            fail_msg("%s: token %d is not well-formed UTF-8 (%d bytes)", label, i, t->len);
        if (memchr(t->text, '\0', (size_t)t->len) != NULL)
            fail_msg("%s: token %d holds a NUL", label, i);
        if (t->start < 0 || t->end > in_len || t->start >= t->end)
            fail_msg("%s: token %d offsets %d-%d outside 0-%d", label, i, t->start, t->end, in_len);
        if (!valid_utf8(in + t->start, t->end - t->start))
            fail_msg("%s: token %d (%s) covers malformed bytes %d-%d", label, i, t->text, t->start, t->end);
        if (i > 0 && (t->flags & FTS5_TOKEN_COLOCATED) == 0 && t->start < got->tokens[i - 1].start)
            fail_msg("%s: token %d goes backwards", label, i);
    }
}

static void test_tokenize_malformed(void **state)
{
    (void)state;
    static struct collected got;
    for (size_t k = 0; k < COUNT(malformed_cases); k++) {
        const struct malformed_case *c = &malformed_cases[k];
        for (int mode = 0; mode < 2; mode++) {
            tokenize(mode == 0 ? DOC : QRY, c->in, c->in_len, &got);
            check_tokens_sane(c->label, c->in, c->in_len, &got);
            int words = 0;
            for (int i = 0; i < got.count; i++)
                words += (got.tokens[i].flags & FTS5_TOKEN_COLOCATED) == 0;
            if (words < c->min_tokens)
                fail_msg("%s: %d tokens, expected at least %d", c->label, words, c->min_tokens);
        }
    }
    /* Every byte value in every position of a short text. */
    for (int b = 0; b < 256; b++) {
        char text[8] = {'a', (char)b, '\xE6', '\x84', (char)b, '\x8F', (char)b, 'z'};
        tokenize(DOC, text, (int)sizeof text, &got);
        check_tokens_sane("byte sweep", text, (int)sizeof text, &got);
    }
}

/* Long Latin runs are cut into words of at most 64 bytes, covering every
 * letter once, in order, without gaps. */
static void test_tokenize_long_words(void **state)
{
    (void)state;
    static struct collected got;
    static const int lengths[] = {1, 60, 61, 63, 64, 65, 70, 128, 200};
    for (size_t k = 0; k < COUNT(lengths); k++) {
        char text[256];
        for (int i = 0; i < lengths[k]; i++)
            text[i] = (char)('a' + i % 26);
        tokenize(QRY, text, lengths[k], &got);
        int covered = 0;
        for (int i = 0; i < got.count; i++) {
            const struct token *t = &got.tokens[i];
            if (t->len > 64)
                fail_msg("%d letters: word %d has %d bytes", lengths[k], i, t->len);
            assert_int_equal(t->start, covered);
            assert_int_equal(t->end - t->start, t->len);
            assert_memory_equal(t->text, text + t->start, (size_t)t->len);
            covered = t->end;
        }
        assert_int_equal(covered, lengths[k]);
        if (lengths[k] <= 60)
            assert_int_equal(got.count, 1);
        if (lengths[k] > 64)
            assert_true(got.count >= 2);
    }
    /* Full-width letters: 3 bytes in, 1 byte out; still at most 64 out. */
    char wide[3 * 70 + 1];
    for (int i = 0; i < 70; i++)
        memcpy(wide + 3 * i, "\xEF\xBD\x81", 3); /* ａ */
    tokenize(QRY, wide, 3 * 70, &got);
    int letters = 0;
    for (int i = 0; i < got.count; i++) {
        assert_true(got.tokens[i].len <= 64);
        letters += got.tokens[i].len;
    }
    assert_int_equal(letters, 70);
    assert_int_equal(got.tokens[got.count - 1].end, 3 * 70);
}

/* An error from FTS5's callback stops the tokenizer and is returned. */
static void test_tokenize_stops_on_error(void **state)
{
    (void)state;
    static const int stops[] = {1, 2, 3, 5, 8, 9, 10, 11}; /* 9: the word abc; 10: 医 */
    static struct collected got;
    for (size_t k = 0; k < COUNT(stops); k++) {
        memset(&got, 0, sizeof got);
        got.stop_after = stops[k];
        int rc = ph_search_tokenize(&got, DOC, BYTES("意外险 abc 醫療"), collect);
        assert_int_equal(rc, SQLITE_NOMEM);
        assert_int_equal(got.count, stops[k]);
        assert_int_equal(got.calls, stops[k] + 1);
    }
}

/* ========================================================================
 * A registry with products to search
 * ===================================================================== */

struct world {
    struct test_db *t;
    int64_t insurer;
};

/* The index holds exactly one row per product, and agrees with itself. */
static void assert_index_consistent(struct ph_registry *reg)
{
    int64_t products = test_sql_int(reg, "SELECT COUNT(*) FROM products");
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM product_search"), products);
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM product_filters"), products);
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM products p WHERE NOT EXISTS"
                                       " (SELECT 1 FROM product_search s WHERE s.rowid = p.id)"),
                     0);
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM products p JOIN product_versions v"
                                       " ON v.product_id = p.id AND v.version = p.latest_version"
                                       " JOIN product_search s ON s.rowid = p.id"
                                       " WHERE s.name IS NOT json_extract(v.body, '$.name')"),
                     0);
    char *error = NULL;
    int rc = sqlite3_exec(reg->db, "INSERT INTO product_search(product_search) VALUES('integrity-check')", NULL,
                          NULL, &error);
    if (rc != SQLITE_OK) {
        char copy[256];
        snprintf(copy, sizeof copy, "%s", error ? error : "?");
        sqlite3_free(error);
        fail_msg("FTS5 integrity-check: %s", copy);
    }
}

static int64_t add_insurer(struct world *w, int n)
{
    int64_t id = test_add_adequate_insurer(w->t, n);
    assert_registry_sane(w->t->reg, w->t->events);
    return id;
}

/* A valid body whose texts say only what is given (the default body's
 * summary says 普惠医疗, a synonym of 惠民保; it is replaced). */
struct product_spec {
    const char *name;
    const char *summary;
    const char *category;
    const char *regions; /* JSON array */
    int age_min;
    int age_max;
    const char *groups; /* JSON array */
};

static json_t *spec_body(const struct product_spec *s)
{
    json_t *body = test_product_body();
    test_json_set_path(body, "name", json_string(s->name));
    test_json_set_path(body, "summary", json_string(s->summary));
    test_json_set_path(body, "category", json_string(s->category));
    test_json_set_path(body, "regions", test_json(s->regions));
    test_json_set_path(body, "age_min", json_integer(s->age_min));
    test_json_set_path(body, "age_max", json_integer(s->age_max));
    test_json_set_path(body, "target_groups", test_json(s->groups));
    test_json_set_path(body, "covered", test_json("[\"住院费用\", \"门诊费用\"]"));
    test_json_set_path(body, "not_covered", test_json("[\"美容整形\", \"故意自伤\"]"));
    return body;
}

static void register_spec(struct world *w, const struct product_spec *s, char regno[16])
{
    json_t *body = spec_body(s);
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_product_register(w->t->reg, w->insurer, body, &out, &problems);
    if (st != PH_OK)
        fail_msg("register %s: %s at %s (%s)", s->name, ph_problems_first_code(&problems),
                 ph_problems_first_field(&problems), ph_problems_first_message(&problems));
    snprintf(regno, 16, "%s", json_string_value(json_object_get(out, "registration_no")));
    json_decref(out);
    json_decref(body);
    ph_problems_release(&problems);
    w->t->events++;
    assert_registry_sane(w->t->reg, w->t->events);
    assert_index_consistent(w->t->reg);
}

/* The products every search test starts from. */
enum {
    P_ABC,      /* ABC意外险Plus版: Latin and Chinese */
    P_HTML,     /* a name with markup characters */
    P_CITY,     /* says only 城市定制型商业医疗保险 */
    P_CHILD,    /* ages 3-17, Beijing only */
    P_ELDER,    /* ages 60-85, Zhejiang */
    P_WIDE,     /* full-width Latin, traditional characters, an accented letter */
    P_DEFAULT,  /* test_product_body() as it is: 0-100, 330000 + 110105 */
    P_COUNT
};

static const struct product_spec specs[P_COUNT] = {
    [P_ABC] = {"ABC意外险Plus版", "Plus版意外险，ABC会员骑车摔伤也能赔，Plus会员多赔一成。", "accident",
               "[\"000000\"]", 18, 65, "[\"new_citizens\"]"},
    [P_HTML] = {"<b>&\"安心\"意外险</b>", "名字里有尖括号<和>，还有&符号。", "accident", "[\"000000\"]", 18, 60, "[\"new_citizens\"]"},
    [P_CITY] = {"西湖城市定制型商业医疗保险", "西湖区居民都能参加的城市定制型商业医疗保险，不限年龄。", "medical",
                "[\"330100\"]", 0, 100, "[\"low_income\"]"},
    [P_CHILD] = {"少儿学平险", "给中小学生的保障，上学路上摔伤也能赔。", "accident", "[\"110000\"]", 3, 17, "[\"women_children\"]"},
    [P_WIDE] = {"ＸＹＺ醫療保險", "Café会员专享，繁體字醫療說明，Cafe\xCC\x81也可以。", "medical", "[\"110000\"]", 30, 40,
                "[\"new_citizens\"]"},
    [P_ELDER] = {"银龄安康意外险", "给老年人的意外保障，摔了一跤骨折也能赔。", "accident", "[\"330000\"]", 60, 85, "[\"elderly\"]"},
};

static int world_setup(void **state)
{
    if (test_db_setup(state) != 0)
        return -1;
    return 0;
}

static struct world make_world(void **state, char regnos[P_COUNT][16])
{
    struct world w = {.t = *state, .insurer = 0};
    w.insurer = add_insurer(&w, 1);
    for (int p = 0; p < P_COUNT; p++) {
        if (p == P_DEFAULT) {
            json_t *body = test_product_body();
            json_t *out = NULL;
            struct ph_problems problems;
            ph_problems_init(&problems);
            assert_int_equal(ph_product_register(w.t->reg, w.insurer, body, &out, &problems), PH_OK);
            snprintf(regnos[p], 16, "%s", json_string_value(json_object_get(out, "registration_no")));
            json_decref(out);
            json_decref(body);
            ph_problems_release(&problems);
            w.t->events++;
            assert_index_consistent(w.t->reg);
        } else {
            register_spec(&w, &specs[p], regnos[p]);
        }
    }
    return w;
}

/* Runs a search with the given text (and otherwise default query);
 * fails the test unless PH_OK with a well-formed answer. */
static json_t *search_q(struct ph_registry *reg, const char *text, const struct ph_search_query *base)
{
    struct ph_search_query query;
    if (base != NULL)
        query = *base;
    else
        ph_search_query_init(&query);
    query.text = text;
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_search_products(reg, &query, &out, &problems);
    if (st != PH_OK)
        fail_msg("search [%.60s]: status %d, %s: %s", text ? text : "(null)", st, ph_problems_first_code(&problems),
                 ph_problems_first_message(&problems));
    assert_int_equal(ph_problems_count(&problems), 0);
    ph_problems_release(&problems);
    if (!json_is_object(out))
        fail_msg("search [%.60s]: not an object", text ? text : "(null)");
    json_t *total = json_object_get(out, "total");
    if (!json_is_integer(total) || json_integer_value(total) < 0)
        fail_msg("search [%.60s]: total missing or negative", text ? text : "(null)");
    json_t *items = json_object_get(out, "items");
    assert_true(json_is_array(items));
    assert_true(json_array_size(items) <= (size_t)json_integer_value(total));
    assert_true(json_is_object(json_object_get(out, "facets")));
    assert_true(json_is_object(json_object_get(out, "understood")));
    return out;
}

static json_t *find_item(json_t *result, const char *regno)
{
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(result, "items"), i, item) {
        const char *r = json_string_value(json_object_get(item, "registration_no"));
        if (r != NULL && strcmp(r, regno) == 0)
            return item;
    }
    return NULL;
}

static char *dump(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* ========================================================================
 * 2. Highlights
 * ===================================================================== */

struct highlight_case {
    const char *q;
    int product;
    const char *field;
    const char *want; /* exact highlight; NULL: the field must not be highlighted */
};

static const struct highlight_case highlight_cases[] = {
    {"意外", P_ABC, "name", "ABC<mark>意外</mark>险Plus版"},
    {"abc", P_ABC, "name", "<mark>ABC</mark>意外险Plus版"},
    {"ABC", P_ABC, "name", "<mark>ABC</mark>意外险Plus版"},
    {"ＡＢＣ", P_ABC, "name", "<mark>ABC</mark>意外险Plus版"},
    {"plus", P_ABC, "name", "ABC意外险<mark>Plus</mark>版"},
    {"yiwai", P_ABC, "name", "ABC<mark>意外</mark>险Plus版"},
    /* Two terms: two phrases, two marks side by side (not merged). */
    {"yi wai", P_ABC, "name", "ABC<mark>意</mark><mark>外</mark>险Plus版"},
    {"意 外", P_ABC, "name", "ABC<mark>意</mark><mark>外</mark>险Plus版"},
    {"ywx", P_ABC, "name", "ABC<mark>意外险</mark>Plus版"},
    {"yiwaixian", P_ABC, "name", "ABC<mark>意外险</mark>Plus版"},
    {"意外險", P_ABC, "name", "ABC<mark>意外险</mark>Plus版"},
    {"險", P_ABC, "name", "ABC意外<mark>险</mark>Plus版"},
    {"版", P_ABC, "name", "ABC意外险Plus<mark>版</mark>"},
    {"abc 版", P_ABC, "name", "<mark>ABC</mark>意外险Plus<mark>版</mark>"},
    {"骑车摔伤", P_ABC, "summary", "Plus版意外险，ABC会员<mark>骑车摔伤</mark>也能赔，Plus会员多赔一成。"},
    {"plus 会员", P_ABC, "summary",
     "<mark>Plus</mark>版意外险，ABC<mark>会员</mark>骑车摔伤也能赔，<mark>Plus</mark><mark>会员</mark>多赔一成。"},
    {"安心", P_HTML, "name", "&lt;b&gt;&amp;&quot;<mark>安心</mark>&quot;意外险&lt;/b&gt;"},
    {"anxin", P_HTML, "name", "&lt;b&gt;&amp;&quot;<mark>安心</mark>&quot;意外险&lt;/b&gt;"},
    {"b", P_HTML, "name", "&lt;<mark>b</mark>&gt;&amp;&quot;安心&quot;意外险&lt;/<mark>b</mark>&gt;"},
    {"尖括号", P_HTML, "summary", "名字里有<mark>尖括号</mark>&lt;和&gt;，还有&amp;符号。"},
    {"尖括号", P_HTML, "name", NULL},
    {"xyz", P_WIDE, "name", "<mark>ＸＹＺ</mark>醫療保險"},
    {"ＸＹＺ", P_WIDE, "name", "<mark>ＸＹＺ</mark>醫療保險"},
    {"医疗", P_WIDE, "name", "ＸＹＺ<mark>醫療</mark>保險"},
    {"醫療", P_WIDE, "name", "ＸＹＺ<mark>醫療</mark>保險"},
    {"yiliao", P_WIDE, "name", "ＸＹＺ<mark>醫療</mark>保險"},
    {"yl", P_WIDE, "name", "ＸＹＺ<mark>醫療</mark>保險"},
    {"xyz保险", P_WIDE, "name", "<mark>ＸＹＺ</mark>醫療<mark>保險</mark>"},
    {"说明", P_WIDE, "summary", "Café会员专享，繁體字醫療<mark>說明</mark>，Cafe\xCC\x81也可以。"},
    {"Cafe\xCC\x81", P_WIDE, "summary", "<mark>Café</mark>会员专享，繁體字醫療說明，<mark>Cafe\xCC\x81</mark>也可以。"},
    {"cafe", P_WIDE, "summary", "<mark>Café</mark>会员专享，繁體字醫療說明，<mark>Cafe\xCC\x81</mark>也可以。"},
    {"café", P_WIDE, "summary", "<mark>Café</mark>会员专享，繁體字醫療說明，<mark>Cafe\xCC\x81</mark>也可以。"},
};

static void test_highlights(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    for (size_t k = 0; k < COUNT(highlight_cases); k++) {
        const struct highlight_case *c = &highlight_cases[k];
        json_t *result = search_q(w.t->reg, c->q, NULL);
        json_t *item = find_item(result, regnos[c->product]);
        if (item == NULL) {
            char *all = dump(json_object_get(result, "understood"));
            CASE_FAIL("q=%s: product %d not found; understood %s", c->q, c->product, all);
            free(all);
            json_decref(result);
            continue;
        }
        json_t *highlights = json_object_get(item, "highlights");
        const char *got = json_string_value(json_object_get(highlights, c->field));
        if (c->want == NULL ? got != NULL : got == NULL || strcmp(got, c->want) != 0) {
            char *expr = dump(json_object_get(json_object_get(result, "understood"), "fts_expression"));
            CASE_FAIL("q=%s %s: expected %s, got %s (expression %s)", c->q, c->field, c->want ? c->want : "none",
                      got ? got : "none", expr);
            free(expr);
        }
        json_decref(result);
    }
    cases_done();
}

/* ========================================================================
 * 3. Query handling
 * ===================================================================== */

static void test_hostile_queries(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    static char noise[2001];
    static char valid_noise[3 * 2000 + 1];
    uint32_t seed = 12345;
    for (int i = 0; i < 2000; i++) {
        seed = seed * 1103515245u + 12345u;
        noise[i] = (char)(1 + (seed >> 16) % 255); /* any byte but NUL */
    }
    noise[2000] = '\0';
    static const char *const pieces[] = {"\"", "*", "^", "(", ")", ":", "意", "外", " ", "OR", "NEAR", "-",
                                         "+", "'", ";", "{", "}", "😀", "ａ", "岁"};
    size_t used = 0;
    for (int i = 0; i < 2000; i++) {
        seed = seed * 1103515245u + 12345u;
        const char *p = pieces[(seed >> 16) % COUNT(pieces)];
        size_t n = strlen(p);
        if (used + n >= sizeof valid_noise)
            break;
        memcpy(valid_noise + used, p, n);
        used += n;
    }
    valid_noise[used] = '\0';
    static char long_pinyin[12 * 70 + 1];
    used = 0;
    for (int i = 0; i < 12; i++) {
        const char *word = "zhuangzhuangzhuangzhuangzhuangzhuangzhuangzhuangzhuangzhuangzhuang";
        size_t n = strlen(word) - (size_t)i;
        memcpy(long_pinyin + used, word, n);
        used += n;
        long_pinyin[used++] = ' ';
    }
    long_pinyin[used] = '\0';

    const char *const inputs[] = {
        "\"",
        "\"\"",
        "\"abc",
        "*",
        "^",
        "NEAR(a b)",
        "NEAR(意外 险, 2)",
        "a OR",
        "OR",
        "AND",
        "NOT x",
        "a AND OR NOT b",
        "name:x",
        "name:意外",
        "{name}: x",
        "{name summary}: 意外",
        "-name: x",
        "(",
        ")",
        ")(",
        "-x",
        "+",
        "意外*",
        "^意外",
        "\"意外\" OR \"",
        "😀",
        "意外险😀😀👨‍👩‍👧",
        "'; DROP TABLE products; --",
        "\\",
        "%_%",
        "\xED\xA0\x80",
        "a\xED\xB0\x80" "b",
        "\xED\xA0\xBD\xED\xB8\x80",
        "\xFF\xFE\xFD",
        " ",
        "          ",
        "\xE3\x80\x80\xE3\x80\x80",
        "\t\n\r",
        "0",
        "-1岁",
        "999岁",
        "200岁 意外",
        "65岁65岁",
        "岁",
        "杭州杭州",
        "的了吗",
        "a b c d e f g h i j k l m n o p",
        "意 外 险 医 疗 老 人 骑 手 大 病 住 院 惠 民",
        noise,
        valid_noise,
        long_pinyin,
    };
    for (size_t k = 0; k < COUNT(inputs); k++) {
        json_t *result = search_q(w.t->reg, inputs[k], NULL);
        json_decref(result);
        /* The same text with every filter active. */
        struct ph_search_query all;
        ph_search_query_init(&all);
        all.category = "accident";
        all.group = "elderly";
        all.region = "330100";
        all.age_years = 65;
        all.premium_max_yuan = 1000;
        all.preexisting = "partly";
        all.questionnaire = 0;
        all.insurer_id = w.insurer;
        all.on_sale = 1;
        all.sort = (enum ph_search_sort)(k % 4);
        all.per_page = 100;
        result = search_q(w.t->reg, inputs[k], &all);
        json_decref(result);
    }
    /* The noise is cut to 200 characters and the answer says so. */
    json_t *result = search_q(w.t->reg, valid_noise, NULL);
    assert_true(json_is_true(test_json_get_path(result, "understood.truncated")));
    json_decref(result);
    /* A query of only operators finds what an empty query finds. */
    json_t *empty = search_q(w.t->reg, "", NULL);
    result = search_q(w.t->reg, "\" * ^ ( ) : + -", NULL);
    assert_int_equal(json_integer_value(json_object_get(result, "total")),
                     json_integer_value(json_object_get(empty, "total")));
    assert_int_equal(json_integer_value(json_object_get(empty, "total")), P_COUNT);
    json_decref(result);
    json_decref(empty);
    /* Operator words are words: NEAR(意外 险) finds what 意外 险 finds among
     * products (the Latin words relax away). */
    result = search_q(w.t->reg, "name:意外", NULL);
    assert_non_null(find_item(result, regnos[P_ABC]));
    json_decref(result);
    assert_index_consistent(w.t->reg);
}

static bool item_in_array(json_t *result, const char *regno)
{
    return find_item(result, regno) != NULL;
}

static void test_synonyms(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct {
        const char *q;
        int must;     /* must be found */
        int must_not; /* must not be found (-1: none) */
    } cases[] = {
        {"惠民保", P_CITY, P_ABC},
        {"城市定制型商业医疗保险", P_CITY, P_ABC},
        {"意外伤害保险", P_ABC, P_CITY},
        {"老年人", P_ELDER, P_CITY},
        {"长者", P_ELDER, P_CITY},
    };
    for (size_t k = 0; k < COUNT(cases); k++) {
        json_t *result = search_q(w.t->reg, cases[k].q, NULL);
        if (!item_in_array(result, regnos[cases[k].must])) {
            char *u = dump(json_object_get(result, "understood"));
            CASE_FAIL("q=%s: product %d not found; understood %s", cases[k].q, cases[k].must, u);
            free(u);
        }
        if (cases[k].must_not >= 0 && item_in_array(result, regnos[cases[k].must_not]))
            CASE_FAIL("q=%s: product %d found", cases[k].q, cases[k].must_not);
        if (strcmp(test_string_at(result, "understood.relaxed"), "none") != 0)
            CASE_FAIL("q=%s: relaxed %s", cases[k].q, test_string_at(result, "understood.relaxed"));
        json_decref(result);
    }
    cases_done();
}

static void assert_all_ages(json_t *result, int age)
{
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(result, "items"), i, item) {
        json_int_t lo = json_integer_value(json_object_get(item, "age_min"));
        json_int_t hi = json_integer_value(json_object_get(item, "age_max"));
        if (!(lo <= age && age <= hi))
            fail_msg("age %d: item %s has %lld-%lld", age,
                     json_string_value(json_object_get(item, "registration_no")), (long long)lo, (long long)hi);
    }
}

static void test_ages_in_text(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct {
        const char *q;
        int age;
        json_int_t total;
        int absent;
    } cases[] = {
        {"65岁", 65, 4, P_CHILD},      /* ABC 18-65, CITY, ELDER, DEFAULT; HTML is 18-60 */
        {"65周岁", 65, 4, P_CHILD},
        {"６５周岁", 65, 4, P_CHILD},
        {"65 岁", 65, 4, P_CHILD},
        {"10岁", 10, 3, P_ABC},        /* CITY, CHILD, DEFAULT */
        {"86岁", 86, 2, P_ELDER},      /* CITY, DEFAULT */
        {"0岁", 0, 2, P_CHILD},        /* CITY, DEFAULT */
        {"75岁老人摔了一跤", 75, 1, P_CITY},
    };
    for (size_t k = 0; k < COUNT(cases); k++) {
        json_t *result = search_q(w.t->reg, cases[k].q, NULL);
        json_t *age = test_json_get_path(result, "understood.age");
        if (!json_is_integer(age) || json_integer_value(age) != cases[k].age)
            CASE_FAIL("q=%s: understood.age is not %d", cases[k].q, cases[k].age);
        assert_all_ages(result, cases[k].age);
        if (item_in_array(result, regnos[cases[k].absent]))
            CASE_FAIL("q=%s: product %d is outside the age but found", cases[k].q, cases[k].absent);
        if (json_integer_value(json_object_get(result, "total")) != cases[k].total) {
            char *u = dump(json_object_get(result, "understood"));
            CASE_FAIL("q=%s: total %lld, expected %lld: %s", cases[k].q,
                      (long long)json_integer_value(json_object_get(result, "total")), (long long)cases[k].total, u);
            free(u);
        }
        json_decref(result);
    }
    cases_done();
    /* Not ages: no filter. */
    static const char *const not_ages[] = {"121岁", "1234岁", "岁", "65", "意外"};
    for (size_t k = 0; k < COUNT(not_ages); k++) {
        json_t *result = search_q(w.t->reg, not_ages[k], NULL);
        if (!json_is_null(test_json_get_path(result, "understood.age")))
            fail_msg("q=%s: an age was understood", not_ages[k]);
        json_decref(result);
    }
    /* The form's age wins over the text's. */
    struct ph_search_query query;
    ph_search_query_init(&query);
    query.age_years = 10;
    json_t *result = search_q(w.t->reg, "65岁", &query);
    assert_all_ages(result, 10);
    json_decref(result);
}

static bool region_serves(json_t *item, const char *province2)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get(item, "regions"), i, r) {
        const char *code = json_string_value(r);
        if (strcmp(code, "000000") == 0 || strncmp(code, province2, 2) == 0)
            return true;
    }
    return false;
}

static void test_places_in_text(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct {
        const char *q;
        const char *region;
        const char *region_zh;
        int absent;
        int present;
        size_t terms; /* what is left of the text once the place is taken */
    } cases[] = {
        {"杭州", "330100", "杭州", P_CHILD, P_CITY, 0},
        {"杭州市", "330100", "杭州", P_CHILD, P_CITY, 0},
        {"浙江", "330000", "浙江", P_CHILD, P_ELDER, 0},
        {"浙江省 意外", "330000", "浙江", P_CHILD, P_ELDER, 1},
        {"北京", "110000", "北京", P_CITY, P_CHILD, 0},
        {"宁波", "330200", "宁波", P_CITY, P_ELDER, 0}, /* a city product of another city is not found */
        /* Province and city together: the city, and neither left as a word. */
        {"浙江杭州", "330100", "杭州", P_CHILD, P_CITY, 0},
        {"浙江省杭州市", "330100", "杭州", P_CHILD, P_CITY, 0},
    };
    for (size_t k = 0; k < COUNT(cases); k++) {
        json_t *result = search_q(w.t->reg, cases[k].q, NULL);
        const char *region = json_string_value(test_json_get_path(result, "understood.region"));
        const char *region_zh = json_string_value(test_json_get_path(result, "understood.region_zh"));
        if (region == NULL || strcmp(region, cases[k].region) != 0 || region_zh == NULL ||
            strcmp(region_zh, cases[k].region_zh) != 0)
            CASE_FAIL("q=%s: region %s (%s), expected %s (%s)", cases[k].q, region ? region : "null",
                      region_zh ? region_zh : "null", cases[k].region, cases[k].region_zh);
        json_t *terms = test_json_get_path(result, "understood.terms");
        if (json_array_size(terms) != cases[k].terms) {
            char *u = dump(json_object_get(result, "understood"));
            CASE_FAIL("q=%s: expected %zu terms left; understood %s", cases[k].q, cases[k].terms, u);
            free(u);
        }
        size_t i;
        json_t *item;
        json_array_foreach (json_object_get(result, "items"), i, item) {
            if (!region_serves(item, cases[k].region))
                CASE_FAIL("q=%s: item %s is not sold there", cases[k].q,
                          json_string_value(json_object_get(item, "registration_no")));
        }
        if (item_in_array(result, regnos[cases[k].absent]))
            CASE_FAIL("q=%s: product %d found", cases[k].q, cases[k].absent);
        if (!item_in_array(result, regnos[cases[k].present]))
            CASE_FAIL("q=%s: product %d not found", cases[k].q, cases[k].present);
        json_decref(result);
    }
    cases_done();
}

static bool array_has_string(json_t *array, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach (array, i, v) {
        if (json_string_value(v) != NULL && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

static void test_relaxation(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct {
        const char *q;
        const char *relaxed;
        const char *unmatched[3];
        int present;      /* -1: any */
        bool one_of;      /* exactly one of `unmatched` is named */
    } cases[] = {
        {"意外险", "none", {NULL}, P_ABC, false},
        {"意外险 火星", "dropped_terms", {"火星", NULL}, P_ABC, false},
        {"骑车 zzzqqq", "dropped_terms", {"zzzqqq", NULL}, P_ABC, false},
        {"火星 金星 意外", "dropped_terms", {"火星", "金星", NULL}, P_ELDER, false},
        /* Each word matches a product on its own, never both together:
         * a word is dropped (and named) before falling back to any one
         * character of any word. */
        {"银龄 骑车", "dropped_terms", {"银龄", "骑车", NULL}, -1, true},
    };
    for (size_t k = 0; k < COUNT(cases); k++) {
        json_t *result = search_q(w.t->reg, cases[k].q, NULL);
        const char *relaxed = test_string_at(result, "understood.relaxed");
        json_t *unmatched = test_json_get_path(result, "understood.unmatched");
        size_t want = 0;
        while (cases[k].unmatched[want] != NULL)
            want++;
        bool ok = strcmp(relaxed, cases[k].relaxed) == 0;
        if (cases[k].one_of) {
            const char *named = json_string_value(json_array_get(unmatched, 0));
            bool listed = false;
            for (size_t i = 0; i < want && named != NULL; i++)
                listed = listed || strcmp(named, cases[k].unmatched[i]) == 0;
            ok = ok && json_array_size(unmatched) == 1 && listed;
        } else {
            ok = ok && json_array_size(unmatched) == want;
            for (size_t i = 0; i < want; i++)
                ok = ok && array_has_string(unmatched, cases[k].unmatched[i]);
        }
        if (!ok) {
            char *u = dump(json_object_get(result, "understood"));
            CASE_FAIL("q=%s: expected relaxed %s naming %s%zu unmatched; understood %s", cases[k].q,
                      cases[k].relaxed, cases[k].one_of ? "1 of " : "", want, u);
            free(u);
        }
        if (cases[k].present >= 0 && !item_in_array(result, regnos[cases[k].present]))
            CASE_FAIL("q=%s: product %d not found", cases[k].q, cases[k].present);
        if (json_integer_value(json_object_get(result, "total")) <= 0)
            CASE_FAIL("q=%s: nothing found", cases[k].q);
        json_decref(result);
    }
    cases_done();
    /* Nothing matches anything: total 0, no items, still PH_OK. */
    json_t *result = search_q(w.t->reg, "火星 qqqzzz", NULL);
    assert_int_equal(json_integer_value(json_object_get(result, "total")), 0);
    assert_int_equal(json_array_size(json_object_get(result, "items")), 0);
    json_decref(result);
}

static void test_query_check_bounds(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct {
        int page;
        int per_page;
        const char *field; /* NULL: accepted */
    } cases[] = {
        {1, 1, NULL},
        {1, PH_SEARCH_PER_PAGE_MAX, NULL},
        {10000, 20, NULL},
        {1, 0, "per_page"},
        {1, -1, "per_page"},
        {1, PH_SEARCH_PER_PAGE_MAX + 1, "per_page"},
        {1, 1 << 30, "per_page"},
        {0, 20, "page"},
        {-1, 20, "page"},
        {10001, 20, "page"},
        {1 << 30, 20, "page"},
    };
    for (size_t k = 0; k < COUNT(cases); k++) {
        struct ph_search_query query;
        ph_search_query_init(&query);
        query.page = cases[k].page;
        query.per_page = cases[k].per_page;
        query.text = "意外";
        struct ph_problems problems;
        ph_problems_init(&problems);
        ph_status st = ph_search_query_check(&query, &problems);
        char label[64];
        snprintf(label, sizeof label, "page %d per_page %d", cases[k].page, cases[k].per_page);
        if (cases[k].field == NULL) {
            if (st != PH_OK)
                fail_msg("%s: refused (%s)", label, ph_problems_first_field(&problems));
            json_t *out = search_q(w.t->reg, "意外", &query);
            assert_true(json_array_size(json_object_get(out, "items")) <= (size_t)cases[k].per_page);
            assert_int_equal(json_integer_value(json_object_get(out, "page")), cases[k].page);
            json_decref(out);
        } else {
            if (st != PH_ERR_INVALID)
                fail_msg("%s: accepted", label);
            assert_int_equal(ph_problems_count(&problems), 1);
            assert_first_problem(&problems, "number_range", cases[k].field, label);
            ph_problems_release(&problems);
            ph_problems_init(&problems);
            json_t *out = (json_t *)&problems; /* must be reset to NULL */
            assert_int_equal(ph_search_products(w.t->reg, &query, &out, &problems), PH_ERR_INVALID);
            assert_null(out);
            assert_first_problem(&problems, "number_range", cases[k].field, label);
        }
        ph_problems_release(&problems);
    }
    /* Paging: the pages of one per_page partition the results. */
    struct ph_search_query query;
    ph_search_query_init(&query);
    query.per_page = 2;
    int seen = 0;
    for (query.page = 1; query.page <= 4; query.page++) {
        json_t *out = search_q(w.t->reg, NULL, &query);
        assert_int_equal(json_integer_value(json_object_get(out, "total")), P_COUNT);
        seen += (int)json_array_size(json_object_get(out, "items"));
        json_decref(out);
    }
    assert_int_equal(seen, P_COUNT);
}

/* ========================================================================
 * 3b/4. The index follows every write, in the same transaction
 * ===================================================================== */

static json_int_t total_for(struct ph_registry *reg, const char *q, const char *regno, bool *found)
{
    json_t *result = search_q(reg, q, NULL);
    json_int_t total = json_integer_value(json_object_get(result, "total"));
    if (found != NULL)
        *found = find_item(result, regno) != NULL;
    json_decref(result);
    return total;
}

static ph_status update_name(struct world *w, const char *regno, const char *name, struct ph_problems *problems)
{
    struct product_spec s = specs[P_ABC];
    s.name = name;
    s.summary = "新版本的意外保障，骑车摔伤也能赔。";
    json_t *body = spec_body(&s);
    test_json_set_path(body, "change_reason", json_string("产品改名"));
    json_t *out = NULL;
    ph_status st = ph_product_update(w->t->reg, w->insurer, regno, body, &out, problems);
    json_decref(out);
    json_decref(body);
    return st;
}

static void test_index_follows_updates(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct ph_registry *reg = w.t->reg;
    const char *regno = regnos[P_ABC];
    bool found = false;

    total_for(reg, "ABC", regno, &found);
    assert_true(found);
    total_for(reg, "晨曦", regno, &found);
    assert_false(found);

    /* 1. A successful update: the old name is gone, the new one is there. */
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(update_name(&w, regno, "晨曦安心意外险", &problems), PH_OK);
    ph_problems_release(&problems);
    w.t->events++;
    assert_registry_sane(reg, w.t->events);
    assert_index_consistent(reg);
    total_for(reg, "晨曦", regno, &found);
    assert_true(found);
    total_for(reg, "chenxi", regno, &found);
    assert_true(found);
    assert_int_equal(total_for(reg, "abc", regno, &found), 0);
    assert_false(found);
    assert_int_equal(total_for(reg, "plus", regno, &found), 0);
    assert_false(found);

    /* 2. An update refused by validation changes nothing. */
    char before[65];
    char after[65];
    test_db_digest(reg, before);
    ph_problems_init(&problems);
    struct product_spec bad = specs[P_ABC];
    bad.name = "暮光意外险";
    json_t *body = spec_body(&bad);
    test_json_set_path(body, "change_reason", json_string("产品改名"));
    test_json_set_path(body, "age_min", json_integer(-1));
    json_t *out = NULL;
    assert_int_equal(ph_product_update(reg, w.insurer, regno, body, &out, &problems), PH_ERR_INVALID);
    json_decref(body);
    ph_problems_release(&problems);
    test_db_digest(reg, after);
    assert_string_equal(before, after);
    assert_int_equal(total_for(reg, "暮光", regno, &found), 0);
    total_for(reg, "晨曦", regno, &found);
    assert_true(found);

    /* 3. An update that fails inside the index maintenance, after the new
     * version and the FTS row were written: all of it is rolled back. */
    static const char *const traps[] = {
        "CREATE TRIGGER trap BEFORE INSERT ON product_regions BEGIN SELECT RAISE(ABORT, 'trap'); END",
        "CREATE TRIGGER trap BEFORE INSERT ON product_groups BEGIN SELECT RAISE(ABORT, 'trap'); END",
        "CREATE TRIGGER trap BEFORE INSERT ON product_filters BEGIN SELECT RAISE(ABORT, 'trap'); END",
    };
    for (size_t k = 0; k < COUNT(traps); k++) {
        assert_int_equal(sqlite3_exec(reg->db, traps[k], NULL, NULL, NULL), SQLITE_OK);
        test_db_digest(reg, before);
        ph_problems_init(&problems);
        ph_status st = update_name(&w, regno, "暮光安心意外险", &problems);
        if (st == PH_OK)
            fail_msg("trap %zu: the update succeeded", k);
        ph_problems_release(&problems);
        test_db_digest(reg, after);
        assert_string_equal(before, after);
        assert_int_equal(sqlite3_exec(reg->db, "DROP TRIGGER trap", NULL, NULL, NULL), SQLITE_OK);
        assert_registry_sane(reg, w.t->events);
        assert_index_consistent(reg);
        assert_int_equal(total_for(reg, "暮光", regno, &found), 0);
        total_for(reg, "晨曦", regno, &found);
        assert_true(found);
    }
    /* The same trap on registration: no product, no index row. */
    assert_int_equal(sqlite3_exec(reg->db, traps[0], NULL, NULL, NULL), SQLITE_OK);
    test_db_digest(reg, before);
    struct product_spec fresh = specs[P_ABC];
    fresh.name = "暮光新登记意外险";
    body = spec_body(&fresh);
    ph_problems_init(&problems);
    out = NULL;
    assert_int_not_equal(ph_product_register(reg, w.insurer, body, &out, &problems), PH_OK);
    assert_null(out);
    ph_problems_release(&problems);
    json_decref(body);
    test_db_digest(reg, after);
    assert_string_equal(before, after);
    assert_int_equal(sqlite3_exec(reg->db, "DROP TRIGGER trap", NULL, NULL, NULL), SQLITE_OK);
    assert_index_consistent(reg);
}

/* Every kind of product write keeps one index row per product. */
static void test_index_count_after_every_write(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos); /* registrations checked in register_spec */
    struct ph_registry *reg = w.t->reg;
    struct ph_problems problems;
    json_t *out = NULL;

    /* A batch. */
    json_t *bodies = json_array();
    for (int i = 0; i < 5; i++) {
        struct product_spec s = specs[P_ABC];
        char name[64];
        snprintf(name, sizeof name, "批量第%d号意外险", i + 1);
        s.name = name;
        json_array_append_new(bodies, spec_body(&s));
    }
    ph_problems_init(&problems);
    assert_int_equal(ph_product_register_batch(reg, w.insurer, bodies, &out, &problems), PH_OK);
    json_decref(out);
    ph_problems_release(&problems);
    w.t->events += 5;
    assert_registry_sane(reg, w.t->events);
    assert_index_consistent(reg);
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM products"), P_COUNT + 5);
    assert_int_equal(total_for(reg, "批量", regnos[P_ABC], NULL), 5);

    /* A refused batch (one bad body): nothing. */
    json_t *bad = json_deep_copy(bodies);
    test_json_set_path(json_array_get(bad, 3), "age_min", json_integer(-1));
    ph_problems_init(&problems);
    out = NULL;
    assert_int_equal(ph_product_register_batch(reg, w.insurer, bad, &out, &problems), PH_ERR_INVALID);
    json_decref(out);
    ph_problems_release(&problems);
    json_decref(bad);
    json_decref(bodies);
    assert_index_consistent(reg);
    assert_int_equal(test_sql_int(reg, "SELECT COUNT(*) FROM products"), P_COUNT + 5);

    /* Update, withdraw, suspend, reinstate. */
    ph_problems_init(&problems);
    assert_int_equal(update_name(&w, regnos[P_ABC], "晨曦安心意外险", &problems), PH_OK);
    w.t->events++;
    assert_index_consistent(reg);

    out = NULL;
    assert_int_equal(ph_product_suspend(reg, regnos[P_ELDER], "投诉较多", &out, &problems), PH_OK);
    json_decref(out);
    w.t->events++;
    assert_index_consistent(reg);
    out = NULL;
    assert_int_equal(ph_product_reinstate(reg, regnos[P_ELDER], &out, &problems), PH_OK);
    json_decref(out);
    w.t->events++;
    assert_index_consistent(reg);

    json_t *withdraw = json_pack("{s:s, s:s}", "date", "2099-01-01", "reason", "产品升级");
    out = NULL;
    assert_int_equal(ph_product_withdraw(reg, w.insurer, regnos[P_CHILD], withdraw, &out, &problems), PH_OK);
    json_decref(out);
    json_decref(withdraw);
    w.t->events++;
    assert_index_consistent(reg);
    ph_problems_release(&problems);
    assert_registry_sane(reg, w.t->events);

    /* A refused update (withdrawn product): nothing. */
    ph_problems_init(&problems);
    assert_int_not_equal(update_name(&w, regnos[P_CHILD], "晨曦少儿险", &problems), PH_OK);
    ph_problems_release(&problems);
    assert_index_consistent(reg);
    assert_registry_sane(reg, w.t->events);

    /* Still found after every state change (status is a filter, not a
     * reason to drop the row). */
    bool found = false;
    total_for(reg, "学平险", regnos[P_CHILD], &found);
    assert_true(found);
    total_for(reg, "银龄", regnos[P_ELDER], &found);
    assert_true(found);
}

/* ========================================================================
 * 8. The answer cache (search_cache.h)
 * ===================================================================== */

#include "registry/search_cache.h"

/* Every field of a query changes its key, and no text imitates a field. */
static void test_cache_keys(void **state)
{
    (void)state;
    struct ph_search_query base;
    ph_search_query_init(&base);
    base.text = "意外";
    struct ph_search_query variants[16];
    size_t n = 0;
    for (size_t i = 0; i < COUNT(variants); i++)
        variants[i] = base;
    variants[n++].text = "意外险";
    variants[n++].text = NULL;
    variants[n++].category = "accident";
    variants[n++].group = "elderly";
    variants[n++].region = "330100";
    variants[n++].age_years = 65;
    variants[n++].premium_max_yuan = 100;
    variants[n++].premium_max_yuan = 100.5;
    variants[n++].preexisting = "covered";
    variants[n++].questionnaire = 0;
    variants[n++].insurer_id = 3;
    variants[n++].on_sale = 1;
    variants[n++].sort = PH_SORT_PREMIUM;
    variants[n++].page = 2;
    variants[n++].per_page = 50;
    variants[n++].text = "意外;c=accident;";
    char keys[17][PH_SEARCH_CACHE_KEY_MAX];
    assert_true(ph_search_cache_key(&base, keys[0]));
    for (size_t i = 0; i < n; i++)
        assert_true(ph_search_cache_key(&variants[i], keys[i + 1]));
    for (size_t i = 0; i <= n; i++)
        for (size_t j = i + 1; j <= n; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                CASE_FAIL("keys %zu and %zu are equal: %s", i, j, keys[i]);
    /* The same query gives the same key. */
    char again[PH_SEARCH_CACHE_KEY_MAX];
    assert_true(ph_search_cache_key(&base, again));
    assert_string_equal(again, keys[0]);
    cases_done();
}

/* Hits only at the same state and date; least recently used goes first;
 * the byte bound holds; a hit is a copy. */
static void cache_put_text(struct ph_search_cache *cache, const char *key, int64_t size, const char *text)
{
    ph_search_cache_put(cache, key, size, "2026-11-29", text, strlen(text));
}

static void assert_cached(struct ph_search_cache *cache, const char *key, int64_t size, const char *date,
                          const char *want)
{
    size_t len = 0;
    char *got = ph_search_cache_get(cache, key, size, date, &len);
    if (want == NULL) {
        if (got != NULL)
            fail_msg("%s at %lld %s: want nothing, got %s", key, (long long)size, date, got);
        return;
    }
    if (got == NULL)
        fail_msg("%s at %lld %s: want %s, got nothing", key, (long long)size, date, want);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    got[0] = 'X'; /* a copy: the stored text must not change */
    free(got);
}

static void test_cache_entries(void **state)
{
    (void)state;
    struct ph_search_cache *cache = ph_search_cache_new(2, 1 << 20);
    assert_non_null(cache);
    cache_put_text(cache, "ka", 10, "{\"total\":1}");
    assert_cached(cache, "ka", 11, "2026-11-29", NULL);
    assert_cached(cache, "ka", 10, "2026-11-30", NULL);
    assert_cached(cache, "kz", 10, "2026-11-29", NULL);
    assert_cached(cache, "ka", 10, "2026-11-29", "{\"total\":1}");
    assert_cached(cache, "ka", 10, "2026-11-29", "{\"total\":1}");

    cache_put_text(cache, "kb", 10, "{\"total\":2}");
    assert_cached(cache, "ka", 10, "2026-11-29", "{\"total\":1}"); /* ka is now the most recent */
    cache_put_text(cache, "kc", 10, "{\"total\":3}");                /* evicts kb */
    assert_cached(cache, "kb", 10, "2026-11-29", NULL);
    assert_cached(cache, "ka", 10, "2026-11-29", "{\"total\":1}");
    assert_cached(cache, "kc", 10, "2026-11-29", "{\"total\":3}");
    /* A newer state replaces the entry in place. */
    cache_put_text(cache, "kc", 12, "{\"total\":4}");
    assert_cached(cache, "kc", 12, "2026-11-29", "{\"total\":4}");
    assert_cached(cache, "kc", 10, "2026-11-29", NULL);
    struct ph_search_cache_stats stats;
    ph_search_cache_get_stats(cache, &stats);
    assert_int_equal(stats.entries, 2);
    assert_int_equal(stats.evictions, 1);
    assert_true(stats.hits >= 6 && stats.misses >= 5);
    ph_search_cache_free(cache);

    /* Bytes: an answer larger than the bound is not kept; two that do not
     * fit together evict one another. */
    cache = ph_search_cache_new(100, 64);
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cache_put_text(cache, "big", 1, big);
    assert_cached(cache, "big", 1, "2026-11-29", NULL);
    cache_put_text(cache, "h1", 1, "{\"text\": \"0123456789012345678901234567\"}");
    cache_put_text(cache, "h2", 1, "{\"text\": \"0123456789012345678901234567\"}");
    ph_search_cache_get_stats(cache, &stats);
    assert_int_equal(stats.entries, 1);
    assert_true(stats.bytes <= 64);
    assert_cached(cache, "h2", 1, "2026-11-29", "{\"text\": \"0123456789012345678901234567\"}");
    ph_search_cache_free(cache);
    assert_null(ph_search_cache_new(0, 100));
}

/* With a cache, answers equal the uncached ones, and every registry change
 * is seen at once: a registration, an update, a suspension. */
static void test_cache_follows_writes(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct ph_registry *reg = w.t->reg;
    static const char *const queries[] = {"意外", "yiwai", "老人 摔", "醫療", "ＡＢＣ", "杭州 医疗", NULL};
    struct ph_search_cache *cache = ph_search_cache_new(64, 1 << 20);
    assert_non_null(cache);
    for (size_t i = 0; i < COUNT(queries); i++) {
        ph_registry_use_search_cache(reg, NULL);
        json_t *plain = search_q(reg, queries[i], NULL);
        ph_registry_use_search_cache(reg, cache);
        json_t *first = search_q(reg, queries[i], NULL);  /* a miss, stored */
        json_t *second = search_q(reg, queries[i], NULL); /* a hit */
        if (!json_equal(plain, first) || !json_equal(plain, second))
            CASE_FAIL("[%s]: cached answer differs", queries[i] ? queries[i] : "(none)");
        /* The text the API sends is the same answer. */
        struct ph_search_query q;
        ph_search_query_init(&q);
        q.text = queries[i];
        char *text = NULL;
        size_t len = 0;
        struct ph_problems problems;
        ph_problems_init(&problems);
        assert_int_equal(ph_search_products_text(reg, &q, &text, &len, &problems), PH_OK);
        json_t *parsed = json_loadb(text, len, 0, NULL);
        if (!json_equal(plain, parsed))
            CASE_FAIL("[%s]: answer text differs", queries[i] ? queries[i] : "(none)");
        json_decref(parsed);
        free(text);
        ph_problems_release(&problems);
        json_decref(plain);
        json_decref(first);
        json_decref(second);
    }
    cases_done();
    struct ph_search_cache_stats stats;
    ph_search_cache_get_stats(cache, &stats);
    assert_int_equal(stats.hits, 2 * COUNT(queries));

    bool found = false;
    json_int_t before = total_for(reg, "雪山", regnos[P_ABC], &found);
    assert_int_equal(before, 0);
    struct product_spec snow = specs[P_ELDER];
    snow.name = "雪山滑雪意外险";
    snow.summary = "滑雪的时候摔伤了，也能赔钱。";
    char snow_regno[16];
    register_spec(&w, &snow, snow_regno);
    assert_int_equal(total_for(reg, "雪山", snow_regno, &found), 1);
    assert_true(found);

    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(update_name(&w, regnos[P_ABC], "雪山ABC意外险", &problems), PH_OK);
    w.t->events++;
    assert_int_equal(total_for(reg, "雪山", regnos[P_ABC], &found), 2);
    assert_true(found);

    struct ph_search_query on_sale;
    ph_search_query_init(&on_sale);
    on_sale.on_sale = 1;
    json_t *r = search_q(reg, "雪山", &on_sale);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
    json_decref(r);
    json_t *out = NULL;
    assert_int_equal(ph_product_suspend(reg, snow_regno, "测试暂停", &out, &problems), PH_OK);
    json_decref(out);
    w.t->events++;
    r = search_q(reg, "雪山", &on_sale);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
    json_decref(r);
    ph_problems_release(&problems);
    ph_registry_use_search_cache(reg, NULL);
    ph_search_cache_free(cache);
}

/* Publishing a document leaves product answers in the cache valid (they
 * are made of products alone), while document answers and any change to a
 * product are seen at once. */
static uint64_t cache_hits(struct ph_search_cache *cache)
{
    struct ph_search_cache_stats stats;
    ph_search_cache_get_stats(cache, &stats);
    return stats.hits;
}

static json_int_t documents_total(struct ph_registry *reg, const char *text)
{
    struct ph_document_query q;
    ph_document_query_init(&q);
    q.text = text;
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_search_documents(reg, &q, &out, &problems), PH_OK);
    ph_problems_release(&problems);
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    json_decref(out);
    return total;
}

static void test_cache_outlives_documents(void **state)
{
    char regnos[P_COUNT][16];
    struct world w = make_world(state, regnos);
    struct ph_registry *reg = w.t->reg;
    struct ph_search_cache *cache = ph_search_cache_new(64, 1 << 20);
    assert_non_null(cache);
    ph_registry_use_search_cache(reg, cache);

    json_t *before = search_q(reg, "意外", NULL); /* a miss, stored */
    assert_int_equal(documents_total(reg, "雪崩"), 0);
    uint64_t hits = cache_hits(cache);

    json_t *body = json_pack("{s:s, s:s, s:s}", "type", "notice", "title", "关于雪崩救援责任的公告", "content",
                             "遇到雪崩受伤，也在保障范围内。\n");
    json_t *out = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    assert_int_equal(ph_document_publish(reg, w.insurer, regnos[P_ELDER], body, &out, &problems), PH_OK);
    w.t->events++;
    json_decref(out);
    json_decref(body);
    assert_registry_sane(reg, w.t->events);

    /* The product answer is still the cached one: a hit, equal. */
    json_t *after = search_q(reg, "意外", NULL);
    assert_int_equal(cache_hits(cache), hits + 1);
    assert_true(json_equal(before, after));
    json_decref(after);
    /* The document answer is not: the new notice is found. */
    assert_int_equal(documents_total(reg, "雪崩"), 1);

    /* A product change is seen at once: a miss, and the new name. */
    hits = cache_hits(cache);
    assert_int_equal(update_name(&w, regnos[P_ELDER], "雪崩救援意外险", &problems), PH_OK);
    w.t->events++;
    assert_registry_sane(reg, w.t->events);
    bool found = false;
    assert_int_equal(total_for(reg, "雪崩救援", regnos[P_ELDER], &found), 1);
    assert_true(found);
    json_t *changed = search_q(reg, "意外", NULL);
    assert_int_equal(cache_hits(cache), hits);
    json_decref(changed);

    ph_problems_release(&problems);
    json_decref(before);
    ph_registry_use_search_cache(reg, NULL);
    ph_search_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenize_exact),
        cmocka_unit_test(test_tokenize_polyphonic),
        cmocka_unit_test(test_tokenize_malformed),
        cmocka_unit_test(test_tokenize_long_words),
        cmocka_unit_test(test_tokenize_stops_on_error),
        cmocka_unit_test_setup_teardown(test_highlights, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_queries, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_synonyms, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_ages_in_text, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_places_in_text, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_relaxation, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_query_check_bounds, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_index_follows_updates, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_index_count_after_every_write, world_setup, test_db_teardown),
        cmocka_unit_test(test_cache_keys),
        cmocka_unit_test(test_cache_entries),
        cmocka_unit_test_setup_teardown(test_cache_follows_writes, world_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_cache_outlives_documents, world_setup, test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
