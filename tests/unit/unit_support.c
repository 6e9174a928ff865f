/* SPDX-License-Identifier: ISC */
/* unit_support.c: helpers shared by the unit test programs. */
#include "unit_support.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int mem_source(void *ctx, uint8_t *buf, size_t cap, size_t *got, quire_error *err)
{
    mem_src *s = ctx;
    size_t total = s->len + s->extra, n = total - s->pos;
    (void)err;
    if (n > cap)
        n = cap;
    if (s->chunk != 0 && n > s->chunk)
        n = s->chunk;
    for (size_t i = 0; i < n; i++) {
        size_t at = s->pos + i;
        buf[i] = at < s->len ? s->p[at] : (uint8_t)'x';
    }
    s->pos += n;
    *got = n;
    return QUIRE_OK;
}

tfile tfile_make(const char *path, const uint8_t *data, size_t len)
{
    tfile f = {path, data, len, QUIRE_ROLE_DOCUMENT, QUIRE_LINK_NONE, NULL, 0};
    return f;
}

int write_bundle(int fd, const tfile *files, size_t n, const char *bundle_meta,
                 const quire_seckey *sk, int level, uint8_t *fp, quire_error *err)
{
    return write_bundle_threads(fd, files, n, bundle_meta, sk, level, 0, fp, err);
}

int write_bundle_threads(int fd, const tfile *files, size_t n, const char *bundle_meta,
                         const quire_seckey *sk, int level, unsigned threads, uint8_t *fp,
                         quire_error *err)
{
    quire_writer *w = NULL;
    size_t mlen = bundle_meta != NULL ? strlen(bundle_meta) : 0;
    int rc = quire_writer_open(fd, (const uint8_t *)bundle_meta, mlen, &w, err);
    if (rc != QUIRE_OK)
        return rc;
    if (level >= 0)
        quire_writer_set_level(w, level);
    quire_writer_set_threads(w, threads);
    for (size_t i = 0; rc == QUIRE_OK && i < n; i++) {
        const tfile *f = &files[i];
        quire_entry_desc d = {f->path,
                              f->role ? f->role : QUIRE_ROLE_DOCUMENT,
                              f->flags,
                              f->link,
                              (const uint8_t *)f->meta,
                              f->meta ? strlen(f->meta) : 0,
                              f->len};
        mem_src src = {f->data, f->len, 0, 0, 0};
        rc = quire_writer_add(w, &d, mem_source, &src, err);
    }
    if (rc == QUIRE_OK)
        rc = quire_writer_finish(w, sk, "unit test bundle", err);
    if (rc == QUIRE_OK && fp != NULL)
        memcpy(fp, quire_writer_fingerprint(w), QUIRE_FINGERPRINT_BYTES);
    quire_writer_free(w);
    return rc;
}

uint8_t *slurp_fd(int fd, size_t *len)
{
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
    *len = (size_t)st.st_size;
    return buf;
}

uint8_t *slurp_path(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(fd >= 0, "cannot open %s", path);
    uint8_t *buf = slurp_fd(fd, len);
    close(fd);
    return buf;
}

void spit_path(const char *path, const uint8_t *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_msg(fd >= 0, "cannot create %s", path);
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

uint8_t *bundle_bytes(const tfile *files, size_t n, const char *bundle_meta, const quire_seckey *sk,
                      size_t *len)
{
    quire_error err = {0};
    int fd = memfd_create("quire-unit", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ASSERT_OK(write_bundle(fd, files, n, bundle_meta, sk, -1, NULL, &err), err);
    uint8_t *buf = slurp_fd(fd, len);
    close(fd);
    return buf;
}

void bundle_locate(const uint8_t *file, size_t len, bundle_view *out)
{
    quire_trailer t;
    quire_error err = {0};
    ck_assert_uint_ge(len, QUIRE_HEADER_BYTES + QUIRE_TRAILER_BYTES);
    ASSERT_OK(
        quire_trailer_parse(file + len - QUIRE_TRAILER_BYTES, QUIRE_TRAILER_BYTES, len, &t, &err),
        err);
    ck_assert_uint_ge(t.index_size, QUIRE_STATEMENT_BYTES);
    out->header = file;
    out->index = file + t.index_offset;
    out->index_len = (size_t)t.index_size;
    out->index_offset = t.index_offset;
    out->statement = out->index + out->index_len - QUIRE_STATEMENT_BYTES;
    out->sigblock = file + t.index_offset + t.index_size;
    out->sigblock_len = (size_t)t.sigblock_size;
    ck_assert_mem_eq(out->statement, QUIRE_STATEMENT_DOMAIN, QUIRE_STATEMENT_DOMAIN_BYTES);
    ck_assert(quire_load64(out->statement + 48) == t.index_offset);
    ck_assert(quire_load64(out->statement + 56) == t.index_size);
}

void trailer_store(uint8_t t[QUIRE_TRAILER_BYTES], uint64_t index_offset, uint64_t index_size,
                   uint64_t sigblock_size)
{
    quire_store64(t, index_offset);
    quire_store64(t + 8, index_size);
    quire_store64(t + 16, sigblock_size);
    quire_store64(t + 24, 0);
    memcpy(t + 32, QUIRE_TRAILER_MAGIC, 8);
}

void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
}

char *make_temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = NULL;
    ck_assert_int_gt(asprintf(&dir, "%s/quire-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp"), 0);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void rm_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
