/* SPDX-License-Identifier: ISC */
/* fuzz_seal.c: re-sealing of index regions and bundles for the fuzz targets (fuzz_seal.h). */
#include "fuzz_seal.h"

#include <string.h>

#include <sodium.h>

#include "quire.h"
#include "quire_private.h"

/* Where the statement of a region of len bytes says its parts are. */
typedef struct parts {
    uint8_t *st;
    uint64_t units_off, dir_off, dir_size, meta_len;
    uint32_t unit_count, page_count;
} parts;

static bool locate(uint8_t *buf, size_t len, parts *p)
{
    if (len < QUIRE_STATEMENT_BYTES)
        return false;
    p->st = buf + len - QUIRE_STATEMENT_BYTES;
    p->unit_count = quire_load32(p->st + 68);
    p->page_count = quire_load32(p->st + 72);
    p->meta_len = quire_load32(p->st + 76);
    p->dir_size = quire_load64(p->st + 80);
    if (p->dir_size > len || p->unit_count > len / QUIRE_UNIT_RECORD_BYTES)
        return false;
    uint64_t tail = QUIRE_STATEMENT_BYTES + p->meta_len + p->dir_size +
                    (uint64_t)p->unit_count * QUIRE_UNIT_RECORD_BYTES;
    if (tail > len)
        return false;
    p->units_off = len - tail;
    p->dir_off = p->units_off + (uint64_t)p->unit_count * QUIRE_UNIT_RECORD_BYTES;
    return true;
}

/* Writes the SHA-256 of n bytes at src to dst; notes whether it changed anything. */
static void put_sha(uint8_t *dst, const uint8_t *src, size_t n, bool *changed)
{
    uint8_t h[32];
    crypto_hash_sha256(h, src, n);
    if (memcmp(dst, h, sizeof h) != 0) {
        memcpy(dst, h, sizeof h);
        *changed = true;
    }
}

bool fuzz_reseal_index(uint8_t *buf, size_t len)
{
    parts p;
    bool changed = false;
    if (!locate(buf, len, &p))
        return false;
    uint8_t *dir = buf + p.dir_off;
    uint64_t off = 0, at = 0;
    for (uint32_t k = 0; k < p.page_count; k++) {
        if (p.dir_size - off < QUIRE_DIR_ENTRY_PAGE_BYTES)
            break;
        uint8_t *rec = dir + off;
        uint64_t stored = quire_load32(rec);
        if (stored <= p.units_off - at) {
            put_sha(rec + 20, buf + at, (size_t)stored, &changed);
            at += stored;
        }
        off += QUIRE_DIR_ENTRY_PAGE_BYTES;
        if (p.dir_size - off < quire_load16(rec + 52))
            break;
        off += quire_load16(rec + 52);
    }
    for (uint32_t first = 0; first < p.unit_count; first += QUIRE_UNITS_PER_PAGE) {
        if (p.dir_size - off < QUIRE_DIR_UNIT_PAGE_BYTES)
            break;
        uint32_t n = p.unit_count - first < QUIRE_UNITS_PER_PAGE ? p.unit_count - first
                                                                 : QUIRE_UNITS_PER_PAGE;
        put_sha(dir + off, buf + p.units_off + (size_t)first * QUIRE_UNIT_RECORD_BYTES,
                (size_t)n * QUIRE_UNIT_RECORD_BYTES, &changed);
        off += QUIRE_DIR_UNIT_PAGE_BYTES;
    }
    put_sha(p.st + 128, dir, (size_t)(p.dir_size + p.meta_len), &changed);
    return changed;
}

bool fuzz_reseal_bundle(uint8_t *file, size_t len)
{
    quire_trailer t;
    parts p;
    bool changed = false;
    if (len < QUIRE_HEADER_BYTES + QUIRE_TRAILER_BYTES ||
        quire_trailer_parse(file + len - QUIRE_TRAILER_BYTES, QUIRE_TRAILER_BYTES, len, &t, NULL) !=
            QUIRE_OK)
        return false;
    uint8_t *idx = file + t.index_offset;
    size_t idx_len = (size_t)t.index_size;
    if (!locate(idx, idx_len, &p))
        return false;
    uint64_t at = QUIRE_HEADER_BYTES;
    for (uint32_t u = 0; u < p.unit_count; u++) {
        uint8_t *rec = idx + p.units_off + (size_t)u * QUIRE_UNIT_RECORD_BYTES;
        uint64_t stored = quire_load32(rec + 4);
        if (stored > t.index_offset - at)
            break;
        uint8_t h[32];
        crypto_generichash(h, sizeof h, file + at, (size_t)stored, NULL, 0);
        if (memcmp(rec + 12, h, sizeof h) != 0) {
            memcpy(rec + 12, h, sizeof h);
            changed = true;
        }
        at += stored;
    }
    bool index_changed = fuzz_reseal_index(idx, idx_len);
    return index_changed || changed;
}
