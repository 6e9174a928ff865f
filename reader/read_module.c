/* SPDX-License-Identifier: ISC */
/* read_module.c: see read_module.h. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "read_module.h"

/* The first members of every module's interface table. */
typedef struct module_head {
    unsigned version;
    size_t size;
} module_head;

typedef const void *(*module_api_fn)(unsigned version);

/* Appends "PATH: why" to the list of places tried. */
static void note_tried(read_module *m, const char *path, const char *why)
{
    size_t n = strlen(m->tried);
    snprintf(m->tried + n, sizeof m->tried - n, "%s%s: %s", n > 0 ? "; " : "", path, why);
}

static const void *try_path(read_module *m, const char *path)
{
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *e = dlerror();
        note_tried(m, path,
                   e != NULL && strstr(e, "No such file") != NULL ? "no such file"
                   : e != NULL                                    ? e
                                                                  : "cannot load");
        return NULL;
    }
    module_api_fn fn = (module_api_fn)dlsym(lib, m->symbol);
    const module_head *t = fn != NULL ? fn(m->version) : NULL;
    if (t == NULL || t->version != m->version || t->size < m->size) {
        char why[128];
        snprintf(why, sizeof why, "not a quire %s of interface version %u", m->what, m->version);
        note_tried(m, path, why);
        dlclose(lib);
        return NULL;
    }
    return t; /* kept loaded until exit */
}

static const void *load(read_module *m)
{
    const void *t = NULL;
    const char *env = getenv(m->env);
    char exe[4096];
    size_t flen = strlen(m->file);
    if (env != NULL && env[0] != '\0' && (t = try_path(m, env)) != NULL)
        return t;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - flen - 2);
    char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
    if (slash != NULL) {
        memcpy(slash + 1, m->file, flen + 1);
        if ((t = try_path(m, exe)) != NULL)
            return t;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", m->libdir, m->file);
    return try_path(m, path);
}

const void *read_module_load(read_module *m)
{
    if (m->api == NULL && m->tried[0] == '\0')
        m->api = load(m);
    return m->api;
}
