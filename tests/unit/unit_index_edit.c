/* SPDX-License-Identifier: ISC */
/* unit_index_edit.c: the test-side index editor (see unit_index_edit.h). */
#include "unit_index_edit.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>
#include <libdeflate.h>
#include <zlib.h>

#include "quire_merkle.h"

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    return p;
}

static uint8_t *dup_bytes(const void *p, size_t n)
{
    uint8_t *q = xmalloc(n);
    if (n > 0)
        memcpy(q, p, n);
    return q;
}

/* Raw DEFLATE as the writer makes entry pages: libdeflate at the default level, 8. */
static uint8_t *deflate_page(const uint8_t *raw, size_t len, size_t *out_len)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(8);
    ck_assert_ptr_nonnull(c);
    size_t bound = libdeflate_deflate_compress_bound(c, len);
    uint8_t *out = xmalloc(bound);
    *out_len = libdeflate_deflate_compress(c, raw, len, out, bound);
    ck_assert_uint_gt(*out_len, 0);
    libdeflate_free_compressor(c);
    return out;
}

static uint8_t *inflate_page(const uint8_t *stored, size_t len, size_t raw_len)
{
    z_stream zs;
    uint8_t *raw = xmalloc(raw_len);
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(inflateInit2(&zs, -15), Z_OK);
    zs.next_in = (uint8_t *)(uintptr_t)stored;
    zs.avail_in = (uInt)len;
    zs.next_out = raw;
    zs.avail_out = (uInt)raw_len;
    ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(zs.avail_out, 0);
    ck_assert_uint_eq(zs.avail_in, 0);
    inflateEnd(&zs);
    return raw;
}

ie_index *ie_new(const uint8_t header[QUIRE_HEADER_BYTES])
{
    ie_index *x = calloc(1, sizeof *x);
    ck_assert_ptr_nonnull(x);
    memcpy(x->domain, QUIRE_STATEMENT_DOMAIN, QUIRE_STATEMENT_DOMAIN_BYTES);
    memcpy(x->header, header, QUIRE_HEADER_BYTES);
    x->index_offset = QUIRE_HEADER_BYTES;
    return x;
}

static void decode_pages(ie_index *x, const uint8_t *region, const uint8_t *dir)
{
    size_t off = 0, at = 0;
    x->npages = x->page_count;
    x->pages = calloc(x->npages ? x->npages : 1, sizeof *x->pages);
    ck_assert_ptr_nonnull(x->pages);
    for (uint32_t k = 0; k < x->npages; k++) {
        ie_page *pg = &x->pages[k];
        const uint8_t *p = dir + off;
        pg->stored_size = quire_load32(p);
        pg->raw_size = quire_load32(p + 4);
        pg->count = quire_load32(p + 8);
        pg->stream = quire_load64(p + 12);
        memcpy(pg->sha, p + 20, QUIRE_SHA256_BYTES);
        pg->first_len = quire_load16(p + 52);
        pg->first_bytes = pg->first_len;
        pg->first = dup_bytes(p + QUIRE_DIR_ENTRY_PAGE_BYTES, pg->first_len);
        off += QUIRE_DIR_ENTRY_PAGE_BYTES + pg->first_len;
        pg->stored_len = pg->stored_size;
        pg->stored = dup_bytes(region + at, pg->stored_len);
        pg->raw_len = pg->raw_size;
        pg->raw = inflate_page(pg->stored, pg->stored_len, pg->raw_len);
        at += pg->stored_len;
    }
    for (uint32_t k = 0; k * QUIRE_UNITS_PER_PAGE < x->nunits; k++) {
        const uint8_t *p = dir + off + (size_t)k * QUIRE_DIR_UNIT_PAGE_BYTES;
        ck_assert_uint_lt(k, IE_MAX_UPAGES);
        memcpy(x->upages[k].sha, p, QUIRE_SHA256_BYTES);
        x->upages[k].file_off = quire_load64(p + 32);
        x->upages[k].stream_off = quire_load64(p + 40);
    }
    ck_assert_uint_eq(at, (size_t)(x->index_size - QUIRE_STATEMENT_BYTES - x->meta_len -
                                   x->dir_size - (uint64_t)x->nunits * QUIRE_UNIT_RECORD_BYTES));
}

ie_index *ie_decode(const uint8_t *region, size_t len)
{
    ck_assert_uint_ge(len, QUIRE_STATEMENT_BYTES);
    const uint8_t *st = region + len - QUIRE_STATEMENT_BYTES;
    ie_index *x = ie_new(st + 16);
    memcpy(x->domain, st, QUIRE_STATEMENT_DOMAIN_BYTES);
    x->index_offset = quire_load64(st + 48);
    x->index_size = quire_load64(st + 56);
    x->entry_count = quire_load32(st + 64);
    x->unit_count = quire_load32(st + 68);
    x->page_count = quire_load32(st + 72);
    x->meta_len = quire_load32(st + 76);
    x->dir_size = quire_load64(st + 80);
    x->stream_size = quire_load64(st + 88);
    memcpy(x->root, st + 96, QUIRE_SHA256_BYTES);
    memcpy(x->dir_hash, st + 128, QUIRE_SHA256_BYTES);
    ck_assert(x->index_size == len);
    uint64_t tail = QUIRE_STATEMENT_BYTES + x->meta_len + x->dir_size +
                    (uint64_t)x->unit_count * QUIRE_UNIT_RECORD_BYTES;
    ck_assert(tail <= len);
    const uint8_t *units = region + len - tail;
    const uint8_t *dir = units + (size_t)x->unit_count * QUIRE_UNIT_RECORD_BYTES;
    x->nunits = x->unit_count;
    x->units = calloc(x->nunits ? x->nunits : 1, sizeof *x->units);
    ck_assert_ptr_nonnull(x->units);
    for (uint32_t u = 0; u < x->nunits; u++) {
        const uint8_t *p = units + (size_t)u * QUIRE_UNIT_RECORD_BYTES;
        x->units[u].comp = p[0];
        memcpy(x->units[u].reserved, p + 1, 3);
        x->units[u].stored = quire_load32(p + 4);
        x->units[u].raw = quire_load32(p + 8);
        memcpy(x->units[u].hash, p + 12, QUIRE_BLAKE2B256_BYTES);
    }
    x->meta_bytes = x->meta_len;
    x->meta = dup_bytes(dir + x->dir_size, x->meta_bytes);
    decode_pages(x, region, dir);
    return x;
}

void ie_free(ie_index *x)
{
    if (x == NULL)
        return;
    for (uint32_t k = 0; k < x->npages; k++) {
        free(x->pages[k].raw);
        free(x->pages[k].first);
        free(x->pages[k].stored);
    }
    free(x->pages);
    free(x->units);
    free(x->meta);
    free(x->gap);
    free(x->dir_extra);
    free(x);
}

/* Walks page k's records as their length fields say, at most count of them and never past the
 * raw bytes. Calls fn for each whole record; returns how many were whole. */
static uint32_t walk_records(const ie_page *pg,
                             void (*fn)(void *ctx, const uint8_t *rec, size_t len), void *ctx)
{
    size_t off = 0;
    uint32_t n = 0;
    for (; n < pg->count; n++) {
        if (pg->raw_len - off < QUIRE_ENTRY_FIXED_BYTES)
            break;
        size_t plen = quire_load16(pg->raw + off);
        if (pg->raw_len - off - QUIRE_ENTRY_FIXED_BYTES < plen)
            break;
        size_t mlen = quire_load32(pg->raw + off + 2 + plen + 46);
        size_t rec = QUIRE_ENTRY_FIXED_BYTES + plen;
        if (pg->raw_len - off - rec < mlen)
            break;
        if (fn != NULL)
            fn(ctx, pg->raw + off, rec + mlen);
        off += rec + mlen;
    }
    return n;
}

static void add_leaf(void *ctx, const uint8_t *rec, size_t len)
{
    uint8_t h[QUIRE_MERKLE_HASH_BYTES];
    quire_entry_leaf_hash(rec, len, h);
    quire_merkle_update(ctx, h);
}

static void add_size(void *ctx, const uint8_t *rec, size_t len)
{
    (void)len;
    *(uint64_t *)ctx += quire_load64(rec + 2 + quire_load16(rec));
}

uint64_t ie_units_end(const ie_index *x)
{
    uint64_t end = QUIRE_HEADER_BYTES;
    for (uint32_t u = 0; u < x->nunits; u++)
        end += x->units[u].stored;
    return end;
}

/* Directory fields of every page, and the pages' stored bytes. */
static void seal_pages(ie_index *x)
{
    uint64_t stream = 0;
    for (uint32_t k = 0; k < x->npages; k++) {
        ie_page *pg = &x->pages[k];
        if (!(pg->fixed & IE_P_FIRST)) {
            pg->first_len = pg->raw_len >= 2 ? quire_load16(pg->raw) : 0;
            pg->first_bytes = pg->raw_len >= 2 ? pg->raw_len - 2 : 0;
            if (pg->first_bytes > pg->first_len)
                pg->first_bytes = pg->first_len;
            free(pg->first);
            pg->first = dup_bytes(pg->raw + 2, pg->first_bytes);
        }
        if (!(pg->fixed & IE_P_STORED)) {
            free(pg->stored);
            pg->stored = deflate_page(pg->raw, pg->raw_len, &pg->stored_len);
        }
        if (!(pg->fixed & IE_P_STORED_SIZE))
            pg->stored_size = (uint32_t)pg->stored_len;
        if (!(pg->fixed & IE_P_RAW_SIZE))
            pg->raw_size = (uint32_t)pg->raw_len;
        if (!(pg->fixed & IE_P_SHA))
            crypto_hash_sha256(pg->sha, pg->stored, pg->stored_len);
        if (!(pg->fixed & IE_P_STREAM))
            pg->stream = stream;
        walk_records(pg, add_size, &stream);
    }
}

static void put(uint8_t **p, const void *src, size_t n)
{
    if (n > 0)
        memcpy(*p, src, n);
    *p += n;
}

/* The directory (SPEC 5.4): entry page records, unit page records, then dir_extra. */
static uint8_t *encode_directory(ie_index *x, size_t *len)
{
    uint32_t nup = (x->nunits + QUIRE_UNITS_PER_PAGE - 1) / QUIRE_UNITS_PER_PAGE;
    size_t n = (size_t)nup * QUIRE_DIR_UNIT_PAGE_BYTES + x->dir_extra_len;
    for (uint32_t k = 0; k < x->npages; k++)
        n += QUIRE_DIR_ENTRY_PAGE_BYTES + x->pages[k].first_bytes;
    uint8_t *dir = xmalloc(n), *p = dir;
    for (uint32_t k = 0; k < x->npages; k++) {
        const ie_page *pg = &x->pages[k];
        quire_store32(p, pg->stored_size);
        quire_store32(p + 4, pg->raw_size);
        quire_store32(p + 8, pg->count);
        quire_store64(p + 12, pg->stream);
        memcpy(p + 20, pg->sha, QUIRE_SHA256_BYTES);
        quire_store16(p + 52, pg->first_len);
        p += QUIRE_DIR_ENTRY_PAGE_BYTES;
        put(&p, pg->first, pg->first_bytes);
    }
    uint64_t file_off = QUIRE_HEADER_BYTES, stream_off = 0;
    for (uint32_t k = 0; k < nup; k++) {
        ck_assert_uint_lt(k, IE_MAX_UPAGES);
        ie_upage *up = &x->upages[k];
        uint32_t first = k * QUIRE_UNITS_PER_PAGE;
        uint32_t cnt =
            x->nunits - first < QUIRE_UNITS_PER_PAGE ? x->nunits - first : QUIRE_UNITS_PER_PAGE;
        uint8_t *recs = xmalloc((size_t)cnt * QUIRE_UNIT_RECORD_BYTES);
        for (uint32_t i = 0; i < cnt; i++) {
            const ie_unit *un = &x->units[first + i];
            uint8_t *r = recs + (size_t)i * QUIRE_UNIT_RECORD_BYTES;
            r[0] = un->comp;
            memcpy(r + 1, un->reserved, 3);
            quire_store32(r + 4, un->stored);
            quire_store32(r + 8, un->raw);
            memcpy(r + 12, un->hash, QUIRE_BLAKE2B256_BYTES);
        }
        if (!(up->fixed & IE_U_SHA))
            crypto_hash_sha256(up->sha, recs, (size_t)cnt * QUIRE_UNIT_RECORD_BYTES);
        if (!(up->fixed & IE_U_FILE))
            up->file_off = file_off;
        if (!(up->fixed & IE_U_STREAM))
            up->stream_off = stream_off;
        for (uint32_t i = 0; i < cnt; i++) {
            file_off += x->units[first + i].stored;
            stream_off += x->units[first + i].raw;
        }
        free(recs);
        memcpy(p, up->sha, QUIRE_SHA256_BYTES);
        quire_store64(p + 32, up->file_off);
        quire_store64(p + 40, up->stream_off);
        p += QUIRE_DIR_UNIT_PAGE_BYTES;
    }
    put(&p, x->dir_extra, x->dir_extra_len);
    ck_assert_uint_eq((size_t)(p - dir), n);
    *len = n;
    return dir;
}

static void seal_statement(ie_index *x, const uint8_t *dir, size_t dir_len, size_t total)
{
    uint64_t stream = 0, entries = 0;
    for (uint32_t u = 0; u < x->nunits; u++)
        stream += x->units[u].raw;
    for (uint32_t k = 0; k < x->npages; k++)
        entries += x->pages[k].count;
    if (!(x->fixed & IE_S_INDEX_OFFSET))
        x->index_offset = ie_units_end(x);
    if (!(x->fixed & IE_S_INDEX_SIZE))
        x->index_size = total;
    if (!(x->fixed & IE_S_ENTRY_COUNT))
        x->entry_count = (uint32_t)entries;
    if (!(x->fixed & IE_S_UNIT_COUNT))
        x->unit_count = x->nunits;
    if (!(x->fixed & IE_S_PAGE_COUNT))
        x->page_count = x->npages;
    if (!(x->fixed & IE_S_META_LEN))
        x->meta_len = (uint32_t)x->meta_bytes;
    if (!(x->fixed & IE_S_DIR_SIZE))
        x->dir_size = dir_len;
    if (!(x->fixed & IE_S_STREAM_SIZE))
        x->stream_size = stream;
    if (!(x->fixed & IE_S_ROOT)) {
        quire_merkle m;
        quire_merkle_init(&m);
        for (uint32_t k = 0; k < x->npages; k++)
            walk_records(&x->pages[k], add_leaf, &m);
        quire_merkle_final(&m, x->root);
    }
    if (!(x->fixed & IE_S_DIR_HASH)) {
        crypto_hash_sha256_state h;
        crypto_hash_sha256_init(&h);
        crypto_hash_sha256_update(&h, dir, dir_len);
        crypto_hash_sha256_update(&h, x->meta, x->meta_bytes);
        crypto_hash_sha256_final(&h, x->dir_hash);
    }
}

uint8_t *ie_encode(ie_index *x, size_t *len)
{
    size_t dir_len, total = QUIRE_STATEMENT_BYTES + x->gap_len + x->meta_bytes;
    seal_pages(x);
    uint8_t *dir = encode_directory(x, &dir_len);
    for (uint32_t k = 0; k < x->npages; k++)
        total += x->pages[k].stored_len;
    total += (size_t)x->nunits * QUIRE_UNIT_RECORD_BYTES + dir_len;
    seal_statement(x, dir, dir_len, total);

    uint8_t *out = xmalloc(total), *p = out;
    for (uint32_t k = 0; k < x->npages; k++)
        put(&p, x->pages[k].stored, x->pages[k].stored_len);
    put(&p, x->gap, x->gap_len);
    for (uint32_t u = 0; u < x->nunits; u++) {
        const ie_unit *un = &x->units[u];
        p[0] = un->comp;
        memcpy(p + 1, un->reserved, 3);
        quire_store32(p + 4, un->stored);
        quire_store32(p + 8, un->raw);
        memcpy(p + 12, un->hash, QUIRE_BLAKE2B256_BYTES);
        p += QUIRE_UNIT_RECORD_BYTES;
    }
    put(&p, dir, dir_len);
    put(&p, x->meta, x->meta_bytes);
    put(&p, x->domain, QUIRE_STATEMENT_DOMAIN_BYTES);
    put(&p, x->header, QUIRE_HEADER_BYTES);
    quire_store64(p, x->index_offset);
    quire_store64(p + 8, x->index_size);
    quire_store32(p + 16, x->entry_count);
    quire_store32(p + 20, x->unit_count);
    quire_store32(p + 24, x->page_count);
    quire_store32(p + 28, x->meta_len);
    quire_store64(p + 32, x->dir_size);
    quire_store64(p + 40, x->stream_size);
    memcpy(p + 48, x->root, QUIRE_SHA256_BYTES);
    memcpy(p + 80, x->dir_hash, QUIRE_SHA256_BYTES);
    p += 112;
    ck_assert_uint_eq((size_t)(p - out), total);
    free(dir);
    *len = total;
    return out;
}

void ie_add_unit(ie_index *x, uint8_t comp, uint32_t stored, uint32_t raw)
{
    ie_unit *u = realloc(x->units, (x->nunits + 1) * sizeof *u);
    ck_assert_ptr_nonnull(u);
    x->units = u;
    memset(&u[x->nunits], 0, sizeof *u);
    u[x->nunits].comp = comp;
    u[x->nunits].stored = stored;
    u[x->nunits].raw = raw;
    x->nunits++;
}

void ie_new_page(ie_index *x)
{
    ie_page *p = realloc(x->pages, (x->npages + 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    x->pages = p;
    memset(&p[x->npages], 0, sizeof *p);
    x->npages++;
}

static uint32_t entries_before(const ie_index *x, uint32_t k)
{
    uint32_t n = 0;
    for (uint32_t j = 0; j < k; j++)
        n += x->pages[j].count;
    return n;
}

uint32_t ie_add_entry(ie_index *x, const char *path, uint64_t size, uint8_t role, uint8_t flags,
                      uint32_t link, const char *meta)
{
    if (x->npages == 0)
        ie_new_page(x);
    ie_page *pg = &x->pages[x->npages - 1];
    size_t plen = strlen(path), mlen = meta != NULL ? strlen(meta) : 0;
    size_t rec = QUIRE_ENTRY_FIXED_BYTES + plen + mlen;
    uint8_t *raw = realloc(pg->raw, pg->raw_len + rec);
    ck_assert_ptr_nonnull(raw);
    uint8_t *r = raw + pg->raw_len;
    quire_store16(r, (uint16_t)plen);
    memcpy(r + 2, path, plen);
    uint8_t *q = r + 2 + plen;
    quire_store64(q, size);
    memset(q + 8, (int)(size & 0xFF), QUIRE_SHA256_BYTES);
    q[40] = role;
    q[41] = flags;
    quire_store32(q + 42, link);
    quire_store32(q + 46, (uint32_t)mlen);
    if (mlen > 0)
        memcpy(q + 50, meta, mlen);
    pg->raw = raw;
    pg->raw_len += rec;
    pg->count++;
    return entries_before(x, x->npages - 1) + pg->count - 1;
}

uint32_t ie_locate(const ie_index *x, uint32_t i, size_t *off)
{
    uint32_t k = 0, first = 0;
    while (k < x->npages && i - first >= x->pages[k].count)
        first += x->pages[k++].count;
    ck_assert_msg(k < x->npages, "no entry %u", i);
    const ie_page *pg = &x->pages[k];
    size_t o = 0;
    for (uint32_t j = first; j < i; j++) {
        size_t plen = quire_load16(pg->raw + o);
        o += QUIRE_ENTRY_FIXED_BYTES + plen + quire_load32(pg->raw + o + 2 + plen + 46);
        ck_assert_uint_le(o + QUIRE_ENTRY_FIXED_BYTES, pg->raw_len);
    }
    *off = o;
    return k;
}

uint8_t *ie_field(ie_index *x, uint32_t i, int field)
{
    size_t off;
    uint32_t k = ie_locate(x, i, &off);
    uint8_t *r = x->pages[k].raw + off, *q = r + 2 + quire_load16(r);
    switch (field) {
    case IE_F_PATH_LEN:
        return r;
    case IE_F_PATH:
        return r + 2;
    case IE_F_SIZE:
        return q;
    case IE_F_SHA:
        return q + 8;
    case IE_F_ROLE:
        return q + 40;
    case IE_F_FLAGS:
        return q + 41;
    case IE_F_LINK:
        return q + 42;
    case IE_F_META_LEN:
        return q + 46;
    default:
        return q + 50;
    }
}

uint8_t *ie_record(ie_index *x, uint32_t i, size_t *len)
{
    size_t off;
    uint32_t k = ie_locate(x, i, &off);
    uint8_t *r = x->pages[k].raw + off;
    size_t plen = quire_load16(r);
    *len = QUIRE_ENTRY_FIXED_BYTES + plen + quire_load32(r + 2 + plen + 46);
    return r;
}

void ie_splice(ie_index *x, uint32_t k, size_t off, size_t del, const void *ins, size_t ins_len)
{
    ie_page *pg = &x->pages[k];
    ck_assert_uint_le(off + del, pg->raw_len);
    size_t n = pg->raw_len - del + ins_len;
    uint8_t *raw = xmalloc(n);
    memcpy(raw, pg->raw, off);
    if (ins_len > 0)
        memcpy(raw + off, ins, ins_len);
    memcpy(raw + off + ins_len, pg->raw + off + del, pg->raw_len - off - del);
    free(pg->raw);
    pg->raw = raw;
    pg->raw_len = n;
}

void ie_set_path(ie_index *x, uint32_t i, const char *path)
{
    size_t off, plen = strlen(path);
    uint32_t k = ie_locate(x, i, &off);
    size_t old = quire_load16(x->pages[k].raw + off);
    ie_splice(x, k, off + 2, old, path, plen);
    quire_store16(x->pages[k].raw + off, (uint16_t)plen);
}

void ie_set_meta(ie_index *x, uint32_t i, const void *meta, size_t len)
{
    size_t off;
    uint32_t k = ie_locate(x, i, &off);
    uint8_t *r = x->pages[k].raw + off;
    size_t at = off + 2 + quire_load16(r) + 46;
    size_t old = quire_load32(x->pages[k].raw + at);
    ie_splice(x, k, at + 4, old, meta, len);
    quire_store32(x->pages[k].raw + at, (uint32_t)len);
}

void ie_split_page(ie_index *x, uint32_t k, uint32_t n)
{
    ck_assert_uint_lt(n, x->pages[k].count);
    ck_assert_uint_gt(n, 0);
    size_t off;
    uint32_t first = entries_before(x, k);
    ck_assert_uint_eq(ie_locate(x, first + n, &off), k);
    ie_page *p = realloc(x->pages, (x->npages + 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    x->pages = p;
    memmove(&p[k + 2], &p[k + 1], (x->npages - k - 1) * sizeof *p);
    x->npages++;
    ie_page *a = &p[k], *b = &p[k + 1];
    memset(b, 0, sizeof *b);
    b->raw_len = a->raw_len - off;
    b->raw = dup_bytes(a->raw + off, b->raw_len);
    b->count = a->count - n;
    a->raw_len = off;
    a->count = n;
}

void ie_set_first(ie_index *x, uint32_t k, const char *first)
{
    ie_page *pg = &x->pages[k];
    free(pg->first);
    pg->first_bytes = strlen(first);
    pg->first_len = (uint16_t)pg->first_bytes;
    pg->first = dup_bytes(first, pg->first_bytes);
    pg->fixed |= IE_P_FIRST;
}

void ie_set_stored(ie_index *x, uint32_t k, const uint8_t *stored, size_t len)
{
    ie_page *pg = &x->pages[k];
    free(pg->stored);
    pg->stored = dup_bytes(stored, len);
    pg->stored_len = len;
    pg->fixed |= IE_P_STORED;
}

void ie_set_meta_bytes(ie_index *x, const char *meta, size_t len)
{
    free(x->meta);
    x->meta = dup_bytes(meta, len);
    x->meta_bytes = len;
}

void ie_set_gap(ie_index *x, const uint8_t *p, size_t len)
{
    free(x->gap);
    x->gap = dup_bytes(p, len);
    x->gap_len = len;
}

void ie_set_dir_extra(ie_index *x, const uint8_t *p, size_t len)
{
    free(x->dir_extra);
    x->dir_extra = dup_bytes(p, len);
    x->dir_extra_len = len;
}

uint8_t *bundle_with_index(const uint8_t *file, size_t len, const uint8_t *idx, size_t idx_len,
                           const quire_seckey *sk, size_t *out_len)
{
    quire_trailer t;
    quire_error err = {0};
    ck_assert_int_eq(
        quire_trailer_parse(file + len - QUIRE_TRAILER_BYTES, QUIRE_TRAILER_BYTES, len, &t, &err),
        QUIRE_OK);
    const uint8_t *rec = file + t.index_offset + t.index_size + QUIRE_SIGBLOCK_FIXED_BYTES;
    uint16_t clen = quire_load16(rec + 74);
    size_t sb = QUIRE_SIGBLOCK_FIXED_BYTES + QUIRE_SIG_RECORD_MIN_BYTES + clen;
    size_t n = (size_t)t.index_offset + idx_len + sb + QUIRE_TRAILER_BYTES;
    uint8_t *out = xmalloc(n), *p = out + t.index_offset;
    memcpy(out, file, (size_t)t.index_offset);
    memcpy(p, idx, idx_len);
    p += idx_len;
    /* a one-record signature block with the original comment, signed anew */
    char comment[QUIRE_MAX_TRUSTED_COMMENT_BYTES + 1];
    uint8_t ph[QUIRE_PREHASH_BYTES];
    quire_sig sig;
    memcpy(comment, rec + 76, clen);
    comment[clen] = '\0';
    quire_prehash(idx + idx_len - QUIRE_STATEMENT_BYTES, QUIRE_STATEMENT_BYTES, ph);
    ck_assert_int_eq(quire_sign(sk, ph, comment, &sig, &err), QUIRE_OK);
    memcpy(p, QUIRE_SIGBLOCK_MAGIC, 8);
    quire_store32(p + 8, 1);
    quire_store32(p + 12, 0);
    memcpy(p + 16, "ED", 2);
    memcpy(p + 18, sig.key_id, QUIRE_KEY_ID_BYTES);
    memcpy(p + 26, sig.sig, QUIRE_SIGNATURE_BYTES);
    quire_store16(p + 90, clen);
    memcpy(p + 92, comment, clen);
    memcpy(p + 92 + clen, sig.global_sig, QUIRE_SIGNATURE_BYTES);
    p += sb;
    quire_store64(p, t.index_offset);
    quire_store64(p + 8, idx_len);
    quire_store64(p + 16, sb);
    quire_store64(p + 24, 0);
    memcpy(p + 32, QUIRE_TRAILER_MAGIC, 8);
    *out_len = n;
    return out;
}

/* ---- shared by the index tests ---- */

void index_sample_make(index_sample *s)
{
    static const char *paths[N_ENTRIES] = {"docs/a.txt", "docs/b.txt", "orig/a.pdf", "orig/b.pdf",
                                           "z/big.bin"};
    static const size_t sizes[N_ENTRIES] = {6, 3000, 2000, 0, SAMPLE_BIG_BYTES};
    quire_pubkey pk;
    quire_seckey *sk = NULL;
    quire_error err = {0};
    tfile f[N_ENTRIES];

    memset(s, 0, sizeof *s);
    ASSERT_OK(quire_keypair_generate(&sk, &pk, &err), err);
    for (int i = 0; i < N_ENTRIES; i++) {
        s->path[i] = paths[i];
        s->size[i] = sizes[i];
        s->content[i] = xmalloc(sizes[i] + 1);
        for (size_t k = 0; k < sizes[i]; k++)
            s->content[i][k] = (uint8_t)("quire index test\n"[k % 17]);
        f[i] = tfile_make(paths[i], s->content[i], sizes[i]);
    }
    memcpy(s->content[E_DOC_A], "hello\n", 6);
    fill_random(s->content[E_ORIG_A], sizes[E_ORIG_A], 42);
    f[E_DOC_A].link = E_ORIG_A;
    f[E_DOC_A].meta = SAMPLE_META_A;
    f[E_ORIG_A].role = f[E_ORIG_B].role = QUIRE_ROLE_ORIGINAL;
    f[E_BIG].flags = QUIRE_ENTRY_FLAG_EXEC;
    s->file = bundle_bytes(f, N_ENTRIES, SAMPLE_BUNDLE_META, sk, &s->file_len);
    bundle_locate(s->file, s->file_len, &s->v);
    quire_seckey_free(sk);
}

void index_sample_free(index_sample *s)
{
    for (int i = 0; i < N_ENTRIES; i++)
        free(s->content[i]);
    free(s->file);
    memset(s, 0, sizeof *s);
}

void assert_index_empty(const quire_index *idx)
{
    ck_assert_ptr_null(idx->entries);
    ck_assert_ptr_null(idx->units);
    ck_assert_ptr_null(idx->paths);
    ck_assert_ptr_null(idx->page_bufs);
    ck_assert_ptr_null(idx->meta_refs);
    ck_assert_ptr_null(idx->statement);
    ck_assert_uint_eq(idx->entry_count, 0);
    ck_assert_uint_eq(idx->unit_count, 0);
}

int parse_copy(const uint8_t *b, size_t len, const uint8_t *header, unsigned flags,
               quire_index *idx, quire_error *err)
{
    uint8_t *copy = dup_bytes(b, len);
    int rc = quire_index_parse_ex(copy, len, header, flags, idx, err);
    if (rc == QUIRE_OK) {
        ck_assert_ptr_eq(idx->statement, copy + len - QUIRE_STATEMENT_BYTES);
        ck_assert_ptr_eq(idx->root, idx->statement + 96);
        ck_assert_ptr_eq(idx->bundle_meta, idx->statement - idx->bundle_meta_len);
        for (uint32_t i = 0; i < idx->entry_count; i++) {
            uint32_t at = UINT32_MAX;
            ck_assert_int_eq(quire_index_find(idx, idx->entries[i].path, &at), QUIRE_OK);
            ck_assert_uint_eq(at, i);
        }
    }
    memset(copy, 0xA5, len);
    free(copy);
    if (rc == QUIRE_OK) {
        idx->statement = idx->root = idx->bundle_meta = NULL;
        for (uint32_t i = 0; i < idx->entry_count; i++) {
            const quire_entry *e = &idx->entries[i];
            ck_assert_uint_eq(strlen(e->path), e->path_len);
            ck_assert_mem_eq(idx->meta_refs[i].leaf + 2, e->path, e->path_len);
            if (idx->meta_refs[i].len > 0)
                ck_assert_uint_ne(idx->meta_refs[i].meta[0], 0xA5);
        }
    }
    return rc;
}

void expect_refused(uint8_t *b, size_t len, const uint8_t *header, int code, const char *sub)
{
    quire_index idx;
    quire_error err = {0};
    ASSERT_FAILS(parse_copy(b, len, header, 0, &idx, &err), err, code, sub);
    assert_index_empty(&idx);
    free(b);
}

void expect_model_refused(ie_index *x, const uint8_t *header, int code, const char *sub)
{
    size_t len;
    uint8_t *b = ie_encode(x, &len);
    ie_free(x);
    expect_refused(b, len, header, code, sub);
}

quire_index expect_model_ok(ie_index *x, const uint8_t *header)
{
    size_t len;
    quire_index idx;
    quire_error err = {0};
    uint8_t *b = ie_encode(x, &len);
    ie_free(x);
    ASSERT_OK(parse_copy(b, len, header, 0, &idx, &err), err);
    free(b);
    return idx;
}
