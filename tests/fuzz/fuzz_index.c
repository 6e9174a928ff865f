/* SPDX-License-Identifier: ISC */
/* fuzz_index.c: libFuzzer target for the index parser (SPEC 5). The input is an index; the
 * header it must repeat is the valid v1 header. No signature is involved: the parser is
 * called directly, as the reader calls it once the signature has been checked. */
#include <string.h>

#include "quire.h"
#include "quire_private.h"

static const uint8_t header[QUIRE_HEADER_BYTES] = {0x89, 'Q', 'U', 'I', 'R', 'E', '\r', '\n',
                                                   1,    0,   0,   0,   1,   1,   1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_index idx;
    uint32_t i;
    if (quire_index_parse(data, size, header, &idx, NULL) == QUIRE_OK) {
        for (i = 0; i < idx.entry_count; i++) {
            uint32_t found;
            if (quire_index_find(&idx, idx.entries[i].path, &found) != QUIRE_OK || found != i)
                __builtin_trap();
        }
        quire_index_free(&idx);
    }
    return 0;
}
