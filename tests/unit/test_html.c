/* SPDX-License-Identifier: ISC */
/* test_html.c: serve's HTML and URL escapers (reader/read_html.c), through which every string
 * from a bundle reaches a page or a link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_serve.h"
#include "unit_support.h"

/* What fn makes of n bytes of s. */
static char *run(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ck_assert_ptr_nonnull(f);
    fn(f, s, n);
    ck_assert_int_eq(fclose(f), 0);
    return out;
}

#define HTML_EQ(in, want)                                                                          \
    do {                                                                                           \
        char *got_ = run(html_esc, in, sizeof(in) - 1);                                            \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

#define URL_EQ(in, want)                                                                           \
    do {                                                                                           \
        char *got_ = run(url_esc, in, sizeof(in) - 1);                                             \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

START_TEST(markup_characters_become_references)
{
    HTML_EQ("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    HTML_EQ("a & b \"c\"", "a &amp; b &quot;c&quot;");
    HTML_EQ("&amp;", "&amp;amp;");
    HTML_EQ("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
    HTML_EQ("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac"); /* text passes as it is */
    HTML_EQ("line\nnext\tcol", "line\nnext\tcol");
}
END_TEST

START_TEST(controls_bidi_and_bad_utf8_are_shown)
{
    HTML_EQ("a\x1b[2Jb", "a\\x1b[2Jb");
    HTML_EQ("invoice\xe2\x80\xae"
            "fdp.exe",
            "invoice\\u202efdp.exe");
    HTML_EQ("\xff<\xc0\xaf>", "\\xff&lt;\\xc0\\xaf&gt;");
    HTML_EQ("nul\0after", "nul\\x00after");
}
END_TEST

START_TEST(urls_keep_only_unreserved_bytes)
{
    URL_EQ("docs/a b.html", "docs/a%20b.html");
    URL_EQ("x\"><script>", "x%22%3E%3Cscript%3E");
    URL_EQ("q?a=1&b=2#f", "q%3Fa%3D1%26b%3D2%23f");
    URL_EQ("caf\xc3\xa9", "caf%C3%A9");
    URL_EQ("a\0b", "a%00b");
    URL_EQ("-._~/AZaz09", "-._~/AZaz09");
    URL_EQ("%2e%2e", "%252e%252e");
}
END_TEST

/* Whatever the input, the output holds no byte that could end an attribute or open markup,
 * and no control. */
START_TEST(random_input_never_yields_markup)
{
    unsigned seed = 15;
    char in[64];
    for (int round = 0; round < 5000; round++) {
        size_t n = (size_t)(seed % sizeof in);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (char)(seed >> 16);
        }
        char *h = run(html_esc, in, n), *u = run(url_esc, in, n);
        ck_assert_ptr_null(strpbrk(h, "<>\"'"));
        for (const unsigned char *p = (const unsigned char *)h; *p; p++)
            ck_assert(*p >= 0x20 || *p == '\n' || *p == '\t');
        for (const char *p = strchr(h, '&'); p != NULL; p = strchr(p + 1, '&'))
            ck_assert(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
                      strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
                      strncmp(p, "&#39;", 5) == 0);
        ck_assert_uint_eq(strspn(u, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-._~/%"),
                          strlen(u));
        free(h), free(u);
    }
}
END_TEST

static Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *t = tcase_create("html");
    tcase_set_timeout(t, 60); /* the sanitizers make the random round slow */
    tcase_add_test(t, markup_characters_become_references);
    tcase_add_test(t, controls_bidi_and_bad_utf8_are_shown);
    tcase_add_test(t, urls_keep_only_unreserved_bytes);
    tcase_add_test(t, random_input_never_yields_markup);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(html_suite());
}
