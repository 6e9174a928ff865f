/* SPDX-License-Identifier: ISC */
/* read_cmds.c: quire-read verify, info, list and show. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_progress.h"
#include "read.h"

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char buf[2 * 64 + 1];
    for (size_t i = 0; i < n && i < 64; i++)
        snprintf(buf + 2 * i, 3, "%02x", p[i]);
    buf[2 * (n < 64 ? n : 64)] = '\0';
    return json_string(buf);
}

/* Parses signed metadata; the index parser has already checked that it is a JSON object. */
static json_t *meta_json(const uint8_t *m, size_t len)
{
    json_t *j = len > 0 ? json_loadb((const char *)m, len, 0, NULL) : NULL;
    return j != NULL ? j : json_object();
}

static json_t *signer_json(const quire_reader *r)
{
    const quire_sig *s = quire_reader_signer(r);
    const quire_sigblock *sb = quire_reader_sigblock(r);
    char hex[17];
    if (s == NULL)
        s = &sb->sigs[0];
    quire_key_id_hex(s->key_id, hex);
    /* the file of the trusted key that verified it: names the publisher better than an id */
    const quire_pubkey *k = quire_reader_signer_key(r);
    json_t *file = k != NULL && k->source != NULL ? json_string(k->source) : NULL;
    return json_pack("{s:s, s:s%, s:b, s:o}", "key_id", hex, "trusted_comment",
                     (const char *)s->comment, (size_t)s->comment_len, "trusted",
                     quire_reader_signer(r) != NULL, "key_file", file != NULL ? file : json_null());
}

/* "signer: KEYID (trusted: KEY FILE)", or "(NOT verified)". */
static void print_signer(json_t *sg)
{
    const char *file = json_string_value(json_object_get(sg, "key_file"));
    printf("%-17s%s (", "signer:", json_string_value(json_object_get(sg, "key_id")));
    if (!json_is_true(json_object_get(sg, "trusted")))
        fputs("NOT verified", stdout);
    else if (file != NULL) {
        fputs("trusted: ", stdout);
        out_safe(stdout, file, strlen(file));
    } else
        fputs("trusted", stdout);
    puts(")");
}

static json_t *bundle_json(quire_reader *r)
{
    const quire_index *idx = quire_reader_index(r);
    return json_pack("{s:i, s:o, s:o, s:I, s:I, s:I, s:I, s:o}", "format", QUIRE_FORMAT_VERSION,
                     "fingerprint", hex_json(quire_reader_fingerprint(r), QUIRE_FINGERPRINT_BYTES),
                     "signer", signer_json(r), "entries", (json_int_t)idx->entry_count, "units",
                     (json_int_t)idx->unit_count, "content_bytes", (json_int_t)idx->stream_size,
                     "index_bytes", (json_int_t)idx->index_size, "metadata",
                     meta_json(idx->bundle_meta, idx->bundle_meta_len));
}

int read_entry_meta(quire_reader *r, const char *bundle, uint32_t i, json_t **out)
{
    const uint8_t *m;
    size_t len;
    quire_error err;
    *out = NULL;
    int rc = quire_reader_entry_meta(r, i, &m, &len, &err);
    if (rc != QUIRE_OK) {
        read_error(bundle, &err);
        return quire_exit_code(rc);
    }
    *out = meta_json(m, len);
    return 0;
}

/* An entry's record with its metadata, or NULL after a message (*code set). */
static json_t *entry_json(quire_reader *r, const char *bundle, uint32_t i, int *code)
{
    const quire_index *idx = quire_reader_index(r);
    const quire_entry *e = &idx->entries[i];
    json_t *meta;
    if ((*code = read_entry_meta(r, bundle, i, &meta)) != 0)
        return NULL;
    json_t *j =
        json_pack("{s:s, s:s, s:I, s:o, s:b, s:o}", "path", e->path, "role", out_role(e->role),
                  "size", (json_int_t)e->size, "sha256", hex_json(e->sha256, QUIRE_SHA256_BYTES),
                  "executable", (e->flags & QUIRE_ENTRY_FLAG_EXEC) != 0, "metadata", meta);
    if (e->link != QUIRE_LINK_NONE)
        json_object_set_new(j, "original", json_string(idx->entries[e->link].path));
    return j;
}

/* Prints "label: value" with the value escaped. */
static void print_field(const char *label, const char *value, size_t len)
{
    printf("%-17s", label);
    out_safe(stdout, value, len);
    fputc('\n', stdout);
}

/* Prints each member of a metadata object as "  key: value", strings unquoted. */
static void print_meta(json_t *meta)
{
    const char *key;
    json_t *v;
    json_object_foreach(meta, key, v)
    {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        const char *s = text != NULL ? text : json_string_value(v);
        size_t len = text != NULL ? strlen(text) : json_string_length(v);
        fputs("  ", stdout);
        out_safe(stdout, key, strlen(key));
        fputs(": ", stdout);
        out_safe(stdout, s != NULL ? s : "", s != NULL ? len : 0);
        fputc('\n', stdout);
        free(text);
    }
}

/* The signature record's comment is "trusted" only when a trusted key's global signature
 * covers it; under --any-signer it is anyone's text and labelled so. */
static void print_comment(json_t *signer, const char *tc)
{
    bool trusted = json_is_true(json_object_get(signer, "trusted"));
    print_field(trusted ? "trusted comment:" : "comment:", tc, strlen(tc));
    if (!trusted)
        puts("                 (NOT verified: no signature was checked)");
}

static void print_bundle(json_t *b)
{
    json_t *sg = json_object_get(b, "signer");
    const char *tc = json_string_value(json_object_get(sg, "trusted_comment"));
    char line[128];

    print_field("format:", "quire 1", 7);
    print_field("fingerprint:", json_string_value(json_object_get(b, "fingerprint")), 64);
    print_signer(sg);
    print_comment(sg, tc);
    long long units = (long long)json_integer_value(json_object_get(b, "units"));
    snprintf(line, sizeof line, "%lld entries, %lld bytes in %lld unit%s",
             (long long)json_integer_value(json_object_get(b, "entries")),
             (long long)json_integer_value(json_object_get(b, "content_bytes")), units,
             units == 1 ? "" : "s");
    print_field("contents:", line, strlen(line));
    if (json_object_size(json_object_get(b, "metadata")) > 0) {
        puts("metadata:");
        print_meta(json_object_get(b, "metadata"));
    }
}

static int meter_data(void *ctx, uint32_t entry, const uint8_t *p, size_t n, quire_error *err)
{
    (void)entry, (void)p, (void)err;
    cli_progress_add(ctx, n);
    return QUIRE_OK;
}

static void meter_add(void *ctx, uint64_t n)
{
    cli_progress_add(ctx, n);
}

int cmd_verify(const read_opts *o, int argc, char **argv)
{
    cli_progress meter;
    quire_walk_ops ops = {.data = meter_data};
    int code = 0;
    quire_error err;
    if (argc != 1) {
        read_fail(NULL, "verify: expected one BUNDLE");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    const quire_index *idx = quire_reader_index(r);
    uint64_t stored = idx->unit_count ? idx->index_offset - QUIRE_HEADER_BYTES : 0;
    int rc;
    if (o->quick) { /* signature and every stored hash; no inflating, no document hashes */
        cli_progress_start(&meter, "verifying", stored, !o->quiet);
        rc = quire_reader_check_units(r, meter_add, &meter, &err);
    } else {
        cli_progress_start(&meter, "verifying", idx->stream_size, !o->quiet);
        rc = quire_reader_walk(r, NULL, &ops, &meter, &err);
    }
    cli_progress_end(&meter);
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        quire_reader_close(r);
        return quire_exit_code(rc);
    }
    json_t *b = bundle_json(r);
    bool trusted = quire_reader_signer(r) != NULL;
    if (o->json) {
        json_object_set_new(b, "intact", json_true());
        json_object_set_new(b, "documents_checked", json_boolean(!o->quick));
        json_object_set_new(b, "signature_verified", json_boolean(trusted));
        code = out_json(b);
    } else {
        if (!o->quiet) {
            printf("%s: OK, %s ", argv[0],
                   trusted ? "signature verified and" : "signer NOT verified;");
            if (o->quick)
                puts("every stored unit intact (quick: documents not inflated)");
            else
                printf("all %u entries intact\n", idx->entry_count);
            print_bundle(b);
        }
        json_decref(b);
    }
    quire_reader_close(r);
    return code;
}

int read_find(const quire_reader *r, const char *bundle, const char *path, uint32_t *i)
{
    if (quire_index_find(quire_reader_index(r), path, i) == QUIRE_OK)
        return 0;
    read_fail(bundle, "no entry '%s' in the bundle (see quire-read list)", path);
    return 2;
}

int read_walk_one(quire_reader *r, uint32_t i, const quire_walk_ops *ops, void *ctx,
                  quire_error *err)
{
    bool *sel = calloc(quire_reader_index(r)->entry_count, sizeof *sel);
    if (sel == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    sel[i] = true;
    int rc = quire_reader_walk(r, sel, ops, ctx, err);
    free(sel);
    return rc;
}

static void print_entry(const quire_index *idx, uint32_t i, json_t *j)
{
    const quire_entry *e = &idx->entries[i];
    char line[64];
    print_field("path:", e->path, e->path_len);
    print_field("role:", out_role(e->role), strlen(out_role(e->role)));
    snprintf(line, sizeof line, "%llu bytes", (unsigned long long)e->size);
    print_field("size:", line, strlen(line));
    print_field("sha256:", json_string_value(json_object_get(j, "sha256")), 64);
    if (e->link != QUIRE_LINK_NONE)
        print_field("original:", idx->entries[e->link].path, idx->entries[e->link].path_len);
    json_t *sg = json_object_get(j, "signer");
    const char *tc = json_string_value(json_object_get(sg, "trusted_comment"));
    print_signer(sg);
    print_comment(sg, tc);
    print_field("bundle:", json_string_value(json_object_get(j, "fingerprint")), 64);
    if (json_object_size(json_object_get(j, "metadata")) > 0) {
        puts("provenance:");
        print_meta(json_object_get(j, "metadata"));
    }
}

int cmd_info(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    uint32_t i;
    if (argc != 1 && argc != 2) {
        read_fail(NULL, "info: expected BUNDLE [PATH]");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    if (argc == 2 && (code = read_find(r, argv[0], argv[1], &i)) != 0) {
        quire_reader_close(r);
        return code;
    }
    json_t *j = bundle_json(r);
    if (argc == 2) { /* one document: its record, with the bundle it is vouched for by */
        json_t *b = j;
        j = entry_json(r, argv[0], i, &code);
        if (j == NULL) {
            json_decref(b);
            quire_reader_close(r);
            return code;
        }
        json_object_set(j, "fingerprint", json_object_get(b, "fingerprint"));
        json_object_set(j, "signer", json_object_get(b, "signer"));
        json_decref(b);
    }
    if (o->json) {
        code = out_json(j);
    } else {
        if (argc == 2)
            print_entry(quire_reader_index(r), i, j);
        else
            print_bundle(j);
        json_decref(j);
    }
    quire_reader_close(r);
    return code;
}

int cmd_list(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    if (argc != 1) {
        read_fail(NULL, "list: expected one BUNDLE");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    const quire_index *idx = quire_reader_index(r);
    json_t *arr = o->json ? json_array() : NULL;
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        const quire_entry *e = &idx->entries[i];
        if (o->json) { /* the JSON shows the metadata */
            json_t *ej = entry_json(r, argv[0], i, &code);
            if (ej == NULL) {
                json_decref(arr);
                quire_reader_close(r);
                return code;
            }
            json_array_append_new(arr, ej);
            continue;
        }
        if (o->longlist) {
            printf("%-8s %12llu ", out_role(e->role), (unsigned long long)e->size);
            out_hex(stdout, e->sha256, QUIRE_SHA256_BYTES);
            fputc(' ', stdout);
        }
        out_safe(stdout, e->path, e->path_len);
        fputc('\n', stdout);
    }
    if (o->json)
        code = out_json(arr);
    quire_reader_close(r);
    return code;
}

typedef struct show_ctx {
    cli_escape state;
} show_ctx;

static int show_data(void *ctx, uint32_t entry, const uint8_t *p, size_t n, quire_error *err)
{
    show_ctx *s = ctx;
    (void)entry;
    if (out_content(stdout, p, n, &s->state) != 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot write to stdout");
    return QUIRE_OK;
}

int cmd_show(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    uint32_t i;
    quire_error err;
    if (argc != 2) {
        read_fail(NULL, "show: expected BUNDLE PATH");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    if ((code = read_find(r, argv[0], argv[1], &i)) != 0) {
        quire_reader_close(r);
        return code;
    }
    show_ctx ctx;
    cli_escape_init(&ctx.state, CLI_ESC_KEEP_NEWLINE | CLI_ESC_KEEP_TAB);
    quire_walk_ops ops = {.data = show_data};
    int rc = read_walk_one(r, i, &ops, &ctx, &err);
    out_content(stdout, NULL, 0, &ctx.state);
    if (rc == QUIRE_OK && fflush(stdout) != 0)
        rc = quire_error_set(&err, QUIRE_E_IO, "cannot write to stdout");
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        code = quire_exit_code(rc);
    }
    quire_reader_close(r);
    return code;
}
