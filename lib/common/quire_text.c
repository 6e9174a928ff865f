/* quire_text.c: HTML text extraction and normalisation with offset maps. */
#include <ctype.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "quire_text.h"

typedef struct builder {
    quire_text t;
    size_t cap;
    bool failed;
} builder;

static void put(builder *b, const char *s, size_t n, size_t from)
{
    if (b->failed)
        return;
    if (b->t.len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->t.len + n)
            cap *= 2;
        char *ns = realloc(b->t.s, cap + 1);
        if (ns != NULL)
            b->t.s = ns;
        size_t *nm = realloc(b->t.map, cap * sizeof *nm);
        if (nm != NULL)
            b->t.map = nm;
        if (ns == NULL || nm == NULL) {
            b->failed = true;
            return;
        }
        b->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        b->t.s[b->t.len] = s[i];
        b->t.map[b->t.len++] = from;
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

/* Decodes one code point; an invalid byte decodes as itself with *ok false. */
static size_t decode_utf8(const unsigned char *s, size_t n, uint32_t *cp, bool *ok)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    uint32_t c = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 7u;
    *ok = len > 0 && len <= n && s[0] <= 0xF4;
    for (size_t i = 1; *ok && i < len; i++) {
        *ok = (s[i] & 0xC0) == 0x80;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if (!*ok) {
        *cp = s[0];
        return 1;
    }
    *cp = c;
    return len;
}

int quire_text_from_plain(const char *s, size_t len, quire_text *out)
{
    builder b = {0};
    for (size_t i = 0; i < len; i++)
        put(&b, s + i, 1, i);
    return finish(&b, out);
}

/* ---- HTML ---- */

static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {{"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
                {"apos", '\''},     {"nbsp", 0xA0},    {"shy", 0xAD},     {"copy", 0xA9},
                {"laquo", 0xAB},    {"raquo", 0xBB},   {"ndash", 0x2013}, {"mdash", 0x2014},
                {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
                {"hellip", 0x2026}, {"eacute", 0xE9},  {"ccedil", 0xE7},  {"uuml", 0xFC}};

/* Decodes a character reference at s ('&'); returns its length, 0 if it is none. */
static size_t entity(const char *s, size_t n, uint32_t *cp)
{
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    if (semi == NULL)
        return 0;
    size_t len = (size_t)(semi - s) + 1;
    if (len > 3 && s[1] == '#') {
        char *end;
        bool hex = s[2] == 'x' || s[2] == 'X';
        unsigned long v = strtoul(s + (hex ? 3 : 2), &end, hex ? 16 : 10);
        if (end != semi || v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = (uint32_t)v;
        return len;
    }
    for (size_t i = 0; i < sizeof entities / sizeof *entities; i++)
        if (strlen(entities[i].name) == len - 2 && memcmp(s + 1, entities[i].name, len - 2) == 0)
            return *cp = entities[i].cp, len;
    return 0;
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

/* Skips past the end of raw-text content such as </script>; returns the new position. */
static size_t skip_raw(const char *s, size_t n, size_t i, const char *close)
{
    size_t cl = strlen(close);
    for (; i + cl <= n; i++)
        if (s[i] == '<' && strncasecmp(s + i, close, cl) == 0)
            return i;
    return n;
}

/* Handles a tag starting at s[i] == '<'; returns the position after it. */
static size_t tag(builder *b, const char *s, size_t n, size_t i)
{
    if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
        for (size_t j = i + 4; j + 3 <= n; j++)
            if (memcmp(s + j, "-->", 3) == 0)
                return j + 3;
        return n;
    }
    size_t j = i + 1;
    bool closing = j < n && s[j] == '/';
    if (closing)
        j++;
    char name[16];
    size_t k = 0;
    while (j < n && isalnum((unsigned char)s[j]) && k + 1 < sizeof name)
        name[k++] = (char)tolower((unsigned char)s[j++]);
    name[k] = '\0';
    if (k == 0 && !closing && (j >= n || s[j] != '!'))
        return put(b, "<", 1, i), i + 1; /* a lone '<' is text */
    char quote = 0;
    for (; j < n && (quote || s[j] != '>'); j++)
        if (s[j] == '"' || s[j] == '\'')
            quote = quote == s[j] ? 0 : quote ? quote : s[j];
    j = j < n ? j + 1 : n;
    if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0))
        return skip_raw(s, n, j, strcmp(name, "script") == 0 ? "</script" : "</style");
    if (block_tag(name))
        put(b, "\n", 1, i);
    return j;
}

int quire_text_from_html(const char *s, size_t n, quire_text *out)
{
    builder b = {0};
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len;
        if (s[i] == '<') {
            i = tag(&b, s, n, i);
        } else if (s[i] == '&' && (len = entity(s + i, n - i, &cp)) > 0) {
            char o[4];
            put(&b, o, encode_utf8(cp, o), i);
            i += len;
        } else {
            put(&b, s + i, 1, i);
            i++;
        }
    }
    return finish(&b, out);
}

bool quire_text_is_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        bool ok;
        size_t len = decode_utf8(s + i, n - i, &cp, &ok);
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (!ok || cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
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

/* ---- normalisation ---- */

static bool is_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Typographic punctuation to ASCII; 0 means "drop", UINT32_MAX "keep as is". */
static uint32_t fold_punct(uint32_t c)
{
    switch (c) {
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
    case 0x02BC:
        return '\'';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
        return '"';
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
    case 0xFE58:
    case 0xFE63:
    case 0xFF0D:
        return '-';
    case 0xAD:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0xFEFF:
        return 0;
    default:
        return UINT32_MAX;
    }
}

static locale_t utf8_locale(void)
{
    static locale_t loc;
    static bool tried;
    if (!tried) {
        tried = true;
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    return loc;
}

static void emit(builder *b, uint32_t c, unsigned flags, size_t from)
{
    char o[8];
    if (flags & QUIRE_NORM_CASE) {
        locale_t loc = utf8_locale();
        c = loc != (locale_t)0 ? (uint32_t)towlower_l((wint_t)c, loc)
            : c < 0x80         ? (uint32_t)tolower((int)c)
                               : c;
    }
    put(b, o, encode_utf8(c, o), from);
}

int quire_text_normalize(const quire_text *in, unsigned flags, quire_text *out)
{
    builder b = {0};
    bool pending_space = false;
    const unsigned char *s = (const unsigned char *)in->s;
    for (size_t i = 0; i < in->len;) {
        uint32_t c;
        bool ok;
        size_t len = decode_utf8(s + i, in->len - i, &c, &ok);
        size_t from = i; /* out maps into in, not further down */
        i += len;
        if (!ok) {
            put(&b, (const char *)s + i - 1, 1, from);
            continue;
        }
        if ((flags & QUIRE_NORM_SPACE) && is_space(c)) {
            pending_space = b.t.len > 0;
            continue;
        }
        if (pending_space)
            put(&b, " ", 1, from);
        pending_space = false;
        if ((flags & QUIRE_NORM_PUNCT) && c == 0x2026) {
            put(&b, "...", 3, from);
            continue;
        }
        uint32_t p = (flags & QUIRE_NORM_PUNCT) ? fold_punct(c) : UINT32_MAX;
        if (p != 0)
            emit(&b, p != UINT32_MAX ? p : c, flags, from);
    }
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
