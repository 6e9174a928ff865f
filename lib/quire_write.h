/* SPDX-License-Identifier: ISC */
/* quire_write.h: the write API of the quire format library: secret keys, signing and the
 * bundle writer. quire-pack links it; quire-read does not. */
#ifndef QUIRE_WRITE_H
#define QUIRE_WRITE_H

#include "quire.h"

/* A secret key. Always allocated with sodium_malloc (guarded, locked memory); free with
 * quire_seckey_free, which wipes it. */
typedef struct quire_seckey {
    uint8_t key_id[QUIRE_KEY_ID_BYTES];
    uint8_t sk[QUIRE_SECKEY_BYTES];
} quire_seckey;

/* The scrypt limits a secret key file may ask for (SPEC 6.1); larger values are refused before
 * any memory is allocated for them. */
#define QUIRE_KDF_MAX_OPSLIMIT (UINT64_C(1) << 32)
#define QUIRE_KDF_MAX_MEMLIMIT (UINT64_C(1) << 31)

/* Makes a new key pair with a random key id. Returns 0 or QUIRE_E_NOMEM. */
int quire_keypair_generate(quire_seckey **sk, quire_pubkey *pk, quire_error *err);

/* Encodes a secret key in minisign's file format. With passphrase NULL the key is stored
 * unencrypted (minisign -W); otherwise it is encrypted with scrypt at opslimit/memlimit.
 * *out is a NUL-terminated malloc'd string the caller frees. Returns 0 or QUIRE_E_NOMEM. */
int quire_seckey_encode(const quire_seckey *sk, const char *passphrase, uint64_t opslimit,
                        uint64_t memlimit, char **out, quire_error *err);

/* Tells whether a secret key file's text is passphrase-encrypted. Returns 1, 0, or
 * QUIRE_E_KEY when the text is not a minisign secret key. */
int quire_seckey_is_encrypted(const char *text, size_t len, quire_error *err);

/* Parses (and, with a passphrase, decrypts) a minisign secret key file. Returns 0, or
 * QUIRE_E_KEY for a malformed key, absurd KDF parameters or a wrong passphrase. */
int quire_seckey_parse(const char *text, size_t len, const char *passphrase, quire_seckey **out,
                       quire_error *err);

/* Frees and wipes a secret key; accepts NULL. */
void quire_seckey_free(quire_seckey *sk);

/* Writes a public key file (two lines, minisign format) into buf of cap bytes. Returns the
 * length, or QUIRE_E_USAGE if cap is too small. */
int quire_pubkey_encode(const quire_pubkey *pk, char *buf, size_t cap);

/* Derives the public key of a secret key. */
void quire_seckey_public(const quire_seckey *sk, quire_pubkey *pk);

/* Signs a prehash with a trusted comment as minisign -S -H does (SPEC 6.2): fills out's key
 * id, signature and global signature; out->comment borrows comment. Returns 0 or
 * QUIRE_E_USAGE (comment too long or not printable UTF-8). */
int quire_sign(const quire_seckey *sk, const uint8_t prehash[QUIRE_PREHASH_BYTES],
               const char *comment, quire_sig *out, quire_error *err);

/* ---- bundle writer (SPEC 11.1) ---- */

typedef struct quire_writer quire_writer;

typedef struct quire_entry_desc {
    const char *path; /* bundle path, checked against SPEC 4 */
    uint8_t role;     /* QUIRE_ROLE_* */
    uint8_t flags;    /* QUIRE_ENTRY_FLAG_* */
    uint32_t link;    /* entry number of the original, or QUIRE_LINK_NONE */
    const uint8_t *meta;
    size_t meta_len; /* 0, or a JSON object */
    uint64_t size;   /* exactly how many bytes the source yields */
} quire_entry_desc;

/* Supplies up to cap bytes of an entry's content; *got = 0 at the end. Returns 0 or a
 * QUIRE_E_* code with err filled. */
typedef int (*quire_source_fn)(void *ctx, uint8_t *buf, size_t cap, size_t *got, quire_error *err);

/* Starts a bundle on fd (written sequentially from its current position, which must be 0).
 * bundle_meta is empty or a JSON object, copied. Returns 0 or QUIRE_E_NOMEM/QUIRE_E_USAGE. */
int quire_writer_open(int fd, const uint8_t *bundle_meta, size_t meta_len, quire_writer **out,
                      quire_error *err);

/* Sets the deflate level (0-12, libdeflate's scale: 0 stores, 12 is the smallest) for units
 * and entry pages written from now on; the default is 8. */
void quire_writer_set_level(quire_writer *w, int level);

/* Sets how many threads deflate units (0: the calling thread does; the default). The bundle is
 * byte-identical whatever the count. Call before the first add. */
void quire_writer_set_threads(quire_writer *w, unsigned threads);

/* Adds one entry. Entries must come in strictly increasing byte order of path. Reads the
 * content from src and fails with QUIRE_E_INPUT if it yields more or fewer than d->size
 * bytes. Returns 0 or a QUIRE_E_* code. */
int quire_writer_add(quire_writer *w, const quire_entry_desc *d, quire_source_fn src, void *src_ctx,
                     quire_error *err);

/* Replaces the metadata of the entry added last (empty, or a JSON object, copied), so that a
 * caller can derive it from the very bytes that were packed. Returns 0, QUIRE_E_USAGE (no
 * entry yet), QUIRE_E_INPUT (too large) or QUIRE_E_NOMEM. */
int quire_writer_set_meta(quire_writer *w, const uint8_t *meta, size_t meta_len, quire_error *err);

/* Writes the index, the signature by sk with the trusted comment, and the trailer. The index
 * is parsed back with the reader's own rules before it is signed. Returns 0 or a code. */
int quire_writer_finish(quire_writer *w, const quire_seckey *sk, const char *comment,
                        quire_error *err);

/* After finish: the bundle fingerprint (SPEC 6.3). */
const uint8_t *quire_writer_fingerprint(const quire_writer *w);

/* Frees the writer; accepts NULL. Does not close fd. */
void quire_writer_free(quire_writer *w);

/* ---- rewriting a bundle's tail (SPEC 6, 7): co-signatures, attachments ---- */

/* What quire_tail_rewrite tells its caller, all optional (NULL members are skipped). */
typedef struct quire_tail_ops {
    /* Called right before the temporary file is created: a program blocks its cleanup signals
     * here (cli_cleanup_hold), so that none falls between the creation and created(). */
    void (*creating)(void *ctx);
    /* Called right after, with the temporary file's name, or NULL when it could not be made:
     * a program registers the name for removal on a signal and unblocks its signals. Returns
     * 0, or a QUIRE_E_* code that stops the rewrite (the file is then removed). */
    int (*created)(void *ctx, const char *tmp);
    /* Called with the complete new bundle, synced and closed, before it is renamed over out:
     * the caller verifies it (SPEC 9) and returns 0 to go on or a QUIRE_E_* code (err filled)
     * to stop, which removes it. */
    int (*check)(void *ctx, const char *tmp, quire_error *err);
    /* Called once the temporary file no longer exists under its name (renamed or removed). */
    void (*gone)(void *ctx);
    void *ctx;
} quire_tail_ops;

/* Writes out as the bundle src with a new tail: bytes [0, index_offset + index_size) of src
 * copied unchanged (header, data region, index region: every signed byte), then the len-byte
 * signature block sigblock (SPEC 6; parsed first, and refused with QUIRE_E_FORMAT/LIMIT
 * unless a reader would accept its framing), then the att_len bytes of attachments passed
 * through as they are (SPEC 7; the caller frames them), then a trailer with the new
 * sigblock_size and attachments_size. src's trailer must pass SPEC 9 steps 1-3. If statement
 * is not NULL, src's 160 statement bytes must equal it (the caller passes the statement it
 * verified: a bundle replaced since is refused with QUIRE_E_USAGE). out may be src.
 *
 * The new bundle is written to a temporary file ".NAME.XXXXXX" in out's directory, given
 * src's permission bits, fsynced and closed, passed to ops->check, renamed over out, and out's
 * directory is fsynced: out holds the old file or the complete new one. On any failure the
 * temporary file is removed and out is untouched. The function never prints. Returns 0,
 * QUIRE_E_IO, QUIRE_E_NOMEM, QUIRE_E_USAGE, QUIRE_E_FORMAT, QUIRE_E_LIMIT, or ops' codes. */
QUIRE_MUST_CHECK int quire_tail_rewrite(const char *src, const char *out, const uint8_t *statement,
                                        const uint8_t *sigblock, size_t sig_len,
                                        const uint8_t *attachments, size_t att_len,
                                        const quire_tail_ops *ops, quire_error *err);

/* Encodes a signature block (SPEC 6) of count records into buf of cap bytes: the 16-byte
 * header, then each record ("ED", key id, signature, comment length, comment, global
 * signature). Returns the length, or QUIRE_E_USAGE (count 0 or above 16, a comment too long,
 * or cap too small). */
int quire_sigblock_encode(const quire_sig *sigs, uint32_t count, uint8_t *buf, size_t cap);

#endif
