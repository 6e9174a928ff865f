/* SPDX-License-Identifier: ISC */
/* read_module.h: finding and loading one of quire-read's optional modules (quire-text.so,
 * quire-tsa.so) with dlopen, for the commands that need them. Not in the static quire-read,
 * which links the text module in and has no time-stamp module. */
#ifndef READ_MODULE_H
#define READ_MODULE_H

#include <stddef.h>

/* A module and what loading it found. Every module's interface table begins with its version
 * and its size, which are checked before anything else in it is used. */
typedef struct read_module {
    const char *file;   /* "quire-text.so" */
    const char *env;    /* the environment variable naming another file: "QUIRE_TEXT_MODULE" */
    const char *libdir; /* where it is installed */
    const char *symbol; /* the function returning its interface table */
    const char *what;   /* "text module", for the messages */
    unsigned version;   /* the interface version this program speaks */
    size_t size;        /* the size of the table this program knows */
    const void *api;    /* the table, once loaded */
    char tried[2048];   /* "PATH: why; PATH: why" of the places that failed */
} read_module;

/* The module's table, loading it on first use from $ENV, then beside this program, then from
 * LIBDIR; NULL if none loads, with m->tried saying where it looked. Not tried again after a
 * failure. */
const void *read_module_load(read_module *m);

#endif
