/* pack.h: shared declarations of quire-pack's modules. */
#ifndef PACK_H
#define PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "quire_write.h"

#define PROG "quire-pack"

/* Prints the synopsis, and with full the whole help, to f. */
void pack_usage(FILE *f, bool full);

/* Prints "quire-pack: " and the message on stderr. */
void pack_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One regular file found in the inputs. */
typedef struct pack_input {
    char *bundle_path;
    char *fs_path;
    bool exec;
} pack_input;

/* Walks files and directories (through libarchive's disk reader, never following symlinks)
 * into a list sorted by bundle path. Refuses symlinks, special files, bad names and
 * duplicates with a message naming the file. Returns 0, or an exit code (2). */
int pack_collect(char *const *inputs, int n, pack_input **out, size_t *count);
void pack_inputs_free(pack_input *in, size_t count);

/* Reads a passphrase from file (its first line) or, with file NULL, from the terminal without
 * echo (twice when confirm). Returns sodium_malloc'd text or NULL after printing why. */
char *pack_passphrase(const char *file, bool confirm);

int pack_keygen(int argc, char **argv);
int pack_create(int argc, char **argv);

#endif
