/* SPDX-License-Identifier: ISC */
/* pack_url.c: a web capture's URL as a bundle path that satisfies SPEC 4 on every system:
 * readable where the URL is (percent escapes decoded when the name stays valid), encoded where
 * it is not, and never a separator, "." or ".." that the URL did not mean as one. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pack_url.h"
#include "quire.h"

void pack_sbuf_put(pack_sbuf *b, const char *p, size_t n)
{
    if (b->n + n >= sizeof b->s) {
        b->over = true;
        return;
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = '\0';
}

/* Bytes kept as they are when a name is percent-encoded: RFC 3986's unreserved characters
 * and the sub-delimiters, which every file system accepts, and '%' itself. */
static bool safe_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-._~!$&'()*+,;=@%", c) != NULL;
}

static void put_encoded(pack_sbuf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        char hex[4];
        if (c != '\0' && safe_byte(c)) {
            pack_sbuf_put(b, p + i, 1);
        } else {
            snprintf(hex, sizeof hex, "%%%02X", c);
            pack_sbuf_put(b, hex, 3);
        }
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'                     ? c - '0'
           : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                    : -1;
}

/* seg[0..n) percent-decoded into out (cap >= n + 1); returns the length. */
static size_t pct_decode(const char *seg, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (seg[i] == '%' && i + 2 < n && hexval(seg[i + 1]) >= 0 && hexval(seg[i + 2]) >= 0) {
            out[o++] = (char)(hexval(seg[i + 1]) * 16 + hexval(seg[i + 2]));
            i += 2;
        } else {
            out[o++] = seg[i];
        }
    }
    out[o] = '\0';
    return o;
}

/* One path segment as a component: decoded when that gives a printable UTF-8 name that is a
 * valid component (SPEC 4: no '/', '\', control, "." or ".."), else percent-encoded. */
static void put_segment(pack_sbuf *b, const char *seg, size_t n)
{
    char dec[8192];
    quire_error err;
    if (n >= sizeof dec) {
        b->over = true;
        return;
    }
    size_t d = pct_decode(seg, n, dec);
    /* Also encoded: the characters Windows does not allow in a name. */
    if (d > 0 && memchr(dec, '\0', d) == NULL && strpbrk(dec, "/:?*<>|\"") == NULL &&
        quire_path_check(dec, d, &err) == QUIRE_OK)
        pack_sbuf_put(b, dec, d);
    else
        put_encoded(b, seg, n);
}

/* The segments of path (up to the query), dot segments resolved (RFC 3986 5.2.4), empty ones
 * dropped; a path ending in '/' (or empty) names index.html. */
static void put_path(pack_sbuf *b, const char *path, size_t len)
{
    size_t start[512], end[512], k = 0;
    bool dir = len == 0 || path[len - 1] == '/';
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        char dec[8];
        size_t d = j - i < 7 ? pct_decode(path + i, j - i, dec) : 7;
        if (d == 1 && dec[0] == '.')
            dir = dir || j == len;
        else if (d == 2 && dec[0] == '.' && dec[1] == '.')
            k = k > 0 ? k - 1 : 0, dir = dir || j == len;
        else if (j > i && k < 512)
            start[k] = i, end[k++] = j;
        else if (j > i)
            b->over = true;
        i = j + 1;
    }
    for (size_t s = 0; s < k; s++) {
        pack_sbuf_put(b, "/", 1);
        put_segment(b, path + start[s], end[s] - start[s]);
    }
    if (dir || k == 0)
        pack_sbuf_put(b, "/index.html", 11);
}

/* The bundle path of a URL: host (lower case; _PORT for a port that is not the scheme's
 * default), the path's segments, index.html for a directory, the query appended as %3F and
 * percent-encoded; the fragment dropped. Only http and https URLs; false for others. */
static bool url_path(const char *url, pack_sbuf *b)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    if (!https && strncasecmp(url, "http://", 7) != 0)
        return false;
    const char *a = url + (https ? 8 : 7);
    const char *pend = a + strcspn(a, "/?#");
    const char *at = memchr(a, '@', (size_t)(pend - a));
    if (at != NULL)
        a = at + 1; /* user information is not part of the name */
    const char *colon = NULL;
    for (const char *p = a; p < pend; p++)
        if (*p == ':' && memchr(a, ']', (size_t)(pend - a)) <= (const void *)p)
            colon = p;
    const char *hend = colon != NULL ? colon : pend;
    if (hend == a)
        return false;
    *b = (pack_sbuf){0};
    for (const char *p = a; p < hend; p++) {
        char c = (char)(*p >= 'A' && *p <= 'Z' ? *p | 0x20 : *p);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')
            pack_sbuf_put(b, &c, 1);
        else
            put_encoded(b, &c, 1);
    }
    if (colon != NULL && colon + 1 < pend &&
        strspn(colon + 1, "0123456789") == (size_t)(pend - colon - 1) &&
        (size_t)(pend - colon - 1) != 0 &&
        strncmp(colon + 1, https ? "443" : "80", (size_t)(pend - colon - 1)) != 0) {
        pack_sbuf_put(b, "_", 1);
        pack_sbuf_put(b, colon + 1, (size_t)(pend - colon - 1));
    }
    const char *q = pend + strcspn(pend, "?#");
    put_path(b, pend, (size_t)(q - pend));
    if (*q == '?') {
        pack_sbuf_put(b, "%3F", 3);
        put_encoded(b, q + 1, strcspn(q + 1, "#"));
    }
    return !b->over;
}

bool pack_url_path(const char *url, char *out, size_t cap)
{
    static pack_sbuf b;
    if (!url_path(url, &b) || b.n >= cap)
        return false;
    memcpy(out, b.s, b.n + 1);
    return true;
}
