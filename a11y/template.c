/*
 * a11y/template.c - see template.h; the design is in
 * docs/internals/template.md.
 *
 * A template compiles to a flat array of operations. A section's body is
 * the operations that follow it up to its `end` index, so rendering is a
 * loop with recursion only into section bodies and partials, both bounded.
 * While compiling, a small HTML tokenizer (after the WHATWG HTML tokenizer's
 * states, simplified) reads the template's static text in order, so that
 * every tag knows whether it sits between elements, in a quoted attribute
 * value (and of which attribute), or somewhere escaping cannot protect.
 */
#include "a11y/template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n/text.h"

/* --- compiled form -------------------------------------------------------- */

enum op_kind {
    OP_TEXT,     /* source bytes [off, off + len) */
    OP_VAR,      /* the value of a name, HTML-escaped */
    OP_RAW,      /* the value of a name ending in _html, as it is */
    OP_SECTION,  /* body: the ops after this one up to `end` */
    OP_INVERTED, /* body as for OP_SECTION */
    OP_PARTIAL,  /* the template named by source bytes [off, off + len) */
    OP_INDENT,   /* nothing but OP_LINE_START: a line that starts with a closing tag */
};

enum op_flag {
    OP_LINE_START = 1, /* starts a line: a standalone partial's indentation goes first */
    OP_URL = 2,        /* OP_VAR that is a whole URL attribute value: must be a safe URL */
    OP_STANDALONE = 4, /* OP_PARTIAL alone on its line: indent each line of the partial */
};

struct tpl_seg {
    uint32_t off; /* a segment of a dotted name, in source */
    uint32_t len;
};

struct tpl_op {
    uint8_t kind;                      /* enum op_kind */
    uint8_t flags;                     /* enum op_flag */
    uint16_t seg_count;                /* name segments; 0 for {{.}} */
    uint32_t seg_first;                /* first segment in tpl->segs */
    uint32_t off;                      /* OP_TEXT: bytes; OP_PARTIAL: the name */
    uint32_t len;                      /* ... and their length */
    uint32_t end;                      /* OP_SECTION, OP_INVERTED: index after the body */
    uint32_t indent_off;               /* OP_PARTIAL standalone: its indentation */
    uint32_t indent_len;               /* ... in source */
    uint32_t pos;                      /* where the tag starts in source, for messages */
    const struct ph_template *partial; /* OP_PARTIAL, linked by ph_templates_finish() */
};

struct ph_template {
    char *name;
    char *source; /* a copy; text, names and indentation point into it */
    size_t source_len;
    struct tpl_op *ops;
    uint32_t op_count;
    uint32_t op_alloc;
    struct tpl_seg *segs;
    uint32_t seg_count;
    uint32_t seg_alloc;
};

struct ph_templates {
    struct ph_template **items; /* in name order once finished */
    size_t count;
    size_t alloc;
    bool finished;
};

/* --- messages ------------------------------------------------------------- */

const char *ph_template_status_name(enum ph_template_status status)
{
    switch (status) {
    case PH_TEMPLATE_OK:
        return "ok";
    case PH_TEMPLATE_SYNTAX:
        return "syntax error";
    case PH_TEMPLATE_TOO_BIG:
        return "too big";
    case PH_TEMPLATE_BAD_NAME:
        return "bad name";
    case PH_TEMPLATE_DUPLICATE:
        return "duplicate name";
    case PH_TEMPLATE_MISSING_PARTIAL:
        return "missing partial";
    case PH_TEMPLATE_NOT_FOUND:
        return "no such template";
    case PH_TEMPLATE_WRONG_STATE:
        return "wrong state";
    case PH_TEMPLATE_TOO_DEEP:
        return "partials nested too deep";
    case PH_TEMPLATE_TOO_MUCH_WORK:
        return "too much work";
    case PH_TEMPLATE_OUTPUT_FULL:
        return "output full";
    case PH_TEMPLATE_NO_MEMORY:
        return "out of memory";
    case PH_TEMPLATE_IO:
        return "cannot read";
    }
    return "unknown status";
}

/* The one formatting helper for messages: writes into the caller's err
 * (cut to fit, always NUL-terminated) when there is room. */
static void err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err_set(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
}

/* Line and column (in characters, both from 1) of a byte offset in valid
 * UTF-8: continuation bytes do not count. */
static void source_position(const char *src, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1;
    unsigned c = 1;
    for (size_t i = 0; i < off; i++) {
        if (src[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)src[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* --- names ---------------------------------------------------------------- */

static bool is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '-';
}

/* A template or partial name: [A-Za-z0-9_-]{1,128}. */
static bool is_template_name(const char *name, size_t len)
{
    if (len == 0 || len > PH_TEMPLATE_MAX_NAME_BYTES)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char(name[i]))
            return false;
    }
    return true;
}

/* --- the HTML context of the template's static text ----------------------- */

enum html_state {
    H_DATA,
    H_RCDATA,  /* inside <title> or <textarea>: text, entities decoded */
    H_RAWTEXT, /* inside <script>, <style>, ...: no entities, escaping useless */
    H_TAG_OPEN,
    H_END_TAG_OPEN,
    H_MARKUP_OPEN,
    H_MARKUP_DASH,
    H_COMMENT,
    H_BOGUS_COMMENT,
    H_TAG_NAME,
    H_BEFORE_ATTR_NAME,
    H_ATTR_NAME,
    H_AFTER_ATTR_NAME,
    H_BEFORE_ATTR_VALUE,
    H_VALUE_DOUBLE,
    H_VALUE_SINGLE,
    H_VALUE_UNQUOTED,
};

enum attr_kind {
    ATTR_PLAIN,
    ATTR_URL,   /* its value is a URL */
    ATTR_CODE,  /* on*, style, srcdoc: script, CSS or HTML, where escaping does not protect */
    ATTR_GLUED, /* its name touches a section tag, so another branch may give another name */
};

enum url_progress {
    URL_START,   /* nothing but static text (kept in prefix) since the value began */
    URL_SETTLED, /* a fixed prefix has made the URL safe: anything may follow */
    URL_WHOLE,   /* a checked variable began the value: only white space may follow */
};

#define HTML_NAME_MAX  16
#define URL_PREFIX_MAX 24

struct html_ctx {
    uint8_t state;      /* enum html_state */
    uint8_t attr_kind;  /* enum attr_kind, in the value states */
    uint8_t url;        /* enum url_progress, in a URL attribute's value */
    uint8_t dashes;     /* H_COMMENT: '-' seen just before (2 = "--", 3 = "--!") */
    uint8_t raw_match;  /* H_RAWTEXT, H_RCDATA: bytes of "</tag" matched */
    bool end_tag;       /* the tag being read is an end tag */
    bool tag_long;      /* the tag name did not fit */
    bool attr_long;     /* the attribute name did not fit */
    bool attr_glued;    /* a section tag touches the attribute name (no space between) */
    bool after_section; /* no static text since the last section tag */
    bool need_space;    /* a section tag cut a tag name: the next text must separate */
    uint8_t tag_len;    /* lower-case tag name */
    uint8_t attr_len;   /* lower-case attribute name */
    uint8_t prefix_len; /* URL_START: significant bytes of the value so far */
    uint32_t opened;    /* source offset where the current tag or comment began */
    char tag[HTML_NAME_MAX];
    char attr[HTML_NAME_MAX];
    char prefix[URL_PREFIX_MAX];
};

static bool html_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f';
}

static bool ascii_alpha(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static char ascii_lower(unsigned char ch)
{
    return (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
}

static bool name_is(const char *name, uint8_t len, const char *literal)
{
    size_t n = strlen(literal);
    return len == n && memcmp(name, literal, n) == 0;
}

static bool tag_is_rawtext(const struct html_ctx *h)
{
    static const char *const names[] = {"script",  "style",    "xmp",      "iframe",
                                        "noembed", "noframes", "plaintext"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!h->tag_long && name_is(h->tag, h->tag_len, names[i]))
            return true;
    }
    return false;
}

static bool tag_is_rcdata(const struct html_ctx *h)
{
    return !h->tag_long && (name_is(h->tag, h->tag_len, "title") || name_is(h->tag, h->tag_len, "textarea"));
}

static enum attr_kind attr_classify(const struct html_ctx *h)
{
    if (h->attr_glued)
        return ATTR_GLUED;
    static const char *const url_attrs[] = {"href",   "src",      "action",     "formaction",
                                            "poster", "cite",     "data",       "codebase",
                                            "ping",   "manifest", "background", "xlink:href"};
    if (h->attr_long)
        return ATTR_PLAIN;
    if (h->attr_len >= 2 && h->attr[0] == 'o' && h->attr[1] == 'n')
        return ATTR_CODE;
    if (name_is(h->attr, h->attr_len, "style") || name_is(h->attr, h->attr_len, "srcdoc"))
        return ATTR_CODE;
    for (size_t i = 0; i < sizeof url_attrs / sizeof url_attrs[0]; i++) {
        if (name_is(h->attr, h->attr_len, url_attrs[i]))
            return ATTR_URL;
    }
    return ATTR_PLAIN;
}

static void name_append(char *name, uint8_t *len, bool *too_long, unsigned char ch)
{
    if (*len < HTML_NAME_MAX)
        name[(*len)++] = ascii_lower(ch);
    else
        *too_long = true;
}

static void html_tag_done(struct html_ctx *h)
{
    if (!h->end_tag && tag_is_rawtext(h)) {
        h->state = H_RAWTEXT;
        h->raw_match = 0;
    } else if (!h->end_tag && tag_is_rcdata(h)) {
        h->state = H_RCDATA;
        h->raw_match = 0;
    } else {
        h->state = H_DATA;
    }
}

static void html_value_start(struct html_ctx *h, enum html_state state)
{
    h->state = (uint8_t)state;
    h->attr_kind = (uint8_t)attr_classify(h);
    h->url = URL_START;
    h->prefix_len = 0;
}

/* In <script> etc.: looks for "</tag" (any case). */
static void html_raw_char(struct html_ctx *h, unsigned char ch)
{
    char want;
    if (h->raw_match == 0)
        want = '<';
    else if (h->raw_match == 1)
        want = '/';
    else
        want = h->tag[h->raw_match - 2];
    if (ascii_lower(ch) == want) {
        h->raw_match++;
        if (h->raw_match == h->tag_len + 2) {
            h->state = H_TAG_NAME;
            h->end_tag = true;
        }
    } else {
        h->raw_match = ch == '<' ? 1 : 0;
    }
}

static void html_comment_char(struct html_ctx *h, unsigned char ch)
{
    if (ch == '-') {
        h->dashes = h->dashes == 3 ? 1 : (uint8_t)(h->dashes < 2 ? h->dashes + 1 : 2);
    } else if (ch == '>' && h->dashes >= 2) {
        h->state = H_DATA;
    } else if (ch == '!' && h->dashes == 2) {
        h->dashes = 3;
    } else {
        h->dashes = 0;
    }
}

/* Feeds one byte of static text at source offset pos. Returns false (and
 * *message says why) for text that would change what a tag before it
 * meant: text after a whole-value URL variable, or text that would glue
 * onto a tag name cut by a section tag. */
static bool html_feed(struct html_ctx *h, unsigned char ch, size_t pos, const char **message)
{
    bool after_section = h->after_section;
    h->after_section = false;
    if (h->need_space) {
        h->need_space = false;
        if (!(html_space(ch) || ch == '/' || ch == '>')) {
            *message = "a section tag right after a tag name must be followed by a space, \"/\" or \">\"";
            return false;
        }
    }
    for (;;) {
        switch ((enum html_state)h->state) {
        case H_DATA:
            if (ch == '<') {
                h->state = H_TAG_OPEN;
                h->opened = (uint32_t)pos;
            }
            return true;
        case H_RCDATA:
        case H_RAWTEXT:
            html_raw_char(h, ch);
            return true;
        case H_TAG_OPEN:
            if (ascii_alpha(ch)) {
                h->state = H_TAG_NAME;
                h->end_tag = false;
                h->tag_len = 0;
                h->tag_long = false;
                name_append(h->tag, &h->tag_len, &h->tag_long, ch);
                return true;
            }
            if (ch == '/') {
                h->state = H_END_TAG_OPEN;
                return true;
            }
            if (ch == '!') {
                h->state = H_MARKUP_OPEN;
                return true;
            }
            if (ch == '?') {
                h->state = H_BOGUS_COMMENT;
                return true;
            }
            h->state = H_DATA; /* "<" was text; look at ch again */
            continue;
        case H_END_TAG_OPEN:
            if (ascii_alpha(ch)) {
                h->state = H_TAG_NAME;
                h->end_tag = true;
                h->tag_len = 0;
                h->tag_long = false;
                name_append(h->tag, &h->tag_len, &h->tag_long, ch);
            } else {
                h->state = ch == '>' ? H_DATA : H_BOGUS_COMMENT;
            }
            return true;
        case H_MARKUP_OPEN:
            if (ch == '-') {
                h->state = H_MARKUP_DASH;
                return true;
            }
            h->state = H_BOGUS_COMMENT;
            continue;
        case H_MARKUP_DASH:
            if (ch == '-') {
                h->state = H_COMMENT;
                h->dashes = 2; /* "<!-->" ends at once, as in browsers */
                return true;
            }
            h->state = H_BOGUS_COMMENT;
            continue;
        case H_COMMENT:
            html_comment_char(h, ch);
            return true;
        case H_BOGUS_COMMENT:
            if (ch == '>')
                h->state = H_DATA;
            return true;
        case H_TAG_NAME:
            if (html_space(ch) || ch == '/')
                h->state = H_BEFORE_ATTR_NAME;
            else if (ch == '>')
                html_tag_done(h);
            else
                name_append(h->tag, &h->tag_len, &h->tag_long, ch);
            return true;
        case H_BEFORE_ATTR_NAME:
            if (html_space(ch) || ch == '/')
                return true;
            if (ch == '>') {
                html_tag_done(h);
                return true;
            }
            h->state = H_ATTR_NAME;
            h->attr_len = 0;
            h->attr_long = false;
            h->attr_glued = after_section;
            name_append(h->attr, &h->attr_len, &h->attr_long, ch);
            return true;
        case H_ATTR_NAME:
            if (html_space(ch))
                h->state = H_AFTER_ATTR_NAME;
            else if (ch == '/')
                h->state = H_BEFORE_ATTR_NAME;
            else if (ch == '=')
                h->state = H_BEFORE_ATTR_VALUE;
            else if (ch == '>')
                html_tag_done(h);
            else
                name_append(h->attr, &h->attr_len, &h->attr_long, ch);
            return true;
        case H_AFTER_ATTR_NAME:
            if (html_space(ch))
                return true;
            if (ch == '/') {
                h->state = H_BEFORE_ATTR_NAME;
            } else if (ch == '=') {
                h->state = H_BEFORE_ATTR_VALUE;
            } else if (ch == '>') {
                html_tag_done(h);
            } else {
                h->state = H_ATTR_NAME;
                h->attr_len = 0;
                h->attr_long = false;
                h->attr_glued = after_section;
                name_append(h->attr, &h->attr_len, &h->attr_long, ch);
            }
            return true;
        case H_BEFORE_ATTR_VALUE:
            if (html_space(ch))
                return true;
            if (ch == '"') {
                html_value_start(h, H_VALUE_DOUBLE);
                return true;
            }
            if (ch == '\'') {
                html_value_start(h, H_VALUE_SINGLE);
                return true;
            }
            if (ch == '>') {
                html_tag_done(h);
                return true;
            }
            html_value_start(h, H_VALUE_UNQUOTED);
            continue;
        case H_VALUE_DOUBLE:
        case H_VALUE_SINGLE:
        case H_VALUE_UNQUOTED:
            if ((h->state == H_VALUE_DOUBLE && ch == '"') || (h->state == H_VALUE_SINGLE && ch == '\'') ||
                (h->state == H_VALUE_UNQUOTED && html_space(ch))) {
                h->state = H_BEFORE_ATTR_NAME;
                return true;
            }
            if (h->state == H_VALUE_UNQUOTED && ch == '>') {
                html_tag_done(h);
                return true;
            }
            if (h->attr_kind != ATTR_URL)
                return true;
            if (h->url == URL_WHOLE && ch > 0x20) {
                *message = "a variable that starts a URL attribute value must be the whole value";
                return false;
            }
            /* Browsers drop leading spaces and controls, and tabs and
             * newlines anywhere in a URL: keep what they keep. */
            if (h->url == URL_START && !(h->prefix_len == 0 && ch <= 0x20) && ch != '\t' && ch != '\n' &&
                ch != '\r' && h->prefix_len < URL_PREFIX_MAX)
                h->prefix[h->prefix_len++] = (char)ch;
            return true;
        }
        return true;
    }
}

/* The parts of two contexts that decide what a tag may do. */
static bool html_same_context(const struct html_ctx *a, const struct html_ctx *b)
{
    bool between_a =
        a->state == H_BEFORE_ATTR_NAME || a->state == H_ATTR_NAME || a->state == H_AFTER_ATTR_NAME;
    bool between_b =
        b->state == H_BEFORE_ATTR_NAME || b->state == H_ATTR_NAME || b->state == H_AFTER_ATTR_NAME;
    if (a->state != b->state && !(between_a && between_b))
        return false;
    bool same_tag = a->end_tag == b->end_tag && a->tag_len == b->tag_len && a->tag_long == b->tag_long &&
                    memcmp(a->tag, b->tag, a->tag_len) == 0;
    switch ((enum html_state)a->state) {
    case H_DATA:
    case H_BOGUS_COMMENT:
        return true;
    case H_COMMENT:
        return a->dashes == b->dashes;
    case H_RCDATA:
    case H_RAWTEXT:
        return same_tag && a->raw_match == b->raw_match;
    case H_VALUE_DOUBLE:
    case H_VALUE_SINGLE:
    case H_VALUE_UNQUOTED:
        return same_tag && a->attr_kind == b->attr_kind && a->url == b->url;
    case H_BEFORE_ATTR_NAME:
    case H_ATTR_NAME:
    case H_AFTER_ATTR_NAME: {
        /* Between attributes: a name that a section touches can never take
         * a value with a variable, so it counts as no name at all; a name
         * that could still take a value must be the same. */
        bool a_named = a->state != H_BEFORE_ATTR_NAME && !a->attr_glued;
        bool b_named = b->state != H_BEFORE_ATTR_NAME && !b->attr_glued;
        if (!same_tag || a_named != b_named)
            return false;
        return !a_named || (a->state == b->state && a->attr_long == b->attr_long &&
                            a->attr_len == b->attr_len && memcmp(a->attr, b->attr, a->attr_len) == 0);
    }
    default:
        return same_tag; /* inside a tag: the same one */
    }
}

/* --- URL safety ----------------------------------------------------------- */

enum url_verdict {
    URL_VERDICT_SAFE,
    URL_VERDICT_UNSAFE,
    URL_VERDICT_SLASH,      /* just "/": safe, but what follows could make it "//" */
    URL_VERDICT_UNFINISHED, /* empty, or letters that may yet become a scheme */
};

/* The next byte a browser's URL parser would see, skipping tab, LF and CR;
 * -1 at the end. */
static int url_next(const char *s, size_t len, size_t *i)
{
    while (*i < len && (s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r'))
        (*i)++;
    if (*i >= len)
        return -1;
    return (unsigned char)s[(*i)++];
}

/* Judges the start of a URL the way browsers read it: leading C0 controls
 * and spaces ignored, tab and newlines dropped anywhere, "\" like "/" after
 * a "/". from_template: the text is template source, where "&" may start a
 * character reference that hides a "/" or ":", so it is not trusted. */
static enum url_verdict url_judge(const char *s, size_t len, bool from_template)
{
    size_t i = 0;
    while (i < len && (unsigned char)s[i] <= 0x20)
        i++;
    int first = url_next(s, len, &i);
    if (first < 0)
        return URL_VERDICT_UNFINISHED;
    if (first == '?' || first == '#')
        return URL_VERDICT_SAFE;
    if (first == '/') {
        int second = url_next(s, len, &i);
        if (second < 0)
            return URL_VERDICT_SLASH;
        if (second == '/' || second == '\\' || (from_template && second == '&'))
            return URL_VERDICT_UNSAFE;
        return URL_VERDICT_SAFE;
    }
    if (!ascii_alpha((unsigned char)first))
        return URL_VERDICT_UNSAFE;
    char scheme[8];
    size_t scheme_len = 0;
    int ch = first;
    for (;;) {
        if (scheme_len < sizeof scheme)
            scheme[scheme_len] = ascii_lower((unsigned char)ch);
        scheme_len++;
        ch = url_next(s, len, &i);
        if (ch < 0)
            return URL_VERDICT_UNFINISHED;
        if (ch == ':')
            break;
        if (!(ascii_alpha((unsigned char)ch) || (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
              ch == '.'))
            return URL_VERDICT_UNSAFE; /* a relative path such as "a/b": not on our list */
    }
    static const char *const safe[] = {"http", "https", "mailto", "tel"};
    for (size_t k = 0; k < sizeof safe / sizeof safe[0]; k++) {
        if (scheme_len == strlen(safe[k]) && memcmp(scheme, safe[k], scheme_len) == 0)
            return URL_VERDICT_SAFE;
    }
    return URL_VERDICT_UNSAFE;
}

/* --- compiling ------------------------------------------------------------ */

enum tag_kind {
    TAG_VAR,
    TAG_RAW,
    TAG_SECTION,
    TAG_INVERTED,
    TAG_CLOSE,
    TAG_PARTIAL,
    TAG_COMMENT,
};

struct tag {
    enum tag_kind kind;
    size_t start;    /* "{{" */
    size_t end;      /* just after "}}" */
    size_t name_off; /* the name without padding */
    size_t name_len;
};

struct section_frame {
    uint32_t op;
    size_t pos;
    size_t name_off;
    size_t name_len;
    struct html_ctx html; /* the context at the opening tag */
};

struct compiler {
    struct ph_template *tpl;
    const char *src;
    size_t len;
    char *err;
    size_t errlen;
    enum ph_template_status status;
    bool at_line_start; /* the next op begins a line of the source */
    struct html_ctx html;
    struct section_frame stack[PH_TEMPLATE_MAX_NESTING];
    size_t depth;
};

static bool fail_at(struct compiler *c, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail_at(struct compiler *c, size_t pos, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (n < 0)
        message[0] = '\0';
    unsigned line;
    unsigned col;
    source_position(c->src, pos, &line, &col);
    err_set(c->err, c->errlen, "%s:%u:%u: %s", c->tpl->name, line, col, message);
    c->status = PH_TEMPLATE_SYNTAX;
    return false;
}

static bool fail_memory(struct compiler *c)
{
    err_set(c->err, c->errlen, "%s: out of memory", c->tpl->name);
    c->status = PH_TEMPLATE_NO_MEMORY;
    return false;
}

static struct tpl_op *op_new(struct compiler *c, enum op_kind kind, size_t pos)
{
    struct ph_template *t = c->tpl;
    if (t->op_count == t->op_alloc) {
        uint32_t next = t->op_alloc ? t->op_alloc * 2 : 16;
        struct tpl_op *grown = realloc(t->ops, next * sizeof *grown);
        if (grown == NULL) {
            fail_memory(c);
            return NULL;
        }
        t->ops = grown;
        t->op_alloc = next;
    }
    struct tpl_op *op = &t->ops[t->op_count++];
    memset(op, 0, sizeof *op);
    op->kind = (uint8_t)kind;
    op->pos = (uint32_t)pos;
    return op;
}

static bool seg_add(struct compiler *c, size_t off, size_t len)
{
    struct ph_template *t = c->tpl;
    if (t->seg_count == t->seg_alloc) {
        uint32_t next = t->seg_alloc ? t->seg_alloc * 2 : 16;
        struct tpl_seg *grown = realloc(t->segs, next * sizeof *grown);
        if (grown == NULL)
            return fail_memory(c);
        t->segs = grown;
        t->seg_alloc = next;
    }
    t->segs[t->seg_count].off = (uint32_t)off;
    t->segs[t->seg_count].len = (uint32_t)len;
    t->seg_count++;
    return true;
}

/* Static text [a, b) becomes an OP_TEXT (the HTML context reads it first). */
static bool emit_text(struct compiler *c, size_t a, size_t b)
{
    if (b <= a)
        return true;
    for (size_t i = a; i < b; i++) {
        const char *message = NULL;
        if (!html_feed(&c->html, (unsigned char)c->src[i], i, &message))
            return fail_at(c, i, "%s", message);
    }
    struct tpl_op *op = op_new(c, OP_TEXT, a);
    if (op == NULL)
        return false;
    op->off = (uint32_t)a;
    op->len = (uint32_t)(b - a);
    op->flags = c->at_line_start ? OP_LINE_START : 0;
    c->at_line_start = c->src[b - 1] == '\n';
    return true;
}

/* Checks a variable name ("." or segments of [A-Za-z0-9_-] joined by
 * single dots) and, when op is not NULL, stores its segments in the op. */
static bool name_compile(struct compiler *c, const struct tag *tag, struct tpl_op *op)
{
    const char *name = c->src + tag->name_off;
    size_t len = tag->name_len;
    if (len == 0)
        return fail_at(c, tag->start, "empty tag name");
    if (len > PH_TEMPLATE_MAX_NAME_BYTES)
        return fail_at(c, tag->name_off, "tag name longer than %d bytes", PH_TEMPLATE_MAX_NAME_BYTES);
    if (op != NULL) {
        op->seg_first = c->tpl->seg_count;
        op->seg_count = 0;
    }
    if (len == 1 && name[0] == '.')
        return true;
    size_t seg_start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && is_name_char(name[i]))
            continue;
        if (i < len && name[i] != '.')
            return fail_at(c, tag->name_off + i,
                           "bad character in tag name (names are letters, digits, _ and - joined by dots)");
        if (i == seg_start)
            return fail_at(c, tag->name_off + i, "empty segment in dotted tag name");
        if (op != NULL) {
            if (!seg_add(c, tag->name_off + seg_start, i - seg_start))
                return false;
            op->seg_count++;
        }
        seg_start = i + 1;
    }
    return true;
}

static size_t find_pair(const char *s, size_t from, size_t len, char ch);

/* Reads the tag that starts at `open` ("{{"). */
static bool tag_parse(struct compiler *c, size_t open, struct tag *tag)
{
    const char *src = c->src;
    size_t len = c->len;
    size_t p = open + 2;
    memset(tag, 0, sizeof *tag);
    tag->start = open;
    if (p < len && src[p] == '{')
        return fail_at(c, open,
                       "triple mustache {{{...}}} is not allowed; raw HTML is written {{&name_html}}");
    tag->kind = TAG_VAR;
    if (p < len) {
        switch (src[p]) {
        case '#':
            tag->kind = TAG_SECTION;
            break;
        case '^':
            tag->kind = TAG_INVERTED;
            break;
        case '/':
            tag->kind = TAG_CLOSE;
            break;
        case '>':
            tag->kind = TAG_PARTIAL;
            break;
        case '&':
            tag->kind = TAG_RAW;
            break;
        case '!':
            tag->kind = TAG_COMMENT;
            break;
        case '=':
            return fail_at(c, open, "set-delimiter tags {{=...=}} are not supported");
        default:
            break;
        }
        if (tag->kind != TAG_VAR)
            p++;
    }
    size_t close_off = find_pair(src, p, len, '}');
    if (close_off == len)
        return fail_at(c, open, "unterminated tag: \"{{\" without \"}}\"");
    tag->end = close_off + 2;
    while (p < close_off && (src[p] == ' ' || src[p] == '\t'))
        p++;
    size_t q = close_off;
    while (q > p && (src[q - 1] == ' ' || src[q - 1] == '\t'))
        q--;
    tag->name_off = p;
    tag->name_len = q - p;
    return true;
}

/* What the HTML context allows for a tag; may change the context (a URL
 * value's progress, the end of an attribute name before a section). */
static bool html_check_tag_in(struct compiler *c, const struct tag *tag, uint8_t *flags);

static bool html_check_tag(struct compiler *c, const struct tag *tag, uint8_t *flags)
{
    if (!html_check_tag_in(c, tag, flags))
        return false;
    if (tag->kind == TAG_SECTION || tag->kind == TAG_INVERTED || tag->kind == TAG_CLOSE)
        c->html.after_section = true;
    return true;
}

static bool html_check_tag_in(struct compiler *c, const struct tag *tag, uint8_t *flags)
{
    struct html_ctx *h = &c->html;
    enum html_state state = (enum html_state)h->state;
    bool is_section = tag->kind == TAG_SECTION || tag->kind == TAG_INVERTED || tag->kind == TAG_CLOSE;
    if (tag->kind == TAG_RAW || tag->kind == TAG_PARTIAL) {
        if (state != H_DATA)
            return fail_at(c, tag->start,
                           "%s is only allowed between HTML elements, not inside a tag, comment or "
                           "<title>, <textarea> or raw-text element",
                           tag->kind == TAG_RAW ? "raw HTML {{&...}}" : "a partial {{>...}}");
        return true;
    }
    switch (state) {
    case H_DATA:
    case H_RCDATA:
    case H_COMMENT:
        return true;
    case H_BOGUS_COMMENT:
    case H_BEFORE_ATTR_NAME:
        if (is_section)
            return true;
        break;
    case H_RAWTEXT:
        if (is_section)
            return true;
        return fail_at(c, tag->start, "variable inside <%.*s>, where HTML escaping does not protect",
                       (int)h->tag_len, h->tag);
    case H_AFTER_ATTR_NAME:
        if (is_section)
            return true;
        break;
    case H_ATTR_NAME:
        if (is_section) {
            h->attr_glued = true; /* another branch may continue the name */
            return true;
        }
        break;
    case H_TAG_NAME:
        if (is_section) {
            /* The name ends here; the text after must not continue it. */
            h->state = H_BEFORE_ATTR_NAME;
            h->need_space = true;
            return true;
        }
        break;
    case H_VALUE_DOUBLE:
    case H_VALUE_SINGLE:
        if (h->attr_kind == ATTR_CODE || h->attr_kind == ATTR_GLUED) {
            if (is_section)
                return true;
            if (h->attr_kind == ATTR_GLUED)
                return fail_at(c, tag->start,
                               "variable in the value of an attribute whose name touches a section tag "
                               "(put a space between them)");
            return fail_at(c, tag->start,
                           "variable inside an event-handler, style or srcdoc attribute (%.*s)",
                           (int)h->attr_len, h->attr);
        }
        if (h->attr_kind == ATTR_PLAIN || h->url == URL_SETTLED)
            return true;
        if (h->url == URL_WHOLE)
            return fail_at(c, tag->start,
                           "a variable that starts a URL attribute value must be the whole value");
        if (h->prefix_len == 0 && !is_section) {
            *flags |= OP_URL;
            h->url = URL_WHOLE;
            return true;
        }
        if (h->prefix_len > 0 && url_judge(h->prefix, h->prefix_len, true) == URL_VERDICT_SAFE) {
            h->url = URL_SETTLED;
            return true;
        }
        return fail_at(c, tag->start,
                       "the %.*s attribute must be one variable or start with a fixed safe prefix "
                       "(\"/path\", \"?\", \"#\", \"https://\", \"http://\", \"mailto:\" or \"tel:\")",
                       (int)h->attr_len, h->attr);
    case H_VALUE_UNQUOTED:
    case H_BEFORE_ATTR_VALUE:
        return fail_at(c, tag->start, "tag in an unquoted attribute value: quote the value");
    default:
        break;
    }
    return fail_at(c, tag->start, "%s inside an HTML tag outside a quoted attribute value",
                   is_section ? "section tag" : "variable");
}

static bool compile_section_open(struct compiler *c, const struct tag *tag, bool standalone)
{
    if (c->depth == PH_TEMPLATE_MAX_NESTING)
        return fail_at(c, tag->start, "sections nested deeper than %d", PH_TEMPLATE_MAX_NESTING);
    uint8_t flags = 0;
    if (!html_check_tag(c, tag, &flags))
        return false;
    struct tpl_op *op = op_new(c, tag->kind == TAG_SECTION ? OP_SECTION : OP_INVERTED, tag->start);
    if (op == NULL || !name_compile(c, tag, op))
        return false;
    op->flags = !standalone && c->at_line_start ? OP_LINE_START : 0;
    struct section_frame *frame = &c->stack[c->depth++];
    frame->op = c->tpl->op_count - 1;
    frame->pos = tag->start;
    frame->name_off = tag->name_off;
    frame->name_len = tag->name_len;
    frame->html = c->html;
    c->at_line_start = standalone;
    return true;
}

static bool compile_section_close(struct compiler *c, const struct tag *tag, bool standalone)
{
    const char *name = c->src + tag->name_off;
    if (!name_compile(c, tag, NULL))
        return false;
    if (c->depth == 0)
        return fail_at(c, tag->start, "closing tag {{/%.*s}} without an open section", (int)tag->name_len,
                       name);
    struct section_frame *frame = &c->stack[c->depth - 1];
    if (frame->name_len != tag->name_len || memcmp(c->src + frame->name_off, name, tag->name_len) != 0) {
        unsigned line;
        unsigned col;
        source_position(c->src, frame->pos, &line, &col);
        return fail_at(c, tag->start, "closing tag {{/%.*s}} does not match {{#%.*s}} opened at %u:%u",
                       (int)tag->name_len, name, (int)frame->name_len, c->src + frame->name_off, line, col);
    }
    uint8_t flags = 0;
    if (!html_check_tag(c, tag, &flags))
        return false;
    /* When the section is skipped, the text after it follows what came
     * before the section: a tag name it cut must not continue there. */
    if (frame->html.need_space)
        c->html.need_space = true;
    if (!html_same_context(&frame->html, &c->html)) {
        unsigned line;
        unsigned col;
        source_position(c->src, frame->pos, &line, &col);
        return fail_at(c, tag->start,
                       "section {{#%.*s}} opened at %u:%u ends in another HTML context than it began "
                       "(close every tag, attribute and comment inside the section)",
                       (int)frame->name_len, c->src + frame->name_off, line, col);
    }
    if (!standalone && c->at_line_start) {
        struct tpl_op *indent = op_new(c, OP_INDENT, tag->start);
        if (indent == NULL)
            return false;
        indent->flags = OP_LINE_START;
    }
    c->tpl->ops[frame->op].end = c->tpl->op_count;
    c->depth--;
    c->at_line_start = standalone;
    return true;
}

static bool compile_partial(struct compiler *c, const struct tag *tag, bool standalone, size_t indent_off,
                            size_t indent_len)
{
    if (tag->name_len == 0)
        return fail_at(c, tag->start, "empty partial name");
    if (!is_template_name(c->src + tag->name_off, tag->name_len))
        return fail_at(c, tag->name_off,
                       "bad partial name (template names are letters, digits, _ and -, "
                       "at most 128 bytes)");
    uint8_t flags = 0;
    if (!html_check_tag(c, tag, &flags))
        return false;
    struct tpl_op *op = op_new(c, OP_PARTIAL, tag->start);
    if (op == NULL)
        return false;
    op->off = (uint32_t)tag->name_off;
    op->len = (uint32_t)tag->name_len;
    if (standalone) {
        op->flags = OP_STANDALONE;
        op->indent_off = (uint32_t)indent_off;
        op->indent_len = (uint32_t)indent_len;
    } else {
        op->flags = c->at_line_start ? OP_LINE_START : 0;
    }
    c->at_line_start = standalone;
    return true;
}

static bool compile_variable(struct compiler *c, const struct tag *tag)
{
    struct tpl_op *op = op_new(c, tag->kind == TAG_RAW ? OP_RAW : OP_VAR, tag->start);
    if (op == NULL)
        return false;
    uint32_t index = c->tpl->op_count - 1;
    if (!name_compile(c, tag, op))
        return false;
    if (tag->kind == TAG_RAW) {
        const struct tpl_seg *last = op->seg_count ? &c->tpl->segs[op->seg_first + op->seg_count - 1] : NULL;
        if (last == NULL || last->len < 5 || memcmp(c->src + last->off + last->len - 5, "_html", 5) != 0)
            return fail_at(c, tag->start, "raw tag {{&%.*s}} needs a name ending in _html",
                           (int)tag->name_len, c->src + tag->name_off);
    }
    uint8_t flags = 0;
    if (!html_check_tag(c, tag, &flags))
        return false;
    op = &c->tpl->ops[index];
    op->flags = (uint8_t)(flags | (c->at_line_start ? OP_LINE_START : 0));
    c->at_line_start = false;
    return true;
}

/* Offset of the first `ch ch` pair in s[from, len), or len. (memmem is a
 * GNU extension; this is all we need of it.) */
static size_t find_pair(const char *s, size_t from, size_t len, char ch)
{
    size_t i = from;
    while (i + 1 < len) {
        const char *hit = memchr(s + i, ch, len - 1 - i);
        if (hit == NULL)
            return len;
        i = (size_t)(hit - s);
        if (s[i + 1] == ch)
            return i;
        i++;
    }
    return len;
}

static bool is_blank(const char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    }
    return true;
}

/* Mustache's standalone rule: a section, inverted, closing, comment or
 * partial tag with only spaces and tabs around it on its line takes the
 * whole line with it. Sets *next to just after the line's end. */
static bool tag_standalone(const struct compiler *c, const struct tag *tag, size_t line_begin,
                           size_t prev_tag_end, size_t *next)
{
    if (tag->kind == TAG_VAR || tag->kind == TAG_RAW)
        return false;
    if (prev_tag_end > line_begin || !is_blank(c->src, line_begin, tag->start))
        return false;
    size_t p = tag->end;
    while (p < c->len && (c->src[p] == ' ' || c->src[p] == '\t'))
        p++;
    if (p == c->len) {
        *next = p;
        return true;
    }
    if (c->src[p] == '\n') {
        *next = p + 1;
        return true;
    }
    if (c->src[p] == '\r' && p + 1 < c->len && c->src[p + 1] == '\n') {
        *next = p + 2;
        return true;
    }
    return false;
}

static size_t line_begin_after(const char *src, size_t a, size_t b, size_t line_begin)
{
    if (b <= a)
        return line_begin;
    for (size_t i = b; i > a; i--) {
        if (src[i - 1] == '\n')
            return i;
    }
    return line_begin;
}

static bool compile_tag(struct compiler *c, const struct tag *tag, bool standalone, size_t line_begin)
{
    switch (tag->kind) {
    case TAG_COMMENT:
        if (standalone)
            c->at_line_start = true;
        return true;
    case TAG_VAR:
    case TAG_RAW:
        return compile_variable(c, tag);
    case TAG_SECTION:
    case TAG_INVERTED:
        return compile_section_open(c, tag, standalone);
    case TAG_CLOSE:
        return compile_section_close(c, tag, standalone);
    case TAG_PARTIAL:
        return compile_partial(c, tag, standalone, line_begin, standalone ? tag->start - line_begin : 0);
    }
    return true;
}

static bool compile(struct compiler *c)
{
    const char *src = c->src;
    size_t len = c->len;
    size_t pos = 0;
    size_t line_begin = 0;
    size_t prev_tag_end = 0;
    c->at_line_start = true;
    for (;;) {
        size_t open = find_pair(src, pos, len, '{');
        if (open == len) {
            if (!emit_text(c, pos, len))
                return false;
            break;
        }
        line_begin = line_begin_after(src, pos, open, line_begin);
        struct tag tag;
        if (!tag_parse(c, open, &tag))
            return false;
        size_t next = tag.end;
        bool standalone = tag_standalone(c, &tag, line_begin, prev_tag_end, &next);
        if (!emit_text(c, pos, standalone ? line_begin : open))
            return false;
        if (!compile_tag(c, &tag, standalone, line_begin))
            return false;
        prev_tag_end = tag.end;
        line_begin = line_begin_after(src, open, next, line_begin);
        pos = next;
    }
    if (c->depth > 0) {
        const struct section_frame *frame = &c->stack[c->depth - 1];
        return fail_at(c, frame->pos, "section {{#%.*s}} is never closed", (int)frame->name_len,
                       src + frame->name_off);
    }
    switch ((enum html_state)c->html.state) {
    case H_DATA:
        return true;
    case H_RCDATA:
    case H_RAWTEXT:
        return fail_at(c, c->html.opened, "<%.*s> element is not closed by the end of the template",
                       (int)c->html.tag_len, c->html.tag);
    case H_COMMENT:
    case H_BOGUS_COMMENT:
    case H_MARKUP_OPEN:
    case H_MARKUP_DASH:
        return fail_at(c, c->html.opened, "HTML comment is not closed by the end of the template");
    default:
        return fail_at(c, c->html.opened, "HTML tag is not closed by the end of the template");
    }
}

/* Reports where the first malformed UTF-8 sequence is: each sequence's
 * length comes from its first byte, i18n judges it. */
static void report_bad_utf8(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    unsigned line = 1;
    unsigned col = 1;
    size_t i = 0;
    while (i < len) {
        unsigned char lead = (unsigned char)text[i];
        size_t n = lead < 0x80             ? 1
                   : (lead & 0xE0) == 0xC0 ? 2
                   : (lead & 0xF0) == 0xE0 ? 3
                   : (lead & 0xF8) == 0xF0 ? 4
                                           : 0;
        if (n == 0 || n > len - i || !ph_text_is_valid_utf8(text + i, n))
            break;
        if (lead == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += n;
    }
    err_set(err, errlen, "%s:%u:%u: template is not valid UTF-8", name, line, col);
}

static void template_free(struct ph_template *t)
{
    if (t == NULL)
        return;
    free(t->name);
    free(t->source);
    free(t->ops);
    free(t->segs);
    free(t);
}

/* --- the set -------------------------------------------------------------- */

struct ph_templates *ph_templates_new(void)
{
    return calloc(1, sizeof(struct ph_templates));
}

void ph_templates_free(struct ph_templates *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++)
        template_free(set->items[i]);
    free(set->items);
    free(set);
}

static int compare_templates(const void *a, const void *b)
{
    const struct ph_template *const *x = a;
    const struct ph_template *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* The template called name[0..len), or NULL. Binary search once finished. */
static const struct ph_template *find_template(const struct ph_templates *set, const char *name, size_t len)
{
    if (!set->finished) {
        for (size_t i = 0; i < set->count; i++) {
            const struct ph_template *t = set->items[i];
            if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
                return t;
        }
        return NULL;
    }
    size_t lo = 0;
    size_t hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct ph_template *t = set->items[mid];
        size_t tlen = strlen(t->name);
        int cmp = memcmp(t->name, name, tlen < len ? tlen : len);
        if (cmp == 0)
            cmp = tlen < len ? -1 : tlen > len ? 1 : 0;
        if (cmp == 0)
            return t;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool ph_templates_has(const struct ph_templates *set, const char *name)
{
    return set != NULL && name != NULL && find_template(set, name, strlen(name)) != NULL;
}

enum ph_template_status ph_templates_add(struct ph_templates *set, const char *name, const char *text,
                                         size_t len, char *err, size_t errlen)
{
    err_set(err, errlen, "%s", "");
    if (set->finished) {
        err_set(err, errlen, "%s: the set is finished and read-only", name);
        return PH_TEMPLATE_WRONG_STATE;
    }
    size_t name_len = strlen(name);
    if (!is_template_name(name, name_len)) {
        err_set(err, errlen, "%.*s: bad template name (letters, digits, _ and -, at most %d bytes)",
                (int)(name_len > 64 ? 64 : name_len), name, PH_TEMPLATE_MAX_NAME_BYTES);
        return PH_TEMPLATE_BAD_NAME;
    }
    if (find_template(set, name, name_len) != NULL) {
        err_set(err, errlen, "%s: a template of this name is already in the set", name);
        return PH_TEMPLATE_DUPLICATE;
    }
    if (set->count >= PH_TEMPLATES_MAX_COUNT) {
        err_set(err, errlen, "%s: the set already holds %d templates", name, PH_TEMPLATES_MAX_COUNT);
        return PH_TEMPLATE_TOO_BIG;
    }
    if (len > PH_TEMPLATE_MAX_SOURCE_BYTES) {
        err_set(err, errlen, "%s: template is larger than %u bytes", name, PH_TEMPLATE_MAX_SOURCE_BYTES);
        return PH_TEMPLATE_TOO_BIG;
    }
    if (!ph_text_is_valid_utf8(text, len)) {
        report_bad_utf8(name, text, len, err, errlen);
        return PH_TEMPLATE_SYNTAX;
    }
    if (set->count == set->alloc) {
        size_t next = set->alloc ? set->alloc * 2 : 16;
        struct ph_template **grown = realloc(set->items, next * sizeof *grown);
        if (grown == NULL) {
            err_set(err, errlen, "%s: out of memory", name);
            return PH_TEMPLATE_NO_MEMORY;
        }
        set->items = grown;
        set->alloc = next;
    }
    struct ph_template *t = calloc(1, sizeof *t);
    if (t != NULL) {
        t->name = strdup(name);
        t->source = malloc(len + 1);
    }
    if (t == NULL || t->name == NULL || t->source == NULL) {
        template_free(t);
        err_set(err, errlen, "%s: out of memory", name);
        return PH_TEMPLATE_NO_MEMORY;
    }
    if (len > 0)
        memcpy(t->source, text, len);
    t->source[len] = '\0';
    t->source_len = len;
    struct compiler *c = calloc(1, sizeof *c);
    if (c == NULL) {
        template_free(t);
        err_set(err, errlen, "%s: out of memory", name);
        return PH_TEMPLATE_NO_MEMORY;
    }
    c->tpl = t;
    c->src = t->source;
    c->len = len;
    c->err = err;
    c->errlen = errlen;
    c->html.state = H_DATA;
    bool ok = compile(c);
    enum ph_template_status status = c->status;
    free(c);
    if (!ok) {
        template_free(t);
        return status;
    }
    set->items[set->count++] = t;
    return PH_TEMPLATE_OK;
}

/* --- loading a directory -------------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
    const char *const *x = a;
    const char *const *y = b;
    return strcmp(*x, *y);
}

static void free_strings(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* Reads a regular file of at most PH_TEMPLATE_MAX_SOURCE_BYTES. Returns
 * PH_TEMPLATE_OK with *out (caller frees) or an error with the message. */
static enum ph_template_status read_template_file(const char *path, char **out, size_t *out_len, char *err,
                                                  size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        err_set(err, errlen, "%s: %s", path, strerror(errno));
        return PH_TEMPLATE_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(err, errlen, "%s: not a regular file", path);
        close(fd);
        return PH_TEMPLATE_IO;
    }
    if (st.st_size > (off_t)PH_TEMPLATE_MAX_SOURCE_BYTES) {
        err_set(err, errlen, "%s: template is larger than %u bytes", path, PH_TEMPLATE_MAX_SOURCE_BYTES);
        close(fd);
        return PH_TEMPLATE_TOO_BIG;
    }
    /* One byte more than the cap, to notice a file that grew meanwhile. */
    size_t alloc = (size_t)st.st_size + 2;
    char *data = malloc(alloc);
    if (data == NULL) {
        close(fd);
        err_set(err, errlen, "%s: out of memory", path);
        return PH_TEMPLATE_NO_MEMORY;
    }
    size_t len = 0;
    while (len < alloc - 1) {
        ssize_t n = read(fd, data + len, alloc - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_set(err, errlen, "%s: %s", path, strerror(errno));
            free(data);
            close(fd);
            return PH_TEMPLATE_IO;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len > (size_t)st.st_size) {
        err_set(err, errlen, "%s: the file changed while it was read", path);
        free(data);
        return PH_TEMPLATE_IO;
    }
    data[len] = '\0';
    *out = data;
    *out_len = len;
    return PH_TEMPLATE_OK;
}

/* The "<name>.html" file names of dir, sorted; skips dotfiles and other
 * extensions. */
static enum ph_template_status list_template_files(const char *dir, char ***out, size_t *out_count, char *err,
                                                   size_t errlen)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        err_set(err, errlen, "%s: %s", dir, strerror(errno));
        return PH_TEMPLATE_IO;
    }
    char **names = NULL;
    size_t count = 0;
    size_t alloc = 0;
    enum ph_template_status status = PH_TEMPLATE_OK;
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(d);
        if (entry == NULL) {
            if (errno != 0) {
                err_set(err, errlen, "%s: %s", dir, strerror(errno));
                status = PH_TEMPLATE_IO;
            }
            break;
        }
        const char *file = entry->d_name;
        size_t file_len = strlen(file);
        if (file[0] == '.' || file_len < 5 || strcmp(file + file_len - 5, ".html") != 0)
            continue;
        if (!is_template_name(file, file_len - 5)) {
            err_set(err, errlen, "%s/%.*s: template file names are [A-Za-z0-9_-].html", dir,
                    (int)(file_len > 64 ? 64 : file_len), file);
            status = PH_TEMPLATE_BAD_NAME;
            break;
        }
        if (count >= PH_TEMPLATES_MAX_COUNT) {
            err_set(err, errlen, "%s: more than %d templates", dir, PH_TEMPLATES_MAX_COUNT);
            status = PH_TEMPLATE_TOO_BIG;
            break;
        }
        if (count == alloc) {
            size_t next = alloc ? alloc * 2 : 32;
            char **grown = realloc(names, next * sizeof *grown);
            if (grown == NULL) {
                status = PH_TEMPLATE_NO_MEMORY;
                break;
            }
            names = grown;
            alloc = next;
        }
        names[count] = strdup(file);
        if (names[count] == NULL) {
            status = PH_TEMPLATE_NO_MEMORY;
            break;
        }
        count++;
    }
    closedir(d);
    if (status == PH_TEMPLATE_NO_MEMORY)
        err_set(err, errlen, "%s: out of memory", dir);
    if (status != PH_TEMPLATE_OK) {
        free_strings(names, count);
        return status;
    }
    if (count > 1)
        qsort(names, count, sizeof names[0], compare_strings);
    *out = names;
    *out_count = count;
    return PH_TEMPLATE_OK;
}

enum ph_template_status ph_templates_load_dir(struct ph_templates *set, const char *dir, char *err,
                                              size_t errlen)
{
    err_set(err, errlen, "%s", "");
    if (set->finished) {
        err_set(err, errlen, "%s: the set is finished and read-only", dir);
        return PH_TEMPLATE_WRONG_STATE;
    }
    char **files = NULL;
    size_t file_count = 0;
    enum ph_template_status status = list_template_files(dir, &files, &file_count, err, errlen);
    if (status != PH_TEMPLATE_OK)
        return status;
    size_t before = set->count;
    struct ph_buf path;
    ph_buf_init(&path, 4096);
    for (size_t i = 0; i < file_count && status == PH_TEMPLATE_OK; i++) {
        ph_buf_reset(&path);
        ph_buf_append_str(&path, dir);
        ph_buf_append_char(&path, '/');
        ph_buf_append_str(&path, files[i]);
        if (path.failed) {
            err_set(err, errlen, "%s: path too long", dir);
            status = PH_TEMPLATE_IO;
            break;
        }
        struct stat st;
        if (stat(path.data, &st) == 0 && S_ISDIR(st.st_mode))
            continue; /* a directory named x.html is not a template */
        char *text = NULL;
        size_t text_len = 0;
        status = read_template_file(path.data, &text, &text_len, err, errlen);
        if (status != PH_TEMPLATE_OK)
            break;
        files[i][strlen(files[i]) - 5] = '\0';
        status = ph_templates_add(set, files[i], text, text_len, err, errlen);
        free(text);
    }
    ph_buf_release(&path);
    free_strings(files, file_count);
    if (status != PH_TEMPLATE_OK) {
        for (size_t i = before; i < set->count; i++)
            template_free(set->items[i]);
        set->count = before;
    }
    return status;
}

enum ph_template_status ph_templates_finish(struct ph_templates *set, char *err, size_t errlen)
{
    err_set(err, errlen, "%s", "");
    if (set->finished)
        return PH_TEMPLATE_OK;
    /* First check everything, so that a failure links nothing. */
    for (size_t i = 0; i < set->count; i++) {
        const struct ph_template *t = set->items[i];
        for (uint32_t k = 0; k < t->op_count; k++) {
            const struct tpl_op *op = &t->ops[k];
            if (op->kind != OP_PARTIAL || find_template(set, t->source + op->off, op->len) != NULL)
                continue;
            unsigned line;
            unsigned col;
            source_position(t->source, op->pos, &line, &col);
            err_set(err, errlen, "%s:%u:%u: no template '%.*s' for {{>%.*s}}", t->name, line, col,
                    (int)op->len, t->source + op->off, (int)op->len, t->source + op->off);
            return PH_TEMPLATE_MISSING_PARTIAL;
        }
    }
    for (size_t i = 0; i < set->count; i++) {
        struct ph_template *t = set->items[i];
        for (uint32_t k = 0; k < t->op_count; k++) {
            struct tpl_op *op = &t->ops[k];
            if (op->kind == OP_PARTIAL)
                op->partial = find_template(set, t->source + op->off, op->len);
        }
    }
    if (set->count > 1)
        qsort(set->items, set->count, sizeof set->items[0], compare_templates);
    set->finished = true;
    return PH_TEMPLATE_OK;
}

/* --- rendering ------------------------------------------------------------ */

struct context {
    const json_t *value;
    const struct context *outer;
};

struct indent {
    const char *text;
    size_t len;
    const struct indent *outer;
};

struct render {
    struct ph_buf *out;
    uint32_t steps;
    enum ph_template_status status;
};

static void emit_indent(struct ph_buf *out, const struct indent *indent)
{
    if (indent == NULL)
        return;
    emit_indent(out, indent->outer);
    ph_buf_append(out, indent->text, indent->len);
}

/* Static text; inside an indented partial every line that follows a
 * newline gets the indentation. */
static void emit_static(struct ph_buf *out, const char *text, size_t len, const struct indent *indent)
{
    if (indent == NULL) {
        ph_buf_append(out, text, len);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] != '\n')
            continue;
        ph_buf_append(out, text + start, i + 1 - start);
        emit_indent(out, indent);
        start = i + 1;
    }
    ph_buf_append(out, text + start, len - start);
}

static const json_t *lookup(const struct ph_template *t, const struct tpl_op *op, const struct context *ctx)
{
    if (op->seg_count == 0)
        return ctx->value;
    const struct tpl_seg *seg = &t->segs[op->seg_first];
    const json_t *found = NULL;
    for (const struct context *c = ctx; c != NULL && found == NULL; c = c->outer) {
        if (json_is_object(c->value))
            found = json_object_getn(c->value, t->source + seg[0].off, seg[0].len);
    }
    for (uint16_t i = 1; i < op->seg_count && found != NULL; i++)
        found = json_is_object(found) ? json_object_getn(found, t->source + seg[i].off, seg[i].len) : NULL;
    return found;
}

static bool truthy(const json_t *value)
{
    if (value == NULL)
        return false;
    switch (json_typeof(value)) {
    case JSON_NULL:
    case JSON_FALSE:
        return false;
    case JSON_ARRAY:
        return json_array_size(value) > 0;
    case JSON_STRING:
        return json_string_length(value) > 0;
    default:
        return true;
    }
}

static void emit_value(struct ph_buf *out, const json_t *value, const struct tpl_op *op)
{
    if (op->flags & OP_URL) {
        const char *s = json_is_string(value) ? json_string_value(value) : "";
        size_t len = json_is_string(value) ? json_string_length(value) : 0;
        enum url_verdict verdict = url_judge(s, len, false);
        if (verdict == URL_VERDICT_SAFE || verdict == URL_VERDICT_SLASH)
            ph_buf_append_html(out, s, len);
        else
            ph_buf_append_str(out, "about:invalid");
        return;
    }
    if (json_is_string(value)) {
        if (op->kind == OP_RAW)
            ph_buf_append(out, json_string_value(value), json_string_length(value));
        else
            ph_buf_append_html(out, json_string_value(value), json_string_length(value));
    } else if (json_is_integer(value)) {
        ph_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    } else if (json_is_real(value)) {
        ph_buf_printf(out, "%.15g", json_real_value(value));
    }
}

static void render_ops(struct render *r, const struct ph_template *t, uint32_t begin, uint32_t end,
                       const struct context *ctx, const struct indent *indent, unsigned depth);

static void render_section(struct render *r, const struct ph_template *t, uint32_t at,
                           const struct context *ctx, const struct indent *indent, unsigned depth)
{
    const struct tpl_op *op = &t->ops[at];
    const json_t *value = lookup(t, op, ctx);
    if (op->kind == OP_INVERTED) {
        if (!truthy(value))
            render_ops(r, t, at + 1, op->end, ctx, indent, depth);
        return;
    }
    if (!truthy(value))
        return;
    if (!json_is_array(value)) {
        struct context inner = {value, ctx};
        render_ops(r, t, at + 1, op->end, &inner, indent, depth);
        return;
    }
    for (size_t i = 0; i < json_array_size(value) && r->status == PH_TEMPLATE_OK; i++) {
        if (++r->steps > PH_TEMPLATE_MAX_RENDER_STEPS) {
            r->status = PH_TEMPLATE_TOO_MUCH_WORK;
            return;
        }
        struct context inner = {json_array_get(value, i), ctx};
        render_ops(r, t, at + 1, op->end, &inner, indent, depth);
    }
}

static void render_partial(struct render *r, const struct tpl_op *op, const struct ph_template *t,
                           const struct context *ctx, const struct indent *indent, unsigned depth)
{
    if (depth >= PH_TEMPLATE_MAX_PARTIAL_DEPTH) {
        r->status = PH_TEMPLATE_TOO_DEEP;
        return;
    }
    /* Mustache: a standalone partial is indented like its tag (on top of
     * the indentation it is already in); an inline one not at all. */
    struct indent own = {t->source + op->indent_off, op->indent_len, indent};
    const struct indent *inner = NULL;
    if (op->flags & OP_STANDALONE)
        inner = op->indent_len > 0 ? &own : indent;
    render_ops(r, op->partial, 0, op->partial->op_count, ctx, inner, depth + 1);
}

static void render_ops(struct render *r, const struct ph_template *t, uint32_t begin, uint32_t end,
                       const struct context *ctx, const struct indent *indent, unsigned depth)
{
    uint32_t i = begin;
    while (i < end && r->status == PH_TEMPLATE_OK) {
        const struct tpl_op *op = &t->ops[i];
        if (++r->steps > PH_TEMPLATE_MAX_RENDER_STEPS) {
            r->status = PH_TEMPLATE_TOO_MUCH_WORK;
            return;
        }
        if (indent != NULL && (op->flags & OP_LINE_START))
            emit_indent(r->out, indent);
        switch ((enum op_kind)op->kind) {
        case OP_TEXT:
            emit_static(r->out, t->source + op->off, op->len, indent);
            break;
        case OP_VAR:
        case OP_RAW:
            emit_value(r->out, lookup(t, op, ctx), op);
            break;
        case OP_SECTION:
        case OP_INVERTED:
            render_section(r, t, i, ctx, indent, depth);
            break;
        case OP_PARTIAL:
            render_partial(r, op, t, ctx, indent, depth);
            break;
        case OP_INDENT:
            break;
        }
        if (r->out->failed && r->status == PH_TEMPLATE_OK)
            r->status = r->out->over_cap ? PH_TEMPLATE_OUTPUT_FULL : PH_TEMPLATE_NO_MEMORY;
        i = op->kind == OP_SECTION || op->kind == OP_INVERTED ? op->end : i + 1;
    }
}

enum ph_template_status ph_templates_render(const struct ph_templates *set, const char *name,
                                            const json_t *view, struct ph_buf *out)
{
    if (out->failed)
        return out->over_cap ? PH_TEMPLATE_OUTPUT_FULL : PH_TEMPLATE_NO_MEMORY;
    struct render r = {out, 0, PH_TEMPLATE_OK};
    const struct ph_template *t = NULL;
    if (!set->finished)
        r.status = PH_TEMPLATE_WRONG_STATE;
    else if (name != NULL)
        t = find_template(set, name, strlen(name));
    if (r.status == PH_TEMPLATE_OK && t == NULL)
        r.status = PH_TEMPLATE_NOT_FOUND;
    if (r.status == PH_TEMPLATE_OK) {
        struct context root = {view, NULL};
        render_ops(&r, t, 0, t->op_count, &root, NULL, 0);
    }
    if (r.status != PH_TEMPLATE_OK)
        out->failed = true;
    return r.status;
}
