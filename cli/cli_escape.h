/* SPDX-License-Identifier: ISC */
/* cli_escape.h: the one way text that came from a bundle or from hostile input (paths,
 * comments, metadata, provenance, snippets, error messages, archive member names) reaches a
 * terminal or a log. Shared by both programs; not part of the format library.
 *
 * Escaped: C0 controls (newline and tab only where the flags keep them), DEL, C1 controls
 * whether written as UTF-8 (U+0080..U+009F) or as raw 8-bit bytes (0x9B is CSI on some
 * terminals), every code point that changes or hides what is shown without showing itself
 * (general category Cf: bidirectional controls, zero-width characters, tags, the soft hyphen;
 * the rest of Default_Ignorable_Code_Point: variation selectors, Hangul fillers; U+2028 and
 * U+2029), and every
 * byte that is not part of valid, shortest-form UTF-8 (overlong forms, surrogates, code points
 * above U+10FFFF, truncated sequences). A code point is shown as \uXXXX (four lower-case hex
 * digits; \UXXXXXXXX above U+FFFF), a byte as \xNN, a newline (unless kept) as \n and a tab (unless
 * kept) as \t. Everything else is written as it is, so ordinary text in any script reads as it
 * should. */
#ifndef CLI_ESCAPE_H
#define CLI_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CLI_ESC_KEEP_NEWLINE 0x1 /* write '\n' as a line break */
#define CLI_ESC_KEEP_TAB 0x2     /* write '\t' as a tab */

/* Streaming state: a UTF-8 sequence split across two writes is held back until it is
 * complete. Initialise with cli_escape_init; end with cli_escape_final. */
typedef struct cli_escape {
    unsigned char held[4];
    size_t nheld;
    unsigned flags;
} cli_escape;

void cli_escape_init(cli_escape *st, unsigned flags);

/* Writes n bytes of p to f, escaped. Returns 0, or -1 if f has an error. */
int cli_escape_write(FILE *f, cli_escape *st, const void *p, size_t n);

/* Writes any held-back bytes (a sequence the input ended inside) as \xNN escapes. Returns 0,
 * or -1 if f has an error. */
int cli_escape_final(FILE *f, cli_escape *st);

/* One string, escaped, with flags as above. */
void cli_escape_str(FILE *f, const char *s, size_t len, unsigned flags);

/* The same into a NUL-terminated string the caller frees; NULL if out of memory. */
char *cli_escape_dup(const char *s, size_t len, unsigned flags);

/* Whether code point cp is escaped by the rules above (newline and tab as flags say). */
bool cli_escape_needed(unsigned long cp, unsigned flags);

#endif
