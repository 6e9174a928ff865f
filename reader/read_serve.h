/* SPDX-License-Identifier: ISC */
/* read_serve.h: quire-read serve, shared by its files: read_serve.c (the HTTP side, through
 * libmicrohttpd loaded with dlopen), read_serve_pages.c (quire's own pages), read_serve_doc.c
 * (documents, about pages, receipts) and read_html.c (the HTML and URL escapers). Nothing here
 * knows libmicrohttpd's types: a page is built from a serve_req into a serve_reply. */
#ifndef READ_SERVE_H
#define READ_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "read.h"

/* Documents up to this size are verified into memory; larger ones into an unnamed temporary
 * file, so memory stays bounded whatever the bundle holds. */
#define SERVE_MEMORY_BYTES (1u << 20)
/* Entries listed on one page of the tree. */
#define SERVE_PAGE_ENTRIES 200
/* Matching lines shown by the search page. */
#define SERVE_SEARCH_SHOWN 200

/* One bundle being served: authenticated once at start (whole index), read from then on. */
typedef struct serve_bundle {
    const char *path; /* as given on the command line */
    char prefix[24];  /* "" with one bundle, else "/b/N" */
    quire_reader *r;
    bool verified;        /* the signer was verified by a trusted key */
    const char *key_file; /* that key's file, or NULL */
    char key_id[17];      /* the signer's key id (not authenticated when !verified) */
    char fp[65];          /* the bundle fingerprint, hex */
    json_t *meta;         /* the collection metadata, parsed (an object) */
    json_t *timestamps;   /* its time-stamp tokens as read_tsa_check lists them, or NULL */
} serve_bundle;

typedef struct serve_state {
    serve_bundle *b;
    size_t nb;
    bool allow_scripts;
    bool any_signer;
} serve_state;

/* A request as the pages see it: the decoded path, and its query arguments by name. */
typedef struct serve_req {
    const char *url;
    const char *(*arg)(void *cls, const char *name);
    void *cls;
} serve_req;

/* What is sent: a status, a body in memory (malloc'd) or in a file (fd, size bytes), the
 * content type, and whether it is a bundle's document (the document's sandboxing policy) or one
 * of quire's pages. */
typedef struct serve_reply {
    unsigned status;
    char type[128];
    char *body;
    size_t len;
    int fd; /* -1 unless the body is in a file */
    uint64_t size;
    bool document;
    char disposition[160]; /* a Content-Disposition, or "" */
    char *location;        /* a redirect's Location (malloc'd), or NULL */
} serve_reply;

/* ---- read_html.c ---- */

/* Writes n bytes of bundle text s to f as HTML text or attribute value: first through
 * cli_escape (controls, bidirectional and invisible characters and invalid UTF-8 made visible,
 * newlines and tabs kept), then & < > " ' as character references. */
void html_esc(FILE *f, const char *s, size_t n);

/* html_esc of a NUL-terminated string; NULL writes nothing. */
void html_str(FILE *f, const char *s);

/* Writes n bytes of s percent-encoded for a URL path: every byte but ASCII letters, digits,
 * "-._~/" is %XX, so no bundle path can end an attribute or form another URL. */
void url_esc(FILE *f, const char *s, size_t n);

/* ---- read_serve_pages.c ---- */

/* Builds the reply to a GET or HEAD of req->url. Never fails: out of memory is a 500 page. */
void serve_route(const serve_state *st, const serve_req *req, serve_reply *out);

/* Starts an HTML page of quire's own: the head, the stylesheet link and the verification
 * banner. Returns the stream the page is written to (its text goes to out->body at
 * page_end), or NULL when out of memory. */
FILE *page_begin(serve_reply *out, const serve_state *st, const serve_bundle *b, const char *title);

/* Ends the page begun with page_begin: closes the stream and sets out->len. */
void page_end(FILE *f, serve_reply *out);

/* An error page with status and a message (bundle text, escaped) in out. */
void page_error(serve_reply *out, const serve_state *st, unsigned status, const char *what,
                const char *msg);

/* The 502 page of a document or bundle that failed verification: what failed and the SPEC
 * rule, nothing of the document. */
void page_damaged(serve_reply *out, const serve_state *st, const serve_bundle *b, const char *path,
                  const quire_error *err);

/* The first entry whose path does not sort before key (byte order, as the index is sorted). */
uint32_t serve_lower_bound(const quire_index *idx, const char *key);

/* Writes "1.2 MiB"-style size text. */
void page_size(FILE *f, uint64_t n);

/* ---- read_serve_doc.c ---- */

/* GET /d/PATH: the document, once its unit hashes and SHA-256 verified. */
void serve_document(const serve_state *st, const serve_bundle *b, const char *path,
                    serve_reply *out);

/* GET /about/PATH: provenance, SHA-256, citations, receipt link and the quote form. */
void serve_about(const serve_state *st, const serve_bundle *b, const char *path,
                 const serve_req *req, serve_reply *out);

/* GET /receipt/PATH: the armoured receipt (SPEC 10.3) as a download. */
void serve_receipt(const serve_state *st, const serve_bundle *b, const char *path,
                   serve_reply *out);

/* ---- shared with quote, search and cite (read_text.c, read_cite.c) ---- */

/* Searches every document of r for query (search's matching, whole words with words) into
 * *out: {"matches": [{path, line, column, snippet}...], "binary_matches": [...], "truncated":
 * [...]}. Returns 0, or an exit code with err filled (2 and an empty err->msg: the query or the
 * text module; *why then says what). */
int read_search_run(quire_reader *r, const char *bundle, const char *query, bool words,
                    json_t **out, quire_error *err, const char **why);

/* Checks passage against entry i as quote does into *out ({found, match_count, matches,
 * near_match...}); same returns as read_search_run. */
int read_quote_run(quire_reader *r, const char *bundle, uint32_t i, const char *passage,
                   json_t **out, quire_error *err, const char **why);

/* The citation of verified entry i of r in format (text, bibtex, csl-json), with the receipt's
 * base64 when receipt is not NULL; malloc'd text, or NULL when out of memory or the metadata
 * does not parse. */
char *read_cite_string(quire_reader *r, uint32_t i, const char *format, const char *receipt,
                       size_t receipt_len);

#endif
