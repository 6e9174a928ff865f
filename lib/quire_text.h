/* SPDX-License-Identifier: ISC */
/* quire_text.h: text layers for quoting and searching verified documents. Not part of the
 * format: the reader uses it to match text, the packer to read HTML titles.
 *
 * Two forms. The streaming form (quire_text_source, quire_text_norm, quire_text_matcher) takes
 * a document in pieces of any size and passes every byte it derives on to a sink together with
 * where it came from (quire_text_pos), so that a match is reported at a line and column of the
 * original document without keeping the document: time is linear in its size and memory does
 * not depend on it. The whole-buffer form (quire_text_from_html, quire_text_normalize) is built
 * on the streaming one and keeps, for each byte of a layer, the offset it came from. */
#ifndef QUIRE_TEXT_H
#define QUIRE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A text with, for each byte i, map[i]: the offset in the source it was derived from. */
typedef struct quire_text {
    char *s;
    size_t *map;
    size_t len;
} quire_text;

/* Normalisation flags for quire_text_normalize and quire_text_norm_init. */
#define QUIRE_NORM_SPACE 0x1 /* runs of white space (any Unicode space) become one space */
#define QUIRE_NORM_PUNCT 0x2 /* typographic quotes, apostrophes and dashes become ASCII */
#define QUIRE_NORM_CASE 0x4  /* Unicode simple lower case, the same in every locale */

/* Extracts the text of an HTML document: tags removed (script and style with their content),
 * character references decoded, block elements ending lines. Returns 0 or -1 (no memory). */
int quire_text_from_html(const char *html, size_t len, quire_text *out);

/* Copies plain text into a layer whose map is the identity. Returns 0 or -1. */
int quire_text_from_plain(const char *s, size_t len, quire_text *out);

/* Normalises in (flags above); invalid UTF-8 bytes pass through unchanged. out->map points
 * into in's offsets (in->map is not used and may be NULL). Returns 0 or -1. */
int quire_text_normalize(const quire_text *in, unsigned flags, quire_text *out);

/* Frees a layer; accepts a zeroed one. */
void quire_text_free(quire_text *t);

/* True if s (n bytes) is well-formed UTF-8: no invalid, overlong or surrogate sequence and
 * nothing above U+10FFFF. Control characters are allowed. */
bool quire_text_is_utf8(const char *s, size_t n);

/* s (n bytes) as well-formed UTF-8, each byte that is not part of a well-formed sequence
 * replaced by U+FFFD; NUL-terminated, *out_len (if not NULL) its length without the NUL. The
 * caller frees it. NULL if out of memory. */
char *quire_text_utf8_repair(const char *s, size_t n, size_t *out_len);

/* True if the media type or path says HTML. */
bool quire_text_is_html(const char *media_type, const char *path);

/* Code point c in Unicode simple lower case (UnicodeData.txt), independent of the locale. */
uint32_t quire_text_fold(uint32_t c);

/* Splits s (n bytes, normalised with QUIRE_NORM_SPACE) into words at each space: *start and
 * *len (caller frees both, also on failure) get each word's offset and length. Returns the
 * number of words, or SIZE_MAX if out of memory (then both arrays are freed and NULL). */
size_t quire_text_words(const char *s, size_t n, size_t **start, size_t **len);

/* ---- streaming ---- */

/* Where a byte of a text layer came from. */
typedef struct quire_text_pos {
    uint64_t off;   /* offset of the source byte in the original document */
    uint64_t line;  /* its line, from 1 */
    uint64_t col;   /* its column, from 1, in characters (bytes that are not UTF-8 continuations) */
    uint64_t toff;  /* offset in the text layer (after HTML extraction) */
    uint64_t tline; /* newlines in the text layer before it */
} quire_text_pos;

/* Receives n bytes derived from the one document position pos. From a quire_text_source they
 * are consecutive bytes of the text layer, the first at pos->toff; from a quire_text_norm they
 * all derive from the one character of the text layer at pos->toff. */
typedef void (*quire_text_sink)(void *ctx, const char *s, size_t n, const quire_text_pos *pos);

/* The text layer of a document, streamed: HTML text as quire_text_from_html makes it, or the
 * bytes themselves. State is a few dozen bytes, whatever the input. */
typedef struct quire_text_source {
    quire_text_sink sink;
    void *ctx;
    bool html;
    quire_text_pos at;      /* the next document byte (off, line, col) and text byte */
    int state;              /* HTML tokenizer state */
    quire_text_pos tag_pos; /* where the '<' of the tag being read was */
    bool closing;
    char name[16];
    size_t name_len;
    char quote;
    size_t dashes, raw_matched;
    const char *raw_close;
    char amp[12]; /* a character reference being read, from its '&' */
    quire_text_pos amp_pos[12];
    size_t amp_len;
} quire_text_source;

/* Starts a document; html selects HTML text extraction. Bytes go to sink(ctx, ...). */
void quire_text_source_init(quire_text_source *src, bool html, quire_text_sink sink, void *ctx);

/* Passes the next n bytes of the document. */
void quire_text_source_update(quire_text_source *src, const char *p, size_t n);

/* Ends the document (an unterminated construct ends with it). */
void quire_text_source_final(quire_text_source *src);

/* A normaliser, streamed: what quire_text_normalize makes, with each output byte's pos that of
 * the character it came from. */
typedef struct quire_text_norm {
    unsigned flags;
    quire_text_sink sink;
    void *ctx;
    unsigned char u[4]; /* a UTF-8 sequence being read */
    quire_text_pos upos;
    size_t ulen, uneed;
    bool pending_space, emitted;
} quire_text_norm;

void quire_text_norm_init(quire_text_norm *st, unsigned flags, quire_text_sink sink, void *ctx);

/* A quire_text_sink: normalises the bytes and passes the result on. norm is the state. */
void quire_text_norm_feed(void *norm, const char *s, size_t n, const quire_text_pos *pos);

/* Ends the input (a truncated UTF-8 sequence passes through as bytes). */
void quire_text_norm_final(quire_text_norm *st);

/* Called for each match with the positions of its first and last bytes. */
typedef void (*quire_text_match_fn)(void *ctx, const quire_text_pos *first,
                                    const quire_text_pos *last);

/* Exact matching of a pattern in a stream (Knuth-Morris-Pratt): each input byte is looked at a
 * bounded number of times on average, whatever the input; memory is proportional to the
 * pattern. */
typedef struct quire_text_matcher {
    unsigned char *pat;
    size_t m, q;
    size_t *next;         /* KMP failure function */
    quire_text_pos *ring; /* positions of the last m bytes (those that may start a match) */
    size_t at;            /* the ring slot of the next byte */
    uint64_t steps;       /* work done: bytes looked at plus fallbacks (at most twice the input) */
    bool overlap;
    quire_text_match_fn on_match;
    void *ctx;
} quire_text_matcher;

/* Prepares to find pat (len > 0 bytes, copied): overlapping matches if overlap, else each match
 * starts after the previous one ends. Returns 0 or -1 (no memory). */
int quire_text_matcher_init(quire_text_matcher *mt, const char *pat, size_t len, bool overlap,
                            quire_text_match_fn on_match, void *ctx);

/* Forgets the input seen so far (a new document). */
void quire_text_matcher_reset(quire_text_matcher *mt);

/* A quire_text_sink: matches the bytes. mt is the matcher. */
void quire_text_matcher_feed(void *mt, const char *s, size_t n, const quire_text_pos *pos);

/* Frees a matcher; accepts a zeroed one. */
void quire_text_matcher_free(quire_text_matcher *mt);

#endif
