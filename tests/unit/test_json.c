/* SPDX-License-Identifier: ISC */
/* test_json.c: canonical JSON (lib/common/quire_json.c): RFC 8785's name-sorting example,
 * string escapes, the refusals (fractions, exponents, big integers, duplicates, U+0000, depth),
 * and the check of already canonical text. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quire_json.h"
#include "unit_support.h"

static char *canon(const char *in)
{
    char *out;
    size_t len;
    quire_error err = {0};
    ASSERT_OK(quire_json_canonical(in, strlen(in), &out, &len, &err), err);
    ck_assert_uint_eq(len, strlen(out));
    return out;
}

#define CANON_EQ(in, want)                                                                         \
    do {                                                                                           \
        char *got_ = canon(in);                                                                    \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

static void refused(const char *in, const char *why)
{
    char *out;
    size_t len;
    quire_error err = {0};
    ck_assert_int_eq(quire_json_canonical(in, strlen(in), &out, &len, &err), QUIRE_E_FORMAT);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(err.msg, why) != NULL, "'%s' does not say '%s'", err.msg, why);
}

/* RFC 8785 section 3.2.3: names sort by UTF-16 code units, so U+1F600 (D83D DE00) comes
 * before U+FB33, unlike a sort by code points. */
START_TEST(names_sort_as_utf16_code_units)
{
    CANON_EQ("{\"\\u20ac\": 5, \"\\r\": 1, \"\\ufb33\": 7, \"1\": 2, \"\\ud83d\\ude00\": 6, "
             "\"\\u0080\": 3, \"\\u00f6\": 4}",
             "{\"\\r\":1,\"1\":2,\"\xc2\x80\":3,\"\xc3\xb6\":4,\"\xe2\x82\xac\":5,"
             "\"\xf0\x9f\x98\x80\":6,\"\xef\xac\xb3\":7}");
    /* The same after a shared prefix, and inside a character (the lead byte shared). */
    CANON_EQ("{\"x\\ufb33\": 4, \"x\\u00e9b\": 2, \"x\\ud83d\\ude00\": 3, \"x\\u00e9a\": 1, "
             "\"x\\u00ea\": 5, \"x\": 0}",
             "{\"x\":0,\"x\xc3\xa9"
             "a\":1,\"x\xc3\xa9"
             "b\":2,\"x\xc3\xaa\":5,\"x\xf0\x9f\x98\x80\":3,"
             "\"x\xef\xac\xb3\":4}");
    CANON_EQ("{\"b\": [1, {\"z\": null, \"a\": true}], \"a\": false}",
             "{\"a\":false,\"b\":[1,{\"a\":true,\"z\":null}]}");
}
END_TEST

START_TEST(strings_escape_only_quote_backslash_and_c0)
{
    CANON_EQ("\"a\\/b \\u00e9 \\u007f\"", "\"a/b \xc3\xa9 \x7f\"");
    CANON_EQ("\"\\\" \\\\ \\b\\t\\n\\f\\r \\u001f \\u0001\"",
             "\"\\\" \\\\ \\b\\t\\n\\f\\r \\u001f \\u0001\"");
    CANON_EQ("\"\\u2028\"", "\"\xe2\x80\xa8\"");
}
END_TEST

START_TEST(integers_in_range_are_written_plainly)
{
    CANON_EQ("[0, -0, 9007199254740991, -9007199254740991, 2016]",
             "[0,0,9007199254740991,-9007199254740991,2016]");
}
END_TEST

START_TEST(what_cannot_be_canonical_is_refused)
{
    refused("[1.5]", "fraction or exponent");
    refused("[1e3]", "fraction or exponent");
    refused("[1.0]", "fraction or exponent");
    refused("[9007199254740992]", "outside");
    refused("[-9223372036854775808]", "outside");
    refused("{\"a\": 1, \"a\": 2}", "not JSON");
    refused("[\"\\u0000\"]", "not JSON");
    refused("{\"a\": 1", "not JSON");
    char deep[200];
    for (int levels = 64; levels <= 65; levels++) { /* 64 levels allowed, 65 refused */
        memset(deep, '[', (size_t)levels);
        memset(deep + levels, ']', (size_t)levels);
        deep[2 * levels] = '\0';
        if (levels == 64)
            free(canon(deep));
        else
            refused(deep, "nested more than 64");
    }
}
END_TEST

START_TEST(check_accepts_only_the_canonical_bytes)
{
    static const char good[] = "{\"a\":[1,\"x\"],\"b\":{}}";
    quire_error err = {0};
    ASSERT_OK(quire_json_check_canonical(good, strlen(good), &err), err);
    static const char *const bad[] = {"{\"a\": [1,\"x\"],\"b\":{}}", "{\"b\":{},\"a\":[1,\"x\"]}",
                                      "{\"a\":[1,\"\\u0078\"],\"b\":{}}",
                                      "{\"a\":[1,\"x\"],\"b\":{}} "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(quire_json_check_canonical(bad[i], strlen(bad[i]), &err), QUIRE_E_FORMAT);
        ck_assert_ptr_nonnull(strstr(err.msg, "canonical form from byte"));
    }
}
END_TEST

/* Canonicalising is idempotent on every fixture's metadata. */
START_TEST(canonical_form_is_a_fixed_point)
{
    static const char *const files[] = {FIXTURES "/bundle.json", FIXTURES "/sources.json"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *text = (char *)slurp_path(files[i], &len), *c1, *c2;
        size_t n1, n2;
        quire_error err = {0};
        ASSERT_OK(quire_json_canonical(text, len, &c1, &n1, &err), err);
        ASSERT_OK(quire_json_canonical(c1, n1, &c2, &n2, &err), err);
        ck_assert_uint_eq(n1, n2);
        ck_assert_mem_eq(c1, c2, n1);
        ASSERT_OK(quire_json_check_canonical(c1, n1, &err), err);
        free(text), free(c1), free(c2);
    }
}
END_TEST

/* A code point from one of the ranges where UTF-8 and UTF-16 orders part (and ASCII). */
static uint32_t random_cp(uint32_t *seed)
{
    static const uint32_t lo[] = {0x61, 0xE0, 0x7FF, 0xD7F0, 0xE000, 0xFFF0, 0x10000, 0x10FFF0};
    static const uint32_t span[] = {3, 40, 3, 15, 3, 14, 3, 15};
    *seed = *seed * 1103515245u + 12345u;
    uint32_t r = *seed >> 8;
    return lo[r % 8] + (r / 8) % span[r % 8];
}

static size_t put_utf8(uint32_t cp, char *out)
{
    if (cp < 0x80)
        return (size_t)(out[0] = (char)cp, 1);
    if (cp < 0x800)
        return out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000)
        return out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | (cp >> 6 & 0x3F)),
               out[2] = (char)(0x80 | (cp & 0x3F)), 3;
    return out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | (cp >> 12 & 0x3F)),
           out[2] = (char)(0x80 | (cp >> 6 & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F)), 4;
}

/* Names as UTF-16 code units, for the order the test expects, computed from the code points
 * independently of the library's byte-wise comparison. */
typedef struct name16 {
    uint16_t u[16];
    size_t n;
    char utf8[48];
} name16;

static int cmp16(const void *a, const void *b)
{
    const name16 *x = a, *y = b;
    for (size_t i = 0; i < x->n && i < y->n; i++)
        if (x->u[i] != y->u[i])
            return x->u[i] < y->u[i] ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* 2,000 objects of 2-6 random names (1-4 code points each, sharing prefixes often, the
 * supplementary and U+E000-U+FFFF ranges among them): the canonical order is UTF-16's. */
START_TEST(random_names_sort_as_utf16_code_units)
{
    uint32_t seed = 42;
    for (int round = 0; round < 2000; round++) {
        name16 names[6];
        size_t count = 2 + (size_t)round % 5, k = 0;
        while (k < count) {
            name16 *nm = &names[k];
            size_t len = 0, ncp = 1 + (seed >> 4) % 4;
            nm->n = 0;
            for (size_t c = 0; c < ncp; c++) {
                uint32_t cp = random_cp(&seed);
                if (c == 0 && k > 0 && (seed >> 20 & 1)) /* a shared first letter */
                    cp = 0x61;
                len += put_utf8(cp, nm->utf8 + len);
                if (cp >= 0x10000) {
                    nm->u[nm->n++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
                    nm->u[nm->n++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
                } else {
                    nm->u[nm->n++] = (uint16_t)cp;
                }
            }
            nm->utf8[len] = '\0';
            bool dup = false;
            for (size_t j = 0; j < k; j++)
                dup = dup || strcmp(names[j].utf8, nm->utf8) == 0;
            k += !dup;
        }
        char in[512], want[512];
        size_t n = 0, w = 0;
        in[n++] = '{';
        for (size_t j = 0; j < count; j++)
            n += (size_t)snprintf(in + n, sizeof in - n, "%s\"%s\":%zu", j ? "," : "",
                                  names[j].utf8, j);
        in[n++] = '}', in[n] = '\0';
        name16 sorted[6];
        memcpy(sorted, names, sizeof sorted);
        qsort(sorted, count, sizeof *sorted, cmp16);
        want[w++] = '{';
        for (size_t j = 0; j < count; j++) {
            size_t orig = 0;
            while (strcmp(names[orig].utf8, sorted[j].utf8) != 0)
                orig++;
            w += (size_t)snprintf(want + w, sizeof want - w, "%s\"%s\":%zu", j ? "," : "",
                                  sorted[j].utf8, orig);
        }
        want[w++] = '}', want[w] = '\0';
        CANON_EQ(in, want);
    }
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *t = tcase_create("canonical");
    tcase_add_test(t, names_sort_as_utf16_code_units);
    tcase_add_test(t, random_names_sort_as_utf16_code_units);
    tcase_add_test(t, strings_escape_only_quote_backslash_and_c0);
    tcase_add_test(t, integers_in_range_are_written_plainly);
    tcase_add_test(t, what_cannot_be_canonical_is_refused);
    tcase_add_test(t, check_accepts_only_the_canonical_bytes);
    tcase_add_test(t, canonical_form_is_a_fixed_point);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(json_suite());
}
