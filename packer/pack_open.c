/* SPDX-License-Identifier: ISC */
/* pack_open.c: opening the inputs that pack_input.c found, again, to pack them: beneath the
 * root they were found under without following a symbolic link (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, or one directory at a time), or with -L following links as the walk
 * did; either way the file opened must be the one the walk found (device and inode), so that
 * a directory or file swapped in between cannot bring in another (issue 11, finding 7). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "pack.h"

int pack_check_readable(const char *path, bool dir_ok)
{
    struct stat st;
    int fd = -1;

    if (stat(path, &st) != 0)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        if (!dir_ok || faccessat(AT_FDCWD, path, R_OK | X_OK, AT_EACCESS) != 0)
            goto fail;
        return 0;
    }
    /* Only a regular file is opened here: opening a device may act on it, and other types
     * are refused by name later. */
    if (S_ISREG(st.st_mode) && (fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
        goto fail;
    if (fd >= 0)
        close(fd);
    return 0;
fail:
    pack_warn("%s: cannot read: %s", path, strerror(errno));
    return 2;
}

int pack_open_input(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        errno = EISDIR;
    else if (fd >= 0)
        return fd;
    pack_warn("%s: cannot read: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* ---- opening inputs beneath their roots ---- */

/* The root the last input was opened beneath, kept open for the next one. */
static const char *root_path;
static int root_fd = -1;

/* Opens rel beneath dirfd one component at a time, each directory with O_NOFOLLOW: the
 * fallback where openat2 is missing (Linux before 5.6, or a seccomp filter refusing it). */
static int open_by_components(int dirfd, const char *rel, int flags)
{
    char buf[8192];
    size_t n = strlen(rel);
    if (n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, rel, n + 1);
    int cur = dirfd, fd;
    char *p = buf, *slash;
    while ((slash = strchr(p, '/')) != NULL) {
        *slash = '\0';
        if (strcmp(p, "..") == 0) {
            fd = -1;
            errno = EXDEV;
        } else if (*p == '\0' || strcmp(p, ".") == 0) {
            p = slash + 1;
            continue;
        } else {
            fd = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        int e = errno;
        if (cur != dirfd)
            close(cur);
        errno = e;
        if (fd < 0)
            return -1;
        cur = fd;
        p = slash + 1;
    }
    fd = strcmp(p, "..") == 0 ? (errno = EXDEV, -1) : openat(cur, p, flags | O_NOFOLLOW);
    int e = errno;
    if (cur != dirfd)
        close(cur);
    errno = e;
    return fd;
}

/* Opens rel beneath dirfd without following a symbolic link in any component. */
static int open_beneath(int dirfd, const char *rel, int flags)
{
#ifdef SYS_openat2
    static bool no_openat2;
    if (!no_openat2) {
        struct open_how how = {.flags = (uint64_t)flags,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
        long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
        if (fd >= 0)
            return (int)fd;
        if (errno != ENOSYS && errno != EPERM && errno != EINVAL && errno != E2BIG)
            return -1;
        no_openat2 = true;
    }
#endif
    return open_by_components(dirfd, rel, flags);
}

/* The root directory of in, opened as the user named it (a symlink given as INPUT is followed,
 * as the walk did) and checked to be the directory the walk went through. */
static int open_root(const pack_input *in)
{
    struct stat st;
    if (root_fd >= 0 && root_path == in->root)
        return root_fd;
    if (root_fd >= 0)
        close(root_fd);
    root_path = NULL;
    char buf[8192];
    const char *name = in->archive != NULL ? pack_input_name(in, buf, sizeof buf) : in->root;
    root_fd = open(in->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0 || fstat(root_fd, &st) != 0) {
        pack_warn("%s: cannot open: %s", name, strerror(errno));
    } else if (st.st_dev != in->root_dev || st.st_ino != in->root_ino) {
        pack_warn("%s: changed while packing: it is no longer the directory that was read", name);
    } else {
        root_path = in->root;
        return root_fd;
    }
    if (root_fd >= 0)
        close(root_fd);
    root_fd = -1;
    return -1;
}

int pack_input_open(const pack_input *in, struct stat *st)
{
    const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    const char *rel = in->fs_path + in->rel;
    char buf[8192];
    const char *name = pack_input_name(in, buf, sizeof buf);
    int fd;

    if (*rel == '\0') {
        fd = open(in->root, flags); /* a file given as INPUT, followed as the walk did */
    } else {
        int dir = open_root(in);
        if (dir < 0)
            return -1;
        /* -L: links are followed as the walk followed them; the identity check below still
         * holds the file to the one that was found. */
        fd = in->follow ? openat(dir, rel, flags) : open_beneath(dir, rel, flags);
    }
    if (fd < 0) {
        if (!in->follow && (errno == ELOOP || errno == ENOTDIR || errno == EXDEV))
            pack_warn("%s: changed while packing: a symbolic link or a file is now in its path",
                      name);
        else
            pack_warn("%s: cannot read: %s", name, strerror(errno));
        return -1;
    }
    if (fstat(fd, st) != 0) {
        pack_warn("%s: cannot read: %s", name, strerror(errno));
    } else if (!S_ISREG(st->st_mode)) {
        pack_warn("%s: changed while packing: no longer a regular file", name);
    } else if (st->st_dev != in->dev || st->st_ino != in->ino) {
        pack_warn("%s: changed while packing: it is no longer the file that was found", name);
    } else {
        return fd;
    }
    close(fd);
    return -1;
}

void pack_input_close(void)
{
    if (root_fd >= 0)
        close(root_fd);
    root_fd = -1;
    root_path = NULL;
}
