/* SPDX-License-Identifier: ISC */
/* quire_trust.h: key statements (SPEC 14): a rotation from an old key to a new one, signed by
 * both, and a revocation of a key from a date on; and the set of keys a reader trusts once it
 * has followed them from the keys it trusts directly. Both programs link it (the reader to
 * follow statements, the packer to check the ones it writes). */
#ifndef QUIRE_TRUST_H
#define QUIRE_TRUST_H

#include "quire.h"

/* SPEC 14.1: the signed bodies start with a 16-byte domain string, distinct from the bundle
 * statement's, so that no signature over one kind can pass for another. */
#define QUIRE_ROTATION_DOMAIN "quire rotation\0\0"
#define QUIRE_REVOCATION_DOMAIN "quire revocation"
#define QUIRE_ROTATION_BYTES 104
#define QUIRE_REVOCATION_BYTES 64
#define QUIRE_KEYSTMT_MAX_BYTES                                                                    \
    (QUIRE_ROTATION_BYTES + QUIRE_SIGBLOCK_FIXED_BYTES +                                           \
     QUIRE_MAX_SIGNATURES * (QUIRE_SIG_RECORD_MIN_BYTES + QUIRE_MAX_TRUSTED_COMMENT_BYTES))
/* Most rotations followed from one trusted key (SPEC 14.3). */
#define QUIRE_MAX_ROTATION_DEPTH 64

enum { QUIRE_KEYSTMT_ROTATION = 1, QUIRE_KEYSTMT_REVOCATION = 2 };

typedef struct quire_keystmt {
    int kind;             /* QUIRE_KEYSTMT_* */
    uint64_t date;        /* seconds since 1970-01-01T00:00:00Z */
    quire_pubkey subject; /* rotation: the old key; revocation: the revoked key */
    quire_pubkey next;    /* rotation: the new key; revocation: zero */
    const uint8_t *body;  /* the signed bytes, borrowed from the parsed buffer */
    size_t body_len;
    quire_sigblock sigs; /* comments borrowed from the parsed buffer */
} quire_keystmt;

/* Writes the signed body of a statement (SPEC 14.1) into out (QUIRE_ROTATION_BYTES for a
 * rotation, QUIRE_REVOCATION_BYTES for a revocation; next is ignored for a revocation).
 * Returns its length. */
size_t quire_keystmt_body(int kind, uint64_t date, const quire_pubkey *subject,
                          const quire_pubkey *next, uint8_t out[QUIRE_ROTATION_BYTES]);

/* Parses a key statement file: the body, then a signature block (SPEC 6 framing) that must
 * end the file. Nothing is verified. Pointers in out borrow buf. Returns 0, QUIRE_E_FORMAT or
 * QUIRE_E_LIMIT. */
QUIRE_MUST_CHECK int quire_keystmt_parse(const uint8_t *buf, size_t len, quire_keystmt *out,
                                         quire_error *err);

/* Whether a record of the statement verifies under key (its key id and public key; SPEC 6.2
 * over the body). */
QUIRE_MUST_CHECK bool quire_keystmt_signed_by(const quire_keystmt *s, const quire_pubkey *key);

/* One key of a resolved trust set. */
typedef struct quire_trust_key {
    quire_pubkey key;
    size_t root;          /* the directly trusted key (index in the set) it descends from */
    ptrdiff_t via;        /* the rotation (index in stmts) that made it trusted; -1: a root */
    size_t depth;         /* rotations from its root */
    ptrdiff_t revoked_by; /* the revocation (index in stmts) that revokes it, or -1 */
    uint64_t revoked_from;
} quire_trust_key;

/* Called for each statement that is not used, with why (for a warning). */
typedef void (*quire_trust_warn_fn)(void *ctx, size_t stmt, const char *why);

/* SPEC 14.3: the keys trusted through nroots directly trusted keys and nstmts statements. The
 * roots come first, in order (a root with the public key of an earlier one has that one as
 * its root), then the keys reached by rotation. A rotation is followed when both keys signed
 * it, its old key is trusted and not revoked, its old key has no rotation to another key (a
 * fork: all are refused) and it is on no cycle of rotations (a way back: refused). A
 * revocation applies when it is signed by the revoked key or by a key of the same chain (same
 * root); the earliest date counts. *out is malloc'd (the caller frees it). Returns 0 or
 * QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_trust_resolve(const quire_pubkey *roots, size_t nroots,
                                         const quire_keystmt *stmts, size_t nstmts,
                                         quire_trust_warn_fn warn, void *ctx, quire_trust_key **out,
                                         size_t *nout, quire_error *err);

#endif
