/* SPDX-License-Identifier: ISC */
/* fuzz_receipt.c: citation receipts (lib/common/quire_receipt.c) on any bytes, as
 * check-receipt takes them: dearmour, parse, and verify with the fixed key of
 * tests/unit/receipt_build.c (tried after a key with the same id but another public key, so
 * both outcomes of the key loop run). Whatever parses, and whose leaf holds a valid path and
 * canonical metadata (which parse leaves to verify, SPEC 10.4 "Order", and the encoder checks),
 * must encode back to the same bytes; whatever parses survives the armour's round trip.
 * Seeds: fuzz_receipt_seeds (scripts/fuzz.sh). */
#include <stdlib.h>
#include <string.h>

#include "quire.h"
#include "quire_json.h"
#include "quire_receipt.h"
#include "receipt_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static quire_pubkey keys[2];

static void init_keys(void)
{
    rb_key k;
    rb_key_fixed(&k);
    rb_key_pub(&k, &keys[1]);
    keys[0] = keys[1];
    keys[0].pk[0] ^= 1; /* same id, another key */
}

/* The leaf's text as the encoder checks it: a valid path, metadata empty or canonical. */
static bool leaf_text_ok(const quire_receipt *r)
{
    quire_error e;
    if (quire_path_check(r->path, r->path_len, &e) != QUIRE_OK)
        return false;
    return r->meta_len == 0 ||
           (r->meta[0] == '{' &&
            quire_json_check_canonical((const char *)r->meta, r->meta_len, &e) == QUIRE_OK);
}

/* A parsed receipt encodes back to its bytes (when its leaf's text is valid; else the encoder
 * must refuse it) and goes through the armour unchanged. */
static void round_trips(const uint8_t *bin, size_t len, const quire_receipt *r)
{
    uint8_t *again = NULL, *back;
    size_t again_len = 0, back_len, text_len;
    char *text;
    quire_error err;
    int rc = quire_receipt_encode(r->key_id, r->sig, r->statement, r->leaf_index, r->leaf,
                                  r->leaf_len, r->proof, r->proof_len, &again, &again_len, &err);
    if (leaf_text_ok(r) ? rc != QUIRE_OK || again_len != len || memcmp(again, bin, len) != 0
                        : rc == QUIRE_OK)
        abort();
    free(again);
    if (quire_receipt_armour(bin, len, &text, &text_len, &err) != QUIRE_OK ||
        quire_receipt_dearmour((const uint8_t *)text, text_len, &back, &back_len, &err) !=
            QUIRE_OK ||
        back_len != len || memcmp(back, bin, len) != 0)
        abort();
    free(text);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *bin;
    size_t len, which = 9;
    quire_receipt r;
    quire_error err;
    if (keys[1].key_id[0] == 0)
        init_keys();
    if (quire_receipt_dearmour(data, size, &bin, &len, &err) != QUIRE_OK)
        return 0;
    if (quire_receipt_parse(bin, len, &r, &err) == QUIRE_OK) {
        round_trips(bin, len, &r);
        if (quire_receipt_verify(&r, keys, 2, &which, &err) == QUIRE_OK && which != 1)
            abort();
    }
    free(bin);
    return 0;
}
