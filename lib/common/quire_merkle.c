/* SPDX-License-Identifier: ISC */
/* quire_merkle.c: RFC 9162 Merkle trees: roots, inclusion proofs and their check. */
#include <string.h>

#include <sodium.h>

#include "quire_merkle.h"
#include "common/quire_sha256.h"

enum { H = QUIRE_MERKLE_HASH_BYTES };

void quire_merkle_leaf(const uint8_t *data, size_t len, uint8_t out[H])
{
    static const uint8_t prefix = 0x00;
    quire_sha256_state st;
    quire_sha256_init(&st);
    quire_sha256_update(&st, &prefix, 1);
    quire_sha256_update(&st, data, len);
    quire_sha256_final(&st, out);
}

void quire_entry_leaf_hash(const uint8_t *L, size_t len, uint8_t out[H])
{
    static const uint8_t prefix[2] = {0x00, 0x51};
    quire_sha256_state st;
    quire_sha256_init(&st);
    quire_sha256_update(&st, prefix, sizeof prefix);
    quire_sha256_update(&st, L, len);
    quire_sha256_final(&st, out);
}

void quire_merkle_node(const uint8_t left[H], const uint8_t right[H], uint8_t out[H])
{
    uint8_t buf[1 + 2 * H];
    buf[0] = 0x01;
    memcpy(buf + 1, left, H);
    memcpy(buf + 1 + H, right, H);
    quire_sha256(out, buf, sizeof buf);
}

void quire_merkle_init(quire_merkle *m)
{
    m->count = 0;
}

/* stack[k] holds the root of a complete subtree of 2^k leaves when bit k of count is set:
 * adding a leaf is a binary increment, each carry one node hash. */
void quire_merkle_update(quire_merkle *m, const uint8_t leaf_hash[H])
{
    uint8_t cur[H];
    memcpy(cur, leaf_hash, H);
    unsigned k = 0;
    for (; (m->count >> k) & 1; k++)
        quire_merkle_node(m->stack[k], cur, cur);
    memcpy(m->stack[k], cur, H);
    m->count++;
}

/* The complete subtrees, smallest (rightmost) first, folded leftwards: the largest power of
 * two is the left subtree at every level, as RFC 9162's MTH splits. */
void quire_merkle_final(const quire_merkle *m, uint8_t root[H])
{
    if (m->count == 0) {
        quire_sha256(root, NULL, 0);
        return;
    }
    bool have = false;
    for (unsigned k = 0; k < QUIRE_MERKLE_MAX_PROOF; k++) {
        if (!((m->count >> k) & 1))
            continue;
        if (have) {
            quire_merkle_node(m->stack[k], root, root);
        } else {
            memcpy(root, m->stack[k], H);
            have = true;
        }
    }
}

/* MTH(leaves[0..n)), n >= 1. */
static void subtree_root(const uint8_t (*leaves)[H], uint64_t n, uint8_t out[H])
{
    quire_merkle m;
    quire_merkle_init(&m);
    for (uint64_t i = 0; i < n; i++)
        quire_merkle_update(&m, leaves[i]);
    quire_merkle_final(&m, out);
}

/* The largest power of two below n (n >= 2). */
static uint64_t split(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

int quire_merkle_proof(const uint8_t (*leaves)[H], uint64_t n, uint64_t index, uint8_t (*proof)[H],
                       size_t *len)
{
    uint8_t(*path)[H] = proof;
    size_t depth = 0;
    if (index >= n)
        return -1;
    /* PATH(m, D[0:n]) descends from the root; the proof lists siblings from the leaf up, so
     * they are collected top-down and reversed at the end. */
    while (n > 1) {
        uint64_t k = split(n);
        if (index < k) {
            subtree_root(leaves + k, n - k, path[depth++]);
            n = k;
        } else {
            subtree_root(leaves, k, path[depth++]);
            leaves += k;
            index -= k;
            n -= k;
        }
    }
    for (size_t i = 0; i < depth / 2; i++) {
        uint8_t t[H];
        memcpy(t, path[i], H);
        memcpy(path[i], path[depth - 1 - i], H);
        memcpy(path[depth - 1 - i], t, H);
    }
    *len = depth;
    return 0;
}

/* The depth of PATH(m, D[0:n]): one hash per level descended until the subtree is one leaf. */
size_t quire_merkle_proof_len(uint64_t index, uint64_t n)
{
    size_t depth = 0;
    if (index >= n)
        return 0;
    while (n > 1) {
        uint64_t k = split(n);
        if (index < k) {
            n = k;
        } else {
            index -= k;
            n -= k;
        }
        depth++;
    }
    return depth;
}

bool quire_merkle_verify(const uint8_t leaf_hash[H], uint64_t index, uint64_t n,
                         const uint8_t (*proof)[H], size_t len, const uint8_t root[H])
{
    if (index >= n || len > QUIRE_MERKLE_MAX_PROOF)
        return false;
    uint64_t fn = index, sn = n - 1;
    uint8_t r[H];
    memcpy(r, leaf_hash, H);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            quire_merkle_node(proof[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            quire_merkle_node(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && sodium_memcmp(r, root, H) == 0;
}
