/* SPDX-License-Identifier: ISC */
/* text_match.c: exact matching in a stream (Knuth-Morris-Pratt), optionally of whole words. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "quire_text.h"

struct quire_text_matcher {
    unsigned char *pat;
    size_t m, q;
    size_t *next;         /* KMP failure function */
    quire_text_pos *ring; /* positions of the last m bytes (those that may start a match) */
    bool *open_before;    /* for each: no word character just before it (whole words) */
    size_t at;            /* the ring slot of the next byte */
    uint64_t steps;       /* bytes looked at plus fallbacks */
    uint64_t fed;         /* bytes since the reset */
    uint64_t last_end;    /* one past the byte count at which the last reported match ended */
    unsigned options;
    quire_text_match_fn on_match;
    void *ctx;
    /* whole words: the character being decoded, the last one's class, a match waiting for the
     * character after it */
    uint32_t cp;
    size_t need;
    bool last_word, pending;
    quire_text_pos pend_first, pend_last;
    uint64_t pend_end;
};

quire_text_matcher *quire_text_matcher_new(const char *pat, size_t len, unsigned options,
                                           quire_text_match_fn on_match, void *ctx)
{
    quire_text_matcher *mt = len > 0 ? calloc(1, sizeof *mt) : NULL;
    if (mt == NULL)
        return NULL;
    mt->m = len;
    mt->options = options;
    mt->on_match = on_match;
    mt->ctx = ctx;
    mt->pat = malloc(len);
    mt->next = calloc(len, sizeof *mt->next);
    mt->ring = calloc(len, sizeof *mt->ring);
    mt->open_before = calloc(len, sizeof *mt->open_before);
    if (mt->pat == NULL || mt->next == NULL || mt->ring == NULL || mt->open_before == NULL) {
        quire_text_matcher_free(mt);
        return NULL;
    }
    memcpy(mt->pat, pat, len);
    for (size_t i = 1, k = 0; i < len; i++) { /* next[i]: longest border of pat[0..i] */
        while (k > 0 && mt->pat[i] != mt->pat[k])
            k = mt->next[k - 1];
        k += mt->pat[i] == mt->pat[k];
        mt->next[i] = k;
    }
    return mt;
}

void quire_text_matcher_reset(quire_text_matcher *mt)
{
    mt->q = mt->at = 0;
    mt->steps = mt->fed = mt->last_end = 0;
    mt->need = 0;
    mt->last_word = mt->pending = false;
}

uint64_t quire_text_matcher_steps(const quire_text_matcher *mt)
{
    return mt->steps;
}

/* Letters, marks, digits and '_', as grep -w counts word constituents. */
static bool word_char(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
    utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO);
}

/* Reports a match unless it overlaps the last one reported (without QUIRE_MATCH_OVERLAP). */
static void report(quire_text_matcher *mt, const quire_text_pos *first, const quire_text_pos *last,
                   uint64_t end)
{
    if (!(mt->options & QUIRE_MATCH_OVERLAP) && mt->last_end > 0 && end - mt->m < mt->last_end)
        return;
    mt->last_end = end;
    mt->on_match(mt->ctx, first, last);
}

/* Whole words: decodes byte c; a character that completes decides a waiting match. Returns
 * whether c starts a character. */
static bool track_char(quire_text_matcher *mt, unsigned char c)
{
    bool starts = (c & 0xC0) != 0x80;
    if (c < 0x80 || (starts && c < 0xC0)) {
        mt->cp = c, mt->need = 0;
    } else if (starts) {
        mt->need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        mt->cp = c & (c >= 0xF0 ? 0x07u : c >= 0xE0 ? 0x0Fu : 0x1Fu);
        return true;
    } else if (mt->need > 0) {
        mt->cp = mt->cp << 6 | (c & 0x3Fu);
        if (--mt->need > 0)
            return false;
    } else {
        return false;
    }
    bool w = word_char(mt->cp);
    if (mt->pending && !w)
        report(mt, &mt->pend_first, &mt->pend_last, mt->pend_end);
    mt->pending = false;
    mt->last_word = w;
    return starts;
}

void quire_text_matcher_feed(void *matcher, const char *s, size_t n, const quire_text_pos *pos)
{
    quire_text_matcher *mt = matcher;
    bool words = (mt->options & QUIRE_MATCH_WORDS) != 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool open = !mt->last_word;
        if (words)
            track_char(mt, c);
        size_t at = mt->at;
        mt->at = at + 1 == mt->m ? 0 : at + 1;
        mt->steps++, mt->fed++;
        while (mt->q > 0 && mt->pat[mt->q] != c)
            mt->q = mt->next[mt->q - 1], mt->steps++;
        if (mt->pat[mt->q] != c)
            continue;
        /* A match's first byte leaves q >= 1, so only such bytes need their position kept;
         * the slot is not reused before the match that may start there ends. */
        mt->ring[at] = *pos;
        mt->open_before[at] = open;
        if (++mt->q < mt->m)
            continue;
        mt->q = mt->next[mt->m - 1];
        if (!words) {
            report(mt, &mt->ring[mt->at], &mt->ring[at], mt->fed);
        } else if (mt->open_before[mt->at]) { /* decided by the character after it */
            mt->pending = true;
            mt->pend_first = mt->ring[mt->at], mt->pend_last = mt->ring[at];
            mt->pend_end = mt->fed;
        }
    }
}

void quire_text_matcher_final(quire_text_matcher *mt)
{
    if (mt->pending)
        report(mt, &mt->pend_first, &mt->pend_last, mt->pend_end);
    mt->pending = false;
}

void quire_text_matcher_free(quire_text_matcher *mt)
{
    if (mt == NULL)
        return;
    free(mt->pat);
    free(mt->next);
    free(mt->ring);
    free(mt->open_before);
    free(mt);
}
