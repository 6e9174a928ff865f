/* SPDX-License-Identifier: ISC */
/* quire_attach.h: the attachments area (SPEC 7.1): its framing, parsed by the reader and
 * written by the packer. Bodies are not interpreted here: a time-stamp token (type 1) is
 * checked by the time-stamp module (tsa/quire_tsa_api.h), which alone links OpenSSL. */
#ifndef QUIRE_ATTACH_H
#define QUIRE_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "quire.h"

#define QUIRE_ATTACH_MAGIC "QUIREATT"
#define QUIRE_ATTACH_FIXED_BYTES 16       /* magic, count, reserved */
#define QUIRE_ATTACH_RECORD_FIXED_BYTES 8 /* type, reserved, length */
#define QUIRE_MAX_ATTACHMENTS 16u
#define QUIRE_MAX_ATTACHMENT_BODY_BYTES 65536u
#define QUIRE_MIN_ATTACHMENTS_BYTES 25u /* the header and one record with a 1-byte body */
#define QUIRE_MAX_ATTACHMENTS_BYTES 262144u

/* Attachment types (SPEC 7.1). */
#define QUIRE_ATTACH_TIMESTAMP 1u         /* RFC 3161 TimeStampToken over the fingerprint */
#define QUIRE_ATTACH_IGNORABLE_MIN 32768u /* from here: a reader may skip an unknown type */

typedef struct quire_attachment {
    uint16_t type;
    uint32_t len;
    const uint8_t *body; /* borrowed from the parsed buffer */
} quire_attachment;

typedef struct quire_attachments {
    uint32_t count;
    quire_attachment recs[QUIRE_MAX_ATTACHMENTS];
} quire_attachments;

/* Parses an attachments area of exactly len bytes (SPEC 7.1, SPEC 9 step 4): len 0 is no
 * attachments; otherwise the header, then count records that fill the area exactly, each of a
 * known or ignorable type with a body of 1 to 65,536 bytes. Bodies point into buf, which must
 * outlive out. Returns 0, QUIRE_E_FORMAT or QUIRE_E_LIMIT naming the rule. */
QUIRE_MUST_CHECK int quire_attachments_parse(const uint8_t *buf, size_t len, quire_attachments *out,
                                             quire_error *err);

/* The encoded size of a: 0 without records, else the header and every record. */
size_t quire_attachments_size(const quire_attachments *a);

/* Encodes a into out (cap bytes, at least quire_attachments_size(a)), checking the same rules
 * as quire_attachments_parse. Returns 0 with *len set, or QUIRE_E_LIMIT / QUIRE_E_FORMAT /
 * QUIRE_E_USAGE (cap too small). */
QUIRE_MUST_CHECK int quire_attachments_encode(const quire_attachments *a, uint8_t *out, size_t cap,
                                              size_t *len, quire_error *err);

/* The attachments of an open bundle (checked at quire_reader_open), valid until close. */
const quire_attachments *quire_reader_attachments(const quire_reader *r);

#endif
