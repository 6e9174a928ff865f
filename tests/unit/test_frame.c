/* SPDX-License-Identifier: ISC */
/* test_frame.c: the fixed header and trailer (lib/read/quire_frame.c, SPEC 3, 7). */
#include "unit_support.h"

#define SIGBLOCK_MIN (16u + 140u)
#define SIGBLOCK_MAX (16u + 16u * (140u + 1024u))

static void good_header(uint8_t h[QUIRE_HEADER_BYTES])
{
    memset(h, 0, QUIRE_HEADER_BYTES);
    memcpy(h, "\x89QUIRE\r\n", 8);
    h[8] = 2;  /* version, u16 */
    h[12] = 1; /* content hash: SHA-256 */
    h[13] = 1; /* unit hash: BLAKE2b-256 */
    h[14] = 1; /* signature: minisign Ed25519 */
}

static void expect_header_refused(const uint8_t *h, const char *sub)
{
    quire_error err = {0};
    ASSERT_FAILS(quire_header_check(h, QUIRE_HEADER_BYTES, &err), err, QUIRE_E_FORMAT, sub);
}

START_TEST(header_accepts_v2_header)
{
    uint8_t h[32];
    quire_error err = {0};
    good_header(h);
    ASSERT_OK(quire_header_check(h, sizeof h, &err), err);
}
END_TEST

START_TEST(header_rejects_each_magic_byte)
{
    uint8_t h[32];
    good_header(h);
    for (int i = 0; i < 8; i++) {
        h[i] ^= 0x20;
        expect_header_refused(h, "not a quire bundle: bad magic (SPEC 3)");
        h[i] ^= 0x20;
    }
}
END_TEST

START_TEST(header_rejects_short_buffer)
{
    uint8_t h[32];
    quire_error err = {0};
    good_header(h);
    ASSERT_FAILS(quire_header_check(h, 31, &err), err, QUIRE_E_FORMAT, "bad magic (SPEC 3)");
    ASSERT_FAILS(quire_header_check(h, 0, &err), err, QUIRE_E_FORMAT, "bad magic (SPEC 3)");
}
END_TEST

START_TEST(header_refuses_version_1_by_name)
{
    uint8_t h[32];
    good_header(h);
    h[8] = 1;
    expect_header_refused(h, "format version 1 is no longer read (this reader reads 2); repack "
                             "it with quire-pack 0.2 or later (SPEC 3)");
    /* the version check comes before the other fields: a v1 header with flags set is still
     * named as version 1 */
    h[10] = 1;
    expect_header_refused(h, "format version 1 is no longer read");
}
END_TEST

START_TEST(header_rejects_other_versions)
{
    uint8_t h[32];
    good_header(h);
    h[8] = 3;
    expect_header_refused(h, "unsupported format version 3, this reader knows 2 (SPEC 3)");
    h[8] = 2;
    h[9] = 1; /* version 258 */
    expect_header_refused(h, "unsupported format version 258");
    h[8] = 1;
    h[9] = 1; /* version 257: not version 1 */
    expect_header_refused(h, "unsupported format version 257");
    h[8] = 0;
    h[9] = 0;
    expect_header_refused(h, "unsupported format version 0");
}
END_TEST

START_TEST(header_rejects_flags)
{
    uint8_t h[32];
    good_header(h);
    h[10] = 0x01;
    expect_header_refused(h, "header flags are not zero (SPEC 3)");
    h[10] = 0;
    h[11] = 0x80;
    expect_header_refused(h, "header flags are not zero (SPEC 3)");
}
END_TEST

START_TEST(header_rejects_each_algorithm_id)
{
    uint8_t h[32];
    good_header(h);
    for (int i = 12; i <= 14; i++) {
        const uint8_t bad[] = {0, 2, 0xFF};
        for (size_t v = 0; v < sizeof bad; v++) {
            h[i] = bad[v];
            expect_header_refused(h, "unknown algorithm identifier (SPEC 3)");
        }
        h[i] = 1;
    }
}
END_TEST

START_TEST(header_rejects_each_reserved_byte)
{
    uint8_t h[32];
    good_header(h);
    for (int i = 15; i < 32; i++) {
        h[i] = 0x01;
        expect_header_refused(h, "header reserved bytes are not zero (SPEC 3)");
        h[i] = 0;
    }
}
END_TEST

/* ---- trailer ---- */

static void make_trailer4(uint8_t t[40], uint64_t off, uint64_t isize, uint64_t ssize,
                          uint64_t asize)
{
    quire_store64(t, off);
    quire_store64(t + 8, isize);
    quire_store64(t + 16, ssize);
    quire_store64(t + 24, asize);
    memcpy(t + 32, "QUIREEND", 8);
}

static void make_trailer(uint8_t t[40], uint64_t off, uint64_t isize, uint64_t ssize)
{
    make_trailer4(t, off, isize, ssize, 0);
}

/* A consistent layout: 1000 bytes of units, a 400-byte index, a 171-byte signature block. */
#define T_OFF 1032u
#define T_ISIZE 400u
#define T_SSIZE 171u
#define T_FILE (T_OFF + T_ISIZE + T_SSIZE + 40u)

static void expect_trailer_refused(uint64_t off, uint64_t isize, uint64_t ssize, uint64_t file,
                                   int code, const char *sub)
{
    uint8_t t[40];
    quire_trailer tr;
    quire_error err = {0};
    make_trailer(t, off, isize, ssize);
    ASSERT_FAILS(quire_trailer_parse(t, sizeof t, file, &tr, &err), err, code, sub);
}

START_TEST(trailer_is_40_bytes)
{
    ck_assert_uint_eq(QUIRE_TRAILER_BYTES, 40);
    ck_assert_uint_eq(QUIRE_STATEMENT_BYTES, 160);
}
END_TEST

START_TEST(trailer_parses_consistent_fields)
{
    uint8_t t[40];
    quire_trailer tr;
    quire_error err = {0};
    make_trailer(t, T_OFF, T_ISIZE, T_SSIZE);
    ASSERT_OK(quire_trailer_parse(t, sizeof t, T_FILE, &tr, &err), err);
    ck_assert(tr.index_offset == T_OFF);
    ck_assert(tr.index_size == T_ISIZE);
    ck_assert(tr.sigblock_size == T_SSIZE);
    ck_assert(tr.attachments_size == 0);
}
END_TEST

START_TEST(trailer_accepts_smallest_bundle)
{
    /* no units, no entries: the index region is the statement and nothing else */
    uint8_t t[40];
    quire_trailer tr;
    quire_error err = {0};
    make_trailer(t, 32, 160, SIGBLOCK_MIN);
    ASSERT_OK(quire_trailer_parse(t, sizeof t, 32 + 160 + SIGBLOCK_MIN + 40, &tr, &err), err);
    ck_assert(tr.index_size == 160);
}
END_TEST

START_TEST(trailer_rejects_bad_magic)
{
    uint8_t t[40];
    quire_trailer tr;
    quire_error err = {0};
    make_trailer(t, T_OFF, T_ISIZE, T_SSIZE);
    for (int i = 32; i < 40; i++) {
        t[i] ^= 0x01;
        ASSERT_FAILS(quire_trailer_parse(t, sizeof t, T_FILE, &tr, &err), err, QUIRE_E_FORMAT,
                     "bad trailer magic: truncated or bytes appended (SPEC 7)");
        t[i] ^= 0x01;
    }
    ASSERT_FAILS(quire_trailer_parse(t, 39, T_FILE, &tr, &err), err, QUIRE_E_FORMAT,
                 "bad trailer magic");
    ASSERT_FAILS(quire_trailer_parse(t, 0, T_FILE, &tr, &err), err, QUIRE_E_FORMAT,
                 "bad trailer magic");
}
END_TEST

START_TEST(trailer_rejects_v1_layout)
{
    /* The last 40 bytes of a format 1 file: 8 bytes of its signature block, then its 32-byte
     * trailer (index offset, index size, signature block size, "QUIREEND"). Read as format 2,
     * the v1 signature block size lands in attachments_size, and the regions no longer tile the
     * file. */
    uint8_t t[40];
    quire_trailer tr;
    quire_error err = {0};
    memset(t, 0x41, 8);
    quire_store64(t + 8, T_OFF);
    quire_store64(t + 16, T_ISIZE);
    quire_store64(t + 24, T_SSIZE);
    memcpy(t + 32, "QUIREEND", 8);
    ASSERT_FAILS(quire_trailer_parse(t, sizeof t, T_FILE, &tr, &err), err, QUIRE_E_FORMAT,
                 "trailer does not match the file size");
}
END_TEST

START_TEST(trailer_rejects_index_offset_inside_header)
{
    expect_trailer_refused(31, T_ISIZE, T_SSIZE, 31 + T_ISIZE + T_SSIZE + 40, QUIRE_E_FORMAT,
                           "index offset inside the header (SPEC 7)");
    expect_trailer_refused(0, T_ISIZE, T_SSIZE, T_ISIZE + T_SSIZE + 40, QUIRE_E_FORMAT,
                           "index offset inside the header (SPEC 7)");
}
END_TEST

START_TEST(trailer_rejects_index_below_statement)
{
    expect_trailer_refused(32, 159, T_SSIZE, 32 + 159 + T_SSIZE + 40, QUIRE_E_FORMAT,
                           "index smaller than its statement (SPEC 7)");
    expect_trailer_refused(32, 80, T_SSIZE, 32 + 80 + T_SSIZE + 40, QUIRE_E_FORMAT,
                           "index smaller than its statement (SPEC 7)");
    expect_trailer_refused(32, 0, T_SSIZE, 32 + T_SSIZE + 40, QUIRE_E_FORMAT,
                           "index smaller than its statement (SPEC 7)");
}
END_TEST

START_TEST(trailer_rejects_index_above_1gib)
{
    uint64_t big = (UINT64_C(1) << 30) + 1;
    expect_trailer_refused(32, big, T_SSIZE, 32 + big + T_SSIZE + 40, QUIRE_E_LIMIT,
                           "index larger than 1073741824 bytes (SPEC 8)");
}
END_TEST

START_TEST(trailer_accepts_index_of_exactly_1gib)
{
    uint8_t t[40];
    quire_trailer tr;
    quire_error err = {0};
    uint64_t max = UINT64_C(1) << 30;
    make_trailer(t, 32, max, T_SSIZE);
    ASSERT_OK(quire_trailer_parse(t, sizeof t, 32 + max + T_SSIZE + 40, &tr, &err), err);
}
END_TEST

START_TEST(trailer_rejects_sigblock_size_out_of_range)
{
    expect_trailer_refused(T_OFF, T_ISIZE, SIGBLOCK_MIN - 1, T_OFF + T_ISIZE + SIGBLOCK_MIN + 39,
                           QUIRE_E_FORMAT, "signature block size out of range (SPEC 7)");
    expect_trailer_refused(T_OFF, T_ISIZE, 0, T_OFF + T_ISIZE + 40, QUIRE_E_FORMAT,
                           "signature block size out of range (SPEC 7)");
    expect_trailer_refused(T_OFF, T_ISIZE, SIGBLOCK_MAX + 1, T_OFF + T_ISIZE + SIGBLOCK_MAX + 41,
                           QUIRE_E_FORMAT, "signature block size out of range (SPEC 7)");
}
END_TEST

START_TEST(trailer_accepts_sigblock_size_bounds)
{
    uint8_t t[40];
    quire_trailer tr;
    quire_error err = {0};
    make_trailer(t, T_OFF, T_ISIZE, SIGBLOCK_MIN);
    ASSERT_OK(quire_trailer_parse(t, 40, T_OFF + T_ISIZE + SIGBLOCK_MIN + 40, &tr, &err), err);
    make_trailer(t, T_OFF, T_ISIZE, SIGBLOCK_MAX);
    ASSERT_OK(quire_trailer_parse(t, 40, T_OFF + T_ISIZE + SIGBLOCK_MAX + 40, &tr, &err), err);
}
END_TEST

START_TEST(trailer_rejects_attachments)
{
    /* SPEC 7, 8: attachments_size is 0 or 25 to 262,144, even when the file size would account
     * for them. */
    static const uint64_t sizes[] = {1, 24, 262145, UINT64_C(1) << 32, UINT64_MAX};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t t[40];
        quire_trailer tr;
        quire_error err = {0};
        uint64_t a = sizes[k];
        uint64_t file = a < 1048576 ? T_FILE + a : T_FILE;
        make_trailer4(t, T_OFF, T_ISIZE, T_SSIZE, a);
        ASSERT_FAILS(quire_trailer_parse(t, sizeof t, file, &tr, &err), err, QUIRE_E_LIMIT,
                     "attachments size out of range: not 0 or 25 to 262144 (SPEC 8)");
    }
}
END_TEST

START_TEST(trailer_accepts_attachments_in_range)
{
    /* SPEC 7.1: the area's size is in range and counts in the tiling. */
    static const uint64_t sizes[] = {25, 4096, 262144};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t t[40];
        quire_trailer tr;
        quire_error err = {0};
        make_trailer4(t, T_OFF, T_ISIZE, T_SSIZE, sizes[k]);
        ASSERT_OK(quire_trailer_parse(t, sizeof t, T_FILE + sizes[k], &tr, &err), err);
        ck_assert(tr.attachments_size == sizes[k]);
        ASSERT_FAILS(quire_trailer_parse(t, sizeof t, T_FILE, &tr, &err), err, QUIRE_E_FORMAT,
                     "trailer does not match the file size");
    }
}
END_TEST

START_TEST(trailer_rejects_sizes_that_wrap)
{
    /* Each would make index_offset + index_size + sigblock_size + 40 wrap around 2^64 to a
     * small number; all are caught before any addition. */
    expect_trailer_refused(T_OFF, UINT64_MAX - 10, T_SSIZE, T_FILE, QUIRE_E_LIMIT,
                           "index larger than");
    expect_trailer_refused(T_OFF, T_ISIZE, UINT64_MAX - 100, T_FILE, QUIRE_E_FORMAT,
                           "signature block size out of range");
    expect_trailer_refused(UINT64_MAX - T_ISIZE - T_SSIZE - 39, T_ISIZE, T_SSIZE, T_FILE,
                           QUIRE_E_FORMAT, "trailer does not match the file size");
    expect_trailer_refused(UINT64_MAX, T_ISIZE, T_SSIZE, UINT64_MAX, QUIRE_E_FORMAT,
                           "trailer does not match the file size");
}
END_TEST

START_TEST(trailer_rejects_file_size_off_by_one)
{
    expect_trailer_refused(T_OFF, T_ISIZE, T_SSIZE, T_FILE + 1, QUIRE_E_FORMAT,
                           "trailer does not match the file size: truncated, or bytes inserted or "
                           "appended (SPEC 7)");
    expect_trailer_refused(T_OFF, T_ISIZE, T_SSIZE, T_FILE - 1, QUIRE_E_FORMAT,
                           "trailer does not match the file size");
    expect_trailer_refused(T_OFF + 1, T_ISIZE, T_SSIZE, T_FILE, QUIRE_E_FORMAT,
                           "trailer does not match the file size");
    expect_trailer_refused(T_OFF, T_ISIZE, T_SSIZE, T_FILE - 8, QUIRE_E_FORMAT,
                           "trailer does not match the file size"); /* a v1-sized trailer */
    expect_trailer_refused(T_OFF, T_ISIZE, T_SSIZE, 100, QUIRE_E_FORMAT,
                           "trailer does not match the file size");
    expect_trailer_refused(T_OFF, T_ISIZE, T_SSIZE, 0, QUIRE_E_FORMAT,
                           "trailer does not match the file size");
}
END_TEST

static Suite *frame_suite(void)
{
    Suite *s = suite_create("frame");
    TCase *h = tcase_create("header");
    tcase_add_test(h, header_accepts_v2_header);
    tcase_add_test(h, header_rejects_each_magic_byte);
    tcase_add_test(h, header_rejects_short_buffer);
    tcase_add_test(h, header_refuses_version_1_by_name);
    tcase_add_test(h, header_rejects_other_versions);
    tcase_add_test(h, header_rejects_flags);
    tcase_add_test(h, header_rejects_each_algorithm_id);
    tcase_add_test(h, header_rejects_each_reserved_byte);
    suite_add_tcase(s, h);

    TCase *t = tcase_create("trailer");
    tcase_add_test(t, trailer_is_40_bytes);
    tcase_add_test(t, trailer_parses_consistent_fields);
    tcase_add_test(t, trailer_accepts_smallest_bundle);
    tcase_add_test(t, trailer_rejects_bad_magic);
    tcase_add_test(t, trailer_rejects_v1_layout);
    tcase_add_test(t, trailer_rejects_index_offset_inside_header);
    tcase_add_test(t, trailer_rejects_index_below_statement);
    tcase_add_test(t, trailer_rejects_index_above_1gib);
    tcase_add_test(t, trailer_accepts_index_of_exactly_1gib);
    tcase_add_test(t, trailer_rejects_sigblock_size_out_of_range);
    tcase_add_test(t, trailer_accepts_sigblock_size_bounds);
    tcase_add_test(t, trailer_rejects_attachments);
    tcase_add_test(t, trailer_accepts_attachments_in_range);
    tcase_add_test(t, trailer_rejects_sizes_that_wrap);
    tcase_add_test(t, trailer_rejects_file_size_off_by_one);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(frame_suite());
}
