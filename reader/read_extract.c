/* read_extract.c: quire-read extract. Every file is written under a temporary name inside its
 * final directory and renamed only after its SHA-256 matched and its data reached the disk.
 * Directories are opened one component at a time with O_NOFOLLOW relative to DIR, so neither
 * a bundle path (already checked against SPEC 4) nor a symlink planted in DIR can lead
 * outside it. Files are synced in batches of BATCH_FILES files or BATCH_BYTES bytes: writeback
 * starts as each file is closed, the batch is fdatasync'd (the first call commits the
 * journal for all of them, the rest find little left to do), then renamed and the directories
 * synced. A crash leaves complete files under their names and temporary files, never a
 * partial file under a final name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_progress.h"
#include "read.h"

#define BATCH_FILES 256
#define BATCH_BYTES (64u << 20)

/* A verified file waiting, under its temporary name, for the batch sync and its rename. */
typedef struct pending {
    int fd;
    int dir;
    char tmp[32];
    const char *leaf;
    const char *path;
} pending;

typedef struct extract_ctx {
    const quire_index *idx;
    const char *bundle;
    int root;     /* DIR */
    int parent;   /* directory of the current entry */
    int fd;       /* temporary file of the current entry */
    char tmp[32]; /* its name */
    const char *leaf;
    bool force;
    bool sync;
    mode_t umask;
    uint32_t done;
    pending batch[BATCH_FILES];
    size_t nbatch;
    uint64_t batch_bytes;
    /* The directory of the previous entry: entries come sorted, so most share it. */
    char cached_dir[QUIRE_MAX_PATH_BYTES + 1];
    size_t cached_len;
    int cached_fd; /* -1 with cached_errno: that directory could not be opened */
    int cached_errno;
    bool cache_valid, cached_create;
    cli_progress meter;
} extract_ctx;

static int sys_error(quire_error *err, const char *what, const char *path)
{
    return quire_error_set(err, QUIRE_E_IO, "%s %s: %s", what, path, strerror(errno));
}

/* Opens (creating when create is set) the directories of path below root, one component at
 * a time, never following a symlink. Returns the directory fd and sets *leaf to the file
 * name, or -1 with errno set. */
static int open_parent(int root, const char *path, bool create, const char **leaf)
{
    int dir = dup(root);
    const char *p = path;
    for (const char *slash; dir >= 0 && (slash = strchr(p, '/')) != NULL; p = slash + 1) {
        char comp[QUIRE_MAX_COMPONENT_BYTES + 1];
        size_t n = (size_t)(slash - p);
        memcpy(comp, p, n);
        comp[n] = '\0';
        if (create && mkdirat(dir, comp, 0777) != 0 && errno != EEXIST) {
            close(dir);
            return -1;
        }
        int next = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(dir);
        errno = e;
        dir = next;
    }
    *leaf = p;
    return dir;
}

/* open_parent through a one-directory cache; returns a descriptor the caller closes. */
static int parent_of(extract_ctx *x, const char *path, bool create, const char **leaf)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash != NULL ? (size_t)(slash - path) : 0;
    if (x->cache_valid && x->cached_len == len && memcmp(x->cached_dir, path, len) == 0 &&
        (x->cached_fd >= 0 || x->cached_create == create)) {
        *leaf = slash != NULL ? slash + 1 : path;
        errno = x->cached_errno;
        return x->cached_fd >= 0 ? dup(x->cached_fd) : -1;
    }
    if (x->cache_valid && x->cached_fd >= 0)
        close(x->cached_fd);
    x->cached_fd = open_parent(x->root, path, create, leaf);
    x->cached_errno = errno;
    memcpy(x->cached_dir, path, len);
    x->cached_len = len;
    x->cached_create = create;
    x->cache_valid = true;
    errno = x->cached_errno;
    return x->cached_fd >= 0 ? dup(x->cached_fd) : -1;
}

static int x_begin(void *vctx, uint32_t i, quire_error *err)
{
    extract_ctx *x = vctx;
    const char *path = x->idx->entries[i].path;
    uint8_t rnd[8];

    x->parent = parent_of(x, path, true, &x->leaf);
    if (x->parent < 0)
        return errno == ELOOP || errno == ENOTDIR
                   ? quire_error_set(err, QUIRE_E_IO,
                                     "entry %u (%s): a directory on its path is a symlink or a "
                                     "file, refusing to write through it",
                                     i, path)
                   : sys_error(err, "cannot create directories for", path);
    randombytes_buf(rnd, sizeof rnd);
    snprintf(x->tmp, sizeof x->tmp, ".quire-tmp-");
    sodium_bin2hex(x->tmp + 11, sizeof x->tmp - 11, rnd, sizeof rnd);
    x->fd = openat(x->parent, x->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (x->fd < 0)
        return sys_error(err, "cannot create a temporary file for", path);
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

/* Renames a synced file into place; without --force an existing name is never replaced,
 * atomically (RENAME_NOREPLACE, else link + unlink). */
static int place(const pending *p, bool force)
{
    if (force)
        return renameat(p->dir, p->tmp, p->dir, p->leaf);
    if (renameat2(p->dir, p->tmp, p->dir, p->leaf, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (linkat(p->dir, p->tmp, p->dir, p->leaf, 0) != 0)
        return -1;
    return unlinkat(p->dir, p->tmp, 0);
}

/* Removes the current temporary file and every one still waiting in the batch. */
static void discard(extract_ctx *x)
{
    if (x->fd >= 0) {
        close(x->fd);
        unlinkat(x->parent, x->tmp, 0);
        x->fd = -1;
    }
    if (x->parent >= 0) {
        close(x->parent);
        x->parent = -1;
    }
    for (size_t k = 0; k < x->nbatch; k++) {
        close(x->batch[k].fd);
        unlinkat(x->batch[k].dir, x->batch[k].tmp, 0);
        close(x->batch[k].dir);
    }
    x->nbatch = 0;
    x->batch_bytes = 0;
}

/* Syncs the batch's data to disk, renames each file into place, then syncs the directories. */
static int flush_batch(extract_ctx *x, quire_error *err)
{
    int rc = QUIRE_OK;
    size_t k;
    for (k = 0; x->sync && rc == QUIRE_OK && k < x->nbatch; k++)
        if (fdatasync(x->batch[k].fd) != 0)
            rc = sys_error(err, "cannot write", x->batch[k].path);
    for (k = 0; rc == QUIRE_OK && k < x->nbatch; k++) {
        pending *p = &x->batch[k];
        if (place(p, x->force) != 0) {
            rc = errno == EEXIST ? quire_error_set(err, QUIRE_E_IO,
                                                   "%s exists: use --force to replace it",
                                                   p->path)
                                 : sys_error(err, "cannot rename into place", p->path);
            break;
        }
        bool last_in_dir = k + 1 == x->nbatch || x->batch[k + 1].dir != p->dir;
        if (x->sync && last_in_dir && fsync(p->dir) != 0)
            rc = sys_error(err, "cannot sync the directory of", p->path);
        close(p->fd);
        close(p->dir);
        x->done++;
    }
    if (rc == QUIRE_OK)
        k = x->nbatch;
    memmove(x->batch, x->batch + k, (x->nbatch - k) * sizeof *x->batch);
    x->nbatch -= k;
    x->batch_bytes = 0;
    return rc;
}

static int x_end(void *vctx, uint32_t i, quire_error *err)
{
    extract_ctx *x = vctx;
    const quire_entry *e = &x->idx->entries[i];
    mode_t mode = ((e->flags & QUIRE_ENTRY_FLAG_EXEC) ? 0777 : 0666) & ~x->umask;
    if (fchmod(x->fd, mode) != 0)
        return sys_error(err, "cannot write", e->path);
    if (x->sync)
        sync_file_range(x->fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* start writeback now */
    pending *p = &x->batch[x->nbatch++];
    p->fd = x->fd;
    p->dir = x->parent;
    memcpy(p->tmp, x->tmp, sizeof p->tmp);
    p->leaf = x->leaf;
    p->path = e->path;
    x->fd = -1;
    x->parent = -1;
    x->batch_bytes += e->size;
    if (x->nbatch == BATCH_FILES || x->batch_bytes >= BATCH_BYTES)
        return flush_batch(x, err);
    return QUIRE_OK;
}

/* Marks the entries named by args (exact paths or directory prefixes); all when none. */
static int select_entries(const quire_index *idx, const char *bundle, int argc, char **argv,
                          bool *sel)
{
    for (uint32_t i = 0; i < idx->entry_count; i++)
        sel[i] = argc == 0;
    for (int a = 0; a < argc; a++) {
        size_t n = strlen(argv[a]);
        while (n > 1 && argv[a][n - 1] == '/')
            n--;
        bool hit = false;
        for (uint32_t i = 0; i < idx->entry_count; i++) {
            const quire_entry *e = &idx->entries[i];
            if (e->path_len >= n && memcmp(e->path, argv[a], n) == 0 &&
                (e->path_len == n || e->path[n] == '/'))
                sel[i] = hit = true;
        }
        if (!hit) {
            read_fail(bundle, "no entry or directory '%s' in the bundle", argv[a]);
            return 2;
        }
    }
    return 0;
}

/* Refuses before writing anything if a selected file exists and --force was not given. */
static int check_existing(extract_ctx *x, const bool *sel)
{
    for (uint32_t i = 0; i < x->idx->entry_count; i++) {
        const char *leaf;
        struct stat st;
        if (!sel[i])
            continue;
        int dir = parent_of(x, x->idx->entries[i].path, false, &leaf);
        if (dir < 0)
            continue; /* the directory does not exist yet, so neither does the file */
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

int cmd_extract(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    quire_error err;
    if (argc < 1) {
        read_fail(NULL, "extract: expected BUNDLE [PATH...]");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    extract_ctx x = {.idx = quire_reader_index(r), .bundle = argv[0], .root = -1, .parent = -1, .fd = -1,
                     .force = o->force, .sync = !o->no_sync};
    x.umask = umask(0);
    umask(x.umask);
    bool *sel = calloc(x.idx->entry_count ? x.idx->entry_count : 1, sizeof *sel);
    if (sel == NULL) {
        read_fail(argv[0], "out of memory");
        quire_reader_close(r);
        return 2;
    }
    if (mkdir(o->dir, 0777) != 0 && errno != EEXIST)
        read_fail(o->dir, "cannot create directory: %s", strerror(errno)), code = 2;
    else if ((x.root = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        read_fail(o->dir, "cannot open directory: %s", strerror(errno)), code = 2;
    if (code == 0)
        code = select_entries(x.idx, argv[0], argc - 1, argv + 1, sel);
    if (code == 0)
        code = check_existing(&x, sel);
    if (code == 0) {
        quire_walk_ops ops = {x_begin, x_data, x_end};
        uint64_t total = 0;
        for (uint32_t i = 0; i < x.idx->entry_count; i++)
            total += sel[i] ? x.idx->entries[i].size : 0;
        cli_progress_start(&x.meter, "extracting", total, !o->quiet);
        int rc = quire_reader_walk(r, sel, &ops, &x, &err);
        cli_progress_end(&x.meter);
        if (rc == QUIRE_OK)
            rc = flush_batch(&x, &err);
        discard(&x);
        if (rc != QUIRE_OK) {
            read_fail(argv[0], "%s", err.msg);
            code = quire_exit_code(rc);
        } else if (!o->quiet) {
            fprintf(stderr, "%s: extracted %u files to %s\n", argv[0], x.done, o->dir);
        }
    }
    if (x.root >= 0)
        close(x.root);
    if (x.cache_valid && x.cached_fd >= 0)
        close(x.cached_fd);
    free(sel);
    quire_reader_close(r);
    return code;
}
