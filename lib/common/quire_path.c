/* SPDX-License-Identifier: ISC */
/* quire_path.c: the path and text rules of SPEC 4. */
#include <string.h>

#include "quire.h"
#include "quire_private.h"

/* Length of the UTF-8 sequence starting at s (at most n bytes) and its code point, or 0 if the
 * sequence is invalid, overlong, a surrogate or above U+10FFFF (SPEC 4.1). */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len;
    uint32_t c = s[0];

    if (c < 0x80)
        len = 1;
    else if ((c & 0xE0) == 0xC0)
        len = 2, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        len = 3, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        len = 4, c &= 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min_cp[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool quire_text_is_clean(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] >= 0x20 && s[i] < 0x7F) { /* printable ASCII, nearly every byte */
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0 || is_control(cp))
            return false;
        i += n;
    }
    return true;
}

static int check_component(const char *c, size_t n, bool first, quire_error *err)
{
    if (n == 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "empty path component (SPEC 4.2)");
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
        return quire_error_set(err, QUIRE_E_FORMAT, "'.' or '..' path component (SPEC 4.2)");
    if (n > QUIRE_MAX_COMPONENT_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "path component longer than %u bytes (SPEC 8)",
                               QUIRE_MAX_COMPONENT_BYTES);
    if (first && n >= 2 && c[1] == ':' &&
        ((c[0] >= 'A' && c[0] <= 'Z') || (c[0] >= 'a' && c[0] <= 'z')))
        return quire_error_set(err, QUIRE_E_FORMAT, "drive letter in path (SPEC 4.2)");
    return QUIRE_OK;
}

/* True if every byte is printable ASCII other than the backslash, tested eight bytes at a time:
 * a byte with its high bit set, below 0x20, or equal to 0x7F or a backslash marks the word. */
static bool plain_ascii(const uint8_t *p, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = ones << 7;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t x, del, bsl;
        memcpy(&x, p + i, 8);
        del = x ^ (ones * 0x7F);
        bsl = x ^ (ones * '\\');
        uint64_t below = (x - ones * 0x20) & ~x;
        if (((x | below | ((del - ones) & ~del) | ((bsl - ones) & ~bsl)) & highs) != 0)
            return false;
    }
    for (; i < len; i++)
        if (p[i] < 0x20 || p[i] >= 0x7F || p[i] == '\\')
            return false;
    return true;
}

/* The common case, quickly: a relative path of printable ASCII without a backslash, whose
 * components pass check_component. Anything else returns false and quire_path_check takes it
 * through every rule in order, so that the first rule broken is the one named. */
static bool plain_path_ok(const uint8_t *p, size_t len)
{
    if (len == 0 || len > QUIRE_MAX_PATH_BYTES || p[0] == '/' || !plain_ascii(p, len))
        return false;
    for (size_t start = 0;;) {
        const uint8_t *slash = memchr(p + start, '/', len - start);
        size_t end = slash != NULL ? (size_t)(slash - p) : len;
        if (check_component((const char *)p + start, end - start, start == 0, NULL) != QUIRE_OK)
            return false;
        if (slash == NULL)
            return true;
        start = end + 1;
    }
}

int quire_path_check(const char *path, size_t len, quire_error *err)
{
    const uint8_t *p = (const uint8_t *)path;

    if (plain_path_ok(p, len))
        return QUIRE_OK;
    if (len == 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "empty path (SPEC 4.2)");
    if (len > QUIRE_MAX_PATH_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "path longer than %u bytes (SPEC 8)",
                               QUIRE_MAX_PATH_BYTES);
    if (memchr(p, '\0', len) != NULL || !quire_text_is_clean(p, len))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "path is not printable UTF-8 (NUL, control character or invalid "
                               "sequence) (SPEC 4.1)");
    if (memchr(p, '\\', len) != NULL)
        return quire_error_set(err, QUIRE_E_FORMAT, "backslash in path (SPEC 4.2)");
    if (p[0] == '/')
        return quire_error_set(err, QUIRE_E_FORMAT, "absolute path (SPEC 4.2)");

    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || p[i] == '/') {
            int rc = check_component(path + start, i - start, start == 0, err);
            if (rc != QUIRE_OK)
                return rc;
            start = i + 1;
        }
    }
    return QUIRE_OK;
}
