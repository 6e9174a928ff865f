/* SPDX-License-Identifier: ISC */
/* quire_reader.c: opening, authenticating and streaming a bundle (SPEC 9). Every byte is read
 * once into memory and checked there, so a file changed while being read cannot make the
 * reader release bytes other than those it checked. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "quire.h"
#include "quire_attach.h"
#include "quire_merkle.h"
#include "quire_private.h"
#include "quire_receipt.h"
#include "common/quire_sha256.h"
#include "read/quire_pipe.h"
#include "read/quire_reader_int.h"

/* Reads exactly len bytes at off; a short read means the file shrank under us. */
static int read_at(const quire_reader *r, uint64_t off, void *buf, size_t len, quire_error *err)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(r->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return quire_error_set(err, QUIRE_E_IO, "read failed: %s", strerror(errno));
        if (n == 0)
            return quire_error_set(err, QUIRE_E_FORMAT, "file ended early: truncated (SPEC 7)");
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return QUIRE_OK;
}

static int alloc_read(quire_reader *r, uint64_t off, uint64_t len, uint8_t **out, quire_error *err)
{
    if (len > SIZE_MAX)
        return quire_error_set(err, QUIRE_E_LIMIT, "region too large for this machine");
    *out = quire_table_alloc((size_t)len, 1);
    if (*out == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory (%llu bytes)",
                               (unsigned long long)len);
    return read_at(r, off, *out, (size_t)len, err);
}

/* SPEC 9 steps 1-5. */
static int open_frame(quire_reader *r, quire_error *err)
{
    uint8_t trailer[QUIRE_TRAILER_BYTES];
    struct stat st;

    if (fstat(r->fd, &st) != 0)
        return quire_error_set(err, QUIRE_E_IO, "stat failed: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return quire_error_set(err, QUIRE_E_USAGE, "not a regular file");
    r->file_size = (uint64_t)st.st_size;
    if (r->file_size < QUIRE_HEADER_BYTES + QUIRE_TRAILER_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT, "file too small to be a bundle (SPEC 7)");
    int rc = read_at(r, 0, r->header, QUIRE_HEADER_BYTES, err);
    if (rc == QUIRE_OK)
        rc = quire_header_check(r->header, QUIRE_HEADER_BYTES, err);
    if (rc == QUIRE_OK)
        rc = read_at(r, r->file_size - QUIRE_TRAILER_BYTES, trailer, sizeof trailer, err);
    if (rc == QUIRE_OK)
        rc = quire_trailer_parse(trailer, sizeof trailer, r->file_size, &r->trailer, err);
    if (rc != QUIRE_OK)
        return rc;
    uint64_t sig_off = r->trailer.index_offset + r->trailer.index_size;
    rc = alloc_read(r, sig_off, r->trailer.sigblock_size, &r->sigbuf, err);
    if (rc == QUIRE_OK)
        rc = quire_sigblock_parse(r->sigbuf, (size_t)r->trailer.sigblock_size, &r->sigblock, err);
    /* SPEC 9 step 4: the attachments' framing, from their sizes; no body is parsed here. */
    uint64_t att_size = r->trailer.attachments_size;
    if (rc == QUIRE_OK && att_size > 0)
        rc = alloc_read(r, sig_off + r->trailer.sigblock_size, att_size, &r->attbuf, err);
    if (rc == QUIRE_OK)
        rc = quire_attachments_parse(r->attbuf, (size_t)att_size, &r->attachments, err);
    return rc;
}

const quire_attachments *quire_reader_attachments(const quire_reader *r)
{
    return &r->attachments;
}

int quire_reader_open(const char *path, quire_reader **out, quire_error *err)
{
    quire_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    if (sodium_init() < 0) {
        free(r);
        return quire_error_set(err, QUIRE_E_IO, "libsodium failed to initialise");
    }
    r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY); /* a fifo must not block */
    if (r->fd < 0) {
        int e = errno;
        free(r);
        return quire_error_set(err, QUIRE_E_IO, "cannot open: %s", strerror(e));
    }
    int rc = open_frame(r, err);
    if (rc != QUIRE_OK) {
        quire_reader_close(r);
        return rc;
    }
    *out = r;
    return QUIRE_OK;
}

static int check_meta(quire_reader *r, uint32_t i, quire_error *err);

/* Whether any record's key id is that of a trusted key. */
static bool names_trusted_key(const quire_sigblock *sb, const quire_pubkey *keys, size_t nkeys)
{
    for (uint32_t s = 0; s < sb->count; s++)
        for (size_t k = 0; k < nkeys; k++)
            if (memcmp(sb->sigs[s].key_id, keys[k].key_id, QUIRE_KEY_ID_BYTES) == 0)
                return true;
    return false;
}

static int untrusted(const quire_sigblock *sb, quire_error *err)
{
    char ids[QUIRE_MAX_SIGNATURES * 18 + 1] = "";
    for (uint32_t s = 0; s < sb->count; s++) {
        char hex[17];
        quire_key_id_hex(sb->sigs[s].key_id, hex);
        strcat(ids, s > 0 ? "," : "");
        strcat(ids, hex);
    }
    return quire_error_set(err, QUIRE_E_UNTRUSTED,
                           "signed by key %s, which is not trusted (SPEC 9 step 6)", ids);
}

/* SPEC 9 step 6 for one record: tries every trusted key with the record's key id, since ids
 * are not authenticated and two keys may share one. Returns the index of the key that verifies
 * it, nkeys if no trusted key has its id, or -1 (*named set) if some do and none verifies. */
static ptrdiff_t verify_record(const quire_sig *sig, const quire_pubkey *keys, size_t nkeys,
                               const uint8_t *prehash, size_t *named)
{
    *named = 0;
    for (size_t k = 0; k < nkeys; k++) {
        if (memcmp(sig->key_id, keys[k].key_id, QUIRE_KEY_ID_BYTES) != 0)
            continue;
        (*named)++;
        if (quire_sig_verify(sig, &keys[k], prehash))
            return (ptrdiff_t)k;
    }
    return *named > 0 ? -1 : (ptrdiff_t)nkeys;
}

/* SPEC 9 step 6: every record that names a trusted key must verify, and the first that does
 * is the signer. A failing one is never skipped, so the outcome does not depend on the order
 * of the records, which is not signed, nor on which of two keys with one id is tried first. */
static int find_signer(quire_reader *r, const quire_pubkey *keys, size_t nkeys,
                       const uint8_t *prehash, quire_error *err)
{
    const quire_sig *signer = NULL;
    size_t signer_key = 0;
    for (uint32_t s = 0; s < r->sigblock.count; s++) {
        const quire_sig *sig = &r->sigblock.sigs[s];
        size_t named;
        ptrdiff_t k = verify_record(sig, keys, nkeys, prehash, &named);
        char hex[17];
        quire_key_id_hex(sig->key_id, hex);
        if (k < 0 && named == 1)
            return quire_error_set(err, QUIRE_E_SIGNATURE,
                                   "signature %u by trusted key %s does not verify: the "
                                   "bundle was altered (SPEC 9 step 6)",
                                   s, hex);
        if (k < 0)
            return quire_error_set(err, QUIRE_E_SIGNATURE,
                                   "signature %u by key id %s does not verify under any of the "
                                   "%zu trusted keys with that id: the bundle was altered "
                                   "(SPEC 9 step 6)",
                                   s, hex, named);
        if ((size_t)k < nkeys && signer == NULL) {
            signer = sig;
            signer_key = (size_t)k;
        }
    }
    if (signer == NULL)
        return QUIRE_E_UNTRUSTED;
    r->signer = signer; /* only now: a later failing record leaves no signer behind */
    r->signer_key = keys[signer_key];
    return QUIRE_OK;
}

/* SPEC 9 step 5: the index bytes, read into memory once (a second full authenticate reuses
 * them); with one_page only the statement, the parser reading the rest it needs through
 * fetch_region into the same buffer, whose untouched pages the kernel never backs. */
static int load_index(quire_reader *r, bool one_page, quire_error *err)
{
    uint64_t len = r->trailer.index_size;
    if (r->index_buf != NULL && r->index_complete)
        return QUIRE_OK;
    free(r->index_buf);
    r->index_buf = NULL;
    r->index_complete = false;
    if (one_page) {
        r->index_buf = calloc(1, (size_t)len); /* sparse: not quire_table_alloc's huge pages */
        if (r->index_buf == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory (%llu bytes)",
                                   (unsigned long long)len);
        return read_at(r, r->trailer.index_offset + len - QUIRE_STATEMENT_BYTES,
                       r->index_buf + len - QUIRE_STATEMENT_BYTES, QUIRE_STATEMENT_BYTES, err);
    }
    int rc = alloc_read(r, r->trailer.index_offset, len, &r->index_buf, err);
    if (rc != QUIRE_OK) {
        free(r->index_buf); /* a short read leaves it partly filled */
        r->index_buf = NULL;
    }
    r->index_complete = rc == QUIRE_OK;
    return rc;
}

/* quire_index_fetch for one page: reads [off, off + len) of the index region into index_buf.
 * The statement is not read again: the signature was checked on the copy in memory. */
static int fetch_region(void *ctx, uint64_t off, uint64_t len, quire_error *err)
{
    quire_reader *r = ctx;
    return read_at(r, r->trailer.index_offset + off, r->index_buf + off, (size_t)len, err);
}

static int authenticate(quire_reader *r, const quire_pubkey *keys, size_t nkeys, unsigned flags,
                        const char *path, quire_error *err)
{
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    size_t len = (size_t)r->trailer.index_size;

    /* A second call starts over: nothing of the first may survive a failure of this one. */
    quire_index_free(&r->index);
    r->authenticated = false;
    r->root_checked = false;
    r->signer = NULL;
    r->cache_valid = false;
    r->fingerprint_done = false; /* computed when asked for: most commands never print it */

    /* SPEC 9 step 5: a bundle that no trusted key could have signed costs no more than its
     * signature block; its index (up to 1 GiB) is neither read nor hashed. */
    if (!(flags & QUIRE_ANY_SIGNER) && !names_trusted_key(&r->sigblock, keys, nkeys))
        return untrusted(&r->sigblock, err);
    int rc = load_index(r, path != NULL, err);
    if (rc != QUIRE_OK)
        return rc;
    /* SPEC 9 step 6: the signed message is the statement, the region's last 160 bytes (the
     * trailer check made the region at least that long). */
    const uint8_t *statement = r->index_buf + len - QUIRE_STATEMENT_BYTES;
    quire_prehash(statement, QUIRE_STATEMENT_BYTES, prehash);
    rc = find_signer(r, keys, nkeys, prehash, err);
    if (rc == QUIRE_E_UNTRUSTED && !(flags & QUIRE_ANY_SIGNER))
        return untrusted(&r->sigblock, err); /* defensive: step 5 found a trusted id */
    if (rc != QUIRE_OK && rc != QUIRE_E_UNTRUSTED)
        return rc;
    /* SPEC 7: the trailer repeats the signed index offset and size; compare before parsing, so
     * that a mismatch is reported as what it is. */
    if (quire_load64(statement + 48) != r->trailer.index_offset ||
        quire_load64(statement + 56) != r->trailer.index_size)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "trailer index offset or size differs from the signed one "
                               "(SPEC 7)");
    /* Only now, with the signature checked (or its absence accepted), are the index bytes
     * parsed; each part is hashed before it is parsed. */
    quire_index_fetch f = {fetch_region, r};
    rc = quire_index_parse_page(r->index_buf, len, r->header,
                                QUIRE_INDEX_DEFER_META | QUIRE_INDEX_DEFER_ROOT, path,
                                r->index_complete ? NULL : &f, &r->index, err);
    if (rc != QUIRE_OK)
        return rc;
    free(r->meta_checked);
    r->meta_checked = calloc(r->index.entry_count / 8 + 1, 1);
    if (r->meta_checked == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    r->authenticated = true;
    return QUIRE_OK;
}

int quire_reader_authenticate(quire_reader *r, const quire_pubkey *keys, size_t nkeys,
                              unsigned flags, quire_error *err)
{
    return authenticate(r, keys, nkeys, flags, NULL, err);
}

int quire_reader_authenticate_path(quire_reader *r, const quire_pubkey *keys, size_t nkeys,
                                   unsigned flags, const char *path, quire_error *err)
{
    return authenticate(r, keys, nkeys, flags, path, err);
}

int quire_reader_check_root(quire_reader *r, quire_error *err)
{
    if (!r->authenticated)
        return quire_error_set(err, QUIRE_E_USAGE, "bundle not authenticated");
    if (r->root_checked)
        return QUIRE_OK;
    if (r->index.partial)
        return quire_error_set(err, QUIRE_E_USAGE, "the index was read for one page only");
    int rc = quire_index_check_root(&r->index, err);
    r->root_checked = rc == QUIRE_OK;
    return rc;
}

int quire_reader_receipt(quire_reader *r, uint32_t i, uint8_t **out, size_t *len, quire_error *err)
{
    *out = NULL;
    *len = 0;
    const quire_index *idx = &r->index;
    int rc = quire_reader_check_root(r, err); /* also refuses a partial index */
    if (rc != QUIRE_OK)
        return rc;
    if (r->signer == NULL)
        return quire_error_set(err, QUIRE_E_UNTRUSTED,
                               "a receipt needs a signature verified by a trusted key, not "
                               "--any-signer (SPEC 10)");
    if (i >= idx->entry_count)
        return quire_error_set(err, QUIRE_E_USAGE, "no such entry");
    if ((rc = check_meta(r, i, err)) != QUIRE_OK)
        return rc;
    uint8_t(*leaves)[QUIRE_MERKLE_HASH_BYTES] =
        quire_table_alloc(idx->entry_count, QUIRE_MERKLE_HASH_BYTES);
    uint8_t proof[QUIRE_MERKLE_MAX_PROOF][QUIRE_MERKLE_HASH_BYTES];
    size_t proof_len = 0;
    if (leaves == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    for (uint32_t k = 0; k < idx->entry_count; k++)
        quire_entry_leaf_hash(idx->meta_refs[k].leaf, idx->meta_refs[k].leaf_len, leaves[k]);
    if (quire_merkle_proof((const uint8_t(*)[QUIRE_MERKLE_HASH_BYTES])leaves, idx->entry_count, i,
                           proof, &proof_len) != 0)
        rc = quire_error_set(err, QUIRE_E_USAGE, "no such entry");
    free(leaves);
    if (rc == QUIRE_OK)
        rc = quire_receipt_encode(r->signer->key_id, r->signer->sig, idx->statement, i,
                                  idx->meta_refs[i].leaf, idx->meta_refs[i].leaf_len,
                                  (const uint8_t(*)[QUIRE_MERKLE_HASH_BYTES])proof, proof_len, out,
                                  len, err);
    return rc;
}

int quire_reader_entry_leaf(quire_reader *r, uint32_t i, const uint8_t **leaf, size_t *len,
                            quire_error *err)
{
    int rc = check_meta(r, i, err);
    if (rc != QUIRE_OK)
        return rc;
    *leaf = r->index.meta_refs[i].leaf;
    *len = r->index.meta_refs[i].leaf_len;
    return QUIRE_OK;
}

const quire_index *quire_reader_index(const quire_reader *r)
{
    return r->authenticated ? &r->index : NULL;
}

const quire_sig *quire_reader_signer(const quire_reader *r)
{
    return r->signer;
}

const quire_pubkey *quire_reader_signer_key(const quire_reader *r)
{
    return r->signer != NULL ? &r->signer_key : NULL;
}

const quire_sigblock *quire_reader_sigblock(const quire_reader *r)
{
    return &r->sigblock;
}

const uint8_t *quire_reader_fingerprint(quire_reader *r)
{
    if (!r->authenticated)
        return NULL;
    if (!r->fingerprint_done) {
        quire_sha256(r->fingerprint, r->index.statement, QUIRE_STATEMENT_BYTES);
        r->fingerprint_done = true;
    }
    return r->fingerprint;
}

int quire_reader_check_unit(const quire_reader *r, uint32_t u, uint8_t *buf, quire_error *err)
{
    const quire_unit *un = &r->index.units[u];
    uint8_t hash[QUIRE_BLAKE2B256_BYTES];
    int rc = read_at(r, un->file_offset, buf, (size_t)un->stored_size, err);
    if (rc != QUIRE_OK)
        return rc;
    crypto_generichash(hash, sizeof hash, buf, (size_t)un->stored_size, NULL, 0);
    if (sodium_memcmp(hash, un->hash, sizeof hash) != 0)
        return quire_error_set(err, QUIRE_E_HASH,
                               "unit %u: stored bytes do not match their BLAKE2b-256 (SPEC 9 "
                               "step 10)",
                               u);
    return QUIRE_OK;
}

/* SPEC 9 steps 10-11: reads one unit and checks its BLAKE2b-256 (once), then makes at least
 * its first `need` raw bytes available in r->raw_view. A deflated unit is inflated only as far
 * as needed, and continued by later calls for the same unit (entries come in stream order):
 * showing one document does not pay for the rest of its unit. The end-of-stream checks of
 * step 11 run when the whole unit is inflated, as walking every entry of a unit does. */
static int decode_unit_once(quire_reader *r, uint32_t u, uint64_t need, quire_error *err)
{
    const quire_unit *un = &r->index.units[u];

    if (!r->cache_valid || r->cached_unit != u) {
        r->cache_valid = false;
        int rc = quire_reader_check_unit(r, u, r->stored, err);
        if (rc != QUIRE_OK)
            return rc;
        r->raw_filled = 0;
        if (un->compression == QUIRE_COMP_STORE) {
            r->raw_view = r->stored;
            r->raw_filled = un->raw_size;
        } else {
            if (!r->zs_ready) {
                if (inflateInit2(&r->zs, -15) != Z_OK)
                    return quire_error_set(err, QUIRE_E_NOMEM, "zlib failed to initialise");
                r->zs_ready = true;
            } else {
                inflateReset(&r->zs);
            }
            r->zs.next_in = r->stored;
            r->zs.avail_in = (uInt)un->stored_size;
            r->raw_view = r->raw;
        }
        r->cached_unit = u;
        r->cache_valid = true;
    }
    if (need <= r->raw_filled)
        return QUIRE_OK;
    bool whole = need == un->raw_size;
    r->zs.next_out = r->raw + r->raw_filled;
    r->zs.avail_out = (uInt)(need - r->raw_filled);
    int zrc = inflate(&r->zs, whole ? Z_FINISH : Z_NO_FLUSH);
    r->raw_filled = need - r->zs.avail_out;
    if (whole ? zrc != Z_STREAM_END || r->zs.avail_out != 0 || r->zs.avail_in != 0
              : zrc != Z_OK || r->zs.avail_out != 0) {
        r->cache_valid = false;
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "unit %u: deflate data does not decode to exactly its %llu "
                               "declared bytes (SPEC 5.2)",
                               u, (unsigned long long)un->raw_size);
    }
    return QUIRE_OK;
}

static int alloc_buffers(quire_reader *r, quire_error *err)
{
    uint64_t max_stored = 1, max_raw = 1;
    if (r->stored != NULL)
        return QUIRE_OK;
    for (uint32_t u = 0; u < r->index.unit_count; u++) {
        if (r->index.units[u].stored_size > max_stored)
            max_stored = r->index.units[u].stored_size;
        if (r->index.units[u].raw_size > max_raw)
            max_raw = r->index.units[u].raw_size;
    }
    r->max_stored = (size_t)max_stored;
    r->stored = malloc((size_t)max_stored);
    r->raw = malloc((size_t)max_raw);
    if (r->stored == NULL || r->raw == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for unit buffers");
    return QUIRE_OK;
}

/* SPEC 5.5 for entry i, checked once and remembered. */
static int check_meta(quire_reader *r, uint32_t i, quire_error *err)
{
    if (!r->authenticated || i >= r->index.entry_count)
        return quire_error_set(err, QUIRE_E_USAGE, "no such entry");
    if (r->meta_checked[i / 8] & (1u << (i % 8)))
        return QUIRE_OK;
    int rc = quire_index_check_meta(&r->index, i, err);
    if (rc == QUIRE_OK)
        r->meta_checked[i / 8] |= (uint8_t)(1u << (i % 8));
    return rc;
}

int quire_reader_entry_meta(quire_reader *r, uint32_t i, const uint8_t **meta, size_t *len,
                            quire_error *err)
{
    *meta = NULL;
    *len = 0;
    int rc = check_meta(r, i, err);
    if (rc != QUIRE_OK)
        return rc;
    *meta = r->index.meta_refs[i].meta;
    *len = r->index.meta_refs[i].len;
    return QUIRE_OK;
}

/* decode_unit_once, remembering a failing unit: entries come in stream order, so the entries
 * that share a damaged unit follow one another, and the unit is read and hashed once. */
static int decode_unit(quire_reader *r, uint32_t u, uint64_t need, quire_error *err)
{
    if (r->bad_valid && r->bad_unit == u) {
        *err = r->bad_err;
        return err->code;
    }
    int rc = decode_unit_once(r, u, need, err);
    if (rc == QUIRE_E_HASH || rc == QUIRE_E_FORMAT) {
        r->bad_err = *err;
        r->bad_unit = u;
        r->bad_valid = true;
    }
    return rc;
}

/* Unit u of a walk, from the pipeline when there is one. */
static int walk_unit(quire_reader *r, quire_pipe *p, uint32_t u, uint64_t need,
                     const uint8_t **view, quire_error *err)
{
    if (p != NULL)
        return quire_pipe_unit(p, u, view, err);
    int rc = decode_unit(r, u, need, err);
    *view = r->raw_view;
    return rc;
}

/* Streams one entry's bytes unit by unit, then checks its SHA-256 (SPEC 9 step 12), which a
 * pipeline worker has already computed for an entry inside one unit. */
static int walk_entry(quire_reader *r, quire_pipe *p, uint32_t i, const quire_walk_ops *ops,
                      void *ctx, bool *content_failed, quire_error *err)
{
    const quire_entry *e = &r->index.entries[i];
    quire_sha256_state st;
    uint8_t digest[QUIRE_SHA256_BYTES];
    uint64_t pos = e->stream_offset, end = e->stream_offset + e->size;
    bool hashed_by_pipe =
        p != NULL && e->size > 0 &&
        end <= r->index.units[e->first_unit].stream_offset + r->index.units[e->first_unit].raw_size;
    int rc = QUIRE_OK;

    *content_failed = true;
    if ((rc = check_meta(r, i, err)) != QUIRE_OK)
        return rc;
    *content_failed = false;
    if (ops != NULL && ops->begin != NULL && (rc = ops->begin(ctx, i, err)) != QUIRE_OK)
        return rc;
    quire_sha256_init(&st);
    for (uint32_t u = e->first_unit; pos < end; u++) {
        quire_error uerr;
        const quire_unit *un = &r->index.units[u];
        const uint8_t *view = NULL;
        uint64_t from = pos - un->stream_offset;
        uint64_t n = un->raw_size - from < end - pos ? un->raw_size - from : end - pos;
        if ((rc = walk_unit(r, p, u, from + n, &view, &uerr)) != QUIRE_OK) {
            *content_failed = rc == QUIRE_E_HASH || rc == QUIRE_E_FORMAT; /* not a read error */
            return quire_error_set(err, rc, "entry %u (%s): %s", r->index.entry_base + i, e->path,
                                   uerr.msg);
        }
        if (!hashed_by_pipe)
            quire_sha256_update(&st, view + from, (size_t)n);
        if (ops != NULL && ops->data != NULL &&
            (rc = ops->data(ctx, i, view + from, (size_t)n, err)) != QUIRE_OK)
            return rc;
        pos += n;
    }
    if (hashed_by_pipe) {
        *content_failed = quire_pipe_entry_hashed(p, i) != 1;
    } else {
        quire_sha256_final(&st, digest);
        *content_failed = sodium_memcmp(digest, e->sha256, sizeof digest) != 0;
    }
    if (*content_failed)
        return quire_error_set(err, QUIRE_E_HASH,
                               "entry %u (%s): content SHA-256 mismatch (SPEC 9 step 12)",
                               r->index.entry_base + i, e->path);
    if (ops != NULL && ops->end != NULL)
        rc = ops->end(ctx, i, err);
    return rc;
}

static int walk(quire_reader *r, const bool *selected, const quire_walk_ops *ops,
                int (*fail)(void *ctx, uint32_t entry, quire_error *err), void *ctx,
                quire_error *err)
{
    quire_pipe *p = NULL;
    if (!r->authenticated)
        return quire_error_set(err, QUIRE_E_USAGE, "bundle not authenticated");
    int rc = alloc_buffers(r, err);
    if (rc == QUIRE_OK)
        rc = quire_pipe_start(r, selected, &p, err);
    for (uint32_t i = 0; rc == QUIRE_OK && i < r->index.entry_count; i++) {
        bool content_failed = false;
        if (selected == NULL || selected[i])
            rc = walk_entry(r, p, i, ops, ctx, &content_failed, err);
        /* Only the entry's own content failed: a salvaging caller takes it and goes on. */
        if (rc != QUIRE_OK && content_failed && fail != NULL)
            rc = fail(ctx, i, err);
    }
    quire_pipe_stop(p);
    return rc;
}

int quire_reader_walk(quire_reader *r, const bool *selected, const quire_walk_ops *ops, void *ctx,
                      quire_error *err)
{
    return walk(r, selected, ops, NULL, ctx, err);
}

int quire_reader_walk_salvage(quire_reader *r, const bool *selected, const quire_walk_ops *ops,
                              int (*fail)(void *ctx, uint32_t entry, quire_error *err), void *ctx,
                              quire_error *err)
{
    return walk(r, selected, ops, fail, ctx, err);
}

/* quire_reader_check_units shares the units among up to QUIRE_CHECK_THREADS threads: each takes
 * the next unchecked one. A failure stops the taking of units after it, but not of those before
 * it, so the unit reported is the lowest that fails whatever the timing. */
#define QUIRE_CHECK_THREADS 4

typedef struct unit_job {
    quire_reader *r;
    atomic_uint_fast32_t next;    /* the next unit to take */
    atomic_uint_fast32_t stop;    /* the lowest unit that failed, unit_count, or 0 once the
                                     metadata failed (whose error is reported first) */
    atomic_uint_fast64_t checked; /* stored bytes checked, for the progress meter */
    pthread_mutex_t lock;         /* over rc and err */
    int rc;
    quire_error err;
    int meta_rc; /* the metadata check, made by the first helper */
    quire_error meta_err;
} unit_job;

typedef struct unit_worker {
    unit_job *job;
    uint8_t *buf;
    bool check_meta;
    pthread_t thread;
} unit_worker;

/* Takes and checks units until none are left; returns after one that fails. The calling thread
 * passes progress and reports every helper's work with its own. */
static void take_units(unit_job *j, uint8_t *buf, void (*progress)(void *ctx, uint64_t n),
                       void *ctx, uint64_t *reported)
{
    for (;;) {
        uint32_t u = (uint32_t)atomic_fetch_add(&j->next, 1);
        if (u >= atomic_load(&j->stop))
            return;
        quire_error e;
        int rc = quire_reader_check_unit(j->r, u, buf, &e);
        if (rc != QUIRE_OK) {
            pthread_mutex_lock(&j->lock);
            if (u < atomic_load(&j->stop)) {
                atomic_store(&j->stop, u);
                j->rc = rc;
                j->err = e;
            }
            pthread_mutex_unlock(&j->lock);
            return;
        }
        uint64_t size = j->r->index.units[u].stored_size;
        uint64_t now = atomic_fetch_add(&j->checked, size) + size;
        if (progress != NULL) {
            progress(ctx, now - *reported);
            *reported = now;
        }
    }
}

static void check_all_meta(unit_job *j)
{
    for (uint32_t i = 0; j->meta_rc == QUIRE_OK && i < j->r->index.entry_count; i++)
        j->meta_rc = check_meta(j->r, i, &j->meta_err);
    if (j->meta_rc != QUIRE_OK)
        atomic_store(&j->stop, 0); /* no unit can change the outcome now */
}

/* The first helper checks every entry's metadata (only it touches r->meta_checked until it is
 * joined), then joins in the units. */
static void *unit_worker_main(void *arg)
{
    unit_worker *w = arg;
    uint64_t unused = 0;
    if (w->check_meta)
        check_all_meta(w->job);
    take_units(w->job, w->buf, NULL, NULL, &unused);
    return NULL;
}

int quire_reader_check_units(quire_reader *r, void (*progress)(void *ctx, uint64_t n), void *ctx,
                             quire_error *err)
{
    unit_worker w[QUIRE_CHECK_THREADS - 1];
    unit_job j = {.r = r, .rc = QUIRE_OK, .meta_rc = QUIRE_OK};
    unsigned cpus = quire_cpu_count(); /* this thread and cpus - 1 helpers, at most four */
    size_t helpers = (cpus < QUIRE_CHECK_THREADS ? cpus : QUIRE_CHECK_THREADS) - 1;
    size_t started = 0;
    uint64_t reported = 0;

    if (!r->authenticated)
        return quire_error_set(err, QUIRE_E_USAGE, "bundle not authenticated");
    int rc = alloc_buffers(r, err);
    if (rc != QUIRE_OK)
        return rc;
    r->cache_valid = false; /* r->stored is reused below */
    atomic_init(&j.next, 0);
    atomic_init(&j.stop, r->index.unit_count);
    atomic_init(&j.checked, 0);
    pthread_mutex_init(&j.lock, NULL);
    for (; started < helpers; started++) {
        unit_worker *h = &w[started];
        *h = (unit_worker){.job = &j, .check_meta = started == 0, .buf = malloc(r->max_stored)};
        if (h->buf == NULL || quire_thread_create(&h->thread, unit_worker_main, h) != 0) {
            free(h->buf); /* fewer threads: slower, not wrong */
            break;
        }
    }
    if (started == 0)
        check_all_meta(&j);
    take_units(&j, r->stored, progress, ctx, &reported);
    for (size_t t = 0; t < started; t++) {
        pthread_join(w[t].thread, NULL);
        free(w[t].buf);
    }
    if (progress != NULL)
        progress(ctx, atomic_load(&j.checked) - reported);
    pthread_mutex_destroy(&j.lock);
    /* Metadata first, as one thread would have found it first. */
    if (j.meta_rc != QUIRE_OK)
        return quire_error_set(err, j.meta_rc, "%s", j.meta_err.msg);
    if (j.rc != QUIRE_OK)
        return quire_error_set(err, j.rc, "%s", j.err.msg);
    return QUIRE_OK;
}

void quire_reader_close(quire_reader *r)
{
    if (r == NULL)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->zs_ready)
        inflateEnd(&r->zs);
    quire_index_free(&r->index);
    free(r->sigbuf);
    free(r->attbuf);
    free(r->index_buf);
    free(r->stored);
    free(r->raw);
    free(r->meta_checked);
    free(r);
}
