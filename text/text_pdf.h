/* SPDX-License-Identifier: ISC */
/* text_pdf.h: the visible text of a PDF document, through poppler (GLib API). Part of the text
 * layer (the quire-text module that quire-read loads for quote, search and show --text), never
 * of the verifying core: quire-read must not link poppler itself.
 *
 * The caller hands over bytes it has already verified (the document's SHA-256 checked); poppler
 * still parses a document its publisher chose, so the input is bounded and poppler's own
 * messages, which quote bytes of the document, are kept off stderr. */
#ifndef TEXT_PDF_H
#define TEXT_PDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The largest PDF read, 256 MiB: poppler holds the whole document in memory, and its parse
 * (cross-reference table, page tree, fonts of one page at a time) takes a few times that, so
 * one bound keeps a reader on an ordinary machine. */
#define QUIRE_PDF_MAX_BYTES ((size_t)256 << 20)

/* The most text extracted from one PDF, 256 MiB: compressed content streams can hold far more
 * text than the file's size suggests. */
#define QUIRE_PDF_MAX_TEXT ((size_t)256 << 20)

/* Results of quire_pdf_text. */
enum {
    QUIRE_PDF_OK = 0,
    QUIRE_PDF_E_NOTPDF = -1,    /* no "%PDF-" header in the first 1024 bytes */
    QUIRE_PDF_E_ENCRYPTED = -2, /* encrypted with a password that is not empty */
    QUIRE_PDF_E_NOTEXT = -3,    /* no page has any visible text (scanned images?) */
    QUIRE_PDF_E_DAMAGED = -4,   /* poppler cannot read it */
    QUIRE_PDF_E_TOOBIG = -5,    /* over QUIRE_PDF_MAX_BYTES, or its text over QUIRE_PDF_MAX_TEXT */
    QUIRE_PDF_E_NOMEM = -6,
};

/* Whether the first n bytes of a document start a PDF: "%PDF-" within the first 1024 bytes,
 * where PDF readers look for it (ISO 32000-1, 7.5.2, and Acrobat's implementation note).
 * Inline: quire-read sniffs documents without loading the text module. */
static inline bool quire_pdf_sniff(const uint8_t *p, size_t n)
{
    size_t lim = n < 1024 ? n : 1024;
    for (size_t i = 0; i + 5 <= lim; i++)
        if (memcmp(p + i, "%PDF-", 5) == 0)
            return true;
    return false;
}

/* Extracts the visible text of the PDF pdf[0..len) as UTF-8: each page's text in reading order
 * (poppler's) ending with a newline, pages separated by a form feed ("\f", as pdftotext does).
 * Returns QUIRE_PDF_OK with *text (NUL-terminated, malloc'd, the caller frees it) and
 * *text_len set, or a negative QUIRE_PDF_E_* code with *text NULL and a one-line reason in
 * err (lowercase, no full stop; errcap bytes, may be 0), for example "this PDF has no text
 * layer (scanned images?)". Does no I/O and never prints. */
int quire_pdf_text(const uint8_t *pdf, size_t len, char **text, size_t *text_len, char *err,
                   size_t errcap);

#endif
