/* SPDX-License-Identifier: ISC */
/* test_text.c: the text module quote and search use (text/): Unicode folding and normalisation
 * (utf8proc), HTML structure and entities (libxml2), streaming equals whole-buffer at every
 * split, matching does bounded work and finds whole words, the extractor hook, case folding
 * ignores the locale, word splitting survives a failing allocator.
 * Linked with -Wl,--wrap=realloc (fail_realloc_at makes the Nth realloc call fail) and
 * -Wl,--wrap=newlocale (no locale can be loaded). */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "quire_text.h"
#include "text_entities.h"
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
    char s[8192];
    size_t len;
} acc;

static void acc_sink(void *ctx, const char *s, size_t n, const quire_text_pos *pos)
{
    acc *a = ctx;
    (void)pos;
    for (size_t i = 0; i < n && a->len + 1 < sizeof a->s; i++)
        a->s[a->len++] = s[i];
    a->s[a->len] = '\0';
}

/* text normalised with flags, as a NUL-terminated string (static buffer) */
static const char *norm(const char *in, unsigned flags)
{
    static acc a;
    a.len = 0;
    a.s[0] = '\0';
    quire_text_norm *st = quire_text_norm_new(flags, acc_sink, &a);
    ck_assert_ptr_nonnull(st);
    quire_text_pos pos = {.line = 1, .col = 1};
    quire_text_norm_feed(st, in, strlen(in), &pos);
    quire_text_norm_final(st);
    quire_text_norm_free(st);
    return a.s;
}

#define ALL (QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | QUIRE_NORM_CASE)

/* Issue 14: towlower and a simple-case table missed these. */
START_TEST(unicode_folding_and_forms)
{
    ck_assert_str_eq(norm("Fu\xc3\x9f"
                          "baller",
                          ALL),
                     norm("fussballer", ALL));
    ck_assert_str_eq(norm("STRASSE", ALL), norm("stra\xc3\x9f"
                                                "e",
                                                ALL));
    ck_assert_str_eq(norm("cafe\xcc\x81", ALL), norm("caf\xc3\xa9", ALL));   /* NFD, NFC */
    ck_assert_str_eq(norm("cafe\xcc\x81", QUIRE_NORM_SPACE), "caf\xc3\xa9"); /* NFC */
    ck_assert_str_eq(norm("\xef\xac\x81"
                          "nal",
                          ALL),
                     "final"); /* ligature */
    ck_assert_str_eq(norm("\xef\xac\x81"
                          "nal",
                          QUIRE_NORM_SPACE),
                     "final"); /* quote too */
    ck_assert_str_eq(norm("\xce\xa3\xce\x91\xce\xa3", ALL), "\xcf\x83\xce\xb1\xcf\x83"); /* Σ */
    ck_assert_str_eq(norm("\xef\xbc\xa1\xef\xbc\xa2", ALL), "ab");          /* full-width */
    ck_assert_str_eq(norm("CAF\xc3\x89", QUIRE_NORM_SPACE), "CAF\xc3\x89"); /* case kept */
}
END_TEST

/* Dashes ("--", "---", en and em dashes, with or without spaces) are one '-'; pilcrows, soft
 * hyphens and zero-width characters are nothing; quotes are ASCII; white space is one space. */
START_TEST(punctuation_dashes_and_invisibles)
{
    const char *want = "a-b";
    ck_assert_str_eq(norm("a -- b", ALL), want);
    ck_assert_str_eq(norm("a---b", ALL), want);
    ck_assert_str_eq(norm("a\xe2\x80\x94"
                          "b",
                          ALL),
                     want);
    ck_assert_str_eq(norm("a \xe2\x80\x93 b", ALL), want);
    ck_assert_str_eq(norm("Class Objects\xc2\xb6", ALL), "class objects");
    ck_assert_str_eq(norm("zero\xe2\x80\x8bwidth soft\xc2\xad"
                          "hyphen\xef\xbb\xbf",
                          ALL),
                     "zerowidth softhyphen");
    ck_assert_str_eq(norm("\xe2\x80\x9cit\xe2\x80\x99s\xe2\x80\x9d \t\n x\xc2\xa0y", ALL),
                     "\"it's\" x y");
    ck_assert_str_eq(norm("a\xe2\x80\xa6", ALL), "a...");
    ck_assert_str_eq(norm("bad \xff\xc3 bytes", ALL), "bad \xff\xc3 bytes"); /* passed through */
}
END_TEST

static const char html_doc[] =
    "<!DOCTYPE html><html><head><title>Caf&eacute; &amp; Co</title><style>p{}</style></head>"
    "<body><div class=\"related\" role=\"navigation\">Related nav</div>"
    "<nav>Site menu</nav><div class=\"body\">"
    "<h2>9.3.2. Class Objects<a class=\"headerlink\" href=\"#x\" title=\"Permalink\">\xc2\xb6</a>"
    "</h2><p>The <b class=\"x>y\">quick</b>\n brown&nbsp;fox &mdash; costs 5&euro;, na&iuml;ve "
    "&#x41;&#66; &notanentity;</p><span hidden>hidden text</span>"
    "<span aria-hidden=\"true\">aria text</span><p style=\"display: none\">styled away</p>"
    "<script>var s = \"</p>\"; x < y</SCRIPT ><template>tpl</template></div>"
    "<div class=\"sphinxsidebar\" role=\"navigation\"><h3>Table of Contents</h3>"
    "<ul><li>Sidebar only phrase</li></ul></div><p>tail &amp; end</p></body></html>";

static void html_text(const char *doc, size_t n, size_t step, acc *a)
{
    a->len = 0;
    quire_text_source *src =
        quire_text_source_new(QUIRE_TEXT_HTML, "text/html", "x.html", acc_sink, a);
    ck_assert_ptr_nonnull(src);
    for (size_t i = 0; i < n; i += step)
        ck_assert_int_eq(quire_text_source_update(src, doc + i, n - i < step ? n - i : step), 0);
    ck_assert_int_eq(quire_text_source_final(src), 0);
    quire_text_source_free(src);
}

/* Issue 14: libxml2's parser and its entity set; the page's text without navigation, hidden
 * elements, scripts, Sphinx's pilcrow anchors and sidebar; the same text at every split. */
START_TEST(html_structure_and_entities)
{
    static acc a;
    html_text(html_doc, sizeof html_doc - 1, sizeof html_doc, &a);
    char *t = strdup(a.s);
    ck_assert_ptr_nonnull(strstr(t, "9.3.2. Class Objects\n"));
    ck_assert_ptr_nonnull(strstr(t, "The quick\n brown\xc2\xa0"
                                    "fox \xe2\x80\x94 costs "
                                    "5\xe2\x82\xac, na\xc3\xafve AB"));
    ck_assert_ptr_nonnull(strstr(t, "tail & end"));
    const char *absent[] = {"Caf",    "Related", "Site menu", "\xc2\xb6", "hidden text",
                            "aria",   "styled",  "var",       "tpl",      "Table of Contents",
                            "Sidebar"};
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++)
        ck_assert_msg(strstr(t, absent[i]) == NULL, "%s in the text", absent[i]);
    for (size_t step = 1; step <= 13; step++) {
        html_text(html_doc, sizeof html_doc - 1, step, &a);
        ck_assert_str_eq(a.s, t);
    }
    free(t);
    quire_text frag;
    ck_assert_int_eq(quire_text_from_html("Caf&eacute; &amp; Co", 20, &frag), 0);
    ck_assert_str_eq(frag.s, "\n\nCaf\xc3\xa9 & Co\n\n"); /* the implied body and p: the packer
                                                           collapses the new lines */
    quire_text_free(&frag);
}
END_TEST

/* a->s without the new lines blocks (and the implied html and body) put around it */
static const char *inner(acc *a)
{
    char *p = a->s;
    while (*p == '\n')
        p++;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '\n')
        p[--n] = '\0';
    return p;
}

/* Issue 14, "full entity set": libxml2 2.9 decodes HTML 4's 253 named references; each of the
 * others of HTML's 2,125 (&check;, &ZeroWidthSpace;, &NotEqualTilde;) is decoded from the WHATWG
 * list, at every split of the document; what only looks like one is left as it is. */
START_TEST(html5_named_references)
{
    static acc a;
    size_t others = 0;
    for (size_t i = 0; i < sizeof text_entities / sizeof *text_entities; i++) {
        const text_entity *e = &text_entities[i];
        if (htmlEntityLookup((const xmlChar *)e->name) != NULL)
            continue; /* libxml2's own */
        char doc[128], want[64];
        int n = snprintf(doc, sizeof doc, "<p>x&%s;y &amp;%s; z</p>", e->name, e->name);
        snprintf(want, sizeof want, "x%sy &%s; z", e->utf8, e->name);
        for (size_t step = 1; step <= (i % 97 == 0 ? 9 : 1); step++) {
            html_text(doc, (size_t)n, step == 1 ? (size_t)n : step, &a);
            const char *got = inner(&a);
            ck_assert_msg(strcmp(got, want) == 0, "&%s; at step %zu: '%s'", e->name, step, got);
        }
        others++;
    }
    ck_assert_uint_ge(others, 2125 - 253);
    static const char *const kept[][2] = {
        {"<p>&bogus; &check &amp;check;</p>", "&bogus; &check &check;"},
        {"<p>&check<b>;</b> &check&#59; &</p>", "&check; &check; &"},
        {"<p>&Zero<i>WidthSpace;</i></p>", "&ZeroWidthSpace;"},
        {"<p>a&ZeroWidthSpace;b&NotEqualTilde;</p>", "a\xe2\x80\x8b"
                                                     "b\xe2\x89\x82\xcc\xb8"},
    };
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        for (size_t step = 1; step <= 13; step++) {
            html_text(kept[i][0], strlen(kept[i][0]), step, &a);
            ck_assert_str_eq(inner(&a), kept[i][1]);
        }
}
END_TEST

typedef struct found {
    uint64_t n, col[8], line[8];
} found;

static void count_match(void *ctx, const quire_text_pos *first, const quire_text_pos *last)
{
    found *f = ctx;
    (void)last;
    if (f->n < 8)
        f->col[f->n] = first->col, f->line[f->n] = first->line;
    f->n++;
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
    found f = {0};
    quire_text_pos pos = {0};
    quire_text_matcher *mt =
        quire_text_matcher_new(pat, sizeof pat, QUIRE_MATCH_OVERLAP, count_match, &f);
    ck_assert_ptr_nonnull(mt);
    quire_text_matcher_feed(mt, doc, n, &pos);
    ck_assert_uint_eq(f.n, 0);
    ck_assert_uint_le(quire_text_matcher_steps(mt), 2 * (uint64_t)n);
    quire_text_matcher_free(mt);
    mt = quire_text_matcher_new("aaaa", 4, QUIRE_MATCH_OVERLAP, count_match, &f);
    quire_text_matcher_feed(mt, doc, n, &pos);
    ck_assert_uint_eq(f.n, n - 3);
    ck_assert_uint_le(quire_text_matcher_steps(mt), 2 * (uint64_t)n);
    quire_text_matcher_free(mt);
    f.n = 0;
    mt = quire_text_matcher_new("aaaa", 4, 0, count_match, &f); /* not overlapping */
    quire_text_matcher_feed(mt, doc, n, &pos);
    ck_assert_uint_eq(f.n, n / 4);
    quire_text_matcher_free(mt);
    free(doc);
}
END_TEST

/* search -w: whole words, Unicode letters count as word characters; positions are those of
 * the document's characters. */
START_TEST(whole_words)
{
    const char *doc = "cat concat cat_x cat, caté (cat)\n\xc3\xa9"
                      "cat cat";
    found f = {0};
    quire_text_matcher *mt = quire_text_matcher_new("cat", 3, QUIRE_MATCH_WORDS, count_match, &f);
    ck_assert_ptr_nonnull(mt);
    quire_text_norm *st = quire_text_norm_new(QUIRE_NORM_SPACE, quire_text_matcher_feed, mt);
    quire_text_pos pos = {.line = 1, .col = 1};
    quire_text_norm_feed(st, doc, strlen(doc), &pos);
    quire_text_norm_final(st);
    quire_text_matcher_final(mt);
    ck_assert_uint_eq(f.n, 4);
    ck_assert_uint_eq(f.col[0], 1);
    ck_assert_uint_eq(f.col[1], 18);
    ck_assert_uint_eq(f.col[2], 29);
    ck_assert_uint_eq(f.line[3], 2);
    ck_assert_uint_eq(f.col[3], 6);
    quire_text_norm_free(st);
    quire_text_matcher_free(mt);
}
END_TEST

/* The per-media-type hook: an extractor defined by any object of the module (text_pdf.c in the
 * real one) is found through its weak reference; its text is the document's text. */
static bool fake_accepts(const char *mt, const char *path)
{
    (void)path;
    return strcmp(mt, "application/pdf") == 0;
}

static int fake_extract(const char *doc, size_t len, char **text, size_t *tl, char *why, size_t cap)
{
    if (len >= 4 && memcmp(doc, "none", 4) == 0) {
        snprintf(why, cap, "the PDF has no text layer");
        return -1;
    }
    *text = strdup("Extracted text");
    *tl = 14;
    return *text != NULL ? 0 : -1;
}

const quire_text_extractor quire_text_extractor_pdf = {"PDF", fake_accepts, fake_extract, 1024};

START_TEST(extractor_hook)
{
    static acc a;
    ck_assert_int_eq(quire_text_kind_of("application/pdf", "a.pdf"), QUIRE_TEXT_EXTRACT);
    ck_assert_int_eq(quire_text_kind_of("image/png", "a.png"), QUIRE_TEXT_BINARY);
    ck_assert_int_eq(quire_text_kind_of("application/json", "a"), QUIRE_TEXT_PLAIN);
    ck_assert_int_eq(quire_text_kind_of("", "a.htm"), QUIRE_TEXT_HTML);
    /* not a media type (cli_cmds_random): the content decides */
    ck_assert_int_eq(quire_text_kind_of("\xc2\x9b"
                                        "2J&",
                                        "a.txt"),
                     QUIRE_TEXT_PLAIN);
    ck_assert_int_eq(quire_text_kind_of("application/", "a"), QUIRE_TEXT_PLAIN);
    const char *docs[] = {"%PDF-1.5 ...", "none", NULL};
    const char *notes[] = {NULL, "PDF text not read: the PDF has no text layer",
                           "PDF text not read: the document is larger than 0 MiB"};
    char big[2048] = {0};
    for (size_t k = 0; k < 3; k++) {
        a.len = 0, a.s[0] = '\0';
        quire_text_source *src =
            quire_text_source_new(QUIRE_TEXT_EXTRACT, "application/pdf", "a.pdf", acc_sink, &a);
        ck_assert_ptr_nonnull(src);
        const char *d = docs[k] != NULL ? docs[k] : big;
        size_t n = docs[k] != NULL ? strlen(d) : sizeof big;
        ck_assert_int_eq(quire_text_source_update(src, d, n), 0);
        ck_assert_int_eq(quire_text_source_final(src), 0);
        if (notes[k] == NULL) {
            ck_assert_str_eq(a.s, "Extracted text");
            ck_assert_ptr_null(quire_text_source_note(src));
        } else {
            ck_assert_str_eq(quire_text_source_note(src), notes[k]);
        }
        quire_text_source_free(src);
    }
}
END_TEST

/* grep's rule: a NUL byte makes a plain document binary. */
START_TEST(binary_by_content)
{
    static acc a;
    quire_text_source *src = quire_text_source_new(QUIRE_TEXT_PLAIN, "", "x", acc_sink, &a);
    ck_assert_int_eq(quire_text_source_update(src, "text", 4), 0);
    ck_assert(!quire_text_source_binary(src));
    ck_assert_int_eq(quire_text_source_update(src, "a\0b", 3), 0);
    ck_assert(quire_text_source_binary(src));
    quire_text_source_free(src);
}
END_TEST

/* Issue 11: folding depended on a C.UTF-8 locale and fell back to ASCII without one. */
START_TEST(case_folding_ignores_the_locale)
{
    setlocale(LC_ALL, "C");
    ck_assert_str_eq(norm("\xc3\x87"
                          "ELEN \xce\xa3 \xe1\xb9\xa2 \xf0\x90\x90\x80",
                          QUIRE_NORM_CASE),
                     "\xc3\xa7"
                     "elen \xcf\x83 \xe1\xb9\xa3 \xf0\x90\x90\xa8");
}
END_TEST

START_TEST(path_forms)
{
    char *nfd = quire_text_path_form("docs/caf\xc3\xa9.txt", true);
    char *nfc = quire_text_path_form("docs/cafe\xcc\x81.txt", false);
    ck_assert_str_eq(nfd, "docs/cafe\xcc\x81.txt");
    ck_assert_str_eq(nfc, "docs/caf\xc3\xa9.txt");
    free(nfd), free(nfc);
    ck_assert_ptr_null(quire_text_path_form("bad\xff", false));
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
    tcase_add_test(t, unicode_folding_and_forms);
    tcase_add_test(t, punctuation_dashes_and_invisibles);
    tcase_add_test(t, html_structure_and_entities);
    tcase_add_test(t, html5_named_references);
    tcase_add_test(t, matching_work_is_linear);
    tcase_add_test(t, whole_words);
    tcase_add_test(t, extractor_hook);
    tcase_add_test(t, binary_by_content);
    tcase_add_test(t, case_folding_ignores_the_locale);
    tcase_add_test(t, path_forms);
    tcase_add_test(t, utf8_repair_replaces_each_bad_byte);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(text_suite());
}
