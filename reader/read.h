/* SPDX-License-Identifier: ISC */
/* read.h: shared declarations of quire-read's modules. */
#ifndef READ_H
#define READ_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "cli_escape.h"
#include "quire.h"
#include "quire_private.h"

#define PROG "quire-read"

/* Options shared by the commands. */
typedef struct read_opts {
    quire_pubkey *keys; /* trusted keys; each one's source is its file name (malloc'd) */
    size_t nkeys;
    const char *keys_dir; /* the trusted-keys directory looked in (malloc'd), NULL with -p */
    bool any_signer;
    bool json;
    bool longlist;
    bool force;
    bool quiet;
    const char *dir;
    const char *format;
    bool no_pager;
    bool no_sync;
    bool with_metadata;
    bool quick;
    bool keep_going; /* extract: write what verifies, name what does not */
    bool text;       /* diff: unified diffs of changed text documents */
} read_opts;

/* Prints "quire-read: FILE: message" on stderr. */
void read_fail(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* read_fail for a library error: its message, and with --json an error object on stdout that
 * carries its fields (rule, entry, unit, signature). */
void read_error(const char *file, const quire_error *err);

/* read_fail with a message of its own about a library error err, whose fields the --json error
 * object carries. */
void read_fail_with(const quire_error *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Opens and authenticates a bundle (SPEC 9 steps 1-9), printing any failure. Returns the
 * reader or NULL with *code set to the exit code. Warns on stderr when the signer is not
 * trusted and --any-signer allowed it. */
quire_reader *read_open(const char *path, const read_opts *o, int *code);

/* Looks up PATH in an authenticated bundle; prints "no entry" and returns 2 when absent. */
int read_find(const quire_reader *r, const char *bundle, const char *path, uint32_t *i);

/* Entry i's metadata through the checking accessor, parsed (an empty object when it has none).
 * Returns 0 with *out owned by the caller, or an exit code after a message. */
int read_entry_meta(quire_reader *r, const char *bundle, uint32_t i, json_t **out);

/* Walks the one entry i (SPEC 9 steps 10-12) with ops (may be NULL). Returns a QUIRE code. */
int read_walk_one(quire_reader *r, uint32_t i, const quire_walk_ops *ops, void *ctx,
                  quire_error *err);

/* ---- trusted keys (read_keys.c) ---- */

/* Trusts the public key in FILE (-p). Returns 0, or 2 after a message when the file is not a
 * usable key or its key id is that of another trusted key. */
int read_keys_add(read_opts *o, const char *path);

/* Trusts every usable *.pub of the trusted-keys directory (QUIRE_TRUSTED_KEYS, else the XDG
 * default, which need not exist); skips other files with a warning, warns when the directory
 * or a key is writable by group or others. Returns 0, or 2 after a message when
 * QUIRE_TRUSTED_KEYS cannot be opened or two keys share a key id. */
int read_keys_load_dir(read_opts *o);

/* Prints the library's message msg for an untrusted bundle, with the keys that were tried. */
void read_keys_untrusted(const char *bundle, const read_opts *o, const quire_error *err);

/* Frees the keys and their names. */
void read_keys_free(read_opts *o);

int cmd_verify(const read_opts *o, int argc, char **argv);
int cmd_info(const read_opts *o, int argc, char **argv);
int cmd_list(const read_opts *o, int argc, char **argv);
int cmd_show(const read_opts *o, int argc, char **argv);
int cmd_extract(const read_opts *o, int argc, char **argv);
int cmd_cite(const read_opts *o, int argc, char **argv);
int cmd_quote(const read_opts *o, int argc, char **argv);
int cmd_search(const read_opts *o, int argc, char **argv);
int cmd_diff(const read_opts *o, int argc, char **argv);
int cmd_export(const read_opts *o, int argc, char **argv);

/* ---- terminal-safe output (read_out.c) ---- */

/* Writes s (len bytes) to f through cli_escape: controls (newline and tab included), DEL, C1,
 * bidi and invisible controls and invalid UTF-8 shown as escapes, so nothing from a bundle can
 * drive or disguise the terminal. */
void out_safe(FILE *f, const char *s, size_t len);

/* As out_safe, but newlines are written as they are. */
void out_safe_text(FILE *f, const char *s, size_t len);

/* Writes the hex of n bytes to f. */
void out_hex(FILE *f, const uint8_t *p, size_t n);

/* The role's name: "document" or "original". */
const char *out_role(uint8_t role);

/* Writes a JSON value followed by a newline to stdout, keys sorted, and frees it. */
int out_json(void *json_value);

/* Whether out_json has written a document: stdout holds one JSON document per run, so a
 * failure after it (a verified negative answer) adds no error object. */
extern bool out_json_written;

/* Whether the program's stdout is a terminal (set once at start, before any pager). */
extern bool out_terminal;

/* Streams content to f: raw when stdout is not a terminal, else through cli_escape (newline
 * and tab kept; raw 8-bit C1 bytes and invalid UTF-8 escaped). state must be initialised with
 * cli_escape_init(state, CLI_ESC_KEEP_NEWLINE | CLI_ESC_KEEP_TAB) and kept between calls; a
 * last call with n == 0 flushes. */
int out_content(FILE *f, const uint8_t *p, size_t n, cli_escape *state);

/* ---- line diff (read_udiff.c) ---- */

/* Writes to f the unified diff (three lines of context) from text a to text b, headed
 * "--- a_name" and "+++ b_name". The texts are written as they are: the caller escapes f's
 * contents for the terminal. Returns 0, 1 when the texts are too far apart to show (nothing is
 * written), or -1 when out of memory. */
int read_udiff(FILE *f, const char *a, size_t alen, const char *b, size_t blen, const char *a_name,
               const char *b_name);

#endif
