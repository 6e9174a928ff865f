/* SPDX-License-Identifier: ISC */
/* pack_timestamp.c: quire-pack timestamp request and attach, RFC 3161 time-stamps for
 * air-gapped machines (SPEC 7.1). request writes a TimeStampReq over the bundle's fingerprint,
 * to be carried to a machine that can reach a time-stamping authority; attach checks that the
 * reply answers it and adds its token to the bundle's attachments, rewriting only the unsigned
 * tail (lib/write/quire_tail.c), so the statement, the fingerprint and the signatures stay. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_cleanup.h"
#include "pack.h"
#include "quire_attach.h"
#include "quire_tsa_api.h"
#include "quire_write.h"

#define REPLY_MAX (1u << 20) /* a reply or request file: far above any real one */

typedef struct ts_opts {
    const char *output;
    const char *request;
    const char *ca[16];
    size_t nca;
    bool force;
} ts_opts;

/* Opens the bundle and authenticates its statement (SPEC 9 steps 1-7, and the root): the
 * fingerprint does not depend on who signed, so no trusted key is needed here. */
static quire_reader *open_bundle(const char *path, int *code)
{
    quire_reader *r = NULL;
    quire_error err;
    int rc = quire_reader_open(path, &r, &err);
    if (rc == QUIRE_OK)
        rc = quire_reader_authenticate(r, NULL, 0, QUIRE_ANY_SIGNER, &err);
    if (rc == QUIRE_OK)
        rc = quire_reader_check_root(r, &err);
    if (rc != QUIRE_OK) {
        pack_warn("%s: %s", path, err.msg);
        quire_reader_close(r);
        *code = quire_exit_code(rc);
        return NULL;
    }
    return r;
}

/* Reads a whole file of at most REPLY_MAX bytes; NULL after a message. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = f != NULL ? malloc(REPLY_MAX + 1) : NULL;
    size_t n = buf != NULL ? fread(buf, 1, REPLY_MAX + 1, f) : 0;
    int e = errno;
    if (f == NULL || buf == NULL || ferror(f) || n > REPLY_MAX || n == 0) {
        pack_warn("%s: %s", path,
                  f == NULL || buf == NULL ? strerror(e)
                  : ferror(f)              ? "read error"
                  : n == 0                 ? "empty file"
                                           : "larger than 1 MiB: not a time-stamp reply");
        free(buf);
        buf = NULL;
    }
    if (f != NULL)
        fclose(f);
    *len = n;
    return buf;
}

/* Renames tmp to out, never over an existing file: RENAME_NOREPLACE, or link and unlink where
 * the file system lacks it. Returns 0 or -1 with errno. */
static int rename_new(const char *tmp, const char *out)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (link(tmp, out) != 0)
        return -1;
    unlink(tmp);
    return 0;
}

/* fsync of the directory that holds path, so that a rename survives a power failure. */
static void sync_dir(const char *path, int dlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", dlen > 0 ? dlen : 1, dlen > 0 ? path : ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes len bytes to out through a temporary file beside it, synced, then renamed (never
 * over an existing file unless force). Returns 0 or 2 after a message. */
static int write_atomic(const char *out, const uint8_t *p, size_t len, bool force)
{
    char tmp[4096];
    const char *slash = strrchr(out, '/');
    int dlen = slash != NULL ? (int)(slash - out + 1) : 0;
    snprintf(tmp, sizeof tmp, "%.*s.%s.XXXXXX", dlen, out, out + dlen);
    sigset_t old;
    cli_cleanup_hold(&old);
    int fd = mkstemp(tmp), h = fd >= 0 ? cli_cleanup_add(AT_FDCWD, tmp, CLI_TMP_FILE) : -1;
    cli_cleanup_release(&old);
    if (fd < 0 || h < 0) {
        pack_warn("%s: cannot create a temporary file: %s", out, strerror(errno));
        if (fd >= 0)
            close(fd), unlink(tmp);
        return 2;
    }
    mode_t um = umask(0);
    umask(um);
    bool ok = fchmod(fd, 0666 & ~um) == 0 && write(fd, p, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && !force && rename_new(tmp, out) != 0)
        ok = false;
    else if (ok && force && rename(tmp, out) != 0)
        ok = false;
    if (!ok) {
        pack_warn("%s: cannot write: %s%s", out, strerror(errno),
                  errno == EEXIST ? " (use --force to replace it)" : "");
        cli_cleanup_remove(h);
        return 2;
    }
    cli_cleanup_done(h);
    sync_dir(out, dlen);
    return 0;
}

static int ts_request(const char *bundle, const ts_opts *o)
{
    char why[256];
    uint8_t *der = NULL;
    size_t len = 0;
    if (o->output == NULL) {
        pack_warn("timestamp request: -o REQ.tsq is required");
        return 2;
    }
    int code = 0;
    quire_reader *r = open_bundle(bundle, &code);
    if (r == NULL)
        return code;
    const quire_tsa_api_v1 *t = quire_tsa_table();
    int rc = t->request(quire_reader_fingerprint(r), &der, &len, why, sizeof why);
    quire_reader_close(r);
    if (rc != 0) {
        pack_warn("%s: %s", bundle, why);
        return 2;
    }
    rc = write_atomic(o->output, der, len, o->force);
    t->free_buf(der);
    return rc;
}

/* With --tsa-ca: the token must be trusted (SPEC 7.1) before it is attached. */
static int check_trusted(const ts_opts *o, const uint8_t *tok, size_t len, const uint8_t *fp)
{
    const quire_tsa_api_v1 *t = quire_tsa_table();
    char why[256];
    quire_tsa_result res;
    if (o->nca == 0)
        return 0;
    quire_tsa_store *st = t->store_new();
    for (size_t i = 0; st != NULL && i < o->nca; i++)
        if (t->store_add_file(st, o->ca[i], why, sizeof why) < 0) {
            pack_warn("--tsa-ca %s: %s", o->ca[i], why);
            t->store_free(st);
            return 2;
        }
    t->verify(st, tok, len, fp, &res);
    t->store_free(st);
    if (res.status != QUIRE_TSA_TRUSTED) {
        pack_warn("the token is not trusted: %s", res.why);
        return 1;
    }
    return 0;
}

/* The bundle's attachments with the token added; refused if the same token is there, or the
 * limits of SPEC 8 would be passed. Returns the encoded area (malloc'd) or NULL. */
static uint8_t *add_token(const quire_attachments *cur, const uint8_t *tok, size_t len,
                          size_t *out_len, quire_error *err)
{
    quire_attachments a = *cur;
    for (uint32_t i = 0; i < a.count; i++)
        if (a.recs[i].type == QUIRE_ATTACH_TIMESTAMP && a.recs[i].len == len &&
            memcmp(a.recs[i].body, tok, len) == 0) {
            quire_error_set(err, QUIRE_E_USAGE, "the bundle already has this token");
            return NULL;
        }
    if (a.count >= QUIRE_MAX_ATTACHMENTS || len > QUIRE_MAX_ATTACHMENT_BODY_BYTES) {
        quire_error_set(err, QUIRE_E_LIMIT,
                        "no room for the token: at most %u attachments of "
                        "%u bytes (SPEC 8)",
                        QUIRE_MAX_ATTACHMENTS, QUIRE_MAX_ATTACHMENT_BODY_BYTES);
        return NULL;
    }
    a.recs[a.count++] = (quire_attachment){QUIRE_ATTACH_TIMESTAMP, (uint32_t)len, tok};
    uint8_t *buf = malloc(quire_attachments_size(&a) + 1);
    if (buf == NULL) {
        quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    if (quire_attachments_encode(&a, buf, quire_attachments_size(&a), out_len, err) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

typedef struct tail_ctx {
    const uint8_t *fingerprint;
    uint32_t count; /* attachments expected in the new bundle */
    int handle;
    sigset_t old;
} tail_ctx;

static void tail_creating(void *ctx)
{
    cli_cleanup_hold(&((tail_ctx *)ctx)->old);
}

static int tail_created(void *ctx, const char *tmp)
{
    tail_ctx *c = ctx;
    c->handle = tmp != NULL ? cli_cleanup_add(AT_FDCWD, tmp, CLI_TMP_FILE) : -1;
    cli_cleanup_release(&c->old);
    return tmp == NULL || c->handle >= 0 ? QUIRE_OK : QUIRE_E_NOMEM;
}

/* The new bundle, before it is renamed: the same statement (fingerprint), its attachments
 * framed as a reader will check them (SPEC 9 step 4). */
static int tail_check(void *ctx, const char *tmp, quire_error *err)
{
    tail_ctx *c = ctx;
    quire_reader *r = NULL;
    int rc = quire_reader_open(tmp, &r, err);
    if (rc == QUIRE_OK)
        rc = quire_reader_authenticate(r, NULL, 0, QUIRE_ANY_SIGNER, err);
    if (rc == QUIRE_OK &&
        (memcmp(quire_reader_fingerprint(r), c->fingerprint, QUIRE_FINGERPRINT_BYTES) != 0 ||
         quire_reader_attachments(r)->count != c->count))
        rc = quire_error_set(err, QUIRE_E_FORMAT, "the rewritten bundle differs from the old");
    quire_reader_close(r);
    return rc;
}

static void tail_gone(void *ctx)
{
    tail_ctx *c = ctx;
    cli_cleanup_done(c->handle);
    c->handle = -1;
}

/* Rewrites the tail of bundle into out with the token added. */
static int attach_token(quire_reader *r, const char *bundle, const char *out, const uint8_t *tok,
                        size_t len)
{
    quire_error err;
    const quire_sigblock *sb = quire_reader_sigblock(r);
    uint8_t
        sig[QUIRE_SIGBLOCK_FIXED_BYTES +
            QUIRE_MAX_SIGNATURES * (QUIRE_SIG_RECORD_MIN_BYTES + QUIRE_MAX_TRUSTED_COMMENT_BYTES)];
    int sig_len = quire_sigblock_encode(sb->sigs, sb->count, sig, sizeof sig);
    size_t att_len = 0;
    uint8_t *att =
        sig_len > 0 ? add_token(quire_reader_attachments(r), tok, len, &att_len, &err) : NULL;
    if (att == NULL) {
        pack_warn("%s: %s", bundle, sig_len > 0 ? err.msg : "cannot encode its signatures");
        return 2;
    }
    tail_ctx c = {.fingerprint = quire_reader_fingerprint(r),
                  .count = quire_reader_attachments(r)->count + 1,
                  .handle = -1};
    quire_tail_ops ops = {tail_creating, tail_created, tail_check, tail_gone, &c};
    int rc = quire_tail_rewrite(bundle, out, quire_reader_index(r)->statement, sig, (size_t)sig_len,
                                att, att_len, &ops, &err);
    free(att);
    if (rc != QUIRE_OK) {
        pack_warn("%s: cannot attach the token: %s", out, err.msg);
        return quire_exit_code(rc) == 1 ? 1 : 2;
    }
    return 0;
}

static int ts_attach(const char *bundle, const char *reply_path, const ts_opts *o)
{
    char why[256];
    size_t reply_len = 0, req_len = 0, tok_len = 0;
    uint8_t *tok = NULL, *req = NULL, *reply = slurp(reply_path, &reply_len);
    if (reply == NULL || (o->request != NULL && (req = slurp(o->request, &req_len)) == NULL)) {
        free(reply);
        return 2;
    }
    int rc = 1;
    quire_reader *r = open_bundle(bundle, &rc);
    const quire_tsa_api_v1 *t = quire_tsa_table();
    if (r != NULL && t->reply_token(reply, reply_len, req, req_len, quire_reader_fingerprint(r),
                                    &tok, &tok_len, why, sizeof why) != 0)
        pack_warn("%s: %s", reply_path, why);
    else if (r != NULL && (rc = check_trusted(o, tok, tok_len, quire_reader_fingerprint(r))) == 0)
        rc = attach_token(r, bundle, o->output != NULL ? o->output : bundle, tok, tok_len);
    if (rc == 0 && o->request == NULL)
        pack_warn("note: the reply's nonce was not checked (no -q REQ.tsq given); its imprint "
                  "is this bundle's fingerprint");
    if (tok != NULL)
        t->free_buf(tok);
    quire_reader_close(r);
    free(reply);
    free(req);
    return rc;
}

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'}, {"request", required_argument, NULL, 'q'},
    {"tsa-ca", required_argument, NULL, 'C'}, {"force", no_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};

static int parse(int argc, char **argv, ts_opts *o)
{
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:q:h", long_opts, NULL)) != -1) {
        if (c == 'o')
            o->output = optarg;
        else if (c == 'q')
            o->request = optarg;
        else if (c == 'f')
            o->force = true;
        else if (c == 'C' && o->nca < sizeof o->ca / sizeof *o->ca)
            o->ca[o->nca++] = optarg;
        else if (c == 'C') {
            pack_warn("timestamp: at most 16 --tsa-ca");
            return 2;
        } else if (c == 'h') {
            pack_usage(stdout, "timestamp", true);
            return -1;
        } else
            return pack_bad_option("timestamp", argv, c);
    }
    return 0;
}

int pack_timestamp(int argc, char **argv)
{
    ts_opts o = {0};
    const char *sub = argc >= 2 ? argv[1] : "";
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        pack_usage(stdout, "timestamp", true);
        return 0;
    }
    if (strcmp(sub, "request") != 0 && strcmp(sub, "attach") != 0) {
        pack_warn("timestamp: expected 'request' or 'attach'%s%s", sub[0] ? ", not " : "", sub);
        pack_usage(stderr, "timestamp", false);
        return 2;
    }
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    int nargs = argc - 1 - optind;
    char **args = argv + 1 + optind;
    bool request = strcmp(sub, "request") == 0;
    if (nargs != (request ? 1 : 2) || (request && (o.request != NULL || o.nca > 0))) {
        pack_warn(request ? "timestamp request: expected BUNDLE -o REQ.tsq"
                          : "timestamp attach: expected BUNDLE REPLY.tsr");
        pack_usage(stderr, "timestamp", false);
        return 2;
    }
    if (cli_cleanup_install() != 0) {
        pack_warn("cannot install signal handlers: %s", strerror(errno));
        return 2;
    }
    return request ? ts_request(args[0], &o) : ts_attach(args[0], args[1], &o);
}
