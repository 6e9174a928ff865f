/* SPDX-License-Identifier: ISC */
/* quire_reader_int.h: the reader's state, shared by the files of the read path only
 * (quire_reader.c and the unit pipeline of full walks, quire_pipe.c). */
#ifndef QUIRE_READER_INT_H
#define QUIRE_READER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "quire.h"
#include "quire_attach.h"

struct quire_reader {
    int fd;
    uint64_t file_size;
    uint8_t header[QUIRE_HEADER_BYTES];
    quire_trailer trailer;
    uint8_t *sigbuf;
    quire_sigblock sigblock;
    uint8_t *attbuf; /* the attachments area (SPEC 7.1), NULL when empty */
    quire_attachments attachments;
    uint8_t *index_buf;
    bool index_complete; /* index_buf holds the whole region, not only what one page needed */
    quire_index index;
    bool authenticated;
    bool root_checked;     /* SPEC 5.6, checked once when asked for */
    uint8_t *meta_checked; /* one bit per entry: SPEC 5.5 checked */
    const quire_sig *signer;
    quire_pubkey signer_key; /* the trusted key that verified signer */
    uint8_t fingerprint[QUIRE_FINGERPRINT_BYTES];
    bool fingerprint_done;
    /* the unit decoded last, kept so that neighbouring entries reuse it */
    uint32_t cached_unit;
    bool cache_valid;
    uint8_t *stored; /* max_stored bytes */
    size_t max_stored;
    uint8_t *raw;
    const uint8_t *raw_view;
    uint64_t raw_filled; /* bytes of the cached unit available in raw_view */
    z_stream zs;
    bool zs_ready;
    /* The last unit that failed steps 10-11, and why: a walk that goes on past failing entries
     * (quire_walk_ops.fail) then fails the next entries of that unit without reading it again. */
    bool bad_valid;
    uint32_t bad_unit;
    quire_error bad_err;
};

/* SPEC 9 step 10: reads unit u's stored bytes into buf (at least its stored size) and checks
 * their BLAKE2b-256. pread leaves the file position alone, so threads may call this at once
 * with their own buffers. 0, QUIRE_E_HASH, QUIRE_E_FORMAT (the file ended) or QUIRE_E_IO. */
int quire_reader_check_unit(const quire_reader *r, uint32_t u, uint8_t *buf, quire_error *err);

#endif
