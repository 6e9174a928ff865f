/* SPDX-License-Identifier: ISC */
/* pack_match.c: a collection exported from a reference manager (Zotero's CSL-JSON) names no
 * bundle paths: its items are matched to documents by attachment file name, by the URL a
 * capture was made from, or by title against file names. The matched item is then attached
 * as if it had listed the paths in "quire-files" (pack_meta.c). */
#include <stdlib.h>
#include <string.h>

#include "pack_capture.h"
#include "pack_match.h"
#include "quire_text.h"

#define REPORT_MAX 10
#define TITLE_PREFIX_MIN 30

/* Adds a bundle path once. Returns 0 or -1 (memory). */
static int add_path(json_t *out, const char *path)
{
    size_t k;
    json_t *v;
    json_array_foreach(out, k, v)
    {
        if (strcmp(json_string_value(v), path) == 0)
            return 0;
    }
    return json_array_append_new(out, json_string(path));
}

static bool free_doc(const pack_provenance *pv, size_t i)
{
    return pv->items[i] == NULL && !pv->original[i];
}

static const char *base_of(const char *p, size_t n)
{
    const char *b = p;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '/' || p[i] == '\\')
            b = p + i + 1;
    return b;
}

/* How many trailing components (after the file name) the file path f[0..fn) and the bundle
 * path share. */
static size_t common_tail(const char *f, size_t fn, const char *bp)
{
    size_t i = fn, j = strlen(bp), k = 0;
    while (i > 0 && j > 0) {
        char a = f[i - 1] == '\\' ? '/' : f[i - 1];
        if (a != bp[j - 1])
            break;
        if (a == '/')
            k++;
        i--, j--;
    }
    return k;
}

/* The one document best matching one path of a "file" field, or SIZE_MAX. */
static size_t match_file(const char *f, size_t fn, const pack_input *in, size_t n,
                         const pack_provenance *pv)
{
    const char *base = base_of(f, fn);
    size_t blen = fn - (size_t)(base - f), best = SIZE_MAX, best_tail = 0;
    bool tie = false;
    for (size_t i = 0; i < n; i++) {
        const char *b = base_of(in[i].bundle_path, strlen(in[i].bundle_path));
        if (!free_doc(pv, i) || strlen(b) != blen || memcmp(b, base, blen) != 0)
            continue;
        size_t t = common_tail(f, fn, in[i].bundle_path);
        if (best == SIZE_MAX || t > best_tail)
            best = i, best_tail = t, tie = false;
        else if (t == best_tail)
            tie = true;
    }
    return tie ? SIZE_MAX : best;
}

static int by_file(json_t *item, const pack_input *in, size_t n, const pack_provenance *pv,
                   json_t *out)
{
    const char *f = json_string_value(json_object_get(item, "file"));
    while (f != NULL && *f != '\0') {
        size_t len = strcspn(f, ";");
        size_t s = 0, e = len;
        while (s < e && (f[s] == ' ' || f[s] == '\t'))
            s++;
        while (e > s && (f[e - 1] == ' ' || f[e - 1] == '\t'))
            e--;
        size_t i = e > s ? match_file(f + s, e - s, in, n, pv) : SIZE_MAX;
        if (i != SIZE_MAX && add_path(out, in[i].bundle_path) != 0)
            return -1;
        f += len + (f[len] == ';');
    }
    return 0;
}

/* A URL without its fragment and trailing '/', into buf. */
static void url_key(const char *u, char *buf, size_t cap)
{
    size_t n = strcspn(u, "#");
    while (n > 0 && u[n - 1] == '/')
        n--;
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), u);
}

static int by_url(json_t *item, const pack_input *in, size_t n, const pack_provenance *pv,
                  json_t *out)
{
    const char *url = json_string_value(json_object_get(item, "URL"));
    char want[8192], have[8192];
    if (url == NULL)
        return 0;
    url_key(url, want, sizeof want);
    for (size_t i = 0; i < n; i++) {
        const char *got = free_doc(pv, i) ? pack_capture_url(in[i].bundle_path) : NULL;
        if (got == NULL)
            continue;
        url_key(got, have, sizeof have);
        if (strcmp(want, have) == 0 && add_path(out, in[i].bundle_path) != 0)
            return -1;
    }
    return 0;
}

/* s[0..n) for comparison: ASCII letters in lower case, other ASCII that is not a letter or
 * digit as one space, other bytes (UTF-8) kept; no leading or trailing space. */
static size_t fold(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        bool word = c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        if (!word) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    }
    out[o] = '\0';
    return o;
}

/* Whether a file name stem names the title t (folded): equal, or ending with it after a word
 * boundary, or ending with its first TITLE_PREFIX_MIN or more bytes (Zotero cuts titles). */
static bool stem_matches(const char *s, size_t sn, const char *t, size_t tn)
{
    for (size_t i = 0; i < sn; i++) {
        if (i > 0 && s[i - 1] != ' ')
            continue;
        size_t rest = sn - i;
        if ((rest == tn || (rest >= TITLE_PREFIX_MIN && rest < tn)) && memcmp(s + i, t, rest) == 0)
            return true;
    }
    return false;
}

/* fold after Unicode full case folding and NFKC (utf8proc, through the text layer), so that a
 * title matches a file name in another case or normalisation form ("Étude", "e\u0301tude"). */
static size_t fold_unicode(const char *s, size_t n, char *out, size_t cap)
{
    quire_text raw = {0}, cf = {0};
    size_t k;
    if (quire_text_from_plain(s, n, &raw) == 0 &&
        quire_text_normalize(&raw, QUIRE_NORM_CASE, &cf) == 0)
        k = fold(cf.s, cf.len, out, cap);
    else
        k = fold(s, n, out, cap); /* out of memory: the bytes as they are */
    quire_text_free(&raw);
    quire_text_free(&cf);
    return k;
}

static int by_title(json_t *item, const pack_input *in, size_t n, const pack_provenance *pv,
                    json_t *out)
{
    const char *title = json_string_value(json_object_get(item, "title"));
    char t[1024], s[1024];
    size_t tn = title != NULL ? fold_unicode(title, strlen(title), t, sizeof t) : 0;
    if (tn == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!free_doc(pv, i))
            continue;
        const char *p = in[i].bundle_path, *b = base_of(p, strlen(p));
        const char *dot = strrchr(b, '.');
        size_t sn =
            fold_unicode(b, dot != NULL && dot > b ? (size_t)(dot - b) : strlen(b), s, sizeof s);
        if (stem_matches(s, sn, t, tn) && add_path(out, in[i].bundle_path) != 0)
            return -1;
    }
    return 0;
}

json_t *pack_match_item(json_t *item, const pack_input *in, size_t n, const pack_provenance *pv)
{
    int (*const rules[])(json_t *, const pack_input *, size_t, const pack_provenance *,
                         json_t *) = {by_file, by_url, by_title};
    json_t *out = json_array();
    for (size_t r = 0; out != NULL && r < sizeof rules / sizeof *rules; r++) {
        if (rules[r](item, in, n, pv, out) != 0) {
            json_decref(out);
            return NULL;
        }
        if (json_array_size(out) > 0)
            break;
    }
    return out;
}

void pack_match_report(const char *src, const pack_input *in, size_t n, const pack_provenance *pv)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!free_doc(pv, i) || pack_capture_url(in[i].bundle_path) != NULL)
            continue;
        if (++count <= REPORT_MAX)
            pack_warn("%s: no item describes %s", src, in[i].bundle_path);
    }
    if (count > REPORT_MAX)
        pack_warn("%s: ... and %zu more documents that no item describes", src, count - REPORT_MAX);
}
