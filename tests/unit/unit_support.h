/* SPDX-License-Identifier: ISC */
/* unit_support.h: helpers shared by the unit test programs: error assertions, in-memory
 * content sources, building bundles with the writer and locating their parts. */
#ifndef UNIT_SUPPORT_H
#define UNIT_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "quire_private.h"
#include "quire_write.h"

/* Asserts that call returns want, that err carries the same code, and that its message
 * contains substr (typically the SPEC rule). */
#define ASSERT_FAILS(call, err, want, substr)                                                      \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        ck_assert_msg(rc_ == (want), "%s returned %d, wanted %d (message: \"%s\")", #call, rc_,    \
                      (int)(want), (err).msg);                                                     \
        ck_assert_msg((err).code == (want), "err.code %d, wanted %d", (err).code, (int)(want));    \
        ck_assert_msg(strstr((err).msg, (substr)) != NULL, "message \"%s\" lacks \"%s\"",          \
                      (err).msg, (substr));                                                        \
    } while (0)

#define ASSERT_OK(call, err)                                                                       \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        ck_assert_msg(rc_ == QUIRE_OK, "%s returned %d: %s", #call, rc_, (err).msg);               \
    } while (0)

/* A content source over a memory buffer. It yields len bytes, then `extra` more bytes (to
 * simulate a file that grew), in chunks of at most `chunk` bytes (0: no limit). */
typedef struct mem_src {
    const uint8_t *p;
    size_t len;
    size_t pos;
    size_t extra;
    size_t chunk;
} mem_src;

int mem_source(void *ctx, uint8_t *buf, size_t cap, size_t *got, quire_error *err);

/* One entry for write_bundle. data may be NULL when len is 0. */
typedef struct tfile {
    const char *path;
    const uint8_t *data;
    size_t len;
    uint8_t role;  /* 0 means QUIRE_ROLE_DOCUMENT */
    uint32_t link; /* QUIRE_LINK_NONE unless set; see tfile_make */
    const char *meta;
    uint8_t flags;
} tfile;

/* Returns a tfile with role document and no link. */
tfile tfile_make(const char *path, const uint8_t *data, size_t len);

/* Writes a bundle of files (in the given order) to fd, signed by sk. fp, if not NULL, receives
 * the writer's fingerprint. level < 0 keeps the default. Returns the writer's code. */
int write_bundle(int fd, const tfile *files, size_t n, const char *bundle_meta,
                 const quire_seckey *sk, int level, uint8_t *fp, quire_error *err);

/* The same with threads deflating units (quire_writer_set_threads). */
int write_bundle_threads(int fd, const tfile *files, size_t n, const char *bundle_meta,
                         const quire_seckey *sk, int level, unsigned threads, uint8_t *fp,
                         quire_error *err);

/* Reads all of fd (from offset 0) or of a file into a malloc'd buffer. */
uint8_t *slurp_fd(int fd, size_t *len);
uint8_t *slurp_path(const char *path, size_t *len);
void spit_path(const char *path, const uint8_t *buf, size_t len);

/* Builds a bundle in a memfd and returns its bytes (malloc'd). */
uint8_t *bundle_bytes(const tfile *files, size_t n, const char *bundle_meta, const quire_seckey *sk,
                      size_t *len);

/* The parts of a bundle in memory, located through its 40-byte trailer (SPEC 7): the index
 * region, whose last QUIRE_STATEMENT_BYTES are the statement (SPEC 5.1, the signed message),
 * and the signature block after it. */
typedef struct bundle_view {
    const uint8_t *header;
    const uint8_t *index;
    size_t index_len;
    uint64_t index_offset;
    const uint8_t *statement;
    const uint8_t *sigblock;
    size_t sigblock_len;
} bundle_view;

/* Locates the parts; asserts that the trailer parses and that the index region holds at least
 * a statement whose index offset and size repeat the trailer's. */
void bundle_locate(const uint8_t *file, size_t len, bundle_view *out);

/* Writes a format 2 trailer (SPEC 7) with attachments_size 0 into t. */
void trailer_store(uint8_t t[QUIRE_TRAILER_BYTES], uint64_t index_offset, uint64_t index_size,
                   uint64_t sigblock_size);

/* Deterministic pseudo-random bytes (xorshift), so that failures reproduce. */
void fill_random(uint8_t *p, size_t n, uint64_t seed);

/* Creates a fresh directory under TMPDIR (or /tmp); returns a malloc'd path. rm_tree removes
 * it again. */
char *make_temp_dir(void);
void rm_tree(const char *dir);

/* Runs a suite, forking per test unless CK_FORK says otherwise. Returns main's exit code. */
int run_suite(Suite *s);

#endif
