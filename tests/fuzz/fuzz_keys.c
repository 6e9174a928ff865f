/* SPDX-License-Identifier: ISC */
/* fuzz_keys.c: libFuzzer target for key files (SPEC 6.1) and signature blocks (SPEC 6). No
 * passphrase is given, so an encrypted key stops before scrypt runs. */
#include "quire_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_pubkey pk;
    quire_seckey *sk = NULL;
    quire_sigblock sb;
    uint8_t prehash[QUIRE_PREHASH_BYTES] = {0};

    if (quire_pubkey_parse((const char *)data, size, &pk, NULL) == QUIRE_OK &&
        quire_sigblock_parse(data, size, &sb, NULL) == QUIRE_OK)
        for (uint32_t i = 0; i < sb.count; i++)
            (void)quire_sig_verify(&sb.sigs[i], &pk, prehash);
    if (quire_seckey_parse((const char *)data, size, NULL, &sk, NULL) == QUIRE_OK)
        quire_seckey_free(sk);
    if (quire_sigblock_parse(data, size, &sb, NULL) == QUIRE_OK && sb.count == 0)
        __builtin_trap();
    return 0;
}
