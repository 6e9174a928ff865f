/* SPDX-License-Identifier: ISC */
/* cmds_bundle.c: a validly signed bundle from arbitrary entries, through the real writer. */
#include <stdlib.h>
#include <string.h>

#include "cmds_bundle.h"

static int path_cmp(const cmds_entry *a, const cmds_entry *b)
{
    size_t n = a->path_len < b->path_len ? a->path_len : b->path_len;
    int c = memcmp(a->path, b->path, n);
    if (c != 0)
        return c;
    return a->path_len < b->path_len ? -1 : a->path_len > b->path_len;
}

/* SPEC 4.3: whether some kept entry's path is p's part before one of its '/'. */
static int has_kept_dir(const cmds_entry *e, size_t n, const cmds_entry *p)
{
    for (size_t k = 0; k < p->path_len; k++) {
        if (p->path[k] != '/')
            continue;
        for (size_t j = 0; j < n; j++)
            if (e[j].keep && e[j].path_len == k && memcmp(e[j].path, p->path, k) == 0)
                return 1;
    }
    return 0;
}

size_t cmds_entries_prepare(cmds_entry *e, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        e[i].keep = quire_path_check((const char *)e[i].path, e[i].path_len, NULL) == QUIRE_OK;
        for (size_t j = 0; e[i].keep && j < i; j++)
            if (e[j].keep && path_cmp(&e[i], &e[j]) == 0)
                e[i].keep = 0; /* a duplicate: the first one stays */
    }
    /* Shorter paths first, so that of a file and a directory of the same name the file stays
     * and the entries below it go. */
    for (size_t len = 1; len <= QUIRE_MAX_PATH_BYTES; len++)
        for (size_t i = 0; i < n; i++)
            if (e[i].keep && e[i].path_len == len && has_kept_dir(e, n, &e[i]))
                e[i].keep = 0;
    for (size_t i = 0; i < n; i++) {
        int l = e[i].link;
        if (l >= 0 && ((size_t)l >= n || !e[l].keep || e[l].role != QUIRE_ROLE_ORIGINAL ||
                       e[i].role == QUIRE_ROLE_ORIGINAL || (size_t)l == i))
            e[i].link = -1;
        kept += e[i].keep != 0;
    }
    return kept;
}

typedef struct mem_src {
    const uint8_t *p;
    size_t left;
} mem_src;

static int mem_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, quire_error *err)
{
    mem_src *m = ctx;
    (void)err;
    *got = m->left < cap ? m->left : cap;
    if (*got > 0)
        memcpy(buf, m->p, *got);
    m->p += *got;
    m->left -= *got;
    return QUIRE_OK;
}

/* order[] holds the kept entries' positions sorted by path; the link of entry order[k] is
 * written as the sorted position of its original. */
static int add_entries(quire_writer *w, const cmds_entry *e, const size_t *order, size_t nk,
                       quire_error *err)
{
    int rc = QUIRE_OK;
    for (size_t k = 0; rc == QUIRE_OK && k < nk; k++) {
        const cmds_entry *x = &e[order[k]];
        char *path = strndup((const char *)x->path, x->path_len);
        quire_entry_desc d = {.path = path,
                              .role = x->role ? x->role : QUIRE_ROLE_DOCUMENT,
                              .link = QUIRE_LINK_NONE,
                              .meta = x->meta,
                              .meta_len = x->meta_len,
                              .size = x->len};
        for (size_t j = 0; x->link >= 0 && j < nk; j++)
            if (order[j] == (size_t)x->link)
                d.link = (uint32_t)j;
        mem_src src = {x->data, x->len};
        rc = path == NULL ? quire_error_set(err, QUIRE_E_NOMEM, "out of memory")
                          : quire_writer_add(w, &d, mem_read, &src, err);
        free(path);
    }
    return rc;
}

int cmds_bundle_write(int fd, const uint8_t *bundle_meta, size_t bundle_meta_len,
                      const char *comment, const cmds_entry *e, size_t n, const quire_seckey *sk,
                      uint8_t fp[QUIRE_FINGERPRINT_BYTES], quire_error *err)
{
    quire_writer *w = NULL;
    size_t *order = malloc((n ? n : 1) * sizeof *order), nk = 0;
    int rc = QUIRE_E_NOMEM;
    if (order == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].keep)
            continue;
        size_t k = nk++; /* insertion sort: a bundle here holds a handful of entries */
        while (k > 0 && path_cmp(&e[order[k - 1]], &e[i]) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    rc = quire_writer_open(fd, bundle_meta, bundle_meta_len, &w, err);
    if (rc == QUIRE_OK)
        rc = add_entries(w, e, order, nk, err);
    if (rc == QUIRE_OK)
        rc = quire_writer_finish(w, sk, comment, err);
    if (rc == QUIRE_OK)
        memcpy(fp, quire_writer_fingerprint(w), QUIRE_FINGERPRINT_BYTES);
out:
    if (order == NULL)
        quire_error_set(err, rc, "out of memory");
    quire_writer_free(w);
    free(order);
    return rc;
}
