/* SPDX-License-Identifier: ISC */
/* read_trust.c: quire-read's key statements (SPEC 14): rotations and revocations from the
 * trusted-keys directory (*.rotation, *.revocation) and --key-statement, the keys they make
 * trusted, the keys each bundle is checked with, and `quire-read keys`. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read.h"
#include "read_trust.h"
#include "read_tsa.h"
#include "quire_attach.h"

/* One statement file, kept in memory: the parsed statement borrows buf. */
typedef struct stmt_file {
    char *path;
    uint8_t *buf;
    quire_keystmt st;
} stmt_file;

struct read_trust {
    stmt_file *files;
    size_t nfiles;
    quire_trust_key *keys; /* parallel to o->keys once resolved */
    size_t nroots;
};

static struct read_trust *trust_of(read_opts *o)
{
    if (o->trust == NULL)
        o->trust = calloc(1, sizeof *o->trust);
    return o->trust;
}

/* Reads a statement file of at most QUIRE_KEYSTMT_MAX_BYTES (dirfd-relative, no blocking on a
 * FIFO). Returns 0 or -1 after a message (a warning when from the directory). */
static int load_stmt(read_opts *o, int dirfd, const char *name, char *path, bool warn_only)
{
    struct read_trust *t = trust_of(o);
    quire_error err;
    struct stat st;
    uint8_t *buf = malloc(QUIRE_KEYSTMT_MAX_BYTES + 1);
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    ssize_t n = -1;
    const char *why = NULL;
    if (t == NULL || buf == NULL)
        why = "out of memory";
    else if (fd < 0 || fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if ((n = read(fd, buf, QUIRE_KEYSTMT_MAX_BYTES + 1)) < 0)
        why = strerror(errno);
    else if (quire_keystmt_parse(buf, (size_t)n, &(quire_keystmt){0}, &err) != QUIRE_OK)
        why = err.msg;
    if (fd >= 0)
        close(fd);
    stmt_file *more = why == NULL ? realloc(t->files, (t->nfiles + 1) * sizeof *more) : NULL;
    if (why == NULL && more == NULL)
        why = "out of memory";
    if (why != NULL) {
        read_fail(path, "%s%s", warn_only ? "warning: key statement not used: " : "", why);
        free(buf);
        free(path);
        return warn_only ? 0 : -1;
    }
    t->files = more;
    stmt_file *f = &t->files[t->nfiles++];
    *f = (stmt_file){.path = path, .buf = buf};
    return quire_keystmt_parse(buf, (size_t)n, &f->st, &err) == QUIRE_OK ? 0 : -1;
}

int read_trust_add_file(read_opts *o, const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        read_fail(path, "out of memory");
        return 2;
    }
    return load_stmt(o, AT_FDCWD, path, copy, false) == 0 ? 0 : 2;
}

int read_trust_load_dir(read_opts *o, int dfd, const char *dir)
{
    static const char *const suffixes[] = {".rotation", ".revocation"};
    for (size_t s = 0; s < 2; s++) {
        char **names;
        size_t n;
        if (read_keys_list(dfd, suffixes[s], &names, &n) != 0) {
            read_fail(dir, "cannot read the trusted-keys directory: %s", strerror(errno));
            return 2;
        }
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(dir) + strlen(names[i]) + 2;
            char *path = malloc(len);
            if (path != NULL) {
                snprintf(path, len, "%s/%s", dir, names[i]);
                (void)load_stmt(o, dfd, names[i], path, true);
            }
            free(names[i]);
        }
        free(names);
    }
    return 0;
}

static void warn_stmt(void *ctx, size_t i, const char *why)
{
    const struct read_trust *t = ctx;
    read_fail(t->files[i].path, "warning: key statement not used: %s", why);
}

/* "ROOT via ROTATION" for a key reached by rotations: the file it is trusted through first,
 * and the statement that reached it. */
static char *derived_source(const read_opts *o, size_t k)
{
    const struct read_trust *t = o->trust;
    const quire_trust_key *key = &t->keys[k];
    const char *root = o->keys[key->root].source, *via = t->files[key->via].path;
    size_t len = strlen(root) + strlen(via) + 8;
    char *s = malloc(len);
    if (s != NULL)
        snprintf(s, len, "%s via %s", root, via);
    return s;
}

int read_trust_resolve(read_opts *o)
{
    struct read_trust *t = o->trust;
    if (t == NULL || t->nfiles == 0)
        return 0;
    quire_keystmt *st = calloc(t->nfiles, sizeof *st);
    quire_trust_key *keys = NULL;
    size_t n = 0;
    quire_error err;
    for (size_t i = 0; st != NULL && i < t->nfiles; i++)
        st[i] = t->files[i].st;
    int rc = st != NULL ? quire_trust_resolve(o->keys, o->nkeys, st, t->nfiles, warn_stmt, t, &keys,
                                              &n, &err)
                        : QUIRE_E_NOMEM;
    free(st);
    quire_pubkey *more = rc == QUIRE_OK ? realloc(o->keys, (n ? n : 1) * sizeof *more) : NULL;
    if (more == NULL) {
        free(keys);
        read_fail(NULL, "out of memory");
        return 2;
    }
    o->keys = more;
    t->keys = keys;
    t->nroots = o->nkeys;
    for (size_t k = o->nkeys; k < n; k++) {
        o->keys[k] = keys[k].key;
        o->keys[k].source = derived_source(o, k);
    }
    o->nkeys = n;
    return 0;
}

const quire_trust_key *read_trust_key(const read_opts *o, size_t k)
{
    return o->trust != NULL && o->trust->keys != NULL ? &o->trust->keys[k] : NULL;
}

size_t read_trust_root(const read_opts *o, size_t k)
{
    const quire_trust_key *t = read_trust_key(o, k);
    if (t != NULL)
        return t->root;
    for (size_t j = 0; j < k; j++) /* one key under two ids is one key */
        if (memcmp(o->keys[j].pk, o->keys[k].pk, QUIRE_PUBKEY_BYTES) == 0)
            return j;
    return k;
}

const char *read_trust_stmt_path(const read_opts *o, ptrdiff_t i)
{
    return i >= 0 && o->trust != NULL ? o->trust->files[i].path : NULL;
}

/* SPEC 14.4: the time at which the bundle is proven to have existed: the earliest trusted
 * RFC 3161 time-stamp over its statement (SPEC 7.1), which can be known only once the statement
 * is authenticated. An invalid token proves nothing (and fails verify). */
bool read_proven_time(quire_reader *r, const read_opts *o, uint64_t *when)
{
    int64_t t = 0;
    quire_error err;
    *when = 0;
    if (quire_reader_index(r) == NULL || quire_reader_attachments(r) == NULL ||
        quire_reader_attachments(r)->count == 0)
        return false;
    if (read_tsa_earliest(r, o, &t, &err) != QUIRE_OK || t < 0)
        return false;
    *when = (uint64_t)t;
    return true;
}

bool read_trust_revoked(const read_opts *o, size_t k, bool proven, uint64_t when)
{
    const quire_trust_key *t = read_trust_key(o, k);
    return t != NULL && t->revoked_by >= 0 && (!proven || when >= t->revoked_from);
}

int read_trust_keys_for(quire_reader *r, const read_opts *o, quire_pubkey **keys, size_t *n)
{
    uint64_t when;
    bool proven = read_proven_time(r, o, &when);
    *keys = malloc((o->nkeys ? o->nkeys : 1) * sizeof **keys);
    *n = 0;
    if (*keys == NULL)
        return 2;
    for (size_t k = 0; k < o->nkeys; k++)
        if (!read_trust_revoked(o, k, proven, when))
            (*keys)[(*n)++] = o->keys[k];
    return 0;
}

void read_trust_free(read_opts *o)
{
    struct read_trust *t = o->trust;
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nfiles; i++) {
        free(t->files[i].path);
        free(t->files[i].buf);
    }
    free(t->files);
    free(t->keys);
    free(t);
    o->trust = NULL;
}
