/* SPDX-License-Identifier: ISC */
/* quire_frame.c: the fixed-size header and trailer (SPEC 3, 7, 9 steps 1-3). */
#include <string.h>

#include "quire.h"
#include "quire_attach.h"
#include "quire_private.h"

_Static_assert(QUIRE_HEADER_BYTES == 32, "SPEC 3: the header is 32 bytes");
_Static_assert(QUIRE_TRAILER_BYTES == 40, "SPEC 7: the trailer is 40 bytes");

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

int quire_header_check(const uint8_t *buf, size_t len, quire_error *err)
{
    if (len < QUIRE_HEADER_BYTES || memcmp(buf, QUIRE_MAGIC, QUIRE_MAGIC_BYTES) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "not a quire bundle: bad magic (SPEC 3)");
    if (quire_load16(buf + 8) == 1)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "format version 1 is no longer read (this reader reads %d); "
                               "repack it with quire-pack 0.2 or later (SPEC 3)",
                               QUIRE_FORMAT_VERSION);
    if (quire_load16(buf + 8) != QUIRE_FORMAT_VERSION)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "unsupported format version %u, this reader knows %d (SPEC 3)",
                               quire_load16(buf + 8), QUIRE_FORMAT_VERSION);
    if (quire_load16(buf + 10) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "header flags are not zero (SPEC 3)");
    if (buf[12] != QUIRE_CONTENT_HASH_SHA256 || buf[13] != QUIRE_UNIT_HASH_BLAKE2B256 ||
        buf[14] != QUIRE_SIG_ALG_MINISIGN_ED)
        return quire_error_set(err, QUIRE_E_FORMAT, "unknown algorithm identifier (SPEC 3)");
    if (!all_zero(buf + 15, QUIRE_HEADER_BYTES - 15))
        return quire_error_set(err, QUIRE_E_FORMAT, "header reserved bytes are not zero (SPEC 3)");
    return QUIRE_OK;
}

/* The smallest and largest signature blocks SPEC 6 allows. */
#define SIGBLOCK_MIN (QUIRE_SIGBLOCK_FIXED_BYTES + QUIRE_SIG_RECORD_MIN_BYTES)
#define SIGBLOCK_MAX                                                                               \
    (QUIRE_SIGBLOCK_FIXED_BYTES +                                                                  \
     QUIRE_MAX_SIGNATURES * (QUIRE_SIG_RECORD_MIN_BYTES + QUIRE_MAX_TRUSTED_COMMENT_BYTES))

int quire_trailer_parse(const uint8_t *buf, size_t len, uint64_t file_size, quire_trailer *out,
                        quire_error *err)
{
    if (len < QUIRE_TRAILER_BYTES || memcmp(buf + 32, QUIRE_TRAILER_MAGIC, 8) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "bad trailer magic: truncated or bytes appended (SPEC 7)");
    out->index_offset = quire_load64(buf);
    out->index_size = quire_load64(buf + 8);
    out->sigblock_size = quire_load64(buf + 16);
    out->attachments_size = quire_load64(buf + 24);
    if (out->index_offset < QUIRE_HEADER_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT, "index offset inside the header (SPEC 7)");
    if (out->index_size < QUIRE_STATEMENT_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT, "index smaller than its statement (SPEC 7)");
    if (out->index_size > QUIRE_MAX_INDEX_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "index larger than %llu bytes (SPEC 8)",
                               (unsigned long long)QUIRE_MAX_INDEX_BYTES);
    if (out->sigblock_size < SIGBLOCK_MIN || out->sigblock_size > SIGBLOCK_MAX)
        return quire_error_set(err, QUIRE_E_FORMAT, "signature block size out of range (SPEC 7)");
    if (out->attachments_size != 0 && (out->attachments_size < QUIRE_MIN_ATTACHMENTS_BYTES ||
                                       out->attachments_size > QUIRE_MAX_ATTACHMENTS_BYTES))
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "attachments size out of range: not 0 or %u to %u (SPEC 8)",
                               QUIRE_MIN_ATTACHMENTS_BYTES, QUIRE_MAX_ATTACHMENTS_BYTES);
    /* SPEC 7: the regions tile the file exactly. Each operand is bounded, so the sum of the
     * small ones cannot wrap; the offset is compared by subtraction. */
    uint64_t tail =
        out->index_size + out->sigblock_size + out->attachments_size + QUIRE_TRAILER_BYTES;
    if (file_size < tail || out->index_offset != file_size - tail)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "trailer does not match the file size: truncated, or bytes "
                               "inserted or appended (SPEC 7)");
    return QUIRE_OK;
}
