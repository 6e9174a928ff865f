/* SPDX-License-Identifier: ISC */
/* pack_warc.c: WARC records (ISO 28500: a version line, header lines, an empty line,
 * Content-Length bytes of block, then CRLF CRLF) and the HTTP responses in their blocks. A
 * .warc.gz is a series of gzip members, one per record: zlib's gzread reads every member, and
 * a plain file as it is. Each record is copied to a file of its own before its block is
 * looked at, so a record is kept (--keep-records) byte for byte as the capture holds it, and
 * the HTTP parser reads a file of known size. Sizes from the input are checked against what
 * is left before any use. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "pack.h"
#include "pack_warc.h"
#include "quire_text.h"
#include "common/quire_sha256.h"

#define IO_BYTES 65536

/* Buffered reading of the decompressed capture. */
typedef struct rd {
    gzFile g;
    const char *name;
    uint8_t buf[IO_BYTES];
    size_t pos, len;
    uint64_t off; /* of buf[pos] in the decompressed stream */
    bool eof;
} rd;

static int rd_fill(rd *r)
{
    if (r->pos < r->len || r->eof)
        return 0;
    int n = gzread(r->g, r->buf, sizeof r->buf);
    if (n < 0) {
        int e;
        const char *msg = gzerror(r->g, &e);
        pack_warn("%s: cannot read: %s", r->name, e == Z_ERRNO ? strerror(errno) : msg);
        return 2;
    }
    r->pos = 0;
    r->len = (size_t)n;
    r->eof = n == 0;
    return 0;
}

/* One line into line (cap bytes; the line without its LF or CRLF, NUL-terminated). *got is
 * its length, or SIZE_MAX at the end of the input. Returns 0, or 2 after a message. */
static int rd_line(rd *r, char *line, size_t cap, size_t *got)
{
    size_t n = 0;
    uint64_t at = r->off;
    for (;;) {
        if (rd_fill(r) != 0)
            return 2;
        if (r->eof) {
            *got = n == 0 ? SIZE_MAX : n;
            break;
        }
        uint8_t c = r->buf[r->pos++];
        r->off++;
        if (c == '\n') {
            *got = n;
            break;
        }
        if (n + 1 >= cap) {
            pack_warn("%s: offset %llu: refused: a header line longer than %zu bytes", r->name,
                      (unsigned long long)at, cap - 1);
            return 2;
        }
        line[n++] = (char)c;
    }
    if (*got != SIZE_MAX && n > 0 && line[n - 1] == '\r')
        *got = --n;
    line[n] = '\0';
    return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Copies n bytes of the input to fd. Returns 0, 1 when the input ends first, or 2 after a
 * message about a write. */
static int rd_copy(rd *r, int fd, uint64_t n, const char *to)
{
    while (n > 0) {
        if (rd_fill(r) != 0)
            return 2;
        if (r->eof)
            return 1;
        size_t k = r->len - r->pos < n ? r->len - r->pos : (size_t)n;
        if (write_all(fd, r->buf + r->pos, k) != 0) {
            pack_warn("%s: cannot write: %s", to, strerror(errno));
            return 2;
        }
        r->pos += k;
        r->off += k;
        n -= k;
    }
    return 0;
}

/* ---- the record header ---- */

typedef struct header {
    char text[PACK_WARC_HEADER_MAX + 1];
    size_t len;
} header;

/* Appends a line as it was in the capture: its bytes, then the consumed - got bytes of its
 * end (LF or CRLF), so a kept record is byte for byte the capture's. The caller has checked
 * that it fits. */
static void put_raw(header *h, const char *line, size_t got, uint64_t consumed)
{
    memcpy(h->text + h->len, line, got);
    h->len += got;
    if (consumed == got + 2)
        h->text[h->len++] = '\r';
    h->text[h->len++] = '\n';
}

/* A field value may be shown and stored: valid UTF-8, no control character except tab. */
static bool value_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return false;
    return quire_text_is_utf8(s, n);
}

/* Decimal digits only, at most 2^50 (a bundle holds no more, SPEC 8). */
static bool parse_length(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > ((uint64_t)1 << 50) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return v <= (uint64_t)1 << 50;
}

/* Trims white space around s in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Sets the field of rec that name is, if any. A repeated field keeps its first value. */
static void set_field(pack_warc_record *rec, const char *name, char *v, bool *length_set,
                      const char **length)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {{"WARC-Type", offsetof(pack_warc_record, type)},
                  {"WARC-Target-URI", offsetof(pack_warc_record, uri)},
                  {"WARC-Date", offsetof(pack_warc_record, date)},
                  {"WARC-Record-ID", offsetof(pack_warc_record, id)},
                  {"Content-Type", offsetof(pack_warc_record, content_type)},
                  {"WARC-Payload-Digest", offsetof(pack_warc_record, payload_digest)},
                  {"WARC-Refers-To-Target-URI", offsetof(pack_warc_record, refers_uri)},
                  {"WARC-Profile", offsetof(pack_warc_record, profile)},
                  {"WARC-Truncated", offsetof(pack_warc_record, truncated)}};
    if (strcasecmp(name, "Content-Length") == 0 && !*length_set) {
        *length = v;
        *length_set = true;
    }
    if (strcasecmp(name, "WARC-Segment-Number") == 0)
        rec->segmented = true;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char **slot = (const char **)(void *)((char *)rec + fields[i].off);
        if (strcasecmp(name, fields[i].name) == 0 && *slot == NULL)
            *slot = v;
    }
}

/* WARC 1.0 drafts (and wget) write the target URI in angle brackets. */
static void unbracket(pack_warc_record *rec)
{
    static char uri[PACK_WARC_LINE_MAX];
    size_t n = rec->uri != NULL ? strlen(rec->uri) : 0;
    if (n >= 2 && rec->uri[0] == '<' && rec->uri[n - 1] == '>') {
        memcpy(uri, rec->uri + 1, n - 2);
        uri[n - 2] = '\0';
        rec->uri = uri;
    }
}

/* Reads the header lines after the version line into h (raw, as read, CRLF restored) and the
 * fields into rec. Returns 0, or 2 after a message. */
static int read_fields(rd *r, header *h, pack_warc_record *rec)
{
    static char lines[PACK_WARC_HEADER_MAX + 1];
    size_t used = 0, got;
    const char *length = NULL;
    bool length_set = false;
    char line[PACK_WARC_LINE_MAX];
    for (;;) {
        uint64_t at = r->off;
        if (rd_line(r, line, sizeof line, &got) != 0)
            return 2;
        if (got == SIZE_MAX) {
            pack_warn("%s: record %llu: refused: the file ends in its header", r->name,
                      (unsigned long long)rec->number);
            return 2;
        }
        if (h->len + got + 2 > PACK_WARC_HEADER_MAX || used + got + 1 > sizeof lines) {
            pack_warn("%s: record %llu: refused: a header longer than %d bytes", r->name,
                      (unsigned long long)rec->number, PACK_WARC_HEADER_MAX);
            return 2;
        }
        put_raw(h, line, got, r->off - at);
        if (got == 0)
            break;
        /* Continuation lines (RFC 822 folding) are deprecated and ignored here. */
        if (line[0] == ' ' || line[0] == '\t')
            continue;
        char *colon = memchr(line, ':', got);
        if (memchr(line, '\0', got) != NULL || colon == NULL || colon == line) {
            pack_warn("%s: record %llu: refused: a header line that is not NAME: VALUE", r->name,
                      (unsigned long long)rec->number);
            return 2;
        }
        *colon = '\0';
        char *name = lines + used;
        memcpy(name, line, got + 1);
        used += got + 1;
        char *v = trim(name + (colon - line) + 1);
        if (!value_ok(v, strlen(v)))
            v = NULL; /* a field with controls or invalid UTF-8 counts as absent */
        if (v != NULL)
            set_field(rec, trim(name), v, &length_set, &length);
    }
    if (length == NULL || !parse_length(length, &rec->block_len)) {
        pack_warn("%s: record %llu: refused: %s Content-Length", r->name,
                  (unsigned long long)rec->number, length == NULL ? "no" : "a malformed");
        return 2;
    }
    unbracket(rec);
    return 0;
}

/* The version line, after any empty lines. Returns 0 (*end set at the end of the input), or 2
 * after a message. */
static int read_version(rd *r, header *h, uint64_t number, bool *end)
{
    char line[PACK_WARC_LINE_MAX];
    size_t got;
    uint64_t at;
    do {
        at = r->off;
        if (rd_line(r, line, sizeof line, &got) != 0)
            return 2;
    } while (got == 0);
    *end = got == SIZE_MAX;
    if (*end)
        return 0;
    if (strncmp(line, "WARC/", 5) != 0 || strspn(line + 5, "0123456789.") != got - 5 || got == 5) {
        pack_warn("%s: record %llu at offset %llu: refused: not a WARC record (no WARC/1.x "
                  "version line)",
                  r->name, (unsigned long long)number, (unsigned long long)at);
        return 2;
    }
    h->len = 0;
    put_raw(h, line, got, r->off - at);
    return 0;
}

/* The block must be followed by CRLF CRLF (LF LF accepted): anything else means the
 * Content-Length is wrong, and the next record cannot be found. */
static int read_trailer(rd *r, const pack_warc_record *rec)
{
    char line[8];
    size_t got;
    for (int i = 0; i < 2; i++) {
        if (rd_line(r, line, sizeof line, &got) != 0)
            return 2;
        if (got != 0) {
            pack_warn("%s: record %llu: refused: its block is not followed by CRLF CRLF (is "
                      "its Content-Length right?)",
                      r->name, (unsigned long long)rec->number);
            return 2;
        }
    }
    return 0;
}

/* Copies one record to rec_path: header, then block. */
static int copy_record(rd *r, const header *h, const pack_warc_record *rec, const char *rec_path)
{
    int fd = open(rec_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = 2;
    if (fd < 0) {
        pack_warn("%s: cannot unpack: %s", r->name, strerror(errno));
        return 2;
    }
    if (write_all(fd, h->text, h->len) != 0) {
        pack_warn("%s: cannot unpack: %s", r->name, strerror(errno));
        goto out;
    }
    rc = rd_copy(r, fd, rec->block_len, r->name);
    if (rc == 1) {
        rc = 2;
        pack_warn("%s: record %llu: refused: the file ends within its block of %llu bytes", r->name,
                  (unsigned long long)rec->number, (unsigned long long)rec->block_len);
    }
    if (rc != 0)
        goto out;
    rc = 2;
    if (close(fd) != 0)
        pack_warn("%s: cannot unpack: %s", r->name, strerror(errno));
    else
        rc = 0;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

int pack_warc_read(int fd, const char *name, const char *rec_path, pack_warc_fn fn, void *ctx)
{
    static rd r;
    static header h;
    int dfd = dup(fd), rc = 0;
    r = (rd){.name = name};
    r.g = dfd >= 0 ? gzdopen(dfd, "rb") : NULL;
    if (r.g == NULL) {
        pack_warn("%s: cannot read: %s", name, dfd < 0 ? strerror(errno) : "out of memory");
        if (dfd >= 0)
            close(dfd);
        return 2;
    }
    gzbuffer(r.g, IO_BYTES);
    for (uint64_t number = 1; rc == 0; number++) {
        pack_warc_record rec = {.number = number};
        bool end;
        if ((rc = read_version(&r, &h, number, &end)) != 0 || end)
            break;
        if ((rc = read_fields(&r, &h, &rec)) != 0)
            break;
        rec.header_len = h.len;
        if ((rc = copy_record(&r, &h, &rec, rec_path)) == 0 && (rc = read_trailer(&r, &rec)) == 0)
            rc = fn(ctx, &rec, rec_path);
    }
    gzclose(r.g);
    return rc;
}

/* ---- the document in a record's block ---- */

/* Buffered reading of a region of the record file. */
typedef struct src {
    int fd;
    uint64_t off, left;
    uint8_t buf[IO_BYTES];
    size_t pos, len;
} src;

/* Up to cap bytes; 0 at the end of the region, -1 on a read error. */
static ssize_t src_read(src *s, uint8_t *out, size_t cap)
{
    if (s->pos == s->len) {
        size_t want = s->left < sizeof s->buf ? (size_t)s->left : sizeof s->buf;
        ssize_t n;
        if (want == 0)
            return 0;
        do
            n = pread(s->fd, s->buf, want, (off_t)s->off);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            return -1; /* the file was written whole: a short read is an error */
        s->pos = 0;
        s->len = (size_t)n;
        s->off += (uint64_t)n;
        s->left -= (uint64_t)n;
    }
    size_t k = s->len - s->pos < cap ? s->len - s->pos : cap;
    memcpy(out, s->buf + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
}

/* A line of at most cap - 1 bytes without its (CR)LF; false at the end or when longer. */
static bool src_line(src *s, char *line, size_t cap)
{
    size_t n = 0;
    uint8_t c;
    while (src_read(s, &c, 1) == 1) {
        if (c == '\n') {
            if (n > 0 && line[n - 1] == '\r')
                n--;
            line[n] = '\0';
            return true;
        }
        if (n + 1 >= cap)
            return false;
        line[n++] = (char)c;
    }
    return false;
}

/* The payload: the body, with the chunked transfer coding removed when chunked. */
typedef struct body {
    src s;
    bool chunked, done;
    uint64_t chunk_left;
    const char *err;
} body;

static bool parse_hex(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = strspn(s, "0123456789abcdefABCDEF");
    if (n == 0 || n > 13 || (s[n] != '\0' && s[n] != ';' && s[n] != ' ' && s[n] != '\t'))
        return false; /* 13 hex digits: at most 2^52 */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        v = v * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    *out = v;
    return true;
}

/* The next chunk's size line (after the CRLF that ends the previous chunk). */
static bool next_chunk(body *b, bool first)
{
    char line[1024] = ""; /* src_line terminates it; initialised for the analyzer */
    if (!first && (!src_line(&b->s, line, sizeof line) || line[0] != '\0')) {
        b->err = "a chunk is not followed by CRLF";
        return false;
    }
    if (!src_line(&b->s, line, sizeof line) || !parse_hex(line, &b->chunk_left)) {
        b->err = "a malformed chunk size";
        return false;
    }
    if (b->chunk_left > b->s.left + (b->s.len - b->s.pos)) {
        b->err = "a chunk longer than the record";
        return false;
    }
    b->done = b->chunk_left == 0; /* trailers after the last chunk are not content */
    return true;
}

/* Up to cap bytes of payload; 0 at its end, -1 with b->err set. */
static ssize_t body_read(body *b, uint8_t *out, size_t cap)
{
    if (!b->chunked) {
        ssize_t n = src_read(&b->s, out, cap);
        if (n < 0)
            b->err = strerror(errno);
        return n;
    }
    if (b->done)
        return 0;
    if (b->chunk_left == 0 && !next_chunk(b, false))
        return -1;
    if (b->done)
        return 0;
    ssize_t n = src_read(&b->s, out, b->chunk_left < cap ? (size_t)b->chunk_left : cap);
    if (n <= 0) {
        b->err = "the record ends within a chunk";
        return -1;
    }
    b->chunk_left -= (uint64_t)n;
    return n;
}

/* Where the decoded payload goes: out_fd, hashed and counted. */
typedef struct sink {
    int fd;
    quire_sha256_state sha;
    uint64_t size;
} sink;

static const char *sink_write(sink *k, const uint8_t *p, size_t n)
{
    if (n > ((uint64_t)1 << 50) - k->size)
        return "the decoded payload is larger than a bundle can hold";
    if (write_all(k->fd, p, n) != 0)
        return strerror(errno);
    quire_sha256_update(&k->sha, p, n);
    k->size += n;
    return NULL;
}

/* Copies the payload as it is. */
static const char *copy_plain(body *b, sink *k)
{
    static uint8_t buf[IO_BYTES];
    for (;;) {
        ssize_t n = body_read(b, buf, sizeof buf);
        if (n < 0)
            return b->err;
        if (n == 0)
            return NULL;
        const char *e = sink_write(k, buf, (size_t)n);
        if (e != NULL)
            return e;
    }
}

/* One inflate step over z's input; sets *end at the end of the stream. */
static const char *inflate_step(z_stream *z, sink *k, bool *end)
{
    static uint8_t out[IO_BYTES];
    do {
        z->next_out = out;
        z->avail_out = sizeof out;
        int zr = inflate(z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            return z->msg != NULL ? z->msg : "corrupt compressed data";
        const char *e = sink_write(k, out, sizeof out - z->avail_out);
        if (e != NULL)
            return e;
        *end = zr == Z_STREAM_END;
    } while (z->avail_out == 0 && !*end);
    return NULL;
}

/* Decodes gzip or zlib (windowBits 15 + 32 detects which) or, with raw, raw deflate (some
 * servers send that as "deflate"). Data after the end of the stream is ignored. */
static const char *inflate_payload(body *b, sink *k, bool raw)
{
    static uint8_t in[IO_BYTES];
    z_stream z = {0};
    const char *e = NULL;
    bool end = false;
    if (inflateInit2(&z, raw ? -15 : 15 + 32) != Z_OK)
        return "out of memory";
    while (!end && e == NULL) {
        ssize_t n = body_read(b, in, sizeof in);
        if (n < 0)
            e = b->err;
        else if (n == 0)
            e = "the compressed payload is cut short";
        else {
            z.next_in = in;
            z.avail_in = (uInt)n;
            e = inflate_step(&z, k, &end);
        }
    }
    inflateEnd(&z);
    return e;
}

/* The value of header field name (case-insensitive) among the lines of an HTTP head, trimmed,
 * into out; false when absent. */
static bool http_field(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = strchr(head, '\n'); p != NULL; p = strchr(p, '\n')) {
        p++;
        if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
            continue;
        const char *v = p + nl + 1, *e = v + strcspn(v, "\r\n");
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        size_t n = (size_t)(e - v) < cap ? (size_t)(e - v) : cap - 1;
        memcpy(out, v, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

/* The media type of a Content-Type value: type/subtype, in lower case, when it is one. */
static void media_of(const char *ct, char *out, size_t cap)
{
    static const char tchar[] = "abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-";
    size_t n = strcspn(ct, "; \t"), o = 0, slash = 0;
    out[0] = '\0';
    if (n == 0 || n >= cap)
        return;
    for (size_t i = 0; i < n; i++) {
        char c = (char)(ct[i] >= 'A' && ct[i] <= 'Z' ? ct[i] | 0x20 : ct[i]);
        if (c == '/' && slash == 0 && i > 0)
            slash = i;
        else if (strchr(tchar, c) == NULL || c == '\0')
            return;
        out[o++] = c;
    }
    out[o] = '\0';
    if (slash == 0 || slash + 1 == n)
        out[0] = '\0';
}

/* Reads the HTTP head at the start of the block: status line and fields, up to the empty
 * line. Sets the body to what follows. Returns NULL or why it is not an HTTP response. */
static const char *http_head(body *b, const pack_warc_record *r, char *head, pack_http *h)
{
    size_t want = r->block_len < PACK_WARC_HEADER_MAX ? (size_t)r->block_len : PACK_WARC_HEADER_MAX;
    ssize_t n;
    do
        n = pread(b->s.fd, head, want, (off_t)r->header_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 || (size_t)n != want)
        return "cannot read the record back";
    head[want] = '\0';
    char *end = strstr(head, "\r\n\r\n");
    size_t skip = 4;
    if (end == NULL || (strstr(head, "\n\n") != NULL && strstr(head, "\n\n") < end))
        end = strstr(head, "\n\n"), skip = 2;
    /* strstr stops at a NUL byte: a head with one before its end has no end */
    if (end == NULL)
        return "no end of the HTTP header";
    *end = '\0';
    int st = 0;
    if (strncmp(head, "HTTP/", 5) != 0 || sscanf(head + 5, "%*[0-9.] %3d", &st) != 1 || st < 100 ||
        st > 999)
        return "not an HTTP response";
    h->status = st;
    uint64_t used = (uint64_t)(end - head) + skip;
    b->s.off = r->header_len + used;
    b->s.left = r->block_len - used;
    return NULL;
}

/* Sets up the decoding of an HTTP payload; *coding: 0 none, 1 gzip or zlib, 2 deflate. */
static const char *http_setup(body *b, const char *head, pack_http *h, int *coding, char *why,
                              size_t cap)
{
    char v[256];
    if (http_field(head, "Content-Type", v, sizeof v))
        media_of(v, h->media, sizeof h->media);
    if (http_field(head, "Transfer-Encoding", v, sizeof v)) {
        if (strcasecmp(v, "chunked") != 0 && strcasecmp(v, "identity") != 0) {
            snprintf(why, cap, "transfer coding '%s' is not supported", v);
            return why;
        }
        b->chunked = strcasecmp(v, "chunked") == 0;
    }
    *coding = 0;
    if (http_field(head, "Content-Encoding", v, sizeof v) && strcasecmp(v, "identity") != 0) {
        if (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "x-gzip") == 0)
            *coding = 1;
        else if (strcasecmp(v, "deflate") == 0)
            *coding = 2;
        else {
            snprintf(why, cap, "content coding '%s' is not supported", v);
            return why;
        }
    }
    return NULL;
}

/* Writes the decoded payload; the "deflate" coding is tried as zlib, then as raw deflate. */
static const char *decode(body *b, sink *k, int coding)
{
    if (b->chunked && !next_chunk(b, true))
        return b->err;
    if (coding == 0)
        return copy_plain(b, k);
    body start = *b;
    const char *e = inflate_payload(b, k, false);
    if (e != NULL && coding == 2 && k->size == 0) {
        *b = start;
        quire_sha256_init(&k->sha);
        return inflate_payload(b, k, true);
    }
    return e;
}

int pack_warc_payload(int rec_fd, const pack_warc_record *r, bool http, int out_fd, pack_http *h,
                      char *why, size_t cap)
{
    static body b;
    static char head[PACK_WARC_HEADER_MAX + 1];
    sink k = {.fd = out_fd};
    int coding = 0;
    const char *e = NULL;
    b = (body){.s = {.fd = rec_fd, .off = r->header_len, .left = r->block_len}};
    *h = (pack_http){0};
    quire_sha256_init(&k.sha);
    if (http && (e = http_head(&b, r, head, h)) != NULL) {
        snprintf(why, cap, "%s", e);
        return -1;
    }
    if (http && (h->status < 200 || h->status > 299 || h->status == 204 || h->status == 206)) {
        snprintf(why, cap, "HTTP status %d", h->status);
        return 1;
    }
    if (http && http_setup(&b, head, h, &coding, why, cap) != NULL)
        return -1;
    if (!http && r->content_type != NULL)
        media_of(r->content_type, h->media, sizeof h->media);
    if ((e = decode(&b, &k, coding)) != NULL) {
        snprintf(why, cap, "%s", e);
        return -1;
    }
    h->size = k.size;
    quire_sha256_final(&k.sha, h->sha256);
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

bool pack_warc_date(const char *s, int ymd[3], char iso[21])
{
    int y, mo, d, h, mi, se, n = 0;
    if (strlen(s) < 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19 ||
        s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
        return false;
    for (int i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
            return false;
    const char *p = s + 19;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9')
        p += 1 + strspn(p + 1, "0123456789");
    if (strcmp(p, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || se > 60)
        return false;
    ymd[0] = y, ymd[1] = mo, ymd[2] = d;
    memcpy(iso, s, 19);
    memcpy(iso + 19, "Z", 2);
    return true;
}
