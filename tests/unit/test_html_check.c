/*
 * tests/unit/test_html_check.c - a11y/html_check.h: a complete good page is
 * clean; each small mutation of it gives the finding it should (at least one
 * per rule, at the right line); hostile input gives a status, never a crash;
 * reports keep their invariants; checking is safe on many threads at once
 * and leaves each thread's libxml2 error handler alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <libxml/HTMLparser.h>
#include <libxml/globals.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>

#include "a11y/html_check.h"
#include "i18n/text.h"

/* A page with everything ACCESSIBILITY.md asks for that markup can show:
 * lang, title (after a failed search, so 错误：), skip link, landmarks, a
 * GET form with labels, hints, an error summary and a radio group in a
 * fieldset, a compare table, an image, an inline svg, dates in <time>. */
static const char good_page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"zh-CN\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>错误：找保险 - 普惠保险服务平台</title>\n"
    "<link rel=\"stylesheet\" href=\"/static/site.css\">\n"
    "<script src=\"/static/enhance.js\" defer></script>\n"
    "</head>\n"
    "<body>\n"
    "<a class=\"skip-link\" href=\"#main\">跳到主要内容</a>\n"
    "<header class=\"site-header\">\n"
    "<p class=\"site-name\"><a href=\"/\">普惠保险服务平台</a></p>\n"
    "<nav aria-label=\"主要栏目\">\n"
    "<ul>\n"
    "<li><a href=\"/\">首页</a></li>\n"
    "<li><a href=\"/search\">找保险</a></li>\n"
    "</ul>\n"
    "</nav>\n"
    "</header>\n"
    "<main id=\"main\" tabindex=\"-1\">\n"
    "<h1>找保险</h1>\n"
    "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\">\n"
    "<h2>出现问题</h2>\n"
    "<ul>\n"
    "<li><a href=\"#age\">年龄只能写数字，比如 70。</a></li>\n"
    "</ul>\n"
    "</div>\n"
    "<form method=\"get\" action=\"/search\">\n"
    "<div class=\"field\">\n"
    "<label for=\"q\">搜索词（选填）</label>\n"
    "<input id=\"q\" name=\"q\" type=\"search\" value=\"意外\">\n"
    "</div>\n"
    "<div class=\"field field-has-error\">\n"
    "<label for=\"age\">您的年龄（选填）</label>\n"
    "<p class=\"hint\" id=\"age-hint\">只写数字，比如 70。</p>\n"
    "<p class=\"field-error\" id=\"age-error\">年龄只能写数字，比如 70。</p>\n"
    "<input id=\"age\" name=\"age\" type=\"text\" inputmode=\"numeric\" value=\"七十\" "
    "aria-describedby=\"age-hint age-error\" aria-invalid=\"true\">\n"
    "</div>\n"
    "<details class=\"filters\">\n"
    "<summary>更多筛选条件</summary>\n"
    "<div class=\"field\">\n"
    "<label for=\"region\">省份</label>\n"
    "<select id=\"region\" name=\"region\">\n"
    "<option value=\"\">全国</option>\n"
    "<option value=\"110000\">北京市</option>\n"
    "</select>\n"
    "</div>\n"
    "<fieldset>\n"
    "<legend>有慢性病或以前生过病（既往症）</legend>\n"
    "<div class=\"choice\">\n"
    "<input type=\"radio\" id=\"pre-any\" name=\"preexisting\" value=\"\" checked>\n"
    "<label for=\"pre-any\">都可以</label>\n"
    "</div>\n"
    "<div class=\"choice\">\n"
    "<input type=\"radio\" id=\"pre-yes\" name=\"preexisting\" value=\"yes\">\n"
    "<label for=\"pre-yes\">要能保既往症</label>\n"
    "</div>\n"
    "</fieldset>\n"
    "</details>\n"
    "<button type=\"submit\" class=\"primary\">找保险</button>\n"
    "</form>\n"
    "<section aria-labelledby=\"compare-title\">\n"
    "<h2 id=\"compare-title\">比一比</h2>\n"
    "<p>下面的表格比两个产品。<dfn>免赔额</dfn><span "
    "class=\"explain\">（自己先付的钱）</span>，<mark>看清楚</mark>。</p>\n"
    "<table class=\"compare\">\n"
    "<caption>两个产品比一比</caption>\n"
    "<thead>\n"
    "<tr><th scope=\"col\">比什么</th><th scope=\"col\">甲产品</th><th scope=\"col\">乙产品</th></tr>\n"
    "</thead>\n"
    "<tbody>\n"
    "<tr><th scope=\"row\">一年大约要花多少钱</th><td>每年 120 元</td><td>每年 99 元</td></tr>\n"
    "<tr><th scope=\"row\">登记日期</th><td><time datetime=\"2026-05-29\">2026年5月29日</time></td><td><time "
    "datetime=\"2026-01-02\">2026年1月2日</time></td></tr>\n"
    "</tbody>\n"
    "</table>\n"
    "<h3>图片</h3>\n"
    "<p><img src=\"/static/logo.png\" alt=\"普惠保险标志\"></p>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" aria-label=\"扫码打开这一页\" "
    "viewBox=\"0 0 29 29\"><rect width=\"29\" height=\"29\" fill=\"#fff\"/><path fill=\"#000\" d=\"M4 "
    "4h7v1h-7z\"/></svg>\n"
    "</section>\n"
    "</main>\n"
    "<footer class=\"site-footer\">\n"
    "<nav aria-label=\"网站说明\">\n"
    "<ul>\n"
    "<li><a href=\"/accessibility\">无障碍说明</a></li>\n"
    "<li><a href=\"/api/v1/openapi.json\">数据接口（<span lang=\"en\">API</span>）</a></li>\n"
    "</ul>\n"
    "</nav>\n"
    "<p>对保险有意见，可以打电话 <a href=\"tel:12378\">12378</a>。</p>\n"
    "</footer>\n"
    "</body>\n"
    "</html>\n";

/* ---------------------------------------------------------------- helpers */

/* The invariants html_check.h promises for every report. */
static void assert_report_sane(const struct ph_html_report *r)
{
    size_t rule_count;
    const struct ph_html_check_rule *rules = ph_html_check_rules(&rule_count);
    assert_true(r->count <= r->max_findings + 1);
    for (size_t i = 0; i < r->count; i++) {
        const struct ph_html_finding *f = &r->items[i];
        bool known = false;
        for (size_t k = 0; k < rule_count; k++) {
            if (f->code == rules[k].code)
                known = true;
        }
        assert_true(known);
        assert_non_null(f->message);
        size_t len = strlen(f->message);
        assert_true(len > 0);
        assert_true(ph_text_is_valid_utf8(f->message, len));
        assert_false(ph_text_has_control_chars(f->message, len, false));
        assert_true(f->line >= 0);
        bool last = i + 1 == r->count;
        if (strcmp(f->code, "too_many_findings") == 0) {
            assert_true(last);
            assert_true(r->truncated);
        } else if (i > 0 && strcmp(r->items[i - 1].code, "too_many_findings") != 0) {
            assert_true(r->items[i - 1].line <= f->line);
        }
    }
    if (r->truncated) {
        assert_true(r->count == r->max_findings + 1);
        assert_string_equal(r->items[r->count - 1].code, "too_many_findings");
    }
}

static char *report_text(const struct ph_html_report *r)
{
    char *text = ph_html_report_to_text(r, "page", NULL);
    assert_non_null(text);
    return text;
}

/* Checks a page that must be checkable; returns its report (release it). */
static void check_ok(const char *html, size_t len, struct ph_html_report *r)
{
    ph_html_report_init(r, PH_HTML_REPORT_MAX_FINDINGS);
    enum ph_html_check_status st = ph_html_check(html, len, r);
    if (st != PH_HTML_CHECK_OK)
        fail_msg("status %s: %s", ph_html_check_status_code(st), ph_html_check_status_message(st));
    assert_report_sane(r);
}

static bool has_finding_at(const struct ph_html_report *r, const char *code, int line)
{
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->items[i].code, code) == 0 && r->items[i].line == line)
            return true;
    }
    return false;
}

static int line_at(const char *text, size_t offset)
{
    int line = 1;
    for (size_t i = 0; i < offset; i++)
        line += text[i] == '\n';
    return line;
}

/* The good page with `find` (which must occur exactly once) replaced. */
static char *replace_once(const char *page, const char *find, const char *replacement, int *line_out)
{
    const char *at = strstr(page, find);
    if (at == NULL)
        fail_msg("not in the page: %s", find);
    if (strstr(at + 1, find) != NULL)
        fail_msg("more than once in the page: %s", find);
    size_t head = (size_t)(at - page);
    size_t find_len = strlen(find);
    size_t rep_len = strlen(replacement);
    size_t tail = strlen(at + find_len);
    char *out = malloc(head + rep_len + tail + 1);
    assert_non_null(out);
    memcpy(out, page, head);
    memcpy(out + head, replacement, rep_len);
    memcpy(out + head + rep_len, at + find_len, tail + 1);
    if (line_out != NULL)
        *line_out = line_at(page, head);
    return out;
}

/* ---------------------------------------------------------- the good page */

static void test_good_page_is_clean(void **state)
{
    (void)state;
    struct ph_html_report r;
    check_ok(good_page, strlen(good_page), &r);
    if (r.count != 0) {
        char *text = report_text(&r);
        fail_msg("the good page has findings:\n%s", text);
    }
    assert_false(r.truncated);
    ph_html_report_release(&r);
}

/* libxml2 2.9.14's HTML parser predates HTML5: it calls header, nav, main,
 * footer, section, details, summary, time, mark and svg "invalid" tags but
 * keeps each as an element at its place. The checker relies on that. */
static size_t xpath_count(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    assert_non_null(ctx);
    xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    assert_non_null(obj);
    size_t n = obj->nodesetval == NULL ? 0 : (size_t)obj->nodesetval->nodeNr;
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return n;
}

static xmlDocPtr parse_like_the_checker(const char *html)
{
    ph_html_check_init();
    xmlDocPtr doc = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
                                   HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                       HTML_PARSE_NODEFDTD | HTML_PARSE_IGNORE_ENC);
    assert_non_null(doc);
    return doc;
}

static void test_html5_elements_keep_their_place(void **state)
{
    (void)state;
    xmlDocPtr doc = parse_like_the_checker(good_page);
    static const struct {
        const char *xpath;
        size_t count;
    } expect[] = {
        {"/html/body/header/nav[@aria-label='主要栏目']", 1},
        {"/html/body/main[@id='main']/h1", 1},
        {"/html/body/main/div[@class='error-summary']/h2", 1},
        {"/html/body/main/form/details/summary", 1},
        {"/html/body/main/form/details/fieldset/legend", 1},
        {"/html/body/main/section/table/caption", 1},
        {"/html/body/main/section/table//td/time[@datetime='2026-05-29']", 1},
        {"/html/body/main/section/p/dfn", 1},
        {"/html/body/main/section/p/mark", 1},
        {"/html/body/main/section/svg[@role='img']/path", 1},
        {"/html/body/main/section/svg/@viewbox", 1}, /* attribute names are lower-cased */
        {"/html/body/footer/nav/ul/li/a/span[@lang='en']", 1},
        {"//header//main | //main//footer | //footer//main", 0},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        size_t n = xpath_count(doc, expect[i].xpath);
        if (n != expect[i].count)
            fail_msg("%s: %zu nodes, expected %zu", expect[i].xpath, n, expect[i].count);
    }
    xmlFreeDoc(doc);

    /* Unknown tags do not close an open <p> (a known block does), and an
     * svg's own <title> stays inside the svg. */
    doc = parse_like_the_checker("<p>一<section><h2>二</h2></section><p>三<div>四</div>"
                                 "<p><svg role=\"img\"><title>图</title></svg></p>");
    assert_int_equal(xpath_count(doc, "/html/body/p/section/h2"), 1);
    assert_int_equal(xpath_count(doc, "/html/body/div"), 1);
    assert_int_equal(xpath_count(doc, "/html/body/p/svg/title"), 1);
    assert_int_equal(xpath_count(doc, "/html/head/title"), 0);
    xmlFreeDoc(doc);
}

/* ---------------------------------------------------- the mutation table */

#define LINE_ANY (-1)
#define AT_EDIT  100000 /* AT_EDIT + k: the line where the edit starts, plus k */

struct mutation {
    const char *name;
    const char *find; /* occurs exactly once in good_page */
    const char *replace;
    const char *find2; /* a second edit, or NULL */
    const char *replace2;
    const char *code; /* the finding expected; NULL: the page must stay clean */
    int line;         /* an absolute line, 0 (page-wide), LINE_ANY or AT_EDIT + k */
};

static const char TITLE[] = "<title>错误：找保险 - 普惠保险服务平台</title>";
static const char SKIP[] = "<a class=\"skip-link\" href=\"#main\">跳到主要内容</a>";
static const char MAIN[] = "<main id=\"main\" tabindex=\"-1\">";
static const char VIEWPORT[] = "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
static const char SUBMIT[] = "<button type=\"submit\" class=\"primary\">找保险</button>";
static const char A11Y_LINK[] = "<a href=\"/accessibility\">无障碍说明</a>";
static const char SCRIPT[] = "<script src=\"/static/enhance.js\" defer></script>";
static const char CSS[] = "<link rel=\"stylesheet\" href=\"/static/site.css\">";
static const char LEGEND[] = "<legend>有慢性病或以前生过病（既往症）</legend>";
static const char DESCRIBED[] = "aria-describedby=\"age-hint age-error\"";
static const char INTRO[] = "<p>下面的表格比两个产品。";
static const char TIME[] = "<time datetime=\"2026-05-29\">";
static const char SVG_NAME[] = "role=\"img\" aria-label=\"扫码打开这一页\"";

static const struct mutation mutations[] = {
    /* 1: language */
    {"no lang", "<html lang=\"zh-CN\">", "<html>", NULL, NULL, "html_lang", AT_EDIT},
    {"lang en", "<html lang=\"zh-CN\">", "<html lang=\"en\">", NULL, NULL, "html_lang", AT_EDIT},
    {"lang not a tag", "<span lang=\"en\">", "<span lang=\"en_US\">", NULL, NULL, "lang_invalid", AT_EDIT},
    /* 2: title */
    {"no title", TITLE, "", NULL, NULL, "title_missing", 0},
    {"blank title", TITLE, "<title> </title>", NULL, NULL, "title_missing", AT_EDIT},
    {"two titles", CSS, "<title>再一个</title><link rel=\"stylesheet\" href=\"/static/site.css\">", NULL,
     NULL, "title_multiple", AT_EDIT},
    {"title is not the h1", "<h1>找保险</h1>", "<h1>找产品</h1>", NULL, NULL, "title_mismatch", 6},
    {"title with an em dash", TITLE, "<title>错误：找保险 — 普惠保险服务平台</title>", NULL, NULL,
     "title_mismatch", AT_EDIT},
    {"title without 错误", TITLE, "<title>找保险 - 普惠保险服务平台</title>", NULL, NULL,
     "title_error_prefix", AT_EDIT},
    {"错误 without a summary", "class=\"error-summary\"", "class=\"notice\"", NULL, NULL,
     "title_error_prefix", 6},
    /* 3: headings and landmarks */
    {"no h1", "<h1>找保险</h1>", "<p>找保险</p>", NULL, NULL, "h1_missing", 0},
    {"two h1", "<h3>图片</h3>", "<h1>图片</h1>", NULL, NULL, "h1_multiple", AT_EDIT},
    {"h2 then h4", "<h3>图片</h3>", "<h4>图片</h4>", NULL, NULL, "heading_skipped", AT_EDIT},
    {"empty heading", "<h3>图片</h3>", "<h3> </h3>", NULL, NULL, "heading_empty", AT_EDIT},
    {"no header", "<header class=\"site-header\">", "<div class=\"site-header\">", NULL, NULL,
     "header_missing", 0},
    {"header only inside main", "<header class=\"site-header\">", "<div class=\"site-header\">", MAIN,
     "<main id=\"main\" tabindex=\"-1\"><header><p>页头</p></header>", "header_missing", 0},
    {"no nav", "<nav aria-label=\"主要栏目\">", "<div>", "<nav aria-label=\"网站说明\">", "<div>",
     "nav_missing", 0},
    {"no main", MAIN, "<div id=\"main\" tabindex=\"-1\">", NULL, NULL, "main_missing", 0},
    {"two mains", "</main>", "</main>\n<main><p>又一个</p></main>", NULL, NULL, "main_multiple", AT_EDIT + 1},
    {"main not id=main", MAIN, "<main id=\"content\" tabindex=\"-1\">", NULL, NULL, "main_id", AT_EDIT},
    {"skip link to a missing #main", MAIN, "<main id=\"content\" tabindex=\"-1\">", NULL, NULL,
     "link_target_missing", 11},
    {"no footer", "<footer class=\"site-footer\">", "<div class=\"site-footer\">", NULL, NULL,
     "footer_missing", 0},
    {"second nav unlabelled", "<nav aria-label=\"网站说明\">", "<nav>", NULL, NULL, "nav_label_missing",
     AT_EDIT},
    {"navs with one label", "<nav aria-label=\"网站说明\">", "<nav aria-label=\"主要栏目\">", NULL, NULL,
     "nav_label_duplicate", AT_EDIT},
    {"navs labelled by one element", "<nav aria-label=\"网站说明\">",
     "<nav aria-labelledby=\"compare-title\">", "<nav aria-label=\"主要栏目\">",
     "<nav aria-labelledby=\"compare-title\">", "nav_label_duplicate", AT_EDIT},
    /* 4: skip link */
    {"no skip link", SKIP, "", NULL, NULL, "skip_link_missing", AT_EDIT + 2},
    {"a button before the skip link", SKIP,
     "<button type=\"button\">菜单</button><a class=\"skip-link\" href=\"#main\">跳到主要内容</a>", NULL,
     NULL, "skip_link_missing", AT_EDIT},
    {"skip link to #Main", SKIP, "<a class=\"skip-link\" href=\"#Main\">跳到主要内容</a>", NULL, NULL,
     "skip_link_missing", AT_EDIT},
    {"skip link text", SKIP, "<a class=\"skip-link\" href=\"#main\">跳过</a>", NULL, NULL, "skip_link_text",
     AT_EDIT},
    /* 6: valid HTML */
    {"duplicate id", "<h3>图片</h3>", "<h3 id=\"region\">图片</h3>", NULL, NULL, "id_duplicate", AT_EDIT},
    {"empty id", "<h3>图片</h3>", "<h3 id=\"\">图片</h3>", NULL, NULL, "id_invalid", AT_EDIT},
    {"id with a space", "<h3>图片</h3>", "<h3 id=\"a b\">图片</h3>", NULL, NULL, "id_invalid", AT_EDIT},
    {"no charset", "<meta charset=\"utf-8\">", "", NULL, NULL, "meta_charset", 0},
    {"charset gbk", "<meta charset=\"utf-8\">", "<meta charset=\"gbk\">", NULL, NULL, "meta_charset",
     AT_EDIT},
    /* 10: zoom */
    {"no viewport", VIEWPORT, "", NULL, NULL, "viewport_missing", 0},
    {"user-scalable=no", VIEWPORT,
     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, user-scalable=no\">", NULL, NULL,
     "viewport_zoom_blocked", AT_EDIT},
    {"user-scalable=0", VIEWPORT, "<meta name=\"viewport\" content=\"width=device-width;user-scalable = 0\">",
     NULL, NULL, "viewport_zoom_blocked", AT_EDIT},
    {"maximum-scale=1.0", VIEWPORT,
     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, maximum-scale=1.0\">", NULL,
     NULL, "viewport_zoom_blocked", AT_EDIT},
    /* 13, 14: keyboard, no JavaScript */
    {"tabindex 2", SUBMIT, "<button type=\"submit\" class=\"primary\" tabindex=\"2\">找保险</button>", NULL,
     NULL, "tabindex_positive", AT_EDIT},
    {"href=#", A11Y_LINK, "<a href=\"#\">无障碍说明</a>", NULL, NULL, "href_empty", AT_EDIT},
    {"href empty", A11Y_LINK, "<a href=\" \">无障碍说明</a>", NULL, NULL, "href_empty", AT_EDIT},
    {"javascript: link", A11Y_LINK, "<a href=\" Java&#x09;Script:go()\">无障碍说明</a>", NULL, NULL,
     "javascript_url", AT_EDIT},
    {"javascript: action", "action=\"/search\"", "action=\"javascript:send()\"", NULL, NULL, "javascript_url",
     AT_EDIT},
    /* 15: timing */
    {"meta refresh", "<meta charset=\"utf-8\">",
     "<meta charset=\"utf-8\"><meta http-equiv=\"Refresh\" content=\"600\">", NULL, NULL, "meta_refresh",
     AT_EDIT},
    {"autoplay", "</table>", "</table><video src=\"/static/intro.mp4\" controls autoplay></video>", NULL,
     NULL, "media_autoplay", AT_EDIT},
    /* 16: no pressure, no third parties, CSP */
    {"限时", "每年 99 元", "每年 99 元，限时优惠", NULL, NULL, "urgency_word", AT_EDIT},
    {"仅剩", INTRO, "<p>仅剩 3 个名额。下面的表格比两个产品。", NULL, NULL, "urgency_word", AT_EDIT},
    {"立即抢购 on a button", SUBMIT, "<button type=\"submit\" class=\"primary\">立即抢购</button>", NULL,
     NULL, "urgency_word", AT_EDIT},
    {"倒计时 in alt", "alt=\"普惠保险标志\"", "alt=\"倒计时\"", NULL, NULL, "urgency_word", AT_EDIT},
    {"urgency on the third line of a text", INTRO, "<p>下面的表格\n比两个产品，\n限时优惠。", NULL, NULL,
     "urgency_word", AT_EDIT + 2},
    {"urgency after 1000 bytes of text", INTRO,
     "<p>一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n一二三四五六七八九十\n"
     "倒计时。",
     NULL, NULL, "urgency_word", AT_EDIT + 40},
    {"script from //host", SCRIPT, "<script src=\"//cdn.example.com/x.js\"></script>", NULL, NULL,
     "script_offsite", AT_EDIT},
    {"script from https", SCRIPT, "<script src=\"https://cdn.example.com/x.js\"></script>", NULL, NULL,
     "script_offsite", AT_EDIT},
    {"inline script", SCRIPT, "<script>document.title = \"x\";</script>", NULL, NULL, "script_inline",
     AT_EDIT},
    {"image from elsewhere", "<img src=\"/static/logo.png\"", "<img src=\"https://img.example.com/logo.png\"",
     NULL, NULL, "resource_offsite", AT_EDIT},
    {"style sheet from elsewhere", CSS, "<link rel=\"stylesheet\" href=\"https://fonts.example.com/a.css\">",
     NULL, NULL, "resource_offsite", AT_EDIT},
    {"style element", CSS,
     "<style>p { color: red }</style><link rel=\"stylesheet\" href=\"/static/site.css\">", NULL, NULL,
     "style_element", AT_EDIT},
    {"style attribute", "<p class=\"site-name\">", "<p class=\"site-name\" style=\"color: red\">", NULL, NULL,
     "style_attr", AT_EDIT},
    {"onsubmit", "<form method=\"get\"", "<form onsubmit=\"return check()\" method=\"get\"", NULL, NULL,
     "event_handler_attr", AT_EDIT},
    /* 17: forms */
    {"no label", "<label for=\"q\">搜索词（选填）</label>", "<p>搜索词（选填）</p>", NULL, NULL,
     "label_missing", AT_EDIT + 1},
    {"empty label", "<label for=\"q\">搜索词（选填）</label>", "<label for=\"q\"> </label>", NULL, NULL,
     "label_empty", AT_EDIT + 1},
    {"radios outside a fieldset", "<fieldset>", "<div>", LEGEND, "<p>有慢性病或以前生过病（既往症）</p>",
     "fieldset_missing", LINE_ANY},
    {"fieldset without legend", LEGEND, "<p>有慢性病或以前生过病（既往症）</p>", NULL, NULL, "legend_missing",
     AT_EDIT - 1},
    {"empty legend", LEGEND, "<legend> </legend>", NULL, NULL, "legend_missing", AT_EDIT - 1},
    {"hint not tied to its field", DESCRIBED, "aria-describedby=\"age-error\"", NULL, NULL,
     "hint_unreferenced", AT_EDIT - 2},
    {"aria-describedby typo", DESCRIBED, "aria-describedby=\"age-hint age-eror\"", NULL, NULL,
     "idref_missing", AT_EDIT},
    {"label for typo", "<label for=\"region\">", "<label for=\"regoin\">", NULL, NULL, "idref_missing",
     AT_EDIT},
    {"aria-labelledby typo", "aria-labelledby=\"compare-title\"", "aria-labelledby=\"compare-titel\"", NULL,
     NULL, "idref_missing", AT_EDIT},
    /* 18: errors */
    {"summary not announced", "role=\"alert\" tabindex=\"-1\"", "", NULL, NULL, "error_summary_role",
     AT_EDIT},
    {"summary without 出现问题", "<h2>出现问题</h2>", "<h2>有错误</h2>", NULL, NULL, "error_summary_text",
     AT_EDIT - 1},
    {"summary link leaves the page", "<a href=\"#age\">", "<a href=\"/help\">", NULL, NULL,
     "error_summary_link", AT_EDIT},
    {"summary links to a message", "<a href=\"#age\">", "<a href=\"#age-error\">", NULL, NULL,
     "error_summary_link", AT_EDIT},
    {"summary without links", "<a href=\"#age\">年龄只能写数字，比如 70。</a>", "年龄只能写数字，比如 70。",
     NULL, NULL, "error_summary_link", LINE_ANY},
    {"summary after a field", "<h1>找保险</h1>",
     "<h1>找保险</h1>\n<label for=\"x1\">甲</label><input id=\"x1\" name=\"x1\">", NULL, NULL,
     "error_summary_position", AT_EDIT + 2},
    {"summary outside main", "<p class=\"site-name\">",
     "<div class=\"error-summary\" role=\"alert\"><h2>出现问题</h2><a href=\"#q\">搜索词</a></div><p "
     "class=\"site-name\">",
     NULL, NULL, "error_summary_position", AT_EDIT},
    {"aria-invalid alone", " aria-describedby=\"age-hint age-error\" aria-invalid=\"true\"",
     " aria-invalid=\"true\"", NULL, NULL, "aria_invalid_describedby", AT_EDIT},
    {"field error not tied", DESCRIBED, "aria-describedby=\"age-hint\"", NULL, NULL,
     "field_error_unreferenced", AT_EDIT - 1},
    {"in-page link to nothing", "<a href=\"#age\">", "<a href=\"#agee\">", NULL, NULL, "link_target_missing",
     AT_EDIT},
    /* 20: money and dates */
    {"fullwidth yen", "每年 120 元", "每年 ￥120", NULL, NULL, "money_symbol", AT_EDIT},
    {"&yen;", "每年 99 元", "&yen;99", NULL, NULL, "money_symbol", AT_EDIT},
    {"yen in aria-label", SVG_NAME, "role=\"img\" aria-label=\"¥5\"", NULL, NULL, "money_symbol", AT_EDIT},
    {"date outside time", INTRO, "<p>2026年5月29日登记。下面的表格比两个产品。", NULL, NULL,
     "date_not_in_time", AT_EDIT},
    {"time without datetime", TIME, "<time>", NULL, NULL, "time_datetime_missing", AT_EDIT},
    {"30 February", TIME, "<time datetime=\"2026-02-30\">", NULL, NULL, "time_datetime_invalid", AT_EDIT},
    {"datetime in words", TIME, "<time datetime=\"tomorrow\">", NULL, NULL, "time_datetime_invalid", AT_EDIT},
    {"datetime another day", TIME, "<time datetime=\"2026-05-30\">", NULL, NULL, "time_datetime_mismatch",
     AT_EDIT},
    /* 22: tables */
    {"no caption", "<caption>两个产品比一比</caption>", "", NULL, NULL, "table_caption_missing", AT_EDIT - 1},
    {"empty caption", "<caption>两个产品比一比</caption>", "<caption> </caption>", NULL, NULL,
     "table_caption_missing", AT_EDIT},
    {"table without th", "</table>", "</table>\n<table><caption>说明</caption><tr><td>1</td></tr></table>",
     NULL, NULL, "table_th_missing", AT_EDIT + 1},
    {"th without scope", "<th scope=\"col\">甲产品</th>", "<th>甲产品</th>", NULL, NULL, "th_scope_missing",
     AT_EDIT},
    {"th scope colgroup", "<th scope=\"col\">甲产品</th>", "<th scope=\"colgroup\">甲产品</th>", NULL, NULL,
     "th_scope_missing", AT_EDIT},
    /* 24: names */
    {"img without alt", " alt=\"普惠保险标志\"", "", NULL, NULL, "img_alt_missing", AT_EDIT},
    {"svg without role", SVG_NAME, "aria-label=\"扫码打开这一页\"", NULL, NULL, "svg_name_missing", AT_EDIT},
    {"svg role img without name", SVG_NAME, "role=\"img\"", NULL, NULL, "svg_name_missing", AT_EDIT},
    {"link with an empty-alt image", "<a href=\"/\">首页</a>",
     "<a href=\"/\"><img src=\"/static/home.png\" alt=\"\"></a>", NULL, NULL, "name_missing", AT_EDIT},
    {"button with a hidden icon only", SUBMIT,
     "<button type=\"submit\" class=\"primary\"><svg aria-hidden=\"true\"><path d=\"M0 0\"/></svg></button>",
     NULL, NULL, "name_missing", AT_EDIT},
    {"input button without value", "</table>", "</table><input type=\"button\">", NULL, NULL, "name_missing",
     AT_EDIT},
    {"focusable div without name", "</table>", "</table><div tabindex=\"0\">滚动</div>", NULL, NULL,
     "name_missing", AT_EDIT},

    /* Allowed variations: the page must stay clean. */
    {"JSON data block", "</table>", "</table><script type=\"application/json\">{\"a\": 1}</script>", NULL,
     NULL, NULL, 0},
    {"#top link", A11Y_LINK, "<a href=\"#top\">回到顶部</a>", NULL, NULL, NULL, 0},
    {"percent-encoded fragment", "<a href=\"#age\">", "<a href=\"#%61ge\">", NULL, NULL, NULL, 0},
    {"headings going up", "<h3>图片</h3>", "<h3>图片</h3>\n<h2>再一节</h2>", NULL, NULL, NULL, 0},
    {"wrapping label",
     "<label for=\"q\">搜索词（选填）</label>\n<input id=\"q\" name=\"q\" type=\"search\" value=\"意外\">",
     "<label>搜索词（选填）<input name=\"q\" type=\"search\" value=\"意外\"></label>", NULL, NULL, NULL, 0},
    {"decorative image", " alt=\"普惠保险标志\"", " alt=\"\"", NULL, NULL, NULL, 0},
    {"icon and text button", SUBMIT,
     "<button type=\"submit\" class=\"primary\"><svg aria-hidden=\"true\"><path d=\"M0 "
     "0\"/></svg>找保险</button>",
     NULL, NULL, NULL, 0},
    {"hidden input needs no label", "action=\"/search\">",
     "action=\"/search\"><input type=\"hidden\" name=\"t\" value=\"1\">", NULL, NULL, NULL, 0},
    {"zoom to 5 allowed", VIEWPORT,
     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, maximum-scale=5\">", NULL, NULL,
     NULL, 0},
    {"date and time with zone", TIME, "<time datetime=\"2026-05-29T08:30:00+08:00\">", NULL, NULL, NULL, 0},
    {"named focusable region", "</table>",
     "</table><div role=\"region\" tabindex=\"0\" aria-label=\"表格\">x</div>", NULL, NULL, NULL, 0},
    {"upper-case markup", "<th scope=\"col\">甲产品</th>", "<TH SCOPE=\"COL\">甲产品</TH>", NULL, NULL, NULL,
     0},
    {"script-subtag lang", "<span lang=\"en\">", "<span lang=\"zh-Hans-CN\">", NULL, NULL, NULL, 0},
    {"header inside an article", "</table>", "</table><article><header><h3>小标题</h3></header></article>",
     NULL, NULL, NULL, 0},
    {"section after an open p", "<h3>图片</h3>", "<p>说明<section aria-label=\"图\"><h3>图片</h3></section>",
     NULL, NULL, NULL, 0},
    {"money as number and 元", "每年 99 元", "每年 99.50 元", NULL, NULL, NULL, 0},
};

static void test_mutations(void **state)
{
    (void)state;
    size_t rule_count;
    const struct ph_html_check_rule *rules = ph_html_check_rules(&rule_count);
    bool *covered = calloc(rule_count, sizeof(bool));
    assert_non_null(covered);
    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
        const struct mutation *m = &mutations[i];
        int line;
        char *page = replace_once(good_page, m->find, m->replace, &line);
        if (m->find2 != NULL) {
            char *twice = replace_once(page, m->find2, m->replace2, NULL);
            free(page);
            page = twice;
        }
        struct ph_html_report r;
        check_ok(page, strlen(page), &r);
        char *text = report_text(&r);
        if (m->code == NULL) {
            if (r.count != 0)
                fail_msg("%s: expected a clean page, got:\n%s", m->name, text);
        } else {
            int want = m->line >= AT_EDIT - 1000 ? line + (m->line - AT_EDIT) : m->line;
            bool ok =
                m->line == LINE_ANY ? ph_html_report_has(&r, m->code) : has_finding_at(&r, m->code, want);
            if (!ok)
                fail_msg("%s: expected %s at line %d, got:\n%s", m->name, m->code, want, text);
            for (size_t k = 0; k < rule_count; k++) {
                if (strcmp(rules[k].code, m->code) == 0)
                    covered[k] = true;
            }
        }
        free(text);
        ph_html_report_release(&r);
        free(page);
    }
    /* Every rule has a failing example (the two about the input itself are
     * tested below with hostile input). */
    for (size_t k = 0; k < rule_count; k++) {
        if (strcmp(rules[k].code, "encoding_invalid") == 0 || strcmp(rules[k].code, "too_many_findings") == 0)
            continue;
        if (!covered[k])
            fail_msg("no mutation covers the rule %s", rules[k].code);
    }
    free(covered);

    /* And the good page is still clean after all that. */
    struct ph_html_report r;
    check_ok(good_page, strlen(good_page), &r);
    assert_int_equal(r.count, 0);
    ph_html_report_release(&r);
}

/* --------------------------------------------------------- hostile input */

/* A report that already holds findings, to see that bad statuses keep it. */
static void prefill(struct ph_html_report *r)
{
    ph_html_report_init(r, PH_HTML_REPORT_MAX_FINDINGS);
    assert_int_equal(ph_html_check("<p>x</p>", 8, r), PH_HTML_CHECK_OK);
    assert_true(r->count > 0);
}

static void assert_status_keeps_report(const char *html, size_t len, enum ph_html_check_status want)
{
    struct ph_html_report r;
    prefill(&r);
    size_t before = r.count;
    const char *first_code = r.items[0].code;
    enum ph_html_check_status st = ph_html_check(html, len, &r);
    if (st != want)
        fail_msg("status %s, expected %s", ph_html_check_status_code(st), ph_html_check_status_code(want));
    assert_int_equal(r.count, before);
    assert_ptr_equal(r.items[0].code, first_code);
    assert_report_sane(&r);
    ph_html_report_release(&r);
}

static void test_unparseable(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } cases[] = {
        {"", 0},
        {"   \n\t\r\n", 7},
        {"<!-- 只有注释 -->", sizeof("<!-- 只有注释 -->") - 1},
        {"<!DOCTYPE html>\n", 16},
        {"\xef\xbb\xbf", 3},
        {"\x01\x02\x03", 3},
        {"</p></div>", 10},
        {"<?xml version=\"1.0\"?>", 21},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_status_keeps_report(cases[i].bytes, cases[i].len, PH_HTML_CHECK_UNPARSEABLE);
    assert_status_keeps_report(NULL, 0, PH_HTML_CHECK_UNPARSEABLE);
    assert_status_keeps_report(NULL, 5, PH_HTML_CHECK_UNPARSEABLE);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 10000;
    char *page = malloc(depth * 5 + 1);
    assert_non_null(page);
    for (size_t i = 0; i < depth; i++)
        memcpy(page + i * 5, "<div>", 5);
    page[depth * 5] = '\0';
    assert_status_keeps_report(page, depth * 5, PH_HTML_CHECK_TOO_DEEP);
    free(page);

    /* 200 levels inside the good page's <main> are fine, and clean. */
    size_t levels = 200;
    char *nest = malloc(levels * 11 + 16);
    assert_non_null(nest);
    size_t n = 0;
    for (size_t i = 0; i < levels; i++) {
        memcpy(nest + n, "<div>", 5);
        n += 5;
    }
    nest[n++] = 'x';
    for (size_t i = 0; i < levels; i++) {
        memcpy(nest + n, "</div>", 6);
        n += 6;
    }
    nest[n] = '\0';
    char *with = malloc(strlen(nest) + strlen("<h1>找保险</h1>") + 1);
    assert_non_null(with);
    memcpy(with, "<h1>找保险</h1>", strlen("<h1>找保险</h1>"));
    memcpy(with + strlen("<h1>找保险</h1>"), nest, n + 1);
    char *deep_page = replace_once(good_page, "<h1>找保险</h1>", with, NULL);
    struct ph_html_report r;
    check_ok(deep_page, strlen(deep_page), &r);
    assert_int_equal(r.count, 0);
    ph_html_report_release(&r);
    free(deep_page);
    free(with);
    free(nest);
}

static void test_size_cap(void **state)
{
    (void)state;
    size_t big = (size_t)9 << 20;
    char *page = malloc(big);
    assert_non_null(page);
    memset(page, 'a', big);
    assert_status_keeps_report(page, big, PH_HTML_CHECK_TOO_BIG);
    assert_status_keeps_report(page, PH_HTML_CHECK_MAX_BYTES + 1, PH_HTML_CHECK_TOO_BIG);

    /* Exactly at the cap: the good page padded with a comment is checked. */
    const char *end = strstr(good_page, "</body>");
    assert_non_null(end);
    size_t head = (size_t)(end - good_page);
    size_t tail = strlen(end);
    size_t total = PH_HTML_CHECK_MAX_BYTES;
    memcpy(page, good_page, head);
    memcpy(page + head, "<!--", 4);
    memset(page + head + 4, '-', total - head - tail - 7);
    memcpy(page + total - tail - 3, "-->", 3);
    memcpy(page + total - tail, end, tail);
    struct ph_html_report r;
    check_ok(page, total, &r);
    assert_int_equal(r.count, 0);
    ph_html_report_release(&r);
    free(page);
}

/* A tag with more attributes than the cap is refused before libxml2 sees it
 * (its duplicate check is quadratic); at the cap the page is checked. */
static char *page_with_attributes(size_t count, const char *quote_char)
{
    size_t cap = count * 24 + 64;
    char *tag = malloc(cap);
    assert_non_null(tag);
    size_t n = (size_t)snprintf(tag, cap, "<h3");
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(tag + n, cap - n, " data-a%zu=%s1 >%s", i, quote_char, quote_char);
    snprintf(tag + n, cap - n, ">图片</h3>");
    char *page = replace_once(good_page, "<h3>图片</h3>", tag, NULL);
    free(tag);
    return page;
}

static void test_attribute_cap(void **state)
{
    (void)state;
    char *page = page_with_attributes(PH_HTML_CHECK_MAX_ATTRIBUTES + 1, "\"");
    assert_status_keeps_report(page, strlen(page), PH_HTML_CHECK_TOO_COMPLEX);
    free(page);
    page = page_with_attributes(PH_HTML_CHECK_MAX_ATTRIBUTES, "'");
    struct ph_html_report r;
    check_ok(page, strlen(page), &r);
    assert_int_equal(r.count, 0);
    ph_html_report_release(&r);
    free(page);
    /* A hundred thousand attributes: refused at once, not parsed for half a minute. */
    page = page_with_attributes(100000, "\"");
    assert_status_keeps_report(page, strlen(page), PH_HTML_CHECK_TOO_COMPLEX);
    free(page);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
    } cases[] = {
        {"stray byte", "每年 99 \xff元", 14},
        {"overlong slash", "每年 99 \xc0\xaf元", 15},
        {"surrogate", "每年 99 \xed\xa0\x80元", 16},
        {"cut sequence", "每年 99 \xe5\x85元", 15},
        {"NUL", "每年 99 \0元", 14},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* replace_once needs a C string: splice by hand. */
        const char *at = strstr(good_page, "每年 99 元");
        assert_non_null(at);
        size_t head = (size_t)(at - good_page);
        const char *rest = at + strlen("每年 99 元");
        size_t tail = strlen(rest);
        size_t len = head + cases[i].len + tail;
        char *page = malloc(len);
        assert_non_null(page);
        memcpy(page, good_page, head);
        memcpy(page + head, cases[i].bytes, cases[i].len);
        memcpy(page + head + cases[i].len, rest, tail);
        struct ph_html_report r;
        check_ok(page, len, &r);
        if (r.count != 1 || strcmp(r.items[0].code, "encoding_invalid") != 0 ||
            r.items[0].line != line_at(good_page, head))
            fail_msg("%s: expected one encoding_invalid at line %d", cases[i].name, line_at(good_page, head));
        ph_html_report_release(&r);
        free(page);
    }
    /* Bytes that are not text at all. */
    static const char binary[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    struct ph_html_report r;
    check_ok(binary, sizeof binary - 1, &r);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.items[0].code, "encoding_invalid");
    assert_int_equal(r.items[0].line, 1);
    ph_html_report_release(&r);
}

static void test_hostile_values_in_messages(void **state)
{
    (void)state;
    /* Control and bidi characters, long values: messages stay one short line. */
    char *page = replace_once(good_page, "<h1>找保险</h1>",
                              "<h1>找保险&#x202e;&#10;第二行&#1;"
                              "很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长"
                              "很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长</h1>",
                              NULL);
    struct ph_html_report r;
    check_ok(page, strlen(page), &r);
    assert_true(ph_html_report_has(&r, "title_mismatch"));
    for (size_t i = 0; i < r.count; i++)
        assert_true(strlen(r.items[i].message) < 1024);
    ph_html_report_release(&r);
    free(page);
}

/* ------------------------------------------------------------- reports */

static char *many_images(size_t count)
{
    const char *img = "<img src=\"/static/a.png\">\n";
    size_t img_len = strlen(img);
    char *imgs = malloc(count * img_len + 16);
    assert_non_null(imgs);
    memcpy(imgs, "</table>", 8);
    for (size_t i = 0; i < count; i++)
        memcpy(imgs + 8 + i * img_len, img, img_len);
    imgs[8 + count * img_len] = '\0';
    char *page = replace_once(good_page, "</table>", imgs, NULL);
    free(imgs);
    return page;
}

static void test_truncation(void **state)
{
    (void)state;
    char *page = many_images(600);
    struct ph_html_report r;
    check_ok(page, strlen(page), &r);
    assert_true(r.truncated);
    assert_int_equal(r.count, PH_HTML_REPORT_MAX_FINDINGS + 1);
    assert_string_equal(r.items[r.count - 1].code, "too_many_findings");
    assert_int_equal(r.items[r.count - 1].line, 0);
    assert_non_null(strstr(r.items[r.count - 1].message, "100 more"));
    ph_html_report_release(&r);

    ph_html_report_init(&r, 3);
    assert_int_equal(ph_html_check(page, strlen(page), &r), PH_HTML_CHECK_OK);
    assert_report_sane(&r);
    assert_int_equal(r.count, 4);
    assert_true(r.truncated);

    /* Reusing the report: the old findings go, the cap stays. */
    assert_int_equal(ph_html_check(good_page, strlen(good_page), &r), PH_HTML_CHECK_OK);
    assert_int_equal(r.count, 0);
    assert_false(r.truncated);
    assert_int_equal(r.max_findings, 3);
    ph_html_report_release(&r);

    ph_html_report_init(&r, 0);
    assert_int_equal(r.max_findings, 1);
    ph_html_report_release(&r);
    free(page);
}

static void test_text_and_json(void **state)
{
    (void)state;
    char *page = many_images(2);
    struct ph_html_report r;
    check_ok(page, strlen(page), &r);
    assert_int_equal(r.count, 2);
    assert_true(ph_html_report_has(&r, "img_alt_missing"));
    assert_false(ph_html_report_has(&r, "html_lang"));

    size_t len;
    char *text = ph_html_report_to_text(&r, "a\nb.html", &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    char want[256];
    snprintf(want, sizeof want, "a?b.html:%d: img_alt_missing: ", r.items[0].line);
    assert_memory_equal(text, want, strlen(want));
    size_t newlines = 0;
    for (size_t i = 0; i < len; i++)
        newlines += text[i] == '\n';
    assert_int_equal(newlines, 2);
    free(text);
    text = ph_html_report_to_text(&r, NULL, NULL);
    assert_true(strncmp(text, "-:", 2) == 0);
    free(text);

    json_t *json = ph_html_report_to_json(&r);
    assert_non_null(json);
    assert_true(json_is_array(json));
    assert_int_equal(json_array_size(json), 2);
    json_t *first = json_array_get(json, 0);
    assert_string_equal(json_string_value(json_object_get(first, "code")), "img_alt_missing");
    assert_int_equal(json_integer_value(json_object_get(first, "line")), r.items[0].line);
    assert_string_equal(json_string_value(json_object_get(first, "message")), r.items[0].message);
    json_decref(json);
    ph_html_report_release(&r);
    free(page);

    struct ph_html_report empty;
    ph_html_report_init(&empty, 10);
    text = ph_html_report_to_text(&empty, "x", &len);
    assert_string_equal(text, "");
    assert_int_equal(len, 0);
    free(text);
    json = ph_html_report_to_json(&empty);
    assert_int_equal(json_array_size(json), 0);
    json_decref(json);
}

static void test_rules_and_statuses(void **state)
{
    (void)state;
    size_t count;
    const struct ph_html_check_rule *rules = ph_html_check_rules(&count);
    assert_true(count >= 40);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(rules[i].code);
        assert_true(strlen(rules[i].code) > 0);
        for (const char *p = rules[i].code; *p != '\0'; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
        assert_true(rules[i].point >= 0 && rules[i].point <= 24);
        assert_true(strlen(rules[i].summary) > 0);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(rules[i].code, rules[k].code);
    }
    static const struct {
        enum ph_html_check_status status;
        const char *code;
    } statuses[] = {
        {PH_HTML_CHECK_OK, "ok"},
        {PH_HTML_CHECK_TOO_BIG, "input_too_big"},
        {PH_HTML_CHECK_TOO_DEEP, "input_too_deep"},
        {PH_HTML_CHECK_UNPARSEABLE, "input_unparseable"},
        {PH_HTML_CHECK_NO_MEMORY, "no_memory"},
        {PH_HTML_CHECK_TOO_COMPLEX, "input_too_complex"},
    };
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        assert_string_equal(ph_html_check_status_code(statuses[i].status), statuses[i].code);
        assert_true(strlen(ph_html_check_status_message(statuses[i].status)) > 0);
    }
}

/* ------------------------------------------------------------- threads */

struct handler_log {
    atomic_int calls;
};

static void count_errors(void *data, xmlErrorPtr error)
{
    (void)error;
    struct handler_log *log = data;
    atomic_fetch_add(&log->calls, 1);
}

/* The checker parses pages full of tags libxml2 calls invalid; none of
 * those errors may reach a handler the thread had, and the handler must
 * still be there afterwards. */
static void test_error_handler_left_alone(void **state)
{
    (void)state;
    struct handler_log log;
    atomic_init(&log.calls, 0);
    xmlSetStructuredErrorFunc(&log, count_errors);
    struct ph_html_report r;
    check_ok(good_page, strlen(good_page), &r);
    assert_int_equal(r.count, 0);
    assert_int_equal(atomic_load(&log.calls), 0);
    assert_ptr_equal(xmlStructuredError, count_errors);
    assert_ptr_equal(xmlStructuredErrorContext, &log);
    ph_html_report_release(&r);
    xmlSetStructuredErrorFunc(NULL, NULL);
}

#define THREADS         4
#define RUNS_PER_THREAD 200

static atomic_int thread_failures;

static void *check_many_times(void *arg)
{
    (void)arg;
    struct handler_log log;
    atomic_init(&log.calls, 0);
    xmlSetStructuredErrorFunc(&log, count_errors);
    struct ph_html_report r;
    ph_html_report_init(&r, PH_HTML_REPORT_MAX_FINDINGS);
    for (int i = 0; i < RUNS_PER_THREAD; i++) {
        if (ph_html_check(good_page, strlen(good_page), &r) != PH_HTML_CHECK_OK || r.count != 0)
            atomic_fetch_add(&thread_failures, 1);
    }
    if (atomic_load(&log.calls) != 0 || xmlStructuredError != count_errors)
        atomic_fetch_add(&thread_failures, 1);
    xmlSetStructuredErrorFunc(NULL, NULL);
    ph_html_report_release(&r);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    atomic_init(&thread_failures, 0);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, check_many_times, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(atomic_load(&thread_failures), 0);
}

int main(void)
{
    /* Tests start threads: make libxml2 ready first, as the header asks. */
    ph_html_check_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_page_is_clean),
        cmocka_unit_test(test_html5_elements_keep_their_place),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_unparseable),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_attribute_cap),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_hostile_values_in_messages),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_text_and_json),
        cmocka_unit_test(test_rules_and_statuses),
        cmocka_unit_test(test_error_handler_left_alone),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
