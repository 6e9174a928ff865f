/* SPDX-License-Identifier: ISC */
/* quire_index.c: the index parser (SPEC 5, 9 steps 7-9). It takes the index region (buffer,
 * length), whose last 160 bytes are the statement, does no I/O and is the main fuzzing target.
 * Every structure is hashed before it is parsed (the directory and metadata against the
 * statement, each unit page and entry page against the directory), and every count is checked
 * against the limits of SPEC 8 and the buffer length before anything is allocated. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "quire.h"
#include "quire_json.h"
#include "quire_merkle.h"
#include "quire_private.h"
#include "common/quire_sha256.h"

_Static_assert(QUIRE_STATEMENT_BYTES == 160, "SPEC 5.1: the statement is 160 bytes");
_Static_assert(QUIRE_UNIT_RECORD_BYTES == 44, "SPEC 5.2: unit records are 44 bytes");
_Static_assert(QUIRE_ENTRY_FIXED_BYTES == 52, "SPEC 5.3: entry records are 52 bytes and more");

static bool zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static int cmp_path(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

int quire_index_find(const quire_index *idx, const char *path, uint32_t *out)
{
    size_t len = strlen(path), lo = 0, hi = idx->entry_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const quire_entry *e = &idx->entries[mid];
        int c = cmp_path(e->path, e->path_len, path, len);
        if (c == 0) {
            *out = (uint32_t)mid;
            return QUIRE_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return QUIRE_E_NOTFOUND;
}

void quire_index_free(quire_index *idx)
{
    if (idx == NULL)
        return;
    free(idx->units);
    free(idx->entries);
    free(idx->paths);
    for (uint32_t k = 0; k < idx->page_buf_count; k++)
        free(idx->page_bufs[k]);
    free(idx->page_bufs);
    free((void *)idx->meta_refs);
    memset(idx, 0, sizeof *idx);
}

/* Where the parts of the index region lie (SPEC 5.1), derived from the statement. */
typedef struct layout {
    uint64_t units_off, dir_off, dir_size, meta_off, pages_raw;
    uint64_t unit_pages_off; /* the unit page records, after the entry page records */
} layout;

/* One entry page's directory record (SPEC 5.4) and where its page lies. */
typedef struct dir_page {
    uint32_t stored, raw, count, first_entry;
    uint64_t offset; /* in the index region */
    uint64_t stream;
    const uint8_t *sha256;
    const uint8_t *first;
    uint16_t first_len;
} dir_page;

/* SPEC 5.1: the statement's fields and the sizes of the region's parts. */
static int parse_statement(const uint8_t *buf, size_t len, const uint8_t *header, quire_index *idx,
                           layout *lay, quire_error *err)
{
    if (len < QUIRE_STATEMENT_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT, "index smaller than its statement (SPEC 5.1)");
    const uint8_t *st = buf + len - QUIRE_STATEMENT_BYTES;
    if (memcmp(st, QUIRE_STATEMENT_DOMAIN, QUIRE_STATEMENT_DOMAIN_BYTES) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "statement: bad domain string (SPEC 5.1)");
    if (memcmp(st + 16, header, QUIRE_HEADER_BYTES) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "statement: header copy differs from the file header (SPEC 5.1)");
    idx->statement = st;
    idx->root = st + 96;
    idx->index_offset = quire_load64(st + 48);
    idx->index_size = quire_load64(st + 56);
    idx->entry_count = quire_load32(st + 64);
    idx->unit_count = quire_load32(st + 68);
    idx->entry_page_count = quire_load32(st + 72);
    idx->bundle_meta_len = quire_load32(st + 76);
    lay->dir_size = quire_load64(st + 80);
    idx->stream_size = quire_load64(st + 88);
    if (idx->index_size != len)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "statement: index size field is wrong (SPEC 5.1)");
    if (idx->index_offset < QUIRE_HEADER_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "statement: index offset inside the header (SPEC 5.1)");
    if (idx->entry_count > QUIRE_MAX_ENTRIES || idx->unit_count > QUIRE_MAX_UNITS)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "statement: more than %u entries or %u units (SPEC 8)",
                               QUIRE_MAX_ENTRIES, QUIRE_MAX_UNITS);
    if (idx->bundle_meta_len > QUIRE_MAX_BUNDLE_META_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "statement: bundle metadata larger than %u bytes (SPEC 8)",
                               QUIRE_MAX_BUNDLE_META_BYTES);
    if (lay->dir_size > QUIRE_MAX_DIRECTORY_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "statement: directory larger than %llu bytes (SPEC 8)",
                               (unsigned long long)QUIRE_MAX_DIRECTORY_BYTES);
    if ((idx->entry_count == 0) != (idx->entry_page_count == 0) ||
        idx->entry_page_count > idx->entry_count)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "statement: %u entry pages for %u entries (SPEC 5.1)",
                               idx->entry_page_count, idx->entry_count);
    /* Each term is bounded by SPEC 8 above: the sum cannot wrap. */
    uint64_t tail = QUIRE_STATEMENT_BYTES + (uint64_t)idx->bundle_meta_len + lay->dir_size +
                    (uint64_t)idx->unit_count * QUIRE_UNIT_RECORD_BYTES;
    if (tail > len)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "statement: unit table, directory and metadata do not fit in the "
                               "index (SPEC 5.1)");
    lay->units_off = len - tail;
    lay->dir_off = lay->units_off + (uint64_t)idx->unit_count * QUIRE_UNIT_RECORD_BYTES;
    lay->meta_off = lay->dir_off + lay->dir_size;
    return QUIRE_OK;
}

/* SPEC 9 step 7: the directory and the bundle metadata against the statement's hash, before
 * either is parsed. */
static int check_dir_hash(const uint8_t *buf, const quire_index *idx, const layout *lay,
                          quire_error *err)
{
    uint8_t h[QUIRE_SHA256_BYTES];
    quire_sha256(h, buf + lay->dir_off, lay->dir_size + idx->bundle_meta_len);
    if (sodium_memcmp(h, idx->statement + 128, sizeof h) != 0)
        return quire_error_set(err, QUIRE_E_HASH,
                               "directory or bundle metadata does not match the statement's "
                               "SHA-256 (SPEC 9 step 7)");
    return QUIRE_OK;
}

static int dir_limit(uint32_t k, const char *what, quire_error *err)
{
    return quire_error_set(err, QUIRE_E_LIMIT, "entry page %u: %s (SPEC 8)", k, what);
}

/* SPEC 5.4: the entry page records, then the unit page records, filling the directory. */
static int parse_directory(const uint8_t *buf, const quire_index *idx, layout *lay, dir_page *pages,
                           quire_error *err)
{
    const uint8_t *d = buf + lay->dir_off;
    uint64_t off = 0, entries = 0, stored = 0;
    lay->pages_raw = 0;
    for (uint32_t k = 0; k < idx->entry_page_count; k++) {
        dir_page *pg = &pages[k];
        if (lay->dir_size - off < QUIRE_DIR_ENTRY_PAGE_BYTES)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry page %u: directory record past the directory's end "
                                   "(SPEC 5.4)",
                                   k);
        const uint8_t *p = d + off;
        pg->stored = quire_load32(p);
        pg->raw = quire_load32(p + 4);
        pg->count = quire_load32(p + 8);
        pg->stream = quire_load64(p + 12);
        pg->sha256 = p + 20;
        pg->first_len = quire_load16(p + 52);
        pg->first = p + QUIRE_DIR_ENTRY_PAGE_BYTES;
        if (pg->stored == 0 || pg->raw == 0 || pg->stored > QUIRE_MAX_PAGE_BYTES ||
            pg->raw > QUIRE_MAX_PAGE_BYTES)
            return dir_limit(k, "stored or raw size 0 or above 4 MiB", err);
        if (pg->first_len == 0 || pg->first_len > QUIRE_MAX_PATH_BYTES)
            return dir_limit(k, "first path length 0 or above 4096 bytes", err);
        if (pg->count == 0 || pg->count > idx->entry_count - entries)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry page %u: entry count 0 or past the statement's entry "
                                   "count (SPEC 5.4)",
                                   k);
        /* Every record takes at least its 52 fixed bytes: a count the page cannot
         * hold is refused before anything is allocated for it. */
        if (pg->count > pg->raw / QUIRE_ENTRY_FIXED_BYTES)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry page %u: more entries than its %u raw bytes can hold "
                                   "(SPEC 5.4)",
                                   k, pg->raw);
        off += QUIRE_DIR_ENTRY_PAGE_BYTES;
        if (lay->dir_size - off < pg->first_len)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry page %u: first path past the directory's end (SPEC 5.4)",
                                   k);
        off += pg->first_len;
        if (k > 0 && cmp_path((const char *)pages[k - 1].first, pages[k - 1].first_len,
                              (const char *)pg->first, pg->first_len) >= 0)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry page %u: first path not after the previous page's "
                                   "(SPEC 4.3)",
                                   k);
        pg->first_entry = (uint32_t)entries;
        pg->offset = stored;
        entries += pg->count;
        stored += pg->stored;
        lay->pages_raw += pg->raw;
        if (lay->pages_raw > QUIRE_MAX_PAGES_RAW_BYTES)
            return dir_limit(k, "entry pages larger than 1 GiB together", err);
    }
    uint64_t unit_pages =
        (idx->unit_count + (uint64_t)QUIRE_UNITS_PER_PAGE - 1) / QUIRE_UNITS_PER_PAGE;
    lay->unit_pages_off = lay->dir_off + off;
    if (lay->dir_size - off != unit_pages * QUIRE_DIR_UNIT_PAGE_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "directory size does not match its records (SPEC 5.4)");
    if (entries != idx->entry_count)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry pages hold %llu entries, the statement says %u (SPEC 5.4)",
                               (unsigned long long)entries, idx->entry_count);
    if (stored != lay->units_off)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry pages do not fill the index before the unit table "
                               "(SPEC 5.4)");
    return QUIRE_OK;
}

/* SPEC 5.2: one unit record. */
static int parse_unit(const uint8_t *p, uint32_t u, quire_unit *un, quire_error *err)
{
    un->compression = p[0];
    un->stored_size = quire_load32(p + 4);
    un->raw_size = quire_load32(p + 8);
    memcpy(un->hash, p + 12, QUIRE_BLAKE2B256_BYTES);
    if (un->compression != QUIRE_COMP_STORE && un->compression != QUIRE_COMP_DEFLATE)
        return quire_error_set(err, QUIRE_E_FORMAT, "unit %u: unknown compression %u (SPEC 5.2)", u,
                               un->compression);
    if (!zero(p + 1, 3))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "unit %u: reserved bytes are not zero (SPEC 5.2)", u);
    if (un->raw_size == 0 || un->stored_size == 0 || un->raw_size > QUIRE_MAX_UNIT_BYTES ||
        un->stored_size > QUIRE_MAX_UNIT_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "unit %u: size 0 or above %u bytes (SPEC 8)", u,
                               QUIRE_MAX_UNIT_BYTES);
    if (un->compression == QUIRE_COMP_STORE && un->stored_size != un->raw_size)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "unit %u: stored unit with two different sizes (SPEC 5.2)", u);
    return QUIRE_OK;
}

/* SPEC 5.2, 9 step 8: each unit page against its directory record, then its records; derives
 * each unit's file and stream offsets. */
static int parse_units(const uint8_t *buf, const layout *lay, quire_index *idx, quire_error *err)
{
    uint64_t file_off = QUIRE_HEADER_BYTES, stream_off = 0;
    const uint8_t *table = buf + lay->units_off;
    const uint8_t *rec = buf + lay->unit_pages_off;

    for (uint32_t first = 0, k = 0; first < idx->unit_count;
         first += QUIRE_UNITS_PER_PAGE, k++, rec += QUIRE_DIR_UNIT_PAGE_BYTES) {
        uint32_t n = idx->unit_count - first < QUIRE_UNITS_PER_PAGE ? idx->unit_count - first
                                                                    : QUIRE_UNITS_PER_PAGE;
        const uint8_t *page = table + (size_t)first * QUIRE_UNIT_RECORD_BYTES;
        uint8_t h[QUIRE_SHA256_BYTES];
        quire_sha256(h, page, (size_t)n * QUIRE_UNIT_RECORD_BYTES);
        if (sodium_memcmp(h, rec, sizeof h) != 0)
            return quire_error_set(err, QUIRE_E_HASH,
                                   "unit page %u does not match its SHA-256 (SPEC 9 step 8)", k);
        if (quire_load64(rec + 32) != file_off || quire_load64(rec + 40) != stream_off)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "unit page %u: offsets differ from the derived ones (SPEC 5.4)",
                                   k);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t u = first + i;
            quire_unit *un = &idx->units[u];
            int rc = parse_unit(page + (size_t)i * QUIRE_UNIT_RECORD_BYTES, u, un, err);
            if (rc != QUIRE_OK)
                return rc;
            un->file_offset = file_off;
            un->stream_offset = stream_off;
            /* Both sums are bounded by 2^26 units of at most 2^24 bytes: no wrap. */
            file_off += un->stored_size;
            stream_off += un->raw_size;
        }
    }
    if (file_off != idx->index_offset)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "units do not fill the data region exactly: gap, overlap or bytes "
                               "inserted (SPEC 5.2)");
    if (!idx->partial && stream_off != idx->stream_size)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "units' raw sizes do not add up to the statement's stream size "
                               "(SPEC 5.2)");
    return QUIRE_OK;
}

/* SPEC 5.4, 9 step 9: a page's stored bytes against the directory's SHA-256, then inflated to
 * exactly its raw size. */
static int inflate_page(const uint8_t *stored, const dir_page *pg, uint32_t k, uint8_t *raw,
                        z_stream *zs, quire_error *err)
{
    uint8_t h[QUIRE_SHA256_BYTES];
    quire_sha256(h, stored, pg->stored);
    if (sodium_memcmp(h, pg->sha256, sizeof h) != 0)
        return quire_error_set(err, QUIRE_E_HASH,
                               "entry page %u does not match its SHA-256 (SPEC 9 step 9)", k);
    inflateReset(zs);
    zs->next_in = (uint8_t *)(uintptr_t)stored;
    zs->avail_in = pg->stored;
    zs->next_out = raw;
    zs->avail_out = pg->raw;
    int zrc = inflate(zs, Z_FINISH);
    if (zrc != Z_STREAM_END || zs->avail_out != 0 || zs->avail_in != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry page %u: deflate data does not decode to exactly its %u "
                               "declared bytes (SPEC 5.4)",
                               k, pg->raw);
    return QUIRE_OK;
}

/* SPEC 5.3: the entry records of one inflated page, which they fill exactly. Paths are left
 * in place (e->path points into the page, not NUL-terminated) until copy_paths. */
static int parse_page(const uint8_t *raw, const dir_page *pg, uint32_t k, quire_index *idx,
                      struct quire_meta_ref *refs, uint64_t *path_bytes, quire_error *err)
{
    size_t off = 0;
    for (uint32_t j = 0; j < pg->count; j++) {
        uint32_t i = pg->first_entry + j;
        quire_entry *e = &idx->entries[i];
        struct quire_meta_ref *m = &refs[i];
        size_t left = pg->raw - off;
        if (left < QUIRE_ENTRY_FIXED_BYTES)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u: record runs past the end of its page (SPEC 5.3)",
                                   idx->entry_base + i);
        const uint8_t *p = raw + off;
        e->path_len = quire_load16(p);
        if (e->path_len == 0 || e->path_len > QUIRE_MAX_PATH_BYTES)
            return quire_error_set(err, QUIRE_E_LIMIT,
                                   "entry %u: path length 0 or above %u bytes (SPEC 8)",
                                   idx->entry_base + i, QUIRE_MAX_PATH_BYTES);
        if (left - QUIRE_ENTRY_FIXED_BYTES < e->path_len)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u: record runs past the end of its page (SPEC 5.3)",
                                   idx->entry_base + i);
        e->path = (const char *)p + 2;
        const uint8_t *q = p + 2 + e->path_len;
        e->size = quire_load64(q);
        e->sha256 = q + 8;
        e->role = q[40];
        e->flags = q[41];
        e->link = quire_load32(q + 42);
        m->len = quire_load32(q + 46);
        if (e->role != QUIRE_ROLE_DOCUMENT && e->role != QUIRE_ROLE_ORIGINAL)
            return quire_error_set(err, QUIRE_E_FORMAT, "entry %u: unknown role %u (SPEC 5.3)",
                                   idx->entry_base + i, e->role);
        if ((e->flags & ~QUIRE_ENTRY_FLAGS_KNOWN) != 0)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u: reserved flag bits are set (SPEC 5.3)",
                                   idx->entry_base + i);
        if (m->len > QUIRE_MAX_ENTRY_META_BYTES)
            return quire_error_set(err, QUIRE_E_LIMIT,
                                   "entry %u: metadata larger than %u bytes (SPEC 8)",
                                   idx->entry_base + i, QUIRE_MAX_ENTRY_META_BYTES);
        size_t rec = QUIRE_ENTRY_FIXED_BYTES + e->path_len;
        if (left - rec < m->len)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u: metadata runs past the end of its page (SPEC 5.3)",
                                   idx->entry_base + i);
        m->meta = q + 50;
        m->leaf = p;
        m->leaf_len = (uint32_t)(rec + m->len);
        off += rec + m->len;
        *path_bytes += e->path_len + 1u;
    }
    if (off != pg->raw)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry page %u: %zu unused bytes after its last entry (SPEC 5.3)", k,
                               (size_t)(pg->raw - off));
    const quire_entry *first = &idx->entries[pg->first_entry];
    if (first->path_len != pg->first_len || memcmp(first->path, pg->first, pg->first_len) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry page %u: first path differs from the directory's (SPEC 5.4)",
                               k);
    return QUIRE_OK;
}

/* Gives every path its own NUL-terminated copy (the rest of the program treats paths as C
 * strings). */
static int copy_paths(quire_index *idx, uint64_t path_bytes, quire_error *err)
{
    idx->paths = quire_table_alloc((size_t)path_bytes, 1);
    if (idx->paths == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the paths");
    char *dst = idx->paths;
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        quire_entry *e = &idx->entries[i];
        if (e->path == NULL) /* the directory's counts make every entry some page's */
            return quire_error_set(err, QUIRE_E_FORMAT, "entry %u: in no entry page (SPEC 5.4)",
                                   idx->entry_base + i);
        memcpy(dst, e->path, e->path_len);
        dst[e->path_len] = '\0';
        e->path = dst;
        dst += e->path_len + 1;
    }
    return QUIRE_OK;
}

/* Makes room for n entries in the tables, which grow with the pages actually inflated: a
 * directory's counts alone never make the parser allocate (a 15 KB directory can claim 2^24
 * entries). */
static int grow_entries(quire_index *idx, struct quire_meta_ref **refs, uint32_t *cap, uint32_t n,
                        quire_error *err)
{
    if (*refs != NULL && n <= *cap)
        return QUIRE_OK;
    uint32_t c = *cap > n / 2 ? *cap * 2 : n;
    if (c > idx->entry_count)
        c = idx->entry_count;
    if (c < n) /* the directory's checks make n <= entry_count; this keeps c >= n on its own */
        c = n;
    if (c == 0)
        c = 1;
    /* calloc and copy rather than realloc: the tables start zeroed, as before they grew */
    quire_entry *e = calloc(c, sizeof *e);
    struct quire_meta_ref *r = calloc(c, sizeof *r);
    if (e == NULL || r == NULL) {
        free(e);
        free(r);
        /* the code spelled out: the analyzer cannot see that quire_error_set returns it */
        quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the index");
        return QUIRE_E_NOMEM;
    }
    if (*cap > 0) {
        memcpy(e, idx->entries, (size_t)*cap * sizeof *e);
        memcpy(r, *refs, (size_t)*cap * sizeof *r);
    }
    free(idx->entries);
    free(*refs);
    idx->entries = e;
    idx->meta_refs = *refs = r;
    *cap = c;
    return QUIRE_OK;
}

/* SPEC 9 step 9: the entry pages [k0, k1), each hashed, inflated into a buffer of its own and
 * parsed. */
static int parse_pages(const uint8_t *buf, const dir_page *pages, uint32_t k0, uint32_t k1,
                       quire_index *idx, quire_error *err)
{
    z_stream zs;
    uint64_t path_bytes = 0;
    uint32_t cap = 0;
    struct quire_meta_ref *refs = NULL;
    memset(&zs, 0, sizeof zs);
    idx->page_bufs = calloc(k1 > k0 ? k1 - k0 : 1, sizeof *idx->page_bufs);
    if (idx->page_bufs == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the entry pages");
    if (inflateInit2(&zs, -15) != Z_OK)
        return quire_error_set(err, QUIRE_E_NOMEM, "zlib failed to initialise");
    int rc = QUIRE_OK;
    for (uint32_t k = k0; rc == QUIRE_OK && k < k1; k++) {
        /* parse_directory refused a raw size of 0; the guard keeps calloc(0) out of reach */
        uint8_t *raw = pages[k].raw > 0 ? calloc(1, pages[k].raw) : NULL;
        if (raw == NULL) {
            rc = quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the entry pages");
            break;
        }
        idx->page_bufs[idx->page_buf_count++] = raw;
        rc = inflate_page(buf + pages[k].offset, &pages[k], k, raw, &zs, err);
        if (rc == QUIRE_OK)
            rc = grow_entries(idx, &refs, &cap, pages[k].first_entry + pages[k].count, err);
        if (rc == QUIRE_OK)
            rc = parse_page(raw, &pages[k], k, idx, refs, &path_bytes, err);
    }
    inflateEnd(&zs);
    idx->meta_refs = refs;
    if (rc == QUIRE_OK)
        rc = copy_paths(idx, path_bytes, err);
    return rc;
}

/* SPEC 5.4: each page's first stream offset, once check_entries has derived them. */
static int check_page_streams(const quire_index *idx, const dir_page *pages, quire_error *err)
{
    for (uint32_t k = 0; k < idx->entry_page_count; k++)
        if (idx->entries[pages[k].first_entry].stream_offset != pages[k].stream)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry page %u: stream offset differs from the derived one "
                                   "(SPEC 5.4)",
                                   k);
    return QUIRE_OK;
}

/* SPEC 5.5: metadata is empty or one JSON object in canonical form. */
static int meta_check(const uint8_t *m, size_t len, quire_error *why)
{
    if (len == 0)
        return QUIRE_OK;
    if (m[0] != '{')
        return quire_error_set(why, QUIRE_E_FORMAT, "not a JSON object");
    return quire_json_check_canonical((const char *)m, len, why);
}
/* SPEC 4.3: no path may also be a directory of another path. Entries are sorted, so each
 * directory prefix is looked up by binary search; those from offset `from` on, since the
 * caller has already looked up the ones shared with the previous entry. */
static bool has_file_prefix(const quire_index *idx, const quire_entry *e, size_t from)
{
    for (size_t k = from > 1 ? from : 1; k < e->path_len; k++) {
        if (e->path[k] != '/')
            continue;
        size_t lo = 0, hi = idx->entry_count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const quire_entry *m = &idx->entries[mid];
            int c = cmp_path(m->path, m->path_len, e->path, k);
            if (c == 0)
                return true;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return false;
}

/* The number of leading bytes a and b (n bytes each) have in common, compared eight at a time. */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            break;
    }
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* The unit holding stream byte off (the last unit starting at or before it). */
static uint32_t unit_at(const quire_index *idx, uint64_t off)
{
    uint32_t lo = 0, hi = idx->unit_count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (idx->units[mid].stream_offset <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* SPEC 4, 5.3, 5.5: per-entry rules that need the whole table. Of a partial index (one page)
 * only what the page itself shows is checked: a link to an entry outside it, a file prefix
 * outside it and the total of the sizes are left to a full verification. */
static int check_entries(quire_index *idx, bool defer_meta, uint64_t stream_off, quire_error *err)
{
    uint32_t unit = unit_at(idx, stream_off);
    uint32_t base = idx->entry_base;

    int rc;
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        quire_entry *e = &idx->entries[i];
        quire_error perr;
        if (quire_path_check(e->path, e->path_len, &perr) != QUIRE_OK)
            return quire_error_set(err, perr.code, "entry %u: %s", idx->entry_base + i, perr.msg);
        size_t common = 0; /* bytes shared with the previous path */
        if (i > 0) {
            const quire_entry *p = &idx->entries[i - 1];
            size_t shorter = p->path_len < e->path_len ? p->path_len : e->path_len;
            common = common_prefix(p->path, e->path, shorter);
            bool increasing = common < shorter ? (uint8_t)p->path[common] < (uint8_t)e->path[common]
                                               : p->path_len < e->path_len;
            if (!increasing)
                return quire_error_set(err, QUIRE_E_FORMAT,
                                       "entry %u (%s): paths not in strictly increasing byte "
                                       "order, or a duplicate (SPEC 4.3)",
                                       idx->entry_base + i, e->path);
        }
        /* A directory prefix ending before `common` is the previous entry's too, and was
         * looked up for it. */
        if (has_file_prefix(idx, e, common))
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u (%s): a parent directory is also a file (SPEC 4.3)",
                                   idx->entry_base + i, e->path);
        uint32_t local = e->link - base; /* wraps below the page: outside it too */
        bool outside = idx->partial && (e->link < base || local >= idx->entry_count);
        if (e->link != QUIRE_LINK_NONE &&
            (e->role != QUIRE_ROLE_DOCUMENT || e->link >= idx->total_entries ||
             (!outside && idx->entries[local].role != QUIRE_ROLE_ORIGINAL)))
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u (%s): link must go from a document to an original "
                                   "(SPEC 5.3)",
                                   idx->entry_base + i, e->path);
        if (!defer_meta && (rc = quire_index_check_meta(idx, i, err)) != QUIRE_OK)
            return rc;
        if (e->size > idx->stream_size - stream_off)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u (%s): size runs past the stored units (SPEC 5.3)",
                                   idx->entry_base + i, e->path);
        e->stream_offset = stream_off;
        while (e->size > 0 && unit + 1 < idx->unit_count &&
               idx->units[unit + 1].stream_offset <= stream_off)
            unit++;
        e->first_unit = unit;
        stream_off += e->size;
    }
    if (!idx->partial && stream_off != idx->stream_size)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry sizes do not add up to the unit sizes (SPEC 5.3)");
    return QUIRE_OK;
}

int quire_index_check_meta(const quire_index *idx, uint32_t i, quire_error *err)
{
    const quire_entry *e = &idx->entries[i];
    quire_error why;
    int rc = meta_check(idx->meta_refs[i].meta, idx->meta_refs[i].len, &why);
    if (rc == QUIRE_E_NOMEM)
        return quire_error_set(err, rc, "out of memory");
    if (rc != QUIRE_OK)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry %u (%s): metadata is not a canonical JSON object: %s "
                               "(SPEC 5.5)",
                               idx->entry_base + i, e->path, why.msg);
    return QUIRE_OK;
}

int quire_index_check_root(const quire_index *idx, quire_error *err)
{
    quire_merkle m;
    uint8_t leaf[QUIRE_MERKLE_HASH_BYTES], root[QUIRE_MERKLE_HASH_BYTES];
    quire_merkle_init(&m);
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        quire_entry_leaf_hash(idx->meta_refs[i].leaf, idx->meta_refs[i].leaf_len, leaf);
        quire_merkle_update(&m, leaf);
    }
    quire_merkle_final(&m, root);
    if (sodium_memcmp(root, idx->root, sizeof root) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry records do not hash to the statement's Merkle root "
                               "(SPEC 5.6)");
    return QUIRE_OK;
}

/* The entry page whose entries path would be among (SPEC 5.4: first paths are increasing). */
static uint32_t page_for(const dir_page *pages, uint32_t n, const char *path)
{
    size_t len = strlen(path);
    uint32_t lo = 0, hi = n;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cmp_path((const char *)pages[mid].first, pages[mid].first_len, path, len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int fetch(const quire_index_fetch *f, uint64_t off, uint64_t len, quire_error *err)
{
    return f == NULL || len == 0 ? QUIRE_OK : f->fn(f->ctx, off, len, err);
}

static int parse_all(const uint8_t *buf, size_t len, const uint8_t *header, unsigned flags,
                     const char *path, const quire_index_fetch *f, quire_index *idx,
                     quire_error *err)
{
    layout lay = {0};
    int rc = parse_statement(buf, len, header, idx, &lay, err);
    if (rc == QUIRE_OK) /* the unit table, the directory and the metadata */
        rc = fetch(f, lay.units_off, len - QUIRE_STATEMENT_BYTES - lay.units_off, err);
    if (rc == QUIRE_OK)
        rc = check_dir_hash(buf, idx, &lay, err);
    if (rc != QUIRE_OK)
        return rc;
    /* Each entry page record takes at least 55 directory bytes, which bounds the count. */
    if ((uint64_t)idx->entry_page_count * (QUIRE_DIR_ENTRY_PAGE_BYTES + 1) > lay.dir_size)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "directory too small for %u entry pages (SPEC 5.4)",
                               idx->entry_page_count);
    idx->total_entries = idx->entry_count;
    dir_page *pages = calloc(idx->entry_page_count ? idx->entry_page_count : 1, sizeof *pages);
    idx->units = calloc(idx->unit_count ? idx->unit_count : 1, sizeof *idx->units);
    if (pages == NULL || idx->units == NULL) {
        free(pages);
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the index");
    }
    rc = parse_directory(buf, idx, &lay, pages, err);
    uint32_t k0 = 0, k1 = idx->entry_page_count;
    uint64_t stream0 = 0;
    if (rc == QUIRE_OK && path != NULL && k1 > 0) {
        /* One page: the entries are renumbered from its first (idx->entry_base). */
        k0 = page_for(pages, k1, path);
        k1 = k0 + 1;
        idx->partial = true;
        idx->entry_base = pages[k0].first_entry;
        idx->entry_count = pages[k0].count;
        pages[k0].first_entry = 0;
        stream0 = pages[k0].stream;
        if (stream0 > idx->stream_size)
            rc = quire_error_set(err, QUIRE_E_FORMAT,
                                 "entry page %u: stream offset past the stream (SPEC 5.4)", k0);
        if (rc == QUIRE_OK)
            rc = fetch(f, pages[k0].offset, pages[k0].stored, err);
    } else if (rc == QUIRE_OK) {
        rc = fetch(f, 0, lay.units_off, err);
    }
    if (rc == QUIRE_OK)
        rc = parse_units(buf, &lay, idx, err);
    if (rc == QUIRE_OK)
        rc = parse_pages(buf, pages, k0, k1, idx, err);
    if (rc == QUIRE_OK) {
        quire_error why;
        idx->bundle_meta = buf + lay.meta_off;
        if (meta_check(idx->bundle_meta, idx->bundle_meta_len, &why) != QUIRE_OK)
            rc = quire_error_set(err, QUIRE_E_FORMAT,
                                 "bundle metadata is not a canonical JSON object: %s (SPEC 5.5)",
                                 why.msg);
    }
    if (rc == QUIRE_OK)
        rc = check_entries(idx, (flags & QUIRE_INDEX_DEFER_META) != 0, stream0, err);
    if (rc == QUIRE_OK && !idx->partial)
        rc = check_page_streams(idx, pages, err);
    if (rc == QUIRE_OK && !(flags & QUIRE_INDEX_DEFER_ROOT))
        rc = idx->partial ? quire_error_set(err, QUIRE_E_USAGE, "no Merkle root of one page")
                          : quire_index_check_root(idx, err);
    free(pages);
    return rc;
}

int quire_index_parse_page(const uint8_t *buf, size_t len, const uint8_t *header, unsigned flags,
                           const char *path, const quire_index_fetch *f, quire_index *out,
                           quire_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = parse_all(buf, len, header, flags, path, f, out, err);
    if (rc != QUIRE_OK)
        quire_index_free(out);
    return rc;
}

int quire_index_parse_ex(const uint8_t *buf, size_t len, const uint8_t *header, unsigned flags,
                         quire_index *out, quire_error *err)
{
    return quire_index_parse_page(buf, len, header, flags, NULL, NULL, out, err);
}

int quire_index_parse(const uint8_t *buf, size_t len, const uint8_t *header, quire_index *out,
                      quire_error *err)
{
    return quire_index_parse_ex(buf, len, header, 0, out, err);
}
