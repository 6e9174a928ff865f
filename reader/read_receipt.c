/* SPDX-License-Identifier: ISC */
/* read_receipt.c: quire-read receipt and check-receipt (SPEC 10). A receipt is issued only for
 * a document whose content has just been verified, in a bundle whose signer a trusted key
 * verified (never under --any-signer), and is written atomically with -o. check-receipt needs
 * no bundle: the receipt, the trusted keys and, optionally, the document file. Everything it
 * shows comes from the receipt's signed bytes and is escaped for the terminal. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli_cleanup.h"
#include "quire_receipt.h"
#include "read.h"
#include "common/quire_sha256.h"
#include "read_trust.h"

int read_receipt_make(quire_reader *r, const char *bundle, uint32_t i, char **armour, size_t *len)
{
    uint8_t *bin = NULL;
    size_t n = 0;
    quire_error err;
    *armour = NULL;
    *len = 0;
    int rc = quire_reader_receipt(r, i, &bin, &n, &err);
    if (rc == QUIRE_OK)
        rc = quire_receipt_armour(bin, n, armour, len, &err);
    free(bin);
    if (rc != QUIRE_OK) {
        read_error(bundle, &err);
        return quire_exit_code(rc);
    }
    return 0;
}

const char *read_receipt_base64(const char *armour, size_t *len)
{
    const char *nl = strchr(armour, '\n'); /* quire_receipt_armour writes the comment line */
    const char *p = nl != NULL ? nl + 1 : armour;
    *len = strcspn(p, "\r\n");
    return p;
}

/* SPEC 10.2: a receipt vouches for the signer, so it is never made without verifying one. */
static int refuse_any_signer(const read_opts *o, const char *cmd)
{
    if (!o->any_signer)
        return 0;
    read_fail(NULL,
              "%s: --any-signer cannot be used: a receipt needs a signer verified by a trusted "
              "key (SPEC 10)",
              cmd);
    return 2;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* The armour to out under a temporary name beside it, renamed into place once complete. */
static int write_out(const char *out, bool force, const char *text, size_t len)
{
    char tmp[4096];
    int handle;
    quire_error err;
    int fd = out_make_tmp(out, "receipt", tmp, sizeof tmp, &handle);
    if (fd < 0)
        return 2;
    int rc = write_all(fd, text, len)
                 ? QUIRE_OK
                 : quire_error_set(&err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
    rc = out_close_tmp(fd, rc, &err);
    if (rc == QUIRE_OK)
        rc = out_put_in_place(tmp, out, force, &handle, &err);
    cli_cleanup_remove(handle); /* -1 once renamed */
    if (rc != QUIRE_OK) {
        read_error(out, &err);
        return quire_exit_code(rc);
    }
    return 0;
}

/* The receipt of entry i after its content has verified (SPEC 9 steps 10-12). */
static int make_checked(quire_reader *r, const char *bundle, const char *path, char **armour,
                        size_t *len)
{
    uint32_t i;
    quire_error err;
    int code = read_find(r, bundle, path, &i);
    if (code != 0)
        return code;
    int rc = read_walk_one(r, i, NULL, NULL, &err);
    if (rc != QUIRE_OK) {
        read_error(bundle, &err);
        return quire_exit_code(rc);
    }
    return read_receipt_make(r, bundle, i, armour, len);
}

int cmd_receipt(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    struct stat st;
    char *armour = NULL;
    size_t len = 0;
    const char *out = o->output != NULL && strcmp(o->output, "-") != 0 ? o->output : NULL;
    if (argc != 2) {
        read_fail(NULL, "receipt: expected BUNDLE PATH");
        return 2;
    }
    if (refuse_any_signer(o, "receipt") != 0)
        return 2;
    /* Before any work: an existing file is a user's slip more often than an intent. */
    if (out != NULL && !o->force && lstat(out, &st) == 0) {
        read_fail(out, "exists: use --force to replace it");
        return 2;
    }
    if (out != NULL && cli_cleanup_install() != 0) {
        read_fail(out, "cannot handle signals: %s", strerror(errno));
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    code = make_checked(r, argv[0], argv[1], &armour, &len);
    quire_reader_close(r);
    if (code == 0 && out != NULL)
        code = write_out(out, o->force, armour, len);
    else if (code == 0)
        fwrite(armour, 1, len, stdout); /* a write error is caught when stdout is flushed */
    free(armour);
    return code;
}

/* ---- check-receipt ---- */

/* The receipt file's bytes: at most one byte more than a receipt file may hold, so that
 * quire_receipt_dearmour refuses a larger one (SPEC 10.4 step 1) without reading it all.
 * Returns 0, or 2 after a message. */
static int read_receipt_file(const char *name, int fd, uint8_t **buf, size_t *len)
{
    size_t cap = QUIRE_RECEIPT_MAX_ARMOUR_BYTES + 1, n = 0;
    uint8_t *b = malloc(cap);
    if (b == NULL) {
        read_fail(name, "out of memory");
        return 2;
    }
    while (n < cap) {
        ssize_t k = read(fd, b + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            read_fail(name, "cannot read: %s", strerror(errno));
            free(b);
            return 2;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* SHA-256 of everything fd holds, streamed. Returns 0, or 2 after a message. */
static int hash_file(const char *name, int fd, uint8_t sha[QUIRE_SHA256_BYTES])
{
    quire_sha256_state st;
    uint8_t buf[65536];
    quire_sha256_init(&st);
    for (;;) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            read_fail(name, "cannot read: %s", strerror(errno));
            return 2;
        }
        if (k == 0)
            break;
        quire_sha256_update(&st, buf, (size_t)k);
    }
    quire_sha256_final(&st, sha);
    return 0;
}

static int open_input(const char *name)
{
    if (strcmp(name, "-") == 0)
        return STDIN_FILENO;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        read_fail(name, "cannot open: %s", strerror(errno));
    return fd;
}

/* What check-receipt shows, all from the verified receipt. */
typedef struct shown {
    const quire_receipt *rc;
    json_t *meta;         /* the leaf's metadata, parsed (owned) */
    char *retrieved;      /* malloc'd, or NULL */
    const char *key_file; /* the file of the trusted key that verified the signature */
    char sha[65], fp[65], key_id[17];
    const char *file; /* FILE, or NULL */
} shown;

static void field(const char *label, const char *value, size_t len)
{
    printf("%-11s", label);
    out_safe(stdout, value, len);
    fputc('\n', stdout);
}

static const char *meta_str(json_t *meta, const char *key)
{
    return json_string_value(json_object_get(meta, key));
}

static void show_text(const shown *s)
{
    const char *url = meta_str(s->meta, "URL"), *title = meta_str(s->meta, "title");
    char line[64];
    field("path:", s->rc->path, s->rc->path_len);
    field("sha256:", s->sha, 64);
    read_size_text(line, sizeof line, s->rc->size);
    field("size:", line, strlen(line));
    field("source:", url != NULL ? url : "unknown", strlen(url != NULL ? url : "unknown"));
    field("retrieved:", s->retrieved != NULL ? s->retrieved : "unknown",
          strlen(s->retrieved != NULL ? s->retrieved : "unknown"));
    if (title != NULL)
        field("title:", title, strlen(title));
    field("bundle:", s->fp, 64);
    printf("%-11s%s (trusted: ", "signer:", s->key_id);
    out_safe(stdout, s->key_file, strlen(s->key_file));
    puts(")");
    printf("%-11s%" PRIu32 " of %" PRIu32 "\n", "entry:", s->rc->leaf_index, s->rc->entry_count);
    if (s->file != NULL) {
        out_safe(stdout, s->file, strlen(s->file));
        puts(": matches");
    }
}

static int show_json(const shown *s)
{
    const char *url = meta_str(s->meta, "URL"), *title = meta_str(s->meta, "title");
    json_t *j = json_pack(
        "{s:b, s:s%, s:s, s:I, s:s, s:b, s:o, s:o, s:o, s:s, s:{s:s, s:s}, s:I, s:I, s:O}", "valid",
        1, "path", s->rc->path, (size_t)s->rc->path_len, "sha256", s->sha, "size",
        (json_int_t)s->rc->size, "role", out_role(s->rc->role), "executable",
        (s->rc->flags & QUIRE_ENTRY_FLAG_EXEC) != 0, "url",
        url != NULL ? json_string(url) : json_null(), "retrieved",
        s->retrieved != NULL ? json_string(s->retrieved) : json_null(), "title",
        title != NULL ? json_string(title) : json_null(), "fingerprint", s->fp, "signer", "key_id",
        s->key_id, "key_file", s->key_file, "entry", (json_int_t)s->rc->leaf_index, "entries",
        (json_int_t)s->rc->entry_count, "metadata", s->meta);
    if (j == NULL) {
        read_fail("stdout", "out of memory");
        return 2;
    }
    if (s->file != NULL)
        json_object_set_new(j, "file", json_pack("{s:s, s:b}", "name", s->file, "matches", 1));
    return out_json(j);
}

/* The retrieval date: CSL "accessed", else the capture's WARC-Date (SPEC 5.5). */
static char *retrieved(json_t *meta)
{
    char *d = read_csl_date(json_object_get(meta, "accessed"));
    const char *c =
        json_string_value(json_object_get(json_object_get(meta, "quire-capture"), "date"));
    return d != NULL || c == NULL ? d : strdup(c);
}

static int show(const read_opts *o, const quire_receipt *rc, size_t key, const char *file)
{
    uint8_t fp[QUIRE_FINGERPRINT_BYTES];
    shown s = {.rc = rc, .key_file = o->keys[key].source, .file = file};
    if (s.key_file == NULL)
        s.key_file = "";
    quire_sha256(fp, rc->statement, QUIRE_STATEMENT_BYTES); /* SPEC 6.3 */
    sodium_bin2hex(s.fp, sizeof s.fp, fp, sizeof fp);
    sodium_bin2hex(s.sha, sizeof s.sha, rc->sha256, QUIRE_SHA256_BYTES);
    quire_key_id_hex(rc->key_id, s.key_id);
    s.meta = rc->meta_len > 0 ? json_loadb((const char *)rc->meta, rc->meta_len, 0, NULL) : NULL;
    if (s.meta == NULL)
        s.meta = json_object();
    s.retrieved = retrieved(s.meta);
    int code = 0;
    if (o->json)
        code = show_json(&s);
    else
        show_text(&s);
    free(s.retrieved);
    json_decref(s.meta);
    return code;
}

/* SPEC 10.4 steps 1-7 on the receipt's bytes, then step 8 on FILE (fd >= 0). */
static int check(const read_opts *o, const char *name, const uint8_t *text, size_t len,
                 const char *file, int fd)
{
    uint8_t *bin = NULL, sha[QUIRE_SHA256_BYTES];
    size_t bin_len = 0, key = 0;
    quire_receipt rc;
    quire_error err;
    memset(&rc, 0, sizeof rc);
    int r = quire_receipt_dearmour(text, len, &bin, &bin_len, &err);
    if (r == QUIRE_OK)
        r = quire_receipt_parse(bin, bin_len, &rc, &err);
    if (r == QUIRE_OK)
        r = quire_receipt_verify(&rc, o->keys, o->nkeys, &key, &err);
    if (r == QUIRE_OK && read_trust_revoked(o, key, false, 0)) /* a receipt has no trusted time */
        r = quire_error_set(&err, QUIRE_E_UNTRUSTED,
                            "signed by %s, a revoked key, and no trusted time proves the receipt "
                            "older than its revocation (SPEC 14.4)",
                            o->keys[key].source);
    if (r == QUIRE_E_UNTRUSTED) {
        char tried[2048];
        read_keys_tried(o, tried, sizeof tried);
        read_fail_with(&err, name, "%s; %s; pass the signer's public key with -p", err.msg, tried);
    } else if (r != QUIRE_OK) {
        read_error(name, &err);
    }
    int code = quire_exit_code(r);
    if (r == QUIRE_OK && fd >= 0 && (code = hash_file(file, fd, sha)) == 0 &&
        (r = quire_receipt_match_sha256(&rc, sha, &err)) != QUIRE_OK) {
        char got[65], want[65];
        sodium_bin2hex(got, sizeof got, sha, sizeof sha);
        sodium_bin2hex(want, sizeof want, rc.sha256, QUIRE_SHA256_BYTES);
        read_fail_with(&err, file,
                       "does not match the receipt: its SHA-256 is %s, the receipt certifies %s "
                       "for %.*s (SPEC 10)",
                       got, want, (int)rc.path_len, rc.path);
        code = quire_exit_code(r);
    }
    if (code == 0)
        code = show(o, &rc, key, file);
    free(bin);
    return code;
}

int cmd_check_receipt(const read_opts *o, int argc, char **argv)
{
    uint8_t *text = NULL;
    size_t len = 0;
    int code, fd = -1;
    if (argc != 1 && argc != 2) {
        read_fail(NULL, "check-receipt: expected RECEIPT [FILE]");
        return 2;
    }
    if (refuse_any_signer(o, "check-receipt") != 0)
        return 2;
    if (argc == 2 && strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0) {
        read_fail(NULL, "check-receipt: RECEIPT and FILE cannot both be standard input");
        return 2;
    }
    int rfd = open_input(argv[0]);
    if (rfd < 0)
        return 2;
    /* Both inputs opened before anything is checked: a missing FILE is a usage error whatever
     * the receipt holds. */
    if (argc == 2 && (fd = open_input(argv[1])) < 0)
        code = 2;
    else
        code = read_receipt_file(argv[0], rfd, &text, &len);
    if (rfd != STDIN_FILENO)
        close(rfd);
    if (code == 0)
        code = check(o, argv[0], text, len, argc == 2 ? argv[1] : NULL, fd);
    if (fd > STDIN_FILENO)
        close(fd);
    free(text);
    return code;
}
