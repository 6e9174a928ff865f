/* SPDX-License-Identifier: ISC */
/* tsa_token.c: RFC 3161 time-stamp tokens over a bundle's fingerprint (SPEC 7.1), with
 * OpenSSL's TS and CMS API: the request quire-pack writes, the check of a reply before it is
 * attached, and the two-stage check of a token (valid: its own signature and imprint; trusted:
 * its authority's chain to a certificate the user trusts, with the critical timeStamping key
 * usage). Every buffer from a bundle is parsed by OpenSSL's DER decoders only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "quire_tsa_api.h"
#include "tsa_internal.h"

#define FP_BYTES QUIRE_TSA_FINGERPRINT_BYTES

struct quire_tsa_store {
    X509_STORE *store;
    int count;
};

/* Copies OpenSSL's last queued error (with its data, e.g. "Verify error:certificate has
 * expired") after prefix into why, and clears the queue. */
void tsa_why(char *why, size_t cap, const char *prefix)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long e, last = 0;
    char detail[200] = "";
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        last = e;
        if ((flags & ERR_TXT_STRING) && data != NULL && data[0] != '\0') {
            /* the detail (a verify error) is what a user needs; copied before the queue,
             * which owns it, is cleared */
            snprintf(detail, sizeof detail, "%s", data);
            break;
        }
    }
    ERR_clear_error();
    const char *reason = last != 0 ? ERR_reason_error_string(last) : NULL;
    if (detail[0] != '\0')
        snprintf(why, cap, "%s: %s", prefix, detail);
    else if (reason != NULL)
        snprintf(why, cap, "%s: %s", prefix, reason);
    else
        snprintf(why, cap, "%s", prefix);
}

static quire_tsa_store *store_new(void)
{
    quire_tsa_store *st = calloc(1, sizeof *st);
    if (st != NULL && (st->store = X509_STORE_new()) == NULL) {
        free(st);
        return NULL;
    }
    return st;
}

static void store_free(quire_tsa_store *st)
{
    if (st == NULL)
        return;
    X509_STORE_free(st->store);
    free(st);
}

static int store_add_file(quire_tsa_store *st, const char *path, char *why, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(why, cap, "cannot open: %s", strerror(errno));
        return -1;
    }
    int n = 0;
    X509 *x;
    ERR_clear_error();
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        int ok = X509_STORE_add_cert(st->store, x);
        X509_free(x);
        if (!ok) {
            fclose(f);
            tsa_why(why, cap, "cannot add a certificate");
            return -1;
        }
        n++;
    }
    fclose(f);
    ERR_clear_error(); /* the end of the file is reported as an error */
    if (n == 0) {
        snprintf(why, cap, "no PEM certificate in it");
        return -1;
    }
    st->count += n;
    return n;
}

/* genTime as seconds and text; false if it is not a valid time. */
static bool gen_time(const TS_TST_INFO *tst, quire_tsa_result *out)
{
    struct tm tm;
    const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time(tst);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return false;
    out->gen_time = (int64_t)timegm(&tm);
    strftime(out->gen_time_text, sizeof out->gen_time_text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return true;
}

static void describe(const TS_TST_INFO *tst, quire_tsa_result *out)
{
    const ASN1_INTEGER *serial = TS_TST_INFO_get_serial(tst);
    BIGNUM *bn = serial != NULL ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    snprintf(out->serial, sizeof out->serial, "%s", hex != NULL ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
    const ASN1_OBJECT *policy = TS_TST_INFO_get_policy_id((TS_TST_INFO *)tst);
    if (policy != NULL)
        OBJ_obj2txt(out->policy, sizeof out->policy, policy, 1);
    const TS_ACCURACY *acc = TS_TST_INFO_get_accuracy((TS_TST_INFO *)tst);
    if (acc != NULL) {
        const ASN1_INTEGER *s = TS_ACCURACY_get_seconds(acc);
        const ASN1_INTEGER *ms = TS_ACCURACY_get_millis(acc);
        const ASN1_INTEGER *us = TS_ACCURACY_get_micros(acc);
        snprintf(out->accuracy, sizeof out->accuracy, "%ld s %ld ms %ld us",
                 s != NULL ? ASN1_INTEGER_get(s) : 0L, ms != NULL ? ASN1_INTEGER_get(ms) : 0L,
                 us != NULL ? ASN1_INTEGER_get(us) : 0L);
    }
}

/* SPEC 7.1: the imprint is SHA-256 and equals the fingerprint. */
static bool imprint_is(const TS_TST_INFO *tst, const uint8_t fp[FP_BYTES])
{
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint((TS_TST_INFO *)tst);
    X509_ALGOR *alg = mi != NULL ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
    ASN1_OCTET_STRING *d = mi != NULL ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
    const ASN1_OBJECT *oid = NULL;
    if (alg == NULL || d == NULL)
        return false;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    return OBJ_obj2nid(oid) == NID_sha256 && ASN1_STRING_length(d) == FP_BYTES &&
           memcmp(ASN1_STRING_get0_data(d), fp, FP_BYTES) == 0;
}

/* The token's own signature: one SignerInfo whose certificate is in the token, verified with
 * that certificate's key, without a chain (SPEC 7.1 "valid"). Names the signer in out->tsa. */
static bool signature_valid(const uint8_t *tok, size_t len, quire_tsa_result *out)
{
    const unsigned char *p = tok;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    bool ok = false;
    if (cms == NULL) {
        tsa_why(out->why, sizeof out->why, "not a CMS signed-data structure");
        return false;
    }
    STACK_OF(CMS_SignerInfo) *si = CMS_get0_SignerInfos(cms);
    if (si == NULL || sk_CMS_SignerInfo_num(si) != 1) {
        snprintf(out->why, sizeof out->why, "the token does not have exactly one signer");
    } else if (CMS_verify(cms, NULL, NULL, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) !=
               1) {
        tsa_why(out->why, sizeof out->why, "its signature does not verify");
    } else {
        STACK_OF(X509) *signers = CMS_get0_signers(cms);
        if (signers != NULL && sk_X509_num(signers) == 1)
            tsa_subject(X509_get_subject_name(sk_X509_value(signers, 0)), out->tsa,
                        sizeof out->tsa);
        sk_X509_free(signers);
        ok = true;
    }
    CMS_ContentInfo_free(cms);
    return ok;
}

/* SPEC 7.1 "trusted": TS_RESP_verify_token with the user's certificates, which checks the
 * chain (at the present time), the critical timeStamping key usage, the ESS certificate
 * identifier, the signature and the imprint again. */
static bool chain_trusted(const quire_tsa_store *st, PKCS7 *p7, const uint8_t fp[FP_BYTES],
                          quire_tsa_result *out)
{
    if (st == NULL || st->count == 0) {
        snprintf(out->why, sizeof out->why, "no time-stamping authority is trusted");
        return false;
    }
    TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
    unsigned char *imprint = OPENSSL_memdup(fp, FP_BYTES);
    if (ctx == NULL || imprint == NULL || !X509_STORE_up_ref(st->store)) {
        TS_VERIFY_CTX_free(ctx);
        OPENSSL_free(imprint);
        snprintf(out->why, sizeof out->why, "out of memory");
        return false;
    }
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_IMPRINT);
    TS_VERIFY_CTX_set_imprint(ctx, imprint, FP_BYTES); /* the context owns both now */
    TS_VERIFY_CTX_set_store(ctx, st->store);
    bool ok = TS_RESP_verify_token(ctx, p7) == 1;
    if (!ok)
        tsa_why(out->why, sizeof out->why, "its authority is not trusted");
    TS_VERIFY_CTX_free(ctx);
    return ok;
}

static void verify(const quire_tsa_store *st, const uint8_t *tok, size_t len,
                   const uint8_t fp[FP_BYTES], quire_tsa_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = QUIRE_TSA_INVALID;
    ERR_clear_error();
    const unsigned char *p = tok;
    PKCS7 *p7 = len <= 65536 ? d2i_PKCS7(NULL, &p, (long)len) : NULL;
    TS_TST_INFO *tst = p7 != NULL ? PKCS7_to_TS_TST_INFO(p7) : NULL;
    if (p7 == NULL || tst == NULL)
        tsa_why(out->why, sizeof out->why, "not an RFC 3161 time-stamp token");
    else if (p != tok + len)
        snprintf(out->why, sizeof out->why, "%zu bytes after the token", len - (size_t)(p - tok));
    else if (TS_TST_INFO_get_version(tst) != 1)
        snprintf(out->why, sizeof out->why, "TSTInfo version is not 1");
    else if (!gen_time(tst, out))
        snprintf(out->why, sizeof out->why, "its time is not a valid GeneralizedTime");
    else if (!imprint_is(tst, fp))
        snprintf(out->why, sizeof out->why,
                 "it is over other data: its imprint is not SHA-256 of this bundle's statement");
    else if (signature_valid(tok, len, out)) {
        describe(tst, out);
        out->status = chain_trusted(st, p7, fp, out) ? QUIRE_TSA_TRUSTED : QUIRE_TSA_UNTRUSTED;
        if (out->status == QUIRE_TSA_TRUSTED)
            out->why[0] = '\0';
    }
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    ERR_clear_error();
}

const char *tsa_library_version(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}

void tsa_free_buf(void *p)
{
    OPENSSL_free(p);
}

static const quire_tsa_api_v1 table = {
    .version = QUIRE_TSA_API_VERSION,
    .size = sizeof(quire_tsa_api_v1),
    .library_version = tsa_library_version,
    .store_new = store_new,
    .store_add_file = store_add_file,
    .store_free = store_free,
    .verify = verify,
    .request = tsa_request,
    .reply_token = tsa_reply_token,
    .free_buf = tsa_free_buf,
};

const quire_tsa_api_v1 *quire_tsa_table(void)
{
    return &table;
}
