/* SPDX-License-Identifier: ISC */
/* hostile_bundle.c: quire-mutate's bundle model: build and encode any bundle. The encoder
 * writes the fields it is given; h_sync_* recompute the ones a mutation did not mean to break.
 * Layout as in SPEC.md 3-7 and lib/quire_format.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hostile.h"
#include "quire_merkle.h"

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
    memcpy(b->st.copy, b->header, QUIRE_HEADER_BYTES);
    memcpy(b->st.domain, QUIRE_STATEMENT_DOMAIN, QUIRE_STATEMENT_DOMAIN_BYTES);
}

static void page_free(h_page *pg)
{
    hbuf_free(&pg->raw_junk);
    hbuf_free(&pg->stored_junk);
    hbuf_free(&pg->raw);
    hbuf_free(&pg->stored);
    hbuf_free(&pg->first);
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
    for (uint32_t k = 0; k < b->npages; k++)
        page_free(&b->pages[k]);
    free(b->units);
    free(b->entries);
    free(b->pages);
    free(b->upages);
    hbuf_free(&b->bundle_meta);
    hbuf_free(&b->index_gap);
    hbuf_free(&b->dir_junk);
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

/* ---- the derived fields ---- */

void h_sync_records(h_bundle *b)
{
    for (uint32_t u = 0; u < b->nunits; u++) {
        h_unit *un = &b->units[u];
        un->stored_size = (uint32_t)un->stored.len;
        crypto_generichash(un->hash, sizeof un->hash, un->stored.p, un->stored.len, NULL, 0);
    }
    for (uint32_t i = 0; i < b->nentries; i++) {
        h_entry *e = &b->entries[i];
        e->path_len = (uint16_t)e->path.len;
        e->meta_len = (uint32_t)e->meta.len;
    }
}

void h_entry_encode(const h_entry *e, hbuf *out)
{
    uint8_t len16[2], fixed[QUIRE_ENTRY_FIXED_BYTES - 2];
    quire_store16(len16, e->path_len);
    quire_store64(fixed, e->size);
    memcpy(fixed + 8, e->sha256, QUIRE_SHA256_BYTES);
    fixed[40] = e->role;
    fixed[41] = e->flags;
    quire_store32(fixed + 42, e->link);
    quire_store32(fixed + 46, e->meta_len);
    hbuf_add(out, len16, sizeof len16);
    hbuf_add(out, e->path.p, e->path.len);
    hbuf_add(out, fixed, sizeof fixed);
    hbuf_add(out, e->meta.p, e->meta.len);
}

/* One page: its records (entries first .. first + nentries - 1), deflated, and the directory
 * record the bytes call for. stream is the derived stream offset of its first entry. */
static void sync_page(h_bundle *b, h_page *pg, uint32_t first, uint64_t stream)
{
    if (first > b->nentries || pg->nentries > b->nentries - first)
        h_die("the pages hold more entries than the bundle has");
    pg->raw.len = 0;
    for (uint32_t j = 0; j < pg->nentries; j++)
        h_entry_encode(&b->entries[first + j], &pg->raw);
    hbuf_add(&pg->raw, pg->raw_junk.p, pg->raw_junk.len);
    if (!pg->stored_fixed) {
        pg->stored.len = 0;
        hd_fixed(pg->raw.p, pg->raw.len, true, &pg->stored);
        hbuf_add(&pg->stored, pg->stored_junk.p, pg->stored_junk.len);
    }
    if (!pg->first_fixed) {
        pg->first.len = 0;
        if (pg->nentries > 0)
            hbuf_add(&pg->first, b->entries[first].path.p, b->entries[first].path.len);
    }
    pg->stored_size = (uint32_t)pg->stored.len;
    pg->raw_size = (uint32_t)pg->raw.len;
    pg->count = pg->nentries;
    pg->stream = stream;
    crypto_hash_sha256(pg->sha256, pg->stored.p, pg->stored.len);
    pg->first_len = (uint16_t)pg->first.len;
}

/* The unit table's records, as h_encode_index writes them. */
static void encode_unit(const h_unit *un, uint8_t rec[QUIRE_UNIT_RECORD_BYTES])
{
    rec[0] = un->comp;
    memcpy(rec + 1, un->reserved, 3);
    quire_store32(rec + 4, un->stored_size);
    quire_store32(rec + 8, un->raw_size);
    memcpy(rec + 12, un->hash, QUIRE_BLAKE2B256_BYTES);
}

/* The unit page records: the SHA-256 of each 1,024 unit records and the offsets derived from
 * the records' sizes (as written, so that a size a mutation changed is what the offsets say). */
static void sync_unit_pages(h_bundle *b)
{
    uint64_t file_off = QUIRE_HEADER_BYTES, stream_off = 0;
    b->nupages = (b->nunits + QUIRE_UNITS_PER_PAGE - 1) / QUIRE_UNITS_PER_PAGE;
    free(b->upages);
    b->upages = h_alloc(b->nupages * sizeof *b->upages);
    for (uint32_t k = 0; k < b->nupages; k++) {
        uint32_t first = k * QUIRE_UNITS_PER_PAGE;
        uint32_t n =
            b->nunits - first < QUIRE_UNITS_PER_PAGE ? b->nunits - first : QUIRE_UNITS_PER_PAGE;
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        b->upages[k].file_offset = file_off;
        b->upages[k].stream_offset = stream_off;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t rec[QUIRE_UNIT_RECORD_BYTES];
            encode_unit(&b->units[first + i], rec);
            crypto_hash_sha256_update(&st, rec, sizeof rec);
            file_off += b->units[first + i].stored_size;
            stream_off += b->units[first + i].raw_size;
        }
        crypto_hash_sha256_final(&st, b->upages[k].sha256);
    }
}

/* SPEC 5.6: the Merkle root over the entry records as encoded. */
static void sync_root(h_bundle *b)
{
    quire_merkle m;
    hbuf leaf = {0};
    quire_merkle_init(&m);
    for (uint32_t i = 0; i < b->nentries; i++) {
        uint8_t h[QUIRE_MERKLE_HASH_BYTES];
        leaf.len = 0;
        h_entry_encode(&b->entries[i], &leaf);
        quire_entry_leaf_hash(leaf.p, leaf.len, h);
        quire_merkle_update(&m, h);
    }
    quire_merkle_final(&m, b->st.root);
    hbuf_free(&leaf);
}

static uint64_t directory_size(const h_bundle *b)
{
    uint64_t n = (uint64_t)b->nupages * QUIRE_DIR_UNIT_PAGE_BYTES + b->dir_junk.len;
    for (uint32_t k = 0; k < b->npages; k++)
        n += QUIRE_DIR_ENTRY_PAGE_BYTES + b->pages[k].first.len;
    return n;
}

void h_sync_pages(h_bundle *b)
{
    uint32_t first = 0;
    uint64_t stream = 0, pages = 0, data = QUIRE_HEADER_BYTES, raw = 0;
    for (uint32_t k = 0; k < b->npages; k++) {
        h_page *pg = &b->pages[k];
        sync_page(b, pg, first, stream);
        for (uint32_t j = 0; j < pg->nentries; j++)
            stream += b->entries[first + j].size;
        first += pg->nentries;
        pages += pg->stored.len;
    }
    if (first != b->nentries)
        h_die("the pages hold %u of the %u entries", first, b->nentries);
    sync_unit_pages(b);
    for (uint32_t u = 0; u < b->nunits; u++) {
        data += b->units[u].stored.len + b->units[u].pad.len;
        raw += b->units[u].raw_size;
    }
    h_statement *st = &b->st;
    st->index_offset = data;
    st->entry_count = b->nentries;
    st->unit_count = b->nunits;
    st->entry_page_count = b->npages;
    st->bundle_meta_len = (uint32_t)b->bundle_meta.len;
    st->directory_size = directory_size(b);
    st->stream_size = raw;
    st->index_size = pages + b->index_gap.len + (uint64_t)b->nunits * QUIRE_UNIT_RECORD_BYTES +
                     st->directory_size + b->bundle_meta.len + QUIRE_STATEMENT_BYTES;
    sync_root(b);
}

static void encode_directory(const h_bundle *b, hbuf *out)
{
    for (uint32_t k = 0; k < b->npages; k++) {
        const h_page *pg = &b->pages[k];
        uint8_t rec[QUIRE_DIR_ENTRY_PAGE_BYTES];
        quire_store32(rec, pg->stored_size);
        quire_store32(rec + 4, pg->raw_size);
        quire_store32(rec + 8, pg->count);
        quire_store64(rec + 12, pg->stream);
        memcpy(rec + 20, pg->sha256, QUIRE_SHA256_BYTES);
        quire_store16(rec + 52, pg->first_len);
        hbuf_add(out, rec, sizeof rec);
        hbuf_add(out, pg->first.p, pg->first.len);
    }
    for (uint32_t k = 0; k < b->nupages; k++) {
        uint8_t rec[QUIRE_DIR_UNIT_PAGE_BYTES];
        memcpy(rec, b->upages[k].sha256, QUIRE_SHA256_BYTES);
        quire_store64(rec + 32, b->upages[k].file_offset);
        quire_store64(rec + 40, b->upages[k].stream_offset);
        hbuf_add(out, rec, sizeof rec);
    }
    hbuf_add(out, b->dir_junk.p, b->dir_junk.len);
}

void h_sync_hash(h_bundle *b)
{
    hbuf dir = {0};
    encode_directory(b, &dir);
    hbuf_add(&dir, b->bundle_meta.p, b->bundle_meta.len);
    crypto_hash_sha256(b->st.dir_hash, dir.p, dir.len);
    hbuf_free(&dir);
}

void h_sync(h_bundle *b)
{
    h_sync_records(b);
    h_sync_pages(b);
    h_sync_hash(b);
}

/* ---- building ---- */

uint32_t h_unit_add(h_bundle *b, uint32_t at, const uint8_t *raw, size_t len, bool deflate)
{
    b->units = realloc(b->units, (b->nunits + 1) * sizeof *b->units);
    if (b->units == NULL)
        h_die("out of memory");
    memmove(b->units + at + 1, b->units + at, (b->nunits - at) * sizeof *b->units);
    b->nunits++;
    h_unit *un = &b->units[at];
    memset(un, 0, sizeof *un);
    un->raw_size = (uint32_t)len;
    un->comp = deflate ? QUIRE_COMP_DEFLATE : QUIRE_COMP_STORE;
    if (deflate)
        hd_fixed(raw, len, true, &un->stored);
    else
        hbuf_set(&un->stored, raw, len);
    return at;
}

static h_page *page_add(h_bundle *b)
{
    b->pages = realloc(b->pages, (b->npages + 1) * sizeof *b->pages);
    if (b->pages == NULL)
        h_die("out of memory");
    h_page *pg = &b->pages[b->npages++];
    memset(pg, 0, sizeof *pg);
    return pg;
}

/* The page that position at falls in: the one holding entry at, or the last for the end. */
static h_page *page_at(h_bundle *b, uint32_t at)
{
    uint32_t start = 0;
    if (b->npages == 0)
        return page_add(b);
    for (uint32_t k = 0; k < b->npages; k++) {
        if (at < start + b->pages[k].nentries)
            return &b->pages[k];
        start += b->pages[k].nentries;
    }
    return &b->pages[b->npages - 1];
}

h_entry *h_entry_add(h_bundle *b, uint32_t at, const uint8_t *path, size_t path_len, uint8_t role,
                     const uint8_t *content, size_t len)
{
    b->entries = realloc(b->entries, (b->nentries + 1) * sizeof *b->entries);
    if (b->entries == NULL)
        h_die("out of memory");
    page_at(b, at)->nentries++;
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

static void drop_pages(h_bundle *b)
{
    for (uint32_t k = 0; k < b->npages; k++)
        page_free(&b->pages[k]);
    free(b->pages);
    b->pages = NULL;
    b->npages = 0;
}

void h_paginate(h_bundle *b, size_t target)
{
    size_t fill = 0;
    h_page *pg = NULL;
    drop_pages(b);
    for (uint32_t i = 0; i < b->nentries; i++) {
        const h_entry *e = &b->entries[i];
        size_t rec = QUIRE_ENTRY_FIXED_BYTES + e->path.len + e->meta.len;
        if (pg == NULL || (pg->nentries > 0 && fill + rec > target)) {
            pg = page_add(b);
            fill = 0;
        }
        pg->nentries++;
        fill += rec;
    }
}

void h_repage(h_bundle *b, const uint32_t *counts, uint32_t n)
{
    uint64_t sum = 0;
    for (uint32_t k = 0; k < n; k++)
        sum += counts[k];
    if (sum != b->nentries)
        h_die("pages of %llu entries for %u entries", (unsigned long long)sum, b->nentries);
    drop_pages(b);
    for (uint32_t k = 0; k < n; k++)
        page_add(b)->nentries = counts[k];
}

/* ---- encoding ---- */

static void encode_statement(const h_statement *st, uint8_t p[QUIRE_STATEMENT_BYTES])
{
    memcpy(p, st->domain, QUIRE_STATEMENT_DOMAIN_BYTES);
    memcpy(p + 16, st->copy, QUIRE_HEADER_BYTES);
    quire_store64(p + 48, st->index_offset);
    quire_store64(p + 56, st->index_size);
    quire_store32(p + 64, st->entry_count);
    quire_store32(p + 68, st->unit_count);
    quire_store32(p + 72, st->entry_page_count);
    quire_store32(p + 76, st->bundle_meta_len);
    quire_store64(p + 80, st->directory_size);
    quire_store64(p + 88, st->stream_size);
    memcpy(p + 96, st->root, QUIRE_SHA256_BYTES);
    memcpy(p + 128, st->dir_hash, QUIRE_SHA256_BYTES);
}

void h_encode_index(const h_bundle *b, hbuf *out)
{
    uint8_t st[QUIRE_STATEMENT_BYTES];
    out->len = 0;
    for (uint32_t k = 0; k < b->npages; k++)
        hbuf_add(out, b->pages[k].stored.p, b->pages[k].stored.len);
    hbuf_add(out, b->index_gap.p, b->index_gap.len);
    for (uint32_t u = 0; u < b->nunits; u++) {
        uint8_t rec[QUIRE_UNIT_RECORD_BYTES];
        encode_unit(&b->units[u], rec);
        hbuf_add(out, rec, sizeof rec);
    }
    encode_directory(b, out);
    hbuf_add(out, b->bundle_meta.p, b->bundle_meta.len);
    encode_statement(&b->st, st);
    hbuf_add(out, st, sizeof st);
}

/* ---- signing ---- */

void h_sign(h_sig *out, const quire_seckey *sk, const uint8_t *statement, size_t len,
            const uint8_t *comment, size_t comment_len)
{
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_prehash(statement, len, prehash);
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
    uint8_t trailer[QUIRE_TRAILER_BYTES] = {0};
    file->len = 0;
    hbuf_add(file, b->header, QUIRE_HEADER_BYTES);
    for (uint32_t u = 0; u < b->nunits; u++) {
        hbuf_add(file, b->units[u].stored.p, b->units[u].stored.len);
        hbuf_add(file, b->units[u].pad.p, b->units[u].pad.len);
    }
    uint64_t index_offset = file->len;
    hbuf_add(file, index->p, index->len);
    hbuf_add(file, sigblock->p, sigblock->len);
    quire_store64(trailer, index_offset);
    quire_store64(trailer + 8, index->len);
    quire_store64(trailer + 16, sigblock->len);
    /* trailer + 24: attachments_size, 0 */
    memcpy(trailer + 32, QUIRE_TRAILER_MAGIC, 8);
    hbuf_add(file, trailer, sizeof trailer);
    h_layout_of(file->p, file->len, lay);
}
