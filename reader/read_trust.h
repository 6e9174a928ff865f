/* SPDX-License-Identifier: ISC */
/* read_trust.h: key statements, trust through them and signature records (read_trust.c,
 * read_sigs.c). */
#ifndef READ_TRUST_H
#define READ_TRUST_H

#include "quire_trust.h"
#include "read.h"

/* Reads a key statement file given with --key-statement. Returns 0 or 2 after a message. */
int read_trust_add_file(read_opts *o, const char *path);

/* Reads the *.rotation and *.revocation files of the trusted-keys directory (dfd); one that
 * cannot be used is skipped with a warning. Returns 0 or 2. */
int read_trust_load_dir(read_opts *o, int dfd, const char *dir);

/* Follows the statements from the keys trusted directly (SPEC 14.3): o->keys gains the keys
 * reached by rotation (their source "ROOT via ROTATION", malloc'd), and each key's chain and
 * revocation are kept for read_trust_key. Statements that are not used are warned about.
 * Returns 0 or 2. */
int read_trust_resolve(read_opts *o);

/* Key k's chain and revocation, or NULL when no statement was given. */
const quire_trust_key *read_trust_key(const read_opts *o, size_t k);

/* The directly trusted key key k counts as for --need: the root of its chain, and one key
 * given under two key ids counts once. */
size_t read_trust_root(const read_opts *o, size_t k);

/* The file of statement i, or NULL for i < 0. */
const char *read_trust_stmt_path(const read_opts *o, ptrdiff_t i);

/* SPEC 14.4: the time at which the bundle is proven to have existed, from a verified trusted
 * timestamp over its statement; false when there is none, and before the bundle is
 * authenticated (the token's imprint is the statement's hash). The one place where trusted
 * time enters key revocation: open_bundle (read_main.c) authenticates first without the
 * revoked keys, and only when that fails, again with them, keeping the bundle if this time
 * is before the signer's revocation. */
bool read_proven_time(quire_reader *r, const read_opts *o, uint64_t *when);

/* Whether key k is revoked for a bundle proven (or not) to exist at when: revoked, unless a
 * proven time before the revocation's date says the bundle is older. */
bool read_trust_revoked(const read_opts *o, size_t k, bool proven, uint64_t when);

/* The keys a bundle is authenticated with: the trusted keys less those revoked for it
 * (malloc'd array of *n copies). Returns 0 or 2. */
int read_trust_keys_for(quire_reader *r, const read_opts *o, quire_pubkey **keys, size_t *n);

void read_trust_free(read_opts *o);

/* ---- signature records (read_sigs.c) ---- */

/* Every signature record of an authenticated bundle: number, key_id, status ("trusted",
 * "revoked", "invalid": it names a trusted key id but no trusted key verifies it, or
 * "untrusted": it names none), key_file (the trusted key that verified it), root (the
 * directly trusted key it counts as), revoked_from/revoked_by, comment. */
json_t *read_sigs_json(quire_reader *r, const read_opts *o);

/* Prints the records of read_sigs_json, one line each, when there are several (one is the
 * signer line's). */
void read_sigs_print(json_t *sigs);

/* --need N: at least N distinct trusted keys (chains counted once) verified the bundle.
 * Returns 0, or 1 after a message saying how many of which were found. */
int read_sigs_need(quire_reader *r, const read_opts *o, const char *bundle);

/* When the records of an untrusted bundle name only keys that are revoked for it, says so
 * ("signed by key ID, revoked from DATE by FILE") and returns true. */
bool read_sigs_revoked(quire_reader *r, const read_opts *o, const char *bundle);

/* quire-read keys: the trusted keys (file, key id, comment), the keys trusted through
 * statements and the revocations. */
int cmd_keys(const read_opts *o, int argc, char **argv);

#endif
