/* SPDX-License-Identifier: ISC */
/* cli_distance.h: the edit distance behind "did you mean", shared by both programs. */
#ifndef CLI_DISTANCE_H
#define CLI_DISTANCE_H

#include <stddef.h>

/* The edit distance (insertions, deletions, substitutions and swaps of two adjacent bytes)
 * between a and b, or max + 1 when it is more than max. */
size_t cli_distance(const char *a, size_t alen, const char *b, size_t blen, size_t max);

#endif
