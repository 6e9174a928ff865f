/* SPDX-License-Identifier: ISC */
/* cli_distance.c: the edit distance behind "did you mean" (both programs' commands, the
 * reader's paths). */
#include <stdlib.h>

#include "cli_distance.h"

static size_t min3(size_t a, size_t b, size_t c)
{
    return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

/* Optimal string alignment distance, computed only in the band |i - j| <= max: time
 * O(alen * max), whatever the lengths. */
size_t cli_distance(const char *a, size_t an, const char *b, size_t bn, size_t max)
{
    size_t over = max + 1;
    if ((an > bn ? an - bn : bn - an) > max)
        return over;
    size_t *rows = malloc(3 * (bn + 1) * sizeof *rows);
    if (rows == NULL)
        return over;
    size_t *pp = rows, *prev = rows + bn + 1, *cur = rows + 2 * (bn + 1);
    for (size_t j = 0; j <= bn; j++)
        pp[j] = over, prev[j] = j <= max ? j : over;
    for (size_t i = 1; i <= an; i++) {
        size_t lo = i > max ? i - max : 1, hi = i + max < bn ? i + max : bn, best;
        cur[0] = i <= max ? i : over;
        cur[lo - 1] = lo > 1 ? over : cur[0];
        best = cur[lo - 1];
        for (size_t j = lo; j <= hi; j++) {
            size_t d = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]));
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] < d)
                d = pp[j - 2] + 1;
            cur[j] = d < over ? d : over;
            best = cur[j] < best ? cur[j] : best;
        }
        if (hi < bn)
            cur[hi + 1] = over;
        size_t *t = pp;
        pp = prev, prev = cur, cur = t;
        if (best >= over) {
            free(rows);
            return over;
        }
    }
    size_t d = prev[bn];
    free(rows);
    return d;
}
