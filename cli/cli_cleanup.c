/* SPDX-License-Identifier: ISC */
/* cli_cleanup.c: temporary outputs removed on failure and on SIGINT, SIGTERM, SIGHUP. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli_cleanup.h"

typedef struct slot {
    int dirfd;
    int kind;
    char *name; /* NULL: free slot */
} slot;

static slot *slots;
static volatile sig_atomic_t nslots; /* slots[0..nslots) are initialised */
static int cap;

static const int handled[] = {SIGINT, SIGTERM, SIGHUP};

static void block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
        sigaddset(&set, handled[i]);
    pthread_sigmask(SIG_BLOCK, &set, old); /* this thread; the library's threads block all */
}

static void unblock(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

void cli_cleanup_hold(sigset_t *old)
{
    block(old);
}

void cli_cleanup_release(const sigset_t *old)
{
    unblock(old);
}

/* Whether the entry de of fd is a directory (d_type, or fstatat where the file system does
 * not fill it in). */
static bool is_dir(int fd, const struct dirent64 *de)
{
    struct stat st;
    if (de->d_type != DT_UNKNOWN)
        return de->d_type == DT_DIR;
    return fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* The subdirectory of fd after the first skip ones (its name, to fit in room bytes, in sub),
 * unlinking the files met on the way: all of them, or with only_tmp those whose names begin
 * with CLI_TMP_PREFIX. False when there is none. It reads from the start each time: removals
 * do not reorder a directory, so the skip directories found not removable come first. */
static bool next_subdir(int fd, size_t skip, bool only_tmp, char *sub, size_t room)
{
    static char buf[8192];
    long n;
    lseek(fd, 0, SEEK_SET);
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct dirent64 *de = (struct dirent64 *)(buf + off);
            off += de->d_reclen;
            const char *d = de->d_name;
            if (d[0] == '.' && (d[1] == '\0' || (d[1] == '.' && d[2] == '\0')))
                continue;
            if (!is_dir(fd, de)) {
                if (!only_tmp || strncmp(d, CLI_TMP_PREFIX, sizeof CLI_TMP_PREFIX - 1) == 0)
                    unlinkat(fd, d, 0);
                continue;
            }
            size_t dl = strlen(d);
            if (dl >= room || skip-- > 0)
                continue; /* a directory too deep to name is left behind */
            memcpy(sub, d, dl + 1);
            return true;
        }
    }
    return false;
}

/* Removes the tree at dirfd/name (only_tmp: only its temporary files and the directories left
 * empty) with async-signal-safe calls only (openat, getdents64, unlinkat, fstat), without
 * recursion and in time linear in its size: it descends one directory at a time, holding only
 * the current one open, and climbs back through "..", which must be the directory it came from
 * (device and inode), so that a directory moved meanwhile never leads it outside the tree. A
 * directory that cannot be removed (not empty, or too deep for the path buffer) is skipped. */
static void remove_tree(int dirfd, const char *name, bool only_tmp)
{
    static char path[8192]; /* the names from the top, '/'-separated */
    static struct {
        dev_t dev;
        ino_t ino;
        size_t skip; /* subdirectories found not removable */
    } up[sizeof path / 2 + 1];
    struct stat st;
    size_t len = 0, depth = 0;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    up[0].skip = 0;
    while (fd >= 0) {
        char *sub = path + len + (len > 0);
        if (len + 1 < sizeof path && fstat(fd, &st) == 0 &&
            next_subdir(fd, up[depth].skip, only_tmp, sub, sizeof path - len - 1)) {
            int child = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0) {
                up[depth].skip++;
                continue;
            }
            up[depth].dev = st.st_dev;
            up[depth].ino = st.st_ino;
            close(fd);
            if (len > 0)
                path[len] = '/';
            len += strlen(path + len);
            up[++depth].skip = 0;
            fd = child;
            continue;
        }
        if (depth == 0)
            break;
        int parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        close(fd);
        depth--;
        if (parent < 0 || fstat(parent, &st) != 0 || st.st_dev != up[depth].dev ||
            st.st_ino != up[depth].ino) {
            if (parent >= 0)
                close(parent);
            return; /* moved: not ours to follow */
        }
        char *leaf = memrchr(path, '/', len);
        leaf = leaf != NULL ? leaf + 1 : path;
        if (unlinkat(parent, leaf, AT_REMOVEDIR) != 0)
            up[depth].skip++;
        len = leaf > path ? (size_t)(leaf - path - 1) : 0;
        path[len] = '\0';
        fd = parent;
    }
    if (fd >= 0)
        close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void remove_slot(const slot *s)
{
    if (s->name == NULL)
        return;
    if (s->kind == CLI_TMP_FILE)
        unlinkat(s->dirfd, s->name, 0);
    else if (s->kind == CLI_TMP_DIR)
        unlinkat(s->dirfd, s->name, AT_REMOVEDIR);
    else
        remove_tree(s->dirfd, s->name, s->kind == CLI_TMP_STAGING);
}

static void on_signal(int sig)
{
    int e = errno;
    for (int i = nslots; i-- > 0;)
        remove_slot(&slots[i]);
    signal(sig, SIG_DFL);
    errno = e;
    raise(sig); /* delivered when the handler returns: the process ends as the signal says */
}

int cli_cleanup_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
        sigaddset(&sa.sa_mask, handled[i]);
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) {
        struct sigaction old;
        /* A signal the shell ignored (nohup, background jobs) stays ignored. */
        if (sigaction(handled[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        if (sigaction(handled[i], &sa, NULL) != 0)
            return -1;
    }
    return 0;
}

int cli_cleanup_add(int dirfd, const char *name, enum cli_tmp_kind kind)
{
    char *copy = strdup(name);
    if (copy == NULL)
        return -1;
    sigset_t old;
    block(&old);
    int i = nslots;
    if (i > 0 && slots[i - 1].name == NULL)
        i--; /* reuse the newest slot once it is free: the common case of one output at a time */
    if (i == cap) {
        int ncap = cap ? 2 * cap : 16;
        slot *s = realloc(slots, (size_t)ncap * sizeof *s);
        if (s == NULL) {
            unblock(&old);
            free(copy);
            return -1;
        }
        slots = s;
        cap = ncap;
    }
    slots[i] = (slot){.dirfd = dirfd, .kind = kind, .name = copy};
    if (i == nslots)
        nslots = i + 1;
    unblock(&old);
    return i;
}

static void forget(int handle, bool remove)
{
    if (handle < 0 || handle >= nslots)
        return;
    sigset_t old;
    block(&old);
    if (remove)
        remove_slot(&slots[handle]);
    free(slots[handle].name);
    slots[handle].name = NULL;
    while (nslots > 0 && slots[nslots - 1].name == NULL)
        nslots--;
    unblock(&old);
}

void cli_cleanup_done(int handle)
{
    forget(handle, false);
}

void cli_cleanup_remove(int handle)
{
    forget(handle, true);
}

void cli_cleanup_remove_all(void)
{
    for (int i = nslots; i-- > 0;)
        forget(i, true);
}
