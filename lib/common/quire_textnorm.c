/* SPDX-License-Identifier: ISC */
/* quire_textnorm.c: normalisation (white space, typographic punctuation, letter case) and exact
 * matching, both streamed. Case folding uses a built-in table, so that it neither depends on
 * the process locale nor needs one to be installed, and keeps no state. */
#include <stdlib.h>
#include <string.h>

#include "quire_text.h"

#include "quire_fold_table.h"

uint32_t quire_text_fold(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    size_t lo = 0, hi = sizeof fold_ranges / sizeof *fold_ranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c < fold_ranges[mid].first)
            hi = mid;
        else if (c > fold_ranges[mid].last)
            lo = mid + 1;
        else if ((c - fold_ranges[mid].first) % fold_ranges[mid].stride != 0)
            return c;
        else
            return (uint32_t)((int32_t)c + fold_ranges[mid].delta);
    }
    return c;
}

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

static size_t encode(uint32_t cp, char *o)
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

void quire_text_norm_init(quire_text_norm *st, unsigned flags, quire_text_sink sink, void *ctx)
{
    memset(st, 0, sizeof *st);
    st->flags = flags;
    st->sink = sink;
    st->ctx = ctx;
}

static void out(quire_text_norm *st, const char *s, size_t n, const quire_text_pos *pos)
{
    if (st->pending_space) /* the space goes where the text resumes */
        st->sink(st->ctx, " ", 1, pos);
    st->pending_space = false;
    st->emitted = true;
    st->sink(st->ctx, s, n, pos);
}

/* One decoded character c, from pos. */
static void character(quire_text_norm *st, uint32_t c, const quire_text_pos *pos)
{
    char o[4];
    if ((st->flags & QUIRE_NORM_SPACE) && is_space(c)) {
        st->pending_space = st->emitted;
        return;
    }
    if ((st->flags & QUIRE_NORM_PUNCT) && c == 0x2026) {
        out(st, "...", 3, pos);
        return;
    }
    uint32_t p = (st->flags & QUIRE_NORM_PUNCT) ? fold_punct(c) : UINT32_MAX;
    if (p == 0) {
        if (st->pending_space) /* as before streaming: a dropped character ends a space run */
            out(st, "", 0, pos);
        return;
    }
    c = p != UINT32_MAX ? p : c;
    if (st->flags & QUIRE_NORM_CASE)
        c = quire_text_fold(c);
    out(st, o, encode(c, o), pos);
}

/* Bytes held for a sequence that turned out invalid pass through one by one. */
static void flush_invalid(quire_text_norm *st)
{
    quire_text_pos pos = st->upos;
    for (size_t i = 0; i < st->ulen; i++, pos.toff++)
        out(st, (const char *)st->u + i, 1, &pos);
    st->ulen = 0;
}

static void norm_byte(quire_text_norm *st, unsigned char b, const quire_text_pos *pos)
{
    if (st->ulen > 0 && (b & 0xC0) != 0x80)
        flush_invalid(st);
    if (st->ulen == 0) {
        if (b < 0x80) {
            character(st, b, pos);
            return;
        }
        st->uneed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        if (b < 0xC2 || b > 0xF4) {
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
    character(st, c, &st->upos);
}

void quire_text_norm_feed(void *norm, const char *s, size_t n, const quire_text_pos *pos)
{
    quire_text_norm *st = norm;
    quire_text_pos p = *pos;
    for (size_t i = 0; i < n; i++, p.toff++)
        norm_byte(st, (unsigned char)s[i], &p);
}

void quire_text_norm_final(quire_text_norm *st)
{
    flush_invalid(st);
}

/* ---- matching ---- */

int quire_text_matcher_init(quire_text_matcher *mt, const char *pat, size_t len, bool overlap,
                            quire_text_match_fn on_match, void *ctx)
{
    memset(mt, 0, sizeof *mt);
    mt->m = len;
    mt->overlap = overlap;
    mt->on_match = on_match;
    mt->ctx = ctx;
    mt->pat = malloc(len);
    mt->next = calloc(len, sizeof *mt->next);
    mt->ring = calloc(len, sizeof *mt->ring);
    if (len == 0 || mt->pat == NULL || mt->next == NULL || mt->ring == NULL) {
        quire_text_matcher_free(mt);
        return -1;
    }
    memcpy(mt->pat, pat, len);
    for (size_t i = 1, k = 0; i < len; i++) { /* next[i]: longest border of pat[0..i] */
        while (k > 0 && mt->pat[i] != mt->pat[k])
            k = mt->next[k - 1];
        k += mt->pat[i] == mt->pat[k];
        mt->next[i] = k;
    }
    return 0;
}

void quire_text_matcher_reset(quire_text_matcher *mt)
{
    mt->q = 0;
    mt->at = 0;
    mt->steps = 0;
}

void quire_text_matcher_feed(void *matcher, const char *s, size_t n, const quire_text_pos *pos)
{
    quire_text_matcher *mt = matcher;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t at = mt->at;
        mt->at = at + 1 == mt->m ? 0 : at + 1;
        mt->steps++;
        while (mt->q > 0 && mt->pat[mt->q] != c)
            mt->q = mt->next[mt->q - 1], mt->steps++;
        if (mt->pat[mt->q] != c)
            continue;
        /* A match's first byte leaves q >= 1, so only such bytes need their position kept;
         * the slot is not reused before the match that may start there ends. */
        mt->ring[at] = *pos;
        if (++mt->q == mt->m) {
            mt->on_match(mt->ctx, &mt->ring[mt->at], &mt->ring[at]);
            mt->q = mt->overlap ? mt->next[mt->m - 1] : 0;
        }
    }
}

void quire_text_matcher_free(quire_text_matcher *mt)
{
    if (mt == NULL)
        return;
    free(mt->pat);
    free(mt->next);
    free(mt->ring);
    memset(mt, 0, sizeof *mt);
}
