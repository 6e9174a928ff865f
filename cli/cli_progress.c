/* SPDX-License-Identifier: ISC */
/* cli_progress.c: "label  45.2 / 131.0 MiB  34%  12.3 MiB/s  ETA 0:07", shortened to fit a
 * narrow terminal. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli_progress.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The terminal's width in columns (80 when it cannot be told). */
static int term_cols(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* The line, in the longest of its forms that fits the terminal: a line longer than the
 * terminal wraps, and "\r" then returns only to the start of its last row, leaving a trail of
 * old lines. The last column is left free, as some terminals wrap on writing there. */
static void draw(const cli_progress *p, double t)
{
    double mib = 1024.0 * 1024.0, elapsed = t - p->start;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    double left = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    int pct = p->total ? (int)(100.0 * (double)p->done / (double)p->total) : 100;
    int m = (int)left / 60, sec = (int)left % 60, width = term_cols() - 1, n = 0;
    double d = (double)p->done / mib, tot = (double)p->total / mib;
    char line[5][160];
    snprintf(line[0], sizeof line[0], "%s %8.1f / %.1f MiB %3d%% %7.1f MiB/s  ETA %d:%02d",
             p->label, d, tot, pct, rate / mib, m, sec);
    snprintf(line[1], sizeof line[1], "%s %.1f/%.1f MiB %d%% ETA %d:%02d", p->label, d, tot, pct, m,
             sec);
    snprintf(line[2], sizeof line[2], "%s %d%% ETA %d:%02d", p->label, pct, m, sec);
    snprintf(line[3], sizeof line[3], "%d%% ETA %d:%02d", pct, m, sec);
    snprintf(line[4], sizeof line[4], "%d%%", pct);
    while (n < 4 && (int)strlen(line[n]) > width)
        n++;
    fprintf(stderr, "\r%.*s\033[K", width > 0 ? width : 0, line[n]);
}

/* The first frame is drawn at once: a long operation shows it has started, and a short one's
 * frame is drawn, then erased. */
void cli_progress_start(cli_progress *p, const char *label, uint64_t total, bool enabled)
{
    p->on = enabled && isatty(STDERR_FILENO);
    p->total = total;
    p->done = 0;
    p->label = label;
    p->start = p->last = now();
    if (p->on)
        draw(p, p->start);
}

void cli_progress_add(cli_progress *p, uint64_t n)
{
    if (!p->on)
        return;
    p->done += n;
    if (p->done > p->total)
        p->done = p->total;
    double t = now();
    if (t - p->last >= 0.1) {
        p->last = t;
        draw(p, t);
    }
}

void cli_progress_end(cli_progress *p)
{
    if (p->on)
        fputs("\r\033[K", stderr);
    p->on = false;
}
