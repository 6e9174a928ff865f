/* SPDX-License-Identifier: ISC */
/* casefold.c: an LD_PRELOAD shim that makes the names quire-read extract uses behave as on a
 * case-insensitive file system (macOS, Windows, ext4 with casefold), which the test machine
 * does not have: for calls relative to a directory descriptor (extract opens, creates and
 * renames everything relative to one), the last component of the name is folded to ASCII
 * lower case before the real call. "A.txt" and "a.txt", or "D" and "d", in one directory then
 * name one file or directory, as they would there. Used by faults.sh; not installed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *fold(int dirfd, const char *path, char *buf)
{
    if (dirfd == AT_FDCWD || path == NULL || strlen(path) >= PATH_MAX)
        return path;
    strcpy(buf, path);
    char *leaf = strrchr(buf, '/');
    for (char *p = leaf != NULL ? leaf + 1 : buf; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return buf;
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    static int (*real)(int, const char *, int, const char *);
    char buf[PATH_MAX];
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "renameat");
    return real(olddirfd, oldpath, newdirfd, fold(newdirfd, newpath, buf));
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
              unsigned int flags)
{
    static int (*real)(int, const char *, int, const char *, unsigned int);
    char buf[PATH_MAX];
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "renameat2");
    return real(olddirfd, oldpath, newdirfd, fold(newdirfd, newpath, buf), flags);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    static int (*real)(int, const char *, int, const char *, int);
    char buf[PATH_MAX];
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "linkat");
    return real(olddirfd, oldpath, newdirfd, fold(newdirfd, newpath, buf), flags);
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
    static int (*real)(int, const char *, struct stat64 *, int);
    char buf[PATH_MAX];
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "fstatat64");
    return real(dirfd, fold(dirfd, path, buf), st, flags);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    static int (*real)(int, const char *, struct stat *, int);
    char buf[PATH_MAX];
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "fstatat");
    return real(dirfd, fold(dirfd, path, buf), st, flags);
}

static int open_folded(const char *name, int dirfd, const char *path, int flags, va_list ap)
{
    static int (*real[2])(int, const char *, int, ...);
    int which = name[6] == '6'; /* "openat" or "openat64" */
    char buf[PATH_MAX];
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
    if (real[which] == NULL)
        *(void **)&real[which] = dlsym(RTLD_NEXT, name);
    return real[which](dirfd, fold(dirfd, path, buf), flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int fd = open_folded("openat", dirfd, path, flags, ap);
    va_end(ap);
    return fd;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int fd = open_folded("openat64", dirfd, path, flags, ap);
    va_end(ap);
    return fd;
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    static int (*real)(int, const char *, mode_t);
    char buf[PATH_MAX];
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "mkdirat");
    return real(dirfd, fold(dirfd, path, buf), mode);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    static int (*real)(int, const char *, int);
    char buf[PATH_MAX];
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "unlinkat");
    return real(dirfd, fold(dirfd, path, buf), flags);
}
