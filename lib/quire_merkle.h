/* SPDX-License-Identifier: ISC */
/* quire_merkle.h: Merkle trees over entries, as RFC 9162 (Certificate Transparency 2.0)
 * section 2.1 defines them: SHA-256, leaf hash SHA-256(0x00 || leaf), node hash
 * SHA-256(0x01 || left || right), the left subtree of n leaves holding the largest power of two
 * below n. Inclusion proofs have at most 64 hashes (ceil(log2 n) for n leaves).
 *
 * Format 2's entry tree (SPEC 5.6) and the inclusion proofs of receipts (SPEC 10). */
#ifndef QUIRE_MERKLE_H
#define QUIRE_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIRE_MERKLE_HASH_BYTES 32
#define QUIRE_MERKLE_MAX_PROOF 64

/* SHA-256(0x00 || data): the hash of one leaf. */
void quire_merkle_leaf(const uint8_t *data, size_t len, uint8_t out[QUIRE_MERKLE_HASH_BYTES]);

/* SHA-256(0x00 || "Q" || L): the leaf hash of an entry record L (SPEC 5.6). The domain byte
 * 0x51 is part of the hash prefix, not of L. */
void quire_entry_leaf_hash(const uint8_t *L, size_t len, uint8_t out[QUIRE_MERKLE_HASH_BYTES]);

/* SHA-256(0x01 || left || right). */
void quire_merkle_node(const uint8_t left[QUIRE_MERKLE_HASH_BYTES],
                       const uint8_t right[QUIRE_MERKLE_HASH_BYTES],
                       uint8_t out[QUIRE_MERKLE_HASH_BYTES]);

/* Streaming root of leaf hashes given in order, in O(log n) memory: _init, one _update per
 * leaf hash, _final. The root of the empty tree is SHA-256 of the empty string. */
typedef struct quire_merkle {
    uint8_t stack[QUIRE_MERKLE_MAX_PROOF][QUIRE_MERKLE_HASH_BYTES]; /* complete subtrees */
    uint64_t count;
} quire_merkle;

void quire_merkle_init(quire_merkle *m);
void quire_merkle_update(quire_merkle *m, const uint8_t leaf_hash[QUIRE_MERKLE_HASH_BYTES]);
void quire_merkle_final(const quire_merkle *m, uint8_t root[QUIRE_MERKLE_HASH_BYTES]);

/* The inclusion proof (RFC 9162 2.1.3.1) of leaf `index` among the n leaf hashes: *len hashes
 * written to proof (room for QUIRE_MERKLE_MAX_PROOF). Returns 0, or -1 if index >= n. */
int quire_merkle_proof(const uint8_t (*leaves)[QUIRE_MERKLE_HASH_BYTES], uint64_t n, uint64_t index,
                       uint8_t (*proof)[QUIRE_MERKLE_HASH_BYTES], size_t *len);

/* The number of hashes in the inclusion proof of leaf `index` among n leaves (RFC 9162
 * 2.1.3.1), which quire_merkle_proof writes and quire_merkle_verify consumes: 0 for n = 1, at
 * most ceil(log2 n). Returns 0 when index >= n (there is no proof). */
size_t quire_merkle_proof_len(uint64_t index, uint64_t n);

/* Checks an inclusion proof (RFC 9162 2.1.3.2): that leaf_hash is leaf `index` of a tree of n
 * leaves whose root is root. */
__attribute__((warn_unused_result)) bool
quire_merkle_verify(const uint8_t leaf_hash[QUIRE_MERKLE_HASH_BYTES], uint64_t index, uint64_t n,
                    const uint8_t (*proof)[QUIRE_MERKLE_HASH_BYTES], size_t len,
                    const uint8_t root[QUIRE_MERKLE_HASH_BYTES]);

#endif
