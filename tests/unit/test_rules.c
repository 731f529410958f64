/*
 * tests/unit/test_rules.c - registry/rules.h: the national standards and
 * policy rules as pure functions, one table per rule.
 */
#include "test_support.h"

#include "i18n/text.h"
#include "registry/rules.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- GB 32100-2015 unified social credit codes ------------------------------ */

/* Codes with correct check characters. Each was verified with the standard's
 * algorithm (weights 3^(i-1) mod 31) independently of the code under test.
 * "real": a published code of a real organisation. The first is the worked
 * example of GB 32100-2015 itself (whose text shows the wrong-check variant
 * 91350100M000100Y4Z computing to '3'). The others are business codes
 * republished widely (business-registry lookups, invoices, and the
 * ContentProducer field of TC260 AI-content labels); they were not checked
 * against the national enterprise credit system for this test. */
static const char *const uscc_valid[] = {
    "91350100M000100Y43", /* real: GB 32100-2015 worked example */
    "91110000802100433B", /* real: 北京百度网讯科技有限公司 */
    "91440300708461136T", /* real: 腾讯科技（深圳）有限公司 */
    "914403001922038216", /* real: 华为技术有限公司 */
    "91330100799655058B", /* real: 阿里巴巴（中国）有限公司 */
    "91110108551385082Q", /* real: 小米科技有限责任公司 */
    "91440300100012316L", /* real: 中国平安保险（集团）股份有限公司 */
    "913100001322457020", /* computed (fictional demo insurer): check value 0 */
};

struct uscc_case {
    const char *label;
    const char *code;
};

static const struct uscc_case uscc_invalid[] = {
    {"the standard's wrong-check example", "91350100M000100Y4Z"},
    {"check character off by one", "91350100M000100Y44"},
    {"check character of another code", "91440300708461136B"},
    {"two characters swapped", "91350100M000010Y43"},
    {"lower-case letters", "91350100m000100y43"},
    {"lower-case check character", "91330100799655058b"},
    {"17 characters", "91350100M000100Y4"},
    {"19 characters", "91350100M000100Y430"},
    {"letter I", "91350100I000100Y43"},
    {"letter O", "91350100O000100Y43"},
    {"letter S", "91350100S000100Y43"},
    {"letter V", "91350100V000100Y43"},
    {"letter Z", "91350100Z000100Y43"},
    {"check character I", "91350100M000100Y4I"},
    {"space inside", "91350100M000 00Y43"},
    {"leading space", " 91350100M000100Y4"},
    {"full-width digit", "９1350100M000100Y4"},
    {"empty", ""},
};

static void test_uscc_valid_codes(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(uscc_valid); i++) {
        if (!ph_uscc_is_valid(uscc_valid[i]))
            fail_msg("%s should be valid", uscc_valid[i]);
        char first17[18];
        memcpy(first17, uscc_valid[i], 17);
        first17[17] = '\0';
        char check = ph_uscc_check_char(first17);
        if (check != uscc_valid[i][17])
            fail_msg("%s: check char %c, expected %c", uscc_valid[i], check, uscc_valid[i][17]);
    }
}

static void test_uscc_invalid_codes(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(uscc_invalid); i++) {
        if (ph_uscc_is_valid(uscc_invalid[i].code))
            fail_msg("%s (%s) should be invalid", uscc_invalid[i].label, uscc_invalid[i].code);
    }
    assert_false(ph_uscc_is_valid(NULL));
}

/* Positions 3-8 are a division code in digits: a letter there is refused
 * even when the check character matches. */
static void test_uscc_region_part_must_be_digits(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "91A50100M000100Y4", /* position 3 */
        "913501000M00100Y4", /* digits everywhere: the control case */
        "9135010AM000100Y4", /* position 8 */
    };
    static const bool expected[] = {false, true, false};
    for (size_t i = 0; i < COUNT(bodies); i++) {
        char code[19];
        memcpy(code, bodies[i], 17);
        code[17] = ph_uscc_check_char(bodies[i]);
        code[18] = '\0';
        assert_true(code[17] != '\0');
        if (ph_uscc_is_valid(code) != expected[i])
            fail_msg("%s: expected %s", code, expected[i] ? "valid" : "invalid");
    }
}

static void test_uscc_check_char(void **state)
{
    (void)state;
    assert_int_equal(ph_uscc_check_char("91350100M000100Y4"), '3');
    assert_int_equal(ph_uscc_check_char("91110000802100433"), 'B');
    assert_int_equal(ph_uscc_check_char("91440300708461136"), 'T');
    assert_int_equal(ph_uscc_check_char("91440300100012316"), 'L');
    assert_int_equal(ph_uscc_check_char("91310000132245702"), '0');
    /* Outside the character set, or shorter than 17: no check character. */
    assert_int_equal(ph_uscc_check_char("91350100m000100Y4"), '\0');
    assert_int_equal(ph_uscc_check_char("91350100I000100Y4"), '\0');
    assert_int_equal(ph_uscc_check_char("91350100O000100Y4"), '\0');
    assert_int_equal(ph_uscc_check_char("9135010"), '\0');
    assert_int_equal(ph_uscc_check_char(""), '\0');
}

/* --- GB/T 2260 region codes ------------------------------------------------- */

static const struct {
    const char *prefix;
    const char *name;
} provinces[] = {
    {"11", "北京市"},         {"12", "天津市"},         {"13", "河北省"},           {"14", "山西省"},
    {"15", "内蒙古自治区"},   {"21", "辽宁省"},         {"22", "吉林省"},           {"23", "黑龙江省"},
    {"31", "上海市"},         {"32", "江苏省"},         {"33", "浙江省"},           {"34", "安徽省"},
    {"35", "福建省"},         {"36", "江西省"},         {"37", "山东省"},           {"41", "河南省"},
    {"42", "湖北省"},         {"43", "湖南省"},         {"44", "广东省"},           {"45", "广西壮族自治区"},
    {"46", "海南省"},         {"50", "重庆市"},         {"51", "四川省"},           {"52", "贵州省"},
    {"53", "云南省"},         {"54", "西藏自治区"},     {"61", "陕西省"},           {"62", "甘肃省"},
    {"63", "青海省"},         {"64", "宁夏回族自治区"}, {"65", "新疆维吾尔自治区"}, {"71", "台湾省"},
    {"81", "香港特别行政区"}, {"82", "澳门特别行政区"},
};

static void test_region_all_provinces(void **state)
{
    (void)state;
    assert_int_equal(ph_region_province_count(), 34);
    assert_int_equal(COUNT(provinces), 34);
    for (size_t i = 0; i < COUNT(provinces); i++) {
        assert_string_equal(ph_region_province_prefix(i), provinces[i].prefix);
        char code[7];
        snprintf(code, sizeof code, "%s0000", provinces[i].prefix);
        if (!ph_region_is_valid(code))
            fail_msg("%s should be valid", code);
        const char *name = ph_region_province_name(code);
        if (name == NULL || strcmp(name, provinces[i].name) != 0)
            fail_msg("%s: name %s, expected %s", code, name ? name : "NULL", provinces[i].name);
    }
    assert_null(ph_region_province_prefix(34));
}

struct region_case {
    const char *code;
    bool valid;
    const char *province; /* ph_region_province_name; NULL when unknown */
};

static const struct region_case region_cases[] = {
    {"000000", true, "全国"},
    {"330100", true, "浙江省"},           /* a city: 杭州市 */
    {"330106", true, "浙江省"},           /* a county: 西湖区 */
    {"110105", true, "北京市"},           /* 朝阳区 */
    {"440305", true, "广东省"},           /* 南山区 */
    {"650100", true, "新疆维吾尔自治区"}, /* 乌鲁木齐市 */
    {"990000", false, NULL},              /* no such province */
    {"100000", false, NULL},
    {"000100", false, NULL},
    {"12345", false, NULL},
    {"1100001", false, NULL},
    {"abcdef", false, NULL},
    {"33010a", false, NULL},
    {"33 000", false, NULL},
    {"", false, NULL},
    {"330006", false, "浙江省"}, /* a county under a missing city */
    {"110001", false, "北京市"},
};

static void test_region_codes(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(region_cases); i++) {
        const struct region_case *c = &region_cases[i];
        if (ph_region_is_valid(c->code) != c->valid)
            fail_msg("region %s: expected %s", c->code, c->valid ? "valid" : "invalid");
        const char *name = ph_region_province_name(c->code);
        bool same = (name == NULL && c->province == NULL) ||
                    (name != NULL && c->province != NULL && strcmp(name, c->province) == 0);
        if (!same)
            fail_msg("region %s: province %s, expected %s", c->code, name ? name : "NULL",
                     c->province ? c->province : "NULL");
    }
    assert_false(ph_region_is_valid(NULL));
    assert_null(ph_region_province_name(NULL));
}

/* --- dates and quarters -------------------------------------------------- */

struct text_case {
    const char *text;
    bool valid;
};

static const struct text_case date_cases[] = {
    {"2024-02-29", true},  /* divisible by 4 */
    {"2000-02-29", true},  /* divisible by 400 */
    {"2100-02-29", false}, /* divisible by 100, not 400 */
    {"2023-02-29", false},
    {"2026-02-28", true},
    {"2026-02-30", false},
    {"2026-04-30", true},
    {"2026-04-31", false},
    {"2026-12-31", true},
    {"2026-13-01", false},
    {"2026-00-10", false},
    {"2026-01-00", false},
    {"2026-01-32", false},
    {"2000-01-01", true},
    {"2100-12-31", true},
    {"1999-12-31", false},
    {"2101-01-01", false},
    {"2026-1-05", false},
    {"2026-01-5", false},
    {"2026/01/05", false},
    {"20260105", false},
    {"2026-01-05T00:00:00Z", false},
    {" 2026-01-05", false},
    {"2026-01-05 ", false},
    {"2026-0a-05", false},
    {"+026-01-05", false},
    {"２０２６-01-05", false},
    {"", false},
};

static const struct text_case quarter_cases[] = {
    {"2026Q1", true},  {"2026Q2", true},   {"2026Q3", true},  {"2026Q4", true},  {"2000Q1", true},
    {"2100Q4", true},  {"2026Q0", false},  {"2026Q5", false}, {"2026q3", false}, {"1999Q4", false},
    {"2101Q1", false}, {"2026-Q3", false}, {"26Q3", false},   {"2026Q", false},  {"2026Q33", false},
    {"Q32026", false}, {"2026 Q3", false}, {"", false},
};

static const struct text_case hotline_cases[] = {
    {"95500", true},
    {"400-800-1234", true},
    {"010-12345678", true},
    {"110", true},                    /* 3 characters */
    {"12345678901234567890", true},   /* 20 characters */
    {"123456789012345678901", false}, /* 21 characters */
    {"12", false},
    {"-95500", false},
    {"95500-", false},
    {"400--800", false},
    {"400 800 1234", false},
    {"+86-10-12345678", false},
    {"4008001234ext", false},
    {"95５00", false},
    {"", false},
};

static const struct text_case url_cases[] = {
    {"https://insurer.example", true},
    {"https://insurer.example/buy?product=1&channel=web#top", true},
    {"http://insurer.example/", true},
    {"https://insurer.example:8443/buy", true},
    {"https://insurer.example/users/@name", true}, /* '@' after the host is a path */
    {"javascript:alert(1)", false},
    {"data:text/html;base64,PHNjcmlwdD4=", false},
    {"ftp://insurer.example/", false},
    {"//insurer.example/", false},
    {"insurer.example", false},
    {"http://user@host.example/", false},
    {"https://user:secret@insurer.example/", false},
    {"https://good.example@evil.example/", false},
    {"https://insurer .example/", false},
    {"https://insurer.example/a b", false},
    {"https://insurer.example/\"onmouseover=\"x", false},
    {"https://insurer.example/'x'", false},
    {"https://insurer.example/<script>", false},
    {"https://insurer.example/\\", false},
    {"https://insurer.example/\t", false},
    {"https://insurer.example/\x7f", false},
    {"https://insurer.example/保险", false},
    {"https://", false},
    {"http:///path", false},
    {"https://?q=1", false},
    {"https://#top", false},
    {"https://:443/", false}, /* a port but no host */
    {"", false},
};

static void check_text_cases(const char *what, bool (*is_valid)(const char *), const struct text_case *cases,
                             size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (is_valid(cases[i].text) != cases[i].valid)
            fail_msg("%s \"%s\": expected %s", what, cases[i].text, cases[i].valid ? "valid" : "invalid");
    }
    assert_false(is_valid(NULL));
}

static void test_dates(void **state)
{
    (void)state;
    check_text_cases("date", ph_date_is_valid, date_cases, COUNT(date_cases));
}

static void test_quarters(void **state)
{
    (void)state;
    check_text_cases("quarter", ph_quarter_is_valid, quarter_cases, COUNT(quarter_cases));
}

static void test_hotlines(void **state)
{
    (void)state;
    check_text_cases("hotline", ph_hotline_is_valid, hotline_cases, COUNT(hotline_cases));
}

static void test_urls(void **state)
{
    (void)state;
    check_text_cases("url", ph_url_is_valid, url_cases, COUNT(url_cases));
}

/* At most 500 bytes, counted exactly. */
static void test_url_length_limit(void **state)
{
    (void)state;
    char url[502];
    static const char start[] = "https://insurer.example/";
    for (size_t total = 499; total <= 501; total++) {
        memcpy(url, start, sizeof start - 1);
        memset(url + sizeof start - 1, 'a', total - (sizeof start - 1));
        url[total] = '\0';
        assert_int_equal(strlen(url), total);
        if (ph_url_is_valid(url) != (total <= 500))
            fail_msg("url of %zu bytes: expected %s", total, total <= 500 ? "valid" : "invalid");
    }
}

/* --- solvency (policy 十九) ------------------------------------------------ */

struct solvency_case {
    double core_pct;
    double comprehensive_pct;
    const char *rating;
    bool adequate;
};

static const struct solvency_case solvency_cases[] = {
    {50.0, 100.0, "A", true}, /* both thresholds exactly */
    {50.0, 100.0, "B", true},    {49.99, 100.0, "A", false}, {50.0, 99.99, "A", false},
    {168.2, 241.5, "A", true},   {168.2, 241.5, "C", false}, {168.2, 241.5, "D", false},
    {168.2, 241.5, "E", false},  {168.2, 241.5, "", false},  {168.2, 241.5, "a", false},
    {168.2, 241.5, "AB", false}, {-10.0, 100.0, "A", false}, {50.0, -100.0, "A", false},
};

static void test_solvency_adequacy(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(solvency_cases); i++) {
        const struct solvency_case *c = &solvency_cases[i];
        if (ph_solvency_is_adequate(c->core_pct, c->comprehensive_pct, c->rating) != c->adequate)
            fail_msg("solvency (%g, %g, \"%s\"): expected %s", c->core_pct, c->comprehensive_pct, c->rating,
                     c->adequate ? "adequate" : "inadequate");
    }
    assert_false(ph_solvency_is_adequate(200.0, 300.0, NULL));
}

static void test_ratings(void **state)
{
    (void)state;
    static const struct text_case cases[] = {
        {"A", true}, {"B", true},  {"C", true},   {"D", true},   {"E", false},
        {"", false}, {"a", false}, {"AA", false}, {"A ", false}, {"@", false},
    };
    check_text_cases("rating", ph_rating_is_valid, cases, COUNT(cases));
}

/* --- enumerations --------------------------------------------------------- */

/* The codes exactly as docs/API.md lists them, in order. */
static const char *const category_codes[] = {
    "accident",    "medical", "critical_illness", "term_life", "home_property",
    "agriculture", "pension", "long_term_care",   "liability", "other",
    NULL};
static const char *const target_group_codes[] = {"elderly",
                                                 "disabled",
                                                 "rural",
                                                 "low_income",
                                                 "new_citizens",
                                                 "special_occupations",
                                                 "chronic_conditions",
                                                 "women_children",
                                                 "small_business",
                                                 "new_agri",
                                                 NULL};
static const char *const preexisting_codes[] = {"covered", "partly", "not_covered", NULL};
static const char *const channel_codes[] = {"online", "offline", "assisted", NULL};
static const char *const insurer_type_codes[] = {"property", "life",         "health",
                                                 "pension",  "agricultural", NULL};
static const char *const status_codes[] = {"published", "suspended", "withdrawn", NULL};

static const struct {
    const struct ph_enum *e;
    const char *name;
    const char *const *codes;
} enums[] = {
    {&ph_enum_category, "category", category_codes},
    {&ph_enum_target_group, "target_groups", target_group_codes},
    {&ph_enum_preexisting, "preexisting_conditions", preexisting_codes},
    {&ph_enum_channel, "channels", channel_codes},
    {&ph_enum_insurer_type, "type", insurer_type_codes},
    {&ph_enum_product_status, "status", status_codes},
};

static void test_enums_match_the_api(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(enums); i++) {
        const struct ph_enum *e = enums[i].e;
        assert_string_equal(e->name, enums[i].name);
        size_t n = 0;
        while (enums[i].codes[n] != NULL)
            n++;
        if (e->count != n)
            fail_msg("enum %s has %zu values, expected %zu", e->name, e->count, n);
        for (size_t k = 0; k < n; k++) {
            assert_string_equal(e->values[k].code, enums[i].codes[k]);
            assert_true(ph_enum_has(e, enums[i].codes[k]));
            const char *label = ph_enum_label(e, enums[i].codes[k]);
            assert_non_null(label);
            assert_true(ph_text_has_han(label, strlen(label)));
        }
        assert_false(ph_enum_has(e, ""));
        assert_false(ph_enum_has(e, NULL));
        assert_null(ph_enum_label(e, "unknown"));
    }
}

static void test_enum_labels_and_case(void **state)
{
    (void)state;
    assert_string_equal(ph_enum_label(&ph_enum_category, "medical"), "医疗保险");
    assert_string_equal(ph_enum_label(&ph_enum_preexisting, "covered"), "有既往症也能赔");
    assert_string_equal(ph_enum_label(&ph_enum_product_status, "suspended"), "暂停销售");
    assert_string_equal(ph_enum_label(&ph_enum_insurer_type, "agricultural"), "农业保险公司");
    assert_false(ph_enum_has(&ph_enum_category, "Medical"));
    assert_false(ph_enum_has(&ph_enum_category, "medical "));
    assert_false(ph_enum_has(&ph_enum_channel, "online,offline"));
    /* The same code in two enumerations means different things. */
    assert_string_equal(ph_enum_label(&ph_enum_category, "pension"), "养老年金保险");
    assert_string_equal(ph_enum_label(&ph_enum_insurer_type, "pension"), "养老保险公司");
}

static void test_enum_list_text(void **state)
{
    (void)state;
    char buf[256];
    ph_enum_list_text(&ph_enum_channel, buf, sizeof buf);
    assert_string_equal(buf, "online, offline, assisted");
    ph_enum_list_text(&ph_enum_preexisting, buf, sizeof buf);
    assert_string_equal(buf, "covered, partly, not_covered");

    /* Truncated to size - 1 bytes and always terminated. */
    char small[10];
    memset(small, 'x', sizeof small);
    ph_enum_list_text(&ph_enum_channel, small, sizeof small);
    assert_string_equal(small, "online, o");
    char one[1] = {'x'};
    ph_enum_list_text(&ph_enum_channel, one, sizeof one);
    assert_int_equal(one[0], '\0');
    char untouched[1] = {'x'};
    ph_enum_list_text(&ph_enum_channel, untouched, 0);
    assert_int_equal(untouched[0], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uscc_valid_codes),
        cmocka_unit_test(test_uscc_invalid_codes),
        cmocka_unit_test(test_uscc_region_part_must_be_digits),
        cmocka_unit_test(test_uscc_check_char),
        cmocka_unit_test(test_region_all_provinces),
        cmocka_unit_test(test_region_codes),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_quarters),
        cmocka_unit_test(test_hotlines),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_url_length_limit),
        cmocka_unit_test(test_solvency_adequacy),
        cmocka_unit_test(test_ratings),
        cmocka_unit_test(test_enums_match_the_api),
        cmocka_unit_test(test_enum_labels_and_case),
        cmocka_unit_test(test_enum_list_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
