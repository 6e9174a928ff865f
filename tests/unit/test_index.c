/* SPDX-License-Identifier: ISC */
/* test_index.c: the index parser (lib/read/quire_index.c, SPEC 5 and 9 steps 7-9).
 *
 * A sample bundle is written with the writer API once per test case; its index is parsed as is
 * and then mutated. The parser does not check signatures, so every mutation reaches the rule
 * it targets. Every parse works on an exact-size heap copy, so ASan sees any overread. */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "unit_support.h"

#define BIG_BYTES (1536u * 1024u)
#define META_A "{\"k\":1,\"j\":2}"
#define BUNDLE_META "{\"n\":1}"

enum { E_DOC_A, E_DOC_B, E_ORIG_A, E_ORIG_B, E_BIG, N_ENTRIES };

typedef struct sample {
    uint8_t *file;
    size_t file_len;
    bundle_view v;
    uint32_t units; /* unit_count of the sample */
    uint8_t *content[N_ENTRIES];
    size_t size[N_ENTRIES];
    const char *path[N_ENTRIES];
} sample;

static sample S;

static void sample_setup(void)
{
    static const char *paths[N_ENTRIES] = {"docs/a.txt", "docs/b.txt", "orig/a.pdf", "orig/b.pdf",
                                           "z/big.bin"};
    static const size_t sizes[N_ENTRIES] = {6, 3000, 2000, 0, BIG_BYTES};
    quire_pubkey pk;
    quire_seckey *sk = NULL;
    quire_error err = {0};
    tfile f[N_ENTRIES];

    ASSERT_OK(quire_keypair_generate(&sk, &pk, &err), err);
    for (int i = 0; i < N_ENTRIES; i++) {
        S.path[i] = paths[i];
        S.size[i] = sizes[i];
        S.content[i] = malloc(sizes[i] + 1);
        for (size_t k = 0; k < sizes[i]; k++)
            S.content[i][k] = (uint8_t)("quire index test\n"[k % 17]);
        f[i] = tfile_make(paths[i], S.content[i], sizes[i]);
    }
    memcpy(S.content[E_DOC_A], "hello\n", 6);
    fill_random(S.content[E_ORIG_A], sizes[E_ORIG_A], 42);
    f[E_DOC_A].link = E_ORIG_A;
    f[E_DOC_A].meta = META_A;
    f[E_ORIG_A].role = f[E_ORIG_B].role = QUIRE_ROLE_ORIGINAL;
    f[E_BIG].flags = QUIRE_ENTRY_FLAG_EXEC;
    S.file = bundle_bytes(f, N_ENTRIES, BUNDLE_META, sk, &S.file_len);
    bundle_locate(S.file, S.file_len, &S.v);
    S.units = quire_load32(S.v.index + 68);
    quire_seckey_free(sk);
}

static void sample_teardown(void)
{
    for (int i = 0; i < N_ENTRIES; i++)
        free(S.content[i]);
    free(S.file);
    memset(&S, 0, sizeof S);
}

/* Byte offsets inside the sample index. */
static size_t unit_at(uint32_t u)
{
    return QUIRE_INDEX_FIXED_BYTES + (size_t)u * QUIRE_UNIT_RECORD_BYTES;
}

static size_t entry_at(uint32_t i)
{
    return unit_at(S.units) + (size_t)i * QUIRE_ENTRY_RECORD_BYTES;
}

static size_t path_at(uint32_t i)
{
    size_t off = entry_at(N_ENTRIES) + strlen(BUNDLE_META);
    for (uint32_t k = 0; k < i; k++)
        off += strlen(S.path[k]) + (k == E_DOC_A ? strlen(META_A) : 0);
    return off;
}

static uint8_t *dup_index(void)
{
    uint8_t *m = malloc(S.v.index_len);
    ck_assert_ptr_nonnull(m);
    memcpy(m, S.v.index, S.v.index_len);
    return m;
}

/* Parses len bytes of b from an exact-size heap copy. */
static int parse_copy(const uint8_t *b, size_t len, const uint8_t *header, quire_index *idx,
                      quire_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, b, len);
    int rc = quire_index_parse(copy, len, header, idx, err);
    /* the index borrows the buffer: check it is usable before freeing */
    for (uint32_t i = 0; rc == QUIRE_OK && i < idx->entry_count; i++) {
        uint32_t at = UINT32_MAX;
        ck_assert_int_eq(quire_index_find(idx, idx->entries[i].path, &at), QUIRE_OK);
        ck_assert_uint_eq(at, i);
    }
    free(copy);
    return rc;
}

static void assert_empty(const quire_index *idx)
{
    ck_assert_ptr_null(idx->entries);
    ck_assert_ptr_null(idx->units);
    ck_assert_ptr_null(idx->paths);
    ck_assert_uint_eq(idx->entry_count, 0);
}

/* Parses the mutated index m of len bytes and expects code and message substring. */
static void expect_refused(uint8_t *m, size_t len, int code, const char *sub)
{
    quire_index idx;
    quire_error err = {0};
    ASSERT_FAILS(parse_copy(m, len, S.v.header, &idx, &err), err, code, sub);
    assert_empty(&idx);
    free(m);
}

static quire_index parse_sample(void)
{
    quire_index idx;
    quire_error err = {0};
    ASSERT_OK(quire_index_parse(S.v.index, S.v.index_len, S.v.header, &idx, &err), err);
    return idx;
}

/* ---- indexes built byte by byte ---- */

typedef struct bentry {
    const char *path;
    uint64_t size;
    uint8_t role;
    uint32_t link; /* 0: none */
    const char *meta;
    size_t meta_len;
} bentry;

/* An index over stored units of the given raw sizes and the given entries, with no bundle
 * metadata. */
static uint8_t *build_index(const uint64_t *units, uint32_t nu, const bentry *e, uint32_t ne,
                            size_t *len)
{
    size_t heap = 0;
    uint64_t data = 0;
    for (uint32_t i = 0; i < ne; i++)
        heap += strlen(e[i].path) + e[i].meta_len;
    *len = QUIRE_INDEX_FIXED_BYTES + (size_t)(nu + ne) * 56 + heap;
    uint8_t *b = calloc(1, *len), *p = b + QUIRE_INDEX_FIXED_BYTES;
    ck_assert_ptr_nonnull(b);
    memcpy(b, QUIRE_INDEX_DOMAIN, 16);
    memcpy(b + 16, S.v.header, 32);
    for (uint32_t u = 0; u < nu; u++, p += 56) {
        quire_store64(p + 8, units[u]);
        quire_store64(p + 16, units[u]);
        data += units[u];
    }
    quire_store64(b + 48, QUIRE_HEADER_BYTES + data);
    quire_store64(b + 56, *len);
    quire_store32(b + 64, ne);
    quire_store32(b + 68, nu);
    uint8_t *h = p + (size_t)ne * 56;
    for (uint32_t i = 0; i < ne; i++, p += 56) {
        quire_store64(p, e[i].size);
        quire_store16(p + 40, (uint16_t)strlen(e[i].path));
        quire_store32(p + 44, (uint32_t)e[i].meta_len);
        p[42] = e[i].role ? e[i].role : QUIRE_ROLE_DOCUMENT;
        quire_store32(p + 48, e[i].link ? e[i].link : QUIRE_LINK_NONE);
        memcpy(h, e[i].path, strlen(e[i].path));
        h += strlen(e[i].path);
        if (e[i].meta_len > 0)
            memcpy(h, e[i].meta, e[i].meta_len);
        h += e[i].meta_len;
    }
    return b;
}

/* ---- a good index ---- */

START_TEST(index_parses_counts)
{
    quire_index idx = parse_sample();
    ck_assert_uint_eq(idx.entry_count, N_ENTRIES);
    ck_assert_uint_eq(idx.unit_count, 3); /* small entries, then 1 MiB + 0.5 MiB */
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

START_TEST(index_meta_borrows_the_buffer)
{
    quire_index idx = parse_sample();
    const uint8_t *heap = S.v.index + entry_at(N_ENTRIES);
    ck_assert_ptr_eq(idx.bundle_meta, heap);
    ck_assert_uint_eq(idx.bundle_meta_len, strlen(BUNDLE_META));
    ck_assert_mem_eq(idx.bundle_meta, BUNDLE_META, strlen(BUNDLE_META));
    const struct quire_meta_ref *a = &idx.meta_refs[E_DOC_A];
    ck_assert_ptr_eq(a->meta, S.v.index + path_at(E_DOC_A) + strlen(S.path[E_DOC_A]));
    ck_assert_uint_eq(a->len, strlen(META_A));
    ck_assert_mem_eq(a->meta, META_A, strlen(META_A));
    ck_assert_uint_eq(idx.meta_refs[E_DOC_B].len, 0);
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
    ck_assert(idx.units[2].raw_size == BIG_BYTES - QUIRE_UNIT_TARGET_BYTES);
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
    assert_empty(&idx);
    quire_index_free(&idx);
    quire_index_free(NULL);
    memset(&idx, 0, sizeof idx);
    quire_index_free(&idx);
}
END_TEST

START_TEST(index_of_empty_bundle_parses)
{
    size_t len;
    quire_index idx;
    quire_error err = {0};
    uint8_t *b = build_index(NULL, 0, NULL, 0, &len);
    ck_assert_uint_eq(len, QUIRE_INDEX_FIXED_BYTES);
    ASSERT_OK(parse_copy(b, len, S.v.header, &idx, &err), err);
    ck_assert_uint_eq(idx.entry_count, 0);
    ck_assert_uint_eq(idx.unit_count, 0);
    ck_assert(idx.index_offset == QUIRE_HEADER_BYTES);
    ck_assert(idx.stream_size == 0);
    uint32_t at;
    ck_assert_int_eq(quire_index_find(&idx, "a", &at), QUIRE_E_NOTFOUND);
    quire_index_free(&idx);
    free(b);
}
END_TEST

START_TEST(index_of_only_empty_entries_parses)
{
    const bentry e[] = {{"a", 0, 0, 0, NULL, 0}, {"b/c", 0, 0, 0, "{}", 2}};
    size_t len;
    quire_index idx;
    quire_error err = {0};
    uint8_t *b = build_index(NULL, 0, e, 2, &len);
    ASSERT_OK(parse_copy(b, len, S.v.header, &idx, &err), err);
    ck_assert_uint_eq(idx.unit_count, 0);
    ck_assert_uint_eq(idx.meta_refs[1].len, 2);
    quire_index_free(&idx);
    free(b);
}
END_TEST

/* ---- the fixed part (SPEC 5.1) ---- */

START_TEST(index_rejects_bad_domain)
{
    uint8_t *m = dup_index();
    m[14] = 'X';
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "index: bad domain string (SPEC 5.1)");
    m = dup_index();
    m[15] = 1; /* the NUL padding is part of the string */
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "bad domain string (SPEC 5.1)");
}
END_TEST

START_TEST(index_rejects_header_copy_mismatch)
{
    uint8_t *m = dup_index();
    m[16 + 20] = 1;
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "index: header copy differs from the file header (SPEC 5.1)");
    uint8_t other[32];
    quire_index idx;
    quire_error err = {0};
    memcpy(other, S.v.header, 32);
    other[31] = 1;
    ASSERT_FAILS(parse_copy(S.v.index, S.v.index_len, other, &idx, &err), err, QUIRE_E_FORMAT,
                 "header copy differs");
}
END_TEST

START_TEST(index_rejects_wrong_size_field)
{
    uint8_t *m = dup_index();
    quire_store64(m + 56, S.v.index_len + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "index: size field is wrong (SPEC 5.1)");
    m = dup_index();
    quire_store64(m + 56, S.v.index_len + (UINT64_C(1) << 32));
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "size field is wrong");
}
END_TEST

START_TEST(index_rejects_reserved_field)
{
    for (int i = 76; i < 80; i++) {
        uint8_t *m = dup_index();
        m[i] = 0x10;
        expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                       "index: reserved field not zero (SPEC 5.1)");
    }
}
END_TEST

START_TEST(index_rejects_entry_count_over_limit)
{
    uint8_t *m = dup_index();
    quire_store32(m + 64, QUIRE_MAX_ENTRIES + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "more than 16777216 entries");
    m = dup_index();
    quire_store32(m + 64, UINT32_MAX);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "(SPEC 8)");
}
END_TEST

START_TEST(index_rejects_unit_count_over_limit)
{
    /* SPEC 8: at most 2^26 units, checked before the tables are sized against the index */
    uint8_t *m = dup_index();
    quire_store32(m + 68, (UINT32_C(1) << 26) + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "units (SPEC 8)");
    m = dup_index();
    quire_store32(m + 68, UINT32_MAX);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "(SPEC 8)");
}
END_TEST

START_TEST(index_unit_count_at_limit_is_only_a_fit_problem)
{
    uint8_t *m = dup_index();
    quire_store32(m + 68, UINT32_C(1) << 26);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "do not fit in");
}
END_TEST

START_TEST(index_rejects_counts_that_do_not_fit)
{
    uint8_t *m = dup_index();
    quire_store32(m + 64, N_ENTRIES + 1000);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "do not fit in");
}
END_TEST

START_TEST(index_rejects_bundle_meta_over_limit)
{
    uint8_t *m = dup_index();
    quire_store32(m + 72, QUIRE_MAX_BUNDLE_META_BYTES + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT,
                   "index: bundle metadata larger than 1048576 bytes (SPEC 8)");
}
END_TEST

START_TEST(index_rejects_bundle_meta_past_end)
{
    uint8_t *m = dup_index();
    quire_store32(m + 72, (uint32_t)S.v.index_len);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "bundle metadata past the index end (SPEC 5.4)");
}
END_TEST

/* ---- unit records (SPEC 5.2) ---- */

START_TEST(index_rejects_unit_compression_2)
{
    uint8_t *m = dup_index();
    m[unit_at(1)] = 2;
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "unit 1: unknown compression 2 (SPEC 5.2)");
}
END_TEST

START_TEST(index_rejects_unit_reserved_bytes)
{
    for (size_t k = 1; k < 8; k++) {
        uint8_t *m = dup_index();
        m[unit_at(2) + k] = 0x01;
        expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                       "unit 2: reserved bytes are not zero (SPEC 5.2)");
    }
}
END_TEST

START_TEST(index_rejects_unit_raw_size_0)
{
    uint8_t *m = dup_index();
    quire_store64(m + unit_at(0) + 16, 0);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "unit 0: size 0 or above 16777216 bytes");
    m = dup_index();
    quire_store64(m + unit_at(0) + 8, 0);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "unit 0: size 0");
}
END_TEST

START_TEST(index_rejects_unit_over_16mib)
{
    uint8_t *m = dup_index();
    quire_store64(m + unit_at(1) + 16, QUIRE_MAX_UNIT_BYTES + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT,
                   "unit 1: size 0 or above 16777216 bytes (SPEC 8)");
    m = dup_index();
    quire_store64(m + unit_at(1) + 8, UINT64_MAX);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "unit 1: size 0 or above");
}
END_TEST

START_TEST(index_rejects_stored_unit_with_two_sizes)
{
    uint8_t *m = dup_index();
    ck_assert_uint_eq(m[unit_at(1)], QUIRE_COMP_DEFLATE);
    m[unit_at(1)] = QUIRE_COMP_STORE;
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "unit 1: stored unit with two different sizes (SPEC 5.2)");
}
END_TEST

START_TEST(index_rejects_units_not_filling_data_region)
{
    uint8_t *m = dup_index();
    quire_store64(m + 48, S.v.index_offset + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "units do not fill the data region exactly: gap, overlap or bytes inserted "
                   "(SPEC 5.2)");
    m = dup_index();
    quire_store64(m + 48, S.v.index_offset - 1);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "units do not fill the data region");
    m = dup_index();
    quire_store64(m + unit_at(0) + 8, quire_load64(m + unit_at(0) + 8) + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "units do not fill the data region");
}
END_TEST

/* ---- entry records (SPEC 5.3) ---- */

START_TEST(index_rejects_entry_roles_0_and_3)
{
    uint8_t *m = dup_index();
    m[entry_at(1) + 42] = 0;
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 1: unknown role 0 (SPEC 5.3)");
    m = dup_index();
    m[entry_at(3) + 42] = 3;
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 3: unknown role 3 (SPEC 5.3)");
}
END_TEST

START_TEST(index_rejects_reserved_flag_bits)
{
    for (int bit = 1; bit < 8; bit++) {
        uint8_t *m = dup_index();
        m[entry_at(2) + 43] = (uint8_t)(1u << bit);
        expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                       "entry 2: reserved flag bits are set (SPEC 5.3)");
    }
}
END_TEST

START_TEST(index_rejects_entry_reserved_bytes)
{
    for (size_t k = 52; k < 56; k++) {
        uint8_t *m = dup_index();
        m[entry_at(0) + k] = 0x80;
        expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                       "entry 0: reserved bytes are not zero (SPEC 5.3)");
    }
}
END_TEST

START_TEST(index_rejects_path_len_0)
{
    uint8_t *m = dup_index();
    quire_store16(m + entry_at(1) + 40, 0);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT,
                   "entry 1: path length 0 or above 4096 bytes (SPEC 8)");
}
END_TEST

START_TEST(index_rejects_path_len_over_4096)
{
    uint8_t *m = dup_index();
    quire_store16(m + entry_at(1) + 40, 4097);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT, "entry 1: path length 0 or above 4096");
}
END_TEST

START_TEST(index_rejects_meta_len_over_1mib)
{
    uint8_t *m = dup_index();
    quire_store32(m + entry_at(4) + 44, QUIRE_MAX_ENTRY_META_BYTES + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_LIMIT,
                   "entry 4: metadata larger than 1048576 bytes (SPEC 8)");
}
END_TEST

START_TEST(index_rejects_path_past_end)
{
    uint8_t *m = dup_index();
    quire_store16(m + entry_at(4) + 40, 4000);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "past the index end (SPEC 5.4)");
    m = dup_index();
    quire_store32(m + entry_at(4) + 44, 100);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 4: path or metadata past the index end (SPEC 5.4)");
}
END_TEST

/* ---- the heap (SPEC 5.4) and paths (SPEC 4) ---- */

START_TEST(index_rejects_heap_trailing_byte)
{
    uint8_t *m = malloc(S.v.index_len + 1);
    memcpy(m, S.v.index, S.v.index_len);
    m[S.v.index_len] = ' ';
    quire_store64(m + 56, S.v.index_len + 1);
    expect_refused(m, S.v.index_len + 1, QUIRE_E_FORMAT,
                   "1 unused bytes at the end of the index (SPEC 5.4)");
}
END_TEST

START_TEST(index_rejects_paths_out_of_order)
{
    uint8_t *m = dup_index();
    size_t a = path_at(E_DOC_A), b = path_at(E_DOC_B);
    ck_assert_mem_eq(m + a, "docs/a.txt", 10);
    ck_assert_mem_eq(m + b, "docs/b.txt", 10);
    m[a + 5] = 'b';
    m[b + 5] = 'a';
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 1 (docs/a.txt): paths not in strictly increasing byte order, or a "
                   "duplicate (SPEC 4.3)");
}
END_TEST

START_TEST(index_rejects_duplicate_path)
{
    uint8_t *m = dup_index();
    size_t b = path_at(E_DOC_B);
    m[b + 5] = 'a';
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 1 (docs/a.txt): paths not in strictly increasing byte order, or a "
                   "duplicate");
}
END_TEST

START_TEST(index_rejects_bad_path)
{
    uint8_t *m = dup_index();
    memcpy(m + path_at(E_DOC_A), "../x/a.txt", 10);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 0: '.' or '..' path component (SPEC 4.2)");
    m = dup_index();
    m[path_at(E_DOC_B) + 6] = '\0';
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 1: path is not printable UTF-8");
    m = dup_index();
    m[path_at(E_ORIG_A)] = '/';
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 2: absolute path (SPEC 4.2)");
}
END_TEST

/* ---- links (SPEC 5.3) ---- */

START_TEST(index_rejects_link_from_original)
{
    uint8_t *m = dup_index();
    quire_store32(m + entry_at(E_ORIG_B) + 48, E_ORIG_A);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 3 (orig/b.pdf): link must go from a document to an original (SPEC "
                   "5.3)");
}
END_TEST

START_TEST(index_rejects_link_to_document)
{
    uint8_t *m = dup_index();
    quire_store32(m + entry_at(E_DOC_A) + 48, E_DOC_B);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 0 (docs/a.txt): link must go from a document to an original");
    m = dup_index();
    quire_store32(m + entry_at(E_DOC_B) + 48, E_DOC_B); /* to itself */
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 1 (docs/b.txt): link must go");
}
END_TEST

START_TEST(index_rejects_link_out_of_range)
{
    uint8_t *m = dup_index();
    quire_store32(m + entry_at(E_DOC_A) + 48, N_ENTRIES);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 0 (docs/a.txt): link must go");
    m = dup_index();
    quire_store32(m + entry_at(E_BIG) + 48, UINT32_MAX - 1);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 4 (z/big.bin): link must go");
}
END_TEST

/* ---- metadata (SPEC 5.5) ---- */

START_TEST(index_rejects_bundle_meta_not_object)
{
    uint8_t *m = dup_index();
    memcpy(m + entry_at(N_ENTRIES), "[1,2,3]", 7);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "bundle metadata is not a JSON object (SPEC 5.5)");
    m = dup_index();
    memcpy(m + entry_at(N_ENTRIES), "\"text\"", 6);
    m[entry_at(N_ENTRIES) + 6] = ' ';
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "bundle metadata is not a JSON object");
}
END_TEST

START_TEST(index_rejects_entry_meta_invalid_json)
{
    size_t meta = path_at(E_DOC_A) + strlen(S.path[E_DOC_A]);
    uint8_t *m = dup_index();
    m[meta + strlen(META_A) - 1] = ' '; /* drop the closing brace */
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 0 (docs/a.txt): metadata is not a JSON object (SPEC 5.5)");
}
END_TEST

START_TEST(index_rejects_entry_meta_duplicate_key)
{
    size_t meta = path_at(E_DOC_A) + strlen(S.path[E_DOC_A]);
    uint8_t *m = dup_index();
    ck_assert_mem_eq(m + meta, META_A, strlen(META_A));
    m[meta + 8] = 'k'; /* {"k":1,"k":2} */
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 0 (docs/a.txt): metadata is not");
}
END_TEST

/* ---- sizes (SPEC 5.3) ---- */

START_TEST(index_rejects_entry_sizes_past_units)
{
    uint8_t *m = dup_index();
    quire_store64(m + entry_at(E_DOC_B), S.size[E_DOC_B] + 1);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry 4 (z/big.bin): size runs past the stored units (SPEC 5.3)");
    m = dup_index();
    quire_store64(m + entry_at(E_DOC_A), UINT64_MAX);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT, "entry 0 (docs/a.txt): size runs past");
}
END_TEST

START_TEST(index_rejects_entry_sizes_short_of_units)
{
    uint8_t *m = dup_index();
    quire_store64(m + entry_at(E_DOC_B), S.size[E_DOC_B] - 1);
    expect_refused(m, S.v.index_len, QUIRE_E_FORMAT,
                   "entry sizes do not add up to the unit sizes (SPEC 5.3)");
}
END_TEST

START_TEST(index_built_by_hand_parses)
{
    const uint64_t units[] = {3};
    const bentry e[] = {
        {"a/b", 1, 0, 0, NULL, 0}, {"a/c", 0, 0, 0, NULL, 0}, {"ab", 2, 0, 0, NULL, 0}};
    size_t len;
    quire_index idx;
    quire_error err = {0};
    uint8_t *b = build_index(units, 1, e, 3, &len);
    ASSERT_OK(parse_copy(b, len, S.v.header, &idx, &err), err);
    ck_assert_uint_eq(idx.entry_count, 3);
    quire_index_free(&idx);
    free(b);
}
END_TEST

/* Paths are compared eight bytes at a time: order and duplicates decided at, before and after
 * the eighth byte, and by length when one path is a prefix of the other. */
START_TEST(index_orders_paths_across_word_boundaries)
{
    static const struct {
        const char *first, *second;
        bool ok;
    } cases[] = {
        {"abcdefgh", "abcdefgi", true},
        {"abcdefgi", "abcdefgh", false},
        {"abcdefghijklmnopq", "abcdefghijklmnopr", true},
        {"abcdefghijklmnopr", "abcdefghijklmnopq", false},
        {"abcdefghijklmnop", "abcdefghijklmnop", false},
        {"abcdefghijklmno", "abcdefghijklmnop", true},
        {"abcdefghijklmnop", "abcdefghijklmno", false},
        {"abcdefg", "abcdefgh", true},
        {"abcdefgh", "abcdefg", false},
        {"abcdefgh\xc3\xa9", "abcdefghz", false}, /* bytes compare unsigned: 0xC3 > 'z' */
        {"abcdefghz", "abcdefgh\xc3\xa9", true},
    };
    const uint64_t units[] = {2};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const bentry e[] = {{cases[k].first, 1, 0, 0, NULL, 0},
                            {cases[k].second, 1, 0, 0, NULL, 0}};
        size_t len;
        quire_index idx;
        quire_error err = {0};
        uint8_t *b = build_index(units, 1, e, 2, &len);
        int rc = parse_copy(b, len, S.v.header, &idx, &err);
        ck_assert_msg((rc == QUIRE_OK) == cases[k].ok, "%s then %s: %s", cases[k].first,
                      cases[k].second, rc == QUIRE_OK ? "accepted" : err.msg);
        if (rc == QUIRE_OK)
            quire_index_free(&idx);
        else
            ck_assert_msg(strstr(err.msg, "not in strictly increasing byte order") != NULL, "%s",
                          err.msg);
        free(b);
    }
}
END_TEST

START_TEST(index_rejects_file_that_is_also_a_directory)
{
    const uint64_t units[] = {2};
    const bentry e[] = {{"a", 1, 0, 0, NULL, 0}, {"a/b", 1, 0, 0, NULL, 0}};
    size_t len;
    uint8_t *b = build_index(units, 1, e, 2, &len);
    expect_refused(b, len, QUIRE_E_FORMAT,
                   "entry 1 (a/b): a parent directory is also a file (SPEC 4.3)");
}
END_TEST

START_TEST(index_rejects_deep_file_directory_conflict)
{
    const uint64_t units[] = {2};
    const bentry e[] = {
        {"x/a.d", 1, 0, 0, NULL, 0}, {"x/a.d/y/z", 0, 0, 0, NULL, 0}, {"x/b", 1, 0, 0, NULL, 0}};
    size_t len;
    uint8_t *b = build_index(units, 1, e, 3, &len);
    expect_refused(b, len, QUIRE_E_FORMAT, "entry 1 (x/a.d/y/z): a parent directory is also");
}
END_TEST

START_TEST(index_accepts_more_units_than_entries)
{
    /* One entry may span several units (SPEC 5.3: where unit boundaries fall relative to
     * entry boundaries is not constrained). */
    const uint64_t units[] = {1, 1, 3};
    const bentry e[] = {{"only", 5, 0, 0, NULL, 0}};
    size_t len;
    quire_index idx;
    quire_error err = {0};
    uint8_t *b = build_index(units, 3, e, 1, &len);
    ASSERT_OK(parse_copy(b, len, S.v.header, &idx, &err), err);
    ck_assert_uint_eq(idx.unit_count, 3);
    ck_assert_uint_eq(idx.entries[0].first_unit, 0);
    ck_assert(idx.stream_size == 5);
    quire_index_free(&idx);
    free(b);
}
END_TEST

START_TEST(index_accepts_as_many_units_as_entries)
{
    const uint64_t units[] = {1, 2};
    const bentry e[] = {{"a", 0, 0, 0, NULL, 0}, {"b", 3, 0, 0, NULL, 0}};
    size_t len;
    quire_index idx;
    quire_error err = {0};
    uint8_t *b = build_index(units, 2, e, 2, &len);
    ASSERT_OK(parse_copy(b, len, S.v.header, &idx, &err), err);
    ck_assert_uint_eq(idx.entries[1].first_unit, 0);
    ck_assert(idx.units[1].stream_offset == 1);
    quire_index_free(&idx);
    free(b);
}
END_TEST

/* ---- metadata restrictions (SPEC 5.5) ---- */

static int parse_meta(const char *meta, size_t mlen, quire_error *err)
{
    const uint64_t units[] = {1};
    bentry e[] = {{"m", 1, 0, 0, NULL, 0}};
    char *copy = malloc(mlen + 1);
    memcpy(copy, meta, mlen);
    copy[mlen] = '\0';
    e[0].meta = copy;
    e[0].meta_len = mlen;
    size_t len;
    quire_index idx;
    uint8_t *b = build_index(units, 1, e, 1, &len);
    int rc = parse_copy(b, len, S.v.header, &idx, err);
    quire_index_free(&idx);
    free(b);
    free(copy);
    return rc;
}

#define META_OK(lit)                                                                               \
    do {                                                                                           \
        quire_error err_ = {0};                                                                    \
        ck_assert_msg(parse_meta(lit, sizeof lit - 1, &err_) == QUIRE_OK, "%s refused: %s", lit,   \
                      err_.msg);                                                                   \
    } while (0)

#define META_BAD(lit)                                                                              \
    do {                                                                                           \
        quire_error err_ = {0};                                                                    \
        ASSERT_FAILS(parse_meta(lit, sizeof lit - 1, &err_), err_, QUIRE_E_FORMAT,                 \
                     "entry 0 (m): metadata is not a JSON object (SPEC 5.5)");                     \
    } while (0)

START_TEST(meta_accepts_what_spec_allows)
{
    META_OK("");
    META_OK("{}");
    META_OK(" \n\t{\"a\": [1, 2.5, true, null, \"x\"]}\r\n ");
    META_OK("{\"min\":-9223372036854775808,\"max\":9223372036854775807}");
    META_OK("{\"c1\":\"\\u0085 and raw \xc2\x85\"}");
    META_OK("{\"pair\":\"\\ud83d\\ude00\"}");
    META_OK("{\"a\":{\"a\":1}}"); /* the same name in different objects */
}
END_TEST

START_TEST(meta_rejects_what_spec_forbids)
{
    META_BAD("[]");
    META_BAD("\"s\"");
    META_BAD("{}{}");
    META_BAD("{} x");
    META_BAD("\xef\xbb\xbf{}");
    META_BAD("{\"a\":1,\"a\":2}");
    META_BAD("{\"\\u0061\":1,\"a\":2}");
    META_BAD("{\"a\":\"\\u0000\"}");
    META_BAD("{\"\\u0000\":1}");
    META_BAD("{\"a\":\"\\ud800\"}");
    META_BAD("{\"a\":\"\xc0\xaf\"}");
    META_BAD("{\"a\":\"tab\there\"}");
    META_BAD("{\"a\":9223372036854775808}");
    META_BAD("{\"a\":1e400}");
    META_BAD("{\"a\":NaN}");
    META_BAD("{\"a\":Infinity}");
    META_BAD("{/* c */}");
    META_BAD("{\"a\":1,}");
}
END_TEST

START_TEST(meta_rejects_nul_byte)
{
    quire_error err = {0};
    ASSERT_FAILS(parse_meta("{}\0", 3, &err), err, QUIRE_E_FORMAT, "metadata is not a JSON object");
    ASSERT_FAILS(parse_meta("{\"a\":\"\0\"}", 9, &err), err, QUIRE_E_FORMAT, "metadata is not");
}
END_TEST

/* An object nested depth levels deep, the top level counting as one. */
static char *nested(int depth, size_t *len)
{
    char *s = malloc((size_t)depth * 6 + 8), *p = s;
    for (int i = 1; i < depth; i++)
        p += sprintf(p, "{\"a\":");
    p += sprintf(p, "{}");
    for (int i = 1; i < depth; i++)
        *p++ = '}';
    *p = '\0';
    *len = (size_t)(p - s);
    return s;
}

START_TEST(meta_nesting_limit_is_2048)
{
    quire_error err = {0};
    size_t len;
    char *ok = nested(2048, &len);
    ASSERT_OK(parse_meta(ok, len, &err), err);
    char *bad = nested(2049, &len);
    ASSERT_FAILS(parse_meta(bad, len, &err), err, QUIRE_E_FORMAT, "metadata is not a JSON object");
    free(ok);
    free(bad);
}
END_TEST

/* ---- robustness: every truncation, every bit flip ---- */

START_TEST(index_rejects_every_truncation)
{
    for (size_t len = 0; len < S.v.index_len; len++) {
        quire_index idx;
        quire_error err = {0};
        int rc = parse_copy(S.v.index, len, S.v.header, &idx, &err);
        ck_assert_msg(rc == QUIRE_E_FORMAT, "length %zu: rc %d", len, rc);
        assert_empty(&idx);
    }
}
END_TEST

START_TEST(index_rejects_every_truncation_with_size_field_fixed)
{
    uint8_t *m = dup_index();
    for (size_t len = 64; len < S.v.index_len; len++) {
        quire_index idx;
        quire_error err = {0};
        quire_store64(m + 56, len);
        int rc = parse_copy(m, len, S.v.header, &idx, &err);
        ck_assert_msg(rc == QUIRE_E_FORMAT || rc == QUIRE_E_LIMIT, "length %zu: rc %d (%s)", len,
                      rc, err.msg);
        ck_assert_msg(err.msg[0] != '\0', "length %zu: no message", len);
        assert_empty(&idx);
    }
    free(m);
}
END_TEST

START_TEST(index_survives_every_bit_flip)
{
    uint8_t *m = dup_index();
    size_t accepted = 0;
    for (size_t i = 0; i < S.v.index_len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            quire_index idx;
            quire_error err = {0};
            m[i] ^= (uint8_t)(1u << bit);
            int rc = parse_copy(m, S.v.index_len, S.v.header, &idx, &err);
            ck_assert_msg(rc == QUIRE_OK || rc == QUIRE_E_FORMAT || rc == QUIRE_E_LIMIT,
                          "byte %zu bit %d: rc %d", i, bit, rc);
            if (rc == QUIRE_OK) {
                accepted++;
                quire_index_free(&idx);
            } else {
                assert_empty(&idx);
            }
            m[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* flips inside hashes are not the parser's business: those must parse */
    ck_assert_uint_ge(accepted, 8 * 32 * (S.units + N_ENTRIES));
    free(m);
}
END_TEST

START_TEST(index_survives_byte_values_in_fixed_part)
{
    uint8_t *m = dup_index();
    for (size_t i = 48; i < QUIRE_INDEX_FIXED_BYTES; i++) {
        uint8_t keep = m[i];
        for (int v = 0; v < 256; v++) {
            quire_index idx;
            quire_error err = {0};
            m[i] = (uint8_t)v;
            int rc = parse_copy(m, S.v.index_len, S.v.header, &idx, &err);
            ck_assert_msg(rc == QUIRE_OK || rc == QUIRE_E_FORMAT || rc == QUIRE_E_LIMIT,
                          "byte %zu value %d: rc %d", i, v, rc);
            quire_index_free(&idx);
        }
        m[i] = keep;
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
    tcase_add_test(good, index_meta_borrows_the_buffer);
    tcase_add_test(good, index_parses_links);
    tcase_add_test(good, index_derives_stream_offsets_and_first_unit);
    tcase_add_test(good, index_units_tile_the_data_region);
    tcase_add_test(good, index_find_hits_every_path);
    tcase_add_test(good, index_find_misses_near_names);
    tcase_add_test(good, index_free_accepts_zeroed_and_freed);
    tcase_add_test(good, index_of_empty_bundle_parses);
    tcase_add_test(good, index_of_only_empty_entries_parses);
    tcase_add_test(good, index_built_by_hand_parses);
    tcase_add_test(good, index_accepts_as_many_units_as_entries);
    tcase_add_test(good, index_accepts_more_units_than_entries);
    tcase_add_test(good, meta_accepts_what_spec_allows);
    suite_add_tcase(s, good);

    TCase *bad = sample_tcase("mutated");
    tcase_add_test(bad, index_rejects_bad_domain);
    tcase_add_test(bad, index_rejects_header_copy_mismatch);
    tcase_add_test(bad, index_rejects_wrong_size_field);
    tcase_add_test(bad, index_rejects_reserved_field);
    tcase_add_test(bad, index_rejects_entry_count_over_limit);
    tcase_add_test(bad, index_rejects_unit_count_over_limit);
    tcase_add_test(bad, index_unit_count_at_limit_is_only_a_fit_problem);
    tcase_add_test(bad, index_rejects_counts_that_do_not_fit);
    tcase_add_test(bad, index_rejects_bundle_meta_over_limit);
    tcase_add_test(bad, index_rejects_bundle_meta_past_end);
    tcase_add_test(bad, index_rejects_unit_compression_2);
    tcase_add_test(bad, index_rejects_unit_reserved_bytes);
    tcase_add_test(bad, index_rejects_unit_raw_size_0);
    tcase_add_test(bad, index_rejects_unit_over_16mib);
    tcase_add_test(bad, index_rejects_stored_unit_with_two_sizes);
    tcase_add_test(bad, index_rejects_units_not_filling_data_region);
    tcase_add_test(bad, index_rejects_entry_roles_0_and_3);
    tcase_add_test(bad, index_rejects_reserved_flag_bits);
    tcase_add_test(bad, index_rejects_entry_reserved_bytes);
    tcase_add_test(bad, index_rejects_path_len_0);
    tcase_add_test(bad, index_rejects_path_len_over_4096);
    tcase_add_test(bad, index_rejects_meta_len_over_1mib);
    tcase_add_test(bad, index_rejects_path_past_end);
    tcase_add_test(bad, index_rejects_heap_trailing_byte);
    tcase_add_test(bad, index_rejects_paths_out_of_order);
    tcase_add_test(bad, index_rejects_duplicate_path);
    tcase_add_test(bad, index_orders_paths_across_word_boundaries);
    tcase_add_test(bad, index_rejects_bad_path);
    tcase_add_test(bad, index_rejects_link_from_original);
    tcase_add_test(bad, index_rejects_link_to_document);
    tcase_add_test(bad, index_rejects_link_out_of_range);
    tcase_add_test(bad, index_rejects_bundle_meta_not_object);
    tcase_add_test(bad, index_rejects_entry_meta_invalid_json);
    tcase_add_test(bad, index_rejects_entry_meta_duplicate_key);
    tcase_add_test(bad, index_rejects_entry_sizes_past_units);
    tcase_add_test(bad, index_rejects_entry_sizes_short_of_units);
    tcase_add_test(bad, index_rejects_file_that_is_also_a_directory);
    tcase_add_test(bad, index_rejects_deep_file_directory_conflict);
    tcase_add_test(bad, meta_rejects_what_spec_forbids);
    tcase_add_test(bad, meta_rejects_nul_byte);
    tcase_add_test(bad, meta_nesting_limit_is_2048);
    suite_add_tcase(s, bad);

    TCase *robust = sample_tcase("robustness");
    tcase_add_test(robust, index_rejects_every_truncation);
    tcase_add_test(robust, index_rejects_every_truncation_with_size_field_fixed);
    tcase_add_test(robust, index_survives_every_bit_flip);
    tcase_add_test(robust, index_survives_byte_values_in_fixed_part);
    suite_add_tcase(s, robust);
    return s;
}

int main(void)
{
    return run_suite(index_suite());
}
