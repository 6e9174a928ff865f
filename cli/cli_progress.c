/* SPDX-License-Identifier: ISC */
/* cli_progress.c: "label  45.2 MiB / 131.0 MiB  34%  12.3 MiB/s  ETA 0:07". */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli_progress.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_start(cli_progress *p, const char *label, uint64_t total, bool enabled)
{
    p->on = enabled && isatty(STDERR_FILENO);
    p->total = total;
    p->done = 0;
    p->label = label;
    p->start = p->last = now();
}

static void draw(const cli_progress *p, double t)
{
    double mib = 1024.0 * 1024.0, elapsed = t - p->start;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    double left = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    int pct = p->total ? (int)(100.0 * (double)p->done / (double)p->total) : 100;
    fprintf(stderr, "\r%s %8.1f / %.1f MiB %3d%% %7.1f MiB/s  ETA %d:%02d \033[K", p->label,
            (double)p->done / mib, (double)p->total / mib, pct, rate / mib, (int)left / 60,
            (int)left % 60);
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
