/* SPDX-License-Identifier: ISC */
/* swapdir.c: an LD_PRELOAD shim for pack_audit.sh that changes the file system at one exact
 * moment: when quire-pack frees its first libarchive reader, which is the end of the walk of
 * its first INPUT and before any file is opened to be packed. It then renames
 * $QUIRE_SWAP_FROM to $QUIRE_SWAP_TO (when both are set) and makes a symbolic link
 * $QUIRE_SWAP_LINK pointing to $QUIRE_SWAP_TARGET (when both are set): a directory swapped for
 * a symlink, or a file for another, exactly between the walk and the open, with no race.
 * With QUIRE_SWAP_NO_OPENAT2 set and not empty, syscall(SYS_openat2) fails with ENOSYS, as on Linux
 * before 5.6, so that the packer's fallback runs. Not installed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct archive;

static void swap_once(void)
{
    static int done;
    if (done++)
        return;
    const char *from = getenv("QUIRE_SWAP_FROM"), *to = getenv("QUIRE_SWAP_TO");
    const char *link = getenv("QUIRE_SWAP_LINK"), *target = getenv("QUIRE_SWAP_TARGET");
    if (from != NULL && to != NULL && rename(from, to) != 0)
        perror("swapdir: rename");
    if (link != NULL && target != NULL && symlink(target, link) != 0)
        perror("swapdir: symlink");
}

int archive_read_free(struct archive *a)
{
    static int (*real)(struct archive *);
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "archive_read_free");
    int rc = real(a);
    swap_once();
    return rc;
}

long syscall(long nr, ...)
{
    static long (*real)(long, ...);
    long arg[6];
    va_list ap;
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        arg[i] = va_arg(ap, long);
    va_end(ap);
#ifdef SYS_openat2
    const char *no2 = getenv("QUIRE_SWAP_NO_OPENAT2");
    if (nr == SYS_openat2 && no2 != NULL && *no2 != '\0') {
        errno = ENOSYS;
        return -1;
    }
#endif
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "syscall");
    return real(nr, arg[0], arg[1], arg[2], arg[3], arg[4], arg[5]);
}
