/* SPDX-License-Identifier: ISC */
/* pack_create.c: quire-pack create. The bundle is written to a temporary file beside OUT,
 * synced and renamed over OUT only when complete: OUT is the old bundle or the new one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli_cleanup.h"
#include "cli_progress.h"
#include "pack.h"
#include "pack_links.h"
#include "pack_capture.h"

#define SECKEY_FILE_MAX 4096

typedef struct create_opts {
    const char *key, *out, *meta, *sources, *comment, *pwfile, *supersedes;
    int level;
    unsigned threads;
    bool quiet, force;
    char **archives;
    int narchives;
    pack_collect_opts collect; /* -L, --skip-links, --exclude */
} create_opts;

static cli_progress meter;

/* The temporary bundle, registered with cli_cleanup while it exists (tmp_handle >= 0). */
static char tmp_path[4096];
static int tmp_handle = -1;

/* Reads the whole secret key file (at most SECKEY_FILE_MAX bytes) into secure memory. */
static char *read_seckey_file(const char *path, size_t *len)
{
    char *text = sodium_malloc(SECKEY_FILE_MAX + 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *len = 0;
    if (text == NULL || fd < 0) {
        pack_warn("%s: cannot read the secret key: %s", path, text ? strerror(errno) : "no memory");
        goto fail;
    }
    for (;;) {
        ssize_t n = read(fd, text + *len, SECKEY_FILE_MAX + 1 - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pack_warn("%s: cannot read the secret key: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        *len += (size_t)n;
        if (*len > SECKEY_FILE_MAX) {
            pack_warn("%s: not a secret key: larger than %d bytes", path, SECKEY_FILE_MAX);
            goto fail;
        }
    }
    close(fd);
    return text;
fail:
    if (fd >= 0)
        close(fd);
    if (text != NULL)
        sodium_free(text);
    return NULL;
}

static quire_seckey *load_seckey(const char *path, const char *pwfile, bool quiet)
{
    quire_seckey *sk = NULL;
    quire_error err;
    char *pw = NULL;
    size_t n;
    char *text = read_seckey_file(path, &n);
    if (text == NULL)
        return NULL;
    int enc = quire_seckey_is_encrypted(text, n, &err);
    if (enc > 0 && (pw = pack_passphrase(pwfile, false, quiet)) == NULL)
        goto out;
    if (enc < 0 || quire_seckey_parse(text, n, pw, &sk, &err) != QUIRE_OK)
        pack_warn("%s: %s", path, err.msg);
out:
    sodium_free(text); /* wipes it */
    if (pw != NULL)
        sodium_free(pw);
    return sk;
}

quire_seckey *pack_seckey_load(const char *path, const char *pwfile, bool quiet)
{
    return load_seckey(path, pwfile, quiet);
}

#define HEAD_BYTES 65536

/* Reads an input for the writer and keeps its first HEAD_BYTES, from which the media type and
 * title are guessed: the guess describes exactly the bytes that were packed. */
typedef struct fd_source {
    int fd;
    const char *name;
    char name_buf[8192];
    uint8_t head[HEAD_BYTES];
    size_t head_len;
} fd_source;

static int read_fd(void *ctx, uint8_t *buf, size_t cap, size_t *got, quire_error *err)
{
    fd_source *s = ctx;
    for (;;) {
        ssize_t n = read(s->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return quire_error_set(err, QUIRE_E_IO, "%s: read failed: %s", s->name,
                                   strerror(errno));
        size_t keep = HEAD_BYTES - s->head_len < (size_t)n ? HEAD_BYTES - s->head_len : (size_t)n;
        cli_progress_add(&meter, (uint64_t)n);
        memcpy(s->head + s->head_len, buf, keep);
        s->head_len += keep;
        *got = (size_t)n;
        return QUIRE_OK;
    }
}

/* Adds one input file: opened beneath its root without following links, checked to be the
 * regular file the walk found, read to exactly its size; then its metadata is completed from
 * what was read. */
static int add_file(quire_writer *w, const pack_input *in, const pack_provenance *pv, size_t i)
{
    static fd_source src;
    quire_error err;
    struct stat st;
    char *meta = NULL;
    int rc = 2;
    int fd = pack_input_open(in, &st);
    if (fd < 0)
        return 2;
    quire_entry_desc d = {
        .path = in->bundle_path,
        .role = pv->original[i] ? QUIRE_ROLE_ORIGINAL : QUIRE_ROLE_DOCUMENT,
        .flags = in->exec ? QUIRE_ENTRY_FLAG_EXEC : 0,
        .link = pv->links[i],
        .size = (uint64_t)st.st_size,
    };
    src.fd = fd;
    src.name = pack_input_name(in, src.name_buf, sizeof src.name_buf);
    src.head_len = 0;
    if (quire_writer_add(w, &d, read_fd, &src, &err) != QUIRE_OK) {
        pack_warn("%s", err.msg);
        goto out;
    }
    meta = pack_entry_meta(pv->items[i], in->bundle_path, src.head, src.head_len);
    if (meta == NULL)
        pack_warn("out of memory");
    else if (quire_writer_set_meta(w, (const uint8_t *)meta, strlen(meta), &err) != QUIRE_OK)
        pack_warn("%s", err.msg);
    else
        rc = 0;
out:
    free(meta);
    close(fd);
    return rc;
}

static int write_entries(quire_writer *w, const pack_input *in, size_t n, const pack_provenance *pv)
{
    for (size_t i = 0; i < n; i++) {
        int rc = add_file(w, &in[i], pv, i);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Makes the temporary file beside out, readable as the umask allows, and registers it with
 * cli_cleanup at once. */
static int make_temp(const char *out)
{
    char *copy = strdup(out);
    if (copy == NULL)
        return -1;
    char *base = basename(copy);
    char *dcopy = strdup(out);
    const char *dir = dcopy != NULL ? dirname(dcopy) : ".";
    int n = snprintf(tmp_path, sizeof tmp_path, "%s/.%s.XXXXXX", dir, base);
    free(copy);
    free(dcopy);
    if (n < 0 || (size_t)n >= sizeof tmp_path) {
        tmp_path[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    sigset_t old;
    cli_cleanup_hold(&old); /* no signal between the file's creation and its registration */
    int fd = mkstemp(tmp_path);
    if (fd < 0) {
        cli_cleanup_release(&old);
        tmp_path[0] = '\0';
        return -1;
    }
    tmp_handle = cli_cleanup_add(AT_FDCWD, tmp_path, CLI_TMP_FILE);
    cli_cleanup_release(&old);
    mode_t mask = umask(0);
    umask(mask);
    if (tmp_handle < 0 || fchmod(fd, 0666 & ~mask) != 0) {
        int e = tmp_handle < 0 ? ENOMEM : errno;
        close(fd);
        unlink(tmp_path);
        cli_cleanup_done(tmp_handle);
        tmp_handle = -1;
        tmp_path[0] = '\0';
        errno = e;
        return -1;
    }
    return fd;
}

/* Syncs the directory holding path, so that the rename itself survives a crash. */
static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

static int pack_bundle(const create_opts *o, const pack_input *in, size_t n, const char *meta,
                       const pack_provenance *pv, const quire_seckey *sk)
{
    quire_writer *w = NULL;
    quire_error err;
    char hex[2 * QUIRE_FINGERPRINT_BYTES + 1];
    int fd = make_temp(o->out), rc = 2;

    if (fd < 0) {
        pack_warn("%s: cannot create a temporary file beside it: %s", o->out, strerror(errno));
        return 2;
    }
    if (quire_writer_open(fd, (const uint8_t *)meta, strlen(meta), &w, &err) != QUIRE_OK) {
        pack_warn("%s: %s", o->out, err.msg);
        goto out;
    }
    quire_writer_set_level(w, o->level);
    quire_writer_set_threads(w, o->threads);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += in[i].size;
    cli_progress_start(&meter, "packing", total, !o->quiet);
    rc = write_entries(w, in, n, pv);
    cli_progress_end(&meter);
    if (rc != 0)
        goto out;
    rc = 2;
    if (quire_writer_finish(w, sk, o->comment, &err) != QUIRE_OK) {
        pack_warn("%s: %s", o->out, err.msg);
        goto out;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        pack_warn("%s: cannot write: %s", o->out, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp_path, o->out) != 0) {
        pack_warn("%s: cannot rename the finished bundle into place: %s", o->out, strerror(errno));
        goto out;
    }
    cli_cleanup_done(tmp_handle);
    tmp_handle = -1;
    tmp_path[0] = '\0';
    sync_dir(o->out);
    sodium_bin2hex(hex, sizeof hex, quire_writer_fingerprint(w), QUIRE_FINGERPRINT_BYTES);
    printf("%s\n", hex);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    cli_cleanup_remove(tmp_handle); /* the temporary bundle, if it was not renamed */
    tmp_handle = -1;
    tmp_path[0] = '\0';
    quire_writer_free(w);
    return rc;
}

/* ---- --supersedes OLD: the fingerprint of a bundle signed with the same key ---- */

/* The exit status for a library failure on OLD: 2 when it could not be read, else 1 (it is
 * not a bundle, or its signature does not verify). */
static int old_status(int rc)
{
    return rc == QUIRE_E_IO || rc == QUIRE_E_NOMEM ? 2 : 1;
}

/* Opens OLD and reads its index, so that a missing or malformed OLD and a clash with the
 * metadata's "supersedes" are found before the passphrase is asked for. No key is known yet:
 * the signature is checked by old_check once the secret key is open. Fills hex with the
 * fingerprint (SPEC 6.3); returns 0 or an exit status after a message. */
static int old_open(const char *path, quire_reader **r, char hex[2 * QUIRE_FINGERPRINT_BYTES + 1])
{
    quire_error err;
    int rc = pack_check_readable(path, false);
    if (rc != 0)
        return rc;
    if ((rc = quire_reader_open(path, r, &err)) != QUIRE_OK ||
        (rc = quire_reader_authenticate(*r, NULL, 0, QUIRE_ANY_SIGNER, &err)) != QUIRE_OK) {
        pack_warn("%s: --supersedes: not a readable bundle: %s", path, err.msg);
        return old_status(rc);
    }
    sodium_bin2hex(hex, 2 * QUIRE_FINGERPRINT_BYTES + 1, quire_reader_fingerprint(*r),
                   QUIRE_FINGERPRINT_BYTES);
    return 0;
}

/* A bundle supersedes only a bundle of its own publisher: OLD must verify under the public
 * half of the key that signs the new one (SPEC 9 steps 5-9). Its documents are not read: the
 * fingerprint names the signed index, whatever the state of the data. The index is read again,
 * so OLD must still have the fingerprint old_open found. Returns 0 or an exit status. */
static int old_check(const char *path, quire_reader *r, const quire_seckey *sk, const char *key,
                     const char *hex)
{
    quire_pubkey pk;
    quire_error err;
    char id[17], now[2 * QUIRE_FINGERPRINT_BYTES + 1];

    quire_seckey_public(sk, &pk);
    quire_key_id_hex(pk.key_id, id);
    int rc = quire_reader_authenticate(r, &pk, 1, 0, &err);
    if (rc == QUIRE_E_UNTRUSTED) {
        const quire_sigblock *sb = quire_reader_sigblock(r);
        char signer[17];
        quire_key_id_hex(sb->sigs[0].key_id, signer);
        pack_warn("%s: --supersedes: signed by key %s%s, not by %s (key %s): a bundle supersedes "
                  "only one signed with its own key; for another, set \"supersedes\" in the "
                  "metadata",
                  path, signer, sb->count > 1 ? " and others" : "", key, id);
        return 1;
    }
    if (rc != QUIRE_OK) {
        pack_warn("%s: --supersedes: %s", path, err.msg);
        return old_status(rc);
    }
    sodium_bin2hex(now, sizeof now, quire_reader_fingerprint(r), QUIRE_FINGERPRINT_BYTES);
    if (strcmp(now, hex) != 0) {
        pack_warn("%s: --supersedes: changed while packing", path);
        return 2;
    }
    return 0;
}

static int create_run(const create_opts *o, char *const *inputs, int ninputs)
{
    pack_input *in = NULL;
    size_t n = 0;
    pack_provenance pv = {0};
    quire_seckey *sk = NULL;
    quire_reader *old = NULL;
    char *meta = NULL, old_hex[2 * QUIRE_FINGERPRINT_BYTES + 1];
    int rc = pack_collect(inputs, ninputs, o->archives, o->narchives, o->out, &o->collect, &in, &n);

    if (rc != 0) {
        pack_cleanup();
        pack_capture_free();
        return rc;
    }
    if (o->supersedes != NULL && (rc = old_open(o->supersedes, &old, old_hex)) != 0)
        goto out;
    rc = 2;
    if (pack_provenance_init(&pv, n) != 0)
        pack_warn("out of memory");
    else if ((meta = pack_bundle_meta(o->meta, old != NULL ? old_hex : NULL)) == NULL)
        ;
    else if (o->sources != NULL && pack_sources_load(o->sources, in, n, &pv) != 0)
        ;
    else if (pack_capture_provenance(in, n, &pv) != 0)
        ;
    else if ((sk = load_seckey(o->key, o->pwfile, o->quiet)) == NULL)
        ;
    else if (old == NULL || (rc = old_check(o->supersedes, old, sk, o->key, old_hex)) == 0)
        rc = pack_bundle(o, in, n, meta, &pv, sk);
out:
    quire_reader_close(old);
    quire_seckey_free(sk);
    pack_provenance_free(&pv);
    free(meta);
    pack_inputs_free(in, n);
    pack_cleanup();
    pack_capture_free();
    return rc;
}

/* Says in why why the existing regular file out may not be replaced, or leaves it empty when
 * out begins with the quire magic (SPEC 3). */
static void check_magic(const char *out, char *why, size_t cap)
{
    char head[QUIRE_MAGIC_BYTES];
    size_t got = 0;
    ssize_t n = 0;
    int fd = open(out, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(why, cap, "cannot open it to check that it is a quire bundle: %s",
                 strerror(errno));
        return;
    }
    while (got < sizeof head) {
        n = read(fd, head + got, sizeof head - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (n < 0)
        snprintf(why, cap, "cannot read it to check that it is a quire bundle: %s",
                 strerror(errno));
    else if (got < sizeof head || memcmp(head, QUIRE_MAGIC, QUIRE_MAGIC_BYTES) != 0)
        snprintf(why, cap, "it is not a quire bundle (it does not begin with the quire magic)");
    else
        why[0] = '\0';
    close(fd);
}

/* Refuses to replace an existing OUT that is not a quire bundle (issue 11, finding 12: a slip
 * such as -o thesis.txt must not destroy the thesis) unless force. Runs before any passphrase
 * is asked for or input read. A missing OUT is fine. Returns 0, or 2 after a message. */
static int check_output(const char *out, bool force)
{
    char why[300];
    struct stat st;

    if (force)
        return 0;
    if (lstat(out, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        pack_warn("%s: cannot check what is there: %s", out, strerror(errno));
        return 2;
    }
    if (S_ISREG(st.st_mode))
        check_magic(out, why, sizeof why);
    else
        snprintf(why, sizeof why, "it is %s, not a quire bundle",
                 S_ISLNK(st.st_mode)   ? "a symbolic link"
                 : S_ISDIR(st.st_mode) ? "a directory"
                                       : "a special file");
    if (why[0] == '\0')
        return 0;
    pack_warn("%s: refused to replace it: %s; use --force to replace it anyway", out, why);
    return 2;
}

/* Parses create's options into o. Returns -1 to go on, or the exit status. */
static int parse_create(int argc, char **argv, create_opts *o)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"metadata", required_argument, NULL, 'm'},
                                         {"sources", required_argument, NULL, 's'},
                                         {"comment", required_argument, NULL, 't'},
                                         {"level", required_argument, NULL, 'l'},
                                         {"passphrase-file", required_argument, NULL, 'P'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"archive", required_argument, NULL, 'a'},
                                         {"force", no_argument, NULL, 'F'},
                                         {"supersedes", required_argument, NULL, 'S'},
                                         {"follow-symlinks", no_argument, NULL, 'L'},
                                         {"skip-links", no_argument, NULL, 'K'},
                                         {"exclude", required_argument, NULL, 'X'},
                                         {"keep-records", no_argument, NULL, 'R'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":k:o:m:s:t:l:j:qa:Lh", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            o->key = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'm':
            o->meta = optarg;
            break;
        case 's':
            o->sources = optarg;
            break;
        case 't':
            o->comment = optarg;
            break;
        case 'P':
            o->pwfile = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'F':
            o->force = true;
            break;
        case 'S':
            o->supersedes = optarg;
            break;
        case 'L':
            o->collect.follow_links = true;
            break;
        case 'K':
            o->collect.skip_links = true;
            break;
        case 'X': {
            if (pack_exclude_check(optarg) != 0)
                return 2;
            char **x = realloc(o->collect.excludes, (o->collect.nexcludes + 1) * sizeof *x);
            if (x == NULL) {
                pack_warn("out of memory");
                return 2;
            }
            o->collect.excludes = x;
            x[o->collect.nexcludes++] = optarg;
            break;
        }
        case 'R':
            pack_capture_keep_records = true;
            break;
        case 'a': {
            char **a = realloc(o->archives, (size_t)(o->narchives + 1) * sizeof *a);
            if (a == NULL) {
                pack_warn("out of memory");
                return 2;
            }
            o->archives = a;
            o->archives[o->narchives++] = optarg;
            break;
        }
        case 'l': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || n > 12) {
                pack_warn("create: --level must be a number from 0 to 12");
                return 2;
            }
            o->level = (int)n;
            break;
        }
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 0 || n > 64) {
                pack_warn("create: --threads must be a number 0-64");
                return 2;
            }
            o->threads = (unsigned)n;
            break;
        }
        case 'h':
            pack_usage(stdout, NULL, true);
            return 0;
        default:
            (void)pack_bad_option("create", argv, c);
            return 2; /* stated here, so an analyzer of this file alone sees every path */
        }
    }
    if (o->collect.follow_links && o->collect.skip_links) {
        pack_warn("create: -L and --skip-links cannot be used together");
        pack_usage(stderr, "create", false);
        return 2;
    }
    if (o->key == NULL || o->out == NULL || (optind >= argc && o->narchives == 0)) {
        pack_warn("create: %s", o->key == NULL ? "-k KEY is required"
                                : o->out == NULL
                                    ? "-o OUT.quire is required"
                                    : "no INPUT given (files, directories or -a ARCHIVE)");
        pack_usage(stderr, "create", false);
        return 2;
    }
    if (strcmp(o->out, "-") == 0) {
        pack_warn("create: -o - (standard output) is not supported: a bundle is written under a "
                  "temporary name and renamed only when complete; write to a file instead");
        return 2;
    }
    return -1;
}

int pack_create(int argc, char **argv)
{
    unsigned cpus = quire_cpu_count();
    create_opts o = {.comment = "quire bundle", .level = 8, .threads = cpus > 1 ? cpus : 0};
    int rc = parse_create(argc, argv, &o);

    if (rc >= 0)
        goto out;
    /* From here on every temporary output (the unpacking directory, the temporary bundle) is
     * registered with cli_cleanup, which removes it on SIGINT, SIGTERM and SIGHUP. */
    if (cli_cleanup_install() != 0) {
        pack_warn("cannot install the signal handlers: %s", strerror(errno));
        rc = 2;
        goto out;
    }
    rc = check_output(o.out, o.force);
    if (rc == 0)
        rc = create_run(&o, argv + optind, argc - optind);
out:
    if (rc != 0)
        cli_cleanup_remove_all();
    free(o.archives);
    free(o.collect.excludes);
    return rc;
}
