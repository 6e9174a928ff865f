/* SPDX-License-Identifier: ISC */
/* quire_index.c: the index parser (SPEC 5, 9 steps 7-9). It takes (buffer, length), does no
 * I/O and is the main fuzzing target. Every count is checked against the limits of SPEC 8 and
 * the buffer length before anything is allocated. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quire.h"
#include "quire_private.h"
#include "quire_private.h"

_Static_assert(QUIRE_INDEX_FIXED_BYTES == 80, "SPEC 5.1: the fixed part is 80 bytes");
_Static_assert(QUIRE_UNIT_RECORD_BYTES == 56, "SPEC 5.2: unit records are 56 bytes");
_Static_assert(QUIRE_ENTRY_RECORD_BYTES == 56, "SPEC 5.3: entry records are 56 bytes");

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
    free((void *)idx->meta_refs);
    memset(idx, 0, sizeof *idx);
}

/* SPEC 5.2: unit records; derives each unit's file and stream offsets. */
static int parse_units(const uint8_t *p, quire_index *idx, quire_error *err)
{
    uint64_t file_off = QUIRE_HEADER_BYTES, stream_off = 0;

    for (uint32_t u = 0; u < idx->unit_count; u++, p += QUIRE_UNIT_RECORD_BYTES) {
        quire_unit *un = &idx->units[u];
        un->compression = p[0];
        un->stored_size = quire_load64(p + 8);
        un->raw_size = quire_load64(p + 16);
        memcpy(un->hash, p + 24, QUIRE_BLAKE2B256_BYTES);
        if (un->compression != QUIRE_COMP_STORE && un->compression != QUIRE_COMP_DEFLATE)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "unit %u: unknown compression %u (SPEC 5.2)", u,
                                   un->compression);
        if (!zero(p + 1, 7))
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "unit %u: reserved bytes are not zero (SPEC 5.2)", u);
        if (un->raw_size == 0 || un->stored_size == 0 || un->raw_size > QUIRE_MAX_UNIT_BYTES ||
            un->stored_size > QUIRE_MAX_UNIT_BYTES)
            return quire_error_set(err, QUIRE_E_LIMIT, "unit %u: size 0 or above %u bytes (SPEC 8)",
                                   u, QUIRE_MAX_UNIT_BYTES);
        if (un->compression == QUIRE_COMP_STORE && un->stored_size != un->raw_size)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "unit %u: stored unit with two different sizes (SPEC 5.2)", u);
        un->file_offset = file_off;
        un->stream_offset = stream_off;
        /* Both sums are bounded by 2^24 units of at most 2^24 bytes: no wrap. */
        file_off += un->stored_size;
        stream_off += un->raw_size;
    }
    if (file_off != idx->index_offset)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "units do not fill the data region exactly: gap, overlap or bytes "
                               "inserted (SPEC 5.2)");
    idx->stream_size = stream_off;
    return QUIRE_OK;
}

/* SPEC 5.3: the fixed fields of one entry record. */
static int parse_entry_record(const uint8_t *p, uint32_t i, quire_entry *e,
                              struct quire_meta_ref *m, quire_error *err)
{
    e->size = quire_load64(p);
    e->sha256 = p + 8;
    e->path_len = quire_load16(p + 40);
    e->role = p[42];
    e->flags = p[43];
    m->len = quire_load32(p + 44);
    e->link = quire_load32(p + 48);
    if (e->role != QUIRE_ROLE_DOCUMENT && e->role != QUIRE_ROLE_ORIGINAL)
        return quire_error_set(err, QUIRE_E_FORMAT, "entry %u: unknown role %u (SPEC 5.3)", i,
                               e->role);
    if ((e->flags & ~QUIRE_ENTRY_FLAGS_KNOWN) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry %u: reserved flag bits are set (SPEC 5.3)", i);
    if (!zero(p + 52, 4))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry %u: reserved bytes are not zero (SPEC 5.3)", i);
    if (e->path_len == 0 || e->path_len > QUIRE_MAX_PATH_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "entry %u: path length 0 or above %u bytes (SPEC 8)", i,
                               QUIRE_MAX_PATH_BYTES);
    if (m->len > QUIRE_MAX_ENTRY_META_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "entry %u: metadata larger than %u bytes (SPEC 8)", i,
                               QUIRE_MAX_ENTRY_META_BYTES);
    return QUIRE_OK;
}

/* SPEC 5.5: metadata is empty or one JSON object in UTF-8, without duplicate keys. */
static bool meta_ok(const uint8_t *m, size_t len)
{
    if (len == 0)
        return true;
    json_t *j = json_loadb((const char *)m, len, JSON_REJECT_DUPLICATES, NULL);
    bool ok = j != NULL && json_is_object(j);
    json_decref(j);
    return ok;
}

/* SPEC 5.4: the heap holds the bundle metadata, then each entry's path and metadata in entry
 * order, with nothing before, between or after. */
static int parse_heap(const uint8_t *heap, uint64_t heap_len, quire_index *idx,
                      struct quire_meta_ref *refs, quire_error *err)
{
    uint64_t off = idx->bundle_meta_len;
    char *dst = idx->paths;

    if (off > heap_len)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "bundle metadata past the index end (SPEC 5.4)");
    idx->bundle_meta = heap;
    if (!meta_ok(heap, idx->bundle_meta_len))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "bundle metadata is not a JSON object (SPEC 5.5)");
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        quire_entry *e = &idx->entries[i];
        if (heap_len - off < (uint64_t)e->path_len + refs[i].len)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u: path or metadata past the index end (SPEC 5.4)", i);
        memcpy(dst, heap + off, e->path_len);
        dst[e->path_len] = '\0';
        e->path = dst;
        dst += e->path_len + 1;
        refs[i].meta = heap + off + e->path_len;
        off += (uint64_t)e->path_len + refs[i].len;
    }
    if (off != heap_len)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "%llu unused bytes at the end of the index (SPEC 5.4)",
                               (unsigned long long)(heap_len - off));
    return QUIRE_OK;
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

/* SPEC 4, 5.3, 5.5: per-entry rules that need the whole table. */
static int check_entries(quire_index *idx, bool defer_meta, quire_error *err)
{
    uint64_t stream_off = 0;
    uint32_t unit = 0;

    int rc;
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        quire_entry *e = &idx->entries[i];
        quire_error perr;
        if (quire_path_check(e->path, e->path_len, &perr) != QUIRE_OK)
            return quire_error_set(err, perr.code, "entry %u: %s", i, perr.msg);
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
                                       i, e->path);
        }
        /* A directory prefix ending before `common` is the previous entry's too, and was
         * looked up for it. */
        if (has_file_prefix(idx, e, common))
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u (%s): a parent directory is also a file (SPEC 4.3)", i,
                                   e->path);
        if (e->link != QUIRE_LINK_NONE &&
            (e->role != QUIRE_ROLE_DOCUMENT || e->link >= idx->entry_count ||
             idx->entries[e->link].role != QUIRE_ROLE_ORIGINAL))
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u (%s): link must go from a document to an original "
                                   "(SPEC 5.3)",
                                   i, e->path);
        if (!defer_meta && (rc = quire_index_check_meta(idx, i, err)) != QUIRE_OK)
            return rc;
        if (e->size > idx->stream_size - stream_off)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "entry %u (%s): size runs past the stored units (SPEC 5.3)", i,
                                   e->path);
        e->stream_offset = stream_off;
        while (e->size > 0 && unit + 1 < idx->unit_count &&
               idx->units[unit + 1].stream_offset <= stream_off)
            unit++;
        e->first_unit = unit;
        stream_off += e->size;
    }
    if (stream_off != idx->stream_size)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry sizes do not add up to the unit sizes (SPEC 5.3)");
    return QUIRE_OK;
}

/* SPEC 5.1: the fixed part. Returns the number of bytes the fixed part and the records take. */
static int parse_fixed(const uint8_t *buf, size_t len, const uint8_t *header, quire_index *idx,
                       uint64_t *records_end, quire_error *err)
{
    if (len < QUIRE_INDEX_FIXED_BYTES ||
        memcmp(buf, QUIRE_INDEX_DOMAIN, QUIRE_INDEX_DOMAIN_BYTES) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "index: bad domain string (SPEC 5.1)");
    if (memcmp(buf + 16, header, QUIRE_HEADER_BYTES) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "index: header copy differs from the file header (SPEC 5.1)");
    idx->index_offset = quire_load64(buf + 48);
    idx->index_size = quire_load64(buf + 56);
    idx->entry_count = quire_load32(buf + 64);
    idx->unit_count = quire_load32(buf + 68);
    idx->bundle_meta_len = quire_load32(buf + 72);
    if (idx->index_size != len)
        return quire_error_set(err, QUIRE_E_FORMAT, "index: size field is wrong (SPEC 5.1)");
    if (quire_load32(buf + 76) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "index: reserved field not zero (SPEC 5.1)");
    if (idx->entry_count > QUIRE_MAX_ENTRIES || idx->unit_count > QUIRE_MAX_UNITS)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "index: more than %u entries or %u units (SPEC 8)",
                               QUIRE_MAX_ENTRIES, QUIRE_MAX_UNITS);
    if (idx->bundle_meta_len > QUIRE_MAX_BUNDLE_META_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "index: bundle metadata larger than %u bytes (SPEC 8)",
                               QUIRE_MAX_BUNDLE_META_BYTES);
    *records_end = QUIRE_INDEX_FIXED_BYTES + (uint64_t)idx->unit_count * QUIRE_UNIT_RECORD_BYTES +
                   (uint64_t)idx->entry_count * QUIRE_ENTRY_RECORD_BYTES;
    if (*records_end > len)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "index: %u units and %u entries do not fit in %zu bytes (SPEC 5.1)",
                               idx->unit_count, idx->entry_count, len);
    return QUIRE_OK;
}

static int parse_all(const uint8_t *buf, size_t len, const uint8_t *header, unsigned flags,
                     quire_index *idx, quire_error *err)
{
    uint64_t records_end = 0, paths_bytes = 0;
    int rc = parse_fixed(buf, len, header, idx, &records_end, err);
    if (rc != QUIRE_OK)
        return rc;
    /* The counts are now bounded by the buffer length: these allocations are too. */
    idx->units = calloc(idx->unit_count ? idx->unit_count : 1, sizeof *idx->units);
    idx->entries = quire_table_alloc(idx->entry_count, sizeof *idx->entries);
    struct quire_meta_ref *refs = quire_table_alloc(idx->entry_count, sizeof *refs);
    idx->meta_refs = refs;
    if (idx->units == NULL || idx->entries == NULL || refs == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the index");
    rc = parse_units(buf + QUIRE_INDEX_FIXED_BYTES, idx, err);
    if (rc != QUIRE_OK)
        return rc;
    const uint8_t *rec =
        buf + QUIRE_INDEX_FIXED_BYTES + (size_t)idx->unit_count * QUIRE_UNIT_RECORD_BYTES;
    for (uint32_t i = 0; i < idx->entry_count; i++, rec += QUIRE_ENTRY_RECORD_BYTES) {
        rc = parse_entry_record(rec, i, &idx->entries[i], &refs[i], err);
        if (rc != QUIRE_OK)
            return rc;
        paths_bytes += idx->entries[i].path_len + 1u;
    }
    if (paths_bytes > len - records_end + idx->entry_count)
        return quire_error_set(err, QUIRE_E_FORMAT, "index: paths past the index end (SPEC 5.4)");
    idx->paths = quire_table_alloc((size_t)paths_bytes, 1);
    if (idx->paths == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the paths");
    rc = parse_heap(buf + records_end, len - records_end, idx, refs, err);
    if (rc != QUIRE_OK)
        return rc;
    return check_entries(idx, (flags & QUIRE_INDEX_DEFER_META) != 0, err);
}

int quire_index_check_meta(const quire_index *idx, uint32_t i, quire_error *err)
{
    const quire_entry *e = &idx->entries[i];
    if (!meta_ok(idx->meta_refs[i].meta, idx->meta_refs[i].len))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "entry %u (%s): metadata is not a JSON object (SPEC 5.5)", i,
                               e->path);
    return QUIRE_OK;
}

int quire_index_parse_ex(const uint8_t *buf, size_t len, const uint8_t *header, unsigned flags,
                         quire_index *out, quire_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = parse_all(buf, len, header, flags, out, err);
    if (rc != QUIRE_OK)
        quire_index_free(out);
    return rc;
}

int quire_index_parse(const uint8_t *buf, size_t len, const uint8_t *header, quire_index *out,
                      quire_error *err)
{
    return quire_index_parse_ex(buf, len, header, 0, out, err);
}
