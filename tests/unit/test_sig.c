/* SPDX-License-Identifier: ISC */
/* test_sig.c: signing, verification and the signature block (lib/common/quire_sig.c,
 * quire_sign in lib/write/quire_seckey.c). */
#include <stdlib.h>

#include <sodium.h>

#include "unit_support.h"

typedef struct signed_fixture {
    quire_seckey *sk;
    quire_pubkey pk;
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_sig sig;
} signed_fixture;

static void sign_fixture(signed_fixture *f, const char *comment)
{
    quire_error err = {0};
    ASSERT_OK(quire_keypair_generate(&f->sk, &f->pk, &err), err);
    quire_prehash((const uint8_t *)"index bytes", 11, f->prehash);
    ASSERT_OK(quire_sign(f->sk, f->prehash, comment, &f->sig, &err), err);
}

/* Appends one record in the layout of write_signature() (lib/write/quire_writer.c):
 * "ED", key id, signature, comment length (u16), comment, global signature. */
static size_t put_record(uint8_t *p, const quire_sig *s, const void *comment, uint16_t clen)
{
    memcpy(p, "ED", 2);
    memcpy(p + 2, s->key_id, QUIRE_KEY_ID_BYTES);
    memcpy(p + 10, s->sig, QUIRE_SIGNATURE_BYTES);
    quire_store16(p + 74, clen);
    memcpy(p + 76, comment, clen);
    memcpy(p + 76 + clen, s->global_sig, QUIRE_SIGNATURE_BYTES);
    return QUIRE_SIG_RECORD_MIN_BYTES + clen;
}

static size_t put_fixed(uint8_t *p, uint32_t count)
{
    memcpy(p, QUIRE_SIGBLOCK_MAGIC, 8);
    quire_store32(p + 8, count);
    quire_store32(p + 12, 0);
    return QUIRE_SIGBLOCK_FIXED_BYTES;
}

/* A block of count records that all carry the same signature and comment. */
static uint8_t *make_block(const quire_sig *s, const char *comment, uint32_t count, size_t *len)
{
    size_t clen = strlen(comment);
    uint8_t *b = malloc(QUIRE_SIGBLOCK_FIXED_BYTES + count * (QUIRE_SIG_RECORD_MIN_BYTES + clen));
    ck_assert_ptr_nonnull(b);
    size_t off = put_fixed(b, count);
    for (uint32_t i = 0; i < count; i++)
        off += put_record(b + off, s, comment, (uint16_t)clen);
    *len = off;
    return b;
}

/* Parses len bytes from an exact-size heap copy, so that ASan sees any read past the end. The
 * copy is freed: out's comments must not be used afterwards. */
static int parse_copy(const uint8_t *b, size_t len, quire_sigblock *out, quire_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, b, len);
    int rc = quire_sigblock_parse(copy, len, out, err);
    free(copy);
    return rc;
}

/* ---- sign and verify ---- */

START_TEST(signature_verifies_with_its_key)
{
    signed_fixture f;
    sign_fixture(&f, "timestamp:1 file:x");
    ck_assert(quire_sig_verify(&f.sig, &f.pk, f.prehash));
    ck_assert_mem_eq(f.sig.key_id, f.pk.key_id, QUIRE_KEY_ID_BYTES);
    ck_assert_uint_eq(f.sig.comment_len, strlen("timestamp:1 file:x"));
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(signature_matches_minisign_construction)
{
    /* minisign -H: Ed25519 over the BLAKE2b-512 prehash; the global signature covers the
     * signature followed by the trusted comment. */
    signed_fixture f;
    uint8_t part[QUIRE_SIGNATURE_BYTES + 3];
    sign_fixture(&f, "abc");
    ck_assert_int_eq(crypto_sign_verify_detached(f.sig.sig, f.prehash, 64, f.pk.pk), 0);
    memcpy(part, f.sig.sig, 64);
    memcpy(part + 64, "abc", 3);
    ck_assert_int_eq(crypto_sign_verify_detached(f.sig.global_sig, part, sizeof part, f.pk.pk), 0);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(signature_fails_for_another_key)
{
    signed_fixture f, g;
    sign_fixture(&f, "c");
    sign_fixture(&g, "c");
    quire_pubkey other = g.pk;
    memcpy(other.key_id, f.pk.key_id, QUIRE_KEY_ID_BYTES); /* same id, different key */
    ck_assert(!quire_sig_verify(&f.sig, &other, f.prehash));
    ck_assert(!quire_sig_verify(&f.sig, &g.pk, f.prehash));
    quire_seckey_free(f.sk);
    quire_seckey_free(g.sk);
}
END_TEST

START_TEST(signature_fails_for_wrong_key_id)
{
    signed_fixture f;
    sign_fixture(&f, "c");
    quire_pubkey k = f.pk;
    k.key_id[7] ^= 0x01;
    ck_assert(!quire_sig_verify(&f.sig, &k, f.prehash));
    quire_sig s = f.sig;
    s.key_id[0] ^= 0x01;
    ck_assert(!quire_sig_verify(&s, &f.pk, f.prehash));
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(signature_fails_for_flipped_prehash)
{
    signed_fixture f;
    sign_fixture(&f, "c");
    for (size_t i = 0; i < QUIRE_PREHASH_BYTES; i += 7) {
        uint8_t ph[QUIRE_PREHASH_BYTES];
        memcpy(ph, f.prehash, sizeof ph);
        ph[i] ^= 0x20;
        ck_assert_msg(!quire_sig_verify(&f.sig, &f.pk, ph), "prehash byte %zu", i);
    }
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(signature_fails_for_flipped_comment_byte)
{
    signed_fixture f;
    char comment[] = "trusted: yes";
    sign_fixture(&f, comment);
    comment[0] ^= 0x01; /* f.sig.comment borrows this array */
    ck_assert(!quire_sig_verify(&f.sig, &f.pk, f.prehash));
    comment[0] ^= 0x01;
    ck_assert(quire_sig_verify(&f.sig, &f.pk, f.prehash));
    f.sig.comment_len--;
    ck_assert(!quire_sig_verify(&f.sig, &f.pk, f.prehash));
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(signature_fails_for_flipped_global_sig)
{
    signed_fixture f;
    sign_fixture(&f, "c");
    f.sig.global_sig[63] ^= 0x01;
    ck_assert(!quire_sig_verify(&f.sig, &f.pk, f.prehash));
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(signature_fails_for_flipped_signature)
{
    signed_fixture f;
    sign_fixture(&f, "c");
    f.sig.sig[10] ^= 0x04;
    ck_assert(!quire_sig_verify(&f.sig, &f.pk, f.prehash));
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sign_accepts_1024_byte_comment)
{
    signed_fixture f;
    char c[1025];
    memset(c, 'c', 1024);
    c[1024] = '\0';
    sign_fixture(&f, c);
    ck_assert_uint_eq(f.sig.comment_len, 1024);
    ck_assert(quire_sig_verify(&f.sig, &f.pk, f.prehash));
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sign_refuses_long_or_dirty_comment)
{
    signed_fixture f;
    quire_sig s;
    quire_error err = {0};
    char c[1026];
    memset(c, 'c', 1025);
    c[1025] = '\0';
    sign_fixture(&f, "ok");
    ASSERT_FAILS(quire_sign(f.sk, f.prehash, c, &s, &err), err, QUIRE_E_USAGE, "at most 1024");
    ASSERT_FAILS(quire_sign(f.sk, f.prehash, "esc\x1b[0m", &s, &err), err, QUIRE_E_USAGE,
                 "printable UTF-8");
    ASSERT_FAILS(quire_sign(f.sk, f.prehash, "bad \xc0\xaf", &s, &err), err, QUIRE_E_USAGE,
                 "printable UTF-8");
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(prehash_is_blake2b_512)
{
    /* RFC 7693 appendix A: BLAKE2b-512("abc"). */
    static const uint8_t want[64] = {
        0xba, 0x80, 0xa5, 0x3f, 0x98, 0x1c, 0x4d, 0x0d, 0x6a, 0x27, 0x97, 0xb6, 0x9f,
        0x12, 0xf6, 0xe9, 0x4c, 0x21, 0x2f, 0x14, 0x68, 0x5a, 0xc4, 0xb7, 0x4b, 0x12,
        0xbb, 0x6f, 0xdb, 0xff, 0xa2, 0xd1, 0x7d, 0x87, 0xc5, 0x39, 0x2a, 0xab, 0x79,
        0x2d, 0xc2, 0x52, 0xd5, 0xde, 0x45, 0x33, 0xcc, 0x95, 0x18, 0xd3, 0x8a, 0xa8,
        0xdb, 0xf1, 0x92, 0x5a, 0xb9, 0x23, 0x86, 0xed, 0xd4, 0x00, 0x99, 0x23};
    uint8_t out[64];
    quire_prehash((const uint8_t *)"abc", 3, out);
    ck_assert_mem_eq(out, want, 64);
}
END_TEST

/* ---- signature block ---- */

START_TEST(sigblock_parses_writer_layout)
{
    signed_fixture f;
    quire_sigblock sb;
    quire_error err = {0};
    size_t len;
    sign_fixture(&f, "packed by quire");
    uint8_t *b = make_block(&f.sig, "packed by quire", 1, &len);
    ck_assert_uint_eq(len, 16 + 140 + 15);
    ASSERT_OK(quire_sigblock_parse(b, len, &sb, &err), err);
    ck_assert_uint_eq(sb.count, 1);
    ck_assert_mem_eq(sb.sigs[0].key_id, f.pk.key_id, 8);
    ck_assert_mem_eq(sb.sigs[0].sig, f.sig.sig, 64);
    ck_assert_mem_eq(sb.sigs[0].global_sig, f.sig.global_sig, 64);
    ck_assert_uint_eq(sb.sigs[0].comment_len, 15);
    ck_assert_ptr_eq(sb.sigs[0].comment, b + 16 + 76);
    ck_assert(quire_sig_verify(&sb.sigs[0], &f.pk, f.prehash));
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_parses_16_records_of_varied_comments)
{
    signed_fixture f;
    quire_sigblock sb;
    quire_error err = {0};
    uint8_t *b = malloc(16 + 16 * (140 + 20));
    sign_fixture(&f, "");
    size_t off = put_fixed(b, 16);
    for (uint16_t i = 0; i < 16; i++)
        off += put_record(b + off, &f.sig, "twenty bytes comment", i);
    ASSERT_OK(quire_sigblock_parse(b, off, &sb, &err), err);
    ck_assert_uint_eq(sb.count, 16);
    ck_assert_uint_eq(sb.sigs[15].comment_len, 15);
    ck_assert(quire_sig_verify(&sb.sigs[0], &f.pk, f.prehash));
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_accepts_1024_byte_comment)
{
    signed_fixture f;
    quire_sigblock sb;
    quire_error err = {0};
    char c[1025];
    size_t len;
    memset(c, 'z', 1024);
    c[1024] = '\0';
    sign_fixture(&f, c);
    uint8_t *b = make_block(&f.sig, c, 1, &len); /* exact size: ASan sees overreads */
    ASSERT_OK(quire_sigblock_parse(b, len, &sb, &err), err);
    ck_assert(quire_sig_verify(&sb.sigs[0], &f.pk, f.prehash));
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_accepts_tab_in_comment)
{
    signed_fixture f;
    quire_sigblock sb;
    quire_error err = {0};
    size_t len;
    sign_fixture(&f, "x");
    uint8_t *b = make_block(&f.sig, "timestamp:1\tfile:a.quire\thashed", 1, &len);
    ASSERT_OK(parse_copy(b, len, &sb, &err), err);
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

/* Expects the block b (len bytes) to be refused with code and substring. */
static void expect_block_refused(const uint8_t *b, size_t len, int code, const char *sub)
{
    quire_sigblock sb;
    quire_error err = {0};
    ASSERT_FAILS(parse_copy(b, len, &sb, &err), err, code, sub);
    ck_assert_uint_eq(sb.count, 0);
}

START_TEST(sigblock_rejects_bad_magic)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "c");
    uint8_t *b = make_block(&f.sig, "c", 1, &len);
    b[7] = 'g';
    expect_block_refused(b, len, QUIRE_E_FORMAT, "signature block: bad magic (SPEC 6)");
    expect_block_refused(b, 0, QUIRE_E_FORMAT, "bad magic (SPEC 6)");
    memcpy(b, QUIRE_SIGBLOCK_MAGIC, 8);
    expect_block_refused(b, 15, QUIRE_E_FORMAT, "bad magic (SPEC 6)");
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_rejects_zero_count)
{
    uint8_t b[16];
    put_fixed(b, 0);
    expect_block_refused(b, 16, QUIRE_E_FORMAT, "no signature (SPEC 6)");
}
END_TEST

START_TEST(sigblock_rejects_17_signatures)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "c");
    uint8_t *b = make_block(&f.sig, "c", 17, &len);
    expect_block_refused(b, len, QUIRE_E_LIMIT, "more than 16 signatures (SPEC 8)");
    quire_store32(b + 8, UINT32_MAX);
    expect_block_refused(b, len, QUIRE_E_LIMIT, "more than 16 signatures (SPEC 8)");
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_rejects_nonzero_reserved)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "c");
    uint8_t *b = make_block(&f.sig, "c", 1, &len);
    for (int i = 12; i < 16; i++) {
        b[i] = 0x01;
        expect_block_refused(b, len, QUIRE_E_FORMAT, "reserved field is not zero (SPEC 6)");
        b[i] = 0;
    }
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_rejects_unknown_algorithm)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "c");
    uint8_t *b = make_block(&f.sig, "c", 1, &len);
    b[17] = 'd'; /* "Ed" is a key, not a signature record */
    expect_block_refused(b, len, QUIRE_E_FORMAT, "signature 0: unknown signature algorithm");
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_rejects_every_truncation)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "a comment");
    uint8_t *b = make_block(&f.sig, "a comment", 2, &len);
    for (size_t cut = 0; cut < len; cut++) {
        quire_sigblock sb;
        quire_error err = {0};
        int rc = parse_copy(b, cut, &sb, &err);
        ck_assert_msg(rc == QUIRE_E_FORMAT, "length %zu: rc %d", cut, rc);
        if (cut > 16 + 149 + 10)
            ck_assert_msg(strstr(err.msg, "signature 1: record truncated (SPEC 6.1)") != NULL,
                          "length %zu: %s", cut, err.msg);
    }
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_rejects_trailing_byte)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "c");
    uint8_t *b = make_block(&f.sig, "c", 1, &len);
    uint8_t *longer = calloc(1, len + 1);
    memcpy(longer, b, len);
    expect_block_refused(longer, len + 1, QUIRE_E_FORMAT, "1 bytes after the last record (SPEC 6)");
    free(longer);
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_rejects_comment_over_1024)
{
    signed_fixture f;
    uint8_t *b = calloc(1, 16 + 140 + 1025);
    sign_fixture(&f, "c");
    size_t off = put_fixed(b, 1);
    memset(b + off + 76, 'a', 1025);
    off += put_record(b + off, &f.sig, b + off + 76, 1025);
    expect_block_refused(b, off, QUIRE_E_LIMIT, "trusted comment longer than 1024 bytes (SPEC 8)");
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_rejects_comment_with_escape)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "c");
    uint8_t *b = make_block(&f.sig, "red \x1b[31m text", 1, &len);
    expect_block_refused(b, len, QUIRE_E_FORMAT,
                         "signature 0: trusted comment is not printable UTF-8 (SPEC 6.1)");
    free(b);
    b = make_block(&f.sig, "bad \xed\xa0\x80 utf8", 1, &len);
    expect_block_refused(b, len, QUIRE_E_FORMAT, "not printable UTF-8 (SPEC 6.1)");
    free(b);
    b = make_block(&f.sig, "line\nbreak", 1, &len);
    expect_block_refused(b, len, QUIRE_E_FORMAT, "not printable UTF-8 (SPEC 6.1)");
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

START_TEST(sigblock_survives_every_byte_flip)
{
    signed_fixture f;
    size_t len;
    sign_fixture(&f, "flip me");
    uint8_t *b = make_block(&f.sig, "flip me", 2, &len);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            quire_sigblock sb;
            quire_error err = {0};
            b[i] ^= (uint8_t)(1u << bit);
            int rc = parse_copy(b, len, &sb, &err);
            ck_assert_msg(rc == QUIRE_OK || rc == QUIRE_E_FORMAT || rc == QUIRE_E_LIMIT,
                          "byte %zu bit %d: rc %d", i, bit, rc);
            if (rc == QUIRE_OK)
                ck_assert_uint_eq(sb.count, 2);
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    free(b);
    quire_seckey_free(f.sk);
}
END_TEST

static Suite *sig_suite(void)
{
    Suite *s = suite_create("sig");
    TCase *v = tcase_create("sign_verify");
    tcase_add_test(v, signature_verifies_with_its_key);
    tcase_add_test(v, signature_matches_minisign_construction);
    tcase_add_test(v, signature_fails_for_another_key);
    tcase_add_test(v, signature_fails_for_wrong_key_id);
    tcase_add_test(v, signature_fails_for_flipped_prehash);
    tcase_add_test(v, signature_fails_for_flipped_comment_byte);
    tcase_add_test(v, signature_fails_for_flipped_global_sig);
    tcase_add_test(v, signature_fails_for_flipped_signature);
    tcase_add_test(v, sign_accepts_1024_byte_comment);
    tcase_add_test(v, sign_refuses_long_or_dirty_comment);
    tcase_add_test(v, prehash_is_blake2b_512);
    suite_add_tcase(s, v);

    TCase *b = tcase_create("sigblock");
    tcase_add_test(b, sigblock_parses_writer_layout);
    tcase_add_test(b, sigblock_parses_16_records_of_varied_comments);
    tcase_add_test(b, sigblock_accepts_1024_byte_comment);
    tcase_add_test(b, sigblock_accepts_tab_in_comment);
    tcase_add_test(b, sigblock_rejects_bad_magic);
    tcase_add_test(b, sigblock_rejects_zero_count);
    tcase_add_test(b, sigblock_rejects_17_signatures);
    tcase_add_test(b, sigblock_rejects_nonzero_reserved);
    tcase_add_test(b, sigblock_rejects_unknown_algorithm);
    tcase_add_test(b, sigblock_rejects_every_truncation);
    tcase_add_test(b, sigblock_rejects_trailing_byte);
    tcase_add_test(b, sigblock_rejects_comment_over_1024);
    tcase_add_test(b, sigblock_rejects_comment_with_escape);
    tcase_add_test(b, sigblock_survives_every_byte_flip);
    suite_add_tcase(s, b);
    return s;
}

int main(void)
{
    return run_suite(sig_suite());
}
