/* SPDX-License-Identifier: ISC */
/* quire_format.h: the on-disk constants of format 2 (SPEC.md sections 3-8).
 *
 * Every number here is part of the contract: changing one changes SPEC.md in the same commit.
 * All multi-byte integers on disk are little-endian. */
#ifndef QUIRE_FORMAT_H
#define QUIRE_FORMAT_H

#include <stdint.h>

/* SPEC 3: file header, at offset 0. */
#define QUIRE_MAGIC "\x89QUIRE\r\n"
#define QUIRE_MAGIC_BYTES 8
#define QUIRE_HEADER_BYTES 32
#define QUIRE_FORMAT_VERSION 2
#define QUIRE_CONTENT_HASH_SHA256 1
#define QUIRE_UNIT_HASH_BLAKE2B256 1
#define QUIRE_SIG_ALG_MINISIGN_ED 1

/* SPEC 5.1: the statement, the signed message: the last 160 bytes of the index region. It
 * starts with this domain-separation string, so a signature over a statement can never be
 * mistaken for a signature over anything else. */
#define QUIRE_STATEMENT_DOMAIN "quire statement\0"
#define QUIRE_STATEMENT_DOMAIN_BYTES 16
#define QUIRE_STATEMENT_BYTES 160
/* Its fields' offsets (the header copy, then the fields in order). */
#define QUIRE_STATEMENT_OFF_HEADER 16
#define QUIRE_STATEMENT_OFF_INDEX_OFFSET 48
#define QUIRE_STATEMENT_OFF_INDEX_SIZE 56
#define QUIRE_STATEMENT_OFF_ENTRY_COUNT 64
#define QUIRE_STATEMENT_OFF_UNIT_COUNT 68
#define QUIRE_STATEMENT_OFF_PAGE_COUNT 72
#define QUIRE_STATEMENT_OFF_META_LEN 76
#define QUIRE_STATEMENT_OFF_DIRECTORY_SIZE 80
#define QUIRE_STATEMENT_OFF_STREAM_SIZE 88
#define QUIRE_STATEMENT_OFF_ROOT 96
#define QUIRE_STATEMENT_OFF_DIR_HASH 128

/* SPEC 5.2: the unit table, cut into pages of 1,024 records for the directory. */
#define QUIRE_UNIT_RECORD_BYTES 44
#define QUIRE_UNITS_PER_PAGE 1024u

/* SPEC 5.3: an entry record (the Merkle leaf data L) without its path and metadata:
 * path_len 2, size 8, sha256 32, role 1, flags 1, link 4, meta_len 4. */
#define QUIRE_ENTRY_FIXED_BYTES 52

/* SPEC 5.4: directory records. */
#define QUIRE_DIR_ENTRY_PAGE_BYTES 54 /* followed by the page's first path */
#define QUIRE_DIR_UNIT_PAGE_BYTES 48

/* SPEC 5.6: the leaf hash is SHA-256(0x00 || QUIRE_LEAF_DOMAIN || L). */
#define QUIRE_LEAF_DOMAIN 0x51 /* "Q" */

/* SPEC 5.2: unit compression identifiers. */
#define QUIRE_COMP_STORE 0
#define QUIRE_COMP_DEFLATE 1

/* SPEC 5.3: entry roles and flags. */
#define QUIRE_ROLE_DOCUMENT 1
#define QUIRE_ROLE_ORIGINAL 2
#define QUIRE_ENTRY_FLAG_EXEC 0x01u
#define QUIRE_ENTRY_FLAGS_KNOWN 0x01u
#define QUIRE_LINK_NONE UINT32_MAX

/* SPEC 6: signature block. */
#define QUIRE_SIGBLOCK_MAGIC "QUIRESIG"
#define QUIRE_SIGBLOCK_FIXED_BYTES 16
#define QUIRE_SIG_RECORD_MIN_BYTES 140 /* 2 + 8 + 64 + 2 + 0 + 64 */

/* SPEC 7: trailer, the last 40 bytes of the file. */
#define QUIRE_TRAILER_MAGIC "QUIREEND"
#define QUIRE_TRAILER_BYTES 40

/* SPEC 8: limits. A reader rejects a bundle past any of them before allocating. */
#define QUIRE_MAX_ENTRIES (1u << 24)
#define QUIRE_MAX_UNITS (1u << 26)
#define QUIRE_MAX_PATH_BYTES 4096u
#define QUIRE_MAX_COMPONENT_BYTES 255u
#define QUIRE_MAX_ENTRY_META_BYTES (1u << 20)
#define QUIRE_MAX_BUNDLE_META_BYTES (1u << 20)
#define QUIRE_MAX_INDEX_BYTES (UINT64_C(1) << 30)     /* the index region as stored */
#define QUIRE_MAX_PAGES_RAW_BYTES (UINT64_C(1) << 30) /* all entry pages, inflated */
#define QUIRE_MAX_PAGE_BYTES (1u << 22)               /* one entry page, stored or raw */
#define QUIRE_MAX_DIRECTORY_BYTES (UINT64_C(64) << 20)
#define QUIRE_MAX_UNIT_BYTES (16u << 20)
#define QUIRE_MAX_SIGNATURES 16u
#define QUIRE_MAX_TRUSTED_COMMENT_BYTES 1024u

/* minisign's key and signature formats (SPEC 6.1). */
#define QUIRE_KEY_ID_BYTES 8
#define QUIRE_PUBKEY_BYTES 32
#define QUIRE_SECKEY_BYTES 64
#define QUIRE_SIGNATURE_BYTES 64
#define QUIRE_SHA256_BYTES 32
#define QUIRE_BLAKE2B256_BYTES 32
#define QUIRE_PREHASH_BYTES 64
#define QUIRE_FINGERPRINT_BYTES 32

/* Packer policy, not format: the raw size a unit aims for, and an entry page. */
#define QUIRE_UNIT_TARGET_BYTES (1u << 20)
#define QUIRE_PAGE_TARGET_BYTES (64u << 10)

#endif
