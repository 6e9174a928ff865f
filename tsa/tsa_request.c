/* SPDX-License-Identifier: ISC */
/* tsa_request.c: the RFC 3161 request quire-pack timestamp request writes, and the check that a
 * reply answers it before quire-pack timestamp attach adds its token (SPEC 7.1). */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "tsa_internal.h"

#define FP_BYTES QUIRE_TSA_FINGERPRINT_BYTES

void tsa_subject(const X509_NAME *name, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n = 0;
    out[0] = '\0';
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
        n = BIO_get_mem_data(b, &p);
    if (n > 0 && p != NULL)
        snprintf(out, cap, "%.*s", (int)(n < (long)cap ? n : (long)cap - 1), p);
    BIO_free(b);
}

/* A SHA-256 messageImprint of the fingerprint. */
static TS_MSG_IMPRINT *imprint_new(const uint8_t fp[FP_BYTES])
{
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    bool ok = mi != NULL && alg != NULL &&
              X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
              TS_MSG_IMPRINT_set_algo(mi, alg) &&
              TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)fp, FP_BYTES);
    X509_ALGOR_free(alg); /* set_algo copied it */
    if (!ok) {
        TS_MSG_IMPRINT_free(mi);
        return NULL;
    }
    return mi;
}

/* A random positive 64-bit nonce (RFC 3161 section 2.4.1: a large random number). */
static ASN1_INTEGER *nonce_new(void)
{
    unsigned char r[8];
    if (RAND_bytes(r, sizeof r) != 1)
        return NULL;
    r[0] &= 0x7f;
    r[0] |= 0x40; /* 63 significant bits, so that it is not short */
    BIGNUM *bn = BN_bin2bn(r, sizeof r, NULL);
    ASN1_INTEGER *n = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    return n;
}

int tsa_request(const uint8_t fp[FP_BYTES], uint8_t **der, size_t *len, char *why, size_t cap)
{
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = imprint_new(fp);
    ASN1_INTEGER *nonce = nonce_new();
    unsigned char *out = NULL;
    int n = -1;
    ERR_clear_error();
    if (req != NULL && mi != NULL && nonce != NULL && TS_REQ_set_version(req, 1) &&
        TS_REQ_set_msg_imprint(req, mi) && TS_REQ_set_nonce(req, nonce) &&
        TS_REQ_set_cert_req(req, 1))
        n = i2d_TS_REQ(req, &out);
    TS_MSG_IMPRINT_free(mi);
    ASN1_INTEGER_free(nonce);
    TS_REQ_free(req);
    if (n <= 0) {
        tsa_why(why, cap, "cannot make the time-stamp request");
        return -1;
    }
    *der = out;
    *len = (size_t)n;
    return 0;
}

/* The request's own imprint must be the fingerprint: a request made for another bundle does
 * not make its reply answer this one. */
static TS_VERIFY_CTX *ctx_from_request(const uint8_t *req, size_t req_len,
                                       const uint8_t fp[FP_BYTES], char *why, size_t cap)
{
    const unsigned char *p = req;
    TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)req_len);
    TS_VERIFY_CTX *ctx = NULL;
    if (r == NULL || p != req + req_len) {
        tsa_why(why, cap, "the request is not one DER TimeStampReq");
    } else {
        TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(r);
        ASN1_OCTET_STRING *d = TS_MSG_IMPRINT_get_msg(mi);
        const ASN1_OBJECT *oid = NULL;
        X509_ALGOR_get0(&oid, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
        if (OBJ_obj2nid(oid) != NID_sha256 || ASN1_STRING_length(d) != FP_BYTES ||
            memcmp(ASN1_STRING_get0_data(d), fp, FP_BYTES) != 0)
            snprintf(why, cap,
                     "the request is not for this bundle (its imprint is not the "
                     "bundle's fingerprint)");
        else if ((ctx = TS_REQ_to_TS_VERIFY_CTX(r, NULL)) == NULL)
            tsa_why(why, cap, "cannot use the request");
        else /* what the request asked for; the signature is checked by verify, without trust */
            TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_IMPRINT |
                                             (TS_REQ_get_nonce(r) != NULL ? TS_VFY_NONCE : 0) |
                                             (TS_REQ_get_policy_id(r) != NULL ? TS_VFY_POLICY : 0));
    }
    TS_REQ_free(r);
    return ctx;
}

static TS_VERIFY_CTX *ctx_from_fingerprint(const uint8_t fp[FP_BYTES], char *why, size_t cap)
{
    TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
    unsigned char *imprint = OPENSSL_memdup(fp, FP_BYTES);
    if (ctx == NULL || imprint == NULL) {
        TS_VERIFY_CTX_free(ctx);
        OPENSSL_free(imprint);
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_IMPRINT);
    TS_VERIFY_CTX_set_imprint(ctx, imprint, FP_BYTES);
    return ctx;
}

/* The token of a checked reply as DER, then checked as the reader will (valid, SPEC 7.1). */
static int token_der(TS_RESP *resp, const uint8_t fp[FP_BYTES], uint8_t **token, size_t *len,
                     char *why, size_t cap)
{
    unsigned char *der = NULL;
    int n = i2d_PKCS7(TS_RESP_get_token(resp), &der);
    if (n <= 0) {
        tsa_why(why, cap, "cannot encode the token");
        return -1;
    }
    quire_tsa_result res;
    quire_tsa_table()->verify(NULL, der, (size_t)n, fp, &res);
    if (res.status == QUIRE_TSA_INVALID) {
        snprintf(why, cap, "the token is invalid: %s", res.why);
        OPENSSL_free(der);
        return -1;
    }
    *token = der;
    *len = (size_t)n;
    return 0;
}

int tsa_reply_token(const uint8_t *reply, size_t reply_len, const uint8_t *req, size_t req_len,
                    const uint8_t fp[FP_BYTES], uint8_t **token, size_t *token_len, char *why,
                    size_t cap)
{
    const unsigned char *p = reply;
    int rc = -1;
    ERR_clear_error();
    TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)reply_len);
    if (resp == NULL || p != reply + reply_len) {
        tsa_why(why, cap, "not one DER TimeStampResp");
        TS_RESP_free(resp);
        return -1;
    }
    TS_VERIFY_CTX *ctx = req != NULL ? ctx_from_request(req, req_len, fp, why, cap)
                                     : ctx_from_fingerprint(fp, why, cap);
    if (ctx != NULL && TS_RESP_verify_response(ctx, resp) != 1)
        tsa_why(why, cap, "the reply does not answer the request");
    else if (ctx != NULL)
        rc = token_der(resp, fp, token, token_len, why, cap);
    TS_VERIFY_CTX_free(ctx);
    TS_RESP_free(resp);
    ERR_clear_error();
    return rc;
}
