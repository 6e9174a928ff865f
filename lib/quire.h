/* SPDX-License-Identifier: ISC */
/* quire.h: the common and read API of the quire format library.
 *
 * The library never prints and never exits. Every function that can fail returns 0 or a
 * negative QUIRE_E_* code and, when given a quire_error, stores a one-line message there that
 * names the entry and the SPEC.md rule. The write API is in quire_write.h; quire-read does not
 * link it. */
#ifndef QUIRE_H
#define QUIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire_format.h"

#define QUIRE_VERSION_STRING "0.2.0"

enum {
    QUIRE_OK = 0,
    QUIRE_E_IO = -1,        /* a system call failed (errno text in the message) */
    QUIRE_E_NOMEM = -2,     /* out of memory */
    QUIRE_E_USAGE = -3,     /* the caller passed something unusable (bad path, bad option) */
    QUIRE_E_KEY = -4,       /* a key file is malformed, or the passphrase is wrong */
    QUIRE_E_FORMAT = -5,    /* the bundle breaks a rule of SPEC.md */
    QUIRE_E_LIMIT = -6,     /* the bundle exceeds a limit of SPEC 8 */
    QUIRE_E_SIGNATURE = -7, /* no signature verifies */
    QUIRE_E_UNTRUSTED = -8, /* signatures exist, but none by a trusted key */
    QUIRE_E_HASH = -9,      /* a stored or content hash does not match */
    QUIRE_E_NOTFOUND = -10, /* no entry with that path */
    QUIRE_E_INPUT = -11     /* an input file or metadata is unusable (packer) */
};

/* Results that say whether something verified must be used (libsodium's crypto_sign.h does
 * the same). */
#define QUIRE_MUST_CHECK __attribute__((warn_unused_result))

#define QUIRE_ERROR_MSG_BYTES 512

#define QUIRE_ERROR_RULE_BYTES 32

/* Detail of the last failure: code, a one-line message without the file name, and the same
 * facts as fields for programs that report them as data (quire-read --json). */
typedef struct quire_error {
    int code;
    char msg[QUIRE_ERROR_MSG_BYTES];
    int64_t entry;                     /* the entry the failure is about, or -1 */
    int64_t unit;                      /* the stored unit, or -1 */
    int64_t signature;                 /* the signature record, or -1 */
    char rule[QUIRE_ERROR_RULE_BYTES]; /* "SPEC 9 step 12", or "" when no rule is broken */
} quire_error;

/* Stores code and a printf-style message in err (err may be NULL). Returns code. The fields
 * follow from the message, which by the library's convention begins with "entry N", "unit N"
 * or "signature N" when it is about one, and ends with the rule in parentheses. */
int quire_error_set(quire_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- paths (SPEC 4) ---- */

/* Checks one bundle path of len bytes against SPEC 4. Returns 0, or QUIRE_E_FORMAT with the
 * broken rule in err. */
QUIRE_MUST_CHECK int quire_path_check(const char *path, size_t len, quire_error *err);

/* Checks that a byte string is printable UTF-8 (SPEC 4.1: no C0/C1 controls, DEL, invalid or
 * overlong sequences, surrogates). Returns true if so. */
QUIRE_MUST_CHECK bool quire_text_is_clean(const uint8_t *s, size_t len);

/* SPEC 6.1: a trusted comment is printable UTF-8 in which TAB is the only control allowed
 * (minisign separates its fields with TAB). */
QUIRE_MUST_CHECK bool quire_comment_is_clean(const uint8_t *s, size_t len);

/* ---- keys (SPEC 6.1) ---- */

typedef struct quire_pubkey {
    uint8_t key_id[QUIRE_KEY_ID_BYTES];
    uint8_t pk[QUIRE_PUBKEY_BYTES];
    /* Where the key came from (a file name), for the caller's messages, or NULL. Borrowed:
     * parsing and loading set it to NULL, the caller may point it at a string that outlives
     * the key, and the library never reads it (quire_reader_signer_key returns the key). */
    const char *source;
} quire_pubkey;

/* Parses a minisign public key: either the two-line file form or the bare base64 line.
 * Returns 0 or QUIRE_E_KEY. */
QUIRE_MUST_CHECK int quire_pubkey_parse(const char *text, size_t len, quire_pubkey *out,
                                        quire_error *err);

/* Reads and parses a public key file of at most 4 KiB (SPEC 8), path relative to dirfd
 * (AT_FDCWD: the working directory). The file is opened without blocking (a FIFO cannot stall
 * the caller) and, symbolic links followed, must be a regular file. On success *mode, if mode
 * is not NULL, receives the file's st_mode, for a caller that warns about writable keys.
 * Returns 0, QUIRE_E_IO (cannot open or read) or QUIRE_E_KEY (not a regular file, too large,
 * malformed). */
QUIRE_MUST_CHECK int quire_pubkey_load_at(int dirfd, const char *path, quire_pubkey *out,
                                          uint32_t *mode, quire_error *err);

/* quire_pubkey_load_at(AT_FDCWD, path, out, NULL, err). */
QUIRE_MUST_CHECK int quire_pubkey_load(const char *path, quire_pubkey *out, quire_error *err);

/* Writes the key id as minisign prints it: 16 upper-case hex digits of the little-endian
 * 64-bit number. out must hold 17 bytes. */
void quire_key_id_hex(const uint8_t key_id[QUIRE_KEY_ID_BYTES], char out[17]);

/* ---- fixed-size framing (SPEC 3, 7) ---- */

/* Checks the 32-byte file header. Returns 0, QUIRE_E_FORMAT. */
QUIRE_MUST_CHECK int quire_header_check(const uint8_t *buf, size_t len, quire_error *err);

typedef struct quire_trailer {
    uint64_t index_offset;
    uint64_t index_size;
    uint64_t sigblock_size;
    uint64_t attachments_size;
} quire_trailer;

/* Parses the 40-byte trailer and checks its fields against file_size (SPEC 9 steps 2-3).
 * Returns 0, QUIRE_E_FORMAT or QUIRE_E_LIMIT. */
QUIRE_MUST_CHECK int quire_trailer_parse(const uint8_t *buf, size_t len, uint64_t file_size,
                                         quire_trailer *out, quire_error *err);

/* ---- signatures (SPEC 6) ---- */

typedef struct quire_sig {
    uint8_t key_id[QUIRE_KEY_ID_BYTES];
    uint8_t sig[QUIRE_SIGNATURE_BYTES];
    const uint8_t *comment; /* borrowed from the parsed buffer, not NUL-terminated */
    uint16_t comment_len;
    uint8_t global_sig[QUIRE_SIGNATURE_BYTES];
} quire_sig;

typedef struct quire_sigblock {
    uint32_t count;
    quire_sig sigs[QUIRE_MAX_SIGNATURES];
} quire_sigblock;

/* Parses a signature block of exactly len bytes. Comments point into buf, which must outlive
 * out. Returns 0, QUIRE_E_FORMAT or QUIRE_E_LIMIT. */
QUIRE_MUST_CHECK int quire_sigblock_parse(const uint8_t *buf, size_t len, quire_sigblock *out,
                                          quire_error *err);

/* Computes the BLAKE2b-512 prehash minisign signs (SPEC 6.2). */
void quire_prehash(const uint8_t *msg, size_t len, uint8_t out[QUIRE_PREHASH_BYTES]);

/* Checks one signature record against a key: key ids equal, the signature over the prehash
 * and the global signature over signature || trusted comment. Returns true only if all hold. */
QUIRE_MUST_CHECK bool quire_sig_verify(const quire_sig *sig, const quire_pubkey *key,
                                       const uint8_t prehash[QUIRE_PREHASH_BYTES]);

/* ---- index (SPEC 5) ---- */

typedef struct quire_unit {
    uint8_t compression;
    uint64_t stored_size;
    uint64_t raw_size;
    uint64_t file_offset;   /* derived: where its stored bytes start in the file */
    uint64_t stream_offset; /* derived: where its raw bytes start in the content stream */
    uint8_t hash[QUIRE_BLAKE2B256_BYTES];
} quire_unit;

typedef struct quire_entry {
    const char *path;      /* NUL-terminated copy, owned by the index */
    const uint8_t *sha256; /* QUIRE_SHA256_BYTES, borrowed from the index buffer */
    uint64_t size;
    uint64_t stream_offset; /* derived: where its bytes start in the content stream */
    uint32_t first_unit;    /* derived: the unit holding its first byte (if size > 0) */
    uint32_t link;
    uint16_t path_len;
    uint8_t role;
    uint8_t flags;
} quire_entry;

typedef struct quire_index {
    uint64_t index_offset;
    uint64_t index_size;
    uint32_t entry_count;
    uint32_t unit_count;
    uint32_t entry_page_count;
    uint32_t total_entries;   /* the statement's entry count: entry_count unless partial */
    uint32_t entry_base;      /* the bundle's number of entries[0]: 0 unless partial */
    bool partial;             /* one entry page only (quire_reader_authenticate_path) */
    uint64_t stream_size;     /* sum of all entry sizes */
    const uint8_t *statement; /* QUIRE_STATEMENT_BYTES, borrowed from the index buffer */
    const uint8_t *root;      /* the statement's Merkle root (SPEC 5.6), borrowed */
    quire_unit *units;
    quire_entry *entries;
    char *paths;
    uint8_t **page_bufs;        /* the entry pages read, inflated, one buffer each; owned */
    uint32_t page_buf_count;
    const uint8_t *bundle_meta; /* borrowed, not NUL-terminated; checked by the parser */
    uint32_t bundle_meta_len;
    /* Each entry's metadata, reachable only through quire_reader_entry_meta, which runs its
     * SPEC 5.5 check first: the type is complete only inside the library. */
    const struct quire_meta_ref *meta_refs;
} quire_index;

/* Frees what quire_index_parse allocated; accepts a zeroed or already-freed index. */
void quire_index_free(quire_index *idx);

/* Binary search for a path. Returns 0 and the entry number, or QUIRE_E_NOTFOUND. */
int quire_index_find(const quire_index *idx, const char *path, uint32_t *out);

/* ---- reader (SPEC 9) ---- */

typedef struct quire_reader quire_reader;

/* Opens a bundle and performs SPEC 9 steps 1-4: header, trailer and signature block, read
 * once into memory. The index bytes are read by quire_reader_authenticate (step 5). Returns 0,
 * QUIRE_E_IO, QUIRE_E_FORMAT, QUIRE_E_LIMIT or QUIRE_E_NOMEM. Close with quire_reader_close. */
QUIRE_MUST_CHECK int quire_reader_open(const char *path, quire_reader **out, quire_error *err);

#define QUIRE_ANY_SIGNER 0x1 /* accept an unverified signer; hashes are still checked */

/* SPEC 9 steps 5-9. Unless QUIRE_ANY_SIGNER is given, a bundle none of whose signature
 * records names one of the nkeys trusted keys is refused (QUIRE_E_UNTRUSTED) before its index
 * is read. Then the index bytes are read and every record that names a trusted key is checked
 * against each trusted key with that key id (two keys may share one; ids are not
 * authenticated): a record that verifies under none of them fails the bundle
 * (QUIRE_E_SIGNATURE), whatever the other records; the first record in block order that
 * verifies is the signer. Then the index is parsed. With QUIRE_ANY_SIGNER and no record naming
 * a trusted key the index is parsed anyway and quire_reader_signer returns NULL. keys is only
 * read during the call, except that quire_reader_signer_key returns a copy of one element.
 * Returns 0, QUIRE_E_UNTRUSTED, QUIRE_E_SIGNATURE, QUIRE_E_FORMAT, QUIRE_E_LIMIT, QUIRE_E_IO
 * or QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_reader_authenticate(quire_reader *r, const quire_pubkey *keys,
                                               size_t nkeys, unsigned flags, quire_error *err);

/* quire_reader_authenticate, but reading one entry page only: the one whose range holds path
 * (SPEC 9 step 9 for that page: its hash, its records, its entries' paths and order; links
 * and file prefixes outside it are not checked, nor the Merkle root). The index it leaves is
 * partial: it holds that page's entries, numbered from 0 (idx->entry_base is the first one's
 * number in the bundle); every unit is there. A caller that does not find path in it, or needs
 * more, calls quire_reader_authenticate. Same returns. */
QUIRE_MUST_CHECK int quire_reader_authenticate_path(quire_reader *r, const quire_pubkey *keys,
                                                    size_t nkeys, unsigned flags, const char *path,
                                                    quire_error *err);

/* After authenticate: the parsed index, valid until close. */
const quire_index *quire_reader_index(const quire_reader *r);

/* The signature record that a trusted key verified, or NULL; valid until close. */
const quire_sig *quire_reader_signer(const quire_reader *r);

/* A copy of the trusted key that verified the signer (its source pointer is the caller's, as
 * passed to quire_reader_authenticate), or NULL when there is no verified signer; valid until
 * close or the next authenticate. */
const quire_pubkey *quire_reader_signer_key(const quire_reader *r);

/* All signature records of the bundle, valid until close. */
const quire_sigblock *quire_reader_sigblock(const quire_reader *r);

/* SPEC 5.6: checks that the entry records hash to the signed Merkle root (once; later calls
 * return the first result if it was a success). Full and quick verification and receipts need
 * it; reading does not, since every page is checked against its own hash. Returns 0,
 * QUIRE_E_FORMAT or QUIRE_E_USAGE (not authenticated). */
QUIRE_MUST_CHECK int quire_reader_check_root(quire_reader *r, quire_error *err);

/* Entry i's record L (SPEC 5.3), the Merkle leaf data a receipt carries, after the entry's
 * metadata check (SPEC 5.5). Borrowed until close. Returns 0 or QUIRE_E_FORMAT. */
QUIRE_MUST_CHECK int quire_reader_entry_leaf(quire_reader *r, uint32_t i, const uint8_t **leaf,
                                             size_t *len, quire_error *err);

/* SPEC 10: a citation receipt for entry i (binary; quire_receipt_armour gives its text form):
 * the signer's record, the statement, the entry's record and its inclusion proof. Needs the
 * whole index (not quire_reader_authenticate_path), a signer verified by a trusted key (not
 * QUIRE_ANY_SIGNER) and the Merkle root, which it checks. The caller checks the entry's
 * content first (quire_reader_walk). *out is malloc'd. Returns 0, QUIRE_E_FORMAT (the root),
 * QUIRE_E_UNTRUSTED, QUIRE_E_USAGE or QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_reader_receipt(quire_reader *r, uint32_t i, uint8_t **out, size_t *len,
                                          quire_error *err);

/* The bundle fingerprint, SHA-256 of the statement (SPEC 6.3), computed at the first
 * call after a successful quire_reader_authenticate, or NULL before one; valid until close. */
const uint8_t *quire_reader_fingerprint(quire_reader *r);

/* Callbacks for quire_reader_walk. Each returns 0 or a negative QUIRE_E_* code (filling err),
 * which stops the walk. data() receives bytes whose unit hash has been checked; end() is
 * called only after the entry's SHA-256 matched. */
typedef struct quire_walk_ops {
    int (*begin)(void *ctx, uint32_t entry, quire_error *err);
    int (*data)(void *ctx, uint32_t entry, const uint8_t *p, size_t n, quire_error *err);
    int (*end)(void *ctx, uint32_t entry, quire_error *err);
} quire_walk_ops;

/* SPEC 9 steps 10-12: streams the selected entries in index order (selected == NULL: all),
 * reading each needed unit once, checking its BLAKE2b-256 before inflating it, and each entry's
 * SHA-256 after. Units not overlapping a selected entry are not read. ops may be NULL (verify
 * only) and its members may be NULL. Returns 0, QUIRE_E_HASH, QUIRE_E_FORMAT, QUIRE_E_IO, or a
 * callback's code. */
QUIRE_MUST_CHECK int quire_reader_walk(quire_reader *r, const bool *selected,
                                       const quire_walk_ops *ops, void *ctx, quire_error *err);

/* As quire_reader_walk, but an entry whose own content does not verify (its metadata, SPEC
 * 5.5; a unit it overlaps, SPEC 9 steps 10-11; its SHA-256, step 12) does not stop the walk:
 * fail is called for it instead of ops->end, with err describing the failure (ops->begin and
 * ops->data may have been called for it), and returns 0 to go on with the next selected entry
 * or a code that stops the walk. A unit that failed is not read again for the next entries
 * that overlap it. Returns 0 once every selected entry was walked, which does not mean that
 * every one verified (the caller counts the calls of fail), or QUIRE_E_IO, QUIRE_E_NOMEM or a
 * callback's code. */
QUIRE_MUST_CHECK int
quire_reader_walk_salvage(quire_reader *r, const bool *selected, const quire_walk_ops *ops,
                          int (*fail)(void *ctx, uint32_t entry, quire_error *err), void *ctx,
                          quire_error *err);

/* Entry i's signed metadata (a JSON object, or empty): checks it against SPEC 5.5 the first
 * time (the reader parses entries' metadata only when they are used) and remembers the result.
 * On success *meta points into the index (not NUL-terminated, valid until close) and *len is
 * its length, 0 when the entry has none. Returns 0 or QUIRE_E_FORMAT naming the entry. */
QUIRE_MUST_CHECK int quire_reader_entry_meta(quire_reader *r, uint32_t i, const uint8_t **meta,
                                             size_t *len, quire_error *err);

/* SPEC 9 step 10 alone: checks every entry's metadata (SPEC 5.5) and reads every unit once
 * to check its BLAKE2b-256, without inflating it or hashing the documents (the check
 * quire-read verify --quick makes). Units are shared among up to four threads, one of which
 * checks the metadata first; the failure reported is the first metadata failure, else the
 * lowest-numbered failing unit, whatever the timing. progress, if not NULL, is called on the
 * calling thread with the stored bytes checked since its last call. Returns 0, QUIRE_E_HASH,
 * QUIRE_E_FORMAT, QUIRE_E_IO or QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_reader_check_units(quire_reader *r,
                                              void (*progress)(void *ctx, uint64_t n), void *ctx,
                                              quire_error *err);

/* Closes the bundle and frees everything; accepts NULL. */
void quire_reader_close(quire_reader *r);

#endif
