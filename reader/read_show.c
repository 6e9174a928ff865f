/* SPDX-License-Identifier: ISC */
/* read_show.c: show's decision between writing a document, refusing a binary one on a terminal
 * and, with --text, extracting the text of a PDF once the whole document has verified. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "read_show.h"
#include "quire_text_api.h"
#include "read.h"
#include "text_pdf.h"

typedef int (*read_pdf_fn)(const uint8_t *, size_t, char **, size_t *, char *, size_t);

/* The PDF extractor lives in the text module (poppler is not linked into quire-read): loaded
 * here only for show --text of a PDF. NULL when the module cannot be loaded or has no PDF
 * support (make static): show then says that PDF text is unavailable. */
static read_pdf_fn read_pdf_extractor(void)
{
    const quire_text_api_v1 *t = read_text_module(NULL, NULL);
    return t != NULL ? t->pdf_text : NULL;
}

/* Media types known to be text or binary; any other is decided by the content sniff, and so is
 * application/octet-stream, which quire-pack gives to whatever does not look like text (a text
 * file with a few control bytes, say). */
static const char *const text_types[] = {
    "application/json",       "application/xml",  "application/javascript",
    "application/ecmascript", "application/x-sh", "application/x-tex",
    "application/yaml",       "application/toml", "application/sql"};
static const char *const binary_types[] = {
    "application/zip",  "application/gzip", "application/x-gzip",  "application/x-tar",
    "application/zstd", "application/x-xz", "application/x-bzip2", "application/wasm"};

static bool type_in(const char *t, size_t n, const char *const *list, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (strlen(list[k]) == n && strncasecmp(t, list[k], n) == 0)
            return true;
    return false;
}

static bool type_ends(const char *t, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(t + n - k, suffix, k) == 0;
}

/* The signed media type's verdict (its parameters, "; charset=...", aside). */
static show_kind media_kind(const char *t)
{
    size_t n = strcspn(t, "; \t");
    if (n == 0)
        return SHOW_UNKNOWN;
    if (n == 15 && strncasecmp(t, "application/pdf", n) == 0)
        return SHOW_PDF;
    if (strncasecmp(t, "text/", 5) == 0 || type_ends(t, n, "+xml") || type_ends(t, n, "+json") ||
        type_in(t, n, text_types, sizeof text_types / sizeof text_types[0]))
        return SHOW_TEXT;
    static const char *const binary_tops[] = {"image/", "audio/", "video/", "font/", "model/"};
    for (size_t k = 0; k < sizeof binary_tops / sizeof binary_tops[0]; k++)
        if (strncasecmp(t, binary_tops[k], strlen(binary_tops[k])) == 0)
            return SHOW_BINARY;
    return type_in(t, n, binary_types, sizeof binary_types / sizeof binary_types[0]) ? SHOW_BINARY
                                                                                     : SHOW_UNKNOWN;
}

/* Length of the valid UTF-8 sequence at p[0..n), 0 when it is invalid; a sequence that the
 * end of the sample cuts is counted as valid (the next bytes may complete it). */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xC2 && c <= 0xDF ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    for (size_t k = 1; k < len; k++) {
        if (k >= n)
            return n;
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    }
    if (len >= 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
                     (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F)))
        return 0; /* overlong, surrogate or above U+10FFFF */
    return len;
}

/* The content sniff: a PDF header; a NUL byte (no text format has one); or more than one byte
 * in ten that is invalid UTF-8 or a control other than white space (Latin-1 text stays
 * under that, compressed and image data far over it). */
static show_kind sniff_kind(const uint8_t *p, size_t n)
{
    size_t odd = 0;
    if (quire_pdf_sniff(p, n))
        return SHOW_PDF;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(p + i, n - i);
        if (p[i] == 0)
            return SHOW_BINARY;
        if (k == 0 || (p[i] < 0x20 && strchr("\t\n\r\f\v", p[i]) == NULL) || p[i] == 0x7F)
            odd++;
        i += k > 0 ? k : 1;
    }
    return odd * 10 > n ? SHOW_BINARY : SHOW_TEXT;
}

int read_show_init(show_ctx *s, quire_reader *r, const char *bundle, uint32_t i, bool text)
{
    json_t *m;
    memset(s, 0, sizeof *s);
    cli_escape_init(&s->state, CLI_ESC_KEEP_NEWLINE | CLI_ESC_KEEP_TAB);
    s->entry = &quire_reader_index(r)->entries[i];
    s->text = text;
    int code = read_entry_meta(r, bundle, i, &m);
    if (code != 0)
        return code;
    const char *t = json_string_value(json_object_get(m, "quire-media-type"));
    snprintf(s->media, sizeof s->media, "%s", t != NULL ? t : "");
    json_decref(m);
    return 0;
}

/* Decides, once the sniffed head is in, how the document goes out. A binary document is
 * withheld from a terminal (and from --text); a PDF is collected for --text when it is within
 * the extractor's bound, else withheld and refused at the end. */
static int show_decide(show_ctx *s, const uint8_t *head, size_t n, quire_error *err)
{
    show_kind k = media_kind(s->media), sk = sniff_kind(head, n);
    if (k == SHOW_UNKNOWN || (k == SHOW_BINARY && sk == SHOW_PDF))
        k = sk;
    s->kind = k;
    s->withheld = k != SHOW_TEXT && (s->text || out_terminal);
    if (s->text && k == SHOW_PDF && s->entry->size <= QUIRE_PDF_MAX_BYTES) {
        s->pdf = malloc(s->entry->size > 0 ? (size_t)s->entry->size : 1);
        if (s->pdf == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    return QUIRE_OK;
}

static int show_put(show_ctx *s, const uint8_t *p, size_t n, quire_error *err)
{
    if (s->pdf != NULL) {
        if (n > s->entry->size - s->pdf_len) /* the walk gives exactly size bytes */
            return quire_error_set(err, QUIRE_E_FORMAT, "more bytes than the entry's size");
        memcpy(s->pdf + s->pdf_len, p, n);
        s->pdf_len += n;
        return QUIRE_OK;
    }
    if (s->withheld || n == 0)
        return QUIRE_OK;
    if (out_content(stdout, p, n, &s->state) != 0)
        return quire_error_set(err, QUIRE_E_IO, "cannot write to stdout");
    return QUIRE_OK;
}

int read_show_data(void *ctx, uint32_t entry, const uint8_t *p, size_t n, quire_error *err)
{
    show_ctx *s = ctx;
    (void)entry;
    if (read_pager_gone()) /* the user quit the pager: nothing more to show */
        return quire_error_set(err, QUIRE_E_IO, "the pager was quit");
    if (s->kind != SHOW_UNKNOWN)
        return show_put(s, p, n, err);
    /* nothing is written before the head has been sniffed */
    size_t want = s->entry->size < sizeof s->head ? (size_t)s->entry->size : sizeof s->head;
    size_t take = n < want - s->head_len ? n : want - s->head_len;
    memcpy(s->head + s->head_len, p, take);
    s->head_len += take;
    if (s->head_len < want)
        return QUIRE_OK;
    int rc = show_decide(s, s->head, s->head_len, err);
    if (rc == QUIRE_OK)
        rc = show_put(s, s->head, s->head_len, err);
    return rc == QUIRE_OK ? show_put(s, p + take, n - take, err) : rc;
}

/* "image/png, 30.2 KiB": the media type (or that there is none) and the size in short. */
static void describe(const show_ctx *s, char *buf, size_t cap)
{
    char size[64];
    read_size_text(size, sizeof size, s->entry->size);
    size[strcspn(size, "(")] = '\0'; /* the exact count is left to info */
    size_t n = strlen(size);
    if (n > 0 && size[n - 1] == ' ')
        size[n - 1] = '\0';
    snprintf(buf, cap, "%s, %s", s->media[0] != '\0' ? s->media : "no media type", size);
}

/* Writes the text: a page break (form feed) is a blank line on a terminal, where the escaper
 * would show it as \x0c, and a form feed elsewhere, as pdftotext writes it. */
static int show_text_out(show_ctx *s, const char *t, size_t n)
{
    while (n > 0) {
        const char *ff = out_terminal ? memchr(t, '\f', n) : NULL;
        size_t k = ff != NULL ? (size_t)(ff - t) : n;
        if (out_content(stdout, (const uint8_t *)t, k, &s->state) != 0 ||
            (ff != NULL && out_content(stdout, (const uint8_t *)"\n", 1, &s->state) != 0))
            return -1;
        t += k + (ff != NULL);
        n -= k + (ff != NULL);
    }
    return out_content(stdout, NULL, 0, &s->state);
}

static int show_pdf_text(show_ctx *s, const char *bundle)
{
    const char *path = s->entry->path;
    char msg[256], *text = NULL;
    size_t len = 0;
    read_pdf_fn extract = read_pdf_extractor();
    if (s->pdf == NULL) {
        read_fail(bundle, "%s: this PDF is over %zu MiB, the most whose text is read", path,
                  QUIRE_PDF_MAX_BYTES >> 20);
        return 2;
    }
    if (extract == NULL) {
        read_fail(bundle,
                  "%s: PDF text is not available: quire-read was built without its text "
                  "module",
                  path);
        return 2;
    }
    if (extract(s->pdf, s->pdf_len, &text, &len, msg, sizeof msg) != 0) {
        read_fail(bundle, "%s: %s", path, msg);
        return 2;
    }
    int rc = show_text_out(s, text, len);
    free(text);
    if (rc != 0 && !read_pager_gone()) {
        read_fail("stdout", "cannot write to stdout");
        return 2;
    }
    return 0;
}

int read_show_end(show_ctx *s, const char *bundle)
{
    char what[160];
    if (!s->withheld)
        return 0;
    if (s->text && s->kind == SHOW_PDF)
        return show_pdf_text(s, bundle);
    describe(s, what, sizeof what);
    if (s->text)
        read_fail(bundle,
                  "%s is a binary document (%s): it has no text to show; use quire-read "
                  "extract",
                  s->entry->path, what);
    else
        read_fail(bundle,
                  "%s is a binary document (%s): not shown on a terminal; use %squire-read "
                  "extract, or redirect: quire-read show %s '%s' > FILE",
                  s->entry->path, what,
                  s->kind == SHOW_PDF ? "quire-read show --text for its text, " : "", bundle,
                  s->entry->path);
    return 2;
}

void read_show_free(show_ctx *s)
{
    free(s->pdf);
    s->pdf = NULL;
}
