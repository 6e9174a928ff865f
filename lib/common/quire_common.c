/* SPDX-License-Identifier: ISC */
/* quire_common.c: errors and little-endian fields, shared by the read and write paths. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "quire.h"
#include "quire_private.h"
#include "quire_private.h"

/* The number after "WHAT " at the start of msg, or -1. */
static int64_t leading_number(const char *msg, const char *what)
{
    size_t n = strlen(what);
    if (strncmp(msg, what, n) != 0 || msg[n] != ' ' || msg[n + 1] < '0' || msg[n + 1] > '9')
        return -1;
    return strtoll(msg + n + 1, NULL, 10);
}

/* The rule cited at the end of msg: the last "(SPEC ...)". Paths quoted earlier in the message
 * cannot end it, as the library always writes the rule last. */
static void trailing_rule(const char *msg, char *rule, size_t cap)
{
    size_t len = strlen(msg);
    const char *open = NULL;
    for (const char *p = strstr(msg, "(SPEC "); p != NULL; p = strstr(p + 1, "(SPEC "))
        open = p;
    rule[0] = '\0';
    if (open != NULL && len > 0 && msg[len - 1] == ')')
        snprintf(rule, cap, "%.*s", (int)(msg + len - 1 - open - 1), open + 1);
}

int quire_error_set(quire_error *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->entry = leading_number(err->msg, "entry");
        err->unit = leading_number(err->msg, "unit");
        err->signature = leading_number(err->msg, "signature");
        trailing_rule(err->msg, err->rule, sizeof err->rule);
    }
    return code;
}

void *quire_table_alloc(size_t count, size_t size)
{
    enum { HUGE_PAGE = 2u << 20, PAGE = 4096 };
    void *p = calloc(count ? count : 1, size ? size : 1);
#ifdef MADV_HUGEPAGE
    size_t n = count * size; /* calloc has checked that it does not overflow */
    if (p != NULL && n >= HUGE_PAGE) {
        /* The 4 KiB pages wholly inside the block. Where pages are larger, or huge pages are
         * off, the advice is refused or ignored, which changes nothing but the speed. */
        uintptr_t start = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
        uintptr_t end = ((uintptr_t)p + n) & ~(uintptr_t)(PAGE - 1);
        if (end > start)
            (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
    }
#endif
    return p;
}

unsigned quire_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

int quire_exit_code(int code)
{
    switch (code) {
    case QUIRE_OK:
        return 0;
    case QUIRE_E_FORMAT:
    case QUIRE_E_LIMIT:
    case QUIRE_E_SIGNATURE:
    case QUIRE_E_UNTRUSTED:
    case QUIRE_E_HASH:
        return 1;
    default:
        return 2;
    }
}

uint16_t quire_load16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

uint32_t quire_load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t quire_load64(const uint8_t *p)
{
    return (uint64_t)quire_load32(p) | (uint64_t)quire_load32(p + 4) << 32;
}

void quire_store16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void quire_store32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void quire_store64(uint8_t *p, uint64_t v)
{
    quire_store32(p, (uint32_t)v);
    quire_store32(p + 4, (uint32_t)(v >> 32));
}

int quire_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the new thread inherits a full mask */
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
