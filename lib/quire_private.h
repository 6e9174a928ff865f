/* SPDX-License-Identifier: ISC */
/* quire_private.h: helpers shared inside the format library and its programs, not part of the
 * format API (after zstd's mem.h, kept out of zstd.h). */
#ifndef QUIRE_PRIVATE_H
#define QUIRE_PRIVATE_H

#include <pthread.h>

#include "quire.h"

/* Maps a QUIRE_E_* code to a process exit code: 1 for a bundle that failed verification, is
 * malformed or untrusted, 2 for usage and operational errors, 0 for QUIRE_OK. */
int quire_exit_code(int code);

/* Zeroed memory for a large table that is filled once and then read (the index and what is
 * parsed from it): from 2 MiB on, the kernel is asked to back it with huge pages, which saves
 * most of the page faults of filling it. Freed with free(). */
void *quire_table_alloc(size_t count, size_t size);

/* The CPUs this process may run on (its affinity mask, as taskset and cpusets set it), at
 * least 1: how many threads are worth starting. */
unsigned quire_cpu_count(void);

/* ---- little-endian fields (SPEC 2) ---- */
uint16_t quire_load16(const uint8_t *p);
uint32_t quire_load32(const uint8_t *p);
uint64_t quire_load64(const uint8_t *p);
void quire_store16(uint8_t *p, uint16_t v);
void quire_store32(uint8_t *p, uint32_t v);
void quire_store64(uint8_t *p, uint64_t v);

/* ---- the index parser, below the reader (SPEC 5); for the reader, tests and fuzzers ---- */

/* Where entry i's metadata lies in the index buffer; complete only here. */
struct quire_meta_ref {
    const uint8_t *meta; /* borrowed from the inflated entry pages, not NUL-terminated */
    uint32_t len;
    const uint8_t *leaf; /* the whole entry record L (SPEC 5.3), the Merkle leaf data */
    uint32_t leaf_len;
};

/* Parses an index region of exactly len bytes (SPEC 5: entry pages, unit table, directory,
 * bundle metadata, statement) and checks every rule of SPEC 9 steps 7-9 that needs no data:
 * hashes of the directory and of every page, layout, limits, paths, order, links, unit
 * tiling, the Merkle root. header is the file's 32-byte header, which the statement must
 * repeat. Pointers in out borrow buf (the statement, the bundle metadata) or idx->page_bufs. The
 * signature over the statement is the caller's to check, first. On failure out is left empty.
 * Returns 0, QUIRE_E_FORMAT, QUIRE_E_HASH, QUIRE_E_LIMIT or QUIRE_E_NOMEM. */
int quire_index_parse(const uint8_t *buf, size_t len, const uint8_t *header, quire_index *out,
                      quire_error *err);

#define QUIRE_INDEX_DEFER_META                                                                     \
    0x1 /* leave each entry's SPEC 5.5 check to quire_index_check_meta                             \
         */

/* quire_index_parse with flags. With QUIRE_INDEX_DEFER_META, entries' metadata is not parsed
 * (the bundle metadata still is): the caller MUST call quire_index_check_meta for an entry
 * before it uses or releases anything of that entry. Parsing every entry's JSON dominates
 * opening a large bundle to read one document. */
int quire_index_parse_ex(const uint8_t *buf, size_t len, const uint8_t *header, unsigned flags,
                         quire_index *out, quire_error *err);

/* Leave the Merkle root (SPEC 5.6) to quire_index_check_root: every page is still checked
 * against its hash, which is what reading needs; the root matters to full verification and
 * receipts. */
#define QUIRE_INDEX_DEFER_ROOT 0x2

/* Makes bytes [off, off + len) of the index buffer valid (reads them into it); for a reader
 * that reads only what one page needs. */
typedef struct quire_index_fetch {
    int (*fn)(void *ctx, uint64_t off, uint64_t len, quire_error *err);
    void *ctx;
} quire_index_fetch;

/* quire_index_parse_ex with a page selection: with path, only the entry page whose range holds
 * path is parsed and the index is partial (quire_reader_authenticate_path); with f, the parser
 * asks for each part of buf before it reads it (the statement must already be there). Flags
 * must include QUIRE_INDEX_DEFER_ROOT when path is given. */
int quire_index_parse_page(const uint8_t *buf, size_t len, const uint8_t *header, unsigned flags,
                           const char *path, const quire_index_fetch *f, quire_index *out,
                           quire_error *err);

/* SPEC 5.5 for entry i: 0, or QUIRE_E_FORMAT naming the entry. */
int quire_index_check_meta(const quire_index *idx, uint32_t i, quire_error *err);

/* SPEC 5.6: the entry records hash to the statement's root. 0 or QUIRE_E_FORMAT. */
int quire_index_check_root(const quire_index *idx, quire_error *err);

/* pthread_create with every signal blocked in the new thread, so that the programs' signal
 * handlers (which remove temporary outputs) always run on the main thread. Returns
 * pthread_create's code. */
int quire_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
