/* SPDX-License-Identifier: ISC */
/* read_keys.c: quire-read's trusted keys: -p files and the trusted-keys directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read.h"
#include "read_trust.h"

/* Most key ids listed in the message for an untrusted bundle. */
#define LISTED_KEYS 8

/* Adds key (loaded from source, a malloc'd name that the key set takes over). Key ids are not
 * authenticated, so two trusted keys may share one (a co-signer's key id may collide with a
 * publisher's): both are kept and every key with a record's id is tried (SPEC 9 step 6), and
 * a warning names both files. The same key twice (a copy) is harmless and kept once. Returns
 * 0 or the exit code 2 after a message. */
static int push_key(read_opts *o, const quire_pubkey *key, char *source)
{
    for (size_t i = 0; i < o->nkeys; i++) {
        if (memcmp(o->keys[i].key_id, key->key_id, QUIRE_KEY_ID_BYTES) != 0)
            continue;
        if (memcmp(o->keys[i].pk, key->pk, QUIRE_PUBKEY_BYTES) == 0) {
            free(source);
            return 0;
        }
        char hex[17];
        quire_key_id_hex(key->key_id, hex);
        read_fail(source,
                  "warning: key id %s is also that of the different key %s: both are tried "
                  "for records with that id",
                  hex, o->keys[i].source);
        break;
    }
    quire_pubkey *k = realloc(o->keys, (o->nkeys + 1) * sizeof *k);
    if (k == NULL) {
        read_fail(source, "out of memory");
        free(source);
        return 2;
    }
    o->keys = k;
    o->keys[o->nkeys] = *key;
    o->keys[o->nkeys++].source = source;
    return 0;
}

int read_keys_add(read_opts *o, const char *path)
{
    quire_error err;
    quire_pubkey key;
    char *source = strdup(path);
    if (source == NULL) {
        read_fail(path, "out of memory");
        return 2;
    }
    if (quire_pubkey_load(path, &key, &err) != QUIRE_OK) {
        /* A key named on the command line must work. A file that is not a public key (most
         * often the secret NAME.key beside NAME.pub) gets the advice the library leaves to us. */
        if (err.code == QUIRE_E_KEY)
            read_fail_with(&err, path, "%s; -p takes the public key, the .pub file", err.msg);
        else
            read_error(path, &err);
        free(source);
        return 2;
    }
    return push_key(o, &key, source);
}

int read_keys_add_base64(read_opts *o, const char *text)
{
    quire_error err;
    quire_pubkey key;
    size_t len = strlen(text) + 4;
    char *source = malloc(len);
    if (source == NULL) {
        read_fail("-P", "out of memory");
        return 2;
    }
    snprintf(source, len, "-P %s", text);
    if (quire_pubkey_parse(text, strlen(text), &key, &err) != QUIRE_OK) {
        read_fail("-P", "%s", err.msg);
        free(source);
        return 2;
    }
    return push_key(o, &key, source);
}

/* Like ssh's StrictModes, but a warning: whoever can write a trusted key or its directory can
 * make any bundle pass as that publisher's. */
static void warn_writable(const char *path, uint32_t mode, const char *why)
{
    if (mode & (S_IWGRP | S_IWOTH))
        read_fail(path, "warning: writable by group or others (mode %04o): %s",
                  (unsigned)(mode & 07777), why);
}

/* One *.pub of the directory. A key that cannot be used is skipped with a warning: one broken
 * file must not stop every verification with the others. */
static int load_dir_key(read_opts *o, int dfd, const char *dir, const char *name)
{
    quire_error err;
    quire_pubkey key;
    uint32_t mode = 0;
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path == NULL) {
        read_fail(dir, "out of memory");
        return 2;
    }
    snprintf(path, len, "%s/%s", dir, name);
    if (quire_pubkey_load_at(dfd, name, &key, &mode, &err) != QUIRE_OK) {
        read_fail(path, "warning: not used as a trusted key: %s", err.msg);
        free(path);
        return 0;
    }
    warn_writable(path, mode, "anyone who can write it can replace a trusted key");
    return push_key(o, &key, path);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the directory's files (not hidden ones) ending in suffix, sorted so that
 * warnings come out the same every time. Returns 0, or -1 with errno set. */
int read_keys_list(int dfd, const char *suffix, char ***out, size_t *n)
{
    size_t slen = strlen(suffix);
    size_t cap = 0;
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    *out = NULL;
    *n = 0;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d); /* the duplicate shares dfd's offset, which a listing before left at the end */
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= slen || strcmp(de->d_name + len - slen, suffix) != 0 || de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            char **more = realloc(*out, (cap = cap * 2 + 8) * sizeof **out);
            if (more == NULL)
                break;
            *out = more;
        }
        if (((*out)[*n] = strdup(de->d_name)) == NULL)
            break;
        (*n)++;
    }
    int rc = de == NULL ? 0 : (errno = ENOMEM, -1);
    closedir(d);
    if (*n > 0)
        qsort(*out, *n, sizeof **out, cmp_names);
    return rc;
}

/* $QUIRE_TRUSTED_KEYS, else $XDG_CONFIG_HOME/quire/trusted, else ~/.config/quire/trusted. */
static const char *trusted_dir(char *buf, size_t cap, bool *from_env)
{
    const char *dir = getenv("QUIRE_TRUSTED_KEYS");
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    *from_env = dir != NULL && *dir != '\0';
    if (*from_env)
        return dir;
    if (xdg != NULL && *xdg == '/')
        snprintf(buf, cap, "%s/quire/trusted", xdg);
    else if (home != NULL && *home != '\0')
        snprintf(buf, cap, "%s/.config/quire/trusted", home);
    else
        return NULL;
    return buf;
}

int read_keys_load_dir(read_opts *o)
{
    char buf[4096];
    bool from_env;
    struct stat st;
    const char *dir = trusted_dir(buf, sizeof buf, &from_env);
    if (dir == NULL || (o->keys_dir = strdup(dir)) == NULL)
        return 0; /* no directory: authentication says that nothing is trusted */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 && errno == ENOENT && !from_env)
        return 0;                   /* the default directory need not exist */
    if (dfd < 0 && o->any_signer) { /* nothing needs to be trusted: say so and go on */
        read_fail(dir, "warning: cannot open the trusted-keys directory%s: %s",
                  from_env ? " (QUIRE_TRUSTED_KEYS)" : "", strerror(errno));
        return 0;
    }
    if (dfd < 0) {
        read_fail(dir, "cannot open the trusted-keys directory%s: %s",
                  from_env ? " (QUIRE_TRUSTED_KEYS)" : "", strerror(errno));
        return 2;
    }
    if (fstat(dfd, &st) == 0)
        warn_writable(dir, (uint32_t)st.st_mode, "anyone who can write here can add a trusted key");
    size_t n;
    char **names;
    int rc = 0;
    if (read_keys_list(dfd, ".pub", &names, &n) != 0) {
        read_fail(dir, "cannot read the trusted-keys directory: %s", strerror(errno));
        rc = 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = load_dir_key(o, dfd, dir, names[i]);
        free(names[i]);
    }
    free(names);
    if (rc == 0)
        rc = read_trust_load_dir(o, dfd, dir);
    close(dfd);
    return rc;
}

/* Appends printf-style text to buf (of cap bytes, holding *len), truncating silently. */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    if (*len >= cap - 1)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

void read_keys_tried(const read_opts *o, char *tried, size_t cap)
{
    size_t len = 0;
    tried[0] = '\0';
    if (o->nkeys == 0 && o->keys_dir != NULL)
        append(tried, cap, &len, "no trusted key in %s", o->keys_dir);
    else if (o->nkeys == 0)
        append(tried, cap, &len, "no trusted key (no -p, and HOME is not set)");
    else
        append(tried, cap, &len, "tried key%s ", o->nkeys == 1 ? "" : "s");
    for (size_t i = 0; i < o->nkeys && i < LISTED_KEYS; i++) {
        char hex[17];
        quire_key_id_hex(o->keys[i].key_id, hex);
        if (o->keys_dir != NULL)
            append(tried, cap, &len, "%s%s", i > 0 ? ", " : "", hex);
        else
            append(tried, cap, &len, "%s%s (%s)", i > 0 ? ", " : "", hex, o->keys[i].source);
    }
    if (o->nkeys > LISTED_KEYS)
        append(tried, cap, &len, " and %zu more", o->nkeys - LISTED_KEYS);
    if (o->nkeys > 0 && o->keys_dir != NULL)
        append(tried, cap, &len, " from %s", o->keys_dir);
}

void read_keys_untrusted(const char *bundle, const read_opts *o, const quire_error *err)
{
    char tried[2048];
    read_keys_tried(o, tried, sizeof tried);
    read_fail_with(err, bundle, "%s; %s; to trust the signer pass its public key with -p%s",
                   err->msg, tried,
                   o->signer_required ? "" : " (or check the contents alone with --any-signer)");
}

void read_keys_free(read_opts *o)
{
    for (size_t i = 0; i < o->nkeys; i++)
        free((char *)o->keys[i].source);
    free(o->keys);
    free((char *)o->keys_dir);
    read_trust_free(o);
    o->keys = NULL;
    o->keys_dir = NULL;
    o->nkeys = 0;
}
