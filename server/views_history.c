/*
 * server/views_history.c - the history pages (issue 5): the difference
 * between two versions of a product (/products/{no}/diff?from=1&to=2) or a
 * document (/documents/{no}/diff?from=&to=), and "what changed"
 * (/changes), with their .json twins. See docs/internals/history.md.
 *
 * A difference is said twice, for two kinds of reader: field by field in
 * words, with the product page's own labels and words ("每年保费：从 99 元
 * 改为 129 元"; lists as items added and removed), and, for the long texts,
 * the text itself with every deleted and inserted run marked up as
 * <del>/<ins> and announced in words ("删去：" / "新增：", and a hidden
 * "（删去的到这里）" where the run ends), so that neither colour nor
 * strike-through alone carries the meaning.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a11y/buf.h"
#include "i18n/diff.h"
#include "i18n/format.h"
#include "registry/rules.h"
#include "server/pages.h"
#include "server/server.h"
#include "server/views_internal.h"

#define VERSION_TEXT_MAX   16
#define CONTEXT_CHARS      60  /* kept text shown around a change; longer runs are cut in the middle */
#define SIMILAR_PERCENT    40  /* a removed and an added item that share this much are one edited item */
#define LIST_ITEMS_MAX     500 /* items read from one list (regions may have 500) */
#define SENTENCE_MAX_BYTES 2048

/* --- small helpers ---------------------------------------------------------------------- */

static const char *string_at(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

/* A version number from the query: absent (0), or 1..999999. False for
 * anything else ("abc", "0", "-1", "1.5", too long). */
static bool read_version(struct ph_page *page, const char *name, int64_t *out, char *typed, size_t typed_size)
{
    *out = 0;
    typed[0] = '\0';
    char value[VERSION_TEXT_MAX];
    enum ph_param_read got = ph_query_param(page->req, name, value, sizeof value);
    if (got == PH_PARAM_ABSENT)
        return true;
    if (got == PH_PARAM_TOO_LONG)
        return false;
    snprintf(typed, typed_size, "%s", value);
    size_t len = strlen(value);
    if (len == 0 || len > 6 || !ph_view_digits(value, len, out))
        return false;
    return *out >= 1;
}

/* The glossary words of texts this page has not explained yet, each
 * {term, explain}: shown in a box before the marked-up texts, since a
 * deleted or inserted run cannot carry an explanation inline. */
static void collect_words(struct ph_page *page, const char *text, json_t *words)
{
    if (text == NULL || text[0] == '\0')
        return;
    json_t *segments = ph_page_terms(page, text);
    size_t i;
    const json_t *segment;
    json_array_foreach (segments, i, segment) {
        if (json_object_get(segment, "term") != NULL)
            json_array_append_new(words,
                                  json_pack("{s:O, s:O}", "term", json_object_get(segment, "canonical"),
                                            "explain", json_object_get(segment, "explain")));
    }
    json_decref(segments);
}

/* --- text differences as view segments ------------------------------------------------------ */

static size_t utf8_prefix_bytes(const char *text, size_t len, size_t chars)
{
    size_t i = 0, n = 0;
    while (i < len) {
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            if (n == chars)
                break;
            n++;
        }
        i++;
    }
    return i;
}

static size_t utf8_suffix_start(const char *text, size_t len, size_t chars)
{
    size_t i = len, n = 0;
    while (i > 0) {
        i--;
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            n++;
            if (n == chars)
                break;
        }
    }
    return i;
}

static void push_segment(json_t *list, const char *op, const char *text, size_t len)
{
    json_t *s = json_pack("{s:s, s:s%, s:b, s:b, s:b, s:b}", "op", op, "text", text, len, "same",
                          strcmp(op, "equal") == 0, "del", strcmp(op, "delete") == 0, "ins",
                          strcmp(op, "insert") == 0, "skip", 0);
    json_array_append_new(list, s);
}

/* {segments: [{op, text, same|del|ins|skip}], gave_up, deleted_chars,
 * inserted_chars, changed}. Long kept runs keep CONTEXT_CHARS on the side
 * of each change and say how much was left out, when `cut` is set. */
static json_t *text_diff_json(const char *old_text, const char *new_text, bool cut)
{
    if (old_text == NULL)
        old_text = "";
    if (new_text == NULL)
        new_text = "";
    struct ph_diff d;
    ph_diff_init(&d);
    json_t *segments = json_array();
    if (ph_diff_texts(old_text, strlen(old_text), new_text, strlen(new_text), &d) != PH_I18N_OK) {
        /* Never happens for registry text (it is valid UTF-8); say it whole. */
        push_segment(segments, "delete", old_text, strlen(old_text));
        push_segment(segments, "insert", new_text, strlen(new_text));
        return json_pack("{s:o, s:b, s:b}", "segments", segments, "gave_up", 1, "changed", 1);
    }
    for (size_t i = 0; i < d.count; i++) {
        const struct ph_diff_segment *s = &d.segments[i];
        if (s->op != PH_DIFF_EQUAL) {
            push_segment(segments, ph_diff_op_name(s->op), s->text, s->len_bytes);
            continue;
        }
        bool first = i == 0, last = i + 1 == d.count;
        size_t keep_head = first ? 0 : CONTEXT_CHARS; /* kept after the change before */
        size_t keep_tail = last ? 0 : CONTEXT_CHARS;  /* kept before the change after */
        if (!cut || s->len_chars <= keep_head + keep_tail + 20 || d.count == 1) {
            push_segment(segments, "equal", s->text, s->len_bytes);
            continue;
        }
        size_t head = utf8_prefix_bytes(s->text, s->len_bytes, keep_head);
        size_t tail = keep_tail > 0 ? utf8_suffix_start(s->text, s->len_bytes, keep_tail) : s->len_bytes;
        if (head > 0)
            push_segment(segments, "equal", s->text, head);
        size_t skipped = s->len_chars - keep_head - keep_tail;
        json_array_append_new(segments,
                              json_pack("{s:s, s:I, s:b, s:b, s:b, s:b}", "op", "skip", "skipped_chars",
                                        (json_int_t)skipped, "same", 0, "del", 0, "ins", 0, "skip", 1));
        if (tail < s->len_bytes)
            push_segment(segments, "equal", s->text + tail, s->len_bytes - tail);
    }
    json_t *out = json_pack("{s:o, s:b, s:I, s:I, s:b}", "segments", segments, "gave_up", d.gave_up,
                            "deleted_chars", (json_int_t)d.deleted_chars, "inserted_chars",
                            (json_int_t)d.inserted_chars, "changed", d.deleted_chars + d.inserted_chars > 0);
    ph_diff_release(&d);
    return out;
}

/* Share of the longer text kept, in percent. */
static int similarity_percent(const char *a, const char *b)
{
    struct ph_diff d;
    ph_diff_init(&d);
    if (ph_diff_texts(a, strlen(a), b, strlen(b), &d) != PH_I18N_OK)
        return 0;
    size_t kept = 0, total_a = 0, total_b = 0;
    for (size_t i = 0; i < d.count; i++) {
        if (d.segments[i].op == PH_DIFF_EQUAL)
            kept += d.segments[i].len_chars;
        if (d.segments[i].op != PH_DIFF_INSERT)
            total_a += d.segments[i].len_chars;
        if (d.segments[i].op != PH_DIFF_DELETE)
            total_b += d.segments[i].len_chars;
    }
    ph_diff_release(&d);
    size_t longer = total_a > total_b ? total_a : total_b;
    return longer == 0 ? 100 : (int)(kept * 100 / longer);
}

/* --- lists: items added, removed and edited ---------------------------------------------------- */

static bool list_has(const json_t *list, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach (list, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

struct list_change {
    json_t *added;   /* strings */
    json_t *removed; /* strings */
    json_t *edited;  /* [{old, new}] */
};

/* Items are compared as a set (order is not a change); a removed item and
 * an added one that share SIMILAR_PERCENT of their text are one edited
 * item, paired greedily in the old list's order. */
static void list_diff(const json_t *old_list, const json_t *new_list, bool pair_edits, struct list_change *c)
{
    c->added = json_array();
    c->removed = json_array();
    c->edited = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach (old_list, i, v) {
        if (i < LIST_ITEMS_MAX && json_is_string(v) && !list_has(new_list, json_string_value(v)))
            json_array_append_new(c->removed, json_string(json_string_value(v)));
    }
    json_array_foreach (new_list, i, v) {
        if (i < LIST_ITEMS_MAX && json_is_string(v) && !list_has(old_list, json_string_value(v)))
            json_array_append_new(c->added, json_string(json_string_value(v)));
    }
    if (!pair_edits)
        return;
    for (size_t r = 0; r < json_array_size(c->removed);) {
        const char *old_item = json_string_value(json_array_get(c->removed, r));
        int best = -1, best_score = SIMILAR_PERCENT - 1;
        for (size_t a = 0; a < json_array_size(c->added); a++) {
            int score = similarity_percent(old_item, json_string_value(json_array_get(c->added, a)));
            if (score > best_score) {
                best = (int)a;
                best_score = score;
            }
        }
        if (best < 0) {
            r++;
            continue;
        }
        json_array_append_new(c->edited, json_pack("{s:s, s:O}", "old", old_item, "new",
                                                   json_array_get(c->added, (size_t)best)));
        json_array_remove(c->added, (size_t)best);
        json_array_remove(c->removed, r);
    }
}

static void list_change_release(struct list_change *c)
{
    json_decref(c->added);
    json_decref(c->removed);
    json_decref(c->edited);
}

static bool list_change_empty(const struct list_change *c)
{
    return json_array_size(c->added) == 0 && json_array_size(c->removed) == 0 &&
           json_array_size(c->edited) == 0;
}

/* Codes -> their labels (enum lists) or region names. */
static json_t *labels_of(const json_t *codes, const struct ph_enum *e)
{
    if (e == NULL)
        return ph_view_region_names(codes);
    json_t *out = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach (codes, i, v) {
        const char *label = json_is_string(v) ? ph_enum_label(e, json_string_value(v)) : NULL;
        json_array_append_new(
            out, json_string(label != NULL ? label : (json_is_string(v) ? json_string_value(v) : "")));
    }
    return out;
}

/* --- the field-by-field words ------------------------------------------------------------- */

/* The changes found so far, in the product page's order, before glossing:
 * each {key, label, sentence | null, added: [..], removed: [..], edited:
 * [{old, new}], text: {old, new} | null}. */
struct changes {
    json_t *items;
};

static void add_change(struct changes *c, const char *key, const char *label, const char *sentence,
                       const struct list_change *list, const char *text_old, const char *text_new)
{
    json_t *item = json_pack("{s:s, s:s, s:s?}", "key", key, "label", label, "sentence", sentence);
    json_object_set(item, "added", list != NULL ? list->added : json_array());
    json_object_set(item, "removed", list != NULL ? list->removed : json_array());
    json_object_set(item, "edited", list != NULL ? list->edited : json_array());
    if (list == NULL) {
        json_decref(json_object_get(item, "added"));
        json_decref(json_object_get(item, "removed"));
        json_decref(json_object_get(item, "edited"));
    }
    json_object_set_new(item, "text",
                        text_old != NULL
                            ? json_pack("{s:s, s:s}", "old", text_old, "new", text_new ? text_new : "")
                            : json_null());
    json_array_append_new(c->items, item);
}

/* "label：从 A 改为 B。" (quoted when the values are words). */
static void add_from_to(struct changes *c, const char *key, const char *label, const char *old_value,
                        const char *new_value, bool quote)
{
    if (strcmp(old_value, new_value) == 0)
        return;
    char sentence[SENTENCE_MAX_BYTES];
    if (quote)
        snprintf(sentence, sizeof sentence, "从“%s”改为“%s”。", old_value, new_value);
    else
        snprintf(sentence, sizeof sentence, "从 %s 改为 %s。", old_value, new_value);
    add_change(c, key, label, sentence, NULL, NULL, NULL);
}

static void add_list(struct changes *c, const char *key, const char *label, const json_t *old_list,
                     const json_t *new_list, const struct ph_enum *labels, bool is_region, bool pair_edits)
{
    json_t *old_words =
        labels != NULL || is_region ? labels_of(old_list, labels) : json_incref((json_t *)old_list);
    json_t *new_words =
        labels != NULL || is_region ? labels_of(new_list, labels) : json_incref((json_t *)new_list);
    struct list_change list;
    list_diff(old_words, new_words, pair_edits, &list);
    if (!list_change_empty(&list))
        add_change(c, key, label, NULL, &list, NULL, NULL);
    list_change_release(&list);
    json_decref(old_words);
    json_decref(new_words);
}

static void ages_text(const json_t *p, char *buf, size_t size)
{
    json_int_t lo = json_integer_value(json_object_get(p, "age_min"));
    json_int_t hi = json_integer_value(json_object_get(p, "age_max"));
    snprintf(buf, size, "%lld 到 %lld 岁", (long long)lo, (long long)hi);
}

static void premium_short(const json_t *p, char *buf, size_t size)
{
    /* "每年 99 元" -> "99 元", the label already says 每年. */
    char text[256];
    ph_view_premium_text(json_object_get(p, "premium_yuan_per_year"), text, sizeof text);
    const char *prefix = "每年 ";
    snprintf(buf, size, "%s", strncmp(text, prefix, strlen(prefix)) == 0 ? text + strlen(prefix) : text);
}

static void money_or(const json_t *p, const char *key, const char *none, char *buf, size_t size)
{
    const json_t *v = json_object_get(p, key);
    if (json_is_number(v) && json_number_value(v) > 0)
        ph_view_yuan_text(json_number_value(v), buf, size);
    else
        snprintf(buf, size, "%s", none);
}

static void days_or(const json_t *p, const char *key, const char *none, const char *missing, char *buf,
                    size_t size)
{
    const json_t *v = json_object_get(p, key);
    if (json_is_integer(v) && json_integer_value(v) > 0)
        snprintf(buf, size, "%lld 天", (long long)json_integer_value(v));
    else
        snprintf(buf, size, "%s", json_is_integer(v) ? none : missing);
}

static void term_text(const json_t *p, char *buf, size_t size)
{
    json_int_t months = json_integer_value(json_object_get(p, "term_months"));
    if (months > 0 && months % 12 == 0)
        snprintf(buf, size, "%lld 年", (long long)(months / 12));
    else
        snprintf(buf, size, "%lld 个月", (long long)months);
}

static void percent_or_unknown(const json_t *v, char *buf, size_t size)
{
    if (json_is_number(v))
        ph_view_percent_text(json_number_value(v), buf, size);
    else
        snprintf(buf, size, "没有写明");
}

static void rate_text(const json_t *p, const char *field, const char *key, char *buf, size_t size)
{
    percent_or_unknown(json_object_get(json_object_get(p, field), key), buf, size);
}

static const char *enum_word(const struct ph_enum *e, const char *code)
{
    const char *label = code != NULL ? ph_enum_label(e, code) : NULL;
    return label != NULL ? label : "没有写明";
}

/* A key fact in the words a change says "从 A 改为 B" with; false for the
 * facts said otherwise (who can buy, the claim). quote: they are words
 * ("要回答"), quoted in the sentence, rather than an amount. */
static bool fact_words(const json_t *p, const char *key, char *buf, size_t size, bool *quote)
{
    *quote = false;
    if (strcmp(key, "premium") == 0) {
        premium_short(p, buf, size);
    } else if (strcmp(key, "sum_insured") == 0) {
        money_or(p, "sum_insured_yuan", "没有写明", buf, size);
    } else if (strcmp(key, "deductible") == 0) {
        money_or(p, "deductible_yuan", "不用自己先付", buf, size);
    } else if (strcmp(key, "reimbursement") == 0) {
        percent_or_unknown(json_object_get(p, "reimbursement_pct"), buf, size);
    } else if (strcmp(key, "waiting_period") == 0) {
        days_or(p, "waiting_period_days", "没有等待期", "没有写明", buf, size);
    } else if (strcmp(key, "preexisting") == 0) {
        snprintf(buf, size, "%s", enum_word(&ph_enum_preexisting, string_at(p, "preexisting_conditions")));
        *quote = true;
    } else if (strcmp(key, "health_questionnaire") == 0) {
        snprintf(buf, size, "%s",
                 json_is_true(json_object_get(p, "health_questionnaire")) ? "要回答" : "不用回答");
        *quote = true;
    } else if (strcmp(key, "cooling_off") == 0) {
        days_or(p, "cooling_off_days", "没有犹豫期", "没有写明", buf, size);
    } else if (strcmp(key, "term") == 0) {
        term_text(p, buf, size);
    } else {
        return false;
    }
    return true;
}

/* Every difference between two product versions, in the product page's
 * order: name, category, the key facts, the texts, lists, how to buy, and
 * the comparison with ordinary products. */
static void product_changes(const json_t *a, const json_t *b, struct changes *c)
{
    char x[512], y[512];
    add_from_to(c, "name", "名字", string_at(a, "name") ? string_at(a, "name") : "",
                string_at(b, "name") ? string_at(b, "name") : "", true);
    add_from_to(c, "category", "保险种类", enum_word(&ph_enum_category, string_at(a, "category")),
                enum_word(&ph_enum_category, string_at(b, "category")), true);

    /* 谁能买: ages, places, groups. */
    const char *who = ph_view_fact_label(0);
    ages_text(a, x, sizeof x);
    ages_text(b, y, sizeof y);
    if (strcmp(x, y) != 0) {
        char sentence[SENTENCE_MAX_BYTES];
        snprintf(sentence, sizeof sentence, "能买的年龄从 %s 改为 %s。", x, y);
        add_change(c, "who", who, sentence, NULL, NULL, NULL);
    }
    add_list(c, "regions", "卖的地方", json_object_get(a, "regions"), json_object_get(b, "regions"), NULL,
             true, false);
    add_list(c, "target_groups", "特别适合的人", json_object_get(a, "target_groups"),
             json_object_get(b, "target_groups"), &ph_enum_target_group, false, false);

    for (size_t i = 1; i < ph_view_fact_count(); i++) {
        const char *key = ph_view_fact_key(i);
        const char *label = ph_view_fact_label(i);
        bool quote = false;
        if (fact_words(a, key, x, sizeof x, &quote)) {
            fact_words(b, key, y, sizeof y, &quote);
            add_from_to(c, key, label, x, y, quote);
        } else if (strcmp(key, "claim") == 0) {
            const json_t *ca = json_object_get(a, "claim");
            const json_t *cb = json_object_get(b, "claim");
            json_int_t da = json_integer_value(json_object_get(ca, "settle_days"));
            json_int_t db = json_integer_value(json_object_get(cb, "settle_days"));
            if (da != db) {
                char sentence[SENTENCE_MAX_BYTES];
                snprintf(sentence, sizeof sentence, "赔钱的时间从 %lld 天内改为 %lld 天内。", (long long)da,
                         (long long)db);
                add_change(c, key, label, sentence, NULL, NULL, NULL);
            }
            add_list(c, "claim_documents", "理赔要准备的材料", json_object_get(ca, "documents"),
                     json_object_get(cb, "documents"), NULL, false, false);
            const char *ha = string_at(ca, "how") ? string_at(ca, "how") : "";
            const char *hb = string_at(cb, "how") ? string_at(cb, "how") : "";
            if (strcmp(ha, hb) != 0)
                add_change(c, "claim_how", "怎么理赔", "写法改了，改的地方标出来了：", NULL, ha, hb);
        }
    }

    const char *sa = string_at(a, "summary") ? string_at(a, "summary") : "";
    const char *sb = string_at(b, "summary") ? string_at(b, "summary") : "";
    if (strcmp(sa, sb) != 0)
        add_change(c, "summary", "简单介绍", "写法改了，改的地方标出来了：", NULL, sa, sb);
    add_list(c, "covered", "保什么", json_object_get(a, "covered"), json_object_get(b, "covered"), NULL,
             false, true);
    add_list(c, "not_covered", "不赔的情况", json_object_get(a, "not_covered"),
             json_object_get(b, "not_covered"), NULL, false, true);
    add_list(c, "service_commitments", "服务承诺", json_object_get(a, "service_commitments"),
             json_object_get(b, "service_commitments"), NULL, false, true);
    add_list(c, "channels", "怎么买", json_object_get(a, "channels"), json_object_get(b, "channels"),
             &ph_enum_channel, false, false);
    const char *ua = string_at(a, "purchase_url") ? string_at(a, "purchase_url") : "没有";
    const char *ub = string_at(b, "purchase_url") ? string_at(b, "purchase_url") : "没有";
    if (strcmp(ua, ub) != 0)
        add_change(c, "purchase_url", "网上买的网址", "网址换了，请用新版本里的网址。", NULL, NULL, NULL);
    add_from_to(c, "hotline", "客服电话", string_at(a, "hotline") ? string_at(a, "hotline") : "没有",
                string_at(b, "hotline") ? string_at(b, "hotline") : "没有", false);

    static const struct {
        const char *field, *pct, *key, *label;
    } rates[] = {
        {"premium_rate", "this_pct", "premium_rate", "价钱（费率）"},
        {"premium_rate", "comparable_pct", "premium_rate_comparable", "普通同类产品的费率"},
        {"intermediary_fee", "this_pct", "intermediary_fee", "给中介的钱占保费的比例"},
        {"intermediary_fee", "comparable_pct", "intermediary_fee_comparable", "普通同类产品给中介的比例"},
    };
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        rate_text(a, rates[i].field, rates[i].pct, x, sizeof x);
        rate_text(b, rates[i].field, rates[i].pct, y, sizeof y);
        add_from_to(c, rates[i].key, rates[i].label, x, y, false);
    }
}

/* The changes as the view shows them, glossed in reading order; every
 * glossary word of the marked-up texts explained first in `words`. */
static json_t *changes_view(struct ph_page *page, const json_t *items, json_t *words)
{
    size_t i;
    const json_t *item;
    /* The long texts' differences first: the words box explains the
     * glossary words of what the page shows of them (the runs and the
     * context kept around them), not of the whole texts. */
    json_t *text_diffs = json_array();
    json_array_foreach (items, i, item) {
        const json_t *text = json_object_get(item, "text");
        json_t *diff = json_is_object(text)
                           ? text_diff_json(string_at(text, "old"), string_at(text, "new"), true)
                           : json_null();
        size_t k;
        const json_t *segment;
        json_array_foreach (json_object_get(diff, "segments"), k, segment) {
            collect_words(page, string_at(segment, "text"), words);
        }
        json_array_append_new(text_diffs, diff);
    }
    json_array_foreach (items, i, item) {
        size_t k;
        const json_t *e;
        json_array_foreach (json_object_get(item, "edited"), k, e) {
            collect_words(page, string_at(e, "old"), words);
            collect_words(page, string_at(e, "new"), words);
        }
    }
    json_t *out = json_array();
    json_array_foreach (items, i, item) {
        json_t *v = json_pack("{s:O, s:O}", "key", json_object_get(item, "key"), "label",
                              json_object_get(item, "label"));
        json_object_set_new(v, "label_glossed", ph_view_glossed(page, string_at(item, "label")));
        const char *sentence = string_at(item, "sentence");
        json_object_set_new(v, "said", sentence != NULL ? ph_view_glossed(page, sentence) : json_null());
        static const char *const lists[] = {"removed", "added"};
        static const char *const heads[] = {"删掉了", "新增了"};
        for (size_t l = 0; l < 2; l++) {
            const json_t *list = json_object_get(item, lists[l]);
            json_t *glossed_items = json_array();
            size_t k;
            const json_t *s;
            json_array_foreach (list, k, s) {
                json_array_append_new(glossed_items, ph_view_glossed(page, json_string_value(s)));
            }
            char head[64];
            snprintf(head, sizeof head, "%s %zu 条：", heads[l], json_array_size(list));
            json_object_set_new(v, lists[l],
                                json_array_size(list) > 0
                                    ? json_pack("{s:s, s:o}", "head", head, "items", glossed_items)
                                    : json_null());
            if (json_array_size(list) == 0)
                json_decref(glossed_items);
        }
        const json_t *edited = json_object_get(item, "edited");
        if (json_array_size(edited) > 0) {
            json_t *edits = json_array();
            size_t k;
            const json_t *e;
            json_array_foreach (edited, k, e) {
                json_t *diff = text_diff_json(string_at(e, "old"), string_at(e, "new"), false);
                json_object_set_new(diff, "old", json_string(string_at(e, "old")));
                json_object_set_new(diff, "new", json_string(string_at(e, "new")));
                json_array_append_new(edits, diff);
            }
            char head[64];
            snprintf(head, sizeof head, "改了 %zu 条，改的地方标出来了：", json_array_size(edited));
            json_object_set_new(v, "edited", json_pack("{s:s, s:o}", "head", head, "items", edits));
        } else {
            json_object_set_new(v, "edited", json_null());
        }
        const json_t *dates = json_object_get(item, "dates");
        json_object_set_new(v, "dates",
                            json_is_object(dates)
                                ? json_pack("{s:o, s:o}", "from", ph_view_date(string_at(dates, "old")), "to",
                                            ph_view_date(string_at(dates, "new")))
                                : json_null());
        const json_t *text = json_object_get(item, "text");
        if (json_is_object(text)) {
            json_t *diff = json_incref(json_array_get(text_diffs, i));
            json_object_set(diff, "old", json_object_get(text, "old"));
            json_object_set(diff, "new", json_object_get(text, "new"));
            json_object_set_new(v, "text_diff", diff);
        } else {
            json_object_set_new(v, "text_diff", json_null());
        }
        json_array_append_new(out, v);
    }
    json_decref(text_diffs);
    return out;
}

/* --- the version chooser and the two versions -------------------------------------------- */

struct version_pick {
    int64_t from, to, latest;
    char from_typed[VERSION_TEXT_MAX + 8], to_typed[VERSION_TEXT_MAX + 8];
    bool from_bad, to_bad;
};

/* from/to from the query: defaults to = latest, from = to - 1. Adds the
 * form errors (400) for values that are not version numbers or the same
 * version twice; returns false then. */
static bool pick_versions(struct ph_page *page, int64_t latest, struct version_pick *p)
{
    memset(p, 0, sizeof *p);
    p->latest = latest;
    p->from_bad = !read_version(page, "from", &p->from, p->from_typed, sizeof p->from_typed);
    p->to_bad = !read_version(page, "to", &p->to, p->to_typed, sizeof p->to_typed);
    if (p->from_bad)
        ph_page_add_error(page, "from", "“从哪一版”要填版本号，是 1、2、3 这样的数字。");
    if (p->to_bad)
        ph_page_add_error(page, "to", "“比到哪一版”要填版本号，是 1、2、3 这样的数字。");
    if (p->from_bad || p->to_bad)
        return false;
    if (p->to == 0)
        p->to = latest;
    if (p->from == 0)
        p->from = p->to > 1 ? p->to - 1 : 0;
    if (p->from != 0 && p->from == p->to) {
        ph_page_add_error(page, "to", "两边选的是同一版。请选两个不一样的版本。");
        p->to_bad = true;
        return false;
    }
    return true;
}

static json_t *version_options(int64_t latest, int64_t selected, const json_t *history)
{
    json_t *options = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach (json_object_get(history, "items"), i, v) {
        int64_t n = json_integer_value(json_object_get(v, "version"));
        json_t *date = ph_view_date(string_at(v, "created_at"));
        char label[128];
        if (json_is_object(date))
            snprintf(label, sizeof label, "第 %lld 版（%s）%s", (long long)n, string_at(date, "zh"),
                     n == latest ? "，现在的版本" : "");
        else
            snprintf(label, sizeof label, "第 %lld 版", (long long)n);
        json_decref(date);
        char value[24];
        snprintf(value, sizeof value, "%lld", (long long)n);
        json_array_append_new(
            options, json_pack("{s:s, s:s, s:b}", "value", value, "label", label, "selected", n == selected));
    }
    return options;
}

static json_t *form_json(struct ph_page *page, const char *action, const struct version_pick *p,
                         const json_t *history)
{
    (void)page;
    json_t *form = json_pack("{s:s}", "action", action);
    json_object_set_new(form, "from_options",
                        version_options(p->latest, p->from_bad ? -1 : p->from, history));
    json_object_set_new(form, "to_options", version_options(p->latest, p->to_bad ? -1 : p->to, history));
    json_object_set_new(form, "from_typed", json_string(p->from_typed));
    json_object_set_new(form, "to_typed", json_string(p->to_typed));
    return form;
}

/* One side of the comparison: {version, href, date, change_reason}. */
static json_t *side_json(struct ph_page *page, const char *href_base, int64_t version, int64_t latest,
                         const char *created_at, const char *reason)
{
    char href[160];
    if (version == latest)
        snprintf(href, sizeof href, "%s", href_base);
    else
        snprintf(href, sizeof href, "%s/versions/%lld", href_base, (long long)version);
    json_t *side = json_pack("{s:I, s:s, s:b, s:o}", "version", (json_int_t)version, "href", href,
                             "is_latest", version == latest, "date", ph_view_date(created_at));
    json_object_set_new(
        side, "change_reason",
        ph_view_glossed(page, reason != NULL ? reason : (version == 1 ? "第一次登记" : "没有写原因")));
    return side;
}

/* --- the difference pages ------------------------------------------------------------------- */

/* What the product and the document difference pages say differently. */
struct diff_subject {
    const char *subject;    /* view.subject: "product", "document" */
    const char *path;       /* "/products": its page is path/number */
    const char *number_key; /* the number's key, in the record and in the view */
    const char *name_key;   /* the name's key in the record ("name", "title") */
    const char *date_key;   /* a version's date in the record */
    const char *what_zh;    /* "产品", "文件" */
    const char *only_one;   /* said when there is one version only */
    /* A version (0: the latest); NULL after turning the page into the
     * not-found or failed page. New reference. */
    json_t *(*load)(struct ph_page *page, const char *number, int64_t version);
    ph_status (*versions)(struct ph_registry *reg, const char *number, json_t **out,
                          struct ph_problems *problems);
    /* The differences from a to b into c, and anything more the view says
     * of the two versions. */
    void (*changes)(const json_t *a, const json_t *b, struct changes *c, json_t *view);
};

static void diff_page(struct ph_page *page, const char *number_asked, const struct diff_subject *d)
{
    json_t *latest = d->load(page, number_asked, 0);
    if (latest == NULL)
        return;
    const char *number = string_at(latest, d->number_key);
    const char *name = string_at(latest, d->name_key) ? string_at(latest, d->name_key) : number;
    int64_t latest_version = json_integer_value(json_object_get(latest, "latest_version"));
    json_t *history = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (d->versions(page->reg, number, &history, &problems) != PH_OK)
        history = json_pack("{s:[]}", "items");
    ph_problems_release(&problems);

    struct version_pick pick;
    bool ok = pick_versions(page, latest_version, &pick);
    if (ok && (pick.from > latest_version || pick.to > latest_version)) {
        char what[400];
        snprintf(what, sizeof what, "%s %s 没有第 %lld 版。它现在一共有 %lld 版。", d->what_zh, number,
                 (long long)(pick.from > latest_version ? pick.from : pick.to), (long long)latest_version);
        json_decref(history);
        json_decref(latest);
        ph_page_not_found(page, what);
        return;
    }
    json_t *a = NULL, *b = NULL;
    if (ok && pick.from > 0) {
        a = d->load(page, number, pick.from);
        b = a != NULL ? d->load(page, number, pick.to) : NULL;
        if (a == NULL || b == NULL) {
            json_decref(a);
            json_decref(history);
            json_decref(latest);
            return;
        }
    }

    page->template_name = "diff";
    json_t *view = page->view;
    char h1[300];
    snprintf(h1, sizeof h1, "%s：两个版本比一比", name);
    ph_page_set_h1(page, h1);
    char href[96];
    snprintf(href, sizeof href, "%s/%s", d->path, number);
    json_object_set_new(view, "subject", json_string(d->subject));
    json_object_set_new(view, d->number_key, json_string(number));
    json_object_set_new(view, "name", json_string(name));
    json_object_set_new(view, "href", json_string(href));
    json_object_set_new(view, "latest_version", json_integer(latest_version));
    json_object_set_new(view, "name_words", ph_view_name_words(page, &name, 1));
    if (!ok) {
        page->status = 400;
        json_object_set_new(view, "compared", json_false());
    } else if (a == NULL) {
        json_object_set_new(view, "compared", json_false());
        json_object_set_new(view, "only_one", ph_view_glossed(page, d->only_one));
    } else {
        json_object_set_new(view, "compared", json_true());
        json_object_set_new(view, "from",
                            side_json(page, href, pick.from, latest_version, string_at(a, d->date_key),
                                      string_at(a, "change_reason")));
        json_object_set_new(view, "to",
                            side_json(page, href, pick.to, latest_version, string_at(b, d->date_key),
                                      string_at(b, "change_reason")));
        json_object_set_new(view, "newer", json_boolean(pick.to > pick.from));
        struct changes c = {json_array()};
        d->changes(a, b, &c, view);
        json_t *words = json_array();
        json_t *items = changes_view(page, c.items, words);
        json_decref(c.items);
        json_object_set_new(view, "has_words", json_boolean(json_array_size(words) > 0));
        json_object_set_new(view, "words", words);
        json_object_set_new(view, "no_changes", json_boolean(json_array_size(items) == 0));
        json_object_set_new(view, "change_count", json_integer((json_int_t)json_array_size(items)));
        json_object_set_new(view, "changes", items);
    }
    char action[96];
    snprintf(action, sizeof action, "%s/%s/diff", d->path, number);
    json_object_set_new(view, "form", form_json(page, action, &pick, history));
    json_decref(a);
    json_decref(b);
    json_decref(history);
    json_decref(latest);
}

/* --- the product difference page ------------------------------------------------------------ */

static void product_diff_changes(const json_t *a, const json_t *b, struct changes *c, json_t *view)
{
    (void)view;
    product_changes(a, b, c);
}

void ph_view_product_diff(struct ph_page *page, const char *registration_no)
{
    static const struct diff_subject product = {
        .subject = "product",
        .path = "/products",
        .number_key = "registration_no",
        .name_key = "name",
        .date_key = "version_created_at",
        .what_zh = "产品",
        .only_one = "这个产品只有一个版本，还没有改过，所以没有可比的。",
        .load = ph_view_load_product,
        .versions = ph_product_versions,
        .changes = product_diff_changes,
    };
    diff_page(page, registration_no, &product);
}

/* --- the document difference page ------------------------------------------------------------ */

static json_t *load_document(struct ph_page *page, const char *document_no, int64_t version)
{
    json_t *doc = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    ph_status st = ph_document_get(page->reg, document_no, version, &doc, &problems);
    ph_problems_release(&problems);
    if (st == PH_OK)
        return doc;
    if (st != PH_ERR_NOT_FOUND) {
        ph_page_failed(page, 500);
        return NULL;
    }
    char what[300];
    if (version == 0)
        snprintf(what, sizeof what, "没有找到编号是 %.20s 的文件。文件编号像这样：PD-2026-000001。",
                 document_no);
    else
        snprintf(what, sizeof what, "文件 %.20s 没有第 %lld 版。", document_no, (long long)version);
    ph_page_not_found(page, what);
    return NULL;
}

/* The title, the publication date and the text; and the two versions'
 * fingerprints. */
static void document_changes(const json_t *a, const json_t *b, struct changes *c, json_t *view)
{
    const char *ta = string_at(a, "title") ? string_at(a, "title") : "";
    const char *tb = string_at(b, "title") ? string_at(b, "title") : "";
    add_from_to(c, "title", "标题", ta, tb, true);
    const char *pa = string_at(a, "published_on"), *pb = string_at(b, "published_on");
    if (pa != NULL && pb != NULL && strcmp(pa, pb) != 0) {
        /* Dates go into <time datetime> (ACCESSIBILITY.md 20), so the
         * template says this one. */
        add_change(c, "published_on", "公开日期", NULL, NULL, NULL, NULL);
        json_object_set_new(json_array_get(c->items, json_array_size(c->items) - 1), "dates",
                            json_pack("{s:s, s:s}", "old", pa, "new", pb));
    }
    const char *ca = string_at(a, "content") ? string_at(a, "content") : "";
    const char *cb = string_at(b, "content") ? string_at(b, "content") : "";
    if (strcmp(ca, cb) != 0)
        add_change(c, "content", "正文", "正文改了，改的地方标出来了：", NULL, ca, cb);
    const char *sa = string_at(a, "content_sha256"), *sb = string_at(b, "content_sha256");
    json_object_set_new(view, "fingerprints", json_pack("{s:s?, s:s?}", "from", sa, "to", sb));
}

void ph_view_document_diff(struct ph_page *page, const char *document_no)
{
    static const struct diff_subject document = {
        .subject = "document",
        .path = "/documents",
        .number_key = "document_no",
        .name_key = "title",
        .date_key = "created_at",
        .what_zh = "文件",
        .only_one = "这个文件只有一个版本，还没有改过，所以没有可比的。",
        .load = load_document,
        .versions = ph_document_versions,
        .changes = document_changes,
    };
    diff_page(page, document_no, &document);
}

/* --- what changed --------------------------------------------------------------------------- */

#define CHANGES_VALUE_MAX 64

struct changes_params {
    char date_from[CHANGES_VALUE_MAX], date_to[CHANGES_VALUE_MAX], kind[CHANGES_VALUE_MAX];
    char insurer[CHANGES_VALUE_MAX], category[CHANGES_VALUE_MAX], region[CHANGES_VALUE_MAX];
    char page[CHANGES_VALUE_MAX], per_page[CHANGES_VALUE_MAX];
};

static bool parse_int(const char *text, int64_t *out)
{
    size_t len = strlen(text);
    return len > 0 && len <= 9 && ph_view_digits(text, len, out);
}

static const char *param(const struct ph_request *req, const char *name, char *buf,
                         struct ph_problems *problems)
{
    enum ph_param_read got = ph_query_param(req, name, buf, CHANGES_VALUE_MAX);
    if (got == PH_PARAM_TOO_LONG) {
        ph_problems_add(problems, "value_too_long", name, "填的内容太长了。");
        buf[0] = '\0';
        return NULL;
    }
    return got == PH_PARAM_PRESENT ? buf : NULL;
}

/* Fills the query from the query string (the same names in the page and
 * the API); values that are not even numbers are problems here, the rest
 * the registry checks. */
static void read_changes_params(const struct ph_request *req, struct changes_params *p,
                                struct ph_changes_query *q, struct ph_problems *problems)
{
    memset(p, 0, sizeof *p);
    ph_changes_query_init(q);
    q->date_from = param(req, "date_from", p->date_from, problems);
    q->date_to = param(req, "date_to", p->date_to, problems);
    q->kind = param(req, "kind", p->kind, problems);
    q->category = param(req, "category", p->category, problems);
    q->region = param(req, "region", p->region, problems);
    if (param(req, "insurer", p->insurer, problems) != NULL && !parse_int(p->insurer, &q->insurer_id))
        ph_problems_add(problems, "insurer_invalid", "insurer", "保险公司的编号是 1、2、3 这样的数字。");
    if (param(req, "page", p->page, problems) != NULL && !parse_int(p->page, &q->page))
        ph_problems_add(problems, "page_invalid", "page", "页码要写数字，比如 2。");
    if (param(req, "per_page", p->per_page, problems) != NULL && !parse_int(p->per_page, &q->per_page))
        ph_problems_add(problems, "per_page_invalid", "per_page", "每页条数要写数字，比如 50。");
}

/* Reads the query string into p and query, then the registry's list, or
 * every problem of the parameters: those the query string already had (not
 * numbers) and those the registry finds. */
static ph_status list_changes(const struct ph_request *req, struct ph_registry *reg, struct changes_params *p,
                              struct ph_changes_query *query, json_t **out, struct ph_problems *problems)
{
    read_changes_params(req, p, query, problems);
    bool unreadable = ph_problems_count(problems) > 0;
    ph_status st = ph_changes_list(reg, query, out, problems);
    if (unreadable && st == PH_OK) {
        json_decref(*out);
        *out = NULL;
        st = PH_ERR_BAD_REQUEST;
    }
    return st;
}

void ph_api_changes(struct ph_request *req)
{
    struct changes_params params;
    struct ph_changes_query query;
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *out = NULL;
    ph_status st = list_changes(req, req->worker->reader, &params, &query, &out, &problems);
    if (st == PH_OK)
        ph_respond_json(req, 200, out, true, NULL);
    else
        ph_respond_problems(req, ph_status_http(st), &problems);
    ph_problems_release(&problems);
}

static json_t *select_options(const char *selected, const char *any_label, json_t *pairs)
{
    json_t *options = json_array();
    json_array_append_new(options, json_pack("{s:s, s:s, s:b}", "value", "", "label", any_label, "selected",
                                             selected == NULL || selected[0] == '\0'));
    size_t i;
    json_t *pair;
    json_array_foreach (pairs, i, pair) {
        const char *value = json_string_value(json_array_get(pair, 0));
        json_array_append_new(options,
                              json_pack("{s:s, s:O, s:b}", "value", value, "label", json_array_get(pair, 1),
                                        "selected", selected != NULL && strcmp(selected, value) == 0));
    }
    json_decref(pairs);
    return options;
}

static json_t *changes_form(struct ph_page *page, const struct changes_params *p)
{
    json_t *form = json_pack("{s:s, s:s}", "date_from", p->date_from, "date_to", p->date_to);
    json_object_set_new(
        form, "kind_hint",
        ph_view_glossed(page, "费率调整，就是保费或费率变了。偿付能力报告，说的是保险公司赔不赔得起。"));
    json_t *kinds = json_array();
    for (size_t i = 0; ph_changes_kind_code(i) != NULL; i++)
        json_array_append_new(kinds, json_pack("[s, s]", ph_changes_kind_code(i),
                                               ph_changes_kind_label(ph_changes_kind_code(i))));
    json_object_set_new(form, "kinds", select_options(p->kind, "全部", kinds));
    json_t *insurers = json_array();
    json_t *list = NULL;
    struct ph_problems problems;
    ph_problems_init(&problems);
    if (ph_insurer_list(page->reg, &list, &problems) == PH_OK) {
        size_t i;
        const json_t *ins;
        json_array_foreach (json_object_get(list, "items"), i, ins) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(ins, "id")));
            const char *short_name = string_at(ins, "short_name");
            json_array_append_new(
                insurers,
                json_pack("[s, s]", id,
                          short_name ? short_name : (string_at(ins, "name") ? string_at(ins, "name") : id)));
        }
    }
    json_decref(list);
    ph_problems_release(&problems);
    json_object_set_new(form, "insurers", select_options(p->insurer, "全部保险公司", insurers));
    json_t *categories = json_array();
    for (size_t i = 0; i < ph_enum_category.count; i++) {
        char label[256];
        ph_view_enum_value_label(&ph_enum_category, i, label, sizeof label);
        json_array_append_new(categories, json_pack("[s, s]", ph_enum_category.values[i].code, label));
    }
    json_object_set_new(form, "categories", select_options(p->category, "全部种类", categories));
    json_object_set_new(form, "provinces", ph_view_province_options(p->region[0] != '\0' ? p->region : NULL));
    return form;
}

/* Items grouped by day: [{date: {iso, zh}, id, items: [...]}], in order. */
static json_t *group_by_day(struct ph_page *page, const json_t *items)
{
    json_t *days = json_array();
    json_t *current = NULL;
    const char *current_day = NULL;
    size_t i;
    const json_t *item;
    json_array_foreach (items, i, item) {
        const char *day = string_at(item, "date");
        if (day == NULL)
            continue;
        if (current_day == NULL || strcmp(day, current_day) != 0) {
            char id[32];
            snprintf(id, sizeof id, "day-%s", day);
            json_t *group = json_pack("{s:o, s:s, s:[]}", "date", ph_view_date(day), "id", id, "items");
            json_array_append_new(days, group);
            current = json_object_get(group, "items");
            current_day = day;
        }
        const json_t *links = json_object_get(item, "links");
        const json_t *insurer = json_object_get(item, "insurer");
        json_t *v =
            json_pack("{s:O, s:O, s:O, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "log_index",
                      json_object_get(item, "log_index"), "kind", json_object_get(item, "kind"), "kind_zh",
                      json_object_get(item, "kind_zh"), "name", string_at(item, "product_name"),
                      "registration_no", string_at(item, "registration_no"), "insurer",
                      string_at(insurer, "short_name"), "page_href", string_at(links, "page"), "diff_href",
                      string_at(links, "diff"), "log_href", string_at(links, "log"));
        if (string_at(item, "document_title") != NULL) {
            char doc_name[400];
            snprintf(doc_name, sizeof doc_name, "《%s》", string_at(item, "document_title"));
            json_object_set_new(v, "name", json_string(doc_name));
        }
        if (!json_is_string(json_object_get(v, "name")) && json_is_object(insurer))
            json_object_set_new(v, "name",
                                json_string(string_at(insurer, "short_name")
                                                ? string_at(insurer, "short_name")
                                                : string_at(insurer, "name")));
        const json_t *version = json_object_get(item, "version");
        json_object_set_new(
            v, "version", json_is_integer(version) ? json_integer(json_integer_value(version)) : json_null());
        const char *withdrawal_date = string_at(item, "withdrawal_date");
        if (strcmp(string_at(item, "kind") ? string_at(item, "kind") : "", "withdrawal") == 0 &&
            withdrawal_date != NULL) {
            /* The date goes into <time datetime> (ACCESSIBILITY.md 20). */
            char said[1200];
            const char *reason = string_at(item, "reason");
            snprintf(said, sizeof said, "“%s”登记停售。%s%s%s",
                     string_at(item, "product_name") ? string_at(item, "product_name") : "",
                     reason != NULL ? "原因：" : "", reason != NULL ? reason : "",
                     reason != NULL ? "。" : "");
            json_object_set_new(v, "said", ph_view_glossed(page, said));
            json_object_set_new(v, "when", ph_view_date(withdrawal_date));
        } else {
            json_object_set_new(v, "said", ph_view_glossed(page, string_at(item, "sentence_zh")));
            json_object_set_new(v, "when", json_null());
        }
        json_array_append_new(current, v);
    }
    return days;
}

void ph_view_changes(struct ph_page *page)
{
    struct changes_params params;
    struct ph_changes_query query;
    struct ph_problems problems;
    ph_problems_init(&problems);
    json_t *result = NULL;
    ph_status st = list_changes(page->req, page->reg, &params, &query, &result, &problems);
    if (st != PH_OK && st != PH_ERR_BAD_REQUEST) {
        ph_problems_release(&problems);
        ph_page_failed(page, 503);
        return;
    }
    page->template_name = "changes";
    json_t *view = page->view;
    ph_page_set_h1(page, "最近的变化");
    json_object_set_new(view, "intro",
                        ph_view_glossed(page, "这里按日子列出平台上的每一个变化。最新的在最前面。"
                                              "新登记的产品、新版本、费率调整、停售和暂停销售都在这里。"));
    if (st == PH_ERR_BAD_REQUEST) {
        page->status = 400;
        size_t i;
        const json_t *problem;
        json_array_foreach (problems.items, i, problem) {
            const char *field = string_at(problem, "field");
            static const char *const known[] = {"date_from", "date_to",  "kind",
                                                "insurer",   "category", "region"};
            const char *id = "date_from";
            for (size_t k = 0; field != NULL && k < sizeof known / sizeof known[0]; k++)
                if (strcmp(field, known[k]) == 0)
                    id = known[k];
            const char *message = string_at(problem, "message");
            ph_page_add_error(page, id, message ? message : "这一项填得不对。");
        }
        json_object_set_new(view, "problems", json_deep_copy(problems.items));
    }
    json_object_set_new(view, "form", changes_form(page, &params));
    if (result != NULL) {
        json_int_t total = json_integer_value(json_object_get(result, "total"));
        json_int_t pages = json_integer_value(json_object_get(result, "pages"));
        json_object_set_new(view, "total", json_integer(total));
        json_object_set_new(view, "has_items",
                            json_boolean(json_array_size(json_object_get(result, "items")) > 0));
        json_object_set_new(view, "days", group_by_day(page, json_object_get(result, "items")));
        if (pages > 1) {
            json_t *paging = json_object();
            json_object_set_new(
                paging, "text",
                json_sprintf("第 %lld 页，共 %lld 页", (long long)query.page, (long long)pages));
            char link[1024];
            if (query.page > 1) {
                /* query.page is at most PH_CHANGES_PAGE_MAX here. */
                ph_view_page_link(page->req, (int)query.page - 1, link, sizeof link);
                json_object_set_new(paging, "previous", json_string(link));
            }
            if (query.page < pages) {
                ph_view_page_link(page->req, (int)query.page + 1, link, sizeof link);
                json_object_set_new(paging, "next", json_string(link));
            }
            json_object_set_new(view, "paging", paging);
        }
        json_object_set_new(view, "changes", result);
    }
    ph_problems_release(&problems);
}
