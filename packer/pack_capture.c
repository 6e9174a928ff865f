/* SPDX-License-Identifier: ISC */
/* pack_capture.c: web captures as documents. Each HTTP(S) response (or resource) record with a
 * 2xx status becomes a document whose path comes from its URL and whose provenance (URL,
 * retrieval date, media type) comes from its WARC and HTTP headers; the WARC's revisits are
 * resolved within the capture. Paths are made unique in the order of the records, so the same
 * capture always gives the same bundle. A .wacz is a zip holding archive/ *.warc(.gz) and
 * datapackage.json, read with libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "pack_capture.h"
#include "pack_url.h"
#include "pack_warc.h"
#include "quire_text.h"
#include "common/quire_sha256.h"

bool pack_capture_keep_records;

/* ---- a string map (open addressing), for paths, URLs and digests ---- */

typedef struct smap {
    char **keys;
    size_t *vals;
    size_t n, cap;
} smap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t *smap_get(const smap *m, const char *k)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = hash_str(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == NULL)
            return NULL;
        if (strcmp(m->keys[i], k) == 0)
            return &m->vals[i];
    }
}

static int smap_grow(smap *m)
{
    smap g = {.cap = m->cap ? m->cap * 2 : 256};
    g.keys = calloc(g.cap, sizeof *g.keys);
    g.vals = calloc(g.cap, sizeof *g.vals);
    if (g.keys == NULL || g.vals == NULL) {
        free(g.keys);
        free(g.vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == NULL)
            continue;
        size_t j = hash_str(m->keys[i]) & (g.cap - 1);
        while (g.keys[j] != NULL)
            j = (j + 1) & (g.cap - 1);
        g.keys[j] = m->keys[i];
        g.vals[j] = m->vals[i];
    }
    g.n = m->n;
    free(m->keys);
    free(m->vals);
    *m = g;
    return 0;
}

/* Sets k to v (a copy of k is kept). Returns 0 or -1 (memory). */
static int smap_put(smap *m, const char *k, size_t v)
{
    size_t *slot = smap_get(m, k);
    if (slot != NULL) {
        *slot = v;
        return 0;
    }
    if ((m->n + 1) * 2 > m->cap && smap_grow(m) != 0)
        return -1;
    size_t i = hash_str(k) & (m->cap - 1);
    while (m->keys[i] != NULL)
        i = (i + 1) & (m->cap - 1);
    if ((m->keys[i] = strdup(k)) == NULL)
        return -1;
    m->vals[i] = v;
    m->n++;
    return 0;
}

static void smap_free(smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    *m = (smap){0};
}

/* ---- the captured documents ---- */

typedef struct cdoc {
    char *path, *fs;         /* bundle path; the file in the unpacking directory */
    char *rec_path, *rec_fs; /* its record, with --keep-records */
    char *url, *id;
    char date[21];
    int ymd[3];
    char media[128];
} cdoc;

static struct {
    cdoc *v;
    size_t n, cap;
    smap files, dirs; /* bundle paths taken, and their directories */
    smap by_path;     /* bundle path -> document */
    smap seen;        /* "sha256 URL" of each document: a second capture of both is skipped */
    smap digests;     /* WARC-Payload-Digest -> document, for revisits */
} cap;

/* What is skipped, summed up per reason with the first URL. */
typedef struct skip {
    char reason[96];
    char first[256];
    size_t count;
} skip;

typedef struct run {
    const char *arch;
    const pack_input *proto;
    pack_capture_push_fn push;
    void *ctx;
    char rec_tmp[4200];
    size_t files; /* files made in the unpacking directory */
    size_t again; /* pages already packed from this or an earlier capture */
    skip skips[16];
    size_t nskips;
} run;

static void skipped(run *r, const char *url, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skipped(run *r, const char *url, const char *fmt, ...)
{
    char reason[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    size_t i = 0;
    while (i < r->nskips && strcmp(r->skips[i].reason, reason) != 0)
        i++;
    if (i == r->nskips && r->nskips == sizeof r->skips / sizeof *r->skips)
        i--; /* more reasons than slots: counted with the last */
    if (i == r->nskips) {
        r->nskips++;
        snprintf(r->skips[i].reason, sizeof r->skips[i].reason, "%s", reason);
        snprintf(r->skips[i].first, sizeof r->skips[i].first, "%s", url);
    }
    r->skips[i].count++;
}

static void report_skips(const run *r)
{
    for (size_t i = 0; i < r->nskips; i++)
        pack_warn("%s: skipped %zu record%s: %s (the first: %s)", r->arch, r->skips[i].count,
                  r->skips[i].count == 1 ? "" : "s", r->skips[i].reason, r->skips[i].first);
}

/* ---- unique paths ---- */

/* p with "~N" before the extension of its last component (or at the end with whole). */
static void numbered(const char *p, size_t n, unsigned k, bool whole, pack_sbuf *out)
{
    const char *slash = memrchr(p, '/', n);
    const char *base = slash != NULL ? slash + 1 : p;
    const char *dot = whole ? NULL : memrchr(base, '.', n - (size_t)(base - p));
    size_t cut = dot != NULL && dot > base ? (size_t)(dot - p) : n;
    char num[16];
    *out = (pack_sbuf){0};
    pack_sbuf_put(out, p, cut);
    snprintf(num, sizeof num, "~%u", k);
    pack_sbuf_put(out, num, strlen(num));
    pack_sbuf_put(out, p + cut, n - cut);
}

static int take_path(const char *p)
{
    char dir[8192];
    size_t n = strlen(p);
    if (smap_put(&cap.files, p, 0) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '/')
            continue;
        memcpy(dir, p, i);
        dir[i] = '\0';
        if (smap_put(&cap.dirs, dir, 0) != 0)
            return -1;
    }
    return 0;
}

/* Makes want unique among the captures' paths: a directory that is already a file becomes
 * DIR~N, a file that is already a file or a directory NAME~N.EXT, with the smallest N from 2.
 * Returns the path (in out) or false when it breaks SPEC 4. */
static bool unique_path(const char *want, pack_sbuf *out)
{
    pack_sbuf p = {0}, t = {0};
    quire_error err;
    pack_sbuf_put(&p, want, strlen(want));
    for (size_t i = 0; i < p.n && !p.over; i++) {
        if (p.s[i] != '/')
            continue;
        p.s[i] = '\0';
        bool clash = smap_get(&cap.files, p.s) != NULL;
        p.s[i] = '/';
        for (unsigned k = 2; clash && !t.over; k++) {
            numbered(p.s, i, k, true, &t);
            clash = smap_get(&cap.files, t.s) != NULL;
            if (!clash) {
                size_t add = t.n - i;
                pack_sbuf_put(&t, p.s + i, p.n - i);
                p = t;
                i += add;
            }
        }
    }
    t = p;
    for (unsigned k = 2; !p.over && (smap_get(&cap.files, t.s) || smap_get(&cap.dirs, t.s)); k++)
        numbered(p.s, p.n, k, false, &t);
    *out = t;
    return !p.over && !t.over && quire_path_check(t.s, t.n, &err) == QUIRE_OK;
}

/* ---- records to documents ---- */

static char *join(const char *root, const char *name)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s", root, name) < 0 ? NULL : p;
}

static int add_doc(cdoc *d)
{
    if (cap.n == cap.cap) {
        size_t nc = cap.cap ? cap.cap * 2 : 64;
        cdoc *v = realloc(cap.v, nc * sizeof *v);
        if (v == NULL)
            return -1;
        cap.v = v;
        cap.cap = nc;
    }
    if (smap_put(&cap.by_path, d->path, cap.n) != 0)
        return -1;
    cap.v[cap.n++] = *d;
    return 0;
}

static void cdoc_free(cdoc *d)
{
    free(d->path), free(d->fs), free(d->rec_path), free(d->rec_fs), free(d->url), free(d->id);
}

/* With --keep-records, keeps the record file as the document's original, under the document's
 * path + ".warc". */
static int keep_record(run *r, cdoc *d, const char *rec_tmp)
{
    pack_sbuf want = {0}, got;
    char name[32];
    if (!pack_capture_keep_records)
        return 0;
    pack_sbuf_put(&want, d->path, strlen(d->path));
    pack_sbuf_put(&want, ".warc", 5);
    snprintf(name, sizeof name, "r%zu", ++r->files);
    if (!unique_path(want.s, &got) || take_path(got.s) != 0 ||
        (d->rec_path = strdup(got.s)) == NULL || (d->rec_fs = join(r->proto->root, name)) == NULL) {
        pack_warn("%s: %s: cannot keep its record (its path is too long, or out of memory)",
                  r->arch, d->url);
        return 2;
    }
    if (rename(rec_tmp, d->rec_fs) != 0) {
        pack_warn("%s: cannot unpack: %s", r->arch, strerror(errno));
        return 2;
    }
    return 0;
}

/* Names a new document after its URL and records it. d->fs, url, id, date, media are set. */
static int name_doc(run *r, cdoc *d, const char *rec_tmp)
{
    pack_sbuf got;
    char want[8192];
    if (!pack_url_path(d->url, want, sizeof want) || !unique_path(want, &got)) {
        skipped(r, d->url, "its URL gives no usable bundle path");
        return 1;
    }
    if (take_path(got.s) != 0 || (d->path = strdup(got.s)) == NULL) {
        pack_warn("out of memory");
        return 2;
    }
    return keep_record(r, d, rec_tmp);
}

/* The provenance fields a record gives its document; 1 (skipped) without a usable date. */
static int doc_fields(run *r, const pack_warc_record *rec, cdoc *d)
{
    if (rec->date == NULL || !pack_warc_date(rec->date, d->ymd, d->date)) {
        skipped(r, rec->uri, "no valid WARC-Date");
        return 1;
    }
    d->url = strdup(rec->uri);
    d->id = rec->id != NULL ? strdup(rec->id) : NULL;
    if (d->url == NULL || (rec->id != NULL && d->id == NULL)) {
        pack_warn("out of memory");
        return 2;
    }
    return 0;
}

/* A revisit of identical payload: the same content under the revisit's URL, taken from the
 * document of the record it refers to, when that is in the capture and has another URL. */
static int revisit(run *r, const pack_warc_record *rec, const char *rec_tmp)
{
    static const char suffix[] = "/identical-payload-digest";
    size_t pl = rec->profile != NULL ? strlen(rec->profile) : 0;
    if (pl < sizeof suffix || strcmp(rec->profile + pl - (sizeof suffix - 1), suffix) != 0) {
        skipped(r, rec->uri, "a revisit that holds no content (not modified)");
        return 0;
    }
    size_t *k = rec->payload_digest != NULL ? smap_get(&cap.digests, rec->payload_digest) : NULL;
    if (k == NULL) {
        skipped(r, rec->uri, "a revisit of content not in this capture nor in one given before it");
        return 0;
    }
    if (strcmp(cap.v[*k].url, rec->uri) == 0) {
        skipped(r, rec->uri, "a revisit of a URL already captured with the same content");
        r->again++;
        return 0;
    }
    cdoc d = {0}, *of = &cap.v[*k];
    snprintf(d.media, sizeof d.media, "%s", of->media);
    int rc = doc_fields(r, rec, &d);
    if (rc == 0 && (d.fs = strdup(of->fs)) == NULL)
        rc = 2;
    if (rc == 0 && (rc = name_doc(r, &d, rec_tmp)) == 0 && add_doc(&d) != 0)
        rc = 2;
    if (rc != 0)
        cdoc_free(&d);
    return rc == 1 ? 0 : rc;
}

/* Writes the document of a response or resource record to a file of its own. Returns 0, 1
 * when there is none (skipped), or 2. */
static int payload(run *r, const pack_warc_record *rec, const char *rec_tmp, cdoc *d, pack_http *h)
{
    char name[32], why[160];
    bool http = strcmp(rec->type, "response") == 0;
    snprintf(name, sizeof name, "d%zu", ++r->files);
    int in = open(rec_tmp, O_RDONLY | O_CLOEXEC);
    if ((d->fs = join(r->proto->root, name)) == NULL || in < 0) {
        pack_warn("%s: cannot unpack: %s", r->arch, in < 0 ? strerror(errno) : "out of memory");
        return 2;
    }
    int out = open(d->fs, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = out < 0 ? -2 : pack_warc_payload(in, rec, http, out, h, why, sizeof why);
    close(in);
    if (out >= 0 && close(out) != 0)
        rc = -2;
    if (rc == -2) {
        pack_warn("%s: cannot unpack: %s", r->arch, strerror(errno));
        return 2;
    }
    if (rc != 0) {
        unlink(d->fs);
        skipped(r, rec->uri, "%s%s", rc < 0 ? "cannot be decoded: " : "", why);
        return 1;
    }
    return 0;
}

/* A response or resource record: its document, unless the same URL was captured with the
 * same content before. */
static int response(run *r, const pack_warc_record *rec, const char *rec_tmp)
{
    cdoc d = {0};
    pack_http h;
    char key[8192], hex[65];
    int rc = doc_fields(r, rec, &d);
    if (rc == 0)
        rc = payload(r, rec, rec_tmp, &d, &h);
    if (rc == 0) {
        snprintf(d.media, sizeof d.media, "%s", h.media);
        sodium_bin2hex(hex, sizeof hex, h.sha256, sizeof h.sha256);
        snprintf(key, sizeof key, "%s %s", hex, d.url);
        if (smap_get(&cap.seen, key) != NULL) {
            unlink(d.fs);
            skipped(r, d.url, "the same URL captured again with the same content");
            r->again++;
            rc = 1;
        }
    }
    if (rc == 0 && (rc = name_doc(r, &d, rec_tmp)) == 0) {
        if (smap_put(&cap.seen, key, 0) != 0 || add_doc(&d) != 0 ||
            (rec->payload_digest != NULL && smap_get(&cap.digests, rec->payload_digest) == NULL &&
             smap_put(&cap.digests, rec->payload_digest, cap.n - 1) != 0)) {
            pack_warn("out of memory");
            return 2;
        }
        if (rec->truncated != NULL)
            pack_warn("%s: %s: packed, but the crawler cut it short (WARC-Truncated: %s)", r->arch,
                      d.url, rec->truncated);
        return 0;
    }
    cdoc_free(&d);
    return rc == 1 ? 0 : rc;
}

static bool web_uri(const char *u)
{
    return u != NULL && (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0);
}

static int on_record(void *ctx, const pack_warc_record *rec, const char *rec_tmp)
{
    run *r = ctx;
    const char *t = rec->type != NULL ? rec->type : "";
    bool doc = strcmp(t, "response") == 0 || strcmp(t, "resource") == 0;
    if ((!doc && strcmp(t, "revisit") != 0) || !web_uri(rec->uri))
        return 0; /* requests, metadata, warcinfo, and records of no web address */
    if (rec->segmented) {
        skipped(r, rec->uri, "a segmented record (not supported)");
        return 0;
    }
    if (doc && strcmp(t, "response") == 0 && rec->content_type != NULL &&
        strncasecmp(rec->content_type, "application/http", 16) != 0) {
        skipped(r, rec->uri, "a response that is not HTTP");
        return 0;
    }
    return doc ? response(r, rec, rec_tmp) : revisit(r, rec, rec_tmp);
}

/* Reads one WARC file on fd (name for messages). */
static int read_warc(run *r, int fd, const char *name)
{
    const char *arch = r->arch;
    r->arch = name;
    int rc = pack_warc_read(fd, name, r->rec_tmp, on_record, r);
    report_skips(r);
    r->nskips = 0;
    r->arch = arch;
    unlink(r->rec_tmp);
    return rc;
}

/* ---- .wacz: a zip of WARC files (archive/) and datapackage.json ---- */

typedef struct wfile {
    char *name, *fs;
    char sha[65];
} wfile;

typedef struct wacz {
    wfile *v;
    size_t n;
    char *package; /* datapackage.json */
    size_t package_len;
} wacz;

#define PACKAGE_MAX (16u << 20)

static bool is_warc_name(const char *n)
{
    size_t l = strlen(n);
    return strncmp(n, "archive/", 8) == 0 && ((l > 13 && strcasecmp(n + l - 5, ".warc") == 0) ||
                                              (l > 16 && strcasecmp(n + l - 8, ".warc.gz") == 0));
}

/* Copies the current entry's data to fd, hashing it (into sha) or keeping it (into *keep, at
 * most PACKAGE_MAX bytes). */
static int entry_data(struct archive *a, int fd, char *sha, char **keep, size_t *len)
{
    quire_sha256_state st;
    uint8_t buf[65536], h[32];
    la_ssize_t n;
    quire_sha256_init(&st);
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
        if (keep != NULL) {
            char *k = *len + (size_t)n <= PACKAGE_MAX ? realloc(*keep, *len + (size_t)n + 1) : NULL;
            if (k == NULL)
                return -1;
            memcpy(k + *len, buf, (size_t)n);
            *len += (size_t)n;
            k[*len] = '\0';
            *keep = k;
        } else if (write(fd, buf, (size_t)n) != n) {
            return -1;
        }
        quire_sha256_update(&st, buf, (size_t)n);
    }
    quire_sha256_final(&st, h);
    if (sha != NULL)
        sodium_bin2hex(sha, 65, h, sizeof h);
    return n < 0 ? -1 : 0;
}

static int wacz_entry(run *r, struct archive *a, struct archive_entry *ae, wacz *w)
{
    const char *name = archive_entry_pathname(ae);
    char fsname[32];
    if (name == NULL || archive_entry_filetype(ae) != AE_IFREG)
        return 0;
    if (strcmp(name, "datapackage.json") == 0 && w->package == NULL)
        return entry_data(a, -1, NULL, &w->package, &w->package_len) == 0 ? 0 : -1;
    if (!is_warc_name(name))
        return 0;
    wfile *v = realloc(w->v, (w->n + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    w->v = v;
    wfile *f = &w->v[w->n];
    snprintf(fsname, sizeof fsname, "w%zu", ++r->files);
    *f = (wfile){.name = strdup(name), .fs = join(r->proto->root, fsname)};
    w->n++;
    int fd = f->fs != NULL ? open(f->fs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    int rc = f->name == NULL || fd < 0 ? -1 : entry_data(a, fd, f->sha, NULL, NULL);
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    return rc;
}

/* Unzips the WARC files and datapackage.json. */
static int wacz_unzip(run *r, int fd, wacz *w)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    int rc = 2;
    if (a == NULL || archive_read_support_format_zip(a) != ARCHIVE_OK ||
        archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
        pack_warn("%s: not a readable WACZ (zip) file: %s", r->arch,
                  a != NULL ? archive_error_string(a) : "out of memory");
        goto out;
    }
    for (;;) {
        int ar = archive_read_next_header(a, &ae);
        if (ar == ARCHIVE_EOF)
            break;
        if ((ar != ARCHIVE_OK && ar != ARCHIVE_WARN) || wacz_entry(r, a, ae, w) != 0) {
            const char *e = archive_error_string(a);
            pack_warn("%s: cannot read: %s", r->arch, e != NULL ? e : strerror(errno));
            goto out;
        }
    }
    rc = 0;
out:
    archive_read_free(a);
    return rc;
}

/* WACZ 1.1: datapackage.json lists each file with "hash": "sha256:HEX"; a WARC file whose
 * bytes do not have the hash listed is refused. */
static int wacz_check(run *r, wacz *w)
{
    json_error_t je;
    json_t *j = w->package != NULL ? json_loadb(w->package, w->package_len, 0, &je) : NULL;
    json_t *res, *item;
    size_t k;
    int rc = 0;
    if (w->package == NULL)
        pack_warn("%s: warning: no datapackage.json: the WARC files are not checked", r->arch);
    else if (j == NULL)
        pack_warn("%s: warning: datapackage.json is not valid JSON: %s", r->arch, je.text);
    res = json_object_get(j, "resources");
    json_array_foreach(res, k, item)
    {
        const char *p = json_string_value(json_object_get(item, "path"));
        const char *h = json_string_value(json_object_get(item, "hash"));
        for (size_t i = 0; p != NULL && h != NULL && i < w->n && rc == 0; i++) {
            if (strcmp(w->v[i].name, p) != 0 || strncmp(h, "sha256:", 7) != 0 ||
                strcmp(h + 7, w->v[i].sha) == 0)
                continue;
            pack_warn("%s: entry %s: refused: datapackage.json gives its SHA-256 as %s, but it "
                      "is %s",
                      r->arch, p, h + 7, w->v[i].sha);
            rc = 2;
        }
    }
    json_decref(j);
    return rc;
}

static int by_wfile_name(const void *a, const void *b)
{
    return strcmp(((const wfile *)a)->name, ((const wfile *)b)->name);
}

static int read_wacz(run *r, int fd)
{
    wacz w = {0};
    int rc = wacz_unzip(r, fd, &w);
    if (rc == 0 && w.n == 0) {
        pack_warn("%s: refused: a WACZ file with no archive/*.warc or *.warc.gz in it", r->arch);
        rc = 2;
    }
    if (rc == 0)
        rc = wacz_check(r, &w);
    if (w.n > 1) /* qsort may not be given NULL, even for no elements */
        qsort(w.v, w.n, sizeof *w.v, by_wfile_name);
    for (size_t i = 0; i < w.n; i++) {
        char name[8192];
        snprintf(name, sizeof name, "%s: entry %s", r->arch, w.v[i].name);
        int wfd = rc == 0 ? open(w.v[i].fs, O_RDONLY | O_CLOEXEC) : -1;
        if (rc == 0 && wfd < 0) {
            pack_warn("%s: cannot read: %s", name, strerror(errno));
            rc = 2;
        }
        if (wfd >= 0) {
            rc = read_warc(r, wfd, name);
            close(wfd);
        }
        if (w.v[i].fs != NULL)
            unlink(w.v[i].fs);
        free(w.v[i].name), free(w.v[i].fs);
    }
    free(w.v);
    free(w.package);
    return rc;
}

/* ---- the capture as inputs ---- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcasecmp(s + n - k, suffix) == 0;
}

bool pack_capture_is(const char *path, int fd)
{
    uint8_t head[64], plain[8];
    if (has_suffix(path, ".warc") || has_suffix(path, ".warc.gz") || has_suffix(path, ".wacz"))
        return true;
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n >= 7 && memcmp(head, "WARC/1.", 7) == 0)
        return true;
    if (n < 18 || head[0] != 0x1f || head[1] != 0x8b)
        return false;
    z_stream z = {.next_in = head, .avail_in = (uInt)n, .next_out = plain, .avail_out = 7};
    if (inflateInit2(&z, 16 + 15) != Z_OK)
        return false;
    inflate(&z, Z_SYNC_FLUSH);
    bool warc = z.avail_out == 0 && memcmp(plain, "WARC/1.", 7) == 0;
    inflateEnd(&z);
    return warc;
}

/* Pushes the documents (and records) found from index first on as inputs. */
static int push_docs(run *r, size_t first)
{
    for (size_t i = first; i < cap.n; i++) {
        const cdoc *d = &cap.v[i];
        for (int k = 0; k < 2; k++) {
            const char *fs = k == 0 ? d->fs : d->rec_fs, *path = k == 0 ? d->path : d->rec_path;
            struct stat st;
            if (fs == NULL)
                continue;
            if (stat(fs, &st) != 0) {
                pack_warn("%s: cannot unpack: %s", r->arch, strerror(errno));
                return 2;
            }
            pack_input in = *r->proto;
            in.fs_path = (char *)fs;
            in.rel = strlen(r->proto->root) + 1;
            in.dev = st.st_dev;
            in.ino = st.st_ino;
            in.size = (uint64_t)st.st_size;
            in.exec = false;
            if (r->push(r->ctx, path, &in) != 0) {
                pack_warn("out of memory");
                return 2;
            }
        }
    }
    return 0;
}

int pack_capture_unpack(const char *arch, int fd, const pack_input *proto,
                        pack_capture_push_fn push, void *ctx)
{
    static run r;
    size_t first = cap.n;
    r = (run){.arch = arch, .proto = proto, .push = push, .ctx = ctx};
    snprintf(r.rec_tmp, sizeof r.rec_tmp, "%s/record", proto->root);
    int rc = has_suffix(arch, ".wacz") ? read_wacz(&r, fd) : read_warc(&r, fd, arch);
    /* A capture whose every page is already in the bundle (wget --warc-dedup after an earlier
     * crawl given before it) adds nothing, and is no mistake. */
    if (rc == 0 && cap.n == first && r.again == 0) {
        pack_warn("%s: refused: no web page in it (no HTTP response with a 2xx status)", arch);
        rc = 2;
    }
    return rc == 0 ? push_docs(&r, first) : rc;
}

/* ---- provenance ---- */

static size_t find(const pack_input *in, size_t n, const char *path)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(in[mid].bundle_path, path);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

/* The item of a captured document: CSL "webpage" (or "document" when not HTML), URL, the
 * WARC-Date as "accessed" and to the second in quire-capture with the record's id; the media
 * type from HTTP; "quire-title-guessed" asks pack_entry_meta for a title from the content. */
static json_t *doc_item(const cdoc *d)
{
    json_t *j = json_pack("{s:s, s:s, s:{s:[[i,i,i]]}, s:{s:s}, s:b}", "type",
                          strcmp(d->media, "text/html") == 0 ? "webpage" : "document", "URL",
                          d->url, "accessed", "date-parts", d->ymd[0], d->ymd[1], d->ymd[2],
                          "quire-capture", "date", d->date, "quire-title-guessed", 1);
    if (j != NULL && d->id != NULL)
        json_object_set_new(json_object_get(j, "quire-capture"), "record", json_string(d->id));
    if (j != NULL && d->media[0] != '\0')
        json_object_set_new(j, "quire-media-type", json_string(d->media));
    return j;
}

/* An item from the sources (a Zotero item matched by URL) keeps its fields and gains those
 * of the capture it lacks: URL, accessed, quire-capture, quire-media-type. */
static int complete_item(json_t *item, const cdoc *d)
{
    static const char *const keys[] = {"URL", "accessed", "quire-capture", "quire-media-type"};
    json_t *c = doc_item(d);
    if (c == NULL)
        return -1;
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        if (json_object_get(item, keys[k]) == NULL && json_object_get(c, keys[k]) != NULL)
            json_object_set(item, keys[k], json_object_get(c, keys[k]));
    json_decref(c);
    return 0;
}

/* Links document i to its record o, which becomes an original, unless the sources gave the
 * document an original of their own. */
static int link_record(const cdoc *d, size_t i, size_t o, pack_provenance *pv)
{
    if (pv->links[i] != QUIRE_LINK_NONE || pv->original[i])
        return 0;
    if (pv->items[o] != NULL && !pv->original[o]) {
        pack_warn("%s: described by the sources, but it is the record of %s (--keep-records)",
                  d->rec_path, d->path);
        return 2;
    }
    pv->links[i] = (uint32_t)o;
    pv->original[o] = true;
    return 0;
}

int pack_capture_provenance(const pack_input *in, size_t n, pack_provenance *pv)
{
    for (size_t k = 0; k < cap.n; k++) {
        const cdoc *d = &cap.v[k];
        size_t i = find(in, n, d->path);
        size_t o = d->rec_path != NULL ? find(in, n, d->rec_path) : SIZE_MAX;
        if (i == SIZE_MAX)
            continue;
        if (pv->items[i] == NULL ? (pv->items[i] = doc_item(d)) == NULL
                                 : complete_item(pv->items[i], d) != 0)
            goto nomem;
        if (o == SIZE_MAX)
            continue;
        if (link_record(d, i, o, pv) != 0)
            return 2;
        /* a record is described by its media type (also when -s links to it) */
        if (pv->original[o] && pv->items[o] == NULL &&
            (pv->items[o] = json_pack("{s:s}", "quire-media-type", "application/warc")) == NULL)
            goto nomem;
    }
    return 0;
nomem:
    pack_warn("out of memory");
    return 2;
}

const char *pack_capture_url(const char *bundle_path)
{
    size_t *k = smap_get(&cap.by_path, bundle_path);
    return k != NULL ? cap.v[*k].url : NULL;
}

void pack_capture_free(void)
{
    for (size_t i = 0; i < cap.n; i++)
        cdoc_free(&cap.v[i]);
    free(cap.v);
    smap_free(&cap.files);
    smap_free(&cap.dirs);
    smap_free(&cap.by_path);
    smap_free(&cap.seen);
    smap_free(&cap.digests);
    memset(&cap, 0, sizeof cap);
}
