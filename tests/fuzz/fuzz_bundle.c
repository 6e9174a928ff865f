/* SPDX-License-Identifier: ISC */
/* fuzz_bundle.c: libFuzzer target for a whole bundle: framing (SPEC 3, 7), the signature
 * block (SPEC 6), the statement and index region (SPEC 5) and every unit (SPEC 9 steps 10-12).
 * The bundle is put in a memory file and opened by the real reader with QUIRE_ANY_SIGNER, the
 * one switch that lets an unsigned statement reach the parser; the library has no other way
 * around the signature.
 *
 * Every part of a format 2 bundle is hashed, so the input is read as it is and then, if that
 * changes anything, once more re-sealed (each unit's BLAKE2b-256, each page's and the
 * directory's SHA-256, fuzz_seal.c), so that mutations reach the parser and the unit decoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_seal.h"
#include "quire.h"
#include "quire_private.h"

static int count_data(void *ctx, uint32_t entry, const uint8_t *p, size_t n, quire_error *err)
{
    (void)entry, (void)p, (void)err;
    *(size_t *)ctx += n;
    return QUIRE_OK;
}

static void read_bundle(const uint8_t *data, size_t size)
{
    char path[64];
    quire_reader *r = NULL;
    size_t total = 0;
    quire_walk_ops ops = {.data = count_data};
    int fd = memfd_create("bundle", MFD_CLOEXEC);

    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (quire_reader_open(path, &r, NULL) == QUIRE_OK &&
        quire_reader_authenticate(r, NULL, 0, QUIRE_ANY_SIGNER, NULL) == QUIRE_OK) {
        /* First a few entries alone, last to first, as `show` reads them: units are then
         * inflated in prefixes and reused out of order (SPEC 9 step 11). Then all of them. */
        const quire_index *idx = quire_reader_index(r);
        bool *one = calloc(idx->entry_count ? idx->entry_count : 1, sizeof *one);
        uint32_t n = idx->entry_count < 8 ? idx->entry_count : 8;
        for (uint32_t i = n; one != NULL && i-- > 0;) {
            const uint8_t *leaf;
            size_t len;
            one[i] = true;
            int walked = quire_reader_walk(r, one, NULL, NULL, NULL);
            int leafed = quire_reader_entry_leaf(r, i, &leaf, &len, NULL);
            /* the leaf is refused only for metadata, which the walk checks first */
            if (walked == QUIRE_OK && leafed != QUIRE_OK)
                __builtin_trap();
            one[i] = false;
        }
        free(one);
        /* The quick check (metadata and unit hashes, on several threads) checks a part of what
         * the full walk checks: it may not fail where the walk passes. */
        int quick = quire_reader_check_units(r, NULL, NULL, NULL);
        int full = quire_reader_walk(r, NULL, &ops, &total, NULL);
        if (full == QUIRE_OK && (total != idx->stream_size || quick != QUIRE_OK))
            __builtin_trap();
        int root = quire_reader_check_root(r, NULL);
        if (root != QUIRE_OK && root != QUIRE_E_FORMAT)
            __builtin_trap();
        if (quire_reader_fingerprint(r) == NULL)
            __builtin_trap();
    }
    quire_reader_close(r);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_bundle(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    if (fuzz_reseal_bundle(copy, size))
        read_bundle(copy, size);
    free(copy);
    return 0;
}
