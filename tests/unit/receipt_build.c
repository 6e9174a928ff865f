/* SPDX-License-Identifier: ISC */
/* receipt_build.c: synthetic citation receipts (see receipt_build.h). */
#include "receipt_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quire_merkle.h"
#include "quire_private.h"

static void need(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "receipt_build: %s\n", what);
        abort();
    }
}

void rb_key_random(rb_key *k)
{
    need(sodium_init() >= 0, "sodium_init");
    crypto_sign_keypair(k->pk, k->sk);
    randombytes_buf(k->key_id, sizeof k->key_id);
}

void rb_key_fixed(rb_key *k)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    need(sodium_init() >= 0, "sodium_init");
    memset(seed, 0x51, sizeof seed);
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    memcpy(k->key_id, "fuzzkey!", sizeof k->key_id);
}

void rb_key_pub(const rb_key *k, quire_pubkey *pk)
{
    memset(pk, 0, sizeof *pk);
    memcpy(pk->key_id, k->key_id, sizeof pk->key_id);
    memcpy(pk->pk, k->pk, sizeof pk->pk);
}

void rb_key_pubfile(const rb_key *k, char *out, size_t cap)
{
    uint8_t raw[2 + QUIRE_KEY_ID_BYTES + QUIRE_PUBKEY_BYTES];
    char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)], hex[17];
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, k->key_id, QUIRE_KEY_ID_BYTES);
    memcpy(raw + 2 + QUIRE_KEY_ID_BYTES, k->pk, QUIRE_PUBKEY_BYTES);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    quire_key_id_hex(k->key_id, hex);
    int n = snprintf(out, cap, "untrusted comment: minisign public key %s\n%s\n", hex, b64);
    need(n > 0 && (size_t)n < cap, "public key file does not fit");
}

size_t rb_leaf(uint8_t *out, size_t cap, const char *path, uint64_t size, const uint8_t sha256[32],
               uint8_t role, uint8_t flags, uint32_t link, const char *meta)
{
    size_t plen = strlen(path), mlen = meta != NULL ? strlen(meta) : 0;
    size_t n = 2 + plen + 50 + mlen;
    need(n <= cap && plen <= UINT16_MAX, "leaf does not fit");
    quire_store16(out, (uint16_t)plen);
    memcpy(out + 2, path, plen);
    uint8_t *p = out + 2 + plen;
    quire_store64(p, size);
    memcpy(p + 8, sha256, 32);
    p[40] = role;
    p[41] = flags;
    quire_store32(p + 42, link);
    quire_store32(p + 46, (uint32_t)mlen);
    if (mlen > 0)
        memcpy(p + 50, meta, mlen);
    return n;
}

void rb_statement(uint8_t st[QUIRE_STATEMENT_BYTES], uint32_t entries, uint64_t stream,
                  const uint8_t root[32])
{
    uint32_t units = (uint32_t)((stream + (1u << 20) - 1) >> 20);
    uint32_t pages = (entries + 255) / 256;
    uint64_t dir = (uint64_t)pages * 74 + (units + 1023) / 1024 * 48;
    memset(st, 0, QUIRE_STATEMENT_BYTES);
    memcpy(st, QUIRE_STATEMENT_DOMAIN, QUIRE_STATEMENT_DOMAIN_BYTES);
    uint8_t *h = st + QUIRE_STATEMENT_OFF_HEADER;
    memcpy(h, QUIRE_MAGIC, 8);
    quire_store16(h + 8, QUIRE_FORMAT_VERSION);
    h[12] = h[13] = h[14] = 1;
    quire_store64(st + QUIRE_STATEMENT_OFF_INDEX_OFFSET, 32 + stream);
    quire_store64(st + QUIRE_STATEMENT_OFF_INDEX_SIZE,
                  (uint64_t)pages * 4000 + 44 * (uint64_t)units + dir + QUIRE_STATEMENT_BYTES);
    quire_store32(st + QUIRE_STATEMENT_OFF_ENTRY_COUNT, entries);
    quire_store32(st + QUIRE_STATEMENT_OFF_UNIT_COUNT, units);
    quire_store32(st + QUIRE_STATEMENT_OFF_PAGE_COUNT, pages);
    quire_store64(st + QUIRE_STATEMENT_OFF_DIRECTORY_SIZE, dir);
    quire_store64(st + QUIRE_STATEMENT_OFF_STREAM_SIZE, stream);
    memcpy(st + QUIRE_STATEMENT_OFF_ROOT, root, 32);
    crypto_hash_sha256(st + QUIRE_STATEMENT_OFF_DIR_HASH, st, QUIRE_STATEMENT_OFF_DIR_HASH);
}

void rb_sign(const rb_key *k, const uint8_t st[QUIRE_STATEMENT_BYTES],
             uint8_t sig[QUIRE_SIGNATURE_BYTES])
{
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_prehash(st, QUIRE_STATEMENT_BYTES, prehash);
    crypto_sign_detached(sig, NULL, prehash, sizeof prehash, k->sk);
}

size_t rb_content(uint32_t i, char *out)
{
    return (size_t)snprintf(out, 32, "document %u\n", i);
}

/* Entry i's path and metadata; see rb_tree in receipt_build.h. */
static size_t tree_leaf(uint32_t i, uint8_t *out, size_t cap)
{
    char path[64], meta[160], content[32];
    uint8_t sha[32];
    const char *m = NULL;
    size_t clen = rb_content(i, content);
    crypto_hash_sha256(sha, (const uint8_t *)content, clen);
    if (i == 2)
        snprintf(path, sizeof path, "dir/r\xc3\xa9sum\xc3\xa9-%06u.txt", i);
    else
        snprintf(path, sizeof path, "dir/doc-%06u.txt", i);
    if (i % 5 == 4) {
        snprintf(meta, sizeof meta,
                 "{\"issued\":{\"date-parts\":[[2020,1,%u]]},\"title\":\"Document %u\"}",
                 i % 28 + 1, i);
        m = meta;
    } else if (i % 5 == 2) {
        m = "{\"n\":-9007199254740991,\"note\":\"a\\tb \\\"q\\\" \\\\ \\u001f caf\xc3\xa9\"}";
    }
    uint8_t role = i % 7 == 3 ? QUIRE_ROLE_ORIGINAL : QUIRE_ROLE_DOCUMENT;
    uint32_t link = i % 7 == 4 ? i - 1 : QUIRE_LINK_NONE;
    uint8_t flags = i % 11 == 5 ? 1 : 0;
    return rb_leaf(out, cap, path, clen, sha, role, flags, link, m);
}

void rb_tree_make(rb_tree *t, uint32_t n, const rb_key *k)
{
    quire_merkle m;
    memset(t, 0, sizeof *t);
    t->n = n;
    t->leaves = calloc(n, sizeof *t->leaves);
    t->lens = calloc(n, sizeof *t->lens);
    t->hashes = calloc(n, sizeof *t->hashes);
    need(t->leaves != NULL && t->lens != NULL && t->hashes != NULL, "out of memory");
    quire_merkle_init(&m);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t buf[512];
        char content[32];
        t->lens[i] = tree_leaf(i, buf, sizeof buf);
        t->leaves[i] = malloc(t->lens[i]);
        need(t->leaves[i] != NULL, "out of memory");
        memcpy(t->leaves[i], buf, t->lens[i]);
        quire_entry_leaf_hash(buf, t->lens[i], t->hashes[i]);
        quire_merkle_update(&m, t->hashes[i]);
        t->stream += rb_content(i, content);
    }
    quire_merkle_final(&m, t->root);
    rb_statement(t->statement, n, t->stream, t->root);
    rb_sign(k, t->statement, t->sig);
}

void rb_tree_free(rb_tree *t)
{
    for (uint32_t i = 0; t->leaves != NULL && i < t->n; i++)
        free(t->leaves[i]);
    free(t->leaves);
    free(t->lens);
    free(t->hashes);
    memset(t, 0, sizeof *t);
}

int rb_receipt(const rb_tree *t, const rb_key *k, uint32_t index, uint8_t **out, size_t *len,
               quire_error *err)
{
    uint8_t proof[QUIRE_MERKLE_MAX_PROOF][32];
    size_t plen = 0;
    need(quire_merkle_proof((const uint8_t(*)[32])t->hashes, t->n, index, proof, &plen) == 0,
         "no proof");
    return quire_receipt_encode(k->key_id, t->sig, t->statement, index, t->leaves[index],
                                t->lens[index], (const uint8_t(*)[32])proof, plen, out, len, err);
}

uint8_t *rb_raw_receipt(const uint8_t *key_id, const uint8_t *sig, const uint8_t *st,
                        uint32_t index, const uint8_t *leaf, size_t leaf_len,
                        const uint8_t (*proof)[32], size_t plen, size_t *len)
{
    *len = QUIRE_RECEIPT_HEAD_BYTES + leaf_len + 1 + plen * 32;
    uint8_t *b = malloc(*len);
    need(b != NULL, "out of memory");
    memcpy(b, "QRC2ED", 6);
    memcpy(b + 6, key_id, 8);
    memcpy(b + 14, sig, 64);
    memcpy(b + 78, st, QUIRE_STATEMENT_BYTES);
    quire_store32(b + 238, index);
    quire_store32(b + 242, (uint32_t)leaf_len);
    if (leaf_len > 0)
        memcpy(b + 246, leaf, leaf_len);
    b[246 + leaf_len] = (uint8_t)plen;
    if (plen > 0)
        memcpy(b + 246 + leaf_len + 1, proof, plen * 32);
    return b;
}
