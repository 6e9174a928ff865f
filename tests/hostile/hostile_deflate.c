/* SPDX-License-Identifier: ISC */
/* hostile_deflate.c: a tiny deterministic raw-deflate encoder (RFC 1951). zlib's output may
 * change between versions (and differs in zlib-ng), which would make committed fixtures
 * irreproducible; these streams depend on nothing but this file. */
#include <string.h>

#include <zlib.h>

#include "hostile.h"

typedef struct bitw {
    hbuf *out;
    uint32_t acc;
    int nbits;
} bitw;

/* Appends the low n bits of v, least significant first (RFC 1951 3.1.1). */
static void put_bits(bitw *w, uint32_t v, int n)
{
    for (int i = 0; i < n; i++) {
        w->acc |= ((v >> i) & 1u) << w->nbits;
        if (++w->nbits == 8) {
            uint8_t byte = (uint8_t)w->acc;
            hbuf_add(w->out, &byte, 1);
            w->acc = 0;
            w->nbits = 0;
        }
    }
}

/* Huffman codes are packed starting with their most significant bit. */
static void put_code(bitw *w, uint32_t code, int len)
{
    for (int i = len - 1; i >= 0; i--)
        put_bits(w, (code >> i) & 1u, 1);
}

static void flush_bits(bitw *w)
{
    if (w->nbits > 0)
        put_bits(w, 0, 8 - w->nbits);
}

/* The fixed literal/length code of RFC 1951 3.2.6. */
static void put_fixed_sym(bitw *w, unsigned sym)
{
    if (sym < 144)
        put_code(w, 0x30 + sym, 8);
    else if (sym < 256)
        put_code(w, 0x190 + sym - 144, 9);
    else if (sym < 280)
        put_code(w, sym - 256, 7);
    else
        put_code(w, 0xC0 + sym - 280, 8);
}

static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

/* A match of len bytes (3..258) at distance 1: distance code 0, five bits, no extra bits. */
static void put_fixed_match(bitw *w, unsigned len)
{
    int c = 28;
    while (len_base[c] > len)
        c--;
    put_fixed_sym(w, 257u + (unsigned)c);
    put_bits(w, len - len_base[c], len_extra[c]);
    put_code(w, 0, 5);
}

void hd_fixed(const uint8_t *in, size_t len, bool final, hbuf *out)
{
    bitw w = {out, 0, 0};
    put_bits(&w, final ? 1 : 0, 1);
    put_bits(&w, 1, 2); /* BTYPE 01: fixed Huffman codes */
    size_t i = 0;
    while (i < len) {
        size_t run = 0;
        while (i > 0 && i + run < len && run < 258 && in[i + run] == in[i - 1])
            run++;
        if (run >= 3) {
            put_fixed_match(&w, (unsigned)run);
            i += run;
        } else {
            put_fixed_sym(&w, in[i++]);
        }
    }
    put_fixed_sym(&w, 256);
    flush_bits(&w);
}

void hd_before_start(size_t len, hbuf *out)
{
    bitw w = {out, 0, 0};
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    for (size_t left = len; left > 0;) {
        size_t n = left > 258 ? 258 : left;
        if (left - n > 0 && left - n < 3) /* keep every match at least 3 long */
            n = left - 3;
        put_fixed_match(&w, (unsigned)n);
        left -= n;
    }
    put_fixed_sym(&w, 256);
    flush_bits(&w);
}

/* The code-length alphabet order of RFC 1951 3.2.7. */
static const uint8_t cl_order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                     11, 4,  12, 3, 13, 2, 14, 1, 15};

/* Canonical codes from code lengths (RFC 1951 3.2.2). */
static void canonical(const uint8_t *lens, size_t n, uint32_t *codes)
{
    uint32_t count[16] = {0}, next[16] = {0}, code = 0;
    for (size_t i = 0; i < n; i++)
        count[lens[i]]++;
    count[0] = 0;
    for (int b = 1; b < 16; b++) {
        code = (code + count[b - 1]) << 1;
        next[b] = code;
    }
    for (size_t i = 0; i < n; i++)
        codes[i] = lens[i] ? next[lens[i]]++ : 0;
}

void hd_zeros(uint64_t n, hbuf *out)
{
    /* Literal/length code: 0 (the one literal zero) and 256 (end) two bits, 285 (a match of
     * 258) one bit. Distance code: a single one-bit code for distance 1. The code lengths
     * themselves are sent with code-length symbols 1 and 2 (two bits) and 18 (one bit). */
    uint8_t lit_len[286] = {0}, cl_len[19] = {0};
    uint32_t lit_code[286], cl_code[19];
    lit_len[0] = 2, lit_len[256] = 2, lit_len[285] = 1;
    cl_len[1] = 2, cl_len[2] = 2, cl_len[18] = 1;
    canonical(lit_len, 286, lit_code);
    canonical(cl_len, 19, cl_code);

    bitw w = {out, 0, 0};
    put_bits(&w, 1, 1);
    put_bits(&w, 2, 2);         /* BTYPE 10: dynamic Huffman codes */
    put_bits(&w, 286 - 257, 5); /* HLIT */
    put_bits(&w, 0, 5);         /* HDIST: one distance code */
    put_bits(&w, 18 - 4, 4);    /* HCLEN: up to cl_order[17], symbol 1 */
    for (int i = 0; i < 18; i++)
        put_bits(&w, cl_len[cl_order[i]], 3);
    /* lengths of symbols 0..285 then of distance 0: 2, 255 zeros, 2, 28 zeros, 1; 1 */
    put_code(&w, cl_code[2], 2);
    put_code(&w, cl_code[18], 1), put_bits(&w, 138 - 11, 7);
    put_code(&w, cl_code[18], 1), put_bits(&w, 117 - 11, 7);
    put_code(&w, cl_code[2], 2);
    put_code(&w, cl_code[18], 1), put_bits(&w, 28 - 11, 7);
    put_code(&w, cl_code[1], 2);
    put_code(&w, cl_code[1], 2);
    /* one literal zero, then matches of 258 at distance 1, then literal zeros */
    put_code(&w, lit_code[0], 2);
    uint64_t left = n - 1;
    for (; left >= 258; left -= 258)
        put_code(&w, lit_code[285], 1), put_code(&w, 0, 1);
    for (; left > 0; left--)
        put_code(&w, lit_code[0], 2);
    put_code(&w, lit_code[256], 2);
    flush_bits(&w);
}

long long hd_inflate_check(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK)
        h_die("zlib failed to initialise");
    zs.next_in = (uint8_t *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = inflate(&zs, Z_FINISH);
    long long n = (long long)zs.total_out;
    bool ok = rc == Z_STREAM_END && zs.avail_in == 0;
    inflateEnd(&zs);
    return ok ? n : -1;
}
