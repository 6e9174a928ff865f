/* SPDX-License-Identifier: ISC */
/* quire_text.c: the text layer of a document (HTML text extraction, streamed), the
 * whole-buffer layers built on the streams, and UTF-8 helpers. Normalisation and matching are
 * in quire_textnorm.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quire_text.h"

/* ---- whole-buffer layers: a sink that keeps every byte and where it came from ---- */

typedef struct builder {
    quire_text t;
    size_t cap;
    bool failed;
    bool by_toff; /* map to the text-layer offset (normalisation), else the document offset */
} builder;

static bool grow(builder *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->t.len < n)
        cap *= 2;
    char *ns = realloc(b->t.s, cap + 1);
    if (ns == NULL)
        return false;
    b->t.s = ns; /* kept whether or not the second realloc succeeds: freed by finish */
    size_t *nm = realloc(b->t.map, cap * sizeof *nm);
    if (nm == NULL)
        return false;
    b->t.map = nm;
    b->cap = cap;
    return true;
}

static void build_sink(void *ctx, const char *s, size_t n, const quire_text_pos *pos)
{
    builder *b = ctx;
    if (!b->failed && b->cap - b->t.len < n)
        b->failed = !grow(b, n);
    if (b->failed)
        return;
    for (size_t i = 0; i < n; i++) {
        b->t.s[b->t.len] = s[i];
        b->t.map[b->t.len++] = (size_t)(b->by_toff ? pos->toff : pos->off);
    }
}

static int finish(builder *b, quire_text *out)
{
    if (!b->failed && b->t.s == NULL)
        b->failed = (b->t.s = malloc(1)) == NULL;
    if (b->failed) {
        quire_text_free(&b->t);
        return -1;
    }
    b->t.s[b->t.len] = '\0';
    *out = b->t;
    return 0;
}

int quire_text_from_plain(const char *s, size_t len, quire_text *out)
{
    builder b = {0};
    quire_text_source src;
    quire_text_source_init(&src, false, build_sink, &b);
    quire_text_source_update(&src, s, len);
    quire_text_source_final(&src);
    return finish(&b, out);
}

int quire_text_from_html(const char *s, size_t len, quire_text *out)
{
    builder b = {0};
    quire_text_source src;
    quire_text_source_init(&src, true, build_sink, &b);
    quire_text_source_update(&src, s, len);
    quire_text_source_final(&src);
    return finish(&b, out);
}

int quire_text_normalize(const quire_text *in, unsigned flags, quire_text *out)
{
    builder b = {.by_toff = true};
    quire_text_norm st;
    quire_text_norm_init(&st, flags, build_sink, &b);
    quire_text_pos pos = {0};
    quire_text_norm_feed(&st, in->s, in->len, &pos);
    quire_text_norm_final(&st);
    return finish(&b, out);
}

void quire_text_free(quire_text *t)
{
    if (t == NULL)
        return;
    free(t->s);
    free(t->map);
    memset(t, 0, sizeof *t);
}

/* ---- the text layer, streamed ---- */

enum { S_TEXT, S_LT, S_BANG, S_BANG_DASH, S_COMMENT, S_NAME, S_BODY, S_RAW, S_AMP };

void quire_text_source_init(quire_text_source *src, bool html, quire_text_sink sink, void *ctx)
{
    memset(src, 0, sizeof *src);
    src->sink = sink;
    src->ctx = ctx;
    src->html = html;
    src->at.line = src->at.col = 1;
}

/* Passes n text bytes derived from the document byte at from. */
static void emit(quire_text_source *src, const char *s, size_t n, const quire_text_pos *from)
{
    quire_text_pos pos = *from;
    pos.toff = src->at.toff;
    pos.tline = src->at.tline;
    src->sink(src->ctx, s, n, &pos);
    src->at.toff += n;
    for (size_t i = 0; i < n; i++)
        src->at.tline += s[i] == '\n';
}

static size_t encode_utf8(uint32_t cp, char *o)
{
    if (cp < 0x80)
        return o[0] = (char)cp, 1;
    if (cp < 0x800)
        return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {{"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
                {"apos", '\''},     {"nbsp", 0xA0},    {"shy", 0xAD},     {"copy", 0xA9},
                {"laquo", 0xAB},    {"raquo", 0xBB},   {"ndash", 0x2013}, {"mdash", 0x2014},
                {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
                {"hellip", 0x2026}, {"eacute", 0xE9},  {"ccedil", 0xE7},  {"uuml", 0xFC}};

/* Decodes the character reference s[0..len) ('&' to ';'); false if it is none. */
static bool entity(const char *s, size_t len, uint32_t *cp)
{
    if (len > 3 && s[1] == '#') {
        char num[12], *end;
        memcpy(num, s + 2, len - 2);
        num[len - 3] = '\0'; /* without the ';' */
        bool hex = num[0] == 'x' || num[0] == 'X';
        unsigned long v = strtoul(num + hex, &end, hex ? 16 : 10);
        if (*end != '\0' || end == num + hex || v == 0 || v > 0x10FFFF ||
            (v >= 0xD800 && v <= 0xDFFF))
            return false;
        *cp = (uint32_t)v;
        return true;
    }
    for (size_t i = 0; i < sizeof entities / sizeof *entities; i++)
        if (strlen(entities[i].name) == len - 2 && memcmp(s + 1, entities[i].name, len - 2) == 0)
            return *cp = entities[i].cp, true;
    return false;
}

static bool block_tag(const char *name)
{
    static const char *const blocks[] = {
        "p",       "br",         "div",        "li",     "tr",   "td",   "th", "h1",
        "h2",      "h3",         "h4",         "h5",     "h6",   "ul",   "ol", "table",
        "section", "article",    "header",     "footer", "hr",   "dd",   "dt", "pre",
        "title",   "blockquote", "figcaption", "nav",    "main", "aside"};
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++)
        if (strcmp(name, blocks[i]) == 0)
            return true;
    return false;
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static char lower(unsigned char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static void byte(quire_text_source *src, unsigned char c, const quire_text_pos *p);

/* The end of a tag ('>' or the end of the document): script and style skip their content. */
static void end_tag(quire_text_source *src)
{
    src->name[src->name_len] = '\0';
    src->state = S_TEXT;
    if (!src->closing && (strcmp(src->name, "script") == 0 || strcmp(src->name, "style") == 0)) {
        src->raw_close = src->name[1] == 'c' ? "</script" : "</style";
        src->raw_matched = 0;
        src->state = S_RAW;
    } else if (block_tag(src->name)) {
        emit(src, "\n", 1, &src->tag_pos);
    }
}

/* A '&' that starts no character reference is text; what followed it is read again. */
static void amp_done(quire_text_source *src, bool at_end)
{
    uint32_t cp;
    char o[4];
    size_t n = src->amp_len;
    src->state = S_TEXT;
    src->amp_len = 0;
    if (n > 1 && src->amp[n - 1] == ';' && entity(src->amp, n, &cp)) {
        emit(src, o, encode_utf8(cp, o), &src->amp_pos[0]);
        return;
    }
    char rest[12];
    quire_text_pos pos[12];
    memcpy(rest, src->amp, n), memcpy(pos, src->amp_pos, n * sizeof *pos);
    emit(src, "&", 1, &pos[0]);
    for (size_t i = 1; i < n; i++)
        byte(src, (unsigned char)rest[i], &pos[i]);
    if (at_end && src->state == S_AMP)
        amp_done(src, true);
}

/* The tag states: after '<', in its name, in its attributes. */
static void tag_byte(quire_text_source *src, unsigned char c, const quire_text_pos *p)
{
    switch (src->state) {
    case S_LT:
        if (c == '/' || is_alnum(c) || c == '!') {
            src->closing = c == '/';
            src->state = c == '!' ? S_BANG : S_NAME;
            if (is_alnum(c))
                src->name[src->name_len++] = lower(c);
            return;
        }
        emit(src, "<", 1, &src->tag_pos); /* a lone '<' is text */
        src->state = S_TEXT;
        byte(src, c, p);
        return;
    case S_NAME:
        if (is_alnum(c) && src->name_len + 1 < sizeof src->name) {
            src->name[src->name_len++] = lower(c);
            return;
        }
        src->state = S_BODY;
        /* fall through */
    default: /* S_BODY: to the '>' outside quotes */
        if (src->quote)
            src->quote = c == (unsigned char)src->quote ? 0 : src->quote;
        else if (c == '"' || c == '\'')
            src->quote = (char)c;
        else if (c == '>')
            end_tag(src);
    }
}

/* Comments ("<!--" to "-->"), other "<!" declarations, and script and style content. */
static void skip_byte(quire_text_source *src, unsigned char c, const quire_text_pos *p)
{
    if (src->state == S_BANG || src->state == S_BANG_DASH) {
        if (c == '-' && src->state == S_BANG) {
            src->state = S_BANG_DASH;
        } else if (c == '-') {
            src->state = S_COMMENT;
            src->dashes = 0;
        } else {
            src->state = S_BODY;
            tag_byte(src, c, p);
        }
    } else if (src->state == S_COMMENT) {
        if (c == '>' && src->dashes >= 2)
            src->state = S_TEXT;
        src->dashes = c == '-' ? src->dashes + 1 : 0;
    } else if (lower(c) == src->raw_close[src->raw_matched]) { /* S_RAW */
        if (src->raw_matched++ == 0)
            src->tag_pos = *p;
        if (src->raw_close[src->raw_matched] == '\0') { /* read the closing tag as a tag */
            src->state = S_NAME;
            src->closing = true;
            src->name_len = src->raw_matched - 2;
            memcpy(src->name, src->raw_close + 2, src->name_len);
            src->quote = 0;
        }
    } else {
        src->raw_matched = c == '<';
        if (c == '<')
            src->tag_pos = *p;
    }
}

static void byte(quire_text_source *src, unsigned char c, const quire_text_pos *p)
{
    switch (src->state) {
    case S_TEXT:
        if (c == '<') {
            src->state = S_LT;
            src->tag_pos = *p;
            src->closing = false;
            src->name_len = 0;
            src->quote = 0;
        } else if (c == '&') {
            src->state = S_AMP;
            src->amp[0] = '&';
            src->amp_pos[0] = *p;
            src->amp_len = 1;
        } else {
            emit(src, (const char *)&c, 1, p);
        }
        return;
    case S_AMP: /* a reference is at most 12 bytes, '&' to ';'; a longer one is text */
        src->amp[src->amp_len] = (char)c;
        src->amp_pos[src->amp_len++] = *p;
        if (c == ';' || src->amp_len == sizeof src->amp)
            amp_done(src, false);
        return;
    case S_BANG:
    case S_BANG_DASH:
    case S_COMMENT:
    case S_RAW:
        skip_byte(src, c, p);
        return;
    default:
        tag_byte(src, c, p);
    }
}

void quire_text_source_update(quire_text_source *src, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) {
        if (src->html)
            byte(src, s[i], &src->at);
        else
            emit(src, (const char *)s + i, 1, &src->at);
        src->at.off++;
        if (s[i] == '\n')
            src->at.line++, src->at.col = 1;
        else if ((s[i] & 0xC0) != 0x80)
            src->at.col++;
    }
}

void quire_text_source_final(quire_text_source *src)
{
    if (src->state == S_AMP)
        amp_done(src, true);
    if (src->state == S_LT) {
        emit(src, "<", 1, &src->tag_pos);
    } else if (src->state == S_NAME || src->state == S_BODY) {
        end_tag(src);
    }
    src->state = S_TEXT;
}

/* ---- UTF-8 ---- */

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes), 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (s[0] < 0xC2 || s[0] > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    /* overlong three- and four-byte forms, surrogates, above U+10FFFF */
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return len;
}

bool quire_text_is_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0, len; i < n; i += len)
        if ((len = utf8_len(s + i, n - i)) == 0)
            return false;
    return true;
}

char *quire_text_utf8_repair(const char *str, size_t n, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)str;
    char *out = n <= (SIZE_MAX - 1) / 3 ? malloc(3 * n + 1) : NULL;
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(s + i, n - i);
        if (len == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3), o += 3, i++;
        } else {
            memcpy(out + o, s + i, len), o += len, i += len;
        }
    }
    out[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    return out;
}

bool quire_text_is_html(const char *media_type, const char *path)
{
    size_t n = strlen(path);
    if (media_type != NULL && (strncmp(media_type, "text/html", 9) == 0 ||
                               strncmp(media_type, "application/xhtml", 17) == 0))
        return true;
    return (n > 5 && strcasecmp(path + n - 5, ".html") == 0) ||
           (n > 4 && strcasecmp(path + n - 4, ".htm") == 0);
}

/* Both arrays are assigned as soon as each realloc succeeds, so that neither is left pointing
 * at memory a successful realloc has freed (issue 11: words() did, when the first failed). */
size_t quire_text_words(const char *s, size_t n, size_t **start, size_t **len)
{
    size_t count = 0, cap = 0;
    *start = *len = NULL;
    for (size_t i = 0; i < n;) {
        const char *sp = memchr(s + i, ' ', n - i);
        size_t end = sp != NULL ? (size_t)(sp - s) : n;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            size_t *s2 = realloc(*start, cap * sizeof *s2);
            if (s2 != NULL)
                *start = s2;
            size_t *l2 = s2 != NULL ? realloc(*len, cap * sizeof *l2) : NULL;
            if (l2 != NULL)
                *len = l2;
            if (s2 == NULL || l2 == NULL) {
                free(*start), free(*len);
                *start = *len = NULL;
                return SIZE_MAX;
            }
        }
        (*start)[count] = i;
        (*len)[count++] = end - i;
        i = end + 1;
    }
    return count;
}
