/* SPDX-License-Identifier: ISC */
/* quire_receipt.h: citation receipts of format 2 (SPEC 10): one
 * entry's record, the bundle's signed statement and the Merkle inclusion proof that ties the
 * one to the other, checkable without the bundle.
 *
 *     "QRC2" || "ED" || key_id (8) || signature (64) || statement (160) || u32 leaf_index
 *     || u32 leaf_len || L (leaf_len) || u8 proof_len || proof_len x 32-byte hashes
 *
 * little-endian, exactly that long. Pure functions over buffers: no I/O. */
#ifndef QUIRE_RECEIPT_H
#define QUIRE_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "quire.h"

/* ---- receipt constants (SPEC 10); the format's own are quire_format.h's ---- */
#define QUIRE_RECEIPT_MAGIC "QRC2"
#define QUIRE_RECEIPT_MAGIC_BYTES 4
#define QUIRE_RECEIPT_ALG "ED"
#define QUIRE_RECEIPT_ALG_BYTES 2
/* magic, algorithm, key id, signature, statement, leaf_index, leaf_len */
#define QUIRE_RECEIPT_HEAD_BYTES 246
#define QUIRE_RECEIPT_HASH_BYTES 32
#define QUIRE_RECEIPT_MAX_PROOF 24 /* proof hashes for 2^24 entries */
/* path_len, the longest path, the fixed fields of L and the largest metadata */
#define QUIRE_RECEIPT_MAX_LEAF_BYTES (2u + 4096u + 50u + (1u << 20))
#define QUIRE_RECEIPT_MAX_ARMOUR_BYTES (2u << 20)
#define QUIRE_RECEIPT_COMMENT "untrusted comment: "
#define QUIRE_RECEIPT_COMMENT_TEXT "untrusted comment: quire receipt for "
/* ---- end of receipt constants ---- */

/* A parsed receipt. Every field has passed the structural rules of quire_receipt_parse, but
 * nothing in it is authenticated until quire_receipt_verify returns 0 for it. The copies
 * (key_id, sig, statement, root) belong to the struct; leaf, path, sha256, meta and proof
 * borrow the parsed buffer, which must outlive the struct. The struct may be copied. */
typedef struct quire_receipt {
    uint8_t key_id[QUIRE_KEY_ID_BYTES];
    uint8_t sig[QUIRE_SIGNATURE_BYTES];
    uint8_t statement[QUIRE_STATEMENT_BYTES];
    uint32_t entry_count;                   /* from the statement */
    uint8_t root[QUIRE_RECEIPT_HASH_BYTES]; /* from the statement */
    uint32_t leaf_index;
    const uint8_t *leaf; /* L, leaf_len bytes */
    uint32_t leaf_len;
    /* L's fields (SPEC 5.3) */
    const char *path; /* path_len bytes, not NUL-terminated; checked by SPEC 4 */
    uint16_t path_len;
    uint64_t size;
    const uint8_t *sha256; /* 32 bytes */
    uint8_t role;
    uint8_t flags;
    uint32_t link;
    const uint8_t *meta; /* meta_len bytes: empty or a canonical JSON object (SPEC 5.5) */
    uint32_t meta_len;
    uint8_t proof_len;
    const uint8_t (*proof)[QUIRE_RECEIPT_HASH_BYTES];
} quire_receipt;

/* Builds a receipt from its parts: leaf is the entry record L (leaf_len bytes), proof the
 * proof_len hashes of the inclusion proof of leaf_index in the statement's tree. The result is
 * checked with quire_receipt_parse before it is returned, so no malformed receipt is ever
 * written (the signature and the proof are not checked: see quire_receipt_verify). On success
 * *out is malloc'd (the caller frees it) and *out_len its length. Returns 0, QUIRE_E_FORMAT or
 * QUIRE_E_LIMIT (a part breaks a rule, named in err), or QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_receipt_encode(const uint8_t key_id[QUIRE_KEY_ID_BYTES],
                                          const uint8_t sig[QUIRE_SIGNATURE_BYTES],
                                          const uint8_t statement[QUIRE_STATEMENT_BYTES],
                                          uint32_t leaf_index, const uint8_t *leaf, size_t leaf_len,
                                          const uint8_t (*proof)[QUIRE_RECEIPT_HASH_BYTES],
                                          size_t proof_len, uint8_t **out, size_t *out_len,
                                          quire_error *err);

/* Parses a binary receipt of exactly len bytes and checks every rule that needs no key: magic,
 * algorithm, the statement's domain, header copy and fields (SPEC 3, 5.1, 8), leaf_index <
 * entry_count, the leaf (path SPEC 4, role, flags, link, size <= stream size, metadata SPEC
 * 5.5, exactly filled, at most QUIRE_RECEIPT_MAX_LEAF_BYTES), proof_len equal to the RFC 9162
 * proof length for (leaf_index, entry_count) and no trailing bytes. Pointers in out borrow
 * buf. Returns 0, QUIRE_E_FORMAT, QUIRE_E_LIMIT or QUIRE_E_NOMEM (the JSON check), with a
 * one-line message naming the rule. */
QUIRE_MUST_CHECK int quire_receipt_parse(const uint8_t *buf, size_t len, quire_receipt *out,
                                         quire_error *err);

/* Verifies a receipt that quire_receipt_parse accepted: first the Ed25519 signature over
 * BLAKE2b-512(statement) by each of the nkeys trusted keys whose key id is the receipt's (ids
 * are not authenticated: every such key is tried), then the inclusion proof of
 * SHA-256(0x00 || "Q" || L) at leaf_index against the statement's root (entry count and root
 * are read from rc->statement, the signed bytes). On success *which_key, if which_key is not
 * NULL, is the index in keys of the key that verified. Returns 0, QUIRE_E_UNTRUSTED (no
 * trusted key has the id), QUIRE_E_SIGNATURE (none of those verifies), QUIRE_E_HASH (the proof
 * does not lead to the signed root) or QUIRE_E_FORMAT (rc breaks a rule parse checks). */
QUIRE_MUST_CHECK int quire_receipt_verify(const quire_receipt *rc, const quire_pubkey *keys,
                                          size_t nkeys, size_t *which_key, quire_error *err);

/* Compares a document's SHA-256 (of the cited file) with the receipt's leaf. Meaningful only
 * after quire_receipt_verify. Returns 0, or QUIRE_E_HASH. */
QUIRE_MUST_CHECK int quire_receipt_match_sha256(const quire_receipt *rc,
                                                const uint8_t sha256[QUIRE_SHA256_BYTES],
                                                quire_error *err);

/* The armoured text of a binary receipt: "untrusted comment: quire receipt for PATH\n", the
 * base64 of the bytes (standard alphabet, padded) on one line, "\n". PATH is the receipt's own
 * leaf path, with every byte outside printable ASCII (0x20-0x7E) written as '?', so the
 * comment is one line of plain text whatever the path holds. bin is parsed first
 * (quire_receipt_parse). On success *out is malloc'd and NUL-terminated, *out_len its length
 * without the NUL. Returns 0, the codes of quire_receipt_parse, or QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_receipt_armour(const uint8_t *bin, size_t len, char **out,
                                          size_t *out_len, quire_error *err);

/* The binary receipt in a file's bytes, which hold either the binary form (beginning with
 * "QRC2", copied as is) or the armoured text: an optional first line beginning "untrusted
 * comment: ", then one line of padded standard base64, then nothing but white space (CR LF
 * line ends are accepted). Inputs over QUIRE_RECEIPT_MAX_ARMOUR_BYTES are refused. The result
 * is not parsed. On success *bin is malloc'd and *bin_len its length. Returns 0,
 * QUIRE_E_FORMAT, QUIRE_E_LIMIT or QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_receipt_dearmour(const uint8_t *text, size_t len, uint8_t **bin,
                                            size_t *bin_len, quire_error *err);

#endif
