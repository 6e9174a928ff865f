/* SPDX-License-Identifier: ISC */
/* test_tail.c: rewriting a bundle's tail (lib/write/quire_tail.c): a second signature record
 * appended, attachments passed through, and every failure leaving the bundle as it was. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <sodium.h>

#include "unit_support.h"

typedef struct tail_fixture {
    char *dir;
    char path[512];
    quire_seckey *sk1, *sk2;
    quire_pubkey pk1, pk2;
    uint8_t *orig;
    size_t orig_len;
    bundle_view v;
} tail_fixture;

static void fixture_make(tail_fixture *f)
{
    quire_error err = {0};
    static const uint8_t text[] = "hello, tail";
    tfile files[] = {tfile_make("a.txt", text, sizeof text - 1)};
    ASSERT_OK(quire_keypair_generate(&f->sk1, &f->pk1, &err), err);
    ASSERT_OK(quire_keypair_generate(&f->sk2, &f->pk2, &err), err);
    f->dir = make_temp_dir();
    snprintf(f->path, sizeof f->path, "%s/b.quire", f->dir);
    f->orig = bundle_bytes(files, 1, "{}", f->sk1, &f->orig_len);
    spit_path(f->path, f->orig, f->orig_len);
    chmod(f->path, 0640);
    bundle_locate(f->orig, f->orig_len, &f->v);
}

static void fixture_free(tail_fixture *f)
{
    rm_tree(f->dir);
    free(f->dir);
    free(f->orig);
    quire_seckey_free(f->sk1);
    quire_seckey_free(f->sk2);
}

/* The existing record plus one by sk2, as a new block in buf; returns its length. */
static size_t cosigned_block(tail_fixture *f, uint8_t *buf, size_t cap)
{
    quire_error err = {0};
    quire_sigblock sb;
    quire_sig both[2];
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    ASSERT_OK(quire_sigblock_parse(f->v.sigblock, f->v.sigblock_len, &sb, &err), err);
    both[0] = sb.sigs[0];
    quire_prehash(f->v.statement, QUIRE_STATEMENT_BYTES, prehash);
    ASSERT_OK(quire_sign(f->sk2, prehash, "co-signer", &both[1], &err), err);
    int len = quire_sigblock_encode(both, 2, buf, cap);
    ck_assert_int_gt(len, 0);
    return (size_t)len;
}

static size_t count_files(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."));
    closedir(d);
    return n;
}

static void assert_unchanged(const tail_fixture *f)
{
    size_t len;
    uint8_t *now = slurp_path(f->path, &len);
    ck_assert_uint_eq(len, f->orig_len);
    ck_assert(memcmp(now, f->orig, len) == 0);
    free(now);
    ck_assert_uint_eq(count_files(f->dir), 1); /* no temporary file left */
}

START_TEST(tail_cosign_keeps_signed_bytes)
{
    tail_fixture f;
    quire_error err = {0};
    uint8_t block[1024];
    quire_reader *r;
    struct stat st;
    fixture_make(&f);
    size_t blen = cosigned_block(&f, block, sizeof block);
    ASSERT_OK(quire_tail_rewrite(f.path, f.path, f.v.statement, block, blen, NULL, 0, NULL, &err),
              err);
    size_t len;
    uint8_t *now = slurp_path(f.path, &len);
    uint64_t keep = f.v.index_offset + f.v.index_len;
    ck_assert_uint_eq(len, keep + blen + QUIRE_TRAILER_BYTES);
    ck_assert(memcmp(now, f.orig, keep) == 0);
    ck_assert(memcmp(now + keep, block, blen) == 0);
    ck_assert_uint_eq(quire_load64(now + len - 24), blen);
    ck_assert_uint_eq(quire_load64(now + len - 16), 0);
    ck_assert_uint_eq(count_files(f.dir), 1);
    ck_assert_int_eq(stat(f.path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    /* A reader trusting only the co-signer accepts it on record 1. */
    ASSERT_OK(quire_reader_open(f.path, &r, &err), err);
    ASSERT_OK(quire_reader_authenticate(r, &f.pk2, 1, 0, &err), err);
    ck_assert_ptr_eq(quire_reader_signer(r), &quire_reader_sigblock(r)->sigs[1]);
    ck_assert_uint_eq(quire_reader_sigblock(r)->count, 2);
    quire_reader_close(r);
    free(now);
    fixture_free(&f);
}
END_TEST

START_TEST(tail_attachments_passed_through)
{
    tail_fixture f;
    quire_error err = {0};
    static const uint8_t att[] = "opaque attachment bytes";
    fixture_make(&f);
    char out[600];
    snprintf(out, sizeof out, "%s/other.quire", f.dir);
    ASSERT_OK(quire_tail_rewrite(f.path, out, NULL, f.v.sigblock, f.v.sigblock_len, att, sizeof att,
                                 NULL, &err),
              err);
    size_t len;
    uint8_t *now = slurp_path(out, &len);
    ck_assert_uint_eq(len, f.orig_len + sizeof att);
    size_t at = f.orig_len - QUIRE_TRAILER_BYTES;
    ck_assert(memcmp(now, f.orig, at) == 0);
    ck_assert(memcmp(now + at, att, sizeof att) == 0);
    ck_assert_uint_eq(quire_load64(now + len - 16), sizeof att);
    ck_assert(memcmp(now + len - 8, QUIRE_TRAILER_MAGIC, 8) == 0);
    free(now);
    fixture_free(&f);
}
END_TEST

static int refuse(void *ctx, const char *tmp, quire_error *err)
{
    struct stat st;
    *(int *)ctx += stat(tmp, &st) == 0 && S_ISREG(st.st_mode);
    return quire_error_set(err, QUIRE_E_HASH, "refused by the check");
}

START_TEST(tail_failed_check_leaves_bundle)
{
    tail_fixture f;
    quire_error err = {0};
    uint8_t block[1024];
    int seen = 0;
    quire_tail_ops ops = {.check = refuse, .ctx = &seen};
    fixture_make(&f);
    size_t blen = cosigned_block(&f, block, sizeof block);
    ASSERT_FAILS(quire_tail_rewrite(f.path, f.path, NULL, block, blen, NULL, 0, &ops, &err), err,
                 QUIRE_E_HASH, "refused");
    ck_assert_int_eq(seen, 1);
    assert_unchanged(&f);
    fixture_free(&f);
}
END_TEST

START_TEST(tail_refuses_other_statement_and_bad_block)
{
    tail_fixture f;
    quire_error err = {0};
    uint8_t block[1024], other[QUIRE_STATEMENT_BYTES];
    fixture_make(&f);
    size_t blen = cosigned_block(&f, block, sizeof block);
    memcpy(other, f.v.statement, sizeof other);
    other[100] ^= 1;
    ASSERT_FAILS(quire_tail_rewrite(f.path, f.path, other, block, blen, NULL, 0, NULL, &err), err,
                 QUIRE_E_USAGE, "changed since it was verified");
    assert_unchanged(&f);
    block[9] = 0; /* count 0 + 2^8 * ...: not 2 any more */
    block[8] = 0;
    ck_assert_int_lt(quire_tail_rewrite(f.path, f.path, NULL, block, blen, NULL, 0, NULL, &err), 0);
    ck_assert_int_eq(err.code, QUIRE_E_FORMAT);
    assert_unchanged(&f);
    ASSERT_FAILS(quire_tail_rewrite(f.path, f.path, NULL, block, 20, NULL, 0, NULL, &err), err,
                 QUIRE_E_USAGE, "SPEC 7");
    assert_unchanged(&f);
    fixture_free(&f);
}
END_TEST

START_TEST(tail_sigblock_encode_limits)
{
    quire_sig s = {0};
    uint8_t buf[QUIRE_SIGBLOCK_FIXED_BYTES + 17 * QUIRE_SIG_RECORD_MIN_BYTES];
    quire_sig many[17];
    for (int i = 0; i < 17; i++)
        many[i] = s;
    ck_assert_int_eq(quire_sigblock_encode(&s, 0, buf, sizeof buf), QUIRE_E_USAGE);
    ck_assert_int_eq(quire_sigblock_encode(many, 17, buf, sizeof buf), QUIRE_E_USAGE);
    ck_assert_int_eq(quire_sigblock_encode(many, 16, buf, sizeof buf),
                     QUIRE_SIGBLOCK_FIXED_BYTES + 16 * QUIRE_SIG_RECORD_MIN_BYTES);
    ck_assert_int_eq(quire_sigblock_encode(many, 2, buf, 100), QUIRE_E_USAGE);
}
END_TEST

static Suite *tail_suite(void)
{
    Suite *s = suite_create("tail");
    TCase *tc = tcase_create("rewrite");
    tcase_add_test(tc, tail_cosign_keeps_signed_bytes);
    tcase_add_test(tc, tail_attachments_passed_through);
    tcase_add_test(tc, tail_failed_check_leaves_bundle);
    tcase_add_test(tc, tail_refuses_other_statement_and_bad_block);
    tcase_add_test(tc, tail_sigblock_encode_limits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(tail_suite());
}
