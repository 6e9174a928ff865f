/* SPDX-License-Identifier: ISC */
/* test_key.c: minisign public and secret keys (lib/common/quire_key.c, lib/write/quire_seckey.c).
 *
 * main() deliberately does not call sodium_init(): the first test case checks that the library
 * initialises libsodium itself. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "unit_support.h"

#define SK_RAW 158
#define OFF_OPS 38
#define OFF_MEM 46
#define OFF_SK 62
#define OFF_CHK 126
#define OPS_SMALL 32768u
#define MEM_SMALL (16u << 20)

static quire_seckey *gen(quire_pubkey *pk)
{
    quire_seckey *sk = NULL;
    quire_error err = {0};
    ASSERT_OK(quire_keypair_generate(&sk, pk, &err), err);
    return sk;
}

static char *encode_sk(const quire_seckey *sk, const char *pass)
{
    char *text = NULL;
    quire_error err = {0};
    ASSERT_OK(quire_seckey_encode(sk, pass, OPS_SMALL, MEM_SMALL, &text, &err), err);
    return text;
}

/* Decodes the base64 line of a secret key file into raw[SK_RAW]; returns the comment length. */
static size_t sk_decode(const char *text, uint8_t raw[SK_RAW])
{
    const char *nl = strchr(text, '\n');
    size_t got = 0;
    ck_assert_ptr_nonnull(nl);
    ck_assert_int_eq(sodium_base642bin(raw, SK_RAW, nl + 1, strlen(nl + 1), "\n", &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    ck_assert_uint_eq(got, SK_RAW);
    return (size_t)(nl + 1 - text);
}

/* Rebuilds a secret key file with the comment of text and the bytes raw. */
static char *sk_reencode(const char *text, const uint8_t raw[SK_RAW])
{
    size_t clen = strchr(text, '\n') + 1 - text;
    size_t b64 = sodium_base64_ENCODED_LEN(SK_RAW, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(clen + b64 + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, text, clen);
    sodium_bin2base64(out + clen, b64, raw, SK_RAW, sodium_base64_VARIANT_ORIGINAL);
    strcat(out, "\n");
    return out;
}

static void assert_same_seckey(const quire_seckey *a, const quire_seckey *b)
{
    ck_assert_mem_eq(a->key_id, b->key_id, QUIRE_KEY_ID_BYTES);
    ck_assert_mem_eq(a->sk, b->sk, QUIRE_SECKEY_BYTES);
}

/* ---- the library initialises libsodium itself ---- */

START_TEST(seckey_parse_works_before_sodium_init)
{
    /* Regression (fixed in 0837355): sodium_malloc() before sodium_init() makes libsodium
     * abort. Runs in a freshly forked process in which nothing has initialised libsodium. */
    const char *text = "untrusted comment: x\nnot base64 at all\n";
    quire_error err = {0};
    quire_seckey *sk = NULL;
    ASSERT_FAILS(quire_seckey_parse(text, strlen(text), NULL, &sk, &err), err, QUIRE_E_KEY,
                 "not a base64 minisign secret key");
}
END_TEST

START_TEST(seckey_is_encrypted_works_before_sodium_init)
{
    /* Regression (fixed in 0837355), as above. */
    const char *text = "untrusted comment: x\nnot base64 at all\n";
    quire_error err = {0};
    ASSERT_FAILS(quire_seckey_is_encrypted(text, strlen(text), &err), err, QUIRE_E_KEY,
                 "not a base64 minisign secret key");
}
END_TEST

/* ---- public keys ---- */

START_TEST(pubkey_round_trips_file_form)
{
    quire_pubkey pk, back;
    quire_error err = {0};
    char buf[256];
    quire_seckey *sk = gen(&pk);
    int n = quire_pubkey_encode(&pk, buf, sizeof buf);
    ck_assert_int_gt(n, 0);
    ck_assert_uint_eq(strlen(buf), (size_t)n);
    ASSERT_OK(quire_pubkey_parse(buf, (size_t)n, &back, &err), err);
    ck_assert_mem_eq(back.key_id, pk.key_id, QUIRE_KEY_ID_BYTES);
    ck_assert_mem_eq(back.pk, pk.pk, QUIRE_PUBKEY_BYTES);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(pubkey_round_trips_bare_line)
{
    quire_pubkey pk, back;
    quire_error err = {0};
    char buf[256];
    quire_seckey *sk = gen(&pk);
    ck_assert_int_gt(quire_pubkey_encode(&pk, buf, sizeof buf), 0);
    const char *line = strchr(buf, '\n') + 1;
    ASSERT_OK(quire_pubkey_parse(line, strlen(line), &back, &err), err);
    ck_assert_mem_eq(back.pk, pk.pk, QUIRE_PUBKEY_BYTES);
    /* without its newline too */
    ASSERT_OK(quire_pubkey_parse(line, strlen(line) - 1, &back, &err), err);
    ck_assert_mem_eq(back.key_id, pk.key_id, QUIRE_KEY_ID_BYTES);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(pubkey_encode_writes_minisign_file)
{
    quire_pubkey pk;
    char buf[256], hex[17], want[80];
    uint8_t raw[42];
    size_t got = 0;
    quire_seckey *sk = gen(&pk);
    ck_assert_int_gt(quire_pubkey_encode(&pk, buf, sizeof buf), 0);
    quire_key_id_hex(pk.key_id, hex);
    snprintf(want, sizeof want, "untrusted comment: minisign public key %s\n", hex);
    ck_assert_int_eq(strncmp(buf, want, strlen(want)), 0);
    const char *line = buf + strlen(want);
    ck_assert_uint_eq(strlen(line), 56 + 1);
    ck_assert_int_eq(sodium_base642bin(raw, sizeof raw, line, 56, NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    ck_assert_uint_eq(got, 42);
    ck_assert_mem_eq(raw, "Ed", 2);
    ck_assert_mem_eq(raw + 2, pk.key_id, 8);
    ck_assert_mem_eq(raw + 10, pk.pk, 32);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(pubkey_encode_refuses_small_buffer)
{
    quire_pubkey pk;
    char buf[256];
    quire_seckey *sk = gen(&pk);
    int n = quire_pubkey_encode(&pk, buf, sizeof buf);
    ck_assert_int_eq(quire_pubkey_encode(&pk, buf, (size_t)n), QUIRE_E_USAGE);
    ck_assert_int_eq(quire_pubkey_encode(&pk, buf, (size_t)n + 1), n);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(pubkey_accepts_crlf_lines)
{
    const char *text = "untrusted comment: minisign public key C90BF7336C41C400\r\n"
                       "RWQAxEFsM/cLyXlthwlQfzmPIVEulR/R/IbxcbDxElZwPEjV9huFWyU+\r\n";
    quire_pubkey pk;
    quire_error err = {0};
    char hex[17];
    ASSERT_OK(quire_pubkey_parse(text, strlen(text), &pk, &err), err);
    quire_key_id_hex(pk.key_id, hex);
    ck_assert_str_eq(hex, "C90BF7336C41C400");
}
END_TEST

START_TEST(pubkey_ignores_spaces_tabs_and_crs_in_the_line)
{
    const char *text = "untrusted comment: k\n"
                       " RWQAxEFsM/cLyXlthwlQ\tfzmPIVEulR/R/IbxcbDxElZwPEjV9h uFWyU+ \r\n\n  \n";
    quire_pubkey pk;
    quire_error err = {0};
    char hex[17];
    ASSERT_OK(quire_pubkey_parse(text, strlen(text), &pk, &err), err);
    quire_key_id_hex(pk.key_id, hex);
    ck_assert_str_eq(hex, "C90BF7336C41C400");
}
END_TEST

START_TEST(pubkey_load_accepts_4096_bytes_refuses_4097)
{
    char *dir = make_temp_dir(), path[4200];
    char buf[4097];
    const char *key = "RWQAxEFsM/cLyXlthwlQfzmPIVEulR/R/IbxcbDxElZwPEjV9huFWyU+\n";
    quire_pubkey pk;
    quire_error err = {0};
    memset(buf, '\n', sizeof buf);
    memcpy(buf, key, strlen(key));
    snprintf(path, sizeof path, "%s/edge.pub", dir);
    spit_path(path, (const uint8_t *)buf, 4096);
    ASSERT_OK(quire_pubkey_load(path, &pk, &err), err);
    spit_path(path, (const uint8_t *)buf, 4097);
    ASSERT_FAILS(quire_pubkey_load(path, &pk, &err), err, QUIRE_E_KEY, "larger than 4096");
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(pubkey_rejects_truncated_base64)
{
    const char *text = "RWQAxEFsM/cLyXlthwlQfzmPIVEulR/R/IbxcbDxElZwPEjV9huF";
    quire_pubkey pk;
    quire_error err = {0};
    ASSERT_FAILS(quire_pubkey_parse(text, strlen(text), &pk, &err), err, QUIRE_E_KEY,
                 "not a base64 minisign key");
}
END_TEST

START_TEST(pubkey_rejects_garbage)
{
    const char *text = "untrusted comment: hello\n!!!! this is not a key !!!!\n";
    quire_pubkey pk;
    quire_error err = {0};
    ASSERT_FAILS(quire_pubkey_parse(text, strlen(text), &pk, &err), err, QUIRE_E_KEY,
                 "not a base64 minisign key");
    ASSERT_FAILS(quire_pubkey_parse("", 0, &pk, &err), err, QUIRE_E_KEY, "public key");
}
END_TEST

START_TEST(pubkey_rejects_other_algorithm)
{
    uint8_t raw[42] = {'E', 'x'};
    char line[64];
    quire_pubkey pk;
    quire_error err = {0};
    sodium_bin2base64(line, sizeof line, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    ASSERT_FAILS(quire_pubkey_parse(line, strlen(line), &pk, &err), err, QUIRE_E_KEY,
                 "algorithm is not Ed");
}
END_TEST

START_TEST(pubkey_rejects_text_after_key)
{
    const char *text = "untrusted comment: k\n"
                       "RWQAxEFsM/cLyXlthwlQfzmPIVEulR/R/IbxcbDxElZwPEjV9huFWyU+\nextra\n";
    quire_pubkey pk;
    quire_error err = {0};
    ASSERT_FAILS(quire_pubkey_parse(text, strlen(text), &pk, &err), err, QUIRE_E_KEY,
                 "unexpected text after the key");
}
END_TEST

START_TEST(pubkey_rejects_comment_without_key)
{
    const char *text = "untrusted comment: only a comment";
    quire_pubkey pk;
    quire_error err = {0};
    ASSERT_FAILS(quire_pubkey_parse(text, strlen(text), &pk, &err), err, QUIRE_E_KEY,
                 "no key line after the comment");
}
END_TEST

START_TEST(pubkey_load_reads_fixture)
{
    quire_pubkey pk;
    quire_error err = {0};
    char hex[17];
    ASSERT_OK(quire_pubkey_load(FIXTURES "/keys/test.pub", &pk, &err), err);
    quire_key_id_hex(pk.key_id, hex);
    ck_assert_str_eq(hex, "C90BF7336C41C400");
}
END_TEST

START_TEST(pubkey_load_reports_missing_file)
{
    quire_pubkey pk;
    quire_error err = {0};
    ASSERT_FAILS(quire_pubkey_load(FIXTURES "/keys/no-such.pub", &pk, &err), err, QUIRE_E_IO,
                 "cannot open public key");
}
END_TEST

START_TEST(pubkey_load_refuses_large_file)
{
    char *dir = make_temp_dir(), path[4096];
    uint8_t big[5000];
    quire_pubkey pk;
    quire_error err = {0};
    memset(big, ' ', sizeof big);
    snprintf(path, sizeof path, "%s/big.pub", dir);
    spit_path(path, big, sizeof big);
    ASSERT_FAILS(quire_pubkey_load(path, &pk, &err), err, QUIRE_E_KEY, "larger than 4096");
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(key_id_hex_is_little_endian_upper_case)
{
    const uint8_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const uint8_t id2[8] = {0xab, 0xcd, 0xef, 0, 0, 0, 0, 0xfe};
    char hex[17];
    quire_key_id_hex(id, hex);
    ck_assert_str_eq(hex, "0807060504030201");
    quire_key_id_hex(id2, hex);
    ck_assert_str_eq(hex, "FE00000000EFCDAB");
    const uint8_t spec[8] = {0x00, 0xc4, 0x41, 0x6c, 0x33, 0xf7, 0x0b, 0xc9}; /* SPEC 6.1 */
    quire_key_id_hex(spec, hex);
    ck_assert_str_eq(hex, "C90BF7336C41C400");
}
END_TEST

/* ---- secret keys ---- */

START_TEST(seckey_round_trips_unencrypted)
{
    quire_pubkey pk, derived;
    quire_seckey *back = NULL;
    quire_error err = {0};
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    const char *head = "untrusted comment: minisign unencrypted secret key\n";
    ck_assert_int_eq(strncmp(text, head, strlen(head)), 0);
    ck_assert_int_eq(quire_seckey_is_encrypted(text, strlen(text), &err), 0);
    ASSERT_OK(quire_seckey_parse(text, strlen(text), NULL, &back, &err), err);
    assert_same_seckey(sk, back);
    quire_seckey_public(back, &derived);
    ck_assert_mem_eq(derived.pk, pk.pk, QUIRE_PUBKEY_BYTES);
    ck_assert_mem_eq(derived.key_id, pk.key_id, QUIRE_KEY_ID_BYTES);
    free(text);
    quire_seckey_free(back);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_unencrypted_ignores_passphrase)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    ASSERT_OK(quire_seckey_parse(text, strlen(text), "unused", &back, &err), err);
    assert_same_seckey(sk, back);
    free(text);
    quire_seckey_free(back);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_round_trips_encrypted)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    uint8_t raw[SK_RAW];
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, "correct horse");
    const char *head = "untrusted comment: minisign encrypted secret key\n";
    ck_assert_int_eq(strncmp(text, head, strlen(head)), 0);
    ck_assert_int_eq(quire_seckey_is_encrypted(text, strlen(text), &err), 1);
    sk_decode(text, raw);
    ck_assert_mem_eq(raw, "EdScB2", 6);
    ck_assert(quire_load64(raw + OFF_OPS) == OPS_SMALL);
    ck_assert(quire_load64(raw + OFF_MEM) == MEM_SMALL);
    ck_assert_msg(memcmp(raw + OFF_SK, sk->sk, 64) != 0, "secret key stored in clear");
    ASSERT_OK(quire_seckey_parse(text, strlen(text), "correct horse", &back, &err), err);
    assert_same_seckey(sk, back);
    free(text);
    quire_seckey_free(back);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_refuses_wrong_passphrase)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, "correct horse");
    ASSERT_FAILS(quire_seckey_parse(text, strlen(text), "battery staple", &back, &err), err,
                 QUIRE_E_KEY, "wrong passphrase");
    ck_assert_ptr_null(back);
    ASSERT_FAILS(quire_seckey_parse(text, strlen(text), "", &back, &err), err, QUIRE_E_KEY,
                 "wrong passphrase");
    free(text);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_encrypted_needs_passphrase)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, "pw");
    ASSERT_FAILS(quire_seckey_parse(text, strlen(text), NULL, &back, &err), err, QUIRE_E_KEY,
                 "passphrase needed");
    free(text);
    quire_seckey_free(sk);
}
END_TEST

/* Patches the KDF field at off of an encrypted key to value and expects a quick refusal. */
static void expect_kdf_refused(size_t off, uint64_t value)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    uint8_t raw[SK_RAW];
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, "pw");
    sk_decode(text, raw);
    quire_store64(raw + off, value);
    char *bad = sk_reencode(text, raw);
    time_t t0 = time(NULL);
    ASSERT_FAILS(quire_seckey_parse(bad, strlen(bad), "pw", &back, &err), err, QUIRE_E_KEY,
                 "KDF parameters too large");
    ck_assert_int_le(time(NULL) - t0, 2);
    /* refused before the passphrase question too */
    ASSERT_FAILS(quire_seckey_parse(bad, strlen(bad), NULL, &back, &err), err, QUIRE_E_KEY,
                 "KDF parameters too large");
    free(bad);
    free(text);
    quire_seckey_free(sk);
}

START_TEST(seckey_refuses_absurd_opslimit)
{
    expect_kdf_refused(OFF_OPS, UINT64_MAX);
    expect_kdf_refused(OFF_OPS, QUIRE_KDF_MAX_OPSLIMIT + 1);
}
END_TEST

START_TEST(seckey_refuses_absurd_memlimit)
{
    expect_kdf_refused(OFF_MEM, UINT64_MAX);
    expect_kdf_refused(OFF_MEM, QUIRE_KDF_MAX_MEMLIMIT + 1);
}
END_TEST

START_TEST(seckey_rejects_truncated_base64)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    size_t len = strlen(text);
    for (size_t cut = 1; cut < 40; cut++) {
        ASSERT_FAILS(quire_seckey_parse(text, len - 1 - cut, NULL, &back, &err), err, QUIRE_E_KEY,
                     "not a base64 minisign secret key");
    }
    ASSERT_FAILS(quire_seckey_is_encrypted(text, len - 10, &err), err, QUIRE_E_KEY, "secret key");
    free(text);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_rejects_garbage)
{
    const char *texts[] = {"", "untrusted comment: x", "untrusted comment: x\n????\n", "RWQAAEIy",
                           "hello world\n"};
    quire_seckey *back = NULL;
    quire_error err = {0};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int rc = quire_seckey_parse(texts[i], strlen(texts[i]), NULL, &back, &err);
        ck_assert_msg(rc == QUIRE_E_KEY, "text %zu: rc %d", i, rc);
        ck_assert_ptr_null(back);
    }
}
END_TEST

START_TEST(seckey_rejects_text_after_key)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    char *more = malloc(strlen(text) + 16);
    strcpy(more, text);
    strcat(more, "\r\n \t\n");
    ASSERT_OK(quire_seckey_parse(more, strlen(more), NULL, &back, &err), err);
    quire_seckey_free(back);
    back = NULL;
    strcat(more, "junk\n");
    ASSERT_FAILS(quire_seckey_parse(more, strlen(more), NULL, &back, &err), err, QUIRE_E_KEY,
                 "unexpected text after the key");
    ck_assert_ptr_null(back);
    free(more);
    free(text);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_rejects_unknown_algorithms)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    uint8_t raw[SK_RAW];
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    sk_decode(text, raw);
    memcpy(raw + 2, "Xy", 2);
    char *bad = sk_reencode(text, raw);
    ASSERT_FAILS(quire_seckey_parse(bad, strlen(bad), NULL, &back, &err), err, QUIRE_E_KEY,
                 "unsupported key derivation");
    free(bad);
    memcpy(raw + 2, "\0\0", 2);
    memcpy(raw + 4, "B3", 2);
    bad = sk_reencode(text, raw);
    ASSERT_FAILS(quire_seckey_parse(bad, strlen(bad), NULL, &back, &err), err, QUIRE_E_KEY,
                 "unsupported signature or checksum algorithm");
    free(bad);
    free(text);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_accepts_minisign_w_zero_checksum)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    uint8_t raw[SK_RAW];
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    sk_decode(text, raw);
    memset(raw + OFF_CHK, 0, 32);
    char *w = sk_reencode(text, raw);
    ASSERT_OK(quire_seckey_parse(w, strlen(w), NULL, &back, &err), err);
    assert_same_seckey(sk, back);
    free(w);
    free(text);
    quire_seckey_free(back);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_rejects_damaged_key)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    uint8_t raw[SK_RAW];
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    sk_decode(text, raw);
    raw[OFF_SK + 5] ^= 0x01;
    char *bad = sk_reencode(text, raw);
    ASSERT_FAILS(quire_seckey_parse(bad, strlen(bad), NULL, &back, &err), err, QUIRE_E_KEY,
                 "checksum mismatch");
    ck_assert_ptr_null(back);
    free(bad);
    free(text);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_rejects_damaged_key_without_checksum)
{
    quire_pubkey pk;
    quire_seckey *back = NULL;
    quire_error err = {0};
    uint8_t raw[SK_RAW];
    quire_seckey *sk = gen(&pk);
    char *text = encode_sk(sk, NULL);
    sk_decode(text, raw);
    /* Regression (fixed: check_decoded compared the stored public half with itself): SPEC 6.1 says
     * the public half stored in the secret key MUST equal the public key derived from its seed, but
     * check_decoded() in lib/write/quire_seckey.c derives it with crypto_sign_ed25519_sk_to_pk(),
     * which only copies the stored half (sk + 32): the check compares the stored half with itself
     * and never fails. A minisign -W key (zero checksum) with a damaged seed or public half is
     * accepted, and signs with a key pair that does not match its public key file. Deriving with
     * crypto_sign_seed_keypair() would catch it. */
    memset(raw + OFF_CHK, 0, 32);
    raw[OFF_SK + 40] ^= 0x80; /* the public half */
    char *bad = sk_reencode(text, raw);
    ASSERT_FAILS(quire_seckey_parse(bad, strlen(bad), NULL, &back, &err), err, QUIRE_E_KEY,
                 "public half differs");
    raw[OFF_SK + 40] ^= 0x80;
    raw[OFF_SK + 3] ^= 0x01; /* the seed */
    free(bad);
    bad = sk_reencode(text, raw);
    ASSERT_FAILS(quire_seckey_parse(bad, strlen(bad), NULL, &back, &err), err, QUIRE_E_KEY,
                 "damaged");
    free(bad);
    free(text);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(seckey_loads_fixture_matching_its_pubkey)
{
    size_t len = 0;
    uint8_t *text = slurp_path(FIXTURES "/keys/test.key", &len);
    quire_seckey *sk = NULL;
    quire_pubkey derived, file;
    quire_error err = {0};
    ck_assert_int_eq(quire_seckey_is_encrypted((char *)text, len, &err), 0);
    ASSERT_OK(quire_seckey_parse((char *)text, len, NULL, &sk, &err), err);
    ASSERT_OK(quire_pubkey_load(FIXTURES "/keys/test.pub", &file, &err), err);
    quire_seckey_public(sk, &derived);
    ck_assert_mem_eq(derived.key_id, file.key_id, QUIRE_KEY_ID_BYTES);
    ck_assert_mem_eq(derived.pk, file.pk, QUIRE_PUBKEY_BYTES);
    free(text);
    quire_seckey_free(sk);
}
END_TEST

/* Issue 17: a secret key given where a public key belongs (quire-read -p NAME.key), or the
 * other way round, is named for what it is rather than called malformed. */
START_TEST(key_files_swapped_are_named)
{
    size_t sk_len = 0, pk_len = 0;
    uint8_t *sk_text = slurp_path(FIXTURES "/keys/test.key", &sk_len);
    uint8_t *pk_text = slurp_path(FIXTURES "/keys/test.pub", &pk_len);
    quire_seckey *sk = NULL;
    quire_pubkey pk;
    quire_error err = {0};
    ASSERT_FAILS(quire_pubkey_parse((char *)sk_text, sk_len, &pk, &err), err, QUIRE_E_KEY,
                 "public key: this is a minisign secret key, not a public key (SPEC 6.1)");
    ck_assert_str_eq(err.rule, "SPEC 6.1");
    ASSERT_FAILS(quire_seckey_parse((char *)pk_text, pk_len, NULL, &sk, &err), err, QUIRE_E_KEY,
                 "secret key: this is a minisign public key, not a secret key (SPEC 6.1)");
    ASSERT_FAILS(quire_seckey_is_encrypted((char *)pk_text, pk_len, &err), err, QUIRE_E_KEY,
                 "this is a minisign public key");
    free(sk_text);
    free(pk_text);
}
END_TEST

START_TEST(fixture_key_signature_verifies_with_fixture_pub)
{
    size_t len = 0;
    uint8_t *text = slurp_path(FIXTURES "/keys/test.key", &len);
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_seckey *sk = NULL;
    quire_pubkey file;
    quire_sig sig;
    quire_error err = {0};
    ASSERT_OK(quire_seckey_parse((char *)text, len, NULL, &sk, &err), err);
    ASSERT_OK(quire_pubkey_load(FIXTURES "/keys/test.pub", &file, &err), err);
    quire_prehash((const uint8_t *)"message", 7, prehash);
    ASSERT_OK(quire_sign(sk, prehash, "fixture", &sig, &err), err);
    ck_assert(quire_sig_verify(&sig, &file, prehash));
    free(text);
    quire_seckey_free(sk);
}
END_TEST

START_TEST(keypairs_are_distinct)
{
    quire_pubkey a, b;
    quire_seckey *ska = gen(&a), *skb = gen(&b);
    ck_assert_mem_ne(a.pk, b.pk, QUIRE_PUBKEY_BYTES);
    ck_assert_mem_ne(a.key_id, b.key_id, QUIRE_KEY_ID_BYTES);
    quire_seckey_free(ska);
    quire_seckey_free(skb);
    quire_seckey_free(NULL);
}
END_TEST

/* ---- key files: kinds of file (issue 11, finding 9) ---- */

START_TEST(pubkey_load_refuses_fifo_at_once)
{
    /* Regression: a FIFO named *.pub blocked open() until a writer came, hanging every command
     * that read the trusted-keys directory. The test case's timeout catches a hang. */
    char *dir = make_temp_dir(), path[4200];
    quire_pubkey pk;
    quire_error err = {0};
    snprintf(path, sizeof path, "%s/fifo.pub", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    time_t start = time(NULL);
    ASSERT_FAILS(quire_pubkey_load(path, &pk, &err), err, QUIRE_E_KEY, "not a regular file");
    ck_assert_int_le(time(NULL) - start, 2);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(pubkey_load_refuses_directory_and_device)
{
    quire_pubkey pk;
    quire_error err = {0};
    ASSERT_FAILS(quire_pubkey_load(FIXTURES "/keys", &pk, &err), err, QUIRE_E_KEY,
                 "not a regular file");
    ASSERT_FAILS(quire_pubkey_load("/dev/zero", &pk, &err), err, QUIRE_E_KEY, "not a regular file");
}
END_TEST

START_TEST(pubkey_load_follows_links_to_regular_files_only)
{
    char *dir = make_temp_dir(), link[4200], fifo[4200];
    quire_pubkey pk;
    quire_error err = {0};
    snprintf(link, sizeof link, "%s/link.pub", dir);
    ck_assert_int_eq(symlink(FIXTURES "/keys/test.pub", link), 0);
    ASSERT_OK(quire_pubkey_load(link, &pk, &err), err);
    ck_assert_ptr_null(pk.source);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    unlink(link);
    ck_assert_int_eq(symlink(fifo, link), 0);
    ASSERT_FAILS(quire_pubkey_load(link, &pk, &err), err, QUIRE_E_KEY, "not a regular file");
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(pubkey_load_at_reports_mode)
{
    char *dir = make_temp_dir(), path[4200];
    char text[256];
    quire_pubkey pk, back;
    quire_error err = {0};
    uint32_t mode = 0;
    quire_seckey *sk = gen(&pk);
    int n = quire_pubkey_encode(&pk, text, sizeof text);
    snprintf(path, sizeof path, "%s/k.pub", dir);
    spit_path(path, (const uint8_t *)text, (size_t)n);
    ck_assert_int_eq(chmod(path, 0664), 0);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dfd, 0);
    ASSERT_OK(quire_pubkey_load_at(dfd, "k.pub", &back, &mode, &err), err);
    ck_assert_uint_eq(mode & 07777, 0664);
    ck_assert(S_ISREG(mode));
    ck_assert_mem_eq(back.pk, pk.pk, QUIRE_PUBKEY_BYTES);
    ASSERT_FAILS(quire_pubkey_load_at(dfd, "none.pub", &back, NULL, &err), err, QUIRE_E_IO,
                 "cannot open public key");
    close(dfd);
    quire_seckey_free(sk);
    rm_tree(dir);
    free(dir);
}
END_TEST

/* ---- authentication with several keys and records (issue 11, findings 6 and 11) ---- */

/* A key pair; its id is copied from `id` when not NULL (anyone can do that). */
static quire_seckey *gen_with_id(quire_pubkey *pk, const uint8_t *id, const char *source)
{
    quire_seckey *sk = gen(pk);
    if (id != NULL) {
        memcpy(sk->key_id, id, QUIRE_KEY_ID_BYTES);
        memcpy(pk->key_id, id, QUIRE_KEY_ID_BYTES);
    }
    pk->source = source;
    return sk;
}

/* A one-document bundle whose signature block holds records by sks[i] (forged[i]: with a
 * flipped signature bit), written to dir/name. */
static const char *bundle_signed_by(const char *dir, const char *name, quire_seckey **sks,
                                    const bool *forged, uint32_t n)
{
    static char path[4200];
    static const uint8_t doc[] = "a document\n";
    tfile f = tfile_make("a.txt", doc, sizeof doc - 1);
    size_t len, off;
    bundle_view v;
    uint8_t ph[QUIRE_PREHASH_BYTES];
    quire_error err = {0};
    uint8_t *b = bundle_bytes(&f, 1, NULL, sks[0], &len);
    bundle_locate(b, len, &v);
    quire_prehash(v.statement, QUIRE_STATEMENT_BYTES, ph); /* SPEC 6.2: M is the statement */
    off = v.index_offset + v.index_len;
    uint8_t *out = malloc(off + QUIRE_SIGBLOCK_FIXED_BYTES + n * (QUIRE_SIG_RECORD_MIN_BYTES + 8) +
                          QUIRE_TRAILER_BYTES);
    memcpy(out, b, off);
    memcpy(out + off, QUIRE_SIGBLOCK_MAGIC, 8);
    quire_store32(out + off + 8, n);
    quire_store32(out + off + 12, 0);
    size_t p = off + QUIRE_SIGBLOCK_FIXED_BYTES;
    for (uint32_t i = 0; i < n; i++) {
        quire_sig sig;
        ASSERT_OK(quire_sign(sks[i], ph, "record", &sig, &err), err);
        if (forged != NULL && forged[i])
            sig.sig[3] ^= 0x01;
        memcpy(out + p, "ED", 2);
        memcpy(out + p + 2, sig.key_id, 8);
        memcpy(out + p + 10, sig.sig, 64);
        quire_store16(out + p + 74, 6);
        memcpy(out + p + 76, "record", 6);
        memcpy(out + p + 82, sig.global_sig, 64);
        p += QUIRE_SIG_RECORD_MIN_BYTES + 6;
    }
    trailer_store(out + p, v.index_offset, v.index_len, p - off);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    spit_path(path, out, p + QUIRE_TRAILER_BYTES);
    free(out);
    free(b);
    return path;
}

/* Opens and authenticates; returns the code and, on success, the verifying key's source. */
static int auth(const char *path, const quire_pubkey *keys, size_t n, const char **source,
                uint32_t *signer, quire_error *err)
{
    quire_reader *r = NULL;
    int rc = quire_reader_open(path, &r, err);
    if (rc == QUIRE_OK)
        rc = quire_reader_authenticate(r, keys, n, 0, err);
    if (rc == QUIRE_OK) {
        ck_assert_ptr_nonnull(quire_reader_signer_key(r));
        *source = quire_reader_signer_key(r)->source;
        *signer = (uint32_t)(quire_reader_signer(r) - quire_reader_sigblock(r)->sigs);
        ck_assert_mem_eq(quire_reader_signer_key(r)->key_id, quire_reader_signer(r)->key_id,
                         QUIRE_KEY_ID_BYTES);
    } else if (r != NULL) {
        ck_assert_ptr_null(quire_reader_signer_key(r));
    }
    quire_reader_close(r);
    return rc;
}

START_TEST(auth_tries_every_key_sharing_an_id)
{
    /* Regression: with two trusted keys sharing a key id, only the first was tried, so
     * mallory's key (alice's id copied) made alice's genuine bundle fail as altered, or was
     * reported as alice's. Every key with the id is now tried and the right one reported. */
    char *dir = make_temp_dir();
    quire_pubkey alice, mallory;
    quire_error err = {0};
    const char *src = NULL;
    uint32_t signer = 99;
    quire_seckey *ska = gen_with_id(&alice, NULL, "alice.pub");
    quire_seckey *skm = gen_with_id(&mallory, alice.key_id, "mallory.pub");
    const char *a = strdup(bundle_signed_by(dir, "a.quire", &ska, NULL, 1));
    const char *m = strdup(bundle_signed_by(dir, "m.quire", &skm, NULL, 1));
    quire_pubkey am[2] = {alice, mallory}, ma[2] = {mallory, alice};

    ASSERT_OK(auth(a, ma, 2, &src, &signer, &err), err);
    ck_assert_str_eq(src, "alice.pub");
    ASSERT_OK(auth(a, am, 2, &src, &signer, &err), err);
    ck_assert_str_eq(src, "alice.pub");
    ASSERT_OK(auth(m, am, 2, &src, &signer, &err), err);
    ck_assert_str_eq(src, "mallory.pub");
    ASSERT_OK(auth(m, ma, 2, &src, &signer, &err), err);
    ck_assert_str_eq(src, "mallory.pub");
    /* alone, mallory's key does not verify alice's bundle: her id names it, so it fails */
    ASSERT_FAILS(auth(a, &mallory, 1, &src, &signer, &err), err, QUIRE_E_SIGNATURE,
                 "signature 0 by trusted key");
    free((void *)a);
    free((void *)m);
    quire_seckey_free(ska);
    quire_seckey_free(skm);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(auth_forged_record_by_shared_id_names_the_count)
{
    char *dir = make_temp_dir();
    quire_pubkey alice, mallory;
    quire_error err = {0};
    const char *src = NULL;
    uint32_t signer = 99;
    bool forged = true;
    quire_seckey *ska = gen_with_id(&alice, NULL, "alice.pub");
    quire_seckey *skm = gen_with_id(&mallory, alice.key_id, "mallory.pub");
    const char *a = bundle_signed_by(dir, "f.quire", &ska, &forged, 1);
    quire_pubkey am[2] = {alice, mallory};
    ASSERT_FAILS(auth(a, am, 2, &src, &signer, &err), err, QUIRE_E_SIGNATURE,
                 "does not verify under any of the 2 trusted keys with that id");
    quire_seckey_free(ska);
    quire_seckey_free(skm);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(auth_every_record_naming_a_trusted_key_must_verify)
{
    /* Regression: the first record naming a trusted key decided, so a forged record after a
     * good one was never looked at, and the outcome depended on the unsigned record order. */
    char *dir = make_temp_dir();
    quire_pubkey alice, bob, carol;
    quire_error err = {0};
    const char *src = NULL;
    uint32_t signer = 99;
    quire_seckey *ska = gen_with_id(&alice, NULL, "alice.pub");
    quire_seckey *skb = gen_with_id(&bob, NULL, "bob.pub");
    quire_seckey *skc = gen_with_id(&carol, NULL, "carol.pub");
    quire_seckey *good_forged[2] = {ska, ska};
    bool second[2] = {false, true};
    const char *p = bundle_signed_by(dir, "gf.quire", good_forged, second, 2);
    ASSERT_FAILS(auth(p, &alice, 1, &src, &signer, &err), err, QUIRE_E_SIGNATURE,
                 "signature 1 by trusted key");
    /* a forged record by another trusted key fails the bundle too */
    quire_seckey *ab[2] = {ska, skb};
    p = bundle_signed_by(dir, "ab.quire", ab, second, 2);
    quire_pubkey both[2] = {alice, bob};
    ASSERT_FAILS(auth(p, both, 2, &src, &signer, &err), err, QUIRE_E_SIGNATURE,
                 "signature 1 by trusted key");
    /* ... but a forged record by an untrusted key is ignored */
    ASSERT_OK(auth(p, &alice, 1, &src, &signer, &err), err);
    ck_assert_str_eq(src, "alice.pub");
    /* the signer is the first record that verifies, whatever the key order */
    quire_seckey *cb[2] = {skc, skb};
    p = bundle_signed_by(dir, "cb.quire", cb, NULL, 2);
    quire_pubkey bc[2] = {bob, carol};
    ASSERT_OK(auth(p, bc, 2, &src, &signer, &err), err);
    ck_assert_uint_eq(signer, 0);
    ck_assert_str_eq(src, "carol.pub");
    quire_seckey_free(ska);
    quire_seckey_free(skb);
    quire_seckey_free(skc);
    rm_tree(dir);
    free(dir);
}
END_TEST

static long max_rss_kib(void)
{
    struct rusage ru;
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
    return ru.ru_maxrss;
}

START_TEST(auth_untrusted_bundle_is_refused_before_its_index_is_read)
{
    /* Regression: the whole index (up to 1 GiB) was read and hashed before the reader looked
     * for a record naming a trusted key. Here a sparse 512 MiB index, signed by an untrusted
     * key: refusing it must not cost the memory of the index. */
    char *dir = make_temp_dir(), path[4200];
    quire_pubkey stranger, trusted;
    quire_error err = {0};
    size_t len;
    bundle_view v;
    quire_seckey *sks = gen(&stranger), *skt = gen(&trusted);
    const char *small = bundle_signed_by(dir, "s.quire", &sks, NULL, 1);
    uint8_t *b = slurp_path(small, &len);
    bundle_locate(b, len, &v);
    const uint64_t index_len = UINT64_C(512) << 20;
    snprintf(path, sizeof path, "%s/huge.quire", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    uint8_t trailer[QUIRE_TRAILER_BYTES];
    trailer_store(trailer, QUIRE_HEADER_BYTES, index_len, v.sigblock_len);
    ck_assert_int_eq(pwrite(fd, b, QUIRE_HEADER_BYTES, 0), QUIRE_HEADER_BYTES);
    off_t at = (off_t)(QUIRE_HEADER_BYTES + index_len); /* the index is a hole */
    ck_assert_int_eq(pwrite(fd, v.sigblock, v.sigblock_len, at), (ssize_t)v.sigblock_len);
    ck_assert_int_eq(pwrite(fd, trailer, sizeof trailer, at + (off_t)v.sigblock_len),
                     QUIRE_TRAILER_BYTES);
    close(fd);

    long before = max_rss_kib();
    quire_reader *r = NULL;
    ASSERT_OK(quire_reader_open(path, &r, &err), err);
    ASSERT_FAILS(quire_reader_authenticate(r, &trusted, 1, 0, &err), err, QUIRE_E_UNTRUSTED,
                 "which is not trusted");
    ck_assert_ptr_null(quire_reader_fingerprint(r));
    quire_reader_close(r);
    long grown = max_rss_kib() - before;
    ck_assert_msg(grown < 64 * 1024, "refusing the bundle grew the process by %ld KiB", grown);
    free(b);
    quire_seckey_free(sks);
    quire_seckey_free(skt);
    rm_tree(dir);
    free(dir);
}
END_TEST

static Suite *key_suite(void)
{
    Suite *s = suite_create("key");
    TCase *init = tcase_create("no_prior_init");
    tcase_add_test(init, seckey_parse_works_before_sodium_init);
    tcase_add_test(init, seckey_is_encrypted_works_before_sodium_init);
    suite_add_tcase(s, init);

    TCase *pub = tcase_create("pubkey");
    tcase_add_test(pub, pubkey_round_trips_file_form);
    tcase_add_test(pub, pubkey_round_trips_bare_line);
    tcase_add_test(pub, pubkey_encode_writes_minisign_file);
    tcase_add_test(pub, pubkey_encode_refuses_small_buffer);
    tcase_add_test(pub, pubkey_accepts_crlf_lines);
    tcase_add_test(pub, pubkey_ignores_spaces_tabs_and_crs_in_the_line);
    tcase_add_test(pub, pubkey_load_accepts_4096_bytes_refuses_4097);
    tcase_add_test(pub, pubkey_rejects_truncated_base64);
    tcase_add_test(pub, pubkey_rejects_garbage);
    tcase_add_test(pub, pubkey_rejects_other_algorithm);
    tcase_add_test(pub, pubkey_rejects_text_after_key);
    tcase_add_test(pub, pubkey_rejects_comment_without_key);
    tcase_add_test(pub, pubkey_load_reads_fixture);
    tcase_add_test(pub, pubkey_load_reports_missing_file);
    tcase_add_test(pub, pubkey_load_refuses_large_file);
    tcase_add_test(pub, key_id_hex_is_little_endian_upper_case);
    suite_add_tcase(s, pub);

    TCase *files = tcase_create("key_files");
    tcase_set_timeout(files, 10); /* a FIFO that blocks fails here instead of hanging */
    tcase_add_test(files, pubkey_load_refuses_fifo_at_once);
    tcase_add_test(files, pubkey_load_refuses_directory_and_device);
    tcase_add_test(files, pubkey_load_follows_links_to_regular_files_only);
    tcase_add_test(files, pubkey_load_at_reports_mode);
    suite_add_tcase(s, files);

    TCase *auth = tcase_create("authenticate");
    tcase_set_timeout(auth, 60);
    tcase_add_test(auth, auth_tries_every_key_sharing_an_id);
    tcase_add_test(auth, auth_forged_record_by_shared_id_names_the_count);
    tcase_add_test(auth, auth_every_record_naming_a_trusted_key_must_verify);
    tcase_add_test(auth, auth_untrusted_bundle_is_refused_before_its_index_is_read);
    suite_add_tcase(s, auth);

    TCase *sec = tcase_create("seckey");
    tcase_set_timeout(sec, 120);
    tcase_add_test(sec, seckey_round_trips_unencrypted);
    tcase_add_test(sec, seckey_unencrypted_ignores_passphrase);
    tcase_add_test(sec, seckey_round_trips_encrypted);
    tcase_add_test(sec, seckey_refuses_wrong_passphrase);
    tcase_add_test(sec, seckey_encrypted_needs_passphrase);
    tcase_add_test(sec, seckey_refuses_absurd_opslimit);
    tcase_add_test(sec, seckey_refuses_absurd_memlimit);
    tcase_add_test(sec, seckey_rejects_truncated_base64);
    tcase_add_test(sec, seckey_rejects_garbage);
    tcase_add_test(sec, seckey_rejects_text_after_key);
    tcase_add_test(sec, seckey_rejects_unknown_algorithms);
    tcase_add_test(sec, seckey_accepts_minisign_w_zero_checksum);
    tcase_add_test(sec, seckey_rejects_damaged_key);
    tcase_add_test(sec, seckey_rejects_damaged_key_without_checksum);
    tcase_add_test(sec, seckey_loads_fixture_matching_its_pubkey);
    tcase_add_test(sec, key_files_swapped_are_named);
    tcase_add_test(sec, fixture_key_signature_verifies_with_fixture_pub);
    tcase_add_test(sec, keypairs_are_distinct);
    suite_add_tcase(s, sec);
    return s;
}

int main(void)
{
    return run_suite(key_suite());
}
