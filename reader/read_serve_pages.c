/* SPDX-License-Identifier: ISC */
/* read_serve_pages.c: serve's routes and quire's own pages: the landing page of a bundle (its
 * metadata, signer and fingerprint, and its documents as a tree browsed one directory and one
 * page of SERVE_PAGE_ENTRIES at a time, so a bundle of a million entries costs one page), the
 * list of bundles when there are several, the search page and the error pages. Plain semantic
 * HTML with one small stylesheet and no script; the verification status is said in words.
 * Every string from a bundle goes through html_esc, every path in a URL through url_esc. */
#include <stdlib.h>
#include <string.h>

#include "read_serve.h"

static const char stylesheet[] =
    "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:0 1rem;"
    "color:#1a1a1a;background:#fff}\n"
    "a{color:#0645ad}a:focus{outline:2px solid #000}\n"
    "header{border-bottom:1px solid #999;margin-bottom:1rem}\n"
    "header a{font-weight:bold;text-decoration:none}\n"
    ".status{padding:.5rem 1rem;border:2px solid;border-radius:4px}\n"
    ".ok{border-color:#1b5e20;background:#e8f5e9}\n"
    ".bad{border-color:#b71c1c;background:#ffebee}\n"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}\n"
    "dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #ddd;"
    "vertical-align:top}\n"
    "td.n{text-align:right;white-space:nowrap}\n"
    "pre{background:#f5f5f5;padding:.5rem;overflow-x:auto;white-space:pre-wrap}\n"
    "code{overflow-wrap:anywhere}\n"
    "label{display:block;font-weight:bold}\n"
    "textarea,input[type=search]{width:100%;max-width:40rem;font:inherit}\n"
    "nav.pages a{margin-right:1rem}\n"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}\n";

FILE *page_begin(serve_reply *out, const serve_state *st, const serve_bundle *b,
                 const char *title)
{
    FILE *f = open_memstream(&out->body, &out->len);
    if (f == NULL)
        return NULL;
    snprintf(out->type, sizeof out->type, "text/html; charset=utf-8");
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    html_str(f, title);
    fputs(" - quire</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n"
          "<header><p><a href=\"/\">quire-read serve</a>",
          f);
    if (b != NULL && st->nb > 1) {
        fprintf(f, " &rsaquo; <a href=\"%s/\">", b->prefix);
        html_str(f, b->path);
        fputs("</a>", f);
    }
    if (b != NULL)
        fprintf(f, " &middot; <a href=\"%s/search\">Search</a>", b->prefix);
    fputs("</p></header>\n<main>\n", f);
    if (st->any_signer)
        fputs("<p class=\"status bad\" role=\"alert\"><strong>Unverified:</strong> this server "
              "runs with --any-signer. No signature was checked: anyone could have made these "
              "bundles. Hashes are still checked.</p>\n",
              f);
    return f;
}

void page_end(FILE *f, serve_reply *out)
{
    fputs("</main>\n</body>\n</html>\n", f);
    if (fclose(f) != 0) {
        free(out->body);
        out->body = NULL;
        out->len = 0;
    }
}

/* The last resort when not even a page can be made. */
static void plain_500(serve_reply *out)
{
    static const char msg[] = "500 out of memory\n";
    free(out->body);
    out->status = 500;
    out->body = strdup(msg);
    out->len = out->body != NULL ? sizeof msg - 1 : 0;
    snprintf(out->type, sizeof out->type, "text/plain; charset=utf-8");
}

void page_error(serve_reply *out, const serve_state *st, unsigned status, const char *what,
                const char *msg)
{
    char title[96];
    snprintf(title, sizeof title, "%u %s", status, what);
    out->status = status;
    FILE *f = page_begin(out, st, NULL, title);
    if (f == NULL) {
        plain_500(out);
        return;
    }
    fputs("<h1>", f);
    html_str(f, title);
    fputs("</h1>\n<p>", f);
    html_str(f, msg);
    fputs("</p>\n", f);
    page_end(f, out);
}

void page_damaged(serve_reply *out, const serve_state *st, const serve_bundle *b,
                  const char *path, const quire_error *err)
{
    out->status = 502;
    FILE *f = page_begin(out, st, b, "502 Verification failed");
    if (f == NULL) {
        plain_500(out);
        return;
    }
    fputs("<h1>502 Verification failed</h1>\n<p class=\"status bad\" role=\"alert\">"
          "<strong>Not verified:</strong> ",
          f);
    html_str(f, path);
    fputs(" failed verification, so none of it is sent.</p>\n<dl>\n<dt>Bundle</dt><dd>", f);
    html_str(f, b->path);
    fputs("</dd>\n<dt>What failed</dt><dd>", f);
    html_str(f, err->msg);
    fputs("</dd>\n<dt>Rule</dt><dd>", f);
    html_str(f, err->rule[0] != '\0' ? err->rule : "(none named)");
    fputs("</dd>\n</dl>\n", f);
    page_end(f, out);
}

void page_size(FILE *f, uint64_t n)
{
    char buf[64];
    read_size_text(buf, sizeof buf, n);
    buf[strcspn(buf, "(")] = '\0';
    size_t k = strlen(buf);
    if (k > 0 && buf[k - 1] == ' ')
        buf[k - 1] = '\0';
    html_str(f, buf);
}

/* ---- the landing page ---- */

/* A member of a token's JSON (read_tsa_check), or "?". */
static const char *token_str(json_t *t, const char *key)
{
    const char *v = json_string_value(json_object_get(t, key));
    return v != NULL ? v : "?";
}

/* Each time-stamp token, in words: trusted ones give the time they prove (SPEC 7.1). */
static void timestamps(FILE *f, json_t *list)
{
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        const char *status = token_str(t, "status");
        fputs("<dt>Time-stamp</dt><dd>", f);
        if (strcmp(status, "trusted") == 0) {
            fputs("existed no later than ", f);
            html_str(f, token_str(t, "time"));
        } else {
            fputs(strcmp(status, "unchecked") == 0 ? "NOT checked" : "UNTRUSTED, not counted",
                  f);
        }
        fputs(" (", f);
        html_str(f, token_str(t, "tsa"));
        fputs(")</dd>\n", f);
    }
}

/* The signer, key file, fingerprint and contents of b as a description list. */
static void bundle_facts(FILE *f, const serve_state *st, const serve_bundle *b)
{
    const quire_index *idx = quire_reader_index(b->r);
    if (b->verified && !st->any_signer) {
        fputs("<p class=\"status ok\"><strong>Verified:</strong> the signature is by a trusted "
              "key; every document is checked against its hashes before it is sent.</p>\n",
              f);
    } else if (!b->verified) {
        fputs("<p class=\"status bad\"><strong>Signer NOT verified:</strong> no trusted key "
              "signed this bundle.</p>\n",
              f);
    }
    fputs("<dl>\n<dt>Signer</dt><dd>key ", f);
    html_str(f, b->key_id);
    fputs(b->verified ? " (verified)" : " (NOT verified)", f);
    fputs("</dd>\n<dt>Trusted key file</dt><dd>", f);
    html_str(f, b->key_file != NULL ? b->key_file : "(none)");
    fputs("</dd>\n<dt>Fingerprint</dt><dd><code>", f);
    html_str(f, b->fp);
    fputs("</code></dd>\n", f);
    timestamps(f, b->timestamps);
    fprintf(f, "<dt>Contents</dt><dd>%u entries, ", idx->entry_count);
    page_size(f, idx->stream_size);
    fputs("</dd>\n", f);
}

/* The supersedes member: a link when the bundle it names is served too. */
static void supersedes(FILE *f, const serve_state *st, const char *fp)
{
    fputs("<dt>Supersedes</dt><dd>", f);
    for (size_t k = 0; k < st->nb; k++)
        if (strcmp(st->b[k].fp, fp) == 0) {
            fprintf(f, "<a href=\"%s/\">", st->b[k].prefix);
            html_str(f, st->b[k].path);
            fputs("</a> (fingerprint <code>", f);
            html_str(f, fp);
            fputs("</code>)</dd>\n", f);
            return;
        }
    fputs("the bundle with fingerprint <code>", f);
    html_str(f, fp);
    fputs("</code> (not served here)</dd>\n", f);
}

static void meta_item(FILE *f, const serve_state *st, const char *key, json_t *v)
{
    if (strcmp(key, "supersedes") == 0 && json_is_string(v)) {
        supersedes(f, st, json_string_value(v));
        return;
    }
    char *text = read_meta_text(v);
    fputs("<dt>", f);
    html_str(f, key);
    fputs("</dt><dd>", f);
    html_str(f, text);
    fputs("</dd>\n", f);
    free(text);
}

/* The collection metadata, the members a person looks for first in this order (as info shows
 * them), then the others; and the signature's comment. */
static void bundle_meta(FILE *f, const serve_state *st, const serve_bundle *b)
{
    static const char *const first[] = {"title",   "description", "creator",  "publisher",
                                        "created", "license",     "language", "version",
                                        "supersedes"};
    const size_t nfirst = sizeof first / sizeof first[0];
    const char *key;
    json_t *v;
    for (size_t k = 0; k < nfirst; k++)
        if ((v = json_object_get(b->meta, first[k])) != NULL)
            meta_item(f, st, first[k], v);
    json_object_foreach(b->meta, key, v)
    {
        size_t k = 0;
        while (k < nfirst && strcmp(key, first[k]) != 0)
            k++;
        if (k == nfirst)
            meta_item(f, st, key, v);
    }
    const quire_sig *s = quire_reader_signer(b->r);
    if (s == NULL)
        s = &quire_reader_sigblock(b->r)->sigs[0];
    fputs(b->verified ? "<dt>Trusted comment</dt><dd>" : "<dt>Comment (NOT verified)</dt><dd>", f);
    html_esc(f, (const char *)s->comment, s->comment_len);
    fputs("</dd>\n</dl>\n", f);
}

uint32_t serve_lower_bound(const quire_index *idx, const char *key)
{
    uint32_t lo = 0, hi = idx->entry_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (strcmp(idx->entries[mid].path, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *entry_title(quire_reader *r, uint32_t i, json_t **meta)
{
    const uint8_t *m;
    size_t len;
    quire_error err;
    *meta = NULL;
    if (quire_reader_entry_meta(r, i, &m, &len, &err) != QUIRE_OK || len == 0)
        return NULL;
    *meta = json_loadb((const char *)m, len, 0, NULL);
    return json_string_value(json_object_get(*meta, "title"));
}

static void tree_file(FILE *f, const serve_bundle *b, uint32_t i, const char *name)
{
    const quire_entry *e = &quire_reader_index(b->r)->entries[i];
    json_t *meta;
    const char *title = entry_title(b->r, i, &meta);
    fprintf(f, "<tr><td><a href=\"%s/d/", b->prefix);
    url_esc(f, e->path, e->path_len);
    fputs("\">", f);
    html_str(f, name);
    fputs("</a></td><td>", f);
    html_str(f, title);
    fputs("</td><td class=\"n\">", f);
    page_size(f, e->size);
    fprintf(f, "</td><td><a href=\"%s/about/", b->prefix);
    url_esc(f, e->path, e->path_len);
    fputs("\">about<span class=\"visually-hidden\"> ", f);
    html_str(f, name);
    fputs("</span></a></td></tr>\n", f);
    json_decref(meta);
}

static void tree_dir(FILE *f, const serve_bundle *b, const char *dir, const char *name, size_t n)
{
    fprintf(f, "<tr><td><a href=\"%s/?dir=", b->prefix);
    url_esc(f, dir, strlen(dir));
    url_esc(f, name, n);
    fputs("/\">", f);
    html_esc(f, name, n);
    fputs("/</a></td><td>directory</td><td></td><td></td></tr>\n", f);
}

/* The children of dir (files and subdirectories), page number page; returns whether there are
 * more after it. A subdirectory is skipped over by one binary search, so a page costs its own
 * entries, plus the files before it in this directory. */
static bool tree_rows(FILE *f, const serve_bundle *b, const char *dir, unsigned long page)
{
    const quire_index *idx = quire_reader_index(b->r);
    size_t dn = strlen(dir);
    unsigned long first = page * SERVE_PAGE_ENTRIES, shown = 0, child = 0;
    char *key = malloc(dn + 0x10000 + 2);
    if (key == NULL)
        return false;
    for (uint32_t k = serve_lower_bound(idx, dir); k < idx->entry_count;) {
        const quire_entry *e = &idx->entries[k];
        if (strncmp(e->path, dir, dn) != 0)
            break;
        const char *rest = e->path + dn, *slash = strchr(rest, '/');
        if (child >= first + SERVE_PAGE_ENTRIES) {
            free(key);
            return true;
        }
        bool show = child++ >= first;
        if (slash == NULL) {
            if (show)
                tree_file(f, b, k, rest), shown++;
            k++;
            continue;
        }
        if (show)
            tree_dir(f, b, dir, rest, (size_t)(slash - rest)), shown++;
        /* every path under DIR/NAME/ sorts before DIR/NAME0 ('0' follows '/') */
        size_t len = (size_t)(slash - e->path);
        memcpy(key, e->path, len);
        memcpy(key + len, "0", 2);
        k = serve_lower_bound(idx, key);
    }
    free(key);
    return false;
}

static const char *arg(const serve_req *req, const char *name)
{
    const char *v = req->arg(req->cls, name);
    return v != NULL ? v : "";
}

static void tree_nav(FILE *f, const serve_bundle *b, const char *dir, unsigned long page,
                     bool more)
{
    if (page == 0 && !more)
        return;
    fputs("<nav class=\"pages\" aria-label=\"Pages of this directory\">", f);
    if (page > 0) {
        fprintf(f, "<a rel=\"prev\" href=\"%s/?dir=", b->prefix);
        url_esc(f, dir, strlen(dir));
        fprintf(f, "&amp;page=%lu\">Previous page</a>", page - 1);
    }
    fprintf(f, "<span>Page %lu</span> ", page + 1);
    if (more) {
        fprintf(f, "<a rel=\"next\" href=\"%s/?dir=", b->prefix);
        url_esc(f, dir, strlen(dir));
        fprintf(f, "&amp;page=%lu\">Next page</a>", page + 1);
    }
    fputs("</nav>\n", f);
}

/* The directory dir ("" or ending in '/') as a table, with its breadcrumb. */
static void tree(FILE *f, const serve_bundle *b, const char *dir, unsigned long page)
{
    fputs("<h2 id=\"documents\">Documents</h2>\n<p>Directory: ", f);
    fprintf(f, "<a href=\"%s/\">(top)</a>", b->prefix);
    for (const char *p = dir, *s; (s = strchr(p, '/')) != NULL; p = s + 1) {
        fprintf(f, " / <a href=\"%s/?dir=", b->prefix);
        url_esc(f, dir, (size_t)(s - dir) + 1);
        fputs("\">", f);
        html_esc(f, p, (size_t)(s - p));
        fputs("</a>", f);
    }
    fputs("</p>\n<table>\n<thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Title</th>"
          "<th scope=\"col\">Size</th><th scope=\"col\">Details</th></tr></thead>\n<tbody>\n",
          f);
    bool more = tree_rows(f, b, dir, page);
    fputs("</tbody>\n</table>\n", f);
    tree_nav(f, b, dir, page, more);
}

static void search_form(FILE *f, const serve_bundle *b, const char *q)
{
    fprintf(f,
            "<form role=\"search\" method=\"get\" action=\"%s/search\">\n"
            "<label for=\"q\">Search the text of this bundle</label>\n"
            "<input type=\"search\" id=\"q\" name=\"q\" value=\"",
            b->prefix);
    html_str(f, q);
    fputs("\">\n<button type=\"submit\">Search</button>\n</form>\n", f);
}

static void landing(const serve_state *st, const serve_bundle *b, const serve_req *req,
                    serve_reply *out)
{
    const char *title = json_string_value(json_object_get(b->meta, "title"));
    const char *dir = arg(req, "dir");
    unsigned long page = strtoul(arg(req, "page"), NULL, 10);
    if (strcmp(dir, "/") == 0 || (dir[0] != '\0' && dir[strlen(dir) - 1] != '/'))
        dir = ""; /* only "" or "A/B/" name a directory */
    if (page > UINT32_MAX)
        page = 0;
    out->status = 200;
    FILE *f = page_begin(out, st, b, title != NULL ? title : b->path);
    if (f == NULL)
        return plain_500(out);
    fputs("<h1>", f);
    html_str(f, title != NULL ? title : b->path);
    fputs("</h1>\n", f);
    bundle_facts(f, st, b);
    bundle_meta(f, st, b);
    search_form(f, b, "");
    tree(f, b, dir, page);
    page_end(f, out);
}

/* Several bundles: one line each. */
static void landing_all(const serve_state *st, serve_reply *out)
{
    out->status = 200;
    FILE *f = page_begin(out, st, NULL, "Bundles");
    if (f == NULL)
        return plain_500(out);
    fputs("<h1>Bundles</h1>\n<table>\n<thead><tr><th scope=\"col\">Bundle</th>"
          "<th scope=\"col\">Title</th><th scope=\"col\">Signer</th>"
          "<th scope=\"col\">Entries</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t k = 0; k < st->nb; k++) {
        const serve_bundle *b = &st->b[k];
        fprintf(f, "<tr><td><a href=\"%s/\">", b->prefix);
        html_str(f, b->path);
        fputs("</a></td><td>", f);
        html_str(f, json_string_value(json_object_get(b->meta, "title")));
        fputs("</td><td>", f);
        html_str(f, b->key_id);
        fputs(b->verified ? " (verified)" : " (NOT verified)", f);
        fprintf(f, "</td><td class=\"n\">%u</td></tr>\n",
                quire_reader_index(b->r)->entry_count);
    }
    fputs("</tbody>\n</table>\n", f);
    page_end(f, out);
}

/* ---- search ---- */

static void search_results(FILE *f, const serve_bundle *b, json_t *res)
{
    json_t *m = json_object_get(res, "matches"), *h;
    size_t k;
    uint64_t found = (uint64_t)json_integer_value(json_object_get(res, "found"));
    fprintf(f, "<p role=\"status\">%llu matching line%s", (unsigned long long)found,
            found == 1 ? "" : "s");
    if (found > json_array_size(m))
        fprintf(f, ", the first %zu shown", json_array_size(m));
    fputs(".</p>\n<ol>\n", f);
    json_array_foreach(m, k, h)
    {
        const char *path = json_string_value(json_object_get(h, "path"));
        fprintf(f, "<li><a href=\"%s/d/", b->prefix);
        url_esc(f, path, strlen(path));
        fputs("\">", f);
        html_str(f, path);
        fprintf(f, "</a>, line %lld (<a href=\"%s/about/",
                (long long)json_integer_value(json_object_get(h, "line")), b->prefix);
        url_esc(f, path, strlen(path));
        fputs("\">about</a>): ", f);
        html_str(f, json_string_value(json_object_get(h, "snippet")));
        fputs("</li>\n", f);
    }
    fputs("</ol>\n", f);
    json_array_foreach(json_object_get(res, "binary_matches"), k, h)
    {
        fputs("<p>Binary document matches: ", f);
        html_str(f, json_string_value(h));
        fputs("</p>\n", f);
    }
}

static void search_page(const serve_state *st, const serve_bundle *b, const serve_req *req,
                        serve_reply *out)
{
    const char *q = arg(req, "q"), *why = NULL;
    json_t *res = NULL;
    quire_error err;
    memset(&err, 0, sizeof err);
    int code = q[0] != '\0' ? read_search_run(b->r, b->path, q, arg(req, "w")[0] == '1', &res,
                                              &err, &why)
                            : 0;
    if (code != 0 && why == NULL)
        return page_damaged(out, st, b, "A document searched", &err);
    out->status = code != 0 ? 400 : 200;
    FILE *f = page_begin(out, st, b, "Search");
    if (f == NULL) {
        json_decref(res);
        return plain_500(out);
    }
    fputs("<h1>Search</h1>\n", f);
    search_form(f, b, q);
    if (why != NULL) {
        fputs("<p role=\"alert\">", f);
        html_str(f, why);
        fputs("</p>\n", f);
    } else if (res != NULL) {
        search_results(f, b, res);
    }
    json_decref(res);
    page_end(f, out);
}

/* ---- routes ---- */

static void style(serve_reply *out)
{
    out->status = 200;
    out->body = strdup(stylesheet);
    out->len = out->body != NULL ? sizeof stylesheet - 1 : 0;
    snprintf(out->type, sizeof out->type, "text/css; charset=utf-8");
    if (out->body == NULL)
        plain_500(out);
}

static void not_found(const serve_state *st, serve_reply *out)
{
    page_error(out, st, 404, "Not found", "There is nothing at this address.");
}

static void route_bundle(const serve_state *st, const serve_bundle *b, const char *rest,
                         const serve_req *req, serve_reply *out)
{
    if (strcmp(rest, "/") == 0)
        landing(st, b, req, out);
    else if (strcmp(rest, "/search") == 0)
        search_page(st, b, req, out);
    else if (strncmp(rest, "/d/", 3) == 0)
        serve_document(st, b, rest + 3, out);
    else if (strncmp(rest, "/about/", 7) == 0)
        serve_about(st, b, rest + 7, req, out);
    else if (strncmp(rest, "/receipt/", 9) == 0)
        serve_receipt(st, b, rest + 9, out);
    else
        not_found(st, out);
}

void serve_route(const serve_state *st, const serve_req *req, serve_reply *out)
{
    const char *url = req->url;
    out->fd = -1;
    if (strcmp(url, "/style.css") == 0)
        return style(out);
    if (st->nb == 1)
        return route_bundle(st, &st->b[0], url, req, out);
    if (strcmp(url, "/") == 0)
        return landing_all(st, out);
    for (size_t k = 0; k < st->nb; k++) {
        size_t n = strlen(st->b[k].prefix);
        if (strncmp(url, st->b[k].prefix, n) != 0 || (url[n] != '/' && url[n] != '\0'))
            continue;
        if (url[n] == '\0') { /* "/b/2": its pages' relative links need "/b/2/" */
            if (asprintf(&out->location, "%s/", st->b[k].prefix) < 0)
                out->location = NULL;
            return page_error(out, st, 301, "Moved permanently",
                              "This bundle's pages are under its address with a final slash.");
        }
        return route_bundle(st, &st->b[k], url + n, req, out);
    }
    not_found(st, out);
}
