/* SPDX-License-Identifier: ISC */
/* read_extract.c: quire-read extract.
 *
 * Nothing is released unless the whole extraction verifies: every file is written under a
 * temporary name in its final directory, and only after the last selected entry's SHA-256
 * has matched are the files renamed into place. If anything fails, the temporary files and
 * the directories this run created are removed, so a rejected bundle leaves DIR as it was.
 * Both go through cli_cleanup, which also removes them on SIGINT, SIGTERM and SIGHUP: the
 * failure path and the signal handler remove the same things. (A failure or signal during the
 * renames themselves leaves the files already renamed: complete and verified.) What is
 * registered stays small whatever the bundle holds: one staging tree per directory made beside
 * existing ones (SPEC 4.3 sorts the entries, so everything below it comes in one run, and the
 * temporary files and directories inside need no registration of their own; its removal
 * leaves whatever someone else put there), and one name per file in a directory that existed.
 * Per selected entry that is 56 bytes of staged state and 1 of selection, plus, only for an
 * entry that starts a tree or lies in a directory that existed, one registration (about 48
 * bytes and the length of the existing directory's path): nothing grows with the depth.
 *
 * Directories are opened one component at a time with O_NOFOLLOW relative to DIR, so
 * neither a bundle path (already checked against SPEC 4) nor a symlink planted in DIR can
 * lead outside it. Data reaches the disk before any rename (unless --no-sync): writeback
 * starts when a file is complete, and a syncfs of each file system in a batch of SYNC_FILES
 * files or SYNC_BYTES bytes waits for it; a syncfs at the end makes the renames durable. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_cleanup.h"
#include "cli_progress.h"
#include "read.h"

#define SYNC_FILES 256
#define SYNC_BYTES (64u << 20)
#define TMP_PREFIX CLI_TMP_PREFIX

typedef struct staged {
    uint32_t entry;
    int handle; /* its cli_cleanup registration, or -1 when a tree this run made holds it */
    char tmp[28];
    dev_t dev; /* the temporary file's identity, which the rename keeps */
    ino_t ino;
} staged;

/* An entry that failed under --keep-going, and the tree this run made that holds its
 * directory, whose directories it may have made (tree_len, or -1: its directory existed). */
typedef struct failed {
    uint32_t entry;
    long tree_len;
} failed;

typedef struct extract_ctx {
    const quire_index *idx;
    const char *bundle;
    int root; /* DIR */
    bool force, sync;
    mode_t umask;
    int fd;         /* temporary file being written, or -1 */
    int fd_dir;     /* its directory */
    int handle;     /* its registration, or -1 */
    char tmp[28];   /* its name */
    staged *staged; /* complete temporary files, in entry order */
    size_t nstaged, staged_cap;
    size_t *by_id;            /* indexes of staged sorted by (dev, ino), made when first needed */
    int unsynced[SYNC_FILES]; /* complete files whose data may not be on disk yet */
    dev_t unsynced_dev[SYNC_FILES]; /* and their file systems */
    size_t nunsynced;
    uint64_t unsynced_bytes;
    int *trees; /* registrations of the trees this run made, one per top directory made */
    size_t ntrees, trees_cap;
    int dir_handle;   /* DIR's registration when this run made it, or -1 */
    const char *tree; /* the newest tree made (a prefix of an entry's path), "" for DIR */
    size_t tree_len;
    /* The directory of the previous entry: entries come sorted, so most share it. */
    char cached_dir[QUIRE_MAX_PATH_BYTES + 1];
    size_t cached_len;
    int cached_fd;
    bool cache_valid;
    bool cached_in_tree; /* the cached directory lies in a tree this run made */
    uint32_t done;
    cli_progress meter;
    failed *failed; /* --keep-going: the entries that did not verify, in entry order */
    size_t nfailed, failed_cap;
} extract_ctx;

static int sys_error(quire_error *err, const char *what, const char *path)
{
    return quire_error_set(err, QUIRE_E_IO, "%s %s: %s", what, path, strerror(errno));
}

/* The length of the directory part of a path ("a/b/c" -> 3, "c" -> 0). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? (size_t)(slash - path) : 0;
}

/* Whether path[0..len) lies in the newest tree this run made. Entries come sorted (SPEC 4.3),
 * so the paths below a directory are consecutive: once past the newest tree, no later entry
 * returns into an older one. */
static bool in_tree(const extract_ctx *x, const char *path, size_t len)
{
    size_t n = x->tree_len;
    return x->tree != NULL && len >= n && memcmp(path, x->tree, n) == 0 &&
           (n == 0 || len == n || path[n] == '/');
}

static void hold_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, old);
}

/* Registers path[0..len), a directory just made, as a tree to remove on failure. */
static bool add_tree(extract_ctx *x, const char *path, size_t len)
{
    if (x->ntrees == x->trees_cap) {
        size_t cap = x->trees_cap ? 2 * x->trees_cap : 16;
        int *t = realloc(x->trees, cap * sizeof *t);
        if (t == NULL)
            return false;
        x->trees = t;
        x->trees_cap = cap;
    }
    char *name = strndup(path, len);
    int h = name != NULL ? cli_cleanup_add(x->root, name, CLI_TMP_STAGING) : -1;
    free(name);
    if (h < 0)
        return false;
    x->trees[x->ntrees++] = h;
    x->tree = path;
    x->tree_len = len;
    return true;
}

/* Makes the directory comp (path[0..len)) in dir. One made outside the newest tree starts a
 * new tree, made and registered with the signals held, so that no signal finds it made but
 * unregistered. Returns 0 (also when comp exists: the openat that follows decides), or -1
 * with errno ENOMEM. */
static int make_dir(extract_ctx *x, int dir, const char *comp, const char *path, size_t len)
{
    if (in_tree(x, path, len)) {
        mkdirat(dir, comp, 0777);
        return 0;
    }
    sigset_t old;
    int rc = 0;
    hold_signals(&old);
    if (mkdirat(dir, comp, 0777) == 0 && !add_tree(x, path, len)) {
        unlinkat(dir, comp, AT_REMOVEDIR);
        rc = -1;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = rc != 0 ? ENOMEM : errno;
    return rc;
}

/* Opens (creating when create is set) the directories of path below DIR, one component at a
 * time, never following a symlink. Returns the directory fd, or -1 with errno set. */
static int open_dirs(extract_ctx *x, const char *path, size_t len, bool create)
{
    int dir = dup(x->root);
    for (size_t start = 0; dir >= 0 && start < len;) {
        const char *slash = memchr(path + start, '/', len - start);
        size_t end = slash != NULL ? (size_t)(slash - path) : len;
        char comp[QUIRE_MAX_COMPONENT_BYTES + 1];
        memcpy(comp, path + start, end - start);
        comp[end - start] = '\0';
        /* A failing mkdirat (most often EEXIST) shows, if it matters, in the openat below. */
        if (create && make_dir(x, dir, comp, path, end) != 0) {
            close(dir);
            return -1;
        }
        int next = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(dir);
        errno = e;
        dir = next;
        start = end + 1;
    }
    return dir;
}

/* The directory of an entry's path, through a one-directory cache; a descriptor the caller
 * closes, or -1 with errno set. *leaf is the file name. */
static int parent_of(extract_ctx *x, const char *path, bool create, const char **leaf)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash != NULL ? (size_t)(slash - path) : 0;
    *leaf = slash != NULL ? slash + 1 : path;
    if (!x->cache_valid || x->cached_len != len || memcmp(x->cached_dir, path, len) != 0) {
        int fd = open_dirs(x, path, len, create);
        if (fd < 0)
            return -1; /* not cached: the directory may be created by a later call */
        if (x->cache_valid)
            close(x->cached_fd);
        x->cached_fd = fd;
        memcpy(x->cached_dir, path, len);
        x->cached_len = len;
        x->cache_valid = true;
        x->cached_in_tree = in_tree(x, path, len);
    }
    return dup(x->cached_fd);
}

/* Registers the temporary file x->tmp in the directory of path (relative to DIR), unless a
 * tree this run made holds it. Done before the file exists: its name is random, so a signal
 * in between can only remove a name nothing else has. Returns false when out of memory. */
static bool add_tmp(extract_ctx *x, const char *path)
{
    char name[QUIRE_MAX_PATH_BYTES + sizeof x->tmp + 1];
    size_t len = dir_len(path);
    x->handle = -1;
    if (x->cached_in_tree)
        return true;
    snprintf(name, sizeof name, "%.*s%s%s", (int)len, path, len ? "/" : "", x->tmp);
    x->handle = cli_cleanup_add(x->root, name, CLI_TMP_FILE);
    return x->handle >= 0;
}

static int x_begin(void *vctx, uint32_t i, quire_error *err)
{
    extract_ctx *x = vctx;
    const char *path = x->idx->entries[i].path, *leaf;
    uint8_t rnd[8];

    x->fd_dir = parent_of(x, path, true, &leaf);
    if (x->fd_dir < 0)
        return errno == ELOOP || errno == ENOTDIR
                   ? quire_error_set(err, QUIRE_E_IO,
                                     "entry %u (%s): a directory on its path is a symlink or a "
                                     "file, refusing to write through it",
                                     i, path)
                   : sys_error(err, "cannot create directories for", path);
    randombytes_buf(rnd, sizeof rnd);
    memcpy(x->tmp, TMP_PREFIX, sizeof TMP_PREFIX);
    sodium_bin2hex(x->tmp + sizeof TMP_PREFIX - 1, sizeof x->tmp - sizeof TMP_PREFIX + 1, rnd,
                   sizeof rnd);
    if (!add_tmp(x, path))
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    x->fd = openat(x->fd_dir, x->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (x->fd < 0) {
        int e = errno;
        cli_cleanup_done(x->handle); /* not made: the name is not ours to remove */
        x->handle = -1;
        errno = e;
        return sys_error(err, "cannot create a temporary file for", path);
    }
    return QUIRE_OK;
}

static int x_data(void *vctx, uint32_t i, const uint8_t *p, size_t n, quire_error *err)
{
    extract_ctx *x = vctx;
    cli_progress_add(&x->meter, n);
    while (n > 0) {
        ssize_t w = write(x->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return sys_error(err, "cannot write", x->idx->entries[i].path);
        p += w;
        n -= (size_t)w;
    }
    return QUIRE_OK;
}

/* Waits for the data of the complete files to reach the disk, and closes them: one syncfs
 * per file system in the batch. The journal is then committed once per batch, where an
 * fdatasync per file commits it per file (0.70 ms a file on ext4 here: 1,065 files of the
 * Python docs took 4.7 s to extract with fdatasync, 1.5 s with syncfs). */
static int sync_files(extract_ctx *x, quire_error *err)
{
    int rc = QUIRE_OK;
    for (size_t k = 0; x->sync && rc == QUIRE_OK && k < x->nunsynced; k++) {
        bool first_of_dev = true;
        for (size_t m = 0; first_of_dev && m < k; m++)
            first_of_dev = x->unsynced_dev[m] != x->unsynced_dev[k];
        if (first_of_dev && syncfs(x->unsynced[k]) != 0)
            rc = sys_error(err, "cannot write under", ".");
    }
    for (size_t k = 0; k < x->nunsynced; k++)
        close(x->unsynced[k]);
    x->nunsynced = 0;
    x->unsynced_bytes = 0;
    return rc;
}

static int x_end(void *vctx, uint32_t i, quire_error *err)
{
    extract_ctx *x = vctx;
    const quire_entry *e = &x->idx->entries[i];
    mode_t mode = ((e->flags & QUIRE_ENTRY_FLAG_EXEC) ? 0777 : 0666) & ~x->umask;
    if (x->nstaged == x->staged_cap) {
        size_t cap = x->staged_cap ? 2 * x->staged_cap : 256;
        staged *s = realloc(x->staged, cap * sizeof *s);
        if (s == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        x->staged = s;
        x->staged_cap = cap;
    }
    struct stat st;
    if (fchmod(x->fd, mode) != 0 || fstat(x->fd, &st) != 0)
        return sys_error(err, "cannot write", e->path);
    x->staged[x->nstaged].dev = st.st_dev;
    x->staged[x->nstaged].ino = st.st_ino;
    if (x->sync)
        sync_file_range(x->fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* start writeback now */
    x->staged[x->nstaged].entry = i;
    x->staged[x->nstaged].handle = x->handle;
    memcpy(x->staged[x->nstaged++].tmp, x->tmp, sizeof x->tmp);
    x->handle = -1;
    x->unsynced_dev[x->nunsynced] = st.st_dev;
    x->unsynced[x->nunsynced++] = x->fd;
    x->unsynced_bytes += e->size;
    x->fd = -1;
    close(x->fd_dir);
    x->fd_dir = -1;
    if (x->nunsynced == SYNC_FILES || x->unsynced_bytes >= SYNC_BYTES)
        return sync_files(x, err);
    return QUIRE_OK;
}

/* Renames a synced file into place; without --force an existing name is never replaced,
 * atomically (RENAME_NOREPLACE, else link + unlink). */
static int place(int dir, const char *tmp, const char *leaf, bool force)
{
    if (force)
        return renameat(dir, tmp, dir, leaf);
    if (renameat2(dir, tmp, dir, leaf, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (linkat(dir, tmp, dir, leaf, 0) != 0)
        return -1;
    return unlinkat(dir, tmp, 0);
}

static bool same_dir(const char *a, const char *b)
{
    size_t n = dir_len(a);
    return n == dir_len(b) && memcmp(a, b, n) == 0;
}

static const staged *sorting; /* qsort has no context argument */

/* Orders file identities by device, then inode. */
static int cmp_file_id(dev_t ad, ino_t ai, dev_t bd, ino_t bi)
{
    if (ad != bd)
        return ad < bd ? -1 : 1;
    return ai < bi ? -1 : ai > bi;
}

static int by_file_id(const void *a, const void *b)
{
    const staged *p = &sorting[*(const size_t *)a], *q = &sorting[*(const size_t *)b];
    return cmp_file_id(p->dev, p->ino, q->dev, q->ino);
}

/* On a file system that ignores case or normalises names (macOS, Windows, ext4 casefold),
 * two paths of the bundle can name one file. If leaf in dir already is a file this run
 * placed, returns its staged index; else -1. */
static long placed_as(extract_ctx *x, int dir, const char *leaf)
{
    struct stat st;
    if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (x->by_id == NULL) {
        if ((x->by_id = malloc(x->nstaged * sizeof *x->by_id)) == NULL)
            return -1;
        for (size_t m = 0; m < x->nstaged; m++)
            x->by_id[m] = m;
        sorting = x->staged;
        qsort(x->by_id, x->nstaged, sizeof *x->by_id, by_file_id);
    }
    size_t lo = 0, hi = x->nstaged;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const staged *m = &x->staged[x->by_id[mid]];
        int c = cmp_file_id(m->dev, m->ino, st.st_dev, st.st_ino);
        if (c == 0)
            return (long)x->by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The bundle directory (written to out) that leaf in dir now is: a name this file system
 * folded onto one of this run's directories (one that existed before is refused by
 * check_existing). Scans the entries below dir's path, parent[0..plen); runs once, on an
 * error. */
static bool dir_as(const extract_ctx *x, int dir, const char *leaf, const char *parent, size_t plen,
                   char *out, size_t cap)
{
    struct stat st, m;
    if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
        return false;
    for (uint32_t i = 0; i < x->idx->entry_count; i++) {
        const char *p = x->idx->entries[i].path, *comp = p + plen + (plen > 0);
        if (strncmp(p, parent, plen) != 0 || (plen > 0 && p[plen] != '/'))
            continue;
        const char *slash = strchr(comp, '/');
        char name[QUIRE_MAX_COMPONENT_BYTES + 1];
        if (slash == NULL || (size_t)(slash - comp) > QUIRE_MAX_COMPONENT_BYTES)
            continue;
        memcpy(name, comp, (size_t)(slash - comp));
        name[slash - comp] = '\0';
        if (fstatat(dir, name, &m, AT_SYMLINK_NOFOLLOW) == 0 && m.st_dev == st.st_dev &&
            m.st_ino == st.st_ino) {
            snprintf(out, cap, "%.*s", (int)(slash - p), p);
            return true;
        }
    }
    return false;
}

/* The error for staged file k (leaf in dir), whose name is taken: by staged file other
 * (-1: none), or by a directory of this run (a name collision on this file system), or by
 * a file that appeared since check_existing; errno is the failed rename's. */
static int name_taken(extract_ctx *x, size_t k, int dir, const char *leaf, long other,
                      quire_error *err)
{
    int e_no = errno;
    const quire_entry *e = &x->idx->entries[x->staged[k].entry];
    char what[QUIRE_MAX_PATH_BYTES + 48], made[QUIRE_MAX_PATH_BYTES + 1];
    bool is_dir = other < 0 && dir_as(x, dir, leaf, e->path, dir_len(e->path), made, sizeof made);
    if (other >= 0 || is_dir) {
        if (is_dir)
            snprintf(what, sizeof what, "the directory %s", made);
        else
            snprintf(what, sizeof what, "entry %u (%s)", x->staged[other].entry,
                     x->idx->entries[x->staged[other].entry].path);
        return quire_error_set(err, QUIRE_E_IO,
                               "entry %u (%s): this file system gives it the same name as %s, as "
                               "it ignores case or normalises names: extract them one at a time "
                               "into different directories",
                               x->staged[k].entry, e->path, what);
    }
    errno = e_no;
    if (errno == EEXIST)
        return quire_error_set(err, QUIRE_E_IO, "%s exists: use --force to replace it", e->path);
    return sys_error(err, "cannot rename into place", e->path);
}

/* --keep-going: entry i did not verify. Its temporary file (if begun) is removed at once, so
 * nothing of it is ever renamed; it is named on stderr, and remembered for the summary and to
 * remove the directories made only for it. */
static int x_fail(void *vctx, uint32_t i, quire_error *err)
{
    extract_ctx *x = vctx;
    if (x->nfailed == x->failed_cap) {
        size_t cap = x->failed_cap ? 2 * x->failed_cap : 16;
        failed *f = realloc(x->failed, cap * sizeof *f);
        if (f == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        x->failed = f;
        x->failed_cap = cap;
    }
    x->failed[x->nfailed].entry = i;
    x->failed[x->nfailed++].tree_len = x->fd >= 0 && x->cached_in_tree ? (long)x->tree_len : -1;
    if (x->fd >= 0) {
        close(x->fd);
        if (x->handle >= 0)
            cli_cleanup_remove(x->handle);
        else
            unlinkat(x->fd_dir, x->tmp, 0);
        close(x->fd_dir);
        x->fd = x->fd_dir = x->handle = -1;
    }
    if (x->meter.on)
        fputs("\r\033[K", stderr); /* the message replaces the meter's line */
    read_error(x->bundle, err);
    return QUIRE_OK;
}

/* Removes the directory path[0..len) below DIR if it is empty, its parent opened without
 * following symlinks. Returns 0 or -1. */
static int remove_dir(extract_ctx *x, const char *path, size_t len)
{
    const char *slash = memrchr(path, '/', len);
    size_t plen = slash != NULL ? (size_t)(slash - path) : 0;
    size_t start = slash != NULL ? plen + 1 : 0;
    char comp[QUIRE_MAX_COMPONENT_BYTES + 1];
    snprintf(comp, sizeof comp, "%.*s", (int)(len - start), path + start);
    int dir = open_dirs(x, path, plen, false);
    int rc = dir >= 0 ? unlinkat(dir, comp, AT_REMOVEDIR) : -1;
    if (dir >= 0)
        close(dir);
    return rc;
}

/* Removes the directories this run made for failed entries and left empty: from each one's
 * directory up to the top of the tree that holds it (DIR itself stays). */
static void remove_failed_dirs(extract_ctx *x)
{
    for (size_t k = x->nfailed; k-- > 0;) {
        const char *path = x->idx->entries[x->failed[k].entry].path;
        long top = x->failed[k].tree_len;
        size_t len = dir_len(path);
        while (top >= 0 && len > 0 && (long)len >= top && remove_dir(x, path, len) == 0) {
            const char *slash = memrchr(path, '/', len);
            len = slash != NULL ? (size_t)(slash - path) : 0;
        }
    }
}

/* The renames of commit() reach the disk with one syncfs per file system at the end, rather
 * than an fsync per directory; past DIR_SYNC_DEVS file systems, the directory is fsync'd. */
#define DIR_SYNC_DEVS 8
typedef struct dir_syncs {
    int fd[DIR_SYNC_DEVS];
    dev_t dev[DIR_SYNC_DEVS];
    size_t n;
} dir_syncs;

static int sync_dir_later(dir_syncs *ds, int dir, dev_t dev)
{
    for (size_t k = 0; k < ds->n; k++)
        if (ds->dev[k] == dev)
            return 0;
    if (ds->n == DIR_SYNC_DEVS)
        return fsync(dir);
    int fd = dup(dir);
    if (fd < 0)
        return fsync(dir);
    ds->dev[ds->n] = dev;
    ds->fd[ds->n++] = fd;
    return 0;
}

/* Syncs and closes; -1 with errno if a syncfs failed. */
static int sync_dirs(dir_syncs *ds)
{
    int rc = 0, e = 0;
    for (size_t k = 0; k < ds->n; k++) {
        if (syncfs(ds->fd[k]) != 0 && rc == 0) {
            rc = -1;
            e = errno;
        }
        close(ds->fd[k]);
    }
    ds->n = 0;
    errno = e;
    return rc;
}

/* Every selected entry verified: renames the files into place, syncing each directory once
 * its files are in. A name that this file system folds onto one placed before is an error,
 * also with --force: the second file would silently replace the first. */
static int commit(extract_ctx *x, quire_error *err)
{
    dir_syncs ds = {.n = 0};
    int rc = sync_files(x, err);
    for (size_t k = 0; rc == QUIRE_OK && k < x->nstaged; k++) {
        const char *path = x->idx->entries[x->staged[k].entry].path, *leaf;
        int dir = parent_of(x, path, false, &leaf);
        long other = -1;
        if (dir >= 0 && x->force && (other = placed_as(x, dir, leaf)) >= 0) {
            rc = name_taken(x, k, dir, leaf, other, err);
        } else if (dir < 0) {
            rc = sys_error(err, "cannot rename into place", path);
        } else if (place(dir, x->staged[k].tmp, leaf, x->force) != 0) {
            int e_no = errno;
            other = placed_as(x, dir, leaf);
            errno = e_no;
            rc = name_taken(x, k, dir, leaf, other, err);
        } else {
            cli_cleanup_done(x->staged[k].handle); /* released: its temporary name is gone */
            /* Until every file is in place, a placed file is still this run's to take back: a
             * later failure or a signal removes it, so the directory is left as it was. Not
             * with --force, where it may have replaced a file that cannot be restored. */
            x->staged[k].handle = x->force ? -1 : cli_cleanup_add(x->root, path, CLI_TMP_FILE);
            x->done++;
            bool last = k + 1 == x->nstaged ||
                        !same_dir(path, x->idx->entries[x->staged[k + 1].entry].path);
            if (x->sync && last && sync_dir_later(&ds, dir, x->staged[k].dev) != 0)
                rc = sys_error(err, "cannot sync the directory of", path);
        }
        if (dir >= 0)
            close(dir);
    }
    if (sync_dirs(&ds) != 0 && rc == QUIRE_OK)
        rc = sys_error(err, "cannot sync the directories under", ".");
    return rc;
}

/* Closes every file still open. */
static void close_files(extract_ctx *x)
{
    if (x->fd >= 0)
        close(x->fd);
    if (x->fd_dir >= 0)
        close(x->fd_dir);
    x->fd = x->fd_dir = -1;
    sync_files(x, NULL);
}

/* The run succeeded: every registration is forgotten, and what was made stays. */
static void keep_all(extract_ctx *x)
{
    for (size_t k = 0; k < x->nstaged; k++)
        cli_cleanup_done(x->staged[k].handle);
    for (size_t k = 0; k < x->ntrees; k++)
        cli_cleanup_done(x->trees[k]);
    cli_cleanup_done(x->dir_handle);
}

/* Whether pattern names path: the path itself or a directory above it, either spelled out or
 * matched by the shell-style pattern (fnmatch; '*' and '?' do not cross a '/'), as tar does. */
static bool matches(const char *pattern, size_t n, bool glob, const quire_entry *e)
{
    if (!glob)
        return e->path_len >= n && memcmp(e->path, pattern, n) == 0 &&
               (e->path_len == n || e->path[n] == '/');
    char prefix[QUIRE_MAX_PATH_BYTES + 1];
    memcpy(prefix, e->path, (size_t)e->path_len + 1);
    for (size_t len = e->path_len;; len--) {
        if (prefix[len] == '/' || prefix[len] == '\0') {
            prefix[len] = '\0';
            if (fnmatch(pattern, prefix, FNM_PATHNAME) == 0)
                return true;
        }
        if (len == 0)
            return false;
    }
}

/* Marks the entries named by args (exact paths, directories, or patterns); all when none. A
 * leading "./" and trailing slashes are ignored. */
static int select_entries(const quire_index *idx, const char *bundle, int argc, char **argv,
                          bool *sel)
{
    for (uint32_t i = 0; i < idx->entry_count; i++)
        sel[i] = argc == 0;
    for (int a = 0; a < argc; a++) {
        char *arg = argv[a];
        while (arg[0] == '.' && arg[1] == '/')
            arg += 2;
        size_t n = strlen(arg);
        while (n > 1 && arg[n - 1] == '/')
            arg[--n] = '\0';
        bool glob = strpbrk(arg, "*?[") != NULL, hit = false;
        for (uint32_t i = 0; i < idx->entry_count; i++)
            if (matches(arg, n, glob, &idx->entries[i]))
                sel[i] = hit = true;
        uint32_t k;
        if (!hit && !glob && read_find_form(idx, arg, &k)) /* typed in NFC, stored in NFD */
            sel[k] = hit = true;
        if (!hit && glob) {
            read_fail(bundle, "no path in the bundle matches '%s' (see quire-read list)", argv[a]);
            return 2;
        }
        if (!hit) { /* names the nearest paths, as show does */
            read_no_entry(idx, bundle, argv[a]);
            return 2;
        }
    }
    return 0;
}

/* Refuses before writing anything if a selected file exists and --force was not given. */
static int check_existing(extract_ctx *x, const bool *sel)
{
    const char *missing = NULL; /* the last directory found missing: its files are skipped */
    size_t missing_len = 0;
    for (uint32_t i = 0; i < x->idx->entry_count; i++) {
        const char *leaf, *path = x->idx->entries[i].path;
        struct stat st;
        if (!sel[i])
            continue;
        if (missing != NULL && dir_len(path) == missing_len &&
            memcmp(path, missing, missing_len) == 0)
            continue;
        int dir = parent_of(x, path, false, &leaf);
        if (dir < 0) { /* the directory does not exist yet, so neither does the file */
            missing = path;
            missing_len = dir_len(path);
            continue;
        }
        int exists = fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
        close(dir);
        if (exists && (!x->force || S_ISDIR(st.st_mode))) {
            read_fail(x->bundle, "%s exists%s", x->idx->entries[i].path,
                      S_ISDIR(st.st_mode) ? " as a directory" : ": use --force to replace it");
            return 2;
        }
    }
    return 0;
}

/* The one-line report: "extracted 1 file to DIR" (and how many did not verify). */
static void report(const extract_ctx *x, const read_opts *o)
{
    fputs(PROG ": ", stderr);
    cli_escape_str(stderr, x->bundle, strlen(x->bundle), 0);
    fprintf(stderr, ": extracted %u file%s to ", x->done, x->done == 1 ? "" : "s");
    cli_escape_str(stderr, o->dir, strlen(o->dir), 0);
    if (x->nfailed > 0)
        fprintf(stderr, "; %zu document%s did not verify and %s not written", x->nfailed,
                x->nfailed == 1 ? "" : "s", x->nfailed == 1 ? "was" : "were");
    fputc('\n', stderr);
}

static int run(extract_ctx *x, quire_reader *r, const bool *sel, const read_opts *o)
{
    quire_error err;
    quire_walk_ops ops = {x_begin, x_data, x_end};
    uint64_t total = 0;
    for (uint32_t i = 0; i < x->idx->entry_count; i++)
        total += sel[i] ? x->idx->entries[i].size : 0;
    cli_progress_start(&x->meter, "extracting", total, !o->quiet);
    int rc = o->keep_going ? quire_reader_walk_salvage(r, sel, &ops, x_fail, x, &err)
                           : quire_reader_walk(r, sel, &ops, x, &err);
    cli_progress_end(&x->meter);
    if (rc == QUIRE_OK)
        rc = commit(x, &err);
    close_files(x);
    if (rc != QUIRE_OK) {
        read_error(x->bundle, &err);
        return quire_exit_code(rc);
    }
    remove_failed_dirs(x);
    if (!o->quiet || x->nfailed > 0)
        report(x, o);
    return x->nfailed > 0 ? 1 : 0;
}

/* Makes DIR and its missing parents, as mkdir -p, with the signals held: the topmost
 * directory made is registered as a tree to remove on failure (x->dir_handle), so that no
 * signal finds one made but unregistered. Returns 0, or an errno value. */
static int make_root(extract_ctx *x, const char *dir)
{
    char *p = strdup(dir);
    size_t n = p != NULL ? strlen(p) : 0;
    int e = p != NULL ? 0 : ENOMEM;
    sigset_t old;
    hold_signals(&old);
    for (size_t i = 1; e == 0 && i <= n; i++) {
        if ((p[i] != '/' && p[i] != '\0') || p[i - 1] == '/')
            continue; /* not the end of a component */
        char keep = p[i];
        p[i] = '\0';
        if (mkdir(p, 0777) != 0)
            e = errno == EEXIST ? 0 : errno; /* a file in the way shows in the next step */
        else if (x->dir_handle < 0 &&
                 (x->dir_handle = cli_cleanup_add(AT_FDCWD, p, CLI_TMP_STAGING)) < 0) {
            rmdir(p);
            e = ENOMEM;
        }
        p[i] = keep;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(p);
    return e;
}

/* Opens DIR, creating it and its parents if needed; what this run made is a tree to remove on
 * failure. Returns 0 or 2 after a message. */
static int open_root(extract_ctx *x, const char *dir)
{
    int e = make_root(x, dir);
    if (x->dir_handle >= 0)
        x->tree = ""; /* everything below DIR is this run's */
    if (e != 0) {
        read_fail(dir, "cannot create directory: %s", strerror(e));
        return 2;
    }
    if ((x->root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        read_fail(dir, "cannot open directory: %s", strerror(errno));
        return 2;
    }
    return 0;
}

int cmd_extract(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    if (argc < 1) {
        read_fail(NULL, "extract: expected BUNDLE [PATH...]");
        return 2;
    }
    if (cli_cleanup_install() != 0) {
        read_fail(argv[0], "cannot handle signals: %s", strerror(errno));
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    extract_ctx x = {.idx = quire_reader_index(r),
                     .bundle = argv[0],
                     .root = -1,
                     .fd = -1,
                     .fd_dir = -1,
                     .handle = -1,
                     .dir_handle = -1,
                     .force = o->force,
                     .sync = !o->no_sync};
    x.umask = umask(0);
    umask(x.umask);
    bool *sel = calloc(x.idx->entry_count ? x.idx->entry_count : 1, sizeof *sel);
    if (sel == NULL)
        read_fail(argv[0], "out of memory"), code = 2;
    if (code == 0)
        code = open_root(&x, o->dir);
    if (code == 0)
        code = select_entries(x.idx, argv[0], argc - 1, argv + 1, sel);
    if (code == 0)
        code = check_existing(&x, sel);
    if (code == 0)
        code = run(&x, r, sel, o);
    if (code == 0 || (code == 1 && x.nfailed > 0))
        keep_all(&x); /* what verified stays, also when others did not */
    else
        cli_cleanup_remove_all(); /* what the signal handler would remove, DIR too if made */
    if (x.cache_valid)
        close(x.cached_fd);
    if (x.root >= 0)
        close(x.root);
    free(x.trees);
    free(x.staged);
    free(x.by_id);
    free(x.failed);
    free(sel);
    quire_reader_close(r);
    return code;
}
