/* SPDX-License-Identifier: ISC */
/* test_common.c: little-endian fields, exit codes and error storage (lib/common/quire_common.c). */
#include <stdlib.h>

#include "unit_support.h"

START_TEST(store16_writes_little_endian_bytes)
{
    uint8_t b[2];
    quire_store16(b, 0x1234);
    ck_assert_uint_eq(b[0], 0x34);
    ck_assert_uint_eq(b[1], 0x12);
    ck_assert_uint_eq(quire_load16(b), 0x1234);
}
END_TEST

START_TEST(store32_writes_little_endian_bytes)
{
    const uint8_t want[4] = {0x78, 0x56, 0x34, 0x12};
    uint8_t b[4];
    quire_store32(b, 0x12345678u);
    ck_assert_mem_eq(b, want, 4);
    ck_assert_uint_eq(quire_load32(b), 0x12345678u);
}
END_TEST

START_TEST(store64_writes_little_endian_bytes)
{
    const uint8_t want[8] = {0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01};
    uint8_t b[8];
    quire_store64(b, UINT64_C(0x0123456789ABCDEF));
    ck_assert_mem_eq(b, want, 8);
    ck_assert(quire_load64(b) == UINT64_C(0x0123456789ABCDEF));
}
END_TEST

START_TEST(load_reads_high_bytes_unsigned)
{
    const uint8_t ff[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const uint8_t top[8] = {0, 0, 0, 0, 0, 0, 0, 0x80};
    ck_assert_uint_eq(quire_load16(ff), 0xFFFF);
    ck_assert_uint_eq(quire_load32(ff), 0xFFFFFFFFu);
    ck_assert(quire_load64(ff) == UINT64_MAX);
    ck_assert(quire_load64(top) == UINT64_C(1) << 63);
    ck_assert_uint_eq(quire_load32(top + 4), 0x80000000u);
}
END_TEST

START_TEST(round_trips_many_values)
{
    uint8_t b[8];
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 10000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        quire_store64(b, x);
        ck_assert(quire_load64(b) == x);
        quire_store32(b, (uint32_t)x);
        ck_assert_uint_eq(quire_load32(b), (uint32_t)x);
        quire_store16(b, (uint16_t)x);
        ck_assert_uint_eq(quire_load16(b), (uint16_t)x);
    }
}
END_TEST

START_TEST(store_touches_only_its_bytes)
{
    uint8_t b[10];
    memset(b, 0xAA, sizeof b);
    quire_store64(b + 1, 0);
    ck_assert_uint_eq(b[0], 0xAA);
    ck_assert_uint_eq(b[9], 0xAA);
    memset(b, 0xAA, sizeof b);
    quire_store16(b + 1, 0);
    ck_assert_uint_eq(b[3], 0xAA);
}
END_TEST

START_TEST(exit_code_is_0_for_ok)
{
    ck_assert_int_eq(quire_exit_code(QUIRE_OK), 0);
}
END_TEST

START_TEST(exit_code_is_1_for_bundle_failures)
{
    const int codes[] = {QUIRE_E_FORMAT, QUIRE_E_LIMIT, QUIRE_E_SIGNATURE, QUIRE_E_UNTRUSTED,
                         QUIRE_E_HASH};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        ck_assert_msg(quire_exit_code(codes[i]) == 1, "code %d", codes[i]);
}
END_TEST

START_TEST(exit_code_is_2_for_operational_errors)
{
    const int codes[] = {QUIRE_E_IO,  QUIRE_E_NOMEM, QUIRE_E_USAGE,
                         QUIRE_E_KEY, QUIRE_E_INPUT, QUIRE_E_NOTFOUND};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        ck_assert_msg(quire_exit_code(codes[i]) == 2, "code %d", codes[i]);
}
END_TEST

START_TEST(error_set_stores_code_and_message)
{
    quire_error err;
    memset(&err, 0x55, sizeof err);
    ck_assert_int_eq(quire_error_set(&err, QUIRE_E_FORMAT, "entry %u: %s", 7u, "bad"),
                     QUIRE_E_FORMAT);
    ck_assert_int_eq(err.code, QUIRE_E_FORMAT);
    ck_assert_str_eq(err.msg, "entry 7: bad");
}
END_TEST

START_TEST(error_set_accepts_null)
{
    ck_assert_int_eq(quire_error_set(NULL, QUIRE_E_HASH, "x %d", 1), QUIRE_E_HASH);
    ck_assert_int_eq(quire_error_set(NULL, QUIRE_OK, "fine"), QUIRE_OK);
}
END_TEST

START_TEST(error_set_truncates_long_messages)
{
    quire_error err;
    char *big = malloc(4 * QUIRE_ERROR_MSG_BYTES);
    ck_assert_ptr_nonnull(big);
    memset(big, 'm', 4 * QUIRE_ERROR_MSG_BYTES - 1);
    big[4 * QUIRE_ERROR_MSG_BYTES - 1] = '\0';
    quire_error_set(&err, QUIRE_E_IO, "%s", big);
    ck_assert_uint_eq(strlen(err.msg), QUIRE_ERROR_MSG_BYTES - 1);
    free(big);
}
END_TEST

/* Tables from quire_table_alloc are zeroed like calloc's, below and above the 2 MiB from which
 * huge pages are asked for (and at sizes that are not a multiple of a page). */
START_TEST(table_alloc_is_zeroed_at_every_size)
{
    static const size_t sizes[] = {0, 1, 4095, (2u << 20) - 1, 2u << 20, (2u << 20) + 3, 5u << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t *p = quire_table_alloc(sizes[k], 1);
        ck_assert_ptr_nonnull(p);
        for (size_t i = 0; i < sizes[k]; i++)
            if (p[i] != 0)
                ck_abort_msg("byte %zu of %zu is %u", i, sizes[k], p[i]);
        memset(p, 0xA5, sizes[k] ? sizes[k] : 1);
        free(p);
    }
    uint64_t *t = quire_table_alloc(3u << 18, sizeof *t); /* 6 MiB of 8-byte records */
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t[(3u << 18) - 1], 0);
    free(t);
}
END_TEST

START_TEST(error_set_fills_entry_unit_and_rule)
{
    quire_error e;
    quire_error_set(&e, QUIRE_E_HASH, "entry %u (%s): content SHA-256 mismatch (SPEC 9 step 12)",
                    3u, "a(SPEC 1)b");
    ck_assert_int_eq(e.entry, 3);
    ck_assert_int_eq(e.unit, -1);
    ck_assert_int_eq(e.signature, -1);
    ck_assert_str_eq(e.rule, "SPEC 9 step 12");
    quire_error_set(&e, QUIRE_E_HASH, "unit %u: stored bytes do not match (SPEC 9 step 11)", 7u);
    ck_assert_int_eq(e.unit, 7);
    ck_assert_int_eq(e.entry, -1);
    ck_assert_str_eq(e.rule, "SPEC 9 step 11");
    quire_error_set(&e, QUIRE_E_FORMAT, "signature 2: record truncated (SPEC 6.1)");
    ck_assert_int_eq(e.signature, 2);
    ck_assert_str_eq(e.rule, "SPEC 6.1");
    quire_error_set(&e, QUIRE_E_IO, "cannot open: No such file or directory");
    ck_assert_str_eq(e.rule, "");
    ck_assert_int_eq(e.entry, -1);
    quire_error_set(&e, QUIRE_E_IO, "entry point (SPEC 3) was here");
    ck_assert_str_eq(e.rule, ""); /* a rule only counts at the end */
    ck_assert_int_eq(e.entry, -1);
}
END_TEST

static Suite *common_suite(void)
{
    Suite *s = suite_create("common");
    TCase *le = tcase_create("little_endian");
    tcase_add_test(le, store16_writes_little_endian_bytes);
    tcase_add_test(le, store32_writes_little_endian_bytes);
    tcase_add_test(le, store64_writes_little_endian_bytes);
    tcase_add_test(le, load_reads_high_bytes_unsigned);
    tcase_add_test(le, round_trips_many_values);
    tcase_add_test(le, store_touches_only_its_bytes);
    suite_add_tcase(s, le);
    TCase *ec = tcase_create("errors");
    tcase_add_test(ec, exit_code_is_0_for_ok);
    tcase_add_test(ec, exit_code_is_1_for_bundle_failures);
    tcase_add_test(ec, exit_code_is_2_for_operational_errors);
    tcase_add_test(ec, error_set_stores_code_and_message);
    tcase_add_test(ec, error_set_accepts_null);
    tcase_add_test(ec, error_set_truncates_long_messages);
    tcase_add_test(ec, error_set_fills_entry_unit_and_rule);
    tcase_add_test(ec, table_alloc_is_zeroed_at_every_size);
    suite_add_tcase(s, ec);
    return s;
}

int main(void)
{
    return run_suite(common_suite());
}
