/*
 * tests/unit/test_template.c - a11y/template.h: values, names and the
 * context stack, every section kind with every value kind, partials,
 * Mustache's standalone lines, escaping of hostile values, URL safety,
 * every compile error with its position, the set's life cycle, caps, and
 * loading a directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a11y/template.h"

/* --- helpers -------------------------------------------------------------- */

/* Every name in `present` (NULL-terminated) is in the set, none of
 * `absent`: called after each change to a set. */
static void assert_templates_sane(const struct ph_templates *set, const char *const *present,
                                  const char *const *absent)
{
    for (size_t i = 0; present != NULL && present[i] != NULL; i++) {
        if (!ph_templates_has(set, present[i]))
            fail_msg("template %s should be in the set", present[i]);
    }
    for (size_t i = 0; absent != NULL && absent[i] != NULL; i++) {
        if (ph_templates_has(set, absent[i]))
            fail_msg("template %s should not be in the set", absent[i]);
    }
}

static json_t *parse_view(const char *view_json)
{
    if (view_json == NULL)
        return NULL;
    json_error_t error;
    json_t *view = json_loads(view_json, JSON_DECODE_ANY, &error);
    if (view == NULL)
        fail_msg("bad test view %s: %s", view_json, error.text);
    return view;
}

struct partial {
    const char *name;
    const char *text;
};

/* A finished set of "t" and the partials. */
static struct ph_templates *set_with(const char *text, const struct partial *partials, size_t partial_count)
{
    struct ph_templates *set = ph_templates_new();
    assert_non_null(set);
    char err[256];
    enum ph_template_status status = ph_templates_add(set, "t", text, strlen(text), err, sizeof err);
    if (status != PH_TEMPLATE_OK)
        fail_msg("compiling %s: %s", text, err);
    assert_string_equal(err, "");
    for (size_t i = 0; i < partial_count; i++) {
        status = ph_templates_add(set, partials[i].name, partials[i].text, strlen(partials[i].text), err,
                                  sizeof err);
        if (status != PH_TEMPLATE_OK)
            fail_msg("compiling partial %s: %s", partials[i].name, err);
    }
    status = ph_templates_finish(set, err, sizeof err);
    if (status != PH_TEMPLATE_OK)
        fail_msg("finishing: %s", err);
    const char *const present[] = {"t", NULL};
    assert_templates_sane(set, present, NULL);
    return set;
}

/* Renders "t" and returns the output (caller frees), failing the test on
 * any error. */
static char *render_text(const char *text, const char *view_json, const struct partial *partials,
                         size_t partial_count)
{
    struct ph_templates *set = set_with(text, partials, partial_count);
    json_t *view = parse_view(view_json);
    struct ph_buf out;
    ph_buf_init(&out, 1u << 20);
    enum ph_template_status status = ph_templates_render(set, "t", view, &out);
    if (status != PH_TEMPLATE_OK)
        fail_msg("rendering %s: %s", text, ph_template_status_name(status));
    assert_false(out.failed);
    char *result = ph_buf_detach(&out, NULL);
    assert_non_null(result);
    json_decref(view);
    ph_templates_free(set);
    return result;
}

struct render_case {
    const char *template_text;
    const char *view; /* JSON; NULL renders with a NULL view */
    const char *expected;
};

static void run_render_cases(const struct render_case *cases, size_t count, const struct partial *partials,
                             size_t partial_count)
{
    for (size_t i = 0; i < count; i++) {
        char *got = render_text(cases[i].template_text, cases[i].view, partials, partial_count);
        if (strcmp(got, cases[i].expected) != 0)
            fail_msg("case %zu: %s with %s\n  gave     [%s]\n  expected [%s]", i, cases[i].template_text,
                     cases[i].view ? cases[i].view : "NULL", got, cases[i].expected);
        free(got);
    }
}

#define RUN(cases) run_render_cases(cases, sizeof(cases) / sizeof(cases[0]), NULL, 0)

/* --- values, names, the context stack ------------------------------------- */

static void test_variables(void **state)
{
    (void)state;
    static const struct render_case cases[] = {
        {"{{name}}", "{\"name\":\"张三\"}", "张三"},
        {"<p>{{ name }}</p>", "{\"name\":\"李四\"}", "<p>李四</p>"},
        {"每年 {{premium}} 元", "{\"premium\":120}", "每年 120 元"},
        {"{{n}}", "{\"n\":-9007199254740993}", "-9007199254740993"},
        {"{{r}}", "{\"r\":1.5}", "1.5"},
        {"{{r}}", "{\"r\":3.0}", "3"},
        {"{{r}}", "{\"r\":0.1}", "0.1"},
        {"{{r}}", "{\"r\":1e20}", "1e+20"},
        {"[{{t}}{{f}}{{z}}{{o}}{{a}}]", "{\"t\":true,\"f\":false,\"z\":null,\"o\":{\"k\":1},\"a\":[1]}",
         "[]"},
        {"[{{missing}}]", "{}", "[]"},
        {"[{{x}}]", NULL, "[]"},
        {"[{{.}}]", "\"top\"", "[top]"},
        {"[{{.}}]", "{\"a\":1}", "[]"},
        {"{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep"},
        {"[{{a.b.c}}]", "{\"a\":{\"b\":\"not an object\"}}", "[]"},
        {"[{{a.x}}]", "{\"a\":{\"b\":1}}", "[]"},
        {"[{{no.such}}]", "{\"a\":1}", "[]"},
        {"{{with-dash}} {{under_score}} {{Mixed9}}", "{\"with-dash\":1,\"under_score\":2,\"Mixed9\":3}",
         "1 2 3"},
        /* Without a tag, braces are text. */
        {"a { b } c }} d", "{}", "a { b } c }} d"},
    };
    RUN(cases);
}

static void test_context_stack(void **state)
{
    (void)state;
    static const struct render_case cases[] = {
        /* Names walk outwards. */
        {"{{#person}}{{name}}, {{region}}{{/person}}", "{\"region\":\"北京\",\"person\":{\"name\":\"李四\"}}",
         "李四, 北京"},
        /* The innermost context wins. */
        {"{{name}}/{{#p}}{{name}}{{/p}}", "{\"name\":\"outer\",\"p\":{\"name\":\"inner\"}}", "outer/inner"},
        /* A dotted name's first segment walks the stack, the rest does not. */
        {"{{#x}}{{a.b}}{{/x}}", "{\"a\":{\"b\":\"outer\"},\"x\":{\"y\":1}}", "outer"},
        {"{{#a}}[{{b.c}}]{{/a}}", "{\"a\":{\"b\":{}},\"b\":{\"c\":\"wrong\"}}", "[]"},
        /* A found key stops the walk even when its value is false. */
        {"{{#o}}[{{flag}}]{{/o}}", "{\"flag\":\"outer\",\"o\":{\"flag\":false}}", "[]"},
        /* Non-object contexts are passed over. */
        {"{{#xs}}{{label}}{{.}};{{/xs}}", "{\"label\":\"L\",\"xs\":[\"a\",\"b\"]}", "La;Lb;"},
        {"{{#a}}{{#b}}{{#c}}{{x}}{{y}}{{z}}{{/c}}{{/b}}{{/a}}",
         "{\"x\":1,\"a\":{\"y\":2,\"b\":{\"z\":3,\"c\":true}}}", "123"},
    };
    RUN(cases);
}

/* --- sections --------------------------------------------------------------- */

static void test_sections_by_value_kind(void **state)
{
    (void)state;
    static const struct render_case cases[] = {
        {"{{#items}}<li>{{name}}</li>{{/items}}", "{\"items\":[{\"name\":\"甲\"},{\"name\":\"乙\"}]}",
         "<li>甲</li><li>乙</li>"},
        {"[{{#xs}}x{{/xs}}]", "{\"xs\":[]}", "[]"},
        {"{{#xs}}[{{.}}]{{/xs}}", "{\"xs\":[\"a\",\"<b>\",3,1.5]}", "[a][&lt;b&gt;][3][1.5]"},
        {"{{#xs}}x{{/xs}}", "{\"xs\":[null,false,0,\"\"]}", "xxxx"},
        {"{{#xs}}{{#.}}{{.}}{{/.}};{{/xs}}", "{\"xs\":[[1,2],[3],[]]}", "12;3;;"},
        {"{{#o}}{{k}}{{/o}}", "{\"o\":{\"k\":\"v\"}}", "v"},
        {"{{#o}}yes{{/o}}", "{\"o\":{}}", "yes"},
        {"{{#t}}yes{{/t}}", "{\"t\":true}", "yes"},
        {"[{{#f}}yes{{/f}}]", "{\"f\":false}", "[]"},
        {"[{{#z}}yes{{/z}}]", "{\"z\":null}", "[]"},
        {"[{{#m}}yes{{/m}}]", "{}", "[]"},
        {"{{#s}}[{{.}}]{{/s}}", "{\"s\":\"hi\"}", "[hi]"},
        {"[{{#s}}yes{{/s}}]", "{\"s\":\"\"}", "[]"},
        {"{{#n}}[{{.}}]{{/n}}", "{\"n\":0}", "[0]"},
        {"{{#n}}[{{.}}]{{/n}}", "{\"n\":0.0}", "[0]"},
        {"{{#a.b}}[{{c}}]{{/a.b}}", "{\"a\":{\"b\":{\"c\":\"x\"}}}", "[x]"},
        {"{{#.}}{{.}}{{/.}}", "[\"x\",\"y\"]", "xy"},
    };
    RUN(cases);
}

static void test_inverted_sections(void **state)
{
    (void)state;
    static const struct render_case cases[] = {
        {"{{^v}}no{{/v}}", "{\"v\":false}", "no"},
        {"{{^v}}no{{/v}}", "{\"v\":null}", "no"},
        {"{{^v}}no{{/v}}", "{}", "no"},
        {"{{^v}}no{{/v}}", "{\"v\":[]}", "no"},
        {"{{^v}}no{{/v}}", "{\"v\":\"\"}", "no"},
        {"[{{^v}}no{{/v}}]", "{\"v\":true}", "[]"},
        {"[{{^v}}no{{/v}}]", "{\"v\":\"x\"}", "[]"},
        {"[{{^v}}no{{/v}}]", "{\"v\":0}", "[]"},
        {"[{{^v}}no{{/v}}]", "{\"v\":{}}", "[]"},
        {"[{{^v}}no{{/v}}]", "{\"v\":[false]}", "[]"},
        /* The inverted body keeps the outer context. */
        {"{{#xs}}{{.}}{{/xs}}{{^xs}}没有{{what}}{{/xs}}", "{\"xs\":[],\"what\":\"产品\"}", "没有产品"},
        {"{{^a.b}}none{{/a.b}}", "{\"a\":{\"b\":false}}", "none"},
    };
    RUN(cases);
}

static void test_comments(void **state)
{
    (void)state;
    static const struct render_case cases[] = {
        {"a{{! a comment }}b", "{}", "ab"},
        {"a{{!\n  many\n  lines }}b", "{}", "ab"},
        {"a{{! {{not a tag}} }}b", "{}", "a }}b"},
        {"a{{!}}b", "{}", "ab"},
    };
    RUN(cases);
}

/* --- Mustache's standalone lines -------------------------------------------- */

static void test_standalone_lines(void **state)
{
    (void)state;
    static const struct render_case cases[] = {
        {"<ul>\n  {{#items}}\n  <li>{{.}}</li>\n  {{/items}}\n</ul>\n", "{\"items\":[\"a\",\"b\"]}",
         "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n"},
        {"<ul>\n  {{^items}}\n  <li>无</li>\n  {{/items}}\n</ul>\n", "{\"items\":[]}",
         "<ul>\n  <li>无</li>\n</ul>\n"},
        {"a\n  {{! note }}\nb\n", "{}", "a\nb\n"},
        {"a\n\t{{!\n multi-line\n }}  \nb\n", "{}", "a\nb\n"},
        /* At the start and at the end without a newline. */
        {"{{#t}}\nb\n{{/t}}\n", "{\"t\":true}", "b\n"},
        {"a\n{{#t}}\nb\n  {{/t}}", "{\"t\":true}", "a\nb\n"},
        /* CRLF counts as a newline. */
        {"a\r\n{{#t}}\r\nb\r\n{{/t}}\r\n", "{\"t\":true}", "a\r\nb\r\n"},
        /* Not standalone: other text or another tag on the line, or a variable. */
        {" {{#t}}yes{{/t}}\n", "{\"t\":true}", " yes\n"},
        {"{{#t}}{{/t}}\nx", "{\"t\":true}", "\nx"},
        {"x {{#t}}\ny\n{{/t}} z", "{\"t\":true}", "x \ny\n z"},
        {"  {{v}}\n", "{\"v\":\"v\"}", "  v\n"},
        {"a {{! c }}\nb", "{}", "a \nb"},
        /* A lone \r is not a line end. */
        {"{{#t}}\rx{{/t}}", "{\"t\":true}", "\rx"},
        /* Nested standalone sections. */
        {"<dl>\n{{#a}}\n  {{#b}}\n  <dt>{{c}}</dt>\n  {{/b}}\n{{/a}}\n</dl>\n",
         "{\"a\":{\"b\":[{\"c\":1},{\"c\":2}]}}", "<dl>\n  <dt>1</dt>\n  <dt>2</dt>\n</dl>\n"},
    };
    RUN(cases);
}

static void test_partials(void **state)
{
    (void)state;
    static const struct partial partials[] = {
        {"item", "<li>{{name}} ({{region}})</li>"},
        {"block", "<p>\n{{x}}\n</p>\n"},
        {"inline", "1\n2"},
        {"outer", "x\n  {{>inner}}\n"},
        {"inner", "y\nz\n"},
        {"cond", "{{#t}}a\n{{/t}}b\n"},
        {"node", "<li>{{name}}{{#children}}<ul>{{>node}}</ul>{{/children}}</li>"},
    };
    static const struct render_case cases[] = {
        {"{{#items}}{{>item}}{{/items}}",
         "{\"region\":\"全国\",\"items\":[{\"name\":\"甲\"},{\"name\":\"乙\"}]}",
         "<li>甲 (全国)</li><li>乙 (全国)</li>"},
        {"{{> item }}", "{\"name\":\"<x>\"}", "<li>&lt;x&gt; ()</li>"},
        /* A standalone partial is indented; the values inside are not. */
        {"<div>\n  {{>block}}\n</div>\n", "{\"x\":\"a\\nb\"}", "<div>\n  <p>\n  a\nb\n  </p>\n</div>\n"},
        /* An inline partial is not indented. */
        {"  <b>{{>inline}}</b>", "{}", "  <b>1\n2</b>"},
        /* Indentation adds up through standalone partials. */
        {"  {{>outer}}\n", "{}", "  x\n    y\n    z\n"},
        {"\t{{>inline}}\nend", "{}", "\t1\n\t2end"},
        /* A closing tag that starts a line inside an indented partial. */
        {"  {{>cond}}\n", "{\"t\":true}", "  a\n  b\n"},
        {"  {{>cond}}\n", "{\"t\":false}", "  b\n"},
        /* Recursion that the data ends (a leaf needs its own empty list, or
         * the lookup walks out to its parent's). */
        {"<ul>{{>node}}</ul>",
         "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{\"name\":\"c\",\"children\":[]}]}]}",
         "<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li></ul>"},
    };
    run_render_cases(cases, sizeof cases / sizeof cases[0], partials, sizeof partials / sizeof partials[0]);
}

/* --- escaping and URLs ----------------------------------------------------- */

static void test_hostile_values(void **state)
{
    (void)state;
    static const struct render_case cases[] = {
        {"<p>{{x}}</p>", "{\"x\":\"<script>alert('x')</script>\"}",
         "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>"},
        {"<p>{{x}}</p>", "{\"x\":\"&amp; & &lt;\"}", "<p>&amp;amp; &amp; &amp;lt;</p>"},
        {"<input value=\"{{v}}\">", "{\"v\":\"\\\"><script>x</script>\"}",
         "<input value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">"},
        {"<input value='{{v}}'>", "{\"v\":\"' onmouseover='x\"}", "<input value='&#39; onmouseover=&#39;x'>"},
        {"<title>{{t}} - 普惠保险服务平台</title>", "{\"t\":\"</title><script>\"}",
         "<title>&lt;/title&gt;&lt;script&gt; - 普惠保险服务平台</title>"},
        {"<textarea name=\"c\">{{c}}</textarea>", "{\"c\":\"</textarea>\"}",
         "<textarea name=\"c\">&lt;/textarea&gt;</textarea>"},
        {"<!-- {{x}} -->", "{\"x\":\"--><script>\"}", "<!-- --&gt;&lt;script&gt; -->"},
        /* Raw HTML only through a name ending in _html. */
        {"<p>{{&hit_html}}</p>", "{\"hit_html\":\"<mark>意外</mark>\"}", "<p><mark>意外</mark></p>"},
        {"<p>{{& a.qr_html }}</p>", "{\"a\":{\"qr_html\":\"<svg></svg>\"}}", "<p><svg></svg></p>"},
        {"<p>{{hit_html}}</p>", "{\"hit_html\":\"<mark>\"}", "<p>&lt;mark&gt;</p>"},
        /* Sections in a tag and in plain attribute values. */
        {"<input type=\"checkbox\" {{#on}}checked{{/on}} name=\"a\">", "{\"on\":true}",
         "<input type=\"checkbox\" checked name=\"a\">"},
        {"<option value=\"{{v}}\"{{#sel}} selected{{/sel}}>", "{\"v\":\"1\",\"sel\":false}",
         "<option value=\"1\">"},
        {"<body class=\"{{#elder}}elder {{/elder}}{{theme}}\">", "{\"elder\":true,\"theme\":\"hc\"}",
         "<body class=\"elder hc\">"},
        {"<script src=\"/static/a.js\"></script>{{x}}", "{\"x\":\"<b>\"}",
         "<script src=\"/static/a.js\"></script>&lt;b&gt;"},
        {"<style>p{color:red}</style><p>{{x}}</p>", "{\"x\":1}", "<style>p{color:red}</style><p>1</p>"},
        {"<SCRIPT>if (a<b) x();</Script ><p>{{x}}</p>", "{\"x\":1}", "<SCRIPT>if (a<b) x();</Script ><p>1</p>"},
        {"<!DOCTYPE html><html lang=\"zh-CN\">{{x}}</html>", "{\"x\":1}",
         "<!DOCTYPE html><html lang=\"zh-CN\">1</html>"},
        {"<p>年龄 < {{max}} 岁</p>", "{\"max\":70}", "<p>年龄 < 70 岁</p>"},
        {"<body{{#elder}} class=\"elder\"{{/elder}}>", "{\"elder\":true}", "<body class=\"elder\">"},
        {"<a{{#x}} href=\"/\"{{/x}}>x</a>", "{\"x\":false}", "<a>x</a>"},
        {"<input {{#c}}checked{{/c}} {{#d}}disabled {{/d}}>", "{\"c\":[1,2],\"d\":true}",
         "<input checkedchecked disabled >"},
        {"<a href {{#c}}{{/c}}=\"{{u}}\">", "{\"u\":\"javascript:x\"}", "<a href =\"about:invalid\">"},
        /* Sections may open and close elements, as long as each ends where it began. */
        {"{{#a}}<b>{{/a}}</b><i>{{^a}}</i>{{/a}}", "{\"a\":true}", "<b></b><i>"},
    };
    RUN(cases);
}

static void test_url_safety(void **state)
{
    (void)state;
    static const struct {
        const char *value; /* a JSON value */
        const char *rendered;
    } values[] = {
        {"\"javascript:alert(1)\"", "about:invalid"},
        {"\"JaVaScRiPt:alert(1)\"", "about:invalid"},
        {"\"  javascript:alert(1)\"", "about:invalid"},
        {"\"\\u0001\\u001fjavascript:alert(1)\"", "about:invalid"},
        {"\"java\\tscr\\nipt:alert(1)\"", "about:invalid"},
        {"\"data:text/html,<b>x</b>\"", "about:invalid"},
        {"\"vbscript:msgbox\"", "about:invalid"},
        {"\"//evil.example\"", "about:invalid"},
        {"\"/\\\\evil.example\"", "about:invalid"},
        {"\"/\\t/evil.example\"", "about:invalid"},
        {"\"relative/path\"", "about:invalid"},
        {"\"ftp://x.example\"", "about:invalid"},
        {"\"\"", "about:invalid"},
        {"42", "about:invalid"},
        {"null", "about:invalid"},
        {"{}", "about:invalid"},
        {"\"/ok\"", "/ok"},
        {"\"/\"", "/"},
        {"\"/search?q=意外&page=2\"", "/search?q=意外&amp;page=2"},
        {"\"?page=2\"", "?page=2"},
        {"\"#main\"", "#main"},
        {"\"https://ok.example/a\"", "https://ok.example/a"},
        {"\"HTTP://ok.example\"", "HTTP://ok.example"},
        {"\"  https://ok.example\"", "  https://ok.example"},
        {"\"tel:95519\"", "tel:95519"},
        {"\"mailto:help@example.cn\"", "mailto:help@example.cn"},
        {"\"https://x.example/\\\"onclick='a'\"", "https://x.example/&quot;onclick=&#39;a&#39;"},
    };
    /* Each template, and what it renders before and after the value. */
    static const char *const templates[][3] = {
        {"<a href=\"{{u}}\">x</a>", "<a href=\"", "\">x</a>"},
        {"<a href='{{u}}'>x</a>", "<a href='", "'>x</a>"},
        {"<a HREF=\" {{u}} \">x</a>", "<a HREF=\" ", " \">x</a>"},
        {"<img src=\"{{u}}\" alt=\"\">", "<img src=\"", "\" alt=\"\">"},
        {"<form action=\"{{u}}\" method=\"post\"></form>", "<form action=\"", "\" method=\"post\"></form>"},
        {"<button formaction=\"{{u}}\">x</button>", "<button formaction=\"", "\">x</button>"},
        {"{{#links}}<a href=\"{{u}}\"{{#cur}} aria-current=\"page\"{{/cur}}>x</a>{{/links}}", "<a href=\"",
         "\">x</a>"},
    };
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
        for (size_t k = 0; k < sizeof templates / sizeof templates[0]; k++) {
            char view[256];
            if (k == 6)
                snprintf(view, sizeof view, "{\"links\":[{\"u\":%s}]}", values[v].value);
            else
                snprintf(view, sizeof view, "{\"u\":%s}", values[v].value);
            char expected[512];
            snprintf(expected, sizeof expected, "%s%s%s", templates[k][1], values[v].rendered,
                     templates[k][2]);
            char *got = render_text(templates[k][0], view, NULL, 0);
            if (strcmp(got, expected) != 0)
                fail_msg("%s with %s gave [%s], expected [%s]", templates[k][0], view, got, expected);
            free(got);
        }
    }
    /* After a fixed safe prefix the value is only escaped; other
     * attributes are not URLs. */
    static const struct render_case cases[] = {
        {"<a href=\"/products/{{id}}\">", "{\"id\":\"javascript:x\"}", "<a href=\"/products/javascript:x\">"},
        {"<a href=\"/search?q={{q}}&amp;page={{p}}\">", "{\"q\":\"意外 险\",\"p\":2}",
         "<a href=\"/search?q=意外 险&amp;page=2\">"},
        {"<a href=\"?page={{p}}\">", "{\"p\":\"//evil\"}", "<a href=\"?page=//evil\">"},
        {"<a href=\"#{{id}}\">", "{\"id\":\"x\"}", "<a href=\"#x\">"},
        {"<a href=\"tel:{{n}}\">", "{\"n\":\"95519\"}", "<a href=\"tel:95519\">"},
        {"<a href=\"MailTo:{{m}}\">", "{\"m\":\"a@b.cn\"}", "<a href=\"MailTo:a@b.cn\">"},
        {"<a href=\"https://{{host}}/x\">", "{\"host\":\"gov.cn\"}", "<a href=\"https://gov.cn/x\">"},
        {"<a href=\"/p{{#page}}?page={{page}}{{/page}}\">", "{\"page\":3}", "<a href=\"/p?page=3\">"},
        {"<a title=\"{{u}}\" href=\"/x\">", "{\"u\":\"javascript:x\"}",
         "<a title=\"javascript:x\" href=\"/x\">"},
        {"<a data-href=\"{{u}}\">", "{\"u\":\"javascript:x\"}", "<a data-href=\"javascript:x\">"},
        {"<p>{{u}}</p>", "{\"u\":\"javascript:x\"}", "<p>javascript:x</p>"},
    };
    RUN(cases);
}

/* --- compile errors -------------------------------------------------------- */

struct error_case {
    const char *template_text;
    enum ph_template_status status;
    const char *message; /* the whole message */
};

static void run_error_cases(const struct error_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct ph_templates *set = ph_templates_new();
        assert_non_null(set);
        char err[512];
        enum ph_template_status status = ph_templates_add(set, "t", cases[i].template_text,
                                                          strlen(cases[i].template_text), err, sizeof err);
        if (status != cases[i].status)
            fail_msg("case %zu (%s): status %s, expected %s (%s)", i, cases[i].template_text,
                     ph_template_status_name(status), ph_template_status_name(cases[i].status), err);
        if (strncmp(err, cases[i].message, strlen(cases[i].message)) != 0)
            fail_msg("case %zu (%s): message [%s], expected it to start [%s]", i, cases[i].template_text, err,
                     cases[i].message);
        /* Nothing was added, and the name is still free. */
        const char *const absent[] = {"t", NULL};
        assert_templates_sane(set, NULL, absent);
        assert_int_equal(ph_templates_add(set, "t", "ok", 2, err, sizeof err), PH_TEMPLATE_OK);
        const char *const present[] = {"t", NULL};
        assert_templates_sane(set, present, NULL);
        ph_templates_free(set);
    }
}

static void test_compile_errors(void **state)
{
    (void)state;
    static const struct error_case cases[] = {
        {"x\n  {{#a}}\nb", PH_TEMPLATE_SYNTAX, "t:2:3: section {{#a}} is never closed"},
        {"{{#a}}x{{/b}}", PH_TEMPLATE_SYNTAX,
         "t:1:8: closing tag {{/b}} does not match {{#a}} opened at 1:1"},
        {"{{#a}}{{^b}}{{/a}}{{/b}}", PH_TEMPLATE_SYNTAX, "t:1:13: closing tag {{/a}} does not match {{#b}}"},
        {"x{{/a}}", PH_TEMPLATE_SYNTAX, "t:1:2: closing tag {{/a}} without an open section"},
        {"{{#a}}{{/a b}}", PH_TEMPLATE_SYNTAX, "t:1:11: bad character in tag name"},
        {"{{&name}}", PH_TEMPLATE_SYNTAX, "t:1:1: raw tag {{&name}} needs a name ending in _html"},
        {"{{&name_htm}}", PH_TEMPLATE_SYNTAX, "t:1:1: raw tag {{&name_htm}} needs a name ending in _html"},
        {"{{&a_html.b}}", PH_TEMPLATE_SYNTAX, "t:1:1: raw tag {{&a_html.b}} needs a name ending in _html"},
        {"{{&.}}", PH_TEMPLATE_SYNTAX, "t:1:1: raw tag {{&.}} needs a name ending in _html"},
        {"中文{{{name}}}", PH_TEMPLATE_SYNTAX, "t:1:3: triple mustache {{{...}}} is not allowed"},
        {"{{{name_html}}}", PH_TEMPLATE_SYNTAX, "t:1:1: triple mustache"},
        {"a\n  {{name", PH_TEMPLATE_SYNTAX, "t:2:3: unterminated tag"},
        {"a {{# b }", PH_TEMPLATE_SYNTAX, "t:1:3: unterminated tag"},
        {"{{", PH_TEMPLATE_SYNTAX, "t:1:1: unterminated tag"},
        {"{{!never closed", PH_TEMPLATE_SYNTAX, "t:1:1: unterminated tag"},
        {"{{}}", PH_TEMPLATE_SYNTAX, "t:1:1: empty tag name"},
        {"x {{  }}", PH_TEMPLATE_SYNTAX, "t:1:3: empty tag name"},
        {"{{#}}{{/}}", PH_TEMPLATE_SYNTAX, "t:1:1: empty tag name"},
        {"{{>}}", PH_TEMPLATE_SYNTAX, "t:1:1: empty partial name"},
        {"{{a b}}", PH_TEMPLATE_SYNTAX, "t:1:4: bad character in tag name"},
        {"{{名字}}", PH_TEMPLATE_SYNTAX, "t:1:3: bad character in tag name"},
        {"{{a\nb}}", PH_TEMPLATE_SYNTAX, "t:1:4: bad character in tag name"},
        {"{{a..b}}", PH_TEMPLATE_SYNTAX, "t:1:5: empty segment in dotted tag name"},
        {"{{.a}}", PH_TEMPLATE_SYNTAX, "t:1:3: empty segment in dotted tag name"},
        {"{{a.}}", PH_TEMPLATE_SYNTAX, "t:1:5: empty segment in dotted tag name"},
        {"{{>a.b}}", PH_TEMPLATE_SYNTAX, "t:1:4: bad partial name"},
        {"{{=<% %>=}}", PH_TEMPLATE_SYNTAX, "t:1:1: set-delimiter tags {{=...=}} are not supported"},
        /* Bad UTF-8, located: a stray byte, an overlong form, a surrogate. */
        {"ab\n c\xff", PH_TEMPLATE_SYNTAX, "t:2:3: template is not valid UTF-8"},
        {"中\xc0\xaf", PH_TEMPLATE_SYNTAX, "t:1:2: template is not valid UTF-8"},
        {"\xed\xa0\x80", PH_TEMPLATE_SYNTAX, "t:1:1: template is not valid UTF-8"},
        {"\xe4\xb8", PH_TEMPLATE_SYNTAX, "t:1:1: template is not valid UTF-8"},
        /* HTML context. */
        {"<a href=\"{{u}}x\">", PH_TEMPLATE_SYNTAX,
         "t:1:15: a variable that starts a URL attribute value must be the whole value"},
        {"<a href=\"{{a}}{{b}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:15: a variable that starts a URL attribute value must be the whole value"},
        {"<a href=\"/{{p}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:11: the href attribute must be one variable or start with a fixed safe prefix"},
        {"<a href=\"javascript:{{p}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:21: the href attribute must be one variable"},
        {"<img src=\"data:image/png;base64,{{p}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:33: the src attribute must be"},
        {"<a href=\"//{{host}}/\">", PH_TEMPLATE_SYNTAX, "t:1:12: the href attribute must be"},
        {"<a href=\"/&#47;{{host}}\">", PH_TEMPLATE_SYNTAX, "t:1:16: the href attribute must be"},
        {"<a href=\"products/{{id}}\">", PH_TEMPLATE_SYNTAX, "t:1:19: the href attribute must be"},
        {"<a href=\"{{#u}}{{u}}{{/u}}\">", PH_TEMPLATE_SYNTAX, "t:1:10: the href attribute must be"},
        {"<a href={{u}}>", PH_TEMPLATE_SYNTAX, "t:1:9: tag in an unquoted attribute value: quote the value"},
        {"<a class=x{{u}}>", PH_TEMPLATE_SYNTAX, "t:1:11: tag in an unquoted attribute value"},
        {"<a onclick=\"go('{{x}}')\">", PH_TEMPLATE_SYNTAX,
         "t:1:17: variable inside an event-handler, style or srcdoc attribute (onclick)"},
        {"<p style=\"color: {{c}}\">", PH_TEMPLATE_SYNTAX, "t:1:18: variable inside an event-handler"},
        {"<script>var x = \"{{x}}\";</script>", PH_TEMPLATE_SYNTAX,
         "t:1:18: variable inside <script>, where HTML escaping does not protect"},
        {"<STYLE>{{x}}</STYLE>", PH_TEMPLATE_SYNTAX, "t:1:8: variable inside <style>"},
        {"<div {{attrs}}>", PH_TEMPLATE_SYNTAX,
         "t:1:6: variable inside an HTML tag outside a quoted attribute value"},
        {"<{{tag}}>", PH_TEMPLATE_SYNTAX, "t:1:2: variable inside an HTML tag"},
        /* Sections must not glue names together across branches. */
        {"<a{{#x}}bbr{{/x}}>", PH_TEMPLATE_SYNTAX,
         "t:1:9: a section tag right after a tag name must be followed by a space"},
        {"<a{{#x}} title=\"x\"{{/x}}bbr>", PH_TEMPLATE_SYNTAX,
         "t:1:25: a section tag right after a tag name"},
        {"<a {{#x}}href{{/x}}=\"{{u}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:22: variable in the value of an attribute whose name touches a section tag"},
        {"<a {{#x}}hr{{/x}}ef=\"{{u}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:22: variable in the value of an attribute whose name touches a section tag"},
        {"<a {{#c}}ef=\"{{u}}\" hr{{/c}}>", PH_TEMPLATE_SYNTAX,
         "t:1:14: variable in the value of an attribute whose name touches"},
        {"<a href {{#c}} title {{/c}}=\"{{u}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:22: section {{#c}} opened at 1:9 ends in another HTML context"},
        {"<p title=\"{{&x_html}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:11: raw HTML {{&...}} is only allowed between"},
        {"<textarea>{{&x_html}}</textarea>", PH_TEMPLATE_SYNTAX, "t:1:11: raw HTML {{&...}} is only allowed"},
        {"<div {{>attrs}}>", PH_TEMPLATE_SYNTAX, "t:1:6: a partial {{>...}} is only allowed between"},
        {"{{#a}}<a title=\"{{/a}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:17: section {{#a}} opened at 1:1 ends in another HTML context"},
        {"<p {{#a}}title=\"{{/a}}\">", PH_TEMPLATE_SYNTAX,
         "t:1:17: section {{#a}} opened at 1:4 ends in another"},
        {"<a href=\"x", PH_TEMPLATE_SYNTAX, "t:1:1: HTML tag is not closed by the end of the template"},
        {"ok\n<script>", PH_TEMPLATE_SYNTAX, "t:2:1: <script> element is not closed"},
        {"<!-- x", PH_TEMPLATE_SYNTAX, "t:1:1: HTML comment is not closed"},
        {"a <", PH_TEMPLATE_SYNTAX, "t:1:3: HTML tag is not closed"},
    };
    run_error_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_limits_at_compile(void **state)
{
    (void)state;
    char err[256];
    /* Nesting: 32 deep is fine, 33 is not (reported at the 33rd tag). */
    for (int depth = 32; depth <= 33; depth++) {
        struct ph_buf text;
        ph_buf_init(&text, 4096);
        for (int i = 0; i < depth; i++)
            ph_buf_append_str(&text, "{{#a}}");
        for (int i = 0; i < depth; i++)
            ph_buf_append_str(&text, "{{/a}}");
        assert_false(text.failed);
        struct ph_templates *set = ph_templates_new();
        enum ph_template_status status = ph_templates_add(set, "t", text.data, text.len, err, sizeof err);
        if (depth == 32) {
            assert_int_equal(status, PH_TEMPLATE_OK);
        } else {
            assert_int_equal(status, PH_TEMPLATE_SYNTAX);
            assert_string_equal(err, "t:1:193: sections nested deeper than 32");
        }
        ph_templates_free(set);
        ph_buf_release(&text);
    }
    /* Names: 128 bytes are fine, 129 are not. */
    for (size_t len = 128; len <= 129; len++) {
        char text[256];
        memset(text, 'n', sizeof text);
        memcpy(text, "{{", 2);
        memcpy(text + 2 + len, "}}", 2);
        struct ph_templates *set = ph_templates_new();
        enum ph_template_status status = ph_templates_add(set, "t", text, len + 4, err, sizeof err);
        assert_int_equal(status, len == 128 ? PH_TEMPLATE_OK : PH_TEMPLATE_SYNTAX);
        if (len == 129)
            assert_string_equal(err, "t:1:3: tag name longer than 128 bytes");
        ph_templates_free(set);
    }
    /* Source: 1 MiB is fine, one byte more is not. */
    size_t big = PH_TEMPLATE_MAX_SOURCE_BYTES + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, 'a', big);
    struct ph_templates *set = ph_templates_new();
    assert_int_equal(ph_templates_add(set, "big", text, big, err, sizeof err), PH_TEMPLATE_TOO_BIG);
    assert_string_equal(err, "big: template is larger than 1048576 bytes");
    assert_int_equal(ph_templates_add(set, "big", text, big - 1, err, sizeof err), PH_TEMPLATE_OK);
    free(text);
    /* Template names. */
    static const char *const bad_names[] = {"", "a/b", "a.html", "../x", "名字", "a b"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        assert_int_equal(ph_templates_add(set, bad_names[i], "x", 1, err, sizeof err), PH_TEMPLATE_BAD_NAME);
    assert_int_equal(ph_templates_add(set, "big", "x", 1, err, sizeof err), PH_TEMPLATE_DUPLICATE);
    assert_string_equal(err, "big: a template of this name is already in the set");
    /* A short err buffer gets a cut, terminated message; none at all is fine. */
    char tiny[8];
    assert_int_equal(ph_templates_add(set, "t", "{{", 2, tiny, sizeof tiny), PH_TEMPLATE_SYNTAX);
    assert_string_equal(tiny, "t:1:1: ");
    assert_int_equal(ph_templates_add(set, "t", "{{", 2, NULL, 0), PH_TEMPLATE_SYNTAX);
    const char *const present[] = {"big", NULL};
    const char *const absent[] = {"t", "a", "", NULL};
    assert_templates_sane(set, present, absent);
    ph_templates_free(set);
}

/* --- the set's life cycle ---------------------------------------------------- */

static void test_life_cycle(void **state)
{
    (void)state;
    char err[256];
    struct ph_templates *set = ph_templates_new();
    assert_non_null(set);
    const char *main_text = "<main>\n  {{>header}}\n{{>missing}}</main>";
    assert_int_equal(ph_templates_add(set, "page", main_text, strlen(main_text), err, sizeof err),
                     PH_TEMPLATE_OK);
    assert_int_equal(ph_templates_add(set, "header", "<h1>{{title}}</h1>\n", 19, err, sizeof err),
                     PH_TEMPLATE_OK);
    /* Rendering before finish is refused, and the buffer says so. */
    struct ph_buf out;
    ph_buf_init(&out, 1024);
    assert_int_equal(ph_templates_render(set, "page", NULL, &out), PH_TEMPLATE_WRONG_STATE);
    assert_true(out.failed);
    ph_buf_release(&out);
    /* A missing partial is found by finish, with its position. */
    assert_int_equal(ph_templates_finish(set, err, sizeof err), PH_TEMPLATE_MISSING_PARTIAL);
    assert_string_equal(err, "page:3:1: no template 'missing' for {{>missing}}");
    /* The set is still open: add the partial and finish. */
    assert_int_equal(ph_templates_add(set, "missing", "!", 1, err, sizeof err), PH_TEMPLATE_OK);
    assert_int_equal(ph_templates_finish(set, err, sizeof err), PH_TEMPLATE_OK);
    assert_string_equal(err, "");
    assert_int_equal(ph_templates_finish(set, err, sizeof err), PH_TEMPLATE_OK);
    const char *const present[] = {"page", "header", "missing", NULL};
    const char *const absent[] = {"pag", "pages", "x", NULL};
    assert_templates_sane(set, present, absent);
    /* Read-only now. */
    assert_int_equal(ph_templates_add(set, "late", "x", 1, err, sizeof err), PH_TEMPLATE_WRONG_STATE);
    assert_templates_sane(set, present, (const char *const[]){"late", NULL});
    json_t *view = json_pack("{s:s}", "title", "<标题>");
    ph_buf_init(&out, 1024);
    ph_buf_append_str(&out, "<!DOCTYPE html>");
    assert_int_equal(ph_templates_render(set, "page", view, &out), PH_TEMPLATE_OK);
    assert_string_equal(out.data, "<!DOCTYPE html><main>\n  <h1>&lt;标题&gt;</h1>\n!</main>");
    ph_buf_release(&out);
    /* Unknown names fail the buffer too. */
    ph_buf_init(&out, 1024);
    assert_int_equal(ph_templates_render(set, "nope", view, &out), PH_TEMPLATE_NOT_FOUND);
    assert_true(out.failed);
    ph_buf_release(&out);
    json_decref(view);
    ph_templates_free(set);
    ph_templates_free(NULL);
}

static void test_partial_recursion(void **state)
{
    (void)state;
    char err[256];
    struct ph_templates *set = ph_templates_new();
    assert_int_equal(ph_templates_add(set, "loop", "x{{>loop}}", 10, err, sizeof err), PH_TEMPLATE_OK);
    const char *chain = "{{#c}}({{>chain}}){{/c}}";
    assert_int_equal(ph_templates_add(set, "chain", chain, strlen(chain), err, sizeof err), PH_TEMPLATE_OK);
    assert_int_equal(ph_templates_add(set, "main", "{{>chain}}", 10, err, sizeof err), PH_TEMPLATE_OK);
    assert_int_equal(ph_templates_finish(set, err, sizeof err), PH_TEMPLATE_OK);

    struct ph_buf out;
    ph_buf_init(&out, 1u << 20);
    assert_int_equal(ph_templates_render(set, "loop", NULL, &out), PH_TEMPLATE_TOO_DEEP);
    assert_true(out.failed);
    assert_false(out.over_cap);
    assert_null(ph_buf_detach(&out, NULL));

    /* main -> chain nests one partial per level of c: 15 levels reach
     * depth 16 (allowed), 16 levels would need 17. */
    for (int levels = 15; levels <= 16; levels++) {
        json_t *view = json_object();
        json_t *inner = view;
        for (int i = 0; i < levels; i++) {
            json_t *next = json_object();
            json_object_set_new(inner, "c", next);
            inner = next;
        }
        /* Stop the walk outwards, which would find the outer c again. */
        json_object_set_new(inner, "c", json_false());
        ph_buf_init(&out, 1u << 20);
        enum ph_template_status status = ph_templates_render(set, "main", view, &out);
        if (levels == 15) {
            assert_int_equal(status, PH_TEMPLATE_OK);
            assert_int_equal(out.len, 30);
            assert_memory_equal(out.data, "((((((((((((((()))))))))))))))", 30);
        } else {
            assert_int_equal(status, PH_TEMPLATE_TOO_DEEP);
            assert_true(out.failed);
        }
        ph_buf_release(&out);
        json_decref(view);
    }
    ph_templates_free(set);
}

static void test_output_cap_and_work(void **state)
{
    (void)state;
    struct ph_templates *set = set_with("{{#xs}}{{.}}{{/xs}}", NULL, 0);
    json_t *view = json_pack("{s:[s,s,s]}", "xs", "abcd", "efgh", "ijkl");
    /* 12 bytes fit a cap of 12 exactly. */
    struct ph_buf out;
    ph_buf_init(&out, 12);
    assert_int_equal(ph_templates_render(set, "t", view, &out), PH_TEMPLATE_OK);
    assert_string_equal(out.data, "abcdefghijkl");
    ph_buf_release(&out);
    /* One byte less: an error, and no partial page can pass for a whole one. */
    ph_buf_init(&out, 11);
    assert_int_equal(ph_templates_render(set, "t", view, &out), PH_TEMPLATE_OUTPUT_FULL);
    assert_true(out.failed);
    assert_true(out.over_cap);
    assert_null(ph_buf_detach(&out, NULL));
    /* A buffer that failed before is refused at once. */
    ph_buf_init(&out, 2);
    ph_buf_append_str(&out, "abc");
    assert_int_equal(ph_templates_render(set, "t", view, &out), PH_TEMPLATE_OUTPUT_FULL);
    ph_buf_release(&out);
    json_decref(view);
    ph_templates_free(set);

    /* Nested loops that print nothing still end: 2^32 iterations would
     * take hours; the step budget stops them. */
    struct ph_buf text;
    ph_buf_init(&text, 4096);
    for (int i = 0; i < 32; i++)
        ph_buf_append_str(&text, "{{#xs}}");
    for (int i = 0; i < 32; i++)
        ph_buf_append_str(&text, "{{/xs}}");
    set = set_with(text.data, NULL, 0);
    view = json_pack("{s:[i,i]}", "xs", 1, 2);
    ph_buf_init(&out, 1024);
    assert_int_equal(ph_templates_render(set, "t", view, &out), PH_TEMPLATE_TOO_MUCH_WORK);
    assert_true(out.failed);
    ph_buf_release(&out);
    json_decref(view);
    ph_templates_free(set);
    ph_buf_release(&text);
}

/* --- threads ------------------------------------------------------------------ */

struct thread_job {
    const struct ph_templates *set;
    const json_t *view;
    const char *expected;
    int mismatches;
};

static void *render_many(void *arg)
{
    struct thread_job *job = arg;
    for (int i = 0; i < 200; i++) {
        struct ph_buf out;
        ph_buf_init(&out, 1u << 16);
        if (ph_templates_render(job->set, "t", job->view, &out) != PH_TEMPLATE_OK ||
            strcmp(out.data, job->expected) != 0)
            job->mismatches++;
        ph_buf_release(&out);
    }
    return NULL;
}

static void test_threads_share_a_set(void **state)
{
    (void)state;
    static const struct partial partials[] = {{"row", "<tr><td>{{name}}</td><td>{{premium}}</td></tr>\n"}};
    struct ph_templates *set = set_with("<table>\n{{#rows}}\n  {{>row}}\n{{/rows}}\n</table>\n", partials, 1);
    json_t *view = json_pack("{s:[{s:s,s:i},{s:s,s:i}]}", "rows", "name", "甲", "premium", 120, "name", "乙",
                             "premium", 99);
    const char *expected = "<table>\n  <tr><td>甲</td><td>120</td></tr>\n  <tr><td>乙</td><td>99</td></tr>\n"
                           "</table>\n";
    pthread_t threads[4];
    struct thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct thread_job){set, view, expected, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, render_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    json_decref(view);
    ph_templates_free(set);
}

/* --- load_dir ------------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(remove(path), 0);
}

static void test_load_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/ph_test_template_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[512];

    write_file(dir, "page.html", "<main>{{>header}}{{body}}</main>");
    write_file(dir, "header.html", "<h1>{{title}}</h1>");
    write_file(dir, ".hidden.html", "{{#broken");
    write_file(dir, "notes.txt", "{{#broken");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/sub.html", dir);
    assert_int_equal(mkdir(sub, 0700), 0);

    struct ph_templates *set = ph_templates_new();
    assert_int_equal(ph_templates_load_dir(set, dir, err, sizeof err), PH_TEMPLATE_OK);
    const char *const loaded[] = {"page", "header", NULL};
    const char *const skipped[] = {".hidden", "hidden", "notes", "sub", NULL};
    assert_templates_sane(set, loaded, skipped);
    assert_int_equal(ph_templates_finish(set, err, sizeof err), PH_TEMPLATE_OK);
    json_t *view = json_pack("{s:s,s:s}", "title", "首页", "body", "<p>");
    struct ph_buf out;
    ph_buf_init(&out, 1024);
    assert_int_equal(ph_templates_render(set, "page", view, &out), PH_TEMPLATE_OK);
    assert_string_equal(out.data, "<main><h1>首页</h1>&lt;p&gt;</main>");
    ph_buf_release(&out);
    json_decref(view);
    ph_templates_free(set);

    /* A broken template: its message, and none of the directory stays. */
    write_file(dir, "zz-broken.html", "<p>\n{{#items}}");
    set = ph_templates_new();
    assert_int_equal(ph_templates_add(set, "before", "x", 1, err, sizeof err), PH_TEMPLATE_OK);
    assert_int_equal(ph_templates_load_dir(set, dir, err, sizeof err), PH_TEMPLATE_SYNTAX);
    assert_string_equal(err, "zz-broken:2:1: section {{#items}} is never closed");
    const char *const kept[] = {"before", NULL};
    const char *const rolled_back[] = {"page", "header", "zz-broken", NULL};
    assert_templates_sane(set, kept, rolled_back);
    remove_file(dir, "zz-broken.html");

    /* A file name with odd characters is refused. */
    write_file(dir, "bad name.html", "x");
    assert_int_equal(ph_templates_load_dir(set, dir, err, sizeof err), PH_TEMPLATE_BAD_NAME);
    assert_non_null(strstr(err, "bad name.html: template file names are [A-Za-z0-9_-].html"));
    assert_templates_sane(set, kept, rolled_back);
    remove_file(dir, "bad name.html");

    /* A name already in the set. */
    write_file(dir, "before.html", "y");
    assert_int_equal(ph_templates_load_dir(set, dir, err, sizeof err), PH_TEMPLATE_DUPLICATE);
    assert_templates_sane(set, kept, rolled_back);
    remove_file(dir, "before.html");

    /* A directory that is not there. */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(ph_templates_load_dir(set, missing, err, sizeof err), PH_TEMPLATE_IO);
    assert_non_null(strstr(err, "/none: "));

    /* Now it loads; then the set is read-only. */
    assert_int_equal(ph_templates_load_dir(set, dir, err, sizeof err), PH_TEMPLATE_OK);
    const char *const all[] = {"before", "page", "header", NULL};
    assert_templates_sane(set, all, NULL);
    assert_int_equal(ph_templates_finish(set, err, sizeof err), PH_TEMPLATE_OK);
    assert_int_equal(ph_templates_load_dir(set, dir, err, sizeof err), PH_TEMPLATE_WRONG_STATE);
    ph_templates_free(set);

    remove_file(dir, "page.html");
    remove_file(dir, "header.html");
    remove_file(dir, ".hidden.html");
    remove_file(dir, "notes.txt");
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_status_names(void **state)
{
    (void)state;
    for (int s = PH_TEMPLATE_OK; s <= PH_TEMPLATE_IO; s++) {
        const char *name = ph_template_status_name((enum ph_template_status)s);
        assert_non_null(name);
        assert_string_not_equal(name, "unknown status");
    }
    assert_string_equal(ph_template_status_name(PH_TEMPLATE_SYNTAX), "syntax error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_context_stack),
        cmocka_unit_test(test_sections_by_value_kind),
        cmocka_unit_test(test_inverted_sections),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_standalone_lines),
        cmocka_unit_test(test_partials),
        cmocka_unit_test(test_hostile_values),
        cmocka_unit_test(test_url_safety),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_limits_at_compile),
        cmocka_unit_test(test_life_cycle),
        cmocka_unit_test(test_partial_recursion),
        cmocka_unit_test(test_output_cap_and_work),
        cmocka_unit_test(test_threads_share_a_set),
        cmocka_unit_test(test_load_dir),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
