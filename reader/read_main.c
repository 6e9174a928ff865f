/* SPDX-License-Identifier: ISC */
/* read_main.c: quire-read, the verifying reader. Only the read path of the format library is
 * linked here. */
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli_distance.h"
#include "read.h"
#include "read_tsa.h"
#include "read_trust.h"

typedef int (*cmd_fn)(const read_opts *, int, char **);

/* The options besides -p, --any-signer and --help (which every command takes), as bits: each
 * command lists those it accepts, and refuses the others by name rather than ignore them. */
enum {
    OPT_JSON = 1 << 0,
    OPT_LONG = 1 << 1,
    OPT_DIR = 1 << 2,
    OPT_FORCE = 1 << 3,
    OPT_QUIET = 1 << 4,
    OPT_FORMAT = 1 << 5,
    OPT_NO_PAGER = 1 << 6,
    OPT_NO_SYNC = 1 << 7,
    OPT_META = 1 << 8,
    OPT_QUICK = 1 << 9,
    OPT_KEEP_GOING = 1 << 10,
    OPT_TEXT = 1 << 11,
    OPT_SOURCES = 1 << 12,
    OPT_WORDS = 1 << 13,
    OPT_PATH = 1 << 14,
    OPT_OUTPUT = 1 << 15,
    OPT_RECEIPT = 1 << 16,
    OPT_NEED = 1 << 17,
    OPT_SERVE = 1 << 18,  /* --port, --listen, --allow-scripts */
    OPT_TSA_CA = 1 << 20, /* verify, info: --tsa-ca (read_tsa.c) */
};

/* Options with no short form, as getopt_long codes beyond any character. */
#define LONG_TSA_CA 0x200
#define LONG_PORT 0x201
#define LONG_LISTEN 0x202
#define LONG_ALLOW_SCRIPTS 0x203

typedef struct command {
    const char *name;
    cmd_fn fn;
    unsigned opts;
    const char *synopsis; /* after "quire-read NAME" */
} command;

static const command commands[] = {
    {"verify", cmd_verify, OPT_NEED | OPT_JSON | OPT_QUIET | OPT_QUICK | OPT_NO_PAGER | OPT_TSA_CA,
     "[-p PUB]... [--any-signer] [--tsa-ca CA.pem]... [--json] [-q] [--quick] BUNDLE..."},
    {"info", cmd_info, OPT_NEED | OPT_JSON | OPT_NO_PAGER | OPT_SOURCES | OPT_TSA_CA,
     "[-p PUB]... [--any-signer] [--tsa-ca CA.pem]... [--json] BUNDLE [PATH] | --sources "
     "BUNDLE"},
    {"list", cmd_list, OPT_NEED | OPT_LONG | OPT_JSON | OPT_NO_PAGER,
     "[-p PUB]... [--any-signer] [-l] [--json] BUNDLE... [PATTERN...]"},
    {"show", cmd_show, OPT_NEED | OPT_TEXT | OPT_NO_PAGER,
     "[-p PUB]... [--any-signer] [--text] BUNDLE PATH"},
    {"extract", cmd_extract,
     OPT_NEED | OPT_DIR | OPT_FORCE | OPT_QUIET | OPT_NO_SYNC | OPT_KEEP_GOING,
     "[-p PUB]... [--any-signer] [-C DIR] [--force] [--keep-going] BUNDLE [PATTERN...]"},
    {"cite", cmd_cite, OPT_NEED | OPT_FORMAT | OPT_RECEIPT | OPT_NO_PAGER,
     "[-p PUB]... [--any-signer] [--format text|bibtex|csl-json] [--receipt] BUNDLE PATH"},
    {"quote", cmd_quote, OPT_NEED | OPT_JSON | OPT_NO_PAGER,
     "[-p PUB]... [--any-signer] [--json] BUNDLE PATH \"TEXT\""},
    {"search", cmd_search, OPT_NEED | OPT_JSON | OPT_WORDS | OPT_PATH | OPT_NO_PAGER,
     "[-p PUB]... [--any-signer] [--json] [-w] [--path PREFIX] BUNDLE QUERY"},
    {"diff", cmd_diff, OPT_NEED | OPT_JSON | OPT_TEXT | OPT_NO_PAGER,
     "[-p PUB]... [--any-signer] [--json] [--text] OLD.quire NEW.quire"},
    {"export", cmd_export, OPT_NEED | OPT_FORMAT | OPT_META | OPT_FORCE | OPT_QUIET | OPT_NO_SYNC,
     "[-p PUB]... [--any-signer] [--format FMT] [--with-metadata] [-f] [-q] BUNDLE OUT"},
    {"receipt", cmd_receipt, OPT_NEED | OPT_OUTPUT | OPT_FORCE,
     "[-p PUB]... [-o FILE] [--force] BUNDLE PATH"},
    {"check-receipt", cmd_check_receipt, OPT_JSON, "[-p PUB]... [--json] RECEIPT [FILE]"},
    {"serve", cmd_serve, OPT_NEED | OPT_SERVE,
     "[-p PUB]... [--any-signer] [--port N] [--listen ADDR] [--allow-scripts] BUNDLE..."},
    {"keys", cmd_keys, OPT_JSON, "[-p PUB | -P PUBKEY]... [--key-statement FILE]... [--json]"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* The command being run, once known: a usage error shows its synopsis only. */
static const command *current;

static void put_synopsis(FILE *f, const command *c, const char *lead)
{
    fprintf(f, "%s quire-read %-7s %s\n", lead, c->name, c->synopsis);
}

static void put_usage(FILE *f)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        put_synopsis(f, &commands[i], i == 0 ? "usage:" : "      ");
    fputs("       quire-read --help | --version\n", f);
}

static const char help[] =
    "Check a quire bundle's signature and hashes, then read it. Nothing is shown or written\n"
    "before the bytes it comes from have been checked.\n"
    "\n"
    "commands:\n"
    "  verify   check the signature and every stored byte, then inflate and hash every\n"
    "           document; exit 0 only if all is intact (--quick: stored hashes only);\n"
    "           with several bundles, one line each and the worst exit status\n"
    "  info     the collection metadata, signer, trusted comment and fingerprint, or one\n"
    "           document's provenance; --sources: every document's provenance as a\n"
    "           CSL-JSON sources file that rebuilds the bundle (quire-pack create -s)\n"
    "  list     the documents (those matching a PATTERN or under a directory), one per\n"
    "           line, prefixed with BUNDLE: when there are several bundles (every argument\n"
    "           ending in .quire is one); -l: role, media type, size, P if it has\n"
    "           provenance, path and title, then a total\n"
    "  show     write one document to stdout (escaped when stdout is a terminal; a binary\n"
    "           document is not written to a terminal); --text: the text of a PDF\n"
    "  extract  write documents (all, or the PATHs and directories named) under DIR\n"
    "  cite     a citation of a verified document: source URL, retrieval date, SHA-256 of\n"
    "           its content, bundle fingerprint and signer (--receipt: with its receipt)\n"
    "  quote    check that a passage is in a document (white space, Unicode form, typographic\n"
    "           quotes, dashes, \"--\", pilcrows and zero-width characters do not matter; case\n"
    "           and words do); exit 3, the closest passage and its first differing word if\n"
    "           not; HTML is matched on the text a reader sees (no navigation or scripts)\n"
    "  search   find QUERY in every document's text, ignoring case and Unicode form (\"STRASSE\"\n"
    "           finds \"straße\"); a binary document that matches is named; exit 3 if none\n"
    "  diff     documents added, removed and changed between two snapshots, and whether NEW\n"
    "           declares that it supersedes OLD\n"
    "  export   write the verified documents into an archive OUT, its format from the\n"
    "           name (.tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .zip) unless --format says\n"
    "           (--with-metadata: also quire-metadata.json and manifest-sha256.txt)\n"
    "  receipt  a citation receipt for one document, once its content has verified: its\n"
    "           record, the signed statement and the proof that ties them, checkable\n"
    "           without the bundle (SPEC 10); needs a trusted signer, never --any-signer\n"
    "  check-receipt\n"
    "           check a receipt offline with the trusted keys, and with FILE (- for\n"
    "           standard input) that FILE is the document it certifies; shows the path,\n"
    "           SHA-256, size, source, retrieval date, bundle fingerprint, signer and entry\n"
    "  serve    an HTTP server for reading bundles in a browser: each document sent only\n"
    "           once verified, with the bundle's metadata, provenance, citations, receipts,\n"
    "           a quote check and search; prints its URL first, runs until SIGINT or SIGTERM\n"
    "  keys     the trusted keys (file, key id, comment), those trusted through rotation\n"
    "           statements and the revoked ones; unusable key files are warned about\n"
    "\n"
    "options:\n"
    "  -p FILE, --pubkey FILE   trust this minisign public key (repeatable); without -p,\n"
    "                           every *.pub in $QUIRE_TRUSTED_KEYS (default\n"
    "                           $XDG_CONFIG_HOME/quire/trusted or ~/.config/quire/trusted)\n"
    "  --tsa-ca FILE            verify, info: trust the PEM certificates in FILE as\n"
    "                           time-stamping authorities (repeatable); without it, every\n"
    "                           *.pem in $QUIRE_TRUSTED_TSA (default: tsa/ in the\n"
    "                           trusted-keys directory); tokens are checked offline\n"
    "  -P PUBKEY                trust the key given as the base64 line of a minisign\n"
    "                           public key (as minisign -P; repeatable, with or without -p)\n"
    "  --key-statement FILE     a key rotation or revocation statement (SPEC 14) to\n"
    "                           follow, besides the *.rotation and *.revocation files of\n"
    "                           the trusted-keys directory (repeatable)\n"
    "  --need N                 require valid signatures by N distinct trusted keys (a key\n"
    "                           and those it rotated to count once); default 1\n"
    "  --any-signer             do not require a trusted signature: no signature is\n"
    "                           checked, only that every byte matches the index (which\n"
    "                           anyone could have made); stderr says so\n"
    "  --json                   machine-readable output (verify, info, list, quote,\n"
    "                           search, diff, check-receipt); refused by the other\n"
    "                           commands, as is any option a command does not take\n"
    "  -l, --long               list: role, media type, size, provenance and title\n"
    "  -C DIR, --directory DIR  extract: write under DIR (default: .)\n"
    "  -f, --force              extract, export, receipt: replace existing files\n"
    "  -o FILE, --output FILE   receipt: write to FILE (under a temporary name beside it,\n"
    "                           renamed once complete) instead of standard output\n"
    "  --receipt                cite: add the receipt (text: a last line \"receipt:\";\n"
    "                           bibtex: in note; csl-json: the member quire-receipt)\n"
    "  --keep-going             extract: write every document that verifies, name each\n"
    "                           one that does not, and exit 1 if any did not\n"
    "  --text                   diff: a unified diff of each changed text document;\n"
    "                           show: the text of a PDF, once it has verified\n"
    "  --sources                info: the provenance as a sources file (CSL-JSON)\n"
    "  -w, --words              search: whole words only\n"
    "  --path PREFIX            search: only documents whose path starts with PREFIX\n"
    "  --no-sync                extract, export: do not wait for the data to reach the disk\n"
    "                           before renaming (faster; after a power failure a file may\n"
    "                           be empty)\n"
    "  -q, --quiet              verify, extract, export: no report and no progress\n"
    "                           meter (the meter is shown only when stderr is a terminal)\n"
    "  --format FORMAT          cite: text (default), bibtex or csl-json; export: tar,\n"
    "                           tar.gz, tar.zst, tar.xz or zip\n"
    "  --with-metadata          export: add provenance and a sha256sum -c manifest\n"
    "  --port N                 serve: listen on port N (default 8080; 0: any free port)\n"
    "  --listen ADDR            serve: listen on this IP address instead of loopback\n"
    "                           (127.0.0.1 and ::1); anyone who can reach it can read\n"
    "  --allow-scripts          serve: let documents run their scripts (still sandboxed,\n"
    "                           still loading nothing from outside the server)\n"
    "  --no-pager               never page output (by default long output to a terminal\n"
    "                           goes through $PAGER, or less; if it cannot run, the\n"
    "                           output goes to the terminal with a warning)\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n"
    "\n"
    "exit status: 0 success; 1 the bundle failed verification, is malformed or untrusted\n"
    "(check-receipt: the receipt did, or FILE is not its document); 2 usage or operational\n"
    "error; 3 verified, and the answer is no (quote: not found, search: no match, diff: the\n"
    "documents differ)\n"
    "\n"
    "examples:\n"
    "  quire-read verify -p publisher.pub dossier.quire\n"
    "  quire-read show -p publisher.pub dossier.quire docs/report.txt | less\n"
    "  quire-read extract -p publisher.pub -C out dossier.quire\n"
    "  quire-read quote -p publisher.pub dossier.quire docs/report.txt \"the exact words\"\n"
    "  quire-read receipt -p publisher.pub -o report.receipt dossier.quire docs/report.txt\n"
    "  quire-read check-receipt -p publisher.pub report.receipt report.txt\n"
    "  quire-read serve -p publisher.pub dossier.quire\n";

/* With --json, the first failure is also written to stdout as {"error": {...}}, so that a
 * script reading stdout gets a JSON document whatever happens. */
static bool json_errors, json_error_done;
static bool noting; /* read_note: a note is not a failure and never the JSON error object */
static const quire_error *pending_err;
static json_t *json_collected; /* several bundles: their errors become members of this array */

void read_json_collect(json_t *arr)
{
    json_collected = arr;
    json_error_done = false;
}

static void json_error(const char *file, const char *msg)
{
    const quire_error *e = pending_err;
    json_t *o = file != NULL ? json_pack("{s:s, s:s}", "file", file, "message", msg)
                             : json_pack("{s:s, s:b}", "message", msg, "usage", 1);
    if (o == NULL)
        return;
    if (e != NULL && e->rule[0] != '\0')
        json_object_set_new(o, "rule", json_string(e->rule));
    if (e != NULL && e->entry >= 0)
        json_object_set_new(o, "entry", json_integer(e->entry));
    if (e != NULL && e->unit >= 0)
        json_object_set_new(o, "unit", json_integer(e->unit));
    if (e != NULL && e->signature >= 0)
        json_object_set_new(o, "signature", json_integer(e->signature));
    if (json_collected != NULL)
        json_array_append_new(json_collected, json_pack("{s:o}", "error", o));
    else
        out_json(json_pack("{s:o}", "error", o));
    json_error_done = true;
}

/* The message may quote the bundle (paths, metadata): it goes out through cli_escape. */
__attribute__((format(printf, 3, 0))) static void vfail(const quire_error *e, const char *file,
                                                        const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    const char *text = msg != NULL ? msg : "out of memory";
    fputs(PROG ": ", stderr);
    if (file != NULL) {
        cli_escape_str(stderr, file, strlen(file), 0);
        fputs(": ", stderr);
    }
    cli_escape_str(stderr, text, strlen(text), 0);
    fputc('\n', stderr);
    if (json_errors && !json_error_done && !out_json_written && !noting &&
        strncmp(text, "warning:", 8) != 0) {
        pending_err = e;
        json_error(file, text);
        pending_err = NULL;
    }
    free(msg);
    if (file == NULL && current != NULL) /* a usage error: show the synopsis */
        put_synopsis(stderr, current, "usage:");
    else if (file == NULL)
        put_usage(stderr);
}

void read_note(const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    noting = true;
    vfail(NULL, file, fmt, ap);
    noting = false;
    va_end(ap);
}

void read_fail(const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(NULL, file, fmt, ap);
    va_end(ap);
}

void read_fail_with(const quire_error *err, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, file, fmt, ap);
    va_end(ap);
}

void read_error(const char *file, const quire_error *err)
{
    read_fail_with(err, file, "%s", err->msg);
}

/* Reads up to n bytes from fd, retrying short reads; returns the count or -1. */
static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* BUNDLE "-": standard input is copied to an unnamed temporary file (TMPDIR), since the
 * reader needs random access; the copy is what gets verified and read. Its header is checked
 * first (SPEC 3), so other input is refused before anything is copied. Returns a path to the
 * copy (/proc/self/fd/N) or NULL after a message, with *code set. */
static const char *spool_stdin(int *code)
{
    static char path[64];
    uint8_t buf[65536];
    quire_error err;
    ssize_t n = read_full(STDIN_FILENO, buf, QUIRE_HEADER_BYTES);
    *code = 2;
    if (n < 0) {
        read_fail("-", "cannot read standard input: %s", strerror(errno));
        return NULL;
    }
    if (quire_header_check(buf, (size_t)n, &err) != QUIRE_OK) {
        read_error("-", &err);
        *code = quire_exit_code(err.code);
        return NULL;
    }
    const char *dir = getenv("TMPDIR");
    int fd = open(dir != NULL && *dir == '/' ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        read_fail("-", "cannot make a temporary file for standard input: %s", strerror(errno));
        return NULL;
    }
    do {
        if (write(fd, buf, (size_t)n) != n) {
            read_fail("-", "cannot copy standard input: %s", strerror(errno));
            close(fd);
            return NULL;
        }
    } while ((n = read_full(STDIN_FILENO, buf, sizeof buf)) > 0);
    if (n < 0) {
        read_fail("-", "cannot read standard input: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd); /* stays open until exit */
    *code = 0;
    return path;
}

/* SPEC 14.4: a bundle signed by a revoked key is still trusted when a trusted time-stamp
 * proves it older than the revocation. The time needs the statement authenticated, so this
 * second try authenticates with every trusted key, revoked ones too, then keeps the bundle
 * only if its signer's key was not revoked at that time. NULL otherwise. */
static quire_reader *open_before_revocation(const char *path, const char *entry, const read_opts *o,
                                            unsigned flags)
{
    quire_reader *r = NULL;
    quire_error err;
    uint64_t when;
    int rc = quire_reader_open(path, &r, &err);
    if (rc == QUIRE_OK)
        rc = entry != NULL
                 ? quire_reader_authenticate_path(r, o->keys, o->nkeys, flags, entry, &err)
                 : quire_reader_authenticate(r, o->keys, o->nkeys, flags, &err);
    const quire_pubkey *signer = rc == QUIRE_OK ? quire_reader_signer_key(r) : NULL;
    bool keep = signer != NULL && read_proven_time(r, o, &when);
    for (size_t k = 0; keep && k < o->nkeys; k++)
        if (memcmp(o->keys[k].pk, signer->pk, QUIRE_PUBKEY_BYTES) == 0 &&
            read_trust_revoked(o, k, true, when))
            keep = false;
    if (!keep) {
        quire_reader_close(r);
        return NULL;
    }
    return r;
}

/* Opens and authenticates BUNDLE (path); with entry, reads only the entry page that may hold
 * it (quire_reader_authenticate_path). */
static quire_reader *open_bundle(const char *path, const char *entry, const read_opts *o, int *code)
{
    quire_reader *r = NULL;
    quire_error err;
    const char *name = path;
    unsigned flags = o->any_signer ? QUIRE_ANY_SIGNER : 0;
    if (strcmp(path, "-") == 0 && (path = spool_stdin(code)) == NULL)
        return NULL;
    quire_pubkey *keys = NULL;
    size_t nkeys = 0;
    int rc = quire_reader_open(path, &r, &err);
    /* SPEC 14.4: the keys revoked for this bundle are not used */
    if (rc == QUIRE_OK && read_trust_keys_for(r, o, &keys, &nkeys) != 0)
        rc = quire_error_set(&err, QUIRE_E_NOMEM, "out of memory");
    if (rc == QUIRE_OK)
        rc = entry != NULL ? quire_reader_authenticate_path(r, keys, nkeys, flags, entry, &err)
                           : quire_reader_authenticate(r, keys, nkeys, flags, &err);
    free(keys);
    quire_reader *before = NULL;
    if (rc == QUIRE_E_UNTRUSTED && nkeys < o->nkeys &&
        (before = open_before_revocation(path, entry, o, flags)) != NULL) {
        quire_reader_close(r);
        r = before;
        rc = QUIRE_OK;
    }
    if (rc == QUIRE_E_UNTRUSTED && read_sigs_revoked(r, o, name))
        ; /* the message named the revoked key */
    else if (rc == QUIRE_E_UNTRUSTED)
        read_keys_untrusted(name, o, &err);
    else if (rc != QUIRE_OK)
        read_error(name, &err);
    if (rc == QUIRE_OK && (*code = read_sigs_need(r, o, name)) != 0)
        rc = QUIRE_E_UNTRUSTED;
    else if (rc != QUIRE_OK)
        *code = quire_exit_code(rc);
    if (rc != QUIRE_OK) {
        quire_reader_close(r);
        return NULL;
    }
    if (quire_reader_signer(r) == NULL)
        read_fail(name, "warning: signer NOT verified (--any-signer): no signature was checked, "
                        "anyone could have made this bundle");
    return r;
}

quire_reader *read_open(const char *path, const read_opts *o, int *code)
{
    return open_bundle(path, NULL, o, code);
}

quire_reader *read_open_entry(const char *path, const char *entry, const read_opts *o, uint32_t *i,
                              int *code)
{
    /* Standard input is read once: it gets the whole index at once. */
    quire_reader *r = open_bundle(path, strcmp(path, "-") != 0 ? entry : NULL, o, code);
    if (r == NULL)
        return NULL;
    const quire_index *idx = quire_reader_index(r);
    if (idx->partial && quire_index_find(idx, entry, i) == QUIRE_OK)
        return r;
    /* Another spelling of the path, or none: the whole index, for read_find's forms and
     * suggestions. */
    quire_error err;
    int rc = QUIRE_OK;
    quire_pubkey *keys = NULL;
    size_t nkeys = 0;
    if (idx->partial && read_trust_keys_for(r, o, &keys, &nkeys) != 0)
        rc = quire_error_set(&err, QUIRE_E_NOMEM, "out of memory");
    else if (idx->partial)
        rc = quire_reader_authenticate(r, keys, nkeys, o->any_signer ? QUIRE_ANY_SIGNER : 0, &err);
    free(keys);
    if (rc != QUIRE_OK) {
        read_error(path, &err);
        *code = quire_exit_code(rc);
    } else if ((*code = read_find(r, path, entry, i)) == 0) {
        return r;
    }
    quire_reader_close(r);
    return NULL;
}

/* The command named NAME; else a usage error, with the nearest command when one is near. */
static const command *find_cmd(const char *name)
{
    const command *best = NULL;
    size_t best_d = 3, n = strlen(name);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        size_t len = strlen(commands[i].name);
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
        size_t d = cli_distance(name, n, commands[i].name, len, 2);
        if (n >= 2 && n < len && strncmp(name, commands[i].name, n) == 0)
            d = 1; /* a prefix: "ver" */
        if (d < best_d)
            best = &commands[i], best_d = d;
    }
    if (best == NULL) {
        read_fail(NULL, "unknown command '%s'", name);
        return NULL;
    }
    current = best; /* the usage shown is that of the suggestion */
    read_fail(NULL, "unknown command '%s': did you mean '%s'?", name, best->name);
    return NULL;
}

static void show_help(void)
{
    put_usage(stdout);
    fputc('\n', stdout);
    fputs(help, stdout);
}

static const struct option long_opts[] = {{"pubkey", required_argument, NULL, 'p'},
                                          {"any-signer", no_argument, NULL, 'A'},
                                          {"json", no_argument, NULL, 'J'},
                                          {"long", no_argument, NULL, 'l'},
                                          {"directory", required_argument, NULL, 'C'},
                                          {"force", no_argument, NULL, 'f'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"format", required_argument, NULL, 'F'},
                                          {"no-pager", no_argument, NULL, 'N'},
                                          {"no-sync", no_argument, NULL, 'S'},
                                          {"with-metadata", no_argument, NULL, 'M'},
                                          {"quick", no_argument, NULL, 'K'},
                                          {"keep-going", no_argument, NULL, 'k'},
                                          {"text", no_argument, NULL, 'T'},
                                          {"sources", no_argument, NULL, 'O'},
                                          {"words", no_argument, NULL, 'w'},
                                          {"path", required_argument, NULL, 'X'},
                                          {"need", required_argument, NULL, 'n'},
                                          {"key-statement", required_argument, NULL, 'y'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"receipt", no_argument, NULL, 'R'},
                                          {"tsa-ca", required_argument, NULL, LONG_TSA_CA},
                                          {"port", required_argument, NULL, LONG_PORT},
                                          {"listen", required_argument, NULL, LONG_LISTEN},
                                          {"allow-scripts", no_argument, NULL, LONG_ALLOW_SCRIPTS},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};

/* Sets the option c in o; returns its OPT_ bit (0 for those every command takes). */
static unsigned set_opt(read_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'A':
        o->any_signer = true;
        return 0;
    case 'J':
        o->json = true;
        return OPT_JSON;
    case 'l':
        o->longlist = true;
        return OPT_LONG;
    case 'C':
        o->dir = arg;
        return OPT_DIR;
    case 'f':
        o->force = true;
        return OPT_FORCE;
    case 'q':
        o->quiet = true;
        return OPT_QUIET;
    case 'F':
        o->format = arg;
        return OPT_FORMAT;
    case 'N':
        o->no_pager = true;
        return OPT_NO_PAGER;
    case 'S':
        o->no_sync = true;
        return OPT_NO_SYNC;
    case 'K':
        o->quick = true;
        return OPT_QUICK;
    case 'k':
        o->keep_going = true;
        return OPT_KEEP_GOING;
    case 'T':
        o->text = true;
        return OPT_TEXT;
    case 'O':
        o->sources = true;
        return OPT_SOURCES;
    case 'w':
        o->words = true;
        return OPT_WORDS;
    case 'X':
        o->path_prefix = arg;
        return OPT_PATH;
    case 'n': {
        char *end;
        unsigned long n = strtoul(arg, &end, 10);
        o->need = *arg >= '1' && *arg <= '9' && *end == '\0' && n <= QUIRE_MAX_SIGNATURES
                      ? (unsigned)n
                      : UINT32_MAX;
        return OPT_NEED;
    }
    case 'o':
        o->output = arg;
        return OPT_OUTPUT;
    case 'R':
        o->receipt = true;
        return OPT_RECEIPT;
    case LONG_PORT:
        o->port = arg;
        return OPT_SERVE;
    case LONG_LISTEN:
        o->listen = arg;
        return OPT_SERVE;
    case LONG_ALLOW_SCRIPTS:
        o->allow_scripts = true;
        return OPT_SERVE;
    default: /* 'M' */
        o->with_metadata = true;
        return OPT_META;
    }
}

/* An option the command does not take is refused by name: ignoring it would let a script
 * believe it got, say, JSON. */
static int refuse_opt(int c, int li)
{
    char shortname[3] = {'-', (char)c, '\0'};
    const char *name = li >= 0 ? long_opts[li].name : shortname;
    read_fail(NULL, "%s: option %s%s is not supported by %s%s", current->name, li >= 0 ? "--" : "",
              name, current->name,
              c == 'J' && current->fn == cmd_cite ? " (use --format csl-json)" : "");
    return 2;
}

static int parse_opts(read_opts *o, int argc, char **argv)
{
    bool keys_given = false;
    int c, li = -1;
    opterr = 0; /* errors are reported below, in the program's own words */
    while ((c = getopt_long(argc, argv, ":p:P:lC:fqwo:h", long_opts, &li)) != -1) {
        if (c == 'p' || c == 'P') {
            keys_given = true;
            if ((c == 'p' ? read_keys_add(o, optarg) : read_keys_add_base64(o, optarg)) != 0)
                return 2;
        } else if (c == 'y') {
            if (read_trust_add_file(o, optarg) != 0)
                return 2;
        } else if (c == LONG_TSA_CA) {
            if ((current->opts & OPT_TSA_CA) == 0)
                return refuse_opt(c, li);
            if (read_tsa_ca_add(o, optarg) != 0)
                return 2;
        } else if (c == 'h') {
            show_help();
            return -1;
        } else if (c == ':') {
            read_fail(NULL, "%s: option %s needs an argument", argv[0], argv[optind - 1]);
            return 2;
        } else if (c == '?') {
            if (optopt != 0)
                read_fail(NULL, "%s: unknown option -%c", argv[0], optopt);
            else
                read_fail(NULL, "%s: unknown option %s", argv[0], argv[optind - 1]);
            return 2;
        } else {
            unsigned bit = set_opt(o, c, optarg);
            if (bit != 0 && (current->opts & bit) == 0)
                return refuse_opt(c, li);
        }
        li = -1;
    }
    if (o->need == UINT32_MAX || (o->need > 1 && o->any_signer)) {
        read_fail(NULL,
                  o->any_signer ? "--need cannot be used with --any-signer"
                                : "--need takes a number from 1 to %u",
                  QUIRE_MAX_SIGNATURES);
        return 2;
    }
    int rc = keys_given ? 0 : read_keys_load_dir(o);
    return rc != 0 ? rc : read_trust_resolve(o);
}

/* Data that did not reach stdout (a full disk, a closed pipe) is a failure, --help included. */
static int flush_stdout(int rc)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
        read_fail("stdout", "write error: %s", strerror(errno));
        return 2;
    }
    return rc;
}

static int run(int argc, char **argv, read_opts *o)
{
    if (argc < 2) {
        read_fail(NULL, "no command given");
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        show_help();
        return 0;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("quire-read %s (format %d)\n", QUIRE_VERSION_STRING, QUIRE_FORMAT_VERSION);
        return 0;
    }
    /* --json is known before the options are parsed, so that a bad key file or a usage error
     * is a JSON error object too ("a script reading stdout always gets JSON"). */
    json_error_done = out_json_written = false; /* per run: a fuzzer calls run() many times */
    json_errors = false;
    if ((current = find_cmd(argv[1])) == NULL)
        return 2;
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0 && (current->opts & OPT_JSON); i++)
        json_errors |= strcmp(argv[i], "--json") == 0;
    cmd_fn fn = current->fn;
    int rc = parse_opts(o, argc - 1, argv + 1);
    if (rc != 0)
        return rc < 0 ? 0 : rc; /* -1: --help was shown */
    out_terminal = isatty(STDOUT_FILENO);
    json_errors = o->json;
    o->signer_required = fn == cmd_receipt || o->receipt;
    bool paged =
        out_terminal && !o->no_pager && (current->opts & OPT_NO_PAGER) != 0 && read_pager_start();
    rc = fn(o, argc - 1 - optind, argv + 1 + optind);
    if (paged)
        read_pager_finish();
    return rc;
}

int main(int argc, char **argv)
{
    read_opts o = {.dir = "."};
    signal(SIGXFSZ, SIG_IGN); /* a file size limit is an error to report, not a kill */
    int rc = flush_stdout(run(argc, argv, &o));
    read_keys_free(&o);
    read_tsa_free(&o);
    return rc;
}
