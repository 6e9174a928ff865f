/* SPDX-License-Identifier: ISC */
/* read_static.c: the dynamic loader of the static quire-read (make static, QUIRE_STATIC).
 * A statically linked program cannot load a shared library (glibc's static dlopen needs, at run
 * time, the very libc it was linked against, which defeats the static build), and libarchive
 * linked in would bring libxml2 and ICU (35 MB) into the verifying reader. So in the static
 * build read_export.c's dlopen, dlsym and dlerror are compiled as the functions below
 * (CMakeLists.txt renames them; libc's are not replaced): loading always fails with a message
 * that says why, export (and serve, read_serve.c) reports it and exits 2, and every other
 * command is unaffected. */
#include <stddef.h>

void *quire_static_dlopen(const char *file, int mode);
void *quire_static_dlsym(void *restrict handle, const char *restrict name);
char *quire_static_dlerror(void);
char *quire_static_serve_dlerror(void);

void *quire_static_dlopen(const char *file, int mode)
{
    (void)file;
    (void)mode;
    return NULL;
}

void *quire_static_dlsym(void *restrict handle, const char *restrict name)
{
    (void)handle;
    (void)name;
    return NULL;
}

char *quire_static_dlerror(void)
{
    static char why[] = "export is not available in the static quire-read, which cannot load "
                        "shared libraries; use extract, or a dynamically linked quire-read";
    return why;
}

/* read_serve.c's dlerror: serve needs libmicrohttpd, loaded the same way. */
char *quire_static_serve_dlerror(void)
{
    static char why[] = "serve is not available in the static quire-read, which cannot load "
                        "shared libraries; use a dynamically linked quire-read";
    return why;
}
