/* SPDX-License-Identifier: ISC */
/* fuzz_json.c: canonical JSON (lib/common/quire_json.c) on any bytes: it either refuses them
 * or gives text that is canonical (the check accepts it) and a fixed point (canonicalising it
 * again gives the same bytes). */
#include <stdlib.h>
#include <string.h>

#include "quire_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *c1, *c2;
    size_t n1, n2;
    quire_error err;
    if (quire_json_canonical((const char *)data, size, &c1, &n1, &err) != QUIRE_OK)
        return 0;
    if (quire_json_check_canonical(c1, n1, &err) != QUIRE_OK)
        abort();
    if (quire_json_canonical(c1, n1, &c2, &n2, &err) != QUIRE_OK || n1 != n2 ||
        memcmp(c1, c2, n1) != 0)
        abort();
    free(c1);
    free(c2);
    return 0;
}
