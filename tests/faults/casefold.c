/* casefold.c: an LD_PRELOAD shim that makes the names quire-read extract places behave as on a
 * case-insensitive file system (macOS, Windows, ext4 with casefold), which the test machine
 * does not have: for calls relative to a directory descriptor, the last component of the
 * target name is folded to ASCII lower case before the real call. "A.txt" and "a.txt" in one
 * directory then name one file, as they would there. Directory components are not folded:
 * the test only puts colliding names in one directory. Used by faults.sh; not installed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
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
