/* SPDX-License-Identifier: ISC */
/* cmds_bundle.h: writes a validly signed bundle from caller-chosen paths, metadata, contents
 * and trusted comment with the real writer (lib/write), for the random command harness
 * (tests/cmds) and the command fuzz target (tests/fuzz/fuzz_cmds.c). Test code. */
#ifndef CMDS_BUNDLE_H
#define CMDS_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "quire_write.h"

typedef struct cmds_entry {
    const uint8_t *path; /* not NUL-terminated; may hold any bytes */
    size_t path_len;
    const uint8_t *meta; /* empty or a JSON object */
    size_t meta_len;
    const uint8_t *data;
    size_t len;
    uint8_t role; /* QUIRE_ROLE_*; 0 means document */
    int link;     /* position in the caller's array of this document's original, or -1 */
    int keep;     /* set by cmds_entries_prepare: 1 if the entry goes into the bundle */
} cmds_entry;

/* Decides which entries a valid bundle can hold: paths that pass SPEC 4 (quire_path_check),
 * no duplicates, no path that is a directory of another (SPEC 4.3), links only from a document
 * to a kept original (SPEC 5.3). Sets e[i].keep and returns how many are kept. */
size_t cmds_entries_prepare(cmds_entry *e, size_t n);

/* Writes a bundle of the kept entries (in SPEC 4.3 order) to fd, which must be empty and at
 * offset 0, signed by sk with comment. fp receives the fingerprint. Returns 0, or a QUIRE_E_*
 * code with err filled when the writer refused (for example metadata that breaks SPEC 5.5). */
int cmds_bundle_write(int fd, const uint8_t *bundle_meta, size_t bundle_meta_len,
                      const char *comment, const cmds_entry *e, size_t n, const quire_seckey *sk,
                      uint8_t fp[QUIRE_FINGERPRINT_BYTES], quire_error *err);

#endif
