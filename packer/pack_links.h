/* SPDX-License-Identifier: ISC */
/* pack_links.h: what pack_input.c needs to leave out (--exclude) and to count, skip or follow
 * symbolic links (-L, --skip-links), in directories and in archives. */
#ifndef PACK_LINKS_H
#define PACK_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "pack.h"

/* Whether --exclude leaves out the bundle path path (a directory when is_dir): a pattern
 * without '/' is matched (fnmatch) against the name of each component, one with '/' against
 * the whole path and each of its leading directories (with FNM_PATHNAME, a leading '/'
 * ignored); a pattern ending in '/' matches directories only. A match on a directory leaves
 * out everything beneath it, so every leading directory of path is tried. */
bool pack_excluded(const pack_collect_opts *o, const char *path, bool is_dir);

/* Checks one --exclude pattern as given on the command line; returns 0 or 2 after a message. */
int pack_exclude_check(const char *pattern);

/* The symbolic links met in one input while neither -L nor --skip-links is given: how many,
 * and the first by name (so that the message does not depend on the order of readdir). */
typedef struct pack_link_tally {
    size_t n;
    char *first, *target;
} pack_link_tally;

/* Counts the link name (pointing to target). Returns 0, or -1 when out of memory. */
int pack_tally_add(pack_link_tally *t, const char *name, const char *target);

/* When t counted links, prints "WHERE: N symbolic links (first: NAME -> TARGET); use -L ..."
 * (NAME prefixed with "entry " when in_archive) and returns 2; else returns 0. Frees t. */
int pack_tally_report(pack_link_tally *t, const char *where, bool in_archive);

/* The symbolic links of one archive, kept until its last entry is read, then resolved within
 * the archive's own names (a link may come before its target, or lead through another). */
typedef struct pack_link_table {
    struct pack_link *v;
    size_t n, cap;
} pack_link_table;

int pack_links_add(pack_link_table *t, const char *name, const char *target);
void pack_links_free(pack_link_table *t);

/* Called by pack_links_resolve for each link: name is the link's name, final the name of the
 * archive member it leads to (a regular file that was unpacked, checked by the callback). */
typedef int (*pack_link_fn)(void *ctx, const char *name, const char *target, const char *final);

/* Resolves every link of t, as the kernel would if the archive were unpacked in an empty
 * directory, but without leaving the archive: a link to an absolute path or through ".."
 * above the archive's top is refused as pointing outside it, more than 40 links in one
 * resolution as a loop. Calls fn for each (t sorted by name first); returns 0, or 2 after a
 * message naming arch and the entry, or fn's non-zero status. */
int pack_links_resolve(pack_link_table *t, const char *arch, pack_link_fn fn, void *ctx);

#endif
