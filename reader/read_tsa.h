/* SPDX-License-Identifier: ISC */
/* read_tsa.h: the time-stamp tokens of a bundle (SPEC 7.1, SPEC 9 step 13), checked with the
 * time-stamp module quire-tsa.so (tsa/quire_tsa_api.h), which quire-read loads only when a
 * bundle has a token. The trusted time-stamping authorities are the PEM certificates given with
 * --tsa-ca or, without it, the *.pem files of the trusted TSA directory: $QUIRE_TRUSTED_TSA,
 * else the "tsa" directory inside the trusted-keys directory ($QUIRE_TRUSTED_KEYS/tsa, else
 * $XDG_CONFIG_HOME/quire/trusted/tsa, else ~/.config/quire/trusted/tsa). */
#ifndef READ_TSA_H
#define READ_TSA_H

#include <stdint.h>

#include <jansson.h>

#include "read.h"

/* --tsa-ca FILE: trusts the certificates of FILE as time-stamping authorities (read when a
 * token is first checked). Returns 0, or 2 after a message (out of memory). */
int read_tsa_ca_add(read_opts *o, const char *path);

/* Frees what read_tsa_ca_add and the checks kept. */
void read_tsa_free(read_opts *o);

/* SPEC 9 step 13 for an authenticated bundle: checks every attachment (loading the module when
 * there is a time-stamp token) and sets *out (owned by the caller, may be an empty array) to
 * one JSON object per attachment: "attachment" (its number), "type" ("rfc3161" or "unknown"),
 * "status" ("trusted", "untrusted", "invalid" or "unchecked"), and for a token that is not
 * invalid "time" (ISO 8601), "unix_time", "tsa", "serial", "policy", "accuracy" (when it has
 * one), and "why" unless trusted. Returns 0; 1 after a message when a token is invalid (the
 * bundle fails); 2 after a message when --tsa-ca was given and tokens cannot be checked (no
 * module, an unusable certificate file) or the trusted TSA directory cannot be read. */
int read_tsa_check(quire_reader *r, const read_opts *o, const char *bundle, json_t **out);

/* Prints the lines of info and verify for the attachments of read_tsa_check: "timestamp:
 * existed no later than T (TSA)", or why a token is not counted. */
void read_tsa_print(json_t *list);

/* For rules that depend on when a bundle existed (a key revoked from a date on): the earliest
 * genTime, in seconds since 1970 UTC, among the bundle's tokens that are trusted (SPEC 7.1).
 * r must be authenticated (SPEC 9 step 7). Untrusted and unchecked tokens never count. Prints
 * nothing. Returns 0 with *when set; QUIRE_E_NOTFOUND when no token is trusted (none, or only
 * untrusted or unchecked ones); QUIRE_E_SIGNATURE when a token is invalid (the bundle fails);
 * QUIRE_E_USAGE when the module cannot be loaded or a certificate file given cannot be used;
 * err says which. */
QUIRE_MUST_CHECK int read_tsa_earliest(quire_reader *r, const read_opts *o, int64_t *when,
                                       quire_error *err);

/* read_tsa_earliest as JSON for verify --json's "existed_no_later_than": the time as ISO 8601
 * ("2026-12-02T08:45:00Z"), or null when no token is trusted. Call after read_tsa_check
 * succeeded. */
json_t *read_tsa_earliest_json(quire_reader *r, const read_opts *o);

#endif
