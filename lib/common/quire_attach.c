/* SPDX-License-Identifier: ISC */
/* quire_attach.c: the framing of the attachments area (SPEC 7.1). The bodies are not looked
 * at: the reader checks a time-stamp token only after the statement is authenticated (SPEC 9
 * step 13), with the time-stamp module. */
#include <string.h>

#include "quire_attach.h"
#include "quire_private.h"

_Static_assert(QUIRE_ATTACH_FIXED_BYTES + QUIRE_MAX_ATTACHMENTS * QUIRE_ATTACH_RECORD_FIXED_BYTES <
                   QUIRE_MAX_ATTACHMENTS_BYTES,
               "SPEC 8: sixteen records' framing fits the area");

/* SPEC 7.1: type 0 and 2 to 32,767 are reserved for types a reader must understand. */
static bool type_known(uint16_t type)
{
    return type == QUIRE_ATTACH_TIMESTAMP || type >= QUIRE_ATTACH_IGNORABLE_MIN;
}

static int parse_record(const uint8_t *p, size_t avail, uint32_t i, quire_attachment *out,
                        size_t *used, quire_error *err)
{
    if (avail < QUIRE_ATTACH_RECORD_FIXED_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "attachment %u runs past the attachments area (SPEC 7.1)", i);
    uint16_t type = quire_load16(p);
    uint32_t len = quire_load32(p + 4);
    if (!type_known(type))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "attachment %u has the reserved type %u (SPEC 7.1)", i, type);
    if (quire_load16(p + 2) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "attachment %u: reserved field is not zero (SPEC 7.1)", i);
    if (len == 0 || len > QUIRE_MAX_ATTACHMENT_BODY_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "attachment %u: body of %u bytes, not 1 to %u (SPEC 8)", i, len,
                               QUIRE_MAX_ATTACHMENT_BODY_BYTES);
    if (len > avail - QUIRE_ATTACH_RECORD_FIXED_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "attachment %u runs past the attachments area (SPEC 7.1)", i);
    out->type = type;
    out->len = len;
    out->body = p + QUIRE_ATTACH_RECORD_FIXED_BYTES;
    *used = QUIRE_ATTACH_RECORD_FIXED_BYTES + (size_t)len;
    return QUIRE_OK;
}

int quire_attachments_parse(const uint8_t *buf, size_t len, quire_attachments *out,
                            quire_error *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return QUIRE_OK;
    if (len < QUIRE_MIN_ATTACHMENTS_BYTES || len > QUIRE_MAX_ATTACHMENTS_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "attachments area of %zu bytes, not 0 or %u to %u (SPEC 8)", len,
                               QUIRE_MIN_ATTACHMENTS_BYTES, QUIRE_MAX_ATTACHMENTS_BYTES);
    if (memcmp(buf, QUIRE_ATTACH_MAGIC, 8) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "attachments: bad magic (SPEC 7.1)");
    uint32_t count = quire_load32(buf + 8);
    if (quire_load32(buf + 12) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "attachments: reserved field is not zero (SPEC 7.1)");
    if (count == 0 || count > QUIRE_MAX_ATTACHMENTS)
        return quire_error_set(err, QUIRE_E_LIMIT, "attachments: %u records, not 1 to %u (SPEC 8)",
                               count, QUIRE_MAX_ATTACHMENTS);
    size_t off = QUIRE_ATTACH_FIXED_BYTES;
    for (uint32_t i = 0; i < count; i++) {
        size_t used = 0;
        int rc = parse_record(buf + off, len - off, i, &out->recs[i], &used, err);
        if (rc != QUIRE_OK) {
            memset(out, 0, sizeof *out);
            return rc;
        }
        off += used;
    }
    if (off != len) {
        memset(out, 0, sizeof *out);
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "attachments: %zu bytes after the last record (SPEC 7.1)",
                               len - off);
    }
    out->count = count;
    return QUIRE_OK;
}

size_t quire_attachments_size(const quire_attachments *a)
{
    if (a->count == 0)
        return 0;
    size_t n = QUIRE_ATTACH_FIXED_BYTES;
    for (uint32_t i = 0; i < a->count && i < QUIRE_MAX_ATTACHMENTS; i++)
        n += QUIRE_ATTACH_RECORD_FIXED_BYTES + (size_t)a->recs[i].len;
    return n;
}

int quire_attachments_encode(const quire_attachments *a, uint8_t *out, size_t cap, size_t *len,
                             quire_error *err)
{
    if (a->count > QUIRE_MAX_ATTACHMENTS)
        return quire_error_set(err, QUIRE_E_LIMIT, "more than %u attachments (SPEC 8)",
                               QUIRE_MAX_ATTACHMENTS);
    for (uint32_t i = 0; i < a->count; i++) {
        if (!type_known(a->recs[i].type))
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "attachment %u has the reserved type %u (SPEC 7.1)", i,
                                   a->recs[i].type);
        if (a->recs[i].len == 0 || a->recs[i].len > QUIRE_MAX_ATTACHMENT_BODY_BYTES)
            return quire_error_set(err, QUIRE_E_LIMIT,
                                   "attachment %u: body of %u bytes, not 1 to %u (SPEC 8)", i,
                                   a->recs[i].len, QUIRE_MAX_ATTACHMENT_BODY_BYTES);
    }
    size_t n = quire_attachments_size(a);
    if (n > QUIRE_MAX_ATTACHMENTS_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "attachments of %zu bytes, more than %u (SPEC 8)", n,
                               QUIRE_MAX_ATTACHMENTS_BYTES);
    if (n > cap)
        return quire_error_set(err, QUIRE_E_USAGE, "attachments buffer too small");
    *len = n;
    if (n == 0)
        return QUIRE_OK;
    memcpy(out, QUIRE_ATTACH_MAGIC, 8);
    quire_store32(out + 8, a->count);
    quire_store32(out + 12, 0);
    size_t off = QUIRE_ATTACH_FIXED_BYTES;
    for (uint32_t i = 0; i < a->count; i++) {
        quire_store16(out + off, a->recs[i].type);
        quire_store16(out + off + 2, 0);
        quire_store32(out + off + 4, a->recs[i].len);
        memcpy(out + off + QUIRE_ATTACH_RECORD_FIXED_BYTES, a->recs[i].body, a->recs[i].len);
        off += QUIRE_ATTACH_RECORD_FIXED_BYTES + a->recs[i].len;
    }
    return QUIRE_OK;
}
