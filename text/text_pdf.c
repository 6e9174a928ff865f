/* SPDX-License-Identifier: ISC */
/* text_pdf.c: a PDF's visible text through poppler's GLib API (see text_pdf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <poppler.h>

#include "quire_text.h"
#include "text_pdf.h"

/* The text gathered so far. */
typedef struct pdf_buf {
    char *p;
    size_t len, cap;
} pdf_buf;

/* Writes the reason msg into err (when it has room) and returns code. */
static int pdf_fail(char *err, size_t errcap, int code, const char *msg)
{
    if (errcap > 0)
        snprintf(err, errcap, "%s", msg);
    return code;
}

/* The messages name the bounds. */
_Static_assert(QUIRE_PDF_MAX_BYTES == (size_t)256 << 20, "the message says 256 MiB");
_Static_assert(QUIRE_PDF_MAX_TEXT == (size_t)256 << 20, "the message says 256 MiB");

/* Poppler reports syntax errors through g_log (domain "Poppler", level info) quoting bytes of
 * the document; with G_MESSAGES_DEBUG set GLib would print them raw on stderr. They are
 * dropped: the caller reports the outcome in its own, escaped words. */
static void pdf_log_drop(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer u)
{
    (void)domain, (void)level, (void)msg, (void)u;
}

static void pdf_quiet(void)
{
    static gsize done;
    if (g_once_init_enter(&done)) {
        g_log_set_handler("Poppler", G_LOG_LEVEL_MASK, pdf_log_drop, NULL);
        g_once_init_leave(&done, 1);
    }
}

static int buf_add(pdf_buf *b, const char *s, size_t n)
{
    if (n > QUIRE_PDF_MAX_TEXT - b->len)
        return QUIRE_PDF_E_TOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return QUIRE_PDF_E_NOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return QUIRE_PDF_OK;
}

static bool has_visible(const char *s)
{
    for (; *s != '\0'; s++)
        if (strchr(" \t\n\r\f\v", *s) == NULL)
            return true;
    return false;
}

/* Appends page i's text, a form feed before every page but the first; each page ends its last
 * line, so that words of two pages (a page number, the next running head) do not join. */
static int add_page(PopplerDocument *doc, int i, pdf_buf *b, bool *visible)
{
    PopplerPage *page = poppler_document_get_page(doc, i);
    if (page == NULL)
        return QUIRE_PDF_E_DAMAGED;
    char *t = poppler_page_get_text(page);
    size_t n = t != NULL ? strlen(t) : 0;
    int rc = i > 0 ? buf_add(b, "\f", 1) : QUIRE_PDF_OK;
    if (rc == QUIRE_PDF_OK && n > 0) {
        *visible = *visible || has_visible(t);
        rc = buf_add(b, t, n);
    }
    if (rc == QUIRE_PDF_OK && n > 0 && t[n - 1] != '\n')
        rc = buf_add(b, "\n", 1);
    g_free(t);
    g_object_unref(page);
    return rc;
}

/* Opens the document over pdf without copying it (the bytes outlive the document). */
static PopplerDocument *pdf_open(const uint8_t *pdf, size_t len, int *code, char *err,
                                 size_t errcap)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(pdf, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    g_bytes_unref(bytes);
    if (doc != NULL)
        return doc;
    if (gerr != NULL && g_error_matches(gerr, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
        *code = pdf_fail(err, errcap, QUIRE_PDF_E_ENCRYPTED,
                         "this PDF is encrypted with a password: its text cannot be read");
    else
        *code = pdf_fail(err, errcap, QUIRE_PDF_E_DAMAGED,
                         "this PDF is damaged: poppler cannot read it");
    if (gerr != NULL)
        g_error_free(gerr);
    return NULL;
}

static int pdf_pages(PopplerDocument *doc, pdf_buf *b, char *err, size_t errcap)
{
    bool visible = false;
    int n = poppler_document_get_n_pages(doc), rc = QUIRE_PDF_OK;
    for (int i = 0; i < n && rc == QUIRE_PDF_OK; i++)
        rc = add_page(doc, i, b, &visible);
    switch (rc) {
    case QUIRE_PDF_OK:
        break;
    case QUIRE_PDF_E_TOOBIG:
        return pdf_fail(err, errcap, rc, "the text of this PDF is over 256 MiB");
    case QUIRE_PDF_E_NOMEM:
        return pdf_fail(err, errcap, rc, "out of memory");
    default:
        return pdf_fail(err, errcap, rc, "this PDF is damaged: a page cannot be read");
    }
    if (n <= 0)
        return pdf_fail(err, errcap, QUIRE_PDF_E_DAMAGED, "this PDF is damaged: it has no pages");
    if (!visible)
        return pdf_fail(err, errcap, QUIRE_PDF_E_NOTEXT,
                        "this PDF has no text layer (scanned images?)");
    return QUIRE_PDF_OK;
}

int quire_pdf_text(const uint8_t *pdf, size_t len, char **text, size_t *text_len, char *err,
                   size_t errcap)
{
    pdf_buf b = {0};
    int rc = QUIRE_PDF_OK;
    *text = NULL;
    *text_len = 0;
    if (errcap > 0)
        err[0] = '\0';
    if (len > QUIRE_PDF_MAX_BYTES)
        return pdf_fail(err, errcap, QUIRE_PDF_E_TOOBIG,
                        "this PDF is over 256 MiB, the most whose text is read");
    if (!quire_pdf_sniff(pdf, len))
        return pdf_fail(err, errcap, QUIRE_PDF_E_NOTPDF, "not a PDF (no %PDF- header)");
    pdf_quiet();
    PopplerDocument *doc = pdf_open(pdf, len, &rc, err, errcap);
    if (doc == NULL)
        return rc;
    rc = pdf_pages(doc, &b, err, errcap);
    g_object_unref(doc);
    if (rc != QUIRE_PDF_OK) {
        free(b.p);
        return rc;
    }
    *text = b.p;
    *text_len = b.len;
    return QUIRE_PDF_OK;
}

/* quote and search read a PDF's visible text through the text layer's extractor hook
 * (text/quire_text.h): the whole verified document, up to QUIRE_PDF_MAX_BYTES. */
static bool pdf_accepts(const char *media_type, const char *path)
{
    size_t n = strlen(path);
    return strcasecmp(media_type, "application/pdf") == 0 ||
           (n > 4 && strcasecmp(path + n - 4, ".pdf") == 0);
}

static int pdf_extract(const char *doc, size_t len, char **text, size_t *text_len, char *why,
                       size_t why_cap)
{
    return quire_pdf_text((const uint8_t *)doc, len, text, text_len, why, why_cap) == 0 ? 0 : -1;
}

const quire_text_extractor quire_text_extractor_pdf = {
    .name = "PDF",
    .accepts = pdf_accepts,
    .extract = pdf_extract,
    .max_bytes = QUIRE_PDF_MAX_BYTES,
};
