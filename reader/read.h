/* SPDX-License-Identifier: ISC */
/* read.h: shared declarations of quire-read's modules. */
#ifndef READ_H
#define READ_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

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
    bool keep_going;          /* extract: write what verifies, name what does not */
    bool text;                /* diff: unified diffs of changed text documents */
    bool sources;             /* info: the provenance as a sources file (CSL-JSON) */
    bool words;               /* search: whole words only */
    const char *path_prefix;  /* search: only documents whose path starts with it */
    const char *output;       /* receipt: the file to write (-o), NULL for stdout */
    bool receipt;             /* cite: embed a citation receipt */
    bool signer_required;     /* receipt, cite --receipt: --any-signer is no way out */
    unsigned need;            /* --need N: distinct trusted keys that must have signed */
    struct read_trust *trust; /* key statements and the chains they make (read_trust.c) */
    char **tsa_ca;            /* --tsa-ca: trusted TSA certificate files (read_tsa.h) */
    size_t ntsa_ca;
    const char *port;   /* serve: --port N */
    const char *listen; /* serve: --listen ADDR, NULL for loopback */
    bool allow_scripts; /* serve: documents' scripts may run */
} read_opts;

/* Prints "quire-read: FILE: message" on stderr. */
void read_fail(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As read_fail, for a note that is not a failure (a capped count, a document whose text could
 * not be read): never the --json error object. */
void read_note(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

/* read_open for one entry: reads only the index page that holds ENTRY when it is spelled as
 * stored, else the whole index; finds it (read_find: other spellings, suggestions). Returns the
 * reader with *i set, or NULL with *code set after a message. */
quire_reader *read_open_entry(const char *path, const char *entry, const read_opts *o, uint32_t *i,
                              int *code);

/* Looks up PATH in an authenticated bundle as a user may write it: as stored, else as
 * read_path_clean makes it ("./x" and "x/" are x). Returns 0 with *i set; when absent prints
 * read_no_entry's message and returns 2. */
int read_find(const quire_reader *r, const char *bundle, const char *path, uint32_t *i);

/* Looks up PATH in another Unicode normalisation form (NFC or NFD) than typed, loading the text
 * module to make them; true with *i set if one is in the bundle. */
bool read_find_form(const quire_index *idx, const char *path, uint32_t *i);

/* PATH without leading "./" and trailing "/", repeated slashes made one (malloc'd; NULL when
 * out of memory). */
char *read_path_clean(const char *path);

/* Most paths read_suggest gives. */
#define READ_SUGGESTIONS 3

/* The entries nearest to PATH (edit distance on the whole path or on the last component, or
 * PATH a prefix of theirs), nearest first: at most READ_SUGGESTIONS entry numbers in out.
 * Returns how many. */
size_t read_suggest(const quire_index *idx, const char *path, uint32_t *out);

/* Prints "BUNDLE: no entry 'PATH' in the bundle" with the nearest paths ("did you mean"), or
 * that PATH is a directory of the bundle. */
void read_no_entry(const quire_index *idx, const char *bundle, const char *path);

/* The worse of two exit codes: 1 (verification failed) over 2 over 3 over 0. */
int read_worse(int a, int b);

/* With --json over several bundles, the error object of each failure is appended to arr
 * (borrowed) instead of written to stdout; call it again for each bundle (NULL to stop). */
void read_json_collect(json_t *arr);

/* Entry i's metadata through the checking accessor, parsed (an empty object when it has none).
 * Returns 0 with *out owned by the caller, or an exit code after a message. */
int read_entry_meta(quire_reader *r, const char *bundle, uint32_t i, json_t **out);

/* Entry i's record (path, role, size, sha256, executable, metadata, original) as JSON, or
 * NULL after a message with *code set. */
json_t *read_entry_json(quire_reader *r, const char *bundle, uint32_t i, int *code);

/* Walks the one entry i (SPEC 9 steps 10-12) with ops (may be NULL). Returns a QUIRE code. */
int read_walk_one(quire_reader *r, uint32_t i, const quire_walk_ops *ops, void *ctx,
                  quire_error *err);

/* The text module (read_textmod.c), loaded on first use, or NULL; then, with bundle not NULL,
 * after "BUNDLE: WHAT: the text module cannot be loaded (every place tried)". */
struct quire_text_api_v1;
const struct quire_text_api_v1 *read_text_module(const char *bundle, const char *what);

/* ---- trusted keys (read_keys.c) ---- */

/* Trusts the public key in FILE (-p). Returns 0, or 2 after a message when the file is not a
 * usable key or its key id is that of another trusted key. */
int read_keys_add(read_opts *o, const char *path);

/* Trusts every usable *.pub of the trusted-keys directory (QUIRE_TRUSTED_KEYS, else the XDG
 * default, which need not exist); skips other files with a warning, warns when the directory
 * or a key is writable by group or others. Returns 0, or 2 after a message when
 * QUIRE_TRUSTED_KEYS cannot be opened or two keys share a key id. */
int read_keys_load_dir(read_opts *o);

/* The keys that were tried, for a message: "tried keys ID (FILE), ...", "tried key ID from
 * DIR" or "no trusted key in DIR" (at most cap bytes, cut silently). */
void read_keys_tried(const read_opts *o, char *tried, size_t cap);

/* Prints the library's message msg for an untrusted bundle, with the keys that were tried. */
void read_keys_untrusted(const char *bundle, const read_opts *o, const quire_error *err);

/* Trusts the key given as the base64 line of a minisign public key (-P, as minisign takes
 * it). Returns 0, or 2 after a message. */
int read_keys_add_base64(read_opts *o, const char *text);

/* The sorted names of the directory's files (not hidden ones) ending in suffix (malloc'd, each
 * and the array). Returns 0, or -1 with errno set. */
int read_keys_list(int dfd, const char *suffix, char ***out, size_t *n);

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
int cmd_receipt(const read_opts *o, int argc, char **argv);
int cmd_check_receipt(const read_opts *o, int argc, char **argv);
int cmd_serve(const read_opts *o, int argc, char **argv); /* read_serve.c */

/* ---- receipts (read_receipt.c) ---- */

/* The armoured receipt (SPEC 10.3) for entry i of an authenticated bundle whose signer a
 * trusted key verified; the caller has checked the entry's content (read_walk_one). Returns 0
 * with *armour malloc'd (NUL-terminated, *len bytes), or an exit code after a message naming
 * bundle. */
int read_receipt_make(quire_reader *r, const char *bundle, uint32_t i, char **armour, size_t *len);

/* The base64 line of an armoured receipt (the text after the comment line, without its line
 * end), pointing into armour; *len its length. */
const char *read_receipt_base64(const char *armour, size_t *len);

/* ---- paging (read_pager.c) ---- */

/* Collects stdout to show it through $PAGER when longer than the screen. Returns whether stdout
 * is now collected. */
bool read_pager_start(void);

/* Shows what was collected (through the pager or not), waits for the pager and restores
 * stdout. A pager that cannot run is reported in a warning and the output goes to the
 * terminal. */
void read_pager_finish(void);

/* Whether the user quit the pager: output is dropped from then on and the command may stop
 * early; that is success. */
bool read_pager_gone(void);

/* ---- metadata for people (read_format.c) ---- */

/* Parses the leading fields of "YYYY-MM-DDTHH:MM:SSZ" (a prefix ending after any field, e.g.
 * "2016" or "2016-05-02", is accepted; missing fields are the first of their range) into tm.
 * Returns how many fields were read, 0 if s is not of that form. */
int read_parse_time(const char *s, struct tm *tm);

/* n bytes as "512 bytes", or "1.2 MiB (1,234,567 bytes)". */
void read_size_text(char *buf, size_t cap, uint64_t n);

/* A CSL date as ISO 8601 ("2016-05-02", "2016-05", a range "2016-05-02/2016-05-09"), its raw
 * or literal text, or NULL when it is none of these (malloc'd). */
char *read_csl_date(json_t *date);

/* A CSL name list: "Given Family" or, with family_first, "Family, Given", joined by sep; NULL
 * when there is no name (malloc'd). */
char *read_csl_names(json_t *list, bool family_first, const char *sep);

/* A metadata value as text: dates as ISO 8601, names as names, lists joined, other JSON
 * compact (malloc'd, NULL when out of memory). */
char *read_meta_text(json_t *v);

/* Prints each member of meta as "  key: value" (read_meta_text, escaped): those named in
 * first (NULL-terminated, may be NULL) first and in that order, then the others. */
void read_print_meta(json_t *meta, const char *const *first);

/* ---- terminal-safe output (read_out.c) ---- */

/* Writes s (len bytes) to f through cli_escape: controls (newline and tab included), DEL, C1,
 * bidi and invisible controls and invalid UTF-8 shown as escapes, so nothing from a bundle can
 * drive or disguise the terminal. */
void out_safe(FILE *f, const char *s, size_t len);

/* Text meant to be copied elsewhere (a citation): escaped as out_safe_text on a terminal; to
 * a file or pipe as it is, less every character cli_escape would escape (controls but newline
 * and tab, DEL, C1, bidirectional and invisible format characters), invalid UTF-8 as U+FFFD. */
void out_text(FILE *f, const char *s, size_t len);

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

/* ---- outputs that appear only when complete (read_out.c) ---- */

/* Creates the temporary file "DIR/.quire-KIND.RANDOM" beside out (DIR is out's directory) into
 * tmp (cap bytes), registered with cli_cleanup (call cli_cleanup_install first), so that a
 * failure (cli_cleanup_remove) and SIGINT, SIGTERM or SIGHUP remove it. Returns the descriptor,
 * or -1 after a message naming out; *handle is the registration (-1 when none). */
int out_make_tmp(const char *out, const char *kind, char *tmp, size_t cap, int *handle);

/* Gives the temporary file fd the mode a new file gets (0666 less the umask), syncs it and
 * closes it; rc is the result of writing it so far (nothing is done but close unless it is
 * QUIRE_OK). Returns rc, or QUIRE_E_IO in err. */
int out_close_tmp(int fd, int rc, quire_error *err);

/* out_close_tmp, syncing only if sync is set (export --no-sync). */
int out_close_tmp_sync(int fd, int rc, bool sync, quire_error *err);

/* Renames tmp to out: with force over anything, else never over an existing file, atomically
 * (RENAME_NOREPLACE, else link + unlink); then forgets tmp's registration (*handle = -1) and
 * syncs out's directory. Returns 0 or QUIRE_E_IO in err ("OUT exists: use --force ..."); the
 * caller still owns tmp (cli_cleanup_remove(*handle)) when the rename failed. */
int out_put_in_place(const char *tmp, const char *out, bool force, int *handle, quire_error *err);

/* out_put_in_place, syncing the directory only if sync is set (export --no-sync). */
int out_put_in_place_sync(const char *tmp, const char *out, bool force, bool sync, int *handle,
                          quire_error *err);

/* ---- line diff (read_udiff.c) ---- */

/* Writes to f the unified diff (three lines of context) from text a to text b, headed
 * "--- a_name" and "+++ b_name". The texts are written as they are: the caller escapes f's
 * contents for the terminal. Returns 0, 1 when the texts are too far apart to show (nothing is
 * written), or -1 when out of memory. */
int read_udiff(FILE *f, const char *a, size_t alen, const char *b, size_t blen, const char *a_name,
               const char *b_name);

#endif
