/* SPDX-License-Identifier: ISC */
/* test_text.c: the text layers quote and search use (lib/common/quire_text.c and
 * quire_textnorm.c): streaming equals whole-buffer at every split, matching does bounded work,
 * case folding ignores the locale, word splitting survives a failing allocator.
 * Linked with -Wl,--wrap=realloc (fail_realloc_at makes the Nth realloc call fail) and
 * -Wl,--wrap=newlocale (no locale can be loaded). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "quire_text.h"
#include "unit_support.h"

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
locale_t __wrap_newlocale(int mask, const char *name, locale_t base);

/* As on a system without the C.UTF-8 locale (0.1.0 then folded ASCII only, silently). */
locale_t __wrap_newlocale(int mask, const char *name, locale_t base)
{
    (void)mask, (void)name, (void)base;
    return (locale_t)0;
}

static long realloc_calls, fail_realloc_at = -1;

void *__wrap_realloc(void *p, size_t n)
{
    if (realloc_calls++ == fail_realloc_at)
        return NULL;
    return __real_realloc(p, n);
}

/* Issue 11: words() left one array pointing at freed memory when the first of its two reallocs
 * failed and the second moved the other. Every realloc it makes is failed in turn. */
START_TEST(words_survive_each_failing_realloc)
{
    char text[3000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = i % 3 == 2 ? ' ' : 'w'; /* 1000 words: the arrays grow several times */
    size_t *st, *ln;
    realloc_calls = 0, fail_realloc_at = -1;
    size_t n = quire_text_words(text, sizeof text, &st, &ln);
    ck_assert_uint_eq(n, 1000);
    ck_assert_uint_eq(st[999], 2997);
    ck_assert_uint_eq(ln[999], 2);
    free(st), free(ln);
    long calls = realloc_calls;
    ck_assert_int_ge(calls, 8);
    for (long k = 0; k < calls; k++) {
        realloc_calls = 0, fail_realloc_at = k;
        n = quire_text_words(text, sizeof text, &st, &ln);
        fail_realloc_at = -1;
        ck_assert_uint_eq(n, SIZE_MAX);
        ck_assert_ptr_null(st);
        ck_assert_ptr_null(ln);
    }
}
END_TEST

typedef struct acc {
    char s[4096];
    uint64_t off[4096];
    size_t len;
} acc;

static void acc_sink(void *ctx, const char *s, size_t n, const quire_text_pos *pos)
{
    acc *a = ctx;
    for (size_t i = 0; i < n && a->len < sizeof a->s; i++) {
        a->off[a->len] = pos->off;
        a->s[a->len++] = s[i];
    }
}

static const char html_doc[] =
    "<!DOCTYPE html><html><head><title>Caf&eacute; &amp; Co</title><style>p{}</style></head>"
    "<body><p>The <b class=\"x>y\">quick</b>\n brown&nbsp;fox &mdash; jumps &#x41;&#66;&;"
    "&notanentity; a<b <!-- c --> d</p><script>var s = \"</p>\"; x < y</SCRIPT >tail &amp";

/* A tag or character reference may straddle any two pieces of a stream. */
START_TEST(html_stream_equals_whole_at_every_split)
{
    quire_text whole;
    ck_assert_int_eq(quire_text_from_html(html_doc, sizeof html_doc - 1, &whole), 0);
    ck_assert_ptr_nonnull(strstr(whole.s, "Caf\xc3\xa9 & Co\n"));
    ck_assert_ptr_nonnull(strstr(whole.s, "The quick\n brown\xc2\xa0"
                                          "fox \xe2\x80\x94 jumps AB&;"));
    ck_assert_ptr_nonnull(strstr(whole.s, "&notanentity; a d\ntail &amp"));
    ck_assert_ptr_null(strstr(whole.s, "var"));
    for (size_t step = 1; step <= 13; step++) {
        acc a = {.len = 0};
        quire_text_source src;
        quire_text_source_init(&src, true, acc_sink, &a);
        for (size_t i = 0; i < sizeof html_doc - 1; i += step) {
            size_t n = sizeof html_doc - 1 - i < step ? sizeof html_doc - 1 - i : step;
            quire_text_source_update(&src, html_doc + i, n);
        }
        quire_text_source_final(&src);
        ck_assert_uint_eq(a.len, whole.len);
        ck_assert_mem_eq(a.s, whole.s, whole.len);
        for (size_t i = 0; i < whole.len; i++)
            ck_assert_uint_eq(a.off[i], whole.map[i]);
    }
    quire_text_free(&whole);
}
END_TEST

static void count_match(void *ctx, const quire_text_pos *first, const quire_text_pos *last)
{
    uint64_t *n = ctx;
    (void)first, (void)last;
    (*n)++;
}

/* Issue 11: a 128 KiB line of 'a' against "aaa...b" (the worst case for naive matching) and
 * against "a" (a match at every byte): the matcher's work stays within a small multiple of the
 * input, and every overlapping match is counted. */
START_TEST(matching_work_is_linear)
{
    size_t n = 128u << 10;
    char *doc = malloc(n), pat[1001];
    ck_assert_ptr_nonnull(doc);
    memset(doc, 'a', n);
    memset(pat, 'a', 1000);
    pat[1000] = 'b';
    uint64_t matches = 0;
    quire_text_matcher mt;
    quire_text_pos pos = {0};
    ck_assert_int_eq(quire_text_matcher_init(&mt, pat, sizeof pat, true, count_match, &matches), 0);
    quire_text_matcher_feed(&mt, doc, n, &pos);
    ck_assert_uint_eq(matches, 0);
    ck_assert_uint_le(mt.steps, 2 * (uint64_t)n);
    quire_text_matcher_free(&mt);
    ck_assert_int_eq(quire_text_matcher_init(&mt, "aaaa", 4, true, count_match, &matches), 0);
    quire_text_matcher_feed(&mt, doc, n, &pos);
    ck_assert_uint_eq(matches, n - 3);
    ck_assert_uint_le(mt.steps, 2 * (uint64_t)n);
    quire_text_matcher_free(&mt);
    free(doc);
}
END_TEST

/* Issue 11: folding depended on a C.UTF-8 locale and fell back to ASCII without one. */
START_TEST(case_folding_ignores_the_locale)
{
    setlocale(LC_ALL, "C");
    ck_assert_uint_eq(quire_text_fold('Q'), 'q');
    ck_assert_uint_eq(quire_text_fold(0xC7), 0xE7);     /* Ç */
    ck_assert_uint_eq(quire_text_fold(0x1E62), 0x1E63); /* Ṣ */
    ck_assert_uint_eq(quire_text_fold(0x3A3), 0x3C3);   /* Σ */
    ck_assert_uint_eq(quire_text_fold(0x130), 'i');     /* İ: the simple mapping */
    ck_assert_uint_eq(quire_text_fold(0x10400), 0x10428);
    ck_assert_uint_eq(quire_text_fold(0xE7), 0xE7);
    ck_assert_uint_eq(quire_text_fold(0x101), 0x101);
    quire_text in = {"\xc3\x87"
                     "ELEN \xce\xa3",
                     NULL, 9},
               out;
    ck_assert_int_eq(quire_text_normalize(&in, QUIRE_NORM_CASE, &out), 0);
    ck_assert_str_eq(out.s, "\xc3\xa7"
                            "elen \xcf\x83");
    quire_text_free(&out);
}
END_TEST

START_TEST(utf8_repair_replaces_each_bad_byte)
{
    size_t n;
    char *r = quire_text_utf8_repair("a\xff"
                                     "b\xc3\xa9\xed\xa0\x80"
                                     "c\0d",
                                     11, &n);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(n, 19);
    ck_assert_mem_eq(r,
                     "a\xef\xbf\xbd"
                     "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                     "c\0d",
                     19);
    ck_assert(quire_text_is_utf8(r, n));
    free(r);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *t = tcase_create("text");
    tcase_add_test(t, words_survive_each_failing_realloc);
    tcase_add_test(t, html_stream_equals_whole_at_every_split);
    tcase_add_test(t, matching_work_is_linear);
    tcase_add_test(t, case_folding_ignores_the_locale);
    tcase_add_test(t, utf8_repair_replaces_each_bad_byte);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(text_suite());
}
