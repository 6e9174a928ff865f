/* SPDX-License-Identifier: ISC */
/* quire_writer.c: writes a bundle sequentially with bounded memory (SPEC 10): header, units as
 * they fill, then the index, the signature block and the trailer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "quire_units.h"
#include "quire_private.h"
#include "quire_write.h"

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
    uint8_t *bundle_meta;
    size_t bundle_meta_len;
    wentry *entries;
    size_t entry_count, entry_cap;
    uint8_t *units; /* unit records, already encoded */
    size_t unit_count, unit_cap;
    quire_units *pipe; /* started at the first entry, once level and threads are set */
    unsigned threads;
    bool finished; /* finish was called: nothing more can be added */
    uint8_t fingerprint[QUIRE_FINGERPRINT_BYTES];
};

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
    if (meta_len > QUIRE_MAX_BUNDLE_META_BYTES)
        return quire_error_set(err, QUIRE_E_INPUT, "bundle metadata larger than %u bytes",
                               QUIRE_MAX_BUNDLE_META_BYTES);
    if (sodium_init() < 0)
        return quire_error_set(err, QUIRE_E_IO, "libsodium failed to initialise");
    quire_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    w->fd = fd;
    w->level = 6;
    w->bundle_meta = malloc(meta_len ? meta_len : 1);
    if (w->bundle_meta == NULL) {
        quire_writer_free(w);
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    if (meta_len > 0)
        memcpy(w->bundle_meta, bundle_meta, meta_len);
    w->bundle_meta_len = meta_len;
    memcpy(w->header, QUIRE_MAGIC, QUIRE_MAGIC_BYTES);
    quire_store16(w->header + 8, QUIRE_FORMAT_VERSION);
    w->header[12] = QUIRE_CONTENT_HASH_SHA256;
    w->header[13] = QUIRE_UNIT_HASH_BLAKE2B256;
    w->header[14] = QUIRE_SIG_ALG_MINISIGN_ED;
    int rc = write_all(w, w->header, sizeof w->header, err);
    if (rc != QUIRE_OK) {
        quire_writer_free(w);
        return rc;
    }
    *out = w;
    return QUIRE_OK;
}

void quire_writer_set_level(quire_writer *w, int level)
{
    w->level = level < 0 ? 0 : level > 9 ? 9 : level;
}

void quire_writer_set_threads(quire_writer *w, unsigned threads)
{
    w->threads = threads > 64 ? 64 : threads;
}

/* The pipeline's sink: appends the unit record and the stored bytes, in unit order. */
static int unit_done(void *ctx, const uint8_t *stored, size_t stored_len, uint8_t compression,
                     size_t raw_len, const uint8_t *hash, quire_error *err)
{
    quire_writer *w = ctx;
    if (w->unit_count == w->unit_cap) {
        size_t cap = w->unit_cap ? w->unit_cap * 2 : 64;
        uint8_t *u = realloc(w->units, cap * QUIRE_UNIT_RECORD_BYTES);
        if (u == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        w->units = u;
        w->unit_cap = cap;
    }
    uint8_t *rec = w->units + w->unit_count * QUIRE_UNIT_RECORD_BYTES;
    memset(rec, 0, QUIRE_UNIT_RECORD_BYTES);
    rec[0] = compression;
    quire_store64(rec + 8, stored_len);
    quire_store64(rec + 16, raw_len);
    memcpy(rec + 24, hash, QUIRE_BLAKE2B256_BYTES);
    w->unit_count++;
    return write_all(w, stored, stored_len, err);
}

static int start_pipe(quire_writer *w, quire_error *err)
{
    if (w->pipe != NULL)
        return QUIRE_OK;
    return quire_units_open(w->threads, w->level, unit_done, w, &w->pipe, err);
}

static int push_entry(quire_writer *w, const quire_entry_desc *d, quire_error *err)
{
    if (w->entry_count == w->entry_cap) {
        size_t cap = w->entry_cap ? w->entry_cap * 2 : 64;
        wentry *e = realloc(w->entries, cap * sizeof *e);
        if (e == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        w->entries = e;
        w->entry_cap = cap;
    }
    wentry *e = &w->entries[w->entry_count];
    memset(e, 0, sizeof *e);
    e->path_len = strlen(d->path);
    e->path = malloc(e->path_len + 1);
    e->meta = malloc(d->meta_len ? d->meta_len : 1);
    if (e->path == NULL || e->meta == NULL) {
        free(e->path);
        free(e->meta);
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    memcpy(e->path, d->path, e->path_len + 1);
    if (d->meta_len > 0)
        memcpy(e->meta, d->meta, d->meta_len);
    e->meta_len = d->meta_len;
    e->size = d->size;
    e->role = d->role;
    e->flags = d->flags;
    e->link = d->link;
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
        const wentry *p = &w->entries[w->entry_count - 1];
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
    crypto_hash_sha256_state st;
    uint64_t left = d->size;

    size_t *fill;
    uint8_t *raw;
    int rc = start_pipe(w, err);

    crypto_hash_sha256_init(&st);
    if (rc != QUIRE_OK)
        return rc;
    raw = quire_units_buffer(w->pipe, &fill);
    /* Packer policy (SPEC 10): a small entry never straddles two units; a large one starts a
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
        crypto_hash_sha256_update(&st, raw + *fill, got);
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
    crypto_hash_sha256_final(&st, sha);
    return rc;
}

int quire_writer_add(quire_writer *w, const quire_entry_desc *d, quire_source_fn src, void *src_ctx,
                     quire_error *err)
{
    int rc = check_desc(w, d, err);
    if (rc == QUIRE_OK)
        rc = push_entry(w, d, err);
    if (rc == QUIRE_OK)
        rc = copy_content(w, d, src, src_ctx, w->entries[w->entry_count - 1].sha256, err);
    return rc;
}

int quire_writer_set_meta(quire_writer *w, const uint8_t *meta, size_t meta_len, quire_error *err)
{
    if (w->entry_count == 0 || w->finished)
        return quire_error_set(err, QUIRE_E_USAGE, "no entry to set metadata for");
    wentry *e = &w->entries[w->entry_count - 1];
    if (meta_len > QUIRE_MAX_ENTRY_META_BYTES)
        return quire_error_set(err, QUIRE_E_INPUT, "%s: metadata larger than %u bytes", e->path,
                               QUIRE_MAX_ENTRY_META_BYTES);
    uint8_t *copy = malloc(meta_len ? meta_len : 1);
    if (copy == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    if (meta_len > 0)
        memcpy(copy, meta, meta_len);
    free(e->meta);
    e->meta = copy;
    e->meta_len = meta_len;
    return QUIRE_OK;
}

/* Frees the entries' paths and metadata once encode_index has copied them; the writer can
 * add nothing after finish, and quire_writer_free accepts what is left. */
static void release_entries(quire_writer *w)
{
    for (size_t i = 0; i < w->entry_count; i++) {
        free(w->entries[i].path);
        free(w->entries[i].meta);
    }
    free(w->entries);
    w->entries = NULL;
    w->entry_count = w->entry_cap = 0;
}

static size_t index_size(const quire_writer *w)
{
    size_t n = QUIRE_INDEX_FIXED_BYTES + w->unit_count * QUIRE_UNIT_RECORD_BYTES +
               w->entry_count * QUIRE_ENTRY_RECORD_BYTES + w->bundle_meta_len;
    for (size_t i = 0; i < w->entry_count; i++)
        n += w->entries[i].path_len + w->entries[i].meta_len;
    return n;
}

/* SPEC 5: lays out the index in buf (exactly index_size bytes). */
static void encode_index(const quire_writer *w, uint8_t *buf, size_t len)
{
    uint8_t *p = buf;
    memset(buf, 0, QUIRE_INDEX_FIXED_BYTES);
    memcpy(p, QUIRE_INDEX_DOMAIN, QUIRE_INDEX_DOMAIN_BYTES);
    memcpy(p + 16, w->header, QUIRE_HEADER_BYTES);
    quire_store64(p + 48, w->offset);
    quire_store64(p + 56, len);
    quire_store32(p + 64, (uint32_t)w->entry_count);
    quire_store32(p + 68, (uint32_t)w->unit_count);
    quire_store32(p + 72, (uint32_t)w->bundle_meta_len);
    p += QUIRE_INDEX_FIXED_BYTES;
    if (w->unit_count > 0) /* w->units is NULL when there is no content at all */
        memcpy(p, w->units, w->unit_count * QUIRE_UNIT_RECORD_BYTES);
    p += w->unit_count * QUIRE_UNIT_RECORD_BYTES;
    for (size_t i = 0; i < w->entry_count; i++, p += QUIRE_ENTRY_RECORD_BYTES) {
        const wentry *e = &w->entries[i];
        memset(p, 0, QUIRE_ENTRY_RECORD_BYTES);
        quire_store64(p, e->size);
        memcpy(p + 8, e->sha256, QUIRE_SHA256_BYTES);
        quire_store16(p + 40, (uint16_t)e->path_len);
        p[42] = e->role;
        p[43] = e->flags;
        quire_store32(p + 44, (uint32_t)e->meta_len);
        quire_store32(p + 48, e->link);
    }
    memcpy(p, w->bundle_meta, w->bundle_meta_len); /* never NULL: allocated at open */
    p += w->bundle_meta_len;
    for (size_t i = 0; i < w->entry_count; i++) {
        memcpy(p, w->entries[i].path, w->entries[i].path_len);
        p += w->entries[i].path_len;
        memcpy(p, w->entries[i].meta, w->entries[i].meta_len);
        p += w->entries[i].meta_len;
    }
}

/* SPEC 6, 7: one signature record, then the trailer. */
static int write_signature(quire_writer *w, const quire_sig *sig, uint64_t index_offset,
                           uint64_t index_len, quire_error *err)
{
    uint8_t fixed[QUIRE_SIGBLOCK_FIXED_BYTES] = {0}, head[76], trailer[QUIRE_TRAILER_BYTES];
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
    memcpy(trailer + 24, QUIRE_TRAILER_MAGIC, 8);
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
    size_t len = index_size(w);
    if (len > QUIRE_MAX_INDEX_BYTES)
        return quire_error_set(err, QUIRE_E_INPUT, "index larger than %llu bytes",
                               (unsigned long long)QUIRE_MAX_INDEX_BYTES);
    uint8_t *buf = malloc(len);
    if (buf == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the index");
    uint64_t index_offset = w->offset;
    encode_index(w, buf, len);
    release_entries(w); /* everything is in buf now: peak memory is about one index */
    /* The writer holds itself to the reader's rules: what it cannot read back, it refuses to
     * sign. */
    quire_error perr;
    if (quire_index_parse(buf, len, w->header, &check, &perr) != QUIRE_OK)
        rc = quire_error_set(err, QUIRE_E_INPUT, "%s", perr.msg);
    quire_index_free(&check);
    if (rc == QUIRE_OK) {
        quire_prehash(buf, len, prehash);
        crypto_generichash(w->fingerprint, sizeof w->fingerprint, buf, len, NULL, 0);
        rc = quire_sign(sk, prehash, comment, &sig, err);
    }
    if (rc == QUIRE_OK)
        rc = write_all(w, buf, len, err);
    free(buf);
    if (rc == QUIRE_OK)
        rc = write_signature(w, &sig, index_offset, len, err);
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
    release_entries(w);
    free(w->units);
    quire_units_close(w->pipe);
    free(w->bundle_meta);
    free(w);
}
