/* SPDX-License-Identifier: ISC */
/* pack_url.h: the bundle path of a captured URL. */
#ifndef PACK_URL_H
#define PACK_URL_H

#include <stdbool.h>
#include <stddef.h>

/* The bundle path of an http or https URL into out (cap bytes): host in lower case (_PORT for
 * a port that is not the scheme's default), the path's segments (dot segments resolved, empty
 * ones dropped, each percent-decoded when that gives a valid SPEC 4 component, else
 * percent-encoded), index.html for a directory, the query appended as %3F and percent-encoded;
 * the fragment dropped. Returns false for another scheme, no host, or a path that does not
 * fit; the result may still break SPEC 4 (too long a component): the caller checks it. */
bool pack_url_path(const char *url, char *out, size_t cap);

/* A bounded string for building paths: once something did not fit, over is set and the
 * string is left as it was (still NUL-terminated). */
typedef struct pack_sbuf {
    char s[8192];
    size_t n;
    bool over;
} pack_sbuf;

/* Appends n bytes of p to b, or sets b->over. */
void pack_sbuf_put(pack_sbuf *b, const char *p, size_t n);

#endif
