/* SPDX-License-Identifier: ISC */
/* quire_json.c: canonical JSON (see quire_json.h), written from jansson's parse tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quire_json.h"

typedef struct writer {
    FILE *f;
    quire_error *err;
} writer;

static int put_value(writer *w, json_t *v, int depth);

/* The UTF-16 code units of UTF-8 text s (valid: jansson checked it), into u (room for len
 * units, as many as s has bytes at most). Returns the count. */
static size_t utf16(const char *s, size_t len, uint16_t *u)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp = p[i];
        size_t k = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        cp &= k == 1 ? 0x7F : 0x7F >> k;
        for (size_t j = 1; j < k && i + j < len; j++)
            cp = (cp << 6) | (p[i + j] & 0x3F);
        i += k;
        if (cp >= 0x10000) {
            u[n++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            u[n++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            u[n++] = (uint16_t)cp;
        }
    }
    return n;
}

/* RFC 8785 3.2.3: names compare as arrays of UTF-16 code units. */
static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = strlen(x), ly = strlen(y);
    uint16_t *ux = malloc((lx + 1) * sizeof *ux), *uy = malloc((ly + 1) * sizeof *uy);
    int c = 0;
    if (ux == NULL || uy == NULL) {
        c = strcmp(x, y); /* out of memory: the caller sees it when writing */
    } else {
        size_t nx = utf16(x, lx, ux), ny = utf16(y, ly, uy);
        for (size_t i = 0; c == 0 && i < nx && i < ny; i++)
            c = ux[i] < uy[i] ? -1 : ux[i] > uy[i];
        if (c == 0)
            c = nx < ny ? -1 : nx > ny;
    }
    free(ux);
    free(uy);
    return c;
}

/* RFC 8785 3.2.2.2: only '"', '\\' and C0 controls are escaped. */
static void put_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = c == '"'    ? "\\\""
                        : c == '\\' ? "\\\\"
                        : c == '\b' ? "\\b"
                        : c == '\t' ? "\\t"
                        : c == '\n' ? "\\n"
                        : c == '\f' ? "\\f"
                        : c == '\r' ? "\\r"
                                    : NULL;
        if (e != NULL)
            fputs(e, f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
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
    fputc('{', w->f);
    int rc = QUIRE_OK;
    for (i = 0; rc == QUIRE_OK && i < n; i++) {
        if (i > 0)
            fputc(',', w->f);
        put_string(w->f, names[i], strlen(names[i]));
        fputc(':', w->f);
        rc = put_value(w, json_object_get(o, names[i]), depth + 1);
    }
    fputc('}', w->f);
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
        fputc('[', w->f);
        for (size_t i = 0; rc == QUIRE_OK && i < json_array_size(v); i++) {
            if (i > 0)
                fputc(',', w->f);
            rc = put_value(w, json_array_get(v, i), depth + 1);
        }
        fputc(']', w->f);
        return rc;
    }
    case JSON_STRING:
        put_string(w->f, json_string_value(v), json_string_length(v));
        return QUIRE_OK;
    case JSON_INTEGER: {
        json_int_t x = json_integer_value(v);
        if (x > QUIRE_JSON_MAX_INT || x < -QUIRE_JSON_MAX_INT)
            return quire_error_set(w->err, QUIRE_E_FORMAT, "integer %lld is outside +-(2^53-1)",
                                   (long long)x);
        fprintf(w->f, "%lld", (long long)x);
        return QUIRE_OK;
    }
    case JSON_REAL:
        return quire_error_set(w->err, QUIRE_E_FORMAT,
                               "a number with a fraction or exponent (only integers are allowed)");
    case JSON_TRUE:
        fputs("true", w->f);
        return QUIRE_OK;
    case JSON_FALSE:
        fputs("false", w->f);
        return QUIRE_OK;
    default:
        fputs("null", w->f);
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
    writer w = {.f = open_memstream(out, out_len), .err = err};
    int rc =
        w.f == NULL ? quire_error_set(err, QUIRE_E_NOMEM, "out of memory") : put_value(&w, j, 1);
    json_decref(j);
    if (w.f != NULL && fclose(w.f) != 0 && rc == QUIRE_OK)
        rc = quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    if (rc != QUIRE_OK) {
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return rc;
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
