/* SPDX-License-Identifier: ISC */
/* mutate_ops.c: quire-mutate's bundles from scratch and its named mutations: on the model
 * (re-signed) and on raw bytes (not re-signed). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mutate.h"
#include "quire_merkle.h"

/* ---- argument helpers ---- */

uint64_t num(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || *s == '-')
        h_die("not a number: %s", s);
    return v;
}

/* Decodes %XX escapes, so that NUL, control bytes and invalid UTF-8 can be given in argv. */
void pct_decode(const char *s, hbuf *out)
{
    out->len = 0;
    for (; *s != '\0'; s++) {
        uint8_t c = (uint8_t)*s;
        if (c == '%') {
            unsigned v;
            if (sscanf(s + 1, "%2x", &v) != 1 || strlen(s) < 3)
                h_die("bad %%XX escape in %s", s);
            c = (uint8_t)v;
            s += 2;
        }
        hbuf_add(out, &c, 1);
    }
}

uint32_t entry_arg(const mctx *c, const char *s)
{
    uint64_t e = num(s);
    if (e >= c->b.nentries)
        h_die("no entry %s", s);
    return (uint32_t)e;
}

uint32_t page_arg(const mctx *c, const char *s)
{
    uint64_t k = num(s);
    if (k >= c->b.npages)
        h_die("no entry page %s", s);
    return (uint32_t)k;
}

void need_other(const mctx *c)
{
    if (c->other == NULL)
        h_die("this mutation needs a second key (-x)");
}

/* ---- bundles from scratch ---- */

static const char base_a[] = "Document A\n"
                             "==========\n\n"
                             "A plain text document of the quire hostile-fixture base bundle.\n"
                             "Its original is originals/a.html.\n";
static const char base_b[] = "#!/bin/sh\n"
                             "# Document B: an executable entry, to carry the exec flag.\n"
                             "echo 'document b'\n";
static const char base_html[] = "<!doctype html>\n"
                                "<title>Document A</title>\n"
                                "<p>A plain text document of the quire hostile-fixture base "
                                "bundle.</p>\n";

void set_text(hbuf *b, const char *s)
{
    hbuf_set(b, s, strlen(s));
}

/* Three entries in two units: two documents deflated together, the first linked to an
 * original stored on its own; bundle and entry metadata; one exec flag. Two entry pages (the
 * documents, then the original), so that the directory has a second page to break. */
void build_base(mctx *c)
{
    hbuf raw = {0};
    hbuf_add(&raw, base_a, strlen(base_a));
    hbuf_add(&raw, base_b, strlen(base_b));
    h_unit_add(&c->b, 0, raw.p, raw.len, true);
    h_unit_add(&c->b, 1, (const uint8_t *)base_html, strlen(base_html), false);
    hbuf_free(&raw);

    h_entry *e = h_entry_add(&c->b, 0, (const uint8_t *)"docs/a.txt", 10, QUIRE_ROLE_DOCUMENT,
                             (const uint8_t *)base_a, strlen(base_a));
    set_text(&e->meta, "{\"issued\":{\"date-parts\":[[2016,5,2]]},\"title\":\"Document A\"}");
    e = h_entry_add(&c->b, 1, (const uint8_t *)"docs/b.txt", 10, QUIRE_ROLE_DOCUMENT,
                    (const uint8_t *)base_b, strlen(base_b));
    e->flags = QUIRE_ENTRY_FLAG_EXEC;
    e = h_entry_add(&c->b, 2, (const uint8_t *)"originals/a.html", 16, QUIRE_ROLE_ORIGINAL,
                    (const uint8_t *)base_html, strlen(base_html));
    set_text(&e->meta, "{\"medium\":\"text/html\"}");
    c->b.entries[0].link = 2;
    set_text(&c->b.bundle_meta, "{\"title\":\"quire hostile fixtures: base bundle\","
                                "\"version\":\"2\"}");
    static const uint32_t pages[] = {2, 1};
    h_repage(&c->b, pages, 2);
}

/* One document per argument, paths taken as given (%XX escapes decoded), in the order given,
 * their contents in one deflated unit. */
void build_paths(mctx *c)
{
    hbuf raw = {0}, path = {0};
    for (int a = 0; a < c->argc; a++) {
        char text[64];
        int n = snprintf(text, sizeof text, "hostile fixture entry %d\n", a);
        pct_decode(c->argv[a], &path);
        h_entry_add(&c->b, (uint32_t)a, path.p, path.len, QUIRE_ROLE_DOCUMENT,
                    (const uint8_t *)text, (size_t)n);
        hbuf_add(&raw, text, (size_t)n);
    }
    h_unit_add(&c->b, 0, raw.p, raw.len, true);
    h_paginate(&c->b, QUIRE_PAGE_TARGET_BYTES);
    hbuf_free(&raw);
    hbuf_free(&path);
}

/* n small documents d/00000.txt ... in one deflated unit: more files than an extractor may
 * hold back before it renames them into place. */
void build_many(mctx *c)
{
    uint64_t n = num(c->argv[0]);
    hbuf raw = {0};
    if (n == 0 || n > 99999)
        h_die("many: 1 to 99999 documents");
    for (uint32_t i = 0; i < n; i++) {
        char path[16], text[48];
        snprintf(path, sizeof path, "d/%05u.txt", i);
        int len = snprintf(text, sizeof text, "hostile fixture document %u\n", i);
        h_entry_add(&c->b, i, (const uint8_t *)path, strlen(path), QUIRE_ROLE_DOCUMENT,
                    (const uint8_t *)text, (size_t)len);
        hbuf_add(&raw, text, (size_t)len);
    }
    h_unit_add(&c->b, 0, raw.p, raw.len, true);
    h_paginate(&c->b, QUIRE_PAGE_TARGET_BYTES);
    hbuf_free(&raw);
}

/* ---- signed mutations on the model ---- */

void m_bundle_meta(mctx *c)
{
    pct_decode(c->argv[0], &c->b.bundle_meta);
}

void m_entry_meta(mctx *c)
{
    pct_decode(c->argv[1], &c->b.entries[entry_arg(c, c->argv[0])].meta);
}

void m_gap(mctx *c)
{
    uint64_t u = num(c->argv[0]);
    if (u >= c->b.nunits)
        h_die("no unit %s", c->argv[0]);
    hbuf_junk(&c->b.units[u].pad, (size_t)num(c->argv[1]));
}

void m_page_junk(mctx *c)
{
    hbuf_junk(&c->b.pages[page_arg(c, c->argv[0])].raw_junk, (size_t)num(c->argv[1]));
}

void m_page_trailing(mctx *c)
{
    hbuf_junk(&c->b.pages[page_arg(c, c->argv[0])].stored_junk, (size_t)num(c->argv[1]));
}

/* Fixed pseudo-random bytes whose first makes a final block of the reserved type 3: no
 * inflater can take them for deflate. */
static void garbage(hbuf *out, size_t n)
{
    uint8_t g[64];
    crypto_generichash(g, sizeof g, (const uint8_t *)"quire hostile garbage", 21, NULL, 0);
    out->len = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t v = i < sizeof g ? g[i] : (uint8_t)(out->p[i - sizeof g] * 31u + 7u);
        hbuf_add(out, &v, 1);
    }
    out->p[0] |= 0x07;
}

void m_page_garbage(mctx *c)
{
    h_page *pg = &c->b.pages[page_arg(c, c->argv[0])];
    garbage(&pg->stored, 256);
    pg->stored_fixed = true;
}

void m_first_path(mctx *c)
{
    h_page *pg = &c->b.pages[page_arg(c, c->argv[0])];
    pct_decode(c->argv[1], &pg->first);
    pg->first_fixed = true;
}

void m_index_gap(mctx *c)
{
    hbuf_junk(&c->b.index_gap, (size_t)num(c->argv[0]));
}

void m_dir_junk(mctx *c)
{
    hbuf_junk(&c->b.dir_junk, (size_t)num(c->argv[0]));
}

/* repage LIST: comma-separated entry counts. */
void m_repage(mctx *c)
{
    uint32_t *counts = h_alloc((c->b.nentries + 1) * sizeof *counts), n = 0;
    char *list = strdup(c->argv[0]), *save = NULL;
    if (list == NULL)
        h_die("out of memory");
    for (char *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (n == c->b.nentries)
            h_die("repage: more pages than entries");
        counts[n++] = (uint32_t)num(t);
    }
    free(list);
    h_repage(&c->b, counts, n);
    free(counts);
}

void m_repage_each(mctx *c)
{
    uint32_t *counts = h_alloc((c->b.nentries + 1) * sizeof *counts);
    for (uint32_t i = 0; i < c->b.nentries; i++)
        counts[i] = 1;
    h_repage(&c->b, counts, c->b.nentries);
    free(counts);
}

void m_page_raw_all(mctx *c)
{
    uint64_t v = num(c->argv[0]);
    for (uint32_t k = 0; k < c->b.npages; k++)
        c->b.pages[k].raw_size = (uint32_t)v;
}

/* A hostile signer's root: RFC 9162's own leaf hash, without quire's "Q" domain byte. Every
 * page and its hash are right; only the root disagrees with the records. */
void m_root_no_domain(mctx *c)
{
    quire_merkle m;
    hbuf leaf = {0};
    quire_merkle_init(&m);
    for (uint32_t i = 0; i < c->b.nentries; i++) {
        uint8_t h[QUIRE_MERKLE_HASH_BYTES];
        leaf.len = 0;
        h_entry_encode(&c->b.entries[i], &leaf);
        quire_merkle_leaf(leaf.p, leaf.len, h);
        quire_merkle_update(&m, h);
    }
    quire_merkle_final(&m, c->b.st.root);
    hbuf_free(&leaf);
}

/* A new first entry FIRST_PATH of `declared` zero bytes (SHA-256 correct) in a new first unit
 * whose stored bytes are `stored` and raw size is `declared`: the unit hash will be correct
 * and the index signed, so only the deflate stream itself is wrong. */
static void add_first(mctx *c, uint64_t declared, hbuf *stored)
{
    uint8_t *zeros = h_alloc((size_t)declared);
    h_entry_add(&c->b, 0, (const uint8_t *)FIRST_PATH, strlen(FIRST_PATH), QUIRE_ROLE_DOCUMENT,
                zeros, (size_t)declared);
    free(zeros);
    h_unit_add(&c->b, 0, NULL, 0, true);
    h_unit *un = &c->b.units[0];
    hbuf_free(&un->stored);
    un->stored = *stored;
    un->raw_size = (uint32_t)declared;
    *stored = (hbuf){0};
}

/* Dies unless the stream decodes to something other than exactly `declared` bytes (or does not
 * decode): the fixture must be wrong in the way it says. */
static void expect_bad_stream(const hbuf *stored, uint64_t declared, long long want)
{
    size_t cap = 32u << 20;
    uint8_t *out = h_alloc(cap);
    long long got = hd_inflate_check(stored->p, stored->len, out, cap);
    free(out);
    if (got == (long long)declared || got != want)
        h_die("self-check: the stream decodes to %lld bytes, expected %lld", got, want);
}

#define BOMB_BYTES 10000000u
#define BOMB_DECLARED 1024u

void m_bomb(mctx *c)
{
    hbuf s = {0};
    hd_zeros(BOMB_BYTES, &s);
    expect_bad_stream(&s, BOMB_DECLARED, BOMB_BYTES);
    add_first(c, BOMB_DECLARED, &s);
}

void m_inflate_short(mctx *c)
{
    hbuf s = {0};
    uint8_t zeros[BOMB_DECLARED] = {0};
    hd_fixed(zeros, BOMB_DECLARED - 24, true, &s);
    expect_bad_stream(&s, BOMB_DECLARED, BOMB_DECLARED - 24);
    add_first(c, BOMB_DECLARED, &s);
}

void m_deflate_garbage(mctx *c)
{
    hbuf s = {0};
    garbage(&s, 256);
    expect_bad_stream(&s, BOMB_DECLARED, -1);
    add_first(c, BOMB_DECLARED, &s);
}

void m_deflate_trailing(mctx *c)
{
    hbuf s = {0};
    uint8_t zeros[BOMB_DECLARED] = {0};
    hd_fixed(zeros, sizeof zeros, true, &s);
    hbuf_junk(&s, 4);
    expect_bad_stream(&s, BOMB_DECLARED, -1);
    add_first(c, BOMB_DECLARED, &s);
}

void m_deflate_unterminated(mctx *c)
{
    hbuf s = {0};
    uint8_t zeros[BOMB_DECLARED] = {0};
    hd_fixed(zeros, sizeof zeros, false, &s);
    expect_bad_stream(&s, BOMB_DECLARED, -1);
    add_first(c, BOMB_DECLARED, &s);
}

void m_deflate_before_start(mctx *c)
{
    hbuf s = {0};
    hd_before_start(BOMB_DECLARED, &s);
    expect_bad_stream(&s, BOMB_DECLARED, -1);
    add_first(c, BOMB_DECLARED, &s);
}

/* A new first entry of size 0 whose SHA-256 is that of "x", not of the empty string: no unit
 * holds its bytes, so only the entry hash can catch it. */
void m_empty_entry(mctx *c)
{
    h_entry *e = h_entry_add(&c->b, 0, (const uint8_t *)"a.txt", 5, QUIRE_ROLE_DOCUMENT,
                             (const uint8_t *)"x", 1);
    e->size = 0;
}

/* A unit one byte over the limit, honestly: its stream really inflates to that many zeros. */
void m_big_unit(mctx *c)
{
    hbuf s = {0};
    uint64_t n = QUIRE_MAX_UNIT_BYTES + 1u;
    hd_zeros(n, &s);
    uint8_t *out = h_alloc((size_t)n + 1);
    if (hd_inflate_check(s.p, s.len, out, (size_t)n + 1) != (long long)n)
        h_die("self-check: zeros stream is wrong");
    free(out);
    add_first(c, n, &s);
}

/* An extra last unit of raw size 0: a valid empty deflate stream, hash correct. */
void m_empty_unit(mctx *c)
{
    uint32_t u = h_unit_add(&c->b, c->b.nunits, NULL, 0, true);
    c->b.units[u].raw_size = 0;
}

/* Entry sizes whose sum wraps past 2^64 to exactly the unit total: entry 1 claims 2^64-1 bytes
 * and entry 2 one byte more than entries 1 and 2 really hold. */
void m_size_wrap(mctx *c)
{
    if (c->b.nentries < 3)
        h_die("size-wrap needs three entries");
    h_entry *e = c->b.entries;
    e[2].size = e[1].size + e[2].size + 1;
    e[1].size = UINT64_MAX;
}

void m_comment(mctx *c)
{
    pct_decode(c->argv[0], &c->comment);
}

/* ---- signature records ---- */

h_sig *new_sig(mctx *c)
{
    if (c->s.nsigs >= sizeof c->s.sigs / sizeof c->s.sigs[0])
        h_die("too many signature records");
    return &c->s.sigs[c->s.nsigs++];
}

/* One record of kind: test (valid, -k), other (valid, -x), forged (-k's key id, signed by -x),
 * legacy (valid, but tagged "Ed", minisign's unhashed mode), altered (valid, then the trusted
 * comment changed). */
static void add_sig(mctx *c, const char *kind)
{
    h_sig *g = new_sig(c);
    const uint8_t *st = c->index.p + c->index.len - QUIRE_STATEMENT_BYTES;
    if (strcmp(kind, "test") == 0 || strcmp(kind, "legacy") == 0 || strcmp(kind, "altered") == 0) {
        h_sign(g, c->key, st, QUIRE_STATEMENT_BYTES, c->comment.p, c->comment.len);
        if (strcmp(kind, "legacy") == 0)
            memcpy(g->alg, "Ed", 2);
        if (strcmp(kind, "altered") == 0 && g->comment.len > 0)
            g->comment.p[g->comment.len - 1] ^= 0x01;
    } else if (strcmp(kind, "other") == 0 || strcmp(kind, "forged") == 0) {
        need_other(c);
        h_sign(g, c->other, st, QUIRE_STATEMENT_BYTES, c->comment.p, c->comment.len);
        if (strcmp(kind, "forged") == 0)
            memcpy(g->key_id, c->key->key_id, QUIRE_KEY_ID_BYTES);
    } else {
        h_die("unknown signature kind %s", kind);
    }
}

/* sigs LIST: comma-separated kinds, each optionally *N; "none" for no record at all. */
void m_sigs(mctx *c)
{
    char *list = strdup(c->argv[0]), *save = NULL;
    if (list == NULL)
        h_die("out of memory");
    for (char *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "none") == 0)
            continue;
        char *star = strchr(t, '*');
        uint64_t times = 1;
        if (star != NULL)
            *star = '\0', times = num(star + 1);
        for (uint64_t i = 0; i < times; i++)
            add_sig(c, t);
    }
    free(list);
}

void m_sig_junk(mctx *c)
{
    hbuf_junk(&c->s.junk, (size_t)num(c->argv[0]));
}

/* ---- raw mutations: bytes changed, nothing re-signed ---- */

void m_prepend(mctx *c)
{
    hbuf j = {0};
    hbuf_junk(&j, (size_t)num(c->argv[0]));
    hbuf_insert(&c->file, 0, j.p, j.len);
    hbuf_free(&j);
}

/* n junk bytes between the signature block and the trailer, declared as attachments: the
 * regions tile the file, but the area is not framed as SPEC 7.1 says. */
void m_attach(mctx *c)
{
    uint64_t n = num(c->argv[0]);
    hbuf j = {0};
    hbuf_junk(&j, (size_t)n);
    hbuf_insert(&c->file, (size_t)c->lay.trailer_offset, j.p, j.len);
    hbuf_free(&j);
    uint8_t *t = c->file.p + c->file.len - QUIRE_TRAILER_BYTES;
    quire_store64(t + 24, n);
}

/* An attachments area framed by hand (SPEC 7.1): "QUIREATT", count, reserved 0, one record
 * (type, reserved 0, declared length) with body bytes of junk, then trail junk bytes; the
 * trailer declares the whole area, so the regions tile the file and only the framing is
 * wrong. */
void m_att_frame(mctx *c)
{
    hbuf a = {0};
    uint8_t h[16], r[8];
    memcpy(h, "QUIREATT", 8);
    quire_store32(h + 8, (uint32_t)num(c->argv[0]));
    quire_store32(h + 12, 0);
    quire_store16(r, (uint16_t)num(c->argv[1]));
    quire_store16(r + 2, 0);
    quire_store32(r + 4, (uint32_t)num(c->argv[2]));
    hbuf_add(&a, h, sizeof h);
    hbuf_add(&a, r, sizeof r);
    hbuf_junk(&a, (size_t)num(c->argv[3]) + (size_t)num(c->argv[4]));
    hbuf_insert(&c->file, (size_t)c->lay.trailer_offset, a.p, a.len);
    uint8_t *t = c->file.p + c->file.len - QUIRE_TRAILER_BYTES;
    quire_store64(t + 24, a.len);
    hbuf_free(&a);
}

void m_append(mctx *c)
{
    hbuf_junk(&c->file, (size_t)num(c->argv[0]));
}

/* A second copy of the trailer appended: a reader that scans for the last "QUIREEND" would
 * find a valid-looking one. */
void m_append_trailer(mctx *c)
{
    uint8_t trailer[QUIRE_TRAILER_BYTES]; /* copied out: hbuf_add may move the buffer */
    memcpy(trailer, c->file.p + c->lay.trailer_offset, sizeof trailer);
    hbuf_add(&c->file, trailer, sizeof trailer);
}

static void add_to_trailer(mctx *c, size_t field, uint64_t delta)
{
    uint8_t *p = c->file.p + c->file.len - QUIRE_TRAILER_BYTES + 8 * field;
    quire_store64(p, quire_load64(p) + delta);
}

static void insert_junk(mctx *c, uint64_t at, uint64_t n)
{
    hbuf j = {0};
    hbuf_junk(&j, (size_t)n);
    hbuf_insert(&c->file, (size_t)at, j.p, j.len);
    hbuf_free(&j);
}

void m_insert_data_index(mctx *c)
{
    insert_junk(c, c->lay.index_offset, num(c->argv[0]));
}

/* The trailer's index offset follows the inserted bytes, so the framing is consistent and only
 * the signed index offset disagrees. */
void m_insert_data_index_trailer(mctx *c)
{
    uint64_t n = num(c->argv[0]);
    insert_junk(c, c->lay.index_offset, n);
    add_to_trailer(c, 0, n);
}

void m_insert_index_sig(mctx *c)
{
    insert_junk(c, c->lay.sig_offset, num(c->argv[0]));
}

/* The trailer's index size grows over the inserted bytes: the signature no longer covers
 * what the trailer calls the index. */
void m_insert_index_sig_trailer(mctx *c)
{
    uint64_t n = num(c->argv[0]);
    insert_junk(c, c->lay.sig_offset, n);
    add_to_trailer(c, 1, n);
}

void m_truncate(mctx *c)
{
    uint64_t n = num(c->argv[0]);
    if (n > c->file.len)
        h_die("cannot truncate %s bytes", c->argv[0]);
    c->file.len -= (size_t)n;
}

void m_keep(mctx *c)
{
    uint64_t n = num(c->argv[0]);
    if (n < c->file.len)
        c->file.len = (size_t)n;
}

/* Removes n bytes at the end of the data region, just before the index. */
void m_cut_data(mctx *c)
{
    uint64_t n = num(c->argv[0]);
    if (n > c->lay.index_offset - QUIRE_HEADER_BYTES)
        h_die("the data region is smaller than %s bytes", c->argv[0]);
    hbuf_remove(&c->file, (size_t)(c->lay.index_offset - n), (size_t)n);
}

/* poke: trailer.index_offset, trailer.index_size, trailer.sigblock_size (8-byte fields),
 * trailer.magic.K, file.N (any byte), indexbyte.N and sigbyte.N (a byte of the index or of the
 * signature block). */
