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

#endif
