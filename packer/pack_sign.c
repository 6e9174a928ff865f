/* SPDX-License-Identifier: ISC */
/* pack_sign.c: quire-pack sign, a co-signature added to an existing bundle (SPEC 12). The
 * bundle is verified with the keys the user trusts for it, the new record signs the same
 * statement, and the new bundle is written beside the old one, verified again in full (every
 * record naming a given key or the new one, every stored byte, every document) and renamed
 * over it: the statement, and so the fingerprint, do not change. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_cleanup.h"
#include "pack.h"

typedef struct sign_opts {
    const char *key, *out, *comment, *pwfile, *bundle;
    quire_pubkey *keys; /* the keys the bundle must verify under (-p, -P) */
    size_t nkeys;
    bool quiet;
} sign_opts;

int pack_pubkey_add(quire_pubkey **keys, size_t *n, const char *arg, bool base64)
{
    quire_pubkey k;
    quire_error err;
    int rc =
        base64 ? quire_pubkey_parse(arg, strlen(arg), &k, &err) : quire_pubkey_load(arg, &k, &err);
    if (rc != QUIRE_OK) {
        pack_warn("%s: %s", base64 ? "-P" : arg, err.msg);
        return 2;
    }
    quire_pubkey *more = realloc(*keys, (*n + 1) * sizeof *more);
    if (more == NULL) {
        pack_warn("out of memory");
        return 2;
    }
    k.source = base64 ? "-P" : arg;
    more[(*n)++] = k;
    *keys = more;
    return 0;
}

/* The tail's context: the cleanup registration of the temporary bundle and the keys its check
 * uses. */
typedef struct sign_run {
    const sign_opts *o;
    quire_pubkey *keys; /* o->keys and the signing key */
    size_t nkeys;
    uint32_t records; /* how many the new bundle must hold */
    int handle;
    sigset_t held;
} sign_run;

static void tail_creating(void *ctx)
{
    sign_run *s = ctx;
    cli_cleanup_hold(&s->held);
}

static int tail_created(void *ctx, const char *tmp)
{
    sign_run *s = ctx;
    if (tmp != NULL)
        s->handle = cli_cleanup_add(AT_FDCWD, tmp, CLI_TMP_FILE);
    cli_cleanup_release(&s->held);
    return tmp == NULL || s->handle >= 0 ? QUIRE_OK : QUIRE_E_NOMEM;
}

static void tail_gone(void *ctx)
{
    sign_run *s = ctx;
    cli_cleanup_done(s->handle);
    s->handle = -1;
}

/* SPEC 9, full verification of the new bundle before it takes the old one's place. */
static int tail_check(void *ctx, const char *tmp, quire_error *err)
{
    sign_run *s = ctx;
    quire_reader *r = NULL;
    int rc = quire_reader_open(tmp, &r, err);
    if (rc == QUIRE_OK)
        rc = quire_reader_authenticate(r, s->keys, s->nkeys, 0, err);
    if (rc == QUIRE_OK && quire_reader_sigblock(r)->count != s->records)
        rc = quire_error_set(err, QUIRE_E_FORMAT, "the new signature block is not what was built");
    if (rc == QUIRE_OK)
        rc = quire_reader_check_root(r, err);
    if (rc == QUIRE_OK)
        rc = quire_reader_walk(r, NULL, NULL, NULL, err);
    quire_reader_close(r);
    return rc;
}

/* The bundle's attachments (SPEC 7), passed through unchanged: they are about the statement,
 * which a co-signature does not change. */
static int read_attachments(const char *path, uint8_t **att, size_t *len)
{
    uint8_t t[QUIRE_TRAILER_BYTES];
    quire_trailer tr;
    quire_error err;
    struct stat st;
    int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1, rc = 2;
    *att = NULL;
    *len = 0;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < QUIRE_TRAILER_BYTES ||
        pread(fd, t, sizeof t, st.st_size - QUIRE_TRAILER_BYTES) != (ssize_t)sizeof t)
        pack_warn("%s: cannot read: %s", path, strerror(errno));
    else if (quire_trailer_parse(t, sizeof t, (uint64_t)st.st_size, &tr, &err) != QUIRE_OK)
        pack_warn("%s: %s", path, err.msg);
    else if (tr.attachments_size == 0)
        rc = 0;
    else if ((*att = malloc((size_t)tr.attachments_size)) != NULL &&
             pread(fd, *att, (size_t)tr.attachments_size,
                   (off_t)(st.st_size - QUIRE_TRAILER_BYTES - (off_t)tr.attachments_size)) ==
                 (ssize_t)tr.attachments_size) {
        *len = (size_t)tr.attachments_size;
        rc = 0;
    } else
        pack_warn("%s: cannot read the attachments", path);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* A record made with pk over this statement, whatever key id it carries: the same key under
 * another id is the same signer (SPEC 12). Returns its number or -1. */
static int signed_by_pk(const quire_sigblock *sb, const uint8_t *prehash, const uint8_t *pk)
{
    for (uint32_t i = 0; i < sb->count; i++)
        if (crypto_sign_verify_detached(sb->sigs[i].sig, prehash, QUIRE_PREHASH_BYTES, pk) == 0)
            return (int)i;
    return -1;
}

/* The existing records and the new one, as a signature block; then the rewrite. */
static int add_record(const sign_opts *o, quire_reader *r, const quire_seckey *sk)
{
    const quire_sigblock *sb = quire_reader_sigblock(r);
    const uint8_t *statement = quire_reader_index(r)->statement;
    uint8_t prehash[QUIRE_PREHASH_BYTES], block[16 + 17 * (140 + 1024)];
    quire_sig sigs[QUIRE_MAX_SIGNATURES];
    quire_error err;
    quire_pubkey pk;
    char hex[17];
    quire_seckey_public(sk, &pk);
    quire_prehash(statement, QUIRE_STATEMENT_BYTES, prehash);
    int same = signed_by_pk(sb, prehash, pk.pk);
    quire_key_id_hex(pk.key_id, hex);
    if (same >= 0) {
        pack_warn("%s: already signed by key %s (signature %d): a key signs a bundle once",
                  o->bundle, hex, same);
        return 1;
    }
    for (uint32_t i = 0; i < sb->count && !o->quiet; i++)
        if (memcmp(sb->sigs[i].key_id, pk.key_id, QUIRE_KEY_ID_BYTES) == 0)
            pack_warn("%s: warning: key id %s is also that of signature %u, by another key: a "
                      "reader that trusts only one of the two keys will reject the bundle (SPEC 9 "
                      "step 6)",
                      o->bundle, hex, i);
    memcpy(sigs, sb->sigs, sb->count * sizeof *sigs);
    if (quire_sign(sk, prehash, o->comment, &sigs[sb->count], &err) != QUIRE_OK) {
        pack_warn("sign: -t: %s", err.msg);
        return 2;
    }
    int len = quire_sigblock_encode(sigs, sb->count + 1, block, sizeof block);
    uint8_t *att = NULL;
    size_t att_len = 0;
    if (len < 0 || read_attachments(o->bundle, &att, &att_len) != 0)
        return 2;
    sign_run s = {.o = o, .records = sb->count + 1, .handle = -1};
    s.keys = malloc((o->nkeys + 1) * sizeof *s.keys);
    if (s.keys == NULL) {
        free(att);
        return 2;
    }
    for (size_t k = 0; k < o->nkeys; k++)
        s.keys[k] = o->keys[k];
    s.keys[o->nkeys] = pk;
    s.nkeys = o->nkeys + 1;
    quire_tail_ops ops = {tail_creating, tail_created, tail_check, tail_gone, &s};
    if (o->bundle == NULL || o->out == NULL) { /* parse_sign sets both */
        free(att);
        free(s.keys);
        return 2;
    }
    int rc = quire_tail_rewrite(o->bundle, o->out, statement, block, (size_t)len, att, att_len,
                                &ops, &err);
    free(att);
    free(s.keys);
    if (rc != QUIRE_OK) {
        pack_warn("%s: %s", o->out, err.msg);
        return quire_exit_code(rc);
    }
    if (!o->quiet)
        fprintf(stderr, "%s: signature %u added by key %s\n", o->out, sb->count, hex);
    return 0;
}

/* Verifies BUNDLE under the given keys (SPEC 9 steps 1-9), before any passphrase is asked. */
static int open_verified(const sign_opts *o, quire_reader **r)
{
    quire_error err;
    int rc = quire_reader_open(o->bundle, r, &err);
    if (rc == QUIRE_OK)
        rc = quire_reader_authenticate(*r, o->keys, o->nkeys, 0, &err);
    if (rc == QUIRE_OK && quire_reader_sigblock(*r)->count >= QUIRE_MAX_SIGNATURES)
        rc = quire_error_set(&err, QUIRE_E_LIMIT,
                             "already holds %u signatures, the most a bundle may (SPEC 8)",
                             QUIRE_MAX_SIGNATURES);
    if (rc != QUIRE_OK) {
        pack_warn("%s: %s%s", o->bundle, err.msg,
                  rc == QUIRE_E_UNTRUSTED ? "; give the key of a signer you trust with -p or -P"
                                          : "");
        return rc == QUIRE_E_LIMIT ? 1 : quire_exit_code(rc);
    }
    return 0;
}

static int sign_run_all(const sign_opts *o)
{
    quire_reader *r = NULL;
    char hex[2 * QUIRE_FINGERPRINT_BYTES + 1];
    int rc = open_verified(o, &r);
    quire_seckey *sk = rc == 0 ? pack_seckey_load(o->key, o->pwfile, o->quiet) : NULL;
    if (rc == 0 && sk == NULL)
        rc = 2;
    if (rc == 0)
        rc = add_record(o, r, sk);
    if (rc == 0) {
        sodium_bin2hex(hex, sizeof hex, quire_reader_fingerprint(r), QUIRE_FINGERPRINT_BYTES);
        printf("%s\n", hex); /* unchanged: the statement is the same */
    }
    quire_seckey_free(sk);
    quire_reader_close(r);
    return rc;
}

static int parse_sign(int argc, char **argv, sign_opts *o)
{
    static const struct option longs[] = {{"key", required_argument, NULL, 'k'},
                                          {"pubkey", required_argument, NULL, 'p'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"comment", required_argument, NULL, 't'},
                                          {"passphrase-file", required_argument, NULL, 'W'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":k:p:P:o:t:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'k':
            o->key = optarg;
            break;
        case 'p':
        case 'P':
            if (pack_pubkey_add(&o->keys, &o->nkeys, optarg, c == 'P') != 0)
                return 2;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 't':
            o->comment = optarg;
            break;
        case 'W':
            o->pwfile = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            pack_usage(stdout, NULL, true);
            return 0;
        default:
            return pack_bad_option("sign", argv, c);
        }
    }
    const char *missing = o->key == NULL      ? "-k KEY is required"
                          : o->nkeys == 0     ? "-p PUB or -P KEY is required: the bundle is "
                                                "verified with the keys you trust for it first"
                          : optind >= argc    ? "no BUNDLE given"
                          : optind + 1 < argc ? "one BUNDLE at a time"
                                              : NULL;
    if (missing != NULL) {
        pack_warn("sign: %s", missing);
        pack_usage(stderr, "sign", false);
        return 2;
    }
    o->bundle = argv[optind];
    if (o->out == NULL)
        o->out = o->bundle;
    return -1;
}

int pack_sign(int argc, char **argv)
{
    sign_opts o = {.comment = "quire co-signature"};
    int rc = parse_sign(argc, argv, &o);
    if (rc < 0 && cli_cleanup_install() != 0) {
        pack_warn("cannot install the signal handlers: %s", strerror(errno));
        rc = 2;
    }
    if (rc < 0)
        rc = sign_run_all(&o);
    if (rc != 0)
        cli_cleanup_remove_all();
    free(o.keys);
    return rc;
}
