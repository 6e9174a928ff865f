/* SPDX-License-Identifier: ISC */
/* cmds_rand.h: deterministic random hostile text, JSON, CSL-JSON provenance, paths and
 * documents for the random command harness (cmds_gen.c). The same seed gives the same bytes on
 * every machine. Test code: it dies when out of memory. */
#ifndef CMDS_RAND_H
#define CMDS_RAND_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: small, fast and the same everywhere. */
typedef struct cr_rng {
    uint64_t s;
} cr_rng;

uint64_t cr_next(cr_rng *r);
/* A number in [0, n), n > 0. */
size_t cr_below(cr_rng *r, size_t n);
/* True with probability pct percent. */
int cr_pct(cr_rng *r, unsigned pct);

typedef struct gbuf {
    uint8_t *p;
    size_t len, cap;
} gbuf;

void gb_add(gbuf *b, const void *p, size_t n);
void gb_str(gbuf *b, const char *s);
/* Appends code point cp as UTF-8. */
void gb_cp(gbuf *b, uint32_t cp);
void gb_free(gbuf *b);

/* Where a piece of text is going, which decides what it may contain. */
enum {
    CR_PATH = 1,    /* SPEC 4.1 printable UTF-8, without '/' and '\' */
    CR_COMMENT = 2, /* SPEC 6.1: printable UTF-8 and TAB */
    CR_JSON = 4,    /* any valid UTF-8 but NUL (JSON-escaped later) */
    CR_CONTENT = 8  /* any bytes */
};

/* Appends 1 to max random pieces of hostile text allowed in mode. */
void cr_text(cr_rng *r, gbuf *b, unsigned mode, size_t max);

/* Appends a JSON string holding the UTF-8 text s, each character written raw or escaped at
 * random (control characters always escaped). */
void cr_json_string(cr_rng *r, gbuf *out, const uint8_t *s, size_t len);

/* Appends a random JSON value nested at most depth levels. */
void cr_json_value(cr_rng *r, gbuf *out, unsigned depth);

/* Appends a CSL-JSON provenance item with hostile members (SPEC 5.5 entry metadata). */
void cr_csl_item(cr_rng *r, gbuf *out);

/* Appends bundle metadata; supersedes (may be NULL) is JSON text for its "supersedes" member,
 * otherwise one is made up or left out at random. */
void cr_bundle_meta(cr_rng *r, gbuf *out, const char *supersedes);

/* Appends a bundle path of 1 to 3 components (it may still break SPEC 4; the caller checks). */
void cr_path(cr_rng *r, gbuf *out);

/* Appends a document: hostile bytes, words, or HTML with entities (html says which). */
void cr_document(cr_rng *r, gbuf *out, int html);

#endif
