/* SPDX-License-Identifier: ISC */
/* quire_keystmt.c: key rotation and revocation statements (SPEC 14.1-14.2). */
#include <string.h>

#include <sodium.h>

#include "quire_private.h"
#include "quire_trust.h"

static size_t put_key(uint8_t *p, const quire_pubkey *k)
{
    memcpy(p, k->key_id, QUIRE_KEY_ID_BYTES);
    memcpy(p + QUIRE_KEY_ID_BYTES, k->pk, QUIRE_PUBKEY_BYTES);
    return QUIRE_KEY_ID_BYTES + QUIRE_PUBKEY_BYTES;
}

static void get_key(const uint8_t *p, quire_pubkey *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->key_id, p, QUIRE_KEY_ID_BYTES);
    memcpy(k->pk, p + QUIRE_KEY_ID_BYTES, QUIRE_PUBKEY_BYTES);
}

size_t quire_keystmt_body(int kind, uint64_t date, const quire_pubkey *subject,
                          const quire_pubkey *next, uint8_t out[QUIRE_ROTATION_BYTES])
{
    bool rot = kind == QUIRE_KEYSTMT_ROTATION;
    memcpy(out, rot ? QUIRE_ROTATION_DOMAIN : QUIRE_REVOCATION_DOMAIN, 16);
    quire_store64(out + 16, date);
    size_t len = 24 + put_key(out + 24, subject);
    if (rot)
        len += put_key(out + len, next);
    return len;
}

int quire_keystmt_parse(const uint8_t *buf, size_t len, quire_keystmt *out, quire_error *err)
{
    memset(out, 0, sizeof *out);
    if (len >= 16 && memcmp(buf, QUIRE_ROTATION_DOMAIN, 16) == 0) {
        out->kind = QUIRE_KEYSTMT_ROTATION;
        out->body_len = QUIRE_ROTATION_BYTES;
    } else if (len >= 16 && memcmp(buf, QUIRE_REVOCATION_DOMAIN, 16) == 0) {
        out->kind = QUIRE_KEYSTMT_REVOCATION;
        out->body_len = QUIRE_REVOCATION_BYTES;
    } else {
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "not a key rotation or revocation statement (SPEC 14.1)");
    }
    if (len > QUIRE_KEYSTMT_MAX_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "key statement larger than %u bytes (SPEC 14.1)",
                               (unsigned)QUIRE_KEYSTMT_MAX_BYTES);
    if (len < out->body_len)
        return quire_error_set(err, QUIRE_E_FORMAT, "key statement truncated (SPEC 14.1)");
    out->body = buf;
    out->date = quire_load64(buf + 16);
    get_key(buf + 24, &out->subject);
    if (out->kind == QUIRE_KEYSTMT_ROTATION)
        get_key(buf + 64, &out->next);
    /* SPEC 14.1: the signature block follows the body and ends the file (SPEC 6 framing). */
    return quire_sigblock_parse(buf + out->body_len, len - out->body_len, &out->sigs, err);
}

bool quire_keystmt_signed_by(const quire_keystmt *s, const quire_pubkey *key)
{
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_prehash(s->body, s->body_len, prehash);
    for (uint32_t i = 0; i < s->sigs.count; i++)
        if (quire_sig_verify(&s->sigs.sigs[i], key, prehash))
            return true;
    return false;
}
