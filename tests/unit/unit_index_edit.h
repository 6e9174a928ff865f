/* SPDX-License-Identifier: ISC */
/* unit_index_edit.h: a test-side editor of format 2 index regions (SPEC 5).
 *
 * Every part of an index region is hashed: entry pages against the directory, unit pages
 * against the directory, the directory and bundle metadata against the statement, the entry
 * records against the statement's Merkle root. A mutation aimed at one rule of the parser
 * therefore has to be re-sealed, or the parser stops at the first hash. The editor decodes a
 * region written by the real writer (or starts an empty one), lets a test change any field,
 * entry record or raw page byte, and encodes it again with every hash and derived field
 * recomputed, except those the test marks as fixed.
 *
 * The editor is deliberately independent of the parser: it locates the parts from the
 * statement alone and walks entry records by their length fields, so that it can encode
 * regions the parser must refuse. */
#ifndef UNIT_INDEX_EDIT_H
#define UNIT_INDEX_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unit_support.h"

/* Directory fields of an entry page that the encoder leaves alone when the bit is set. */
enum {
    IE_P_STORED = 1 << 0,      /* stored bytes: the test's, not raw deflated */
    IE_P_STORED_SIZE = 1 << 1, /* the stored_size field */
    IE_P_RAW_SIZE = 1 << 2,    /* the raw_size field */
    IE_P_STREAM = 1 << 3,      /* the stream offset field */
    IE_P_SHA = 1 << 4,         /* the page's SHA-256 */
    IE_P_FIRST = 1 << 5        /* first_len, first and first_bytes */
};

typedef struct ie_page {
    uint8_t *raw; /* the entry records, inflated; tests may edit them in place */
    size_t raw_len;
    uint32_t count; /* the directory's entry count: written as is, never derived */
    uint32_t stored_size, raw_size;
    uint64_t stream;
    uint8_t sha[QUIRE_SHA256_BYTES];
    uint16_t first_len; /* the first_len field */
    uint8_t *first;     /* the bytes written after the record (first_bytes of them) */
    size_t first_bytes;
    uint8_t *stored; /* raw deflated as the writer does it, or the test's bytes (IE_P_STORED) */
    size_t stored_len;
    unsigned fixed; /* IE_P_* */
} ie_page;

/* One unit record (SPEC 5.2), field by field so that any value can be written. */
typedef struct ie_unit {
    uint8_t comp;
    uint8_t reserved[3];
    uint32_t stored, raw;
    uint8_t hash[QUIRE_BLAKE2B256_BYTES];
} ie_unit;

enum { IE_U_SHA = 1 << 0, IE_U_FILE = 1 << 1, IE_U_STREAM = 1 << 2 };

/* A unit page record (SPEC 5.4); fields recomputed unless fixed (IE_U_*). */
typedef struct ie_upage {
    uint8_t sha[QUIRE_SHA256_BYTES];
    uint64_t file_off, stream_off;
    unsigned fixed;
} ie_upage;

#define IE_MAX_UPAGES 64

/* Statement fields that the encoder leaves alone when the bit is set. */
enum {
    IE_S_INDEX_OFFSET = 1 << 0, /* else 32 + the units' stored sizes */
    IE_S_INDEX_SIZE = 1 << 1,   /* else the region's length */
    IE_S_ENTRY_COUNT = 1 << 2,  /* else the pages' counts summed */
    IE_S_UNIT_COUNT = 1 << 3,   /* else the number of unit records */
    IE_S_PAGE_COUNT = 1 << 4,   /* else the number of pages */
    IE_S_META_LEN = 1 << 5,     /* else the bundle metadata's length */
    IE_S_DIR_SIZE = 1 << 6,     /* else the directory's length */
    IE_S_STREAM_SIZE = 1 << 7,  /* else the units' raw sizes summed */
    IE_S_ROOT = 1 << 8,         /* else the Merkle root of the records found in the pages */
    IE_S_DIR_HASH = 1 << 9      /* else SHA-256(directory || bundle metadata) */
};

typedef struct ie_index {
    /* the statement (SPEC 5.1) */
    uint8_t domain[QUIRE_STATEMENT_DOMAIN_BYTES];
    uint8_t header[QUIRE_HEADER_BYTES];
    uint64_t index_offset, index_size;
    uint32_t entry_count, unit_count, page_count, meta_len;
    uint64_t dir_size, stream_size;
    uint8_t root[QUIRE_SHA256_BYTES];
    uint8_t dir_hash[QUIRE_SHA256_BYTES];
    unsigned fixed; /* IE_S_* */

    ie_page *pages;
    uint32_t npages;
    ie_unit *units;
    uint32_t nunits;
    ie_upage upages[IE_MAX_UPAGES];
    uint8_t *meta; /* the bundle metadata */
    size_t meta_bytes;
    uint8_t *gap; /* bytes between the last entry page and the unit table */
    size_t gap_len;
    uint8_t *dir_extra; /* bytes after the unit page records, inside the directory */
    size_t dir_extra_len;
} ie_index;

/* Decodes a region the writer made (asserting that its layout is well formed). */
ie_index *ie_decode(const uint8_t *region, size_t len);

/* An empty index region (no entries, units or metadata) for the given file header. */
ie_index *ie_new(const uint8_t header[QUIRE_HEADER_BYTES]);

void ie_free(ie_index *x);

/* Encodes x into a malloc'd buffer of exactly *len bytes, writing the derived fields back into
 * x (so that a test can read the root or a page's SHA-256 after). */
uint8_t *ie_encode(ie_index *x, size_t *len);

/* Appends a unit record (reserved bytes zero, hash zero). */
void ie_add_unit(ie_index *x, uint8_t comp, uint32_t stored, uint32_t raw);

/* Starts a new, empty entry page: entries added from now on go there. */
void ie_new_page(ie_index *x);

/* Appends an entry record to the last page (making page 0 if there is none). link
 * QUIRE_LINK_NONE for none, meta NULL for none; the SHA-256 (which the parser does not judge)
 * is 32 copies of the size's low byte. Returns the entry number. */
uint32_t ie_add_entry(ie_index *x, const char *path, uint64_t size, uint8_t role, uint8_t flags,
                      uint32_t link, const char *meta);

/* Entry records (SPEC 5.3): path_len u16, path, size u64, sha256, role, flags, link u32,
 * meta_len u32, metadata. */
enum {
    IE_F_PATH_LEN,
    IE_F_PATH,
    IE_F_SIZE,
    IE_F_SHA,
    IE_F_ROLE,
    IE_F_FLAGS,
    IE_F_LINK,
    IE_F_META_LEN,
    IE_F_META
};

/* The page holding entry i and the record's offset in its raw bytes (asserted to exist). */
uint32_t ie_locate(const ie_index *x, uint32_t i, size_t *off);

/* A pointer to a field of entry i's record, inside its page's raw bytes. */
uint8_t *ie_field(ie_index *x, uint32_t i, int field);

/* Entry i's whole record, and its length. */
uint8_t *ie_record(ie_index *x, uint32_t i, size_t *len);

/* Replaces entry i's path or metadata (bytes and length field), moving the rest of the page. */
void ie_set_path(ie_index *x, uint32_t i, const char *path);
void ie_set_meta(ie_index *x, uint32_t i, const void *meta, size_t len);

/* Replaces del bytes at off of page k's raw bytes by ins_len bytes of ins. */
void ie_splice(ie_index *x, uint32_t k, size_t off, size_t del, const void *ins, size_t ins_len);

/* Splits page k after its first n entries; the rest become page k + 1. */
void ie_split_page(ie_index *x, uint32_t k, uint32_t n);

/* Sets page k's first path as the directory records it (fixing it: IE_P_FIRST). */
void ie_set_first(ie_index *x, uint32_t k, const char *first);

/* Sets page k's stored bytes (IE_P_STORED). */
void ie_set_stored(ie_index *x, uint32_t k, const uint8_t *stored, size_t len);

/* Sets the bundle metadata bytes (not canonicalised). */
void ie_set_meta_bytes(ie_index *x, const char *meta, size_t len);

/* Sets the bytes inserted between the entry pages and the unit table, or after the unit page
 * records in the directory. */
void ie_set_gap(ie_index *x, const uint8_t *p, size_t len);
void ie_set_dir_extra(ie_index *x, const uint8_t *p, size_t len);

/* The file offset where the index region of a bundle whose units are x's must start. */
uint64_t ie_units_end(const ie_index *x);

/* A new bundle (malloc'd, *out_len bytes) with file's header and data region, the index region
 * idx (idx_len bytes) and a signature record by sk over its statement with the first record's
 * trusted comment of file; the trailer tiles it. */
uint8_t *bundle_with_index(const uint8_t *file, size_t len, const uint8_t *idx, size_t idx_len,
                           const quire_seckey *sk, size_t *out_len);

/* ---- shared by the index tests (test_index.c, test_index_rules.c) ---- */

/* The sample bundle, written by the real writer: two documents (the first with metadata and a
 * link to the first original), two originals (the second empty), and a 1.5 MiB executable
 * that takes two units of its own; bundle metadata {"n":1}. One entry page. */
enum { E_DOC_A, E_DOC_B, E_ORIG_A, E_ORIG_B, E_BIG, N_ENTRIES };
#define SAMPLE_BIG_BYTES (1536u * 1024u)
#define SAMPLE_META_A "{\"k\":1,\"j\":2}"       /* as given to the writer */
#define SAMPLE_META_A_CANON "{\"j\":2,\"k\":1}" /* as stored (SPEC 5.5) */
#define SAMPLE_BUNDLE_META "{\"n\":1}"

typedef struct index_sample {
    uint8_t *file;
    size_t file_len;
    bundle_view v;
    uint8_t *content[N_ENTRIES];
    size_t size[N_ENTRIES];
    const char *path[N_ENTRIES];
} index_sample;

void index_sample_make(index_sample *s);
void index_sample_free(index_sample *s);

/* Parses len bytes of b with flags from an exact-size heap copy, so that ASan sees any read
 * past the region. On success, while the copy lives, quire_index_find must find every path at
 * its own number; then the copy is overwritten and freed, and idx's pointers into it (the
 * statement, its root and the bundle metadata) are set to NULL: everything else the index
 * keeps must be its own (ASan, and a plain build through the overwritten bytes, catch a
 * borrowed path or entry metadata). */
int parse_copy(const uint8_t *b, size_t len, const uint8_t *header, unsigned flags,
               quire_index *idx, quire_error *err);

/* Asserts that a failed parse left idx empty. */
void assert_index_empty(const quire_index *idx);

/* Parses b (len bytes, freed) and expects code and a message containing sub. */
void expect_refused(uint8_t *b, size_t len, const uint8_t *header, int code, const char *sub);

/* Encodes x (freed) and expects the parse to fail with code and sub. */
void expect_model_refused(ie_index *x, const uint8_t *header, int code, const char *sub);

/* Encodes x (freed) and expects the parse to succeed; returns the parsed index. */
quire_index expect_model_ok(ie_index *x, const uint8_t *header);

#endif
