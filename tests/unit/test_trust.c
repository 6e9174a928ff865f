/* SPDX-License-Identifier: ISC */
/* test_trust.c: key statements and the keys trusted through them (SPEC 14;
 * lib/common/quire_keystmt.c, lib/common/quire_trust.c): rotation chains, forks, cycles,
 * revocations, and statements mixed with each other or with bundles. */
#include <stdlib.h>

#include <sodium.h>

#include "quire_trust.h"
#include "unit_support.h"

#define NK 5
static quire_seckey *sk[NK];
static quire_pubkey pk[NK];

/* A statement file in buf (len), signed by the keys whose numbers are in signers (-1 ends). */
typedef struct stmt_buf {
    uint8_t buf[QUIRE_KEYSTMT_MAX_BYTES];
    size_t len;
    quire_keystmt st;
} stmt_buf;

static void keys_make(void)
{
    quire_error err = {0};
    for (int i = 0; i < NK; i++)
        ASSERT_OK(quire_keypair_generate(&sk[i], &pk[i], &err), err);
}

static void keys_free(void)
{
    for (int i = 0; i < NK; i++)
        quire_seckey_free(sk[i]);
}

static void make_stmt(stmt_buf *b, int kind, uint64_t date, int subject, int next,
                      const int *signers)
{
    quire_error err = {0};
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    quire_sig sigs[4];
    uint32_t n = 0;
    size_t body = quire_keystmt_body(kind, date, &pk[subject], next >= 0 ? &pk[next] : NULL, b->buf);
    quire_prehash(b->buf, body, prehash);
    for (; signers[n] >= 0; n++)
        ASSERT_OK(quire_sign(sk[signers[n]], prehash, "stmt", &sigs[n], &err), err);
    int len = quire_sigblock_encode(sigs, n, b->buf + body, sizeof b->buf - body);
    ck_assert_int_gt(len, 0);
    b->len = body + (size_t)len;
    ASSERT_OK(quire_keystmt_parse(b->buf, b->len, &b->st, &err), err);
}

static void rotation(stmt_buf *b, int from, int to)
{
    make_stmt(b, QUIRE_KEYSTMT_ROTATION, 1000, from, to, (int[]){from, to, -1});
}

static int warnings;
static void count_warn(void *ctx, size_t i, const char *why)
{
    (void)ctx, (void)i, (void)why;
    warnings++;
}

/* Resolves with roots (numbers, -1 ends) and the statements; returns the set's size. */
static size_t resolve(const int *roots, stmt_buf *const *b, size_t nb, quire_trust_key **out)
{
    quire_error err = {0};
    quire_pubkey r[NK];
    quire_keystmt st[16];
    size_t nr = 0, n = 0;
    for (; roots[nr] >= 0; nr++)
        r[nr] = pk[roots[nr]];
    for (size_t i = 0; i < nb; i++)
        st[i] = b[i]->st;
    warnings = 0;
    ASSERT_OK(quire_trust_resolve(r, nr, st, nb, count_warn, NULL, out, &n, &err), err);
    return n;
}

/* The set's index of key number k, or -1. */
static ptrdiff_t find(const quire_trust_key *t, size_t n, int k)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(t[i].key.pk, pk[k].pk, QUIRE_PUBKEY_BYTES) == 0)
            return (ptrdiff_t)i;
    return -1;
}

START_TEST(trust_chain)
{
    stmt_buf ab, bc;
    quire_trust_key *t;
    keys_make();
    rotation(&ab, 0, 1);
    rotation(&bc, 1, 2);
    /* given in the other order: the result does not depend on it */
    size_t n = resolve((int[]){0, -1}, (stmt_buf *[]){&bc, &ab}, 2, &t);
    ck_assert_uint_eq(n, 3);
    ptrdiff_t c = find(t, n, 2);
    ck_assert_int_ge(c, 0);
    ck_assert_uint_eq(t[c].root, 0);
    ck_assert_uint_eq(t[c].depth, 2);
    ck_assert_int_eq(t[c].via, 0);
    ck_assert_int_eq(warnings, 0);
    free(t);
    /* a reader who trusts B follows B -> C only */
    n = resolve((int[]){1, -1}, (stmt_buf *[]){&ab, &bc}, 2, &t);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_lt(find(t, n, 0), 0);
    free(t);
    keys_free();
}
END_TEST

START_TEST(trust_rotation_needs_both_keys)
{
    stmt_buf only_old, only_new;
    quire_trust_key *t;
    keys_make();
    make_stmt(&only_old, QUIRE_KEYSTMT_ROTATION, 1, 0, 1, (int[]){0, -1});
    make_stmt(&only_new, QUIRE_KEYSTMT_ROTATION, 1, 0, 2, (int[]){2, -1});
    size_t n = resolve((int[]){0, -1}, (stmt_buf *[]){&only_old, &only_new}, 2, &t);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(warnings, 2);
    free(t);
    keys_free();
}
END_TEST

/* A thief of the old key makes a second rotation to their own key: both are refused. */
START_TEST(trust_fork_refused)
{
    stmt_buf ab, ax, same;
    quire_trust_key *t;
    keys_make();
    rotation(&ab, 0, 1);
    rotation(&ax, 0, 4);
    rotation(&same, 0, 1); /* the same rotation twice is no fork */
    size_t n = resolve((int[]){0, -1}, (stmt_buf *[]){&ab, &same}, 2, &t);
    ck_assert_uint_eq(n, 2);
    free(t);
    n = resolve((int[]){0, -1}, (stmt_buf *[]){&ab, &ax, &same}, 3, &t);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_ge(warnings, 2);
    free(t);
    keys_free();
}
END_TEST

/* Rollback: a chain that leads back to a key it left (A -> B -> A) is refused, so a reader
 * that trusts B is not made to trust the retired A again. */
START_TEST(trust_cycle_refused)
{
    stmt_buf ab, ba, bc, ca;
    quire_trust_key *t;
    keys_make();
    rotation(&ab, 0, 1);
    rotation(&ba, 1, 0);
    size_t n = resolve((int[]){1, -1}, (stmt_buf *[]){&ab, &ba}, 2, &t);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_lt(find(t, n, 0), 0);
    ck_assert_int_eq(warnings, 2);
    free(t);
    rotation(&bc, 1, 2);
    rotation(&ca, 2, 0);
    n = resolve((int[]){2, -1}, (stmt_buf *[]){&ab, &bc, &ca}, 3, &t);
    ck_assert_uint_eq(n, 1);
    free(t);
    keys_free();
}
END_TEST

START_TEST(trust_revocation)
{
    stmt_buf ab, bc, rev_b, rev_b_early, rev_by_other, rev_by_chain;
    quire_trust_key *t;
    keys_make();
    rotation(&ab, 0, 1);
    rotation(&bc, 1, 2);
    make_stmt(&rev_b, QUIRE_KEYSTMT_REVOCATION, 5000, 1, -1, (int[]){1, -1});
    make_stmt(&rev_b_early, QUIRE_KEYSTMT_REVOCATION, 3000, 1, -1, (int[]){1, -1});
    make_stmt(&rev_by_other, QUIRE_KEYSTMT_REVOCATION, 10, 0, -1, (int[]){3, -1});
    make_stmt(&rev_by_chain, QUIRE_KEYSTMT_REVOCATION, 20, 0, -1, (int[]){1, -1});
    /* B revoked: B stays in the set, marked; C, reached out of B, is not trusted */
    size_t n = resolve((int[]){0, -1}, (stmt_buf *[]){&ab, &bc, &rev_b}, 3, &t);
    ck_assert_uint_eq(n, 2);
    ptrdiff_t b = find(t, n, 1);
    ck_assert_int_ge(b, 0);
    ck_assert_int_eq(t[b].revoked_by, 2);
    ck_assert_uint_eq(t[b].revoked_from, 5000);
    ck_assert_int_lt(find(t, n, 2), 0);
    ck_assert_int_eq(t[0].revoked_by, -1);
    free(t);
    /* no statement un-revokes: the earliest date of all counts */
    n = resolve((int[]){0, -1}, (stmt_buf *[]){&ab, &rev_b, &rev_b_early}, 3, &t);
    ck_assert_uint_eq(t[find(t, n, 1)].revoked_from, 3000);
    free(t);
    /* a directly trusted key is revoked too */
    n = resolve((int[]){1, -1}, (stmt_buf *[]){&rev_b}, 1, &t);
    ck_assert_int_eq(t[0].revoked_by, 0);
    free(t);
    /* mix-and-match: another publisher's key cannot revoke A; a key of A's chain can */
    n = resolve((int[]){0, 3, -1}, (stmt_buf *[]){&rev_by_other}, 1, &t);
    ck_assert_int_eq(t[0].revoked_by, -1);
    ck_assert_int_eq(warnings, 1);
    free(t);
    n = resolve((int[]){0, -1}, (stmt_buf *[]){&ab, &rev_by_chain}, 2, &t);
    ck_assert_int_eq(t[0].revoked_by, 1);
    free(t);
    keys_free();
}
END_TEST

/* Mix-and-match: a signature copied from one statement onto another's body, or a signature
 * over a bundle statement presented as a key statement, does not verify. */
START_TEST(trust_mix_and_match)
{
    stmt_buf ab, ac;
    quire_error err = {0};
    quire_trust_key *t;
    keys_make();
    rotation(&ab, 0, 1);
    rotation(&ac, 0, 2);
    /* ab's body with ac's signatures */
    memcpy(ab.buf + QUIRE_ROTATION_BYTES, ac.buf + QUIRE_ROTATION_BYTES,
           ac.len - QUIRE_ROTATION_BYTES);
    ASSERT_OK(quire_keystmt_parse(ab.buf, ac.len, &ab.st, &err), err);
    ck_assert(!quire_keystmt_signed_by(&ab.st, &pk[0]));
    size_t n = resolve((int[]){0, -1}, (stmt_buf *[]){&ab}, 1, &t);
    ck_assert_uint_eq(n, 1);
    free(t);
    /* a rotation's record does not verify over another message (a bundle statement) */
    uint8_t st[QUIRE_STATEMENT_BYTES] = "quire statement", prehash[QUIRE_PREHASH_BYTES];
    memcpy(st + 16, ac.buf + 16, QUIRE_ROTATION_BYTES - 16);
    quire_prehash(st, sizeof st, prehash);
    ck_assert(!quire_sig_verify(&ac.st.sigs.sigs[0], &pk[0], prehash));
    /* and the statement kinds are told apart by their domain */
    ac.buf[6] ^= 1;
    ASSERT_FAILS(quire_keystmt_parse(ac.buf, ac.len, &ac.st, &err), err, QUIRE_E_FORMAT,
                 "SPEC 14.1");
    keys_free();
}
END_TEST

START_TEST(trust_parse_limits)
{
    stmt_buf ab;
    quire_error err = {0};
    quire_keystmt st;
    keys_make();
    rotation(&ab, 0, 1);
    ASSERT_FAILS(quire_keystmt_parse(ab.buf, QUIRE_ROTATION_BYTES - 1, &st, &err), err,
                 QUIRE_E_FORMAT, "truncated");
    ck_assert_int_ne(quire_keystmt_parse(ab.buf, ab.len - 1, &st, &err), QUIRE_OK);
    ck_assert_int_ne(quire_keystmt_parse(ab.buf, QUIRE_ROTATION_BYTES, &st, &err), QUIRE_OK);
    ASSERT_FAILS(quire_keystmt_parse(ab.buf, QUIRE_KEYSTMT_MAX_BYTES + 1, &st, &err), err,
                 QUIRE_E_LIMIT, "SPEC 14.1");
    keys_free();
}
END_TEST

static Suite *trust_suite(void)
{
    Suite *s = suite_create("trust");
    TCase *tc = tcase_create("statements");
    tcase_add_test(tc, trust_chain);
    tcase_add_test(tc, trust_rotation_needs_both_keys);
    tcase_add_test(tc, trust_fork_refused);
    tcase_add_test(tc, trust_cycle_refused);
    tcase_add_test(tc, trust_revocation);
    tcase_add_test(tc, trust_mix_and_match);
    tcase_add_test(tc, trust_parse_limits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(trust_suite());
}
