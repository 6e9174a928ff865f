/* SPDX-License-Identifier: ISC */
/* text_source.c: the text layer of a document by its kind: plain text as it is, HTML through
 * text_html.c, other formats through an extractor (text/text_pdf.c provides the PDF one). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text_internal.h"

/* Extractors a module may provide: weak, so that the module builds without them. */
extern const quire_text_extractor quire_text_extractor_pdf __attribute__((weak));

static const quire_text_extractor *extractor_for(const char *media_type, const char *path)
{
    enum { EXTRACTORS = 1 };
    const quire_text_extractor *all[EXTRACTORS] = {&quire_text_extractor_pdf};
    for (size_t i = 0; i < EXTRACTORS; i++)
        if (all[i] != NULL && all[i]->accepts(media_type, path))
            return all[i];
    return NULL;
}

static bool has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcasecmp(path + n - k, suffix) == 0;
}

/* Media types whose content is text although they are not text/...: JSON, XML, scripts. */
static bool textual(const char *mt)
{
    static const char *const types[] = {
        "application/json",  "application/xml",      "application/javascript", "application/x-sh",
        "application/x-tex", "application/sql",      "application/x-yaml",     "application/yaml",
        "application/toml",  "application/x-python", "image/svg+xml",          "message/"};
    size_t n = strcspn(mt, ";");
    if (strncmp(mt, "text/", 5) == 0)
        return true;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strncmp(mt, types[i], strlen(types[i])) == 0)
            return true;
    return (n > 5 && (strncmp(mt + n - 5, "+json", 5) == 0 || strncmp(mt + n - 4, "+xml", 4) == 0));
}

quire_text_kind quire_text_kind_of(const char *media_type, const char *path)
{
    const char *mt = media_type != NULL ? media_type : "";
    if (strncmp(mt, "text/html", 9) == 0 || strncmp(mt, "application/xhtml", 17) == 0)
        return QUIRE_TEXT_HTML;
    if (mt[0] == '\0' && (has_suffix(path, ".html") || has_suffix(path, ".htm")))
        return QUIRE_TEXT_HTML;
    if (extractor_for(mt, path) != NULL)
        return QUIRE_TEXT_EXTRACT;
    /* No media type, or only "some bytes" (what the packer says of text that is not UTF-8):
     * the content decides, as grep decides (a NUL byte). */
    if (mt[0] == '\0' || strncmp(mt, "application/octet-stream", 24) == 0 || textual(mt))
        return QUIRE_TEXT_PLAIN;
    /* Binary only when the type says so: a media type that is not one (the packer's user may
     * type anything) leaves it to the content too. */
    static const char *const binary_tops[] = {"application/", "image/", "audio/",
                                              "video/",       "font/",  "model/"};
    for (size_t i = 0; i < sizeof binary_tops / sizeof *binary_tops; i++)
        if (strncmp(mt, binary_tops[i], strlen(binary_tops[i])) == 0 &&
            mt[strlen(binary_tops[i])] != '\0')
            return QUIRE_TEXT_BINARY;
    return QUIRE_TEXT_PLAIN;
}

/* ---- plain text, and what every source shares ---- */

void text_emit(quire_text_source *src, const char *s, size_t n, const quire_text_pos *from)
{
    quire_text_pos pos = *from;
    pos.toff = src->toff;
    pos.tline = src->tline;
    src->sink(src->ctx, s, n, &pos);
    src->toff += n;
    for (size_t i = 0; i < n; i++)
        src->tline += s[i] == '\n';
}

void text_emit_copy(quire_text_source *src, const char *s, size_t n, quire_text_pos *at)
{
    text_emit(src, s, n, at);
    for (size_t k = 0; k < n; k++) {
        if (s[k] == '\n')
            at->line++, at->col = 1;
        else
            at->col += ((unsigned char)s[k] & 0xC0) != 0x80;
    }
    at->off += n;
}

static int plain_update(quire_text_source *src, const char *p, size_t n)
{
    if (!src->binary && memchr(p, '\0', n) != NULL)
        src->binary = true;
    text_emit_copy(src, p, n, &src->at);
    return 0;
}

/* ---- extractors: the whole document, up to the extractor's cap ---- */

static int extract_update(quire_text_source *src, const char *p, size_t n)
{
    if (src->over || n == 0)
        return 0;
    if (n > src->x->max_bytes - src->doc_len) {
        src->over = true;
        free(src->doc);
        src->doc = NULL;
        return 0;
    }
    if (src->doc_len + n > src->doc_cap) {
        size_t cap = src->doc_cap ? src->doc_cap : 65536;
        while (cap < src->doc_len + n)
            cap = cap > src->x->max_bytes / 2 ? src->x->max_bytes : cap * 2;
        char *d = realloc(src->doc, cap);
        if (d == NULL)
            return -1;
        src->doc = d, src->doc_cap = cap;
    }
    memcpy(src->doc + src->doc_len, p, n);
    src->doc_len += n;
    return 0;
}

static int extract_final(quire_text_source *src)
{
    char *text = NULL, why[160] = "";
    size_t len = 0;
    if (src->over) {
        snprintf(src->note, sizeof src->note,
                 "%s text not read: the document is larger than %zu MiB", src->x->name,
                 src->x->max_bytes >> 20);
        return 0;
    }
    if (src->x->extract(src->doc != NULL ? src->doc : "", src->doc_len, &text, &len, why,
                        sizeof why) != 0) {
        snprintf(src->note, sizeof src->note, "%s text not read: %s", src->x->name,
                 why[0] != '\0' ? why : "the extractor failed");
        return 0;
    }
    free(src->doc);
    src->doc = NULL;
    quire_text_pos at = {.line = 1, .col = 1};
    text_emit_copy(src, text, len, &at);
    if (len == 0)
        snprintf(src->note, sizeof src->note, "the %s has no text layer", src->x->name);
    free(text);
    return 0;
}

/* ---- the interface ---- */

quire_text_source *quire_text_source_new(quire_text_kind kind, const char *media_type,
                                         const char *path, quire_text_sink sink, void *ctx)
{
    quire_text_source *src = calloc(1, sizeof *src);
    if (src == NULL)
        return NULL;
    src->kind = kind;
    src->sink = sink;
    src->ctx = ctx;
    src->at.line = src->at.col = 1;
    src->binary = kind == QUIRE_TEXT_BINARY;
    if (kind == QUIRE_TEXT_EXTRACT)
        src->x = extractor_for(media_type != NULL ? media_type : "", path != NULL ? path : "");
    if (kind == QUIRE_TEXT_EXTRACT && src->x == NULL)
        src->kind = QUIRE_TEXT_BINARY, src->binary = true;
    if (src->kind == QUIRE_TEXT_HTML && text_html_init(src) != 0) {
        free(src);
        return NULL;
    }
    return src;
}

int quire_text_source_update(quire_text_source *src, const char *p, size_t n)
{
    switch (src->kind) {
    case QUIRE_TEXT_HTML:
        return text_html_update(src, p, n);
    case QUIRE_TEXT_EXTRACT:
        return extract_update(src, p, n);
    default:
        return plain_update(src, p, n);
    }
}

int quire_text_source_final(quire_text_source *src)
{
    if (src->kind == QUIRE_TEXT_HTML)
        return text_html_final(src);
    if (src->kind == QUIRE_TEXT_EXTRACT)
        return extract_final(src);
    return 0;
}

bool quire_text_source_binary(const quire_text_source *src)
{
    return src->binary;
}

const char *quire_text_source_note(const quire_text_source *src)
{
    return src->note[0] != '\0' ? src->note : NULL;
}

void quire_text_source_free(quire_text_source *src)
{
    if (src == NULL)
        return;
    text_html_free(src);
    free(src->doc);
    free(src);
}
