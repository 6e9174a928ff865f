/* SPDX-License-Identifier: ISC */
/* quire_text_api.h: the interface of the loadable text module quire-text.so. quire-read links
 * neither utf8proc nor libxml2: quote and search (and show or extract when a typed path is not
 * found as it is) load the module with dlopen and take this table of functions from its one
 * exported symbol, QUIRE_TEXT_API_SYMBOL. The table is versioned like a plug-in ABI: a new
 * function goes at the end of a new struct version; a loader checks version and size. */
#ifndef QUIRE_TEXT_API_H
#define QUIRE_TEXT_API_H

#include "quire_text.h"

#define QUIRE_TEXT_API_SYMBOL "quire_text_api"
#define QUIRE_TEXT_API_VERSION 1u

/* The functions of quire_text.h that quire-read uses (each documented there). */
typedef struct quire_text_api_v1 {
    unsigned version;                      /* QUIRE_TEXT_API_VERSION */
    size_t size;                           /* sizeof (struct quire_text_api_v1) */
    const char *(*library_versions)(void); /* "utf8proc X (Unicode Y), libxml2 Z" */
    quire_text_kind (*kind_of)(const char *media_type, const char *path);
    quire_text_source *(*source_new)(quire_text_kind kind, const char *media_type, const char *path,
                                     quire_text_sink sink, void *ctx);
    int (*source_update)(quire_text_source *src, const char *p, size_t n);
    int (*source_final)(quire_text_source *src);
    bool (*source_binary)(const quire_text_source *src);
    const char *(*source_note)(const quire_text_source *src);
    void (*source_free)(quire_text_source *src);
    quire_text_norm *(*norm_new)(unsigned flags, quire_text_sink sink, void *ctx);
    void (*norm_feed)(void *norm, const char *s, size_t n, const quire_text_pos *pos);
    void (*norm_final)(quire_text_norm *st);
    void (*norm_free)(quire_text_norm *st);
    quire_text_matcher *(*matcher_new)(const char *pat, size_t len, unsigned options,
                                       quire_text_match_fn on_match, void *ctx);
    void (*matcher_reset)(quire_text_matcher *mt);
    void (*matcher_feed)(void *mt, const char *s, size_t n, const quire_text_pos *pos);
    void (*matcher_final)(quire_text_matcher *mt);
    void (*matcher_free)(quire_text_matcher *mt);
    int (*from_plain)(const char *s, size_t len, quire_text *out);
    int (*normalize)(const quire_text *in, unsigned flags, quire_text *out);
    void (*text_free)(quire_text *t);
    size_t (*words)(const char *s, size_t n, size_t **start, size_t **len);
    char *(*utf8_repair)(const char *s, size_t n, size_t *out_len);
    char *(*path_form)(const char *path, bool nfd);
    /* show --text: the text of a verified PDF (text/text_pdf.h's quire_pdf_text), or NULL in a
     * module built without poppler. */
    int (*pdf_text)(const uint8_t *pdf, size_t len, char **text, size_t *text_len, char *err,
                    size_t errcap);
} quire_text_api_v1;

/* The module's one exported function: the table for version, or NULL if the module does not
 * provide that version. */
typedef const void *(*quire_text_api_fn)(unsigned version);

#endif
