/* SPDX-License-Identifier: ISC */
/* read_diff.c: quire-read diff OLD NEW. Both bundles are authenticated (their signatures and,
 * for the documents compared, their content is what the signed indexes declare; the
 * comparison is by the signed SHA-256 values). */
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

static void compare(const quire_index *x, const quire_index *y, bool json, json_t *list,
                    size_t *counts)
{
    uint32_t i = 0, j = 0;
    while (i < x->entry_count || j < y->entry_count) {
        const quire_entry *a = i < x->entry_count ? &x->entries[i] : NULL;
        const quire_entry *b = j < y->entry_count ? &y->entries[j] : NULL;
        int c = a == NULL ? 1 : b == NULL ? -1 : strcmp(a->path, b->path);
        if (c < 0) {
            change(list, json, "removed", a, NULL), counts[1]++, i++;
        } else if (c > 0) {
            change(list, json, "added", NULL, b), counts[0]++, j++;
        } else {
            if (memcmp(a->sha256, b->sha256, 32) != 0)
                change(list, json, "changed", a, b), counts[2]++;
            else
                counts[3]++;
            i++, j++;
        }
    }
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

int cmd_diff(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    char fpo[65], fpn[65], buf[256];
    size_t counts[4] = {0}, sup_len = 0; /* added, removed, changed, unchanged */
    if (argc != 2) {
        read_fail(NULL, "diff: expected OLD.quire NEW.quire");
        return 2;
    }
    quire_reader *old = read_open(argv[0], o, &code), *new = NULL;
    if (old == NULL || (new = read_open(argv[1], o, &code)) == NULL) {
        quire_reader_close(old);
        return code;
    }
    const quire_index *x = quire_reader_index(old), *y = quire_reader_index(new);
    hex(fpo, quire_reader_fingerprint(old), 32);
    hex(fpn, quire_reader_fingerprint(new), 32);
    const char *sup = supersedes(y, buf, sizeof buf, &sup_len);
    bool declared = sup != NULL && sup_len == 64 && strcmp(sup, fpo) == 0;
    bool verified = quire_reader_signer(new) != NULL;
    json_t *list = o->json ? json_array() : NULL;
    compare(x, y, o->json, list, counts);
    if (o->json) {
        code = out_json(json_pack("{s:s, s:s, s:o, s:{s:I, s:I, s:I, s:I}, s:b, s:s?, s:b}", "old",
                                  fpo, "new", fpn, "changes", list, "counts", "added",
                                  (json_int_t)counts[0], "removed", (json_int_t)counts[1],
                                  "changed", (json_int_t)counts[2], "unchanged",
                                  (json_int_t)counts[3], "new_supersedes_old", declared,
                                  "new_declares_supersedes", sup, "new_signer_verified", verified));
    } else {
        printf("%zu added, %zu removed, %zu changed, %zu unchanged\n", counts[0], counts[1],
               counts[2], counts[3]);
        printf("old fingerprint: %s\nnew fingerprint: %s\n", fpo, fpn);
        print_verdict(declared, sup, sup != NULL ? strlen(sup) : 0, verified);
    }
    quire_reader_close(old);
    quire_reader_close(new);
    /* diff(1)'s convention, with quire's codes: 0 the same documents, 3 they differ. */
    if (code == 0 && counts[0] + counts[1] + counts[2] > 0)
        code = 3;
    return code;
}
