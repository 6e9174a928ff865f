/* SPDX-License-Identifier: ISC */
/* read_near.h: the closest passage, for quote when a passage is not found: where in the
 * document's case-folded words the passage's words agree most, and where the two first part.
 * Fed the words of one document at a time; its memory depends on the passage only. */
#ifndef READ_NEAR_H
#define READ_NEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire_text_api.h"

#define NEAR_MAX_WORDS 64 /* of the passage, aligned */
/* Document words kept for the alignment: the passage's words and as many before them. */
#define NEAR_WRING_WORDS (2 * NEAR_MAX_WORDS)
#define NEAR_SHOW_WORD_BYTES 60 /* of a differing word, shown */

/* Called when the closest passage moves to a new start (end_known false, end NULL) and when
 * its last word is in or the document ended (end_known true: its last character at end). */
typedef void (*near_target_fn)(void *ctx, const quire_text_pos *start, bool end_known,
                               const quire_text_pos *end);

/* How the passage differs from the document where they first part: a word changed, a word
 * the passage adds, a word of the document it leaves out; or the document ends (or has not
 * begun) there. */
typedef enum near_diff_kind {
    DIFF_CHANGED,
    DIFF_ADDED,
    DIFF_LEFT_OUT,
    DIFF_DOC_ENDS,
    DIFF_DOC_BEGINS,
} near_diff_kind;

/* The closest passage when a quote is not found: the alignment of the passage against the
 * document's words (the passage's first word at document word a, which may be before the
 * first) where most words are the same, case ignored. A word changed anywhere counts as one
 * word, not as the end of a run. */
typedef struct near {
    size_t *qs, *ql, nq, nq_all;
    const char *q;
    size_t same[NEAR_MAX_WORDS]; /* words equal in each live alignment, by a mod the size */
    char *word;                  /* the current document word, up to wcap + 1 bytes */
    size_t wcap, wlen;
    bool open;
    quire_text_pos wstart, last, starts[NEAR_MAX_WORDS];
    uint64_t i; /* document words completed */
    size_t best;
    int64_t best_first, best_end; /* word indexes the aligned passage starts and ends at */
    char *wring; /* the last NEAR_WRING_WORDS document words, wcap + 1 bytes each at most */
    size_t wring_len[NEAR_WRING_WORDS];
    uint16_t *dp;    /* the alignment's table, (NEAR_MAX_WORDS + 1) * (NEAR_WRING_WORDS + 1) */
    bool diff_known; /* the first passage word the aligned document text differs at */
    size_t diff_k;
    near_diff_kind diff_kind;
    char diff_doc[NEAR_SHOW_WORD_BYTES + 4]; /* the document word there, and "…" when cut */
    bool pending;                            /* a closest passage whose last word is not in yet */
    quire_text_pos target;                   /* where it starts */
    near_target_fn on_target;                /* told whenever the closest passage moves or ends */
    void *ctx;
} near;

/* Prepares for PASSAGE (normalised with T as quote's folded matching is); 0, or -1 when out
 * of memory. fn(ctx, ...) is told where the closest passage is. Free with near_free. */
int near_init(near *nr, const quire_text_api_v1 *T, const char *passage, near_target_fn fn,
              void *ctx);

void near_free(near *nr);

/* Forgets the last document's words, before the next document. */
void near_reset(near *nr);

/* Takes n bytes of the document's case-folded text (words separated by one space), the first
 * at pos. */
void near_feed(near *nr, const char *p, size_t n, const quire_text_pos *pos);

/* The document ended: the closest passage, if still open, ends there. */
void near_final(near *nr);

#endif
