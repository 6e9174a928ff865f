/* SPDX-License-Identifier: ISC */
/* test_escape.c: the terminal escaper both programs use for untrusted text (cli/cli_escape.c). */
#include <stdlib.h>
#include <string.h>

#include "cli_escape.h"
#include "unit_support.h"

static char *esc(const char *s, size_t len, unsigned flags)
{
    char *out = cli_escape_dup(s, len, flags);
    ck_assert_ptr_nonnull(out);
    return out;
}

#define ESC_EQ(in, flags, want)                                                                    \
    do {                                                                                           \
        char *got_ = esc(in, sizeof(in) - 1, flags);                                               \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

START_TEST(plain_text_and_utf8_pass_through)
{
    ESC_EQ("docs/report.txt", 0, "docs/report.txt");
    ESC_EQ("\xc3\xa7"
           "elen \xe2\x82\xac \xf0\x9f\x93\x84",
           0,
           "\xc3\xa7"
           "elen \xe2\x82\xac \xf0\x9f\x93\x84");
}
END_TEST

START_TEST(c0_del_and_c1_are_escaped)
{
    ESC_EQ("a\x1b[2Jb", 0, "a\\x1b[2Jb");
    ESC_EQ("\x7f", 0, "\\x7f");
    ESC_EQ("a\nb\tc", 0, "a\\nb\\tc");
    ESC_EQ("a\nb\tc", CLI_ESC_KEEP_NEWLINE | CLI_ESC_KEEP_TAB, "a\nb\tc");
    ESC_EQ("\r", CLI_ESC_KEEP_NEWLINE, "\\x0d");
    ESC_EQ("\xc2\x9b"
           "31m",
           0, "\\u009b31m"); /* C1 CSI as UTF-8 */
    ESC_EQ("\x9b"
           "31m\x9d",
           0, "\\x9b31m\\x9d"); /* C1 as raw 8-bit bytes */
}
END_TEST

START_TEST(bidi_and_invisible_controls_are_escaped)
{
    ESC_EQ("invoice\xe2\x80\xae"
           "fdp.exe",
           0, "invoice\\u202efdp.exe");
    ESC_EQ("\xe2\x81\xa6x\xe2\x81\xa9", 0, "\\u2066x\\u2069");
    ESC_EQ("\xe2\x80\x8b\xef\xbb\xbf\xd8\x9c", 0, "\\u200b\\ufeff\\u061c");
    ESC_EQ("\xe2\x80\xa8", CLI_ESC_KEEP_NEWLINE, "\\u2028");
    /* Look-alikes made with invisible characters: soft hyphen, Hangul filler, variation
     * selector, combining grapheme joiner, a tag character and U+206A. */
    ESC_EQ("a\xc2\xad"
           "b\xe3\x85\xa4"
           "c\xef\xb8\x8f"
           "d\xcd\x8f"
           "e\xf3\xa0\x80\xa0"
           "f\xe2\x81\xaa",
           0, "a\\u00adb\\u3164c\\ufe0fd\\u034fe\\U000e0020f\\u206a");
    ESC_EQ("\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\x84", 0,
           "\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\x84"); /* visible: kept */
}
END_TEST

START_TEST(invalid_utf8_is_escaped_byte_by_byte)
{
    ESC_EQ("\xc0\xaf", 0, "\\xc0\\xaf");                   /* overlong '/' */
    ESC_EQ("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");          /* surrogate */
    ESC_EQ("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    ESC_EQ("\xe2\x82", 0, "\\xe2\\x82");                   /* truncated */
    ESC_EQ("\xe2(", 0, "\\xe2(");
    ESC_EQ("\xff", 0, "\\xff");
}
END_TEST

/* Every split of a stream into two writes gives the same output as one write. */
START_TEST(streaming_matches_one_shot_at_every_split)
{
    static const char in[] = "a\xe2\x80\xae"
                             "b\xc2\x9b"
                             "c\xf0\x9f\x93\x84"
                             "d\xe2\x82"
                             "e\xc3";
    size_t n = sizeof in - 1;
    char *want = esc(in, n, CLI_ESC_KEEP_NEWLINE);
    for (size_t cut = 0; cut <= n; cut++) {
        for (size_t cut2 = cut; cut2 <= n; cut2++) {
            char *got = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&got, &len);
            cli_escape st;
            cli_escape_init(&st, CLI_ESC_KEEP_NEWLINE);
            ck_assert_int_eq(cli_escape_write(f, &st, in, cut), 0);
            ck_assert_int_eq(cli_escape_write(f, &st, in + cut, cut2 - cut), 0);
            ck_assert_int_eq(cli_escape_write(f, &st, in + cut2, n - cut2), 0);
            ck_assert_int_eq(cli_escape_final(f, &st), 0);
            fclose(f);
            ck_assert_str_eq(got, want);
            free(got);
        }
    }
    free(want);
}
END_TEST

/* No output byte of any input is a control character other than those kept, and no code
 * point of the output needs escaping: random inputs of every byte value. */
START_TEST(random_input_never_yields_a_control)
{
    unsigned seed = 12345;
    char in[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(seed % sizeof in);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (char)(seed >> 16);
        }
        char *out = esc(in, n, CLI_ESC_KEEP_NEWLINE);
        for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
            ck_assert(*p >= 0x20 || *p == '\n');
            ck_assert(*p != 0x7F && !(*p >= 0x80 && *p <= 0x9F && p[-1] == 0xC2));
        }
        /* The output is valid UTF-8 free of bidi controls. */
        ck_assert(quire_text_is_clean((const uint8_t *)out, strcspn(out, "\n")));
        ck_assert_ptr_null(strstr(out, "\xe2\x80\xae"));
        free(out);
    }
}
END_TEST

static Suite *escape_suite(void)
{
    Suite *s = suite_create("escape");
    TCase *t = tcase_create("escape");
    tcase_add_test(t, plain_text_and_utf8_pass_through);
    tcase_add_test(t, c0_del_and_c1_are_escaped);
    tcase_add_test(t, bidi_and_invisible_controls_are_escaped);
    tcase_add_test(t, invalid_utf8_is_escaped_byte_by_byte);
    tcase_add_test(t, streaming_matches_one_shot_at_every_split);
    tcase_add_test(t, random_input_never_yields_a_control);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(escape_suite());
}
