/* SPDX-License-Identifier: ISC */
/* hostile.h: quire-mutate's own model of a bundle. It encodes every field of SPEC 3-7 exactly
 * as told, with none of the writer's checks, so that a test can build the bundles a writer
 * must refuse to make and a reader must refuse to read. Test code: it dies on any error. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire_write.h"
#include "quire_private.h"

/* ---- growable byte buffers (hostile_bundle.c) ---- */

typedef struct hbuf {
    uint8_t *p;
    size_t len;
} hbuf;

_Noreturn void h_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *h_alloc(size_t n);
void hbuf_add(hbuf *b, const void *p, size_t n);
void hbuf_set(hbuf *b, const void *p, size_t n);
/* p must not point into b: b may move. */
void hbuf_insert(hbuf *b, size_t at, const void *p, size_t n);
void hbuf_remove(hbuf *b, size_t at, size_t n);
void hbuf_free(hbuf *b);
/* n deterministic filler bytes ("JUNK" repeated), so inserted garbage is easy to spot. */
void hbuf_junk(hbuf *b, size_t n);

/* ---- the model ---- */

typedef struct h_unit {
    uint8_t comp;
    uint8_t reserved[7];
    uint64_t stored_size; /* fields as written; h_sync sets stored_size and hash */
    uint64_t raw_size;
    uint8_t hash[QUIRE_BLAKE2B256_BYTES];
    hbuf stored; /* its bytes in the data region */
    hbuf pad;    /* bytes written after them that no unit covers (a gap) */
} h_unit;

typedef struct h_entry {
    uint64_t size;
    uint8_t sha256[QUIRE_SHA256_BYTES];
    uint16_t path_len; /* h_sync sets path_len and meta_len from the heap bytes */
    uint8_t role;
    uint8_t flags;
    uint32_t meta_len;
    uint32_t link;
    uint8_t reserved[4];
    hbuf path;
    hbuf meta;
} h_entry;

typedef struct h_bundle {
    uint8_t header[QUIRE_HEADER_BYTES];
    uint8_t domain[QUIRE_INDEX_DOMAIN_BYTES];
    uint8_t copy[QUIRE_HEADER_BYTES]; /* the index's copy of the header */
    uint64_t index_offset;            /* h_sync sets these six */
    uint64_t index_size;
    uint32_t entry_count;
    uint32_t unit_count;
    uint32_t bundle_meta_size;
    uint32_t reserved;
    hbuf bundle_meta;
    hbuf heap_junk; /* written after the last entry's metadata */
    h_unit *units;
    uint32_t nunits;
    h_entry *entries;
    uint32_t nentries;
} h_bundle;

typedef struct h_sig {
    uint8_t alg[2];
    uint8_t key_id[QUIRE_KEY_ID_BYTES];
    uint8_t sig[QUIRE_SIGNATURE_BYTES];
    hbuf comment;
    uint8_t global_sig[QUIRE_SIGNATURE_BYTES];
} h_sig;

typedef struct h_sigblock {
    uint8_t magic[8];
    uint32_t count; /* h_sync_sigs sets it to nsigs */
    uint32_t reserved;
    h_sig sigs[64];
    uint32_t nsigs;
    hbuf junk; /* written after the last record */
} h_sigblock;

/* Where the regions of an assembled file start. */
typedef struct h_layout {
    uint64_t index_offset, index_size, sig_offset, sig_size, trailer_offset;
} h_layout;

/* ---- hostile_bundle.c ---- */

/* An empty bundle with a correct header, domain and header copy. */
void h_bundle_init(h_bundle *b);
void h_bundle_free(h_bundle *b);
void h_sigblock_init(h_sigblock *s);
void h_sigblock_free(h_sigblock *s);

/* Parses a well-formed bundle file into b and s (dies if it is not one) and fills lay. */
void h_parse(const uint8_t *file, size_t len, h_bundle *b, h_sigblock *s, h_layout *lay);
void h_layout_of(const uint8_t *file, size_t len, h_layout *lay);

/* Sets every derived field from the bytes: unit stored sizes and hashes, path and metadata
 * lengths, counts, index offset and size. Raw sizes, entry sizes and SHA-256s are not
 * derivable from stored bytes and are left alone. */
void h_sync(h_bundle *b);

/* Adds a unit holding raw bytes (deflated deterministically when deflate is set) and returns
 * its number; inserting at `at` shifts the later units. */
uint32_t h_unit_add(h_bundle *b, uint32_t at, const uint8_t *raw, size_t len, bool deflate);
/* Adds an entry at position at (links to later entries are shifted to match). */
h_entry *h_entry_add(h_bundle *b, uint32_t at, const uint8_t *path, size_t path_len, uint8_t role,
                     const uint8_t *content, size_t len);

/* Encodes the index exactly as the fields say. */
void h_encode_index(const h_bundle *b, hbuf *out);

/* Signs index bytes with sk over a comment of any bytes: quire_sign() when the comment is one
 * it accepts, else the same two Ed25519 signatures made directly. */
void h_sign(h_sig *out, const quire_seckey *sk, const uint8_t *index, size_t len,
            const uint8_t *comment, size_t comment_len);
void h_encode_sigblock(const h_sigblock *s, hbuf *out);

/* header | data region | index | signature block | trailer. */
void h_assemble(const h_bundle *b, const hbuf *index, const hbuf *sigblock, hbuf *file,
                h_layout *lay);

/* ---- hostile_deflate.c: deterministic raw deflate (RFC 1951), independent of zlib's
 * version, so the fixtures are byte-for-byte reproducible anywhere. ---- */

/* One fixed-Huffman block: literals, and runs as matches at distance 1. final selects BFINAL;
 * a non-final block with nothing after it is an unterminated stream. */
void hd_fixed(const uint8_t *in, size_t len, bool final, hbuf *out);
/* len (>= 3) bytes made only of matches at distance 1, with nothing before them: every match
 * refers to bytes before the start of the stream. */
void hd_before_start(size_t len, hbuf *out);
/* n zero bytes (n >= 1) in one dynamic-Huffman block at two bits per 258 bytes: the most
 * compact stream deflate allows, for bombs. */
void hd_zeros(uint64_t n, hbuf *out);
/* Inflates a raw deflate stream with zlib into at most cap bytes. Returns the number of bytes
 * produced, or -1 if the stream is invalid, unterminated or has bytes after its end. */
long long hd_inflate_check(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif
