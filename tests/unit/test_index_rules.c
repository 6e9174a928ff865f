/* SPDX-License-Identifier: ISC */
/* test_index_rules.c: the index parser's rules below the statement (lib/read/quire_index.c):
 * the directory (SPEC 5.4), the unit table (SPEC 5.2), entry pages and records (SPEC 5.3),
 * paths (SPEC 4), links, sizes and metadata (SPEC 5.5).
 *
 * Each test changes the sample region (written by the real writer) or a region built from
 * nothing with the test-side editor, which re-seals every hash, and expects the parser's exact
 * code and message. Every parse works on an exact-size heap copy (parse_copy). */
#include <stdio.h>
#include <stdlib.h>

#include <zlib.h>

#include "unit_index_edit.h"

static index_sample S;

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

/* The sample with its page split after entries 0-1 and 2-3: three pages. */
static ie_index *sample3(void)
{
    ie_index *x = sample();
    ie_split_page(x, 0, 2);
    ie_split_page(x, 1, 2);
    return x;
}

static void refused(ie_index *x, int code, const char *sub)
{
    expect_model_refused(x, S.v.header, code, sub);
}

/* A region built from nothing: one stored unit of `stored` bytes, the entries given. */
static ie_index *built(uint32_t stored)
{
    ie_index *x = ie_new(S.v.header);
    if (stored > 0)
        ie_add_unit(x, QUIRE_COMP_STORE, stored, stored);
    return x;
}

static uint32_t add(ie_index *x, const char *path, uint64_t size)
{
    return ie_add_entry(x, path, size, QUIRE_ROLE_DOCUMENT, 0, QUIRE_LINK_NONE, NULL);
}

START_TEST(rules_split_sample_still_parses)
{
    ie_index *x = sample3();
    ck_assert_uint_eq(x->npages, 3);
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert_uint_eq(idx.entry_page_count, 3);
    ck_assert_uint_eq(idx.entry_count, N_ENTRIES);
    for (int i = 0; i < N_ENTRIES; i++)
        ck_assert_str_eq(idx.entries[i].path, S.path[i]);
    ck_assert_uint_eq(idx.meta_refs[E_DOC_A].len, strlen(SAMPLE_META_A_CANON));
    quire_index_free(&idx);
}
END_TEST

/* ---- the directory (SPEC 5.4) ---- */

START_TEST(rules_rejects_directory_record_past_end)
{
    /* two pages claimed, one record: 2 x 55 <= 112 directory bytes, so the parser reads on */
    ie_index *x = sample();
    x->fixed |= IE_S_PAGE_COUNT;
    x->page_count = 2;
    refused(x, QUIRE_E_FORMAT,
            "entry page 1: directory record past the directory's end (SPEC 5.4)");
}
END_TEST

START_TEST(rules_rejects_page_sizes_out_of_range)
{
    static const struct {
        unsigned field;
        uint32_t value;
    } cases[] = {{IE_P_STORED_SIZE, 0},
                 {IE_P_RAW_SIZE, 0},
                 {IE_P_STORED_SIZE, QUIRE_MAX_PAGE_BYTES + 1},
                 {IE_P_RAW_SIZE, QUIRE_MAX_PAGE_BYTES + 1},
                 {IE_P_RAW_SIZE, UINT32_MAX}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ie_index *x = sample3();
        ie_page *pg = &x->pages[1];
        pg->fixed |= cases[k].field;
        if (cases[k].field == IE_P_STORED_SIZE)
            pg->stored_size = cases[k].value;
        else
            pg->raw_size = cases[k].value;
        refused(x, QUIRE_E_LIMIT, "entry page 1: stored or raw size 0 or above 4 MiB (SPEC 8)");
    }
}
END_TEST

START_TEST(rules_accepts_page_raw_size_of_4mib_as_a_size)
{
    /* exactly 4 MiB is within the limit: the page then fails to inflate to it */
    ie_index *x = sample();
    x->pages[0].fixed |= IE_P_RAW_SIZE;
    x->pages[0].raw_size = QUIRE_MAX_PAGE_BYTES;
    refused(x, QUIRE_E_FORMAT,
            "entry page 0: deflate data does not decode to exactly its 4194304 declared bytes "
            "(SPEC 5.4)");
}
END_TEST

START_TEST(rules_rejects_first_path_length_out_of_range)
{
    static const uint16_t lens[] = {0, QUIRE_MAX_PATH_BYTES + 1, UINT16_MAX};
    for (size_t k = 0; k < 3; k++) {
        ie_index *x = sample();
        ie_page *pg = &x->pages[0];
        pg->fixed |= IE_P_FIRST;
        pg->first_len = lens[k];
        refused(x, QUIRE_E_LIMIT, "entry page 0: first path length 0 or above 4096 bytes (SPEC 8)");
    }
}
END_TEST

START_TEST(rules_rejects_page_entry_count_0_or_past_statement)
{
    ie_index *x = sample3();
    x->pages[1].count = 0;
    x->fixed |= IE_S_ENTRY_COUNT;
    x->entry_count = N_ENTRIES;
    refused(x, QUIRE_E_FORMAT,
            "entry page 1: entry count 0 or past the statement's entry count (SPEC 5.4)");
    x = sample3();
    x->fixed |= IE_S_ENTRY_COUNT;
    x->entry_count = N_ENTRIES - 1; /* the last page's count runs past it */
    refused(x, QUIRE_E_FORMAT, "entry page 2: entry count 0 or past the statement's");
    x = sample();
    x->pages[0].count = UINT32_MAX;
    x->fixed |= IE_S_ENTRY_COUNT;
    x->entry_count = N_ENTRIES;
    refused(x, QUIRE_E_FORMAT, "entry page 0: entry count 0 or past");
}
END_TEST

START_TEST(rules_rejects_first_path_past_directory_end)
{
    ie_index *x = sample();
    ie_page *pg = &x->pages[0];
    pg->fixed |= IE_P_FIRST;
    pg->first_len = 4000; /* but 10 bytes written: the unit page record follows */
    refused(x, QUIRE_E_FORMAT, "entry page 0: first path past the directory's end (SPEC 5.4)");
}
END_TEST

START_TEST(rules_rejects_first_paths_not_increasing)
{
    static const char *firsts[] = {"docs/a.txt", "docs/a.tx", "a", "docs/a.txt"};
    for (size_t k = 0; k < 3; k++) {
        ie_index *x = sample3();
        ie_set_first(x, 1, firsts[k]); /* not after page 0's "docs/a.txt" */
        refused(x, QUIRE_E_FORMAT,
                "entry page 1: first path not after the previous page's (SPEC 4.3)");
    }
    ie_index *x = sample3();
    ie_set_first(x, 2, "orig/a.pdf"); /* equal to page 1's */
    refused(x, QUIRE_E_FORMAT, "entry page 2: first path not after the previous page's");
}
END_TEST

START_TEST(rules_rejects_entry_pages_over_1gib_raw)
{
    /* 257 one-entry pages declaring 4 MiB each: 2^30 is reached at page 255 and passed at
     * page 256, before any page is inflated */
    ie_index *x = built(0);
    char path[16];
    for (uint32_t i = 0; i < 257; i++) {
        snprintf(path, sizeof path, "f%03u", i);
        ie_new_page(x);
        add(x, path, 0);
        x->pages[i].fixed |= IE_P_RAW_SIZE;
        x->pages[i].raw_size = QUIRE_MAX_PAGE_BYTES;
    }
    refused(x, QUIRE_E_LIMIT, "entry page 256: entry pages larger than 1 GiB together (SPEC 8)");
    x = built(0);
    for (uint32_t i = 0; i < 256; i++) {
        snprintf(path, sizeof path, "f%03u", i);
        ie_new_page(x);
        add(x, path, 0);
        x->pages[i].fixed |= IE_P_RAW_SIZE;
        x->pages[i].raw_size = QUIRE_MAX_PAGE_BYTES;
    }
    refused(x, QUIRE_E_FORMAT, "entry page 0: deflate data does not decode to exactly its");
}
END_TEST

START_TEST(rules_rejects_directory_size_not_matching_records)
{
    static const size_t extra[] = {1, QUIRE_DIR_UNIT_PAGE_BYTES, QUIRE_DIR_UNIT_PAGE_BYTES + 7};
    uint8_t bytes[64] = {0};
    for (size_t k = 0; k < 3; k++) {
        ie_index *x = sample();
        ie_set_dir_extra(x, bytes, extra[k]);
        refused(x, QUIRE_E_FORMAT, "directory size does not match its records (SPEC 5.4)");
    }
    /* a unit page record missing: more units than the directory pages */
    ie_index *x = sample();
    for (uint32_t u = 0; u < QUIRE_UNITS_PER_PAGE; u++)
        ie_add_unit(x, QUIRE_COMP_STORE, 1, 1);
    x->fixed |= IE_S_UNIT_COUNT;
    x->unit_count = 3; /* the directory has two unit page records, the statement three units */
    refused(x, QUIRE_E_FORMAT, "directory size does not match its records");
}
END_TEST

START_TEST(rules_rejects_entry_count_not_matching_pages)
{
    ie_index *x = sample3();
    x->fixed |= IE_S_ENTRY_COUNT;
    x->entry_count = N_ENTRIES + 1;
    refused(x, QUIRE_E_FORMAT, "entry pages hold 5 entries, the statement says 6 (SPEC 5.4)");
}
END_TEST

START_TEST(rules_rejects_pages_not_filling_region)
{
    static const uint8_t junk[3] = {1, 2, 3};
    ie_index *x = sample();
    ie_set_gap(x, junk, 1);
    refused(x, QUIRE_E_FORMAT,
            "entry pages do not fill the index before the unit table (SPEC 5.4)");
    x = sample3();
    ie_set_gap(x, junk, 3);
    refused(x, QUIRE_E_FORMAT, "entry pages do not fill the index before the unit table");
    for (int d = -1; d <= 1; d += 2) {
        size_t len;
        x = sample3();
        free(ie_encode(x, &len)); /* deflates the pages: stored_len is known */
        x->pages[1].fixed |= IE_P_STORED_SIZE;
        x->pages[1].stored_size = (uint32_t)((int64_t)x->pages[1].stored_len + d);
        refused(x, QUIRE_E_FORMAT, "entry pages do not fill the index before the unit table");
    }
}
END_TEST

/* ---- the unit table (SPEC 5.2) and its pages (SPEC 5.4) ---- */

START_TEST(rules_rejects_unit_page_offsets)
{
    ie_index *x = sample();
    x->upages[0].fixed |= IE_U_FILE;
    x->upages[0].file_off = QUIRE_HEADER_BYTES + 1;
    refused(x, QUIRE_E_FORMAT, "unit page 0: offsets differ from the derived ones (SPEC 5.4)");
    x = sample();
    x->upages[0].fixed |= IE_U_STREAM;
    x->upages[0].stream_off = 1;
    refused(x, QUIRE_E_FORMAT, "unit page 0: offsets differ from the derived ones");
    /* the second page of 1,500 units */
    for (unsigned f = IE_U_FILE; f <= IE_U_STREAM; f <<= 1) {
        x = built(0);
        for (uint32_t u = 0; u < 1500; u++)
            ie_add_unit(x, QUIRE_COMP_STORE, 2, 2);
        add(x, "a", 3000);
        x->upages[1].fixed |= f;
        x->upages[1].file_off = QUIRE_HEADER_BYTES + 2048 - 1;
        x->upages[1].stream_off = 2048 + 1;
        refused(x, QUIRE_E_FORMAT, "unit page 1: offsets differ from the derived ones");
    }
}
END_TEST

START_TEST(rules_rejects_unknown_compression)
{
    static const uint8_t comps[] = {2, 3, 0x80, 0xFF};
    for (size_t k = 0; k < 4; k++) {
        ie_index *x = sample();
        char want[64];
        x->units[1].comp = comps[k];
        snprintf(want, sizeof want, "unit 1: unknown compression %u (SPEC 5.2)", comps[k]);
        refused(x, QUIRE_E_FORMAT, want);
    }
}
END_TEST

START_TEST(rules_rejects_unit_reserved_bytes)
{
    for (int k = 0; k < 3; k++) {
        ie_index *x = sample();
        x->units[2].reserved[k] = 0x01;
        refused(x, QUIRE_E_FORMAT, "unit 2: reserved bytes are not zero (SPEC 5.2)");
    }
}
END_TEST

START_TEST(rules_rejects_unit_sizes_out_of_range)
{
    for (int k = 0; k < 4; k++) {
        ie_index *x = sample();
        uint32_t v = k < 2 ? 0 : QUIRE_MAX_UNIT_BYTES + 1;
        if (k % 2 == 0)
            x->units[0].raw = v;
        else
            x->units[0].stored = v;
        refused(x, QUIRE_E_LIMIT, "unit 0: size 0 or above 16777216 bytes (SPEC 8)");
    }
    ie_index *x = sample();
    x->units[1].raw = UINT32_MAX;
    refused(x, QUIRE_E_LIMIT, "unit 1: size 0 or above");
}
END_TEST

START_TEST(rules_accepts_unit_of_16mib)
{
    ie_index *x = built(0);
    ie_add_unit(x, QUIRE_COMP_DEFLATE, 100, QUIRE_MAX_UNIT_BYTES);
    add(x, "a", QUIRE_MAX_UNIT_BYTES);
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert(idx.units[0].raw_size == QUIRE_MAX_UNIT_BYTES);
    quire_index_free(&idx);
}
END_TEST

START_TEST(rules_rejects_stored_unit_with_two_sizes)
{
    ie_index *x = sample();
    ck_assert_uint_eq(x->units[1].comp, QUIRE_COMP_DEFLATE);
    x->units[1].comp = QUIRE_COMP_STORE;
    refused(x, QUIRE_E_FORMAT, "unit 1: stored unit with two different sizes (SPEC 5.2)");
}
END_TEST

START_TEST(rules_rejects_units_not_filling_data_region)
{
    static const char *msg = "units do not fill the data region exactly: gap, overlap or bytes "
                             "inserted (SPEC 5.2)";
    for (int d = -1; d <= 1; d += 2) {
        ie_index *x = sample();
        x->fixed |= IE_S_INDEX_OFFSET;
        x->index_offset = S.v.index_offset + (uint64_t)(int64_t)d;
        refused(x, QUIRE_E_FORMAT, msg);
    }
    ie_index *x = sample();
    x->fixed |= IE_S_INDEX_OFFSET;
    ck_assert_uint_eq(x->units[1].comp, QUIRE_COMP_DEFLATE);
    x->units[1].stored += 1;
    refused(x, QUIRE_E_FORMAT, msg);
}
END_TEST

START_TEST(rules_rejects_unit_raw_sizes_not_matching_stream)
{
    for (int d = -1; d <= 1; d += 2) {
        ie_index *x = sample();
        x->fixed |= IE_S_STREAM_SIZE;
        x->stream_size = x->stream_size + (uint64_t)(int64_t)d;
        refused(x, QUIRE_E_FORMAT,
                "units' raw sizes do not add up to the statement's stream size (SPEC 5.2)");
    }
}
END_TEST

/* ---- entry pages (SPEC 5.3, 5.4) ---- */

START_TEST(rules_rejects_page_not_inflating_to_raw_size)
{
    for (int d = -1; d <= 1; d += 2) {
        ie_index *x = sample();
        char want[96];
        uint32_t raw = (uint32_t)((int64_t)x->pages[0].raw_len + d);
        x->pages[0].fixed |= IE_P_RAW_SIZE;
        x->pages[0].raw_size = raw;
        snprintf(want, sizeof want,
                 "entry page 0: deflate data does not decode to exactly its %u declared bytes "
                 "(SPEC 5.4)",
                 raw);
        refused(x, QUIRE_E_FORMAT, want);
    }
}
END_TEST

START_TEST(rules_rejects_page_that_is_not_raw_deflate)
{
    static const uint8_t garbage[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01};
    ie_index *x = sample3();
    ie_set_stored(x, 1, garbage, sizeof garbage);
    refused(x, QUIRE_E_FORMAT, "entry page 1: deflate data does not decode to exactly its");
    /* a zlib stream (with its header) is not a raw DEFLATE stream */
    x = sample();
    uLongf zlen = compressBound((uLong)x->pages[0].raw_len);
    uint8_t *z = malloc(zlen);
    ck_assert_int_eq(compress(z, &zlen, x->pages[0].raw, (uLong)x->pages[0].raw_len), Z_OK);
    ie_set_stored(x, 0, z, zlen);
    free(z);
    refused(x, QUIRE_E_FORMAT, "entry page 0: deflate data does not decode to exactly its");
}
END_TEST

START_TEST(rules_rejects_bytes_after_deflate_stream)
{
    ie_index *x = sample();
    size_t len;
    uint8_t *b = ie_encode(x, &len); /* fills pages[0].stored */
    free(b);
    size_t n = x->pages[0].stored_len;
    uint8_t *more = malloc(n + 1);
    memcpy(more, x->pages[0].stored, n);
    more[n] = 0;
    ie_set_stored(x, 0, more, n + 1);
    free(more);
    refused(x, QUIRE_E_FORMAT, "entry page 0: deflate data does not decode to exactly its");
}
END_TEST

START_TEST(rules_rejects_page_count_past_its_records)
{
    ie_index *x = sample3();
    x->pages[2].count++; /* page 2 holds entry 4 only, in 61 bytes: no room for 2 records */
    refused(x, QUIRE_E_FORMAT,
            "entry page 2: more entries than its 61 raw bytes can hold (SPEC 5.4)");
    x = sample3();
    x->pages[0].count++;
    x->pages[1].count--;
    refused(x, QUIRE_E_FORMAT,
            "entry page 0: more entries than its 137 raw bytes can hold (SPEC 5.4)");
}
END_TEST

START_TEST(rules_rejects_path_len_out_of_range)
{
    static const uint16_t lens[] = {0, QUIRE_MAX_PATH_BYTES + 1, UINT16_MAX};
    for (size_t k = 0; k < 3; k++) {
        ie_index *x = sample();
        quire_store16(ie_field(x, E_DOC_B, IE_F_PATH_LEN), lens[k]);
        refused(x, QUIRE_E_LIMIT, "entry 1: path length 0 or above 4096 bytes (SPEC 8)");
    }
}
END_TEST

START_TEST(rules_rejects_path_past_page_end)
{
    ie_index *x = sample();
    quire_store16(ie_field(x, E_BIG, IE_F_PATH_LEN), QUIRE_MAX_PATH_BYTES);
    refused(x, QUIRE_E_FORMAT, "entry 4: record runs past the end of its page (SPEC 5.3)");
    /* one byte longer than what is left of the page after the fixed fields */
    x = sample();
    quire_store16(ie_field(x, E_BIG, IE_F_PATH_LEN), 10);
    refused(x, QUIRE_E_FORMAT, "entry 4: record runs past the end of its page");
}
END_TEST

START_TEST(rules_rejects_unknown_roles)
{
    static const uint8_t roles[] = {0, 3, 0xFF};
    for (size_t k = 0; k < 3; k++) {
        ie_index *x = sample();
        char want[48];
        *ie_field(x, E_ORIG_B, IE_F_ROLE) = roles[k];
        snprintf(want, sizeof want, "entry 3: unknown role %u (SPEC 5.3)", roles[k]);
        refused(x, QUIRE_E_FORMAT, want);
    }
}
END_TEST

START_TEST(rules_rejects_reserved_flag_bits)
{
    for (int bit = 1; bit < 8; bit++) {
        ie_index *x = sample();
        *ie_field(x, E_ORIG_A, IE_F_FLAGS) = (uint8_t)(1u << bit) | QUIRE_ENTRY_FLAG_EXEC;
        refused(x, QUIRE_E_FORMAT, "entry 2: reserved flag bits are set (SPEC 5.3)");
    }
}
END_TEST

START_TEST(rules_rejects_meta_len_over_1mib)
{
    ie_index *x = sample();
    quire_store32(ie_field(x, E_BIG, IE_F_META_LEN), QUIRE_MAX_ENTRY_META_BYTES + 1);
    refused(x, QUIRE_E_LIMIT, "entry 4: metadata larger than 1048576 bytes (SPEC 8)");
}
END_TEST

START_TEST(rules_rejects_meta_past_page_end)
{
    ie_index *x = sample();
    quire_store32(ie_field(x, E_BIG, IE_F_META_LEN), 1);
    refused(x, QUIRE_E_FORMAT, "entry 4: metadata runs past the end of its page (SPEC 5.3)");
    x = sample3();
    quire_store32(ie_field(x, E_ORIG_B, IE_F_META_LEN), QUIRE_MAX_ENTRY_META_BYTES);
    refused(x, QUIRE_E_FORMAT, "entry 3: metadata runs past the end of its page");
}
END_TEST

START_TEST(rules_rejects_unused_page_bytes)
{
    ie_index *x = sample();
    ie_splice(x, 0, x->pages[0].raw_len, 0, "\0\0\0", 3);
    refused(x, QUIRE_E_FORMAT, "entry page 0: 3 unused bytes after its last entry (SPEC 5.3)");
    /* a page that claims one entry fewer than it holds */
    x = sample3();
    size_t rec;
    ie_record(x, 1, &rec);
    x->pages[0].count--;
    x->pages[1].count++; /* the counts still add up to 5, but page 1 cannot hold 3 */
    refused(x, QUIRE_E_FORMAT,
            "entry page 1: more entries than its 124 raw bytes can hold (SPEC 5.4)");
    (void)rec;
}
END_TEST

START_TEST(rules_rejects_first_path_differing_from_page)
{
    static const char *firsts[] = {"docs/a.txx", "docs/a.tx", "docs/a.txt/", "Docs/a.txt"};
    for (size_t k = 0; k < 4; k++) {
        ie_index *x = sample();
        ie_set_first(x, 0, firsts[k]);
        refused(x, QUIRE_E_FORMAT,
                "entry page 0: first path differs from the directory's (SPEC 5.4)");
    }
    ie_index *x = sample3();
    ie_set_first(x, 2, "z/big.bim"); /* after page 1's, before its own */
    refused(x, QUIRE_E_FORMAT, "entry page 2: first path differs from the directory's");
}
END_TEST

START_TEST(rules_rejects_page_stream_offset)
{
    ie_index *x = sample3();
    x->pages[1].fixed |= IE_P_STREAM;
    x->pages[1].stream = 0;
    refused(x, QUIRE_E_FORMAT,
            "entry page 1: stream offset differs from the derived one (SPEC 5.4)");
    x = sample3();
    x->pages[0].fixed |= IE_P_STREAM;
    x->pages[0].stream = 1;
    refused(x, QUIRE_E_FORMAT, "entry page 0: stream offset differs from the derived one");
    /* page 2 starts with the big entry at 5006, after the empty orig/b.pdf */
    x = sample3();
    quire_index idx;
    size_t len;
    quire_error err = {0};
    uint8_t *b = ie_encode(x, &len);
    ck_assert(x->pages[1].stream == 3006);
    ck_assert(x->pages[2].stream == 5006);
    ASSERT_OK(parse_copy(b, len, S.v.header, 0, &idx, &err), err);
    quire_index_free(&idx);
    free(b);
    ie_free(x);
}
END_TEST

/* ---- paths (SPEC 4) ---- */

START_TEST(rules_rejects_bad_paths)
{
    static const struct {
        uint32_t entry;
        const char *path;
        int code;
        const char *msg;
    } cases[] = {
        {0, "../x/a.txt", QUIRE_E_FORMAT, "entry 0: '.' or '..' path component (SPEC 4.2)"},
        {0, "docs/./a.txt", QUIRE_E_FORMAT, "entry 0: '.' or '..' path component (SPEC 4.2)"},
        {1, "docs/b\x01txt", QUIRE_E_FORMAT, "entry 1: path is not printable UTF-8"},
        {1, "docs/b\xc3txt", QUIRE_E_FORMAT, "entry 1: path is not printable UTF-8"},
        {1, "docs/b\xc2\x85txt", QUIRE_E_FORMAT, "entry 1: path is not printable UTF-8"},
        {2, "/rig/a.pdf", QUIRE_E_FORMAT, "entry 2: absolute path (SPEC 4.2)"},
        {2, "orig\\a.pdf", QUIRE_E_FORMAT, "entry 2: backslash in path (SPEC 4.2)"},
        {3, "orig//b.pdf", QUIRE_E_FORMAT, "entry 3: empty path component (SPEC 4.2)"},
        {3, "orig/b.pdf/", QUIRE_E_FORMAT, "entry 3: empty path component (SPEC 4.2)"},
        {0, "c:/a.txt", QUIRE_E_FORMAT, "entry 0: drive letter in path (SPEC 4.2)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ie_index *x = sample();
        ie_set_path(x, cases[k].entry, cases[k].path);
        refused(x, cases[k].code, cases[k].msg);
    }
    /* a NUL inside a path */
    ie_index *x = sample();
    ie_field(x, E_DOC_B, IE_F_PATH)[6] = '\0';
    refused(x, QUIRE_E_FORMAT,
            "entry 1: path is not printable UTF-8 (NUL, control character or "
            "invalid sequence) (SPEC 4.1)");
}
END_TEST

START_TEST(rules_rejects_long_component)
{
    char path[300] = "z/";
    memset(path + 2, 'b', 256);
    path[258] = '\0';
    ie_index *x = sample();
    ie_set_path(x, E_BIG, path);
    refused(x, QUIRE_E_LIMIT, "entry 4: path component longer than 255 bytes (SPEC 8)");
    path[257] = '\0'; /* 255 bytes: allowed */
    x = sample();
    ie_set_path(x, E_BIG, path);
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert_uint_eq(idx.entries[E_BIG].path_len, 257);
    quire_index_free(&idx);
}
END_TEST

START_TEST(rules_rejects_paths_out_of_order)
{
    ie_index *x = sample();
    ie_set_path(x, E_DOC_A, "docs/b.txt");
    ie_set_path(x, E_DOC_B, "docs/a.txt");
    refused(x, QUIRE_E_FORMAT,
            "entry 1 (docs/a.txt): paths not in strictly increasing byte order, or a duplicate "
            "(SPEC 4.3)");
    /* across pages, with the directory's first paths in order */
    x = sample3();
    ie_set_path(x, E_ORIG_B, "orig/0.pdf");
    refused(x, QUIRE_E_FORMAT, "entry 3 (orig/0.pdf): paths not in strictly increasing");
}
END_TEST

START_TEST(rules_rejects_duplicate_path)
{
    ie_index *x = sample();
    ie_set_path(x, E_DOC_B, "docs/a.txt");
    refused(x, QUIRE_E_FORMAT,
            "entry 1 (docs/a.txt): paths not in strictly increasing byte order, or a duplicate");
    x = sample3();
    ie_set_path(x, E_ORIG_A, "docs/b.txt"); /* page 1's first path repeats page 0's last */
    refused(x, QUIRE_E_FORMAT, "entry 2 (docs/b.txt): paths not in strictly increasing");
}
END_TEST

/* Paths are compared eight bytes at a time: order and duplicates decided at, before and after
 * the eighth byte, and by length when one path is a prefix of the other. */
START_TEST(rules_orders_paths_across_word_boundaries)
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
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ie_index *x = built(2);
        add(x, cases[k].first, 1);
        add(x, cases[k].second, 1);
        size_t len;
        quire_index idx;
        quire_error err = {0};
        uint8_t *b = ie_encode(x, &len);
        int rc = parse_copy(b, len, S.v.header, 0, &idx, &err);
        ck_assert_msg((rc == QUIRE_OK) == cases[k].ok, "%s then %s: %s", cases[k].first,
                      cases[k].second, rc == QUIRE_OK ? "accepted" : err.msg);
        if (rc == QUIRE_OK)
            quire_index_free(&idx);
        else
            ck_assert_msg(strstr(err.msg, "entry 1 (") != NULL &&
                              strstr(err.msg, "not in strictly increasing byte order") != NULL,
                          "%s", err.msg);
        free(b);
        ie_free(x);
    }
}
END_TEST

START_TEST(rules_rejects_file_that_is_also_a_directory)
{
    ie_index *x = built(2);
    add(x, "a", 1);
    add(x, "a/b", 1);
    refused(x, QUIRE_E_FORMAT, "entry 1 (a/b): a parent directory is also a file (SPEC 4.3)");
    x = built(2);
    add(x, "x/a.d", 1);
    add(x, "x/a.d/y/z", 0);
    add(x, "x/b", 1);
    refused(x, QUIRE_E_FORMAT, "entry 1 (x/a.d/y/z): a parent directory is also");
    /* the file is found even when it lies in an earlier page */
    x = built(2);
    add(x, "p", 1);
    ie_new_page(x);
    add(x, "p.txt", 0);
    ie_new_page(x);
    add(x, "p/q", 1);
    refused(x, QUIRE_E_FORMAT, "entry 2 (p/q): a parent directory is also a file");
}
END_TEST

/* ---- links (SPEC 5.3) ---- */

START_TEST(rules_rejects_bad_links)
{
    static const struct {
        uint32_t entry, link;
        const char *msg;
    } cases[] = {
        {E_ORIG_B, E_ORIG_A,
         "entry 3 (orig/b.pdf): link must go from a document to an original "
         "(SPEC 5.3)"},
        {E_DOC_A, E_DOC_B, "entry 0 (docs/a.txt): link must go from a document to an original"},
        {E_DOC_B, E_DOC_B, "entry 1 (docs/b.txt): link must go"},
        {E_DOC_A, N_ENTRIES, "entry 0 (docs/a.txt): link must go"},
        {E_BIG, UINT32_MAX - 1, "entry 4 (z/big.bin): link must go"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ie_index *x = sample();
        quire_store32(ie_field(x, cases[k].entry, IE_F_LINK), cases[k].link);
        refused(x, QUIRE_E_FORMAT, cases[k].msg);
    }
}
END_TEST

START_TEST(rules_accepts_link_to_a_later_original)
{
    ie_index *x = built(2);
    ie_add_entry(x, "a", 1, QUIRE_ROLE_DOCUMENT, 0, 1, NULL);
    ie_add_entry(x, "b", 1, QUIRE_ROLE_ORIGINAL, 0, QUIRE_LINK_NONE, NULL);
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert_uint_eq(idx.entries[0].link, 1);
    quire_index_free(&idx);
}
END_TEST

/* ---- sizes (SPEC 5.3) ---- */

START_TEST(rules_rejects_entry_sizes_past_units)
{
    ie_index *x = sample();
    quire_store64(ie_field(x, E_DOC_B, IE_F_SIZE), S.size[E_DOC_B] + 1);
    refused(x, QUIRE_E_FORMAT, "entry 4 (z/big.bin): size runs past the stored units (SPEC 5.3)");
    x = sample();
    quire_store64(ie_field(x, E_DOC_A, IE_F_SIZE), UINT64_MAX);
    refused(x, QUIRE_E_FORMAT, "entry 0 (docs/a.txt): size runs past");
}
END_TEST

START_TEST(rules_rejects_entry_sizes_short_of_units)
{
    ie_index *x = sample();
    quire_store64(ie_field(x, E_DOC_B, IE_F_SIZE), S.size[E_DOC_B] - 1);
    refused(x, QUIRE_E_FORMAT, "entry sizes do not add up to the unit sizes (SPEC 5.3)");
}
END_TEST

/* ---- metadata (SPEC 5.5) ---- */

/* Parses a one-entry region whose entry carries meta (len bytes); returns the code. */
static int parse_meta(const char *meta, size_t len, quire_error *err)
{
    ie_index *x = built(1);
    add(x, "m", 1);
    ie_set_meta(x, 0, meta, len);
    size_t blen;
    quire_index idx;
    uint8_t *b = ie_encode(x, &blen);
    int rc = parse_copy(b, blen, S.v.header, 0, &idx, err);
    if (rc == QUIRE_OK) {
        ck_assert_uint_eq(idx.meta_refs[0].len, len);
        quire_index_free(&idx);
    }
    free(b);
    ie_free(x);
    return rc;
}

#define META_OK(lit)                                                                               \
    do {                                                                                           \
        quire_error err_ = {0};                                                                    \
        ck_assert_msg(parse_meta(lit, sizeof lit - 1, &err_) == QUIRE_OK, "%s refused: %s", lit,   \
                      err_.msg);                                                                   \
    } while (0)

#define META_BAD(lit, why)                                                                         \
    do {                                                                                           \
        quire_error err_ = {0};                                                                    \
        ASSERT_FAILS(parse_meta(lit, sizeof lit - 1, &err_), err_, QUIRE_E_FORMAT,                 \
                     "entry 0 (m): metadata is not a canonical JSON object: ");                    \
        ck_assert_msg(strstr(err_.msg, why) != NULL, "%s: \"%s\" lacks \"%s\"", lit, err_.msg,     \
                      why);                                                                        \
        ck_assert_str_eq(err_.rule, "SPEC 5.5");                                                   \
    } while (0)

START_TEST(meta_accepts_canonical_objects)
{
    META_OK("");
    META_OK("{}");
    META_OK("{\"a\":[1,true,null,\"x\",{}],\"b\":-9007199254740991}");
    META_OK("{\"max\":9007199254740991}");
    META_OK("{\"c1\":\"raw \xc2\x85 and \\u001f\"}");
    META_OK("{\"esc\":\"\\\"\\\\\\b\\f\\n\\r\\t\"}");
    META_OK("{\"a\":{\"a\":1}}"); /* the same name in different objects */
    /* names sorted by UTF-16 code units: U+1F600 (D83D DE00) before U+FF61 */
    META_OK("{\"\xf0\x9f\x98\x80\":1,\"\xef\xbd\xa1\":2}");
}
END_TEST

START_TEST(meta_rejects_what_is_not_canonical)
{
    META_BAD("[]", "not a JSON object");
    META_BAD("\"s\"", "not a JSON object");
    META_BAD("null", "not a JSON object");
    META_BAD(" {}", "not a JSON object");
    META_BAD("{} ", "not in canonical form from byte 2");
    META_BAD("{ }", "not in canonical form from byte 1");
    META_BAD("{\"b\":1,\"a\":2}", "not in canonical form from byte 2");
    META_BAD("{\"\xef\xbd\xa1\":2,\"\xf0\x9f\x98\x80\":1}", "not in canonical form from byte 2");
    META_BAD("{\"a\":1.5}", "a number with a fraction or exponent (only integers are allowed)");
    META_BAD("{\"a\":1e3}", "a number with a fraction or exponent");
    META_BAD("{\"a\":9007199254740992}", "outside");
    META_BAD("{\"a\":-0}", "not in canonical form");
    META_BAD("{\"a\":\"\\u0041\"}", "not in canonical form from byte 6");
    META_BAD("{\"a\":\"\\/\"}", "not in canonical form");
    META_BAD("{\"a\":1,\"a\":2}", "not JSON");
    META_BAD("{\"a\":\"\\u0000\"}", "not JSON");
    META_BAD("{\"a\":\"\\ud800\"}", "not JSON");
    META_BAD("{\"a\":\"\xc0\xaf\"}", "not JSON");
    META_BAD("{}{}", "not JSON");
    META_BAD("{\"a\":1,}", "not JSON");
    META_BAD("\xef\xbb\xbf{}", "not a JSON object");
}
END_TEST

START_TEST(meta_rejects_nul_byte)
{
    quire_error err = {0};
    ASSERT_FAILS(parse_meta("{}\0", 3, &err), err, QUIRE_E_FORMAT,
                 "metadata is not a canonical JSON object");
    ASSERT_FAILS(parse_meta("{\"a\":\"\0\"}", 9, &err), err, QUIRE_E_FORMAT,
                 "metadata is not a canonical JSON object");
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

START_TEST(meta_nesting_limit_is_64)
{
    quire_error err = {0};
    size_t len;
    char *ok = nested(64, &len);
    ASSERT_OK(parse_meta(ok, len, &err), err);
    char *bad = nested(65, &len);
    ASSERT_FAILS(parse_meta(bad, len, &err), err, QUIRE_E_FORMAT, "nested more than 64 levels");
    free(ok);
    free(bad);
}
END_TEST

START_TEST(rules_rejects_entry_meta_in_sample)
{
    ie_index *x = sample();
    size_t n = strlen(SAMPLE_META_A_CANON);
    ie_field(x, E_DOC_A, IE_F_META)[n - 1] = ' '; /* drop the closing brace */
    refused(x, QUIRE_E_FORMAT,
            "entry 0 (docs/a.txt): metadata is not a canonical JSON object: not JSON: ");
    x = sample3();
    ie_set_meta(x, E_ORIG_B, "{\"k\":1,\"k\":2}", 13);
    refused(x, QUIRE_E_FORMAT, "entry 3 (orig/b.pdf): metadata is not a canonical JSON object");
}
END_TEST

START_TEST(rules_rejects_bundle_meta_not_canonical)
{
    static const char *bad[] = {"[1,2,3]",    "\"text\"", "{\"b\":1,\"a\":2}",
                                "{\"n\": 1}", "null",     "{\"n\":1.0}"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        ie_index *x = sample();
        ie_set_meta_bytes(x, bad[k], strlen(bad[k]));
        refused(x, QUIRE_E_FORMAT, "bundle metadata is not a canonical JSON object: ");
    }
    ie_index *x = sample();
    ie_set_meta_bytes(x, "", 0);
    quire_index idx = expect_model_ok(x, S.v.header);
    ck_assert_uint_eq(idx.bundle_meta_len, 0);
    quire_index_free(&idx);
}
END_TEST

static TCase *sample_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, sample_setup, sample_teardown);
    tcase_set_timeout(tc, 300);
    return tc;
}

static Suite *rules_suite(void)
{
    Suite *s = suite_create("index_rules");
    TCase *d = sample_tcase("directory");
    tcase_add_test(d, rules_split_sample_still_parses);
    tcase_add_test(d, rules_rejects_directory_record_past_end);
    tcase_add_test(d, rules_rejects_page_sizes_out_of_range);
    tcase_add_test(d, rules_accepts_page_raw_size_of_4mib_as_a_size);
    tcase_add_test(d, rules_rejects_first_path_length_out_of_range);
    tcase_add_test(d, rules_rejects_page_entry_count_0_or_past_statement);
    tcase_add_test(d, rules_rejects_first_path_past_directory_end);
    tcase_add_test(d, rules_rejects_first_paths_not_increasing);
    tcase_add_test(d, rules_rejects_entry_pages_over_1gib_raw);
    tcase_add_test(d, rules_rejects_directory_size_not_matching_records);
    tcase_add_test(d, rules_rejects_entry_count_not_matching_pages);
    tcase_add_test(d, rules_rejects_pages_not_filling_region);
    suite_add_tcase(s, d);

    TCase *u = sample_tcase("units");
    tcase_add_test(u, rules_rejects_unit_page_offsets);
    tcase_add_test(u, rules_rejects_unknown_compression);
    tcase_add_test(u, rules_rejects_unit_reserved_bytes);
    tcase_add_test(u, rules_rejects_unit_sizes_out_of_range);
    tcase_add_test(u, rules_accepts_unit_of_16mib);
    tcase_add_test(u, rules_rejects_stored_unit_with_two_sizes);
    tcase_add_test(u, rules_rejects_units_not_filling_data_region);
    tcase_add_test(u, rules_rejects_unit_raw_sizes_not_matching_stream);
    suite_add_tcase(s, u);

    TCase *p = sample_tcase("pages");
    tcase_add_test(p, rules_rejects_page_not_inflating_to_raw_size);
    tcase_add_test(p, rules_rejects_page_that_is_not_raw_deflate);
    tcase_add_test(p, rules_rejects_bytes_after_deflate_stream);
    tcase_add_test(p, rules_rejects_page_count_past_its_records);
    tcase_add_test(p, rules_rejects_path_len_out_of_range);
    tcase_add_test(p, rules_rejects_path_past_page_end);
    tcase_add_test(p, rules_rejects_unknown_roles);
    tcase_add_test(p, rules_rejects_reserved_flag_bits);
    tcase_add_test(p, rules_rejects_meta_len_over_1mib);
    tcase_add_test(p, rules_rejects_meta_past_page_end);
    tcase_add_test(p, rules_rejects_unused_page_bytes);
    tcase_add_test(p, rules_rejects_first_path_differing_from_page);
    tcase_add_test(p, rules_rejects_page_stream_offset);
    suite_add_tcase(s, p);

    TCase *e = sample_tcase("entries");
    tcase_add_test(e, rules_rejects_bad_paths);
    tcase_add_test(e, rules_rejects_long_component);
    tcase_add_test(e, rules_rejects_paths_out_of_order);
    tcase_add_test(e, rules_rejects_duplicate_path);
    tcase_add_test(e, rules_orders_paths_across_word_boundaries);
    tcase_add_test(e, rules_rejects_file_that_is_also_a_directory);
    tcase_add_test(e, rules_rejects_bad_links);
    tcase_add_test(e, rules_accepts_link_to_a_later_original);
    tcase_add_test(e, rules_rejects_entry_sizes_past_units);
    tcase_add_test(e, rules_rejects_entry_sizes_short_of_units);
    suite_add_tcase(s, e);

    TCase *m = sample_tcase("metadata");
    tcase_add_test(m, meta_accepts_canonical_objects);
    tcase_add_test(m, meta_rejects_what_is_not_canonical);
    tcase_add_test(m, meta_rejects_nul_byte);
    tcase_add_test(m, meta_nesting_limit_is_64);
    tcase_add_test(m, rules_rejects_entry_meta_in_sample);
    tcase_add_test(m, rules_rejects_bundle_meta_not_canonical);
    suite_add_tcase(s, m);
    return s;
}

int main(void)
{
    return run_suite(rules_suite());
}
