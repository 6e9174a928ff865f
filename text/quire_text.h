/* SPDX-License-Identifier: ISC */
/* quire_text.h: the text layer quote, search and the packer's title guessing use. Not part of
 * the format and not in the format library: it is its own module (text/), built as the loadable
 * quire-text.so that quire-read opens for quote and search only (quire_text_api.h), and linked
 * into the packer and the tests directly. Unicode comes from utf8proc, HTML from libxml2.
 *
 * Everything streams: a source turns a document, in pieces of any size, into its text layer and
 * passes every byte on to a sink with where it came from (quire_text_pos); a normaliser and a
 * matcher are sinks too. Time is linear in the document and memory does not depend on its size
 * (an extractor's source, below, is the one exception: it holds the document up to a cap). */
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

/* Normalisation flags. Every normalisation is NFKC (compatibility characters such as ligatures
 * and full-width forms become their plain letters, combining sequences are composed) without
 * default-ignorable characters (zero-width spaces and joiners, soft hyphens, BOM). */
#define QUIRE_NORM_SPACE 0x1 /* runs of white space (any Unicode space) become one space */
#define QUIRE_NORM_PUNCT                                                                           \
    0x2                     /* typographic quotes become ASCII, any run of dashes (an em dash,     \
                             * "--", "---") one '-' with no space either side, pilcrows go */
#define QUIRE_NORM_CASE 0x4 /* Unicode full case folding (NFKC_Casefold: "ß" is "ss") */

/* What a document's text layer is made from. */
typedef enum quire_text_kind {
    QUIRE_TEXT_PLAIN,   /* the bytes are the text */
    QUIRE_TEXT_HTML,    /* the text of an HTML body (libxml2's parser) */
    QUIRE_TEXT_BINARY,  /* not text: a media type that is not text, with no extractor */
    QUIRE_TEXT_EXTRACT, /* text from an extractor (quire_text_extractor), e.g. PDF */
} quire_text_kind;

/* Where a byte of a text layer came from. For HTML, off, line and col are exact for text
 * copied from the document and those of the start of the reference for a decoded character
 * reference. For an extractor's text they are those of the extracted text. */
typedef struct quire_text_pos {
    uint64_t off;   /* offset of the source byte in the original document */
    uint64_t line;  /* its line, from 1 */
    uint64_t col;   /* its column, from 1, in characters */
    uint64_t toff;  /* offset in the text layer */
    uint64_t tline; /* newlines in the text layer before it */
} quire_text_pos;

/* Receives n bytes derived from the one document position pos. From a source they are
 * consecutive bytes of the text layer, the first at pos->toff (whose off, line and col are those
 * of the first byte); from a normaliser they all derive from the character at pos->toff. */
typedef void (*quire_text_sink)(void *ctx, const char *s, size_t n, const quire_text_pos *pos);

/* ---- per-media-type text sources ---- */

/* A text source for documents that cannot be read as a stream (PDF): the whole document is
 * collected, up to max_bytes, then extract() makes its text. A module provides one by defining
 * a const object of this type named quire_text_extractor_pdf (a weak reference in
 * text_source.c picks it up; no registration call is needed). */
typedef struct quire_text_extractor {
    const char *name; /* for messages: "PDF" */
    /* Whether the extractor reads documents of this media type (may be "") and path. */
    bool (*accepts)(const char *media_type, const char *path);
    /* The text of doc[0..len) as UTF-8 in *text (malloc'd, *text_len bytes) and 0; or -1 with a
     * lowercase reason in why ("the PDF has no text layer", "encrypted"). */
    int (*extract)(const char *doc, size_t len, char **text, size_t *text_len, char *why,
                   size_t why_cap);
    size_t max_bytes; /* larger documents are not read: the source says so */
} quire_text_extractor;

/* The kind of text a document has, from its media type (may be NULL or "") and path: HTML by
 * media type or .html/.htm, an extractor's type, text (text/..., JSON, XML, scripts) as plain,
 * other declared media types binary. A plain document with a NUL byte is found binary as it
 * is read (quire_text_source_binary). */
quire_text_kind quire_text_kind_of(const char *media_type, const char *path);

typedef struct quire_text_source quire_text_source; /* opaque */

/* A source of kind (quire_text_kind_of), bytes to sink(ctx, ...). For QUIRE_TEXT_EXTRACT,
 * media_type and path choose the extractor. NULL if out of memory. */
quire_text_source *quire_text_source_new(quire_text_kind kind, const char *media_type,
                                         const char *path, quire_text_sink sink, void *ctx);

/* Passes the next n bytes of the document. Returns 0, or -1 when out of memory. */
int quire_text_source_update(quire_text_source *src, const char *p, size_t n);

/* Ends the document. Returns 0, or -1 when out of memory. */
int quire_text_source_final(quire_text_source *src);

/* Whether the document is binary: its kind, or a NUL byte in a plain document (as grep). */
bool quire_text_source_binary(const quire_text_source *src);

/* Why part of the document's text could not be read (an extractor's reason, a document over
 * the extractor's cap, HTML nested too deeply), or NULL; valid until the source is freed. */
const char *quire_text_source_note(const quire_text_source *src);

/* Frees a source; accepts NULL. */
void quire_text_source_free(quire_text_source *src);

/* ---- normalisation ---- */

typedef struct quire_text_norm quire_text_norm; /* opaque */

/* A normaliser (flags above), output to sink(ctx, ...) with each output byte's pos that of the
 * character it came from (a combining sequence: its first character). NULL if out of memory. */
quire_text_norm *quire_text_norm_new(unsigned flags, quire_text_sink sink, void *ctx);

/* A quire_text_sink: normalises the bytes and passes the result on. norm is the normaliser.
 * Invalid UTF-8 bytes pass through unchanged. */
void quire_text_norm_feed(void *norm, const char *s, size_t n, const quire_text_pos *pos);

/* Ends the input: what is held passes on. The normaliser may then take a new input. */
void quire_text_norm_final(quire_text_norm *st);

/* Frees a normaliser; accepts NULL. */
void quire_text_norm_free(quire_text_norm *st);

/* ---- matching ---- */

/* Called for each match with the positions of its first and last bytes. */
typedef void (*quire_text_match_fn)(void *ctx, const quire_text_pos *first,
                                    const quire_text_pos *last);

typedef struct quire_text_matcher quire_text_matcher; /* opaque */

/* Matcher options. */
#define QUIRE_MATCH_OVERLAP 0x1 /* overlapping matches, else each starts after the last ends */
#define QUIRE_MATCH_WORDS 0x2   /* whole words: no letter, digit, mark or '_' either side */

/* Exact matching of pat (len > 0 bytes, copied) in a stream (Knuth-Morris-Pratt): each input
 * byte is looked at a bounded number of times, whatever the input; memory is proportional to
 * the pattern. NULL if out of memory or len is 0. */
quire_text_matcher *quire_text_matcher_new(const char *pat, size_t len, unsigned options,
                                           quire_text_match_fn on_match, void *ctx);

/* Forgets the input seen so far (a new document). */
void quire_text_matcher_reset(quire_text_matcher *mt);

/* A quire_text_sink: matches the bytes. mt is the matcher. */
void quire_text_matcher_feed(void *mt, const char *s, size_t n, const quire_text_pos *pos);

/* Ends the input (a whole-word match at the very end is reported here). */
void quire_text_matcher_final(quire_text_matcher *mt);

/* Work done since the last reset: bytes looked at plus fallbacks (at most twice the input). */
uint64_t quire_text_matcher_steps(const quire_text_matcher *mt);

/* Frees a matcher; accepts NULL. */
void quire_text_matcher_free(quire_text_matcher *mt);

/* ---- whole buffers ---- */

/* The text layer of a whole HTML document (or fragment); map gives document offsets. Returns 0
 * or -1 (no memory). */
int quire_text_from_html(const char *html, size_t len, quire_text *out);

/* Copies plain text into a layer whose map is the identity. Returns 0 or -1. */
int quire_text_from_plain(const char *s, size_t len, quire_text *out);

/* Normalises in (flags above); out->map points into in's offsets (in->map is not used and may
 * be NULL). Returns 0 or -1. */
int quire_text_normalize(const quire_text *in, unsigned flags, quire_text *out);

/* Frees a layer; accepts a zeroed one. */
void quire_text_free(quire_text *t);

/* ---- UTF-8 and words ---- */

/* True if s (n bytes) is well-formed UTF-8: no invalid, overlong or surrogate sequence and
 * nothing above U+10FFFF. Control characters are allowed. */
bool quire_text_is_utf8(const char *s, size_t n);

/* s (n bytes) as well-formed UTF-8, each byte that is not part of a well-formed sequence
 * replaced by U+FFFD; NUL-terminated, *out_len (if not NULL) its length without the NUL. The
 * caller frees it. NULL if out of memory. */
char *quire_text_utf8_repair(const char *s, size_t n, size_t *out_len);

/* Splits s (n bytes, normalised with QUIRE_NORM_SPACE) into words at each space: *start and
 * *len (caller frees both, also on failure) get each word's offset and length. Returns the
 * number of words, or SIZE_MAX if out of memory (then both arrays are freed and NULL). */
size_t quire_text_words(const char *s, size_t n, size_t **start, size_t **len);

/* path (a NUL-terminated UTF-8 string) in Unicode normalisation form NFC (nfd false) or NFD
 * (malloc'd); NULL if it is not UTF-8 or out of memory. */
char *quire_text_path_form(const char *path, bool nfd);

#endif
