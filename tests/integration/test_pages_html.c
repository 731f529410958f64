/*
 * tests/integration/test_pages_html.c - every page type the server renders,
 * fetched over HTTP from a real `puhui serve --demo` (PUHUI_BIN), in every
 * display mode, through the two checkers of a11y/ (issue 4, acceptance 3):
 *
 *  - the libxml2 HTML checker (a11y/html_check.h) must find nothing on any
 *    page, error pages and the pages of a product whose texts are hostile
 *    (<script>, quotes, 200-character names) included;
 *  - the plain-Chinese checker (a11y/plain.h) must pass on the visible text
 *    of <main> of every page built from our own words and the demo data
 *    (a hostile product's own text is not ours to make plain, so its page
 *    is left out of that part).
 *
 * The HTTP client is CivetWeb's (mg_download), the same library the server
 * uses; no HTTP is parsed here.
 */
#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include <civetweb.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "a11y/buf.h"
#include "a11y/glossary.h"
#include "a11y/html_check.h"
#include "a11y/plain.h"

struct server {
    pid_t pid;
    int port;
    char dir[64];
    char key[128]; /* a demo insurer's API key, read from the server's stderr */
};

static struct server srv;
static char hostile_regno[32];

struct response {
    int status;
    char content_type[128];
    char *body;
    size_t len;
};

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        fail_msg("no free port");
    int port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

/* One request; the whole answer read. extra is more header lines ("" or
 * "Cookie: ...\r\n"). */
static bool fetch(const char *method, const char *path, const char *extra, const char *body,
                  struct response *out)
{
    memset(out, 0, sizeof *out);
    char error[256] = "";
    size_t body_len = body != NULL ? strlen(body) : 0;
    struct mg_connection *conn =
        mg_download("127.0.0.1", srv.port, 0, error, sizeof error,
                    "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%sContent-Length: %zu\r\n\r\n%s", method, path, extra,
                    body_len, body != NULL ? body : "");
    if (conn == NULL)
        return false;
    const struct mg_response_info *info = mg_get_response_info(conn);
    out->status = info != NULL ? info->status_code : 0;
    for (int i = 0; info != NULL && i < info->num_headers; i++) {
        if (strcasecmp(info->http_headers[i].name, "Content-Type") == 0)
            snprintf(out->content_type, sizeof out->content_type, "%s", info->http_headers[i].value);
    }
    struct ph_buf b;
    ph_buf_init(&b, 16u << 20);
    char chunk[16384];
    int n;
    while ((n = mg_read(conn, chunk, sizeof chunk)) > 0)
        ph_buf_append(&b, chunk, (size_t)n);
    mg_close_connection(conn);
    out->body = ph_buf_detach(&b, &out->len);
    return out->body != NULL;
}

static void response_release(struct response *r)
{
    free(r->body);
    r->body = NULL;
}

static void read_key(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        char *k = strstr(line, "phk_");
        if (k != NULL && strstr(line, "demo API key") != NULL) {
            k[strcspn(k, " \r\n")] = '\0';
            snprintf(srv.key, sizeof srv.key, "%s", k);
            break;
        }
    }
    fclose(f);
}

static int start_server(void **state)
{
    (void)state;
    const char *bin = getenv("PUHUI_BIN");
    const char *public_dir = getenv("PUHUI_PUBLIC");
    if (bin == NULL || public_dir == NULL) {
        fprintf(stderr, "PUHUI_BIN and PUHUI_PUBLIC must be set\n");
        return -1;
    }
    snprintf(srv.dir, sizeof srv.dir, "/tmp/puhui-pages-XXXXXX");
    if (mkdtemp(srv.dir) == NULL)
        return -1;
    srv.port = free_port();
    char db[128];
    char listen_on[64];
    char log_path[128];
    snprintf(db, sizeof db, "%s/t.db", srv.dir);
    snprintf(listen_on, sizeof listen_on, "127.0.0.1:%d", srv.port);
    snprintf(log_path, sizeof log_path, "%s/stderr.log", srv.dir);
    srv.pid = fork();
    if (srv.pid == 0) {
        if (freopen(log_path, "w", stderr) == NULL)
            _exit(127);
        execl(bin, bin, "serve", "--db", db, "--listen", listen_on, "--public", public_dir, "--demo",
              "--access-log", "-", (char *)NULL);
        _exit(127);
    }
    mg_init_library(0);
    for (int tries = 0; tries < 200; tries++) {
        struct response r;
        if (fetch("GET", "/healthz", "", NULL, &r) && r.status == 200) {
            response_release(&r);
            read_key(log_path);
            return srv.key[0] != '\0' ? 0 : -1;
        }
        response_release(&r);
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "the server did not start\n");
    return -1;
}

static int stop_server(void **state)
{
    (void)state;
    if (srv.pid > 0) {
        kill(srv.pid, SIGTERM);
        int status = 0;
        waitpid(srv.pid, &status, 0);
    }
    test_remove_dir(srv.dir);
    mg_exit_library();
    return 0;
}

/* A product whose every text tries to break the page. */
static void register_hostile_product(void)
{
    if (hostile_regno[0] != '\0')
        return;
    json_t *body = test_product_body();
    /* 60 characters, the most a name may have, all of them trouble. */
    test_json_set_path(body, "name", json_string("<script>alert(\"x\")</script>'\"&amp;名字很长名字很长名字很长名字很长名字很长名字很长"));
    char summary[2048];
    snprintf(summary, sizeof summary, "</p><img src=x onerror=alert(1)>\"引号'和<尖括号>都要原样显示，不能变成代码。%s",
             "这段简介很长很长，一直说下去，没有标点也不分句子，看看页面会不会被撑破或者出现横向滚动条这样的问题然后还要继续说"
             "下去直到超过两百个字为止这样才能检查长文字的处理是不是正确的页面是不是还能正常显示每一个字都要能看到不能被截断也"
             "不能跑到屏幕外面去所以这里要写很多很多的字一直写到足够长为止好了现在应该已经够长了吧再多写几个字保险一点");
    test_json_set_path(body, "summary", json_string(summary));
    test_json_set_path(body, "covered", test_json("[\"<b>粗体</b>不是粗体\", \"javascript:alert(1)\"]"));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char headers[256];
    snprintf(headers, sizeof headers, "Authorization: Bearer %s\r\nContent-Type: application/json\r\n", srv.key);
    struct response r;
    assert_true(fetch("POST", "/api/v1/products", headers, text, &r));
    free(text);
    if (r.status != 201)
        fail_msg("registering the hostile product: %d %.300s", r.status, r.body ? r.body : "");
    json_t *answer = json_loadb(r.body, r.len, 0, NULL);
    snprintf(hostile_regno, sizeof hostile_regno, "%s",
             json_string_value(json_object_get(answer, "registration_no")));
    json_decref(answer);
    response_release(&r);
}

struct page_case {
    const char *method;
    const char *path; /* "{hostile}" is replaced by the hostile product's number */
    int status;
    bool ours; /* built from our words and the demo data: the plain checker applies */
};

static const struct page_case pages[] = {
    {"GET", "/", 200, true},
    {"GET", "/search?q=%E6%84%8F%E5%A4%96", 200, true},              /* 意外 */
    {"GET", "/search?q=%E8%80%81%E4%BA%BA+%E4%BD%8F%E9%99%A2", 200, true}, /* 老人 住院 */
    {"GET", "/search?q=zzqqxx%E4%B8%8D%E5%AD%98%E5%9C%A8", 200, true},   /* no results */
    {"GET", "/search?q=yiwai&page=2&per_page=5", 200, true},
    {"GET", "/search?age=abc&premium_max=-5&q=%E4%BD%8F%E9%99%A2", 400, true}, /* the error summary */
    {"GET", "/search", 200, true},
    {"GET", "/browse/category/medical", 200, true},
    {"GET", "/browse/group/elderly", 200, true},
    {"GET", "/browse/region/330000", 200, true},
    {"GET", "/products/PH-2026-000001", 200, true},
    {"GET", "/products/PH-2026-000001/versions/1", 200, true},
    {"GET", "/products/PH-2026-000002", 200, true},
    {"GET", "/products/PH-2026-000004", 200, true},
    {"GET", "/compare?p=PH-2026-000001&p=PH-2026-000002", 200, true},
    {"GET", "/compare?p=PH-2026-000001&p=PH-2026-000002&p=PH-2026-000004", 200, true},
    {"GET", "/compare", 200, true},
    {"GET", "/compare?p=PH-2026-000001&p=nope", 400, true},
    {"GET", "/insurers/1", 200, true},
    {"GET", "/settings", 200, true},
    {"GET", "/settings?saved=1", 200, true},
    {"GET", "/accessibility", 200, true},
    {"GET", "/help", 200, true},
    {"GET", "/help/choose", 200, true},
    {"GET", "/documents/PD-2026-000001", 200, false}, /* the insurer's text: not our words */
    {"GET", "/documents/PD-2026-000001/versions/1", 200, false},
    {"GET", "/disclosures", 200, false}, /* lists insurers' document titles and texts */
    {"GET", "/disclosures?q=%E8%B4%B9%E7%8E%87&type=notice", 200, false}, /* 费率 */
    {"GET", "/disclosures?date_from=2026-13-01", 400, true},
    {"GET", "/documents/PD-2099-999999", 404, true},
    {"GET", "/no-such-page", 404, true},
    {"GET", "/products/PH-2099-999999", 404, true},
    {"GET", "/products/PH-2026-000001/versions/99", 404, true},
    /* History (issue 5): version differences and what changed. */
    {"GET", "/products/PH-2026-000002/diff", 200, true},
    {"GET", "/products/PH-2026-000001/diff?from=1&to=3", 200, true},
    {"GET", "/products/PH-2026-000002/diff?from=abc", 400, true},
    {"GET", "/products/PH-2026-000002/diff?from=1&to=9", 404, true},
    {"GET", "/documents/PD-2026-000001/diff", 200, true},
    {"GET", "/changes", 200, true},
    {"GET", "/changes?kind=rate_change", 200, true},
    {"GET", "/changes?kind=withdrawal&per_page=100", 200, true},
    {"GET", "/changes?kind=document&per_page=20", 200, true},
    {"GET", "/changes?per_page=100&page=2", 200, true},
    {"GET", "/changes?date_from=2026-13-45&kind=x", 400, true},
    {"POST", "/search", 405, true},
    {"GET", "/products/{hostile}", 200, false},
    {"GET", "/search?q=%3Cscript%3E%22", 200, false},
    {"GET", "/compare?p={hostile}&p=PH-2026-000001", 200, false},
};

static const char *const modes[] = {"", "Cookie: puhui_display=elder\r\n",
                                    "Cookie: puhui_display=elder,contrast,spacing\r\n"};

static void page_path(const struct page_case *c, char *out, size_t size)
{
    const char *mark = strstr(c->path, "{hostile}");
    if (mark == NULL) {
        snprintf(out, size, "%s", c->path);
        return;
    }
    register_hostile_product();
    snprintf(out, size, "%.*s%s%s", (int)(mark - c->path), c->path, hostile_regno, mark + strlen("{hostile}"));
}

static void test_every_page_passes_the_html_checker(void **state)
{
    (void)state;
    int failures = 0;
    size_t checked = 0;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
            char path[256];
            page_path(&pages[i], path, sizeof path);
            struct response r;
            assert_true(fetch(pages[i].method, path, modes[m], NULL, &r));
            if (r.status != pages[i].status) {
                print_error("%s %s: status %d, want %d\n", pages[i].method, path, r.status, pages[i].status);
                failures++;
            }
            if (strncmp(r.content_type, "text/html", 9) != 0) {
                print_error("%s: content type %s\n", path, r.content_type);
                failures++;
            }
            struct ph_html_report report;
            ph_html_report_init(&report, PH_HTML_REPORT_MAX_FINDINGS);
            enum ph_html_check_status st = ph_html_check(r.body, r.len, &report);
            if (st != PH_HTML_CHECK_OK || report.count > 0) {
                char *text = ph_html_report_to_text(&report, path, NULL);
                print_error("%s [%s]: %s\n%s", path, modes[m][0] ? modes[m] : "normal\n",
                            ph_html_check_status_code(st), text ? text : "");
                free(text);
                failures++;
            }
            ph_html_report_release(&report);
            response_release(&r);
            checked++;
        }
    }
    print_message("checked %zu page responses\n", checked);
    if (failures > 0)
        fail_msg("%d page(s) failed the HTML checker", failures);
}

/* The visible text of <main>, a line per block, for the plain checker. */
static bool is_block(const char *name)
{
    static const char *const blocks[] = {"p",  "li", "h1",      "h2",     "h3",      "h4",    "dt", "dd",
                                         "td", "th", "caption", "label",  "legend",  "div",   "ul", "ol",
                                         "dl", "tr", "table",   "option", "summary", "button", "section"};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (strcmp(name, blocks[i]) == 0)
            return true;
    return false;
}

static void collect_text(xmlNode *node, struct ph_buf *out)
{
    for (xmlNode *n = node; n != NULL; n = n->next) {
        if (n->type == XML_TEXT_NODE && n->content != NULL) {
            ph_buf_append_str(out, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)n->name;
            /* Not prose: code, addresses and fingerprints (translate="no"). */
            xmlChar *translate = xmlGetProp(n, (const xmlChar *)"translate");
            bool machine = translate != NULL && strcmp((const char *)translate, "no") == 0;
            xmlFree(translate);
            if (machine || strcmp(name, "script") == 0 || strcmp(name, "style") == 0 || strcmp(name, "svg") == 0 ||
                strcmp(name, "code") == 0)
                continue;
            bool block = is_block(name);
            if (block)
                ph_buf_append_char(out, '\n');
            collect_text(n->children, out);
            if (block)
                ph_buf_append_char(out, '\n');
        }
    }
}

static xmlNode *find_main(xmlNode *node)
{
    for (xmlNode *n = node; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "main") == 0)
            return n;
        xmlNode *inside = find_main(n->children);
        if (inside != NULL)
            return inside;
    }
    return NULL;
}

static void test_our_pages_are_plain_chinese(void **state)
{
    (void)state;
    const struct ph_glossary *glossary = NULL;
    assert_int_equal(ph_glossary_default(&glossary), PH_GLOSSARY_OK);
    int failures = 0;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        if (!pages[i].ours)
            continue;
        char path[256];
        page_path(&pages[i], path, sizeof path);
        struct response r;
        assert_true(fetch(pages[i].method, path, "", NULL, &r));
        htmlDocPtr doc = htmlReadMemory(r.body, (int)r.len, NULL, "UTF-8",
                                        HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
        assert_non_null(doc);
        xmlNode *main_node = find_main(xmlDocGetRootElement(doc));
        assert_non_null(main_node);
        struct ph_buf text;
        ph_buf_init(&text, 4u << 20);
        collect_text(main_node->children, &text);
        struct ph_plain_report report;
        assert_int_equal(ph_plain_check(text.data ? text.data : "", text.len, glossary, &report), PH_PLAIN_OK);
        if (!ph_plain_passes(&report)) {
            json_t *findings = NULL;
            ph_plain_findings_json(&report, path, &findings);
            char *dumped = json_dumps(findings, JSON_INDENT(1));
            print_error("%s: score %d\n%s\n", path, report.score, dumped ? dumped : "");
            free(dumped);
            json_decref(findings);
            failures++;
        }
        ph_buf_release(&text);
        xmlFreeDoc(doc);
        response_release(&r);
    }
    if (failures > 0)
        fail_msg("%d page(s) are not plain Chinese", failures);
}

int main(void)
{
    ph_html_check_init();
    const struct CMUnitTest tests[] = {
        /* Plain Chinese first: before the hostile product is registered,
         * so that it shows in no list the plain checker reads. */
        cmocka_unit_test(test_our_pages_are_plain_chinese),
        cmocka_unit_test(test_every_page_passes_the_html_checker),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
