/* SPDX-License-Identifier: ISC */
/* cmds_rand.c: random hostile bytes for the command harness. Everything a signed bundle may
 * legally carry to a command's output: C0 and C1 controls (as JSON escapes and as UTF-8),
 * terminal escape sequences, bidirectional and invisible controls, invalid UTF-8 in documents,
 * extreme integers in CSL dates, deep nesting, HTML entities. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds_rand.h"

uint64_t cr_next(cr_rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

size_t cr_below(cr_rng *r, size_t n)
{
    return (size_t)(cr_next(r) % n);
}

int cr_pct(cr_rng *r, unsigned pct)
{
    return cr_below(r, 100) < pct;
}

void gb_add(gbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL) {
            fputs("cmds_rand: out of memory\n", stderr);
            abort();
        }
        b->p = q;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0'; /* always a C string too */
}

void gb_str(gbuf *b, const char *s)
{
    gb_add(b, s, strlen(s));
}

void gb_cp(gbuf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | cp >> 12), u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | cp >> 18), u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)), u[3] = (uint8_t)(0x80 | (cp & 0x3F)), n = 4;
    }
    gb_add(b, u, n);
}

void gb_free(gbuf *b)
{
    free(b->p);
    *b = (gbuf){0};
}

#define P CR_PATH
#define T CR_COMMENT
#define J CR_JSON
#define C CR_CONTENT
#define ALL (P | T | J | C)

/* Fixed pieces, each with the modes that may hold it. Lengths are explicit for the NULs. */
static const struct {
    const char *s;
    size_t len;
    unsigned modes;
} pieces[] = {
#define S(str, m)                                                                                  \
    {                                                                                              \
        str, sizeof str - 1, m                                                                     \
    }
    S("invoice", ALL),
    S("report", ALL),
    S("the", ALL),
    S("quire", ALL),
    S("a", ALL),
    S(" ", ALL),
    S("-", ALL),
    S("--help", ALL),
    S("-p", ALL),
    S("%s%n%x", ALL),
    S("C:", ALL),
    S("NEW supersedes OLD: yes", ALL),
    S("signature verified", ALL),
    S("trusted", ALL),
    S("\xc3\xa9", ALL),
    S("\xc3\x9f", ALL),
    S("\xce\xa9", ALL),
    S("\xe4\xb8\xad\xe6\x96\x87", ALL),
    S("\xf0\x9f\x98\x80", ALL),
    S("e\xcc\x81", ALL),
    S("\xef\xac\x81", ALL),
    S("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", ALL),
    S("\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85", ALL),
    S("invoice\xe2\x80\xae"
      "fdp.exe",
      ALL), /* U+202E: reads "invoiceexe.pdf" */
    S("\xe2\x80\xaa", ALL),
    S("\xe2\x80\xab", ALL),
    S("\xe2\x80\xac", ALL),
    S("\xe2\x80\xad", ALL),
    S("\xe2\x80\xae", ALL),
    S("\xe2\x81\xa6", ALL),
    S("\xe2\x81\xa7", ALL),
    S("\xe2\x81\xa8", ALL),
    S("\xe2\x81\xa9", ALL),
    S("\xe2\x80\x8e", ALL),
    S("\xe2\x80\x8f", ALL),
    S("\xd8\x9c", ALL),
    S("\xe2\x80\x8b", ALL),
    S("\xe2\x80\x8c", ALL),
    S("\xe2\x80\x8d", ALL),
    S("\xe2\x81\xa0", ALL),
    S("\xef\xbb\xbf", ALL),
    S("\xe2\x80\xa8", ALL),
    S("\xe2\x80\xa9", ALL),
    S("\xc2\xad", ALL),
    S("\xef\xbf\xbe", ALL),
    S("\xef\xbf\xbf", ALL),
    S("\xf4\x8f\xbf\xbf", ALL),
    S("\xee\x80\x80", ALL),
    S("\xef\xbf\xbd", ALL),
    S("\xc2\xa0", ALL),
    S("\xe3\x80\x80", ALL),
    S("&amp;", ALL),
    S("&#x9b;", ALL),
    S("&#27;", ALL),
    S("&#x202e;", ALL),
    S("&#0;", ALL),
    S("&#xD800;", ALL),
    S("&#1114112;", ALL),
    S("&lt;b&gt;", ALL),
    S("&nbsp;", ALL),
    S("&NotAnEntity;", ALL),
    S("&#x85;", ALL),
    S("&#155;", ALL),
    S("&#x7f;", ALL),
    S("{", ALL),
    S("}", ALL),
    S("\"", J | C),
    S("%", ALL),
    S("#", ALL),
    S("&", ALL),
    S("_", ALL),
    S("~", ALL),
    S("^", ALL),
    S("$", ALL),
    S("'", ALL),
    S("\xe2\x80\x9c", ALL),
    S(".", ALL),
    S("\\", J | C | T),
    S("/", J | C | T),
    S("\t", T | J | C),
    S("\n", J | C),
    S("\r", J | C),
    S("\x1b[2J\x1b[H", J | C),
    S("\x1b]0;pwned\x07", J | C),
    S("\x1b[1A\x1b[2K", J | C),
    S("\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\", J | C),
    S("\x1b[31m", J | C),
    S("\x1bP+q\x1b\\", J | C),
    S("\x07", J | C),
    S("\x08\x08\x08", J | C),
    S("\x7f", J | C),
    S("\xc2\x9b"
      "2J",
      J | C),
    S("\xc2\x9d"
      "0;x\xc2\x9c",
      J | C),
    S("\xc2\x85", J | C),
    S("\x9b"
      "2J",
      C),
    S("\x9d"
      "0;x\x07",
      C),
    S("\x9b", C),
    S("\xc0\xaf", C),
    S("\xed\xa0\x80", C),
    S("\xf4\x90\x80\x80", C),
    S("\xff\xfe", C),
    S("\xe2\x80", C),
    S("\xc2", C),
    S("\x00", C),
#undef S
};

static void piece(cr_rng *r, gbuf *b, unsigned mode)
{
    size_t n = sizeof pieces / sizeof pieces[0];
    switch (cr_below(r, 10)) {
    case 0: /* any C1 control as UTF-8 (JSON, documents) or one raw 8-bit C1 byte (documents) */
        if (mode & (J | C)) {
            uint32_t c1 = 0x80 + (uint32_t)cr_below(r, 32);
            if ((mode & C) && cr_pct(r, 40))
                gb_add(b, &(uint8_t){(uint8_t)c1}, 1);
            else
                gb_cp(b, c1);
            return;
        }
        break;
    case 1: /* any C0 control (NUL only in documents) */
        if (mode & (J | C)) {
            uint8_t c0 = (uint8_t)cr_below(r, 32);
            gb_add(b, &(uint8_t){c0 == 0 && !(mode & C) ? 0x1b : c0}, 1);
            return;
        }
        break;
    case 2: /* a run, as long as SPEC 4.2 allows for one component */
        for (size_t k = 0, len = 1 + cr_below(r, 250); k < len; k++)
            gb_add(b, "A", 1);
        return;
    case 3: { /* 64 hex digits, as a fingerprint looks */
        char hex[65];
        for (int k = 0; k < 64; k++)
            hex[k] = "0123456789abcdef"[cr_below(r, 16)];
        gb_add(b, hex, 64);
        return;
    }
    default:
        break;
    }
    for (;;) {
        size_t k = cr_below(r, n);
        if (pieces[k].modes & mode) {
            gb_add(b, pieces[k].s, pieces[k].len);
            return;
        }
    }
}

void cr_text(cr_rng *r, gbuf *b, unsigned mode, size_t max)
{
    for (size_t k = 0, n = 1 + cr_below(r, max); k < n; k++)
        piece(r, b, mode);
}

/* Decodes one code point of valid UTF-8 (the generator makes only valid text here). */
static uint32_t utf8_next(const uint8_t *s, size_t len, size_t *i)
{
    uint8_t c = s[*i];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1Fu : n == 3 ? c & 0x0Fu : c & 0x07u;
    for (size_t k = 1; k < n && *i + k < len; k++)
        cp = cp << 6 | (s[*i + k] & 0x3Fu);
    *i += n;
    return cp;
}

static void json_u(gbuf *out, uint32_t u, int upper)
{
    char esc[8];
    snprintf(esc, sizeof esc, upper ? "\\u%04X" : "\\u%04x", u);
    gb_str(out, esc);
}

void cr_json_string(cr_rng *r, gbuf *out, const uint8_t *s, size_t len)
{
    gb_add(out, "\"", 1);
    for (size_t i = 0; i < len;) {
        size_t at = i;
        uint32_t cp = utf8_next(s, len, &i);
        int escape = cp < 0x20 || cp == '"' || cp == '\\' || cr_pct(r, cp < 0x80 ? 5 : 40);
        if (!escape) {
            gb_add(out, s + at, i - at);
        } else if (cp == '"' || cp == '\\' || (cp == '\n' && cr_pct(r, 50))) {
            gb_str(out, cp == '"' ? "\\\"" : cp == '\\' ? "\\\\" : "\\n");
        } else if (cp >= 0x10000) { /* a surrogate pair */
            json_u(out, 0xD800 + ((cp - 0x10000) >> 10), cr_pct(r, 50));
            json_u(out, 0xDC00 + ((cp - 0x10000) & 0x3FF), cr_pct(r, 50));
        } else {
            json_u(out, cp, cr_pct(r, 50));
        }
    }
    gb_add(out, "\"", 1);
}

static void json_text(cr_rng *r, gbuf *out, size_t max)
{
    gbuf t = {0};
    cr_text(r, &t, CR_JSON, max);
    cr_json_string(r, out, t.p, t.len);
    gb_free(&t);
}

/* SPEC 5.5 (canonical JSON): integers only, within +-(2^53-1); the edges are the hostile ones. */
static const char *const ints[] = {"-9007199254740991",
                                   "9007199254740991",
                                   "-9007199254740990",
                                   "0",
                                   "-1",
                                   "1",
                                   "2016",
                                   "12",
                                   "31",
                                   "13",
                                   "-2147483648",
                                   "4294967296",
                                   "99999999999",
                                   "100000"};

static void json_number(cr_rng *r, gbuf *out)
{
    gb_str(out, ints[cr_below(r, sizeof ints / sizeof ints[0])]);
}

static void ws(cr_rng *r, gbuf *out)
{
    static const char *const sp[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    gb_str(out, sp[cr_below(r, sizeof sp / sizeof sp[0])]);
}

/* Member names: a hostile name made unique by a counter (SPEC 5.5 forbids duplicates after
 * unescaping, which escaping at random could otherwise produce). */
static void json_key(cr_rng *r, gbuf *out, const char *name, unsigned k)
{
    gbuf t = {0};
    if (name != NULL) {
        gb_str(&t, name);
    } else {
        char n[16];
        cr_text(r, &t, CR_JSON, 3);
        snprintf(n, sizeof n, "#%u", k);
        gb_str(&t, n);
    }
    ws(r, out);
    cr_json_string(r, out, t.p, t.len);
    ws(r, out);
    gb_add(out, ":", 1);
    ws(r, out);
    gb_free(&t);
}

void cr_json_value(cr_rng *r, gbuf *out, unsigned depth)
{
    size_t pick = cr_below(r, depth > 0 ? 8 : 5);
    if (pick == 0 || pick == 1) {
        json_text(r, out, 6);
    } else if (pick == 2) {
        json_number(r, out);
    } else if (pick == 3) {
        static const char *const lit[] = {"true", "false", "null"};
        gb_str(out, lit[cr_below(r, 3)]);
    } else if (pick == 4) {
        gb_str(out, "\"\"");
    } else if (pick == 5) { /* deep nesting, within SPEC 5.5's 64 levels wherever it lands */
        size_t d = 1 + cr_below(r, 40);
        for (size_t k = 0; k < d; k++)
            gb_add(out, "[", 1);
        json_number(r, out);
        for (size_t k = 0; k < d; k++)
            gb_add(out, "]", 1);
    } else if (pick == 6) {
        gb_add(out, "[", 1);
        for (size_t k = 0, n = cr_below(r, 4); k < n; k++) {
            if (k > 0)
                gb_add(out, ",", 1);
            ws(r, out);
            cr_json_value(r, out, depth - 1);
        }
        gb_add(out, "]", 1);
    } else {
        gb_add(out, "{", 1);
        for (unsigned k = 0, n = (unsigned)cr_below(r, 4); k < n; k++) {
            if (k > 0)
                gb_add(out, ",", 1);
            json_key(r, out, NULL, k);
            cr_json_value(r, out, depth - 1);
        }
        gb_add(out, "}", 1);
    }
}

/* A date-part: an integer (often one at the edge of 64 bits), a numeric or hostile string. */
static void date_part(cr_rng *r, gbuf *out, int extreme)
{
    static const char *const edge[] = {"-9007199254740991", "9007199254740991",
                                       "\"-9223372036854775808\"", "\"99999999999999999999999\""};
    if (extreme) {
        gb_str(out, edge[cr_below(r, sizeof edge / sizeof edge[0])]);
        return;
    }
    switch (cr_below(r, 6)) {
    case 0:
    case 1:
    case 2:
        json_number(r, out);
        break;
    case 3:
        json_text(r, out, 3);
        break;
    case 4:
        gb_str(out, edge[cr_below(r, sizeof edge / sizeof edge[0])]);
        break;
    default:
        cr_json_value(r, out, 2);
    }
}

/* A CSL date: date-parts (up to five parts, sometimes all at the 64-bit edge), raw, literal,
 * or something that is not a date at all. */
static void csl_date(cr_rng *r, gbuf *out)
{
    size_t kind = cr_below(r, 10);
    if (kind >= 7) {
        cr_json_value(r, out, 3);
        return;
    }
    gb_add(out, "{", 1);
    if (kind <= 4) {
        int extreme = cr_pct(r, 30);
        json_key(r, out, "date-parts", 0);
        gb_add(out, "[[", 2);
        for (size_t k = 0, n = cr_below(r, 6); k < n; k++) {
            if (k > 0)
                gb_add(out, ",", 1);
            date_part(r, out, extreme);
        }
        gb_add(out, "]]", 2);
        if (kind == 4)
            gb_add(out, ",", 1);
    }
    if (kind >= 4) {
        json_key(r, out, kind == 6 ? "literal" : "raw", 0);
        json_text(r, out, 6);
    }
    gb_add(out, "}", 1);
}

static void csl_names(cr_rng *r, gbuf *out)
{
    if (cr_pct(r, 15)) {
        cr_json_value(r, out, 3);
        return;
    }
    gb_add(out, "[", 1);
    for (size_t k = 0, n = cr_below(r, 4); k < n; k++) {
        if (k > 0)
            gb_add(out, ",", 1);
        if (cr_pct(r, 10)) {
            cr_json_value(r, out, 2);
            continue;
        }
        gb_add(out, "{", 1);
        if (cr_pct(r, 30)) {
            json_key(r, out, "literal", 0);
            json_text(r, out, 5);
        } else {
            json_key(r, out, "family", 0);
            cr_pct(r, 85) ? json_text(r, out, 4) : cr_json_value(r, out, 2);
            gb_add(out, ",", 1);
            json_key(r, out, "given", 0);
            json_text(r, out, 4);
        }
        gb_add(out, "}", 1);
    }
    gb_add(out, "]", 1);
}

static void member_sep(gbuf *out, int *first)
{
    if (!*first)
        gb_add(out, ",", 1);
    *first = 0;
}

void cr_csl_item(cr_rng *r, gbuf *out)
{
    static const char *const strs[] = {
        "id",       "type",   "title", "container-title", "URL", "publisher",
        "language", "medium", "note",  "quire-media-type"};
    int first = 1;
    gb_add(out, "{", 1);
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
        if (!cr_pct(r, 60))
            continue;
        member_sep(out, &first);
        json_key(r, out, strs[k], 0);
        if (k == 9 && cr_pct(r, 50))
            gb_str(out, cr_pct(r, 50) ? "\"text/html\"" : "\"text/plain\"");
        else if (cr_pct(r, 85))
            json_text(r, out, k == 2 ? 12 : 6);
        else
            cr_json_value(r, out, 3);
    }
    static const char *const dates[] = {"issued", "accessed"};
    for (size_t k = 0; k < 2; k++) {
        if (cr_pct(r, 75)) {
            member_sep(out, &first);
            json_key(r, out, dates[k], 0);
            csl_date(r, out);
        }
    }
    if (cr_pct(r, 70)) {
        member_sep(out, &first);
        json_key(r, out, "author", 0);
        csl_names(r, out);
    }
    if (cr_pct(r, 20)) {
        member_sep(out, &first);
        json_key(r, out, "quire-title-guessed", 0);
        gb_str(out, cr_pct(r, 70) ? "true" : "\"yes\"");
    }
    for (unsigned k = 0, n = (unsigned)cr_below(r, 3); k < n; k++) {
        member_sep(out, &first);
        json_key(r, out, NULL, k);
        cr_json_value(r, out, 4);
    }
    gb_add(out, "}", 1);
}

void cr_bundle_meta(cr_rng *r, gbuf *out, const char *supersedes)
{
    static const char *const strs[] = {"title",    "description", "creator", "license",
                                       "language", "version",     "created", "generator"};
    int first = 1;
    gb_add(out, "{", 1);
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
        if (!cr_pct(r, 50))
            continue;
        member_sep(out, &first);
        json_key(r, out, strs[k], 0);
        cr_pct(r, 85) ? json_text(r, out, 8) : cr_json_value(r, out, 3);
    }
    if (supersedes != NULL || cr_pct(r, 30)) {
        member_sep(out, &first);
        json_key(r, out, "supersedes", 0);
        if (supersedes != NULL)
            gb_str(out, supersedes);
        else
            cr_pct(r, 80) ? json_text(r, out, 6) : cr_json_value(r, out, 2);
    }
    for (unsigned k = 0, n = (unsigned)cr_below(r, 3); k < n; k++) {
        member_sep(out, &first);
        json_key(r, out, NULL, k);
        cr_json_value(r, out, 4);
    }
    gb_add(out, "}", 1);
}

/* One path component: SPEC 4.1 text, at most 255 bytes, never "." or "..". */
static void component(cr_rng *r, gbuf *out)
{
    gbuf c = {0};
    cr_text(r, &c, CR_PATH, 4);
    while (c.len > 255) { /* cut at a character boundary */
        c.len--;
        while (c.len > 0 && (c.p[c.len] & 0xC0) == 0x80)
            c.len--;
    }
    if ((c.len == 1 && c.p[0] == '.') || (c.len == 2 && memcmp(c.p, "..", 2) == 0))
        gb_add(&c, "x", 1);
    gb_add(out, c.p, c.len);
    gb_free(&c);
}

void cr_path(cr_rng *r, gbuf *out)
{
    static const char *const ext[] = {"",
                                      "",
                                      ".txt",
                                      ".html",
                                      ".htm",
                                      ".pdf",
                                      "\xe2\x80\xae"
                                      "fdp.exe",
                                      ".md"};
    for (size_t k = 0, n = 1 + cr_below(r, 3); k < n; k++) {
        if (k > 0)
            gb_add(out, "/", 1);
        component(r, out);
    }
    gb_str(out, ext[cr_below(r, sizeof ext / sizeof ext[0])]);
}

static const char *const words[] = {"the",
                                    "quick",
                                    "brown",
                                    "fox",
                                    "report",
                                    "Quire",
                                    "invoice",
                                    "\xc3\x9f"
                                    "e",
                                    "STRASSE",
                                    "na\xc3\xafve",
                                    "caf\xc3\xa9",
                                    "\xe2\x80\x9cquoted\xe2\x80\x9d",
                                    "it\xe2\x80\x99s",
                                    "dash\xe2\x80\x94here",
                                    "\xe4\xb8\xad\xe6\x96\x87"};

static void words_or_pieces(cr_rng *r, gbuf *out, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (cr_pct(r, 60))
            gb_str(out, words[cr_below(r, sizeof words / sizeof words[0])]);
        else
            piece(r, out, CR_CONTENT);
        gb_str(out, cr_pct(r, 85) ? " " : cr_pct(r, 50) ? "\n" : "\r\n");
    }
}

void cr_document(cr_rng *r, gbuf *out, int html)
{
    size_t n = cr_pct(r, 5) ? 0 : cr_pct(r, 5) ? 3000 + cr_below(r, 3000) : cr_below(r, 200);
    if (!html) {
        words_or_pieces(r, out, n);
        return;
    }
    static const char *const tags[] = {"<p>",
                                       "</p>",
                                       "<br>",
                                       "<div class=\"x\">",
                                       "</div>",
                                       "<script>alert(1)</script>",
                                       "<style>p{}</style>",
                                       "<title>",
                                       "</title>",
                                       "<!-- c -->",
                                       "<a href=\"&#x9b;\">",
                                       "</a>",
                                       "<![CDATA[\x1b[2J]]>",
                                       "<h1>",
                                       "</h1>",
                                       "<"};
    gb_str(out, cr_pct(r, 50) ? "<!DOCTYPE html><html><head>" : "");
    for (size_t k = 0; k < n / 4 + 1; k++) {
        gb_str(out, tags[cr_below(r, sizeof tags / sizeof tags[0])]);
        words_or_pieces(r, out, 1 + cr_below(r, 6));
    }
}
