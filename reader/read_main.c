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

#include "read.h"

static const char usage[] =
    "usage: quire-read verify  [-p PUB]... [--any-signer] [--json] [-q] [--quick] BUNDLE\n"
    "       quire-read info    [-p PUB]... [--any-signer] [--json] BUNDLE [PATH]\n"
    "       quire-read list    [-p PUB]... [--any-signer] [-l] [--json] BUNDLE\n"
    "       quire-read show    [-p PUB]... [--any-signer] BUNDLE PATH\n"
    "       quire-read extract [-p PUB]... [--any-signer] [-C DIR] [--force] [--keep-going]\n"
    "                  BUNDLE [PATTERN...]\n"
    "       quire-read cite    [-p PUB]... [--format text|bibtex|csl-json] BUNDLE PATH\n"
    "       quire-read quote   [-p PUB]... [--json] BUNDLE PATH \"TEXT\"\n"
    "       quire-read search  [-p PUB]... [--json] BUNDLE QUERY\n"
    "       quire-read diff    [-p PUB]... [--json] [--text] OLD.quire NEW.quire\n"
    "       quire-read export  [-p PUB]... [--format FMT] [--with-metadata] [-f] BUNDLE OUT\n"
    "       quire-read --help | --version\n";

static const char help[] =
    "Check a quire bundle's signature and hashes, then read it. Nothing is shown or written\n"
    "before the bytes it comes from have been checked.\n"
    "\n"
    "commands:\n"
    "  verify   check the signature and every stored byte, then inflate and hash every\n"
    "           document; exit 0 only if all is intact (--quick: stored hashes only)\n"
    "  info     the collection metadata, signer, trusted comment and fingerprint, or one\n"
    "           document's provenance\n"
    "  list     the documents, one per line (-l: role, size, SHA-256)\n"
    "  show     write one document to stdout (escaped when stdout is a terminal)\n"
    "  extract  write documents (all, or the PATHs and directories named) under DIR\n"
    "  cite     a citation of a verified document: source URL, retrieval date, SHA-256 of\n"
    "           its content, bundle fingerprint and signer\n"
    "  quote    check that a passage is in a document (white space, typographic quotes and\n"
    "           dashes do not matter; case and words do); exit 3 and the closest passage if\n"
    "           not; HTML documents are matched on their text\n"
    "  search   find QUERY in every document, ignoring case (Unicode aware); exit 3 if none\n"
    "  diff     documents added, removed and changed between two snapshots, and whether NEW\n"
    "           declares that it supersedes OLD\n"
    "  export   write the verified documents into an archive OUT, its format from the\n"
    "           name (.tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .zip) unless --format says\n"
    "           (--with-metadata: also quire-metadata.json and manifest-sha256.txt)\n"
    "\n"
    "options:\n"
    "  -p FILE, --pubkey FILE   trust this minisign public key (repeatable); without -p,\n"
    "                           every *.pub in $QUIRE_TRUSTED_KEYS (default\n"
    "                           $XDG_CONFIG_HOME/quire/trusted or ~/.config/quire/trusted)\n"
    "  --any-signer             do not require a trusted signature: no signature is\n"
    "                           checked, only that every byte matches the index (which\n"
    "                           anyone could have made); stderr says so\n"
    "  --json                   machine-readable output (verify, info, list, quote,\n"
    "                           search, diff)\n"
    "  -l, --long               list: role, size and SHA-256 of each entry\n"
    "  -C DIR, --directory DIR  extract: write under DIR (default: .)\n"
    "  -f, --force              extract, export: replace existing files\n"
    "  --keep-going             extract: write every document that verifies, name each\n"
    "                           one that does not, and exit 1 if any did not\n"
    "  --text                   diff: a unified diff of each changed text document\n"
    "  --no-sync                extract: do not wait for the data to reach the disk before\n"
    "                           renaming (faster; after a power failure a file may be empty)\n"
    "  -q, --quiet              verify, extract, export: no report and no progress\n"
    "                           meter (the meter is shown only when stderr is a terminal)\n"
    "  --format FORMAT          cite: text (default), bibtex or csl-json; export: tar,\n"
    "                           tar.gz, tar.zst, tar.xz or zip\n"
    "  --with-metadata          export: add provenance and a sha256sum -c manifest\n"
    "  --no-pager               never page output (by default long output to a terminal\n"
    "                           goes through $PAGER, or less)\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n"
    "\n"
    "exit status: 0 success; 1 the bundle failed verification, is malformed or untrusted;\n"
    "2 usage or operational error; 3 verified, and the answer is no (quote: not found,\n"
    "search: no match, diff: the documents differ)\n"
    "\n"
    "examples:\n"
    "  quire-read verify -p publisher.pub dossier.quire\n"
    "  quire-read show -p publisher.pub dossier.quire docs/report.txt | less\n"
    "  quire-read extract -p publisher.pub -C out dossier.quire\n"
    "  quire-read quote -p publisher.pub dossier.quire docs/report.txt \"the exact words\"\n";

/* With --json, the first failure is also written to stdout as {"error": {...}}, so that a
 * script reading stdout gets a JSON document whatever happens. */
static bool json_errors, json_error_done;
static const quire_error *pending_err;

static void json_error(const char *file, const char *msg)
{
    const quire_error *e = pending_err;
    json_t *o = json_pack("{s:s, s:s}", "file", file, "message", msg);
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
    if (json_errors && !json_error_done && !out_json_written && file != NULL &&
        strncmp(text, "warning:", 8) != 0) {
        pending_err = e;
        json_error(file, text);
        pending_err = NULL;
    }
    free(msg);
    if (file == NULL) /* a usage error: show the synopsis */
        fputs(usage, stderr);
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

quire_reader *read_open(const char *path, const read_opts *o, int *code)
{
    quire_reader *r = NULL;
    quire_error err;
    const char *name = path;
    if (strcmp(path, "-") == 0 && (path = spool_stdin(code)) == NULL)
        return NULL;
    int rc = quire_reader_open(path, &r, &err);
    if (rc == QUIRE_OK)
        rc = quire_reader_authenticate(r, o->keys, o->nkeys, o->any_signer ? QUIRE_ANY_SIGNER : 0,
                                       &err);
    if (rc == QUIRE_E_UNTRUSTED)
        read_keys_untrusted(name, o, &err);
    else if (rc != QUIRE_OK)
        read_error(name, &err);
    if (rc != QUIRE_OK) {
        quire_reader_close(r);
        *code = quire_exit_code(rc);
        return NULL;
    }
    if (quire_reader_signer(r) == NULL)
        read_fail(name, "warning: signer NOT verified (--any-signer): no signature was checked, "
                        "anyone could have made this bundle");
    return r;
}

/* Paging: output to a terminal is collected, then shown through $PAGER (default less) when
 * it is longer than the screen. Collecting first means a command that fails verification
 * part-way shows its error without a pager in the way. At most PAGE_CAP bytes are collected:
 * longer output (show of a large document) starts the pager at once and streams into it, so
 * memory stays bounded whatever the document size. */
#define PAGE_CAP (4u << 20)

typedef struct pager {
    FILE *real; /* the terminal */
    FILE *pipe; /* the pager, once started */
    char *buf;
    size_t len, cap;
    bool failed; /* the pager could not be started: write to the terminal */
} pager;

static pager page;

static FILE *pager_open(void)
{
    struct winsize ws;
    size_t lines = 0;
    for (size_t i = 0; i < page.len; i++)
        lines += page.buf[i] == '\n';
    if (page.len < PAGE_CAP &&
        (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || lines < ws.ws_row))
        return NULL; /* fits on the screen */
    const char *cmd = getenv("PAGER");
    setenv("LESS", "FRX", 0);
    fflush(page.real);
    return popen(cmd != NULL && *cmd ? cmd : "less", "w");
}

/* Appends to the collected output, doubling the buffer as it grows (linear copying). */
static int page_append(const char *p, size_t n)
{
    if (page.cap - page.len < n) {
        size_t cap = page.cap ? page.cap : 65536;
        while (cap - page.len < n)
            cap *= 2;
        char *b = realloc(page.buf, cap);
        if (b == NULL)
            return -1;
        page.buf = b, page.cap = cap;
    }
    memcpy(page.buf + page.len, p, n);
    page.len += n;
    return 0;
}

static ssize_t pager_write(void *cookie, const char *p, size_t n)
{
    (void)cookie;
    if (page.pipe == NULL && !page.failed && page.len + n > PAGE_CAP) {
        if (page_append(p, n) != 0)
            return -1;
        page.pipe = pager_open();
        page.failed = page.pipe == NULL;
        FILE *to = page.pipe != NULL ? page.pipe : page.real;
        size_t w = fwrite(page.buf, 1, page.len, to);
        free(page.buf);
        page.buf = NULL;
        bool ok = w == page.len;
        page.len = page.cap = 0;
        return ok ? (ssize_t)n : -1;
    }
    if (page.pipe != NULL || page.failed)
        return fwrite(p, 1, n, page.pipe != NULL ? page.pipe : page.real) == n ? (ssize_t)n : -1;
    return page_append(p, n) == 0 ? (ssize_t)n : -1;
}

static bool pager_start(void)
{
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){.write = pager_write});
    if (f == NULL)
        return false;
    page.real = stdout;
    stdout = f;
    return true;
}

static void pager_finish(void)
{
    fflush(stdout);
    if (page.pipe == NULL && !page.failed)
        page.pipe = pager_open();
    if (page.buf != NULL)
        fwrite(page.buf, 1, page.len, page.pipe != NULL ? page.pipe : page.real);
    fclose(stdout);
    stdout = page.real;
    if (page.pipe != NULL)
        pclose(page.pipe);
    free(page.buf);
}

typedef int (*cmd_fn)(const read_opts *, int, char **);

static cmd_fn find_cmd(const char *name)
{
    static const struct {
        const char *name;
        cmd_fn fn;
    } cmds[] = {{"verify", cmd_verify}, {"info", cmd_info},       {"list", cmd_list},
                {"show", cmd_show},     {"extract", cmd_extract}, {"cite", cmd_cite},
                {"quote", cmd_quote},   {"search", cmd_search},   {"diff", cmd_diff},
                {"export", cmd_export}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(name, cmds[i].name) == 0)
            return cmds[i].fn;
    return NULL;
}

static int parse_opts(read_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"pubkey", required_argument, NULL, 'p'},
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
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    bool keys_given = false;
    int c;
    opterr = 0; /* errors are reported below, in the program's own words */
    while ((c = getopt_long(argc, argv, ":p:lC:fqh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            keys_given = true;
            if (read_keys_add(o, optarg) != 0)
                return 2;
            break;
        case 'A':
            o->any_signer = true;
            break;
        case 'J':
            o->json = true;
            break;
        case 'l':
            o->longlist = true;
            break;
        case 'C':
            o->dir = optarg;
            break;
        case 'f':
            o->force = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'F':
            o->format = optarg;
            break;
        case 'N':
            o->no_pager = true;
            break;
        case 'S':
            o->no_sync = true;
            break;
        case 'K':
            o->quick = true;
            break;
        case 'M':
            o->with_metadata = true;
            break;
        case 'k':
            o->keep_going = true;
            break;
        case 'T':
            o->text = true;
            break;
        case 'h':
            fputs(usage, stdout);
            fputc('\n', stdout);
            fputs(help, stdout);
            return -1;
        case ':':
            read_fail(NULL, "%s: option %s needs an argument", argv[0], argv[optind - 1]);
            return 2;
        default:
            if (optopt != 0)
                read_fail(NULL, "%s: unknown option -%c", argv[0], optopt);
            else
                read_fail(NULL, "%s: unknown option %s", argv[0], argv[optind - 1]);
            return 2;
        }
    }
    return keys_given ? 0 : read_keys_load_dir(o);
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
        fputs(usage, stdout);
        fputc('\n', stdout);
        fputs(help, stdout);
        return 0;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("quire-read %s (format %d)\n", QUIRE_VERSION_STRING, QUIRE_FORMAT_VERSION);
        return 0;
    }
    cmd_fn fn = find_cmd(argv[1]);
    if (fn == NULL) {
        read_fail(NULL, "unknown command '%s'", argv[1]);
        return 2;
    }
    int rc = parse_opts(o, argc - 1, argv + 1);
    if (rc != 0)
        return rc < 0 ? 0 : rc; /* -1: --help was shown */
    out_terminal = isatty(STDOUT_FILENO);
    json_errors = o->json;
    bool paged =
        out_terminal && !o->no_pager && fn != cmd_extract && fn != cmd_export && pager_start();
    rc = fn(o, argc - 1 - optind, argv + 1 + optind);
    if (paged)
        pager_finish();
    return rc;
}

int main(int argc, char **argv)
{
    read_opts o = {.dir = "."};
    signal(SIGXFSZ, SIG_IGN); /* a file size limit is an error to report, not a kill */
    int rc = flush_stdout(run(argc, argv, &o));
    read_keys_free(&o);
    return rc;
}
