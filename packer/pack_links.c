/* SPDX-License-Identifier: ISC */
/* pack_links.c: --exclude patterns, and symbolic links met in the inputs: counted for the
 * refusal that names -L and --skip-links, or (with -L, in an archive) resolved to the member
 * they lead to. No I/O: pack_input.c reads the disk and the archives. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "pack_links.h"

/* Links followed in one resolution before it is called a loop: Linux's own limit (MAXSYMLINKS
 * is 40), so an archive that unpacks and reads on Linux resolves here too. */
#define MAX_HOPS 40
#define NAME_CAP 8192

struct pack_link {
    char *name, *target;
};

/* ---- --exclude ---- */

int pack_exclude_check(const char *pattern)
{
    const char *p = pattern;
    while (*p == '/')
        p++;
    if (*p == '\0') {
        pack_warn("create: --exclude: the pattern '%s' names no file", pattern);
        return 2;
    }
    return 0;
}

/* Whether pattern p matches the leading directory or whole path prefix[0..len), whose last
 * component starts at prefix + last. */
static bool match_one(const char *p, const char *prefix, size_t len, size_t last, bool is_dir)
{
    char buf[NAME_CAP], pat[NAME_CAP];
    size_t plen = strlen(p);
    while (*p == '/') {
        p++;
        plen--;
    }
    bool dir_only = plen > 0 && p[plen - 1] == '/';
    while (plen > 0 && p[plen - 1] == '/')
        plen--;
    if ((dir_only && !is_dir) || plen == 0 || plen >= sizeof pat || len >= sizeof buf)
        return false;
    memcpy(pat, p, plen);
    pat[plen] = '\0';
    memcpy(buf, prefix, len);
    buf[len] = '\0';
    if (memchr(pat, '/', plen) != NULL)
        return fnmatch(pat, buf, FNM_PATHNAME) == 0;
    return fnmatch(pat, buf + last, 0) == 0;
}

bool pack_excluded(const pack_collect_opts *o, const char *path, bool is_dir)
{
    if (o == NULL || o->nexcludes == 0)
        return false;
    size_t last = 0;
    for (size_t i = 0;; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        /* path[0..i) is a leading directory, or the whole path when path[i] is the end. */
        bool whole = path[i] == '\0';
        for (size_t k = 0; k < o->nexcludes && i > last; k++)
            if (match_one(o->excludes[k], path, i, last, whole ? is_dir : true))
                return true;
        if (whole)
            return false;
        last = i + 1;
    }
}

/* ---- counting links for the refusal ---- */

int pack_tally_add(pack_link_tally *t, const char *name, const char *target)
{
    t->n++;
    if (t->first != NULL && strcmp(name, t->first) >= 0)
        return 0;
    char *n = strdup(name), *g = strdup(target != NULL ? target : "");
    if (n == NULL || g == NULL) {
        free(n);
        free(g);
        return -1;
    }
    free(t->first);
    free(t->target);
    t->first = n;
    t->target = g;
    return 0;
}

int pack_tally_report(pack_link_tally *t, const char *where, bool in_archive)
{
    int rc = 0;
    const char *entry = in_archive ? "entry " : "";
    if (t->n == 1)
        pack_warn("%s: 1 symbolic link (%s%s -> %s); use -L to store what it points to or "
                  "--skip-links to leave it out",
                  where, entry, t->first, t->target);
    else if (t->n > 1)
        pack_warn("%s: %zu symbolic links (first: %s%s -> %s); use -L to store what they point "
                  "to or --skip-links to leave them out",
                  where, t->n, entry, t->first, t->target);
    if (t->n > 0)
        rc = 2;
    free(t->first);
    free(t->target);
    *t = (pack_link_tally){0};
    return rc;
}

/* ---- the links of an archive ---- */

int pack_links_add(pack_link_table *t, const char *name, const char *target)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct pack_link *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    char *n = strdup(name), *g = strdup(target);
    if (n == NULL || g == NULL) {
        free(n);
        free(g);
        return -1;
    }
    t->v[t->n++] = (struct pack_link){n, g};
    return 0;
}

void pack_links_free(pack_link_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].name);
        free(t->v[i].target);
    }
    free(t->v);
    *t = (pack_link_table){0};
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct pack_link *)a)->name, ((const struct pack_link *)b)->name);
}

static const char *link_target(const pack_link_table *t, const char *name)
{
    struct pack_link key = {(char *)name, NULL};
    const struct pack_link *l = bsearch(&key, t->v, t->n, sizeof *t->v, by_name);
    return l != NULL ? l->target : NULL;
}

enum { RES_OK, RES_OUTSIDE, RES_LOOP, RES_LONG };

/* Makes todo hold head, then "/" and todo's text from rest on (rest points into todo). */
static int prepend(char *todo, const char *rest, const char *head)
{
    char tmp[NAME_CAP];
    int n = snprintf(tmp, sizeof tmp, "%s/%s", head, rest);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return RES_LONG;
    memcpy(todo, tmp, (size_t)n + 1);
    return RES_OK;
}

/* Resolves target, read in the directory of the link name, into done (the member's name,
 * "" for the archive's top): component by component, each name that is itself a link
 * replaced by its target. */
static int resolve(const pack_link_table *t, const char *name, const char *target, char *done)
{
    char todo[NAME_CAP];
    const char *slash = strrchr(name, '/');
    size_t dl = slash != NULL ? (size_t)(slash - name) : 0;
    int hops = 0;

    if (target[0] == '/')
        return RES_OUTSIDE;
    if (strlen(target) >= sizeof todo || dl >= NAME_CAP)
        return RES_LONG;
    memcpy(done, name, dl);
    done[dl] = '\0';
    strcpy(todo, target);
    for (char *p = todo; *p != '\0';) {
        size_t cl = strcspn(p, "/");
        char *next = p[cl] == '/' ? p + cl + 1 : p + cl;
        if (cl == 0 || (cl == 1 && p[0] == '.')) {
            p = next;
            continue;
        }
        if (cl == 2 && p[0] == '.' && p[1] == '.') {
            if (dl == 0)
                return RES_OUTSIDE;
            char *up = strrchr(done, '/');
            dl = up != NULL ? (size_t)(up - done) : 0;
            done[dl] = '\0';
            p = next;
            continue;
        }
        size_t at = dl + (dl > 0);
        if (at + cl >= NAME_CAP)
            return RES_LONG;
        if (dl > 0)
            done[dl] = '/';
        memcpy(done + at, p, cl);
        done[at + cl] = '\0';
        const char *via = link_target(t, done);
        if (via == NULL) {
            dl = at + cl;
            p = next;
            continue;
        }
        if (++hops > MAX_HOPS)
            return RES_LOOP;
        if (via[0] == '/')
            return RES_OUTSIDE;
        done[dl] = '\0';
        if (prepend(todo, next, via) != RES_OK)
            return RES_LONG;
        p = todo;
    }
    return RES_OK;
}

int pack_links_resolve(pack_link_table *t, const char *arch, pack_link_fn fn, void *ctx)
{
    static const char *const why[] = {
        [RES_OUTSIDE] = "it points outside the archive",
        [RES_LOOP] = "a loop of symbolic links",
        [RES_LONG] = "the path it leads to is too long",
    };
    char done[NAME_CAP];

    if (t->n > 1)
        qsort(t->v, t->n, sizeof *t->v, by_name);
    for (size_t i = 0; i < t->n; i++) {
        const struct pack_link *l = &t->v[i];
        int r = resolve(t, l->name, l->target, done);
        if (r != RES_OK) {
            pack_warn("%s: entry %s -> %s: refused: %s", arch, l->name, l->target, why[r]);
            return 2;
        }
        if ((r = fn(ctx, l->name, l->target, done)) != 0)
            return r;
    }
    return 0;
}
