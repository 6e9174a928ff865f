/* SPDX-License-Identifier: ISC */
/* hostile_parse.c: quire-mutate reads a well-formed bundle back into its model (hostile.h): the
 * trailer, the statement, the directory, every entry page (inflated with zlib), the unit table
 * and the data region, and the signature block. It dies on anything it cannot take apart; it
 * checks no hash, since a mutation re-derives what it does not mean to break. */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

static void need(bool ok, const char *what)
{
    if (!ok)
        h_die("input is not a well-formed bundle: %s", what);
}

/* The parts of the index region, from the statement's sizes as a reader derives them; where
 * they do not fit, every part is placed at the statement (zero-length). */
static void index_parts(const uint8_t *file, h_layout *lay)
{
    uint64_t end = lay->index_offset + lay->index_size;
    lay->statement_offset = end - QUIRE_STATEMENT_BYTES;
    lay->units_offset = lay->dir_offset = lay->meta_offset = lay->statement_offset;
    const uint8_t *st = file + lay->statement_offset;
    uint64_t units = (uint64_t)quire_load32(st + 68) * QUIRE_UNIT_RECORD_BYTES;
    uint64_t meta = quire_load32(st + 76), dir = quire_load64(st + 80);
    if (dir > lay->index_size || units + meta + dir > lay->index_size - QUIRE_STATEMENT_BYTES)
        return;
    lay->meta_offset = lay->statement_offset - meta;
    lay->dir_offset = lay->meta_offset - dir;
    lay->units_offset = lay->dir_offset - units;
}

void h_layout_of(const uint8_t *file, size_t len, h_layout *lay)
{
    memset(lay, 0, sizeof *lay);
    need(len >= QUIRE_HEADER_BYTES + QUIRE_TRAILER_BYTES, "too small");
    const uint8_t *t = file + len - QUIRE_TRAILER_BYTES;
    need(memcmp(t + 32, QUIRE_TRAILER_MAGIC, 8) == 0, "trailer magic");
    lay->index_offset = quire_load64(t);
    lay->index_size = quire_load64(t + 8);
    lay->sig_size = quire_load64(t + 16);
    lay->trailer_offset = len - QUIRE_TRAILER_BYTES;
    need(quire_load64(t + 24) == 0, "attachments");
    need(lay->index_offset >= QUIRE_HEADER_BYTES && lay->index_size <= len &&
             lay->sig_size <= len && lay->index_offset <= len - lay->index_size - lay->sig_size &&
             lay->index_offset + lay->index_size + lay->sig_size == lay->trailer_offset,
         "trailer does not tile the file");
    need(lay->index_size >= QUIRE_STATEMENT_BYTES, "index smaller than a statement");
    lay->sig_offset = lay->index_offset + lay->index_size;
    index_parts(file, lay);
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

static void parse_statement(const uint8_t *p, h_statement *st)
{
    memcpy(st->domain, p, QUIRE_STATEMENT_DOMAIN_BYTES);
    memcpy(st->copy, p + 16, QUIRE_HEADER_BYTES);
    st->index_offset = quire_load64(p + 48);
    st->index_size = quire_load64(p + 56);
    st->entry_count = quire_load32(p + 64);
    st->unit_count = quire_load32(p + 68);
    st->entry_page_count = quire_load32(p + 72);
    st->bundle_meta_len = quire_load32(p + 76);
    st->directory_size = quire_load64(p + 80);
    st->stream_size = quire_load64(p + 88);
    memcpy(st->root, p + 96, QUIRE_SHA256_BYTES);
    memcpy(st->dir_hash, p + 128, QUIRE_SHA256_BYTES);
}

/* The records of one inflated page, appended to b->entries; the bytes after them are the
 * page's raw junk. */
static void parse_records(h_bundle *b, h_page *pg, const uint8_t *raw, size_t len)
{
    size_t off = 0;
    for (uint32_t j = 0; j < pg->count; j++) {
        need(len - off >= QUIRE_ENTRY_FIXED_BYTES, "entry record");
        h_entry *e = &b->entries[b->nentries++];
        const uint8_t *p = raw + off;
        e->path_len = quire_load16(p);
        need(len - off - QUIRE_ENTRY_FIXED_BYTES >= e->path_len, "entry path");
        hbuf_set(&e->path, p + 2, e->path_len);
        const uint8_t *q = p + 2 + e->path_len;
        e->size = quire_load64(q);
        memcpy(e->sha256, q + 8, QUIRE_SHA256_BYTES);
        e->role = q[40];
        e->flags = q[41];
        e->link = quire_load32(q + 42);
        e->meta_len = quire_load32(q + 46);
        size_t rec = QUIRE_ENTRY_FIXED_BYTES + (size_t)e->path_len;
        need(len - off - rec >= e->meta_len, "entry metadata");
        hbuf_set(&e->meta, q + 50, e->meta_len);
        off += rec + e->meta_len;
    }
    pg->nentries = pg->count;
    hbuf_set(&pg->raw, raw, len);
    hbuf_set(&pg->raw_junk, raw + off, len - off);
}

/* One entry page record of the directory at d + *off, and its page's bytes at pages + *at. */
static void parse_page(h_bundle *b, const uint8_t *d, size_t dlen, size_t *off,
                       const uint8_t *pages, size_t plen, size_t *at)
{
    h_page *pg = &b->pages[b->npages++];
    need(dlen - *off >= QUIRE_DIR_ENTRY_PAGE_BYTES, "directory record");
    const uint8_t *p = d + *off;
    pg->stored_size = quire_load32(p);
    pg->raw_size = quire_load32(p + 4);
    pg->count = quire_load32(p + 8);
    pg->stream = quire_load64(p + 12);
    memcpy(pg->sha256, p + 20, QUIRE_SHA256_BYTES);
    pg->first_len = quire_load16(p + 52);
    *off += QUIRE_DIR_ENTRY_PAGE_BYTES;
    need(dlen - *off >= pg->first_len, "directory first path");
    hbuf_set(&pg->first, d + *off, pg->first_len);
    *off += pg->first_len;
    need(plen - *at >= pg->stored_size, "entry page past the unit table");
    need(pg->count <= b->st.entry_count - b->nentries, "entry page counts");
    hbuf_set(&pg->stored, pages + *at, pg->stored_size);
    *at += pg->stored_size;
    uint8_t *raw = h_alloc(pg->raw_size);
    need(hd_inflate_check(pg->stored.p, pg->stored.len, raw, pg->raw_size) == pg->raw_size,
         "entry page does not inflate to its size");
    parse_records(b, pg, raw, pg->raw_size);
    free(raw);
}

static void parse_directory(h_bundle *b, const uint8_t *file, const h_layout *lay)
{
    const uint8_t *d = file + lay->dir_offset;
    size_t dlen = (size_t)b->st.directory_size, off = 0, at = 0;
    size_t plen = (size_t)(lay->units_offset - lay->index_offset);
    need(b->st.entry_page_count <= b->st.entry_count, "entry page count");
    b->pages = h_alloc(b->st.entry_page_count * sizeof *b->pages);
    b->entries = h_alloc(b->st.entry_count * sizeof *b->entries);
    for (uint32_t k = 0; k < b->st.entry_page_count; k++)
        parse_page(b, d, dlen, &off, file + lay->index_offset, plen, &at);
    need(b->nentries == b->st.entry_count, "entry page counts");
    hbuf_set(&b->index_gap, file + lay->index_offset + at, plen - at);
    b->nupages = (b->st.unit_count + QUIRE_UNITS_PER_PAGE - 1) / QUIRE_UNITS_PER_PAGE;
    b->upages = h_alloc(b->nupages * sizeof *b->upages);
    for (uint32_t k = 0; k < b->nupages; k++, off += QUIRE_DIR_UNIT_PAGE_BYTES) {
        need(dlen - off >= QUIRE_DIR_UNIT_PAGE_BYTES, "unit page record");
        memcpy(b->upages[k].sha256, d + off, QUIRE_SHA256_BYTES);
        b->upages[k].file_offset = quire_load64(d + off + 32);
        b->upages[k].stream_offset = quire_load64(d + off + 40);
    }
    hbuf_set(&b->dir_junk, d + off, dlen - off);
}

static void parse_units(h_bundle *b, const uint8_t *file, const h_layout *lay)
{
    const uint8_t *t = file + lay->units_offset;
    uint64_t off = QUIRE_HEADER_BYTES;
    b->units = h_alloc(b->st.unit_count * sizeof *b->units);
    b->nunits = b->st.unit_count;
    for (uint32_t u = 0; u < b->nunits; u++, t += QUIRE_UNIT_RECORD_BYTES) {
        h_unit *un = &b->units[u];
        un->comp = t[0];
        memcpy(un->reserved, t + 1, 3);
        un->stored_size = quire_load32(t + 4);
        un->raw_size = quire_load32(t + 8);
        memcpy(un->hash, t + 12, QUIRE_BLAKE2B256_BYTES);
        need(un->stored_size <= lay->index_offset - off, "unit sizes");
        hbuf_set(&un->stored, file + off, un->stored_size);
        off += un->stored_size;
    }
    need(off == lay->index_offset, "units do not tile the data region");
}

void h_parse(const uint8_t *file, size_t len, h_bundle *b, h_sigblock *s, h_layout *lay)
{
    h_layout_of(file, len, lay);
    h_bundle_init(b);
    memcpy(b->header, file, QUIRE_HEADER_BYTES);
    parse_statement(file + lay->statement_offset, &b->st);
    need(b->st.index_size == lay->index_size, "statement index size");
    uint64_t tail = (uint64_t)b->st.unit_count * QUIRE_UNIT_RECORD_BYTES + b->st.bundle_meta_len;
    need(b->st.directory_size <= lay->index_size &&
             tail + b->st.directory_size <= lay->index_size - QUIRE_STATEMENT_BYTES,
         "statement sizes do not fit the index");
    hbuf_set(&b->bundle_meta, file + lay->meta_offset, b->st.bundle_meta_len);
    parse_units(b, file, lay);
    parse_directory(b, file, lay);
    parse_sigblock(file + lay->sig_offset, (size_t)lay->sig_size, s);
}
