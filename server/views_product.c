/*
 * server/views_product.c - the view models of the product page
 * (/products/{no}, /products/{no}/versions/{n}), the compare page
 * (/compare?p=A&p=B) and the insurer page (/insurers/{id}); see pages.h and
 * docs/internals/pages.md, "Product, compare and insurer pages".
 *
 * Everything a citizen reads is built here as plain words in the view
 * model (so the .json twin carries every fact), and every text that may
 * hold a glossary word goes through ph_page_terms() in the order the
 * template shows it, so each word is explained at its first use on the
 * page (ACCESSIBILITY.md point 20). Texts that may hold glossary words are
 * "glossed" objects {value, terms}: the lead's terms partial looks names up
 * through the context stack, so no object that encloses a terms array may
 * have a key named "text" or "term".
 */
#include "server/pages.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "a11y/buf.h"
#include "a11y/qr.h"
#include "i18n/format.h"
#include "registry/estimate.h"
#include "registry/rules.h"
#include "server/server.h"
#include "server/views_internal.h"

#define FACT_VALUE_MAX_BYTES (16u << 10) /* claim.how + 20 documents fit many times over */
#define REGIONS_SHOWN_MAX    10          /* "杭州、宁波……等 37 个地方" past this */
#define QR_SVG_MAX_BYTES     (128u << 10)
#define HOST_MAX_BYTES       255
#define COMPARE_MAX_PRODUCTS 3
#define COMPARE_READ_MAX     10 /* p values read from one query; more are refused */
#define COMPARE_VALUE_MAX    128
#define COMPARE_QUERY_MAX    4096
#define INSURER_DETAIL_MAX   300 /* products whose state is read one by one on the insurer page */
#define REGULATOR_HOTLINE    "12378"
#define REG_NO_EXAMPLE       "PH-2026-000001"

/* --- small helpers ------------------------------------------------------------ */

/* {value, terms}: a text that may hold glossary words (see the top of the file). */
static json_t *glossed(struct ph_page *page, const char *value)
{
    if (value == NULL)
        value = "";
    return json_pack("{s:s, s:o}", "value", value, "terms", ph_page_terms(page, value));
}

static void yuan_text(double yuan, char *buf, size_t size)
{
    if (ph_format_yuan(yuan, buf, size) != PH_I18N_OK)
        snprintf(buf, size, "%.2f元", yuan);
}

/* "48%", "171.4%", "0.0049%": rates of premium to sum insured are tiny, so
 * up to four decimals are kept (ph_format_percent rounds them to "0%"). */
static void percent_text(double pct, char *buf, size_t size)
{
    char digits[64];
    snprintf(digits, sizeof digits, "%.4f", pct);
    size_t len = strlen(digits);
    while (len > 0 && digits[len - 1] == '0')
        digits[--len] = '\0';
    if (len > 0 && digits[len - 1] == '.')
        digits[--len] = '\0';
    snprintf(buf, size, "%s%%", strcmp(digits, "-0") == 0 ? "0" : digits);
}

static double number_at(const json_t *object, const char *key, double fallback)
{
    const json_t *v = json_object_get(object, key);
    return json_is_number(v) ? json_number_value(v) : fallback;
}

static const char *string_at(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

/* "第一个", ... "第十个" for 1..10; "第 11 个" past that. */
static void ordinal_text(size_t n, char *buf, size_t size)
{
    static const char *const digits[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
    if (n >= 1 && n <= 10)
        snprintf(buf, size, "第%s个", digits[n - 1]);
    else
        snprintf(buf, size, "第 %zu 个", n);
}

/* --- dates: the registry stores UTC timestamps; people read China's date --------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil, http://howardhinnant.github.io/date_algorithms.html). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool digits_at(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* The China date (UTC+8) of "YYYY-MM-DD" (taken as it is) or of a UTC
 * timestamp "YYYY-MM-DDTHH:MM:SSZ", as "YYYY-MM-DD" in out. */
static bool china_date(const char *text, char out[16])
{
    int64_t y, m, d, hour = 0;
    if (text == NULL || strlen(text) < 10 || text[4] != '-' || text[7] != '-' || !digits_at(text, 4, &y) ||
        !digits_at(text + 5, 2, &m) || !digits_at(text + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    int64_t days = days_from_civil(y, m, d);
    if (text[10] == 'T' && digits_at(text + 11, 2, &hour) && strchr(text, 'Z') != NULL && hour + 8 >= 24)
        days++;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    return true;
}

static void today_china(char out[16])
{
    int64_t days = ((int64_t)time(NULL) + 8 * 3600) / 86400;
    int64_t y, m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

/* {iso: "2026-05-29", zh: "2026年5月29日"} for a <time datetime>, or null. */
static json_t *date_json(const char *text)
{
    char iso[16];
    char zh[PH_FORMAT_MAX_BYTES];
    if (!china_date(text, iso) || ph_format_date_zh(iso, zh, sizeof zh) != PH_I18N_OK)
        return json_null();
    return json_pack("{s:s, s:s}", "iso", iso, "zh", zh);
}

/* "2026Q2" -> "2026年第二季度". */
static void quarter_text(const char *quarter, char *buf, size_t size)
{
    static const char *const names[] = {"一", "二", "三", "四"};
    if (quarter != NULL && strlen(quarter) == 6 && quarter[4] == 'Q' && quarter[5] >= '1' &&
        quarter[5] <= '4')
        snprintf(buf, size, "%.4s年第%s季度", quarter, names[quarter[5] - '1']);
    else
        snprintf(buf, size, "%s", quarter != NULL ? quarter : "");
}

/* --- the key facts -------------------------------------------------------------- */

enum fact_key {
    FACT_WHO,
    FACT_PREMIUM,
    FACT_SUM_INSURED,
    FACT_DEDUCTIBLE,
    FACT_REIMBURSEMENT,
    FACT_WAITING,
    FACT_PREEXISTING,
    FACT_QUESTIONNAIRE,
    FACT_CLAIM,
    FACT_COOLING_OFF,
    FACT_TERM,
    FACT_COUNT
};

/* The fixed order and the labels: the product page, the compare table and
 * the JSON twin all use this one table. */
static const struct {
    const char *key;
    const char *label;
} FACTS[FACT_COUNT] = {
    {"who", "谁能买"},
    {"premium", "每年保费"},
    {"sum_insured", "最多赔多少"},
    {"deductible", "自己先付多少"},
    {"reimbursement", "报销比例"},
    {"waiting_period", "等待期"},
    {"preexisting", "有病能不能买"},
    {"health_questionnaire", "要不要回答身体情况"},
    {"claim", "怎么理赔"},
    {"cooling_off", "犹豫期"},
    {"term", "保多久"},
};

struct fact {
    bool present; /* false: the product does not say (reimbursement, cooling-off) */
    struct ph_buf value;
    char hint[256];
};

static void facts_release(struct fact facts[FACT_COUNT])
{
    for (size_t i = 0; i < FACT_COUNT; i++)
        ph_buf_release(&facts[i].value);
}

static void join_names(struct ph_buf *out, const json_t *names, size_t shown_max)
{
    size_t n = json_array_size(names);
    for (size_t i = 0; i < n && i < shown_max; i++) {
        if (i > 0)
            ph_buf_append_str(out, "、");
        const char *s = json_string_value(json_array_get(names, i));
        ph_buf_append_str(out, s != NULL ? s : "");
    }
    if (n > shown_max)
        ph_buf_printf(out, "等 %zu 个地方", n);
}

static void fact_who(const json_t *product, struct ph_buf *v)
{
    json_int_t age_min = json_integer_value(json_object_get(product, "age_min"));
    json_int_t age_max = json_integer_value(json_object_get(product, "age_max"));
    if (age_min <= 0 && age_max >= 100)
        ph_buf_append_str(v, "不限年龄");
    else if (age_min <= 0)
        ph_buf_printf(v, "%lld 岁及以下能买", (long long)age_max);
    else if (age_max >= 100)
        ph_buf_printf(v, "%lld 岁及以上能买", (long long)age_min);
    else
        ph_buf_printf(v, "%lld 到 %lld 岁能买", (long long)age_min, (long long)age_max);

    json_t *names = ph_view_region_names(json_object_get(product, "regions"));
    if (json_array_size(names) > 0) {
        ph_buf_append_str(v, "。卖的地方：");
        join_names(v, names, REGIONS_SHOWN_MAX);
    }
    json_decref(names);

    const json_t *groups = json_object_get(product, "target_groups");
    size_t shown = 0;
    size_t i;
    const json_t *g;
    json_array_foreach (groups, i, g) {
        const char *label =
            json_is_string(g) ? ph_enum_label(&ph_enum_target_group, json_string_value(g)) : NULL;
        if (label == NULL)
            continue;
        ph_buf_append_str(v, shown == 0 ? "。特别适合：" : "、");
        ph_buf_append_str(v, label);
        shown++;
    }
}

static void fact_claim(const json_t *claim, struct ph_buf *v)
{
    const char *how = string_at(claim, "how");
    if (how != NULL && how[0] != '\0') {
        ph_buf_append_str(v, how);
        size_t len = strlen(how);
        bool ends_sentence =
            (len >= 3 && (strcmp(how + len - 3, "。") == 0 || strcmp(how + len - 3, "！") == 0)) ||
            how[len - 1] == '.';
        if (!ends_sentence)
            ph_buf_append_str(v, "。");
    }
    const json_t *documents = json_object_get(claim, "documents");
    if (json_array_size(documents) > 0) {
        ph_buf_append_str(v, "要准备的材料：");
        size_t i;
        const json_t *d;
        json_array_foreach (documents, i, d) {
            if (i > 0)
                ph_buf_append_str(v, "、");
            ph_buf_append_str(v, json_is_string(d) ? json_string_value(d) : "");
        }
        ph_buf_append_str(v, "。");
    }
    const json_t *days = json_object_get(claim, "settle_days");
    if (json_is_integer(days))
        ph_buf_printf(v, "材料齐全后 %lld 天内赔钱", (long long)json_integer_value(days));
}

/* The words of every key fact of one product (no glossary yet: the caller
 * annotates them in the order its page shows them). */
static void product_facts(const json_t *product, struct fact facts[FACT_COUNT])
{
    char yuan[PH_FORMAT_MAX_BYTES];
    for (size_t i = 0; i < FACT_COUNT; i++) {
        facts[i].present = true;
        facts[i].hint[0] = '\0';
        ph_buf_init(&facts[i].value, FACT_VALUE_MAX_BYTES);
    }

    fact_who(product, &facts[FACT_WHO].value);

    char premium[256];
    ph_view_premium_text(json_object_get(product, "premium_yuan_per_year"), premium, sizeof premium);
    ph_buf_append_str(&facts[FACT_PREMIUM].value, premium);

    const json_t *sum = json_object_get(product, "sum_insured_yuan");
    if (json_is_number(sum)) {
        yuan_text(json_number_value(sum), yuan, sizeof yuan);
        ph_buf_printf(&facts[FACT_SUM_INSURED].value, "最高赔 %s", yuan);
    } else {
        ph_buf_append_str(&facts[FACT_SUM_INSURED].value, "没有写明");
    }

    double deductible = number_at(product, "deductible_yuan", 0);
    if (deductible > 0) {
        yuan_text(deductible, yuan, sizeof yuan);
        ph_buf_printf(&facts[FACT_DEDUCTIBLE].value, "先自己付 %s，超过的部分才赔。这 %s叫免赔额", yuan,
                      yuan);
    } else {
        ph_buf_append_str(&facts[FACT_DEDUCTIBLE].value, "没有免赔额，不用自己先付");
    }

    const json_t *ratio = json_object_get(product, "reimbursement_pct");
    if (json_is_number(ratio)) {
        char amount[64];
        double pct = json_number_value(ratio);
        if (pct == floor(pct))
            snprintf(amount, sizeof amount, "%.0f", pct);
        else
            snprintf(amount, sizeof amount, "%g", pct);
        ph_buf_printf(&facts[FACT_REIMBURSEMENT].value, "%s每花 100 元，保险报 %s 元",
                      deductible > 0 ? "超过免赔额的部分，" : "", amount);
    } else {
        facts[FACT_REIMBURSEMENT].present = false;
    }

    json_int_t waiting = json_integer_value(json_object_get(product, "waiting_period_days"));
    if (waiting > 0) {
        ph_buf_printf(&facts[FACT_WAITING].value, "买了以后 %lld 天内生病不赔", (long long)waiting);
        snprintf(facts[FACT_WAITING].hint, sizeof facts[FACT_WAITING].hint,
                 "意外受伤一般买了就保。具体请看下面“不赔的情况”。");
    } else {
        ph_buf_append_str(&facts[FACT_WAITING].value, "没有等待期，买了就保");
    }

    const char *pre = string_at(product, "preexisting_conditions");
    const char *pre_label = pre != NULL ? ph_enum_label(&ph_enum_preexisting, pre) : NULL;
    ph_buf_append_str(&facts[FACT_PREEXISTING].value, pre_label != NULL ? pre_label : "没有写明");

    if (json_is_true(json_object_get(product, "health_questionnaire")))
        ph_buf_append_str(&facts[FACT_QUESTIONNAIRE].value,
                          "要回答。买之前要把身体情况如实告诉保险公司（健康告知）");
    else
        ph_buf_append_str(&facts[FACT_QUESTIONNAIRE].value, "不用回答。不问身体情况");

    fact_claim(json_object_get(product, "claim"), &facts[FACT_CLAIM].value);

    const json_t *cooling = json_object_get(product, "cooling_off_days");
    if (json_is_integer(cooling) && json_integer_value(cooling) > 0)
        ph_buf_printf(&facts[FACT_COOLING_OFF].value, "买了 %lld 天内可以退，全额退钱",
                      (long long)json_integer_value(cooling));
    else if (json_is_integer(cooling))
        ph_buf_append_str(&facts[FACT_COOLING_OFF].value, "没有犹豫期");
    else
        facts[FACT_COOLING_OFF].present = false;

    json_int_t months = json_integer_value(json_object_get(product, "term_months"));
    if (months > 0 && months % 12 == 0)
        ph_buf_printf(&facts[FACT_TERM].value, "保 %lld 年", (long long)(months / 12));
    else
        ph_buf_printf(&facts[FACT_TERM].value, "保 %lld 个月", (long long)months);
}

static const char *fact_value(const struct fact *f)
{
    return f->value.failed || f->value.data == NULL ? "" : f->value.data;
}

/* One key-facts item {key, label, label_glossed, value, terms, hint}, its
 * glossary segments made now (label, then value, then hint: reading order). */
static json_t *fact_item(struct ph_page *page, size_t index, const struct fact *f)
{
    json_t *item = json_object();
    json_object_set_new(item, "key", json_string(FACTS[index].key));
    json_object_set_new(item, "label", json_string(FACTS[index].label));
    json_object_set_new(item, "label_glossed", glossed(page, FACTS[index].label));
    json_object_set_new(item, "value", json_string(fact_value(f)));
    json_object_set_new(item, "terms", ph_page_terms(page, fact_value(f)));
    json_object_set_new(item, "hint", f->hint[0] != '\0' ? glossed(page, f->hint) : json_null());
    return item;
}

json_t *ph_view_key_facts(struct ph_page *page, const json_t *product)
{
    struct fact facts[FACT_COUNT];
    product_facts(product, facts);
    json_t *items = json_array();
    for (size_t i = 0; i < FACT_COUNT; i++) {
        if (facts[i].present)
            json_array_append_new(items, fact_item(page, i, &facts[i]));
    }
    facts_release(facts);
    return items;
}

/* --- the state of a product, in words ----------------------------------------------- */

/* {code, label, on_sale, when: {before, iso, zh, after} | null, reason: glossed | null}. */
static json_t *status_json(struct ph_page *page, const json_t *product)
{
    const json_t *suspension = json_object_get(product, "suspension");
    const json_t *withdrawal = json_object_get(product, "withdrawal");
    const json_t *solvency = json_object_get(json_object_get(product, "insurer"), "solvency");
    bool on_sale = json_is_true(json_object_get(product, "on_sale"));
    bool solvency_ok = json_is_object(solvency) && json_is_true(json_object_get(solvency, "adequate"));
    const char *code = "on_sale";
    const char *label = "在售";
    const char *before = NULL;
    const char *after = NULL;
    const char *when = NULL;
    const char *reason = NULL;
    char today[16];
    today_china(today);

    if (json_is_object(suspension)) {
        code = "suspended";
        label = "暂停销售";
        before = "从";
        after = "起暂停，现在不能买";
        when = string_at(suspension, "since");
        reason = string_at(suspension, "reason");
    } else if (json_is_object(withdrawal)) {
        const char *date = string_at(withdrawal, "date");
        bool future = date != NULL && strcmp(date, today) > 0;
        code = future ? "withdrawing" : "withdrawn";
        label = future ? (on_sale ? "在售，快要停售了" : "暂时不能买，快要停售了") : "已停售";
        before = future ? "将从" : "从";
        after = "起停售";
        when = date;
        reason = string_at(withdrawal, "reason");
    } else if (!on_sale || !solvency_ok) {
        code = "not_on_sale";
        label = "暂时不能买";
    }
    json_t *when_json = json_null();
    json_t *date = when != NULL ? date_json(when) : json_null();
    if (json_is_object(date)) {
        when_json = json_pack("{s:s, s:O, s:O, s:s}", "before", before, "iso", json_object_get(date, "iso"),
                              "zh", json_object_get(date, "zh"), "after", after);
    }
    json_decref(date);
    json_t *status = json_pack("{s:s, s:s, s:b, s:o}", "code", code, "label", label, "on_sale", on_sale,
                               "when", when_json);
    json_object_set_new(status, "reason", reason != NULL ? glossed(page, reason) : json_null());
    return status;
}

/* The flag message of the registry with this code, or NULL. */
static const char *flag_message(const json_t *product, const char *code)
{
    size_t i;
    const json_t *f;
    json_array_foreach (json_object_get(product, "flags"), i, f) {
        const char *c = string_at(f, "code");
        if (c != NULL && strcmp(c, code) == 0)
            return string_at(f, "message");
    }
    return NULL;
}

/* --- the page's own address, for the QR code ------------------------------------------- */

/* A plausible Host header: a DNS name or IPv4 address ([A-Za-z0-9.-]) or a
 * bracketed IPv6 literal, then an optional :port of 1-5 digits. Anything
 * else (spaces, "@", "/", quotes, empty) is refused. */
static bool host_is_plausible(const char *host)
{
    size_t len = host != NULL ? strlen(host) : 0;
    if (len == 0 || len > HOST_MAX_BYTES)
        return false;
    size_t i = 0;
    if (host[0] == '[') {
        for (i = 1; i < len && host[i] != ']'; i++) {
            if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
                return false;
        }
        if (i == len || i == 1)
            return false;
        i++;
    } else {
        for (; i < len && host[i] != ':'; i++) {
            unsigned char c = (unsigned char)host[i];
            if (!isalnum(c) && c != '.' && c != '-')
                return false;
        }
        if (i == 0 || host[0] == '.' || host[0] == '-')
            return false;
    }
    if (i == len)
        return true;
    if (host[i] != ':' || len - i - 1 < 1 || len - i - 1 > 5)
        return false;
    for (i++; i < len; i++) {
        if (!isdigit((unsigned char)host[i]))
            return false;
    }
    return true;
}

static bool host_is_loopback(const char *host)
{
    return strncmp(host, "localhost", 9) == 0 || strncmp(host, "127.", 4) == 0 ||
           strncmp(host, "[::1]", 5) == 0;
}

/* The address a phone should open: "https://<Host><path>" when the request
 * named a plausible host (plain http for loopback hosts: a developer's own
 * machine has no TLS), the path alone otherwise. Public deployments run
 * behind a TLS-terminating proxy (docs/DEPLOYMENT.md), hence https. */
static void page_url(const struct ph_page *page, const char *path, char *out, size_t size, bool *absolute)
{
    const char *host =
        page->req != NULL && page->req->conn != NULL ? mg_get_header(page->req->conn, "Host") : NULL;
    *absolute = host_is_plausible(host);
    if (!*absolute) {
        snprintf(out, size, "%s", path);
        return;
    }
    char lower[HOST_MAX_BYTES + 1];
    size_t n = strlen(host);
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)host[i]);
    snprintf(out, size, "%s://%s%s", host_is_loopback(lower) ? "http" : "https", lower, path);
}

static json_t *qr_json(struct ph_page *page, const char *path)
{
    char url[HOST_MAX_BYTES + 128];
    bool absolute = false;
    page_url(page, path, url, sizeof url, &absolute);
    struct ph_buf svg;
    ph_buf_init(&svg, QR_SVG_MAX_BYTES);
    bool ok = ph_qr_svg(url, "二维码：用手机扫一扫，打开这个产品的页面", &svg) && !svg.failed;
    json_t *qr =
        json_pack("{s:s, s:b, s:s?}", "url", url, "absolute", absolute, "qr_svg_html", ok ? svg.data : NULL);
    ph_buf_release(&svg);
    return qr;
}

/* --- the product page's sections -------------------------------------------------------- */

/* Glossary words inside names (惠民保 in "杭州西湖惠民保2026"), explained
 * once on a line of their own, since a name in a heading or a link cannot
 * carry an explanation: {words: [{word, explain}]} or null when there are
 * none. Call it where the page first shows the names. */
static json_t *name_words(struct ph_page *page, const char *const *names, size_t count)
{
    json_t *words = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *segments = ph_page_terms(page, names[i]);
        size_t k;
        const json_t *seg;
        json_array_foreach (segments, k, seg) {
            const char *term = string_at(seg, "term");
            if (term != NULL)
                json_array_append_new(
                    words, json_pack("{s:s, s:s?}", "word", term, "explain", string_at(seg, "explain")));
        }
        json_decref(segments);
    }
    if (json_array_size(words) == 0) {
        json_decref(words);
        return json_null();
    }
    return json_pack("{s:o}", "words", words);
}

static json_t *glossed_list(struct ph_page *page, const json_t *texts)
{
    json_t *list = json_array();
    size_t i;
    const json_t *t;
    json_array_foreach (texts, i, t) {
        if (json_is_string(t))
            json_array_append_new(list, glossed(page, json_string_value(t)));
    }
    return list;
}

/* The part of an estimate's summary_zh that says what happened that year
 * ("住院一次，医保报销后自己还要付 3万元"), or "" when it has none. */
static void scenario_what(const json_t *scenario, char *out, size_t size)
{
    const char *summary = string_at(scenario, "summary_zh");
    const char *cut = summary != NULL ? strstr(summary, "：保险赔") : NULL;
    snprintf(out, size, "%.*s", cut != NULL ? (int)(cut - summary) : 0, cut != NULL ? summary : "");
}

/* One illustrative year in short sentences (ACCESSIBILITY.md 23: at most
 * 40 characters a sentence): "住院一次，医保报销后自己还要付 3万元。保险赔
 * 7000元。您一共花 23099元，含保费 99元。" */
static void scenario_words(const json_t *scenario, char *out, size_t size)
{
    char what[256], payout[PH_FORMAT_MAX_BYTES], premium[PH_FORMAT_MAX_BYTES], you_pay[PH_FORMAT_MAX_BYTES];
    scenario_what(scenario, what, sizeof what);
    yuan_text(number_at(scenario, "payout_yuan", 0), payout, sizeof payout);
    yuan_text(number_at(scenario, "premium_yuan", 0), premium, sizeof premium);
    yuan_text(number_at(scenario, "you_pay_yuan", 0), you_pay, sizeof you_pay);
    if (what[0] == '\0')
        snprintf(out, size, "这一年没用到保险，只花保费 %s。", premium);
    else
        snprintf(out, size, "%s。保险赔 %s。您一共花 %s，含保费 %s。", what, payout, you_pay, premium);
}

/* "一年大约要花多少钱": a table of the three years when the product pays
 * back part of a cost, a list of sentences when it pays a fixed sum. */
static json_t *estimate_json(struct ph_page *page, const json_t *product)
{
    json_t *estimate = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_estimate_yearly_cost(product, &estimate, &problems);
    ph_problems_release(&problems);
    if (st != PH_OK)
        return json_null();
    const char *loss_kind = string_at(estimate, "loss_kind_zh");
    json_t *rows = json_array();
    size_t i;
    const json_t *s;
    json_array_foreach (json_object_get(estimate, "scenarios"), i, s) {
        char loss[PH_FORMAT_MAX_BYTES], payout[PH_FORMAT_MAX_BYTES], premium[PH_FORMAT_MAX_BYTES],
            you_pay[PH_FORMAT_MAX_BYTES];
        yuan_text(number_at(s, "loss_yuan", 0), loss, sizeof loss);
        yuan_text(number_at(s, "payout_yuan", 0), payout, sizeof payout);
        yuan_text(number_at(s, "premium_yuan", 0), premium, sizeof premium);
        yuan_text(number_at(s, "you_pay_yuan", 0), you_pay, sizeof you_pay);
        json_t *row = json_pack("{s:s?, s:s?, s:s, s:s, s:s, s:s}", "kind", string_at(s, "kind"), "label",
                                string_at(s, "label_zh"), "loss", loss, "payout", payout, "premium", premium,
                                "you_pay", you_pay);
        char said[1024];
        scenario_words(s, said, sizeof said);
        json_object_set_new(row, "summary", glossed(page, said));
        json_array_append_new(rows, row);
    }
    json_t *out =
        json_pack("{s:b, s:s?, s:o}", "has_table", loss_kind != NULL, "loss_kind", loss_kind, "rows", rows);
    json_object_set_new(out, "basis", glossed(page, string_at(estimate, "basis_zh")));
    json_object_set(out, "scenarios", json_object_get(estimate, "scenarios"));
    json_decref(estimate);
    return out;
}

/* One line of the rate and fee comparison with ordinary products. */
static json_t *comparison_item(struct ph_page *page, const json_t *product, const char *field,
                               const char *key, const char *label, const char *what, const char *flag_code)
{
    const json_t *cmp = json_object_get(product, field);
    if (!json_is_object(cmp))
        return NULL;
    double this_pct = number_at(cmp, "this_pct", 0);
    double other_pct = number_at(cmp, "comparable_pct", 0);
    char this_text[64], other_text[64];
    percent_text(this_pct, this_text, sizeof this_text);
    percent_text(other_pct, other_text, sizeof other_text);
    char said[512];
    snprintf(said, sizeof said, "%s：这个产品 %s。普通同类产品 %s。", what, this_text, other_text);
    char verdict[128];
    bool lower = this_pct < other_pct;
    if (lower) {
        double less = other_pct > 0 ? (other_pct - this_pct) / other_pct * 100.0 : 0;
        if (less < 1)
            snprintf(verdict, sizeof verdict, "比普通同类产品低一点（不到 1%%）");
        else
            snprintf(verdict, sizeof verdict, "比普通同类产品低 %.0f%%", floor(less + 0.5));
    } else if (this_pct == other_pct) {
        snprintf(verdict, sizeof verdict, "和普通同类产品一样，没有更低");
    } else {
        double more = other_pct > 0 ? (this_pct - other_pct) / other_pct * 100.0 : 0;
        snprintf(verdict, sizeof verdict, "比普通同类产品高 %.0f%%", floor(more + 0.5));
    }
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:b, s:f, s:f}", "key", key, "label", label, "this",
                             this_text, "comparable", other_text, "lower", lower, "this_pct", this_pct,
                             "comparable_pct", other_pct);
    json_object_set_new(item, "said", glossed(page, said));
    json_object_set_new(item, "verdict", json_string(verdict));
    const char *reason = string_at(cmp, "reason");
    json_object_set_new(item, "reason", !lower && reason != NULL ? glossed(page, reason) : json_null());
    /* The registry's public flag (its message repeats the figures and the
     * reason shown just above, so the page says it in one short sentence;
     * the .json twin keeps the message). */
    const char *flag = flag_message(product, flag_code);
    char notice[256];
    snprintf(notice, sizeof notice,
             "这一项不比普通同类产品低，平台已经公开标出。按规定，保险公司要写明原因。");
    json_object_set_new(item, "flag",
                        flag != NULL ? json_pack("{s:s, s:s}", "code", flag_code, "message", flag)
                                     : json_null());
    json_object_set_new(item, "notice", flag != NULL ? glossed(page, notice) : json_null());
    return item;
}

static json_t *comparison_json(struct ph_page *page, const json_t *product)
{
    json_t *items = json_array();
    json_t *rate = comparison_item(page, product, "premium_rate", "premium_rate", "价钱（费率）", "费率",
                                   "premium_rate_not_lower");
    json_t *fee = comparison_item(page, product, "intermediary_fee", "intermediary_fee", "给中介的钱",
                                  "给中介的钱占保费的比例", "intermediary_fee_not_lower");
    if (rate != NULL)
        json_array_append_new(items, rate);
    if (fee != NULL)
        json_array_append_new(items, fee);
    return items;
}

/* The insurer's solvency in words: {has_report, adequate, quarter, quarter_zh, summary, href}. */
static json_t *solvency_json(struct ph_page *page, const json_t *insurer_brief, const json_t *solvency)
{
    char href[64];
    snprintf(href, sizeof href, "/insurers/%lld",
             (long long)json_integer_value(json_object_get(insurer_brief, "id")));
    if (!json_is_object(solvency)) {
        json_t *out = json_pack("{s:b, s:b, s:n, s:n, s:s}", "has_report", 0, "adequate", 0, "quarter",
                                "quarter_zh", "href", href);
        json_object_set_new(out, "summary",
                            glossed(page, "这家公司还没有交偿付能力报告，所以这个产品现在不能买。"));
        return out;
    }
    char quarter[64];
    quarter_text(string_at(solvency, "quarter"), quarter, sizeof quarter);
    char said[600];
    snprintf(said, sizeof said, "这是%s的报告。%s", quarter, string_at(solvency, "summary_zh"));
    json_t *out = json_pack("{s:b, s:b, s:s?, s:s, s:s}", "has_report", 1, "adequate",
                            json_is_true(json_object_get(solvency, "adequate")), "quarter",
                            string_at(solvency, "quarter"), "quarter_zh", quarter, "href", href);
    json_object_set_new(out, "summary", glossed(page, said));
    return out;
}

static json_t *buy_json(struct ph_page *page, const json_t *product, bool on_sale)
{
    json_t *channels = json_array();
    bool assisted = false;
    size_t i;
    const json_t *c;
    json_array_foreach (json_object_get(product, "channels"), i, c) {
        const char *code = json_string_value(c);
        const char *label = code != NULL ? ph_enum_label(&ph_enum_channel, code) : NULL;
        if (label == NULL)
            continue;
        assisted = assisted || strcmp(code, "assisted") == 0;
        json_array_append_new(channels, json_pack("{s:s, s:s}", "code", code, "label", label));
    }
    const char *url = string_at(product, "purchase_url");
    json_t *buy = json_pack("{s:b, s:o, s:s?, s:s?}", "on_sale", on_sale, "channels", channels,
                            "purchase_url", on_sale ? url : NULL, "hotline", string_at(product, "hotline"));
    json_object_set_new(buy, "assisted_note",
                        assisted ? glossed(page, "可以到邮局等代办柜台，请工作人员帮您办。带上身份证。")
                                 : json_null());
    json_object_set_new(buy, "closed_note",
                        on_sale ? json_null()
                                : glossed(page, "这个产品现在不能买。已经买了的保单照常有效。"));
    return buy;
}

json_t *ph_view_version_list(struct ph_page *page, const json_t *versions, const char *base, const char *date_key,
                             const char *first_reason, int64_t this_version, int64_t latest)
{
    json_t *items = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach (versions, i, v) {
        int64_t n = json_integer_value(json_object_get(v, "version"));
        char href[128];
        if (n == latest)
            snprintf(href, sizeof href, "%s", base);
        else
            snprintf(href, sizeof href, "%s/versions/%lld", base, (long long)n);
        const char *reason = string_at(v, "change_reason");
        json_t *item = json_pack("{s:I, s:s, s:o, s:b, s:b}", "version", (json_int_t)n, "href", href, "date",
                                 date_json(string_at(v, date_key)), "is_this", n == this_version, "is_latest",
                                 n == latest);
        json_object_set_new(item, "change_reason",
                            glossed(page, reason != NULL ? reason : (n == 1 ? first_reason : "没有写原因")));
        /* The difference from the version before (server/views_history.c). */
        char diff_href[160];
        snprintf(diff_href, sizeof diff_href, "%s/diff?from=%lld&to=%lld", base, (long long)(n - 1), (long long)n);
        json_object_set_new(item, "diff", n >= 2 ? json_pack("{s:s, s:I, s:I}", "href", diff_href, "from",
                                                             (json_int_t)(n - 1), "to", (json_int_t)n)
                                                 : json_null());
        json_array_append_new(items, item);
    }
    return items;
}

static json_t *versions_json(struct ph_page *page, const char *regno, int64_t this_version, int64_t latest)
{
    json_t *versions = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_product_versions(page->reg, regno, &versions, &problems);
    ph_problems_release(&problems);
    if (st != PH_OK)
        return json_array();
    char base[64];
    snprintf(base, sizeof base, "/products/%s", regno);
    json_t *items = ph_view_version_list(page, json_object_get(versions, "items"), base, "created_at", "第一次登记",
                                         this_version, latest);
    json_decref(versions);
    return items;
}

static void not_found_product(struct ph_page *page, const char *regno)
{
    char what[256];
    if (ph_registration_no_is_valid(regno))
        snprintf(what, sizeof what,
                 "没有找到登记编号是 %s 的产品。请再核对一下编号。也可以用上面的搜索框按名字找。", regno);
    else
        snprintf(what, sizeof what,
                 "这个登记编号的样子不对。登记编号像这样：" REG_NO_EXAMPLE
                 "。也可以用上面的搜索框按名字找。");
    ph_page_not_found(page, what);
}

/* Reads a product; on trouble turns the page into the not-found or failed
 * page and returns NULL. */
static json_t *load_product(struct ph_page *page, const char *regno, int64_t version)
{
    json_t *product = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_product_get(page->reg, regno, version, &product, &problems);
    ph_problems_release(&problems);
    if (st == PH_OK)
        return product;
    if (st != PH_ERR_NOT_FOUND) {
        ph_page_failed(page, 500);
        return NULL;
    }
    if (version == 0) {
        not_found_product(page, regno);
        return NULL;
    }
    json_t *latest = NULL;
    ph_problems_init(&problems);
    st = ph_product_get(page->reg, regno, 0, &latest, &problems);
    ph_problems_release(&problems);
    if (st != PH_OK) {
        not_found_product(page, regno);
        return NULL;
    }
    char what[400];
    snprintf(what, sizeof what, "产品 %s 没有第 %lld 版。它现在一共有 %lld 版，最新的是第 %lld 版。", regno,
             (long long)version, (long long)json_integer_value(json_object_get(latest, "latest_version")),
             (long long)json_integer_value(json_object_get(latest, "latest_version")));
    json_decref(latest);
    ph_page_not_found(page, what);
    return NULL;
}

void ph_view_product(struct ph_page *page, const char *registration_no, int64_t version)
{
    json_t *product = load_product(page, registration_no, version);
    if (product == NULL)
        return;
    json_t *view = page->view;
    const char *regno = string_at(product, "registration_no");
    const char *name = string_at(product, "name");
    int64_t this_version = json_integer_value(json_object_get(product, "version"));
    int64_t latest = json_integer_value(json_object_get(product, "latest_version"));
    const json_t *insurer_brief = json_object_get(product, "insurer");
    int64_t insurer_id = json_integer_value(json_object_get(insurer_brief, "id"));
    bool on_sale = json_is_true(json_object_get(product, "accepts_applications"));

    /* The insurer's own record, for its complaint hotline. */
    json_t *insurer = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_insurer_get(page->reg, insurer_id, &insurer, &problems) != PH_OK)
        insurer = NULL;
    ph_problems_release(&problems);

    page->template_name = "product";
    ph_page_set_h1(page, name != NULL ? name : regno);
    char path[96];
    if (this_version == latest)
        snprintf(path, sizeof path, "/products/%s", regno);
    else
        snprintf(path, sizeof path, "/products/%s/versions/%lld", regno, (long long)this_version);
    const char *category = string_at(product, "category");
    const char *category_label = category != NULL ? ph_enum_label(&ph_enum_category, category) : NULL;
    char insurer_href[64];
    snprintf(insurer_href, sizeof insurer_href, "/insurers/%lld", (long long)insurer_id);

    /* In the order the template shows them (the glossary's first uses). */
    json_object_set_new(view, "registration_no", json_string(regno));
    json_object_set_new(view, "name", json_string(name != NULL ? name : regno));
    json_object_set_new(view, "href", json_string(path));
    json_object_set_new(view, "version", json_integer(this_version));
    json_object_set_new(view, "latest_version", json_integer(latest));
    json_object_set_new(view, "is_latest", json_boolean(this_version == latest));
    const char *shown_name = name != NULL ? name : regno;
    json_object_set_new(view, "name_words", name_words(page, &shown_name, 1));
    json_object_set_new(view, "category_zh", json_string(category_label != NULL ? category_label : ""));
    json_object_set_new(view, "category", glossed(page, category_label != NULL ? category_label : ""));
    json_object_set_new(view, "insurer",
                        json_pack("{s:I, s:s?, s:s?, s:s}", "id", (json_int_t)insurer_id, "name",
                                  string_at(insurer_brief, "name"), "short_name",
                                  string_at(insurer_brief, "short_name"), "href", insurer_href));
    json_object_set_new(view, "status", status_json(page, product));
    const char *solvency_flag = flag_message(product, "solvency_inadequate");
    json_object_set_new(view, "solvency_warning",
                        solvency_flag != NULL
                            ? glossed(page, "这家公司现在偿付能力不足，暂时不能卖。已经买了的保单照常有效。")
                            : json_null());
    if (this_version != latest) {
        char latest_href[64];
        snprintf(latest_href, sizeof latest_href, "/products/%s", regno);
        char diff_href[128];
        snprintf(diff_href, sizeof diff_href, "/products/%s/diff?from=%lld&to=%lld", regno,
                 (long long)this_version, (long long)latest);
        json_object_set_new(view, "old_version",
                            json_pack("{s:I, s:I, s:s, s:o, s:{s:s}}", "version", (json_int_t)this_version,
                                      "latest_version", (json_int_t)latest, "latest_href", latest_href,
                                      "date", date_json(string_at(product, "version_created_at")),
                                      "diff", "href", diff_href));
    } else {
        json_object_set_new(view, "old_version", json_null());
    }
    json_object_set_new(view, "key_facts", ph_view_key_facts(page, product));
    json_object_set_new(view, "summary", glossed(page, string_at(product, "summary")));
    json_object_set_new(view, "covered", glossed_list(page, json_object_get(product, "covered")));
    json_object_set_new(view, "not_covered_intro",
                        glossed(page, "下面这些情况，保险不赔。合同里把它们叫作责任免除。"));
    json_object_set_new(view, "not_covered", glossed_list(page, json_object_get(product, "not_covered")));
    json_object_set_new(view, "not_covered_count",
                        json_integer((json_int_t)json_array_size(json_object_get(product, "not_covered"))));
    json_t *commitments = glossed_list(page, json_object_get(product, "service_commitments"));
    json_object_set_new(view, "has_service_commitments", json_boolean(json_array_size(commitments) > 0));
    json_object_set_new(view, "service_commitments", commitments);
    json_object_set_new(view, "estimate", estimate_json(page, product));
    json_object_set_new(view, "comparison", comparison_json(page, product));
    json_object_set_new(view, "solvency",
                        solvency_json(page, insurer_brief, json_object_get(insurer_brief, "solvency")));
    json_object_set_new(view, "buy", buy_json(page, product, on_sale));
    const char *insurer_hotline = insurer != NULL ? string_at(insurer, "hotline") : NULL;
    json_object_set_new(view, "complaint",
                        json_pack("{s:s?, s:s?, s:s}", "insurer_name", string_at(insurer_brief, "name"),
                                  "hotline",
                                  insurer_hotline != NULL ? insurer_hotline : string_at(product, "hotline"),
                                  "regulator_hotline", REGULATOR_HOTLINE));
    json_object_set_new(view, "versions", versions_json(page, regno, this_version, latest));
    json_t *documents = ph_view_product_documents(page, regno);
    json_object_set_new(view, "has_documents", json_boolean(json_array_size(documents) > 0));
    json_object_set_new(view, "documents", documents);
    json_object_set_new(view, "record",
                        json_pack("{s:s, s:I, s:O, s:s?, s:o, s:o}", "registration_no", regno, "version",
                                  (json_int_t)this_version, "log_index",
                                  json_object_get(product, "log_index"), "body_sha256",
                                  string_at(product, "body_sha256"), "registered",
                                  date_json(string_at(product, "registered_at")), "version_date",
                                  date_json(string_at(product, "version_created_at"))));
    /* The fingerprint in groups of eight, as people read key fingerprints
     * aloud and compare them; the whole string is body_sha256. */
    json_t *groups = json_array();
    const char *sha = string_at(product, "body_sha256");
    for (size_t i = 0; sha != NULL && i < strlen(sha); i += 8)
        json_array_append_new(groups, json_stringn(sha + i, strlen(sha) - i < 8 ? strlen(sha) - i : 8));
    json_object_set_new(json_object_get(view, "record"), "fingerprint_groups", groups);
    json_object_set_new(json_object_get(view, "record"), "fingerprint_explain",
                        glossed(page, "内容指纹是用这一版的全部内容算出来的一串字母和数字。内容改了一个字，"
                                      "指纹就完全不一样。想核对内容有没有被改过，可以比一比指纹。"));
    json_object_set_new(view, "qr", qr_json(page, path));
    json_object_set_new(view, "compare_form", json_pack("{s:s, s:s}", "p", regno, "example", REG_NO_EXAMPLE));
    /* The registry's own record of this version, for programs (the .json twin). */
    json_object_set_new(view, "product", product);
    json_decref(insurer);
}

/* --- compare ---------------------------------------------------------------------------- */

/* A registration number as people type it: spaces around it, lower case,
 * full-width letters and digits (ＰＨ－２０２６), other dashes, or no dashes
 * at all. Writes the canonical "PH-YYYY-NNNNNN" and returns true when the
 * text can only mean that. */
static bool normalise_regno(const char *in, char out[16])
{
    char ascii[COMPARE_VALUE_MAX + 1];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p != '\0' && n < sizeof ascii - 1) {
        unsigned int cp;
        size_t len;
        if (p[0] < 0x80) {
            cp = p[0];
            len = 1;
        } else if ((p[0] & 0xE0) == 0xC0 && p[1] != '\0') {
            cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
            len = 2;
        } else if ((p[0] & 0xF0) == 0xE0 && p[1] != '\0' && p[2] != '\0') {
            cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
            len = 3;
        } else {
            return false;
        }
        p += len;
        if (cp >= 0xFF01 && cp <= 0xFF5E)
            cp -= 0xFEE0; /* full-width ASCII */
        if (cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2013 || cp == 0x2014 || cp == 0x2212)
            cp = '-';
        if (cp == ' ' || cp == '\t' || cp == 0x3000)
            continue;
        if (cp >= 0x80)
            return false;
        ascii[n++] = (char)toupper((int)cp);
    }
    ascii[n] = '\0';
    if (*p != '\0')
        return false;
    /* PH-YYYY-NNNNNN, with either dash left out. */
    const char *s = ascii;
    if (strncmp(s, "PH", 2) != 0)
        return false;
    s += 2;
    if (*s == '-')
        s++;
    char digits[11];
    size_t d = 0;
    for (; *s != '\0'; s++) {
        if (*s == '-' && d == 4)
            continue;
        if (*s < '0' || *s > '9' || d == 10)
            return false;
        digits[d++] = *s;
    }
    if (d != 10)
        return false;
    snprintf(out, 16, "PH-%.4s-%.6s", digits, digits + 4);
    return ph_registration_no_is_valid(out);
}

/* What the compare page knows of one chosen product. */
struct cmp_item {
    json_t *product; /* owned */
    const char *name;
    char regno[16];
    struct fact facts[FACT_COUNT];
    double premium_min, premium_max;
    double typical_cost;   /* -1: the estimate has no typical year */
    const json_t *typical; /* the typical year of estimate, or NULL */
    json_t *estimate;      /* owned; may be NULL */
};

struct cmp_field {
    char id[24];
    char value[COMPARE_VALUE_MAX + 1]; /* as typed (cut at the cap) */
    char error[400];
    bool present_empty;
};

static void field_error(struct cmp_field *f, size_t index, const char *what)
{
    char ordinal[32];
    ordinal_text(index + 1, ordinal, sizeof ordinal);
    snprintf(f->error, sizeof f->error, "%s产品：%s", ordinal, what);
}

static void cmp_item_release(struct cmp_item *item)
{
    facts_release(item->facts);
    json_decref(item->product);
    json_decref(item->estimate);
}

static void cmp_item_fill(struct cmp_item *item)
{
    item->name = string_at(item->product, "name");
    if (item->name == NULL)
        item->name = item->regno;
    product_facts(item->product, item->facts);
    const json_t *premium = json_object_get(item->product, "premium_yuan_per_year");
    item->premium_min = number_at(premium, "min", 0);
    item->premium_max = number_at(premium, "max", item->premium_min);
    item->typical_cost = -1;
    item->typical = NULL;
    item->estimate = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_estimate_yearly_cost(item->product, &item->estimate, &problems) != PH_OK)
        item->estimate = NULL;
    ph_problems_release(&problems);
    size_t i;
    const json_t *s;
    json_array_foreach (json_object_get(item->estimate, "scenarios"), i, s) {
        const char *kind = string_at(s, "kind");
        if (kind != NULL && strcmp(kind, "typical") == 0) {
            item->typical_cost = number_at(s, "you_pay_yuan", -1);
            item->typical = s;
        }
    }
}

/* The words of "差别在哪里". Each add_* appends zero or more sentences. */
struct diffs {
    struct ph_page *page;
    json_t *list;
    const struct cmp_item *items;
    size_t n;
};

static void diff_add(struct diffs *d, struct ph_buf *b)
{
    if (!b->failed && b->data != NULL)
        json_array_append_new(d->list, glossed(d->page, b->data));
    ph_buf_reset(b);
}

/* For a yes/no attribute: "只有 A 有等待期" / "只有 A 没有等待期", or a
 * list when the products split otherwise. Nothing when all agree. */
static void diff_yes_no(struct diffs *d, const bool has[], const char *yes, const char *no,
                        const char *amounts[], struct ph_buf *b)
{
    size_t yes_count = 0;
    for (size_t i = 0; i < d->n; i++)
        yes_count += has[i];
    if (yes_count == 0 || yes_count == d->n)
        return;
    bool only_yes = yes_count == 1;
    ph_buf_append_str(b, "只有 ");
    size_t shown = 0;
    size_t alone = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (has[i] != only_yes)
            continue;
        ph_buf_printf(b, "%s%s", shown++ > 0 ? "、" : "", d->items[i].name);
        alone = i;
    }
    ph_buf_printf(b, " %s", only_yes ? yes : no);
    if (only_yes && amounts != NULL)
        ph_buf_printf(b, "（%s）", amounts[alone]);
    diff_add(d, b);
}

/* Short words for one attribute of each product, grouped: "报销比例：
 * 不一样。A、C：70%。B：80%。". Nothing when all are the same. */
#define SHORT_VALUE_MAX 512
static void diff_grouped(struct diffs *d, const char *what, char values[][SHORT_VALUE_MAX], struct ph_buf *b)
{
    bool differ = false;
    for (size_t i = 1; i < d->n; i++)
        differ = differ || strcmp(values[i], values[0]) != 0;
    if (!differ)
        return;
    ph_buf_printf(b, "%s不一样。", what);
    bool done[COMPARE_MAX_PRODUCTS] = {false};
    for (size_t i = 0; i < d->n; i++) {
        if (done[i])
            continue;
        size_t members = 0;
        for (size_t k = i; k < d->n; k++) {
            if (done[k] || strcmp(values[k], values[i]) != 0)
                continue;
            done[k] = true;
            ph_buf_printf(b, "%s%s", members++ > 0 ? "、" : "", d->items[k].name);
        }
        ph_buf_printf(b, "：%s。", values[i]);
    }
    diff_add(d, b);
}

/* A yes/no attribute that also has an amount (免赔额, 等待期): "只有 B 有等待期（30 天）"
 * when one product stands alone, else the amounts grouped. */
static void diff_amount(struct diffs *d, const bool has[], char values[][SHORT_VALUE_MAX], const char *what,
                        const char *yes, const char *no, struct ph_buf *b)
{
    size_t yes_count = 0;
    for (size_t i = 0; i < d->n; i++)
        yes_count += has[i];
    bool same_yes = true;
    for (size_t i = 0; i < d->n; i++) {
        for (size_t k = 0; k < d->n; k++)
            same_yes = same_yes && (!has[i] || !has[k] || strcmp(values[i], values[k]) == 0);
    }
    if (yes_count == 1 || (yes_count + 1 == d->n && same_yes)) {
        const char *amounts[COMPARE_MAX_PRODUCTS];
        for (size_t i = 0; i < d->n; i++)
            amounts[i] = values[i];
        diff_yes_no(d, has, yes, no, amounts, b);
        return;
    }
    diff_grouped(d, what, values, b);
}

/* Money where less is better: "A 每年 99 元，比 B 便宜 50元". */
static void diff_premium(struct diffs *d, struct ph_buf *b)
{
    size_t best = 0;
    bool ranges = false;
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].premium_min < d->items[best].premium_min)
            best = i;
        ranges = ranges || d->items[i].premium_max > d->items[i].premium_min;
    }
    char per_year[PH_FORMAT_MAX_BYTES];
    if (ph_format_yuan_per_year(d->items[best].premium_min, per_year, sizeof per_year) != PH_I18N_OK)
        return;
    for (size_t i = 0; i < d->n; i++) {
        double more = d->items[i].premium_min - d->items[best].premium_min;
        if (i == best || more <= 0)
            continue;
        char diff[PH_FORMAT_MAX_BYTES];
        yuan_text(more, diff, sizeof diff);
        ph_buf_printf(b, "%s %s%s。比 %s 便宜 %s。", d->items[best].name, ranges ? "最低" : "", per_year,
                      d->items[i].name, diff);
        diff_add(d, b);
    }
}

static void diff_sum_insured(struct diffs *d, struct ph_buf *b)
{
    size_t best = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (number_at(d->items[i].product, "sum_insured_yuan", 0) >
            number_at(d->items[best].product, "sum_insured_yuan", 0))
            best = i;
    }
    double top = number_at(d->items[best].product, "sum_insured_yuan", 0);
    char top_text[PH_FORMAT_MAX_BYTES];
    yuan_text(top, top_text, sizeof top_text);
    for (size_t i = 0; i < d->n; i++) {
        double less = top - number_at(d->items[i].product, "sum_insured_yuan", 0);
        if (i == best || less <= 0)
            continue;
        char diff[PH_FORMAT_MAX_BYTES];
        yuan_text(less, diff, sizeof diff);
        ph_buf_printf(b, "%s 最高赔 %s。比 %s 多赔 %s。", d->items[best].name, top_text, d->items[i].name,
                      diff);
        diff_add(d, b);
    }
}

static void diff_settle_days(struct diffs *d, struct ph_buf *b)
{
    size_t best = 0;
    json_int_t days[COMPARE_MAX_PRODUCTS];
    for (size_t i = 0; i < d->n; i++) {
        days[i] =
            json_integer_value(json_object_get(json_object_get(d->items[i].product, "claim"), "settle_days"));
        if (days[i] < days[best])
            best = i;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (i == best || days[i] <= days[best])
            continue;
        ph_buf_printf(b, "%s 承诺 %lld 天内赔钱。比 %s 快 %lld 天。", d->items[best].name,
                      (long long)days[best], d->items[i].name, (long long)(days[i] - days[best]));
        diff_add(d, b);
    }
}

static void diff_typical_cost(struct diffs *d, struct ph_buf *b)
{
    const char *category = string_at(d->items[0].product, "category");
    for (size_t i = 0; i < d->n; i++) {
        const char *c = string_at(d->items[i].product, "category");
        if (d->items[i].typical_cost < 0 || c == NULL || category == NULL || strcmp(c, category) != 0)
            return; /* different examples (or none): the figures cannot be set side by side */
    }
    size_t best = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].typical_cost < d->items[best].typical_cost)
            best = i;
    }
    char best_text[PH_FORMAT_MAX_BYTES];
    yuan_text(d->items[best].typical_cost, best_text, sizeof best_text);
    for (size_t i = 0; i < d->n; i++) {
        double more = d->items[i].typical_cost - d->items[best].typical_cost;
        if (i == best || more < 0.005)
            continue;
        char diff[PH_FORMAT_MAX_BYTES];
        yuan_text(more, diff, sizeof diff);
        ph_buf_printf(b, "按一般情况算，%s 一年一共花 %s。比 %s 少花 %s。", d->items[best].name, best_text,
                      d->items[i].name, diff);
        diff_add(d, b);
    }
}

static json_t *differences_json(struct ph_page *page, const struct cmp_item *items, size_t n)
{
    struct diffs d = {page, json_array(), items, n};
    struct ph_buf b;
    ph_buf_init(&b, FACT_VALUE_MAX_BYTES * 4);
    bool has[COMPARE_MAX_PRODUCTS];
    char values[COMPARE_MAX_PRODUCTS][SHORT_VALUE_MAX];

    diff_premium(&d, &b);
    diff_sum_insured(&d, &b);
    for (size_t i = 0; i < n; i++) {
        double deductible = number_at(items[i].product, "deductible_yuan", 0);
        has[i] = deductible > 0;
        yuan_text(deductible, values[i], sizeof values[i]);
        if (!has[i])
            snprintf(values[i], sizeof values[i], "没有");
    }
    diff_amount(&d, has, values, "自己先付多少（免赔额）", "要自己先付一笔钱（有免赔额）",
                "不用自己先付（没有免赔额）", &b);
    for (size_t i = 0; i < n; i++) {
        const json_t *ratio = json_object_get(items[i].product, "reimbursement_pct");
        if (json_is_number(ratio))
            percent_text(json_number_value(ratio), values[i], sizeof values[i]);
        else
            snprintf(values[i], sizeof values[i], "没有写明");
    }
    diff_grouped(&d, "报销比例", values, &b);
    for (size_t i = 0; i < n; i++) {
        json_int_t days = json_integer_value(json_object_get(items[i].product, "waiting_period_days"));
        has[i] = days > 0;
        if (has[i])
            snprintf(values[i], sizeof values[i], "%lld 天", (long long)days);
        else
            snprintf(values[i], sizeof values[i], "没有");
    }
    diff_amount(&d, has, values, "等待期", "有等待期", "没有等待期", &b);
    for (size_t i = 0; i < n; i++)
        snprintf(values[i], sizeof values[i], "%s", fact_value(&items[i].facts[FACT_PREEXISTING]));
    diff_grouped(&d, "有病能不能赔", values, &b);
    for (size_t i = 0; i < n; i++)
        has[i] = json_is_true(json_object_get(items[i].product, "health_questionnaire"));
    diff_yes_no(&d, has, "要回答身体情况的问题", "不用回答身体情况的问题", NULL, &b);
    diff_settle_days(&d, &b);
    for (size_t i = 0; i < n; i++) {
        const json_t *cooling = json_object_get(items[i].product, "cooling_off_days");
        if (json_is_integer(cooling) && json_integer_value(cooling) > 0)
            snprintf(values[i], sizeof values[i], "%lld 天", (long long)json_integer_value(cooling));
        else
            snprintf(values[i], sizeof values[i], "%s", json_is_integer(cooling) ? "没有" : "没有写明");
    }
    diff_grouped(&d, "犹豫期", values, &b);
    for (size_t i = 0; i < n; i++)
        snprintf(values[i], sizeof values[i], "%s", fact_value(&items[i].facts[FACT_TERM]));
    diff_grouped(&d, "保多久", values, &b);
    for (size_t i = 0; i < n; i++) {
        /* The ages: the first part of the who-can-buy words ("50 到 85 岁能买"). */
        const char *who = fact_value(&items[i].facts[FACT_WHO]);
        const char *cut = strstr(who, "。");
        snprintf(values[i], sizeof values[i], "%.*s", (int)(cut != NULL ? (size_t)(cut - who) : strlen(who)),
                 who);
    }
    diff_grouped(&d, "年龄", values, &b);
    for (size_t i = 0; i < n; i++) {
        struct ph_buf names_text;
        ph_buf_init(&names_text, SHORT_VALUE_MAX - 1);
        json_t *names = ph_view_region_names(json_object_get(items[i].product, "regions"));
        join_names(&names_text, names, REGIONS_SHOWN_MAX);
        json_decref(names);
        snprintf(values[i], sizeof values[i], "%s",
                 names_text.failed || names_text.data == NULL ? "" : names_text.data);
        ph_buf_release(&names_text);
    }
    diff_grouped(&d, "卖的地方", values, &b);
    diff_typical_cost(&d, &b);
    for (size_t i = 0; i < n; i++)
        has[i] = json_is_true(json_object_get(items[i].product, "accepts_applications"));
    diff_yes_no(&d, has, "现在能买", "现在不能买", NULL, &b);
    ph_buf_release(&b);
    return d.list;
}

/* One table row: {key, label, label_glossed, cells: [{value, terms, list}]}. */
static json_t *compare_row(struct ph_page *page, const char *key, const char *label)
{
    return json_pack("{s:s, s:s, s:o, s:[]}", "key", key, "label", label, "label_glossed",
                     glossed(page, label), "cells");
}

static void compare_cell(struct ph_page *page, json_t *row, const char *value, json_t *list)
{
    json_t *cell = glossed(page, value);
    json_object_set_new(cell, "has_list", json_boolean(list != NULL));
    json_object_set_new(cell, "list", list != NULL ? list : json_null());
    json_array_append_new(json_object_get(row, "cells"), cell);
}

/* The table, row by row in reading order (row header, then each product),
 * so the glossary explains each word in the first cell that uses it. */
static json_t *compare_table(struct ph_page *page, struct cmp_item *items, size_t n)
{
    json_t *columns = json_array();
    char caption[128];
    snprintf(caption, sizeof caption, "%zu 个产品比一比（每一行比同一件事）", n);
    for (size_t i = 0; i < n; i++) {
        char href[64];
        snprintf(href, sizeof href, "/products/%s", items[i].regno);
        const json_t *insurer = json_object_get(items[i].product, "insurer");
        json_array_append_new(columns, json_pack("{s:s, s:s, s:s, s:s?}", "registration_no", items[i].regno,
                                                 "name", items[i].name, "href", href, "insurer",
                                                 string_at(insurer, "short_name")));
    }

    json_t *rows = json_array();
    for (size_t f = 0; f < FACT_COUNT; f++) {
        json_t *row = compare_row(page, FACTS[f].key, FACTS[f].label);
        for (size_t i = 0; i < n; i++)
            compare_cell(page, row, items[i].facts[f].present ? fact_value(&items[i].facts[f]) : "没有写明",
                         NULL);
        json_array_append_new(rows, row);
    }
    json_t *row = compare_row(page, "yearly_cost", "一年大约要花多少钱");
    for (size_t i = 0; i < n; i++) {
        char said[1400];
        char words[1024] = "";
        if (items[i].typical != NULL)
            scenario_words(items[i].typical, words, sizeof words);
        if (items[i].typical_cost >= 0) {
            snprintf(said, sizeof said, "按一般情况算。%s", words);
        } else {
            char premium[PH_FORMAT_MAX_BYTES];
            if (ph_format_yuan_per_year(items[i].premium_min, premium, sizeof premium) != PH_I18N_OK)
                premium[0] = '\0';
            snprintf(said, sizeof said, "只算保费：%s。这类保险出了事按约定的钱数赔。", premium);
        }
        compare_cell(page, row, said, NULL);
    }
    json_array_append_new(rows, row);
    row = compare_row(page, "not_covered", "不赔的情况");
    for (size_t i = 0; i < n; i++) {
        const json_t *list = json_object_get(items[i].product, "not_covered");
        char said[64];
        snprintf(said, sizeof said, "写了 %zu 条：", json_array_size(list));
        json_t *cell_list = json_array();
        compare_cell(page, row, said, cell_list);
        size_t k;
        const json_t *t;
        json_array_foreach (list, k, t) {
            if (json_is_string(t))
                json_array_append_new(cell_list, glossed(page, json_string_value(t)));
        }
    }
    json_array_append_new(rows, row);
    row = compare_row(page, "status", "现在能不能买");
    for (size_t i = 0; i < n; i++) {
        json_t *status = status_json(page, items[i].product);
        compare_cell(page, row, string_at(status, "label"), NULL);
        json_decref(status);
    }
    json_array_append_new(rows, row);

    json_t *table = json_pack("{s:s, s:o, s:o, s:I}", "caption", caption, "columns", columns, "rows", rows,
                              "row_count", (json_int_t)json_array_size(rows));
    return table;
}

/* Reads every p of the query string into fields (at most COMPARE_READ_MAX;
 * *too_many when there were more). */
static size_t read_compare_fields(const struct ph_request *req, struct cmp_field fields[COMPARE_READ_MAX],
                                  bool *too_many, bool *query_too_long)
{
    const char *qs = req != NULL && req->info != NULL ? req->info->query_string : NULL;
    *too_many = false;
    *query_too_long = false;
    if (qs == NULL)
        return 0;
    size_t qs_len = strlen(qs);
    if (qs_len > COMPARE_QUERY_MAX) {
        *query_too_long = true;
        return 0;
    }
    size_t count = 0;
    for (int occurrence = 0;; occurrence++) {
        char value[COMPARE_VALUE_MAX + 1];
        int got = mg_get_var2(qs, qs_len, "p", value, sizeof value, occurrence);
        if (got == -1)
            break;
        if (count == COMPARE_READ_MAX) {
            *too_many = true;
            break;
        }
        struct cmp_field *f = &fields[count];
        memset(f, 0, sizeof *f);
        snprintf(f->id, sizeof f->id, "p%zu", count + 1);
        if (got == -2) {
            /* Longer than any registration number: keep nothing of it. */
            field_error(f, count, "填的内容太长了，不是登记编号。登记编号像这样：" REG_NO_EXAMPLE "。");
        } else {
            snprintf(f->value, sizeof f->value, "%s", value);
            f->present_empty = got == 0;
        }
        count++;
    }
    return count;
}

void ph_view_compare(struct ph_page *page)
{
    struct cmp_field fields[COMPARE_READ_MAX];
    bool too_many_read = false, query_too_long = false;
    size_t field_count = read_compare_fields(page->req, fields, &too_many_read, &query_too_long);
    struct cmp_item items[COMPARE_MAX_PRODUCTS];
    size_t item_count = 0;
    size_t filled = 0;
    bool failed = false;

    for (size_t i = 0; i < field_count && !failed; i++) {
        struct cmp_field *f = &fields[i];
        if (f->error[0] != '\0' || f->present_empty)
            continue;
        filled++;
        char regno[16];
        if (!normalise_regno(f->value, regno)) {
            field_error(f, i, "填的不是登记编号。登记编号像这样：" REG_NO_EXAMPLE "。");
            continue;
        }
        bool twice = false;
        for (size_t k = 0; k < item_count; k++)
            twice = twice || strcmp(items[k].regno, regno) == 0;
        if (twice) {
            field_error(f, i, "这个产品前面已经填过了。请换一个产品，或者把这一格清空。");
            continue;
        }
        if (item_count == COMPARE_MAX_PRODUCTS) {
            field_error(f, i, "最多只能比三个产品。请把这一格清空。");
            continue;
        }
        json_t *product = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        ph_status st = ph_product_get(page->reg, regno, 0, &product, &problems);
        ph_problems_release(&problems);
        if (st == PH_ERR_NOT_FOUND) {
            char what[200];
            snprintf(what, sizeof what, "没有找到登记编号是 %s 的产品。请再核对一下编号。", regno);
            field_error(f, i, what);
            continue;
        }
        if (st != PH_OK) {
            failed = true;
            break;
        }
        struct cmp_item *item = &items[item_count++];
        memset(item, 0, sizeof *item);
        item->product = product;
        snprintf(item->regno, sizeof item->regno, "%s", regno);
        cmp_item_fill(item);
    }
    if (failed) {
        for (size_t k = 0; k < item_count; k++)
            cmp_item_release(&items[k]);
        ph_page_failed(page, 500);
        return;
    }

    /* Fewer than two products after a submitted form: the first empty
     * box is where the second one goes. */
    bool any_error = query_too_long || too_many_read;
    for (size_t i = 0; i < field_count; i++)
        any_error = any_error || fields[i].error[0] != '\0';
    if (!any_error && item_count < 2) {
        for (size_t i = 0; i < field_count; i++) {
            if (fields[i].present_empty) {
                field_error(&fields[i], i,
                            item_count == 0 ? "请填写登记编号。最少要选两个产品才能比。"
                                            : "请再填一个产品的登记编号。最少要选两个产品才能比。");
                any_error = true;
                break;
            }
        }
    }

    page->template_name = "compare";
    json_t *view = page->view;
    ph_page_set_h1(page, item_count >= 2 ? "比一比这几个产品" : "选几个产品比一比");

    /* The form: three boxes, or one per value sent when more came. */
    size_t boxes = field_count > COMPARE_MAX_PRODUCTS ? field_count : COMPARE_MAX_PRODUCTS;
    json_t *form_fields = json_array();
    json_t *field_errors = json_object();
    for (size_t i = 0; i < boxes; i++) {
        char ordinal[32], label[128], id[24];
        ordinal_text(i + 1, ordinal, sizeof ordinal);
        snprintf(label, sizeof label, "%s产品的登记编号%s", ordinal, i >= 2 ? "（选填）" : "");
        snprintf(id, sizeof id, "p%zu", i + 1);
        const char *value = i < field_count ? fields[i].value : "";
        const char *error = i < field_count && fields[i].error[0] != '\0' ? fields[i].error : NULL;
        json_array_append_new(form_fields, json_pack("{s:s, s:s, s:s, s:s?}", "id", id, "label", label,
                                                     "value", value, "error", error));
        if (error != NULL) {
            ph_page_add_error(page, id, error);
            json_object_set_new(field_errors, id, json_string(error));
        }
    }
    if (too_many_read) {
        ph_page_add_error(page, "p1", "填的产品太多了。最多只能比三个产品。");
        json_object_set_new(field_errors, "p1", json_string("填的产品太多了。最多只能比三个产品。"));
    }
    if (query_too_long) {
        ph_page_add_error(page, "p1", "网址太长了，不像是登记编号。请重新填写。");
        json_object_set_new(field_errors, "p1", json_string("网址太长了，不像是登记编号。请重新填写。"));
    }
    json_object_set_new(view, "form",
                        json_pack("{s:s, s:o, s:s, s:s}", "title",
                                  item_count >= 2 ? "换几个产品比" : "填写要比的产品", "fields", form_fields,
                                  "hint",
                                  "登记编号像这样：" REG_NO_EXAMPLE "。在每个产品页的“登记信息”里能找到。"
                                  "也可以在搜索结果里勾选产品来比。",
                                  "example", REG_NO_EXAMPLE));
    json_object_set_new(view, "field_errors", field_errors);
    if (any_error)
        page->status = 400;

    json_t *chosen = json_array();
    for (size_t i = 0; i < item_count; i++) {
        char href[64];
        snprintf(href, sizeof href, "/products/%s", items[i].regno);
        json_array_append_new(chosen, json_pack("{s:s, s:s, s:s}", "registration_no", items[i].regno, "name",
                                                items[i].name, "href", href));
    }
    json_object_set_new(view, "chosen", chosen);
    const char *names[COMPARE_MAX_PRODUCTS];
    for (size_t i = 0; i < item_count; i++)
        names[i] = items[i].name;
    json_object_set_new(view, "name_words", name_words(page, names, item_count));
    json_object_set_new(view, "chosen_count", json_integer((json_int_t)item_count));
    json_object_set_new(view, "show_chosen", json_boolean(item_count == 1));
    const char *missing = NULL;
    if (item_count == 0 && filled == 0)
        missing = "还没有选产品。请在下面填两到三个产品的登记编号，再点“比一比”。";
    else if (item_count == 1)
        missing = "现在只选了一个产品。请再填一个产品的登记编号，最少两个才能比。";
    json_object_set_new(view, "missing", missing != NULL && !any_error ? json_string(missing) : json_null());

    if (item_count >= 2) {
        json_object_set_new(view, "table", compare_table(page, items, item_count));
        json_t *diffs = differences_json(page, items, item_count);
        json_object_set_new(view, "no_differences", json_boolean(json_array_size(diffs) == 0));
        json_object_set_new(view, "differences", diffs);
        json_t *key_facts = json_array();
        for (size_t i = 0; i < item_count; i++) {
            json_t *facts = json_object();
            for (size_t f = 0; f < FACT_COUNT; f++)
                json_object_set_new(facts, FACTS[f].key,
                                    items[i].facts[f].present ? json_string(fact_value(&items[i].facts[f]))
                                                              : json_null());
            json_array_append_new(key_facts,
                                  json_pack("{s:s, s:o}", "registration_no", items[i].regno, "facts", facts));
        }
        json_object_set_new(view, "products", key_facts);
    } else {
        json_object_set_new(view, "table", json_null());
        json_object_set_new(view, "differences", json_array());
        json_object_set_new(view, "no_differences", json_false());
    }
    for (size_t k = 0; k < item_count; k++)
        cmp_item_release(&items[k]);
}

/* --- the insurer page ---------------------------------------------------------------------- */

static bool parse_id(const char *text, int64_t *out)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len == 0 || len > 12)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return v >= 1;
}

static json_t *insurer_products(struct ph_page *page, const json_t *list)
{
    json_t *out = json_array();
    size_t i;
    const json_t *p;
    json_array_foreach (list, i, p) {
        const char *regno = string_at(p, "registration_no");
        if (regno == NULL)
            continue;
        char href[64];
        snprintf(href, sizeof href, "/products/%s", regno);
        const char *category = string_at(p, "category");
        const char *category_label = category != NULL ? ph_enum_label(&ph_enum_category, category) : NULL;
        json_t *item =
            json_pack("{s:s, s:s?, s:s, s:s}", "registration_no", regno, "name", string_at(p, "name"), "href",
                      href, "category_zh", category_label != NULL ? category_label : "");
        json_object_set_new(item, "category", glossed(page, category_label != NULL ? category_label : ""));
        /* The product's own read knows whether a withdrawal date has come. */
        json_t *product = NULL;
        struct ph_problems problems;
        ph_problems_init(&problems);
        if (i < INSURER_DETAIL_MAX && ph_product_get(page->reg, regno, 0, &product, &problems) == PH_OK) {
            json_t *status = status_json(page, product);
            json_object_set_new(item, "status", json_string(string_at(status, "label")));
            json_object_set_new(item, "status_code", json_string(string_at(status, "code")));
            json_decref(status);
            json_decref(product);
        } else {
            const char *code = string_at(p, "status");
            const char *label = code != NULL ? ph_enum_label(&ph_enum_product_status, code) : NULL;
            json_object_set_new(item, "status", json_string(label != NULL ? label : ""));
            json_object_set_new(item, "status_code", json_string(code != NULL ? code : ""));
        }
        ph_problems_release(&problems);
        json_array_append_new(out, item);
    }
    return out;
}

void ph_view_insurer(struct ph_page *page, const char *id_text)
{
    int64_t id = 0;
    if (!parse_id(id_text, &id)) {
        ph_page_not_found(page, "保险公司的编号是 1、2、3 这样的数字。这个编号不对。");
        return;
    }
    json_t *insurer = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_insurer_get(page->reg, id, &insurer, &problems);
    ph_problems_release(&problems);
    if (st == PH_ERR_NOT_FOUND) {
        char what[160];
        snprintf(what, sizeof what, "没有编号是 %lld 的保险公司。可以从产品页上的链接进入保险公司的页面。",
                 (long long)id);
        ph_page_not_found(page, what);
        return;
    }
    if (st != PH_OK) {
        ph_page_failed(page, 500);
        return;
    }
    json_t *view = page->view;
    page->template_name = "insurer";
    const char *name = string_at(insurer, "name");
    ph_page_set_h1(page, name != NULL ? name : "保险公司");
    const char *region = string_at(insurer, "region");
    json_t *codes = json_pack("[s]", region != NULL ? region : "");
    json_t *region_names = ph_view_region_names(codes);
    json_decref(codes);
    const char *region_name = json_string_value(json_array_get(region_names, 0));
    json_object_set_new(view, "id", json_integer(id));
    json_object_set_new(view, "name", json_string(name != NULL ? name : ""));
    json_object_set_new(
        view, "short_name",
        json_string(string_at(insurer, "short_name") ? string_at(insurer, "short_name") : ""));
    json_object_set_new(view, "type_zh",
                        json_string(string_at(insurer, "type_zh") ? string_at(insurer, "type_zh") : ""));
    json_object_set_new(view, "region_zh", json_string(region_name != NULL ? region_name : ""));
    json_decref(region_names);
    json_object_set_new(view, "website",
                        string_at(insurer, "website") ? json_string(string_at(insurer, "website"))
                                                      : json_null());
    json_object_set_new(view, "hotline",
                        string_at(insurer, "hotline") ? json_string(string_at(insurer, "hotline"))
                                                      : json_null());

    const json_t *solvency = json_object_get(insurer, "solvency");
    json_t *brief = json_pack("{s:I}", "id", (json_int_t)id);
    json_t *s = solvency_json(page, brief, solvency);
    json_decref(brief);
    if (json_is_object(solvency)) {
        char core[64], comprehensive[64];
        percent_text(number_at(solvency, "core_pct", 0), core, sizeof core);
        percent_text(number_at(solvency, "comprehensive_pct", 0), comprehensive, sizeof comprehensive);
        json_t *figures = json_array();
        char line[256];
        snprintf(line, sizeof line, "核心偿付能力充足率 %s（要求不低于 50%%）", core);
        json_array_append_new(figures, glossed(page, line));
        snprintf(line, sizeof line, "综合偿付能力充足率 %s（要求不低于 100%%）", comprehensive);
        json_array_append_new(figures, glossed(page, line));
        snprintf(line, sizeof line, "风险综合评级 %s（A 最好，D 最差；要求是 A 或 B）",
                 string_at(solvency, "rating") ? string_at(solvency, "rating") : "");
        json_array_append_new(figures, glossed(page, line));
        json_object_set_new(s, "figures", figures);
    } else {
        json_object_set_new(s, "figures", json_array());
    }
    json_object_set_new(view, "solvency", s);
    json_object_set_new(view, "may_sell",
                        json_boolean(json_is_true(json_object_get(insurer, "may_sell_exclusive_products"))));
    json_t *products = insurer_products(page, json_object_get(insurer, "products"));
    json_object_set_new(view, "products_count", json_integer((json_int_t)json_array_size(products)));
    json_object_set_new(view, "has_products", json_boolean(json_array_size(products) > 0));
    {
        size_t n = json_array_size(products);
        const char **names = calloc(n > 0 ? n : 1, sizeof *names);
        size_t shown = 0;
        for (size_t i = 0; names != NULL && i < n; i++) {
            const char *product_name = string_at(json_array_get(products, i), "name");
            if (product_name != NULL)
                names[shown++] = product_name;
        }
        json_object_set_new(view, "name_words", names != NULL ? name_words(page, names, shown) : json_null());
        free(names);
    }
    json_object_set_new(view, "products", products);
    json_object_set_new(view, "regulator_hotline", json_string(REGULATOR_HOTLINE));
    json_decref(insurer);
}

/* --- shared with the history pages (server/views_internal.h) -------------------------------- */

size_t ph_view_fact_count(void)
{
    return FACT_COUNT;
}

const char *ph_view_fact_key(size_t index)
{
    return index < FACT_COUNT ? FACTS[index].key : NULL;
}

const char *ph_view_fact_label(size_t index)
{
    return index < FACT_COUNT ? FACTS[index].label : NULL;
}

json_t *ph_view_glossed(struct ph_page *page, const char *text)
{
    return glossed(page, text);
}

json_t *ph_view_date(const char *text)
{
    return date_json(text);
}

bool ph_view_china_date(const char *text, char out[16])
{
    return china_date(text, out);
}

bool ph_view_digits(const char *text, size_t count, int64_t *out)
{
    return digits_at(text, count, out);
}

void ph_view_yuan_text(double yuan, char *buf, size_t size)
{
    yuan_text(yuan, buf, size);
}

void ph_view_percent_text(double pct, char *buf, size_t size)
{
    percent_text(pct, buf, size);
}

json_t *ph_view_load_product(struct ph_page *page, const char *registration_no, int64_t version)
{
    return load_product(page, registration_no, version);
}

json_t *ph_view_name_words(struct ph_page *page, const char *const *names, size_t count)
{
    return name_words(page, names, count);
}
