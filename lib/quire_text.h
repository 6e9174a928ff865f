/* quire_text.h: text layers for quoting and searching verified documents. Not part of the
 * format: the reader uses it to match text, the packer to read HTML titles. Every layer keeps
 * a map from each of its bytes to the byte of the layer below it came from, so a match can be
 * reported at a line of the original document. */
#ifndef QUIRE_TEXT_H
#define QUIRE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A text with, for each byte i, map[i]: the offset in the source it was derived from. */
typedef struct quire_text {
    char *s;
    size_t *map;
    size_t len;
} quire_text;

/* Normalisation flags for quire_text_normalize. */
#define QUIRE_NORM_SPACE 0x1 /* runs of white space (any Unicode space) become one space */
#define QUIRE_NORM_PUNCT 0x2 /* typographic quotes, apostrophes and dashes become ASCII */
#define QUIRE_NORM_CASE 0x4  /* Unicode lower case (C.UTF-8 locale) */

/* Extracts the text of an HTML document: tags removed (script and style with their content),
 * character references decoded, block elements ending lines. Returns 0 or -1 (no memory). */
int quire_text_from_html(const char *html, size_t len, quire_text *out);

/* Copies plain text into a layer whose map is the identity. Returns 0 or -1. */
int quire_text_from_plain(const char *s, size_t len, quire_text *out);

/* Normalises in (flags above); invalid UTF-8 bytes pass through unchanged. out->map points
 * into in's offsets. Returns 0 or -1. */
int quire_text_normalize(const quire_text *in, unsigned flags, quire_text *out);

/* Frees a layer; accepts a zeroed one. */
void quire_text_free(quire_text *t);

/* True if s (n bytes) is well-formed UTF-8: no invalid, overlong or surrogate sequence and
 * nothing above U+10FFFF. Control characters are allowed. */
bool quire_text_is_utf8(const char *s, size_t n);

/* True if the media type or path says HTML. */
bool quire_text_is_html(const char *media_type, const char *path);

#endif
