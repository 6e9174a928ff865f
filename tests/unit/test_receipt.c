/* SPDX-License-Identifier: ISC */
/* test_receipt.c: citation receipts (lib/common/quire_receipt.c) built synthetically (no
 * bundle): every entry of small trees verifies; every bit of one receipt from a 1,000-entry
 * tree flipped is refused; keys, truncation, trailing bytes, proof lengths, leaf indexes, the
 * statement's and the leaf's rules; the armour; the size of a receipt in a 1,000,000-entry
 * bundle. */
#include <stdlib.h>

#include <sodium.h>

#include "quire_merkle.h"
#include "quire_receipt.h"
#include "receipt_build.h"
#include "unit_support.h"

enum { H = 32, OFF_SIG = 14, OFF_ST = 78, OFF_INDEX = 238, OFF_LEAF_LEN = 242, OFF_LEAF = 246 };

/* parse and verify with one key: the first failure's code, or 0. */
static int check(const uint8_t *buf, size_t len, const quire_pubkey *key, quire_error *err)
{
    quire_receipt r;
    int rc = quire_receipt_parse(buf, len, &r, err);
    return rc != QUIRE_OK ? rc : quire_receipt_verify(&r, key, 1, NULL, err);
}

START_TEST(leaf_hash_and_proof_len)
{
    uint8_t L[] = "entry record", buf[2 + sizeof L], want[H], got[H], plain[H];
    buf[0] = 0x00;
    buf[1] = 'Q';
    memcpy(buf + 2, L, sizeof L);
    crypto_hash_sha256(want, buf, sizeof buf);
    quire_entry_leaf_hash(L, sizeof L, got);
    quire_merkle_leaf(L, sizeof L, plain);
    ck_assert_mem_eq(got, want, H);
    ck_assert_mem_ne(got, plain, H);
    uint8_t(*leaves)[H] = calloc(70, H), proof[QUIRE_MERKLE_MAX_PROOF][H];
    for (uint64_t n = 1; n <= 70; n++)
        for (uint64_t i = 0; i < n; i++) {
            size_t len = 99;
            ck_assert_int_eq(quire_merkle_proof((const uint8_t(*)[H])leaves, n, i, proof, &len), 0);
            ck_assert_uint_eq(quire_merkle_proof_len(i, n), len);
        }
    ck_assert_uint_eq(quire_merkle_proof_len(5, 5), 0);
    ck_assert_uint_eq(quire_merkle_proof_len(0, 1u << 24), 24);
    ck_assert_uint_eq(quire_merkle_proof_len((1u << 24) - 1, 1u << 24), 24);
    free(leaves);
}
END_TEST

START_TEST(every_entry_of_small_trees_verifies)
{
    static const uint32_t sizes[] = {1, 2, 3, 7, 16, 33};
    rb_key k;
    quire_pubkey pk;
    quire_error err = {0};
    rb_key_random(&k);
    rb_key_pub(&k, &pk);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        rb_tree t;
        rb_tree_make(&t, sizes[s], &k);
        for (uint32_t i = 0; i < t.n; i++) {
            uint8_t *b;
            size_t len, which = 99;
            quire_receipt r;
            ASSERT_OK(rb_receipt(&t, &k, i, &b, &len, &err), err);
            ASSERT_OK(quire_receipt_parse(b, len, &r, &err), err);
            ASSERT_OK(quire_receipt_verify(&r, &pk, 1, &which, &err), err);
            ck_assert_uint_eq(which, 0);
            ck_assert_uint_eq(r.leaf_index, i);
            ck_assert_uint_eq(r.entry_count, t.n);
            ck_assert_uint_eq(r.proof_len, quire_merkle_proof_len(i, t.n));
            ck_assert_uint_eq(len, OFF_LEAF + t.lens[i] + 1 + r.proof_len * H);
            ck_assert_uint_eq(r.leaf_len, t.lens[i]);
            ck_assert_mem_eq(r.leaf, t.leaves[i], t.lens[i]);
            ck_assert_mem_eq(r.root, t.root, H);
            char content[32];
            uint8_t sha[H];
            size_t clen = rb_content(i, content);
            crypto_hash_sha256(sha, (const uint8_t *)content, clen);
            ck_assert_uint_eq(r.size, clen);
            ASSERT_OK(quire_receipt_match_sha256(&r, sha, &err), err);
            sha[0] ^= 1;
            ASSERT_FAILS(quire_receipt_match_sha256(&r, sha, &err), err, QUIRE_E_HASH, "SPEC 10");
            free(b);
        }
        rb_tree_free(&t);
    }
}
END_TEST

START_TEST(parsed_fields)
{
    rb_key k;
    rb_tree t;
    quire_receipt r;
    quire_error err = {0};
    uint8_t *b;
    size_t len;
    rb_key_random(&k);
    rb_tree_make(&t, 12, &k);
    ASSERT_OK(rb_receipt(&t, &k, 2, &b, &len, &err), err);
    ASSERT_OK(quire_receipt_parse(b, len, &r, &err), err);
    const char *path = "dir/r\xc3\xa9sum\xc3\xa9-000002.txt";
    ck_assert_uint_eq(r.path_len, strlen(path));
    ck_assert_mem_eq(r.path, path, r.path_len);
    static const char meta[] =
        "{\"n\":-9007199254740991,\"note\":\"a\\tb \\\"q\\\" \\\\ \\u001f caf\xc3\xa9\"}";
    ck_assert_uint_eq(r.meta_len, sizeof meta - 1);
    ck_assert_mem_eq(r.meta, meta, r.meta_len);
    ck_assert_uint_eq(r.role, QUIRE_ROLE_DOCUMENT);
    ck_assert_uint_eq(r.link, QUIRE_LINK_NONE);
    ck_assert_mem_eq(r.key_id, k.key_id, 8);
    ck_assert_mem_eq(r.sig, t.sig, 64);
    ck_assert_mem_eq(r.statement, t.statement, QUIRE_STATEMENT_BYTES);
    free(b);
    ASSERT_OK(rb_receipt(&t, &k, 4, &b, &len, &err), err); /* links to 3, an original */
    ASSERT_OK(quire_receipt_parse(b, len, &r, &err), err);
    ck_assert_uint_eq(r.link, 3);
    ck_assert_mem_eq(r.path, "dir/doc-000004.txt", r.path_len);
    ck_assert_mem_eq(r.meta, "{\"issued\":{\"date-parts\":[[2020,1,5]]},\"title\":\"Document 4\"}",
                     r.meta_len);
    free(b);
    ASSERT_OK(rb_receipt(&t, &k, 3, &b, &len, &err), err);
    ASSERT_OK(quire_receipt_parse(b, len, &r, &err), err);
    ck_assert_uint_eq(r.role, QUIRE_ROLE_ORIGINAL);
    ck_assert_uint_eq(r.meta_len, 0);
    free(b);
    ASSERT_OK(rb_receipt(&t, &k, 5, &b, &len, &err), err);
    ASSERT_OK(quire_receipt_parse(b, len, &r, &err), err);
    ck_assert_uint_eq(r.flags, 1);
    free(b);
    rb_tree_free(&t);
}
END_TEST

/* Every bit of one receipt flipped, one at a time: parse or verify refuses every one. */
START_TEST(every_bit_flipped_is_refused)
{
    static const uint32_t index[] = {637, 999};
    rb_key k;
    rb_tree t;
    quire_pubkey pk;
    quire_error err = {0};
    rb_key_random(&k);
    rb_key_pub(&k, &pk);
    rb_tree_make(&t, 1000, &k);
    for (size_t x = 0; x < 2; x++) {
        uint8_t *b;
        size_t len, counts[16] = {0};
        ASSERT_OK(rb_receipt(&t, &k, index[x], &b, &len, &err), err);
        ASSERT_OK(check(b, len, &pk, &err), err);
        ck_assert_uint_ge(quire_merkle_proof_len(index[x], 1000), 8);
        for (size_t bit = 0; bit < len * 8; bit++) {
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            int rc = check(b, len, &pk, &err);
            ck_assert_msg(rc != QUIRE_OK, "receipt %u: bit %zu flipped was accepted", index[x],
                          bit);
            counts[-rc]++;
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        ASSERT_OK(check(b, len, &pk, &err), err);
        /* Each way of refusing was reached: key id, signature, statement/leaf, proof. */
        ck_assert_uint_eq(counts[-QUIRE_E_UNTRUSTED], 64);
        ck_assert_uint_gt(counts[-QUIRE_E_SIGNATURE], 64 * 8 + 100);
        ck_assert_uint_gt(counts[-QUIRE_E_FORMAT], 100);
        ck_assert_uint_ge(counts[-QUIRE_E_HASH], quire_merkle_proof_len(index[x], 1000) * 256);
        free(b);
    }
    rb_tree_free(&t);
}
END_TEST

START_TEST(several_keys)
{
    rb_key k, other;
    rb_tree t;
    quire_pubkey keys[3];
    quire_receipt r;
    quire_error err = {0};
    uint8_t *b;
    size_t len, which = 99;
    rb_key_random(&k);
    rb_key_random(&other);
    rb_tree_make(&t, 7, &k);
    ASSERT_OK(rb_receipt(&t, &k, 6, &b, &len, &err), err);
    ASSERT_OK(quire_receipt_parse(b, len, &r, &err), err);
    rb_key_pub(&other, &keys[0]);
    ASSERT_FAILS(quire_receipt_verify(&r, keys, 1, &which, &err), err, QUIRE_E_UNTRUSTED,
                 "which is not trusted (SPEC 10)");
    ASSERT_FAILS(quire_receipt_verify(&r, keys, 0, &which, &err), err, QUIRE_E_UNTRUSTED,
                 "not trusted");
    memcpy(keys[0].key_id, k.key_id, 8); /* the right id on the wrong key */
    ASSERT_FAILS(quire_receipt_verify(&r, keys, 1, &which, &err), err, QUIRE_E_SIGNATURE,
                 "does not verify (SPEC 10)");
    rb_key_pub(&other, &keys[1]);
    rb_key_pub(&k, &keys[2]);
    ASSERT_OK(quire_receipt_verify(&r, keys, 3, &which, &err), err);
    ck_assert_uint_eq(which, 2);
    ASSERT_FAILS(quire_receipt_verify(&r, keys, 2, &which, &err), err, QUIRE_E_SIGNATURE,
                 "does not verify");
    free(b);
    rb_tree_free(&t);
}
END_TEST

START_TEST(framing)
{
    rb_key k;
    rb_tree t;
    quire_pubkey pk;
    quire_receipt r;
    quire_error err = {0};
    uint8_t *b, *x;
    size_t len;
    rb_key_random(&k);
    rb_key_pub(&k, &pk);
    rb_tree_make(&t, 7, &k);
    ASSERT_OK(rb_receipt(&t, &k, 2, &b, &len, &err), err);
    ASSERT_OK(check(b, len, &pk, &err), err);
    for (size_t n = 0; n < len; n++) /* every truncation */
        ck_assert_int_eq(quire_receipt_parse(b, n, &r, &err), QUIRE_E_FORMAT);
    x = malloc(len + 33);
    memcpy(x, b, len);
    x[len] = 0;
    ASSERT_FAILS(quire_receipt_parse(x, len + 1, &r, &err), err, QUIRE_E_FORMAT,
                 "1 bytes after the proof (SPEC 10)");
    /* proof_len one more (with a hash appended) and one less (with one removed) */
    size_t at = OFF_LEAF + t.lens[2];
    memset(x + len, 0, 32);
    x[at]++;
    ASSERT_FAILS(quire_receipt_parse(x, len + 32, &r, &err), err, QUIRE_E_FORMAT,
                 "proof of 4 hashes, leaf 2 of 7 needs 3 (SPEC 10)");
    x[at] -= 2;
    ASSERT_FAILS(quire_receipt_parse(x, len - 32, &r, &err), err, QUIRE_E_FORMAT,
                 "proof of 2 hashes");
    x[at]++;
    /* leaf index at or past the entry count */
    quire_store32(x + OFF_INDEX, 7);
    ASSERT_FAILS(quire_receipt_parse(x, len, &r, &err), err, QUIRE_E_FORMAT,
                 "leaf index 7 is not below the entry count 7 (SPEC 10)");
    quire_store32(x + OFF_INDEX, UINT32_MAX);
    ASSERT_FAILS(quire_receipt_parse(x, len, &r, &err), err, QUIRE_E_FORMAT, "not below");
    /* another index with a proof of the same length: parsed, but the proof fails */
    quire_store32(x + OFF_INDEX, 1);
    ASSERT_OK(quire_receipt_parse(x, len, &r, &err), err);
    ASSERT_FAILS(quire_receipt_verify(&r, &pk, 1, NULL, &err), err, QUIRE_E_HASH,
                 "receipt: inclusion proof does not lead to the signed root (SPEC 10)");
    quire_store32(x + OFF_INDEX, 2);
    x[0] = 'q';
    ASSERT_FAILS(quire_receipt_parse(x, len, &r, &err), err, QUIRE_E_FORMAT, "bad magic");
    x[0] = 'Q';
    x[5] = 'd';
    ASSERT_FAILS(quire_receipt_parse(x, len, &r, &err), err, QUIRE_E_FORMAT,
                 "unknown signature algorithm (SPEC 10)");
    x[5] = 'D';
    quire_store32(x + OFF_LEAF_LEN, QUIRE_RECEIPT_MAX_LEAF_BYTES + 1);
    ASSERT_FAILS(quire_receipt_parse(x, len, &r, &err), err, QUIRE_E_LIMIT, "(SPEC 8)");
    quire_store32(x + OFF_LEAF_LEN, (uint32_t)t.lens[2] + 1);
    ck_assert_int_eq(quire_receipt_parse(x, len, &r, &err), QUIRE_E_FORMAT);
    quire_store32(x + OFF_LEAF_LEN, (uint32_t)t.lens[2]);
    ASSERT_OK(check(x, len, &pk, &err), err);
    /* a parse failure leaves nothing behind to use */
    ck_assert_int_eq(quire_receipt_parse(x, len - 1, &r, &err), QUIRE_E_FORMAT);
    ck_assert_ptr_null(r.leaf);
    ASSERT_FAILS(quire_receipt_verify(&r, &pk, 1, NULL, &err), err, QUIRE_E_FORMAT,
                 "not a parsed receipt");
    free(x);
    free(b);
    rb_tree_free(&t);
}
END_TEST

/* One statement field changed and signed again: parse names the rule, encode refuses it. */
static void statement_refused(const rb_tree *t, const rb_key *k, size_t off, uint64_t v,
                              size_t width, int code, const char *msg)
{
    uint8_t st[QUIRE_STATEMENT_BYTES], sig[64], proof[QUIRE_MERKLE_MAX_PROOF][H], *b, *enc;
    size_t plen, len, enc_len;
    quire_receipt r;
    quire_error err = {0};
    memcpy(st, t->statement, sizeof st);
    if (width == 1)
        st[off] = (uint8_t)v;
    else if (width == 2)
        quire_store16(st + off, (uint16_t)v);
    else if (width == 4)
        quire_store32(st + off, (uint32_t)v);
    else
        quire_store64(st + off, v);
    rb_sign(k, st, sig);
    ck_assert_int_eq(quire_merkle_proof((const uint8_t(*)[H])t->hashes, t->n, 0, proof, &plen), 0);
    b = rb_raw_receipt(k->key_id, sig, st, 0, t->leaves[0], t->lens[0], (const uint8_t(*)[H])proof,
                       plen, &len);
    ASSERT_FAILS(quire_receipt_parse(b, len, &r, &err), err, code, msg);
    ASSERT_FAILS(quire_receipt_encode(k->key_id, sig, st, 0, t->leaves[0], t->lens[0],
                                      (const uint8_t(*)[H])proof, plen, &enc, &enc_len, &err),
                 err, code, msg);
    ck_assert_ptr_null(enc);
    free(b);
}

START_TEST(statement_rules)
{
    rb_key k;
    rb_tree t;
    rb_key_random(&k);
    rb_tree_make(&t, 5, &k);
    const uint8_t *st = t.statement;
    statement_refused(&t, &k, 0, 'Q', 1, QUIRE_E_FORMAT, "domain \"quire statement\" (SPEC 5.1)");
    statement_refused(&t, &k, 15, 1, 1, QUIRE_E_FORMAT, "domain");
    statement_refused(&t, &k, 16, 0x88, 1, QUIRE_E_FORMAT, "bad magic (SPEC 3)");
    statement_refused(&t, &k, 24, 1, 2, QUIRE_E_FORMAT,
                      "format version 1, receipts are of "
                      "version 2 (SPEC 3)");
    statement_refused(&t, &k, 26, 1, 2, QUIRE_E_FORMAT, "flags set (SPEC 3)");
    statement_refused(&t, &k, 29, 2, 1, QUIRE_E_FORMAT, "unknown algorithm (SPEC 3)");
    statement_refused(&t, &k, 47, 1, 1, QUIRE_E_FORMAT, "reserved bytes set (SPEC 3)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_ENTRY_COUNT, (1u << 24) + 1, 4, QUIRE_E_LIMIT,
                      "more than 16777216 entries (SPEC 8)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_UNIT_COUNT, (1u << 26) + 1, 4, QUIRE_E_LIMIT,
                      "units (SPEC 8)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_META_LEN, (1u << 20) + 1, 4, QUIRE_E_LIMIT,
                      "bundle metadata is longer than 1048576 bytes (SPEC 8)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_DIRECTORY_SIZE, (64u << 20) + 1, 8, QUIRE_E_LIMIT,
                      "directory is larger than 67108864 bytes (SPEC 8)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_INDEX_SIZE, (UINT64_C(1) << 30) + 1, 8,
                      QUIRE_E_LIMIT, "index region is larger");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_INDEX_OFFSET, 31, 8, QUIRE_E_FORMAT,
                      "index offset is inside the header (SPEC 5.1)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_PAGE_COUNT, 0, 4, QUIRE_E_FORMAT,
                      "0 entry pages for 5 entries (SPEC 5.1)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_PAGE_COUNT, 6, 4, QUIRE_E_FORMAT,
                      "6 entry pages for 5 entries");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_DIRECTORY_SIZE, 54, 8, QUIRE_E_FORMAT,
                      "directory size does not fit its page counts (SPEC 5.1)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_DIRECTORY_SIZE, 54 + 4096 + 48 + 1, 8,
                      QUIRE_E_FORMAT, "directory size does not fit");
    uint64_t isz = quire_load64(st + QUIRE_STATEMENT_OFF_INDEX_SIZE);
    uint64_t min = 1 + 44 + quire_load64(st + QUIRE_STATEMENT_OFF_DIRECTORY_SIZE) + 160;
    ck_assert_uint_gt(isz, min);
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_INDEX_SIZE, min - 1, 8, QUIRE_E_FORMAT,
                      "index size is smaller than its parts (SPEC 5.1)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_META_LEN, isz - min + 1, 4, QUIRE_E_FORMAT,
                      "smaller than its parts");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_STREAM_SIZE, 0, 8, QUIRE_E_FORMAT,
                      "stream size does not fit its unit count (SPEC 5.1)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_STREAM_SIZE, (1u << 24) + 1, 8, QUIRE_E_FORMAT,
                      "stream size does not fit");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_INDEX_OFFSET, 32, 8, QUIRE_E_FORMAT,
                      "data region does not fit its unit count (SPEC 5.1)");
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_INDEX_OFFSET, 33 + (1u << 24), 8, QUIRE_E_FORMAT,
                      "data region does not fit");
    /* a smaller tree than the proof was made for */
    statement_refused(&t, &k, QUIRE_STATEMENT_OFF_ENTRY_COUNT, 1, 4, QUIRE_E_FORMAT,
                      "proof of 3 hashes, leaf 0 of 1 needs 0 (SPEC 10)");
    rb_tree_free(&t);
}
END_TEST

/* A one-entry receipt around leaf L (any root: parse does not look at it). The path and the
 * metadata are text, parsed only after the signature and the proof verified (quire_receipt_verify)
 * or when the writer's own receipt is encoded: parse passes them, encode refuses them. */
static void leaf_refused(const uint8_t *L, size_t len, uint32_t entries, int code, const char *msg)
{
    uint8_t st[QUIRE_STATEMENT_BYTES], root[H] = {1}, sig[64] = {0}, *b, *enc;
    uint8_t proof[QUIRE_MERKLE_MAX_PROOF][H] = {{0}};
    size_t plen = quire_merkle_proof_len(0, entries), blen, enc_len;
    quire_receipt r;
    quire_error err = {0};
    rb_statement(st, entries, 1000, root);
    b = rb_raw_receipt((const uint8_t *)"keyid!!!", sig, st, 0, L, len, (const uint8_t(*)[H])proof,
                       plen, &blen);
    bool text = quire_receipt_parse(b, blen, &r, &err) == QUIRE_OK;
    if (!text)
        ASSERT_FAILS(quire_receipt_parse(b, blen, &r, &err), err, code, msg);
    ASSERT_FAILS(quire_receipt_encode((const uint8_t *)"keyid!!!", sig, st, 0, L, len,
                                      (const uint8_t(*)[H])proof, plen, &enc, &enc_len, &err),
                 err, code, msg);
    if (text) /* only the path and the metadata wait for the signature */
        ck_assert(strncmp(err.msg, "receipt: leaf path: ", 20) == 0 ||
                  strncmp(err.msg, "receipt: leaf metadata", 22) == 0);
    free(b);
}

START_TEST(leaf_rules)
{
    uint8_t L[600], sha[H] = {0};
    size_t n;
    quire_receipt r;
    quire_error err = {0};
    uint8_t st[QUIRE_STATEMENT_BYTES], root[H] = {1}, sig[64] = {0}, *b;
    size_t blen;

    n = rb_leaf(L, sizeof L, "a/b.txt", 5, sha, 1, 1, QUIRE_LINK_NONE, "{\"a\":1}");
    rb_statement(st, 1, 1000, root);
    b = rb_raw_receipt((const uint8_t *)"keyid!!!", sig, st, 0, L, n, NULL, 0, &blen);
    ASSERT_OK(quire_receipt_parse(b, blen, &r, &err), err); /* the baseline is fine */
    free(b);
    n = rb_leaf(L, sizeof L, "../x", 5, sha, 1, 0, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT,
                 "receipt: leaf path: '.' or '..' path component "
                 "(SPEC 4.2)");
    n = rb_leaf(L, sizeof L, "a\\b", 5, sha, 1, 0, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "backslash in path (SPEC 4.2)");
    n = rb_leaf(L, sizeof L, "a\x1b[1mb", 5, sha, 1, 0, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "(SPEC 4.1)");
    n = rb_leaf(L, sizeof L, "", 5, sha, 1, 0, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "empty path (SPEC 4.2)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 3, 0, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "unknown role 3 (SPEC 5.3)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 0, 0, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "unknown role 0 (SPEC 5.3)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 2, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "reserved flags set (SPEC 5.3)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 0, 0, NULL); /* to itself */
    leaf_refused(L, n, 2, QUIRE_E_FORMAT, "invalid link (SPEC 5.3)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 0, 2, NULL); /* past the entries */
    leaf_refused(L, n, 2, QUIRE_E_FORMAT, "invalid link (SPEC 5.3)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 2, 0, 1, NULL); /* an original linking */
    leaf_refused(L, n, 2, QUIRE_E_FORMAT, "invalid link (SPEC 5.3)");
    n = rb_leaf(L, sizeof L, "a", 1001, sha, 1, 0, QUIRE_LINK_NONE, NULL);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "larger than the bundle's stream (SPEC 5.3)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 0, QUIRE_LINK_NONE, "[1]");
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "metadata is not a JSON object (SPEC 5.5)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 0, QUIRE_LINK_NONE, "{\"b\":1,\"a\":2}");
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "not in canonical form from byte 2");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 0, QUIRE_LINK_NONE, "{\"a\": 1}");
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "(SPEC 5.5)");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 0, QUIRE_LINK_NONE, "{\"a\":1.5}");
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "fraction or exponent");
    n = rb_leaf(L, sizeof L, "a", 5, sha, 1, 0, QUIRE_LINK_NONE, "{}");
    quire_store32(L + 2 + 1 + 46, 3); /* meta_len past the leaf */
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "leaf length 55 is not what its fields make (SPEC 5.3)");
    quire_store32(L + 2 + 1 + 46, 1);
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "is not what its fields make");
    quire_store32(L + 2 + 1 + 46, (1u << 20) + 1);
    leaf_refused(L, n, 1, QUIRE_E_LIMIT, "leaf metadata longer than 1048576 bytes (SPEC 8)");
    n = rb_leaf(L, sizeof L, "abc", 5, sha, 1, 0, QUIRE_LINK_NONE, NULL);
    for (size_t cut = 0; cut < n; cut++)
        leaf_refused(L, cut, 1, QUIRE_E_FORMAT, "(SPEC 5.3)");
    quire_store16(L, 4); /* path_len one past the path: the record no longer fits */
    leaf_refused(L, n, 1, QUIRE_E_FORMAT, "(SPEC 5.3)");
}
END_TEST

START_TEST(encode_limits)
{
    uint8_t st[QUIRE_STATEMENT_BYTES], root[H] = {0}, sig[64] = {0}, *out = (uint8_t *)1;
    uint8_t proof[25][H] = {{0}};
    size_t len = 7;
    quire_error err = {0};
    rb_statement(st, 1, 1, root);
    ASSERT_FAILS(quire_receipt_encode((const uint8_t *)"keyid!!!", sig, st, 0, st,
                                      QUIRE_RECEIPT_MAX_LEAF_BYTES + 1, NULL, 0, &out, &len, &err),
                 err, QUIRE_E_LIMIT, "(SPEC 8)");
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(len, 0);
    ASSERT_FAILS(quire_receipt_encode((const uint8_t *)"keyid!!!", sig, st, 0, st, 60,
                                      (const uint8_t(*)[H])proof, 25, &out, &len, &err),
                 err, QUIRE_E_FORMAT, "proof longer than 24 hashes");
}
END_TEST

START_TEST(armour_round_trip)
{
    rb_key k;
    rb_tree t;
    quire_pubkey pk;
    quire_error err = {0};
    uint8_t *b, *back;
    size_t len, tlen, blen;
    char *text;
    rb_key_random(&k);
    rb_key_pub(&k, &pk);
    rb_tree_make(&t, 9, &k);
    ASSERT_OK(rb_receipt(&t, &k, 2, &b, &len, &err), err);
    ASSERT_OK(quire_receipt_armour(b, len, &text, &tlen, &err), err);
    ck_assert_uint_eq(strlen(text), tlen);
    static const char head[] = "untrusted comment: quire receipt for dir/r?"
                               "?sum?"
                               "?-000002.txt\n";
    ck_assert_mem_eq(text, head, sizeof head - 1);
    ck_assert_uint_eq(tlen, sizeof head - 1 + (len + 2) / 3 * 4 + 1);
    ck_assert_int_eq(text[tlen - 1], '\n');
    for (size_t i = 0; i < tlen; i++) /* two lines of printable ASCII */
        ck_assert(text[i] == '\n' || (text[i] >= 0x20 && text[i] < 0x7F));
    ck_assert_ptr_eq(strchr(text + sizeof head - 1, '\n'), text + tlen - 1);
    char b64[2048], form[4096];
    memcpy(b64, text + sizeof head - 1, tlen - sizeof head);
    b64[tlen - sizeof head] = '\0';
    ck_assert_uint_eq(strlen(b64) % 4, 0);

    /* accepted forms: armour, CRLF, no comment, no final newline, trailing white space */
    static const struct {
        const char *pre, *post;
    } good[] = {{"untrusted comment: x\r\n", "\r\n"}, {"", ""}, {"", "\n \t\r\n\n"}};
    for (size_t f = 0; f <= sizeof good / sizeof good[0]; f++) {
        if (f == 0)
            snprintf(form, sizeof form, "%s", text);
        else
            snprintf(form, sizeof form, "%s%s%s", good[f - 1].pre, b64, good[f - 1].post);
        ASSERT_OK(quire_receipt_dearmour((const uint8_t *)form, strlen(form), &back, &blen, &err),
                  err);
        ck_assert_uint_eq(blen, len);
        ck_assert_mem_eq(back, b, len);
        ASSERT_OK(check(back, blen, &pk, &err), err);
        free(back);
    }
    ASSERT_OK(quire_receipt_dearmour(b, len, &back, &blen, &err), err); /* the binary form */
    ck_assert_uint_eq(blen, len);
    ck_assert_mem_eq(back, b, len);
    free(back);

    /* refused forms (mid: whether the base64 line is between pre and post) */
    static const struct {
        const char *pre;
        bool mid;
        const char *post;
    } bad[] = {{"", false, ""},
               {"untrusted comment: only", false, ""},
               {"untrusted comment: x\n", false, ""},
               {"untrusted comment: x\n\n", true, ""},
               {"", true, "\nAAAA"},
               {"", true, " x"},
               {"x", true, ""},
               {" ", true, ""}};
    for (size_t f = 0; f < sizeof bad / sizeof bad[0]; f++) {
        snprintf(form, sizeof form, "%s%s%s", bad[f].pre, bad[f].mid ? b64 : "", bad[f].post);
        back = (uint8_t *)1;
        ASSERT_FAILS(
            quire_receipt_dearmour((const uint8_t *)form, strlen(form), &back, &blen, &err), err,
            QUIRE_E_FORMAT, "(SPEC 10)");
        ck_assert_ptr_null(back);
    }
    snprintf(form, sizeof form, "%s", b64);
    form[strlen(form) - 1] = '\0'; /* padding cut */
    ASSERT_FAILS(quire_receipt_dearmour((const uint8_t *)form, strlen(form), &back, &blen, &err),
                 err, QUIRE_E_FORMAT, "not padded base64 (SPEC 10)");
    snprintf(form, sizeof form, "%s", b64);
    form[10] = '-'; /* the URL alphabet */
    ASSERT_FAILS(quire_receipt_dearmour((const uint8_t *)form, strlen(form), &back, &blen, &err),
                 err, QUIRE_E_FORMAT, "base64");
    uint8_t *big = calloc(QUIRE_RECEIPT_MAX_ARMOUR_BYTES + 1, 1);
    memcpy(big, "QRC2", 4);
    ASSERT_FAILS(
        quire_receipt_dearmour(big, QUIRE_RECEIPT_MAX_ARMOUR_BYTES + 1, &back, &blen, &err), err,
        QUIRE_E_LIMIT, "larger than 2097152 bytes (SPEC 8)");
    free(big);
    /* armour takes only a valid receipt */
    free(text);
    ASSERT_FAILS(quire_receipt_armour(b, len - 1, &text, &tlen, &err), err, QUIRE_E_FORMAT,
                 "(SPEC 10)");
    ck_assert_ptr_null(text);
    free(b);
    rb_tree_free(&t);
}
END_TEST

/* SPEC 10.1: a document with empty metadata and a 60-byte path in a 1,000,000-entry
 * bundle has a receipt of 999 bytes (20 proof hashes), 1,024 at most whatever its index. */
START_TEST(receipt_in_a_million_entries)
{
    enum { N = 1000000 };
    static const uint32_t index[] = {0, 123457, 524288, N - 1};
    rb_key k;
    quire_pubkey pk;
    quire_error err = {0};
    rb_key_random(&k);
    rb_key_pub(&k, &pk);
    uint8_t(*hashes)[H] = malloc((size_t)N * H), L[200], sha[H] = {7}, root[H];
    uint8_t st[QUIRE_STATEMENT_BYTES], sig[64], proof[QUIRE_MERKLE_MAX_PROOF][H], *b;
    char path[61];
    memset(path, 'p', 60);
    memcpy(path, "some/dir/", 9);
    path[60] = '\0';
    size_t llen = rb_leaf(L, sizeof L, path, 5, sha, 1, 0, QUIRE_LINK_NONE, NULL);
    ck_assert_uint_eq(llen, 112);
    for (size_t x = 0; x < sizeof index / sizeof index[0]; x++) {
        quire_merkle m;
        quire_merkle_init(&m);
        for (uint32_t i = 0; i < N; i++) {
            if (i == index[x]) {
                quire_entry_leaf_hash(L, llen, hashes[i]);
            } else {
                uint8_t d[4];
                quire_store32(d, i);
                quire_entry_leaf_hash(d, sizeof d, hashes[i]);
            }
            quire_merkle_update(&m, hashes[i]);
        }
        quire_merkle_final(&m, root);
        rb_statement(st, N, 5 * (uint64_t)N, root);
        rb_sign(&k, st, sig);
        size_t plen, len;
        ck_assert_int_eq(quire_merkle_proof((const uint8_t(*)[H])hashes, N, index[x], proof, &plen),
                         0);
        ASSERT_OK(quire_receipt_encode(k.key_id, sig, st, index[x], L, llen,
                                       (const uint8_t(*)[H])proof, plen, &b, &len, &err),
                  err);
        ASSERT_OK(check(b, len, &pk, &err), err);
        ck_assert_uint_le(len, 1024);
        if (index[x] == 0)
            ck_assert_uint_eq(len, 999);
        free(b);
    }
    free(hashes);
    /* and the bound holds for a path of 85 bytes at every depth 1,000,000 entries have */
    for (uint32_t i = 0; i < N; i += 997)
        ck_assert_uint_le(OFF_LEAF + (2 + 85 + 50) + 1 + quire_merkle_proof_len(i, N) * H, 1024);
}
END_TEST

static Suite *receipt_suite(void)
{
    Suite *s = suite_create("receipt");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, leaf_hash_and_proof_len);
    tcase_add_test(tc, every_entry_of_small_trees_verifies);
    tcase_add_test(tc, parsed_fields);
    tcase_add_test(tc, every_bit_flipped_is_refused);
    tcase_add_test(tc, several_keys);
    tcase_add_test(tc, framing);
    tcase_add_test(tc, statement_rules);
    tcase_add_test(tc, leaf_rules);
    tcase_add_test(tc, encode_limits);
    tcase_add_test(tc, armour_round_trip);
    tcase_add_test(tc, receipt_in_a_million_entries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(receipt_suite());
}
