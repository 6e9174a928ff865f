/* SPDX-License-Identifier: ISC */
/* test_pdf.c: the PDF text extractor (text/text_pdf.c) on a PDF from a Debian package's
 * documentation (shared-mime-info's specification, DEBIAN_PDF), on PDFs written here by hand
 * (a text page, an image-only page, no pages, damaged bytes) and on PDFs that qpdf encrypts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "text_pdf.h"

typedef struct blob {
    uint8_t *p;
    size_t len;
} blob;

static blob read_all(const char *path)
{
    blob b = {NULL, 0};
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s (scripts/install-deps.sh installs it)", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    b.len = (size_t)n;
    b.p = malloc(b.len > 0 ? b.len : 1);
    ck_assert_ptr_nonnull(b.p);
    ck_assert_uint_eq(fread(b.p, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

/* A PDF of the given objects (numbered from 1, object 1 the catalog) with a correct
 * cross-reference table. */
static blob make_pdf(const char *const *objs, size_t n)
{
    blob b = {NULL, 0};
    long off[16];
    FILE *f = open_memstream((char **)&b.p, &b.len);
    ck_assert(f != NULL && n < 16);
    fputs("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", f);
    for (size_t i = 0; i < n; i++) {
        off[i] = ftell(f);
        fprintf(f, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    long xref = ftell(f);
    fprintf(f, "xref\n0 %zu\n0000000000 65535 f \n", n + 1);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%010ld 00000 n \n", off[i]);
    fprintf(f, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", n + 1, xref);
    fclose(f);
    return b;
}

/* One page whose content stream is content, with resources res. */
static blob one_page(const char *res, const char *content)
{
    char page[256], stream[512];
    snprintf(page, sizeof page,
             "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s "
             "/Contents 4 0 R >>",
             res);
    snprintf(stream, sizeof stream, "<< /Length %zu >>\nstream\n%s\nendstream", strlen(content),
             content);
    const char *objs[] = {"<< /Type /Catalog /Pages 2 0 R >>",
                          "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                          page,
                          stream,
                          "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                          "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace "
                          "/DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\x10\xf0\xf0\x10"
                          "\nendstream"};
    return make_pdf(objs, 6);
}

static const char text_res[] = "<< /Font << /F1 5 0 R >> >>";
static const char text_content[] = "BT /F1 24 Tf 72 700 Td (Hello from quire) Tj ET";

static int extract(const blob *b, char **text, size_t *len, char *err, size_t cap)
{
    return quire_pdf_text(b->p, b->len, text, len, err, cap);
}

START_TEST(debian_pdf_text_has_known_phrases)
{
    blob b = read_all(DEBIAN_PDF);
    char *t, err[200];
    size_t len;
    ck_assert_int_eq(extract(&b, &t, &len, err, sizeof err), QUIRE_PDF_OK);
    ck_assert_uint_eq(strlen(t), len);
    ck_assert_ptr_nonnull(strstr(t, "Shared MIME-info Database"));
    ck_assert_ptr_nonnull(strstr(t, "This is version 0.21 of the Shared MIME-info Database "
                                    "specification, last updated 2 October 2018."));
    ck_assert_ptr_nonnull(strstr(t, "The MIME database does NOT store user preferences"));
    ck_assert_ptr_nonnull(strstr(t, "file\xe2\x80\x99s")); /* U+2019 as UTF-8 */
    ck_assert_ptr_null(strstr(t, "FlateDecode"));          /* the text, not the bytes */
    ck_assert_ptr_null(strstr(t, "%PDF"));
    ck_assert_ptr_nonnull(strstr(t, "\n\f")); /* pages end a line, then a break */
    ck_assert_int_eq(t[len - 1], '\n');
    free(t);
    free(b.p);
}
END_TEST

START_TEST(hand_written_text_page)
{
    blob b = one_page(text_res, text_content);
    char *t, err[200];
    size_t len;
    ck_assert_int_eq(extract(&b, &t, &len, err, sizeof err), QUIRE_PDF_OK);
    ck_assert_str_eq(t, "Hello from quire\n");
    ck_assert_uint_eq(len, 17);
    free(t);
    free(b.p);
}
END_TEST

START_TEST(image_only_pdf_has_no_text_layer)
{
    blob b = one_page("<< /XObject << /Im1 6 0 R >> >>", "q 100 0 0 100 72 600 cm /Im1 Do Q");
    char *t = (char *)"x", err[200];
    size_t len = 1;
    ck_assert_int_eq(extract(&b, &t, &len, err, sizeof err), QUIRE_PDF_E_NOTEXT);
    ck_assert_str_eq(err, "this PDF has no text layer (scanned images?)");
    ck_assert_ptr_null(t);
    ck_assert_uint_eq(len, 0);
    free(b.p);
}
END_TEST

START_TEST(not_a_pdf)
{
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    char *t, err[200];
    size_t len;
    ck_assert_int_eq(quire_pdf_text(png, sizeof png - 1, &t, &len, err, sizeof err),
                     QUIRE_PDF_E_NOTPDF);
    ck_assert_str_eq(err, "not a PDF (no %PDF- header)");
    ck_assert_int_eq(quire_pdf_text(png, 0, &t, &len, err, sizeof err), QUIRE_PDF_E_NOTPDF);
    ck_assert(!quire_pdf_sniff(png, sizeof png - 1));
}
END_TEST

START_TEST(header_within_the_first_1024_bytes)
{
    uint8_t p[1100];
    memset(p, ' ', sizeof p);
    memcpy(p + 1019, "%PDF-", 5); /* ends at the 1024th byte */
    ck_assert(quire_pdf_sniff(p, sizeof p));
    ck_assert(!quire_pdf_sniff(p, 1023));
    memset(p, ' ', sizeof p);
    memcpy(p + 1020, "%PDF-", 5);
    ck_assert(!quire_pdf_sniff(p, sizeof p));
}
END_TEST

START_TEST(damaged_pdf)
{
    static const char junk[] = "%PDF-1.7\nthis is not a PDF body at all\n%%EOF\n";
    char *t, err[200];
    size_t len;
    ck_assert_int_eq(
        quire_pdf_text((const uint8_t *)junk, sizeof junk - 1, &t, &len, err, sizeof err),
        QUIRE_PDF_E_DAMAGED);
    ck_assert_ptr_nonnull(strstr(err, "this PDF is damaged"));
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(pdf_without_pages)
{
    const char *objs[] = {"<< /Type /Catalog /Pages 2 0 R >>",
                          "<< /Type /Pages /Kids [] /Count 0 >>"};
    blob b = make_pdf(objs, 2);
    char *t, err[200];
    size_t len;
    int rc = extract(&b, &t, &len, err, sizeof err);
    ck_assert_int_eq(rc, QUIRE_PDF_E_DAMAGED);
    ck_assert_ptr_nonnull(strstr(err, "this PDF is damaged"));
    free(b.p);
}
END_TEST

START_TEST(too_big_is_refused_before_reading)
{
    static const uint8_t one[1] = {'%'};
    char *t, err[200];
    size_t len;
    /* the length is checked first: not one byte past the first is read */
    ck_assert_int_eq(quire_pdf_text(one, QUIRE_PDF_MAX_BYTES + 1, &t, &len, err, sizeof err),
                     QUIRE_PDF_E_TOOBIG);
    ck_assert_str_eq(err, "this PDF is over 256 MiB, the most whose text is read");
}
END_TEST

START_TEST(no_error_buffer)
{
    static const char junk[] = "not a pdf";
    char *t, err[1] = {'x'};
    size_t len;
    ck_assert_int_eq(quire_pdf_text((const uint8_t *)junk, sizeof junk - 1, &t, &len, err, 0),
                     QUIRE_PDF_E_NOTPDF);
    ck_assert_int_eq(err[0], 'x');
}
END_TEST

/* qpdf --encrypt USER OWNER 256 on the Debian PDF; returns the encrypted bytes. */
static blob encrypt_with(const char *user)
{
    char dir[] = "/tmp/quire-test-pdf.XXXXXX", cmd[512], out[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/enc.pdf", dir);
    snprintf(cmd, sizeof cmd, "qpdf --encrypt '%s' owner-secret 256 -- '%s' '%s'", user, DEBIAN_PDF,
             out);
    ck_assert_msg(system(cmd) == 0, "qpdf failed (scripts/install-deps.sh installs it)");
    blob b = read_all(out);
    unlink(out);
    rmdir(dir);
    return b;
}

START_TEST(encrypted_with_a_password)
{
    blob b = encrypt_with("user-secret");
    char *t, err[200];
    size_t len;
    ck_assert_int_eq(extract(&b, &t, &len, err, sizeof err), QUIRE_PDF_E_ENCRYPTED);
    ck_assert_str_eq(err, "this PDF is encrypted with a password: its text cannot be read");
    ck_assert_ptr_null(t);
    free(b.p);
}
END_TEST

START_TEST(encrypted_with_an_empty_password_is_read)
{
    blob b = encrypt_with("");
    char *t, err[200];
    size_t len;
    ck_assert_int_eq(extract(&b, &t, &len, err, sizeof err), QUIRE_PDF_OK);
    ck_assert_ptr_nonnull(strstr(t, "This is version 0.21 of the Shared MIME-info Database"));
    free(t);
    free(b.p);
}
END_TEST

START_TEST(every_truncation_of_a_small_pdf_fails_cleanly)
{
    /* damaged input of every length: an error or text, never a crash (ASan build) */
    blob b = one_page(text_res, text_content);
    for (size_t n = 0; n <= b.len; n++) {
        char *t = NULL, err[200];
        size_t len;
        int rc = quire_pdf_text(b.p, n, &t, &len, err, sizeof err);
        ck_assert_msg(rc == QUIRE_PDF_OK || rc < 0, "length %zu: %d", n, rc);
        ck_assert_msg((rc == QUIRE_PDF_OK) == (t != NULL), "length %zu", n);
        ck_assert_msg(rc == QUIRE_PDF_OK || err[0] != '\0', "length %zu: no reason", n);
        free(t);
    }
    free(b.p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pdf");
    TCase *tc = tcase_create("pdf");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, debian_pdf_text_has_known_phrases);
    tcase_add_test(tc, hand_written_text_page);
    tcase_add_test(tc, image_only_pdf_has_no_text_layer);
    tcase_add_test(tc, not_a_pdf);
    tcase_add_test(tc, header_within_the_first_1024_bytes);
    tcase_add_test(tc, damaged_pdf);
    tcase_add_test(tc, pdf_without_pages);
    tcase_add_test(tc, too_big_is_refused_before_reading);
    tcase_add_test(tc, no_error_buffer);
    tcase_add_test(tc, encrypted_with_a_password);
    tcase_add_test(tc, encrypted_with_an_empty_password_is_read);
    tcase_add_test(tc, every_truncation_of_a_small_pdf_fails_cleanly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
