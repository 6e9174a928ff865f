/* SPDX-License-Identifier: ISC */
/* test_merkle.c: RFC 9162 Merkle trees (lib/common/quire_merkle.c): the roots of RFC 6962's
 * eight-leaf test tree, streaming roots against the recursive definition, and inclusion
 * proofs for every leaf of every tree up to 70 leaves, with every bit of a proof flipped. */
#include <stdlib.h>

#include <sodium.h>

#include "quire_merkle.h"
#include "unit_support.h"

enum { H = QUIRE_MERKLE_HASH_BYTES };

static const struct {
    const char *hex;
    size_t len;
} leaf_data[8] = {{"", 0},
                  {"00", 1},
                  {"10", 1},
                  {"2021", 2},
                  {"3031", 2},
                  {"40414243", 4},
                  {"5051525354555657", 8},
                  {"606162636465666768696a6b6c6d6e6f", 16}};

/* Roots of the first 1..8 leaves (RFC 6962's reference tree, as Certificate Transparency's own
 * tests use it). */
static const char *const roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

static void unhex(const char *hex, uint8_t *out, size_t len)
{
    ck_assert_int_eq(sodium_hex2bin(out, len, hex, strlen(hex), NULL, NULL, NULL), 0);
}

/* RFC 9162's MTH, recursively, as the RFC writes it. */
static void mth(const uint8_t (*leaves)[H], uint64_t n, uint8_t out[H])
{
    if (n == 1) {
        memcpy(out, leaves[0], H);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t l[H], r[H];
    mth(leaves, k, l);
    mth(leaves + k, n - k, r);
    quire_merkle_node(l, r, out);
}

static uint8_t (*make_leaves(uint64_t n))[H]
{
    uint8_t(*leaves)[H] = malloc((size_t)(n ? n : 1) * H);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t d[8];
        quire_store64(d, i * 2654435761u);
        quire_merkle_leaf(d, sizeof d, leaves[i]);
    }
    return leaves;
}

START_TEST(rfc6962_reference_tree)
{
    quire_merkle m;
    quire_merkle_init(&m);
    for (int i = 0; i < 8; i++) {
        uint8_t d[16], leaf[H], root[H], want[H];
        unhex(leaf_data[i].hex, d, leaf_data[i].len);
        quire_merkle_leaf(d, leaf_data[i].len, leaf);
        quire_merkle_update(&m, leaf);
        quire_merkle_final(&m, root);
        unhex(roots[i], want, H);
        ck_assert_mem_eq(root, want, H);
    }
}
END_TEST

START_TEST(empty_tree_is_hash_of_nothing)
{
    quire_merkle m;
    uint8_t root[H], want[H];
    quire_merkle_init(&m);
    quire_merkle_final(&m, root);
    unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, H);
    ck_assert_mem_eq(root, want, H);
}
END_TEST

START_TEST(streaming_root_matches_recursive_definition)
{
    uint8_t(*leaves)[H] = make_leaves(300);
    quire_merkle m;
    quire_merkle_init(&m);
    for (uint64_t n = 1; n <= 300; n++) {
        uint8_t a[H], b[H];
        quire_merkle_update(&m, leaves[n - 1]);
        quire_merkle_final(&m, a);
        mth(leaves, n, b);
        ck_assert_mem_eq(a, b, H);
    }
    free(leaves);
}
END_TEST

/* Every leaf of every tree up to 70 leaves proves, with exactly ceil(log2 n) hashes or fewer;
 * a wrong index, leaf or root, a shortened or lengthened proof, and flipped bits of the proof
 * fail. */
START_TEST(inclusion_proofs_verify_and_every_change_fails)
{
    uint8_t(*leaves)[H] = make_leaves(70);
    for (uint64_t n = 1; n <= 70; n++) {
        uint8_t root[H];
        mth(leaves, n, root);
        for (uint64_t i = 0; i < n; i++) {
            uint8_t proof[QUIRE_MERKLE_MAX_PROOF + 1][H];
            size_t len = 0;
            ck_assert_int_eq(quire_merkle_proof(leaves, n, i, proof, &len), 0);
            ck_assert_uint_le(len, 7);
            ck_assert(quire_merkle_verify(leaves[i], i, n, proof, len, root));
            /* (The tree size is not bound by a proof alone: leaf 0 of 3 and of 4 leaves takes
             * the same path. The signed statement carries the size.) */
            if (n > 1) {
                ck_assert(!quire_merkle_verify(leaves[i], (i + 1) % n, n, proof, len, root));
                ck_assert(!quire_merkle_verify(leaves[(i + 1) % n], i, n, proof, len, root));
                ck_assert(!quire_merkle_verify(leaves[i], i, n, proof, len - 1, root));
            }
            memcpy(proof[len], root, H);
            ck_assert(!quire_merkle_verify(leaves[i], i, n, proof, len + 1, root));
            if (n > 1) /* with one leaf, the root is the leaf */
                ck_assert(!quire_merkle_verify(leaves[i], i, n, proof, len, leaves[i]));
            /* Every bit up to 16 leaves; past that, one bit of each byte, its position
             * turning with the byte (ASan took 28 s over every bit of all 70 trees). */
            size_t step = n <= 16 ? 1 : 9;
            for (size_t bit = 0; bit < len * H * 8; bit += step) {
                proof[bit / (H * 8)][bit / 8 % H] ^= (uint8_t)(1u << (bit % 8));
                ck_assert(!quire_merkle_verify(leaves[i], i, n, proof, len, root));
                proof[bit / (H * 8)][bit / 8 % H] ^= (uint8_t)(1u << (bit % 8));
            }
        }
        ck_assert_int_eq(quire_merkle_proof(leaves, n, n, NULL, NULL), -1);
    }
    free(leaves);
}
END_TEST

/* A leaf hash and a node hash of the same bytes differ (the 0x00/0x01 prefixes), so an inner
 * node cannot be passed off as a leaf. */
START_TEST(leaf_and_node_hashes_are_domain_separated)
{
    uint8_t l[H] = {1}, r[H] = {2}, node[H], leaf[H], cat[2 * H];
    quire_merkle_node(l, r, node);
    memcpy(cat, l, H);
    memcpy(cat + H, r, H);
    quire_merkle_leaf(cat, sizeof cat, leaf);
    ck_assert(memcmp(node, leaf, H) != 0);
}
END_TEST

static Suite *merkle_suite(void)
{
    Suite *s = suite_create("merkle");
    TCase *t = tcase_create("merkle");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, rfc6962_reference_tree);
    tcase_add_test(t, empty_tree_is_hash_of_nothing);
    tcase_add_test(t, streaming_root_matches_recursive_definition);
    tcase_add_test(t, inclusion_proofs_verify_and_every_change_fails);
    tcase_add_test(t, leaf_and_node_hashes_are_domain_separated);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(merkle_suite());
}
