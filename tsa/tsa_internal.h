/* SPDX-License-Identifier: ISC */
/* tsa_internal.h: what the time-stamp module's files share. */
#ifndef TSA_INTERNAL_H
#define TSA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "quire_tsa_api.h"

/* OpenSSL's last error (with its detail) after prefix, into why; clears the error queue. */
void tsa_why(char *why, size_t cap, const char *prefix);

/* An X.509 name as one RFC 2253 line (UTF-8 kept), into out. */
void tsa_subject(const X509_NAME *name, char *out, size_t cap);

const char *tsa_library_version(void);
void tsa_free_buf(void *p);
int tsa_request(const uint8_t fp[QUIRE_TSA_FINGERPRINT_BYTES], uint8_t **der, size_t *len,
                char *why, size_t cap);
int tsa_reply_token(const uint8_t *reply, size_t reply_len, const uint8_t *req, size_t req_len,
                    const uint8_t fp[QUIRE_TSA_FINGERPRINT_BYTES], uint8_t **token,
                    size_t *token_len, char *why, size_t cap);

#endif
