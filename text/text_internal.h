/* SPDX-License-Identifier: ISC */
/* text_internal.h: what the sources of the text module share. */
#ifndef TEXT_INTERNAL_H
#define TEXT_INTERNAL_H

#include <stdio.h>

#include "quire_text.h"

typedef struct text_html text_html;

struct quire_text_source {
    quire_text_kind kind;
    quire_text_sink sink;
    void *ctx;
    quire_text_pos at;    /* plain text: the next document byte */
    uint64_t toff, tline; /* the next text byte, newlines in the text so far */
    bool binary;
    char note[200];
    text_html *html;               /* HTML: the parser */
    const quire_text_extractor *x; /* an extractor's document, up to x->max_bytes */
    char *doc;
    size_t doc_len, doc_cap;
    bool over;
};

/* Passes n text bytes derived from the document position from on to the sink. */
void text_emit(quire_text_source *src, const char *s, size_t n, const quire_text_pos *from);

/* Passes on n bytes that are document bytes as they are, the first at *at, and advances *at
 * past them (offset, line, column). */
void text_emit_copy(quire_text_source *src, const char *s, size_t n, quire_text_pos *at);

/* The HTML source (text_html.c): 0, or -1 when out of memory. */
int text_html_init(quire_text_source *src);
int text_html_update(quire_text_source *src, const char *p, size_t n);
int text_html_final(quire_text_source *src);
void text_html_free(quire_text_source *src);

#endif
