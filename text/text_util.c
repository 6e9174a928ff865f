/* SPDX-License-Identifier: ISC */
/* text_util.c: whole-buffer layers built on the streams, UTF-8 helpers and word splitting. */
#include <stdlib.h>
#include <string.h>

#include "quire_text.h"

/* ---- whole-buffer layers: a sink that keeps every byte and where it came from ---- */

typedef struct builder {
    quire_text t;
    size_t cap;
    bool failed;
    bool by_toff; /* map to the text-layer offset (normalisation), else the document offset */
} builder;

static bool grow(builder *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->t.len < n)
        cap *= 2;
    char *ns = realloc(b->t.s, cap + 1);
    if (ns == NULL)
        return false;
    b->t.s = ns; /* kept whether or not the second realloc succeeds: freed by finish */
    size_t *nm = realloc(b->t.map, cap * sizeof *nm);
    if (nm == NULL)
        return false;
    b->t.map = nm;
    b->cap = cap;
    return true;
}

/* A source's run is consecutive document bytes (off + i); a normaliser's output all comes from
 * one character (toff). */
static void build_sink(void *ctx, const char *s, size_t n, const quire_text_pos *pos)
{
    builder *b = ctx;
    if (!b->failed && b->cap - b->t.len < n)
        b->failed = !grow(b, n);
    if (b->failed)
        return;
    for (size_t i = 0; i < n; i++) {
        b->t.s[b->t.len] = s[i];
        b->t.map[b->t.len++] = (size_t)(b->by_toff ? pos->toff : pos->off + i);
    }
}

static int finish(builder *b, quire_text *out)
{
    if (!b->failed && b->t.s == NULL)
        b->failed = (b->t.s = malloc(1)) == NULL;
    if (b->failed) {
        quire_text_free(&b->t);
        return -1;
    }
    b->t.s[b->t.len] = '\0';
    *out = b->t;
    return 0;
}

static int from_source(quire_text_kind kind, const char *s, size_t len, quire_text *out)
{
    builder b = {0};
    quire_text_source *src = quire_text_source_new(kind, NULL, NULL, build_sink, &b);
    if (src == NULL)
        return -1;
    int rc = quire_text_source_update(src, s, len);
    if (rc == 0)
        rc = quire_text_source_final(src);
    quire_text_source_free(src);
    b.failed = b.failed || rc != 0;
    rc = finish(&b, out);
    /* A character the HTML parser makes at the very end (an entity or a tag it closes) is
     * placed at the offset just past the input; every offset names a byte of the input. */
    for (size_t i = 0; rc == 0 && len > 0 && i < out->len; i++)
        if (out->map[i] >= len)
            out->map[i] = len - 1;
    return rc;
}

int quire_text_from_plain(const char *s, size_t len, quire_text *out)
{
    return from_source(QUIRE_TEXT_PLAIN, s, len, out);
}

int quire_text_from_html(const char *s, size_t len, quire_text *out)
{
    return from_source(QUIRE_TEXT_HTML, s, len, out);
}

int quire_text_normalize(const quire_text *in, unsigned flags, quire_text *out)
{
    builder b = {.by_toff = true};
    quire_text_norm *st = quire_text_norm_new(flags, build_sink, &b);
    if (st == NULL)
        return -1;
    quire_text_pos pos = {.line = 1, .col = 1};
    quire_text_norm_feed(st, in->s, in->len, &pos);
    quire_text_norm_final(st);
    quire_text_norm_free(st);
    return finish(&b, out);
}

void quire_text_free(quire_text *t)
{
    if (t == NULL)
        return;
    free(t->s);
    free(t->map);
    memset(t, 0, sizeof *t);
}

/* ---- UTF-8 ---- */

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes), 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (s[0] < 0xC2 || s[0] > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    /* overlong three- and four-byte forms, surrogates, above U+10FFFF */
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return len;
}

bool quire_text_is_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0, len; i < n; i += len)
        if ((len = utf8_len(s + i, n - i)) == 0)
            return false;
    return true;
}

char *quire_text_utf8_repair(const char *str, size_t n, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)str;
    char *out = n <= (SIZE_MAX - 1) / 3 ? malloc(3 * n + 1) : NULL;
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(s + i, n - i);
        if (len == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3), o += 3, i++;
        } else {
            memcpy(out + o, s + i, len), o += len, i += len;
        }
    }
    out[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    return out;
}

/* Both arrays are assigned as soon as each realloc succeeds, so that neither is left pointing
 * at memory a successful realloc has freed (issue 11: words() did, when the first failed). */
size_t quire_text_words(const char *s, size_t n, size_t **start, size_t **len)
{
    size_t count = 0, cap = 0;
    *start = *len = NULL;
    for (size_t i = 0; i < n;) {
        const char *sp = memchr(s + i, ' ', n - i);
        size_t end = sp != NULL ? (size_t)(sp - s) : n;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            size_t *s2 = realloc(*start, cap * sizeof *s2);
            if (s2 != NULL)
                *start = s2;
            size_t *l2 = s2 != NULL ? realloc(*len, cap * sizeof *l2) : NULL;
            if (l2 != NULL)
                *len = l2;
            if (s2 == NULL || l2 == NULL) {
                free(*start), free(*len);
                *start = *len = NULL;
                return SIZE_MAX;
            }
        }
        (*start)[count] = i;
        (*len)[count++] = end - i;
        i = end + 1;
    }
    return count;
}
