/* SPDX-License-Identifier: ISC */
/* cli_progress.h: a progress line on stderr for long operations, shared by both programs.
 * It draws only when stderr is a terminal and the caller has not asked for quiet. */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cli_progress {
    bool on;
    uint64_t total, done;
    double start, last;
    const char *label;
} cli_progress;

/* Starts a meter for total bytes; it stays silent unless enabled and stderr is a terminal. */
void cli_progress_start(cli_progress *p, const char *label, uint64_t total, bool enabled);

/* Adds n bytes; redraws at most ten times a second. */
void cli_progress_add(cli_progress *p, uint64_t n);

/* Erases the line. */
void cli_progress_end(cli_progress *p);

#endif
