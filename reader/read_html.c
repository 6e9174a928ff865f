/* SPDX-License-Identifier: ISC */
/* read_html.c: the one way bundle text reaches an HTML page of serve, and the one way a bundle
 * path becomes part of a URL. Text goes first through cli_escape (the terminal escaper: a bidi
 * override or a zero-width character in a path is shown, not obeyed, in a browser as on a
 * terminal), then every character that HTML gives a meaning to becomes a character reference,
 * so the result is safe as element text and as a quoted attribute value alike. */
#include <stdlib.h>
#include <string.h>

#include "cli_escape.h"
#include "read_serve.h"

static void html_bytes(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(s[i], f);
        }
    }
}

void html_esc(FILE *f, const char *s, size_t n)
{
    char *t = cli_escape_dup(s, n, CLI_ESC_KEEP_NEWLINE | CLI_ESC_KEEP_TAB);
    if (t == NULL) {
        fputs("(out of memory)", f);
        return;
    }
    html_bytes(f, t, strlen(t));
    free(t);
}

void html_str(FILE *f, const char *s)
{
    if (s != NULL)
        html_esc(f, s, strlen(s));
}

void url_esc(FILE *f, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != 0 && strchr("-._~/", c) != NULL))
            fputc(c, f);
        else
            fprintf(f, "%%%c%c", hex[c >> 4], hex[c & 15]);
    }
}
