/* SPDX-License-Identifier: ISC */
/* fuzz_receipt_seeds.c DIR: writes fuzz_receipt's seed corpus, receipts signed by the fuzzer's
 * fixed key (tests/unit/receipt_build.c): every entry of trees of 1, 2, 7 and 40 entries,
 * binary and armoured. */
#include <stdio.h>
#include <stdlib.h>

#include "receipt_build.h"

static int put(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const uint32_t sizes[] = {1, 2, 7, 40};
    rb_key k;
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_receipt_seeds DIR\n");
        return 2;
    }
    rb_key_fixed(&k);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        rb_tree t;
        rb_tree_make(&t, sizes[s], &k);
        for (uint32_t i = 0; i < t.n; i += 1 + t.n / 8) {
            uint8_t *b;
            size_t len, tlen;
            char *text, name[64];
            quire_error err = {0};
            if (rb_receipt(&t, &k, i, &b, &len, &err) != QUIRE_OK ||
                quire_receipt_armour(b, len, &text, &tlen, &err) != QUIRE_OK) {
                fprintf(stderr, "fuzz_receipt_seeds: %s\n", err.msg);
                return 1;
            }
            snprintf(name, sizeof name, "r-%u-%u.qrc", t.n, i);
            if (put(argv[1], name, b, len) != 0)
                return 2;
            snprintf(name, sizeof name, "r-%u-%u.txt", t.n, i);
            if (put(argv[1], name, text, tlen) != 0)
                return 2;
            free(b);
            free(text);
        }
        rb_tree_free(&t);
    }
    return 0;
}
