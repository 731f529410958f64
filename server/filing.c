/*
 * server/filing.c - XML filings (see filing.h and docs/internals/filing.md):
 * checks before parsing, a libxml2 parse with network, entities and DTDs
 * off, XSD validation that reports every error with its line, and the
 * conversion of the valid tree into the JSON filing of the registry.
 *
 * libxml2 does all the XML work. The only scanning of text here is
 * bounded, linear and only to refuse early: the XML declaration's
 * encoding, the prolog for a DOCTYPE, and a count of attributes per tag
 * (libxml2 2.9 compares them pairwise; see check_markup_limits).
 */
#include "server/filing.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "i18n/text.h"

#define XSD_MAX_BYTES (1024 * 1024)

struct ph_filing_schema {
    char *text;
    size_t len;
    xmlSchemaPtr schema;
};

/* --- problems with a line ------------------------------------------------ */

/* Adds one problem and, when it was kept (not past PH_PROBLEMS_MAX), its
 * line (> 0) and libxml2's English detail. */
static void add_problem(struct ph_problems *problems, const char *code, const char *field, int line,
                        const char *detail, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_problem(struct ph_problems *problems, const char *code, const char *field, int line,
                        const char *detail, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    size_t before = json_array_size(problems->items);
    ph_problems_add(problems, code, field, "%s", message);
    if (json_array_size(problems->items) != before + 1)
        return;
    json_t *item = json_array_get(problems->items, before);
    if (line > 0)
        json_object_set_new(item, "line", json_integer(line));
    if (detail != NULL && detail[0] != '\0') {
        /* libxml2's messages end with a newline; some quote the input. Keep
         * one line of valid UTF-8 at most 300 bytes long. */
        char clean[320];
        size_t n = 0;
        for (const char *p = detail; *p != '\0' && n < 300; p++)
            clean[n++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
        while (n > 0 && clean[n - 1] == ' ')
            n--;
        while (n > 0 && !ph_text_is_valid_utf8(clean, n))
            n--;
        clean[n] = '\0';
        json_t *text = json_string(clean);
        if (text != NULL)
            json_object_set_new(item, "detail", text);
    }
}

static void add_no_memory(struct ph_problems *problems)
{
    add_problem(problems, "internal", "", 0, NULL, "服务器内存不足，请稍后再试。");
}

/* --- libxml2 set-up ------------------------------------------------------ */

/* Every external entity, DTD, XInclude or schema import goes through this
 * loader: it loads nothing, whatever the URL (XML_PARSE_NONET does not stop
 * file://). */
static xmlParserInputPtr refuse_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static pthread_once_t libxml_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_entity_loader);
}

struct schema_errors {
    char *buf;
    size_t size;
};

static void on_schema_compile_error(void *data, xmlErrorPtr error)
{
    struct schema_errors *se = data;
    if (error == NULL || se->buf[0] != '\0')
        return;
    snprintf(se->buf, se->size, "line %d: %s", error->line, error->message != NULL ? error->message : "");
}

static char *read_small_file(const char *path, size_t max_bytes, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(max_bytes + 1);
    size_t n = buf != NULL ? fread(buf, 1, max_bytes + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > max_bytes || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *out_len = n;
    return buf;
}

struct ph_filing_schema *ph_filing_schema_load(const char *xsd_path, char *error, size_t error_size)
{
    pthread_once(&libxml_once, init_libxml);
    error[0] = '\0';
    errno = 0;
    struct ph_filing_schema *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    s->text = read_small_file(xsd_path, XSD_MAX_BYTES, &s->len);
    if (s->text == NULL) {
        snprintf(error, error_size, "cannot read %s: %s", xsd_path,
                 errno != 0 ? strerror(errno) : "empty or too large");
        free(s);
        return NULL;
    }
    /* From memory: the loader refuses files, and our schema imports none. */
    xmlSchemaParserCtxtPtr parser = xmlSchemaNewMemParserCtxt(s->text, (int)s->len);
    if (parser != NULL) {
        struct schema_errors se = {error, error_size};
        xmlSchemaSetParserStructuredErrors(parser, on_schema_compile_error, &se);
        s->schema = xmlSchemaParse(parser);
        xmlSchemaFreeParserCtxt(parser);
    }
    if (s->schema == NULL) {
        if (error[0] == '\0')
            snprintf(error, error_size, "%s does not compile", xsd_path);
        free(s->text);
        free(s);
        return NULL;
    }
    return s;
}

void ph_filing_schema_free(struct ph_filing_schema *schema)
{
    if (schema == NULL)
        return;
    xmlSchemaFree(schema->schema);
    free(schema->text);
    free(schema);
}

const char *ph_filing_schema_text(const struct ph_filing_schema *schema, size_t *out_len)
{
    *out_len = schema->len;
    return schema->text;
}

/* --- checks before parsing ----------------------------------------------- */

static int line_at(const char *bytes, size_t offset)
{
    int line = 1;
    for (size_t i = 0; i < offset; i++) {
        if (bytes[i] == '\n' && line < INT_MAX)
            line++;
    }
    return line;
}

/* The line of the first malformed UTF-8 sequence: lines are checked one by
 * one (a sequence never spans a newline byte). */
static int first_bad_utf8_line(const char *bytes, size_t len)
{
    int line = 1;
    size_t start = 0;
    while (start <= len) {
        const char *nl = memchr(bytes + start, '\n', len - start);
        size_t end = nl != NULL ? (size_t)(nl - bytes) : len;
        if (!ph_text_is_valid_utf8(bytes + start, end - start))
            return line;
        if (nl == NULL)
            break;
        line++;
        start = end + 1;
    }
    return line;
}

static bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool starts_with(const char *p, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/* The value of encoding="..." in the XML declaration at p (which starts
 * with "<?xml"), copied into out; false when there is none. */
static bool declared_encoding(const char *p, const char *end, char *out, size_t size)
{
    const char *close = NULL;
    for (const char *q = p; q + 1 < end && q - p < 256; q++) {
        if (q[0] == '?' && q[1] == '>') {
            close = q;
            break;
        }
    }
    if (close == NULL)
        return false; /* libxml2 will call the declaration malformed */
    for (const char *q = p + 5; q + 8 <= close; q++) {
        if (memcmp(q, "encoding", 8) != 0)
            continue;
        q += 8;
        while (q < close && is_xml_space(*q))
            q++;
        if (q >= close || *q != '=')
            return false;
        q++;
        while (q < close && is_xml_space(*q))
            q++;
        if (q >= close || (*q != '"' && *q != '\''))
            return false;
        char quote = *q++;
        size_t n = 0;
        while (q < close && *q != quote && n + 1 < size)
            out[n++] = *q++;
        out[n] = '\0';
        return true;
    }
    return false;
}

/* The position just past the first `close` at or after p (end when there
 * is none), counting the newlines passed over into *line if not NULL. */
static const char *skip_past(const char *p, const char *end, const char *close, int *line)
{
    size_t n = strlen(close);
    for (; p < end; p++) {
        if ((size_t)(end - p) >= n && memcmp(p, close, n) == 0)
            return p + n;
        if (*p == '\n' && line != NULL && *line < INT_MAX)
            (*line)++;
    }
    return end;
}

/* True when the attribute name that ends just before `equals` (white
 * space allowed before the "=") is xmlns or xmlns:prefix. */
static bool names_namespace(const char *tag_start, const char *equals)
{
    const char *q = equals;
    while (q > tag_start && is_xml_space(q[-1]))
        q--;
    const char *name_end = q;
    while (q > tag_start && !is_xml_space(q[-1]) && q[-1] != '"' && q[-1] != '\'' && q[-1] != '<')
        q--;
    size_t n = (size_t)(name_end - q);
    return n >= 5 && memcmp(q, "xmlns", 5) == 0 && (n == 5 || q[5] == ':');
}

/*
 * libxml2 2.9 checks a start tag's attributes for duplicates pairwise: one
 * tag with 100,000 attributes (1 MB) takes minutes of CPU, and names with
 * prefixes are looked up through every namespace in scope. So, before
 * parsing, no start tag may have more than PH_FILING_MAX_ATTRIBUTES
 * attributes and the document no more than PH_FILING_MAX_NAMESPACES
 * namespace declarations. This is a bounded count, not a parse: every
 * attribute libxml2 accepts is `name = "value"` with one "=" outside the
 * quotes, values cannot hold "<", and comments, CDATA sections and
 * processing instructions end at the same "-->", "]]>" and "?>" for both;
 * so the count is never below libxml2's, and libxml2 decides the rest.
 */
static ph_status check_markup_limits(const char *bytes, size_t len, struct ph_problems *problems)
{
    const char *p = bytes;
    const char *end = bytes + len;
    int line = 1;
    int namespaces = 0;
    while (p < end) {
        if (*p != '<') {
            if (*p == '\n' && line < INT_MAX)
                line++;
            p++;
            continue;
        }
        if (starts_with(p, end, "<!--")) {
            p = skip_past(p + 4, end, "-->", &line);
            continue;
        }
        if (starts_with(p, end, "<![CDATA[")) {
            p = skip_past(p + 9, end, "]]>", &line);
            continue;
        }
        if (starts_with(p, end, "<?")) {
            p = skip_past(p + 2, end, "?>", &line);
            continue;
        }
        /* A tag: it ends at ">" outside quotes, or at the next "<". */
        const char *tag_start = p;
        int tag_line = line;
        int attributes = 0;
        char quote = 0;
        for (p++; p < end && *p != '<'; p++) {
            char c = *p;
            if (c == '\n' && line < INT_MAX)
                line++;
            if (quote != 0) {
                if (c == quote)
                    quote = 0;
                continue;
            }
            if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '>') {
                p++;
                break;
            } else if (c == '=') {
                if (++attributes > PH_FILING_MAX_ATTRIBUTES) {
                    add_problem(problems, "xml_too_many_attributes", "", tag_line, NULL,
                                "第 %d 行的标签有太多属性（超过 %d 个）。报备格式只用元素，不用属性。",
                                tag_line, PH_FILING_MAX_ATTRIBUTES);
                    return PH_ERR_BAD_REQUEST;
                }
                if (names_namespace(tag_start, p) && ++namespaces > PH_FILING_MAX_NAMESPACES) {
                    add_problem(
                        problems, "xml_too_many_attributes", "", tag_line, NULL,
                        "第 %d 行：命名空间声明（xmlns）太多了（全文超过 %d 个）。报备文件只需要一个。",
                        tag_line, PH_FILING_MAX_NAMESPACES);
                    return PH_ERR_BAD_REQUEST;
                }
            }
        }
    }
    return PH_OK;
}

/* Refuses before parsing what never needs a parser to refuse: too much,
 * not UTF-8, an encoding declaration that is not UTF-8, and a DOCTYPE in
 * the prolog (scanned over white space, comments and processing
 * instructions up to the first element). */
static ph_status check_before_parse(const char *bytes, size_t len, struct ph_problems *problems)
{
    if (len == 0) {
        add_problem(problems, "body_empty", "", 0, NULL,
                    "没有收到提交的内容。请在请求体里放一份 XML 报备文件。");
        return PH_ERR_BAD_REQUEST;
    }
    if (len > PH_FILING_BODY_MAX_BYTES) {
        add_problem(problems, "body_too_large", "", 0, NULL,
                    "提交的内容太大了（%zu 字节），最多 %d 字节（8 MiB）。", len, PH_FILING_BODY_MAX_BYTES);
        return PH_ERR_BAD_REQUEST;
    }
    if (!ph_text_is_valid_utf8(bytes, len)) {
        int line = first_bad_utf8_line(bytes, len);
        add_problem(problems, "xml_encoding_invalid", "", line, NULL,
                    "第 %d 行有不是 UTF-8 编码的字节。报备文件必须用 UTF-8 编码保存。", line);
        return PH_ERR_BAD_REQUEST;
    }
    const char *p = bytes;
    const char *end = bytes + len;
    if (starts_with(p, end, "\xEF\xBB\xBF"))
        p += 3;
    if (starts_with(p, end, "<?xml") && (size_t)(end - p) > 5 && is_xml_space(p[5])) {
        char encoding[64];
        if (declared_encoding(p, end, encoding, sizeof encoding) && strcasecmp(encoding, "UTF-8") != 0 &&
            strcasecmp(encoding, "UTF8") != 0) {
            add_problem(
                problems, "xml_encoding_invalid", "", line_at(bytes, (size_t)(p - bytes)), NULL,
                "XML 声明的编码是“%.40s”，平台只接受 UTF-8。请用 UTF-8 保存文件，并写 encoding=\"UTF-8\"。",
                encoding);
            return PH_ERR_BAD_REQUEST;
        }
    }
    while (p < end) {
        if (is_xml_space(*p)) {
            p++;
        } else if (starts_with(p, end, "<?")) {
            p = skip_past(p + 2, end, "?>", NULL);
        } else if (starts_with(p, end, "<!--")) {
            p = skip_past(p + 4, end, "-->", NULL);
        } else if (starts_with(p, end, "<!DOCTYPE")) {
            int line = line_at(bytes, (size_t)(p - bytes));
            add_problem(problems, "xml_doctype_refused", "", line, NULL,
                        "第 %d 行有 DOCTYPE 声明。报备文件不能带 "
                        "DOCTYPE（也就不能定义实体或引用外部文件），请删掉它。",
                        line);
            return PH_ERR_BAD_REQUEST;
        } else {
            break; /* the root element, or something libxml2 will refuse */
        }
    }
    return check_markup_limits(bytes, len, problems);
}

/* --- parsing ------------------------------------------------------------- */

struct parse_state {
    int depth;
    bool too_deep;
    int too_deep_line;
    int nodes; /* elements and CDATA sections */
    bool too_many;
    int too_many_line;
    bool doctype;
    int doctype_line;
    bool error;
    int error_line;
    int error_column;
    char error_message[400];
};

static struct parse_state *state_of(void *ctx)
{
    return ((xmlParserCtxtPtr)ctx)->_private;
}

static int input_line(xmlParserCtxtPtr ctxt)
{
    return ctxt->input != NULL ? ctxt->input->line : 0;
}

/* True once a hook has stopped the parser: later events build nothing. */
static bool stopped(const struct parse_state *st)
{
    return st->too_deep || st->doctype || st->too_many;
}

/* Counts one more element or CDATA section; past PH_FILING_MAX_ELEMENTS
 * records the line, stops the parser and returns false. */
static bool count_node(xmlParserCtxtPtr ctxt, struct parse_state *st)
{
    if (++st->nodes <= PH_FILING_MAX_ELEMENTS)
        return true;
    st->too_many = true;
    st->too_many_line = input_line(ctxt);
    xmlStopParser(ctxt);
    return false;
}

/* Counts the element and its depth and stops the parser past either cap
 * before the element is built; records each element's line in
 * node->_private (libxml2 keeps lines past 65,535 only with
 * XML_PARSE_BIG_LINES, in a field XSD validation may use, so we keep our
 * own). */
static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                             int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                             int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = state_of(ctx);
    if (stopped(st) || !count_node(ctxt, st))
        return;
    if (++st->depth > PH_FILING_MAX_DEPTH) {
        st->too_deep = true;
        st->too_deep_line = input_line(ctxt);
        xmlStopParser(ctxt);
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                          attributes);
    if (ctxt->node != NULL && ctxt->input != NULL)
        ctxt->node->_private = (void *)(intptr_t)ctxt->input->line;
}

static void on_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    struct parse_state *st = state_of(ctx);
    if (stopped(st))
        return;
    st->depth--;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* CDATA sections are nodes of their own (not merged like text): counted
 * with the elements. */
static void on_cdata(void *ctx, const xmlChar *value, int len)
{
    struct parse_state *st = state_of(ctx);
    if (stopped(st) || !count_node(ctx, st))
        return;
    xmlSAX2CDataBlock(ctx, value, len);
}

/* A DOCTYPE: stop before its internal subset (entity declarations) is
 * read. The prolog check refuses it earlier; this is the second line. */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = state_of(ctx);
    st->doctype = true;
    st->doctype_line = input_line(ctxt);
    xmlStopParser(ctxt);
}

static void on_external_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    state_of(ctx)->doctype = true;
    xmlStopParser(ctx);
}

/* The parser's errors (data is the parser context: its userData). Keeps
 * the first error; warnings are not refusals. */
static void on_parse_error(void *data, xmlErrorPtr error)
{
    xmlParserCtxtPtr ctxt = data;
    if (ctxt == NULL || error == NULL || error->level < XML_ERR_ERROR)
        return;
    struct parse_state *st = ctxt->_private;
    if (st == NULL || st->error)
        return;
    st->error = true;
    st->error_line = error->line;
    st->error_column = error->int2;
    snprintf(st->error_message, sizeof st->error_message, "%s", error->message != NULL ? error->message : "");
}

static ph_status parse_xml(const char *bytes, size_t len, xmlDocPtr *out_doc, struct ph_problems *problems)
{
    *out_doc = NULL;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        add_no_memory(problems);
        return PH_ERR_INTERNAL;
    }
    struct parse_state st;
    memset(&st, 0, sizeof st);
    ctxt->_private = &st;
    ctxt->sax->startElementNs = on_start_element;
    ctxt->sax->endElementNs = on_end_element;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->externalSubset = on_external_subset;
    ctxt->sax->cdataBlock = on_cdata;
    /* Comments and processing instructions carry nothing a filing needs:
     * not building them keeps 8 MiB of "<!---->" from becoming a million
     * nodes. */
    ctxt->sax->comment = NULL;
    ctxt->sax->processingInstruction = NULL;
    ctxt->sax->serror = on_parse_error;
    /* NONET only: no NOENT (entity substitution), DTDLOAD, DTDATTR, HUGE
     * or XINCLUDE. The encoding was checked to be UTF-8 above. */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes, (int)len, NULL, "UTF-8", XML_PARSE_NONET);
    bool well_formed = ctxt->wellFormed != 0;
    bool no_memory = ctxt->errNo == XML_ERR_NO_MEMORY;
    xmlFreeParserCtxt(ctxt);

    ph_status st_out = PH_ERR_BAD_REQUEST;
    if (st.doctype || (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL))) {
        add_problem(problems, "xml_doctype_refused", "", st.doctype_line, NULL,
                    "报备文件不能带 DOCTYPE（也就不能定义实体或引用外部文件），请删掉它。");
    } else if (st.too_many) {
        add_problem(problems, "xml_too_many_elements", "", st.too_many_line, NULL,
                    "第 %d 行：元素太多了（超过 %d 个）。一份报备最多只需要一千多个元素。", st.too_many_line,
                    PH_FILING_MAX_ELEMENTS);
    } else if (st.too_deep) {
        add_problem(problems, "xml_too_deep", "", st.too_deep_line, NULL,
                    "第 %d 行：元素嵌套超过了 %d 层。报备文件最多只需要 5 层。", st.too_deep_line,
                    PH_FILING_MAX_DEPTH);
    } else if (no_memory) {
        add_no_memory(problems);
        st_out = PH_ERR_INTERNAL;
    } else if (doc == NULL || !well_formed || st.error || xmlDocGetRootElement(doc) == NULL) {
        int line = st.error ? st.error_line : 0;
        if (line > 0)
            add_problem(problems, "xml_invalid", "", line, st.error_message,
                        "提交的内容不是格式正确的 XML（第 %d 行第 %d "
                        "个字符附近）。请检查标签是否成对、特殊字符 & 和 < 是否写成了 &amp; 和 &lt;。",
                        line, st.error_column);
        else
            add_problem(problems, "xml_invalid", "", 0, st.error_message, "提交的内容不是格式正确的 XML。");
    } else {
        st_out = PH_OK;
    }
    if (st_out != PH_OK) {
        xmlFreeDoc(doc);
        return st_out;
    }
    *out_doc = doc;
    return PH_OK;
}

/* --- the conversion table ------------------------------------------------ */

/* How an element's text becomes JSON: TOKEN collapses white space as
 * xs:token does, TEXT keeps the text as written (the registry trims),
 * EXACT keeps it byte for byte (document content). */
enum field_kind { F_TOKEN, F_TEXT, F_EXACT, F_INT, F_NUMBER, F_BOOL, F_LIST, F_OBJECT };

struct field {
    const char *name;
    const char *label_zh;
    enum field_kind kind;
    bool required;
    const char *item_name;      /* F_LIST: the repeated child element */
    enum field_kind item_kind;  /* F_LIST */
    const struct field *fields; /* F_OBJECT */
};

static const struct field premium_fields[] = {
    {"min", "每年最低保费", F_NUMBER, true, NULL, F_TOKEN, NULL},
    {"max", "每年最高保费", F_NUMBER, true, NULL, F_TOKEN, NULL},
    {.name = NULL}, /* the end */
};

static const struct field claim_fields[] = {
    {"how", "怎么理赔", F_TEXT, true, NULL, F_TOKEN, NULL},
    {"documents", "理赔要交的材料", F_LIST, true, "item", F_TOKEN, NULL},
    {"settle_days", "承诺几天内赔付", F_INT, true, NULL, F_TOKEN, NULL},
    {.name = NULL}, /* the end */
};

static const struct field comparison_fields[] = {
    {"this_pct", "本产品的比率", F_NUMBER, true, NULL, F_TOKEN, NULL},
    {"comparable_pct", "同类普通产品的比率", F_NUMBER, true, NULL, F_TOKEN, NULL},
    {"reason", "不低于普通产品的原因", F_TEXT, false, NULL, F_TOKEN, NULL},
    {.name = NULL}, /* the end */
};

static const struct field product_fields[] = {
    {"name", "产品名称", F_TOKEN, true, NULL, F_TOKEN, NULL},
    {"category", "保险种类", F_TOKEN, true, NULL, F_TOKEN, NULL},
    {"target_groups", "适合人群", F_LIST, true, "group", F_TOKEN, NULL},
    {"regions", "销售地区", F_LIST, true, "region", F_TOKEN, NULL},
    {"age_min", "最低投保年龄", F_INT, true, NULL, F_TOKEN, NULL},
    {"age_max", "最高投保年龄", F_INT, true, NULL, F_TOKEN, NULL},
    {"premium_yuan_per_year", "每年保费", F_OBJECT, true, NULL, F_TOKEN, premium_fields},
    {"sum_insured_yuan", "最高保额", F_NUMBER, true, NULL, F_TOKEN, NULL},
    {"deductible_yuan", "免赔额", F_NUMBER, true, NULL, F_TOKEN, NULL},
    {"reimbursement_pct", "报销比例", F_NUMBER, false, NULL, F_TOKEN, NULL},
    {"waiting_period_days", "等待期", F_INT, true, NULL, F_TOKEN, NULL},
    {"cooling_off_days", "犹豫期", F_INT, false, NULL, F_TOKEN, NULL},
    {"preexisting_conditions", "既往症能不能赔", F_TOKEN, true, NULL, F_TOKEN, NULL},
    {"health_questionnaire", "是否要做健康告知", F_BOOL, true, NULL, F_TOKEN, NULL},
    {"term_months", "保障期限", F_INT, true, NULL, F_TOKEN, NULL},
    {"summary", "产品简介", F_TEXT, true, NULL, F_TOKEN, NULL},
    {"covered", "保障内容", F_LIST, true, "item", F_TEXT, NULL},
    {"not_covered", "不赔的情况", F_LIST, true, "item", F_TEXT, NULL},
    {"claim", "理赔", F_OBJECT, true, NULL, F_TOKEN, claim_fields},
    {"service_commitments", "服务承诺", F_LIST, false, "item", F_TEXT, NULL},
    {"channels", "购买渠道", F_LIST, true, "channel", F_TOKEN, NULL},
    {"purchase_url", "网上购买地址", F_TOKEN, false, NULL, F_TOKEN, NULL},
    {"hotline", "客服电话", F_TOKEN, true, NULL, F_TOKEN, NULL},
    {"premium_rate", "费率与普通产品对比", F_OBJECT, true, NULL, F_TOKEN, comparison_fields},
    {"intermediary_fee", "中介费用率与普通产品对比", F_OBJECT, true, NULL, F_TOKEN, comparison_fields},
    {.name = NULL}, /* the end */
};

static const struct field document_fields[] = {
    {"type", "文件类型", F_TOKEN, true, NULL, F_TOKEN, NULL},
    {"title", "文件标题", F_TOKEN, true, NULL, F_TOKEN, NULL},
    {"content", "文件内容", F_EXACT, true, NULL, F_TOKEN, NULL},
    {"published_on", "发布日期", F_TOKEN, false, NULL, F_TOKEN, NULL},
    {"period", "报告期", F_TOKEN, false, NULL, F_TOKEN, NULL},
    {.name = NULL}, /* the end */
};

static const struct field *find_field(const struct field *fields, const char *name)
{
    for (const struct field *f = fields; f != NULL && f->name != NULL; f++) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

/* The fields of the element type behind a node of a filing (for messages
 * about missing children), or NULL. */
static const struct field *fields_of_node(const xmlNode *node, const char **out_label)
{
    *out_label = NULL;
    if (node == NULL || node->type != XML_ELEMENT_NODE)
        return NULL;
    const char *name = (const char *)node->name;
    const xmlNode *parent = node->parent;
    const char *parent_name =
        parent != NULL && parent->type == XML_ELEMENT_NODE ? (const char *)parent->name : "";
    if (strcmp(name, "product") == 0 && strcmp(parent_name, "filing") == 0) {
        *out_label = "产品";
        return product_fields;
    }
    if (strcmp(name, "document") == 0 && strcmp(parent_name, "filing") == 0) {
        *out_label = "文件";
        return document_fields;
    }
    if (strcmp(parent_name, "product") != 0)
        return NULL;
    const struct field *f = find_field(product_fields, name);
    if (f == NULL || f->kind != F_OBJECT)
        return NULL;
    *out_label = f->label_zh;
    return f->fields;
}

/* --- schema validation --------------------------------------------------- */

static int node_line(const xmlNode *node)
{
    if (node == NULL)
        return 0;
    if (node->type == XML_ATTRIBUTE_NODE && node->parent != NULL)
        node = node->parent;
    if (node->type == XML_ELEMENT_NODE && node->_private != NULL)
        return (int)(intptr_t)node->_private;
    long line = xmlGetLineNo(node);
    return line > 0 && line < INT_MAX ? (int)line : 0;
}

/* "/filing/document[2]/title": element names, with a 1-based position
 * among same-named siblings when there is more than one. */
static void node_path(const xmlNode *node, char *out, size_t size)
{
    const xmlNode *chain[PH_FILING_MAX_DEPTH + 2];
    size_t n = 0;
    for (const xmlNode *p = node; p != NULL && n < sizeof chain / sizeof chain[0]; p = p->parent) {
        if (p->type == XML_ELEMENT_NODE || p->type == XML_ATTRIBUTE_NODE)
            chain[n++] = p;
    }
    size_t used = 0;
    out[0] = '\0';
    while (n > 0 && used + 1 < size) {
        const xmlNode *p = chain[--n];
        int index = 0;
        int same = 0;
        if (p->type == XML_ELEMENT_NODE) {
            for (const xmlNode *s = p->parent != NULL ? p->parent->children : NULL; s != NULL; s = s->next) {
                if (s->type != XML_ELEMENT_NODE || !xmlStrEqual(s->name, p->name))
                    continue;
                same++;
                if (s == p)
                    index = same;
            }
        }
        int w;
        if (p->type == XML_ATTRIBUTE_NODE)
            w = snprintf(out + used, size - used, "/@%.60s", (const char *)p->name);
        else if (same > 1)
            w = snprintf(out + used, size - used, "/%.60s[%d]", (const char *)p->name, index);
        else
            w = snprintf(out + used, size - used, "/%.60s", (const char *)p->name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= size)
        out[size - 1] = '\0';
}

/* The names of required children missing under node, "name（产品名称）、..." */
static void missing_children(const xmlNode *node, const struct field *fields, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (const struct field *f = fields; f->name != NULL; f++) {
        if (!f->required)
            continue;
        bool present = false;
        for (const xmlNode *c = node->children; c != NULL && !present; c = c->next)
            present = c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)f->name);
        if (present)
            continue;
        int w = snprintf(out + used, size - used, "%s%s（%s）", used > 0 ? "、" : "", f->name, f->label_zh);
        if (w < 0 || (size_t)w >= size - used) {
            /* Out of room: end the list with 等 ("and more"). */
            out[used] = '\0';
            if (used + sizeof "等" <= size)
                memcpy(out + used, "等", sizeof "等");
            return;
        }
        used += (size_t)w;
    }
}

struct validation {
    struct ph_problems *problems;
    size_t count;
};

/* One XSD error in plain Chinese; `what` names the element for people. */
/* The first attribute of an element that the schema does not allow (any
 * but xml:space, xml:lang ...), for messages; "" when none. */
static void stray_attribute(const xmlNode *node, char *out, size_t size)
{
    out[0] = '\0';
    if (node == NULL || node->type != XML_ELEMENT_NODE)
        return;
    for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
        if (a->ns != NULL && xmlStrEqual(a->ns->href, XML_XML_NAMESPACE))
            continue;
        snprintf(out, size, "%.60s", (const char *)a->name);
        return;
    }
}

static void schema_message(const xmlError *error, const char *what, char *out, size_t size)
{
    const xmlNode *node = error->node;
    char stray[64];
    stray_attribute(node, stray, sizeof stray);
    switch (error->code) {
    case XML_SCHEMAV_CVC_ENUMERATION_VALID:
        snprintf(out, size, "%s的值不是允许的值之一。允许的值见 filing.xsd。", what);
        return;
    case XML_SCHEMAV_CVC_MININCLUSIVE_VALID:
    case XML_SCHEMAV_CVC_MINEXCLUSIVE_VALID:
        snprintf(out, size, "%s的数字太小了。", what);
        return;
    case XML_SCHEMAV_CVC_MAXINCLUSIVE_VALID:
    case XML_SCHEMAV_CVC_MAXEXCLUSIVE_VALID:
        snprintf(out, size, "%s的数字太大了。", what);
        return;
    case XML_SCHEMAV_CVC_FRACTIONDIGITS_VALID:
    case XML_SCHEMAV_CVC_TOTALDIGITS_VALID:
        snprintf(out, size, "%s的小数位数太多了（金额最多两位小数）。", what);
        return;
    case XML_SCHEMAV_CVC_LENGTH_VALID:
    case XML_SCHEMAV_CVC_MINLENGTH_VALID:
        snprintf(out, size, "%s的文字太短了。", what);
        return;
    case XML_SCHEMAV_CVC_MAXLENGTH_VALID:
        snprintf(out, size, "%s的文字太长了。", what);
        return;
    case XML_SCHEMAV_CVC_PATTERN_VALID:
        snprintf(out, size, "%s的格式不对。", what);
        return;
    case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1:
    case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_2:
    case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_3:
        snprintf(out, size, "%s的值类型不对（应该是数字、日期或 true/false 等，见 filing.xsd）。", what);
        return;
    case XML_SCHEMAV_CVC_ELT_1:
        snprintf(out, size, "最外层的元素应该是命名空间 %s 里的 <filing>。", PH_FILING_NAMESPACE);
        return;
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_1:
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_2:
        snprintf(out, size, "%s不能带属性%s%s%s：报备格式只用元素，不用属性（xml:space 等 xml: 属性除外）。",
                 what, stray[0] != '\0' ? "「" : "", stray, stray[0] != '\0' ? "」" : "");
        return;
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_1:
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_3:
    case XML_SCHEMAV_CVC_TYPE_3_1_2:
        snprintf(out, size, "%s里只能写文字，不能再放元素。", what);
        return;
    default:
        break;
    }
    const char *message = error->message != NULL ? error->message : "";
    if (strstr(message, "Missing child") != NULL) {
        const char *label = NULL;
        const struct field *fields = fields_of_node(node, &label);
        char missing[256] = "";
        if (fields != NULL)
            missing_children(node, fields, missing, sizeof missing);
        if (missing[0] != '\0')
            snprintf(out, size, "「%s」缺少必填的项目：%s。", label, missing);
        else
            snprintf(out, size, "%s里缺少必填的项目。", what);
        return;
    }
    if (strstr(message, "not expected") != NULL) {
        snprintf(out, size, "%s不应该出现在这里：名字写错了、重复了，或者放错了位置（命名空间应为 %s）。",
                 what, PH_FILING_NAMESPACE);
        return;
    }
    snprintf(out, size, "%s不符合报备格式（filing.xsd）的要求。", what);
}

static void on_schema_error(void *data, xmlErrorPtr error)
{
    struct validation *v = data;
    if (error == NULL || error->level < XML_ERR_ERROR)
        return;
    v->count++;
    const xmlNode *node = error->node;
    char path[256] = "";
    if (node != NULL)
        node_path(node, path, sizeof path);
    char what[192];
    if (node != NULL && node->type == XML_ATTRIBUTE_NODE && node->parent != NULL)
        snprintf(what, sizeof what, "<%.60s> 的属性「%.60s」", (const char *)node->parent->name,
                 (const char *)node->name);
    else if (node != NULL && node->name != NULL)
        snprintf(what, sizeof what, "<%.60s>", (const char *)node->name);
    else
        snprintf(what, sizeof what, "这一处");
    char message[400];
    schema_message(error, what, message, sizeof message);
    int line = node_line(node);
    if (line == 0)
        line = error->line;
    char with_line[480];
    if (line > 0)
        snprintf(with_line, sizeof with_line, "第 %d 行：%s", line, message);
    else
        snprintf(with_line, sizeof with_line, "%s", message);
    add_problem(v->problems, "xml_schema_invalid", path, line, error->message, "%s", with_line);
}

static ph_status validate(const struct ph_filing_schema *schema, xmlDocPtr doc, struct ph_problems *problems)
{
    xmlSchemaValidCtxtPtr vctxt = xmlSchemaNewValidCtxt(schema->schema);
    if (vctxt == NULL) {
        add_no_memory(problems);
        return PH_ERR_INTERNAL;
    }
    struct validation v = {problems, 0};
    xmlSchemaSetValidStructuredErrors(vctxt, on_schema_error, &v);
    int rc = xmlSchemaValidateDoc(vctxt, doc);
    xmlSchemaFreeValidCtxt(vctxt);
    if (rc == 0 && v.count == 0)
        return PH_OK;
    if (v.count == 0) {
        add_problem(problems, rc < 0 ? "internal" : "xml_schema_invalid", "", 0, NULL,
                    "报备文件没有通过格式（filing.xsd）检查。");
        return rc < 0 ? PH_ERR_INTERNAL : PH_ERR_BAD_REQUEST;
    }
    return PH_ERR_BAD_REQUEST;
}

/* --- conversion ---------------------------------------------------------- */

struct convert {
    json_t *lines;
    struct ph_problems *problems;
    bool failed;
};

static bool in_namespace(const xmlNode *node)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           xmlStrEqual(node->ns->href, (const xmlChar *)PH_FILING_NAMESPACE);
}

static void set_line(struct convert *cv, const char *path, const xmlNode *node)
{
    int line = node_line(node);
    if (line > 0)
        json_object_set_new(cv->lines, path, json_integer(line));
}

/* The schema lets nothing else through; reaching this is a bug of ours,
 * answered as a refusal rather than a crash. */
static void unexpected(struct convert *cv, const xmlNode *node, const char *why)
{
    char path[256];
    node_path(node, path, sizeof path);
    int line = node_line(node);
    add_problem(cv->problems, "xml_schema_invalid", path, line, why,
                "第 %d 行：<%.60s> 不符合报备格式（filing.xsd）的要求。", line, (const char *)node->name);
    cv->failed = true;
}

/* White space collapsed as xs:token does: none at either end, runs of
 * space, tab, CR and LF as one space. */
static char *collapse(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    bool space = false;
    for (const char *p = text; *p != '\0'; p++) {
        if (is_xml_space(*p)) {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
    return out;
}

/* xs:integer lexical form (the schema checked it): an optional sign and
 * digits. More than 15 digits is out of every range of ours. */
static json_t *integer_value(const char *text)
{
    const char *p = text;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (*p == '\0')
        return NULL;
    int64_t value = 0;
    int digits = 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return NULL;
        value = value * 10 + (*p - '0');
        if (value != 0 && ++digits > 15)
            return NULL;
    }
    return json_integer(negative ? -value : value);
}

/* xs:decimal lexical form: an integer when there is no fraction (or only
 * zeros), so that 99 is 99 in JSON as a JSON client would send it; a real
 * otherwise. */
static json_t *decimal_value(const char *text)
{
    const char *point = strchr(text, '.');
    bool fraction = false;
    for (const char *p = point != NULL ? point + 1 : ""; *p != '\0'; p++)
        fraction = fraction || *p != '0';
    if (!fraction) {
        char whole[32];
        size_t n = point != NULL ? (size_t)(point - text) : strlen(text);
        if (n == 0 || (n == 1 && (text[0] == '-' || text[0] == '+')))
            return json_integer(0);
        if (n >= sizeof whole)
            return NULL;
        memcpy(whole, text, n);
        whole[n] = '\0';
        return integer_value(whole);
    }
    for (const char *p = text; *p != '\0'; p++) {
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+'))
            return NULL;
    }
    if (strlen(text) > 40)
        return NULL;
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == NULL || *end != '\0')
        return NULL;
    return json_real(value);
}

static json_t *convert_value(struct convert *cv, const xmlNode *node, enum field_kind kind)
{
    xmlChar *raw = xmlNodeGetContent(node);
    if (raw == NULL)
        raw = xmlStrdup((const xmlChar *)"");
    if (raw == NULL)
        return NULL;
    const char *text = (const char *)raw;
    json_t *value = NULL;
    if (kind == F_EXACT || kind == F_TEXT) {
        value = json_stringn(text, strlen(text));
    } else {
        char *token = collapse(text);
        if (token != NULL) {
            if (kind == F_TOKEN)
                value = json_string(token);
            else if (kind == F_INT)
                value = integer_value(token);
            else if (kind == F_NUMBER)
                value = decimal_value(token);
            else if (kind == F_BOOL && (strcmp(token, "true") == 0 || strcmp(token, "1") == 0))
                value = json_true();
            else if (kind == F_BOOL && (strcmp(token, "false") == 0 || strcmp(token, "0") == 0))
                value = json_false();
            free(token);
        }
    }
    xmlFree(raw);
    if (value == NULL)
        unexpected(cv, node, "value not convertible");
    return value;
}

static json_t *convert_object(struct convert *cv, const xmlNode *parent, const struct field *fields,
                              const char *path);

static json_t *convert_list(struct convert *cv, const xmlNode *parent, const struct field *f,
                            const char *path)
{
    json_t *list = json_array();
    size_t i = 0;
    for (const xmlNode *c = parent->children; c != NULL && list != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!in_namespace(c) || !xmlStrEqual(c->name, (const xmlChar *)f->item_name)) {
            unexpected(cv, c, "unknown list item");
            continue;
        }
        char item_path[160];
        snprintf(item_path, sizeof item_path, "%s[%zu]", path, i++);
        set_line(cv, item_path, c);
        json_t *value = convert_value(cv, c, f->item_kind);
        if (value != NULL)
            json_array_append_new(list, value);
    }
    return list;
}

static json_t *convert_object(struct convert *cv, const xmlNode *parent, const struct field *fields,
                              const char *path)
{
    json_t *object = json_object();
    for (const xmlNode *c = parent->children; c != NULL && object != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const struct field *f = in_namespace(c) ? find_field(fields, (const char *)c->name) : NULL;
        if (f == NULL || json_object_get(object, f->name) != NULL) {
            unexpected(cv, c, "unknown or repeated element");
            continue;
        }
        char child_path[128];
        snprintf(child_path, sizeof child_path, "%s%s%s", path, path[0] != '\0' ? "." : "", f->name);
        set_line(cv, child_path, c);
        json_t *value = NULL;
        if (f->kind == F_OBJECT)
            value = convert_object(cv, c, f->fields, child_path);
        else if (f->kind == F_LIST)
            value = convert_list(cv, c, f, child_path);
        else
            value = convert_value(cv, c, f->kind);
        if (value != NULL)
            json_object_set_new(object, f->name, value);
    }
    return object;
}

static ph_status convert(const xmlDoc *doc, json_t **out_filing, json_t **out_lines,
                         struct ph_problems *problems)
{
    struct convert cv = {json_object(), problems, false};
    json_t *filing = json_object();
    json_t *documents = json_array();
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root == NULL || !in_namespace(root) || !xmlStrEqual(root->name, (const xmlChar *)"filing"))
        unexpected(&cv, root != NULL ? root : (const xmlNode *)doc, "root");
    size_t document_index = 0;
    for (const xmlNode *c = root != NULL ? root->children : NULL; c != NULL && !cv.failed; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (in_namespace(c) && xmlStrEqual(c->name, (const xmlChar *)"product") &&
            json_object_get(filing, "product") == NULL) {
            set_line(&cv, "product", c);
            json_object_set_new(filing, "product", convert_object(&cv, c, product_fields, "product"));
        } else if (in_namespace(c) && xmlStrEqual(c->name, (const xmlChar *)"document")) {
            char path[32];
            snprintf(path, sizeof path, "documents[%zu]", document_index++);
            set_line(&cv, path, c);
            json_array_append_new(documents, convert_object(&cv, c, document_fields, path));
        } else {
            unexpected(&cv, c, "unknown element under filing");
        }
    }
    json_object_set_new(filing, "documents", documents);
    bool no_memory = cv.lines == NULL || filing == NULL || documents == NULL;
    if (cv.failed || no_memory) {
        if (no_memory && !cv.failed)
            add_no_memory(problems);
        json_decref(filing);
        json_decref(cv.lines);
        return no_memory && !cv.failed ? PH_ERR_INTERNAL : PH_ERR_BAD_REQUEST;
    }
    *out_filing = filing;
    *out_lines = cv.lines;
    return PH_OK;
}

ph_status ph_filing_parse(const struct ph_filing_schema *schema, const char *bytes, size_t len,
                          json_t **out_filing, json_t **out_lines, struct ph_problems *problems)
{
    *out_filing = NULL;
    *out_lines = NULL;
    pthread_once(&libxml_once, init_libxml);
    ph_status st = check_before_parse(bytes, len, problems);
    xmlDocPtr doc = NULL;
    if (st == PH_OK)
        st = parse_xml(bytes, len, &doc, problems);
    if (st == PH_OK)
        st = validate(schema, doc, problems);
    if (st == PH_OK)
        st = convert(doc, out_filing, out_lines, problems);
    xmlFreeDoc(doc);
    return st;
}

/* --- lines for the registry's problems ----------------------------------- */

void ph_filing_add_lines(json_t *items, const json_t *lines)
{
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        if (json_object_get(item, "line") != NULL)
            continue;
        char path[256];
        const char *field = json_string_value(json_object_get(item, "field"));
        snprintf(path, sizeof path, "%s", field != NULL ? field : "");
        while (path[0] != '\0') {
            json_t *line = json_object_get(lines, path);
            if (json_is_integer(line)) {
                json_object_set_new(item, "line", json_integer(json_integer_value(line)));
                break;
            }
            /* "a.b[2]" -> "a.b" -> "a" */
            char *cut = strrchr(path, '[');
            char *dot = strrchr(path, '.');
            if (dot != NULL && (cut == NULL || dot > cut))
                cut = dot;
            if (cut == NULL)
                break;
            *cut = '\0';
        }
    }
}

int ph_filing_parse_http_status(ph_status status, const struct ph_problems *problems)
{
    if (strcmp(ph_problems_first_code(problems), "body_too_large") == 0)
        return 413;
    return ph_status_http(status);
}
