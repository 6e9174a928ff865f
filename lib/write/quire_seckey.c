/* SPDX-License-Identifier: ISC */
/* quire_seckey.c: minisign secret keys and signing (SPEC 6.1, 6.2). Secret material lives only
 * in sodium_malloc memory and is wiped when freed. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quire_private.h"
#include "quire_write.h"

#define SK_COMMENT_ENC "untrusted comment: minisign encrypted secret key\n"
#define SK_COMMENT_PLAIN "untrusted comment: minisign unencrypted secret key\n"
#define COMMENT_PREFIX "untrusted comment: "
#define SALT_BYTES 32
#define CHK_BYTES 32
#define KEYNUM_SK_BYTES (QUIRE_KEY_ID_BYTES + QUIRE_SECKEY_BYTES + CHK_BYTES)
#define SK_RAW_BYTES (2 + 2 + 2 + SALT_BYTES + 8 + 8 + KEYNUM_SK_BYTES)
#define PUBKEY_RAW_BYTES (2 + QUIRE_KEY_ID_BYTES + QUIRE_PUBKEY_BYTES)
#define OFF_SALT 6
#define OFF_OPS 38
#define OFF_MEM 46
#define OFF_KEYNUM 54

_Static_assert(SK_RAW_BYTES == 158, "minisign secret keys are 158 bytes");

void quire_seckey_free(quire_seckey *sk)
{
    if (sk != NULL)
        sodium_free(sk); /* sodium_free wipes the memory */
}

void quire_seckey_public(const quire_seckey *sk, quire_pubkey *pk)
{
    memcpy(pk->key_id, sk->key_id, QUIRE_KEY_ID_BYTES);
    crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
}

int quire_keypair_generate(quire_seckey **out, quire_pubkey *pk, quire_error *err)
{
    if (sodium_init() < 0)
        return quire_error_set(err, QUIRE_E_IO, "libsodium failed to initialise");
    quire_seckey *sk = sodium_malloc(sizeof *sk);
    if (sk == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of secure memory");
    randombytes_buf(sk->key_id, sizeof sk->key_id);
    crypto_sign_keypair(pk->pk, sk->sk);
    memcpy(pk->key_id, sk->key_id, sizeof sk->key_id);
    *out = sk;
    return QUIRE_OK;
}

/* minisign's checksum: BLAKE2b-256 over "Ed" || key id || secret key. */
static void key_checksum(const uint8_t *keynum, uint8_t out[CHK_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, CHK_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)"Ed", 2);
    crypto_generichash_update(&st, keynum, QUIRE_KEY_ID_BYTES + QUIRE_SECKEY_BYTES);
    crypto_generichash_final(&st, out, CHK_BYTES);
}

/* XORs the keynum block with the scrypt stream of the passphrase (minisign's encryption). */
static int kdf_xor(uint8_t *raw, const char *passphrase, quire_error *err)
{
    uint8_t *stream = sodium_malloc(KEYNUM_SK_BYTES);
    if (stream == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of secure memory");
    if (crypto_pwhash_scryptsalsa208sha256(stream, KEYNUM_SK_BYTES, passphrase, strlen(passphrase),
                                           raw + OFF_SALT, quire_load64(raw + OFF_OPS),
                                           (size_t)quire_load64(raw + OFF_MEM)) != 0) {
        sodium_free(stream);
        return quire_error_set(err, QUIRE_E_NOMEM, "scrypt failed: not enough memory");
    }
    for (size_t i = 0; i < KEYNUM_SK_BYTES; i++)
        raw[OFF_KEYNUM + i] ^= stream[i];
    sodium_free(stream);
    return QUIRE_OK;
}

int quire_seckey_encode(const quire_seckey *sk, const char *passphrase, uint64_t opslimit,
                        uint64_t memlimit, char **out, quire_error *err)
{
    uint8_t *raw = sodium_init() < 0 ? NULL : sodium_malloc(SK_RAW_BYTES);
    const char *comment = passphrase != NULL ? SK_COMMENT_ENC : SK_COMMENT_PLAIN;
    size_t b64 = sodium_base64_ENCODED_LEN(SK_RAW_BYTES, sodium_base64_VARIANT_ORIGINAL);
    int rc = QUIRE_OK;

    if (raw == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of secure memory");
    memset(raw, 0, SK_RAW_BYTES);
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, passphrase != NULL ? "Sc" : "\0\0", 2);
    memcpy(raw + 4, "B2", 2);
    memcpy(raw + OFF_KEYNUM, sk->key_id, QUIRE_KEY_ID_BYTES);
    memcpy(raw + OFF_KEYNUM + QUIRE_KEY_ID_BYTES, sk->sk, QUIRE_SECKEY_BYTES);
    key_checksum(raw + OFF_KEYNUM, raw + OFF_KEYNUM + QUIRE_KEY_ID_BYTES + QUIRE_SECKEY_BYTES);
    if (passphrase != NULL) {
        randombytes_buf(raw + OFF_SALT, SALT_BYTES);
        quire_store64(raw + OFF_OPS, opslimit);
        quire_store64(raw + OFF_MEM, memlimit);
        rc = kdf_xor(raw, passphrase, err);
    }
    if (rc == QUIRE_OK) {
        *out = malloc(strlen(comment) + b64 + 1);
        if (*out == NULL) {
            rc = quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        } else {
            strcpy(*out, comment);
            sodium_bin2base64(*out + strlen(comment), b64, raw, SK_RAW_BYTES,
                              sodium_base64_VARIANT_ORIGINAL);
            strcat(*out, "\n");
        }
    }
    sodium_free(raw);
    return rc;
}

/* Decodes the base64 line of a secret key file into raw (SK_RAW_BYTES, secure memory). */
static int decode_raw(const char *text, size_t len, uint8_t *raw, quire_error *err)
{
    const char *line = text, *end = text + len;
    size_t got = 0;

    if (len >= strlen(COMMENT_PREFIX) &&
        memcmp(text, COMMENT_PREFIX, strlen(COMMENT_PREFIX)) == 0) {
        const char *nl = memchr(text, '\n', len);
        if (nl == NULL)
            return quire_error_set(err, QUIRE_E_KEY, "secret key: no key line after the comment");
        line = nl + 1;
    }
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    for (const char *p = nl != NULL ? nl : end; p < end; p++)
        if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
            return quire_error_set(err, QUIRE_E_KEY, "secret key: unexpected text after the key");
    if (sodium_base642bin(raw, SK_RAW_BYTES, line, (size_t)((nl ? nl : end) - line), " \r\t", &got,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        got = 0;
    if (got == PUBKEY_RAW_BYTES && memcmp(raw, "Ed", 2) == 0)
        return quire_error_set(err, QUIRE_E_KEY,
                               "secret key: this is a minisign public key, not a secret key "
                               "(SPEC 6.1)");
    if (got != SK_RAW_BYTES)
        return quire_error_set(err, QUIRE_E_KEY,
                               "secret key: not a base64 minisign secret key (SPEC 6.1)");
    if (memcmp(raw, "Ed", 2) != 0 || memcmp(raw + 4, "B2", 2) != 0)
        return quire_error_set(err, QUIRE_E_KEY,
                               "secret key: unsupported signature or checksum algorithm");
    if (memcmp(raw + 2, "Sc", 2) != 0 && memcmp(raw + 2, "\0\0", 2) != 0)
        return quire_error_set(err, QUIRE_E_KEY, "secret key: unsupported key derivation");
    return QUIRE_OK;
}

int quire_seckey_is_encrypted(const char *text, size_t len, quire_error *err)
{
    uint8_t *raw = sodium_init() < 0 ? NULL : sodium_malloc(SK_RAW_BYTES);
    if (raw == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of secure memory");
    int rc = decode_raw(text, len, raw, err);
    if (rc == QUIRE_OK)
        rc = memcmp(raw + 2, "Sc", 2) == 0;
    sodium_free(raw);
    return rc;
}

/* Checks the decrypted key: checksum (minisign writes zeros for unencrypted keys, so zeros are
 * accepted there) and that the public half stored in the secret key matches its seed. */
static int check_decoded(const uint8_t *raw, bool encrypted, quire_error *err)
{
    uint8_t chk[CHK_BYTES], pk[QUIRE_PUBKEY_BYTES];
    const uint8_t *stored = raw + OFF_KEYNUM + QUIRE_KEY_ID_BYTES + QUIRE_SECKEY_BYTES;
    const uint8_t *sk = raw + OFF_KEYNUM + QUIRE_KEY_ID_BYTES;

    key_checksum(raw + OFF_KEYNUM, chk);
    bool chk_ok = sodium_memcmp(chk, stored, CHK_BYTES) == 0 ||
                  (!encrypted && sodium_is_zero(stored, CHK_BYTES));
    if (!chk_ok)
        return quire_error_set(err, QUIRE_E_KEY,
                               encrypted ? "secret key: wrong passphrase"
                                         : "secret key: checksum mismatch, the file is damaged");
    /* Derive the public key from the seed (the first 32 bytes); crypto_sign_ed25519_sk_to_pk
     * would only copy the stored half and compare it with itself. */
    uint8_t *derived = sodium_malloc(QUIRE_SECKEY_BYTES);
    if (derived == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of secure memory");
    crypto_sign_seed_keypair(pk, derived, sk);
    sodium_free(derived);
    if (sodium_memcmp(pk, sk + 32, QUIRE_PUBKEY_BYTES) != 0)
        return quire_error_set(err, QUIRE_E_KEY, "secret key: damaged (public half differs)");
    return QUIRE_OK;
}

int quire_seckey_parse(const char *text, size_t len, const char *passphrase, quire_seckey **out,
                       quire_error *err)
{
    quire_seckey *sk = NULL;
    /* sodium_malloc needs sodium_init first; callers of a library may not have called it. */
    uint8_t *raw = sodium_init() < 0 ? NULL : sodium_malloc(SK_RAW_BYTES);
    if (raw == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of secure memory");
    int rc = decode_raw(text, len, raw, err);
    bool encrypted = rc == QUIRE_OK && memcmp(raw + 2, "Sc", 2) == 0;
    if (rc == QUIRE_OK && encrypted) {
        /* SPEC 6.1: refuse absurd KDF parameters before scrypt allocates for them. */
        if (quire_load64(raw + OFF_OPS) > QUIRE_KDF_MAX_OPSLIMIT ||
            quire_load64(raw + OFF_MEM) > QUIRE_KDF_MAX_MEMLIMIT)
            rc = quire_error_set(err, QUIRE_E_KEY, "secret key: KDF parameters too large");
        else if (passphrase == NULL)
            rc = quire_error_set(err, QUIRE_E_KEY, "secret key: encrypted, passphrase needed");
        else
            rc = kdf_xor(raw, passphrase, err);
    }
    if (rc == QUIRE_OK)
        rc = check_decoded(raw, encrypted, err);
    if (rc == QUIRE_OK && (sk = sodium_malloc(sizeof *sk)) == NULL)
        rc = quire_error_set(err, QUIRE_E_NOMEM, "out of secure memory");
    if (rc == QUIRE_OK) {
        memcpy(sk->key_id, raw + OFF_KEYNUM, QUIRE_KEY_ID_BYTES);
        memcpy(sk->sk, raw + OFF_KEYNUM + QUIRE_KEY_ID_BYTES, QUIRE_SECKEY_BYTES);
        *out = sk;
    }
    sodium_free(raw);
    return rc;
}

int quire_pubkey_encode(const quire_pubkey *pk, char *buf, size_t cap)
{
    uint8_t raw[2 + QUIRE_KEY_ID_BYTES + QUIRE_PUBKEY_BYTES];
    char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];
    char hex[17];

    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, pk->key_id, QUIRE_KEY_ID_BYTES);
    memcpy(raw + 2 + QUIRE_KEY_ID_BYTES, pk->pk, QUIRE_PUBKEY_BYTES);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    quire_key_id_hex(pk->key_id, hex);
    int n = snprintf(buf, cap, "untrusted comment: minisign public key %s\n%s\n", hex, b64);
    if (n < 0 || (size_t)n >= cap)
        return QUIRE_E_USAGE;
    return n;
}

int quire_sign(const quire_seckey *sk, const uint8_t prehash[QUIRE_PREHASH_BYTES],
               const char *comment, quire_sig *out, quire_error *err)
{
    size_t clen = strlen(comment);
    uint8_t signed_part[QUIRE_SIGNATURE_BYTES + QUIRE_MAX_TRUSTED_COMMENT_BYTES];

    if (clen > QUIRE_MAX_TRUSTED_COMMENT_BYTES ||
        !quire_comment_is_clean((const uint8_t *)comment, clen))
        return quire_error_set(err, QUIRE_E_USAGE,
                               "trusted comment must be printable UTF-8 of at most %u bytes",
                               QUIRE_MAX_TRUSTED_COMMENT_BYTES);
    memcpy(out->key_id, sk->key_id, QUIRE_KEY_ID_BYTES);
    crypto_sign_detached(out->sig, NULL, prehash, QUIRE_PREHASH_BYTES, sk->sk);
    memcpy(signed_part, out->sig, QUIRE_SIGNATURE_BYTES);
    memcpy(signed_part + QUIRE_SIGNATURE_BYTES, comment, clen);
    crypto_sign_detached(out->global_sig, NULL, signed_part, QUIRE_SIGNATURE_BYTES + clen, sk->sk);
    out->comment = (const uint8_t *)comment;
    out->comment_len = (uint16_t)clen;
    return QUIRE_OK;
}
