/* SPDX-License-Identifier: ISC */
/* pack_main.c: quire-pack, the bundle packer. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli_distance.h"
#include "cli_escape.h"
#include "pack.h"

/* The synopsis of each command; the continuation lines line up after "usage: " or its indent. */
static const char keygen_usage[] = "quire-pack keygen [-Wq] [--passphrase-file FILE] -o NAME\n";
static const char create_usage[] =
    "quire-pack create -k KEY -o OUT.quire [-m BUNDLE.json] [-s SOURCES.json]\n"
    "                         [-t COMMENT] [-l LEVEL] [-j THREADS] [--passphrase-file FILE]\n"
    "                         [--force] [--supersedes OLD.quire] [--keep-records]\n"
    "                         [-L | --skip-links] [--exclude PATTERN]... [-a ARCHIVE]...\n"
    "                         [INPUT...]\n";
static const char timestamp_usage[] =
    "quire-pack timestamp request BUNDLE -o REQ.tsq [--force]\n"
    "       quire-pack timestamp attach [-q REQ.tsq] [--tsa-ca CA.pem]... [-o OUT.quire]\n"
    "                                   BUNDLE REPLY.tsr\n";
static const char sign_usage[] =
    "quire-pack sign -k KEY (-p PUB | -P PUBKEY)... [-o OUT.quire] [-t COMMENT]\n"
    "                       [--passphrase-file FILE] [-q] BUNDLE\n";
static const char rotate_usage[] =
    "quire-pack rotate -k OLD.key --new-key NEW.key -o FILE [--date DATE] [-t COMMENT]\n"
    "                         [--passphrase-file FILE] [--new-passphrase-file FILE] [-f] [-q]\n";
static const char revoke_usage[] =
    "quire-pack revoke -k KEY [--revoked PUB] -o FILE [--date DATE] [-t COMMENT]\n"
    "                         [--passphrase-file FILE] [-f] [-q]\n";

static const char help[] =
    "Pack documents, their provenance and collection metadata into one signed bundle.\n"
    "\n"
    "commands:\n"
    "  keygen   make a key pair NAME.key (secret, mode 0600) and NAME.pub (public) and\n"
    "           print the key id; missing directories in NAME are made (mode 0700);\n"
    "           existing key files are never replaced; the secret key is encrypted\n"
    "           with a passphrase (not empty) unless -W is given\n"
    "  create   pack files and directories INPUT... into OUT.quire, signed with KEY;\n"
    "           OUT is replaced only once the new bundle is complete and on disk, and\n"
    "           only if it is a quire bundle (or --force is given)\n"
    "  timestamp request: write an RFC 3161 time-stamp request (SHA-256 of the bundle's\n"
    "           signed statement, a random nonce, certReq) to carry to a machine that can\n"
    "           reach a time-stamping authority; attach: check that the authority's reply\n"
    "           answers it (status, imprint, and with -q the nonce) and add its token to the\n"
    "           bundle, which keeps its signed bytes, fingerprint and signatures\n"
    "  sign     add a co-signature by KEY to BUNDLE: BUNDLE is verified first with the\n"
    "           keys of -p and -P (every signature by them, every stored byte), a key\n"
    "           that already signed it (the same public key) is refused, and the new\n"
    "           bundle is verified again before it replaces BUNDLE (or is written to\n"
    "           OUT); the signed statement and the fingerprint (printed) do not change\n"
    "  rotate   write a rotation statement (SPEC 14), signed by OLD.key and NEW.key: a\n"
    "           reader that trusts OLD then trusts NEW; put FILE in the trusted-keys\n"
    "           directory of your readers, or give it to quire-read --key-statement\n"
    "  revoke   write a revocation statement, signed by KEY, of KEY's own public key or\n"
    "           of --revoked PUB (a key of KEY's chain): readers no longer trust bundles\n"
    "           it signed, unless a trusted timestamp proves them older than DATE\n"
    "\n"
    "options:\n"
    "  -o NAME, --output NAME      key name (keygen), bundle path (create, sign) or\n"
    "                              statement file (rotate, revoke)\n"
    "  -W, --without-passphrase    keygen: store the secret key unencrypted (tests only)\n"
    "  -k KEY, --key KEY           create, sign, rotate, revoke: the secret key file\n"
    "  -m FILE, --metadata FILE    create: collection metadata, a JSON object (a key that\n"
    "                              no tool knows is packed, with a warning)\n"
    "  -a FILE, --archive FILE     create: pack the files inside a tar (any compression),\n"
    "                              zip or 7z archive, under their names in it (repeatable);\n"
    "                              a web capture (.warc, .warc.gz, .wacz): each HTTP(S)\n"
    "                              page as HOST/PATH, its URL, date and media type from\n"
    "                              the WARC as provenance\n"
    "  --keep-records              create: keep each captured page's WARC record as its\n"
    "                              original (PAGE.warc)\n"
    "  -s FILE, --sources FILE     create: provenance, a CSL-JSON array; each item names\n"
    "                              its documents in \"quire-files\" (bundle paths), else\n"
    "                              is matched by its \"file\", URL or title (a Zotero\n"
    "                              export); unmatched items and documents are listed\n"
    "  -t TEXT, --comment TEXT     create, sign, rotate, revoke: the signed trusted\n"
    "                              comment\n"
    "  -l N, --level N             create: deflate level 0-12 (default 8; 0 stores)\n"
    "  -j N, --threads N           create: deflate with N threads (default: one per CPU);\n"
    "                              the bundle is the same whatever N is\n"
    "  --passphrase-file FILE      read the passphrase from FILE's first line (- reads it\n"
    "                              from standard input) instead of the terminal\n"
    "  -q, --quiet                 no \"deriving a key\" note; create: no progress meter\n"
    "                              (shown only on a terminal)\n"
    "  --force                     create: replace OUT even if it is not a quire bundle;\n"
    "                              rotate, revoke (also -f): replace FILE\n"
    "  --supersedes OLD.quire      create: record OLD's fingerprint as \"supersedes\"; OLD\n"
    "                              must be signed with KEY (its signature is checked)\n"
    "  -L, --follow-symlinks       create: store what each symbolic link points to, as a\n"
    "                              file (in an archive: only to another of its members)\n"
    "  --skip-links                create: leave symbolic links out, and say how many\n"
    "  --exclude PATTERN           create: leave out bundle paths matching PATTERN (a\n"
    "                              name without '/' matches any component, one with '/'\n"
    "                              the path; a directory with all below it; repeatable)\n"
    "  -q FILE, --request FILE     timestamp attach: the request the reply answers (its\n"
    "                              nonce is then checked)\n"
    "  --tsa-ca FILE               timestamp attach: attach only a token whose authority\n"
    "                              chains to a certificate of FILE (PEM; repeatable)\n"
    "  -p FILE, --pubkey FILE      sign: a public key the bundle must verify under\n"
    "                              (repeatable)\n"
    "  -P PUBKEY                   sign: the same, given as the base64 line of a minisign\n"
    "                              public key (as minisign -P)\n"
    "  --new-key FILE              rotate: the new secret key\n"
    "  --new-passphrase-file FILE  rotate: the passphrase of the new key\n"
    "  --revoked FILE              revoke: the public key to revoke (default: KEY's own)\n"
    "  --date DATE                 rotate, revoke: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC\n"
    "                              (default: now); a revocation applies from DATE on\n"
    "  -h, --help                  show this help\n"
    "  -V, --version               show the version\n"
    "\n"
    "A directory INPUT is packed under its own name (docs/ gives docs/a.txt); a file under\n"
    "its base name. Symbolic links are refused unless -L or --skip-links is given; a hard\n"
    "link is stored as its content under each name; devices, fifos and sockets are refused.\n"
    "SOURCE_DATE_EPOCH, when set, is recorded as the creation time; nothing else depends on\n"
    "the clock.\n"
    "\n"
    "exit status: 0 success, 1 a bundle failed a check, 2 usage or operational error\n"
    "\n"
    "example:\n"
    "  quire-pack keygen -o publisher\n"
    "  quire-pack create -k publisher.key -o dossier.quire -m bundle.json docs/\n"
    "  quire-pack timestamp request dossier.quire -o dossier.tsq\n"
    "  curl --data-binary @dossier.tsq -H 'Content-Type: application/timestamp-query' \\\n"
    "       -o dossier.tsr https://TSA\n"
    "  quire-pack timestamp attach -q dossier.tsq dossier.quire dossier.tsr\n"
    "  quire-pack sign -k reviewer.key -p publisher.pub dossier.quire\n"
    "  quire-pack rotate -k publisher.key --new-key publisher-2027.key -o 2027.rotation\n";

static const struct {
    const char *name, *usage;
    int (*fn)(int, char **);
} pack_cmds[] = {
    {"keygen", keygen_usage, pack_keygen}, {"create", create_usage, pack_create},
    {"sign", sign_usage, pack_sign},       {"rotate", rotate_usage, pack_rotate},
    {"revoke", revoke_usage, pack_revoke}, {"timestamp", timestamp_usage, pack_timestamp}};
#define NPACK_CMDS (sizeof pack_cmds / sizeof pack_cmds[0])

void pack_usage(FILE *f, const char *cmd, bool full)
{
    size_t one = NPACK_CMDS;
    for (size_t i = 0; cmd != NULL && i < NPACK_CMDS; i++)
        if (strcmp(cmd, pack_cmds[i].name) == 0)
            one = i;
    if (one < NPACK_CMDS) {
        fputs("usage: ", f);
        fputs(pack_cmds[one].usage, f);
    } else {
        for (size_t i = 0; i < NPACK_CMDS; i++)
            fprintf(f, "%s%s", i == 0 ? "usage: " : "       ", pack_cmds[i].usage);
        fputs("       quire-pack --help | --version\n", f);
    }
    if (full) {
        fputc('\n', f);
        fputs(help, f);
    }
}

int pack_bad_option(const char *cmd, char **argv, int c)
{
    if (c == ':')
        pack_warn("%s: option %s needs an argument", cmd, argv[optind - 1]);
    else if (optopt != 0)
        pack_warn("%s: unknown option -%c", cmd, optopt);
    else
        pack_warn("%s: unknown option %s", cmd, argv[optind - 1]);
    pack_usage(stderr, cmd, false);
    return 2;
}

/* The whole message goes through cli_escape: it names files found in directories and entries
 * of archives, and any of those names (or a library message quoting one) may hold terminal
 * controls, bidirectional overrides or invalid UTF-8 (issue 11, finding 2). Text of our own is
 * plain and passes unchanged. */
void pack_warn(const char *fmt, ...)
{
    char small[512], *text = small;
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0)
        snprintf(small, sizeof small, "(a message could not be formatted: %s)", fmt);
    else if ((size_t)n >= sizeof small && (text = malloc((size_t)n + 1)) != NULL)
        vsnprintf(text, (size_t)n + 1, fmt, again);
    else if (text == NULL)
        text = small; /* out of memory: the message cut short */
    va_end(again);
    va_end(ap);
    fputs(PROG ": ", stderr);
    cli_escape_str(stderr, text, strlen(text), 0);
    fputc('\n', stderr);
    if (text != small)
        free(text);
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        pack_warn("no command given");
        pack_usage(stderr, NULL, false);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        pack_usage(stdout, NULL, true);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("quire-pack %s (format %d)\n", QUIRE_VERSION_STRING, QUIRE_FORMAT_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NPACK_CMDS; i++)
        if (strcmp(cmd, pack_cmds[i].name) == 0)
            return pack_cmds[i].fn(argc - 1, argv + 1);
    /* the nearest command, within two edits or as a prefix ("cr"), and its usage */
    const char *best = NULL;
    size_t best_d = 3, n = strlen(cmd);
    for (size_t i = 0; i < NPACK_CMDS; i++) {
        size_t len = strlen(pack_cmds[i].name);
        size_t d = cli_distance(cmd, n, pack_cmds[i].name, len, 2);
        if (n >= 2 && n < len && strncmp(cmd, pack_cmds[i].name, n) == 0)
            d = 1;
        if (d < best_d)
            best = pack_cmds[i].name, best_d = d;
    }
    if (best != NULL)
        pack_warn("unknown command '%s': did you mean '%s'?", cmd, best);
    else
        pack_warn("unknown command '%s'", cmd);
    pack_usage(stderr, best, false);
    return 2;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        pack_warn("libsodium failed to initialise");
        return 2;
    }
    /* Past a file size limit, let write() fail with EFBIG so the error path removes the
     * temporary file, instead of being killed with it still there. */
    signal(SIGXFSZ, SIG_IGN);
    int rc = run(argc, argv);
    /* Output that did not reach stdout (a full disk, a closed pipe) is a failure. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
        pack_warn("stdout: write error: %s", strerror(errno));
        rc = 2;
    }
    return rc;
}
