/* SPDX-License-Identifier: ISC */
/* tsa_module.c: the one symbol quire-tsa.so exports (quire_tsa_api.h). */
#include "quire_tsa_api.h"

__attribute__((visibility("default"))) const void *quire_tsa_api(unsigned version);

const void *quire_tsa_api(unsigned version)
{
    return version == QUIRE_TSA_API_VERSION ? quire_tsa_table() : NULL;
}
