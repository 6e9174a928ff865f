/* SPDX-License-Identifier: ISC */
/* test_index.c: the index parser (lib/read/quire_index.c, SPEC 5 and 9 steps 7-9) on good
 * regions, the statement's rules (SPEC 5.1), the hashes that bind every part to the statement,
 * the deferred checks, lookups and robustness. The rules of the directory, unit table, entry
 * pages and records are in test_index_rules.c.
 *
 * The sample bundle is written by the real writer once per test case. A mutation is made with
 * the test-side editor (unit_index_edit.c), which re-seals every hash the mutation would
 * break, so that it reaches the rule it targets; the hash rules are tested by mutating the
 * bytes without re-sealing. Every parse works on an exact-size heap copy (parse_copy). */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "quire_merkle.h"
#include "unit_index_edit.h"

static index_sample S;

/* test_index is linked with --wrap=calloc: every calloc of the library (the parser's tables)
 * passes here. The largest request since the last reset is kept, and the fail_at-th call
 * (counting from 1 since the reset of calloc_calls; 0: none) fails. */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static size_t largest_calloc, calloc_calls, fail_at;

void *__wrap_calloc(size_t n, size_t size)
{
    if (size != 0 && n <= SIZE_MAX / size && n * size > largest_calloc)
        largest_calloc = n * size;
    if (++calloc_calls == fail_at)
        return NULL;
    return __real_calloc(n, size);
}

static void sample_setup(void)
{
    index_sample_make(&S);
}

static void sample_teardown(void)
{
    index_sample_free(&S);
}

static ie_index *sample(void)
{
    return ie_decode(S.v.index, S.v.index_len);
}

static uint8_t *dup_region(void)
{
    uint8_t *m = malloc(S.v.index_len);
    ck_assert_ptr_nonnull(m);
    memcpy(m, S.v.index, S.v.index_len);
    return m;
}

static quire_index parse_sample(void)
{
    quire_index idx;
    quire_error err = {0};
    ASSERT_OK(quire_index_parse(S.v.index, S.v.index_len, S.v.header, &idx, &err), err);
    return idx;
}

/* Where the parts of the sample region lie (from its own statement). */
static size_t st_off(void)
{
    return S.v.index_len - QUIRE_STATEMENT_BYTES;
}

static size_t meta_off(void)
{
    return st_off() - quire_load32(S.v.statement + 76);
}

static size_t dir_off(void)
{
    return meta_off() - (size_t)quire_load64(S.v.statement + 80);
}

static size_t units_off(void)
{
    return dir_off() - (size_t)quire_load32(S.v.statement + 68) * QUIRE_UNIT_RECORD_BYTES;
}

/* A bundle of n empty entries with paths long enough to need several entry pages. */
static uint8_t *many_entries_bundle(uint32_t n, size_t *len)
{
    tfile *f = calloc(n, sizeof *f);
    char(*names)[64] = calloc(n, sizeof *names);
    quire_pubkey pk;
    quire_seckey *sk = NULL;
    quire_error err = {0};
    ASSERT_OK(quire_keypair_generate(&sk, &pk, &err), err);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "dir%02u/a-rather-long-file-name-%06u.txt", i / 100, i);
        f[i] = tfile_make(names[i], NULL, 0);
    }
    uint8_t *b = bundle_bytes(f, n, NULL, sk, len);
    quire_seckey_free(sk);
    free(names);
    free(f);
    return b;
}

/* ---- a good index ---- */

START_TEST(index_parses_counts)
{
    quire_index idx = parse_sample();
    ck_assert_uint_eq(idx.entry_count, N_ENTRIES);
    ck_assert_uint_eq(idx.unit_count, 3); /* small entries, then 1 MiB + 0.5 MiB */
    ck_assert_uint_eq(idx.entry_page_count, 1);
    ck_assert(idx.index_offset == S.v.index_offset);
    ck_assert(idx.index_size == S.v.index_len);
    uint64_t total = 0;
    for (int i = 0; i < N_ENTRIES; i++)
        total += S.size[i];
    ck_assert(idx.stream_size == total);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_parses_paths_sizes_roles)
{
    quire_index idx = parse_sample();
    for (int i = 0; i < N_ENTRIES; i++) {
        ck_assert_str_eq(idx.entries[i].path, S.path[i]);
        ck_assert_uint_eq(idx.entries[i].path_len, strlen(S.path[i]));
        ck_assert(idx.entries[i].size == S.size[i]);
    }
    ck_assert_uint_eq(idx.entries[E_DOC_A].role, QUIRE_ROLE_DOCUMENT);
    ck_assert_uint_eq(idx.entries[E_ORIG_A].role, QUIRE_ROLE_ORIGINAL);
    ck_assert_uint_eq(idx.entries[E_ORIG_B].role, QUIRE_ROLE_ORIGINAL);
    ck_assert_uint_eq(idx.entries[E_BIG].flags, QUIRE_ENTRY_FLAG_EXEC);
    ck_assert_uint_eq(idx.entries[E_DOC_A].flags, 0);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_sha256_matches_content)
{
    quire_index idx = parse_sample();
    for (int i = 0; i < N_ENTRIES; i++) {
        uint8_t want[32];
        crypto_hash_sha256(want, S.content[i], S.size[i]);
        ck_assert_mem_eq(idx.entries[i].sha256, want, 32);
    }
    quire_index_free(&idx);
}
END_TEST

/* The statement and bundle metadata borrow the region; entry metadata and records live in the
 * inflated pages the index owns. Metadata is stored canonical (SPEC 5.5). */
START_TEST(index_statement_and_meta_locations)
{
    quire_index idx = parse_sample();
    const uint8_t *end = S.v.index + S.v.index_len;
    ck_assert_ptr_eq(idx.statement, S.v.statement);
    ck_assert_ptr_eq(idx.root, S.v.statement + 96);
    ck_assert_ptr_eq(idx.bundle_meta, S.v.index + meta_off());
    ck_assert_ptr_eq(idx.bundle_meta + idx.bundle_meta_len, end - QUIRE_STATEMENT_BYTES);
    ck_assert_uint_eq(idx.bundle_meta_len, strlen(SAMPLE_BUNDLE_META));
    ck_assert_mem_eq(idx.bundle_meta, SAMPLE_BUNDLE_META, idx.bundle_meta_len);
    const struct quire_meta_ref *a = &idx.meta_refs[E_DOC_A];
    ck_assert_uint_eq(a->len, strlen(SAMPLE_META_A_CANON));
    ck_assert_mem_eq(a->meta, SAMPLE_META_A_CANON, a->len);
    ck_assert(a->meta < S.v.index || a->meta >= end);
    ck_assert_ptr_eq(a->leaf, idx.page_bufs[0]);
    ck_assert_uint_eq(a->leaf_len, QUIRE_ENTRY_FIXED_BYTES + 10 + a->len);
    ck_assert_ptr_eq(a->meta, a->leaf + a->leaf_len - a->len);
    for (int i = 1; i < N_ENTRIES; i++) {
        ck_assert_uint_eq(idx.meta_refs[i].len, 0);
        ck_assert_ptr_eq(idx.meta_refs[i].leaf,
                         idx.meta_refs[i - 1].leaf + idx.meta_refs[i - 1].leaf_len);
    }
    quire_index_free(&idx);
}
END_TEST

/* SPEC 5.3: the record L of each entry, field by field. */
START_TEST(index_leaf_is_the_entry_record)
{
    quire_index idx = parse_sample();
    for (uint32_t i = 0; i < N_ENTRIES; i++) {
        const quire_entry *e = &idx.entries[i];
        const uint8_t *L = idx.meta_refs[i].leaf, *q = L + 2 + e->path_len;
        ck_assert_uint_eq(quire_load16(L), e->path_len);
        ck_assert_mem_eq(L + 2, e->path, e->path_len);
        ck_assert(quire_load64(q) == e->size);
        ck_assert_mem_eq(q + 8, e->sha256, 32);
        ck_assert_uint_eq(q[40], e->role);
        ck_assert_uint_eq(q[41], e->flags);
        ck_assert_uint_eq(quire_load32(q + 42), e->link);
        ck_assert_uint_eq(quire_load32(q + 46), idx.meta_refs[i].len);
    }
    quire_index_free(&idx);
}
END_TEST

/* SPEC 5.6: the root is the RFC 9162 tree over SHA-256(0x00 || "Q" || L). */
START_TEST(index_root_is_the_tree_of_the_records)
{
    quire_index idx = parse_sample();
    uint8_t leaf[5][32], l01[32], l23[32], l0123[32], root[32];
    for (uint32_t i = 0; i < N_ENTRIES; i++) {
        crypto_hash_sha256_state h;
        crypto_hash_sha256_init(&h);
        crypto_hash_sha256_update(&h, (const uint8_t *)"\0Q", 2);
        crypto_hash_sha256_update(&h, idx.meta_refs[i].leaf, idx.meta_refs[i].leaf_len);
        crypto_hash_sha256_final(&h, leaf[i]);
    }
    quire_merkle_node(leaf[0], leaf[1], l01);
    quire_merkle_node(leaf[2], leaf[3], l23);
    quire_merkle_node(l01, l23, l0123);
    quire_merkle_node(l0123, leaf[4], root); /* 5 leaves: the left subtree holds 4 */
    ck_assert_mem_eq(idx.root, root, 32);
    quire_error err = {0};
    ASSERT_OK(quire_index_check_root(&idx, &err), err);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_parses_links)
{
    quire_index idx = parse_sample();
    ck_assert_uint_eq(idx.entries[E_DOC_A].link, E_ORIG_A);
    for (int i = 1; i < N_ENTRIES; i++)
        ck_assert_uint_eq(idx.entries[i].link, QUIRE_LINK_NONE);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_derives_stream_offsets_and_first_unit)
{
    quire_index idx = parse_sample();
    ck_assert(idx.entries[E_DOC_A].stream_offset == 0);
    ck_assert(idx.entries[E_DOC_B].stream_offset == 6);
    ck_assert(idx.entries[E_ORIG_A].stream_offset == 3006);
    ck_assert(idx.entries[E_ORIG_B].stream_offset == 5006);
    ck_assert(idx.entries[E_BIG].stream_offset == 5006);
    ck_assert_uint_eq(idx.entries[E_DOC_A].first_unit, 0);
    ck_assert_uint_eq(idx.entries[E_ORIG_A].first_unit, 0);
    ck_assert_uint_eq(idx.entries[E_BIG].first_unit, 1);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_units_tile_the_data_region)
{
    quire_index idx = parse_sample();
    uint64_t file_off = QUIRE_HEADER_BYTES, stream_off = 0;
    for (uint32_t u = 0; u < idx.unit_count; u++) {
        const quire_unit *un = &idx.units[u];
        ck_assert(un->file_offset == file_off);
        ck_assert(un->stream_offset == stream_off);
        uint8_t h[32];
        crypto_generichash(h, 32, S.file + file_off, (size_t)un->stored_size, NULL, 0);
        ck_assert_mem_eq(h, un->hash, 32);
        file_off += un->stored_size;
        stream_off += un->raw_size;
    }
    ck_assert(file_off == S.v.index_offset);
    ck_assert(idx.units[0].raw_size == 5006);
    ck_assert(idx.units[1].raw_size == QUIRE_UNIT_TARGET_BYTES);
    ck_assert(idx.units[2].raw_size == SAMPLE_BIG_BYTES - QUIRE_UNIT_TARGET_BYTES);
    ck_assert_uint_eq(idx.units[1].compression, QUIRE_COMP_DEFLATE);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_find_hits_every_path)
{
    quire_index idx = parse_sample();
    for (uint32_t i = 0; i < N_ENTRIES; i++) {
        uint32_t at = 99;
        ck_assert_int_eq(quire_index_find(&idx, S.path[i], &at), QUIRE_OK);
        ck_assert_uint_eq(at, i);
    }
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_find_misses_near_names)
{
    const char *miss[] = {"",  "docs",       "docs/", "docs/a.tx",   "docs/a.txtx", "docs/a.txt/",
                          "a", "orig/c.pdf", "zz",    "z/big.bin\n", "Docs/a.txt"};
    quire_index idx = parse_sample();
    for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++) {
        uint32_t at = 77;
        ck_assert_msg(quire_index_find(&idx, miss[i], &at) == QUIRE_E_NOTFOUND, "%s", miss[i]);
        ck_assert_uint_eq(at, 77);
    }
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_free_accepts_zeroed_and_freed)
{
    quire_index idx = parse_sample();
    quire_index_free(&idx);
    assert_index_empty(&idx);
    quire_index_free(&idx);
    quire_index_free(NULL);
    memset(&idx, 0, sizeof idx);
    quire_index_free(&idx);
}
END_TEST

/* The editor must reproduce the writer's bytes exactly, or its mutations test something else. */
START_TEST(editor_reproduces_the_writers_region)
{
    size_t len;
    ie_index *x = sample();
    uint8_t *b = ie_encode(x, &len);
    ck_assert_uint_eq(len, S.v.index_len);
    ck_assert_msg(memcmp(b, S.v.index, len) == 0, "the editor changed the sample region");
    ck_assert_uint_eq(x->npages, 1);
    ck_assert_uint_eq(x->pages[0].count, N_ENTRIES);
    ck_assert_mem_eq(x->pages[0].first, "docs/a.txt", 10);
    free(b);
    ie_free(x);
}
END_TEST

/* The reference writer closes a page once it reaches 64 KiB (packer policy): 1,500 records of
 * 90 bytes take three pages, whose directory records the parser follows. */
START_TEST(index_of_many_entries_spans_pages)
{
    size_t len, elen;
    bundle_view v;
    quire_index idx;
    quire_error err = {0};
    uint8_t *b = many_entries_bundle(1500, &len);
    bundle_locate(b, len, &v);
    ASSERT_OK(parse_copy(v.index, v.index_len, v.header, 0, &idx, &err), err);
    ck_assert_uint_eq(idx.entry_count, 1500);
    ck_assert_uint_eq(idx.entry_page_count, 3);
    ck_assert_uint_eq(idx.unit_count, 0);
    ck_assert_str_eq(idx.entries[1499].path, "dir14/a-rather-long-file-name-001499.txt");
    quire_index_free(&idx);
    ie_index *x = ie_decode(v.index, v.index_len);
    ck_assert_uint_eq(x->npages, 3);
    for (uint32_t k = 0; k < 3; k++)
        ck_assert_uint_le(x->pages[k].raw_len, QUIRE_PAGE_TARGET_BYTES);
    ck_assert_uint_eq(x->pages[0].count + x->pages[1].count + x->pages[2].count, 1500);
    uint8_t *e = ie_encode(x, &elen);
    ck_assert_uint_eq(elen, v.index_len);
    ck_assert_msg(memcmp(e, v.index, elen) == 0, "the editor changed a three-page region");
    free(e);
    ie_free(x);
    free(b);
}
END_TEST

/* The smallest region: the statement alone, with the root of the empty tree. */
START_TEST(index_of_empty_bundle_is_its_statement)
{
    size_t len, blen;
    quire_index idx;
    quire_error err = {0};
    bundle_view v;
    uint8_t empty[32];
    ie_index *x = ie_new(S.v.header);
    uint8_t *b = ie_encode(x, &len);
    ck_assert_uint_eq(len, QUIRE_STATEMENT_BYTES);
    crypto_hash_sha256(empty, NULL, 0);
    ck_assert_mem_eq(b + 96, empty, 32);  /* SPEC 5.6: SHA-256 of nothing */
    ck_assert_mem_eq(b + 128, empty, 32); /* no directory, no metadata */
    ck_assert(quire_load64(b + 48) == QUIRE_HEADER_BYTES);
    ASSERT_OK(parse_copy(b, len, S.v.header, 0, &idx, &err), err);
    ck_assert_uint_eq(idx.entry_count, 0);
    ck_assert_uint_eq(idx.entry_page_count, 0);
    ck_assert(idx.stream_size == 0);
    uint32_t at;
    ck_assert_int_eq(quire_index_find(&idx, "a", &at), QUIRE_E_NOTFOUND);
    quire_index_free(&idx);
    /* the writer's empty bundle is the same statement */
    quire_pubkey pk;
    quire_seckey *sk = NULL;
    ASSERT_OK(quire_keypair_generate(&sk, &pk, &err), err);
    uint8_t *file = bundle_bytes(NULL, 0, NULL, sk, &blen);
    bundle_locate(file, blen, &v);
    ck_assert_uint_eq(v.index_len, QUIRE_STATEMENT_BYTES);
    ck_assert_mem_eq(v.index, b, QUIRE_STATEMENT_BYTES);
    quire_seckey_free(sk);
    ie_free(x);
    free(file);
    free(b);
}
END_TEST

START_TEST(index_of_only_empty_entries_parses)
{
    ie_index *x = ie_new(S.v.header);
    ie_add_entry(x, "a", 0, QUIRE_ROLE_DOCUMENT, 0, QUIRE_LINK_NONE, NULL);
    ie_add_entry(x, "b/c", 0, QUIRE_ROLE_DOCUMENT, 0, QUIRE_LINK_NONE, "{}");
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert_uint_eq(idx.unit_count, 0);
    ck_assert_uint_eq(idx.meta_refs[1].len, 2);
    ck_assert_uint_eq(idx.entries[1].first_unit, 0);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_accepts_more_units_than_entries)
{
    /* One entry may span several units (SPEC 5.3: where unit boundaries fall relative to
     * entry boundaries is not constrained). */
    ie_index *x = ie_new(S.v.header);
    ie_add_unit(x, QUIRE_COMP_STORE, 1, 1);
    ie_add_unit(x, QUIRE_COMP_STORE, 1, 1);
    ie_add_unit(x, QUIRE_COMP_DEFLATE, 2, 3);
    ie_add_entry(x, "only", 5, QUIRE_ROLE_DOCUMENT, 0, QUIRE_LINK_NONE, NULL);
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert_uint_eq(idx.unit_count, 3);
    ck_assert_uint_eq(idx.entries[0].first_unit, 0);
    ck_assert(idx.stream_size == 5);
    ck_assert(idx.index_offset == QUIRE_HEADER_BYTES + 4);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_accepts_as_many_units_as_entries)
{
    ie_index *x = ie_new(S.v.header);
    ie_add_unit(x, QUIRE_COMP_STORE, 1, 1);
    ie_add_unit(x, QUIRE_COMP_STORE, 2, 2);
    ie_add_entry(x, "a", 0, QUIRE_ROLE_DOCUMENT, 0, QUIRE_LINK_NONE, NULL);
    ie_add_entry(x, "b", 3, QUIRE_ROLE_DOCUMENT, 0, QUIRE_LINK_NONE, NULL);
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert_uint_eq(idx.entries[1].first_unit, 0);
    ck_assert(idx.units[1].stream_offset == 1);
    quire_index_free(&idx);
}
END_TEST

/* 1,500 units take two unit pages (SPEC 5.2: 1,024 records a page), each authenticated and
 * placed by its own directory record. */
START_TEST(index_of_two_unit_pages_parses)
{
    ie_index *x = ie_new(S.v.header);
    for (uint32_t u = 0; u < 1500; u++)
        ie_add_unit(x, QUIRE_COMP_STORE, 1 + u % 3, 1 + u % 3);
    ie_add_entry(x, "a", 1500 * 2, QUIRE_ROLE_DOCUMENT, 0, QUIRE_LINK_NONE, NULL);
    size_t len;
    uint8_t *b = ie_encode(x, &len);
    /* units 0..1023 hold 341 x (1 + 2 + 3) + 1 = 2,047 bytes */
    ck_assert(x->upages[1].file_off == QUIRE_HEADER_BYTES + 2047);
    ck_assert(x->upages[1].stream_off == 2047);
    quire_index idx;
    quire_error err = {0};
    ASSERT_OK(parse_copy(b, len, S.v.header, 0, &idx, &err), err);
    ck_assert_uint_eq(idx.unit_count, 1500);
    ck_assert(idx.units[1024].file_offset == QUIRE_HEADER_BYTES + 2047);
    ck_assert(idx.units[1024].stream_offset == 2047);
    ck_assert(idx.stream_size == 3000);
    quire_index_free(&idx);
    /* the second page's hash covers its 476 records only */
    uint8_t *m = malloc(len);
    memcpy(m, b, len);
    m[1023 * QUIRE_UNIT_RECORD_BYTES + 12 + x->pages[0].stored_len] ^= 1; /* unit 1023's hash */
    expect_refused(m, len, S.v.header, QUIRE_E_HASH,
                   "unit page 0 does not match its SHA-256 (SPEC 9 step 8)");
    m = malloc(len);
    memcpy(m, b, len);
    m[1024 * QUIRE_UNIT_RECORD_BYTES + 12 + x->pages[0].stored_len] ^= 1; /* unit 1024's hash */
    expect_refused(m, len, S.v.header, QUIRE_E_HASH,
                   "unit page 1 does not match its SHA-256 (SPEC 9 step 8)");
    free(b);
    ie_free(x);
}
END_TEST

/* ---- the statement (SPEC 5.1) ---- */

START_TEST(index_rejects_region_smaller_than_statement)
{
    for (size_t len = 0; len < QUIRE_STATEMENT_BYTES; len++) {
        quire_index idx;
        quire_error err = {0};
        ASSERT_FAILS(parse_copy(S.v.index + S.v.index_len - len, len, S.v.header, 0, &idx, &err),
                     err, QUIRE_E_FORMAT, "index smaller than its statement (SPEC 5.1)");
        assert_index_empty(&idx);
    }
}
END_TEST

START_TEST(index_rejects_bad_domain)
{
    for (int i = 0; i < QUIRE_STATEMENT_DOMAIN_BYTES; i++) {
        ie_index *x = sample();
        x->domain[i] ^= i == 15 ? 0x01 : 0x20; /* the NUL is part of the string */
        expect_model_refused(x, S.v.header, QUIRE_E_FORMAT,
                             "statement: bad domain string (SPEC 5.1)");
    }
    /* the format 1 index domain is not the statement's */
    ie_index *x = sample();
    memcpy(x->domain, "quire index v1\0\0", 16);
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, "bad domain string");
}
END_TEST

START_TEST(index_rejects_header_copy_mismatch)
{
    ie_index *x = sample();
    x->header[8] = 1; /* a format 1 header copied into a format 2 statement */
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT,
                         "statement: header copy differs from the file header (SPEC 5.1)");
    for (int i = 0; i < QUIRE_HEADER_BYTES; i += 7) {
        uint8_t other[32];
        quire_index idx;
        quire_error err = {0};
        memcpy(other, S.v.header, 32);
        other[i] ^= 0x10;
        ASSERT_FAILS(parse_copy(S.v.index, S.v.index_len, other, 0, &idx, &err), err,
                     QUIRE_E_FORMAT, "header copy differs");
    }
}
END_TEST

START_TEST(index_rejects_wrong_size_field)
{
    static const int64_t delta[] = {1, -1, INT64_C(1) << 32, -(int64_t)QUIRE_STATEMENT_BYTES};
    for (size_t k = 0; k < sizeof delta / sizeof delta[0]; k++) {
        ie_index *x = sample();
        x->fixed |= IE_S_INDEX_SIZE;
        x->index_size = S.v.index_len + (uint64_t)delta[k];
        expect_model_refused(x, S.v.header, QUIRE_E_FORMAT,
                             "statement: index size field is wrong (SPEC 5.1)");
    }
}
END_TEST

START_TEST(index_rejects_index_offset_inside_header)
{
    static const uint64_t offs[] = {0, 1, QUIRE_HEADER_BYTES - 1};
    for (size_t k = 0; k < 3; k++) {
        ie_index *x = sample();
        x->fixed |= IE_S_INDEX_OFFSET;
        x->index_offset = offs[k];
        expect_model_refused(x, S.v.header, QUIRE_E_FORMAT,
                             "statement: index offset inside the header (SPEC 5.1)");
    }
}
END_TEST

START_TEST(index_rejects_counts_over_limits)
{
    static const uint32_t entries[] = {QUIRE_MAX_ENTRIES + 1, UINT32_MAX};
    static const uint32_t units[] = {QUIRE_MAX_UNITS + 1, UINT32_MAX};
    for (int k = 0; k < 2; k++) {
        ie_index *x = sample();
        x->fixed |= IE_S_ENTRY_COUNT;
        x->entry_count = entries[k];
        expect_model_refused(x, S.v.header, QUIRE_E_LIMIT,
                             "statement: more than 16777216 entries or 67108864 units (SPEC 8)");
        x = sample();
        x->fixed |= IE_S_UNIT_COUNT;
        x->unit_count = units[k];
        expect_model_refused(x, S.v.header, QUIRE_E_LIMIT, "entries or 67108864 units (SPEC 8)");
    }
}
END_TEST

START_TEST(index_rejects_bundle_meta_len_over_limit)
{
    ie_index *x = sample();
    x->fixed |= IE_S_META_LEN;
    x->meta_len = QUIRE_MAX_BUNDLE_META_BYTES + 1;
    expect_model_refused(x, S.v.header, QUIRE_E_LIMIT,
                         "statement: bundle metadata larger than 1048576 bytes (SPEC 8)");
}
END_TEST

START_TEST(index_rejects_directory_over_limit)
{
    ie_index *x = sample();
    x->fixed |= IE_S_DIR_SIZE;
    x->dir_size = QUIRE_MAX_DIRECTORY_BYTES + 1;
    expect_model_refused(x, S.v.header, QUIRE_E_LIMIT,
                         "statement: directory larger than 67108864 bytes (SPEC 8)");
    x = sample();
    x->fixed |= IE_S_DIR_SIZE;
    x->dir_size = UINT64_MAX;
    expect_model_refused(x, S.v.header, QUIRE_E_LIMIT, "statement: directory larger than");
}
END_TEST

/* SPEC 5.1: entry_page_count is 0 iff entry_count is, and at most entry_count. */
START_TEST(index_rejects_page_count_inconsistent_with_entries)
{
    ie_index *x = sample();
    x->fixed |= IE_S_PAGE_COUNT;
    x->page_count = 0;
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT,
                         "statement: 0 entry pages for 5 entries (SPEC 5.1)");
    x = sample();
    x->fixed |= IE_S_PAGE_COUNT;
    x->page_count = N_ENTRIES + 1;
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, "statement: 6 entry pages for 5 entries");
    x = ie_new(S.v.header);
    x->fixed |= IE_S_PAGE_COUNT;
    x->page_count = 1;
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, "statement: 1 entry pages for 0 entries");
}
END_TEST

START_TEST(index_rejects_parts_that_do_not_fit)
{
    static const char *fit = "statement: unit table, directory and metadata do not fit in the "
                             "index (SPEC 5.1)";
    ie_index *x = sample();
    x->fixed |= IE_S_UNIT_COUNT;
    x->unit_count = (uint32_t)(S.v.index_len / QUIRE_UNIT_RECORD_BYTES);
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, fit);
    x = sample();
    x->fixed |= IE_S_UNIT_COUNT;
    x->unit_count = QUIRE_MAX_UNITS; /* at the limit: only a fit problem */
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, fit);
    x = sample();
    x->fixed |= IE_S_META_LEN;
    x->meta_len = QUIRE_MAX_BUNDLE_META_BYTES;
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, fit);
    x = sample();
    x->fixed |= IE_S_DIR_SIZE;
    x->dir_size = S.v.index_len;
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, fit);
}
END_TEST

/* The statement's entry count sizes the parser's largest tables (80 bytes an entry); they are
 * allocated only once the directory's page counts agree with it, so that a statement alone
 * cannot make the parser allocate for 2^24 entries. */
START_TEST(index_entry_count_allocates_nothing_until_the_directory_agrees)
{
    static const uint32_t counts[] = {N_ENTRIES + 1, 1u << 20, QUIRE_MAX_ENTRIES};
    for (size_t k = 0; k < 3; k++) {
        ie_index *x = sample();
        char want[80];
        x->fixed |= IE_S_ENTRY_COUNT;
        x->entry_count = counts[k];
        snprintf(want, sizeof want, "entry pages hold 5 entries, the statement says %u (SPEC 5.4)",
                 counts[k]);
        size_t len;
        uint8_t *b = ie_encode(x, &len);
        ie_free(x);
        largest_calloc = 0;
        expect_refused(b, len, S.v.header, QUIRE_E_FORMAT, want);
        ck_assert_msg(largest_calloc < 4096, "%u entries: a calloc of %zu bytes", counts[k],
                      largest_calloc);
    }
    /* the sample itself: tables for its 5 entries and 3 units */
    largest_calloc = 0;
    quire_index idx = parse_sample();
    ck_assert_uint_gt(largest_calloc, 0);
    ck_assert_uint_lt(largest_calloc, 64u << 10);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_rejects_directory_too_small_for_page_count)
{
    /* 5 pages claimed for 5 entries: 5 x 55 directory bytes at least, the directory has 112 */
    ie_index *x = sample();
    x->fixed |= IE_S_PAGE_COUNT;
    x->page_count = N_ENTRIES;
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT,
                         "directory too small for 5 entry pages (SPEC 5.4)");
}
END_TEST

/* ---- the hashes: every part is bound to the statement (SPEC 9 steps 7-9, 5.6) ---- */

START_TEST(index_rejects_directory_changed_without_reseal)
{
    size_t dir = dir_off(), dir_len = meta_off() - dir;
    ck_assert_uint_eq(dir_len, QUIRE_DIR_ENTRY_PAGE_BYTES + 10 + QUIRE_DIR_UNIT_PAGE_BYTES);
    for (size_t i = 0; i < dir_len; i++) {
        uint8_t *m = dup_region();
        m[dir + i] ^= 0x01;
        expect_refused(m, S.v.index_len, S.v.header, QUIRE_E_HASH,
                       "directory or bundle metadata does not match the statement's SHA-256 "
                       "(SPEC 9 step 7)");
    }
}
END_TEST

START_TEST(index_rejects_bundle_meta_changed_without_reseal)
{
    uint8_t *m = dup_region();
    m[meta_off() + 5] = '2'; /* {"n":2} */
    expect_refused(m, S.v.index_len, S.v.header, QUIRE_E_HASH,
                   "directory or bundle metadata does not match the statement's SHA-256");
    m = dup_region();
    m[st_off() + 128 + 31] ^= 0x80; /* the statement's hash itself */
    expect_refused(m, S.v.index_len, S.v.header, QUIRE_E_HASH, "(SPEC 9 step 7)");
    /* through the editor: any dir_hash but the right one */
    ie_index *x = sample();
    x->fixed |= IE_S_DIR_HASH;
    x->dir_hash[0] ^= 1;
    expect_model_refused(x, S.v.header, QUIRE_E_HASH, "(SPEC 9 step 7)");
}
END_TEST

START_TEST(index_rejects_unit_record_changed_without_reseal)
{
    for (size_t i = 0; i < 3 * QUIRE_UNIT_RECORD_BYTES; i += 5) {
        uint8_t *m = dup_region();
        m[units_off() + i] ^= 0x02;
        expect_refused(m, S.v.index_len, S.v.header, QUIRE_E_HASH,
                       "unit page 0 does not match its SHA-256 (SPEC 9 step 8)");
    }
    ie_index *x = sample();
    x->upages[0].fixed |= IE_U_SHA;
    x->upages[0].sha[7] ^= 1;
    expect_model_refused(x, S.v.header, QUIRE_E_HASH, "unit page 0 does not match its SHA-256");
}
END_TEST

START_TEST(index_rejects_entry_page_changed_without_reseal)
{
    for (size_t i = 0; i < units_off(); i++) {
        uint8_t *m = dup_region();
        m[i] ^= 0x40;
        expect_refused(m, S.v.index_len, S.v.header, QUIRE_E_HASH,
                       "entry page 0 does not match its SHA-256 (SPEC 9 step 9)");
    }
    ie_index *x = sample();
    x->pages[0].fixed |= IE_P_SHA;
    x->pages[0].sha[31] ^= 1;
    expect_model_refused(x, S.v.header, QUIRE_E_HASH, "entry page 0 does not match its SHA-256");
}
END_TEST

START_TEST(index_rejects_later_page_changed_without_reseal)
{
    ie_index *x = sample();
    ie_split_page(x, 0, 2);
    ie_split_page(x, 1, 2);
    ck_assert_uint_eq(x->npages, 3);
    size_t len;
    uint8_t *b = ie_encode(x, &len);
    size_t at = x->pages[0].stored_len + x->pages[1].stored_len + 3;
    b[at] ^= 0x08;
    expect_refused(b, len, S.v.header, QUIRE_E_HASH,
                   "entry page 2 does not match its SHA-256 (SPEC 9 step 9)");
    ie_free(x);
}
END_TEST

START_TEST(index_rejects_root_mismatch)
{
    for (int i = 0; i < 32; i += 3) {
        uint8_t *m = dup_region();
        m[st_off() + 96 + i] ^= 0x01;
        expect_refused(m, S.v.index_len, S.v.header, QUIRE_E_FORMAT,
                       "entry records do not hash to the statement's Merkle root (SPEC 5.6)");
    }
    /* a record changed and every page re-sealed, but the root left as it was: only the root
     * catches an entry's SHA-256 changed, as no other rule reads it */
    ie_index *x = sample();
    x->fixed |= IE_S_ROOT;
    ie_field(x, E_DOC_B, IE_F_SHA)[0] ^= 1;
    expect_model_refused(x, S.v.header, QUIRE_E_FORMAT, "do not hash to the statement's Merkle");
    /* the same change with the root re-sealed parses */
    x = sample();
    ie_field(x, E_DOC_B, IE_F_SHA)[0] ^= 1;
    quire_index idx = expect_model_ok(x, S.v.header);
    uint8_t want[32];
    crypto_hash_sha256(want, S.content[E_DOC_B], S.size[E_DOC_B]);
    want[0] ^= 1;
    ck_assert_mem_eq(idx.entries[E_DOC_B].sha256, want, 32);
    quire_index_free(&idx);
}
END_TEST

/* ---- deferred checks ---- */

START_TEST(index_defer_root_leaves_the_root_to_check_root)
{
    ie_index *x = sample();
    x->fixed |= IE_S_ROOT;
    x->root[0] ^= 1;
    size_t len;
    uint8_t *b = ie_encode(x, &len);
    quire_index idx;
    quire_error err = {0};
    ASSERT_FAILS(parse_copy(b, len, S.v.header, 0, &idx, &err), err, QUIRE_E_FORMAT,
                 "entry records do not hash to the statement's Merkle root (SPEC 5.6)");
    ASSERT_OK(quire_index_parse_ex(b, len, S.v.header, QUIRE_INDEX_DEFER_ROOT, &idx, &err), err);
    ck_assert_uint_eq(idx.entry_count, N_ENTRIES);
    ASSERT_FAILS(quire_index_check_root(&idx, &err), err, QUIRE_E_FORMAT,
                 "entry records do not hash to the statement's Merkle root (SPEC 5.6)");
    quire_index_free(&idx);
    /* the good sample passes either way */
    ASSERT_OK(quire_index_parse_ex(S.v.index, S.v.index_len, S.v.header, QUIRE_INDEX_DEFER_ROOT,
                                   &idx, &err),
              err);
    ASSERT_OK(quire_index_check_root(&idx, &err), err);
    quire_index_free(&idx);
    free(b);
    ie_free(x);
}
END_TEST

START_TEST(index_defer_meta_leaves_entry_meta_to_check_meta)
{
    static const char bad[] = "{\"k\":1,\"j\":2}"; /* valid JSON, not canonical */
    ie_index *x = sample();
    ie_set_meta(x, E_DOC_A, bad, sizeof bad - 1);
    ie_set_meta(x, E_BIG, "{\"a\":[1,2]}", 11);
    size_t len;
    uint8_t *b = ie_encode(x, &len);
    quire_index idx;
    quire_error err = {0};
    ASSERT_FAILS(parse_copy(b, len, S.v.header, 0, &idx, &err), err, QUIRE_E_FORMAT,
                 "entry 0 (docs/a.txt): metadata is not a canonical JSON object: not in canonical "
                 "form from byte 2 (expected 'j\":2,\"k\":1}') (SPEC 5.5)");
    ASSERT_OK(parse_copy(b, len, S.v.header, QUIRE_INDEX_DEFER_META, &idx, &err), err);
    ck_assert_uint_eq(idx.meta_refs[E_DOC_A].len, sizeof bad - 1);
    ASSERT_FAILS(quire_index_check_meta(&idx, E_DOC_A, &err), err, QUIRE_E_FORMAT,
                 "entry 0 (docs/a.txt): metadata is not a canonical JSON object");
    ck_assert_int_eq(err.entry, 0);
    ck_assert_str_eq(err.rule, "SPEC 5.5");
    for (uint32_t i = 1; i < N_ENTRIES; i++)
        ASSERT_OK(quire_index_check_meta(&idx, i, &err), err);
    quire_index_free(&idx);
    free(b);
    ie_free(x);
}
END_TEST

START_TEST(index_defer_meta_still_checks_bundle_meta)
{
    ie_index *x = sample();
    ie_set_meta_bytes(x, "{ \"n\":1}", 8);
    size_t len;
    uint8_t *b = ie_encode(x, &len);
    quire_index idx;
    quire_error err = {0};
    ASSERT_FAILS(
        parse_copy(b, len, S.v.header, QUIRE_INDEX_DEFER_META | QUIRE_INDEX_DEFER_ROOT, &idx, &err),
        err, QUIRE_E_FORMAT,
        "bundle metadata is not a canonical JSON object: not in canonical form from "
        "byte 1");
    assert_index_empty(&idx);
    free(b);
    ie_free(x);
}
END_TEST

/* ---- robustness ---- */

/* Each of the parser's allocations fails in turn: the parse reports it and leaves nothing
 * behind (LeakSanitizer checks the ASan build). */
START_TEST(index_survives_every_failed_allocation)
{
    ie_index *x = sample();
    ie_split_page(x, 0, 3);
    size_t len, n = 1;
    uint8_t *b = ie_encode(x, &len);
    bool seen_index = false, seen_pages = false, seen_paths = false;
    for (;; n++) {
        quire_index idx;
        quire_error err = {0};
        calloc_calls = 0;
        fail_at = n;
        int rc = parse_copy(b, len, S.v.header, 0, &idx, &err);
        fail_at = 0;
        if (rc == QUIRE_OK) {
            quire_index_free(&idx);
            break;
        }
        ASSERT_FAILS(rc, err, QUIRE_E_NOMEM, "out of memory for the ");
        assert_index_empty(&idx);
        seen_index |= strcmp(err.msg, "out of memory for the index") == 0;
        seen_pages |= strcmp(err.msg, "out of memory for the entry pages") == 0;
        seen_paths |= strcmp(err.msg, "out of memory for the paths") == 0;
    }
    ck_assert_uint_ge(n, 7); /* pages, units, entries, references, raw pages, paths */
    ck_assert(seen_index && seen_pages && seen_paths);
    free(b);
    ie_free(x);
}
END_TEST

START_TEST(index_rejects_every_truncation)
{
    for (size_t len = 0; len < S.v.index_len; len++) {
        quire_index idx;
        quire_error err = {0};
        int rc = parse_copy(S.v.index, len, S.v.header, 0, &idx, &err);
        ck_assert_msg(rc == QUIRE_E_FORMAT, "length %zu: rc %d", len, rc);
        assert_index_empty(&idx);
    }
}
END_TEST

/* Every byte of the region is covered by a hash or checked against the header: no bit can
 * change unnoticed, and only the root's bits pass when the root is deferred. */
START_TEST(index_refuses_every_bit_flip)
{
    uint8_t *m = dup_region();
    size_t deferred_ok = 0;
    for (size_t i = 0; i < S.v.index_len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            quire_index idx;
            quire_error err = {0};
            m[i] ^= (uint8_t)(1u << bit);
            int rc = parse_copy(m, S.v.index_len, S.v.header, 0, &idx, &err);
            ck_assert_msg(rc == QUIRE_E_FORMAT || rc == QUIRE_E_HASH || rc == QUIRE_E_LIMIT,
                          "byte %zu bit %d: rc %d", i, bit, rc);
            assert_index_empty(&idx);
            rc = parse_copy(m, S.v.index_len, S.v.header, QUIRE_INDEX_DEFER_ROOT, &idx, &err);
            if (rc == QUIRE_OK) {
                ck_assert_msg(i >= st_off() + 96 && i < st_off() + 128, "byte %zu accepted", i);
                deferred_ok++;
                quire_index_free(&idx);
            }
            m[i] ^= (uint8_t)(1u << bit);
        }
    }
    ck_assert_uint_eq(deferred_ok, 256);
    free(m);
}
END_TEST

/* Bits flipped in the inflated page and everything re-sealed: the parser meets arbitrary
 * records behind valid hashes, and must answer with a rule, never crash or read outside. */
START_TEST(index_survives_every_resealed_page_bit_flip)
{
    ie_index *x = sample();
    size_t raw_len = x->pages[0].raw_len, accepted = 0;
    for (size_t i = 0; i < raw_len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            size_t len;
            quire_index idx;
            quire_error err = {0};
            x->pages[0].raw[i] ^= (uint8_t)(1u << bit);
            uint8_t *b = ie_encode(x, &len);
            int rc = parse_copy(b, len, S.v.header, 0, &idx, &err);
            ck_assert_msg(rc == QUIRE_OK || rc == QUIRE_E_FORMAT || rc == QUIRE_E_LIMIT,
                          "byte %zu bit %d: rc %d (%s)", i, bit, rc, err.msg);
            if (rc == QUIRE_OK) {
                accepted++;
                quire_index_free(&idx);
            } else {
                ck_assert_msg(strstr(err.msg, "(SPEC ") != NULL, "no rule in \"%s\"", err.msg);
                assert_index_empty(&idx);
            }
            free(b);
            x->pages[0].raw[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* the SHA-256 fields and size bits that keep the sums are not the parser's to judge */
    ck_assert_uint_ge(accepted, 8 * 32 * N_ENTRIES);
    ie_free(x);
}
END_TEST

/* Every value of every statement byte from the index offset to the stream size, with the
 * directory hash re-sealed where the changed statement says the directory is. */
START_TEST(index_survives_every_statement_field_value)
{
    uint8_t *m = dup_region();
    size_t len = S.v.index_len;
    uint8_t *st = m + st_off();
    for (size_t i = 48; i < 96; i++) {
        uint8_t keep = st[i];
        for (int v = 0; v < 256; v++) {
            quire_index idx;
            quire_error err = {0};
            st[i] = (uint8_t)v;
            uint64_t tail = QUIRE_STATEMENT_BYTES + (uint64_t)quire_load32(st + 76) +
                            quire_load64(st + 80) +
                            (uint64_t)quire_load32(st + 68) * QUIRE_UNIT_RECORD_BYTES;
            uint8_t saved[32];
            memcpy(saved, st + 128, 32);
            if (tail <= len)
                crypto_hash_sha256(st + 128, m + len - tail + quire_load32(st + 68) * 44u,
                                   quire_load64(st + 80) + quire_load32(st + 76));
            int rc = parse_copy(m, len, S.v.header, 0, &idx, &err);
            ck_assert_msg(rc == QUIRE_OK || rc == QUIRE_E_FORMAT || rc == QUIRE_E_LIMIT ||
                              rc == QUIRE_E_HASH,
                          "byte %zu value %d: rc %d", i, v, rc);
            ck_assert_msg(rc != QUIRE_OK || v == keep, "byte %zu value %d accepted", i, v);
            if (rc == QUIRE_OK)
                quire_index_free(&idx);
            memcpy(st + 128, saved, 32);
        }
        st[i] = keep;
    }
    free(m);
}
END_TEST

static TCase *sample_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, sample_setup, sample_teardown);
    tcase_set_timeout(tc, 300);
    return tc;
}

static Suite *index_suite(void)
{
    Suite *s = suite_create("index");
    TCase *good = sample_tcase("good");
    tcase_add_test(good, index_parses_counts);
    tcase_add_test(good, index_parses_paths_sizes_roles);
    tcase_add_test(good, index_sha256_matches_content);
    tcase_add_test(good, index_statement_and_meta_locations);
    tcase_add_test(good, index_leaf_is_the_entry_record);
    tcase_add_test(good, index_root_is_the_tree_of_the_records);
    tcase_add_test(good, index_parses_links);
    tcase_add_test(good, index_derives_stream_offsets_and_first_unit);
    tcase_add_test(good, index_units_tile_the_data_region);
    tcase_add_test(good, index_find_hits_every_path);
    tcase_add_test(good, index_find_misses_near_names);
    tcase_add_test(good, index_free_accepts_zeroed_and_freed);
    tcase_add_test(good, editor_reproduces_the_writers_region);
    tcase_add_test(good, index_of_many_entries_spans_pages);
    tcase_add_test(good, index_of_empty_bundle_is_its_statement);
    tcase_add_test(good, index_of_only_empty_entries_parses);
    tcase_add_test(good, index_accepts_more_units_than_entries);
    tcase_add_test(good, index_accepts_as_many_units_as_entries);
    tcase_add_test(good, index_of_two_unit_pages_parses);
    suite_add_tcase(s, good);

    TCase *st = sample_tcase("statement");
    tcase_add_test(st, index_rejects_region_smaller_than_statement);
    tcase_add_test(st, index_rejects_bad_domain);
    tcase_add_test(st, index_rejects_header_copy_mismatch);
    tcase_add_test(st, index_rejects_wrong_size_field);
    tcase_add_test(st, index_rejects_index_offset_inside_header);
    tcase_add_test(st, index_rejects_counts_over_limits);
    tcase_add_test(st, index_rejects_bundle_meta_len_over_limit);
    tcase_add_test(st, index_rejects_directory_over_limit);
    tcase_add_test(st, index_rejects_page_count_inconsistent_with_entries);
    tcase_add_test(st, index_rejects_parts_that_do_not_fit);
    tcase_add_test(st, index_rejects_directory_too_small_for_page_count);
    tcase_add_test(st, index_entry_count_allocates_nothing_until_the_directory_agrees);
    suite_add_tcase(s, st);

    TCase *h = sample_tcase("hashes");
    tcase_add_test(h, index_rejects_directory_changed_without_reseal);
    tcase_add_test(h, index_rejects_bundle_meta_changed_without_reseal);
    tcase_add_test(h, index_rejects_unit_record_changed_without_reseal);
    tcase_add_test(h, index_rejects_entry_page_changed_without_reseal);
    tcase_add_test(h, index_rejects_later_page_changed_without_reseal);
    tcase_add_test(h, index_rejects_root_mismatch);
    tcase_add_test(h, index_defer_root_leaves_the_root_to_check_root);
    tcase_add_test(h, index_defer_meta_leaves_entry_meta_to_check_meta);
    tcase_add_test(h, index_defer_meta_still_checks_bundle_meta);
    suite_add_tcase(s, h);

    /* one case each, so that CK_RUN_CASE can time them */
    TCase *cut = sample_tcase("truncation");
    tcase_add_test(cut, index_rejects_every_truncation);
    tcase_add_test(cut, index_survives_every_failed_allocation);
    suite_add_tcase(s, cut);
    TCase *flip = sample_tcase("bit_flips");
    tcase_add_test(flip, index_refuses_every_bit_flip);
    suite_add_tcase(s, flip);
    TCase *reseal = sample_tcase("resealed_flips");
    tcase_add_test(reseal, index_survives_every_resealed_page_bit_flip);
    suite_add_tcase(s, reseal);
    TCase *values = sample_tcase("statement_values");
    tcase_add_test(values, index_survives_every_statement_field_value);
    suite_add_tcase(s, values);
    return s;
}

int main(void)
{
    return run_suite(index_suite());
}
