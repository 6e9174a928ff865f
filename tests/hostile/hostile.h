/* SPDX-License-Identifier: ISC */
/* hostile.h: quire-mutate's own model of a format-2 bundle. It encodes every field of SPEC 3-7
 * exactly as told, with none of the writer's checks, so that a test can build the bundles a
 * writer must refuse to make and a reader must refuse to read. Test code: it dies on any error.
 *
 * Derived fields are recomputed in three steps, so that a mutation can change a field at the
 * step where its change is then covered by every hash above it (SPEC.md 5, 6):
 *   h_sync_records  unit stored sizes and BLAKE2b-256, entry path and metadata lengths;
 *   h_sync_pages    entry pages (records, deflated), their directory records, the unit page
 *                   records, the statement's counts, sizes and Merkle root;
 *   h_sync_hash     the statement's SHA-256 of directory || bundle metadata.
 * h_sync runs all three. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire_private.h"
#include "quire_write.h"

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

/* A unit record (SPEC 5.2) and its bytes in the data region. */
typedef struct h_unit {
    uint8_t comp;
    uint8_t reserved[3];
    uint32_t stored_size; /* fields as written; h_sync_records sets stored_size and hash */
    uint32_t raw_size;
    uint8_t hash[QUIRE_BLAKE2B256_BYTES];
    hbuf stored; /* its bytes in the data region */
    hbuf pad;    /* bytes written after them that no unit covers (a gap) */
} h_unit;

/* An entry record L (SPEC 5.3). */
typedef struct h_entry {
    uint16_t path_len; /* h_sync_records sets path_len and meta_len from the bytes */
    uint64_t size;
    uint8_t sha256[QUIRE_SHA256_BYTES];
    uint8_t role;
    uint8_t flags;
    uint32_t link;
    uint32_t meta_len;
    hbuf path;
    hbuf meta;
} h_entry;

/* An entry page (SPEC 5.3) and its directory record (SPEC 5.4). The model says which entries
 * it holds (nentries consecutive ones, after those of the pages before it) and what is broken
 * about its bytes; h_sync_pages encodes it and fills the record from the bytes. */
typedef struct h_page {
    uint32_t nentries;
    hbuf raw_junk;     /* raw bytes after its last record */
    hbuf stored_junk;  /* stored bytes after its deflate stream */
    bool stored_fixed; /* stored holds bytes set by a mutation: not re-deflated */
    bool first_fixed;  /* first holds a path set by a mutation: not the first entry's */
    hbuf raw;          /* h_sync_pages: the records, then raw_junk */
    hbuf stored;       /* h_sync_pages: raw deflated, then stored_junk */
    /* the directory record */
    uint32_t stored_size;
    uint32_t raw_size;
    uint32_t count;
    uint64_t stream;
    uint8_t sha256[QUIRE_SHA256_BYTES];
    uint16_t first_len;
    hbuf first;
} h_page;

/* A unit page record (SPEC 5.4): 1,024 unit records (the last page fewer). */
typedef struct h_upage {
    uint8_t sha256[QUIRE_SHA256_BYTES];
    uint64_t file_offset;
    uint64_t stream_offset;
} h_upage;

/* The statement (SPEC 5.1), the signed message. */
typedef struct h_statement {
    uint8_t domain[QUIRE_STATEMENT_DOMAIN_BYTES];
    uint8_t copy[QUIRE_HEADER_BYTES]; /* the statement's copy of the header */
    uint64_t index_offset;            /* h_sync_pages sets everything below but domain, copy */
    uint64_t index_size;
    uint32_t entry_count;
    uint32_t unit_count;
    uint32_t entry_page_count;
    uint32_t bundle_meta_len;
    uint64_t directory_size;
    uint64_t stream_size;
    uint8_t root[QUIRE_SHA256_BYTES];
    uint8_t dir_hash[QUIRE_SHA256_BYTES]; /* h_sync_hash */
} h_statement;

typedef struct h_bundle {
    uint8_t header[QUIRE_HEADER_BYTES];
    h_statement st;
    hbuf bundle_meta;
    hbuf index_gap; /* written after the last entry page, before the unit table */
    hbuf dir_junk;  /* written after the last unit page record, counted in the directory */
    h_unit *units;
    uint32_t nunits;
    h_entry *entries;
    uint32_t nentries;
    h_page *pages;
    uint32_t npages;
    h_upage *upages; /* h_sync_pages: one per 1,024 units */
    uint32_t nupages;
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
    uint32_t count; /* set to nsigs before the sigfix step */
    uint32_t reserved;
    h_sig sigs[64];
    uint32_t nsigs;
    hbuf junk; /* written after the last record */
} h_sigblock;

/* Where the regions of an assembled file start (file offsets). The parts of the index region
 * are those the statement's sizes give, found as a reader finds them. */
typedef struct h_layout {
    uint64_t index_offset, index_size, sig_offset, sig_size, trailer_offset;
    uint64_t units_offset, dir_offset, meta_offset, statement_offset;
} h_layout;

/* ---- hostile_bundle.c: building and encoding ---- */

/* An empty bundle with a correct header, statement domain and header copy. */
void h_bundle_init(h_bundle *b);
void h_bundle_free(h_bundle *b);
void h_sigblock_init(h_sigblock *s);
void h_sigblock_free(h_sigblock *s);

void h_sync_records(h_bundle *b);
void h_sync_pages(h_bundle *b);
void h_sync_hash(h_bundle *b);
void h_sync(h_bundle *b);

/* One entry record L as the fields say (path_len and meta_len as set, then the bytes). */
void h_entry_encode(const h_entry *e, hbuf *out);

/* Adds a unit holding raw bytes (deflated deterministically when deflate is set) and returns
 * its number; inserting at `at` shifts the later units. */
uint32_t h_unit_add(h_bundle *b, uint32_t at, const uint8_t *raw, size_t len, bool deflate);
/* Adds an entry at position at (links to later entries are shifted to match) to the page that
 * holds that position (the last page when at is the end; a first page if there is none). */
h_entry *h_entry_add(h_bundle *b, uint32_t at, const uint8_t *path, size_t path_len, uint8_t role,
                     const uint8_t *content, size_t len);
/* Cuts the entries into pages as the reference writer does: a page is closed once the next
 * record would take its raw bytes past target. */
void h_paginate(h_bundle *b, size_t target);
/* Cuts the entries into n pages of counts[k] entries each (the counts must add up). */
void h_repage(h_bundle *b, const uint32_t *counts, uint32_t n);

/* Encodes the index region exactly as the fields say: pages, index_gap, unit table, directory,
 * bundle metadata, statement. */
void h_encode_index(const h_bundle *b, hbuf *out);

/* Signs the statement (the index region's last 160 bytes) with sk over a comment of any bytes:
 * the two Ed25519 signatures made directly, checked against quire_sign() where it accepts the
 * comment. */
void h_sign(h_sig *out, const quire_seckey *sk, const uint8_t *statement, size_t len,
            const uint8_t *comment, size_t comment_len);
void h_encode_sigblock(const h_sigblock *s, hbuf *out);

/* header | data region | index | signature block | trailer (attachments_size 0). */
void h_assemble(const h_bundle *b, const hbuf *index, const hbuf *sigblock, hbuf *file,
                h_layout *lay);

/* ---- hostile_parse.c: reading a well-formed bundle back into the model ---- */

/* Parses a well-formed bundle file into b and s (dies if it is not one) and fills lay. Entry
 * pages are inflated with zlib, so bundles of the reference writer are read too; encoding them
 * again deflates with hostile_deflate.c. */
void h_parse(const uint8_t *file, size_t len, h_bundle *b, h_sigblock *s, h_layout *lay);
/* The regions of a file whose trailer tiles it and whose statement's sizes fit its index. */
void h_layout_of(const uint8_t *file, size_t len, h_layout *lay);

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
