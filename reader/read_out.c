/* SPDX-License-Identifier: ISC */
/* read_out.c: output that no byte of a bundle can turn into a terminal command, and output
 * files that appear only when complete (export, receipt -o). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli_cleanup.h"
#include "cli_escape.h"
#include "read.h"

void out_safe(FILE *f, const char *s, size_t len)
{
    cli_escape_str(f, s, len, 0);
}

void out_text(FILE *f, const char *s, size_t len)
{
    if (out_terminal) {
        cli_escape_str(f, s, len, CLI_ESC_KEEP_NEWLINE);
        return;
    }
    /* To a file or a pipe the text is written as it is (an escape such as \u200e would break
     * the BibTeX or the prose it lands in), less what no citation can mean and what could
     * disguise it where it is pasted: the characters cli_escape would escape (controls but
     * newline and tab, DEL, C1, bidirectional and invisible format characters) are left out,
     * and bytes that are not UTF-8 become U+FFFD. */
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = p[i] < 0x80 ? 1 : p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
        if (p[i] >= 0x80 && (n > len - i || !quire_text_is_clean(p + i, n))) {
            bool c1 = p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F;
            if (!c1)
                fputs("\xef\xbf\xbd", f);
            i += c1 ? 2 : 1;
            continue;
        }
        unsigned long cp = n == 1 ? p[i] : p[i] & (0x7F >> n);
        for (size_t k = 1; k < n; k++)
            cp = (cp << 6) | (p[i + k] & 0x3F);
        if (!cli_escape_needed(cp, CLI_ESC_KEEP_NEWLINE | CLI_ESC_KEEP_TAB))
            fwrite(p + i, 1, n, f);
        i += n;
    }
}

void out_safe_text(FILE *f, const char *s, size_t len)
{
    cli_escape_str(f, s, len, CLI_ESC_KEEP_NEWLINE);
}

void out_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

const char *out_role(uint8_t role)
{
    return role == QUIRE_ROLE_ORIGINAL ? "original" : "document";
}

/* Length of the UTF-8 sequence a valid string has at p (jansson writes only valid UTF-8). */
static size_t seq_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
}

/* jansson escapes only C0 controls. DEL, the C1 controls (which a terminal may take for CSI and
 * the like) and the bidirectional and invisible controls can appear only inside JSON strings,
 * where a \u escape means the same character: written so, the JSON is unchanged for a parser
 * and harmless on a terminal. */
bool out_json_written;

int out_json(void *value)
{
    json_t *j = value;
    out_json_written = true;
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (text == NULL)
        return 2;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t n = seq_len(*p);
        unsigned long cp = n == 1 ? *p : *p & (0x7F >> n);
        for (size_t k = 1; k < n; k++)
            cp = (cp << 6) | (p[k] & 0x3F);
        if (cp > 0xFFFF && cli_escape_needed(cp, 0)) /* JSON writes it as a surrogate pair */
            printf("\\u%04lx\\u%04lx", 0xD800 + ((cp - 0x10000) >> 10),
                   0xDC00 + ((cp - 0x10000) & 0x3FF));
        else if (cp >= 0x7F && cli_escape_needed(cp, 0))
            printf("\\u%04lx", cp);
        else
            fwrite(p, 1, n, stdout);
        p += n;
    }
    fputc('\n', stdout);
    free(text);
    return 0;
}

bool out_terminal;

int out_content(FILE *f, const uint8_t *p, size_t n, cli_escape *state)
{
    if (!out_terminal) /* n == 0 is the final flush call, with p NULL */
        return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1;
    if (n == 0)
        return cli_escape_final(f, state);
    return cli_escape_write(f, state, p, n);
}

int out_make_tmp(const char *out, const char *kind, char *tmp, size_t cap, int *handle)
{
    char *copy = strdup(out), hex[17];
    uint8_t rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    int n = copy != NULL ? snprintf(tmp, cap, "%s/.quire-%s.%s", dirname(copy), kind, hex) : -1;
    free(copy);
    errno = n < 0 ? ENOMEM : ENAMETOOLONG;
    /* Registered before it exists: its name is random, so a signal in between can only remove
     * a name nothing else has. */
    *handle = n > 0 && (size_t)n < cap ? cli_cleanup_add(AT_FDCWD, tmp, CLI_TMP_FILE) : -1;
    int fd =
        *handle >= 0 ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (fd < 0) {
        read_fail(out, "cannot create a temporary file beside it: %s", strerror(errno));
        cli_cleanup_done(*handle); /* not made, so not ours to remove */
    }
    return fd;
}

int out_close_tmp(int fd, int rc, quire_error *err)
{
    return out_close_tmp_sync(fd, rc, true, err);
}

int out_close_tmp_sync(int fd, int rc, bool sync, quire_error *err)
{
    mode_t mask = umask(0);
    umask(mask);
    if (rc == QUIRE_OK && (fchmod(fd, 0666 & ~mask) != 0 || (sync && fsync(fd) != 0)))
        rc = quire_error_set(err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
    if (close(fd) != 0 && rc == QUIRE_OK)
        rc = quire_error_set(err, QUIRE_E_IO, "cannot write: %s", strerror(errno));
    return rc;
}

int out_put_in_place(const char *tmp, const char *out, bool force, int *handle, quire_error *err)
{
    return out_put_in_place_sync(tmp, out, force, true, handle, err);
}

int out_put_in_place_sync(const char *tmp, const char *out, bool force, bool sync, int *handle,
                          quire_error *err)
{
    int rc = force ? rename(tmp, out) : renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE);
    if (rc != 0 && !force && (errno == EINVAL || errno == ENOSYS) && link(tmp, out) == 0)
        rc = unlink(tmp);
    if (rc != 0 && errno == EEXIST)
        return quire_error_set(err, QUIRE_E_IO, "%s exists: use --force to replace it", out);
    if (rc != 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot rename into place: %s", strerror(errno));
    cli_cleanup_done(*handle);
    *handle = -1;
    if (!sync)
        return QUIRE_OK;
    char *copy = strdup(out);
    int dir = copy != NULL ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(copy);
    rc = dir >= 0 && fsync(dir) == 0 ? QUIRE_OK : -1;
    if (rc != QUIRE_OK)
        rc = quire_error_set(err, QUIRE_E_IO, "cannot sync the directory of %s: %s", out,
                             strerror(errno));
    if (dir >= 0)
        close(dir);
    return rc;
}
