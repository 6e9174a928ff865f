/* SPDX-License-Identifier: ISC */
/* read_udiff.c: the unified diff of two verified texts for quire-read diff --text.
 *
 * Written here rather than by running diff(1): the reader then needs no other program and no
 * temporary copies of verified documents on disk, and the result is the same everywhere. The
 * algorithm is Myers' greedy O((N+M)D) one ("An O(ND) Difference Algorithm and Its Variations",
 * 1986), keeping each round's furthest-reaching paths to trace the edit script back. That
 * costs (D+1)^2 integers, so D is capped at UDIFF_MAX_EDITS (about 16 MB): two texts further
 * apart than that are reported as too different to show, which is also where a line diff stops
 * being readable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read.h"

#define UDIFF_MAX_EDITS 2000
#define UDIFF_CONTEXT 3

typedef struct text_lines {
    const char **p; /* each line's start; a line holds its '\n' when it has one */
    size_t *len;
    size_t n;
} text_lines;

static int split(const char *s, size_t len, text_lines *l)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    n += len > 0 && s[len - 1] != '\n';
    l->p = calloc(n ? n : 1, sizeof *l->p);
    l->len = calloc(n ? n : 1, sizeof *l->len);
    l->n = 0;
    if (l->p == NULL || l->len == NULL)
        return -1;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - s) + 1 : len;
        l->p[l->n] = s + i;
        l->len[l->n++] = end - i;
        i = end;
    }
    return 0;
}

static bool same_line(const text_lines *a, long x, const text_lines *b, long y)
{
    return a->len[x] == b->len[y] && memcmp(a->p[x], b->p[y], a->len[x]) == 0;
}

/* Round d of Myers' search: extends the furthest paths on diagonals -d..d in v (indexed from
 * off). Returns true when one reaches (n, m). */
static bool myers_round(const text_lines *a, const text_lines *b, long *v, long off, long d)
{
    long n = (long)a->n, m = (long)b->n;
    for (long k = -d; k <= d; k += 2) {
        long x = k == -d || (k != d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1]
                                                                        : v[off + k - 1] + 1;
        long y = x - k;
        while (x < n && y < m && same_line(a, x, b, y))
            x++, y++;
        v[off + k] = x;
        if (x >= n && y >= m)
            return true;
    }
    return false;
}

/* Traces the edit script back from (n, m) through the saved rounds: ops gets '=', '-' or '+'
 * per line, in order; returns their number. */
static size_t myers_trace(const text_lines *a, const text_lines *b, long **trace, long dmax,
                          char *ops)
{
    long x = (long)a->n, y = (long)b->n;
    size_t k_ops = 0;
    for (long d = dmax; d > 0; d--) {
        const long *v = trace[d - 1]; /* diagonals -(d-1)..d-1, from index 0 */
        long k = x - y, off = d - 1;
        long pk = k == -d || (k != d && v[off + k - 1] < v[off + k + 1]) ? k + 1 : k - 1;
        long px = v[off + pk], py = px - pk;
        while (x > px && y > py) /* the snake after the move: one of them stops it */
            ops[k_ops++] = '=', x--, y--;
        ops[k_ops++] = pk == k + 1 ? '+' : '-';
        x = px, y = py;
    }
    while (x > 0 && y > 0)
        ops[k_ops++] = '=', x--, y--;
    for (size_t i = 0; i < k_ops / 2; i++) {
        char t = ops[i];
        ops[i] = ops[k_ops - 1 - i];
        ops[k_ops - 1 - i] = t;
    }
    return k_ops;
}

/* The edit script from a to b in *ops (malloc'd, *nops of them). Returns 0, 1 when more than
 * UDIFF_MAX_EDITS edits are needed, or -1 when out of memory. */
static int myers(const text_lines *a, const text_lines *b, char **ops, size_t *nops)
{
    long limit = (long)(a->n + b->n) < UDIFF_MAX_EDITS ? (long)(a->n + b->n) : UDIFF_MAX_EDITS;
    long off = limit + 1, d = 0;
    long *v = calloc((size_t)(2 * limit + 3), sizeof *v);
    long **trace = calloc((size_t)limit + 1, sizeof *trace);
    int rc = v == NULL || trace == NULL ? -1 : 1;
    for (d = 0; rc == 1 && d <= limit; d++) {
        bool found = myers_round(a, b, v, off, d);
        if ((trace[d] = malloc((size_t)(2 * d + 1) * sizeof **trace)) == NULL) {
            rc = -1;
            break;
        }
        memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof **trace);
        if (found)
            rc = 0;
    }
    *ops = rc == 0 ? malloc(a->n + b->n + 1) : NULL;
    if (rc == 0 && *ops == NULL)
        rc = -1;
    if (rc == 0)
        *nops = myers_trace(a, b, trace, d - 1, *ops);
    for (long i = 0; trace != NULL && i <= limit; i++)
        free(trace[i]);
    free(trace);
    free(v);
    return rc;
}

static void put_line(FILE *f, char mark, const char *p, size_t len)
{
    fputc(mark, f);
    fwrite(p, 1, len, f);
    if (len == 0 || p[len - 1] != '\n')
        fputs("\n\\ No newline at end of file\n", f);
}

/* The end of the hunk whose first change is at ops[c]: changes separated by at most twice the
 * context stay in one hunk. */
static size_t hunk_end(const char *ops, size_t nops, size_t c)
{
    for (;;) {
        while (c < nops && ops[c] != '=')
            c++;
        size_t r = 0;
        while (c + r < nops && ops[c + r] == '=')
            r++;
        if (c + r == nops || r > 2 * UDIFF_CONTEXT)
            return c + (r < UDIFF_CONTEXT ? r : UDIFF_CONTEXT);
        c += r;
    }
}

static void print_hunk(FILE *f, const text_lines *a, const text_lines *b, const char *ops,
                       size_t from, size_t to, size_t ai, size_t bi)
{
    size_t alen = 0, blen = 0;
    for (size_t i = from; i < to; i++)
        alen += ops[i] != '+', blen += ops[i] != '-';
    fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", ai + (alen > 0), alen, bi + (blen > 0), blen);
    for (size_t i = from; i < to; i++) {
        if (ops[i] == '+')
            put_line(f, '+', b->p[bi], b->len[bi]), bi++;
        else
            put_line(f, ops[i] == '=' ? ' ' : '-', a->p[ai], a->len[ai]), ai++, bi += ops[i] == '=';
    }
}

static void unified(FILE *f, const text_lines *a, const text_lines *b, const char *ops, size_t nops)
{
    size_t i = 0, ai = 0, bi = 0;
    for (;;) {
        size_t c = i;
        while (c < nops && ops[c] == '=')
            c++;
        if (c == nops)
            return;
        size_t from = c - i > UDIFF_CONTEXT ? c - UDIFF_CONTEXT : i, to = hunk_end(ops, nops, c);
        for (; i < from; i++)
            ai += ops[i] != '+', bi += ops[i] != '-';
        print_hunk(f, a, b, ops, from, to, ai, bi);
        for (; i < to; i++)
            ai += ops[i] != '+', bi += ops[i] != '-';
    }
}

int read_udiff(FILE *f, const char *a, size_t alen, const char *b, size_t blen, const char *a_name,
               const char *b_name)
{
    text_lines la = {0}, lb = {0};
    char *ops = NULL;
    size_t nops = 0;
    int rc = split(a, alen, &la) == 0 && split(b, blen, &lb) == 0 ? 0 : -1;
    if (rc == 0)
        rc = myers(&la, &lb, &ops, &nops);
    if (rc == 0) {
        fprintf(f, "--- %s\n+++ %s\n", a_name, b_name);
        unified(f, &la, &lb, ops, nops);
    }
    free(ops);
    free(la.p), free(la.len), free(lb.p), free(lb.len);
    return rc;
}
