/* SPDX-License-Identifier: ISC */
/* pack.h: shared declarations of quire-pack's modules. */
#ifndef PACK_H
#define PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <jansson.h>

#include "quire_private.h"
#include "quire_write.h"

#define PROG "quire-pack"

/* Prints the synopsis of cmd ("keygen" or "create"; NULL: of both), and with full the whole
 * help, to f. */
void pack_usage(FILE *f, const char *cmd, bool full);

/* Reports a getopt error (c is ':' for a missing argument, '?' otherwise) with the synopsis;
 * returns 2. Option strings start with ':' and opterr is 0, so getopt itself prints nothing. */
int pack_bad_option(const char *cmd, char **argv, int c);

/* Prints "quire-pack: " and the message on stderr, the message escaped with cli_escape: it
 * names files and archive entries, and a name from the inputs may hold terminal controls. */
void pack_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One regular file found in the inputs, and where: the input root it was found under (a
 * directory or file given on the command line, or the private unpacking directory), its path
 * beneath that root, and the identity of both as the walk saw them. */
typedef struct pack_input {
    char *bundle_path;   /* points into the fs_path allocation */
    char *fs_path;       /* root, then the path beneath it */
    const char *root;    /* borrowed: argv or the archive's unpacking directory */
    const char *archive; /* borrowed from argv: the -a archive it was unpacked from, or NULL */
    size_t rel;          /* fs_path + rel is the path beneath root ("" when root is the file) */
    dev_t root_dev, dev;
    ino_t root_ino, ino;
    bool exec;
    bool follow;   /* found with -L: opened following links, checked by identity alone */
    uint64_t size; /* as found by the walk, for the progress meter */
} pack_input;

/* How pack_collect treats symbolic links, and what it leaves out. */
typedef struct pack_collect_opts {
    bool follow_links; /* -L: store what a link points to, as a regular file */
    bool skip_links;   /* --skip-links: leave links out, with one summary line */
    char **excludes;   /* --exclude PATTERN, fnmatch(3) on bundle paths */
    size_t nexcludes;
} pack_collect_opts;

/* Walks files and directories (through libarchive's disk reader) and unpacks archives (tar in
 * any compression, zip, 7z: through libarchive, into a private temporary directory) into one
 * list sorted by bundle path, leaving out what opts->excludes matches. Symbolic links are
 * followed with opts->follow_links (in an archive, only to another member of it), left out
 * with opts->skip_links, else counted and refused, naming the option. A hard link is stored
 * as its content under its own name. Refuses special files, bad names and duplicates with a
 * message naming the file or archive entry. The existing file at output (the bundle being
 * replaced) is skipped, as tar skips itself. Returns 0, or an exit code (2). */
int pack_collect(char *const *inputs, int n, char *const *archives, int na, const char *output,
                 const pack_collect_opts *opts, pack_input **out, size_t *count);

/* How messages name an input: its path, or for an archive member "ARCHIVE: entry NAME" (never
 * the private unpacking directory, which the user does not know). Returns buf or in->fs_path. */
const char *pack_input_name(const pack_input *in, char *buf, size_t cap);

/* Checks that path can be read before it is used: it exists, and a regular file can be opened,
 * a directory (only when dir_ok) listed and searched. Returns 0, or 2 after the message
 * "PATH: cannot read: REASON" with the system's reason. */
int pack_check_readable(const char *path, bool dir_ok);

/* Opens path for reading as pack_check_readable checks it (a directory is refused as EISDIR).
 * Returns a descriptor, or -1 after the same message. */
int pack_open_input(const char *path);

/* Opens an input for reading without following a symbolic link anywhere beneath its root
 * (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, else one directory descriptor per
 * component), and checks that root and file are still what the walk found (device, inode, a
 * regular file). An input found with -L (in->follow) is opened following links, which may
 * lead outside the root as the user asked, and is checked by device and inode alone. Fills *st;
 * returns the descriptor, or -1 after a message naming the file
 * ("changed while packing" when it was replaced). Keeps the last root open until
 * pack_cleanup. */
int pack_input_open(const pack_input *in, struct stat *st);

/* Closes the root directory that pack_input_open keeps open (pack_open.c). */
void pack_input_close(void);

/* Removes what pack_collect unpacked and closes what pack_input_open kept open. */
void pack_cleanup(void);
void pack_inputs_free(pack_input *in, size_t count);

/* Reads a passphrase from file (its first line; "-" is standard input) or, with file NULL,
 * from the terminal without echo (twice when confirm, for keygen). An empty passphrase is
 * refused. Unless quiet, then says on stderr that a key is being derived from it (the caller
 * runs scrypt next, for seconds). Returns sodium_malloc'd text or NULL after printing why. */
char *pack_passphrase(const char *file, bool confirm, bool quiet);

/* Provenance per input (SPEC 5.5): the CSL-JSON item describing it (or NULL), the entry
 * number of its original (or QUIRE_LINK_NONE), and whether it is itself an original. */
typedef struct pack_provenance {
    json_t **items;
    uint32_t *links;
    bool *original;
    size_t n;
} pack_provenance;

int pack_provenance_init(pack_provenance *pv, size_t n);
void pack_provenance_free(pack_provenance *pv);

/* Loads a CSL-JSON array (-s) and attaches its items to the inputs they name in
 * "quire-files". Returns 0, or 2 after a message naming the file, item and field. */
int pack_sources_load(const char *path, const pack_input *in, size_t n, pack_provenance *pv);

/* The collection metadata (-m FILE, or none): checked (unknown keys are warned about, with a
 * suggestion for a near miss), with generator, (from SOURCE_DATE_EPOCH) created and (when
 * supersedes, the 64 hex digits of --supersedes, is not NULL) supersedes added; canonical JSON
 * text to free, or NULL after a message (also when the file's own "supersedes" differs). */
char *pack_bundle_meta(const char *path, const char *supersedes);

/* An entry's metadata: its item (may be NULL) plus the media type guessed from its name and
 * its first bytes, and for a document without an item, a title (SPEC 11.1: HTML <title> or <h1>,
 * reStructuredText's first section title, else the first non-empty line that is not markup;
 * none for .buildinfo files), cut at a word boundary. Canonical JSON text to free, or NULL
 * when out of memory. */
char *pack_entry_meta(json_t *item, const char *path, const uint8_t *head, size_t n);

/* Reads a minisign secret key file (asking for its passphrase, from pwfile or the terminal,
 * when it is encrypted). Returns the key (quire_seckey_free) or NULL after a message. */
quire_seckey *pack_seckey_load(const char *path, const char *pwfile, bool quiet);

/* Trusts a public key for sign: from a file (-p) or, with base64 true, minisign's -P text
 * (the base64 line of a public key file). Appends it to *keys (realloc'd; each source is
 * borrowed from the argument). Returns 0 or 2 after a message. */
int pack_pubkey_add(quire_pubkey **keys, size_t *n, const char *arg, bool base64);

/* The time of --date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC) in seconds since 1970, or,
 * with text NULL, now. Returns 0 or 2 after a message. */
int pack_date(const char *cmd, const char *text, uint64_t *out);

/* Writes len bytes to out through a temporary file beside it (synced, renamed, the directory
 * synced), never over an existing file unless force. Returns 0 or 2 after a message. */
int pack_write_file(const char *out, const uint8_t *p, size_t len, bool force);

int pack_keygen(int argc, char **argv);
int pack_create(int argc, char **argv);
/* quire-pack timestamp request|attach (pack_timestamp.c). */
int pack_timestamp(int argc, char **argv);
int pack_sign(int argc, char **argv);
int pack_rotate(int argc, char **argv);
int pack_revoke(int argc, char **argv);

#endif
