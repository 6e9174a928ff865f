/* SPDX-License-Identifier: ISC */
/* read_show.h: what show writes: a document's bytes, a refusal for a binary document on a
 * terminal, or with --text the text of a PDF (read_show.c). */
#ifndef READ_SHOW_H
#define READ_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read.h"

/* What the first verified bytes and the signed media type make of a document. */
typedef enum show_kind { SHOW_UNKNOWN, SHOW_TEXT, SHOW_BINARY, SHOW_PDF } show_kind;

/* The state of one show, the walk's ctx. */
typedef struct show_ctx {
    cli_escape state;
    const quire_entry *entry;
    char media[96]; /* the signed quire-media-type, "" when it has none */
    show_kind kind;
    bool text;     /* --text */
    bool withheld; /* nothing is written as it comes: refused, or a PDF collected */
    uint8_t *pdf;  /* --text of a PDF: the whole document, entry->size bytes */
    size_t pdf_len;
    uint8_t head[4096]; /* the first bytes, sniffed before anything is written: enough for the
                           "%PDF-" header (first 1024 bytes) and a fair sample of text */
    size_t head_len;
} show_ctx;

/* Prepares s to show entry i (its media type read through read_entry_meta). Returns 0, or an
 * exit code after a message. */
int read_show_init(show_ctx *s, quire_reader *r, const char *bundle, uint32_t i, bool text);

/* The walk's data callback: decides on the first bytes whether the document is written as it
 * comes (text, or any document when stdout is not a terminal) or withheld until the walk has
 * verified it. */
int read_show_data(void *ctx, uint32_t entry, const uint8_t *p, size_t n, quire_error *err);

/* After a walk that verified the document: prints the refusal for a withheld binary document,
 * or the text of a PDF (--text). Returns the exit code: 0, or 2 after a message. */
int read_show_end(show_ctx *s, const char *bundle);

/* Frees what s holds. */
void read_show_free(show_ctx *s);

#endif
