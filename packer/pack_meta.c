/* SPDX-License-Identifier: ISC */
/* pack_meta.c: collection metadata (-m), provenance from CSL-JSON (-s), and the media type and
 * title guessed for documents that no item describes. Everything is checked here, before a
 * byte of the bundle is written: bad metadata names its file, item and field. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "pack.h"
#include "pack_match.h"
#include "quire_text.h"

#define TITLE_MAX 200

/* The file is opened here, not by Jansson, so that a file that cannot be read is reported as
 * that, with the system's reason, rather than as "not valid JSON". */
static json_t *load_json(const char *path, const char *what)
{
    json_error_t je;
    int fd = pack_open_input(path);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (f == NULL) {
        if (fd >= 0) {
            pack_warn("%s: cannot read: %s", path, strerror(errno));
            close(fd);
        }
        return NULL;
    }
    json_t *j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL && ferror(f))
        pack_warn("%s: cannot read: %s", path, strerror(errno));
    else if (j == NULL)
        pack_warn("%s: %s is not valid JSON: line %d: %s", path, what, je.line, je.text);
    fclose(f);
    return j;
}

/* The optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions) of
 * a and b, or 3 when it is certainly more than 2: enough to suggest a near miss. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { CAP = 64 };
    size_t n = strlen(a), m = strlen(b);
    size_t d[CAP + 1][CAP + 1];
    if (n > CAP || m > CAP || (n > m ? n - m : m - n) > 2)
        return 3;
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1, v = d[i - 1][j - 1] + cost;
            v = d[i - 1][j] + 1 < v ? d[i - 1][j] + 1 : v;
            v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[n][m];
}

/* The key among known[0..n) that name is a near miss of (distance at most 2, the closest, the
 * first of equals), or NULL. */
static const char *near_miss(const char *name, const char *const *known, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t k = 0; k < n; k++) {
        size_t d = edit_distance(name, known[k]);
        if (d < best_d) {
            best = known[k];
            best_d = d;
        }
    }
    return best;
}

/* Warns about one key that no reference tool knows (where: the file, and the item if any),
 * suggesting the known key it is a near miss of. */
static void warn_unknown(const char *where, const char *key, const char *const *known, size_t n)
{
    const char *near = near_miss(key, known, n);
    if (near != NULL)
        pack_warn("%s: unknown key \"%s\": did you mean \"%s\"?", where, key, near);
    else
        pack_warn("%s: unknown key \"%s\": packed, but no reference tool gives it a meaning", where,
                  key);
}

/* SPEC 5.5: the members of bundle metadata that the reference tools use. */
static const char *const bundle_keys[] = {"title",   "description", "creator",
                                          "license", "language",    "version",
                                          "created", "supersedes",  "generator"};
#define N_BUNDLE_KEYS (sizeof bundle_keys / sizeof *bundle_keys)

/* SPEC 5.5 and 10: the quire- members of a CSL-JSON item. */
static const char *const item_keys[] = {"quire-files",      "quire-original",      "quire-unknown",
                                        "quire-media-type", "quire-title-guessed", "quire-capture"};
#define N_ITEM_KEYS (sizeof item_keys / sizeof *item_keys)

/* Unknown members are packed (readers ignore what they do not know, SPEC 5.5), but a typo such
 * as "licence" would silently lose the field's meaning: each one gets a warning. */
static void warn_unknown_bundle_keys(const char *path, json_t *j)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        bool known = false;
        for (size_t k = 0; k < N_BUNDLE_KEYS && !known; k++)
            known = strcmp(key, bundle_keys[k]) == 0;
        if (!known)
            warn_unknown(path, key, bundle_keys, N_BUNDLE_KEYS);
    }
}

/* CSL-JSON has many fields, which are not checked; a member beginning with "quire-" is ours,
 * and one we do not know is a typo that would otherwise be packed as metadata. */
static void warn_unknown_item_keys(const char *src, size_t k, json_t *item)
{
    char where[4200];
    const char *key;
    json_t *v;
    snprintf(where, sizeof where, "%s: item %zu", src, k);
    json_object_foreach(item, key, v)
    {
        bool known = strncmp(key, "quire-", 6) != 0;
        for (size_t i = 0; i < N_ITEM_KEYS && !known; i++)
            known = strcmp(key, item_keys[i]) == 0;
        if (!known)
            warn_unknown(where, key, item_keys, N_ITEM_KEYS);
    }
}

/* Reads exactly n digits at s. */
static bool digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

static int days_in(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* "YYYY", "YYYY-MM", "YYYY-MM-DD" (a real day), and with time also "YYYY-MM-DDTHH:MM:SSZ". */
static bool iso_date_ok(const char *s, bool time)
{
    int y, mo, d, h, mi, se;
    size_t len = strlen(s);
    if (!digits(s, 4, &y))
        return false;
    if (len == 4)
        return true;
    if (s[4] != '-' || len < 7 || !digits(s + 5, 2, &mo) || mo < 1 || mo > 12)
        return false;
    if (len == 7)
        return true;
    if (s[7] != '-' || len < 10 || !digits(s + 8, 2, &d) || d < 1 || d > days_in(y, mo))
        return false;
    if (len == 10)
        return true;
    return time && len == 20 && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z' &&
           digits(s + 11, 2, &h) && digits(s + 14, 2, &mi) && digits(s + 17, 2, &se) && h < 24 &&
           mi < 60 && se < 61;
}

/* A CSL-JSON date: {"date-parts": [[Y, M, D]] (one or two ranges)}, {"raw": "YYYY-MM-DD"} or
 * {"literal": "..."}; "season" and "circa" may accompany them. */
static bool csl_date_ok(json_t *d)
{
    json_t *parts = json_object_get(d, "date-parts"), *range, *v;
    json_t *raw = json_object_get(d, "raw"), *lit = json_object_get(d, "literal");
    size_t i, k;
    if (!json_is_object(d))
        return false;
    if (lit != NULL)
        return json_is_string(lit);
    if (raw != NULL)
        return json_is_string(raw) && iso_date_ok(json_string_value(raw), false);
    if (!json_is_array(parts) || json_array_size(parts) < 1 || json_array_size(parts) > 2)
        return false;
    json_array_foreach(parts, i, range)
    {
        if (!json_is_array(range) || json_array_size(range) < 1 || json_array_size(range) > 3)
            return false;
        json_array_foreach(range, k, v)
        {
            static const long long lo[3] = {-9999, 1, 1}, hi[3] = {9999, 12, 31};
            int parsed = 0;
            const char *str = json_string_value(v);
            size_t sl = str != NULL ? strlen(str) : 0;
            long long x = json_is_integer(v) ? json_integer_value(v)
                          : sl > 0 && sl <= 4 && digits(str, (int)sl, &parsed) ? parsed
                                                                               : lo[k] - 1;
            if (x < lo[k] || x > hi[k])
                return false;
        }
    }
    return true;
}

static const char *const csl_date_fields[] = {"issued", "accessed", "original-date", "submitted",
                                              "event-date"};

static int check_item(const char *src, size_t k, json_t *item)
{
    for (size_t f = 0; f < sizeof csl_date_fields / sizeof *csl_date_fields; f++) {
        json_t *d = json_object_get(item, csl_date_fields[f]);
        if (d != NULL && !csl_date_ok(d)) {
            pack_warn("%s: item %zu: field %s: not a CSL date (use {\"date-parts\": [[2016, 5, "
                      "2]]} or {\"raw\": \"2016-05-02\"})",
                      src, k, csl_date_fields[f]);
            return 2;
        }
    }
    json_t *url = json_object_get(item, "URL");
    if (url != NULL && !json_is_string(url)) {
        pack_warn("%s: item %zu: field URL: not a string", src, k);
        return 2;
    }
    return 0;
}

static int check_bundle_fields(const char *path, json_t *j)
{
    json_t *created = json_object_get(j, "created"), *sup = json_object_get(j, "supersedes");
    if (created != NULL &&
        (!json_is_string(created) || !iso_date_ok(json_string_value(created), true))) {
        pack_warn("%s: field created: not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", path);
        return 2;
    }
    const char *s = json_string_value(sup);
    size_t n = 0;
    while (s != NULL && (isdigit((unsigned char)s[n]) || (s[n] >= 'a' && s[n] <= 'f')))
        n++;
    if (sup != NULL && (s == NULL || n != 2 * QUIRE_FINGERPRINT_BYTES || s[n] != '\0')) {
        pack_warn("%s: field supersedes: not a bundle fingerprint (64 lower-case hex digits, as "
                  "quire-read info prints)",
                  path);
        return 2;
    }
    return 0;
}

/* SOURCE_DATE_EPOCH as an ISO 8601 UTC time, or NULL after a message. */
static json_t *source_date(const char *sde)
{
    char *end, iso[32];
    struct tm tm;
    errno = 0;
    long long t = strtoll(sde, &end, 10);
    time_t tt = (time_t)t;
    if (errno != 0 || *sde < '0' || *sde > '9' || *end != '\0' || gmtime_r(&tt, &tm) == NULL) {
        pack_warn("SOURCE_DATE_EPOCH '%s' is not a number of seconds", sde);
        return NULL;
    }
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(iso);
}

/* Sets "supersedes" from --supersedes; the file's own value may only repeat it. */
static int set_supersedes(const char *path, json_t *j, const char *fpr)
{
    const char *own = json_string_value(json_object_get(j, "supersedes"));
    if (own != NULL && strcmp(own, fpr) != 0) {
        pack_warn("%s: field supersedes: %s, but --supersedes names the bundle %s; remove the "
                  "field or the option",
                  path, own, fpr);
        return 2;
    }
    json_object_set_new(j, "supersedes", json_string(fpr));
    return 0;
}

char *pack_bundle_meta(const char *path, const char *supersedes)
{
    json_t *j = path != NULL ? load_json(path, "metadata") : json_object();
    char *text = NULL;
    if (j == NULL)
        return NULL;
    if (!json_is_object(j)) {
        pack_warn("%s: metadata must be a JSON object", path);
        goto out;
    }
    if (path != NULL && check_bundle_fields(path, j) != 0)
        goto out;
    if (path != NULL)
        warn_unknown_bundle_keys(path, j);
    if (supersedes != NULL && set_supersedes(path, j, supersedes) != 0)
        goto out;
    json_object_set_new(j, "generator", json_string("quire-pack " QUIRE_VERSION_STRING));
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    json_t *created = sde != NULL ? source_date(sde) : NULL; /* checked even if unused */
    if (sde != NULL && created == NULL)
        goto out;
    if (created != NULL && json_object_get(j, "created") == NULL)
        json_object_set_new(j, "created", created);
    else
        json_decref(created);
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

static int attach_item(const char *src, size_t k, json_t *item, const pack_input *in, size_t n,
                       pack_provenance *pv)
{
    json_t *files = json_object_get(item, "quire-files");
    json_t *orig = json_object_get(item, "quire-original");
    int oi = -1;
    size_t f;
    json_t *v;

    warn_unknown_item_keys(src, k, item); /* first: a misspelt quire-files is why it is missing */
    if (!json_is_array(files) || json_array_size(files) == 0) {
        pack_warn("%s: item %zu: field quire-files: must be a non-empty array of bundle paths", src,
                  k);
        return 2;
    }
    if (orig != NULL &&
        (!json_is_string(orig) || (oi = find_input(in, n, json_string_value(orig))) < 0)) {
        pack_warn("%s: item %zu: field quire-original: names no packed file", src, k);
        return 2;
    }
    if (check_item(src, k, item) != 0)
        return 2;
    json_array_foreach(files, f, v)
    {
        int i = json_is_string(v) ? find_input(in, n, json_string_value(v)) : -1;
        if (i < 0 || pv->items[i] != NULL || i == oi) {
            pack_warn("%s: item %zu: field quire-files[%zu]: %s%s", src, k, f,
                      json_is_string(v) ? json_string_value(v) : "(not a string)",
                      i < 0 ? ": names no packed file" : ": file described twice");
            return 2;
        }
        pv->items[i] = json_deep_copy(item);
        json_object_del(pv->items[i], "quire-files");
        json_object_del(pv->items[i], "quire-original");
        if (oi >= 0)
            pv->links[i] = (uint32_t)oi;
    }
    if (oi >= 0)
        pv->original[oi] = true;
    return 0;
}

/* An item without "quire-files" (a Zotero export): matched to documents (pack_match.c), then
 * attached as if it had named them; its "file" field, a path on the exporter's disk, is not
 * packed. Returns 0 (a match or not: *matched says), or 2. */
static int match_item(const char *src, size_t k, json_t *item, const pack_input *in, size_t n,
                      pack_provenance *pv, bool *matched)
{
    json_t *files = pack_match_item(item, in, n, pv);
    json_t *copy = json_deep_copy(item);
    int rc = 2;
    *matched = false;
    if (files == NULL || copy == NULL) {
        pack_warn("out of memory");
    } else if (json_array_size(files) == 0) {
        const char *t = json_string_value(json_object_get(item, "title"));
        pack_warn("%s: item %zu%s%s%s: matched no document by file name, URL or title", src, k,
                  t != NULL ? " (\"" : "", t != NULL ? t : "", t != NULL ? "\")" : "");
        rc = 0;
    } else {
        json_object_set(copy, "quire-files", files);
        json_object_del(copy, "file");
        rc = attach_item(src, k, copy, in, n, pv);
        *matched = rc == 0;
    }
    json_decref(files);
    json_decref(copy);
    return rc;
}

/* Items that name their files first, so that a match never takes a file named elsewhere. */
static int attach_all(const char *path, json_t *j, const pack_input *in, size_t n,
                      pack_provenance *pv, bool *matching)
{
    size_t k;
    json_t *item;
    for (int pass = 0; pass < 2; pass++) {
        json_array_foreach(j, k, item)
        {
            bool named = json_object_get(item, "quire-files") != NULL, matched;
            int rc = 0;
            if (!json_is_object(item)) {
                if (pass == 0)
                    pack_warn("%s: item %zu: not a JSON object", path, k);
                rc = pass == 0 ? 2 : 0;
            } else if (named && pass == 0) {
                rc = attach_item(path, k, item, in, n, pv);
            } else if (!named && pass == 1) {
                *matching = true;
                rc = match_item(path, k, item, in, n, pv, &matched);
            }
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

int pack_sources_load(const char *path, const pack_input *in, size_t n, pack_provenance *pv)
{
    json_t *j = load_json(path, "sources");
    bool matching = false;
    int rc = 0;
    if (j == NULL)
        return 2;
    if (!json_is_array(j)) {
        pack_warn("%s: sources must be a CSL-JSON array of items", path);
        rc = 2;
    }
    if (rc == 0)
        rc = attach_all(path, j, in, n, pv, &matching);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (pv->original[i] && pv->items[i] != NULL) {
            pack_warn("%s: %s is both a described document and an original", path,
                      in[i].bundle_path);
            rc = 2;
        }
    }
    if (rc == 0 && matching)
        pack_match_report(path, in, n, pv);
    json_decref(j);
    return rc;
}

int pack_provenance_init(pack_provenance *pv, size_t n)
{
    pv->n = n;
    pv->items = calloc(n ? n : 1, sizeof *pv->items);
    pv->links = malloc((n ? n : 1) * sizeof *pv->links);
    pv->original = calloc(n ? n : 1, sizeof *pv->original);
    if (pv->items == NULL || pv->links == NULL || pv->original == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        pv->links[i] = QUIRE_LINK_NONE;
    return 0;
}

void pack_provenance_free(pack_provenance *pv)
{
    for (size_t i = 0; pv->items != NULL && i < pv->n; i++)
        json_decref(pv->items[i]);
    free(pv->items);
    free(pv->links);
    free(pv->original);
}

/* ---- guesses for documents without an item ---- */

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

static const char *media_by_magic(const uint8_t *h, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *type;
    } magics[] = {{"%PDF-", 5, "application/pdf"},      {"\x89PNG\r\n\x1a\n", 8, "image/png"},
                  {"\xff\xd8\xff", 3, "image/jpeg"},    {"GIF8", 4, "image/gif"},
                  {"PK\x03\x04", 4, "application/zip"}, {"\x1f\x8b", 2, "application/gzip"}};
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
        if (n >= magics[i].len && memcmp(h, magics[i].magic, magics[i].len) == 0)
            return magics[i].type;
    return NULL;
}

static bool looks_html(const uint8_t *h, size_t n)
{
    size_t i = 0;
    while (i < n && isspace(h[i]))
        i++;
    /* "<!DOCTYPE html", not any DOCTYPE: an XML or SGML document is not HTML. */
    return (n - i >= 15 && strncasecmp((const char *)h + i, "<!doctype html", 14) == 0 &&
            (h[i + 14] == '>' || isspace(h[i + 14]))) ||
           (n - i >= 5 && strncasecmp((const char *)h + i, "<html", 5) == 0);
}

/* The length of h without a UTF-8 sequence cut off by the end of the sample. */
static size_t complete_prefix(const uint8_t *h, size_t n)
{
    size_t i = n, cont = 0;
    while (i > 0 && cont < 3 && (h[i - 1] & 0xC0) == 0x80)
        i--, cont++;
    if (i == 0)
        return n;
    uint8_t lead = h[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return need > cont + 1 ? i - 1 : n;
}

/* Text: valid UTF-8 without NUL bytes (a sequence cut off by the sample's end is fine). */
static bool text_like(const uint8_t *h, size_t n)
{
    size_t cut = complete_prefix(h, n);
    return memchr(h, 0, cut) == NULL && quire_text_is_utf8((const char *)h, cut);
}

static const char *guess_media(const char *name, const uint8_t *h, size_t n, bool *text)
{
    const char *m = media_by_magic(h, n);
    *text = false;
    if (m != NULL)
        return m;
    *text = text_like(h, n);
    if (has_suffix(name, ".html") || has_suffix(name, ".htm") || (*text && looks_html(h, n)))
        return "text/html";
    /* The text types a browser needs by name: quire-read serve sends the signed type with
     * nosniff, and a stylesheet or script sent as text/plain is not used. */
    static const char *const by_suffix[][2] = {
        {".md", "text/markdown"},    {".json", "application/json"}, {".xml", "application/xml"},
        {".csv", "text/csv"},        {".css", "text/css"},          {".js", "text/javascript"},
        {".mjs", "text/javascript"}, {".svg", "image/svg+xml"}};
    for (size_t i = 0; i < sizeof by_suffix / sizeof by_suffix[0]; i++)
        if (has_suffix(name, by_suffix[i][0]) && (*text || i < 4))
            return by_suffix[i][1];
    return *text ? "text/plain" : "application/octet-stream";
}

/* Collapses runs of whitespace and controls (bytes, not Unicode spaces) in s[0..n) into one
 * space, without leading or trailing space, into buf; returns the length, at most cap, which
 * is cap when more text may have been left out. */
static size_t collapse(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n && o < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c < 0x20) {
            space = o > 0;
            continue;
        }
        if (space && o + 1 < cap)
            buf[o++] = ' ';
        space = false;
        buf[o++] = (char)c;
    }
    return o;
}

/* A title from s[0..n): whitespace collapsed; longer than TITLE_MAX bytes, it is cut at the
 * last space that leaves room for an ellipsis (within a word only when a word is that long,
 * then at a character boundary) and ends in "…". NULL for an empty title. */
static json_t *clean_title(const char *s, size_t n)
{
    static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */
    const size_t room = TITLE_MAX - (sizeof ellipsis - 1);
    char buf[TITLE_MAX + 1];
    size_t o = collapse(s, n, buf, sizeof buf);
    if (o <= TITLE_MAX) {
        o = complete_prefix((const uint8_t *)buf, o); /* a line cut by the end of the sample */
        return o > 0 ? json_stringn(buf, o) : NULL;
    }
    size_t cut = room;
    while (cut > 0 && buf[cut] != ' ')
        cut--;
    if (cut == 0)
        cut = complete_prefix((const uint8_t *)buf, room);
    memcpy(buf + cut, ellipsis, sizeof ellipsis - 1);
    return json_stringn(buf, cut + sizeof ellipsis - 1);
}

/* The text of the first <tag> element of an HTML document (entities decoded), or NULL. */
static json_t *html_element(const char *s, size_t n, const char *tag)
{
    const char *end = s + n;
    size_t tl = strlen(tag);
    char close[16];
    snprintf(close, sizeof close, "</%s>", tag);
    for (const char *p = s; p + tl + 2 <= end; p++) {
        if (p[0] != '<' || strncasecmp(p + 1, tag, tl) != 0 ||
            (p[tl + 1] != '>' && !isspace((unsigned char)p[tl + 1])))
            continue;
        const char *open = memchr(p, '>', (size_t)(end - p));
        if (open == NULL)
            return NULL;
        for (const char *q = open + 1; q + tl + 3 <= end; q++) {
            quire_text t;
            if (strncasecmp(q, close, tl + 3) != 0 ||
                quire_text_from_html(open + 1, (size_t)(q - open - 1), &t) != 0)
                continue;
            json_t *title = clean_title(t.s, t.len);
            quire_text_free(&t);
            return title;
        }
        return NULL;
    }
    return NULL;
}

/* One line of the sample: s[0..len), and where the next starts. */
typedef struct line {
    const char *s;
    size_t len, next;
} line;

static line line_at(const char *s, size_t n, size_t i)
{
    const char *nl = memchr(s + i, '\n', n - i);
    size_t len = nl != NULL ? (size_t)(nl - (s + i)) : n - i;
    while (len > 0 && isspace((unsigned char)s[i + len - 1]))
        len--;
    return (line){s + i, len, nl != NULL ? (size_t)(nl - s) + 1 : n};
}

static bool blank(line l)
{
    for (size_t i = 0; i < l.len; i++)
        if (!isspace((unsigned char)l.s[i]))
            return false;
    return true;
}

/* A reStructuredText section adornment: one punctuation character repeated, 3 times or more. */
static bool rst_adornment(line l)
{
    if (l.len < 3 || !ispunct((unsigned char)l.s[0]))
        return false;
    for (size_t i = 1; i < l.len; i++)
        if (l.s[i] != l.s[0])
            return false;
    return true;
}

/* Inline markup of a reStructuredText title dropped: ":mod:`!os`" reads "os", "``x``" "x". */
static json_t *rst_title(line l)
{
    char buf[TITLE_MAX * 4];
    size_t o = 0;
    for (size_t i = 0; i < l.len && o < sizeof buf; i++) {
        size_t r = i + 1;
        while (l.s[i] == ':' && r < l.len &&
               (isalnum((unsigned char)l.s[r]) || l.s[r] == '-' || l.s[r] == ':' || l.s[r] == '+'))
            r++;
        if (l.s[i] == ':' && r > i + 2 && l.s[r - 1] == ':' && r < l.len && l.s[r] == '`') {
            i = r; /* a role: skip its name, then the backquote and a leading ! or ~ */
            if (i + 1 < l.len && (l.s[i + 1] == '!' || l.s[i + 1] == '~'))
                i++;
            continue;
        }
        if (l.s[i] != '`')
            buf[o++] = l.s[i];
    }
    return clean_title(buf, o);
}

/* reStructuredText: the first section title (a line underlined, or over- and underlined, by
 * an adornment), else the first line that is neither a directive or comment ("..") nor a
 * field (":"), nor indented (their content), nor an adornment. */
static json_t *guess_rst_title(const char *s, size_t n)
{
    line prev = {s, 0, 0};
    json_t *first = NULL;
    for (size_t i = 0; i < n;) {
        line l = line_at(s, n, i);
        if (rst_adornment(l) && !blank(prev) && !isspace((unsigned char)prev.s[0]) &&
            !rst_adornment(prev) && strncmp(prev.s, "..", 2) != 0) {
            json_decref(first);
            return rst_title(prev);
        }
        if (first == NULL && !blank(l) && !isspace((unsigned char)l.s[0]) && l.s[0] != ':' &&
            strncmp(l.s, "..", 2) != 0 && !rst_adornment(l))
            first = clean_title(l.s, l.len);
        prev = l;
        i = l.next;
    }
    return first;
}

/* Plain text: the first non-empty line that is not markup (a DOCTYPE, comment or XML
 * declaration: "<!" or "<?"); a Markdown heading without its "#"s. */
static json_t *guess_line_title(const char *s, size_t n, bool markdown)
{
    for (size_t i = 0; i < n;) {
        line l = line_at(s, n, i);
        i = l.next;
        size_t k = 0;
        while (k < l.len && isspace((unsigned char)l.s[k]))
            k++;
        if (k + 1 < l.len && l.s[k] == '<' && (l.s[k + 1] == '!' || l.s[k + 1] == '?'))
            continue;
        while (markdown && k < l.len && l.s[k] == '#')
            k++;
        json_t *t = clean_title(l.s + k, l.len - k);
        if (t != NULL)
            return t;
    }
    return NULL;
}

/* SPEC 11.1: the title guessed for a text document that no item describes. */
static json_t *guess_title(const char *path, const char *media, const uint8_t *h, size_t n)
{
    const char *s = (const char *)h;
    if (has_suffix(path, ".buildinfo"))
        return NULL; /* Sphinx's build hashes: the first line is a comment, not a title */
    if (strcmp(media, "text/html") == 0) {
        json_t *t = html_element(s, n, "title");
        return t != NULL ? t : html_element(s, n, "h1");
    }
    if (has_suffix(path, ".rst") || has_suffix(path, ".rst.txt"))
        return guess_rst_title(s, n);
    return guess_line_title(s, n, strcmp(media, "text/markdown") == 0);
}

char *pack_entry_meta(json_t *item, const char *path, const uint8_t *head, size_t n)
{
    bool text;
    json_t *j = item != NULL ? json_deep_copy(item) : json_object();
    const char *media = guess_media(path, head, n, &text);
    const char *given = json_string_value(json_object_get(j, "quire-media-type"));
    /* An item that says its title is guessed but has none (a web capture's) asks for one. */
    bool guess = item == NULL || (json_is_true(json_object_get(j, "quire-title-guessed")) &&
                                  json_object_get(j, "title") == NULL);
    if (given == NULL)
        json_object_set_new(j, "quire-media-type", json_string(media));
    else
        media = given;
    json_t *title = guess && text ? guess_title(path, media, head, n) : NULL;
    if (title != NULL) {
        json_object_set_new(j, "title", title);
        json_object_set_new(j, "quire-title-guessed", json_true());
    } else if (guess) {
        json_object_del(j, "quire-title-guessed");
    }
    char *out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return out;
}
