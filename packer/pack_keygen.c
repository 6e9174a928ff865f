/* SPDX-License-Identifier: ISC */
/* pack_keygen.c: quire-pack keygen, minisign-compatible key pairs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_cleanup.h"
#include "cli_escape.h"
#include "pack.h"

#define PASSPHRASE_MAX 1024

enum { LINE_OK, LINE_LONG, LINE_ERROR };

/* Reads one line into buf (secure memory) from fd, without the newline (nor a CR before it).
 * Returns LINE_OK (end of file ends the line too), LINE_LONG or LINE_ERROR with errno set. It
 * reads byte by byte so that nothing after the line is consumed (stdin may be shared). */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return LINE_ERROR;
        if (r == 0 || c == '\n')
            break;
        if (n + 1 >= cap)
            return LINE_LONG;
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return LINE_OK;
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
    ok = write(tty, text, strlen(text)) >= 0 && read_line(tty, buf, cap) == LINE_OK;
    tcsetattr(tty, TCSAFLUSH, &old);
    if (write(tty, "\n", 1) < 0)
        ok = false;
    return ok;
}

/* An empty passphrase is refused wherever it comes from: one accepted at the terminal could
 * never be given through --passphrase-file, and an encrypted key with no passphrase protects
 * nothing. src names the file, or is NULL for the terminal. */
static void empty_refused(const char *src, bool keygen)
{
    const char *hint = keygen ? " (-W makes a key without one)" : "";
    if (src != NULL)
        pack_warn("%s: the passphrase is empty%s", src, hint);
    else
        pack_warn("the passphrase is empty%s", hint);
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
    if (ok && pw[0] == '\0') {
        empty_refused(NULL, confirm);
        ok = false;
    }
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

/* The first line of file, or of standard input for "-". */
static char *passphrase_from_file(const char *file, bool confirm, char *pw)
{
    bool in = strcmp(file, "-") == 0;
    const char *name = in ? "standard input" : file;
    int fd = in ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pack_warn("%s: cannot open passphrase file: %s", file, strerror(errno));
        return NULL;
    }
    int rc = read_line(fd, pw, PASSPHRASE_MAX);
    int e = errno;
    if (!in)
        close(fd);
    if (rc == LINE_ERROR)
        pack_warn("%s: cannot read the passphrase: %s", name, strerror(e));
    else if (rc == LINE_LONG)
        pack_warn("%s: the passphrase (the first line) is longer than %d bytes", name,
                  PASSPHRASE_MAX - 1);
    else if (pw[0] == '\0')
        empty_refused(name, confirm);
    return rc == LINE_OK && pw[0] != '\0' ? pw : NULL;
}

char *pack_passphrase(const char *file, bool confirm, bool quiet)
{
    char *pw = sodium_malloc(PASSPHRASE_MAX);
    if (pw == NULL) {
        pack_warn("out of secure memory");
        return NULL;
    }
    if ((file == NULL ? passphrase_from_tty(confirm, pw)
                      : passphrase_from_file(file, confirm, pw)) == NULL) {
        sodium_free(pw);
        return NULL;
    }
    /* scrypt with the SENSITIVE limits runs for seconds right after this: say why nothing
     * seems to happen (minisign does the same). */
    if (!quiet)
        fputs("deriving a key from the passphrase...\n", stderr);
    return pw;
}

/* The key files and the directories made for them, registered with cli_cleanup from the
 * moment they exist until the keys are written. */
typedef struct keygen_out {
    char *path[2]; /* NAME.key, NAME.pub */
    int fd[2];
    int handle[2];
    int *dirs; /* cli_cleanup handles of the directories made */
    size_t ndirs;
} keygen_out;

/* Creates the missing directories above name with mode 0700 (they are about to hold a secret
 * key; minisign makes ~/.minisign so), each registered so that a failure or a signal before
 * the keys are written removes it again. Returns 0 or 2 after a message. */
static int make_parents(const char *name, keygen_out *k)
{
    size_t slashes = 0;
    for (const char *p = name; *p != '\0'; p++)
        slashes += *p == '/';
    char *dir = strdup(name);
    char *last = dir != NULL ? strrchr(dir, '/') : NULL;
    int rc = 0;
    if (dir == NULL || (k->dirs = malloc((slashes + 1) * sizeof *k->dirs)) == NULL) {
        pack_warn("out of memory");
        free(dir);
        return 2;
    }
    for (char *p = dir + 1; last != NULL && p <= last && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        sigset_t old;
        cli_cleanup_hold(&old); /* no signal between the mkdir and its registration */
        int made = mkdir(dir, 0700) == 0, e = errno;
        if (made)
            k->dirs[k->ndirs++] = cli_cleanup_add(AT_FDCWD, dir, CLI_TMP_DIR);
        cli_cleanup_release(&old);
        errno = e;
        if (!made && errno != EEXIST) {
            pack_warn("%s: cannot create the directory: %s", dir, strerror(errno));
            rc = 2;
        }
        *p = '/';
    }
    free(dir);
    return rc;
}

/* Creates path exclusively with mode, empty, and registers it. Existing files are refused:
 * keys are never overwritten. */
static int create_excl(keygen_out *k, int i, mode_t mode)
{
    sigset_t old;
    cli_cleanup_hold(&old); /* no signal between the creation and the registration */
    k->fd[i] = open(k->path[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (k->fd[i] >= 0)
        k->handle[i] = cli_cleanup_add(AT_FDCWD, k->path[i], CLI_TMP_FILE);
    int e = errno;
    cli_cleanup_release(&old);
    errno = e;
    if (k->fd[i] < 0) {
        pack_warn("%s: cannot create: %s%s", k->path[i], strerror(errno),
                  errno == EEXIST ? " (remove it first; keys are never overwritten)" : "");
        return 2;
    }
    return 0;
}

/* Everything that can be checked before the passphrase is asked for and scrypt runs: the
 * names, the directories (made if missing), and that both files can be created. */
static int keygen_open(const char *name, keygen_out *k)
{
    size_t nlen = strlen(name);
    if (nlen == 0 || name[nlen - 1] == '/') {
        pack_warn("keygen: -o NAME must name the key files (NAME.key, NAME.pub), not a "
                  "directory");
        return 2;
    }
    for (int i = 0; i < 2; i++) {
        if ((k->path[i] = malloc(nlen + 5)) == NULL) {
            pack_warn("out of memory");
            return 2;
        }
        snprintf(k->path[i], nlen + 5, "%s%s", name, i == 0 ? ".key" : ".pub");
    }
    int rc = make_parents(name, k);
    if (rc == 0)
        rc = create_excl(k, 0, 0600);
    if (rc == 0)
        rc = create_excl(k, 1, 0644);
    return rc;
}

static int write_key(keygen_out *k, int i, const char *text)
{
    size_t len = strlen(text);
    bool ok = write(k->fd[i], text, len) == (ssize_t)len && fsync(k->fd[i]) == 0;
    ok = close(k->fd[i]) == 0 && ok;
    k->fd[i] = -1;
    if (!ok)
        pack_warn("%s: write failed: %s", k->path[i], strerror(errno));
    return ok ? 0 : 2;
}

static void keygen_close(keygen_out *k, int rc)
{
    for (int i = 0; i < 2; i++) {
        if (k->fd[i] >= 0)
            close(k->fd[i]);
        free(k->path[i]);
    }
    if (rc != 0) {
        cli_cleanup_remove_all(); /* the files, then the directories, newest first */
    } else {
        for (int i = 0; i < 2; i++)
            cli_cleanup_done(k->handle[i]);
        for (size_t i = 0; i < k->ndirs; i++)
            cli_cleanup_done(k->dirs[i]);
    }
    free(k->dirs);
}

/* Prints where the keys are on stderr and the key id, once, on stdout (data a script may
 * keep). */
static void keygen_report(const keygen_out *k, const quire_pubkey *pk)
{
    char hex[17];
    fputs("secret key: ", stderr);
    cli_escape_str(stderr, k->path[0], strlen(k->path[0]), 0);
    fputs(" (keep it secret)\npublic key: ", stderr);
    cli_escape_str(stderr, k->path[1], strlen(k->path[1]), 0);
    fputs(" (give it to your readers)\n", stderr);
    quire_key_id_hex(pk->key_id, hex);
    printf("%s\n", hex);
}

static int keygen_write(const char *name, bool plain, const char *pwfile, bool quiet)
{
    keygen_out k = {.fd = {-1, -1}, .handle = {-1, -1}};
    quire_seckey *sk = NULL;
    quire_pubkey pk;
    quire_error err;
    char *pw = NULL, *sktext = NULL, pubtext[256];
    int rc = keygen_open(name, &k);

    if (rc != 0)
        goto out;
    rc = 2;
    if (!plain && (pw = pack_passphrase(pwfile, true, quiet)) == NULL)
        goto out;
    if (quire_keypair_generate(&sk, &pk, &err) != QUIRE_OK ||
        quire_seckey_encode(sk, pw, crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE,
                            crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE, &sktext,
                            &err) != QUIRE_OK) {
        pack_warn("%s: %s", k.path[0], err.msg);
        goto out;
    }
    quire_pubkey_encode(&pk, pubtext, sizeof pubtext);
    if (write_key(&k, 0, sktext) != 0 || write_key(&k, 1, pubtext) != 0)
        goto out;
    keygen_report(&k, &pk);
    rc = 0;
out:
    keygen_close(&k, rc);
    if (sktext != NULL) {
        sodium_memzero(sktext, strlen(sktext));
        free(sktext);
    }
    if (pw != NULL)
        sodium_free(pw);
    quire_seckey_free(sk);
    return rc;
}

int pack_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"without-passphrase", no_argument, NULL, 'W'},
                                         {"passphrase-file", required_argument, NULL, 'P'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *name = NULL, *pwfile = NULL;
    bool plain = false, quiet = false;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:Wqh", opts, NULL)) != -1) {
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
        case 'q':
            quiet = true;
            break;
        case 'h':
            pack_usage(stdout, NULL, true);
            return 0;
        default:
            return pack_bad_option("keygen", argv, c);
        }
    }
    if (name == NULL || optind != argc) {
        pack_warn(name == NULL ? "keygen: -o NAME is required" : "keygen: unexpected argument");
        pack_usage(stderr, "keygen", false);
        return 2;
    }
    /* From here on the key files and the directories made for them are registered with
     * cli_cleanup, which removes them on SIGINT, SIGTERM and SIGHUP (as at the prompt). */
    if (cli_cleanup_install() != 0) {
        pack_warn("cannot install the signal handlers: %s", strerror(errno));
        return 2;
    }
    return keygen_write(name, plain, pwfile, quiet);
}
