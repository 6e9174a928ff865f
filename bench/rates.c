/* SPDX-License-Identifier: ISC */
/* rates.c: the CPU work a full verify cannot avoid, measured on this machine (bench/rates.sh).
 * Reads a stream of bytes on stdin (a corpus as tar writes it), cuts it into 1 MiB units as
 * quire-pack does, deflates each with libdeflate at quire's level, then times, best of five:
 * inflating every unit (libdeflate), SHA-256 of every raw byte (nettle: quire's entry hash),
 * BLAKE2b-256 of every stored byte (libsodium: quire's unit hash; also what minisign -V
 * computes over a whole file) and memcpy of every raw byte. Prints one JSON object. */
#include <libdeflate.h>
#include <nettle/sha2.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UNIT (1u << 20)
#define LEVEL 8
#define RUNS 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    size_t cap = 1u << 26, len = 0, n;
    unsigned char *raw = malloc(cap);
    while (raw != NULL && (n = fread(raw + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap)
            raw = realloc(raw, cap *= 2);
    }
    if (raw == NULL || len == 0 || sodium_init() < 0)
        return 2;
    size_t units = (len + UNIT - 1) / UNIT, bound = libdeflate_deflate_compress_bound(NULL, UNIT);
    unsigned char *stored = malloc(units * bound), *out = malloc(UNIT), *copy = malloc(len);
    size_t *slen = calloc(units, sizeof *slen), stored_total = 0;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(LEVEL);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (stored == NULL || out == NULL || copy == NULL || slen == NULL || c == NULL || d == NULL)
        return 2;
    for (size_t u = 0; u < units; u++) {
        size_t in = len - u * UNIT < UNIT ? len - u * UNIT : UNIT;
        slen[u] = libdeflate_deflate_compress(c, raw + u * UNIT, in, stored + u * bound, bound);
        stored_total += slen[u];
    }
    double best[4] = {1e9, 1e9, 1e9, 1e9};
    unsigned char digest[32];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        for (size_t u = 0; u < units; u++) {
            size_t got;
            if (libdeflate_deflate_decompress(d, stored + u * bound, slen[u], out, UNIT, &got) !=
                LIBDEFLATE_SUCCESS)
                return 1;
        }
        double t1 = now();
        struct sha256_ctx sh;
        sha256_init(&sh);
        sha256_update(&sh, len, raw);
        sha256_digest(&sh, sizeof digest, digest);
        double t2 = now();
        for (size_t u = 0; u < units; u++)
            crypto_generichash(digest, sizeof digest, stored + u * bound, slen[u], NULL, 0);
        double t3 = now();
        memcpy(copy, raw, len);
        double t4 = now();
        double t[4] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3};
        for (int i = 0; i < 4; i++)
            best[i] = t[i] < best[i] ? t[i] : best[i];
    }
    printf("{\"raw_bytes\": %zu, \"stored_bytes\": %zu, \"units\": %zu, \"level\": %d,\n"
           " \"inflate_s\": %.4f, \"sha256_s\": %.4f, \"blake2b_stored_s\": %.4f, "
           "\"memcpy_s\": %.4f,\n"
           " \"inflate_MBps\": %.0f, \"sha256_MBps\": %.0f, \"blake2b_MBps\": %.0f, "
           "\"memcpy_MBps\": %.0f}\n",
           len, stored_total, units, LEVEL, best[0], best[1], best[2], best[3], len / best[0] / 1e6,
           len / best[1] / 1e6, stored_total / best[2] / 1e6, len / best[3] / 1e6);
    return copy[len - 1] == raw[len - 1] ? 0 : 1;
}
