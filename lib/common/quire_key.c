/* SPDX-License-Identifier: ISC */
/* quire_key.c: minisign public keys (SPEC 6.1). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "quire.h"
#include "quire_private.h"

#define COMMENT_PREFIX "untrusted comment: "
#define PUBKEY_RAW_BYTES (2 + QUIRE_KEY_ID_BYTES + QUIRE_PUBKEY_BYTES)
#define PUBKEY_FILE_MAX 4096

/* Large enough for a secret key's 158 bytes, so that one given as a public key is recognised
 * and named as such rather than called malformed. */
#define KEY_DECODE_BYTES 158

int quire_pubkey_parse(const char *text, size_t len, quire_pubkey *out, quire_error *err)
{
    uint8_t raw[KEY_DECODE_BYTES];
    size_t raw_len = 0;
    const char *line = text, *end = text + len;

    if (len >= strlen(COMMENT_PREFIX) &&
        memcmp(text, COMMENT_PREFIX, strlen(COMMENT_PREFIX)) == 0) {
        const char *nl = memchr(text, '\n', len);
        if (nl == NULL)
            return quire_error_set(err, QUIRE_E_KEY, "public key: no key line after the comment");
        line = nl + 1;
    }
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    const char *line_end = nl != NULL ? nl : end;
    for (const char *p = line_end; p < end; p++)
        if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
            return quire_error_set(err, QUIRE_E_KEY, "public key: unexpected text after the key");
    if (sodium_base642bin(raw, sizeof raw, line, (size_t)(line_end - line), " \r\t", &raw_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        raw_len = 0;
    bool secret = raw_len == KEY_DECODE_BYTES && memcmp(raw, "Ed", 2) == 0;
    if (raw_len != PUBKEY_RAW_BYTES) {
        /* An unencrypted secret key was just decoded here: wipe it. */
        sodium_memzero(raw, sizeof raw);
        return quire_error_set(err, QUIRE_E_KEY,
                               secret ? "public key: this is a minisign secret key, not a public "
                                        "key (SPEC 6.1)"
                                      : "public key: not a base64 minisign key (SPEC 6.1)");
    }
    if (memcmp(raw, "Ed", 2) != 0)
        return quire_error_set(err, QUIRE_E_KEY, "public key: algorithm is not Ed (SPEC 6.1)");
    memset(out, 0, sizeof *out); /* source: the caller says where the key came from */
    memcpy(out->key_id, raw + 2, QUIRE_KEY_ID_BYTES);
    memcpy(out->pk, raw + 2 + QUIRE_KEY_ID_BYTES, QUIRE_PUBKEY_BYTES);
    return QUIRE_OK;
}

/* Reads at most PUBKEY_FILE_MAX + 1 bytes of fd into buf; returns the length or -1. */
static ssize_t read_small(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    return (ssize_t)len;
}

int quire_pubkey_load_at(int dirfd, const char *path, quire_pubkey *out, uint32_t *mode,
                         quire_error *err)
{
    char buf[PUBKEY_FILE_MAX + 1];
    struct stat st;
    /* O_NONBLOCK: a FIFO or a device named like a key must not stall the program; a symbolic
     * link is followed (administrators link keys into the trusted directory), but what it
     * resolves to must be a regular file. */
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    int rc = QUIRE_OK;

    if (fd < 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot open public key: %s", strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = quire_error_set(err, QUIRE_E_IO, "cannot stat public key: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = quire_error_set(err, QUIRE_E_KEY, "public key: not a regular file");
        goto out;
    }
    if (mode != NULL)
        *mode = (uint32_t)st.st_mode;
    ssize_t len =
        st.st_size > PUBKEY_FILE_MAX ? (ssize_t)sizeof buf : read_small(fd, buf, sizeof buf);
    if (len < 0)
        rc = quire_error_set(err, QUIRE_E_IO, "cannot read public key: %s", strerror(errno));
    else if (len > PUBKEY_FILE_MAX)
        rc = quire_error_set(err, QUIRE_E_KEY, "public key: file larger than %d bytes",
                             PUBKEY_FILE_MAX);
    else
        rc = quire_pubkey_parse(buf, (size_t)len, out, err);
out:
    close(fd);
    return rc;
}

int quire_pubkey_load(const char *path, quire_pubkey *out, quire_error *err)
{
    return quire_pubkey_load_at(AT_FDCWD, path, out, NULL, err);
}

void quire_key_id_hex(const uint8_t key_id[QUIRE_KEY_ID_BYTES], char out[17])
{
    snprintf(out, 17, "%016llX", (unsigned long long)quire_load64(key_id));
}
