/* SPDX-License-Identifier: ISC */
/* read_cmds.c: quire-read verify, info and show, and the lookup of a path as a user writes
 * it. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_distance.h"
#include "cli_progress.h"
#include "quire_text_api.h"
#include "read.h"
#include "read_tsa.h"
#include "read_trust.h"
#include "read_show.h"

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

static json_t *bundle_json(quire_reader *r, const read_opts *o)
{
    const quire_index *idx = quire_reader_index(r);
    return json_pack(
        "{s:i, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:o}", "format", QUIRE_FORMAT_VERSION,
        "fingerprint", hex_json(quire_reader_fingerprint(r), QUIRE_FINGERPRINT_BYTES), "signer",
        signer_json(r), "signatures", read_sigs_json(r, o), "entries", (json_int_t)idx->entry_count,
        "units", (json_int_t)idx->unit_count, "content_bytes", (json_int_t)idx->stream_size,
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

json_t *read_entry_json(quire_reader *r, const char *bundle, uint32_t i, int *code)
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

/* The members a person looks for first, in this order; the others follow as stored. */
static const char *const bundle_first[] = {"title",      "description", "creator",  "publisher",
                                           "created",    "license",     "language", "version",
                                           "supersedes", NULL};
static const char *const entry_first[] = {"title",  "type",     "author",          "editor",
                                          "issued", "accessed", "container-title", "publisher",
                                          "URL",    NULL};

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

    print_field("format:", "quire 2", 7);
    print_field("fingerprint:", json_string_value(json_object_get(b, "fingerprint")), 64);
    print_signer(sg);
    print_comment(sg, tc);
    read_sigs_print(json_object_get(b, "signatures"));
    long long units = (long long)json_integer_value(json_object_get(b, "units"));
    long long entries = (long long)json_integer_value(json_object_get(b, "entries"));
    char size[64];
    read_size_text(size, sizeof size,
                   (uint64_t)json_integer_value(json_object_get(b, "content_bytes")));
    snprintf(line, sizeof line, "%lld entr%s, %s in %lld unit%s", entries,
             entries == 1 ? "y" : "ies", size, units, units == 1 ? "" : "s");
    print_field("contents:", line, strlen(line));
    if (json_object_size(json_object_get(b, "metadata")) > 0) {
        puts("metadata:");
        read_print_meta(json_object_get(b, "metadata"), bundle_first);
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

/* The worse of two exit codes: a bundle that failed verification (1) outranks an operational
 * error (2), which outranks a negative answer (3) and success. */
int read_worse(int a, int b)
{
    static const int rank[] = {0, 3, 2, 1};
    int ra = a >= 0 && a <= 3 ? rank[a] : 2, rb = b >= 0 && b <= 3 ? rank[b] : 2;
    return ra >= rb ? a : b;
}

/* Checks every stored byte (and with --quick, not the documents' hashes). */
static int verify_bytes(const read_opts *o, quire_reader *r, quire_error *err)
{
    cli_progress meter;
    quire_walk_ops ops = {.data = meter_data};
    const quire_index *idx = quire_reader_index(r);
    uint64_t stored = idx->unit_count ? idx->index_offset - QUIRE_HEADER_BYTES : 0;
    int rc = quire_reader_check_root(r, err); /* SPEC 5.6: a full or quick verification */
    if (rc != QUIRE_OK)
        return rc;
    if (o->quick) { /* signature and every stored hash; no inflating, no document hashes */
        cli_progress_start(&meter, "verifying", stored, !o->quiet);
        rc = quire_reader_check_units(r, meter_add, &meter, err);
    } else {
        cli_progress_start(&meter, "verifying", idx->stream_size, !o->quiet);
        rc = quire_reader_walk(r, NULL, &ops, &meter, err);
    }
    cli_progress_end(&meter);
    return rc;
}

/* "BUNDLE: OK, ..." and, for one bundle, its description; with several, arr collects the
 * JSON of each. */
static int verify_report(const read_opts *o, quire_reader *r, const char *path, json_t *arr,
                         json_t *ts)
{
    json_t *b = bundle_json(r, o);
    bool trusted = quire_reader_signer(r) != NULL;
    json_object_set_new(b, "timestamps", ts); /* SPEC 9 step 13 (read_tsa.c) */
    if (json_array_size(ts) > 0)
        json_object_set_new(b, "existed_no_later_than", read_tsa_earliest_json(r, o));
    if (o->json) {
        json_object_set_new(b, "intact", json_true());
        json_object_set_new(b, "documents_checked", json_boolean(!o->quick));
        json_object_set_new(b, "signature_verified", json_boolean(trusted));
        if (arr == NULL)
            return out_json(b);
        json_object_set_new(b, "file", json_string(path));
        json_array_append_new(arr, b);
        return 0;
    }
    if (!o->quiet) {
        out_safe(stdout, path, strlen(path));
        printf(": OK, %s ", trusted ? "signature verified and" : "signer NOT verified;");
        if (o->quick)
            puts("every stored unit intact (quick: documents not inflated)");
        else
            printf("%s%u entr%s intact\n", quire_reader_index(r)->entry_count == 1 ? "" : "all ",
                   quire_reader_index(r)->entry_count,
                   quire_reader_index(r)->entry_count == 1 ? "y" : "ies");
        if (arr == NULL)
            print_bundle(b);
        if (arr == NULL)
            read_tsa_print(ts);
    }
    json_decref(b);
    return 0;
}

static int verify_one(const read_opts *o, const char *path, json_t *arr)
{
    int code = 0;
    quire_error err;
    quire_reader *r = read_open(path, o, &code);
    if (r == NULL)
        return code;
    json_t *ts = NULL;
    int rc = verify_bytes(o, r, &err);
    if (rc != QUIRE_OK) {
        read_error(path, &err);
        code = quire_exit_code(rc);
    } else if ((code = read_tsa_check(r, o, path, &ts)) != 0) {
        json_decref(ts);
    } else {
        code = verify_report(o, r, path, arr, ts);
    }
    quire_reader_close(r);
    return code;
}

/* verify BUNDLE...: each one reported (one line each when there are several), the exit status
 * the worst of theirs. */
int cmd_verify(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    if (argc < 1) {
        read_fail(NULL, "verify: expected BUNDLE...");
        return 2;
    }
    if (argc == 1)
        return verify_one(o, argv[0], NULL);
    json_t *arr = json_array();
    for (int k = 0; k < argc; k++) {
        if (o->json)
            read_json_collect(arr);
        code = read_worse(code, verify_one(o, argv[k], arr));
    }
    read_json_collect(NULL);
    if (o->json)
        out_json(arr);
    else
        json_decref(arr);
    return code;
}

/* ---- paths as users write them ---- */

char *read_path_clean(const char *path)
{
    char *out = malloc(strlen(path) + 1), *w = out;
    if (out == NULL)
        return NULL;
    while (path[0] == '.' && path[1] == '/')
        for (path += 2; *path == '/'; path++)
            ;
    for (; *path; path++)
        if (*path != '/' || (w > out && w[-1] != '/'))
            *w++ = *path;
    while (w > out && w[-1] == '/')
        w--;
    *w = '\0';
    return out;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s != NULL ? s + 1 : p;
}

/* How near entry e is to the path p (0 nearest), or SIZE_MAX when not near: within a third of
 * the length (at least 1, at most 8) by edit distance on the whole path or on the last
 * component; p a prefix of the path or of its last component counts as the limit itself. */
static size_t nearness(const quire_entry *e, const char *p, size_t pn)
{
    const char *pb = base_name(p), *eb = base_name(e->path);
    size_t pbn = strlen(pb), ebn = e->path_len - (size_t)(eb - e->path);
    size_t kf = pn / 3 < 1 ? 1 : pn / 3 > 8 ? 8 : pn / 3;
    size_t kb = pbn / 3 < 1 ? 1 : pbn / 3 > 8 ? 8 : pbn / 3;
    size_t d = cli_distance(p, pn, e->path, e->path_len, kf);
    size_t db = pbn > 0 ? cli_distance(pb, pbn, eb, ebn, kb) : kb + 1;
    if (d <= kf || db <= kb)
        return d <= kf && (db > kb || d <= db) ? d : db;
    if ((pn >= 2 && strncmp(e->path, p, pn) == 0) || (pbn >= 2 && strncmp(eb, pb, pbn) == 0))
        return kf;
    /* "002.txt" for "002_b5499be249b582cd.txt": the same start and the same extension */
    const char *dot = strrchr(pb, '.');
    size_t stem = dot != NULL ? (size_t)(dot - pb) : 0, ext = pbn - stem;
    if (stem >= 2 && ebn > pbn && strncmp(eb, pb, stem) == 0 && strcmp(eb + ebn - ext, dot) == 0)
        return kf;
    return SIZE_MAX;
}

size_t read_suggest(const quire_index *idx, const char *path, uint32_t *out)
{
    size_t score[READ_SUGGESTIONS], n = 0, pn = strlen(path);
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        size_t s = nearness(&idx->entries[i], path, pn), k;
        if (s == SIZE_MAX || (n == READ_SUGGESTIONS && s >= score[n - 1]))
            continue;
        k = n < READ_SUGGESTIONS ? n++ : n - 1; /* insert, in order of nearness then path */
        while (k > 0 && score[k - 1] > s) {
            score[k] = score[k - 1], out[k] = out[k - 1];
            k--;
        }
        score[k] = s, out[k] = i;
    }
    return n;
}

/* The number of entries under the directory p/. */
static uint32_t dir_entries(const quire_index *idx, const char *p)
{
    size_t n = strlen(p);
    uint32_t count = 0;
    for (uint32_t i = 0; i < idx->entry_count; i++)
        count +=
            n > 0 && strncmp(idx->entries[i].path, p, n) == 0 && idx->entries[i].path[n] == '/';
    return count;
}

void read_no_entry(const quire_index *idx, const char *bundle, const char *path)
{
    uint32_t near[READ_SUGGESTIONS];
    char *clean = read_path_clean(path), *text = NULL;
    const char *p = clean != NULL ? clean : path;
    size_t len = 0, n = read_suggest(idx, p, near);
    uint32_t under = dir_entries(idx, p);
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        free(clean);
        read_fail(bundle, "no entry '%s' in the bundle", path);
        return;
    }
    if (under > 0)
        fprintf(f,
                "no entry '%s' in the bundle: it is a directory of %u entr%s (see "
                "quire-read list %s '%s/')",
                path, under, under == 1 ? "y" : "ies", bundle, p);
    else
        fprintf(f, "no entry '%s' in the bundle", path);
    for (size_t k = 0; under == 0 && k < n; k++)
        fprintf(f, "%s'%s'",
                k == 0       ? "; did you mean "
                : k + 1 == n ? " or "
                             : ", ",
                idx->entries[near[k]].path);
    fputs(under > 0 ? "" : n > 0 ? "?" : " (see quire-read list)", f);
    fclose(f);
    read_fail(bundle, "%s", text != NULL ? text : "no entry in the bundle");
    free(text);
    free(clean);
}

/* path typed in another Unicode normalisation form than the bundle's (NFC against a name made
 * on macOS in NFD, or the reverse): the text module makes the forms, so it is loaded only
 * then; without it only the path as typed is found. */
bool read_find_form(const quire_index *idx, const char *path, uint32_t *i)
{
    const unsigned char *p = (const unsigned char *)path;
    while (*p != '\0' && *p < 0x80)
        p++;
    const quire_text_api_v1 *t = *p != '\0' ? read_text_module(NULL, NULL) : NULL;
    bool found = false;
    for (int nfd = 0; t != NULL && !found && nfd < 2; nfd++) {
        char *form = t->path_form(path, nfd);
        found = form != NULL && quire_index_find(idx, form, i) == QUIRE_OK;
        free(form);
    }
    return found;
}

int read_find(const quire_reader *r, const char *bundle, const char *path, uint32_t *i)
{
    const quire_index *idx = quire_reader_index(r);
    if (quire_index_find(idx, path, i) == QUIRE_OK)
        return 0;
    char *clean = read_path_clean(path);
    int found = clean != NULL &&
                (quire_index_find(idx, clean, i) == QUIRE_OK || read_find_form(idx, clean, i));
    free(clean);
    if (found)
        return 0;
    read_no_entry(idx, bundle, path);
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
    read_size_text(line, sizeof line, e->size);
    print_field("size:", line, strlen(line));
    print_field("sha256:", json_string_value(json_object_get(j, "sha256")), 64);
    if (e->link != QUIRE_LINK_NONE)
        print_field("original:", idx->entries[e->link].path, idx->entries[e->link].path_len);
    json_t *sg = json_object_get(j, "signer");
    const char *tc = json_string_value(json_object_get(sg, "trusted_comment"));
    print_signer(sg);
    print_comment(sg, tc);
    read_sigs_print(json_object_get(j, "signatures"));
    print_field("bundle:", json_string_value(json_object_get(j, "fingerprint")), 64);
    if (json_object_size(json_object_get(j, "metadata")) > 0) {
        puts("provenance:");
        read_print_meta(json_object_get(j, "metadata"), entry_first);
    }
}

/* ---- info --sources: the provenance as a sources file (-s) that rebuilds the bundle ---- */

/* Adds document i's metadata to the items: documents with the same metadata and original
 * share one item, whose "quire-files" lists them in bundle order (groups: the item's compact
 * JSON -> the item). */
static int source_item(quire_reader *r, const char *bundle, uint32_t i, json_t *arr, json_t *groups)
{
    const quire_index *idx = quire_reader_index(r);
    const quire_entry *e = &idx->entries[i];
    json_t *m;
    int code = read_entry_meta(r, bundle, i, &m);
    if (code != 0 || json_object_size(m) == 0) {
        json_decref(m);
        return code;
    }
    if (e->link != QUIRE_LINK_NONE)
        json_object_set_new(m, "quire-original", json_string(idx->entries[e->link].path));
    char *key = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *item = key != NULL ? json_object_get(groups, key) : NULL;
    if (key != NULL && item == NULL) {
        item = m;
        json_object_set_new(item, "quire-files", json_array());
        json_array_append(arr, item);
        json_object_set(groups, key, item);
    }
    json_array_append_new(json_object_get(item, "quire-files"), json_string(e->path));
    json_decref(m);
    free(key);
    return key != NULL ? 0 : 2;
}

/* The CSL-JSON array of every document's metadata with "quire-files" (and "quire-original"):
 * given to quire-pack create -s with the same inputs, it gives the same entry metadata, so
 * the same bundle. Originals are named by the items that link to them. */
static int info_sources(quire_reader *r, const char *bundle)
{
    const quire_index *idx = quire_reader_index(r);
    json_t *arr = json_array(), *groups = json_object();
    int code = arr != NULL && groups != NULL ? 0 : 2;
    for (uint32_t i = 0; code == 0 && i < idx->entry_count; i++)
        if (idx->entries[i].role != QUIRE_ROLE_ORIGINAL)
            code = source_item(r, bundle, i, arr, groups);
    json_decref(groups);
    if (code == 0)
        return out_json(arr);
    json_decref(arr);
    return code;
}

int cmd_info(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    uint32_t i;
    if (argc != 1 && (argc != 2 || o->sources)) {
        read_fail(NULL, o->sources ? "info: expected BUNDLE (--sources describes every document)"
                                   : "info: expected BUNDLE [PATH]");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    if (o->sources) {
        code = info_sources(r, argv[0]);
        quire_reader_close(r);
        return code;
    }
    if (argc == 2 && (code = read_find(r, argv[0], argv[1], &i)) != 0) {
        quire_reader_close(r);
        return code;
    }
    json_t *j = bundle_json(r, o), *ts = NULL;
    if (argc == 1 && (code = read_tsa_check(r, o, argv[0], &ts)) != 0) {
        json_decref(ts);
        json_decref(j);
        quire_reader_close(r);
        return code;
    }
    if (ts != NULL)
        json_object_set_new(j, "timestamps", ts);
    if (argc == 2) { /* one document: its record, with the bundle it is vouched for by */
        json_t *b = j;
        j = read_entry_json(r, argv[0], i, &code);
        if (j == NULL) {
            json_decref(b);
            quire_reader_close(r);
            return code;
        }
        json_object_set(j, "fingerprint", json_object_get(b, "fingerprint"));
        json_object_set(j, "signer", json_object_get(b, "signer"));
        json_object_set(j, "signatures", json_object_get(b, "signatures"));
        json_decref(b);
    }
    if (o->json) {
        code = out_json(j);
    } else {
        if (argc == 2)
            print_entry(quire_reader_index(r), i, j);
        else
            print_bundle(j);
        if (argc == 1)
            read_tsa_print(json_object_get(j, "timestamps"));
        json_decref(j);
    }
    quire_reader_close(r);
    return code;
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
    quire_reader *r = read_open_entry(argv[0], argv[1], o, &i, &code);
    if (r == NULL)
        return code;
    /* a binary document is not written to a terminal, and --text of a PDF is extracted only
     * once the whole document has verified (read_show.c) */
    show_ctx ctx;
    quire_walk_ops ops = {.data = read_show_data};
    int rc = QUIRE_OK;
    if ((code = read_show_init(&ctx, r, argv[0], i, o->text)) == 0)
        rc = read_walk_one(r, i, &ops, &ctx, &err);
    out_content(stdout, NULL, 0, &ctx.state);
    if (code == 0 && rc == QUIRE_OK)
        code = read_show_end(&ctx, argv[0]);
    if (rc == QUIRE_OK && fflush(stdout) != 0)
        rc = quire_error_set(&err, QUIRE_E_IO, "cannot write to stdout");
    if (rc != QUIRE_OK && !read_pager_gone()) {
        read_error(argv[0], &err);
        code = quire_exit_code(rc);
    }
    read_show_free(&ctx);
    quire_reader_close(r);
    return code;
}
