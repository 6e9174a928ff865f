/* SPDX-License-Identifier: ISC */
/* quire_sha256.h: SHA-256 (FIPS 180-4) for the format library and its programs. Every entry,
 * page, directory, leaf and fingerprint hash goes through these functions. They are nettle's,
 * which uses the CPU's SHA instructions where it has them (x86 SHA-NI, ARMv8 SHA2) and portable
 * code elsewhere: about 7 x libsodium's portable SHA-256 on the machine BENCHMARKS.md
 * describes. No format byte depends on the choice. */
#ifndef QUIRE_SHA256_H
#define QUIRE_SHA256_H

#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx quire_sha256_state;

static inline void quire_sha256_init(quire_sha256_state *st)
{
    sha256_init(st);
}

static inline void quire_sha256_update(quire_sha256_state *st, const void *data, size_t len)
{
    sha256_update(st, len, data);
}

/* Writes the 32-byte digest to out; st must be initialised again before reuse. */
static inline void quire_sha256_final(quire_sha256_state *st, uint8_t *out)
{
    sha256_digest(st, SHA256_DIGEST_SIZE, out);
}

/* SHA-256 of len bytes at data, into out (32 bytes). data may be NULL when len is 0. */
static inline void quire_sha256(uint8_t *out, const void *data, size_t len)
{
    quire_sha256_state st;
    sha256_init(&st);
    if (len > 0)
        sha256_update(&st, len, data);
    sha256_digest(&st, SHA256_DIGEST_SIZE, out);
}

#endif
