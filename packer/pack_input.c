/* SPDX-License-Identifier: ISC */
/* pack_input.c: finding the files to pack (pack_open.c opens them again to pack them). The one
 * module that talks to libarchive: it walks directories with archive_read_disk (following symlinks
 * only with -L) and turns its status codes into messages here. The walk records each file's
 * root, path beneath it and identity; pack_input_open goes back to exactly that file, beneath
 * the root, without following a link, so a directory swapped for a symlink between the walk and
 * the open cannot bring in a file from elsewhere (issue 11, finding 7). With -L the user asked
 * for links to be followed, wherever they lead (as tar -h does): the open follows them too, and
 * the file opened must still be the one the walk found (device and inode). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_cleanup.h"
#include "pack.h"
#include "pack_links.h"
#include "pack_capture.h"

typedef struct list {
    pack_input *v;
    size_t n, cap;
    bool skip_set; /* the output bundle, which is never packed into itself */
    dev_t skip_dev;
    ino_t skip_ino;
    const pack_collect_opts *o;
    pack_link_tally tally; /* links in the current input, refused after its walk */
    pack_link_table links; /* -L: the current archive's links, resolved after its last entry */
    size_t skipped;        /* --skip-links: links left out, in all inputs */
} list;

const char *pack_input_name(const pack_input *in, char *buf, size_t cap)
{
    if (in->archive == NULL)
        return in->fs_path;
    snprintf(buf, cap, "%s: entry %s", in->archive, in->bundle_path);
    return buf;
}

/* Adds the input described by proto (fs_path borrowed, copied here) under bundle_path. */
static int list_push(list *l, const char *bundle_path, const pack_input *proto)
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
    const char *fs_path = proto->fs_path;
    size_t flen = strlen(fs_path), blen = strlen(bundle_path);
    bool suffix = blen <= flen && memcmp(fs_path + flen - blen, bundle_path, blen) == 0;
    *in = *proto;
    in->fs_path = malloc(flen + 1 + (suffix ? 0 : blen + 1));
    if (in->fs_path == NULL)
        return -1;
    memcpy(in->fs_path, fs_path, flen + 1);
    in->bundle_path = in->fs_path + flen - blen;
    if (!suffix) {
        in->bundle_path = in->fs_path + flen + 1;
        memcpy(in->bundle_path, bundle_path, blen + 1);
    }
    l->n++;
    return 0;
}

/* Where a path the walk found under root continues beneath it (past root and its slashes), or
 * NULL if it does not start with root. A root of "/" keeps its one slash. */
static const char *beneath(const char *root, const char *found)
{
    size_t rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    if (strncmp(found, root, rlen) != 0)
        return NULL;
    const char *rest = found + rlen;
    while (*rest == '/')
        rest++;
    return rest;
}

/* The bundle path of a file found at rest beneath input root: root's base name, then rest. A
 * root of "." or ".." contributes no prefix. */
static char *bundle_name(const char *root, const char *rest)
{
    char *copy = strdup(root);
    if (copy == NULL)
        return NULL;
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

/* Keeps a regular file the walk found under root (whose identity it saw first, in *root), at
 * rest beneath it, as name. */
static int take_file(struct archive_entry *ae, const pack_input *root, const char *rest,
                     const char *name, list *l)
{
    const char *found = archive_entry_pathname(ae);
    quire_error err;

    pack_input in = *root;
    in.fs_path = (char *)found;
    in.rel = (size_t)(rest - found);
    in.dev = archive_entry_dev(ae);
    in.ino = (ino_t)archive_entry_ino64(ae);
    in.exec = (archive_entry_perm(ae) & 0111) != 0;
    in.follow = l->o->follow_links;
    in.size = (uint64_t)archive_entry_size(ae);
    if (quire_path_check(name, strlen(name), &err) != QUIRE_OK) {
        pack_warn("%s: refused: bundle path '%s': %s", found, name, err.msg);
        return 2;
    }
    if (list_push(l, name, &in) != 0) {
        pack_warn("out of memory");
        return 2;
    }
    return 0;
}

/* A symbolic link the walk found: counted for the refusal, or skipped. With -L, libarchive
 * hands over as a link only one it would not follow: one that leads nowhere, or back to a
 * directory above it (it follows no loop); either is refused. */
static int take_link(struct archive_entry *ae, list *l)
{
    const char *found = archive_entry_pathname(ae);
    const char *target = archive_entry_symlink(ae);
    struct stat st;

    if (target == NULL)
        target = "";
    if (l->o->skip_links) {
        l->skipped++;
        return 0;
    }
    if (!l->o->follow_links) {
        if (pack_tally_add(&l->tally, found, target) == 0)
            return 0;
        pack_warn("out of memory");
        return 2;
    }
    if (stat(found, &st) != 0 && errno == ELOOP)
        pack_warn("%s -> %s: refused: a loop of symbolic links", found, target);
    else if (stat(found, &st) != 0)
        pack_warn("%s -> %s: refused: it leads nowhere: %s", found, target, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        pack_warn("%s -> %s: refused: a loop: it leads back to a directory it is in", found,
                  target);
    else
        pack_warn("%s -> %s: refused: it cannot be followed", found, target);
    return 2;
}

/* Descends into a directory the walk found. */
static int descend(struct archive *a, const char *found)
{
    if (!archive_read_disk_can_descend(a))
        return 0;
    /* libarchive reports a directory it cannot list only later, as "Couldn't visit
     * directory" without the reason: ask the system first, and name it with its reason. */
    if (faccessat(AT_FDCWD, found, R_OK | X_OK, AT_EACCESS) != 0) {
        pack_warn("%s: cannot read: %s", found, strerror(errno));
        return 2;
    }
    if (archive_read_disk_descend(a) != ARCHIVE_OK) {
        pack_warn("%s: cannot read: %s", found, archive_error_string(a));
        return 2;
    }
    return 0;
}

/* One entry from the disk walk: descend into directories, keep regular files. The first entry
 * is the root itself, whose identity every file found under it keeps. */
static int take_entry(struct archive *a, struct archive_entry *ae, bool first, pack_input *root,
                      list *l)
{
    const char *found = archive_entry_pathname(ae);
    const char *rest = beneath(root->root, found);
    mode_t type = archive_entry_filetype(ae);
    char *name = NULL;
    int rc = 2;

    if (first) {
        root->root_dev = archive_entry_dev(ae);
        root->root_ino = (ino_t)archive_entry_ino64(ae);
    }
    if (rest == NULL) {
        pack_warn("%s: found under %s, but its path does not begin with it", found, root->root);
        return 2;
    }
    if ((name = bundle_name(root->root, rest)) == NULL) {
        pack_warn("out of memory");
        return 2;
    }
    /* A directory left out is not descended into: nothing beneath it is read or refused. */
    if (pack_excluded(l->o, name, type == AE_IFDIR))
        rc = 0;
    else if (type == AE_IFDIR)
        rc = descend(a, found);
    else if (type == AE_IFLNK)
        rc = take_link(ae, l);
    else if (type != AE_IFREG)
        pack_warn("%s: refused: %s", found, type_name(type));
    else if (l->skip_set && archive_entry_dev(ae) == l->skip_dev &&
             (ino_t)archive_entry_ino64(ae) == l->skip_ino) {
        pack_warn("%s: skipped: it is the output bundle", found);
        rc = 0;
    } else
        rc = take_file(ae, root, rest, name, l);
    free(name);
    return rc;
}

/* A failure of the disk walk, named by the file it was at when libarchive knows it, with the
 * system's reason when libarchive kept it (libarchive's own text names the file relative to
 * its directory, or not at all). */
static void walk_error(struct archive *a, struct archive_entry *ae, const char *root)
{
    const char *at = archive_entry_pathname(ae);
    int e = archive_errno(a);
    if (e > 0)
        pack_warn("%s: cannot read: %s", at != NULL ? at : root, strerror(e));
    else
        pack_warn("%s: cannot read: %s", root, archive_error_string(a));
}

static int walk(const char *path, list *l)
{
    struct archive *a = NULL;
    struct archive_entry *ae = NULL;
    pack_input root = {.root = path};
    bool first = true;
    int rc = pack_check_readable(path, true);

    if (rc != 0)
        return rc;
    a = archive_read_disk_new();
    ae = archive_entry_new();
    if (a == NULL || ae == NULL) {
        pack_warn("out of memory");
        rc = 2;
        goto out;
    }
    /* Follow a symlink given as INPUT, one found inside only with -L. */
    if (l->o->follow_links)
        archive_read_disk_set_symlink_logical(a);
    else
        archive_read_disk_set_symlink_hybrid(a);
    /* A link followed with -L goes where it points, on any file system (as tar -h does);
     * without -L the walk stays on the file system of each INPUT. */
    int behavior = ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS;
    if (!l->o->follow_links)
        behavior |= ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS;
    archive_read_disk_set_behavior(a, behavior);
    if (archive_read_disk_open(a, path) != ARCHIVE_OK) {
        pack_warn("%s: cannot read: %s", path, archive_error_string(a));
        rc = 2;
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header2(a, ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            walk_error(a, ae, path);
            rc = 2;
            break;
        }
        if ((rc = take_entry(a, ae, first, &root, l)) != 0)
            break;
        first = false;
    }
out:
    archive_entry_free(ae);
    archive_read_free(a);
    if (rc != 0)
        l->tally.n = 0;
    int r = pack_tally_report(&l->tally, path, false);
    return rc != 0 ? rc : r;
}

/* ---- input archives: tar (any compression), zip, 7z, cpio, ... ---- */

/* Unpacked archives live in one private temporary directory, registered with cli_cleanup as
 * soon as it exists (a signal removes it) and removed by pack_cleanup; each archive in its own
 * numbered directory there, so that a name in two archives is a clash between two inputs
 * reported with both archives named, as for two directories. */
static char unpack_dir[4096];
static int unpack_handle = -1;
static char **arch_roots; /* the archives' directories, the roots of their inputs */
static size_t arch_nroots;

static int unpack_root(void)
{
    if (unpack_dir[0] != '\0')
        return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(unpack_dir, sizeof unpack_dir, "%s/quire-pack.XXXXXX",
             tmp != NULL && *tmp == '/' ? tmp : "/tmp");
    sigset_t old;
    cli_cleanup_hold(&old); /* no signal between the directory's creation and registration */
    if (mkdtemp(unpack_dir) == NULL) {
        cli_cleanup_release(&old);
        pack_warn("%s: cannot create a temporary directory for archive contents: %s", unpack_dir,
                  strerror(errno));
        unpack_dir[0] = '\0';
        return 2;
    }
    unpack_handle = cli_cleanup_add(AT_FDCWD, unpack_dir, CLI_TMP_TREE);
    cli_cleanup_release(&old);
    if (unpack_handle < 0) {
        pack_warn("out of memory");
        rmdir(unpack_dir);
        unpack_dir[0] = '\0';
        return 2;
    }
    return 0;
}

/* Makes the unpacking directory of archive number k, the root of its inputs, in *proto. */
static int archive_root(const char *arch, size_t k, pack_input *proto)
{
    char path[4200];
    struct stat st;
    char **v = realloc(arch_roots, (k + 1) * sizeof *v);

    if (v == NULL) {
        pack_warn("out of memory");
        return 2;
    }
    arch_roots = v;
    snprintf(path, sizeof path, "%s/%zu", unpack_dir, k);
    if (mkdir(path, 0700) != 0 || stat(path, &st) != 0) {
        pack_warn("%s: cannot create a temporary directory for its contents: %s", arch,
                  strerror(errno));
        return 2;
    }
    if ((arch_roots[k] = strdup(path)) == NULL) {
        pack_warn("out of memory");
        return 2;
    }
    arch_nroots = k + 1;
    *proto = (pack_input){
        .root = arch_roots[k], .archive = arch, .root_dev = st.st_dev, .root_ino = st.st_ino};
    return 0;
}

/* A name in the archive without leading "./" (tar writes those). */
static const char *strip_dot(const char *n)
{
    while (n != NULL && n[0] == '.' && n[1] == '/')
        n += 2;
    return n;
}

static const char *entry_name(struct archive_entry *ae)
{
    return strip_dot(archive_entry_pathname(ae));
}

/* Creates the parent directories of name under dir (name has passed SPEC 4, so it has no
 * "..", no absolute part, and dir holds nothing but what this function made). */
static int make_parents(const char *dir, const char *name)
{
    char path[8192];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

static int write_at(int fd, const char *buf, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* Writes an entry's data blocks at their offsets into fd, and ends the file at the entry's
 * declared size: gaps between blocks (holes of a sparse member) and a hole at the end read
 * back as zeros, as the member's content is. Refuses blocks that go backwards or overlap, and
 * data that ends before or runs past the declared size. At the end libarchive reports the
 * entry's full length as the offset (tar: the real size, past a trailing hole); a format that
 * does not leaves it as set here. Sets *size to the length written. */
static int copy_data(struct archive *a, struct archive_entry *ae, int fd, const char *what,
                     uint64_t *size)
{
    bool declared = archive_entry_size_is_set(ae) != 0;
    int64_t want = archive_entry_size(ae), end = 0;

    /* SPEC 8: no bundle holds more than 2^26 units of 16 MiB; a sparse member cannot make the
     * packer read holes for longer than that. */
    if (declared &&
        (want < 0 || (uint64_t)want > (uint64_t)QUIRE_MAX_UNITS * QUIRE_MAX_UNIT_BYTES)) {
        pack_warn("%s: refused: declared size %lld is more than a bundle can hold", what,
                  (long long)want);
        return 2;
    }
    for (;;) {
        const void *buf = NULL;
        size_t len = 0;
        la_int64_t off = -1;
        int r = archive_read_data_block(a, &buf, &len, &off);
        if (r == ARCHIVE_EOF) {
            end = off > end ? off : end;
            break;
        }
        if (r != ARCHIVE_OK) {
            pack_warn("%s: cannot read: %s", what, archive_error_string(a));
            return 2;
        }
        if (off < end) {
            pack_warn("%s: refused: its data blocks overlap or go backwards", what);
            return 2;
        }
        if ((uint64_t)len > (uint64_t)INT64_MAX - (uint64_t)off ||
            (declared && off + (int64_t)len > want)) {
            end = INT64_MAX;
            break;
        }
        if (write_at(fd, buf, len, (off_t)off) != 0) {
            pack_warn("%s: cannot unpack: %s", what, strerror(errno));
            return 2;
        }
        end = off + (int64_t)len;
    }
    if (declared && end != want) {
        pack_warn("%s: refused: its data %s its declared size of %lld bytes", what,
                  end > want ? "runs past" : "ends before", (long long)want);
        return 2;
    }
    if (ftruncate(fd, (off_t)end) != 0) {
        pack_warn("%s: cannot unpack: %s", what, strerror(errno));
        return 2;
    }
    *size = (uint64_t)end;
    return 0;
}

/* Unpacks one regular entry's data to the unpacking directory under name, refusing a second
 * entry of the same name, and records it as an input. */
static int unpack_entry(struct archive *a, struct archive_entry *ae, const pack_input *proto,
                        const char *name, list *l)
{
    char path[8192], what[8192];
    struct stat st;
    pack_input in = *proto;
    int rc = 2;

    snprintf(what, sizeof what, "%s: entry %s", proto->archive, name);
    snprintf(path, sizeof path, "%s/%s", proto->root, name);
    if (make_parents(proto->root, name) != 0) {
        pack_warn("%s: cannot unpack: %s", what, strerror(errno));
        return 2;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        pack_warn("%s: %s", what,
                  errno == EEXIST || errno == EISDIR || errno == ENOTDIR
                      ? "refused: duplicate entry, or a file and a directory of the same name"
                      : strerror(errno));
        return 2;
    }
    if (copy_data(a, ae, fd, what, &in.size) != 0)
        goto out;
    if (fstat(fd, &st) != 0 || close(fd) != 0) {
        fd = -1;
        pack_warn("%s: cannot unpack: %s", what, strerror(errno));
        goto out;
    }
    fd = -1;
    in.fs_path = path;
    in.rel = strlen(proto->root) + 1;
    in.dev = st.st_dev;
    in.ino = st.st_ino;
    in.exec = (archive_entry_perm(ae) & 0111) != 0;
    /* The mode says exec to a link made to this file later (link_member). */
    if (in.exec && chmod(path, 0700) != 0) {
        pack_warn("%s: cannot unpack: %s", what, strerror(errno));
        goto out;
    }
    rc = 0;
    if (list_push(l, name, &in) != 0) {
        pack_warn("out of memory");
        rc = 2;
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Stores the member final, already unpacked, under name too: a hard link in the private
 * unpacking directory, so that both names are one file there. The bundle holds the content
 * once per name (SPEC 5 has no shared data). Returns 0, 2 after a message, or -1 (nothing
 * printed) when final is not an unpacked regular file. */
static int link_member(const pack_input *proto, const char *name, const char *final,
                       const char *what, list *l)
{
    char from[8192], to[8192];
    struct stat st;
    pack_input in = *proto;

    snprintf(from, sizeof from, "%s/%s", proto->root, final);
    snprintf(to, sizeof to, "%s/%s", proto->root, name);
    if (*final == '\0' || lstat(from, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    if (make_parents(proto->root, name) != 0 || link(from, to) != 0) {
        pack_warn("%s: %s", what,
                  errno == EEXIST || errno == EISDIR || errno == ENOTDIR
                      ? "refused: duplicate entry, or a file and a directory of the same name"
                      : strerror(errno));
        return 2;
    }
    in.fs_path = to;
    in.rel = strlen(proto->root) + 1;
    in.dev = st.st_dev;
    in.ino = st.st_ino;
    in.exec = (st.st_mode & 0100) != 0;
    in.size = (uint64_t)st.st_size;
    if (list_push(l, name, &in) != 0) {
        pack_warn("out of memory");
        return 2;
    }
    return 0;
}

/* A hard link entry whose data comes with it (cpio keeps a file's data with its last link):
 * written into the file, which all its names share; their sizes for the meter follow. */
static int hardlink_data(struct archive *a, struct archive_entry *ae, const char *what, list *l)
{
    pack_input *in = &l->v[l->n - 1];
    int fd = open(in->fs_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    uint64_t size = 0;
    if (fd < 0) {
        pack_warn("%s: cannot unpack: %s", what, strerror(errno));
        return 2;
    }
    int rc = copy_data(a, ae, fd, what, &size);
    close(fd);
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].dev == in->dev && l->v[i].ino == in->ino)
            l->v[i].size = size;
    return rc;
}

/* A hard link entry: the content of the earlier member it names, under its own name. */
static int take_hardlink(struct archive *a, struct archive_entry *ae, const pack_input *proto,
                         const char *name, list *l)
{
    const char *target = strip_dot(archive_entry_hardlink(ae));
    char what[8192];
    quire_error err;

    snprintf(what, sizeof what, "%s: entry %s", proto->archive, name);
    if (quire_path_check(target, strlen(target), &err) != QUIRE_OK) {
        pack_warn("%s: refused: a hard link to '%s': %s", what, target, err.msg);
        return 2;
    }
    int rc = link_member(proto, name, target, what, l);
    if (rc == 0) /* tar gives a hard link the mode of the file it names; cpio, its own */
        l->v[l->n - 1].exec = (archive_entry_perm(ae) & 0111) != 0;
    if (rc < 0)
        pack_warn("%s: refused: a hard link to %s, which %s", what, target,
                  pack_excluded(l->o, target, false) ? "--exclude leaves out"
                                                     : "is not an earlier file in the archive");
    if (rc == 0 && archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0)
        rc = hardlink_data(a, ae, what, l);
    return rc != 0 ? 2 : 0;
}

/* A symbolic link entry: kept to be resolved at the end (-L), skipped or counted. */
static int take_symlink(struct archive_entry *ae, const char *name, list *l)
{
    const char *target = archive_entry_symlink(ae);
    int r = 0;
    if (target == NULL)
        target = "";
    if (l->o->skip_links)
        l->skipped++;
    else if (l->o->follow_links)
        r = pack_links_add(&l->links, name, target);
    else
        r = pack_tally_add(&l->tally, name, target);
    if (r != 0)
        pack_warn("out of memory");
    return r != 0 ? 2 : 0;
}

static int take_archive_entry(struct archive *a, struct archive_entry *ae, const pack_input *proto,
                              list *l)
{
    const char *arch = proto->archive;
    const char *name = entry_name(ae);
    mode_t type = archive_entry_filetype(ae);
    quire_error err;

    if (name == NULL || *name == '\0') {
        if (type == AE_IFDIR)
            return 0;
        pack_warn("%s: an entry has no usable name", arch);
        return 2;
    }
    if (pack_excluded(l->o, name, type == AE_IFDIR))
        return 0;
    if (type == AE_IFDIR)
        return 0; /* directories come into being with their files */
    if (quire_path_check(name, strlen(name), &err) != QUIRE_OK) {
        pack_warn("%s: entry %s: refused: %s", arch, name, err.msg);
        return 2;
    }
    if (archive_entry_hardlink(ae) != NULL)
        return take_hardlink(a, ae, proto, name, l);
    if (type == AE_IFLNK)
        return take_symlink(ae, name, l);
    if (type != AE_IFREG) {
        pack_warn("%s: entry %s: refused: %s", arch, name, type_name(type));
        return 2;
    }
    return unpack_entry(a, ae, proto, name, l);
}

typedef struct link_ctx {
    const pack_input *proto;
    list *l;
} link_ctx;

/* pack_links_resolve's callback: the link name becomes a second name of the member final. */
static int follow_link(void *ctx, const char *name, const char *target, const char *final)
{
    link_ctx *c = ctx;
    char what[8192];
    struct stat st;

    snprintf(what, sizeof what, "%s: entry %s -> %s", c->proto->archive, name, target);
    int rc = link_member(c->proto, name, final, what, c->l);
    if (rc >= 0)
        return rc;
    char at[8192];
    snprintf(at, sizeof at, "%s/%s", c->proto->root, final);
    if (*final == '\0' || (lstat(at, &st) == 0 && S_ISDIR(st.st_mode)))
        pack_warn("%s: refused: it leads to a directory (%s/); -L follows links to files in an "
                  "archive",
                  what, final);
    else
        pack_warn("%s: refused: it leads to %s, which %s", what, final,
                  pack_excluded(c->l->o, final, false) ? "--exclude leaves out"
                                                       : "is not in the archive");
    return 2;
}

/* A libarchive failure on an archive: the system's reason when there is one (libarchive's text
 * then says only which call failed), else libarchive's description of what is wrong. EILSEQ
 * and EINVAL are libarchive's own codes for a bad format and a misuse (its private
 * ARCHIVE_ERRNO_FILE_FORMAT and ARCHIVE_ERRNO_PROGRAMMER), whose text says more. */
static void archive_fail(struct archive *a, const char *arch, const char *what)
{
    int e = archive_errno(a);
    if (e > 0 && e != EILSEQ && e != EINVAL)
        pack_warn("%s: cannot read: %s", arch, strerror(e));
    else
        pack_warn("%s: %s%s", arch, what, archive_error_string(a));
}

static int push_capture(void *ctx, const char *bundle_path, const pack_input *in)
{
    return list_push(ctx, bundle_path, in);
}

/* Reads archive number k through libarchive (format and compression detected from its bytes)
 * and unpacks its regular files, each checked like a file found on disk. The archive is
 * opened here, so that a missing or unreadable one is reported with the system's reason. */
static int read_archive(const char *arch, size_t k, list *l)
{
    struct archive *a = NULL;
    struct archive_entry *ae;
    pack_input proto;
    int fd = pack_open_input(arch), rc = 2;

    if (fd < 0)
        return 2;
    if (unpack_root() != 0 || archive_root(arch, k, &proto) != 0)
        goto out;
    if (pack_capture_is(arch, fd)) { /* WARC, WARC.gz, WACZ: pack_capture.c */
        rc = pack_capture_unpack(arch, fd, &proto, push_capture, l);
        goto out;
    }
    if ((a = archive_read_new()) == NULL) {
        pack_warn("out of memory");
        goto out;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
        archive_fail(a, arch, "not a readable archive: ");
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header(a, &ae);
        rc = 0;
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            archive_fail(a, arch, "");
            rc = 2;
            break;
        }
        if ((rc = take_archive_entry(a, ae, &proto, l)) != 0)
            break;
    }
    if (rc == 0 && l->links.n > 0) {
        link_ctx ctx = {&proto, l};
        rc = pack_links_resolve(&l->links, arch, follow_link, &ctx);
    }
out:
    archive_read_free(a);
    close(fd);
    pack_links_free(&l->links);
    if (rc != 0)
        l->tally.n = 0;
    int r = pack_tally_report(&l->tally, arch, true);
    return rc != 0 ? rc : r;
}

void pack_cleanup(void)
{
    pack_input_close();
    cli_cleanup_remove(unpack_handle);
    unpack_handle = -1;
    unpack_dir[0] = '\0';
    for (size_t i = 0; i < arch_nroots; i++)
        free(arch_roots[i]);
    free(arch_roots);
    arch_roots = NULL;
    arch_nroots = 0;
}

/* By bundle path; inputs of the same path (a clash, reported) in an order that does not
 * depend on qsort: archive members first, then by archive or file name. */
static int by_bundle_path(const void *a, const void *b)
{
    const pack_input *x = a, *y = b;
    int c = strcmp(x->bundle_path, y->bundle_path);
    if (c != 0)
        return c;
    if ((x->archive == NULL) != (y->archive == NULL))
        return x->archive != NULL ? -1 : 1;
    return x->archive != NULL ? strcmp(x->archive, y->archive) : strcmp(x->fs_path, y->fs_path);
}

void pack_inputs_free(pack_input *in, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(in[i].fs_path);
    }
    free(in);
}

int pack_collect(char *const *inputs, int n, char *const *archives, int na, const char *output,
                 const pack_collect_opts *opts, pack_input **out, size_t *count)
{
    list l = {.o = opts};
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
        rc = read_archive(archives[i], (size_t)i, &l);
    if (rc == 0 && l.skipped > 0)
        pack_warn("skipped %zu symbolic link%s", l.skipped, l.skipped == 1 ? "" : "s");
    if (rc == 0 && l.n == 0) {
        pack_warn("no files found in the inputs");
        rc = 2;
    }
    if (rc == 0) {
        qsort(l.v, l.n, sizeof *l.v, by_bundle_path);
        for (size_t i = 1; i < l.n && rc == 0; i++) {
            if (strcmp(l.v[i - 1].bundle_path, l.v[i].bundle_path) == 0) {
                char b1[8192], b2[8192];
                pack_warn("%s and %s: both would be stored as '%s'",
                          pack_input_name(&l.v[i - 1], b1, sizeof b1),
                          pack_input_name(&l.v[i], b2, sizeof b2), l.v[i].bundle_path);
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
