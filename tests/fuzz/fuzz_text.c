/* SPDX-License-Identifier: ISC */
/* fuzz_text.c: libFuzzer target for the text layers quote and search build from document
 * content (HTML extraction and normalisation). A document is verified before it gets here, but
 * its signer may be hostile, so this parser faces attacker-chosen bytes too. */
#include "quire_text.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, unsigned long size)
{
    quire_text html = {0}, norm = {0};
    if (quire_text_from_html((const char *)data, size, &html) == 0 &&
        quire_text_normalize(&html, QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | QUIRE_NORM_CASE, &norm) ==
            0) {
        for (size_t i = 0; i < norm.len; i++)
            if (norm.map[i] >= html.len || html.map[norm.map[i]] >= size)
                __builtin_trap(); /* every byte must map back inside its source */
    }
    quire_text_free(&html);
    quire_text_free(&norm);
    return 0;
}
