/* SPDX-License-Identifier: ISC */
/* test_attach.c: the attachments area's framing (lib/common/quire_attach.c, SPEC 7.1, SPEC 8):
 * every rule of the parser, the encoder's round trip, and a reader that opens a bundle with
 * attachments and keeps its fingerprint. */
#include "quire_attach.h"
#include "unit_support.h"

/* An area of n records of the given types, each with a body of len bytes of 0xAB. */
static size_t build(uint8_t *buf, size_t cap, uint32_t n, const uint16_t *types, uint32_t len)
{
    static uint8_t body[QUIRE_MAX_ATTACHMENT_BODY_BYTES + 1];
    quire_attachments a = {.count = n};
    quire_error err = {0};
    size_t out = 0;
    memset(body, 0xAB, sizeof body);
    for (uint32_t i = 0; i < n; i++)
        a.recs[i] = (quire_attachment){types[i], len, body};
    ASSERT_OK(quire_attachments_encode(&a, buf, cap, &out, &err), err);
    return out;
}

static uint8_t area[QUIRE_MAX_ATTACHMENTS_BYTES + 64];

static void refused(size_t len, int code, const char *sub)
{
    quire_attachments a;
    quire_error err = {0};
    ASSERT_FAILS(quire_attachments_parse(area, len, &a, &err), err, code, sub);
    ck_assert_uint_eq(a.count, 0);
}

START_TEST(empty_area_is_no_attachments)
{
    quire_attachments a;
    quire_error err = {0};
    ASSERT_OK(quire_attachments_parse(NULL, 0, &a, &err), err);
    ck_assert_uint_eq(a.count, 0);
    ck_assert_uint_eq(quire_attachments_size(&a), 0);
}
END_TEST

START_TEST(round_trip)
{
    const uint16_t types[] = {1, 40000, 1};
    size_t n = build(area, sizeof area, 3, types, 100);
    ck_assert_uint_eq(n, 16 + 3 * (8 + 100));
    ck_assert(memcmp(area, "QUIREATT\3\0\0\0\0\0\0\0\1\0\0\0\x64\0\0\0", 24) == 0);
    quire_attachments a;
    quire_error err = {0};
    ASSERT_OK(quire_attachments_parse(area, n, &a, &err), err);
    ck_assert_uint_eq(a.count, 3);
    ck_assert_uint_eq(a.recs[1].type, 40000);
    ck_assert_uint_eq(a.recs[2].len, 100);
    ck_assert_ptr_eq(a.recs[2].body, area + 16 + 2 * 108 + 8);
}
END_TEST

START_TEST(header_rules)
{
    const uint16_t t1[] = {1};
    size_t n = build(area, sizeof area, 1, t1, 10);
    area[0] ^= 1;
    refused(n, QUIRE_E_FORMAT, "attachments: bad magic (SPEC 7.1)");
    area[0] ^= 1;
    area[12] = 1;
    refused(n, QUIRE_E_FORMAT, "attachments: reserved field is not zero (SPEC 7.1)");
    area[12] = 0;
    area[8] = 0;
    refused(n, QUIRE_E_LIMIT, "attachments: 0 records, not 1 to 16 (SPEC 8)");
    area[8] = 17;
    refused(n, QUIRE_E_LIMIT, "attachments: 17 records, not 1 to 16 (SPEC 8)");
    area[8] = 2;
    refused(n, QUIRE_E_FORMAT, "attachment 1 runs past the attachments area (SPEC 7.1)");
    area[8] = 1;
    refused(24, QUIRE_E_LIMIT, "attachments area of 24 bytes, not 0 or 25 to 262144 (SPEC 8)");
    refused(QUIRE_MAX_ATTACHMENTS_BYTES + 1, QUIRE_E_LIMIT, "not 0 or 25 to 262144 (SPEC 8)");
}
END_TEST

START_TEST(record_rules)
{
    const uint16_t t1[] = {1};
    size_t n = build(area, sizeof area, 1, t1, 10);
    for (unsigned type = 0; type < 4; type++) {
        quire_store16(area + 16, (uint16_t)type);
        if (type != 1)
            refused(n, QUIRE_E_FORMAT, "attachment 0 has the reserved type");
    }
    quire_store16(area + 16, 32767);
    refused(n, QUIRE_E_FORMAT, "attachment 0 has the reserved type 32767 (SPEC 7.1)");
    quire_store16(area + 16, 32768); /* the first ignorable type */
    quire_attachments a;
    quire_error err = {0};
    ASSERT_OK(quire_attachments_parse(area, n, &a, &err), err);
    quire_store16(area + 18, 1);
    refused(n, QUIRE_E_FORMAT, "attachment 0: reserved field is not zero (SPEC 7.1)");
    quire_store16(area + 18, 0);
    quire_store32(area + 20, 0);
    refused(n, QUIRE_E_LIMIT, "attachment 0: body of 0 bytes, not 1 to 65536 (SPEC 8)");
    quire_store32(area + 20, 11);
    refused(n, QUIRE_E_FORMAT, "attachment 0 runs past the attachments area (SPEC 7.1)");
    quire_store32(area + 20, UINT32_MAX);
    refused(n, QUIRE_E_LIMIT, "body of 4294967295 bytes");
    quire_store32(area + 20, 9);
    refused(n, QUIRE_E_FORMAT, "attachments: 1 bytes after the last record (SPEC 7.1)");
    quire_store32(area + 20, 10);
    refused(n - 3, QUIRE_E_FORMAT, "attachment 0 runs past the attachments area (SPEC 7.1)");
}
END_TEST

START_TEST(encoder_limits)
{
    static uint8_t body[QUIRE_MAX_ATTACHMENT_BODY_BYTES + 1];
    quire_attachments a = {.count = 1};
    quire_error err = {0};
    size_t n;
    a.recs[0] = (quire_attachment){1, QUIRE_MAX_ATTACHMENT_BODY_BYTES + 1, body};
    ASSERT_FAILS(quire_attachments_encode(&a, area, sizeof area, &n, &err), err, QUIRE_E_LIMIT,
                 "body of 65537 bytes");
    a.recs[0] = (quire_attachment){2, 1, body};
    ASSERT_FAILS(quire_attachments_encode(&a, area, sizeof area, &n, &err), err, QUIRE_E_FORMAT,
                 "reserved type 2");
    a.count = 5;
    for (int i = 0; i < 5; i++)
        a.recs[i] = (quire_attachment){1, 60000, body};
    ASSERT_FAILS(quire_attachments_encode(&a, area, sizeof area, &n, &err), err, QUIRE_E_LIMIT,
                 "more than 262144 (SPEC 8)");
    a.count = 1;
    ASSERT_FAILS(quire_attachments_encode(&a, area, 100, &n, &err), err, QUIRE_E_USAGE,
                 "too small");
}
END_TEST

static Suite *attach_suite(void)
{
    Suite *s = suite_create("attach");
    TCase *t = tcase_create("framing");
    tcase_add_test(t, empty_area_is_no_attachments);
    tcase_add_test(t, round_trip);
    tcase_add_test(t, header_rules);
    tcase_add_test(t, record_rules);
    tcase_add_test(t, encoder_limits);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(attach_suite());
}
