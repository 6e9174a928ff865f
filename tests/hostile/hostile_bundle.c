/* SPDX-License-Identifier: ISC */
/* hostile_bundle.c: quire-mutate's bundle model: parse a good bundle, encode any bundle. The
 * encoder writes the fields it is given; h_sync recomputes the ones a mutation did not mean to
 * break. Layout as in lib/quire_format.h and SPEC 3-7. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hostile.h"

_Noreturn void h_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("quire-mutate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

void *h_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p == NULL)
        h_die("out of memory");
    return p;
}

void hbuf_add(hbuf *b, const void *p, size_t n)
{
    hbuf_insert(b, b->len, p, n);
}

void hbuf_insert(hbuf *b, size_t at, const void *p, size_t n)
{
    if (at > b->len)
        h_die("insert past the end of a buffer");
    uint8_t *q = realloc(b->p, b->len + n + 1);
    if (q == NULL)
        h_die("out of memory");
    memmove(q + at + n, q + at, b->len - at);
    if (n > 0)
        memcpy(q + at, p, n);
    b->p = q;
    b->len += n;
}

void hbuf_remove(hbuf *b, size_t at, size_t n)
{
    if (at > b->len || n > b->len - at)
        h_die("remove past the end of a buffer");
    memmove(b->p + at, b->p + at + n, b->len - at - n);
    b->len -= n;
}

void hbuf_set(hbuf *b, const void *p, size_t n)
{
    b->len = 0;
    hbuf_add(b, p, n);
}

void hbuf_free(hbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
}

void hbuf_junk(hbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hbuf_add(b, &"JUNK"[i % 4], 1);
}

void h_bundle_init(h_bundle *b)
{
    memset(b, 0, sizeof *b);
    memcpy(b->header, QUIRE_MAGIC, QUIRE_MAGIC_BYTES);
    quire_store16(b->header + 8, QUIRE_FORMAT_VERSION);
    b->header[12] = QUIRE_CONTENT_HASH_SHA256;
    b->header[13] = QUIRE_UNIT_HASH_BLAKE2B256;
    b->header[14] = QUIRE_SIG_ALG_MINISIGN_ED;
    memcpy(b->copy, b->header, QUIRE_HEADER_BYTES);
    memcpy(b->domain, QUIRE_INDEX_DOMAIN, QUIRE_INDEX_DOMAIN_BYTES);
}

void h_bundle_free(h_bundle *b)
{
    for (uint32_t u = 0; u < b->nunits; u++) {
        hbuf_free(&b->units[u].stored);
        hbuf_free(&b->units[u].pad);
    }
    for (uint32_t i = 0; i < b->nentries; i++) {
        hbuf_free(&b->entries[i].path);
        hbuf_free(&b->entries[i].meta);
    }
    free(b->units);
    free(b->entries);
    hbuf_free(&b->bundle_meta);
    hbuf_free(&b->heap_junk);
    memset(b, 0, sizeof *b);
}

void h_sigblock_init(h_sigblock *s)
{
    memset(s, 0, sizeof *s);
    memcpy(s->magic, QUIRE_SIGBLOCK_MAGIC, 8);
}

void h_sigblock_free(h_sigblock *s)
{
    for (uint32_t i = 0; i < s->nsigs; i++)
        hbuf_free(&s->sigs[i].comment);
    hbuf_free(&s->junk);
    memset(s, 0, sizeof *s);
}

/* ---- parsing a good bundle ---- */

static void need(bool ok, const char *what)
{
    if (!ok)
        h_die("input is not a well-formed bundle: %s", what);
}

void h_layout_of(const uint8_t *file, size_t len, h_layout *lay)
{
    need(len >= QUIRE_HEADER_BYTES + QUIRE_TRAILER_BYTES, "too small");
    const uint8_t *t = file + len - QUIRE_TRAILER_BYTES;
    need(memcmp(t + 24, QUIRE_TRAILER_MAGIC, 8) == 0, "trailer magic");
    lay->index_offset = quire_load64(t);
    lay->index_size = quire_load64(t + 8);
    lay->sig_size = quire_load64(t + 16);
    lay->trailer_offset = len - QUIRE_TRAILER_BYTES;
    need(lay->index_offset >= QUIRE_HEADER_BYTES && lay->index_size <= len &&
             lay->sig_size <= len && lay->index_offset <= len - lay->index_size - lay->sig_size &&
             lay->index_offset + lay->index_size + lay->sig_size == lay->trailer_offset,
         "trailer does not tile the file");
    lay->sig_offset = lay->index_offset + lay->index_size;
}

static void parse_sigblock(const uint8_t *p, size_t len, h_sigblock *s)
{
    h_sigblock_init(s);
    need(len >= QUIRE_SIGBLOCK_FIXED_BYTES && memcmp(p, QUIRE_SIGBLOCK_MAGIC, 8) == 0,
         "signature block magic");
    s->count = quire_load32(p + 8);
    s->reserved = quire_load32(p + 12);
    need(s->count >= 1 && s->count <= 64, "signature count");
    size_t off = QUIRE_SIGBLOCK_FIXED_BYTES;
    for (uint32_t i = 0; i < s->count; i++) {
        h_sig *g = &s->sigs[i];
        need(len - off >= QUIRE_SIG_RECORD_MIN_BYTES, "signature record");
        memcpy(g->alg, p + off, 2);
        memcpy(g->key_id, p + off + 2, QUIRE_KEY_ID_BYTES);
        memcpy(g->sig, p + off + 10, QUIRE_SIGNATURE_BYTES);
        size_t clen = quire_load16(p + off + 74);
        need(len - off - QUIRE_SIG_RECORD_MIN_BYTES >= clen, "signature comment");
        hbuf_set(&g->comment, p + off + 76, clen);
        memcpy(g->global_sig, p + off + 76 + clen, QUIRE_SIGNATURE_BYTES);
        off += QUIRE_SIG_RECORD_MIN_BYTES + clen;
    }
    s->nsigs = s->count;
    hbuf_set(&s->junk, p + off, len - off);
}

static void parse_records(const uint8_t *ix, size_t len, h_bundle *b)
{
    size_t off = QUIRE_INDEX_FIXED_BYTES;
    need(((uint64_t)b->unit_count + b->entry_count) * 56 <= len - off, "record counts");
    b->units = h_alloc(b->unit_count * sizeof *b->units);
    b->entries = h_alloc(b->entry_count * sizeof *b->entries);
    for (uint32_t u = 0; u < b->unit_count; u++, off += QUIRE_UNIT_RECORD_BYTES) {
        h_unit *un = &b->units[u];
        un->comp = ix[off];
        memcpy(un->reserved, ix + off + 1, 7);
        un->stored_size = quire_load64(ix + off + 8);
        un->raw_size = quire_load64(ix + off + 16);
        memcpy(un->hash, ix + off + 24, QUIRE_BLAKE2B256_BYTES);
    }
    for (uint32_t i = 0; i < b->entry_count; i++, off += QUIRE_ENTRY_RECORD_BYTES) {
        h_entry *e = &b->entries[i];
        e->size = quire_load64(ix + off);
        memcpy(e->sha256, ix + off + 8, QUIRE_SHA256_BYTES);
        e->path_len = quire_load16(ix + off + 40);
        e->role = ix[off + 42];
        e->flags = ix[off + 43];
        e->meta_len = quire_load32(ix + off + 44);
        e->link = quire_load32(ix + off + 48);
        memcpy(e->reserved, ix + off + 52, 4);
    }
    b->nunits = b->unit_count;
    b->nentries = b->entry_count;
    need(b->bundle_meta_size <= len - off, "bundle metadata");
    hbuf_set(&b->bundle_meta, ix + off, b->bundle_meta_size);
    off += b->bundle_meta_size;
    for (uint32_t i = 0; i < b->nentries; i++) {
        h_entry *e = &b->entries[i];
        need((uint64_t)e->path_len + e->meta_len <= len - off, "heap");
        hbuf_set(&e->path, ix + off, e->path_len);
        hbuf_set(&e->meta, ix + off + e->path_len, e->meta_len);
        off += (size_t)e->path_len + e->meta_len;
    }
    hbuf_set(&b->heap_junk, ix + off, len - off);
}

void h_parse(const uint8_t *file, size_t len, h_bundle *b, h_sigblock *s, h_layout *lay)
{
    h_layout_of(file, len, lay);
    h_bundle_init(b);
    memcpy(b->header, file, QUIRE_HEADER_BYTES);
    const uint8_t *ix = file + lay->index_offset;
    size_t ilen = (size_t)lay->index_size;
    need(ilen >= QUIRE_INDEX_FIXED_BYTES, "index size");
    memcpy(b->domain, ix, QUIRE_INDEX_DOMAIN_BYTES);
    memcpy(b->copy, ix + 16, QUIRE_HEADER_BYTES);
    b->index_offset = quire_load64(ix + 48);
    b->index_size = quire_load64(ix + 56);
    b->entry_count = quire_load32(ix + 64);
    b->unit_count = quire_load32(ix + 68);
    b->bundle_meta_size = quire_load32(ix + 72);
    b->reserved = quire_load32(ix + 76);
    parse_records(ix, ilen, b);
    uint64_t off = QUIRE_HEADER_BYTES;
    for (uint32_t u = 0; u < b->nunits; u++) {
        h_unit *un = &b->units[u];
        need(un->stored_size <= lay->index_offset - off, "unit sizes");
        hbuf_set(&un->stored, file + off, (size_t)un->stored_size);
        off += un->stored_size;
    }
    need(off == lay->index_offset, "units do not tile the data region");
    parse_sigblock(file + lay->sig_offset, (size_t)lay->sig_size, s);
}

/* ---- building ---- */

void h_sync(h_bundle *b)
{
    uint64_t off = QUIRE_HEADER_BYTES, heap = b->bundle_meta.len + b->heap_junk.len;
    for (uint32_t u = 0; u < b->nunits; u++) {
        h_unit *un = &b->units[u];
        un->stored_size = un->stored.len;
        crypto_generichash(un->hash, sizeof un->hash, un->stored.p, un->stored.len, NULL, 0);
        off += un->stored.len + un->pad.len;
    }
    for (uint32_t i = 0; i < b->nentries; i++) {
        h_entry *e = &b->entries[i];
        e->path_len = (uint16_t)e->path.len;
        e->meta_len = (uint32_t)e->meta.len;
        heap += e->path.len + e->meta.len;
    }
    b->index_offset = off;
    b->index_size = QUIRE_INDEX_FIXED_BYTES + (uint64_t)b->nunits * QUIRE_UNIT_RECORD_BYTES +
                    (uint64_t)b->nentries * QUIRE_ENTRY_RECORD_BYTES + heap;
    b->entry_count = b->nentries;
    b->unit_count = b->nunits;
    b->bundle_meta_size = (uint32_t)b->bundle_meta.len;
}

uint32_t h_unit_add(h_bundle *b, uint32_t at, const uint8_t *raw, size_t len, bool deflate)
{
    b->units = realloc(b->units, (b->nunits + 1) * sizeof *b->units);
    if (b->units == NULL)
        h_die("out of memory");
    memmove(b->units + at + 1, b->units + at, (b->nunits - at) * sizeof *b->units);
    b->nunits++;
    h_unit *un = &b->units[at];
    memset(un, 0, sizeof *un);
    un->raw_size = len;
    un->comp = deflate ? QUIRE_COMP_DEFLATE : QUIRE_COMP_STORE;
    if (deflate)
        hd_fixed(raw, len, true, &un->stored);
    else
        hbuf_set(&un->stored, raw, len);
    return at;
}

h_entry *h_entry_add(h_bundle *b, uint32_t at, const uint8_t *path, size_t path_len, uint8_t role,
                     const uint8_t *content, size_t len)
{
    b->entries = realloc(b->entries, (b->nentries + 1) * sizeof *b->entries);
    if (b->entries == NULL)
        h_die("out of memory");
    memmove(b->entries + at + 1, b->entries + at, (b->nentries - at) * sizeof *b->entries);
    b->nentries++;
    for (uint32_t i = 0; i < b->nentries; i++)
        if (i != at && b->entries[i].link != QUIRE_LINK_NONE && b->entries[i].link >= at)
            b->entries[i].link++;
    h_entry *e = &b->entries[at];
    memset(e, 0, sizeof *e);
    hbuf_set(&e->path, path, path_len);
    e->role = role;
    e->link = QUIRE_LINK_NONE;
    e->size = len;
    crypto_hash_sha256(e->sha256, content, len);
    return e;
}

static void put_fixed(const h_bundle *b, uint8_t *p)
{
    memcpy(p, b->domain, QUIRE_INDEX_DOMAIN_BYTES);
    memcpy(p + 16, b->copy, QUIRE_HEADER_BYTES);
    quire_store64(p + 48, b->index_offset);
    quire_store64(p + 56, b->index_size);
    quire_store32(p + 64, b->entry_count);
    quire_store32(p + 68, b->unit_count);
    quire_store32(p + 72, b->bundle_meta_size);
    quire_store32(p + 76, b->reserved);
}

void h_encode_index(const h_bundle *b, hbuf *out)
{
    uint8_t rec[QUIRE_INDEX_FIXED_BYTES];
    out->len = 0;
    put_fixed(b, rec);
    hbuf_add(out, rec, QUIRE_INDEX_FIXED_BYTES);
    for (uint32_t u = 0; u < b->nunits; u++) {
        const h_unit *un = &b->units[u];
        rec[0] = un->comp;
        memcpy(rec + 1, un->reserved, 7);
        quire_store64(rec + 8, un->stored_size);
        quire_store64(rec + 16, un->raw_size);
        memcpy(rec + 24, un->hash, QUIRE_BLAKE2B256_BYTES);
        hbuf_add(out, rec, QUIRE_UNIT_RECORD_BYTES);
    }
    for (uint32_t i = 0; i < b->nentries; i++) {
        const h_entry *e = &b->entries[i];
        quire_store64(rec, e->size);
        memcpy(rec + 8, e->sha256, QUIRE_SHA256_BYTES);
        quire_store16(rec + 40, e->path_len);
        rec[42] = e->role;
        rec[43] = e->flags;
        quire_store32(rec + 44, e->meta_len);
        quire_store32(rec + 48, e->link);
        memcpy(rec + 52, e->reserved, 4);
        hbuf_add(out, rec, QUIRE_ENTRY_RECORD_BYTES);
    }
    hbuf_add(out, b->bundle_meta.p, b->bundle_meta.len);
    for (uint32_t i = 0; i < b->nentries; i++) {
        hbuf_add(out, b->entries[i].path.p, b->entries[i].path.len);
        hbuf_add(out, b->entries[i].meta.p, b->entries[i].meta.len);
    }
    hbuf_add(out, b->heap_junk.p, b->heap_junk.len);
}

/* ---- signing ---- */

void h_sign(h_sig *out, const quire_seckey *sk, const uint8_t *index, size_t len,
            const uint8_t *comment, size_t comment_len)
{
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_prehash(index, len, prehash);
    memcpy(out->alg, "ED", 2);
    memcpy(out->key_id, sk->key_id, QUIRE_KEY_ID_BYTES);
    hbuf_set(&out->comment, comment, comment_len);

    /* Made directly: minisign's signature over the prehash, and its global signature over
     * signature || trusted comment (SPEC 6.2), for any comment bytes at all. */
    uint8_t *signed_part = h_alloc(QUIRE_SIGNATURE_BYTES + comment_len);
    crypto_sign_detached(out->sig, NULL, prehash, sizeof prehash, sk->sk);
    memcpy(signed_part, out->sig, QUIRE_SIGNATURE_BYTES);
    memcpy(signed_part + QUIRE_SIGNATURE_BYTES, comment, comment_len);
    crypto_sign_detached(out->global_sig, NULL, signed_part, QUIRE_SIGNATURE_BYTES + comment_len,
                         sk->sk);
    free(signed_part);

    /* Where the library's quire_sign() accepts the comment, it must agree byte for byte:
     * Ed25519 is deterministic, so the two paths make the same signatures. */
    char *text = h_alloc(comment_len + 1);
    memcpy(text, comment, comment_len);
    quire_sig lib;
    quire_error err;
    if (memchr(comment, '\0', comment_len) == NULL &&
        quire_sign(sk, prehash, text, &lib, &err) == QUIRE_OK &&
        (memcmp(lib.sig, out->sig, QUIRE_SIGNATURE_BYTES) != 0 ||
         memcmp(lib.global_sig, out->global_sig, QUIRE_SIGNATURE_BYTES) != 0))
        h_die("quire_sign() and the direct signature differ");
    free(text);
}

void h_encode_sigblock(const h_sigblock *s, hbuf *out)
{
    uint8_t head[QUIRE_SIGBLOCK_FIXED_BYTES], rec[76];
    out->len = 0;
    memcpy(head, s->magic, 8);
    quire_store32(head + 8, s->count);
    quire_store32(head + 12, s->reserved);
    hbuf_add(out, head, sizeof head);
    for (uint32_t i = 0; i < s->nsigs; i++) {
        const h_sig *g = &s->sigs[i];
        memcpy(rec, g->alg, 2);
        memcpy(rec + 2, g->key_id, QUIRE_KEY_ID_BYTES);
        memcpy(rec + 10, g->sig, QUIRE_SIGNATURE_BYTES);
        quire_store16(rec + 74, (uint16_t)g->comment.len);
        hbuf_add(out, rec, sizeof rec);
        hbuf_add(out, g->comment.p, g->comment.len);
        hbuf_add(out, g->global_sig, QUIRE_SIGNATURE_BYTES);
    }
    hbuf_add(out, s->junk.p, s->junk.len);
}

void h_assemble(const h_bundle *b, const hbuf *index, const hbuf *sigblock, hbuf *file,
                h_layout *lay)
{
    uint8_t trailer[QUIRE_TRAILER_BYTES];
    file->len = 0;
    hbuf_add(file, b->header, QUIRE_HEADER_BYTES);
    for (uint32_t u = 0; u < b->nunits; u++) {
        hbuf_add(file, b->units[u].stored.p, b->units[u].stored.len);
        hbuf_add(file, b->units[u].pad.p, b->units[u].pad.len);
    }
    lay->index_offset = file->len;
    lay->index_size = index->len;
    hbuf_add(file, index->p, index->len);
    lay->sig_offset = file->len;
    lay->sig_size = sigblock->len;
    hbuf_add(file, sigblock->p, sigblock->len);
    lay->trailer_offset = file->len;
    quire_store64(trailer, lay->index_offset);
    quire_store64(trailer + 8, lay->index_size);
    quire_store64(trailer + 16, lay->sig_size);
    memcpy(trailer + 24, QUIRE_TRAILER_MAGIC, 8);
    hbuf_add(file, trailer, sizeof trailer);
}
