/* SPDX-License-Identifier: ISC */
/* read_export.c: quire-read export --format tar|zip BUNDLE OUT. The verified documents are
 * written through libarchive to a temporary file beside OUT, which is renamed into place only
 * when every entry's SHA-256 has matched (then the directory is synced, so the rename survives a
 * crash); an existing OUT is replaced only with --force. The temporary file is registered with
 * cli_cleanup, so a failure and SIGINT, SIGTERM or SIGHUP remove it alike. With --with-metadata,
 * the provenance goes in quire-metadata.json and the checksums in a BagIt-style
 * manifest-sha256.txt. This module is the reader's only libarchive user, and libarchive only ever
 * writes here. libarchive is loaded with dlopen when export runs, not linked: it brings libxml2 and
 * ICU (18 libraries), which made every other quire-read command start 2.7 times slower. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "cli_cleanup.h"
#include "read.h"

/* The libarchive functions export uses, looked up by name (their types from archive.h). */
static struct {
    __typeof__(archive_entry_free) *entry_free;
    __typeof__(archive_entry_new) *entry_new;
    __typeof__(archive_entry_set_filetype) *entry_set_filetype;
    __typeof__(archive_entry_set_mtime) *entry_set_mtime;
    __typeof__(archive_entry_set_pathname_utf8) *entry_set_pathname_utf8;
    __typeof__(archive_entry_set_perm) *entry_set_perm;
    __typeof__(archive_entry_set_size) *entry_set_size;
    __typeof__(archive_error_string) *error_string;
    __typeof__(archive_write_close) *write_close;
    __typeof__(archive_write_data) *write_data;
    __typeof__(archive_write_free) *write_free;
    __typeof__(archive_write_header) *write_header;
    __typeof__(archive_write_new) *write_new;
    __typeof__(archive_write_open_fd) *write_open_fd;
    __typeof__(archive_write_set_format_pax_restricted) *write_set_format_pax_restricted;
    __typeof__(archive_write_set_format_zip) *write_set_format_zip;
} ar;

/* Loads libarchive and every function above; returns 0, or -1 after a message. POSIX
 * guarantees that dlsym's result converts to the function's type. */
#define LOAD(field, name) ok = ok && (ar.field = (__typeof__(ar.field))dlsym(lib, name)) != NULL
static int load_libarchive(void)
{
    void *lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    bool ok = lib != NULL;
    if (!ok) {
        read_fail(NULL, "export: cannot load libarchive: %s", dlerror());
        return -1;
    }
    LOAD(entry_free, "archive_entry_free");
    LOAD(entry_new, "archive_entry_new");
    LOAD(entry_set_filetype, "archive_entry_set_filetype");
    LOAD(entry_set_mtime, "archive_entry_set_mtime");
    LOAD(entry_set_pathname_utf8, "archive_entry_set_pathname_utf8");
    LOAD(entry_set_perm, "archive_entry_set_perm");
    LOAD(entry_set_size, "archive_entry_set_size");
    LOAD(error_string, "archive_error_string");
    LOAD(write_close, "archive_write_close");
    LOAD(write_data, "archive_write_data");
    LOAD(write_free, "archive_write_free");
    LOAD(write_header, "archive_write_header");
    LOAD(write_new, "archive_write_new");
    LOAD(write_open_fd, "archive_write_open_fd");
    LOAD(write_set_format_pax_restricted, "archive_write_set_format_pax_restricted");
    LOAD(write_set_format_zip, "archive_write_set_format_zip");
    if (!ok) {
        read_fail(NULL, "export: this libarchive lacks a function export needs: %s", dlerror());
        return -1;
    }
    return 0;
}
#undef LOAD

typedef struct export_ctx {
    struct archive *a;
    const quire_index *idx;
    time_t mtime;
} export_ctx;

static int ar_error(struct archive *a, quire_error *err)
{
    return quire_error_set(err, QUIRE_E_IO, "archive write failed: %s", ar.error_string(a));
}

/* One archive member with fixed owner, mode and time, so the export is reproducible. */
static int header(export_ctx *x, const char *path, uint64_t size, bool exec, quire_error *err)
{
    struct archive_entry *ae = ar.entry_new();
    if (ae == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    ar.entry_set_pathname_utf8(ae, path);
    ar.entry_set_size(ae, (la_int64_t)size);
    ar.entry_set_filetype(ae, AE_IFREG);
    ar.entry_set_perm(ae, exec ? 0755 : 0644);
    ar.entry_set_mtime(ae, x->mtime, 0);
    int r = ar.write_header(x->a, ae);
    ar.entry_free(ae);
    return r == ARCHIVE_OK ? QUIRE_OK : ar_error(x->a, err);
}

static int e_begin(void *ctx, uint32_t i, quire_error *err)
{
    export_ctx *x = ctx;
    const quire_entry *e = &x->idx->entries[i];
    return header(x, e->path, e->size, (e->flags & QUIRE_ENTRY_FLAG_EXEC) != 0, err);
}

static int e_data(void *ctx, uint32_t i, const uint8_t *p, size_t n, quire_error *err)
{
    export_ctx *x = ctx;
    (void)i;
    return ar.write_data(x->a, p, n) == (la_ssize_t)n ? QUIRE_OK : ar_error(x->a, err);
}

static int add_blob(export_ctx *x, const char *path, const char *text, quire_error *err)
{
    size_t len = strlen(text);
    int rc = header(x, path, len, false, err);
    if (rc == QUIRE_OK && ar.write_data(x->a, text, len) != (la_ssize_t)len)
        rc = ar_error(x->a, err);
    return rc;
}

/* quire-metadata.json (bundle metadata, fingerprint, each entry's provenance) and
 * manifest-sha256.txt ("<sha256>  <path>" lines, as sha256sum -c reads them). */
static int add_metadata(export_ctx *x, quire_reader *r, quire_error *err)
{
    const quire_index *idx = x->idx;
    char fp[65], *manifest = NULL, *text;
    size_t mlen = 0;
    FILE *m = open_memstream(&manifest, &mlen);
    json_t *entries = json_array();
    for (int k = 0; k < 32; k++)
        snprintf(fp + 2 * k, 3, "%02x", quire_reader_fingerprint(r)[k]);
    for (uint32_t i = 0; m != NULL && i < idx->entry_count; i++) {
        const quire_entry *e = &idx->entries[i];
        char sha[65];
        for (int k = 0; k < 32; k++)
            snprintf(sha + 2 * k, 3, "%02x", e->sha256[k]);
        fprintf(m, "%s  %s\n", sha, e->path);
        const uint8_t *mb;
        size_t ml;
        if (quire_reader_entry_meta(r, i, &mb, &ml, err) != QUIRE_OK) {
            fclose(m);
            free(manifest);
            json_decref(entries);
            return err->code;
        }
        json_t *meta = ml ? json_loadb((const char *)mb, ml, 0, NULL) : json_object();
        json_array_append_new(entries,
                              json_pack("{s:s, s:s, s:I, s:s, s:o}", "path", e->path, "role",
                                        out_role(e->role), "size", (json_int_t)e->size, "sha256",
                                        sha, "metadata", meta ? meta : json_object()));
    }
    if (m != NULL)
        fclose(m);
    json_t *bm = idx->bundle_meta_len
                     ? json_loadb((const char *)idx->bundle_meta, idx->bundle_meta_len, 0, NULL)
                     : json_object();
    json_t *all = json_pack("{s:s, s:o, s:o}", "fingerprint", fp, "metadata",
                            bm ? bm : json_object(), "entries", entries);
    text = json_dumps(all, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(all);
    int rc = text == NULL || manifest == NULL ? quire_error_set(err, QUIRE_E_NOMEM, "out of memory")
                                              : add_blob(x, "quire-metadata.json", text, err);
    if (rc == QUIRE_OK)
        rc = add_blob(x, "manifest-sha256.txt", manifest, err);
    free(text);
    free(manifest);
    return rc;
}

/* The bundle's creation time when it states one (SOURCE_DATE_EPOCH wins), else 0. */
static time_t export_time(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long t = sde != NULL ? strtoll(sde, &end, 10) : 0;
    return sde != NULL && *sde >= '0' && *sde <= '9' && *end == '\0' ? (time_t)t : 0;
}

static int write_export(quire_reader *r, const read_opts *o, int fd, quire_error *err)
{
    export_ctx x = {.idx = quire_reader_index(r), .mtime = export_time()};
    x.a = ar.write_new();
    if (x.a == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    int r1 = strcmp(o->format, "zip") == 0 ? ar.write_set_format_zip(x.a)
                                           : ar.write_set_format_pax_restricted(x.a);
    int rc = QUIRE_OK;
    if (r1 != ARCHIVE_OK || ar.write_open_fd(x.a, fd) != ARCHIVE_OK)
        rc = ar_error(x.a, err);
    quire_walk_ops ops = {e_begin, e_data, NULL};
    if (rc == QUIRE_OK)
        rc = quire_reader_walk(r, NULL, &ops, &x, err);
    if (rc == QUIRE_OK && o->with_metadata)
        rc = add_metadata(&x, r, err);
    if (rc == QUIRE_OK && ar.write_close(x.a) != ARCHIVE_OK)
        rc = ar_error(x.a, err);
    ar.write_free(x.a);
    return rc;
}

/* Creates the temporary file beside out, as tmp, registered before it exists (its name is
 * random, so a signal in between can only remove a name nothing else has). Returns the
 * descriptor, or -1 after a message; *handle is the registration. */
static int make_tmp(const char *out, char *tmp, size_t cap, int *handle)
{
    char *copy = strdup(out), hex[17];
    uint8_t rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    int n = copy != NULL ? snprintf(tmp, cap, "%s/.quire-export.%s", dirname(copy), hex) : -1;
    free(copy);
    errno = n < 0 ? ENOMEM : ENAMETOOLONG;
    *handle = n > 0 && (size_t)n < cap ? cli_cleanup_add(AT_FDCWD, tmp, CLI_TMP_FILE) : -1;
    int fd =
        *handle >= 0 ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (fd < 0) {
        read_fail(out, "cannot create a temporary file beside it: %s", strerror(errno));
        cli_cleanup_done(*handle); /* not made, so not ours to remove */
    }
    return fd;
}

/* Renames tmp to out: with --force over anything, else never over an existing file, atomically
 * (RENAME_NOREPLACE, else link + unlink); then forgets tmp's registration (*handle = -1) and
 * syncs out's directory. */
static int put_in_place(const char *tmp, const char *out, bool force, int *handle, quire_error *err)
{
    int rc = force ? rename(tmp, out) : renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE);
    if (rc != 0 && !force && (errno == EINVAL || errno == ENOSYS) && link(tmp, out) == 0)
        rc = unlink(tmp);
    if (rc != 0 && errno == EEXIST)
        return quire_error_set(err, QUIRE_E_IO, "%s exists: use --force to replace it", out);
    if (rc != 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot rename into place: %s", strerror(errno));
    cli_cleanup_done(*handle);
    *handle = -1;
    char *copy = strdup(out);
    int dir = copy != NULL ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(copy);
    rc = dir >= 0 && fsync(dir) == 0 ? QUIRE_OK : -1;
    if (rc != QUIRE_OK)
        rc = quire_error_set(err, QUIRE_E_IO, "cannot sync the directory of %s: %s", out,
                             strerror(errno));
    if (dir >= 0)
        close(dir);
    return rc;
}

int cmd_export(const read_opts *o, int argc, char **argv)
{
    int code = 0, handle;
    quire_error err;
    char tmp[4096];
    struct stat st;
    if (argc != 2 || o->format == NULL ||
        (strcmp(o->format, "tar") != 0 && strcmp(o->format, "zip") != 0)) {
        read_fail(NULL, "export: expected --format tar|zip BUNDLE OUT");
        return 2;
    }
    if (strcmp(argv[1], "-") == 0) {
        read_fail(NULL, "export: OUT cannot be standard output: the archive is written under a "
                        "temporary name and renamed only once every document has verified");
        return 2;
    }
    /* Before any work: an existing file is a user's slip more often than an intent. */
    if (!o->force && lstat(argv[1], &st) == 0) {
        read_fail(argv[1], "exists: use --force to replace it");
        return 2;
    }
    if (cli_cleanup_install() != 0) {
        read_fail(argv[1], "cannot handle signals: %s", strerror(errno));
        return 2;
    }
    if (load_libarchive() != 0)
        return 2;
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    int fd = make_tmp(argv[1], tmp, sizeof tmp, &handle);
    if (fd < 0) {
        quire_reader_close(r);
        return 2;
    }
    mode_t mask = umask(0);
    umask(mask);
    int rc = write_export(r, o, fd, &err);
    if (rc == QUIRE_OK && (fchmod(fd, 0666 & ~mask) != 0 || fsync(fd) != 0))
        rc = quire_error_set(&err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
    if (close(fd) != 0 && rc == QUIRE_OK)
        rc = quire_error_set(&err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
    if (rc == QUIRE_OK)
        rc = put_in_place(tmp, argv[1], o->force, &handle, &err);
    cli_cleanup_remove(handle); /* -1 once renamed */
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        code = quire_exit_code(rc);
    }
    quire_reader_close(r);
    return code;
}
