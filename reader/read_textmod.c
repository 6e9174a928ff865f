/* SPDX-License-Identifier: ISC */
/* read_textmod.c: loads the text module for quote and search (and for a path typed in another
 * Unicode normalisation form). quire-read does not link utf8proc or libxml2, so that verify and
 * the other commands run without them (SECURITY.md, "a small verifying core"); the module is
 * looked for in $QUIRE_TEXT_MODULE, beside the program (a build tree), then in the install
 * directory. A module that cannot be loaded is an error naming every place tried: quote and
 * search never fall back to cruder matching. The static quire-read links the module's code in
 * (QUIRE_TEXT_LINKED) and loads nothing. */
#include "quire_text_api.h"
#include "read.h"
#include "read_module.h"

#ifndef QUIRE_TEXT_LIBDIR
#define QUIRE_TEXT_LIBDIR "/usr/local/lib/quire"
#endif
#ifdef QUIRE_TEXT_LINKED
const void *quire_text_api(unsigned version);

static const char tried[] = "";

static const quire_text_api_v1 *module(void)
{
    return quire_text_api(QUIRE_TEXT_API_VERSION);
}
#else
static read_module text_module = {.file = "quire-text.so",
                                  .env = "QUIRE_TEXT_MODULE",
                                  .libdir = QUIRE_TEXT_LIBDIR,
                                  .symbol = QUIRE_TEXT_API_SYMBOL,
                                  .what = "text module",
                                  .version = QUIRE_TEXT_API_VERSION,
                                  .size = sizeof(quire_text_api_v1)};
#define tried (text_module.tried)

static const quire_text_api_v1 *module(void)
{
    return read_module_load(&text_module);
}
#endif

const quire_text_api_v1 *read_text_module(const char *bundle, const char *what)
{
    const quire_text_api_v1 *api = module();
    if (api == NULL && bundle != NULL)
        read_fail(bundle, "%s: the text module cannot be loaded (%s)", what, tried);
    return api;
}
