/* SPDX-License-Identifier: ISC */
/* quire_json.c: canonical JSON (see quire_json.h), written from jansson's parse tree into a
 * buffer. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quire_json.h"

/* The canonical text, built in memory (NUL-terminated). */
typedef struct writer {
    char *p;
    size_t len, cap;
    bool nomem;
    quire_error *err;
} writer;

static int put_value(writer *w, json_t *v, int depth);

static void put(writer *w, const char *s, size_t n)
{
    if (w->nomem)
        return;
    if (n + 1 > w->cap - w->len) {
        size_t cap = w->cap > 0 ? w->cap : 256;
        while (n + 1 > cap - w->len)
            cap *= 2;
        char *p = realloc(w->p, cap);
        if (p == NULL) {
            w->nomem = true;
            return;
        }
        w->p = p, w->cap = cap;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void put_char(writer *w, char c)
{
    put(w, &c, 1);
}

/* RFC 8785 3.2.3: names compare as arrays of UTF-16 code units (valid UTF-8: jansson checked
 * it). UTF-8's byte order is code point order, which UTF-16's follows except that a code
 * point from U+10000 on (a surrogate pair, 0xD800-0xDBFF first) sorts before U+E000-U+FFFF:
 * so the bytes are compared, and only that case, decided at the first character that
 * differs, is turned round. */
static int cmp_names(const void *a, const void *b)
{
    const unsigned char *x = *(const unsigned char *const *)a;
    const unsigned char *y = *(const unsigned char *const *)b;
    size_t i = 0, start = 0;
    while (x[i] != '\0' && x[i] == y[i]) {
        if ((x[i] & 0xC0) != 0x80)
            start = i; /* the character the next byte belongs to, if a continuation byte */
        i++;
    }
    if (x[i] == y[i])
        return 0;
    if ((x[i] & 0xC0) != 0x80 || (y[i] & 0xC0) != 0x80)
        start = i; /* both begin a character here (or one name ends) */
    unsigned char cx = x[start], cy = y[start];
    bool sx = cx >= 0xF0, sy = cy >= 0xF0;                             /* from U+10000 */
    bool ex = cx == 0xEE || cx == 0xEF, ey = cy == 0xEE || cy == 0xEF; /* U+E000-U+FFFF */
    if ((sx && ey) || (ex && sy))
        return sx ? -1 : 1;
    return x[i] < y[i] ? -1 : 1;
}

/* RFC 8785 3.2.2.2: only '"', '\\' and C0 controls are escaped. */
static void put_string(writer *w, const char *s, size_t len)
{
    put_char(w, '"');
    size_t run = 0; /* bytes from s + run on are not written yet */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, s + run, i - run);
        run = i + 1;
        const char *e = c == '"'    ? "\\\""
                        : c == '\\' ? "\\\\"
                        : c == '\b' ? "\\b"
                        : c == '\t' ? "\\t"
                        : c == '\n' ? "\\n"
                        : c == '\f' ? "\\f"
                        : c == '\r' ? "\\r"
                                    : NULL;
        char u[8];
        if (e == NULL) {
            snprintf(u, sizeof u, "\\u%04x", c);
            e = u;
        }
        put(w, e, strlen(e));
    }
    put(w, s + run, len - run);
    put_char(w, '"');
}

static int put_object(writer *w, json_t *o, int depth)
{
    size_t n = json_object_size(o), i = 0;
    const char **names = malloc((n ? n : 1) * sizeof *names);
    const char *name;
    json_t *v;
    if (names == NULL)
        return quire_error_set(w->err, QUIRE_E_NOMEM, "out of memory");
    json_object_foreach(o, name, v)
    {
        names[i++] = name;
    }
    qsort(names, n, sizeof *names, cmp_names);
    put_char(w, '{');
    int rc = QUIRE_OK;
    for (i = 0; rc == QUIRE_OK && i < n; i++) {
        if (i > 0)
            put_char(w, ',');
        put_string(w, names[i], strlen(names[i]));
        put_char(w, ':');
        rc = put_value(w, json_object_get(o, names[i]), depth + 1);
    }
    put_char(w, '}');
    free(names);
    return rc;
}

static int put_value(writer *w, json_t *v, int depth)
{
    if (depth > QUIRE_JSON_MAX_DEPTH)
        return quire_error_set(w->err, QUIRE_E_FORMAT, "nested more than %d levels deep",
                               QUIRE_JSON_MAX_DEPTH);
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return put_object(w, v, depth);
    case JSON_ARRAY: {
        int rc = QUIRE_OK;
        put_char(w, '[');
        for (size_t i = 0; rc == QUIRE_OK && i < json_array_size(v); i++) {
            if (i > 0)
                put_char(w, ',');
            rc = put_value(w, json_array_get(v, i), depth + 1);
        }
        put_char(w, ']');
        return rc;
    }
    case JSON_STRING:
        put_string(w, json_string_value(v), json_string_length(v));
        return QUIRE_OK;
    case JSON_INTEGER: {
        json_int_t x = json_integer_value(v);
        if (x > QUIRE_JSON_MAX_INT || x < -QUIRE_JSON_MAX_INT)
            return quire_error_set(w->err, QUIRE_E_FORMAT, "integer %lld is outside +-(2^53-1)",
                                   (long long)x);
        char num[24];
        int n = snprintf(num, sizeof num, "%lld", (long long)x);
        put(w, num, (size_t)n);
        return QUIRE_OK;
    }
    case JSON_REAL:
        return quire_error_set(w->err, QUIRE_E_FORMAT,
                               "a number with a fraction or exponent (only integers are allowed)");
    case JSON_TRUE:
        put(w, "true", 4);
        return QUIRE_OK;
    case JSON_FALSE:
        put(w, "false", 5);
        return QUIRE_OK;
    default:
        put(w, "null", 4);
        return QUIRE_OK;
    }
}

int quire_json_canonical(const char *in, size_t len, char **out, size_t *out_len, quire_error *err)
{
    json_error_t je;
    *out = NULL;
    *out_len = 0;
    /* Duplicate names are refused; U+0000 is refused by jansson unless asked to allow it. */
    json_t *j = json_loadb(in, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (j == NULL)
        return quire_error_set(err, QUIRE_E_FORMAT, "not JSON: %s at byte %d", je.text,
                               je.position);
    writer w = {.err = err};
    int rc = put_value(&w, j, 1);
    json_decref(j);
    if (rc == QUIRE_OK && (w.nomem || w.p == NULL))
        rc = quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    if (rc != QUIRE_OK) {
        free(w.p);
        return rc;
    }
    *out = w.p;
    *out_len = w.len;
    return QUIRE_OK;
}

int quire_json_check_canonical(const char *in, size_t len, quire_error *err)
{
    char *c;
    size_t n;
    int rc = quire_json_canonical(in, len, &c, &n, err);
    if (rc != QUIRE_OK)
        return rc;
    size_t at = 0;
    while (at < n && at < len && c[at] == in[at])
        at++;
    if (at < n || at < len)
        rc = quire_error_set(err, QUIRE_E_FORMAT,
                             "not in canonical form from byte %zu (expected '%.12s')", at,
                             at < n ? c + at : "end of text");
    free(c);
    return rc;
}
