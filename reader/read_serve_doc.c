/* SPDX-License-Identifier: ISC */
/* read_serve_doc.c: what serve sends of one document. Its bytes are collected through the
 * verified walk (each unit's hash checked before it is inflated) into memory, or into an
 * unnamed temporary file when it is over SERVE_MEMORY_BYTES, and handed to the HTTP side only
 * after the walk's end, once the document's SHA-256 matched: a document that fails gets the
 * 502 page and no byte of it. The about page (provenance, SHA-256, citations, receipt, the
 * quote form) and the receipt download vouch for the content too, so they walk it first. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "read_serve.h"

typedef struct spool {
    uint64_t size;
    uint8_t *buf; /* in memory, size bytes */
    size_t len;
    int fd; /* or in a temporary file */
} spool;

static int spool_begin(void *ctx, uint32_t i, quire_error *err)
{
    spool *s = ctx;
    (void)i;
    if (s->size <= SERVE_MEMORY_BYTES) {
        s->buf = malloc(s->size > 0 ? (size_t)s->size : 1);
        return s->buf != NULL ? QUIRE_OK : quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    const char *dir = getenv("TMPDIR");
    s->fd = open(dir != NULL && *dir == '/' ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (s->fd < 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot make a temporary file: %s",
                               strerror(errno));
    return QUIRE_OK;
}

static int spool_data(void *ctx, uint32_t i, const uint8_t *p, size_t n, quire_error *err)
{
    spool *s = ctx;
    (void)i;
    if (n > s->size - s->len) /* the walk gives exactly size bytes */
        return quire_error_set(err, QUIRE_E_FORMAT, "more bytes than the entry's size");
    if (s->fd < 0) {
        memcpy(s->buf + s->len, p, n);
        s->len += n;
        return QUIRE_OK;
    }
    while (n > 0) {
        ssize_t k = write(s->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return quire_error_set(err, QUIRE_E_IO, "cannot write a temporary file: %s",
                                   k < 0 ? strerror(errno) : "no space");
        p += k, n -= (size_t)k, s->len += (size_t)k;
    }
    return QUIRE_OK;
}

static void spool_free(spool *s)
{
    free(s->buf);
    if (s->fd >= 0)
        close(s->fd);
    s->buf = NULL;
    s->fd = -1;
}

/* The entry a document URL names: PATH as stored, else PATH/index.html (PATH "" or ending in
 * '/'). Returns 0 with *i set, 1 when PATH is a directory with an index.html to be asked for
 * with a final '/', 2 when it is a directory without one (shown in the tree), -1 when there is
 * nothing. */
static int find_doc(const quire_index *idx, const char *path, uint32_t *i)
{
    size_t n = strlen(path);
    bool slash = n == 0 || path[n - 1] == '/';
    if (!slash && quire_index_find(idx, path, i) == QUIRE_OK)
        return 0;
    char *p = malloc(n + sizeof "/index.html");
    if (p == NULL)
        return -1;
    memcpy(p, path, n);
    strcpy(p + n, slash ? "index.html" : "/index.html");
    int rc = quire_index_find(idx, p, i) == QUIRE_OK ? (slash ? 0 : 1) : -1;
    if (rc < 0) { /* any entry under PATH/ makes it a directory */
        p[n + !slash] = '\0';
        uint32_t k = serve_lower_bound(idx, p);
        if (k < idx->entry_count && strncmp(idx->entries[k].path, p, n + !slash) == 0)
            rc = 2;
    }
    free(p);
    return rc;
}

/* The signed media type when it can be a header value (printable ASCII), else
 * application/octet-stream: the browser gets no chance to guess (nosniff). */
static void media_type(quire_reader *r, uint32_t i, char *buf, size_t cap)
{
    json_t *m = NULL;
    const uint8_t *mb;
    size_t ml;
    quire_error err;
    if (quire_reader_entry_meta(r, i, &mb, &ml, &err) == QUIRE_OK && ml > 0)
        m = json_loadb((const char *)mb, ml, 0, NULL);
    const char *t = json_string_value(json_object_get(m, "quire-media-type"));
    bool ok = t != NULL && t[0] != '\0' && strlen(t) < cap;
    for (const char *p = t; ok && *p; p++)
        ok = *p >= 0x20 && *p < 0x7F;
    snprintf(buf, cap, "%s", ok ? t : "application/octet-stream");
    json_decref(m);
}

static void not_here(const serve_state *st, serve_reply *out)
{
    page_error(out, st, 404, "Not found", "No document of the bundle has this path.");
}

void serve_document(const serve_state *st, const serve_bundle *b, const char *path,
                    serve_reply *out)
{
    uint32_t i;
    quire_error err;
    int found = find_doc(quire_reader_index(b->r), path, &i);
    if (found < 0)
        return not_here(st, out);
    if (found > 0) { /* relative links inside it resolve against the directory */
        size_t n = strlen(path), len;
        FILE *f = open_memstream(&out->location, &len);
        if (f != NULL) {
            fprintf(f, found == 1 ? "%s/d/" : "%s/?dir=", b->prefix);
            url_esc(f, path, n);
            fputs(n > 0 && path[n - 1] != '/' ? "/" : "", f);
            if (fclose(f) != 0)
                free(out->location), out->location = NULL;
        }
        return page_error(out, st, found == 1 ? 301 : 302, "Moved", "This is a directory.");
    }
    const quire_entry *e = &quire_reader_index(b->r)->entries[i];
    spool s = {.size = e->size, .fd = -1};
    quire_walk_ops ops = {spool_begin, spool_data, NULL};
    int rc = read_walk_one(b->r, i, &ops, &s, &err);
    if (rc != QUIRE_OK) {
        spool_free(&s);
        return page_damaged(out, st, b, e->path, &err);
    }
    out->status = 200;
    out->document = true;
    media_type(b->r, i, out->type, sizeof out->type);
    if (s.fd >= 0) {
        out->fd = s.fd, out->size = s.len;
    } else {
        out->body = (char *)s.buf, out->len = s.len;
    }
}

/* ---- the about page ---- */

/* The provenance members a reader looks for first, then the others. */
static const char *const first_keys[] = {"title",    "author",          "URL",       "issued",
                                         "accessed", "container-title", "publisher", NULL};
static const char *const labels[] = {"Title",     "Authors",      "Source URL", "Issued",
                                     "Retrieved", "Published in", "Publisher",  NULL};

static void meta_row(FILE *f, const char *label, json_t *v)
{
    char *text = read_meta_text(v);
    fputs("<dt>", f);
    html_str(f, label);
    fputs("</dt><dd>", f);
    html_str(f, text);
    fputs("</dd>\n", f);
    free(text);
}

static void provenance(FILE *f, json_t *meta)
{
    const char *key;
    json_t *v;
    fputs("<h2>Provenance</h2>\n<dl>\n", f);
    for (size_t k = 0; first_keys[k] != NULL; k++)
        if ((v = json_object_get(meta, first_keys[k])) != NULL)
            meta_row(f, labels[k], v);
    json_object_foreach(meta, key, v)
    {
        bool known = false;
        for (size_t k = 0; first_keys[k] != NULL; k++)
            known = known || strcmp(key, first_keys[k]) == 0;
        if (!known)
            meta_row(f, key, v);
    }
    fputs("</dl>\n", f);
}

static void citations(FILE *f, const serve_bundle *b, uint32_t i)
{
    static const char *const formats[] = {"text", "bibtex", "csl-json"};
    static const char *const names[] = {"Text", "BibTeX", "CSL-JSON"};
    fputs("<h2>Cite it</h2>\n", f);
    for (size_t k = 0; k < 3; k++) {
        char *c = read_cite_string(b->r, i, formats[k], NULL, 0);
        fprintf(f, "<h3>%s</h3>\n<pre>", names[k]);
        html_str(f, c != NULL ? c : "(cannot be made)");
        fputs("</pre>\n", f);
        free(c);
    }
}

static void quote_result(FILE *f, json_t *res)
{
    json_t *h;
    size_t k;
    bool found = json_is_true(json_object_get(res, "found"));
    fprintf(f, "<p role=\"status\" class=\"status %s\"><strong>%s</strong></p>\n",
            found ? "ok" : "bad",
            found ? "Found: the passage is in the verified document."
                  : "Not found: the passage is not in the verified document.");
    fputs("<ul>\n", f);
    json_array_foreach(json_object_get(res, "matches"), k, h)
    {
        fprintf(f, "<li>line %lld, column %lld: ",
                (long long)json_integer_value(json_object_get(h, "line")),
                (long long)json_integer_value(json_object_get(h, "column")));
        html_str(f, json_string_value(json_object_get(h, "context")));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
    json_t *near = json_object_get(res, "near_match");
    if (near != NULL) {
        fputs("<p>Closest passage (", f);
        html_str(f, json_string_value(json_object_get(near, "reason")));
        fputs("): ", f);
        html_str(f, json_string_value(json_object_get(near, "context")));
        fputs("</p>\n", f);
    }
}

static void quote_form(FILE *f, const serve_bundle *b, uint32_t i, const char *quote)
{
    fputs("<h2>Check a quotation</h2>\n<form method=\"get\" action=\"\">\n"
          "<label for=\"quote\">Passage</label>\n"
          "<textarea id=\"quote\" name=\"quote\" rows=\"3\">",
          f);
    html_str(f, quote);
    fputs("</textarea>\n<button type=\"submit\">Check</button>\n</form>\n", f);
    if (quote == NULL || quote[0] == '\0')
        return;
    json_t *res = NULL;
    quire_error err;
    const char *why = NULL;
    memset(&err, 0, sizeof err);
    int code = read_quote_run(b->r, b->path, i, quote, &res, &err, &why);
    if (code != 0) {
        fputs("<p role=\"alert\">", f);
        html_str(f, why != NULL ? why : err.msg);
        fputs("</p>\n", f);
    } else {
        quote_result(f, res);
    }
    json_decref(res);
}

static void about_facts(FILE *f, const serve_state *st, const serve_bundle *b, uint32_t i)
{
    const quire_entry *e = &quire_reader_index(b->r)->entries[i];
    char sha[65], mt[128];
    for (int k = 0; k < QUIRE_SHA256_BYTES; k++)
        snprintf(sha + 2 * k, 3, "%02x", e->sha256[k]);
    media_type(b->r, i, mt, sizeof mt);
    fputs(b->verified && !st->any_signer
              ? "<p class=\"status ok\"><strong>Verified:</strong> the content matches its "
                "SHA-256, and the bundle's signature is by a trusted key.</p>\n"
              : "<p class=\"status bad\"><strong>Content checked, signer NOT verified:</strong> "
                "the content matches the bundle's index, which anyone could have made.</p>\n",
          f);
    fprintf(f, "<dl>\n<dt>Path</dt><dd><a href=\"%s/d/", b->prefix);
    url_esc(f, e->path, e->path_len);
    fputs("\">", f);
    html_str(f, e->path);
    fputs("</a></dd>\n<dt>Media type</dt><dd>", f);
    html_str(f, mt);
    fputs("</dd>\n<dt>Size</dt><dd>", f);
    page_size(f, e->size);
    fprintf(f, " (%llu bytes)</dd>\n<dt>SHA-256</dt><dd><code>%s</code></dd>\n",
            (unsigned long long)e->size, sha);
    fputs("<dt>Bundle fingerprint</dt><dd><code>", f);
    html_str(f, b->fp);
    fputs("</code></dd>\n<dt>Signer</dt><dd>key ", f);
    html_str(f, b->key_id);
    fputs(b->verified ? " (verified)" : " (NOT verified)", f);
    fputs("</dd>\n</dl>\n", f);
}

static void receipt_link(FILE *f, const serve_bundle *b, const quire_entry *e)
{
    fputs("<h2>Receipt</h2>\n", f);
    if (!b->verified) {
        fputs("<p>No receipt: a receipt needs a signer verified by a trusted key (SPEC 10)."
              "</p>\n",
              f);
        return;
    }
    fprintf(f, "<p><a href=\"%s/receipt/", b->prefix);
    url_esc(f, e->path, e->path_len);
    fputs("\" download>Download the citation receipt</a>, which anyone can check without the "
          "bundle: <code>quire-read check-receipt -p KEY.pub FILE.receipt</code></p>\n",
          f);
}

void serve_about(const serve_state *st, const serve_bundle *b, const char *path,
                 const serve_req *req, serve_reply *out)
{
    uint32_t i;
    quire_error err;
    json_t *meta = NULL;
    if (quire_index_find(quire_reader_index(b->r), path, &i) != QUIRE_OK)
        return not_here(st, out);
    const quire_entry *e = &quire_reader_index(b->r)->entries[i];
    int rc = read_walk_one(b->r, i, NULL, NULL, &err);
    if (rc != QUIRE_OK)
        return page_damaged(out, st, b, e->path, &err);
    const uint8_t *mb;
    size_t ml;
    if (quire_reader_entry_meta(b->r, i, &mb, &ml, &err) == QUIRE_OK && ml > 0)
        meta = json_loadb((const char *)mb, ml, 0, NULL);
    if (meta == NULL)
        meta = json_object();
    const char *title = json_string_value(json_object_get(meta, "title"));
    out->status = 200;
    FILE *f = page_begin(out, st, b, title != NULL ? title : e->path);
    if (f == NULL) {
        json_decref(meta);
        return page_error(out, st, 500, "Out of memory", "The page could not be made.");
    }
    fputs("<h1>", f);
    html_str(f, title != NULL ? title : e->path);
    fputs("</h1>\n", f);
    about_facts(f, st, b, i);
    provenance(f, meta);
    citations(f, b, i);
    receipt_link(f, b, e);
    quote_form(f, b, i, req->arg(req->cls, "quote"));
    json_decref(meta);
    page_end(f, out);
}

/* "NAME.receipt" from the path's last component, every byte but [A-Za-z0-9._-] as '_'. */
static void receipt_name(const char *path, char *buf, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t n = 0;
    for (; *base && n + sizeof ".receipt" < cap && n < 100; base++, n++) {
        char c = *base;
        buf[n] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '.' || c == '-' || c == '_'
                     ? c
                     : '_';
    }
    snprintf(buf + n, cap - n, ".receipt");
}

void serve_receipt(const serve_state *st, const serve_bundle *b, const char *path, serve_reply *out)
{
    uint32_t i;
    quire_error err;
    char *armour = NULL, name[128];
    size_t len;
    if (quire_index_find(quire_reader_index(b->r), path, &i) != QUIRE_OK)
        return not_here(st, out);
    if (!b->verified)
        return page_error(out, st, 403, "No receipt",
                          "A receipt needs a signer verified by a trusted key (SPEC 10).");
    const quire_entry *e = &quire_reader_index(b->r)->entries[i];
    int rc = read_walk_one(b->r, i, NULL, NULL, &err);
    if (rc != QUIRE_OK)
        return page_damaged(out, st, b, e->path, &err);
    if (read_receipt_make(b->r, b->path, i, &armour, &len) != 0)
        return page_error(out, st, 502, "No receipt",
                          "The receipt could not be made: the bundle's Merkle root does not "
                          "match its entries (SPEC 5.6), or out of memory.");
    receipt_name(e->path, name, sizeof name);
    out->status = 200;
    out->body = armour;
    out->len = len;
    snprintf(out->type, sizeof out->type, "text/plain; charset=utf-8");
    snprintf(out->disposition, sizeof out->disposition, "attachment; filename=\"%s\"", name);
}
