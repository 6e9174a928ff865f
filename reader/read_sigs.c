/* SPDX-License-Identifier: ISC */
/* read_sigs.c: every signature record of a bundle and what became of it (trusted by which key
 * file, revoked, invalid, untrusted), --need N distinct trusted keys, and `quire-read keys`. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "read_trust.h"

static void iso_time(uint64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "%llu", (unsigned long long)t);
}

/* The trusted key (index in o->keys) that verifies record s, or -1; *named tells whether any
 * trusted key has its key id. Every key with the id is tried (ids are not authenticated). */
static ptrdiff_t record_key(const quire_sig *s, const read_opts *o, const uint8_t *prehash,
                            bool *named)
{
    *named = false;
    for (size_t k = 0; k < o->nkeys; k++) {
        if (memcmp(s->key_id, o->keys[k].key_id, QUIRE_KEY_ID_BYTES) != 0)
            continue;
        *named = true;
        if (quire_sig_verify(s, &o->keys[k], prehash))
            return (ptrdiff_t)k;
    }
    return -1;
}

static json_t *record_json(const quire_sig *s, uint32_t i, const read_opts *o,
                           const uint8_t *prehash, bool proven, uint64_t when)
{
    char hex[17], date[32];
    bool named;
    ptrdiff_t k = record_key(s, o, prehash, &named);
    quire_key_id_hex(s->key_id, hex);
    json_t *j = json_pack("{s:I, s:s, s:s%}", "number", (json_int_t)i, "key_id", hex, "comment",
                          (const char *)s->comment, (size_t)s->comment_len);
    if (k < 0) {
        json_object_set_new(j, "status", json_string(named ? "invalid" : "untrusted"));
        return j;
    }
    size_t root = read_trust_root(o, (size_t)k);
    json_object_set_new(j, "key_file", json_string(o->keys[k].source));
    json_object_set_new(j, "root", json_string(o->keys[root].source));
    const quire_trust_key *t = read_trust_key(o, (size_t)k);
    bool revoked = read_trust_revoked(o, (size_t)k, proven, when);
    json_object_set_new(j, "status", json_string(revoked ? "revoked" : "trusted"));
    if (t != NULL && t->revoked_by >= 0) {
        iso_time(t->revoked_from, date);
        json_object_set_new(j, "revoked_from", json_string(date));
        json_object_set_new(j, "revoked_by", json_string(read_trust_stmt_path(o, t->revoked_by)));
    }
    return j;
}

json_t *read_sigs_json(quire_reader *r, const read_opts *o)
{
    const quire_sigblock *sb = quire_reader_sigblock(r);
    const quire_index *idx = quire_reader_index(r);
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    uint64_t when;
    bool proven = read_proven_time(r, o, &when);
    json_t *arr = json_array();
    quire_prehash(idx->statement, QUIRE_STATEMENT_BYTES, prehash);
    for (uint32_t i = 0; i < sb->count; i++)
        json_array_append_new(arr, record_json(&sb->sigs[i], i, o, prehash, proven, when));
    return arr;
}

void read_sigs_print(json_t *sigs)
{
    size_t i;
    json_t *s;
    if (json_array_size(sigs) < 2)
        return; /* the signer line says it all */
    puts("signatures:");
    json_array_foreach(sigs, i, s)
    {
        const char *st = json_string_value(json_object_get(s, "status"));
        const char *file = json_string_value(json_object_get(s, "key_file"));
        printf("  %zu %s ", i, json_string_value(json_object_get(s, "key_id")));
        if (file != NULL) {
            printf("%s: ", st);
            out_safe(stdout, file, strlen(file));
        } else {
            fputs(st, stdout);
        }
        const char *from = json_string_value(json_object_get(s, "revoked_from"));
        if (from != NULL)
            printf(" (revoked from %s)", from);
        fputc('\n', stdout);
    }
}

int read_sigs_need(quire_reader *r, const read_opts *o, const char *bundle)
{
    if (o->need <= 1)
        return 0; /* authentication required one trusted signer already */
    json_t *sigs = read_sigs_json(r, o), *s;
    json_t *roots = json_object();
    char found[1024] = "";
    size_t i, len = 0;
    json_array_foreach(sigs, i, s)
    {
        const char *root = json_string_value(json_object_get(s, "root"));
        if (strcmp(json_string_value(json_object_get(s, "status")), "trusted") != 0 ||
            json_object_get(roots, root) != NULL)
            continue;
        json_object_set_new(roots, root, json_true());
        int n = snprintf(found + len, sizeof found - len, "%s%s (%s)", len ? ", " : "", root,
                         json_string_value(json_object_get(s, "key_id")));
        len = n > 0 && len + (size_t)n < sizeof found ? len + (size_t)n : len;
    }
    size_t have = json_object_size(roots);
    json_decref(roots);
    json_decref(sigs);
    if (have >= o->need)
        return 0;
    read_fail(bundle,
              "signed by %zu distinct trusted key%s%s%s, %u required (--need %u); %u signature "
              "record%s in all",
              have, have == 1 ? "" : "s", have ? ": " : "", found, o->need, o->need,
              quire_reader_sigblock(r)->count, quire_reader_sigblock(r)->count == 1 ? "" : "s");
    return 1;
}

bool read_sigs_revoked(quire_reader *r, const read_opts *o, const char *bundle)
{
    const quire_sigblock *sb = quire_reader_sigblock(r);
    uint64_t when;
    bool proven = read_proven_time(r, o, &when);
    for (uint32_t i = 0; i < sb->count; i++)
        for (size_t k = 0; k < o->nkeys; k++) {
            const quire_trust_key *t = read_trust_key(o, k);
            char hex[17], date[32];
            if (memcmp(sb->sigs[i].key_id, o->keys[k].key_id, QUIRE_KEY_ID_BYTES) != 0 ||
                !read_trust_revoked(o, k, proven, when))
                continue;
            quire_key_id_hex(o->keys[k].key_id, hex);
            iso_time(t->revoked_from, date);
            read_fail(bundle,
                      "signed by key %s (%s), revoked from %s by %s, and no trusted time proves "
                      "the bundle older (SPEC 14.4); not trusted",
                      hex, o->keys[k].source, date, read_trust_stmt_path(o, t->revoked_by));
            return true;
        }
    return false;
}

/* The comment line of a public key file ("untrusted comment: TEXT"), or "" (buf of cap). */
static const char *key_comment(const char *path, char *buf, size_t cap)
{
    static const char prefix[] = "untrusted comment: ";
    FILE *f = fopen(path, "re");
    buf[0] = '\0';
    if (f == NULL)
        return buf;
    if (fgets(buf, (int)cap, f) == NULL || strncmp(buf, prefix, sizeof prefix - 1) != 0)
        buf[0] = '\0';
    else
        memmove(buf, buf + sizeof prefix - 1, strlen(buf + sizeof prefix - 1) + 1);
    buf[strcspn(buf, "\r\n")] = '\0';
    fclose(f);
    return buf;
}

static json_t *key_json(const read_opts *o, size_t k)
{
    char hex[17], comment[256], date[32];
    const quire_trust_key *t = read_trust_key(o, k);
    quire_key_id_hex(o->keys[k].key_id, hex);
    bool derived = t != NULL && t->via >= 0;
    const char *src = o->keys[k].source;
    json_t *j = json_pack(
        "{s:s, s:s, s:s}", "file", src, "key_id", hex, "comment",
        derived || strncmp(src, "-P ", 3) == 0 ? "" : key_comment(src, comment, sizeof comment));
    if (derived)
        json_object_set_new(j, "via", json_string(read_trust_stmt_path(o, t->via)));
    if (t != NULL && t->revoked_by >= 0) {
        iso_time(t->revoked_from, date);
        json_object_set_new(j, "revoked_from", json_string(date));
        json_object_set_new(j, "revoked_by", json_string(read_trust_stmt_path(o, t->revoked_by)));
    }
    return j;
}

int cmd_keys(const read_opts *o, int argc, char **argv)
{
    (void)argv;
    if (argc != 0) {
        read_fail(NULL, "keys: expected no argument");
        return 2;
    }
    json_t *arr = json_array();
    for (size_t k = 0; k < o->nkeys; k++)
        json_array_append_new(arr, key_json(o, k));
    if (o->json)
        return out_json(arr);
    if (o->nkeys == 0) {
        char tried[512];
        read_keys_tried(o, tried, sizeof tried);
        read_note("keys", "%s", tried);
    }
    size_t i;
    json_t *k;
    json_array_foreach(arr, i, k)
    {
        const char *file = json_string_value(json_object_get(k, "file"));
        const char *comment = json_string_value(json_object_get(k, "comment"));
        const char *from = json_string_value(json_object_get(k, "revoked_from"));
        printf("%s  ", json_string_value(json_object_get(k, "key_id")));
        out_safe(stdout, file, strlen(file));
        if (comment[0] != '\0') {
            fputs("  ", stdout);
            out_safe(stdout, comment, strlen(comment));
        }
        if (from != NULL)
            printf("  REVOKED from %s", from);
        fputc('\n', stdout);
    }
    json_decref(arr);
    return 0;
}
