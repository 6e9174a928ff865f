/* SPDX-License-Identifier: ISC */
/* test_path.c: the path and text rules of SPEC 4 (lib/common/quire_path.c). */
#include <stdlib.h>

#include "unit_support.h"

static void accept(const char *p, size_t len)
{
    quire_error err = {0};
    ck_assert_msg(quire_path_check(p, len, &err) == QUIRE_OK, "path of %zu bytes refused: %s", len,
                  err.msg);
}

static void reject(const char *p, size_t len, int code, const char *sub)
{
    quire_error err = {0};
    ASSERT_FAILS(quire_path_check(p, len, &err), err, code, sub);
}

/* A path of len bytes made of 100-byte components of 'a' separated by '/'. */
static char *long_path(size_t len)
{
    char *p = malloc(len + 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < len; i++)
        p[i] = i % 101 == 100 ? '/' : 'a';
    p[len] = '\0';
    return p;
}

#define ACCEPT_TEST(name, lit)                                                                     \
    START_TEST(name)                                                                               \
    {                                                                                              \
        accept(lit, sizeof lit - 1);                                                               \
    }                                                                                              \
    END_TEST

#define REJECT_TEST(name, lit, code, sub)                                                          \
    START_TEST(name)                                                                               \
    {                                                                                              \
        reject(lit, sizeof lit - 1, code, sub);                                                    \
    }                                                                                              \
    END_TEST

ACCEPT_TEST(accepts_single_name, "a")
ACCEPT_TEST(accepts_nested_path, "docs/a.txt")
ACCEPT_TEST(accepts_utf8_names, "\xe1\xb9\xa3\xc5\xabra/\xc3\x87\x61y.txt") /* ṣūra/Çay.txt */
ACCEPT_TEST(accepts_four_byte_utf8, "emoji/\xf0\x9f\x93\x9c.txt")
ACCEPT_TEST(accepts_highest_code_point, "x\xf4\x8f\xbf\xbf")
ACCEPT_TEST(accepts_dots_inside_names, "a/..b/c.../.hidden")
ACCEPT_TEST(accepts_colon_after_first_component, "x/C:y")
ACCEPT_TEST(accepts_space_and_tilde, "my docs/~old")

START_TEST(accepts_255_byte_component)
{
    char c[256];
    memset(c, 'c', 255);
    c[255] = '\0';
    accept(c, 255);
}
END_TEST

START_TEST(accepts_4096_byte_path)
{
    char *p = long_path(4096);
    accept(p, 4096);
    free(p);
}
END_TEST

REJECT_TEST(rejects_empty_path, "", QUIRE_E_FORMAT, "empty path (SPEC 4.2)")
REJECT_TEST(rejects_absolute_path, "/abs", QUIRE_E_FORMAT, "absolute path (SPEC 4.2)")
REJECT_TEST(rejects_empty_component, "a//b", QUIRE_E_FORMAT, "empty path component (SPEC 4.2)")
REJECT_TEST(rejects_trailing_slash, "a/", QUIRE_E_FORMAT, "empty path component (SPEC 4.2)")
REJECT_TEST(rejects_leading_dot, "./a", QUIRE_E_FORMAT, "'.' or '..' path component (SPEC 4.2)")
REJECT_TEST(rejects_inner_dot, "a/./b", QUIRE_E_FORMAT, "'.' or '..' path component (SPEC 4.2)")
REJECT_TEST(rejects_dotdot, "..", QUIRE_E_FORMAT, "'.' or '..' path component (SPEC 4.2)")
REJECT_TEST(rejects_escaping_dotdot, "a/../../x", QUIRE_E_FORMAT, "'.' or '..' path component")
REJECT_TEST(rejects_trailing_dotdot, "a/..", QUIRE_E_FORMAT, "'.' or '..' path component")
REJECT_TEST(rejects_backslash, "a\\b", QUIRE_E_FORMAT, "backslash in path (SPEC 4.2)")
REJECT_TEST(rejects_drive_letter, "C:x", QUIRE_E_FORMAT, "drive letter in path (SPEC 4.2)")
REJECT_TEST(rejects_drive_root, "c:/x", QUIRE_E_FORMAT, "drive letter in path (SPEC 4.2)")
REJECT_TEST(rejects_nul_inside, "a\0b", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_control_soh, "a\x01", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_control_esc, "a\x1b[31m", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_control_del, "a\x7f", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_newline, "a\nb", QUIRE_E_FORMAT, "(SPEC 4.1)")
REJECT_TEST(rejects_c1_csi, "a\xc2\x9b", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_lone_continuation, "a\x80", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_truncated_sequence, "a\xe2\x82", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_overlong_slash_2, "a\xc0\xaf", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_overlong_slash_3, "a\xe0\x80\xaf", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_surrogate, "a\xed\xa0\x80", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_above_unicode, "a\xf4\x90\x80\x80", QUIRE_E_FORMAT, "not printable UTF-8")
REJECT_TEST(rejects_byte_ff, "a\xff", QUIRE_E_FORMAT, "(SPEC 4.1)")

START_TEST(rejects_256_byte_component)
{
    char c[260] = "d/";
    memset(c + 2, 'c', 256);
    reject(c, 258, QUIRE_E_LIMIT, "path component longer than 255 bytes (SPEC 8)");
}
END_TEST

START_TEST(rejects_4097_byte_path)
{
    char *p = long_path(4097);
    reject(p, 4097, QUIRE_E_LIMIT, "path longer than 4096 bytes (SPEC 8)");
    free(p);
}
END_TEST

START_TEST(path_check_accepts_null_err)
{
    ck_assert_int_eq(quire_path_check("/x", 2, NULL), QUIRE_E_FORMAT);
    ck_assert_int_eq(quire_path_check("x", 1, NULL), QUIRE_OK);
}
END_TEST

START_TEST(path_check_reads_only_len_bytes)
{
    /* "ab/" with len 2 is the path "ab"; the slash beyond must not be seen. */
    accept("ab/", 2);
    char *heap = malloc(2);
    ck_assert_ptr_nonnull(heap);
    memcpy(heap, "ok", 2); /* not NUL-terminated: ASan catches a read past it */
    accept(heap, 2);
    free(heap);
}
END_TEST

/* Printable ASCII paths are checked eight bytes at a time: every byte value at every place of
 * a 19-byte path (two words and a tail) gets the answer of the rules, and the rule's name. */
START_TEST(path_check_every_byte_everywhere)
{
    char p[] = "abcdefgh/ijklmnopqr";
    const size_t len = sizeof p - 1;
    for (size_t k = 0; k < len; k++) {
        if (p[k] == '/')
            continue;
        for (int c = 1; c < 256; c++) {
            char q[sizeof p];
            memcpy(q, p, sizeof p);
            q[k] = (char)c;
            quire_error err = {0};
            int rc = quire_path_check(q, len, &err);
            bool clean = quire_text_is_clean((const uint8_t *)q, len);
            if (c == '/')
                continue; /* changes the components; covered above */
            if (c < 0x20 || c >= 0x7F) {
                ck_assert_msg(rc == QUIRE_E_FORMAT && strstr(err.msg, "not printable UTF-8"),
                              "byte %#x at %zu: %s", c, k, err.msg);
                ck_assert_msg(!clean, "byte %#x at %zu is clean", c, k);
            } else if (c == '\\') {
                ck_assert_msg(rc == QUIRE_E_FORMAT && strstr(err.msg, "backslash"),
                              "backslash at %zu: %s", k, err.msg);
                ck_assert(clean);
            } else if (c == ':' && k == 1) {
                ck_assert_msg(rc == QUIRE_E_FORMAT && strstr(err.msg, "drive letter"), "%s",
                              err.msg);
            } else {
                ck_assert_msg(rc == QUIRE_OK, "byte %#x at %zu refused: %s", c, k, err.msg);
                ck_assert_msg(clean, "byte %#x at %zu is not clean", c, k);
            }
        }
    }
}
END_TEST

#define CLEAN(lit) quire_text_is_clean((const uint8_t *)(lit), sizeof(lit) - 1)

START_TEST(text_clean_accepts_printable_utf8)
{
    ck_assert(CLEAN(""));
    ck_assert(CLEAN("plain ASCII ~!@#$%^&*()"));
    ck_assert(CLEAN("\xe1\xb9\xa3\xc5\xabra \xe2\x80\x99quoted\xe2\x80\x9d"));
    ck_assert(CLEAN("\xc2\xa0")); /* U+00A0, just past C1 */
    ck_assert(CLEAN("\xf0\x90\x80\x80"));
}
END_TEST

START_TEST(text_clean_rejects_controls)
{
    ck_assert(!CLEAN("\t"));
    ck_assert(!CLEAN("\r"));
    ck_assert(!CLEAN("\x1f"));
    ck_assert(!CLEAN("\x7f"));
    ck_assert(!CLEAN("\xc2\x80"));
    ck_assert(!CLEAN("\xc2\x9f"));
    ck_assert(!quire_text_is_clean((const uint8_t *)"a\0b", 3));
}
END_TEST

START_TEST(text_clean_rejects_invalid_utf8)
{
    ck_assert(!CLEAN("\x80"));
    ck_assert(!CLEAN("\xe2\x82"));
    ck_assert(!CLEAN("\xc0\xaf"));
    ck_assert(!CLEAN("\xc1\xbf"));
    ck_assert(!CLEAN("\xe0\x80\xaf"));
    ck_assert(!CLEAN("\xf0\x80\x80\xaf"));
    ck_assert(!CLEAN("\xed\xa0\x80"));
    ck_assert(!CLEAN("\xed\xbf\xbf"));
    ck_assert(!CLEAN("\xf4\x90\x80\x80"));
    ck_assert(!CLEAN("\xf8\x88\x80\x80\x80"));
    ck_assert(!CLEAN("\xe2\x28\xa1"));
}
END_TEST

START_TEST(text_clean_stops_at_len)
{
    /* A sequence cut by len is invalid even if the bytes after it would complete it. */
    const uint8_t euro[] = {0xe2, 0x82, 0xac};
    ck_assert(quire_text_is_clean(euro, 3));
    ck_assert(!quire_text_is_clean(euro, 2));
    ck_assert(!quire_text_is_clean(euro, 1));
    ck_assert(quire_text_is_clean(euro, 0));
}
END_TEST

static Suite *path_suite(void)
{
    Suite *s = suite_create("path");
    TCase *ok = tcase_create("accepted");
    tcase_add_test(ok, accepts_single_name);
    tcase_add_test(ok, accepts_nested_path);
    tcase_add_test(ok, accepts_utf8_names);
    tcase_add_test(ok, accepts_four_byte_utf8);
    tcase_add_test(ok, accepts_highest_code_point);
    tcase_add_test(ok, accepts_dots_inside_names);
    tcase_add_test(ok, accepts_colon_after_first_component);
    tcase_add_test(ok, accepts_space_and_tilde);
    tcase_add_test(ok, accepts_255_byte_component);
    tcase_add_test(ok, accepts_4096_byte_path);
    tcase_add_test(ok, path_check_accepts_null_err);
    tcase_add_test(ok, path_check_reads_only_len_bytes);
    tcase_add_test(ok, path_check_every_byte_everywhere);
    suite_add_tcase(s, ok);

    TCase *bad = tcase_create("rejected");
    tcase_add_test(bad, rejects_empty_path);
    tcase_add_test(bad, rejects_absolute_path);
    tcase_add_test(bad, rejects_empty_component);
    tcase_add_test(bad, rejects_trailing_slash);
    tcase_add_test(bad, rejects_leading_dot);
    tcase_add_test(bad, rejects_inner_dot);
    tcase_add_test(bad, rejects_dotdot);
    tcase_add_test(bad, rejects_escaping_dotdot);
    tcase_add_test(bad, rejects_trailing_dotdot);
    tcase_add_test(bad, rejects_backslash);
    tcase_add_test(bad, rejects_drive_letter);
    tcase_add_test(bad, rejects_drive_root);
    tcase_add_test(bad, rejects_nul_inside);
    tcase_add_test(bad, rejects_control_soh);
    tcase_add_test(bad, rejects_control_esc);
    tcase_add_test(bad, rejects_control_del);
    tcase_add_test(bad, rejects_newline);
    tcase_add_test(bad, rejects_c1_csi);
    tcase_add_test(bad, rejects_lone_continuation);
    tcase_add_test(bad, rejects_truncated_sequence);
    tcase_add_test(bad, rejects_overlong_slash_2);
    tcase_add_test(bad, rejects_overlong_slash_3);
    tcase_add_test(bad, rejects_surrogate);
    tcase_add_test(bad, rejects_above_unicode);
    tcase_add_test(bad, rejects_byte_ff);
    tcase_add_test(bad, rejects_256_byte_component);
    tcase_add_test(bad, rejects_4097_byte_path);
    suite_add_tcase(s, bad);

    TCase *text = tcase_create("text_is_clean");
    tcase_add_test(text, text_clean_accepts_printable_utf8);
    tcase_add_test(text, text_clean_rejects_controls);
    tcase_add_test(text, text_clean_rejects_invalid_utf8);
    tcase_add_test(text, text_clean_stops_at_len);
    suite_add_tcase(s, text);
    return s;
}

int main(void)
{
    return run_suite(path_suite());
}
