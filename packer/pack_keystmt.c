/* SPDX-License-Identifier: ISC */
/* pack_keystmt.c: quire-pack rotate and revoke, the key statements of SPEC 14: a rotation
 * from an old key to a new one, signed by both, and a revocation of a key from a date on,
 * signed by that key or another of its chain. Each is written atomically, and parsed and
 * checked back before it is. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_cleanup.h"
#include "pack.h"
#include "quire_trust.h"

typedef struct stmt_opts {
    const char *key, *new_key, *out, *comment, *pwfile, *new_pwfile, *date, *revoked;
    bool force, quiet;
} stmt_opts;

/* The n digits at *p as a number, advancing *p; -1 unless they are all digits. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" into tm (fields checked by the caller); true if the
 * text has that form. */
static bool parse_date(const char *p, struct tm *tm)
{
    int y = digits(&p, 4), mo = *p == '-' ? (p++, digits(&p, 2)) : -1;
    int d = *p == '-' ? (p++, digits(&p, 2)) : -1, h = 0, mi = 0, s = 0;
    if (*p == 'T') {
        p++;
        h = digits(&p, 2);
        mi = *p == ':' ? (p++, digits(&p, 2)) : -1;
        s = *p == ':' ? (p++, digits(&p, 2)) : -1;
        if (*p++ != 'Z')
            return false;
    }
    *tm = (struct tm){.tm_year = y - 1900,
                      .tm_mon = mo - 1,
                      .tm_mday = d,
                      .tm_hour = h,
                      .tm_min = mi,
                      .tm_sec = s};
    return *p == '\0' && y >= 1970 && mo >= 1 && d >= 1 && h >= 0 && mi >= 0 && s >= 0;
}

int pack_date(const char *cmd, const char *text, uint64_t *out)
{
    struct tm tm, want;
    if (text == NULL) {
        *out = (uint64_t)time(NULL);
        return 0;
    }
    bool ok = parse_date(text, &tm);
    want = tm;
    time_t t = ok ? timegm(&tm) : (time_t)-1;
    /* timegm normalises 2026-13-01 into 2027-01-01: a date it changed did not exist */
    ok = ok && t >= 0 && tm.tm_year == want.tm_year && tm.tm_mon == want.tm_mon &&
         tm.tm_mday == want.tm_mday && tm.tm_hour == want.tm_hour && tm.tm_min == want.tm_min &&
         tm.tm_sec == want.tm_sec;
    if (!ok) {
        pack_warn("%s: --date %s: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)", cmd, text);
        return 2;
    }
    *out = (uint64_t)t;
    return 0;
}

int pack_write_file(const char *out, const uint8_t *p, size_t len, bool force)
{
    char *c1 = out != NULL ? strdup(out) : NULL, *c2 = out != NULL ? strdup(out) : NULL, tmp[4096];
    int fd = -1, handle = -1, rc = 2;
    sigset_t old;
    if (c1 == NULL || c2 == NULL ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dirname(c1), basename(c2)) >= sizeof tmp)
        goto out;
    if (!force && access(out, F_OK) == 0) {
        pack_warn("%s: exists: use --force to replace it", out);
        goto out;
    }
    cli_cleanup_hold(&old);
    fd = mkstemp(tmp);
    if (fd >= 0)
        handle = cli_cleanup_add(AT_FDCWD, tmp, CLI_TMP_FILE);
    cli_cleanup_release(&old);
    mode_t mask = umask(0);
    umask(mask);
    if (fd < 0 || handle < 0 || fchmod(fd, 0666 & ~mask) != 0 ||
        write(fd, p, len) != (ssize_t)len || fsync(fd) != 0 || close(fd) != 0) {
        pack_warn("%s: cannot write: %s", out, strerror(errno));
        fd = -1;
        goto out;
    }
    fd = -1;
    if ((force ? rename(tmp, out) : renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE)) !=
        0) {
        pack_warn("%s: cannot put in place: %s", out, strerror(errno));
        goto out;
    }
    cli_cleanup_done(handle);
    handle = -1;
    int dfd = open(dirname(strcpy(c2, out)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    cli_cleanup_remove(handle);
    free(c1);
    free(c2);
    return rc;
}

/* Signs body with each key (in order) and writes body || signature block (SPEC 14.1); the
 * file is parsed back and each key's signature checked before it is put in place. */
static int write_stmt(const stmt_opts *o, const uint8_t *body, size_t body_len,
                      quire_seckey *const *sks, size_t nsk)
{
    uint8_t prehash[QUIRE_PREHASH_BYTES], file[QUIRE_KEYSTMT_MAX_BYTES];
    quire_sig sigs[2];
    quire_error err;
    quire_keystmt back;
    quire_prehash(body, body_len, prehash);
    for (size_t i = 0; i < nsk; i++)
        if (quire_sign(sks[i], prehash, o->comment, &sigs[i], &err) != QUIRE_OK) {
            pack_warn("-t: %s", err.msg);
            return 2;
        }
    memcpy(file, body, body_len);
    int len = quire_sigblock_encode(sigs, (uint32_t)nsk, file + body_len, sizeof file - body_len);
    if (len < 0 || quire_keystmt_parse(file, body_len + (size_t)len, &back, &err) != QUIRE_OK) {
        pack_warn("%s: the statement does not parse back", o->out);
        return 2;
    }
    for (size_t i = 0; i < nsk; i++) {
        quire_pubkey pk;
        quire_seckey_public(sks[i], &pk);
        if (!quire_keystmt_signed_by(&back, &pk)) {
            pack_warn("%s: a signature does not verify", o->out);
            return 2;
        }
    }
    return pack_write_file(o->out, file, body_len + (size_t)len, o->force);
}

static void say(const stmt_opts *o, const char *what, const quire_pubkey *a, const quire_pubkey *b)
{
    char ha[17], hb[17];
    if (o->quiet)
        return;
    quire_key_id_hex(a->key_id, ha);
    if (b != NULL) {
        quire_key_id_hex(b->key_id, hb);
        fprintf(stderr, "%s: %s from key %s to key %s\n", o->out, what, ha, hb);
    } else {
        fprintf(stderr, "%s: %s of key %s\n", o->out, what, ha);
    }
}

static int rotate_run(const stmt_opts *o)
{
    uint8_t body[QUIRE_ROTATION_BYTES];
    uint64_t date;
    quire_pubkey oldpk, newpk;
    quire_seckey *sk[2] = {NULL, NULL};
    int rc = pack_date("rotate", o->date, &date);
    if (rc == 0 && (sk[0] = pack_seckey_load(o->key, o->pwfile, o->quiet)) == NULL)
        rc = 2;
    if (rc == 0 && (sk[1] = pack_seckey_load(o->new_key, o->new_pwfile, o->quiet)) == NULL)
        rc = 2;
    if (rc == 0) {
        quire_seckey_public(sk[0], &oldpk);
        quire_seckey_public(sk[1], &newpk);
        if (memcmp(oldpk.pk, newpk.pk, QUIRE_PUBKEY_BYTES) == 0) {
            pack_warn("rotate: the old and the new key are the same key");
            rc = 2;
        }
    }
    if (rc == 0) {
        size_t len = quire_keystmt_body(QUIRE_KEYSTMT_ROTATION, date, &oldpk, &newpk, body);
        rc = write_stmt(o, body, len, sk, 2);
    }
    if (rc == 0)
        say(o, "rotation", &oldpk, &newpk);
    quire_seckey_free(sk[0]);
    quire_seckey_free(sk[1]);
    return rc;
}

static int revoke_run(const stmt_opts *o)
{
    uint8_t body[QUIRE_ROTATION_BYTES];
    uint64_t date;
    quire_pubkey target, signer;
    quire_error err;
    quire_seckey *sk = NULL;
    int rc = pack_date("revoke", o->date, &date);
    if (rc == 0 && o->revoked != NULL && quire_pubkey_load(o->revoked, &target, &err) != QUIRE_OK) {
        pack_warn("%s: %s", o->revoked, err.msg);
        rc = 2;
    }
    if (rc == 0 && (sk = pack_seckey_load(o->key, o->pwfile, o->quiet)) == NULL)
        rc = 2;
    if (rc == 0) {
        quire_seckey_public(sk, &signer);
        if (o->revoked == NULL)
            target = signer;
        size_t len = quire_keystmt_body(QUIRE_KEYSTMT_REVOCATION, date, &target, NULL, body);
        rc = write_stmt(o, body, len, &sk, 1);
    }
    if (rc == 0)
        say(o, "revocation", &target, NULL);
    quire_seckey_free(sk);
    return rc;
}

static int parse_stmt(const char *cmd, int argc, char **argv, stmt_opts *o)
{
    static const struct option longs[] = {{"key", required_argument, NULL, 'k'},
                                          {"new-key", required_argument, NULL, 'n'},
                                          {"revoked", required_argument, NULL, 'r'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"comment", required_argument, NULL, 't'},
                                          {"date", required_argument, NULL, 'd'},
                                          {"passphrase-file", required_argument, NULL, 'W'},
                                          {"new-passphrase-file", required_argument, NULL, 'N'},
                                          {"force", no_argument, NULL, 'f'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    bool rotate = strcmp(cmd, "rotate") == 0;
    int c, li = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":k:o:t:fqh", longs, &li)) != -1) {
        if ((c == 'n' || c == 'N') && !rotate)
            return pack_bad_option(cmd, argv, '?');
        if (c == 'r' && rotate)
            return pack_bad_option(cmd, argv, '?');
        switch (c) {
        case 'k':
            o->key = optarg;
            break;
        case 'n':
            o->new_key = optarg;
            break;
        case 'r':
            o->revoked = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 't':
            o->comment = optarg;
            break;
        case 'd':
            o->date = optarg;
            break;
        case 'W':
            o->pwfile = optarg;
            break;
        case 'N':
            o->new_pwfile = optarg;
            break;
        case 'f':
            o->force = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            pack_usage(stdout, NULL, true);
            return 0;
        default:
            return pack_bad_option(cmd, argv, c);
        }
    }
    const char *missing = o->key == NULL                 ? "-k KEY is required"
                          : rotate && o->new_key == NULL ? "--new-key KEY is required"
                          : o->out == NULL               ? "-o FILE is required"
                          : optind < argc                ? "unexpected argument"
                                                         : NULL;
    if (missing != NULL) {
        pack_warn("%s: %s", cmd, missing);
        pack_usage(stderr, cmd, false);
        return 2;
    }
    return -1;
}

static int stmt_main(const char *cmd, int argc, char **argv)
{
    stmt_opts o = {.comment =
                       strcmp(cmd, "rotate") == 0 ? "quire key rotation" : "quire key revocation"};
    int rc = parse_stmt(cmd, argc, argv, &o);
    if (rc < 0 && cli_cleanup_install() != 0) {
        pack_warn("cannot install the signal handlers: %s", strerror(errno));
        rc = 2;
    }
    if (rc < 0)
        rc = strcmp(cmd, "rotate") == 0 ? rotate_run(&o) : revoke_run(&o);
    if (rc != 0)
        cli_cleanup_remove_all();
    return rc;
}

int pack_rotate(int argc, char **argv)
{
    return stmt_main("rotate", argc, argv);
}

int pack_revoke(int argc, char **argv)
{
    return stmt_main("revoke", argc, argv);
}
