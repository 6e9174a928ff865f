/* SPDX-License-Identifier: ISC */
/* read_diff.c: quire-read diff OLD NEW. Both bundles are authenticated (their signatures and,
 * for the documents compared, their content is what the signed indexes declare; the
 * comparison is by the signed SHA-256 values), and so are what else is compared: the bundle
 * metadata, key by key, and each common entry's provenance (its metadata, through the checking
 * accessor). With --text, the documents that changed are read, verified, and shown as unified
 * diffs (read_udiff.c). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "read.h"

static void hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The "supersedes" string NEW declares (copied into buf, at most cap - 1 bytes), or NULL.
 * A string with an embedded NUL or longer than buf is kept whole enough to differ from any
 * fingerprint: it is compared by length as well as bytes. */
static char *supersedes(const quire_index *idx, char *buf, size_t cap, size_t *len)
{
    json_t *m = idx->bundle_meta_len
                    ? json_loadb((const char *)idx->bundle_meta, idx->bundle_meta_len, 0, NULL)
                    : NULL;
    json_t *v = json_object_get(m, "supersedes");
    char *out = NULL;
    if (json_is_string(v)) {
        *len = json_string_length(v);
        size_t n = *len < cap - 1 ? *len : cap - 1;
        memcpy(buf, json_string_value(v), n);
        buf[n] = '\0';
        out = buf;
    }
    json_decref(m);
    return out;
}

/* What diff found: the lists for --json, the counts, and the entries whose content changed. */
typedef struct diff_ctx {
    const read_opts *o;
    quire_reader *old, *new;
    const char *old_name, *new_name;
    json_t *list, *meta_list, *prov_list;
    size_t counts[6]; /* added, removed, changed, unchanged, provenance, metadata */
    uint32_t *pairs;  /* old and new entry numbers of each changed entry */
    size_t npairs;
} diff_ctx;

static void change(json_t *list, bool json, const char *what, const quire_entry *a,
                   const quire_entry *b)
{
    const quire_entry *e = b != NULL ? b : a;
    char ha[65] = "", hb[65] = "";
    if (a != NULL)
        hex(ha, a->sha256, 32);
    if (b != NULL)
        hex(hb, b->sha256, 32);
    if (json) {
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s?, s:s?}", "change", what, "path", e->path,
                                        "old_sha256", a ? ha : NULL, "new_sha256", b ? hb : NULL));
        return;
    }
    printf("%-8s ", what);
    out_safe(stdout, e->path, e->path_len);
    if (a != NULL && b != NULL)
        printf("  %.12s.. -> %.12s..", ha, hb);
    fputc('\n', stdout);
}

/* Entry i of OLD and j of NEW have one path: compares their provenance. Returns 0 or an exit
 * code after a message (metadata that breaks SPEC 5.5). */
static int compare_prov(diff_ctx *d, uint32_t i, uint32_t j)
{
    json_t *a = NULL, *b = NULL;
    int code = read_entry_meta(d->old, d->old_name, i, &a);
    if (code == 0)
        code = read_entry_meta(d->new, d->new_name, j, &b);
    if (code == 0 && !json_equal(a, b)) {
        const quire_entry *e = &quire_reader_index(d->new)->entries[j];
        d->counts[4]++;
        if (d->o->json) {
            json_array_append_new(
                d->prov_list, json_pack("{s:s, s:O, s:O}", "path", e->path, "old", a, "new", b));
        } else {
            fputs("provenance changed  ", stdout);
            out_safe(stdout, e->path, e->path_len);
            fputc('\n', stdout);
        }
    }
    json_decref(a);
    json_decref(b);
    return code;
}

static int add_pair(diff_ctx *d, uint32_t i, uint32_t j)
{
    uint32_t *p = realloc(d->pairs, (d->npairs + 1) * 2 * sizeof *p);
    if (p == NULL)
        return -1;
    d->pairs = p;
    p[2 * d->npairs] = i;
    p[2 * d->npairs++ + 1] = j;
    return 0;
}

/* Both indexes are sorted (SPEC 4.3): one merge pass. Returns 0 or an exit code. */
static int compare(diff_ctx *d)
{
    const quire_index *x = quire_reader_index(d->old), *y = quire_reader_index(d->new);
    bool json = d->o->json;
    uint32_t i = 0, j = 0;
    int code = 0;
    while (code == 0 && (i < x->entry_count || j < y->entry_count)) {
        const quire_entry *a = i < x->entry_count ? &x->entries[i] : NULL;
        const quire_entry *b = j < y->entry_count ? &y->entries[j] : NULL;
        int c = a == NULL ? 1 : b == NULL ? -1 : strcmp(a->path, b->path);
        if (c < 0) {
            change(d->list, json, "removed", a, NULL), d->counts[1]++, i++;
            continue;
        }
        if (c > 0) {
            change(d->list, json, "added", NULL, b), d->counts[0]++, j++;
            continue;
        }
        if (memcmp(a->sha256, b->sha256, 32) != 0) {
            change(d->list, json, "changed", a, b), d->counts[2]++;
            if (d->o->text && add_pair(d, i, j) != 0)
                read_fail(d->new_name, "out of memory"), code = 2;
        } else {
            d->counts[3]++;
        }
        if (code == 0)
            code = compare_prov(d, i, j);
        i++, j++;
    }
    return code;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The bundle metadata as an object (empty when there is none). */
static json_t *bundle_meta(const quire_index *idx)
{
    json_t *m = idx->bundle_meta_len
                    ? json_loadb((const char *)idx->bundle_meta, idx->bundle_meta_len, 0, NULL)
                    : NULL;
    return m != NULL ? m : json_object();
}

/* Compares the bundle metadata key by key, in key order: "metadata changed: KEY" for a key
 * added, removed or given another value. */
static int compare_meta(diff_ctx *d)
{
    json_t *a = bundle_meta(quire_reader_index(d->old));
    json_t *b = bundle_meta(quire_reader_index(d->new));
    size_t n = 0, cap = json_object_size(a) + json_object_size(b);
    const char **keys = malloc((cap ? cap : 1) * sizeof *keys), *key;
    json_t *v;
    if (keys == NULL) {
        json_decref(a), json_decref(b);
        read_fail(d->new_name, "out of memory");
        return 2;
    }
    json_object_foreach(a, key, v) keys[n++] = key;
    json_object_foreach(b, key, v) if (json_object_get(a, key) == NULL) keys[n++] = key;
    qsort(keys, n, sizeof *keys, by_string);
    for (size_t k = 0; k < n; k++) {
        json_t *va = json_object_get(a, keys[k]), *vb = json_object_get(b, keys[k]);
        if (va != NULL && vb != NULL && json_equal(va, vb))
            continue;
        d->counts[5]++;
        if (d->o->json) {
            json_array_append_new(
                d->meta_list, json_pack("{s:s, s:O?, s:O?}", "key", keys[k], "old", va, "new", vb));
        } else {
            fputs("metadata changed: ", stdout);
            out_safe(stdout, keys[k], strlen(keys[k]));
            fputc('\n', stdout);
        }
    }
    free(keys);
    json_decref(a);
    json_decref(b);
    return 0;
}

static void print_verdict(bool declared, const char *sup, size_t sup_len, bool verified)
{
    /* Under --any-signer the verdict is only what NEW's unverified index claims: say so on the
     * same line, since stdout may be read without the stderr warning. */
    const char *who = verified ? "" : "; NEW's signer NOT verified (--any-signer)";
    if (declared) {
        printf("NEW supersedes OLD: yes (NEW declares OLD's fingerprint%s)\n", who);
    } else if (sup != NULL) {
        fputs("NEW supersedes OLD: no (NEW declares it supersedes ", stdout);
        out_safe(stdout, sup, sup_len);
        printf("%s)\n", who);
    } else {
        printf("NEW supersedes OLD: no (NEW declares no predecessor%s)\n", who);
    }
}

/* --text reads at most this much of each document: a diff of larger texts is not for reading. */
#define TEXT_MAX_BYTES (8u << 20)

typedef struct doc_buf {
    char *p;
    size_t len;
} doc_buf;

static int collect(void *ctx, uint32_t i, const uint8_t *p, size_t n, quire_error *err)
{
    doc_buf *b = ctx;
    (void)i;
    memcpy(b->p + b->len, p, n); /* the buffer holds the entry's declared size */
    b->len += n;
    (void)err;
    return QUIRE_OK;
}

/* Reads and verifies entry i of r into *b (malloc'd). Returns 0 or an exit code. */
static int load_doc(quire_reader *r, const char *name, uint32_t i, doc_buf *b)
{
    quire_error err;
    quire_walk_ops ops = {NULL, collect, NULL};
    b->len = 0;
    b->p = malloc(quire_reader_index(r)->entries[i].size + 1);
    if (b->p == NULL) {
        read_fail(name, "out of memory");
        return 2;
    }
    int rc = read_walk_one(r, i, &ops, b, &err);
    if (rc != QUIRE_OK) {
        read_error(name, &err);
        return quire_exit_code(rc);
    }
    return 0;
}

/* The unified diff of one changed document into the memory stream f, or a line saying why
 * there is none. Returns 0 or an exit code. */
static int text_diff(diff_ctx *d, uint32_t i, uint32_t j, FILE *f)
{
    const quire_entry *a = &quire_reader_index(d->old)->entries[i];
    const quire_entry *b = &quire_reader_index(d->new)->entries[j];
    if (a->size > TEXT_MAX_BYTES || b->size > TEXT_MAX_BYTES) {
        fprintf(f, "too large to show as text: %s\n", b->path);
        return 0;
    }
    doc_buf x = {0}, y = {0};
    int code = load_doc(d->old, d->old_name, i, &x);
    if (code == 0)
        code = load_doc(d->new, d->new_name, j, &y);
    char *na = NULL, *nb = NULL;
    if (code == 0 && (memchr(x.p, 0, x.len) != NULL || memchr(y.p, 0, y.len) != NULL))
        fprintf(f, "binary documents differ: %s\n", b->path);
    else if (code == 0 && (asprintf(&na, "%s:%s", d->old_name, a->path) < 0 ||
                           asprintf(&nb, "%s:%s", d->new_name, b->path) < 0))
        read_fail(d->new_name, "out of memory"), code = 2, na = nb = NULL;
    else if (code == 0) {
        int rc = read_udiff(f, x.p, x.len, y.p, y.len, na, nb);
        if (rc == 1)
            fprintf(f, "too many changes to show as text: %s\n", b->path);
        else if (rc < 0)
            read_fail(d->new_name, "out of memory"), code = 2;
    }
    free(na), free(nb), free(x.p), free(y.p);
    return code;
}

/* --text: the diffs of the changed documents, escaped to stdout or as "text_diffs". */
static int text_diffs(diff_ctx *d, json_t *out)
{
    int code = 0;
    for (size_t k = 0; code == 0 && k < d->npairs; k++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f == NULL) {
            read_fail(d->new_name, "out of memory");
            return 2;
        }
        code = text_diff(d, d->pairs[2 * k], d->pairs[2 * k + 1], f);
        fclose(f);
        const quire_entry *e = &quire_reader_index(d->new)->entries[d->pairs[2 * k + 1]];
        if (code == 0 && out != NULL) {
            json_t *t = json_stringn(text, len); /* NULL unless valid UTF-8 */
            json_array_append_new(
                out, json_pack("{s:s, s:o}", "path", e->path, "diff", t != NULL ? t : json_null()));
        } else if (code == 0) {
            cli_escape_str(stdout, text, len, CLI_ESC_KEEP_NEWLINE | CLI_ESC_KEEP_TAB);
        }
        free(text);
    }
    return code;
}

static int print_json(diff_ctx *d, const char *fpo, const char *fpn, bool declared, const char *sup,
                      bool verified)
{
    json_t *texts = d->o->text ? json_array() : NULL;
    int code = d->o->text ? text_diffs(d, texts) : 0;
    json_t *counts =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "added", (json_int_t)d->counts[0], "removed",
                  (json_int_t)d->counts[1], "changed", (json_int_t)d->counts[2], "unchanged",
                  (json_int_t)d->counts[3], "provenance_changed", (json_int_t)d->counts[4],
                  "metadata_changed", (json_int_t)d->counts[5]);
    json_t *j = json_pack("{s:s, s:s, s:O, s:o, s:b, s:s?, s:b, s:O, s:O}", "old", fpo, "new", fpn,
                          "changes", d->list, "counts", counts, "new_supersedes_old", declared,
                          "new_declares_supersedes", sup, "new_signer_verified", verified,
                          "metadata_changes", d->meta_list, "provenance_changes", d->prov_list);
    if (texts != NULL)
        json_object_set_new(j, "text_diffs", texts);
    if (code == 0)
        code = out_json(j);
    else
        json_decref(j);
    return code;
}

static int report(diff_ctx *d)
{
    char fpo[65], fpn[65], buf[256];
    size_t sup_len = 0;
    const quire_index *y = quire_reader_index(d->new);
    hex(fpo, quire_reader_fingerprint(d->old), 32);
    hex(fpn, quire_reader_fingerprint(d->new), 32);
    const char *sup = supersedes(y, buf, sizeof buf, &sup_len);
    bool declared = sup != NULL && sup_len == 64 && strcmp(sup, fpo) == 0;
    bool verified = quire_reader_signer(d->new) != NULL;
    int code = compare(d);
    if (code == 0)
        code = compare_meta(d);
    if (code != 0)
        return code;
    if (d->o->json)
        return print_json(d, fpo, fpn, declared, sup, verified);
    printf("%zu added, %zu removed, %zu changed, %zu unchanged\n", d->counts[0], d->counts[1],
           d->counts[2], d->counts[3]);
    printf("old fingerprint: %s\nnew fingerprint: %s\n", fpo, fpn);
    print_verdict(declared, sup, sup != NULL ? strlen(sup) : 0, verified);
    return d->o->text ? text_diffs(d, NULL) : 0;
}

/* The comparison is by the signed SHA-256 values, but "unchanged" must not be said of a
 * document whose stored bytes are damaged: every unit's hash is checked first, as verify
 * --quick does (SPEC 9 step 10), and a failure is the answer (exit 1). */
static int check_stored(quire_reader *r, const char *name)
{
    quire_error err;
    int rc = quire_reader_check_units(r, NULL, NULL, &err);
    if (rc == QUIRE_OK)
        return 0;
    read_error(name, &err);
    return quire_exit_code(rc);
}

int cmd_diff(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    if (argc != 2) {
        read_fail(NULL, "diff: expected OLD.quire NEW.quire");
        return 2;
    }
    if (strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0) {
        read_fail(NULL, "diff: standard input can be OLD or NEW, not both");
        return 2;
    }
    diff_ctx d = {.o = o, .old_name = argv[0], .new_name = argv[1]};
    if ((d.old = read_open(argv[0], o, &code)) == NULL ||
        (d.new = read_open(argv[1], o, &code)) == NULL ||
        (code = check_stored(d.old, argv[0])) != 0 || (code = check_stored(d.new, argv[1])) != 0) {
        quire_reader_close(d.old);
        quire_reader_close(d.new);
        return code;
    }
    d.list = json_array(), d.meta_list = json_array(), d.prov_list = json_array();
    code = report(&d);
    json_decref(d.list), json_decref(d.meta_list), json_decref(d.prov_list);
    free(d.pairs);
    quire_reader_close(d.old);
    quire_reader_close(d.new);
    /* diff(1)'s convention, with quire's codes: 0 the same, 3 they differ, metadata or
     * provenance alone included. */
    size_t differ = d.counts[0] + d.counts[1] + d.counts[2] + d.counts[4] + d.counts[5];
    if (code == 0 && differ > 0)
        code = 3;
    return code;
}
