/* SPDX-License-Identifier: ISC */
/* quire_writer.c: writes a bundle sequentially with bounded memory (SPEC 11): header, units as
 * they fill, then the index region (entry pages, unit table, directory, bundle metadata,
 * statement), the signature block and the trailer. Entries are encoded into deflated entry
 * pages as they arrive, so the writer holds the compressed index, not the entries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <sodium.h>

#include "quire_json.h"
#include "quire_merkle.h"
#include "quire_units.h"
#include "quire_private.h"
#include "quire_write.h"
#include "common/quire_sha256.h"

/* A growable byte buffer. */
typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
} wbuf;

/* The entry added last: its metadata may still be replaced (quire_writer_set_meta), so it is
 * encoded into a page only when the next one arrives or at finish. */
typedef struct wentry {
    char *path;
    uint8_t *meta;
    size_t path_len;
    size_t meta_len;
    uint64_t size;
    uint8_t sha256[QUIRE_SHA256_BYTES];
    uint8_t role;
    uint8_t flags;
    uint32_t link;
} wentry;

struct quire_writer {
    int fd;
    uint64_t offset;
    int level;
    uint8_t header[QUIRE_HEADER_BYTES];
    uint8_t *bundle_meta; /* canonical (SPEC 5.5) */
    size_t bundle_meta_len;
    wentry pend;           /* the last entry added, if entry_count > 0 */
    size_t entry_count;    /* entries added, the pending one included */
    uint8_t *roles;        /* each entry's role, for the link check at finish */
    uint32_t *links;       /* each entry's link */
    size_t table_cap;      /* of roles and links */
    uint64_t stream;       /* content stream bytes so far (SPEC 5.3) */
    uint64_t pend_stream;  /* where the pending entry starts in the stream */
    wbuf page;             /* the entry page being filled, raw */
    uint32_t page_entries; /* entries in it */
    uint64_t page_stream;  /* the stream offset of its first entry */
    wbuf pages;            /* the finished entry pages, deflated */
    wbuf dir;              /* their directory records (SPEC 5.4) */
    uint32_t page_count;
    struct libdeflate_compressor *deflater; /* for entry pages, made at the first */
    quire_merkle tree;                      /* SPEC 5.6, over the entries encoded so far */
    wbuf units;                             /* unit records, already encoded (SPEC 5.2) */
    size_t unit_count;
    quire_units *pipe; /* started at the first entry, once level and threads are set */
    unsigned threads;
    bool finished; /* finish was called: nothing more can be added */
    uint8_t fingerprint[QUIRE_FINGERPRINT_BYTES];
};

static int wbuf_add(wbuf *b, const void *p, size_t n, quire_error *err)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        b->p = q;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return QUIRE_OK;
}

/* SPEC 5.5: metadata is stored canonical; what cannot be (not an object, a fraction, an
 * integer beyond 2^53) is refused with the reason. *out is malloc'd (at least 1 byte). */
static int canonical_meta(const uint8_t *meta, size_t len, const char *what, uint8_t **out,
                          size_t *out_len, quire_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (len == 0) {
        *out = malloc(1);
        return *out ? QUIRE_OK : quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    char *c = NULL;
    size_t clen = 0;
    quire_error why;
    int rc = quire_json_canonical((const char *)meta, len, &c, &clen, &why);
    if (rc == QUIRE_E_NOMEM)
        return quire_error_set(err, rc, "out of memory");
    if (rc != QUIRE_OK)
        return quire_error_set(err, QUIRE_E_INPUT, "%s: metadata: %s", what, why.msg);
    if (clen == 0 || c[0] != '{') {
        free(c);
        return quire_error_set(err, QUIRE_E_INPUT, "%s: metadata is not a JSON object", what);
    }
    *out = (uint8_t *)c;
    *out_len = clen;
    return QUIRE_OK;
}

static int write_all(quire_writer *w, const void *buf, size_t len, quire_error *err)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return quire_error_set(err, QUIRE_E_IO, "write failed: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
        w->offset += (uint64_t)n;
    }
    return QUIRE_OK;
}

int quire_writer_open(int fd, const uint8_t *bundle_meta, size_t meta_len, quire_writer **out,
                      quire_error *err)
{
    if (sodium_init() < 0)
        return quire_error_set(err, QUIRE_E_IO, "libsodium failed to initialise");
    quire_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    w->fd = fd;
    w->level = 8;
    quire_merkle_init(&w->tree);
    int rc =
        canonical_meta(bundle_meta, meta_len, "bundle", &w->bundle_meta, &w->bundle_meta_len, err);
    if (rc == QUIRE_OK && w->bundle_meta_len > QUIRE_MAX_BUNDLE_META_BYTES)
        rc = quire_error_set(err, QUIRE_E_INPUT, "bundle metadata larger than %u bytes",
                             QUIRE_MAX_BUNDLE_META_BYTES);
    if (rc != QUIRE_OK) {
        quire_writer_free(w);
        return rc;
    }
    memcpy(w->header, QUIRE_MAGIC, QUIRE_MAGIC_BYTES);
    quire_store16(w->header + 8, QUIRE_FORMAT_VERSION);
    w->header[12] = QUIRE_CONTENT_HASH_SHA256;
    w->header[13] = QUIRE_UNIT_HASH_BLAKE2B256;
    w->header[14] = QUIRE_SIG_ALG_MINISIGN_ED;
    rc = write_all(w, w->header, sizeof w->header, err);
    if (rc != QUIRE_OK) {
        quire_writer_free(w);
        return rc;
    }
    *out = w;
    return QUIRE_OK;
}

void quire_writer_set_level(quire_writer *w, int level)
{
    w->level = level < 0 ? 0 : level > 12 ? 12 : level;
}

void quire_writer_set_threads(quire_writer *w, unsigned threads)
{
    w->threads = threads > 64 ? 64 : threads;
}

/* The pipeline's sink: appends the unit record (SPEC 5.2) and the stored bytes, in unit order. */
static int unit_done(void *ctx, const uint8_t *stored, size_t stored_len, uint8_t compression,
                     size_t raw_len, const uint8_t *hash, quire_error *err)
{
    quire_writer *w = ctx;
    uint8_t rec[QUIRE_UNIT_RECORD_BYTES] = {0};
    rec[0] = compression;
    quire_store32(rec + 4, (uint32_t)stored_len);
    quire_store32(rec + 8, (uint32_t)raw_len);
    memcpy(rec + 12, hash, QUIRE_BLAKE2B256_BYTES);
    int rc = wbuf_add(&w->units, rec, sizeof rec, err);
    if (rc != QUIRE_OK)
        return rc;
    w->unit_count++;
    return write_all(w, stored, stored_len, err);
}

static int start_pipe(quire_writer *w, quire_error *err)
{
    if (w->pipe != NULL)
        return QUIRE_OK;
    return quire_units_open(w->threads, w->level, unit_done, w, &w->pipe, err);
}

/* Deflates the page being filled and appends it and its directory record (SPEC 5.4). */
static int close_page(quire_writer *w, quire_error *err)
{
    if (w->page_entries == 0)
        return QUIRE_OK;
    if (w->deflater == NULL && (w->deflater = libdeflate_alloc_compressor(w->level)) == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    size_t bound = libdeflate_deflate_compress_bound(w->deflater, w->page.len);
    uint8_t *out = malloc(bound);
    if (out == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    size_t stored = libdeflate_deflate_compress(w->deflater, w->page.p, w->page.len, out, bound);
    uint8_t rec[QUIRE_DIR_ENTRY_PAGE_BYTES];
    const uint8_t *first = w->page.p + 2;
    uint16_t first_len = quire_load16(w->page.p);
    quire_store32(rec, (uint32_t)stored);
    quire_store32(rec + 4, (uint32_t)w->page.len);
    quire_store32(rec + 8, w->page_entries);
    quire_store64(rec + 12, w->page_stream);
    quire_sha256(rec + 20, out, stored);
    quire_store16(rec + 52, first_len);
    int rc = stored > 0 ? QUIRE_OK : quire_error_set(err, QUIRE_E_NOMEM, "deflate failed");
    if (rc == QUIRE_OK && stored > QUIRE_MAX_PAGE_BYTES)
        rc = quire_error_set(err, QUIRE_E_INPUT, "an entry page deflates to over %u bytes",
                             QUIRE_MAX_PAGE_BYTES);
    if (rc == QUIRE_OK)
        rc = wbuf_add(&w->pages, out, stored, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(&w->dir, rec, sizeof rec, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(&w->dir, first, first_len, err);
    free(out);
    w->page.len = 0;
    w->page_entries = 0;
    w->page_count++;
    return rc;
}

/* SPEC 5.3: encodes the pending entry into the page being filled (which is closed first when
 * the record would take it past the target, packer policy) and into the Merkle tree. */
static int encode_pending(quire_writer *w, quire_error *err)
{
    const wentry *e = &w->pend;
    size_t rec_len = QUIRE_ENTRY_FIXED_BYTES + e->path_len + e->meta_len;
    uint8_t fixed[QUIRE_ENTRY_FIXED_BYTES - 2], len16[2];
    int rc = QUIRE_OK;
    if (w->page_entries > 0 && w->page.len + rec_len > QUIRE_PAGE_TARGET_BYTES)
        rc = close_page(w, err);
    if (rc != QUIRE_OK)
        return rc;
    if (w->page_entries == 0)
        w->page_stream = w->pend_stream;
    size_t at = w->page.len;
    quire_store16(len16, (uint16_t)e->path_len);
    quire_store64(fixed, e->size);
    memcpy(fixed + 8, e->sha256, QUIRE_SHA256_BYTES);
    fixed[40] = e->role;
    fixed[41] = e->flags;
    quire_store32(fixed + 42, e->link);
    quire_store32(fixed + 46, (uint32_t)e->meta_len);
    rc = wbuf_add(&w->page, len16, sizeof len16, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(&w->page, e->path, e->path_len, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(&w->page, fixed, sizeof fixed, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(&w->page, e->meta, e->meta_len, err);
    if (rc != QUIRE_OK)
        return rc;
    uint8_t leaf[QUIRE_MERKLE_HASH_BYTES];
    quire_entry_leaf_hash(w->page.p + at, rec_len, leaf);
    quire_merkle_update(&w->tree, leaf);
    w->page_entries++;
    return QUIRE_OK;
}

static void drop_pending(quire_writer *w)
{
    free(w->pend.path);
    free(w->pend.meta);
    memset(&w->pend, 0, sizeof w->pend);
}

/* Encodes the previous entry, then makes d the pending one. */
static int push_entry(quire_writer *w, const quire_entry_desc *d, quire_error *err)
{
    uint8_t *meta = NULL;
    size_t meta_len = 0;
    int rc = canonical_meta(d->meta, d->meta_len, d->path, &meta, &meta_len, err);
    if (rc == QUIRE_OK && meta_len > QUIRE_MAX_ENTRY_META_BYTES)
        rc = quire_error_set(err, QUIRE_E_INPUT, "%s: metadata larger than %u bytes", d->path,
                             QUIRE_MAX_ENTRY_META_BYTES);
    if (rc == QUIRE_OK && w->entry_count == w->table_cap) {
        size_t cap = w->table_cap ? w->table_cap * 2 : 1024;
        uint8_t *roles = realloc(w->roles, cap);
        if (roles != NULL)
            w->roles = roles;
        uint32_t *links = roles ? realloc(w->links, cap * sizeof *links) : NULL;
        if (links != NULL)
            w->links = links;
        if (roles == NULL || links == NULL)
            rc = quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        else
            w->table_cap = cap;
    }
    if (rc == QUIRE_OK && w->entry_count > 0) {
        rc = encode_pending(w, err);
        drop_pending(w);
    }
    wentry *e = &w->pend;
    if (rc != QUIRE_OK) {
        free(meta);
        return rc;
    }
    e->path_len = strlen(d->path);
    e->path = malloc(e->path_len + 1);
    if (e->path == NULL) {
        free(meta);
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    memcpy(e->path, d->path, e->path_len + 1);
    e->meta = meta;
    e->meta_len = meta_len;
    e->size = d->size;
    e->role = d->role;
    e->flags = d->flags;
    e->link = d->link;
    w->roles[w->entry_count] = d->role;
    w->links[w->entry_count] = d->link;
    w->pend_stream = w->stream;
    w->stream += d->size;
    w->entry_count++;
    return QUIRE_OK;
}

static int check_desc(const quire_writer *w, const quire_entry_desc *d, quire_error *err)
{
    size_t len = strlen(d->path);
    quire_error perr;
    if (w->finished)
        return quire_error_set(err, QUIRE_E_USAGE, "the writer is finished");
    if (quire_path_check(d->path, len, &perr) != QUIRE_OK)
        return quire_error_set(err, QUIRE_E_INPUT, "%s: %s", d->path, perr.msg);
    if (w->entry_count >= QUIRE_MAX_ENTRIES)
        return quire_error_set(err, QUIRE_E_INPUT, "more than %u entries", QUIRE_MAX_ENTRIES);
    if (d->meta_len > QUIRE_MAX_ENTRY_META_BYTES)
        return quire_error_set(err, QUIRE_E_INPUT, "%s: metadata larger than %u bytes", d->path,
                               QUIRE_MAX_ENTRY_META_BYTES);
    if (w->entry_count > 0) {
        const wentry *p = &w->pend;
        size_t n = p->path_len < len ? p->path_len : len;
        int c = memcmp(p->path, d->path, n);
        if (c > 0 || (c == 0 && p->path_len >= len))
            return quire_error_set(err, QUIRE_E_INPUT,
                                   "%s: duplicate path, or not after %s in byte order", d->path,
                                   p->path);
    }
    return QUIRE_OK;
}

/* Reads exactly d->size bytes from src into units, hashing them; one more read must report the
 * end, so a file that grows or shrinks while packed is an error, never a silent difference. */
static int copy_content(quire_writer *w, const quire_entry_desc *d, quire_source_fn src, void *ctx,
                        uint8_t *sha, quire_error *err)
{
    quire_sha256_state st;
    uint64_t left = d->size;

    size_t *fill;
    uint8_t *raw;
    int rc = start_pipe(w, err);

    quire_sha256_init(&st);
    if (rc != QUIRE_OK)
        return rc;
    raw = quire_units_buffer(w->pipe, &fill);
    /* Packer policy (SPEC 11.1): a small entry never straddles two units; a large one starts a
     * fresh unit. */
    if (*fill > 0 && d->size > QUIRE_UNIT_TARGET_BYTES - *fill) {
        rc = quire_units_submit(w->pipe, err);
        raw = quire_units_buffer(w->pipe, &fill);
    }
    while (rc == QUIRE_OK && left > 0) {
        size_t room = QUIRE_UNIT_TARGET_BYTES - *fill, got = 0;
        size_t want = left < room ? (size_t)left : room;
        rc = src(ctx, raw + *fill, want, &got, err);
        if (rc == QUIRE_OK && got == 0)
            rc = quire_error_set(err, QUIRE_E_INPUT, "%s: file shrank while being read", d->path);
        if (rc != QUIRE_OK)
            break;
        quire_sha256_update(&st, raw + *fill, got);
        *fill += got;
        left -= got;
        if (*fill == QUIRE_UNIT_TARGET_BYTES) {
            rc = quire_units_submit(w->pipe, err);
            raw = quire_units_buffer(w->pipe, &fill);
        }
    }
    if (rc == QUIRE_OK) {
        uint8_t probe[1];
        size_t got = 0;
        rc = src(ctx, probe, sizeof probe, &got, err);
        if (rc == QUIRE_OK && got != 0)
            rc = quire_error_set(err, QUIRE_E_INPUT, "%s: file grew while being read", d->path);
    }
    quire_sha256_final(&st, sha);
    return rc;
}

int quire_writer_add(quire_writer *w, const quire_entry_desc *d, quire_source_fn src, void *src_ctx,
                     quire_error *err)
{
    int rc = check_desc(w, d, err);
    if (rc == QUIRE_OK)
        rc = push_entry(w, d, err);
    if (rc == QUIRE_OK)
        rc = copy_content(w, d, src, src_ctx, w->pend.sha256, err);
    return rc;
}

int quire_writer_set_meta(quire_writer *w, const uint8_t *meta, size_t meta_len, quire_error *err)
{
    if (w->entry_count == 0 || w->finished)
        return quire_error_set(err, QUIRE_E_USAGE, "no entry to set metadata for");
    wentry *e = &w->pend;
    uint8_t *copy = NULL;
    size_t copy_len = 0;
    int rc = canonical_meta(meta, meta_len, e->path, &copy, &copy_len, err);
    if (rc == QUIRE_OK && copy_len > QUIRE_MAX_ENTRY_META_BYTES)
        rc = quire_error_set(err, QUIRE_E_INPUT, "%s: metadata larger than %u bytes", e->path,
                             QUIRE_MAX_ENTRY_META_BYTES);
    if (rc != QUIRE_OK) {
        free(copy);
        return rc;
    }
    free(e->meta);
    e->meta = copy;
    e->meta_len = copy_len;
    return QUIRE_OK;
}

/* SPEC 5.3: links go from a document to an original; checked once every role is known. */
static int check_links(const quire_writer *w, quire_error *err)
{
    for (size_t i = 0; i < w->entry_count; i++) {
        uint32_t l = w->links[i];
        if (l != QUIRE_LINK_NONE && (w->roles[i] != QUIRE_ROLE_DOCUMENT || l >= w->entry_count ||
                                     w->roles[l] != QUIRE_ROLE_ORIGINAL))
            return quire_error_set(err, QUIRE_E_INPUT,
                                   "entry %zu: link must go from a document to an original", i);
    }
    return QUIRE_OK;
}

/* SPEC 5.2, 5.4: the unit page records (a SHA-256 and the first unit's offsets per 1,024
 * records), appended to the directory. */
static int unit_pages(quire_writer *w, quire_error *err)
{
    uint64_t file_off = QUIRE_HEADER_BYTES, stream_off = 0;
    for (size_t first = 0; first < w->unit_count; first += QUIRE_UNITS_PER_PAGE) {
        size_t n = w->unit_count - first < QUIRE_UNITS_PER_PAGE ? w->unit_count - first
                                                                : QUIRE_UNITS_PER_PAGE;
        const uint8_t *page = w->units.p + first * QUIRE_UNIT_RECORD_BYTES;
        uint8_t rec[QUIRE_DIR_UNIT_PAGE_BYTES];
        quire_sha256(rec, page, n * QUIRE_UNIT_RECORD_BYTES);
        quire_store64(rec + 32, file_off);
        quire_store64(rec + 40, stream_off);
        for (size_t i = 0; i < n; i++) {
            file_off += quire_load32(page + i * QUIRE_UNIT_RECORD_BYTES + 4);
            stream_off += quire_load32(page + i * QUIRE_UNIT_RECORD_BYTES + 8);
        }
        int rc = wbuf_add(&w->dir, rec, sizeof rec, err);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* SPEC 5: the index region in one buffer: pages, unit table, directory, metadata, statement. */
static int build_index(quire_writer *w, wbuf *out, quire_error *err)
{
    uint8_t st[QUIRE_STATEMENT_BYTES] = {0};
    uint64_t index_size =
        w->pages.len + w->units.len + w->dir.len + w->bundle_meta_len + QUIRE_STATEMENT_BYTES;
    if (index_size > QUIRE_MAX_INDEX_BYTES || w->dir.len > QUIRE_MAX_DIRECTORY_BYTES)
        return quire_error_set(err, QUIRE_E_INPUT, "index larger than %llu bytes",
                               (unsigned long long)QUIRE_MAX_INDEX_BYTES);
    memcpy(st, QUIRE_STATEMENT_DOMAIN, QUIRE_STATEMENT_DOMAIN_BYTES);
    memcpy(st + 16, w->header, QUIRE_HEADER_BYTES);
    quire_store64(st + 48, w->offset);
    quire_store64(st + 56, index_size);
    quire_store32(st + 64, (uint32_t)w->entry_count);
    quire_store32(st + 68, (uint32_t)w->unit_count);
    quire_store32(st + 72, w->page_count);
    quire_store32(st + 76, (uint32_t)w->bundle_meta_len);
    quire_store64(st + 80, w->dir.len);
    quire_store64(st + 88, w->stream);
    quire_merkle_final(&w->tree, st + 96);
    quire_sha256_state h;
    quire_sha256_init(&h);
    quire_sha256_update(&h, w->dir.p, w->dir.len);
    quire_sha256_update(&h, w->bundle_meta, w->bundle_meta_len);
    quire_sha256_final(&h, st + 128);
    int rc = wbuf_add(out, w->pages.p, w->pages.len, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(out, w->units.p, w->units.len, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(out, w->dir.p, w->dir.len, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(out, w->bundle_meta, w->bundle_meta_len, err);
    if (rc == QUIRE_OK)
        rc = wbuf_add(out, st, sizeof st, err);
    return rc;
}

/* SPEC 6, 7: one signature record, then the trailer. */
static int write_signature(quire_writer *w, const quire_sig *sig, uint64_t index_offset,
                           uint64_t index_len, quire_error *err)
{
    uint8_t fixed[QUIRE_SIGBLOCK_FIXED_BYTES] = {0}, head[76], trailer[QUIRE_TRAILER_BYTES] = {0};
    uint64_t sig_len = QUIRE_SIGBLOCK_FIXED_BYTES + QUIRE_SIG_RECORD_MIN_BYTES + sig->comment_len;

    memcpy(fixed, QUIRE_SIGBLOCK_MAGIC, 8);
    quire_store32(fixed + 8, 1);
    memcpy(head, "ED", 2);
    memcpy(head + 2, sig->key_id, QUIRE_KEY_ID_BYTES);
    memcpy(head + 10, sig->sig, QUIRE_SIGNATURE_BYTES);
    quire_store16(head + 74, sig->comment_len);
    quire_store64(trailer, index_offset);
    quire_store64(trailer + 8, index_len);
    quire_store64(trailer + 16, sig_len);
    /* trailer + 24: attachments_size, 0 */
    memcpy(trailer + 32, QUIRE_TRAILER_MAGIC, 8);
    int rc = write_all(w, fixed, sizeof fixed, err);
    if (rc == QUIRE_OK)
        rc = write_all(w, head, sizeof head, err);
    if (rc == QUIRE_OK)
        rc = write_all(w, sig->comment, sig->comment_len, err);
    if (rc == QUIRE_OK)
        rc = write_all(w, sig->global_sig, QUIRE_SIGNATURE_BYTES, err);
    if (rc == QUIRE_OK)
        rc = write_all(w, trailer, sizeof trailer, err);
    return rc;
}

int quire_writer_finish(quire_writer *w, const quire_seckey *sk, const char *comment,
                        quire_error *err)
{
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_index check;
    quire_sig sig;
    wbuf idx = {0};
    if (w->finished)
        return quire_error_set(err, QUIRE_E_USAGE, "the writer is finished");
    w->finished = true;
    int rc = start_pipe(w, err);
    if (rc == QUIRE_OK)
        rc = quire_units_drain(w->pipe, err);
    if (rc != QUIRE_OK)
        return rc;
    quire_units_close(w->pipe); /* the ring's slots (2 x threads + 1 MiB-units) go back first */
    w->pipe = NULL;
    if (w->entry_count > 0) {
        rc = encode_pending(w, err);
        drop_pending(w);
    }
    if (rc == QUIRE_OK)
        rc = close_page(w, err);
    if (rc == QUIRE_OK)
        rc = check_links(w, err);
    if (rc == QUIRE_OK)
        rc = unit_pages(w, err);
    if (rc == QUIRE_OK)
        rc = build_index(w, &idx, err);
    if (rc != QUIRE_OK) {
        free(idx.p);
        return rc;
    }
    /* The writer holds itself to the reader's rules: what it cannot read back, it refuses to
     * sign. */
    const uint8_t *statement = idx.p + idx.len - QUIRE_STATEMENT_BYTES;
    quire_error perr;
    if (quire_index_parse(idx.p, idx.len, w->header, &check, &perr) != QUIRE_OK)
        rc = quire_error_set(err, QUIRE_E_INPUT, "%s", perr.msg);
    quire_index_free(&check);
    if (rc == QUIRE_OK) {
        quire_prehash(statement, QUIRE_STATEMENT_BYTES, prehash);
        quire_sha256(w->fingerprint, statement, QUIRE_STATEMENT_BYTES);
        rc = quire_sign(sk, prehash, comment, &sig, err);
    }
    uint64_t index_offset = w->offset;
    if (rc == QUIRE_OK)
        rc = write_all(w, idx.p, idx.len, err);
    if (rc == QUIRE_OK)
        rc = write_signature(w, &sig, index_offset, idx.len, err);
    free(idx.p);
    return rc;
}

const uint8_t *quire_writer_fingerprint(const quire_writer *w)
{
    return w->fingerprint;
}

void quire_writer_free(quire_writer *w)
{
    if (w == NULL)
        return;
    drop_pending(w);
    free(w->roles);
    free(w->links);
    free(w->page.p);
    free(w->pages.p);
    free(w->dir.p);
    free(w->units.p);
    libdeflate_free_compressor(w->deflater);
    quire_units_close(w->pipe);
    free(w->bundle_meta);
    free(w);
}
