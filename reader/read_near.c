/* SPDX-License-Identifier: ISC */
/* read_near.c: the closest passage (read_near.h). Every alignment of the passage against the
 * document's words (passage word 0 at document word a) counts the words that agree; the best
 * count so far is the closest passage, and once its last word is in, where it first parts
 * from the passage is found by aligning the two again word by word. */
#include <stdlib.h>
#include <string.h>

#include "read_near.h"

/* Whether passage word k is document word d (in the ring). */
static bool same_word(const near *nr, size_t k, uint64_t d)
{
    size_t wl = nr->wring_len[d % NEAR_WRING_WORDS];
    return wl == nr->ql[k] &&
           memcmp(nr->wring + (d % NEAR_WRING_WORDS) * (nr->wcap + 1), nr->q + nr->qs[k], wl) == 0;
}

/* Keeps document word d, cut to NEAR_SHOW_WORD_BYTES on a character, as the differing word. */
static void keep_doc_word(near *nr, uint64_t d)
{
    const char *w = nr->wring + (d % NEAR_WRING_WORDS) * (nr->wcap + 1);
    size_t wl = nr->wring_len[d % NEAR_WRING_WORDS]; /* <= wcap + 1, all kept */
    size_t show = wl < NEAR_SHOW_WORD_BYTES ? wl : NEAR_SHOW_WORD_BYTES;
    while (show < wl && show > 0 && ((unsigned char)w[show] & 0xC0) == 0x80)
        show--; /* whole characters */
    memcpy(nr->diff_doc, w, show);
    memcpy(nr->diff_doc + show, show < wl ? "\xE2\x80\xA6" : "", show < wl ? 4 : 1);
}

/* Where the passage first parts from the document, once the aligned passage's last word is in
 * (or the document ended: at_end). The passage is aligned word by word with the document words
 * read, from up to NEAR_MAX_WORDS before the closest passage on: a longest common subsequence,
 * so that a word added or left out shifts the rest instead of making every later word differ.
 * It starts at the last document word from which that many words are shared (one earlier when
 * that makes its first word a changed one rather than an added one), and is followed from the
 * passage's first word while the two agree. */
static void near_diff(near *nr, bool at_end)
{
    nr->diff_known = true;
    nr->diff_k = nr->nq; /* no word differs: the passage is longer than NEAR_MAX_WORDS */
    int64_t lo = nr->best_first - NEAR_MAX_WORDS;
    uint64_t d0 = lo > 0 ? (uint64_t)lo : 0;
    if (nr->i > NEAR_WRING_WORDS && d0 < nr->i - NEAR_WRING_WORDS)
        d0 = nr->i - NEAR_WRING_WORDS;
    size_t nd = (size_t)(nr->i - d0), nq = nr->nq, cols = nd + 1;
    uint16_t *t = nr->dp; /* t[k * cols + j]: the most words passage[k..] and doc[d0 + j..] share */
    for (size_t k = nq + 1; k-- > 0;)
        for (size_t j = nd + 1; j-- > 0;) {
            uint16_t v = 0;
            if (k < nq && j < nd) {
                uint16_t both = (uint16_t)(t[(k + 1) * cols + j + 1] + same_word(nr, k, d0 + j));
                uint16_t add = t[(k + 1) * cols + j], skip = t[k * cols + j + 1];
                v = both > add ? both : add;
                v = skip > v ? skip : v;
            }
            t[k * cols + j] = v;
        }
    size_t j = 0, k = 0;
    while (j < nd && t[j + 1] == t[0]) /* row 0 does not grow with j: the last start */
        j++;
    if (j > 0 && j < nd && !same_word(nr, 0, d0 + j) && t[cols + j] == t[0])
        j--; /* the first word changed, not added */
    while (k < nq && j < nd && same_word(nr, k, d0 + j) &&
           t[k * cols + j] == t[(k + 1) * cols + j + 1] + 1)
        k++, j++;
    if (k == nq || (j == nd && !at_end))
        return; /* none, or past the words read so far */
    nr->diff_k = k;
    if (j == nd) {
        nr->diff_kind = DIFF_DOC_ENDS;
        return;
    }
    keep_doc_word(nr, d0 + j);
    uint16_t here = t[k * cols + j];
    if (t[(k + 1) * cols + j + 1] == here) /* a changed word, where that explains as much */
        nr->diff_kind = DIFF_CHANGED;
    else if (t[(k + 1) * cols + j] == here)
        nr->diff_kind = k == 0 && d0 + j == 0 ? DIFF_DOC_BEGINS : DIFF_ADDED;
    else
        nr->diff_kind = DIFF_LEFT_OUT;
}

static void word_done(near *nr, const quire_text_pos *end)
{
    size_t slot = nr->i % NEAR_MAX_WORDS, wslot = nr->i % NEAR_WRING_WORDS;
    nr->starts[slot] = nr->wstart;
    nr->wring_len[wslot] = nr->wlen; /* wcap + 1: longer than wcap, whose first wcap + 1 are kept */
    memcpy(nr->wring + wslot * (nr->wcap + 1), nr->word, nr->wlen);
    nr->same[slot] = 0; /* alignment i begins; the one before it there ended nq words ago */
    for (size_t j = 0; j < nr->nq; j++) {
        if (nr->wlen != nr->ql[j] || memcmp(nr->word, nr->q + nr->qs[j], nr->wlen) != 0)
            continue;
        int64_t a = (int64_t)nr->i - (int64_t)j; /* passage word j is this word */
        size_t *same = &nr->same[(uint64_t)(a + NEAR_MAX_WORDS) % NEAR_MAX_WORDS];
        if (++*same > nr->best) {
            nr->best = *same;
            nr->best_first = a;
            nr->best_end = a + (int64_t)nr->nq - 1;
            nr->diff_known = false;
            nr->pending = true;
            nr->target = nr->starts[a > 0 ? (uint64_t)a % NEAR_MAX_WORDS : 0];
            nr->on_target(nr->ctx, &nr->target, false, NULL);
        }
    }
    nr->i++;
    if (nr->pending && nr->best_end + 1 == (int64_t)nr->i) {
        nr->pending = false;
        nr->on_target(nr->ctx, &nr->target, true, end);
        near_diff(nr, false);
    }
    nr->open = false;
    nr->wlen = 0;
}

void near_feed(near *nr, const char *p, size_t n, const quire_text_pos *pos)
{
    const quire_text_pos at = *pos;
    for (size_t k = 0; k < n; k++) {
        if (p[k] == ' ') {
            if (!nr->open)
                nr->wstart = at; /* an empty word */
            word_done(nr, &nr->last);
        } else {
            if (!nr->open)
                nr->wstart = at, nr->open = true;
            if (nr->wlen <= nr->wcap)
                nr->word[nr->wlen] = p[k];
            nr->wlen += nr->wlen <= nr->wcap; /* wcap + 1: longer than any passage word */
        }
        nr->last = at;
    }
}

void near_final(near *nr)
{
    if (nr->open)
        word_done(nr, &nr->last);
    if (nr->pending) { /* the passage would run past the end */
        nr->pending = false;
        nr->on_target(nr->ctx, &nr->target, true, &nr->last);
        near_diff(nr, true);
    }
}

void near_reset(near *nr)
{
    nr->i = nr->best = nr->best_first = nr->best_end = 0;
    nr->wlen = 0;
    nr->open = nr->diff_known = nr->pending = false;
    memset(nr->same, 0, sizeof nr->same);
}

int near_init(near *nr, const quire_text_api_v1 *T, const char *passage, near_target_fn fn,
              void *ctx)
{
    nr->on_target = fn;
    nr->ctx = ctx;
    quire_text raw = {0}, qf = {0};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | QUIRE_NORM_CASE;
    if (T->from_plain(passage, strlen(passage), &raw) != 0 || T->normalize(&raw, fl, &qf) != 0)
        goto fail;
    T->text_free(&raw);
    nr->q = qf.s, free(qf.map);
    nr->nq_all = T->words(qf.s, qf.len, &nr->qs, &nr->ql);
    if (nr->nq_all == SIZE_MAX)
        return -1;
    nr->nq = nr->nq_all < NEAR_MAX_WORDS ? nr->nq_all : NEAR_MAX_WORDS;
    nr->wcap = NEAR_SHOW_WORD_BYTES; /* bytes kept of a document word: enough to compare and show */
    for (size_t j = 0; j < nr->nq; j++)
        nr->wcap = nr->ql[j] > nr->wcap ? nr->ql[j] : nr->wcap;
    nr->word = malloc(nr->wcap + 1);
    nr->wring = malloc(NEAR_WRING_WORDS * (nr->wcap + 1));
    nr->dp = malloc((NEAR_MAX_WORDS + 1) * (NEAR_WRING_WORDS + 1) * sizeof *nr->dp);
    return nr->word && nr->wring && nr->dp ? 0 : -1;
fail:
    T->text_free(&raw), T->text_free(&qf);
    return -1;
}

void near_free(near *nr)
{
    free((char *)nr->q), free(nr->qs), free(nr->ql), free(nr->word);
    free(nr->wring), free(nr->dp);
}
