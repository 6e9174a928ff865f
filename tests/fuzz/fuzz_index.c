/* SPDX-License-Identifier: ISC */
/* fuzz_index.c: libFuzzer target for the index parser (SPEC 5, 9 steps 7-9). The input is an
 * index region (entry pages, unit table, directory, bundle metadata, statement); the header
 * its statement must repeat is the valid format 2 header. No signature is involved: the parser
 * is called directly, as the reader calls it once the statement's signature has been checked.
 *
 * The region is parsed as it is, which mostly exercises the hashes, and then, re-sealed (every
 * page and directory hash recomputed, fuzz_seal.c), with the reader's flags, so that
 * mutations reach the structural rules; the deferred checks (the Merkle root, each entry's
 * metadata) run after. Both parses work on exact-size buffers. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_seal.h"
#include "quire.h"
#include "quire_private.h"

static const uint8_t header[QUIRE_HEADER_BYTES] = {0x89, 'Q', 'U', 'I', 'R', 'E', '\r', '\n',
                                                   2,    0,   0,   0,   1,   1,   1};

static void check_parsed(quire_index *idx)
{
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        uint32_t found;
        if (quire_index_find(idx, idx->entries[i].path, &found) != QUIRE_OK || found != i)
            __builtin_trap();
        if (quire_index_check_meta(idx, i, NULL) != QUIRE_OK)
            continue;
        const struct quire_meta_ref *m = &idx->meta_refs[i];
        if (m->len > 0 && m->meta[0] != '{')
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_index idx;
    if (quire_index_parse(data, size, header, &idx, NULL) == QUIRE_OK) {
        check_parsed(&idx);
        if (quire_index_check_root(&idx, NULL) != QUIRE_OK) /* parse checked it already */
            __builtin_trap();
        quire_index_free(&idx);
    }
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    if (fuzz_reseal_index(copy, size) &&
        quire_index_parse_ex(copy, size, header, QUIRE_INDEX_DEFER_META | QUIRE_INDEX_DEFER_ROOT,
                             &idx, NULL) == QUIRE_OK) {
        check_parsed(&idx);
        (void)quire_index_check_root(&idx, NULL);
        quire_index_free(&idx);
    }
    free(copy);
    return 0;
}
