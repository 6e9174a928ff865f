/* pack_input.c: finding the files to pack. The one module that talks to libarchive: it walks
 * directories with archive_read_disk (never following symlinks) and turns its status codes
 * into messages here. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack.h"

typedef struct list {
    pack_input *v;
    size_t n, cap;
    bool skip_set; /* the output bundle, which is never packed into itself */
    dev_t skip_dev;
    ino_t skip_ino;
} list;

static int list_push(list *l, const char *bundle_path, const char *fs_path, mode_t mode,
                     uint64_t size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        pack_input *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    /* One allocation per input, which matters with 10^5 files: fs_path, and bundle_path in
     * the same block, as its tail when it is a suffix of fs_path (the usual case). */
    pack_input *in = &l->v[l->n];
    size_t flen = strlen(fs_path), blen = strlen(bundle_path);
    bool suffix = blen <= flen && memcmp(fs_path + flen - blen, bundle_path, blen) == 0;
    in->fs_path = malloc(flen + 1 + (suffix ? 0 : blen + 1));
    if (in->fs_path == NULL)
        return -1;
    memcpy(in->fs_path, fs_path, flen + 1);
    in->bundle_path = in->fs_path + flen - blen;
    if (!suffix) {
        in->bundle_path = in->fs_path + flen + 1;
        memcpy(in->bundle_path, bundle_path, blen + 1);
    }
    in->exec = (mode & 0111) != 0;
    in->size = size;
    l->n++;
    return 0;
}

/* The bundle path of a file found under input root: root's base name, then the rest. A root
 * of "." or ".." contributes no prefix. */
static char *bundle_name(const char *root, const char *found)
{
    char *copy = strdup(root);
    if (copy == NULL)
        return NULL;
    size_t rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    const char *rest = found + rlen;
    while (*rest == '/')
        rest++;
    const char *base = basename(copy);
    bool bare = strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(base, "/") == 0;
    size_t need = strlen(base) + strlen(rest) + 2;
    char *out = malloc(need);
    if (out != NULL) {
        if (bare)
            snprintf(out, need, "%s", rest);
        else if (*rest == '\0')
            snprintf(out, need, "%s", base);
        else
            snprintf(out, need, "%s/%s", base, rest);
    }
    free(copy);
    return out;
}

static const char *type_name(mode_t t)
{
    switch (t) {
    case AE_IFLNK:
        return "a symbolic link (pack its target instead)";
    case AE_IFIFO:
        return "a fifo";
    case AE_IFSOCK:
        return "a socket";
    case AE_IFCHR:
    case AE_IFBLK:
        return "a device";
    default:
        return "not a regular file";
    }
}

/* One entry from the disk walk: descend into directories, keep regular files. */
static int take_entry(struct archive *a, struct archive_entry *ae, const char *root, list *l)
{
    const char *found = archive_entry_pathname(ae);
    mode_t type = archive_entry_filetype(ae);
    quire_error err;

    if (type == AE_IFDIR) {
        if (archive_read_disk_can_descend(a) && archive_read_disk_descend(a) != ARCHIVE_OK) {
            pack_warn("%s: cannot read directory: %s", found, archive_error_string(a));
            return 2;
        }
        return 0;
    }
    if (type != AE_IFREG) {
        pack_warn("%s: refused: %s", found, type_name(type));
        return 2;
    }
    if (l->skip_set && archive_entry_dev(ae) == l->skip_dev &&
        (ino_t)archive_entry_ino64(ae) == l->skip_ino) {
        pack_warn("%s: skipped: it is the output bundle", found);
        return 0;
    }
    char *name = bundle_name(root, found);
    if (name == NULL) {
        pack_warn("out of memory");
        return 2;
    }
    int rc = 0;
    if (quire_path_check(name, strlen(name), &err) != QUIRE_OK) {
        pack_warn("%s: refused: bundle path '%s': %s", found, name, err.msg);
        rc = 2;
    } else if (list_push(l, name, found, archive_entry_perm(ae),
                         (uint64_t)archive_entry_size(ae)) != 0) {
        pack_warn("out of memory");
        rc = 2;
    }
    free(name);
    return rc;
}

static int walk(const char *root, list *l)
{
    struct archive *a = archive_read_disk_new();
    struct archive_entry *ae = archive_entry_new();
    int rc = 0;

    if (a == NULL || ae == NULL) {
        pack_warn("out of memory");
        rc = 2;
        goto out;
    }
    archive_read_disk_set_symlink_hybrid(
        a); /* follow a symlink given as INPUT, never one found inside */
    archive_read_disk_set_behavior(a, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
                                          ARCHIVE_READDISK_NO_FFLAGS |
                                          ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    if (archive_read_disk_open(a, root) != ARCHIVE_OK) {
        pack_warn("%s: %s", root, archive_error_string(a));
        rc = 2;
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header2(a, ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            pack_warn("%s: %s", root, archive_error_string(a));
            rc = 2;
            break;
        }
        if ((rc = take_entry(a, ae, root, l)) != 0)
            break;
    }
out:
    archive_entry_free(ae);
    archive_read_free(a);
    return rc;
}

/* ---- input archives: tar (any compression), zip, 7z, cpio, ... ---- */

/* Unpacked archives live in one private temporary directory, removed by pack_cleanup. */
static char unpack_dir[4096];

static int unpack_root(void)
{
    if (unpack_dir[0] != '\0')
        return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(unpack_dir, sizeof unpack_dir, "%s/quire-pack.XXXXXX",
             tmp != NULL && *tmp == '/' ? tmp : "/tmp");
    if (mkdtemp(unpack_dir) == NULL) {
        pack_warn("cannot create a temporary directory for archive contents: %s", strerror(errno));
        unpack_dir[0] = '\0';
        return 2;
    }
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void pack_cleanup(void)
{
    if (unpack_dir[0] != '\0')
        nftw(unpack_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    unpack_dir[0] = '\0';
}

/* The archive's name for an entry without leading "./" (tar writes those). */
static const char *entry_name(struct archive_entry *ae)
{
    const char *n = archive_entry_pathname(ae);
    while (n != NULL && n[0] == '.' && n[1] == '/')
        n += 2;
    return n;
}

/* Creates the parent directories of name under dir (name has passed SPEC 4, so it has no
 * "..", no absolute part, and dir holds nothing but what this function made). */
static int make_parents(const char *dir, const char *name)
{
    char path[8192];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

/* Copies one regular entry's data to dir/name, refusing a second entry of the same name. */
static int unpack_entry(struct archive *a, const char *arch, const char *name, char *out,
                        size_t cap)
{
    snprintf(out, cap, "%s/%s", unpack_dir, name);
    if (make_parents(unpack_dir, name) != 0) {
        pack_warn("%s: entry %s: cannot unpack: %s", arch, name, strerror(errno));
        return 2;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        pack_warn("%s: entry %s: %s", arch, name,
                  errno == EEXIST || errno == EISDIR || errno == ENOTDIR
                      ? "refused: duplicate entry, or a file and a directory of the same name"
                      : strerror(errno));
        return 2;
    }
    int rc = archive_read_data_into_fd(a, fd);
    if (close(fd) != 0 || rc != ARCHIVE_OK) {
        pack_warn("%s: entry %s: cannot read: %s", arch, name,
                  rc != ARCHIVE_OK ? archive_error_string(a) : strerror(errno));
        return 2;
    }
    return 0;
}

static int take_archive_entry(struct archive *a, struct archive_entry *ae, const char *arch,
                              list *l)
{
    const char *name = entry_name(ae);
    mode_t type = archive_entry_filetype(ae);
    char path[8192];
    quire_error err;

    if (type == AE_IFDIR)
        return 0; /* directories come into being with their files */
    if (name == NULL || *name == '\0') {
        pack_warn("%s: an entry has no usable name", arch);
        return 2;
    }
    if (archive_entry_hardlink(ae) != NULL) {
        pack_warn("%s: entry %s: refused: a hard link (pack the file it links to)", arch, name);
        return 2;
    }
    if (type != AE_IFREG) {
        pack_warn("%s: entry %s: refused: %s", arch, name, type_name(type));
        return 2;
    }
    if (quire_path_check(name, strlen(name), &err) != QUIRE_OK) {
        pack_warn("%s: entry %s: refused: %s", arch, name, err.msg);
        return 2;
    }
    int rc = unpack_entry(a, arch, name, path, sizeof path);
    struct stat st;
    if (rc == 0 && stat(path, &st) != 0)
        rc = 2;
    if (rc == 0 && list_push(l, name, path, archive_entry_perm(ae), (uint64_t)st.st_size) != 0) {
        pack_warn("out of memory");
        rc = 2;
    }
    return rc;
}

/* Reads an archive through libarchive (format and compression detected from its bytes) and
 * unpacks its regular files, each checked like a file found on disk. */
static int read_archive(const char *arch, list *l)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    int rc = unpack_root();

    if (a == NULL || rc != 0) {
        archive_read_free(a);
        return 2;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_filename(a, arch, 65536) != ARCHIVE_OK) {
        pack_warn("%s: not a readable archive: %s", arch, archive_error_string(a));
        archive_read_free(a);
        return 2;
    }
    for (;;) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            pack_warn("%s: %s", arch, archive_error_string(a));
            rc = 2;
            break;
        }
        if ((rc = take_archive_entry(a, ae, arch, l)) != 0)
            break;
    }
    archive_read_free(a);
    return rc;
}

static int by_bundle_path(const void *a, const void *b)
{
    return strcmp(((const pack_input *)a)->bundle_path, ((const pack_input *)b)->bundle_path);
}

void pack_inputs_free(pack_input *in, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(in[i].fs_path);
    }
    free(in);
}

int pack_collect(char *const *inputs, int n, char *const *archives, int na, const char *output,
                 pack_input **out, size_t *count)
{
    list l = {0};
    struct stat st;
    int rc = 0;

    if (stat(output, &st) == 0) {
        l.skip_set = true;
        l.skip_dev = st.st_dev;
        l.skip_ino = st.st_ino;
    }

    for (int i = 0; i < n && rc == 0; i++)
        rc = walk(inputs[i], &l);
    for (int i = 0; i < na && rc == 0; i++)
        rc = read_archive(archives[i], &l);
    if (rc == 0 && l.n == 0) {
        pack_warn("no files found in the inputs");
        rc = 2;
    }
    if (rc == 0) {
        qsort(l.v, l.n, sizeof *l.v, by_bundle_path);
        for (size_t i = 1; i < l.n && rc == 0; i++) {
            if (strcmp(l.v[i - 1].bundle_path, l.v[i].bundle_path) == 0) {
                pack_warn("%s and %s: both would be stored as '%s'", l.v[i - 1].fs_path,
                          l.v[i].fs_path, l.v[i].bundle_path);
                rc = 2;
            }
        }
    }
    if (rc != 0) {
        pack_inputs_free(l.v, l.n);
        return rc;
    }
    *out = l.v;
    *count = l.n;
    return 0;
}
