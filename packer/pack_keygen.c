/* SPDX-License-Identifier: ISC */
/* pack_keygen.c: quire-pack keygen, minisign-compatible key pairs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_escape.h"
#include "pack.h"

#define PASSPHRASE_MAX 1024

/* Reads one line into buf (secure memory) from fd, without the newline. */
static bool read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        if (n + 1 >= cap)
            return false;
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return true;
}

static bool prompt(int tty, const char *text, char *buf, size_t cap)
{
    struct termios old, quiet;
    bool ok;

    /* Echo goes off before the prompt appears: what is typed once it is visible must be
     * neither echoed nor discarded by TCSAFLUSH. */
    if (tcgetattr(tty, &old) != 0)
        return false;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(tty, TCSAFLUSH, &quiet);
    ok = write(tty, text, strlen(text)) >= 0 && read_line(tty, buf, cap);
    tcsetattr(tty, TCSAFLUSH, &old);
    if (write(tty, "\n", 1) < 0)
        ok = false;
    return ok;
}

static char *passphrase_from_tty(bool confirm, char *pw)
{
    char *again = NULL;
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) {
        pack_warn("a passphrase is needed and there is no terminal: use --passphrase-file FILE");
        return NULL;
    }
    bool ok = prompt(tty, "passphrase: ", pw, PASSPHRASE_MAX);
    if (ok && confirm) {
        again = sodium_malloc(PASSPHRASE_MAX);
        ok = again != NULL && prompt(tty, "passphrase (again): ", again, PASSPHRASE_MAX);
        if (ok && strcmp(pw, again) != 0) {
            pack_warn("the passphrases differ");
            ok = false;
        }
        sodium_free(again);
    }
    close(tty);
    return ok ? pw : NULL;
}

char *pack_passphrase(const char *file, bool confirm)
{
    char *pw = sodium_malloc(PASSPHRASE_MAX);
    if (pw == NULL) {
        pack_warn("out of secure memory");
        return NULL;
    }
    if (file == NULL) {
        if (passphrase_from_tty(confirm, pw) != NULL)
            return pw;
        sodium_free(pw);
        return NULL;
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pack_warn("%s: cannot open passphrase file: %s", file, strerror(errno));
        sodium_free(pw);
        return NULL;
    }
    bool ok = read_line(fd, pw, PASSPHRASE_MAX);
    close(fd);
    if (!ok || pw[0] == '\0') {
        pack_warn("%s: passphrase file is empty or its first line is too long", file);
        sodium_free(pw);
        return NULL;
    }
    return pw;
}

/* Creates path exclusively with mode and writes text; removes it again on failure. */
static int write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        pack_warn("%s: cannot create: %s%s", path, strerror(errno),
                  errno == EEXIST ? " (remove it first; keys are never overwritten)" : "");
        return 2;
    }
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        pack_warn("%s: write failed: %s", path, strerror(errno));
        unlink(path);
        return 2;
    }
    return 0;
}

static int keygen_write(const char *name, bool plain, const char *pwfile)
{
    quire_seckey *sk = NULL;
    quire_pubkey pk;
    quire_error err;
    char *pw = NULL, *sktext = NULL, pubtext[256], hex[17];
    size_t nlen = strlen(name);
    char *skpath = malloc(nlen + 5), *pkpath = malloc(nlen + 5);
    int rc = 2;

    if (skpath == NULL || pkpath == NULL)
        goto out;
    snprintf(skpath, nlen + 5, "%s.key", name);
    snprintf(pkpath, nlen + 5, "%s.pub", name);
    if (!plain && (pw = pack_passphrase(pwfile, true)) == NULL)
        goto out;
    if (quire_keypair_generate(&sk, &pk, &err) != QUIRE_OK ||
        quire_seckey_encode(sk, pw, crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE,
                            crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE, &sktext,
                            &err) != QUIRE_OK) {
        pack_warn("%s: %s", skpath, err.msg);
        goto out;
    }
    quire_pubkey_encode(&pk, pubtext, sizeof pubtext);
    if (write_new(skpath, sktext, 0600) != 0)
        goto out;
    if (write_new(pkpath, pubtext, 0644) != 0) {
        unlink(skpath);
        goto out;
    }
    quire_key_id_hex(pk.key_id, hex);
    printf("%s\n", hex);
    fputs("secret key: ", stderr);
    cli_escape_str(stderr, skpath, strlen(skpath), 0);
    fputs("\npublic key: ", stderr);
    cli_escape_str(stderr, pkpath, strlen(pkpath), 0);
    fprintf(stderr, "\nkey id: %s\n", hex);
    rc = 0;
out:
    if (sktext != NULL) {
        sodium_memzero(sktext, strlen(sktext));
        free(sktext);
    }
    if (pw != NULL)
        sodium_free(pw);
    quire_seckey_free(sk);
    free(skpath);
    free(pkpath);
    return rc;
}

int pack_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"without-passphrase", no_argument, NULL, 'W'},
                                         {"passphrase-file", required_argument, NULL, 'P'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *name = NULL, *pwfile = NULL;
    bool plain = false;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:Wh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            name = optarg;
            break;
        case 'W':
            plain = true;
            break;
        case 'P':
            pwfile = optarg;
            break;
        case 'h':
            pack_usage(stdout, true);
            return 0;
        default:
            return pack_bad_option("keygen", argv, c);
        }
    }
    if (name == NULL || optind != argc) {
        pack_warn(name == NULL ? "keygen: -o NAME is required" : "keygen: unexpected argument");
        pack_usage(stderr, false);
        return 2;
    }
    return keygen_write(name, plain, pwfile);
}
