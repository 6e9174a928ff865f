/* SPDX-License-Identifier: ISC */
/* cli_escape.c: escaping of untrusted text for terminals (see cli_escape.h). */
#include <stdlib.h>
#include <string.h>

#include "cli_escape.h"

/* Code points that change or hide what is shown without showing themselves: general category
 * Cf (format: bidirectional controls, zero-width joiners, tags, soft hyphen...), the rest of
 * Default_Ignorable_Code_Point (variation selectors, Hangul fillers, U+034F) and the line and
 * paragraph separators. U+202E turns "invoice\u202Efdp.exe" into "invoiceexe.pdf" on screen;
 * tag characters and fillers make two different names look alike. From Unicode 14 (Python
 * 3.11's unicodedata for Cf; PropList.txt for Other_Default_Ignorable_Code_Point and
 * Variation_Selector). */
static const struct {
    unsigned long first, last;
} invisible[] = {{0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x0600, 0x0605},   {0x061C, 0x061C},
                 {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},
                 {0x115F, 0x1160},   {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x200B, 0x200F},
                 {0x2028, 0x202E},   {0x2060, 0x206F},   {0x3164, 0x3164},   {0xFE00, 0xFE0F},
                 {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},   {0x110BD, 0x110BD},
                 {0x110CD, 0x110CD}, {0x13430, 0x13438}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
                 {0xE0000, 0xE0FFF}};

bool cli_escape_needed(unsigned long cp, unsigned flags)
{
    if (cp == '\n')
        return !(flags & CLI_ESC_KEEP_NEWLINE);
    if (cp == '\t')
        return !(flags & CLI_ESC_KEEP_TAB);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return true;
    size_t lo = 0, hi = sizeof invisible / sizeof invisible[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < invisible[mid].first)
            hi = mid;
        else if (cp > invisible[mid].last)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Decodes one shortest-form UTF-8 sequence at s. Returns its length and sets *cp; 0 if the
 * bytes are not valid UTF-8; or -1 if s[0..n) is a valid but incomplete prefix. */
static int decode(const unsigned char *s, size_t n, unsigned long *cp)
{
    unsigned char c = s[0];
    int len = c < 0x80                 ? 1
              : c >= 0xC2 && c <= 0xDF ? 2
              : c >= 0xE0 && c <= 0xEF ? 3
              : c >= 0xF0 && c <= 0xF4 ? 4
                                       : 0;
    if (len <= 1) {
        *cp = c;
        return len;
    }
    unsigned long v = c & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        /* The second byte bounds overlong forms, surrogates and values above U+10FFFF. */
        if (i == 1 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
                       (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F)))
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

static void put_cp(FILE *f, unsigned long cp)
{
    if (cp == '\n')
        fputs("\\n", f);
    else if (cp == '\t')
        fputs("\\t", f);
    else if (cp < 0x80)
        fprintf(f, "\\x%02lx", cp);
    else
        fprintf(f, cp > 0xFFFF ? "\\U%08lx" : "\\u%04lx", cp);
}

/* Writes the longest prefix of s that can be decided now; returns how many bytes it used. */
static size_t emit(FILE *f, const unsigned char *s, size_t n, unsigned flags, bool final)
{
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x7F)
            run++;
        if (run > i) {
            fwrite(s + i, 1, run - i, f);
            i = run;
            continue;
        }
        unsigned long cp;
        int len = decode(s + i, n - i, &cp);
        if (len < 0 && !final)
            break; /* wait for the rest of the sequence */
        if (len <= 0) {
            fprintf(f, "\\x%02x", s[i++]);
        } else if (cli_escape_needed(cp, flags)) {
            put_cp(f, cp);
            i += (size_t)len;
        } else {
            fwrite(s + i, 1, (size_t)len, f);
            i += (size_t)len;
        }
    }
    return i;
}

void cli_escape_init(cli_escape *st, unsigned flags)
{
    st->nheld = 0;
    st->flags = flags;
}

int cli_escape_write(FILE *f, cli_escape *st, const void *p, size_t n)
{
    const unsigned char *s = p;
    /* Complete a held-back sequence with at most three new bytes. */
    while (st->nheld > 0 && n > 0) {
        st->held[st->nheld++] = *s++, n--;
        size_t used = emit(f, st->held, st->nheld, st->flags, false);
        memmove(st->held, st->held + used, st->nheld - used);
        st->nheld -= used;
    }
    size_t used = emit(f, s, n, st->flags, false);
    memcpy(st->held + st->nheld, s + used, n - used); /* at most 3 bytes: an incomplete prefix */
    st->nheld += n - used;
    return ferror(f) ? -1 : 0;
}

int cli_escape_final(FILE *f, cli_escape *st)
{
    emit(f, st->held, st->nheld, st->flags, true);
    st->nheld = 0;
    return ferror(f) ? -1 : 0;
}

void cli_escape_str(FILE *f, const char *s, size_t len, unsigned flags)
{
    emit(f, (const unsigned char *)s, len, flags, true);
}

char *cli_escape_dup(const char *s, size_t len, unsigned flags)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    if (f == NULL)
        return NULL;
    cli_escape_str(f, s, len, flags);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}
