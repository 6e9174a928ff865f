/* SPDX-License-Identifier: ISC */
/* quire_tsa_api.h: the interface of the loadable time-stamp module quire-tsa.so (SPEC 7.1,
 * SPEC 9 step 13). quire-read does not link OpenSSL: verify and info load the module with
 * dlopen (reader/read_tsa.c) only when a bundle has a time-stamp token, and take this table of
 * functions from its one exported symbol, QUIRE_TSA_API_SYMBOL. quire-pack links the same code
 * directly (quire_tsa_table). The table is versioned like the text module's: a new function
 * goes at the end of a new struct version; a loader checks version and size.
 *
 * The module parses and verifies RFC 3161 tokens with OpenSSL's TS and CMS API, never with an
 * ASN.1 parser of its own. It never prints and never exits. */
#ifndef QUIRE_TSA_API_H
#define QUIRE_TSA_API_H

#include <stddef.h>
#include <stdint.h>

#define QUIRE_TSA_API_SYMBOL "quire_tsa_api"
#define QUIRE_TSA_API_VERSION 1u
#define QUIRE_TSA_FINGERPRINT_BYTES 32

/* What a token is worth (SPEC 7.1). */
typedef enum quire_tsa_status {
    QUIRE_TSA_TRUSTED = 0,   /* valid, and its authority chains to a trusted certificate */
    QUIRE_TSA_UNTRUSTED = 1, /* valid (signature and imprint), but its authority not trusted */
    QUIRE_TSA_INVALID = 2    /* malformed, altered, or over other data: fails the bundle */
} quire_tsa_status;

typedef struct quire_tsa_result {
    quire_tsa_status status;
    int64_t gen_time;       /* genTime, seconds since 1970-01-01 UTC (not when INVALID) */
    char gen_time_text[32]; /* genTime as "2026-12-02T08:45:00Z" */
    char accuracy[48];      /* "1.5 s", or "" when the token has none */
    char tsa[256];          /* subject of the TSA's signing certificate (RFC 2253), or "" */
    char serial[72];        /* the token's serial number in hex */
    char policy[64];        /* the TSA policy OID */
    char why[256];          /* why not trusted or invalid, "" when trusted */
} quire_tsa_result;

/* The certificates of the time-stamping authorities a user trusts (an X509_STORE). */
typedef struct quire_tsa_store quire_tsa_store;

typedef struct quire_tsa_api_v1 {
    unsigned version;                     /* QUIRE_TSA_API_VERSION */
    size_t size;                          /* sizeof (struct quire_tsa_api_v1) */
    const char *(*library_version)(void); /* "OpenSSL 3.0.x ..." */

    /* A new, empty store, or NULL when out of memory. Free with store_free (accepts NULL). */
    quire_tsa_store *(*store_new)(void);
    /* Adds every certificate of the PEM file at path to the store as trusted. Returns how many
     * were added (at least 1), or -1 with why (why_cap bytes) when the file cannot be read or
     * holds no certificate. */
    int (*store_add_file)(quire_tsa_store *st, const char *path, char *why, size_t why_cap);
    void (*store_free)(quire_tsa_store *st);

    /* Checks one token body (SPEC 7.1: "valid", then "trusted" against st, which may be NULL
     * or empty: then a valid token is UNTRUSTED) for the 32-byte fingerprint. Fills out. */
    void (*verify)(const quire_tsa_store *st, const uint8_t *token, size_t len,
                   const uint8_t fingerprint[QUIRE_TSA_FINGERPRINT_BYTES], quire_tsa_result *out);

    /* A DER TimeStampReq for the fingerprint: version 1, SHA-256 messageImprint, a random
     * 64-bit nonce, certReq true. Returns 0 with *der malloc'd (free with free_buf), or -1
     * with why. */
    int (*request)(const uint8_t fingerprint[QUIRE_TSA_FINGERPRINT_BYTES], uint8_t **der,
                   size_t *len, char *why, size_t why_cap);

    /* Checks that the DER TimeStampResp reply answers a request for the fingerprint: status
     * granted, the token's imprint is the fingerprint, and when req (DER TimeStampReq, may be
     * NULL) is given, the request is for the fingerprint and the token carries its nonce (and
     * policy, if it asked for one); then that the token is valid (verify without a store).
     * Returns 0 with *token the token's DER bytes (malloc'd, free_buf), or -1 with why. */
    int (*reply_token)(const uint8_t *reply, size_t reply_len, const uint8_t *req, size_t req_len,
                       const uint8_t fingerprint[QUIRE_TSA_FINGERPRINT_BYTES], uint8_t **token,
                       size_t *token_len, char *why, size_t why_cap);

    void (*free_buf)(void *p);
} quire_tsa_api_v1;

/* The module's one exported function: the table for version, or NULL. */
typedef const void *(*quire_tsa_api_fn)(unsigned version);

/* The same table, for programs that link the module's code (quire-pack). */
const quire_tsa_api_v1 *quire_tsa_table(void);

#endif
