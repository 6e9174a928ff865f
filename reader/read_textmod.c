/* SPDX-License-Identifier: ISC */
/* read_textmod.c: loads the text module for quote and search (and for a path typed in another
 * Unicode normalisation form). quire-read does not link utf8proc or libxml2, so that verify and
 * the other commands run without them (SECURITY.md, "a small verifying core"); the module is
 * looked for in $QUIRE_TEXT_MODULE, beside the program (a build tree), then in the install
 * directory. A module that cannot be loaded is an error naming every place tried: quote and
 * search never fall back to cruder matching. The static quire-read links the module's code in
 * (QUIRE_TEXT_LINKED) and loads nothing. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire_text_api.h"
#include "read.h"

#ifndef QUIRE_TEXT_LIBDIR
#define QUIRE_TEXT_LIBDIR "/usr/local/lib/quire"
#endif
#define MODULE_NAME "quire-text.so"

static const quire_text_api_v1 *api;
static char tried[2048];

#ifdef QUIRE_TEXT_LINKED
const void *quire_text_api(unsigned version);

static const quire_text_api_v1 *load(void)
{
    return quire_text_api(QUIRE_TEXT_API_VERSION);
}
#else
/* Appends "PATH: why" to the list of places tried. */
static void note_tried(const char *path, const char *why)
{
    size_t n = strlen(tried);
    snprintf(tried + n, sizeof tried - n, "%s%s: %s", n > 0 ? "; " : "", path, why);
}

static const quire_text_api_v1 *try_path(const char *path)
{
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *e = dlerror();
        note_tried(path, e != NULL && strstr(e, "No such file") != NULL ? "no such file"
                         : e != NULL                                    ? e
                                                                        : "cannot load");
        return NULL;
    }
    quire_text_api_fn fn = (quire_text_api_fn)dlsym(lib, QUIRE_TEXT_API_SYMBOL);
    const quire_text_api_v1 *t = fn != NULL ? fn(QUIRE_TEXT_API_VERSION) : NULL;
    if (t == NULL || t->version != QUIRE_TEXT_API_VERSION || t->size < sizeof *t) {
        note_tried(path, "not a quire text module of interface version 1");
        dlclose(lib);
        return NULL;
    }
    return t; /* kept loaded until exit */
}

static const quire_text_api_v1 *load(void)
{
    const quire_text_api_v1 *t = NULL;
    const char *env = getenv("QUIRE_TEXT_MODULE");
    char exe[4096];
    if (env != NULL && env[0] != '\0' && (t = try_path(env)) != NULL)
        return t;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - sizeof MODULE_NAME - 1);
    char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
    if (slash != NULL) {
        memcpy(slash + 1, MODULE_NAME, sizeof MODULE_NAME);
        if ((t = try_path(exe)) != NULL)
            return t;
    }
    return try_path(QUIRE_TEXT_LIBDIR "/" MODULE_NAME);
}
#endif

const quire_text_api_v1 *read_text_module(const char *bundle, const char *what)
{
    if (api == NULL && tried[0] == '\0')
        api = load();
    if (api == NULL && bundle != NULL)
        read_fail(bundle, "%s: the text module cannot be loaded (%s)", what, tried);
    return api;
}
