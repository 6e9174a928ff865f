/* pack_create.c: quire-pack create. The bundle is written to a temporary file beside OUT,
 * synced and renamed over OUT only when complete: OUT is the old bundle or the new one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "pack.h"

#define SECKEY_FILE_MAX 4096

typedef struct create_opts {
    const char *key, *out, *meta, *sources, *comment, *pwfile;
    int level;
} create_opts;

/* The temporary bundle, removed by the signal handler if the packer is interrupted. */
static char tmp_path[4096];

static void on_signal(int sig)
{
    if (tmp_path[0] != '\0')
        unlink(tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static quire_seckey *load_seckey(const char *path, const char *pwfile)
{
    char text[SECKEY_FILE_MAX + 1];
    quire_seckey *sk = NULL;
    quire_error err;
    char *pw = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pack_warn("%s: cannot open secret key: %s", path, strerror(errno));
        return NULL;
    }
    ssize_t n = read(fd, text, SECKEY_FILE_MAX);
    close(fd);
    if (n < 0) {
        pack_warn("%s: cannot read secret key: %s", path, strerror(errno));
        return NULL;
    }
    int enc = quire_seckey_is_encrypted(text, (size_t)n, &err);
    if (enc > 0 && (pw = pack_passphrase(pwfile, false)) == NULL)
        goto out;
    if (enc < 0 || quire_seckey_parse(text, (size_t)n, pw, &sk, &err) != QUIRE_OK)
        pack_warn("%s: %s", path, err.msg);
out:
    sodium_memzero(text, sizeof text);
    if (pw != NULL)
        sodium_free(pw);
    return sk;
}

static json_t *load_json(const char *path, const char *what)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        pack_warn("%s: %s is not valid JSON: line %d: %s", path, what, je.line, je.text);
    return j;
}

/* Collection metadata: the user's object, plus the generator and, from SOURCE_DATE_EPOCH, the
 * creation time, unless the object sets them. */
static char *bundle_meta(const char *path)
{
    json_t *j = path != NULL ? load_json(path, "metadata") : json_object();
    char *text = NULL;
    if (j == NULL)
        return NULL;
    if (!json_is_object(j)) {
        pack_warn("%s: metadata must be a JSON object", path);
        goto out;
    }
    if (json_object_get(j, "generator") == NULL)
        json_object_set_new(j, "generator", json_string("quire-pack " QUIRE_VERSION_STRING));
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && json_object_get(j, "created") == NULL) {
        char *end;
        errno = 0;
        long long t = strtoll(sde, &end, 10);
        struct tm tm;
        char iso[32];
        time_t tt = (time_t)t;
        if (errno != 0 || *sde == '\0' || *end != '\0' || t < 0 || gmtime_r(&tt, &tm) == NULL) {
            pack_warn("SOURCE_DATE_EPOCH '%s' is not a number of seconds", sde);
            goto out;
        }
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(j, "created", json_string(iso));
    }
    text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
out:
    json_decref(j);
    return text;
}

static int find_input(const pack_input *in, size_t n, const char *path)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(in[mid].bundle_path, path);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Per-entry provenance from a CSL-JSON array (-s). Fills metas[i] (canonical JSON text) and
 * links[i] for every input an item names. */
typedef struct provenance {
    char **metas;
    uint32_t *links;
    bool *original;
} provenance;

static int attach_item(const char *src, size_t k, json_t *item, const pack_input *in, size_t n,
                       provenance *pv)
{
    json_t *files = json_object_get(item, "quire-files");
    json_t *orig = json_object_get(item, "quire-original");
    int oi = -1;
    size_t f;
    json_t *v;

    if (!json_is_array(files) || json_array_size(files) == 0) {
        pack_warn("%s: item %zu: field quire-files must be a non-empty array of bundle paths",
                  src, k);
        return 2;
    }
    if (orig != NULL && (!json_is_string(orig) ||
                         (oi = find_input(in, n, json_string_value(orig))) < 0)) {
        pack_warn("%s: item %zu: field quire-original names no packed file", src, k);
        return 2;
    }
    json_t *copy = json_deep_copy(item);
    json_object_del(copy, "quire-files");
    json_object_del(copy, "quire-original");
    json_array_foreach(files, f, v) {
        int i = json_is_string(v) ? find_input(in, n, json_string_value(v)) : -1;
        if (i < 0 || pv->metas[i] != NULL || pv->original[i]) {
            pack_warn("%s: item %zu: quire-files[%zu]: %s", src, k, f,
                      i < 0 ? "names no packed file" : "file described twice");
            json_decref(copy);
            return 2;
        }
        pv->metas[i] = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
        if (oi >= 0)
            pv->links[i] = (uint32_t)oi;
    }
    if (oi >= 0)
        pv->original[oi] = true;
    json_decref(copy);
    return 0;
}

static int load_sources(const char *path, const pack_input *in, size_t n, provenance *pv)
{
    size_t k;
    json_t *item;
    json_t *j = load_json(path, "sources");
    if (j == NULL)
        return 2;
    int rc = 0;
    if (!json_is_array(j)) {
        pack_warn("%s: sources must be a CSL-JSON array of items", path);
        rc = 2;
    }
    json_array_foreach(j, k, item) {
        if (rc != 0)
            break;
        if (!json_is_object(item)) {
            pack_warn("%s: item %zu: not a JSON object", path, k);
            rc = 2;
        } else {
            rc = attach_item(path, k, item, in, n, pv);
        }
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (pv->original[i] && pv->metas[i] != NULL) {
            pack_warn("%s: %s is both a document and an original", path, in[i].bundle_path);
            rc = 2;
        }
    }
    json_decref(j);
    return rc;
}

typedef struct fd_source {
    int fd;
    const char *name;
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
        *got = (size_t)n;
        return QUIRE_OK;
    }
}

/* Adds one input file: opened without following links, checked to be the regular file the
 * walk found, and read to exactly its size. */
static int add_file(quire_writer *w, const pack_input *in, const char *meta, uint32_t link,
                    bool original)
{
    quire_error err;
    struct stat st;
    int fd = open(in->fs_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        pack_warn("%s: cannot open: %s", in->fs_path, strerror(errno));
        return 2;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pack_warn("%s: no longer a regular file", in->fs_path);
        close(fd);
        return 2;
    }
    quire_entry_desc d = {
        .path = in->bundle_path,
        .role = original ? QUIRE_ROLE_ORIGINAL : QUIRE_ROLE_DOCUMENT,
        .flags = in->exec ? QUIRE_ENTRY_FLAG_EXEC : 0,
        .link = link,
        .meta = (const uint8_t *)meta,
        .meta_len = meta != NULL ? strlen(meta) : 0,
        .size = (uint64_t)st.st_size,
    };
    fd_source src = {fd, in->fs_path};
    int rc = quire_writer_add(w, &d, read_fd, &src, &err);
    close(fd);
    if (rc != QUIRE_OK) {
        pack_warn("%s", err.msg);
        return quire_exit_code(rc) ? quire_exit_code(rc) : 2;
    }
    return 0;
}

static int write_entries(quire_writer *w, const pack_input *in, size_t n, const provenance *pv)
{
    for (size_t i = 0; i < n; i++) {
        int rc = add_file(w, &in[i], pv->metas[i], pv->links[i], pv->original[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Makes the temporary file beside out, readable as the umask allows. */
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
    int fd = mkstemp(tmp_path);
    if (fd < 0) {
        tmp_path[0] = '\0';
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
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
                       const provenance *pv, const quire_seckey *sk)
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
    if ((rc = write_entries(w, in, n, pv)) != 0)
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
        pack_warn("%s: cannot rename the finished bundle into place: %s", o->out,
                  strerror(errno));
        goto out;
    }
    tmp_path[0] = '\0';
    sync_dir(o->out);
    sodium_bin2hex(hex, sizeof hex, quire_writer_fingerprint(w), QUIRE_FINGERPRINT_BYTES);
    printf("%s\n", hex);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (tmp_path[0] != '\0') {
        unlink(tmp_path);
        tmp_path[0] = '\0';
    }
    quire_writer_free(w);
    return rc;
}

static int create_run(const create_opts *o, char *const *inputs, int ninputs)
{
    pack_input *in = NULL;
    size_t n = 0;
    provenance pv = {0};
    quire_seckey *sk = NULL;
    char *meta = NULL;
    int rc = pack_collect(inputs, ninputs, &in, &n);

    if (rc != 0)
        return rc;
    rc = 2;
    pv.metas = calloc(n, sizeof *pv.metas);
    pv.links = malloc(n * sizeof *pv.links);
    pv.original = calloc(n, sizeof *pv.original);
    if (pv.metas == NULL || pv.links == NULL || pv.original == NULL) {
        pack_warn("out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        pv.links[i] = QUIRE_LINK_NONE;
    if ((meta = bundle_meta(o->meta)) == NULL)
        goto out;
    if (o->sources != NULL && load_sources(o->sources, in, n, &pv) != 0)
        goto out;
    if ((sk = load_seckey(o->key, o->pwfile)) == NULL)
        goto out;
    rc = pack_bundle(o, in, n, meta, &pv, sk);
out:
    quire_seckey_free(sk);
    for (size_t i = 0; pv.metas != NULL && i < n; i++)
        free(pv.metas[i]);
    free(pv.metas);
    free(pv.links);
    free(pv.original);
    free(meta);
    pack_inputs_free(in, n);
    return rc;
}

int pack_create(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"metadata", required_argument, NULL, 'm'},
                                         {"sources", required_argument, NULL, 's'},
                                         {"comment", required_argument, NULL, 't'},
                                         {"level", required_argument, NULL, 'l'},
                                         {"passphrase-file", required_argument, NULL, 'P'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    create_opts o = {.comment = "quire bundle", .level = 6};
    int c;

    while ((c = getopt_long(argc, argv, "k:o:m:s:t:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': o.key = optarg; break;
        case 'o': o.out = optarg; break;
        case 'm': o.meta = optarg; break;
        case 's': o.sources = optarg; break;
        case 't': o.comment = optarg; break;
        case 'P': o.pwfile = optarg; break;
        case 'l':
            if (optarg[0] < '0' || optarg[0] > '9' || optarg[1] != '\0') {
                pack_warn("create: --level must be a digit 0-9");
                return 2;
            }
            o.level = optarg[0] - '0';
            break;
        case 'h':
            pack_usage(stdout, true);
            return 0;
        default:
            pack_usage(stderr, false);
            return 2;
        }
    }
    if (o.key == NULL || o.out == NULL || optind >= argc) {
        pack_warn("create: %s", o.key == NULL   ? "-k KEY is required"
                                : o.out == NULL ? "-o OUT.quire is required"
                                                : "no INPUT given");
        pack_usage(stderr, false);
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    return create_run(&o, argv + optind, argc - optind);
}
