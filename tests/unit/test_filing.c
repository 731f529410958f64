/*
 * tests/unit/test_filing.c - server/filing.h without a server: the XML of a
 * filing to the exact JSON and line map, every XSD error at once with its
 * exact line, and each hostile input refused with its own code (and line)
 * before anything reaches the registry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "server/filing.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct ph_filing_schema *schema;

static int group_setup(void **state)
{
    (void)state;
    char error[512];
    schema = ph_filing_schema_load(PUHUI_SOURCE_PUBLIC_DIR "/schema/filing.xsd", error, sizeof error);
    if (schema == NULL) {
        fprintf(stderr, "cannot load the schema: %s\n", error);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ph_filing_schema_free(schema);
    return 0;
}

/* Line numbers below are those of this text: keep them in step. */
// clang-format off
static const char base_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                         /* 1 */
    "<filing xmlns=\"urn:puhui:filing:1\">\n"                                              /* 2 */
    "  <product>\n"                                                                        /* 3 */
    "    <name>  慢病 无忧\n"                                                              /* 4 */
    "  医疗保险 </name>\n"                                                                 /* 5 */
    "    <category>medical</category>\n"                                                   /* 6 */
    "    <target_groups><group>elderly</group><group>chronic_conditions</group></target_groups>\n" /* 7 */
    "    <regions><region>310000</region></regions>\n"                                     /* 8 */
    "    <age_min>40</age_min>\n"                                                          /* 9 */
    "    <age_max>80</age_max>\n"                                                          /* 10 */
    "    <premium_yuan_per_year><min>199</min><max>599.50</max></premium_yuan_per_year>\n" /* 11 */
    "    <sum_insured_yuan>1000000.00</sum_insured_yuan>\n"                                /* 12 */
    "    <deductible_yuan>10000</deductible_yuan>\n"                                       /* 13 */
    "    <waiting_period_days>30</waiting_period_days>\n"                                  /* 14 */
    "    <preexisting_conditions> covered </preexisting_conditions>\n"                     /* 15 */
    "    <health_questionnaire>0</health_questionnaire>\n"                                 /* 16 */
    "    <term_months>12</term_months>\n"                                                  /* 17 */
    "    <summary> 给高血压、糖尿病等慢病人群的住院医疗险，有病也能买。</summary>\n"       /* 18 */
    "    <covered><item>住院医疗费报销60%。</item></covered>\n"                            /* 19 */
    "    <not_covered><item>等待期内住院不赔。</item></not_covered>\n"                     /* 20 */
    "    <claim><how>打客服电话报案。</how><documents><item>身份证</item></documents>"
    "<settle_days>15</settle_days></claim>\n"                                              /* 21 */
    "    <channels><channel>online</channel></channels>\n"                                 /* 22 */
    "    <hotline>400-633-7720</hotline>\n"                                                /* 23 */
    "    <premium_rate><this_pct>0.0399</this_pct><comparable_pct>0.0399</comparable_pct>"
    "<reason>不做健康告知，风险更高。</reason></premium_rate>\n"                           /* 24 */
    "    <intermediary_fee><this_pct>7</this_pct><comparable_pct>20</comparable_pct></intermediary_fee>\n" /* 25 */
    "  </product>\n"                                                                       /* 26 */
    "  <document>\n"                                                                       /* 27 */
    "    <type>terms</type>\n"                                                             /* 28 */
    "    <title>慢病无忧  条款</title>\n"                                                  /* 29 */
    "    <content><![CDATA[  第一条 a < b & c]]> 与 &lt;x&gt; &#x4E2D;\n"                 /* 30 */
    "\t第二条\n"                                                                           /* 31 */
    "</content>\n"                                                                         /* 32 */
    "  </document>\n"                                                                      /* 33 */
    "</filing>\n";                                                                         /* 34 */
// clang-format on

static const char base_json[] =
    "{\"product\": {"
    "\"name\": \"慢病 无忧 医疗保险\", \"category\": \"medical\","
    "\"target_groups\": [\"elderly\", \"chronic_conditions\"], \"regions\": [\"310000\"],"
    "\"age_min\": 40, \"age_max\": 80, \"premium_yuan_per_year\": {\"min\": 199, \"max\": 599.5},"
    "\"sum_insured_yuan\": 1000000, \"deductible_yuan\": 10000, \"waiting_period_days\": 30,"
    "\"preexisting_conditions\": \"covered\", \"health_questionnaire\": false, \"term_months\": 12,"
    "\"summary\": \" 给高血压、糖尿病等慢病人群的住院医疗险，有病也能买。\","
    "\"covered\": [\"住院医疗费报销60%。\"], \"not_covered\": [\"等待期内住院不赔。\"],"
    "\"claim\": {\"how\": \"打客服电话报案。\", \"documents\": [\"身份证\"], \"settle_days\": 15},"
    "\"channels\": [\"online\"], \"hotline\": \"400-633-7720\","
    "\"premium_rate\": {\"this_pct\": 0.0399, \"comparable_pct\": 0.0399, \"reason\": "
    "\"不做健康告知，风险更高。\"},"
    "\"intermediary_fee\": {\"this_pct\": 7, \"comparable_pct\": 20}},"
    "\"documents\": [{\"type\": \"terms\", \"title\": \"慢病无忧 条款\","
    "\"content\": \"  第一条 a < b & c 与 <x> 中\\n\\t第二条\\n\"}]}";

/* A copy of text with the first `from` replaced by `to`; caller frees. */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t head = (size_t)(at - text);
    size_t len = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(len + 1);
    assert_non_null(out);
    memcpy(out, text, head);
    memcpy(out + head, to, strlen(to));
    memcpy(out + head + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    return out;
}

/* One call of ph_filing_parse() and what it gave. */
struct parsed {
    ph_status st;
    json_t *filing;
    json_t *lines;
    struct ph_problems problems;
};

/* Parses len bytes of xml into *p, checks what every answer must be and
 * returns the status. The caller releases *p with parsed_release(). */
static ph_status parse(struct parsed *p, const char *xml, size_t len)
{
    p->filing = NULL;
    p->lines = NULL;
    ph_problems_init(&p->problems);
    p->st = ph_filing_parse(schema, xml, len, &p->filing, &p->lines, &p->problems);
    if (p->st == PH_OK) {
        assert_non_null(p->filing);
        assert_non_null(p->lines);
        assert_int_equal(ph_problems_count(&p->problems), 0);
    } else {
        assert_null(p->filing);
        assert_null(p->lines);
        assert_true(ph_problems_count(&p->problems) > 0);
        /* Every problem: a code, a field, a Chinese message. */
        size_t i;
        json_t *item;
        json_array_foreach (p->problems.items, i, item) {
            assert_non_null(json_string_value(json_object_get(item, "code")));
            assert_non_null(json_string_value(json_object_get(item, "field")));
            const char *message = json_string_value(json_object_get(item, "message"));
            assert_non_null(message);
            assert_true(strlen(message) > 0 && (unsigned char)message[strlen(message) - 1] >= 0x80);
        }
    }
    return p->st;
}

static void parsed_release(struct parsed *p)
{
    json_decref(p->filing);
    json_decref(p->lines);
    ph_problems_release(&p->problems);
}

static int line_of(const json_t *item)
{
    return (int)json_integer_value(json_object_get(item, "line"));
}

/* The content of a filing's first document. */
static const char *first_content(const json_t *filing)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(filing, "documents"), 0), "content"));
}

/* --- conversion ---------------------------------------------------------- */

static void test_converts_to_exact_json(void **state)
{
    (void)state;
    struct parsed p;
    assert_int_equal(parse(&p, base_xml, strlen(base_xml)), PH_OK);
    json_error_t error;
    json_t *expected = json_loads(base_json, 0, &error);
    assert_non_null(expected);
    /* json_equal tells 199 from 199.0: numbers keep the JSON type a JSON
     * client would send. */
    if (!json_equal(p.filing, expected)) {
        char *got = json_dumps(p.filing, JSON_INDENT(1) | JSON_SORT_KEYS);
        fail_msg("conversion differs: %s", got);
    }
    static const struct {
        const char *path;
        int line;
    } want[] = {
        {"product", 3},
        {"product.name", 4},
        {"product.category", 6},
        {"product.target_groups[1]", 7},
        {"product.premium_yuan_per_year.max", 11},
        {"product.covered[0]", 19},
        {"product.claim.documents[0]", 21},
        {"product.intermediary_fee.comparable_pct", 25},
        {"documents[0]", 27},
        {"documents[0].title", 29},
        {"documents[0].content", 30},
    };
    for (size_t i = 0; i < COUNT(want); i++) {
        json_t *line = json_object_get(p.lines, want[i].path);
        if (!json_is_integer(line) || json_integer_value(line) != want[i].line)
            fail_msg("line of %s: want %d got %lld", want[i].path, want[i].line,
                     (long long)json_integer_value(line));
    }
    json_decref(expected);
    parsed_release(&p);
}

static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    *out_len = n;
    return buf;
}

/* public/schema/examples/huiminbao-hangzhou.xml is demo.json's first
 * product, version 1, with three documents: the conversion must give back
 * that product exactly. */
static void test_example_matches_demo_product(void **state)
{
    (void)state;
    size_t len = 0;
    char *xml = read_file(PUHUI_SOURCE_PUBLIC_DIR "/schema/examples/huiminbao-hangzhou.xml", &len);
    struct parsed p;
    assert_int_equal(parse(&p, xml, len), PH_OK);
    json_error_t error;
    json_t *demo = json_load_file(PUHUI_SOURCE_PUBLIC_DIR "/../registry/data/demo.json", 0, &error);
    assert_non_null(demo);
    json_t *first_product = json_array_get(json_object_get(demo, "products"), 0);
    json_t *product = json_array_get(json_object_get(first_product, "versions"), 0);
    assert_non_null(product);
    if (!json_equal(json_object_get(p.filing, "product"), product)) {
        char *got = json_dumps(json_object_get(p.filing, "product"), JSON_INDENT(1));
        fail_msg("example product differs from demo.json: %s", got);
    }
    json_t *documents = json_object_get(p.filing, "documents");
    assert_int_equal(json_array_size(documents), 3);
    static const char *const types[] = {"terms", "rate_table", "prospectus"};
    for (size_t i = 0; i < 3; i++) {
        json_t *doc = json_array_get(documents, i);
        assert_string_equal(json_string_value(json_object_get(doc, "type")), types[i]);
        assert_string_equal(json_string_value(json_object_get(doc, "published_on")), "2026-01-05");
        const char *content = json_string_value(json_object_get(doc, "content"));
        assert_non_null(content);
        assert_true(content[strlen(content) - 1] == '\n');
    }
    assert_true(strncmp(json_string_value(json_object_get(json_array_get(documents, 0), "content")),
                        "第一条 保险合同的构成\n", strlen("第一条 保险合同的构成\n")) == 0);
    json_decref(demo);
    parsed_release(&p);
    free(xml);
}

/* --- every XSD error at once --------------------------------------------- */

static void test_schema_errors_all_with_lines(void **state)
{
    (void)state;
    char *a = replaced(base_xml, "<category>medical", "<category>medicel");
    char *b = replaced(a, "<age_max>80", "<age_max>abc");
    char *c = replaced(b, "<hotline>400-633-7720</hotline>", "<!-- no hotline -->");
    char *d = replaced(c, "<settle_days>", "<bogus/><settle_days>");
    char *xml = replaced(d, "<type>terms</type>", "<type>terms</type><type>notice</type>");
    struct parsed p;
    assert_int_equal(parse(&p, xml, strlen(xml)), PH_ERR_BAD_REQUEST);
    static const struct {
        const char *field;
        int line;
    } want[] = {
        {"/filing/product/category", 6},     {"/filing/product/age_max", 10},
        {"/filing/product/claim/bogus", 21}, {"/filing/product", 3}, /* hotline missing */
        {"/filing/document/type[2]", 28},
    };
    size_t count = json_array_size(p.problems.items);
    for (size_t i = 0; i < COUNT(want); i++) {
        bool found = false;
        for (size_t j = 0; j < count && !found; j++) {
            json_t *item = json_array_get(p.problems.items, j);
            found = strcmp(json_string_value(json_object_get(item, "field")), want[i].field) == 0 &&
                    line_of(item) == want[i].line;
            if (found) {
                assert_string_equal(json_string_value(json_object_get(item, "code")), "xml_schema_invalid");
                assert_non_null(json_string_value(json_object_get(item, "detail")));
            }
        }
        if (!found) {
            char *got = json_dumps(p.problems.items, JSON_INDENT(1));
            fail_msg("no error for %s at line %d in %s", want[i].field, want[i].line, got);
        }
    }
    assert_int_equal(count, COUNT(want));
    assert_string_equal(ph_problems_first_code(&p.problems), "xml_schema_invalid");
    /* The missing element is named in the Chinese message. */
    bool named = false;
    for (size_t j = 0; j < count; j++) {
        const char *m = json_string_value(json_object_get(json_array_get(p.problems.items, j), "message"));
        named = named || strstr(m, "hotline（客服电话）") != NULL;
    }
    assert_true(named);
    parsed_release(&p);
    free(a);
    free(b);
    free(c);
    free(d);
    free(xml);
}

/* --- hostile input -------------------------------------------------------- */

struct hostile {
    const char *name;
    const char *xml; /* NULL: built by the test */
    const char *code;
    int line; /* 0: any */
};

static const struct hostile hostile_cases[] = {
    {"empty", "", "body_empty", 0},
    {"xxe file",
     "<?xml version=\"1.0\"?>\n<!DOCTYPE filing [\n<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n"
     "<filing xmlns=\"urn:puhui:filing:1\">&xxe;</filing>\n",
     "xml_doctype_refused", 2},
    {"external dtd http",
     "<?xml version=\"1.0\"?>\n<!DOCTYPE filing SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n"
     "<filing xmlns=\"urn:puhui:filing:1\"/>\n",
     "xml_doctype_refused", 2},
    {"external dtd file after a comment",
     "<?xml version=\"1.0\"?>\n<!-- <filing> -->\n<?pi x?>\n<!DOCTYPE filing PUBLIC \"-//X//EN\" "
     "\"file:///etc/passwd\">\n"
     "<filing xmlns=\"urn:puhui:filing:1\"/>\n",
     "xml_doctype_refused", 4},
    {"billion laughs",
     "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">"
     "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;\">]>\n<filing xmlns=\"urn:puhui:filing:1\">&lol3;</filing>\n",
     "xml_doctype_refused", 2},
    {"entity without doctype", "<filing xmlns=\"urn:puhui:filing:1\">\n<product>&xxe;</product></filing>\n",
     "xml_invalid", 2},
    {"not well formed", "<filing xmlns=\"urn:puhui:filing:1\">\n<product>\n</filing>\n", "xml_invalid", 3},
    {"lying encoding declaration",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<filing xmlns=\"urn:puhui:filing:1\">中文</filing>\n",
     "xml_encoding_invalid", 1},
    {"gbk declaration", "<?xml version='1.0' encoding = 'GBK' ?><filing/>", "xml_encoding_invalid", 1},
    {"invalid utf-8", "<filing xmlns=\"urn:puhui:filing:1\">\n<product>\n\xC3\x28</product></filing>",
     "xml_encoding_invalid", 3},
    {"utf-16 bom", "\xFF\xFE<\0f\0/\0>\0", "xml_encoding_invalid", 1},
    {"xinclude",
     "<filing xmlns=\"urn:puhui:filing:1\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
     "<xi:include href=\"file:///etc/passwd\" parse=\"text\"/></filing>\n",
     "xml_schema_invalid", 2},
    {"wrong namespace", "<filing xmlns=\"urn:other\"/>", "xml_schema_invalid", 1},
    {"no namespace", "<filing/>", "xml_schema_invalid", 1},
    {"html", "<html><body>产品</body></html>", "xml_schema_invalid", 1},
    {"json", "{\"product\": {}}", "xml_invalid", 1},
};

static void test_hostile_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(hostile_cases); i++) {
        const struct hostile *h = &hostile_cases[i];
        size_t len = strcmp(h->name, "utf-16 bom") == 0 ? 10 : strlen(h->xml);
        struct parsed p;
        ph_status st = parse(&p, h->xml, len);
        json_t *first = json_array_get(p.problems.items, 0);
        if (st != PH_ERR_BAD_REQUEST || strcmp(ph_problems_first_code(&p.problems), h->code) != 0 ||
            (h->line > 0 && line_of(first) != h->line)) {
            char *got = json_dumps(p.problems.items, JSON_INDENT(1));
            fail_msg("%s: want %s at line %d, got status %d: %s", h->name, h->code, h->line, (int)st, got);
        }
        /* Nothing of /etc/passwd in any answer. */
        char *text = json_dumps(p.problems.items, 0);
        assert_null(strstr(text, "root:"));
        free(text);
        parsed_release(&p);
    }
}

/* 10,000 nested elements: refused at depth 65 (line 66 here: one element
 * a line after the root). */
static void test_deep_nesting_refused(void **state)
{
    (void)state;
    size_t depth = 10000;
    size_t size = 64 + depth * 8 + depth * 5;
    char *xml = malloc(size);
    assert_non_null(xml);
    size_t n = (size_t)snprintf(xml, size, "<filing xmlns=\"urn:puhui:filing:1\">\n");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)snprintf(xml + n, size - n, "<a>\n");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)snprintf(xml + n, size - n, "</a>");
    n += (size_t)snprintf(xml + n, size - n, "</filing>");
    struct parsed p;
    assert_int_equal(parse(&p, xml, n), PH_ERR_BAD_REQUEST);
    assert_string_equal(ph_problems_first_code(&p.problems), "xml_too_deep");
    assert_int_equal(line_of(json_array_get(p.problems.items, 0)), PH_FILING_MAX_DEPTH + 1);
    parsed_release(&p);
    free(xml);
}

/* Built inputs that must be refused by the caps on libxml2's work. */
static void expect_refused(const char *xml, size_t len, const char *code, int line)
{
    struct parsed p;
    assert_int_equal(parse(&p, xml, len), PH_ERR_BAD_REQUEST);
    int got_line = line_of(json_array_get(p.problems.items, 0));
    if (strcmp(ph_problems_first_code(&p.problems), code) != 0 || (line > 0 && got_line != line))
        fail_msg("want %s at line %d, got %s at line %d", code, line, ph_problems_first_code(&p.problems),
                 got_line);
    parsed_release(&p);
}

/* libxml2 compares a tag's attributes pairwise: 100,000 of them would take
 * minutes. 32 pass the count (and fail the schema), 33 do not, nor do 33
 * namespace declarations, nor 10,001 elements or CDATA sections. */
static void test_work_caps(void **state)
{
    (void)state;
    size_t size = 2 * 1024 * 1024;
    char *xml = malloc(size);
    assert_non_null(xml);
    size_t n = (size_t)snprintf(xml, size, "<filing xmlns=\"urn:puhui:filing:1\">\n<a");
    for (int i = 0; i < PH_FILING_MAX_ATTRIBUTES - 1; i++)
        n += (size_t)snprintf(xml + n, size - n, " a%d = '>'", i);
    n += (size_t)snprintf(xml + n, size - n, "/></filing>");
    expect_refused(xml, n, "xml_schema_invalid", 2);
    n = (size_t)snprintf(xml, size, "<filing xmlns=\"urn:puhui:filing:1\">\n<a");
    for (int i = 0; i < PH_FILING_MAX_ATTRIBUTES + 1; i++)
        n += (size_t)snprintf(xml + n, size - n, " a%d = '>'", i);
    n += (size_t)snprintf(xml + n, size - n, "/></filing>");
    expect_refused(xml, n, "xml_too_many_attributes", 2);
    n = (size_t)snprintf(xml, size, "<filing xmlns=\"urn:puhui:filing:1\">\n");
    for (int i = 0; i < PH_FILING_MAX_NAMESPACES; i++)
        n += (size_t)snprintf(xml + n, size - n, "<a xmlns:p%d=\"urn:x\"/>\n", i);
    n += (size_t)snprintf(xml + n, size - n, "</filing>");
    expect_refused(xml, n, "xml_too_many_attributes", PH_FILING_MAX_NAMESPACES + 1);
    n = (size_t)snprintf(xml, size, "<filing xmlns=\"urn:puhui:filing:1\">\n");
    for (int i = 0; i < PH_FILING_MAX_ELEMENTS; i++)
        n += (size_t)snprintf(xml + n, size - n, "<a/>%s", i % 100 == 99 ? "\n" : "");
    n += (size_t)snprintf(xml + n, size - n, "</filing>");
    expect_refused(xml, n, "xml_too_many_elements", PH_FILING_MAX_ELEMENTS / 100 + 1);
    n = (size_t)snprintf(xml, size, "<filing xmlns=\"urn:puhui:filing:1\"><a>");
    for (int i = 0; i < PH_FILING_MAX_ELEMENTS + 1; i++)
        n += (size_t)snprintf(xml + n, size - n, "<![CDATA[x]]>");
    n += (size_t)snprintf(xml + n, size - n, "</a></filing>");
    expect_refused(xml, n, "xml_too_many_elements", 1);
    free(xml);
}

/* "=" in text, in CDATA and in comments is not an attribute; comments in
 * a text are dropped, and its two halves joined. */
static void test_text_is_not_counted(void **state)
{
    (void)state;
    char *xml = replaced(base_xml, "第二条\n</content>",
                         "第二条\n<!-- == -->========================================<![CDATA[==]]>"
                         "==================</content>");
    struct parsed p;
    assert_int_equal(parse(&p, xml, strlen(xml)), PH_OK);
    assert_string_equal(first_content(p.filing), "  第一条 a < b & c 与 <x> 中\n\t第二条\n"
                                                 "==========================================================="
                                                 "=");
    parsed_release(&p);
    free(xml);
}

static void test_too_large_refused(void **state)
{
    (void)state;
    size_t len = PH_FILING_BODY_MAX_BYTES + 1;
    char *xml = malloc(len);
    assert_non_null(xml);
    memset(xml, ' ', len);
    struct parsed p;
    ph_status st = parse(&p, xml, len);
    assert_int_equal(st, PH_ERR_BAD_REQUEST);
    assert_string_equal(ph_problems_first_code(&p.problems), "body_too_large");
    assert_int_equal(ph_filing_parse_http_status(st, &p.problems), 413);
    parsed_release(&p);
    free(xml);
}

/* xsi:schemaLocation is a hint libxml2 ignores when given a schema; the
 * entity loader would refuse it anyway. The filing still validates. */
static void test_schema_location_ignored(void **state)
{
    (void)state;
    char *xml = replaced(base_xml, "<filing xmlns=\"urn:puhui:filing:1\">",
                         "<filing xmlns=\"urn:puhui:filing:1\" "
                         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                         "xsi:schemaLocation=\"urn:puhui:filing:1 file:///etc/passwd\">");
    struct parsed p;
    assert_int_equal(parse(&p, xml, strlen(xml)), PH_OK);
    parsed_release(&p);
    free(xml);
}

/* xml:space and xml:lang may sit on <content> and change nothing; any other
 * attribute is refused, with the element's line. */
static void test_content_attributes(void **state)
{
    (void)state;
    char *xml = replaced(base_xml, "<content>", "<content xml:space=\"preserve\" xml:lang=\"zh\">");
    struct parsed p;
    assert_int_equal(parse(&p, xml, strlen(xml)), PH_OK);
    assert_string_equal(first_content(p.filing), "  第一条 a < b & c 与 <x> 中\n\t第二条\n");
    parsed_release(&p);
    free(xml);

    xml = replaced(base_xml, "<content>", "<content format=\"html\">");
    assert_int_equal(parse(&p, xml, strlen(xml)), PH_ERR_BAD_REQUEST);
    assert_int_equal(ph_problems_count(&p.problems), 1);
    json_t *item = json_array_get(p.problems.items, 0);
    assert_string_equal(json_string_value(json_object_get(item, "code")), "xml_schema_invalid");
    assert_int_equal(line_of(item), 30);
    assert_non_null(strstr(json_string_value(json_object_get(item, "message")), "format"));
    parsed_release(&p);
    free(xml);
}

/* --- lines for the registry's problems ------------------------------------ */

static void test_add_lines(void **state)
{
    (void)state;
    json_error_t error;
    json_t *lines =
        json_loads("{\"product\": 3, \"product.claim\": 21, \"product.claim.documents\": 21,"
                   "\"product.covered[0]\": 19, \"documents[0]\": 27, \"documents[0].title\": 29}",
                   0, &error);
    assert_non_null(lines);
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_problems_add(&problems, "string_length", "documents[0].title", "标题太短。");
    ph_problems_add(&problems, "string_length", "product.covered[0]", "太短。");
    ph_problems_add(&problems, "list_length", "product.claim.documents[3]", "太多。");
    ph_problems_add(&problems, "age_range", "product.age_min", "年龄。");
    ph_problems_add(&problems, "solvency_inadequate", "", "偿付能力。");
    ph_filing_add_lines(problems.items, lines);
    static const int want[] = {29, 19, 21, 3, 0};
    for (size_t i = 0; i < COUNT(want); i++)
        assert_int_equal(line_of(json_array_get(problems.items, i)), want[i]);
    ph_problems_release(&problems);
    json_decref(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converts_to_exact_json),
        cmocka_unit_test(test_example_matches_demo_product),
        cmocka_unit_test(test_schema_errors_all_with_lines),
        cmocka_unit_test(test_hostile_refused),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_too_large_refused),
        cmocka_unit_test(test_work_caps),
        cmocka_unit_test(test_text_is_not_counted),
        cmocka_unit_test(test_schema_location_ignored),
        cmocka_unit_test(test_content_attributes),
        cmocka_unit_test(test_add_lines),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
