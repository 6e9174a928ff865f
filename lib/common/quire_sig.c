/* SPDX-License-Identifier: ISC */
/* quire_sig.c: the signature block and minisign's prehashed Ed25519 (SPEC 6). */
#include <string.h>

#include <sodium.h>

#include "quire.h"
#include "quire_private.h"

/* SPEC 6.1: a trusted comment is printable UTF-8 where only TAB of the controls may appear,
 * since minisign separates its fields with TAB. */
bool quire_comment_is_clean(const uint8_t *c, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || c[i] == '\t') {
            if (!quire_text_is_clean(c + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* One record: "ED", key id, signature, comment length, comment, global signature. */
static int parse_record(const uint8_t *p, size_t avail, quire_sig *s, size_t *used, uint32_t n,
                        quire_error *err)
{
    if (avail < QUIRE_SIG_RECORD_MIN_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT, "signature %u: record truncated (SPEC 6.1)", n);
    if (memcmp(p, "ED", 2) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "signature %u: unknown signature algorithm (SPEC 6.1)", n);
    memcpy(s->key_id, p + 2, QUIRE_KEY_ID_BYTES);
    memcpy(s->sig, p + 10, QUIRE_SIGNATURE_BYTES);
    s->comment_len = quire_load16(p + 74);
    if (s->comment_len > QUIRE_MAX_TRUSTED_COMMENT_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "signature %u: trusted comment longer than %u bytes (SPEC 8)", n,
                               QUIRE_MAX_TRUSTED_COMMENT_BYTES);
    if (avail - QUIRE_SIG_RECORD_MIN_BYTES < s->comment_len)
        return quire_error_set(err, QUIRE_E_FORMAT, "signature %u: record truncated (SPEC 6.1)", n);
    s->comment = p + 76;
    if (!quire_comment_is_clean(s->comment, s->comment_len))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "signature %u: trusted comment is not printable UTF-8 (SPEC 6.1)",
                               n);
    memcpy(s->global_sig, p + 76 + s->comment_len, QUIRE_SIGNATURE_BYTES);
    *used = QUIRE_SIG_RECORD_MIN_BYTES + s->comment_len;
    return QUIRE_OK;
}

int quire_sigblock_parse(const uint8_t *buf, size_t len, quire_sigblock *out, quire_error *err)
{
    memset(out, 0, sizeof *out);
    if (len < QUIRE_SIGBLOCK_FIXED_BYTES || memcmp(buf, QUIRE_SIGBLOCK_MAGIC, 8) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "signature block: bad magic (SPEC 6)");
    uint32_t count = quire_load32(buf + 8);
    if (quire_load32(buf + 12) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "signature block: reserved field is not zero (SPEC 6)");
    if (count == 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "signature block: no signature (SPEC 6)");
    if (count > QUIRE_MAX_SIGNATURES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "signature block: more than %u signatures (SPEC 8)",
                               QUIRE_MAX_SIGNATURES);
    size_t off = QUIRE_SIGBLOCK_FIXED_BYTES;
    for (uint32_t i = 0; i < count; i++) {
        size_t used = 0;
        int rc = parse_record(buf + off, len - off, &out->sigs[i], &used, i, err);
        if (rc != QUIRE_OK)
            return rc;
        off += used;
    }
    if (off != len)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "signature block: %zu bytes after the last record (SPEC 6)",
                               len - off);
    out->count = count;
    return QUIRE_OK;
}

void quire_prehash(const uint8_t *msg, size_t len, uint8_t out[QUIRE_PREHASH_BYTES])
{
    crypto_generichash(out, QUIRE_PREHASH_BYTES, msg, len, NULL, 0);
}

bool quire_sig_verify(const quire_sig *sig, const quire_pubkey *key,
                      const uint8_t prehash[QUIRE_PREHASH_BYTES])
{
    uint8_t signed_part[QUIRE_SIGNATURE_BYTES + QUIRE_MAX_TRUSTED_COMMENT_BYTES];

    if (sodium_memcmp(sig->key_id, key->key_id, QUIRE_KEY_ID_BYTES) != 0)
        return false;
    if (crypto_sign_verify_detached(sig->sig, prehash, QUIRE_PREHASH_BYTES, key->pk) != 0)
        return false;
    if (sig->comment_len > QUIRE_MAX_TRUSTED_COMMENT_BYTES)
        return false;
    memcpy(signed_part, sig->sig, QUIRE_SIGNATURE_BYTES);
    memcpy(signed_part + QUIRE_SIGNATURE_BYTES, sig->comment, sig->comment_len);
    return crypto_sign_verify_detached(sig->global_sig, signed_part,
                                       QUIRE_SIGNATURE_BYTES + sig->comment_len, key->pk) == 0;
}
