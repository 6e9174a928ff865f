/* SPDX-License-Identifier: ISC */
/* read_list.c: quire-read list: the entries of one or several bundles, all or those matching
 * patterns; -l with media type, size, provenance and title, and a total. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "read.h"

typedef struct list_run {
    const read_opts *o;
    char **patterns;  /* cleaned */
    const char **raw; /* as given */
    bool *matched;
    size_t npatterns;
    bool several; /* several bundles: paths are prefixed with the bundle's name */
    json_t *arr;  /* --json: the entries of every bundle */
} list_run;

/* A pattern matches a path or one of its directories (fnmatch with FNM_PATHNAME: '*' and '?'
 * do not cross a '/'), the rule extract uses, so that list shows what extract would write. */
static bool pattern_match(const char *pat, const char *path)
{
    if (fnmatch(pat, path, FNM_PATHNAME) == 0)
        return true;
    bool hit = false;
    for (const char *s = strchr(path, '/'); s != NULL && !hit; s = strchr(s + 1, '/')) {
        char *dir = strndup(path, (size_t)(s - path));
        hit = dir != NULL && fnmatch(pat, dir, FNM_PATHNAME) == 0;
        free(dir);
    }
    return hit;
}

static bool selected(list_run *l, const char *path)
{
    bool any = l->npatterns == 0;
    for (size_t k = 0; k < l->npatterns; k++)
        if (pattern_match(l->patterns[k], path))
            any = l->matched[k] = true;
    return any;
}

/* What list -l shows of an entry's metadata. Provenance is metadata beyond what the packer
 * adds by itself (SPEC 11.1: the media type, and a guessed title). */
typedef struct list_meta {
    const char *media, *title;
    bool provenance;
} list_meta;

static list_meta meta_summary(json_t *m)
{
    list_meta lm = {json_string_value(json_object_get(m, "quire-media-type")),
                    json_string_value(json_object_get(m, "title")), false};
    bool guessed = json_is_true(json_object_get(m, "quire-title-guessed"));
    const char *key;
    json_t *v;
    json_object_foreach(m, key, v)
    {
        if (strcmp(key, "quire-media-type") != 0 && strcmp(key, "quire-title-guessed") != 0 &&
            !(guessed && strcmp(key, "title") == 0))
            lm.provenance = true;
    }
    return lm;
}

/* Counts by media type, for the summary line. */
typedef struct type_count {
    const char *type;
    uint32_t n;
} type_count;

static int by_count(const void *a, const void *b)
{
    const type_count *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->type, y->type);
}

/* "total: 4 documents, 1 original, 79.8 KiB (81,716 bytes); 3 text/plain, 2 text/html" */
static void list_summary(const char *prefix, uint32_t docs, uint32_t origs, uint64_t bytes,
                         type_count *types, size_t ntypes)
{
    char size[64];
    read_size_text(size, sizeof size, bytes);
    qsort(types, ntypes, sizeof *types, by_count);
    if (prefix != NULL) {
        out_safe(stdout, prefix, strlen(prefix));
        fputc(':', stdout);
    }
    printf("total: %u document%s", docs, docs == 1 ? "" : "s");
    if (origs > 0)
        printf(", %u original%s", origs, origs == 1 ? "" : "s");
    printf(", %s", size);
    for (size_t k = 0; k < ntypes; k++) {
        printf("%s%u ", k == 0 ? "; " : ", ", types[k].n);
        out_safe(stdout, types[k].type, strlen(types[k].type));
    }
    fputc('\n', stdout);
}

static void list_path(const list_run *l, const char *bundle, const quire_entry *e)
{
    if (l->several) {
        out_safe(stdout, bundle, strlen(bundle));
        fputc(':', stdout);
    }
    out_safe(stdout, e->path, e->path_len);
}

/* list -l of the selected entries: role, media type, size, provenance (P or -), path, title;
 * then the summary. */
static int list_long(list_run *l, quire_reader *r, const char *bundle, const bool *sel)
{
    const quire_index *idx = quire_reader_index(r);
    json_t **metas = calloc(idx->entry_count + 1, sizeof *metas);
    type_count *types = calloc(idx->entry_count + 1, sizeof *types);
    int width_t = 1, width_s = 1, code = 0;
    uint32_t docs = 0, origs = 0;
    size_t ntypes = 0;
    uint64_t bytes = 0;
    if (metas == NULL || types == NULL) {
        read_fail(bundle, "out of memory");
        code = 2;
        goto out;
    }
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        if (!sel[i])
            continue;
        if ((code = read_entry_meta(r, bundle, i, &metas[i])) != 0)
            goto out;
        const char *mt = meta_summary(metas[i]).media;
        mt = mt != NULL ? mt : "-";
        int w = snprintf(NULL, 0, "%llu", (unsigned long long)idx->entries[i].size);
        width_s = w > width_s ? w : width_s;
        width_t = (int)strlen(mt) > width_t ? (int)strlen(mt) : width_t;
        size_t k = 0;
        while (k < ntypes && strcmp(types[k].type, mt) != 0)
            k++;
        types[k].type = mt, types[k].n++;
        ntypes += k == ntypes;
        bytes += idx->entries[i].size;
        idx->entries[i].role == QUIRE_ROLE_ORIGINAL ? origs++ : docs++;
    }
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        if (!sel[i])
            continue;
        const quire_entry *e = &idx->entries[i];
        list_meta lm = meta_summary(metas[i]);
        printf("%-8s ", out_role(e->role));
        out_safe(stdout, lm.media != NULL ? lm.media : "-", strlen(lm.media ? lm.media : "-"));
        printf("%*s %*llu %c ", width_t - (int)strlen(lm.media ? lm.media : "-"), "", width_s,
               (unsigned long long)e->size, lm.provenance ? 'P' : '-');
        list_path(l, bundle, e);
        if (lm.title != NULL) {
            fputs("  ", stdout);
            out_safe(stdout, lm.title, strlen(lm.title));
        }
        fputc('\n', stdout);
    }
    list_summary(l->several ? bundle : NULL, docs, origs, bytes, types, ntypes);
out:
    for (uint32_t i = 0; metas != NULL && i < idx->entry_count; i++)
        json_decref(metas[i]);
    free(metas);
    free(types);
    return code;
}

static int list_json(list_run *l, quire_reader *r, const char *bundle, const bool *sel)
{
    int code = 0;
    const quire_index *idx = quire_reader_index(r);
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        if (!sel[i])
            continue;
        json_t *ej = read_entry_json(r, bundle, i, &code);
        if (ej == NULL)
            return code;
        if (l->several)
            json_object_set_new(ej, "bundle", json_string(bundle));
        json_array_append_new(l->arr, ej);
    }
    return 0;
}

/* Patterns that matched in no bundle are named; with one bundle, a plain path with the
 * nearest paths. */
static int list_unmatched(const list_run *l, const quire_index *idx, const char *bundle)
{
    int code = 0;
    for (size_t k = 0; k < l->npatterns; k++) {
        if (l->matched[k])
            continue;
        code = 2;
        if (idx != NULL && strpbrk(l->raw[k], "*?[\\") == NULL)
            read_no_entry(idx, bundle, l->raw[k]);
        else
            read_fail(bundle, "no path in the bundle matches '%s'", l->raw[k]);
    }
    return code;
}

static int list_one(list_run *l, const char *bundle)
{
    int code = 0;
    quire_reader *r = read_open(bundle, l->o, &code);
    if (r == NULL)
        return code;
    const quire_index *idx = quire_reader_index(r);
    bool *sel = calloc(idx->entry_count + 1, sizeof *sel);
    if (sel == NULL) {
        read_fail(bundle, "out of memory");
        quire_reader_close(r);
        return 2;
    }
    for (uint32_t i = 0; i < idx->entry_count; i++)
        sel[i] = selected(l, idx->entries[i].path);
    if (!l->several && !l->o->json)
        code = list_unmatched(l, idx, bundle);
    if (l->o->json)
        code = list_json(l, r, bundle, sel);
    else if (l->o->longlist)
        code = read_worse(code, list_long(l, r, bundle, sel));
    else
        for (uint32_t i = 0; i < idx->entry_count; i++) {
            if (sel[i]) {
                list_path(l, bundle, &idx->entries[i]);
                fputc('\n', stdout);
            }
        }
    free(sel);
    quire_reader_close(r);
    return code;
}

/* The first argument is a bundle, and so is every other ending in ".quire" (or "-"); the rest
 * are patterns. */
static bool is_bundle_arg(const char *a)
{
    size_t n = strlen(a);
    return strcmp(a, "-") == 0 || (n > 6 && strcmp(a + n - 6, ".quire") == 0);
}

int cmd_list(const read_opts *o, int argc, char **argv)
{
    int code = 0, nb = 0;
    if (argc < 1) {
        read_fail(NULL, "list: expected BUNDLE... [PATTERN...]");
        return 2;
    }
    list_run l = {.o = o,
                  .patterns = calloc((size_t)argc, sizeof(char *)),
                  .raw = calloc((size_t)argc, sizeof(char *)),
                  .matched = calloc((size_t)argc, sizeof(bool))};
    char **bundles = calloc((size_t)argc, sizeof *bundles);
    if (l.patterns == NULL || l.matched == NULL || l.raw == NULL || bundles == NULL) {
        read_fail(argv[0], "out of memory");
        code = 2;
        goto out;
    }
    for (int k = 0; k < argc; k++) {
        if (k == 0 || is_bundle_arg(argv[k])) {
            bundles[nb++] = argv[k];
        } else if ((l.patterns[l.npatterns] = read_path_clean(argv[k])) != NULL) {
            l.raw[l.npatterns++] = argv[k];
        }
    }
    l.several = nb > 1;
    l.arr = o->json ? json_array() : NULL;
    for (int k = 0; k < nb; k++) {
        if (o->json && l.several)
            read_json_collect(l.arr);
        code = read_worse(code, list_one(&l, bundles[k]));
    }
    read_json_collect(NULL);
    if (o->json && (l.several || !out_json_written))
        out_json(l.arr);
    else
        json_decref(l.arr);
    if (code == 0 && (l.several || o->json))
        code = list_unmatched(&l, NULL, l.several ? "the bundles" : bundles[0]);
out:
    for (size_t k = 0; k < l.npatterns; k++)
        free(l.patterns[k]);
    free(l.patterns), free(l.matched), free(l.raw), free(bundles);
    return code;
}
