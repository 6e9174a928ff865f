/* read_extract.c: quire-read extract. Every file is written under a temporary name inside its
 * final directory and renamed only after its SHA-256 matched. Directories are opened one
 * component at a time with O_NOFOLLOW relative to DIR, so neither a bundle path (already
 * checked against SPEC 4) nor a symlink planted in DIR can lead outside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "read.h"

typedef struct extract_ctx {
    const quire_index *idx;
    const char *bundle;
    int root;       /* DIR */
    int parent;     /* directory of the current entry */
    int fd;         /* temporary file of the current entry */
    char tmp[32];   /* its name */
    const char *leaf;
    bool force;
    mode_t umask;
    uint32_t done;
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

static int x_begin(void *vctx, uint32_t i, quire_error *err)
{
    extract_ctx *x = vctx;
    const char *path = x->idx->entries[i].path;
    uint8_t rnd[8];

    x->parent = open_parent(x->root, path, true, &x->leaf);
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

/* Renames the finished file into place; without --force an existing name is never replaced,
 * atomically (RENAME_NOREPLACE, else link + unlink). */
static int place(extract_ctx *x)
{
    if (x->force)
        return renameat(x->parent, x->tmp, x->parent, x->leaf);
    if (renameat2(x->parent, x->tmp, x->parent, x->leaf, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (linkat(x->parent, x->tmp, x->parent, x->leaf, 0) != 0)
        return -1;
    return unlinkat(x->parent, x->tmp, 0);
}

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
}

static int x_end(void *vctx, uint32_t i, quire_error *err)
{
    extract_ctx *x = vctx;
    const quire_entry *e = &x->idx->entries[i];
    mode_t mode = ((e->flags & QUIRE_ENTRY_FLAG_EXEC) ? 0777 : 0666) & ~x->umask;
    int rc = QUIRE_OK;

    if (fchmod(x->fd, mode) != 0 || fsync(x->fd) != 0)
        rc = sys_error(err, "cannot write", e->path);
    else if (close(x->fd) != 0)
        rc = sys_error(err, "cannot write", e->path);
    else if ((x->fd = -1, place(x)) != 0)
        rc = errno == EEXIST ? quire_error_set(err, QUIRE_E_IO,
                                               "%s exists: use --force to replace it", e->path)
                             : sys_error(err, "cannot rename into place", e->path);
    discard(x);
    if (rc == QUIRE_OK)
        x->done++;
    return rc;
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
static int check_existing(const extract_ctx *x, const bool *sel)
{
    for (uint32_t i = 0; i < x->idx->entry_count; i++) {
        const char *leaf;
        struct stat st;
        if (!sel[i])
            continue;
        int dir = open_parent(x->root, x->idx->entries[i].path, false, &leaf);
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
                     .force = o->force};
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
        int rc = quire_reader_walk(r, sel, &ops, &x, &err);
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
    free(sel);
    quire_reader_close(r);
    return code;
}
