/* SPDX-License-Identifier: ISC */
/* read_export.c: quire-read export [--format FMT] BUNDLE OUT, FMT tar, tar.gz, tar.zst, tar.xz
 * or zip, by default the one OUT's name ends with. The verified documents are written through
 * libarchive to a temporary file beside OUT, which is renamed into place only when every
 * entry's SHA-256 has matched (then the directory is synced, so the rename survives a crash);
 * an existing OUT is replaced only with --force. The temporary file is registered with
 * cli_cleanup (out_make_tmp, read_out.c), so a failure and SIGINT, SIGTERM or SIGHUP remove it
 * alike. With --with-metadata, the provenance goes in quire-metadata.json and the checksums in a
 * BagIt-style manifest-sha256.txt. This module is the reader's only libarchive user, and
 * libarchive only ever writes here. libarchive is loaded with dlopen when export runs, not
 * linked: it brings libxml2 and ICU (18 libraries), which made every other quire-read command
 * start 2.7 times slower. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "cli_cleanup.h"
#include "cli_progress.h"
#include "read.h"

#define TAR_RECORD_BYTES 10240 /* libarchive's and POSIX tar's default record */
/* A whole number of records, so that padding the last block to a record gives the bytes of
 * the default blocking. */
#define EXPORT_BLOCK_BYTES (100 * TAR_RECORD_BYTES)

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
    __typeof__(archive_write_set_options) *write_set_options;
    __typeof__(archive_write_set_bytes_per_block) *write_set_bytes_per_block;
    __typeof__(archive_write_set_bytes_in_last_block) *write_set_bytes_in_last_block;
    /* optional: a libarchive built without one fails only the formats that need it */
    __typeof__(archive_write_add_filter_gzip) *add_filter_gzip;
    __typeof__(archive_write_add_filter_zstd) *add_filter_zstd;
    __typeof__(archive_write_add_filter_xz) *add_filter_xz;
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
    LOAD(write_set_options, "archive_write_set_options");
    LOAD(write_set_bytes_per_block, "archive_write_set_bytes_per_block");
    LOAD(write_set_bytes_in_last_block, "archive_write_set_bytes_in_last_block");
    if (!ok) {
        read_fail(NULL, "export: this libarchive lacks a function export needs: %s", dlerror());
        return -1;
    }
    ar.add_filter_gzip =
        (__typeof__(ar.add_filter_gzip))dlsym(lib, "archive_write_add_filter_gzip");
    ar.add_filter_zstd =
        (__typeof__(ar.add_filter_zstd))dlsym(lib, "archive_write_add_filter_zstd");
    ar.add_filter_xz = (__typeof__(ar.add_filter_xz))dlsym(lib, "archive_write_add_filter_xz");
    return 0;
}
#undef LOAD

/* The formats export writes, by --format name or OUT's ending. */
typedef enum { FMT_TAR, FMT_TAR_GZ, FMT_TAR_ZST, FMT_TAR_XZ, FMT_ZIP } export_format;

static const struct {
    const char *name;
    export_format fmt;
} formats[] = {{"tar", FMT_TAR},         {"tar.gz", FMT_TAR_GZ}, {"tgz", FMT_TAR_GZ},
               {"tar.zst", FMT_TAR_ZST}, {"tzst", FMT_TAR_ZST},  {"tar.xz", FMT_TAR_XZ},
               {"txz", FMT_TAR_XZ},      {"zip", FMT_ZIP}};

#define NFORMATS (sizeof formats / sizeof formats[0])

/* The format --format names, else the one OUT's name ends with (".tar.gz", ".tgz", ...,
 * ignoring case). Returns 0, or -1 when there is none. */
static int pick_format(const char *opt, const char *out, export_format *fmt)
{
    size_t olen = strlen(out);
    for (size_t k = 0; k < NFORMATS; k++) {
        size_t n = strlen(formats[k].name);
        bool named = opt != NULL ? strcmp(opt, formats[k].name) == 0
                                 : olen > n + 1 && out[olen - n - 1] == '.' &&
                                       strcasecmp(out + olen - n, formats[k].name) == 0;
        if (named) {
            *fmt = formats[k].fmt;
            return 0;
        }
    }
    return -1;
}

typedef struct export_ctx {
    struct archive *a;
    const quire_index *idx;
    time_t mtime;
    cli_progress meter;
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
    cli_progress_add(&x->meter, n);
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

/* The "created" time of the bundle metadata (SPEC 5.5: YYYY, YYYY-MM, YYYY-MM-DD or
 * YYYY-MM-DDTHH:MM:SSZ, UTC), or 0 when it has none. */
static time_t created_time(const quire_index *idx)
{
    json_t *m = idx->bundle_meta_len
                    ? json_loadb((const char *)idx->bundle_meta, idx->bundle_meta_len, 0, NULL)
                    : NULL;
    const char *c = json_string_value(json_object_get(m, "created"));
    struct tm tm;
    int n = read_parse_time(c, &tm);
    json_decref(m);
    if (n < 1 || tm.tm_year < 70)
        return 0;
    time_t t = timegm(&tm);
    return t > 0 ? t : 0;
}

/* The members' time: SOURCE_DATE_EPOCH when set, else the bundle's "created" time, else 0, so
 * that the same bundle always exports to the same bytes. */
static time_t export_time(const quire_index *idx)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long t = sde != NULL ? strtoll(sde, &end, 10) : 0;
    return sde != NULL && *sde >= '0' && *sde <= '9' && *end == '\0' ? (time_t)t
                                                                     : created_time(idx);
}

/* Sets the archive format and compression. gzip writes no time in its header, so the output
 * depends on the bundle alone. */
static int set_format(struct archive *a, export_format fmt, quire_error *err)
{
    __typeof__(ar.add_filter_gzip) filter = fmt == FMT_TAR_GZ    ? ar.add_filter_gzip
                                            : fmt == FMT_TAR_ZST ? ar.add_filter_zstd
                                            : fmt == FMT_TAR_XZ  ? ar.add_filter_xz
                                                                 : NULL;
    if (fmt != FMT_TAR && fmt != FMT_ZIP && filter == NULL)
        return quire_error_set(err, QUIRE_E_IO, "this libarchive cannot compress the format");
    int r = fmt == FMT_ZIP ? ar.write_set_format_zip(a) : ar.write_set_format_pax_restricted(a);
    if (r == ARCHIVE_OK && filter != NULL)
        r = filter(a);
    if (r == ARCHIVE_OK && fmt == FMT_TAR_GZ)
        r = ar.write_set_options(a, "gzip:!timestamp");
    /* Write in blocks of 100 records rather than one (100 times fewer write calls), padding
     * the last one to a whole record as before: the same bytes. */
    if (r == ARCHIVE_OK && fmt != FMT_ZIP)
        r = ar.write_set_bytes_per_block(a, EXPORT_BLOCK_BYTES);
    if (r == ARCHIVE_OK && fmt != FMT_ZIP)
        r = ar.write_set_bytes_in_last_block(a, fmt == FMT_TAR ? TAR_RECORD_BYTES : 1);
    return r == ARCHIVE_OK ? QUIRE_OK : ar_error(a, err);
}

static int write_export(quire_reader *r, const read_opts *o, export_format fmt, int fd,
                        quire_error *err)
{
    export_ctx x = {.idx = quire_reader_index(r)};
    x.mtime = export_time(x.idx);
    x.a = ar.write_new();
    if (x.a == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    int rc = set_format(x.a, fmt, err);
    if (rc == QUIRE_OK && ar.write_open_fd(x.a, fd) != ARCHIVE_OK)
        rc = ar_error(x.a, err);
    quire_walk_ops ops = {e_begin, e_data, NULL};
    cli_progress_start(&x.meter, "exporting", x.idx->stream_size, !o->quiet);
    if (rc == QUIRE_OK)
        rc = quire_reader_walk(r, NULL, &ops, &x, err);
    cli_progress_end(&x.meter);
    if (rc == QUIRE_OK && o->with_metadata)
        rc = add_metadata(&x, r, err);
    if (rc == QUIRE_OK && ar.write_close(x.a) != ARCHIVE_OK)
        rc = ar_error(x.a, err);
    ar.write_free(x.a);
    return rc;
}

/* Writes n bytes in human units: "512 bytes", "1.2 MiB". */
static void print_size(FILE *f, uint64_t n)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = -1;
    while (v >= 1024 && u < 3)
        v /= 1024, u++;
    if (u < 0)
        fprintf(f, "%llu byte%s", (unsigned long long)n, n == 1 ? "" : "s");
    else
        fprintf(f, "%.1f %s", v, units[u]);
}

/* "quire-read: BUNDLE: exported 5 documents (1.2 MiB) to OUT". */
static void report(const char *bundle, const quire_index *idx, const char *out)
{
    fputs(PROG ": ", stderr);
    cli_escape_str(stderr, bundle, strlen(bundle), 0);
    fprintf(stderr, ": exported %u document%s (", idx->entry_count,
            idx->entry_count == 1 ? "" : "s");
    print_size(stderr, idx->stream_size);
    fputs(") to ", stderr);
    cli_escape_str(stderr, out, strlen(out), 0);
    fputc('\n', stderr);
}

int cmd_export(const read_opts *o, int argc, char **argv)
{
    int code = 0, handle;
    quire_error err;
    char tmp[4096];
    struct stat st;
    export_format fmt;
    if (argc != 2) {
        read_fail(NULL, "export: expected BUNDLE OUT");
        return 2;
    }
    if (pick_format(o->format, argv[1], &fmt) != 0) {
        if (o->format != NULL)
            read_fail(NULL, "export: unknown format '%s': use tar, tar.gz, tar.zst, tar.xz or zip",
                      o->format);
        else
            read_fail(NULL,
                      "export: %s: cannot tell the format from the name: end it with .tar, "
                      ".tar.gz, .tgz, .tar.zst, .tar.xz or .zip, or give --format",
                      argv[1]);
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
    int fd = out_make_tmp(argv[1], "export", tmp, sizeof tmp, &handle);
    if (fd < 0) {
        quire_reader_close(r);
        return 2;
    }
    int rc = write_export(r, o, fmt, fd, &err);
    rc = out_close_tmp_sync(fd, rc, !o->no_sync, &err);
    if (rc == QUIRE_OK)
        rc = out_put_in_place_sync(tmp, argv[1], o->force, !o->no_sync, &handle, &err);
    cli_cleanup_remove(handle); /* -1 once renamed */
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        code = quire_exit_code(rc);
    } else if (!o->quiet) {
        report(argv[0], quire_reader_index(r), argv[1]);
    }
    quire_reader_close(r);
    return code;
}
