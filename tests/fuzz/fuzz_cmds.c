/* SPDX-License-Identifier: ISC */
/* fuzz_cmds.c: libFuzzer target for the commands of quire-read, not only the library (issue
 * 11). The input is split at "\n--\n" (a line "--", which no valid JSON text, path or trusted
 * comment can contain) into
 *
 *   bundle metadata, trusted comment, then up to 6 times: path, entry metadata, content
 *
 * and made into a validly signed bundle by the real writer (signed with the committed fixture
 * key; inputs the writer refuses are skipped). Then the real quire-read runs on it in this
 * process: read_main.c is compiled in with its main renamed, so each command goes through the
 * same option parsing, dispatch and exit status as from a shell. stdout and stderr are memory
 * streams, and isatty() is replaced so that the commands believe they write to a terminal.
 * Every command must exit 0, 1, 2 or 3 (as a valid bundle allows), --json output must be JSON,
 * show to a pipe must write the document exactly, and no output may hold a raw control: the
 * rule of tests/cmds/run.py (C0 but newline and tab, DEL, C1 as UTF-8 or raw bytes, invalid
 * UTF-8, bidirectional and invisible format controls). ASan and UBSan watch the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds_bundle.h"

/* The real quire-read, in process: its main becomes quire_read_main. */
#define main quire_read_main
#include "read_main.c"
#undef main

#define FZ_SEP "\n--\n"
#define FZ_MAX_ENTRIES 6

/* Whether fds 1 and 2 pretend to be terminals (quire-read asks isatty). */
static int fz_tty;

int isatty(int fd)
{
    struct termios t;
    if (fz_tty && (fd == STDOUT_FILENO || fd == STDERR_FILENO))
        return 1;
    return tcgetattr(fd, &t) == 0;
}

static quire_seckey *fz_key;
static char fz_pub[4096], fz_other[4096], fz_old[64];

static quire_seckey *fz_load_key(const char *path)
{
    char text[4096];
    quire_seckey *sk = NULL;
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(text, 1, sizeof text, f) : 0;
    if (f != NULL)
        fclose(f);
    if (quire_seckey_parse(text, n, NULL, &sk, NULL) != QUIRE_OK) {
        fprintf(stderr, "fuzz_cmds: cannot load %s\n", path);
        abort();
    }
    return sk;
}

/* A bundle in a memory file, named by /proc/self/fd/N; 0 or -1 when the writer refused. */
static int fz_bundle(const uint8_t *meta, size_t meta_len, const char *comment, cmds_entry *e,
                     size_t n, char path[64], int *fd)
{
    uint8_t fp[QUIRE_FINGERPRINT_BYTES];
    *fd = memfd_create("bundle", MFD_CLOEXEC);
    if (*fd < 0 || cmds_entries_prepare(e, n) == 0 ||
        cmds_bundle_write(*fd, meta, meta_len, comment, e, n, fz_key, fp, NULL) != QUIRE_OK) {
        if (*fd >= 0)
            close(*fd);
        return -1;
    }
    snprintf(path, 64, "/proc/self/fd/%d", *fd);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint8_t meta[] = "{\"title\": \"old\", \"supersedes\": \"none\"}";
    cmds_entry old[2] = {{.path = (const uint8_t *)"a.txt",
                          .path_len = 5,
                          .data = (const uint8_t *)"old text\n",
                          .len = 9,
                          .link = -1},
                         {.path = (const uint8_t *)"z/b.html",
                          .path_len = 8,
                          .data = (const uint8_t *)"<p>x &amp; y</p>",
                          .len = 16,
                          .link = -1}};
    char key[4096];
    int fd;
    (void)argc, (void)argv;
    snprintf(key, sizeof key, "%s/fixtures/keys/test.key", QUIRE_SOURCE_DIR);
    snprintf(fz_pub, sizeof fz_pub, "%s/fixtures/keys/test.pub", QUIRE_SOURCE_DIR);
    snprintf(fz_other, sizeof fz_other, "%s/tests/hostile/keys/other.pub", QUIRE_SOURCE_DIR);
    fz_key = fz_load_key(key);
    unsetenv("QUIRE_TRUSTED_KEYS");
    setenv("LC_ALL", "C", 1);
    if (fz_bundle(meta, sizeof meta - 1, "old", old, 2, fz_old, &fd) != 0)
        abort();
    return 0; /* fd stays open: the old bundle of every diff */
}

typedef struct fz_field {
    const uint8_t *p;
    size_t n;
} fz_field;

static size_t fz_split(const uint8_t *d, size_t n, fz_field *f, size_t max)
{
    size_t k = 0;
    while (k < max) {
        const uint8_t *s = memmem(d, n, FZ_SEP, 4);
        size_t len = s != NULL ? (size_t)(s - d) : n;
        f[k++] = (fz_field){d, len};
        if (s == NULL)
            break;
        d += len + 4, n -= len + 4;
    }
    return k;
}

/* ---- the output rule ---- */

static int fz_invisible(unsigned long cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2028 ||
           cp == 0x2029 || (cp >= 0x2060 && cp <= 0x2065) || cp == 0xFEFF;
}

/* Length of the valid shortest-form UTF-8 sequence at s (cp set), or 0. */
static size_t fz_utf8(const uint8_t *s, size_t n, unsigned long *cp)
{
    size_t len = s[0] >= 0xC2 && s[0] <= 0xDF   ? 2
                 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                                : 0;
    if (len == 0 || len > n)
        return 0;
    *cp = s[0] & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        *cp = *cp << 6 | (s[k] & 0x3F);
    }
    if ((len == 3 && (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF))) ||
        (len == 4 && (*cp < 0x10000 || *cp > 0x10FFFF)))
        return 0;
    return len;
}

/* The first raw control in s, or NULL; meter: skip cli_progress's own lines on stderr. */
static const char *fz_raw(const uint8_t *s, size_t n, int meter, size_t *at)
{
    for (size_t i = 0; i < n;) {
        unsigned long cp = s[i];
        size_t len = 1, j = i + 1;
        if (meter && s[i] == '\r') {
            while (j < n && s[j] >= 0x20 && s[j] < 0x7F)
                j++;
            if (j + 3 <= n && memcmp(s + j, "\033[K", 3) == 0) {
                i = j + 3;
                continue;
            }
        }
        *at = i;
        if (s[i] >= 0x80 && (len = fz_utf8(s + i, n - i, &cp)) == 0)
            return s[i] <= 0x9F ? "a raw 8-bit C1 byte" : "a byte that is not valid UTF-8";
        if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F)
            return "a raw C0 control or DEL";
        if (cp >= 0x80 && cp <= 0x9F)
            return "a C1 control";
        if (fz_invisible(cp))
            return "a bidirectional or invisible control";
        i += len;
    }
    return NULL;
}

/* ---- running a command ---- */

typedef struct fz_cmd {
    const char *argv[16];
    unsigned ok; /* allowed exit statuses, bit per status */
    int json;
    const fz_field *show; /* show to a pipe: the content stdout must equal */
} fz_cmd;

_Noreturn static void fz_fail(const fz_cmd *c, const char *what, const char *buf, size_t len,
                              size_t at)
{
    fprintf(stderr, "fuzz_cmds: quire-read");
    for (int k = 1; c->argv[k] != NULL; k++)
        fprintf(stderr, " '%s'", c->argv[k]);
    fprintf(stderr, ": %s (at byte %zu of %zu); output:\n", what, at, len);
    for (size_t k = 0; k < len && k < 4096; k++)
        fprintf(stderr, buf[k] >= 0x20 && buf[k] < 0x7F ? "%c" : "\\x%02x", (unsigned char)buf[k]);
    fputc('\n', stderr);
    abort();
}

static void fz_run(const fz_cmd *c, int tty)
{
    char *out = NULL, *err = NULL;
    size_t nout = 0, nerr = 0, at = 0;
    int argc = 0;
    while (c->argv[argc] != NULL)
        argc++;
    FILE *so = stdout, *se = stderr;
    fflush(stdout), fflush(stderr);
    stdout = open_memstream(&out, &nout);
    stderr = open_memstream(&err, &nerr);
    if (stdout == NULL || stderr == NULL)
        abort();
    fz_tty = tty;
    optind = 0; /* getopt starts afresh */
    int rc = quire_read_main(argc, (char **)c->argv);
    fz_tty = 0;
    fclose(stdout), fclose(stderr);
    stdout = so, stderr = se;
    const char *why = NULL;
    char status[40];
    snprintf(status, sizeof status, "unexpected exit status %d", rc);
    if (rc < 0 || rc > 3 || !(c->ok >> rc & 1))
        fz_fail(c, status, err, nerr, 0);
    if ((why = fz_raw((const uint8_t *)err, nerr, tty, &at)) != NULL)
        fz_fail(c, why, err, nerr, at);
    if ((tty || c->show == NULL) && (why = fz_raw((const uint8_t *)out, nout, 0, &at)) != NULL)
        fz_fail(c, why, out, nout, at);
    if (!tty && c->show != NULL && (nout != c->show->n || memcmp(out, c->show->p, nout) != 0))
        fz_fail(c, "show to a pipe changed the document", out, nout, 0);
    json_t *j = c->json && rc != 2
                    ? json_loadb(out, nout, JSON_ALLOW_NUL, NULL) /* \u0000 is valid JSON */
                    : NULL;
    if (c->json && rc != 2 && j == NULL)
        fz_fail(c, "invalid JSON", out, nout, 0);
    json_decref(j);
    free(out), free(err);
}

/* A passage of the content to quote or search for: its first bytes without NUL. */
static char *fz_passage(const fz_field *content, int need_word)
{
    char *s = malloc(48);
    size_t k = 0;
    for (size_t i = 0; s != NULL && i < content->n && k < 40; i++)
        if (content->p[i] != 0)
            s[k++] = (char)content->p[i];
    if (s != NULL)
        strcpy(s + k, k == 0 || need_word ? " the" : "");
    return s;
}

/* A command: its allowed exit statuses, whether it prints JSON, the content show must write. */
#define FZ(ok_, json_, show_, ...)                                                                 \
    {                                                                                              \
        .argv = {PROG, __VA_ARGS__, NULL}, .ok = ok_, .json = json_, .show = show_                 \
    }
#define OK0 (1u << 0)
#define OK03 (OK0 | 1u << 3)
#define OK013 (OK03 | 1u << 1)
/* quote and search: the passage or query comes from the fuzzer, and an empty or over-long one
 * is a usage error (exit 2) */
#define OK0123 (OK013 | 1u << 2)

static void fz_entry_cmds(const char *b, const char *path, const fz_field *content)
{
    const char *p = fz_pub, *u = fz_other;
    char *pass = fz_passage(content, 0);
    fz_cmd cs[] = {
        FZ(OK0, 0, NULL, "info", "-p", p, "--no-pager", "--", b, path),
        FZ(OK0, 1, NULL, "info", "-p", p, "--json", "--no-pager", "--", b, path),
        /* on a terminal show refuses a binary document (exit 2, nothing on stdout); to a pipe the
         * bytes must come out exact, which fz_run checks whatever the status */
        FZ(OK0 | 1u << 2, 0, content, "show", "-p", p, "--no-pager", "--", b, path),
        FZ(OK0, 0, NULL, "cite", "-p", p, "--format", "text", "--no-pager", "--", b, path),
        FZ(OK0, 0, NULL, "cite", "-p", p, "--format", "bibtex", "--no-pager", "--", b, path),
        FZ(OK0, 1, NULL, "cite", "-p", p, "--format", "csl-json", "--no-pager", "--", b, path),
        FZ(OK0, 0, NULL, "cite", "--any-signer", "-p", u, "--no-pager", "--", b, path),
        FZ(OK0123, 0, NULL, "quote", "-p", p, "--no-pager", "--", b, path, pass),
        FZ(OK0123, 1, NULL, "quote", "-p", p, "--json", "--no-pager", "--", b, path, pass),
    };
    for (size_t k = 0; pass != NULL && k < sizeof cs / sizeof cs[0]; k++) {
        fz_run(&cs[k], 1);
        if (cs[k].show != NULL)
            fz_run(&cs[k], 0);
    }
    free(pass);
}

static void fz_bundle_cmds(const char *b, const fz_field *content)
{
    const char *p = fz_pub;
    char *q = fz_passage(content, 1);
    fz_cmd cs[] = {
        FZ(OK0, 0, NULL, "verify", "-p", p, "--no-pager", "--", b),
        FZ(OK0, 1, NULL, "verify", "-p", p, "--json", "--no-pager", "--", b),
        FZ(OK0, 0, NULL, "info", "-p", p, "--no-pager", "--", b),
        FZ(OK0, 1, NULL, "info", "-p", p, "--json", "--no-pager", "--", b),
        FZ(OK0, 0, NULL, "list", "-p", p, "--no-pager", "--", b),
        FZ(OK0, 0, NULL, "list", "-p", p, "-l", "--no-pager", "--", b),
        FZ(OK0, 1, NULL, "list", "-p", p, "--json", "--no-pager", "--", b),
        FZ(OK0123, 0, NULL, "search", "-p", p, "--no-pager", "--", b, q),
        FZ(OK0123, 1, NULL, "search", "-p", p, "--json", "--no-pager", "--", b, q),
        FZ(OK03, 0, NULL, "diff", "-p", p, "--no-pager", "--", fz_old, b),
        FZ(OK03, 1, NULL, "diff", "-p", p, "--json", "--no-pager", "--", fz_old, b),
        FZ(OK03, 0, NULL, "diff", "-p", p, "--no-pager", "--", b, fz_old),
    };
    for (size_t k = 0; q != NULL && k < sizeof cs / sizeof cs[0]; k++)
        fz_run(&cs[k], 1);
    free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_field f[2 + 3 * FZ_MAX_ENTRIES];
    cmds_entry e[FZ_MAX_ENTRIES];
    char bundle[64], *comment = NULL, *paths[FZ_MAX_ENTRIES] = {0};
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
        f[k] = (fz_field){(const uint8_t *)"", 0}; /* fields the input leaves out are empty */
    size_t nf = fz_split(data, size, f, sizeof f / sizeof f[0]), n = 0;
    int fd = -1;
    if (nf < 3)
        return 0;
    comment = strndup((const char *)f[1].p, f[1].n);
    for (size_t k = 2; k + 1 < nf + 1 && n < FZ_MAX_ENTRIES; k += 3, n++)
        e[n] = (cmds_entry){.path = f[k].p,
                            .path_len = f[k].n,
                            .meta = f[k + 1].p,
                            .meta_len = f[k + 1].n,
                            .data = f[k + 2].p,
                            .len = f[k + 2].n,
                            .link = -1};
    if (comment == NULL || fz_bundle(f[0].p, f[0].n, comment, e, n, bundle, &fd) != 0)
        goto out;
    for (size_t i = 0, shown = 0; i < n && shown < 2; i++) {
        if (!e[i].keep || (paths[i] = strndup((const char *)e[i].path, e[i].path_len)) == NULL)
            continue;
        fz_field content = {e[i].data, e[i].len};
        fz_entry_cmds(bundle, paths[i], &content);
        shown++;
    }
    fz_bundle_cmds(bundle, &(fz_field){e[0].data, e[0].len});
out:
    for (size_t i = 0; i < FZ_MAX_ENTRIES; i++)
        free(paths[i]);
    free(comment);
    if (fd >= 0)
        close(fd);
    return 0;
}
