/* SPDX-License-Identifier: ISC */
/* text_module.c: the one symbol quire-text.so exports, the table of quire_text_api.h. The
 * module is built with hidden visibility, so nothing else of it (nor of utf8proc or libxml2)
 * can be found by name. */
#include <stdio.h>

#include <libxml/xmlversion.h>
#include <utf8proc.h>

#include "quire_text_api.h"

static const char *library_versions(void)
{
    static char buf[96];
    snprintf(buf, sizeof buf, "utf8proc %s (Unicode %s), libxml2 %s", utf8proc_version(),
             utf8proc_unicode_version(), LIBXML_DOTTED_VERSION);
    return buf;
}

/* Defined by text_pdf.c when the module is built with poppler. */
extern int quire_pdf_text(const uint8_t *pdf, size_t len, char **text, size_t *text_len, char *err,
                          size_t errcap) __attribute__((weak));

static const quire_text_api_v1 api_v1 = {
    .version = QUIRE_TEXT_API_VERSION,
    .size = sizeof(quire_text_api_v1),
    .library_versions = library_versions,
    .kind_of = quire_text_kind_of,
    .source_new = quire_text_source_new,
    .source_update = quire_text_source_update,
    .source_final = quire_text_source_final,
    .source_binary = quire_text_source_binary,
    .source_note = quire_text_source_note,
    .source_free = quire_text_source_free,
    .norm_new = quire_text_norm_new,
    .norm_feed = quire_text_norm_feed,
    .norm_final = quire_text_norm_final,
    .norm_free = quire_text_norm_free,
    .matcher_new = quire_text_matcher_new,
    .matcher_reset = quire_text_matcher_reset,
    .matcher_feed = quire_text_matcher_feed,
    .matcher_final = quire_text_matcher_final,
    .matcher_free = quire_text_matcher_free,
    .from_plain = quire_text_from_plain,
    .normalize = quire_text_normalize,
    .text_free = quire_text_free,
    .words = quire_text_words,
    .utf8_repair = quire_text_utf8_repair,
    .path_form = quire_text_path_form,
    .pdf_text = quire_pdf_text,
};

__attribute__((visibility("default"))) const void *quire_text_api(unsigned version);

const void *quire_text_api(unsigned version)
{
    return version == 1 ? &api_v1 : NULL;
}
