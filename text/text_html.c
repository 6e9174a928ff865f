/* SPDX-License-Identifier: ISC */
/* text_html.c: the text of an HTML document through libxml2's HTML parser, pushed a piece at a
 * time with SAX callbacks and no tree, so that memory does not grow with the document. What a
 * reader does not see as the page's text is left out: the head, scripts, styles, templates,
 * navigation (<nav>, role="navigation", Sphinx's sidebar), hidden elements (hidden,
 * aria-hidden="true", display:none) and Sphinx's "¶" heading anchors (a.headerlink). Block
 * elements end lines. No network: HTML_PARSE_NONET. */
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "text_entities.h"
#include "text_internal.h"

#define HTML_MAX_DEPTH 4096 /* libxml2 keeps a stack of open elements: bound it */
/* libxml2's push parser holds text back until the next '<' or '&' has arrived, so a document
 * without tags would be held whole: past this much text with no markup the parse stops. */
#define HTML_MAX_BACKLOG_BYTES (4u << 20)
#define HTML_CHUNK_BYTES (64 << 10) /* given to the parser at a time */

struct text_html {
    htmlParserCtxtPtr ctxt;
    unsigned depth, skip_depth; /* open elements; the depth of the one left out, 0 if none */
    quire_text_pos last;        /* where the last event ended */
    uint64_t fed;               /* document bytes given to the parser */
    bool stopped, nomem;
    /* A named reference libxml2 does not know, held until its ';' shows whether it is one of
     * HTML's others: 1 after the '&', 2 after the name too. */
    int ref;
    quire_text_pos ref_at, name_at;
    char ref_name[TEXT_ENTITY_NAME_MAX];
    size_t ref_len;
};

/* The parser's position: offset, line and column of its next character. */
static quire_text_pos here(const text_html *h)
{
    const xmlParserInputPtr in = h->ctxt->input;
    quire_text_pos p = h->last;
    if (in == NULL || in->cur == NULL || in->base == NULL)
        return p;
    p.off = (uint64_t)in->consumed + (uint64_t)(in->cur - in->base);
    p.off = p.off < h->fed ? p.off : h->fed; /* text converted from another encoding */
    p.line = in->line > 0 ? (uint64_t)in->line : 1;
    p.col = in->col > 0 ? (uint64_t)in->col : 1;
    return p;
}

static bool has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; (p = strstr(p, token)) != NULL; p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') &&
            (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
            return true;
    return false;
}

/* display:none in a style attribute, spaces ignored. */
static bool display_none(const char *style)
{
    char buf[256];
    size_t o = 0;
    for (const char *p = style; *p != '\0' && o + 1 < sizeof buf; p++)
        if (*p != ' ' && *p != '\t')
            buf[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    buf[o] = '\0';
    return strstr(buf, "display:none") != NULL;
}

/* Whether an element and all it contains is left out of the text. */
static bool left_out(const char *name, const xmlChar **atts)
{
    static const char *const names[] = {"head", "script", "style", "template", "nav", "noscript"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    for (size_t i = 0; atts != NULL && atts[i] != NULL; i += 2) {
        const char *k = (const char *)atts[i], *v = atts[i + 1] ? (const char *)atts[i + 1] : "";
        if (strcmp(k, "hidden") == 0 || (strcmp(k, "aria-hidden") == 0 && strcmp(v, "true") == 0) ||
            (strcmp(k, "role") == 0 && strcmp(v, "navigation") == 0) ||
            (strcmp(k, "style") == 0 && display_none(v)) ||
            (strcmp(k, "class") == 0 && has_token(v, "sphinxsidebar")) ||
            (strcmp(k, "class") == 0 && strcmp(name, "a") == 0 && has_token(v, "headerlink")))
            return true;
    }
    return false;
}

static bool block(const char *name)
{
    static const char *const blocks[] = {
        "p",       "br",      "div",     "li",      "tr",         "td",     "th",         "h1",
        "h2",      "h3",      "h4",      "h5",      "h6",         "ul",     "ol",         "dl",
        "table",   "section", "article", "header",  "footer",     "hr",     "dd",         "dt",
        "pre",     "title",   "body",    "main",    "blockquote", "figure", "figcaption", "aside",
        "caption", "details", "summary", "address", "form"};
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++)
        if (strcmp(name, blocks[i]) == 0)
            return true;
    return false;
}

static void ref_flush(quire_text_source *src);

static void on_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
    quire_text_source *src = ctx;
    text_html *h = src->html;
    const char *name = (const char *)xname;
    quire_text_pos p = here(h);
    ref_flush(src);
    if (++h->depth > HTML_MAX_DEPTH && !h->stopped) {
        snprintf(src->note, sizeof src->note,
                 "HTML text after line %llu not read: elements nested more than %d deep",
                 (unsigned long long)p.line, HTML_MAX_DEPTH);
        h->stopped = true;
        xmlStopParser(h->ctxt);
    }
    if (h->skip_depth == 0 && left_out(name, atts))
        h->skip_depth = h->depth;
    if (h->skip_depth == 0 && block(name))
        text_emit(src, "\n", 1, &p);
    h->last = p;
}

static void on_end(void *ctx, const xmlChar *xname)
{
    quire_text_source *src = ctx;
    text_html *h = src->html;
    quire_text_pos p = here(h);
    ref_flush(src);
    if (h->skip_depth == 0 && block((const char *)xname))
        text_emit(src, "\n", 1, &p);
    if (h->skip_depth == h->depth)
        h->skip_depth = 0;
    h->depth -= h->depth > 0;
    h->last = p;
}

/* Where a run that copies the n document bytes before end begins. at: where the last event
 * ended. */
static quire_text_pos copy_start(const char *ch, size_t n, quire_text_pos at, quire_text_pos end)
{
    size_t nl = 0, chars = 0;
    for (size_t i = 0; i < n; i++) {
        nl += ch[i] == '\n';
        chars = ch[i] == '\n' ? 0 : chars + ((ch[i] & 0xC0) != 0x80);
    }
    quire_text_pos start = end;
    start.off = end.off - n;
    start.line = end.line > nl ? end.line - nl : 1;
    start.col = nl == 0 && end.col > chars ? end.col - chars : 1;
    if (nl > 0 && at.line == start.line && at.off <= start.off) /* text after a tag */
        start.col = at.col + (start.off - at.off);
    return start;
}

/* Text that is not a copy of document bytes, placed at *at one character at a time so that the
 * normaliser does not count its bytes as document bytes. */
static void emit_derived(quire_text_source *src, const char *ch, size_t n, quire_text_pos *at)
{
    for (size_t i = 0, l; i < n; i += l) {
        unsigned char c = (unsigned char)ch[i];
        l = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        l = l > n - i ? n - i : l;
        text_emit(src, ch + i, l, at);
    }
}

static void emit_run(quire_text_source *src, const char *ch, size_t n, bool copy, quire_text_pos at,
                     quire_text_pos end)
{
    if (!copy) {
        emit_derived(src, ch, n, &at);
        return;
    }
    quire_text_pos start = copy_start(ch, n, at, end);
    text_emit_copy(src, ch, n, &start);
}

static int entity_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const text_entity *)elem)->name);
}

/* What the named reference stands for, or NULL. */
static const char *entity(const char *name, size_t n)
{
    char key[TEXT_ENTITY_NAME_MAX + 1];
    memcpy(key, name, n);
    key[n] = '\0';
    const text_entity *e = bsearch(key, text_entities, sizeof text_entities / sizeof *text_entities,
                                   sizeof *text_entities, entity_cmp);
    return e != NULL ? e->utf8 : NULL;
}

/* A held '&' and name that are no reference after all: the text they are. */
static void ref_flush(quire_text_source *src)
{
    text_html *h = src->html;
    if (h->ref >= 1)
        text_emit(src, "&", 1, &h->ref_at);
    if (h->ref == 2)
        text_emit_copy(src, h->ref_name, h->ref_len, &h->name_at);
    h->ref = 0;
}

static bool ref_name(const char *ch, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((ch[i] | 0x20) >= 'a' && (ch[i] | 0x20) <= 'z') && !(ch[i] >= '0' && ch[i] <= '9'))
            return false;
    return n > 0 && n <= TEXT_ENTITY_NAME_MAX;
}

/* libxml2 knows HTML 4's references only: another (&check;, &ZeroWidthSpace;) comes as an '&'
 * of its own (not a copy of the document), the name (a copy), then text from the ';' on. This
 * takes those runs and decodes the reference when it is one of HTML's; true if it took ch. */
static bool ref_step(quire_text_source *src, const char *ch, size_t n, bool copy, quire_text_pos at,
                     quire_text_pos end)
{
    text_html *h = src->html;
    if (h->ref == 1 && copy && ref_name(ch, n)) {
        memcpy(h->ref_name, ch, n);
        h->ref_len = n;
        h->name_at = copy_start(ch, n, at, end);
        h->ref = 2;
        return true;
    }
    bool semi = h->ref == 2 && copy && ch[0] == ';' && /* the ';' right after the name */
                copy_start(ch, n, at, end).off == h->name_at.off + h->ref_len;
    const char *u = semi ? entity(h->ref_name, h->ref_len) : NULL;
    if (u != NULL) {
        h->ref = 0;
        emit_derived(src, u, strlen(u), &h->ref_at);
        if (n > 1)
            emit_run(src, ch + 1, n - 1, true, at, end);
        return true;
    }
    ref_flush(src);
    if (!copy && n == 1 && ch[0] == '&') {
        h->ref = 1;
        h->ref_at = at;
        return true;
    }
    return false;
}

/* Text the parser delivers. A run that is a copy of the document bytes just before the
 * parser's position has exact positions, counted back from there; a decoded reference (or text
 * converted from another encoding) is placed where the last event ended. */
static void on_text(void *ctx, const xmlChar *xch, int len)
{
    quire_text_source *src = ctx;
    text_html *h = src->html;
    const xmlParserInputPtr in = h->ctxt->input;
    const char *ch = (const char *)xch;
    quire_text_pos end = here(h), at = h->last;
    size_t n = len > 0 ? (size_t)len : 0;
    h->last = end;
    if (h->skip_depth != 0 || n == 0)
        return;
    bool copy = in != NULL && in->cur != NULL && in->base != NULL &&
                (size_t)(in->cur - in->base) >= n && memcmp(in->cur - n, ch, n) == 0;
    if (!ref_step(src, ch, n, copy, at, end))
        emit_run(src, ch, n, copy, at, end);
}

static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

int text_html_init(quire_text_source *src)
{
    static htmlSAXHandler sax;
    if (sax.startElement == NULL) { /* the same values every time: no race that matters */
        sax.startElement = on_start;
        sax.endElement = on_end;
        sax.characters = on_text;
        sax.ignorableWhitespace = on_text;
        sax.cdataBlock = on_text;
        sax.warning = silent;
        sax.error = silent;
    }
    text_html *h = calloc(1, sizeof *h);
    if (h == NULL)
        return -1;
    h->last = (quire_text_pos){.line = 1, .col = 1};
    h->ctxt = htmlCreatePushParserCtxt(&sax, src, NULL, 0, NULL, XML_CHAR_ENCODING_NONE);
    if (h->ctxt == NULL) {
        free(h);
        return -1;
    }
    htmlCtxtUseOptions(h->ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                    HTML_PARSE_NOWARNING);
    h->ctxt->sax->error = silent; /* NOERROR leaves some messages to the generic handler */
    h->ctxt->sax->warning = silent;
    src->html = h;
    return 0;
}

/* HTML leaves the encoding of a document that declares none to the reader; libxml2 2.9 takes
 * ISO-8859-1, which turns UTF-8 into mojibake ("Whatâ\u0080\u0099s" for "What’s", in a <title>
 * taken alone or a page saved without its HTTP header). So a document whose first chunk is
 * well-formed UTF-8 (a sequence cut by the chunk's end aside) is read as UTF-8. A <meta
 * charset> or a byte order mark still decides: libxml2 honours them after this. Chunks with a
 * NUL byte are left alone (UTF-16 without a byte order mark is libxml2's to detect). */
static void sniff_utf8(text_html *h, const char *p, size_t n)
{
    size_t m = n, back = 0;
    while (m > 0 && back < 3 && ((unsigned char)p[m - 1] & 0xC0) == 0x80)
        m--, back++;
    if (m > 0 && (unsigned char)p[m - 1] >= 0xC0) { /* a lead byte: complete, or cut */
        unsigned char c = (unsigned char)p[m - 1];
        size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        m = back + 1 >= want ? n : m - 1;
    } else {
        m = n;
    }
    if (memchr(p, '\0', n) == NULL && quire_text_is_utf8(p, m))
        xmlSwitchEncoding(h->ctxt, XML_CHAR_ENCODING_UTF8);
}

int text_html_update(quire_text_source *src, const char *p, size_t n)
{
    if (src->html->fed == 0 && n > 0)
        sniff_utf8(src->html, p, n < HTML_CHUNK_BYTES ? n : HTML_CHUNK_BYTES);
    text_html *h = src->html;
    while (n > 0 && !h->stopped) {
        int k = n > HTML_CHUNK_BYTES ? HTML_CHUNK_BYTES : (int)n;
        /* Checked before the chunk goes in: libxml2's input buffer doubles, so a backlog a
         * little over the bound would hold twice it. */
        quire_text_pos at = here(h);
        if (h->fed + (uint64_t)k - at.off > HTML_MAX_BACKLOG_BYTES) {
            snprintf(src->note, sizeof src->note,
                     "HTML text after line %llu not read: more than %u MiB without markup",
                     (unsigned long long)at.line, HTML_MAX_BACKLOG_BYTES >> 20);
            h->stopped = true;
            xmlStopParser(h->ctxt);
            break;
        }
        h->fed += (uint64_t)k;
        htmlParseChunk(h->ctxt, p, k, 0);
        p += k, n -= (size_t)k;
    }
    return h->nomem ? -1 : 0;
}

int text_html_final(quire_text_source *src)
{
    text_html *h = src->html;
    if (!h->stopped)
        htmlParseChunk(h->ctxt, NULL, 0, 1);
    ref_flush(src);
    return h->nomem ? -1 : 0;
}

void text_html_free(quire_text_source *src)
{
    if (src->html == NULL)
        return;
    htmlFreeParserCtxt(src->html->ctxt);
    free(src->html);
    src->html = NULL;
}
