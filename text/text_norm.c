/* SPDX-License-Identifier: ISC */
/* text_norm.c: normalisation, streamed: NFKC and case folding by utf8proc, then white space and
 * punctuation. utf8proc works on whole strings, so the stream is cut into segments that
 * normalisation never joins: a character that starts one is neither combining nor the second
 * of a composition pair (Unicode Standard Annex 15, section 9). A segment is held until the
 * next starts, at most SEG_MAX_BYTES (the stream-safe text format allows 30 non-starters), and
 * ASCII segments of one character, nearly all text, skip utf8proc. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "quire_text.h"

#define SEG_MAX_BYTES 128
#define SEG_MAX_CPS 1024 /* decomposed: NFKC expands a character to at most 18 */

struct quire_text_norm {
    unsigned flags;
    quire_text_sink sink;
    void *ctx;
    unsigned char u[4]; /* a UTF-8 sequence being read */
    quire_text_pos upos;
    size_t ulen, uneed;
    unsigned char seg[SEG_MAX_BYTES]; /* the segment being collected, UTF-8 */
    size_t seglen;
    quire_text_pos segpos;
    bool pending_space, emitted, last_dash;
    utf8proc_int32_t buf[SEG_MAX_CPS];
};

static bool is_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
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
    case 0x2035:
        return '\'';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
    case 0x00AB:
    case 0x00BB:
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
    case 0x2E3A:
    case 0x2E3B:
        return '-';
    case 0x00B6: /* pilcrow: Sphinx and others mark headings and paragraphs with it */
    case 0x00AD:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
        return 0;
    default:
        return UINT32_MAX;
    }
}

quire_text_norm *quire_text_norm_new(unsigned flags, quire_text_sink sink, void *ctx)
{
    quire_text_norm *st = calloc(1, sizeof *st);
    if (st != NULL)
        st->flags = flags, st->sink = sink, st->ctx = ctx;
    return st;
}

void quire_text_norm_free(quire_text_norm *st)
{
    free(st);
}

static void out(quire_text_norm *st, const char *s, size_t n, const quire_text_pos *pos)
{
    if (st->pending_space) /* the space goes where the text resumes */
        st->sink(st->ctx, " ", 1, pos);
    st->pending_space = false;
    st->emitted = true;
    st->last_dash = false;
    st->sink(st->ctx, s, n, pos);
}

/* A dash (any run of them, "--" and "---" as well as an em dash) is one '-' with no space on
 * either side, so that "a -- b" and "a—b" are the same text. */
static void dash(quire_text_norm *st, const quire_text_pos *pos)
{
    st->pending_space = false;
    if (st->last_dash)
        return;
    out(st, "-", 1, pos);
    st->last_dash = true;
}

/* One normalised character c, from pos. */
static void character(quire_text_norm *st, uint32_t c, const quire_text_pos *pos)
{
    if ((st->flags & QUIRE_NORM_SPACE) && is_space(c)) {
        st->pending_space = st->emitted && !st->last_dash;
        return;
    }
    uint32_t p = (st->flags & QUIRE_NORM_PUNCT) ? fold_punct(c) : UINT32_MAX;
    if (p == 0)
        return;
    c = p != UINT32_MAX ? p : c;
    if ((st->flags & QUIRE_NORM_PUNCT) && c == '-') {
        dash(st, pos);
        return;
    }
    if ((st->flags & QUIRE_NORM_CASE) && c >= 'A' && c <= 'Z')
        c += 32;
    utf8proc_uint8_t o[4];
    out(st, (const char *)o, (size_t)utf8proc_encode_char((utf8proc_int32_t)c, o), pos);
}

/* The held segment, normalised. If utf8proc cannot take it (it cannot happen for valid
 * UTF-8 within the bounds above), its characters pass through as they are. */
static void flush_segment(quire_text_norm *st)
{
    size_t n = st->seglen;
    st->seglen = 0;
    if (n == 0)
        return;
    if (n == 1 && st->seg[0] < 0x80) {
        character(st, st->seg[0], &st->segpos);
        return;
    }
    utf8proc_option_t opt = UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STABLE | UTF8PROC_IGNORE;
    if (st->flags & QUIRE_NORM_CASE)
        opt |= UTF8PROC_CASEFOLD;
    utf8proc_ssize_t k = utf8proc_decompose_custom(st->seg, (utf8proc_ssize_t)n, st->buf,
                                                   SEG_MAX_CPS, opt, NULL, NULL);
    if (k >= 0 && k <= SEG_MAX_CPS)
        k = utf8proc_normalize_utf32(st->buf, k, opt);
    if (k < 0 || k > SEG_MAX_CPS) {
        utf8proc_int32_t c;
        for (size_t i = 0; i < n;) {
            utf8proc_ssize_t l = utf8proc_iterate(st->seg + i, (utf8proc_ssize_t)(n - i), &c);
            character(st, l > 0 ? (uint32_t)c : 0xFFFD, &st->segpos);
            i += l > 0 ? (size_t)l : 1;
        }
        return;
    }
    for (utf8proc_ssize_t i = 0; i < k; i++)
        character(st, (uint32_t)st->buf[i], &st->segpos);
}

/* Whether normalisation may join c to the character before it. */
static bool joins_previous(uint32_t c)
{
    if (c < 0x300)
        return false;
    if ((c >= 0x1161 && c <= 0x1175) || (c >= 0x11A8 && c <= 0x11C2)) /* Hangul V and T */
        return true;
    const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)c);
    return p->combining_class != 0 || (p->comb_index != UINT16_MAX && p->comb_index >= 0x8000);
}

/* One decoded character c (len bytes at st->u or b), from pos. */
static void decoded(quire_text_norm *st, uint32_t c, const unsigned char *b, size_t len,
                    const quire_text_pos *pos)
{
    if (st->seglen > 0 && (!joins_previous(c) || st->seglen + len > SEG_MAX_BYTES))
        flush_segment(st);
    if (st->seglen == 0)
        st->segpos = *pos;
    memcpy(st->seg + st->seglen, b, len);
    st->seglen += len;
}

/* Bytes held for a sequence that turned out invalid pass through one by one. */
static void flush_invalid(quire_text_norm *st)
{
    quire_text_pos pos = st->upos;
    if (st->ulen > 0)
        flush_segment(st);
    for (size_t i = 0; i < st->ulen; i++, pos.toff++)
        out(st, (const char *)st->u + i, 1, &pos);
    st->ulen = 0;
}

/* Whether b may follow lead in a well-formed sequence (no overlong form, surrogate or code
 * point above U+10FFFF). */
static bool second_ok(unsigned char lead, unsigned char b)
{
    if ((b & 0xC0) != 0x80)
        return false;
    return !((lead == 0xE0 && b < 0xA0) || (lead == 0xED && b >= 0xA0) ||
             (lead == 0xF0 && b < 0x90) || (lead == 0xF4 && b >= 0x90));
}

static void norm_byte(quire_text_norm *st, unsigned char b, const quire_text_pos *pos)
{
    if (st->ulen > 0 && (st->ulen == 1 ? !second_ok(st->u[0], b) : (b & 0xC0) != 0x80))
        flush_invalid(st);
    if (st->ulen == 0) {
        if (b < 0x80) {
            decoded(st, b, &b, 1, pos);
            return;
        }
        st->uneed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        if (b < 0xC2 || b > 0xF4) {
            flush_segment(st);
            out(st, (const char *)&b, 1, pos);
            return;
        }
        st->upos = *pos;
    }
    st->u[st->ulen++] = b;
    if (st->ulen < st->uneed)
        return;
    uint32_t c = st->u[0] & (st->uneed == 2 ? 0x1Fu : st->uneed == 3 ? 0x0Fu : 0x07u);
    for (size_t i = 1; i < st->uneed; i++)
        c = c << 6 | (st->u[i] & 0x3Fu);
    st->ulen = 0;
    decoded(st, c, st->u, st->uneed, &st->upos);
}

void quire_text_norm_feed(void *norm, const char *s, size_t n, const quire_text_pos *pos)
{
    quire_text_norm *st = norm;
    quire_text_pos p = *pos;
    for (size_t i = 0; i < n; i++) { /* a source's run: consecutive bytes from pos on */
        unsigned char b = (unsigned char)s[i];
        norm_byte(st, b, &p);
        p.toff++, p.off++;
        if (b == '\n')
            p.line++, p.tline++, p.col = 1;
        else
            p.col += (b & 0xC0) != 0x80;
    }
}

void quire_text_norm_final(quire_text_norm *st)
{
    flush_invalid(st);
    flush_segment(st);
    st->pending_space = st->emitted = st->last_dash = false;
}

char *quire_text_path_form(const char *path, bool nfd)
{
    utf8proc_uint8_t *out = NULL;
    utf8proc_option_t opt = UTF8PROC_NULLTERM | UTF8PROC_STABLE;
    opt |= nfd ? UTF8PROC_DECOMPOSE : UTF8PROC_COMPOSE;
    if (utf8proc_map((const utf8proc_uint8_t *)path, 0, &out, opt) < 0)
        return NULL;
    return (char *)out;
}
