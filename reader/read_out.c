/* read_out.c: output that no byte of a bundle can turn into a terminal command. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "read.h"

/* Length of a valid UTF-8 sequence at s that is not a C1 control, else 0. */
static size_t utf8_ok(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (s[0] < 0xC2 || s[0] > 0xF4 || len > n || quire_text_is_clean(s, len) == false)
        return 0;
    return len;
}

static void safe(FILE *f, const char *str, size_t len, bool newlines)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        if (s[i] >= 0x20 && s[i] < 0x7F) {
            fputc(s[i++], f);
            continue;
        }
        size_t n = s[i] >= 0x80 ? utf8_ok(s + i, len - i) : 0;
        if (n > 0) {
            fwrite(s + i, 1, n, f);
            i += n;
        } else if (s[i] == '\n') {
            fputs(newlines ? "\n" : "\\n", f), i++;
        } else if (s[i] == '\t') {
            fputs("\\t", f), i++;
        } else {
            fprintf(f, "\\x%02x", s[i++]);
        }
    }
}

void out_safe(FILE *f, const char *s, size_t len)
{
    safe(f, s, len, false);
}

void out_safe_text(FILE *f, const char *s, size_t len)
{
    safe(f, s, len, true);
}

void out_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

const char *out_role(uint8_t role)
{
    return role == QUIRE_ROLE_ORIGINAL ? "original" : "document";
}

/* jansson escapes only C0 controls; DEL and the C1 controls (which a terminal may take for
 * CSI and the like) can appear only inside JSON strings, where \u escapes mean the same. */
int out_json(void *value)
{
    json_t *j = value;
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (text == NULL)
        return 2;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == 0x7F)
            fputs("\\u007f", stdout);
        else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            printf("\\u%04x", *++p);
        else
            fputc(*p, stdout);
    }
    fputc('\n', stdout);
    free(text);
    return 0;
}

bool out_terminal;

/* state: 0 normal, 1 after a 0xC2 byte held back (it may start a C1 control). */
int out_content(FILE *f, const uint8_t *p, size_t n, int *state)
{
    if (!out_terminal) /* n == 0 is the final flush call, with p NULL */
        return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1;
    if (n == 0 && *state == 1) { /* end of content: release a held-back byte */
        fputc(0xC2, f);
        *state = 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (*state == 1) {
            *state = 0;
            if (c >= 0x80 && c <= 0x9F) {
                fprintf(f, "\\u%04x", c);
                continue;
            }
            fputc(0xC2, f);
        }
        if (c == 0xC2)
            *state = 1;
        else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    return ferror(f) ? -1 : 0;
}
