/* SPDX-License-Identifier: ISC */
/* receipt_build.h: synthetic citation receipts for the tests and the fuzzer's seeds: a key,
 * N entry records (Merkle leaves), their root, a signed statement and receipts made with
 * quire_receipt_encode. No bundle is involved (the bundle writer is elsewhere). Without Check:
 * a failure here aborts. */
#ifndef RECEIPT_BUILD_H
#define RECEIPT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "quire_receipt.h"

typedef struct rb_key {
    uint8_t key_id[QUIRE_KEY_ID_BYTES];
    uint8_t pk[QUIRE_PUBKEY_BYTES];
    uint8_t sk[64];
} rb_key;

/* A fresh random key pair and key id. */
void rb_key_random(rb_key *k);

/* The fixed key pair of the fuzzer (seed 32 x 0x51, id "fuzzkey!"). */
void rb_key_fixed(rb_key *k);

/* The public half as the library takes it. */
void rb_key_pub(const rb_key *k, quire_pubkey *pk);

/* The minisign public key file text of k (two lines), NUL-terminated in out (>= 128 bytes). */
void rb_key_pubfile(const rb_key *k, char *out, size_t cap);

/* Writes the entry record L to out (cap bytes) and returns its length; aborts if it does not
 * fit. meta may be NULL (no metadata). */
size_t rb_leaf(uint8_t *out, size_t cap, const char *path, uint64_t size, const uint8_t sha256[32],
               uint8_t role, uint8_t flags, uint32_t link, const char *meta);

/* A statement of a plausible bundle of `entries` entries and a stream of `stream` bytes with
 * the given root: every field within its limits and consistent with the others. */
void rb_statement(uint8_t st[QUIRE_STATEMENT_BYTES], uint32_t entries, uint64_t stream,
                  const uint8_t root[32]);

/* Signs BLAKE2b-512(st) with k. */
void rb_sign(const rb_key *k, const uint8_t st[QUIRE_STATEMENT_BYTES],
             uint8_t sig[QUIRE_SIGNATURE_BYTES]);

/* The content of synthetic entry i ("document I\n"), NUL-terminated in out (>= 32 bytes);
 * returns its length. */
size_t rb_content(uint32_t i, char *out);

/* A tree of n synthetic entries: paths "dir/doc-NNNNNN.txt" (entry 2 "dir/résumé-000002.txt"),
 * contents rb_content, some originals with documents linking to them, some executable, some
 * with metadata (with escapes and non-ASCII text). */
typedef struct rb_tree {
    uint32_t n;
    uint8_t **leaves;
    size_t *lens;
    uint8_t (*hashes)[32];
    uint64_t stream;
    uint8_t root[32];
    uint8_t statement[QUIRE_STATEMENT_BYTES];
    uint8_t sig[QUIRE_SIGNATURE_BYTES];
} rb_tree;

void rb_tree_make(rb_tree *t, uint32_t n, const rb_key *k);
void rb_tree_free(rb_tree *t);

/* The receipt of entry `index` of t, signed by k (malloc'd). Returns quire_receipt_encode's
 * code. */
int rb_receipt(const rb_tree *t, const rb_key *k, uint32_t index, uint8_t **out, size_t *len,
               quire_error *err);

/* A receipt written field by field, independently of quire_receipt_encode, so that tests can
 * make the malformed ones it refuses to make (malloc'd, *len bytes). */
uint8_t *rb_raw_receipt(const uint8_t *key_id, const uint8_t *sig, const uint8_t *st,
                        uint32_t index, const uint8_t *leaf, size_t leaf_len,
                        const uint8_t (*proof)[32], size_t plen, size_t *len);

#endif
