/* SPDX-License-Identifier: ISC */
/* read_format.c: metadata as people read it: sizes in binary units, CSL dates as ISO 8601,
 * CSL names as "Given Family", lists joined. The JSON output keeps the signed values as they
 * are; this is only for the text a person reads. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "read.h"

void read_size_text(char *buf, size_t cap, uint64_t n)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    char exact[32], *p = exact + sizeof exact;
    int digits = 0;
    uint64_t v = n;
    *--p = '\0';
    do { /* thousands separated, whatever the locale: the same output everywhere */
        if (digits > 0 && digits % 3 == 0)
            *--p = ',';
        *--p = (char)('0' + v % 10);
        v /= 10, digits++;
    } while (v > 0);
    if (n < 1024) {
        snprintf(buf, cap, "%s byte%s", p, n == 1 ? "" : "s");
        return;
    }
    double x = (double)n / 1024.0;
    size_t u = 0;
    while (x >= 1024.0 && u + 1 < sizeof units / sizeof units[0])
        x /= 1024.0, u++;
    snprintf(buf, cap, "%.1f %s (%s bytes)", x, units[u], p);
}

/* A date part: CSL-JSON allows numbers and numeric strings. The parts are signed but
 * arbitrary JSON (any integer, INT64_MIN included): they are printed as they are, never into a
 * fixed buffer. */
static long long date_part(json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    return strtoll(json_is_string(v) ? json_string_value(v) : "0", NULL, 10);
}

/* One [year, month, day] (month and day optional) as YYYY[-MM[-DD]], or false when empty. */
static bool date_one(FILE *f, json_t *parts)
{
    size_t n = json_array_size(parts);
    for (size_t i = 0; i < n && i < 3; i++)
        fprintf(f, i == 0 ? "%04lld" : "-%02lld", date_part(json_array_get(parts, i)));
    return n > 0;
}

char *read_csl_date(json_t *d)
{
    const char *raw = json_string_value(json_object_get(d, "raw"));
    const char *lit = json_string_value(json_object_get(d, "literal"));
    json_t *parts = json_object_get(d, "date-parts");
    if (raw != NULL || lit != NULL)
        return strdup(raw != NULL ? raw : lit);
    size_t n = json_array_size(parts);
    if (n < 1) /* one date, or a range of two */
        return NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL)
        return NULL;
    bool ok = date_one(f, json_array_get(parts, 0));
    if (ok && n >= 2) { /* an ISO 8601 interval */
        fputc('/', f);
        ok = date_one(f, json_array_get(parts, 1));
    }
    if (fclose(f) != 0 || !ok) {
        free(out);
        return NULL;
    }
    return out;
}

static void put_part(FILE *f, const char *s, bool *any)
{
    if (s == NULL || *s == '\0')
        return;
    if (*any)
        fputc(' ', f);
    fputs(s, f);
    *any = true;
}

/* One CSL name: "Given Family" (particles where they belong), or with family_first
 * "Family, Given"; a literal name as it is. */
static void csl_name(FILE *f, json_t *a, bool family_first)
{
    const char *lit = json_string_value(json_object_get(a, "literal"));
    const char *fam = json_string_value(json_object_get(a, "family"));
    const char *giv = json_string_value(json_object_get(a, "given"));
    const char *dp = json_string_value(json_object_get(a, "dropping-particle"));
    const char *ndp = json_string_value(json_object_get(a, "non-dropping-particle"));
    const char *suf = json_string_value(json_object_get(a, "suffix"));
    bool any = false;
    if (lit != NULL) {
        fputs(lit, f);
        return;
    }
    if (family_first) {
        put_part(f, ndp, &any);
        put_part(f, fam, &any);
        if (giv != NULL || dp != NULL)
            fputc(',', f);
        put_part(f, giv, &any);
        put_part(f, dp, &any);
    } else {
        put_part(f, giv, &any);
        put_part(f, dp, &any);
        put_part(f, ndp, &any);
        put_part(f, fam, &any);
    }
    if (suf != NULL)
        fprintf(f, ", %s", suf);
}

char *read_csl_names(json_t *list, bool family_first, const char *sep)
{
    size_t i;
    json_t *a;
    char *out = NULL;
    size_t len = 0;
    if (!json_is_array(list))
        return NULL;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL)
        return NULL;
    json_array_foreach(list, i, a)
    {
        if (!json_is_object(a))
            continue;
        if (ftell(f) > 0)
            fputs(sep, f);
        csl_name(f, a, family_first);
    }
    if (fclose(f) != 0 || len == 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Whether v is a list of CSL names: objects with a family, given or literal member. */
static bool is_names(json_t *v)
{
    size_t i;
    json_t *a;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    json_array_foreach(v, i, a)
    {
        if (!json_is_object(a) ||
            (json_object_get(a, "family") == NULL && json_object_get(a, "given") == NULL &&
             json_object_get(a, "literal") == NULL))
            return false;
    }
    return true;
}

/* A list of strings joined by ", ", or NULL when v is not one. */
static char *string_list(json_t *v)
{
    size_t i;
    json_t *s;
    char *out = NULL;
    size_t len = 0;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return NULL;
    json_array_foreach(v, i, s) if (!json_is_string(s)) return NULL;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL)
        return NULL;
    json_array_foreach(v, i, s) fprintf(f, "%s%s", i > 0 ? ", " : "", json_string_value(s));
    fclose(f);
    return out;
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int read_parse_time(const char *s, struct tm *tm)
{
    static const struct {
        size_t at, len;
        char sep;
    } f[6] = {{0, 4, '-'}, {5, 2, '-'}, {8, 2, 'T'}, {11, 2, ':'}, {14, 2, ':'}, {17, 2, 'Z'}};
    int v[6] = {0, 1, 1, 0, 0, 0}, n = 0;
    size_t len = s != NULL ? strlen(s) : 0;
    for (; n < 6 && f[n].at + f[n].len <= len; n++) {
        if ((v[n] = digits(s + f[n].at, f[n].len)) < 0)
            return 0;
        size_t sep = f[n].at + f[n].len;
        if (sep < len && s[sep] != f[n].sep)
            return 0;
        if (sep + 1 >= len)
            break;
    }
    *tm = (struct tm){.tm_year = v[0] - 1900,
                      .tm_mon = v[1] - 1,
                      .tm_mday = v[2],
                      .tm_hour = v[3],
                      .tm_min = v[4],
                      .tm_sec = v[5]};
    return n < 6 ? n + 1 : 6;
}

/* "2026-11-23T10:20:30Z" (what the packer writes for created) as "2026-11-23 10:20:30 UTC";
 * NULL for anything else. */
static char *utc_time(const char *s)
{
    struct tm tm;
    if (s == NULL || strlen(s) != 20 || read_parse_time(s, &tm) != 6)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "%.10s %.8s UTC", s, s + 11) < 0)
        return NULL;
    return out;
}

char *read_meta_text(json_t *v)
{
    char *t = NULL;
    if (json_is_string(v))
        return (t = utc_time(json_string_value(v))) != NULL ? t : strdup(json_string_value(v));
    if (json_is_object(v) && (t = read_csl_date(v)) != NULL)
        return t;
    if (is_names(v) && (t = read_csl_names(v, false, "; ")) != NULL)
        return t;
    if ((t = string_list(v)) != NULL)
        return t;
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void print_member(const char *key, json_t *v)
{
    char *text = read_meta_text(v);
    fputs("  ", stdout);
    out_safe(stdout, key, strlen(key));
    fputs(": ", stdout);
    if (text != NULL)
        out_safe(stdout, text, strlen(text));
    fputc('\n', stdout);
    free(text);
}

void read_print_meta(json_t *meta, const char *const *first)
{
    const char *key;
    json_t *v;
    for (size_t i = 0; first != NULL && first[i] != NULL; i++)
        if ((v = json_object_get(meta, first[i])) != NULL)
            print_member(first[i], v);
    json_object_foreach(meta, key, v)
    {
        size_t i = 0;
        while (first != NULL && first[i] != NULL && strcmp(first[i], key) != 0)
            i++;
        if (first == NULL || first[i] == NULL)
            print_member(key, v);
    }
}
