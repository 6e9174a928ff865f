/* SPDX-License-Identifier: ISC */
/* quire_tail.c: rewriting the unsigned tail of a bundle (SPEC 6, 7): the signature block and
 * the attachments after the index region change, every byte before them is copied as it is.
 * The new bundle is written to a temporary file beside the output, synced, checked by the
 * caller and renamed over the output, so that the output holds the old bundle or the new one,
 * never a mixture (SPEC 11.1 "Atomic output"). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "quire_private.h"
#include "quire_write.h"

/* The copy moves this much at a time. */
#define COPY_CHUNK (1u << 20)

/* The smallest and largest signature blocks (SPEC 7). */
#define SIGBLOCK_MIN (QUIRE_SIGBLOCK_FIXED_BYTES + QUIRE_SIG_RECORD_MIN_BYTES)
#define SIGBLOCK_MAX                                                                               \
    (QUIRE_SIGBLOCK_FIXED_BYTES +                                                                  \
     QUIRE_MAX_SIGNATURES * (QUIRE_SIG_RECORD_MIN_BYTES + QUIRE_MAX_TRUSTED_COMMENT_BYTES))

typedef struct tail_job {
    int src;
    int tmp;
    char *tmp_path;
    bool made;     /* the temporary file exists (and ops->created was told) */
    uint64_t keep; /* [0, keep): header, data region, index region */
    quire_trailer old;
    const quire_tail_ops *ops;
} tail_job;

static int pread_all(int fd, uint8_t *p, size_t len, uint64_t off, quire_error *err)
{
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return quire_error_set(err, QUIRE_E_IO, "read failed: %s", strerror(errno));
        if (n == 0)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "file ended early: it changed while being rewritten (SPEC 7)");
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return QUIRE_OK;
}

static int write_all(int fd, const uint8_t *p, size_t len, quire_error *err)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return quire_error_set(err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return QUIRE_OK;
}

/* SPEC 9 steps 1-3 on the source, and the statement compared with the one the caller
 * verified: a bundle replaced since then is not rewritten. */
static int read_frame(tail_job *j, const uint8_t *statement, quire_error *err)
{
    uint8_t header[QUIRE_HEADER_BYTES], trailer[QUIRE_TRAILER_BYTES], st[QUIRE_STATEMENT_BYTES];
    struct stat sb;

    if (fstat(j->src, &sb) != 0)
        return quire_error_set(err, QUIRE_E_IO, "stat failed: %s", strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return quire_error_set(err, QUIRE_E_USAGE, "not a regular file");
    uint64_t size = (uint64_t)sb.st_size;
    if (size < QUIRE_HEADER_BYTES + QUIRE_TRAILER_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT, "file too small to be a bundle (SPEC 7)");
    int rc = pread_all(j->src, header, sizeof header, 0, err);
    if (rc == QUIRE_OK)
        rc = quire_header_check(header, sizeof header, err);
    if (rc == QUIRE_OK)
        rc = pread_all(j->src, trailer, sizeof trailer, size - QUIRE_TRAILER_BYTES, err);
    if (rc == QUIRE_OK)
        rc = quire_trailer_parse(trailer, sizeof trailer, size, &j->old, err);
    if (rc != QUIRE_OK)
        return rc;
    j->keep = j->old.index_offset + j->old.index_size;
    if (statement == NULL)
        return QUIRE_OK;
    rc = pread_all(j->src, st, sizeof st, j->keep - QUIRE_STATEMENT_BYTES, err);
    if (rc == QUIRE_OK && sodium_memcmp(st, statement, sizeof st) != 0)
        rc = quire_error_set(err, QUIRE_E_USAGE,
                             "the bundle changed since it was verified: its statement differs");
    return rc;
}

/* The temporary file ".NAME.XXXXXX" beside out, with ops->creating and ops->created around
 * its creation (a program blocks its signals and registers the name there). */
static int make_temp(tail_job *j, const char *out, quire_error *err)
{
    char *c1 = strdup(out), *c2 = strdup(out);
    size_t cap = strlen(out) + 16;
    j->tmp_path = malloc(cap);
    if (c1 == NULL || c2 == NULL || j->tmp_path == NULL) {
        free(c1);
        free(c2);
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    snprintf(j->tmp_path, cap, "%s/.%s.XXXXXX", dirname(c1), basename(c2));
    free(c1);
    free(c2);
    if (j->ops != NULL && j->ops->creating != NULL)
        j->ops->creating(j->ops->ctx);
    j->tmp = mkstemp(j->tmp_path);
    int e = errno;
    j->made = j->tmp >= 0;
    int rc = QUIRE_OK;
    if (j->ops != NULL && j->ops->created != NULL)
        rc = j->ops->created(j->ops->ctx, j->tmp >= 0 ? j->tmp_path : NULL);
    if (j->tmp < 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot create a temporary file beside it: %s",
                               strerror(e));
    if (rc != QUIRE_OK)
        return quire_error_set(err, rc, "cannot register the temporary file");
    return QUIRE_OK;
}

/* [0, keep) of the source, unchanged. */
static int copy_head(tail_job *j, quire_error *err)
{
    uint8_t *buf = malloc(COPY_CHUNK);
    int rc = QUIRE_OK;
    if (buf == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    for (uint64_t off = 0; rc == QUIRE_OK && off < j->keep;) {
        size_t n = j->keep - off < COPY_CHUNK ? (size_t)(j->keep - off) : COPY_CHUNK;
        rc = pread_all(j->src, buf, n, off, err);
        if (rc == QUIRE_OK)
            rc = write_all(j->tmp, buf, n, err);
        off += n;
    }
    free(buf);
    return rc;
}

/* The new tail: signature block, attachments, trailer (SPEC 7). */
static int write_tail(tail_job *j, const uint8_t *sigblock, size_t sig_len,
                      const uint8_t *attachments, size_t att_len, quire_error *err)
{
    uint8_t trailer[QUIRE_TRAILER_BYTES];
    quire_store64(trailer, j->old.index_offset);
    quire_store64(trailer + 8, j->old.index_size);
    quire_store64(trailer + 16, sig_len);
    quire_store64(trailer + 24, att_len);
    memcpy(trailer + 32, QUIRE_TRAILER_MAGIC, 8);
    int rc = write_all(j->tmp, sigblock, sig_len, err);
    if (rc == QUIRE_OK && att_len > 0)
        rc = write_all(j->tmp, attachments, att_len, err);
    if (rc == QUIRE_OK)
        rc = write_all(j->tmp, trailer, sizeof trailer, err);
    return rc;
}

/* The rewritten bundle keeps the permissions of the one it replaces. */
static int finish_temp(tail_job *j, quire_error *err)
{
    struct stat sb;
    if (fstat(j->src, &sb) != 0 || fchmod(j->tmp, sb.st_mode & 07777) != 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot set the mode: %s", strerror(errno));
    if (fsync(j->tmp) != 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
    int fd = j->tmp;
    j->tmp = -1;
    if (close(fd) != 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
    return QUIRE_OK;
}

static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

static int check_tail(const uint8_t *sigblock, size_t sig_len, size_t att_len, quire_error *err)
{
    quire_sigblock parsed;
    if (sig_len < SIGBLOCK_MIN || sig_len > SIGBLOCK_MAX)
        return quire_error_set(err, QUIRE_E_USAGE, "signature block size out of range (SPEC 7)");
    if (att_len > UINT64_MAX - (QUIRE_MAX_INDEX_BYTES + SIGBLOCK_MAX + QUIRE_TRAILER_BYTES))
        return quire_error_set(err, QUIRE_E_USAGE, "attachments too large (SPEC 7)");
    /* Never write a block a reader would reject (SPEC 6). */
    return quire_sigblock_parse(sigblock, sig_len, &parsed, err);
}

int quire_tail_rewrite(const char *src, const char *out, const uint8_t *statement,
                       const uint8_t *sigblock, size_t sig_len, const uint8_t *attachments,
                       size_t att_len, const quire_tail_ops *ops, quire_error *err)
{
    tail_job j = {.src = -1, .tmp = -1, .ops = ops};
    bool renamed = false;
    int rc = check_tail(sigblock, sig_len, att_len, err);
    if (rc != QUIRE_OK)
        return rc;
    j.src = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (j.src < 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot open: %s", strerror(errno));
    rc = read_frame(&j, statement, err);
    if (rc == QUIRE_OK)
        rc = make_temp(&j, out, err);
    if (rc == QUIRE_OK)
        rc = copy_head(&j, err);
    if (rc == QUIRE_OK)
        rc = write_tail(&j, sigblock, sig_len, attachments, att_len, err);
    if (rc == QUIRE_OK)
        rc = finish_temp(&j, err);
    if (rc == QUIRE_OK && ops != NULL && ops->check != NULL)
        rc = ops->check(ops->ctx, j.tmp_path, err);
    if (rc == QUIRE_OK && rename(j.tmp_path, out) != 0)
        rc = quire_error_set(err, QUIRE_E_IO, "cannot rename the new bundle into place: %s",
                             strerror(errno));
    renamed = rc == QUIRE_OK;
    if (j.tmp >= 0)
        close(j.tmp);
    if (!renamed && j.made)
        unlink(j.tmp_path);
    if (j.made && ops != NULL && ops->gone != NULL)
        ops->gone(ops->ctx);
    close(j.src);
    if (renamed)
        sync_dir(out);
    free(j.tmp_path);
    return rc;
}

int quire_sigblock_encode(const quire_sig *sigs, uint32_t count, uint8_t *buf, size_t cap)
{
    size_t len = QUIRE_SIGBLOCK_FIXED_BYTES;
    if (count == 0 || count > QUIRE_MAX_SIGNATURES || cap < len)
        return QUIRE_E_USAGE;
    memcpy(buf, QUIRE_SIGBLOCK_MAGIC, 8);
    quire_store32(buf + 8, count);
    quire_store32(buf + 12, 0);
    for (uint32_t i = 0; i < count; i++) {
        const quire_sig *s = &sigs[i];
        size_t rec = QUIRE_SIG_RECORD_MIN_BYTES + s->comment_len;
        if (s->comment_len > QUIRE_MAX_TRUSTED_COMMENT_BYTES || cap - len < rec)
            return QUIRE_E_USAGE;
        uint8_t *p = buf + len;
        memcpy(p, "ED", 2);
        memcpy(p + 2, s->key_id, QUIRE_KEY_ID_BYTES);
        memcpy(p + 10, s->sig, QUIRE_SIGNATURE_BYTES);
        quire_store16(p + 74, s->comment_len);
        if (s->comment_len > 0)
            memcpy(p + 76, s->comment, s->comment_len);
        memcpy(p + 76 + s->comment_len, s->global_sig, QUIRE_SIGNATURE_BYTES);
        len += rec;
    }
    return (int)len;
}
