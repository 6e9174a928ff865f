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

#include "pack.h"
#include "quire_text.h"

#define TITLE_MAX 200

static json_t *load_json(const char *path, const char *what)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        pack_warn("%s: %s is not valid JSON: line %d: %s", path, what, je.line, je.text);
    return j;
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

char *pack_bundle_meta(const char *path)
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

int pack_sources_load(const char *path, const pack_input *in, size_t n, pack_provenance *pv)
{
    size_t k;
    json_t *item;
    json_t *j = load_json(path, "sources");
    int rc = 0;
    if (j == NULL)
        return 2;
    if (!json_is_array(j)) {
        pack_warn("%s: sources must be a CSL-JSON array of items", path);
        rc = 2;
    }
    json_array_foreach(j, k, item)
    {
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
        if (pv->original[i] && pv->items[i] != NULL) {
            pack_warn("%s: %s is both a described document and an original", path,
                      in[i].bundle_path);
            rc = 2;
        }
    }
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
    return (n - i >= 9 && strncasecmp((const char *)h + i, "<!doctype", 9) == 0) ||
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
    if (has_suffix(name, ".md"))
        return "text/markdown";
    if (has_suffix(name, ".json"))
        return "application/json";
    if (has_suffix(name, ".xml"))
        return "application/xml";
    if (has_suffix(name, ".csv"))
        return "text/csv";
    return *text ? "text/plain" : "application/octet-stream";
}

/* Collapses whitespace and keeps at most TITLE_MAX bytes, cut at a character boundary.
 * Returns NULL for an empty or invalid title. */
static json_t *clean_title(const char *s, size_t n)
{
    char buf[TITLE_MAX];
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n && o < TITLE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c < 0x20) {
            space = o > 0;
            continue;
        }
        if (space && o + 1 < TITLE_MAX)
            buf[o++] = ' ';
        space = false;
        buf[o++] = (char)c;
    }
    o = complete_prefix((const uint8_t *)buf, o);
    return o > 0 ? json_stringn(buf, o) : NULL;
}

static json_t *guess_title(const uint8_t *h, size_t n, bool html)
{
    const char *s = (const char *)h;
    if (html) {
        const char *end = s + n;
        for (const char *p = s; p + 7 <= end; p++) {
            if (strncasecmp(p, "<title", 6) != 0 || (p[6] != '>' && !isspace((unsigned char)p[6])))
                continue;
            const char *open = memchr(p, '>', (size_t)(end - p));
            if (open == NULL)
                break;
            for (const char *q = open + 1; q + 8 <= end; q++) {
                quire_text t;
                if (strncasecmp(q, "</title>", 8) != 0 ||
                    quire_text_from_html(open + 1, (size_t)(q - open - 1), &t) != 0)
                    continue;
                json_t *title = clean_title(t.s, t.len); /* entities decoded */
                quire_text_free(&t);
                return title;
            }
            break;
        }
    }
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t len = nl != NULL ? (size_t)(nl - (s + i)) : n - i;
        json_t *t = clean_title(s + i, len);
        if (t != NULL)
            return t;
        i += len + 1;
    }
    return NULL;
}

char *pack_entry_meta(json_t *item, const char *path, const uint8_t *head, size_t n)
{
    bool text;
    json_t *j = item != NULL ? json_deep_copy(item) : json_object();
    const char *media = guess_media(path, head, n, &text);
    if (json_object_get(j, "quire-media-type") == NULL)
        json_object_set_new(j, "quire-media-type", json_string(media));
    if (item == NULL && text) {
        json_t *title = guess_title(head, n, strcmp(media, "text/html") == 0);
        if (title != NULL) {
            json_object_set_new(j, "title", title);
            json_object_set_new(j, "quire-title-guessed", json_true());
        }
    }
    char *out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return out;
}
